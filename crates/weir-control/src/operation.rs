//! Operations (Start, Stop, Update, …) and the state of an application's
//! running job: records the service reports through DescribeApplicationOperation,
//! ListApplicationOperations and the application's log.

use serde::{Deserialize, Serialize};

use crate::model::{EpochMillis, LogLevel};

/// What an operation does. Spelled as the service reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OperationKind {
    StartApplication,
    StopApplication,
    ForceStopApplication,
    UpdateApplication,
    RollbackApplication,
    Maintenance,
    Autoscale,
}

impl OperationKind {
    pub const ALL: [OperationKind; 7] = [
        Self::StartApplication,
        Self::StopApplication,
        Self::ForceStopApplication,
        Self::UpdateApplication,
        Self::RollbackApplication,
        Self::Maintenance,
        Self::Autoscale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartApplication => "StartApplication",
            Self::StopApplication => "StopApplication",
            Self::ForceStopApplication => "ForceStopApplication",
            Self::UpdateApplication => "UpdateApplication",
            Self::RollbackApplication => "RollbackApplication",
            Self::Maintenance => "Maintenance",
            Self::Autoscale => "Autoscale",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OperationStatus {
    InProgress,
    Successful,
    Failed,
    Cancelled,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Successful => "SUCCESSFUL",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// One operation on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRecord {
    pub id: String,
    pub application: String,
    pub kind: OperationKind,
    pub status: OperationStatus,
    pub start_time: EpochMillis,
    pub end_time: Option<EpochMillis>,
    pub version_from: Option<u64>,
    pub version_to: Option<u64>,
    /// Why it failed, in Flink's words where Flink said something.
    pub error: Option<String>,
    pub rollback_operation_id: Option<String>,
}

impl OperationRecord {
    /// The record once the operation has ended.
    pub fn ended(&self, status: OperationStatus, error: Option<String>, now: EpochMillis) -> Self {
        Self {
            status,
            error,
            end_time: Some(now),
            ..self.clone()
        }
    }
}

/// Flink's job statuses, spelled as Flink spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobStatus {
    Initializing,
    Created,
    Running,
    Failing,
    Failed,
    Cancelling,
    Canceled,
    Finished,
    Restarting,
    Suspended,
    Reconciling,
}

impl JobStatus {
    pub const ALL: [JobStatus; 11] = [
        Self::Initializing,
        Self::Created,
        Self::Running,
        Self::Failing,
        Self::Failed,
        Self::Cancelling,
        Self::Canceled,
        Self::Finished,
        Self::Restarting,
        Self::Suspended,
        Self::Reconciling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initializing => "INITIALIZING",
            Self::Created => "CREATED",
            Self::Running => "RUNNING",
            Self::Failing => "FAILING",
            Self::Failed => "FAILED",
            Self::Cancelling => "CANCELLING",
            Self::Canceled => "CANCELED",
            Self::Finished => "FINISHED",
            Self::Restarting => "RESTARTING",
            Self::Suspended => "SUSPENDED",
            Self::Reconciling => "RECONCILING",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == s)
    }

    /// A globally terminal status: the job will not run again by itself.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Failed | Self::Canceled | Self::Finished)
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Weir knows of an application's running job. Not part of a version:
/// it describes the present, and is rewritten as the job changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobState {
    pub job_id: Option<String>,
    pub job_name: Option<String>,
    pub status: Option<JobStatus>,
    /// The operation being carried out, if any (written before acting).
    pub operation_id: Option<String>,
    /// Flink's time (ms) of the latest status change already recorded, so a
    /// change that came and went between two looks is still recorded once.
    #[serde(default)]
    pub last_change_ms: i64,
    /// The operation that submitted the job: during an update, rollback,
    /// maintenance or autoscaling, a job submitted by another operation is
    /// the old one, to be drained.
    #[serde(default)]
    pub submitted_by: Option<String>,
    /// The application version the job runs.
    #[serde(default)]
    pub version_id: Option<u64>,
    /// The snapshot the next submission restores from, overriding the run
    /// configuration (a rollback pins the snapshot it restores).
    #[serde(default)]
    pub restore_from: Option<String>,
    /// The parallelism an autoscaling in progress started from (what a
    /// system rollback of a failed scaling returns to).
    #[serde(default)]
    pub rescaled_from: Option<u32>,
    /// The registered Flink cluster the application's job is placed on
    /// (decided at start, update and autoscaling); `None`: the local runtime.
    #[serde(default)]
    pub placement: Option<String>,
}

/// The status changes to record, oldest first, given what was recorded
/// (`recorded`, up to `last_change_ms`) and what Flink now reports: its
/// current status and the last time the job entered each status.
pub fn new_transitions(
    recorded: Option<JobStatus>,
    last_change_ms: i64,
    entered: &[(JobStatus, i64)],
    current: JobStatus,
) -> Vec<(JobStatus, JobStatus, i64)> {
    let mut fresh: Vec<(JobStatus, i64)> = entered
        .iter()
        .copied()
        .filter(|(_, t)| *t > last_change_ms)
        .collect();
    fresh.sort_by_key(|(s, t)| (*t, JobStatus::ALL.iter().position(|x| x == s)));
    let mut out = Vec::new();
    let mut from = recorded;
    for (to, t) in fresh {
        match from {
            Some(f) if f == to => {}
            Some(f) => out.push((f, to, t)),
            // The first status Flink reports is recorded as the job's start.
            None => {}
        }
        from = Some(to);
    }
    if let Some(f) = from {
        if f != current {
            let t = out.last().map_or(last_change_ms, |x| x.2);
            out.push((f, current, t));
        }
    }
    out
}

/// One event of an application's log (CloudWatch Logs' unit). `seq` orders
/// events with equal timestamps and is assigned by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub seq: u64,
    pub application: String,
    pub timestamp: EpochMillis,
    pub ingestion_time: EpochMillis,
    pub version_id: u64,
    pub level: LogLevel,
    /// Who speaks: Weir's supervisor, or the job (Flink's phrasing).
    pub logger: String,
    pub message: String,
}

/// A Java exception chain (first line and `Caused by:` lines) with its root
/// cause put first: an operation's ErrorString is cut at 512 characters, and
/// the root cause ("Cannot map checkpoint/savepoint state…") is what a
/// person needs, not the REST handler's "Could not execute application."
pub fn root_cause_first(text: &str) -> String {
    let root = text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("Caused by: "));
    match root {
        Some(root) if !text.starts_with(root) => format!("{root}\n{text}"),
        _ => text.to_string(),
    }
}

/// Flink's own phrasing of a job status change, which users grep for.
pub fn job_transition_message(name: &str, job_id: &str, from: JobStatus, to: JobStatus) -> String {
    format!("Job {name} ({job_id}) switched from state {from} to {to}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_cause_comes_first() {
        let chain = "RestHandlerException: Could not execute application.\nCaused by: ProgramInvocationException: x\nCaused by: java.lang.IllegalStateException: Cannot map state";
        assert_eq!(
            root_cause_first(chain),
            format!("java.lang.IllegalStateException: Cannot map state\n{chain}")
        );
        assert_eq!(root_cause_first("just one line"), "just one line");
    }

    #[test]
    fn job_statuses_round_trip_and_terminals() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        let terminal: Vec<_> = JobStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [JobStatus::Failed, JobStatus::Canceled, JobStatus::Finished]
        );
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn transitions_are_recovered_from_flinks_timestamps() {
        use JobStatus::*;
        // (recorded, last ms, entered timestamps, current) -> transitions
        let table: &[(
            Option<JobStatus>,
            i64,
            &[(JobStatus, i64)],
            JobStatus,
            &[(JobStatus, JobStatus)],
        )] = &[
            (
                None,
                0,
                &[(Initializing, 1), (Created, 2), (Running, 3)],
                Running,
                &[(Initializing, Created), (Created, Running)],
            ),
            (
                Some(Running),
                3,
                &[(Created, 2), (Running, 3)],
                Running,
                &[],
            ),
            // RESTARTING came and went between two looks: still recorded.
            (
                Some(Running),
                3,
                &[(Created, 2), (Running, 9), (Restarting, 7)],
                Running,
                &[(Running, Restarting), (Restarting, Running)],
            ),
            (
                Some(Running),
                3,
                &[(Running, 3), (Restarting, 7)],
                Restarting,
                &[(Running, Restarting)],
            ),
            (
                Some(Running),
                3,
                &[(Running, 3), (Failing, 5), (Failed, 6)],
                Failed,
                &[(Running, Failing), (Failing, Failed)],
            ),
            // Flink 1.x/2.x report no timestamp for a status: the current one still counts.
            (
                Some(Running),
                3,
                &[(Running, 3)],
                Finished,
                &[(Running, Finished)],
            ),
            // Timestamps of statuses never entered are 0 and ignored.
            (
                Some(Created),
                2,
                &[(Created, 2), (Running, 4), (Failed, 0)],
                Running,
                &[(Created, Running)],
            ),
        ];
        for (recorded, last, entered, current, want) in table {
            let got: Vec<(JobStatus, JobStatus)> =
                new_transitions(*recorded, *last, entered, *current)
                    .into_iter()
                    .map(|(f, t, _)| (f, t))
                    .collect();
            assert_eq!(got, *want, "{recorded:?} {last} {entered:?} {current:?}");
        }
    }

    #[test]
    fn transition_message_is_flinks() {
        assert_eq!(
            job_transition_message("count", "abc", JobStatus::Running, JobStatus::Restarting),
            "Job count (abc) switched from state RUNNING to RESTARTING."
        );
    }
}

//! Snapshots: Flink savepoints that Weir catalogues itself, so that restoring
//! an application never depends on Flink's own metadata surviving.
//!
//! A snapshot is a record first (CREATING, written before Flink is asked
//! anything) and files second; the supervisor drives every CREATING record
//! to READY or FAILED, so a Weir that died mid-savepoint finishes or fails
//! the record when it comes back.

use serde::{Deserialize, Serialize};

use crate::model::{EpochMillis, RestoreType, RunConfig, RuntimeEnvironment};
use crate::spec::Invalid;

/// The most user snapshots an application may keep (the service's limit).
/// System snapshots are taken regardless: refusing one would block a stop.
pub const MAX_USER_SNAPSHOTS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SnapshotStatus {
    Creating,
    Ready,
    Deleting,
    Failed,
}

impl SnapshotStatus {
    pub const ALL: [SnapshotStatus; 4] =
        [Self::Creating, Self::Ready, Self::Deleting, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Ready => "READY",
            Self::Deleting => "DELETING",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for SnapshotStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who asked for the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotKind {
    /// CreateApplicationSnapshot.
    User,
    /// Taken by Weir on a stop, update, autoscale or maintenance restart.
    System,
    /// An enhanced snapshot in the making (CreateSnapshot): the record that
    /// has the application's supervisor take the savepoint, as for any
    /// snapshot. Once settled it becomes the account's enhanced snapshot of
    /// the same name (`crate::enhanced`) and this record goes; it is never
    /// listed, described or restored as the application's own.
    Enhanced,
}

/// One snapshot of an application's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub application: String,
    pub name: String,
    pub status: SnapshotStatus,
    pub kind: SnapshotKind,
    /// The version of the job whose state it holds.
    pub version_id: u64,
    pub runtime: RuntimeEnvironment,
    pub created: EpochMillis,
    /// The operation it was taken for (system snapshots).
    pub operation_id: Option<String>,
    /// Stop the job once the savepoint is taken (Flink's stop-with-savepoint).
    pub stop_job: bool,
    /// The job it was asked of.
    pub job_id: Option<String>,
    /// Flink's id of the savepoint request, once made.
    pub trigger_id: Option<String>,
    /// The savepoint's directory, once READY.
    pub location: Option<String>,
    /// Why it FAILED.
    pub failure: Option<String>,
}

impl SnapshotRecord {
    /// A savepoint of `job_id` asked for by a request (CreateApplicationSnapshot,
    /// or CreateSnapshot's record of `kind` Enhanced): CREATING, nothing
    /// asked of Flink yet.
    pub fn requested(
        application: &str,
        name: &str,
        kind: SnapshotKind,
        version_id: u64,
        runtime: RuntimeEnvironment,
        created: EpochMillis,
        job_id: String,
    ) -> Self {
        Self {
            application: application.to_string(),
            name: name.to_string(),
            status: SnapshotStatus::Creating,
            kind,
            version_id,
            runtime,
            created,
            operation_id: None,
            stop_job: false,
            job_id: Some(job_id),
            trigger_id: None,
            location: None,
            failure: None,
        }
    }

    pub fn is_settled(&self) -> bool {
        matches!(self.status, SnapshotStatus::Ready | SnapshotStatus::Failed)
    }
}

/// Checks a snapshot name against the model (`[a-zA-Z0-9_.-]+`, 1-256).
pub fn check_name(member: &str, name: &str) -> Result<(), Invalid> {
    check_name_of_at_most(member, name, 256)
}

/// A snapshot name of at most `max` characters: the model's pattern, and
/// not `.` or `..`, which pass it but name directories.
pub(crate) fn check_name_of_at_most(member: &str, name: &str, max: usize) -> Result<(), Invalid> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if !ok || name == "." || name == ".." {
        return Err(Invalid::Argument {
            member: member.to_string(),
            message: format!(
                "{name:?} is not a snapshot name: 1 to {max} of a-z, A-Z, 0-9, '_', '.', '-'"
            ),
        });
    }
    Ok(())
}

/// The name Weir gives the snapshot it takes for an operation.
pub fn system_name(now: EpochMillis, operation_id: &str) -> String {
    format!("weir-system-{now}-{operation_id}")
}

/// Why a start cannot restore what it was asked to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("snapshot {0} does not exist")]
    Missing(String),
    #[error("snapshot {0} is {1}, not READY")]
    NotReady(String, SnapshotStatus),
    #[error("RESTORE_FROM_CUSTOM_SNAPSHOT names no snapshot")]
    Unnamed,
    /// The record is READY but its files are gone or unreadable.
    #[error("{0}")]
    Unreadable(String),
}

/// Which snapshot a job starting under `run` restores from, given the
/// application's snapshots: `None` is a fresh start. An override (a rollback
/// names the snapshot it restores) wins over the run configuration.
pub fn restore_choice<'a>(
    run: &RunConfig,
    override_name: Option<&str>,
    snapshots: &'a [SnapshotRecord],
) -> Result<Option<&'a SnapshotRecord>, RestoreError> {
    let ready = |name: &str| {
        snapshots
            .iter()
            .find(|s| s.name == name && s.kind != SnapshotKind::Enhanced)
            .ok_or_else(|| RestoreError::Missing(name.to_string()))
            .and_then(|s| match s.status {
                SnapshotStatus::Ready => Ok(s),
                other => Err(RestoreError::NotReady(name.to_string(), other)),
            })
    };
    if let Some(name) = override_name {
        return ready(name).map(Some);
    }
    match run.restore.restore_type {
        RestoreType::SkipRestoreFromSnapshot => Ok(None),
        RestoreType::RestoreFromLatestSnapshot => Ok(latest_ready(snapshots)),
        RestoreType::RestoreFromCustomSnapshot => match run.restore.snapshot_name.as_deref() {
            Some(name) => ready(name).map(Some),
            None => Err(RestoreError::Unnamed),
        },
    }
}

/// The newest READY snapshot.
pub fn latest_ready(snapshots: &[SnapshotRecord]) -> Option<&SnapshotRecord> {
    snapshots
        .iter()
        .filter(|s| s.status == SnapshotStatus::Ready && s.kind != SnapshotKind::Enhanced)
        .max_by_key(|s| (s.created, s.name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RestoreConfig;

    fn snap(name: &str, created: i64, status: SnapshotStatus) -> SnapshotRecord {
        SnapshotRecord {
            application: "a".into(),
            name: name.into(),
            status,
            kind: SnapshotKind::User,
            version_id: 1,
            runtime: RuntimeEnvironment::Flink1_20,
            created,
            operation_id: None,
            stop_job: false,
            job_id: None,
            trigger_id: None,
            location: Some(format!("/s/{name}")),
            failure: None,
        }
    }

    fn run(t: RestoreType, name: Option<&str>) -> RunConfig {
        RunConfig {
            restore: RestoreConfig {
                restore_type: t,
                snapshot_name: name.map(str::to_string),
                snapshot_arn: None,
            },
            allow_non_restored_state: false,
        }
    }

    #[test]
    fn names_follow_the_model() {
        for ok in ["a", "snap-1", "x.y_z", &"a".repeat(256)] {
            assert!(check_name("SnapshotName", ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "é", &"a".repeat(257)] {
            assert!(check_name("SnapshotName", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn restore_choice_table() {
        use RestoreType::*;
        use SnapshotStatus::*;
        let snaps = vec![
            snap("old", 1, Ready),
            snap("new", 3, Ready),
            snap("busy", 4, Creating),
            snap("bad", 5, Failed),
        ];
        let name =
            |r: Result<Option<&SnapshotRecord>, RestoreError>| r.map(|s| s.map(|s| s.name.clone()));
        assert_eq!(
            name(restore_choice(
                &run(SkipRestoreFromSnapshot, None),
                None,
                &snaps
            )),
            Ok(None)
        );
        assert_eq!(
            name(restore_choice(
                &run(RestoreFromLatestSnapshot, None),
                None,
                &snaps
            )),
            Ok(Some("new".into()))
        );
        assert_eq!(
            name(restore_choice(
                &run(RestoreFromLatestSnapshot, None),
                None,
                &[]
            )),
            Ok(None)
        );
        assert_eq!(
            name(restore_choice(
                &run(RestoreFromCustomSnapshot, Some("old")),
                None,
                &snaps
            )),
            Ok(Some("old".into()))
        );
        assert!(
            restore_choice(&run(RestoreFromCustomSnapshot, Some("nope")), None, &snaps).is_err()
        );
        assert!(
            restore_choice(&run(RestoreFromCustomSnapshot, Some("bad")), None, &snaps).is_err()
        );
        assert!(
            restore_choice(&run(RestoreFromCustomSnapshot, Some("busy")), None, &snaps).is_err()
        );
        // A rollback's pinned snapshot wins over SKIP.
        assert_eq!(
            name(restore_choice(
                &run(SkipRestoreFromSnapshot, None),
                Some("old"),
                &snaps
            )),
            Ok(Some("old".into()))
        );
    }
}

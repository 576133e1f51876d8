//! [`FlinkRest`]: an async client of Flink's Job Manager REST API.
//!
//! It knows Flink's JSON shapes (private serde types in this module, turned
//! into the plain types below) and nothing about how the cluster was started:
//! give it the URL of any Flink 1.18 … 2.x Job Manager.
//!
//! Every call has a timeout: [`FlinkRest::DEFAULT_TIMEOUT`] for queries and
//! [`FlinkRest::DEFAULT_LONG_TIMEOUT`] for uploading a jar and running its
//! `main()` (which Flink does synchronously, inside the Job Manager).
//!
//! Traps this client handles:
//! - program arguments go as `programArgsList` (a JSON array): Flink 2.x
//!   silently ignores the old `programArgs` string;
//! - a failing `main()` comes back from `/jars/:id/run` as an HTTP error whose
//!   `errors` text holds Flink's cause; [`RestError::Status`] keeps that text
//!   and [`RestError::summary`] strips it to the `Caused by:` chain;
//! - `/jobs/:id/exceptions` lost its `root-exception` field in 2.x; only the
//!   `exceptionHistory` remains ([`FlinkRest::job_exceptions`] reads both);
//! - a job is `RUNNING` while its tasks still wait for slots: look at
//!   [`TaskCounts::all_running`], not only at [`JobState`].

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// Errors from talking to a Job Manager.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RestError {
    /// Nothing answered (refused, reset, DNS…).
    #[error("cannot reach Flink at {url}: {detail}")]
    Connect { url: String, detail: String },
    /// Something accepted the connection but did not answer in time.
    #[error("Flink did not answer {url} within {} s", timeout.as_secs_f32())]
    Timeout { url: String, timeout: Duration },
    /// Flink answered with an error status. `body` is Flink's error text (its
    /// `errors` array joined by newlines) or, if it sent something else, the body.
    #[error("Flink answered {code} to {url}: {body}")]
    Status {
        url: String,
        code: u16,
        body: String,
    },
    /// The jar to upload cannot be read (nothing was sent).
    #[error("cannot read {}: {detail}", path.display())]
    ReadJar {
        path: std::path::PathBuf,
        detail: String,
    },
    /// Flink answered with something this client cannot read.
    #[error("unexpected answer from Flink at {url}: {detail}")]
    Decode { url: String, detail: String },
}

impl RestError {
    /// Flink's error text without Java stack frames: the first line and every
    /// `Caused by:` line — what a person wants to read in an operation's
    /// failure. For non-status errors, the error's own message.
    pub fn summary(&self) -> String {
        match self {
            RestError::Status { body, .. } => summarize_java_error(body),
            other => other.to_string(),
        }
    }

    pub fn status_code(&self) -> Option<u16> {
        match self {
            RestError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// 404: no such job / jar / trigger.
    pub fn is_not_found(&self) -> bool {
        self.status_code() == Some(404)
    }

    /// Nothing is listening (or answering) at the URL.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RestError::Connect { .. } | RestError::Timeout { .. })
    }
}

/// The first line and the `Caused by:` lines of a Java exception text.
pub fn summarize_java_error(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("at ") || trimmed.starts_with("... ") {
            continue;
        }
        if out.is_empty() || trimmed.starts_with("Caused by:") {
            out.push(trimmed);
        }
    }
    out.join("\n")
}

/// A Flink job id (32 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub String);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of an asynchronous savepoint/stop operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TriggerId(pub String);

impl fmt::Display for TriggerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job's status as Flink names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobState {
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
    /// A state this client does not know (a newer Flink).
    Other(String),
}

impl JobState {
    pub fn parse(s: &str) -> JobState {
        match s {
            "INITIALIZING" => JobState::Initializing,
            "CREATED" => JobState::Created,
            "RUNNING" => JobState::Running,
            "FAILING" => JobState::Failing,
            "FAILED" => JobState::Failed,
            "CANCELLING" => JobState::Cancelling,
            "CANCELED" => JobState::Canceled,
            "FINISHED" => JobState::Finished,
            "RESTARTING" => JobState::Restarting,
            "SUSPENDED" => JobState::Suspended,
            "RECONCILING" => JobState::Reconciling,
            other => JobState::Other(other.to_string()),
        }
    }

    /// Flink's own spelling, as in `switched from state RUNNING to RESTARTING`.
    pub fn as_str(&self) -> &str {
        match self {
            JobState::Initializing => "INITIALIZING",
            JobState::Created => "CREATED",
            JobState::Running => "RUNNING",
            JobState::Failing => "FAILING",
            JobState::Failed => "FAILED",
            JobState::Cancelling => "CANCELLING",
            JobState::Canceled => "CANCELED",
            JobState::Finished => "FINISHED",
            JobState::Restarting => "RESTARTING",
            JobState::Suspended => "SUSPENDED",
            JobState::Reconciling => "RECONCILING",
            JobState::Other(s) => s,
        }
    }

    /// FINISHED, CANCELED or FAILED: the job will not run again.
    pub fn is_globally_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Finished | JobState::Canceled | JobState::Failed
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many of a job's (or vertex's) parallel tasks are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TaskCounts {
    #[serde(alias = "CREATED")]
    pub created: u32,
    #[serde(alias = "SCHEDULED")]
    pub scheduled: u32,
    #[serde(alias = "DEPLOYING")]
    pub deploying: u32,
    #[serde(alias = "INITIALIZING")]
    pub initializing: u32,
    #[serde(alias = "RUNNING")]
    pub running: u32,
    #[serde(alias = "FINISHED")]
    pub finished: u32,
    #[serde(alias = "CANCELING")]
    pub canceling: u32,
    #[serde(alias = "CANCELED")]
    pub canceled: u32,
    #[serde(alias = "FAILED")]
    pub failed: u32,
    #[serde(alias = "RECONCILING")]
    pub reconciling: u32,
    /// Present in `/jobs/overview`; computed for vertices.
    pub total: u32,
}

impl TaskCounts {
    /// Every task is RUNNING: what "the job runs" means (a job reports
    /// RUNNING while its tasks still wait for slots).
    pub fn all_running(&self) -> bool {
        self.total > 0 && self.running == self.total
    }

    /// Tasks not yet running: created, scheduled (waiting for a slot),
    /// deploying or initializing.
    pub fn pending(&self) -> u32 {
        self.created + self.scheduled + self.deploying + self.initializing
    }

    fn with_total(mut self) -> TaskCounts {
        if self.total == 0 {
            self.total = self.created
                + self.scheduled
                + self.deploying
                + self.initializing
                + self.running
                + self.finished
                + self.canceling
                + self.canceled
                + self.failed
                + self.reconciling;
        }
        self
    }
}

/// `/overview`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOverview {
    pub flink_version: String,
    pub task_managers: u32,
    pub slots_total: u32,
    pub slots_available: u32,
    pub jobs_running: u32,
    pub jobs_finished: u32,
    pub jobs_cancelled: u32,
    pub jobs_failed: u32,
}

/// One entry of `/taskmanagers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskManagerInfo {
    /// Flink's resource id (Weir's local clusters name them `<cluster>-tm-<i>`).
    pub id: String,
    pub slots: u32,
    pub free_slots: u32,
    pub data_port: u32,
    /// The cores of the machine it runs on, as the JVM sees them.
    pub cpu_cores: Option<u32>,
}

/// One entry of `/jobs/overview`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSummary {
    pub id: JobId,
    pub name: String,
    pub state: JobState,
    /// Epoch milliseconds.
    pub start_time: i64,
    /// Epoch milliseconds, once the job ended.
    pub end_time: Option<i64>,
    pub tasks: TaskCounts,
}

/// `/jobs/:id`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDetails {
    pub id: JobId,
    pub name: String,
    pub state: JobState,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub vertices: Vec<VertexInfo>,
    /// When the job last entered each status (Flink's clock, ms), for the
    /// statuses it has entered: lets a watcher see a RESTARTING that came and
    /// went between two looks.
    pub timestamps: Vec<(String, i64)>,
}

impl JobDetails {
    /// The tasks of all vertices together.
    pub fn tasks(&self) -> TaskCounts {
        let mut t = TaskCounts::default();
        for v in &self.vertices {
            let c = v.tasks;
            t.created += c.created;
            t.scheduled += c.scheduled;
            t.deploying += c.deploying;
            t.initializing += c.initializing;
            t.running += c.running;
            t.finished += c.finished;
            t.canceling += c.canceling;
            t.canceled += c.canceled;
            t.failed += c.failed;
            t.reconciling += c.reconciling;
            t.total += c.total;
        }
        t
    }
}

/// One operator chain of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VertexInfo {
    pub id: String,
    pub name: String,
    /// 0 while Flink has not decided it yet (adaptive batch scheduling).
    pub parallelism: u32,
    /// The most subtasks the vertex can have (its key groups); 0 if not said.
    pub max_parallelism: u32,
    pub status: String,
    pub tasks: TaskCounts,
}

/// How to run an uploaded jar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunJar {
    /// The class with `main()`; None: the jar manifest's `Main-Class`.
    pub entry_class: Option<String>,
    /// Sent as `programArgsList`.
    pub program_args: Vec<String>,
    pub parallelism: Option<u32>,
    /// Restore from this savepoint or retained checkpoint.
    pub savepoint_path: Option<String>,
    pub allow_non_restored_state: bool,
    /// Job-level Flink configuration (`flinkConfiguration`, Flink ≥ 1.17):
    /// checkpointing, restart strategy and state directories of this job,
    /// whatever cluster it runs on.
    pub flink_config: Vec<(String, String)>,
    /// The job id to give the job (`jobId`, 32 hex digits): chosen and
    /// recorded by the caller before it submits, so that a caller that dies
    /// in between still knows which job on a shared cluster is its own.
    pub job_id: Option<String>,
}

/// Where a savepoint (or stop-with-savepoint) operation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavepointStatus {
    InProgress,
    Completed { location: String },
    Failed { cause: String },
}

/// A checkpoint or savepoint Flink reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRef {
    pub id: u64,
    pub external_path: Option<String>,
    pub is_savepoint: bool,
}

/// `/jobs/:id/checkpoints`, reduced to what a supervisor uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckpointStats {
    pub completed: u64,
    pub failed: u64,
    pub in_progress: u64,
    pub latest_completed: Option<CheckpointRef>,
    pub latest_savepoint: Option<CheckpointRef>,
    /// What the job was restored from, if anything.
    pub restored: Option<CheckpointRef>,
}

/// `/jobs/:id/checkpoints/config`: None fields mean "not reported".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointConfig {
    /// Milliseconds; `None` when checkpointing is disabled.
    pub interval_ms: Option<u64>,
    pub min_pause_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
}

/// One metric value (Flink reports every value as a string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    pub id: String,
    pub value: String,
}

impl Metric {
    pub fn as_f64(&self) -> Option<f64> {
        self.value.parse().ok()
    }
}

/// A metric aggregated over a vertex's subtasks
/// (`/jobs/:id/vertices/:vid/subtasks/metrics?agg=min,max,avg,sum`): the
/// aggregates Flink could compute; `None` where a subtask has no value yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AggregatedMetric {
    pub id: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
}

/// One subtask of a vertex (`/jobs/:id/vertices/:vid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtaskInfo {
    pub index: u32,
    pub status: String,
    /// The Task Manager it runs on (Flink's resource id), once deployed.
    pub taskmanager_id: Option<String>,
}

/// A client of one Job Manager's REST API. Cheap to clone.
#[derive(Clone)]
pub struct FlinkRest {
    base: String,
    client: reqwest::Client,
    timeout: Duration,
    long_timeout: Duration,
}

impl fmt::Debug for FlinkRest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlinkRest")
            .field("base", &self.base)
            .finish()
    }
}

impl FlinkRest {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_LONG_TIMEOUT: Duration = Duration::from_secs(300);
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

    /// A client of the Job Manager at `base_url` (e.g. `http://127.0.0.1:8081`).
    pub fn new(base_url: impl Into<String>) -> FlinkRest {
        let client = reqwest::Client::builder()
            .connect_timeout(Self::CONNECT_TIMEOUT)
            .no_proxy()
            .build()
            .expect("a reqwest client without TLS or proxies always builds");
        FlinkRest {
            base: base_url.into().trim_end_matches('/').to_string(),
            client,
            timeout: Self::DEFAULT_TIMEOUT,
            long_timeout: Self::DEFAULT_LONG_TIMEOUT,
        }
    }

    /// Timeouts for queries and for jar upload/run.
    pub fn with_timeouts(mut self, timeout: Duration, long_timeout: Duration) -> FlinkRest {
        self.timeout = timeout;
        self.long_timeout = long_timeout;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub async fn overview(&self) -> Result<ClusterOverview, RestError> {
        let o: wire::Overview = self.get("/overview").await?;
        Ok(ClusterOverview {
            flink_version: o.flink_version,
            task_managers: o.taskmanagers,
            slots_total: o.slots_total,
            slots_available: o.slots_available,
            jobs_running: o.jobs_running,
            jobs_finished: o.jobs_finished,
            jobs_cancelled: o.jobs_cancelled,
            jobs_failed: o.jobs_failed,
        })
    }

    pub async fn taskmanagers(&self) -> Result<Vec<TaskManagerInfo>, RestError> {
        let t: wire::TaskManagers = self.get("/taskmanagers").await?;
        Ok(t.taskmanagers
            .into_iter()
            .map(|t| TaskManagerInfo {
                id: t.id,
                slots: t.slots_number,
                free_slots: t.free_slots,
                data_port: t.data_port,
                cpu_cores: t.hardware.and_then(|h| h.cpu_cores),
            })
            .collect())
    }

    /// The Job Manager's configuration (`GET /jobmanager/config`), as
    /// `(key, value)` pairs (Flink hides the values of sensitive keys).
    pub async fn jobmanager_config(&self) -> Result<Vec<(String, String)>, RestError> {
        let entries: Vec<wire::ConfigEntry> = self.get("/jobmanager/config").await?;
        Ok(entries.into_iter().map(|e| (e.key, e.value)).collect())
    }

    /// The Job Manager's own log file (`GET /jobmanager/log`), whole.
    pub async fn job_manager_log(&self) -> Result<bytes::Bytes, RestError> {
        let url = self.url("/jobmanager/log");
        let request = self.client.get(&url);
        self.exchange(&url, request, self.timeout).await
    }

    /// A Task Manager's own log file (`GET /taskmanagers/:id/log`), whole.
    pub async fn task_manager_log(&self, id: &str) -> Result<bytes::Bytes, RestError> {
        let url = self.url(&format!("/taskmanagers/{}/log", segment(id)));
        let request = self.client.get(&url);
        self.exchange(&url, request, self.timeout).await
    }

    /// Uploads a jar (multipart field `jarfile`); returns Flink's jar id.
    pub async fn upload_jar(&self, path: &Path) -> Result<String, RestError> {
        let url = self.url("/jars/upload");
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| RestError::ReadJar {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "job.jar".to_string());
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name)
            .mime_str("application/x-java-archive")
            .expect("a valid mime type");
        let form = reqwest::multipart::Form::new().part("jarfile", part);
        let request = self.client.post(&url).multipart(form);
        let r: wire::Upload = self.send(url.clone(), request, self.long_timeout).await?;
        if r.status.as_deref().is_some_and(|s| s != "success") {
            return Err(RestError::Decode {
                url,
                detail: format!("upload status {:?}", r.status),
            });
        }
        // `filename` is the stored path; its last segment is the jar id.
        let id = r
            .filename
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        if id.is_empty() {
            return Err(RestError::Decode {
                url,
                detail: "upload answer without a filename".into(),
            });
        }
        Ok(id)
    }

    pub async fn delete_jar(&self, jar_id: &str) -> Result<(), RestError> {
        let url = self.url(&format!("/jars/{}", segment(jar_id)));
        let request = self.client.delete(&url);
        self.send_ignoring_body(url, request).await
    }

    /// Runs an uploaded jar's `main()` in the Job Manager and returns the job
    /// it submitted. A `main()` that throws is a [`RestError::Status`] whose
    /// body contains Flink's cause.
    pub async fn run_jar(&self, jar_id: &str, run: &RunJar) -> Result<JobId, RestError> {
        let url = self.url(&format!("/jars/{}/run", segment(jar_id)));
        let mut body = serde_json::json!({
            "programArgsList": run.program_args,
            "allowNonRestoredState": run.allow_non_restored_state,
        });
        if let Some(c) = &run.entry_class {
            body["entryClass"] = c.clone().into();
        }
        if let Some(p) = run.parallelism {
            body["parallelism"] = p.into();
        }
        if let Some(s) = &run.savepoint_path {
            body["savepointPath"] = s.clone().into();
        }
        if let Some(id) = &run.job_id {
            body["jobId"] = id.clone().into();
        }
        if !run.flink_config.is_empty() {
            let map: serde_json::Map<String, serde_json::Value> = run
                .flink_config
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            body["flinkConfiguration"] = map.into();
        }
        let request = self.client.post(&url).json(&body);
        let r: wire::RunJar = self.send(url, request, self.long_timeout).await?;
        Ok(JobId(r.jobid))
    }

    pub async fn jobs_overview(&self) -> Result<Vec<JobSummary>, RestError> {
        let o: wire::JobsOverview = self.get("/jobs/overview").await?;
        Ok(o.jobs
            .into_iter()
            .map(|j| JobSummary {
                id: JobId(j.jid),
                name: j.name,
                state: JobState::parse(&j.state),
                start_time: j.start_time,
                end_time: (j.end_time > 0).then_some(j.end_time),
                tasks: j.tasks.with_total(),
            })
            .collect())
    }

    pub async fn job(&self, id: &JobId) -> Result<JobDetails, RestError> {
        let j: wire::Job = self.get(&format!("/jobs/{}", segment(&id.0))).await?;
        Ok(JobDetails {
            id: JobId(j.jid),
            name: j.name,
            state: JobState::parse(&j.state),
            start_time: j.start_time,
            end_time: (j.end_time > 0).then_some(j.end_time),
            vertices: j
                .vertices
                .into_iter()
                .map(|v| VertexInfo {
                    id: v.id,
                    name: v.name,
                    parallelism: u32::try_from(v.parallelism).unwrap_or(0),
                    max_parallelism: u32::try_from(v.max_parallelism).unwrap_or(0),
                    status: v.status,
                    tasks: v.tasks.with_total(),
                })
                .collect(),
            timestamps: j.timestamps.into_iter().filter(|(_, t)| *t > 0).collect(),
        })
    }

    /// The text of the job's most recent failure, if it failed at all.
    /// Flink 1.x reports `root-exception`; 2.x only the exception history.
    pub async fn job_exceptions(&self, id: &JobId) -> Result<Option<String>, RestError> {
        let e: wire::Exceptions = self
            .get(&format!("/jobs/{}/exceptions", segment(&id.0)))
            .await?;
        if let Some(root) = e.root_exception.filter(|r| !r.trim().is_empty()) {
            return Ok(Some(root));
        }
        let latest = e
            .exception_history
            .map(|h| h.entries)
            .unwrap_or_default()
            .into_iter()
            .max_by_key(|entry| entry.timestamp);
        Ok(latest.and_then(|entry| {
            entry
                .stacktrace
                .filter(|s| !s.trim().is_empty())
                .or(entry.exception_name)
        }))
    }

    /// Cancels the job (no savepoint). Flink answers before it is CANCELED.
    /// Cancels the job. A job that has already ended (a stop with a
    /// savepoint that finished it between a look and this call) counts as
    /// cancelled: Flink answers 409 for it, and the caller's intent holds.
    pub async fn cancel(&self, id: &JobId) -> Result<(), RestError> {
        let url = self.url(&format!("/jobs/{}?mode=cancel", segment(&id.0)));
        let request = self.client.patch(&url);
        match self.send_ignoring_body(url, request).await {
            Err(RestError::Status {
                code: 409, body, ..
            }) if body.contains("already reached another terminal state") => Ok(()),
            other => other,
        }
    }

    /// Stops the job with a savepoint (`drain`: emit MAX_WATERMARK first).
    /// `target_dir` None: the cluster's `state.savepoints.dir`.
    pub async fn stop_with_savepoint(
        &self,
        id: &JobId,
        target_dir: Option<&str>,
        drain: bool,
    ) -> Result<TriggerId, RestError> {
        let mut body = serde_json::json!({ "drain": drain });
        if let Some(dir) = target_dir {
            body["targetDirectory"] = dir.into();
        }
        self.trigger(format!("/jobs/{}/stop", segment(&id.0)), body)
            .await
    }

    /// Takes a savepoint, optionally cancelling the job afterwards.
    pub async fn trigger_savepoint(
        &self,
        id: &JobId,
        target_dir: Option<&str>,
        cancel_job: bool,
    ) -> Result<TriggerId, RestError> {
        // Flink spells this body's members with dashes, unlike /stop's.
        let mut body = serde_json::json!({ "cancel-job": cancel_job });
        if let Some(dir) = target_dir {
            body["target-directory"] = dir.into();
        }
        self.trigger(format!("/jobs/{}/savepoints", segment(&id.0)), body)
            .await
    }

    /// Starts an asynchronous savepoint operation at `path`.
    async fn trigger(&self, path: String, body: serde_json::Value) -> Result<TriggerId, RestError> {
        let url = self.url(&path);
        let request = self.client.post(&url).json(&body);
        let r: wire::Trigger = self.send(url, request, self.timeout).await?;
        Ok(TriggerId(r.request_id))
    }

    /// Where a savepoint or stop-with-savepoint operation stands.
    pub async fn savepoint_status(
        &self,
        id: &JobId,
        trigger: &TriggerId,
    ) -> Result<SavepointStatus, RestError> {
        let s: wire::SavepointStatus = self
            .get(&format!(
                "/jobs/{}/savepoints/{}",
                segment(&id.0),
                segment(&trigger.0)
            ))
            .await?;
        if s.status.id != "COMPLETED" {
            return Ok(SavepointStatus::InProgress);
        }
        let op = s.operation.unwrap_or_default();
        if let Some(cause) = op.failure_cause {
            let text = cause
                .stack_trace
                .or(cause.class)
                .unwrap_or_else(|| "savepoint failed".to_string());
            return Ok(SavepointStatus::Failed { cause: text });
        }
        match op.location {
            Some(location) => Ok(SavepointStatus::Completed { location }),
            None => Ok(SavepointStatus::Failed {
                cause: "Flink reported the savepoint complete without a location".into(),
            }),
        }
    }

    pub async fn checkpoints(&self, id: &JobId) -> Result<CheckpointStats, RestError> {
        let c: wire::Checkpoints = self
            .get(&format!("/jobs/{}/checkpoints", segment(&id.0)))
            .await?;
        let latest = c.latest.unwrap_or_default();
        let to_ref = |r: wire::CheckpointRef, savepoint: bool| CheckpointRef {
            id: r.id,
            external_path: r
                .external_path
                .filter(|p| !p.is_empty() && p != "<checkpoint-not-externally-addressable>"),
            is_savepoint: r.is_savepoint.unwrap_or(savepoint),
        };
        Ok(CheckpointStats {
            completed: c.counts.completed,
            failed: c.counts.failed,
            in_progress: c.counts.in_progress,
            latest_completed: latest.completed.map(|r| to_ref(r, false)),
            latest_savepoint: latest.savepoint.map(|r| to_ref(r, true)),
            restored: latest.restored.map(|r| to_ref(r, false)),
        })
    }

    pub async fn checkpoint_config(&self, id: &JobId) -> Result<CheckpointConfig, RestError> {
        let url = format!("/jobs/{}/checkpoints/config", segment(&id.0));
        match self.get::<wire::CheckpointConfig>(&url).await {
            Ok(c) => Ok(CheckpointConfig {
                // Flink reports a disabled interval as Long.MAX_VALUE.
                interval_ms: c.interval.filter(|i| *i > 0 && *i < i64::MAX as u64 / 2),
                min_pause_ms: c.min_pause,
                timeout_ms: c.timeout,
            }),
            // Flink answers 404 when checkpointing is not enabled for the job.
            Err(e) if e.is_not_found() => Ok(CheckpointConfig {
                interval_ms: None,
                min_pause_ms: None,
                timeout_ms: None,
            }),
            Err(e) => Err(e),
        }
    }

    /// Job Manager metrics by name (unknown names are simply absent).
    pub async fn jobmanager_metrics(&self, names: &[&str]) -> Result<Vec<Metric>, RestError> {
        self.metrics("/jobmanager/metrics", names).await
    }

    /// A Task Manager's metrics by name; `tm_id` as in [`TaskManagerInfo::id`].
    pub async fn taskmanager_metrics(
        &self,
        tm_id: &str,
        names: &[&str],
    ) -> Result<Vec<Metric>, RestError> {
        self.metrics(&format!("/taskmanagers/{}/metrics", segment(tm_id)), names)
            .await
    }

    /// Declares the parallelism every vertex of the job may run at
    /// (`PUT /jobs/:id/resource-requirements`, Flink ≥ 1.18 with the
    /// adaptive scheduler): the job rescales in place, from its latest
    /// checkpoint, once the slots are there.
    pub async fn set_parallelism_bounds(
        &self,
        job: &JobId,
        vertices: &[String],
        lower: u32,
        upper: u32,
    ) -> Result<(), RestError> {
        let body: serde_json::Map<String, serde_json::Value> = vertices
            .iter()
            .map(|v| {
                (
                    v.clone(),
                    serde_json::json!({ "parallelism": { "lowerBound": lower, "upperBound": upper } }),
                )
            })
            .collect();
        let url = self.url(&format!("/jobs/{}/resource-requirements", segment(&job.0)));
        let request = self.client.put(&url).json(&body);
        self.send_ignoring_body(url, request).await
    }

    /// Each vertex's subtask metrics `names`, averaged over its subtasks
    /// (`/jobs/:id/vertices/:vid/subtasks/metrics?agg=avg`): (vertex id,
    /// metric name, average). Metrics a vertex does not have are absent.
    pub async fn vertex_metrics_avg(
        &self,
        job: &JobId,
        vertex: &str,
        names: &[&str],
    ) -> Result<Vec<(String, f64)>, RestError> {
        let query: Vec<String> = names.iter().map(|n| segment(n)).collect();
        let m: Vec<wire::AggregatedMetric> = self
            .get(&format!(
                "/jobs/{}/vertices/{}/subtasks/metrics?get={}&agg=avg",
                segment(&job.0),
                segment(vertex),
                query.join(",")
            ))
            .await?;
        Ok(m.into_iter()
            .filter_map(|m| {
                let avg = m.avg?;
                let avg = avg.as_f64().or_else(|| avg.as_str()?.parse().ok())?;
                avg.is_finite().then_some((m.id, avg))
            })
            .collect())
    }

    /// The job's metrics by name (`/jobs/:id/metrics?get=`): `uptime`,
    /// `numRestarts`, `lastCheckpointSize`, ... Unknown names are absent.
    pub async fn job_metrics(&self, job: &JobId, names: &[&str]) -> Result<Vec<Metric>, RestError> {
        self.metrics(&format!("/jobs/{}/metrics", segment(&job.0)), names)
            .await
    }

    /// A vertex's subtask metrics `names` aggregated over its subtasks:
    /// min, max, avg and sum of each (one request whatever the parallelism).
    /// Task metrics (`numRecordsInPerSecond`) and operator metrics
    /// (`<operator>.numRecordsInPerSecond`) alike.
    pub async fn vertex_metrics_aggregated(
        &self,
        job: &JobId,
        vertex: &str,
        names: &[&str],
    ) -> Result<Vec<AggregatedMetric>, RestError> {
        let query: Vec<String> = names.iter().map(|n| segment(n)).collect();
        let m: Vec<wire::AggregatedMetric> = self
            .get(&format!(
                "/jobs/{}/vertices/{}/subtasks/metrics?get={}&agg=min,max,avg,sum",
                segment(&job.0),
                segment(vertex),
                query.join(",")
            ))
            .await?;
        let number = |v: Option<serde_json::Value>| -> Option<f64> {
            let v = v?;
            let x = v.as_f64().or_else(|| v.as_str()?.parse().ok())?;
            x.is_finite().then_some(x)
        };
        Ok(m.into_iter()
            .map(|m| AggregatedMetric {
                id: m.id,
                min: number(m.min),
                max: number(m.max),
                avg: number(m.avg),
                sum: number(m.sum),
            })
            .collect())
    }

    /// The names of the metrics a vertex's subtasks report, without the
    /// subtask index (`numRecordsIn`, `Sink__print-sink.numRecordsIn`, ...).
    pub async fn vertex_metric_names(
        &self,
        job: &JobId,
        vertex: &str,
    ) -> Result<Vec<String>, RestError> {
        let m: Vec<wire::Metric> = self
            .get(&format!(
                "/jobs/{}/vertices/{}/subtasks/metrics",
                segment(&job.0),
                segment(vertex)
            ))
            .await?;
        Ok(m.into_iter().map(|m| m.id).collect())
    }

    /// A vertex's metrics by their full names, the subtask index first
    /// (`0.numRecordsInPerSecond`): one value per subtask.
    pub async fn vertex_metrics(
        &self,
        job: &JobId,
        vertex: &str,
        names: &[&str],
    ) -> Result<Vec<Metric>, RestError> {
        self.metrics(
            &format!(
                "/jobs/{}/vertices/{}/metrics",
                segment(&job.0),
                segment(vertex)
            ),
            names,
        )
        .await
    }

    /// A vertex's subtasks: where each runs.
    pub async fn vertex_subtasks(
        &self,
        job: &JobId,
        vertex: &str,
    ) -> Result<Vec<SubtaskInfo>, RestError> {
        let v: wire::VertexDetails = self
            .get(&format!(
                "/jobs/{}/vertices/{}",
                segment(&job.0),
                segment(vertex)
            ))
            .await?;
        Ok(v.subtasks
            .into_iter()
            .map(|s| SubtaskInfo {
                index: s.subtask,
                status: s.status,
                taskmanager_id: s
                    .taskmanager_id
                    .filter(|id| !id.is_empty() && id != "(unassigned)"),
            })
            .collect())
    }

    async fn metrics(&self, path: &str, names: &[&str]) -> Result<Vec<Metric>, RestError> {
        let query: Vec<String> = names.iter().map(|n| segment(n)).collect();
        let m: Vec<wire::Metric> = self.get(&format!("{path}?get={}", query.join(","))).await?;
        Ok(m.into_iter()
            .map(|m| Metric {
                id: m.id,
                value: m.value.unwrap_or_default(),
            })
            .collect())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, RestError> {
        let url = self.url(path);
        let request = self.client.get(&url);
        self.send(url, request, self.timeout).await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        url: String,
        request: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<T, RestError> {
        let body = self.exchange(&url, request, timeout).await?;
        serde_json::from_slice(&body).map_err(|e| RestError::Decode {
            url,
            detail: format!(
                "{e} in {}",
                String::from_utf8_lossy(&body[..body.len().min(500)])
            ),
        })
    }

    async fn send_ignoring_body(
        &self,
        url: String,
        request: reqwest::RequestBuilder,
    ) -> Result<(), RestError> {
        self.exchange(&url, request, self.timeout).await.map(|_| ())
    }

    /// Sends with a timeout covering the whole exchange; the body of a
    /// successful answer, or the error.
    async fn exchange(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<bytes::Bytes, RestError> {
        let response = request
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| transport_error(url, timeout, e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(url, timeout, e))?;
        if !status.is_success() {
            return Err(status_error(url.to_string(), status.as_u16(), &body));
        }
        Ok(body)
    }
}

fn transport_error(url: &str, timeout: Duration, e: reqwest::Error) -> RestError {
    if e.is_timeout() {
        return RestError::Timeout {
            url: url.to_string(),
            timeout,
        };
    }
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    RestError::Connect {
        url: url.to_string(),
        detail,
    }
}

fn status_error(url: String, code: u16, body: &[u8]) -> RestError {
    let body = match serde_json::from_slice::<wire::Errors>(body) {
        Ok(e) if !e.errors.is_empty() => e.errors.join("\n"),
        _ => String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]).into_owned(),
    };
    RestError::Status { url, code, body }
}

/// Percent-encodes one path segment or query value.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Flink's JSON, exactly as far as this client reads it.
mod wire {
    use serde::Deserialize;

    use super::TaskCounts;

    #[derive(Deserialize)]
    pub struct Errors {
        #[serde(default)]
        pub errors: Vec<String>,
    }

    #[derive(Deserialize)]
    pub struct Overview {
        #[serde(rename = "flink-version", default)]
        pub flink_version: String,
        pub taskmanagers: u32,
        #[serde(rename = "slots-total")]
        pub slots_total: u32,
        #[serde(rename = "slots-available")]
        pub slots_available: u32,
        #[serde(rename = "jobs-running", default)]
        pub jobs_running: u32,
        #[serde(rename = "jobs-finished", default)]
        pub jobs_finished: u32,
        #[serde(rename = "jobs-cancelled", default)]
        pub jobs_cancelled: u32,
        #[serde(rename = "jobs-failed", default)]
        pub jobs_failed: u32,
    }

    #[derive(Deserialize)]
    pub struct ConfigEntry {
        pub key: String,
        #[serde(default)]
        pub value: String,
    }

    #[derive(Deserialize)]
    pub struct TaskManagers {
        pub taskmanagers: Vec<TaskManager>,
    }

    #[derive(Deserialize)]
    pub struct TaskManager {
        pub id: String,
        #[serde(rename = "slotsNumber")]
        pub slots_number: u32,
        #[serde(rename = "freeSlots")]
        pub free_slots: u32,
        #[serde(rename = "dataPort", default)]
        pub data_port: u32,
        #[serde(default)]
        pub hardware: Option<Hardware>,
    }

    #[derive(Deserialize)]
    pub struct Hardware {
        #[serde(rename = "cpuCores", default)]
        pub cpu_cores: Option<u32>,
    }

    #[derive(Deserialize)]
    pub struct Upload {
        pub filename: String,
        pub status: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct RunJar {
        pub jobid: String,
    }

    #[derive(Deserialize)]
    pub struct JobsOverview {
        pub jobs: Vec<JobOverview>,
    }

    #[derive(Deserialize)]
    pub struct JobOverview {
        pub jid: String,
        pub name: String,
        pub state: String,
        #[serde(rename = "start-time", default)]
        pub start_time: i64,
        #[serde(rename = "end-time", default)]
        pub end_time: i64,
        #[serde(default)]
        pub tasks: TaskCounts,
    }

    #[derive(Deserialize)]
    pub struct Job {
        pub jid: String,
        pub name: String,
        pub state: String,
        #[serde(rename = "start-time", default)]
        pub start_time: i64,
        #[serde(rename = "end-time", default)]
        pub end_time: i64,
        #[serde(default)]
        pub vertices: Vec<Vertex>,
        /// When the job last entered each status (ms); 0 for never.
        #[serde(default)]
        pub timestamps: std::collections::BTreeMap<String, i64>,
    }

    #[derive(Deserialize)]
    pub struct Vertex {
        pub id: String,
        pub name: String,
        /// -1 while the adaptive batch scheduler has not decided it (1.x BATCH jobs).
        pub parallelism: i64,
        #[serde(rename = "maxParallelism", default)]
        pub max_parallelism: i64,
        pub status: String,
        #[serde(default)]
        pub tasks: TaskCounts,
    }

    /// `/jobs/:id/vertices/:vid`, as far as where subtasks run.
    #[derive(Deserialize)]
    pub struct VertexDetails {
        #[serde(default)]
        pub subtasks: Vec<Subtask>,
    }

    #[derive(Deserialize)]
    pub struct Subtask {
        pub subtask: u32,
        #[serde(default)]
        pub status: String,
        #[serde(rename = "taskmanager-id", default)]
        pub taskmanager_id: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Exceptions {
        #[serde(rename = "root-exception", default)]
        pub root_exception: Option<String>,
        #[serde(rename = "exceptionHistory", default)]
        pub exception_history: Option<ExceptionHistory>,
    }

    #[derive(Deserialize)]
    pub struct ExceptionHistory {
        #[serde(default)]
        pub entries: Vec<ExceptionEntry>,
    }

    #[derive(Deserialize)]
    pub struct ExceptionEntry {
        #[serde(rename = "exceptionName", default)]
        pub exception_name: Option<String>,
        #[serde(default)]
        pub stacktrace: Option<String>,
        #[serde(default)]
        pub timestamp: i64,
    }

    #[derive(Deserialize)]
    pub struct Trigger {
        #[serde(rename = "request-id")]
        pub request_id: String,
    }

    #[derive(Deserialize)]
    pub struct SavepointStatus {
        pub status: QueueStatus,
        #[serde(default)]
        pub operation: Option<SavepointOperation>,
    }

    #[derive(Deserialize)]
    pub struct QueueStatus {
        pub id: String,
    }

    #[derive(Deserialize, Default)]
    pub struct SavepointOperation {
        #[serde(default)]
        pub location: Option<String>,
        #[serde(rename = "failure-cause", default)]
        pub failure_cause: Option<FailureCause>,
    }

    #[derive(Deserialize)]
    pub struct FailureCause {
        #[serde(default)]
        pub class: Option<String>,
        #[serde(rename = "stack-trace", default)]
        pub stack_trace: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Checkpoints {
        pub counts: CheckpointCounts,
        #[serde(default)]
        pub latest: Option<LatestCheckpoints>,
    }

    #[derive(Deserialize)]
    pub struct CheckpointCounts {
        #[serde(default)]
        pub completed: u64,
        #[serde(default)]
        pub failed: u64,
        #[serde(default)]
        pub in_progress: u64,
    }

    #[derive(Deserialize, Default)]
    pub struct LatestCheckpoints {
        #[serde(default)]
        pub completed: Option<CheckpointRef>,
        #[serde(default)]
        pub savepoint: Option<CheckpointRef>,
        #[serde(default)]
        pub restored: Option<CheckpointRef>,
    }

    #[derive(Deserialize)]
    pub struct CheckpointRef {
        pub id: u64,
        #[serde(default)]
        pub external_path: Option<String>,
        #[serde(default)]
        pub is_savepoint: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct CheckpointConfig {
        #[serde(default)]
        pub interval: Option<u64>,
        #[serde(default)]
        pub min_pause: Option<u64>,
        #[serde(default)]
        pub timeout: Option<u64>,
    }

    #[derive(Deserialize)]
    pub struct Metric {
        pub id: String,
        #[serde(default)]
        pub value: Option<String>,
    }

    /// An aggregated subtask metric: `agg=avg` answers numbers (or "NaN"
    /// as a string where a subtask has none yet).
    #[derive(Deserialize)]
    pub struct AggregatedMetric {
        pub id: String,
        #[serde(default)]
        pub min: Option<serde_json::Value>,
        #[serde(default)]
        pub max: Option<serde_json::Value>,
        #[serde(default)]
        pub sum: Option<serde_json::Value>,
        #[serde(default)]
        pub avg: Option<serde_json::Value>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_job_details_with_undecided_parallelism_parse() {
        // Flink 1.20's adaptive batch scheduler reports -1 for stages it has
        // not scheduled yet, and only the timestamps of statuses entered are > 0.
        let j: wire::Job = serde_json::from_str(
            r#"{"jid":"j","name":"batch","state":"RUNNING","start-time":5,"end-time":-1,
                "timestamps":{"CREATED":3,"RUNNING":5,"FAILED":0},
                "vertices":[{"id":"v","name":"src","parallelism":-1,"status":"CREATED",
                  "tasks":{"CREATED":1,"RUNNING":0,"FINISHED":0}}]}"#,
        )
        .unwrap();
        assert_eq!(j.vertices[0].parallelism, -1);
        assert_eq!(j.timestamps.get("RUNNING"), Some(&5));
    }

    #[test]
    fn task_counts_read_both_spellings() {
        let overview: TaskCounts = serde_json::from_str(
            r#"{"running":1,"canceling":0,"canceled":0,"total":3,"created":0,"scheduled":2,"deploying":0,"reconciling":0,"finished":0,"initializing":0,"failed":0}"#,
        )
        .unwrap();
        assert_eq!(overview.scheduled, 2);
        assert!(!overview.all_running());
        assert_eq!(overview.pending(), 2);
        let vertex: TaskCounts =
            serde_json::from_str(r#"{"CREATED":0,"RUNNING":2,"SCHEDULED":0,"FAILED":0}"#).unwrap();
        let vertex = vertex.with_total();
        assert_eq!(vertex.total, 2);
        assert!(vertex.all_running());
    }

    #[test]
    fn java_errors_are_summarized_to_their_causes() {
        let text = "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1(JarRunHandler.java:114)\n\t... 12 more\nCaused by: org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: weir-test: failing on purpose\n\tat x.y(Z.java:1)\nCaused by: java.lang.IllegalStateException: weir-test: failing on purpose\n\t... 3 more\n";
        assert_eq!(
            summarize_java_error(text),
            "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\
             Caused by: org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: weir-test: failing on purpose\n\
             Caused by: java.lang.IllegalStateException: weir-test: failing on purpose"
        );
    }

    #[test]
    fn status_errors_keep_flinks_error_text() {
        let e = status_error(
            "http://x/jars/a/run".into(),
            400,
            br#"{"errors":["first","second"]}"#,
        );
        assert_eq!(e.status_code(), Some(400));
        assert!(matches!(&e, RestError::Status { body, .. } if body == "first\nsecond"));
        let e = status_error("http://x/".into(), 502, b"Bad Gateway");
        assert!(matches!(&e, RestError::Status { body, .. } if body == "Bad Gateway"));
    }

    #[test]
    fn job_states_round_trip_and_know_the_end() {
        for s in [
            "INITIALIZING",
            "CREATED",
            "RUNNING",
            "FAILING",
            "FAILED",
            "CANCELLING",
            "CANCELED",
            "FINISHED",
            "RESTARTING",
            "SUSPENDED",
            "RECONCILING",
            "SOMETHING_NEW",
        ] {
            assert_eq!(JobState::parse(s).as_str(), s);
        }
        assert!(JobState::Finished.is_globally_terminal());
        assert!(!JobState::Restarting.is_globally_terminal());
        assert!(!JobState::Suspended.is_globally_terminal());
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(
            segment("127.0.0.1:40813-6e0c5f"),
            "127.0.0.1%3A40813-6e0c5f"
        );
        assert_eq!(segment("Status.JVM.CPU.Load"), "Status.JVM.CPU.Load");
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
    }

    /// Serves one canned answer per connection, forever.
    async fn canned(status: &'static str, body: &'static str) -> FlinkRest {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = s.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(answer.as_bytes()).await;
            }
        });
        FlinkRest::new(format!("http://127.0.0.1:{port}"))
    }

    fn job() -> JobId {
        JobId("a".repeat(32))
    }

    #[tokio::test]
    async fn exceptions_of_flink_1_come_from_root_exception() {
        let rest = canned(
            "200 OK",
            r#"{"root-exception":"java.lang.RuntimeException: boom\n\tat x","timestamp":5,"all-exceptions":[],"truncated":false,"exceptionHistory":{"entries":[],"truncated":false}}"#,
        )
        .await;
        let text = rest.job_exceptions(&job()).await.unwrap().unwrap();
        assert!(
            text.starts_with("java.lang.RuntimeException: boom"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn exceptions_of_flink_2_come_from_the_latest_history_entry() {
        let rest = canned(
            "200 OK",
            r#"{"exceptionHistory":{"entries":[{"exceptionName":"java.lang.Exception: old","stacktrace":"old trace","timestamp":1,"concurrentExceptions":[]},{"exceptionName":"java.lang.Exception: new","stacktrace":"new trace","timestamp":9,"concurrentExceptions":[]}],"truncated":false}}"#,
        )
        .await;
        assert_eq!(
            rest.job_exceptions(&job()).await.unwrap().as_deref(),
            Some("new trace")
        );
        let rest = canned(
            "200 OK",
            r#"{"exceptionHistory":{"entries":[],"truncated":false}}"#,
        )
        .await;
        assert_eq!(rest.job_exceptions(&job()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_failing_main_is_a_status_error_with_flinks_text() {
        let rest = canned(
            "400 Bad Request",
            r#"{"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\tat a.b(C.java:1)\nCaused by: java.lang.IllegalStateException: no kafka"]}"#,
        )
        .await;
        let err = rest.run_jar("x.jar", &RunJar::default()).await.unwrap_err();
        assert_eq!(err.status_code(), Some(400));
        assert_eq!(
            err.summary(),
            "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\nCaused by: java.lang.IllegalStateException: no kafka"
        );
    }

    #[tokio::test]
    async fn cancelling_an_ended_job_succeeds_and_other_conflicts_do_not() {
        let ended = canned(
            "409 Conflict",
            r#"{"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: Job cancellation failed because the job has already reached another terminal state (FINISHED)."]}"#,
        )
        .await;
        ended.cancel(&job()).await.unwrap();
        let other = canned("409 Conflict", r#"{"errors":["something else"]}"#).await;
        let err = other.cancel(&job()).await.unwrap_err();
        assert_eq!(err.status_code(), Some(409));
        let missing = canned("404 Not Found", r#"{"errors":["Job could not be found."]}"#).await;
        assert_eq!(
            missing.cancel(&job()).await.unwrap_err().status_code(),
            Some(404)
        );
    }

    #[tokio::test]
    async fn savepoint_outcomes() {
        let done = canned(
            "200 OK",
            r#"{"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/savepoint-1"}}"#,
        )
        .await;
        let t = TriggerId("t".into());
        assert_eq!(
            done.savepoint_status(&job(), &t).await.unwrap(),
            SavepointStatus::Completed {
                location: "file:/sp/savepoint-1".into()
            }
        );
        let failed = canned(
            "200 OK",
            r#"{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"java.util.concurrent.CompletionException","stack-trace":"barrier timed out","serialized-throwable":"xyz"}}}"#,
        )
        .await;
        assert_eq!(
            failed.savepoint_status(&job(), &t).await.unwrap(),
            SavepointStatus::Failed {
                cause: "barrier timed out".into()
            }
        );
        let running = canned("200 OK", r#"{"status":{"id":"IN_PROGRESS"}}"#).await;
        assert_eq!(
            running.savepoint_status(&job(), &t).await.unwrap(),
            SavepointStatus::InProgress
        );
    }

    #[tokio::test]
    async fn garbage_is_a_decode_error_and_a_missing_jar_is_read_jar() {
        let rest = canned("200 OK", "<html>not flink</html>").await;
        assert!(matches!(
            rest.overview().await,
            Err(RestError::Decode { .. })
        ));
        let err = rest
            .upload_jar(Path::new("/no/such.jar"))
            .await
            .unwrap_err();
        assert!(matches!(err, RestError::ReadJar { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn aggregated_metrics_read_numbers_and_nan() {
        let rest = canned(
            "200 OK",
            r#"[{"id":"numRecordsInPerSecond","min":1.5,"max":3.0,"avg":2.25,"sum":4.5},{"id":"busyTimeMsPerSecond","min":"NaN","max":"NaN","avg":"NaN","sum":"NaN"},{"id":"x","avg":7}]"#,
        )
        .await;
        let m = rest
            .vertex_metrics_aggregated(&job(), "v", &["numRecordsInPerSecond"])
            .await
            .unwrap();
        assert_eq!(
            m,
            [
                AggregatedMetric {
                    id: "numRecordsInPerSecond".into(),
                    min: Some(1.5),
                    max: Some(3.0),
                    avg: Some(2.25),
                    sum: Some(4.5),
                },
                AggregatedMetric {
                    id: "busyTimeMsPerSecond".into(),
                    ..AggregatedMetric::default()
                },
                AggregatedMetric {
                    id: "x".into(),
                    avg: Some(7.0),
                    ..AggregatedMetric::default()
                },
            ]
        );
    }

    #[tokio::test]
    async fn subtasks_say_where_they_run() {
        let rest = canned(
            "200 OK",
            r#"{"id":"v","name":"Source: datagen","parallelism":2,"subtasks":[{"subtask":0,"status":"RUNNING","attempt":0,"host":"localhost","metrics":{"read-records":0},"taskmanager-id":"app-tm-1"},{"subtask":1,"status":"SCHEDULED","taskmanager-id":"(unassigned)"}]}"#,
        )
        .await;
        let subtasks = rest.vertex_subtasks(&job(), "v").await.unwrap();
        assert_eq!(
            subtasks,
            [
                SubtaskInfo {
                    index: 0,
                    status: "RUNNING".into(),
                    taskmanager_id: Some("app-tm-1".into()),
                },
                SubtaskInfo {
                    index: 1,
                    status: "SCHEDULED".into(),
                    taskmanager_id: None,
                },
            ]
        );
    }

    #[tokio::test]
    async fn task_managers_report_their_machines_cores() {
        let rest = canned(
            "200 OK",
            r#"{"taskmanagers":[{"id":"a-tm-0","slotsNumber":2,"freeSlots":1,"dataPort":1,"hardware":{"cpuCores":8,"physicalMemory":1}},{"id":"a-tm-1","slotsNumber":2,"freeSlots":2}]}"#,
        )
        .await;
        let tms = rest.taskmanagers().await.unwrap();
        assert_eq!(tms[0].cpu_cores, Some(8));
        assert_eq!((tms[0].slots, tms[0].free_slots), (2, 1));
        assert_eq!(tms[1].cpu_cores, None);
    }

    #[tokio::test]
    async fn nothing_listening_is_a_connect_error() {
        // A port that was free a moment ago.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let rest = FlinkRest::new(format!("http://127.0.0.1:{port}/"));
        assert_eq!(rest.base_url(), format!("http://127.0.0.1:{port}"));
        let err = rest.overview().await.unwrap_err();
        assert!(err.is_unreachable(), "{err:?}");
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let _hold = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                open.push(s); // accept, never answer
            }
        });
        let rest = FlinkRest::new(format!("http://127.0.0.1:{port}"))
            .with_timeouts(Duration::from_millis(300), Duration::from_millis(300));
        let err = rest.jobs_overview().await.unwrap_err();
        assert!(matches!(err, RestError::Timeout { .. }), "{err:?}");
    }
}

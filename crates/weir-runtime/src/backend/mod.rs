//! What a supervisor needs from "a Flink cluster for this application": a
//! narrow trait, so the local backend (JVMs on this machine), a remote one
//! (an existing Flink cluster over REST) and scripted fakes in tests are
//! interchangeable; and the backends themselves.
//!
//! - [`local`] — [`LocalRuntime`]: each application its own cluster on this
//!   machine ([`crate::LocalCluster`]), with a warm pool.
//! - [`remote`] — [`RemoteRuntime`]: jobs on registered Flink clusters.
//! - [`placed`] — [`Placed`]: sends each application's steps to the backend
//!   that holds it, and new clusters where it should be.
//! - [`flink`] — what the backends share of driving a job over REST.
//! - [`metrics`] — what the backends share of reading an application's
//!   figures over REST ([`Runtime::metrics`]).
//!
//! **Architecture invariant:** a backend gets what it needs of the rest of
//! Weir as narrow inputs: an [`AppLog`] and a [`Placements`] view at
//! construction, the application, its job state and its code's path per
//! call. It never holds the catalogue or the store, so a missing input is a
//! compile error, not lines silently dropped or an application silently
//! placed locally.

mod flink;
mod jar;
mod local;
mod metrics;
mod placed;
pub(crate) mod python;
mod remote;

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use weir_control::model::{Application, LogLevel, MetricsLevel};
use weir_control::operation::{JobState, JobStatus};
use weir_control::placement::ClusterRecord;
pub use weir_control::reconcile::Fit;
use weir_control::telemetry::AppMetrics;

pub use local::{LocalConfig, LocalRuntime, PROPERTIES_ENV, PROPERTIES_PROPERTY};
pub use placed::Placed;
pub use remote::{probe, Health, Probe, RemotePlacement, RemoteRuntime};

use crate::{RestError, RuntimeError};

/// Where a backend writes lines into an application's log (what Weir saw
/// and did: a cluster adopted or healed, a Job Manager that stopped
/// answering). Implemented over the catalogue by the supervisor.
pub trait AppLog: Send + Sync + 'static {
    fn log(&self, app: &str, level: LogLevel, line: String);
}

/// What the backends read of placement: where each application should run
/// and the registered clusters. Read-only; the catalogue decides and
/// records placement.
pub trait Placements: Send + Sync + 'static {
    /// The registered cluster the application should run on (`None`: a
    /// cluster of its own on this machine).
    fn desired(&self, app: &str) -> Option<String>;
    /// A registered cluster, by name.
    fn cluster(&self, name: &str) -> Option<ClusterRecord>;
}

/// Why a runtime step failed. Its text is for the operation record and the
/// log (Flink's own error text where Flink gave one); the cause underneath
/// stays reachable through `source()`.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeFailure {
    /// Weir's own reason: the request cannot be done as things stand (no
    /// code, the cluster is gone, not registered, a version mismatch).
    #[error("{0}")]
    Refused(String),
    /// Flink answered with an error, or did not answer. `doing` says what
    /// was asked, where the summary alone would not.
    #[error("{}{}", doing.as_ref().map(|d| format!("{d}: ")).unwrap_or_default(), source.summary())]
    Flink {
        doing: Option<String>,
        #[source]
        source: RestError,
    },
    /// The toolkit underneath failed: installing a runtime, making,
    /// adopting or reshaping a local cluster, a file the step needed.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

impl RuntimeFailure {
    /// Wraps an IO error with what was being done.
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let wrap = RuntimeError::io(context);
        move |source| Self::Runtime(wrap(source))
    }

    /// Wraps Flink's answer to a request.
    pub(crate) fn flink(source: RestError) -> Self {
        Self::Flink {
            doing: None,
            source,
        }
    }
}

/// The service's clock (ms since the epoch), for records the backends keep.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What the runtime sees of an application's cluster and job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    pub cluster_up: bool,
    /// How the cluster compares with the shape the application's current
    /// version needs (runtime, Task Managers, slots).
    pub fit: Fit,
    /// When the cluster was started (ms since the epoch).
    pub cluster_started_ms: i64,
    /// The job can be rescaled in place (Flink's adaptive scheduler, the
    /// same runtime and slots; only the number of Task Managers differs).
    pub in_place: bool,
    pub job: Option<JobObservation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobObservation {
    pub id: String,
    pub name: String,
    pub status: JobStatus,
    /// Every task RUNNING (or FINISHED): Flink's RUNNING alone also covers
    /// tasks still waiting for slots.
    pub all_tasks_running: bool,
    /// The largest parallelism of the job's vertices now.
    pub parallelism: u32,
    /// When the job last entered each status (Flink's clock, ms); 0 = never.
    pub entered: Vec<(JobStatus, i64)>,
    /// The root exception, when the job has failed or is restarting.
    pub failure: Option<String>,
    /// False when Flink did not answer and this only repeats what was last
    /// recorded: good enough to decide on, never recorded as news.
    pub fresh: bool,
}

/// A job the runtime has started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub job_id: String,
    pub job_name: String,
    pub parallelism: u32,
}

/// The savepoint a submission restores from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    /// The savepoint directory.
    pub path: String,
    pub allow_non_restored_state: bool,
}

/// Where a savepoint request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavepointProgress {
    InProgress,
    Completed {
        location: String,
    },
    /// For good: Flink's reason, or that Flink no longer knows the request.
    Failed {
        cause: String,
    },
}

/// An application's load as the runtime measures it now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Load {
    /// Each Task Manager's CPU use since the last measurement, in cores
    /// (a KPU is one vCPU); empty on the first measurement.
    pub task_manager_cpu: Vec<f64>,
    /// The busiest vertex's busy fraction (busyTimeMsPerSecond / 1000).
    pub busy: Option<f64>,
    /// The most back-pressured vertex's fraction of time back-pressured.
    pub backpressure: Option<f64>,
    /// The smallest max parallelism of the job's vertices.
    pub max_parallelism: Option<u32>,
}

/// Where an application's cluster can be watched from (metrics, logs, the
/// Flink dashboard): what the runtime knows of it now, without asking Flink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterView {
    /// Flink's REST API (and web dashboard), e.g. `http://127.0.0.1:41234`.
    pub rest_url: String,
    /// When the cluster was started (ms since the epoch).
    pub started_ms: i64,
    /// The Job Manager first, then the Task Managers in order.
    pub processes: Vec<ProcessView>,
}

/// One JVM of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessView {
    pub role: ProcessKind,
    /// `None` where the runtime does not run the process itself (a remote
    /// cluster).
    pub pid: Option<u32>,
    pub alive: bool,
    /// Flink's log file of the process, where it is on this machine.
    pub log_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProcessKind {
    JobManager,
    /// With Flink's resource id, as in `GET /taskmanagers`.
    TaskManager {
        id: String,
    },
}

/// A JVM's log as its Flink serves it over REST: whole (Flink serves no
/// ranges), as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedLog {
    pub process: ProcessKind,
    pub text: bytes::Bytes,
}

/// A backend that runs applications' Flink jobs. Every method is idempotent:
/// a supervisor may call it again after a crash without knowing whether the
/// first call took effect.
pub trait Runtime: Send + Sync + 'static {
    /// What runs for `app` now; adopts a cluster left by an earlier Weir.
    /// `job` is what the catalogue last recorded.
    fn observe(
        &self,
        app: &Application,
        job: &JobState,
    ) -> impl Future<Output = Observation> + Send;

    /// Provisions a cluster for `app` (replacing a dead one); returns a line
    /// for the application log describing it.
    fn launch(
        &self,
        app: &Application,
    ) -> impl Future<Output = Result<String, RuntimeFailure>> + Send;

    /// Runs `app`'s job on its cluster, from the application's stored code
    /// at `code`: a jar, or a Python application's zip (see `python.rs`).
    fn submit(
        &self,
        app: &Application,
        code: &Path,
        restore: Option<&Restore>,
    ) -> impl Future<Output = Result<Submission, RuntimeFailure>> + Send;

    /// Asks Flink for a savepoint of the job into `target_dir`, stopping the
    /// job with it if `stop`; returns Flink's request id.
    fn savepoint(
        &self,
        app: &str,
        job_id: &str,
        target_dir: &Path,
        stop: bool,
    ) -> impl Future<Output = Result<String, RuntimeFailure>> + Send;

    /// Where the savepoint request `trigger` stands. `Err` is a passing
    /// trouble (Flink did not answer): ask again.
    fn savepoint_status(
        &self,
        app: &str,
        job_id: &str,
        trigger: &str,
    ) -> impl Future<Output = Result<SavepointProgress, RuntimeFailure>> + Send;

    /// The location of the job's latest completed savepoint, as Flink
    /// reports it (a job stopped with a savepoint by a Weir that died before
    /// it recorded Flink's request id).
    fn last_savepoint(
        &self,
        app: &str,
        job_id: &str,
    ) -> impl Future<Output = Option<String>> + Send;

    /// The newest completed checkpoint that job `job_id` of the application
    /// left behind (a savepoint-compatible directory), for restoring after
    /// its cluster was lost. Does not need the cluster.
    fn latest_checkpoint(
        &self,
        app: &str,
        job_id: &str,
    ) -> impl Future<Output = Option<String>> + Send;

    /// Rescales the running job in place to `parallelism`: Task Managers
    /// added as needed, the job's parallelism bounds declared. Idempotent.
    fn rescale(
        &self,
        app: &Application,
        job_id: &str,
        parallelism: u32,
    ) -> impl Future<Output = Result<(), RuntimeFailure>> + Send;

    /// Stops the Task Managers the application's current parallelism no
    /// longer needs (once the job has rescaled down).
    fn trim(&self, app: &Application) -> impl Future<Output = ()> + Send;

    /// Adds or removes Task Managers so that the cluster has as many as the
    /// application's current version needs.
    fn reshape(&self, app: &Application)
        -> impl Future<Output = Result<(), RuntimeFailure>> + Send;

    /// Measures the load of the application's job `job_id`.
    fn load(&self, app: &str, job_id: &str) -> impl Future<Output = Option<Load>> + Send;

    /// Why the application's cluster needs maintenance (a newer patch
    /// release of its Flink), if it does.
    fn maintenance_due(&self, app: &Application) -> impl Future<Output = Option<String>> + Send;

    /// The application's cluster as it can be watched now; `None` when it
    /// has none. Never starts or adopts anything the supervisor has not.
    fn view(&self, app: &str) -> impl Future<Output = Option<ClusterView>> + Send;

    /// Cancels the job (no savepoint).
    fn stop_job(
        &self,
        app: &str,
        job_id: &str,
    ) -> impl Future<Output = Result<(), RuntimeFailure>> + Send;

    /// Shuts the cluster down, killing what has not exited after `grace`.
    fn release(&self, app: &str, grace: Duration) -> impl Future<Output = ()> + Send;

    /// Kills every process of the cluster now.
    fn kill(&self, app: &str) -> impl Future<Output = ()> + Send;

    /// Removes what is left on disk of a deleted application's clusters
    /// (logs, configuration, its copy of the code). Does nothing while a
    /// cluster of that name is recorded: a new application of the same name
    /// may already have one.
    fn erase(&self, app: &str) -> impl Future<Output = ()> + Send;

    /// The application's figures, read from its Flink at `level`: its Job
    /// Manager's and Task Managers' JVMs, and those of job `job_id` (the
    /// one the catalogue recorded; `None`: no job figures). `view` is what
    /// [`Runtime::view`] said of its cluster this round. `Err` when its
    /// Flink does not answer (a request it refuses is figures left out).
    /// A runtime whose clusters serve no metrics has none.
    fn metrics(
        &self,
        app: &str,
        view: &ClusterView,
        job_id: Option<&str>,
        level: MetricsLevel,
    ) -> impl Future<Output = Result<AppMetrics, RuntimeFailure>> + Send {
        let _ = (app, view, job_id, level);
        async {
            Err(RuntimeFailure::Refused(
                "this runtime serves no metrics".into(),
            ))
        }
    }

    /// The logs of the application's cluster that its Flink serves over
    /// REST, Job Manager first: those of a cluster whose log files are not
    /// on this machine ([`ProcessView::log_file`] is `None`), the whole
    /// cluster's (every job's lines). A log that cannot be read now is left
    /// out. A runtime whose logs are files on this machine serves none.
    fn served_logs(&self, app: &str) -> impl Future<Output = Vec<ServedLog>> + Send {
        let _ = app;
        async { Vec::new() }
    }

    /// Looks at the registered clusters: whether each answers (a change is
    /// logged) and its slots now; and does the backend's housekeeping on
    /// them (jobs that could not be cancelled before are cancelled now).
    /// Returns each cluster's answer by name, for the caller to record. A
    /// backend without registered clusters has nothing to look at.
    fn look_at_clusters(
        &self,
        clusters: &[ClusterRecord],
    ) -> impl Future<Output = Vec<(String, Result<Probe, String>)>> + Send {
        let _ = clusters;
        async { Vec::new() }
    }
}

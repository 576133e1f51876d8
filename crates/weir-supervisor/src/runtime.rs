//! What a supervisor needs from "a Flink cluster for this application": a
//! narrow trait, so the local backend (JVMs on this machine), a remote one
//! (an existing Flink cluster over REST) and scripted fakes in tests are
//! interchangeable.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use weir_control::model::Application;
use weir_control::operation::{JobState, JobStatus};
pub use weir_control::reconcile::Fit;
use weir_service::Catalogue;

/// Why a runtime step failed, in words for the operation record and the log
/// (Flink's own error text where Flink gave one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuntimeFailure(pub String);

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

    /// Runs `app`'s job on its cluster. The catalogue gives access to the
    /// application's stored code.
    fn submit(
        &self,
        app: &Application,
        catalogue: &Catalogue,
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
}

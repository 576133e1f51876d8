//! `weir-runtime`: "a Flink cluster" for an application.
//!
//! Four parts, the first three independent of each other, the last built
//! on them:
//!
//! - [`runtimes`] — which Flink distribution each runtime name
//!   (`FLINK-1_20`, …) means, installing it from PyPI on first use (or using a
//!   distribution the user registered), and checking that `java` works; with
//!   [`service_library`], the service's runtime library
//!   (`KinesisAnalyticsRuntime`) built from Weir's own source for the end of
//!   every cluster's classpath.
//! - [`cluster`] — [`LocalCluster`], the JVM launcher: one Job
//!   Manager (session mode) and N Task Managers started directly as `java`
//!   processes on this machine, each in its own process group, every port
//!   bound to 127.0.0.1, configuration/logs/working files under one directory,
//!   a `cluster.json` record so a restarted Weir can re-adopt the cluster.
//! - [`rest`] — [`FlinkRest`], an async client of Flink's Job Manager REST
//!   API. It does not care how the cluster was started: a local cluster
//!   exposes [`LocalCluster::rest_url`], a registered cluster is known by its
//!   URL.
//! - [`backend`] — the [`backend::Runtime`] trait the supervisor drives, and
//!   its backends: [`backend::LocalRuntime`] (a cluster of its own per
//!   application, from [`cluster`]), [`backend::RemoteRuntime`] (jobs on
//!   registered Flink clusters) and [`backend::Placed`] (each application's
//!   steps to the backend that holds it). What they need of the rest of Weir
//!   comes in as narrow inputs: an [`backend::AppLog`] for lines in an
//!   application's log and a [`backend::Placements`] view of where
//!   applications should run, both given at construction, and the code as a
//!   path per submission.
//!
//! Beside them, two readers of Flink's log text, which do no IO:
//! [`flink_log`] (the header of an event in Flink's layout), for the
//! supervisor's log shipper, and [`python_log`] (a Python application's
//! output, which Flink's `PythonDriver` logs line by line in the Job
//! Manager's log, grouped back into lines and whole tracebacks).
//!
//! **Architecture invariant:** this crate knows Flink — its versions, its
//! configuration keys, its processes and its REST JSON — and nothing about
//! AWS shapes, the store, the catalogue or Weir's API. It depends on
//! `weir-control` only (the application, its job state and placement as
//! plain data), never on `weir-service`.
//!
//! **Architecture invariant:** the data plane outlives the control plane. The
//! JVMs started here are never tied to Weir's lifetime (no kill-on-drop, no
//! parent-death signal, own process groups, output to files rather than
//! pipes): they stop only when [`LocalCluster::kill`] or
//! [`LocalCluster::shutdown`] is called. Tests that want the opposite wrap a
//! cluster in [`KillOnDrop`]. The one process tied to Weir is a Python
//! environment's fork server ([`fork_server`]), which only speeds up the
//! start of the Python processes a cluster's JVMs ask for; what it forked
//! belongs to the cluster.

pub mod backend;
pub mod cluster;
pub mod flink_log;
mod fork_server;
mod memory;
pub mod namespace;
mod process;
pub mod python_env;
pub mod python_log;
pub mod rest;
pub mod runtimes;
pub mod service_library;

use std::path::PathBuf;

pub use cluster::{
    ClassDataSharing, ClusterSpec, KillOnDrop, LocalCluster, ProcessInfo, ProcessRole,
    JAVA_17_OPTIONS,
};
pub use process::cpu_seconds;
pub use process::CLUSTER_ENV;
pub use python_env::{PythonEnv, PythonStatus};
pub use rest::{
    summarize_java_error, AggregatedMetric, FlinkRest, JobId, JobState, Metric, RestError, RunJar,
    SavepointStatus, SubtaskInfo, TaskCounts, TaskManagerInfo, TriggerId,
};
pub use runtimes::{FlinkHome, FlinkVersion, RuntimeState, RuntimeStatus, Runtimes};

/// Everything that can go wrong below the supervisor, worded for the person
/// who reads the failed operation: each message says what failed and, where
/// there is one, carries Flink's or pip's own text.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The runtime name has no Flink distribution Weir can run.
    #[error("runtime {runtime} is not supported: {reason}")]
    Unsupported { runtime: String, reason: String },

    /// `java` is not there or does not run.
    #[error("Java is required to run Flink but {0}")]
    JavaMissing(String),

    /// The service's runtime library (the `KinesisAnalyticsRuntime` class jobs
    /// read their properties with) cannot be built: no JDK compiler, or it
    /// failed.
    #[error(
        "cannot build the service's runtime library (KinesisAnalyticsRuntime) for Flink jobs: {0}"
    )]
    ServiceLibrary(String),

    /// Installing a Flink distribution from PyPI failed.
    #[error("downloading Flink {version} from PyPI failed: {detail}")]
    Download { version: String, detail: String },

    /// A Flink distribution (installed or registered) is not usable.
    #[error("Flink distribution at {path} is not usable: {reason}")]
    InvalidDistribution { path: PathBuf, reason: String },

    /// The cluster specification cannot be turned into a Flink configuration.
    #[error("invalid cluster specification: {0}")]
    Spec(String),

    /// The cluster did not come up: why, and the end of its logs.
    #[error("Flink cluster {cluster} did not start: {reason}\n{log_tail}")]
    Launch {
        cluster: String,
        reason: String,
        log_tail: String,
    },

    /// A cluster is already recorded as running in this directory.
    #[error("a Flink cluster is already running in {0}")]
    AlreadyRunning(PathBuf),

    /// No cluster is recorded in this directory (never started, or stopped).
    #[error("no Flink cluster is recorded in {0}")]
    NotRecorded(PathBuf),

    /// A cluster is recorded but is no longer (completely) alive; whatever was
    /// left of it has been killed.
    #[error("the Flink cluster recorded in {dir} is gone: {reason}")]
    Gone { dir: PathBuf, reason: String },

    /// Processes survived SIGKILL (a process stuck in the kernel).
    #[error("Flink cluster {cluster}: {reason}")]
    Kill { cluster: String, reason: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Rest(#[from] RestError),
}

impl RuntimeError {
    /// Wraps an IO error with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> RuntimeError {
        let context = context.into();
        move |source| RuntimeError::Io { context, source }
    }
}

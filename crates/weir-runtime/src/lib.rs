//! `weir-runtime`: "a Flink cluster" for an application.
//!
//! Three independent parts:
//!
//! - [`runtimes`] — which Flink distribution each runtime name
//!   (`FLINK-1_20`, …) means, installing it from PyPI on first use (or using a
//!   distribution the user registered), and checking that `java` works.
//! - [`local`] — [`LocalCluster`], the embedded default backend: one Job
//!   Manager (session mode) and N Task Managers started directly as `java`
//!   processes on this machine, each in its own process group, every port
//!   bound to 127.0.0.1, configuration/logs/working files under one directory,
//!   a `cluster.json` record so a restarted Weir can re-adopt the cluster.
//! - [`rest`] — [`FlinkRest`], an async client of Flink's Job Manager REST
//!   API. It does not care how the cluster was started: the local backend
//!   exposes [`LocalCluster::rest_url`], a remote backend will hand it the URL
//!   of an existing cluster.
//!
//! **Architecture invariant:** this crate knows Flink — its versions, its
//! configuration keys, its processes and its REST JSON — and nothing about
//! AWS shapes, the store or Weir's API. The only type it takes from the rest
//! of Weir is [`weir_control::model::RuntimeEnvironment`].
//!
//! **Architecture invariant:** the data plane outlives the control plane. The
//! JVMs started here are never tied to Weir's lifetime (no kill-on-drop, no
//! parent-death signal, own process groups, output to files rather than
//! pipes): they stop only when [`LocalCluster::kill`] or
//! [`LocalCluster::shutdown`] is called. Tests that want the opposite wrap a
//! cluster in [`KillOnDrop`].

pub mod local;
mod memory;
mod process;
pub mod rest;
pub mod runtimes;

use std::path::PathBuf;

pub use local::{
    ClassDataSharing, ClusterSpec, KillOnDrop, LocalCluster, ProcessInfo, ProcessRole,
    JAVA_17_OPTIONS,
};
pub use process::cpu_seconds;
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

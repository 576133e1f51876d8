//! [`LocalCluster`]: a Flink session cluster of JVMs on this machine.
//!
//! One Job Manager (`StandaloneSessionClusterEntrypoint`) and N Task Managers
//! (`TaskManagerRunner`), started directly as `java` processes — not through
//! Flink's bash scripts, which cost a JVM each just to compute memory flags
//! and hide the PIDs — all at once, each the leader of its own process group.
//!
//! Everything lives under the cluster directory:
//!
//! ```text
//! <dir>/cluster.json          pids, start times, ports, REST URL (see adopt)
//! <dir>/conf/config.yaml      generated (flink-conf.yaml for Flink 1.18)
//! <dir>/conf/log4j.properties copied from FLINK_HOME/conf
//! <dir>/log/jobmanager.{log,out}, taskmanager-<i>.{log,out}
//! <dir>/work/                 process.working-dir (blobs, local state)
//! <dir>/tmp/                  java.io.tmpdir and io.tmp.dirs
//! <dir>/web/                  web.tmpdir (uploaded jars)
//! ```
//!
//! Every port is chosen free on 127.0.0.1 (bind port 0, note it, release)
//! and every listener is bound to 127.0.0.1. Memory flags are computed the
//! way Flink's scripts compute them (see `memory.rs`). Task Managers that
//! start before the Job Manager retry their registration every 200 ms
//! (`cluster.registration.error-delay`; Flink's default of 10 s would make a
//! parallel start slower than a sequential one).
//!
//! **Lifetime.** The JVMs outlive the `LocalCluster` value and Weir itself:
//! nothing kills them on drop or on Weir's exit. They stop on
//! [`LocalCluster::kill`] (SIGKILL to every process group, then waits until
//! they are gone) or [`LocalCluster::shutdown`] (SIGTERM, a grace period,
//! then SIGKILL). A restarted Weir calls [`LocalCluster::adopt`] on the
//! directory. Tests wrap clusters in [`KillOnDrop`].

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::memory::{self, JobManagerMemory, Managed, TaskManagerMemory};
use crate::process::{self, Proc};
use crate::rest::FlinkRest;
use crate::runtimes::{java_binary, FlinkHome, FlinkVersion};
use crate::RuntimeError;

const JM_CLASS: &str = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
const TM_CLASS: &str = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
const RECORD_FILE: &str = "cluster.json";
const LOCALHOST: &str = "127.0.0.1";

/// The module opens Flink needs on Java 17 (`env.java.opts.all` of Flink's
/// default configuration, which only its scripts read). Public for the tests
/// that start Flink JVMs of their own the same way.
pub const JAVA_17_OPTIONS: &[&str] = &[
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
];

/// The Job Manager only coordinates (and runs the job's `main()` once):
/// the client compiler and the serial collector start it with about a third
/// less CPU than the defaults, which matters when JVMs start together on a
/// laptop. Task Managers keep G1 and the optimizing compiler, like Flink's
/// scripts.
const JM_JVM_OPTIONS: &[&str] = &["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];
const TM_JVM_OPTIONS: &[&str] = &["-XX:+UseG1GC"];

/// Keys Weir sets itself; a caller who passes one gets an error.
const OWNED_KEYS: &[&str] = &[
    "jobmanager.rpc.address",
    "jobmanager.rpc.port",
    "jobmanager.bind-host",
    "rest.address",
    "rest.port",
    "rest.bind-address",
    "rest.bind-port",
    "blob.server.port",
    "taskmanager.host",
    "taskmanager.bind-host",
    "taskmanager.rpc.port",
    "taskmanager.data.port",
    "taskmanager.resource-id",
    "taskmanager.numberOfTaskSlots",
    "taskmanager.cpu.cores",
    "metrics.internal.query-service.port",
    "process.working-dir",
    "io.tmp.dirs",
    "web.tmpdir",
];

/// Defaults Weir sets and a caller may override.
const DEFAULT_CONFIG: &[(&str, &str)] = &[
    // Milliseconds (a bare number parses as a Long in 1.x and a Duration in 2.x).
    ("cluster.registration.error-delay", "200"),
];

/// What to launch.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    /// Names the cluster in logs and in Task Manager ids (`<name>-tm-<i>`):
    /// `[A-Za-z0-9_.-]+`.
    pub name: String,
    /// The cluster directory (created if needed).
    pub dir: PathBuf,
    pub flink_home: FlinkHome,
    pub task_managers: u32,
    pub slots_per_task_manager: u32,
    /// `taskmanager.memory.process.size` in MiB; Weir derives every
    /// component from it as Flink does (managed memory: 40 % of Flink memory,
    /// or `taskmanager.memory.managed.fraction`/`.size` from `flink_config`).
    pub tm_memory_mb: u32,
    /// `jobmanager.memory.process.size` in MiB.
    pub jm_memory_mb: u32,
    /// Further Flink configuration (checkpointing, restart strategy, …).
    /// Network addresses, ports, directories, slots and memory components
    /// are Weir's and refused here; `env.java.opts.{all,jobmanager,taskmanager}`
    /// are honoured as JVM options.
    pub flink_config: Vec<(String, String)>,
    /// Environment variables for every JVM.
    pub env: Vec<(String, String)>,
    /// `-Dkey=value` for every JVM.
    pub jvm_properties: Vec<(String, String)>,
    /// A directory `<…>/etc/flink` every JVM sees as `/etc/flink`, in a
    /// private mount namespace of its own, where the host allows it
    /// ([`crate::namespace::support`]); elsewhere the JVMs see the host's.
    pub etc_flink: Option<PathBuf>,
    /// How long `launch` waits for the REST API and every Task Manager.
    pub startup_timeout: Duration,
    /// Class-data sharing archives for the JVMs (from
    /// [`FlinkHome::class_data`] by default).
    pub class_data_sharing: ClassDataSharing,
}

/// JVM class-data sharing (AppCDS): classes parsed and verified once, mapped
/// from an archive by every later JVM — the same start with about 30 % less
/// CPU. Archives are per role: `<dir>/jobmanager.jsa`, `<dir>/taskmanager.jsa`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ClassDataSharing {
    #[default]
    Off,
    /// Start the JVMs from the archives in this directory (those that exist;
    /// a JVM that finds an archive unusable warns in its `.out` and starts
    /// without it).
    Use(PathBuf),
    /// Write archives into this directory as the JVMs exit cleanly (on
    /// [`LocalCluster::shutdown`], not on kill). How `Runtimes` makes them.
    Record(PathBuf),
}

impl ClusterSpec {
    /// 1024 MiB per Task Manager gives (Flink's own split): JVM heap 154 MiB
    /// (`-Xmx`, of which 26 MiB "task heap"), managed memory 230 MiB (used
    /// only by RocksDB and batch operators, allocated on use), network
    /// 64 MiB, metaspace 256 MiB, overhead 192 MiB. The managed service's
    /// KPU is 1 vCPU and 4 GiB; pass `tm_memory_mb: 4096` to match it.
    pub const DEFAULT_TM_MEMORY_MB: u32 = 1024;
    /// 1024 MiB for the Job Manager: 448 MiB heap.
    pub const DEFAULT_JM_MEMORY_MB: u32 = 1024;
    pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

    /// One Task Manager with one slot, laptop-sized memory.
    pub fn new(name: impl Into<String>, dir: impl Into<PathBuf>, flink_home: FlinkHome) -> Self {
        ClusterSpec {
            name: name.into(),
            dir: dir.into(),
            task_managers: 1,
            slots_per_task_manager: 1,
            tm_memory_mb: Self::DEFAULT_TM_MEMORY_MB,
            jm_memory_mb: Self::DEFAULT_JM_MEMORY_MB,
            flink_config: Vec::new(),
            env: Vec::new(),
            jvm_properties: Vec::new(),
            etc_flink: None,
            startup_timeout: Self::DEFAULT_STARTUP_TIMEOUT,
            class_data_sharing: match &flink_home.class_data {
                Some(dir) => ClassDataSharing::Use(dir.clone()),
                None => ClassDataSharing::Off,
            },
            flink_home,
        }
    }
}

/// Which JVM of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProcessRole {
    JobManager,
    /// By index, `0..task_managers`.
    TaskManager(usize),
}

impl std::fmt::Display for ProcessRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProcessRole::JobManager => f.write_str("job manager"),
            ProcessRole::TaskManager(i) => write!(f, "task manager {i}"),
        }
    }
}

/// A JVM of a cluster, as seen now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub role: ProcessRole,
    pub pid: u32,
    pub alive: bool,
    /// How it exited, when this Weir started it and it has exited.
    pub exit: Option<String>,
    pub log_file: PathBuf,
}

/// A running (or recorded) local Flink cluster.
pub struct LocalCluster {
    name: String,
    dir: PathBuf,
    flink_version: FlinkVersion,
    rest_url: String,
    started_at: SystemTime,
    ready_after: Option<Duration>,
    /// The record as last written, and the processes it names. Behind a
    /// mutex because a Task Manager can be restarted through `&self`.
    state: Mutex<State>,
}

struct State {
    record: Record,
    job_manager: Proc,
    task_managers: Vec<Proc>,
}

impl std::fmt::Debug for LocalCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCluster")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("flink_version", &self.flink_version)
            .field("rest_url", &self.rest_url)
            .finish()
    }
}

impl LocalCluster {
    /// Starts the cluster and returns once its REST API answers and every
    /// Task Manager has registered. On failure everything started is killed
    /// and the error carries the end of the relevant logs.
    ///
    /// Cancel-safe: dropping the future (a force stop during start-up) kills
    /// whatever it had started.
    pub async fn launch(spec: ClusterSpec) -> Result<LocalCluster, RuntimeError> {
        let plan = Plan::new(&spec)?;
        plan.prepare_dir(&spec).await?;
        // A port picked free can be taken by someone else before Flink binds
        // it; that shows as a BindException and is worth one more try.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ports = Ports::allocate(spec.task_managers as usize)
                .map_err(RuntimeError::io("allocating ports"))?;
            match plan.start(&spec, &ports).await {
                Ok(cluster) => return Ok(cluster),
                Err(failure) if attempt < 2 && failure.port_taken => {
                    tracing::warn!(cluster = %spec.name, "a port was taken meanwhile; launching again");
                }
                Err(failure) => return Err(failure.error),
            }
        }
    }

    /// Kills whatever of the cluster recorded in `dir` still runs and removes
    /// the record, without asking anything of Flink: for a force stop while
    /// the cluster is still starting, or a cluster that should not be
    /// adopted. Returns whether a cluster was recorded there.
    pub async fn kill_recorded(dir: &Path) -> Result<bool, RuntimeError> {
        let Some(record) = Record::read(dir)? else {
            kill_unrecorded(dir).await;
            return Ok(false);
        };
        if record.boot_id != process::boot_id() {
            let _ = std::fs::remove_file(dir.join(RECORD_FILE));
            return Ok(true);
        }
        LocalCluster::from_record(dir, record)?.kill().await?;
        Ok(true)
    }

    /// Re-attaches to the cluster recorded in `dir` (by this or an earlier
    /// Weir). It is adopted only if every recorded process is still the same
    /// process (PID and start time) and its REST API answers; otherwise
    /// whatever is left of it is killed and [`RuntimeError::Gone`] says why.
    /// [`RuntimeError::NotRecorded`]: nothing was running there.
    pub async fn adopt(dir: &Path) -> Result<LocalCluster, RuntimeError> {
        let record =
            Record::read(dir)?.ok_or_else(|| RuntimeError::NotRecorded(dir.to_path_buf()))?;
        let cluster = LocalCluster::from_record(dir, record)?;
        let gone = |reason: String| RuntimeError::Gone {
            dir: dir.to_path_buf(),
            reason,
        };
        let current_boot = process::boot_id();
        let recorded_boot = cluster.state.lock().expect("state").record.boot_id.clone();
        if recorded_boot != current_boot {
            let _ = std::fs::remove_file(dir.join(RECORD_FILE));
            return Err(gone("the machine restarted since it was started".into()));
        }
        if let Some(dead) = cluster.processes().into_iter().find(|p| !p.alive) {
            let _ = cluster.kill().await;
            return Err(gone(format!(
                "its {} (pid {}) is not running",
                dead.role, dead.pid
            )));
        }
        let rest = FlinkRest::new(&cluster.rest_url)
            .with_timeouts(Duration::from_secs(5), Duration::from_secs(5));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match rest.overview().await {
                Ok(_) => break,
                Err(e) if Instant::now() >= deadline => {
                    let _ = cluster.kill().await;
                    return Err(gone(format!("its REST API does not answer: {e}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
        tracing::info!(cluster = %cluster.name, dir = %dir.display(), "adopted Flink cluster");
        Ok(cluster)
    }

    fn from_record(dir: &Path, record: Record) -> Result<LocalCluster, RuntimeError> {
        let flink_version = FlinkVersion::parse(&record.flink_version).ok_or_else(|| {
            RuntimeError::Spec(format!(
                "{}: bad flink_version {:?}",
                RECORD_FILE, record.flink_version
            ))
        })?;
        let job_manager = Proc::adopted(record.job_manager.pid, record.job_manager.start_ticks);
        let task_managers = record
            .task_managers
            .iter()
            .map(|p| Proc::adopted(p.pid, p.start_ticks))
            .collect();
        Ok(LocalCluster {
            name: record.name.clone(),
            dir: dir.to_path_buf(),
            flink_version,
            rest_url: record.rest_url.clone(),
            started_at: UNIX_EPOCH + Duration::from_millis(record.started_at_ms),
            ready_after: None,
            state: Mutex::new(State {
                record,
                job_manager,
                task_managers,
            }),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn flink_version(&self) -> FlinkVersion {
        self.flink_version
    }

    /// The Job Manager's REST API, e.g. `http://127.0.0.1:41234`.
    pub fn rest_url(&self) -> &str {
        &self.rest_url
    }

    /// A REST client for this cluster with the default timeouts.
    pub fn rest(&self) -> FlinkRest {
        FlinkRest::new(&self.rest_url)
    }

    /// Slots each Task Manager offers.
    pub fn slots_per_task_manager(&self) -> u32 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record
            .slots_per_task_manager
    }

    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }

    /// From `launch()` being called to every Task Manager registered (None
    /// for an adopted cluster).
    pub fn ready_after(&self) -> Option<Duration> {
        self.ready_after
    }

    pub fn job_manager_pid(&self) -> u32 {
        self.state.lock().expect("state").job_manager.pid
    }

    /// By Task Manager index.
    pub fn task_manager_pids(&self) -> Vec<u32> {
        let state = self.state.lock().expect("state");
        state.task_managers.iter().map(|p| p.pid).collect()
    }

    /// Flink's resource id of Task Manager `index` (as in `/taskmanagers`).
    pub fn task_manager_id(&self, index: usize) -> String {
        tm_resource_id(&self.name, index)
    }

    /// The Job Manager's Flink log.
    pub fn job_manager_log(&self) -> PathBuf {
        self.dir.join("log").join("jobmanager.log")
    }

    /// Every JVM and whether it runs.
    pub fn processes(&self) -> Vec<ProcessInfo> {
        let state = self.state.lock().expect("state");
        let mut out = vec![info(ProcessRole::JobManager, &state.job_manager, &self.dir)];
        for (i, p) in state.task_managers.iter().enumerate() {
            out.push(info(ProcessRole::TaskManager(i), p, &self.dir));
        }
        out
    }

    /// Whether every JVM still runs (does not ask the REST API).
    pub fn is_alive(&self) -> bool {
        self.processes().iter().all(|p| p.alive)
    }

    fn all_procs(&self) -> Vec<Proc> {
        let state = self.state.lock().expect("state");
        std::iter::once(state.job_manager.clone())
            .chain(state.task_managers.iter().cloned())
            .collect()
    }

    /// SIGKILL to every process group, then waits (up to 5 s) until every
    /// JVM is gone; removes `cluster.json`. Fails only if a process survives
    /// SIGKILL (stuck in the kernel).
    pub async fn kill(&self) -> Result<(), RuntimeError> {
        let procs = self.all_procs();
        for p in &procs {
            p.signal_group(libc::SIGKILL);
        }
        if !process::wait_gone(&procs, Duration::from_secs(5)).await {
            return Err(self.survivors_error(&procs));
        }
        self.kill_leftovers();
        self.forget();
        tracing::info!(cluster = %self.name, "Flink cluster killed");
        Ok(())
    }

    /// SIGTERM to every process group (Flink shuts down cleanly on it), waits
    /// up to `grace`, then [`Self::kill`]s whatever is left. For a cluster
    /// whose job is over; Task Managers get [`TASK_MANAGER_LINGER`] once the
    /// Job Manager is gone (see there).
    pub async fn shutdown(&self, grace: Duration) -> Result<(), RuntimeError> {
        self.shutdown_within(grace, Some(TASK_MANAGER_LINGER)).await
    }

    /// [`Self::shutdown`] that waits `grace` for every JVM to finish on its
    /// own, however long a Task Manager lingers: the class-data recording
    /// needs each JVM's exit, where it writes its archive.
    async fn shutdown_patiently(&self, grace: Duration) -> Result<(), RuntimeError> {
        self.shutdown_within(grace, None).await
    }

    async fn shutdown_within(
        &self,
        grace: Duration,
        tm_linger: Option<Duration>,
    ) -> Result<(), RuntimeError> {
        let procs = self.all_procs();
        for p in &procs {
            p.signal_group(libc::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + grace;
        if let Some(linger) = tm_linger {
            // The Job Manager first (it is procs[0]), then the Task Managers'
            // short allowance, within `grace`.
            if process::wait_gone(&procs[..1], grace).await {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                if !process::wait_gone(&procs, left.min(linger)).await {
                    tracing::info!(cluster = %self.name, linger_ms = linger.as_millis() as u64, "Task Managers still shutting down after the Job Manager; killing them");
                    return self.kill().await;
                }
            }
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if process::wait_gone(&procs, left).await {
            self.kill_leftovers();
            self.forget();
            tracing::info!(cluster = %self.name, "Flink cluster shut down");
            return Ok(());
        }
        tracing::warn!(cluster = %self.name, grace_ms = grace.as_millis() as u64, "Flink did not stop in time; killing it");
        self.kill().await
    }

    /// [`Self::kill`] without a runtime (for `Drop`).
    pub fn kill_blocking(&self) -> Result<(), RuntimeError> {
        let procs = self.all_procs();
        for p in &procs {
            p.signal_group(libc::SIGKILL);
        }
        if !process::wait_gone_blocking(&procs, Duration::from_secs(5)) {
            return Err(self.survivors_error(&procs));
        }
        self.kill_leftovers();
        self.forget();
        Ok(())
    }

    /// Once the JVMs are gone: kills what they started that outlived them
    /// outside their process groups' reach (see [`process::CLUSTER_ENV`]).
    fn kill_leftovers(&self) {
        let left = process::kill_members(&self.dir);
        if !left.is_empty() {
            tracing::warn!(cluster = %self.name, pids = ?left, "killed processes the cluster's JVMs left behind");
        }
    }

    /// Kills Task Manager `index` (SIGKILL, like a crash) and waits until it
    /// is gone. The record keeps it, so the cluster is no longer whole until
    /// [`Self::restart_task_manager`].
    pub async fn kill_task_manager(&self, index: usize) -> Result<(), RuntimeError> {
        let proc = self.task_manager(index)?;
        proc.signal_group(libc::SIGKILL);
        if !process::wait_gone(std::slice::from_ref(&proc), Duration::from_secs(5)).await {
            return Err(self.survivors_error(std::slice::from_ref(&proc)));
        }
        tracing::info!(cluster = %self.name, task_manager = index, "task manager killed");
        Ok(())
    }

    /// Starts Task Manager `index` again (killing it first if it still runs),
    /// with the same resource id and fresh ports. Returns once it is spawned;
    /// it registers with the Job Manager a few seconds later.
    pub async fn restart_task_manager(&self, index: usize) -> Result<(), RuntimeError> {
        let old = self.task_manager(index)?;
        if old.signal_group(libc::SIGKILL)
            && !process::wait_gone(std::slice::from_ref(&old), Duration::from_secs(5)).await
        {
            return Err(self.survivors_error(std::slice::from_ref(&old)));
        }
        let ports = Ports::allocate(1).map_err(RuntimeError::io("allocating ports"))?;
        let mut state = self.state.lock().expect("state");
        let launch = state.record.tm_launch.clone();
        let tm_ports = ports.task_managers[0].clone();
        let proc = spawn_task_manager(&self.dir, &self.name, &launch, index, &tm_ports)?;
        state.record.task_managers[index] = ProcRecord::new(&proc, tm_ports.as_map());
        state.task_managers[index] = proc;
        state.record.write(&self.dir)?;
        tracing::info!(cluster = %self.name, task_manager = index, "task manager restarted");
        Ok(())
    }

    /// Starts one more Task Manager (index = the current count), for a
    /// rescale in place. Returns once it is spawned; it registers with the
    /// Job Manager a few seconds later.
    pub async fn add_task_manager(&self) -> Result<usize, RuntimeError> {
        let ports = Ports::allocate(1).map_err(RuntimeError::io("allocating ports"))?;
        let mut state = self.state.lock().expect("state");
        let index = state.task_managers.len();
        let launch = state.record.tm_launch.clone();
        let tm_ports = ports.task_managers[0].clone();
        let proc = spawn_task_manager(&self.dir, &self.name, &launch, index, &tm_ports)?;
        state
            .record
            .task_managers
            .push(ProcRecord::new(&proc, tm_ports.as_map()));
        state.task_managers.push(proc);
        state.record.write(&self.dir)?;
        tracing::info!(cluster = %self.name, task_manager = index, "task manager added");
        Ok(index)
    }

    /// Stops the last Task Manager (its slots must be free: the job was
    /// rescaled down first) and forgets it. The first one is never removed.
    pub async fn remove_last_task_manager(&self) -> Result<(), RuntimeError> {
        let proc = {
            let mut state = self.state.lock().expect("state");
            if state.task_managers.len() <= 1 {
                return Ok(());
            }
            let proc = state.task_managers.pop().expect("more than one");
            state.record.task_managers.pop();
            state.record.write(&self.dir)?;
            proc
        };
        proc.signal_group(libc::SIGTERM);
        if !process::wait_gone(std::slice::from_ref(&proc), Duration::from_secs(5)).await {
            proc.signal_group(libc::SIGKILL);
            if !process::wait_gone(std::slice::from_ref(&proc), Duration::from_secs(5)).await {
                return Err(self.survivors_error(std::slice::from_ref(&proc)));
            }
        }
        tracing::info!(cluster = %self.name, "task manager removed");
        Ok(())
    }

    fn task_manager(&self, index: usize) -> Result<Proc, RuntimeError> {
        let state = self.state.lock().expect("state");
        state.task_managers.get(index).cloned().ok_or_else(|| {
            RuntimeError::Spec(format!(
                "cluster {} has {} task managers, there is no task manager {index}",
                self.name,
                state.task_managers.len()
            ))
        })
    }

    fn survivors_error(&self, procs: &[Proc]) -> RuntimeError {
        let alive: Vec<String> = procs
            .iter()
            .filter(|p| p.alive())
            .map(|p| p.pid.to_string())
            .collect();
        RuntimeError::Kill {
            cluster: self.name.clone(),
            reason: format!("processes {} survived SIGKILL for 5 s", alive.join(", ")),
        }
    }

    /// Removes the record: nothing of this cluster runs any more.
    fn forget(&self) {
        let _ = std::fs::remove_file(self.dir.join(RECORD_FILE));
    }
}

fn info(role: ProcessRole, p: &Proc, dir: &Path) -> ProcessInfo {
    ProcessInfo {
        role,
        pid: p.pid,
        alive: p.alive(),
        exit: p.exited(),
        log_file: dir.join("log").join(format!("{}.log", log_name(role))),
    }
}

fn log_name(role: ProcessRole) -> String {
    match role {
        ProcessRole::JobManager => "jobmanager".to_string(),
        ProcessRole::TaskManager(i) => format!("taskmanager-{i}"),
    }
}

fn tm_resource_id(cluster: &str, index: usize) -> String {
    format!("{cluster}-tm-{index}")
}

/// How long Task Managers may take to exit once the Job Manager is gone, in
/// a [`LocalCluster::shutdown`]. Their job is over and nothing they hold is
/// needed any more, but Flink's `FileCache` shutdown hook waits a fixed 5 s
/// (its hard-coded clean-up delay) after any job that shipped files through
/// the distributed cache, which every Python job does (`python.files`): a
/// Python application's stop took 5 s longer than a Java one's for that wait
/// alone. The rest of a Task Manager's shutdown takes some 50 ms.
const TASK_MANAGER_LINGER: Duration = Duration::from_millis(500);

/// The job run while the archives are recorded: `(path, text)` of its
/// source, compiled against the runtime's `lib/` (see the source for why).
const TRAINING_SOURCES: [(&str, &str); 1] = [(
    "weir/classdata/Training.java",
    include_str!("../java/weir/classdata/Training.java"),
)];
const TRAINING_CLASS: &str = "weir.classdata.Training";
/// The Python job run after it when the runtime's Python environment is
/// installed (see its text).
const PYTHON_TRAINING: (&str, &str) = (
    "class_data_training.py",
    include_str!("../python/class_data_training.py"),
);
/// How long the training job may take, from compiling it to FINISHED (a few
/// seconds on a quiet machine).
const TRAINING_TIMEOUT: Duration = Duration::from_secs(120);

/// What the archives' key says of the training jobs: archives recorded with
/// older jobs (or none), or with another Python (or none), are recorded
/// again.
pub(crate) fn class_data_training_key(python: Option<&Path>) -> String {
    let jobs: Vec<(&str, &str)> = TRAINING_SOURCES
        .into_iter()
        .chain([PYTHON_TRAINING])
        .collect();
    let jobs = crate::service_library::sources_hash(&jobs);
    let python = python.map_or("none".into(), |p| p.display().to_string());
    format!("trained with {jobs}, python {python}")
}

/// Makes class-data sharing archives for `home` in `cds`: runs a cluster of
/// one Task Manager that records the classes it loads while it starts and
/// runs a training job ([`TRAINING_SOURCES`]; then [`PYTHON_TRAINING`] with
/// the interpreter `python`, if given), shuts it down cleanly (the
/// JVMs write their archives as they exit), and moves the archives, `key`
/// (what they are valid for) and `trained` (the jobs that finished) into
/// place in one rename. Without the jobs, the archives held only a
/// cluster's boot, and each start still read the classes of submitting,
/// planning and running a job from the jars: with them, a Table API job's
/// start is 1–1.4 s shorter on 2 cores (Flink 1.20), a Python job's
/// 1.5–2 s.
pub(crate) async fn record_class_data(
    home: &FlinkHome,
    python: Option<&Path>,
    cds: &Path,
    key: &str,
) -> Result<(), RuntimeError> {
    let parent = cds.parent().unwrap_or(cds);
    let work = parent.join(format!("cds.tmp-{}", std::process::id()));
    let _ = tokio::fs::remove_dir_all(&work).await;
    tokio::fs::create_dir_all(&work)
        .await
        .map_err(RuntimeError::io(format!("creating {}", work.display())))?;
    let result = async {
        // Recorded on the clusters' whole classpath, the key's.
        let home = FlinkHome {
            class_data: None,
            ..home.clone()
        };
        let mut spec = ClusterSpec::new("weir-class-data", work.join("cluster"), home.clone());
        spec.class_data_sharing = ClassDataSharing::Record(work.clone());
        // Killed if this future is dropped; a no-op after the shutdown.
        let cluster = KillOnDrop::new(LocalCluster::launch(spec).await?);
        // Without the jobs the archives are still good for a cluster's boot.
        let started = Instant::now();
        // `trained` lists the jobs that finished (`java`, `python`): what the
        // archives hold beyond a cluster's boot.
        let mut trained = Vec::new();
        let training = train(&cluster, &home, python, &work, &mut trained);
        match tokio::time::timeout(TRAINING_TIMEOUT, training).await {
            Ok(Ok(())) => {
                tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, jobs = ?trained, "class-data training jobs finished")
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, finished = ?trained, "a class-data training job failed; the archives hold less")
            }
            Err(_) => {
                tracing::warn!(timeout_s = TRAINING_TIMEOUT.as_secs(), finished = ?trained, "the class-data training jobs did not finish in time; the archives hold less")
            }
        }
        let listed: String = trained.iter().map(|j| format!("{j}\n")).collect();
        std::fs::write(work.join("trained"), listed)
            .map_err(RuntimeError::io(format!("writing {}", work.join("trained").display())))?;
        cluster.shutdown_patiently(Duration::from_secs(60)).await?;
        for name in ["jobmanager.jsa", "taskmanager.jsa"] {
            if !std::fs::metadata(work.join(name)).is_ok_and(|m| m.len() > 0) {
                return Err(RuntimeError::Spec(format!("the JVM wrote no {name}")));
            }
        }
        let io = |what: String| RuntimeError::io(what);
        tokio::fs::write(work.join("key"), key)
            .await
            .map_err(io(format!("writing {}", work.join("key").display())))?;
        let _ = tokio::fs::remove_dir_all(work.join("cluster")).await;
        let _ = tokio::fs::remove_dir_all(work.join("training")).await;
        let _ = tokio::fs::remove_file(work.join("training.jar")).await;
        let _ = tokio::fs::remove_dir_all(work.join("training-python")).await;
        if tokio::fs::metadata(cds).await.is_ok() {
            let aside = parent.join(format!("cds.old-{}", std::process::id()));
            tokio::fs::rename(cds, &aside)
                .await
                .map_err(io(format!("moving {} aside", cds.display())))?;
            let _ = tokio::fs::remove_dir_all(&aside).await;
        }
        tokio::fs::rename(&work, cds).await.map_err(io(format!(
            "renaming {} to {}",
            work.display(),
            cds.display()
        )))
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_dir_all(&work).await;
    }
    result
}

/// Runs the training jobs on `cluster`, one after the other, each to its
/// end: the Java one compiled into `<work>/training.jar` against `home`'s
/// `lib/`, the Python one (with `python`) as a Python application's, both
/// submitted as applications are (upload, run).
async fn train(
    cluster: &LocalCluster,
    home: &FlinkHome,
    python: Option<&Path>,
    work: &Path,
    trained: &mut Vec<&'static str>,
) -> Result<(), RuntimeError> {
    let jar = work.join("training.jar");
    crate::service_library::JavaTools::find()?
        .build(
            &TRAINING_SOURCES,
            Some(&home.lib_classpath()?),
            "11",
            &work.join("training"),
            &jar,
        )
        .await?;
    let rest = cluster.rest();
    let jar_id = rest.upload_jar(&jar).await?;
    let run = crate::rest::RunJar {
        entry_class: Some(TRAINING_CLASS.to_string()),
        ..Default::default()
    };
    run_to_end(&rest, &jar_id, &run).await?;
    trained.push("java");
    let Some(python) = python else {
        return Ok(());
    };
    let dir = work.join("training-python");
    std::fs::create_dir_all(&dir)
        .map_err(RuntimeError::io(format!("creating {}", dir.display())))?;
    let (main, text) = PYTHON_TRAINING;
    std::fs::write(dir.join(main), text).map_err(RuntimeError::io(format!("writing {main}")))?;
    let program = weir_control::spec::PythonProgram {
        main: main.to_string(),
        jarfile: None,
        py_files: Vec::new(),
        py_archives: Vec::new(),
    };
    let jar = dir.join("training-python.jar");
    crate::backend::python::write_jar(&dir, &program, &jar)
        .map_err(|e| RuntimeError::Spec(format!("writing the Python training job's jar: {e}")))?;
    let python_run = crate::backend::python::run(&dir, &program, Some(python));
    let jar_id = rest.upload_jar(&jar).await?;
    let run = crate::rest::RunJar {
        entry_class: Some(crate::backend::python::PYTHON_DRIVER.to_string()),
        program_args: python_run.program_args,
        flink_config: python_run.config,
        ..Default::default()
    };
    run_to_end(&rest, &jar_id, &run).await?;
    trained.push("python");
    Ok(())
}

/// Runs the uploaded `jar_id` and follows its job until it ends: Ok when
/// FINISHED.
async fn run_to_end(
    rest: &FlinkRest,
    jar_id: &str,
    run: &crate::rest::RunJar,
) -> Result<(), RuntimeError> {
    let job = rest.run_jar(jar_id, run).await?;
    loop {
        let details = rest.job(&job).await?;
        if details.state.is_globally_terminal() {
            if details.state == crate::rest::JobState::Finished {
                return Ok(());
            }
            let why = rest.job_exceptions(&job).await.ok().flatten();
            return Err(RuntimeError::Spec(format!(
                "the training job ended {}: {}",
                details.state.as_str(),
                why.as_deref()
                    .map(crate::rest::summarize_java_error)
                    .unwrap_or_default()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Kills the cluster when dropped: for tests and for clusters that must not
/// outlive their owner. The JVMs are gone when `drop` returns.
pub struct KillOnDrop(Option<LocalCluster>);

impl KillOnDrop {
    pub fn new(cluster: LocalCluster) -> KillOnDrop {
        KillOnDrop(Some(cluster))
    }

    /// Disarms the guard.
    pub fn into_inner(mut self) -> LocalCluster {
        self.0.take().expect("guard holds a cluster until dropped")
    }
}

impl std::ops::Deref for KillOnDrop {
    type Target = LocalCluster;
    fn deref(&self) -> &LocalCluster {
        self.0
            .as_ref()
            .expect("guard holds a cluster until dropped")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(cluster) = self.0.take() {
            if let Err(e) = cluster.kill_blocking() {
                eprintln!("KillOnDrop: {e}");
            }
        }
    }
}

/// Ports chosen for a launch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ports {
    rest: u16,
    rpc: u16,
    blob: u16,
    jm_metrics: u16,
    task_managers: Vec<TmPorts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct TmPorts {
    rpc: u16,
    data: u16,
    metrics: u16,
}

impl TmPorts {
    fn as_map(&self) -> BTreeMap<String, u16> {
        BTreeMap::from([
            ("rpc".to_string(), self.rpc),
            ("data".to_string(), self.data),
            ("metrics".to_string(), self.metrics),
        ])
    }
}

impl Ports {
    /// Binds every listener at once (so no port is picked twice), notes the
    /// ports, and releases them.
    fn allocate(task_managers: usize) -> std::io::Result<Ports> {
        let count = 4 + 3 * task_managers;
        let listeners = (0..count)
            .map(|_| TcpListener::bind((LOCALHOST, 0)))
            .collect::<std::io::Result<Vec<_>>>()?;
        let ports = listeners
            .iter()
            .map(|l| l.local_addr().map(|a| a.port()))
            .collect::<std::io::Result<Vec<_>>>()?;
        drop(listeners);
        Ok(Ports {
            rest: ports[0],
            rpc: ports[1],
            blob: ports[2],
            jm_metrics: ports[3],
            task_managers: ports[4..]
                .chunks(3)
                .map(|c| TmPorts {
                    rpc: c[0],
                    data: c[1],
                    metrics: c[2],
                })
                .collect(),
        })
    }
}

/// Everything about a launch that does not depend on the ports.
struct Plan {
    tm_memory: TaskManagerMemory,
    jm_memory: JobManagerMemory,
    /// The caller's configuration minus what Weir consumes.
    config: Vec<(String, String)>,
    jm_options: Vec<String>,
    tm_options: Vec<String>,
    classpath: String,
}

impl Plan {
    fn new(spec: &ClusterSpec) -> Result<Plan, RuntimeError> {
        validate_name(&spec.name)?;
        if spec.task_managers == 0 || spec.slots_per_task_manager == 0 {
            return Err(RuntimeError::Spec(
                "a cluster needs at least one task manager with at least one slot".into(),
            ));
        }
        let mut managed = Managed::default();
        let mut config = Vec::new();
        let mut jm_options = Vec::new();
        let mut tm_options = Vec::new();
        for (key, value) in &spec.flink_config {
            validate_entry(key, value, spec.flink_home.version)?;
            match key.as_str() {
                k if OWNED_KEYS.contains(&k) => {
                    return Err(RuntimeError::Spec(format!(
                        "{k} is set by Weir for every local cluster and cannot be configured"
                    )))
                }
                "taskmanager.memory.managed.fraction" => {
                    let f: f32 = value.trim().parse().ok().filter(|f| (0.0..1.0).contains(f)).ok_or_else(|| {
                        RuntimeError::Spec(format!("{key}: {value:?} is not a fraction in [0, 1)"))
                    })?;
                    managed = Managed::Fraction(f);
                    continue;
                }
                "taskmanager.memory.managed.size" => {
                    let bytes = memory::parse_memory_size(value).ok_or_else(|| {
                        RuntimeError::Spec(format!("{key}: {value:?} is not a memory size"))
                    })?;
                    managed = Managed::Size(bytes);
                    continue;
                }
                k if k.starts_with("taskmanager.memory.") || k.starts_with("jobmanager.memory.") => {
                    return Err(RuntimeError::Spec(format!(
                        "{k} is derived by Weir from the process sizes (tm_memory_mb, jm_memory_mb); \
                         only taskmanager.memory.managed.fraction/.size can be configured"
                    )))
                }
                "env.java.opts" | "env.java.opts.all" => {
                    jm_options.extend(value.split_whitespace().map(String::from));
                    tm_options.extend(value.split_whitespace().map(String::from));
                }
                "env.java.opts.jobmanager" => {
                    jm_options.extend(value.split_whitespace().map(String::from))
                }
                "env.java.opts.taskmanager" => {
                    tm_options.extend(value.split_whitespace().map(String::from))
                }
                _ => {}
            }
            config.push((key.clone(), value.clone()));
        }
        let mib = |mb: u32| u64::from(mb) << 20;
        let tm_memory = TaskManagerMemory::from_process_size(mib(spec.tm_memory_mb), managed)
            .map_err(RuntimeError::Spec)?;
        let jm_memory = JobManagerMemory::from_process_size(mib(spec.jm_memory_mb))
            .map_err(RuntimeError::Spec)?;
        let classpath = spec.flink_home.classpath()?;
        Ok(Plan {
            tm_memory,
            jm_memory,
            config,
            jm_options,
            tm_options,
            classpath,
        })
    }

    /// Creates the directory layout, refusing a directory whose recorded
    /// cluster still runs.
    async fn prepare_dir(&self, spec: &ClusterSpec) -> Result<(), RuntimeError> {
        let dir = &spec.dir;
        if let Some(record) = Record::read(dir)? {
            let alive = std::iter::once(&record.job_manager)
                .chain(&record.task_managers)
                .any(|p| {
                    record.boot_id == process::boot_id()
                        && Proc::adopted(p.pid, p.start_ticks).alive()
                });
            if alive {
                return Err(RuntimeError::AlreadyRunning(dir.clone()));
            }
            let _ = std::fs::remove_file(dir.join(RECORD_FILE));
        }
        kill_unrecorded(dir).await;
        for sub in ["conf", "log", "tmp", "work", "web"] {
            let path = dir.join(sub);
            tokio::fs::create_dir_all(&path)
                .await
                .map_err(RuntimeError::io(format!("creating {}", path.display())))?;
        }
        if let Some(etc) = &spec.etc_flink {
            tokio::fs::create_dir_all(etc)
                .await
                .map_err(RuntimeError::io(format!("creating {}", etc.display())))?;
        }
        let conf = spec.flink_home.conf_dir();
        for file in ["log4j.properties", "logback.xml"] {
            let from = conf.join(file);
            if from.is_file() {
                let to = dir.join("conf").join(file);
                tokio::fs::copy(&from, &to)
                    .await
                    .map_err(RuntimeError::io(format!("copying {}", from.display())))?;
                if file == "log4j.properties" {
                    let mut text = tokio::fs::read_to_string(&to)
                        .await
                        .map_err(RuntimeError::io(format!("reading {}", to.display())))?;
                    text.push_str(LOG4J_ADDITIONS);
                    tokio::fs::write(&to, text)
                        .await
                        .map_err(RuntimeError::io(format!("writing {}", to.display())))?;
                }
            }
        }
        Ok(())
    }

    /// One launch attempt with the given ports.
    async fn start(&self, spec: &ClusterSpec, ports: &Ports) -> Result<LocalCluster, Failure> {
        let t0 = Instant::now();
        let started_at = SystemTime::now();
        let dir = &spec.dir;
        let fail = |reason: String| Failure {
            error: RuntimeError::Launch {
                cluster: spec.name.clone(),
                reason,
                log_tail: String::new(),
            },
            port_taken: false,
        };
        let version = spec.flink_home.version;
        let config_text = render_config(&cluster_config(spec, self, ports), version);
        let config_path = dir.join("conf").join(version.config_file_name());
        std::fs::write(&config_path, config_text)
            .map_err(|e| fail(format!("writing {}: {e}", config_path.display())))?;
        // Flink ≥ 1.19 reads config.yaml if present, else flink-conf.yaml: never leave the other one.
        for other in ["config.yaml", "flink-conf.yaml"] {
            if other != version.config_file_name() {
                let _ = std::fs::remove_file(dir.join("conf").join(other));
            }
        }

        let (jm_launch, tm_launch) = self.launch_commands(spec);
        let job_manager = spawn(
            dir,
            &jm_launch,
            ProcessRole::JobManager,
            &[
                "-D".into(),
                format!("metrics.internal.query-service.port={}", ports.jm_metrics),
            ],
        )
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Failure {
                    error: RuntimeError::JavaMissing(format!(
                        "`{}` was not found; install a JDK 17 or set JAVA_HOME",
                        jm_launch.program
                    )),
                    port_taken: false,
                }
            } else {
                fail(format!("cannot start the job manager: {e}"))
            }
        })?;
        let mut task_managers = Vec::new();
        for (i, tm_ports) in ports.task_managers.iter().enumerate() {
            match spawn_task_manager(dir, &spec.name, &tm_launch, i, tm_ports) {
                Ok(p) => task_managers.push(p),
                Err(e) => {
                    for p in std::iter::once(&job_manager).chain(&task_managers) {
                        p.signal_group(libc::SIGKILL);
                    }
                    return Err(fail(format!("cannot start task manager {i}: {e}")));
                }
            }
        }

        let record = Record {
            format: 1,
            name: spec.name.clone(),
            flink_version: version.to_string(),
            flink_home: spec.flink_home.path.clone(),
            rest_url: format!("http://{LOCALHOST}:{}", ports.rest),
            started_at_ms: started_at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64,
            boot_id: process::boot_id(),
            slots_per_task_manager: spec.slots_per_task_manager,
            job_manager: ProcRecord::new(
                &job_manager,
                BTreeMap::from([
                    ("rest".to_string(), ports.rest),
                    ("rpc".to_string(), ports.rpc),
                    ("blob".to_string(), ports.blob),
                    ("metrics".to_string(), ports.jm_metrics),
                ]),
            ),
            task_managers: task_managers
                .iter()
                .zip(&ports.task_managers)
                .map(|(p, tp)| ProcRecord::new(p, tp.as_map()))
                .collect(),
            tm_launch,
        };
        let cluster = LocalCluster {
            name: spec.name.clone(),
            dir: dir.clone(),
            flink_version: version,
            rest_url: record.rest_url.clone(),
            started_at,
            ready_after: None,
            state: Mutex::new(State {
                record,
                job_manager,
                task_managers,
            }),
        };
        // From here on, a dropped (cancelled) launch kills what it started.
        let cluster = KillOnDrop::new(cluster);
        // Recorded before waiting: if Weir dies now, the next one finds and
        // cleans up (or adopts) these processes.
        let recorded = {
            let state = cluster.state.lock().expect("state");
            state.record.write(dir)
        };
        if let Err(e) = recorded {
            let _ = cluster.kill().await;
            return Err(fail(e.to_string()));
        }

        match wait_ready(&cluster, spec, t0).await {
            Ok(()) => {
                let mut cluster = cluster.into_inner();
                cluster.ready_after = Some(t0.elapsed());
                tracing::info!(
                    cluster = %spec.name,
                    flink = %version,
                    rest = %cluster.rest_url,
                    task_managers = spec.task_managers,
                    ready_ms = t0.elapsed().as_millis() as u64,
                    "Flink cluster ready"
                );
                Ok(cluster)
            }
            Err(reason) => {
                let _ = cluster.kill().await;
                let log_tail = launch_log_tail(&cluster);
                let port_taken = log_tail.contains("BindException")
                    || log_tail.contains("Address already in use");
                Err(Failure {
                    error: RuntimeError::Launch {
                        cluster: spec.name.clone(),
                        reason,
                        log_tail,
                    },
                    port_taken,
                })
            }
        }
    }

    fn launch_commands(&self, spec: &ClusterSpec) -> (Launch, Launch) {
        let dir = &spec.dir;
        let conf = dir.join("conf");
        let java = java_binary().to_string_lossy().into_owned();
        let common = |role: ProcessRole,
                      memory_flags: Vec<String>,
                      role_options: &[&str],
                      extra: &[String]| {
            let mut args: Vec<String> = memory_flags;
            args.extend(role_options.iter().map(|s| s.to_string()));
            let archive = |dir: &Path| {
                let name = match role {
                    ProcessRole::JobManager => "jobmanager.jsa",
                    ProcessRole::TaskManager(_) => "taskmanager.jsa",
                };
                dir.join(name)
            };
            match &spec.class_data_sharing {
                ClassDataSharing::Off => {}
                ClassDataSharing::Use(dir) if archive(dir).is_file() => {
                    args.push(format!("-XX:SharedArchiveFile={}", archive(dir).display()))
                }
                ClassDataSharing::Use(_) => {}
                ClassDataSharing::Record(dir) => args.push(format!(
                    "-XX:ArchiveClassesAtExit={}",
                    archive(dir).display()
                )),
            }
            args.extend(JAVA_17_OPTIONS.iter().map(|s| s.to_string()));
            args.extend(extra.iter().cloned());
            args.push(format!(
                "-Dlog4j.configuration=file:{}",
                conf.join("log4j.properties").display()
            ));
            args.push(format!(
                "-Dlog4j.configurationFile=file:{}",
                conf.join("log4j.properties").display()
            ));
            args.push(format!(
                "-Dlogback.configurationFile=file:{}",
                conf.join("logback.xml").display()
            ));
            args.push(format!("-Djava.io.tmpdir={}", dir.join("tmp").display()));
            for (k, v) in &spec.jvm_properties {
                args.push(format!("-D{k}={v}"));
            }
            args
        };
        let mut env = vec![
            (
                "FLINK_HOME".to_string(),
                spec.flink_home.path.to_string_lossy().into_owned(),
            ),
            (
                "FLINK_CONF_DIR".to_string(),
                conf.to_string_lossy().into_owned(),
            ),
            (
                "FLINK_LIB_DIR".to_string(),
                spec.flink_home.lib_dir().to_string_lossy().into_owned(),
            ),
            (
                "FLINK_OPT_DIR".to_string(),
                spec.flink_home
                    .path
                    .join("opt")
                    .to_string_lossy()
                    .into_owned(),
            ),
            (
                "FLINK_PLUGINS_DIR".to_string(),
                spec.flink_home
                    .path
                    .join("plugins")
                    .to_string_lossy()
                    .into_owned(),
            ),
            (
                "FLINK_BIN_DIR".to_string(),
                spec.flink_home
                    .path
                    .join("bin")
                    .to_string_lossy()
                    .into_owned(),
            ),
            (
                "FLINK_LOG_DIR".to_string(),
                dir.join("log").to_string_lossy().into_owned(),
            ),
        ];
        env.extend(spec.env.iter().cloned());

        let mut jm_args = common(
            ProcessRole::JobManager,
            self.jm_memory.jvm_flags(),
            JM_JVM_OPTIONS,
            &self.jm_options,
        );
        jm_args.extend([
            "-classpath".to_string(),
            self.classpath.clone(),
            JM_CLASS.to_string(),
        ]);
        jm_args.extend([
            "--configDir".to_string(),
            conf.to_string_lossy().into_owned(),
        ]);
        if spec.flink_home.version.major < 2 {
            jm_args.extend(["--executionMode".to_string(), "cluster".to_string()]);
        }
        let mut tm_args = common(
            ProcessRole::TaskManager(0),
            self.tm_memory.jvm_flags(),
            TM_JVM_OPTIONS,
            &self.tm_options,
        );
        tm_args.extend([
            "-classpath".to_string(),
            self.classpath.clone(),
            TM_CLASS.to_string(),
        ]);
        tm_args.extend([
            "--configDir".to_string(),
            conf.to_string_lossy().into_owned(),
        ]);
        (
            Launch {
                program: java.clone(),
                args: jm_args,
                env: env.clone(),
                etc_flink: spec.etc_flink.clone(),
            },
            Launch {
                program: java,
                args: tm_args,
                env,
                etc_flink: spec.etc_flink.clone(),
            },
        )
    }
}

struct Failure {
    error: RuntimeError,
    port_taken: bool,
}

fn validate_name(name: &str) -> Result<(), RuntimeError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(RuntimeError::Spec(format!(
            "cluster name {name:?} must be 1-128 characters of [A-Za-z0-9_.-]"
        )))
    }
}

fn validate_entry(key: &str, value: &str, version: FlinkVersion) -> Result<(), RuntimeError> {
    let key_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !key_ok {
        return Err(RuntimeError::Spec(format!(
            "{key:?} is not a Flink configuration key"
        )));
    }
    if value.contains(['\n', '\r']) {
        return Err(RuntimeError::Spec(format!(
            "{key}: values cannot span lines"
        )));
    }
    if !version.standard_yaml_config() && value.contains('#') {
        // Flink 1.18's flink-conf.yaml parser cuts every line at '#'.
        return Err(RuntimeError::Spec(format!(
            "{key}: Flink {version} cannot read a '#' in a configuration value"
        )));
    }
    Ok(())
}

/// The whole configuration file's entries, in order: Weir's defaults, the
/// caller's entries (which may override defaults), then what Weir owns.
fn cluster_config(spec: &ClusterSpec, plan: &Plan, ports: &Ports) -> Vec<(String, String)> {
    let dir = &spec.dir;
    let path = |p: PathBuf| p.to_string_lossy().into_owned();
    let mut entries: Vec<(String, String)> = DEFAULT_CONFIG
        .iter()
        .filter(|(k, _)| !plan.config.iter().any(|(ck, _)| ck == k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    entries.extend(plan.config.iter().cloned());
    let owned = [
        ("jobmanager.rpc.address", LOCALHOST.to_string()),
        ("jobmanager.rpc.port", ports.rpc.to_string()),
        ("jobmanager.bind-host", LOCALHOST.to_string()),
        ("rest.address", LOCALHOST.to_string()),
        ("rest.bind-address", LOCALHOST.to_string()),
        ("rest.port", ports.rest.to_string()),
        ("rest.bind-port", ports.rest.to_string()),
        ("blob.server.port", ports.blob.to_string()),
        ("taskmanager.host", LOCALHOST.to_string()),
        ("taskmanager.bind-host", LOCALHOST.to_string()),
        (
            "taskmanager.numberOfTaskSlots",
            spec.slots_per_task_manager.to_string(),
        ),
        // Required once every memory component is explicit (Flink's scripts
        // pass it too); Flink's default is one core per slot.
        (
            "taskmanager.cpu.cores",
            spec.slots_per_task_manager.to_string(),
        ),
        ("process.working-dir", path(dir.join("work"))),
        ("io.tmp.dirs", path(dir.join("tmp"))),
        ("web.tmpdir", path(dir.join("web"))),
    ];
    entries.extend(owned.into_iter().map(|(k, v)| (k.to_string(), v)));
    entries.extend(plan.jm_memory.config());
    entries.extend(plan.tm_memory.config());
    entries
}

/// Renders entries as Flink's configuration file for `version`: flat keys,
/// values single-quoted for the standard YAML parser (1.19+), raw for 1.18's
/// line parser.
fn render_config(entries: &[(String, String)], version: FlinkVersion) -> String {
    let mut out =
        String::from("# Generated by Weir for this cluster; rewritten on every launch.\n");
    for (k, v) in entries {
        if version.standard_yaml_config() {
            out.push_str(&format!("{k}: '{}'\n", v.replace('\'', "''")));
        } else {
            out.push_str(&format!("{k}: {v}\n"));
        }
    }
    out
}

/// Kills the JVMs of a launch that was never recorded: a Weir killed
/// between spawning a cluster's processes and writing `cluster.json` leaves
/// them running with nobody knowing their PIDs. Called only where no live
/// recorded cluster is in `dir`, so whatever names `dir` is such a leftover.
async fn kill_unrecorded(dir: &Path) {
    let left = process::cluster_jvms(dir);
    if left.is_empty() {
        process::kill_members(dir);
        return;
    }
    tracing::warn!(
        dir = %dir.display(),
        pids = ?left.iter().map(|p| p.pid).collect::<Vec<_>>(),
        "killing the processes of a launch that was never recorded"
    );
    for p in &left {
        p.signal_group(libc::SIGKILL);
        // SAFETY: kill(2) takes no pointers; a pid that is not a group
        // leader is signalled alone (`alive` checked its identity above).
        if p.alive() {
            unsafe { libc::kill(p.pid as libc::pid_t, libc::SIGKILL) };
        }
    }
    process::wait_gone(&left, Duration::from_secs(10)).await;
    process::kill_members(dir);
}

/// Appended to the distribution's `log4j.properties` in a cluster's `conf/`.
/// Flink's Python support logs the whole environment of every Python
/// process it starts at INFO, and a Job Manager's log flows into the
/// application's log, which whoever may read the application reads: an
/// operator's credentials in Weir's environment would end up there.
const LOG4J_ADDITIONS: &str = "
# Added by Weir: not the Python processes' environments (they may hold secrets).
logger.weir_python_env.name = org.apache.flink.client.python.PythonEnvUtils
logger.weir_python_env.level = WARN
";

/// How to start a JVM (recorded so a later Weir can restart a Task Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Launch {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// [`ClusterSpec::etc_flink`] (absent in records of older Weirs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etc_flink: Option<PathBuf>,
}

fn spawn(
    dir: &Path,
    launch: &Launch,
    role: ProcessRole,
    extra_args: &[String],
) -> std::io::Result<Proc> {
    let log_dir = dir.join("log");
    let name = log_name(role);
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_dir.join(format!("{name}.out")))?;
    let mut cmd = tokio::process::Command::new(&launch.program);
    // -Dlog.file and the crash-file location go first: they name this role.
    cmd.arg(format!(
        "-Dlog.file={}",
        log_dir.join(format!("{name}.log")).display()
    ))
    .arg(format!(
        "-XX:ErrorFile={}",
        log_dir.join(format!("hs_err_{name}_%p.log")).display()
    ))
    .args(&launch.args)
    .args(extra_args)
    .envs(launch.env.iter().map(|(k, v)| (k, v)))
    .env(process::CLUSTER_ENV, dir)
    .current_dir(dir)
    .stdin(Stdio::null())
    .stdout(out.try_clone()?)
    .stderr(out);
    if let Some(etc) = &launch.etc_flink {
        match crate::namespace::Plan::for_dir(etc) {
            Ok(Some(plan)) => crate::namespace::prepare(&mut cmd, plan),
            Ok(None) => {}
            Err(why) => tracing::warn!(
                dir = %etc.display(),
                "this JVM sees the host's /etc/flink: {why}"
            ),
        }
    }
    Proc::spawn(&mut cmd)
}

fn spawn_task_manager(
    dir: &Path,
    cluster: &str,
    launch: &Launch,
    index: usize,
    ports: &TmPorts,
) -> Result<Proc, RuntimeError> {
    let dynamic = [
        format!("taskmanager.resource-id={}", tm_resource_id(cluster, index)),
        format!("taskmanager.rpc.port={}", ports.rpc),
        format!("taskmanager.data.port={}", ports.data),
        format!("metrics.internal.query-service.port={}", ports.metrics),
    ];
    let args: Vec<String> = dynamic
        .into_iter()
        .flat_map(|d| ["-D".to_string(), d])
        .collect();
    spawn(dir, launch, ProcessRole::TaskManager(index), &args).map_err(RuntimeError::io(format!(
        "starting task manager {index} of {cluster}"
    )))
}

/// Waits for the REST API to list every Task Manager with its slots; fails
/// early when a JVM exits. (A Task Manager is listed on registering, with 0
/// slots until its slot report reaches the Resource Manager a moment later.)
async fn wait_ready(cluster: &LocalCluster, spec: &ClusterSpec, t0: Instant) -> Result<(), String> {
    let rest = FlinkRest::new(&cluster.rest_url)
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(2));
    let want = spec.task_managers as usize;
    let mut registered = 0;
    loop {
        if let Some(dead) = cluster.processes().into_iter().find(|p| !p.alive) {
            return Err(format!(
                "its {} {} during start-up",
                dead.role,
                dead.exit.unwrap_or_else(|| "exited".to_string())
            ));
        }
        if let Ok(tms) = rest.taskmanagers().await {
            registered = tms.iter().filter(|t| t.slots > 0).count();
            if registered >= want {
                return Ok(());
            }
        }
        if t0.elapsed() >= spec.startup_timeout {
            return Err(format!(
                "{registered} of {want} task managers registered within {} s",
                spec.startup_timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The end of the logs that explain a failed start: every process's `.out`
/// (JVM errors) and Flink log.
fn launch_log_tail(cluster: &LocalCluster) -> String {
    let mut out = String::new();
    for p in cluster.processes() {
        let name = log_name(p.role);
        for (file, lines) in [(format!("{name}.out"), 10), (format!("{name}.log"), 25)] {
            let path = cluster.dir.join("log").join(&file);
            let tail = process::file_tail(&path, lines);
            if !tail.trim().is_empty() {
                out.push_str(&format!("--- {} ---\n{tail}\n", path.display()));
            }
        }
    }
    out
}

/// `cluster.json`: Weir's private record of a running cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    format: u32,
    name: String,
    flink_version: String,
    flink_home: PathBuf,
    rest_url: String,
    started_at_ms: u64,
    /// PIDs and start times only identify processes within one boot.
    boot_id: String,
    slots_per_task_manager: u32,
    job_manager: ProcRecord,
    task_managers: Vec<ProcRecord>,
    tm_launch: Launch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ProcRecord {
    pid: u32,
    /// Equal to `pid`: every JVM leads its own process group.
    pgid: u32,
    /// `/proc/PID/stat` field 22, clock ticks after boot.
    start_ticks: u64,
    ports: BTreeMap<String, u16>,
}

impl ProcRecord {
    fn new(p: &Proc, ports: BTreeMap<String, u16>) -> ProcRecord {
        ProcRecord {
            pid: p.pid,
            pgid: p.pid,
            start_ticks: p.start_ticks,
            ports,
        }
    }
}

impl Record {
    fn read(dir: &Path) -> Result<Option<Record>, RuntimeError> {
        let path = dir.join(RECORD_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(RuntimeError::io(format!("reading {}", path.display()))(e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| RuntimeError::Spec(format!("{} is unreadable: {e}", path.display())))
    }

    /// Written to a temporary file, synced and renamed: never half a record.
    fn write(&self, dir: &Path) -> Result<(), RuntimeError> {
        use std::io::Write;
        let path = dir.join(RECORD_FILE);
        let tmp = dir.join(format!("{RECORD_FILE}.tmp"));
        let io = |what: &str| RuntimeError::io(format!("{what} {}", path.display()));
        let json = serde_json::to_vec_pretty(self).expect("a record always serializes");
        let mut file = std::fs::File::create(&tmp).map_err(io("writing"))?;
        file.write_all(&json).map_err(io("writing"))?;
        file.sync_all().map_err(io("syncing"))?;
        std::fs::rename(&tmp, &path).map_err(io("renaming"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(version: FlinkVersion) -> FlinkHome {
        FlinkHome {
            path: PathBuf::from("/opt/flink"),
            version,
            class_data: None,
            service_library: None,
        }
    }

    fn plan_for(spec: &ClusterSpec) -> Result<Plan, RuntimeError> {
        // Plan::new reads the classpath from disk; test with a real empty lib dir.
        Plan::new(spec)
    }

    fn spec_in(tmp: &Path, version: FlinkVersion) -> ClusterSpec {
        let flink = tmp.join("flink");
        std::fs::create_dir_all(flink.join("lib")).unwrap();
        std::fs::write(flink.join(format!("lib/flink-dist-{version}.jar")), b"").unwrap();
        let mut spec = ClusterSpec::new(
            "app-1",
            tmp.join("cluster"),
            FlinkHome {
                path: flink,
                version,
                class_data: None,
                service_library: None,
            },
        );
        spec.task_managers = 2;
        spec.slots_per_task_manager = 3;
        spec
    }

    #[test]
    fn ports_are_distinct_and_free() {
        let ports = Ports::allocate(3).unwrap();
        let mut all = vec![ports.rest, ports.rpc, ports.blob, ports.jm_metrics];
        for tm in &ports.task_managers {
            all.extend([tm.rpc, tm.data, tm.metrics]);
        }
        assert_eq!(all.len(), 13);
        let mut dedup = all.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), all.len(), "{all:?}");
        // Released: each can be bound again on 127.0.0.1.
        for p in all {
            assert!(p > 0);
            TcpListener::bind((LOCALHOST, p)).unwrap();
        }
    }

    #[test]
    fn config_for_standard_yaml_quotes_values() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spec = spec_in(tmp.path(), FlinkVersion::new(2, 2, 1));
        spec.flink_config = vec![
            ("execution.checkpointing.interval".into(), "60 s".into()),
            ("restart-strategy.type".into(), "fixed-delay".into()),
            ("pipeline.name".into(), "it's: #1".into()),
            ("cluster.registration.error-delay".into(), "1000".into()),
        ];
        let plan = plan_for(&spec).unwrap();
        let ports = Ports::allocate(2).unwrap();
        let entries = cluster_config(&spec, &plan, &ports);
        let text = render_config(&entries, spec.flink_home.version);
        assert!(
            text.contains("execution.checkpointing.interval: '60 s'\n"),
            "{text}"
        );
        assert!(text.contains("pipeline.name: 'it''s: #1'\n"), "{text}");
        assert!(
            text.contains(&format!("rest.port: '{}'\n", ports.rest)),
            "{text}"
        );
        assert!(text.contains("rest.bind-address: '127.0.0.1'\n"));
        assert!(text.contains("taskmanager.numberOfTaskSlots: '3'\n"));
        assert!(
            text.contains("taskmanager.memory.task.heap.size: '26843542b'\n"),
            "{text}"
        );
        assert!(
            text.contains("jobmanager.memory.heap.size: '469762048b'\n"),
            "{text}"
        );
        // The caller's value replaced Weir's default instead of adding a second line.
        assert_eq!(text.matches("cluster.registration.error-delay").count(), 1);
        assert!(text.contains("cluster.registration.error-delay: '1000'"));
        let working = format!("process.working-dir: '{}'", spec.dir.join("work").display());
        assert!(text.contains(&working), "{text}");
    }

    #[test]
    fn config_for_flink_1_18_is_flat_and_unquoted() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spec = spec_in(tmp.path(), FlinkVersion::new(1, 18, 1));
        spec.flink_config = vec![("restart-strategy.fixed-delay.delay".into(), "10 s".into())];
        let plan = plan_for(&spec).unwrap();
        let ports = Ports::allocate(2).unwrap();
        let text = render_config(
            &cluster_config(&spec, &plan, &ports),
            spec.flink_home.version,
        );
        assert!(
            text.contains("restart-strategy.fixed-delay.delay: 10 s\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!("jobmanager.rpc.port: {}\n", ports.rpc)),
            "{text}"
        );
        assert_eq!(
            spec.flink_home.version.config_file_name(),
            "flink-conf.yaml"
        );
        spec.flink_config = vec![("pipeline.name".into(), "a#b".into())];
        assert!(plan_for(&spec).is_err());
    }

    #[test]
    fn owned_and_memory_keys_are_refused_managed_memory_is_honoured() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spec = spec_in(tmp.path(), FlinkVersion::new(1, 20, 5));
        spec.flink_config = vec![("rest.port".into(), "8081".into())];
        let err = plan_for(&spec).err().unwrap().to_string();
        assert!(err.contains("rest.port is set by Weir"), "{err}");
        spec.flink_config = vec![("taskmanager.memory.process.size".into(), "4g".into())];
        let err = plan_for(&spec).err().unwrap().to_string();
        assert!(err.contains("tm_memory_mb"), "{err}");
        spec.flink_config = vec![("taskmanager.memory.managed.fraction".into(), "0.1".into())];
        let plan = plan_for(&spec).unwrap();
        assert!(plan.tm_memory.task_heap > 190 << 20, "{:?}", plan.tm_memory);
        assert!(plan.config.is_empty(), "consumed, written as managed.size");
        spec.flink_config = vec![(
            "env.java.opts.taskmanager".into(),
            "-XX:+UseSerialGC -Dx=1".into(),
        )];
        let plan = plan_for(&spec).unwrap();
        assert_eq!(plan.tm_options, ["-XX:+UseSerialGC", "-Dx=1"]);
        assert!(plan.jm_options.is_empty());
        spec.flink_config.clear();
        spec.task_managers = 0;
        assert!(plan_for(&spec).is_err());
        spec.task_managers = 1;
        spec.name = "no spaces".into();
        assert!(plan_for(&spec).is_err());
        spec.name = "ok".into();
        spec.tm_memory_mb = 512;
        let err = plan_for(&spec).err().unwrap().to_string();
        assert!(err.contains("too small"), "{err}");
    }

    #[test]
    fn launch_commands_carry_memory_flags_properties_and_env() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spec = spec_in(tmp.path(), FlinkVersion::new(1, 20, 5));
        spec.jvm_properties = vec![("weir.application.properties".into(), "/x/props.json".into())];
        spec.env = vec![("WEIR_APPLICATION_PROPERTIES".into(), "/x/props.json".into())];
        let plan = plan_for(&spec).unwrap();
        let (jm, tm) = plan.launch_commands(&spec);
        assert!(jm.args.contains(&"-Xmx469762048".to_string()));
        assert!(
            jm.args.contains(&"--executionMode".to_string()),
            "1.x wants it"
        );
        assert!(jm.args.contains(&JM_CLASS.to_string()));
        assert!(tm
            .args
            .contains(&"-XX:MaxDirectMemorySize=201326592".to_string()));
        assert!(tm.args.contains(&TM_CLASS.to_string()));
        for launch in [&jm, &tm] {
            assert!(launch
                .args
                .contains(&"-Dweir.application.properties=/x/props.json".to_string()));
            assert!(launch
                .env
                .contains(&("WEIR_APPLICATION_PROPERTIES".into(), "/x/props.json".into())));
            // JVM options come before the main class, program options after it.
            let main = launch
                .args
                .iter()
                .position(|a| a.starts_with("org.apache.flink"))
                .unwrap();
            assert!(launch.args[main + 1..]
                .iter()
                .all(|a| !a.starts_with("-X") && !a.starts_with("-Dweir")));
        }
        let mut spec2 = spec.clone();
        spec2.flink_home = home(FlinkVersion::new(2, 2, 1));
        spec2.flink_home.path = spec.flink_home.path.clone();
        std::fs::write(spec2.flink_home.path.join("lib/flink-dist-2.2.1.jar"), b"").unwrap();
        std::fs::remove_file(spec.flink_home.path.join("lib/flink-dist-1.20.5.jar")).unwrap();
        let (jm2, _) = plan_for(&spec2).unwrap().launch_commands(&spec2);
        assert!(
            !jm2.args.contains(&"--executionMode".to_string()),
            "2.x dropped it"
        );
    }

    #[test]
    fn class_data_archives_are_used_per_role_or_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spec = spec_in(tmp.path(), FlinkVersion::new(2, 2, 1));
        let cds = tmp.path().join("cds");
        std::fs::create_dir_all(&cds).unwrap();
        std::fs::write(cds.join("jobmanager.jsa"), b"x").unwrap();
        let flags = |spec: &ClusterSpec| {
            let (jm, tm) = plan_for(spec).unwrap().launch_commands(spec);
            let pick = |args: Vec<String>| -> Vec<String> {
                args.into_iter().filter(|a| a.contains("Archive")).collect()
            };
            (pick(jm.args), pick(tm.args))
        };
        assert_eq!(flags(&spec), (vec![], vec![]), "off by default");
        spec.class_data_sharing = ClassDataSharing::Use(cds.clone());
        let (jm, tm) = flags(&spec);
        assert_eq!(
            jm,
            [format!(
                "-XX:SharedArchiveFile={}",
                cds.join("jobmanager.jsa").display()
            )]
        );
        assert!(tm.is_empty(), "no taskmanager.jsa, no flag: {tm:?}");
        spec.class_data_sharing = ClassDataSharing::Record(cds.clone());
        let (jm, tm) = flags(&spec);
        assert_eq!(
            jm,
            [format!(
                "-XX:ArchiveClassesAtExit={}",
                cds.join("jobmanager.jsa").display()
            )]
        );
        assert_eq!(
            tm,
            [format!(
                "-XX:ArchiveClassesAtExit={}",
                cds.join("taskmanager.jsa").display()
            )]
        );
        // A FlinkHome with archives makes specs that use them.
        let mut home = spec.flink_home.clone();
        home.class_data = Some(cds.clone());
        let spec = ClusterSpec::new("x", tmp.path().join("c"), home);
        assert_eq!(spec.class_data_sharing, ClassDataSharing::Use(cds));
    }

    #[test]
    fn cluster_record_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let record = Record {
            format: 1,
            name: "app".into(),
            flink_version: "1.20.5".into(),
            flink_home: "/opt/flink".into(),
            rest_url: "http://127.0.0.1:4242".into(),
            started_at_ms: 1_700_000_000_000,
            boot_id: process::boot_id(),
            slots_per_task_manager: 2,
            job_manager: ProcRecord {
                pid: 10,
                pgid: 10,
                start_ticks: 99,
                ports: BTreeMap::from([("rest".into(), 4242)]),
            },
            task_managers: vec![ProcRecord {
                pid: 11,
                pgid: 11,
                start_ticks: 100,
                ports: BTreeMap::from([("rpc".into(), 4243)]),
            }],
            tm_launch: Launch {
                program: "java".into(),
                args: vec!["-Xmx1".into()],
                env: vec![("A".into(), "b".into())],
                etc_flink: Some("/c/etc/flink".into()),
            },
        };
        record.write(tmp.path()).unwrap();
        assert_eq!(Record::read(tmp.path()).unwrap(), Some(record.clone()));
        let cluster = LocalCluster::from_record(tmp.path(), record).unwrap();
        assert_eq!(cluster.rest_url(), "http://127.0.0.1:4242");
        assert_eq!(cluster.job_manager_pid(), 10);
        assert_eq!(cluster.task_manager_pids(), [11]);
        assert_eq!(cluster.flink_version(), FlinkVersion::new(1, 20, 5));
        assert_eq!(Record::read(&tmp.path().join("nothing")).unwrap(), None);
    }

    /// A cluster of two stand-ins: a "Job Manager" that ends on SIGTERM and
    /// a "Task Manager" that ignores it, as one whose `FileCache` hook waits.
    fn lingering_cluster(dir: &Path) -> LocalCluster {
        let spawn = |script: &str| {
            Proc::spawn(tokio::process::Command::new("sh").args(["-c", script])).unwrap()
        };
        let job_manager = spawn("exec sleep 60");
        // Ignored signals stay ignored across exec; `ready` says it is so.
        let ready = dir.join("ready");
        let task_manager = spawn(&format!(
            "trap '' TERM; touch '{}'; exec sleep 60",
            ready.display()
        ));
        while !ready.exists() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let proc_record = |p: &Proc| ProcRecord {
            pid: p.pid,
            pgid: p.pid,
            start_ticks: p.start_ticks,
            ports: BTreeMap::new(),
        };
        let record = Record {
            format: 1,
            name: "lingering".into(),
            flink_version: "1.20.5".into(),
            flink_home: "/opt/flink".into(),
            rest_url: "http://127.0.0.1:1".into(),
            started_at_ms: 0,
            boot_id: process::boot_id(),
            slots_per_task_manager: 1,
            job_manager: proc_record(&job_manager),
            task_managers: vec![proc_record(&task_manager)],
            tm_launch: Launch {
                program: "sh".into(),
                args: vec![],
                env: vec![],
                etc_flink: None,
            },
        };
        LocalCluster {
            name: "lingering".into(),
            dir: dir.to_path_buf(),
            flink_version: FlinkVersion::new(1, 20, 5),
            rest_url: record.rest_url.clone(),
            started_at: SystemTime::now(),
            ready_after: None,
            state: Mutex::new(State {
                record,
                job_manager,
                task_managers: vec![task_manager],
            }),
        }
    }

    #[tokio::test]
    async fn a_shutdown_kills_task_managers_that_linger_after_the_job_manager() {
        let tmp = tempfile::tempdir().unwrap();
        let cluster = lingering_cluster(tmp.path());
        let procs = cluster.all_procs();
        let started = Instant::now();
        cluster.shutdown(Duration::from_secs(120)).await.unwrap();
        // Not the grace: the Task Manager's short allowance after the Job
        // Manager, then SIGKILL (the bound is loose: a slow machine passes).
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
        assert!(procs.iter().all(|p| !p.alive()));
    }

    #[tokio::test]
    async fn a_patient_shutdown_waits_for_task_managers_until_the_grace() {
        let tmp = tempfile::tempdir().unwrap();
        let cluster = lingering_cluster(tmp.path());
        let procs = cluster.all_procs();
        let started = Instant::now();
        let grace = TASK_MANAGER_LINGER * 3;
        cluster.shutdown_patiently(grace).await.unwrap();
        // The Task Manager ignored SIGTERM: killed once the grace was over.
        assert!(started.elapsed() >= grace, "{:?}", started.elapsed());
        assert!(procs.iter().all(|p| !p.alive()));
    }

    #[tokio::test]
    async fn adopting_a_dead_cluster_reports_it_gone_and_forgets_it() {
        let tmp = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let record = Record {
            format: 1,
            name: "app".into(),
            flink_version: "2.2.1".into(),
            flink_home: "/opt/flink".into(),
            rest_url: "http://127.0.0.1:1".into(),
            started_at_ms: 0,
            boot_id: process::boot_id(),
            slots_per_task_manager: 1,
            // This test process, with a start time it does not have: "not the same process".
            job_manager: ProcRecord {
                pid: me,
                pgid: me,
                start_ticks: 1,
                ports: BTreeMap::new(),
            },
            task_managers: vec![],
            tm_launch: Launch {
                program: "java".into(),
                args: vec![],
                env: vec![],
                etc_flink: None,
            },
        };
        record.write(tmp.path()).unwrap();
        match LocalCluster::adopt(tmp.path()).await {
            Err(RuntimeError::Gone { reason, .. }) => {
                assert!(reason.contains("job manager"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        assert!(!tmp.path().join(RECORD_FILE).exists());
        assert!(matches!(
            LocalCluster::adopt(tmp.path()).await,
            Err(RuntimeError::NotRecorded(_))
        ));
    }
}

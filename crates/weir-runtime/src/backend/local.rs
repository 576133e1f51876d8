//! The embedded default backend: each application gets its own Flink
//! cluster on this machine ([`crate::LocalCluster`]), its job is run and
//! watched over Flink's REST API ([`crate::FlinkRest`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::{ClusterSpec, FlinkRest, JobId, LocalCluster, ProcessRole, RuntimeError, Runtimes};
use tokio_util::sync::CancellationToken;
use weir_control::model::{Application, LogLevel, MetricsLevel, RuntimeEnvironment};
use weir_control::operation::JobState;
use weir_control::telemetry::AppMetrics;

use super::flink::{self, refused, Silence, OBSERVE_TIMEOUT};
use super::metrics::MetricsWalk;
use super::python;
use super::{
    AppLog, ClusterView, Fit, JobObservation, Load, Observation, ProcessKind, ProcessView, Restore,
    Runtime, RuntimeFailure, SavepointProgress, Submission,
};
use weir_control::spec::PythonProgram;

/// Where a job finds its application properties besides the service's own
/// place, `/etc/flink/application_properties.json` (environment variable
/// and JVM system property, both naming the same file): the way in where a
/// host allows no private `/etc/flink`.
pub const PROPERTIES_ENV: &str = "WEIR_APPLICATION_PROPERTIES";
pub const PROPERTIES_PROPERTY: &str = "weir.application.properties";

/// The directory of a cluster's that its JVMs see as `/etc/flink`.
fn etc_flink(cluster_dir: &Path) -> PathBuf {
    cluster_dir.join("etc").join("flink")
}

/// Writes the application's properties where the cluster's JVMs read them,
/// by rename, so a job never reads half a file. Clusters started by an
/// older Weir read `<dir>/application_properties.json`; it is kept up to
/// date where it exists.
fn write_properties(cluster_dir: &Path, json: &str) -> std::io::Result<()> {
    let dir = etc_flink(cluster_dir);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(crate::namespace::PROPERTIES_FILE);
    let tmp = dir.join(format!(".{}.tmp", crate::namespace::PROPERTIES_FILE));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, &file)?;
    let legacy = cluster_dir.join(crate::namespace::PROPERTIES_FILE);
    if legacy.exists() {
        std::fs::write(&legacy, json)?;
    }
    Ok(())
}

/// Sizes of the clusters this backend makes.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub clusters_dir: PathBuf,
    pub task_manager_memory_mb: u32,
    pub job_manager_memory_mb: u32,
    pub startup_timeout: Duration,
    /// Clusters kept started, per runtime in `warm_pool_runtimes`, for
    /// applications of one KPU with one slot (the service's default shape).
    pub warm_pool_size: usize,
    pub warm_pool_runtimes: Vec<RuntimeEnvironment>,
    /// Run jobs under Flink's adaptive scheduler, so that autoscaling
    /// rescales them in place instead of through a snapshot and a restart.
    pub in_place_rescale: bool,
    /// Start Python applications' interpreters from a fork server that has
    /// PyFlink imported (see [`crate::fork_server`]).
    pub python_fork_server: bool,
}

/// The file in a cluster's directory saying it runs the adaptive scheduler.
const ADAPTIVE_MARKER: &str = "adaptive-scheduler";

/// CPU seconds a process had used, and when that was read.
type CpuReading = (f64, std::time::Instant);

/// The file in a pooled cluster's directory that names the application it
/// was handed to; a pooled cluster without it is free.
const ASSIGNED_FILE: &str = "assigned-to";
/// The id of the job being submitted to an application's cluster, written
/// before Flink runs the jar (see `flink::submission_id`).
const PENDING_JOB_FILE: &str = "pending-job";

pub struct LocalRuntime {
    runtimes: Runtimes,
    config: LocalConfig,
    /// Clusters this Weir launched or adopted, by application.
    clusters: tokio::sync::Mutex<HashMap<String, Arc<LocalCluster>>>,
    /// Started clusters waiting for an application, by runtime.
    pool: tokio::sync::Mutex<HashMap<RuntimeEnvironment, Vec<Arc<LocalCluster>>>>,
    /// Wakes the pool filler after a cluster was taken.
    pool_wake: tokio::sync::Notify,
    /// Lines for applications' logs (healing, adoption, a hung Job Manager).
    app_log: Arc<dyn AppLog>,
    /// The last CPU reading of each Task Manager, by application and pid:
    /// (CPU seconds used, when read).
    cpu_readings: std::sync::Mutex<HashMap<String, HashMap<u32, CpuReading>>>,
    /// The parallelism bounds last declared for each application's job:
    /// (job id, parallelism), so that a rescale is asked of Flink once.
    declared: std::sync::Mutex<HashMap<String, (String, u32)>>,
    /// Job Managers that stopped answering their REST API.
    silence: Silence,
    /// What one metrics walk leaves for the next, per application.
    metrics: MetricsWalk,
    /// Applications told, in their log, that this host gives their JVMs no
    /// private /etc/flink (once each per Weir).
    told_no_etc_flink: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The interpreters Python applications' clusters run.
    fork_servers: crate::fork_server::ForkServers,
}

impl LocalRuntime {
    pub fn new(runtimes: Runtimes, config: LocalConfig, app_log: Arc<dyn AppLog>) -> Self {
        // Beside the clusters' directory, not in it: each entry there is an
        // application's cluster.
        let fork_dir = match config.clusters_dir.parent() {
            Some(parent) => parent.join("python"),
            None => config.clusters_dir.join(".python"),
        };
        let fork_servers =
            crate::fork_server::ForkServers::new(fork_dir, config.python_fork_server);
        Self {
            fork_servers,
            runtimes,
            config,
            clusters: tokio::sync::Mutex::new(HashMap::new()),
            pool: tokio::sync::Mutex::new(HashMap::new()),
            pool_wake: tokio::sync::Notify::new(),
            app_log,
            cpu_readings: std::sync::Mutex::new(HashMap::new()),
            declared: std::sync::Mutex::new(HashMap::new()),
            silence: Silence::default(),
            metrics: MetricsWalk::default(),
            told_no_etc_flink: Default::default(),
        }
    }

    /// Probes, once, whether the JVMs can be given a private /etc/flink,
    /// and says so in Weir's log. Called at start-up.
    pub fn announce_etc_flink() {
        let support = crate::namespace::support();
        if support.available() {
            tracing::info!("{}", support.describe());
        } else {
            tracing::warn!("{}", support.describe());
        }
    }

    /// Says in `app`'s log, once, that its JVMs get no private /etc/flink.
    fn tell_no_etc_flink(&self, app: &str) {
        let support = crate::namespace::support();
        if support.available() {
            return;
        }
        let first = self
            .told_no_etc_flink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(app.to_string());
        if first {
            self.log(app, LogLevel::Warn, support.describe());
        }
    }

    fn log(&self, app: &str, level: LogLevel, line: String) {
        self.app_log.log(app, level, line);
    }

    /// Notes that the application's Job Manager did not answer; reports it
    /// once it has been silent for [`flink::HUNG_AFTER`] (it may be stopped,
    /// swapping or in a long GC pause; a force stop still ends it, without
    /// asking it anything).
    fn unanswered(&self, app: &str, pid: u32, asked: std::time::Instant, error: &str) {
        if let Some(silent) = self.silence.unanswered(app, asked) {
            self.log(
                app,
                LogLevel::Warn,
                format!(
                    "The Flink Job Manager of application {app} (pid {pid}) has not answered for {} s: it runs but seems hung ({error}). The application's status stays as it is; a force stop ends it.",
                    silent.as_secs()
                ),
            );
        }
    }

    /// Notes that the application's Job Manager answered again.
    fn answered(&self, app: &str, pid: u32) {
        if let Some(silent) = self.silence.answered(app) {
            self.log(
                app,
                LogLevel::Info,
                format!(
                    "The Flink Job Manager of application {app} (pid {pid}) answers again, after {} s",
                    silent.as_secs()
                ),
            );
        }
    }

    pub fn runtimes(&self) -> &Runtimes {
        &self.runtimes
    }

    fn dir(&self, app: &str) -> PathBuf {
        self.config.clusters_dir.join(app)
    }

    /// The application's cluster: the one in hand, else one recorded on disk
    /// by an earlier Weir (adopted if it is still whole).
    async fn cluster(&self, app: &str) -> Option<Arc<LocalCluster>> {
        let mut clusters = self.clusters.lock().await;
        if let Some(c) = clusters.get(app) {
            return Some(c.clone());
        }
        match LocalCluster::adopt(&self.dir(app)).await {
            Ok(c) => {
                let c = Arc::new(c);
                self.log(
                    app,
                    LogLevel::Info,
                    format!(
                        "Adopted the running Flink cluster of application {app} ({})",
                        c.rest_url()
                    ),
                );
                clusters.insert(app.to_string(), c.clone());
                Some(c)
            }
            Err(RuntimeError::NotRecorded(_)) => None,
            Err(e) => {
                self.log(
                    app,
                    LogLevel::Warn,
                    format!("The Flink cluster of application {app} could not be adopted: {e}"),
                );
                None
            }
        }
    }

    async fn forget(&self, app: &str) -> Option<Arc<LocalCluster>> {
        let held = self.clusters.lock().await.remove(app);
        match held {
            Some(c) => Some(c),
            None => LocalCluster::adopt(&self.dir(app)).await.ok().map(Arc::new),
        }
    }

    /// Task Managers die (OOM, a kill); a managed service replaces them.
    async fn heal(&self, app: &str, cluster: &LocalCluster) {
        for p in cluster.processes() {
            if let crate::ProcessRole::TaskManager(i) = p.role {
                if !p.alive {
                    let how = p.exit.unwrap_or_else(|| "exited".into());
                    self.log(app, LogLevel::Warn, format!("Task Manager {i} of application {app} is gone ({how}); starting a replacement"));
                    if let Err(e) = cluster.restart_task_manager(i).await {
                        self.log(
                            app,
                            LogLevel::Error,
                            format!("Replacing Task Manager {i} failed: {e}"),
                        );
                    }
                }
            }
        }
    }

    async fn observe_job(
        &self,
        rest: &FlinkRest,
        recorded: &JobState,
    ) -> Result<Option<JobObservation>, crate::RestError> {
        let id = match &recorded.job_id {
            Some(id) => JobId(id.clone()),
            None => {
                // Submitted but not yet recorded (Weir died in between): the
                // cluster is the application's own, so its newest job is ours.
                let jobs = rest.jobs_overview().await?;
                match jobs.into_iter().max_by_key(|j| j.start_time) {
                    Some(j) => j.id,
                    None => return Ok(None),
                }
            }
        };
        flink::observe_job(rest, id, recorded).await
    }

    /// Where an application's checkpoints go: beside its cluster, not in
    /// it, so that they outlive a cluster that dies with its Job Manager.
    fn checkpoints_dir(&self, app: &str) -> PathBuf {
        self.config
            .clusters_dir
            .parent()
            .unwrap_or(&self.config.clusters_dir)
            .join("checkpoints")
            .join(app)
    }

    /// Checkpoints only serve a RUNNING job whose cluster dies; a cluster
    /// ended on purpose leaves none worth keeping (the next start restores
    /// from a snapshot).
    fn forget_checkpoints(&self, app: &str) {
        let _ = std::fs::remove_dir_all(self.checkpoints_dir(app));
    }

    fn flink_config(
        app: &Application,
        cluster_dir: &std::path::Path,
        checkpoints_dir: &std::path::Path,
    ) -> Vec<(String, String)> {
        flink::job_config(app, checkpoints_dir, &cluster_dir.join("savepoints"))
    }

    /// (Task Managers, slots each) of the cluster `app` needs.
    fn shape(app: &Application) -> (u32, u32) {
        let p = app.config.flink.parallelism;
        let per_kpu = p.effective().parallelism_per_kpu.max(1);
        (p.current_parallelism.div_ceil(per_kpu).max(1), per_kpu)
    }

    /// Flink's adaptive scheduler, for an application that autoscales (and
    /// only then: it changes how jobs restart after a failure and how
    /// bounded jobs are scheduled). It rescales a running job from its
    /// latest checkpoint when its parallelism bounds change and slots come
    /// or go; without a cool-down, since Weir decides when to rescale.
    fn adaptive_scheduler(&self, app: &Application) -> Option<Vec<(String, String)>> {
        let wanted = self.config.in_place_rescale
            && app
                .config
                .flink
                .parallelism
                .effective()
                .auto_scaling_enabled;
        wanted.then(|| {
            [
                ("jobmanager.scheduler", "adaptive"),
                // 1.18-1.20.
                ("jobmanager.adaptive-scheduler.scaling-interval.min", "0 s"),
                // 2.x.
                (
                    "jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling",
                    "0 s",
                ),
                (
                    "jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout",
                    "0 s",
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        })
    }

    /// How `cluster` compares with what `app`'s current version needs: the
    /// same Flink minor release and slots per Task Manager make it
    /// reusable, with Task Managers added or removed.
    fn fit(app: &Application, cluster: &LocalCluster) -> Fit {
        let (tms, slots) = Self::shape(app);
        let same_series = crate::FlinkVersion::for_runtime(app.runtime)
            .is_ok_and(|v| v.same_series(cluster.flink_version()));
        if !same_series || cluster.slots_per_task_manager() != slots {
            return Fit::Replace;
        }
        match (cluster.task_manager_pids().len() as u32).cmp(&tms) {
            std::cmp::Ordering::Equal => Fit::Fits,
            std::cmp::Ordering::Less => Fit::Grow,
            std::cmp::Ordering::Greater => Fit::Shrink,
        }
    }

    /// Whether `cluster` can run `app`'s current parallelism by adding or
    /// removing Task Managers: the same Flink minor release (1.18 or later,
    /// for the resource-requirements endpoint) and slots per Task Manager.
    fn rescalable(app: &Application, cluster: &LocalCluster) -> bool {
        let (_, slots) = Self::shape(app);
        let v = cluster.flink_version();
        let same_series =
            crate::FlinkVersion::for_runtime(app.runtime).is_ok_and(|r| r.same_series(v));
        same_series
            && (v.major, v.minor) >= (1, 18)
            && cluster.slots_per_task_manager() == slots
            && cluster.dir().join(ADAPTIVE_MARKER).exists()
    }
}

impl LocalRuntime {
    fn pool_dir(&self) -> PathBuf {
        self.config.clusters_dir.join(".pool")
    }

    /// A cluster spec with this backend's sizes and the properties file wired in.
    fn spec(&self, name: &str, dir: &std::path::Path, home: crate::FlinkHome) -> ClusterSpec {
        let mut spec = ClusterSpec::new(name, dir, home);
        // Flink's REST API serves job details from a cache refreshed every
        // 3 s by default; the supervisor would see RUNNING or CANCELED up to
        // 3 s late. A bare number: a Long in 1.x, milliseconds in 2.x.
        spec.flink_config = vec![("web.refresh-interval".to_string(), "100".to_string())];
        spec.tm_memory_mb = self.config.task_manager_memory_mb;
        spec.jm_memory_mb = self.config.job_manager_memory_mb;
        spec.startup_timeout = self.config.startup_timeout;
        let etc = etc_flink(dir);
        let props = etc
            .join(crate::namespace::PROPERTIES_FILE)
            .display()
            .to_string();
        spec.env = vec![(PROPERTIES_ENV.to_string(), props.clone())];
        spec.jvm_properties = vec![(PROPERTIES_PROPERTY.to_string(), props)];
        spec.etc_flink = Some(etc);
        spec
    }

    /// After a cluster from the pool has stopped, its directory (logs,
    /// checkpoints) becomes the application's ordinary cluster directory,
    /// replacing the link that pointed at it.
    fn retire_dir(&self, app: &str) {
        let link = self.dir(app);
        let Ok(target) = std::fs::read_link(&link) else {
            return;
        };
        let _ = std::fs::remove_file(&link);
        if let Err(e) = std::fs::rename(&target, &link) {
            tracing::warn!(app, error = %e, "keeping the pooled cluster's directory");
        }
        let _ = std::fs::remove_file(link.join(ASSIGNED_FILE));
    }

    /// Hands a started cluster of the right runtime to `app`, if the pool has one.
    async fn take_from_pool(&self, app: &Application) -> Result<Option<String>, RuntimeFailure> {
        let cluster = {
            let mut pool = self.pool.lock().await;
            match pool.get_mut(&app.runtime).and_then(Vec::pop) {
                Some(c) => c,
                None => return Ok(None),
            }
        };
        self.pool_wake.notify_one();
        if !cluster.is_alive() {
            let _ = cluster.kill().await;
            return Ok(None);
        }
        let dir = cluster.dir().to_path_buf();
        let io = |what: &str, source| RuntimeFailure::io(what)(source);
        write_properties(&dir, &flink::properties_json(app))
            .map_err(|e| io("writing the application properties", e))?;
        self.tell_no_etc_flink(&app.name);
        std::fs::write(dir.join(ASSIGNED_FILE), &app.name)
            .map_err(|e| io("assigning the pooled cluster", e))?;
        let link = self.dir(&app.name);
        let _ = std::fs::remove_file(&link);
        let _ = std::fs::remove_dir_all(&link);
        std::os::unix::fs::symlink(&dir, &link).map_err(|e| io("linking the pooled cluster", e))?;
        let line = format!(
            "Took a warm Flink {} cluster from the pool for application {}: 1 Job Manager and 1 Task Manager with 1 slot, REST at {}",
            cluster.flink_version(),
            app.name,
            cluster.rest_url()
        );
        self.clusters.lock().await.insert(app.name.clone(), cluster);
        Ok(Some(line))
    }

    /// Keeps the warm pool full until `stop` fires, then kills the free
    /// clusters (they belong to no application). Free clusters left by an
    /// earlier Weir are adopted first; assigned ones belong to their
    /// applications and are left to them.
    pub async fn run_pool(self: Arc<Self>, stop: CancellationToken) {
        if self.config.warm_pool_size == 0 {
            return;
        }
        self.adopt_pool().await;
        loop {
            for runtime in self.config.warm_pool_runtimes.clone() {
                loop {
                    let have = self.pool.lock().await.get(&runtime).map_or(0, Vec::len);
                    if have >= self.config.warm_pool_size || stop.is_cancelled() {
                        break;
                    }
                    let launched = tokio::select! {
                        r = self.launch_pooled(runtime) => r,
                        _ = stop.cancelled() => break,
                    };
                    match launched {
                        Ok(c) => self
                            .pool
                            .lock()
                            .await
                            .entry(runtime)
                            .or_default()
                            .push(Arc::new(c)),
                        Err(e) => {
                            tracing::warn!(runtime = runtime.as_str(), error = %e, "could not fill the warm pool");
                            break;
                        }
                    }
                }
            }
            if stop.is_cancelled() {
                break;
            }
            tokio::select! {
                // A taken cluster is replaced after a pause, so that the
                // refill does not compete with the start that took it.
                _ = self.pool_wake.notified() => {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                        _ = stop.cancelled() => {}
                    }
                }
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop.cancelled() => {}
            }
            if stop.is_cancelled() {
                break;
            }
        }
        let free: Vec<_> = self
            .pool
            .lock()
            .await
            .drain()
            .flat_map(|(_, v)| v)
            .collect();
        for c in free {
            let _ = c.kill().await;
            let _ = std::fs::remove_dir_all(c.dir());
        }
    }

    async fn launch_pooled(
        &self,
        runtime: RuntimeEnvironment,
    ) -> Result<LocalCluster, RuntimeError> {
        let home = self.runtimes.ensure(runtime).await?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        let name = format!("pool-{}-{stamp}", home.version);
        let dir = self.pool_dir().join(&name);
        std::fs::create_dir_all(&dir)
            .map_err(RuntimeError::io(format!("creating {}", dir.display())))?;
        write_properties(&dir, "[]").map_err(RuntimeError::io(format!(
            "writing the properties in {}",
            dir.display()
        )))?;
        let spec = self.spec(&name, &dir, home);
        LocalCluster::launch(spec).await
    }

    /// Takes back the free clusters an earlier Weir left in the pool, and
    /// kills assigned ones whose application no longer links to them.
    async fn adopt_pool(&self) {
        let Ok(entries) = std::fs::read_dir(self.pool_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let dir = entry.path();
            if let Ok(app) = std::fs::read_to_string(dir.join(ASSIGNED_FILE)) {
                let linked = std::fs::read_link(self.dir(app.trim())).is_ok_and(|t| t == dir);
                if !linked {
                    let _ = LocalCluster::kill_recorded(&dir).await;
                }
                continue;
            }
            let runtime_of = |c: &LocalCluster| {
                crate::FlinkVersion::supported()
                    .find(|(_, v)| *v == c.flink_version())
                    .map(|(r, _)| r)
            };
            match LocalCluster::adopt(&dir).await {
                Ok(c) => match runtime_of(&c) {
                    Some(r) if self.config.warm_pool_runtimes.contains(&r) => {
                        self.pool
                            .lock()
                            .await
                            .entry(r)
                            .or_default()
                            .push(Arc::new(c));
                    }
                    _ => {
                        let _ = c.kill().await;
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                },
                Err(_) => {
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
        }
    }
}

impl Runtime for LocalRuntime {
    async fn observe(&self, app: &Application, job: &JobState) -> Observation {
        let Some(cluster) = self.cluster(&app.name).await else {
            return Observation::default();
        };
        let jm_alive = cluster
            .processes()
            .iter()
            .any(|p| p.role == crate::ProcessRole::JobManager && p.alive);
        if !jm_alive {
            return Observation::default();
        }
        self.heal(&app.name, &cluster).await;
        // A healthy Job Manager answers in milliseconds; a short timeout
        // keeps a hung one from holding up the supervisor's next step (a
        // force stop) for long.
        let rest = cluster
            .rest()
            .with_timeouts(OBSERVE_TIMEOUT, FlinkRest::DEFAULT_LONG_TIMEOUT);
        let fit = Self::fit(app, &cluster);
        let in_place = self.config.in_place_rescale && Self::rescalable(app, &cluster);
        let cluster_started_ms = cluster
            .started_at()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let asked = std::time::Instant::now();
        match self.observe_job(&rest, job).await {
            Ok(job) => {
                self.answered(&app.name, cluster.job_manager_pid());
                Observation {
                    cluster_up: true,
                    fit,
                    cluster_started_ms,
                    in_place,
                    job,
                }
            }
            Err(e) => {
                // The Job Manager runs but does not answer (busy, starting):
                // report the job as last recorded rather than as absent, so
                // nothing is submitted twice.
                tracing::debug!(app = %app.name, error = %e, "Flink REST did not answer");
                self.unanswered(&app.name, cluster.job_manager_pid(), asked, &e.to_string());
                Observation {
                    cluster_up: true,
                    fit,
                    cluster_started_ms,
                    in_place,
                    job: flink::as_recorded(job),
                }
            }
        }
    }

    async fn launch(&self, app: &Application) -> Result<String, RuntimeFailure> {
        if let Some(old) = self.forget(&app.name).await {
            let _ = old.kill().await;
        }
        self.retire_dir(&app.name);
        if PythonProgram::of(app).is_some() {
            // Before a cluster is started: the first Python application of a
            // runtime installs its PyFlink (a minute), and a machine without
            // a Python that PyFlink takes fails here, with that reason.
            let installed = self
                .runtimes
                .python_status(app.runtime)
                .is_some_and(|s| s.state != crate::RuntimeState::NotInstalled);
            if !installed {
                self.log(
                    &app.name,
                    LogLevel::Info,
                    format!(
                        "Installing PyFlink for {} from PyPI (the first Python application of this runtime; about a minute)",
                        app.runtime.as_str()
                    ),
                );
            }
            let env = self
                .runtimes
                .ensure_python(app.runtime)
                .await
                .map_err(RuntimeFailure::from)?;
            if !installed {
                self.log(
                    &app.name,
                    LogLevel::Info,
                    format!(
                        "PyFlink for {} is installed in {} (Python {})",
                        app.runtime.as_str(),
                        env.path.display(),
                        env.python_version
                    ),
                );
            }
            // Now, so that its imports overlap the JVMs' start.
            self.fork_servers.interpreter(&env.python, &env_name(&env));
        }
        let (task_managers, per_kpu) = Self::shape(app);
        if task_managers == 1 && per_kpu == 1 {
            if let Some(line) = self.take_from_pool(app).await? {
                return Ok(line);
            }
        }
        let home = self
            .runtimes
            .ensure(app.runtime)
            .await
            .map_err(RuntimeFailure::from)?;
        let dir = self.dir(&app.name);
        std::fs::create_dir_all(&dir)
            .map_err(RuntimeFailure::io(format!("creating {}", dir.display())))?;
        write_properties(&dir, &flink::properties_json(app)).map_err(RuntimeFailure::io(
            format!("writing the properties in {}", dir.display()),
        ))?;
        self.tell_no_etc_flink(&app.name);
        let mut spec = self.spec(&app.name, &dir, home);
        spec.task_managers = task_managers;
        spec.slots_per_task_manager = per_kpu;
        spec.flink_config.extend(Self::flink_config(
            app,
            &dir,
            &self.checkpoints_dir(&app.name),
        ));
        // The marker says, to this Weir and the next, that jobs on this
        // cluster can be rescaled in place.
        let marker = dir.join(ADAPTIVE_MARKER);
        match self.adaptive_scheduler(app) {
            Some(cfg) => {
                spec.flink_config.extend(cfg);
                std::fs::write(&marker, b"")
                    .map_err(RuntimeFailure::io(format!("writing {}", marker.display())))?;
            }
            None => {
                let _ = std::fs::remove_file(&marker);
            }
        }
        let version = spec.flink_home.version;
        let cluster = LocalCluster::launch(spec)
            .await
            .map_err(RuntimeFailure::from)?;
        let line = format!(
            "Provisioned a Flink {version} cluster for application {}: 1 Job Manager and {task_managers} Task Manager(s) with {per_kpu} slot(s) each, REST at {}",
            app.name,
            cluster.rest_url()
        );
        self.clusters
            .lock()
            .await
            .insert(app.name.clone(), Arc::new(cluster));
        Ok(line)
    }

    async fn submit(
        &self,
        app: &Application,
        code: &Path,
        restore: Option<&Restore>,
    ) -> Result<Submission, RuntimeFailure> {
        let cluster = self
            .cluster(&app.name)
            .await
            .ok_or_else(|| refused("the application's Flink cluster is gone"))?;
        // The job's main() reads them on the Job Manager when it is run; a
        // cluster reused by an update gets the new version's here.
        write_properties(cluster.dir(), &flink::properties_json(app)).map_err(
            RuntimeFailure::io(format!(
                "writing the properties in {}",
                cluster.dir().display()
            )),
        )?;
        // Flink's upload wants a file name ending in .jar.
        let jar = cluster.dir().join(format!("{}.jar", app.name));
        let program = PythonProgram::of(app);
        let python = match &program {
            None => {
                flink::copy_code(code, &jar)?;
                None
            }
            Some(program) => {
                let env = self
                    .runtimes
                    .ensure_python(app.runtime)
                    .await
                    .map_err(RuntimeFailure::from)?;
                let unpacked = python::unpack_dir(cluster.dir());
                let (code, program2, jar2) = (code.to_path_buf(), program.clone(), jar.clone());
                let dir = unpacked.clone();
                tokio::task::spawn_blocking(move || {
                    python::unpack(&code, &dir, &program2)?;
                    python::write_jar(&dir, &program2, &jar2)
                })
                .await
                .expect("unpacking task panicked")?;
                let interpreter = self.fork_servers.interpreter(&env.python, &env_name(&env));
                Some(python::run(&unpacked, program, Some(&interpreter)))
            }
        };
        let rest = cluster.rest();
        // The cluster is the application's own and a job is submitted only
        // when none of it runs: a job still running here was submitted by a
        // Weir that died before recording it. It would hold the slots the
        // new one needs; it goes.
        if let Ok(jobs) = rest.jobs_overview().await {
            for orphan in jobs.iter().filter(|j| !j.state.is_globally_terminal()) {
                self.log(
                    &app.name,
                    LogLevel::Warn,
                    format!(
                        "Cancelling job {} ({}), submitted by a Weir that stopped before recording it",
                        orphan.name, orphan.id.0
                    ),
                );
                let _ = rest.cancel(&orphan.id).await;
            }
        }
        let jar_id = rest
            .upload_jar(&jar)
            .await
            .map_err(|source| RuntimeFailure::Flink {
                doing: Some("uploading the code to Flink failed".into()),
                source,
            })?;
        let parallelism = app.config.flink.parallelism.current_parallelism;
        // The configuration also at job level: a cluster from the warm pool
        // was configured before the application was known.
        let config =
            Self::flink_config(app, &self.dir(&app.name), &self.checkpoints_dir(&app.name));
        // The id is chosen and kept before the run (see submission_id): a
        // Weir killed while main() runs must not leave a second job behind.
        let pending = cluster.dir().join(PENDING_JOB_FILE);
        let recorded = std::fs::read_to_string(&pending).ok();
        let job_id = flink::submission_id(&rest, recorded.as_deref().map(str::trim)).await;
        std::fs::write(&pending, &job_id)
            .map_err(RuntimeFailure::io(format!("writing {}", pending.display())))?;
        let mut run = flink::run_jar(app, restore, config, Some(job_id.clone()), &[]);
        if let Some(python) = python {
            run.entry_class = Some(python::PYTHON_DRIVER.to_string());
            run.program_args = python.program_args;
            run.flink_config.extend(python.config);
        }
        let asked_ms = super::now_millis();
        let id = match flink::run_as(&rest, &jar_id, &run, &job_id).await {
            Ok(id) => id,
            Err(e) if program.is_some() => {
                return Err(python_failure(&cluster, asked_ms, e).await);
            }
            Err(e) => return Err(RuntimeFailure::flink(e)),
        };
        let name = rest.job(&id).await.map(|d| d.name).unwrap_or_default();
        Ok(Submission {
            job_id: id.0,
            job_name: name,
            parallelism,
        })
    }

    async fn stop_job(&self, app: &str, job_id: &str) -> Result<(), RuntimeFailure> {
        let cluster = self
            .cluster(app)
            .await
            .ok_or_else(|| refused("the application's Flink cluster is gone"))?;
        cluster
            .rest()
            .cancel(&JobId(job_id.to_string()))
            .await
            .map_err(RuntimeFailure::flink)
    }

    async fn savepoint(
        &self,
        app: &str,
        job_id: &str,
        target_dir: &std::path::Path,
        stop: bool,
    ) -> Result<String, RuntimeFailure> {
        let cluster = self
            .cluster(app)
            .await
            .ok_or_else(|| refused("the application's Flink cluster is gone"))?;
        flink::savepoint(&cluster.rest(), job_id, target_dir, stop).await
    }

    async fn savepoint_status(
        &self,
        app: &str,
        job_id: &str,
        trigger: &str,
    ) -> Result<SavepointProgress, RuntimeFailure> {
        let Some(cluster) = self.cluster(app).await else {
            return Ok(SavepointProgress::Failed {
                cause: "the application's Flink cluster is gone".into(),
            });
        };
        flink::savepoint_status(&cluster.rest(), job_id, trigger).await
    }

    async fn latest_checkpoint(&self, app: &str, job_id: &str) -> Option<String> {
        flink::newest_checkpoint(&self.checkpoints_dir(app), job_id)
    }

    async fn last_savepoint(&self, app: &str, job_id: &str) -> Option<String> {
        let cluster = self.cluster(app).await?;
        flink::last_savepoint(&cluster.rest(), job_id).await
    }

    async fn rescale(
        &self,
        app: &Application,
        job_id: &str,
        parallelism: u32,
    ) -> Result<(), RuntimeFailure> {
        let cluster = self
            .cluster(&app.name)
            .await
            .ok_or_else(|| refused("the application's Flink cluster is gone"))?;
        let (needed, _) = Self::shape(app);
        let mut have = cluster.task_manager_pids().len() as u32;
        while have < needed {
            cluster
                .add_task_manager()
                .await
                .map_err(RuntimeFailure::from)?;
            have += 1;
        }
        let wanted = (job_id.to_string(), parallelism);
        let declared = |d: &Self| {
            d.declared
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&app.name)
                .cloned()
        };
        if declared(self).as_ref() == Some(&wanted) {
            return Ok(());
        }
        let rest = cluster.rest();
        let id = JobId(job_id.to_string());
        let details = rest.job(&id).await.map_err(RuntimeFailure::flink)?;
        let vertices: Vec<String> = details.vertices.iter().map(|v| v.id.clone()).collect();
        rest.set_parallelism_bounds(&id, &vertices, 1, parallelism)
            .await
            .map_err(|source| RuntimeFailure::Flink {
                doing: Some("Flink refused the new parallelism".into()),
                source,
            })?;
        self.log(
            &app.name,
            LogLevel::Info,
            format!(
                "Rescaling job {job_id} of application {} in place to parallelism {parallelism}",
                app.name
            ),
        );
        self.declared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(app.name.clone(), wanted);
        Ok(())
    }

    async fn reshape(&self, app: &Application) -> Result<(), RuntimeFailure> {
        let cluster = self
            .cluster(&app.name)
            .await
            .ok_or_else(|| refused("the application's Flink cluster is gone"))?;
        let (needed, _) = Self::shape(app);
        let have = cluster.task_manager_pids().len() as u32;
        for _ in have..needed {
            cluster
                .add_task_manager()
                .await
                .map_err(RuntimeFailure::from)?;
        }
        if needed > have {
            // Growing happens while the old job still runs: wait until the
            // new Task Managers have registered, so that the job stopped next
            // finds its slots at once (their start-up is then no downtime).
            let rest = cluster.rest();
            let deadline = std::time::Instant::now() + self.config.startup_timeout;
            loop {
                let registered = rest
                    .taskmanagers()
                    .await
                    .map(|t| t.len() as u32)
                    .unwrap_or(0);
                if registered >= needed {
                    break;
                }
                if std::time::Instant::now() > deadline {
                    return Err(refused(format!(
                        "{registered} of {needed} Task Managers registered within {} s",
                        self.config.startup_timeout.as_secs()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        if have != needed {
            self.log(
                &app.name,
                LogLevel::Info,
                format!(
                    "Resized the Flink cluster of application {} from {have} to {needed} Task Manager(s)",
                    app.name
                ),
            );
        }
        self.trim(app).await;
        Ok(())
    }

    async fn trim(&self, app: &Application) {
        let Some(cluster) = self.cluster(&app.name).await else {
            return;
        };
        let (needed, _) = Self::shape(app);
        while cluster.task_manager_pids().len() as u32 > needed {
            if let Err(e) = cluster.remove_last_task_manager().await {
                tracing::warn!(app = %app.name, error = %e, "removing a task manager");
                return;
            }
        }
    }

    async fn load(&self, app: &str, job_id: &str) -> Option<Load> {
        let cluster = self.cluster(app).await?;
        let now = std::time::Instant::now();
        let mut load = Load::default();
        {
            let mut readings = self.cpu_readings.lock().unwrap_or_else(|p| p.into_inner());
            let last = readings.entry(app.to_string()).or_default();
            let pids = cluster.task_manager_pids();
            last.retain(|pid, _| pids.contains(pid));
            for pid in pids {
                let Some(used) = crate::cpu_seconds(pid) else {
                    continue;
                };
                if let Some((before, at)) = last.insert(pid, (used, now)) {
                    let wall = now.duration_since(at).as_secs_f64();
                    if wall >= 0.5 {
                        load.task_manager_cpu
                            .push(((used - before) / wall).max(0.0));
                    }
                }
            }
        }
        flink::job_load(&cluster.rest(), job_id, &mut load).await?;
        Some(load)
    }

    async fn view(&self, app: &str) -> Option<ClusterView> {
        // Only clusters in hand: adopting is the supervisor's decision.
        let cluster = self.clusters.lock().await.get(app).cloned()?;
        let started_ms = cluster
            .started_at()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let processes = cluster
            .processes()
            .into_iter()
            .map(|p| ProcessView {
                role: match p.role {
                    ProcessRole::JobManager => ProcessKind::JobManager,
                    ProcessRole::TaskManager(i) => ProcessKind::TaskManager {
                        id: cluster.task_manager_id(i),
                    },
                },
                pid: Some(p.pid),
                alive: p.alive,
                log_file: Some(p.log_file),
            })
            .collect();
        Some(ClusterView {
            rest_url: cluster.rest_url().to_string(),
            started_ms,
            processes,
        })
    }

    async fn metrics(
        &self,
        app: &str,
        view: &ClusterView,
        job_id: Option<&str>,
        level: MetricsLevel,
    ) -> Result<AppMetrics, RuntimeFailure> {
        self.metrics.collect(app, view, job_id, level).await
    }

    async fn maintenance_due(&self, app: &Application) -> Option<String> {
        let cluster = self.cluster(&app.name).await?;
        let running = cluster.flink_version();
        let home = self.runtimes.ensure(app.runtime).await.ok()?;
        let newest = home.version;
        (newest.same_series(running) && newest > running)
            .then(|| format!("moving from Flink {running} to the newer patch release {newest}"))
    }

    async fn release(&self, app: &str, grace: Duration) {
        self.metrics.forget(app);
        if let Some(c) = self.forget(app).await {
            if let Err(e) = c.shutdown(grace).await {
                tracing::warn!(app, error = %e, "releasing the cluster");
            }
        }
        self.retire_dir(app);
        self.forget_checkpoints(app);
    }

    async fn erase(&self, app: &str) {
        let dir = self.dir(app);
        if self.clusters.lock().await.contains_key(app) || dir.join("cluster.json").exists() {
            return;
        }
        self.retire_dir(app);
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(app, error = %e, "removing the deleted application's cluster directory");
            }
        }
        self.forget_checkpoints(app);
    }

    async fn kill(&self, app: &str) {
        // No REST call on this path: a force stop must not wait for a hung
        // Job Manager to answer.
        self.metrics.forget(app);
        let held = self.clusters.lock().await.remove(app);
        let killed = match held {
            Some(c) => c.kill().await.map(|_| true),
            None => LocalCluster::kill_recorded(&self.dir(app)).await,
        };
        if let Err(e) = killed {
            tracing::warn!(app, error = %e, "killing the cluster");
        }
        self.retire_dir(app);
        self.forget_checkpoints(app);
    }
}

/// Why a Python application's submission failed: the Python exception its
/// `main()` raised, as the Job Manager's log file has it since `asked_ms`
/// (see [`python::main_failure`]), else Flink's own answer.
async fn python_failure(
    cluster: &LocalCluster,
    asked_ms: i64,
    e: crate::RestError,
) -> RuntimeFailure {
    let log = cluster
        .processes()
        .into_iter()
        .find(|p| p.role == ProcessRole::JobManager)
        .map(|p| p.log_file);
    let text = match log {
        Some(path) => tokio::fs::read(&path).await.ok(),
        None => None,
    };
    text.and_then(|t| python::main_failure(&String::from_utf8_lossy(&t), asked_ms))
        .unwrap_or_else(|| RuntimeFailure::flink(e))
}

/// The name of a Python environment's fork-server directory: its own
/// directory's name (`1.20.5-python3.11`) and a hash of its path, as an
/// operator may register two environments both called `venv`. Stable, since
/// adopted clusters name the wrapper in it.
fn env_name(env: &crate::python_env::PythonEnv) -> String {
    let path = env.path.to_string_lossy();
    let hash = crate::service_library::sources_hash(&[("python-env", &path)]);
    let name = env
        .path
        .file_name()
        .map_or("python".into(), |n| n.to_string_lossy().into_owned());
    format!("{name}-{}", &hash[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::PROPERTIES_FILE;

    /// What the JVMs see at /etc/flink is `<cluster>/etc/flink/`: the file
    /// there is replaced whole (by rename: the directory, not the file, is
    /// what a JVM has bound), no temporary file is left beside it, and a
    /// cluster of an older Weir, which reads `<cluster>/application_properties.json`,
    /// gets the same text.
    #[test]
    fn properties_are_replaced_whole_where_the_jvms_read_them() {
        let tmp = tempfile::tempdir().unwrap();
        let seen = etc_flink(tmp.path()).join(PROPERTIES_FILE);
        write_properties(tmp.path(), "[1]").unwrap();
        assert_eq!(std::fs::read_to_string(&seen).unwrap(), "[1]");
        assert!(!tmp.path().join(PROPERTIES_FILE).exists());

        let legacy = tmp.path().join(PROPERTIES_FILE);
        std::fs::write(&legacy, "old").unwrap();
        let before = std::fs::metadata(&seen).unwrap();
        write_properties(tmp.path(), "[2]").unwrap();
        assert_eq!(std::fs::read_to_string(&seen).unwrap(), "[2]");
        assert_eq!(std::fs::read_to_string(&legacy).unwrap(), "[2]");
        use std::os::unix::fs::MetadataExt;
        assert_ne!(
            std::fs::metadata(&seen).unwrap().ino(),
            before.ino(),
            "replaced by rename, never rewritten in place"
        );
        let left: Vec<_> = std::fs::read_dir(etc_flink(tmp.path()))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from(PROPERTIES_FILE)]);
    }
}

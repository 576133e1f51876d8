//! The remote backend: applications' jobs run on existing Flink clusters an
//! operator registered (`weir clusters add`), which Weir does not start,
//! size or stop. Everything goes through the Job Manager's REST API (the
//! job, its metrics, the cluster's logs); state (snapshots, checkpoints, the
//! properties file) goes to the cluster's shared directory, which Weir and
//! the cluster both reach at the same path.
//!
//! What this backend owns on disk is one record per placed application,
//! `<data-dir>/remote/<app>.json`: the cluster and the id of the job Weir
//! submitted there. The job id is chosen by Weir and written *before* the
//! job is submitted (Flink's `jobId` run parameter), so a Weir that dies in
//! between still knows which job on a shared cluster is its own — the remote
//! counterpart of the local backend's `cluster.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{FlinkRest, JobId};
use serde::{Deserialize, Serialize};
use weir_control::model::{Application, LogLevel, MetricsLevel};
use weir_control::operation::JobState;
use weir_control::placement::ClusterRecord;
use weir_control::telemetry::AppMetrics;

use super::flink::{self, refused, Silence, OBSERVE_TIMEOUT};
use super::jar;
use super::metrics::MetricsWalk;
use super::python;
use super::{
    AppLog, ClusterView, Fit, Load, Observation, ProcessKind, ProcessView, Restore, RuntimeFailure,
    SavepointProgress, ServedLog, Submission,
};
use weir_control::spec::PythonProgram;

/// How long a force stop or release waits for a cancelled job to end.
const CANCEL_WAIT: Duration = Duration::from_secs(30);
/// How long reading one of a cluster's logs over REST may take.
const LOG_TIMEOUT: Duration = Duration::from_secs(10);

/// What Weir placed on a remote cluster for one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePlacement {
    pub cluster: String,
    pub rest_url: String,
    /// The application's directory in the cluster's shared storage.
    pub app_dir: PathBuf,
    pub placed_ms: i64,
    /// The job Weir submitted, or is about to submit (recorded first).
    pub job_id: Option<String>,
    /// When that job id was recorded (ms since the epoch).
    #[serde(default)]
    pub submitted_ms: i64,
}

/// A job that Flink does not know may still be on its way: a submission
/// abandoned mid-way (a force stop) can still create it this long after.
const SUBMISSION_WINDOW_MS: i64 = 300_000;

/// How a cancellation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cancelled {
    /// The job has ended.
    Ended,
    /// Flink does not know the job.
    Unknown,
}

/// What a registered cluster said when it was probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub flink_version: String,
    pub total_slots: u32,
    pub available_slots: u32,
    pub task_managers: u32,
}

/// What the last look at a registered cluster found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// `Err`: why it did not answer.
    pub probe: Result<Probe, String>,
    pub checked_ms: i64,
    /// Since when it has been answering (or not).
    pub since_ms: i64,
}

/// Asks the Flink cluster at `rest_url` what it runs and how many slots it has.
pub async fn probe(rest_url: &str) -> Result<Probe, String> {
    let rest = FlinkRest::new(rest_url).with_timeouts(OBSERVE_TIMEOUT, OBSERVE_TIMEOUT);
    let o = rest.overview().await.map_err(|e| {
        format!(
            "the Flink REST API at {rest_url} did not answer: {}",
            e.summary()
        )
    })?;
    Ok(Probe {
        flink_version: o.flink_version,
        total_slots: o.slots_total,
        available_slots: o.slots_available,
        task_managers: o.task_managers,
    })
}

pub struct RemoteRuntime {
    /// `<data-dir>/remote`: the placement records.
    dir: PathBuf,
    /// The jar of Weir's `KinesisAnalyticsRuntime` library, added to an
    /// application's jar that does not bundle its own (see [`jar`]): the
    /// cluster's classpath is not Weir's to extend.
    library: Option<PathBuf>,
    /// Or the runtimes directory in which [`crate::service_library`] builds
    /// that jar (on the first submission that needs it; a stat after).
    library_dir: Option<PathBuf>,
    /// Lines for applications' logs (a cluster that stopped answering, a
    /// job waiting for slots, a job cancelled late).
    app_log: Arc<dyn AppLog>,
    /// Clusters that stopped answering, per application.
    silence: Silence,
    /// Jobs whose tasks wait for slots (a Task Manager host lost), per
    /// application: reported like a silence.
    waiting: Silence,
    /// When each abandoned job's cancellation was last reported as failing.
    reported: std::sync::Mutex<HashMap<String, Instant>>,
    /// The last look at each registered cluster, by name.
    health: std::sync::Mutex<HashMap<String, Health>>,
    /// What one metrics walk leaves for the next, per application.
    metrics: MetricsWalk,
}

impl RemoteRuntime {
    /// A remote runtime keeping its records under `<data_dir>/remote`;
    /// `library` is the jar of Weir's `KinesisAnalyticsRuntime` classes to
    /// add to the applications' jars (`None`: only their properties are
    /// added).
    pub fn new(data_dir: &Path, library: Option<PathBuf>, app_log: Arc<dyn AppLog>) -> Self {
        Self {
            dir: data_dir.join("remote"),
            library,
            library_dir: None,
            app_log,
            silence: Silence::default(),
            waiting: Silence::default(),
            reported: std::sync::Mutex::new(HashMap::new()),
            health: std::sync::Mutex::new(HashMap::new()),
            metrics: MetricsWalk::default(),
        }
    }

    /// The library's jar is the one [`crate::service_library::ensure_jar`]
    /// builds in `runtimes_dir` (the local runtime's), when no jar was given.
    pub fn with_library_built_in(mut self, runtimes_dir: &Path) -> Self {
        self.library_dir = Some(runtimes_dir.to_path_buf());
        self
    }

    /// The library's jar, built first if need be; `None` (and a line in the
    /// application's log) when it cannot be built.
    async fn library(&self, app: &str) -> Option<PathBuf> {
        if let Some(jar) = &self.library {
            return Some(jar.clone());
        }
        let dir = self.library_dir.as_ref()?;
        match crate::service_library::ensure_jar(dir).await {
            Ok(jar) => Some(jar),
            Err(e) => {
                self.log(
                    app,
                    LogLevel::Warn,
                    format!("Weir's KinesisAnalyticsRuntime library could not be built, so the jar goes without it: {}", weir_control::cause_chain(&e)),
                );
                None
            }
        }
    }

    /// What the last look at registered cluster `name` found.
    pub fn health(&self, name: &str) -> Option<Health> {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// Looks at every registered cluster in `clusters`: whether it answers
    /// (a change is logged) and its slots now, which placement counts on
    /// (Task Managers come and go). Returns what each answered, by name;
    /// recording it is the caller's business.
    pub async fn watch(&self, clusters: &[ClusterRecord]) -> Vec<(String, Result<Probe, String>)> {
        let looks = clusters.iter().cloned().map(|c| async move {
            let seen = probe(&c.rest_url).await;
            (c, seen)
        });
        let now = super::now_millis();
        let mut answers = Vec::with_capacity(clusters.len());
        for (cluster, seen) in futures_join(looks).await {
            let before = self.health(&cluster.name);
            let changed = before
                .as_ref()
                .is_some_and(|b| b.probe.is_ok() != seen.is_ok());
            let since_ms = match &before {
                Some(b) if !changed => b.since_ms,
                _ => now,
            };
            if changed {
                let line = match &seen {
                    Ok(_) => format!(
                        "Flink cluster {} ({}) answers again",
                        cluster.name, cluster.rest_url
                    ),
                    Err(why) => format!("Flink cluster {} does not answer: {why}", cluster.name),
                };
                tracing::warn!(cluster = %cluster.name, "{line}");
            }
            self.health
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(
                    cluster.name.clone(),
                    Health {
                        probe: seen.clone(),
                        checked_ms: now,
                        since_ms,
                    },
                );
            answers.push((cluster.name.clone(), seen));
        }
        let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|n, _| names.contains(n));
        answers
    }

    fn log(&self, app: &str, level: LogLevel, line: String) {
        self.app_log.log(app, level, line);
    }

    fn path(&self, app: &str) -> PathBuf {
        self.dir.join(format!("{app}.json"))
    }

    fn abandoned_dir(&self) -> PathBuf {
        self.dir.join("abandoned")
    }

    /// The application's placement record, if it has one.
    pub fn record(&self, app: &str) -> Option<RemotePlacement> {
        let text = std::fs::read(self.path(app)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    fn write(&self, app: &str, record: &RemotePlacement) -> Result<(), RuntimeFailure> {
        write_json(&self.path(app), record)
    }

    fn rest(record: &RemotePlacement) -> FlinkRest {
        FlinkRest::new(record.rest_url.clone())
            .with_timeouts(OBSERVE_TIMEOUT, FlinkRest::DEFAULT_LONG_TIMEOUT)
    }

    fn placed(&self, app: &str) -> Result<RemotePlacement, RuntimeFailure> {
        self.record(app)
            .ok_or_else(|| refused("the application is not placed on a Flink cluster"))
    }

    /// Places `app` on `cluster`: checks that the cluster answers and runs
    /// the application's Flink, and records the placement.
    pub async fn place(
        &self,
        app: &Application,
        cluster: &ClusterRecord,
    ) -> Result<String, RuntimeFailure> {
        let probe = probe(&cluster.rest_url).await.map_err(refused)?;
        let wanted = crate::FlinkVersion::for_runtime(app.runtime).map_err(RuntimeFailure::from)?;
        let runs = crate::FlinkVersion::parse(&probe.flink_version);
        if !runs.is_some_and(|v| v.same_series(wanted)) {
            return Err(refused(format!(
                "Flink cluster {} runs Flink {}, the application's runtime {} needs {}.{}",
                cluster.name,
                probe.flink_version,
                app.runtime.as_str(),
                wanted.major,
                wanted.minor
            )));
        }
        let app_dir = cluster.app_dir(&app.name);
        std::fs::create_dir_all(&app_dir).map_err(RuntimeFailure::io(format!(
            "creating {}",
            app_dir.display()
        )))?;
        let record = RemotePlacement {
            cluster: cluster.name.clone(),
            rest_url: cluster.rest_url.clone(),
            app_dir,
            placed_ms: super::now_millis(),
            job_id: None,
            submitted_ms: 0,
        };
        self.write(&app.name, &record)?;
        if PythonProgram::of(app).is_some() {
            // The cluster's hosts, JVMs and interpreters are not Weir's: the
            // operator is told what a Python application needs of them.
            let rest = FlinkRest::new(cluster.rest_url.clone())
                .with_timeouts(OBSERVE_TIMEOUT, OBSERVE_TIMEOUT);
            let config = rest.jobmanager_config().await.map_err(|e| e.summary());
            let (level, line) = python::cluster_needs(
                &app.name,
                &cluster.name,
                &probe.flink_version,
                Path::new(&cluster.savepoint_dir),
                &record.app_dir,
                config.as_deref().map_err(String::as_str),
            );
            self.log(&app.name, level, line);
        }
        Ok(format!(
            "Placed application {} on Flink cluster {} ({}, Flink {}, {} Task Manager(s), {} slot(s))",
            app.name,
            cluster.name,
            cluster.rest_url,
            probe.flink_version,
            probe.task_managers,
            probe.total_slots
        ))
    }

    /// Cancels the application's job and waits for it to end; `Err` says
    /// why it could not be made sure of.
    async fn cancel(record: &RemotePlacement, job_id: &str) -> Result<Cancelled, String> {
        let rest = Self::rest(record);
        let id = JobId(job_id.to_string());
        let deadline = Instant::now() + CANCEL_WAIT;
        loop {
            // The jobs overview is answered live; a job's details come from
            // a cache (`web.refresh-interval`, 3 s by default) and would
            // keep a force stop waiting for nothing.
            let live = rest
                .jobs_overview()
                .await
                .map(|jobs| jobs.into_iter().find(|j| j.id == id).map(|j| j.state));
            match live {
                Ok(None) => return Ok(Cancelled::Unknown),
                Ok(Some(state)) if state.is_globally_terminal() => return Ok(Cancelled::Ended),
                Ok(Some(state)) if state != crate::JobState::Cancelling => {
                    if let Err(e) = rest.cancel(&id).await {
                        if !e.is_not_found() {
                            tracing::debug!(job = job_id, error = %e, "cancel refused");
                        }
                    }
                }
                Ok(_) => {}
                // A cluster that does not answer is not waited for: the
                // force stop that asked goes on, and the sweeper retries.
                Err(e) => return Err(e.summary()),
            }
            if Instant::now() > deadline {
                return Err(format!("it did not end within {} s", CANCEL_WAIT.as_secs()));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Ends what the application has on its cluster and forgets the
    /// placement. A job that will not cancel (the cluster does not answer)
    /// is never silently dropped: it is reported and kept in `abandoned/`,
    /// where [`RemoteRuntime::sweep`] goes on cancelling it.
    async fn end(&self, app: &str) {
        self.metrics.forget(app);
        let Some(record) = self.record(app) else {
            return;
        };
        if let Some(job) = record.job_id.clone() {
            let kept = self.abandoned_dir().join(format!("{app}-{job}.json"));
            let cancelled = Self::cancel(&record, &job).await;
            let recent = super::now_millis() - record.submitted_ms < SUBMISSION_WINDOW_MS;
            if cancelled == Ok(Cancelled::Unknown) && recent {
                // Possibly a submission still under way: watched for a while.
                let _ = write_json(&kept, &record);
            }
            if let Err(why) = cancelled {
                let _ = write_json(&kept, &record);
                self.log(
                    app,
                    LogLevel::Error,
                    format!(
                        "Job {job} of application {app} on Flink cluster {} ({}) could not be cancelled: {why}. Weir keeps trying until the cluster confirms it ended (record {}).",
                        record.cluster,
                        record.rest_url,
                        kept.display()
                    ),
                );
            }
        }
        let _ = std::fs::remove_file(self.path(app));
        let _ = std::fs::remove_dir_all(record.app_dir.join("checkpoints"));
    }

    /// Cancels the jobs that could not be cancelled when their application
    /// stopped or was deleted, and those whose application no longer exists.
    pub async fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(self.abandoned_dir()) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Some(record) = std::fs::read(&path)
                .ok()
                .and_then(|t| serde_json::from_slice::<RemotePlacement>(&t).ok())
            else {
                continue;
            };
            let Some(job) = record.job_id.clone() else {
                let _ = std::fs::remove_file(&path);
                continue;
            };
            let app = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.strip_suffix(&format!("-{job}")))
                .unwrap_or_default()
                .to_string();
            let recent = super::now_millis() - record.submitted_ms < SUBMISSION_WINDOW_MS;
            match Self::cancel(&record, &job).await {
                Ok(Cancelled::Unknown) if recent => {}
                Ok(Cancelled::Unknown) => {
                    let _ = std::fs::remove_file(&path);
                }
                Ok(Cancelled::Ended) => {
                    let _ = std::fs::remove_file(&path);
                    self.reported
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&job);
                    self.log(
                        &app,
                        LogLevel::Info,
                        format!(
                            "Job {job} of application {app} on Flink cluster {} has now ended",
                            record.cluster
                        ),
                    );
                }
                Err(why) => {
                    let mut reported = self.reported.lock().unwrap_or_else(|p| p.into_inner());
                    let due = reported
                        .get(&job)
                        .is_none_or(|t| t.elapsed() >= Duration::from_secs(300));
                    if due {
                        reported.insert(job.clone(), Instant::now());
                        drop(reported);
                        tracing::warn!(app, job, cluster = %record.cluster, %why, "an abandoned job still runs");
                    }
                }
            }
        }
    }

    pub async fn observe(&self, app: &Application, job: &JobState) -> Observation {
        let Some(record) = self.record(&app.name) else {
            return Observation::default();
        };
        let rest = Self::rest(&record);
        let asked = Instant::now();
        let id = job.job_id.clone().or_else(|| record.job_id.clone());
        let seen = match id {
            Some(id) => flink::observe_job(&rest, JobId(id), job).await,
            // Nothing submitted yet: only whether the cluster answers.
            None => rest.overview().await.map(|_| None),
        };
        let base = Observation {
            cluster_up: true,
            fit: Fit::Fits,
            cluster_started_ms: record.placed_ms,
            in_place: false,
            job: None,
        };
        match seen {
            Ok(j) => {
                if let Some(silent) = self.silence.answered(&app.name) {
                    self.log(
                        &app.name,
                        LogLevel::Info,
                        format!(
                            "Flink cluster {} ({}) answers again, after {} s",
                            record.cluster,
                            record.rest_url,
                            silent.as_secs()
                        ),
                    );
                }
                self.report_waiting(app, &record, &rest, j.as_ref(), asked)
                    .await;
                Observation { job: j, ..base }
            }
            Err(e) => {
                // Unreachable is not stopped: the job may well run on. The
                // status stays as recorded until the cluster answers again.
                if let Some(silent) = self.silence.unanswered(&app.name, asked) {
                    self.log(
                        &app.name,
                        LogLevel::Warn,
                        format!(
                            "Flink cluster {} ({}) has not answered for {} s ({}). Application {}'s job may still run there; its status stays as it is until the cluster answers again.",
                            record.cluster,
                            record.rest_url,
                            silent.as_secs(),
                            e.summary(),
                            app.name
                        ),
                    );
                }
                Observation {
                    job: flink::as_recorded(job),
                    ..base
                }
            }
        }
    }

    /// A job Flink calls RUNNING whose tasks are not all running has lost
    /// slots (a Task Manager host gone) and waits for them: said once in
    /// the application's log after a while, and again when it has them.
    async fn report_waiting(
        &self,
        app: &Application,
        record: &RemotePlacement,
        rest: &FlinkRest,
        job: Option<&super::JobObservation>,
        asked: Instant,
    ) {
        let waits = job.is_some_and(|j| {
            j.status == weir_control::operation::JobStatus::Running && !j.all_tasks_running
        });
        if !waits {
            if let Some(after) = self.waiting.answered(&app.name) {
                self.log(
                    &app.name,
                    LogLevel::Info,
                    format!(
                        "Every task of application {}'s job runs again on Flink cluster {}, after {} s",
                        app.name,
                        record.cluster,
                        after.as_secs()
                    ),
                );
            }
            return;
        }
        if let Some(waited) = self.waiting.unanswered(&app.name, asked) {
            let slots = match rest.overview().await {
                Ok(o) => format!(
                    "{} of its {} slot(s) free, {} Task Manager(s)",
                    o.slots_available, o.slots_total, o.task_managers
                ),
                Err(e) => e.summary(),
            };
            self.log(
                &app.name,
                LogLevel::Warn,
                format!(
                    "Application {}'s job has been waiting {} s for task slots on Flink cluster {} ({slots}): it runs again when capacity returns",
                    app.name,
                    waited.as_secs(),
                    record.cluster
                ),
            );
        }
    }

    pub async fn submit(
        &self,
        app: &Application,
        code: &Path,
        restore: Option<&Restore>,
    ) -> Result<Submission, RuntimeFailure> {
        let mut record = self.placed(&app.name)?;
        let rest = Self::rest(&record);
        // A job id recorded but not known to the catalogue was submitted by
        // a Weir that died before recording it: it goes first (it would hold
        // the slots the new one needs). One Flink does not know yet may be
        // a submission still in flight: its id is reused (see
        // flink::submission_id).
        let mut reusable = None;
        if let Some(old) = record.job_id.take() {
            let known = rest.job(&JobId(old.clone())).await;
            if flink::unknown_to_flink(&known) {
                reusable = Some(old.clone());
            }
            if let Ok(d) = known {
                if !d.state.is_globally_terminal() {
                    self.log(
                        &app.name,
                        LogLevel::Warn,
                        format!(
                            "Cancelling job {} ({old}), submitted by a Weir that stopped before recording it",
                            d.name
                        ),
                    );
                    let _ = Self::cancel(&record, &old).await;
                }
            }
        }
        // The job's main() reads the properties on the Job Manager; the
        // cluster's JVMs are not Weir's, so they travel in the jar (the
        // library's classpath resource) and, for jobs that read a file, in
        // the shared directory with its path in the arguments.
        let properties = flink::properties_json(app);
        let props = record.app_dir.join(python::PROPERTIES_FILE);
        write_file(&props, properties.as_bytes())?;
        let scratch = tempfile::tempdir().map_err(RuntimeFailure::io("a scratch directory"))?;
        let jar = scratch.path().join(format!("{}.jar", app.name));
        let library = self.library(&app.name).await;
        // A Python application's zip is unpacked into the shared directory,
        // where the cluster's Python driver reads its files; its jarfile (or
        // a jar with a manifest only) is the jar that goes up.
        let program = PythonProgram::of(app);
        let unpacked = python::unpack_dir(&record.app_dir);
        let (code_path, jar_path) = (code.to_path_buf(), jar.clone());
        let (program2, unpacked2) = (program.clone(), unpacked.clone());
        let base = scratch.path().join("code.jar");
        let library = tokio::task::spawn_blocking(move || {
            let code_path = match &program2 {
                None => code_path,
                Some(program) => {
                    python::unpack(&code_path, &unpacked2, program)?;
                    python::write_jar(&unpacked2, program, &base)?;
                    base
                }
            };
            jar::with_properties(&code_path, &properties, library.as_deref(), &jar_path)
        })
        .await
        .map_err(|e| refused(format!("preparing the jar stopped: {e}")))??;
        if library == jar::Library::Bundled {
            self.log(
                &app.name,
                LogLevel::Warn,
                format!(
                    "Application {}'s jar bundles its own KinesisAnalyticsRuntime ({}): on Flink cluster {} that copy reads only /etc/flink/application_properties.json of the cluster's hosts, which Weir does not write. Leave the library out of the jar (Maven scope provided, as the service expects) for the job to get its properties from Weir.",
                    app.name,
                    jar::RUNTIME_CLASS,
                    record.cluster
                ),
            );
        }
        let jar_id = rest
            .upload_jar(&jar)
            .await
            .map_err(|source| RuntimeFailure::Flink {
                doing: Some(format!(
                    "uploading the code to Flink cluster {} failed",
                    record.cluster
                )),
                source,
            })?;
        let job_id = reusable.unwrap_or_else(flink::fresh_job_id);
        record.job_id = Some(job_id.clone());
        record.submitted_ms = super::now_millis();
        self.write(&app.name, &record)?;
        let config = flink::job_config(
            app,
            &record.app_dir.join("checkpoints"),
            &record.app_dir.join("savepoints"),
        );
        let args = ["--properties".to_string(), props.display().to_string()];
        let mut run = flink::run_jar(app, restore, config, Some(job_id.clone()), &args);
        if let Some(program) = &program {
            // The cluster's own python.executable settings: its hosts'
            // interpreters are not Weir's to choose.
            let python = python::run(&unpacked, program, None);
            run.entry_class = Some(python::PYTHON_DRIVER.to_string());
            run.program_args = python.program_args;
            run.program_args.extend(args.iter().cloned());
            run.flink_config.extend(python.config);
        }
        let asked_ms = super::now_millis();
        let ran = flink::run_as(&rest, &jar_id, &run, &job_id).await;
        // The jar is only needed to run main(); the cluster keeps no copies.
        let _ = rest.delete_jar(&jar_id).await;
        let id = match ran {
            Ok(id) => id,
            Err(e) if program.is_some() => {
                return Err(python_failure(&record, asked_ms, e).await);
            }
            Err(e) => return Err(RuntimeFailure::flink(e)),
        };
        let name = rest.job(&id).await.map(|d| d.name).unwrap_or_default();
        Ok(Submission {
            job_id: id.0,
            job_name: name,
            parallelism: app.config.flink.parallelism.current_parallelism,
        })
    }

    pub async fn stop_job(&self, app: &str, job_id: &str) -> Result<(), RuntimeFailure> {
        let record = self.placed(app)?;
        Self::rest(&record)
            .cancel(&JobId(job_id.to_string()))
            .await
            .map_err(RuntimeFailure::flink)
    }

    /// Where the application's snapshots go on its cluster's shared storage.
    pub fn snapshots_dir(&self, app: &str) -> Option<PathBuf> {
        self.record(app).map(|r| r.app_dir.join("snapshots"))
    }

    pub async fn savepoint(
        &self,
        app: &str,
        job_id: &str,
        target_dir: &Path,
        stop: bool,
    ) -> Result<String, RuntimeFailure> {
        let record = self.placed(app)?;
        flink::savepoint(&Self::rest(&record), job_id, target_dir, stop).await
    }

    pub async fn savepoint_status(
        &self,
        app: &str,
        job_id: &str,
        trigger: &str,
    ) -> Result<SavepointProgress, RuntimeFailure> {
        let Some(record) = self.record(app) else {
            return Ok(SavepointProgress::Failed {
                cause: "the application is no longer placed on a Flink cluster".into(),
            });
        };
        flink::savepoint_status(&Self::rest(&record), job_id, trigger).await
    }

    pub async fn last_savepoint(&self, app: &str, job_id: &str) -> Option<String> {
        let record = self.record(app)?;
        flink::last_savepoint(&Self::rest(&record), job_id).await
    }

    pub async fn latest_checkpoint(&self, app: &str, job_id: &str) -> Option<String> {
        let record = self.record(app)?;
        flink::newest_checkpoint(&record.app_dir.join("checkpoints"), job_id)
    }

    /// The job's busy and back-pressure figures. The cluster's JVMs are not
    /// Weir's, so there is no CPU reading: the `busy` policy is the one
    /// that works here.
    pub async fn load(&self, app: &str, job_id: &str) -> Option<Load> {
        let record = self.record(app)?;
        let mut load = Load::default();
        flink::job_load(&Self::rest(&record), job_id, &mut load).await?;
        Some(load)
    }

    /// The application's figures from its cluster (see
    /// [`super::Runtime::metrics`]): the Task Managers are the cluster's,
    /// and none runs here, so CPU comes from Flink's own figure.
    pub async fn metrics(
        &self,
        app: &str,
        view: &ClusterView,
        job_id: Option<&str>,
        level: MetricsLevel,
    ) -> Result<AppMetrics, RuntimeFailure> {
        self.metrics.collect(app, view, job_id, level).await
    }

    /// The logs of the cluster the application is placed on, read over its
    /// REST API (see [`super::Runtime::served_logs`]): the Job Manager's,
    /// then each Task Manager's.
    pub async fn served_logs(&self, app: &str) -> Vec<ServedLog> {
        let Some(record) = self.record(app) else {
            return Vec::new();
        };
        let rest = FlinkRest::new(record.rest_url).with_timeouts(LOG_TIMEOUT, LOG_TIMEOUT);
        let mut logs = Vec::new();
        if let Ok(text) = rest.job_manager_log().await {
            logs.push(ServedLog {
                process: ProcessKind::JobManager,
                text,
            });
        }
        for tm in rest.taskmanagers().await.unwrap_or_default() {
            if let Ok(text) = rest.task_manager_log(&tm.id).await {
                logs.push(ServedLog {
                    process: ProcessKind::TaskManager { id: tm.id },
                    text,
                });
            }
        }
        logs
    }

    pub fn view(&self, app: &str) -> Option<ClusterView> {
        let record = self.record(app)?;
        Some(ClusterView {
            rest_url: record.rest_url,
            started_ms: record.placed_ms,
            // The Task Managers are the cluster's, found through its REST API.
            processes: vec![ProcessView {
                role: ProcessKind::JobManager,
                pid: None,
                alive: true,
                log_file: None,
            }],
        })
    }

    pub async fn release(&self, app: &str) {
        self.end(app).await;
    }

    pub async fn kill(&self, app: &str) {
        self.end(app).await;
    }
}

/// How far a registered cluster's clock (its log's timestamps) may be
/// behind Weir's when its log is searched for what a run just logged.
const CLOCK_SLACK_MS: i64 = 5_000;

/// Why a Python application's run on a registered cluster failed: the
/// cluster lacks Flink's Python support, or `main()` raised (its exception
/// and traceback from the Job Manager's log, read over REST, since the run
/// was asked for), else Flink's own answer.
async fn python_failure(
    record: &RemotePlacement,
    asked_ms: i64,
    e: crate::RestError,
) -> RuntimeFailure {
    if let Some(said) = python::driver_missing(&e) {
        return refused(format!(
            "Flink cluster {} cannot run Python applications: {}, which runs a Python application's main(), is missing, as the cluster lacks Flink's Python support, flink-python (Flink said: {said}). Give the cluster's Job Manager and Task Managers the flink-python jar of its Flink distribution (opt/flink-python-<version>.jar): on their classpath (in lib/), or in the directory the environment variable FLINK_OPT_DIR names (Flink's scripts set it to the distribution's opt/), from which Flink adds it to every Python job.",
            record.cluster,
            python::PYTHON_DRIVER,
        ));
    }
    let rest = FlinkRest::new(record.rest_url.clone()).with_timeouts(LOG_TIMEOUT, LOG_TIMEOUT);
    let log = rest.job_manager_log().await.ok();
    log.and_then(|t| python::main_failure(&String::from_utf8_lossy(&t), asked_ms - CLOCK_SLACK_MS))
        .unwrap_or_else(|| RuntimeFailure::flink(e))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), RuntimeFailure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(RuntimeFailure::io(format!("creating {}", dir.display())))?;
    }
    let tmp = path.with_extension("tmp");
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        use std::io::Write;
        f.write_all(bytes)?;
        f.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(RuntimeFailure::io(format!("writing {}", path.display())))
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), RuntimeFailure> {
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| RuntimeFailure::io(format!("encoding {}", path.display()))(e.into()))?;
    write_file(path, &bytes)
}

/// Runs the futures concurrently (a look at one cluster that does not
/// answer must not delay the others) and collects their outputs.
async fn futures_join<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (i, f) in futures.into_iter().enumerate() {
        set.spawn(async move { (i, f.await) });
    }
    let mut out: Vec<(usize, F::Output)> = Vec::new();
    while let Some(Ok(r)) = set.join_next().await {
        out.push(r);
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

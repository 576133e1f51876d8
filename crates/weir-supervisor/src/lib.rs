//! `weir-supervisor`: one task per application that drives the status the
//! catalogue records (the intent) onto a Flink runtime, and records what the
//! job does.
//!
//! Each task loops: look at the application and at its cluster and job,
//! ask `weir_control::reconcile::decide` for the next step, take it, and
//! report through `Catalogue::advance` (a compare-and-set on the status).
//! It sleeps between looks and wakes early when the catalogue changes the
//! application's intent. Level-triggered: nothing is remembered between
//! looks that is not in the store or observable on the cluster, so a
//! supervisor restarted after a crash converges from wherever things are.
//!
//! **Architecture invariant:** the supervisor decides *when* to do *what*;
//! it knows nothing of AWS shapes and nothing of how clusters are made or
//! how Flink is asked. It talks to Flink only through a
//! [`weir_runtime::backend::Runtime`].
//!
//! Besides the application tasks it runs the server's periodic duties, each
//! until the one shutdown token is cancelled: snapshots and autoscaling
//! (inside each look), maintenance windows, shipping Flink's logs, the
//! metrics collector, and looking at the registered clusters.

mod autoscale;
mod clusters;
mod inputs;
mod logship;
mod maintenance;
mod snapshots;
mod telemetry;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;
use weir_control::model::{ApplicationStatus, LogLevel};
use weir_control::operation::{
    job_transition_message, new_transitions, JobState, JobStatus, OperationStatus,
};
use weir_control::reconcile::{decide, is_restart, Observed, ObservedJob, Step};
use weir_runtime::backend::{Observation, Restore, Runtime, RuntimeFailure};
use weir_service::{Advance, Catalogue, Entry, ServiceError, LOGGER};

use logship::LogShipper;

pub use autoscale::AUTOSCALING_GROUP;
pub use inputs::CatalogueView;
pub use telemetry::Collector;

/// How supervisors pace themselves.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// Between looks while an operation is in progress.
    pub busy_interval: Duration,
    /// Between looks while nothing is asked of the application.
    pub idle_interval: Duration,
    /// A start that has not reached RUNNING by then fails.
    pub start_timeout: Duration,
    /// A graceful stop that has not finished by then is completed by force.
    pub stop_timeout: Duration,
    /// How long a released cluster may take to shut down before it is killed.
    pub release_grace: Duration,
    /// A savepoint that has not completed by then is FAILED.
    pub snapshot_timeout: Duration,
    /// The server-wide autoscaling policy, thresholds and windows.
    pub autoscale: weir_control::autoscale::AutoscaleConfig,
    /// Between two load samples of an autoscaling application.
    pub sample_interval: Duration,
    /// Where the log shipper keeps how far it has read each log it fetches
    /// over REST (a registered cluster's), so that a restarted Weir ships
    /// what the cluster logged while it was down, and nothing twice. `None`:
    /// in memory only, and a restarted Weir ships what is logged after it.
    pub log_state_dir: Option<std::path::PathBuf>,
    /// The first pause after a look that failed (the store or the catalogue
    /// refused); it doubles with each failure in a row up to
    /// `retry_max`, and a look that succeeds starts again from here.
    pub retry_min: Duration,
    pub retry_max: Duration,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        Self {
            busy_interval: Duration::from_millis(100),
            idle_interval: Duration::from_secs(2),
            start_timeout: Duration::from_secs(300),
            stop_timeout: Duration::from_secs(60),
            release_grace: Duration::from_secs(5),
            snapshot_timeout: Duration::from_secs(600),
            autoscale: weir_control::autoscale::AutoscaleConfig::service_default(),
            sample_interval: Duration::from_secs(5),
            log_state_dir: None,
            retry_min: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
        }
    }
}

/// What an application's task is told. Closed: a task does nothing it is
/// not told here, besides its own looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Message {
    /// Look now: the catalogue changed the application's intent (a start,
    /// stop, update, delete) or something else wants a prompt look.
    Look,
}

/// The handle a caller holds to an application's task: the only way to
/// reach it. A task whose handle sends fail has ended.
struct TaskHandle {
    tx: mpsc::UnboundedSender<Message>,
}

impl TaskHandle {
    /// Sends `msg`; `false` when the task has ended.
    fn send(&self, msg: Message) -> bool {
        self.tx.send(msg).is_ok()
    }

    fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Runs `round` now and again `pause` after each one ends, until `stop` is
/// cancelled; a round in flight is cut short, as a crash would leave it
/// (the duties' rounds are all safe half done).
async fn repeat<F: std::future::Future<Output = ()>>(
    pause: Duration,
    stop: &CancellationToken,
    mut round: impl FnMut() -> F,
) {
    loop {
        tokio::select! {
            _ = round() => {}
            _ = stop.cancelled() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// How long a task waits after `failures` failed looks in a row: capped
/// exponential backoff, so that a store that refuses (a full disk) is not
/// hammered, and a passing trouble is retried soon.
fn backoff(failures: u32, min: Duration, max: Duration) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    min.saturating_mul(factor).min(max)
}

/// The supervisors of every application.
pub struct Supervisor<R: Runtime> {
    catalogue: Arc<Catalogue>,
    runtime: Arc<R>,
    config: SupervisorConfig,
    handle: tokio::runtime::Handle,
    /// Each application's task, by name; a task removes itself when it ends.
    tasks: Mutex<HashMap<String, TaskHandle>>,
    /// Cancelled when the server stops: every task and duty ends with it.
    shutdown: CancellationToken,
    /// The application tasks and the duties started here, so that a
    /// stopping server can wait for them to end.
    tracker: TaskTracker,
    /// Each autoscaling application's load history.
    histories: Mutex<HashMap<String, autoscale::History>>,
    /// Where each Flink log file has been shipped to: the shipping task's,
    /// and a retiring cluster's last lines.
    shipper: tokio::sync::Mutex<LogShipper>,
}

/// What a task does after one look.
enum Next {
    After(Duration),
    /// A runtime step failed and will be tried again: after the backoff
    /// of the failures in a row so far.
    Retry,
    Exit,
}

impl<R: Runtime> Supervisor<R> {
    /// Starts a task for every application in the catalogue and subscribes to
    /// the catalogue's changes. Every task ends when `shutdown` is
    /// cancelled; [`Supervisor::stopped`] waits for them. Call from within a
    /// tokio runtime.
    pub fn start(
        catalogue: Arc<Catalogue>,
        runtime: Arc<R>,
        config: SupervisorConfig,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let shipper = LogShipper::new(config.log_state_dir.clone());
        let sup = Arc::new(Self {
            catalogue: catalogue.clone(),
            runtime,
            config,
            handle: tokio::runtime::Handle::current(),
            tasks: Mutex::new(HashMap::new()),
            shutdown,
            tracker: TaskTracker::new(),
            histories: Mutex::new(HashMap::new()),
            shipper: tokio::sync::Mutex::new(shipper),
        });
        let weak = Arc::downgrade(&sup);
        catalogue.set_notifier(Box::new(move |name| {
            if let Some(sup) = weak.upgrade() {
                sup.wake(name);
            }
        }));
        for entry in catalogue.entries() {
            sup.wake(&entry.app.name);
        }
        sup
    }

    /// Starts the server's periodic duties beside the application tasks:
    /// maintenance windows (a look a minute: windows are minutes wide at
    /// the finest), Flink's logs into the applications' logs (every 2 s: a
    /// `logs tail` shows what Flink said about as soon as it said it), and
    /// the registered clusters looked at (every 5 s). Each ends with the
    /// shutdown token.
    pub fn start_duties(self: &Arc<Self>) {
        let stop = self.shutdown.clone();
        self.spawn(
            "maintenance",
            self.clone()
                .run_maintenance(Duration::from_secs(60), stop.clone()),
        );
        self.spawn(
            "log shipping",
            self.clone()
                .run_log_shipping(Duration::from_secs(2), stop.clone()),
        );
        self.spawn(
            "registered clusters",
            self.clone()
                .run_cluster_looks(Duration::from_secs(5), stop.clone()),
        );
        self.spawn(
            "snapshot operations",
            self.clone()
                .run_snapshot_operations(Duration::from_millis(250), stop),
        );
    }

    /// Carries out enhanced snapshots' imports, exports and deletions (see
    /// `Catalogue::run_snapshot_operations`): level-triggered, every
    /// `pause` (so one a crash interrupted is simply done again) and at once
    /// when the catalogue says one was asked.
    pub async fn run_snapshot_operations(
        self: Arc<Self>,
        pause: Duration,
        stop: CancellationToken,
    ) {
        let asked = Arc::new(tokio::sync::Notify::new());
        let wake = asked.clone();
        self.catalogue
            .on_snapshot_work(Box::new(move || wake.notify_one()));
        loop {
            let catalogue = self.catalogue.clone();
            match tokio::task::spawn_blocking(move || catalogue.run_snapshot_operations()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::debug!(ended = n, "snapshot operations ended"),
                Ok(Err(e)) => tracing::warn!(error = %e, "carrying out snapshot operations"),
                Err(e) => tracing::error!(error = %e, "the snapshot operations task failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = asked.notified() => {}
                _ = stop.cancelled() => return,
            }
        }
    }

    /// Runs `duty` as a task the supervisor waits for at shutdown.
    pub fn spawn(
        &self,
        what: &'static str,
        duty: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let span = tracing::info_span!("duty", what);
        self.tracker.spawn_on(duty.instrument(span), &self.handle);
    }

    /// Makes the application's task look now (starting one if it has none).
    pub fn wake(self: &Arc<Self>, name: &str) {
        // A supervisor that was shut down starts nothing more.
        if self.shutdown.is_cancelled() {
            return;
        }
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(task) = tasks.get(name) {
            if task.send(Message::Look) {
                return;
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        tasks.insert(name.to_string(), TaskHandle { tx });
        let sup = self.clone();
        let name = name.to_string();
        let span = tracing::info_span!("supervisor", app = %name);
        self.tracker.spawn_on(
            async move { sup.run(name, rx).await }.instrument(span),
            &self.handle,
        );
    }

    /// Stops every task and duty (not the applications: their clusters keep
    /// running and are adopted by the next Weir), and waits until they have
    /// ended. A step in flight is abandoned where it stands, as a crash
    /// would: every step is safe to leave half done.
    pub async fn stopped(&self) {
        self.shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }

    async fn run(self: Arc<Self>, name: String, mut inbox: mpsc::UnboundedReceiver<Message>) {
        let mut failures = 0u32;
        loop {
            let looked = tokio::select! {
                r = self.look(&name) => r,
                _ = self.shutdown.cancelled() => break,
            };
            let delay = match looked {
                Ok(Next::Exit) => break,
                Ok(Next::After(d)) => {
                    failures = 0;
                    d
                }
                // Already said in the application's log.
                Ok(Next::Retry) => {
                    failures += 1;
                    backoff(failures, self.config.retry_min, self.config.retry_max)
                }
                Err(e) => {
                    failures += 1;
                    let delay = backoff(failures, self.config.retry_min, self.config.retry_max);
                    tracing::warn!(
                        error = %weir_control::cause_chain(&e),
                        failures,
                        retry_in_ms = delay.as_millis() as u64,
                        "supervisor step failed"
                    );
                    delay
                }
            };
            tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(Message::Look) | None => {}
                },
                _ = tokio::time::sleep(delay) => {}
                _ = self.shutdown.cancelled() => break,
            }
            // Several wakes in a row need only one look.
            while inbox.try_recv().is_ok() {}
        }
        // Dropping the receiver closes this task's sender; a task started
        // since (by a wake that raced with this exit) has an open one.
        drop(inbox);
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if tasks.get(&name).is_some_and(TaskHandle::is_closed) {
            tasks.remove(&name);
        }
        tracing::debug!("supervisor task ended");
    }

    /// One look: observe, record job changes, take the next step; in a
    /// span naming the version and the operation it works for, so that
    /// `WEIR_LOG=debug` tells one application's story in order.
    async fn look(&self, name: &str) -> Result<Next, ServiceError> {
        let Some(entry) = self.catalogue.entry_of(name) else {
            // Deleted (from READY, by the catalogue alone): its files go.
            self.runtime.erase(name).await;
            return Ok(Next::Exit);
        };
        let span = tracing::info_span!(
            "look",
            version = entry.app.version_id,
            operation_id = entry.job.operation_id.as_deref().unwrap_or("-"),
            status = %entry.app.status,
        );
        self.look_at(entry).instrument(span).await
    }

    async fn look_at(&self, entry: Entry) -> Result<Next, ServiceError> {
        let name = entry.app.name.clone();
        let name = name.as_str();
        let status = entry.app.status;
        let seen = self.runtime.observe(&entry.app, &entry.job).await;
        let entry = self.record_job(entry, &seen)?;
        let snapshots = self.drive_snapshots(&entry, &seen).await?;
        let op = entry
            .job
            .operation_id
            .as_deref()
            .and_then(|id| self.catalogue.describe_operation(name, id).ok());
        let op_snapshot = op.as_ref().and_then(|op| {
            snapshots
                .iter()
                .find(|s| s.operation_id.as_deref() == Some(op.id.as_str()))
                .map(|s| s.status)
        });
        // Maintenance replaces the JVMs: a cluster older than the operation
        // does not fit, whatever its shape.
        let fresh_cluster = status != ApplicationStatus::Maintenance
            || op
                .as_ref()
                .is_some_and(|op| seen.cluster_started_ms >= op.start_time);
        let observed = Observed {
            cluster_up: seen.cluster_up,
            fit: if fresh_cluster {
                seen.fit
            } else {
                weir_control::reconcile::Fit::Replace
            },
            job: seen.job.as_ref().map(|j| ObservedJob {
                status: j.status,
                all_tasks_running: j.all_tasks_running,
                current: entry.job.submitted_by.is_some()
                    && entry.job.submitted_by == entry.job.operation_id,
                parallelism: j.parallelism,
            }),
            in_place: seen.in_place,
            target_parallelism: entry.app.config.flink.parallelism.current_parallelism,
            op_snapshot,
            // A rollback restores the last snapshot there is; it takes none.
            snapshots_enabled: entry.app.config.snapshots.enabled
                && status != ApplicationStatus::RollingBack,
        };
        let step = self
            .deadline(&entry)
            .unwrap_or_else(|| decide(status, observed));
        tracing::debug!(?step, "reconcile");
        let pending = snapshots
            .iter()
            .any(|s| s.status == weir_control::snapshot::SnapshotStatus::Creating);
        if step == Step::Wait {
            self.autoscale(&entry).await;
        }
        let next = self.take(entry, step, &seen).await?;
        // A savepoint in flight is watched closely, whatever the status.
        Ok(match next {
            Next::After(d) if pending => Next::After(d.min(self.config.busy_interval)),
            n => n,
        })
    }

    /// A timed-out operation decides the step by itself.
    fn deadline(&self, entry: &Entry) -> Option<Step> {
        let op_id = entry.job.operation_id.as_deref()?;
        let op = self
            .catalogue
            .describe_operation(&entry.app.name, op_id)
            .ok()?;
        let age = Duration::from_millis((weir_service::now_millis() - op.start_time).max(0) as u64);
        match entry.app.status {
            s if (s == ApplicationStatus::Starting || is_restart(s))
                && age > self.config.start_timeout =>
            {
                Some(Step::FailStart)
            }
            ApplicationStatus::Stopping if age > self.config.stop_timeout => Some(Step::Kill),
            _ => None,
        }
    }

    /// Writes every job status change Flink reports since the last look.
    fn record_job(&self, entry: Entry, seen: &Observation) -> Result<Entry, ServiceError> {
        let Some(job) = seen.job.as_ref().filter(|j| j.fresh) else {
            return Ok(entry);
        };
        let changes = new_transitions(
            entry.job.status,
            entry.job.last_change_ms,
            &job.entered,
            job.status,
        );
        let same_job = entry.job.job_id.as_deref() == Some(job.id.as_str());
        if same_job && changes.is_empty() && entry.job.status == Some(job.status) {
            return Ok(entry);
        }
        let name = job.name.clone();
        let id = job.id.clone();
        let failure = job.failure.clone();
        let advanced = self
            .catalogue
            .advance(&entry.app.name, entry.app.status, |adv| {
                if !same_job {
                    adv.job.job_id = Some(id.clone());
                    adv.job.job_name = Some(name.clone());
                    adv.job.last_change_ms = 0;
                }
                for (from, to, at) in &changes {
                    adv.log(
                        LogLevel::Info,
                        "org.apache.flink.runtime.executiongraph.ExecutionGraph",
                        job_transition_message(&name, &id, *from, *to),
                    );
                    if matches!(
                        to,
                        JobStatus::Restarting | JobStatus::Failing | JobStatus::Failed
                    ) {
                        if let Some(f) = &failure {
                            adv.log(
                                LogLevel::Error,
                                "org.apache.flink.runtime.executiongraph.ExecutionGraph",
                                f.clone(),
                            );
                        }
                    }
                    adv.job.last_change_ms = adv.job.last_change_ms.max(*at);
                }
                adv.job.status = Some(job.status);
            })?;
        Ok(advanced.unwrap_or(entry))
    }

    async fn take(
        &self,
        entry: Entry,
        step: Step,
        seen: &Observation,
    ) -> Result<Next, ServiceError> {
        let app = &entry.app;
        let name = app.name.as_str();
        let status = app.status;
        let busy = Next::After(self.config.busy_interval);
        match step {
            Step::Wait => Ok(
                if status == ApplicationStatus::Running || status == ApplicationStatus::Ready {
                    Next::After(self.config.idle_interval)
                } else {
                    busy
                },
            ),
            Step::Launch => {
                if status == ApplicationStatus::Running {
                    self.catalogue.log(name, LogLevel::Warn, LOGGER, format!(
                        "The Flink cluster of application {name} is gone; starting the application again"
                    ));
                }
                let launched = tokio::select! {
                    r = self.runtime.launch(app) => r,
                    _ = self.preempted(name, status) => return Ok(Next::After(Duration::ZERO)),
                };
                match launched {
                    Ok(description) => {
                        self.catalogue
                            .log(name, LogLevel::Info, LOGGER, description);
                        Ok(Next::After(Duration::ZERO))
                    }
                    Err(e) => self.failed(&entry, e).await,
                }
            }
            Step::Submit => {
                let restore = match self.catalogue.restore_point(
                    name,
                    &app.config.run,
                    entry.job.restore_from.as_deref(),
                ) {
                    Ok(r) => r,
                    Err(e) => {
                        return self
                            .failed(
                                &entry,
                                RuntimeFailure::Refused(format!("cannot restore: {e}")),
                            )
                            .await
                    }
                };
                let mut runtime_restore = restore.as_ref().and_then(|s| {
                    s.location.as_ref().map(|path| Restore {
                        path: path.clone(),
                        allow_non_restored_state: app.config.run.allow_non_restored_state,
                    })
                });
                // A RUNNING application whose cluster was lost (its Job
                // Manager died) goes on from its job's latest completed
                // checkpoint, newer than any snapshot, as the service does.
                let mut from_checkpoint = None;
                if status == ApplicationStatus::Running {
                    if let Some(old) = entry.job.job_id.as_deref() {
                        if let Some(path) = self.runtime.latest_checkpoint(name, old).await {
                            runtime_restore = Some(Restore {
                                path: path.clone(),
                                allow_non_restored_state: app.config.run.allow_non_restored_state,
                            });
                            from_checkpoint = Some((old.to_string(), path));
                        }
                    }
                }
                match tokio::select! {
                    r = self.submit(app, runtime_restore.as_ref()) => r,
                    _ = self.preempted(name, status) => return Ok(Next::After(Duration::ZERO)),
                } {
                    Ok(sub) => {
                        self.catalogue.advance(name, status, |adv| {
                            let operation_id = adv.job.operation_id.take();
                            adv.job = JobState {
                                job_id: Some(sub.job_id.clone()),
                                job_name: Some(sub.job_name.clone()),
                                status: None,
                                submitted_by: operation_id.clone(),
                                operation_id,
                                last_change_ms: 0,
                                version_id: Some(adv.app.version_id),
                                restore_from: adv.job.restore_from.take(),
                                rescaled_from: adv.job.rescaled_from,
                                placement: adv.job.placement.take(),
                            };
                            let from = match (&from_checkpoint, &restore) {
                                (Some((old, path)), _) => format!(
                                    ", restored from the latest completed checkpoint of job {old} ({path})"
                                ),
                                (None, Some(s)) => format!(", restored from snapshot {}", s.name),
                                (None, None) => String::new(),
                            };
                            adv.log(
                                LogLevel::Info,
                                LOGGER,
                                format!(
                                    "Submitted job {} ({}) of version {} with parallelism {}{from}",
                                    sub.job_name, sub.job_id, adv.app.version_id, sub.parallelism
                                ),
                            );
                        })?;
                        Ok(busy)
                    }
                    Err(e) => self.failed(&entry, e).await,
                }
            }
            Step::Started => {
                if status == ApplicationStatus::Autoscaling {
                    // Rescaled down in place: the spare Task Managers go.
                    self.runtime.trim(app).await;
                }
                self.catalogue.advance(name, status, |adv| {
                    self.end(adv, OperationStatus::Successful, None);
                    adv.set_status(ApplicationStatus::Running);
                    adv.job.restore_from = None;
                    adv.job.rescaled_from = None;
                })?;
                Ok(Next::After(self.config.idle_interval))
            }
            Step::Snapshot => {
                self.take_stop_snapshot(&entry, seen, true).await?;
                Ok(busy)
            }
            Step::Savepoint => {
                self.take_stop_snapshot(&entry, seen, false).await?;
                Ok(busy)
            }
            Step::Rescale => {
                let Some(job) = seen.job.as_ref() else {
                    return Ok(busy);
                };
                let target = app.config.flink.parallelism.current_parallelism;
                // Flink refuses while the job restarts; the next look asks
                // again, and the operation's deadline bounds the wait.
                if let Err(e) = self.runtime.rescale(app, &job.id, target).await {
                    tracing::debug!(error = %e, "rescale in place not accepted yet");
                }
                Ok(busy)
            }
            Step::Reshape => match self.runtime.reshape(app).await {
                Ok(()) => Ok(Next::After(Duration::ZERO)),
                Err(e) => self.failed(&entry, e).await,
            },
            Step::Recycle => {
                self.catalogue.log(
                    name,
                    LogLevel::Info,
                    LOGGER,
                    format!("Releasing the Flink cluster of application {name}: version {} needs a new one", app.version_id),
                );
                self.retire(name, false).await;
                Ok(Next::After(Duration::ZERO))
            }
            Step::FailStart => {
                let reason = match seen.job.as_ref().and_then(|j| j.failure.clone()) {
                    Some(f) => f,
                    None if self.deadline(&entry).is_some() => format!(
                        "the job did not reach RUNNING within {} s",
                        self.config.start_timeout.as_secs()
                    ),
                    None => "the job ended while starting".to_string(),
                };
                self.fail_start(&entry, reason).await
            }
            Step::Finished => {
                self.retire(name, false).await;
                self.catalogue.advance(name, status, |adv| {
                    adv.log(
                        LogLevel::Info,
                        LOGGER,
                        "The job finished; releasing its cluster",
                    );
                    self.end(adv, OperationStatus::Successful, None);
                    adv.set_status(ApplicationStatus::Ready);
                    adv.job.job_id = None;
                })?;
                Ok(Next::After(self.config.idle_interval))
            }
            Step::StopJob => {
                let job = seen.job.as_ref();
                if job.is_some_and(|j| j.status == JobStatus::Cancelling) {
                    return Ok(busy);
                }
                if let Some(job) = job {
                    if let Err(e) = self.runtime.stop_job(name, &job.id).await {
                        self.catalogue.log(
                            name,
                            LogLevel::Warn,
                            LOGGER,
                            format!("Stopping job {} failed: {e}", job.id),
                        );
                    }
                }
                Ok(busy)
            }
            Step::Release => {
                self.retire(name, false).await;
                self.settle(&entry, OperationStatus::Successful, None)?;
                Ok(Next::After(self.config.idle_interval))
            }
            Step::Kill => {
                self.retire(name, true).await;
                self.settle(&entry, OperationStatus::Successful, None)?;
                Ok(Next::After(self.config.idle_interval))
            }
            Step::Remove => {
                // Files first, record last: once the application reads as
                // gone, nothing of it is left on disk, and a Weir killed in
                // between finds DELETING and erases again.
                self.runtime.kill(name).await;
                self.runtime.erase(name).await;
                self.catalogue.forget(name)?;
                Ok(Next::Exit)
            }
            Step::ReleaseOrphan => {
                self.catalogue.log(
                    name,
                    LogLevel::Warn,
                    LOGGER,
                    format!(
                    "Application {name} is READY but its Flink cluster still runs; releasing it"
                ),
                );
                self.retire(name, true).await;
                Ok(Next::After(self.config.idle_interval))
            }
        }
    }

    /// Runs the application's job from its stored code.
    async fn submit(
        &self,
        app: &weir_control::model::Application,
        restore: Option<&Restore>,
    ) -> Result<weir_runtime::backend::Submission, RuntimeFailure> {
        let code = self.catalogue.code_path(app).ok_or_else(|| {
            RuntimeFailure::Refused(
                "the application has no code: give it a JAR with UpdateApplication (ApplicationCodeConfigurationUpdate)".into(),
            )
        })?;
        self.runtime.submit(app, &code, restore).await
    }

    /// Ends the application's cluster (killed at once, or released with
    /// grace), then ships what its processes logged last: often why a job
    /// failed.
    async fn retire(&self, name: &str, kill: bool) {
        let view = self.runtime.view(name).await;
        if kill {
            self.runtime.kill(name).await;
        } else {
            self.runtime.release(name, self.config.release_grace).await;
        }
        if let Some(view) = view {
            self.ship_last(name, &view).await;
        }
    }

    /// Resolves once the application's status is no longer `status`: a
    /// long step (launching JVMs, submitting a job) is abandoned when the user
    /// force-stops or deletes meanwhile. Whatever the abandoned step started
    /// is recorded by the runtime before it waits, so the next step finds it.
    async fn preempted(&self, name: &str, status: ApplicationStatus) {
        loop {
            tokio::time::sleep(self.config.busy_interval.max(Duration::from_millis(50))).await;
            if self.catalogue.entry_of(name).map(|e| e.app.status) != Some(status) {
                return;
            }
        }
    }

    /// Ends the operation in progress, READY, job forgotten.
    fn settle(
        &self,
        entry: &Entry,
        result: OperationStatus,
        error: Option<String>,
    ) -> Result<(), ServiceError> {
        self.catalogue
            .advance(&entry.app.name, entry.app.status, |adv| {
                self.end(adv, result, error);
                adv.set_status(ApplicationStatus::Ready);
                adv.job.job_id = None;
            })?;
        Ok(())
    }

    fn end(&self, adv: &mut Advance, status: OperationStatus, error: Option<String>) {
        if let Err(e) = self.catalogue.end_operation(adv, status, error) {
            tracing::warn!(app = %adv.app.name, error = %e, "could not end the operation");
        }
    }

    /// A start or restart failed: the operation FAILED with `reason`. A
    /// failed update with system rollback enabled rolls back; anything
    /// else releases the cluster and ends READY.
    async fn fail_start(&self, entry: &Entry, reason: String) -> Result<Next, ServiceError> {
        let reason = weir_control::operation::root_cause_first(&reason);
        if matches!(
            entry.app.status,
            ApplicationStatus::Updating | ApplicationStatus::Autoscaling
        ) && self
            .catalogue
            .fail_update(&entry.app.name, reason.clone())?
        {
            return Ok(Next::After(Duration::ZERO));
        }
        self.retire(&entry.app.name, true).await;
        self.settle(entry, OperationStatus::Failed, Some(reason))?;
        Ok(Next::After(self.config.idle_interval))
    }

    /// A runtime step failed: a start or restart fails for good; a running
    /// application's recovery is retried after a pause.
    async fn failed(&self, entry: &Entry, e: RuntimeFailure) -> Result<Next, ServiceError> {
        match entry.app.status {
            s if s == ApplicationStatus::Starting || is_restart(s) => {
                self.fail_start(entry, e.to_string()).await
            }
            _ => {
                self.catalogue.log(
                    &entry.app.name,
                    LogLevel::Error,
                    LOGGER,
                    format!("{e}; retrying"),
                );
                Ok(Next::Retry)
            }
        }
    }
}

#[cfg(test)]
mod tests;

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
//! **Architecture invariant:** the supervisor knows nothing of AWS shapes and
//! nothing of how clusters are made; it talks to a [`Runtime`].

mod autoscale;
mod flink;
mod local;
mod logship;
mod maintenance;
mod placed;
mod remote;
mod runtime;
mod snapshots;
mod telemetry;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use weir_control::model::{ApplicationStatus, LogLevel};
use weir_control::operation::{
    job_transition_message, new_transitions, JobState, JobStatus, OperationStatus,
};
use weir_control::reconcile::{decide, is_restart, Observed, ObservedJob, Step};
use weir_service::{Advance, Catalogue, Entry, LOGGER};

use logship::LogShipper;

pub use autoscale::AUTOSCALING_GROUP;
pub use local::{LocalConfig, LocalRuntime, PROPERTIES_ENV, PROPERTIES_PROPERTY};
pub use placed::Placed;
pub use remote::{probe, Probe, RemotePlacement, RemoteRuntime};
pub use runtime::{
    ClusterView, JobObservation, Load, Observation, ProcessKind, ProcessView, Restore, Runtime,
    RuntimeFailure, SavepointProgress, Submission,
};
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
        }
    }
}

/// The supervisors of every application.
pub struct Supervisor<R: Runtime> {
    catalogue: Arc<Catalogue>,
    runtime: Arc<R>,
    config: SupervisorConfig,
    handle: tokio::runtime::Handle,
    /// Wakes an application's task; the task removes itself when it ends.
    tasks: Mutex<HashMap<String, mpsc::UnboundedSender<()>>>,
    shutdown: watch::Sender<bool>,
    /// Each autoscaling application's load history.
    histories: Mutex<HashMap<String, autoscale::History>>,
    /// Where each Flink log file has been shipped to: the shipping task's,
    /// and a retiring cluster's last lines.
    shipper: tokio::sync::Mutex<LogShipper>,
}

/// What a task does after one look.
enum Next {
    After(Duration),
    Exit,
}

impl<R: Runtime> Supervisor<R> {
    /// Starts a task for every application in the catalogue and subscribes to
    /// the catalogue's changes. Call from within a tokio runtime.
    pub fn start(
        catalogue: Arc<Catalogue>,
        runtime: Arc<R>,
        config: SupervisorConfig,
    ) -> Arc<Self> {
        let (shutdown, _) = watch::channel(false);
        let shipper = LogShipper::new(config.log_state_dir.clone());
        let sup = Arc::new(Self {
            catalogue: catalogue.clone(),
            runtime,
            config,
            handle: tokio::runtime::Handle::current(),
            tasks: Mutex::new(HashMap::new()),
            shutdown,
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

    /// Makes the application's task look now (starting one if it has none).
    pub fn wake(self: &Arc<Self>, name: &str) {
        // A supervisor that was shut down starts nothing more.
        if *self.shutdown.borrow() {
            return;
        }
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = tasks.get(name) {
            if tx.send(()).is_ok() {
                return;
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        tasks.insert(name.to_string(), tx);
        let sup = self.clone();
        let name = name.to_string();
        self.handle.spawn(async move { sup.run(name, rx).await });
    }

    /// Stops every task (not the applications: their clusters keep running
    /// and are adopted by the next Weir).
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    async fn run(self: Arc<Self>, name: String, mut wake: mpsc::UnboundedReceiver<()>) {
        let mut shutdown = self.shutdown.subscribe();
        loop {
            let next = match self.look(&name).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(app = %name, error = %e, "supervisor step failed; retrying");
                    Next::After(self.config.idle_interval)
                }
            };
            let delay = match next {
                Next::Exit => break,
                Next::After(d) => d,
            };
            tokio::select! {
                _ = wake.recv() => {}
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => break,
            }
            // Several wakes in a row need only one look.
            while wake.try_recv().is_ok() {}
        }
        // Dropping the receiver closes this task's sender; a task started
        // since (by a wake that raced with this exit) has an open one.
        drop(wake);
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if tasks.get(&name).is_some_and(|tx| tx.is_closed()) {
            tasks.remove(&name);
        }
        tracing::debug!(app = %name, "supervisor task ended");
    }

    /// One look: observe, record job changes, take the next step.
    async fn look(&self, name: &str) -> Result<Next, weir_service::ServiceError> {
        let Some(entry) = self.catalogue.entry_of(name) else {
            // Deleted (from READY, by the catalogue alone): its files go.
            self.runtime.erase(name).await;
            return Ok(Next::Exit);
        };
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
        tracing::debug!(app = %name, %status, ?step, "reconcile");
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
    fn record_job(
        &self,
        entry: Entry,
        seen: &Observation,
    ) -> Result<Entry, weir_service::ServiceError> {
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
    ) -> Result<Next, weir_service::ServiceError> {
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
                            .failed(&entry, RuntimeFailure(format!("cannot restore: {e}")))
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
                    r = self.runtime.submit(app, &self.catalogue, runtime_restore.as_ref()) => r,
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
                    tracing::debug!(app = %name, error = %e, "rescale in place not accepted yet");
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
    ) -> Result<(), weir_service::ServiceError> {
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
    async fn fail_start(
        &self,
        entry: &Entry,
        reason: String,
    ) -> Result<Next, weir_service::ServiceError> {
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
    async fn failed(
        &self,
        entry: &Entry,
        e: RuntimeFailure,
    ) -> Result<Next, weir_service::ServiceError> {
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
                Ok(Next::After(self.config.idle_interval * 5))
            }
        }
    }
}

#[cfg(test)]
mod tests;

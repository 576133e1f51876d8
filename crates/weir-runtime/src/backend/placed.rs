//! The runtime the supervisors use: each application's steps go to the
//! backend that holds it now — the local one (its own cluster on this
//! machine) or the remote one (a job on a registered cluster) — and a new
//! cluster or job goes where the catalogue placed the application.
//!
//! Where an application *is* comes from the backends' own records (a local
//! `cluster.json`, a remote placement record); where it *should be* from its
//! job state's `placement`, which the catalogue sets at start, update and
//! autoscaling. When the two differ the cluster does not fit
//! ([`Fit::Replace`]): the restart sequence that follows an update takes a
//! snapshot, releases the old place, launches at the new one and restores
//! there. A move is an update, nothing else.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use weir_control::model::{Application, MetricsLevel};
use weir_control::operation::JobState;
use weir_control::placement::ClusterRecord;
use weir_control::telemetry::AppMetrics;

use super::flink::refused;
use super::local::LocalRuntime;
use super::remote::RemoteRuntime;
use super::{
    ClusterView, Fit, Load, Observation, Placements, Probe, Restore, Runtime, RuntimeFailure,
    SavepointProgress, ServedLog, Submission,
};

pub struct Placed {
    local: Arc<LocalRuntime>,
    remote: Arc<RemoteRuntime>,
    /// Where applications should run, and the registered clusters.
    placements: Arc<dyn Placements>,
}

impl Placed {
    pub fn new(
        local: Arc<LocalRuntime>,
        remote: Arc<RemoteRuntime>,
        placements: Arc<dyn Placements>,
    ) -> Self {
        Self {
            local,
            remote,
            placements,
        }
    }

    pub fn local(&self) -> &Arc<LocalRuntime> {
        &self.local
    }

    pub fn remote(&self) -> &Arc<RemoteRuntime> {
        &self.remote
    }

    /// The registered cluster the application should run on (`None`: local).
    fn desired(&self, app: &str) -> Option<String> {
        self.placements.desired(app)
    }

    fn is_remote(&self, app: &str) -> bool {
        self.remote.record(app).is_some()
    }

    /// Where a snapshot of the application's job goes: where the cluster it
    /// is headed for can read it. A job moving to a registered cluster
    /// writes into that cluster's shared storage; one on a registered
    /// cluster into its own (which Weir, and so the local runtime, reads).
    fn snapshot_target(&self, app: &str, local_dir: &Path) -> PathBuf {
        let desired = self.desired(app).and_then(|c| self.placements.cluster(&c));
        match desired {
            Some(c) => c.app_dir(app).join("snapshots"),
            None => self
                .remote
                .snapshots_dir(app)
                .unwrap_or_else(|| local_dir.to_path_buf()),
        }
    }
}

impl Runtime for Placed {
    async fn observe(&self, app: &Application, job: &JobState) -> Observation {
        if let Some(record) = self.remote.record(&app.name) {
            let mut seen = self.remote.observe(app, job).await;
            if seen.cluster_up && job.placement.as_deref() != Some(record.cluster.as_str()) {
                seen.fit = Fit::Replace;
            }
            return seen;
        }
        let mut seen = self.local.observe(app, job).await;
        if seen.cluster_up && job.placement.is_some() {
            seen.fit = Fit::Replace;
            seen.in_place = false;
        }
        seen
    }

    async fn launch(&self, app: &Application) -> Result<String, RuntimeFailure> {
        let Some(name) = self.desired(&app.name) else {
            return self.local.launch(app).await;
        };
        let cluster = self
            .placements
            .cluster(&name)
            .ok_or_else(|| refused(format!("Flink cluster {name} is no longer registered")))?;
        self.remote.place(app, &cluster).await
    }

    async fn submit(
        &self,
        app: &Application,
        code: &Path,
        restore: Option<&Restore>,
    ) -> Result<Submission, RuntimeFailure> {
        if self.is_remote(&app.name) {
            self.remote.submit(app, code, restore).await
        } else {
            self.local.submit(app, code, restore).await
        }
    }

    async fn savepoint(
        &self,
        app: &str,
        job_id: &str,
        target_dir: &Path,
        stop: bool,
    ) -> Result<String, RuntimeFailure> {
        let target = self.snapshot_target(app, target_dir);
        if self.is_remote(app) {
            self.remote.savepoint(app, job_id, &target, stop).await
        } else {
            self.local.savepoint(app, job_id, &target, stop).await
        }
    }

    async fn savepoint_status(
        &self,
        app: &str,
        job_id: &str,
        trigger: &str,
    ) -> Result<SavepointProgress, RuntimeFailure> {
        if self.is_remote(app) {
            self.remote.savepoint_status(app, job_id, trigger).await
        } else {
            self.local.savepoint_status(app, job_id, trigger).await
        }
    }

    async fn last_savepoint(&self, app: &str, job_id: &str) -> Option<String> {
        if self.is_remote(app) {
            self.remote.last_savepoint(app, job_id).await
        } else {
            self.local.last_savepoint(app, job_id).await
        }
    }

    async fn latest_checkpoint(&self, app: &str, job_id: &str) -> Option<String> {
        if self.is_remote(app) {
            self.remote.latest_checkpoint(app, job_id).await
        } else {
            self.local.latest_checkpoint(app, job_id).await
        }
    }

    async fn rescale(
        &self,
        app: &Application,
        job_id: &str,
        parallelism: u32,
    ) -> Result<(), RuntimeFailure> {
        if self.is_remote(&app.name) {
            // Never decided: a remote job is not rescaled in place.
            Err(refused(
                "a job on a registered cluster is rescaled by a restart",
            ))
        } else {
            self.local.rescale(app, job_id, parallelism).await
        }
    }

    async fn trim(&self, app: &Application) {
        if !self.is_remote(&app.name) {
            self.local.trim(app).await
        }
    }

    async fn reshape(&self, app: &Application) -> Result<(), RuntimeFailure> {
        if self.is_remote(&app.name) {
            // The cluster's size is its operator's; placement checked room.
            Ok(())
        } else {
            self.local.reshape(app).await
        }
    }

    async fn load(&self, app: &str, job_id: &str) -> Option<Load> {
        if self.is_remote(app) {
            self.remote.load(app, job_id).await
        } else {
            self.local.load(app, job_id).await
        }
    }

    async fn maintenance_due(&self, app: &Application) -> Option<String> {
        if self.is_remote(&app.name) {
            // A registered cluster's Flink is upgraded by its operator.
            None
        } else {
            self.local.maintenance_due(app).await
        }
    }

    async fn view(&self, app: &str) -> Option<ClusterView> {
        match self.remote.view(app) {
            Some(v) => Some(v),
            None => self.local.view(app).await,
        }
    }

    async fn metrics(
        &self,
        app: &str,
        view: &ClusterView,
        job_id: Option<&str>,
        level: MetricsLevel,
    ) -> Result<AppMetrics, RuntimeFailure> {
        if self.is_remote(app) {
            self.remote.metrics(app, view, job_id, level).await
        } else {
            self.local.metrics(app, view, job_id, level).await
        }
    }

    async fn served_logs(&self, app: &str) -> Vec<ServedLog> {
        if self.is_remote(app) {
            self.remote.served_logs(app).await
        } else {
            // A local cluster's logs are files on this machine.
            Vec::new()
        }
    }

    async fn stop_job(&self, app: &str, job_id: &str) -> Result<(), RuntimeFailure> {
        if self.is_remote(app) {
            self.remote.stop_job(app, job_id).await
        } else {
            self.local.stop_job(app, job_id).await
        }
    }

    async fn release(&self, app: &str, grace: Duration) {
        if self.is_remote(app) {
            self.remote.release(app).await
        } else {
            self.local.release(app, grace).await
        }
    }

    async fn erase(&self, app: &str) {
        self.local.erase(app).await
    }

    async fn kill(&self, app: &str) {
        // Both: a force stop or delete must leave nothing anywhere.
        if self.is_remote(app) {
            self.remote.kill(app).await;
        }
        self.local.kill(app).await
    }

    async fn look_at_clusters(
        &self,
        clusters: &[ClusterRecord],
    ) -> Vec<(String, Result<Probe, String>)> {
        let answers = self.remote.watch(clusters).await;
        self.remote.sweep().await;
        answers
    }
}

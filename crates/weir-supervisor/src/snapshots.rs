//! Driving snapshots: every CREATING record of an application is taken to
//! READY or FAILED by its supervisor. Level-triggered like the rest: a
//! record without a Flink request id gets one; one with an id is polled.
//! A Weir that died mid-savepoint finds the record and carries on.

use weir_control::model::{ApplicationStatus, LogLevel};
use weir_control::operation::JobStatus;
use weir_control::snapshot::{system_name, SnapshotKind, SnapshotRecord, SnapshotStatus};
use weir_service::{Entry, ServiceError, LOGGER};

use weir_runtime::backend::{Observation, Runtime, SavepointProgress};

use crate::Supervisor;

impl<R: Runtime> Supervisor<R> {
    /// Moves every CREATING snapshot of the application one step on and
    /// returns the application's snapshots as they now stand.
    pub(crate) async fn drive_snapshots(
        &self,
        entry: &Entry,
        seen: &Observation,
    ) -> Result<Vec<SnapshotRecord>, ServiceError> {
        let name = entry.app.name.as_str();
        let mut snapshots = self.catalogue.snapshots_of(name)?;
        for snap in snapshots
            .iter_mut()
            .filter(|s| s.status == SnapshotStatus::Creating)
        {
            if let Some(next) = self.step_snapshot(snap, seen).await {
                let line = settled_line(&next);
                self.catalogue.put_snapshot(&next, line)?;
                *snap = next;
            }
        }
        Ok(snapshots)
    }

    /// One step of one CREATING snapshot; `None` when nothing changed.
    async fn step_snapshot(
        &self,
        snap: &SnapshotRecord,
        seen: &Observation,
    ) -> Option<SnapshotRecord> {
        let next = self.step_snapshot_once(snap, seen).await;
        // A stop's savepoint that Flink took although Weir lost track of it
        // (killed between asking and recording the request id, or a second
        // request refused because the first one already stopped the job):
        // the job FINISHED, and Flink knows where the savepoint went. Taking
        // it is what keeps the state; failing it would restore an older one.
        let lost = next
            .as_ref()
            .is_some_and(|n| n.status == SnapshotStatus::Failed)
            || (snap.trigger_id.is_none() && next.is_none());
        if snap.stop_job && lost {
            if let Some(found) = self.recover_stop_savepoint(snap, seen).await {
                return Some(found);
            }
        }
        next
    }

    async fn recover_stop_savepoint(
        &self,
        snap: &SnapshotRecord,
        seen: &Observation,
    ) -> Option<SnapshotRecord> {
        let job_id = snap.job_id.as_deref()?;
        let finished = seen
            .job
            .as_ref()
            .is_some_and(|j| j.id == job_id && j.status == JobStatus::Finished);
        if !finished {
            return None;
        }
        let location = self
            .runtime
            .last_savepoint(&snap.application, job_id)
            .await?;
        let known = self
            .catalogue
            .snapshots_of(&snap.application)
            .ok()?
            .iter()
            .any(|s| s.name != snap.name && s.location.as_deref() == Some(location.as_str()));
        (!known).then(|| SnapshotRecord {
            status: SnapshotStatus::Ready,
            location: Some(location),
            failure: None,
            ..snap.clone()
        })
    }

    async fn step_snapshot_once(
        &self,
        snap: &SnapshotRecord,
        seen: &Observation,
    ) -> Option<SnapshotRecord> {
        let name = snap.application.as_str();
        let fail = |cause: String| SnapshotRecord {
            status: SnapshotStatus::Failed,
            failure: Some(cause),
            ..snap.clone()
        };
        let Some(job_id) = snap.job_id.as_deref() else {
            return Some(fail("the application had no job to snapshot".into()));
        };
        if !seen.cluster_up {
            return Some(fail("the application's Flink cluster is gone".into()));
        }
        let Some(trigger) = snap.trigger_id.as_deref() else {
            // The application's snapshot directory, or an enhanced
            // snapshot's own (it outlives the application).
            let dir = self.catalogue.savepoint_dir(snap);
            return Some(
                match self
                    .runtime
                    .savepoint(name, job_id, &dir, snap.stop_job)
                    .await
                {
                    Ok(trigger) => SnapshotRecord {
                        trigger_id: Some(trigger),
                        ..snap.clone()
                    },
                    Err(e) => fail(e.to_string()),
                },
            );
        };
        match self.runtime.savepoint_status(name, job_id, trigger).await {
            Ok(SavepointProgress::Completed { location }) => Some(SnapshotRecord {
                status: SnapshotStatus::Ready,
                location: Some(location),
                ..snap.clone()
            }),
            Ok(SavepointProgress::Failed { cause }) => Some(fail(cause)),
            Ok(SavepointProgress::InProgress) | Err(_) => {
                let age = weir_service::now_millis() - snap.created;
                (age > self.config.snapshot_timeout.as_millis() as i64).then(|| {
                    fail(format!(
                        "the savepoint did not complete within {} s",
                        self.config.snapshot_timeout.as_secs()
                    ))
                })
            }
        }
    }

    /// The snapshot a stop or restart takes: a CREATING record for the
    /// operation in progress (durably, and only if the status still holds),
    /// then Flink's stop-with-savepoint (or a savepoint the job runs on
    /// after, before an in-place rescale).
    pub(crate) async fn take_stop_snapshot(
        &self,
        entry: &Entry,
        seen: &Observation,
        stop_job: bool,
    ) -> Result<(), ServiceError> {
        let app = &entry.app;
        let (Some(op), Some(job)) = (entry.job.operation_id.as_deref(), seen.job.as_ref()) else {
            return Ok(());
        };
        if job.status != JobStatus::Running {
            return Ok(());
        }
        let now = weir_service::now_millis();
        // The snapshot holds the state of the version the job runs.
        let version_id = entry.job.version_id.unwrap_or(app.version_id);
        let runtime = if version_id == app.version_id {
            app.runtime
        } else {
            match self.catalogue.describe_version(&app.name, version_id) {
                Ok(v) => v.runtime,
                // A version no longer kept: the current one's runtime.
                Err(ServiceError::NotFound(_)) => app.runtime,
                Err(e) => return Err(e),
            }
        };
        let record = SnapshotRecord {
            application: app.name.clone(),
            name: system_name(now, op),
            status: SnapshotStatus::Creating,
            kind: SnapshotKind::System,
            version_id,
            runtime,
            created: now,
            operation_id: Some(op.to_string()),
            stop_job,
            job_id: Some(job.id.clone()),
            trigger_id: None,
            location: None,
            failure: None,
        };
        let written = self.catalogue.advance(&app.name, app.status, |adv| {
            adv.log(
                LogLevel::Info,
                LOGGER,
                if stop_job {
                    format!(
                        "Taking snapshot {} of application {} and stopping job {}",
                        record.name, app.name, job.id
                    )
                } else {
                    format!(
                        "Taking snapshot {} of application {} (job {} runs on)",
                        record.name, app.name, job.id
                    )
                },
            );
            adv.snapshots.push(record.clone());
        })?;
        if written.is_none() || app.status == ApplicationStatus::Ready {
            return Ok(());
        }
        // Ask Flink now rather than on the next look: this is downtime.
        if let Some(next) = self.step_snapshot(&record, seen).await {
            let line = settled_line(&next);
            self.catalogue.put_snapshot(&next, line)?;
        }
        Ok(())
    }
}

/// The log line of a snapshot that has just settled (READY or FAILED).
fn settled_line(snap: &SnapshotRecord) -> Option<(LogLevel, String)> {
    let app = &snap.application;
    match snap.status {
        SnapshotStatus::Ready => Some((
            LogLevel::Info,
            format!(
                "Snapshot {} of application {app} is READY ({})",
                snap.name,
                snap.location.as_deref().unwrap_or("")
            ),
        )),
        SnapshotStatus::Failed => Some((
            LogLevel::Error,
            format!(
                "Snapshot {} of application {app} FAILED: {}",
                snap.name,
                snap.failure.as_deref().unwrap_or("unknown reason")
            ),
        )),
        _ => None,
    }
}

//! Snapshots and the operations that restore from them: Create/List/
//! Describe/DeleteApplicationSnapshot, the restore point of a start,
//! RollbackApplication (also the system rollback after a failed update) and
//! maintenance.
//!
//! The catalogue owns the records; Flink writes the files (a savepoint
//! directory under `<data-dir>/snapshots/<application>/`). A record is
//! written before anything else happens, so a crash leaves a CREATING record
//! that the supervisor settles, or a DELETING one that [`Catalogue::open`]
//! finishes deleting.

use std::path::{Component, Path, PathBuf};

use weir_control::lifecycle::Action;
use weir_control::model::{
    Application, ApplicationStatus, EpochMillis, LogLevel, RestoreType, RunConfig,
};
use weir_control::operation::{OperationKind, OperationRecord, OperationStatus};
use weir_control::snapshot::{
    self, latest_ready, restore_choice, RestoreError, SnapshotKind, SnapshotRecord, SnapshotStatus,
    MAX_USER_SNAPSHOTS,
};

use crate::running::{Advance, LOGGER};
use crate::{invalid, names_creation_time, now_millis, Catalogue, Entry, Page, ServiceError};

/// The file every Flink savepoint directory holds.
const METADATA: &str = "_metadata";

/// The directory a savepoint location names (`file:/x`, `file:///x` or `/x`).
pub fn location_path(location: &str) -> PathBuf {
    let rest = location
        .strip_prefix("file://")
        .or_else(|| location.strip_prefix("file:"))
        .unwrap_or(location);
    PathBuf::from(rest)
}

impl Catalogue {
    /// Where Flink writes an application's savepoints.
    pub fn snapshots_dir(&self, app: &str) -> PathBuf {
        self.store.data_dir().join("snapshots").join(app)
    }

    /// An application's snapshots, newest first.
    pub fn snapshots_of(&self, app: &str) -> Result<Vec<SnapshotRecord>, ServiceError> {
        Ok(self.store.snapshots(app)?)
    }

    /// CreateApplicationSnapshot: a CREATING record; the supervisor asks
    /// Flink for the savepoint.
    pub fn create_snapshot(
        &self,
        name: &str,
        snapshot_name: &str,
    ) -> Result<SnapshotRecord, ServiceError> {
        snapshot::check_name("SnapshotName", snapshot_name)?;
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        let app = &entry.app;
        if app.status != ApplicationStatus::Running {
            return Err(ServiceError::InUse(format!(
                "Application {name} is {}; snapshots are taken of a RUNNING application",
                app.status
            )));
        }
        if !app.config.snapshots.enabled {
            return Err(ServiceError::InvalidConfiguration(format!(
                "Application {name} has snapshots disabled (ApplicationSnapshotConfiguration.SnapshotsEnabled is false)"
            )));
        }
        let job_id = running_job(&entry)?;
        let existing = self.store.snapshots(name)?;
        if existing.iter().any(|s| s.name == snapshot_name) {
            return Err(ServiceError::InUse(format!(
                "Application {name} already has a snapshot named {snapshot_name}"
            )));
        }
        let users = existing
            .iter()
            .filter(|s| s.kind == SnapshotKind::User)
            .count();
        if users >= MAX_USER_SNAPSHOTS {
            return Err(ServiceError::LimitExceeded(format!(
                "Application {name} has {users} snapshots, the most it may keep ({MAX_USER_SNAPSHOTS}); delete some first"
            )));
        }
        let now = now_millis();
        let record = SnapshotRecord::requested(
            name,
            snapshot_name,
            SnapshotKind::User,
            entry.job.version_id.unwrap_or(app.version_id),
            app.runtime,
            now,
            job_id,
        );
        let mut adv = Advance::from_entry(&entry, now);
        adv.log(
            LogLevel::Info,
            LOGGER,
            format!("Snapshot {snapshot_name} of application {name} requested"),
        );
        adv.snapshots.push(record.clone());
        self.commit_advance(entry, adv)?;
        drop(_w);
        self.notify(name);
        Ok(record)
    }

    pub fn list_snapshots(
        &self,
        name: &str,
        start: usize,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>, ServiceError> {
        self.entry(name)?;
        let all = self.application_snapshots(name)?;
        let end = (start + limit).min(all.len());
        Ok(Page {
            items: all.get(start..end).map(<[_]>::to_vec).unwrap_or_default(),
            next: (end < all.len()).then(|| end.to_string()),
        })
    }

    pub fn describe_snapshot(
        &self,
        name: &str,
        snapshot: &str,
    ) -> Result<SnapshotRecord, ServiceError> {
        self.entry(name)?;
        self.store
            .snapshot(name, snapshot)?
            .filter(|s| s.kind != SnapshotKind::Enhanced)
            .ok_or_else(|| snapshot_not_found(name, snapshot))
    }

    /// An application's own snapshots (not the enhanced ones it is
    /// taking), newest first.
    fn application_snapshots(&self, name: &str) -> Result<Vec<SnapshotRecord>, ServiceError> {
        let mut all = self.store.snapshots(name)?;
        all.retain(|s| s.kind != SnapshotKind::Enhanced);
        Ok(all)
    }

    /// DeleteApplicationSnapshot: DELETING (durably), the files, the record.
    pub fn delete_snapshot(
        &self,
        name: &str,
        snapshot: &str,
        created: EpochMillis,
    ) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        let mut record = self
            .store
            .snapshot(name, snapshot)?
            .filter(|s| s.kind != SnapshotKind::Enhanced)
            .ok_or_else(|| snapshot_not_found(name, snapshot))?;
        if !names_creation_time(created, record.created) {
            return Err(invalid(
                "SnapshotCreationTimestamp",
                format!("does not match snapshot {snapshot}'s creation time; describe the snapshot for its SnapshotCreationTimestamp"),
            ));
        }
        if record.status == SnapshotStatus::Creating {
            return Err(ServiceError::InUse(format!(
                "Snapshot {snapshot} of application {name} is still CREATING; delete it once it is READY or FAILED"
            )));
        }
        // A snapshot that a start or restart in progress restores from is in
        // use. (One the run configuration merely names can go: the next
        // start then refuses with a clear reason.)
        let run = &entry.app.config.run;
        let named_by_run = run.restore.restore_type == RestoreType::RestoreFromCustomSnapshot
            && run.restore.snapshot_name.as_deref() == Some(snapshot);
        let restoring = entry.app.status == ApplicationStatus::Starting
            || weir_control::reconcile::is_restart(entry.app.status);
        if (restoring && named_by_run) || entry.job.restore_from.as_deref() == Some(snapshot) {
            return Err(ServiceError::InUse(format!(
                "Snapshot {snapshot} is the one application {name} restores from; change its ApplicationRestoreConfiguration first"
            )));
        }
        record.status = SnapshotStatus::Deleting;
        let mut adv = Advance::from_entry(&entry, now_millis());
        adv.log(
            LogLevel::Info,
            LOGGER,
            format!("Deleting snapshot {snapshot} of application {name}"),
        );
        adv.snapshots.push(record.clone());
        self.commit_advance(entry, adv)?;
        self.erase_snapshot(&record)
    }

    /// Removes a DELETING snapshot's files, then its record.
    fn erase_snapshot(&self, record: &SnapshotRecord) -> Result<(), ServiceError> {
        if let Some(dir) = record.location.as_deref().map(location_path) {
            // Only ever inside the application's own snapshot directory
            // (here, or in a registered cluster's shared storage).
            let roots: Vec<PathBuf> = std::iter::once(self.snapshots_dir(&record.application))
                .chain(
                    self.clusters()
                        .iter()
                        .map(|c| c.app_dir(&record.application).join("snapshots")),
                )
                .collect();
            if roots.iter().any(|root| is_inside(&dir, root)) {
                match std::fs::remove_dir_all(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(ServiceError::Io {
                            context: format!("removing snapshot files {}", dir.display()),
                            source,
                        })
                    }
                }
            } else {
                tracing::warn!(snapshot = %record.name, dir = %dir.display(), "snapshot files outside the snapshot directory left alone");
            }
        }
        self.store
            .delete_snapshot(&record.application, &record.name)?;
        Ok(())
    }

    /// Finishes deletions a crash interrupted (called at start-up).
    pub(crate) fn finish_snapshot_deletions(&self) -> Result<(), ServiceError> {
        for record in self.store.snapshots_in_status(SnapshotStatus::Deleting)? {
            tracing::info!(app = %record.application, snapshot = %record.name, "finishing an interrupted snapshot deletion");
            self.erase_snapshot(&record)?;
        }
        Ok(())
    }

    /// The snapshot a start under `run` restores from, checked: it exists,
    /// is READY and its files are in place. `None` is a fresh start.
    pub fn restore_point(
        &self,
        name: &str,
        run: &RunConfig,
        override_name: Option<&str>,
    ) -> Result<Option<SnapshotRecord>, RestoreError> {
        // An enhanced snapshot named by ARN: the account's, not the
        // application's. (A rollback's override names an application
        // snapshot, or the ARN it restored from.)
        let arn = match override_name {
            Some(o) if self.realm.snapshot_name(o).is_some() => Some(o),
            Some(_) => None,
            None => (run.restore.restore_type == RestoreType::RestoreFromCustomSnapshot)
                .then_some(run.restore.snapshot_arn.as_deref())
                .flatten(),
        };
        if let Some(arn) = arn {
            return self.enhanced_restore_point(name, arn).map(Some);
        }
        let snaps = self
            .store
            .snapshots(name)
            .map_err(|e| RestoreError::Unreadable(e.to_string()))?;
        let Some(s) = restore_choice(run, override_name, &snaps)? else {
            return Ok(None);
        };
        let dir = s.location.as_deref().map(location_path).ok_or_else(|| {
            RestoreError::Unreadable(format!("snapshot {} has no savepoint location", s.name))
        })?;
        let meta = dir.join(METADATA);
        std::fs::File::open(&meta).map_err(|e| {
            RestoreError::Unreadable(format!(
                "snapshot {}'s savepoint is missing or unreadable ({}: {e})",
                s.name,
                meta.display()
            ))
        })?;
        Ok(Some(s.clone()))
    }

    /// [`Self::restore_point`] for a request: refusals in AWS terms.
    pub(crate) fn check_restorable(
        &self,
        name: &str,
        run: &RunConfig,
        override_name: Option<&str>,
    ) -> Result<Option<SnapshotRecord>, ServiceError> {
        self.restore_point(name, run, override_name)
            .map_err(|e| match e {
                RestoreError::Missing(_) | RestoreError::Unnamed => invalid(
                    if run.restore.snapshot_arn.is_some() {
                        "RunConfiguration.ApplicationRestoreConfiguration.SnapshotArn"
                    } else {
                        "RunConfiguration.ApplicationRestoreConfiguration.SnapshotName"
                    },
                    format!("application {name}: {e}"),
                ),
                RestoreError::NotReady(..) | RestoreError::Unreadable(_) => {
                    ServiceError::InvalidConfiguration(format!(
                        "Application {name} cannot restore: {e}"
                    ))
                }
            })
    }

    /// Writes a snapshot's progress (the supervisor's), with a log line.
    pub fn put_snapshot(
        &self,
        record: &SnapshotRecord,
        line: Option<(LogLevel, String)>,
    ) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let Some(entry) = self.entry_of(&record.application) else {
            return Ok(());
        };
        let mut adv = Advance::from_entry(&entry, now_millis());
        if let Some((level, line)) = line {
            adv.log(level, LOGGER, line);
        }
        if record.kind == SnapshotKind::Enhanced && record.is_settled() {
            self.settle_enhanced(&mut adv, record)?;
        } else {
            adv.snapshots.push(record.clone());
        }
        self.commit_advance(entry, adv)?;
        Ok(())
    }

    /// RollbackApplication: back to the version the current one was updated
    /// from, restored from the last READY snapshot.
    pub fn rollback_application(
        &self,
        name: &str,
        current_version: u64,
    ) -> Result<(Entry, OperationRecord), ServiceError> {
        self.begin(
            name,
            Action::Rollback,
            OperationKind::RollbackApplication,
            |entry, adv| {
                let current = &entry.app;
                if current.version_id != current_version {
                    return Err(ServiceError::ConcurrentModification(format!(
                        "Application {name}'s current version is {}, not {current_version}; describe it again and retry",
                        current.version_id
                    )));
                }
                let target = current.version_updated_from.ok_or_else(|| {
                    ServiceError::InvalidRequest(format!(
                        "Application {name} version {} has no previous version to roll back to",
                        current.version_id
                    ))
                })?;
                let snaps = self.store.snapshots(name)?;
                let snap = latest_ready(&snaps).ok_or_else(|| {
                    ServiceError::InvalidRequest(format!(
                        "Application {name} has no READY snapshot to restore from; a rollback needs one"
                    ))
                })?;
                self.roll_back_to(adv, current, target, Some(snap.name.clone()))
            },
        )
    }

    /// Within an edit opened for a rollback: the new version (the target's
    /// configuration), the version left marked ROLLED_BACK, the snapshot to
    /// restore pinned.
    fn roll_back_to(
        &self,
        adv: &mut Advance,
        current: &Application,
        target: u64,
        restore: Option<String>,
    ) -> Result<(), ServiceError> {
        let old = self.store.version(&current.name, target)?.ok_or_else(|| {
            ServiceError::MissingVersion {
                application: current.name.clone(),
                version: target,
            }
        })?;
        let mut next = old;
        next.version_id = current.version_id + 1;
        next.status = adv.app.status;
        next.create_timestamp = current.create_timestamp;
        next.last_update_timestamp = adv.now;
        next.version_create_timestamp = adv.now;
        // "RollbackApplication does not change this value."
        next.version_updated_from = current.version_updated_from;
        next.version_rolled_back_from = Some(current.version_id);
        next.version_rolled_back_to = Some(target);
        next.conditional_token = uuid::Uuid::new_v4().simple().to_string();
        next.maintenance = current.maintenance.clone();
        if let Some(op) = adv.operations.last_mut() {
            op.version_from = Some(current.version_id);
            op.version_to = Some(next.version_id);
        }
        adv.log(
            LogLevel::Info,
            LOGGER,
            format!(
                "Rolling application {} back from version {} to version {target}'s configuration (now version {}), {}",
                current.name,
                current.version_id,
                next.version_id,
                match &restore {
                    Some(s) => format!("restoring snapshot {s}"),
                    None => "without a snapshot to restore".to_string(),
                }
            ),
        );
        adv.app = next;
        adv.version_status = Some((current.version_id, ApplicationStatus::RolledBack));
        adv.job.restore_from = restore;
        Ok(())
    }

    /// The new version of an update failed to come up: the update FAILED with
    /// `reason`; with system rollback enabled, a rollback to the version that
    /// ran before begins (and is named in the failed operation). Returns
    /// false when the caller must bring the application to READY itself.
    ///
    /// A failed scaling (AUTOSCALING) follows the same rule: with system
    /// rollback enabled the application goes back to the parallelism it had,
    /// restored from the latest snapshot.
    pub fn fail_update(&self, name: &str, reason: String) -> Result<bool, ServiceError> {
        let _w = self.write_lock();
        let Some(entry) = self.entry_of(name) else {
            return Ok(false);
        };
        let status = entry.app.status;
        if !matches!(
            status,
            ApplicationStatus::Updating | ApplicationStatus::Autoscaling
        ) || !entry.app.config.system_rollback_enabled
        {
            return Ok(false);
        }
        let mut adv = Advance::from_entry(&entry, now_millis());
        let rescaled_from = adv.job.rescaled_from.take();
        let failed = self.end_operation(&mut adv, OperationStatus::Failed, Some(reason))?;
        let target = match status {
            ApplicationStatus::Autoscaling => rescaled_from.map(|_| entry.app.version_id),
            _ => failed.as_ref().and_then(|f| f.version_from),
        };
        let Some(target) = target else {
            return Ok(false);
        };
        let rollback = self.open_operation(
            &mut adv,
            OperationKind::RollbackApplication,
            Some(ApplicationStatus::RollingBack),
        )?;
        if let Some(f) = adv
            .operations
            .iter_mut()
            .find(|o| Some(&o.id) == failed.as_ref().map(|f| &f.id))
        {
            f.rollback_operation_id = Some(rollback.id.clone());
        }
        let snaps = self.store.snapshots(name)?;
        let restore = latest_ready(&snaps).map(|s| s.name.clone());
        adv.log(
            LogLevel::Warn,
            LOGGER,
            format!("System rollback of application {name}: operation {} rolls back to version {target}", rollback.id),
        );
        match (status, rescaled_from) {
            (ApplicationStatus::Autoscaling, Some(p)) => {
                // The same version at the parallelism it had.
                adv.app.config.flink.parallelism.current_parallelism = p;
                if let Some(op) = adv.operations.last_mut() {
                    op.version_from = Some(entry.app.version_id);
                    op.version_to = Some(entry.app.version_id);
                }
                adv.job.restore_from = restore;
            }
            _ => {
                let current = (*entry.app).clone();
                self.roll_back_to(&mut adv, &current, target, restore)?;
            }
        }
        self.commit_advance(entry, adv)?;
        drop(_w);
        self.notify(name);
        Ok(true)
    }

    /// A maintenance restart (the scheduler's, inside the window, or an
    /// operator's on demand).
    pub fn start_maintenance(
        &self,
        name: &str,
        reason: &str,
    ) -> Result<OperationRecord, ServiceError> {
        let (_, op) = self.begin(
            name,
            Action::Maintenance,
            OperationKind::Maintenance,
            |_, adv| {
                adv.log(
                    LogLevel::Info,
                    LOGGER,
                    format!("Maintenance of application {name}: {reason}"),
                );
                Ok(())
            },
        )?;
        Ok(op)
    }
}

impl Catalogue {
    /// An autoscaling: AUTOSCALING with the new CurrentParallelism (the same
    /// version: the service changes CurrentParallelism, not the
    /// configuration), as an Autoscale operation; `reason` gives the
    /// figures behind the decision.
    pub fn start_autoscale(
        &self,
        name: &str,
        parallelism: u32,
        reason: &str,
    ) -> Result<OperationRecord, ServiceError> {
        let (_, op) = self.begin(name, Action::Autoscale, OperationKind::Autoscale, |entry, adv| {
            let from = entry.app.config.flink.parallelism.current_parallelism;
            let per_kpu = entry
                .app
                .config
                .flink
                .parallelism
                .effective()
                .parallelism_per_kpu
                .max(1);
            // On a registered cluster, only as far as its free capacity goes.
            let room = self.room_to_grow(&entry.app, entry.job.placement.as_deref(), parallelism);
            if room <= from && parallelism > from {
                return Err(ServiceError::LimitExceeded(format!(
                    "application {name} cannot grow beyond parallelism {from}: Flink cluster {} has no free capacity",
                    entry.job.placement.as_deref().unwrap_or_default()
                )));
            }
            let parallelism = parallelism.min(room.max(1));
            adv.app.config.flink.parallelism.current_parallelism = parallelism;
            adv.job.rescaled_from = Some(from);
            if let Some(op) = adv.operations.last_mut() {
                op.version_from = Some(entry.app.version_id);
                op.version_to = Some(entry.app.version_id);
            }
            adv.log(
                LogLevel::Info,
                LOGGER,
                format!(
                    "Autoscaling application {name} from parallelism {from} to {parallelism} ({} to {} KPUs): {reason}",
                    from.div_ceil(per_kpu),
                    parallelism.div_ceil(per_kpu)
                ),
            );
            Ok(())
        })?;
        Ok(op)
    }
}

/// The id of the application's job, which a snapshot needs RUNNING.
pub(crate) fn running_job(entry: &Entry) -> Result<String, ServiceError> {
    match (&entry.job.job_id, entry.job.status) {
        (Some(id), Some(weir_control::operation::JobStatus::Running)) => Ok(id.clone()),
        (_, status) => Err(ServiceError::InvalidConfiguration(format!(
            "Application {}'s job is {}, not RUNNING: a snapshot needs the job running; try again once it has recovered",
            entry.app.name,
            status.map_or("not started", |s| s.as_str())
        ))),
    }
}

fn snapshot_not_found(name: &str, snapshot: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "Application {name} has no snapshot named {snapshot}"
    ))
}

/// True when `path` lies inside `root` (no `..` escapes).
fn is_inside(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
        && path
            .components()
            .all(|c| !matches!(c, Component::ParentDir))
}

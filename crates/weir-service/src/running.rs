//! Running applications: the operations users start (Start, Stop, force
//! Stop), the bookkeeping the supervisor writes back, operation records and
//! the application log.
//!
//! The service never runs anything itself. It records the *intent* (the
//! transient status and an IN_PROGRESS operation) durably, wakes the
//! application's supervisor, and answers. The supervisor reports progress
//! through [`Catalogue::advance`], a compare-and-set on the status, so a step
//! decided on a stale picture (the user force-stopped meanwhile) is dropped
//! instead of overwriting the newer intent.

use std::sync::Arc;

use weir_control::enhanced::{EnhancedSnapshot, SnapshotOperationRecord};
use weir_control::lifecycle::{self, Action};
use weir_control::model::{Application, ApplicationStatus, LogLevel, RestoreConfig};
use weir_control::operation::{
    JobState, LogEvent, OperationKind, OperationRecord, OperationStatus,
};
use weir_control::snapshot::SnapshotRecord;
use weir_store::{Change, LogQuery};

use crate::{not_found, now_millis, Catalogue, Entry, Page, ServiceError};

/// Who writes the service's own log lines.
pub const LOGGER: &str = "com.weir.supervisor";

/// What StartApplication's RunConfiguration asks for this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartRequest {
    pub restore: Option<RestoreConfig>,
    pub allow_non_restored_state: Option<bool>,
}

/// The mutable picture the supervisor edits in one [`Catalogue::advance`].
#[derive(Debug)]
pub struct Advance {
    pub app: Application,
    pub job: JobState,
    /// Operations to write (new or ended).
    pub operations: Vec<OperationRecord>,
    pub logs: Vec<LogEvent>,
    /// Snapshot records to write (new or changed).
    pub snapshots: Vec<SnapshotRecord>,
    /// A past version's new status (the version a rollback left: ROLLED_BACK).
    pub version_status: Option<(u64, ApplicationStatus)>,
    /// The application's snapshot records to forget, by name.
    pub forget_snapshots: Vec<String>,
    /// Enhanced snapshots to write (new or changed).
    pub enhanced: Vec<EnhancedSnapshot>,
    /// Operations on enhanced snapshots to write (new or changed).
    pub snapshot_operations: Vec<SnapshotOperationRecord>,
    pub now: i64,
}

impl Advance {
    /// An edit of `entry` as it is now, with nothing written yet.
    pub(crate) fn from_entry(entry: &Entry, now: i64) -> Self {
        Self {
            app: (*entry.app).clone(),
            job: (*entry.job).clone(),
            operations: Vec::new(),
            logs: Vec::new(),
            snapshots: Vec::new(),
            version_status: None,
            forget_snapshots: Vec::new(),
            enhanced: Vec::new(),
            snapshot_operations: Vec::new(),
            now,
        }
    }

    /// Appends a line to the application's log.
    pub fn log(&mut self, level: LogLevel, logger: &str, message: impl Into<String>) {
        self.logs.push(LogEvent {
            seq: 0,
            application: self.app.name.clone(),
            timestamp: self.now,
            ingestion_time: self.now,
            version_id: self.app.version_id,
            level,
            logger: logger.to_string(),
            message: message.into(),
        });
    }

    /// Moves the application to `status`, logging the change.
    pub fn set_status(&mut self, status: ApplicationStatus) {
        if self.app.status != status {
            let line = format!(
                "Application {} status changed from {} to {}",
                self.app.name, self.app.status, status
            );
            self.log(LogLevel::Info, LOGGER, line);
            self.app.status = status;
            self.app.last_update_timestamp = self.now;
        }
    }
}

/// A filter for ListApplicationOperations.
#[derive(Debug, Clone, Default)]
pub struct OperationFilter {
    pub kind: Option<OperationKind>,
    pub status: Option<OperationStatus>,
}

fn operation_id() -> String {
    // Twelve characters, like the service's; random so ids never collide
    // across restarts.
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

impl Catalogue {
    /// Installs the function that wakes an application's supervisor; called
    /// once by the supervisor at start-up.
    pub fn set_notifier(&self, notify: crate::Notifier) {
        let _ = self.notifier.set(notify);
    }

    pub(crate) fn notify(&self, name: &str) {
        if let Some(n) = self.notifier.get() {
            n(name);
        }
    }

    /// Every application's current entry (for the supervisor's start-up sweep).
    pub fn entries(&self) -> Vec<Entry> {
        self.read_index().values().cloned().collect()
    }

    pub fn entry_of(&self, name: &str) -> Option<Entry> {
        self.read_index().get(name).cloned()
    }

    /// Commits `edit` built from the current entry, if the application is
    /// still in `expected` status. Returns the new entry, or `None` when the
    /// status moved on (the edit is then discarded) or the application is gone.
    pub fn advance(
        &self,
        name: &str,
        expected: ApplicationStatus,
        edit: impl FnOnce(&mut Advance),
    ) -> Result<Option<Entry>, ServiceError> {
        let _w = self.write_lock();
        let Some(entry) = self.entry_of(name) else {
            return Ok(None);
        };
        if entry.app.status != expected {
            return Ok(None);
        }
        let mut adv = Advance::from_entry(&entry, now_millis());
        edit(&mut adv);
        Ok(Some(self.commit_advance(entry, adv)?))
    }

    pub(crate) fn commit_advance(&self, entry: Entry, adv: Advance) -> Result<Entry, ServiceError> {
        let app_changed = *entry.app != adv.app;
        let job_changed = *entry.job != adv.job;
        // Each transition and operation change is traced where it becomes
        // true, with the ids a person follows an application's story by.
        let span = tracing::info_span!(
            "advance",
            app = %adv.app.name,
            version = adv.app.version_id,
            // The operation this advance works for: still in flight, or
            // the one it ends.
            operation_id = adv
                .job
                .operation_id
                .as_deref()
                .or(entry.job.operation_id.as_deref())
                .unwrap_or("-"),
        );
        let _entered = span.enter();
        if entry.app.status != adv.app.status {
            tracing::info!(from = %entry.app.status, to = %adv.app.status, "status");
        }
        for op in &adv.operations {
            tracing::debug!(operation = %op.id, kind = ?op.kind, status = ?op.status, "operation");
        }
        let forget: Vec<(&str, &str)> = adv
            .forget_snapshots
            .iter()
            .map(|s| (adv.app.name.as_str(), s.as_str()))
            .collect();
        self.store.commit(Change {
            app: app_changed.then_some(&adv.app),
            job: job_changed.then_some((adv.app.name.as_str(), &adv.job)),
            operations: &adv.operations,
            logs: &adv.logs,
            snapshots: &adv.snapshots,
            version_status: adv
                .version_status
                .map(|(v, s)| (adv.app.name.as_str(), v, s)),
            forget_snapshots: &forget,
            enhanced: &adv.enhanced,
            snapshot_operations: &adv.snapshot_operations,
        })?;
        let next = Entry {
            app: if app_changed {
                Arc::new(adv.app)
            } else {
                entry.app
            },
            job: if job_changed {
                Arc::new(adv.job)
            } else {
                entry.job
            },
            tags: entry.tags,
        };
        self.publish(next.clone());
        Ok(next)
    }

    /// Appends lines to an application's log without changing anything else.
    pub fn log(&self, name: &str, level: LogLevel, logger: &str, message: impl Into<String>) {
        let message = message.into();
        let Some(entry) = self.entry_of(name) else {
            return;
        };
        let now = now_millis();
        let event = LogEvent {
            seq: 0,
            application: name.to_string(),
            timestamp: now,
            ingestion_time: now,
            version_id: entry.app.version_id,
            level,
            logger: logger.to_string(),
            message,
        };
        if let Err(e) = self.store.commit(Change {
            logs: std::slice::from_ref(&event),
            ..Default::default()
        }) {
            tracing::warn!(app = %name, error = %e, "could not write to the application log");
        }
    }

    /// Appends lines that happened elsewhere (the Flink processes' own logs)
    /// to an application's log, in one transaction: (when, level, logger,
    /// message).
    pub fn log_lines(&self, name: &str, lines: Vec<(i64, LogLevel, String, String)>) {
        let Some(entry) = self.entry_of(name) else {
            return;
        };
        if lines.is_empty() {
            return;
        }
        let now = now_millis();
        let events: Vec<LogEvent> = lines
            .into_iter()
            .map(|(timestamp, level, logger, message)| LogEvent {
                seq: 0,
                application: name.to_string(),
                timestamp,
                ingestion_time: now,
                version_id: entry.app.version_id,
                level,
                logger,
                message,
            })
            .collect();
        if let Err(e) = self.store.commit(Change {
            logs: &events,
            ..Default::default()
        }) {
            tracing::warn!(app = %name, error = %e, "could not write to the application log");
        }
    }

    /// Begins an operation: the transition's transient status and an
    /// IN_PROGRESS record, durably, then wakes the supervisor. `edit` may
    /// refuse (nothing is written then) and may amend the new record, the
    /// last of `adv.operations`.
    pub(crate) fn begin(
        &self,
        name: &str,
        action: Action,
        kind: OperationKind,
        edit: impl FnOnce(&Entry, &mut Advance) -> Result<(), ServiceError>,
    ) -> Result<(Entry, OperationRecord), ServiceError> {
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        let t = lifecycle::transition(entry.app.status, action)?;
        let now = now_millis();
        let mut adv = Advance::from_entry(&entry, now);
        let op = self.open_operation(&mut adv, kind, t.transient)?;
        edit(&entry, &mut adv)?;
        let op = adv
            .operations
            .iter()
            .rev()
            .find(|o| o.id == op.id)
            .cloned()
            .unwrap_or(op);
        let entry = self.commit_advance(entry, adv)?;
        drop(_w);
        self.notify(name);
        Ok((entry, op))
    }

    /// Within an edit: cancels the operation in progress (a force stop
    /// interrupts it), opens a new IN_PROGRESS one and moves to `transient`.
    pub(crate) fn open_operation(
        &self,
        adv: &mut Advance,
        kind: OperationKind,
        transient: Option<ApplicationStatus>,
    ) -> Result<OperationRecord, ServiceError> {
        let name = adv.app.name.clone();
        let name = name.as_str();
        let now = adv.now;
        let op = OperationRecord {
            id: operation_id(),
            application: name.to_string(),
            kind,
            status: OperationStatus::InProgress,
            start_time: now,
            end_time: None,
            version_from: None,
            version_to: None,
            error: None,
            rollback_operation_id: None,
        };
        // An operation a force stop interrupts is cancelled, not left dangling.
        if let Some(prev) = adv.job.operation_id.take() {
            if let Some(prev) = self.store.operation(name, &prev)? {
                if prev.status == OperationStatus::InProgress {
                    adv.log(
                        LogLevel::Warn,
                        crate::running::LOGGER,
                        format!(
                            "{} operation {} cancelled by {}",
                            prev.kind.as_str(),
                            prev.id,
                            kind.as_str()
                        ),
                    );
                    adv.operations
                        .push(prev.ended(OperationStatus::Cancelled, None, now));
                }
            }
        }
        adv.log(
            LogLevel::Info,
            LOGGER,
            format!("{} operation {} requested", kind.as_str(), op.id),
        );
        if let Some(transient) = transient {
            adv.set_status(transient);
        }
        adv.job.operation_id = Some(op.id.clone());
        adv.job.restore_from = None;
        adv.operations.push(op.clone());
        Ok(op)
    }

    /// StartApplication. The snapshot the run configuration restores from
    /// is checked now (it exists, is READY, its files are there), so a start
    /// that cannot restore is refused and changes nothing.
    pub fn start_application(
        &self,
        name: &str,
        req: StartRequest,
    ) -> Result<OperationRecord, ServiceError> {
        let (_, op) = self.begin(
            name,
            Action::Start,
            OperationKind::StartApplication,
            |_, adv| {
                if let Some(r) = req.restore {
                    weir_control::spec::check_restore(
                        &r,
                        adv.app.config.snapshots.mode,
                        "RunConfiguration.ApplicationRestoreConfiguration",
                    )?;
                    adv.app.config.run.restore = r;
                }
                if let Some(a) = req.allow_non_restored_state {
                    adv.app.config.run.allow_non_restored_state = a;
                }
                let on = self.choose_placement(&adv.app, None)?;
                let line = crate::placement_change(&adv.app.name, None, on.as_deref());
                adv.log(LogLevel::Info, LOGGER, line);
                adv.job.placement = on;
                self.check_restorable(&adv.app.name, &adv.app.config.run, None)
                    .map(drop)
            },
        )?;
        Ok(op)
    }

    pub fn stop_application(
        &self,
        name: &str,
        force: bool,
    ) -> Result<OperationRecord, ServiceError> {
        let (action, kind) = if force {
            (Action::ForceStop, OperationKind::ForceStopApplication)
        } else {
            (Action::Stop, OperationKind::StopApplication)
        };
        Ok(self.begin(name, action, kind, |_, _| Ok(()))?.1)
    }

    /// Ends the operation recorded in the job state, inside an advance.
    pub fn end_operation(
        &self,
        adv: &mut Advance,
        status: OperationStatus,
        error: Option<String>,
    ) -> Result<Option<OperationRecord>, ServiceError> {
        let Some(id) = adv.job.operation_id.take() else {
            return Ok(None);
        };
        let Some(op) = self.store.operation(&adv.app.name, &id)? else {
            return Ok(None);
        };
        let ended = op.ended(status, error.clone(), adv.now);
        let mut line = format!(
            "{} operation {} {}",
            op.kind.as_str(),
            op.id,
            status.as_str()
        );
        if let Some(e) = &error {
            line.push_str(": ");
            line.push_str(e);
        }
        let level = if status == OperationStatus::Failed {
            LogLevel::Error
        } else {
            LogLevel::Info
        };
        adv.log(level, LOGGER, line);
        adv.operations.push(ended.clone());
        Ok(Some(ended))
    }

    /// Removes an application whose resources the supervisor has released.
    pub fn forget(&self, name: &str) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let Some(entry) = self.entry_of(name) else {
            return Ok(());
        };
        if entry.app.status != ApplicationStatus::Deleting {
            return Ok(());
        }
        self.remove(name)
    }

    pub fn list_operations(
        &self,
        name: &str,
        filter: &OperationFilter,
        start: usize,
        limit: usize,
    ) -> Result<Page<OperationRecord>, ServiceError> {
        self.entry(name)?;
        let matching: Vec<OperationRecord> = self
            .store
            .operations(name)?
            .into_iter()
            .filter(|o| {
                filter.kind.is_none_or(|k| o.kind == k)
                    && filter.status.is_none_or(|s| o.status == s)
            })
            .collect();
        let end = (start + limit).min(matching.len());
        let next = (end < matching.len()).then(|| end.to_string());
        Ok(Page {
            items: matching
                .get(start..end)
                .map(<[_]>::to_vec)
                .unwrap_or_default(),
            next,
        })
    }

    pub fn describe_operation(
        &self,
        name: &str,
        id: &str,
    ) -> Result<OperationRecord, ServiceError> {
        self.entry(name)?;
        self.store.operation(name, id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("Application {name} has no operation {id}"))
        })
    }

    /// The names that have a log, with their first event's time.
    pub fn logs(&self) -> Result<Vec<(String, i64)>, ServiceError> {
        Ok(self.store.log_names()?)
    }

    pub fn log_bounds(&self, name: &str) -> Result<Option<(i64, i64, i64)>, ServiceError> {
        Ok(self.store.log_bounds(name)?)
    }

    pub fn log_events(&self, name: &str, query: &LogQuery) -> Result<Vec<LogEvent>, ServiceError> {
        Ok(self.store.log_events(name, query)?)
    }

    /// The application by name, or NotFound (for the log API's callers).
    pub fn require(&self, name: &str) -> Result<Entry, ServiceError> {
        self.entry_of(name).ok_or_else(|| not_found(name))
    }
}

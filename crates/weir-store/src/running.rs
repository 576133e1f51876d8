//! Records of running applications: operations, job states and log events.

use rusqlite::{params, OptionalExtension};
use weir_control::enhanced::{EnhancedSnapshot, SnapshotOperationRecord};
use weir_control::model::{Application, ApplicationStatus, LogLevel};
use weir_control::operation::{JobState, LogEvent, OperationRecord, OperationStatus};
use weir_control::snapshot::{SnapshotRecord, SnapshotStatus};

use crate::{from_document, to_document, unsigned, Result, Store, StoreError};

/// Everything one supervisor step or API call changes, committed together:
/// a crash leaves all of it or none of it.
#[derive(Debug, Default)]
pub struct Change<'a> {
    /// The application's new current state (a new version, or the same
    /// version with another status).
    pub app: Option<&'a Application>,
    /// An application's job state, by application name.
    pub job: Option<(&'a str, &'a JobState)>,
    pub operations: &'a [OperationRecord],
    pub logs: &'a [LogEvent],
    /// Snapshot records to write (new or changed).
    pub snapshots: &'a [SnapshotRecord],
    /// A past version's new status (ROLLED_BACK): (application, version, status).
    pub version_status: Option<(&'a str, u64, ApplicationStatus)>,
    /// Snapshot records to forget: (application, snapshot).
    pub forget_snapshots: &'a [(&'a str, &'a str)],
    /// Enhanced snapshots to write (new or changed).
    pub enhanced: &'a [EnhancedSnapshot],
    /// Operations on enhanced snapshots to write (new or changed).
    pub snapshot_operations: &'a [SnapshotOperationRecord],
}

fn level_name(l: LogLevel) -> &'static str {
    match l {
        LogLevel::Info => "INFO",
        LogLevel::Warn => "WARN",
        LogLevel::Error => "ERROR",
        LogLevel::Debug => "DEBUG",
    }
}

/// A stored level; anything but what [`level_name`] writes is corrupt.
fn parse_level(what: impl FnOnce() -> String, s: &str) -> Result<LogLevel> {
    [
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
        LogLevel::Debug,
    ]
    .into_iter()
    .find(|l| level_name(*l) == s)
    .ok_or_else(|| StoreError::Corrupt {
        what: what(),
        detail: format!("unknown log level {s:?}"),
    })
}

/// Which log events to read.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    /// Resume after this event (by its position in the order of reading).
    pub after_seq: Option<u64>,
    /// Newest first instead of oldest first.
    pub backwards: bool,
    pub limit: usize,
}

impl Store {
    pub fn commit(&self, change: Change<'_>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if let Some(app) = change.app {
            crate::save_in(&tx, app)?;
        }
        if let Some((name, job)) = change.job {
            let doc = to_document(|| format!("job state of {name}"), job)?;
            tx.execute(
                "INSERT INTO job_states (name, document) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET document = excluded.document",
                params![name, doc],
            )?;
        }
        for op in change.operations {
            let doc = to_document(|| format!("operation {}", op.id), op)?;
            tx.execute(
                "INSERT INTO operations (id, name, start_time, status, document) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, document = excluded.document",
                params![op.id, op.application, op.start_time, op.status.as_str(), doc],
            )?;
        }
        for snap in change.snapshots {
            let doc = to_document(
                || format!("snapshot {} of {}", snap.name, snap.application),
                snap,
            )?;
            tx.execute(
                "INSERT INTO snapshots (name, snapshot, created, status, document) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name, snapshot) DO UPDATE SET status = excluded.status, document = excluded.document",
                params![snap.application, snap.name, snap.created, snap.status.as_str(), doc],
            )?;
        }
        for (name, snapshot) in change.forget_snapshots {
            tx.execute(
                "DELETE FROM snapshots WHERE name = ?1 AND snapshot = ?2",
                params![name, snapshot],
            )?;
        }
        for snap in change.enhanced {
            crate::enhanced::put_snapshot(&tx, snap)?;
        }
        for op in change.snapshot_operations {
            crate::enhanced::put_operation(&tx, op)?;
        }
        if let Some((name, version, status)) = change.version_status {
            let doc: Option<String> = tx
                .query_row(
                    "SELECT document FROM application_versions WHERE name = ?1 AND version_id = ?2",
                    params![name, version as i64],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(doc) = doc {
                let what = || format!("application {name} version {version}");
                let mut app: Application = from_document(what, &doc)?;
                app.status = status;
                let doc = to_document(what, &app)?;
                tx.execute(
                    "UPDATE application_versions SET status = ?3, document = ?4 WHERE name = ?1 AND version_id = ?2",
                    params![name, version as i64, status.as_str(), doc],
                )?;
            }
        }
        if !change.logs.is_empty() {
            let mut stmt = tx.prepare(
                "INSERT INTO log_events (name, timestamp, ingestion_time, version_id, level, logger, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in change.logs {
                stmt.execute(params![
                    e.application,
                    e.timestamp,
                    e.ingestion_time,
                    e.version_id as i64,
                    level_name(e.level),
                    e.logger,
                    e.message
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every application's job state, by application name.
    pub fn job_states(&self) -> Result<Vec<(String, JobState)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name, document FROM job_states")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, doc) = row?;
            let job = from_document(|| format!("job state of {name}"), &doc)?;
            out.push((name, job));
        }
        Ok(out)
    }

    /// Operations still IN_PROGRESS (to finish or fail after a restart).
    pub fn operations_in_progress(&self) -> Result<Vec<OperationRecord>> {
        self.query_operations(
            "SELECT id, document FROM operations WHERE status = ?1 ORDER BY start_time",
            params![OperationStatus::InProgress.as_str()],
        )
    }

    /// An application's operations, newest first.
    pub fn operations(&self, name: &str) -> Result<Vec<OperationRecord>> {
        self.query_operations(
            "SELECT id, document FROM operations WHERE name = ?1 ORDER BY start_time DESC, id DESC",
            params![name],
        )
    }

    pub fn operation(&self, name: &str, id: &str) -> Result<Option<OperationRecord>> {
        let conn = self.conn();
        let doc: Option<String> = conn
            .query_row(
                "SELECT document FROM operations WHERE name = ?1 AND id = ?2",
                params![name, id],
                |r| r.get(0),
            )
            .optional()?;
        doc.map(|d| from_document(|| format!("operation {id}"), &d))
            .transpose()
    }

    fn query_operations(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<OperationRecord>> {
        self.query_documents(sql, args, "operation")
    }

    /// Rows of (key, JSON document), decoded; a document that does not
    /// decode is an error naming `kind` and the row's key.
    pub(crate) fn query_documents<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        kind: &str,
    ) -> Result<Vec<T>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, doc) = row?;
            out.push(from_document(|| format!("{kind} {key}"), &doc)?);
        }
        Ok(out)
    }

    /// An application's snapshots, newest first.
    pub fn snapshots(&self, name: &str) -> Result<Vec<SnapshotRecord>> {
        self.query_snapshots(
            "SELECT snapshot || ' of ' || name, document FROM snapshots
             WHERE name = ?1 ORDER BY created DESC, snapshot DESC",
            params![name],
        )
    }

    /// Every application's snapshots in one status (start-up sweeps).
    pub fn snapshots_in_status(&self, status: SnapshotStatus) -> Result<Vec<SnapshotRecord>> {
        self.query_snapshots(
            "SELECT snapshot || ' of ' || name, document FROM snapshots
             WHERE status = ?1 ORDER BY name, created",
            params![status.as_str()],
        )
    }

    pub fn snapshot(&self, name: &str, snapshot: &str) -> Result<Option<SnapshotRecord>> {
        let conn = self.conn();
        let doc: Option<String> = conn
            .query_row(
                "SELECT document FROM snapshots WHERE name = ?1 AND snapshot = ?2",
                params![name, snapshot],
                |r| r.get(0),
            )
            .optional()?;
        doc.map(|d| from_document(|| format!("snapshot {snapshot} of {name}"), &d))
            .transpose()
    }

    /// Forgets a snapshot record (its files are already gone).
    pub fn delete_snapshot(&self, name: &str, snapshot: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM snapshots WHERE name = ?1 AND snapshot = ?2",
            params![name, snapshot],
        )?;
        Ok(())
    }

    fn query_snapshots(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<SnapshotRecord>> {
        self.query_documents(sql, args, "snapshot")
    }

    /// Names that have log events (log groups exist while they have events).
    pub fn log_names(&self) -> Result<Vec<(String, i64)>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT name, MIN(timestamp) FROM log_events GROUP BY name ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (first, last) event timestamps and the last ingestion time of a log.
    pub fn log_bounds(&self, name: &str) -> Result<Option<(i64, i64, i64)>> {
        let conn = self.conn();
        let row = conn.query_row(
            "SELECT MIN(timestamp), MAX(timestamp), MAX(ingestion_time) FROM log_events WHERE name = ?1",
            [name],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, Option<i64>>(2)?)),
        )?;
        Ok(match row {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        })
    }

    /// Log events of one application in time order (or reverse), with `seq`.
    pub fn log_events(&self, name: &str, q: &LogQuery) -> Result<Vec<LogEvent>> {
        let conn = self.conn();
        let (cmp, order) = if q.backwards {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let sql = format!(
            "SELECT seq, timestamp, ingestion_time, version_id, level, logger, message FROM log_events
             WHERE name = ?1 AND timestamp >= ?2 AND timestamp < ?3 AND (?4 IS NULL OR seq {cmp} ?4)
             ORDER BY seq {order} LIMIT ?5"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                name,
                q.start_time.unwrap_or(i64::MIN),
                q.end_time.unwrap_or(i64::MAX),
                q.after_seq.map(|s| s as i64),
                q.limit as i64
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, timestamp, ingestion_time, version_id, level, logger, message) = row?;
            let what = || format!("log event {seq} of {name}");
            out.push(LogEvent {
                seq: unsigned(what, seq)?,
                application: name.to_string(),
                timestamp,
                ingestion_time,
                version_id: unsigned(what, version_id)?,
                level: parse_level(what, &level)?,
                logger,
                message,
            });
        }
        Ok(out)
    }
}

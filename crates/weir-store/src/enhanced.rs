//! Enhanced snapshots and the operations on them (see
//! `weir_control::enhanced`). Written through [`crate::Change`], in the same
//! transaction as whatever else a step changes.

use rusqlite::{params, OptionalExtension, Transaction};
use weir_control::enhanced::{EnhancedSnapshot, SnapshotOperationRecord, SnapshotOperationStatus};

use crate::{from_document, to_document, Result, Store};

pub(crate) fn put_snapshot(tx: &Transaction<'_>, snap: &EnhancedSnapshot) -> Result<()> {
    let doc = to_document(|| format!("enhanced snapshot {}", snap.name), snap)?;
    tx.execute(
        "INSERT INTO enhanced_snapshots (name, created, status, document) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET created = excluded.created, status = excluded.status, document = excluded.document",
        params![snap.name, snap.created, snap.status.as_str(), doc],
    )?;
    Ok(())
}

pub(crate) fn put_operation(tx: &Transaction<'_>, op: &SnapshotOperationRecord) -> Result<()> {
    let doc = to_document(|| format!("snapshot operation {}", op.id), op)?;
    tx.execute(
        "INSERT INTO snapshot_operations (id, snapshot, start_time, status, document) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, document = excluded.document",
        params![op.id, op.snapshot, op.start, op.status.as_str(), doc],
    )?;
    Ok(())
}

impl Store {
    /// Every enhanced snapshot, newest first.
    pub fn enhanced_snapshots(&self) -> Result<Vec<EnhancedSnapshot>> {
        self.query_documents(
            "SELECT name, document FROM enhanced_snapshots ORDER BY created DESC, name DESC",
            [],
            "enhanced snapshot",
        )
    }

    pub fn enhanced_snapshot(&self, name: &str) -> Result<Option<EnhancedSnapshot>> {
        let conn = self.conn();
        let doc: Option<String> = conn
            .query_row(
                "SELECT document FROM enhanced_snapshots WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        doc.map(|d| from_document(|| format!("enhanced snapshot {name}"), &d))
            .transpose()
    }

    /// Forgets an enhanced snapshot and its operations (its files are
    /// already gone): a later snapshot of the same name starts afresh.
    pub fn delete_enhanced_snapshot(&self, name: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM enhanced_snapshots WHERE name = ?1",
            params![name],
        )?;
        tx.execute(
            "DELETE FROM snapshot_operations WHERE snapshot = ?1",
            params![name],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A snapshot's operations, newest first.
    pub fn snapshot_operations(&self, snapshot: &str) -> Result<Vec<SnapshotOperationRecord>> {
        self.query_documents(
            "SELECT id, document FROM snapshot_operations WHERE snapshot = ?1
             ORDER BY start_time DESC, id DESC",
            params![snapshot],
            "snapshot operation",
        )
    }

    /// Every snapshot operation still IN_PROGRESS, oldest first (to resume
    /// after a restart).
    pub fn snapshot_operations_in_progress(&self) -> Result<Vec<SnapshotOperationRecord>> {
        self.query_documents(
            "SELECT id, document FROM snapshot_operations WHERE status = ?1 ORDER BY start_time, id",
            params![SnapshotOperationStatus::InProgress.as_str()],
            "snapshot operation",
        )
    }
}

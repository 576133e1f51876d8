//! Schema migrations, applied in order inside one transaction at start-up.
//! `PRAGMA user_version` records how many have run. Never edit a migration
//! that has shipped: add the next one.

use rusqlite::Connection;

use crate::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: the application catalogue. `document` is the whole current version;
    // the scalar columns beside it exist for queries and for humans with sqlite3.
    "CREATE TABLE applications (
        name TEXT PRIMARY KEY NOT NULL,
        version_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        create_timestamp INTEGER NOT NULL,
        document TEXT NOT NULL
    ) STRICT;
    CREATE TABLE application_versions (
        name TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        version_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (name, version_id)
    ) STRICT;
    CREATE TABLE tags (
        name TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT,
        PRIMARY KEY (name, key)
    ) STRICT;",
    // 2: running applications. Operations (kept after they end, as the
    // service lists them), the present state of each application's job, and
    // the application log that the CloudWatch Logs read API serves. Log events
    // outlive their application, as a CloudWatch log group does.
    "CREATE TABLE operations (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        start_time INTEGER NOT NULL,
        status TEXT NOT NULL,
        document TEXT NOT NULL
    ) STRICT;
    CREATE INDEX operations_by_application ON operations (name, start_time);
    CREATE TABLE job_states (
        name TEXT PRIMARY KEY NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        document TEXT NOT NULL
    ) STRICT;
    CREATE TABLE log_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        ingestion_time INTEGER NOT NULL,
        version_id INTEGER NOT NULL,
        level TEXT NOT NULL,
        logger TEXT NOT NULL,
        message TEXT NOT NULL
    ) STRICT;
    CREATE INDEX log_events_by_application ON log_events (name, seq);
    CREATE INDEX log_events_by_time ON log_events (name, timestamp);",
    // 3: snapshots, Weir's own catalogue of savepoints. A record is written
    // (CREATING) before Flink is asked for the savepoint, so none is lost.
    "CREATE TABLE snapshots (
        name TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        snapshot TEXT NOT NULL,
        created INTEGER NOT NULL,
        status TEXT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (name, snapshot)
    ) STRICT;
    CREATE INDEX snapshots_by_status ON snapshots (status);",
    // 4: existing Flink clusters registered for the remote runtime. Which
    // cluster an application is placed on lives in its job state.
    "CREATE TABLE clusters (
        name TEXT PRIMARY KEY NOT NULL,
        document TEXT NOT NULL
    ) STRICT;",
    // 5: enhanced snapshots, the account's (not an application's: no
    // reference to `applications`, they outlive it), and the operations on
    // them, written IN_PROGRESS before anything is done.
    "CREATE TABLE enhanced_snapshots (
        name TEXT PRIMARY KEY NOT NULL,
        created INTEGER NOT NULL,
        status TEXT NOT NULL,
        document TEXT NOT NULL
    ) STRICT;
    CREATE TABLE snapshot_operations (
        id TEXT PRIMARY KEY NOT NULL,
        snapshot TEXT NOT NULL,
        start_time INTEGER NOT NULL,
        status TEXT NOT NULL,
        document TEXT NOT NULL
    ) STRICT;
    CREATE INDEX snapshot_operations_by_snapshot ON snapshot_operations (snapshot, start_time);
    CREATE INDEX snapshot_operations_by_status ON snapshot_operations (status);",
];

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let tx = conn.transaction()?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(migration = i + 1, "applying store migration");
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(())
}

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

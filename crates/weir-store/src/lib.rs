//! `weir-store`: the durable record of every application, version and tag.
//!
//! One SQLite database (`<data-dir>/weir.db`, WAL, `synchronous=FULL`) holds the
//! records; code lives beside it as content-addressed files
//! (`<data-dir>/code/<sha256>`), and the embedded object store that
//! `S3ContentLocation` resolves against is the directory tree
//! `<data-dir>/buckets/<bucket>/<key>`.
//!
//! **Architecture invariant:** every mutation is one SQLite transaction, and the
//! callers write here *before* they change anything in memory or act on it, so
//! a server killed at any instant either has a change completely or not at all.
//! Documents are the domain types serialized with serde in snake_case: a private
//! format that never reaches the wire.

mod code;
mod enhanced;
mod running;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use weir_control::model::{Application, ApplicationStatus, Tag};
use weir_control::placement::ClusterRecord;

pub use code::{BucketError, CodeStore};
pub use running::{Change, LogQuery};

/// What went wrong in the store. Every variant keeps its cause as
/// `source()`; the messages name the record (`what`) so a log line says which
/// row to look at. A record that cannot be read is an error, never a default.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A stored JSON document that does not decode.
    #[error("corrupt record for {what}: {source}")]
    Document {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// A record that cannot be encoded as a document.
    #[error("cannot encode the record for {what}: {source}")]
    Encode {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// A stored value outside what Weir writes (an unknown status or log
    /// level, a negative version), or rows that contradict each other.
    #[error("corrupt record for {what}: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("the database schema is version {found}, newer than this Weir understands ({known}); upgrade Weir")]
    TooNew { found: i64, known: i64 },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An application as loaded at start-up: its current version and its tags.
#[derive(Debug, Clone)]
pub struct StoredApplication {
    pub app: Application,
    pub tags: Vec<Tag>,
}

/// The catalogue database. Cheap to share behind an `Arc`; one connection,
/// because SQLite serializes writers anyway and reads are served from memory
/// by the service layer.
pub struct Store {
    conn: Mutex<Connection>,
    code: CodeStore,
    data_dir: PathBuf,
}

fn status_name(s: ApplicationStatus) -> &'static str {
    s.as_str()
}

fn parse_status(what: impl FnOnce() -> String, s: &str) -> Result<ApplicationStatus> {
    ApplicationStatus::ALL
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt {
            what: what(),
            detail: format!("unknown status {s:?}"),
        })
}

/// A stored integer that must not be negative (a version id, a sequence number).
pub(crate) fn unsigned(what: impl FnOnce() -> String, n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt {
        what: what(),
        detail: format!("negative value {n}"),
    })
}

/// `value` as a stored document; `what` names the record.
pub(crate) fn to_document<T: serde::Serialize>(
    what: impl FnOnce() -> String,
    value: &T,
) -> Result<String> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode {
        what: what(),
        source,
    })
}

/// A stored document, decoded; `what` names the record.
pub(crate) fn from_document<T: serde::de::DeserializeOwned>(
    what: impl FnOnce() -> String,
    doc: &str,
) -> Result<T> {
    serde_json::from_str(doc).map_err(|source| StoreError::Document {
        what: what(),
        source,
    })
}

fn encode(app: &Application) -> Result<String> {
    to_document(|| format!("application {}", app.name), app)
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema
    /// up to date.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(data_dir.join("weir.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a transaction is on disk before the client hears "done".
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            code: CodeStore::new(data_dir.join("code"), data_dir.join("buckets")),
            data_dir: data_dir.to_path_buf(),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn code(&self) -> &CodeStore {
        &self.code
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written
        // transaction (SQLite rolls it back), so the connection stays usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every application with its tags, for the service's in-memory index.
    pub fn load_applications(&self) -> Result<Vec<StoredApplication>> {
        let conn = self.conn();
        let mut apps = Vec::new();
        let mut stmt = conn.prepare("SELECT name, document FROM applications ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (name, doc) = row?;
            apps.push(StoredApplication {
                app: from_document(|| format!("application {name}"), &doc)?,
                tags: Vec::new(),
            });
        }
        let mut stmt = conn.prepare("SELECT name, key, value FROM tags ORDER BY name, position")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(0)?;
            let Ok(i) = apps.binary_search_by(|a| a.app.name.as_str().cmp(&name)) else {
                return Err(StoreError::Corrupt {
                    what: format!("tags of application {name}"),
                    detail: "the application is not in the store".into(),
                });
            };
            apps[i].tags.push(Tag {
                key: r.get(1)?,
                value: r.get(2)?,
            });
        }
        Ok(apps)
    }

    /// Records a new application: its version 1 and its tags, atomically.
    pub fn insert_application(&self, app: &Application, tags: &[Tag]) -> Result<()> {
        let doc = encode(app)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO applications (name, version_id, status, create_timestamp, document) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![app.name, app.version_id as i64, status_name(app.status), app.create_timestamp, doc],
        )?;
        insert_version(&tx, app, &doc)?;
        write_tags(&tx, &app.name, tags)?;
        tx.commit()?;
        Ok(())
    }

    /// Records `app` as the application's current state. If its version is new,
    /// the version is kept too; if it is the current one (a status change), the
    /// version's record follows it.
    pub fn save_application(&self, app: &Application) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        save_in(&tx, app)?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets an application, its versions, tags, operations and job state.
    /// Its log events stay, as a CloudWatch log group outlives its application.
    pub fn delete_application(&self, name: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM tags WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM operations WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM snapshots WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM job_states WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM application_versions WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM applications WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// Every registered Flink cluster, by name.
    pub fn load_clusters(&self) -> Result<Vec<ClusterRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name, document FROM clusters ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut clusters = Vec::new();
        for row in rows {
            let (name, doc) = row?;
            clusters.push(from_document(|| format!("cluster {name}"), &doc)?);
        }
        Ok(clusters)
    }

    /// Records a cluster (new, or its refreshed figures).
    pub fn save_cluster(&self, cluster: &ClusterRecord) -> Result<()> {
        let doc = to_document(|| format!("cluster {}", cluster.name), cluster)?;
        self.conn().execute(
            "INSERT INTO clusters (name, document) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET document = excluded.document",
            params![cluster.name, doc],
        )?;
        Ok(())
    }

    pub fn delete_cluster(&self, name: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM clusters WHERE name = ?1", [name])?;
        Ok(())
    }

    /// Replaces an application's tags.
    pub fn set_tags(&self, name: &str, tags: &[Tag]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        write_tags(&tx, name, tags)?;
        tx.commit()?;
        Ok(())
    }

    /// One version's full record.
    pub fn version(&self, name: &str, version_id: u64) -> Result<Option<Application>> {
        let conn = self.conn();
        let doc: Option<String> = conn
            .query_row(
                "SELECT document FROM application_versions WHERE name = ?1 AND version_id = ?2",
                params![name, version_id as i64],
                |r| r.get(0),
            )
            .optional()?;
        doc.map(|d| from_document(|| format!("application {name} version {version_id}"), &d))
            .transpose()
    }

    /// Up to `limit` versions (id and status), newest first, starting at
    /// `start` (a version id) if given.
    pub fn versions(
        &self,
        name: &str,
        start: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, ApplicationStatus)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT version_id, status FROM application_versions
             WHERE name = ?1 AND version_id <= ?2 ORDER BY version_id DESC LIMIT ?3",
        )?;
        let start = start.map(|s| s as i64).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![name, start, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (v, s) = row?;
            let what = || format!("application {name} version {v}");
            out.push((unsigned(what, v)?, parse_status(what, &s)?));
        }
        Ok(out)
    }
}

/// Records `app` as its application's current state, inside `tx`.
fn save_in(tx: &rusqlite::Transaction<'_>, app: &Application) -> Result<()> {
    let doc = encode(app)?;
    let changed = tx.execute(
        "UPDATE applications SET version_id = ?2, status = ?3, document = ?4 WHERE name = ?1",
        params![
            app.name,
            app.version_id as i64,
            status_name(app.status),
            doc
        ],
    )?;
    if changed != 1 {
        return Err(StoreError::Corrupt {
            what: format!("application {}", app.name),
            detail: "saving an application that is not in the store".into(),
        });
    }
    insert_version(tx, app, &doc)
}

fn insert_version(tx: &rusqlite::Transaction<'_>, app: &Application, doc: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO application_versions (name, version_id, status, document) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name, version_id) DO UPDATE SET status = excluded.status, document = excluded.document",
        params![app.name, app.version_id as i64, status_name(app.status), doc],
    )?;
    Ok(())
}

fn write_tags(tx: &rusqlite::Transaction<'_>, name: &str, tags: &[Tag]) -> Result<()> {
    tx.execute("DELETE FROM tags WHERE name = ?1", [name])?;
    let mut stmt =
        tx.prepare("INSERT INTO tags (name, position, key, value) VALUES (?1, ?2, ?3, ?4)")?;
    for (i, t) in tags.iter().enumerate() {
        stmt.execute(params![name, i as i64, t.key, t.value])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

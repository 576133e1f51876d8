//! Code blobs: content-addressed files under `<data-dir>/code`, and the
//! embedded object store under `<data-dir>/buckets` that `S3ContentLocation`
//! resolves against (`arn:aws:s3:::B` + key `K` → `<data-dir>/buckets/B/K`).

use std::io::Write;
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};
use weir_control::model::StoredCode;

use crate::{Result, StoreError};

/// Why an object could not be read from the embedded object store.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("bucket name {0:?} is not a valid S3 bucket name")]
    BadBucket(String),
    #[error("object key {0:?} would leave its bucket")]
    BadKey(String),
    #[error("no object {key:?} in bucket {bucket:?} (looked for {path})")]
    Missing {
        bucket: String,
        key: String,
        path: String,
    },
    #[error("object {key:?} in bucket {bucket:?} is larger than {limit} bytes")]
    TooLarge {
        bucket: String,
        key: String,
        limit: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct CodeStore {
    code_dir: PathBuf,
    buckets_dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// S3's bucket naming rules, enough to keep a name a single directory.
fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !name.starts_with(['.', '-'])
        && name != "."
        && !name.contains("..")
}

/// The key as a relative path that stays inside its bucket: no `..`, no
/// absolute paths, no empty or `.` segments that could alias another key.
fn key_path(key: &str) -> Option<PathBuf> {
    if key.contains(['\0', '\\']) {
        return None;
    }
    let mut out = PathBuf::new();
    for segment in key.split('/') {
        if matches!(segment, "" | "." | "..") {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

impl CodeStore {
    pub fn new(code_dir: PathBuf, buckets_dir: PathBuf) -> Self {
        Self {
            code_dir,
            buckets_dir,
        }
    }

    /// The file holding a stored blob.
    pub fn path(&self, code: &StoredCode) -> PathBuf {
        self.code_dir.join(&code.sha256)
    }

    /// Stores `bytes` under their SHA-256 (once; identical code is shared).
    /// Written to a temporary file, synced and renamed, so a crash never
    /// leaves a truncated blob under a valid name.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredCode> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let md5 = hex::encode(Md5::digest(bytes));
        let code = StoredCode {
            sha256,
            md5,
            size: bytes.len() as u64,
        };
        let dest = self.path(&code);
        if !dest.exists() {
            std::fs::create_dir_all(&self.code_dir).map_err(io(&self.code_dir))?;
            let tmp = self
                .code_dir
                .join(format!(".{}.tmp-{}", code.sha256, std::process::id()));
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
            std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
        }
        Ok(code)
    }

    /// Where `bucket`/`key` lives in the embedded object store.
    pub fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, BucketError> {
        if !valid_bucket(bucket) {
            return Err(BucketError::BadBucket(bucket.to_string()));
        }
        let rel = key_path(key).ok_or_else(|| BucketError::BadKey(key.to_string()))?;
        Ok(self.buckets_dir.join(bucket).join(rel))
    }

    /// The directory under which the objects of `bucket` whose keys begin
    /// with `prefix/` live in the embedded object store (`prefix` may end
    /// with `/`; empty: the bucket's own directory).
    pub fn prefix_path(&self, bucket: &str, prefix: &str) -> Result<PathBuf, BucketError> {
        if !valid_bucket(bucket) {
            return Err(BucketError::BadBucket(bucket.to_string()));
        }
        let prefix = prefix.trim_end_matches('/');
        if prefix.is_empty() {
            return Ok(self.buckets_dir.join(bucket));
        }
        let rel = key_path(prefix).ok_or_else(|| BucketError::BadKey(prefix.to_string()))?;
        Ok(self.buckets_dir.join(bucket).join(rel))
    }

    /// Reads an object of at most `limit` bytes from the embedded object store.
    pub fn read_object(&self, bucket: &str, key: &str, limit: u64) -> Result<Vec<u8>, BucketError> {
        let path = self.object_path(bucket, key)?;
        let missing = || BucketError::Missing {
            bucket: bucket.to_string(),
            key: key.to_string(),
            path: path.display().to_string(),
        };
        let meta = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(missing()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(io(&path)(e).into()),
        };
        if meta.len() > limit {
            return Err(BucketError::TooLarge {
                bucket: bucket.to_string(),
                key: key.to_string(),
                limit,
            });
        }
        std::fs::read(&path).map_err(|e| io(&path)(e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_their_bucket() {
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a/./b",
            "a\\b",
            "a\0b",
        ] {
            assert!(key_path(bad).is_none(), "{bad:?}");
        }
        assert_eq!(key_path("dir/app.jar"), Some(PathBuf::from("dir/app.jar")));
        for bad in ["..", "a", "UPPER", "-x", ".x", "a/b", "x..y"] {
            assert!(!valid_bucket(bad), "{bad:?}");
        }
        assert!(valid_bucket("my-bucket.1"));
    }

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = CodeStore::new(dir.path().join("code"), dir.path().join("buckets"));
        let a = store.put(b"hello").unwrap();
        let b = store.put(b"hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.md5, "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(a.size, 5);
        assert_eq!(std::fs::read(store.path(&a)).unwrap(), b"hello");
    }

    #[test]
    fn objects_resolve_inside_buckets_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = CodeStore::new(dir.path().join("code"), dir.path().join("buckets"));
        let path = store.object_path("bucket", "k/app.jar").unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"jar").unwrap();
        assert_eq!(
            store.read_object("bucket", "k/app.jar", 10).unwrap(),
            b"jar"
        );
        assert!(matches!(
            store.read_object("bucket", "nope", 10),
            Err(BucketError::Missing { .. })
        ));
        assert!(matches!(
            store.read_object("bucket", "k/app.jar", 2),
            Err(BucketError::TooLarge { .. })
        ));
        assert!(matches!(
            store.read_object("bucket", "../bucket/k/app.jar", 10),
            Err(BucketError::BadKey(_))
        ));
        assert!(matches!(
            store.read_object("..", "x", 10),
            Err(BucketError::BadBucket(_))
        ));
    }
}

//! The key pair clients sign with. Taken from the environment or flags, else
//! from a credentials file; on first start Weir generates one into
//! `<data-dir>/credentials` (mode 0600) in the AWS shared-credentials format,
//! so the AWS CLI and SDKs can use the file directly as
//! `AWS_SHARED_CREDENTIALS_FILE` with profile `weir`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rand::Rng;

pub const PROFILE: &str = "weir";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Where a key pair came from, so the server can tell the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Configured,
    File(PathBuf),
    Generated(PathBuf),
}

/// Reads `aws_access_key_id` / `aws_secret_access_key` from the `[weir]`
/// profile (or the only/first profile, or a file without sections).
pub fn parse(text: &str) -> Option<KeyPair> {
    let mut section: Option<&str> = None;
    let mut found: Vec<(Option<&str>, &str, &str)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim());
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            found.push((section, k.trim(), v.trim()));
        }
    }
    let pick = |wanted: Option<&str>| {
        let get = |key: &str| {
            found
                .iter()
                .find(|(s, k, _)| *s == wanted && *k == key)
                .map(|(_, _, v)| v.to_string())
        };
        Some(KeyPair {
            access_key_id: get("aws_access_key_id")?,
            secret_access_key: get("aws_secret_access_key")?,
        })
    };
    pick(Some(PROFILE)).or_else(|| pick(None)).or_else(|| {
        let first = found.iter().find_map(|(s, _, _)| *s)?;
        pick(Some(first))
    })
}

fn random_chars(n: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// A fresh key pair shaped like AWS's (20-character id, 40-character secret).
pub fn generate() -> KeyPair {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    KeyPair {
        access_key_id: format!("WEIR{}", random_chars(16, UPPER)),
        secret_access_key: random_chars(40, SECRET),
    }
}

pub fn render(pair: &KeyPair) -> String {
    format!(
        "# Weir's API key pair. Use it with the AWS CLI or SDKs:\n#   AWS_SHARED_CREDENTIALS_FILE={{this file}} AWS_PROFILE={PROFILE}\n[{PROFILE}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        pair.access_key_id, pair.secret_access_key
    )
}

fn read_file(path: &Path) -> anyhow::Result<KeyPair> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading credentials file {}", path.display()))?;
    match parse(&text) {
        Some(pair) => Ok(pair),
        None => bail!(
            "{} has no aws_access_key_id and aws_secret_access_key (expected a [{PROFILE}] profile)",
            path.display()
        ),
    }
}

/// The key pair to accept: configured, else from `file`, else from (or newly
/// generated into) `<data_dir>/credentials`.
pub fn resolve(
    configured: Option<KeyPair>,
    file: Option<&Path>,
    data_dir: &Path,
) -> anyhow::Result<(KeyPair, Source)> {
    if let Some(pair) = configured {
        return Ok((pair, Source::Configured));
    }
    if let Some(file) = file {
        return Ok((read_file(file)?, Source::File(file.to_path_buf())));
    }
    let path = data_dir.join("credentials");
    if path.exists() {
        return Ok((read_file(&path)?, Source::File(path)));
    }
    let pair = generate();
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(render(&pair).as_bytes())?;
    f.sync_all()?;
    Ok((pair, Source::Generated(path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_file_is_private_parseable_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (pair, source) = resolve(None, None, dir.path()).unwrap();
        let path = dir.path().join("credentials");
        assert_eq!(source, Source::Generated(path.clone()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, source) = resolve(None, None, dir.path()).unwrap();
        assert_eq!(again, pair);
        assert_eq!(source, Source::File(path));
        assert_eq!(pair.access_key_id.len(), 20);
        assert_eq!(pair.secret_access_key.len(), 40);
    }

    #[test]
    fn parse_prefers_the_weir_profile() {
        let text = "[default]\naws_access_key_id = A\naws_secret_access_key = B\n[weir]\naws_access_key_id=C\naws_secret_access_key=D\n";
        assert_eq!(parse(text).unwrap().access_key_id, "C");
        let text = "[other]\naws_access_key_id = A\naws_secret_access_key = B\n";
        assert_eq!(parse(text).unwrap().secret_access_key, "B");
        assert!(parse("[weir]\naws_access_key_id = A\n").is_none());
    }
}

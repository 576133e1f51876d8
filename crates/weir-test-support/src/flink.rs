//! Where the real Flink comes from in tests and benchmarks: the runtimes
//! directory that `scripts/setup-test-env.sh` fills (shared by every test
//! run, never downloaded mid-test), the example jobs it builds
//! (`target/examples/<Flink version>/<name>.jar`), and checking both are
//! there before anything starts, with a failure that says how to make them.

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_kinesisanalyticsv2::types::RuntimeEnvironment;

/// What to do when a runtime or an example job is missing.
pub const SETUP_HINT: &str =
    "run scripts/setup-test-env.sh (scripts/test does) to install the Flink \
     runtimes and build the example jobs";

/// A runtime the tests run on.
#[derive(Debug, Clone, Copy)]
pub struct Rt {
    pub name: &'static str,
    pub version: &'static str,
}

pub const FLINK_1_20: Rt = Rt {
    name: "FLINK-1_20",
    version: "1.20.5",
};
pub const FLINK_2_2: Rt = Rt {
    name: "FLINK-2_2",
    version: "2.2.1",
};

impl Rt {
    pub fn env(self) -> RuntimeEnvironment {
        RuntimeEnvironment::from(self.name)
    }
}

/// The workspace's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$WEIR_RUNTIMES_DIR`, else `${XDG_CACHE_HOME:-~/.cache}/weir/runtimes`.
pub fn runtimes_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WEIR_RUNTIMES_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .expect("HOME or XDG_CACHE_HOME must be set to find the shared Flink runtimes");
    cache.join("weir/runtimes")
}

/// The `FLINK_HOME` of an installed Flink `version` (a PyFlink wheel's
/// `pyflink/`), or a failure saying how to install it.
pub fn flink_home(version: &str) -> PathBuf {
    let home = runtimes_dir().join(version).join("pyflink");
    assert!(
        home.join("lib").is_dir(),
        "Flink {version} is not installed at {}: {SETUP_HINT}",
        home.display()
    );
    home
}

/// `$WEIR_EXAMPLES_DIR`, else `<repo>/target/examples`.
pub fn examples_dir() -> PathBuf {
    match std::env::var_os("WEIR_EXAMPLES_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("target/examples"),
    }
}

/// Where the example job `name` built for Flink `version` lives.
pub fn example_jar_path(version: &str, name: &str) -> PathBuf {
    examples_dir().join(version).join(format!("{name}.jar"))
}

/// The example jar `name` built for Flink `version`, or a failure saying
/// how to make it.
pub fn example_jar(version: &str, name: &str) -> PathBuf {
    let jar = example_jar_path(version, name);
    assert!(
        jar.is_file(),
        "example job {} is missing: {SETUP_HINT}",
        jar.display()
    );
    jar
}

/// The example Python application `name` (a zip, as the service takes
/// one) built for Flink `version`, or a failure saying how to make it.
pub fn example_zip(version: &str, name: &str) -> PathBuf {
    let zip = examples_dir().join(version).join(format!("{name}.zip"));
    assert!(
        zip.is_file(),
        "example application {} is missing: {SETUP_HINT}",
        zip.display()
    );
    zip
}

/// The interpreter of the PyFlink environment Weir installed for Flink
/// `version` in the shared runtimes directory (`<version>-python3.<m>/`),
/// or a failure saying how to install it: the server would otherwise
/// install it from PyPI in the middle of a test.
pub fn python_env(version: &str) -> PathBuf {
    let dir = runtimes_dir();
    let found = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let minor = name.strip_prefix(&format!("{version}-python3."))?;
            let python = e.path().join("bin/python");
            let pyflink = e.path().join(format!(
                "lib/python3.{minor}/site-packages/pyflink/version.py"
            ));
            (python.exists() && pyflink.is_file()).then_some(python)
        });
    found.unwrap_or_else(|| {
        panic!(
            "PyFlink {version} is not installed in {} (weir runtime install --python): {SETUP_HINT}",
            dir.display()
        )
    })
}

/// One line of `weir runtime list`.
#[derive(Debug, Clone)]
pub struct Listed {
    pub name: String,
    pub version: String,
    pub installed: bool,
}

/// What `weir runtime list` (the binary `bin`) says about `runtimes_dir`,
/// run with none of the caller's `WEIR_*` environment and a scratch data
/// directory; `Err` carries its output when it fails.
pub fn runtime_list(bin: &Path, runtimes_dir: &Path) -> Result<(Vec<Listed>, String), String> {
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("WEIR_") {
            cmd.env_remove(key);
        }
    }
    let scratch = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let out = cmd
        .args(["runtime", "list", "--runtimes-dir"])
        .arg(runtimes_dir)
        .arg("--data-dir")
        .arg(scratch.path())
        .output()
        .map_err(|e| format!("running `{} runtime list`: {e}", bin.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{text}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let listed = text
        .lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (cols.len() >= 2).then(|| Listed {
                name: cols[0].to_string(),
                version: cols[1].to_string(),
                installed: cols.get(2) == Some(&"installed"),
            })
        })
        .collect();
    Ok((listed, text))
}

/// Fails unless `weir runtime list` says `rt` is installed in `dir`: the
/// server would otherwise download it from PyPI in the middle of a test.
pub fn require_runtime(bin: &Path, dir: &Path, rt: Rt) {
    let (installed, said) = match runtime_list(bin, dir) {
        Ok((listed, text)) => (
            listed
                .iter()
                .any(|l| l.name == rt.name && l.version == rt.version && l.installed),
            text,
        ),
        Err(said) => (false, said),
    };
    assert!(
        installed,
        "Flink runtime {} ({}) is not installed in {}: {SETUP_HINT}\n`weir runtime list` said:\n{said}",
        rt.name,
        rt.version,
        dir.display(),
    );
}

/// The installed runtimes of `shared`, hard-linked (copied where links
/// cannot be made) into `<parent>/runtimes`, a directory the user
/// `uid:gid` owns, as `parent` itself: a server run as that user installs
/// nothing, and can lock and add what it needs there. The shared runtimes
/// usually sit under root's home, which other users cannot enter; the
/// linked files stay root's and read-only to them, as an installed Flink
/// is. Must run as root.
pub fn runtimes_for_user(
    shared: &Path,
    parent: &Path,
    uid: u32,
    gid: u32,
) -> std::io::Result<PathBuf> {
    let dir = parent.join("runtimes");
    link_runtimes(shared, &dir, |_| true)?;
    for d in [parent, dir.as_path()] {
        std::os::unix::fs::chown(d, Some(uid), Some(gid))?;
    }
    Ok(dir)
}

/// The Flink distributions of `shared` and the service library built
/// beside them (`lib/`), hard-linked (copied where links cannot be made)
/// into `<parent>/runtimes`, without the Python environments
/// (`<version>-python3.<m>/`): a server on it starts clusters without
/// installing a distribution, and installs PyFlink on the first Python
/// application of a runtime, as on a fresh machine (pip's cache stays the
/// shared one). Weir replaces files there by renaming new ones in (the
/// class-data archives), never by writing into them, so the shared copies
/// are never changed through the links.
pub fn runtimes_without_python(shared: &Path, parent: &Path) -> std::io::Result<PathBuf> {
    let dir = parent.join("runtimes");
    link_runtimes(shared, &dir, |name| {
        !name.contains("-python") && !name.contains(".tmp-") && !name.contains(".old-")
    })?;
    Ok(dir)
}

/// Hard-links (or copies) each directory of `shared` whose name `keep`
/// takes into `dir`, unless `dir` has it already.
fn link_runtimes(shared: &Path, dir: &Path, keep: impl Fn(&str) -> bool) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(shared)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default();
        if !path.is_dir() || dir.join(name).exists() || !keep(&name.to_string_lossy()) {
            continue;
        }
        let copy = |flags: &str| {
            std::process::Command::new("cp")
                .arg(flags)
                .arg(&path)
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
        };
        if !copy("-al") && !copy("-a") {
            return Err(std::io::Error::other(format!(
                "cannot copy {} into {}",
                path.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

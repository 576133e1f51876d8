//! Python environments: PyFlink for the runtimes' Python applications.
//!
//! A Python application's `main()` runs in a Python process that Flink's
//! `PythonDriver` starts beside the Job Manager, and its Python functions in
//! Python workers beside each Task Manager. Both need an interpreter that
//! imports `pyflink` of exactly the cluster's Flink release (PyFlink talks
//! to the JVM through py4j and Beam with its own version's protocol), with
//! its dependencies (apache-beam, pyarrow, pandas, pemja, …): about 700 MB,
//! which the application's zip does not carry, as on the service.
//!
//! [`Runtimes::ensure_python`] returns such an interpreter for a runtime:
//!
//! - one the operator **registered** (`--python-env RUNTIME=PATH`: a virtual
//!   environment's directory or an interpreter), checked once to import
//!   `pyflink` of the same `major.minor`; or else
//! - the virtual environment Weir **installed** into
//!   `<runtimes-dir>/<version>-python3.<m>/` on first use: `python3.<m> -m
//!   venv`, then `pip install apache-flink==<version>` from PyPI (pip's
//!   cache is the runtimes' one, so a second install needs no network).
//!
//! PyFlink publishes wheels for a few Python minor versions per release
//! ([`supported_pythons`]); the interpreter is the first of `python3.<m>`
//! for the supported `m`, the service's own choice first (3.11 for 1.19 and
//! 1.20, 3.12 for 2.x), then the runtimes' `python3`. None in range is a
//! [`RuntimeError::Unsupported`] naming the versions needed and those found.
//!
//! Installing is single-flight as for distributions: the in-process lock of
//! the version, then an advisory lock on `<dir>/<version>-python.lock`
//! across processes; the environment is built in `<name>.tmp-<pid>` and
//! renamed into place only once `pyflink` imports from it (a virtual
//! environment's `bin/python` finds its `pyvenv.cfg` next to itself, so it
//! survives the rename; the console scripts in `bin/` are never used).

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use weir_control::model::RuntimeEnvironment;

use crate::runtimes::{lock_file, tail_lines, FlinkVersion, RuntimeState, Runtimes};
use crate::RuntimeError;

/// An interpreter that imports PyFlink of a runtime's release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEnv {
    /// The interpreter Flink runs (`python.client.executable`,
    /// `python.executable`): `<env>/bin/python` of a virtual environment.
    pub python: PathBuf,
    /// The environment's directory (what `weir runtime list` shows).
    pub path: PathBuf,
    /// The interpreter's `major.minor`, e.g. `3.11`.
    pub python_version: String,
}

/// Where a runtime's Python environment stands (for `weir runtime list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonStatus {
    pub path: PathBuf,
    pub state: RuntimeState,
}

/// The Python 3 minor versions PyFlink of `version` has wheels for on PyPI
/// (its `Requires-Python` and the `cpXY` wheels it publishes).
pub fn supported_pythons(version: FlinkVersion) -> RangeInclusive<u16> {
    match (version.major, version.minor) {
        (1, 18) => 7..=10,
        (1, 19) | (1, 20) => 8..=11,
        _ => 9..=12,
    }
}

/// The Python minor version the service runs a runtime's applications on,
/// tried first.
fn service_python(version: FlinkVersion) -> u16 {
    match (version.major, version.minor) {
        (1, 18) => 10,
        (1, _) => 11,
        _ => 12,
    }
}

fn range_text(range: &RangeInclusive<u16>) -> String {
    format!("3.{}–3.{}", range.start(), range.end())
}

/// The interpreter inside a virtual environment's directory.
fn venv_python(dir: &Path) -> PathBuf {
    dir.join("bin").join("python")
}

/// Whether `dir` is a complete environment Weir installed: its interpreter
/// and PyFlink's version module are there (a stat each; no process runs on
/// the path every start takes).
fn installed(dir: &Path, minor: u16) -> bool {
    venv_python(dir).exists()
        && dir
            .join("lib")
            .join(format!("python3.{minor}"))
            .join("site-packages/pyflink/version.py")
            .is_file()
}

impl Runtimes {
    /// Uses an existing Python for `runtime`'s applications instead of
    /// installing one: a virtual environment's directory, or an interpreter,
    /// that imports PyFlink of the runtime's `major.minor` (checked by
    /// [`Self::ensure_python`]).
    pub fn register_python(&mut self, runtime: RuntimeEnvironment, path: impl Into<PathBuf>) {
        self.registered_python.retain(|(r, _)| *r != runtime);
        self.registered_python.push((runtime, path.into()));
    }

    fn registered_python_path(&self, runtime: RuntimeEnvironment) -> Option<&Path> {
        self.registered_python
            .iter()
            .find(|(r, _)| *r == runtime)
            .map(|(_, p)| p.as_path())
    }

    /// Where Weir installs (or installed) the environment of `version` for
    /// Python `3.<minor>`.
    pub fn python_env_path(&self, version: FlinkVersion, minor: u16) -> PathBuf {
        self.dir.join(format!("{version}-python3.{minor}"))
    }

    /// An environment of `version` Weir installed, for any Python it takes.
    fn installed_python(&self, version: FlinkVersion) -> Option<(PathBuf, u16)> {
        supported_pythons(version)
            .rev()
            .map(|m| (self.python_env_path(version, m), m))
            .find(|(dir, m)| installed(dir, *m))
    }

    /// The interpreter of an environment of `version` Weir installed, if
    /// any. Looks at the disk only.
    pub(crate) fn installed_python_interpreter(&self, version: FlinkVersion) -> Option<PathBuf> {
        self.installed_python(version)
            .map(|(dir, _)| venv_python(&dir))
    }

    /// Where `runtime`'s Python environment stands. Looks at the disk only.
    pub fn python_status(&self, runtime: RuntimeEnvironment) -> Option<PythonStatus> {
        let version = FlinkVersion::for_runtime(runtime).ok()?;
        if let Some(p) = self.registered_python_path(runtime) {
            return Some(PythonStatus {
                path: p.to_path_buf(),
                state: RuntimeState::Registered,
            });
        }
        Some(match self.installed_python(version) {
            Some((path, _)) => PythonStatus {
                path,
                state: RuntimeState::Installed,
            },
            None => PythonStatus {
                path: self.python_env_path(version, service_python(version)),
                state: RuntimeState::NotInstalled,
            },
        })
    }

    /// An interpreter with PyFlink of `runtime`'s release, installing a
    /// virtual environment first if needed (see the module's text).
    ///
    /// Errors: [`RuntimeError::Unsupported`] (no Python PyFlink takes, or a
    /// registered one that does not import the right PyFlink),
    /// [`RuntimeError::Download`] (with pip's words).
    pub async fn ensure_python(
        &self,
        runtime: RuntimeEnvironment,
    ) -> Result<PythonEnv, RuntimeError> {
        let version = FlinkVersion::for_runtime(runtime)?;
        if let Some(path) = self.registered_python_path(runtime) {
            return check_registered(runtime, version, path).await;
        }
        if let Some((path, minor)) = self.installed_python(version) {
            return Ok(PythonEnv {
                python: venv_python(&path),
                path,
                python_version: format!("3.{minor}"),
            });
        }
        let lock = self.python_lock(version);
        let _one_at_a_time = lock.lock().await;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(RuntimeError::io(format!("creating {}", self.dir.display())))?;
        let lock_path = self.dir.join(format!("{version}-python.lock"));
        let _cross_process = tokio::task::spawn_blocking(move || lock_file(&lock_path))
            .await
            .expect("lock task panicked")?;
        if let Some((path, minor)) = self.installed_python(version) {
            return Ok(PythonEnv {
                python: venv_python(&path),
                path,
                python_version: format!("3.{minor}"),
            });
        }
        let (interpreter, minor) = self.find_interpreter(runtime, version).await?;
        let target = self.python_env_path(version, minor);
        self.install_python(version, &interpreter, minor, &target)
            .await?;
        Ok(PythonEnv {
            python: venv_python(&target),
            path: target,
            python_version: format!("3.{minor}"),
        })
    }

    /// The first interpreter on `PATH` that PyFlink of `version` takes and
    /// that can make virtual environments.
    async fn find_interpreter(
        &self,
        runtime: RuntimeEnvironment,
        version: FlinkVersion,
    ) -> Result<(String, u16), RuntimeError> {
        let range = supported_pythons(version);
        let preferred = service_python(version);
        let mut candidates = vec![format!("python3.{preferred}")];
        candidates.extend(
            range
                .clone()
                .rev()
                .filter(|m| *m != preferred)
                .map(|m| format!("python3.{m}")),
        );
        candidates.push(self.python.clone());
        let mut found = Vec::new();
        for candidate in candidates {
            match probe_python(&candidate).await {
                Ok(minor) if range.contains(&minor) => return Ok((candidate, minor)),
                Ok(minor) => found.push(format!("{candidate} is 3.{minor}")),
                Err(why) if candidate == self.python => found.push(format!("{candidate}: {why}")),
                // python3.<m> missing is the common case; named only when
                // nothing was found at all (below).
                Err(_) => {}
            }
        }
        let found = if found.is_empty() {
            "no python3.<m> on PATH".to_string()
        } else {
            found.join("; ")
        };
        Err(RuntimeError::Unsupported {
            runtime: runtime.as_str().to_string(),
            reason: format!(
                "its Python applications need Python {} (PyFlink {version} publishes wheels for those only), with the venv module; found: {found}. Install one (e.g. python3.{preferred} and python3.{preferred}-venv), or give an environment with --python-env {}=PATH",
                range_text(&range),
                runtime.as_str(),
            ),
        })
    }

    async fn install_python(
        &self,
        version: FlinkVersion,
        interpreter: &str,
        minor: u16,
        target: &Path,
    ) -> Result<(), RuntimeError> {
        let download = |detail: String| RuntimeError::Download {
            version: format!("{version} (PyFlink for Python 3.{minor})"),
            detail,
        };
        // We hold the lock: every other `.tmp-*` of this name is a dead installer's.
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_stale(&self.dir, &format!("{name}.tmp-")).await;
        let tmp = self.dir.join(format!("{name}.tmp-{}", std::process::id()));
        let _ = tokio::fs::remove_dir_all(&tmp).await;
        tracing::info!(%version, python = interpreter, dir = %target.display(), "installing PyFlink from PyPI");
        let started = std::time::Instant::now();
        let result = async {
            let mut venv = tokio::process::Command::new(interpreter);
            venv.args(["-m", "venv"]).arg(&tmp);
            run(venv, Duration::from_secs(120))
                .await
                .map_err(|e| download(format!("{interpreter} -m venv failed: {e}")))?;
            let mut pip = tokio::process::Command::new(venv_python(&tmp));
            pip.args(["-m", "pip", "install", "--no-input"])
                .args(["--disable-pip-version-check", "--progress-bar", "off"])
                .arg(format!("apache-flink=={version}"));
            if std::env::var_os("PIP_CACHE_DIR").is_none() {
                pip.env("PIP_CACHE_DIR", &self.pip_cache_dir);
            }
            run(pip, self.install_timeout)
                .await
                .map_err(|e| download(format!("pip install apache-flink=={version}: {e}")))?;
            let imported = pyflink_version(&venv_python(&tmp))
                .await
                .map_err(|e| download(format!("pyflink does not import: {e}")))?;
            if imported != version.to_string() {
                return Err(download(format!(
                    "pip installed PyFlink {imported}, expected {version}"
                )));
            }
            tokio::fs::rename(&tmp, target)
                .await
                .map_err(RuntimeError::io(format!(
                    "renaming {} to {}",
                    tmp.display(),
                    target.display()
                )))
        }
        .await;
        match &result {
            Ok(()) => {
                tracing::info!(%version, elapsed_ms = started.elapsed().as_millis() as u64, "PyFlink installed")
            }
            Err(_) => {
                let _ = tokio::fs::remove_dir_all(&tmp).await;
            }
        }
        result
    }
}

/// Checks an operator's environment: a directory is a virtual environment
/// (its `bin/python`), anything else an interpreter.
async fn check_registered(
    runtime: RuntimeEnvironment,
    version: FlinkVersion,
    path: &Path,
) -> Result<PythonEnv, RuntimeError> {
    let python = if path.is_dir() {
        venv_python(path)
    } else {
        path.to_path_buf()
    };
    let wrong = |reason: String| RuntimeError::Unsupported {
        runtime: runtime.as_str().to_string(),
        reason: format!(
            "the Python environment given for it, {}, {reason}",
            path.display()
        ),
    };
    let imported = pyflink_version(&python).await.map_err(wrong)?;
    let matches = FlinkVersion::parse(&imported).is_some_and(|v| v.same_series(version));
    if !matches {
        return Err(wrong(format!(
            "has PyFlink {imported}, but {} needs PyFlink {}.{}",
            runtime.as_str(),
            version.major,
            version.minor
        )));
    }
    let python_version = probe_python(&python.to_string_lossy())
        .await
        .map(|m| format!("3.{m}"))
        .map_err(wrong)?;
    Ok(PythonEnv {
        python,
        path: path.to_path_buf(),
        python_version,
    })
}

/// The Python 3 minor version of `interpreter`, if it runs and has `venv`.
async fn probe_python(interpreter: &str) -> Result<u16, String> {
    let mut cmd = tokio::process::Command::new(interpreter);
    cmd.args([
        "-c",
        "import sys, venv; print(sys.version_info[0], sys.version_info[1])",
    ]);
    let out = run(cmd, Duration::from_secs(30)).await?;
    match out.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["3", minor] => minor.parse().map_err(|_| format!("printed {out:?}")),
        _ => Err(format!("is not Python 3 (it printed {out:?})")),
    }
}

/// The PyFlink release `python` imports.
async fn pyflink_version(python: &Path) -> Result<String, String> {
    let mut cmd = tokio::process::Command::new(python);
    cmd.args([
        "-c",
        "from pyflink.version import __version__; print(__version__)",
    ]);
    Ok(run(cmd, Duration::from_secs(60)).await?.trim().to_string())
}

/// Runs `cmd` to the end within `timeout`: its stdout, or why it failed
/// (the end of its stderr).
async fn run(mut cmd: tokio::process::Command, timeout: Duration) -> Result<String, String> {
    cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
    let output = tokio::time::timeout(timeout, cmd.output())
        .await
        .map_err(|_| format!("did not finish within {} s", timeout.as_secs()))?
        .map_err(|e| format!("cannot be run: {e}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!(
        "exited with {}:\n{}",
        output.status,
        tail_lines(
            stderr
                .lines()
                .filter(|l| !l.contains("Running pip as the 'root' user")),
            15
        )
    ))
}

async fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            tracing::info!(path = %entry.path().display(), "removing an interrupted PyFlink install");
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pinned_release_takes_the_python_the_service_runs_it_on() {
        for (_, version) in FlinkVersion::supported() {
            assert!(supported_pythons(version).contains(&service_python(version)));
        }
        assert_eq!(
            supported_pythons(FlinkVersion::new(1, 20, 5)),
            8..=11,
            "PyFlink 1.20 has no cp312 wheels"
        );
    }

    #[tokio::test]
    async fn an_environment_is_installed_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let runtimes = Runtimes::new(dir.path());
        let v = FlinkVersion::new(1, 20, 5);
        let env = runtimes.python_env_path(v, 11);
        assert_eq!(env, dir.path().join("1.20.5-python3.11"));
        let status = runtimes
            .python_status(RuntimeEnvironment::Flink1_20)
            .unwrap();
        assert_eq!(status.state, RuntimeState::NotInstalled);
        std::fs::create_dir_all(env.join("bin")).unwrap();
        std::fs::write(env.join("bin/python"), "").unwrap();
        assert_eq!(
            runtimes
                .python_status(RuntimeEnvironment::Flink1_20)
                .unwrap()
                .state,
            RuntimeState::NotInstalled,
            "an interpreter without pyflink is a half install"
        );
        let pyflink = env.join("lib/python3.11/site-packages/pyflink");
        std::fs::create_dir_all(&pyflink).unwrap();
        std::fs::write(pyflink.join("version.py"), "__version__ = \"1.20.5\"\n").unwrap();
        let status = runtimes
            .python_status(RuntimeEnvironment::Flink1_20)
            .unwrap();
        assert_eq!((status.state, status.path), (RuntimeState::Installed, env));
    }

    #[tokio::test]
    async fn a_registered_interpreter_without_pyflink_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut runtimes = Runtimes::new(dir.path());
        runtimes.register_python(RuntimeEnvironment::Flink1_20, "/bin/false");
        let err = runtimes
            .ensure_python(RuntimeEnvironment::Flink1_20)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("/bin/false"), "{err}");
        assert!(err.contains("FLINK-1_20"), "{err}");
    }
}

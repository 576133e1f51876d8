//! Runtimes: which Flink distribution a runtime name means, and getting it
//! onto this machine.
//!
//! Each supported [`RuntimeEnvironment`] is pinned to one exact Flink release
//! ([`FlinkVersion::for_runtime`]). [`Runtimes::ensure`] returns a usable
//! [`FlinkHome`] for it:
//!
//! - a distribution the user **registered** for that runtime (any path that
//!   holds `lib/flink-dist-X.Y.*.jar` of the same `X.Y`), or else
//! - the one Weir **installed** into `<dir>/<version>/pyflink`, installing it
//!   on first use with
//!   `python3 -m pip install --no-deps --target … apache-flink==V apache-flink-libraries==V`
//!   (PyPI publishes complete distributions: `bin/ lib/ conf/ opt/ plugins/`).
//!
//! Installing is single-flight: concurrent callers in this process wait for
//! one install, and an advisory lock on `<dir>/<version>.lock` does the same
//! across processes (two test binaries, two Weirs). pip writes into
//! `<dir>/<version>.tmp-<pid>`, which is checked and only then renamed to
//! `<dir>/<version>`: a crash never leaves a half install that looks complete,
//! and stale `.tmp-*` directories are removed by the next installer.
//!
//! Every home [`Runtimes::ensure`] gives out also names the jar of the
//! service's runtime library ([`FlinkHome::service_library`], built once into
//! `<dir>/lib/` by [`crate::service_library`]; never into a registered
//! distribution), which [`FlinkHome::classpath`] puts last.
//!
//! pip's downloads and built wheels are cached in `PIP_CACHE_DIR` (default
//! `${XDG_CACHE_HOME:-~/.cache}/weir/pip`), so a second install of the same
//! version — e.g. into a test's own runtimes directory — needs no network.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weir_control::model::RuntimeEnvironment;

use crate::RuntimeError;

/// An exact Flink release, e.g. `1.20.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlinkVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

/// The runtimes Weir runs, and the exact release each one is pinned to.
const PINNED: [(RuntimeEnvironment, FlinkVersion); 5] = [
    (RuntimeEnvironment::Flink1_18, FlinkVersion::new(1, 18, 1)),
    (RuntimeEnvironment::Flink1_19, FlinkVersion::new(1, 19, 3)),
    (RuntimeEnvironment::Flink1_20, FlinkVersion::new(1, 20, 5)),
    (RuntimeEnvironment::Flink2_2, FlinkVersion::new(2, 2, 1)),
    (RuntimeEnvironment::Flink2_3, FlinkVersion::new(2, 3, 0)),
];

impl FlinkVersion {
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        FlinkVersion {
            major,
            minor,
            patch,
        }
    }

    /// The release a runtime name is pinned to, or why Weir cannot run it.
    pub fn for_runtime(runtime: RuntimeEnvironment) -> Result<FlinkVersion, RuntimeError> {
        if let Some((_, v)) = PINNED.iter().find(|(r, _)| *r == runtime) {
            return Ok(*v);
        }
        use RuntimeEnvironment as R;
        let reason = match runtime {
            R::Sql1_0 => {
                "SQL applications are not Flink applications; Weir runs Flink runtimes only"
            }
            R::ZeppelinFlink1_0 | R::ZeppelinFlink2_0 | R::ZeppelinFlink3_0 => {
                "Studio (Zeppelin) notebooks are not supported; Weir runs Flink runtimes only"
            }
            R::Flink1_6 | R::Flink1_8 | R::Flink1_11 | R::Flink1_13 | R::Flink1_15 => {
                "Flink releases before 1.18 do not run on Java 17, the Java Weir uses; \
                 use FLINK-1_18 or later"
            }
            // Every other Flink runtime is in PINNED.
            _ => "no Flink release is pinned for it",
        };
        Err(RuntimeError::Unsupported {
            runtime: runtime.as_str().to_string(),
            reason: reason.to_string(),
        })
    }

    /// The runtimes Weir can run, oldest first.
    pub fn supported() -> impl Iterator<Item = (RuntimeEnvironment, FlinkVersion)> {
        PINNED.into_iter()
    }

    /// Parses `X.Y.Z` (a suffix such as `-SNAPSHOT` after Z is ignored).
    pub fn parse(s: &str) -> Option<FlinkVersion> {
        let mut parts = s.splitn(3, '.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let rest = parts.next()?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let patch = digits.parse().ok()?;
        Some(FlinkVersion::new(major, minor, patch))
    }

    /// Whether `other` is the same `major.minor` series.
    pub fn same_series(self, other: FlinkVersion) -> bool {
        self.major == other.major && self.minor == other.minor
    }

    /// The file a Flink process reads its configuration from: Flink 1.19
    /// introduced the standard-YAML `config.yaml` (2.x reads only that); 1.18
    /// reads the flat `flink-conf.yaml`.
    pub fn config_file_name(self) -> &'static str {
        if self < FlinkVersion::new(1, 19, 0) {
            "flink-conf.yaml"
        } else {
            "config.yaml"
        }
    }

    /// Whether [`Self::config_file_name`] is parsed as standard YAML (values
    /// must be quoted) rather than Flink's legacy `key: value` lines.
    pub fn standard_yaml_config(self) -> bool {
        self.config_file_name() == "config.yaml"
    }
}

impl fmt::Display for FlinkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A complete Flink distribution on this machine (`FLINK_HOME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlinkHome {
    pub path: PathBuf,
    /// The release, as `lib/flink-dist-<version>.jar` names it.
    pub version: FlinkVersion,
    /// A directory with class-data sharing archives (`jobmanager.jsa`,
    /// `taskmanager.jsa`) made for this distribution and this `java`, when
    /// [`Runtimes::ensure`] prepared them. Local clusters then start their
    /// JVMs with about 30 % less CPU.
    pub class_data: Option<PathBuf>,
    /// The jar of the service's runtime library (`KinesisAnalyticsRuntime`,
    /// see [`crate::service_library`]) that [`Runtimes::ensure`] built for
    /// this home, outside it; [`Self::classpath`] appends it.
    pub service_library: Option<PathBuf>,
}

impl FlinkHome {
    /// Checks that `path` is a usable Flink distribution and reads its version
    /// from `lib/flink-dist-*.jar`. Does not run anything.
    pub fn open(path: impl Into<PathBuf>) -> Result<FlinkHome, RuntimeError> {
        let path = path.into();
        let invalid = |reason: String| RuntimeError::InvalidDistribution {
            path: path.clone(),
            reason,
        };
        let lib = path.join("lib");
        let entries = std::fs::read_dir(&lib)
            .map_err(|e| invalid(format!("cannot read {}: {e}", lib.display())))?;
        let mut dists = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("flink-dist-")
                .and_then(|rest| rest.strip_suffix(".jar"))
            {
                dists.push(v.to_string());
            }
        }
        let version = match dists.as_slice() {
            [] => return Err(invalid("lib/flink-dist-*.jar is missing".into())),
            [one] => FlinkVersion::parse(one).ok_or_else(|| {
                invalid(format!("cannot read a version from flink-dist-{one}.jar"))
            })?,
            _ => return Err(invalid("more than one lib/flink-dist-*.jar".into())),
        };
        let flink = path.join("bin").join("flink");
        if !is_executable(&flink) {
            return Err(invalid("bin/flink is missing or not executable".into()));
        }
        if !path.join("conf").join("log4j.properties").is_file() {
            return Err(invalid("conf/log4j.properties is missing".into()));
        }
        Ok(FlinkHome {
            path,
            version,
            class_data: None,
            service_library: None,
        })
    }

    pub fn lib_dir(&self) -> PathBuf {
        self.path.join("lib")
    }

    pub fn conf_dir(&self) -> PathBuf {
        self.path.join("conf")
    }

    /// The JVM classpath of Weir's Job Managers and Task Managers: what
    /// [`Self::lib_classpath`] gives, then [`Self::service_library`] (after
    /// `lib/`, so that it shadows nothing of Flink's), then Flink's Python
    /// support ([`Self::python_jar`]). The class-data archives are recorded
    /// on exactly this classpath (it is part of their key).
    pub fn classpath(&self) -> Result<String, RuntimeError> {
        let mut classpath = self.lib_classpath()?;
        for jar in self
            .service_library
            .iter()
            .cloned()
            .chain(self.python_jar())
        {
            classpath.push(':');
            classpath.push_str(&jar.to_string_lossy());
        }
        Ok(classpath)
    }

    /// Flink's Python support, `opt/flink-python-<version>.jar`: its
    /// `PythonDriver` runs a Python application's `main()` in the Job
    /// Manager and its operators run the Python functions. Flink leaves it
    /// out of `lib/` (its CLI adds it to a Python job's jars); Weir puts it
    /// on every cluster's classpath, after the service library, so that any
    /// cluster (a warm one from the pool, one an update keeps) runs Python
    /// applications. A Java job uses none of it (Table API jobs list one more
    /// table factory, `python-input-format`).
    pub fn python_jar(&self) -> Option<PathBuf> {
        let opt = self.path.join("opt");
        let mut jars: Vec<PathBuf> = std::fs::read_dir(&opt)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with("flink-python") && n.ends_with(".jar")
                })
            })
            .collect();
        jars.sort();
        jars.pop()
    }

    /// The JVM classpath Flink's own scripts build: every jar in `lib/`,
    /// sorted, with `flink-dist` last.
    pub fn lib_classpath(&self) -> Result<String, RuntimeError> {
        let lib = self.lib_dir();
        let mut jars: Vec<PathBuf> = std::fs::read_dir(&lib)
            .map_err(RuntimeError::io(format!("reading {}", lib.display())))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jar"))
            .collect();
        jars.sort();
        let (dist, mut rest): (Vec<PathBuf>, Vec<PathBuf>) = jars.into_iter().partition(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("flink-dist"))
        });
        rest.extend(dist);
        Ok(rest
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(":"))
    }
}

/// Where a runtime stands on this machine (for `weir runtime list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeStatus {
    pub runtime: RuntimeEnvironment,
    pub flink_version: FlinkVersion,
    /// The distribution that would be used: the registered one, else Weir's
    /// install location (which may not exist yet).
    pub path: PathBuf,
    pub state: RuntimeState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeState {
    /// The user registered a distribution for this runtime.
    Registered,
    /// Weir installed it.
    Installed,
    /// Will be installed on first use.
    NotInstalled,
}

impl RuntimeState {
    pub fn as_str(&self) -> &'static str {
        match self {
            RuntimeState::Registered => "registered",
            RuntimeState::Installed => "installed",
            RuntimeState::NotInstalled => "not installed",
        }
    }
}

/// The runtimes directory and the distributions registered by the user.
pub struct Runtimes {
    pub(crate) dir: PathBuf,
    registered: Vec<(RuntimeEnvironment, PathBuf)>,
    /// Python environments the operator gave (see [`crate::python_env`]).
    pub(crate) registered_python: Vec<(RuntimeEnvironment, PathBuf)>,
    pub(crate) python: String,
    pub(crate) pip_cache_dir: PathBuf,
    pub(crate) install_timeout: Duration,
    /// One install at a time per version within this process; the file lock
    /// in `install` covers other processes.
    installing: Mutex<HashMap<FlinkVersion, Arc<tokio::sync::Mutex<()>>>>,
    /// The same for Python environments: apart, so that a minute of pip
    /// does not hold up a cluster's start on the distribution.
    installing_python: Mutex<HashMap<FlinkVersion, Arc<tokio::sync::Mutex<()>>>>,
    java: tokio::sync::OnceCell<String>,
    class_data_sharing: bool,
    /// Versions whose class-data archives could not be made: not retried
    /// by this process (a cluster starts fine without them).
    class_data_failed: Mutex<Vec<FlinkVersion>>,
}

impl Runtimes {
    /// Runtimes installed under `dir` (created on first install).
    pub fn new(dir: impl Into<PathBuf>) -> Runtimes {
        Runtimes {
            dir: dir.into(),
            registered: Vec::new(),
            registered_python: Vec::new(),
            python: "python3".to_string(),
            pip_cache_dir: default_pip_cache_dir(),
            install_timeout: Duration::from_secs(30 * 60),
            installing: Mutex::new(HashMap::new()),
            installing_python: Mutex::new(HashMap::new()),
            java: tokio::sync::OnceCell::new(),
            class_data_sharing: true,
            class_data_failed: Mutex::new(Vec::new()),
        }
    }

    /// Uses an existing Flink distribution for `runtime` instead of installing
    /// one. Checked on [`Self::ensure`]: it must be the same `major.minor`.
    pub fn register(&mut self, runtime: RuntimeEnvironment, flink_home: impl Into<PathBuf>) {
        self.registered.retain(|(r, _)| *r != runtime);
        self.registered.push((runtime, flink_home.into()));
    }

    /// The Python interpreter that runs pip (default `python3`).
    pub fn with_python(mut self, python: impl Into<String>) -> Runtimes {
        self.python = python.into();
        self
    }

    /// pip's download/wheel cache (default `${XDG_CACHE_HOME:-~/.cache}/weir/pip`).
    pub fn with_pip_cache_dir(mut self, dir: impl Into<PathBuf>) -> Runtimes {
        self.pip_cache_dir = dir.into();
        self
    }

    /// Whether [`Self::ensure`] prepares class-data sharing archives for the
    /// distributions it installs (default: yes). Preparing runs a one-Task
    /// Manager cluster once per version and `java` (about 10–15 s) and makes
    /// every later cluster start with about 30 % less CPU. Registered
    /// distributions never get archives (Weir does not write into them).
    pub fn with_class_data_sharing(mut self, enabled: bool) -> Runtimes {
        self.class_data_sharing = enabled;
        self
    }

    /// How long one pip install may take (default 30 minutes).
    pub fn with_install_timeout(mut self, timeout: Duration) -> Runtimes {
        self.install_timeout = timeout;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where Weir installs (or installed) a version: the `FLINK_HOME`.
    pub fn install_path(&self, version: FlinkVersion) -> PathBuf {
        self.dir.join(version.to_string()).join("pyflink")
    }

    fn registered_path(&self, runtime: RuntimeEnvironment) -> Option<&Path> {
        self.registered
            .iter()
            .find(|(r, _)| *r == runtime)
            .map(|(_, p)| p.as_path())
    }

    /// Every supported runtime and where it stands. Looks at the disk only.
    pub fn list(&self) -> Vec<RuntimeStatus> {
        FlinkVersion::supported()
            .map(|(runtime, flink_version)| {
                let (path, state) = match self.registered_path(runtime) {
                    Some(p) => (p.to_path_buf(), RuntimeState::Registered),
                    None => {
                        let p = self.install_path(flink_version);
                        let state = if FlinkHome::open(&p).is_ok() {
                            RuntimeState::Installed
                        } else {
                            RuntimeState::NotInstalled
                        };
                        (p, state)
                    }
                };
                RuntimeStatus {
                    runtime,
                    flink_version,
                    path,
                    state,
                }
            })
            .collect()
    }

    /// A usable Flink distribution for `runtime`, installing it first if
    /// needed, with the jar of the service's runtime library
    /// ([`Self::service_library`]). Also checks (once per `Runtimes`) that
    /// `java` runs, and, for the distributions Weir installs, makes their
    /// class-data sharing archives the first time (see
    /// [`Self::with_class_data_sharing`]).
    ///
    /// Errors: [`RuntimeError::Unsupported`], [`RuntimeError::JavaMissing`],
    /// [`RuntimeError::Download`] (with pip's words),
    /// [`RuntimeError::InvalidDistribution`], [`RuntimeError::ServiceLibrary`]
    /// (no `javac`).
    pub async fn ensure(&self, runtime: RuntimeEnvironment) -> Result<FlinkHome, RuntimeError> {
        let version = FlinkVersion::for_runtime(runtime)?;
        // First: fail before a 250 MB download, not after.
        self.check_java().await?;
        if let Some(path) = self.registered_path(runtime) {
            let home = FlinkHome::open(path)?;
            if !home.version.same_series(version) {
                return Err(RuntimeError::InvalidDistribution {
                    path: path.to_path_buf(),
                    reason: format!(
                        "it is Flink {}, but {} needs Flink {}.{}",
                        home.version,
                        runtime.as_str(),
                        version.major,
                        version.minor
                    ),
                });
            }
            return Ok(FlinkHome {
                service_library: Some(self.service_library().await?),
                ..home
            });
        }

        let path = self.install_path(version);
        let mut home = match FlinkHome::open(&path) {
            Ok(home) => home,
            Err(_) => {
                // Also before a 250 MB download: without a JDK's `javac`
                // the service's jobs cannot run here.
                self.service_library().await?;
                let lock = self.version_lock(version);
                let _one_at_a_time = lock.lock().await;
                if FlinkHome::open(&path).is_err() {
                    self.install(version).await?;
                }
                FlinkHome::open(&path)?
            }
        };
        home.service_library = Some(self.service_library().await?);
        if self.class_data_sharing {
            home.class_data = self.class_data(&home).await;
        }
        Ok(home)
    }

    /// The jar of the service's runtime library (`KinesisAnalyticsRuntime`)
    /// in `<dir>/lib/`, built first if it is not there (see
    /// [`crate::service_library`]); a stat when it is.
    pub async fn service_library(&self) -> Result<PathBuf, RuntimeError> {
        crate::service_library::ensure_jar(&self.dir).await
    }

    fn version_lock(&self, version: FlinkVersion) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.installing.lock().expect("installing map poisoned");
        map.entry(version).or_default().clone()
    }

    pub(crate) fn python_lock(&self, version: FlinkVersion) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .installing_python
            .lock()
            .expect("installing map poisoned");
        map.entry(version).or_default().clone()
    }

    /// The class-data archives of an installed distribution, made first if
    /// they are missing or were made for another `java` or classpath. None
    /// when they cannot be made (logged; clusters start without them).
    async fn class_data(&self, home: &FlinkHome) -> Option<PathBuf> {
        let version = home.version;
        // The Python environment Weir installed for this release, if any:
        // the recording then runs a Python job too. (One an operator
        // registers is left out: it may change under Weir.)
        let python = self.installed_python_interpreter(version);
        let cds = self.dir.join(version.to_string()).join("cds");
        // The whole classpath the clusters run with: a JVM uses the archived
        // classes only while the classpath it was recorded on is a prefix of
        // its own (up to the last jar the recording took a class from), and
        // the training job's Table API reaches past `lib/` (the service
        // library's slot) into Flink's Python support for a table factory.
        let key = format!(
            "{}\n{}\n{}\n",
            self.check_java().await.ok()?,
            home.classpath().ok()?,
            crate::cluster::class_data_training_key(python.as_deref())
        );
        if class_data_matches(&cds, &key) {
            return Some(cds);
        }
        let lock = self.version_lock(version);
        let _one_at_a_time = lock.lock().await;
        if self
            .class_data_failed
            .lock()
            .expect("poisoned")
            .contains(&version)
        {
            return None;
        }
        let lock_path = self.dir.join(format!("{version}.lock"));
        let _cross_process = tokio::task::spawn_blocking(move || lock_file(&lock_path))
            .await
            .expect("lock task panicked")
            .ok()?;
        if class_data_matches(&cds, &key) {
            return Some(cds);
        }
        let started = std::time::Instant::now();
        match crate::cluster::record_class_data(home, python.as_deref(), &cds, &key).await {
            Ok(()) => {
                tracing::info!(%version, elapsed_ms = started.elapsed().as_millis() as u64, "class-data sharing archives made");
                Some(cds)
            }
            Err(e) => {
                tracing::warn!(%version, error = %e, "could not make class-data sharing archives; clusters start without them");
                self.class_data_failed
                    .lock()
                    .expect("poisoned")
                    .push(version);
                None
            }
        }
    }

    /// Runs `java -version` once; its output on success.
    pub async fn check_java(&self) -> Result<String, RuntimeError> {
        self.java.get_or_try_init(check_java).await.cloned()
    }

    async fn install(&self, version: FlinkVersion) -> Result<(), RuntimeError> {
        let dir = self.dir.clone();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(RuntimeError::io(format!("creating {}", dir.display())))?;
        let lock_path = dir.join(format!("{version}.lock"));
        let _cross_process = tokio::task::spawn_blocking(move || lock_file(&lock_path))
            .await
            .expect("lock task panicked")?;

        let target = dir.join(version.to_string());
        if FlinkHome::open(target.join("pyflink")).is_ok() {
            return Ok(()); // another process installed it while we waited
        }
        // We hold the lock: every other `<version>.tmp-*` is a dead installer's.
        remove_stale_temps(&dir, version).await;
        let tmp = dir.join(format!("{version}.tmp-{}", std::process::id()));
        let _ = tokio::fs::remove_dir_all(&tmp).await;

        tracing::info!(%version, dir = %dir.display(), "installing Flink from PyPI");
        let started = std::time::Instant::now();
        let result = self.pip_install(version, &tmp).await;
        let result = match result {
            Ok(()) => finish_install(&tmp, &target, version).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            let _ = tokio::fs::remove_dir_all(&tmp).await;
        } else {
            tracing::info!(%version, elapsed_ms = started.elapsed().as_millis() as u64, "Flink installed");
        }
        result
    }

    async fn pip_install(&self, version: FlinkVersion, tmp: &Path) -> Result<(), RuntimeError> {
        let download = |detail: String| RuntimeError::Download {
            version: version.to_string(),
            detail,
        };
        let mut cmd = tokio::process::Command::new(&self.python);
        cmd.args(["-m", "pip", "install", "--no-deps", "--no-input"])
            .args(["--disable-pip-version-check", "--progress-bar", "off"])
            .arg("--target")
            .arg(tmp)
            .arg(format!("apache-flink=={version}"))
            .arg(format!("apache-flink-libraries=={version}"))
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        if std::env::var_os("PIP_CACHE_DIR").is_none() {
            cmd.env("PIP_CACHE_DIR", &self.pip_cache_dir);
        }
        let output = tokio::time::timeout(self.install_timeout, cmd.output())
            .await
            .map_err(|_| {
                download(format!(
                    "pip did not finish within {} s",
                    self.install_timeout.as_secs()
                ))
            })?
            .map_err(|e| download(format!("cannot run {} -m pip: {e}", self.python)))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail = tail_lines(
            stderr
                .lines()
                .filter(|l| !l.contains("Running pip as the 'root' user")),
            15,
        );
        Err(download(format!(
            "pip exited with {}:\n{tail}",
            output.status
        )))
    }
}

/// `${XDG_CACHE_HOME:-~/.cache}/weir/pip`
pub fn default_pip_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("weir").join("pip")
}

/// The `java` to run: `$JAVA_HOME/bin/java` when that exists, else `java`
/// from `PATH`.
pub fn java_binary() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let java = PathBuf::from(home).join("bin").join("java");
        if java.is_file() {
            return java;
        }
    }
    PathBuf::from("java")
}

async fn check_java() -> Result<String, RuntimeError> {
    let java = java_binary();
    let output = tokio::process::Command::new(&java)
        .arg("-version")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .map_err(|_| RuntimeError::JavaMissing(format!("`{} -version` hung", java.display())))?
        .map_err(|e| {
            RuntimeError::JavaMissing(format!(
                "`{}` could not be run ({e}); install a JDK 17 or set JAVA_HOME",
                java.display()
            ))
        })?;
    let text = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(RuntimeError::JavaMissing(format!(
            "`{} -version` failed ({}): {}",
            java.display(),
            output.status,
            text.trim()
        )));
    }
    Ok(text.trim().to_string())
}

async fn finish_install(
    tmp: &Path,
    target: &Path,
    version: FlinkVersion,
) -> Result<(), RuntimeError> {
    let home = tmp.join("pyflink");
    make_bin_executable(&home.join("bin")).await?;
    let found = FlinkHome::open(&home)?;
    if found.version != version {
        return Err(RuntimeError::InvalidDistribution {
            path: home,
            reason: format!("pip installed Flink {}, expected {version}", found.version),
        });
    }
    // We hold the install lock: a target that exists but is not a usable
    // distribution (copied by hand, damaged) is moved aside, not trusted.
    if tokio::fs::metadata(target).await.is_ok() && FlinkHome::open(target.join("pyflink")).is_err()
    {
        let aside = target.with_extension(format!("broken-{}", std::process::id()));
        tracing::warn!(path = %target.display(), "replacing an unusable Flink distribution");
        tokio::fs::rename(target, &aside)
            .await
            .map_err(RuntimeError::io(format!(
                "moving {} aside",
                target.display()
            )))?;
        let _ = tokio::fs::remove_dir_all(&aside).await;
    }
    match tokio::fs::rename(tmp, target).await {
        Ok(()) => Ok(()),
        // Someone else's complete install won the race (only possible without
        // the file lock, e.g. on a filesystem without flock): use theirs.
        Err(_) if FlinkHome::open(target.join("pyflink")).is_ok() => {
            let _ = tokio::fs::remove_dir_all(tmp).await;
            Ok(())
        }
        Err(e) => Err(RuntimeError::io(format!(
            "renaming {} to {}",
            tmp.display(),
            target.display()
        ))(e)),
    }
}

async fn make_bin_executable(bin: &Path) -> Result<(), RuntimeError> {
    use std::os::unix::fs::PermissionsExt;
    let mut entries = tokio::fs::read_dir(bin)
        .await
        .map_err(RuntimeError::io(format!("reading {}", bin.display())))?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        if meta.is_file() {
            let mut perms = meta.permissions();
            perms.set_mode(perms.mode() | 0o755);
            tokio::fs::set_permissions(&path, perms)
                .await
                .map_err(RuntimeError::io(format!("chmod {}", path.display())))?;
        }
    }
    Ok(())
}

async fn remove_stale_temps(dir: &Path, version: FlinkVersion) {
    let prefix = format!("{version}.tmp-");
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            tracing::info!(path = %entry.path().display(), "removing an interrupted Flink install");
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}

/// Whether `cds` holds both archives, made for `key` (java and classpath).
fn class_data_matches(cds: &Path, key: &str) -> bool {
    let archive_ok = |name: &str| std::fs::metadata(cds.join(name)).is_ok_and(|m| m.len() > 0);
    archive_ok("jobmanager.jsa")
        && archive_ok("taskmanager.jsa")
        && std::fs::read_to_string(cds.join("key")).is_ok_and(|k| k == key)
}

pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// An exclusive `flock` on `path`, held until the returned file is dropped.
pub(crate) fn lock_file(path: &Path) -> Result<std::fs::File, RuntimeError> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(RuntimeError::io(format!("opening {}", path.display())))?;
    loop {
        // SAFETY: flock on a file descriptor we own; no memory is involved.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(file);
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(RuntimeError::io(format!("locking {}", path.display()))(err));
        }
    }
}

/// The last `n` lines of `lines`, joined with newlines.
pub(crate) fn tail_lines<'a>(lines: impl Iterator<Item = &'a str>, n: usize) -> String {
    let all: Vec<&str> = lines.collect();
    all[all.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flink_runtime_is_pinned_or_refused_with_a_reason() {
        for runtime in RuntimeEnvironment::ALL {
            match FlinkVersion::for_runtime(runtime) {
                Ok(v) => assert!(v >= FlinkVersion::new(1, 18, 0), "{runtime:?}"),
                Err(RuntimeError::Unsupported {
                    runtime: name,
                    reason,
                }) => {
                    assert_eq!(name, runtime.as_str());
                    assert!(!reason.is_empty());
                }
                Err(e) => panic!("{runtime:?}: {e}"),
            }
        }
    }

    #[test]
    fn pinned_versions() {
        let v = |r| FlinkVersion::for_runtime(r).unwrap().to_string();
        assert_eq!(v(RuntimeEnvironment::Flink1_18), "1.18.1");
        assert_eq!(v(RuntimeEnvironment::Flink1_19), "1.19.3");
        assert_eq!(v(RuntimeEnvironment::Flink1_20), "1.20.5");
        assert_eq!(v(RuntimeEnvironment::Flink2_2), "2.2.1");
        assert_eq!(v(RuntimeEnvironment::Flink2_3), "2.3.0");
        let err = FlinkVersion::for_runtime(RuntimeEnvironment::Flink1_15).unwrap_err();
        assert!(
            err.to_string().contains("FLINK-1_15 is not supported"),
            "{err}"
        );
        assert!(err.to_string().contains("Java 17"), "{err}");
    }

    #[test]
    fn version_parsing_and_config_file() {
        assert_eq!(
            FlinkVersion::parse("1.20.5"),
            Some(FlinkVersion::new(1, 20, 5))
        );
        assert_eq!(FlinkVersion::parse("2.2-SNAPSHOT"), None);
        assert_eq!(
            FlinkVersion::parse("2.3.0-SNAPSHOT"),
            Some(FlinkVersion::new(2, 3, 0))
        );
        assert_eq!(FlinkVersion::parse("x.1.2"), None);
        assert_eq!(
            FlinkVersion::new(1, 18, 1).config_file_name(),
            "flink-conf.yaml"
        );
        assert_eq!(
            FlinkVersion::new(1, 19, 3).config_file_name(),
            "config.yaml"
        );
        assert_eq!(FlinkVersion::new(2, 2, 1).config_file_name(), "config.yaml");
        assert!(FlinkVersion::new(1, 20, 9).same_series(FlinkVersion::new(1, 20, 5)));
        assert!(!FlinkVersion::new(1, 19, 5).same_series(FlinkVersion::new(1, 20, 5)));
    }

    fn fake_home(root: &Path, dist: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let home = root.join("pyflink");
        std::fs::create_dir_all(home.join("lib")).unwrap();
        std::fs::create_dir_all(home.join("bin")).unwrap();
        std::fs::create_dir_all(home.join("conf")).unwrap();
        for jar in [dist, "log4j-api-2.24.3.jar", "flink-cep-1.20.5.jar"] {
            std::fs::write(home.join("lib").join(jar), b"").unwrap();
        }
        std::fs::write(home.join("bin/flink"), b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            home.join("bin/flink"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(home.join("conf/log4j.properties"), b"").unwrap();
        home
    }

    #[test]
    fn flink_home_reads_its_version_and_builds_flinks_classpath() {
        let tmp = tempfile::tempdir().unwrap();
        let home = FlinkHome::open(fake_home(tmp.path(), "flink-dist-1.20.5.jar")).unwrap();
        assert_eq!(home.version, FlinkVersion::new(1, 20, 5));
        let cp = home.classpath().unwrap();
        let names: Vec<&str> = cp
            .split(':')
            .map(|p| p.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "flink-cep-1.20.5.jar",
                "log4j-api-2.24.3.jar",
                "flink-dist-1.20.5.jar"
            ]
        );
    }

    #[test]
    fn the_service_library_comes_last_on_the_classpath() {
        let tmp = tempfile::tempdir().unwrap();
        let mut home = FlinkHome::open(fake_home(tmp.path(), "flink-dist-1.20.5.jar")).unwrap();
        let lib = home.lib_classpath().unwrap();
        assert_eq!(home.classpath().unwrap(), lib);
        home.service_library = Some(PathBuf::from(
            "/r/lib/kinesisanalytics-runtime-0123456789ab.jar",
        ));
        // After lib/: it shadows nothing of Flink's.
        assert_eq!(
            home.classpath().unwrap(),
            format!("{lib}:/r/lib/kinesisanalytics-runtime-0123456789ab.jar")
        );
    }

    #[test]
    fn flink_home_rejects_incomplete_distributions() {
        let tmp = tempfile::tempdir().unwrap();
        let home = fake_home(tmp.path(), "flink-dist-1.20.5.jar");
        std::fs::remove_file(home.join("bin/flink")).unwrap();
        let err = FlinkHome::open(&home).unwrap_err().to_string();
        assert!(err.contains("bin/flink"), "{err}");
        std::fs::remove_file(home.join("lib/flink-dist-1.20.5.jar")).unwrap();
        let err = FlinkHome::open(&home).unwrap_err().to_string();
        assert!(err.contains("flink-dist"), "{err}");
    }

    #[tokio::test]
    async fn a_registered_distribution_must_match_the_runtime() {
        let tmp = tempfile::tempdir().unwrap();
        let home = fake_home(tmp.path(), "flink-dist-1.19.3.jar");
        let mut runtimes = Runtimes::new(tmp.path().join("runtimes"));
        runtimes.register(RuntimeEnvironment::Flink1_20, &home);
        let err = runtimes
            .ensure(RuntimeEnvironment::Flink1_20)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("needs Flink 1.20"), "{err}");

        let list = runtimes.list();
        let row = list
            .iter()
            .find(|s| s.runtime == RuntimeEnvironment::Flink1_20)
            .unwrap();
        assert_eq!(row.state, RuntimeState::Registered);
        assert_eq!(row.path, home);
        let row = list
            .iter()
            .find(|s| s.runtime == RuntimeEnvironment::Flink2_2)
            .unwrap();
        assert_eq!(row.state, RuntimeState::NotInstalled);
        assert_eq!(row.path, tmp.path().join("runtimes/2.2.1/pyflink"));
    }

    #[tokio::test]
    async fn a_failed_pip_is_a_download_error_with_pips_words() {
        let tmp = tempfile::tempdir().unwrap();
        // A "python" whose pip always fails the way pip does.
        let fake = tmp.path().join("fakepython");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho 'ERROR: Could not find a version that satisfies the requirement apache-flink==1.20.5' >&2\nexit 1\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let runtimes =
            Runtimes::new(tmp.path().join("runtimes")).with_python(fake.to_string_lossy());
        match runtimes.ensure(RuntimeEnvironment::Flink1_20).await {
            Err(RuntimeError::Download { version, detail }) => {
                assert_eq!(version, "1.20.5");
                assert!(detail.contains("Could not find a version"), "{detail}");
            }
            Err(RuntimeError::JavaMissing(_)) => {} // no java on this machine: also correct
            other => panic!("{other:?}"),
        }
        // Nothing half-installed is left behind: the locks, and the service
        // library's jar (built before the download).
        let left: Vec<_> = std::fs::read_dir(tmp.path().join("runtimes"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            left.iter()
                .all(|n| n.to_string_lossy().ends_with(".lock") || n == "lib"),
            "{left:?}"
        );
    }
}

//! `weir-bench python`: what a Python (PyFlink) application costs over its
//! Java twin, on real Flink.
//!
//! Starts the release `weir server` in a temporary directory with a
//! runtimes directory of its own: the runtime's Flink distribution and the
//! service library hard-linked from the shared runtimes
//! ([`flink::runtimes_without_python`]), but no Python environment, so
//! weir installs PyFlink on the first Python start as on a fresh machine
//! (pip's cache stays the shared one, `~/.cache/weir/pip`: the output says
//! how warm it was). Two applications of the same shape, 1 KPU at
//! parallelism 1, the same rate, a file sink: the example
//! `python-getting-started.zip` (run options `python=main.py`,
//! `jarfile=lib/python-getting-started.jar`, `pyFiles=dep/`) and its Java
//! twin `table-getting-started.jar`, the same pipeline in the same APIs
//! (DataStream source, Table API select with a Java UDF and what is a Python
//! UDF in the zip, back to a DataStream, a map, the sink), so that the ratio
//! is the cost of Python, not of the Table planner (`--jar
//! <examples>/<version>/getting-started.jar` sets it against the DataStream
//! job of the README instead). With DescribeApplication polled every
//! ~50 ms, it times StartApplication → RUNNING (every task running, as
//! `lifecycle.rs` times it), each start followed by a force stop and the
//! end of every process of the application:
//!
//! 1. the Java application once, a warm-up not counted: weir checks java
//!    and makes the class-data archives of the new runtimes directory, so
//!    that
//! 2. the **first start of the Python application** differs from a later
//!    one by the PyFlink install alone (its span read from the application
//!    log);
//! 3. **later starts**, `--runs` of each, interleaved (Python then Java,
//!    then Java then Python, …), every one cold: a new cluster, no warm
//!    pool; median, min and max of each, the ratio Python/Java against the
//!    target (≤ 1.5×), and where the difference goes, stage by stage, from
//!    the application log and the cluster's logs (Flink's Python driver
//!    logs "Python Process Started" and "Python Process Exited" around
//!    `main.py`);
//! 4. the **disk** the runtime's Python environment takes (the blocks of
//!    its files, a file with several hard links once), its largest
//!    packages, and the Flink distribution's for comparison.
//!
//! `--wait-quiet SECS` waits before each phase and each start for other
//! JVMs to end and other processes to use at most half a core. Every
//! process of the run (JVMs, Python drivers and workers, pip) and the
//! runtimes directory are gone when it ends, also on an error, Ctrl-C or
//! SIGTERM (see `harness.rs`).

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use weir_test_support::flink;
use weir_test_support::process as procs;
use weir_test_support::sample::{self, Sample};

use crate::busy::BusyMeter;
use crate::harness::{
    describe_status, log_events, mem_total_gb, milestones_in_order, or_interrupted, print_timeline,
    samples, summary, Fleet, Milestones, Pattern, Setup, SetupArgs, BUSY_CORES,
};
use crate::lifecycle::{first, last, FlinkMilestone, JM_LOG, TM_LOG};
use crate::print_flush;

/// A later Python start takes at most this many times a Java one.
const TARGET_RATIO: f64 = 1.5;
const PYTHON_EXAMPLE: &str = "python-getting-started";
const JAVA_EXAMPLE: &str = "table-getting-started";
const PYTHON_APP: &str = "bench-python";
const JAVA_APP: &str = "bench-java";

#[derive(clap::Args, Debug)]
pub struct PythonArgs {
    // `--jar` is the Java twin (default <examples>/<version>/table-getting-started.jar).
    #[command(flatten)]
    setup: SetupArgs,
    /// The Python application's zip. Default:
    /// <examples>/<Flink version>/python-getting-started.zip.
    #[arg(long)]
    zip: Option<PathBuf>,
    /// Later starts of each application (interleaved; every start cold).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Records per second of both applications' sources.
    #[arg(long, default_value_t = 10)]
    rate: u32,
    /// Memory per Task Manager (weir --task-manager-memory-mb).
    #[arg(long, default_value_t = 1024)]
    task_manager_memory_mb: u64,
    /// Memory per Job Manager (weir --job-manager-memory-mb); weir's minimum is 704.
    #[arg(long, default_value_t = 704)]
    job_manager_memory_mb: u64,
    /// Milliseconds between DescribeApplication polls.
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Run weir with `--no-python-fork-server`: every Python process
    /// imports PyFlink itself (the figures before the fork server).
    #[arg(long)]
    no_fork_server: bool,
    /// Seconds the warm-up and the first Python start (PyFlink installed on
    /// the way) may take; weir's own start timeout is raised to it.
    #[arg(long, default_value_t = 900)]
    first_start_timeout: u64,
    /// Seconds a later start may take before the benchmark gives up.
    #[arg(long, default_value_t = 180)]
    start_timeout: u64,
    /// Seconds a stop may take before the benchmark gives up.
    #[arg(long, default_value_t = 60)]
    stop_timeout: u64,
    /// Keep the temporary directory (weir's data and log, the clusters'
    /// logs, the runtimes directory with the Python environment).
    #[arg(long)]
    keep_dir: bool,
    /// Before each phase and each start, wait up to this many seconds while
    /// other JVMs run on the machine (e.g. another Flink test) or other
    /// processes use more than half a core; 0: never wait.
    #[arg(long, default_value_t = 0)]
    wait_quiet: u64,
}

/// Runs the benchmark and always cleans up; `Ok(false)` when it completed
/// but something it checked was wrong (a process left behind).
pub async fn main(args: &PythonArgs) -> Result<bool> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if args.setup.as_user.is_some() {
        bail!("--as-user is not supported here: the runtimes directory is the benchmark's own");
    }
    let setup = Setup::check("python", &args.setup, JAVA_EXAMPLE)?;
    let zip_path = args.zip.clone().unwrap_or_else(|| {
        flink::examples_dir()
            .join(&setup.flink_version)
            .join(format!("{PYTHON_EXAMPLE}.zip"))
    });
    let zip = std::fs::read(&zip_path).with_context(|| {
        format!(
            "reading the Python application {}: run scripts/setup-test-env.sh (it builds the examples)",
            zip_path.display()
        )
    })?;
    let mut fleet = Fleet::new("python", args.keep_dir, Duration::from_millis(args.poll_ms))?;
    let outcome = or_interrupted("python", run(args, setup, &zip_path, &zip, &mut fleet)).await;
    let clean = fleet.cleanup().await;
    outcome.map(|ok| ok && clean)
}

// ---------------------------------------------------------------------------
// Timing one start.

/// After the request's own "... operation <id> requested" line, in order;
/// the first two only on the first Python start.
const START_LOG_MILESTONES: &[Pattern] = &[
    ("weir: installing PyFlink", &["Installing PyFlink"]),
    (
        "weir: PyFlink installed",
        &["PyFlink for", "is installed in"],
    ),
    ("weir: cluster provisioned", &["Provisioned a Flink"]),
    ("weir: job submitted", &["Submitted job"]),
    ("weir: job RUNNING", &["switched from state", "to RUNNING."]),
    ("weir: application RUNNING", &["from STARTING to RUNNING"]),
];

const DRIVER_STARTED: &str = "flink: Python driver process started";
const MAIN_LOGS: &str = "flink: main() logs its properties";
const EXECUTE: &str = "flink: main() calls execute() (job graph built)";
const JOB_SUBMITTED: &str = "flink: JM dispatcher submits the job";
const DRIVER_EXITED: &str = "flink: Python driver process exited";
const WORKER_STARTING: &str = "flink: TM starts the Python worker";
const WORKER_CONNECTED: &str = "flink: TM's Python worker connected (Beam)";
const TASKS_RUNNING: &str = "flink: last task INITIALIZING → RUNNING";

/// Read as soon as RUNNING is seen (the next start rolls the logs over).
/// The Python driver's lines are Flink's `PythonDriver`'s, around the
/// output of `main.py`, which it logs line by line; both `main()`s log
/// "…getting-started: output=… tag=…" once they have read the properties.
/// In the Task Manager, the Python functions' worker (Beam's SDK harness)
/// starts when the task initialises, after Flink logs the interpreter it
/// runs, and connects back once it has imported PyFlink.
const START_FLINK_MILESTONES: &[FlinkMilestone] = &[
    first(
        "flink: JM REST endpoint listening",
        JM_LOG,
        &["Rest endpoint listening at"],
    ),
    first(
        "flink: TM registered at the JM",
        JM_LOG,
        &["Registering TaskManager with ResourceID"],
    ),
    first(DRIVER_STARTED, JM_LOG, &["Python Process Started"]),
    first(MAIN_LOGS, JM_LOG, &["getting-started: output="]),
    first(EXECUTE, JM_LOG, &["Submitting Job with JobId"]),
    first(JOB_SUBMITTED, JM_LOG, &["Submitting job"]),
    first(DRIVER_EXITED, JM_LOG, &["Python Process Exited"]),
    first(
        "flink: job CREATED → RUNNING",
        JM_LOG,
        &["switched from state CREATED to RUNNING"],
    ),
    first(
        "flink: first task DEPLOYING",
        JM_LOG,
        &["switched from SCHEDULED to DEPLOYING"],
    ),
    first(WORKER_STARTING, TM_LOG, &["Python interpreter path:"]),
    first(
        WORKER_CONNECTED,
        TM_LOG,
        &["Beam Fn Logging client connected"],
    ),
    last(
        TASKS_RUNNING,
        JM_LOG,
        &["switched from INITIALIZING to RUNNING"],
    ),
];

/// Origin and end of every start's timeline (not milestones of a log).
const REQUEST: &str = "the request";
const SEEN: &str = "client: RUNNING seen (DescribeApplication)";

/// What one timed start measured.
struct Start {
    /// Request sent → RUNNING seen by the client.
    secs: f64,
    /// From the application log ("weir: ...") and the cluster's logs ("flink: ...").
    milestones: Milestones,
    /// CPU seconds of weir and every process of the run meanwhile.
    ours_cpu: f64,
    /// Cores other processes used meanwhile.
    others: f64,
}

impl Start {
    /// Seconds after the request at which `label` happened.
    fn at(&self, label: &str) -> Option<f64> {
        match label {
            REQUEST => Some(0.0),
            SEEN => Some(self.secs),
            _ => self
                .milestones
                .iter()
                .find(|(l, _)| *l == label)
                .and_then(|(_, v)| *v),
        }
    }

    /// PyFlink's install, from the application log (first start only).
    fn install_secs(&self) -> Option<f64> {
        Some(self.at("weir: PyFlink installed")? - self.at("weir: installing PyFlink")?)
    }
}

/// The median of `from` → `to` over `list` (per start, then the median).
fn stage(list: &[Start], from: &str, to: &str) -> Option<f64> {
    let d: Vec<f64> = list
        .iter()
        .filter_map(|s| Some(s.at(to)? - s.at(from)?))
        .collect();
    (!d.is_empty()).then(|| summary(&d).1)
}

/// StartApplication → RUNNING with the breakdown.
async fn timed_start(fleet: &Fleet, app: &str, timeout: Duration) -> Result<Start> {
    let mut client = fleet.client();
    // Connect before the clock starts.
    describe_status(&mut client, app).await?;
    let meter = BusyMeter::start(fleet.ours_cpu());
    let ours0 = fleet.ours_cpu();
    let body = json!({ "ApplicationName": app });
    let done = fleet
        .request_until(
            &mut client,
            app,
            "StartApplication",
            &body,
            "RUNNING",
            &["READY"],
            timeout,
        )
        .await?;
    let others = meter.other_cores(fleet.ours_cpu());
    let ours_cpu = fleet.ours_cpu() - ours0;
    let flink = fleet.flink_milestones(app, done.wall_ms, START_FLINK_MILESTONES);
    let spawned = fleet.spawned_at(app, done.wall_ms);
    let mut milestones = start_log_milestones(fleet, app, &done.op_id, done.wall_ms)
        .await
        .unwrap_or_else(|e| {
            eprintln!("  (could not read {app}'s log: {e:#})");
            Vec::new()
        });
    milestones.push(("flink: weir spawns the JVMs", spawned));
    milestones.extend(flink);
    Ok(Start {
        secs: done.secs,
        milestones,
        ours_cpu,
        others,
    })
}

/// The start's milestones in the application log, as seconds after `wall_ms`.
async fn start_log_milestones(
    fleet: &Fleet,
    app: &str,
    op_id: &str,
    wall_ms: i64,
) -> Result<Milestones> {
    let lines = log_events(&mut fleet.logs_client(), app, wall_ms - 2_000).await?;
    let requested = format!("operation {op_id} requested");
    let Some(first) = lines.iter().position(|l| l.message.contains(&requested)) else {
        bail!("no \"{requested}\" line");
    };
    let mut found = vec![(
        "weir: request recorded",
        Some((lines[first].ms - wall_ms) as f64 / 1e3),
    )];
    found.extend(milestones_in_order(
        &lines,
        first,
        START_LOG_MILESTONES,
        wall_ms,
    ));
    Ok(found)
}

/// StopApplication `Force=true` → READY, then waits until no process of
/// the application is left (JVMs, the Python driver and workers), so the
/// next start finds the machine as the first one did. Returns the stop's
/// seconds.
async fn force_stop(fleet: &Fleet, app: &str, timeout: Duration) -> Result<f64> {
    let mut client = fleet.client();
    let body = json!({ "ApplicationName": app, "Force": true });
    let done = fleet
        .request_until(
            &mut client,
            app,
            "StopApplication",
            &body,
            "READY",
            &[],
            timeout,
        )
        .await?;
    let weir = fleet.server().pid() as i32;
    let marker = fleet.dir().to_string_lossy().into_owned();
    let cluster = fleet.data_dir().join("clusters").join(app);
    let ready = Instant::now();
    loop {
        // On their command line the run's directory (the JVMs, and the
        // Python processes through the environment's interpreter), or
        // weir's cluster marker in their environment. Not weir's Python
        // fork server, which serves every Python application while weir runs.
        let mut left: Vec<i32> = procs::processes_mentioning(&marker)
            .into_iter()
            .filter(|p| !p.cmdline.contains("fork_server.py serve "))
            .chain(procs::cluster_processes(&cluster))
            .map(|p| p.pid)
            .filter(|pid| *pid != weir)
            .collect();
        left.sort_unstable();
        left.dedup();
        if left.is_empty() {
            return Ok(done.secs);
        }
        if ready.elapsed() > Duration::from_secs(30) {
            bail!("{app}: processes still alive 30 s after READY: {left:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------
// The applications.

fn python_body(app: &str, setup: &Setup, zip: &[u8], output: &Path, rate: u32) -> Value {
    Sample::new(app, &setup.runtime, &sample::base64(zip))
        .group(
            "kinesis.analytics.flink.run.options",
            &[
                ("python", "main.py"),
                ("jarfile", &format!("lib/{PYTHON_EXAMPLE}.jar")),
                ("pyFiles", "dep/"),
            ],
        )
        .group(
            "OutputConfig",
            &[
                ("output.path", &output.display().to_string()),
                ("tag", "python"),
            ],
        )
        .group("SourceConfig", &[("records.per.second", &rate.to_string())])
        .request()
}

fn java_body(app: &str, setup: &Setup, output: &Path, rate: u32) -> Value {
    Sample::new(app, &setup.runtime, &setup.code_base64)
        .group(
            "OutputConfig",
            &[
                ("output.path", &output.display().to_string()),
                ("tag", "java"),
            ],
        )
        .group("SourceConfig", &[("records.per.second", &rate.to_string())])
        .request()
}

// ---------------------------------------------------------------------------
// Disk.

/// What a directory takes on disk, as `du` counts it.
#[derive(Default, Clone, Copy)]
struct Usage {
    bytes: u64,
    files: u64,
}

impl Usage {
    fn mib(self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0)
    }
}

/// The blocks of every file and directory under `path` (symbolic links not
/// followed); a file whose inode is in `seen` already counts once.
fn disk_usage(path: &Path, seen: &mut HashSet<(u64, u64)>) -> Usage {
    let mut usage = Usage::default();
    let mut pending = vec![path.to_path_buf()];
    while let Some(p) = pending.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if !seen.insert((meta.dev(), meta.ino())) {
            continue;
        }
        usage.bytes += meta.blocks() * 512;
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                pending.extend(entries.flatten().map(|e| e.path()));
            }
        } else {
            usage.files += 1;
        }
    }
    usage
}

/// The Python environment Weir installed for Flink `version` in `runtimes`.
fn installed_env(runtimes: &Path, version: &str) -> Option<PathBuf> {
    let prefix = format!("{version}-python3.");
    std::fs::read_dir(runtimes)
        .ok()?
        .flatten()
        .find(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix(&prefix)
                .is_some_and(|minor| minor.chars().all(|c| c.is_ascii_digit()))
                && e.path().is_dir()
        })
        .map(|e| e.path())
}

/// The environment's `site-packages`.
fn site_packages(env: &Path) -> Option<PathBuf> {
    std::fs::read_dir(env.join("lib"))
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
}

/// The largest entries of the environment's `site-packages`, by disk usage.
fn largest_packages(env: &Path, count: usize) -> Vec<(String, Usage)> {
    let Some(site) = site_packages(env) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    let mut sizes: Vec<(String, Usage)> = std::fs::read_dir(&site)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                disk_usage(&e.path(), &mut seen),
            )
        })
        .collect();
    sizes.sort_by_key(|(_, u)| std::cmp::Reverse(u.bytes));
    sizes.truncate(count);
    sizes
}

/// Flink's own jars in the environment's PyFlink (`pyflink/lib`, `opt`,
/// `plugins`: apache-flink-libraries, the same files as the
/// distribution's), and how many of them are byte for byte the
/// distribution's `<dist>/pyflink/…` (its usage, and files compared).
fn flink_jars_in_env(env: &Path, dist: &Path) -> Option<(Usage, Usage, u64)> {
    let pyflink = site_packages(env)?.join("pyflink");
    let mut seen = HashSet::new();
    let mut total = Usage::default();
    let mut same = Usage::default();
    let mut compared = 0;
    for dir in ["lib", "opt", "plugins"] {
        let u = disk_usage(&pyflink.join(dir), &mut seen);
        total.bytes += u.bytes;
        total.files += u.files;
        let mut pending = vec![PathBuf::from(dir)];
        while let Some(rel) = pending.pop() {
            for e in std::fs::read_dir(pyflink.join(&rel))
                .into_iter()
                .flatten()
                .flatten()
            {
                let rel = rel.join(e.file_name());
                let Ok(meta) = e.metadata() else { continue };
                if meta.is_dir() {
                    pending.push(rel);
                    continue;
                }
                compared += 1;
                let theirs = dist.join("pyflink").join(&rel);
                let identical = std::fs::metadata(&theirs).is_ok_and(|m| m.len() == meta.len())
                    && std::fs::read(e.path()).ok() == std::fs::read(&theirs).ok();
                if identical {
                    same.bytes += meta.blocks() * 512;
                    same.files += 1;
                }
            }
        }
    }
    Some((total, same, compared))
}

/// pip's cache as Weir's pip sees it: `PIP_CACHE_DIR`, else Weir's default.
struct PipCache {
    path: PathBuf,
    usage: Usage,
    /// Wheels pip built and kept (`wheels/`), by name and version.
    built: Vec<String>,
    /// Its HTTP cache of downloads (`http/`, `http-v2/`).
    downloads: Usage,
}

impl PipCache {
    fn look() -> PipCache {
        let path = std::env::var_os("PIP_CACHE_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(weir_runtime::runtimes::default_pip_cache_dir);
        let usage = disk_usage(&path, &mut HashSet::new());
        let mut seen = HashSet::new();
        let mut downloads = disk_usage(&path.join("http"), &mut seen);
        let v2 = disk_usage(&path.join("http-v2"), &mut seen);
        downloads.bytes += v2.bytes;
        downloads.files += v2.files;
        let mut built = Vec::new();
        let mut pending = vec![path.join("wheels")];
        while let Some(dir) = pending.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".whl") {
                    built.push(stem.split('-').take(2).collect::<Vec<_>>().join("-"));
                } else if e.path().is_dir() {
                    pending.push(e.path());
                }
            }
        }
        built.sort();
        PipCache {
            path,
            usage,
            built,
            downloads,
        }
    }

    fn describe(&self) -> String {
        if self.usage.files == 0 {
            return format!("{}: empty (cold)", self.path.display());
        }
        let built = if self.built.is_empty() {
            "no wheels it built".to_string()
        } else {
            format!(
                "{} wheel(s) it built ({})",
                self.built.len(),
                self.built.join(", ")
            )
        };
        format!(
            "{}: {:.1} MiB, warm: {built}; {:.1} MiB of cached downloads",
            self.path.display(),
            self.usage.mib(),
            self.downloads.mib()
        )
    }
}

// ---------------------------------------------------------------------------
// The run.

/// A path as printed: without the `..` of the default examples directory.
fn shown(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

async fn run(
    args: &PythonArgs,
    mut setup: Setup,
    zip_path: &Path,
    zip: &[u8],
    fleet: &mut Fleet,
) -> Result<bool> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let shared = setup.runtimes_dir.clone();
    let runtimes = flink::runtimes_without_python(&shared, fleet.dir())
        .with_context(|| format!("linking the runtimes of {}", shared.display()))?;
    setup.runtimes_dir = runtimes.clone();
    let version = setup.flink_version.clone();
    if let Some(env) = installed_env(&runtimes, &version) {
        bail!(
            "{} is there before weir started: the first start would not install PyFlink",
            env.display()
        );
    }
    println!("weir-bench python");
    setup.print_runtime();
    println!(
        "  the benchmark's own runtimes directory: Flink {version}'s distribution and the service library hard-linked from {}, no Python environment (weir installs PyFlink on the first Python start)",
        shared.display()
    );
    println!(
        "  applications, both 1 KPU at parallelism 1, {} records/s to a file sink: {} (python=main.py, jarfile=lib/{PYTHON_EXAMPLE}.jar, pyFiles=dep/) and its Java twin {}",
        args.rate,
        shown(zip_path).display(),
        shown(&setup.jar).display()
    );
    println!(
        "  per application 1 Task Manager of {} MiB and 1 Job Manager of {} MiB; no warm pool: every start provisions a new cluster",
        args.task_manager_memory_mb, args.job_manager_memory_mb
    );
    println!(
        "  machine: {cores} cores, {:.1} GB memory; weir, its JVMs, the Python processes and this benchmark share them",
        mem_total_gb()
    );
    println!(
        "  DescribeApplication polled every {} ms, every request SigV4-signed",
        args.poll_ms
    );
    let mut extra_args = vec![
        "--task-manager-memory-mb".to_string(),
        args.task_manager_memory_mb.to_string(),
        "--job-manager-memory-mb".to_string(),
        args.job_manager_memory_mb.to_string(),
        "--start-timeout-secs".to_string(),
        args.first_start_timeout.to_string(),
    ];
    if args.no_fork_server {
        extra_args.push("--no-python-fork-server".to_string());
    }
    println!(
        "  Python processes: {}",
        if args.no_fork_server {
            "started cold (--no-python-fork-server): each imports PyFlink itself"
        } else {
            "forked warm from weir's fork server (which has PyFlink imported)"
        }
    );
    fleet.start_weir(&args.setup.weir_bin, &setup, &extra_args)?;
    println!(
        "  weir: pid {} on {}, data in {}",
        fleet.server().pid(),
        fleet.server().addr,
        fleet.data_dir().display()
    );
    let out = fleet.dir().join("out");
    let python = python_body(PYTHON_APP, &setup, zip, &out.join(PYTHON_APP), args.rate);
    fleet.create(PYTHON_APP, &python).await?;
    let java = java_body(JAVA_APP, &setup, &out.join(JAVA_APP), args.rate);
    fleet.create(JAVA_APP, &java).await?;

    let quiet = Duration::from_secs(args.wait_quiet);
    let first_timeout = Duration::from_secs(args.first_start_timeout);
    let start_timeout = Duration::from_secs(args.start_timeout);
    let stop_timeout = Duration::from_secs(args.stop_timeout);
    let mut busy = Vec::new();
    println!();

    println!(
        "== Warm-up, not counted: the Java application once (weir checks java and makes the class-data archives of its new runtimes directory) =="
    );
    fleet
        .quiet_probe(quiet, "the warm-up", "the warm-up", &mut busy)
        .await;
    print_flush("java: ");
    let warm_up = timed_start(fleet, JAVA_APP, first_timeout).await?;
    let stop = force_stop(fleet, JAVA_APP, stop_timeout).await?;
    println!(
        "start {:.2} s; force stop {stop:.2} s; others {:.2} cores",
        warm_up.secs, warm_up.others
    );
    println!();

    println!(
        "== First start of the Python application: weir installs PyFlink for {} into {} on the way ==",
        setup.runtime,
        runtimes.display()
    );
    fleet
        .quiet_probe(quiet, "the first start", "the first start", &mut busy)
        .await;
    let pip_before = PipCache::look();
    println!("pip's cache before: {}", pip_before.describe());
    print_flush("python: ");
    let first_start = timed_start(fleet, PYTHON_APP, first_timeout).await?;
    let stop = force_stop(fleet, PYTHON_APP, stop_timeout).await?;
    let install = first_start.install_secs();
    println!(
        "start {:.2} s (installing PyFlink: {}); force stop {stop:.2} s; others {:.2} cores",
        first_start.secs,
        install.map_or("not in the application log".to_string(), |s| format!(
            "{s:.1} s of it"
        )),
        first_start.others
    );
    if first_start.others > BUSY_CORES {
        busy.push(format!("the first start: {:.2} cores", first_start.others));
    }
    let pip_after = PipCache::look();
    let Some(env) = installed_env(&runtimes, &version) else {
        bail!(
            "no Python environment of Flink {version} in {} after the first start",
            runtimes.display()
        );
    };
    println!();

    println!(
        "== Later starts, cold (a new cluster each time), {} of each, interleaved ==",
        args.runs
    );
    fleet
        .quiet_probe(quiet, "the later starts", "the later starts", &mut busy)
        .await;
    let mut python_starts = Vec::new();
    let mut java_starts = Vec::new();
    for i in 1..=args.runs {
        let order = if i % 2 == 1 {
            [PYTHON_APP, JAVA_APP]
        } else {
            [JAVA_APP, PYTHON_APP]
        };
        print_flush(&format!("run {i}: "));
        let mut others: f64 = 0.0;
        for app in order {
            fleet.wait_quiet(quiet).await;
            let start = timed_start(fleet, app, start_timeout).await?;
            force_stop(fleet, app, stop_timeout).await?;
            let lang = if app == PYTHON_APP { "python" } else { "java" };
            print_flush(&format!("{lang} {:.2} s; ", start.secs));
            others = others.max(start.others);
            if app == PYTHON_APP {
                python_starts.push(start);
            } else {
                java_starts.push(start);
            }
        }
        println!("others ≤ {others:.2} cores");
        if others > BUSY_CORES {
            busy.push(format!("run {i}: up to {others:.2} cores"));
        }
    }
    println!();

    // -----------------------------------------------------------------
    let env_usage = disk_usage(&env, &mut HashSet::new());
    let dist = runtimes.join(&version);
    let dist_usage = disk_usage(&dist, &mut HashSet::new());
    let packages = largest_packages(&env, 6);

    println!(
        "== Results ({} on Flink {version}, {cores} cores) ==",
        setup.runtime
    );
    println!(
        "warm-up (not counted), the Java application's first start on the new runtimes directory: {:.2} s",
        warm_up.secs
    );
    println!(
        "First start of a Python application, PyFlink installed on the way (StartApplication → RUNNING, every task running): {:.2} s",
        first_start.secs
    );
    if let Some(install) = install {
        println!(
            "  installing PyFlink {version} (application log: \"Installing PyFlink\" → \"PyFlink … is installed\"): {install:.1} s; the rest: {:.1} s",
            first_start.secs - install
        );
    }
    println!("  pip's cache before: {}", pip_before.describe());
    println!(
        "  pip's cache after: {:.1} MiB ({:+.1} MiB)",
        pip_after.usage.mib(),
        pip_after.usage.mib() - pip_before.usage.mib()
    );
    println!(
        "  CPU used by weir, the JVMs, pip and the Python processes meanwhile: {:.1} core-seconds; other processes: {:.2} cores",
        first_start.ours_cpu, first_start.others
    );
    print_timeline(
        &[(first_start.secs, &first_start.milestones)],
        SEEN,
        "weir: the application log via GetLogEvents; flink: the cluster's own logs",
    );

    let secs = |l: &[Start]| l.iter().map(|s| s.secs).collect::<Vec<_>>();
    let (py_secs, java_secs) = (secs(&python_starts), secs(&java_starts));
    let (py_min, py_med, py_max) = summary(&py_secs);
    let (java_min, java_med, java_max) = summary(&java_secs);
    println!(
        "Later starts, cold (a new cluster each time), interleaved, StartApplication → RUNNING:"
    );
    for (name, list, (min, med, max), s) in [
        ("Python", &python_starts, (py_min, py_med, py_max), &py_secs),
        (
            "Java",
            &java_starts,
            (java_min, java_med, java_max),
            &java_secs,
        ),
    ] {
        let cpu: Vec<f64> = list.iter().map(|t| t.ours_cpu).collect();
        let others: Vec<f64> = list.iter().map(|t| t.others).collect();
        println!(
            "  {name:<6} median {med:.2} s (min {min:.2}, max {max:.2}; {} samples: {}); CPU of weir and the application's processes: median {:.1} core-seconds; others: median {:.2} cores",
            s.len(),
            samples(s),
            summary(&cpu).1,
            summary(&others).1
        );
    }
    let ratio = py_med / java_med;
    println!(
        "  Python/Java: {ratio:.2}× (Python takes {:.2} s more)",
        py_med - java_med
    );
    for (name, list) in [("Python", &python_starts), ("Java", &java_starts)] {
        println!("  {name}:");
        let timeline: Vec<(f64, &Milestones)> =
            list.iter().map(|t| (t.secs, &t.milestones)).collect();
        print_timeline(
            &timeline,
            SEEN,
            "weir: the application log via GetLogEvents; flink: the cluster's own logs",
        );
    }
    print_extra_time(&python_starts, &java_starts);

    println!("Disk:");
    println!(
        "  the Python environment of {} (PyFlink {version}), {}: {:.1} MiB in {} files",
        setup.runtime,
        env.display(),
        env_usage.mib(),
        env_usage.files
    );
    if !packages.is_empty() {
        let list: Vec<String> = packages
            .iter()
            .map(|(name, u)| format!("{name} {:.1}", u.mib()))
            .collect();
        println!("    largest in site-packages (MiB): {}", list.join(", "));
    }
    if let Some((jars, same, compared)) = flink_jars_in_env(&env, &dist) {
        println!(
            "    of which Flink's own jars (pyflink/lib, opt, plugins): {:.1} MiB in {} files; {} of {compared} identical to the distribution's ({:.1} MiB)",
            jars.mib(),
            jars.files,
            same.files,
            same.mib()
        );
    }
    println!(
        "  for comparison, the Flink distribution, {}: {:.1} MiB in {} files (with its class-data archives)",
        dist.display(),
        dist_usage.mib(),
        dist_usage.files
    );
    println!("  (blocks on disk, as du counts them; a file with several hard links once)");

    if busy.is_empty() {
        println!("machine load: other processes stayed under {BUSY_CORES} core in every probe");
    } else {
        println!(
            "machine load: BUSY — other processes used more than {BUSY_CORES} core: {}; the figures are slower than on a quiet machine",
            busy.join("; ")
        );
    }

    println!();
    println!(
        "Targets ({cores} cores, shared with the benchmark, the JVMs and the Python processes):"
    );
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "  a later Python start ≤ {TARGET_RATIO}× the Java start: {py_med:.2} s / {java_med:.2} s = {ratio:.2}× — {}",
        verdict(ratio <= TARGET_RATIO)
    );
    Ok(true)
}

/// Where a Python start's extra time goes: the stages both languages
/// share, median per stage of each, and the difference; then the Python
/// driver's own span.
fn print_extra_time(python: &[Start], java: &[Start]) {
    const STAGES: &[(&str, &str, &str)] = &[
        (
            "weir provisions the cluster (JVMs up, Task Manager registered)",
            REQUEST,
            "weir: cluster provisioned",
        ),
        (
            "the code handed to Flink until main() has read its properties",
            "weir: cluster provisioned",
            MAIN_LOGS,
        ),
        ("main() builds the job graph", MAIN_LOGS, EXECUTE),
        (
            "main() calls execute() until the dispatcher submits the job",
            EXECUTE,
            JOB_SUBMITTED,
        ),
        (
            "the job submitted until every task RUNNING",
            JOB_SUBMITTED,
            TASKS_RUNNING,
        ),
        ("until the client sees RUNNING", TASKS_RUNNING, SEEN),
    ];
    println!(
        "Where a later Python start's extra time goes (median seconds per stage; the application log and the cluster's logs):"
    );
    println!(
        "    {:<66} {:>7} {:>7} {:>7}",
        "stage", "python", "java", "extra"
    );
    let figure = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    for (label, from, to) in STAGES {
        let (p, j) = (stage(python, from, to), stage(java, from, to));
        let extra = p.zip(j).map(|(p, j)| p - j);
        println!(
            "    {label:<66} {:>7} {:>7} {:>7}",
            figure(p),
            figure(j),
            figure(extra)
        );
    }
    let (p, j) = (stage(python, REQUEST, SEEN), stage(java, REQUEST, SEEN));
    println!(
        "    {:<66} {:>7} {:>7} {:>7}",
        "request → RUNNING seen (whole start)",
        figure(p),
        figure(j),
        figure(p.zip(j).map(|(p, j)| p - j))
    );
    println!("  Python only: the driver of main.py (Flink's PythonDriver) in the Job Manager, the worker of its functions beside the Task Manager:");
    for (label, from, to) in [
        (
            "the code handed to Flink until the Python process started",
            "weir: cluster provisioned",
            DRIVER_STARTED,
        ),
        (
            "the Python process started until main() has read its properties",
            DRIVER_STARTED,
            MAIN_LOGS,
        ),
        (
            "the job submitted until main()'s Python process exited",
            JOB_SUBMITTED,
            DRIVER_EXITED,
        ),
        (
            "the job submitted until the TM starts the Python worker",
            JOB_SUBMITTED,
            WORKER_STARTING,
        ),
        (
            "the Python worker starting until connected",
            WORKER_STARTING,
            WORKER_CONNECTED,
        ),
        (
            "the Python worker connected until every task RUNNING",
            WORKER_CONNECTED,
            TASKS_RUNNING,
        ),
    ] {
        println!("    {label:<66} {:>7}", figure(stage(python, from, to)));
    }
}

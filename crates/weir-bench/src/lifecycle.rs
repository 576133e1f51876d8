//! `weir-bench lifecycle`: issue 3's benchmark, on real Flink.
//!
//! Starts the release `weir server` in a temporary directory (its data dir,
//! the applications' clusters and their output all live there), with the
//! installed Flink runtimes (`WEIR_RUNTIMES_DIR`; nothing is downloaded), and
//! times, with SigV4-signed requests and DescribeApplication polled every
//! ~50 ms:
//!
//! 1. **Cycles** (`--runs`, after `--warmup` unmeasured ones): per application
//!    StartApplication → RUNNING, StopApplication → READY, StartApplication →
//!    RUNNING again, StopApplication `Force=true` → READY. Every start is cold:
//!    Weir provisions a new Flink cluster for it. Each start is broken down
//!    from the application log (CloudWatch Logs GetLogEvents on the same
//!    endpoint) and from the cluster's own logs (`clusters/<app>/log/`).
//! 2. **Steady state**: `--apps` applications RUNNING at once, then weir's
//!    CPU (utime + stime from /proc/PID/stat, weir's process only) over a
//!    `--window` of at least 30 s, its RSS, and the Flink JVMs' RSS and CPU.
//!
//! With `--warm-pool-size N`, weir keeps N started clusters of the runtime
//! and the benchmark waits until the pool is full before each start, so the
//! starts are warm; they are reported apart from cold ones (target ≤ 2 s).
//!
//! Before each phase it prints a load probe (CPU used by processes other than
//! the benchmark, weir and its JVMs) since the machine may be shared; phases
//! where others used more than half a core are flagged in the results, and
//! CPU used by others is measured during every timed operation too.
//! `--wait-quiet SECS` waits for other JVMs (another Flink test) to end
//! before each phase and cycle.
//!
//! Clean-up, also on an error, Ctrl-C or SIGTERM: every application that is
//! not READY is force-stopped through the API, then weir's process group is
//! killed, then any process whose command line still names the temporary
//! directory (only this run's JVMs can) is killed by pid, and the benchmark
//! checks that none is left.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::busy::BusyMeter;
use crate::client::{Client, Transport};
use crate::load::Endpoint;
use crate::procs::{self, ProcessInfo, Server};
use crate::sign::{SignerKind, SigningConfig};
use crate::{print_flush, ACCESS_KEY_ID, SECRET_ACCESS_KEY};

const TARGET_START_S: f64 = 8.0;
const TARGET_WARM_START_S: f64 = 2.0;
const TARGET_STOP_S: f64 = 3.0;
const TARGET_FORCE_STOP_S: f64 = 2.0;
const TARGET_CPU_PERCENT: f64 = 1.0;
const TARGET_RSS_MB: f64 = 60.0;
/// Above this many cores used by other processes, a phase is flagged as disturbed.
const BUSY_CORES: f64 = 0.5;
/// The shortest CPU window the issue accepts.
const MIN_WINDOW_SECS: u64 = 30;

const LOGS_TARGET_PREFIX: &str = "Logs_20140328.";
const LOG_GROUP_PREFIX: &str = "/aws/kinesis-analytics/";
const LOG_STREAM: &str = "kinesis-analytics-log-stream";

#[derive(clap::Args, Debug)]
pub struct LifecycleArgs {
    /// The weir binary (the release build).
    #[arg(long, default_value = "target/release/weir")]
    weir_bin: PathBuf,
    /// Runtime of the applications (FLINK-1_20, FLINK-2_2, ...; must be installed).
    #[arg(long, default_value = "FLINK-1_20")]
    runtime: String,
    /// Where the Flink distributions are installed; never downloaded here.
    /// Default: $WEIR_RUNTIMES_DIR, else ${XDG_CACHE_HOME:-~/.cache}/weir/runtimes.
    #[arg(long)]
    runtimes_dir: Option<PathBuf>,
    /// The job's jar. Default: target/examples/<Flink version>/streaming-count.jar.
    #[arg(long)]
    jar: Option<PathBuf>,
    /// Measured cycles (each: start, stop, start, force stop; every start cold).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Unmeasured cycles first (the first start after weir starts also checks
    /// java and the runtime's class-data archives).
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Applications RUNNING at once for the CPU and RSS figures.
    #[arg(long, default_value_t = 5)]
    apps: usize,
    /// Seconds over which weir's CPU is measured (at least 30).
    #[arg(long, default_value_t = 30)]
    window: u64,
    /// Seconds to let the applications settle before the CPU window.
    #[arg(long, default_value_t = 10)]
    settle: u64,
    /// Memory per Task Manager (weir --task-manager-memory-mb). Flink refuses
    /// less than about 1000 with its default managed-memory fraction.
    #[arg(long, default_value_t = 1024)]
    task_manager_memory_mb: u64,
    /// Memory per Job Manager (weir --job-manager-memory-mb); weir's minimum is 704.
    #[arg(long, default_value_t = 704)]
    job_manager_memory_mb: u64,
    /// Milliseconds between DescribeApplication polls.
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Seconds a start may take before the benchmark gives up.
    #[arg(long, default_value_t = 180)]
    start_timeout: u64,
    /// Seconds a stop may take before the benchmark gives up.
    #[arg(long, default_value_t = 60)]
    stop_timeout: u64,
    /// Skip the start/stop cycles.
    #[arg(long)]
    skip_cycles: bool,
    /// Skip the steady-state (CPU and RSS) phase.
    #[arg(long)]
    skip_steady: bool,
    /// Keep the temporary directory (weir's data and log, the clusters' logs).
    #[arg(long)]
    keep_dir: bool,
    /// Run weir with a warm pool of this many pre-started clusters of the
    /// runtime (weir --warm-pool-size) and wait, before each start, until the
    /// pool is full again: starts are then warm (reported apart from cold ones).
    #[arg(long, default_value_t = 0)]
    warm_pool_size: usize,
    /// Before each phase and each cycle, wait up to this many seconds while
    /// other JVMs run on the machine (e.g. another Flink test); 0: never wait.
    #[arg(long, default_value_t = 0)]
    wait_quiet: u64,
}

/// Runs the benchmark and always cleans up; `Ok(false)` when it completed
/// but something it checked was wrong (e.g. JVMs left behind).
pub async fn main(args: &LifecycleArgs) -> Result<bool> {
    if args.runs == 0 || args.apps == 0 {
        bail!("--runs and --apps must be at least 1");
    }
    if args.window < MIN_WINDOW_SECS {
        bail!("--window must be at least {MIN_WINDOW_SECS} s");
    }
    let setup = Setup::check(args)?;
    let mut fleet = Fleet::new(args)?;
    let outcome = tokio::select! {
        r = run(args, &setup, &mut fleet) => r,
        why = interrupted() => Err(anyhow::anyhow!("{why}")),
    };
    if outcome.is_err() {
        // The error itself is printed last, after the clean-up.
        eprintln!("weir-bench lifecycle: stopped early; cleaning up");
    }
    let clean = fleet.cleanup().await;
    outcome.map(|ok| ok && clean)
}

/// Resolves on Ctrl-C, SIGTERM or SIGHUP.
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted (Ctrl-C)",
        _ = recv(&mut term) => "terminated (SIGTERM)",
        _ = recv(&mut hup) => "hung up (SIGHUP)",
    }
}

/// What must exist before anything starts.
struct Setup {
    runtimes_dir: PathBuf,
    flink_version: String,
    jar: PathBuf,
    code_base64: String,
}

impl Setup {
    fn check(args: &LifecycleArgs) -> Result<Setup> {
        let setup_hint =
            "run scripts/setup-test-env.sh (it installs the runtimes and builds the examples)";
        if !args.weir_bin.is_file() {
            bail!(
                "{} not found: build it with `cargo build --release -p weir` (scripts/bench lifecycle does)",
                args.weir_bin.display()
            );
        }
        let runtimes_dir = match &args.runtimes_dir {
            Some(d) => d.clone(),
            None => default_runtimes_dir()?,
        };
        let output = std::process::Command::new(&args.weir_bin)
            .args(["runtime", "list", "--runtimes-dir"])
            .arg(&runtimes_dir)
            .env_remove("WEIR_FLINK_HOMES")
            .output()
            .with_context(|| format!("running {} runtime list", args.weir_bin.display()))?;
        if !output.status.success() {
            bail!(
                "`{} runtime list` failed (an old build? `cargo build --release -p weir`): {}",
                args.weir_bin.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let listing = String::from_utf8_lossy(&output.stdout);
        let line = listing
            .lines()
            .find(|l| l.split_whitespace().next() == Some(args.runtime.as_str()))
            .with_context(|| {
                format!(
                    "weir does not know the runtime {:?}; it lists:\n{listing}",
                    args.runtime
                )
            })?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let flink_version = fields.get(1).context("no Flink version")?.to_string();
        if fields.get(2) != Some(&"installed") {
            bail!(
                "{} (Flink {flink_version}) is not installed in {}; this benchmark never downloads: {setup_hint}",
                args.runtime,
                runtimes_dir.display()
            );
        }
        let jar = args.jar.clone().unwrap_or_else(|| {
            PathBuf::from(format!(
                "target/examples/{flink_version}/streaming-count.jar"
            ))
        });
        let code = std::fs::read(&jar)
            .with_context(|| format!("reading the example job {}: {setup_hint}", jar.display()))?;
        Ok(Setup {
            runtimes_dir,
            flink_version,
            jar,
            code_base64: base64(&code),
        })
    }
}

fn default_runtimes_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("WEIR_RUNTIMES_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let cache = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?).join(".cache"),
    };
    Ok(cache.join("weir").join("runtimes"))
}

/// weir, the applications it runs and the directory they live in; owns the clean-up.
struct Fleet {
    server: Option<Server>,
    endpoint: Option<Endpoint>,
    /// The temporary directory's path: every process of this run (weir and
    /// its JVMs) has it on its command line, nothing else does.
    marker: String,
    /// Applications created so far.
    apps: Vec<String>,
    /// Every JVM of this run seen so far: pid → start time.
    seen_jvms: RefCell<HashMap<u32, u64>>,
    keep: bool,
    poll: Duration,
    /// Declared last: removed after everything above is gone.
    work: Option<tempfile::TempDir>,
}

impl Fleet {
    fn new(args: &LifecycleArgs) -> Result<Fleet> {
        let work = tempfile::Builder::new()
            .prefix("weir-bench-lifecycle-")
            .tempdir()?;
        let marker = work.path().to_string_lossy().into_owned();
        Ok(Fleet {
            server: None,
            endpoint: None,
            marker,
            apps: Vec::new(),
            seen_jvms: RefCell::new(HashMap::new()),
            keep: args.keep_dir,
            poll: Duration::from_millis(args.poll_ms.max(1)),
            work: Some(work),
        })
    }

    fn dir(&self) -> &Path {
        self.work.as_ref().expect("work dir until dropped").path()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir().join("data")
    }

    fn server(&self) -> &Server {
        self.server.as_ref().expect("weir is started first")
    }

    fn client(&self) -> Client {
        self.endpoint
            .as_ref()
            .expect("weir is started first")
            .client()
    }

    fn logs_client(&self) -> Client {
        let mut endpoint = self.endpoint.clone().expect("weir is started first");
        endpoint.signing.service = "logs".into();
        endpoint.client().with_target_prefix(LOGS_TARGET_PREFIX)
    }

    /// The Flink JVMs of this run (all applications).
    fn jvms(&self) -> Vec<ProcessInfo> {
        procs::processes_with(&self.marker)
            .into_iter()
            .filter(|p| p.comm == "java")
            .collect()
    }

    /// The directory of an application's cluster as its JVMs' command lines
    /// name it: `clusters/<app>/`, or the pooled cluster it links to.
    fn app_cluster_marker(&self, app: &str) -> String {
        let dir = self.data_dir().join("clusters").join(app);
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        format!("{}/", dir.display())
    }

    /// The JVMs of one application's cluster (`marker`: [`Self::app_cluster_marker`]).
    fn app_jvms(&self, marker: &str) -> Vec<ProcessInfo> {
        procs::processes_with(marker)
            .into_iter()
            .filter(|p| p.comm == "java")
            .collect()
    }

    /// CPU seconds used so far by weir, the JVMs it reaped and the others:
    /// each JVM counts through its own /proc entry while it has one (alive,
    /// or exited but not yet reaped, when its command line is already
    /// empty), and through weir's children's times once weir reaped it.
    fn ours_cpu(&self) -> f64 {
        let mut seen = self.seen_jvms.borrow_mut();
        for p in self.jvms() {
            seen.insert(p.pid, p.start_ticks);
        }
        let mut jvms = 0.0;
        seen.retain(|&pid, &mut start| match procs::cpu_and_start(pid) {
            Some((cpu, s)) if s == start => {
                jvms += cpu;
                true
            }
            _ => false,
        });
        let weir = self
            .server
            .as_ref()
            .map_or(0.0, |s| s.cpu_seconds_with_children().unwrap_or(0.0));
        weir + jvms
    }

    fn start_weir(&mut self, args: &LifecycleArgs, setup: &Setup) -> Result<()> {
        let data = self.data_dir();
        std::fs::create_dir(&data)?;
        let mut extra_args = vec![
            "--task-manager-memory-mb".to_string(),
            args.task_manager_memory_mb.to_string(),
            "--job-manager-memory-mb".to_string(),
            args.job_manager_memory_mb.to_string(),
        ];
        if args.warm_pool_size > 0 {
            extra_args.extend([
                "--warm-pool-size".to_string(),
                args.warm_pool_size.to_string(),
                "--warm-pool-runtimes".to_string(),
                args.runtime.clone(),
            ]);
        }
        let runtimes: &OsStr = setup.runtimes_dir.as_os_str();
        let server = Server::start_weir(
            &args.weir_bin,
            &data,
            self.dir().join("weir.log"),
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            &extra_args,
            &[
                ("WEIR_RUNTIMES_DIR", runtimes),
                ("WEIR_FLINK_HOMES", OsStr::new("")),
            ],
        )?;
        self.endpoint = Some(Endpoint {
            addr: server.addr,
            signing: SigningConfig {
                access_key_id: ACCESS_KEY_ID.into(),
                secret_access_key: SECRET_ACCESS_KEY.into(),
                region: "us-east-1".into(),
                service: "kinesisanalytics".into(),
                host: server.addr.to_string(),
            },
            transport: Transport::Raw,
            signer: SignerKind::Fast,
        });
        self.server = Some(server);
        Ok(())
    }

    /// The warm pool's free clusters that are ready (their Task Manager has
    /// registered), and the JVMs of all its free clusters.
    fn pool_state(&self) -> (usize, Vec<ProcessInfo>) {
        let pool = self.data_dir().join("clusters").join(".pool");
        let Ok(entries) = std::fs::read_dir(&pool) else {
            return (0, Vec::new());
        };
        let jvms = self.jvms();
        let mut ready = 0;
        let mut free_jvms = Vec::new();
        for dir in entries.flatten().map(|e| e.path()) {
            if dir.join("assigned-to").exists() {
                continue;
            }
            let marker = format!("{}/", dir.display());
            let mine: Vec<ProcessInfo> = jvms
                .iter()
                .filter(|p| {
                    std::fs::read(format!("/proc/{}/cmdline", p.pid))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&marker))
                })
                .cloned()
                .collect();
            let registered = std::fs::read_to_string(dir.join("log").join(JM_LOG))
                .is_ok_and(|t| t.contains("Registering TaskManager with ResourceID"));
            if registered && mine.len() >= 2 {
                ready += 1;
            }
            free_jvms.extend(mine);
        }
        (ready, free_jvms)
    }

    /// With a warm pool: waits until it holds `size` ready clusters.
    async fn wait_pool(&self, size: usize) -> Result<Option<f64>> {
        if size == 0 {
            return Ok(None);
        }
        let started = Instant::now();
        while self.pool_state().0 < size {
            if started.elapsed() > Duration::from_secs(180) {
                bail!(
                    "the warm pool did not fill up within 180 s; weir log ends:\n{}",
                    self.server().log_tail(15)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The pool takes a cluster once its launch returned, just after the registration.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(Some(started.elapsed().as_secs_f64()))
    }

    /// With `--wait-quiet`: waits (up to that long) until no other JVM runs.
    async fn wait_quiet(&self, limit: Duration) {
        if limit.is_zero() {
            return;
        }
        let deadline = Instant::now() + limit;
        let mut said = false;
        loop {
            let foreign = procs::foreign_jvms(&self.marker);
            if foreign.is_empty() {
                if said {
                    println!("  the other JVMs are gone");
                }
                return;
            }
            if Instant::now() >= deadline {
                println!(
                    "  still {} other JVM(s) after {limit:?}; going on",
                    foreign.len()
                );
                return;
            }
            if !said {
                println!(
                    "  waiting (up to {limit:?}) for {} other JVM(s) to end: pids {:?}",
                    foreign.len(),
                    foreign.iter().map(|p| p.pid).collect::<Vec<_>>()
                );
                said = true;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    /// Prints the load probe (2 s) and returns the cores other processes used.
    async fn probe(&self, before: &str) -> f64 {
        let meter = BusyMeter::start(self.ours_cpu());
        tokio::time::sleep(Duration::from_secs(2)).await;
        let other = meter.other_cores(self.ours_cpu());
        let foreign = procs::foreign_jvms(&self.marker);
        print!("load probe before {before}: other processes use {other:.2} cores");
        if !foreign.is_empty() {
            print!(
                "; {} other JVM(s) running ({:.0} MB RSS)",
                foreign.len(),
                foreign.iter().map(|p| p.rss_mb).sum::<f64>()
            );
        }
        println!("{}", loadavg_note());
        if other > BUSY_CORES {
            println!("  warning: the machine is busy (> {BUSY_CORES} core used by others); figures will be slower than on a quiet machine");
        }
        other
    }

    /// Best effort, bounded: force-stop every application that is not READY
    /// (a second Ctrl-C skips this), kill weir's process group, kill any
    /// process still naming the work directory, check none is left.
    /// Returns whether nothing was left behind.
    async fn cleanup(&mut self) -> bool {
        if self.server.is_some() && !self.apps.is_empty() {
            tokio::select! {
                _ = self.stop_all_and_weir(Duration::from_secs(40)) => {}
                why = interrupted() => eprintln!("weir-bench lifecycle: {why} again: killing everything now"),
            }
        }
        self.kill_everything()
    }

    /// Force-stops every application that is not READY and waits (up to
    /// `timeout`) until they all are; `verbose` names each one on stderr.
    async fn stop_all(&self, timeout: Duration, verbose: bool) {
        let mut client = self.client();
        let started = Instant::now();
        let deadline = started + timeout;
        let mut pending = Vec::new();
        for app in &self.apps {
            match describe_status(&mut client, app).await {
                Ok(s) if s == "READY" => {}
                Ok(status) => {
                    if verbose {
                        eprintln!("weir-bench lifecycle: force-stopping {app} ({status})");
                    }
                    let body = json!({"ApplicationName": app, "Force": true});
                    if let Err(e) = call(&mut client, "StopApplication", &body).await {
                        eprintln!("weir-bench lifecycle: force-stopping {app}: {e:#}");
                    }
                    pending.push(app.clone());
                }
                Err(e) => eprintln!("weir-bench lifecycle: describing {app}: {e:#}"),
            }
        }
        while !pending.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(self.poll * 4).await;
            let mut still = Vec::new();
            for app in pending {
                if describe_status(&mut client, &app).await.ok().as_deref() != Some("READY") {
                    still.push(app);
                }
            }
            pending = still;
        }
        if !pending.is_empty() {
            eprintln!(
                "weir-bench lifecycle: not READY after {timeout:?}: {}",
                pending.join(", ")
            );
        }
    }

    /// [`Self::stop_all`], then weir shuts down by itself (which also
    /// stops its warm pool's free clusters).
    async fn stop_all_and_weir(&mut self, timeout: Duration) {
        self.stop_all(timeout, true).await;
        if let Some(server) = self.server.as_mut() {
            if !server.terminate(Duration::from_secs(15)).await {
                eprintln!("weir-bench lifecycle: weir did not exit within 15 s of SIGTERM");
            }
        }
    }

    /// Synchronous last resort (also from Drop): weir's group, then every
    /// process naming the work directory, by pid; then checks.
    fn kill_everything(&mut self) -> bool {
        drop(self.server.take());
        let mut left = procs::processes_with(&self.marker);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !left.is_empty() && Instant::now() < deadline {
            let pids: Vec<u32> = left.iter().map(|p| p.pid).collect();
            eprintln!(
                "weir-bench lifecycle: killing {} leftover process(es) of this run: {pids:?}",
                pids.len()
            );
            procs::kill_processes(&pids);
            std::thread::sleep(Duration::from_millis(200));
            left = procs::processes_with(&self.marker);
        }
        self.apps.clear();
        if left.is_empty() {
            true
        } else {
            eprintln!(
                "weir-bench lifecycle: processes of this run are still alive: {:?}",
                left.iter().map(|p| p.pid).collect::<Vec<_>>()
            );
            false
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.kill_everything();
        if let Some(work) = self.work.take() {
            if self.keep {
                let path = work.keep();
                println!("kept the working directory: {}", path.display());
            }
        }
    }
}

fn loadavg_note() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            (f.len() == 3).then(|| format!(" (load average {} {} {})", f[0], f[1], f[2]))
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Requests.

async fn call(client: &mut Client, operation: &str, body: &Value) -> Result<Value> {
    let bytes = serde_json::to_vec(body)?;
    let (status, response) = client
        .call(operation, &bytes)
        .await
        .with_context(|| operation.to_string())?;
    if status != 200 {
        bail!(
            "{operation} answered HTTP {status}: {}",
            String::from_utf8_lossy(&response[..response.len().min(2000)])
        );
    }
    if response.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(response).with_context(|| format!("{operation} response"))
}

async fn describe_status(client: &mut Client, app: &str) -> Result<String> {
    let detail = call(
        client,
        "DescribeApplication",
        &json!({ "ApplicationName": app }),
    )
    .await?;
    detail["ApplicationDetail"]["ApplicationStatus"]
        .as_str()
        .map(str::to_string)
        .context("DescribeApplication without ApplicationStatus")
}

fn create_body(app: &str, runtime: &str, code_base64: &str, output: &Path) -> Value {
    json!({
        "ApplicationName": app,
        "RuntimeEnvironment": runtime,
        "ServiceExecutionRole": "arn:aws:iam::000000000000:role/weir-bench",
        "ApplicationConfiguration": {
            "ApplicationCodeConfiguration": {
                "CodeContentType": "ZIPFILE",
                "CodeContent": { "ZipFileContent": code_base64 }
            },
            "EnvironmentProperties": {
                "PropertyGroups": [{
                    "PropertyGroupId": "SinkConfig",
                    "PropertyMap": { "output.path": output.display().to_string() }
                }]
            },
            "FlinkApplicationConfiguration": {
                "ParallelismConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "Parallelism": 1,
                    "ParallelismPerKPU": 1,
                    "AutoScalingEnabled": false
                }
            }
        }
    })
}

/// One application log event.
struct LogLine {
    ms: i64,
    message: String,
}

/// The application's log events since `since_ms` (GetLogEvents, every page).
async fn log_events(client: &mut Client, app: &str, since_ms: i64) -> Result<Vec<LogLine>> {
    let mut lines = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let mut body = json!({
            "logGroupName": format!("{LOG_GROUP_PREFIX}{app}"),
            "logStreamName": LOG_STREAM,
            "startTime": since_ms,
            "startFromHead": true,
        });
        if let Some(t) = &token {
            body["nextToken"] = t.clone().into();
        }
        let page = call(client, "GetLogEvents", &body).await?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        for e in &events {
            let raw = e["message"].as_str().unwrap_or_default();
            // Messages are the service's JSON lines; the text is their "message".
            let message = serde_json::from_str::<Value>(raw)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| raw.to_string());
            lines.push(LogLine {
                ms: e["timestamp"].as_i64().unwrap_or(0),
                message,
            });
        }
        let next = page["nextForwardToken"].as_str().map(str::to_string);
        if events.is_empty() || next.is_none() || next == token {
            break;
        }
        token = next;
    }
    Ok(lines)
}

// ---------------------------------------------------------------------------
// Timing one operation.

/// Milestones found: (label, seconds after the request; None: not found).
type Milestones = Vec<(&'static str, Option<f64>)>;

/// A milestone: its label and the substrings its line must contain.
type Pattern = (&'static str, &'static [&'static str]);

/// After the request's own "... operation <id> requested" line, in order.
const START_LOG_MILESTONES: &[Pattern] = &[
    ("weir: cluster provisioned", &["Provisioned a Flink"]),
    (
        "weir: warm cluster taken from the pool",
        &["Took a warm Flink"],
    ),
    ("weir: job submitted", &["Submitted job"]),
    ("weir: job RUNNING", &["switched from state", "to RUNNING."]),
    ("weir: application RUNNING", &["from STARTING to RUNNING"]),
];
const STOP_LOG_MILESTONES: &[Pattern] = &[
    (
        "weir: job CANCELED",
        &["switched from state", "to CANCELED."],
    ),
    ("weir: application READY", &["to READY"]),
];
const FORCE_STOP_LOG_MILESTONES: &[Pattern] = &[("weir: application READY", &["to READY"])];

/// Where a cluster-log milestone is found.
struct FlinkMilestone {
    label: &'static str,
    file: &'static str,
    /// Empty: any line (the first one written after the request, or the last).
    patterns: &'static [&'static str],
    last: bool,
}

const fn first(
    label: &'static str,
    file: &'static str,
    patterns: &'static [&'static str],
) -> FlinkMilestone {
    FlinkMilestone {
        label,
        file,
        patterns,
        last: false,
    }
}

const fn last(
    label: &'static str,
    file: &'static str,
    patterns: &'static [&'static str],
) -> FlinkMilestone {
    FlinkMilestone {
        label,
        file,
        patterns,
        last: true,
    }
}

const JM_LOG: &str = "jobmanager.log";
const TM_LOG: &str = "taskmanager-0.log";

/// Read as soon as RUNNING is seen (the next start rolls the logs over).
const START_FLINK_MILESTONES: &[FlinkMilestone] = &[
    first("flink: JM JVM logs its first line", JM_LOG, &[]),
    first("flink: TM JVM logs its first line", TM_LOG, &[]),
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
    first(
        "flink: job main() runs in the JM (jar run)",
        JM_LOG,
        &["streaming-count: properties"],
    ),
    first(
        "flink: JM dispatcher submits the job",
        JM_LOG,
        &["Submitting job"],
    ),
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
    last(
        "flink: last task INITIALIZING → RUNNING",
        JM_LOG,
        &["switched from INITIALIZING to RUNNING"],
    ),
];

/// Read as soon as READY is seen.
const STOP_FLINK_MILESTONES: &[FlinkMilestone] = &[
    first(
        "flink: job RUNNING → CANCELLING",
        JM_LOG,
        &["to CANCELLING"],
    ),
    first(
        "flink: job CANCELED",
        JM_LOG,
        &["switched from state CANCELLING to CANCELED"],
    ),
    first("flink: JM gets SIGTERM", JM_LOG, &["RECEIVED SIGNAL 15"]),
    first("flink: TM gets SIGTERM", TM_LOG, &["RECEIVED SIGNAL 15"]),
    last("flink: JM logs its last line", JM_LOG, &[]),
    last("flink: TM logs its last line", TM_LOG, &[]),
];

/// What one timed operation measured.
struct Timed {
    /// Request sent → the wanted status seen by the client.
    secs: f64,
    /// From the application log ("weir: ...") and the cluster's record and
    /// logs ("flink: ..."); the latter for starts and graceful stops only.
    milestones: Milestones,
    /// CPU seconds weir and the JVMs used meanwhile.
    ours_cpu: f64,
    /// Cores other processes used meanwhile.
    others: f64,
    /// After a stop: the application's JVMs still alive when READY was seen,
    /// and how long after that they were gone.
    jvms_at_ready: usize,
    jvms_gone_after: Option<f64>,
}

impl Timed {
    /// Whether the start took a cluster from the warm pool.
    fn took_pooled_cluster(&self) -> bool {
        self.milestones
            .iter()
            .any(|(l, v)| l.contains("warm cluster taken") && v.is_some())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Start,
    Stop,
    ForceStop,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Start => "start",
            Op::Stop => "stop",
            Op::ForceStop => "force stop",
        }
    }
}

impl Fleet {
    async fn create(&mut self, app: &str, runtime: &str, setup: &Setup) -> Result<()> {
        let output = self.dir().join("out").join(app);
        let body = create_body(app, runtime, &setup.code_base64, &output);
        let mut client = self.client();
        call(&mut client, "CreateApplication", &body).await?;
        self.apps.push(app.to_string());
        Ok(())
    }

    /// Sends the operation, polls DescribeApplication until the status it
    /// leads to, and gathers the breakdown.
    async fn timed(&self, app: &str, op: Op, timeout: Duration) -> Result<Timed> {
        let mut client = self.client();
        let (operation, body, want) = match op {
            Op::Start => (
                "StartApplication",
                json!({ "ApplicationName": app }),
                "RUNNING",
            ),
            Op::Stop => (
                "StopApplication",
                json!({ "ApplicationName": app, "Force": false }),
                "READY",
            ),
            Op::ForceStop => (
                "StopApplication",
                json!({ "ApplicationName": app, "Force": true }),
                "READY",
            ),
        };
        // Connect before the clock starts.
        describe_status(&mut client, app).await?;
        let cluster_marker = self.app_cluster_marker(app);
        let meter = BusyMeter::start(self.ours_cpu());
        let ours0 = self.ours_cpu();
        let wall_ms = unix_ms(SystemTime::now());
        let t0 = Instant::now();
        let started = call(&mut client, operation, &body).await?;
        let op_id = started["OperationId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut tick = t0;
        let mut seen = Vec::<(String, f64)>::new();
        let secs = loop {
            let status = describe_status(&mut client, app).await?;
            let at = t0.elapsed().as_secs_f64();
            if seen.last().map(|(s, _)| s.as_str()) != Some(status.as_str()) {
                seen.push((status.clone(), at));
            }
            if status == want {
                break at;
            }
            // A start that ends READY failed.
            if op == Op::Start && status == "READY" {
                bail!(
                    "{app}: the start failed ({})",
                    self.failure_report(&mut client, app, &op_id).await
                );
            }
            if t0.elapsed() > timeout {
                bail!(
                    "{app}: not {want} after {timeout:?} (statuses seen: {seen:?}); {}",
                    self.failure_report(&mut client, app, &op_id).await
                );
            }
            tick += self.poll;
            tokio::time::sleep_until(tick.into()).await;
        };
        let others = meter.other_cores(self.ours_cpu());
        let ours_cpu = self.ours_cpu() - ours0;
        let mut jvms_at_ready = 0;
        let mut jvms_gone_after = None;
        let mut flink = Vec::new();
        match op {
            Op::Start => {
                flink.push(("flink: weir spawns the JVMs", self.spawned_at(app, wall_ms)));
                flink.extend(self.flink_milestones(app, wall_ms, START_FLINK_MILESTONES));
            }
            Op::Stop => flink = self.flink_milestones(app, wall_ms, STOP_FLINK_MILESTONES),
            Op::ForceStop => {}
        }
        if op != Op::Start {
            let ready = Instant::now();
            jvms_at_ready = self.app_jvms(&cluster_marker).len();
            while ready.elapsed() < Duration::from_secs(30) {
                if self.app_jvms(&cluster_marker).is_empty() {
                    jvms_gone_after = Some(ready.elapsed().as_secs_f64());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let mut milestones = self
            .log_milestones(app, op, &op_id, wall_ms)
            .await
            .unwrap_or_else(|e| {
                eprintln!("  (could not read {app}'s log: {e:#})");
                Vec::new()
            });
        if milestones
            .iter()
            .any(|(l, v)| l.contains("warm cluster taken") && v.is_some())
        {
            // A pooled cluster's JVMs started before the request.
            flink.retain(|(l, _)| !l.contains("first line"));
        }
        milestones.extend(flink);
        Ok(Timed {
            secs,
            milestones,
            ours_cpu,
            others,
            jvms_at_ready,
            jvms_gone_after,
        })
    }

    async fn failure_report(&self, client: &mut Client, app: &str, op_id: &str) -> String {
        let op = call(
            client,
            "DescribeApplicationOperation",
            &json!({ "ApplicationName": app, "OperationId": op_id }),
        )
        .await
        .map(|v| v.to_string())
        .unwrap_or_else(|e| format!("{e:#}"));
        let log = match log_events(&mut self.logs_client(), app, 0).await {
            Ok(lines) => lines[lines.len().saturating_sub(12)..]
                .iter()
                .map(|l| format!("  {}", l.message))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("{e:#}"),
        };
        format!(
            "operation: {op}\napplication log ends:\n{log}\nweir log ends:\n{}",
            self.server().log_tail(15)
        )
    }

    /// The operation's milestones in the application log, as seconds after `wall_ms`.
    async fn log_milestones(
        &self,
        app: &str,
        op: Op,
        op_id: &str,
        wall_ms: i64,
    ) -> Result<Milestones> {
        let lines = log_events(&mut self.logs_client(), app, wall_ms - 2_000).await?;
        let requested = format!("operation {op_id} requested");
        let Some(first) = lines.iter().position(|l| l.message.contains(&requested)) else {
            bail!("no \"{requested}\" line");
        };
        let offset = |ms: i64| (ms - wall_ms) as f64 / 1e3;
        let mut found = vec![("weir: request recorded", Some(offset(lines[first].ms)))];
        let patterns = match op {
            Op::Start => START_LOG_MILESTONES,
            Op::Stop => STOP_LOG_MILESTONES,
            Op::ForceStop => FORCE_STOP_LOG_MILESTONES,
        };
        let mut from = first;
        for (label, needles) in patterns {
            let hit = lines[from..]
                .iter()
                .position(|l| needles.iter().all(|n| l.message.contains(n)));
            match hit {
                Some(i) => {
                    from += i;
                    found.push((*label, Some(offset(lines[from].ms))));
                }
                None => found.push((*label, None)),
            }
        }
        Ok(found)
    }

    /// When weir spawned the cluster's JVMs (its `cluster.json`), in seconds after `wall_ms`.
    fn spawned_at(&self, app: &str, wall_ms: i64) -> Option<f64> {
        let record = self
            .data_dir()
            .join("clusters")
            .join(app)
            .join("cluster.json");
        std::fs::read_to_string(record)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["started_at_ms"].as_i64())
            // A cluster from the warm pool was started before the request.
            .filter(|ms| *ms >= wall_ms)
            .map(|ms| (ms - wall_ms) as f64 / 1e3)
    }

    /// Milestones from the cluster's logs, in seconds after `wall_ms`.
    fn flink_milestones(&self, app: &str, wall_ms: i64, wanted: &[FlinkMilestone]) -> Milestones {
        let dir = self.data_dir().join("clusters").join(app).join("log");
        let mut found = Vec::new();
        for m in wanted {
            let text = std::fs::read_to_string(dir.join(m.file)).unwrap_or_default();
            let mut hit = None;
            for line in text.lines() {
                let Some(ms) = log4j_ms(line) else { continue };
                // Earlier lines (an earlier cluster, a pooled one before it was
                // taken, this one before a stop) are not this operation's.
                if ms < wall_ms {
                    continue;
                }
                if m.patterns.iter().all(|p| line.contains(p)) {
                    hit = Some(ms);
                    if !m.last {
                        break;
                    }
                }
            }
            found.push((m.label, hit.map(|ms| (ms - wall_ms) as f64 / 1e3)));
        }
        found
    }
}

/// The timestamp of a log4j line (`2026-01-02 03:04:05,678 ...`, local time) in Unix ms.
fn log4j_ms(line: &str) -> Option<i64> {
    use chrono::TimeZone as _;
    let stamp = line.get(..23)?;
    let naive = chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S,%3f").ok()?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

// ---------------------------------------------------------------------------
// The run.

struct Steady {
    apps: usize,
    window: f64,
    weir_cpu_percent: f64,
    weir_rss_mb: f64,
    weir_rss_max_mb: f64,
    weir_hwm_mb: f64,
    jvm_count: usize,
    jvm_rss_mb: f64,
    /// Of those, the free clusters of the warm pool.
    pool_jvm_count: usize,
    pool_jvm_rss_mb: f64,
    jvm_cores: f64,
    others: f64,
    /// Starts while other applications were running: (already running,
    /// seconds, from the warm pool).
    starts: Vec<(usize, f64, bool)>,
}

async fn run(args: &LifecycleArgs, setup: &Setup, fleet: &mut Fleet) -> Result<bool> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("weir-bench lifecycle");
    println!(
        "  runtime: {} (Flink {}) from {}",
        args.runtime,
        setup.flink_version,
        setup.runtimes_dir.display()
    );
    println!(
        "  job: {} at parallelism 1 (1 Task Manager of {} MiB, 1 Job Manager of {} MiB per application)",
        setup.jar.display(),
        args.task_manager_memory_mb,
        args.job_manager_memory_mb
    );
    println!(
        "  machine: {cores} cores, {:.1} GB memory; weir, its JVMs and this benchmark share them",
        mem_total_gb()
    );
    println!(
        "  DescribeApplication polled every {} ms, every request SigV4-signed",
        args.poll_ms
    );
    fleet.start_weir(args, setup)?;
    println!(
        "  weir: pid {} on {}, data in {}",
        fleet.server().pid(),
        fleet.server().addr,
        fleet.data_dir().display()
    );
    let mut busy_phases = Vec::new();
    fleet.wait_quiet(Duration::from_secs(args.wait_quiet)).await;
    let first = fleet.probe("starting").await;
    if first > BUSY_CORES {
        busy_phases.push(format!("before starting: {first:.2} cores"));
    }
    println!();

    let cycles_needed = if args.skip_cycles {
        0
    } else {
        args.warmup + args.runs
    };
    let app_count = cycles_needed.max(if args.skip_steady { 0 } else { args.apps });
    for i in 1..=app_count {
        fleet.create(&app_name(i), &args.runtime, setup).await?;
    }

    let start_timeout = Duration::from_secs(args.start_timeout);
    let stop_timeout = Duration::from_secs(args.stop_timeout);
    let mut starts: Vec<Timed> = Vec::new();
    let mut stops: Vec<Timed> = Vec::new();
    let mut forces: Vec<Timed> = Vec::new();
    let mut warmup_starts = Vec::new();
    if !args.skip_cycles {
        println!(
            "== Cycles: start → RUNNING, stop → READY, start → RUNNING, force stop → READY ({} warm-up + {} measured) ==",
            args.warmup, args.runs
        );
        let quiet = Duration::from_secs(args.wait_quiet);
        fleet.wait_quiet(quiet).await;
        let probe = fleet.probe("the cycles").await;
        if probe > BUSY_CORES {
            busy_phases.push(format!("before the cycles: {probe:.2} cores"));
        }
        for i in 1..=cycles_needed {
            let app = app_name(i);
            let warm = i <= args.warmup;
            let label = if warm {
                format!("warm-up {i}")
            } else {
                format!("run {}", i - args.warmup)
            };
            if i > 1 {
                fleet.wait_quiet(quiet).await;
            }
            print_flush(&format!("{label} ({app}): "));
            let mut cycle = Vec::new();
            for op in [Op::Start, Op::Stop, Op::Start, Op::ForceStop] {
                let timeout = if op == Op::Start {
                    fleet.wait_pool(args.warm_pool_size).await?;
                    start_timeout
                } else {
                    stop_timeout
                };
                let t = fleet.timed(&app, op, timeout).await?;
                let how = if t.took_pooled_cluster() {
                    " (warm)"
                } else {
                    ""
                };
                print_flush(&format!("{} {:.2} s{how}; ", op.name(), t.secs));
                cycle.push((op, t));
            }
            let others = cycle.iter().map(|(_, t)| t.others).fold(0.0, f64::max);
            println!("others ≤ {others:.2} cores");
            if others > BUSY_CORES && !warm {
                busy_phases.push(format!("{label}: up to {others:.2} cores"));
            }
            for (op, t) in cycle {
                match (warm, op) {
                    (true, Op::Start) => warmup_starts.push(t.secs),
                    (true, _) => {}
                    (false, Op::Start) => starts.push(t),
                    (false, Op::Stop) => stops.push(t),
                    (false, Op::ForceStop) => forces.push(t),
                }
            }
        }
        println!();
    }

    let mut steady = None;
    if !args.skip_steady {
        steady = Some(steady_phase(args, fleet, &mut busy_phases).await?);
    }

    // ---------------------------------------------------------------------
    println!();
    println!(
        "== Results ({} on Flink {}, {cores} cores) ==",
        args.runtime, setup.flink_version
    );
    if !warmup_starts.is_empty() {
        println!(
            "warm-up starts (not counted; the first one after weir starts also checks java and the class-data archives): {}",
            samples(&warmup_starts)
        );
    }
    let mut failed = false;
    let (warm_starts, cold_starts): (Vec<Timed>, Vec<Timed>) =
        starts.into_iter().partition(Timed::took_pooled_cluster);
    for (title, list) in [
        (
            "StartApplication → RUNNING (cold: a new cluster each time)",
            &cold_starts,
        ),
        (
            "StartApplication → RUNNING (warm: a started cluster from the pool)",
            &warm_starts,
        ),
        ("StopApplication → READY", &stops),
        ("StopApplication Force=true (from RUNNING) → READY", &forces),
    ] {
        if list.is_empty() {
            continue;
        }
        let secs: Vec<f64> = list.iter().map(|t| t.secs).collect();
        let (min, med, max) = summary(&secs);
        println!(
            "{title}: median {med:.2} s (min {min:.2}, max {max:.2}; {} samples: {})",
            secs.len(),
            samples(&secs)
        );
        let cpu: Vec<f64> = list.iter().map(|t| t.ours_cpu).collect();
        let others: Vec<f64> = list.iter().map(|t| t.others).collect();
        // Under a second, 10 ms accounting ticks make rates noise.
        let rate = if med >= 1.0 {
            format!(" ({:.2} cores on average)", summary(&cpu).1 / med)
        } else {
            String::new()
        };
        println!(
            "  CPU used by weir + the JVMs meanwhile: median {:.1} core-seconds{rate}; other processes: median {:.2} cores",
            summary(&cpu).1,
            summary(&others).1
        );
        print_breakdown(list);
        if list
            .iter()
            .any(|t| t.jvms_gone_after.is_some() || t.jvms_at_ready > 0)
        {
            let late: Vec<&Timed> = list.iter().filter(|t| t.jvms_at_ready > 0).collect();
            if late.is_empty() {
                println!("  the application's JVMs were already gone whenever READY was seen");
            } else {
                let after: Vec<f64> = late.iter().filter_map(|t| t.jvms_gone_after).collect();
                println!(
                    "  JVMs still alive when READY was seen in {} of {} stops (gone {} s later)",
                    late.len(),
                    list.len(),
                    samples(&after)
                );
            }
            if list
                .iter()
                .any(|t| t.jvms_at_ready > 0 && t.jvms_gone_after.is_none())
            {
                println!("  error: some JVMs were still alive 30 s after READY");
                failed = true;
            }
        }
    }
    if let Some(s) = &steady {
        println!(
            "{} applications RUNNING, {:.1} s window: weir CPU {:.3} % of one core; weir RSS {:.1} MB (max {:.1} in the window, peak VmHWM {:.1})",
            s.apps, s.window, s.weir_cpu_percent, s.weir_rss_mb, s.weir_rss_max_mb, s.weir_hwm_mb
        );
        let apps_rss = s.jvm_rss_mb - s.pool_jvm_rss_mb;
        println!(
            "  for reference, the Flink JVMs: {} processes, {:.0} MB RSS in total ({:.0} MB per application), {:.2} cores; other processes: {:.2} cores",
            s.jvm_count,
            s.jvm_rss_mb,
            apps_rss / s.apps as f64,
            s.jvm_cores,
            s.others
        );
        if s.pool_jvm_count > 0 {
            println!(
                "  of which the warm pool's free clusters: {} JVMs, {:.0} MB RSS",
                s.pool_jvm_count, s.pool_jvm_rss_mb
            );
        }
        if !s.starts.is_empty() {
            let list: Vec<String> = s
                .starts
                .iter()
                .map(|(k, secs, warm)| {
                    let how = if *warm { " (warm)" } else { "" };
                    format!("{secs:.2} s{how} with {k} running")
                })
                .collect();
            println!("  starts on the way there: {}", list.join(", "));
        }
    }
    if busy_phases.is_empty() {
        println!("machine load: other processes stayed under {BUSY_CORES} core in every probe");
    } else {
        println!(
            "machine load: BUSY — other processes used more than {BUSY_CORES} core: {}; the figures are slower than on a quiet machine",
            busy_phases.join("; ")
        );
    }

    println!();
    println!("Targets ({cores} cores, shared with the benchmark and the JVMs):");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let median = |l: &Vec<Timed>| summary(&l.iter().map(|t| t.secs).collect::<Vec<_>>()).1;
    if !cold_starts.is_empty() {
        let m = median(&cold_starts);
        println!(
            "  start ≤ {TARGET_START_S} s cold: median {m:.2} s — {}",
            verdict(m <= TARGET_START_S)
        );
    }
    if !warm_starts.is_empty() {
        let m = median(&warm_starts);
        println!(
            "  start ≤ {TARGET_WARM_START_S} s from the warm pool: median {m:.2} s — {}",
            verdict(m <= TARGET_WARM_START_S)
        );
    }
    if !stops.is_empty() {
        let m = median(&stops);
        println!(
            "  stop ≤ {TARGET_STOP_S} s: median {m:.2} s — {}",
            verdict(m <= TARGET_STOP_S)
        );
    }
    if !forces.is_empty() {
        let m = median(&forces);
        println!(
            "  force stop ≤ {TARGET_FORCE_STOP_S} s: median {m:.2} s — {}",
            verdict(m <= TARGET_FORCE_STOP_S)
        );
    }
    if let Some(s) = &steady {
        println!(
            "  weir CPU ≤ {TARGET_CPU_PERCENT} % of a core with {} applications RUNNING: {:.3} % — {}",
            s.apps,
            s.weir_cpu_percent,
            verdict(s.weir_cpu_percent <= TARGET_CPU_PERCENT)
        );
        println!(
            "  weir RSS ≤ {TARGET_RSS_MB} MB with {} applications RUNNING: {:.1} MB — {}",
            s.apps,
            s.weir_rss_mb,
            verdict(s.weir_rss_mb <= TARGET_RSS_MB)
        );
    }
    Ok(!failed)
}

async fn steady_phase(
    args: &LifecycleArgs,
    fleet: &mut Fleet,
    busy_phases: &mut Vec<String>,
) -> Result<Steady> {
    println!(
        "== Steady state: {} applications RUNNING, weir's CPU over {} s (after {} s to settle) ==",
        args.apps, args.window, args.settle
    );
    fleet.wait_quiet(Duration::from_secs(args.wait_quiet)).await;
    let probe = fleet.probe("starting the applications").await;
    if probe > BUSY_CORES {
        busy_phases.push(format!("before the steady state: {probe:.2} cores"));
    }
    let mut starts = Vec::new();
    for i in 1..=args.apps {
        let app = app_name(i);
        print_flush(&format!("starting {app} ... "));
        let t = fleet
            .timed(&app, Op::Start, Duration::from_secs(args.start_timeout))
            .await?;
        let how = if t.took_pooled_cluster() {
            " (warm)"
        } else {
            ""
        };
        println!("RUNNING after {:.2} s{how}", t.secs);
        starts.push((i - 1, t.secs, t.took_pooled_cluster()));
    }
    if let Some(waited) = fleet.wait_pool(args.warm_pool_size).await? {
        println!("the warm pool is full again after {waited:.1} s");
    }
    print_flush(&format!("settling {} s ... ", args.settle));
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    println!("measuring {} s", args.window);

    let server = fleet.server();
    let jvms0 = fleet.jvms();
    let meter = BusyMeter::start(fleet.ours_cpu());
    let weir0 = server.cpu_seconds()?;
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(args.window);
    let mut rss_max: f64 = 0.0;
    // Only /proc is read meanwhile: no request disturbs weir's figures.
    while Instant::now() < end {
        rss_max = rss_max.max(server.memory_mb()?.0);
        let next = (Instant::now() + Duration::from_secs(1)).min(end);
        tokio::time::sleep_until(next.into()).await;
    }
    let weir1 = server.cpu_seconds()?;
    let window = t0.elapsed().as_secs_f64();
    let jvms1 = fleet.jvms();
    let pool_jvms = fleet.pool_state().1;
    let others = meter.other_cores(fleet.ours_cpu());
    let (weir_rss_mb, weir_hwm_mb) = server.memory_mb()?;
    rss_max = rss_max.max(weir_rss_mb);
    let jvm_cpu: f64 = jvms1
        .iter()
        .map(|p| {
            let before = jvms0.iter().find(|q| q.pid == p.pid).map_or(0.0, |q| q.cpu);
            p.cpu - before
        })
        .sum();
    println!(
        "weir: {:.3} % of one core, RSS {weir_rss_mb:.1} MB; JVMs: {} processes, {:.0} MB RSS; others: {others:.2} cores",
        (weir1 - weir0) / window * 100.0,
        jvms1.len(),
        jvms1.iter().map(|p| p.rss_mb).sum::<f64>()
    );
    if others > BUSY_CORES {
        busy_phases.push(format!("during the CPU window: {others:.2} cores"));
    }
    // Every application must still be RUNNING for the figures to count.
    let mut client = fleet.client();
    for i in 1..=args.apps {
        let status = describe_status(&mut client, &app_name(i)).await?;
        if status != "RUNNING" {
            bail!("{} is {status} after the window, not RUNNING", app_name(i));
        }
    }
    if jvms1.len() != 2 * args.apps + pool_jvms.len() {
        println!(
            "  note: {} JVMs for {} applications and {} free in the warm pool",
            jvms1.len(),
            args.apps,
            pool_jvms.len()
        );
    }
    print_flush("force-stopping them ... ");
    let t = Instant::now();
    fleet
        .stop_all(Duration::from_secs(args.stop_timeout), false)
        .await;
    println!("{:.1} s", t.elapsed().as_secs_f64());
    Ok(Steady {
        apps: args.apps,
        window,
        weir_cpu_percent: (weir1 - weir0) / window * 100.0,
        weir_rss_mb,
        weir_rss_max_mb: rss_max,
        weir_hwm_mb,
        jvm_count: jvms1.len(),
        jvm_rss_mb: jvms1.iter().map(|p| p.rss_mb).sum(),
        pool_jvm_count: pool_jvms.len(),
        pool_jvm_rss_mb: pool_jvms.iter().map(|p| p.rss_mb).sum(),
        jvm_cores: jvm_cpu / window,
        others,
        starts,
    })
}

fn app_name(i: usize) -> String {
    format!("bench-{i}")
}

fn mem_total_gb() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: f64 = line["MemTotal:".len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kb / 1024.0 / 1024.0)
        })
        .unwrap_or(0.0)
}

// ---------------------------------------------------------------------------
// Figures.

/// (min, median, max); the median of an even count is the mean of the middle two.
fn summary(values: &[f64]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (v[0], median, v[n - 1])
}

fn samples(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints the milestones of a list of samples as one timeline: each one's
/// median offset from the request and the median stage before it (per
/// sample, from the row above), in order of median offset, with the status
/// seen by the client (`Timed::secs`) among them.
fn print_breakdown(list: &[Timed]) {
    const SEEN: &str = "client: status seen (DescribeApplication)";
    let Some(mut labels) = list
        .iter()
        .map(|t| &t.milestones)
        .max_by_key(|m| m.len())
        .map(|m| m.iter().map(|(l, _)| *l).collect::<Vec<_>>())
    else {
        return;
    };
    labels.push(SEEN);
    let value = |t: &Timed, label: &str| {
        if label == SEEN {
            return Some(t.secs);
        }
        t.milestones
            .iter()
            .find(|(l, _)| *l == label)
            .and_then(|(_, v)| *v)
    };
    let mut rows: Vec<(&str, f64, usize)> = labels
        .iter()
        .map(|label| {
            let v: Vec<f64> = list.iter().filter_map(|t| value(t, label)).collect();
            (*label, summary(&v).1, v.len())
        })
        .filter(|(_, _, found)| *found > 0)
        .collect();
    rows.sort_by(|a, b| a.1.total_cmp(&b.1));
    println!(
        "  timeline in seconds after the request, medians (weir: the application log via GetLogEvents; \
         flink: the cluster's own logs); stage: time since the row above"
    );
    println!("    {:<52} {:>7} {:>7}", "", "at", "stage");
    let mut previous: Option<&str> = None;
    for (label, at, found) in &rows {
        // A stage is the median of per-sample differences, not a difference of medians.
        let stage = match previous {
            None => *at,
            Some(p) => {
                let d: Vec<f64> = list
                    .iter()
                    .filter_map(|t| Some(value(t, label)? - value(t, p)?))
                    .collect();
                summary(&d).1
            }
        };
        let missing = if *found < list.len() {
            format!("  (in {found} of {} samples)", list.len())
        } else {
            String::new()
        };
        println!("    {label:<52} {at:>7.2} {stage:>7.2}{missing}");
        previous = Some(label);
    }
}

/// Standard base64 with padding (the API's blob encoding).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn medians_and_log4j_timestamps() {
        assert_eq!(summary(&[3.0, 1.0, 2.0]), (1.0, 2.0, 3.0));
        assert_eq!(summary(&[4.0, 1.0, 2.0, 3.0]), (1.0, 2.5, 4.0));
        let line = "2026-11-26 06:02:23,123 INFO  org.apache.flink.X [] - hello";
        let ms = log4j_ms(line).expect("a timestamp");
        assert_eq!(ms.rem_euclid(1000), 123);
        assert_eq!(log4j_ms("Caused by: something"), None);
    }
}

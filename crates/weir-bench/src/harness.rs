//! What the benchmarks on real Flink (`lifecycle.rs`, `state.rs`,
//! `autoscale.rs`, `metrics.rs`, `python.rs`) share: the flags that say
//! what to run ([`SetupArgs`]), checking the runtime and the example job
//! are installed, stopping early on a signal ([`or_interrupted`]), running
//! the release `weir server` in a temporary directory with its applications
//! ([`Fleet`], which owns the clean-up), the load probe, signed requests,
//! reading the application log (CloudWatch Logs GetLogEvents on the same
//! endpoint) and printing figures.
//!
//! Clean-up, also on an error, Ctrl-C or SIGTERM: every application that is
//! not READY is force-stopped through the API, then weir's process group is
//! killed, then any process whose command line still names the temporary
//! directory (only this run's JVMs can) is killed by pid, and the benchmark
//! checks that none is left.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use weir_test_support::process::{self as procs, ProcessInfo};
use weir_test_support::{flink, sample};

use crate::busy::BusyMeter;
use crate::client::{Client, Transport};
use crate::load::Endpoint;
use crate::procs::Server;
use crate::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
use weir_test_support::sign::{SignerKind, SigningConfig};
use weir_test_support::wait::{status_is, wait_all, wait_until, Describe, Look, Missed, Pace};

/// Above this many cores used by other processes, a phase is flagged as disturbed.
pub const BUSY_CORES: f64 = 0.5;

const LOGS_TARGET_PREFIX: &str = "Logs_20140328.";
const LOG_GROUP_PREFIX: &str = "/aws/kinesis-analytics/";
const LOG_STREAM: &str = "kinesis-analytics-log-stream";

/// Resolves on Ctrl-C, SIGTERM or SIGHUP.
pub async fn interrupted() -> &'static str {
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

/// Runs a benchmark's `work` until it ends or the process is interrupted;
/// when it did not complete, says so before the caller cleans up (the error
/// itself is printed last, after the clean-up).
pub async fn or_interrupted<T>(command: &str, work: impl Future<Output = Result<T>>) -> Result<T> {
    let outcome = tokio::select! {
        r = work => r,
        why = interrupted() => Err(anyhow::anyhow!("{why}")),
    };
    if outcome.is_err() {
        eprintln!("weir-bench {command}: stopped early; cleaning up");
    }
    outcome
}

/// The flags of every benchmark on real Flink that say what to run.
#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// The weir binary (the release build).
    #[arg(long, default_value = "target/release/weir")]
    pub weir_bin: PathBuf,
    /// Runtime of the applications (FLINK-1_20, FLINK-2_2, ...; must be installed).
    #[arg(long, default_value = "FLINK-1_20")]
    pub runtime: String,
    /// Where the Flink distributions are installed; never downloaded here.
    /// Default: $WEIR_RUNTIMES_DIR, else ${XDG_CACHE_HOME:-~/.cache}/weir/runtimes.
    #[arg(long)]
    pub runtimes_dir: Option<PathBuf>,
    /// The job's jar. Default: <examples>/<Flink version>/streaming-count.jar
    /// (load-control.jar for autoscale, table-getting-started.jar for python),
    /// <examples> being $WEIR_EXAMPLES_DIR, else target/examples.
    #[arg(long)]
    pub jar: Option<PathBuf>,
    /// Run weir as this user (a name or a uid; the benchmark itself must run
    /// as root): the run's directory becomes theirs and the runtimes are
    /// hard-linked into it (see `weir_test_support::flink::runtimes_for_user`).
    #[arg(long)]
    pub as_user: Option<String>,
}

/// uid and gid of `user`, a name or a uid.
fn user_ids(user: &str) -> Result<(u32, u32)> {
    let name = std::ffi::CString::new(user)?;
    // SAFETY: getpwnam/getpwuid return a pointer to static storage or null;
    // it is read at once, on this thread, before any other call.
    let entry = unsafe {
        match user.parse::<u32>() {
            Ok(uid) => libc::getpwuid(uid),
            Err(_) => libc::getpwnam(name.as_ptr()),
        }
    };
    if entry.is_null() {
        bail!("--as-user {user}: no such user");
    }
    // SAFETY: non-null, as just checked.
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    Ok((uid, gid))
}

/// What must exist before anything starts.
pub struct Setup {
    pub runtime: String,
    /// `--as-user`: uid and gid.
    pub user: Option<(u32, u32)>,
    pub runtimes_dir: PathBuf,
    pub flink_version: String,
    pub jar: PathBuf,
    pub code_base64: String,
}

impl Setup {
    /// Checks `args.weir_bin` runs and knows `args.runtime`, installed in
    /// `args.runtimes_dir` (default: [`flink::runtimes_dir`]), and reads the
    /// job (default: the example `example`, e.g. "streaming-count", built
    /// for that Flink version: [`flink::example_jar_path`]).
    /// `command` is the benchmark's subcommand, for the hints.
    pub fn check(command: &str, args: &SetupArgs, example: &str) -> Result<Setup> {
        let weir_bin = &args.weir_bin;
        let runtime = args.runtime.as_str();
        let setup_hint =
            "run scripts/setup-test-env.sh (it installs the runtimes and builds the examples)";
        if !weir_bin.is_file() {
            bail!(
                "{} not found: build it with `cargo build --release -p weir` (scripts/bench {command} does)",
                weir_bin.display()
            );
        }
        let runtimes_dir = args
            .runtimes_dir
            .clone()
            .unwrap_or_else(flink::runtimes_dir);
        let (listed, listing) = flink::runtime_list(weir_bin, &runtimes_dir).map_err(|said| {
            anyhow::anyhow!(
                "`{} runtime list` failed (an old build? `cargo build --release -p weir`): {}",
                weir_bin.display(),
                said.trim()
            )
        })?;
        let known = listed.iter().find(|l| l.name == runtime).with_context(|| {
            format!("weir does not know the runtime {runtime:?}; it lists:\n{listing}")
        })?;
        let flink_version = known.version.clone();
        if !known.installed {
            bail!(
                "{runtime} (Flink {flink_version}) is not installed in {}; this benchmark never downloads: {setup_hint}",
                runtimes_dir.display()
            );
        }
        let jar = args
            .jar
            .clone()
            .unwrap_or_else(|| flink::example_jar_path(&flink_version, example));
        let code = std::fs::read(&jar)
            .with_context(|| format!("reading the example job {}: {setup_hint}", jar.display()))?;
        let user = args.as_user.as_deref().map(user_ids).transpose()?;
        // SAFETY: geteuid cannot fail.
        if user.is_some() && unsafe { libc::geteuid() } != 0 {
            bail!("--as-user needs the benchmark to run as root");
        }
        Ok(Setup {
            runtime: args.runtime.clone(),
            user,
            runtimes_dir,
            flink_version,
            jar,
            code_base64: sample::base64(&code),
        })
    }

    /// The header line that says which Flink runs.
    pub fn print_runtime(&self) {
        println!(
            "  runtime: {} (Flink {}) from {}",
            self.runtime,
            self.flink_version,
            self.runtimes_dir.display()
        );
        if let Some((uid, gid)) = self.user {
            println!("  weir runs as uid {uid}, gid {gid} (--as-user)");
        }
    }
}

/// weir, the applications it runs and the directory they live in; owns the clean-up.
pub struct Fleet {
    /// For messages: `weir-bench <command>`.
    name: String,
    server: Option<Server>,
    endpoint: Option<Endpoint>,
    /// The temporary directory's path: every process of this run (weir and
    /// its JVMs) has it on its command line, nothing else does.
    marker: String,
    /// Applications created so far.
    apps: Vec<String>,
    /// Every process of this run but weir seen so far (its JVMs, and what
    /// they or weir started: a Python application's driver and workers,
    /// pip installing PyFlink): pid → start time.
    seen: RefCell<HashMap<i32, u64>>,
    keep: bool,
    poll: Duration,
    /// Declared last: removed after everything above is gone.
    work: Option<tempfile::TempDir>,
}

impl Fleet {
    /// A new temporary directory for the run of `weir-bench <command>`;
    /// `keep`: leave it behind; `poll`: the pace of DescribeApplication polls.
    pub fn new(command: &str, keep: bool, poll: Duration) -> Result<Fleet> {
        let work = tempfile::Builder::new()
            .prefix(&format!("weir-bench-{command}-"))
            .tempdir()?;
        let marker = work.path().to_string_lossy().into_owned();
        Ok(Fleet {
            name: format!("weir-bench {command}"),
            server: None,
            endpoint: None,
            marker,
            apps: Vec::new(),
            seen: RefCell::new(HashMap::new()),
            keep,
            poll: poll.max(Duration::from_millis(1)),
            work: Some(work),
        })
    }

    pub fn dir(&self) -> &Path {
        self.work.as_ref().expect("work dir until dropped").path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir().join("data")
    }

    pub fn poll(&self) -> Duration {
        self.poll
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("weir is started first")
    }

    pub fn client(&self) -> Client {
        self.endpoint
            .as_ref()
            .expect("weir is started first")
            .client()
    }

    pub fn logs_client(&self) -> Client {
        let mut endpoint = self.endpoint.clone().expect("weir is started first");
        endpoint.signing.service = "logs".into();
        endpoint.client().with_target_prefix(LOGS_TARGET_PREFIX)
    }

    /// The Flink JVMs of this run (all applications).
    pub fn jvms(&self) -> Vec<ProcessInfo> {
        procs::processes_mentioning(&self.marker)
            .into_iter()
            .filter(|p| p.comm == "java")
            .collect()
    }

    /// The directory of an application's cluster as its JVMs' command lines
    /// name it: `clusters/<app>/`, or the pooled cluster it links to.
    pub fn app_cluster_marker(&self, app: &str) -> String {
        let dir = self.data_dir().join("clusters").join(app);
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        format!("{}/", dir.display())
    }

    /// The JVMs of one application's cluster (`marker`: [`Self::app_cluster_marker`]).
    pub fn app_jvms(&self, marker: &str) -> Vec<ProcessInfo> {
        procs::processes_mentioning(marker)
            .into_iter()
            .filter(|p| p.comm == "java")
            .collect()
    }

    /// CPU seconds used so far by weir and every process of this run: each
    /// counts through its own /proc entry (with the children it reaped, so
    /// a JVM's Python processes stay counted once gone) while it has one
    /// (alive, or exited but not yet reaped, when its command line is
    /// already empty), and through weir's children's times once weir
    /// reaped it.
    pub fn ours_cpu(&self) -> f64 {
        let weir = self.server.as_ref().map(|s| s.pid() as i32);
        let mut seen = self.seen.borrow_mut();
        for p in procs::processes_mentioning(&self.marker) {
            if Some(p.pid) != weir {
                seen.insert(p.pid, p.start_ticks);
            }
        }
        let mut others = 0.0;
        seen.retain(
            |&pid, &mut start| match procs::cpu_with_children_and_start(pid) {
                Some((cpu, s)) if s == start => {
                    others += cpu;
                    true
                }
                _ => false,
            },
        );
        let weir = self
            .server
            .as_ref()
            .map_or(0.0, |s| s.cpu_seconds_with_children().unwrap_or(0.0));
        weir + others
    }

    /// Starts `weir server` on the data directory with the installed
    /// runtimes and Python environments only (no `--flink-home`, no
    /// `--python-env`) and `extra_args`.
    pub fn start_weir(
        &mut self,
        weir_bin: &Path,
        setup: &Setup,
        extra_args: &[String],
    ) -> Result<()> {
        let data = self.data_dir();
        std::fs::create_dir_all(&data)?;
        let runtimes = match setup.user {
            None => setup.runtimes_dir.clone(),
            Some((uid, gid)) => {
                std::os::unix::fs::chown(&data, Some(uid), Some(gid))?;
                flink::runtimes_for_user(&setup.runtimes_dir, self.dir(), uid, gid)?
            }
        };
        let server = Server::start_weir(
            weir_bin,
            &data,
            self.dir().join("weir.log"),
            (ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            extra_args,
            &[
                ("WEIR_RUNTIMES_DIR", runtimes.as_os_str()),
                ("WEIR_FLINK_HOMES", OsStr::new("")),
                ("WEIR_PYTHON_ENVS", OsStr::new("")),
            ],
            setup.user,
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

    /// Stops weir (SIGTERM; killed if it lingers) and starts it again on
    /// the same data directory with `extra_args`: the applications' clusters
    /// keep running and the new weir adopts them. The old log is kept as
    /// `weir.log.<n>`.
    pub async fn restart_weir(
        &mut self,
        weir_bin: &Path,
        setup: &Setup,
        extra_args: &[String],
    ) -> Result<()> {
        if let Some(mut server) = self.server.take() {
            server.terminate(Duration::from_secs(15)).await;
        }
        let log = self.dir().join("weir.log");
        let kept = (1..)
            .map(|n| self.dir().join(format!("weir.log.{n}")))
            .find(|p| !p.exists())
            .expect("a free name");
        std::fs::rename(&log, kept)?;
        self.start_weir(weir_bin, setup, extra_args)
    }

    /// CreateApplication; the application is then force-stopped at the clean-up.
    pub async fn create(&mut self, app: &str, body: &Value) -> Result<()> {
        let mut client = self.client();
        call(&mut client, "CreateApplication", body).await?;
        self.apps.push(app.to_string());
        Ok(())
    }

    /// With `--wait-quiet`: waits (up to that long) until no other JVM runs
    /// and other processes use at most [`BUSY_CORES`] (over 1.5 s: a build
    /// or a test of someone else).
    pub async fn wait_quiet(&self, limit: Duration) {
        if limit.is_zero() {
            return;
        }
        let deadline = Instant::now() + limit;
        let mut said = false;
        loop {
            let foreign = procs::foreign_jvms(&self.marker);
            let meter = BusyMeter::start(self.ours_cpu());
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            let others = meter.other_cores(self.ours_cpu());
            if foreign.is_empty() && others <= BUSY_CORES {
                if said {
                    println!("  quiet again (other processes: {others:.2} cores)");
                }
                return;
            }
            if Instant::now() >= deadline {
                println!(
                    "  still {} other JVM(s) and {others:.2} cores used by other processes after {limit:?}; going on",
                    foreign.len()
                );
                return;
            }
            if !said {
                println!(
                    "  waiting (up to {limit:?}) for a quiet machine: {} other JVM(s) (pids {:?}), other processes use {others:.2} cores",
                    foreign.len(),
                    foreign.iter().map(|p| p.pid).collect::<Vec<_>>()
                );
                said = true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Before a phase: [`Self::wait_quiet`] up to `quiet`, then [`Self::probe`]
    /// (printed as before `label`); notes "before `phase`: N cores" in `busy`
    /// when other processes used more than [`BUSY_CORES`].
    pub async fn quiet_probe(
        &self,
        quiet: Duration,
        label: &str,
        phase: &str,
        busy: &mut Vec<String>,
    ) {
        self.wait_quiet(quiet).await;
        let probe = self.probe(label).await;
        if probe > BUSY_CORES {
            busy.push(format!("before {phase}: {probe:.2} cores"));
        }
    }

    /// Prints the load probe (2 s) and returns the cores other processes used.
    pub async fn probe(&self, before: &str) -> f64 {
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
    pub async fn cleanup(&mut self) -> bool {
        if self.server.is_some() && !self.apps.is_empty() {
            let name = self.name.clone();
            tokio::select! {
                _ = self.stop_all_and_weir(Duration::from_secs(40)) => {}
                why = interrupted() => eprintln!("{name}: {why} again: killing everything now"),
            }
        }
        self.kill_everything()
    }

    /// Force-stops every application that is not READY and waits (up to
    /// `timeout`) until they all are; `verbose` names each one on stderr.
    pub async fn stop_all(&self, timeout: Duration, verbose: bool) {
        let name = &self.name;
        let mut client = self.client();
        let started = Instant::now();
        let deadline = started + timeout;
        let mut pending = Vec::new();
        for app in &self.apps {
            match describe_status(&mut client, app).await {
                Ok(s) if s == "READY" => {}
                Ok(status) => {
                    if verbose {
                        eprintln!("{name}: force-stopping {app} ({status})");
                    }
                    let body = json!({"ApplicationName": app, "Force": true});
                    if let Err(e) = call(&mut client, "StopApplication", &body).await {
                        eprintln!("{name}: force-stopping {app}: {e:#}");
                    }
                    pending.push(app.clone());
                }
                Err(e) => eprintln!("{name}: describing {app}: {e:#}"),
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
                "{name}: not READY after {timeout:?}: {}",
                pending.join(", ")
            );
        }
    }

    /// [`Self::stop_all`], then weir shuts down by itself (which also
    /// stops its warm pool's free clusters).
    async fn stop_all_and_weir(&mut self, timeout: Duration) {
        self.stop_all(timeout, true).await;
        let name = self.name.clone();
        if let Some(server) = self.server.as_mut() {
            if !server.terminate(Duration::from_secs(15)).await {
                eprintln!("{name}: weir did not exit within 15 s of SIGTERM");
            }
        }
    }

    /// Synchronous last resort (also from Drop): weir's group, then every
    /// process naming the work directory, by pid; then checks.
    fn kill_everything(&mut self) -> bool {
        drop(self.server.take());
        let killed = procs::kill_processes_mentioning(&self.marker);
        if !killed.is_empty() {
            eprintln!(
                "{}: killed {} leftover process(es) of this run: {:?}",
                self.name,
                killed.len(),
                killed.iter().map(|p| p.pid).collect::<Vec<_>>()
            );
        }
        let left = procs::processes_mentioning(&self.marker);
        self.apps.clear();
        if left.is_empty() {
            true
        } else {
            eprintln!(
                "{}: processes of this run are still alive: {:?}",
                self.name,
                left.iter().map(|p| p.pid).collect::<Vec<_>>()
            );
            false
        }
    }

    /// Sends `operation` (its response has the `OperationId`) and polls
    /// DescribeApplication every [`Self::poll`] (on a fixed tick from the
    /// request: [`wait_until`]) until the application is `want`. Seeing a
    /// status in `failed`, or `timeout` passing, is an error with the
    /// operation's record and the ends of the logs.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_until(
        &self,
        client: &mut Client,
        app: &str,
        operation: &str,
        body: &Value,
        want: &str,
        failed: &[&str],
        timeout: Duration,
    ) -> Result<Waited> {
        let wall_ms = unix_ms(SystemTime::now());
        let t0 = Instant::now();
        let response = call(client, operation, body).await?;
        let op_id = response["OperationId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let pace = Pace::Ticks(self.poll);
        let verdict = status_is(want, failed);
        let secs = match wait_until(client, app, t0, timeout, pace, verdict).await {
            Ok(seen) => seen.at,
            Err((Missed::Error(e), _)) => return Err(e),
            Err((Missed::Failed(_), seen)) => {
                let status = seen.last().map(|l| l.status.clone()).unwrap_or_default();
                bail!(
                    "{app}: {operation} ended {status}, not {want} (statuses seen: {:?}); {}",
                    seen.statuses(),
                    self.failure_report(client, app, &op_id).await
                );
            }
            Err((Missed::TimedOut, seen)) => bail!(
                "{app}: not {want} {timeout:?} after {operation} (statuses seen: {:?}); {}",
                seen.statuses(),
                self.failure_report(client, app, &op_id).await
            ),
        };
        Ok(Waited {
            op_id,
            secs,
            wall_ms,
            t0,
        })
    }

    /// For an error message: the operation's record, the end of the
    /// application log and the end of weir's log.
    pub async fn failure_report(&self, client: &mut Client, app: &str, op_id: &str) -> String {
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
}

/// What [`Fleet::request_until`] saw.
pub struct Waited {
    /// The operation the request started ("" if its response had none).
    pub op_id: String,
    /// Request sent → the wanted status seen.
    pub secs: f64,
    /// When the request was sent: Unix ms (for the logs) and monotonic.
    pub wall_ms: i64,
    pub t0: Instant,
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

pub fn mem_total_gb() -> f64 {
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

pub fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

// ---------------------------------------------------------------------------
// Requests.

/// Calls `operation`; anything but HTTP 200 is an error carrying the body.
pub async fn call(client: &mut Client, operation: &str, body: &Value) -> Result<Value> {
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

/// DescribeApplication's `ApplicationDetail`.
pub async fn describe(client: &mut Client, app: &str) -> Result<Value> {
    let mut detail = call(
        client,
        "DescribeApplication",
        &json!({ "ApplicationName": app }),
    )
    .await?;
    Ok(detail["ApplicationDetail"].take())
}

pub async fn describe_status(client: &mut Client, app: &str) -> Result<String> {
    describe(client, app).await?["ApplicationStatus"]
        .as_str()
        .map(str::to_string)
        .context("DescribeApplication without ApplicationStatus")
}

/// The benchmark's waits look through its own raw signed client: one
/// DescribeApplication per look, as [`describe_status`].
impl Describe for Client {
    type Error = anyhow::Error;

    async fn look(&mut self, app: &str) -> Result<Look> {
        let detail = describe(self, app).await?;
        let status = detail["ApplicationStatus"]
            .as_str()
            .map(str::to_string)
            .context("DescribeApplication without ApplicationStatus")?;
        Ok(Look {
            status,
            parallelism: crate::state::parallelism_of(&detail).ok(),
        })
    }
}

/// One application log event.
pub struct LogLine {
    pub ms: i64,
    pub message: String,
}

/// The application's log events since `since_ms` (GetLogEvents, every page).
pub async fn log_events(client: &mut Client, app: &str, since_ms: i64) -> Result<Vec<LogLine>> {
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
// Milestones in the application log.

/// Milestones found: (label, seconds after the request; None: not found).
pub type Milestones = Vec<(&'static str, Option<f64>)>;

/// A milestone: its label and the substrings its line must contain.
pub type Pattern = (&'static str, &'static [&'static str]);

/// The index of the first line at or after `from` that contains every needle.
pub fn find_line(lines: &[LogLine], from: usize, needles: &[&str]) -> Option<usize> {
    lines
        .get(from..)?
        .iter()
        .position(|l| needles.iter().all(|n| l.message.contains(n)))
        .map(|i| from + i)
}

/// `patterns` looked for in order from line `from` on (each one after the
/// previous one found), as seconds after `wall_ms`.
pub fn milestones_in_order(
    lines: &[LogLine],
    from: usize,
    patterns: &[Pattern],
    wall_ms: i64,
) -> Milestones {
    let mut from = from;
    let mut found = Vec::new();
    for (label, needles) in patterns {
        match find_line(lines, from, needles) {
            Some(i) => {
                from = i;
                found.push((*label, Some((lines[i].ms - wall_ms) as f64 / 1e3)));
            }
            None => found.push((*label, None)),
        }
    }
    found
}

// ---------------------------------------------------------------------------
// Figures.

/// (min, median, max); the median of an even count is the mean of the middle two.
pub fn summary(values: &[f64]) -> (f64, f64, f64) {
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

pub fn samples(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints the milestones of a list of samples as one timeline: each one's
/// median offset from the request and the median stage before it (per
/// sample, from the row above), in order of median offset. Each sample is
/// (seconds until the client saw the outcome, milestones); the former is
/// the row labelled `seen`. `sources` says where the milestones come from.
pub fn print_timeline(list: &[(f64, &Milestones)], seen: &'static str, sources: &str) {
    print_timeline_from(list, seen, sources, "the request");
}

/// [`print_timeline`] with another origin than the request: the offsets
/// are seconds after `origin` (e.g. "the decision"); those before it are
/// negative and come first.
pub fn print_timeline_from(
    list: &[(f64, &Milestones)],
    seen: &'static str,
    sources: &str,
    origin: &str,
) {
    let Some(mut labels) = list
        .iter()
        .map(|(_, m)| m)
        .max_by_key(|m| m.len())
        .map(|m| m.iter().map(|(l, _)| *l).collect::<Vec<_>>())
    else {
        return;
    };
    labels.push(seen);
    let value = |t: &(f64, &Milestones), label: &str| {
        if label == seen {
            return Some(t.0);
        }
        t.1.iter().find(|(l, _)| *l == label).and_then(|(_, v)| *v)
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
        "  timeline in seconds after {origin}, medians ({sources}); stage: time since the row above"
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

/// The timestamp of a log4j line (`2026-01-02 03:04:05,678 ...`, local time)
/// in Unix ms: Flink's own logs (`clusters/<app>/log/`).
pub fn log4j_ms(line: &str) -> Option<i64> {
    use chrono::TimeZone as _;
    let stamp = line.get(..23)?;
    let naive = chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S,%3f").ok()?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// weir and the JVMs of the run over one window (benchmarks' phases).
pub struct Window {
    pub weir_percent: f64,
    pub rss_mb: f64,
    pub rss_max_mb: f64,
    pub jvm_cores: f64,
    pub jvm_rss_mb: f64,
    pub others: f64,
}

pub async fn measure_window(fleet: &Fleet, secs: u64) -> Result<Window> {
    let server = fleet.server();
    let jvms0 = fleet.jvms();
    let meter = BusyMeter::start(fleet.ours_cpu());
    let weir0 = server.cpu_seconds()?;
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(secs);
    let mut rss_max: f64 = 0.0;
    // Only /proc is read meanwhile: no request disturbs weir's figures.
    while Instant::now() < end {
        rss_max = rss_max.max(server.memory_mb()?.0);
        let next = (Instant::now() + Duration::from_secs(1)).min(end);
        tokio::time::sleep_until(next.into()).await;
    }
    let weir1 = server.cpu_seconds()?;
    let elapsed = t0.elapsed().as_secs_f64();
    let jvms1 = fleet.jvms();
    let jvm_cpu: f64 = jvms1
        .iter()
        .map(|p| {
            let before = jvms0.iter().find(|q| q.pid == p.pid).map_or(0.0, |q| q.cpu);
            p.cpu - before
        })
        .sum();
    let rss_mb = server.memory_mb()?.0;
    Ok(Window {
        weir_percent: (weir1 - weir0) / elapsed * 100.0,
        rss_mb,
        rss_max_mb: rss_max.max(rss_mb),
        jvm_cores: jvm_cpu / elapsed,
        jvm_rss_mb: jvms1.iter().map(|p| p.rss_mb).sum(),
        others: meter.other_cores(fleet.ours_cpu()),
    })
}

/// Waits until every one of `apps` is RUNNING, looking at those not yet
/// RUNNING in turn and sleeping `poll` after each round ([`wait_all`]);
/// returns the seconds it took. One back at READY fails at once.
pub async fn wait_all_running(
    fleet: &Fleet,
    apps: &[String],
    poll: Duration,
    timeout: Duration,
) -> Result<f64> {
    let t0 = Instant::now();
    let mut client = fleet.client();
    let verdict = status_is("RUNNING", &["READY"]);
    let pace = Pace::After(poll);
    match wait_all(&mut client, apps, t0, timeout, pace, |_, look| {
        verdict(look)
    })
    .await
    {
        Ok(_) => Ok(t0.elapsed().as_secs_f64()),
        Err((Missed::Error(e), _)) => Err(e),
        Err((Missed::Failed(i), _)) => bail!(
            "{} went back to READY instead of RUNNING; weir log ends:\n{}",
            apps[i],
            fleet.server().log_tail(15)
        ),
        Err((Missed::TimedOut, seen)) => {
            let pending: Vec<&str> = apps
                .iter()
                .zip(&seen)
                .filter(|(_, s)| !s.reached)
                .map(|(app, _)| app.as_str())
                .collect();
            bail!(
                "not RUNNING after {timeout:?}: {}; weir log ends:\n{}",
                pending.join(", "),
                fleet.server().log_tail(15)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log4j_timestamps() {
        let line = "2026-11-26 06:02:23,123 INFO  org.apache.flink.X [] - hello";
        let ms = log4j_ms(line).expect("a timestamp");
        assert_eq!(ms.rem_euclid(1000), 123);
        assert_eq!(log4j_ms("Caused by: something"), None);
    }

    #[test]
    fn medians() {
        assert_eq!(summary(&[3.0, 1.0, 2.0]), (1.0, 2.0, 3.0));
        assert_eq!(summary(&[4.0, 1.0, 2.0, 3.0]), (1.0, 2.5, 4.0));
        assert!(summary(&[]).1.is_nan());
    }

    #[test]
    fn milestones_are_found_in_order() {
        let line = |ms, message: &str| LogLine {
            ms,
            message: message.to_string(),
        };
        let lines = [
            line(1_000, "a done"),
            line(1_500, "b done"),
            line(2_000, "a done again"),
            line(3_000, "c"),
        ];
        let found = milestones_in_order(
            &lines,
            1,
            &[("a", &["a", "done"]), ("c", &["c"]), ("b", &["b"])],
            1_000,
        );
        assert_eq!(found, [("a", Some(1.0)), ("c", Some(2.0)), ("b", None)]);
        assert_eq!(find_line(&lines, 0, &["done"]), Some(0));
        assert_eq!(find_line(&lines, 9, &["done"]), None);
    }
}

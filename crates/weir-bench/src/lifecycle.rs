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
//! `--wait-quiet SECS` waits for other JVMs (another Flink test) to end,
//! and other processes to use at most half a core, before each phase and cycle.
//!
//! Every JVM and weir are gone when it ends, also on an error, Ctrl-C or
//! SIGTERM (see `harness.rs`, which it shares with `weir-bench state`).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};
use weir_test_support::process::ProcessInfo;
use weir_test_support::sample::Sample;

use crate::busy::BusyMeter;
use crate::harness::{
    describe_status, log4j_ms, log_events, mem_total_gb, milestones_in_order, or_interrupted,
    print_timeline, samples, summary, Fleet, Milestones, Pattern, Setup, SetupArgs, BUSY_CORES,
};
use crate::print_flush;

const TARGET_START_S: f64 = 8.0;
const TARGET_WARM_START_S: f64 = 2.0;
const TARGET_STOP_S: f64 = 3.0;
const TARGET_FORCE_STOP_S: f64 = 2.0;
const TARGET_CPU_PERCENT: f64 = 1.0;
const TARGET_RSS_MB: f64 = 60.0;
/// The shortest CPU window the issue accepts.
const MIN_WINDOW_SECS: u64 = 30;

#[derive(clap::Args, Debug)]
pub struct LifecycleArgs {
    #[command(flatten)]
    setup: SetupArgs,
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
    /// other JVMs run on the machine (e.g. another Flink test) or other
    /// processes use more than half a core; 0: never wait.
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
    let setup = Setup::check("lifecycle", &args.setup, "streaming-count")?;
    let mut fleet = Fleet::new(
        "lifecycle",
        args.keep_dir,
        Duration::from_millis(args.poll_ms),
    )?;
    let outcome = or_interrupted("lifecycle", run(args, &setup, &mut fleet)).await;
    let clean = fleet.cleanup().await;
    outcome.map(|ok| ok && clean)
}

/// The warm pool, which only this benchmark uses.
impl Fleet {
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
}

fn create_body(app: &str, runtime: &str, code_base64: &str, output: &Path) -> Value {
    Sample::new(app, runtime, code_base64)
        .sink(output)
        .request()
}

// ---------------------------------------------------------------------------
// Timing one operation.

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
/// A stop takes a snapshot (stop-with-savepoint, the job FINISHED) when the
/// application has snapshots enabled, the default; else it cancels the job.
const STOP_LOG_MILESTONES: &[Pattern] = &[
    ("weir: snapshot requested", &["Taking snapshot "]),
    (
        "weir: job FINISHED (stopped with a savepoint)",
        &["switched from state", "to FINISHED."],
    ),
    ("weir: snapshot READY", &["Snapshot ", " is READY"]),
    (
        "weir: job CANCELED",
        &["switched from state", "to CANCELED."],
    ),
    ("weir: application READY", &["to READY"]),
];
const FORCE_STOP_LOG_MILESTONES: &[Pattern] = &[("weir: application READY", &["to READY"])];

/// Where a cluster-log milestone is found (also for `python.rs`).
pub(crate) struct FlinkMilestone {
    label: &'static str,
    file: &'static str,
    /// Empty: any line (the first one written after the request, or the last).
    patterns: &'static [&'static str],
    last: bool,
}

pub(crate) const fn first(
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

pub(crate) const fn last(
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

pub(crate) const JM_LOG: &str = "jobmanager.log";
pub(crate) const TM_LOG: &str = "taskmanager-0.log";

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
        "flink: stop-with-savepoint triggered",
        JM_LOG,
        &["Triggering stop-with-savepoint"],
    ),
    first(
        "flink: job RUNNING → FINISHED (savepoint)",
        JM_LOG,
        &["switched from state RUNNING to FINISHED"],
    ),
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
        // A start that ends READY failed.
        let failed: &[&str] = if op == Op::Start { &["READY"] } else { &[] };
        let done = self
            .request_until(&mut client, app, operation, &body, want, failed, timeout)
            .await?;
        let (secs, wall_ms, op_id) = (done.secs, done.wall_ms, done.op_id);
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
        let mut found = vec![(
            "weir: request recorded",
            Some((lines[first].ms - wall_ms) as f64 / 1e3),
        )];
        let patterns = match op {
            Op::Start => START_LOG_MILESTONES,
            Op::Stop => STOP_LOG_MILESTONES,
            Op::ForceStop => FORCE_STOP_LOG_MILESTONES,
        };
        found.extend(milestones_in_order(&lines, first, patterns, wall_ms));
        Ok(found)
    }

    /// When weir spawned the cluster's JVMs (its `cluster.json`), in seconds after `wall_ms`.
    pub(crate) fn spawned_at(&self, app: &str, wall_ms: i64) -> Option<f64> {
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
    pub(crate) fn flink_milestones(
        &self,
        app: &str,
        wall_ms: i64,
        wanted: &[FlinkMilestone],
    ) -> Milestones {
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
    setup.print_runtime();
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
            setup.runtime.clone(),
        ]);
    }
    fleet.start_weir(&args.setup.weir_bin, setup, &extra_args)?;
    println!(
        "  weir: pid {} on {}, data in {}",
        fleet.server().pid(),
        fleet.server().addr,
        fleet.data_dir().display()
    );
    let mut busy_phases = Vec::new();
    fleet
        .quiet_probe(
            Duration::from_secs(args.wait_quiet),
            "starting",
            "starting",
            &mut busy_phases,
        )
        .await;
    println!();

    let cycles_needed = if args.skip_cycles {
        0
    } else {
        args.warmup + args.runs
    };
    let app_count = cycles_needed.max(if args.skip_steady { 0 } else { args.apps });
    for i in 1..=app_count {
        let app = app_name(i);
        let output = fleet.dir().join("out").join(&app);
        let body = create_body(&app, &setup.runtime, &setup.code_base64, &output);
        fleet.create(&app, &body).await?;
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
        fleet
            .quiet_probe(quiet, "the cycles", "the cycles", &mut busy_phases)
            .await;
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
        setup.runtime, setup.flink_version
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
        let timeline: Vec<(f64, &Milestones)> =
            list.iter().map(|t| (t.secs, &t.milestones)).collect();
        print_timeline(
            &timeline,
            "client: status seen (DescribeApplication)",
            "weir: the application log via GetLogEvents; flink: the cluster's own logs",
        );
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
    fleet
        .quiet_probe(
            Duration::from_secs(args.wait_quiet),
            "starting the applications",
            "the steady state",
            busy_phases,
        )
        .await;
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

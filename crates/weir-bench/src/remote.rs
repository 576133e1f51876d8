//! `weir-bench remote`: the remote runtime's benchmark (issue 8), on real
//! Flink.
//!
//! Launches a standalone Flink session cluster for the benchmark itself
//! (weir-runtime's [`LocalCluster`]: one Job Manager and `--task-managers`
//! Task Managers of `--slots-per-task-manager` slots on 127.0.0.1, sized
//! for `--apps` jobs of parallelism 1 by default), starts the release
//! `weir server` in a temporary directory, registers the cluster with the
//! operator call `WeirAdmin_20261126.RegisterFlinkCluster`, and measures:
//!
//! 1. **Warm start latency**: one application (streaming-count) placed on
//!    the cluster (`weir.placement` `cluster`), started `--runs` times:
//!    StartApplication → RUNNING as DescribeApplication shows it (polled
//!    every `--poll-ms`), broken down from the application log (placed, job
//!    submitted, Flink's job RUNNING, the application RUNNING) and the Job
//!    Manager's log (the job's main() and its tasks); each start is
//!    followed by a force stop → READY (untimed). One untimed start and
//!    stop come first (the Job Manager's first jar run is cold). Median,
//!    min and max against the target (≤ 2 s).
//! 2. **Supervision cost**: weir's own CPU (utime + stime from
//!    `/proc/<pid>/stat`, % of one core) and RSS over `--windows` windows of
//!    `--window-secs`, first with the cluster registered and no application
//!    running (the baseline), then with `--apps` small applications
//!    (streaming-count at `--rate` records per second, parallelism 1)
//!    RUNNING on the cluster, started in batches of `--batch`; per job: the
//!    difference over the baseline divided by the applications. The metrics
//!    collector runs at weir's default interval (10 s) unless
//!    `--metrics-interval-secs` says otherwise.
//!
//! The cluster keeps Flink's default `web.refresh-interval` (3 s), as an
//! operator's cluster would: Flink's REST API then serves a job's details
//! (its tasks' states) from a cache up to that old, which a start and a
//! stop wait out; `--web-refresh-interval-ms 100` configures it as weir's
//! own local clusters are.
//!
//! Every application is force-stopped at the end; the cluster's JVMs and
//! weir are gone when it ends, also on an error, Ctrl-C or SIGTERM (the
//! cluster lives in the run's temporary directory, so the harness's
//! clean-up finds its JVMs too; see `harness.rs`).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use weir_control::model::RuntimeEnvironment;
use weir_runtime::{ClusterSpec, KillOnDrop, LocalCluster, Runtimes};
use weir_test_support::sample::Sample;

use crate::busy::BusyMeter;
use crate::harness::{
    call, describe_status, log4j_ms, log_events, measure_window, mem_total_gb, milestones_in_order,
    or_interrupted, print_timeline, samples, summary, wait_all_running, Fleet, Milestones, Pattern,
    Setup, SetupArgs, Window, BUSY_CORES,
};
use crate::print_flush;

/// Issue 8's target for a start on a warm remote cluster.
const TARGET_START_SECS: f64 = 2.0;
const ADMIN_PREFIX: &str = "WeirAdmin_20261126.";
const CLUSTER_NAME: &str = "bench";
const WARM_APP: &str = "warm-start";

#[derive(clap::Args, Debug)]
pub struct RemoteArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// Timed starts on the warm cluster (after one untimed).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Applications RUNNING at once on the cluster for the supervision cost.
    #[arg(long, default_value_t = 50)]
    apps: usize,
    /// Applications started together (then waited for) when starting them.
    #[arg(long, default_value_t = 10)]
    batch: usize,
    /// Seconds over which weir's CPU and RSS are measured, per window.
    #[arg(long, default_value_t = 30)]
    window_secs: u64,
    /// Windows per phase (baseline, then with the applications); medians are reported.
    #[arg(long, default_value_t = 3)]
    windows: usize,
    /// Seconds to let weir settle before each phase's windows.
    #[arg(long, default_value_t = 15)]
    settle: u64,
    /// Records per second each job's source emits (small jobs).
    #[arg(long, default_value_t = 5)]
    rate: u32,
    /// Task Managers of the cluster. Default: enough for --apps + 1 jobs.
    #[arg(long)]
    task_managers: Option<u32>,
    /// Slots per Task Manager.
    #[arg(long, default_value_t = 11)]
    slots_per_task_manager: u32,
    /// Memory per Task Manager (taskmanager.memory.process.size).
    #[arg(long, default_value_t = 2048)]
    task_manager_memory_mb: u32,
    /// Memory of the Job Manager (jobmanager.memory.process.size).
    #[arg(long, default_value_t = 2048)]
    job_manager_memory_mb: u32,
    /// The cluster's `web.refresh-interval` in ms (how stale Flink's REST
    /// API may serve a job's details and its tasks' states). Default:
    /// Flink's own (3000 ms), as an operator's cluster would have it.
    #[arg(long)]
    web_refresh_interval_ms: Option<u64>,
    /// weir --metrics-interval-secs (weir's default: 10).
    #[arg(long, default_value_t = 10)]
    metrics_interval_secs: u64,
    /// Milliseconds between two DescribeApplication polls while timing a start.
    #[arg(long, default_value_t = 20)]
    poll_ms: u64,
    /// Seconds an application may take to reach RUNNING (weir --start-timeout-secs too).
    #[arg(long, default_value_t = 300)]
    start_timeout: u64,
    /// Keep the temporary directory (weir's data and logs, the cluster's logs).
    #[arg(long)]
    keep_dir: bool,
    /// Before each phase and each timed start, wait up to this many seconds
    /// while other JVMs run on the machine or other processes use more than
    /// half a core; 0: never wait.
    #[arg(long, default_value_t = 0)]
    wait_quiet: u64,
}

impl RemoteArgs {
    fn task_managers(&self) -> u32 {
        self.task_managers.unwrap_or_else(|| {
            let jobs = self.apps as u32 + 1;
            jobs.div_ceil(self.slots_per_task_manager.max(1)).max(1)
        })
    }
}

/// Runs the benchmark and always cleans up.
pub async fn main(args: &RemoteArgs) -> Result<bool> {
    if args.runs == 0 || args.windows == 0 || args.window_secs == 0 || args.batch == 0 {
        bail!("--runs, --windows, --window-secs and --batch must be at least 1");
    }
    if args.slots_per_task_manager == 0 {
        bail!("--slots-per-task-manager must be at least 1");
    }
    let setup = Setup::check("remote", &args.setup, "streaming-count")?;
    let mut fleet = Fleet::new("remote", args.keep_dir, Duration::from_millis(args.poll_ms))?;
    let mut cluster: Option<KillOnDrop> = None;
    let outcome = or_interrupted("remote", run(args, &setup, &mut fleet, &mut cluster)).await;
    if outcome.is_ok() {
        // Every application was stopped: the cluster can go before weir,
        // which the clean-up then stops.
        if let Some(c) = cluster.take() {
            let c = c.into_inner();
            if let Err(e) = c.shutdown(Duration::from_secs(10)).await {
                eprintln!("weir-bench remote: stopping the Flink cluster: {e}");
            }
        }
    }
    // On an error the applications are force-stopped through weir first,
    // while the cluster still answers; then every process of the run goes.
    let clean = fleet.cleanup().await;
    drop(cluster);
    outcome.map(|ok| ok && clean)
}

fn app_name(i: usize) -> String {
    format!("small-{i}")
}

fn create_body(app: &str, setup: &Setup, output: &Path, rate: u32) -> Value {
    Sample::new(app, &setup.runtime, &setup.code_base64)
        .sink(output)
        .source(rate, None)
        .group("weir.placement", &[("cluster", CLUSTER_NAME)])
        .request()
}

fn start_body(app: &str) -> Value {
    json!({
        "ApplicationName": app,
        "RunConfiguration": {
            "ApplicationRestoreConfiguration": {
                "ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"
            }
        }
    })
}

/// In the application log, after the start's request, in order.
const START_LOG_MILESTONES: &[Pattern] = &[
    ("weir: placed on the cluster", &["Placed application"]),
    (
        "weir: job submitted (jar uploaded and run)",
        &["Submitted job"],
    ),
    (
        "weir: Flink's job RUNNING",
        &["switched from state", "to RUNNING."],
    ),
    ("weir: application RUNNING", &["from STARTING to RUNNING"]),
];

/// In the Job Manager's log, the first line at or after the request.
const START_JM_MILESTONES: &[(&str, &[&str])] = &[
    (
        "flink: job main() runs in the JM (jar run)",
        &["streaming-count: properties"],
    ),
    ("flink: JM dispatcher submits the job", &["Submitting job"]),
    (
        "flink: job CREATED → RUNNING",
        &["switched from state CREATED to RUNNING"],
    ),
    (
        "flink: first task DEPLOYING",
        &["switched from SCHEDULED to DEPLOYING"],
    ),
    (
        "flink: last task INITIALIZING → RUNNING",
        &["switched from INITIALIZING to RUNNING"],
    ),
];

/// The Job Manager's milestones after `wall_ms`, as seconds after it.
fn jm_milestones(log: &Path, wall_ms: i64) -> Milestones {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    // Only the lines written after the request (stamped to the ms).
    let lines: Vec<(i64, &str)> = text
        .lines()
        .filter_map(|l| log4j_ms(l).map(|ms| (ms, l)))
        .filter(|(ms, _)| *ms >= wall_ms)
        .collect();
    START_JM_MILESTONES
        .iter()
        .map(|(label, needles)| {
            let at = lines
                .iter()
                .filter(|(_, l)| needles.iter().all(|n| l.contains(n)))
                .map(|(ms, _)| (ms - wall_ms) as f64 / 1e3);
            // Tasks: the last one to reach RUNNING (the job has several).
            let at = if label.contains("INITIALIZING") {
                at.max_by(f64::total_cmp)
            } else {
                at.min_by(f64::total_cmp)
            };
            (*label, at)
        })
        .collect()
}

/// One timed start.
struct Start {
    secs: f64,
    milestones: Milestones,
    others: f64,
}

async fn timed_start(fleet: &Fleet, jm_log: &Path, timeout: Duration) -> Result<Start> {
    let mut client = fleet.client();
    // Connect before the clock starts.
    describe_status(&mut client, WARM_APP).await?;
    let meter = BusyMeter::start(fleet.ours_cpu());
    let waited = fleet
        .request_until(
            &mut client,
            WARM_APP,
            "StartApplication",
            &start_body(WARM_APP),
            "RUNNING",
            &["READY"],
            timeout,
        )
        .await?;
    let others = meter.other_cores(fleet.ours_cpu());
    let lines = log_events(&mut fleet.logs_client(), WARM_APP, waited.wall_ms).await?;
    let mut milestones = milestones_in_order(&lines, 0, START_LOG_MILESTONES, waited.wall_ms);
    milestones.extend(jm_milestones(jm_log, waited.wall_ms));
    Ok(Start {
        secs: waited.secs,
        milestones,
        others,
    })
}

async fn force_stop(fleet: &Fleet, app: &str, timeout: Duration) -> Result<f64> {
    let mut client = fleet.client();
    let waited = fleet
        .request_until(
            &mut client,
            app,
            "StopApplication",
            &json!({ "ApplicationName": app, "Force": true }),
            "READY",
            &[],
            timeout,
        )
        .await?;
    Ok(waited.secs)
}

/// The windows of one phase, printed as they come.
async fn windows(
    fleet: &Fleet,
    args: &RemoteArgs,
    label: &str,
    busy: &mut Vec<String>,
) -> Result<Vec<Window>> {
    let mut out = Vec::new();
    for run in 1..=args.windows {
        print_flush(&format!(
            "{label}: window {run}/{} of {} s ... ",
            args.windows, args.window_secs
        ));
        let w = measure_window(fleet, args.window_secs).await?;
        println!(
            "weir {:.3} % of one core, RSS {:.1} MB; Flink JVMs {:.2} cores, {:.0} MB RSS; others {:.2} cores",
            w.weir_percent, w.rss_mb, w.jvm_cores, w.jvm_rss_mb, w.others
        );
        if w.others > BUSY_CORES {
            busy.push(format!("{label}, window {run}: {:.2} cores", w.others));
        }
        out.push(w);
    }
    Ok(out)
}

fn median(ws: &[Window], f: impl Fn(&Window) -> f64) -> f64 {
    summary(&ws.iter().map(f).collect::<Vec<_>>()).1
}

async fn run(
    args: &RemoteArgs,
    setup: &Setup,
    fleet: &mut Fleet,
    cluster_slot: &mut Option<KillOnDrop>,
) -> Result<bool> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let task_managers = args.task_managers();
    let slots = task_managers * args.slots_per_task_manager;
    println!("weir-bench remote");
    setup.print_runtime();
    println!(
        "  cluster: a standalone Flink session cluster on 127.0.0.1: 1 Job Manager of {} MiB + {task_managers} Task Managers × {} slots of {} MiB ({slots} slots)",
        args.job_manager_memory_mb, args.slots_per_task_manager, args.task_manager_memory_mb
    );
    println!(
        "  cluster configuration: web.refresh-interval {}",
        args.web_refresh_interval_ms
            .map_or("3000 ms (Flink's default)".to_string(), |ms| format!(
                "{ms} ms"
            ))
    );
    println!(
        "  jobs: {} at parallelism 1 (1 slot each), {} records/s each",
        setup.jar.display(),
        args.rate
    );
    println!(
        "  machine: {cores} cores, {:.1} GB memory; weir, the cluster and this benchmark share them",
        mem_total_gb()
    );
    if (slots as usize) < args.apps {
        bail!(
            "{slots} slots cannot hold {} applications of parallelism 1: more --task-managers or --slots-per-task-manager",
            args.apps
        );
    }
    let quiet = Duration::from_secs(args.wait_quiet);
    let timeout = Duration::from_secs(args.start_timeout);
    let mut busy = Vec::new();
    fleet
        .quiet_probe(quiet, "starting", "starting", &mut busy)
        .await;

    // The cluster, for the benchmark only.
    let runtime = RuntimeEnvironment::parse(&setup.runtime)
        .with_context(|| format!("unknown runtime {}", setup.runtime))?;
    let home = Runtimes::new(&setup.runtimes_dir)
        .ensure(runtime)
        .await
        .with_context(|| format!("the installed {}", setup.runtime))?;
    let shared = fleet.dir().join("shared");
    std::fs::create_dir_all(&shared)?;
    let mut spec = ClusterSpec::new(CLUSTER_NAME, fleet.dir().join("flink"), home);
    spec.task_managers = task_managers;
    spec.slots_per_task_manager = args.slots_per_task_manager;
    spec.tm_memory_mb = args.task_manager_memory_mb;
    spec.jm_memory_mb = args.job_manager_memory_mb;
    spec.startup_timeout = Duration::from_secs(300);
    if let Some(ms) = args.web_refresh_interval_ms {
        spec.flink_config = vec![("web.refresh-interval".into(), ms.to_string())];
    }
    print_flush("launching the Flink cluster ... ");
    let launched = Instant::now();
    let cluster = KillOnDrop::new(LocalCluster::launch(spec).await?);
    let rest_url = cluster.rest_url().to_string();
    let jm_log = cluster.job_manager_log();
    println!(
        "{:.1} s, REST {rest_url}, JM pid {}, TM pids {:?}",
        launched.elapsed().as_secs_f64(),
        cluster.job_manager_pid(),
        cluster.task_manager_pids()
    );
    let rest = cluster.rest();
    *cluster_slot = Some(cluster);

    fleet.start_weir(
        &args.setup.weir_bin,
        setup,
        &[
            "--start-timeout-secs".into(),
            args.start_timeout.to_string(),
            "--metrics-interval-secs".into(),
            args.metrics_interval_secs.to_string(),
        ],
    )?;
    println!(
        "  weir: pid {} on {}, --metrics-interval-secs {}, data in {}",
        fleet.server().pid(),
        fleet.server().addr,
        args.metrics_interval_secs,
        fleet.data_dir().display()
    );
    let mut admin = fleet.client().with_target_prefix(ADMIN_PREFIX);
    let registered = call(
        &mut admin,
        "RegisterFlinkCluster",
        &json!({
            "Name": CLUSTER_NAME,
            "RestUrl": rest_url,
            "SavepointDirectory": shared.display().to_string(),
        }),
    )
    .await?;
    let d = &registered["FlinkClusterDescription"];
    println!(
        "  registered as {CLUSTER_NAME:?}: {} (Flink {}), {} slots",
        d["RuntimeEnvironment"].as_str().unwrap_or("?"),
        d["FlinkVersion"].as_str().unwrap_or("?"),
        d["TotalSlots"]
    );
    println!();

    // 1. Warm starts.
    let output = fleet.dir().join("out");
    fleet
        .create(
            WARM_APP,
            &create_body(WARM_APP, setup, &output.join(WARM_APP), args.rate),
        )
        .await?;
    fleet.wait_quiet(quiet).await;
    print_flush("first start (untimed: the Job Manager runs its first jar) ... ");
    let first = timed_start(fleet, &jm_log, timeout).await?;
    let first_stop = force_stop(fleet, WARM_APP, timeout).await?;
    println!(
        "RUNNING after {:.2} s; force stop → READY {first_stop:.2} s",
        first.secs
    );
    let mut starts = Vec::new();
    let mut stops = Vec::new();
    for run in 1..=args.runs {
        fleet.wait_quiet(quiet).await;
        print_flush(&format!("warm start {run}/{} ... ", args.runs));
        let s = timed_start(fleet, &jm_log, timeout).await?;
        let stop = force_stop(fleet, WARM_APP, timeout).await?;
        let at = |label: &str| {
            s.milestones
                .iter()
                .find(|(l, _)| *l == label)
                .and_then(|(_, v)| *v)
                .map_or("?".to_string(), |v| format!("{v:.2}"))
        };
        println!(
            "RUNNING after {:.2} s (submitted {}, Flink's job RUNNING {}); force stop → READY {stop:.2} s; others {:.2} cores",
            s.secs,
            at("weir: job submitted (jar uploaded and run)"),
            at("weir: Flink's job RUNNING"),
            s.others
        );
        if s.others > BUSY_CORES {
            busy.push(format!("warm start {run}: {:.2} cores", s.others));
        }
        starts.push(s);
        stops.push(stop);
    }
    println!();

    // 2. The baseline: the cluster registered, nothing running.
    fleet.wait_quiet(quiet).await;
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let baseline = windows(fleet, args, "baseline (0 applications)", &mut busy).await?;

    // 3. --apps small applications.
    print_flush(&format!("creating {} applications ... ", args.apps));
    let names: Vec<String> = (1..=args.apps).map(app_name).collect();
    let created = Instant::now();
    for app in &names {
        let body = create_body(app, setup, &output.join(app), args.rate);
        fleet.create(app, &body).await?;
    }
    println!("{:.1} s", created.elapsed().as_secs_f64());
    let mut client = fleet.client();
    let all_started = Instant::now();
    let mut batch_secs = Vec::new();
    for (n, batch) in names.chunks(args.batch).enumerate() {
        print_flush(&format!(
            "starting applications {}-{} ... ",
            n * args.batch + 1,
            n * args.batch + batch.len()
        ));
        for app in batch {
            call(&mut client, "StartApplication", &start_body(app)).await?;
        }
        let took = wait_all_running(fleet, batch, Duration::from_millis(250), timeout).await?;
        println!("all RUNNING after {took:.1} s");
        batch_secs.push(took);
    }
    let all_running = all_started.elapsed().as_secs_f64();
    let overview = rest.overview().await?;
    println!(
        "  Flink: {} jobs RUNNING, {} of {} slots free",
        overview.jobs_running, overview.slots_available, overview.slots_total
    );
    fleet.wait_quiet(quiet).await;
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let label = format!("{} applications RUNNING", args.apps);
    let loaded = windows(fleet, args, &label, &mut busy).await?;
    for app in &names {
        let status = describe_status(&mut client, app).await?;
        if status != "RUNNING" {
            bail!("{app} is {status} after the windows, not RUNNING");
        }
    }
    let overview_after = rest.overview().await?;

    // Stop everything (the cluster goes before weir at the end).
    print_flush(&format!(
        "force-stopping the {} applications ... ",
        args.apps
    ));
    let stopping = Instant::now();
    fleet.stop_all(timeout, false).await;
    println!("{:.1} s", stopping.elapsed().as_secs_f64());

    // Results.
    println!();
    println!(
        "== Results (a remote Flink cluster of {slots} slots on this machine, {cores} cores) =="
    );
    let secs: Vec<f64> = starts.iter().map(|s| s.secs).collect();
    let (min, med, max) = summary(&secs);
    println!(
        "Warm start, StartApplication → RUNNING ({} runs, polled every {} ms): median {med:.2} s (min {min:.2}, max {max:.2}); target ≤ {TARGET_START_SECS:.0} s: {} ({:.2}× the target)",
        args.runs,
        args.poll_ms,
        if med <= TARGET_START_SECS { "met" } else { "MISSED" },
        med / TARGET_START_SECS
    );
    println!("  samples: {}", samples(&secs));
    println!(
        "  first start (untimed): {:.2} s; force stop → READY: median {:.2} s",
        first.secs,
        summary(&stops).1
    );
    let split = |label: &str| -> Vec<f64> {
        starts
            .iter()
            .filter_map(|s| {
                let at = s.milestones.iter().find(|(l, _)| *l == label)?.1?;
                Some(at)
            })
            .collect()
    };
    let submitted = split("weir: job submitted (jar uploaded and run)");
    if submitted.len() == starts.len() {
        let tasks: Vec<f64> = starts
            .iter()
            .zip(&submitted)
            .map(|(s, sub)| s.secs - sub)
            .collect();
        println!(
            "  split: submit (request → job submitted: placement, jar upload and run) median {:.2} s; tasks running (submitted → RUNNING seen) median {:.2} s",
            summary(&submitted).1,
            summary(&tasks).1
        );
    }
    let list: Vec<(f64, &Milestones)> = starts.iter().map(|s| (s.secs, &s.milestones)).collect();
    print_timeline(
        &list,
        "client: RUNNING seen (DescribeApplication)",
        "the application log and the Job Manager's log",
    );

    println!(
        "Supervision: {} applications RUNNING on the cluster (started in batches of {}: {} s each, all in {all_running:.1} s); weir --metrics-interval-secs {}; {} windows of {} s per phase, medians",
        args.apps,
        args.batch,
        samples(&batch_secs),
        args.metrics_interval_secs,
        args.windows,
        args.window_secs
    );
    println!(
        "  {:<28} {:>18} {:>10} {:>12} {:>18} {:>14}",
        "", "weir % of a core", "RSS MB", "RSS max MB", "Flink JVMs cores", "others cores"
    );
    for (label, ws) in [
        ("baseline (0 applications)", &baseline),
        (label.as_str(), &loaded),
    ] {
        println!(
            "  {:<28} {:>18.3} {:>10.1} {:>12.1} {:>18.2} {:>14.2}",
            label,
            median(ws, |w| w.weir_percent),
            median(ws, |w| w.rss_mb),
            median(ws, |w| w.rss_max_mb),
            median(ws, |w| w.jvm_cores),
            median(ws, |w| w.others),
        );
    }
    let n = args.apps as f64;
    let cpu = median(&loaded, |w| w.weir_percent) - median(&baseline, |w| w.weir_percent);
    let rss = median(&loaded, |w| w.rss_mb) - median(&baseline, |w| w.rss_mb);
    // CPU time comes in 10 ms ticks: each window's figure is off by up to
    // one, the difference of two medians by up to two.
    let resolution = 2.0 * 0.01 / args.window_secs as f64 * 100.0;
    println!(
        "  per supervised job (difference over the baseline / {}): weir CPU {:.4} % of a core (± {:.4}), RSS {:.2} MB",
        args.apps,
        cpu / n,
        resolution / n,
        rss / n
    );
    println!(
        "  in total for {} jobs: weir {:.3} % of a core, RSS {:.1} MB ({:+.1} MB over the baseline)",
        args.apps,
        median(&loaded, |w| w.weir_percent),
        median(&loaded, |w| w.rss_mb),
        rss
    );
    if cpu > 0.0 {
        println!(
            "  at that rate one core of weir would supervise ≈ {:.0} such jobs",
            100.0 / (cpu / n)
        );
    }
    println!(
        "  Flink after the windows: {} jobs RUNNING, {} failed, {} of {} slots free",
        overview_after.jobs_running,
        overview_after.jobs_failed,
        overview_after.slots_available,
        overview_after.slots_total
    );
    if !busy.is_empty() {
        println!(
            "  note: the machine was busy during: {}; figures are disturbed",
            busy.join("; ")
        );
    }
    Ok(true)
}

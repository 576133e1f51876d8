//! `weir-bench autoscale`: the benchmark of "Autoscaling: AUTOSCALING that
//! reacts to load, with less downtime than the service", on real Flink.
//!
//! For each way Weir applies a scaling (`--only` picks one), in its own
//! `weir server` with windows of seconds (`--autoscale-cpu-up-window-secs 6
//! --autoscale-cpu-down-window-secs 6 --autoscale-sample-interval-secs 1
//! --autoscale-max-kpus 2`), started in a temporary directory by the same
//! harness as `weir-bench state` (`harness.rs`):
//!
//! - **in-place**: Flink's adaptive scheduler. Weir takes a savepoint the job
//!   runs on after, adds Task Managers and declares the new parallelism
//!   bounds; Flink restarts the job from its latest checkpoint at the new
//!   size.
//! - **snapshot-restart** (`--autoscale-no-in-place`): the restart sequence
//!   of an update: the cluster grown first (scaling up), the old job stopped
//!   with a savepoint, a new job submitted restored from it.
//!
//! One application runs the `load-control` example (100 records/s over 3
//! keys, a count per key in keyed state, file sink committed on checkpoints
//! every 2 s) at Parallelism 1, ParallelismPerKPU 1, AutoScalingEnabled.
//! Its load comes from a control file. Each of `--runs` runs writes `cpu`
//! (each record burns 20 ms of CPU: one Task Manager is saturated) and waits
//! until the application is RUNNING with CurrentParallelism 2, then writes
//! `idle` and waits for parallelism 1 again.
//!
//! Per scaling, from the application log (GetLogEvents) with the decision
//! ("Autoscaling application … from parallelism X to Y: …") as the origin:
//! the time to "… status changed from AUTOSCALING to RUNNING" (every task
//! running at the new parallelism; DescribeApplication's CurrentParallelism
//! is checked too), and the downtime: in place, from the job leaving RUNNING
//! (Flink's RUNNING → CANCELLING/CREATED, as Weir logs it) to AUTOSCALING → RUNNING;
//! snapshot-restart, from "Taking snapshot … and stopping job" (the old job
//! processes until the savepoint barrier) to AUTOSCALING → RUNNING. Both are
//! upper bounds; the Job Manager's own log gives Flink's view (the job
//! leaving RUNNING, or the stop-with-savepoint being triggered, to the last
//! task INITIALIZING → RUNNING). After RUNNING the job is watched for
//! `--settle-secs` (longer while Flink's log shows it down): a job that goes
//! down again after it ran at the new parallelism (e.g. a Task Manager it
//! runs on stopped as a spare) is an error, and that time counts as
//! downtime too. Medians (min/max) per mode and direction.
//!
//! At the end of each mode the job's committed output must show the state
//! kept: per key the counts never start again at 1 and have no gap
//! (repeated counts are allowed: an in-place rescale restores the latest
//! checkpoint and replays from it).
//!
//! Every JVM and weir are gone when it ends, also on an error, Ctrl-C or
//! SIGTERM.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use weir_test_support::sample::Sample;
use weir_test_support::wait::{wait_until, Look, Missed, Pace, Verdict};

use crate::busy::BusyMeter;
use crate::client::Client;
use crate::harness::{
    call, describe, find_line, log4j_ms, log_events, mem_total_gb, or_interrupted,
    print_timeline_from, summary, unix_ms, Fleet, LogLine, Milestones, Setup, SetupArgs,
    BUSY_CORES,
};
use crate::print_flush;
use crate::state::{check_output, figure, parallelism_of, OutputCheck};

const TARGET_IN_PLACE_DOWNTIME_S: f64 = 3.0;

const APP: &str = "autoscale-bench";
const RECORDS_PER_SECOND: u32 = 100;
const KEYS: u32 = 3;
const CHECKPOINT_INTERVAL_MS: u64 = 2_000;
const CHECKPOINT_MIN_PAUSE_MS: u64 = 500;
/// The most KPUs weir may give the application: 1 → 2 and back.
const MAX_KPUS: u64 = 2;

/// How Weir applies a scaling.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Mode {
    /// Flink's adaptive scheduler rescales the running job.
    InPlace,
    /// Stop with a savepoint, submit again restored from it (weir --autoscale-no-in-place).
    SnapshotRestart,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::InPlace => "in-place",
            Mode::SnapshotRestart => "snapshot-restart",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct AutoscaleArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// Measured runs per rescaling mode (each: load on → scale 1→2, load off → scale 2→1).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Only this rescaling mode (default: both, in-place first).
    #[arg(long, value_enum)]
    only: Option<Mode>,
    /// weir --autoscale-cpu-up-window-secs.
    #[arg(long, default_value_t = 6)]
    up_window_secs: u64,
    /// weir --autoscale-cpu-down-window-secs.
    #[arg(long, default_value_t = 6)]
    down_window_secs: u64,
    /// weir --autoscale-sample-interval-secs.
    #[arg(long, default_value_t = 1)]
    sample_interval_secs: u64,
    /// Memory per Task Manager (weir --task-manager-memory-mb).
    #[arg(long, default_value_t = 1024)]
    task_manager_memory_mb: u64,
    /// Memory per Job Manager (weir --job-manager-memory-mb).
    #[arg(long, default_value_t = 768)]
    job_manager_memory_mb: u64,
    /// Milliseconds between DescribeApplication polls.
    #[arg(long, default_value_t = 100)]
    poll_ms: u64,
    /// Seconds a scaling may take, from the load switch, before the benchmark gives up.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Seconds to watch the job after each scaling before the next load
    /// switch: a job that goes down again after RUNNING counts (then it is
    /// watched until it runs again).
    #[arg(long, default_value_t = 15)]
    settle_secs: u64,
    /// Keep the temporary directories (weir's data and log, the clusters' logs,
    /// the job's output).
    #[arg(long)]
    keep_dir: bool,
    /// Before starting each mode and before each run, wait up to this many
    /// seconds while other JVMs run on the machine (e.g. a Flink test) or
    /// other processes use more than half a core; 0: never wait.
    #[arg(long, default_value_t = 0)]
    wait_quiet: u64,
}

/// Runs the benchmark and always cleans up; `Ok(false)` when it completed
/// but something it checked was wrong (state lost, a scaling not done the
/// way the mode says, an operation failed, JVMs left behind).
pub async fn main(args: &AutoscaleArgs) -> Result<bool> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if args.sample_interval_secs == 0 {
        bail!("--sample-interval-secs must be at least 1");
    }
    let setup = Setup::check("autoscale", &args.setup, "load-control")?;
    print_header(args, &setup);
    let modes = match args.only {
        Some(m) => vec![m],
        None => vec![Mode::InPlace, Mode::SnapshotRestart],
    };
    let mut phases = Vec::new();
    let mut clean = true;
    for mode in modes {
        let mut fleet = Fleet::new(
            &format!("autoscale-{}", mode.name()),
            args.keep_dir,
            Duration::from_millis(args.poll_ms),
        )?;
        let outcome = or_interrupted("autoscale", phase(args, &setup, &mut fleet, mode)).await;
        clean &= fleet.cleanup().await;
        drop(fleet);
        phases.push(outcome?);
    }
    let ok = report(args, &setup, &phases);
    if !clean {
        println!("error: processes of this run were left behind (see above)");
    }
    Ok(ok && clean)
}

fn print_header(args: &AutoscaleArgs, setup: &Setup) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("weir-bench autoscale");
    setup.print_runtime();
    println!(
        "  job: {} ({RECORDS_PER_SECOND} records/s over {KEYS} keys, a count per key in keyed state, \
         file sink committed on checkpoints; checkpoints every {CHECKPOINT_INTERVAL_MS} ms, min pause \
         {CHECKPOINT_MIN_PAUSE_MS} ms); load from a control file: `cpu` (20 ms of CPU per record) or `idle`",
        setup.jar.display()
    );
    println!(
        "  application: Parallelism 1, ParallelismPerKPU 1, AutoScalingEnabled; Task Managers of {} MiB \
         with 1 slot each, a Job Manager of {} MiB",
        args.task_manager_memory_mb, args.job_manager_memory_mb
    );
    println!(
        "  autoscaler (weir's cpu rule): up when every sample of {} s is >= 75 %, down when every sample \
         of {} s is < 10 %, a sample every {} s, at most {MAX_KPUS} KPUs",
        args.up_window_secs, args.down_window_secs, args.sample_interval_secs
    );
    println!(
        "  machine: {cores} cores, {:.1} GB memory; weir, its JVMs and this benchmark share them",
        mem_total_gb()
    );
    println!(
        "  DescribeApplication polled every {} ms, every request SigV4-signed",
        args.poll_ms
    );
}

fn create_body(setup: &Setup, runtime: &str, output: &Path, control: &Path) -> Value {
    Sample::new(APP, runtime, &setup.code_base64)
        .sink(output)
        .source(RECORDS_PER_SECOND, Some(KEYS))
        .group(
            "LoadConfig",
            &[("control.file", &control.display().to_string())],
        )
        .checkpoints(CHECKPOINT_INTERVAL_MS, CHECKPOINT_MIN_PAUSE_MS)
        .autoscaling(true)
        .request()
}

/// Writes the control file atomically (a rename), so the job never reads half a word.
fn set_load(control: &Path, mode: &str) -> Result<()> {
    let tmp = control.with_extension("tmp");
    std::fs::write(&tmp, mode).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, control).with_context(|| format!("renaming to {}", control.display()))
}

// ---------------------------------------------------------------------------
// What the logs say about a scaling.

const LOAD_SWITCHED: &str = "bench: load switched (control file written)";
const DECISION: &str = "weir: decision (\"Autoscaling application … to Y\")";
const TAKING_SNAPSHOT: &str = "weir: \"Taking snapshot\"";
const JOB_LEAVES: &str = "weir: job leaves RUNNING";
const JOB_BACK: &str = "weir: job RUNNING";
const DONE: &str = "weir: AUTOSCALING → RUNNING (all tasks RUNNING)";
const JOB_LEAVES_AGAIN: &str = "weir: job leaves RUNNING again, after AUTOSCALING → RUNNING";
const JOB_BACK_AGAIN: &str = "weir: job RUNNING again";
const FLINK_STOP: &str = "flink: stop-with-savepoint triggered";
const FLINK_TASK_FINISHED: &str = "flink: first task RUNNING → FINISHED";
const FLINK_JOB_LEAVES: &str = "flink: job leaves RUNNING";
const FLINK_JOB_BACK: &str = "flink: job RUNNING";
const FLINK_TASKS_RUNNING: &str = "flink: last task INITIALIZING → RUNNING";
const FLINK_DOWN_AGAIN: &str = "flink: job down again (a task failed or the job restarted)";
const FLINK_UP_AGAIN: &str = "flink: every task RUNNING again";

/// Application-log milestones besides the job's own transitions, each
/// looked for on its own between the decision and AUTOSCALING → RUNNING.
fn weir_patterns(mode: Mode) -> &'static [(&'static str, &'static [&'static str])] {
    match mode {
        Mode::InPlace => &[
            (TAKING_SNAPSHOT, &["Taking snapshot "]),
            ("weir: snapshot READY", &["Snapshot ", " is READY"]),
            (
                "weir: \"Rescaling job … in place\" (bounds declared)",
                &["in place to parallelism"],
            ),
        ],
        Mode::SnapshotRestart => &[
            (TAKING_SNAPSHOT, &["Taking snapshot "]),
            ("weir: snapshot READY", &["Snapshot ", " is READY"]),
            (
                "weir: \"Resized the Flink cluster\"",
                &["Resized the Flink cluster"],
            ),
            ("weir: new job submitted", &["Submitted job"]),
        ],
    }
}

/// One scaling, timed from the decision.
struct Scaling {
    from: u64,
    to: u64,
    /// Seconds from the decision until the client saw RUNNING at `to`.
    seen_secs: f64,
    /// Seconds after the decision (the load switch is negative).
    milestones: Milestones,
    /// The decision's reason, as logged.
    reason: String,
    /// Whether weir logged "… in place to parallelism …", and how many
    /// jobs it submitted during the scaling.
    in_place_line: bool,
    submitted: usize,
    /// Task Managers of the application's cluster when RUNNING was seen.
    task_managers: usize,
    /// Seconds the job was not running with every task, from the Job
    /// Manager's log, from the decision until it settled; whether it was
    /// still down then.
    flink_down: Option<f64>,
    flink_open: bool,
    /// Times the job went down again after it ran at the new parallelism
    /// with every task (Flink's log).
    restarts_again: usize,
    mode: Mode,
}

impl Scaling {
    fn at(&self, label: &str) -> Option<f64> {
        self.milestones
            .iter()
            .find(|(l, _)| *l == label)
            .and_then(|(_, v)| *v)
    }

    fn between(&self, from: &str, to: &str) -> Option<f64> {
        Some(self.at(to)? - self.at(from)?)
    }

    /// Load switch → decision.
    fn reaction(&self) -> Option<f64> {
        self.at(LOAD_SWITCHED).map(|v| -v)
    }

    /// Decision → AUTOSCALING → RUNNING in the application log.
    fn to_running(&self) -> Option<f64> {
        self.at(DONE)
    }

    /// The downtime from the application log: until AUTOSCALING → RUNNING
    /// (an upper bound of that part), plus any restart weir logged after it.
    fn downtime(&self) -> Option<f64> {
        let main = match self.mode {
            Mode::InPlace => self.between(JOB_LEAVES, DONE),
            Mode::SnapshotRestart => self.between(TAKING_SNAPSHOT, DONE),
        }?;
        let again = match self.at(JOB_LEAVES_AGAIN) {
            None => 0.0,
            Some(_) => self.between(JOB_LEAVES_AGAIN, JOB_BACK_AGAIN)?,
        };
        Some(main + again)
    }

    /// From the Job Manager's log (restarts after RUNNING included).
    fn flink_downtime(&self) -> Option<f64> {
        self.flink_down
    }

    /// Snapshot-restart: the old job's tasks FINISHED (after the savepoint)
    /// → the new job's last task RUNNING: the gap in processing, a lower bound.
    fn flink_gap(&self) -> Option<f64> {
        self.between(FLINK_TASK_FINISHED, FLINK_TASKS_RUNNING)
    }

    fn brief(&self) -> String {
        let mut s = format!(
            "decided {} after the switch, RUNNING {} after the decision (downtime {}; Flink's log {})",
            secs_or_dash(self.reaction()),
            secs_or_dash(self.to_running()),
            secs_or_dash(self.downtime()),
            secs_or_dash(self.flink_downtime())
        );
        if self.restarts_again > 0 {
            s.push_str(&format!(
                " [the job went down again after it ran at the new parallelism: {} time(s)]",
                self.restarts_again
            ));
        }
        s
    }
}

struct Run {
    up: Scaling,
    down: Scaling,
    others: f64,
}

/// One mode's measurements.
struct Phase {
    mode: Mode,
    runs: Vec<Run>,
    /// The job's committed output at the end.
    out: Result<OutputCheck>,
    /// Sum of the keys' highest counts when the last scaling was done, and
    /// later (None: it did not grow within the wait).
    total_at_end: u64,
    total_later: Option<u64>,
    /// Autoscale operations: (id, status).
    operations: Vec<(String, String)>,
    busy: Vec<String>,
}

async fn phase(
    args: &AutoscaleArgs,
    setup: &Setup,
    fleet: &mut Fleet,
    mode: Mode,
) -> Result<Phase> {
    let timeout = Duration::from_secs(args.timeout);
    let settle = Duration::from_secs(args.settle_secs);
    println!();
    println!(
        "== {} rescaling: {} runs of load on (cpu) → scale 1→2, load off (idle) → scale 2→1 ==",
        mode.name(),
        args.runs
    );
    let mut autoscale_args = vec![
        "--autoscale-cpu-up-window-secs".to_string(),
        args.up_window_secs.to_string(),
        "--autoscale-cpu-down-window-secs".to_string(),
        args.down_window_secs.to_string(),
        "--autoscale-sample-interval-secs".to_string(),
        args.sample_interval_secs.to_string(),
        "--autoscale-max-kpus".to_string(),
        MAX_KPUS.to_string(),
    ];
    if mode == Mode::SnapshotRestart {
        autoscale_args.push("--autoscale-no-in-place".to_string());
    }
    let mut extra_args = vec![
        "--task-manager-memory-mb".to_string(),
        args.task_manager_memory_mb.to_string(),
        "--job-manager-memory-mb".to_string(),
        args.job_manager_memory_mb.to_string(),
    ];
    extra_args.extend(autoscale_args.iter().cloned());
    fleet.start_weir(&args.setup.weir_bin, setup, &extra_args)?;
    println!(
        "  weir server {}: pid {} on {}, data in {}",
        autoscale_args.join(" "),
        fleet.server().pid(),
        fleet.server().addr,
        fleet.data_dir().display()
    );
    let quiet = Duration::from_secs(args.wait_quiet);
    let mut busy = Vec::new();
    fleet
        .quiet_probe(quiet, "starting", "starting", &mut busy)
        .await;

    let control = fleet.dir().join("control");
    set_load(&control, "idle")?;
    let output = fleet.dir().join("out").join(APP);
    fleet
        .create(APP, &create_body(setup, &setup.runtime, &output, &control))
        .await?;
    let mut client = fleet.client();
    print_flush(&format!("{APP}: created; starting it ... "));
    let started = fleet
        .request_until(
            &mut client,
            APP,
            "StartApplication",
            &json!({ "ApplicationName": APP }),
            "RUNNING",
            &["READY"],
            timeout,
        )
        .await?;
    print_flush(&format!("RUNNING after {:.2} s; ", started.secs));
    let first = wait_output(&output, 0, Duration::from_secs(60))
        .await
        .context("no committed output within 60 s of the start")?;
    println!("committed output (counts up to {first} in total)");

    let mut runs = Vec::new();
    for i in 1..=args.runs {
        fleet.wait_quiet(quiet).await;
        print_flush(&format!("run {i}: "));
        let meter = BusyMeter::start(fleet.ours_cpu());
        let up = scale(fleet, mode, &control, ("cpu", 1, 2), settle, timeout).await?;
        print_flush(&format!("up 1→2: {}; ", up.brief()));
        let down = scale(fleet, mode, &control, ("idle", 2, 1), settle, timeout).await?;
        let others = meter.other_cores(fleet.ours_cpu());
        println!("down 2→1: {}; others {others:.2} cores", down.brief());
        if others > BUSY_CORES {
            busy.push(format!("run {i}: {others:.2} cores"));
        }
        runs.push(Run { up, down, others });
    }

    // The job goes on after the last scaling; then its output is checked.
    let total_at_end = output_total(&output);
    let total_later = wait_output(&output, total_at_end, Duration::from_secs(30))
        .await
        .ok();
    tokio::time::sleep(Duration::from_millis(
        CHECKPOINT_INTERVAL_MS + CHECKPOINT_MIN_PAUSE_MS,
    ))
    .await;
    let out = check_output(&output);
    let operations = autoscale_operations(&mut client).await?;
    Ok(Phase {
        mode,
        runs,
        out,
        total_at_end,
        total_later,
        operations,
        busy,
    })
}

/// Writes `load` to the control file and waits until the application is
/// RUNNING at parallelism `to`; then for the job to settle (`settle`, and
/// longer while Flink's log shows it down) and reads what the logs say.
async fn scale(
    fleet: &Fleet,
    mode: Mode,
    control: &Path,
    (load, from, to): (&str, u64, u64),
    settle: Duration,
    timeout: Duration,
) -> Result<Scaling> {
    let mut client = fleet.client();
    let detail = describe(&mut client, APP).await?;
    let status = detail["ApplicationStatus"].as_str().unwrap_or("?");
    let p = parallelism_of(&detail)?;
    if status != "RUNNING" || p != from {
        bail!("{APP} is {status} at parallelism {p}, not RUNNING at {from}, before the load switch to {load}");
    }
    let switch_ms = unix_ms(SystemTime::now());
    let t0 = Instant::now();
    set_load(control, load)?;
    // The wall clock of the look that saw it, taken right after that look.
    let mut seen_ms = 0;
    let verdict = |look: &Look| {
        if look.status == "RUNNING" && look.parallelism == Some(to) {
            seen_ms = unix_ms(SystemTime::now());
            Verdict::Reached
        } else if look.status == "READY" {
            Verdict::Failed
        } else {
            Verdict::Wait
        }
    };
    let pace = Pace::Ticks(fleet.poll());
    if let Err((why, seen)) = wait_until(&mut client, APP, t0, timeout, pace, verdict).await {
        let what = match why {
            Missed::Error(e) => return Err(e),
            Missed::Failed(_) => "ended READY".to_string(),
            Missed::TimedOut => {
                format!("not RUNNING at parallelism {to} {timeout:?} after the switch")
            }
        };
        let seen: Vec<(&str, Option<u64>, f64)> = seen
            .changes
            .iter()
            .map(|(l, at)| (l.status.as_str(), l.parallelism, *at))
            .collect();
        let op = last_autoscale(&mut client).await.unwrap_or_default();
        bail!(
            "{APP}, scaling {from}→{to} (load {load}): {what} (status, CurrentParallelism, seconds seen: {seen:?}); {}",
            fleet.failure_report(&mut client, APP, &op).await
        );
    }
    let task_managers = fleet
        .app_jvms(&fleet.app_cluster_marker(APP))
        .len()
        .saturating_sub(1);

    // Settle: a job that goes down after RUNNING was declared counts too.
    tokio::time::sleep(settle).await;
    let jm_log = fleet
        .data_dir()
        .join("clusters")
        .join(APP)
        .join("log")
        .join("jobmanager.log");
    let read_jm = || std::fs::read_to_string(&jm_log).unwrap_or_default();
    let settled_ms = loop {
        let now_ms = unix_ms(SystemTime::now());
        let events = flink_events(&read_jm(), switch_ms, now_ms);
        if down_intervals(&events).1.is_none() || t0.elapsed() > timeout {
            break now_ms;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // weir logs Flink's transitions when it looks (less often while RUNNING).
    let deadline = Instant::now() + Duration::from_secs(10);
    let (lines, view) = loop {
        let lines = log_events(&mut fleet.logs_client(), APP, switch_ms - 2_000).await?;
        let view = read_app_log(&lines, mode, switch_ms, from, to);
        let pending = view.as_ref().is_some_and(|v| {
            let found = |label: &str| v.milestones.iter().any(|(l, x)| *l == label && x.is_some());
            found(JOB_LEAVES_AGAIN) && !found(JOB_BACK_AGAIN)
        });
        if !pending || Instant::now() > deadline {
            break (lines, view);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let Some(view) = view else {
        bail!(
            "{APP} is RUNNING at {to}, but its log has no decision to scale from {from} to {to} \
             after the load switch; it ends:\n{}",
            tail(&lines)
        );
    };
    let flink = read_flink_log(&read_jm(), view.decision_ms, settled_ms);
    let mut milestones = view.milestones;
    milestones.extend(flink.milestones);
    if mode == Mode::InPlace {
        milestones.retain(|(l, _)| !matches!(*l, FLINK_STOP | FLINK_TASK_FINISHED));
    }
    Ok(Scaling {
        from,
        to,
        seen_secs: (seen_ms - view.decision_ms) as f64 / 1e3,
        milestones,
        reason: view.reason,
        in_place_line: view.in_place_line,
        submitted: view.submitted,
        task_managers,
        flink_down: flink.down,
        flink_open: flink.open,
        restarts_again: flink.restarts_again,
        mode,
    })
}

/// What the application log says about one scaling.
struct LogView {
    decision_ms: i64,
    /// From the load switch on, in seconds after the decision.
    milestones: Milestones,
    reason: String,
    in_place_line: bool,
    submitted: usize,
}

/// Finds the first decision to scale `from` → `to` logged at or after
/// `switch_ms` and reads the scaling from it to AUTOSCALING → RUNNING, and
/// a restart of the job after that, if any.
fn read_app_log(
    lines: &[LogLine],
    mode: Mode,
    switch_ms: i64,
    from: u64,
    to: u64,
) -> Option<LogView> {
    let needle = format!("Autoscaling application {APP} from parallelism {from} to {to}");
    let d = lines
        .iter()
        .position(|l| l.ms >= switch_ms && l.message.contains(&needle))?;
    let decision_ms = lines[d].ms;
    // "… to Y (A to B KPUs): <reason>" or "… to Y: <reason>".
    let after = &lines[d].message[lines[d].message.find(&needle)? + needle.len()..];
    let reason = after
        .split_once(": ")
        .map_or_else(String::new, |(_, r)| r.to_string());
    let done = find_line(lines, d, &["status changed from AUTOSCALING to RUNNING"]);
    let window = &lines[d..done.map_or(lines.len(), |i| i + 1)];
    let secs = |ms: i64| (ms - decision_ms) as f64 / 1e3;
    let at = |i: usize| Some(secs(window[i].ms));
    let mut milestones: Milestones = vec![
        (LOAD_SWITCHED, Some(secs(switch_ms))),
        (DECISION, Some(0.0)),
    ];
    for (label, needles) in weir_patterns(mode) {
        milestones.push((label, find_line(window, 0, needles).and_then(at)));
    }
    // Job transitions as weir logs them: "Job <name> (<id>) switched from state A to B."
    let leaves_needle: &[&str] = &["switched from state RUNNING to"];
    let back_needle: &[&str] = &["switched from state", "to RUNNING."];
    let leaves = find_line(window, 0, leaves_needle);
    milestones.push((JOB_LEAVES, leaves.and_then(at)));
    let back = find_line(window, leaves.unwrap_or(0), back_needle);
    milestones.push((JOB_BACK, back.and_then(at)));
    milestones.push((DONE, done.map(|i| secs(lines[i].ms))));
    // The job going down again after RUNNING was declared (before the next decision).
    let (again, back_again) = match done {
        Some(i) => {
            let end = find_line(lines, i, &["Autoscaling application "]).unwrap_or(lines.len());
            let rest = &lines[..end];
            let again = find_line(rest, i + 1, leaves_needle);
            let back = again.and_then(|a| find_line(rest, a, back_needle));
            (again, back)
        }
        None => (None, None),
    };
    milestones.push((JOB_LEAVES_AGAIN, again.map(|i| secs(lines[i].ms))));
    milestones.push((JOB_BACK_AGAIN, back_again.map(|i| secs(lines[i].ms))));
    Some(LogView {
        decision_ms,
        milestones,
        reason,
        in_place_line: find_line(window, 0, &["in place to parallelism"]).is_some(),
        submitted: window
            .iter()
            .filter(|l| l.message.starts_with("Submitted job"))
            .count(),
    })
}

/// A line of the Job Manager's log that matters for the downtime.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FlinkEvent {
    StopTriggered,
    /// The job leaves RUNNING (job-level lines say "from state").
    JobLeaves,
    JobRunning,
    TaskFailed,
    TaskFinished,
    TaskDeploying,
    TaskRunning,
}

/// The Job Manager log's events between `from_ms` and `to_ms`.
fn flink_events(text: &str, from_ms: i64, to_ms: i64) -> Vec<(i64, FlinkEvent)> {
    text.lines()
        .filter_map(|l| {
            let ms = log4j_ms(l)?;
            if ms < from_ms || ms > to_ms {
                return None;
            }
            let event = if l.contains("Triggering stop-with-savepoint") {
                FlinkEvent::StopTriggered
            } else if l.contains("switched from state RUNNING to") {
                FlinkEvent::JobLeaves
            } else if l.contains("switched from state") && l.contains("to RUNNING.") {
                FlinkEvent::JobRunning
            } else if l.contains("switched from RUNNING to FAILED") {
                FlinkEvent::TaskFailed
            } else if l.contains("switched from RUNNING to FINISHED") {
                FlinkEvent::TaskFinished
            } else if l.contains("switched from SCHEDULED to DEPLOYING") {
                FlinkEvent::TaskDeploying
            } else if l.contains("switched from INITIALIZING to RUNNING") {
                FlinkEvent::TaskRunning
            } else {
                return None;
            };
            Some((ms, event))
        })
        .collect()
}

/// The spans during which the job was not running with every task: from a
/// stop-with-savepoint being triggered, a task failing or the job leaving
/// RUNNING, to the job RUNNING again with every task it deployed
/// INITIALIZING → RUNNING; and the start of one still open at the end.
fn down_intervals(events: &[(i64, FlinkEvent)]) -> (Vec<(i64, i64)>, Option<i64>) {
    let mut spans = Vec::new();
    let mut down: Option<i64> = None;
    let (mut job_running, mut deploying, mut running) = (false, 0usize, 0usize);
    for &(ms, e) in events {
        match e {
            FlinkEvent::StopTriggered | FlinkEvent::TaskFailed | FlinkEvent::JobLeaves => {
                down.get_or_insert(ms);
                if e != FlinkEvent::StopTriggered {
                    (job_running, deploying, running) = (false, 0, 0);
                }
            }
            FlinkEvent::JobRunning if down.is_some() => job_running = true,
            FlinkEvent::TaskDeploying if down.is_some() => deploying += 1,
            FlinkEvent::TaskRunning if down.is_some() => {
                running += 1;
                if job_running && deploying > 0 && running >= deploying {
                    spans.push((down.take().expect("down"), ms));
                    (job_running, deploying, running) = (false, 0, 0);
                }
            }
            _ => {}
        }
    }
    (spans, down)
}

/// What the Job Manager's log says about one scaling.
struct FlinkView {
    milestones: Milestones,
    /// Seconds down in all, from the decision until `settled_ms`.
    down: Option<f64>,
    open: bool,
    restarts_again: usize,
}

fn read_flink_log(text: &str, decision_ms: i64, settled_ms: i64) -> FlinkView {
    let events = flink_events(text, decision_ms, settled_ms);
    let secs = |ms: i64| (ms - decision_ms) as f64 / 1e3;
    let first = |e: FlinkEvent| events.iter().find(|(_, x)| *x == e).map(|(ms, _)| *ms);
    let (spans, open) = down_intervals(&events);
    let leaves = first(FlinkEvent::JobLeaves);
    let back = leaves.and_then(|l| {
        events
            .iter()
            .find(|(ms, e)| *ms >= l && *e == FlinkEvent::JobRunning)
            .map(|(ms, _)| *ms)
    });
    let mut milestones: Milestones = vec![
        (FLINK_STOP, first(FlinkEvent::StopTriggered).map(secs)),
        (
            FLINK_TASK_FINISHED,
            first(FlinkEvent::TaskFinished).map(secs),
        ),
        (FLINK_JOB_LEAVES, leaves.map(secs)),
        (FLINK_JOB_BACK, back.map(secs)),
        (FLINK_TASKS_RUNNING, spans.first().map(|s| secs(s.1))),
    ];
    let later: Vec<&(i64, i64)> = spans.iter().skip(1).collect();
    let reopened = open.filter(|_| !spans.is_empty());
    milestones.push((
        FLINK_DOWN_AGAIN,
        later.first().map(|s| s.0).or(reopened).map(secs),
    ));
    milestones.push((FLINK_UP_AGAIN, later.last().map(|s| secs(s.1))));
    let mut down: f64 = spans.iter().map(|(a, b)| (b - a) as f64 / 1e3).sum();
    if let Some(o) = open {
        down += (settled_ms - o) as f64 / 1e3;
    }
    let restarts_again = spans.len().saturating_sub(1) + usize::from(reopened.is_some());
    FlinkView {
        milestones,
        down: (!spans.is_empty() || open.is_some()).then_some(down),
        open: open.is_some(),
        restarts_again,
    }
}

fn tail(lines: &[LogLine]) -> String {
    lines[lines.len().saturating_sub(12)..]
        .iter()
        .map(|l| format!("  {}", l.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The application's Autoscale operations, oldest first: (id, status).
async fn autoscale_operations(client: &mut Client) -> Result<Vec<(String, String)>> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let mut body = json!({ "ApplicationName": APP, "Limit": 50 });
        if let Some(t) = &token {
            body["NextToken"] = t.clone().into();
        }
        let page = call(client, "ListApplicationOperations", &body).await?;
        for op in page["ApplicationOperationInfoList"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if op["Operation"].as_str() == Some("Autoscale") {
                all.push((
                    (
                        op["StartTime"].as_f64().unwrap_or(0.0),
                        op["OperationId"].as_str().unwrap_or_default().to_string(),
                    ),
                    op["OperationStatus"].as_str().unwrap_or("?").to_string(),
                ));
            }
        }
        token = page["NextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    all.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0));
    Ok(all.into_iter().map(|((_, id), s)| (id, s)).collect())
}

async fn last_autoscale(client: &mut Client) -> Option<String> {
    autoscale_operations(client)
        .await
        .ok()?
        .pop()
        .map(|(id, _)| id)
}

/// The sum of the keys' highest counts in the committed output (0 without any).
fn output_total(dir: &Path) -> u64 {
    check_output(dir).map_or(0, |o| o.max_counts.iter().sum())
}

/// Waits until the committed output's total goes beyond `past`; the total.
async fn wait_output(dir: &Path, past: u64, limit: Duration) -> Result<u64> {
    let deadline = Instant::now() + limit;
    loop {
        let total = output_total(dir);
        if total > past {
            return Ok(total);
        }
        if Instant::now() >= deadline {
            bail!(
                "the committed output in {} stayed at {total} for {limit:?}",
                dir.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn secs_or_dash(v: Option<f64>) -> String {
    v.map_or_else(|| "?".to_string(), |s| format!("{s:.2} s"))
}

// ---------------------------------------------------------------------------
// The figures.

/// Prints every figure; whether everything checked was right.
fn report(args: &AutoscaleArgs, setup: &Setup, phases: &[Phase]) -> bool {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "== Results ({} on Flink {}, {cores} cores, {} runs per mode; windows up {} s / down {} s, \
         a sample every {} s, at most {MAX_KPUS} KPUs) ==",
        setup.runtime,
        setup.flink_version,
        args.runs,
        args.up_window_secs,
        args.down_window_secs,
        args.sample_interval_secs
    );
    let sources = "weir: the application log via GetLogEvents; flink: the Job Manager's log";
    let mut failed = false;
    // (mode, direction) → (median decision → RUNNING, median downtime, median Flink downtime)
    let mut medians = Vec::new();
    for (n, p) in phases.iter().enumerate() {
        let letter = if n == 0 { 'A' } else { 'B' };
        match p.mode {
            Mode::InPlace => println!(
                "{letter}. in-place rescaling (Flink's adaptive scheduler: to scale up, weir takes a savepoint the job \
                 runs on after, adds Task Managers and declares the new parallelism; Flink restarts the job from \
                 its latest checkpoint. To scale down, weir stops the job with a savepoint, frees Task Managers and \
                 resubmits it)"
            ),
            Mode::SnapshotRestart => println!(
                "{letter}. snapshot-restart rescaling (weir --autoscale-no-in-place: the cluster grown first, \
                 the job stopped with a savepoint, a new one submitted restored from it, the cluster shrunk after)"
            ),
        }
        for up in [true, false] {
            let list: Vec<&Scaling> = p
                .runs
                .iter()
                .map(|r| if up { &r.up } else { &r.down })
                .collect();
            let (from, to) = (list[0].from, list[0].to);
            let load = if up { "cpu" } else { "idle" };
            let collect = |f: &dyn Fn(&Scaling) -> Option<f64>| -> Vec<f64> {
                list.iter().filter_map(|s| f(s)).collect()
            };
            let running = collect(&Scaling::to_running);
            let down = collect(&Scaling::downtime);
            let flink_down = collect(&Scaling::flink_downtime);
            println!("  scale {}→{} (load {load}):", from, to);
            println!(
                "    load switched → decision (the window, sampling): {}",
                figure(&collect(&Scaling::reaction))
            );
            println!(
                "    decision → RUNNING at parallelism {to} (log: decision → \"AUTOSCALING to RUNNING\"): {}",
                figure(&running)
            );
            println!(
                "    decision → DescribeApplication RUNNING with CurrentParallelism {to}: {}",
                figure(&list.iter().map(|s| s.seen_secs).collect::<Vec<_>>())
            );
            let (down_what, flink_what) = match p.mode {
                Mode::InPlace => (
                    "log: job RUNNING → CANCELLING/RESTARTING … \"AUTOSCALING to RUNNING\"",
                    "job RUNNING → CANCELLING … its last task INITIALIZING → RUNNING",
                ),
                Mode::SnapshotRestart => (
                    "log: \"Taking snapshot … and stopping job\" … \"AUTOSCALING to RUNNING\"",
                    "stop-with-savepoint triggered … the new job's last task INITIALIZING → RUNNING",
                ),
            };
            println!(
                "    downtime ({down_what}, an upper bound; plus any restart logged after it): {}",
                figure(&down)
            );
            println!(
                "    downtime (Flink's Job Manager log: {flink_what}; plus any time down after it until {} s after RUNNING): {}",
                args.settle_secs,
                figure(&flink_down)
            );
            if p.mode == Mode::SnapshotRestart {
                println!(
                    "    of which the gap in processing (Flink's log: the old job's first task FINISHED after the savepoint \
                     → the new job's last task RUNNING; a lower bound): {}",
                    figure(&collect(&Scaling::flink_gap))
                );
            }
            print_timeline_from(
                &list
                    .iter()
                    .map(|s| (s.seen_secs, &s.milestones))
                    .collect::<Vec<_>>(),
                "client: RUNNING at the new parallelism seen (DescribeApplication)",
                sources,
                "the decision",
            );
            let in_place = list
                .iter()
                .filter(|s| s.in_place_line && s.submitted == 0)
                .count();
            let restarted = list.iter().filter(|s| s.submitted > 0).count();
            println!(
                "    rescaled in place (no job submitted) in {in_place} of {n}, through a new job in {restarted} of {n}; \
                 Task Managers when RUNNING was seen: {}",
                list.iter()
                    .map(|s| s.task_managers.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                n = list.len()
            );
            // Weir scales up in place and down through a restart (freeing
            // Task Managers before the job restarts), whatever the mode.
            let wrong = match p.mode {
                Mode::InPlace if up => in_place < list.len(),
                _ => restarted < list.len(),
            };
            if wrong {
                println!(
                    "    error: not every scaling was applied {} (see the counts above)",
                    p.mode.name()
                );
                failed = true;
            }
            let again: Vec<String> = list
                .iter()
                .enumerate()
                .filter(|(_, s)| s.restarts_again > 0)
                .map(|(i, s)| {
                    format!(
                        "run {}: down again {} after the decision (AUTOSCALING → RUNNING at {}), {} down in all{}",
                        i + 1,
                        secs_or_dash(s.at(FLINK_DOWN_AGAIN)),
                        secs_or_dash(s.at(DONE)),
                        secs_or_dash(s.flink_down),
                        if s.flink_open {
                            ", still down when the wait ended"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            if again.is_empty() {
                println!(
                    "    the job stayed RUNNING for {} s after every scaling (Flink's log)",
                    args.settle_secs
                );
            } else {
                println!(
                    "    error: the job went down again after it ran at the new parallelism in {} of {}: {}",
                    again.len(),
                    list.len(),
                    again.join("; ")
                );
                failed = true;
            }
            if list.iter().any(|s| s.task_managers as u64 != to) {
                println!("    note: the cluster did not have {to} Task Manager(s) in every run when RUNNING was seen");
            }
            let missing = list
                .iter()
                .filter(|s| {
                    s.milestones.iter().any(|(l, v)| {
                        v.is_none()
                            && !matches!(
                                *l,
                                JOB_LEAVES_AGAIN
                                    | JOB_BACK_AGAIN
                                    | FLINK_DOWN_AGAIN
                                    | FLINK_UP_AGAIN
                            )
                    })
                })
                .count();
            if missing > 0 {
                println!(
                    "    note: some milestones were not found in {missing} sample(s) (see the timeline)"
                );
            }
            if let Some(s) = list.first() {
                println!("    decision (run 1): {}", s.reason);
            }
            medians.push((
                p.mode,
                up,
                summary(&running),
                summary(&down),
                summary(&flink_down),
            ));
        }
        let expected = 2 * p.runs.len();
        let successful = p
            .operations
            .iter()
            .filter(|(_, s)| s == "SUCCESSFUL")
            .count();
        println!(
            "  operations: {} Autoscale operation(s), {successful} SUCCESSFUL (expected {expected}): {}",
            p.operations.len(),
            p.operations
                .iter()
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if p.operations.len() != expected || successful != expected {
            println!("  error: not every scaling was one successful Autoscale operation");
            failed = true;
        }
        match &p.out {
            Ok(o) => {
                println!(
                    "  state, from the job's committed output ({} lines, {} keys): counts per key reach {}; \
                     restarted from 1: {}; gaps: {}; repeated counts: {}{}",
                    o.lines,
                    o.keys,
                    o.max_counts
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join("/"),
                    o.resets,
                    o.gaps,
                    o.repeats,
                    if p.mode == Mode::InPlace {
                        " (allowed: a rescale replays from the latest checkpoint)"
                    } else {
                        ""
                    }
                );
                if o.resets > 0 || o.gaps > 0 || o.lines == 0 {
                    println!("  error: the state was not kept across the scalings");
                    failed = true;
                }
            }
            Err(e) => {
                println!("  state: could not check the job's output: {e:#}");
                failed = true;
            }
        }
        match p.total_later {
            Some(later) => println!(
                "  the job went on after the last scaling: committed counts {} → {later} in total",
                p.total_at_end
            ),
            None => {
                println!(
                    "  error: the committed output did not grow within 30 s of the last scaling (stayed at {})",
                    p.total_at_end
                );
                failed = true;
            }
        }
        if p.busy.is_empty() {
            let others = p.runs.iter().map(|r| r.others).fold(0.0, f64::max);
            println!(
                "  machine load: other processes stayed under {BUSY_CORES} core (at most {others:.2} cores in a run)"
            );
        } else {
            println!(
                "  machine load: BUSY — other processes used more than {BUSY_CORES} core: {}; the figures are slower than on a quiet machine",
                p.busy.join("; ")
            );
        }
    }

    println!();
    println!("Targets ({cores} cores, shared with the benchmark and the JVMs):");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let get = |mode: Mode, up: bool| {
        medians
            .iter()
            .find(|(m, u, ..)| *m == mode && *u == up)
            .map(|(_, _, r, d, f)| (*r, *d, *f))
    };
    // (min, median, max) → "median X s (max Y s)"
    let med_max = |v: (f64, f64, f64)| format!("{:.2} s (max {:.2} s)", v.1, v.2);
    match (get(Mode::InPlace, true), get(Mode::InPlace, false)) {
        (Some(u), Some(d)) => {
            let ok = [u.1 .1, d.1 .1, u.2 .1, d.2 .1]
                .iter()
                .all(|m| *m <= TARGET_IN_PLACE_DOWNTIME_S);
            println!(
                "  in-place rescale downtime ≤ {TARGET_IN_PLACE_DOWNTIME_S} s: application log (an upper bound until RUNNING, \
                 restarts after it added): median up {}, down {}; Flink's log: median up {}, down {} — {}",
                med_max(u.1),
                med_max(d.1),
                med_max(u.2),
                med_max(d.2),
                verdict(ok)
            );
        }
        _ => println!("  in-place rescale downtime ≤ {TARGET_IN_PLACE_DOWNTIME_S} s: not measured"),
    }
    for mode in [Mode::InPlace, Mode::SnapshotRestart] {
        if let (Some(u), Some(d)) = (get(mode, true), get(mode, false)) {
            println!(
                "  {}: decision → RUNNING at the new parallelism, median up {:.2} s, down {:.2} s; \
                 downtime (application log) median up {:.2} s, down {:.2} s; (Flink's log) up {:.2} s, down {:.2} s",
                mode.name(),
                u.0 .1,
                d.0 .1,
                u.1 .1,
                d.1 .1,
                u.2 .1,
                d.2 .1
            );
        }
    }
    println!(
        "  for scale: users of the service report several minutes per scaling, up to 20 minutes with large state"
    );
    !failed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ms: i64, message: &str) -> LogLine {
        LogLine {
            ms,
            message: message.to_string(),
        }
    }

    /// An in-place scale-down as weir logged it, the job restarting after
    /// AUTOSCALING → RUNNING (weir's trim stopped the Task Manager the
    /// rescaled job had just been deployed to).
    fn scale_down_log() -> Vec<LogLine> {
        vec![
            line(1_000, "Autoscaling application autoscale-bench from parallelism 1 to 2 (1 to 2 KPUs): cpu policy: x"),
            line(9_000, "Application autoscale-bench status changed from AUTOSCALING to RUNNING"),
            line(37_468, "Autoscale operation 7df10d4de61e requested"),
            line(37_468, "Application autoscale-bench status changed from RUNNING to AUTOSCALING"),
            line(37_468, "Autoscaling application autoscale-bench from parallelism 2 to 1 (2 to 1 KPUs): cpu policy: CPU utilization below 10 % for 6 s (highest 9 %): parallelism 2 → 1"),
            line(37_470, "Taking snapshot weir-system-1-7df1 of application autoscale-bench (job a5 runs on)"),
            line(37_587, "Snapshot weir-system-1-7df1 of application autoscale-bench is READY (file:/x)"),
            line(37_603, "Rescaling job a5 of application autoscale-bench in place to parallelism 1"),
            line(37_718, "Job load-control (a5) switched from state RUNNING to CREATED."),
            line(37_718, "Job load-control (a5) switched from state CREATED to RUNNING."),
            line(38_088, "Autoscale operation 7df10d4de61e SUCCESSFUL"),
            line(38_088, "Application autoscale-bench status changed from AUTOSCALING to RUNNING"),
            line(40_105, "Job load-control (a5) switched from state RUNNING to CANCELLING."),
            line(40_105, "Job load-control (a5) switched from state CANCELLING to RESTARTING."),
            line(48_143, "Job load-control (a5) switched from state RESTARTING to CREATED."),
            line(48_143, "Job load-control (a5) switched from state CREATED to RUNNING."),
        ]
    }

    fn near(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    #[test]
    fn the_application_log_gives_the_decision_running_and_a_later_restart() {
        let lines = scale_down_log();
        let view = read_app_log(&lines, Mode::InPlace, 11_400, 2, 1).expect("a decision");
        assert_eq!(view.decision_ms, 37_468);
        assert_eq!(
            view.reason,
            "cpu policy: CPU utilization below 10 % for 6 s (highest 9 %): parallelism 2 → 1"
        );
        assert!(view.in_place_line);
        assert_eq!(view.submitted, 0);
        let s = Scaling {
            from: 2,
            to: 1,
            seen_secs: 0.7,
            milestones: view.milestones,
            reason: view.reason,
            in_place_line: true,
            submitted: 0,
            task_managers: 1,
            flink_down: None,
            flink_open: false,
            restarts_again: 0,
            mode: Mode::InPlace,
        };
        assert!(near(s.reaction(), 26.068));
        assert!(near(s.at(JOB_LEAVES), 0.25));
        assert!(near(s.to_running(), 0.62));
        assert!(near(s.at(JOB_LEAVES_AGAIN), 2.637));
        assert!(near(s.at(JOB_BACK_AGAIN), 10.675));
        // 0.37 s until RUNNING, then 8.038 s of the restart weir logged.
        assert!(near(s.downtime(), 0.37 + 8.038));
        // The decision to scale up, before the switch, is not this one.
        assert!(read_app_log(&lines, Mode::InPlace, 11_400, 1, 2).is_none());
        assert!(read_app_log(&lines, Mode::InPlace, 0, 1, 2).is_some());
    }

    /// A Job Manager log line at `secs` after 08:49:37 (local time).
    fn jm(secs: f64, text: &str) -> String {
        let whole = 37 + secs as i64;
        let ms = ((secs.fract()) * 1000.0).round() as i64;
        format!(
            "2026-11-26 08:{:02}:{:02},{ms:03} INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - {text}",
            49 + whole / 60,
            whole % 60
        )
    }

    #[test]
    fn the_job_managers_log_gives_every_span_the_job_was_down() {
        let text = [
            jm(0.593, "Received resource requirements from job a5"),
            jm(0.596, "Job load-control (a5) switched from state RUNNING to CANCELLING."),
            jm(0.596, "Source: datagen -> pad (1/2) (x_0_1) switched from RUNNING to CANCELING."),
            jm(0.652, "Job load-control (a5) switched from state CANCELLING to CANCELED."),
            jm(0.664, "Source: datagen -> pad (1/1) (y_0_2) switched from CREATED to SCHEDULED."),
            jm(0.664, "Job load-control (a5) switched from state CREATED to RUNNING."),
            jm(0.665, "Source: datagen -> pad (1/1) (y_0_2) switched from SCHEDULED to DEPLOYING."),
            jm(0.666, "keyed-count -> file-sink: Writer -> file-sink: Committer (1/1) (y_1_2) switched from SCHEDULED to DEPLOYING."),
            jm(0.712, "Source: datagen -> pad (1/1) (y_0_2) switched from INITIALIZING to RUNNING."),
            jm(0.732, "keyed-count -> file-sink: Writer -> file-sink: Committer (1/1) (y_1_2) switched from INITIALIZING to RUNNING."),
            jm(0.867, "Source: datagen -> pad (1/1) (y_0_2) switched from RUNNING to FAILED on autoscale-bench-tm-1 @ localhost (dataPort=32919)."),
            "org.apache.flink.util.FlinkExpectedException: The TaskExecutor is shutting down.".to_string(),
            jm(0.889, "Job load-control (a5) switched from state RUNNING to CANCELLING."),
            jm(10.903, "Job load-control (a5) switched from state CREATED to RUNNING."),
            jm(10.904, "Source: datagen -> pad (1/1) (z_0_3) switched from SCHEDULED to DEPLOYING."),
            jm(10.904, "keyed-count -> file-sink: Writer -> file-sink: Committer (1/1) (z_1_3) switched from SCHEDULED to DEPLOYING."),
            jm(10.950, "Source: datagen -> pad (1/1) (z_0_3) switched from INITIALIZING to RUNNING."),
            jm(10.960, "keyed-count -> file-sink: Writer -> file-sink: Committer (1/1) (z_1_3) switched from INITIALIZING to RUNNING."),
        ]
        .join("\n");
        let base = log4j_ms(&jm(0.0, "")).expect("a timestamp");
        let view = read_flink_log(&text, base + 468, base + 20_000);
        let at = |label: &str| {
            view.milestones
                .iter()
                .find(|(l, _)| *l == label)
                .and_then(|(_, v)| *v)
        };
        assert!(near(at(FLINK_JOB_LEAVES), 0.128));
        assert!(near(at(FLINK_JOB_BACK), 0.196));
        assert!(near(at(FLINK_TASKS_RUNNING), 0.264));
        assert!(near(at(FLINK_DOWN_AGAIN), 0.399));
        assert!(near(at(FLINK_UP_AGAIN), 10.492));
        assert_eq!(at(FLINK_STOP), None);
        assert!(near(view.down, 0.136 + 10.093));
        assert_eq!((view.restarts_again, view.open), (1, false));

        // Cut short: the second span is still open when the wait ends.
        let view = read_flink_log(&text, base + 468, base + 5_000);
        assert_eq!((view.restarts_again, view.open), (1, true));
        assert!(near(view.down, 0.136 + (5.0 - 0.867)));
    }

    #[test]
    fn a_snapshot_restart_is_down_from_the_stop_to_the_new_jobs_last_task() {
        let events = [
            (100, FlinkEvent::StopTriggered),
            (5_900, FlinkEvent::TaskFinished),
            (5_910, FlinkEvent::JobLeaves),
            (6_000, FlinkEvent::JobRunning),
            (6_100, FlinkEvent::TaskDeploying),
            (6_100, FlinkEvent::TaskDeploying),
            (6_500, FlinkEvent::TaskRunning),
            (6_800, FlinkEvent::TaskRunning),
        ];
        assert_eq!(down_intervals(&events), (vec![(100, 6_800)], None));
        // Not every deployed task running yet: still down.
        assert_eq!(down_intervals(&events[..7]), (vec![], Some(100)));
        assert_eq!(down_intervals(&[]), (vec![], None));
    }
}

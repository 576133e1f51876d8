//! `weir-bench state`: the benchmark of "Keep state across every change",
//! on real Flink.
//!
//! Starts the release `weir server` in a temporary directory like
//! `weir-bench lifecycle` (the same harness, `harness.rs`), creates one
//! application running the stateful `streaming-count` example (100 records/s
//! over 3 keys, a running count per key in keyed state, a file sink
//! committed on every checkpoint; checkpoints every 2 s), starts it once and
//! then, `--runs` times:
//!
//! 1. **Snapshot**: CreateApplicationSnapshot → DescribeApplicationSnapshot
//!    says READY (polled every `--poll-ms`).
//! 2. **Update**: a live UpdateApplication of the RUNNING application that
//!    changes its parallelism (1 → 2; to 1 if it were 2), → RUNNING. Its
//!    downtime comes from the application log (GetLogEvents): from the
//!    "Taking snapshot …" line (weir asks Flink to stop the old job with a
//!    savepoint; the job processes until the savepoint barrier, so this is an
//!    upper bound) to "… status changed from UPDATING to RUNNING" (every task
//!    of the new job RUNNING).
//! 3. **Rollback**: RollbackApplication of the current version → RUNNING; its
//!    downtime from "… from RUNNING to ROLLING_BACK" to "… from ROLLING_BACK
//!    to RUNNING".
//! 4. **Stop with a snapshot**: StopApplication (not forced; snapshots are
//!    enabled, so Flink stops the job with a savepoint) → READY and the
//!    system snapshot it took READY in ListApplicationSnapshots.
//! 5. StartApplication → RUNNING (restoring the latest snapshot), untimed.
//!
//! The job's output then tells whether the state was kept: per key, the
//! counts must go on (never start again at 1) without a gap.
//!
//! Every JVM and weir are gone when it ends, also on an error, Ctrl-C or
//! SIGTERM.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use weir_test_support::sample::Sample;

use crate::busy::BusyMeter;
use crate::client::Client;
use crate::harness::{
    call, describe, describe_status, find_line, log_events, mem_total_gb, milestones_in_order,
    or_interrupted, print_timeline, samples, summary, unix_ms, Fleet, LogLine, Milestones, Pattern,
    Setup, SetupArgs, BUSY_CORES,
};
use crate::print_flush;

const TARGET_UPDATE_DOWNTIME_S: f64 = 5.0;
const TARGET_ROLLBACK_S: f64 = 10.0;
const TARGET_STOP_S: f64 = 3.0;

const APP: &str = "state-bench";
const RECORDS_PER_SECOND: u32 = 100;
const KEYS: u32 = 3;
const CHECKPOINT_INTERVAL_MS: u64 = 2_000;
const CHECKPOINT_MIN_PAUSE_MS: u64 = 500;

#[derive(clap::Args, Debug)]
pub struct StateArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// Measured runs (each: snapshot, update, rollback, stop, start).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// ParallelismPerKPU of the application. With 1 (the service's default)
    /// the update to parallelism 2 needs a second Task Manager, so weir
    /// replaces the cluster; with 2 the job moves within the same cluster.
    #[arg(long, default_value_t = 1)]
    parallelism_per_kpu: u32,
    /// Memory per Task Manager (weir --task-manager-memory-mb).
    #[arg(long, default_value_t = 1024)]
    task_manager_memory_mb: u64,
    /// Memory per Job Manager (weir --job-manager-memory-mb).
    #[arg(long, default_value_t = 768)]
    job_manager_memory_mb: u64,
    /// Milliseconds between DescribeApplication / DescribeApplicationSnapshot polls.
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Seconds an operation may take before the benchmark gives up.
    #[arg(long, default_value_t = 180)]
    timeout: u64,
    /// Keep the temporary directory (weir's data and log, the clusters' logs,
    /// the job's output).
    #[arg(long)]
    keep_dir: bool,
    /// Before starting and before each run, wait up to this many seconds
    /// while other JVMs run on the machine (e.g. a Flink test) or other
    /// processes use more than half a core; 0: never wait.
    #[arg(long, default_value_t = 0)]
    wait_quiet: u64,
}

/// Runs the benchmark and always cleans up; `Ok(false)` when it completed
/// but something it checked was wrong (state lost, an operation failed,
/// JVMs left behind).
pub async fn main(args: &StateArgs) -> Result<bool> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if args.parallelism_per_kpu == 0 {
        bail!("--parallelism-per-kpu must be at least 1");
    }
    let setup = Setup::check("state", &args.setup, "streaming-count")?;
    let mut fleet = Fleet::new("state", args.keep_dir, Duration::from_millis(args.poll_ms))?;
    let outcome = or_interrupted("state", run(args, &setup, &mut fleet)).await;
    let clean = fleet.cleanup().await;
    outcome.map(|ok| ok && clean)
}

fn create_body(args: &StateArgs, setup: &Setup, output: &Path) -> Value {
    Sample::new(APP, &setup.runtime, &setup.code_base64)
        .sink(output)
        .source(RECORDS_PER_SECOND, Some(KEYS))
        .checkpoints(CHECKPOINT_INTERVAL_MS, CHECKPOINT_MIN_PAUSE_MS)
        .parallelism_per_kpu(args.parallelism_per_kpu)
        .request()
}

// ---------------------------------------------------------------------------
// What the application log says about each operation.

/// After the UpdateApplication's own "… operation <id> requested" line, in order.
const UPDATE_MILESTONES: &[Pattern] = &[
    (
        "weir: application UPDATING",
        &["status changed from RUNNING to UPDATING"],
    ),
    (
        "weir: cluster grown first (\"Resized the Flink cluster\")",
        &["Resized the Flink cluster"],
    ),
    (UPDATE_DOWN_FROM, &["Taking snapshot "]),
    (
        "weir: old job FINISHED (stopped with the savepoint)",
        &["switched from state", "to FINISHED."],
    ),
    ("weir: snapshot READY", &["Snapshot ", " is READY"]),
    (
        "weir: old cluster released",
        &["Releasing the Flink cluster"],
    ),
    ("weir: new cluster provisioned", &["Provisioned a Flink"]),
    ("weir: new job submitted", &["Submitted job"]),
    (
        "weir: new job RUNNING",
        &["switched from state", "to RUNNING."],
    ),
    (UPDATE_DOWN_TO, &["status changed from UPDATING to RUNNING"]),
];
const UPDATE_DOWN_FROM: &str = "weir: \"Taking snapshot\" (stop-with-savepoint asked)";
const UPDATE_DOWN_TO: &str = "weir: UPDATING → RUNNING (all tasks RUNNING)";

/// After the RollbackApplication's own "… operation <id> requested" line.
const ROLLBACK_MILESTONES: &[Pattern] = &[
    (
        ROLLBACK_DOWN_FROM,
        &["status changed from RUNNING to ROLLING_BACK"],
    ),
    (
        "weir: old job CANCELED",
        &["switched from state", "to CANCELED."],
    ),
    (
        "weir: cluster shrunk (\"Resized the Flink cluster\")",
        &["Resized the Flink cluster"],
    ),
    (
        "weir: old cluster released",
        &["Releasing the Flink cluster"],
    ),
    ("weir: new cluster provisioned", &["Provisioned a Flink"]),
    ("weir: new job submitted", &["Submitted job"]),
    (
        "weir: new job RUNNING",
        &["switched from state", "to RUNNING."],
    ),
    (
        ROLLBACK_DOWN_TO,
        &["status changed from ROLLING_BACK to RUNNING"],
    ),
];
const ROLLBACK_DOWN_FROM: &str = "weir: RUNNING → ROLLING_BACK";
const ROLLBACK_DOWN_TO: &str = "weir: ROLLING_BACK → RUNNING (all tasks RUNNING)";

/// After the StopApplication's own "… operation <id> requested" line.
const STOP_MILESTONES: &[Pattern] = &[
    ("weir: \"Taking snapshot\"", &["Taking snapshot "]),
    (
        "weir: job FINISHED (stopped with the savepoint)",
        &["switched from state", "to FINISHED."],
    ),
    ("weir: snapshot READY", &["Snapshot ", " is READY"]),
    (
        "weir: application READY",
        &["status changed from STOPPING to READY"],
    ),
];

/// After the "Snapshot <name> of application … requested" line.
const SNAPSHOT_MILESTONES: &[Pattern] = &[("weir: snapshot READY", &["Snapshot ", " is READY"])];

// ---------------------------------------------------------------------------
// One run.

/// A timed operation: request sent → the outcome seen by the client, with
/// the milestones of the application log (seconds after the request).
struct Timed {
    secs: f64,
    milestones: Milestones,
}

impl Timed {
    fn at(&self, label: &str) -> Option<f64> {
        self.milestones
            .iter()
            .find(|(l, _)| *l == label)
            .and_then(|(_, v)| *v)
    }

    /// Seconds from milestone `from` to milestone `to`, when both were found.
    fn between(&self, from: &str, to: &str) -> Option<f64> {
        Some(self.at(to)? - self.at(from)?)
    }
}

/// An update or a rollback.
struct Restart {
    timed: Timed,
    /// Parallelism before → after.
    from: u64,
    to: u64,
    /// The operation's final status (DescribeApplicationOperation).
    status: String,
    /// The snapshot the new job was restored from (its "Submitted job … ,
    /// restored from snapshot X" line), and the one the operation took.
    restored_from: Option<String>,
    took: Option<String>,
}

struct Stop {
    /// Until READY and the snapshot READY in ListApplicationSnapshots.
    timed: Timed,
    /// Until DescribeApplication said READY.
    ready_secs: f64,
    /// The system snapshot it took and its status when last listed.
    snapshot: Option<(String, String)>,
}

struct Run {
    snapshot: Timed,
    update: Restart,
    rollback: Restart,
    stop: Stop,
    /// The start after the stop (untimed by the issue): seconds, and the
    /// snapshot it restored.
    start_secs: f64,
    start_restored: Option<String>,
    others: f64,
}

async fn run(args: &StateArgs, setup: &Setup, fleet: &mut Fleet) -> Result<bool> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let timeout = Duration::from_secs(args.timeout);
    println!("weir-bench state");
    setup.print_runtime();
    println!(
        "  job: {} ({RECORDS_PER_SECOND} records/s over {KEYS} keys, a count per key in keyed state, \
         file sink committed on checkpoints; checkpoints every {CHECKPOINT_INTERVAL_MS} ms, min pause {CHECKPOINT_MIN_PAUSE_MS} ms)",
        setup.jar.display()
    );
    println!(
        "  cluster: Task Managers of {} MiB with {} slot(s) each (ParallelismPerKPU {}), a Job Manager of {} MiB",
        args.task_manager_memory_mb,
        args.parallelism_per_kpu,
        args.parallelism_per_kpu,
        args.job_manager_memory_mb
    );
    println!(
        "  machine: {cores} cores, {:.1} GB memory; weir, its JVMs and this benchmark share them",
        mem_total_gb()
    );
    println!(
        "  DescribeApplication / DescribeApplicationSnapshot polled every {} ms, every request SigV4-signed",
        args.poll_ms
    );
    let extra_args = [
        "--task-manager-memory-mb".to_string(),
        args.task_manager_memory_mb.to_string(),
        "--job-manager-memory-mb".to_string(),
        args.job_manager_memory_mb.to_string(),
    ];
    fleet.start_weir(&args.setup.weir_bin, setup, &extra_args)?;
    println!(
        "  weir: pid {} on {}, data in {}",
        fleet.server().pid(),
        fleet.server().addr,
        fleet.data_dir().display()
    );
    let quiet = Duration::from_secs(args.wait_quiet);
    let mut busy_phases = Vec::new();
    fleet
        .quiet_probe(quiet, "starting", "starting", &mut busy_phases)
        .await;
    println!();

    let output = fleet.dir().join("out").join(APP);
    fleet
        .create(APP, &create_body(args, setup, &output))
        .await?;
    let mut client = fleet.client();
    let detail = describe(&mut client, APP).await?;
    let snapshots_enabled = detail["ApplicationConfigurationDescription"]
        ["ApplicationSnapshotConfigurationDescription"]["SnapshotsEnabled"]
        .as_bool();
    if snapshots_enabled != Some(true) {
        bail!(
            "{APP} was created with SnapshotsEnabled {snapshots_enabled:?}, not true (the default)"
        );
    }
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
    println!("RUNNING after {:.2} s", started.secs);
    println!();

    println!(
        "== {} runs: snapshot → update → rollback → stop (with snapshot) → start ==",
        args.runs
    );
    let mut runs = Vec::new();
    for i in 1..=args.runs {
        fleet.wait_quiet(quiet).await;
        print_flush(&format!("run {i}: "));
        let meter = BusyMeter::start(fleet.ours_cpu());
        let snapshot = timed_snapshot(fleet, &format!("bench-run-{i}"), timeout).await?;
        print_flush(&format!("snapshot {:.2} s; ", snapshot.secs));
        let update = timed_update(fleet, timeout).await?;
        print_flush(&format!(
            "update {}→{} {:.2} s (downtime {}); ",
            update.from,
            update.to,
            update.timed.secs,
            secs_or_dash(update.timed.between(UPDATE_DOWN_FROM, UPDATE_DOWN_TO))
        ));
        let rollback = timed_rollback(fleet, timeout).await?;
        print_flush(&format!(
            "rollback {}→{} {:.2} s (downtime {}); ",
            rollback.from,
            rollback.to,
            rollback.timed.secs,
            secs_or_dash(rollback.timed.between(ROLLBACK_DOWN_FROM, ROLLBACK_DOWN_TO))
        ));
        let stop = timed_stop(fleet, timeout).await?;
        print_flush(&format!("stop {:.2} s; ", stop.timed.secs));
        let (start_secs, start_restored) = start_again(fleet, timeout).await?;
        let others = meter.other_cores(fleet.ours_cpu());
        println!("start {start_secs:.2} s; others {others:.2} cores");
        if others > BUSY_CORES {
            busy_phases.push(format!("run {i}: {others:.2} cores"));
        }
        runs.push(Run {
            snapshot,
            update,
            rollback,
            stop,
            start_secs,
            start_restored,
            others,
        });
    }
    // The last committed part files, then the check of the job's output.
    tokio::time::sleep(Duration::from_millis(
        2 * (CHECKPOINT_INTERVAL_MS + CHECKPOINT_MIN_PAUSE_MS),
    ))
    .await;
    let out = check_output(&output);

    // ---------------------------------------------------------------------
    println!();
    println!(
        "== Results ({} on Flink {}, {cores} cores, {} runs, ParallelismPerKPU {}) ==",
        setup.runtime, setup.flink_version, args.runs, args.parallelism_per_kpu
    );
    let mut failed = false;
    let log_source = "weir: the application log via GetLogEvents";

    let secs: Vec<f64> = runs.iter().map(|r| r.snapshot.secs).collect();
    println!(
        "1. snapshot: CreateApplicationSnapshot → DescribeApplicationSnapshot READY: {}",
        figure(&secs)
    );
    print_timeline(
        &runs
            .iter()
            .map(|r| (r.snapshot.secs, &r.snapshot.milestones))
            .collect::<Vec<_>>(),
        "client: READY seen (DescribeApplicationSnapshot)",
        log_source,
    );

    let directions = |list: Vec<&Restart>| {
        let mut d: Vec<String> = list
            .iter()
            .map(|r| format!("{}→{}", r.from, r.to))
            .collect();
        d.dedup();
        d.join(", ")
    };
    let updates: Vec<&Restart> = runs.iter().map(|r| &r.update).collect();
    let update_down: Vec<f64> = updates
        .iter()
        .filter_map(|u| u.timed.between(UPDATE_DOWN_FROM, UPDATE_DOWN_TO))
        .collect();
    println!(
        "2. update: live UpdateApplication of the RUNNING application, parallelism {}",
        directions(updates.clone())
    );
    println!(
        "   downtime (log: \"Taking snapshot\" → \"status changed from UPDATING to RUNNING\"; an upper bound): {}",
        figure(&update_down)
    );
    println!(
        "   whole update (UpdateApplication → DescribeApplication RUNNING): {}",
        figure(&updates.iter().map(|u| u.timed.secs).collect::<Vec<_>>())
    );
    print_timeline(
        &updates
            .iter()
            .map(|u| (u.timed.secs, &u.timed.milestones))
            .collect::<Vec<_>>(),
        "client: RUNNING seen (DescribeApplication)",
        log_source,
    );
    failed |= report_restarts("update", &updates);

    let rollbacks: Vec<&Restart> = runs.iter().map(|r| &r.rollback).collect();
    let rollback_down: Vec<f64> = rollbacks
        .iter()
        .filter_map(|r| r.timed.between(ROLLBACK_DOWN_FROM, ROLLBACK_DOWN_TO))
        .collect();
    let rollback_secs: Vec<f64> = rollbacks.iter().map(|r| r.timed.secs).collect();
    println!(
        "3. rollback: RollbackApplication of the current version, parallelism {}",
        directions(rollbacks.clone())
    );
    println!(
        "   RollbackApplication → DescribeApplication RUNNING: {}",
        figure(&rollback_secs)
    );
    println!(
        "   downtime (log: \"RUNNING to ROLLING_BACK\" → \"ROLLING_BACK to RUNNING\"): {}",
        figure(&rollback_down)
    );
    print_timeline(
        &rollbacks
            .iter()
            .map(|r| (r.timed.secs, &r.timed.milestones))
            .collect::<Vec<_>>(),
        "client: RUNNING seen (DescribeApplication)",
        log_source,
    );
    failed |= report_restarts("rollback", &rollbacks);

    let stop_secs: Vec<f64> = runs.iter().map(|r| r.stop.timed.secs).collect();
    println!(
        "4. stop with snapshot: StopApplication (Force false) → READY and its snapshot READY in ListApplicationSnapshots: {}",
        figure(&stop_secs)
    );
    println!(
        "   of which StopApplication → DescribeApplication READY: {}",
        figure(&runs.iter().map(|r| r.stop.ready_secs).collect::<Vec<_>>())
    );
    print_timeline(
        &runs
            .iter()
            .map(|r| (r.stop.ready_secs, &r.stop.timed.milestones))
            .collect::<Vec<_>>(),
        "client: READY seen (DescribeApplication)",
        log_source,
    );
    let not_ready: Vec<String> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(&r.stop.snapshot, Some((_, s)) if s == "READY"))
        .map(|(i, r)| match &r.stop.snapshot {
            Some((name, status)) => format!("run {}: {name} {status}", i + 1),
            None => format!("run {}: no snapshot of the stop listed", i + 1),
        })
        .collect();
    if not_ready.is_empty() {
        println!("   the stop's system snapshot was READY in every run");
    } else {
        println!(
            "   error: the stop's snapshot was not READY: {}",
            not_ready.join("; ")
        );
        failed = true;
    }

    let restored = runs
        .iter()
        .filter(|r| {
            r.start_restored.is_some()
                && r.start_restored.as_deref() == r.stop.snapshot.as_ref().map(|(n, _)| n.as_str())
        })
        .count();
    println!(
        "start after each stop (not timed by the issue): {}; restored from the stop's snapshot in {restored} of {} runs",
        figure(&runs.iter().map(|r| r.start_secs).collect::<Vec<_>>()),
        runs.len()
    );
    if restored < runs.len() {
        failed = true;
        println!("   error: a start did not restore the snapshot its stop took");
    }
    match &out {
        Ok(o) => {
            println!(
                "state, from the job's committed output ({} lines, {} keys): counts per key reach {}; \
                 restarted from 1: {}; gaps: {}; repeated counts: {} (a rollback replays from the update's snapshot)",
                o.lines,
                o.keys,
                o.max_counts
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join("/"),
                o.resets,
                o.gaps,
                o.repeats
            );
            if o.resets > 0 || o.gaps > 0 || o.lines == 0 {
                println!("   error: the state was not kept across every change");
                failed = true;
            }
        }
        Err(e) => {
            println!("state: could not check the job's output: {e:#}");
            failed = true;
        }
    }
    let others = runs.iter().map(|r| r.others).fold(0.0, f64::max);
    if busy_phases.is_empty() {
        println!(
            "machine load: other processes stayed under {BUSY_CORES} core (at most {others:.2} cores in a run)"
        );
    } else {
        println!(
            "machine load: BUSY — other processes used more than {BUSY_CORES} core: {}; the figures are slower than on a quiet machine",
            busy_phases.join("; ")
        );
    }

    println!();
    println!("Targets ({cores} cores, shared with the benchmark and the JVMs):");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let m = summary(&update_down).1;
    println!(
        "  update downtime ≤ {TARGET_UPDATE_DOWNTIME_S} s: median {m:.2} s — {}",
        verdict(m <= TARGET_UPDATE_DOWNTIME_S)
    );
    let m = summary(&rollback_secs).1;
    println!(
        "  rollback ≤ {TARGET_ROLLBACK_S} s: median {m:.2} s (RollbackApplication → RUNNING; downtime median {:.2} s) — {}",
        summary(&rollback_down).1,
        verdict(m <= TARGET_ROLLBACK_S)
    );
    let m = summary(&stop_secs).1;
    println!(
        "  stop with snapshot ≤ {TARGET_STOP_S} s: median {m:.2} s — {}",
        verdict(m <= TARGET_STOP_S)
    );
    println!("  for scale: the service documents 10-30 s of downtime per update");
    Ok(!failed)
}

/// "median X s (min A, max B; N samples: …)", or a note that there are none.
pub(crate) fn figure(values: &[f64]) -> String {
    if values.is_empty() {
        return "no samples".to_string();
    }
    let (min, med, max) = summary(values);
    format!(
        "median {med:.2} s (min {min:.2}, max {max:.2}; {} samples: {})",
        values.len(),
        samples(values)
    )
}

fn secs_or_dash(v: Option<f64>) -> String {
    v.map_or_else(|| "?".to_string(), |s| format!("{s:.2} s"))
}

/// Prints what went wrong with updates or rollbacks; whether anything did.
fn report_restarts(what: &str, list: &[&Restart]) -> bool {
    let mut failed = false;
    let unsuccessful: Vec<String> = list
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != "SUCCESSFUL")
        .map(|(i, r)| format!("run {}: {}", i + 1, r.status))
        .collect();
    if !unsuccessful.is_empty() {
        println!(
            "   error: the {what} operation did not succeed: {}",
            unsuccessful.join(", ")
        );
        failed = true;
    }
    let restored: Vec<String> = list
        .iter()
        .map(|r| r.restored_from.clone().unwrap_or_else(|| "-".into()))
        .collect();
    let unrestored = list.iter().filter(|r| r.restored_from.is_none()).count();
    if unrestored > 0 {
        println!(
            "   error: the new job of {unrestored} {what}(s) was not restored from a snapshot (restored from: {})",
            restored.join(", ")
        );
        failed = true;
    } else if what == "update" {
        let own = list
            .iter()
            .filter(|r| r.took.is_some() && r.took == r.restored_from)
            .count();
        println!(
            "   the new job was restored from the snapshot the update took in {own} of {} runs",
            list.len()
        );
        failed |= own < list.len();
    } else {
        println!("   the new job was restored from a snapshot every time (the latest READY one: the update's)");
    }
    // The cluster is replaced only when the new parallelism needs another shape.
    let missing = list
        .iter()
        .filter(|r| {
            r.timed
                .milestones
                .iter()
                .any(|(l, v)| v.is_none() && !l.contains("cluster"))
        })
        .count();
    if missing > 0 {
        println!(
            "   note: some log milestones were not found in {missing} sample(s) (see the timeline)"
        );
    }
    let replaced = list
        .iter()
        .filter(|r| r.timed.at("weir: new cluster provisioned").is_some())
        .count();
    println!(
        "   weir replaced the Flink cluster (another shape) in {replaced} of {} {what}s",
        list.len()
    );
    failed
}

// ---------------------------------------------------------------------------
// The operations.

/// CreateApplicationSnapshot, then DescribeApplicationSnapshot until READY.
async fn timed_snapshot(fleet: &Fleet, name: &str, timeout: Duration) -> Result<Timed> {
    let mut client = fleet.client();
    // Connect before the clock starts.
    describe_status(&mut client, APP).await?;
    let body = json!({ "ApplicationName": APP, "SnapshotName": name });
    let wall_ms = unix_ms(SystemTime::now());
    let t0 = Instant::now();
    call(&mut client, "CreateApplicationSnapshot", &body).await?;
    let mut tick = t0;
    let secs = loop {
        let detail = call(&mut client, "DescribeApplicationSnapshot", &body).await?;
        let at = t0.elapsed().as_secs_f64();
        let status = detail["SnapshotDetails"]["SnapshotStatus"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        match status.as_str() {
            "READY" => break at,
            "FAILED" => bail!(
                "snapshot {name} FAILED: {detail}; application log ends:\n{}",
                log_tail(fleet, wall_ms).await
            ),
            _ => {}
        }
        if t0.elapsed() > timeout {
            bail!(
                "snapshot {name} is still {status} after {timeout:?}; application log ends:\n{}",
                log_tail(fleet, wall_ms).await
            );
        }
        tick += fleet.poll();
        tokio::time::sleep_until(tick.into()).await;
    };
    let requested = format!("Snapshot {name} of application {APP} requested");
    let milestones = milestones_after(fleet, &requested, wall_ms, SNAPSHOT_MILESTONES)
        .await
        .map(|(m, _)| m)
        .unwrap_or_else(|e| {
            eprintln!("  (could not read {APP}'s log: {e:#})");
            Vec::new()
        });
    Ok(Timed { secs, milestones })
}

/// UpdateApplication of the running application to the other parallelism.
async fn timed_update(fleet: &Fleet, timeout: Duration) -> Result<Restart> {
    let mut client = fleet.client();
    let detail = describe(&mut client, APP).await?;
    let version = version_of(&detail)?;
    let from = parallelism_of(&detail)?;
    let to = if from == 1 { 2 } else { 1 };
    let body = json!({
        "ApplicationName": APP,
        "CurrentApplicationVersionId": version,
        "ApplicationConfigurationUpdate": {
            "FlinkApplicationConfigurationUpdate": {
                "ParallelismConfigurationUpdate": {
                    "ConfigurationTypeUpdate": "CUSTOM",
                    "ParallelismUpdate": to
                }
            }
        }
    });
    restart(
        fleet,
        &mut client,
        "UpdateApplication",
        &body,
        from,
        UPDATE_MILESTONES,
        timeout,
    )
    .await
}

/// RollbackApplication of the current version.
async fn timed_rollback(fleet: &Fleet, timeout: Duration) -> Result<Restart> {
    let mut client = fleet.client();
    let detail = describe(&mut client, APP).await?;
    let version = version_of(&detail)?;
    let from = parallelism_of(&detail)?;
    let body = json!({ "ApplicationName": APP, "CurrentApplicationVersionId": version });
    restart(
        fleet,
        &mut client,
        "RollbackApplication",
        &body,
        from,
        ROLLBACK_MILESTONES,
        timeout,
    )
    .await
}

/// An update or a rollback, timed to RUNNING, with its log milestones.
async fn restart(
    fleet: &Fleet,
    client: &mut Client,
    operation: &str,
    body: &Value,
    from: u64,
    patterns: &[Pattern],
    timeout: Duration,
) -> Result<Restart> {
    let done = fleet
        .request_until(client, APP, operation, body, "RUNNING", &["READY"], timeout)
        .await?;
    let detail = describe(client, APP).await?;
    let to = parallelism_of(&detail)?;
    let status = operation_status(client, &done.op_id).await?;
    let (milestones, lines) = match milestones_after(
        fleet,
        &format!("operation {} requested", done.op_id),
        done.wall_ms,
        patterns,
    )
    .await
    {
        Ok(found) => found,
        Err(e) => {
            eprintln!("  (could not read {APP}'s log: {e:#})");
            (Vec::new(), Vec::new())
        }
    };
    Ok(Restart {
        timed: Timed {
            secs: done.secs,
            milestones,
        },
        from,
        to,
        status,
        restored_from: restored_snapshot(&lines),
        took: taken_snapshot(&lines),
    })
}

/// StopApplication (with a snapshot) → READY, and its snapshot READY in
/// ListApplicationSnapshots (the clock runs on until both hold).
async fn timed_stop(fleet: &Fleet, timeout: Duration) -> Result<Stop> {
    let mut client = fleet.client();
    describe_status(&mut client, APP).await?;
    let body = json!({ "ApplicationName": APP, "Force": false });
    let done = fleet
        .request_until(
            &mut client,
            APP,
            "StopApplication",
            &body,
            "READY",
            &[],
            timeout,
        )
        .await?;
    let mut tick = Instant::now();
    let (secs, snapshot) = loop {
        let listed = list_snapshots(&mut client).await?;
        let at = done.t0.elapsed().as_secs_f64();
        // System snapshots are named weir-system-<time>-<operation id>.
        let mine = listed.iter().find(|s| {
            s["SnapshotName"]
                .as_str()
                .is_some_and(|n| !done.op_id.is_empty() && n.ends_with(&done.op_id))
        });
        let snapshot = mine.map(|s| {
            (
                s["SnapshotName"].as_str().unwrap_or_default().to_string(),
                s["SnapshotStatus"].as_str().unwrap_or("?").to_string(),
            )
        });
        let settled = matches!(&snapshot, Some((_, s)) if s == "READY" || s == "FAILED");
        if settled || done.t0.elapsed() > timeout {
            break (at, snapshot);
        }
        tick += fleet.poll();
        tokio::time::sleep_until(tick.into()).await;
    };
    let milestones = milestones_after(
        fleet,
        &format!("operation {} requested", done.op_id),
        done.wall_ms,
        STOP_MILESTONES,
    )
    .await
    .map(|(m, _)| m)
    .unwrap_or_else(|e| {
        eprintln!("  (could not read {APP}'s log: {e:#})");
        Vec::new()
    });
    Ok(Stop {
        timed: Timed { secs, milestones },
        ready_secs: done.secs,
        snapshot,
    })
}

/// StartApplication → RUNNING; the seconds and the snapshot it restored.
async fn start_again(fleet: &Fleet, timeout: Duration) -> Result<(f64, Option<String>)> {
    let mut client = fleet.client();
    let done = fleet
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
    let restored = milestones_after(
        fleet,
        &format!("operation {} requested", done.op_id),
        done.wall_ms,
        &[],
    )
    .await
    .ok()
    .and_then(|(_, lines)| restored_snapshot(&lines));
    Ok((done.secs, restored))
}

// ---------------------------------------------------------------------------
// Reading the application and its log.

fn version_of(detail: &Value) -> Result<u64> {
    detail["ApplicationVersionId"]
        .as_u64()
        .context("DescribeApplication without ApplicationVersionId")
}

pub(crate) fn parallelism_of(detail: &Value) -> Result<u64> {
    let p = &detail["ApplicationConfigurationDescription"]
        ["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"];
    p["CurrentParallelism"]
        .as_u64()
        .or_else(|| p["Parallelism"].as_u64())
        .context("DescribeApplication without ParallelismConfigurationDescription")
}

async fn operation_status(client: &mut Client, op_id: &str) -> Result<String> {
    let op = call(
        client,
        "DescribeApplicationOperation",
        &json!({ "ApplicationName": APP, "OperationId": op_id }),
    )
    .await?;
    Ok(op["ApplicationOperationInfoDetails"]["OperationStatus"]
        .as_str()
        .unwrap_or("?")
        .to_string())
}

/// Every snapshot of the application (ListApplicationSnapshots, every page).
async fn list_snapshots(client: &mut Client) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let mut body = json!({ "ApplicationName": APP, "Limit": 50 });
        if let Some(t) = &token {
            body["NextToken"] = t.clone().into();
        }
        let page = call(client, "ListApplicationSnapshots", &body).await?;
        all.extend(
            page["SnapshotSummaries"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        token = page["NextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(all)
}

/// The application log from the line containing `first` (written at or
/// after `wall_ms`, give or take the clock's granularity) on, and
/// `patterns` found in order in it, as seconds after `wall_ms`.
async fn milestones_after(
    fleet: &Fleet,
    first: &str,
    wall_ms: i64,
    patterns: &[Pattern],
) -> Result<(Milestones, Vec<LogLine>)> {
    let mut lines = log_events(&mut fleet.logs_client(), APP, wall_ms - 2_000).await?;
    let Some(start) = find_line(&lines, 0, &[first]) else {
        bail!("no \"{first}\" line");
    };
    lines.drain(..start);
    let mut found = vec![(
        "weir: request recorded",
        Some((lines[0].ms - wall_ms) as f64 / 1e3),
    )];
    found.extend(milestones_in_order(&lines, 0, patterns, wall_ms));
    Ok((found, lines))
}

/// X of the first "Submitted job … , restored from snapshot X" line.
fn restored_snapshot(lines: &[LogLine]) -> Option<String> {
    let i = find_line(lines, 0, &["Submitted job"])?;
    let (_, rest) = lines[i].message.split_once("restored from snapshot ")?;
    Some(rest.trim().to_string())
}

/// X of the first "Taking snapshot X of application …" line.
fn taken_snapshot(lines: &[LogLine]) -> Option<String> {
    let i = find_line(lines, 0, &["Taking snapshot "])?;
    let (_, rest) = lines[i].message.split_once("Taking snapshot ")?;
    rest.split_whitespace().next().map(str::to_string)
}

async fn log_tail(fleet: &Fleet, since_ms: i64) -> String {
    match log_events(&mut fleet.logs_client(), APP, since_ms - 2_000).await {
        Ok(lines) => lines[lines.len().saturating_sub(12)..]
            .iter()
            .map(|l| format!("  {}", l.message))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("{e:#}"),
    }
}

// ---------------------------------------------------------------------------
// The job's output.

/// What the committed output says about the state: per key, the counts
/// `key,count,n` must form 1, 2, 3, … (a restore may repeat some: a rollback
/// goes back to an older snapshot), never start at 1 again, never skip one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OutputCheck {
    pub lines: usize,
    pub keys: usize,
    /// The highest count of each key, by key.
    pub max_counts: Vec<u64>,
    /// Times a key's count started at 1 again.
    pub resets: usize,
    /// Counts missing below a key's highest one.
    pub gaps: u64,
    /// Counts seen more than once.
    pub repeats: usize,
}

/// Reads the committed part files (in-progress ones are hidden, `.`-named).
pub(crate) fn check_output(dir: &Path) -> Result<OutputCheck> {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        if path.is_file() && !hidden {
            text.push_str(&std::fs::read_to_string(&path)?);
            text.push('\n');
        }
    }
    counts_check(&text)
}

fn counts_check(text: &str) -> Result<OutputCheck> {
    let mut per_key: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split(',');
        let (Some(key), Some(count)) = (fields.next(), fields.next()) else {
            bail!("an output line that is not key,count,n: {line:?}");
        };
        let key: u64 = key.trim().parse().with_context(|| format!("{line:?}"))?;
        let count: u64 = count.trim().parse().with_context(|| format!("{line:?}"))?;
        per_key.entry(key).or_default().push(count);
        lines += 1;
    }
    let mut check = OutputCheck {
        lines,
        keys: per_key.len(),
        max_counts: Vec::new(),
        resets: 0,
        gaps: 0,
        repeats: 0,
    };
    for counts in per_key.values_mut() {
        counts.sort_unstable();
        let ones = counts.iter().filter(|&&c| c == 1).count();
        check.resets += ones.saturating_sub(1);
        let all = counts.len();
        counts.dedup();
        check.repeats += all - counts.len();
        let max = counts.last().copied().unwrap_or(0);
        check.max_counts.push(max);
        check.gaps += max - counts.len() as u64;
    }
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_counts_tell_kept_lost_and_replayed_state() {
        let kept = counts_check("0,1,0\n1,1,1\n0,2,2\n1,2,3\n0,3,4\n").unwrap();
        assert_eq!(
            kept,
            OutputCheck {
                lines: 5,
                keys: 2,
                max_counts: vec![3, 2],
                resets: 0,
                gaps: 0,
                repeats: 0
            }
        );
        // Replayed from an older snapshot: repeats, nothing lost.
        let replayed = counts_check("0,1,0\n0,2,1\n0,2,1\n0,3,2\n").unwrap();
        assert_eq!(
            (replayed.resets, replayed.gaps, replayed.repeats),
            (0, 0, 1)
        );
        // Lost: the count starts again at 1; skipped: 2 is missing.
        let lost = counts_check("0,1,0\n0,2,1\n0,1,2\n").unwrap();
        assert_eq!((lost.resets, lost.repeats), (1, 1));
        let skipped = counts_check("0,1,0\n0,3,2\n").unwrap();
        assert_eq!(skipped.gaps, 1);
        assert!(counts_check("nonsense\n").is_err());
    }

    #[test]
    fn snapshot_names_from_the_log() {
        let line = |m: &str| LogLine {
            ms: 0,
            message: m.to_string(),
        };
        let lines = [
            line("Taking snapshot weir-system-1-abc of application a and stopping job j"),
            line("Submitted job streaming-count (j2) of version 3 with parallelism 2, restored from snapshot weir-system-1-abc"),
        ];
        assert_eq!(taken_snapshot(&lines).as_deref(), Some("weir-system-1-abc"));
        assert_eq!(
            restored_snapshot(&lines).as_deref(),
            Some("weir-system-1-abc")
        );
        let fresh = [line(
            "Submitted job streaming-count (j) of version 1 with parallelism 1",
        )];
        assert_eq!(restored_snapshot(&fresh), None);
    }
}

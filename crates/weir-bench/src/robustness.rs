//! `weir-bench robustness` (run by `scripts/bench robustness`): issue 7's
//! report in one command. First the model-driven random API client
//! (`fuzz_run.rs`, no Flink), then the chaos run on real Flink (the ignored
//! `long_run` test of `crates/weir/tests/flink_chaos.rs`, run through
//! `cargo test` as `scripts/bench chaos` runs it, which hands its figures
//! over as JSON in the file `WEIR_CHAOS_SUMMARY` names); then one report:
//! crash points tried, applications and jobs checked, records lost, stray
//! processes, restarts avoided by adoption, recovery time (median, worst),
//! fuzz requests sent (and how they were answered) and failures found.
//! Exits non-zero when a record was lost, a process was left stray, the fuzz
//! run found a failure, or the chaos run found a violation or did not end.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;
use weir_test_support::fuzz;

use crate::fuzz_run;

#[derive(clap::Args, Debug)]
pub struct RobustnessArgs {
    /// The weir binary (for the fuzz run; the chaos run builds its own).
    #[arg(long, default_value = "target/release/weir")]
    weir_bin: PathBuf,
    /// Crash points of the chaos run (0: no chaos run).
    #[arg(long, default_value_t = 100)]
    points: u32,
    /// Requests of the fuzz run (0: no fuzz run).
    #[arg(long, default_value_t = 100_000)]
    requests: u64,
    /// The seed of both runs (default: from the clock; printed, so a run replays).
    #[arg(long)]
    seed: Option<u64>,
    /// Also crash points inside autoscaling decisions (a third application).
    #[arg(long)]
    autoscaling: bool,
    /// The latest kill after an operation's acknowledgement (default 3000).
    #[arg(long)]
    max_delay_ms: Option<u64>,
    /// Only these kinds of crash point (Start,Stop,ForceStop,Update,Rollback,
    /// Snapshot,DeleteRunning,DeleteStopped,Autoscale).
    #[arg(long)]
    ops: Option<String>,
    /// Never send fuzz bodies above the server's 72 MiB limit.
    #[arg(long)]
    no_oversized: bool,
}

/// What the chaos run handed over, and how it ended.
struct ChaosOutcome {
    summary: Option<Value>,
    exit: Option<i32>,
    took: Duration,
}

pub fn main(args: &RobustnessArgs) -> Result<bool> {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    println!(
        "weir-bench robustness: seed {seed}, {} fuzz requests, then {} crash points{}",
        args.requests,
        args.points,
        if args.autoscaling {
            " (with autoscaling)"
        } else {
            ""
        }
    );
    let fuzz = if args.requests > 0 {
        println!("\n== fuzz: the model-driven random API client (no Flink)");
        let started = Instant::now();
        let report = fuzz_run::run(&fuzz_run::Run {
            weir_bin: args.weir_bin.clone(),
            requests: args.requests,
            seed: Some(seed),
            oversized: !args.no_oversized,
            keep: false,
        })?;
        Some((report, started.elapsed()))
    } else {
        None
    };
    let chaos = if args.points > 0 {
        println!("\n== chaos: weir SIGKILLed inside operations on real Flink");
        Some(run_chaos(args, seed)?)
    } else {
        None
    };
    let (text, ok) = render(args, seed, fuzz.as_ref(), chaos.as_ref());
    println!("\n{text}");
    Ok(ok)
}

/// Runs the chaos engine's long run as `scripts/bench chaos` does, its
/// output passed through, and reads the summary it writes.
fn run_chaos(args: &RobustnessArgs, seed: u64) -> Result<ChaosOutcome> {
    let dir = tempfile::Builder::new()
        .prefix("weir-bench-robustness-")
        .tempdir()?;
    let summary_path = dir.path().join("chaos.json");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "test",
        "-p",
        "weir",
        "--test",
        "flink_chaos",
        "--",
        "--ignored",
        "--exact",
        "long_run",
        "--nocapture",
    ])
    .env("WEIR_CHAOS_POINTS", args.points.to_string())
    .env("WEIR_CHAOS_SEED", seed.to_string())
    .env("WEIR_CHAOS_SUMMARY", &summary_path);
    if args.autoscaling {
        cmd.env("WEIR_CHAOS_AUTOSCALING", "1");
    }
    if let Some(ms) = args.max_delay_ms {
        cmd.env("WEIR_CHAOS_MAX_DELAY_MS", ms.to_string());
    }
    if let Some(ops) = &args.ops {
        cmd.env("WEIR_CHAOS_OPS", ops);
    }
    let started = Instant::now();
    let status = cmd
        .status()
        .context("running `cargo test -p weir --test flink_chaos` (the chaos run)")?;
    let summary = std::fs::read_to_string(&summary_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    Ok(ChaosOutcome {
        summary,
        exit: status.code(),
        took: started.elapsed(),
    })
}

fn num(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

/// The combined report and whether the run passed.
fn render(
    args: &RobustnessArgs,
    seed: u64,
    fuzz: Option<&(fuzz::Report, Duration)>,
    chaos: Option<&ChaosOutcome>,
) -> (String, bool) {
    let mut out = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    out.push(format!("robustness report (seed {seed})"));
    match chaos {
        None => out.push("  chaos run:                     not run (--points 0)".into()),
        Some(c) => match &c.summary {
            None => {
                out.push(format!(
                    "  chaos run:                     no figures (it ended before its first point; exit {:?})",
                    c.exit
                ));
                problems.push("the chaos run handed over no figures".into());
            }
            Some(s) => {
                let total = num(s, "points_total");
                let by_op: Vec<String> = s["points"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(op, n)| format!("{op} {n}"))
                    .collect();
                out.push(format!(
                    "  crash points tried:            {total} of {} ({})",
                    num(s, "planned"),
                    by_op.join(", ")
                ));
                out.push(format!(
                    "  applications checked:          {}",
                    num(s, "apps_checked")
                ));
                out.push(format!(
                    "  jobs checked:                  {}",
                    num(s, "jobs_checked")
                ));
                let lost = num(s, "records_lost");
                out.push(format!(
                    "  records lost:                  {lost} of {} checked (must be 0)",
                    num(s, "records_checked")
                ));
                let strays = num(s, "stray_processes");
                out.push(format!(
                    "  stray processes:               {strays} (must be 0)"
                ));
                out.push(format!(
                    "  restarts avoided by adoption:  {} (jobs restarted instead: {})",
                    num(s, "adopted"),
                    num(s, "restarted")
                ));
                out.push(format!(
                    "  interrupted operations:        {} SUCCESSFUL, {} FAILED; found mid-way on restart {}, killed again mid-recovery {}",
                    num(s, "ops_successful"),
                    num(s, "ops_failed"),
                    num(s, "mid_way"),
                    num(s, "double_kills")
                ));
                let mut rec: Vec<u64> = s["recoveries_ms"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .collect();
                rec.sort_unstable();
                if rec.is_empty() {
                    out.push("  recovery (restart → converged): no recoveries".into());
                } else {
                    let target = num(s, "recovery_target_ms");
                    let over = rec.iter().filter(|ms| **ms > target).count();
                    out.push(format!(
                        "  recovery (restart → converged): median {:.1} s, worst {:.1} s ({} recoveries, {over} over {} s)",
                        rec[rec.len() / 2] as f64 / 1000.0,
                        *rec.last().expect("not empty") as f64 / 1000.0,
                        rec.len(),
                        target / 1000
                    ));
                }
                let violations: Vec<&str> = s["violations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                out.push(format!(
                    "  chaos violations:              {}",
                    violations.len()
                ));
                for v in violations.iter().take(20) {
                    out.push(format!("    - {v}"));
                }
                if lost > 0 {
                    problems.push(format!("{lost} records lost"));
                }
                if strays > 0 {
                    problems.push(format!("{strays} stray processes"));
                }
                if !violations.is_empty() {
                    problems.push(format!("{} chaos violations", violations.len()));
                }
                if s["completed"] != Value::Bool(true) {
                    problems.push(format!(
                        "the chaos run ended after {total} of {} points",
                        num(s, "planned")
                    ));
                } else if c.exit != Some(0) && violations.is_empty() && lost == 0 && strays == 0 {
                    problems.push(format!("the chaos run exited with {:?}", c.exit));
                }
            }
        },
    }
    match fuzz {
        None => out.push("  fuzz run:                      not run (--requests 0)".into()),
        Some((r, _)) => {
            out.push(format!(
                "  fuzz requests sent:            {} ({} distinct operations, {} applications at the end)",
                r.sent,
                r.by_operation.len(),
                r.applications_at_end
            ));
            for line in r.split_lines().iter().take(2) {
                out.push(format!("    {line}"));
            }
            out.push(format!(
                "  fuzz failures found:           {} (must be 0)",
                r.failures.len()
            ));
            for f in r.failures.iter().take(10) {
                out.push(format!("    #{}: {}", f.index, f.what));
            }
            if !r.failures.is_empty() {
                problems.push(format!("{} fuzz failures", r.failures.len()));
            }
        }
    }
    let mut took = Vec::new();
    if let Some((_, d)) = fuzz {
        took.push(format!("fuzz {:.0} s", d.as_secs_f64()));
    }
    if let Some(c) = chaos {
        took.push(format!("chaos {:.0} s", c.took.as_secs_f64()));
    }
    if !took.is_empty() {
        out.push(format!(
            "  time:                          {}",
            took.join(", ")
        ));
    }
    let ok = problems.is_empty();
    if ok {
        out.push("  verdict:                       PASS".into());
    } else {
        out.push(format!(
            "  verdict:                       FAIL ({})",
            problems.join("; ")
        ));
    }
    let mut replay = format!(
        "  replay: scripts/bench robustness --points {} --requests {} --seed {seed}",
        args.points, args.requests
    );
    if args.autoscaling {
        replay.push_str(" --autoscaling");
    }
    if let Some(ms) = args.max_delay_ms {
        replay.push_str(&format!(" --max-delay-ms {ms}"));
    }
    if let Some(ops) = &args.ops {
        replay.push_str(&format!(" --ops {ops}"));
    }
    out.push(replay);
    (out.join("\n"), ok)
}

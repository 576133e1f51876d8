//! Chaos on real Apache Flink (issue 7): Weir SIGKILLed at a random moment
//! inside each operation (Start, Stop, Force stop, a live Update, Rollback,
//! Snapshot, Delete of a running and of a stopped application) and started
//! again on the same data directory; then every application must converge to
//! a steady status consistent with what was acknowledged, with no record
//! lost, running jobs adopted, no stray JVM and no operation IN_PROGRESS.
//! The engine is `chaos_engine/`.
//!
//! - `one_crash_point_per_operation` (CI): one point per operation, one
//!   server and two applications of one Task Manager each; a few minutes.
//! - `long_run` (ignored): `WEIR_CHAOS_POINTS` random points (default 100),
//!   then the report; `scripts/bench chaos --points N` runs it, and
//!   `scripts/bench robustness` too, which reads its figures from the JSON
//!   summary it writes after every point to the file `WEIR_CHAOS_SUMMARY`
//!   names.
//!
//! A killed Weir is sometimes killed again while it recovers (in CI: the
//! update and the start; in the long run a quarter of the points).
//! Both print their seed; `WEIR_CHAOS_SEED` replays a run. The kill comes
//! 0..`WEIR_CHAOS_MAX_DELAY_MS` (default 3000) ms after the acknowledgement.
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`.

mod chaos_engine;
mod flink_harness;

use std::time::Duration;

use chaos_engine::*;

fn max_delay() -> Duration {
    Duration::from_millis(
        std::env::var("WEIR_CHAOS_MAX_DELAY_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000),
    )
}

#[tokio::test]
async fn one_crash_point_per_operation() {
    // Includes a Rollback killed 143 ms after its acknowledgement, which
    // once left a job submitted but unrecorded (see LocalRuntime::submit).
    let seed = seed_or(Some(1_795_698_283_921_725_054));
    eprintln!("chaos: seed {seed} (WEIR_CHAOS_SEED={seed} replays it)");
    let mut chaos = Chaos::new(seed, max_delay(), false).await;
    // In an order that needs few JVM starts between the points; the update
    // and the start are killed twice (again while Weir recovers them).
    for (op, twice) in [
        (Op::Snapshot, false),
        (Op::Update, true),
        (Op::Rollback, false),
        (Op::Stop, false),
        (Op::Start, true),
        (Op::ForceStop, false),
        (Op::DeleteStopped, false),
        (Op::DeleteRunning, false),
    ] {
        chaos.point(op, twice).await;
    }
    let report = chaos.report.render();
    eprintln!("{report}");
    chaos.report.assert_clean();
}

#[tokio::test]
#[ignore = "the long run: scripts/bench chaos --points N"]
async fn long_run() {
    let seed = seed_or(None);
    let points: u32 = std::env::var("WEIR_CHAOS_POINTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    eprintln!("chaos: seed {seed}, {points} points (WEIR_CHAOS_SEED={seed} replays it)");
    let autoscaling = std::env::var("WEIR_CHAOS_AUTOSCALING").is_ok_and(|v| v == "1");
    let mut chaos = Chaos::new(seed, max_delay(), autoscaling).await;
    chaos.report.write_summary(points, false);
    for _ in 0..points {
        let op = chaos.random_op();
        chaos.random_point(op).await;
        chaos.report.write_summary(points, false);
    }
    chaos.report.write_summary(points, true);
    let report = chaos.report.render();
    println!("{report}");
    chaos.report.assert_clean();
}

//! End-to-end tests with real Apache Flink for issue 5: autoscaling. The
//! `load-control` example job is stateful (keyed counts, like
//! `streaming-count`) and its load is switched at run time through a control
//! file: `idle`, `cpu` (each record burns CPU) or `slow` (each record sleeps:
//! busy and back-pressured, but not CPU-bound). The server runs with windows
//! of seconds instead of the service's minutes and hours.
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`.

mod flink_harness;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::types::OperationStatus;
use flink_harness::*;

/// Each key's counts 1..=max with no gap and no reset (duplicates allowed:
/// an in-place rescale restores the latest checkpoint).
fn assert_counts_continue(dir: &Path) -> u64 {
    let mut by_key: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in part_lines(dir) {
        let cols: Vec<&str> = line.split(',').collect();
        by_key
            .entry(cols[0].to_string())
            .or_default()
            .push(cols[1].parse().expect("count"));
    }
    assert!(!by_key.is_empty(), "no output in {}", dir.display());
    let mut total = 0;
    for (key, mut counts) in by_key {
        counts.sort_unstable();
        assert_eq!(
            counts.iter().filter(|c| **c == 1).count(),
            1,
            "key {key} was reset"
        );
        counts.dedup();
        let max = *counts.last().unwrap();
        assert_eq!(counts.len() as u64, max, "key {key}: a gap in its counts");
        total += max;
    }
    total
}

async fn wait_output_beyond(f: &Flink, app: &str, dir: &Path, past: u64) -> u64 {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        if !part_lines(dir).is_empty() {
            let total = assert_counts_continue(dir);
            if total > past {
                return total;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no output beyond {past} in {}\n{}",
            dir.display(),
            f.diagnosis(app).await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn cpu_load_scales_up_to_the_kpu_limit_and_back_down_to_the_configured_parallelism() {
    let f = Flink::start_with_args(&[FLINK_1_20], AUTOSCALE_FAST).await;
    let app = "cpu-bound";
    let out = f.out_dir(app);
    let control = f.weir.root().join("control").join(app);
    f.create(&load_app(app, &out, &control, Some("cpu"))).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let seen = wait_output_beyond(&f, app, &out, 0).await;

    // CPU-bound: doubled to 2 (in place), the figures in the log.
    set_load(&control, "cpu");
    let statuses = wait_parallelism(&f, app, 2).await;
    assert!(statuses.contains(&s("AUTOSCALING")), "{statuses:?}");
    assert_eq!(
        f.task_manager_pids(app).len(),
        2,
        "one Task Manager per KPU"
    );
    let ops = autoscale_ops(&f, app).await;
    assert_eq!(ops.len(), 1, "{ops:?}");
    f.assert_operation(app, &ops[0].0, OperationStatus::Successful)
        .await;
    let log = f.log(app).await;
    assert!(
        log.iter()
            .any(|l| l.contains("cpu policy: CPU utilization at or above 75 %")),
        "{log:#?}"
    );
    // In place: the same job, rescaled by Flink, never submitted again.
    assert!(
        log.iter().any(|l| l.contains("in place to parallelism 2")),
        "{log:#?}"
    );
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("Submitted job "))
            .count(),
        1,
        "{log:#?}"
    );
    let after_up = wait_output_beyond(&f, app, &out, seen).await;

    // Still CPU-bound, but 2 KPUs is the limit: no further scaling.
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(current_parallelism(&f, app).await, 2);
    assert_eq!(autoscale_ops(&f, app).await.len(), 1);

    // Idle: halved, to the configured parallelism and never below.
    set_load(&control, "idle");
    wait_parallelism(&f, app, 1).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while f.task_manager_pids(app).len() != 1 {
        assert!(
            Instant::now() < deadline,
            "the spare Task Manager was not released"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    wait_output_beyond(&f, app, &out, after_up).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(
        current_parallelism(&f, app).await,
        1,
        "never below Parallelism"
    );
    assert_eq!(autoscale_ops(&f, app).await.len(), 2);
    assert_counts_continue(&out);
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_no_jvms(app).await;
}

#[tokio::test]
async fn autoscaling_refuses_a_normal_stop_and_takes_a_forced_one() {
    // Snapshot-restart rescaling (no in-place) lasts long enough to be seen.
    let mut args = AUTOSCALE_FAST.to_vec();
    args.push("--autoscale-no-in-place");
    let f = Flink::start_with_args(&[FLINK_1_20], &args).await;
    let app = "scaling";
    let out = f.out_dir(app);
    let control = f.weir.root().join("control").join(app);
    f.create(&load_app(app, &out, &control, Some("cpu"))).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    wait_output_beyond(&f, app, &out, 0).await;
    set_load(&control, "cpu");
    f.wait_status(app, s("AUTOSCALING"), &[s("READY")], SCALE_TIMEOUT)
        .await;
    let refused = f
        .client
        .stop_application()
        .application_name(app)
        .send()
        .await
        .expect_err("a normal stop while AUTOSCALING");
    assert_eq!(
        refused.code(),
        Some("ResourceInUseException"),
        "{refused:?}"
    );
    let refused = f
        .client
        .create_application_snapshot()
        .application_name(app)
        .snapshot_name("during")
        .send()
        .await
        .expect_err("a snapshot while AUTOSCALING");
    assert_eq!(
        refused.code(),
        Some("ResourceInUseException"),
        "{refused:?}"
    );
    let force = f.stop_app(app, true).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(app, &force, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(app).await;
}

#[tokio::test]
async fn the_busy_policy_scales_a_back_pressured_job_the_cpu_rule_would_not() {
    let f = Flink::start_with_args(&[FLINK_1_20], AUTOSCALE_FAST).await;
    let app = "slow-sink";
    let out = f.out_dir(app);
    let control = f.weir.root().join("control").join(app);
    f.create(&load_app(app, &out, &control, Some("busy"))).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let seen = wait_output_beyond(&f, app, &out, 0).await;
    set_load(&control, "slow");
    wait_parallelism(&f, app, 2).await;
    let log = f.log(app).await;
    let decision = log
        .iter()
        .find(|l| l.contains("busy policy:"))
        .unwrap_or_else(|| panic!("no busy-policy decision in {log:#?}"));
    assert!(decision.contains("busiest vertex was busy"), "{decision}");
    wait_output_beyond(&f, app, &out, seen).await;
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
}

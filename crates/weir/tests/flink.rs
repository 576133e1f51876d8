//! End-to-end tests with real Apache Flink (issue 3): the real `weir`
//! binary, the official `aws-sdk-kinesisanalyticsv2` and
//! `aws-sdk-cloudwatchlogs` clients, and the example jobs of `examples/`
//! running on a Flink cluster of Job Manager and Task Manager JVMs.
//!
//! Prerequisites (made by `scripts/setup-test-env.sh`, which `scripts/test`
//! runs): the Flink runtimes installed in `$WEIR_RUNTIMES_DIR` (default
//! `~/.cache/weir/runtimes`) and the example jars in
//! `$WEIR_EXAMPLES_DIR/<flink-version>/` (default `<repo>/target/examples`).
//! A missing prerequisite fails the test with a message saying so; nothing is
//! skipped and nothing is downloaded.
//!
//! Each JVM takes 0.5–1 GiB, so the tests run one at a time: the nextest
//! test group `flink` (`.config/nextest.toml`) gives this binary one thread,
//! and [`SERIAL`] does the same under `cargo test`. Timeouts are generous:
//! the tests assert behaviour, never speed. A test leaves no process behind,
//! even when it fails: dropping its [`Weir`] kills the server and every
//! process whose command line names the test's directory.

mod flink_harness;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::types::OperationStatus;
use flink_harness::*;
use weir_test_support::process::*;
use weir_test_support::server::*;
// ---------------------------------------------------------------------------
// 1. Streaming job: the whole lifecycle
// ---------------------------------------------------------------------------

async fn streaming_lifecycle(rt: Rt, via_s3: bool) {
    let f = Flink::start(&[rt]).await;
    let app = "streaming";
    let out = f.out_dir(app);
    let tag = format!("tag-{}", rt.version);
    // Properties: the sink's path and tag; the run options: the entry
    // class and program arguments (3 keys instead of 10).
    let mut spec = App::new(app, rt, "streaming-count")
        .group(
            "SinkConfig",
            &[("output.path", &out.display().to_string()), ("tag", &tag)],
        )
        .group("SourceConfig", &[("records.per.second", RATE)])
        .group(
            "kinesis.analytics.flink.run.options",
            &[
                ("entryClass", "weir.examples.StreamingCount"),
                ("programArgs", "--keys 3"),
            ],
        );
    spec.via_s3 = via_s3;
    f.create(&spec).await;

    let start = f.start_app(app).await;
    assert_eq!(f.status(app).await, s("STARTING"));
    f.assert_operation(app, &start, OperationStatus::InProgress)
        .await;
    f.wait_running_after(app, &start).await;

    // The job is RUNNING, as Flink phrases it, read with the Logs client.
    let log = f
        .wait_log(
            app,
            "the job switching from CREATED to RUNNING",
            |log| has_transition(log, "streaming-count", "CREATED", "RUNNING"),
            EVENT_TIMEOUT,
        )
        .await;
    assert!(
        log.iter()
            .any(|l| l == "Application streaming status changed from STARTING to RUNNING"),
        "{log:#?}"
    );
    // Weir's line once (the Job Manager's own may be shipped beside it).
    let filtered = weir_lines(
        f.filter_log(app, "\"switched from state CREATED to RUNNING\"")
            .await,
    );
    assert!(
        filtered.len() == 1
            && job_transition(&filtered[0], "streaming-count", "CREATED", "RUNNING").is_some(),
        "FilterLogEvents: {filtered:#?}"
    );
    // Each event is the service's JSON record.
    let records = f.log_records(app).await;
    let record = records
        .iter()
        .find(|r| {
            r["message"].as_str().is_some_and(|m| {
                job_transition(m, "streaming-count", "CREATED", "RUNNING").is_some()
            })
        })
        .expect("the job's CREATED to RUNNING record");
    assert_eq!(
        record["applicationARN"],
        format!("arn:aws:kinesisanalytics:{REGION}:{ACCOUNT_ID}:application/{app}"),
        "{record}"
    );
    assert_eq!(record["applicationVersionId"], "1", "{record}");
    assert_eq!(record["messageType"], "INFO", "{record}");
    assert!(
        record["logger"].is_string() && record["threadName"].is_string(),
        "{record}"
    );
    // The group and stream are listed.
    let group = format!("/aws/kinesis-analytics/{app}");
    let groups = f
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&group)
        .send()
        .await
        .expect("DescribeLogGroups");
    let names: Vec<&str> = groups
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .collect();
    assert_eq!(names, [group.as_str()], "{groups:?}");
    let streams = f
        .logs
        .describe_log_streams()
        .log_group_name(&group)
        .send()
        .await
        .expect("DescribeLogStreams");
    let names: Vec<&str> = streams
        .log_streams()
        .iter()
        .filter_map(|s| s.log_stream_name())
        .collect();
    assert_eq!(names, ["kinesis-analytics-log-stream"], "{streams:?}");

    // Part files appear where the environment properties say, with the tag
    // the properties set (the properties reached the job), and only the
    // keys 0-2 the program arguments ask for (so did they).
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let lines = loop {
        let lines = part_lines(&out);
        if !lines.is_empty() {
            break lines;
        }
        if Instant::now() > deadline {
            panic!(
                "no part file in {} (the job's output.path)\n{}",
                out.display(),
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    for line in &lines {
        let cols: Vec<&str> = line.split(',').collect();
        assert!(
            cols.len() == 4 && cols[..3].iter().all(|c| c.parse::<u64>().is_ok()),
            "not `key,count,n,tag`: {line:?}"
        );
        assert_eq!(cols[3], tag, "{line:?}");
        assert!(
            ["0", "1", "2"].contains(&cols[0]),
            "key beyond --keys 3: {line:?}"
        );
    }

    // Stop: STOPPING → READY, the job cancelled, no JVM left.
    let stop = f.stop_app(app, false).await;
    let seen = f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    assert_eq!(seen.first(), Some(&s("STOPPING")), "{seen:?}");
    f.assert_operation(app, &stop, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(app).await;
    let log = f.log(app).await;
    assert!(
        log.iter()
            .any(|l| l.starts_with("Job streaming-count (") && l.ends_with(" to FINISHED.")),
        "the job's stop-with-savepoint is not in the log: {log:#?}"
    );
    // Snapshots are on by default: the stop took one, catalogued READY.
    let snaps = f
        .client
        .list_application_snapshots()
        .application_name(app)
        .send()
        .await
        .expect("ListApplicationSnapshots");
    let snaps = snaps.snapshot_summaries();
    assert!(
        snaps.len() == 1 && snaps[0].snapshot_status().as_str() == "READY",
        "{snaps:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l == "Application streaming status changed from STOPPING to READY"),
        "{log:#?}"
    );
    assert_plausible_job_lines(&log, "streaming-count");
    let ops = f
        .client
        .list_application_operations()
        .application_name(app)
        .send()
        .await
        .expect("ListApplicationOperations");
    let mut listed: Vec<(String, String, String)> = ops
        .application_operation_info_list()
        .iter()
        .map(|o| {
            (
                o.operation().unwrap_or_default().to_string(),
                o.operation_id().unwrap_or_default().to_string(),
                o.operation_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            (
                "StartApplication".to_string(),
                start,
                "SUCCESSFUL".to_string()
            ),
            (
                "StopApplication".to_string(),
                stop,
                "SUCCESSFUL".to_string()
            ),
        ],
        "{ops:?}"
    );
}

#[tokio::test]
async fn streaming_job_lifecycle_flink_1_20() {
    streaming_lifecycle(FLINK_1_20, true).await;
}

#[tokio::test]
async fn streaming_job_lifecycle_flink_2_2() {
    streaming_lifecycle(FLINK_2_2, false).await;
}

// ---------------------------------------------------------------------------
// 2. Batch job: back to READY by itself
// ---------------------------------------------------------------------------

async fn batch_job_finishes(rt: Rt) {
    let f = Flink::start(&[rt]).await;
    let app = "batch";
    let out = f.out_dir(app);
    // 2000 records at 200/s: ~10 s of RUNNING.
    let spec = App::new(app, rt, "batch-count")
        .group("SinkConfig", &[("output.path", &out.display().to_string())])
        .group(
            "BatchConfig",
            &[
                ("records", "2000"),
                ("keys", "10"),
                ("records.per.second", "200"),
            ],
        );
    f.create(&spec).await;
    let start = f.start_app(app).await;
    let seen = f
        .wait_status(app, s("READY"), &[], START_TIMEOUT + EVENT_TIMEOUT)
        .await;
    assert_eq!(
        seen,
        vec![s("STARTING"), s("RUNNING"), s("READY")],
        "a batch application is RUNNING while its job runs (~10 s), then READY by itself\n{}",
        f.diagnosis(app).await
    );
    f.assert_operation(app, &start, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(app).await;
    let log = f.log(app).await;
    assert!(
        has_transition(&log, "batch-count", "RUNNING", "FINISHED"),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l == "Application batch status changed from RUNNING to READY"),
        "{log:#?}"
    );
    assert_plausible_job_lines(&log, "batch-count");
    let finished = weir_lines(
        f.filter_log(app, "\"switched from state RUNNING to FINISHED\"")
            .await,
    );
    assert_eq!(finished.len(), 1, "{finished:#?}");

    // The result: every key counted 200 times.
    let mut counts = BTreeMap::new();
    for line in part_lines(&out) {
        let (k, c) = line
            .split_once(',')
            .unwrap_or_else(|| panic!("not `key,count`: {line:?}"));
        counts.insert(k.to_string(), c.parse::<u64>().expect("a count"));
    }
    let want: BTreeMap<String, u64> = (0..10).map(|k| (k.to_string(), 200)).collect();
    assert_eq!(counts, want, "the batch job's result in {}", out.display());
}

#[tokio::test]
async fn batch_job_returns_to_ready_by_itself_flink_1_20() {
    batch_job_finishes(FLINK_1_20).await;
}

#[tokio::test]
async fn batch_job_returns_to_ready_by_itself_flink_2_2() {
    batch_job_finishes(FLINK_2_2).await;
}

// ---------------------------------------------------------------------------
// 3. main() throws: FAILED operation, READY, nothing left
// ---------------------------------------------------------------------------

async fn failing_main(rt: Rt) {
    let f = Flink::start(&[rt]).await;
    let app = "fails-in-main";
    let spec = App::new(app, rt, "fail-on-demand").group("FailConfig", &[("fail.mode", "main")]);
    f.create(&spec).await;
    let start = f.start_app(app).await;
    f.wait_status(app, s("READY"), &[s("RUNNING")], START_TIMEOUT)
        .await;
    let op = f.operation(app, &start).await;
    assert_eq!(op.operation_status(), &OperationStatus::Failed, "{op:#?}");
    let error = error_string(&op);
    assert!(
        error.contains("fail-on-demand: failing in main() as configured"),
        "ErrorString does not carry the exception: {error}"
    );
    f.assert_no_jvms(app).await;
    let log = f.log(app).await;
    assert!(
        log.iter()
            .any(|l| l == "Application fails-in-main status changed from STARTING to READY"),
        "{log:#?}"
    );
}

#[tokio::test]
async fn failing_main_fails_the_start_flink_1_20() {
    failing_main(FLINK_1_20).await;
}

#[tokio::test]
async fn failing_main_fails_the_start_flink_2_2() {
    failing_main(FLINK_2_2).await;
}

// ---------------------------------------------------------------------------
// 4. Force stop while STARTING
// ---------------------------------------------------------------------------

async fn force_stop_while_starting(rt: Rt) {
    let f = Flink::start(&[rt]).await;
    let app = "forced";
    let spec =
        App::new(app, rt, "fail-on-demand").group("SourceConfig", &[("records.per.second", RATE)]);
    f.create(&spec).await;

    // a. Right after StartApplication, before any JVM is up.
    // b. Once the cluster's JVMs run (cluster.json is written when they are
    //    spawned, before they are ready).
    for wait_for_jvms in [false, true] {
        let start = f.start_app(app).await;
        if wait_for_jvms {
            let deadline = Instant::now() + START_TIMEOUT;
            while f.cluster_record(app).is_none() || f.jvms(app).is_empty() {
                assert!(
                    Instant::now() < deadline,
                    "the cluster's JVMs never appeared\n{}",
                    f.diagnosis(app).await
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert_eq!(
            f.status(app).await,
            s("STARTING"),
            "too late to force-stop during STARTING (wait_for_jvms={wait_for_jvms})"
        );
        let stop = f.stop_app(app, true).await;
        let seen = f
            .wait_status(app, s("READY"), &[s("RUNNING")], STOP_TIMEOUT)
            .await;
        assert!(
            seen.first() == Some(&s("FORCE_STOPPING")) || seen == vec![s("READY")],
            "{seen:?}"
        );
        f.assert_operation(app, &start, OperationStatus::Cancelled)
            .await;
        f.assert_operation(app, &stop, OperationStatus::Successful)
            .await;
        f.assert_no_jvms(app).await;
        // Nothing comes back later.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(f.status(app).await, s("READY"));
        f.assert_no_jvms(app).await;
    }
}

#[tokio::test]
async fn force_stop_while_starting_flink_1_20() {
    force_stop_while_starting(FLINK_1_20).await;
}

#[tokio::test]
async fn force_stop_while_starting_flink_2_2() {
    force_stop_while_starting(FLINK_2_2).await;
}

// ---------------------------------------------------------------------------
// 5. A Task Manager dies: the job restarts, the application stays RUNNING
// ---------------------------------------------------------------------------

async fn task_manager_killed(rt: Rt) {
    let f = Flink::start(&[rt]).await;
    let app = "two-tms";
    let mut spec =
        App::new(app, rt, "streaming-count").group("SourceConfig", &[("records.per.second", RATE)]);
    spec.parallelism = 2;
    f.create(&spec).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    f.wait_log(
        app,
        "the job RUNNING",
        |log| has_transition(log, "streaming-count", "CREATED", "RUNNING"),
        EVENT_TIMEOUT,
    )
    .await;
    let tms = f.task_manager_pids(app);
    assert_eq!(
        tms.len(),
        2,
        "parallelism 2 at 1 per KPU is 2 Task Managers"
    );
    assert_eq!(f.jvms(app).len(), 3, "1 Job Manager + 2 Task Managers");
    let victim = tms[0];
    kill_pid(victim);

    // RESTARTING, then RUNNING again; DescribeApplication says RUNNING all along.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let log = loop {
        let status = f.status(app).await;
        if status != s("RUNNING") {
            panic!(
                "{app} left RUNNING ({status:?}) after a Task Manager died\n{}",
                f.diagnosis(app).await
            );
        }
        let log = f.log(app).await;
        let restarting = position(&log, |l| {
            job_transition(l, "streaming-count", "RUNNING", "RESTARTING").is_some()
        });
        let recovered = restarting.and_then(|i| {
            position(&log[i..], |l| {
                job_transition(l, "streaming-count", "RESTARTING", "RUNNING").is_some()
            })
        });
        if recovered.is_some() {
            break log;
        }
        if Instant::now() > deadline {
            panic!(
                "the job did not go RESTARTING and then RUNNING after Task Manager {victim} was killed\n{}",
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert!(
        log.iter()
            .any(|l| l.starts_with("Task Manager 0 of application two-tms is gone")),
        "Weir does not say it replaced the Task Manager: {log:#?}"
    );
    // The replacement runs, recorded in cluster.json.
    let tms_now = f.task_manager_pids(app);
    assert_eq!(tms_now.len(), 2, "{tms_now:?}");
    assert!(
        !tms_now.contains(&victim),
        "{tms_now:?} still names {victim}"
    );
    assert!(tms_now.iter().all(|p| is_alive(*p)), "{tms_now:?}");
    assert_eq!(
        f.jvms(app).len(),
        3,
        "1 Job Manager + 2 Task Managers again"
    );
    // Still RUNNING a while later.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(f.status(app).await, s("RUNNING"));
    assert_plausible_job_lines(&log, "streaming-count");

    // Force stop from RUNNING.
    let stop = f.stop_app(app, true).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(app, &stop, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(app).await;
}

#[tokio::test]
async fn killed_task_manager_is_replaced_and_the_job_recovers_flink_1_20() {
    task_manager_killed(FLINK_1_20).await;
}

#[tokio::test]
async fn killed_task_manager_is_replaced_and_the_job_recovers_flink_2_2() {
    task_manager_killed(FLINK_2_2).await;
}

// ---------------------------------------------------------------------------
// 6. The job fails at run time: RESTARTING with the exception, app RUNNING
// ---------------------------------------------------------------------------

async fn runtime_failure(rt: Rt) {
    let f = Flink::start(&[rt]).await;
    let app = "fails-at-runtime";
    // 500 records at 100/s: each attempt runs ~5 s, then restarts after 10 s.
    let spec = App::new(app, rt, "fail-on-demand")
        .group(
            "FailConfig",
            &[("fail.mode", "runtime"), ("fail.after.records", "500")],
        )
        .group("SourceConfig", &[("records.per.second", RATE)]);
    f.create(&spec).await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;

    let exception = "fail-on-demand: failing after 500 records as configured";
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let log = loop {
        let status = f.status(app).await;
        if status != s("RUNNING") {
            panic!(
                "{app} left RUNNING ({status:?}) while its job restarts\n{}",
                f.diagnosis(app).await
            );
        }
        let log = f.log(app).await;
        // Failed, restarted, running again.
        let restarting = position(&log, |l| {
            job_transition(l, "fail-on-demand", "RUNNING", "RESTARTING").is_some()
        });
        let back = restarting.and_then(|i| {
            position(&log[i..], |l| {
                job_transition(l, "fail-on-demand", "RESTARTING", "RUNNING").is_some()
            })
        });
        if back.is_some() && log.iter().any(|l| l.contains(exception)) {
            break log;
        }
        if Instant::now() > deadline {
            panic!(
                "the job's failure and restart are not in the log\n{}",
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    // The exception follows the RESTARTING line.
    let restarting = position(&log, |l| {
        job_transition(l, "fail-on-demand", "RUNNING", "RESTARTING").is_some()
    })
    .unwrap();
    assert!(
        log[restarting..].iter().any(|l| l.contains(exception)),
        "{log:#?}"
    );
    assert_plausible_job_lines(&log, "fail-on-demand");
    let filtered = f
        .filter_log(app, "\"switched from state RUNNING to RESTARTING\"")
        .await;
    assert!(!filtered.is_empty(), "FilterLogEvents found nothing");

    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_no_jvms(app).await;
}

#[tokio::test]
async fn runtime_failure_restarts_the_job_and_the_application_stays_running_flink_1_20() {
    runtime_failure(FLINK_1_20).await;
}

#[tokio::test]
async fn runtime_failure_restarts_the_job_and_the_application_stays_running_flink_2_2() {
    runtime_failure(FLINK_2_2).await;
}

// ---------------------------------------------------------------------------
// 7. Weir restarts: running clusters are adopted; lost ones started again
// ---------------------------------------------------------------------------

#[tokio::test]
async fn weir_restart_adopts_running_clusters_and_lost_clusters_are_started_again() {
    let rt = FLINK_1_20;
    let mut f = Flink::start(&[rt]).await;
    let app = "survivor";
    let spec =
        App::new(app, rt, "streaming-count").group("SourceConfig", &[("records.per.second", RATE)]);
    f.create(&spec).await;

    // a. kill -9 Weir alone: the cluster is adopted, not restarted.
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let jm = f.job_manager_pid(app);
    let tms = f.task_manager_pids(app);
    let pids_before: Vec<i32> = {
        let mut p: Vec<i32> = f.jvms(app).iter().map(|p| p.pid).collect();
        p.sort();
        p
    };
    f.weir.restart();
    f.reconnect();
    assert_eq!(f.status(app).await, s("RUNNING"));
    f.wait_log(
        app,
        "the adoption of the cluster",
        |log| {
            log.iter()
                .any(|l| l.starts_with("Adopted the running Flink cluster of application survivor"))
        },
        EVENT_TIMEOUT,
    )
    .await;
    // A few looks later: still the same JVMs, one cluster, one job.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(f.status(app).await, s("RUNNING"));
    assert_eq!(f.job_manager_pid(app), jm, "the Job Manager changed");
    assert_eq!(f.task_manager_pids(app), tms, "the Task Managers changed");
    let mut pids_after: Vec<i32> = f.jvms(app).iter().map(|p| p.pid).collect();
    pids_after.sort();
    assert_eq!(pids_after, pids_before, "the cluster's processes changed");
    let log = f.log(app).await;
    let count = |prefix: &str| log.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("Provisioned a Flink"), 1, "{log:#?}");
    assert_eq!(count("Submitted job"), 1, "{log:#?}");
    assert!(
        !log.iter()
            .any(|l| l.contains("is gone; starting the application again")),
        "{log:#?}"
    );
    // A clean shutdown (SIGTERM) leaves the cluster running, too.
    let exit = f.weir.terminate();
    assert!(exit.success(), "weir exited with {exit} on SIGTERM");
    let mut alive: Vec<i32> = f.jvms(app).iter().map(|p| p.pid).collect();
    alive.sort();
    assert_eq!(alive, pids_before, "SIGTERM to Weir stopped the cluster");
    f.weir.respawn();
    f.reconnect();
    f.wait_log(
        app,
        "the second adoption of the cluster",
        |log| {
            log.iter()
                .filter(|l| {
                    l.starts_with("Adopted the running Flink cluster of application survivor")
                })
                .count()
                == 2
        },
        EVENT_TIMEOUT,
    )
    .await;
    assert_eq!(f.status(app).await, s("RUNNING"));
    assert_eq!(f.job_manager_pid(app), jm, "the Job Manager changed");
    // The adopted cluster stops like any other.
    let stop = f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(app, &stop, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(app).await;

    // b. kill -9 Weir and the cluster: Weir starts the application again.
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let old: Vec<i32> = f.jvms(app).iter().map(|p| p.pid).collect();
    assert_eq!(old.len(), 2, "{old:?}");
    f.weir.crash();
    for pid in &old {
        kill_pid(*pid);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f.jvms(app).is_empty() {
        assert!(Instant::now() < deadline, "the JVMs survived SIGKILL");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.weir.respawn();
    f.reconnect();
    let log = wait_relaunched(&f, app, 1).await;
    let new_jm = f.job_manager_pid(app);
    assert!(!old.contains(&new_jm) && is_alive(new_jm), "{log:#?}");
    assert_eq!(f.jvms(app).len(), 2);

    // c. The Job Manager dies under a running Weir: the same.
    let old = f.jvms(app).iter().map(|p| p.pid).collect::<Vec<_>>();
    kill_pid(f.job_manager_pid(app));
    let log = wait_relaunched(&f, app, 2).await;
    let new_jm = f.job_manager_pid(app);
    assert!(!old.contains(&new_jm) && is_alive(new_jm), "{log:#?}");
    let now: Vec<i32> = f.jvms(app).iter().map(|p| p.pid).collect();
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(
        now.iter().all(|p| !old.contains(p)),
        "a process of the lost cluster still runs: {old:?} {now:?}"
    );

    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_no_jvms(app).await;
}

/// Waits until the log says `n` times that `app`'s cluster was gone and the
/// job ran again after the last of those; DescribeApplication must say
/// RUNNING throughout.
async fn wait_relaunched(f: &Flink, app: &str, n: usize) -> Vec<String> {
    const GONE: &str = "is gone; starting the application again";
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let status = f.status(app).await;
        if status != s("RUNNING") {
            panic!(
                "{app} is {status:?} while its lost cluster is replaced\n{}",
                f.diagnosis(app).await
            );
        }
        let log = f.log(app).await;
        let gone: Vec<usize> = (0..log.len()).filter(|i| log[*i].contains(GONE)).collect();
        if gone.len() > n {
            panic!(
                "the cluster was started again {} times, expected {n}\n{}",
                gone.len(),
                f.diagnosis(app).await
            );
        }
        if gone.len() == n {
            assert_eq!(
                log[gone[n - 1]],
                format!("The Flink cluster of application {app} {GONE}")
            );
            if has_transition(&log[gone[n - 1]..], "streaming-count", "CREATED", "RUNNING") {
                return log;
            }
        }
        if Instant::now() > deadline {
            panic!(
                "the job did not run again after its cluster was lost (time {n})\n{}",
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// An operation in flight when Weir dies is finished or FAILED, never left
/// IN_PROGRESS.
#[tokio::test]
async fn weir_killed_while_starting_finishes_the_operation() {
    let rt = FLINK_2_2;
    let mut f = Flink::start(&[rt]).await;
    let app = "interrupted";
    let spec =
        App::new(app, rt, "streaming-count").group("SourceConfig", &[("records.per.second", RATE)]);
    f.create(&spec).await;
    let start = f.start_app(app).await;
    // Kill Weir once the JVMs are spawned but before the job runs.
    let deadline = Instant::now() + START_TIMEOUT;
    while f.cluster_record(app).is_none() || f.jvms(app).is_empty() {
        assert!(Instant::now() < deadline, "{}", f.diagnosis(app).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(f.status(app).await, s("STARTING"));
    f.weir.restart();
    f.reconnect();
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let status = f.status(app).await;
        if status == s("RUNNING") || status == s("READY") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{app} is still {status:?}\n{}",
            f.diagnosis(app).await
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let op = f.operation(app, &start).await;
    match f.status(app).await {
        st if st == s("RUNNING") => {
            assert_eq!(
                op.operation_status(),
                &OperationStatus::Successful,
                "{op:#?}"
            );
            assert_eq!(f.jvms(app).len(), 2);
        }
        st => {
            assert_eq!(st, s("READY"));
            assert_eq!(op.operation_status(), &OperationStatus::Failed, "{op:#?}");
            f.assert_no_jvms(app).await;
        }
    }
    f.stop_app(app, true).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_no_jvms(app).await;
}

// ---------------------------------------------------------------------------
// 8. DeleteApplication of a RUNNING application
// ---------------------------------------------------------------------------

#[tokio::test]
async fn deleting_a_running_application_halts_it() {
    let rt = FLINK_2_2;
    let f = Flink::start(&[rt]).await;
    let app = "doomed";
    let spec =
        App::new(app, rt, "streaming-count").group("SourceConfig", &[("records.per.second", RATE)]);
    f.create(&spec).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    assert_eq!(f.jvms(app).len(), 2);
    f.delete_app(app).await;
    let deadline = Instant::now() + STOP_TIMEOUT;
    loop {
        match f
            .client
            .describe_application()
            .application_name(app)
            .send()
            .await
        {
            Err(e) if e.code() == Some("ResourceNotFoundException") => break,
            Err(e) => panic!("DescribeApplication: {e:?}"),
            Ok(out) => {
                let status = out.application_detail.unwrap().application_status;
                assert_eq!(status, s("DELETING"));
                assert!(
                    Instant::now() < deadline,
                    "{app} is still DELETING\n--- server stderr ---\n{}",
                    f.weir.log()
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    f.assert_no_jvms(app).await;
    let listed = f.client.list_applications().send().await.unwrap();
    assert!(listed.application_summaries().is_empty(), "{listed:?}");
}

// ---------------------------------------------------------------------------
// 9. What cannot run: an unsupported runtime, code that is not a Flink job
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unsupported_runtime_and_invalid_jar_fail_the_start() {
    let f = Flink::start(&[FLINK_1_20]).await;

    // FLINK-1_15 does not run on Java 17: a clear FAILED operation, READY.
    let app = "too-old";
    let mut spec = App::new(app, FLINK_1_20, "streaming-count");
    spec.rt = Rt {
        name: "FLINK-1_15",
        version: "1.15",
    };
    f.create(&spec).await;
    let start = f.start_app(app).await;
    f.wait_status(app, s("READY"), &[s("RUNNING")], START_TIMEOUT)
        .await;
    let op = f.operation(app, &start).await;
    assert_eq!(op.operation_status(), &OperationStatus::Failed, "{op:#?}");
    let error = error_string(&op);
    assert!(
        error.contains("FLINK-1_15") && error.contains("not supported"),
        "ErrorString: {error:?}"
    );
    f.assert_no_jvms(app).await;

    // A jar that is no Flink job (an empty archive): FAILED with Flink's
    // text, cluster torn down, READY.
    let app = "not-a-job";
    let mut spec = App::new(app, FLINK_1_20, "streaming-count");
    spec.code = Some({
        let mut empty_zip = b"PK\x05\x06".to_vec();
        empty_zip.extend([0u8; 18]);
        empty_zip
    });
    f.create(&spec).await;
    let start = f.start_app(app).await;
    f.wait_status(app, s("READY"), &[s("RUNNING")], START_TIMEOUT)
        .await;
    let op = f.operation(app, &start).await;
    assert_eq!(op.operation_status(), &OperationStatus::Failed, "{op:#?}");
    let error = error_string(&op);
    // Flink answers `/jars/:id/run` with "Internal server error." and, in
    // the next entry of its `errors`, "ProgramInvocationException: No
    // manifest found in jar file …": the operation must carry the latter.
    assert!(
        error.contains("No manifest found in jar file"),
        "ErrorString does not say what is wrong with the jar: {error:?}"
    );
    f.assert_no_jvms(app).await;
}

// ---------------------------------------------------------------------------
// The warm pool
// ---------------------------------------------------------------------------

/// The free pooled clusters on disk.
fn pooled_clusters(f: &Flink) -> Vec<PathBuf> {
    let pool = f.weir.data_dir().join("clusters").join(".pool");
    let Ok(entries) = std::fs::read_dir(&pool) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("cluster.json").is_file() && !p.join("assigned-to").exists())
        .collect()
}

/// Waits until `n` pooled clusters have become ready (the server says so on
/// stderr; `cluster.json` alone is written before the JVMs are up) and
/// returns the free ones.
async fn wait_pooled(f: &Flink, n: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let ready = f
            .weir
            .log()
            .matches("Flink cluster ready cluster=pool-")
            .count();
        let pooled = pooled_clusters(f);
        if ready >= n && !pooled.is_empty() {
            return pooled;
        }
        assert!(
            Instant::now() < deadline,
            "warm cluster {n} never ready:\n{}",
            f.weir.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_warm_pool_cluster_is_taken_refilled_and_released() {
    let serial = SERIAL.lock().await;
    let rt = FLINK_1_20;
    let dir = runtimes_dir();
    require_runtime(&dir, rt);
    let mut weir = Weir::start_with(move |cmd| {
        cmd.env("WEIR_RUNTIMES_DIR", &dir)
            .args(["--task-manager-memory-mb", TASK_MANAGER_MB])
            .args(["--job-manager-memory-mb", JOB_MANAGER_MB])
            .args([
                "--start-timeout-secs",
                &SERVER_START_TIMEOUT_SECS.to_string(),
            ])
            .args([
                "--warm-pool-size",
                "1",
                "--warm-pool-runtimes",
                "FLINK-1_20",
            ]);
    });
    weir.watch_over_descendants();
    let f = Flink {
        client: weir.client(),
        logs: weir.logs_client(),
        weir,
        _serial: serial,
    };
    let first = wait_pooled(&f, 1).await;

    // A one-KPU application takes the started cluster: its properties and
    // its checkpoint settings (job-level, since the cluster predates it)
    // reach the job.
    let app = "pooled";
    let out = f.out_dir(app);
    let spec = App::new(app, rt, "streaming-count")
        .group("SinkConfig", &[("output.path", &out.display().to_string())])
        .group("SourceConfig", &[("records.per.second", RATE)]);
    f.create(&spec).await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;
    let log = f.log(app).await;
    assert!(
        log.iter().any(|l| l.starts_with("Took a warm Flink 1.20")),
        "{log:#?}"
    );
    let link = f.cluster_dir(app);
    assert_eq!(std::fs::read_link(&link).ok(), Some(first[0].clone()));
    let deadline = Instant::now() + EVENT_TIMEOUT;
    while part_files(&out).is_empty() {
        assert!(
            Instant::now() < deadline,
            "no output under {}",
            out.display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The pool fills again behind it.
    let refill = wait_pooled(&f, 2).await;
    assert_ne!(refill, first);

    // Stopped, the application's cluster is gone and its directory (logs,
    // checkpoints) is the application's own again.
    let stop = f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(app, &stop, OperationStatus::Successful)
        .await;
    assert!(
        link.is_dir() && std::fs::read_link(&link).is_err(),
        "{}",
        link.display()
    );
    assert!(link.join("log").join("jobmanager.log").is_file());
    assert!(processes_mentioning(&format!("{}/", first[0].display())).is_empty());

    // The free pooled cluster belongs to no application: a clean shutdown
    // of Weir takes it down.
    let mut weir = f.weir;
    assert!(weir.terminate().success());
    let pool = format!(
        "{}/",
        weir.data_dir().join("clusters").join(".pool").display()
    );
    let deadline = Instant::now() + STOP_TIMEOUT;
    while !processes_mentioning(&pool).is_empty() {
        assert!(Instant::now() < deadline, "pooled JVMs outlived Weir");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

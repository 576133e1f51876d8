//! End-to-end tests with real Apache Flink for issue 7: Flink failing under
//! Weir. A snapshot that cannot be written fails with its reason while the
//! application keeps running; a hung Job Manager (SIGSTOP) is reported
//! within a bounded time and a force stop still ends it.
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`.

mod flink_harness;

use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::types::{ApplicationStatus, SnapshotStatus};
use flink_harness::*;
use weir_test_support::process::*;

/// Weir reports a silent Job Manager after 20 s; its REST calls time out
/// meanwhile, so allow for several of them.
const HUNG_REPORT_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_snapshot_directory_fails_the_snapshot_and_the_job_runs_on() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "unwritable";
    f.create(&App::new(app, FLINK_1_20, "streaming-count").group("job", &[("rate", RATE)]))
        .await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;
    let job_before = f.cluster_record(app).expect("cluster record");

    // Where the application's snapshots go is a file now: nothing can be
    // written there (root ignores permissions, so a mode would not do).
    let dir = f.weir.data_dir().join("snapshots").join(app);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();

    f.client
        .create_application_snapshot()
        .application_name(app)
        .snapshot_name("cannot-be-written")
        .send()
        .await
        .expect("CreateApplicationSnapshot is accepted");
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let details = loop {
        let (status, details) = f.snapshot_status(app, "cannot-be-written").await;
        match status {
            SnapshotStatus::Failed => break details,
            SnapshotStatus::Ready => panic!("a snapshot into a file became READY: {details}"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "still {status:?}: {details}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // The application and its job were not touched.
    assert_eq!(f.status(app).await, ApplicationStatus::Running);
    assert_eq!(
        f.cluster_record(app).expect("cluster record")["job_manager"],
        job_before["job_manager"]
    );
    let line = f.snapshot_failure_line(app, "cannot-be-written").await;
    assert!(
        line.len() > "Snapshot cannot-be-written FAILED".len() + 10,
        "no reason: {line}\n{details}"
    );

    // Once the directory is back, snapshots and a stop with one work again.
    std::fs::remove_file(&dir).unwrap();
    f.stop_app(app, false).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], STOP_TIMEOUT)
        .await;
    f.assert_no_jvms(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_job_manager_is_reported_and_a_force_stop_still_ends_it() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "hung";
    f.create(&App::new(app, FLINK_1_20, "streaming-count").group("job", &[("rate", RATE)]))
        .await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;

    let jm = f.job_manager_pid(app);
    // SAFETY: signalling a process of this test's own cluster.
    assert_eq!(unsafe { libc::kill(jm, libc::SIGSTOP) }, 0);
    let stopped_at = Instant::now();
    f.wait_log(
        app,
        "the hung Job Manager reported",
        |log| log.iter().any(|l| l.contains("has not answered for")),
        HUNG_REPORT_TIMEOUT,
    )
    .await;
    let reported_after = stopped_at.elapsed();
    eprintln!("hung Job Manager reported after {reported_after:?}");
    // Nothing was decided on the silence: still RUNNING.
    assert_eq!(f.status(app).await, ApplicationStatus::Running);

    // A force stop asks the Job Manager nothing: it ends the cluster.
    f.stop_app(app, true).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], STOP_TIMEOUT)
        .await;
    f.assert_no_jvms(app).await;
}

/// A start on `app` ends READY with a FAILED operation; returns its error.
async fn failed_start(f: &Flink, app: &str) -> String {
    let start = f.start_app(app).await;
    f.wait_status(
        app,
        ApplicationStatus::Ready,
        &[ApplicationStatus::Running],
        START_TIMEOUT,
    )
    .await;
    let op = f.operation(app, &start).await;
    assert_eq!(
        op.operation_status(),
        &aws_sdk_kinesisanalyticsv2::types::OperationStatus::Failed,
        "{op:#?}"
    );
    error_string(&op)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_corrupt_flink_runtime_fails_the_start_clearly() {
    // FLINK-1_20 is registered at a Flink home that is not there; FLINK-2_2
    // at one that looks like a distribution but whose jars are garbage.
    let scratch = tempfile::tempdir().unwrap();
    let missing = scratch.path().join("no-such-flink");
    let corrupt = scratch.path().join("corrupt-flink");
    for sub in ["lib", "bin", "conf"] {
        std::fs::create_dir_all(corrupt.join(sub)).unwrap();
    }
    std::fs::write(corrupt.join("lib/flink-dist-2.2.1.jar"), b"not a jar").unwrap();
    std::fs::write(corrupt.join("conf/log4j.properties"), b"").unwrap();
    let flink = corrupt.join("bin/flink");
    std::fs::write(&flink, b"#!/bin/sh\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&flink, std::fs::Permissions::from_mode(0o755)).unwrap();
    let homes = format!(
        "FLINK-1_20={},FLINK-2_2={}",
        missing.display(),
        corrupt.display()
    );
    let f = Flink::start_with_args(&[], &["--flink-home", &homes]).await;

    let app = "runtime-missing";
    f.create(&App::new(app, FLINK_1_20, "streaming-count"))
        .await;
    let error = failed_start(&f, app).await;
    assert!(
        error.contains("no-such-flink") || error.contains("FLINK-1_20"),
        "ErrorString: {error:?}"
    );
    f.assert_no_jvms(app).await;

    let app = "runtime-corrupt";
    f.create(&App::new(app, FLINK_2_2, "streaming-count")).await;
    let error = failed_start(&f, app).await;
    assert!(!error.is_empty(), "no error for a corrupt runtime");
    f.assert_no_jvms(app).await;
    eprintln!("missing/corrupt runtime errors: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_job_manager_is_replaced_and_the_job_goes_on_from_its_latest_checkpoint() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "jm-killed";
    let out = f.out_dir(app);
    f.create(&counting_app(app, &out, false)).await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;
    // Some committed output, i.e. completed checkpoints (every 2 s).
    let seen = wait_output_beyond(&f, app, &out, 0).await;

    let jm = f.job_manager_pid(app);
    kill_pid(jm);
    let log = f
        .wait_log(
            app,
            "the job restored from its latest checkpoint",
            |log| {
                log.iter()
                    .any(|l| l.contains("restored from the latest completed checkpoint of job"))
            },
            EVENT_TIMEOUT,
        )
        .await;
    assert!(
        log.iter()
            .any(|l| l.contains("Flink cluster of application jm-killed is gone")),
        "{log:#?}"
    );
    f.wait_status(
        app,
        ApplicationStatus::Running,
        &[ApplicationStatus::Ready],
        START_TIMEOUT,
    )
    .await;
    // The counts go on from the checkpoint: never reset, no gap; a count
    // committed after the checkpoint may be replayed.
    wait_output_beyond(&f, app, &out, seen + 20).await;
    assert_counts_continue(&out, true);

    f.stop_app(app, false).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], STOP_TIMEOUT)
        .await;
    f.assert_no_jvms(app).await;
}

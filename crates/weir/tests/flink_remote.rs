//! End-to-end tests of the remote runtime (issue 8): applications handed to
//! an existing standalone Apache Flink cluster that the test starts itself —
//! a Job Manager and two Task Managers, each a host of its own network
//! namespace on a private test network (`remote_harness`) — registered with
//! Weir through its operator API, then driven with the official SDK.
//!
//! Covered: registration (and its refusals), placement by capacity (and the
//! refusal when nothing fits), the lifecycle (start, snapshot, stop with a
//! snapshot, force stop), a Task Manager host cut off and restored, the Job
//! Manager unreachable and back (the application is never marked READY
//! meanwhile), deregistration refused while applications run, an
//! application moved from the local runtime to the cluster and back with
//! its state, a force stop while the cluster does not answer (the job
//! reported, and cancelled once the cluster answers again), and an update,
//! a rollback and autoscaling on the cluster (growing only into capacity
//! that is free); a Python application on a cluster set up for PyFlink
//! (its properties reaching main() and both kinds of UDF, a stop with a
//! snapshot and a start that continues), and one on a cluster without
//! Flink's Python support, which fails saying so.
//!
//! Needs root (network namespaces), as CI has. Same prerequisites and the
//! same one-at-a-time rule as `flink.rs`.

mod cli_harness;
mod flink_harness;
mod remote_harness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationConfigurationUpdate, EnvironmentPropertyUpdates, OperationStatus, SnapshotStatus,
};
use flink_harness::*;
use remote_harness::{ClusterOptions, Host, StandaloneCluster};
use serde_json::{json, Value};
use weir_test_support::server::*;

const ADMIN: &str = "WeirAdmin_20261126";

/// A standalone cluster of Flink 1.20 (2 Task Managers × 2 slots), started
/// off the async runtime (the harness is synchronous).
async fn standalone() -> StandaloneCluster {
    let home = runtimes_dir().join(FLINK_1_20.version).join("pyflink");
    tokio::task::spawn_blocking(move || {
        remote_harness::cleanup_stale();
        StandaloneCluster::start(&home, ClusterOptions::default())
    })
    .await
    .expect("starting the standalone cluster")
}

async fn admin(f: &Flink, op: &str, body: Value) -> (u16, Value) {
    let r = f
        .weir
        .send(
            &format!("{ADMIN}.{op}"),
            serde_json::to_vec(&body).unwrap(),
            Signing::valid(),
        )
        .await;
    (r.status, r.json)
}

async fn register(f: &Flink, name: &str, cluster: &StandaloneCluster) -> Value {
    let (status, body) = admin(
        f,
        "RegisterFlinkCluster",
        json!({
            "Name": name,
            "RestUrl": cluster.rest_url(),
            "SavepointDirectory": cluster.savepoint_dir(),
        }),
    )
    .await;
    assert_eq!(status, 200, "RegisterFlinkCluster: {body}");
    body["FlinkClusterDescription"].clone()
}

/// Where DescribeApplication (IncludeAdditionalDetails) says `app` runs.
async fn placement(f: &Flink, app: &str) -> Option<String> {
    let (status, body) = f
        .weir
        .raw(
            "DescribeApplication",
            json!({ "ApplicationName": app, "IncludeAdditionalDetails": true }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["ApplicationDetail"]["WeirPlacement"]["Cluster"]
        .as_str()
        .map(str::to_string)
}

async fn listed_on(f: &Flink, cluster: &str) -> Vec<String> {
    let (status, body) = f
        .weir
        .raw("ListApplications", json!({ "WeirCluster": cluster }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["ApplicationSummaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ApplicationName"].as_str().unwrap().to_string())
        .collect()
}

/// The cluster's jobs that have not ended, as (id, state).
async fn live_jobs(cluster: &StandaloneCluster) -> Vec<(String, String)> {
    let jobs = cluster.jobs().expect("the cluster's jobs");
    jobs.into_iter()
        .filter(|(_, _, state)| !matches!(state.as_str(), "FINISHED" | "CANCELED" | "FAILED"))
        .map(|(id, _, state)| (id, state))
        .collect()
}

/// Polls until `check` holds, failing with `what` and the diagnosis.
async fn eventually<F, Fut>(f: &Flink, app: &str, what: &str, timeout: Duration, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        if Instant::now() > deadline {
            panic!(
                "{what} did not happen within {timeout:?}\n{}",
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The application's snapshot `name`, once it has settled.
async fn settled_snapshot(f: &Flink, app: &str, name: &str) -> (SnapshotStatus, String) {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let (status, text) = f.snapshot_status(app, name).await;
        if status != SnapshotStatus::Creating || Instant::now() > deadline {
            return (status, text);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_run_on_a_registered_cluster_by_capacity_and_survive_its_failures() {
    let mut f = Flink::start_with_args(&[FLINK_1_20], &["--metrics-interval-secs", "1"]).await;
    let cluster = standalone().await;

    // --- registration, and what it refuses --------------------------------
    let d = register(&f, "edge", &cluster).await;
    assert_eq!(d["TotalSlots"], 4, "{d}");
    assert_eq!(d["RuntimeEnvironment"], "FLINK-1_20", "{d}");
    let (status, body) = admin(
        &f,
        "RegisterFlinkCluster",
        json!({ "Name": "edge", "RestUrl": cluster.rest_url(), "SavepointDirectory": "/tmp" }),
    )
    .await;
    assert_eq!(
        (status, error_type(&body).as_deref()),
        (400, Some("ResourceInUseException")),
        "{body}"
    );
    let (status, body) = admin(
        &f,
        "RegisterFlinkCluster",
        json!({ "Name": "nowhere", "RestUrl": "http://127.0.0.1:9", "SavepointDirectory": "/tmp" }),
    )
    .await;
    assert_eq!(
        (status, error_type(&body).as_deref()),
        (400, Some("InvalidArgumentException")),
        "{body}"
    );
    assert!(error_message(&body).contains("RestUrl"), "{body}");
    let (status, body) = admin(
        &f,
        "RegisterFlinkCluster",
        json!({ "Name": "wrong", "RestUrl": cluster.rest_url(), "SavepointDirectory": "/tmp", "RuntimeEnvironment": "FLINK-2_2" }),
    )
    .await;
    assert_eq!(
        (status, error_type(&body).as_deref()),
        (400, Some("InvalidArgumentException")),
        "{body}"
    );

    // --- two applications fill the cluster; a third is refused ------------
    let out = tempfile::tempdir().unwrap();
    let (out_a, out_b) = (out.path().join("alpha"), out.path().join("beta"));
    for (name, dir) in [("alpha", &out_a), ("beta", &out_b)] {
        let mut app = counting_app(name, dir, false);
        app.parallelism = 2;
        f.create(&app).await;
    }
    f.create(&counting_app("gamma", &out.path().join("gamma"), false))
        .await;
    let op = f.start_app("alpha").await;
    f.wait_running_after("alpha", &op).await;
    assert_eq!(placement(&f, "alpha").await.as_deref(), Some("edge"));
    assert!(
        f.jvms("alpha").is_empty(),
        "no local JVMs for a remote application"
    );
    let jobs = live_jobs(&cluster).await;
    assert!(jobs.len() == 1 && jobs[0].1 == "RUNNING", "{jobs:?}");
    let alpha_job = jobs[0].0.clone();
    let op = f.start_app("beta").await;
    f.wait_running_after("beta", &op).await;
    assert_eq!(placement(&f, "beta").await.as_deref(), Some("edge"));
    let refused = f
        .client
        .start_application()
        .application_name("gamma")
        .send()
        .await
        .expect_err("no room for gamma");
    // Not among StartApplication's declared errors, so the SDK hands it
    // over untyped, with its code.
    use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
    assert_eq!(
        refused.code(),
        Some("LimitExceededException"),
        "{refused:?}"
    );
    assert!(
        format!("{refused:?}").contains("edge has 0 slot(s) free"),
        "{refused:?}"
    );
    assert_eq!(f.status("gamma").await, s("READY"));
    let mut on_edge = listed_on(&f, "edge").await;
    on_edge.sort();
    assert_eq!(on_edge, ["alpha", "beta"]);
    let (_, clusters) = admin(&f, "ListFlinkClusters", json!({})).await;
    let edge = &clusters["FlinkClusterDescriptions"][0];
    assert_eq!(
        (edge["UsedSlots"].as_u64(), edge["UsedKPUs"].as_u64()),
        (Some(4), Some(4)),
        "{edge}"
    );

    // --- Weir killed and restarted: the jobs run on, and are adopted -------
    // Down for 6 s, while the Job Manager logs alpha's checkpoints (every
    // 2 s): the restarted Weir ships those lines too, and nothing twice.
    let logged_before: Vec<String> = cluster.log_lines("jm.log", &[&alpha_job]);
    let down_from = chrono::Local::now()
        .format("%Y-%m-%d %H:%M:%S,%3f")
        .to_string();
    f.weir.restart_after(Duration::from_secs(6));
    let down_until = chrono::Local::now()
        .format("%Y-%m-%d %H:%M:%S,%3f")
        .to_string();
    f.reconnect();
    let logged_while_down: Vec<String> = cluster
        .log_lines("jm.log", &[&alpha_job])
        .into_iter()
        .filter(|l| !logged_before.contains(l) && l.contains("checkpoint"))
        .filter(|l| {
            l.get(..23)
                .is_some_and(|t| *down_from <= *t && *t <= *down_until)
        })
        .filter_map(|l| l.split_once(" - ").map(|(_, m)| m.to_string()))
        .collect();
    assert!(
        !logged_while_down.is_empty(),
        "no checkpoint of alpha's job logged while Weir was down:\n{}",
        cluster.log_tail("jm.log", 40)
    );
    for app in ["alpha", "beta"] {
        assert_eq!(f.status(app).await, s("RUNNING"));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = live_jobs(&cluster).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(
        after.iter().any(|(id, _)| *id == alpha_job),
        "alpha's job goes on: {after:?}"
    );
    let log = f.log("alpha").await;
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("Submitted job"))
            .count(),
        1,
        "{log:#?}"
    );
    eventually(
        &f,
        "alpha",
        "the Job Manager's lines from Weir's downtime in alpha's log",
        EVENT_TIMEOUT,
        || async {
            let log = f.log("alpha").await;
            logged_while_down.iter().all(|m| {
                log.iter()
                    .any(|l| l.starts_with("[jobmanager]") && l.ends_with(m.as_str()))
            })
        },
    )
    .await;
    let log = f.log("alpha").await;
    let shipped: Vec<&String> = log
        .iter()
        .filter(|l| l.starts_with("[jobmanager]") && l.contains("checkpoint"))
        .collect();
    let mut unique = shipped.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        shipped.len(),
        "a line shipped twice across the restart: {shipped:#?}"
    );

    // --- metrics come from the cluster's REST API like a local one's -------
    eventually(
        &f,
        "alpha",
        "alpha's job metrics",
        EVENT_TIMEOUT,
        || async {
            let (status, m) = admin(
                &f,
                "DescribeApplicationMetrics",
                json!({ "ApplicationName": "alpha", "HistorySeconds": 0 }),
            )
            .await;
            status == 200
                && m["Job"]["JobStatus"] == "RUNNING"
                && m["Job"]["CurrentParallelism"] == 2
                && m["JobManager"].is_object()
                && m["TaskManagers"].as_array().is_some_and(|t| !t.is_empty())
        },
    )
    .await;

    // --- a snapshot goes to the cluster's shared storage --------------------
    let past = wait_output_beyond(&f, "alpha", &out_a, 0).await;
    f.client
        .create_application_snapshot()
        .application_name("alpha")
        .snapshot_name("first")
        .send()
        .await
        .expect("CreateApplicationSnapshot");
    let (status, text) = settled_snapshot(&f, "alpha", "first").await;
    assert_eq!(status, SnapshotStatus::Ready, "{text}");
    let shared = cluster.savepoint_dir().join("weir/alpha/snapshots");
    let written: Vec<_> = std::fs::read_dir(&shared)
        .unwrap_or_else(|e| panic!("{}: {e}", shared.display()))
        .flatten()
        .filter(|e| e.path().join("_metadata").is_file())
        .collect();
    assert_eq!(written.len(), 1, "one savepoint in {}", shared.display());

    // --- the cluster's own log lines about alpha's job reach alpha's log
    // (read over REST), and only alpha's -------------------------------------
    eventually(
        &f,
        "alpha",
        "the Job Manager's lines about alpha's job",
        EVENT_TIMEOUT,
        || async {
            f.log("alpha")
                .await
                .iter()
                .any(|l| l.starts_with("[jobmanager]") && l.contains(&alpha_job))
        },
    )
    .await;
    eventually(
        &f,
        "beta",
        "the Job Manager's lines about beta's job",
        EVENT_TIMEOUT,
        || async {
            f.log("beta")
                .await
                .iter()
                .any(|l| l.starts_with("[jobmanager]"))
        },
    )
    .await;
    let beta_log = f.log("beta").await;
    assert!(
        !beta_log.iter().any(|l| l.contains(&alpha_job)),
        "{beta_log:#?}"
    );

    // --- a Task Manager host cut off: the job waits or restarts, the
    // application stays RUNNING, and all runs again once it is back ---------
    cluster.cut(Host::TaskManager(1));
    eventually(
        &f,
        "alpha",
        "a job restarting after the host loss",
        Duration::from_secs(90),
        || async {
            f.log("alpha")
                .await
                .iter()
                .chain(f.log("beta").await.iter())
                .any(|l| l.contains("to RESTARTING"))
        },
    )
    .await;
    // Two slots left for four: a job waits for slots, and Weir says so.
    let waiting =
        |l: &String| l.contains("waiting") && l.contains("for task slots on Flink cluster edge");
    eventually(
        &f,
        "alpha",
        "a job reported waiting for slots",
        Duration::from_secs(120),
        || async {
            f.log("alpha")
                .await
                .iter()
                .chain(f.log("beta").await.iter())
                .any(waiting)
        },
    )
    .await;
    assert_eq!(f.status("alpha").await, s("RUNNING"));
    assert_eq!(f.status("beta").await, s("RUNNING"));
    cluster.restore(Host::TaskManager(1));
    eventually(
        &f,
        "alpha",
        "the waiting job reported running again",
        Duration::from_secs(180),
        || async {
            let (a, b) = (f.log("alpha").await, f.log("beta").await);
            a.iter()
                .chain(b.iter())
                .any(|l| l.starts_with("Every task of application") && l.contains("runs again"))
        },
    )
    .await;
    let cut_at = wait_output_beyond(&f, "alpha", &out_a, past).await;
    for app in ["alpha", "beta"] {
        eventually(
            &f,
            app,
            "the job RUNNING again",
            Duration::from_secs(180),
            || async {
                live_jobs(&cluster).await.len() == 2
                    && live_jobs(&cluster)
                        .await
                        .iter()
                        .all(|(_, s)| s == "RUNNING")
            },
        )
        .await;
        assert_eq!(f.status(app).await, s("RUNNING"));
    }

    // --- the Job Manager unreachable: reported, never READY; back: found ---
    cluster.cut(Host::JobManager);
    eventually(
        &f,
        "alpha",
        "the unreachable cluster reported",
        Duration::from_secs(120),
        || async {
            f.log("alpha")
                .await
                .iter()
                .any(|l| l.contains("Flink cluster edge") && l.contains("has not answered"))
        },
    )
    .await;
    assert_eq!(f.status("alpha").await, s("RUNNING"));
    let (_, clusters) = admin(&f, "ListFlinkClusters", json!({})).await;
    assert_eq!(
        clusters["FlinkClusterDescriptions"][0]["Reachable"], false,
        "{clusters}"
    );
    cluster.restore(Host::JobManager);
    eventually(
        &f,
        "alpha",
        "the cluster answering again",
        Duration::from_secs(120),
        || async {
            f.log("alpha")
                .await
                .iter()
                .any(|l| l.contains("Flink cluster edge") && l.contains("answers again"))
        },
    )
    .await;
    assert_eq!(f.status("alpha").await, s("RUNNING"));
    wait_output_beyond(&f, "alpha", &out_a, cut_at).await;
    assert_counts_continue(&out_a, true);

    // --- a cluster in use is not deregistered --------------------------------
    let (status, body) = admin(&f, "DeregisterFlinkCluster", json!({ "Name": "edge" })).await;
    assert_eq!(
        (status, error_type(&body).as_deref()),
        (400, Some("ResourceInUseException")),
        "{body}"
    );
    assert!(error_message(&body).contains("alpha"), "{body}");

    // --- stop with a snapshot, force stop: READY, nothing left running ------
    let op = f.stop_app("beta", false).await;
    f.wait_status("beta", s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(
        "beta",
        &op,
        aws_sdk_kinesisanalyticsv2::types::OperationStatus::Successful,
    )
    .await;
    let op = f.stop_app("alpha", true).await;
    f.wait_status("alpha", s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(
        "alpha",
        &op,
        aws_sdk_kinesisanalyticsv2::types::OperationStatus::Successful,
    )
    .await;
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    // Now gamma fits.
    let op = f.start_app("gamma").await;
    f.wait_running_after("gamma", &op).await;
    assert_eq!(placement(&f, "gamma").await.as_deref(), Some("edge"));
    let op = f.stop_app("gamma", true).await;
    f.wait_status("gamma", s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(
        "gamma",
        &op,
        aws_sdk_kinesisanalyticsv2::types::OperationStatus::Successful,
    )
    .await;
    let (status, body) = admin(&f, "DeregisterFlinkCluster", json!({ "Name": "edge" })).await;
    assert_eq!(status, 200, "{body}");
    drop(cluster);
}

/// Runs the `weir` CLI off the async threads; fails unless it exits 0.
async fn cli_run(cli: &cli_harness::Client, args: &[&str]) -> cli_harness::Out {
    let cmd = cli.command(args);
    tokio::task::spawn_blocking(move || cli_harness::run_command(cmd, cli_harness::CLIENT_DEADLINE))
        .await
        .expect("the CLI ran")
        .ok()
}

/// Replaces the application's property groups with `groups` plus the
/// placement `on`; the operation's id.
async fn move_to(f: &Flink, app: &str, groups: &[(&str, Vec<(&str, String)>)], on: &str) -> String {
    let mut groups = groups.to_vec();
    groups.push(("weir.placement", vec![("cluster", on.to_string())]));
    f.update_properties(app, &groups).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_moves_from_the_local_runtime_to_a_registered_cluster_and_back_with_its_state(
) {
    let f = Flink::start(&[FLINK_1_20]).await;
    let cluster = standalone().await;
    // Registered with the CLI this time.
    let cli = cli_harness::Client::new(f.weir.endpoint());
    let (url, dir) = (
        cluster.rest_url(),
        cluster.savepoint_dir().display().to_string(),
    );
    let added = cli_run(
        &cli,
        &[
            "clusters",
            "add",
            "edge",
            "--rest-url",
            &url,
            "--savepoint-dir",
            &dir,
        ],
    )
    .await;
    assert!(added.stdout.contains("Registered edge"), "{added:#?}");
    let listed = cli_run(&cli, &["clusters", "list"]).await;
    assert!(
        listed.stdout.contains("edge") && listed.stdout.contains(&url),
        "{listed:#?}"
    );
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("mover");
    let app = counting_app("mover", &dir, false).group("weir.placement", &[("cluster", "local")]);
    let groups: Vec<(&str, Vec<(&str, String)>)> = app
        .properties
        .iter()
        .filter(|(id, _)| *id != "weir.placement")
        .cloned()
        .collect();
    f.create(&app).await;
    let op = f.start_app("mover").await;
    f.wait_running_after("mover", &op).await;
    assert_eq!(placement(&f, "mover").await.as_deref(), Some("local"));
    assert!(!f.jvms("mover").is_empty(), "a local cluster runs the job");
    let past = wait_output_beyond(&f, "mover", &dir, 0).await;

    // Local → the cluster: snapshot, the local cluster released, the job
    // submitted on the cluster restored from the snapshot.
    let op = move_to(&f, "mover", &groups, "edge").await;
    f.wait_running_after("mover", &op).await;
    assert_eq!(placement(&f, "mover").await.as_deref(), Some("edge"));
    f.assert_no_jvms("mover").await;
    let jobs = live_jobs(&cluster).await;
    assert!(jobs.len() == 1 && jobs[0].1 == "RUNNING", "{jobs:?}");
    let log = f.log("mover").await;
    assert!(
        log.iter()
            .any(|l| l.contains("moves from the local runtime to Flink cluster edge")),
        "{log:#?}"
    );
    assert!(
        log.iter().any(|l| l.contains("restored from snapshot")),
        "{log:#?}"
    );
    let past = wait_output_beyond(&f, "mover", &dir, past).await;
    assert_counts_continue(&dir, false);

    let described = cli_run(&cli, &["apps", "describe", "mover"]).await;
    assert!(
        described.stdout.contains("Runs on") && described.stdout.contains("edge"),
        "{described:#?}"
    );

    // And back, with the CLI: the cluster's job drained with a snapshot, a
    // local cluster restored from it.
    cli_run(
        &cli,
        &["apps", "update", "mover", "--cluster", "local", "--wait"],
    )
    .await;
    assert_eq!(f.status("mover").await, s("RUNNING"));
    assert_eq!(placement(&f, "mover").await.as_deref(), Some("local"));
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    assert!(!f.jvms("mover").is_empty());
    wait_output_beyond(&f, "mover", &dir, past).await;
    assert_counts_continue(&dir, false);

    let op = f.stop_app("mover", true).await;
    f.wait_status("mover", s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(
        "mover",
        &op,
        aws_sdk_kinesisanalyticsv2::types::OperationStatus::Successful,
    )
    .await;
    f.assert_no_jvms("mover").await;
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_cannot_be_cancelled_is_reported_and_cancelled_once_its_cluster_answers() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let cluster = standalone().await;
    register(&f, "edge", &cluster).await;
    let out = tempfile::tempdir().unwrap();
    f.create(&counting_app("stuck", &out.path().join("stuck"), false))
        .await;
    let op = f.start_app("stuck").await;
    f.wait_running_after("stuck", &op).await;
    let jobs = live_jobs(&cluster).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let job = jobs[0].0.clone();

    // The Job Manager cut off: a force stop still ends the application
    // (it is not held up by a cluster that does not answer), and says
    // that the job could not be cancelled.
    cluster.cut(Host::JobManager);
    let op = f.stop_app("stuck", true).await;
    f.wait_status("stuck", s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(
        "stuck",
        &op,
        aws_sdk_kinesisanalyticsv2::types::OperationStatus::Successful,
    )
    .await;
    let log = f.log("stuck").await;
    assert!(
        log.iter()
            .any(|l| l.contains(&job) && l.contains("could not be cancelled")),
        "{log:#?}"
    );

    // Once the cluster answers, Weir cancels the job it left behind.
    cluster.restore(Host::JobManager);
    eventually(
        &f,
        "stuck",
        "the abandoned job cancelled",
        Duration::from_secs(180),
        || async {
            f.log("stuck")
                .await
                .iter()
                .any(|l| l.contains(&job) && l.contains("has now ended"))
        },
    )
    .await;
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    drop(cluster);
}

/// The parallelism of every vertex of the cluster's job `id`.
fn job_parallelism(cluster: &StandaloneCluster, id: &str) -> Vec<u64> {
    let job = cluster.job(id).expect("the job's details");
    job["vertices"]
        .as_array()
        .expect("vertices")
        .iter()
        .map(|v| v["parallelism"].as_u64().expect("parallelism"))
        .collect()
}

/// The live job on the cluster that is not one of `others`.
async fn job_of(cluster: &StandaloneCluster, others: &[&str]) -> String {
    let jobs = live_jobs(cluster).await;
    let mine: Vec<_> = jobs
        .iter()
        .filter(|(id, _)| !others.contains(&id.as_str()))
        .collect();
    assert_eq!(mine.len(), 1, "one job besides {others:?}: {jobs:?}");
    mine[0].0.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_on_a_registered_cluster_rolls_back_and_autoscales_within_its_free_capacity()
{
    let f = Flink::start_with_args(&[FLINK_1_20], AUTOSCALE_FAST).await;
    let cluster = standalone().await;
    register(&f, "edge", &cluster).await;
    let out = tempfile::tempdir().unwrap();

    // A filler takes 3 of the cluster's 4 slots.
    let mut filler = counting_app("filler", &out.path().join("filler"), false);
    filler.parallelism = 3;
    f.create(&filler).await;
    let op = f.start_app("filler").await;
    f.wait_running_after("filler", &op).await;
    let filler_job = job_of(&cluster, &[]).await;

    // The elastic application (autoscaling on, the service's default policy
    // for a registered cluster) takes the last slot, placed automatically.
    let dir = out.path().join("elastic");
    let control = out.path().join("control").join("elastic");
    let app = load_app("elastic", &dir, &control, None);
    let groups = app.properties.clone();
    f.create(&app).await;
    let op = f.start_app("elastic").await;
    f.wait_running_after("elastic", &op).await;
    assert_eq!(placement(&f, "elastic").await.as_deref(), Some("edge"));
    let first_job = job_of(&cluster, &[&filler_job]).await;
    let past = wait_output_beyond(&f, "elastic", &dir, 0).await;

    // A live update (version 2) and a rollback to version 1 (version 3):
    // each stays on the full cluster (its own slot counts as free for it),
    // a new job restored from the snapshot the old one stopped with.
    let op = move_to(&f, "elastic", &groups, "edge").await;
    f.wait_running_after("elastic", &op).await;
    let second_job = job_of(&cluster, &[&filler_job]).await;
    assert_ne!(second_job, first_job, "the update submitted a new job");
    let past = wait_output_beyond(&f, "elastic", &dir, past).await;
    let rollback = f
        .client
        .rollback_application()
        .application_name("elastic")
        .current_application_version_id(2)
        .send()
        .await
        .expect("RollbackApplication");
    let op = rollback.operation_id().expect("OperationId").to_string();
    f.wait_running_after("elastic", &op).await;
    let detail = f.detail("elastic").await;
    assert_eq!(detail.application_version_id(), 3);
    assert_eq!(detail.application_version_rolled_back_from(), Some(2));
    assert_eq!(detail.application_version_rolled_back_to(), Some(1));
    assert_eq!(placement(&f, "elastic").await.as_deref(), Some("edge"));
    let third_job = job_of(&cluster, &[&filler_job]).await;
    assert!(
        third_job != second_job && third_job != first_job,
        "the rollback submitted a new job"
    );
    let log = f.log("elastic").await;
    assert!(
        log.iter()
            .filter(|l| l.contains("restored from snapshot"))
            .count()
            >= 2,
        "the update and the rollback restored state: {log:#?}"
    );
    // A job its stop with a snapshot already ended is not a failed stop.
    assert!(
        !log.iter()
            .any(|l| l.starts_with("Stopping job ") && l.contains(" failed")),
        "{log:#?}"
    );
    let past = wait_output_beyond(&f, "elastic", &dir, past).await;
    assert_counts_continue(&dir, true);

    // Back-pressured: the busy policy wants 2 KPUs, but the cluster has no
    // free slot. Not started, said so, and the application runs on.
    set_load(&control, "slow");
    eventually(
        &f,
        "elastic",
        "autoscaling refused for want of capacity",
        SCALE_TIMEOUT,
        || async {
            f.log("elastic").await.iter().any(|l| {
                l.contains("Autoscaling to parallelism 2 not started")
                    && l.contains("no free capacity")
            })
        },
    )
    .await;
    assert_eq!(f.status("elastic").await, s("RUNNING"));
    assert_eq!(current_parallelism(&f, "elastic").await, 1);
    assert!(autoscale_ops(&f, "elastic").await.is_empty());

    // The filler stops: the slots free up, and the application grows into
    // them (snapshot, a new job at parallelism 2, restored).
    f.stop_app("filler", true).await;
    f.wait_status("filler", s("READY"), &[], STOP_TIMEOUT).await;
    wait_parallelism(&f, "elastic", 2).await;
    let ops = autoscale_ops(&f, "elastic").await;
    assert_eq!(ops.len(), 1, "{ops:?}");
    f.assert_operation(
        "elastic",
        &ops[0].0,
        aws_sdk_kinesisanalyticsv2::types::OperationStatus::Successful,
    )
    .await;
    let scaled = job_of(&cluster, &[]).await;
    assert!(
        job_parallelism(&cluster, &scaled).iter().all(|p| *p == 2),
        "{:?}",
        cluster.job(&scaled)
    );
    let log = f.log("elastic").await;
    assert!(
        log.iter()
            .any(|l| l.contains("busy policy:") && l.contains("parallelism 1 to 2")),
        "{log:#?}"
    );
    set_load(&control, "idle");
    wait_output_beyond(&f, "elastic", &dir, past).await;
    assert_counts_continue(&dir, true);

    f.stop_app("elastic", true).await;
    f.wait_status("elastic", s("READY"), &[], STOP_TIMEOUT)
        .await;
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    drop(cluster);
}

/// Issue 15: a job written for the service, its library left out, reads
/// its own properties on a registered cluster — in main() and in its
/// running task — through the copy of Weir's library and the properties
/// Weir put in the jar it uploaded; none of the cluster's hosts has an
/// /etc/flink. A jar that bundles its own library is told, in its log,
/// what its copy will read there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_job_on_a_registered_cluster_reads_its_own_properties() {
    assert_host_has_no_etc_flink();
    let f = Flink::start(&[FLINK_1_20]).await;
    let cluster = standalone().await;
    register(&f, "edge", &cluster).await;
    let out = tempfile::tempdir().unwrap();
    let apps = [
        ("remote-left-out", SERVICE_JOB, "r-one"),
        ("remote-second", SERVICE_JOB, "r-two"),
        ("remote-bundled", SERVICE_JOB_BUNDLED, "r-three"),
    ];
    for (name, jar, tag) in apps {
        let app = service_app(name, FLINK_1_20, jar, &out.path().join(name), tag)
            .group("weir.placement", &[("cluster", "edge")]);
        f.create(&app).await;
        let op = f.start_app(name).await;
        f.wait_running_after(name, &op).await;
        assert_eq!(placement(&f, name).await.as_deref(), Some("edge"));
        f.assert_no_jvms(name).await;
    }
    for (name, _, tag) in &apps[..2] {
        let line = wait_service_line(&f, name, &out.path().join(name), tag).await;
        assert!(
            !line.library.starts_with(PROVIDED_LIBRARY),
            "{name}: the class travels in the uploaded jar: {line:?}"
        );
        for l in service_lines(&out.path().join(name)) {
            assert_eq!(
                (l.main_tag.as_str(), l.task_tag.as_str()),
                (*tag, *tag),
                "{name}"
            );
        }
    }
    let told = f
        .filter_log("remote-bundled", "bundles its own KinesisAnalyticsRuntime")
        .await;
    assert_eq!(told.len(), 1, "{told:?}");
    for (name, _, _) in apps {
        f.stop_app(name, true).await;
        f.wait_status(name, s("READY"), &[], STOP_TIMEOUT).await;
    }
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    drop(cluster);
    assert_host_has_no_etc_flink();
}

// ---------------------------------------------------------------------------
// Python applications on a registered cluster
// ---------------------------------------------------------------------------

/// The example PyFlink application (see examples/README.md).
const PYTHON_EXAMPLE: &str = "python-getting-started";

/// The interpreter of the PyFlink environment the test set-up installs for
/// `rt` (`<runtimes dir>/<version>-python3.<m>/bin/python`), which the
/// test's clusters are configured with, as an operator would configure
/// theirs.
fn pyflink_python(rt: Rt) -> PathBuf {
    let dir = runtimes_dir();
    let prefix = format!("{}-python3.", rt.version);
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path().join("bin/python"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "no PyFlink environment for {} in {} ({prefix}<m>/bin/python): {SETUP_HINT} (it runs `weir runtime install --python {}`)",
            rt.name,
            dir.display(),
            rt.name
        )
    })
}

/// The example zip built for `rt`, or a failure saying how to build it.
fn python_example(rt: Rt) -> Vec<u8> {
    let zip = examples_dir()
        .join(rt.version)
        .join(format!("{PYTHON_EXAMPLE}.zip"));
    std::fs::read(&zip)
        .unwrap_or_else(|e| panic!("example {} is missing ({e}): {SETUP_HINT}", zip.display()))
}

/// A standalone Flink 1.20 cluster set up for Python applications the way
/// an operator would: the distribution's `opt/flink-python-*.jar` on every
/// JVM's classpath, and PyFlink's interpreter as `python.client.executable`
/// (the driver of `main()`, beside the Job Manager) and `python.executable`
/// (the Task Managers' Python workers).
async fn python_standalone(python: &Path) -> StandaloneCluster {
    let home = runtimes_dir().join(FLINK_1_20.version).join("pyflink");
    let opt = home.join("opt");
    let flink_python = std::fs::read_dir(&opt)
        .unwrap_or_else(|e| panic!("{}: {e}", opt.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("flink-python"))
        })
        .unwrap_or_else(|| panic!("no flink-python jar in {}", opt.display()));
    let python = python.display().to_string();
    let opts = ClusterOptions {
        extra_classpath: vec![flink_python],
        ..ClusterOptions::default()
    }
    .config("python.client.executable", &python)
    .config("python.executable", &python);
    tokio::task::spawn_blocking(move || {
        remote_harness::cleanup_stale();
        StandaloneCluster::start(&home, opts)
    })
    .await
    .expect("starting the standalone cluster")
}

/// The example's run options, its properties tagged `tag` writing to
/// `out`, and its placement on `cluster`.
fn python_groups(
    out: &Path,
    tag: &str,
    cluster: &str,
) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "kinesis.analytics.flink.run.options",
            vec![
                ("python", "main.py".to_string()),
                ("jarfile", format!("lib/{PYTHON_EXAMPLE}.jar")),
                ("pyFiles", "dep/".to_string()),
            ],
        ),
        (
            "OutputConfig",
            vec![
                ("output.path", out.display().to_string()),
                ("tag", tag.to_string()),
            ],
        ),
        (
            "SourceConfig",
            vec![("records.per.second", "20".to_string())],
        ),
        ("weir.placement", vec![("cluster", cluster.to_string())]),
    ]
}

fn python_app(name: &'static str, out: &Path, tag: &str, cluster: &str) -> App {
    let mut app = App::new(name, FLINK_1_20, PYTHON_EXAMPLE);
    app.code = Some(python_example(FLINK_1_20));
    app.properties = python_groups(out, tag, cluster);
    app
}

/// `humanize.ordinal(n)`.
fn ordinal(n: u64) -> String {
    let suffix = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Every number up to `upto` is in `lines` exactly once, and none twice
/// beyond it: nothing lost or repeated across a stop and a restore.
fn assert_numbers_continue(lines: &[PythonLine], upto: u64) {
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for l in lines {
        *seen.entry(l.n).or_default() += 1;
        assert_eq!(
            l.ordinal,
            ordinal(l.n),
            "humanize from dep/ in the worker: {l:?}"
        );
    }
    let twice: Vec<u64> = seen
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(n, _)| *n)
        .collect();
    assert!(twice.is_empty(), "numbers written twice: {twice:?}");
    let missing: Vec<u64> = (0..=upto).filter(|n| !seen.contains_key(n)).collect();
    assert!(missing.is_empty(), "numbers lost up to {upto}: {missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_application_runs_on_a_registered_cluster_and_reads_its_properties() {
    assert_host_has_no_etc_flink();
    let python = pyflink_python(FLINK_1_20);
    let f = Flink::start(&[FLINK_1_20]).await;
    let cluster = python_standalone(&python).await;
    register(&f, "edge", &cluster).await;
    let out = tempfile::tempdir().unwrap();

    // --- main() raising: the failure is its Python exception ---------------
    // (from the cluster's Job Manager log, read over REST).
    let failing = "remote-python-fails";
    let mut app = python_app(failing, &out.path().join(failing), "f", "edge");
    app.properties[1].1.push(("fail", "main".to_string()));
    f.create(&app).await;
    let start = f.start_app(failing).await;
    f.wait_status(failing, s("READY"), &[s("RUNNING")], START_TIMEOUT)
        .await;
    let op = f.operation(failing, &start).await;
    assert_eq!(op.operation_status(), &OperationStatus::Failed, "{op:#?}");
    let error = error_string(&op);
    assert!(
        error.starts_with("ValueError: python-getting-started: asked to fail in main()")
            && error.contains("Traceback (most recent call last):"),
        "{error}"
    );
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());

    let name = "remote-python";
    let dir = out.path().join(name);
    f.create(&python_app(name, &dir, "p1", "edge")).await;

    // --- started on the cluster: RUNNING, every task running --------------
    let op = f.start_app(name).await;
    f.wait_running_after(name, &op).await;
    assert_eq!(placement(&f, name).await.as_deref(), Some("edge"));
    f.assert_no_jvms(name).await;
    let jobs = live_jobs(&cluster).await;
    assert!(jobs.len() == 1, "one job on the cluster: {jobs:?}");
    let job = jobs[0].0.clone();
    eventually(
        &f,
        name,
        "every task of the job running",
        EVENT_TIMEOUT,
        || {
            let (cluster, job) = (&cluster, &job);
            async move { cluster.job_fully_running(job).unwrap_or(false) }
        },
    )
    .await;
    let told = f.filter_log(name, "\"is a Python application\"").await;
    assert_eq!(told.len(), 1, "{told:?}");
    let python_is = format!("python.executable = {}", python.display());
    assert!(
        told[0].contains("flink-python-1.20.5.jar") && told[0].contains(&python_is),
        "{told:?}"
    );

    // --- the properties reached main(), the Python UDF and the Java UDF ----
    // main() found them through `--properties` (no /etc/flink here), passed
    // the file to the Python UDF in its worker on a Task Manager host, and
    // the Java UDF read them from the jar Weir uploaded.
    wait_python_line(&f, name, &dir, "p1", None).await;
    let lines = python_lines(&dir);
    let first = lines
        .iter()
        .find(|l| l.main_tag == "p1")
        .expect("a tagged line")
        .clone();
    assert!(
        (first.udf_tag.as_str(), first.java_tag.as_str()) == ("p1", "p1"),
        "{first:?}"
    );
    assert!(
        !first.library.starts_with(PROVIDED_LIBRARY),
        "the class travels in the uploaded jar: {first:?}"
    );
    let shared = cluster.savepoint_dir().join("weir").join(name);
    assert!(shared.join("python/main.py").is_file());
    let props = shared.join("application_properties.json");
    // What main() printed, in the Job Manager's log (the Python driver's
    // lines carry no job id, so they are not the application's).
    let said = cluster.log_lines(
        "jm.log",
        &[&format!(
            "application properties from {}: ",
            props.display()
        )],
    );
    assert_eq!(
        said.len(),
        1,
        "main() read the file --properties named: {said:?}"
    );
    assert!(said[0].contains("'tag': 'p1'"), "{said:?}");

    // --- a stop with a snapshot; new properties; a start continues ---------
    let op = f.stop_app(name, false).await;
    f.wait_status(name, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(name, &op, OperationStatus::Successful)
        .await;
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    let stopped_at = python_lines(&dir).iter().map(|l| l.n).max().unwrap();
    let updates = EnvironmentPropertyUpdates::builder()
        .set_property_groups(Some(property_groups(&python_groups(&dir, "p2", "edge"))))
        .build()
        .unwrap();
    f.update(
        name,
        ApplicationConfigurationUpdate::builder()
            .environment_property_updates(updates)
            .build(),
        "the tag",
    )
    .await;
    let op = f.start_app(name).await;
    f.wait_running_after(name, &op).await;
    assert_eq!(placement(&f, name).await.as_deref(), Some("edge"));
    let log = f.log(name).await;
    assert!(
        log.iter().any(|l| l.contains("restored from snapshot")),
        "{log:#?}"
    );
    // Two rounds of the source's 32 splits past the stop: every number
    // before it is in by then.
    wait_python_line(&f, name, &dir, "p2", Some(stopped_at + 64)).await;
    let lines = python_lines(&dir);
    assert_numbers_continue(&lines, stopped_at);
    let resumed = lines
        .iter()
        .filter(|l| l.main_tag == "p2")
        .map(|l| l.n)
        .min()
        .unwrap();
    assert!(
        resumed + 32 > stopped_at,
        "the restored job continues at {resumed}, the stop was at {stopped_at}"
    );

    // --- a force stop leaves nothing on the cluster ------------------------
    let op = f.stop_app(name, true).await;
    f.wait_status(name, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(name, &op, OperationStatus::Successful)
        .await;
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    drop(cluster);
    assert_host_has_no_etc_flink();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_application_on_a_cluster_without_flink_python_fails_saying_so() {
    let f = Flink::start(&[FLINK_1_20]).await;
    // Flink's scripts point FLINK_OPT_DIR at the distribution's opt/, from
    // which Flink adds flink-python to a Python job; this cluster's is empty
    // and its classpath is lib/ alone.
    let home = runtimes_dir().join(FLINK_1_20.version).join("pyflink");
    let empty_opt = tempfile::tempdir().unwrap();
    let opts = ClusterOptions {
        task_managers: 1,
        extra_env: vec![(
            "FLINK_OPT_DIR".to_string(),
            empty_opt.path().display().to_string(),
        )],
        ..ClusterOptions::default()
    };
    let cluster = tokio::task::spawn_blocking(move || {
        remote_harness::cleanup_stale();
        StandaloneCluster::start(&home, opts)
    })
    .await
    .expect("starting the standalone cluster");
    register(&f, "bare", &cluster).await;
    let name = "python-nowhere";
    let out = tempfile::tempdir().unwrap();
    f.create(&python_app(name, &out.path().join(name), "p1", "bare"))
        .await;
    let start = f.start_app(name).await;
    f.wait_status(name, s("READY"), &[s("RUNNING")], START_TIMEOUT)
        .await;
    let op = f.operation(name, &start).await;
    assert_eq!(op.operation_status(), &OperationStatus::Failed, "{op:#?}");
    let error = error_string(&op);
    assert!(
        error.contains("Flink cluster bare cannot run Python applications: org.apache.flink.client.python.PythonDriver")
            && error.contains("Found 0 flink-python jar"),
        "{error}"
    );
    // The operator was told at placement, with a warning: no interpreter
    // is configured either.
    let told = f.filter_log(name, "\"is a Python application\"").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("no python.client.executable"), "{told:?}");
    assert!(live_jobs(&cluster).await.is_empty(), "{:?}", cluster.jobs());
    drop(cluster);
}

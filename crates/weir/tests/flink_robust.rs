//! End-to-end robustness tests with real Apache Flink (issue 7): conflicting
//! Start/Stop/force Stop/Delete calls racing on one application never leave
//! two clusters, a stray job or a half-deleted application behind; a
//! snapshot into a full disk fails with its reason while the job runs on.
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`; the
//! full-disk test mounts a tmpfs and so needs root (CI runs as root).

mod flink_harness;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::config::http::HttpResponse;
use aws_sdk_kinesisanalyticsv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kinesisanalyticsv2::primitives::DateTime;
use aws_sdk_kinesisanalyticsv2::types::{ApplicationStatus, OperationStatus, SnapshotStatus};
use flink_harness::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::sync::Barrier;
use weir_test_support::process::*;

// ---------------------------------------------------------------------------
// Concurrent Start / Stop / force Stop / Delete
// ---------------------------------------------------------------------------

/// The seed of the calls' order and timing (printed, so a failure can be
/// replayed by changing it here).
const SEED: u64 = 0x7e1_2025;
/// Calls fired at one application per round.
const CALLS: usize = 16;
/// Until an application is steady again after a round (a start on a slow
/// machine, then a stop or two).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(400);
/// The error codes a conflicting call may get; anything else (a 5xx above
/// all) fails the test.
const EXPECTED_REFUSALS: &[&str] = &[
    "ResourceInUseException",
    "ConcurrentModificationException",
    "ResourceNotFoundException",
    "InvalidArgumentException",
];
const JM_CLASS: &str = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Call {
    Start,
    Stop,
    ForceStop,
    Delete,
}

/// How the application stands when a round's calls are fired.
/// Every kind of call: Start, Stop, force Stop and Delete.
const MIXED: &[Call] = &[
    Call::Start,
    Call::Start,
    Call::Start,
    Call::Stop,
    Call::Stop,
    Call::ForceStop,
    Call::ForceStop,
    Call::Delete,
];
/// Mostly Delete, against Starts and Stops.
const DELETE_HEAVY: &[Call] = &[
    Call::Delete,
    Call::Start,
    Call::Delete,
    Call::ForceStop,
    Call::Delete,
    Call::Stop,
];

#[derive(Debug, Clone, Copy)]
enum Before {
    Ready,
    Running,
    /// A StartApplication has just been accepted.
    Starting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Deleted,
    Steady(&'static str),
}

/// What one call got: `Ok(())` or its error code.
type Outcome = Result<(), String>;

/// Accepts a success or an expected refusal; fails on anything else.
fn outcome<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    call: Call,
    result: Result<T, SdkError<E, HttpResponse>>,
) -> Outcome {
    let e = match result {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let status = e.raw_response().map(|r| r.status().as_u16());
    let code = e.code().map(str::to_string);
    match (&code, status) {
        (Some(code), Some(status))
            if (400..500).contains(&status) && EXPECTED_REFUSALS.contains(&code.as_str()) =>
        {
            Err(code.clone())
        }
        _ => panic!(
            "{call:?} got HTTP {status:?} {code:?}, not a success or an expected refusal \
             ({EXPECTED_REFUSALS:?}): {e:?}"
        ),
    }
}

async fn fire(
    client: aws_sdk_kinesisanalyticsv2::Client,
    app: &'static str,
    call: Call,
    created: Option<DateTime>,
) -> Outcome {
    match call {
        Call::Start => outcome(
            call,
            client
                .start_application()
                .application_name(app)
                .send()
                .await,
        ),
        Call::Stop => outcome(
            call,
            client.stop_application().application_name(app).send().await,
        ),
        Call::ForceStop => outcome(
            call,
            client
                .stop_application()
                .application_name(app)
                .force(true)
                .send()
                .await,
        ),
        Call::Delete => {
            // The creation time read before the round: the application the
            // round is about, never one created again since.
            let created = created.unwrap_or_else(|| DateTime::from_secs(0));
            outcome(
                call,
                client
                    .delete_application()
                    .application_name(app)
                    .create_timestamp(created)
                    .send()
                    .await,
            )
        }
    }
}

fn robust_app(f: &Flink, name: &'static str) -> App {
    counting_app(name, &f.out_dir(name), false)
}

/// Every operation of `app` (all pages) as `(operation, id, status)`.
async fn operations(f: &Flink, app: &str) -> Vec<(String, String, OperationStatus)> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = f
            .client
            .list_application_operations()
            .application_name(app)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListApplicationOperations {app}: {e:?}"));
        for op in page.application_operation_info_list() {
            all.push((
                op.operation().unwrap_or_default().to_string(),
                op.operation_id().unwrap_or_default().to_string(),
                op.operation_status().cloned().expect("OperationStatus"),
            ));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return all;
        }
    }
}

/// DescribeApplication: the status, or None once the application is gone
/// (any other error fails the test).
async fn status_or_deleted(f: &Flink, app: &str) -> Option<ApplicationStatus> {
    match f
        .client
        .describe_application()
        .application_name(app)
        .send()
        .await
    {
        Ok(out) => Some(
            out.application_detail
                .expect("ApplicationDetail")
                .application_status,
        ),
        Err(e) if e.code() == Some("ResourceNotFoundException") => None,
        Err(e) => panic!("DescribeApplication {app}: {e:?}"),
    }
}

/// Waits until `app` is gone, or READY/RUNNING with no operation
/// IN_PROGRESS (twice in a row, a second apart).
async fn settle(f: &Flink, app: &str) -> Settled {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut seen: Vec<String> = Vec::new();
    let mut candidate: Option<Settled> = None;
    loop {
        let now = match status_or_deleted(f, app).await {
            None => Some(Settled::Deleted),
            Some(status) => {
                let steady = match status {
                    ApplicationStatus::Ready => Some("READY"),
                    ApplicationStatus::Running => Some("RUNNING"),
                    _ => None,
                };
                if seen.last() != Some(&status.as_str().to_string()) {
                    seen.push(status.as_str().to_string());
                }
                match steady {
                    Some(s) => {
                        let busy = operations(f, app)
                            .await
                            .into_iter()
                            .any(|(_, _, st)| st == OperationStatus::InProgress);
                        (!busy).then_some(Settled::Steady(s))
                    }
                    None => None,
                }
            }
        };
        match (now, candidate) {
            (Some(Settled::Deleted), _) => return Settled::Deleted,
            (Some(n), Some(c)) if n == c => return n,
            _ => candidate = now,
        }
        if Instant::now() > deadline {
            panic!(
                "{app} did not settle within {SETTLE_TIMEOUT:?}: statuses seen {seen:?}\n{}",
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The live Job Managers of every cluster of the server.
fn job_managers(f: &Flink) -> Vec<ProcessInfo> {
    let clusters = f.weir.data_dir().join("clusters");
    processes_mentioning(&format!("-Dlog.file={}/", clusters.display()))
        .into_iter()
        .filter(|p| p.cmdline.contains(JM_CLASS))
        .collect()
}

/// The pids `cluster.json` names (Job Manager first).
fn recorded_pids(f: &Flink, app: &str) -> BTreeSet<i32> {
    let mut pids: BTreeSet<i32> = f.task_manager_pids(app).into_iter().collect();
    pids.insert(f.job_manager_pid(app));
    pids
}

/// Flink's `/jobs/overview` of `app`'s recorded cluster: `(id, state)`.
async fn flink_jobs(f: &Flink, app: &str) -> Vec<(String, String)> {
    let record = f
        .cluster_record(app)
        .unwrap_or_else(|| panic!("no cluster.json for {app}"));
    let url = record["rest_url"]
        .as_str()
        .unwrap_or_else(|| panic!("cluster.json has no rest_url: {record}"));
    let body: Value = reqwest::get(format!("{url}/jobs/overview"))
        .await
        .unwrap_or_else(|e| panic!("GET {url}/jobs/overview: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}/jobs/overview: not JSON: {e}"));
    body["jobs"]
        .as_array()
        .unwrap_or_else(|| panic!("/jobs/overview without jobs: {body}"))
        .iter()
        .map(|j| {
            (
                j["jid"].as_str().unwrap_or_default().to_string(),
                j["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn is_live_job(state: &str) -> bool {
    !matches!(state, "FINISHED" | "CANCELED" | "FAILED")
}

/// The invariants of a settled application.
async fn check_settled(f: &Flink, app: &str, settled: Settled, round: usize) {
    let jms = job_managers(f);
    match settled {
        Settled::Deleted => {
            let listed = f
                .client
                .list_applications()
                .send()
                .await
                .expect("ListApplications");
            let names: Vec<&str> = listed
                .application_summaries()
                .iter()
                .map(|s| s.application_name())
                .collect();
            assert!(
                !names.contains(&app),
                "round {round}: {app} is gone from DescribeApplication but ListApplications shows it: {names:?}"
            );
            f.assert_no_jvms(app).await;
            assert!(
                jms.is_empty(),
                "round {round}: {app} is deleted but Job Managers run: {jms:?}"
            );
            assert!(
                f.cluster_record(app).is_none(),
                "round {round}: {app} is deleted but {} remains",
                f.cluster_dir(app).join("cluster.json").display()
            );
        }
        Settled::Steady("READY") => {
            f.assert_no_jvms(app).await;
            assert!(
                jms.is_empty(),
                "round {round}: {app} is READY but Job Managers run: {jms:?}"
            );
            assert!(
                f.cluster_record(app).is_none(),
                "round {round}: {app} is READY but its cluster is still recorded: {:?}",
                f.cluster_record(app)
            );
        }
        Settled::Steady(_) => {
            // RUNNING: one cluster, exactly the recorded one, running one job.
            assert_eq!(
                jms.len(),
                1,
                "round {round}: {app} is RUNNING with {} Job Managers: {jms:?}\n{}",
                jms.len(),
                f.diagnosis(app).await
            );
            let recorded = recorded_pids(f, app);
            let running: BTreeSet<i32> = f.jvms(app).iter().map(|p| p.pid).collect();
            assert_eq!(
                running,
                recorded,
                "round {round}: the JVMs of {app} are not those of its recorded cluster\n{}",
                f.diagnosis(app).await
            );
            assert_eq!(jms[0].pid, f.job_manager_pid(app));
            // The job may still be deploying a moment after RUNNING; never
            // may two live jobs be seen.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let jobs = flink_jobs(f, app).await;
                let live: Vec<&(String, String)> =
                    jobs.iter().filter(|(_, s)| is_live_job(s)).collect();
                assert!(
                    live.len() <= 1,
                    "round {round}: {app}'s Flink runs {} jobs: {jobs:?}\n{}",
                    live.len(),
                    f.diagnosis(app).await
                );
                if live.len() == 1 && live[0].1 == "RUNNING" {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "round {round}: {app} is RUNNING but its Flink has no RUNNING job: {jobs:?}\n{}",
                    f.diagnosis(app).await
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            assert_eq!(
                status_or_deleted(f, app).await,
                Some(ApplicationStatus::Running),
                "round {round}: {app} left RUNNING while it was checked"
            );
        }
    }
}

/// Brings `app` to where the round starts; returns its creation time.
async fn prepare(f: &Flink, app: &'static str, before: Before) -> Option<DateTime> {
    let status = match status_or_deleted(f, app).await {
        Some(s) => s,
        None => {
            f.create(&robust_app(f, app)).await;
            ApplicationStatus::Ready
        }
    };
    match (before, status) {
        (Before::Ready | Before::Starting, ApplicationStatus::Ready) => {}
        (Before::Ready | Before::Starting, _) => {
            f.stop_app(app, true).await;
            f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
        }
        (Before::Running, ApplicationStatus::Running) => {}
        (Before::Running, _) => {
            let op = f.start_app(app).await;
            f.wait_running_after(app, &op).await;
        }
    }
    if let Before::Starting = before {
        f.start_app(app).await;
    }
    f.detail(app).await.create_timestamp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_start_stop_delete_never_leave_two_clusters_or_a_half_deleted_record() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "contended";
    f.create(&robust_app(&f, app)).await;
    let mut rng = StdRng::seed_from_u64(SEED);
    eprintln!("seed {SEED:#x}");

    // The last round is Delete-heavy, so that some round deletes it.
    let rounds = [
        (Before::Ready, MIXED),
        (Before::Running, MIXED),
        (Before::Starting, MIXED),
        (Before::Running, DELETE_HEAVY),
    ];
    let mut endings = Vec::new();
    let mut leftovers = Vec::new();
    for (round, (before, mix)) in rounds.into_iter().enumerate() {
        let created = prepare(&f, app, before).await;
        // The round's calls in a random order; half of them fire together,
        // the others spread over the next 12 s so that they meet the
        // transient statuses (STARTING, STOPPING, FORCE_STOPPING, DELETING)
        // too.
        let mut calls: Vec<Call> = (0..CALLS).map(|i| mix[i % mix.len()]).collect();
        calls.shuffle(&mut rng);
        let delays: Vec<u64> = (0..CALLS)
            .map(|i| {
                if i % 2 == 0 {
                    0
                } else {
                    rng.gen_range(100..12_000)
                }
            })
            .collect();
        let barrier = Arc::new(Barrier::new(CALLS));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (call, delay)) in calls.iter().copied().zip(delays).enumerate() {
            let client = f.client.clone();
            let barrier = barrier.clone();
            tasks.spawn(async move {
                barrier.wait().await;
                tokio::time::sleep(Duration::from_millis(delay)).await;
                (i, call, delay, fire(client, app, call, created).await)
            });
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            outcomes.push(joined.expect("a racing call panicked"));
        }
        outcomes.sort_by_key(|(i, ..)| *i);
        eprintln!("round {round} from {before:?}:");
        for (i, call, delay, result) in &outcomes {
            eprintln!("  #{i:2} +{delay:5} ms {call:?}: {result:?}");
        }

        let settled = settle(&f, app).await;
        eprintln!("round {round} settled: {settled:?}");
        check_settled(&f, app, settled, round).await;
        if settled == Settled::Deleted {
            // Nothing of the deleted application may stay on disk either
            // (checked at the end, after every other invariant).
            leftovers.extend(files_left_of(&f, app, round).await);
            recreate(&f, app, round).await;
        }
        endings.push(settled);
    }
    eprintln!("rounds ended {endings:?}");

    // However the rounds ended, a delete of the steady application goes
    // through, and leaves the same nothing behind.
    if let Some(status) = status_or_deleted(&f, app).await {
        eprintln!("deleting {app}, {status:?}");
        f.delete_app(app).await;
        let settled = settle(&f, app).await;
        assert_eq!(settled, Settled::Deleted, "a delete of {app} {status:?}");
        check_settled(&f, app, settled, rounds.len()).await;
        leftovers.extend(files_left_of(&f, app, rounds.len()).await);
        recreate(&f, app, rounds.len()).await;
    }

    // Whatever the rounds left, the application still works: it runs and stops.
    match status_or_deleted(&f, app).await {
        Some(ApplicationStatus::Running) => {}
        _ => {
            let op = f.start_app(app).await;
            f.wait_running_after(app, &op).await;
        }
    }
    check_settled(&f, app, Settled::Steady("RUNNING"), rounds.len()).await;
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_no_jvms(app).await;

    assert!(
        leftovers.is_empty(),
        "the directories of the deleted application remained:\n{}",
        leftovers.join("\n")
    );
}

/// Creates `app` again once it is deleted: the name is free again, and the
/// new application starts from nothing.
async fn recreate(f: &Flink, app: &'static str, round: usize) {
    f.create(&robust_app(f, app)).await;
    let fresh = f.detail(app).await;
    assert_eq!(fresh.application_status, ApplicationStatus::Ready);
    assert_eq!(fresh.application_version_id, 1);
    let ops = operations(f, app).await;
    assert!(
        ops.is_empty(),
        "a re-created {app} inherited operations: {ops:?}"
    );
    check_settled(f, app, Settled::Steady("READY"), round).await;
}

/// What is left on disk of the deleted `app`: its cluster, checkpoint and
/// snapshot directories, each with what it holds.
/// What of the deleted `app` is still on disk. A delete from READY removes
/// the record at once and wakes the supervisor, which erases the runtime's
/// directories right after; so a bounded wait for them, not a sleep.
async fn files_left_of(f: &Flink, app: &str, round: usize) -> Vec<String> {
    let data = f.weir.data_dir();
    let left = || -> Vec<PathBuf> {
        ["clusters", "checkpoints", "snapshots"]
            .into_iter()
            .map(|kind| data.join(kind).join(app))
            .filter(|dir| dir.exists())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !left().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    left()
        .into_iter()
        .map(|dir| {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            format!("round {round}: {} holds {names:?}", dir.display())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// A full snapshot disk
// ---------------------------------------------------------------------------

/// A tmpfs mounted for the test, unmounted (lazily) when dropped, also when
/// the test panics.
struct TmpfsMount {
    path: PathBuf,
    mounted: bool,
}

impl TmpfsMount {
    fn mount(path: &Path, size: &str) -> TmpfsMount {
        std::fs::create_dir_all(path).unwrap();
        // SAFETY: geteuid takes nothing and cannot fail.
        let euid = unsafe { libc::geteuid() };
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size}"))
            .arg("tmpfs")
            .arg(path)
            .output()
            .expect("run mount(8)");
        assert!(
            out.status.success(),
            "this test needs root to mount a tmpfs (CI runs as root; effective uid {euid}): \
             `mount -t tmpfs -o size={size} tmpfs {}` failed: {}{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        TmpfsMount {
            path: path.to_path_buf(),
            mounted: true,
        }
    }

    fn unmount(&mut self) {
        if !std::mem::take(&mut self.mounted) {
            return;
        }
        let out = Command::new("umount").arg("-l").arg(&self.path).output();
        match out {
            Ok(out) if out.status.success() => {}
            other => eprintln!("umount -l {} failed: {other:?}", self.path.display()),
        }
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// Fills the filesystem of `dir` until it has no block left.
fn fill_up(dir: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(dir.join("filler")).expect("create the filler");
    let chunk = vec![0xa5u8; 4096];
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling {}: {e}", dir.display()),
        }
    }
    // Whatever a short write left over.
    loop {
        match file.write(&[0xa5]) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling {}: {e}", dir.display()),
        }
    }
    let _ = file.sync_all();
    let c_path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path and a zeroed statvfs to fill.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c_path.as_ptr(), &mut st) }, 0);
    assert_eq!(
        st.f_bavail,
        0,
        "{} still has {} free blocks",
        dir.display(),
        st.f_bavail
    );
}

/// CreateApplicationSnapshot, then waits until it is READY or FAILED.
async fn snapshot(f: &Flink, app: &str, name: &str) -> (SnapshotStatus, String) {
    f.client
        .create_application_snapshot()
        .application_name(app)
        .snapshot_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateApplicationSnapshot {name}: {e:?}"));
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let (status, details) = f.snapshot_status(app, name).await;
        if matches!(status, SnapshotStatus::Failed | SnapshotStatus::Ready) {
            return (status, details);
        }
        if Instant::now() > deadline {
            panic!(
                "snapshot {name} is still {status:?}: {details}\n{}",
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_snapshot_disk_fails_the_snapshot_and_the_job_runs_on() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "disk-full";
    let out = f.out_dir(app);
    // The application's snapshot directory (and it alone: checkpoints go
    // to <data-dir>/checkpoints/) is a small filesystem of its own. Mounted
    // before the cluster starts: each JVM has a mount namespace of its own
    // (for its /etc/flink), a copy of the host's mounts when it starts,
    // which a later mount on a host whose mounts are private (as here)
    // does not reach. Declared after `f`: unmounted before the test's
    // directory goes.
    let dir = f.weir.data_dir().join("snapshots").join(app);
    let checkpoints = f.weir.data_dir().join("checkpoints").join(app);
    assert!(!checkpoints.starts_with(&dir));
    let _disk = TmpfsMount::mount(&dir, "1m");
    f.create(&counting_app(app, &out, false)).await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;
    wait_output_beyond(&f, app, &out, 0).await;
    let job_manager = f.job_manager_pid(app);

    // The disk fills up while the job runs.
    fill_up(&dir);

    let (status, details) = snapshot(&f, app, "no-room").await;
    assert_eq!(
        status,
        SnapshotStatus::Failed,
        "a snapshot onto a full disk: {details}\n{}",
        f.diagnosis(app).await
    );
    // Why, in the application's log: Flink's own words for ENOSPC.
    let line = f.snapshot_failure_line(app, "no-room").await;
    eprintln!("the failure as logged: {:.2000}", line);
    assert!(
        line.contains("No space left on device"),
        "the failed snapshot's reason does not name the full disk: {line}"
    );

    // The application and its job were not touched: same cluster, the job
    // still RUNNING and committing output (i.e. checkpointing) beyond what
    // it had when the snapshot failed.
    assert_eq!(f.status(app).await, ApplicationStatus::Running);
    assert_eq!(f.job_manager_pid(app), job_manager);
    let jobs = flink_jobs(&f, app).await;
    assert!(
        jobs.iter().filter(|(_, s)| s == "RUNNING").count() == 1
            && jobs.iter().filter(|(_, s)| is_live_job(s)).count() == 1,
        "one job RUNNING after the failed snapshot: {jobs:?}"
    );
    let seen: u64 = counts(&out)
        .values()
        .map(|c| c.iter().copied().max().unwrap_or(0))
        .sum();
    wait_output_beyond(&f, app, &out, seen + 50).await;
    assert_counts_continue(&out, false);
    assert_eq!(f.status(app).await, ApplicationStatus::Running);
    assert_eq!(f.job_manager_pid(app), job_manager);

    // With room again, a snapshot succeeds and the application stops.
    std::fs::remove_file(dir.join("filler")).expect("remove the filler");
    let (status, details) = snapshot(&f, app, "room-again").await;
    assert_eq!(
        status,
        SnapshotStatus::Ready,
        "a snapshot once the disk has room: {details}\n{}",
        f.diagnosis(app).await
    );
    f.stop_app(app, false).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], STOP_TIMEOUT)
        .await;
    f.assert_no_jvms(app).await;
}

//! The supervisor's reactions, against a scripted fake runtime. (That real
//! Flink clusters behave this way is shown by the end-to-end tests.)

use std::sync::atomic::{AtomicUsize, Ordering};

use weir_control::model::*;
use weir_control::operation::{OperationRecord, OperationStatus};
use weir_control::reconcile::Fit;
use weir_control::snapshot::{SnapshotKind, SnapshotRecord, SnapshotStatus};
use weir_control::spec::{CodeSource, NewApplication};
use weir_control::Realm;
use weir_service::{Catalogue, OperationFilter, StartRequest};
use weir_store::{LogQuery, Store};

use super::*;
use weir_runtime::backend::{JobObservation, Load, SavepointProgress, Submission};

/// A cluster that exists only in memory, driven by a script.
#[derive(Default)]
struct Fake {
    state: Mutex<FakeState>,
    launches: AtomicUsize,
}

#[derive(Default)]
struct FakeState {
    cluster_up: bool,
    job: Option<JobObservation>,
    /// Looks left before a submitted job's tasks all run.
    warmup: u32,
    /// What the submitted job does once running.
    after_running: Option<JobStatus>,
    submit_error: Option<String>,
    /// Launch never returns (a hung JVM) until the cluster is killed.
    hang_launch: bool,
    clock: i64,
    /// Savepoints asked for: (target dir, stop the job).
    savepoints: Vec<(std::path::PathBuf, bool)>,
    /// Looks a savepoint stays in progress.
    savepoint_looks: u32,
    /// What each submission restored from.
    restored: Vec<Option<String>>,
    /// Submissions of this version fail (a new version whose main() throws).
    fail_version: Option<u64>,
    /// Submissions at this parallelism fail.
    fail_parallelism: Option<u32>,
    started_ms: i64,
    /// What Flink reports as the job's latest savepoint.
    last_savepoint: Option<String>,
    /// The load the runtime measures.
    load: Option<Load>,
    /// The cluster rescales jobs in place.
    in_place: bool,
    /// In-place rescales asked for.
    rescales: Vec<u32>,
}

impl Fake {
    fn with(f: impl FnOnce(&mut FakeState)) -> Arc<Self> {
        let fake = Arc::new(Fake::default());
        f(&mut fake.state.lock().unwrap());
        fake
    }

    fn set(&self, f: impl FnOnce(&mut FakeState)) {
        f(&mut self.state.lock().unwrap());
    }
}

fn enter(job: &mut JobObservation, status: JobStatus, clock: &mut i64) {
    *clock += 1;
    job.status = status;
    job.entered.retain(|(s, _)| *s != status);
    job.entered.push((status, *clock));
}

impl Runtime for Fake {
    async fn observe(&self, _app: &Application, _job: &JobState) -> Observation {
        let mut st = self.state.lock().unwrap();
        let st = &mut *st;
        if let Some(job) = &mut st.job {
            if job.status == JobStatus::Created {
                if st.warmup == 0 {
                    enter(job, JobStatus::Running, &mut st.clock);
                    job.all_tasks_running = true;
                } else {
                    st.warmup -= 1;
                }
            } else if job.status == JobStatus::Running && job.all_tasks_running {
                if let Some(next) = st.after_running.take() {
                    if next == JobStatus::Restarting {
                        enter(job, JobStatus::Restarting, &mut st.clock);
                        enter(job, JobStatus::Running, &mut st.clock);
                        job.failure = Some("java.lang.RuntimeException: boom".into());
                    } else {
                        enter(job, next, &mut st.clock);
                        job.failure = (next == JobStatus::Failed)
                            .then(|| "java.lang.RuntimeException: fatal".into());
                    }
                }
            }
        }
        Observation {
            cluster_up: st.cluster_up,
            fit: Fit::Fits,
            cluster_started_ms: st.started_ms,
            in_place: st.in_place,
            job: st.job.clone(),
        }
    }

    async fn launch(&self, _app: &Application) -> Result<String, RuntimeFailure> {
        self.launches.fetch_add(1, Ordering::SeqCst);
        loop {
            {
                let mut st = self.state.lock().unwrap();
                if !st.hang_launch {
                    st.cluster_up = true;
                    st.started_ms = weir_service::now_millis();
                    return Ok("fake cluster up".into());
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn submit(
        &self,
        _app: &Application,
        _code: &std::path::Path,
        restore: Option<&Restore>,
    ) -> Result<Submission, RuntimeFailure> {
        let mut st = self.state.lock().unwrap();
        if st.fail_version == Some(_app.version_id)
            || st.fail_parallelism == Some(_app.config.flink.parallelism.current_parallelism)
        {
            return Err(RuntimeFailure::Refused(format!(
                "Could not execute application: version {} threw in main()",
                _app.version_id
            )));
        }
        st.restored.push(restore.map(|r| r.path.clone()));
        if let Some(e) = st.submit_error.clone() {
            return Err(RuntimeFailure::Refused(e));
        }
        let mut job = JobObservation {
            id: "f00d".into(),
            name: "fake-job".into(),
            status: JobStatus::Created,
            all_tasks_running: false,
            parallelism: _app.config.flink.parallelism.current_parallelism,
            entered: vec![],
            failure: None,
            fresh: true,
        };
        let st = &mut *st;
        enter(&mut job, JobStatus::Created, &mut st.clock);
        st.job = Some(job);
        Ok(Submission {
            job_id: "f00d".into(),
            job_name: "fake-job".into(),
            parallelism: 1,
        })
    }

    async fn savepoint(
        &self,
        _app: &str,
        _job_id: &str,
        target_dir: &std::path::Path,
        stop: bool,
    ) -> Result<String, RuntimeFailure> {
        let mut st = self.state.lock().unwrap();
        if st
            .job
            .as_ref()
            .is_some_and(|j| j.status != JobStatus::Running)
        {
            return Err(RuntimeFailure::Refused(
                "Flink refused the savepoint: job is not running".into(),
            ));
        }
        st.savepoints.push((target_dir.to_path_buf(), stop));
        Ok(format!("trigger-{}", st.savepoints.len()))
    }

    async fn savepoint_status(
        &self,
        _app: &str,
        _job_id: &str,
        trigger: &str,
    ) -> Result<SavepointProgress, RuntimeFailure> {
        let mut st = self.state.lock().unwrap();
        let st = &mut *st;
        if st.savepoint_looks > 0 {
            st.savepoint_looks -= 1;
            return Ok(SavepointProgress::InProgress);
        }
        let n: usize = trigger.trim_start_matches("trigger-").parse().unwrap();
        let (dir, stop) = st.savepoints[n - 1].clone();
        let location = dir.join(format!("savepoint-{n}"));
        std::fs::create_dir_all(&location).unwrap();
        std::fs::write(location.join("_metadata"), b"fake").unwrap();
        if stop {
            if let Some(job) = &mut st.job {
                enter(job, JobStatus::Finished, &mut st.clock);
            }
        }
        Ok(SavepointProgress::Completed {
            location: format!("file:{}", location.display()),
        })
    }

    async fn last_savepoint(&self, _app: &str, _job_id: &str) -> Option<String> {
        self.state.lock().unwrap().last_savepoint.clone()
    }

    async fn rescale(
        &self,
        _app: &Application,
        _job_id: &str,
        parallelism: u32,
    ) -> Result<(), RuntimeFailure> {
        let mut st = self.state.lock().unwrap();
        let st = &mut *st;
        if st.rescales.last() != Some(&parallelism) {
            st.rescales.push(parallelism);
            // Flink restarts the job from its checkpoint at the new size.
            if let Some(job) = &mut st.job {
                enter(job, JobStatus::Restarting, &mut st.clock);
                enter(job, JobStatus::Running, &mut st.clock);
                job.parallelism = parallelism;
            }
        }
        Ok(())
    }

    async fn trim(&self, _app: &Application) {}

    async fn reshape(&self, _app: &Application) -> Result<(), RuntimeFailure> {
        Ok(())
    }

    async fn load(&self, _app: &str, _job_id: &str) -> Option<Load> {
        self.state.lock().unwrap().load.clone()
    }

    async fn maintenance_due(&self, _app: &Application) -> Option<String> {
        Some("a newer patch release".into())
    }

    async fn stop_job(&self, _app: &str, _job_id: &str) -> Result<(), RuntimeFailure> {
        let mut st = self.state.lock().unwrap();
        let st = &mut *st;
        if let Some(job) = &mut st.job {
            enter(job, JobStatus::Canceled, &mut st.clock);
        }
        Ok(())
    }

    async fn release(&self, _app: &str, _grace: Duration) {
        let mut st = self.state.lock().unwrap();
        st.cluster_up = false;
        st.job = None;
    }

    async fn latest_checkpoint(&self, _app: &str, _job_id: &str) -> Option<String> {
        None
    }

    async fn view(&self, _app: &str) -> Option<weir_runtime::backend::ClusterView> {
        None
    }

    async fn kill(&self, _app: &str) {
        let mut st = self.state.lock().unwrap();
        st.cluster_up = false;
        st.job = None;
    }

    async fn erase(&self, _app: &str) {}
}

fn config() -> SupervisorConfig {
    SupervisorConfig {
        busy_interval: Duration::from_millis(5),
        idle_interval: Duration::from_millis(20),
        start_timeout: Duration::from_secs(60),
        stop_timeout: Duration::from_secs(60),
        release_grace: Duration::from_millis(10),
        snapshot_timeout: Duration::from_secs(60),
        autoscale: weir_control::autoscale::AutoscaleConfig {
            cpu_up_window_ms: 200,
            cpu_down_window_ms: 200,
            ..weir_control::autoscale::AutoscaleConfig::service_default()
        },
        sample_interval: Duration::from_millis(10),
        log_state_dir: None,
        retry_min: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
    }
}

#[test]
fn a_failing_step_backs_off_exponentially_up_to_the_cap() {
    let (min, max) = (Duration::from_secs(2), Duration::from_secs(60));
    let waits: Vec<u64> = (1..=8)
        .map(|failures| backoff(failures, min, max).as_secs())
        .collect();
    assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60, 60]);
    // Many failures in a row neither overflow nor pass the cap.
    assert_eq!(backoff(u32::MAX, min, max), max);
}

/// A new application `name`: Flink 1.20, a small zip, every option left out.
pub(crate) fn new_app(realm: &Realm, name: &str) -> NewApplication<CodeSource> {
    NewApplication {
        code: Some((
            CodeContentType::Zipfile,
            Some(CodeSource::Zip(b"jar".to_vec())),
        )),
        ..NewApplication::required(
            name,
            realm.application_arn(name),
            RuntimeEnvironment::Flink1_20,
            "arn:aws:iam::000000000000:role/r",
            "06:00",
        )
    }
}

fn catalogue(dir: &std::path::Path) -> Arc<Catalogue> {
    let realm = Realm {
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
    };
    let c = Catalogue::open(Store::open(dir).unwrap(), realm.clone(), "06:00".into()).unwrap();
    if c.entry_of("app").is_none() {
        c.create_application(new_app(&realm, "app"), vec![])
            .unwrap();
    }
    Arc::new(c)
}

/// Waits (generously: the fake is instant, the machine may not be) until
/// the application reaches `status`.
async fn until(c: &Catalogue, status: ApplicationStatus) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = c.entry_of("app").map(|e| e.app.status);
        if now == Some(status) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never reached {status}; is {now:?}; log {:#?}",
            log_lines(c)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn log_lines(c: &Catalogue) -> Vec<String> {
    c.log_events(
        "app",
        &LogQuery {
            limit: 1000,
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .map(|e| e.message)
    .collect()
}

fn op_status(c: &Catalogue, id: &str) -> OperationStatus {
    c.describe_operation("app", id).unwrap().status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_waits_for_all_tasks_then_stop_releases() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.warmup = 3);
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    let op = c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    assert_eq!(op_status(&c, &op.id), OperationStatus::Successful);
    assert_eq!(
        c.entry_of("app").unwrap().job.status,
        Some(JobStatus::Running)
    );

    let stop = c.stop_application("app", false).unwrap();
    until(&c, ApplicationStatus::Ready).await;
    assert_eq!(op_status(&c, &stop.id), OperationStatus::Successful);
    assert!(!fake.state.lock().unwrap().cluster_up);
    let lines = log_lines(&c);
    assert!(
        lines
            .iter()
            .any(|l| l == "Job fake-job (f00d) switched from state CREATED to RUNNING."),
        "{lines:#?}"
    );
    // Snapshots are on by default: the stop is a stop-with-savepoint.
    assert!(
        lines
            .iter()
            .any(|l| l == "Job fake-job (f00d) switched from state RUNNING to FINISHED."),
        "{lines:#?}"
    );
    let snaps = c.snapshots_of("app").unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].status, SnapshotStatus::Ready);
    assert_eq!(snaps[0].kind, SnapshotKind::System);
    assert_eq!(snaps[0].operation_id.as_deref(), Some(stop.id.as_str()));
    assert_eq!(fake.state.lock().unwrap().savepoints.len(), 1);
    assert!(
        fake.state.lock().unwrap().savepoints[0].1,
        "stop-with-savepoint"
    );

    // The next start restores it (RESTORE_FROM_LATEST_SNAPSHOT by default).
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let restored = fake.state.lock().unwrap().restored.clone();
    assert_eq!(restored[0], None);
    assert_eq!(restored[1], snaps[0].location);
    sup.stopped().await;
}

fn update_parallelism(c: &Catalogue, version: u64, rollback: bool) -> OperationRecord {
    let update = weir_control::spec::ApplicationUpdate::<CodeSource> {
        parallelism: Some(weir_control::spec::ParallelismUpdate {
            configuration_type: Some(ConfigurationType::Custom),
            parallelism: Some(2),
            parallelism_per_kpu: None,
            auto_scaling_enabled: None,
        }),
        system_rollback_enabled: Some(rollback),
        ..Default::default()
    };
    let expect = weir_service::Expectation {
        version_id: Some(version),
        conditional_token: None,
    };
    c.update_application("app", &expect, update).unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_update_snapshots_the_old_job_and_restores_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.savepoint_looks = 3);
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let op = update_parallelism(&c, 1, false);
    assert_eq!(
        c.entry_of("app").unwrap().app.status,
        ApplicationStatus::Updating
    );
    until(&c, ApplicationStatus::Running).await;
    let rec = c.describe_operation("app", &op.id).unwrap();
    assert_eq!(rec.status, OperationStatus::Successful);
    assert_eq!((rec.version_from, rec.version_to), (Some(1), Some(2)));
    let entry = c.entry_of("app").unwrap();
    assert_eq!(entry.job.version_id, Some(2));
    let snaps = c.snapshots_of("app").unwrap();
    assert_eq!(snaps[0].version_id, 1, "the old job's state");
    assert_eq!(
        fake.state.lock().unwrap().restored.last().unwrap(),
        &snaps[0].location
    );
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_update_rolls_back_by_itself_when_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.fail_version = Some(2));
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let op = update_parallelism(&c, 1, true);
    // UPDATING → (v2 fails) → ROLLING_BACK → RUNNING on v1's configuration.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let e = c.entry_of("app").unwrap();
        if e.app.status == ApplicationStatus::Running && e.app.version_id == 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:#?}",
            log_lines(&c)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let failed = c.describe_operation("app", &op.id).unwrap();
    assert_eq!(failed.status, OperationStatus::Failed);
    assert!(failed.error.as_deref().unwrap().contains("threw in main()"));
    let rollback_id = failed.rollback_operation_id.expect("names the rollback");
    let rollback = c.describe_operation("app", &rollback_id).unwrap();
    assert_eq!(
        rollback.kind,
        weir_control::operation::OperationKind::RollbackApplication
    );
    assert_eq!(rollback.status, OperationStatus::Successful);
    let app = c.describe_application("app").unwrap();
    assert_eq!(app.config.flink.parallelism.current_parallelism, 1);
    assert_eq!(
        (app.version_rolled_back_from, app.version_rolled_back_to),
        (Some(2), Some(1))
    );
    let versions = c.list_versions("app", None, 10).unwrap().items;
    assert!(
        versions.contains(&(2, ApplicationStatus::RolledBack)),
        "{versions:?}"
    );
    let snaps = c.snapshots_of("app").unwrap();
    assert_eq!(
        fake.state.lock().unwrap().restored.last().unwrap(),
        &snaps[0].location
    );
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_update_without_rollback_ends_ready() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.fail_version = Some(2));
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let op = update_parallelism(&c, 1, false);
    until(&c, ApplicationStatus::Ready).await;
    let failed = c.describe_operation("app", &op.id).unwrap();
    assert_eq!(failed.status, OperationStatus::Failed);
    assert_eq!(failed.rollback_operation_id, None);
    assert!(!fake.state.lock().unwrap().cluster_up);
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_restores_the_last_snapshot_and_refuses_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::default().into();
    let sup = Supervisor::start(
        c.clone(),
        Arc::clone(&fake),
        config(),
        CancellationToken::new(),
    );
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    // Version 1 was never updated: nothing to roll back to.
    assert!(c.rollback_application("app", 1).is_err());
    // An update without snapshots leaves none to restore: refused.
    let update = weir_control::spec::ApplicationUpdate::<CodeSource> {
        snapshots: Some(SnapshotConfig {
            enabled: false,
            mode: None,
        }),
        ..Default::default()
    };
    let expect = weir_service::Expectation {
        version_id: Some(1),
        conditional_token: None,
    };
    c.update_application("app", &expect, update).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let before = c.describe_application("app").unwrap();
    assert!(matches!(
        c.rollback_application("app", 2),
        Err(weir_service::ServiceError::InvalidRequest(_))
    ));
    assert_eq!(
        c.describe_application("app").unwrap(),
        before,
        "nothing changed"
    );
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_runs_only_inside_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake: Arc<Fake> = Fake::default().into();
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let hhmm = |offset_h: i64| {
        let minute = (weir_service::now_millis() / 60_000 + offset_h * 60).rem_euclid(24 * 60);
        format!("{:02}:{:02}", minute / 60, minute % 60)
    };
    // A window that opens in an hour: nothing happens.
    c.update_maintenance_window("app", &hhmm(1)).unwrap();
    sup.maintenance_round().await;
    assert_eq!(
        c.entry_of("app").unwrap().app.status,
        ApplicationStatus::Running
    );
    assert!(c.entry_of("app").unwrap().job.operation_id.is_none());
    // One that opened an hour ago: maintenance, with a snapshot, back to RUNNING.
    c.update_maintenance_window("app", &hhmm(-1)).unwrap();
    sup.maintenance_round().await;
    until(&c, ApplicationStatus::Running).await;
    let ops = c
        .list_operations("app", &OperationFilter::default(), 0, 10)
        .unwrap()
        .items;
    assert_eq!(
        ops[0].kind,
        weir_control::operation::OperationKind::Maintenance
    );
    assert_eq!(ops[0].status, OperationStatus::Successful);
    assert_eq!(
        c.snapshots_of("app").unwrap()[0].status,
        SnapshotStatus::Ready
    );
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_job_brings_the_application_back_to_ready() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.after_running = Some(JobStatus::Finished));
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Ready).await;
    assert!(!fake.state.lock().unwrap().cluster_up, "cluster released");
    assert!(log_lines(&c)
        .iter()
        .any(|l| l.ends_with("switched from state RUNNING to FINISHED.")));
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_submit_fails_the_operation_with_flinks_text() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake =
        Fake::with(|s| s.submit_error = Some("Could not execute application: main() threw".into()));
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    let op = c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Ready).await;
    let rec = c.describe_operation("app", &op.id).unwrap();
    assert_eq!(rec.status, OperationStatus::Failed);
    assert!(rec.error.unwrap().contains("main() threw"));
    assert!(!fake.state.lock().unwrap().cluster_up, "cluster torn down");
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_are_logged_and_a_failed_job_leaves_the_application_running() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.after_running = Some(JobStatus::Restarting));
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !log_lines(&c)
        .iter()
        .any(|l| l.ends_with("switched from state RESTARTING to RUNNING."))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:#?}",
            log_lines(&c)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(log_lines(&c)
        .iter()
        .any(|l| l.contains("RuntimeException: boom")));

    fake.set(|s| s.after_running = Some(JobStatus::Failed));
    while c.entry_of("app").unwrap().job.status != Some(JobStatus::Failed) {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        c.entry_of("app").unwrap().app.status,
        ApplicationStatus::Running
    );
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_stop_wins_over_a_hung_start() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.hang_launch = true);
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    let start = c.start_application("app", StartRequest::default()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let force = c.stop_application("app", true).unwrap();
    // The hung launch is abandoned: the application is READY while launch()
    // still hangs.
    until(&c, ApplicationStatus::Ready).await;
    assert!(
        fake.state.lock().unwrap().hang_launch,
        "launch never returned"
    );
    assert_eq!(op_status(&c, &start.id), OperationStatus::Cancelled);
    assert_eq!(op_status(&c, &force.id), OperationStatus::Successful);
    let ops = c
        .list_operations("app", &OperationFilter::default(), 0, 10)
        .unwrap();
    assert_eq!(ops.items.len(), 2);
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_supervisor_adopts_running_clusters_and_relaunches_lost_ones() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Arc::new(Fake::default());
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    sup.stopped().await;
    drop(sup);
    assert_eq!(fake.launches.load(Ordering::SeqCst), 1);

    // Weir comes back: the cluster still runs, so nothing is launched.
    let c = catalogue(dir.path());
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fake.launches.load(Ordering::SeqCst),
        1,
        "adopted, not restarted"
    );
    assert_eq!(
        c.entry_of("app").unwrap().app.status,
        ApplicationStatus::Running
    );

    // The cluster dies: the supervisor starts the application again.
    fake.set(|s| {
        s.cluster_up = false;
        s.job = None;
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while fake.launches.load(Ordering::SeqCst) < 2 || fake.state.lock().unwrap().job.is_none() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(log_lines(&c)
        .iter()
        .any(|l| l.contains("is gone; starting the application again")));
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_running_application_halts_it_first() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Arc::new(Fake::default());
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let created = c.entry_of("app").unwrap().app.create_timestamp;
    c.delete_application("app", created).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while c.entry_of("app").is_some() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!fake.state.lock().unwrap().cluster_up);
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_savepoint_flink_took_after_weir_died_is_found_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::default().into();
    let sup = Supervisor::start(
        c.clone(),
        Arc::clone(&fake),
        config(),
        CancellationToken::new(),
    );
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    sup.stopped().await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    // The dead Weir had recorded the stop and its snapshot (CREATING, no
    // request id yet); Flink went on to stop the job with a savepoint.
    let stop = c.stop_application("app", false).unwrap();
    let saved = dir.path().join("snapshots/app/savepoint-lost");
    std::fs::create_dir_all(&saved).unwrap();
    std::fs::write(saved.join("_metadata"), b"x").unwrap();
    let record = SnapshotRecord {
        application: "app".into(),
        name: "weir-system-1".into(),
        status: SnapshotStatus::Creating,
        kind: SnapshotKind::System,
        version_id: 1,
        runtime: RuntimeEnvironment::Flink1_20,
        created: weir_service::now_millis(),
        operation_id: Some(stop.id.clone()),
        stop_job: true,
        job_id: Some("f00d".into()),
        trigger_id: None,
        location: None,
        failure: None,
    };
    c.put_snapshot(&record, None).unwrap();
    fake.set(|st| {
        let mut clock = st.clock;
        if let Some(job) = &mut st.job {
            enter(job, JobStatus::Finished, &mut clock);
        }
        st.clock = clock;
        st.last_savepoint = Some(format!("file:{}", saved.display()));
    });

    let sup = Supervisor::start(
        c.clone(),
        Arc::clone(&fake),
        config(),
        CancellationToken::new(),
    );
    until(&c, ApplicationStatus::Ready).await;
    assert_eq!(op_status(&c, &stop.id), OperationStatus::Successful);
    let snaps = c.snapshots_of("app").unwrap();
    assert_eq!(snaps.len(), 1, "{snaps:#?}");
    assert_eq!(snaps[0].status, SnapshotStatus::Ready, "{snaps:#?}");
    assert_eq!(
        snaps[0].location.as_deref(),
        Some(format!("file:{}", saved.display()).as_str())
    );
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscaling_doubles_on_high_cpu_and_halves_back_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake: Arc<Fake> = Fake::default().into();
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let load = |cpu: f64| Load {
        task_manager_cpu: vec![cpu],
        busy: Some(cpu),
        backpressure: Some(0.0),
        max_parallelism: Some(128),
    };
    fake.set(|st| st.load = Some(load(0.95)));
    let parallelism = |c: &Catalogue| {
        c.describe_application("app")
            .unwrap()
            .config
            .flink
            .parallelism
            .current_parallelism
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while parallelism(&c) != 2
        || c.entry_of("app").unwrap().app.status != ApplicationStatus::Running
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:#?}",
            log_lines(&c)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    fake.set(|st| st.load = Some(load(0.01)));
    let ops = c
        .list_operations("app", &OperationFilter::default(), 0, 10)
        .unwrap()
        .items;
    assert_eq!(
        ops[0].kind,
        weir_control::operation::OperationKind::Autoscale
    );
    assert_eq!(ops[0].status, OperationStatus::Successful);
    assert!(
        log_lines(&c)
            .iter()
            .any(|l| l.contains("CPU utilization at or above 75 %")),
        "the log gives the figures"
    );
    // The scaling was a restart with a snapshot, restored.
    assert!(c
        .snapshots_of("app")
        .unwrap()
        .iter()
        .any(|s| s.status == SnapshotStatus::Ready));
    // Idle: back to the configured parallelism (1), never below.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while parallelism(&c) != 1
        || c.entry_of("app").unwrap().app.status != ApplicationStatus::Running
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:#?}",
            log_lines(&c)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(parallelism(&c), 1, "never below the configured parallelism");
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscaling_rescales_in_place_when_the_cluster_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake: Arc<Fake> = Fake::with(|st| st.in_place = true);
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let op = c.start_autoscale("app", 2, "a test").unwrap();
    until(&c, ApplicationStatus::Running).await;
    assert_eq!(op_status(&c, &op.id), OperationStatus::Successful);
    {
        let st = fake.state.lock().unwrap();
        assert_eq!(st.rescales, vec![2]);
        assert_eq!(
            st.restored.len(),
            1,
            "no resubmission: the same job rescaled"
        );
        assert_eq!(st.savepoints.len(), 1);
        assert!(!st.savepoints[0].1, "a savepoint the job runs on after");
    }
    sup.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_scaling_rolls_back_to_the_parallelism_it_had() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let update = weir_control::spec::ApplicationUpdate::<CodeSource> {
        system_rollback_enabled: Some(true),
        ..Default::default()
    };
    let expect = weir_service::Expectation {
        version_id: Some(1),
        conditional_token: None,
    };
    c.update_application("app", &expect, update).unwrap();
    let fake: Arc<Fake> = Fake::with(|st| st.fail_parallelism = Some(2));
    let sup = Supervisor::start(c.clone(), fake.clone(), config(), CancellationToken::new());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    let op = c.start_autoscale("app", 2, "a test").unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let failed = c.describe_operation("app", &op.id).unwrap();
        let e = c.entry_of("app").unwrap();
        if failed.status == OperationStatus::Failed && e.app.status == ApplicationStatus::Running {
            let rollback = failed.rollback_operation_id.expect("names the rollback");
            assert_eq!(op_status(&c, &rollback), OperationStatus::Successful);
            assert_eq!(e.app.config.flink.parallelism.current_parallelism, 1);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:#?}",
            log_lines(&c)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sup.stopped().await;
}

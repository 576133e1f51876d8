//! The supervisor's reactions, against a scripted fake runtime. (That real
//! Flink clusters behave this way is shown by the end-to-end tests.)

use std::sync::atomic::{AtomicUsize, Ordering};

use weir_control::model::*;
use weir_control::operation::OperationStatus;
use weir_control::spec::{CodeSource, NewApplication};
use weir_control::Realm;
use weir_service::{Catalogue, OperationFilter, StartRequest};
use weir_store::{LogQuery, Store};

use super::*;

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
                    return Ok("fake cluster up".into());
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn submit(
        &self,
        _app: &Application,
        _c: &Catalogue,
    ) -> Result<Submission, RuntimeFailure> {
        let mut st = self.state.lock().unwrap();
        if let Some(e) = st.submit_error.clone() {
            return Err(RuntimeFailure(e));
        }
        let mut job = JobObservation {
            id: "f00d".into(),
            name: "fake-job".into(),
            status: JobStatus::Created,
            all_tasks_running: false,
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

    async fn kill(&self, _app: &str) {
        let mut st = self.state.lock().unwrap();
        st.cluster_up = false;
        st.job = None;
    }
}

fn config() -> SupervisorConfig {
    SupervisorConfig {
        busy_interval: Duration::from_millis(5),
        idle_interval: Duration::from_millis(20),
        start_timeout: Duration::from_secs(60),
        stop_timeout: Duration::from_secs(60),
        release_grace: Duration::from_millis(10),
    }
}

fn catalogue(dir: &std::path::Path) -> Arc<Catalogue> {
    let realm = Realm {
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
    };
    let c = Catalogue::open(Store::open(dir).unwrap(), realm.clone(), "06:00".into()).unwrap();
    if c.entry_of("app").is_none() {
        let req = NewApplication::<CodeSource> {
            name: "app".into(),
            arn: realm.application_arn("app"),
            description: None,
            runtime: RuntimeEnvironment::Flink1_20,
            service_execution_role: "arn:aws:iam::000000000000:role/r".into(),
            mode: None,
            code: Some((
                CodeContentType::Zipfile,
                Some(CodeSource::Zip(b"jar".to_vec())),
            )),
            checkpoint: None,
            monitoring: None,
            parallelism: None,
            environment_properties: None,
            snapshots: None,
            system_rollback_enabled: None,
            has_vpc_configurations: false,
            encryption: None,
            log_stream_arns: vec![],
            has_sql_configuration: false,
            has_zeppelin_configuration: false,
            maintenance_start: "06:00".into(),
        };
        c.create_application(req, vec![]).unwrap();
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
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
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
    assert!(
        lines
            .iter()
            .any(|l| l == "Job fake-job (f00d) switched from state RUNNING to CANCELED."),
        "{lines:#?}"
    );
    sup.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_job_brings_the_application_back_to_ready() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.after_running = Some(JobStatus::Finished));
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Ready).await;
    assert!(!fake.state.lock().unwrap().cluster_up, "cluster released");
    assert!(log_lines(&c)
        .iter()
        .any(|l| l.ends_with("switched from state RUNNING to FINISHED.")));
    sup.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_submit_fails_the_operation_with_flinks_text() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake =
        Fake::with(|s| s.submit_error = Some("Could not execute application: main() threw".into()));
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
    let op = c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Ready).await;
    let rec = c.describe_operation("app", &op.id).unwrap();
    assert_eq!(rec.status, OperationStatus::Failed);
    assert!(rec.error.unwrap().contains("main() threw"));
    assert!(!fake.state.lock().unwrap().cluster_up, "cluster torn down");
    sup.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_are_logged_and_a_failed_job_leaves_the_application_running() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.after_running = Some(JobStatus::Restarting));
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
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
    sup.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_stop_wins_over_a_hung_start() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Fake::with(|s| s.hang_launch = true);
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
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
    sup.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_supervisor_adopts_running_clusters_and_relaunches_lost_ones() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Arc::new(Fake::default());
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
    c.start_application("app", StartRequest::default()).unwrap();
    until(&c, ApplicationStatus::Running).await;
    sup.shutdown();
    drop(sup);
    assert_eq!(fake.launches.load(Ordering::SeqCst), 1);

    // Weir comes back: the cluster still runs, so nothing is launched.
    let c = catalogue(dir.path());
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
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
    sup.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_running_application_halts_it_first() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let fake = Arc::new(Fake::default());
    let sup = Supervisor::start(c.clone(), fake.clone(), config());
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
    sup.shutdown();
}

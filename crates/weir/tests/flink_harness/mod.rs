//! The harness of the end-to-end tests with real Apache Flink: a `weir`
//! server on the shared runtimes, the official clients, and helpers to read
//! statuses, operations, the application log, processes and job output.
//! Shared by `flink.rs` (issue 3: running applications) and
//! `flink_state.rs` (issue 4: snapshots, updates, rollback, maintenance).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::primitives::Blob;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationCodeConfiguration, ApplicationConfiguration, ApplicationConfigurationUpdate,
    ApplicationDetail, ApplicationOperationInfoDetails, ApplicationStatus, CheckpointConfiguration,
    CodeContent, CodeContentType, ConfigurationType, EnvironmentProperties,
    EnvironmentPropertyUpdates, FlinkApplicationConfiguration, FlinkApplicationConfigurationUpdate,
    MonitoringConfigurationUpdate, OperationStatus, ParallelismConfiguration, PropertyGroup,
    S3ContentLocation,
};
use aws_sdk_kinesisanalyticsv2::Client;
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

// What the tests of every binary may need, whichever they use.
#[allow(unused_imports)]
pub use weir_test_support::flink::{
    example_zip, examples_dir, python_env, repo_root, runtimes_dir, Rt, FLINK_1_20, FLINK_2_2,
    SETUP_HINT,
};
use weir_test_support::process::*;
use weir_test_support::server::*;
use weir_test_support::wait::{status_is, wait_until, Look, Missed, Pace, Seen, Verdict};

/// Held for the whole of every test: under `cargo test` the tests of this
/// binary share a process and must still run one at a time.
pub static SERIAL: Mutex<()> = Mutex::const_new(());

/// Until the application reaches RUNNING (the server's own start timeout is
/// a little shorter, so a slow start shows up as a FAILED operation).
pub const START_TIMEOUT: Duration = Duration::from_secs(200);
pub const SERVER_START_TIMEOUT_SECS: u64 = 180;
/// Until a stop, force stop or delete has settled.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(120);
/// Until something expected shows in the log or in the output directory.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(180);
/// Cluster sizes: the least Weir accepts (it refuses a Task Manager below
/// ~1000 MiB and a Job Manager below 704 MiB).
pub const TASK_MANAGER_MB: &str = "1024";
pub const JOB_MANAGER_MB: &str = "768";
/// Every example job's sources emit at this rate unless a test says otherwise.
pub const RATE: &str = "100";

/// Fails unless `weir runtime list` says `rt` is installed in `dir`: the
/// server would otherwise download it from PyPI in the middle of a test.
pub fn require_runtime(dir: &Path, rt: Rt) {
    weir_test_support::flink::require_runtime(Path::new(env!("CARGO_BIN_EXE_weir")), dir, rt);
}

/// The example jar `name` built for `rt`, or a failure saying how to make it.
pub fn example_jar(rt: Rt, name: &str) -> PathBuf {
    weir_test_support::flink::example_jar(rt.version, name)
}

// ---------------------------------------------------------------------------
// The harness: a server with the shared runtimes, its clients, and the lock
// ---------------------------------------------------------------------------

pub struct Flink {
    pub weir: Weir,
    pub client: Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// Declared last: released after the server and its JVMs are gone.
    pub _serial: MutexGuard<'static, ()>,
}

impl Flink {
    /// Takes the lock, checks the prerequisites for `runtimes` and starts a
    /// server on a fresh data directory with the shared runtimes directory.
    pub async fn start(runtimes: &[Rt]) -> Flink {
        Flink::start_with_args(runtimes, &[]).await
    }

    /// As [`Flink::start`], with more server arguments.
    pub async fn start_with_args(runtimes: &[Rt], extra: &[&str]) -> Flink {
        Flink::start_as(runtimes, RunAs::default(), runtimes_dir(), extra).await
    }

    /// As [`Flink::start_with_args`], the server run as `run_as` says, on
    /// the runtimes in `dir`.
    pub async fn start_as(runtimes: &[Rt], run_as: RunAs, dir: PathBuf, extra: &[&str]) -> Flink {
        let serial = SERIAL.lock().await;
        for rt in runtimes {
            require_runtime(&dir, *rt);
        }
        let extra: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
        let mut weir = Weir::start_as(run_as, move |cmd| {
            cmd.env("WEIR_RUNTIMES_DIR", &dir)
                .args(["--task-manager-memory-mb", TASK_MANAGER_MB])
                .args(["--job-manager-memory-mb", JOB_MANAGER_MB])
                .args([
                    "--start-timeout-secs",
                    &SERVER_START_TIMEOUT_SECS.to_string(),
                ])
                .args(&extra);
        });
        weir.watch_over_descendants();
        let client = weir.client();
        let logs = weir.logs_client();
        Flink {
            weir,
            client,
            logs,
            _serial: serial,
        }
    }

    /// New clients after the server came back on another port.
    pub fn reconnect(&mut self) {
        self.client = self.weir.client();
        self.logs = self.weir.logs_client();
    }

    pub fn out_dir(&self, app: &str) -> PathBuf {
        self.weir.root().join("out").join(app)
    }

    pub fn cluster_dir(&self, app: &str) -> PathBuf {
        self.weir.data_dir().join("clusters").join(app)
    }

    // --- the Kinesis Analytics V2 API -------------------------------------

    pub async fn create(&self, app: &App) {
        let jar = match &app.code {
            Some(bytes) => bytes.clone(),
            None => std::fs::read(example_jar(app.jar_rt, app.jar))
                .unwrap_or_else(|e| panic!("reading the {} jar: {e}", app.jar)),
        };
        let content = if app.via_s3 {
            let key = format!("jobs/{}.jar", app.name);
            let object = self.weir.data_dir().join("buckets/code").join(&key);
            std::fs::create_dir_all(object.parent().unwrap()).unwrap();
            std::fs::write(&object, &jar).unwrap();
            CodeContent::builder()
                .s3_content_location(
                    S3ContentLocation::builder()
                        .bucket_arn("arn:aws:s3:::code")
                        .file_key(key)
                        .build()
                        .unwrap(),
                )
                .build()
        } else {
            CodeContent::builder()
                .zip_file_content(Blob::new(jar))
                .build()
        };
        let groups = property_groups(&app.properties);
        let flink = FlinkApplicationConfiguration::builder()
            .checkpoint_configuration(
                CheckpointConfiguration::builder()
                    .configuration_type(ConfigurationType::Custom)
                    .checkpointing_enabled(true)
                    .checkpoint_interval(2000)
                    .min_pause_between_checkpoints(500)
                    .build()
                    .unwrap(),
            )
            .parallelism_configuration(
                ParallelismConfiguration::builder()
                    .configuration_type(ConfigurationType::Custom)
                    .parallelism(app.parallelism)
                    .parallelism_per_kpu(1)
                    .auto_scaling_enabled(app.autoscaling)
                    .build()
                    .unwrap(),
            )
            .build();
        let config = ApplicationConfiguration::builder()
            .application_code_configuration(
                ApplicationCodeConfiguration::builder()
                    .code_content_type(CodeContentType::Zipfile)
                    .code_content(content)
                    .build()
                    .unwrap(),
            )
            .environment_properties(
                EnvironmentProperties::builder()
                    .set_property_groups(Some(groups))
                    .build()
                    .unwrap(),
            )
            .flink_application_configuration(flink)
            .build();
        let detail = self
            .client
            .create_application()
            .application_name(app.name)
            .runtime_environment(app.rt.env())
            .service_execution_role(ROLE)
            .application_configuration(config)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateApplication {}: {e:?}", app.name))
            .application_detail
            .expect("ApplicationDetail");
        assert_eq!(detail.application_status(), &ApplicationStatus::Ready);
    }

    /// UpdateApplication replacing `app`'s property groups with `groups`
    /// (a live update when it runs) → the operation id.
    pub async fn update_properties(
        &self,
        app: &str,
        groups: &[(&str, Vec<(&str, String)>)],
    ) -> String {
        let updates = EnvironmentPropertyUpdates::builder()
            .set_property_groups(Some(property_groups(groups)))
            .build()
            .unwrap();
        let update = ApplicationConfigurationUpdate::builder()
            .environment_property_updates(updates)
            .build();
        self.update(app, update, "properties")
            .await
            .expect("a live update has an operation")
    }

    /// UpdateApplication of `update` on the current version (`what` names
    /// it in a failure); the operation's id, if it has one.
    pub async fn update(
        &self,
        app: &str,
        update: ApplicationConfigurationUpdate,
        what: &str,
    ) -> Option<String> {
        let version = self.detail(app).await.application_version_id;
        self.client
            .update_application()
            .application_name(app)
            .current_application_version_id(version)
            .application_configuration_update(update)
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateApplication {app} ({what}): {e:?}"))
            .operation_id
    }

    /// StartApplication → the operation id.
    pub async fn start_app(&self, app: &str) -> String {
        let out = self
            .client
            .start_application()
            .application_name(app)
            .send()
            .await
            .unwrap_or_else(|e| panic!("StartApplication {app}: {e:?}"));
        out.operation_id()
            .expect("StartApplication returns an OperationId")
            .to_string()
    }

    /// StopApplication (with `Force` if asked) → the operation id.
    pub async fn stop_app(&self, app: &str, force: bool) -> String {
        let out = self
            .client
            .stop_application()
            .application_name(app)
            .force(force)
            .send()
            .await
            .unwrap_or_else(|e| panic!("StopApplication {app} force={force}: {e:?}"));
        out.operation_id()
            .expect("StopApplication returns an OperationId")
            .to_string()
    }

    pub async fn detail(&self, app: &str) -> ApplicationDetail {
        self.client
            .describe_application()
            .application_name(app)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeApplication {app}: {e:?}"))
            .application_detail
            .expect("ApplicationDetail")
    }

    /// DeleteApplication with the application's current CreateTimestamp.
    pub async fn delete_app(&self, app: &str) {
        let created = self
            .detail(app)
            .await
            .create_timestamp
            .expect("CreateTimestamp");
        self.client
            .delete_application()
            .application_name(app)
            .create_timestamp(created)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteApplication {app}: {e:?}"));
    }

    /// Waits for the application log's line saying snapshot `name` FAILED
    /// (with the reason); returns it.
    pub async fn snapshot_failure_line(&self, app: &str, name: &str) -> String {
        let failed = |l: &String| l.contains(&format!("Snapshot {name}")) && l.contains("FAILED");
        let log = self
            .wait_log(
                app,
                "the failed snapshot's reason",
                |log| log.iter().any(failed),
                EVENT_TIMEOUT,
            )
            .await;
        log.into_iter().find(failed).expect("waited for")
    }

    /// A snapshot's status, and its whole description for messages.
    pub async fn snapshot_status(
        &self,
        app: &str,
        name: &str,
    ) -> (aws_sdk_kinesisanalyticsv2::types::SnapshotStatus, String) {
        let d = self
            .client
            .describe_application_snapshot()
            .application_name(app)
            .snapshot_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeApplicationSnapshot {name}: {e:?}"))
            .snapshot_details
            .expect("SnapshotDetails");
        let text = format!("{d:?}");
        (d.snapshot_status, text)
    }

    pub async fn status(&self, app: &str) -> ApplicationStatus {
        self.detail(app).await.application_status
    }

    /// UpdateApplication of the monitoring configuration alone, on the
    /// current version; the operation's id.
    pub async fn update_monitoring(
        &self,
        app: &str,
        monitoring: MonitoringConfigurationUpdate,
    ) -> Option<String> {
        let update = ApplicationConfigurationUpdate::builder()
            .flink_application_configuration_update(
                FlinkApplicationConfigurationUpdate::builder()
                    .monitoring_configuration_update(monitoring)
                    .build(),
            )
            .build();
        self.update(app, update, "monitoring").await
    }

    pub async fn operation(&self, app: &str, id: &str) -> ApplicationOperationInfoDetails {
        self.client
            .describe_application_operation()
            .application_name(app)
            .operation_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeApplicationOperation {app} {id}: {e:?}"))
            .application_operation_info_details
            .expect("ApplicationOperationInfoDetails")
    }

    pub async fn assert_operation(&self, app: &str, id: &str, want: OperationStatus) {
        let op = self.operation(app, id).await;
        if op.operation_status() != &want {
            panic!(
                "operation {id} of {app} is {:?}, expected {want:?}: {op:#?}\n{}",
                op.operation_status(),
                self.diagnosis(app).await
            );
        }
    }

    /// Waits until `app` is RUNNING (READY fails the test) and checks that
    /// the operation `op`, which was to bring it there, succeeded.
    pub async fn wait_running_after(&self, app: &str, op: &str) {
        self.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
            .await;
        self.assert_operation(app, op, OperationStatus::Successful)
            .await;
    }

    /// Polls DescribeApplication until `app` is `want`; fails at once on a
    /// status in `bail_on`, or after `timeout`.
    pub async fn wait_status(
        &self,
        app: &str,
        want: ApplicationStatus,
        bail_on: &[ApplicationStatus],
        timeout: Duration,
    ) -> Vec<ApplicationStatus> {
        let failed: Vec<&str> = bail_on.iter().map(ApplicationStatus::as_str).collect();
        let verdict = status_is(want.as_str(), &failed);
        let pace = Pace::After(Duration::from_millis(250));
        let what = format!("{want:?}");
        self.wait_look(app, &what, timeout, pace, verdict).await
    }

    /// [`wait_until`] through the SDK client from now: the statuses seen,
    /// each change once; fails the test (with the diagnosis) if the state
    /// `what` is not reached.
    pub async fn wait_look(
        &self,
        app: &str,
        what: &str,
        timeout: Duration,
        pace: Pace,
        verdict: impl FnMut(&Look) -> Verdict,
    ) -> Vec<ApplicationStatus> {
        let mut client = self.client.clone();
        match wait_until(&mut client, app, Instant::now(), timeout, pace, verdict).await {
            Ok(seen) => statuses(&seen),
            Err((Missed::Error(e), _)) => panic!("{e}"),
            Err((_, seen)) => panic!(
                "waiting for {app} to be {what}: statuses seen {:?}\n{}",
                statuses(&seen),
                self.diagnosis(app).await
            ),
        }
    }

    // --- the CloudWatch Logs API ------------------------------------------

    /// Every message of the application's log, oldest first (GetLogEvents
    /// from the head, following `nextForwardToken` until it repeats), each
    /// event's JSON record reduced to its `message`.
    pub async fn log(&self, app: &str) -> Vec<String> {
        self.log_raw(app)
            .await
            .iter()
            .map(|raw| message_of(Some(raw)))
            .collect()
    }

    /// Every event of the application's log as its JSON record.
    pub async fn log_records(&self, app: &str) -> Vec<Value> {
        self.log_raw(app)
            .await
            .iter()
            .map(|raw| {
                serde_json::from_str(raw)
                    .unwrap_or_else(|e| panic!("a log event is not a JSON record ({e}): {raw}"))
            })
            .collect()
    }

    /// Every event's message as GetLogEvents returns it, oldest first.
    pub async fn log_raw(&self, app: &str) -> Vec<String> {
        let group = format!("/aws/kinesis-analytics/{app}");
        let mut messages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let result = self
                .logs
                .get_log_events()
                .log_group_name(&group)
                .log_stream_name("kinesis-analytics-log-stream")
                .start_from_head(true)
                .set_next_token(token.clone())
                .send()
                .await;
            let page = match result {
                Ok(page) => page,
                Err(e) if e.code() == Some("ResourceNotFoundException") => return messages,
                Err(e) => panic!("GetLogEvents {group}: {e:?}"),
            };
            messages.extend(
                page.events()
                    .iter()
                    .map(|e| e.message().unwrap_or_default().to_string()),
            );
            let next = page.next_forward_token().map(str::to_string);
            if next.is_none() || next == token {
                return messages;
            }
            token = next;
        }
    }

    /// FilterLogEvents over the application's group with `pattern`, every page.
    pub async fn filter_log(&self, app: &str, pattern: &str) -> Vec<String> {
        let group = format!("/aws/kinesis-analytics/{app}");
        let mut messages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .logs
                .filter_log_events()
                .log_group_name(&group)
                .filter_pattern(pattern)
                .set_next_token(token.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("FilterLogEvents {group} {pattern:?}: {e:?}"));
            messages.extend(page.events().iter().map(|e| message_of(e.message())));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return messages;
            }
        }
    }

    /// Polls the log until `done` holds; returns the log.
    pub async fn wait_log(
        &self,
        app: &str,
        what: &str,
        done: impl Fn(&[String]) -> bool,
        timeout: Duration,
    ) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log(app).await;
            if done(&log) {
                return log;
            }
            if Instant::now() > deadline {
                panic!(
                    "the log of {app} never showed {what}\n{}",
                    self.diagnosis(app).await
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    // --- processes ----------------------------------------------------------

    /// `clusters/<app>/cluster.json`, if there is one.
    pub fn cluster_record(&self, app: &str) -> Option<Value> {
        let path = self.cluster_dir(app).join("cluster.json");
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn job_manager_pid(&self, app: &str) -> i32 {
        let record = self
            .cluster_record(app)
            .unwrap_or_else(|| panic!("no cluster.json for {app}"));
        record["job_manager"]["pid"]
            .as_i64()
            .unwrap_or_else(|| panic!("cluster.json has no job_manager.pid: {record}"))
            as i32
    }

    pub fn task_manager_pids(&self, app: &str) -> Vec<i32> {
        let record = self
            .cluster_record(app)
            .unwrap_or_else(|| panic!("no cluster.json for {app}"));
        record["task_managers"]
            .as_array()
            .unwrap_or_else(|| panic!("cluster.json has no task_managers: {record}"))
            .iter()
            .map(|tm| tm["pid"].as_i64().expect("task manager pid") as i32)
            .collect()
    }

    /// The live processes of `app`'s cluster.
    /// The processes of `app`'s cluster: its JVMs and what they started
    /// (a Python application's driver and workers).
    pub fn jvms(&self, app: &str) -> Vec<ProcessInfo> {
        cluster_processes(&self.cluster_dir(app))
    }

    /// No process of `app`'s cluster runs (checked right away: the status
    /// that ends a stop is only written once the cluster is released).
    pub async fn assert_no_jvms(&self, app: &str) {
        let left = self.jvms(app);
        if left.is_empty() {
            return;
        }
        // Do they go away later? That tells a slow release from a leak.
        let mut later = left.clone();
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            later = self.jvms(app);
            if later.is_empty() {
                break;
            }
        }
        panic!(
            "{} process(es) of {app} still run once it is {:?} (after 10 s more: {}): {:?}\n{}",
            left.len(),
            self.status_or_gone(app).await,
            later.len(),
            left.iter()
                .map(|p| format!("{} {:.160}", p.pid, p.cmdline))
                .collect::<Vec<_>>(),
            self.diagnosis(app).await
        );
    }

    pub async fn status_or_gone(&self, app: &str) -> String {
        match self
            .client
            .describe_application()
            .application_name(app)
            .send()
            .await
        {
            Ok(out) => format!("{:?}", out.application_detail.map(|d| d.application_status)),
            Err(e) => format!("{:?}", e.code()),
        }
    }

    /// What a failing test prints: status, operations, the log, and the
    /// end of the Job Manager's log.
    pub async fn diagnosis(&self, app: &str) -> String {
        let mut out = format!("--- {app}: status {}\n", self.status_or_gone(app).await);
        if let Ok(ops) = self
            .client
            .list_application_operations()
            .application_name(app)
            .send()
            .await
        {
            for op in ops.application_operation_info_list() {
                out.push_str(&format!(
                    "operation {:?} {:?} {:?}\n",
                    op.operation(),
                    op.operation_id(),
                    op.operation_status()
                ));
            }
        }
        out.push_str("--- application log\n");
        for line in self.log(app).await {
            out.push_str(&line);
            out.push('\n');
        }
        let jm_log = self.cluster_dir(app).join("log/jobmanager.log");
        if let Ok(text) = std::fs::read_to_string(&jm_log) {
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("--- last lines of {}\n", jm_log.display()));
            for line in &lines[lines.len().saturating_sub(40)..] {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// The SDK's property groups of `(id, [(key, value)])` pairs.
pub fn property_groups(groups: &[(&str, Vec<(&str, String)>)]) -> Vec<PropertyGroup> {
    groups
        .iter()
        .map(|(id, pairs)| {
            let mut group = PropertyGroup::builder().property_group_id(*id);
            for (k, v) in pairs {
                group = group.property_map(*k, v);
            }
            group.build().unwrap()
        })
        .collect()
}

/// What an application is made of.
pub struct App {
    pub name: &'static str,
    pub rt: Rt,
    /// Whose build of the jar to use (differs from `rt` only on purpose).
    pub jar_rt: Rt,
    pub jar: &'static str,
    /// Code to use instead of the jar.
    pub code: Option<Vec<u8>>,
    pub via_s3: bool,
    pub parallelism: i32,
    pub properties: Vec<(&'static str, Vec<(&'static str, String)>)>,
    /// `AutoScalingEnabled` (off unless a test turns it on).
    pub autoscaling: bool,
}

impl App {
    pub fn new(name: &'static str, rt: Rt, jar: &'static str) -> App {
        App {
            name,
            rt,
            jar_rt: rt,
            jar,
            code: None,
            via_s3: false,
            parallelism: 1,
            properties: Vec::new(),
            autoscaling: false,
        }
    }

    pub fn group(mut self, id: &'static str, pairs: &[(&'static str, &str)]) -> App {
        self.properties
            .push((id, pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()));
        self
    }
}

/// The `message` of an event's JSON record (the whole text if it is not one).
pub fn message_of(raw: Option<&str>) -> String {
    let raw = raw.unwrap_or_default();
    match serde_json::from_str::<Value>(raw) {
        Ok(record) => match record.get("message").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => raw.to_string(),
        },
        Err(_) => raw.to_string(),
    }
}

/// `Job <name> (<32 hex>) switched from state <from> to <to>.` → the job id.
pub fn job_transition(line: &str, job: &str, from: &str, to: &str) -> Option<String> {
    let rest = line.strip_prefix(&format!("Job {job} ("))?;
    let (id, rest) = rest.split_once(')')?;
    let ok = id.len() == 32
        && id.chars().all(|c| c.is_ascii_hexdigit())
        && rest == format!(" switched from state {from} to {to}.");
    ok.then(|| id.to_string())
}

pub fn has_transition(log: &[String], job: &str, from: &str, to: &str) -> bool {
    log.iter()
        .any(|l| job_transition(l, job, from, to).is_some())
}

/// Flink never enters INITIALIZING from another status, and it names the
/// job it runs: lines that say otherwise were made up by Weir.
/// Whether a log message is one of Flink's own lines, shipped from a Job
/// Manager's or Task Manager's log, rather than Weir's.
pub fn is_flink_line(message: &str) -> bool {
    message.starts_with("[jobmanager] ") || message.starts_with("[taskmanager ")
}

/// Weir's own lines of a log (Flink's shipped lines left out).
pub fn weir_lines(messages: Vec<String>) -> Vec<String> {
    messages.into_iter().filter(|m| !is_flink_line(m)).collect()
}

pub fn assert_plausible_job_lines(log: &[String], job: &str) {
    let bogus: Vec<&String> = log
        .iter()
        .filter(|l| {
            (l.starts_with("Job ") && l.ends_with(" to INITIALIZING."))
                || (l.starts_with("Submitted job ")
                    && !l.starts_with(&format!("Submitted job {job} (")))
        })
        .collect();
    assert!(
        bogus.is_empty(),
        "job lines that do not match what Flink did: {bogus:#?}\n{log:#?}"
    );
}

pub fn position(log: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    log.iter().position(|l| pred(l))
}

/// The committed part files of a file sink (dot files are in progress).
pub fn part_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_none_or(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

pub fn part_lines(dir: &Path) -> Vec<String> {
    part_files(dir)
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn s(text: &str) -> ApplicationStatus {
    ApplicationStatus::from(text)
}

/// The statuses a wait saw, each change once.
pub fn statuses(seen: &Seen) -> Vec<ApplicationStatus> {
    seen.statuses()
        .iter()
        .map(|(status, _)| s(status))
        .collect()
}

// ---------------------------------------------------------------------------
// The state of the streaming-count example: its committed `key,count,n` lines
// ---------------------------------------------------------------------------

pub fn counting_app(name: &'static str, out: &Path, extra_operator: bool) -> App {
    App::new(name, FLINK_1_20, "streaming-count")
        .group("SinkConfig", &[("output.path", &out.display().to_string())])
        .group(
            "SourceConfig",
            &[("records.per.second", RATE), ("keys", "3")],
        )
        .group(
            "CountConfig",
            &[(
                "extra.operator",
                if extra_operator { "true" } else { "false" },
            )],
        )
}

/// `key → counts` of every committed output line.
pub fn counts(dir: &Path) -> BTreeMap<u64, Vec<u64>> {
    let mut by_key: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for line in part_lines(dir) {
        let cols: Vec<&str> = line.split(',').collect();
        let (Some(k), Some(c)) = (cols.first(), cols.get(1)) else {
            panic!("not `key,count,n`: {line:?}");
        };
        by_key
            .entry(k.parse().expect("key"))
            .or_default()
            .push(c.parse().expect("count"));
    }
    by_key
}

/// Every key counted 1..=max with no gap and no reset; duplicates only if
/// `replayed` (after a restore from an older snapshot). Returns the total.
pub fn assert_counts_continue(dir: &Path, replayed: bool) -> u64 {
    let by_key = counts(dir);
    assert!(!by_key.is_empty(), "no output in {}", dir.display());
    let mut total = 0;
    for (key, mut seen) in by_key {
        seen.sort_unstable();
        let ones = seen.iter().filter(|c| **c == 1).count();
        assert_eq!(ones, 1, "key {key}: the count was reset ({ones} ones)");
        let before = seen.len();
        seen.dedup();
        if !replayed {
            assert_eq!(seen.len(), before, "key {key}: a count appears twice");
        }
        let max = *seen.last().unwrap();
        assert_eq!(
            seen.len() as u64,
            max,
            "key {key}: counts have a gap (lost state): {} distinct up to {max}",
            seen.len()
        );
        total += max;
    }
    total
}

/// Waits until the job has committed output beyond `past` records.
pub async fn wait_output_beyond(f: &Flink, app: &str, dir: &Path, past: u64) -> u64 {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let total: u64 = counts(dir)
            .values()
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .sum();
        if total > past {
            return total;
        }
        if Instant::now() > deadline {
            panic!(
                "no output beyond {past} records in {}\n{}",
                dir.display(),
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

// ---------------------------------------------------------------------------
// Autoscaling: the load-controlled job and fast windows
// ---------------------------------------------------------------------------

/// Windows of seconds; at most 2 KPUs.
pub const AUTOSCALE_FAST: &[&str] = &[
    "--autoscale-cpu-up-window-secs",
    "8",
    "--autoscale-cpu-down-window-secs",
    "12",
    "--autoscale-busy-up-window-secs",
    "8",
    "--autoscale-busy-down-window-secs",
    "12",
    "--autoscale-sample-interval-secs",
    "1",
    "--autoscale-max-kpus",
    "2",
];

/// Until a scaling has happened (windows, then the rescale itself).
pub const SCALE_TIMEOUT: Duration = Duration::from_secs(180);

/// The `load-control` job (keyed counts; its load switched at run time
/// through `control`: `idle`, `cpu`, `slow`), autoscaling on, with the
/// autoscaling `policy` if one is given (else the service's default).
pub fn load_app(name: &'static str, out: &Path, control: &Path, policy: Option<&str>) -> App {
    std::fs::create_dir_all(control.parent().unwrap()).unwrap();
    std::fs::write(control, "idle").unwrap();
    let mut app = App::new(name, FLINK_1_20, "load-control")
        .group("SinkConfig", &[("output.path", &out.display().to_string())])
        .group(
            "SourceConfig",
            &[("records.per.second", RATE), ("keys", "3")],
        )
        .group(
            "LoadConfig",
            &[("control.file", &control.display().to_string())],
        );
    if let Some(policy) = policy {
        app = app.group("weir.autoscaling", &[("policy", policy)]);
    }
    app.autoscaling = true;
    app
}

pub fn set_load(control: &Path, mode: &str) {
    let tmp = control.with_extension("tmp");
    std::fs::write(&tmp, mode).unwrap();
    std::fs::rename(&tmp, control).unwrap();
}

pub async fn current_parallelism(f: &Flink, app: &str) -> i32 {
    f.detail(app)
        .await
        .application_configuration_description
        .and_then(|c| c.flink_application_configuration_description)
        .and_then(|f| f.parallelism_configuration_description)
        .and_then(|p| p.current_parallelism)
        .expect("CurrentParallelism")
}

/// Polls until the application is RUNNING at `parallelism`, recording the
/// statuses seen; fails on READY.
pub async fn wait_parallelism(f: &Flink, app: &str, parallelism: i32) -> Vec<ApplicationStatus> {
    let verdict = |look: &Look| {
        if look.status == "RUNNING" && look.parallelism == Some(parallelism as u64) {
            Verdict::Reached
        } else if look.status == "READY" {
            Verdict::Failed
        } else {
            Verdict::Wait
        }
    };
    let pace = Pace::After(Duration::from_millis(100));
    let what = format!("RUNNING at parallelism {parallelism}");
    f.wait_look(app, &what, SCALE_TIMEOUT, pace, verdict).await
}

/// The application's Autoscale operations, oldest first.
pub async fn autoscale_ops(f: &Flink, app: &str) -> Vec<(String, OperationStatus)> {
    f.client
        .list_application_operations()
        .application_name(app)
        .send()
        .await
        .expect("ListApplicationOperations")
        .application_operation_info_list()
        .iter()
        .filter(|o| o.operation() == Some("Autoscale"))
        .map(|o| {
            (
                o.operation_id().unwrap_or_default().to_string(),
                o.operation_status().cloned().expect("status"),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Jobs written for the service: getting-started, reading its properties
// with KinesisAnalyticsRuntime (the library left out, or bundled)
// ---------------------------------------------------------------------------

pub const SERVICE_JOB: &str = "getting-started";
pub const SERVICE_JOB_BUNDLED: &str = "getting-started-bundled";
/// The jar Weir puts on its clusters' classpath: `kinesisanalytics-runtime-<hash>.jar`.
pub const PROVIDED_LIBRARY: &str = "kinesisanalytics-runtime-";

/// A getting-started application writing to `out`, its properties tagged `tag`.
pub fn service_app(name: &'static str, rt: Rt, jar: &'static str, out: &Path, tag: &str) -> App {
    App::new(name, rt, jar)
        .group(
            "OutputConfig",
            &[("output.path", &out.display().to_string()), ("tag", tag)],
        )
        .group("SourceConfig", &[("records.per.second", "20")])
}

/// A line of getting-started's output: `n,<tag in main()>,<tag in the task>,<library jar>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    pub main_tag: String,
    pub task_tag: String,
    pub library: String,
}

pub fn service_lines(dir: &Path) -> Vec<ServiceLine> {
    part_lines(dir)
        .iter()
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!(cols.len(), 4, "not `n,main,task,library`: {line:?}");
            ServiceLine {
                main_tag: cols[1].to_string(),
                task_tag: cols[2].to_string(),
                library: cols[3].to_string(),
            }
        })
        .collect()
}

/// Waits for a committed line whose tags, read in `main()` and in the
/// running task, are both `tag`; returns it.
pub async fn wait_service_line(f: &Flink, app: &str, dir: &Path, tag: &str) -> ServiceLine {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let lines = service_lines(dir);
        if let Some(l) = lines
            .iter()
            .find(|l| l.main_tag == tag && l.task_tag == tag)
        {
            return l.clone();
        }
        if Instant::now() > deadline {
            let last: Vec<_> = lines.iter().rev().take(3).collect();
            panic!(
                "{app}: no line tagged {tag:?} in {} (last: {last:?})\n{}",
                dir.display(),
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What process `pid` sees at /etc/flink/application_properties.json
/// (read through its root, so in its own mount namespace).
pub fn seen_properties(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!(
        "/proc/{pid}/root/etc/flink/application_properties.json"
    ))
    .ok()
}

/// The `tag` of group OutputConfig in a properties file's text.
pub fn tag_in(properties: &str) -> Option<String> {
    let v: Value = serde_json::from_str(properties).ok()?;
    v.as_array()?
        .iter()
        .find(|g| g["PropertyGroupId"] == "OutputConfig")
        .and_then(|g| g["PropertyMap"]["tag"].as_str())
        .map(str::to_string)
}

/// Every JVM of `app` (its Job Manager and each Task Manager) sees its
/// application's properties, tagged `tag`, at the fixed path, in a mount
/// namespace that is not the test's.
pub fn assert_jvms_see_tag(f: &Flink, app: &str, tag: &str) {
    let jvms = f.jvms(app);
    assert!(
        jvms.len() >= 2,
        "{app}: a Job Manager and a Task Manager: {jvms:?}"
    );
    let ours = std::fs::read_link("/proc/self/ns/mnt").expect("our mount namespace");
    for p in &jvms {
        let seen = seen_properties(p.pid).unwrap_or_else(|| {
            panic!(
                "{app}: process {} sees no /etc/flink/application_properties.json",
                p.pid
            )
        });
        assert_eq!(
            tag_in(&seen).as_deref(),
            Some(tag),
            "{app}: process {} sees {seen}",
            p.pid
        );
        let theirs =
            std::fs::read_link(format!("/proc/{}/ns/mnt", p.pid)).expect("its mount namespace");
        assert_ne!(
            theirs, ours,
            "{app}: process {} shares the test's mount namespace",
            p.pid
        );
    }
}

/// The tests of jobs written for the service never write the host's
/// /etc/flink, and rely on its absence: the files the JVMs see are Weir's.
pub fn assert_host_has_no_etc_flink() {
    assert!(
        !Path::new("/etc/flink").exists(),
        "this host has an /etc/flink of its own; these tests need it absent to tell Weir's files from it"
    );
}

/// A failed operation's `ErrorString` (empty when it has none).
pub fn error_string(op: &ApplicationOperationInfoDetails) -> String {
    op.operation_failure_details()
        .and_then(|d| d.error_info())
        .and_then(|e| e.error_string())
        .unwrap_or_default()
        .to_string()
}

/// The example Python application (`examples/python-getting-started`).
pub const PYTHON_EXAMPLE: &str = "python-getting-started";

/// The example Python application set up as the service's Python samples
/// are: its zip, the run options naming `main.py`, its jarfile and `dep/`,
/// and `OutputConfig` with `tag` (read in `main()`, by the Python UDF and
/// by the Java UDF) and the output directory.
pub fn python_app(name: &'static str, rt: Rt, out: &Path, tag: &str) -> App {
    let zip = example_zip(rt.version, PYTHON_EXAMPLE);
    let mut app = App::new(name, rt, PYTHON_EXAMPLE)
        .group(
            "kinesis.analytics.flink.run.options",
            &[
                ("python", "main.py"),
                ("jarfile", "lib/python-getting-started.jar"),
                ("pyFiles", "dep/"),
            ],
        )
        .group(
            "OutputConfig",
            &[("output.path", &out.display().to_string()), ("tag", tag)],
        )
        .group("SourceConfig", &[("records.per.second", "20")]);
    app.code =
        Some(std::fs::read(&zip).unwrap_or_else(|e| panic!("reading {}: {e}", zip.display())));
    app
}

/// A line of python-getting-started's output:
/// `n,<tag in main()>,<tag in the Python UDF>,<tag in the Java UDF>,<library jar>,<ordinal of n>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonLine {
    pub n: u64,
    pub main_tag: String,
    pub udf_tag: String,
    pub java_tag: String,
    pub library: String,
    /// `humanize.ordinal(n)`, from the `dep/` the zip ships.
    pub ordinal: String,
}

/// Every committed line under `dir`, part files of any prefix.
pub fn python_lines(dir: &Path) -> Vec<PythonLine> {
    part_lines(dir)
        .iter()
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!(
                cols.len(),
                6,
                "not `n,main,udf,java,library,ordinal`: {line:?}"
            );
            PythonLine {
                n: cols[0].parse().unwrap_or_else(|_| panic!("n in {line:?}")),
                main_tag: cols[1].to_string(),
                udf_tag: cols[2].to_string(),
                java_tag: cols[3].to_string(),
                library: cols[4].to_string(),
                ordinal: cols[5].to_string(),
            }
        })
        .collect()
}

/// Waits for a committed line whose three tags are `tag` and whose number
/// is above `past`; returns it.
pub async fn wait_python_line(
    f: &Flink,
    app: &str,
    dir: &Path,
    tag: &str,
    past: Option<u64>,
) -> PythonLine {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let lines = python_lines(dir);
        if let Some(l) = lines.iter().find(|l| {
            l.main_tag == tag
                && l.udf_tag == tag
                && l.java_tag == tag
                && past.is_none_or(|p| l.n > p)
        }) {
            return l.clone();
        }
        if Instant::now() > deadline {
            let last: Vec<_> = lines.iter().rev().take(3).collect();
            panic!(
                "{app}: no line tagged {tag:?} past {past:?} in {} (last: {last:?})\n{}",
                dir.display(),
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

//! End-to-end test of metrics (issue 6) with real Apache Flink: `GET
//! /metrics` scraped while the streaming example runs — records per second
//! above zero, uptime growing, restarts counted after a Task Manager is
//! killed, the Job Manager's and every Task Manager's JVM series — the
//! operator call `WeirAdmin_20261126.DescribeApplicationMetrics` in the
//! shape the CLI and the console use, and the detail of the PARALLELISM
//! level after an update; on Flink 1.20 and 2.2.
//!
//! The server collects every second (`--metrics-interval-secs 1`), but
//! Flink's REST metrics are themselves refreshed only every 10 s and its
//! rates are one-minute averages: every expectation is polled for, with
//! generous deadlines. The server listens on 127.0.0.1, where `/metrics`
//! needs no token.
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`.

mod flink_harness;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::types::{
    ConfigurationType, MetricsLevel, MonitoringConfigurationUpdate,
};
use bytes::Bytes;
use flink_harness::*;
use http_body_util::Full;
use serde_json::{json, Value};
use weir_test_support::process::*;
use weir_test_support::server::*;

const ADMIN_METRICS: &str = "WeirAdmin_20261126.DescribeApplicationMetrics";

/// One scrape of `/metrics`: its samples, `series{labels}` → value.
struct Scrape {
    text: String,
    samples: Vec<(String, f64)>,
}

impl Scrape {
    /// The value of exactly this series (`name{a="x",b="y"}`).
    fn get(&self, series: &str) -> Option<f64> {
        self.samples
            .iter()
            .find(|(s, _)| s == series)
            .map(|(_, v)| *v)
    }

    /// An application-level series of `app`.
    fn app(&self, name: &str, app: &str) -> Option<f64> {
        self.get(&format!("{name}{{application=\"{app}\"}}"))
    }

    /// The tasks (label `task`) of the series of `name` for `app` whose
    /// further labels start with `more` (`""`: the task's own series).
    fn tasks(&self, name: &str, app: &str, more: &str) -> BTreeSet<String> {
        let prefix = format!("{name}{{application=\"{app}\",task=\"");
        self.samples
            .iter()
            .filter_map(|(s, _)| {
                let (task, rest) = s.strip_prefix(&prefix)?.split_once('"')?;
                let rest = rest.strip_suffix('}')?;
                let wanted = if more.is_empty() {
                    rest.is_empty()
                } else {
                    rest.starts_with(more)
                };
                wanted.then(|| task.to_string())
            })
            .collect()
    }

    /// The values of label `label` among the series of `name` for `app`
    /// that have it (and only `application` besides).
    fn label_values(&self, name: &str, app: &str, label: &str) -> BTreeSet<String> {
        let prefix = format!("{name}{{application=\"{app}\",{label}=\"");
        self.samples
            .iter()
            .filter_map(|(s, _)| s.strip_prefix(&prefix)?.strip_suffix("\"}"))
            .map(str::to_string)
            .collect()
    }
}

async fn scrape(f: &Flink) -> Scrape {
    let request = http::Request::builder()
        .method("GET")
        .uri(format!("{}/metrics", f.weir.endpoint()))
        .header("host", f.weir.authority())
        .body(Full::new(Bytes::new()))
        .expect("build request");
    let response = f.weir.send_request(request).await;
    assert_eq!(
        response.status, 200,
        "GET /metrics on a loopback listener: {}",
        response.text
    );
    let content_type = response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let samples = response
        .text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample line: {l:?}"));
            let value = match value {
                "NaN" => f64::NAN,
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .unwrap_or_else(|e| panic!("bad value in {l:?}: {e}")),
            };
            (series.to_string(), value)
        })
        .collect();
    Scrape {
        text: response.text,
        samples,
    }
}

/// Scrapes until `done` holds; returns that scrape.
async fn scrape_until(f: &Flink, app: &str, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let s = scrape(f).await;
        if done(&s) {
            return s;
        }
        if Instant::now() > deadline {
            panic!(
                "/metrics never showed {what}; last scrape:\n{}\n{}",
                s.text,
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn describe_metrics(f: &Flink, body: Value) -> (u16, Value) {
    let response = f
        .weir
        .send(
            ADMIN_METRICS,
            serde_json::to_vec(&body).unwrap(),
            Signing::valid(),
        )
        .await;
    (response.status, response.json)
}

/// Every one of `members` is in `v` (`path` names it in the message).
fn has_members(v: &Value, path: &str, members: &[&str]) {
    for member in members {
        assert!(v.get(member).is_some(), "{path}.{member} missing: {v:#}");
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[tokio::test]
async fn metrics_move_while_the_example_job_runs_flink_1_20() {
    metrics_move(FLINK_1_20).await;
}

/// Flink 2.x has no `fullRestarts`; everything else is the same.
#[tokio::test]
async fn metrics_move_while_the_example_job_runs_flink_2_2() {
    metrics_move(FLINK_2_2).await;
}

async fn metrics_move(rt: Rt) {
    let f = Flink::start_with_args(&[rt], &["--metrics-interval-secs", "1"]).await;
    let app = "metered";
    let mut spec =
        App::new(app, rt, "streaming-count").group("SourceConfig", &[("records.per.second", RATE)]);
    spec.parallelism = 2;
    f.create(&spec).await;

    // READY: the status and the configured shape, no figures.
    let s = scrape(&f).await;
    let status =
        |st: &str| format!("weir_application_status{{application=\"{app}\",status=\"{st}\"}}");
    assert_eq!(s.get(&status("READY")), Some(1.0), "{}", s.text);
    assert_eq!(s.get(&status("RUNNING")), Some(0.0), "{}", s.text);
    assert_eq!(s.app("weir_KPUs", app), Some(0.0), "{}", s.text);
    assert_eq!(s.app("weir_uptime", app), None, "{}", s.text);

    f.start_app(app).await;
    f.wait_status(app, s_("RUNNING"), &[s_("READY")], START_TIMEOUT)
        .await;

    // Records flow and the job's figures are there.
    let first = scrape_until(&f, app, "records per second above 0 and an uptime", |s| {
        s.app("weir_numRecordsInPerSecond", app)
            .is_some_and(|r| r > 0.0)
            && s.app("weir_numRecordsOutPerSecond", app)
                .is_some_and(|r| r > 0.0)
            && s.app("weir_uptime", app).is_some_and(|u| u > 0.0)
    })
    .await;
    assert_eq!(first.get(&status("RUNNING")), Some(1.0), "{}", first.text);
    let job_running = format!("weir_job_status{{application=\"{app}\",status=\"RUNNING\"}}");
    assert_eq!(first.get(&job_running), Some(1.0), "{}", first.text);
    assert_eq!(first.app("weir_KPUs", app), Some(2.0), "{}", first.text);
    assert_eq!(first.app("weir_CurrentParallelism", app), Some(2.0));
    assert_eq!(first.app("weir_downtime", app), Some(0.0), "{}", first.text);
    // Checkpoints triggered before every task ran count as failed: some may.
    assert!(first.app("weir_numberOfFailedCheckpoints", app).is_some());
    assert_eq!(first.app("weir_metrics_stale", app), Some(0.0));
    let restarts = first
        .app("weir_numRestarts", app)
        .unwrap_or_else(|| panic!("no weir_numRestarts:\n{}", first.text));
    assert!(
        first.app("weir_busyTimeMsPerSecond", app).is_some(),
        "{}",
        first.text
    );
    assert!(first
        .app("weir_backPressuredTimeMsPerSecond", app)
        .is_some());

    // Every JVM's series: the Job Manager and both Task Managers.
    for name in [
        "weir_cpuUtilization",
        "weir_heapMemoryUtilization",
        "weir_heapMemoryUsed",
        "weir_oldGenerationGCCount",
        "weir_oldGenerationGCTime",
        "weir_gcCount",
        "weir_gcTime",
        "weir_threadsCount",
    ] {
        let tms = first.label_values(name, app, "task_manager");
        assert_eq!(
            tms.len(),
            2,
            "{name} of 2 Task Managers: {tms:?}\n{}",
            first.text
        );
        let jm = format!("{name}{{application=\"{app}\",job_manager=\"jobmanager\"}}");
        assert!(first.get(&jm).is_some(), "{jm} missing:\n{}", first.text);
    }
    let threads = format!("weir_threadsCount{{application=\"{app}\",job_manager=\"jobmanager\"}}");
    assert!(first.get(&threads).unwrap() > 10.0, "{}", first.text);
    for tm in first.label_values("weir_heapMemoryUtilization", app, "task_manager") {
        let heap =
            format!("weir_heapMemoryUtilization{{application=\"{app}\",task_manager=\"{tm}\"}}");
        let v = first.get(&heap).unwrap();
        assert!(v > 0.0 && v <= 100.0, "{heap} = {v}");
        let slots = format!("weir_taskSlotsTotal{{application=\"{app}\",task_manager=\"{tm}\"}}");
        assert_eq!(first.get(&slots), Some(1.0), "{}", first.text);
    }

    // Uptime grows (Flink refreshes what its REST API reports every 10 s).
    let up = first.app("weir_uptime", app).unwrap();
    scrape_until(&f, app, "the uptime growing", |s| {
        s.app("weir_uptime", app).is_some_and(|u| u > up)
    })
    .await;

    // The operator call, in the shape the CLI and the console read.
    let (code, m) = describe_metrics(&f, json!({ "ApplicationName": app })).await;
    assert_eq!(code, 200, "{m}");
    has_members(
        &m,
        "DescribeApplicationMetrics",
        &[
            "ApplicationName",
            "ApplicationStatus",
            "CollectedAt",
            "IntervalSeconds",
            "MetricsLevel",
            "Job",
            "JobManager",
            "TaskManagers",
            "History",
        ],
    );
    assert_eq!(m["ApplicationName"], app);
    assert_eq!(m["ApplicationStatus"], "RUNNING");
    assert_eq!(m["IntervalSeconds"], 1);
    assert_eq!(m["MetricsLevel"], "APPLICATION");
    assert!(
        number(&m["CollectedAt"]).is_some_and(|t| t > 1.7e9),
        "{m:#}"
    );
    let job = &m["Job"];
    has_members(
        job,
        "Job",
        &[
            "JobId",
            "JobStatus",
            "Uptime",
            "Downtime",
            "NumRestarts",
            "FullRestarts",
            "LastCheckpointDuration",
            "LastCheckpointSize",
            "NumberOfFailedCheckpoints",
            "RecordsInPerSecond",
            "RecordsOutPerSecond",
            "BusyTimeMsPerSecond",
            "BackPressuredTimeMsPerSecond",
            "CurrentParallelism",
            "KPUs",
        ],
    );
    assert_eq!(job["JobStatus"], "RUNNING");
    assert_eq!(job["JobId"].as_str().map(str::len), Some(32), "{job:#}");
    assert_eq!(job["CurrentParallelism"], 2);
    assert_eq!(job["KPUs"], 2);
    if rt.version.starts_with("1.") {
        assert_eq!(job["FullRestarts"], 0, "{job:#}");
    } else {
        assert_eq!(job["FullRestarts"], Value::Null, "{job:#}");
    }
    assert!(
        number(&job["RecordsInPerSecond"]).is_some_and(|r| r > 0.0),
        "{job:#}"
    );
    assert!(number(&job["Uptime"]).is_some_and(|u| u > 0.0), "{job:#}");
    let jm = &m["JobManager"];
    has_members(
        jm,
        "JobManager",
        &[
            "Id",
            "CpuUtilization",
            "HeapMemoryUtilization",
            "HeapUsed",
            "HeapMax",
            "GcCount",
            "GcTime",
            "Threads",
        ],
    );
    assert_eq!(jm["Id"], "jobmanager");
    assert!(number(&jm["HeapMax"]).is_some_and(|h| h > 0.0), "{jm:#}");
    let tms = m["TaskManagers"].as_array().expect("TaskManagers");
    assert_eq!(tms.len(), 2, "{m:#}");
    for tm in tms {
        has_members(
            tm,
            "TaskManagers[]",
            &[
                "Id",
                "Slots",
                "FreeSlots",
                "CpuUtilization",
                "HeapMemoryUtilization",
                "HeapUsed",
                "HeapMax",
                "GcCount",
                "GcTime",
                "Threads",
                "RecordsInPerSecond",
                "RecordsOutPerSecond",
            ],
        );
        assert_eq!(tm["Slots"], 1, "{tm:#}");
        assert!(number(&tm["Threads"]).is_some_and(|t| t > 10.0), "{tm:#}");
    }
    let history = m["History"].as_array().expect("History");
    assert!(history.len() >= 2, "{m:#}");
    let times: Vec<f64> = history
        .iter()
        .map(|h| number(&h["Timestamp"]).expect("Timestamp"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {times:?}"
    );
    has_members(
        &history[0],
        "History[]",
        &[
            "Timestamp",
            "RecordsInPerSecond",
            "RecordsOutPerSecond",
            "CpuUtilization",
            "LastCheckpointDuration",
            "LastCheckpointSize",
        ],
    );
    assert!(
        history
            .iter()
            .any(|h| number(&h["RecordsInPerSecond"]).is_some_and(|r| r > 0.0)),
        "{m:#}"
    );
    // HistorySeconds bounds the history; an unknown application is refused.
    let (code, none) =
        describe_metrics(&f, json!({ "ApplicationName": app, "HistorySeconds": 0 })).await;
    assert_eq!(code, 200, "{none}");
    assert_eq!(none["History"], json!([]));
    let (code, err) = describe_metrics(&f, json!({ "ApplicationName": "nope" })).await;
    assert_eq!(
        (code, error_type(&err).as_deref()),
        (400, Some("ResourceNotFoundException"))
    );
    let (code, err) = describe_metrics(
        &f,
        json!({ "ApplicationName": app, "HistorySeconds": 3601 }),
    )
    .await;
    assert_eq!(
        (code, error_type(&err).as_deref()),
        (400, Some("InvalidArgumentException"))
    );

    // A checkpoint completes every 2 s: its figures show.
    scrape_until(&f, app, "the last checkpoint's duration and size", |s| {
        s.app("weir_lastCheckpointDuration", app).is_some()
            && s.app("weir_lastCheckpointSize", app)
                .is_some_and(|b| b > 0.0)
    })
    .await;

    // A Task Manager dies: the job restarts, and the restart is counted.
    let victim = f.task_manager_pids(app)[0];
    kill_pid(victim);
    scrape_until(&f, app, "numRestarts counting the restart", |s| {
        s.app("weir_numRestarts", app).is_some_and(|r| r > restarts)
    })
    .await;
    f.wait_log(
        app,
        "the job RUNNING again",
        |log| has_transition(log, "streaming-count", "RESTARTING", "RUNNING"),
        EVENT_TIMEOUT,
    )
    .await;
    scrape_until(&f, app, "both Task Managers' series again", |s| {
        s.label_values("weir_cpuUtilization", app, "task_manager")
            .len()
            == 2
            && s.get(&job_running) == Some(1.0)
    })
    .await;

    // PARALLELISM: tasks, operators, subtasks and each Task Manager's rates.
    let update = f
        .update_monitoring(
            app,
            MonitoringConfigurationUpdate::builder()
                .configuration_type_update(ConfigurationType::Custom)
                .metrics_level_update(MetricsLevel::Parallelism)
                .build(),
        )
        .await
        .expect("OperationId");
    f.wait_running_after(app, &update).await;
    // Right after the restart Flink has no figures of some tasks yet.
    let detailed = scrape_until(&f, app, "the PARALLELISM level's series", |s| {
        let name = "weir_numRecordsOutPerSecond";
        s.app("weir_numRecordsInPerSecond", app)
            .is_some_and(|r| r > 0.0)
            && s.tasks(name, app, "").len() == 2
            && s.tasks(name, app, ",operator=").len() == 2
            && s.tasks(name, app, ",subtask=\"1\"").len() == 2
            && s.label_values("weir_numRecordsInPerSecond", app, "task_manager")
                .len()
                == 2
    })
    .await;
    assert!(
        detailed
            .tasks("weir_busyTimeMsPerSecond", app, "")
            .iter()
            .any(|t| t.starts_with("Source: ")),
        "{}",
        detailed.text
    );
    let (code, m) = describe_metrics(&f, json!({ "ApplicationName": app })).await;
    assert_eq!(code, 200, "{m}");
    assert_eq!(m["MetricsLevel"], "PARALLELISM");
    let tasks = m["Job"]["Tasks"].as_array().expect("Job.Tasks");
    assert_eq!(tasks.len(), 2, "{m:#}");
    for task in tasks {
        assert_eq!(
            task["Subtasks"].as_array().map(Vec::len),
            Some(2),
            "{task:#}"
        );
        assert!(
            task["Operators"].as_array().is_some_and(|o| !o.is_empty()),
            "{task:#}"
        );
        for sub in task["Subtasks"].as_array().unwrap() {
            assert!(sub["TaskManager"].is_string(), "{sub:#}");
        }
    }

    // Stopped: the status stays, the figures go.
    f.stop_app(app, true).await;
    f.wait_status(app, s_("READY"), &[], STOP_TIMEOUT).await;
    scrape_until(&f, app, "no figures once READY", |s| {
        s.get(&status("READY")) == Some(1.0)
            && s.app("weir_KPUs", app) == Some(0.0)
            && s.app("weir_uptime", app).is_none()
            && s.label_values("weir_cpuUtilization", app, "task_manager")
                .is_empty()
    })
    .await;
    let (code, m) = describe_metrics(&f, json!({ "ApplicationName": app })).await;
    assert_eq!(code, 200, "{m}");
    assert_eq!(
        (&m["Job"], &m["JobManager"]),
        (&Value::Null, &Value::Null),
        "{m:#}"
    );
    assert_eq!(m["TaskManagers"], json!([]));
    // The history of the last hour stays.
    assert!(
        m["History"].as_array().is_some_and(|h| !h.is_empty()),
        "{m:#}"
    );
    f.assert_no_jvms(app).await;
}

/// An application status (the harness's `s`, renamed: `s` is a scrape here).
fn s_(text: &str) -> aws_sdk_kinesisanalyticsv2::types::ApplicationStatus {
    s(text)
}

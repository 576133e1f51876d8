//! `GET /metrics`: every application's metrics in the Prometheus text
//! exposition format (0.0.4), for a Prometheus (or anything that reads the
//! format) to scrape.
//!
//! Names are `weir_` and the service's CloudWatch metric name where it has
//! one (`weir_uptime`, `weir_numRestarts`, `weir_cpuUtilization`), in the
//! service's units (milliseconds, bytes, percent). Every series has the
//! label `application`; JVM figures add `task_manager="<Flink's resource
//! id>"` or `job_manager="jobmanager"`; the detail of the TASK, OPERATOR
//! and PARALLELISM levels adds `task`, `operator`, `subtask`, as the
//! service's dimensions do. Statuses are state sets:
//! `weir_application_status{application="a",status="RUNNING"} 1` and 0 for
//! every other status. All are gauges. The figures are those the collector
//! gathered last (every `--metrics-interval-secs`): a scrape reads memory
//! and asks Flink nothing.
//!
//! Access: open on a loopback listener (a local Prometheus scrapes it as
//! is); on any other address only with `Authorization: Bearer <token>`
//! equal to `--metrics-token`, and refused (403) when none is configured.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use weir_control::model::{Application, ApplicationStatus};
use weir_control::operation::JobStatus;
use weir_control::telemetry::{self, AppMetrics, JvmMetrics};

use crate::router::ApiState;

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Who may read `GET /metrics`, decided once from the listener's address.
#[derive(Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// A loopback listener: only this machine can connect.
    Open,
    /// Elsewhere, with this bearer token.
    Bearer(String),
    /// Elsewhere, and no token was configured.
    Refused,
}

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MetricsAccess::Open => "Open",
            MetricsAccess::Bearer(_) => "Bearer(<token>)",
            MetricsAccess::Refused => "Refused",
        })
    }
}

impl MetricsAccess {
    /// The rule for a server listening on `ip` with `token` configured.
    pub fn for_listener(ip: IpAddr, token: Option<String>) -> MetricsAccess {
        if ip.to_canonical().is_loopback() {
            return MetricsAccess::Open;
        }
        match token.filter(|t| !t.trim().is_empty()) {
            Some(t) => MetricsAccess::Bearer(t.trim().to_string()),
            None => MetricsAccess::Refused,
        }
    }

    /// Whether a request with `headers` may read the metrics; why not.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let token = match self {
            MetricsAccess::Open => return Ok(()),
            MetricsAccess::Refused => {
                return Err(Refusal {
                    status: StatusCode::FORBIDDEN,
                    message: "GET /metrics is open only on a loopback listener. This server listens on another address and has no metrics token: start it with --metrics-token (WEIR_METRICS_TOKEN) and scrape with `Authorization: Bearer <token>`.\n",
                })
            }
            MetricsAccess::Bearer(token) => token,
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let message = match given {
            Some(g) if constant_time_eq(g.as_bytes(), token.as_bytes()) => return Ok(()),
            Some(_) => "GET /metrics: the bearer token is not the metrics token\n",
            None => "GET /metrics needs `Authorization: Bearer <token>` with the server's metrics token (--metrics-token)\n",
        };
        Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            message,
        })
    }
}

/// Why `GET /metrics` was refused: 401 (no or a wrong token) or 403 (no
/// token configured), with a sentence saying what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: &'static str,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.status == StatusCode::UNAUTHORIZED {
            (
                self.status,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"weir-metrics\"")],
                self.message,
            )
                .into_response()
        } else {
            (self.status, self.message).into_response()
        }
    }
}

/// Compares without stopping at the first difference, so the time taken
/// says nothing of how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`
pub async fn serve(State(state): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = state.metrics_access.check(&headers) {
        return refusal.into_response();
    }
    let entries = state.catalogue.entries();
    let latest: Vec<Option<Arc<AppMetrics>>> = entries
        .iter()
        .map(|e| state.board.latest(&e.app.name))
        .collect();
    let apps: Vec<Exposed<'_>> = entries
        .iter()
        .zip(&latest)
        .map(|(e, m)| Exposed::new(&e.app, m.as_deref()))
        .collect();
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], render(&apps)).into_response()
}

/// One application as `/metrics` shows it: the catalogue's view (status,
/// parallelism, now) and the collector's figures (as of their round).
pub struct Exposed<'a> {
    pub name: &'a str,
    pub status: ApplicationStatus,
    pub kpus: u32,
    pub current_parallelism: u32,
    pub metrics: Option<&'a AppMetrics>,
}

impl<'a> Exposed<'a> {
    pub fn new(app: &'a Application, metrics: Option<&'a AppMetrics>) -> Exposed<'a> {
        let parallelism = &app.config.flink.parallelism;
        Exposed {
            name: &app.name,
            status: app.status,
            // KPUs in use: none while READY (no cluster).
            kpus: if app.status == ApplicationStatus::Ready {
                0
            } else {
                telemetry::kpus(parallelism)
            },
            current_parallelism: parallelism.current_parallelism,
            metrics,
        }
    }
}

/// Every family `/metrics` can hold: (name, help), in the order written.
const FAMILIES: &[(&str, &str)] = &[
    ("weir_application_status", "The application's status: 1 for the one it is in, 0 for the others."),
    ("weir_job_status", "The status of the application's Flink job: 1 for the one it is in, 0 for the others."),
    ("weir_KPUs", "KPUs the application uses: one Task Manager each; 0 while it is READY."),
    ("weir_CurrentParallelism", "The parallelism the application's job runs at."),
    ("weir_uptime", "Milliseconds the job has been running without interruption."),
    ("weir_downtime", "Milliseconds of the job's current outage (failing or restarting); 0 while it runs."),
    ("weir_numRestarts", "Times the job restarted since it was submitted."),
    ("weir_fullRestarts", "Times the job fully restarted since it was submitted (Flink 1.x only)."),
    ("weir_lastCheckpointDuration", "Milliseconds the last completed checkpoint took."),
    ("weir_lastCheckpointSize", "Bytes of the last completed checkpoint."),
    ("weir_numberOfFailedCheckpoints", "Checkpoints that failed since the job was submitted."),
    ("weir_numRecordsInPerSecond", "Records received per second: by the application (every task summed), a task, an operator, a subtask or a Task Manager."),
    ("weir_numRecordsOutPerSecond", "Records emitted per second: by the application (every task summed), a task, an operator, a subtask or a Task Manager."),
    ("weir_busyTimeMsPerSecond", "Milliseconds per second a task is busy: averaged over its subtasks; for the application, its busiest task's."),
    ("weir_backPressuredTimeMsPerSecond", "Milliseconds per second a task is back-pressured: averaged over its subtasks; for the application, its most back-pressured task's."),
    ("weir_cpuUtilization", "CPU used by the JVM, percent of one vCPU (a KPU's); above 100 when it uses more than one core."),
    ("weir_heapMemoryUtilization", "Heap used, percent of the JVM's maximum heap."),
    ("weir_heapMemoryUsed", "Bytes of heap used."),
    ("weir_heapMemoryMax", "Bytes of heap the JVM may use."),
    ("weir_oldGenerationGCCount", "Old-generation garbage collections since the JVM started."),
    ("weir_oldGenerationGCTime", "Milliseconds spent in old-generation garbage collections since the JVM started."),
    ("weir_gcCount", "Garbage collections of every collector since the JVM started."),
    ("weir_gcTime", "Milliseconds spent in garbage collection since the JVM started."),
    ("weir_threadsCount", "Live threads of the JVM."),
    ("weir_taskSlotsTotal", "Task slots of the Task Manager."),
    ("weir_taskSlotsAvailable", "Task slots of the Task Manager that run nothing."),
    ("weir_metrics_collected_timestamp_seconds", "When the application's figures were collected (Unix time)."),
    ("weir_metrics_stale", "1 when the last collection could not reach the application's Flink: the figures are older."),
];

/// The families being written: each one's lines, in [`FAMILIES`] order.
struct Exposition {
    lines: Vec<String>,
}

impl Exposition {
    fn new() -> Exposition {
        Exposition {
            lines: vec![String::new(); FAMILIES.len()],
        }
    }

    /// Adds `name{labels} value` (nothing when the value is not known).
    fn add(&mut self, name: &str, labels: &[(&str, &str)], value: Option<f64>) {
        let Some(value) = value else { return };
        let i = FAMILIES
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("metric family {name} is not declared"));
        let out = &mut self.lines[i];
        out.push_str(name);
        if !labels.is_empty() {
            out.push('{');
            for (k, (key, v)) in labels.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str(key);
                out.push_str("=\"");
                escape_label_value(out, v);
                out.push('"');
            }
            out.push('}');
        }
        out.push(' ');
        write_value(out, value);
        out.push('\n');
    }

    fn finish(self) -> String {
        let mut out = String::new();
        for ((name, help), lines) in FAMILIES.iter().zip(self.lines) {
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
            let _ = writeln!(out, "# TYPE {name} gauge");
            out.push_str(&lines);
        }
        out
    }
}

/// `\`, `"` and line feeds escaped, as the format wants in label values.
fn escape_label_value(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// `\` and line feeds escaped, as the format wants in help texts.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn write_value(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

/// The exposition of `apps`.
pub fn render(apps: &[Exposed<'_>]) -> String {
    let mut x = Exposition::new();
    for app in apps {
        let a = [("application", app.name)];
        for status in ApplicationStatus::ALL {
            if status == ApplicationStatus::RolledBack {
                continue; // a version's status, never an application's
            }
            let labels = [("application", app.name), ("status", status.as_str())];
            x.add(
                "weir_application_status",
                &labels,
                Some(f64::from(u8::from(status == app.status))),
            );
        }
        x.add("weir_KPUs", &a, Some(f64::from(app.kpus)));
        x.add(
            "weir_CurrentParallelism",
            &a,
            Some(f64::from(app.current_parallelism)),
        );
        let Some(m) = app.metrics else { continue };
        x.add(
            "weir_metrics_collected_timestamp_seconds",
            &a,
            Some(m.collected_at as f64 / 1000.0),
        );
        x.add("weir_metrics_stale", &a, Some(f64::from(u8::from(m.stale))));
        if let Some(job) = &m.job {
            if let Some(current) = job.status {
                for status in JobStatus::ALL {
                    let labels = [("application", app.name), ("status", status.as_str())];
                    x.add(
                        "weir_job_status",
                        &labels,
                        Some(f64::from(u8::from(status == current))),
                    );
                }
            }
            x.add("weir_uptime", &a, job.uptime_ms);
            x.add("weir_downtime", &a, job.downtime_ms);
            x.add("weir_numRestarts", &a, job.num_restarts);
            x.add("weir_fullRestarts", &a, job.full_restarts);
            x.add(
                "weir_lastCheckpointDuration",
                &a,
                job.last_checkpoint_duration_ms,
            );
            x.add(
                "weir_lastCheckpointSize",
                &a,
                job.last_checkpoint_size_bytes,
            );
            x.add("weir_numberOfFailedCheckpoints", &a, job.failed_checkpoints);
            add_rates(
                &mut x,
                &a,
                [
                    job.records_in_per_second,
                    job.records_out_per_second,
                    job.busy_time_ms_per_second,
                    job.back_pressured_time_ms_per_second,
                ],
            );
            for task in &job.tasks {
                let t = [("application", app.name), ("task", task.name.as_str())];
                add_rates(
                    &mut x,
                    &t,
                    [
                        task.records_in_per_second,
                        task.records_out_per_second,
                        task.busy_time_ms_per_second,
                        task.back_pressured_time_ms_per_second,
                    ],
                );
                for op in &task.operators {
                    let o = [
                        ("application", app.name),
                        ("task", task.name.as_str()),
                        ("operator", op.name.as_str()),
                    ];
                    x.add("weir_numRecordsInPerSecond", &o, op.records_in_per_second);
                    x.add("weir_numRecordsOutPerSecond", &o, op.records_out_per_second);
                }
                for sub in &task.subtasks {
                    let index = sub.index.to_string();
                    let s = [
                        ("application", app.name),
                        ("task", task.name.as_str()),
                        ("subtask", index.as_str()),
                    ];
                    add_rates(
                        &mut x,
                        &s,
                        [
                            sub.records_in_per_second,
                            sub.records_out_per_second,
                            sub.busy_time_ms_per_second,
                            sub.back_pressured_time_ms_per_second,
                        ],
                    );
                }
            }
        }
        if let Some(jm) = &m.job_manager {
            add_jvm(
                &mut x,
                &[("application", app.name), ("job_manager", "jobmanager")],
                jm,
            );
        }
        for tm in &m.task_managers {
            let l = [("application", app.name), ("task_manager", tm.id.as_str())];
            add_jvm(&mut x, &l, &tm.jvm);
            x.add("weir_taskSlotsTotal", &l, tm.slots.map(f64::from));
            x.add("weir_taskSlotsAvailable", &l, tm.free_slots.map(f64::from));
            x.add("weir_numRecordsInPerSecond", &l, tm.records_in_per_second);
            x.add("weir_numRecordsOutPerSecond", &l, tm.records_out_per_second);
        }
    }
    x.finish()
}

/// The four rates Flink reports of a job, a task and a subtask: records in
/// and out, busy and back-pressured time, per second.
fn add_rates(
    x: &mut Exposition,
    labels: &[(&str, &str)],
    [rin, rout, busy, back]: [Option<f64>; 4],
) {
    x.add("weir_numRecordsInPerSecond", labels, rin);
    x.add("weir_numRecordsOutPerSecond", labels, rout);
    x.add("weir_busyTimeMsPerSecond", labels, busy);
    x.add("weir_backPressuredTimeMsPerSecond", labels, back);
}

fn add_jvm(x: &mut Exposition, labels: &[(&str, &str)], jvm: &JvmMetrics) {
    x.add("weir_cpuUtilization", labels, jvm.cpu_utilization);
    x.add("weir_heapMemoryUtilization", labels, jvm.heap_utilization());
    x.add("weir_heapMemoryUsed", labels, jvm.heap_used_bytes);
    x.add("weir_heapMemoryMax", labels, jvm.heap_max_bytes);
    x.add("weir_oldGenerationGCCount", labels, jvm.old_gc_count);
    x.add("weir_oldGenerationGCTime", labels, jvm.old_gc_time_ms);
    x.add("weir_gcCount", labels, jvm.gc_count);
    x.add("weir_gcTime", labels, jvm.gc_time_ms);
    x.add("weir_threadsCount", labels, jvm.threads);
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_control::model::MetricsLevel;
    use weir_control::telemetry::{JobMetrics, SubtaskMetrics, TaskManagerMetrics, TaskMetrics};

    fn metrics() -> AppMetrics {
        AppMetrics {
            collected_at: 1_764_150_000_123,
            level: MetricsLevel::Parallelism,
            stale: false,
            job: Some(JobMetrics {
                job_id: "j".into(),
                status: Some(JobStatus::Running),
                uptime_ms: Some(61_000.0),
                downtime_ms: Some(0.0),
                num_restarts: Some(2.0),
                records_in_per_second: Some(99.5),
                busy_time_ms_per_second: Some(f64::NAN),
                tasks: vec![TaskMetrics {
                    name: "Source: \"gen\"\\x\nline".into(),
                    records_out_per_second: Some(99.5),
                    subtasks: vec![SubtaskMetrics {
                        index: 0,
                        records_out_per_second: Some(99.5),
                        ..SubtaskMetrics::default()
                    }],
                    ..TaskMetrics::default()
                }],
                ..JobMetrics::default()
            }),
            job_manager: Some(JvmMetrics {
                cpu_utilization: Some(3.25),
                heap_used_bytes: Some(50.0),
                heap_max_bytes: Some(200.0),
                threads: Some(80.0),
                ..JvmMetrics::default()
            }),
            task_managers: vec![TaskManagerMetrics {
                id: "a-tm-0".into(),
                slots: Some(1),
                free_slots: Some(0),
                jvm: JvmMetrics {
                    cpu_utilization: Some(f64::INFINITY),
                    old_gc_count: Some(0.0),
                    ..JvmMetrics::default()
                },
                ..TaskManagerMetrics::default()
            }],
        }
    }

    fn exposed<'a>(
        name: &'a str,
        status: ApplicationStatus,
        m: Option<&'a AppMetrics>,
    ) -> Exposed<'a> {
        Exposed {
            name,
            status,
            kpus: 2,
            current_parallelism: 2,
            metrics: m,
        }
    }

    #[test]
    fn the_exposition_has_one_help_and_type_per_family_and_escaped_labels() {
        let m = metrics();
        let text = render(&[
            exposed("a", ApplicationStatus::Running, Some(&m)),
            exposed("b", ApplicationStatus::Ready, None),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        for want in [
            r#"weir_application_status{application="a",status="RUNNING"} 1"#,
            r#"weir_application_status{application="a",status="READY"} 0"#,
            r#"weir_application_status{application="b",status="READY"} 1"#,
            r#"weir_job_status{application="a",status="RUNNING"} 1"#,
            r#"weir_job_status{application="a",status="RESTARTING"} 0"#,
            r#"weir_KPUs{application="a"} 2"#,
            r#"weir_uptime{application="a"} 61000"#,
            r#"weir_downtime{application="a"} 0"#,
            r#"weir_numRestarts{application="a"} 2"#,
            r#"weir_numRecordsInPerSecond{application="a"} 99.5"#,
            r#"weir_busyTimeMsPerSecond{application="a"} NaN"#,
            r#"weir_numRecordsOutPerSecond{application="a",task="Source: \"gen\"\\x\nline"} 99.5"#,
            r#"weir_numRecordsOutPerSecond{application="a",task="Source: \"gen\"\\x\nline",subtask="0"} 99.5"#,
            r#"weir_cpuUtilization{application="a",job_manager="jobmanager"} 3.25"#,
            r#"weir_heapMemoryUtilization{application="a",job_manager="jobmanager"} 25"#,
            r#"weir_threadsCount{application="a",job_manager="jobmanager"} 80"#,
            r#"weir_cpuUtilization{application="a",task_manager="a-tm-0"} +Inf"#,
            r#"weir_oldGenerationGCCount{application="a",task_manager="a-tm-0"} 0"#,
            r#"weir_taskSlotsTotal{application="a",task_manager="a-tm-0"} 1"#,
            r#"weir_metrics_collected_timestamp_seconds{application="a"} 1764150000.123"#,
            r#"weir_metrics_stale{application="a"} 0"#,
        ] {
            assert!(lines.contains(&want), "missing {want}\n{text}");
        }
        // Unknown figures are left out, never 0.
        assert!(!text.contains("weir_fullRestarts"), "{text}");
        assert!(!text.contains("weir_lastCheckpointSize"), "{text}");
        assert!(!text.contains(r#"weir_heapMemoryUtilization{application="a",task_manager"#));
        // An application without a cluster has its status and nothing more.
        assert!(!text.contains(r#"weir_uptime{application="b"}"#));
        assert!(!text.contains(r#"weir_job_status{application="b""#));
        assert!(!text.contains("ROLLED_BACK"));
        // Each family: one HELP, one TYPE, then its samples, contiguous.
        let mut seen = std::collections::HashSet::new();
        let mut current = "";
        for line in &lines {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap();
                assert!(seen.insert(name), "{name} declared twice\n{text}");
                current = name;
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                assert_eq!(rest, format!("{current} gauge"));
            } else {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(name, current, "{line} outside its family\n{text}");
            }
        }
    }

    #[test]
    fn nothing_running_is_statuses_only() {
        let text = render(&[exposed("idle", ApplicationStatus::Ready, None)]);
        assert!(text.contains("# TYPE weir_application_status gauge\n"));
        assert!(!text.contains("weir_cpuUtilization"));
        assert_eq!(render(&[]), "");
    }

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    #[test]
    fn metrics_access_follows_the_listener_and_the_token() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let v6_loopback: IpAddr = "::1".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        let token = || Some("s3cret".to_string());
        assert_eq!(
            MetricsAccess::for_listener(loopback, None),
            MetricsAccess::Open
        );
        assert_eq!(
            MetricsAccess::for_listener(loopback, token()),
            MetricsAccess::Open
        );
        assert_eq!(
            MetricsAccess::for_listener(v6_loopback, None),
            MetricsAccess::Open
        );
        assert_eq!(
            MetricsAccess::for_listener(mapped, None),
            MetricsAccess::Open
        );
        assert_eq!(
            MetricsAccess::for_listener(any, None),
            MetricsAccess::Refused
        );
        assert_eq!(
            MetricsAccess::for_listener(any, Some("  ".into())),
            MetricsAccess::Refused
        );
        assert_eq!(
            MetricsAccess::for_listener(lan, token()),
            MetricsAccess::Bearer("s3cret".into())
        );

        let status = |access: &MetricsAccess, auth: Option<&str>| match access.check(&headers(auth))
        {
            Ok(()) => 200,
            Err(r) => r.status.as_u16(),
        };
        let open = MetricsAccess::Open;
        let bearer = MetricsAccess::Bearer("s3cret".into());
        let refused = MetricsAccess::Refused;
        for (access, auth, want) in [
            (&open, None, 200),
            (&open, Some("Bearer wrong"), 200),
            (&bearer, None, 401),
            (&bearer, Some("Bearer wrong"), 401),
            (&bearer, Some("Bearer s3cre"), 401),
            (&bearer, Some("Basic s3cret"), 401),
            (&bearer, Some("s3cret"), 401),
            (&bearer, Some("Bearer s3cret"), 200),
            (&bearer, Some("bearer  s3cret "), 200),
            (&refused, None, 403),
            (&refused, Some("Bearer s3cret"), 403),
        ] {
            assert_eq!(status(access, auth), want, "{access:?} {auth:?}");
        }
        assert_eq!(format!("{bearer:?}"), "Bearer(<token>)");
    }

    #[test]
    fn comparison_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}

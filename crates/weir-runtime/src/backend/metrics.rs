//! Asking a Flink for an application's figures: the REST walk behind
//! `GET /metrics` and `DescribeApplicationMetrics`, one per application and
//! round, through Flink's REST metrics endpoints. When and for which
//! applications is the supervisor's metrics collector's business; this is
//! only how.
//!
//! Per application and round, with T Task Managers and V tasks (vertices):
//!
//! | request | count | level |
//! |---|---|---|
//! | `GET /taskmanagers` (ids, slots, cores) | 1 | all |
//! | `GET /jobmanager/metrics?get=<JVM>` | 1 | all |
//! | `GET /taskmanagers/:id/metrics?get=<JVM>` | T | all |
//! | `GET /jobs/:id` (status, vertices) | 1 | with a job |
//! | `GET /jobs/:id/metrics?get=uptime,...` | 1 | with a job |
//! | `GET /jobs/:id/vertices/:v/subtasks/metrics?get=<4 rates>&agg=min,max,avg,sum` | V | with a job |
//! | the same for `<operator>.numRecords{In,Out}PerSecond` | V (+ V names listings once per job) | OPERATOR, PARALLELISM |
//! | `GET /jobs/:id/vertices/:v` and `.../metrics?get=<i>.<4 rates>` | 2V (more above 16 subtasks) | PARALLELISM |
//!
//! that is 4 + T + V at the APPLICATION and TASK levels (8 for the example
//! job on two Task Managers). Within one application, requests go one after
//! the other (gentle on a Job Manager that also runs the job). CPU figures
//! of local JVMs come from `/proc/<pid>/stat` between two walks (no
//! request), as autoscaling measures them.
//!
//! Flink's REST metrics are what its Job Manager fetched from the JVMs at
//! most `metrics.fetcher.update-interval` (10 s) earlier; its rates are
//! averages over a minute.
//!
//! A [`MetricsWalk`] remembers per application what one walk leaves for the
//! next: a client of its Flink (connections reused), the CPU readings, and
//! the operators of the job's vertices. Each backend has its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use weir_control::model::{EpochMillis, MetricsLevel};
use weir_control::operation::JobStatus;
use weir_control::telemetry::{
    self as t, AppMetrics, GcCounters, JobMetrics, JvmMetrics, OperatorMetrics, SubtaskMetrics,
    TaskManagerMetrics, TaskMetrics,
};

use crate::{FlinkRest, JobId, Metric, RestError};

use super::{now_millis, ClusterView, ProcessKind, RuntimeFailure};

/// The JVM figures, from every JVM.
const CPU_LOAD: &str = "Status.JVM.CPU.Load";
const HEAP_USED: &str = "Status.JVM.Memory.Heap.Used";
const HEAP_MAX: &str = "Status.JVM.Memory.Heap.Max";
const THREADS: &str = "Status.JVM.Threads.Count";
/// Garbage collectors by Flink's spelling of the JVM's names: `All` (Flink
/// ≥ 1.19 sums them), then those of Serial, Parallel, G1, ZGC and
/// Shenandoah. A JVM reports only its own; the rest are simply absent.
const GC_COLLECTORS: &[&str] = &[
    "All",
    "G1_Young_Generation",
    "G1_Old_Generation",
    "Copy",
    "MarkSweepCompact",
    "PS_Scavenge",
    "PS_MarkSweep",
    "ZGC_Cycles",
    "ZGC_Minor_Cycles",
    "ZGC_Major_Cycles",
    "Shenandoah_Cycles",
];

/// The job's figures.
const UPTIME: &str = "uptime";
const DOWNTIME: &str = "downtime";
const NUM_RESTARTS: &str = "numRestarts";
const FULL_RESTARTS: &str = "fullRestarts";
const LAST_CHECKPOINT_DURATION: &str = "lastCheckpointDuration";
const LAST_CHECKPOINT_SIZE: &str = "lastCheckpointSize";
const FAILED_CHECKPOINTS: &str = "numberOfFailedCheckpoints";
const JOB_METRICS: &[&str] = &[
    UPTIME,
    DOWNTIME,
    NUM_RESTARTS,
    FULL_RESTARTS,
    LAST_CHECKPOINT_DURATION,
    LAST_CHECKPOINT_SIZE,
    FAILED_CHECKPOINTS,
];

/// Each task's (and subtask's) figures.
const RECORDS_IN: &str = "numRecordsInPerSecond";
const RECORDS_OUT: &str = "numRecordsOutPerSecond";
const BUSY: &str = "busyTimeMsPerSecond";
const BACK_PRESSURED: &str = "backPressuredTimeMsPerSecond";
const TASK_METRICS: &[&str] = &[RECORDS_IN, RECORDS_OUT, BUSY, BACK_PRESSURED];

/// Metric names per request where their number grows with the job: keeps
/// the request line well under the 4 KiB Flink's REST server accepts.
const NAMES_PER_REQUEST: usize = 64;

/// A Flink that answers within this is fine (the collector gives an
/// application at least 5 s a round).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The metrics walk of one backend, with what it remembers per application.
pub(crate) struct MetricsWalk {
    /// Every JVM figure's Flink name, asked of each JVM.
    jvm_names: Vec<String>,
    /// What one walk remembers for the next, by application.
    seen: Mutex<HashMap<String, Seen>>,
}

#[derive(Default)]
struct Seen {
    /// A client of the application's Flink (its connections are reused).
    rest: Option<FlinkRest>,
    /// CPU seconds each JVM had used at the last walk: pid → (s, ms).
    cpu: HashMap<u32, (f64, EpochMillis)>,
    /// The operators of each vertex of `operators_job`, as its metrics
    /// name them: they only change with the job.
    operators_job: String,
    operators: HashMap<String, Vec<String>>,
}

impl Default for MetricsWalk {
    fn default() -> Self {
        let mut jvm_names: Vec<String> = [CPU_LOAD, HEAP_USED, HEAP_MAX, THREADS]
            .into_iter()
            .map(str::to_string)
            .collect();
        for c in GC_COLLECTORS {
            jvm_names.push(format!("Status.JVM.GarbageCollector.{c}.Count"));
            jvm_names.push(format!("Status.JVM.GarbageCollector.{c}.Time"));
        }
        Self {
            jvm_names,
            seen: Mutex::new(HashMap::new()),
        }
    }
}

impl MetricsWalk {
    /// Everything of application `app` whose cluster is `view`, at `level`,
    /// with the figures of job `job_id` if there is one. `Err` when its
    /// Flink does not answer (a request Flink refuses is no figures).
    pub(crate) async fn collect(
        &self,
        app: &str,
        view: &ClusterView,
        job_id: Option<&str>,
        level: MetricsLevel,
    ) -> Result<AppMetrics, RuntimeFailure> {
        self.walk(app, view, job_id, level)
            .await
            .map_err(RuntimeFailure::flink)
    }

    /// Forgets what was remembered of `app` (its cluster went).
    pub(crate) fn forget(&self, app: &str) {
        self.seen().remove(app);
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client of `app`'s Flink at `url`, made once per cluster.
    fn rest(&self, app: &str, url: &str) -> FlinkRest {
        let mut seen = self.seen();
        let s = seen.entry(app.to_string()).or_default();
        match &s.rest {
            Some(r) if r.base_url() == url.trim_end_matches('/') => r.clone(),
            _ => {
                let r = FlinkRest::new(url).with_timeouts(REQUEST_TIMEOUT, REQUEST_TIMEOUT);
                *s = Seen {
                    rest: Some(r.clone()),
                    ..Seen::default()
                };
                r
            }
        }
    }

    async fn walk(
        &self,
        app: &str,
        view: &ClusterView,
        job_id: Option<&str>,
        level: MetricsLevel,
    ) -> Result<AppMetrics, RestError> {
        let rest = self.rest(app, &view.rest_url);
        let names: Vec<&str> = self.jvm_names.iter().map(String::as_str).collect();
        let pid_of = |role: &ProcessKind| {
            view.processes
                .iter()
                .find(|p| &p.role == role && p.alive)
                .and_then(|p| p.pid)
        };
        // A JVM this Weir started runs on this machine.
        let local_cores = std::thread::available_parallelism()
            .ok()
            .map(|n| n.get() as u32);

        let tms = rest.taskmanagers().await?;
        let jm = rest.jobmanager_metrics(&names).await?;
        let jm_pid = pid_of(&ProcessKind::JobManager);
        let job_manager = self.jvm(app, &jm, jm_pid, jm_pid.and(local_cores));
        let mut task_managers = Vec::with_capacity(tms.len());
        for tm in &tms {
            let values = soft(rest.taskmanager_metrics(&tm.id, &names).await)?;
            let pid = pid_of(&ProcessKind::TaskManager { id: tm.id.clone() });
            let cores = tm.cpu_cores.or(pid.and(local_cores));
            task_managers.push(TaskManagerMetrics {
                id: tm.id.clone(),
                slots: Some(tm.slots),
                free_slots: Some(tm.free_slots),
                jvm: self.jvm(app, &values, pid, cores),
                ..TaskManagerMetrics::default()
            });
        }
        // Readings of JVMs that are gone (a replaced Task Manager).
        {
            let pids: Vec<u32> = view.processes.iter().filter_map(|p| p.pid).collect();
            if let Some(s) = self.seen().get_mut(app) {
                s.cpu.retain(|pid, _| pids.contains(pid));
            }
        }
        let job = match job_id {
            Some(id) => self.job(app, &rest, &JobId(id.to_string()), level).await?,
            None => None,
        };
        Ok(AppMetrics {
            collected_at: now_millis(),
            level,
            stale: false,
            job,
            job_manager: Some(job_manager),
            task_managers,
        }
        .finish())
    }

    /// One JVM's figures from its Flink metrics; its CPU from
    /// `/proc/<pid>/stat` when it runs here and was seen last walk, else
    /// Flink's `Status.JVM.CPU.Load` (a fraction of the machine's `cores`).
    fn jvm(
        &self,
        app: &str,
        values: &[Metric],
        pid: Option<u32>,
        cores: Option<u32>,
    ) -> JvmMetrics {
        let get = |name: &str| value(values, name);
        let gc: Vec<GcCounters> = GC_COLLECTORS
            .iter()
            .filter_map(|c| {
                let count = get(&format!("Status.JVM.GarbageCollector.{c}.Count"));
                let time_ms = get(&format!("Status.JVM.GarbageCollector.{c}.Time"));
                (count.is_some() || time_ms.is_some()).then(|| GcCounters {
                    collector: c.to_string(),
                    count,
                    time_ms,
                })
            })
            .collect();
        let gc = t::gc_totals(&gc);
        let measured = pid.and_then(|pid| self.cpu_since_last_walk(app, pid));
        let loaded = || Some(get(CPU_LOAD)? * f64::from(cores?) * 100.0);
        JvmMetrics {
            cpu_utilization: measured.or_else(loaded),
            heap_used_bytes: get(HEAP_USED),
            heap_max_bytes: get(HEAP_MAX).filter(|m| *m > 0.0),
            gc_count: gc.count,
            gc_time_ms: gc.time_ms,
            old_gc_count: gc.old_count,
            old_gc_time_ms: gc.old_time_ms,
            threads: get(THREADS),
        }
    }

    /// The JVM's CPU use since the last walk, percent of one core.
    fn cpu_since_last_walk(&self, app: &str, pid: u32) -> Option<f64> {
        let used = crate::cpu_seconds(pid)?;
        let now = now_millis();
        let mut seen = self.seen();
        let s = seen.entry(app.to_string()).or_default();
        let before = s.cpu.insert(pid, (used, now))?;
        t::cpu_percent(before, (used, now))
    }

    async fn job(
        &self,
        app: &str,
        rest: &FlinkRest,
        id: &JobId,
        level: MetricsLevel,
    ) -> Result<Option<JobMetrics>, RestError> {
        let details = match rest.job(id).await {
            Ok(d) => d,
            Err(e) if e.is_unreachable() => return Err(e),
            // Gone (a new job is being submitted): no job figures.
            Err(_) => return Ok(None),
        };
        let values = soft(rest.job_metrics(id, JOB_METRICS).await)?;
        // Flink says -1 for "none yet" (no checkpoint completed).
        let get = |name: &str| value(&values, name).filter(|v| *v >= 0.0);
        let names = t::unique_names(details.vertices.iter().map(|v| v.name.as_str()));
        let mut tasks = Vec::with_capacity(details.vertices.len());
        for (vertex, name) in details.vertices.iter().zip(names) {
            let agg = soft(
                rest.vertex_metrics_aggregated(id, &vertex.id, TASK_METRICS)
                    .await,
            )?;
            let find = |n: &str| agg.iter().find(|m| m.id == n);
            let mut task = TaskMetrics {
                id: vertex.id.clone(),
                name,
                parallelism: vertex.parallelism,
                records_in_per_second: find(RECORDS_IN).and_then(|m| m.sum),
                records_out_per_second: find(RECORDS_OUT).and_then(|m| m.sum),
                busy_time_ms_per_second: find(BUSY).and_then(|m| m.avg),
                max_busy_time_ms_per_second: find(BUSY).and_then(|m| m.max),
                back_pressured_time_ms_per_second: find(BACK_PRESSURED).and_then(|m| m.avg),
                max_back_pressured_time_ms_per_second: find(BACK_PRESSURED).and_then(|m| m.max),
                ..TaskMetrics::default()
            };
            if t::includes(level, MetricsLevel::Operator) {
                task.operators = self.operators(app, rest, id, &vertex.id).await?;
            }
            if t::includes(level, MetricsLevel::Parallelism) {
                task.subtasks = subtasks(rest, id, &vertex.id, vertex.parallelism).await?;
            }
            tasks.push(task);
        }
        Ok(Some(JobMetrics {
            job_id: id.0.clone(),
            status: JobStatus::parse(details.state.as_str()),
            uptime_ms: get(UPTIME),
            downtime_ms: get(DOWNTIME),
            num_restarts: get(NUM_RESTARTS),
            full_restarts: get(FULL_RESTARTS),
            last_checkpoint_duration_ms: get(LAST_CHECKPOINT_DURATION),
            last_checkpoint_size_bytes: get(LAST_CHECKPOINT_SIZE),
            failed_checkpoints: get(FAILED_CHECKPOINTS),
            tasks,
            ..JobMetrics::default()
        }))
    }

    /// Each operator of a vertex, its records in and out per second summed
    /// over the subtasks.
    async fn operators(
        &self,
        app: &str,
        rest: &FlinkRest,
        job: &JobId,
        vertex: &str,
    ) -> Result<Vec<OperatorMetrics>, RestError> {
        let cached = {
            let mut seen = self.seen();
            let s = seen.entry(app.to_string()).or_default();
            if s.operators_job != job.0 {
                s.operators_job = job.0.clone();
                s.operators.clear();
            }
            s.operators.get(vertex).cloned()
        };
        let operators = match cached {
            Some(ops) => ops,
            None => {
                let names = soft(rest.vertex_metric_names(job, vertex).await)?;
                let suffix = format!(".{RECORDS_IN}");
                let mut ops: Vec<String> = Vec::new();
                for n in &names {
                    if let Some(op) = n.strip_suffix(&suffix).filter(|op| !op.is_empty()) {
                        if !ops.iter().any(|o| o == op) {
                            ops.push(op.to_string());
                        }
                    }
                }
                // Operators register their metrics once deployed: ask
                // again next round until there are some.
                if !ops.is_empty() {
                    if let Some(s) = self.seen().get_mut(app) {
                        s.operators.insert(vertex.to_string(), ops.clone());
                    }
                }
                ops
            }
        };
        let mut out = Vec::with_capacity(operators.len());
        for chunk in operators.chunks(NAMES_PER_REQUEST / 2) {
            let names: Vec<String> = chunk
                .iter()
                .flat_map(|op| [format!("{op}.{RECORDS_IN}"), format!("{op}.{RECORDS_OUT}")])
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let agg = soft(rest.vertex_metrics_aggregated(job, vertex, &names).await)?;
            let sum_of = |n: String| agg.iter().find(|m| m.id == n).and_then(|m| m.sum);
            for op in chunk {
                out.push(OperatorMetrics {
                    name: op.clone(),
                    records_in_per_second: sum_of(format!("{op}.{RECORDS_IN}")),
                    records_out_per_second: sum_of(format!("{op}.{RECORDS_OUT}")),
                });
            }
        }
        Ok(out)
    }
}

/// Each subtask of a vertex: where it runs and its rates.
async fn subtasks(
    rest: &FlinkRest,
    job: &JobId,
    vertex: &str,
    parallelism: u32,
) -> Result<Vec<SubtaskMetrics>, RestError> {
    let placed = soft(rest.vertex_subtasks(job, vertex).await)?;
    let names: Vec<String> = (0..parallelism)
        .flat_map(|i| TASK_METRICS.iter().map(move |m| format!("{i}.{m}")))
        .collect();
    let mut values: Vec<Metric> = Vec::with_capacity(names.len());
    for chunk in names.chunks(NAMES_PER_REQUEST) {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        values.extend(soft(rest.vertex_metrics(job, vertex, &chunk).await)?);
    }
    Ok((0..parallelism)
        .map(|i| {
            let get = |m: &str| value(&values, &format!("{i}.{m}"));
            SubtaskMetrics {
                index: i,
                task_manager: placed
                    .iter()
                    .find(|s| s.index == i)
                    .and_then(|s| s.taskmanager_id.clone()),
                records_in_per_second: get(RECORDS_IN),
                records_out_per_second: get(RECORDS_OUT),
                busy_time_ms_per_second: get(BUSY),
                back_pressured_time_ms_per_second: get(BACK_PRESSURED),
            }
        })
        .collect())
}

/// A metric's value by name, if Flink gave a finite number.
fn value(values: &[Metric], name: &str) -> Option<f64> {
    values
        .iter()
        .find(|m| m.id == name)
        .and_then(Metric::as_f64)
        .filter(|v| v.is_finite())
}

/// A refusal (404: the job or Task Manager just went) is no figures; a
/// Flink that does not answer fails the round.
fn soft<T: Default>(result: Result<T, RestError>) -> Result<T, RestError> {
    match result {
        Ok(v) => Ok(v),
        Err(e) if e.is_unreachable() => Err(e),
        Err(e) => {
            tracing::debug!(error = %e, "metrics: a request was refused");
            Ok(T::default())
        }
    }
}

#[cfg(test)]
mod tests {
    //! The walk against a canned Flink REST API: what it reads, and that a
    //! Flink that does not answer is an error.

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::super::ProcessView;
    use super::*;

    const JOB: &str = "0123456789abcdef0123456789abcdef";

    /// Answers Flink's metrics requests with canned JSON, forever.
    async fn fake_flink() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let path = request.split(' ').nth(1).unwrap_or_default().to_string();
                    let body = answer(&path);
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(reply.as_bytes()).await;
                });
            }
        });
        url
    }

    fn answer(path: &str) -> String {
        let jvm = |gc: &str| {
            format!(
                r#"[{{"id":"Status.JVM.CPU.Load","value":"0.25"}},{{"id":"Status.JVM.Memory.Heap.Used","value":"50"}},{{"id":"Status.JVM.Memory.Heap.Max","value":"200"}},{{"id":"Status.JVM.Threads.Count","value":"40"}},{gc}]"#
            )
        };
        if path.starts_with("/taskmanagers/app-tm-0/metrics") {
            jvm(
                r#"{"id":"Status.JVM.GarbageCollector.G1_Young_Generation.Count","value":"7"},{"id":"Status.JVM.GarbageCollector.G1_Young_Generation.Time","value":"70"},{"id":"Status.JVM.GarbageCollector.G1_Old_Generation.Count","value":"1"},{"id":"Status.JVM.GarbageCollector.G1_Old_Generation.Time","value":"30"}"#,
            )
        } else if path.starts_with("/taskmanagers") {
            r#"{"taskmanagers":[{"id":"app-tm-0","slotsNumber":1,"freeSlots":0,"hardware":{"cpuCores":4}}]}"#.into()
        } else if path.starts_with("/jobmanager/metrics") {
            jvm(
                r#"{"id":"Status.JVM.GarbageCollector.All.Count","value":"3"},{"id":"Status.JVM.GarbageCollector.All.Time","value":"9"}"#,
            )
        } else if path.starts_with(&format!("/jobs/{JOB}/vertices/v1/subtasks/metrics")) {
            r#"[{"id":"numRecordsInPerSecond","min":0,"max":0,"avg":0,"sum":0},{"id":"numRecordsOutPerSecond","min":5,"max":5,"avg":5,"sum":10},{"id":"busyTimeMsPerSecond","min":"NaN","max":"NaN","avg":"NaN","sum":"NaN"}]"#.into()
        } else if path.starts_with(&format!("/jobs/{JOB}/vertices/v2/subtasks/metrics")) {
            r#"[{"id":"numRecordsInPerSecond","min":5,"max":5,"avg":5,"sum":10},{"id":"numRecordsOutPerSecond","min":0,"max":0,"avg":0,"sum":0},{"id":"busyTimeMsPerSecond","min":100,"max":300,"avg":200,"sum":400},{"id":"backPressuredTimeMsPerSecond","min":0,"max":0,"avg":0,"sum":0}]"#.into()
        } else if path.starts_with(&format!("/jobs/{JOB}/metrics")) {
            r#"[{"id":"uptime","value":"5000"},{"id":"downtime","value":"0"},{"id":"numRestarts","value":"2"},{"id":"lastCheckpointSize","value":"-1"},{"id":"numberOfFailedCheckpoints","value":"0"}]"#.into()
        } else if path.starts_with(&format!("/jobs/{JOB}")) {
            format!(
                r#"{{"jid":"{JOB}","name":"n","state":"RUNNING","vertices":[{{"id":"v1","name":"Source: gen","parallelism":2,"status":"RUNNING"}},{{"id":"v2","name":"count","parallelism":2,"status":"RUNNING"}}]}}"#
            )
        } else {
            "[]".into()
        }
    }

    fn view(url: String) -> ClusterView {
        ClusterView {
            rest_url: url,
            started_ms: 0,
            processes: vec![ProcessView {
                role: ProcessKind::JobManager,
                pid: None,
                alive: true,
                log_file: None,
            }],
        }
    }

    /// A URL nothing listens at.
    fn closed_port() -> String {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}")
    }

    #[tokio::test]
    async fn a_walk_reads_flink_and_a_silent_flink_is_an_error() {
        let walk = MetricsWalk::default();
        let flink = view(fake_flink().await);
        let a = walk
            .collect("a", &flink, Some(JOB), MetricsLevel::Application)
            .await
            .expect("figures of a");
        assert!(!a.stale);
        assert_eq!(a.level, MetricsLevel::Application);
        let job = a.job.as_ref().expect("job figures");
        assert_eq!(job.job_id, JOB);
        assert_eq!(job.status, Some(JobStatus::Running));
        assert_eq!(job.uptime_ms, Some(5000.0));
        assert_eq!(job.num_restarts, Some(2.0));
        // -1 is Flink's "no checkpoint yet"; an absent metric is unknown.
        assert_eq!(job.last_checkpoint_size_bytes, None);
        assert_eq!(job.full_restarts, None);
        // Summed over the tasks; the busiest task's average busy time.
        assert_eq!(job.records_in_per_second, Some(10.0));
        assert_eq!(job.records_out_per_second, Some(10.0));
        assert_eq!(job.busy_time_ms_per_second, Some(200.0));
        assert_eq!(job.back_pressured_time_ms_per_second, Some(0.0));
        assert!(job.tasks.is_empty(), "APPLICATION keeps no task detail");
        let jm = a.job_manager.as_ref().unwrap();
        assert_eq!((jm.gc_count, jm.gc_time_ms), (Some(3.0), Some(9.0)));
        assert_eq!(jm.heap_utilization(), Some(25.0));
        // Not a local process and no core count: no CPU figure.
        assert_eq!(jm.cpu_utilization, None);
        let tm = &a.task_managers[0];
        assert_eq!(tm.id, "app-tm-0");
        assert_eq!((tm.slots, tm.free_slots), (Some(1), Some(0)));
        // A quarter of 4 cores: one core's worth.
        assert_eq!(tm.jvm.cpu_utilization, Some(100.0));
        assert_eq!(
            (tm.jvm.gc_count, tm.jvm.gc_time_ms),
            (Some(8.0), Some(100.0))
        );
        assert_eq!(tm.jvm.old_gc_count, Some(1.0));
        assert_eq!(tm.jvm.threads, Some(40.0));

        // No job recorded: no job figures, the JVMs' all the same.
        let idle = walk
            .collect("idle", &flink, None, MetricsLevel::Application)
            .await
            .unwrap();
        assert!(idle.job.is_none());
        assert_eq!(idle.task_managers.len(), 1);

        // The Flink stops answering: the walk fails (a new client for the
        // new URL).
        let silent = walk
            .collect(
                "a",
                &view(closed_port()),
                Some(JOB),
                MetricsLevel::Application,
            )
            .await;
        match silent {
            Err(RuntimeFailure::Flink { source, .. }) => assert!(source.is_unreachable()),
            other => panic!("expected an unanswered request, got {other:?}"),
        }
    }
}

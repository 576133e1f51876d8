//! Weir's operator API on the wire (`WeirAdmin_20261126.<Op>`): shapes in
//! the style of the AWS model, checked the same way, with the same errors.

use serde::{Deserialize, Serialize};
use weir_control::model::{Application, EpochMillis};
use weir_control::telemetry::{
    self, AppMetrics, JobMetrics, JvmMetrics, OperatorMetrics, Sample, SubtaskMetrics,
    TaskManagerMetrics, TaskMetrics,
};

use super::check::Check;
use super::decode;
use super::operations::OperationIdResponse;
use super::requests::APPLICATION_NAME;
use super::{Timestamp, WireEnum};
use crate::error::ApiError;

/// StartApplicationMaintenance: `{"ApplicationName": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartApplicationMaintenanceRequest {
    pub application_name: String,
}

impl StartApplicationMaintenanceRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
        }
        let raw: Raw = decode(body)?;
        Ok(Self {
            application_name: Check::root().req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
        })
    }
}

/// `{"OperationId": "..."}`, as StartApplication answers.
pub type StartApplicationMaintenanceResponse<'a> = OperationIdResponse<'a>;

/// The most history DescribeApplicationMetrics returns: what Weir keeps.
pub const MAX_HISTORY_SECONDS: u32 = 3600;

/// DescribeApplicationMetrics: `{"ApplicationName": "...", "HistorySeconds": 3600}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeApplicationMetricsRequest {
    pub application_name: String,
    /// 0..=3600, default 3600.
    pub history_seconds: u32,
}

impl DescribeApplicationMetricsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            history_seconds: Option<i64>,
        }
        let raw: Raw = decode(body)?;
        let check = Check::root();
        let application_name =
            check.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let history_seconds = check
            .int(
                "HistorySeconds",
                raw.history_seconds,
                0,
                i64::from(MAX_HISTORY_SECONDS),
            )?
            .map_or(MAX_HISTORY_SECONDS, |s| s as u32);
        Ok(Self {
            application_name,
            history_seconds,
        })
    }
}

/// An integer figure (a count, milliseconds, bytes) as a JSON integer.
fn whole(v: Option<f64>) -> Option<i64> {
    v.map(|x| x.round() as i64)
}

/// DescribeApplicationMetrics' answer: what the collector gathered last
/// (`CollectedAt`, every `IntervalSeconds`), and the history asked for.
/// Any figure may be null: Flink did not report it (yet).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeApplicationMetricsResponse<'a> {
    pub application_name: &'a str,
    pub application_status: &'static str,
    pub collected_at: Option<Timestamp>,
    pub interval_seconds: u64,
    pub metrics_level: &'static str,
    /// The last collection could not reach Flink: older figures.
    pub stale: bool,
    pub job: Option<JobMetricsDescription<'a>>,
    pub job_manager: Option<JvmDescription<'a>>,
    pub task_managers: Vec<TaskManagerMetricsDescription<'a>>,
    pub history: Vec<SampleDescription>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobMetricsDescription<'a> {
    pub job_id: &'a str,
    pub job_status: Option<&'static str>,
    pub uptime: Option<i64>,
    pub downtime: Option<i64>,
    pub num_restarts: Option<i64>,
    pub full_restarts: Option<i64>,
    pub last_checkpoint_duration: Option<i64>,
    pub last_checkpoint_size: Option<i64>,
    pub number_of_failed_checkpoints: Option<i64>,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    pub busy_time_ms_per_second: Option<f64>,
    pub back_pressured_time_ms_per_second: Option<f64>,
    pub current_parallelism: u32,
    #[serde(rename = "KPUs")]
    pub kpus: u32,
    /// From the TASK level up.
    pub tasks: Vec<TaskMetricsDescription<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskMetricsDescription<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub parallelism: u32,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    pub busy_time_ms_per_second: Option<f64>,
    pub max_busy_time_ms_per_second: Option<f64>,
    pub back_pressured_time_ms_per_second: Option<f64>,
    pub max_back_pressured_time_ms_per_second: Option<f64>,
    /// From the OPERATOR level up.
    pub operators: Vec<OperatorMetricsDescription<'a>>,
    /// At the PARALLELISM level.
    pub subtasks: Vec<SubtaskMetricsDescription<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperatorMetricsDescription<'a> {
    pub name: &'a str,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubtaskMetricsDescription<'a> {
    pub index: u32,
    pub task_manager: Option<&'a str>,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    pub busy_time_ms_per_second: Option<f64>,
    pub back_pressured_time_ms_per_second: Option<f64>,
}

/// A JVM's figures: the Job Manager's (`Id` "jobmanager") or, flattened
/// into [`TaskManagerMetricsDescription`], a Task Manager's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JvmDescription<'a> {
    pub id: &'a str,
    pub cpu_utilization: Option<f64>,
    pub heap_memory_utilization: Option<f64>,
    pub heap_used: Option<i64>,
    pub heap_max: Option<i64>,
    pub gc_count: Option<i64>,
    pub gc_time: Option<i64>,
    #[serde(rename = "OldGenerationGCCount")]
    pub old_generation_gc_count: Option<i64>,
    #[serde(rename = "OldGenerationGCTime")]
    pub old_generation_gc_time: Option<i64>,
    pub threads: Option<i64>,
}

impl<'a> JvmDescription<'a> {
    fn new(id: &'a str, jvm: &JvmMetrics) -> Self {
        Self {
            id,
            cpu_utilization: jvm.cpu_utilization,
            heap_memory_utilization: jvm.heap_utilization(),
            heap_used: whole(jvm.heap_used_bytes),
            heap_max: whole(jvm.heap_max_bytes),
            gc_count: whole(jvm.gc_count),
            gc_time: whole(jvm.gc_time_ms),
            old_generation_gc_count: whole(jvm.old_gc_count),
            old_generation_gc_time: whole(jvm.old_gc_time_ms),
            threads: whole(jvm.threads),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskManagerMetricsDescription<'a> {
    #[serde(flatten)]
    pub jvm: JvmDescription<'a>,
    pub slots: Option<u32>,
    pub free_slots: Option<u32>,
    /// Known at the PARALLELISM level only.
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SampleDescription {
    pub timestamp: Timestamp,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    pub cpu_utilization: Option<f64>,
    pub last_checkpoint_duration: Option<i64>,
    pub last_checkpoint_size: Option<i64>,
}

impl<'a> DescribeApplicationMetricsResponse<'a> {
    /// `app` as the catalogue has it now, `metrics` as last collected (none
    /// while it has no cluster), `history` oldest first.
    pub fn new(
        app: &'a Application,
        metrics: Option<&'a AppMetrics>,
        history: &[Sample],
        interval_seconds: u64,
    ) -> Self {
        let (level, _) = app.config.flink.monitoring.effective();
        let parallelism = &app.config.flink.parallelism;
        let job = metrics.and_then(|m| m.job.as_ref()).map(|j| {
            JobMetricsDescription::new(
                j,
                parallelism.current_parallelism,
                telemetry::kpus(parallelism),
            )
        });
        Self {
            application_name: &app.name,
            application_status: app.status.as_str(),
            collected_at: metrics.map(|m| Timestamp(m.collected_at)),
            interval_seconds,
            metrics_level: level.wire(),
            stale: metrics.is_some_and(|m| m.stale),
            job,
            job_manager: metrics
                .and_then(|m| m.job_manager.as_ref())
                .map(|jm| JvmDescription::new("jobmanager", jm)),
            task_managers: metrics
                .map(|m| {
                    m.task_managers
                        .iter()
                        .map(TaskManagerMetricsDescription::new)
                        .collect()
                })
                .unwrap_or_default(),
            history: history.iter().map(SampleDescription::new).collect(),
        }
    }
}

impl<'a> JobMetricsDescription<'a> {
    fn new(j: &'a JobMetrics, current_parallelism: u32, kpus: u32) -> Self {
        Self {
            job_id: &j.job_id,
            job_status: j.status.map(|s| s.as_str()),
            uptime: whole(j.uptime_ms),
            downtime: whole(j.downtime_ms),
            num_restarts: whole(j.num_restarts),
            full_restarts: whole(j.full_restarts),
            last_checkpoint_duration: whole(j.last_checkpoint_duration_ms),
            last_checkpoint_size: whole(j.last_checkpoint_size_bytes),
            number_of_failed_checkpoints: whole(j.failed_checkpoints),
            records_in_per_second: j.records_in_per_second,
            records_out_per_second: j.records_out_per_second,
            busy_time_ms_per_second: j.busy_time_ms_per_second,
            back_pressured_time_ms_per_second: j.back_pressured_time_ms_per_second,
            current_parallelism,
            kpus,
            tasks: j.tasks.iter().map(TaskMetricsDescription::new).collect(),
        }
    }
}

impl<'a> TaskMetricsDescription<'a> {
    fn new(t: &'a TaskMetrics) -> Self {
        Self {
            id: &t.id,
            name: &t.name,
            parallelism: t.parallelism,
            records_in_per_second: t.records_in_per_second,
            records_out_per_second: t.records_out_per_second,
            busy_time_ms_per_second: t.busy_time_ms_per_second,
            max_busy_time_ms_per_second: t.max_busy_time_ms_per_second,
            back_pressured_time_ms_per_second: t.back_pressured_time_ms_per_second,
            max_back_pressured_time_ms_per_second: t.max_back_pressured_time_ms_per_second,
            operators: t
                .operators
                .iter()
                .map(|o: &'a OperatorMetrics| OperatorMetricsDescription {
                    name: &o.name,
                    records_in_per_second: o.records_in_per_second,
                    records_out_per_second: o.records_out_per_second,
                })
                .collect(),
            subtasks: t
                .subtasks
                .iter()
                .map(|s: &'a SubtaskMetrics| SubtaskMetricsDescription {
                    index: s.index,
                    task_manager: s.task_manager.as_deref(),
                    records_in_per_second: s.records_in_per_second,
                    records_out_per_second: s.records_out_per_second,
                    busy_time_ms_per_second: s.busy_time_ms_per_second,
                    back_pressured_time_ms_per_second: s.back_pressured_time_ms_per_second,
                })
                .collect(),
        }
    }
}

impl<'a> TaskManagerMetricsDescription<'a> {
    fn new(tm: &'a TaskManagerMetrics) -> Self {
        Self {
            jvm: JvmDescription::new(&tm.id, &tm.jvm),
            slots: tm.slots,
            free_slots: tm.free_slots,
            records_in_per_second: tm.records_in_per_second,
            records_out_per_second: tm.records_out_per_second,
        }
    }
}

impl SampleDescription {
    fn new(s: &Sample) -> Self {
        Self {
            timestamp: Timestamp(s.at),
            records_in_per_second: s.records_in_per_second,
            records_out_per_second: s.records_out_per_second,
            cpu_utilization: s.cpu_utilization,
            last_checkpoint_duration: whole(s.last_checkpoint_duration_ms),
            last_checkpoint_size: whole(s.last_checkpoint_size_bytes),
        }
    }
}

/// Where the history asked for starts: `seconds` before `now`.
pub fn history_since(now: EpochMillis, seconds: u32) -> EpochMillis {
    now - i64::from(seconds) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn metrics_requests_name_an_application_and_bound_the_history() {
        let parse = |body: &str| DescribeApplicationMetricsRequest::parse(body.as_bytes());
        assert_eq!(
            parse(r#"{"ApplicationName":"orders"}"#).unwrap(),
            DescribeApplicationMetricsRequest {
                application_name: "orders".into(),
                history_seconds: 3600,
            }
        );
        for (secs, want) in [(0, 0), (60, 60), (3600, 3600)] {
            let body = format!(r#"{{"ApplicationName":"a","HistorySeconds":{secs}}}"#);
            assert_eq!(parse(&body).unwrap().history_seconds, want);
        }
        for (body, kind, text) in [
            (
                "{}",
                ErrorKind::InvalidArgument,
                "ApplicationName: is required",
            ),
            (
                r#"{"ApplicationName":"a","HistorySeconds":3601}"#,
                ErrorKind::InvalidArgument,
                "HistorySeconds: must be between 0 and 3600",
            ),
            (
                r#"{"ApplicationName":"a","HistorySeconds":-1}"#,
                ErrorKind::InvalidArgument,
                "HistorySeconds: must be between 0 and 3600",
            ),
            (
                r#"{"ApplicationName":"a","HistorySeconds":"60"}"#,
                ErrorKind::Serialization,
                "member HistorySeconds has the wrong type",
            ),
        ] {
            let err = parse(body).unwrap_err();
            assert_eq!(err.kind, kind, "{body}: {err}");
            assert!(err.message.contains(text), "{body}: {err}");
        }
    }

    fn application() -> Application {
        let body = serde_json::json!({
            "ApplicationName": "app",
            "RuntimeEnvironment": "FLINK-1_20",
            "ServiceExecutionRole": "arn:aws:iam::000000000000:role/flink",
            "ApplicationConfiguration": {
                "ApplicationCodeConfiguration": {
                    "CodeContentType": "ZIPFILE",
                    "CodeContent": {"ZipFileContent": "UEsDBAo="}
                },
                "FlinkApplicationConfiguration": {"ParallelismConfiguration": {
                    "ConfigurationType": "CUSTOM", "Parallelism": 4, "ParallelismPerKPU": 2
                }}
            }
        });
        let realm = weir_control::Realm {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        };
        let (new, _) =
            decode::<super::super::CreateApplicationRequest>(&serde_json::to_vec(&body).unwrap())
                .unwrap()
                .into_domain(&realm, "06:00")
                .unwrap();
        let new = new
            .try_map_code(|_| {
                Ok::<_, ()>(weir_control::model::CodeContent::Zip(
                    weir_control::model::StoredCode {
                        sha256: "e3b0".into(),
                        md5: "d41d8cd98f00b204e9800998ecf8427e".into(),
                        size: 5,
                    },
                ))
            })
            .unwrap();
        weir_control::spec::create(
            new,
            &weir_control::spec::Stamp {
                now: 1_764_134_400_123,
                conditional_token: "token-1".into(),
            },
        )
        .unwrap()
    }

    /// Every one of `members` is in `v` (`path` names it in the message).
    fn has_members(v: &serde_json::Value, path: &str, members: &[&str]) {
        for member in members {
            assert!(v.get(member).is_some(), "{path}.{member} missing: {v}");
        }
    }

    #[test]
    fn metrics_answers_have_every_member_of_the_contract() {
        use weir_control::model::MetricsLevel;
        use weir_control::operation::JobStatus;
        let app = application();
        // No cluster: nulls, no Task Managers.
        let idle =
            serde_json::to_value(DescribeApplicationMetricsResponse::new(&app, None, &[], 10))
                .unwrap();
        assert_eq!(
            idle,
            serde_json::json!({
                "ApplicationName": "app", "ApplicationStatus": "READY", "CollectedAt": null,
                "IntervalSeconds": 10, "MetricsLevel": "APPLICATION", "Stale": false,
                "Job": null, "JobManager": null, "TaskManagers": [], "History": []
            })
        );
        let m = AppMetrics {
            collected_at: 1_764_150_000_123,
            level: MetricsLevel::Application,
            stale: false,
            job: Some(JobMetrics {
                job_id: "j1".into(),
                status: Some(JobStatus::Running),
                uptime_ms: Some(61_000.0),
                num_restarts: Some(1.0),
                records_in_per_second: Some(99.5),
                ..JobMetrics::default()
            }),
            job_manager: Some(JvmMetrics {
                cpu_utilization: Some(2.5),
                heap_used_bytes: Some(100.0),
                heap_max_bytes: Some(400.0),
                ..JvmMetrics::default()
            }),
            task_managers: vec![TaskManagerMetrics {
                id: "app-tm-0".into(),
                slots: Some(2),
                free_slots: Some(0),
                jvm: JvmMetrics {
                    gc_count: Some(12.0),
                    threads: Some(70.0),
                    ..JvmMetrics::default()
                },
                ..TaskManagerMetrics::default()
            }],
        };
        let history = [m.sample()];
        let v = serde_json::to_value(DescribeApplicationMetricsResponse::new(
            &app,
            Some(&m),
            &history,
            10,
        ))
        .unwrap();
        assert_eq!(v["CollectedAt"], 1_764_150_000.123);
        let job = &v["Job"];
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
        assert_eq!(job["Uptime"], 61_000);
        assert_eq!(job["FullRestarts"], serde_json::Value::Null);
        assert_eq!(job["CurrentParallelism"], 4);
        assert_eq!(job["KPUs"], 2);
        let jm = &v["JobManager"];
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
        assert_eq!(jm["HeapMemoryUtilization"], 25.0);
        let tm = &v["TaskManagers"][0];
        has_members(
            tm,
            "TaskManagers[0]",
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
        assert_eq!(tm["Id"], "app-tm-0");
        assert_eq!(tm["GcCount"], 12);
        let sample = &v["History"][0];
        has_members(
            sample,
            "History[0]",
            &[
                "Timestamp",
                "RecordsInPerSecond",
                "RecordsOutPerSecond",
                "CpuUtilization",
                "LastCheckpointDuration",
                "LastCheckpointSize",
            ],
        );
        assert_eq!(sample["RecordsInPerSecond"], 99.5);
    }

    #[test]
    fn maintenance_requests_name_an_application() {
        assert_eq!(
            StartApplicationMaintenanceRequest::parse(br#"{"ApplicationName":"orders"}"#).unwrap(),
            StartApplicationMaintenanceRequest {
                application_name: "orders".into()
            }
        );
        for (body, kind, text) in [
            (
                "",
                ErrorKind::InvalidArgument,
                "ApplicationName: is required",
            ),
            (
                "{}",
                ErrorKind::InvalidArgument,
                "ApplicationName: is required",
            ),
            (
                r#"{"ApplicationName":"a b"}"#,
                ErrorKind::InvalidArgument,
                "ApplicationName: \"a b\" does not match",
            ),
            (
                r#"{"ApplicationName":7}"#,
                ErrorKind::Serialization,
                "member ApplicationName has the wrong type",
            ),
        ] {
            let err = StartApplicationMaintenanceRequest::parse(body.as_bytes()).unwrap_err();
            assert_eq!(err.kind, kind, "{body}: {err}");
            assert!(err.message.contains(text), "{body}: {err}");
        }
    }
}

/// A registered Flink cluster's name: like an application's.
pub(crate) const CLUSTER_NAME: super::check::Str = APPLICATION_NAME;
/// A URL or a directory path.
const LOCATION: super::check::Str = super::check::Str::len(1, 2048);

/// RegisterFlinkCluster: `{"Name", "RestUrl", "SavepointDirectory",
/// "RuntimeEnvironment"?, "CapacityKPUs"?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterFlinkClusterRequest {
    pub name: String,
    pub rest_url: String,
    pub savepoint_directory: String,
    pub runtime: Option<weir_control::model::RuntimeEnvironment>,
    pub capacity_kpus: Option<u32>,
}

impl RegisterFlinkClusterRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            name: Option<String>,
            rest_url: Option<String>,
            savepoint_directory: Option<String>,
            runtime_environment: Option<String>,
            #[serde(rename = "CapacityKPUs")]
            capacity_kpus: Option<i64>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let name = c.req_str("Name", raw.name, CLUSTER_NAME)?;
        let rest_url = c.req_str("RestUrl", raw.rest_url, LOCATION)?;
        if !(rest_url.starts_with("http://") || rest_url.starts_with("https://")) {
            return Err(c.fail("RestUrl", "must be an http:// or https:// URL"));
        }
        let savepoint_directory =
            c.req_str("SavepointDirectory", raw.savepoint_directory, LOCATION)?;
        let dir = savepoint_directory
            .strip_prefix("file://")
            .unwrap_or(&savepoint_directory)
            .to_string();
        let path = std::path::Path::new(&dir);
        if !path.is_absolute()
            || path
                .components()
                .any(|p| matches!(p, std::path::Component::ParentDir))
        {
            return Err(c.fail(
                "SavepointDirectory",
                "must be an absolute path (or file:// URL) without ..",
            ));
        }
        let runtime = match raw.runtime_environment {
            None => None,
            Some(r) => Some(
                weir_control::model::RuntimeEnvironment::from_wire(&r).ok_or_else(|| {
                    c.fail("RuntimeEnvironment", format!("{r:?} is not a runtime"))
                })?,
            ),
        };
        let capacity_kpus = c
            .int("CapacityKPUs", raw.capacity_kpus, 1, 100_000)?
            .map(|k| k as u32);
        Ok(Self {
            name,
            rest_url: rest_url.trim_end_matches('/').to_string(),
            savepoint_directory: dir.trim_end_matches('/').to_string(),
            runtime,
            capacity_kpus,
        })
    }
}

/// DeregisterFlinkCluster: `{"Name"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeregisterFlinkClusterRequest {
    pub name: String,
}

impl DeregisterFlinkClusterRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            name: Option<String>,
        }
        let raw: Raw = decode(body)?;
        Ok(Self {
            name: Check::root().req_str("Name", raw.name, CLUSTER_NAME)?,
        })
    }
}

/// What the binary's watcher last saw of a registered cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterHealth {
    pub reachable: bool,
    pub flink_version: String,
    pub checked_ms: i64,
    /// Since when it has been (un)reachable.
    pub since_ms: i64,
    pub task_managers: u32,
    pub total_slots: u32,
    pub available_slots: u32,
    pub error: Option<String>,
}

/// One registered cluster, as RegisterFlinkCluster and ListFlinkClusters
/// describe it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlinkClusterDescription<'a> {
    pub name: &'a str,
    pub rest_url: &'a str,
    pub runtime_environment: &'static str,
    pub flink_version: &'a str,
    pub savepoint_directory: &'a str,
    #[serde(rename = "CapacityKPUs")]
    pub capacity_kpus: Option<u32>,
    pub total_slots: u32,
    pub used_slots: u32,
    #[serde(rename = "UsedKPUs")]
    pub used_kpus: u32,
    pub applications: &'a [String],
    pub registered_at: Timestamp,
    /// `None` before the first look.
    pub reachable: Option<bool>,
    pub checked_at: Option<Timestamp>,
    pub reachable_since: Option<Timestamp>,
    pub task_managers: Option<u32>,
    pub available_slots: Option<u32>,
    pub error: Option<&'a str>,
}

impl<'a> FlinkClusterDescription<'a> {
    pub fn new(
        cluster: &'a weir_control::placement::ClusterRecord,
        used: weir_control::placement::Need,
        applications: &'a [String],
        health: Option<&'a ClusterHealth>,
    ) -> Self {
        Self {
            name: &cluster.name,
            rest_url: &cluster.rest_url,
            runtime_environment: cluster.runtime.wire(),
            flink_version: &cluster.flink_version,
            savepoint_directory: &cluster.savepoint_dir,
            capacity_kpus: cluster.capacity_kpus,
            total_slots: cluster.total_slots,
            used_slots: used.slots,
            used_kpus: used.kpus,
            applications,
            registered_at: Timestamp(cluster.registered_ms),
            reachable: health.map(|h| h.reachable),
            checked_at: health.map(|h| Timestamp(h.checked_ms)),
            reachable_since: health.map(|h| Timestamp(h.since_ms)),
            task_managers: health.map(|h| h.task_managers),
            available_slots: health.map(|h| h.available_slots),
            error: health.and_then(|h| h.error.as_deref()),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlinkClusterResponse<'a> {
    pub flink_cluster_description: FlinkClusterDescription<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFlinkClustersResponse<'a> {
    pub flink_cluster_descriptions: Vec<FlinkClusterDescription<'a>>,
}

//! Weir's operator API: what an operator of the service can ask that the
//! Kinesis Analytics V2 API has no operation for. It shares the endpoint and
//! the protocol: `POST /`, AWS JSON 1.1, SigV4 with the signing name
//! `kinesisanalytics` and the same keys, `X-Amz-Target: WeirAdmin_20261126.<Op>`,
//! errors spelled as the Kinesis Analytics V2 ones.
//!
//! - `StartApplicationMaintenance` `{"ApplicationName": "..."}` →
//!   `{"OperationId": "..."}`: a maintenance restart of a RUNNING application
//!   now, as the scheduler would start one inside the maintenance window
//!   (snapshot, restart, restore). Refused like StartApplication:
//!   `ResourceNotFoundException` for an unknown application,
//!   `ResourceInUseException` when it is not RUNNING. Follow it with
//!   DescribeApplicationOperation, like any other operation.
//! - `DescribeApplicationMetrics` `{"ApplicationName": "...", "HistorySeconds":
//!   3600}` → the application's latest metrics as the collector gathered them
//!   (`CollectedAt`, `IntervalSeconds`, `MetricsLevel`, `Stale`), the job's
//!   (`Job`: uptime, restarts, checkpoints, records per second, busy and
//!   back-pressured time, parallelism, KPUs; `Tasks` from the TASK level up),
//!   the Job Manager's and each Task Manager's JVM (CPU, heap, GC, threads),
//!   and `History`, oldest first, over the last `HistorySeconds` (0-3600,
//!   default 3600). Any figure may be null; `Job`, `JobManager` are null and
//!   `TaskManagers` empty while the application has no cluster.
//!   `ResourceNotFoundException` for an unknown application. What `weir top`
//!   and the console show.
//!
//! - `RegisterFlinkCluster` `{"Name", "RestUrl", "SavepointDirectory",
//!   "RuntimeEnvironment"?, "CapacityKPUs"?}` → `{"FlinkClusterDescription":
//!   {...}}`: registers an existing Flink cluster for the remote runtime.
//!   Weir asks it for its version and slots first: one that does not answer
//!   is refused (`InvalidArgumentException` naming `RestUrl`), as is a
//!   `RuntimeEnvironment` it does not run; without one, the runtime is
//!   derived from its version. `SavepointDirectory` must be a path both Weir
//!   and the cluster reach. A name already taken: `ResourceInUseException`.
//! - `ListFlinkClusters` `{}` → `{"FlinkClusterDescriptions": [...]}`: each
//!   cluster with its slots and KPUs in use, the applications placed on it,
//!   and what the last look found (`Reachable`, `CheckedAt`,
//!   `ReachableSince`, `TaskManagers`, `AvailableSlots`, `Error`).
//! - `DeregisterFlinkCluster` `{"Name"}` → `{"FlinkClusterDescription"}`:
//!   refused (`ResourceInUseException`, naming them) while applications that
//!   are not READY are placed on it.
//!
//! No AWS SDK knows these targets; send them signed by hand (the AWS CLI's
//! `--debug` requests, `aws-sigv4`, botocore's `SigV4Auth`).

use axum::body::Bytes;
use axum::response::Response;

use crate::error::{ApiError, ErrorKind};
use crate::handlers::{blocking, ok};
use crate::router::ApiState;
use crate::wire::{
    history_since, DeregisterFlinkClusterRequest, DescribeApplicationMetricsRequest,
    DescribeApplicationMetricsResponse, FlinkClusterDescription, FlinkClusterResponse,
    ListFlinkClustersResponse, RegisterFlinkClusterRequest, StartApplicationMaintenanceRequest,
    StartApplicationMaintenanceResponse,
};

/// The JSON 1.1 target prefix of Weir's operator API.
pub const TARGET_PREFIX: &str = "WeirAdmin_20261126";

/// Every operation of the operator API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminOperation {
    StartApplicationMaintenance,
    DescribeApplicationMetrics,
    RegisterFlinkCluster,
    ListFlinkClusters,
    DeregisterFlinkCluster,
}

impl AdminOperation {
    pub const ALL: &'static [AdminOperation] = &[
        AdminOperation::StartApplicationMaintenance,
        AdminOperation::DescribeApplicationMetrics,
        AdminOperation::RegisterFlinkCluster,
        AdminOperation::ListFlinkClusters,
        AdminOperation::DeregisterFlinkCluster,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AdminOperation::StartApplicationMaintenance => "StartApplicationMaintenance",
            AdminOperation::DescribeApplicationMetrics => "DescribeApplicationMetrics",
            AdminOperation::RegisterFlinkCluster => "RegisterFlinkCluster",
            AdminOperation::ListFlinkClusters => "ListFlinkClusters",
            AdminOperation::DeregisterFlinkCluster => "DeregisterFlinkCluster",
        }
    }

    /// Parses a full `X-Amz-Target` header value.
    pub fn from_target(target: &str) -> Result<Self, ApiError> {
        let name = target
            .strip_prefix(TARGET_PREFIX)
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or_default();
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.name() == name)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::UnknownOperation,
                    format!("Unknown operation {target:?}: expected {TARGET_PREFIX}.<Operation>"),
                )
            })
    }
}

pub async fn dispatch(
    state: &ApiState,
    op: AdminOperation,
    body: Bytes,
) -> Result<Response, ApiError> {
    let catalogue = &state.catalogue;
    match op {
        AdminOperation::StartApplicationMaintenance => {
            let req = StartApplicationMaintenanceRequest::parse(&body)?;
            let op = blocking(catalogue, move |c| {
                Ok(c.start_maintenance(
                    &req.application_name,
                    "requested by an operator (WeirAdmin StartApplicationMaintenance)",
                )?)
            })
            .await?;
            ok(&StartApplicationMaintenanceResponse {
                operation_id: &op.id,
            })
        }
        AdminOperation::DescribeApplicationMetrics => {
            let req = DescribeApplicationMetricsRequest::parse(&body)?;
            let app = catalogue.describe_application(&req.application_name)?;
            let latest = state.board.latest(&app.name);
            let since = history_since(weir_service::now_millis(), req.history_seconds);
            let history = if req.history_seconds == 0 {
                Vec::new()
            } else {
                state.board.history(&app.name, since)
            };
            ok(&DescribeApplicationMetricsResponse::new(
                &app,
                latest.as_deref(),
                &history,
                state.board.interval().as_secs(),
            ))
        }
        AdminOperation::RegisterFlinkCluster => {
            let req = RegisterFlinkClusterRequest::parse(&body)?;
            let record = probe_for_registration(state, req).await?;
            let cluster = blocking(catalogue, move |c| Ok(c.register_cluster(record)?)).await?;
            ok(&FlinkClusterResponse {
                flink_cluster_description: FlinkClusterDescription::new(
                    &cluster,
                    Default::default(),
                    &[],
                    None,
                ),
            })
        }
        AdminOperation::ListFlinkClusters => {
            let uses = catalogue.cluster_usage();
            let health: Vec<_> = uses
                .iter()
                .map(|u| {
                    state
                        .clusters
                        .as_ref()
                        .and_then(|c| c.health(&u.cluster.name))
                })
                .collect();
            ok(&ListFlinkClustersResponse {
                flink_cluster_descriptions: uses
                    .iter()
                    .zip(&health)
                    .map(|(u, h)| {
                        FlinkClusterDescription::new(
                            &u.cluster,
                            u.used,
                            &u.applications,
                            h.as_ref(),
                        )
                    })
                    .collect(),
            })
        }
        AdminOperation::DeregisterFlinkCluster => {
            let req = DeregisterFlinkClusterRequest::parse(&body)?;
            let cluster =
                blocking(catalogue, move |c| Ok(c.deregister_cluster(&req.name)?)).await?;
            ok(&FlinkClusterResponse {
                flink_cluster_description: FlinkClusterDescription::new(
                    &cluster,
                    Default::default(),
                    &[],
                    None,
                ),
            })
        }
    }
}

/// Asks the cluster a registration names what it runs, so that only a
/// cluster that answers, with the runtime it claims, is registered.
async fn probe_for_registration(
    state: &ApiState,
    req: RegisterFlinkClusterRequest,
) -> Result<weir_control::placement::ClusterRecord, ApiError> {
    let clusters = state.clusters.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorKind::UnsupportedOperation,
            "this server has no remote runtime",
        )
    })?;
    let seen = clusters
        .probe(&req.rest_url)
        .await
        .map_err(|why| ApiError::invalid_argument("RestUrl", why))?;
    let derived = runtime_of(&seen.flink_version);
    let runtime = match (req.runtime, derived) {
        (Some(r), Some(d)) if r != d => {
            return Err(ApiError::invalid_argument(
                "RuntimeEnvironment",
                format!(
                    "the cluster at {} runs Flink {}, which is {}, not {}",
                    req.rest_url,
                    seen.flink_version,
                    weir_control::model::RuntimeEnvironment::as_str(d),
                    weir_control::model::RuntimeEnvironment::as_str(r)
                ),
            ))
        }
        (_, Some(d)) => d,
        (_, None) => {
            return Err(ApiError::invalid_argument(
                "RestUrl",
                format!(
                    "the cluster at {} runs Flink {}, for which Weir has no runtime",
                    req.rest_url, seen.flink_version
                ),
            ))
        }
    };
    Ok(weir_control::placement::ClusterRecord {
        name: req.name,
        rest_url: req.rest_url,
        runtime,
        flink_version: seen.flink_version,
        savepoint_dir: req.savepoint_directory,
        capacity_kpus: req.capacity_kpus,
        total_slots: seen.total_slots,
        registered_ms: weir_service::now_millis(),
    })
}

/// The runtime of a Flink version (`1.20.5` → FLINK-1_20).
fn runtime_of(version: &str) -> Option<weir_control::model::RuntimeEnvironment> {
    let mut parts = version.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    weir_control::model::RuntimeEnvironment::parse(&format!("FLINK-{major}_{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_targets_parse_and_others_are_unknown() {
        for op in AdminOperation::ALL {
            let target = format!("{TARGET_PREFIX}.{}", op.name());
            assert_eq!(AdminOperation::from_target(&target).unwrap(), *op);
        }
        for bad in [
            "",
            "WeirAdmin_20261126",
            "WeirAdmin_20261126.",
            "WeirAdmin_20261126.StartApplication",
            "WeirAdmin_20261127.StartApplicationMaintenance",
            "KinesisAnalytics_20180523.StartApplicationMaintenance",
        ] {
            let err = AdminOperation::from_target(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::UnknownOperation, "{bad:?}");
        }
    }
}

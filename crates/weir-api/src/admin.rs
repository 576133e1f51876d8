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
//! No AWS SDK knows these targets; send them signed by hand (the AWS CLI's
//! `--debug` requests, `aws-sigv4`, botocore's `SigV4Auth`).

use axum::body::Bytes;
use axum::response::Response;

use crate::error::{ApiError, ErrorKind};
use crate::handlers::{blocking, ok};
use crate::router::ApiState;
use crate::wire::{
    history_since, DescribeApplicationMetricsRequest, DescribeApplicationMetricsResponse,
    StartApplicationMaintenanceRequest, StartApplicationMaintenanceResponse,
};

/// The JSON 1.1 target prefix of Weir's operator API.
pub const TARGET_PREFIX: &str = "WeirAdmin_20261126";

/// Every operation of the operator API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminOperation {
    StartApplicationMaintenance,
    DescribeApplicationMetrics,
}

impl AdminOperation {
    pub const ALL: &'static [AdminOperation] = &[
        AdminOperation::StartApplicationMaintenance,
        AdminOperation::DescribeApplicationMetrics,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AdminOperation::StartApplicationMaintenance => "StartApplicationMaintenance",
            AdminOperation::DescribeApplicationMetrics => "DescribeApplicationMetrics",
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
    }
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

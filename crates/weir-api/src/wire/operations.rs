//! Running applications on the wire: StartApplication, StopApplication,
//! RollbackApplication and the operation records
//! (DescribeApplicationOperation, ListApplicationOperations).
//!
//! Requests are checked like every other (`parse`); responses are built from
//! `weir-control`'s [`OperationRecord`].

use serde::{Deserialize, Serialize};
use weir_control::model::{self as m, Application, EpochMillis, RestoreType};
use weir_control::operation::{OperationKind, OperationRecord, OperationStatus};

use super::check::{Check, Str};
use super::detail::{application_detail, ApplicationDetail};
use super::requests::{
    offset_page, version_id, ApplicationRestoreConfiguration, FlinkRunConfiguration,
    APPLICATION_NAME, ID, UNBOUNDED,
};
use super::{decode, Timestamp, WireEnum};
use crate::error::ApiError;

/// `OperationId` (and the `Operation` filter, which has the same bounds).
pub(crate) const OPERATION_ID: Str = Str::len(1, 64);
/// `ErrorString`: what a failed operation reports is cut to this many characters.
pub(crate) const ERROR_STRING_MAX: usize = 512;

impl WireEnum for OperationStatus {
    const ALL: &'static [Self] = &[
        OperationStatus::InProgress,
        OperationStatus::Cancelled,
        OperationStatus::Successful,
        OperationStatus::Failed,
    ];
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

impl WireEnum for OperationKind {
    const ALL: &'static [Self] = &OperationKind::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

// ---------------------------------------------------------------------------
// StartApplication

/// StartApplication, checked. `None` members leave the application's own run
/// configuration as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartApplicationRequest {
    pub application_name: String,
    pub restore: Option<m::RestoreConfig>,
    pub allow_non_restored_state: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RunConfiguration {
    flink_run_configuration: Option<FlinkRunConfiguration>,
    sql_run_configurations: Option<Vec<SqlRunConfiguration>>,
    application_restore_configuration: Option<ApplicationRestoreConfiguration>,
}

/// `SqlRunConfiguration`: checked for shape, then refused (SQL-1_0 only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SqlRunConfiguration {
    input_id: Option<String>,
    input_starting_position_configuration: Option<InputStartingPositionConfiguration>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputStartingPositionConfiguration {
    input_starting_position: Option<String>,
}

pub(super) const INPUT_STARTING_POSITIONS: &[&str] = &["NOW", "TRIM_HORIZON", "LAST_STOPPED_POINT"];

impl SqlRunConfiguration {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("InputId", self.input_id, ID)?;
        c.req_nested(
            "InputStartingPositionConfiguration",
            self.input_starting_position_configuration,
            |p, c| {
                if let Some(s) = p.input_starting_position {
                    c.req_keyword("InputStartingPosition", Some(s), INPUT_STARTING_POSITIONS)?;
                }
                Ok(())
            },
        )
    }
}

impl RunConfiguration {
    /// (restore, AllowNonRestoredState).
    fn into_domain(self, c: &Check) -> Result<(Option<m::RestoreConfig>, Option<bool>), ApiError> {
        let sql = c.list(
            "SqlRunConfigurations",
            self.sql_run_configurations,
            0,
            UNBOUNDED,
            SqlRunConfiguration::check,
        )?;
        if sql.is_some_and(|s| !s.is_empty()) {
            return Err(c.fail(
                "SqlRunConfigurations",
                "is only for SQL-1_0 applications; Weir runs Apache Flink applications",
            ));
        }
        let restore = c.nested(
            "ApplicationRestoreConfiguration",
            self.application_restore_configuration,
            |r, c| {
                let r = r.into_domain(c)?;
                // UpdateApplication has this rule in `weir-control`; a start
                // only carries it for this run, so it is checked here (the
                // mode, which the application's version holds, is the
                // catalogue's to check).
                if r.restore_type == RestoreType::RestoreFromCustomSnapshot
                    && r.snapshot_name.is_none()
                    && r.snapshot_arn.is_none()
                {
                    return Err(c.fail(
                        "SnapshotName",
                        "is required with RESTORE_FROM_CUSTOM_SNAPSHOT (or SnapshotArn, in the ENHANCED_SNAPSHOTS mode)",
                    ));
                }
                Ok(r)
            },
        )?;
        let allow_non_restored_state = self
            .flink_run_configuration
            .and_then(|f| f.allow_non_restored_state);
        Ok((restore, allow_non_restored_state))
    }
}

impl StartApplicationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            run_configuration: Option<RunConfiguration>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let (restore, allow_non_restored_state) = c
            .nested(
                "RunConfiguration",
                raw.run_configuration,
                RunConfiguration::into_domain,
            )?
            .unwrap_or_default();
        Ok(Self {
            application_name,
            restore,
            allow_non_restored_state,
        })
    }
}

/// StartApplication's and StopApplication's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationIdResponse<'a> {
    pub operation_id: &'a str,
}

pub type StartApplicationResponse<'a> = OperationIdResponse<'a>;
pub type StopApplicationResponse<'a> = OperationIdResponse<'a>;

// ---------------------------------------------------------------------------
// StopApplication

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopApplicationRequest {
    pub application_name: String,
    pub force: bool,
}

impl StopApplicationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            force: Option<bool>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            force: raw.force.unwrap_or(false),
        })
    }
}

// ---------------------------------------------------------------------------
// RollbackApplication

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackApplicationRequest {
    pub application_name: String,
    pub current_version_id: u64,
}

impl RollbackApplicationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            current_application_version_id: Option<i64>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let version = version_id(
            &c,
            "CurrentApplicationVersionId",
            raw.current_application_version_id,
        )?;
        Ok(Self {
            application_name,
            current_version_id: c.required("CurrentApplicationVersionId", version)?,
        })
    }
}

/// RollbackApplication's answer: the version the rollback made, and the
/// operation that brings it up.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RollbackApplicationResponse<'a> {
    pub application_detail: ApplicationDetail<'a>,
    pub operation_id: &'a str,
}

impl<'a> RollbackApplicationResponse<'a> {
    pub fn new(app: &'a Application, operation_id: &'a str) -> Self {
        Self {
            application_detail: application_detail(app),
            operation_id,
        }
    }
}

// ---------------------------------------------------------------------------
// DescribeApplicationOperation

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeApplicationOperationRequest {
    pub application_name: String,
    pub operation_id: String,
}

impl DescribeApplicationOperationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            operation_id: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            operation_id: c.req_str("OperationId", raw.operation_id, OPERATION_ID)?,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeApplicationOperationResponse<'a> {
    pub application_operation_info_details: ApplicationOperationInfoDetails<'a>,
}

/// `ApplicationOperationInfoDetails`. The model requires `EndTime` even while
/// the operation runs; see [`ApplicationOperationInfoDetails::new`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationOperationInfoDetails<'a> {
    pub operation: &'static str,
    pub start_time: Timestamp,
    pub end_time: Timestamp,
    pub operation_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_version_change_details: Option<ApplicationVersionChangeDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_failure_details: Option<OperationFailureDetails<'a>>,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationVersionChangeDetails {
    pub application_version_updated_from: u64,
    pub application_version_updated_to: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationFailureDetails<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_operation_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_info: Option<ErrorInfo<'a>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorInfo<'a> {
    pub error_string: &'a str,
}

/// `s` cut to at most `max` characters.
fn at_most(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

impl<'a> ApplicationOperationInfoDetails<'a> {
    /// The details of `op`, as of `now`. An operation still in progress has no
    /// end, but the model requires `EndTime` (typed non-optional by the
    /// Smithy-generated SDKs, which would otherwise show 1970): it is reported
    /// as `now`, the end of what is known of it so far. `OperationStatus` says
    /// whether it has really ended.
    pub fn new(op: &'a OperationRecord, now: EpochMillis) -> Self {
        let failed = op.status == OperationStatus::Failed;
        Self {
            operation: op.kind.wire(),
            start_time: Timestamp(op.start_time),
            end_time: Timestamp(op.end_time.unwrap_or(now.max(op.start_time))),
            operation_status: op.status.wire(),
            application_version_change_details: match (op.version_from, op.version_to) {
                (Some(from), Some(to)) => Some(ApplicationVersionChangeDetails {
                    application_version_updated_from: from,
                    application_version_updated_to: to,
                }),
                _ => None,
            },
            operation_failure_details: failed.then(|| OperationFailureDetails {
                rollback_operation_id: op.rollback_operation_id.as_deref(),
                error_info: op
                    .error
                    .as_deref()
                    .filter(|e| !e.is_empty())
                    .map(|e| ErrorInfo {
                        error_string: at_most(e, ERROR_STRING_MAX),
                    }),
            }),
        }
    }
}

impl<'a> DescribeApplicationOperationResponse<'a> {
    pub fn new(op: &'a OperationRecord, now: EpochMillis) -> Self {
        Self {
            application_operation_info_details: ApplicationOperationInfoDetails::new(op, now),
        }
    }
}

// ---------------------------------------------------------------------------
// ListApplicationOperations

/// ListApplicationOperations, checked. `start` is where the page begins (the
/// `NextToken` a previous page gave, a decimal offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListApplicationOperationsRequest {
    pub application_name: String,
    pub limit: Option<u32>,
    pub start: usize,
    pub operation: Option<OperationKind>,
    pub operation_status: Option<OperationStatus>,
}

impl ListApplicationOperationsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            limit: Option<i32>,
            next_token: Option<String>,
            operation: Option<String>,
            operation_status: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let (limit, start) = offset_page(&c, raw.limit, raw.next_token)?;
        // The model types `Operation` as a free string; Weir knows which
        // operations it records, and says so rather than answer nothing.
        let operation = c.str("Operation", raw.operation, OPERATION_ID)?;
        let operation = c.enumeration("Operation", operation)?;
        let operation_status = c.enumeration("OperationStatus", raw.operation_status)?;
        Ok(Self {
            application_name,
            limit,
            start,
            operation,
            operation_status,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListApplicationOperationsResponse<'a> {
    pub application_operation_info_list: Vec<ApplicationOperationInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ApplicationOperationInfo`: here `EndTime` is optional, and absent until
/// the operation ends.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationOperationInfo<'a> {
    pub operation: &'static str,
    pub operation_id: &'a str,
    pub start_time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
    pub operation_status: &'static str,
}

impl<'a> ListApplicationOperationsResponse<'a> {
    pub fn new(ops: &'a [OperationRecord], next_token: Option<String>) -> Self {
        Self {
            application_operation_info_list: ops
                .iter()
                .map(|op| ApplicationOperationInfo {
                    operation: op.kind.wire(),
                    operation_id: &op.id,
                    start_time: Timestamp(op.start_time),
                    end_time: op.end_time.map(Timestamp),
                    operation_status: op.status.wire(),
                })
                .collect(),
            next_token,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn start_requests_become_a_run_configuration() {
        let table: &[(&str, &str, StartApplicationRequest)] = &[
            (
                "name only",
                r#"{"ApplicationName":"a"}"#,
                StartApplicationRequest {
                    application_name: "a".into(),
                    restore: None,
                    allow_non_restored_state: None,
                },
            ),
            (
                "skip restore, allow non-restored state",
                r#"{"ApplicationName":"a","RunConfiguration":{
                    "FlinkRunConfiguration":{"AllowNonRestoredState":true},
                    "ApplicationRestoreConfiguration":{"ApplicationRestoreType":"SKIP_RESTORE_FROM_SNAPSHOT"}}}"#,
                StartApplicationRequest {
                    application_name: "a".into(),
                    restore: Some(m::RestoreConfig {
                        restore_type: RestoreType::SkipRestoreFromSnapshot,
                        snapshot_name: None,
                        snapshot_arn: None,
                    }),
                    allow_non_restored_state: Some(true),
                },
            ),
            (
                "custom snapshot",
                r#"{"ApplicationName":"a","RunConfiguration":{
                    "ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotName":"s-1"}}}"#,
                StartApplicationRequest {
                    application_name: "a".into(),
                    restore: Some(m::RestoreConfig {
                        restore_type: RestoreType::RestoreFromCustomSnapshot,
                        snapshot_name: Some("s-1".into()),
                        snapshot_arn: None,
                    }),
                    allow_non_restored_state: None,
                },
            ),
            (
                "an empty SQL list is nothing",
                r#"{"ApplicationName":"a","RunConfiguration":{"SqlRunConfigurations":[]}}"#,
                StartApplicationRequest {
                    application_name: "a".into(),
                    restore: None,
                    allow_non_restored_state: None,
                },
            ),
        ];
        for (case, body, want) in table {
            assert_eq!(
                &StartApplicationRequest::parse(body.as_bytes()).expect(case),
                want,
                "{case}"
            );
        }
    }

    #[test]
    fn stop_and_operation_requests_parse_to_plain_fields() {
        assert_eq!(
            StopApplicationRequest::parse(br#"{"ApplicationName":"a","Force":true}"#).unwrap(),
            StopApplicationRequest {
                application_name: "a".into(),
                force: true
            }
        );
        assert!(
            !StopApplicationRequest::parse(br#"{"ApplicationName":"a"}"#)
                .unwrap()
                .force
        );
        assert_eq!(
            DescribeApplicationOperationRequest::parse(
                br#"{"ApplicationName":"a","OperationId":"0123456789ab"}"#
            )
            .unwrap(),
            DescribeApplicationOperationRequest {
                application_name: "a".into(),
                operation_id: "0123456789ab".into()
            }
        );
        assert_eq!(
            ListApplicationOperationsRequest::parse(
                br#"{"ApplicationName":"a","Limit":5,"NextToken":"10","Operation":"ForceStopApplication","OperationStatus":"CANCELLED"}"#
            )
            .unwrap(),
            ListApplicationOperationsRequest {
                application_name: "a".into(),
                limit: Some(5),
                start: 10,
                operation: Some(OperationKind::ForceStopApplication),
                operation_status: Some(OperationStatus::Cancelled),
            }
        );
        assert_eq!(
            ListApplicationOperationsRequest::parse(br#"{"ApplicationName":"a"}"#)
                .unwrap()
                .start,
            0
        );
    }

    #[test]
    fn bad_requests_are_refused_naming_the_member() {
        use ErrorKind::{InvalidArgument as Arg, Serialization as Ser};
        type Parse = fn(&[u8]) -> Result<(), ApiError>;
        let start: Parse = |b| StartApplicationRequest::parse(b).map(drop);
        let stop: Parse = |b| StopApplicationRequest::parse(b).map(drop);
        let describe: Parse = |b| DescribeApplicationOperationRequest::parse(b).map(drop);
        let list: Parse = |b| ListApplicationOperationsRequest::parse(b).map(drop);
        let table: &[(&str, Parse, &str, ErrorKind, &str)] = &[
            ("start: no name", start, r#"{}"#, Arg, "ApplicationName: is required"),
            ("start: bad name", start, r#"{"ApplicationName":"a b"}"#, Arg, "ApplicationName: \"a b\" does not match"),
            ("start: SQL run configuration", start, r#"{"ApplicationName":"a","RunConfiguration":{"SqlRunConfigurations":[{"InputId":"1.1","InputStartingPositionConfiguration":{"InputStartingPosition":"NOW"}}]}}"#, Arg, "RunConfiguration.SqlRunConfigurations: is only for SQL-1_0"),
            ("start: SQL input without id", start, r#"{"ApplicationName":"a","RunConfiguration":{"SqlRunConfigurations":[{"InputStartingPositionConfiguration":{}}]}}"#, Arg, "RunConfiguration.SqlRunConfigurations[0].InputId: is required"),
            ("start: SQL bad position", start, r#"{"ApplicationName":"a","RunConfiguration":{"SqlRunConfigurations":[{"InputId":"1","InputStartingPositionConfiguration":{"InputStartingPosition":"LATEST"}}]}}"#, Arg, "RunConfiguration.SqlRunConfigurations[0].InputStartingPositionConfiguration.InputStartingPosition: \"LATEST\" is not one of"),
            ("start: restore type missing", start, r#"{"ApplicationName":"a","RunConfiguration":{"ApplicationRestoreConfiguration":{}}}"#, Arg, "RunConfiguration.ApplicationRestoreConfiguration.ApplicationRestoreType: is required"),
            ("start: restore type unknown", start, r#"{"ApplicationName":"a","RunConfiguration":{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"LATEST"}}}"#, Arg, "RunConfiguration.ApplicationRestoreConfiguration.ApplicationRestoreType: \"LATEST\" is not one of"),
            ("start: custom snapshot without name", start, r#"{"ApplicationName":"a","RunConfiguration":{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT"}}}"#, Arg, "RunConfiguration.ApplicationRestoreConfiguration.SnapshotName: is required with RESTORE_FROM_CUSTOM_SNAPSHOT"),
            ("start: empty snapshot ARN", start, r#"{"ApplicationName":"a","RunConfiguration":{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotArn":""}}}"#, Arg, "RunConfiguration.ApplicationRestoreConfiguration.SnapshotArn: must be between 1 and 2048"),
            ("start: bad snapshot name", start, r#"{"ApplicationName":"a","RunConfiguration":{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotName":"a b"}}}"#, Arg, "RunConfiguration.ApplicationRestoreConfiguration.SnapshotName: "),
            ("start: allow not a bool", start, r#"{"ApplicationName":"a","RunConfiguration":{"FlinkRunConfiguration":{"AllowNonRestoredState":"yes"}}}"#, Ser, "member AllowNonRestoredState has the wrong type"),
            ("stop: no name", stop, r#"{"Force":true}"#, Arg, "ApplicationName: is required"),
            ("stop: force not a bool", stop, r#"{"ApplicationName":"a","Force":1}"#, Ser, "member Force has the wrong type"),
            ("describe: no id", describe, r#"{"ApplicationName":"a"}"#, Arg, "OperationId: is required"),
            ("describe: empty id", describe, r#"{"ApplicationName":"a","OperationId":""}"#, Arg, "OperationId: must be between 1 and 64"),
            ("describe: long id", describe, &format!(r#"{{"ApplicationName":"a","OperationId":"{}"}}"#, "x".repeat(65)), Arg, "OperationId: must be between 1 and 64"),
            ("list: no name", list, r#"{}"#, Arg, "ApplicationName: is required"),
            ("list: limit 0", list, r#"{"ApplicationName":"a","Limit":0}"#, Arg, "Limit: must be between 1 and 50, is 0"),
            ("list: limit 51", list, r#"{"ApplicationName":"a","Limit":51}"#, Arg, "Limit: must be between 1 and 50, is 51"),
            ("list: foreign token", list, r#"{"ApplicationName":"a","NextToken":"abc"}"#, Arg, "NextToken: is not a token"),
            ("list: unknown operation", list, r#"{"ApplicationName":"a","Operation":"Start"}"#, Arg, "Operation: \"Start\" is not one of StartApplication"),
            ("list: empty operation", list, r#"{"ApplicationName":"a","Operation":""}"#, Arg, "Operation: must be between 1 and 64"),
            ("list: unknown status", list, r#"{"ApplicationName":"a","OperationStatus":"DONE"}"#, Arg, "OperationStatus: \"DONE\" is not one of IN_PROGRESS, CANCELLED, SUCCESSFUL, FAILED"),
        ];
        for (case, parse, body, kind, text) in table {
            let err = parse(body.as_bytes()).expect_err(case);
            assert_eq!(err.kind, *kind, "{case}: {err}");
            if *kind == Arg {
                assert!(err.message.starts_with(text), "{case}: {:?}", err.message);
            } else {
                assert!(err.message.contains(text), "{case}: {:?}", err.message);
            }
        }
    }

    fn record(status: OperationStatus) -> OperationRecord {
        OperationRecord {
            id: "0123456789ab".into(),
            application: "a".into(),
            kind: OperationKind::StartApplication,
            status,
            start_time: 1_764_134_400_000,
            end_time: None,
            version_from: None,
            version_to: None,
            error: None,
            rollback_operation_id: None,
        }
    }

    #[test]
    fn operation_details_carry_the_model_members() {
        let now = 1_764_134_460_500;
        let running = record(OperationStatus::InProgress);
        assert_eq!(
            serde_json::to_value(DescribeApplicationOperationResponse::new(&running, now)).unwrap(),
            json!({"ApplicationOperationInfoDetails": {
                "Operation": "StartApplication",
                "StartTime": 1_764_134_400.0,
                "EndTime": 1_764_134_460.5,
                "OperationStatus": "IN_PROGRESS"
            }})
        );

        let failed = OperationRecord {
            kind: OperationKind::UpdateApplication,
            end_time: Some(1_764_134_401_000),
            version_from: Some(3),
            version_to: Some(4),
            error: Some("é".repeat(600)),
            rollback_operation_id: Some("rollback0001".into()),
            ..record(OperationStatus::Failed)
        };
        let v =
            serde_json::to_value(DescribeApplicationOperationResponse::new(&failed, now)).unwrap();
        let d = &v["ApplicationOperationInfoDetails"];
        assert_eq!(d["EndTime"], json!(1_764_134_401.0));
        assert_eq!(d["OperationStatus"], "FAILED");
        assert_eq!(
            d["ApplicationVersionChangeDetails"],
            json!({"ApplicationVersionUpdatedFrom": 3, "ApplicationVersionUpdatedTo": 4})
        );
        assert_eq!(
            d["OperationFailureDetails"]["RollbackOperationId"],
            "rollback0001"
        );
        let error = d["OperationFailureDetails"]["ErrorInfo"]["ErrorString"]
            .as_str()
            .unwrap();
        assert_eq!(error.chars().count(), ERROR_STRING_MAX);

        // Only a failure has failure details; one version alone is no change.
        let done = OperationRecord {
            end_time: Some(1_764_134_401_000),
            version_to: Some(2),
            error: Some("ignored".into()),
            ..record(OperationStatus::Successful)
        };
        let v =
            serde_json::to_value(DescribeApplicationOperationResponse::new(&done, now)).unwrap();
        let d = v["ApplicationOperationInfoDetails"].as_object().unwrap();
        assert!(!d.contains_key("OperationFailureDetails"));
        assert!(!d.contains_key("ApplicationVersionChangeDetails"));
    }

    #[test]
    fn operation_lists_leave_out_the_end_of_a_running_operation() {
        let ops = [
            record(OperationStatus::InProgress),
            OperationRecord {
                id: "ba9876543210".into(),
                kind: OperationKind::ForceStopApplication,
                end_time: Some(1_764_134_402_000),
                ..record(OperationStatus::Cancelled)
            },
        ];
        assert_eq!(
            serde_json::to_value(ListApplicationOperationsResponse::new(
                &ops,
                Some("2".into())
            ))
            .unwrap(),
            json!({
                "ApplicationOperationInfoList": [
                    {"Operation": "StartApplication", "OperationId": "0123456789ab",
                     "StartTime": 1_764_134_400.0, "OperationStatus": "IN_PROGRESS"},
                    {"Operation": "ForceStopApplication", "OperationId": "ba9876543210",
                     "StartTime": 1_764_134_400.0, "EndTime": 1_764_134_402.0,
                     "OperationStatus": "CANCELLED"}
                ],
                "NextToken": "2"
            })
        );
    }
}

//! Snapshots on the wire: CreateApplicationSnapshot, ListApplicationSnapshots,
//! DescribeApplicationSnapshot and DeleteApplicationSnapshot.
//!
//! Requests are checked like every other (`parse`); `SnapshotDetails` is
//! built from `weir-control`'s [`SnapshotRecord`]. Whether a snapshot may be
//! taken or deleted (the application RUNNING, the name free, the creation
//! time matching) is the catalogue's business.

use serde::{Deserialize, Serialize};
use weir_control::model::EpochMillis;
use weir_control::snapshot::{SnapshotRecord, SnapshotStatus};

use super::check::Check;
use super::requests::{offset_page, APPLICATION_NAME, SNAPSHOT_NAME};
use super::{decode, epoch_millis, EmptyResponse, Timestamp, WireEnum};
use crate::error::ApiError;

impl WireEnum for SnapshotStatus {
    const ALL: &'static [Self] = &SnapshotStatus::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

/// An `ApplicationName` and a `SnapshotName`, both required: the request of
/// CreateApplicationSnapshot and of DescribeApplicationSnapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRequest {
    pub application_name: String,
    pub snapshot_name: String,
}

impl SnapshotRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            snapshot_name: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            snapshot_name: c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_NAME)?,
        })
    }
}

pub type CreateApplicationSnapshotRequest = SnapshotRequest;
pub type DescribeApplicationSnapshotRequest = SnapshotRequest;
pub type CreateApplicationSnapshotResponse = EmptyResponse;
pub type DeleteApplicationSnapshotResponse = EmptyResponse;

// ---------------------------------------------------------------------------
// ListApplicationSnapshots

/// ListApplicationSnapshots, checked. `start` is where the page begins (the
/// `NextToken` a previous page gave, a decimal offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListApplicationSnapshotsRequest {
    pub application_name: String,
    pub limit: Option<u32>,
    pub start: usize,
}

impl ListApplicationSnapshotsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            limit: Option<i32>,
            next_token: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let (limit, start) = offset_page(&c, raw.limit, raw.next_token)?;
        Ok(Self {
            application_name,
            limit,
            start,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListApplicationSnapshotsResponse<'a> {
    pub snapshot_summaries: Vec<SnapshotDetails<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl<'a> ListApplicationSnapshotsResponse<'a> {
    pub fn new(snapshots: &'a [SnapshotRecord], next_token: Option<String>) -> Self {
        Self {
            snapshot_summaries: snapshots.iter().map(SnapshotDetails::new).collect(),
            next_token,
        }
    }
}

// ---------------------------------------------------------------------------
// DescribeApplicationSnapshot

/// `SnapshotDetails`. The model's optional
/// `ApplicationEncryptionConfigurationDescription` is left out: a snapshot
/// record does not keep the encryption configuration it was taken under.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotDetails<'a> {
    pub snapshot_name: &'a str,
    pub snapshot_status: &'static str,
    pub application_version_id: u64,
    pub snapshot_creation_timestamp: Timestamp,
    pub runtime_environment: &'static str,
}

impl<'a> SnapshotDetails<'a> {
    pub fn new(s: &'a SnapshotRecord) -> Self {
        Self {
            snapshot_name: &s.name,
            snapshot_status: s.status.wire(),
            application_version_id: s.version_id,
            snapshot_creation_timestamp: Timestamp(s.created),
            runtime_environment: s.runtime.wire(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeApplicationSnapshotResponse<'a> {
    pub snapshot_details: SnapshotDetails<'a>,
}

impl<'a> DescribeApplicationSnapshotResponse<'a> {
    pub fn new(s: &'a SnapshotRecord) -> Self {
        Self {
            snapshot_details: SnapshotDetails::new(s),
        }
    }
}

// ---------------------------------------------------------------------------
// DeleteApplicationSnapshot

/// DeleteApplicationSnapshot, checked. `SnapshotCreationTimestamp` is read as
/// DeleteApplication reads `CreateTimestamp`: epoch seconds, to the nearest
/// millisecond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteApplicationSnapshotRequest {
    pub application_name: String,
    pub snapshot_name: String,
    pub snapshot_creation_timestamp_ms: EpochMillis,
}

impl DeleteApplicationSnapshotRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            snapshot_name: Option<String>,
            #[serde(default, deserialize_with = "epoch_millis")]
            snapshot_creation_timestamp: Option<EpochMillis>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            snapshot_name: c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_NAME)?,
            snapshot_creation_timestamp_ms: c
                .required("SnapshotCreationTimestamp", raw.snapshot_creation_timestamp)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use weir_control::model::RuntimeEnvironment;
    use weir_control::snapshot::SnapshotKind;

    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn snapshot_requests_parse_to_plain_fields() {
        assert_eq!(
            SnapshotRequest::parse(br#"{"ApplicationName":"a","SnapshotName":"s-1.x_y"}"#).unwrap(),
            SnapshotRequest {
                application_name: "a".into(),
                snapshot_name: "s-1.x_y".into()
            }
        );
        assert_eq!(
            ListApplicationSnapshotsRequest::parse(
                br#"{"ApplicationName":"a","Limit":50,"NextToken":"7"}"#
            )
            .unwrap(),
            ListApplicationSnapshotsRequest {
                application_name: "a".into(),
                limit: Some(50),
                start: 7
            }
        );
        assert_eq!(
            ListApplicationSnapshotsRequest::parse(br#"{"ApplicationName":"a"}"#).unwrap(),
            ListApplicationSnapshotsRequest {
                application_name: "a".into(),
                limit: None,
                start: 0
            }
        );
        // Whole seconds (botocore) and fractional ones (the Rust SDK).
        for (body, ms) in [
            (
                r#"{"ApplicationName":"a","SnapshotName":"s","SnapshotCreationTimestamp":1764134400}"#,
                1_764_134_400_000,
            ),
            (
                r#"{"ApplicationName":"a","SnapshotName":"s","SnapshotCreationTimestamp":1764134400.123}"#,
                1_764_134_400_123,
            ),
        ] {
            assert_eq!(
                DeleteApplicationSnapshotRequest::parse(body.as_bytes()).unwrap(),
                DeleteApplicationSnapshotRequest {
                    application_name: "a".into(),
                    snapshot_name: "s".into(),
                    snapshot_creation_timestamp_ms: ms,
                }
            );
        }
    }

    #[test]
    fn bad_snapshot_requests_are_refused_naming_the_member() {
        use ErrorKind::{InvalidArgument as Arg, Serialization as Ser};
        type Parse = fn(&[u8]) -> Result<(), ApiError>;
        let one: Parse = |b| SnapshotRequest::parse(b).map(drop);
        let list: Parse = |b| ListApplicationSnapshotsRequest::parse(b).map(drop);
        let delete: Parse = |b| DeleteApplicationSnapshotRequest::parse(b).map(drop);
        let long_name = format!(
            r#"{{"ApplicationName":"a","SnapshotName":"{}"}}"#,
            "s".repeat(257)
        );
        let long_app = format!(
            r#"{{"ApplicationName":"{}","SnapshotName":"s"}}"#,
            "a".repeat(129)
        );
        let long_token = format!(
            r#"{{"ApplicationName":"a","NextToken":"{}"}}"#,
            "1".repeat(513)
        );
        let table: &[(&str, Parse, &str, ErrorKind, &str)] = &[
            (
                "no application",
                one,
                r#"{"SnapshotName":"s"}"#,
                Arg,
                "ApplicationName: is required",
            ),
            (
                "long application",
                one,
                &long_app,
                Arg,
                "ApplicationName: must be between 1 and 128",
            ),
            (
                "bad application",
                one,
                r#"{"ApplicationName":"a/b","SnapshotName":"s"}"#,
                Arg,
                "ApplicationName: \"a/b\" does not match",
            ),
            (
                "no snapshot",
                one,
                r#"{"ApplicationName":"a"}"#,
                Arg,
                "SnapshotName: is required",
            ),
            (
                "empty snapshot",
                one,
                r#"{"ApplicationName":"a","SnapshotName":""}"#,
                Arg,
                "SnapshotName: must be between 1 and 256 characters long, is 0",
            ),
            (
                "long snapshot",
                one,
                &long_name,
                Arg,
                "SnapshotName: must be between 1 and 256 characters long, is 257",
            ),
            (
                "bad snapshot",
                one,
                r#"{"ApplicationName":"a","SnapshotName":"my snap"}"#,
                Arg,
                "SnapshotName: \"my snap\" does not match the pattern [a-zA-Z0-9_.-]+",
            ),
            (
                "snapshot not a string",
                one,
                r#"{"ApplicationName":"a","SnapshotName":1}"#,
                Ser,
                "member SnapshotName has the wrong type",
            ),
            (
                "list: no application",
                list,
                r#"{}"#,
                Arg,
                "ApplicationName: is required",
            ),
            (
                "list: limit 0",
                list,
                r#"{"ApplicationName":"a","Limit":0}"#,
                Arg,
                "Limit: must be between 1 and 50, is 0",
            ),
            (
                "list: limit 51",
                list,
                r#"{"ApplicationName":"a","Limit":51}"#,
                Arg,
                "Limit: must be between 1 and 50, is 51",
            ),
            (
                "list: empty token",
                list,
                r#"{"ApplicationName":"a","NextToken":""}"#,
                Arg,
                "NextToken: must be between 1 and 512",
            ),
            (
                "list: long token",
                list,
                &long_token,
                Arg,
                "NextToken: must be between 1 and 512",
            ),
            (
                "list: foreign token",
                list,
                r#"{"ApplicationName":"a","NextToken":"abc"}"#,
                Arg,
                "NextToken: is not a token",
            ),
            (
                "delete: no timestamp",
                delete,
                r#"{"ApplicationName":"a","SnapshotName":"s"}"#,
                Arg,
                "SnapshotCreationTimestamp: is required",
            ),
            (
                "delete: no snapshot",
                delete,
                r#"{"ApplicationName":"a","SnapshotCreationTimestamp":1}"#,
                Arg,
                "SnapshotName: is required",
            ),
            (
                "delete: timestamp not a number",
                delete,
                r#"{"ApplicationName":"a","SnapshotName":"s","SnapshotCreationTimestamp":"yesterday"}"#,
                Ser,
                "member SnapshotCreationTimestamp has the wrong type",
            ),
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

    fn record(name: &str, status: SnapshotStatus) -> SnapshotRecord {
        SnapshotRecord {
            application: "a".into(),
            name: name.into(),
            status,
            kind: SnapshotKind::User,
            version_id: 3,
            runtime: RuntimeEnvironment::Flink1_20,
            created: 1_764_134_400_123,
            operation_id: None,
            stop_job: false,
            job_id: Some("f00".into()),
            trigger_id: None,
            location: Some("/data/snapshots/a/s".into()),
            failure: None,
        }
    }

    #[test]
    fn snapshot_details_carry_the_model_members_and_nothing_private() {
        let ready = record("s-1", SnapshotStatus::Ready);
        assert_eq!(
            serde_json::to_value(DescribeApplicationSnapshotResponse::new(&ready)).unwrap(),
            json!({"SnapshotDetails": {
                "SnapshotName": "s-1",
                "SnapshotStatus": "READY",
                "ApplicationVersionId": 3,
                "SnapshotCreationTimestamp": 1_764_134_400.123,
                "RuntimeEnvironment": "FLINK-1_20"
            }})
        );
        let snaps = [
            ready,
            record("s-0", SnapshotStatus::Creating),
            record("s-f", SnapshotStatus::Failed),
            record("s-d", SnapshotStatus::Deleting),
        ];
        let v = serde_json::to_value(ListApplicationSnapshotsResponse::new(
            &snaps,
            Some("4".into()),
        ))
        .unwrap();
        let statuses: Vec<&str> = v["SnapshotSummaries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["SnapshotStatus"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["READY", "CREATING", "FAILED", "DELETING"]);
        assert_eq!(v["NextToken"], "4");
        let empty = serde_json::to_value(ListApplicationSnapshotsResponse::new(&[], None)).unwrap();
        assert_eq!(empty, json!({"SnapshotSummaries": []}));
    }
}

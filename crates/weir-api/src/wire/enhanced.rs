//! Enhanced snapshots on the wire: CreateSnapshot, DescribeSnapshot,
//! ListSnapshots, DeleteSnapshot, ExportSnapshot, ImportSnapshot,
//! DescribeSnapshotOperation and ListSnapshotOperations.
//!
//! Requests are checked against the model (`SnapshotV2Name`, the one filter
//! a listing takes, the S3 locations); the shapes of the answers are built
//! from `weir-control`'s [`EnhancedSnapshot`] and
//! [`SnapshotOperationRecord`]. Whether a snapshot may be made, exported or
//! deleted is the catalogue's business.

use serde::{Deserialize, Serialize};
use weir_control::enhanced::{
    Encryption, EnhancedSnapshot, Initiator, S3Prefix, SnapshotOperationKind,
    SnapshotOperationRecord, SnapshotOperationStatus, Source,
};
use weir_control::model::{EpochMillis, KeyType};
use weir_control::snapshot::SnapshotStatus;
use weir_service::{NewSnapshot, SnapshotFilter, SnapshotOperationFilter};

use super::check::{Check, Pattern, Str};
use super::requests::{offset_page, TagInput, APPLICATION_NAME, ARN, KEY_ID, MAX_TAGS};
use super::{decode, epoch_millis, Timestamp, WireEnum};
use crate::error::ApiError;

// The model's shapes of the enhanced snapshot API.
const SNAPSHOT_V2_NAME: Str = Str::len(1, 100).matching(Pattern::Name);
const SNAPSHOT_V2_DESCRIPTION: Str = Str::len(0, 1024).matching(Pattern::NoControl);
const SNAPSHOT_OPERATION_ID: Str = Str::len(1, 64);
const KEY_PREFIX: Str = Str::len(1, 200);

impl WireEnum for Initiator {
    const ALL: &'static [Self] = &Initiator::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

impl WireEnum for SnapshotOperationKind {
    const ALL: &'static [Self] = &SnapshotOperationKind::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

impl WireEnum for SnapshotOperationStatus {
    const ALL: &'static [Self] = &SnapshotOperationStatus::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

/// `SnapshotInitiatorOperation`: the operations that make a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InitiatorOperation(SnapshotOperationKind);

impl WireEnum for InitiatorOperation {
    const ALL: &'static [Self] = &[
        InitiatorOperation(SnapshotOperationKind::CreateSnapshot),
        InitiatorOperation(SnapshotOperationKind::ImportSnapshot),
        InitiatorOperation(SnapshotOperationKind::SystemCreateSnapshot),
    ];
    fn wire(self) -> &'static str {
        self.0.as_str()
    }
}

/// `StorageLocationType`: S3 only.
fn storage_type(c: &Check, field: &str, v: Option<String>) -> Result<(), ApiError> {
    c.req_keyword(field, v, &["S3"]).map(drop)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3PrefixLocation {
    #[serde(rename = "BucketARN")]
    bucket_arn: Option<String>,
    key_prefix: Option<String>,
}

impl S3PrefixLocation {
    fn into_domain(self, c: &Check) -> Result<S3Prefix, ApiError> {
        Ok(S3Prefix {
            bucket_arn: c.req_str("BucketARN", self.bucket_arn, ARN)?,
            key_prefix: c.req_str("KeyPrefix", self.key_prefix, KEY_PREFIX)?,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EncryptionConfiguration {
    key_type: Option<String>,
    key_id: Option<String>,
}

impl EncryptionConfiguration {
    fn into_domain(self, c: &Check) -> Result<Encryption, ApiError> {
        let key_type: KeyType = c.req_enumeration("KeyType", self.key_type)?;
        let key_id = c.str("KeyId", self.key_id, KEY_ID)?;
        if key_type == KeyType::CustomerManagedKey && key_id.is_none() {
            return Err(c.fail("KeyId", "is required with CUSTOMER_MANAGED_KEY"));
        }
        Ok(Encryption {
            key_type: key_type.wire().to_string(),
            key_id,
        })
    }
}

fn tags(c: &Check, v: Option<Vec<TagInput>>) -> Result<Vec<weir_control::model::Tag>, ApiError> {
    Ok(c.list("Tags", v, 1, MAX_TAGS, TagInput::into_domain)?
        .unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Requests

/// CreateSnapshot, checked.
#[derive(Debug, Clone)]
pub struct CreateSnapshotRequest {
    pub application_name: String,
    pub snapshot_name: String,
    pub new: NewSnapshot,
}

impl CreateSnapshotRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            snapshot_name: Option<String>,
            snapshot_description: Option<String>,
            tags: Option<Vec<TagInput>>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            snapshot_name: c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?,
            new: NewSnapshot {
                description: c.str(
                    "SnapshotDescription",
                    raw.snapshot_description,
                    SNAPSHOT_V2_DESCRIPTION,
                )?,
                tags: tags(&c, raw.tags)?,
                encryption: None,
            },
        })
    }
}

/// A request that names a snapshot only: DescribeSnapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotNameRequest {
    pub snapshot_name: String,
}

impl SnapshotNameRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            snapshot_name: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            snapshot_name: c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?,
        })
    }
}

/// ListSnapshots, checked: at most one filter, as the service takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSnapshotsRequest {
    pub filter: SnapshotFilter,
    pub limit: Option<u32>,
    pub start: usize,
}

impl ListSnapshotsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            source_application_name: Option<String>,
            snapshot_initiator: Option<String>,
            snapshot_initiator_operation: Option<String>,
            snapshot_status: Option<String>,
            limit: Option<i32>,
            next_token: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let mut filters = Vec::new();
        if let Some(a) = c.str(
            "SourceApplicationName",
            raw.source_application_name,
            APPLICATION_NAME,
        )? {
            filters.push(SnapshotFilter::SourceApplication(a));
        }
        if let Some(i) = c.enumeration::<Initiator>("SnapshotInitiator", raw.snapshot_initiator)? {
            filters.push(SnapshotFilter::Initiator(i));
        }
        if let Some(o) = c.enumeration::<InitiatorOperation>(
            "SnapshotInitiatorOperation",
            raw.snapshot_initiator_operation,
        )? {
            filters.push(SnapshotFilter::InitiatorOperation(o.0));
        }
        if let Some(s) = c.enumeration::<SnapshotStatus>("SnapshotStatus", raw.snapshot_status)? {
            filters.push(SnapshotFilter::Status(s));
        }
        if filters.len() > 1 {
            return Err(c.fail(
                "",
                "give at most one of SourceApplicationName, SnapshotInitiator, SnapshotInitiatorOperation and SnapshotStatus",
            ));
        }
        let (limit, start) = offset_page(&c, raw.limit, raw.next_token)?;
        Ok(Self {
            filter: filters.pop().unwrap_or_default(),
            limit,
            start,
        })
    }
}

/// DeleteSnapshot, checked. `SnapshotCreationTimestamp` in epoch seconds,
/// read to the millisecond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteSnapshotRequest {
    pub snapshot_name: String,
    pub created_ms: EpochMillis,
}

impl DeleteSnapshotRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            snapshot_name: Option<String>,
            #[serde(default, deserialize_with = "epoch_millis")]
            snapshot_creation_timestamp: Option<EpochMillis>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            snapshot_name: c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?,
            created_ms: c.required("SnapshotCreationTimestamp", raw.snapshot_creation_timestamp)?,
        })
    }
}

/// ExportSnapshot, checked.
#[derive(Debug, Clone)]
pub struct ExportSnapshotRequest {
    pub snapshot_name: String,
    pub destination: S3Prefix,
    pub encryption: Option<Encryption>,
}

impl ExportSnapshotRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Destination {
            destination_type: Option<String>,
            export_role_arn: Option<String>,
            destination_encryption_configuration: Option<EncryptionConfiguration>,
            destination_s3_prefix_location: Option<S3PrefixLocation>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            snapshot_name: Option<String>,
            export_destination_configuration: Option<Destination>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let snapshot_name = c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?;
        let (destination, encryption) = c.req_nested(
            "ExportDestinationConfiguration",
            raw.export_destination_configuration,
            |d, c| {
                storage_type(c, "DestinationType", d.destination_type)?;
                // A role Weir has no use for: checked as the model says.
                c.req_str("ExportRoleArn", d.export_role_arn, ARN)?;
                let encryption = c.nested(
                    "DestinationEncryptionConfiguration",
                    d.destination_encryption_configuration,
                    EncryptionConfiguration::into_domain,
                )?;
                let at = c.req_nested(
                    "DestinationS3PrefixLocation",
                    d.destination_s3_prefix_location,
                    S3PrefixLocation::into_domain,
                )?;
                Ok((at, encryption))
            },
        )?;
        Ok(Self {
            snapshot_name,
            destination,
            encryption,
        })
    }
}

/// ImportSnapshot, checked.
#[derive(Debug, Clone)]
pub struct ImportSnapshotRequest {
    pub snapshot_name: String,
    pub source: S3Prefix,
    pub source_encryption: Option<Encryption>,
    pub new: NewSnapshot,
}

impl ImportSnapshotRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct SourceConfig {
            source_type: Option<String>,
            import_role_arn: Option<String>,
            source_encryption_configuration: Option<EncryptionConfiguration>,
            source_s3_prefix_location: Option<S3PrefixLocation>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            snapshot_name: Option<String>,
            import_source_configuration: Option<SourceConfig>,
            destination_encryption_configuration: Option<EncryptionConfiguration>,
            snapshot_description: Option<String>,
            snapshot_format: Option<String>,
            tags: Option<Vec<TagInput>>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let snapshot_name = c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?;
        let (source, source_encryption) = c.req_nested(
            "ImportSourceConfiguration",
            raw.import_source_configuration,
            |s, c| {
                storage_type(c, "SourceType", s.source_type)?;
                c.req_str("ImportRoleArn", s.import_role_arn, ARN)?;
                let encryption = c.nested(
                    "SourceEncryptionConfiguration",
                    s.source_encryption_configuration,
                    EncryptionConfiguration::into_domain,
                )?;
                let at = c.req_nested(
                    "SourceS3PrefixLocation",
                    s.source_s3_prefix_location,
                    S3PrefixLocation::into_domain,
                )?;
                Ok((at, encryption))
            },
        )?;
        if let Some(f) = raw.snapshot_format {
            c.req_keyword("SnapshotFormat", Some(f), &["CANONICAL"])?;
        }
        Ok(Self {
            snapshot_name,
            source,
            source_encryption,
            new: NewSnapshot {
                description: c.str(
                    "SnapshotDescription",
                    raw.snapshot_description,
                    SNAPSHOT_V2_DESCRIPTION,
                )?,
                tags: tags(&c, raw.tags)?,
                encryption: c.nested(
                    "DestinationEncryptionConfiguration",
                    raw.destination_encryption_configuration,
                    EncryptionConfiguration::into_domain,
                )?,
            },
        })
    }
}

/// DescribeSnapshotOperation, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeSnapshotOperationRequest {
    pub snapshot_name: String,
    pub operation_id: String,
}

impl DescribeSnapshotOperationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            snapshot_name: Option<String>,
            snapshot_operation_id: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            snapshot_name: c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?,
            operation_id: c.req_str(
                "SnapshotOperationId",
                raw.snapshot_operation_id,
                SNAPSHOT_OPERATION_ID,
            )?,
        })
    }
}

/// ListSnapshotOperations, checked: at most one filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSnapshotOperationsRequest {
    pub snapshot_name: String,
    pub filter: SnapshotOperationFilter,
    pub limit: Option<u32>,
    pub start: usize,
}

impl ListSnapshotOperationsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            snapshot_name: Option<String>,
            snapshot_operation: Option<String>,
            snapshot_operation_status: Option<String>,
            limit: Option<i32>,
            next_token: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let snapshot_name = c.req_str("SnapshotName", raw.snapshot_name, SNAPSHOT_V2_NAME)?;
        let kind =
            c.enumeration::<SnapshotOperationKind>("SnapshotOperation", raw.snapshot_operation)?;
        let status = c.enumeration::<SnapshotOperationStatus>(
            "SnapshotOperationStatus",
            raw.snapshot_operation_status,
        )?;
        let filter = match (kind, status) {
            (Some(_), Some(_)) => {
                return Err(c.fail(
                    "",
                    "give at most one of SnapshotOperation and SnapshotOperationStatus",
                ))
            }
            (Some(k), None) => SnapshotOperationFilter::Kind(k),
            (None, Some(s)) => SnapshotOperationFilter::Status(s),
            (None, None) => SnapshotOperationFilter::All,
        };
        let (limit, start) = offset_page(&c, raw.limit, raw.next_token)?;
        Ok(Self {
            snapshot_name,
            filter,
            limit,
            start,
        })
    }
}

// ---------------------------------------------------------------------------
// Responses

/// What CreateSnapshot, ImportSnapshot and DeleteSnapshot answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotChangeResponse {
    pub snapshot_arn: String,
    pub snapshot_status: &'static str,
    pub snapshot_operation_id: String,
    pub snapshot_operation_status: &'static str,
}

impl SnapshotChangeResponse {
    pub fn new(arn: String, s: &EnhancedSnapshot, op: &SnapshotOperationRecord) -> Self {
        Self {
            snapshot_arn: arn,
            snapshot_status: s.status.wire(),
            snapshot_operation_id: op.id.clone(),
            snapshot_operation_status: op.status.wire(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExportSnapshotResponse {
    pub snapshot_operation_id: String,
    pub snapshot_operation_status: &'static str,
}

impl ExportSnapshotResponse {
    pub fn new(op: &SnapshotOperationRecord) -> Self {
        Self {
            snapshot_operation_id: op.id.clone(),
            snapshot_operation_status: op.status.wire(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct WireS3Prefix<'a> {
    #[serde(rename = "BucketARN")]
    bucket_arn: &'a str,
    key_prefix: &'a str,
}

impl<'a> WireS3Prefix<'a> {
    fn new(p: &'a S3Prefix) -> Self {
        Self {
            bucket_arn: &p.bucket_arn,
            key_prefix: &p.key_prefix,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct WireEncryption<'a> {
    key_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
}

impl<'a> WireEncryption<'a> {
    fn new(e: &'a Encryption) -> Self {
        Self {
            key_type: &e.key_type,
            key_id: e.key_id.as_deref(),
        }
    }
}

/// `SnapshotInfo`, a listing's item.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotInfo<'a> {
    snapshot_name: &'a str,
    snapshot_arn: String,
    snapshot_status: &'static str,
    snapshot_creation_timestamp: Timestamp,
    snapshot_initiator: &'static str,
    snapshot_initiator_operation: &'static str,
    snapshot_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_application_name: Option<&'a str>,
}

impl<'a> SnapshotInfo<'a> {
    fn new(arn: String, s: &'a EnhancedSnapshot) -> Self {
        Self {
            snapshot_name: &s.name,
            snapshot_arn: arn,
            snapshot_status: s.status.wire(),
            snapshot_creation_timestamp: Timestamp(s.created),
            snapshot_initiator: s.initiator.wire(),
            snapshot_initiator_operation: s.made_by.wire(),
            snapshot_format: "CANONICAL",
            source_application_name: s.source_application(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSnapshotsResponse<'a> {
    snapshot_info_list: Vec<SnapshotInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

impl<'a> ListSnapshotsResponse<'a> {
    pub fn new(
        arn: impl Fn(&str) -> String,
        snapshots: &'a [EnhancedSnapshot],
        next_token: Option<String>,
    ) -> Self {
        Self {
            snapshot_info_list: snapshots
                .iter()
                .map(|s| SnapshotInfo::new(arn(&s.name), s))
                .collect(),
            next_token,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SourceApplicationDescription<'a> {
    application_name: &'a str,
    application_creation_timestamp: Timestamp,
    application_version_id: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SnapshotSourceDescription<'a> {
    #[serde(rename = "S3PrefixLocation", skip_serializing_if = "Option::is_none")]
    s3_prefix_location: Option<WireS3Prefix<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_application_description: Option<SourceApplicationDescription<'a>>,
}

/// `SnapshotInfoDetails`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SnapshotInfoDetails<'a> {
    snapshot_name: &'a str,
    snapshot_arn: String,
    snapshot_status: &'static str,
    snapshot_creation_timestamp: Timestamp,
    snapshot_initiator: &'static str,
    snapshot_initiator_operation: &'static str,
    snapshot_source_description: SnapshotSourceDescription<'a>,
    snapshot_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime_environment: Option<&'static str>,
    snapshot_size_in_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_encryption_configuration_description: Option<WireEncryption<'a>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSnapshotResponse<'a> {
    snapshot_info_details: SnapshotInfoDetails<'a>,
}

impl<'a> DescribeSnapshotResponse<'a> {
    pub fn new(arn: String, s: &'a EnhancedSnapshot) -> Self {
        let source = match &s.source {
            Source::Application {
                name,
                creation_timestamp,
                version_id,
            } => SnapshotSourceDescription {
                s3_prefix_location: None,
                source_application_description: Some(SourceApplicationDescription {
                    application_name: name,
                    application_creation_timestamp: Timestamp(*creation_timestamp),
                    application_version_id: *version_id,
                }),
            },
            Source::Import(p) => SnapshotSourceDescription {
                s3_prefix_location: Some(WireS3Prefix::new(p)),
                source_application_description: None,
            },
        };
        Self {
            snapshot_info_details: SnapshotInfoDetails {
                snapshot_name: &s.name,
                snapshot_arn: arn,
                snapshot_status: s.status.wire(),
                snapshot_creation_timestamp: Timestamp(s.created),
                snapshot_initiator: s.initiator.wire(),
                snapshot_initiator_operation: s.made_by.wire(),
                snapshot_source_description: source,
                snapshot_format: "CANONICAL",
                snapshot_description: s.description.as_deref(),
                runtime_environment: s.runtime.map(|r| r.wire()),
                snapshot_size_in_bytes: s.size_bytes,
                snapshot_encryption_configuration_description: s
                    .encryption
                    .as_ref()
                    .map(WireEncryption::new),
            },
        }
    }
}

/// `SnapshotOperationInfo`, a listing's item.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SnapshotOperationInfo<'a> {
    snapshot_operation_id: &'a str,
    snapshot_operation: &'static str,
    snapshot_operation_status: &'static str,
    start_time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<Timestamp>,
}

impl<'a> SnapshotOperationInfo<'a> {
    fn new(o: &'a SnapshotOperationRecord) -> Self {
        Self {
            snapshot_operation_id: &o.id,
            snapshot_operation: o.kind.wire(),
            snapshot_operation_status: o.status.wire(),
            start_time: Timestamp(o.start),
            end_time: o.end.map(Timestamp),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSnapshotOperationsResponse<'a> {
    snapshot_operation_info_list: Vec<SnapshotOperationInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

impl<'a> ListSnapshotOperationsResponse<'a> {
    pub fn new(ops: &'a [SnapshotOperationRecord], next_token: Option<String>) -> Self {
        Self {
            snapshot_operation_info_list: ops.iter().map(SnapshotOperationInfo::new).collect(),
            next_token,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct OperationS3Prefix<'a> {
    #[serde(rename = "BucketARN")]
    bucket_arn: &'a str,
    key_prefix: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_prefix: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct OperationLocation<'a> {
    location_type: &'static str,
    #[serde(rename = "S3PrefixLocation")]
    s3_prefix_location: OperationS3Prefix<'a>,
}

impl<'a> OperationLocation<'a> {
    fn new(p: &'a S3Prefix, exported: Option<&'a str>) -> Self {
        Self {
            location_type: "S3",
            s3_prefix_location: OperationS3Prefix {
                bucket_arn: &p.bucket_arn,
                key_prefix: &p.key_prefix,
                exported_prefix: exported,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationOperationDescription<'a> {
    application_operation_id: &'a str,
    application_name: &'a str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorInfo<'a> {
    error_code: &'a str,
    error_string: &'a str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct FailureDetails<'a> {
    error_info: ErrorInfo<'a>,
}

/// `SnapshotOperationInfoDetails`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SnapshotOperationInfoDetails<'a> {
    snapshot_operation_id: &'a str,
    snapshot_operation: &'static str,
    snapshot_operation_status: &'static str,
    snapshot_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_encryption_configuration_description: Option<WireEncryption<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_encryption_configuration_description: Option<WireEncryption<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_source_location_description: Option<OperationLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_destination_location_description: Option<OperationLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_operation_description: Option<ApplicationOperationDescription<'a>>,
    start_time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_operation_failure_details: Option<FailureDetails<'a>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSnapshotOperationResponse<'a> {
    snapshot_operation_info_details: SnapshotOperationInfoDetails<'a>,
}

impl<'a> DescribeSnapshotOperationResponse<'a> {
    pub fn new(arn: String, o: &'a SnapshotOperationRecord) -> Self {
        let done = o.status != SnapshotOperationStatus::InProgress;
        Self {
            snapshot_operation_info_details: SnapshotOperationInfoDetails {
                snapshot_operation_id: &o.id,
                snapshot_operation: o.kind.wire(),
                snapshot_operation_status: o.status.wire(),
                snapshot_arn: arn,
                source_encryption_configuration_description: o
                    .source_encryption
                    .as_ref()
                    .map(WireEncryption::new),
                destination_encryption_configuration_description: o
                    .destination_encryption
                    .as_ref()
                    .map(WireEncryption::new),
                snapshot_source_location_description: o
                    .source
                    .as_ref()
                    .map(|p| OperationLocation::new(p, None)),
                // "after the operation completes"
                snapshot_destination_location_description: o
                    .destination
                    .as_ref()
                    .filter(|_| done)
                    .map(|p| OperationLocation::new(p, o.exported_prefix.as_deref())),
                application_operation_description: o.application_operation.as_ref().map(
                    |(id, app)| ApplicationOperationDescription {
                        application_operation_id: id,
                        application_name: app,
                    },
                ),
                start_time: Timestamp(o.start),
                end_time: o.end.map(Timestamp),
                snapshot_operation_failure_details: o.failure.as_ref().map(|(code, text)| {
                    FailureDetails {
                        error_info: ErrorInfo {
                            error_code: code,
                            error_string: text,
                        },
                    }
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ErrorKind;

    fn body(v: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn a_listing_takes_one_filter_at_most() {
        let one = ListSnapshotsRequest::parse(&body(json!({"SnapshotStatus": "READY"}))).unwrap();
        assert_eq!(one.filter, SnapshotFilter::Status(SnapshotStatus::Ready));
        let e = ListSnapshotsRequest::parse(&body(
            json!({"SnapshotStatus": "READY", "SourceApplicationName": "a"}),
        ))
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        let e = ListSnapshotsRequest::parse(&body(
            json!({"SnapshotInitiatorOperation": "ExportSnapshot"}),
        ))
        .unwrap_err();
        assert!(
            e.message.contains("SnapshotInitiatorOperation"),
            "{}",
            e.message
        );
        let e = ListSnapshotOperationsRequest::parse(&body(json!({
            "SnapshotName": "s", "SnapshotOperation": "ExportSnapshot", "SnapshotOperationStatus": "FAILED"
        })))
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
    }

    #[test]
    fn snapshot_names_and_locations_are_the_models() {
        let e = SnapshotNameRequest::parse(&body(json!({"SnapshotName": "x".repeat(101)})))
            .unwrap_err();
        assert!(e.message.contains("SnapshotName"), "{}", e.message);
        let e = CreateSnapshotRequest::parse(&body(json!({
            "ApplicationName": "a", "SnapshotName": "s", "SnapshotDescription": "line\nbreak"
        })))
        .unwrap_err();
        assert!(e.message.contains("SnapshotDescription"), "{}", e.message);
        let e = ExportSnapshotRequest::parse(&body(json!({
            "SnapshotName": "s",
            "ExportDestinationConfiguration": {
                "DestinationType": "S3", "ExportRoleArn": "arn:aws:iam::1:role/r",
                "DestinationS3PrefixLocation": {"BucketARN": "arn:aws:s3:::b"}
            }
        })))
        .unwrap_err();
        assert!(
            e.message
                .contains("ExportDestinationConfiguration.DestinationS3PrefixLocation.KeyPrefix"),
            "{}",
            e.message
        );
        let ok = ImportSnapshotRequest::parse(&body(json!({
            "SnapshotName": "s",
            "ImportSourceConfiguration": {
                "SourceType": "S3", "ImportRoleArn": "arn:aws:iam::1:role/r",
                "SourceS3PrefixLocation": {"BucketARN": "arn:aws:s3:::b", "KeyPrefix": "sp/"}
            },
            "SnapshotFormat": "CANONICAL",
            "Tags": [{"Key": "k", "Value": "v"}]
        })))
        .unwrap();
        assert_eq!(ok.source.key_prefix, "sp/");
        assert_eq!(ok.new.tags.len(), 1);
    }
}

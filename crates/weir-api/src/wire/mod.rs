//! The Kinesis Analytics V2 request and response shapes (AWS JSON 1.1), and
//! their conversion to and from `weir-control`'s model; in [`logs`], those of
//! the CloudWatch Logs read API, which refuses with `InvalidParameterException`;
//! in `admin`, those of Weir's own operator API (`WeirAdmin_20261126`).
//!
//! A request goes through two steps:
//!
//! 1. [`decode`]: JSON into a serde struct whose members are spelled as in the
//!    model. Malformed JSON, a member of the wrong JSON type or a blob that is
//!    not base64 is a `SerializationException`. Unknown members are ignored,
//!    as the service ignores them. Enum members arrive as plain strings.
//! 2. `into_domain` / `parse`: every `required`, `min`/`max`, `pattern` and
//!    `enum` constraint of the model, checked while converting; a violation is
//!    an `InvalidArgumentException` naming the member by its dotted path
//!    (`Tags[3].Key`). What is left to judge is the model's business
//!    (`weir-control`): which runtimes Weir runs, which combinations make sense.
//!
//! Responses are built from a model [`Application`](weir_control::model::Application)
//! by hand ([`application_detail`] and the `*Response` constructors), borrowing
//! its strings.
//!
//! **Architecture invariant:** serde derives for the wire live here and only
//! here. The model's own serde derives are the store's private format; no
//! model type is ever serialized onto the wire.

mod admin;
mod check;
#[cfg(test)]
mod constants;
mod dashboard;
mod detail;
mod enhanced;
pub mod logs;
mod operations;
mod refused;
mod requests;
mod snapshots;
#[cfg(test)]
mod tests;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use weir_control::model::{
    ApplicationMode, ApplicationStatus, CodeContentType, ConfigurationType, EpochMillis, KeyType,
    LogLevel, MetricsLevel, RestoreType, RuntimeEnvironment, SnapshotMode,
};

use crate::error::{ApiError, ErrorKind};

pub use admin::{
    history_since, ClusterHealth, DeregisterFlinkClusterRequest, DescribeApplicationMetricsRequest,
    DescribeApplicationMetricsResponse, FlinkClusterDescription, FlinkClusterResponse,
    ListFlinkClustersResponse, RegisterFlinkClusterRequest, StartApplicationMaintenanceRequest,
    StartApplicationMaintenanceResponse,
};
pub use dashboard::{CreateApplicationPresignedUrlRequest, CreateApplicationPresignedUrlResponse};
pub use detail::{
    application_detail, application_summary, application_version_summary,
    cloud_watch_logging_option_descriptions, AddApplicationCloudWatchLoggingOptionResponse,
    ApplicationCodeConfigurationDescription, ApplicationConfigurationDescription,
    ApplicationDetail, ApplicationEncryptionConfigurationDescription,
    ApplicationMaintenanceConfigurationDescription, ApplicationRestoreConfigurationDescription,
    ApplicationSnapshotConfigurationDescription, ApplicationSummary,
    ApplicationSystemRollbackConfigurationDescription, ApplicationVersionSummary,
    CheckpointConfigurationDescription, CloudWatchLoggingOptionDescription,
    CloudWatchLoggingOptionsResponse, CodeContentDescription, CreateApplicationResponse,
    DeleteApplicationCloudWatchLoggingOptionResponse, DeleteApplicationResponse,
    DescribeApplicationResponse, DescribeApplicationVersionResponse, EmptyResponse,
    EnvironmentPropertyDescriptions, FlinkApplicationConfigurationDescription,
    FlinkRunConfigurationDescription, ListApplicationVersionsResponse, ListApplicationsResponse,
    ListTagsForResourceResponse, MonitoringConfigurationDescription,
    ParallelismConfigurationDescription, PropertyGroupDescription, PropertyMap,
    RunConfigurationDescription, S3ApplicationCodeLocationDescription, Tag, TagResourceResponse,
    UntagResourceResponse, UpdateApplicationMaintenanceConfigurationResponse,
    UpdateApplicationResponse, VpcConfigurationDescription, WeirPlacement,
};
pub use enhanced::{
    CreateSnapshotRequest, DeleteSnapshotRequest, DescribeSnapshotOperationRequest,
    DescribeSnapshotOperationResponse, DescribeSnapshotResponse, ExportSnapshotRequest,
    ExportSnapshotResponse, ImportSnapshotRequest, ListSnapshotOperationsRequest,
    ListSnapshotOperationsResponse, ListSnapshotsRequest, ListSnapshotsResponse,
    SnapshotChangeResponse, SnapshotNameRequest,
};
pub use operations::{
    ApplicationOperationInfo, ApplicationOperationInfoDetails, ApplicationVersionChangeDetails,
    DescribeApplicationOperationRequest, DescribeApplicationOperationResponse, ErrorInfo,
    ListApplicationOperationsRequest, ListApplicationOperationsResponse, OperationFailureDetails,
    OperationIdResponse, RollbackApplicationRequest, RollbackApplicationResponse,
    StartApplicationRequest, StartApplicationResponse, StopApplicationRequest,
    StopApplicationResponse,
};
pub use requests::{
    AddApplicationCloudWatchLoggingOptionRequest, CreateApplicationRequest,
    DeleteApplicationCloudWatchLoggingOptionRequest, DeleteApplicationRequest,
    DescribeApplicationRequest, DescribeApplicationVersionRequest, ListApplicationVersionsRequest,
    ListApplicationsRequest, ListTagsForResourceRequest, S3LocationUpdate, TagResourceRequest,
    UntagResourceRequest, UpdateApplicationInput, UpdateApplicationMaintenanceConfigurationRequest,
    UpdateApplicationRequest,
};
pub use snapshots::{
    CreateApplicationSnapshotRequest, CreateApplicationSnapshotResponse,
    DeleteApplicationSnapshotRequest, DeleteApplicationSnapshotResponse,
    DescribeApplicationSnapshotRequest, DescribeApplicationSnapshotResponse,
    ListApplicationSnapshotsRequest, ListApplicationSnapshotsResponse, SnapshotDetails,
    SnapshotRequest,
};

/// A request body into its serde struct. An empty body is `{}`.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Data => match member_before(body, e.line(), e.column()) {
                Some(member) => {
                    format!("member {member} has the wrong type or an unreadable value")
                }
                None => "a request member has the wrong type or an unreadable value".to_string(),
            },
            Category::Syntax | Category::Eof => "the request body is not valid JSON".to_string(),
            Category::Io => "the request body could not be read".to_string(),
        };
        ApiError::serialization(format!("{what}: {e}"))
    })
}

/// The name of the last member that starts before `line`:`column` of
/// `body`: where serde_json stops at a value of the wrong type, the member
/// it belongs to. A best effort for the message only.
fn member_before(body: &[u8], line: usize, column: usize) -> Option<String> {
    let line_start: usize = body
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    let before = body.get(..(line_start + column).min(body.len()))?;
    // The last `"Name":` — a colon inside a string value is not preceded by a quote.
    let mut end = before.len();
    loop {
        let colon = before[..end].iter().rposition(|b| *b == b':')?;
        let key = before[..colon].trim_ascii_end();
        if let Some(key) = key.strip_suffix(b"\"") {
            let open = key.iter().rposition(|b| *b == b'"')?;
            let name = &key[open + 1..];
            if !name.is_empty() && name.iter().all(u8::is_ascii_alphanumeric) {
                return Some(String::from_utf8_lossy(name).into_owned());
            }
        }
        end = colon;
    }
}

/// A response body. The wire types serialize infallibly; a failure would be a
/// bug, reported as `InternalFailure`.
pub fn encode<T: Serialize>(response: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(response).map_err(|e| {
        ApiError::new(
            ErrorKind::InternalFailure,
            format!("could not encode the response: {e}"),
        )
    })
}

/// A model enum and its spelling in the AWS model.
pub trait WireEnum: Copy + Sized + 'static {
    const ALL: &'static [Self];

    fn wire(self) -> &'static str;

    fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.wire() == s)
    }
}

impl WireEnum for RuntimeEnvironment {
    const ALL: &'static [Self] = &RuntimeEnvironment::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

impl WireEnum for ApplicationStatus {
    const ALL: &'static [Self] = &ApplicationStatus::ALL;
    fn wire(self) -> &'static str {
        self.as_str()
    }
}

/// `WireEnum` for a model enum, variant by variant.
macro_rules! wire_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl WireEnum for $ty {
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            fn wire(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }
    };
}

wire_enum!(ApplicationMode { Streaming => "STREAMING", Interactive => "INTERACTIVE" });
wire_enum!(CodeContentType { Plaintext => "PLAINTEXT", Zipfile => "ZIPFILE" });
wire_enum!(ConfigurationType { Default => "DEFAULT", Custom => "CUSTOM" });
wire_enum!(MetricsLevel {
    Application => "APPLICATION",
    Task => "TASK",
    Operator => "OPERATOR",
    Parallelism => "PARALLELISM",
});
wire_enum!(LogLevel { Info => "INFO", Warn => "WARN", Error => "ERROR", Debug => "DEBUG" });
wire_enum!(SnapshotMode {
    Legacy => "APPLICATION_SNAPSHOTS_LEGACY",
    Enhanced => "ENHANCED_SNAPSHOTS",
});
wire_enum!(RestoreType {
    SkipRestoreFromSnapshot => "SKIP_RESTORE_FROM_SNAPSHOT",
    RestoreFromLatestSnapshot => "RESTORE_FROM_LATEST_SNAPSHOT",
    RestoreFromCustomSnapshot => "RESTORE_FROM_CUSTOM_SNAPSHOT",
});
wire_enum!(KeyType { AwsOwnedKey => "AWS_OWNED_KEY", CustomerManagedKey => "CUSTOMER_MANAGED_KEY" });

/// A `timestamp` member on the wire: epoch seconds, with the milliseconds as
/// a fraction (`1764134400.123`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub EpochMillis);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 1000.0)
    }
}

/// An optional `timestamp` member of a request: epoch seconds as a JSON
/// number, integer or not, to the nearest millisecond.
pub(crate) fn epoch_millis<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<EpochMillis>, D::Error> {
    let seconds: Option<f64> = Option::deserialize(d)?;
    Ok(seconds.map(|s| (s * 1000.0).round() as EpochMillis))
}

/// An optional `blob` member of a request: standard base64, padded or not.
/// Decoded straight from the request buffer: a ZIP can be 50 MiB.
pub(crate) fn blob<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    struct Base64;
    impl Visitor<'_> for Base64 {
        type Value = Option<Vec<u8>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a base64 string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            const BASE64: GeneralPurpose = GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                GeneralPurposeConfig::new()
                    .with_decode_padding_mode(DecodePaddingMode::Indifferent),
            );
            BASE64
                .decode(s)
                .map(Some)
                .map_err(|e| E::custom(format!("a blob member is not valid base64 ({e})")))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Base64)
}

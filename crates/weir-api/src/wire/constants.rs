//! Every constant the request parsers copy from the models (lengths,
//! patterns, ranges, list sizes, enum values), each beside the shape it was
//! copied from. A test holds them to the reference models in
//! `../shared/reference/`, so a copied constant cannot drift.
//!
//! Only what is listed here is checked: a limit of the model belongs in a
//! named constant, listed here, never in a number written at a call site.

use weir_control::model::{
    ApplicationMode, ApplicationStatus, CodeContentType, ConfigurationType, KeyType, LogLevel,
    MetricsLevel, RestoreType, RuntimeEnvironment, SnapshotMode,
};

use super::check::Str;
use super::dashboard::{SESSION_EXPIRATION, URL_TYPES};
use super::logs::{
    ACCOUNT_ID, ACCOUNT_IDS, DESCRIBE_LIMIT, EVENTS_LIMIT, FILTER_PATTERN, LOG_GROUP_CLASSES,
    LOG_GROUP_IDENTIFIER, LOG_GROUP_IDENTIFIERS, LOG_GROUP_NAME, LOG_GROUP_NAME_PATTERN,
    LOG_STREAM_NAME, MAX_STREAM_NAMES, NEXT_TOKEN as LOGS_NEXT_TOKEN, TIMESTAMP,
};
use super::operations::{INPUT_STARTING_POSITIONS, OPERATION_ID};
use super::refused::*;
use super::requests::*;
use super::WireEnum;

/// A constant as the model states it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Copied {
    /// A `string` shape: length bounds and pattern.
    Str(Str),
    /// An `integer` or `long` shape: (min, max); `i64::MAX` for no `max`.
    Int((i64, i64)),
    /// A `list`, `map`, `blob` (or a string checked by hand): (min, max)
    /// items, entries, bytes or characters; `usize::MAX` for no `max`.
    Size((usize, usize)),
    /// An `enum` string shape: its values (in any order).
    Enum(fn() -> Vec<&'static str>),
}

fn wire<E: WireEnum>() -> Vec<&'static str> {
    E::ALL.iter().map(|e| e.wire()).collect()
}

macro_rules! keywords {
    ($names:expr) => {
        Copied::Enum(|| $names.to_vec())
    };
}

/// Kinesis Analytics V2 (`kinesisanalyticsv2-2018-05-23`), by shape name.
pub(crate) const KINESIS_ANALYTICS_V2: &[(&str, Copied)] = &[
    ("ApplicationName", Copied::Str(APPLICATION_NAME)),
    (
        "ApplicationDescription",
        Copied::Str(APPLICATION_DESCRIPTION),
    ),
    ("RoleARN", Copied::Str(ARN)),
    ("ResourceARN", Copied::Str(ARN)),
    ("BucketARN", Copied::Str(ARN)),
    ("LogStreamARN", Copied::Str(ARN)),
    ("Id", Copied::Str(ID)),
    ("PropertyKey", Copied::Size((1, PROPERTY_KEY_MAX))),
    ("PropertyValue", Copied::Str(PROPERTY_VALUE)),
    ("TextContent", Copied::Str(TEXT_CONTENT)),
    ("FileKey", Copied::Str(FILE_KEY)),
    ("ObjectVersion", Copied::Str(OBJECT_VERSION)),
    ("KeyId", Copied::Str(KEY_ID)),
    ("TagKey", Copied::Str(TAG_KEY)),
    ("TagValue", Copied::Str(TAG_VALUE)),
    ("ConditionalToken", Copied::Str(CONDITIONAL_TOKEN)),
    ("SnapshotName", Copied::Str(SNAPSHOT_NAME)),
    ("SnapshotArn", Copied::Str(SNAPSHOT_ARN)),
    (
        "ApplicationMaintenanceWindowStartTime",
        Copied::Str(MAINTENANCE_WINDOW_START_TIME),
    ),
    ("NextToken", Copied::Str(NEXT_TOKEN)),
    ("OperationId", Copied::Str(OPERATION_ID)),
    ("InAppStreamName", Copied::Str(IN_APP_STREAM_NAME)),
    ("InAppTableName", Copied::Str(IN_APP_TABLE_NAME)),
    ("RecordColumnName", Copied::Str(RECORD_COLUMN_NAME)),
    ("RecordColumnMapping", Copied::Str(RECORD_COLUMN_MAPPING)),
    ("RecordColumnSqlType", Copied::Str(RECORD_COLUMN_SQL_TYPE)),
    ("RecordEncoding", Copied::Str(RECORD_ENCODING)),
    ("RecordRowPath", Copied::Str(RECORD_ROW_PATH)),
    ("RecordColumnDelimiter", Copied::Str(RECORD_DELIMITER)),
    ("RecordRowDelimiter", Copied::Str(RECORD_DELIMITER)),
    ("BasePath", Copied::Str(BASE_PATH)),
    ("MavenArtifactId", Copied::Str(MAVEN_NAME)),
    ("MavenGroupId", Copied::Str(MAVEN_NAME)),
    ("MavenVersion", Copied::Str(MAVEN_NAME)),
    ("ApplicationVersionId", Copied::Int(VERSION_ID)),
    ("ListApplicationsInputLimit", Copied::Int((1, MAX_LIMIT))),
    (
        "ListApplicationVersionsInputLimit",
        Copied::Int((1, MAX_LIMIT)),
    ),
    (
        "ListApplicationOperationsInputLimit",
        Copied::Int((1, MAX_LIMIT)),
    ),
    ("ListSnapshotsInputLimit", Copied::Int((1, MAX_LIMIT))),
    ("CheckpointInterval", Copied::Int(CHECKPOINT_INTERVAL)),
    (
        "MinPauseBetweenCheckpoints",
        Copied::Int(MIN_PAUSE_BETWEEN_CHECKPOINTS),
    ),
    ("Parallelism", Copied::Int(PARALLELISM)),
    ("ParallelismPerKPU", Copied::Int(PARALLELISM)),
    (
        "InputParallelismCount",
        Copied::Int(INPUT_PARALLELISM_COUNT),
    ),
    (
        "SessionExpirationDurationInSeconds",
        Copied::Int(SESSION_EXPIRATION),
    ),
    ("ZipFileContent", Copied::Size((0, ZIP_FILE_CONTENT_MAX))),
    ("Tags", Copied::Size((1, MAX_TAGS))),
    ("TagKeys", Copied::Size((1, MAX_TAGS))),
    ("PropertyGroups", Copied::Size((0, MAX_PROPERTY_GROUPS))),
    ("PropertyMap", Copied::Size((1, MAX_PROPERTIES))),
    ("SubnetIds", Copied::Size(SUBNET_IDS)),
    ("SecurityGroupIds", Copied::Size(SECURITY_GROUP_IDS)),
    ("UrlType", keywords!(URL_TYPES)),
    ("ArtifactType", keywords!(ARTIFACT_TYPES)),
    ("InputStartingPosition", keywords!(INPUT_STARTING_POSITIONS)),
    ("RecordFormatType", keywords!(RECORD_FORMAT_TYPES)),
    (
        "RuntimeEnvironment",
        Copied::Enum(wire::<RuntimeEnvironment>),
    ),
    ("ApplicationStatus", Copied::Enum(wire::<ApplicationStatus>)),
    ("ApplicationMode", Copied::Enum(wire::<ApplicationMode>)),
    ("CodeContentType", Copied::Enum(wire::<CodeContentType>)),
    ("ConfigurationType", Copied::Enum(wire::<ConfigurationType>)),
    ("MetricsLevel", Copied::Enum(wire::<MetricsLevel>)),
    ("LogLevel", Copied::Enum(wire::<LogLevel>)),
    ("SnapshotMode", Copied::Enum(wire::<SnapshotMode>)),
    ("ApplicationRestoreType", Copied::Enum(wire::<RestoreType>)),
    ("KeyType", Copied::Enum(wire::<KeyType>)),
];

/// CloudWatch Logs (`logs-2014-03-28`), by shape name.
pub(crate) const CLOUDWATCH_LOGS: &[(&str, Copied)] = &[
    ("LogGroupName", Copied::Str(LOG_GROUP_NAME)),
    ("LogGroupNamePattern", Copied::Str(LOG_GROUP_NAME_PATTERN)),
    ("LogGroupIdentifier", Copied::Str(LOG_GROUP_IDENTIFIER)),
    ("LogStreamName", Copied::Str(LOG_STREAM_NAME)),
    ("NextToken", Copied::Str(LOGS_NEXT_TOKEN)),
    ("FilterPattern", Copied::Str(FILTER_PATTERN)),
    ("AccountId", Copied::Str(ACCOUNT_ID)),
    ("DescribeLimit", Copied::Int((1, DESCRIBE_LIMIT as i64))),
    ("EventsLimit", Copied::Int((1, EVENTS_LIMIT as i64))),
    ("Timestamp", Copied::Int(TIMESTAMP)),
    ("InputLogStreamNames", Copied::Size((1, MAX_STREAM_NAMES))),
    ("AccountIds", Copied::Size(ACCOUNT_IDS)),
    (
        "DescribeLogGroupsLogGroupIdentifiers",
        Copied::Size(LOG_GROUP_IDENTIFIERS),
    ),
    ("LogGroupClass", keywords!(LOG_GROUP_CLASSES)),
];

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;

    /// A reference model's shapes, from `../shared/reference/` beside the repository.
    fn shapes(file: &str) -> serde_json::Map<String, Value> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/reference")
            .join(file);
        let gz = std::fs::File::open(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read the reference model {} ({e}): the repository must be checked out \
                 beside a copy of shared/ (../shared/reference/{file})",
                path.display()
            )
        });
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let model: Value = serde_json::from_str(&text).unwrap();
        model["shapes"].as_object().expect("shapes").clone()
    }

    /// Each difference between the constants and the model, as a sentence.
    fn drift(file: &str, table: &[(&str, Copied)]) -> Vec<String> {
        let shapes = shapes(file);
        let mut out = Vec::new();
        for (name, copied) in table {
            let Some(shape) = shapes.get(*name) else {
                out.push(format!("{name}: no such shape in {file}"));
                continue;
            };
            let num = |k: &str| shape.get(k).and_then(Value::as_i64);
            let mut differ = |what: &str, ours: String, model: String| {
                if ours != model {
                    out.push(format!(
                        "{name}: {what} is {ours} in wire/, {model} in {file}"
                    ));
                }
            };
            // Absent `min` is 0 (integers: no bound); absent `max` is no bound.
            let size = |min: usize, max: usize| {
                (
                    min.to_string(),
                    if max == usize::MAX {
                        "none".to_string()
                    } else {
                        max.to_string()
                    },
                )
            };
            let model_size = || {
                (
                    num("min").unwrap_or(0).to_string(),
                    num("max").map_or("none".to_string(), |m| m.to_string()),
                )
            };
            match copied {
                Copied::Str(s) => {
                    let (min, max, pattern) = s.parts();
                    let (ours, model) = (size(min, max), model_size());
                    differ("min", ours.0, model.0);
                    differ("max", ours.1, model.1);
                    differ(
                        "pattern",
                        format!("{:?}", pattern.map(|p| p.source())),
                        format!("{:?}", shape.get("pattern").and_then(Value::as_str)),
                    );
                }
                Copied::Size((min, max)) => {
                    let (ours, model) = (size(*min, *max), model_size());
                    differ("min", ours.0, model.0);
                    differ("max", ours.1, model.1);
                }
                Copied::Int((min, max)) => {
                    let bound = |n: Option<i64>, none: i64| n.unwrap_or(none).to_string();
                    differ("min", min.to_string(), bound(num("min"), i64::MIN));
                    differ("max", max.to_string(), bound(num("max"), i64::MAX));
                }
                Copied::Enum(values) => {
                    let mut ours = values();
                    ours.sort_unstable();
                    let mut model: Vec<&str> = shape
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|v| v.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    model.sort_unstable();
                    differ("enum", format!("{ours:?}"), format!("{model:?}"));
                }
            }
        }
        out
    }

    #[test]
    fn kinesis_analytics_v2_constants_match_the_reference_model() {
        let drift = drift(
            "kinesisanalyticsv2-2018-05-23.service-2.json.gz",
            KINESIS_ANALYTICS_V2,
        );
        assert!(drift.is_empty(), "constants drifted:\n{}", drift.join("\n"));
    }

    #[test]
    fn cloudwatch_logs_constants_match_the_reference_model() {
        let drift = drift("logs-2014-03-28.service-2.json.gz", CLOUDWATCH_LOGS);
        assert!(drift.is_empty(), "constants drifted:\n{}", drift.join("\n"));
    }
}

//! Requests: the decoded shapes of the operations on applications, versions,
//! tags and logging options, checked against the model while they become
//! `weir-control` values.
//!
//! CreateApplication and UpdateApplication are decoded with [`decode`] and
//! converted with `into_domain`; every other request has a `parse(body)` that
//! decodes, checks and returns plain typed fields.

use std::collections::BTreeMap;

use serde::Deserialize;
use weir_control::model::{self as m, EpochMillis};
use weir_control::spec::{
    ApplicationUpdate, CheckpointUpdate, CodeSource, LoggingOptionUpdate, MonitoringUpdate,
    NewApplication, ParallelismSpec, ParallelismUpdate,
};
use weir_control::Realm;

use super::check::{Check, Pattern, Str};
use super::refused::{
    SqlApplicationConfiguration, SqlApplicationConfigurationUpdate, VpcConfiguration,
    VpcConfigurationUpdate, ZeppelinApplicationConfiguration,
    ZeppelinApplicationConfigurationUpdate,
};
use super::{blob, decode, epoch_millis};
use crate::error::ApiError;

// The model's string shapes, by shape name, and its other limits.
pub(crate) const APPLICATION_NAME: Str = Str::len(1, 128).matching(Pattern::Name);
pub(crate) const APPLICATION_DESCRIPTION: Str = Str::len(0, 1024);
/// RoleARN, ResourceARN, BucketARN, LogStreamARN, KinesisAnalyticsARN, DatabaseARN.
pub(crate) const ARN: Str = Str::len(1, 2048).matching(Pattern::Arn);
pub(crate) const ID: Str = Str::len(1, 50).matching(Pattern::Name);
pub(crate) const PROPERTY_KEY_MAX: usize = 2048;
pub(crate) const PROPERTY_VALUE: Str = Str::len(1, 2048);
pub(crate) const TEXT_CONTENT: Str = Str::len(0, 102_400);
pub(crate) const FILE_KEY: Str = Str::len(1, 1024);
pub(crate) const OBJECT_VERSION: Str = Str::len(0, 1024);
pub(crate) const KEY_ID: Str = Str::len(1, 2048);
pub(crate) const TAG_KEY: Str = Str::len(1, 128);
pub(crate) const TAG_VALUE: Str = Str::len(0, 256);
pub(crate) const CONDITIONAL_TOKEN: Str = Str::len(1, 512).matching(Pattern::Token);
pub(crate) const SNAPSHOT_NAME: Str = Str::len(1, 256).matching(Pattern::Name);
pub(crate) const SNAPSHOT_ARN: Str = Str::len(1, 2048);
pub(crate) const MAINTENANCE_WINDOW_START_TIME: Str = Str::len(5, 5).matching(Pattern::HourMinute);
pub(crate) const NEXT_TOKEN: Str = Str::len(1, 512);

/// `Limit` and `NextToken` of a listing that pages by position: the page
/// size (if given) and where the page starts (the decimal offset a previous
/// page handed out as its `NextToken`).
pub(crate) fn offset_page(
    c: &Check,
    limit: Option<i32>,
    next_token: Option<String>,
) -> Result<(Option<u32>, usize), ApiError> {
    let limit = c.int("Limit", limit, 1, MAX_LIMIT)?.map(i32::unsigned_abs);
    let start = match c.str("NextToken", next_token, NEXT_TOKEN)? {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| c.fail("NextToken", "is not a token this operation issued"))?,
    };
    Ok((limit, start))
}
/// ZipFileContent, in bytes.
pub(crate) const ZIP_FILE_CONTENT_MAX: usize = 52_428_800;
pub(crate) const MAX_TAGS: usize = 200;
pub(crate) const MAX_PROPERTY_GROUPS: usize = 50;
pub(crate) const MAX_PROPERTIES: usize = 50;
/// `Limit` of the List operations.
pub(crate) const MAX_LIMIT: i64 = 50;
/// A list with no `max` in the model.
pub(crate) const UNBOUNDED: usize = usize::MAX;
/// `ApplicationVersionId`: (min, max).
pub(crate) const VERSION_ID: (i64, i64) = (1, 999_999_999);
/// `CheckpointInterval` and `MinPauseBetweenCheckpoints`: (min, max).
pub(crate) const CHECKPOINT_INTERVAL: (i64, i64) = (1, i64::MAX);
pub(crate) const MIN_PAUSE_BETWEEN_CHECKPOINTS: (i64, i64) = (0, i64::MAX);
/// `Parallelism` and `ParallelismPerKPU`: (min, max).
pub(crate) const PARALLELISM: (i64, i64) = (1, i64::MAX);

/// An `ApplicationVersionId` member.
pub(crate) fn version_id(c: &Check, field: &str, v: Option<i64>) -> Result<Option<u64>, ApiError> {
    let (min, max) = VERSION_ID;
    Ok(c.int(field, v, min, max)?.map(i64::unsigned_abs))
}

/// `CurrentApplicationVersionId` and `ConditionalToken`: the model's
/// documentation says a mutation must carry one of them.
fn concurrency_guard(
    c: &Check,
    version: Option<i64>,
    token: Option<String>,
) -> Result<(Option<u64>, Option<String>), ApiError> {
    let version = version_id(c, "CurrentApplicationVersionId", version)?;
    let token = c.str("ConditionalToken", token, CONDITIONAL_TOKEN)?;
    if version.is_none() && token.is_none() {
        return Err(c.fail(
            "CurrentApplicationVersionId",
            "is required unless ConditionalToken is given",
        ));
    }
    Ok((version, token))
}

/// A `Parallelism` or `ParallelismPerKPU` member (`min` 1).
fn positive(c: &Check, field: &str, v: Option<i32>) -> Result<Option<u32>, ApiError> {
    let (min, max) = PARALLELISM;
    Ok(c.int(field, v, min, max)?.map(i32::unsigned_abs))
}

/// The one member of `members` that was given; several or none is refused.
fn exactly_one<T, const N: usize>(
    c: &Check,
    given: [Option<T>; N],
    members: &str,
) -> Result<T, ApiError> {
    let mut given = given.into_iter().flatten();
    match (given.next(), given.next()) {
        (Some(v), None) => Ok(v),
        (None, _) => Err(c.fail("", format!("one of {members} is required"))),
        (Some(_), Some(_)) => Err(c.fail("", format!("give only one of {members}"))),
    }
}

// ---------------------------------------------------------------------------
// CreateApplication

/// CreateApplication, as decoded; [`CreateApplicationRequest::into_domain`] checks it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateApplicationRequest {
    application_name: Option<String>,
    application_description: Option<String>,
    runtime_environment: Option<String>,
    service_execution_role: Option<String>,
    application_configuration: Option<ApplicationConfiguration>,
    cloud_watch_logging_options: Option<Vec<CloudWatchLoggingOption>>,
    tags: Option<Vec<TagInput>>,
    application_mode: Option<String>,
}

impl CreateApplicationRequest {
    /// The checked request, as the model's new application (code not yet
    /// stored) and the tags to give it.
    pub fn into_domain(
        self,
        realm: &Realm,
        default_maintenance_start: &str,
    ) -> Result<(NewApplication<CodeSource>, Vec<m::Tag>), ApiError> {
        let c = Check::root();
        let name = c.req_str("ApplicationName", self.application_name, APPLICATION_NAME)?;
        let description = c.str(
            "ApplicationDescription",
            self.application_description,
            APPLICATION_DESCRIPTION,
        )?;
        let runtime = c.req_enumeration("RuntimeEnvironment", self.runtime_environment)?;
        let service_execution_role =
            c.req_str("ServiceExecutionRole", self.service_execution_role, ARN)?;
        let config = c
            .nested(
                "ApplicationConfiguration",
                self.application_configuration,
                ApplicationConfiguration::into_domain,
            )?
            .unwrap_or_default();
        let log_stream_arns = c
            .list(
                "CloudWatchLoggingOptions",
                self.cloud_watch_logging_options,
                0,
                UNBOUNDED,
                |o, c| c.req_str("LogStreamARN", o.log_stream_arn, ARN),
            )?
            .unwrap_or_default();
        let tags = c
            .list("Tags", self.tags, 1, MAX_TAGS, TagInput::into_domain)?
            .unwrap_or_default();
        let mode = c.enumeration("ApplicationMode", self.application_mode)?;
        let new = NewApplication {
            arn: realm.application_arn(&name),
            name,
            description,
            runtime,
            service_execution_role,
            mode,
            code: config.code,
            checkpoint: config.flink.checkpoint,
            monitoring: config.flink.monitoring,
            parallelism: config.flink.parallelism,
            environment_properties: config.environment_properties,
            snapshots: config.snapshots,
            system_rollback_enabled: config.system_rollback_enabled,
            has_vpc_configurations: config.has_vpc_configurations,
            encryption: config.encryption,
            log_stream_arns,
            has_sql_configuration: config.has_sql_configuration,
            has_zeppelin_configuration: config.has_zeppelin_configuration,
            maintenance_start: default_maintenance_start.to_string(),
        };
        Ok((new, tags))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationConfiguration {
    sql_application_configuration: Option<SqlApplicationConfiguration>,
    flink_application_configuration: Option<FlinkApplicationConfiguration>,
    environment_properties: Option<EnvironmentProperties>,
    application_code_configuration: Option<ApplicationCodeConfiguration>,
    application_snapshot_configuration: Option<ApplicationSnapshotConfiguration>,
    application_system_rollback_configuration: Option<ApplicationSystemRollbackConfiguration>,
    vpc_configurations: Option<Vec<VpcConfiguration>>,
    zeppelin_application_configuration: Option<ZeppelinApplicationConfiguration>,
    application_encryption_configuration: Option<ApplicationEncryptionConfiguration>,
}

/// What an `ApplicationConfiguration` contributes to a [`NewApplication`].
#[derive(Default)]
struct Configuration {
    code: Option<(m::CodeContentType, Option<CodeSource>)>,
    flink: Flink,
    environment_properties: Option<Vec<m::PropertyGroup>>,
    snapshots: Option<m::SnapshotConfig>,
    system_rollback_enabled: Option<bool>,
    has_vpc_configurations: bool,
    encryption: Option<m::EncryptionConfig>,
    has_sql_configuration: bool,
    has_zeppelin_configuration: bool,
}

impl ApplicationConfiguration {
    fn into_domain(self, c: &Check) -> Result<Configuration, ApiError> {
        let sql = c.nested(
            "SqlApplicationConfiguration",
            self.sql_application_configuration,
            SqlApplicationConfiguration::check,
        )?;
        let flink = c
            .nested(
                "FlinkApplicationConfiguration",
                self.flink_application_configuration,
                FlinkApplicationConfiguration::into_domain,
            )?
            .unwrap_or_default();
        let environment_properties = c.nested(
            "EnvironmentProperties",
            self.environment_properties,
            EnvironmentProperties::into_domain,
        )?;
        let code = c.nested(
            "ApplicationCodeConfiguration",
            self.application_code_configuration,
            ApplicationCodeConfiguration::into_domain,
        )?;
        let snapshots = c.nested(
            "ApplicationSnapshotConfiguration",
            self.application_snapshot_configuration,
            |s, c| {
                Ok(m::SnapshotConfig {
                    enabled: c.required("SnapshotsEnabled", s.snapshots_enabled)?,
                    mode: c.enumeration("SnapshotMode", s.snapshot_mode)?,
                })
            },
        )?;
        let system_rollback_enabled = c.nested(
            "ApplicationSystemRollbackConfiguration",
            self.application_system_rollback_configuration,
            |r, c| c.required("RollbackEnabled", r.rollback_enabled),
        )?;
        let vpcs = c.list(
            "VpcConfigurations",
            self.vpc_configurations,
            0,
            UNBOUNDED,
            VpcConfiguration::check,
        )?;
        let zeppelin = c.nested(
            "ZeppelinApplicationConfiguration",
            self.zeppelin_application_configuration,
            ZeppelinApplicationConfiguration::check,
        )?;
        let encryption = c.nested(
            "ApplicationEncryptionConfiguration",
            self.application_encryption_configuration,
            |e, c| {
                Ok(m::EncryptionConfig {
                    key_id: c.str("KeyId", e.key_id, KEY_ID)?,
                    key_type: c.req_enumeration("KeyType", e.key_type)?,
                })
            },
        )?;
        Ok(Configuration {
            code,
            flink,
            environment_properties,
            snapshots,
            system_rollback_enabled,
            has_vpc_configurations: vpcs.is_some_and(|v| !v.is_empty()),
            encryption,
            has_sql_configuration: sql.is_some(),
            has_zeppelin_configuration: zeppelin.is_some(),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FlinkApplicationConfiguration {
    checkpoint_configuration: Option<CheckpointConfiguration>,
    monitoring_configuration: Option<MonitoringConfiguration>,
    parallelism_configuration: Option<ParallelismConfiguration>,
}

#[derive(Default)]
struct Flink {
    checkpoint: Option<m::CheckpointConfig>,
    monitoring: Option<m::MonitoringConfig>,
    parallelism: Option<ParallelismSpec>,
}

impl FlinkApplicationConfiguration {
    fn into_domain(self, c: &Check) -> Result<Flink, ApiError> {
        Ok(Flink {
            checkpoint: c.nested(
                "CheckpointConfiguration",
                self.checkpoint_configuration,
                |k, c| {
                    Ok(m::CheckpointConfig {
                        configuration_type: c
                            .req_enumeration("ConfigurationType", k.configuration_type)?,
                        checkpointing_enabled: k.checkpointing_enabled,
                        checkpoint_interval_ms: c.int(
                            "CheckpointInterval",
                            k.checkpoint_interval,
                            CHECKPOINT_INTERVAL.0,
                            CHECKPOINT_INTERVAL.1,
                        )?,
                        min_pause_between_checkpoints_ms: c.int(
                            "MinPauseBetweenCheckpoints",
                            k.min_pause_between_checkpoints,
                            MIN_PAUSE_BETWEEN_CHECKPOINTS.0,
                            MIN_PAUSE_BETWEEN_CHECKPOINTS.1,
                        )?,
                    })
                },
            )?,
            monitoring: c.nested(
                "MonitoringConfiguration",
                self.monitoring_configuration,
                |k, c| {
                    Ok(m::MonitoringConfig {
                        configuration_type: c
                            .req_enumeration("ConfigurationType", k.configuration_type)?,
                        metrics_level: c.enumeration("MetricsLevel", k.metrics_level)?,
                        log_level: c.enumeration("LogLevel", k.log_level)?,
                    })
                },
            )?,
            parallelism: c.nested(
                "ParallelismConfiguration",
                self.parallelism_configuration,
                |k, c| {
                    Ok(ParallelismSpec {
                        configuration_type: c
                            .req_enumeration("ConfigurationType", k.configuration_type)?,
                        parallelism: positive(c, "Parallelism", k.parallelism)?,
                        parallelism_per_kpu: positive(
                            c,
                            "ParallelismPerKPU",
                            k.parallelism_per_kpu,
                        )?,
                        auto_scaling_enabled: k.auto_scaling_enabled,
                    })
                },
            )?,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CheckpointConfiguration {
    configuration_type: Option<String>,
    checkpointing_enabled: Option<bool>,
    checkpoint_interval: Option<i64>,
    min_pause_between_checkpoints: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MonitoringConfiguration {
    configuration_type: Option<String>,
    metrics_level: Option<String>,
    log_level: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParallelismConfiguration {
    configuration_type: Option<String>,
    parallelism: Option<i32>,
    #[serde(rename = "ParallelismPerKPU")]
    parallelism_per_kpu: Option<i32>,
    auto_scaling_enabled: Option<bool>,
}

/// `EnvironmentProperties` and `EnvironmentPropertyUpdates`: the same one member.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentProperties {
    property_groups: Option<Vec<PropertyGroup>>,
}

impl EnvironmentProperties {
    fn into_domain(self, c: &Check) -> Result<Vec<m::PropertyGroup>, ApiError> {
        c.req_list(
            "PropertyGroups",
            self.property_groups,
            0,
            MAX_PROPERTY_GROUPS,
            PropertyGroup::into_domain,
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PropertyGroup {
    property_group_id: Option<String>,
    property_map: Option<BTreeMap<String, String>>,
}

impl PropertyGroup {
    fn into_domain(self, c: &Check) -> Result<m::PropertyGroup, ApiError> {
        let id = c.req_str("PropertyGroupId", self.property_group_id, ID)?;
        let map = c.required("PropertyMap", self.property_map)?;
        c.size("PropertyMap", map.len(), 1, MAX_PROPERTIES)?;
        for (key, value) in &map {
            let n = key.chars().count();
            if !(1..=PROPERTY_KEY_MAX).contains(&n) {
                return Err(c.fail(
                    "PropertyMap",
                    format!(
                        "keys must be between 1 and {PROPERTY_KEY_MAX} characters long, one is {n}"
                    ),
                ));
            }
            c.check_str(&format!("PropertyMap.{key}"), value, PROPERTY_VALUE)?;
        }
        // A BTreeMap iterates in key order: the model keeps properties sorted.
        Ok(m::PropertyGroup {
            id,
            properties: map.into_iter().collect(),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationCodeConfiguration {
    code_content: Option<CodeContent>,
    code_content_type: Option<String>,
}

impl ApplicationCodeConfiguration {
    fn into_domain(self, c: &Check) -> Result<(m::CodeContentType, Option<CodeSource>), ApiError> {
        let content = c.nested("CodeContent", self.code_content, CodeContent::into_domain)?;
        let content_type = c.req_enumeration("CodeContentType", self.code_content_type)?;
        Ok((content_type, content))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeContent {
    text_content: Option<String>,
    #[serde(default, deserialize_with = "blob")]
    zip_file_content: Option<Vec<u8>>,
    s3_content_location: Option<S3ContentLocation>,
}

impl CodeContent {
    fn into_domain(self, c: &Check) -> Result<CodeSource, ApiError> {
        let text = c.str("TextContent", self.text_content, TEXT_CONTENT)?;
        let zip = c.blob(
            "ZipFileContent",
            self.zip_file_content,
            ZIP_FILE_CONTENT_MAX,
        )?;
        let s3 = c.nested(
            "S3ContentLocation",
            self.s3_content_location,
            S3ContentLocation::into_domain,
        )?;
        exactly_one(
            c,
            [
                text.map(CodeSource::Text),
                zip.map(CodeSource::Zip),
                s3.map(CodeSource::S3),
            ],
            "TextContent, ZipFileContent and S3ContentLocation",
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct S3ContentLocation {
    #[serde(rename = "BucketARN")]
    bucket_arn: Option<String>,
    file_key: Option<String>,
    object_version: Option<String>,
}

impl S3ContentLocation {
    pub(crate) fn into_domain(self, c: &Check) -> Result<m::S3Location, ApiError> {
        Ok(m::S3Location {
            bucket_arn: c.req_str("BucketARN", self.bucket_arn, ARN)?,
            file_key: c.req_str("FileKey", self.file_key, FILE_KEY)?,
            object_version: c
                .str("ObjectVersion", self.object_version, OBJECT_VERSION)?
                .filter(|v| !v.is_empty()),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationSnapshotConfiguration {
    snapshots_enabled: Option<bool>,
    snapshot_mode: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationSystemRollbackConfiguration {
    rollback_enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationEncryptionConfiguration {
    key_id: Option<String>,
    key_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CloudWatchLoggingOption {
    #[serde(rename = "LogStreamARN")]
    log_stream_arn: Option<String>,
}

/// The `Tag` shape of a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagInput {
    key: Option<String>,
    value: Option<String>,
}

impl TagInput {
    pub(crate) fn into_domain(self, c: &Check) -> Result<m::Tag, ApiError> {
        Ok(m::Tag {
            key: c.req_str("Key", self.key, TAG_KEY)?,
            value: c.str("Value", self.value, TAG_VALUE)?,
        })
    }
}

// ---------------------------------------------------------------------------
// UpdateApplication

/// UpdateApplication, as decoded; [`UpdateApplicationRequest::into_domain`] checks it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateApplicationRequest {
    application_name: Option<String>,
    current_application_version_id: Option<i64>,
    application_configuration_update: Option<ApplicationConfigurationUpdate>,
    service_execution_role_update: Option<String>,
    run_configuration_update: Option<RunConfigurationUpdate>,
    cloud_watch_logging_option_updates: Option<Vec<CloudWatchLoggingOptionUpdate>>,
    conditional_token: Option<String>,
    runtime_environment_update: Option<String>,
}

/// A checked UpdateApplication.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateApplicationInput {
    pub name: String,
    pub current_version_id: Option<u64>,
    pub conditional_token: Option<String>,
    pub update: ApplicationUpdate<CodeSource>,
    /// An `S3ContentLocationUpdate` that does not name both the bucket and the
    /// key: the rest comes from the version being updated, which the request
    /// does not know. While this is `Some`, `update.code_content` is `None`;
    /// [`UpdateApplicationInput::complete_code_location`] resolves it.
    pub s3_location_update: Option<S3LocationUpdate>,
}

impl UpdateApplicationInput {
    /// Completes a partial `S3ContentLocationUpdate` into `update.code_content`
    /// from `current`, the version being updated. Does nothing otherwise.
    pub fn complete_code_location(&mut self, current: &m::Application) -> Result<(), ApiError> {
        if let Some(u) = self.s3_location_update.take() {
            let location = match current.config.code.as_ref().map(|c| &c.content) {
                Some(m::CodeContent::S3 { location, .. }) => Some(location),
                _ => None,
            };
            self.update.code_content = Some(CodeSource::S3(u.apply(location)?));
        }
        Ok(())
    }
}

/// An `S3ContentLocationUpdate`: each `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3LocationUpdate {
    pub bucket_arn: Option<String>,
    pub file_key: Option<String>,
    /// `Some("")` asks for the latest version of the object.
    pub object_version: Option<String>,
}

const S3_CONTENT_LOCATION_UPDATE: &str = "ApplicationConfigurationUpdate.ApplicationCodeConfigurationUpdate.CodeContentUpdate.S3ContentLocationUpdate";

impl S3LocationUpdate {
    /// The location after this update of `current` (the application's code
    /// location, if its code is in S3).
    pub fn apply(self, current: Option<&m::S3Location>) -> Result<m::S3Location, ApiError> {
        let u = match self.into_complete() {
            Ok(location) => return Ok(location),
            Err(partial) => partial,
        };
        let Some(current) = current else {
            return Err(ApiError::invalid_argument(
                S3_CONTENT_LOCATION_UPDATE,
                "BucketARNUpdate and FileKeyUpdate are both required: the application's code is not in S3",
            ));
        };
        let moved = u.bucket_arn.is_some() || u.file_key.is_some();
        Ok(m::S3Location {
            object_version: match u.object_version {
                Some(v) => Some(v).filter(|v| !v.is_empty()),
                // A version of the old object means nothing for another one.
                None if moved => None,
                None => current.object_version.clone(),
            },
            bucket_arn: u.bucket_arn.unwrap_or_else(|| current.bucket_arn.clone()),
            file_key: u.file_key.unwrap_or_else(|| current.file_key.clone()),
        })
    }

    /// The whole location if this update names both bucket and key, else itself.
    fn into_complete(self) -> Result<m::S3Location, Self> {
        match (self.bucket_arn, self.file_key) {
            (Some(bucket_arn), Some(file_key)) => Ok(m::S3Location {
                bucket_arn,
                file_key,
                object_version: self.object_version.filter(|v| !v.is_empty()),
            }),
            (bucket_arn, file_key) => Err(Self {
                bucket_arn,
                file_key,
                object_version: self.object_version,
            }),
        }
    }
}

impl UpdateApplicationRequest {
    pub fn into_domain(self) -> Result<UpdateApplicationInput, ApiError> {
        let c = Check::root();
        let name = c.req_str("ApplicationName", self.application_name, APPLICATION_NAME)?;
        let (current_version_id, conditional_token) = concurrency_guard(
            &c,
            self.current_application_version_id,
            self.conditional_token,
        )?;
        let (config, s3_location_update) = c
            .nested(
                "ApplicationConfigurationUpdate",
                self.application_configuration_update,
                ApplicationConfigurationUpdate::into_domain,
            )?
            .unwrap_or_default();
        let service_execution_role = c.str(
            "ServiceExecutionRoleUpdate",
            self.service_execution_role_update,
            ARN,
        )?;
        let run = c.nested(
            "RunConfigurationUpdate",
            self.run_configuration_update,
            RunConfigurationUpdate::into_domain,
        )?;
        let logging_updates = c
            .list(
                "CloudWatchLoggingOptionUpdates",
                self.cloud_watch_logging_option_updates,
                0,
                UNBOUNDED,
                |u, c| {
                    Ok(LoggingOptionUpdate {
                        id: c.req_str(
                            "CloudWatchLoggingOptionId",
                            u.cloud_watch_logging_option_id,
                            ID,
                        )?,
                        log_stream_arn: c.str(
                            "LogStreamARNUpdate",
                            u.log_stream_arn_update,
                            ARN,
                        )?,
                    })
                },
            )?
            .unwrap_or_default();
        let runtime = c.enumeration("RuntimeEnvironmentUpdate", self.runtime_environment_update)?;
        let run_configuration_given = run.is_some();
        let (restore, allow_non_restored_state) = run.unwrap_or_default();
        Ok(UpdateApplicationInput {
            name,
            current_version_id,
            conditional_token,
            update: ApplicationUpdate {
                runtime,
                service_execution_role,
                restore,
                allow_non_restored_state,
                run_configuration_given,
                logging_updates,
                ..config
            },
            s3_location_update,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationConfigurationUpdate {
    sql_application_configuration_update: Option<SqlApplicationConfigurationUpdate>,
    application_code_configuration_update: Option<ApplicationCodeConfigurationUpdate>,
    flink_application_configuration_update: Option<FlinkApplicationConfigurationUpdate>,
    environment_property_updates: Option<EnvironmentProperties>,
    application_snapshot_configuration_update: Option<ApplicationSnapshotConfigurationUpdate>,
    application_system_rollback_configuration_update:
        Option<ApplicationSystemRollbackConfigurationUpdate>,
    vpc_configuration_updates: Option<Vec<VpcConfigurationUpdate>>,
    zeppelin_application_configuration_update: Option<ZeppelinApplicationConfigurationUpdate>,
    application_encryption_configuration_update: Option<ApplicationEncryptionConfigurationUpdate>,
}

/// A `CodeContentUpdate`: whole code, or an S3 location to complete.
enum CodeUpdate {
    Code(CodeSource),
    PartialS3(S3LocationUpdate),
}

impl ApplicationConfigurationUpdate {
    fn into_domain(
        self,
        c: &Check,
    ) -> Result<(ApplicationUpdate<CodeSource>, Option<S3LocationUpdate>), ApiError> {
        let sql = c.nested(
            "SqlApplicationConfigurationUpdate",
            self.sql_application_configuration_update,
            SqlApplicationConfigurationUpdate::check,
        )?;
        let (code_content_type, code) = c
            .nested(
                "ApplicationCodeConfigurationUpdate",
                self.application_code_configuration_update,
                |u, c| {
                    Ok((
                        c.enumeration("CodeContentTypeUpdate", u.code_content_type_update)?,
                        c.nested(
                            "CodeContentUpdate",
                            u.code_content_update,
                            CodeContentUpdate::into_domain,
                        )?,
                    ))
                },
            )?
            .unwrap_or((None, None));
        let flink = c
            .nested(
                "FlinkApplicationConfigurationUpdate",
                self.flink_application_configuration_update,
                FlinkApplicationConfigurationUpdate::into_domain,
            )?
            .unwrap_or_default();
        let environment_properties = c.nested(
            "EnvironmentPropertyUpdates",
            self.environment_property_updates,
            EnvironmentProperties::into_domain,
        )?;
        let snapshots = c.nested(
            "ApplicationSnapshotConfigurationUpdate",
            self.application_snapshot_configuration_update,
            |s, c| {
                Ok(m::SnapshotConfig {
                    enabled: c.required("SnapshotsEnabledUpdate", s.snapshots_enabled_update)?,
                    mode: c.enumeration("SnapshotModeUpdate", s.snapshot_mode_update)?,
                })
            },
        )?;
        let system_rollback_enabled = c.nested(
            "ApplicationSystemRollbackConfigurationUpdate",
            self.application_system_rollback_configuration_update,
            |r, c| c.required("RollbackEnabledUpdate", r.rollback_enabled_update),
        )?;
        let vpcs = c.list(
            "VpcConfigurationUpdates",
            self.vpc_configuration_updates,
            0,
            UNBOUNDED,
            VpcConfigurationUpdate::check,
        )?;
        let zeppelin = c.nested(
            "ZeppelinApplicationConfigurationUpdate",
            self.zeppelin_application_configuration_update,
            ZeppelinApplicationConfigurationUpdate::check,
        )?;
        let encryption = c.nested(
            "ApplicationEncryptionConfigurationUpdate",
            self.application_encryption_configuration_update,
            |e, c| {
                Ok(m::EncryptionConfig {
                    key_id: c.str("KeyIdUpdate", e.key_id_update, KEY_ID)?,
                    key_type: c.req_enumeration("KeyTypeUpdate", e.key_type_update)?,
                })
            },
        )?;
        let (code_content, s3_location_update) = match code {
            None => (None, None),
            Some(CodeUpdate::Code(code)) => (Some(code), None),
            Some(CodeUpdate::PartialS3(u)) => (None, Some(u)),
        };
        let update = ApplicationUpdate {
            code_content_type,
            code_content,
            checkpoint: flink.checkpoint,
            monitoring: flink.monitoring,
            parallelism: flink.parallelism,
            environment_properties,
            snapshots,
            system_rollback_enabled,
            has_vpc_updates: vpcs.is_some_and(|v| !v.is_empty()),
            encryption,
            has_sql_update: sql.is_some(),
            has_zeppelin_update: zeppelin.is_some(),
            ..ApplicationUpdate::default()
        };
        Ok((update, s3_location_update))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationCodeConfigurationUpdate {
    code_content_type_update: Option<String>,
    code_content_update: Option<CodeContentUpdate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeContentUpdate {
    text_content_update: Option<String>,
    #[serde(default, deserialize_with = "blob")]
    zip_file_content_update: Option<Vec<u8>>,
    s3_content_location_update: Option<S3ContentLocationUpdate>,
}

impl CodeContentUpdate {
    fn into_domain(self, c: &Check) -> Result<CodeUpdate, ApiError> {
        let text = c.str("TextContentUpdate", self.text_content_update, TEXT_CONTENT)?;
        let zip = c.blob(
            "ZipFileContentUpdate",
            self.zip_file_content_update,
            ZIP_FILE_CONTENT_MAX,
        )?;
        let s3 = c.nested(
            "S3ContentLocationUpdate",
            self.s3_content_location_update,
            S3ContentLocationUpdate::into_domain,
        )?;
        let s3 = s3.map(|u| match u.into_complete() {
            Ok(location) => CodeUpdate::Code(CodeSource::S3(location)),
            Err(partial) => CodeUpdate::PartialS3(partial),
        });
        exactly_one(
            c,
            [
                text.map(|t| CodeUpdate::Code(CodeSource::Text(t))),
                zip.map(|z| CodeUpdate::Code(CodeSource::Zip(z))),
                s3,
            ],
            "TextContentUpdate, ZipFileContentUpdate and S3ContentLocationUpdate",
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3ContentLocationUpdate {
    #[serde(rename = "BucketARNUpdate")]
    bucket_arn_update: Option<String>,
    file_key_update: Option<String>,
    object_version_update: Option<String>,
}

impl S3ContentLocationUpdate {
    fn into_domain(self, c: &Check) -> Result<S3LocationUpdate, ApiError> {
        let u = S3LocationUpdate {
            bucket_arn: c.str("BucketARNUpdate", self.bucket_arn_update, ARN)?,
            file_key: c.str("FileKeyUpdate", self.file_key_update, FILE_KEY)?,
            object_version: c.str(
                "ObjectVersionUpdate",
                self.object_version_update,
                OBJECT_VERSION,
            )?,
        };
        if u.bucket_arn.is_none() && u.file_key.is_none() && u.object_version.is_none() {
            return Err(c.fail(
                "",
                "one of BucketARNUpdate, FileKeyUpdate and ObjectVersionUpdate is required",
            ));
        }
        Ok(u)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FlinkApplicationConfigurationUpdate {
    checkpoint_configuration_update: Option<CheckpointConfigurationUpdate>,
    monitoring_configuration_update: Option<MonitoringConfigurationUpdate>,
    parallelism_configuration_update: Option<ParallelismConfigurationUpdate>,
}

#[derive(Default)]
struct FlinkUpdate {
    checkpoint: Option<CheckpointUpdate>,
    monitoring: Option<MonitoringUpdate>,
    parallelism: Option<ParallelismUpdate>,
}

impl FlinkApplicationConfigurationUpdate {
    fn into_domain(self, c: &Check) -> Result<FlinkUpdate, ApiError> {
        Ok(FlinkUpdate {
            checkpoint: c.nested(
                "CheckpointConfigurationUpdate",
                self.checkpoint_configuration_update,
                |k, c| {
                    Ok(CheckpointUpdate {
                        configuration_type: c
                            .enumeration("ConfigurationTypeUpdate", k.configuration_type_update)?,
                        checkpointing_enabled: k.checkpointing_enabled_update,
                        checkpoint_interval_ms: c.int(
                            "CheckpointIntervalUpdate",
                            k.checkpoint_interval_update,
                            CHECKPOINT_INTERVAL.0,
                            CHECKPOINT_INTERVAL.1,
                        )?,
                        min_pause_between_checkpoints_ms: c.int(
                            "MinPauseBetweenCheckpointsUpdate",
                            k.min_pause_between_checkpoints_update,
                            MIN_PAUSE_BETWEEN_CHECKPOINTS.0,
                            MIN_PAUSE_BETWEEN_CHECKPOINTS.1,
                        )?,
                    })
                },
            )?,
            monitoring: c.nested(
                "MonitoringConfigurationUpdate",
                self.monitoring_configuration_update,
                |k, c| {
                    Ok(MonitoringUpdate {
                        configuration_type: c
                            .enumeration("ConfigurationTypeUpdate", k.configuration_type_update)?,
                        metrics_level: c
                            .enumeration("MetricsLevelUpdate", k.metrics_level_update)?,
                        log_level: c.enumeration("LogLevelUpdate", k.log_level_update)?,
                    })
                },
            )?,
            parallelism: c.nested(
                "ParallelismConfigurationUpdate",
                self.parallelism_configuration_update,
                |k, c| {
                    Ok(ParallelismUpdate {
                        configuration_type: c
                            .enumeration("ConfigurationTypeUpdate", k.configuration_type_update)?,
                        parallelism: positive(c, "ParallelismUpdate", k.parallelism_update)?,
                        parallelism_per_kpu: positive(
                            c,
                            "ParallelismPerKPUUpdate",
                            k.parallelism_per_kpu_update,
                        )?,
                        auto_scaling_enabled: k.auto_scaling_enabled_update,
                    })
                },
            )?,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CheckpointConfigurationUpdate {
    configuration_type_update: Option<String>,
    checkpointing_enabled_update: Option<bool>,
    checkpoint_interval_update: Option<i64>,
    min_pause_between_checkpoints_update: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MonitoringConfigurationUpdate {
    configuration_type_update: Option<String>,
    metrics_level_update: Option<String>,
    log_level_update: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParallelismConfigurationUpdate {
    configuration_type_update: Option<String>,
    parallelism_update: Option<i32>,
    #[serde(rename = "ParallelismPerKPUUpdate")]
    parallelism_per_kpu_update: Option<i32>,
    auto_scaling_enabled_update: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationSnapshotConfigurationUpdate {
    snapshots_enabled_update: Option<bool>,
    snapshot_mode_update: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationSystemRollbackConfigurationUpdate {
    rollback_enabled_update: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApplicationEncryptionConfigurationUpdate {
    key_id_update: Option<String>,
    key_type_update: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RunConfigurationUpdate {
    flink_run_configuration: Option<FlinkRunConfiguration>,
    application_restore_configuration: Option<ApplicationRestoreConfiguration>,
}

impl RunConfigurationUpdate {
    /// (restore, AllowNonRestoredState).
    pub(crate) fn into_domain(
        self,
        c: &Check,
    ) -> Result<(Option<m::RestoreConfig>, Option<bool>), ApiError> {
        let allow_non_restored_state = self
            .flink_run_configuration
            .and_then(|f| f.allow_non_restored_state);
        let restore = c.nested(
            "ApplicationRestoreConfiguration",
            self.application_restore_configuration,
            ApplicationRestoreConfiguration::into_domain,
        )?;
        Ok((restore, allow_non_restored_state))
    }
}

/// `FlinkRunConfiguration`; StartApplication's `RunConfiguration` has it too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FlinkRunConfiguration {
    pub(crate) allow_non_restored_state: Option<bool>,
}

/// `ApplicationRestoreConfiguration`; StartApplication's `RunConfiguration` has it too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApplicationRestoreConfiguration {
    application_restore_type: Option<String>,
    snapshot_name: Option<String>,
    snapshot_arn: Option<String>,
}

impl ApplicationRestoreConfiguration {
    pub(crate) fn into_domain(self, c: &Check) -> Result<m::RestoreConfig, ApiError> {
        let restore_type =
            c.req_enumeration("ApplicationRestoreType", self.application_restore_type)?;
        let snapshot_name = c.str("SnapshotName", self.snapshot_name, SNAPSHOT_NAME)?;
        let snapshot_arn = c.str("SnapshotArn", self.snapshot_arn, SNAPSHOT_ARN)?;
        Ok(m::RestoreConfig {
            restore_type,
            snapshot_name,
            snapshot_arn,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CloudWatchLoggingOptionUpdate {
    cloud_watch_logging_option_id: Option<String>,
    #[serde(rename = "LogStreamARNUpdate")]
    log_stream_arn_update: Option<String>,
}

// ---------------------------------------------------------------------------
// The other operations: `parse` decodes and checks.

/// DescribeApplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeApplicationRequest {
    pub application_name: String,
    pub include_additional_details: bool,
}

impl DescribeApplicationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            include_additional_details: Option<bool>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            include_additional_details: raw.include_additional_details.unwrap_or(false),
        })
    }
}

/// ListApplications. `next_token` is the name of the last application of the
/// previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListApplicationsRequest {
    pub limit: Option<u32>,
    pub next_token: Option<String>,
    /// Weir's own member: only the applications running on this registered
    /// cluster (or `local`).
    pub weir_cluster: Option<String>,
}

impl ListApplicationsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            limit: Option<i32>,
            next_token: Option<String>,
            weir_cluster: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            limit: c
                .int("Limit", raw.limit, 1, MAX_LIMIT)?
                .map(i32::unsigned_abs),
            next_token: c.str("NextToken", raw.next_token, APPLICATION_NAME)?,
            weir_cluster: c.str("WeirCluster", raw.weir_cluster, APPLICATION_NAME)?,
        })
    }
}

/// DeleteApplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteApplicationRequest {
    pub application_name: String,
    pub create_timestamp_ms: EpochMillis,
}

impl DeleteApplicationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            #[serde(default, deserialize_with = "epoch_millis")]
            create_timestamp: Option<EpochMillis>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            create_timestamp_ms: c.required("CreateTimestamp", raw.create_timestamp)?,
        })
    }
}

/// TagResource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagResourceRequest {
    pub resource_arn: String,
    pub tags: Vec<m::Tag>,
}

impl TagResourceRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            #[serde(rename = "ResourceARN")]
            resource_arn: Option<String>,
            tags: Option<Vec<TagInput>>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            resource_arn: c.req_str("ResourceARN", raw.resource_arn, ARN)?,
            tags: c.req_list("Tags", raw.tags, 1, MAX_TAGS, TagInput::into_domain)?,
        })
    }
}

/// UntagResource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntagResourceRequest {
    pub resource_arn: String,
    pub tag_keys: Vec<String>,
}

impl UntagResourceRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            #[serde(rename = "ResourceARN")]
            resource_arn: Option<String>,
            tag_keys: Option<Vec<String>>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            resource_arn: c.req_str("ResourceARN", raw.resource_arn, ARN)?,
            tag_keys: c.req_list("TagKeys", raw.tag_keys, 1, MAX_TAGS, |k, c| {
                c.item_str(k, TAG_KEY)
            })?,
        })
    }
}

/// ListTagsForResource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTagsForResourceRequest {
    pub resource_arn: String,
}

impl ListTagsForResourceRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "ResourceARN")]
            resource_arn: Option<String>,
        }
        let raw: Raw = decode(body)?;
        Ok(Self {
            resource_arn: Check::root().req_str("ResourceARN", raw.resource_arn, ARN)?,
        })
    }
}

/// ListApplicationVersions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListApplicationVersionsRequest {
    pub application_name: String,
    pub limit: Option<u32>,
    pub next_token: Option<String>,
}

impl ListApplicationVersionsRequest {
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
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            limit: c
                .int("Limit", raw.limit, 1, MAX_LIMIT)?
                .map(i32::unsigned_abs),
            next_token: c.str("NextToken", raw.next_token, NEXT_TOKEN)?,
        })
    }
}

/// DescribeApplicationVersion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeApplicationVersionRequest {
    pub application_name: String,
    pub application_version_id: u64,
}

impl DescribeApplicationVersionRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            application_version_id: Option<i64>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let version = version_id(&c, "ApplicationVersionId", raw.application_version_id)?;
        Ok(Self {
            application_name,
            application_version_id: c.required("ApplicationVersionId", version)?,
        })
    }
}

/// AddApplicationCloudWatchLoggingOption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddApplicationCloudWatchLoggingOptionRequest {
    pub application_name: String,
    pub current_version_id: Option<u64>,
    pub log_stream_arn: String,
    pub conditional_token: Option<String>,
}

impl AddApplicationCloudWatchLoggingOptionRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            current_application_version_id: Option<i64>,
            cloud_watch_logging_option: Option<CloudWatchLoggingOption>,
            conditional_token: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let (current_version_id, conditional_token) = concurrency_guard(
            &c,
            raw.current_application_version_id,
            raw.conditional_token,
        )?;
        Ok(Self {
            application_name,
            log_stream_arn: c.req_nested(
                "CloudWatchLoggingOption",
                raw.cloud_watch_logging_option,
                |o, c| c.req_str("LogStreamARN", o.log_stream_arn, ARN),
            )?,
            current_version_id,
            conditional_token,
        })
    }
}

/// DeleteApplicationCloudWatchLoggingOption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteApplicationCloudWatchLoggingOptionRequest {
    pub application_name: String,
    pub current_version_id: Option<u64>,
    pub cloud_watch_logging_option_id: String,
    pub conditional_token: Option<String>,
}

impl DeleteApplicationCloudWatchLoggingOptionRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            current_application_version_id: Option<i64>,
            cloud_watch_logging_option_id: Option<String>,
            conditional_token: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let (current_version_id, conditional_token) = concurrency_guard(
            &c,
            raw.current_application_version_id,
            raw.conditional_token,
        )?;
        Ok(Self {
            application_name,
            cloud_watch_logging_option_id: c.req_str(
                "CloudWatchLoggingOptionId",
                raw.cloud_watch_logging_option_id,
                ID,
            )?,
            current_version_id,
            conditional_token,
        })
    }
}

/// UpdateApplicationMaintenanceConfiguration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateApplicationMaintenanceConfigurationRequest {
    pub application_name: String,
    /// "HH:MM", UTC.
    pub maintenance_window_start: String,
}

impl UpdateApplicationMaintenanceConfigurationRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            application_maintenance_configuration_update: Option<MaintenanceUpdate>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct MaintenanceUpdate {
            application_maintenance_window_start_time_update: Option<String>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        Ok(Self {
            application_name: c.req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
            maintenance_window_start: c.req_nested(
                "ApplicationMaintenanceConfigurationUpdate",
                raw.application_maintenance_configuration_update,
                |u, c| {
                    c.req_str(
                        "ApplicationMaintenanceWindowStartTimeUpdate",
                        u.application_maintenance_window_start_time_update,
                        MAINTENANCE_WINDOW_START_TIME,
                    )
                },
            )?,
        })
    }
}

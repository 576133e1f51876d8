//! Responses: `ApplicationDetail` and the other shapes the operations answer
//! with, built by hand from the model and borrowing its strings, so a
//! DescribeApplication copies nothing but numbers.
//!
//! What the service reports for a Flink application is reported here too,
//! including the *effective* values of a DEFAULT configuration (a DEFAULT
//! checkpoint configuration says interval 60000, not nothing).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use weir_control::model::{self as m, Application};

use super::{Timestamp, WireEnum};

/// `ApplicationDetail`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationDetail<'a> {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_description: Option<&'a str>,
    pub application_name: &'a str,
    pub runtime_environment: &'static str,
    pub service_execution_role: &'a str,
    pub application_status: &'static str,
    pub application_version_id: u64,
    pub create_timestamp: Timestamp,
    pub last_update_timestamp: Timestamp,
    pub application_configuration_description: ApplicationConfigurationDescription<'a>,
    pub cloud_watch_logging_option_descriptions: Vec<CloudWatchLoggingOptionDescription<'a>>,
    pub application_maintenance_configuration_description:
        ApplicationMaintenanceConfigurationDescription<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_version_updated_from: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_version_rolled_back_from: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_version_rolled_back_to: Option<u64>,
    pub application_version_create_timestamp: Timestamp,
    pub conditional_token: &'a str,
    pub application_mode: &'static str,
    /// Weir's own member (SDKs skip members they do not know), with
    /// `IncludeAdditionalDetails`: where the application runs while it is
    /// not READY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weir_placement: Option<WeirPlacement>,
}

/// `{"Cluster": "<registered cluster>" | "local"}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WeirPlacement {
    pub cluster: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationConfigurationDescription<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_code_configuration_description:
        Option<ApplicationCodeConfigurationDescription<'a>>,
    pub run_configuration_description: RunConfigurationDescription<'a>,
    pub flink_application_configuration_description: FlinkApplicationConfigurationDescription,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_property_descriptions: Option<EnvironmentPropertyDescriptions<'a>>,
    pub application_snapshot_configuration_description: ApplicationSnapshotConfigurationDescription,
    pub application_system_rollback_configuration_description:
        ApplicationSystemRollbackConfigurationDescription,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpc_configuration_descriptions: Vec<VpcConfigurationDescription<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_encryption_configuration_description:
        Option<ApplicationEncryptionConfigurationDescription<'a>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationCodeConfigurationDescription<'a> {
    pub code_content_type: &'static str,
    pub code_content_description: CodeContentDescription<'a>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeContentDescription<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_content: Option<&'a str>,
    #[serde(rename = "CodeMD5", skip_serializing_if = "Option::is_none")]
    pub code_md5: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_application_code_location_description: Option<S3ApplicationCodeLocationDescription<'a>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3ApplicationCodeLocationDescription<'a> {
    #[serde(rename = "BucketARN")]
    pub bucket_arn: &'a str,
    pub file_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_version: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfigurationDescription<'a> {
    pub application_restore_configuration_description:
        ApplicationRestoreConfigurationDescription<'a>,
    pub flink_run_configuration_description: FlinkRunConfigurationDescription,
}

/// The model's `ApplicationRestoreConfiguration` shape, as a description.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationRestoreConfigurationDescription<'a> {
    pub application_restore_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_name: Option<&'a str>,
}

/// The model's `FlinkRunConfiguration` shape, as a description.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlinkRunConfigurationDescription {
    pub allow_non_restored_state: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlinkApplicationConfigurationDescription {
    pub checkpoint_configuration_description: CheckpointConfigurationDescription,
    pub monitoring_configuration_description: MonitoringConfigurationDescription,
    pub parallelism_configuration_description: ParallelismConfigurationDescription,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckpointConfigurationDescription {
    pub configuration_type: &'static str,
    pub checkpointing_enabled: bool,
    pub checkpoint_interval: i64,
    pub min_pause_between_checkpoints: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MonitoringConfigurationDescription {
    pub configuration_type: &'static str,
    pub metrics_level: &'static str,
    pub log_level: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParallelismConfigurationDescription {
    pub configuration_type: &'static str,
    pub parallelism: u32,
    #[serde(rename = "ParallelismPerKPU")]
    pub parallelism_per_kpu: u32,
    pub current_parallelism: u32,
    pub auto_scaling_enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentPropertyDescriptions<'a> {
    pub property_group_descriptions: Vec<PropertyGroupDescription<'a>>,
}

/// The model's `PropertyGroup` shape, in a description.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PropertyGroupDescription<'a> {
    pub property_group_id: &'a str,
    pub property_map: PropertyMap<'a>,
}

/// A `PropertyMap`: the model keeps it as sorted pairs, the wire as an object.
#[derive(Debug, Clone, Copy)]
pub struct PropertyMap<'a>(pub &'a [(String, String)]);

impl Serialize for PropertyMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSnapshotConfigurationDescription {
    pub snapshots_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_mode: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSystemRollbackConfigurationDescription {
    pub rollback_enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfigurationDescription<'a> {
    pub vpc_configuration_id: &'a str,
    pub vpc_id: &'a str,
    pub subnet_ids: &'a [String],
    pub security_group_ids: &'a [String],
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationEncryptionConfigurationDescription<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<&'a str>,
    pub key_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudWatchLoggingOptionDescription<'a> {
    pub cloud_watch_logging_option_id: &'a str,
    #[serde(rename = "LogStreamARN")]
    pub log_stream_arn: &'a str,
    #[serde(rename = "RoleARN", skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationMaintenanceConfigurationDescription<'a> {
    pub application_maintenance_window_start_time: &'a str,
    pub application_maintenance_window_end_time: &'a str,
}

/// Everything DescribeApplication reports about one version of an application.
pub fn application_detail(app: &Application) -> ApplicationDetail<'_> {
    let config = &app.config;
    ApplicationDetail {
        application_arn: &app.arn,
        application_description: app.description.as_deref(),
        application_name: &app.name,
        runtime_environment: app.runtime.wire(),
        service_execution_role: &app.service_execution_role,
        application_status: app.status.wire(),
        application_version_id: app.version_id,
        create_timestamp: Timestamp(app.create_timestamp),
        last_update_timestamp: Timestamp(app.last_update_timestamp),
        application_configuration_description: ApplicationConfigurationDescription {
            application_code_configuration_description: config.code.as_ref().map(code),
            run_configuration_description: RunConfigurationDescription {
                application_restore_configuration_description:
                    ApplicationRestoreConfigurationDescription {
                        application_restore_type: config.run.restore.restore_type.wire(),
                        snapshot_name: config.run.restore.snapshot_name.as_deref(),
                    },
                flink_run_configuration_description: FlinkRunConfigurationDescription {
                    allow_non_restored_state: config.run.allow_non_restored_state,
                },
            },
            flink_application_configuration_description: flink(&config.flink),
            environment_property_descriptions: config.environment_properties.as_ref().map(
                |groups| EnvironmentPropertyDescriptions {
                    property_group_descriptions: groups
                        .iter()
                        .map(|g| PropertyGroupDescription {
                            property_group_id: &g.id,
                            property_map: PropertyMap(&g.properties),
                        })
                        .collect(),
                },
            ),
            application_snapshot_configuration_description:
                ApplicationSnapshotConfigurationDescription {
                    snapshots_enabled: config.snapshots.enabled,
                    snapshot_mode: config.snapshots.mode.map(WireEnum::wire),
                },
            application_system_rollback_configuration_description:
                ApplicationSystemRollbackConfigurationDescription {
                    rollback_enabled: config.system_rollback_enabled,
                },
            vpc_configuration_descriptions: config
                .vpc_configurations
                .iter()
                .map(|v| VpcConfigurationDescription {
                    vpc_configuration_id: &v.id,
                    vpc_id: &v.vpc_id,
                    subnet_ids: &v.subnet_ids,
                    security_group_ids: &v.security_group_ids,
                })
                .collect(),
            application_encryption_configuration_description: config.encryption.as_ref().map(|e| {
                ApplicationEncryptionConfigurationDescription {
                    key_id: e.key_id.as_deref(),
                    key_type: e.key_type.wire(),
                }
            }),
        },
        cloud_watch_logging_option_descriptions: cloud_watch_logging_option_descriptions(app),
        application_maintenance_configuration_description: maintenance(app),
        application_version_updated_from: app.version_updated_from,
        application_version_rolled_back_from: app.version_rolled_back_from,
        application_version_rolled_back_to: app.version_rolled_back_to,
        application_version_create_timestamp: Timestamp(app.version_create_timestamp),
        conditional_token: &app.conditional_token,
        application_mode: app.mode.wire(),
        weir_placement: None,
    }
}

fn code(code: &m::CodeConfig) -> ApplicationCodeConfigurationDescription<'_> {
    fn stored(s: &m::StoredCode) -> CodeContentDescription<'_> {
        CodeContentDescription {
            code_md5: Some(&s.md5),
            code_size: Some(s.size),
            ..Default::default()
        }
    }
    let code_content_description = match &code.content {
        m::CodeContent::Text(text) => CodeContentDescription {
            text_content: Some(text),
            ..Default::default()
        },
        m::CodeContent::Zip(s) => stored(s),
        m::CodeContent::S3 {
            location,
            stored: s,
        } => CodeContentDescription {
            s3_application_code_location_description: Some(S3ApplicationCodeLocationDescription {
                bucket_arn: &location.bucket_arn,
                file_key: &location.file_key,
                object_version: location.object_version.as_deref(),
            }),
            ..stored(s)
        },
    };
    ApplicationCodeConfigurationDescription {
        code_content_type: code.content_type.wire(),
        code_content_description,
    }
}

fn flink(f: &m::FlinkConfig) -> FlinkApplicationConfigurationDescription {
    let checkpoint = f.checkpoint.effective();
    let (metrics_level, log_level) = f.monitoring.effective();
    let parallelism = f.parallelism.effective();
    FlinkApplicationConfigurationDescription {
        checkpoint_configuration_description: CheckpointConfigurationDescription {
            configuration_type: f.checkpoint.configuration_type.wire(),
            checkpointing_enabled: checkpoint.enabled,
            checkpoint_interval: checkpoint.interval_ms,
            min_pause_between_checkpoints: checkpoint.min_pause_ms,
        },
        monitoring_configuration_description: MonitoringConfigurationDescription {
            configuration_type: f.monitoring.configuration_type.wire(),
            metrics_level: metrics_level.wire(),
            log_level: log_level.wire(),
        },
        parallelism_configuration_description: ParallelismConfigurationDescription {
            configuration_type: f.parallelism.configuration_type.wire(),
            parallelism: parallelism.parallelism,
            parallelism_per_kpu: parallelism.parallelism_per_kpu,
            current_parallelism: f.parallelism.current_parallelism,
            auto_scaling_enabled: parallelism.auto_scaling_enabled,
        },
    }
}

fn maintenance(app: &Application) -> ApplicationMaintenanceConfigurationDescription<'_> {
    ApplicationMaintenanceConfigurationDescription {
        application_maintenance_window_start_time: &app.maintenance.start,
        application_maintenance_window_end_time: &app.maintenance.end,
    }
}

/// The application's CloudWatch logging options (possibly none).
pub fn cloud_watch_logging_option_descriptions(
    app: &Application,
) -> Vec<CloudWatchLoggingOptionDescription<'_>> {
    app.logging_options
        .iter()
        .map(|o| CloudWatchLoggingOptionDescription {
            cloud_watch_logging_option_id: &o.id,
            log_stream_arn: &o.log_stream_arn,
            role_arn: o.role_arn.as_deref(),
        })
        .collect()
}

/// `ApplicationSummary`, one entry of ListApplications.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSummary<'a> {
    pub application_name: &'a str,
    #[serde(rename = "ApplicationARN")]
    pub application_arn: &'a str,
    pub application_status: &'static str,
    pub application_version_id: u64,
    pub runtime_environment: &'static str,
    pub application_mode: &'static str,
}

pub fn application_summary(app: &Application) -> ApplicationSummary<'_> {
    ApplicationSummary {
        application_name: &app.name,
        application_arn: &app.arn,
        application_status: app.status.wire(),
        application_version_id: app.version_id,
        runtime_environment: app.runtime.wire(),
        application_mode: app.mode.wire(),
    }
}

/// `ApplicationVersionSummary`, one entry of ListApplicationVersions.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationVersionSummary {
    pub application_version_id: u64,
    pub application_status: &'static str,
}

/// The summary of a version, given the application as it was at that version.
pub fn application_version_summary(version: &Application) -> ApplicationVersionSummary {
    ApplicationVersionSummary {
        application_version_id: version.version_id,
        application_status: version.status.wire(),
    }
}

/// The `Tag` shape of a response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag<'a> {
    pub key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
}

impl<'a> From<&'a m::Tag> for Tag<'a> {
    fn from(t: &'a m::Tag) -> Self {
        Tag {
            key: &t.key,
            value: t.value.as_deref(),
        }
    }
}

// ---------------------------------------------------------------------------
// One response per operation.

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateApplicationResponse<'a> {
    pub application_detail: ApplicationDetail<'a>,
}

impl<'a> CreateApplicationResponse<'a> {
    pub fn new(app: &'a Application) -> Self {
        Self {
            application_detail: application_detail(app),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeApplicationResponse<'a> {
    pub application_detail: ApplicationDetail<'a>,
}

impl<'a> DescribeApplicationResponse<'a> {
    pub fn new(app: &'a Application) -> Self {
        Self {
            application_detail: application_detail(app),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeApplicationVersionResponse<'a> {
    pub application_version_detail: ApplicationDetail<'a>,
}

impl<'a> DescribeApplicationVersionResponse<'a> {
    pub fn new(version: &'a Application) -> Self {
        Self {
            application_version_detail: application_detail(version),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateApplicationResponse<'a> {
    pub application_detail: ApplicationDetail<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<&'a str>,
}

impl<'a> UpdateApplicationResponse<'a> {
    pub fn new(app: &'a Application, operation_id: Option<&'a str>) -> Self {
        Self {
            application_detail: application_detail(app),
            operation_id,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListApplicationsResponse<'a> {
    pub application_summaries: Vec<ApplicationSummary<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl<'a> ListApplicationsResponse<'a> {
    pub fn new(
        apps: impl IntoIterator<Item = &'a Application>,
        next_token: Option<String>,
    ) -> Self {
        Self {
            application_summaries: apps.into_iter().map(application_summary).collect(),
            next_token,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListApplicationVersionsResponse {
    pub application_version_summaries: Vec<ApplicationVersionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl ListApplicationVersionsResponse {
    pub fn new<'a>(
        versions: impl IntoIterator<Item = &'a Application>,
        next_token: Option<String>,
    ) -> Self {
        Self {
            application_version_summaries: versions
                .into_iter()
                .map(application_version_summary)
                .collect(),
            next_token,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceResponse<'a> {
    pub tags: Vec<Tag<'a>>,
}

impl<'a> ListTagsForResourceResponse<'a> {
    pub fn new(tags: &'a [m::Tag]) -> Self {
        Self {
            tags: tags.iter().map(Tag::from).collect(),
        }
    }
}

/// The answer of AddApplicationCloudWatchLoggingOption and
/// DeleteApplicationCloudWatchLoggingOption (the same members).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudWatchLoggingOptionsResponse<'a> {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: &'a str,
    pub application_version_id: u64,
    pub cloud_watch_logging_option_descriptions: Vec<CloudWatchLoggingOptionDescription<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<&'a str>,
}

impl<'a> CloudWatchLoggingOptionsResponse<'a> {
    /// From the version the change made.
    pub fn new(app: &'a Application, operation_id: Option<&'a str>) -> Self {
        Self {
            application_arn: &app.arn,
            application_version_id: app.version_id,
            cloud_watch_logging_option_descriptions: cloud_watch_logging_option_descriptions(app),
            operation_id,
        }
    }
}

pub type AddApplicationCloudWatchLoggingOptionResponse<'a> = CloudWatchLoggingOptionsResponse<'a>;
pub type DeleteApplicationCloudWatchLoggingOptionResponse<'a> =
    CloudWatchLoggingOptionsResponse<'a>;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateApplicationMaintenanceConfigurationResponse<'a> {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: &'a str,
    pub application_maintenance_configuration_description:
        ApplicationMaintenanceConfigurationDescription<'a>,
}

impl<'a> UpdateApplicationMaintenanceConfigurationResponse<'a> {
    pub fn new(app: &'a Application) -> Self {
        Self {
            application_arn: &app.arn,
            application_maintenance_configuration_description: maintenance(app),
        }
    }
}

/// `{}`: the answer of operations whose output has no members.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct EmptyResponse {}

pub type DeleteApplicationResponse = EmptyResponse;
pub type TagResourceResponse = EmptyResponse;
pub type UntagResourceResponse = EmptyResponse;

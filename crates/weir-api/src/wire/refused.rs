//! Sections of CreateApplication and UpdateApplication for what Weir does not
//! run: SQL applications, Studio notebooks (Zeppelin) and VPC placement.
//!
//! They are typed and checked like every other member, so a malformed one is
//! refused with the same `InvalidArgumentException` the service would give;
//! `weir-control` then only learns that the section was present and refuses
//! the request by name.

use serde::Deserialize;
use weir_control::model::LogLevel;

use super::check::{keep, Check, Pattern, Str};
use super::requests::{S3ContentLocation, ARN, FILE_KEY, ID, UNBOUNDED};
use crate::error::ApiError;

pub(super) const IN_APP_STREAM_NAME: Str = Str::len(1, 32).matching(Pattern::InAppName);
pub(super) const IN_APP_TABLE_NAME: Str = Str::len(1, 32);
pub(super) const RECORD_COLUMN_NAME: Str = Str::len(1, 256).matching(Pattern::InAppName);
pub(super) const RECORD_COLUMN_MAPPING: Str = Str::len(0, 65_535);
pub(super) const RECORD_COLUMN_SQL_TYPE: Str = Str::len(1, 100);
pub(super) const RECORD_ENCODING: Str = Str::len(5, 5).matching(Pattern::Utf8);
pub(super) const RECORD_ROW_PATH: Str = Str::len(1, 65_535).matching(Pattern::RowPath);
pub(super) const RECORD_DELIMITER: Str = Str::len(1, 1024);
pub(super) const BASE_PATH: Str = Str::len(1, 1024).matching(Pattern::BasePath);
pub(super) const MAVEN_NAME: Str = Str::len(1, 256).matching(Pattern::Name);
pub(super) const RECORD_FORMAT_TYPES: &[&str] = &["JSON", "CSV"];
pub(super) const ARTIFACT_TYPES: &[&str] = &["UDF", "DEPENDENCY_JAR"];
/// `InputParallelismCount`: (min, max).
pub(super) const INPUT_PARALLELISM_COUNT: (i64, i64) = (1, 64);
/// `SubnetIds` and `SecurityGroupIds`: (min, max) items.
pub(super) const SUBNET_IDS: (usize, usize) = (1, 16);
pub(super) const SECURITY_GROUP_IDS: (usize, usize) = (1, 5);

// ---------------------------------------------------------------------------
// SQL

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SqlApplicationConfiguration {
    inputs: Option<Vec<Input>>,
    outputs: Option<Vec<Output>>,
    reference_data_sources: Option<Vec<ReferenceDataSource>>,
}

impl SqlApplicationConfiguration {
    pub(crate) fn check(self, c: &Check) -> Result<(), ApiError> {
        c.list("Inputs", self.inputs, 0, UNBOUNDED, Input::check)?;
        c.list("Outputs", self.outputs, 0, UNBOUNDED, Output::check)?;
        c.list(
            "ReferenceDataSources",
            self.reference_data_sources,
            0,
            UNBOUNDED,
            ReferenceDataSource::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    name_prefix: Option<String>,
    input_processing_configuration: Option<InputProcessingConfiguration>,
    kinesis_streams_input: Option<ResourceArn>,
    kinesis_firehose_input: Option<ResourceArn>,
    input_parallelism: Option<InputParallelism>,
    input_schema: Option<SourceSchema>,
}

impl Input {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("NamePrefix", self.name_prefix, IN_APP_STREAM_NAME)?;
        c.nested(
            "InputProcessingConfiguration",
            self.input_processing_configuration,
            |p, c| {
                c.req_nested(
                    "InputLambdaProcessor",
                    p.input_lambda_processor,
                    ResourceArn::check,
                )
            },
        )?;
        c.nested(
            "KinesisStreamsInput",
            self.kinesis_streams_input,
            ResourceArn::check,
        )?;
        c.nested(
            "KinesisFirehoseInput",
            self.kinesis_firehose_input,
            ResourceArn::check,
        )?;
        c.nested("InputParallelism", self.input_parallelism, |p, c| {
            c.int(
                "Count",
                p.count,
                INPUT_PARALLELISM_COUNT.0,
                INPUT_PARALLELISM_COUNT.1,
            )
        })?;
        c.req_nested("InputSchema", self.input_schema, SourceSchema::check)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputProcessingConfiguration {
    input_lambda_processor: Option<ResourceArn>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputParallelism {
    count: Option<i32>,
}

/// Every `{ResourceARN}` structure: KinesisStreamsInput, LambdaOutput, ...
#[derive(Debug, Clone, Default, Deserialize)]
struct ResourceArn {
    #[serde(rename = "ResourceARN")]
    resource_arn: Option<String>,
}

impl ResourceArn {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("ResourceARN", self.resource_arn, ARN).map(drop)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SourceSchema {
    record_format: Option<RecordFormat>,
    record_encoding: Option<String>,
    record_columns: Option<Vec<RecordColumn>>,
}

impl SourceSchema {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_nested("RecordFormat", self.record_format, RecordFormat::check)?;
        c.str("RecordEncoding", self.record_encoding, RECORD_ENCODING)?;
        c.req_list(
            "RecordColumns",
            self.record_columns,
            1,
            1000,
            RecordColumn::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordFormat {
    record_format_type: Option<String>,
    mapping_parameters: Option<MappingParameters>,
}

impl RecordFormat {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_keyword(
            "RecordFormatType",
            self.record_format_type,
            RECORD_FORMAT_TYPES,
        )?;
        c.nested("MappingParameters", self.mapping_parameters, |p, c| {
            c.nested(
                "JSONMappingParameters",
                p.json_mapping_parameters,
                |j, c| c.req_str("RecordRowPath", j.record_row_path, RECORD_ROW_PATH),
            )?;
            c.nested("CSVMappingParameters", p.csv_mapping_parameters, |v, c| {
                c.req_str(
                    "RecordRowDelimiter",
                    v.record_row_delimiter,
                    RECORD_DELIMITER,
                )?;
                c.req_str(
                    "RecordColumnDelimiter",
                    v.record_column_delimiter,
                    RECORD_DELIMITER,
                )
            })
        })?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct MappingParameters {
    #[serde(rename = "JSONMappingParameters")]
    json_mapping_parameters: Option<JsonMappingParameters>,
    #[serde(rename = "CSVMappingParameters")]
    csv_mapping_parameters: Option<CsvMappingParameters>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonMappingParameters {
    record_row_path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CsvMappingParameters {
    record_row_delimiter: Option<String>,
    record_column_delimiter: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordColumn {
    name: Option<String>,
    mapping: Option<String>,
    sql_type: Option<String>,
}

impl RecordColumn {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("Name", self.name, RECORD_COLUMN_NAME)?;
        c.str("Mapping", self.mapping, RECORD_COLUMN_MAPPING)?;
        c.req_str("SqlType", self.sql_type, RECORD_COLUMN_SQL_TYPE)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    name: Option<String>,
    kinesis_streams_output: Option<ResourceArn>,
    kinesis_firehose_output: Option<ResourceArn>,
    lambda_output: Option<ResourceArn>,
    destination_schema: Option<DestinationSchema>,
}

impl Output {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("Name", self.name, IN_APP_STREAM_NAME)?;
        c.nested(
            "KinesisStreamsOutput",
            self.kinesis_streams_output,
            ResourceArn::check,
        )?;
        c.nested(
            "KinesisFirehoseOutput",
            self.kinesis_firehose_output,
            ResourceArn::check,
        )?;
        c.nested("LambdaOutput", self.lambda_output, ResourceArn::check)?;
        c.req_nested(
            "DestinationSchema",
            self.destination_schema,
            DestinationSchema::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DestinationSchema {
    record_format_type: Option<String>,
}

impl DestinationSchema {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_keyword(
            "RecordFormatType",
            self.record_format_type,
            RECORD_FORMAT_TYPES,
        )
        .map(drop)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReferenceDataSource {
    table_name: Option<String>,
    s3_reference_data_source: Option<S3ReferenceDataSource>,
    reference_schema: Option<SourceSchema>,
}

impl ReferenceDataSource {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("TableName", self.table_name, IN_APP_TABLE_NAME)?;
        c.nested(
            "S3ReferenceDataSource",
            self.s3_reference_data_source,
            |s, c| {
                c.str("BucketARN", s.bucket_arn, ARN)?;
                c.str("FileKey", s.file_key, FILE_KEY)
            },
        )?;
        c.req_nested(
            "ReferenceSchema",
            self.reference_schema,
            SourceSchema::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3ReferenceDataSource {
    #[serde(rename = "BucketARN")]
    bucket_arn: Option<String>,
    file_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SqlApplicationConfigurationUpdate {
    input_updates: Option<Vec<InputUpdate>>,
    output_updates: Option<Vec<OutputUpdate>>,
    reference_data_source_updates: Option<Vec<ReferenceDataSourceUpdate>>,
}

impl SqlApplicationConfigurationUpdate {
    pub(crate) fn check(self, c: &Check) -> Result<(), ApiError> {
        c.list(
            "InputUpdates",
            self.input_updates,
            0,
            UNBOUNDED,
            InputUpdate::check,
        )?;
        c.list(
            "OutputUpdates",
            self.output_updates,
            0,
            UNBOUNDED,
            OutputUpdate::check,
        )?;
        c.list(
            "ReferenceDataSourceUpdates",
            self.reference_data_source_updates,
            0,
            UNBOUNDED,
            ReferenceDataSourceUpdate::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputUpdate {
    input_id: Option<String>,
    name_prefix_update: Option<String>,
    input_processing_configuration_update: Option<InputProcessingConfigurationUpdate>,
    kinesis_streams_input_update: Option<ResourceArnUpdate>,
    kinesis_firehose_input_update: Option<ResourceArnUpdate>,
    input_schema_update: Option<InputSchemaUpdate>,
    input_parallelism_update: Option<InputParallelismUpdate>,
}

impl InputUpdate {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("InputId", self.input_id, ID)?;
        c.str(
            "NamePrefixUpdate",
            self.name_prefix_update,
            IN_APP_STREAM_NAME,
        )?;
        c.nested(
            "InputProcessingConfigurationUpdate",
            self.input_processing_configuration_update,
            |p, c| {
                c.req_nested(
                    "InputLambdaProcessorUpdate",
                    p.input_lambda_processor_update,
                    ResourceArnUpdate::check,
                )
            },
        )?;
        c.nested(
            "KinesisStreamsInputUpdate",
            self.kinesis_streams_input_update,
            ResourceArnUpdate::check,
        )?;
        c.nested(
            "KinesisFirehoseInputUpdate",
            self.kinesis_firehose_input_update,
            ResourceArnUpdate::check,
        )?;
        c.nested("InputSchemaUpdate", self.input_schema_update, |s, c| {
            c.nested(
                "RecordFormatUpdate",
                s.record_format_update,
                RecordFormat::check,
            )?;
            c.str(
                "RecordEncodingUpdate",
                s.record_encoding_update,
                RECORD_ENCODING,
            )?;
            c.list(
                "RecordColumnUpdates",
                s.record_column_updates,
                1,
                1000,
                RecordColumn::check,
            )
        })?;
        c.nested(
            "InputParallelismUpdate",
            self.input_parallelism_update,
            |p, c| {
                let (min, max) = INPUT_PARALLELISM_COUNT;
                c.req_int("CountUpdate", p.count_update, min, max)
            },
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputProcessingConfigurationUpdate {
    input_lambda_processor_update: Option<ResourceArnUpdate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputSchemaUpdate {
    record_format_update: Option<RecordFormat>,
    record_encoding_update: Option<String>,
    record_column_updates: Option<Vec<RecordColumn>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InputParallelismUpdate {
    count_update: Option<i32>,
}

/// Every `{ResourceARNUpdate}` structure.
#[derive(Debug, Clone, Default, Deserialize)]
struct ResourceArnUpdate {
    #[serde(rename = "ResourceARNUpdate")]
    resource_arn_update: Option<String>,
}

impl ResourceArnUpdate {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("ResourceARNUpdate", self.resource_arn_update, ARN)
            .map(drop)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OutputUpdate {
    output_id: Option<String>,
    name_update: Option<String>,
    kinesis_streams_output_update: Option<ResourceArnUpdate>,
    kinesis_firehose_output_update: Option<ResourceArnUpdate>,
    lambda_output_update: Option<ResourceArnUpdate>,
    destination_schema_update: Option<DestinationSchema>,
}

impl OutputUpdate {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("OutputId", self.output_id, ID)?;
        c.str("NameUpdate", self.name_update, IN_APP_STREAM_NAME)?;
        c.nested(
            "KinesisStreamsOutputUpdate",
            self.kinesis_streams_output_update,
            ResourceArnUpdate::check,
        )?;
        c.nested(
            "KinesisFirehoseOutputUpdate",
            self.kinesis_firehose_output_update,
            ResourceArnUpdate::check,
        )?;
        c.nested(
            "LambdaOutputUpdate",
            self.lambda_output_update,
            ResourceArnUpdate::check,
        )?;
        c.nested(
            "DestinationSchemaUpdate",
            self.destination_schema_update,
            DestinationSchema::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReferenceDataSourceUpdate {
    reference_id: Option<String>,
    table_name_update: Option<String>,
    s3_reference_data_source_update: Option<S3ReferenceDataSourceUpdate>,
    reference_schema_update: Option<SourceSchema>,
}

impl ReferenceDataSourceUpdate {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("ReferenceId", self.reference_id, ID)?;
        c.str("TableNameUpdate", self.table_name_update, IN_APP_TABLE_NAME)?;
        c.nested(
            "S3ReferenceDataSourceUpdate",
            self.s3_reference_data_source_update,
            |s, c| {
                c.str("BucketARNUpdate", s.bucket_arn_update, ARN)?;
                c.str("FileKeyUpdate", s.file_key_update, FILE_KEY)
            },
        )?;
        c.nested(
            "ReferenceSchemaUpdate",
            self.reference_schema_update,
            SourceSchema::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3ReferenceDataSourceUpdate {
    #[serde(rename = "BucketARNUpdate")]
    bucket_arn_update: Option<String>,
    file_key_update: Option<String>,
}

// ---------------------------------------------------------------------------
// Studio notebooks (Zeppelin)

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ZeppelinApplicationConfiguration {
    monitoring_configuration: Option<ZeppelinMonitoringConfiguration>,
    catalog_configuration: Option<CatalogConfiguration>,
    deploy_as_application_configuration: Option<DeployAsApplicationConfiguration>,
    custom_artifacts_configuration: Option<Vec<CustomArtifactConfiguration>>,
}

impl ZeppelinApplicationConfiguration {
    pub(crate) fn check(self, c: &Check) -> Result<(), ApiError> {
        c.nested(
            "MonitoringConfiguration",
            self.monitoring_configuration,
            |m, c| c.req_enumeration::<LogLevel>("LogLevel", m.log_level),
        )?;
        c.nested(
            "CatalogConfiguration",
            self.catalog_configuration,
            |k, c| {
                c.req_nested(
                    "GlueDataCatalogConfiguration",
                    k.glue_data_catalog_configuration,
                    |g, c| c.req_str("DatabaseARN", g.database_arn, ARN),
                )
            },
        )?;
        c.nested(
            "DeployAsApplicationConfiguration",
            self.deploy_as_application_configuration,
            |d, c| {
                c.req_nested("S3ContentLocation", d.s3_content_location, |s, c| {
                    c.req_str("BucketARN", s.bucket_arn, ARN)?;
                    c.str("BasePath", s.base_path, BASE_PATH)
                })
            },
        )?;
        c.list(
            "CustomArtifactsConfiguration",
            self.custom_artifacts_configuration,
            0,
            50,
            CustomArtifactConfiguration::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ZeppelinMonitoringConfiguration {
    log_level: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CatalogConfiguration {
    glue_data_catalog_configuration: Option<GlueDataCatalogConfiguration>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct GlueDataCatalogConfiguration {
    #[serde(rename = "DatabaseARN")]
    database_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeployAsApplicationConfiguration {
    s3_content_location: Option<S3ContentBaseLocation>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3ContentBaseLocation {
    #[serde(rename = "BucketARN")]
    bucket_arn: Option<String>,
    base_path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CustomArtifactConfiguration {
    artifact_type: Option<String>,
    s3_content_location: Option<S3ContentLocation>,
    maven_reference: Option<MavenReference>,
}

impl CustomArtifactConfiguration {
    fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_keyword("ArtifactType", self.artifact_type, ARTIFACT_TYPES)?;
        c.nested(
            "S3ContentLocation",
            self.s3_content_location,
            S3ContentLocation::into_domain,
        )?;
        c.nested("MavenReference", self.maven_reference, |r, c| {
            c.req_str("GroupId", r.group_id, MAVEN_NAME)?;
            c.req_str("ArtifactId", r.artifact_id, MAVEN_NAME)?;
            c.req_str("Version", r.version, MAVEN_NAME)
        })?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MavenReference {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ZeppelinApplicationConfigurationUpdate {
    monitoring_configuration_update: Option<ZeppelinMonitoringConfigurationUpdate>,
    catalog_configuration_update: Option<CatalogConfigurationUpdate>,
    deploy_as_application_configuration_update: Option<DeployAsApplicationConfigurationUpdate>,
    custom_artifacts_configuration_update: Option<Vec<CustomArtifactConfiguration>>,
}

impl ZeppelinApplicationConfigurationUpdate {
    pub(crate) fn check(self, c: &Check) -> Result<(), ApiError> {
        c.nested(
            "MonitoringConfigurationUpdate",
            self.monitoring_configuration_update,
            |m, c| c.req_enumeration::<LogLevel>("LogLevelUpdate", m.log_level_update),
        )?;
        c.nested(
            "CatalogConfigurationUpdate",
            self.catalog_configuration_update,
            |k, c| {
                c.req_nested(
                    "GlueDataCatalogConfigurationUpdate",
                    k.glue_data_catalog_configuration_update,
                    |g, c| c.req_str("DatabaseARNUpdate", g.database_arn_update, ARN),
                )
            },
        )?;
        c.nested(
            "DeployAsApplicationConfigurationUpdate",
            self.deploy_as_application_configuration_update,
            |d, c| {
                c.nested(
                    "S3ContentLocationUpdate",
                    d.s3_content_location_update,
                    |s, c| {
                        c.str("BucketARNUpdate", s.bucket_arn_update, ARN)?;
                        c.str("BasePathUpdate", s.base_path_update, BASE_PATH)
                    },
                )
            },
        )?;
        c.list(
            "CustomArtifactsConfigurationUpdate",
            self.custom_artifacts_configuration_update,
            0,
            50,
            CustomArtifactConfiguration::check,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ZeppelinMonitoringConfigurationUpdate {
    log_level_update: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CatalogConfigurationUpdate {
    glue_data_catalog_configuration_update: Option<GlueDataCatalogConfigurationUpdate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct GlueDataCatalogConfigurationUpdate {
    #[serde(rename = "DatabaseARNUpdate")]
    database_arn_update: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeployAsApplicationConfigurationUpdate {
    s3_content_location_update: Option<S3ContentBaseLocationUpdate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3ContentBaseLocationUpdate {
    #[serde(rename = "BucketARNUpdate")]
    bucket_arn_update: Option<String>,
    base_path_update: Option<String>,
}

// ---------------------------------------------------------------------------
// VPC

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VpcConfiguration {
    subnet_ids: Option<Vec<String>>,
    security_group_ids: Option<Vec<String>>,
}

impl VpcConfiguration {
    pub(crate) fn check(self, c: &Check) -> Result<(), ApiError> {
        let (subnets, groups) = (SUBNET_IDS, SECURITY_GROUP_IDS);
        c.req_list("SubnetIds", self.subnet_ids, subnets.0, subnets.1, keep)?;
        c.req_list(
            "SecurityGroupIds",
            self.security_group_ids,
            groups.0,
            groups.1,
            keep,
        )?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VpcConfigurationUpdate {
    vpc_configuration_id: Option<String>,
    subnet_id_updates: Option<Vec<String>>,
    security_group_id_updates: Option<Vec<String>>,
}

impl VpcConfigurationUpdate {
    pub(crate) fn check(self, c: &Check) -> Result<(), ApiError> {
        c.req_str("VpcConfigurationId", self.vpc_configuration_id, ID)?;
        let (subnets, groups) = (SUBNET_IDS, SECURITY_GROUP_IDS);
        c.list(
            "SubnetIdUpdates",
            self.subnet_id_updates,
            subnets.0,
            subnets.1,
            keep,
        )?;
        c.list(
            "SecurityGroupIdUpdates",
            self.security_group_id_updates,
            groups.0,
            groups.1,
            keep,
        )?;
        Ok(())
    }
}

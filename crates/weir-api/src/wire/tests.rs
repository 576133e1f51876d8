//! Table-driven tests of the wire layer: requests into the model, refusals
//! naming the member, and responses as the service spells them.

use serde_json::{json, Value};
use weir_control::model::*;
use weir_control::spec::{
    self, ApplicationUpdate, CheckpointUpdate, CodeSource, LoggingOptionUpdate, NewApplication,
    ParallelismSpec, ParallelismUpdate, Stamp,
};
use weir_control::Realm;

use super::check::Pattern;
use super::*;
use crate::error::{ApiError, ErrorKind};

const ROLE: &str = "arn:aws:iam::000000000000:role/flink";
const BUCKET: &str = "arn:aws:s3:::code-bucket";

fn realm() -> Realm {
    Realm {
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
    }
}

fn create(body: &Value) -> Result<(NewApplication<CodeSource>, Vec<Tag>), ApiError> {
    let body = serde_json::to_vec(body).unwrap();
    decode::<CreateApplicationRequest>(&body)?.into_domain(&realm(), "06:00")
}

fn update(body: &Value) -> Result<UpdateApplicationInput, ApiError> {
    decode::<UpdateApplicationRequest>(&serde_json::to_vec(body).unwrap())?.into_domain()
}

type Tag = weir_control::model::Tag;

#[test]
fn a_full_create_request_becomes_the_model() {
    let body = json!({
        "ApplicationName": "orders-enricher",
        "ApplicationDescription": "joins orders",
        "RuntimeEnvironment": "FLINK-1_20",
        "ServiceExecutionRole": ROLE,
        "ApplicationMode": "STREAMING",
        "ApplicationConfiguration": {
            "ApplicationCodeConfiguration": {
                "CodeContentType": "ZIPFILE",
                "CodeContent": {"ZipFileContent": "UEsDBAo="}
            },
            "FlinkApplicationConfiguration": {
                "CheckpointConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "CheckpointingEnabled": true,
                    "CheckpointInterval": 10000,
                    "MinPauseBetweenCheckpoints": 0
                },
                "MonitoringConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "MetricsLevel": "TASK",
                    "LogLevel": "DEBUG"
                },
                "ParallelismConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "Parallelism": 4,
                    "ParallelismPerKPU": 2,
                    "AutoScalingEnabled": false
                }
            },
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": "consumer", "PropertyMap": {"z": "1", "a": "2"}}
            ]},
            "ApplicationSnapshotConfiguration": {
                "SnapshotsEnabled": false,
                "SnapshotMode": "APPLICATION_SNAPSHOTS_LEGACY"
            },
            "ApplicationSystemRollbackConfiguration": {"RollbackEnabled": true},
            "ApplicationEncryptionConfiguration": {"KeyType": "AWS_OWNED_KEY"},
            "VpcConfigurations": []
        },
        "CloudWatchLoggingOptions": [
            {"LogStreamARN": "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s"}
        ],
        "Tags": [{"Key": "team", "Value": "data"}, {"Key": "solo"}],
        "SomeFutureMember": {"ignored": true}
    });
    let (new, tags) = create(&body).unwrap();
    let expected = NewApplication {
        name: "orders-enricher".into(),
        arn: "arn:aws:kinesisanalytics:us-east-1:000000000000:application/orders-enricher".into(),
        description: Some("joins orders".into()),
        runtime: RuntimeEnvironment::Flink1_20,
        service_execution_role: ROLE.into(),
        mode: Some(ApplicationMode::Streaming),
        code: Some((
            CodeContentType::Zipfile,
            Some(CodeSource::Zip(b"PK\x03\x04\n".to_vec())),
        )),
        checkpoint: Some(CheckpointConfig {
            configuration_type: ConfigurationType::Custom,
            checkpointing_enabled: Some(true),
            checkpoint_interval_ms: Some(10_000),
            min_pause_between_checkpoints_ms: Some(0),
        }),
        monitoring: Some(MonitoringConfig {
            configuration_type: ConfigurationType::Custom,
            metrics_level: Some(MetricsLevel::Task),
            log_level: Some(LogLevel::Debug),
        }),
        parallelism: Some(ParallelismSpec {
            configuration_type: ConfigurationType::Custom,
            parallelism: Some(4),
            parallelism_per_kpu: Some(2),
            auto_scaling_enabled: Some(false),
        }),
        environment_properties: Some(vec![PropertyGroup {
            id: "consumer".into(),
            properties: vec![("a".into(), "2".into()), ("z".into(), "1".into())],
        }]),
        snapshots: Some(SnapshotConfig {
            enabled: false,
            mode: Some(SnapshotMode::Legacy),
        }),
        system_rollback_enabled: Some(true),
        has_vpc_configurations: false,
        encryption: Some(EncryptionConfig {
            key_type: KeyType::AwsOwnedKey,
            key_id: None,
        }),
        log_stream_arns: vec![
            "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s".into(),
        ],
        has_sql_configuration: false,
        has_zeppelin_configuration: false,
        maintenance_start: "06:00".into(),
    };
    assert_eq!(new, expected);
    assert_eq!(
        tags,
        vec![
            Tag {
                key: "team".into(),
                value: Some("data".into())
            },
            Tag {
                key: "solo".into(),
                value: None
            },
        ]
    );
}

#[test]
fn code_sources_and_refused_sections_map_to_the_model() {
    let mut body = minimal();
    body["ApplicationConfiguration"]["ApplicationCodeConfiguration"]["CodeContent"] = json!({"S3ContentLocation": {"BucketARN": BUCKET, "FileKey": "app.jar", "ObjectVersion": ""}});
    body["ApplicationConfiguration"]["SqlApplicationConfiguration"] = json!({});
    body["ApplicationConfiguration"]["ZeppelinApplicationConfiguration"] =
        json!({"MonitoringConfiguration": {"LogLevel": "INFO"}});
    body["ApplicationConfiguration"]["VpcConfigurations"] =
        json!([{"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}]);
    let (new, _) = create(&body).unwrap();
    assert_eq!(
        new.code,
        Some((
            CodeContentType::Zipfile,
            Some(CodeSource::S3(S3Location {
                bucket_arn: BUCKET.into(),
                file_key: "app.jar".into(),
                object_version: None,
            }))
        ))
    );
    assert!(
        new.has_sql_configuration && new.has_zeppelin_configuration && new.has_vpc_configurations
    );

    body["ApplicationConfiguration"]["ApplicationCodeConfiguration"] =
        json!({"CodeContentType": "PLAINTEXT", "CodeContent": {"TextContent": ""}});
    let (new, _) = create(&body).unwrap();
    assert_eq!(
        new.code,
        Some((
            CodeContentType::Plaintext,
            Some(CodeSource::Text(String::new()))
        ))
    );
}

/// The smallest valid CreateApplication, with a section for each case to spoil.
fn minimal() -> Value {
    json!({
        "ApplicationName": "app",
        "RuntimeEnvironment": "FLINK-1_20",
        "ServiceExecutionRole": ROLE,
        "ApplicationConfiguration": {
            "ApplicationCodeConfiguration": {
                "CodeContentType": "ZIPFILE",
                "CodeContent": {"ZipFileContent": "UEsDBA=="}
            },
            "FlinkApplicationConfiguration": {
                "CheckpointConfiguration": {"ConfigurationType": "CUSTOM", "CheckpointInterval": 1000},
                "ParallelismConfiguration": {"ConfigurationType": "CUSTOM", "Parallelism": 2}
            },
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": "g", "PropertyMap": {"k": "v"}}
            ]}
        },
        "Tags": [{"Key": "k"}]
    })
}

#[test]
fn bad_create_requests_are_refused_naming_the_member() {
    use ErrorKind::{InvalidArgument as Arg, Serialization as Ser};
    type Spoil = fn(&mut Value);
    // (case, spoil the minimal request, error kind, member path or message text)
    let table: &[(&str, Spoil, ErrorKind, &str)] = &[
        ("missing name", |v| drop(v.as_object_mut().unwrap().remove("ApplicationName")), Arg, "ApplicationName: is required"),
        ("name with a space", |v| v["ApplicationName"] = json!("my app"), Arg, "ApplicationName: \"my app\" does not match"),
        ("name of 129", |v| v["ApplicationName"] = json!("a".repeat(129)), Arg, "ApplicationName: must be between 1 and 128"),
        ("empty name", |v| v["ApplicationName"] = json!(""), Arg, "ApplicationName: must be between 1 and 128"),
        ("description of 1025", |v| v["ApplicationDescription"] = json!("d".repeat(1025)), Arg, "ApplicationDescription: must be at most 1024"),
        ("bad runtime", |v| v["RuntimeEnvironment"] = json!("FLINK-9_9"), Arg, "RuntimeEnvironment: \"FLINK-9_9\" is not one of"),
        ("role not an ARN", |v| v["ServiceExecutionRole"] = json!("role/flink"), Arg, "ServiceExecutionRole: "),
        ("bad mode", |v| v["ApplicationMode"] = json!("streaming"), Arg, "ApplicationMode: "),
        (
            "parallelism 0",
            |v| v["ApplicationConfiguration"]["FlinkApplicationConfiguration"]["ParallelismConfiguration"]["Parallelism"] = json!(0),
            Arg,
            "ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.Parallelism: must be at least 1, is 0",
        ),
        (
            "checkpoint interval 0",
            |v| v["ApplicationConfiguration"]["FlinkApplicationConfiguration"]["CheckpointConfiguration"]["CheckpointInterval"] = json!(0),
            Arg,
            "ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration.CheckpointInterval: ",
        ),
        (
            "lower-case configuration type",
            |v| v["ApplicationConfiguration"]["FlinkApplicationConfiguration"]["CheckpointConfiguration"]["ConfigurationType"] = json!("custom"),
            Arg,
            "ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration.ConfigurationType: ",
        ),
        (
            "property group id with '/'",
            |v| v["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"][0]["PropertyGroupId"] = json!("a/b"),
            Arg,
            "ApplicationConfiguration.EnvironmentProperties.PropertyGroups[0].PropertyGroupId: ",
        ),
        (
            "51 property groups",
            |v| {
                let groups: Vec<Value> = (0..51)
                    .map(|i| json!({"PropertyGroupId": format!("g{i}"), "PropertyMap": {"k": "v"}}))
                    .collect();
                v["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"] = json!(groups);
            },
            Arg,
            "ApplicationConfiguration.EnvironmentProperties.PropertyGroups: must have at most 50 entries, has 51",
        ),
        (
            "property value of 2049",
            |v| v["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"][0]["PropertyMap"]["k"] = json!("v".repeat(2049)),
            Arg,
            "ApplicationConfiguration.EnvironmentProperties.PropertyGroups[0].PropertyMap.k: ",
        ),
        (
            "empty property map",
            |v| v["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"][0]["PropertyMap"] = json!({}),
            Arg,
            "ApplicationConfiguration.EnvironmentProperties.PropertyGroups[0].PropertyMap: must have between 1 and 50",
        ),
        (
            "201 tags",
            |v| v["Tags"] = json!((0..201).map(|i| json!({"Key": format!("k{i}")})).collect::<Vec<_>>()),
            Arg,
            "Tags: must have between 1 and 200 entries, has 201",
        ),
        ("no tags", |v| v["Tags"] = json!([]), Arg, "Tags: "),
        (
            "fourth tag without a key",
            |v| v["Tags"] = json!([{"Key": "a"}, {"Key": "b"}, {"Key": "c"}, {"Value": "d"}]),
            Arg,
            "Tags[3].Key: is required",
        ),
        (
            "two code sources",
            |v| v["ApplicationConfiguration"]["ApplicationCodeConfiguration"]["CodeContent"]["TextContent"] = json!("x"),
            Arg,
            "ApplicationConfiguration.ApplicationCodeConfiguration.CodeContent: give only one of",
        ),
        (
            "no code source",
            |v| v["ApplicationConfiguration"]["ApplicationCodeConfiguration"]["CodeContent"] = json!({}),
            Arg,
            "ApplicationConfiguration.ApplicationCodeConfiguration.CodeContent: one of",
        ),
        (
            "S3 location without a key",
            |v| v["ApplicationConfiguration"]["ApplicationCodeConfiguration"]["CodeContent"] = json!({"S3ContentLocation": {"BucketARN": BUCKET}}),
            Arg,
            "ApplicationConfiguration.ApplicationCodeConfiguration.CodeContent.S3ContentLocation.FileKey: is required",
        ),
        (
            "snapshots without SnapshotsEnabled",
            |v| v["ApplicationConfiguration"]["ApplicationSnapshotConfiguration"] = json!({}),
            Arg,
            "ApplicationConfiguration.ApplicationSnapshotConfiguration.SnapshotsEnabled: is required",
        ),
        (
            "bad SQL input name",
            |v| v["ApplicationConfiguration"]["SqlApplicationConfiguration"] = json!({"Inputs": [{
                "NamePrefix": "in-put",
                "InputSchema": {"RecordFormat": {"RecordFormatType": "JSON"}, "RecordColumns": [{"Name": "c", "SqlType": "INT"}]}
            }]}),
            Arg,
            "ApplicationConfiguration.SqlApplicationConfiguration.Inputs[0].NamePrefix: ",
        ),
        (
            "bad Zeppelin base path",
            |v| v["ApplicationConfiguration"]["ZeppelinApplicationConfiguration"] = json!({
                "DeployAsApplicationConfiguration": {"S3ContentLocation": {"BucketARN": BUCKET, "BasePath": "a b"}}
            }),
            Arg,
            "ApplicationConfiguration.ZeppelinApplicationConfiguration.DeployAsApplicationConfiguration.S3ContentLocation.BasePath: ",
        ),
        (
            "VPC without subnets",
            |v| v["ApplicationConfiguration"]["VpcConfigurations"] = json!([{"SecurityGroupIds": ["g"]}]),
            Arg,
            "ApplicationConfiguration.VpcConfigurations[0].SubnetIds: is required",
        ),
        (
            "log stream not an ARN",
            |v| v["CloudWatchLoggingOptions"] = json!([{"LogStreamARN": "stream"}]),
            Arg,
            "CloudWatchLoggingOptions[0].LogStreamARN: ",
        ),
        (
            "bad base64",
            |v| v["ApplicationConfiguration"]["ApplicationCodeConfiguration"]["CodeContent"]["ZipFileContent"] = json!("not base64!"),
            Ser,
            "member ZipFileContent has the wrong type or an unreadable value: a blob member is not valid base64",
        ),
        (
            "parallelism \"x\"",
            |v| v["ApplicationConfiguration"]["FlinkApplicationConfiguration"]["ParallelismConfiguration"]["Parallelism"] = json!("x"),
            Ser,
            "member Parallelism has the wrong type",
        ),
        (
            "parallelism beyond an integer",
            |v| v["ApplicationConfiguration"]["FlinkApplicationConfiguration"]["ParallelismConfiguration"]["Parallelism"] = json!(1u64 << 40),
            Ser,
            "member Parallelism has the wrong type",
        ),
        ("tags not a list", |v| v["Tags"] = json!({"Key": "k"}), Ser, "member Tags has the wrong type"),
        ("name a number", |v| v["ApplicationName"] = json!(7), Ser, "member ApplicationName has the wrong type"),
    ];
    for (case, spoil, kind, text) in table {
        let mut body = minimal();
        spoil(&mut body);
        let err = create(&body).expect_err(case);
        assert_eq!(err.kind, *kind, "{case}: {err}");
        if *kind == Arg {
            assert!(err.message.starts_with(text), "{case}: {:?}", err.message);
        } else {
            assert!(err.message.contains(text), "{case}: {:?}", err.message);
        }
    }
}

#[test]
fn malformed_bodies_are_serialization_errors_and_empty_is_an_empty_object() {
    for body in [
        &b"{"[..],
        b"[]",
        b"null",
        b"{\"ApplicationName\": \"a\"} x",
        b"\xff",
    ] {
        let err = DescribeApplicationRequest::parse(body).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Serialization, "{body:?}: {err}");
    }
    assert_eq!(
        ListApplicationsRequest::parse(b"").unwrap(),
        ListApplicationsRequest {
            limit: None,
            next_token: None,
            weir_cluster: None
        }
    );
    let err = ListApplicationsRequest::parse(b"{\n  \"NextToken\": \"a\",\n  \"Limit\": \"x\"\n}")
        .unwrap_err();
    assert!(
        err.message.starts_with("member Limit has the wrong type"),
        "{err}"
    );
    let err = DescribeApplicationRequest::parse(b" \n").unwrap_err();
    assert_eq!(err.message, "ApplicationName: is required");
}

#[test]
fn a_full_update_request_becomes_the_model() {
    let body = json!({
        "ApplicationName": "app",
        "CurrentApplicationVersionId": 3,
        "ConditionalToken": "abc+/=_-",
        "ServiceExecutionRoleUpdate": ROLE,
        "RuntimeEnvironmentUpdate": "FLINK-2_2",
        "ApplicationConfigurationUpdate": {
            "ApplicationCodeConfigurationUpdate": {
                "CodeContentTypeUpdate": "ZIPFILE",
                "CodeContentUpdate": {"S3ContentLocationUpdate": {
                    "BucketARNUpdate": BUCKET, "FileKeyUpdate": "v2.jar", "ObjectVersionUpdate": "7"
                }}
            },
            "FlinkApplicationConfigurationUpdate": {
                "CheckpointConfigurationUpdate": {"ConfigurationTypeUpdate": "CUSTOM", "CheckpointIntervalUpdate": 5000},
                "ParallelismConfigurationUpdate": {"ParallelismUpdate": 8, "AutoScalingEnabledUpdate": true}
            },
            "EnvironmentPropertyUpdates": {"PropertyGroups": []},
            "ApplicationSnapshotConfigurationUpdate": {"SnapshotsEnabledUpdate": true},
            "ApplicationSystemRollbackConfigurationUpdate": {"RollbackEnabledUpdate": false}
        },
        "RunConfigurationUpdate": {
            "FlinkRunConfiguration": {"AllowNonRestoredState": true},
            "ApplicationRestoreConfiguration": {
                "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT", "SnapshotName": "snap-1"
            }
        },
        "CloudWatchLoggingOptionUpdates": [
            {"CloudWatchLoggingOptionId": "1.1", "LogStreamARNUpdate": "arn:aws:logs:x"}
        ]
    });
    let input = update(&body).unwrap();
    let expected = UpdateApplicationInput {
        name: "app".into(),
        current_version_id: Some(3),
        conditional_token: Some("abc+/=_-".into()),
        update: ApplicationUpdate {
            runtime: Some(RuntimeEnvironment::Flink2_2),
            service_execution_role: Some(ROLE.into()),
            code_content_type: Some(CodeContentType::Zipfile),
            code_content: Some(CodeSource::S3(S3Location {
                bucket_arn: BUCKET.into(),
                file_key: "v2.jar".into(),
                object_version: Some("7".into()),
            })),
            checkpoint: Some(CheckpointUpdate {
                configuration_type: Some(ConfigurationType::Custom),
                checkpoint_interval_ms: Some(5000),
                ..Default::default()
            }),
            monitoring: None,
            parallelism: Some(ParallelismUpdate {
                parallelism: Some(8),
                auto_scaling_enabled: Some(true),
                ..Default::default()
            }),
            environment_properties: Some(vec![]),
            snapshots: Some(SnapshotConfig {
                enabled: true,
                mode: None,
            }),
            system_rollback_enabled: Some(false),
            restore: Some(RestoreConfig {
                restore_type: RestoreType::RestoreFromCustomSnapshot,
                snapshot_name: Some("snap-1".into()),
                snapshot_arn: None,
            }),
            allow_non_restored_state: Some(true),
            run_configuration_given: true,
            logging_updates: vec![LoggingOptionUpdate {
                id: "1.1".into(),
                log_stream_arn: Some("arn:aws:logs:x".into()),
            }],
            ..Default::default()
        },
        s3_location_update: None,
    };
    assert_eq!(input, expected);

    // An empty update is the model's to refuse, not the wire's.
    let input = update(&json!({
        "ApplicationName": "app", "ConditionalToken": "t", "RunConfigurationUpdate": {}
    }))
    .unwrap();
    assert!(input.update.run_configuration_given);
    assert_eq!(input.update.restore, None);
}

#[test]
fn a_partial_s3_update_is_completed_from_the_current_version() {
    let body = json!({
        "ApplicationName": "app",
        "CurrentApplicationVersionId": 1,
        "ApplicationConfigurationUpdate": {"ApplicationCodeConfigurationUpdate": {
            "CodeContentUpdate": {"S3ContentLocationUpdate": {"FileKeyUpdate": "v3.jar"}}
        }}
    });
    let mut input = update(&body).unwrap();
    assert_eq!(input.update.code_content, None);
    let mut app = application();
    app.config.code = Some(CodeConfig {
        content_type: CodeContentType::Zipfile,
        content: CodeContent::S3 {
            location: S3Location {
                bucket_arn: BUCKET.into(),
                file_key: "v2.jar".into(),
                object_version: Some("6".into()),
            },
            stored: stored(),
        },
    });
    let mut done = input.clone();
    done.complete_code_location(&app).unwrap();
    assert_eq!(
        done.update.code_content,
        Some(CodeSource::S3(S3Location {
            bucket_arn: BUCKET.into(),
            file_key: "v3.jar".into(),
            object_version: None,
        }))
    );
    assert_eq!(done.s3_location_update, None);

    // Only a new object version: same bucket and key.
    let only_version = S3LocationUpdate {
        bucket_arn: None,
        file_key: None,
        object_version: Some("9".into()),
    };
    let current = S3Location {
        bucket_arn: BUCKET.into(),
        file_key: "v2.jar".into(),
        object_version: Some("6".into()),
    };
    assert_eq!(
        only_version.clone().apply(Some(&current)).unwrap(),
        S3Location {
            object_version: Some("9".into()),
            ..current.clone()
        }
    );
    // Code that is not in S3 cannot be half-moved there.
    let err = input.complete_code_location(&application()).unwrap_err();
    assert!(
        err.message.contains("BucketARNUpdate and FileKeyUpdate"),
        "{err}"
    );
}

#[test]
fn bad_requests_of_the_other_operations() {
    use ErrorKind::{InvalidArgument as Arg, Serialization as Ser};
    type Parse = fn(&[u8]) -> Result<(), ApiError>;
    let describe: Parse = |b| DescribeApplicationRequest::parse(b).map(drop);
    let list: Parse = |b| ListApplicationsRequest::parse(b).map(drop);
    let delete: Parse = |b| DeleteApplicationRequest::parse(b).map(drop);
    let tag: Parse = |b| TagResourceRequest::parse(b).map(drop);
    let untag: Parse = |b| UntagResourceRequest::parse(b).map(drop);
    let list_tags: Parse = |b| ListTagsForResourceRequest::parse(b).map(drop);
    let versions: Parse = |b| ListApplicationVersionsRequest::parse(b).map(drop);
    let version: Parse = |b| DescribeApplicationVersionRequest::parse(b).map(drop);
    let add_log: Parse = |b| AddApplicationCloudWatchLoggingOptionRequest::parse(b).map(drop);
    let del_log: Parse = |b| DeleteApplicationCloudWatchLoggingOptionRequest::parse(b).map(drop);
    let maint: Parse = |b| UpdateApplicationMaintenanceConfigurationRequest::parse(b).map(drop);
    let upd: Parse = |b| {
        decode::<UpdateApplicationRequest>(b)?
            .into_domain()
            .map(drop)
    };
    let table: &[(&str, Parse, &str, ErrorKind, &str)] = &[
        ("describe: no name", describe, r#"{}"#, Arg, "ApplicationName: is required"),
        ("describe: details not a bool", describe, r#"{"ApplicationName":"a","IncludeAdditionalDetails":"yes"}"#, Ser, "member IncludeAdditionalDetails has the wrong type"),
        ("list: limit 0", list, r#"{"Limit":0}"#, Arg, "Limit: must be between 1 and 50, is 0"),
        ("list: limit 51", list, r#"{"Limit":51}"#, Arg, "Limit: "),
        ("list: bad token", list, r#"{"NextToken":"a b"}"#, Arg, "NextToken: "),
        ("delete: no timestamp", delete, r#"{"ApplicationName":"a"}"#, Arg, "CreateTimestamp: is required"),
        ("delete: timestamp a string", delete, r#"{"ApplicationName":"a","CreateTimestamp":"yesterday"}"#, Ser, "member CreateTimestamp has the wrong type"),
        ("tag: not an ARN", tag, r#"{"ResourceARN":"app","Tags":[{"Key":"k"}]}"#, Arg, "ResourceARN: "),
        ("tag: no tags", tag, r#"{"ResourceARN":"arn:a"}"#, Arg, "Tags: is required"),
        ("tag: value of 257", tag, &format!(r#"{{"ResourceARN":"arn:a","Tags":[{{"Key":"k","Value":"{}"}}]}}"#, "v".repeat(257)), Arg, "Tags[0].Value: "),
        ("untag: empty key", untag, r#"{"ResourceARN":"arn:a","TagKeys":["k",""]}"#, Arg, "TagKeys[1]: must be between 1 and 128"),
        ("untag: no keys", untag, r#"{"ResourceARN":"arn:a","TagKeys":[]}"#, Arg, "TagKeys: "),
        ("list tags: no ARN", list_tags, r#"{}"#, Arg, "ResourceARN: is required"),
        ("versions: long token", versions, &format!(r#"{{"ApplicationName":"a","NextToken":"{}"}}"#, "t".repeat(513)), Arg, "NextToken: "),
        ("version: id 0", version, r#"{"ApplicationName":"a","ApplicationVersionId":0}"#, Arg, "ApplicationVersionId: must be between 1 and 999999999"),
        ("version: no id", version, r#"{"ApplicationName":"a"}"#, Arg, "ApplicationVersionId: is required"),
        ("version: id 1.5", version, r#"{"ApplicationName":"a","ApplicationVersionId":1.5}"#, Ser, "member ApplicationVersionId has the wrong type"),
        ("add log: no option", add_log, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1}"#, Arg, "CloudWatchLoggingOption: is required"),
        ("add log: no ARN", add_log, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"CloudWatchLoggingOption":{}}"#, Arg, "CloudWatchLoggingOption.LogStreamARN: is required"),
        ("add log: bad token", add_log, r#"{"ApplicationName":"a","CloudWatchLoggingOption":{"LogStreamARN":"arn:s"},"ConditionalToken":"a b"}"#, Arg, "ConditionalToken: "),
        ("del log: bad id", del_log, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"CloudWatchLoggingOptionId":"a/b"}"#, Arg, "CloudWatchLoggingOptionId: "),
        ("del log: version 0", del_log, r#"{"ApplicationName":"a","CloudWatchLoggingOptionId":"1.1","CurrentApplicationVersionId":0}"#, Arg, "CurrentApplicationVersionId: "),
        ("maintenance: 24:00", maint, r#"{"ApplicationName":"a","ApplicationMaintenanceConfigurationUpdate":{"ApplicationMaintenanceWindowStartTimeUpdate":"24:00"}}"#, Arg, "ApplicationMaintenanceConfigurationUpdate.ApplicationMaintenanceWindowStartTimeUpdate: \"24:00\" does not match"),
        ("maintenance: 6:00", maint, r#"{"ApplicationName":"a","ApplicationMaintenanceConfigurationUpdate":{"ApplicationMaintenanceWindowStartTimeUpdate":"6:00"}}"#, Arg, "ApplicationMaintenanceConfigurationUpdate.ApplicationMaintenanceWindowStartTimeUpdate: must be exactly 5"),
        ("maintenance: missing", maint, r#"{"ApplicationName":"a"}"#, Arg, "ApplicationMaintenanceConfigurationUpdate: is required"),
        ("update: no concurrency guard", upd, r#"{"ApplicationName":"a","RuntimeEnvironmentUpdate":"FLINK-2_2"}"#, Arg, "CurrentApplicationVersionId: is required unless ConditionalToken is given"),
        ("del log: no concurrency guard", del_log, r#"{"ApplicationName":"a","CloudWatchLoggingOptionId":"1.1"}"#, Arg, "CurrentApplicationVersionId: is required unless"),
        ("update: version 0", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":0}"#, Arg, "CurrentApplicationVersionId: "),
        ("update: empty S3 update", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"ApplicationConfigurationUpdate":{"ApplicationCodeConfigurationUpdate":{"CodeContentUpdate":{"S3ContentLocationUpdate":{}}}}}"#, Arg, "ApplicationConfigurationUpdate.ApplicationCodeConfigurationUpdate.CodeContentUpdate.S3ContentLocationUpdate: one of"),
        ("update: text and zip", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"ApplicationConfigurationUpdate":{"ApplicationCodeConfigurationUpdate":{"CodeContentUpdate":{"TextContentUpdate":"x","ZipFileContentUpdate":""}}}}"#, Arg, "ApplicationConfigurationUpdate.ApplicationCodeConfigurationUpdate.CodeContentUpdate: give only one of"),
        ("update: parallelism 0", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"ApplicationConfigurationUpdate":{"FlinkApplicationConfigurationUpdate":{"ParallelismConfigurationUpdate":{"ParallelismUpdate":0}}}}"#, Arg, "ApplicationConfigurationUpdate.FlinkApplicationConfigurationUpdate.ParallelismConfigurationUpdate.ParallelismUpdate: "),
        ("update: restore type missing", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"RunConfigurationUpdate":{"ApplicationRestoreConfiguration":{}}}"#, Arg, "RunConfigurationUpdate.ApplicationRestoreConfiguration.ApplicationRestoreType: is required"),
        ("update: empty snapshot ARN", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"RunConfigurationUpdate":{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotArn":""}}}"#, Arg, "RunConfigurationUpdate.ApplicationRestoreConfiguration.SnapshotArn: must be between 1 and 2048"),
        ("update: bad log option id", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"CloudWatchLoggingOptionUpdates":[{"CloudWatchLoggingOptionId":"a b"}]}"#, Arg, "CloudWatchLoggingOptionUpdates[0].CloudWatchLoggingOptionId: "),
        ("update: SQL input without id", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"ApplicationConfigurationUpdate":{"SqlApplicationConfigurationUpdate":{"InputUpdates":[{}]}}}"#, Arg, "ApplicationConfigurationUpdate.SqlApplicationConfigurationUpdate.InputUpdates[0].InputId: is required"),
        ("update: bad base64", upd, r#"{"ApplicationName":"a","CurrentApplicationVersionId":1,"ApplicationConfigurationUpdate":{"ApplicationCodeConfigurationUpdate":{"CodeContentUpdate":{"ZipFileContentUpdate":"@@"}}}}"#, Ser, "base64"),
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

#[test]
fn the_other_operations_parse_to_plain_fields() {
    // botocore sends timestamps as integers or floats; either becomes milliseconds.
    for (ts, ms) in [
        ("1764134400", 1_764_134_400_000),
        ("1764134400.123", 1_764_134_400_123),
        ("1764134400.1236", 1_764_134_400_124),
        ("1.764134400123E9", 1_764_134_400_123),
    ] {
        let body = format!(r#"{{"ApplicationName":"a","CreateTimestamp":{ts}}}"#);
        assert_eq!(
            DeleteApplicationRequest::parse(body.as_bytes()).unwrap(),
            DeleteApplicationRequest {
                application_name: "a".into(),
                create_timestamp_ms: ms
            },
            "{ts}"
        );
    }
    assert_eq!(
        DescribeApplicationRequest::parse(
            br#"{"ApplicationName":"a","IncludeAdditionalDetails":true}"#
        )
        .unwrap(),
        DescribeApplicationRequest {
            application_name: "a".into(),
            include_additional_details: true
        }
    );
    assert_eq!(
        ListApplicationVersionsRequest::parse(
            br#"{"ApplicationName":"a","Limit":50,"NextToken":"4"}"#
        )
        .unwrap(),
        ListApplicationVersionsRequest {
            application_name: "a".into(),
            limit: Some(50),
            next_token: Some("4".into())
        }
    );
    assert_eq!(
        UntagResourceRequest::parse(br#"{"ResourceARN":"arn:a","TagKeys":["x","y"]}"#)
            .unwrap()
            .tag_keys,
        ["x", "y"]
    );
    assert_eq!(
        AddApplicationCloudWatchLoggingOptionRequest::parse(
            br#"{"ApplicationName":"a","CurrentApplicationVersionId":2,"CloudWatchLoggingOption":{"LogStreamARN":"arn:s"}}"#
        )
        .unwrap(),
        AddApplicationCloudWatchLoggingOptionRequest {
            application_name: "a".into(),
            current_version_id: Some(2),
            log_stream_arn: "arn:s".into(),
            conditional_token: None
        }
    );
    assert_eq!(
        UpdateApplicationMaintenanceConfigurationRequest::parse(
            br#"{"ApplicationName":"a","ApplicationMaintenanceConfigurationUpdate":{"ApplicationMaintenanceWindowStartTimeUpdate":"23:59"}}"#
        )
        .unwrap()
        .maintenance_window_start,
        "23:59"
    );
}

#[test]
fn patterns_match_whole_values_as_the_model_means() {
    let table: &[(Pattern, &str, bool)] = &[
        (Pattern::Name, "my-app_1.0", true),
        (Pattern::Name, "my app", false),
        (Pattern::Name, "", false),
        (Pattern::Name, "é", false),
        (Pattern::Arn, "arn:aws:iam::1:role/r", true),
        (Pattern::Arn, "arn:", true),
        (Pattern::Arn, "xarn:a", false),
        (Pattern::Arn, "arn:a\nb", false),
        (Pattern::Token, "AbC09-_+/=", true),
        (Pattern::Token, "a:b", false),
        (Pattern::HourMinute, "00:00", true),
        (Pattern::HourMinute, "23:59", true),
        (Pattern::HourMinute, "24:00", false),
        (Pattern::HourMinute, "12:60", false),
        (Pattern::HourMinute, "1:00", false),
        (Pattern::BasePath, "notebooks/app_1.zip", true),
        (Pattern::BasePath, "A:[x]", true),
        (Pattern::BasePath, "a b", false),
        (Pattern::BasePath, "a~b", false),
        (Pattern::InAppName, "SOURCE_SQL_STREAM", true),
        (Pattern::InAppName, "a-b", false),
        (Pattern::InAppName, "a<b", false),
        (Pattern::InAppName, "a\tb", false),
        (Pattern::RowPath, "$.orders[0]", true),
        (Pattern::RowPath, "$ x", false),
        (Pattern::RowPath, "x", false),
        (Pattern::Utf8, "UTF-8", true),
        (Pattern::Utf8, "utf-8", false),
        (
            Pattern::LogGroupName,
            "/aws/kinesis-analytics/my-app_1.0#x",
            true,
        ),
        (Pattern::LogGroupName, "", false),
        (Pattern::LogGroupName, "a:b", false),
        (Pattern::LogGroupName, "a b", false),
        (Pattern::LogGroupNameOrEmpty, "", true),
        (Pattern::LogGroupNameOrEmpty, "kinesis", true),
        (Pattern::LogGroupNameOrEmpty, "a*", false),
        (
            Pattern::LogGroupIdentifier,
            "arn:aws:logs:us-east-1:1:log-group:/g",
            true,
        ),
        (Pattern::LogGroupIdentifier, "a_b+c=d,e@f", true),
        (
            Pattern::LogGroupIdentifier,
            "arn:aws:logs:us-east-1:1:log-group:/g:*",
            false,
        ),
        (Pattern::LogGroupIdentifier, "a b", false),
        (Pattern::LogStreamName, "kinesis-analytics-log-stream", true),
        (Pattern::LogStreamName, "any thing/at all", true),
        (Pattern::LogStreamName, "a:b", false),
        (Pattern::LogStreamName, "a*", false),
    ];
    for (p, s, ok) in table {
        assert_eq!(p.matches(s), *ok, "{} vs {s:?}", p.source());
    }
}

fn stored() -> StoredCode {
    StoredCode {
        sha256: "e3b0".into(),
        md5: "d41d8cd98f00b204e9800998ecf8427e".into(),
        size: 5,
    }
}

/// Version 1 of an application made with every default.
fn application() -> Application {
    let body = json!({
        "ApplicationName": "app",
        "RuntimeEnvironment": "FLINK-1_20",
        "ServiceExecutionRole": ROLE,
        "ApplicationConfiguration": {"ApplicationCodeConfiguration": {
            "CodeContentType": "ZIPFILE", "CodeContent": {"ZipFileContent": "UEsDBAo="}
        }}
    });
    let (new, _) = create(&body).unwrap();
    let new = new
        .try_map_code(|_| Ok::<_, ()>(CodeContent::Zip(stored())))
        .unwrap();
    spec::create(
        new,
        &Stamp {
            now: 1_764_134_400_123,
            conditional_token: "token-1".into(),
        },
    )
    .unwrap()
}

#[test]
fn the_detail_of_a_default_application_reports_the_service_defaults() {
    let app = application();
    let detail = serde_json::to_value(DescribeApplicationResponse::new(&app)).unwrap();
    let d = &detail["ApplicationDetail"];
    // The members the model requires of ApplicationDetail, and those the service always sends.
    for member in [
        "ApplicationARN",
        "ApplicationName",
        "RuntimeEnvironment",
        "ApplicationStatus",
        "ApplicationVersionId",
        "ServiceExecutionRole",
        "CreateTimestamp",
        "LastUpdateTimestamp",
        "ApplicationConfigurationDescription",
        "CloudWatchLoggingOptionDescriptions",
        "ApplicationMaintenanceConfigurationDescription",
        "ApplicationVersionCreateTimestamp",
        "ConditionalToken",
        "ApplicationMode",
    ] {
        assert!(d.get(member).is_some(), "{member} missing from {d:#}");
    }
    for absent in [
        "ApplicationDescription",
        "ApplicationVersionUpdatedFrom",
        "ApplicationVersionRolledBackFrom",
        "ApplicationVersionRolledBackTo",
    ] {
        assert!(d.get(absent).is_none(), "{absent} should be absent");
    }
    assert_eq!(d["ApplicationStatus"], "READY");
    assert_eq!(d["ApplicationVersionId"], 1);
    assert_eq!(d["ApplicationMode"], "STREAMING");
    assert_eq!(d["RuntimeEnvironment"], "FLINK-1_20");
    assert_eq!(d["CloudWatchLoggingOptionDescriptions"], json!([]));
    assert_eq!(d["CreateTimestamp"].as_f64(), Some(1_764_134_400.123));
    assert!(serde_json::to_string(&detail)
        .unwrap()
        .contains("\"CreateTimestamp\":1764134400.123"));

    let c = &d["ApplicationConfigurationDescription"];
    assert_eq!(
        c["FlinkApplicationConfigurationDescription"],
        json!({
            "CheckpointConfigurationDescription": {
                "ConfigurationType": "DEFAULT",
                "CheckpointingEnabled": true,
                "CheckpointInterval": 60000,
                "MinPauseBetweenCheckpoints": 5000
            },
            "MonitoringConfigurationDescription": {
                "ConfigurationType": "DEFAULT",
                "MetricsLevel": "APPLICATION",
                "LogLevel": "INFO"
            },
            "ParallelismConfigurationDescription": {
                "ConfigurationType": "DEFAULT",
                "Parallelism": 1,
                "ParallelismPerKPU": 1,
                "CurrentParallelism": 1,
                "AutoScalingEnabled": true
            }
        })
    );
    assert_eq!(
        c["ApplicationCodeConfigurationDescription"],
        json!({
            "CodeContentType": "ZIPFILE",
            "CodeContentDescription": {"CodeMD5": "d41d8cd98f00b204e9800998ecf8427e", "CodeSize": 5}
        })
    );
    assert_eq!(
        c["RunConfigurationDescription"],
        json!({
            "ApplicationRestoreConfigurationDescription": {"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"},
            "FlinkRunConfigurationDescription": {"AllowNonRestoredState": false}
        })
    );
    assert_eq!(
        c["ApplicationSnapshotConfigurationDescription"],
        json!({"SnapshotsEnabled": true})
    );
    assert_eq!(
        c["ApplicationSystemRollbackConfigurationDescription"],
        json!({"RollbackEnabled": false})
    );
    for absent in [
        "EnvironmentPropertyDescriptions",
        "ApplicationEncryptionConfigurationDescription",
        "VpcConfigurationDescriptions",
    ] {
        assert!(c.get(absent).is_none(), "{absent} should be absent");
    }
    assert_eq!(
        d["ApplicationMaintenanceConfigurationDescription"],
        json!({
            "ApplicationMaintenanceWindowStartTime": "06:00",
            "ApplicationMaintenanceWindowEndTime": "14:00"
        })
    );
}

#[test]
fn the_detail_reports_what_was_set() {
    let mut app = application();
    app.description = Some("d".into());
    app.version_updated_from = Some(1);
    app.config.environment_properties = Some(vec![PropertyGroup {
        id: "g".into(),
        properties: vec![("a".into(), "1".into()), ("b".into(), "2".into())],
    }]);
    app.config.encryption = Some(EncryptionConfig {
        key_type: KeyType::AwsOwnedKey,
        key_id: None,
    });
    app.config.snapshots.mode = Some(SnapshotMode::Enhanced);
    app.config.code = Some(CodeConfig {
        content_type: CodeContentType::Zipfile,
        content: CodeContent::S3 {
            location: S3Location {
                bucket_arn: BUCKET.into(),
                file_key: "app.jar".into(),
                object_version: None,
            },
            stored: stored(),
        },
    });
    app.logging_options.push(LoggingOption {
        id: "1.1".into(),
        log_stream_arn: "arn:aws:logs:s".into(),
        role_arn: None,
    });
    app.status = ApplicationStatus::ForceStopping;
    let d = serde_json::to_value(application_detail(&app)).unwrap();
    let c = &d["ApplicationConfigurationDescription"];
    assert_eq!(d["ApplicationDescription"], "d");
    assert_eq!(d["ApplicationVersionUpdatedFrom"], 1);
    assert_eq!(d["ApplicationStatus"], "FORCE_STOPPING");
    assert_eq!(
        c["EnvironmentPropertyDescriptions"],
        json!({"PropertyGroupDescriptions": [{"PropertyGroupId": "g", "PropertyMap": {"a": "1", "b": "2"}}]})
    );
    assert_eq!(
        c["ApplicationEncryptionConfigurationDescription"],
        json!({"KeyType": "AWS_OWNED_KEY"})
    );
    assert_eq!(
        c["ApplicationSnapshotConfigurationDescription"]["SnapshotMode"],
        "ENHANCED_SNAPSHOTS"
    );
    assert_eq!(
        c["ApplicationCodeConfigurationDescription"]["CodeContentDescription"]
            ["S3ApplicationCodeLocationDescription"],
        json!({"BucketARN": BUCKET, "FileKey": "app.jar"})
    );
    assert_eq!(
        d["CloudWatchLoggingOptionDescriptions"],
        json!([{"CloudWatchLoggingOptionId": "1.1", "LogStreamARN": "arn:aws:logs:s"}])
    );
}

#[test]
fn the_other_responses_have_the_model_members() {
    let app = application();
    let tags = [Tag {
        key: "k".into(),
        value: None,
    }];
    let table: Vec<(&str, Value, Value)> = vec![
        (
            "ListApplications",
            serde_json::to_value(ListApplicationsResponse::new([&app], Some("app".into())))
                .unwrap(),
            json!({
                "ApplicationSummaries": [{
                    "ApplicationName": "app",
                    "ApplicationARN": app.arn,
                    "ApplicationStatus": "READY",
                    "ApplicationVersionId": 1,
                    "RuntimeEnvironment": "FLINK-1_20",
                    "ApplicationMode": "STREAMING"
                }],
                "NextToken": "app"
            }),
        ),
        (
            "ListApplicationVersions",
            serde_json::to_value(ListApplicationVersionsResponse::new([&app], None)).unwrap(),
            json!({"ApplicationVersionSummaries": [{"ApplicationVersionId": 1, "ApplicationStatus": "READY"}]}),
        ),
        (
            "ListTagsForResource",
            serde_json::to_value(ListTagsForResourceResponse::new(&tags)).unwrap(),
            json!({"Tags": [{"Key": "k"}]}),
        ),
        (
            "AddApplicationCloudWatchLoggingOption",
            serde_json::to_value(AddApplicationCloudWatchLoggingOptionResponse::new(
                &app,
                Some("op-1"),
            ))
            .unwrap(),
            json!({
                "ApplicationARN": app.arn,
                "ApplicationVersionId": 1,
                "CloudWatchLoggingOptionDescriptions": [],
                "OperationId": "op-1"
            }),
        ),
        (
            "UpdateApplicationMaintenanceConfiguration",
            serde_json::to_value(UpdateApplicationMaintenanceConfigurationResponse::new(&app))
                .unwrap(),
            json!({
                "ApplicationARN": app.arn,
                "ApplicationMaintenanceConfigurationDescription": {
                    "ApplicationMaintenanceWindowStartTime": "06:00",
                    "ApplicationMaintenanceWindowEndTime": "14:00"
                }
            }),
        ),
        (
            "DeleteApplication",
            serde_json::to_value(DeleteApplicationResponse::default()).unwrap(),
            json!({}),
        ),
    ];
    for (op, got, want) in table {
        assert_eq!(got, want, "{op}");
    }
    let v = serde_json::to_value(UpdateApplicationResponse::new(&app, None)).unwrap();
    assert!(v.get("OperationId").is_none() && v["ApplicationDetail"].is_object());
    let v = serde_json::to_value(DescribeApplicationVersionResponse::new(&app)).unwrap();
    assert_eq!(v["ApplicationVersionDetail"]["ApplicationVersionId"], 1);
    let v = serde_json::to_value(CreateApplicationResponse::new(&app)).unwrap();
    assert_eq!(v["ApplicationDetail"]["ApplicationName"], "app");
    assert_eq!(encode(&EmptyResponse {}).unwrap(), b"{}");
}

#[test]
fn every_model_enum_spelling_round_trips() {
    fn round_trip<E: WireEnum + PartialEq + std::fmt::Debug>() {
        for e in E::ALL {
            assert_eq!(E::from_wire(e.wire()), Some(*e));
        }
    }
    round_trip::<RuntimeEnvironment>();
    round_trip::<ApplicationStatus>();
    round_trip::<ApplicationMode>();
    round_trip::<CodeContentType>();
    round_trip::<ConfigurationType>();
    round_trip::<MetricsLevel>();
    round_trip::<LogLevel>();
    round_trip::<SnapshotMode>();
    round_trip::<RestoreType>();
    round_trip::<KeyType>();
    round_trip::<weir_control::snapshot::SnapshotStatus>();
    assert_eq!(SnapshotMode::Legacy.wire(), "APPLICATION_SNAPSHOTS_LEGACY");
    assert_eq!(
        RestoreType::RestoreFromLatestSnapshot.wire(),
        "RESTORE_FROM_LATEST_SNAPSHOT"
    );
}

#[test]
fn a_rollback_answers_the_version_it_made_and_its_operation() {
    let mut app = application();
    app.version_id = 4;
    app.status = ApplicationStatus::RollingBack;
    app.version_updated_from = Some(2);
    app.version_rolled_back_from = Some(3);
    app.version_rolled_back_to = Some(2);
    app.config.run.restore = RestoreConfig {
        restore_type: RestoreType::RestoreFromCustomSnapshot,
        snapshot_name: Some("snap-1".into()),
        snapshot_arn: None,
    };
    app.config.run.allow_non_restored_state = true;
    let v = serde_json::to_value(RollbackApplicationResponse::new(&app, "op-7")).unwrap();
    assert_eq!(v["OperationId"], "op-7");
    let d = &v["ApplicationDetail"];
    assert_eq!(d["ApplicationStatus"], "ROLLING_BACK");
    assert_eq!(d["ApplicationVersionId"], 4);
    assert_eq!(d["ApplicationVersionUpdatedFrom"], 2);
    assert_eq!(d["ApplicationVersionRolledBackFrom"], 3);
    assert_eq!(d["ApplicationVersionRolledBackTo"], 2);
    assert_eq!(
        d["ApplicationConfigurationDescription"]["RunConfigurationDescription"],
        json!({
            "ApplicationRestoreConfigurationDescription": {
                "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT",
                "SnapshotName": "snap-1"
            },
            "FlinkRunConfigurationDescription": {"AllowNonRestoredState": true}
        })
    );
    // DescribeApplication reports the same detail.
    let described = serde_json::to_value(DescribeApplicationResponse::new(&app)).unwrap();
    assert_eq!(&described["ApplicationDetail"], d);
}

#[test]
fn rollback_requests_need_the_current_version() {
    assert_eq!(
        RollbackApplicationRequest::parse(
            br#"{"ApplicationName":"a","CurrentApplicationVersionId":3}"#
        )
        .unwrap(),
        RollbackApplicationRequest {
            application_name: "a".into(),
            current_version_id: 3
        }
    );
    for (body, kind, text) in [
        (
            r#"{"CurrentApplicationVersionId":3}"#,
            ErrorKind::InvalidArgument,
            "ApplicationName: is required",
        ),
        (
            r#"{"ApplicationName":"a"}"#,
            ErrorKind::InvalidArgument,
            "CurrentApplicationVersionId: is required",
        ),
        (
            r#"{"ApplicationName":"a","CurrentApplicationVersionId":0}"#,
            ErrorKind::InvalidArgument,
            "CurrentApplicationVersionId: must be between 1 and 999999999, is 0",
        ),
        (
            r#"{"ApplicationName":"a","CurrentApplicationVersionId":1000000000}"#,
            ErrorKind::InvalidArgument,
            "CurrentApplicationVersionId: must be between 1 and 999999999",
        ),
        (
            r#"{"ApplicationName":"a","CurrentApplicationVersionId":"3"}"#,
            ErrorKind::Serialization,
            "member CurrentApplicationVersionId has the wrong type",
        ),
        // A ConditionalToken is no substitute: the model has none here.
        (
            r#"{"ApplicationName":"a","ConditionalToken":"t"}"#,
            ErrorKind::InvalidArgument,
            "CurrentApplicationVersionId: is required",
        ),
    ] {
        let err = RollbackApplicationRequest::parse(body.as_bytes()).unwrap_err();
        assert_eq!(err.kind, kind, "{body}: {err}");
        assert!(err.message.contains(text), "{body}: {:?}", err.message);
    }
}

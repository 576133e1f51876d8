//! Black-box tests of the control-plane API (issue 2) through the official
//! `aws-sdk-kinesisanalyticsv2` client against the real `weir` binary.
//!
//! Each test starts its own server on a free port, so they run in parallel.
//! Assertions use the SDK's typed error variants where the operation declares
//! the error, and the raw wire (`Weir::raw`) where the SDK cannot express the
//! request or hides the difference (missing members, bad JSON, clock skew).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use aws_sdk_kinesisanalyticsv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kinesisanalyticsv2::primitives::{Blob, DateTime};
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationCodeConfiguration, ApplicationCodeConfigurationUpdate, ApplicationConfiguration,
    ApplicationConfigurationUpdate, ApplicationDetail, ApplicationMaintenanceConfigurationUpdate,
    ApplicationMode, ApplicationRestoreConfiguration, ApplicationRestoreType,
    ApplicationSnapshotConfiguration, ApplicationSnapshotConfigurationUpdate, ApplicationStatus,
    ApplicationSystemRollbackConfiguration, ApplicationSystemRollbackConfigurationUpdate,
    CheckpointConfiguration, CheckpointConfigurationUpdate, CloudWatchLoggingOption,
    CloudWatchLoggingOptionUpdate, CodeContent, CodeContentType, CodeContentUpdate,
    ConfigurationType, EnvironmentProperties, EnvironmentPropertyUpdates,
    FlinkApplicationConfiguration, FlinkApplicationConfigurationUpdate, LogLevel, MetricsLevel,
    MonitoringConfiguration, MonitoringConfigurationUpdate, ParallelismConfiguration,
    ParallelismConfigurationUpdate, PropertyGroup, RunConfiguration, RuntimeEnvironment,
    S3ContentLocation, S3ContentLocationUpdate, Tag,
};
use aws_sdk_kinesisanalyticsv2::Client;
use md5::{Digest, Md5};
use serde_json::{json, Value};
use weir_test_support::server::*;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A valid, empty ZIP archive whose comment makes its bytes unique.
fn zip(comment: &str) -> Vec<u8> {
    let mut bytes = b"PK\x05\x06".to_vec();
    bytes.extend([0u8; 16]);
    bytes.extend((comment.len() as u16).to_le_bytes());
    bytes.extend(comment.as_bytes());
    bytes
}

fn arn(name: &str) -> String {
    format!("arn:aws:kinesisanalytics:{REGION}:{ACCOUNT_ID}:application/{name}")
}

fn log_stream(n: u32) -> String {
    format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/kinesis-analytics/app:log-stream:stream-{n}")
}

fn code(bytes: &[u8]) -> ApplicationCodeConfiguration {
    ApplicationCodeConfiguration::builder()
        .code_content_type(CodeContentType::Zipfile)
        .code_content(
            CodeContent::builder()
                .zip_file_content(Blob::new(bytes.to_vec()))
                .build(),
        )
        .build()
        .unwrap()
}

fn s3_code(bucket: &str, key: &str) -> ApplicationCodeConfiguration {
    ApplicationCodeConfiguration::builder()
        .code_content_type(CodeContentType::Zipfile)
        .code_content(
            CodeContent::builder()
                .s3_content_location(
                    S3ContentLocation::builder()
                        .bucket_arn(format!("arn:aws:s3:::{bucket}"))
                        .file_key(key)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// CreateApplication with the minimum a Flink application needs.
fn create(
    client: &Client,
    name: &str,
) -> aws_sdk_kinesisanalyticsv2::operation::create_application::builders::CreateApplicationFluentBuilder
{
    client
        .create_application()
        .application_name(name)
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(code(&zip(name)))
                .build(),
        )
}

async fn create_app(client: &Client, name: &str) -> ApplicationDetail {
    create(client, name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
        .application_detail
        .expect("ApplicationDetail")
}

async fn describe(client: &Client, name: &str) -> ApplicationDetail {
    client
        .describe_application()
        .application_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe {name}: {e:?}"))
        .application_detail
        .expect("ApplicationDetail")
}

/// The service error of a refused SDK call; panics on success or on a
/// failure that is not a service error (connection, decoding...).
#[track_caller]
fn refused<T: Debug, E: Debug, R: Debug>(result: Result<T, SdkError<E, R>>) -> E {
    match result {
        Ok(value) => panic!("expected a refusal, got success: {value:?}"),
        Err(SdkError::ServiceError(err)) => err.into_err(),
        Err(other) => panic!("expected a service error, got {other:?}"),
    }
}

/// The error code and message of a refused SDK call, whatever the variant
/// (for errors an operation does not declare, the SDK gives `Unhandled`).
#[track_caller]
fn refused_code<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    result: Result<T, SdkError<E, R>>,
) -> (String, String) {
    let err = refused(result);
    (
        err.code().unwrap_or("<no code>").to_string(),
        err.message().unwrap_or_default().to_string(),
    )
}

#[track_caller]
fn assert_names_member(message: Option<&str>, member: &str) {
    let message = message.unwrap_or_default();
    assert!(
        message.contains(member),
        "the error message should name `{member}`: {message:?}"
    );
}

/// Everything a client can observe about one application (and the catalogue),
/// as raw JSON, to check that refused requests change nothing.
async fn observe(weir: &Weir, name: &str) -> Value {
    let mut all = serde_json::Map::new();
    for (op, body) in [
        ("DescribeApplication", json!({"ApplicationName": name})),
        ("ListTagsForResource", json!({"ResourceARN": arn(name)})),
        ("ListApplicationVersions", json!({"ApplicationName": name})),
        ("ListApplications", json!({})),
    ] {
        let (status, json) = weir.raw(op, body).await;
        all.insert(op.to_string(), json!({"status": status, "body": json}));
    }
    Value::Object(all)
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

// ---------------------------------------------------------------------------
// Server process
// ---------------------------------------------------------------------------

#[tokio::test]
async fn healthz_answers_and_sigterm_shuts_down_cleanly() {
    let mut weir = Weir::start();
    assert_eq!(weir.healthz().unwrap(), 200);
    create_app(&weir.client(), "before-shutdown").await;
    let status = weir.terminate();
    assert!(
        status.success(),
        "weir should exit 0 on SIGTERM, got {status}"
    );
}

#[tokio::test]
async fn generated_credentials_are_stored_privately_and_work() {
    use std::os::unix::fs::PermissionsExt;
    let weir = Weir::start_with(|cmd| {
        cmd.env_remove("WEIR_ACCESS_KEY_ID")
            .env_remove("WEIR_SECRET_ACCESS_KEY");
    });
    let path = weir.data_dir().join("credentials");
    let meta =
        std::fs::metadata(&path).unwrap_or_else(|e| panic!("{} should exist: {e}", path.display()));
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "{} must be mode 0600",
        path.display()
    );
    assert!(
        weir.log().contains("credentials"),
        "weir should say on stderr where the generated key pair is:\n{}",
        weir.log()
    );

    // Find the pair in whatever reasonable format it was written
    // (AWS credentials file, KEY=VALUE, JSON...).
    let text = std::fs::read_to_string(&path).unwrap();
    let find = |needle: &str| -> Option<String> {
        for line in text.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.replace(['-', '_'], "").contains(needle) {
                let value = line.split(['=', ':']).nth(1)?;
                return Some(value.trim().trim_matches(['"', ',', ' ']).to_string());
            }
        }
        None
    };
    let access_key_id = find("accesskeyid").expect("an access key id in the credentials file");
    let secret = find("secretaccesskey").expect("a secret access key in the credentials file");

    let client = weir.client_with(&access_key_id, &secret);
    create_app(&client, "with-generated-key").await;
    // The test key pair is not configured on this server.
    let (code, _) = refused_code(weir.client().list_applications().send().await);
    assert_eq!(code, "UnrecognizedClientException");
}

#[tokio::test]
async fn no_auth_is_allowed_on_loopback() {
    let weir = Weir::start_with(|cmd| {
        cmd.arg("--no-auth");
    });
    let (status, body) = weir.raw_unsigned("ListApplications", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["ApplicationSummaries"].is_array(), "{body}");
}

#[tokio::test]
async fn no_auth_is_refused_on_a_public_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Weir::base_command(dir.path(), "0.0.0.0:0")
        .arg("--no-auth")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if status.is_none() {
        // SAFETY: kill(2) on the process group of the child we spawned.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        let _ = child.wait();
    }
    let output = child.wait_with_output().unwrap();
    let status = status.expect("`--no-auth` on 0.0.0.0 must make weir refuse to start");
    assert!(!status.success(), "weir must exit non-zero");
    assert!(
        output.stdout.is_empty(),
        "weir must not report listening: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-auth"), "say why: {stderr}");
}

// ---------------------------------------------------------------------------
// CreateApplication / DescribeApplication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn create_reports_the_full_application_detail_with_defaults() {
    let weir = Weir::start();
    let client = weir.client();
    let content = zip("hello weir");
    let before = SystemTime::now() - Duration::from_secs(5);
    let created = client
        .create_application()
        .application_name("orders-1.x_v2")
        .application_description("counts orders")
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(code(&content))
                .flink_application_configuration(
                    FlinkApplicationConfiguration::builder()
                        .checkpoint_configuration(
                            CheckpointConfiguration::builder()
                                .configuration_type(ConfigurationType::Default)
                                .build()
                                .unwrap(),
                        )
                        .monitoring_configuration(
                            MonitoringConfiguration::builder()
                                .configuration_type(ConfigurationType::Default)
                                .build()
                                .unwrap(),
                        )
                        .parallelism_configuration(
                            ParallelismConfiguration::builder()
                                .configuration_type(ConfigurationType::Default)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();

    let detail = describe(&client, "orders-1.x_v2").await;
    assert_eq!(
        created, detail,
        "CreateApplication and DescribeApplication disagree"
    );

    assert_eq!(detail.application_name(), "orders-1.x_v2");
    assert_eq!(detail.application_arn(), arn("orders-1.x_v2"));
    assert_eq!(detail.application_description(), Some("counts orders"));
    assert_eq!(detail.runtime_environment(), &RuntimeEnvironment::Flink120);
    assert_eq!(detail.service_execution_role(), Some(ROLE));
    assert_eq!(detail.application_status(), &ApplicationStatus::Ready);
    assert_eq!(detail.application_version_id(), 1);
    assert_eq!(detail.application_mode(), Some(&ApplicationMode::Streaming));
    assert!(detail.conditional_token().is_some_and(|t| !t.is_empty()));
    let created_at = detail.create_timestamp().expect("CreateTimestamp");
    let created_at = SystemTime::try_from(*created_at).unwrap();
    assert!(
        created_at >= before && created_at <= SystemTime::now() + Duration::from_secs(5),
        "CreateTimestamp {created_at:?} is not now"
    );
    assert!(
        detail.last_update_timestamp().is_some(),
        "LastUpdateTimestamp"
    );
    assert!(detail.cloud_watch_logging_option_descriptions().is_empty());
    let maintenance = detail
        .application_maintenance_configuration_description()
        .expect("ApplicationMaintenanceConfigurationDescription");
    assert_eq!(
        maintenance
            .application_maintenance_window_start_time()
            .len(),
        5
    );
    assert_eq!(
        maintenance.application_maintenance_window_end_time().len(),
        5
    );

    let config = detail
        .application_configuration_description()
        .expect("ApplicationConfigurationDescription");
    let code = config
        .application_code_configuration_description()
        .expect("ApplicationCodeConfigurationDescription");
    assert_eq!(code.code_content_type(), &CodeContentType::Zipfile);
    let content_description = code
        .code_content_description()
        .expect("CodeContentDescription");
    assert_eq!(content_description.code_size(), Some(content.len() as i64));
    assert_eq!(
        content_description.code_md5().map(str::to_ascii_lowercase),
        Some(md5_hex(&content))
    );
    assert!(content_description
        .s3_application_code_location_description()
        .is_none());

    let flink = config
        .flink_application_configuration_description()
        .expect("FlinkApplicationConfigurationDescription");
    let checkpoint = flink
        .checkpoint_configuration_description()
        .expect("checkpoints");
    assert_eq!(
        checkpoint.configuration_type(),
        Some(&ConfigurationType::Default)
    );
    assert_eq!(checkpoint.checkpointing_enabled(), Some(true));
    assert_eq!(checkpoint.checkpoint_interval(), Some(60_000));
    assert_eq!(checkpoint.min_pause_between_checkpoints(), Some(5_000));
    let parallelism = flink
        .parallelism_configuration_description()
        .expect("parallelism");
    assert_eq!(
        parallelism.configuration_type(),
        Some(&ConfigurationType::Default)
    );
    assert_eq!(parallelism.parallelism(), Some(1));
    assert_eq!(parallelism.parallelism_per_kpu(), Some(1));
    assert_eq!(parallelism.auto_scaling_enabled(), Some(true));
    let monitoring = flink
        .monitoring_configuration_description()
        .expect("monitoring");
    assert_eq!(
        monitoring.configuration_type(),
        Some(&ConfigurationType::Default)
    );
    assert_eq!(monitoring.metrics_level(), Some(&MetricsLevel::Application));
    assert_eq!(monitoring.log_level(), Some(&LogLevel::Info));
    assert!(
        config
            .application_snapshot_configuration_description()
            .is_some(),
        "ApplicationSnapshotConfigurationDescription"
    );
    assert!(
        config
            .application_system_rollback_configuration_description()
            .is_some(),
        "ApplicationSystemRollbackConfigurationDescription"
    );

    // IncludeAdditionalDetails is accepted and describes the same application.
    let with_details = client
        .describe_application()
        .application_name("orders-1.x_v2")
        .include_additional_details(true)
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(with_details.application_arn(), detail.application_arn());
    assert_eq!(with_details.application_version_id(), 1);
}

#[tokio::test]
async fn omitted_flink_configuration_gets_the_defaults() {
    let weir = Weir::start();
    let detail = create_app(&weir.client(), "plain").await;
    let flink = detail
        .application_configuration_description()
        .and_then(|c| c.flink_application_configuration_description())
        .expect("FlinkApplicationConfigurationDescription");
    let checkpoint = flink.checkpoint_configuration_description().unwrap();
    assert_eq!(
        checkpoint.configuration_type(),
        Some(&ConfigurationType::Default)
    );
    assert_eq!(checkpoint.checkpointing_enabled(), Some(true));
    assert_eq!(checkpoint.checkpoint_interval(), Some(60_000));
    assert_eq!(checkpoint.min_pause_between_checkpoints(), Some(5_000));
    let parallelism = flink.parallelism_configuration_description().unwrap();
    assert_eq!(parallelism.parallelism(), Some(1));
    assert_eq!(parallelism.parallelism_per_kpu(), Some(1));
    assert_eq!(parallelism.auto_scaling_enabled(), Some(true));
    let monitoring = flink.monitoring_configuration_description().unwrap();
    assert_eq!(monitoring.metrics_level(), Some(&MetricsLevel::Application));
    assert_eq!(monitoring.log_level(), Some(&LogLevel::Info));
}

#[tokio::test]
async fn create_round_trips_a_custom_configuration() {
    let weir = Weir::start();
    let client = weir.client();
    let detail = client
        .create_application()
        .application_name("custom")
        .runtime_environment(RuntimeEnvironment::Flink22)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(code(&zip("custom")))
                .flink_application_configuration(
                    FlinkApplicationConfiguration::builder()
                        .checkpoint_configuration(
                            CheckpointConfiguration::builder()
                                .configuration_type(ConfigurationType::Custom)
                                .checkpointing_enabled(false)
                                .checkpoint_interval(10_000)
                                .min_pause_between_checkpoints(1_000)
                                .build()
                                .unwrap(),
                        )
                        .monitoring_configuration(
                            MonitoringConfiguration::builder()
                                .configuration_type(ConfigurationType::Custom)
                                .metrics_level(MetricsLevel::Task)
                                .log_level(LogLevel::Debug)
                                .build()
                                .unwrap(),
                        )
                        .parallelism_configuration(
                            ParallelismConfiguration::builder()
                                .configuration_type(ConfigurationType::Custom)
                                .parallelism(4)
                                .parallelism_per_kpu(2)
                                .auto_scaling_enabled(false)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .environment_properties(
                    EnvironmentProperties::builder()
                        .property_groups(
                            PropertyGroup::builder()
                                .property_group_id("ConsumerConfigProperties")
                                .property_map("input.stream", "orders")
                                .property_map("aws.region", "us-east-1")
                                .build()
                                .unwrap(),
                        )
                        .property_groups(
                            PropertyGroup::builder()
                                .property_group_id("Sink")
                                .property_map("path", "/tmp/out")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .application_snapshot_configuration(
                    ApplicationSnapshotConfiguration::builder()
                        .snapshots_enabled(true)
                        .build()
                        .unwrap(),
                )
                .application_system_rollback_configuration(
                    ApplicationSystemRollbackConfiguration::builder()
                        .rollback_enabled(true)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .cloud_watch_logging_options(
            CloudWatchLoggingOption::builder()
                .log_stream_arn(log_stream(1))
                .build()
                .unwrap(),
        )
        .tags(tag("team", "data"))
        .tags(tag("env", "test"))
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(detail, describe(&client, "custom").await);
    assert_eq!(detail.runtime_environment(), &RuntimeEnvironment::Flink22);

    let config = detail.application_configuration_description().unwrap();
    let flink = config
        .flink_application_configuration_description()
        .unwrap();
    let checkpoint = flink.checkpoint_configuration_description().unwrap();
    assert_eq!(
        checkpoint.configuration_type(),
        Some(&ConfigurationType::Custom)
    );
    assert_eq!(checkpoint.checkpointing_enabled(), Some(false));
    assert_eq!(checkpoint.checkpoint_interval(), Some(10_000));
    assert_eq!(checkpoint.min_pause_between_checkpoints(), Some(1_000));
    let monitoring = flink.monitoring_configuration_description().unwrap();
    assert_eq!(
        monitoring.configuration_type(),
        Some(&ConfigurationType::Custom)
    );
    assert_eq!(monitoring.metrics_level(), Some(&MetricsLevel::Task));
    assert_eq!(monitoring.log_level(), Some(&LogLevel::Debug));
    let parallelism = flink.parallelism_configuration_description().unwrap();
    assert_eq!(
        parallelism.configuration_type(),
        Some(&ConfigurationType::Custom)
    );
    assert_eq!(parallelism.parallelism(), Some(4));
    assert_eq!(parallelism.parallelism_per_kpu(), Some(2));
    assert_eq!(parallelism.auto_scaling_enabled(), Some(false));

    let groups: BTreeMap<_, _> = config
        .environment_property_descriptions()
        .expect("EnvironmentPropertyDescriptions")
        .property_group_descriptions()
        .iter()
        .map(|g| {
            let map: BTreeMap<_, _> = g.property_map().clone().into_iter().collect();
            (g.property_group_id().to_string(), map)
        })
        .collect();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups["ConsumerConfigProperties"]["input.stream"], "orders");
    assert_eq!(
        groups["ConsumerConfigProperties"]["aws.region"],
        "us-east-1"
    );
    assert_eq!(groups["Sink"]["path"], "/tmp/out");

    assert!(config
        .application_snapshot_configuration_description()
        .unwrap()
        .snapshots_enabled());
    assert!(config
        .application_system_rollback_configuration_description()
        .unwrap()
        .rollback_enabled());

    let logging = detail.cloud_watch_logging_option_descriptions();
    assert_eq!(logging.len(), 1);
    assert_eq!(logging[0].log_stream_arn(), log_stream(1));
    assert!(logging[0].cloud_watch_logging_option_id().is_some());

    let tags = client
        .list_tags_for_resource()
        .resource_arn(arn("custom"))
        .send()
        .await
        .unwrap();
    let tags: BTreeMap<_, _> = tags
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        BTreeMap::from([
            ("env".to_string(), "test".to_string()),
            ("team".to_string(), "data".to_string())
        ])
    );
}

#[tokio::test]
async fn create_with_code_from_the_embedded_object_store() {
    let weir = Weir::start();
    let client = weir.client();
    let jar = zip("from the bucket");
    let object = weir.data_dir().join("buckets/my-bucket/jobs/app.jar");
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    std::fs::write(&object, &jar).unwrap();

    let detail = client
        .create_application()
        .application_name("from-s3")
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(s3_code("my-bucket", "jobs/app.jar"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    let code = detail
        .application_configuration_description()
        .unwrap()
        .application_code_configuration_description()
        .unwrap();
    assert_eq!(code.code_content_type(), &CodeContentType::Zipfile);
    let location = code
        .code_content_description()
        .and_then(|c| c.s3_application_code_location_description())
        .expect("S3ApplicationCodeLocationDescription");
    assert_eq!(location.bucket_arn(), "arn:aws:s3:::my-bucket");
    assert_eq!(location.file_key(), "jobs/app.jar");
}

#[tokio::test]
async fn missing_or_escaping_s3_code_is_refused() {
    let weir = Weir::start();
    let client = weir.client();
    // A file outside the buckets directory that `..` would reach.
    std::fs::write(weir.data_dir().join("secret.jar"), zip("secret")).unwrap();
    std::fs::create_dir_all(weir.data_dir().join("buckets/code-bucket")).unwrap();

    let err = refused(
        client
            .create_application()
            .application_name("missing-object")
            .runtime_environment(RuntimeEnvironment::Flink120)
            .service_execution_role(ROLE)
            .application_configuration(
                ApplicationConfiguration::builder()
                    .application_code_configuration(s3_code("code-bucket", "no/such.jar"))
                    .build(),
            )
            .send()
            .await,
    );
    assert!(err.is_code_validation_exception(), "{err:?}");

    for (bucket, key) in [
        ("code-bucket", "../../secret.jar"),
        ("code-bucket", "x/../../../secret.jar"),
        ("..", "secret.jar"),
    ] {
        let err = refused(
            client
                .create_application()
                .application_name("escape")
                .runtime_environment(RuntimeEnvironment::Flink120)
                .service_execution_role(ROLE)
                .application_configuration(
                    ApplicationConfiguration::builder()
                        .application_code_configuration(s3_code(bucket, key))
                        .build(),
                )
                .send()
                .await,
        );
        assert!(
            err.is_code_validation_exception() || err.is_invalid_argument_exception(),
            "bucket {bucket:?} key {key:?}: {err:?}"
        );
    }
    let list = client.list_applications().send().await.unwrap();
    assert!(list.application_summaries().is_empty(), "{list:?}");
}

#[tokio::test]
async fn create_validates_members_and_names_them() {
    let weir = Weir::start();
    let client = weir.client();
    let long = |n: usize| "a".repeat(n);

    // (what is wrong, member the message must name, request)
    let cases = vec![
        (
            "bad characters",
            "ApplicationName",
            create(&client, "bad name!"),
        ),
        (
            "name too long",
            "ApplicationName",
            create(&client, &long(129)),
        ),
        (
            "description too long",
            "ApplicationDescription",
            create(&client, "d").application_description(long(1025)),
        ),
        (
            "role is not an ARN",
            "ServiceExecutionRole",
            create(&client, "r").service_execution_role("my-role"),
        ),
        (
            "unknown runtime",
            "RuntimeEnvironment",
            create(&client, "rt").runtime_environment(RuntimeEnvironment::from("FLINK-9_9")),
        ),
        (
            "parallelism 0",
            "Parallelism",
            create(&client, "p").application_configuration(
                ApplicationConfiguration::builder()
                    .application_code_configuration(code(&zip("p")))
                    .flink_application_configuration(
                        FlinkApplicationConfiguration::builder()
                            .parallelism_configuration(
                                ParallelismConfiguration::builder()
                                    .configuration_type(ConfigurationType::Custom)
                                    .parallelism(0)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build(),
            ),
        ),
        (
            "checkpoint interval 0",
            "CheckpointInterval",
            create(&client, "c").application_configuration(
                ApplicationConfiguration::builder()
                    .application_code_configuration(code(&zip("c")))
                    .flink_application_configuration(
                        FlinkApplicationConfiguration::builder()
                            .checkpoint_configuration(
                                CheckpointConfiguration::builder()
                                    .configuration_type(ConfigurationType::Custom)
                                    .checkpoint_interval(0)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build(),
            ),
        ),
        (
            "tag key too long",
            "Key",
            create(&client, "t").tags(tag(&long(129), "v")),
        ),
        (
            "log stream is not an ARN",
            "LogStreamARN",
            create(&client, "l").cloud_watch_logging_options(
                CloudWatchLoggingOption::builder()
                    .log_stream_arn("stream")
                    .build()
                    .unwrap(),
            ),
        ),
    ];
    for (what, member, request) in cases {
        let err = refused(request.send().await);
        assert!(err.is_invalid_argument_exception(), "{what}: {err:?}");
        assert_names_member(err.message(), member);
    }

    // What the SDK refuses to send: missing members and wrong JSON types.
    for (what, member, body) in [
        (
            "missing ApplicationName",
            "ApplicationName",
            json!({"RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": ROLE}),
        ),
        (
            "missing RuntimeEnvironment",
            "RuntimeEnvironment",
            json!({"ApplicationName": "x", "ServiceExecutionRole": ROLE}),
        ),
        (
            "missing ServiceExecutionRole",
            "ServiceExecutionRole",
            json!({"ApplicationName": "x", "RuntimeEnvironment": "FLINK-1_20"}),
        ),
        (
            "empty ApplicationName",
            "ApplicationName",
            json!({"ApplicationName": "", "RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": ROLE}),
        ),
        (
            "missing CodeContentType",
            "CodeContentType",
            json!({"ApplicationName": "x", "RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": ROLE,
                   "ApplicationConfiguration": {"ApplicationCodeConfiguration": {"CodeContent": {"ZipFileContent": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}}}),
        ),
        (
            "empty Tags list",
            "Tags",
            json!({"ApplicationName": "x", "RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": ROLE, "Tags": []}),
        ),
    ] {
        let (status, body) = weir.raw("CreateApplication", body).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some("InvalidArgumentException"),
            "{what}: {body}"
        );
        let message = error_message(&body);
        assert!(
            message.contains(member),
            "{what}: message should name {member}: {body}"
        );
    }

    // A member of the wrong JSON type is a serialization or validation error.
    let (status, body) = weir
        .raw(
            "CreateApplication",
            json!({"ApplicationName": 5, "RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": ROLE}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let kind = error_type(&body);
    assert!(
        matches!(
            kind.as_deref(),
            Some("SerializationException" | "InvalidArgumentException")
        ),
        "{body}"
    );

    // Nothing was created.
    let list = client.list_applications().send().await.unwrap();
    assert!(list.application_summaries().is_empty(), "{list:?}");
}

#[tokio::test]
async fn sql_applications_are_unsupported() {
    let weir = Weir::start();
    let client = weir.client();
    let err = refused(
        client
            .create_application()
            .application_name("sql-app")
            .runtime_environment(RuntimeEnvironment::Sql10)
            .service_execution_role(ROLE)
            .send()
            .await,
    );
    assert!(err.is_unsupported_operation_exception(), "{err:?}");
    let err = refused(describe_raw(&client, "sql-app").await);
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}

async fn describe_raw(
    client: &Client,
    name: &str,
) -> Result<
    aws_sdk_kinesisanalyticsv2::operation::describe_application::DescribeApplicationOutput,
    SdkError<
        aws_sdk_kinesisanalyticsv2::operation::describe_application::DescribeApplicationError,
        aws_sdk_kinesisanalyticsv2::config::http::HttpResponse,
    >,
> {
    client
        .describe_application()
        .application_name(name)
        .send()
        .await
}

#[tokio::test]
async fn duplicate_name_is_resource_in_use_and_changes_nothing() {
    let weir = Weir::start();
    let client = weir.client();
    create_app(&client, "dup").await;
    let before = observe(&weir, "dup").await;
    let err = refused(
        create(&client, "dup")
            .application_description("another one")
            .tags(tag("k", "v"))
            .send()
            .await,
    );
    assert!(err.is_resource_in_use_exception(), "{err:?}");
    assert_eq!(before, observe(&weir, "dup").await);
}

#[tokio::test]
async fn unknown_application_is_resource_not_found() {
    let weir = Weir::start();
    let client = weir.client();
    create_app(&client, "exists").await;
    let ghost = "ghost";

    let err = refused(describe_raw(&client, ghost).await);
    assert!(err.is_resource_not_found_exception(), "describe: {err:?}");
    let err = refused(
        client
            .update_application()
            .application_name(ghost)
            .current_application_version_id(1)
            .service_execution_role_update(ROLE)
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "update: {err:?}");
    let err = refused(
        client
            .delete_application()
            .application_name(ghost)
            .create_timestamp(DateTime::from_secs(1_700_000_000))
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "delete: {err:?}");
    let err = refused(
        client
            .list_application_versions()
            .application_name(ghost)
            .send()
            .await,
    );
    assert!(
        err.is_resource_not_found_exception(),
        "list versions: {err:?}"
    );
    let err = refused(
        client
            .describe_application_version()
            .application_name(ghost)
            .application_version_id(1)
            .send()
            .await,
    );
    assert!(
        err.is_resource_not_found_exception(),
        "describe version: {err:?}"
    );
    let err = refused(
        client
            .tag_resource()
            .resource_arn(arn(ghost))
            .tags(tag("a", "b"))
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "tag: {err:?}");
    let err = refused(
        client
            .untag_resource()
            .resource_arn(arn(ghost))
            .tag_keys("a")
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "untag: {err:?}");
    let err = refused(
        client
            .list_tags_for_resource()
            .resource_arn(arn(ghost))
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "list tags: {err:?}");
    let err = refused(
        client
            .add_application_cloud_watch_logging_option()
            .application_name(ghost)
            .current_application_version_id(1)
            .cloud_watch_logging_option(
                CloudWatchLoggingOption::builder()
                    .log_stream_arn(log_stream(1))
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert!(
        err.is_resource_not_found_exception(),
        "add logging: {err:?}"
    );
    let err = refused(
        client
            .delete_application_cloud_watch_logging_option()
            .application_name(ghost)
            .current_application_version_id(1)
            .cloud_watch_logging_option_id("1.1")
            .send()
            .await,
    );
    assert!(
        err.is_resource_not_found_exception(),
        "delete logging: {err:?}"
    );
    let err = refused(
        client
            .update_application_maintenance_configuration()
            .application_name(ghost)
            .application_maintenance_configuration_update(
                ApplicationMaintenanceConfigurationUpdate::builder()
                    .application_maintenance_window_start_time_update("02:00")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert!(
        err.is_resource_not_found_exception(),
        "maintenance: {err:?}"
    );

    // An unknown version of a known application.
    let err = refused(
        client
            .describe_application_version()
            .application_name("exists")
            .application_version_id(99)
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "version 99: {err:?}");
}

// ---------------------------------------------------------------------------
// ListApplications
// ---------------------------------------------------------------------------

#[tokio::test]
async fn list_applications_pages_through_every_application_once_in_name_order() {
    let weir = Weir::start();
    let client = weir.client();
    const N: usize = 75;
    let names: Vec<String> = (0..N).map(|i| format!("app-{i:03}")).collect();
    // Created out of order, so that insertion order is not name order.
    for i in 0..N {
        create_app(&client, &names[(i * 7) % N]).await;
    }

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_applications()
            .limit(10)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(pages <= N, "pagination does not terminate");
        let summaries = page.application_summaries();
        assert!(
            summaries.len() <= 10,
            "page of {} > Limit 10",
            summaries.len()
        );
        for s in summaries {
            assert_eq!(s.application_arn(), arn(s.application_name()));
            assert_eq!(s.application_status(), &ApplicationStatus::Ready);
            assert_eq!(s.application_version_id(), 1);
            assert_eq!(s.runtime_environment(), &RuntimeEnvironment::Flink120);
            seen.push(s.application_name().to_string());
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(!summaries.is_empty(), "an empty page with a NextToken");
    }
    assert_eq!(seen, names, "every application exactly once, in name order");
    assert_eq!(pages, 8, "75 applications in pages of 10");

    // Without a Limit the first page still answers (at most 50).
    let page = client.list_applications().send().await.unwrap();
    assert!(!page.application_summaries().is_empty());
    assert!(page.application_summaries().len() <= 50);

    // Limits outside 1–50 are refused.
    for limit in [0, 51] {
        let (code, message) = refused_code(client.list_applications().limit(limit).send().await);
        assert!(
            code == "InvalidArgumentException" || code == "InvalidRequestException",
            "Limit {limit}: {code} {message}"
        );
        assert!(message.contains("Limit"), "Limit {limit}: {message}");
    }
}

#[tokio::test]
async fn pagination_survives_deletions_between_pages() {
    let weir = Weir::start();
    let client = weir.client();
    let mut created = BTreeMap::new();
    for i in 0..30 {
        let name = format!("p-{i:02}");
        let detail = create_app(&client, &name).await;
        created.insert(name, *detail.create_timestamp().unwrap());
    }
    let first = client.list_applications().limit(10).send().await.unwrap();
    let token = first
        .next_token()
        .expect("NextToken after 10 of 30")
        .to_string();
    let mut seen: Vec<String> = first
        .application_summaries()
        .iter()
        .map(|s| s.application_name().to_string())
        .collect();
    // Delete the last application of the page and the first of the next one.
    for name in ["p-09", "p-10"] {
        client
            .delete_application()
            .application_name(name)
            .create_timestamp(created[name])
            .send()
            .await
            .unwrap();
    }
    let mut token = Some(token);
    while let Some(t) = token {
        let page = client
            .list_applications()
            .limit(10)
            .next_token(t)
            .send()
            .await
            .unwrap();
        seen.extend(
            page.application_summaries()
                .iter()
                .map(|s| s.application_name().to_string()),
        );
        token = page.next_token().map(str::to_string);
    }
    let expected: Vec<String> = (0..30)
        .filter(|i| *i != 10)
        .map(|i| format!("p-{i:02}"))
        .collect();
    assert_eq!(seen, expected, "no application skipped or repeated");
}

// ---------------------------------------------------------------------------
// UpdateApplication, versions, concurrency
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_mutation_makes_a_new_version_and_each_version_is_kept() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "versioned";
    let v1 = create_app(&client, name).await;
    assert_eq!(v1.application_version_id(), 1);
    let mut history = vec![v1.clone()];

    // v2: parallelism
    let v2 = client
        .update_application()
        .application_name(name)
        .current_application_version_id(1)
        .application_configuration_update(
            ApplicationConfigurationUpdate::builder()
                .flink_application_configuration_update(
                    FlinkApplicationConfigurationUpdate::builder()
                        .parallelism_configuration_update(
                            ParallelismConfigurationUpdate::builder()
                                .configuration_type_update(ConfigurationType::Custom)
                                .parallelism_update(3)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    history.push(v2.clone());
    // v3: logging option (by ConditionalToken this time)
    let added = client
        .add_application_cloud_watch_logging_option()
        .application_name(name)
        .conditional_token(v2.conditional_token().unwrap())
        .cloud_watch_logging_option(
            CloudWatchLoggingOption::builder()
                .log_stream_arn(log_stream(7))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(added.application_version_id(), Some(3));
    history.push(describe(&client, name).await);
    // v4: role (by ConditionalToken)
    let v4 = client
        .update_application()
        .application_name(name)
        .conditional_token(history[2].conditional_token().unwrap())
        .service_execution_role_update("arn:aws:iam::000000000000:role/other")
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    history.push(v4.clone());
    // v5: remove the logging option
    let id = v4.cloud_watch_logging_option_descriptions()[0]
        .cloud_watch_logging_option_id()
        .unwrap()
        .to_string();
    let deleted = client
        .delete_application_cloud_watch_logging_option()
        .application_name(name)
        .current_application_version_id(4)
        .cloud_watch_logging_option_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.application_version_id(), Some(5));
    history.push(describe(&client, name).await);

    for (i, detail) in history.iter().enumerate() {
        let version = i as i64 + 1;
        assert_eq!(detail.application_version_id(), version);
        if version > 1 {
            assert_eq!(
                detail.application_version_updated_from(),
                Some(version - 1),
                "ApplicationVersionUpdatedFrom of v{version}"
            );
        }
    }
    let tokens: BTreeSet<_> = history.iter().map(|d| d.conditional_token()).collect();
    assert_eq!(
        tokens.len(),
        history.len(),
        "each version has its own ConditionalToken"
    );
    assert_eq!(
        history[1]
            .application_configuration_description()
            .unwrap()
            .flink_application_configuration_description()
            .unwrap()
            .parallelism_configuration_description()
            .unwrap()
            .parallelism(),
        Some(3)
    );
    assert_eq!(
        history[2].cloud_watch_logging_option_descriptions().len(),
        1
    );
    assert_eq!(
        history[3].service_execution_role(),
        Some("arn:aws:iam::000000000000:role/other")
    );
    assert!(history[4]
        .cloud_watch_logging_option_descriptions()
        .is_empty());

    // Each version's full detail, as it was.
    for (i, then) in history.iter().enumerate() {
        let version = i as i64 + 1;
        let kept = client
            .describe_application_version()
            .application_name(name)
            .application_version_id(version)
            .send()
            .await
            .unwrap()
            .application_version_detail
            .unwrap_or_else(|| panic!("ApplicationVersionDetail of v{version}"));
        assert_eq!(kept.application_version_id(), version);
        assert_eq!(kept.application_arn(), then.application_arn());
        assert_eq!(kept.runtime_environment(), then.runtime_environment());
        assert_eq!(
            kept.service_execution_role(),
            then.service_execution_role(),
            "v{version}"
        );
        assert_eq!(
            kept.application_configuration_description(),
            then.application_configuration_description(),
            "configuration of v{version}"
        );
        assert_eq!(
            kept.cloud_watch_logging_option_descriptions(),
            then.cloud_watch_logging_option_descriptions(),
            "logging options of v{version}"
        );
    }

    // ListApplicationVersions: all five, also in pages.
    let all = client
        .list_application_versions()
        .application_name(name)
        .send()
        .await
        .unwrap();
    let ids: BTreeSet<i64> = all
        .application_version_summaries()
        .iter()
        .map(|s| s.application_version_id())
        .collect();
    assert_eq!(ids, (1..=5).collect());
    let mut paged = Vec::new();
    let mut token = None;
    for _ in 0..10 {
        let page = client
            .list_application_versions()
            .application_name(name)
            .limit(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.application_version_summaries().len() <= 2);
        paged.extend(
            page.application_version_summaries()
                .iter()
                .map(|s| s.application_version_id()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    paged.sort();
    assert_eq!(paged, vec![1, 2, 3, 4, 5], "paged ListApplicationVersions");
}

#[tokio::test]
async fn update_applies_every_configuration_section() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "sections";
    client
        .create_application()
        .application_name(name)
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(code(&zip("v1")))
                .environment_properties(
                    EnvironmentProperties::builder()
                        .property_groups(
                            PropertyGroup::builder()
                                .property_group_id("old")
                                .property_map("k", "v")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .cloud_watch_logging_options(
            CloudWatchLoggingOption::builder()
                .log_stream_arn(log_stream(1))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let logging_id = describe(&client, name)
        .await
        .cloud_watch_logging_option_descriptions()[0]
        .cloud_watch_logging_option_id()
        .unwrap()
        .to_string();

    let new_code = zip("version two of the code");
    let updated = client
        .update_application()
        .application_name(name)
        .current_application_version_id(1)
        .application_configuration_update(
            ApplicationConfigurationUpdate::builder()
                .application_code_configuration_update(
                    ApplicationCodeConfigurationUpdate::builder()
                        .code_content_type_update(CodeContentType::Zipfile)
                        .code_content_update(
                            CodeContentUpdate::builder()
                                .zip_file_content_update(Blob::new(new_code.clone()))
                                .build(),
                        )
                        .build(),
                )
                .flink_application_configuration_update(
                    FlinkApplicationConfigurationUpdate::builder()
                        .checkpoint_configuration_update(
                            CheckpointConfigurationUpdate::builder()
                                .configuration_type_update(ConfigurationType::Custom)
                                .checkpointing_enabled_update(true)
                                .checkpoint_interval_update(30_000)
                                .min_pause_between_checkpoints_update(2_000)
                                .build(),
                        )
                        .monitoring_configuration_update(
                            MonitoringConfigurationUpdate::builder()
                                .configuration_type_update(ConfigurationType::Custom)
                                .metrics_level_update(MetricsLevel::Operator)
                                .log_level_update(LogLevel::Warn)
                                .build(),
                        )
                        .parallelism_configuration_update(
                            ParallelismConfigurationUpdate::builder()
                                .configuration_type_update(ConfigurationType::Custom)
                                .parallelism_update(6)
                                .parallelism_per_kpu_update(3)
                                .auto_scaling_enabled_update(false)
                                .build(),
                        )
                        .build(),
                )
                .environment_property_updates(
                    EnvironmentPropertyUpdates::builder()
                        .property_groups(
                            PropertyGroup::builder()
                                .property_group_id("new")
                                .property_map("a", "1")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .application_snapshot_configuration_update(
                    ApplicationSnapshotConfigurationUpdate::builder()
                        .snapshots_enabled_update(true)
                        .build()
                        .unwrap(),
                )
                .application_system_rollback_configuration_update(
                    ApplicationSystemRollbackConfigurationUpdate::builder()
                        .rollback_enabled_update(true)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .cloud_watch_logging_option_updates(
            CloudWatchLoggingOptionUpdate::builder()
                .cloud_watch_logging_option_id(&logging_id)
                .log_stream_arn_update(log_stream(2))
                .build()
                .unwrap(),
        )
        .runtime_environment_update(RuntimeEnvironment::Flink22)
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(updated, describe(&client, name).await);
    assert_eq!(updated.application_version_id(), 2);
    assert_eq!(updated.application_status(), &ApplicationStatus::Ready);
    assert_eq!(updated.runtime_environment(), &RuntimeEnvironment::Flink22);

    let config = updated.application_configuration_description().unwrap();
    let content = config
        .application_code_configuration_description()
        .unwrap()
        .code_content_description()
        .unwrap();
    assert_eq!(content.code_size(), Some(new_code.len() as i64));
    assert_eq!(
        content.code_md5().map(str::to_ascii_lowercase),
        Some(md5_hex(&new_code))
    );
    let flink = config
        .flink_application_configuration_description()
        .unwrap();
    let checkpoint = flink.checkpoint_configuration_description().unwrap();
    assert_eq!(
        checkpoint.configuration_type(),
        Some(&ConfigurationType::Custom)
    );
    assert_eq!(checkpoint.checkpointing_enabled(), Some(true));
    assert_eq!(checkpoint.checkpoint_interval(), Some(30_000));
    assert_eq!(checkpoint.min_pause_between_checkpoints(), Some(2_000));
    let monitoring = flink.monitoring_configuration_description().unwrap();
    assert_eq!(monitoring.metrics_level(), Some(&MetricsLevel::Operator));
    assert_eq!(monitoring.log_level(), Some(&LogLevel::Warn));
    let parallelism = flink.parallelism_configuration_description().unwrap();
    assert_eq!(parallelism.parallelism(), Some(6));
    assert_eq!(parallelism.parallelism_per_kpu(), Some(3));
    assert_eq!(parallelism.auto_scaling_enabled(), Some(false));
    // Environment properties are replaced as a whole.
    let groups: Vec<_> = config
        .environment_property_descriptions()
        .unwrap()
        .property_group_descriptions()
        .iter()
        .map(|g| g.property_group_id().to_string())
        .collect();
    assert_eq!(groups, vec!["new".to_string()]);
    assert!(config
        .application_snapshot_configuration_description()
        .unwrap()
        .snapshots_enabled());
    assert!(config
        .application_system_rollback_configuration_description()
        .unwrap()
        .rollback_enabled());
    let logging = updated.cloud_watch_logging_option_descriptions();
    assert_eq!(logging.len(), 1);
    assert_eq!(logging[0].log_stream_arn(), log_stream(2));

    // Switching the code to the object store; back to DEFAULT parallelism.
    let object = weir.data_dir().join("buckets/code/v3.jar");
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    std::fs::write(&object, zip("v3")).unwrap();
    let v3 = client
        .update_application()
        .application_name(name)
        .current_application_version_id(2)
        .application_configuration_update(
            ApplicationConfigurationUpdate::builder()
                .application_code_configuration_update(
                    ApplicationCodeConfigurationUpdate::builder()
                        .code_content_update(
                            CodeContentUpdate::builder()
                                .s3_content_location_update(
                                    S3ContentLocationUpdate::builder()
                                        .bucket_arn_update("arn:aws:s3:::code")
                                        .file_key_update("v3.jar")
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .flink_application_configuration_update(
                    FlinkApplicationConfigurationUpdate::builder()
                        .parallelism_configuration_update(
                            ParallelismConfigurationUpdate::builder()
                                .configuration_type_update(ConfigurationType::Default)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(v3.application_version_id(), 3);
    let config = v3.application_configuration_description().unwrap();
    let location = config
        .application_code_configuration_description()
        .unwrap()
        .code_content_description()
        .unwrap()
        .s3_application_code_location_description()
        .expect("S3ApplicationCodeLocationDescription");
    assert_eq!(location.bucket_arn(), "arn:aws:s3:::code");
    assert_eq!(location.file_key(), "v3.jar");
    let parallelism = config
        .flink_application_configuration_description()
        .unwrap()
        .parallelism_configuration_description()
        .unwrap();
    assert_eq!(
        parallelism.configuration_type(),
        Some(&ConfigurationType::Default)
    );
    assert_eq!(parallelism.parallelism(), Some(1));
    assert_eq!(parallelism.parallelism_per_kpu(), Some(1));
    assert_eq!(parallelism.auto_scaling_enabled(), Some(true));

    // An update to code that is not in the object store is refused.
    let before = observe(&weir, name).await;
    let err = refused(
        client
            .update_application()
            .application_name(name)
            .current_application_version_id(3)
            .application_configuration_update(
                ApplicationConfigurationUpdate::builder()
                    .application_code_configuration_update(
                        ApplicationCodeConfigurationUpdate::builder()
                            .code_content_update(
                                CodeContentUpdate::builder()
                                    .s3_content_location_update(
                                        S3ContentLocationUpdate::builder()
                                            .bucket_arn_update("arn:aws:s3:::code")
                                            .file_key_update("missing.jar")
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await,
    );
    assert!(err.is_code_validation_exception(), "{err:?}");
    assert_eq!(before, observe(&weir, name).await);
}

#[tokio::test]
async fn stale_version_or_token_is_a_concurrent_modification_and_changes_nothing() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "contended";
    let v1 = create_app(&client, name).await;
    let stale_token = v1.conditional_token().unwrap().to_string();
    client
        .update_application()
        .application_name(name)
        .current_application_version_id(1)
        .service_execution_role_update("arn:aws:iam::000000000000:role/two")
        .send()
        .await
        .unwrap();
    let before = observe(&weir, name).await;

    let update = || {
        client
            .update_application()
            .application_name(name)
            .service_execution_role_update("arn:aws:iam::000000000000:role/three")
    };
    let err = refused(update().current_application_version_id(1).send().await);
    assert!(
        err.is_concurrent_modification_exception(),
        "stale version: {err:?}"
    );
    let err = refused(update().current_application_version_id(5).send().await);
    assert!(
        err.is_concurrent_modification_exception(),
        "future version: {err:?}"
    );
    let err = refused(update().conditional_token(&stale_token).send().await);
    assert!(
        err.is_concurrent_modification_exception(),
        "stale token: {err:?}"
    );

    let logging = CloudWatchLoggingOption::builder()
        .log_stream_arn(log_stream(1))
        .build()
        .unwrap();
    let err = refused(
        client
            .add_application_cloud_watch_logging_option()
            .application_name(name)
            .current_application_version_id(1)
            .cloud_watch_logging_option(logging.clone())
            .send()
            .await,
    );
    assert!(
        err.is_concurrent_modification_exception(),
        "add logging, stale version: {err:?}"
    );
    let err = refused(
        client
            .add_application_cloud_watch_logging_option()
            .application_name(name)
            .conditional_token(&stale_token)
            .cloud_watch_logging_option(logging.clone())
            .send()
            .await,
    );
    assert!(
        err.is_concurrent_modification_exception(),
        "add logging, stale token: {err:?}"
    );
    assert_eq!(
        before,
        observe(&weir, name).await,
        "refusals changed the application"
    );

    // With the current version the same requests go through.
    let added = client
        .add_application_cloud_watch_logging_option()
        .application_name(name)
        .current_application_version_id(2)
        .cloud_watch_logging_option(logging)
        .send()
        .await
        .unwrap();
    assert_eq!(added.application_version_id(), Some(3));
    let id = added.cloud_watch_logging_option_descriptions()[0]
        .cloud_watch_logging_option_id()
        .unwrap()
        .to_string();
    let before = observe(&weir, name).await;
    let err = refused(
        client
            .delete_application_cloud_watch_logging_option()
            .application_name(name)
            .current_application_version_id(2)
            .cloud_watch_logging_option_id(&id)
            .send()
            .await,
    );
    assert!(
        err.is_concurrent_modification_exception(),
        "delete logging, stale version: {err:?}"
    );
    let err = refused(
        client
            .delete_application_cloud_watch_logging_option()
            .application_name(name)
            .conditional_token(&stale_token)
            .cloud_watch_logging_option_id(&id)
            .send()
            .await,
    );
    assert!(
        err.is_concurrent_modification_exception(),
        "delete logging, stale token: {err:?}"
    );
    assert_eq!(before, observe(&weir, name).await);

    let current = describe(&client, name).await;
    let v4 = update()
        .conditional_token(current.conditional_token().unwrap())
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(v4.application_version_id(), 4);
}

#[tokio::test]
async fn concurrent_requests_admit_exactly_one_winner() {
    let weir = Weir::start();
    let client = weir.client();

    // Racing creates of one name: one succeeds, the rest are in use.
    let mut racers = Vec::new();
    for i in 0..8 {
        let request = create(&client, "contested").application_description(format!("racer {i}"));
        racers.push(tokio::spawn(async move { request.send().await }));
    }
    let mut won = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Ok(_) => won += 1,
            Err(e) => {
                let err = e.into_service_error();
                assert!(err.is_resource_in_use_exception(), "{err:?}");
            }
        }
    }
    assert_eq!(won, 1, "exactly one CreateApplication of a name wins");
    assert_eq!(
        describe(&client, "contested")
            .await
            .application_version_id(),
        1
    );

    // Racing updates from one version: one succeeds, the rest conflict.
    let mut racers = Vec::new();
    for i in 0..8 {
        let request = client
            .update_application()
            .application_name("contested")
            .current_application_version_id(1)
            .service_execution_role_update(format!("arn:aws:iam::000000000000:role/racer-{i}"));
        racers.push(tokio::spawn(async move { request.send().await }));
    }
    let mut winners = Vec::new();
    for racer in racers {
        match racer.await.unwrap() {
            Ok(out) => winners.push(out.application_detail.unwrap()),
            Err(e) => {
                let err = e.into_service_error();
                assert!(err.is_concurrent_modification_exception(), "{err:?}");
            }
        }
    }
    assert_eq!(winners.len(), 1, "exactly one update from version 1 wins");
    let now = describe(&client, "contested").await;
    assert_eq!(now.application_version_id(), 2);
    assert_eq!(
        now.service_execution_role(),
        winners[0].service_execution_role()
    );
    let versions = client
        .list_application_versions()
        .application_name("contested")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.application_version_summaries().len(), 2);
}

#[tokio::test]
async fn zip_file_content_up_to_50_mib() {
    let weir = Weir::start();
    let client = weir.client();
    const MAX: usize = 50 * 1024 * 1024;
    let mut content = zip("");
    content.resize(MAX, b'x');
    let detail = client
        .create_application()
        .application_name("largest")
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(code(&content))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    let description = detail
        .application_configuration_description()
        .unwrap()
        .application_code_configuration_description()
        .unwrap()
        .code_content_description()
        .unwrap();
    assert_eq!(description.code_size(), Some(MAX as i64));
    assert_eq!(
        description.code_md5().map(str::to_ascii_lowercase),
        Some(md5_hex(&content))
    );

    content.push(b'x');
    let err = refused(
        client
            .create_application()
            .application_name("too-large")
            .runtime_environment(RuntimeEnvironment::Flink120)
            .service_execution_role(ROLE)
            .application_configuration(
                ApplicationConfiguration::builder()
                    .application_code_configuration(code(&content))
                    .build(),
            )
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
    assert_names_member(err.message(), "ZipFileContent");
}

#[tokio::test]
async fn update_validates_and_refusals_change_nothing() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "validated";
    create_app(&client, name).await;
    let before = observe(&weir, name).await;

    let err = refused(
        client
            .update_application()
            .application_name(name)
            .current_application_version_id(1)
            .application_configuration_update(
                ApplicationConfigurationUpdate::builder()
                    .flink_application_configuration_update(
                        FlinkApplicationConfigurationUpdate::builder()
                            .parallelism_configuration_update(
                                ParallelismConfigurationUpdate::builder()
                                    .configuration_type_update(ConfigurationType::Custom)
                                    .parallelism_update(0)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
    assert_names_member(err.message(), "Parallelism");

    let err = refused(
        client
            .update_application()
            .application_name(name)
            .current_application_version_id(1)
            .service_execution_role_update("not-an-arn")
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
    assert_names_member(err.message(), "ServiceExecutionRoleUpdate");

    let (code, message) = refused_code(
        client
            .update_application()
            .application_name(name)
            .current_application_version_id(1)
            .runtime_environment_update(RuntimeEnvironment::Sql10)
            .send()
            .await,
    );
    assert!(
        matches!(
            code.as_str(),
            "InvalidArgumentException"
                | "UnsupportedOperationException"
                | "InvalidApplicationConfigurationException"
        ),
        "a Flink application cannot become SQL: {code}: {message}"
    );

    let err = refused(
        client
            .update_application()
            .application_name(name)
            .current_application_version_id(1)
            .cloud_watch_logging_option_updates(
                CloudWatchLoggingOptionUpdate::builder()
                    .cloud_watch_logging_option_id("no-such-option")
                    .log_stream_arn_update(log_stream(3))
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert!(
        err.is_invalid_argument_exception() || err.is_resource_not_found_exception(),
        "update of an unknown logging option: {err:?}"
    );

    // Through the wire: a bad version id type, a negative version.
    let (status, body) = weir
        .raw(
            "UpdateApplication",
            json!({"ApplicationName": name, "CurrentApplicationVersionId": 0,
                   "ServiceExecutionRoleUpdate": ROLE}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error_type(&body).as_deref(),
        Some("InvalidArgumentException"),
        "{body}"
    );
    assert!(
        error_message(&body).contains("CurrentApplicationVersionId"),
        "{body}"
    );

    assert_eq!(
        before,
        observe(&weir, name).await,
        "refusals changed the application"
    );
}

/// Property group `kinesis.analytics.flink.run.options` as the SDK sends it.
fn run_options(pairs: &[(&str, &str)]) -> PropertyGroup {
    let mut group =
        PropertyGroup::builder().property_group_id("kinesis.analytics.flink.run.options");
    for (k, v) in pairs {
        group = group.property_map(*k, *v);
    }
    group.build().unwrap()
}

#[tokio::test]
async fn run_options_are_honoured_or_refused_at_create_and_update() {
    let weir = Weir::start();
    let client = weir.client();
    let with_options = |name: &str, pairs: &[(&str, &str)]| {
        create(&client, name).application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(code(&zip(name)))
                .environment_properties(
                    EnvironmentProperties::builder()
                        .property_groups(run_options(pairs))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
    };

    // The keys Weir honours are kept as given.
    with_options(
        "honoured",
        &[
            ("entryClass", "com.example.Job"),
            ("programArgs", "--rate 5"),
        ],
    )
    .send()
    .await
    .expect("entryClass and programArgs are accepted");
    let detail = describe(&client, "honoured").await;
    let groups = detail
        .application_configuration_description
        .and_then(|c| c.environment_property_descriptions)
        .and_then(|e| e.property_group_descriptions)
        .unwrap_or_default();
    assert_eq!(groups[0].property_map["entryClass"], "com.example.Job");
    assert_eq!(groups[0].property_map["programArgs"], "--rate 5");

    // A Python application's, as the service's Python samples set them.
    with_options(
        "python-app",
        &[
            ("python", "main.py"),
            ("jarfile", "lib/pyflink-dependencies.jar"),
            ("pyFiles", "dep/"),
        ],
    )
    .send()
    .await
    .expect("python, jarfile and pyFiles are accepted");

    // (key, value, what the refusal says); nothing is created.
    for (key, value, says) in [
        ("python", "main", "is not a Python file"),
        ("python", "../main.py", "leaves the application's zip"),
        (
            "pyModule",
            "main",
            "not supported by Managed Service for Apache Flink",
        ),
        (
            "pyExecutable",
            "python3",
            "not supported by Managed Service for Apache Flink",
        ),
        (
            "pyRequirements",
            "requirements.txt",
            "not supported by Managed Service for Apache Flink",
        ),
        (
            "mainClass",
            "com.example.Job",
            "the accepted keys are entryClass, programArgs (Java applications) and python",
        ),
        ("entryClass", "com/example/Job", "is not a Java class name"),
        ("programArgs", " ", "is empty"),
    ] {
        let err = refused(with_options("refused", &[(key, value)]).send().await);
        assert!(err.is_invalid_argument_exception(), "{key}: {err:?}");
        let message = err.message().unwrap_or_default();
        assert!(
            message.contains(&format!("kinesis.analytics.flink.run.options, key {key}: "))
                && message.contains(says),
            "{key}: {message}"
        );
        assert_names_member(err.message(), "EnvironmentProperties.PropertyGroups");
    }
    let err = refused(describe_raw(&client, "refused").await);
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // An update that would set one changes nothing.
    let before = observe(&weir, "honoured").await;
    let python = EnvironmentPropertyUpdates::builder()
        .property_groups(run_options(&[("pyFiles", "lib/util.py")]))
        .build()
        .unwrap();
    let update = ApplicationConfigurationUpdate::builder()
        .environment_property_updates(python)
        .build();
    let err = refused(
        client
            .update_application()
            .application_name("honoured")
            .current_application_version_id(1)
            .application_configuration_update(update)
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
    assert_names_member(err.message(), "EnvironmentPropertyUpdates.PropertyGroups");
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("key pyFiles: is for Python applications: name the main file"),
        "{err:?}"
    );
    assert_eq!(
        before,
        observe(&weir, "honoured").await,
        "the refused update changed the application"
    );
}

// ---------------------------------------------------------------------------
// DeleteApplication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn delete_requires_the_exact_create_timestamp() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "doomed";
    let detail = create_app(&client, name).await;
    create_app(&client, "survivor").await;
    let created = *detail.create_timestamp().unwrap();
    let before = observe(&weir, name).await;

    for wrong in [
        DateTime::from_secs(created.secs() + 1),
        DateTime::from_secs(created.secs() - 3600),
        DateTime::from_secs(0),
    ] {
        let err = refused(
            client
                .delete_application()
                .application_name(name)
                .create_timestamp(wrong)
                .send()
                .await,
        );
        assert!(
            err.is_invalid_argument_exception(),
            "timestamp {wrong}: {err:?}"
        );
    }
    let (status, body) = weir
        .raw("DeleteApplication", json!({"ApplicationName": name}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error_type(&body).as_deref(),
        Some("InvalidArgumentException"),
        "{body}"
    );
    assert!(error_message(&body).contains("CreateTimestamp"), "{body}");
    assert_eq!(before, observe(&weir, name).await);

    client
        .delete_application()
        .application_name(name)
        .create_timestamp(created)
        .send()
        .await
        .unwrap();
    let err = refused(describe_raw(&client, name).await);
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = refused(
        client
            .list_tags_for_resource()
            .resource_arn(arn(name))
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let list = client.list_applications().send().await.unwrap();
    let names: Vec<_> = list
        .application_summaries()
        .iter()
        .map(|s| s.application_name())
        .collect();
    assert_eq!(names, vec!["survivor"]);

    // Deleting again: not found. The name can be used again, from version 1.
    let err = refused(
        client
            .delete_application()
            .application_name(name)
            .create_timestamp(created)
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let again = create_app(&client, name).await;
    assert_eq!(again.application_version_id(), 1);
    let versions = client
        .list_application_versions()
        .application_name(name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        versions.application_version_summaries().len(),
        1,
        "{versions:?}"
    );
}

// ---------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------

async fn tags_of(client: &Client, name: &str) -> BTreeMap<String, String> {
    client
        .list_tags_for_resource()
        .resource_arn(arn(name))
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn tags_are_added_overwritten_removed_and_limited_to_fifty() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "tagged";
    create(&client, name)
        .tags(tag("a", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&client, name).await,
        BTreeMap::from([("a".into(), "1".into())])
    );

    client
        .tag_resource()
        .resource_arn(arn(name))
        .tags(tag("a", "one"))
        .tags(tag("b", "2"))
        .tags(tag("empty", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&client, name).await,
        BTreeMap::from([
            ("a".into(), "one".into()),
            ("b".into(), "2".into()),
            ("empty".into(), "".into())
        ])
    );
    client
        .untag_resource()
        .resource_arn(arn(name))
        .tag_keys("a")
        .tag_keys("not-there")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&client, name).await,
        BTreeMap::from([("b".into(), "2".into()), ("empty".into(), "".into())])
    );
    // Tagging is not a configuration change: the version stays.
    assert_eq!(describe(&client, name).await.application_version_id(), 1);

    // Up to 50 tags per application.
    let mut request = client.tag_resource().resource_arn(arn(name));
    for i in 0..48 {
        request = request.tags(tag(&format!("k{i:02}"), "v"));
    }
    request.send().await.unwrap();
    assert_eq!(tags_of(&client, name).await.len(), 50);
    let before = observe(&weir, name).await;
    let err = refused(
        client
            .tag_resource()
            .resource_arn(arn(name))
            .tags(tag("one-too-many", "v"))
            .send()
            .await,
    );
    assert!(err.is_too_many_tags_exception(), "{err:?}");
    assert_eq!(before, observe(&weir, name).await);
    // Overwriting an existing key is still fine at the limit.
    client
        .tag_resource()
        .resource_arn(arn(name))
        .tags(tag("b", "two"))
        .send()
        .await
        .unwrap();
    assert_eq!(tags_of(&client, name).await["b"], "two");
    assert_eq!(tags_of(&client, name).await.len(), 50);

    // An application cannot be created with more than 50 tags.
    let mut request = create(&client, "overtagged");
    for i in 0..51 {
        request = request.tags(tag(&format!("k{i:02}"), "v"));
    }
    let err = refused(request.send().await);
    assert!(err.is_too_many_tags_exception(), "{err:?}");
    let err = refused(describe_raw(&client, "overtagged").await);
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // A malformed ARN is an invalid argument, not a missing resource.
    let err = refused(
        client
            .list_tags_for_resource()
            .resource_arn("not-an-arn")
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
}

// ---------------------------------------------------------------------------
// CloudWatch logging options, maintenance
// ---------------------------------------------------------------------------

#[tokio::test]
async fn cloudwatch_logging_options_add_and_delete() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "logged";
    create_app(&client, name).await;

    let added = client
        .add_application_cloud_watch_logging_option()
        .application_name(name)
        .current_application_version_id(1)
        .cloud_watch_logging_option(
            CloudWatchLoggingOption::builder()
                .log_stream_arn(log_stream(1))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(added.application_arn(), Some(arn(name).as_str()));
    assert_eq!(added.application_version_id(), Some(2));
    let options = added.cloud_watch_logging_option_descriptions();
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].log_stream_arn(), log_stream(1));
    let id = options[0]
        .cloud_watch_logging_option_id()
        .expect("CloudWatchLoggingOptionId")
        .to_string();
    let detail = describe(&client, name).await;
    assert_eq!(detail.application_version_id(), 2);
    assert_eq!(detail.cloud_watch_logging_option_descriptions(), options);

    // At most one option per application.
    let before = observe(&weir, name).await;
    let (code, message) = refused_code(
        client
            .add_application_cloud_watch_logging_option()
            .application_name(name)
            .current_application_version_id(2)
            .cloud_watch_logging_option(
                CloudWatchLoggingOption::builder()
                    .log_stream_arn(log_stream(2))
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert!(
        matches!(
            code.as_str(),
            "InvalidArgumentException"
                | "InvalidApplicationConfigurationException"
                | "InvalidRequestException"
        ),
        "second logging option: {code}: {message}"
    );
    // Deleting an option that does not exist.
    let (code, message) = refused_code(
        client
            .delete_application_cloud_watch_logging_option()
            .application_name(name)
            .current_application_version_id(2)
            .cloud_watch_logging_option_id("no-such-option")
            .send()
            .await,
    );
    assert!(
        matches!(
            code.as_str(),
            "InvalidArgumentException" | "ResourceNotFoundException"
        ),
        "unknown logging option: {code}: {message}"
    );
    assert_eq!(before, observe(&weir, name).await);

    let deleted = client
        .delete_application_cloud_watch_logging_option()
        .application_name(name)
        .current_application_version_id(2)
        .cloud_watch_logging_option_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.application_arn(), Some(arn(name).as_str()));
    assert_eq!(deleted.application_version_id(), Some(3));
    assert!(deleted.cloud_watch_logging_option_descriptions().is_empty());
    let detail = describe(&client, name).await;
    assert_eq!(detail.application_version_id(), 3);
    assert!(detail.cloud_watch_logging_option_descriptions().is_empty());
}

#[tokio::test]
async fn maintenance_window_is_eight_hours_and_makes_no_new_version() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "maintained";
    create_app(&client, name).await;

    for (start, end) in [
        ("03:30", "11:30"),
        ("20:15", "04:15"),
        ("00:00", "08:00"),
        ("16:00", "00:00"),
    ] {
        let response = client
            .update_application_maintenance_configuration()
            .application_name(name)
            .application_maintenance_configuration_update(
                ApplicationMaintenanceConfigurationUpdate::builder()
                    .application_maintenance_window_start_time_update(start)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.application_arn(), Some(arn(name).as_str()));
        let window = response
            .application_maintenance_configuration_description()
            .expect("ApplicationMaintenanceConfigurationDescription");
        assert_eq!(window.application_maintenance_window_start_time(), start);
        assert_eq!(
            window.application_maintenance_window_end_time(),
            end,
            "window from {start}"
        );
        let detail = describe(&client, name).await;
        assert_eq!(detail.application_version_id(), 1, "no new version");
        assert_eq!(
            detail.application_maintenance_configuration_description(),
            Some(window)
        );
    }

    let before = observe(&weir, name).await;
    for bad in ["24:00", "3:30", "12:60", "noon!"] {
        let err = refused(
            client
                .update_application_maintenance_configuration()
                .application_name(name)
                .application_maintenance_configuration_update(
                    ApplicationMaintenanceConfigurationUpdate::builder()
                        .application_maintenance_window_start_time_update(bad)
                        .build()
                        .unwrap(),
                )
                .send()
                .await,
        );
        assert!(err.is_invalid_argument_exception(), "{bad}: {err:?}");
        assert_names_member(err.message(), "ApplicationMaintenanceWindowStartTime");
    }
    assert_eq!(before, observe(&weir, name).await);
}

// ---------------------------------------------------------------------------
// Snapshots, rollback, restore points, maintenance on demand. No Flink runs
// here, so applications stay READY: these are the refusals, and that a
// refusal changes nothing and records no operation.
// ---------------------------------------------------------------------------

/// The target of Weir's operator API.
const ADMIN_MAINTENANCE: &str = "WeirAdmin_20261126.StartApplicationMaintenance";

/// Everything [`observe`] sees, plus the application's operations and
/// snapshots (which only the store keeps).
async fn observe_all(weir: &Weir, name: &str) -> Value {
    let mut all = observe(weir, name).await;
    for op in ["ListApplicationOperations", "ListApplicationSnapshots"] {
        let (status, json) = weir.raw(op, json!({"ApplicationName": name})).await;
        all[op] = json!({"status": status, "body": json});
    }
    all
}

#[tokio::test]
async fn snapshot_operations_on_a_ready_application_are_refused_and_change_nothing() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "snappy";
    create_app(&client, name).await;
    let before = observe_all(&weir, name).await;
    // Nothing to list yet: an empty list, not an absent one.
    assert_eq!(
        before["ListApplicationSnapshots"],
        json!({"status": 200, "body": {"SnapshotSummaries": []}})
    );

    // Snapshots are taken of a RUNNING application.
    let err = refused(
        client
            .create_application_snapshot()
            .application_name(name)
            .snapshot_name("s-1")
            .send()
            .await,
    );
    assert!(err.is_resource_in_use_exception(), "{err:?}");
    assert!(
        err.message().unwrap_or_default().contains("READY"),
        "{err:?}"
    );
    let err = refused(
        client
            .create_application_snapshot()
            .application_name("ghost")
            .snapshot_name("s-1")
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    // Names outside the model are refused before the status is looked at;
    // "." matches the model's pattern but names a directory.
    let long = "s".repeat(257);
    for bad in ["my snap", "a/b", "snap\u{e9}", long.as_str(), "", "."] {
        let err = refused(
            client
                .create_application_snapshot()
                .application_name(name)
                .snapshot_name(bad)
                .send()
                .await,
        );
        assert!(err.is_invalid_argument_exception(), "{bad:?}: {err:?}");
        assert_names_member(err.message(), "SnapshotName");
    }

    let list = client
        .list_application_snapshots()
        .application_name(name)
        .send()
        .await
        .unwrap();
    assert!(list.snapshot_summaries().is_empty(), "{list:?}");
    assert_eq!(list.next_token(), None);
    // ListApplicationSnapshots declares no ResourceNotFoundException; the
    // SDK hands it over by code.
    let (code, message) = refused_code(
        client
            .list_application_snapshots()
            .application_name("ghost")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");

    for app in [name, "ghost"] {
        let err = refused(
            client
                .describe_application_snapshot()
                .application_name(app)
                .snapshot_name("s-1")
                .send()
                .await,
        );
        assert!(err.is_resource_not_found_exception(), "{app}: {err:?}");
        let err = refused(
            client
                .delete_application_snapshot()
                .application_name(app)
                .snapshot_name("s-1")
                .snapshot_creation_timestamp(DateTime::from_secs(1_764_134_400))
                .send()
                .await,
        );
        assert!(err.is_resource_not_found_exception(), "{app}: {err:?}");
    }
    let err = refused(
        client
            .describe_application_snapshot()
            .application_name(name)
            .snapshot_name("no such")
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
    assert_names_member(err.message(), "SnapshotName");

    // What the SDK will not send: missing required members.
    for (op, body, member) in [
        (
            "CreateApplicationSnapshot",
            json!({"ApplicationName": name}),
            "SnapshotName",
        ),
        (
            "CreateApplicationSnapshot",
            json!({"SnapshotName": "s"}),
            "ApplicationName",
        ),
        (
            "DescribeApplicationSnapshot",
            json!({"ApplicationName": name}),
            "SnapshotName",
        ),
        (
            "DeleteApplicationSnapshot",
            json!({"ApplicationName": name, "SnapshotName": "s-1"}),
            "SnapshotCreationTimestamp",
        ),
        (
            "DeleteApplicationSnapshot",
            json!({"ApplicationName": name, "SnapshotCreationTimestamp": 1_764_134_400}),
            "SnapshotName",
        ),
        ("ListApplicationSnapshots", json!({}), "ApplicationName"),
    ] {
        let (status, body) = weir.raw(op, body).await;
        assert_eq!(status, 400, "{op}: {body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some("InvalidArgumentException"),
            "{op}: {body}"
        );
        assert!(error_message(&body).contains(member), "{op}: {body}");
    }

    assert_eq!(before, observe_all(&weir, name).await);
}

#[tokio::test]
async fn list_application_snapshots_checks_limit_and_token_on_the_wire() {
    let weir = Weir::start();
    let name = "listed";
    create_app(&weir.client(), name).await;
    for limit in [0, 51, -1] {
        let (status, body) = weir
            .raw(
                "ListApplicationSnapshots",
                json!({"ApplicationName": name, "Limit": limit}),
            )
            .await;
        assert_eq!(status, 400, "Limit {limit}: {body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some("InvalidArgumentException"),
            "Limit {limit}: {body}"
        );
        assert!(
            error_message(&body).starts_with("Limit: must be between 1 and 50"),
            "Limit {limit}: {body}"
        );
    }
    for limit in [1, 50] {
        let (status, body) = weir
            .raw(
                "ListApplicationSnapshots",
                json!({"ApplicationName": name, "Limit": limit}),
            )
            .await;
        assert_eq!(status, 200, "Limit {limit}: {body}");
        assert_eq!(body, json!({"SnapshotSummaries": []}));
    }
    for token in [json!(""), json!("not-a-token"), json!("x".repeat(513))] {
        let (status, body) = weir
            .raw(
                "ListApplicationSnapshots",
                json!({"ApplicationName": name, "NextToken": token}),
            )
            .await;
        assert_eq!(status, 400, "NextToken {token}: {body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some("InvalidArgumentException"),
            "NextToken {token}: {body}"
        );
        assert!(error_message(&body).starts_with("NextToken: "), "{body}");
    }
    let (status, body) = weir
        .raw(
            "ListApplicationSnapshots",
            json!({"ApplicationName": name, "Limit": "ten"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error_type(&body).as_deref(),
        Some("SerializationException"),
        "{body}"
    );
}

#[tokio::test]
async fn rollback_of_a_ready_application_is_refused_and_changes_nothing() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "rolled";
    create_app(&client, name).await;
    // Version 2 was updated from version 1: there is somewhere to roll back
    // to, so the only thing in the way is the status.
    let v2 = client
        .update_application()
        .application_name(name)
        .current_application_version_id(1)
        .service_execution_role_update("arn:aws:iam::000000000000:role/other")
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(v2.application_version_id(), 2);
    assert_eq!(v2.application_version_updated_from(), Some(1));
    let before = observe_all(&weir, name).await;

    let err = refused(
        client
            .rollback_application()
            .application_name(name)
            .current_application_version_id(2)
            .send()
            .await,
    );
    assert!(err.is_resource_in_use_exception(), "{err:?}");
    assert!(
        err.message().unwrap_or_default().contains("READY"),
        "{err:?}"
    );
    // A stale version: the status is checked first, so this is
    // ResourceInUseException too, not ConcurrentModificationException.
    for stale in [1, 3, 999_999_999] {
        let err = refused(
            client
                .rollback_application()
                .application_name(name)
                .current_application_version_id(stale)
                .send()
                .await,
        );
        assert!(err.is_resource_in_use_exception(), "{stale}: {err:?}");
    }
    let err = refused(
        client
            .rollback_application()
            .application_name("ghost")
            .current_application_version_id(1)
            .send()
            .await,
    );
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    for (body, member) in [
        (
            json!({"ApplicationName": name}),
            "CurrentApplicationVersionId",
        ),
        (
            json!({"ApplicationName": name, "CurrentApplicationVersionId": 0}),
            "CurrentApplicationVersionId",
        ),
        (
            json!({"ApplicationName": name, "CurrentApplicationVersionId": 1_000_000_000i64}),
            "CurrentApplicationVersionId",
        ),
        (json!({"CurrentApplicationVersionId": 2}), "ApplicationName"),
    ] {
        let (status, body) = weir.raw("RollbackApplication", body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some("InvalidArgumentException"),
            "{body}"
        );
        assert!(error_message(&body).contains(member), "{body}");
    }

    assert_eq!(before, observe_all(&weir, name).await);
    let after = describe(&client, name).await;
    assert_eq!(after, v2);
    assert_eq!(after.application_status(), &ApplicationStatus::Ready);
    assert_eq!(after.application_version_rolled_back_from(), None);
    assert_eq!(after.application_version_rolled_back_to(), None);
}

#[tokio::test]
async fn start_restoring_a_missing_snapshot_is_refused_and_records_nothing() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "restorer";
    let created = create_app(&client, name).await;
    // The default restore point, as the service reports it.
    let run = created
        .application_configuration_description()
        .and_then(|c| c.run_configuration_description())
        .expect("RunConfigurationDescription");
    assert_eq!(
        run.application_restore_configuration_description()
            .map(|r| r.application_restore_type()),
        Some(&ApplicationRestoreType::RestoreFromLatestSnapshot)
    );
    assert_eq!(
        run.flink_run_configuration_description()
            .and_then(|f| f.allow_non_restored_state()),
        Some(false)
    );
    let before = observe_all(&weir, name).await;

    let err = refused(
        client
            .start_application()
            .application_name(name)
            .run_configuration(
                RunConfiguration::builder()
                    .application_restore_configuration(
                        ApplicationRestoreConfiguration::builder()
                            .application_restore_type(
                                ApplicationRestoreType::RestoreFromCustomSnapshot,
                            )
                            .snapshot_name("never-taken")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await,
    );
    assert!(err.is_invalid_argument_exception(), "{err:?}");
    assert_names_member(err.message(), "SnapshotName");
    assert_names_member(err.message(), "never-taken");

    assert_eq!(before, observe_all(&weir, name).await);
    assert_eq!(
        describe(&client, name).await.application_status(),
        &ApplicationStatus::Ready
    );
    let ops = client
        .list_application_operations()
        .application_name(name)
        .send()
        .await
        .unwrap();
    assert!(ops.application_operation_info_list().is_empty(), "{ops:?}");
}

#[tokio::test]
async fn admin_maintenance_needs_a_running_application_and_a_signature() {
    let weir = Weir::start();
    let name = "maintained";
    create_app(&weir.client(), name).await;
    let before = observe_all(&weir, name).await;
    let send = |body: Value, signing: Signing| {
        let body = serde_json::to_vec(&body).unwrap();
        weir.send(ADMIN_MAINTENANCE, body, signing)
    };

    // Signed, on a READY application: refused as StartApplication refuses.
    let r = send(json!({"ApplicationName": name}), Signing::valid()).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        error_type(&r.json).as_deref(),
        Some("ResourceInUseException"),
        "{}",
        r.text
    );
    assert!(error_message(&r.json).contains("READY"), "{}", r.text);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/x-amz-json-1.1")
    );

    let r = send(json!({"ApplicationName": "ghost"}), Signing::valid()).await;
    assert_eq!(
        error_type(&r.json).as_deref(),
        Some("ResourceNotFoundException"),
        "{}",
        r.text
    );
    for (body, member) in [
        (json!({}), "ApplicationName"),
        (json!({"ApplicationName": "a b"}), "ApplicationName"),
        (
            json!({"ApplicationName": "x".repeat(129)}),
            "ApplicationName",
        ),
    ] {
        let r = send(body, Signing::valid()).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(
            error_type(&r.json).as_deref(),
            Some("InvalidArgumentException"),
            "{}",
            r.text
        );
        assert!(error_message(&r.json).contains(member), "{}", r.text);
    }
    let r = weir
        .send(
            "WeirAdmin_20261126.Frobnicate",
            b"{}".to_vec(),
            Signing::valid(),
        )
        .await;
    assert_eq!(
        error_type(&r.json).as_deref(),
        Some("UnknownOperationException"),
        "{}",
        r.text
    );

    // Unsigned or badly signed: refused before anything else, even for an
    // operation that does not exist.
    for target in [ADMIN_MAINTENANCE, "WeirAdmin_20261126.Frobnicate"] {
        let body = serde_json::to_vec(&json!({"ApplicationName": name})).unwrap();
        let r = weir.send(target, body, Signing::None).await;
        assert_eq!(r.status, 403, "{target}: {}", r.text);
        assert_eq!(
            error_type(&r.json).as_deref(),
            Some("MissingAuthenticationTokenException"),
            "{target}: {}",
            r.text
        );
    }
    let r = send(
        json!({"ApplicationName": name}),
        Signing::Header(Key::new(ACCESS_KEY_ID, "not-the-secret")),
    )
    .await;
    assert_eq!(
        error_type(&r.json).as_deref(),
        Some("InvalidSignatureException"),
        "{}",
        r.text
    );

    assert_eq!(before, observe_all(&weir, name).await);
}

// ---------------------------------------------------------------------------
// Protocol errors and unsupported operations
// ---------------------------------------------------------------------------

#[tokio::test]
async fn protocol_errors() {
    let weir = Weir::start();

    let response = weir
        .send(
            &format!("{TARGET_PREFIX}.CreateApplication"),
            b"{not json".to_vec(),
            Signing::valid(),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        error_type(&response.json).as_deref(),
        Some("SerializationException"),
        "{}",
        response.text
    );

    let response = weir
        .send(
            &format!("{TARGET_PREFIX}.DescribeApplication"),
            b"[1, 2]".to_vec(),
            Signing::valid(),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        error_type(&response.json).as_deref(),
        Some("SerializationException"),
        "{}",
        response.text
    );

    for target in [
        format!("{TARGET_PREFIX}.Frobnicate"),
        format!("{TARGET_PREFIX}."),
        "KinesisAnalytics_20150814.CreateApplication".to_string(),
        "DescribeApplication".to_string(),
    ] {
        let response = weir.send(&target, b"{}".to_vec(), Signing::valid()).await;
        assert_eq!(response.status, 400, "{target}: {}", response.text);
        assert_eq!(
            error_type(&response.json).as_deref(),
            Some("UnknownOperationException"),
            "{target}: {}",
            response.text
        );
    }

    // Every error body names its type and carries a message.
    let (status, body) = weir
        .raw("DescribeApplication", json!({"ApplicationName": "nope"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_type(&body).as_deref(),
        Some("ResourceNotFoundException"),
        "{body}"
    );
    assert!(!error_message(&body).is_empty(), "{body}");
}

#[tokio::test]
async fn operations_that_are_not_implemented_say_so() {
    let weir = Weir::start();
    let client = weir.client();
    create_app(&client, "app").await;
    let (status, body) = weir
        .raw(
            "AddApplicationVpcConfiguration",
            json!({"ApplicationName": "app", "CurrentApplicationVersionId": 1,
                   "VpcConfiguration": {"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error_type(&body).as_deref(),
        Some("UnsupportedOperationException"),
        "{body}"
    );
    assert!(error_message(&body).contains("VPC"), "{body}");
    // Operations newer than the SDK, on the raw wire: implemented, so an
    // empty request is refused for what it lacks, and an empty listing is
    // an empty list.
    for op in ["CreateSnapshot", "ImportSnapshot", "DescribeSnapshot"] {
        let (status, body) = weir.raw(op, json!({})).await;
        assert_eq!(status, 400, "{op}: {body}");
        assert_eq!(
            error_type(&body).as_deref(),
            Some("InvalidArgumentException"),
            "{op}: {body}"
        );
    }
    let (status, body) = weir.raw("ListSnapshots", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["SnapshotInfoList"], json!([]), "{body}");
    let (code, message) = refused_code(
        client
            .discover_input_schema()
            .service_execution_role(ROLE)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException", "{message}");
    assert!(
        message.to_lowercase().contains("not supported"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn wrong_secret_is_an_invalid_signature() {
    let weir = Weir::start();
    let client = weir.client_with(ACCESS_KEY_ID, "not-the-secret");
    let (code, _) = refused_code(client.list_applications().send().await);
    assert_eq!(code, "InvalidSignatureException");
    let (code, _) = refused_code(create(&client, "sneaky").send().await);
    assert_eq!(code, "InvalidSignatureException");
    let response = weir
        .send(
            &format!("{TARGET_PREFIX}.ListApplications"),
            b"{}".to_vec(),
            Signing::Header(Key::new(ACCESS_KEY_ID, "not-the-secret")),
        )
        .await;
    assert!(matches!(response.status, 400 | 403), "{response:?}");
    assert_eq!(
        error_type(&response.json).as_deref(),
        Some("InvalidSignatureException")
    );
    // Nothing was created.
    let list = weir.client().list_applications().send().await.unwrap();
    assert!(list.application_summaries().is_empty());
}

#[tokio::test]
async fn unknown_key_is_an_unrecognized_client() {
    let weir = Weir::start();
    let client = weir.client_with("AKIAUNKNOWNKEY000000", SECRET_ACCESS_KEY);
    let (code, _) = refused_code(client.list_applications().send().await);
    assert_eq!(code, "UnrecognizedClientException");
    let (code, _) = refused_code(create(&client, "sneaky").send().await);
    assert_eq!(code, "UnrecognizedClientException");
    let list = weir.client().list_applications().send().await.unwrap();
    assert!(list.application_summaries().is_empty());
}

#[tokio::test]
async fn unsigned_request_is_missing_authentication_token() {
    let weir = Weir::start();
    create_app(&weir.client(), "app").await;
    let before = observe(&weir, "app").await;
    let (status, body) = weir.raw_unsigned("ListApplications", json!({})).await;
    assert!(matches!(status, 400 | 403), "{status} {body}");
    assert_eq!(
        error_type(&body).as_deref(),
        Some("MissingAuthenticationTokenException"),
        "{body}"
    );
    let (_, body) = weir
        .raw_unsigned(
            "DeleteApplication",
            json!({"ApplicationName": "app", "CreateTimestamp": 0}),
        )
        .await;
    assert_eq!(
        error_type(&body).as_deref(),
        Some("MissingAuthenticationTokenException"),
        "{body}"
    );
    let (_, body) = weir
        .raw_unsigned("CreateApplication", json!({"ApplicationName": "x", "RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": ROLE}))
        .await;
    assert_eq!(
        error_type(&body).as_deref(),
        Some("MissingAuthenticationTokenException"),
        "{body}"
    );
    assert_eq!(before, observe(&weir, "app").await);
}

#[tokio::test]
async fn clock_skew_beyond_fifteen_minutes_is_refused() {
    let weir = Weir::start();
    let target = format!("{TARGET_PREFIX}.ListApplications");
    let at = |time: SystemTime| {
        let mut key = Key::valid();
        key.time = time;
        Signing::Header(key)
    };
    let now = SystemTime::now();
    for skewed in [
        now - Duration::from_secs(20 * 60),
        now + Duration::from_secs(20 * 60),
    ] {
        let response = weir.send(&target, b"{}".to_vec(), at(skewed)).await;
        assert!(matches!(response.status, 400 | 403), "{response:?}");
        assert_eq!(
            error_type(&response.json).as_deref(),
            Some("InvalidSignatureException"),
            "{}",
            response.text
        );
    }
    // A few minutes of drift is tolerated.
    for drift in [
        now - Duration::from_secs(5 * 60),
        now + Duration::from_secs(5 * 60),
    ] {
        let response = weir.send(&target, b"{}".to_vec(), at(drift)).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
}

#[tokio::test]
async fn query_string_signatures_are_accepted() {
    let weir = Weir::start();
    let target = format!("{TARGET_PREFIX}.ListApplications");
    let response = weir
        .send(&target, b"{}".to_vec(), Signing::Query(Key::valid()))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.json["ApplicationSummaries"].is_array(),
        "{}",
        response.text
    );
    let response = weir
        .send(
            &target,
            b"{}".to_vec(),
            Signing::Query(Key::new(ACCESS_KEY_ID, "not-the-secret")),
        )
        .await;
    assert_eq!(
        error_type(&response.json).as_deref(),
        Some("InvalidSignatureException"),
        "{}",
        response.text
    );
}

#[tokio::test]
async fn signatures_cover_the_body_and_the_target() {
    let weir = Weir::start();
    create_app(&weir.client(), "app").await;
    let before = observe(&weir, "app").await;
    let list = format!("{TARGET_PREFIX}.ListApplications");
    let delete = json!({"ApplicationName": "app", "CreateTimestamp": 0});
    for signing in [Signing::valid(), Signing::Query(Key::valid())] {
        // The body was changed after signing.
        let response = weir
            .send_tampered(
                &format!("{TARGET_PREFIX}.DescribeApplication"),
                br#"{"ApplicationName": "app"}"#.to_vec(),
                br#"{"ApplicationName": "other"}"#.to_vec(),
                signing.clone(),
            )
            .await;
        assert_eq!(
            error_type(&response.json).as_deref(),
            Some("InvalidSignatureException"),
            "{signing:?}, tampered body: {}",
            response.text
        );
        let response = weir
            .send_tampered(
                &list,
                b"{}".to_vec(),
                b"{\"Limit\": 1}".to_vec(),
                signing.clone(),
            )
            .await;
        assert_eq!(
            error_type(&response.json).as_deref(),
            Some("InvalidSignatureException"),
            "{signing:?}, tampered body: {}",
            response.text
        );
        let response = weir
            .send_tampered(
                &format!("{TARGET_PREFIX}.DeleteApplication"),
                b"{}".to_vec(),
                serde_json::to_vec(&delete).unwrap(),
                signing.clone(),
            )
            .await;
        assert_eq!(
            error_type(&response.json).as_deref(),
            Some("InvalidSignatureException"),
            "{signing:?}, tampered body: {}",
            response.text
        );
        // The operation was changed after signing.
        let response = weir
            .send_altered(
                &format!("{TARGET_PREFIX}.DescribeApplication"),
                &format!("{TARGET_PREFIX}.DeleteApplication"),
                serde_json::to_vec(&delete).unwrap(),
                serde_json::to_vec(&delete).unwrap(),
                signing.clone(),
            )
            .await;
        assert_eq!(
            error_type(&response.json).as_deref(),
            Some("InvalidSignatureException"),
            "{signing:?}, altered target: {}",
            response.text
        );
    }
    assert_eq!(before, observe(&weir, "app").await);
}

// ---------------------------------------------------------------------------
// Durability
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_creates_survive_a_kill_during_writes() {
    use std::sync::{Arc, Mutex};
    let mut weir = Weir::start();
    let client = weir.client();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..6 {
        let client = client.clone();
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("w{w}-{i:05}");
                if create(&client, &name).send().await.is_err() {
                    break; // the server is gone
                }
                acked.lock().unwrap().push(name);
            }
        }));
    }
    // Kill -9 while writes are in flight.
    while acked.lock().unwrap().len() < 60 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::task::block_in_place(|| weir.restart());
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    let client = weir.client();
    let mut listed = BTreeSet::new();
    let mut token = None;
    loop {
        let page = client
            .list_applications()
            .limit(50)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        listed.extend(
            page.application_summaries()
                .iter()
                .map(|s| s.application_name().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let lost: Vec<_> = acked.iter().filter(|n| !listed.contains(*n)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Whatever else made it in is whole.
    for name in &listed {
        let detail = describe(&client, name).await;
        assert_eq!(detail.application_version_id(), 1);
        assert!(detail
            .application_configuration_description()
            .and_then(|c| c.application_code_configuration_description())
            .is_some());
    }
}

#[tokio::test]
async fn acknowledged_changes_survive_kill_9() {
    let mut weir = Weir::start();
    let client = weir.client();
    let object = weir.data_dir().join("buckets/code-bucket/app.jar");
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    std::fs::write(&object, zip("s3")).unwrap();

    create(&client, "kept")
        .tags(tag("team", "data"))
        .send()
        .await
        .unwrap();
    client
        .update_application()
        .application_name("kept")
        .current_application_version_id(1)
        .application_configuration_update(
            ApplicationConfigurationUpdate::builder()
                .flink_application_configuration_update(
                    FlinkApplicationConfigurationUpdate::builder()
                        .parallelism_configuration_update(
                            ParallelismConfigurationUpdate::builder()
                                .configuration_type_update(ConfigurationType::Custom)
                                .parallelism_update(2)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .add_application_cloud_watch_logging_option()
        .application_name("kept")
        .current_application_version_id(2)
        .cloud_watch_logging_option(
            CloudWatchLoggingOption::builder()
                .log_stream_arn(log_stream(1))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    client
        .update_application_maintenance_configuration()
        .application_name("kept")
        .application_maintenance_configuration_update(
            ApplicationMaintenanceConfigurationUpdate::builder()
                .application_maintenance_window_start_time_update("05:45")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .resource_arn(arn("kept"))
        .tags(tag("extra", "x"))
        .send()
        .await
        .unwrap();
    client
        .create_application()
        .application_name("from-s3")
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(s3_code("code-bucket", "app.jar"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let gone = create_app(&client, "gone").await;
    client
        .delete_application()
        .application_name("gone")
        .create_timestamp(*gone.create_timestamp().unwrap())
        .send()
        .await
        .unwrap();

    let mut before = Vec::new();
    for name in ["kept", "from-s3"] {
        before.push(observe(&weir, name).await);
        for version in 1..=3 {
            before.push(
                weir.raw(
                    "DescribeApplicationVersion",
                    json!({"ApplicationName": name, "ApplicationVersionId": version}),
                )
                .await
                .1,
            );
        }
    }

    weir.restart();

    let client = weir.client();
    let mut after = Vec::new();
    for name in ["kept", "from-s3"] {
        after.push(observe(&weir, name).await);
        for version in 1..=3 {
            after.push(
                weir.raw(
                    "DescribeApplicationVersion",
                    json!({"ApplicationName": name, "ApplicationVersionId": version}),
                )
                .await
                .1,
            );
        }
    }
    assert_eq!(before, after, "state changed across kill -9 and restart");
    let detail = describe(&client, "kept").await;
    assert_eq!(detail.application_version_id(), 3);
    let err = refused(describe_raw(&client, "gone").await);
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // And the restarted server keeps working on the same catalogue.
    let v4 = client
        .update_application()
        .application_name("kept")
        .current_application_version_id(3)
        .service_execution_role_update("arn:aws:iam::000000000000:role/after-restart")
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(v4.application_version_id(), 4);
    let err = refused(create(&client, "kept").send().await);
    assert!(err.is_resource_in_use_exception(), "{err:?}");
}

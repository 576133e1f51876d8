//! Conformance of Weir's wire format to the Kinesis Analytics V2 API model.
//!
//! The model is botocore's copy (`botocore/data/kinesisanalyticsv2/2018-05-23/
//! service-2.json.gz`), installed into `.venv` by `scripts/setup-test-env.sh`,
//! or the file named by `WEIR_BOTOCORE_MODEL`. Two checks:
//!
//! - every operation of the model is routed (never `UnknownOperationException`),
//!   and the ones Weir does not implement say so with
//!   `UnsupportedOperationException`;
//! - a scripted suite of raw requests covering every implemented operation:
//!   each success response carries every member the model marks `required`,
//!   with the JSON type of its shape and no member the model does not know;
//!   each error names (`__type`) an error the operation declares, or one of
//!   the protocol errors every AWS JSON service shares.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{json, Map, Value};
use weir_test_support::server::*;

/// Operations issue 2 implements.
const IMPLEMENTED: &[&str] = &[
    "CreateApplication",
    "DescribeApplication",
    "ListApplications",
    "UpdateApplication",
    "DeleteApplication",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "ListApplicationVersions",
    "DescribeApplicationVersion",
    "AddApplicationCloudWatchLoggingOption",
    "DeleteApplicationCloudWatchLoggingOption",
    "UpdateApplicationMaintenanceConfiguration",
    "StartApplication",
    "StopApplication",
    "DescribeApplicationOperation",
    "ListApplicationOperations",
    "CreateApplicationSnapshot",
    "ListApplicationSnapshots",
    "DescribeApplicationSnapshot",
    "DeleteApplicationSnapshot",
    "RollbackApplication",
    "CreateApplicationPresignedUrl",
    "CreateSnapshot",
    "DescribeSnapshot",
    "ListSnapshots",
    "DeleteSnapshot",
    "ExportSnapshot",
    "ImportSnapshot",
    "DescribeSnapshotOperation",
    "ListSnapshotOperations",
];

/// Operations that exist only for SQL-1_0 applications: never supported.
const SQL_ONLY: &[&str] = &[
    "AddApplicationInput",
    "AddApplicationOutput",
    "AddApplicationReferenceDataSource",
    "AddApplicationInputProcessingConfiguration",
    "DeleteApplicationInputProcessingConfiguration",
    "DeleteApplicationOutput",
    "DeleteApplicationReferenceDataSource",
    "DiscoverInputSchema",
];

/// Errors of the AWS JSON protocol itself, which any operation may answer.
const PROTOCOL_ERRORS: &[&str] = &[
    "UnknownOperationException",
    "SerializationException",
    "MissingAuthenticationTokenException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AccessDeniedException",
    "ValidationException",
    "ThrottlingException",
    "InternalFailure",
    "ServiceUnavailable",
];

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

struct Model {
    operations: Map<String, Value>,
    shapes: Map<String, Value>,
}

fn model_path() -> PathBuf {
    const HOW: &str = "run `scripts/setup-test-env.sh` (it installs botocore, whose API model \
                       this test reads, into .venv), or point WEIR_BOTOCORE_MODEL at \
                       service-2.json.gz";
    if let Some(path) = std::env::var_os("WEIR_BOTOCORE_MODEL") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "WEIR_BOTOCORE_MODEL={} does not exist; {HOW}",
            path.display()
        );
        return path;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv");
    let suffix = "site-packages/botocore/data/kinesisanalyticsv2/2018-05-23/service-2.json.gz";
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(venv.join(lib)) else {
            continue;
        };
        let mut candidates: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
            .map(|e| e.path().join(suffix))
            .filter(|p| p.is_file())
            .collect();
        candidates.sort();
        if let Some(path) = candidates.pop() {
            return path;
        }
    }
    panic!(
        "the Kinesis Analytics V2 API model was not found under {}; {HOW}",
        venv.display()
    );
}

fn load_model() -> Model {
    let path = model_path();
    let file = std::fs::File::open(&path).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("gunzip {}: {e}", path.display()));
    let mut model: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(model["metadata"]["targetPrefix"], TARGET_PREFIX);
    assert_eq!(model["metadata"]["signingName"], SIGNING_NAME);
    let Value::Object(operations) = model["operations"].take() else {
        panic!("model has no operations")
    };
    let Value::Object(shapes) = model["shapes"].take() else {
        panic!("model has no shapes")
    };
    Model { operations, shapes }
}

impl Model {
    fn output_shape(&self, operation: &str) -> Option<&str> {
        self.operations[operation]["output"]["shape"].as_str()
    }

    fn input_shape(&self, operation: &str) -> Option<&str> {
        self.operations[operation]["input"]["shape"].as_str()
    }

    fn declared_errors(&self, operation: &str) -> BTreeSet<String> {
        self.operations[operation]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["shape"].as_str().map(str::to_string))
            .collect()
    }

    /// Checks `value` against `shape`, appending every violation to `problems`.
    fn check(&self, shape: &str, value: &Value, path: &str, problems: &mut Vec<String>) {
        let def = &self.shapes[shape];
        let kind = def["type"].as_str().unwrap_or("?");
        let wrong = |problems: &mut Vec<String>| {
            problems.push(format!(
                "{path}: expected {kind} (shape {shape}), got {value}"
            ));
        };
        if value.is_null() {
            problems.push(format!("{path}: null (shape {shape}); omit absent members"));
            return;
        }
        match kind {
            "structure" => {
                let Some(object) = value.as_object() else {
                    return wrong(problems);
                };
                let members = def["members"].as_object().cloned().unwrap_or_default();
                for required in def["required"].as_array().into_iter().flatten() {
                    let required = required.as_str().unwrap();
                    if !object.contains_key(required) {
                        problems.push(format!("{path}.{required}: required member missing"));
                    }
                }
                for (key, member_value) in object {
                    match members.get(key) {
                        Some(member) => self.check(
                            member["shape"].as_str().unwrap(),
                            member_value,
                            &format!("{path}.{key}"),
                            problems,
                        ),
                        None => problems.push(format!(
                            "{path}.{key}: member unknown to the model (shape {shape})"
                        )),
                    }
                }
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    return wrong(problems);
                };
                let member = def["member"]["shape"].as_str().unwrap();
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{path}[{i}]"), problems);
                }
            }
            "map" => {
                let Some(object) = value.as_object() else {
                    return wrong(problems);
                };
                let key_shape = def["key"]["shape"].as_str().unwrap();
                let value_shape = def["value"]["shape"].as_str().unwrap();
                for (key, item) in object {
                    let key_value = Value::String(key.clone());
                    self.check(
                        key_shape,
                        &key_value,
                        &format!("{path}<key {key}>"),
                        problems,
                    );
                    self.check(value_shape, item, &format!("{path}[{key}]"), problems);
                }
            }
            "string" => {
                let Some(text) = value.as_str() else {
                    return wrong(problems);
                };
                if let Some(allowed) = def["enum"].as_array() {
                    if !allowed.iter().any(|a| a == text) {
                        problems.push(format!("{path}: {text:?} is not a value of enum {shape}"));
                    }
                }
            }
            "integer" | "long" => {
                if !(value.is_i64() || value.is_u64()) {
                    wrong(problems);
                }
            }
            "boolean" => {
                if !value.is_boolean() {
                    wrong(problems);
                }
            }
            "timestamp" | "double" | "float" => {
                if !value.is_number() {
                    wrong(problems);
                }
            }
            "blob" => {
                if !value.is_string() {
                    wrong(problems);
                }
            }
            other => problems.push(format!(
                "{path}: shape type {other} not handled by the test"
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// (a) Routing
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_operation_of_the_model_is_routed() {
    let model = load_model();
    let weir = Weir::start();
    let mut problems = Vec::new();
    let operations: Vec<&String> = model.operations.keys().collect();
    for expected in IMPLEMENTED.iter().chain(SQL_ONLY) {
        assert!(
            model.operations.contains_key(*expected),
            "{expected} is not an operation of the model"
        );
    }

    for op in operations {
        let (status, body) = weir.raw(op, json!({})).await;
        let kind = error_type(&body);
        let message = error_message(&body);
        if status == 404 || kind.as_deref() == Some("UnknownOperationException") {
            problems.push(format!("{op}: not routed ({status} {body})"));
            continue;
        }
        if IMPLEMENTED.contains(&op.as_str()) {
            match kind {
                None if status == 200 => {
                    if let Some(shape) = model.output_shape(op) {
                        model.check(shape, &body, op, &mut problems);
                    }
                }
                None => problems.push(format!("{op}: {status} without __type: {body}")),
                Some(kind) => {
                    if kind == "UnsupportedOperationException" {
                        problems.push(format!("{op} is implemented but answers {body}"));
                    } else if !model.declared_errors(op).contains(&kind)
                        && !PROTOCOL_ERRORS.contains(&kind.as_str())
                    {
                        problems.push(format!(
                            "{op} {{}}: __type {kind} is not declared by the operation: {body}"
                        ));
                    }
                }
            }
            continue;
        }
        let wanted = if SQL_ONLY.contains(&op.as_str()) {
            "not supported"
        } else {
            "not implemented"
        };
        if status != 400 || kind.as_deref() != Some("UnsupportedOperationException") {
            problems.push(format!(
                "{op}: expected 400 UnsupportedOperationException, got {status} {body}"
            ));
        } else if !message.to_lowercase().contains(wanted) {
            problems.push(format!(
                "{op}: the message should say it is {wanted}: {message:?}"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} routing problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------
// (b) Responses against the model
// ---------------------------------------------------------------------------

enum Expect {
    Success,
    /// Refused; the error is named for the report, but the check is that
    /// the operation declares it.
    Refusal(&'static str),
}

/// Runs the scripted suite step by step, collecting every violation.
struct Suite<'a> {
    model: &'a Model,
    weir: &'a Weir,
    problems: Vec<String>,
    step: usize,
}

impl Suite<'_> {
    async fn call(&mut self, op: &str, body: Value, expect: Expect) -> Value {
        self.step += 1;
        let label = format!("step {} {op}", self.step);
        if matches!(expect, Expect::Success) {
            // The suite itself must send what the model allows.
            let mut own = Vec::new();
            if let Some(shape) = self.model.input_shape(op) {
                self.model.check(shape, &body, "request", &mut own);
            }
            assert!(
                own.is_empty(),
                "{label}: the test's request is off-model: {own:?}"
            );
        }
        let (status, response) = self.weir.raw(op, body.clone()).await;
        match expect {
            Expect::Success => {
                if status != 200 {
                    self.problems.push(format!(
                        "{label}: expected success, got {status} {response}\n    request {body}"
                    ));
                } else if let Some(shape) = self.model.output_shape(op) {
                    let before = self.problems.len();
                    self.model
                        .check(shape, &response, &label, &mut self.problems);
                    if self.problems.len() > before {
                        self.problems.push(format!("    (response was {response})"));
                    }
                }
            }
            Expect::Refusal(why) => self.check_error(&label, op, why, status, &response),
        }
        response
    }

    async fn call_bytes(&mut self, op: &str, body: &[u8], why: &'static str) {
        self.step += 1;
        let label = format!("step {} {op}", self.step);
        let response = self
            .weir
            .send(
                &format!("{TARGET_PREFIX}.{op}"),
                body.to_vec(),
                Signing::valid(),
            )
            .await;
        self.check_error(&label, op, why, response.status, &response.json);
    }

    fn check_error(&mut self, label: &str, op: &str, why: &str, status: u16, body: &Value) {
        if !(400..600).contains(&status) {
            self.problems.push(format!(
                "{label} ({why}): expected an error, got {status} {body}"
            ));
            return;
        }
        let Some(kind) = error_type(body) else {
            self.problems.push(format!(
                "{label} ({why}): error without __type: {status} {body}"
            ));
            return;
        };
        if !self.model.declared_errors(op).contains(&kind)
            && !PROTOCOL_ERRORS.contains(&kind.as_str())
        {
            self.problems.push(format!(
                "{label} ({why}): __type {kind} is not an error {op} declares ({:?}): {body}",
                self.model.declared_errors(op)
            ));
        }
        if !self.model.shapes.contains_key(&kind) && !PROTOCOL_ERRORS.contains(&kind.as_str()) {
            self.problems.push(format!(
                "{label} ({why}): __type {kind} is no shape of the model"
            ));
        }
        if error_message(body).is_empty() {
            self.problems
                .push(format!("{label} ({why}): error without a message: {body}"));
        }
    }
}

fn zip_base64(comment: &str) -> String {
    let mut bytes = b"PK\x05\x06".to_vec();
    bytes.extend([0u8; 16]);
    bytes.extend((comment.len() as u16).to_le_bytes());
    bytes.extend(comment.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn app_arn(name: &str) -> String {
    format!("arn:aws:kinesisanalytics:{REGION}:{ACCOUNT_ID}:application/{name}")
}

const LOG_STREAM: &str =
    "arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesis-analytics/conf:log-stream:main";

#[tokio::test]
async fn responses_conform_to_the_model() {
    let model = load_model();
    let weir = Weir::start();
    let object = weir.data_dir().join("buckets/conf-bucket/code/app.jar");
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    std::fs::write(&object, b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0").unwrap();

    let mut suite = Suite {
        model: &model,
        weir: &weir,
        problems: Vec::new(),
        step: 0,
    };
    use Expect::*;

    // --- Success paths ---------------------------------------------------
    let full = suite
        .call(
            "CreateApplication",
            json!({
                "ApplicationName": "conf-full",
                "ApplicationDescription": "every section",
                "RuntimeEnvironment": "FLINK-1_20",
                "ServiceExecutionRole": ROLE,
                "ApplicationMode": "STREAMING",
                "ApplicationConfiguration": {
                    "ApplicationCodeConfiguration": {
                        "CodeContentType": "ZIPFILE",
                        "CodeContent": {"ZipFileContent": zip_base64("conf-full")}
                    },
                    "FlinkApplicationConfiguration": {
                        "CheckpointConfiguration": {"ConfigurationType": "CUSTOM",
                            "CheckpointingEnabled": true, "CheckpointInterval": 20000,
                            "MinPauseBetweenCheckpoints": 500},
                        "MonitoringConfiguration": {"ConfigurationType": "CUSTOM",
                            "MetricsLevel": "TASK", "LogLevel": "WARN"},
                        "ParallelismConfiguration": {"ConfigurationType": "CUSTOM",
                            "Parallelism": 2, "ParallelismPerKPU": 2, "AutoScalingEnabled": false}
                    },
                    "EnvironmentProperties": {"PropertyGroups": [
                        {"PropertyGroupId": "g1", "PropertyMap": {"a": "1", "b": "2"}}
                    ]},
                    "ApplicationSnapshotConfiguration": {"SnapshotsEnabled": true},
                    "ApplicationSystemRollbackConfiguration": {"RollbackEnabled": true}
                },
                "CloudWatchLoggingOptions": [{"LogStreamARN": LOG_STREAM}],
                "Tags": [{"Key": "team", "Value": "data"}, {"Key": "bare"}]
            }),
            Success,
        )
        .await;
    let s3 = suite
        .call(
            "CreateApplication",
            json!({
                "ApplicationName": "conf-s3",
                "RuntimeEnvironment": "FLINK-2_2",
                "ServiceExecutionRole": ROLE,
                "ApplicationConfiguration": {
                    "ApplicationCodeConfiguration": {
                        "CodeContentType": "ZIPFILE",
                        "CodeContent": {"S3ContentLocation": {
                            "BucketARN": "arn:aws:s3:::conf-bucket", "FileKey": "code/app.jar"}}
                    }
                }
            }),
            Success,
        )
        .await;
    suite
        .call(
            "CreateApplication",
            json!({
                "ApplicationName": "conf-min",
                "RuntimeEnvironment": "FLINK-1_20",
                "ServiceExecutionRole": ROLE,
                "ApplicationConfiguration": {"ApplicationCodeConfiguration": {
                    "CodeContentType": "ZIPFILE",
                    "CodeContent": {"ZipFileContent": zip_base64("conf-min")}}}
            }),
            Success,
        )
        .await;
    suite
        .call(
            "DescribeApplication",
            json!({"ApplicationName": "conf-full"}),
            Success,
        )
        .await;
    suite
        .call(
            "DescribeApplication",
            json!({"ApplicationName": "conf-s3", "IncludeAdditionalDetails": true}),
            Success,
        )
        .await;
    suite.call("ListApplications", json!({}), Success).await;
    let page = suite
        .call("ListApplications", json!({"Limit": 1}), Success)
        .await;
    if let Some(token) = page.get("NextToken").cloned() {
        suite
            .call(
                "ListApplications",
                json!({"Limit": 2, "NextToken": token}),
                Success,
            )
            .await;
    } else {
        suite.problems.push(format!(
            "ListApplications Limit 1 of 3 gave no NextToken: {page}"
        ));
    }
    let updated = suite
        .call(
            "UpdateApplication",
            json!({
                "ApplicationName": "conf-full",
                "CurrentApplicationVersionId": 1,
                "ServiceExecutionRoleUpdate": "arn:aws:iam::000000000000:role/updated",
                "RuntimeEnvironmentUpdate": "FLINK-2_2",
                "ApplicationConfigurationUpdate": {
                    "ApplicationCodeConfigurationUpdate": {
                        "CodeContentTypeUpdate": "ZIPFILE",
                        "CodeContentUpdate": {"ZipFileContentUpdate": zip_base64("conf-full v2")}
                    },
                    "FlinkApplicationConfigurationUpdate": {
                        "CheckpointConfigurationUpdate": {"ConfigurationTypeUpdate": "DEFAULT"},
                        "MonitoringConfigurationUpdate": {"ConfigurationTypeUpdate": "CUSTOM",
                            "MetricsLevelUpdate": "OPERATOR", "LogLevelUpdate": "ERROR"},
                        "ParallelismConfigurationUpdate": {"ConfigurationTypeUpdate": "CUSTOM",
                            "ParallelismUpdate": 4, "ParallelismPerKPUUpdate": 1,
                            "AutoScalingEnabledUpdate": true}
                    },
                    "EnvironmentPropertyUpdates": {"PropertyGroups": [
                        {"PropertyGroupId": "g2", "PropertyMap": {"c": "3"}}
                    ]},
                    "ApplicationSnapshotConfigurationUpdate": {"SnapshotsEnabledUpdate": false},
                    "ApplicationSystemRollbackConfigurationUpdate": {"RollbackEnabledUpdate": false}
                }
            }),
            Success,
        )
        .await;
    suite
        .call(
            "ListApplicationVersions",
            json!({"ApplicationName": "conf-full"}),
            Success,
        )
        .await;
    suite
        .call(
            "ListApplicationVersions",
            json!({"ApplicationName": "conf-full", "Limit": 1}),
            Success,
        )
        .await;
    for version in [1, 2] {
        suite
            .call(
                "DescribeApplicationVersion",
                json!({"ApplicationName": "conf-full", "ApplicationVersionId": version}),
                Success,
            )
            .await;
    }
    let added = suite
        .call(
            "AddApplicationCloudWatchLoggingOption",
            json!({"ApplicationName": "conf-min", "CurrentApplicationVersionId": 1,
                   "CloudWatchLoggingOption": {"LogStreamARN": LOG_STREAM}}),
            Success,
        )
        .await;
    let option_id = added["CloudWatchLoggingOptionDescriptions"][0]["CloudWatchLoggingOptionId"]
        .as_str()
        .unwrap_or("missing-id")
        .to_string();
    let min_v2 = weir
        .raw(
            "DescribeApplication",
            json!({"ApplicationName": "conf-min"}),
        )
        .await
        .1;
    suite
        .call(
            "DeleteApplicationCloudWatchLoggingOption",
            json!({"ApplicationName": "conf-min",
                   "ConditionalToken": min_v2["ApplicationDetail"]["ConditionalToken"],
                   "CloudWatchLoggingOptionId": option_id}),
            Success,
        )
        .await;
    suite
        .call(
            "UpdateApplicationMaintenanceConfiguration",
            json!({"ApplicationName": "conf-min",
                   "ApplicationMaintenanceConfigurationUpdate":
                       {"ApplicationMaintenanceWindowStartTimeUpdate": "22:30"}}),
            Success,
        )
        .await;
    suite
        .call(
            "TagResource",
            json!({"ResourceARN": app_arn("conf-min"),
                   "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}),
            Success,
        )
        .await;
    suite
        .call(
            "ListTagsForResource",
            json!({"ResourceARN": app_arn("conf-full")}),
            Success,
        )
        .await;
    suite
        .call(
            "UntagResource",
            json!({"ResourceARN": app_arn("conf-min"), "TagKeys": ["a"]}),
            Success,
        )
        .await;
    suite
        .call(
            "ListTagsForResource",
            json!({"ResourceARN": app_arn("conf-min")}),
            Success,
        )
        .await;
    let created_at = s3["ApplicationDetail"]["CreateTimestamp"].clone();
    suite
        .call(
            "DeleteApplication",
            json!({"ApplicationName": "conf-s3", "CreateTimestamp": created_at}),
            Success,
        )
        .await;

    // --- Refusals --------------------------------------------------------
    suite
        .call(
            "DescribeApplication",
            json!({"ApplicationName": "conf-s3"}),
            Refusal("deleted"),
        )
        .await;
    suite
        .call(
            "CreateApplication",
            json!({"ApplicationName": "conf-min", "RuntimeEnvironment": "FLINK-1_20",
                   "ServiceExecutionRole": ROLE}),
            Refusal("duplicate name"),
        )
        .await;
    suite
        .call(
            "CreateApplication",
            json!({"ApplicationName": "no spaces", "RuntimeEnvironment": "FLINK-1_20",
                   "ServiceExecutionRole": ROLE}),
            Refusal("bad name"),
        )
        .await;
    suite
        .call(
            "CreateApplication",
            json!({"ApplicationName": "sql", "RuntimeEnvironment": "SQL-1_0",
                   "ServiceExecutionRole": ROLE}),
            Refusal("SQL runtime"),
        )
        .await;
    suite
        .call(
            "CreateApplication",
            json!({"ApplicationName": "no-code", "RuntimeEnvironment": "FLINK-1_20",
                   "ServiceExecutionRole": ROLE,
                   "ApplicationConfiguration": {"ApplicationCodeConfiguration": {
                       "CodeContentType": "ZIPFILE",
                       "CodeContent": {"S3ContentLocation": {
                           "BucketARN": "arn:aws:s3:::conf-bucket", "FileKey": "missing.jar"}}}}}),
            Refusal("missing S3 object"),
        )
        .await;
    suite
        .call(
            "CreateApplication",
            json!({"ApplicationName": "many-tags", "RuntimeEnvironment": "FLINK-1_20",
                   "ServiceExecutionRole": ROLE,
                   "Tags": (0..51).map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
                       .collect::<Vec<_>>()}),
            Refusal("51 tags"),
        )
        .await;
    suite
        .call(
            "UpdateApplication",
            json!({"ApplicationName": "conf-full", "CurrentApplicationVersionId": 1,
                   "ServiceExecutionRoleUpdate": ROLE}),
            Refusal("stale version"),
        )
        .await;
    suite
        .call(
            "UpdateApplication",
            json!({"ApplicationName": "conf-full",
                   "ConditionalToken": full["ApplicationDetail"]["ConditionalToken"],
                   "ServiceExecutionRoleUpdate": ROLE}),
            Refusal("stale token"),
        )
        .await;
    suite
        .call(
            "UpdateApplication",
            json!({"ApplicationName": "nope", "CurrentApplicationVersionId": 1,
                   "ServiceExecutionRoleUpdate": ROLE}),
            Refusal("unknown application"),
        )
        .await;
    suite
        .call(
            "DeleteApplication",
            json!({"ApplicationName": "conf-full", "CreateTimestamp": 1}),
            Refusal("wrong CreateTimestamp"),
        )
        .await;
    suite
        .call("ListApplications", json!({"Limit": 0}), Refusal("Limit 0"))
        .await;
    suite
        .call(
            "ListApplications",
            json!({"Limit": 51}),
            Refusal("Limit 51"),
        )
        .await;
    suite
        .call(
            "ListApplicationVersions",
            json!({"ApplicationName": "conf-full", "Limit": 0}),
            Refusal("Limit 0"),
        )
        .await;
    suite
        .call(
            "DescribeApplicationVersion",
            json!({"ApplicationName": "conf-full", "ApplicationVersionId": 99}),
            Refusal("unknown version"),
        )
        .await;
    suite
        .call(
            "TagResource",
            json!({"ResourceARN": app_arn("conf-min"),
                   "Tags": (0..50).map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
                       .collect::<Vec<_>>()}),
            Refusal("more than 50 tags"),
        )
        .await;
    suite
        .call(
            "ListTagsForResource",
            json!({"ResourceARN": app_arn("nope")}),
            Refusal("unknown application"),
        )
        .await;
    suite
        .call(
            "UntagResource",
            json!({"ResourceARN": "not-an-arn", "TagKeys": ["a"]}),
            Refusal("bad ARN"),
        )
        .await;
    let full_version = updated["ApplicationDetail"]["ApplicationVersionId"].clone();
    suite
        .call(
            "AddApplicationCloudWatchLoggingOption",
            json!({"ApplicationName": "conf-full", "CurrentApplicationVersionId": full_version,
                   "CloudWatchLoggingOption": {"LogStreamARN": LOG_STREAM}}),
            Refusal("second logging option"),
        )
        .await;
    suite
        .call(
            "DeleteApplicationCloudWatchLoggingOption",
            json!({"ApplicationName": "conf-full", "CurrentApplicationVersionId": full_version,
                   "CloudWatchLoggingOptionId": "no-such-option"}),
            Refusal("unknown logging option"),
        )
        .await;
    suite
        .call(
            "UpdateApplicationMaintenanceConfiguration",
            json!({"ApplicationName": "conf-min",
                   "ApplicationMaintenanceConfigurationUpdate":
                       {"ApplicationMaintenanceWindowStartTimeUpdate": "25:00"}}),
            Refusal("bad start time"),
        )
        .await;
    suite
        .call_bytes(
            "CreateApplication",
            b"{\"ApplicationName\": ",
            "malformed JSON",
        )
        .await;

    let problems = suite.problems;
    assert!(
        problems.is_empty(),
        "{} conformance problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

//! `weir snapshots` for enhanced snapshots, the account's: list, describe,
//! create, export, import, delete and their operations.
//!
//! The AWS SDK for Rust this build pins predates these operations, so the
//! calls are signed here and sent as JSON (`Session::signed_call`), the
//! same bytes boto3 sends.

use std::time::Duration;

use serde_json::{json, Value};

use super::output::{self, fields, print_json, print_str, Table};
use super::session::{Session, KDA_TARGET_PREFIX};
use super::wait::Progress;
use super::{Exit, Failure, WaitArgs};

/// How long one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The role the service wants named; Weir has no use for it.
const ROLE: &str = "arn:aws:iam::000000000000:role/weir";

async fn call(s: &Session, operation: &str, body: Value) -> Result<Value, Failure> {
    s.signed_call(
        &format!("{KDA_TARGET_PREFIX}.{operation}"),
        &body,
        CALL_TIMEOUT,
    )
    .await
}

/// `s3://bucket/prefix` → (`arn:aws:s3:::bucket`, `prefix`).
fn s3_prefix(flag: &str, url: &str) -> Result<Value, Failure> {
    let rest = url.strip_prefix("s3://").unwrap_or_default();
    match rest.split_once('/') {
        Some((bucket, prefix)) if !bucket.is_empty() && !prefix.is_empty() => Ok(json!({
            "BucketARN": format!("arn:aws:s3:::{bucket}"),
            "KeyPrefix": prefix,
        })),
        _ => Err(Failure::new(
            Exit::Usage,
            format!("{flag} takes s3://BUCKET/PREFIX, not {url:?}"),
        )),
    }
}

fn seconds(v: &Value) -> String {
    v.as_f64().map_or(
        "-".into(),
        |t| output::epoch_ms((t * 1000.0).round() as i64),
    )
}

fn text(v: &Value) -> String {
    v.as_str().map_or("-".into(), str::to_string)
}

/// The account's enhanced snapshots, newest first (those taken of
/// `source`, if given).
pub async fn list(s: &Session, source: Option<&str>) -> Result<(), Failure> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"Limit": 50});
        if let Some(app) = source {
            body["SourceApplicationName"] = json!(app);
        }
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = call(s, "ListSnapshots", body).await?;
        all.extend(
            page["SnapshotInfoList"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        token = page["NextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    if s.json() {
        print_json(&json!({ "SnapshotInfoList": all }));
        return Ok(());
    }
    if all.is_empty() {
        eprintln!(
            "No enhanced snapshots. Take one with: weir snapshots create APP NAME --wait (the application in the ENHANCED_SNAPSHOTS mode), or import a savepoint with: weir snapshots import NAME --from s3://BUCKET/PREFIX --wait"
        );
        return Ok(());
    }
    let mut table = Table::new(&["SNAPSHOT", "STATUS", "MADE BY", "SOURCE", "CREATED"]);
    for snap in &all {
        table.row(vec![
            text(&snap["SnapshotName"]),
            text(&snap["SnapshotStatus"]),
            text(&snap["SnapshotInitiatorOperation"]),
            text(&snap["SourceApplicationName"]),
            seconds(&snap["SnapshotCreationTimestamp"]),
        ]);
    }
    table.print();
    Ok(())
}

async fn describe_raw(s: &Session, name: &str) -> Result<Value, Failure> {
    Ok(
        call(s, "DescribeSnapshot", json!({"SnapshotName": name})).await?["SnapshotInfoDetails"]
            .clone(),
    )
}

/// One enhanced snapshot, with its operations.
pub async fn describe(s: &Session, name: &str) -> Result<(), Failure> {
    let d = describe_raw(s, name).await?;
    let ops = call(s, "ListSnapshotOperations", json!({"SnapshotName": name})).await?;
    if s.json() {
        print_json(
            &json!({"SnapshotInfoDetails": d, "SnapshotOperationInfoList": ops["SnapshotOperationInfoList"]}),
        );
        return Ok(());
    }
    let source = &d["SnapshotSourceDescription"];
    let from = match (
        source["SourceApplicationDescription"]["ApplicationName"].as_str(),
        source["S3PrefixLocation"]["BucketARN"].as_str(),
    ) {
        (Some(app), _) => format!(
            "application {app} (version {})",
            source["SourceApplicationDescription"]["ApplicationVersionId"]
        ),
        (None, Some(bucket)) => format!(
            "{bucket} {}",
            text(&source["S3PrefixLocation"]["KeyPrefix"])
        ),
        _ => "-".into(),
    };
    print_str(&fields(&[
        ("Snapshot", text(&d["SnapshotName"])),
        ("ARN", text(&d["SnapshotArn"])),
        ("Status", text(&d["SnapshotStatus"])),
        ("Made by", text(&d["SnapshotInitiatorOperation"])),
        ("Source", from),
        ("Runtime", text(&d["RuntimeEnvironment"])),
        (
            "Size",
            d["SnapshotSizeInBytes"]
                .as_u64()
                .map_or("-".into(), |b| format!("{b} bytes")),
        ),
        ("Created", seconds(&d["SnapshotCreationTimestamp"])),
        ("Description", text(&d["SnapshotDescription"])),
    ]));
    println!();
    operations_table(&ops);
    Ok(())
}

fn operations_table(ops: &Value) {
    let mut table = Table::new(&["OPERATION", "KIND", "STATUS", "STARTED", "ENDED"]);
    for op in ops["SnapshotOperationInfoList"]
        .as_array()
        .into_iter()
        .flatten()
    {
        table.row(vec![
            text(&op["SnapshotOperationId"]),
            text(&op["SnapshotOperation"]),
            text(&op["SnapshotOperationStatus"]),
            seconds(&op["StartTime"]),
            seconds(&op["EndTime"]),
        ]);
    }
    table.print();
}

/// A snapshot's operations, newest first.
pub async fn operations(s: &Session, name: &str) -> Result<(), Failure> {
    let ops = call(s, "ListSnapshotOperations", json!({"SnapshotName": name})).await?;
    if s.json() {
        print_json(&ops);
    } else {
        operations_table(&ops);
    }
    Ok(())
}

/// CreateSnapshot of a RUNNING application.
pub async fn create(
    s: &Session,
    app: &str,
    name: &str,
    description: Option<String>,
    wait: &WaitArgs,
) -> Result<(), Failure> {
    let mut body = json!({"ApplicationName": app, "SnapshotName": name});
    if let Some(d) = description {
        body["SnapshotDescription"] = json!(d);
    }
    let answer = call(s, "CreateSnapshot", body).await?;
    settle(s, name, &answer, wait, &format!("snapshot {name} of {app}")).await
}

/// ImportSnapshot of the savepoint under `from` (`s3://BUCKET/PREFIX`).
pub async fn import(
    s: &Session,
    name: &str,
    from: &str,
    description: Option<String>,
    wait: &WaitArgs,
) -> Result<(), Failure> {
    let mut body = json!({
        "SnapshotName": name,
        "ImportSourceConfiguration": {
            "SourceType": "S3",
            "ImportRoleArn": ROLE,
            "SourceS3PrefixLocation": s3_prefix("--from", from)?,
        }
    });
    if let Some(d) = description {
        body["SnapshotDescription"] = json!(d);
    }
    let answer = call(s, "ImportSnapshot", body).await?;
    settle(
        s,
        name,
        &answer,
        wait,
        &format!("import of {from} as {name}"),
    )
    .await
}

/// ExportSnapshot under `to` (`s3://BUCKET/PREFIX`).
pub async fn export(s: &Session, name: &str, to: &str, wait: &WaitArgs) -> Result<(), Failure> {
    let body = json!({
        "SnapshotName": name,
        "ExportDestinationConfiguration": {
            "DestinationType": "S3",
            "ExportRoleArn": ROLE,
            "DestinationS3PrefixLocation": s3_prefix("--to", to)?,
        }
    });
    let answer = call(s, "ExportSnapshot", body).await?;
    settle(s, name, &answer, wait, &format!("export of {name}")).await
}

/// DeleteSnapshot (its creation time looked up first).
pub async fn delete(s: &Session, name: &str, yes: bool) -> Result<(), Failure> {
    let d = describe_raw(s, name).await?;
    if !yes {
        super::apps::confirm(&format!("Delete snapshot {name}?"))?;
    }
    let answer = call(
        s,
        "DeleteSnapshot",
        json!({"SnapshotName": name, "SnapshotCreationTimestamp": d["SnapshotCreationTimestamp"]}),
    )
    .await?;
    if s.json() {
        print_json(&answer);
    } else {
        println!("Snapshot {name} is {}.", text(&answer["SnapshotStatus"]));
    }
    Ok(())
}

/// The ARN of an enhanced snapshot given by name (or its ARN as it is).
pub async fn arn(s: &Session, name_or_arn: &str) -> Result<String, Failure> {
    if name_or_arn.starts_with("arn:") {
        return Ok(name_or_arn.to_string());
    }
    Ok(text(&describe_raw(s, name_or_arn).await?["SnapshotArn"]))
}

/// Says what a request started; with --wait, waits for its operation to end.
async fn settle(
    s: &Session,
    name: &str,
    answer: &Value,
    wait: &WaitArgs,
    what: &str,
) -> Result<(), Failure> {
    let id = text(&answer["SnapshotOperationId"]);
    if !wait.wait {
        if s.json() {
            print_json(answer);
        } else {
            println!(
                "The {what} is IN_PROGRESS (snapshot operation {id}); wait for it with --wait, or: weir snapshots describe {name}"
            );
        }
        return Ok(());
    }
    let mut progress = Progress::new(what);
    let deadline = Duration::from_secs(wait.timeout);
    let op = loop {
        let found = call(
            s,
            "DescribeSnapshotOperation",
            json!({"SnapshotName": name, "SnapshotOperationId": id}),
        )
        .await;
        let op = match found {
            Ok(d) => d["SnapshotOperationInfoDetails"].clone(),
            Err(f) => {
                progress.finish();
                return Err(f);
            }
        };
        let status = text(&op["SnapshotOperationStatus"]);
        progress.update(&status);
        if status != "IN_PROGRESS" {
            break op;
        }
        if progress.elapsed() > deadline {
            progress.finish();
            return Err(Failure::new(
                Exit::Timeout,
                format!(
                    "the {what} is still IN_PROGRESS after {} s (--timeout)",
                    wait.timeout
                ),
            ));
        }
        progress.pause().await;
    };
    progress.finish();
    if s.json() {
        print_json(&json!({"SnapshotOperationInfoDetails": op}));
    }
    let took = output::duration_secs(progress.elapsed().as_secs());
    if op["SnapshotOperationStatus"] == "SUCCESSFUL" {
        if !s.json() {
            let exported = op["SnapshotDestinationLocationDescription"]["S3PrefixLocation"]
                ["ExportedPrefix"]
                .as_str()
                .map(|p| {
                    let bucket = text(
                        &op["SnapshotDestinationLocationDescription"]["S3PrefixLocation"]
                            ["BucketARN"],
                    );
                    format!(
                        " to s3://{}/{p}",
                        bucket.trim_start_matches("arn:aws:s3:::")
                    )
                })
                .unwrap_or_default();
            println!("The {what} is SUCCESSFUL after {took}{exported}.");
        }
        return Ok(());
    }
    Err(Failure::new(
        Exit::Unexpected,
        format!(
            "the {what} ended {}: {}",
            text(&op["SnapshotOperationStatus"]),
            text(&op["SnapshotOperationFailureDetails"]["ErrorInfo"]["ErrorString"])
        ),
    ))
}

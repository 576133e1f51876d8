"""Smoke tests: the official boto3 SDK and AWS CLI, unchanged, against `weir server`."""

from __future__ import annotations

import hashlib
import io
import time
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/weir-smoke-test"


def unique_name(prefix: str = "smoke") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def small_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Smoke\n")
        zf.writestr("README.txt", "weir smoke test application\n")
    return buf.getvalue()


def create_zip_app(client, name: str, code: bytes | None = None, **extra):
    return client.create_application(
        ApplicationName=name,
        ApplicationDescription="smoke test",
        RuntimeEnvironment="FLINK-1_20",
        ServiceExecutionRole=ROLE,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {
                "CodeContent": {"ZipFileContent": code if code is not None else small_zip()},
                "CodeContentType": "ZIPFILE",
            }
        },
        **extra,
    )


def error_code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


# --------------------------------------------------------------------------
# boto3
# --------------------------------------------------------------------------


def test_boto3_application_lifecycle(weir):
    client = weir.client()
    name = unique_name("lifecycle")
    code = small_zip()
    arn = f"arn:aws:kinesisanalytics:us-east-1:000000000000:application/{name}"

    created = create_zip_app(client, name, code)["ApplicationDetail"]
    assert created["ApplicationName"] == name
    assert created["ApplicationARN"] == arn
    assert created["ApplicationVersionId"] == 1

    detail = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    assert detail["ApplicationARN"] == arn
    assert detail["ApplicationName"] == name
    assert detail["ApplicationStatus"] == "READY"
    assert detail["ApplicationVersionId"] == 1
    assert detail["RuntimeEnvironment"] == "FLINK-1_20"
    assert detail["ServiceExecutionRole"] == ROLE
    assert detail["ApplicationDescription"] == "smoke test"
    assert "CreateTimestamp" in detail

    config = detail["ApplicationConfigurationDescription"]
    code_desc = config["ApplicationCodeConfigurationDescription"]
    assert code_desc["CodeContentType"] == "ZIPFILE"
    content = code_desc["CodeContentDescription"]
    assert content["CodeMD5"] == hashlib.md5(code).hexdigest()
    assert content["CodeSize"] == len(code)

    checkpoint = config["FlinkApplicationConfigurationDescription"][
        "CheckpointConfigurationDescription"
    ]
    assert checkpoint["ConfigurationType"] == "DEFAULT"
    assert checkpoint["CheckpointingEnabled"] is True
    assert checkpoint["CheckpointInterval"] == 60000
    assert checkpoint["MinPauseBetweenCheckpoints"] == 5000

    # Update: version 1 -> 2, the change is visible.
    updated = client.update_application(
        ApplicationName=name,
        CurrentApplicationVersionId=1,
        ApplicationConfigurationUpdate={
            "EnvironmentPropertyUpdates": {
                "PropertyGroups": [
                    {"PropertyGroupId": "smoke", "PropertyMap": {"greeting": "hello"}}
                ]
            }
        },
    )["ApplicationDetail"]
    assert updated["ApplicationVersionId"] == 2
    detail = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    assert detail["ApplicationVersionId"] == 2
    groups = detail["ApplicationConfigurationDescription"][
        "EnvironmentPropertyDescriptions"
    ]["PropertyGroupDescriptions"]
    assert groups == [{"PropertyGroupId": "smoke", "PropertyMap": {"greeting": "hello"}}]

    # A stale version id is refused.
    with pytest.raises(client.exceptions.ConcurrentModificationException):
        client.update_application(
            ApplicationName=name,
            CurrentApplicationVersionId=1,
            ApplicationConfigurationUpdate={
                "EnvironmentPropertyUpdates": {
                    "PropertyGroups": [
                        {"PropertyGroupId": "smoke", "PropertyMap": {"greeting": "stale"}}
                    ]
                }
            },
        )

    # Tags.
    client.tag_resource(
        ResourceARN=arn,
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "test"}],
    )
    tags = client.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "test"), ("team", "data")]
    client.untag_resource(ResourceARN=arn, TagKeys=["env"])
    tags = client.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert [(t["Key"], t["Value"]) for t in tags] == [("team", "data")]

    # Delete needs the exact CreateTimestamp.
    create_ts = detail["CreateTimestamp"]
    client.delete_application(ApplicationName=name, CreateTimestamp=create_ts)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_application(ApplicationName=name)


def test_boto3_list_applications_paginates(weir):
    client = weir.client()
    names = sorted(unique_name(f"list{i}") for i in range(5))
    for name in names:
        create_zip_app(client, name)

    paginator = client.get_paginator("list_applications")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3, [len(p["ApplicationSummaries"]) for p in pages]
    assert all(len(p["ApplicationSummaries"]) <= 2 for p in pages)
    summaries = [s for p in pages for s in p["ApplicationSummaries"]]
    assert sorted(s["ApplicationName"] for s in summaries) == names
    for s in summaries:
        assert s["ApplicationStatus"] == "READY"
        assert s["ApplicationVersionId"] == 1
        assert s["RuntimeEnvironment"] == "FLINK-1_20"
        assert s["ApplicationARN"].endswith(f":application/{s['ApplicationName']}")

    # Without a limit, one page holds them all.
    assert len(client.list_applications()["ApplicationSummaries"]) == 5


def test_boto3_duplicate_create_is_resource_in_use(weir):
    client = weir.client()
    name = unique_name("dup")
    create_zip_app(client, name)
    with pytest.raises(client.exceptions.ResourceInUseException):
        create_zip_app(client, name)
    # The refused request changed nothing.
    detail = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    assert detail["ApplicationVersionId"] == 1


def test_boto3_unknown_application_is_not_found(weir):
    client = weir.client()
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_application(ApplicationName="no-such-application")


def test_boto3_wrong_secret_is_invalid_signature(weir):
    client = weir.client(secret_access_key="not-the-right-secret-key-000000000000000")
    with pytest.raises(ClientError) as info:
        client.list_applications()
    assert error_code(info.value) == "InvalidSignatureException", info.value.response


def test_boto3_unknown_access_key_is_unrecognized_client(weir):
    client = weir.client(access_key_id="AKIAUNKNOWNKEY000000")
    with pytest.raises(ClientError) as info:
        client.list_applications()
    assert error_code(info.value) == "UnrecognizedClientException", info.value.response


# --------------------------------------------------------------------------
# S3 code: the embedded object store under <data-dir>/buckets
# --------------------------------------------------------------------------


def s3_app(client, name: str, key: str, bucket: str = "mybucket"):
    return client.create_application(
        ApplicationName=name,
        RuntimeEnvironment="FLINK-1_20",
        ServiceExecutionRole=ROLE,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {
                "CodeContent": {
                    "S3ContentLocation": {
                        "BucketARN": f"arn:aws:s3:::{bucket}",
                        "FileKey": key,
                    }
                },
                "CodeContentType": "ZIPFILE",
            }
        },
    )


def test_boto3_s3_code_from_embedded_object_store(weir):
    jar = small_zip()
    bucket_dir = weir.data_dir / "buckets" / "mybucket"
    bucket_dir.mkdir(parents=True)
    (bucket_dir / "app.jar").write_bytes(jar)

    client = weir.client()
    name = unique_name("s3")
    s3_app(client, name, "app.jar")
    detail = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    content = detail["ApplicationConfigurationDescription"][
        "ApplicationCodeConfigurationDescription"
    ]["CodeContentDescription"]
    location = content["S3ApplicationCodeLocationDescription"]
    assert location["BucketARN"] == "arn:aws:s3:::mybucket"
    assert location["FileKey"] == "app.jar"
    if "CodeSize" in content:
        assert content["CodeSize"] == len(jar)
    if "CodeMD5" in content:
        assert content["CodeMD5"] == hashlib.md5(jar).hexdigest()


def test_boto3_s3_missing_object_is_code_validation_error(weir):
    (weir.data_dir / "buckets" / "mybucket").mkdir(parents=True)
    client = weir.client()
    name = unique_name("s3missing")
    with pytest.raises(client.exceptions.CodeValidationException):
        s3_app(client, name, "missing.jar")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_application(ApplicationName=name)


def test_boto3_s3_key_cannot_escape_the_bucket(weir):
    # A file that exists outside the bucket must not be reachable through "..".
    (weir.data_dir / "buckets" / "mybucket").mkdir(parents=True)
    (weir.data_dir / "outside.jar").write_bytes(small_zip())
    client = weir.client()
    name = unique_name("s3escape")
    with pytest.raises(ClientError) as info:
        s3_app(client, name, "../../outside.jar")
    assert error_code(info.value) in (
        "CodeValidationException",
        "InvalidArgumentException",
    ), info.value.response


# --------------------------------------------------------------------------
# AWS CLI
# --------------------------------------------------------------------------


def test_aws_cli_create_describe_list_delete(weir):
    jar = small_zip()
    bucket_dir = weir.data_dir / "buckets" / "cli-bucket"
    bucket_dir.mkdir(parents=True)
    (bucket_dir / "jobs" / "app.jar").parent.mkdir()
    (bucket_dir / "jobs" / "app.jar").write_bytes(jar)
    name = unique_name("cli")

    created = weir.aws(
        "create-application",
        "--application-name", name,
        "--runtime-environment", "FLINK-1_20",
        "--service-execution-role", ROLE,
        "--application-configuration",
        '{"ApplicationCodeConfiguration": {"CodeContent": {"S3ContentLocation": '
        '{"BucketARN": "arn:aws:s3:::cli-bucket", "FileKey": "jobs/app.jar"}}, '
        '"CodeContentType": "ZIPFILE"}}',
        "--tags", "Key=owner,Value=cli",
    ).json()
    assert created["ApplicationDetail"]["ApplicationName"] == name
    assert created["ApplicationDetail"]["ApplicationVersionId"] == 1

    described = weir.aws("describe-application", "--application-name", name).json()
    detail = described["ApplicationDetail"]
    assert detail["ApplicationStatus"] == "READY"
    assert detail["ApplicationARN"] == (
        f"arn:aws:kinesisanalytics:us-east-1:000000000000:application/{name}"
    )
    create_ts = detail["CreateTimestamp"]

    listed = weir.aws("list-applications").json()
    assert [s["ApplicationName"] for s in listed["ApplicationSummaries"]] == [name]

    tags = weir.aws("list-tags-for-resource", "--resource-arn", detail["ApplicationARN"]).json()
    assert tags["Tags"] == [{"Key": "owner", "Value": "cli"}]

    deleted = weir.aws(
        "delete-application",
        "--application-name", name,
        "--create-timestamp", str(create_ts),
    )
    assert deleted.returncode == 0

    gone = weir.aws("describe-application", "--application-name", name, check=False)
    assert gone.returncode != 0, str(gone)
    assert "ResourceNotFoundException" in gone.stderr, str(gone)

    listed = weir.aws("list-applications").json()
    assert listed["ApplicationSummaries"] == []


def test_aws_cli_wrong_create_timestamp_is_refused(weir):
    (weir.data_dir / "buckets" / "cli-ts-bucket").mkdir(parents=True)
    (weir.data_dir / "buckets" / "cli-ts-bucket" / "app.jar").write_bytes(small_zip())
    name = unique_name("clits")
    weir.aws(
        "create-application",
        "--application-name", name,
        "--runtime-environment", "FLINK-1_20",
        "--service-execution-role", ROLE,
        "--application-configuration",
        '{"ApplicationCodeConfiguration": {"CodeContent": {"S3ContentLocation": '
        '{"BucketARN": "arn:aws:s3:::cli-ts-bucket", "FileKey": "app.jar"}}, '
        '"CodeContentType": "ZIPFILE"}}',
    )
    wrong = weir.aws(
        "delete-application",
        "--application-name", name,
        "--create-timestamp", "2001-01-01T00:00:00Z",
        check=False,
    )
    assert wrong.returncode != 0, str(wrong)
    # The application is still there.
    weir.aws("describe-application", "--application-name", name)


def test_aws_cli_presigned_dashboard_url_needs_a_running_application(weir):
    name = unique_name("dash")
    create_zip_app(weir.client(), name)
    refused = weir.aws(
        "create-application-presigned-url",
        "--application-name", name,
        "--url-type", "FLINK_DASHBOARD_URL",
        check=False,
    )
    assert refused.returncode != 0, str(refused)
    assert "ResourceInUseException" in refused.stderr, str(refused)
    assert "only while it runs" in refused.stderr, str(refused)


def test_aws_cli_filter_log_events_reads_and_follows_the_application_log(weir):
    # `aws logs tail` is an AWS CLI v2 command; v1 (PyPI) follows a log the
    # way tail does, by repeated filter-log-events from the last timestamp.
    client = weir.client()
    name = unique_name("tail")
    create_zip_app(client, name)
    client.update_application(
        ApplicationName=name,
        CurrentApplicationVersionId=1,
        ApplicationConfigurationUpdate={
            "EnvironmentPropertyUpdates": {
                "PropertyGroups": [{"PropertyGroupId": "g", "PropertyMap": {"k": "v"}}]
            }
        },
    )
    group = f"/aws/kinesis-analytics/{name}"
    filtered = weir.aws(
        "filter-log-events", "--log-group-name", group, "--filter-pattern", '"updated to version"',
        service="logs",
    ).json()
    events = filtered["events"]
    assert len(events) == 1 and "updated to version 2" in events[0]["message"], events

    # Following: from just after the last event seen, only what is new.
    since = str(events[0]["timestamp"] + 1)
    client.update_application(
        ApplicationName=name,
        CurrentApplicationVersionId=2,
        ApplicationConfigurationUpdate={
            "EnvironmentPropertyUpdates": {
                "PropertyGroups": [{"PropertyGroupId": "g", "PropertyMap": {"k": "w"}}]
            }
        },
    )
    newer = weir.aws(
        "filter-log-events", "--log-group-name", group, "--start-time", since, service="logs",
    ).json()["events"]
    assert [e["message"] for e in newer if "updated to version" in e["message"]] and all(
        "version 2" not in e["message"] for e in newer
    ), newer


def _savepoint(directory):
    """A directory as Flink writes a savepoint: `_metadata` with Flink's
    header (magic number, format version 4) and a state file."""
    directory.mkdir(parents=True)
    (directory / "_metadata").write_bytes(
        (0x4960672D).to_bytes(4, "big") + (4).to_bytes(4, "big") + b"operators"
    )
    (directory / "state-1").write_bytes(b"x" * 4096)


def _wait(call, key, field, busy, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        answer = call()[key]
        if answer[field] != busy or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_boto3_enhanced_snapshots_import_export_and_delete(weir):
    client = weir.client()
    buckets = weir.data_dir / "buckets"
    _savepoint(buckets / "savepoints" / "from-flink" / "savepoint-1")
    (buckets / "exports").mkdir()
    garbage = buckets / "savepoints" / "garbage"
    garbage.mkdir()
    (garbage / "_metadata").write_bytes(b"not a savepoint")
    role = "arn:aws:iam::000000000000:role/weir"

    def source(prefix):
        return {
            "SourceType": "S3",
            "ImportRoleArn": role,
            "SourceS3PrefixLocation": {"BucketARN": "arn:aws:s3:::savepoints", "KeyPrefix": prefix},
        }

    imported = client.import_snapshot(
        SnapshotName="migrated",
        ImportSourceConfiguration=source("from-flink/savepoint-1/"),
        Tags=[{"Key": "origin", "Value": "self-managed"}],
    )
    assert imported["SnapshotStatus"] == "CREATING"
    assert imported["SnapshotArn"].endswith(":snapshot/migrated")
    details = _wait(
        lambda: client.describe_snapshot(SnapshotName="migrated"),
        "SnapshotInfoDetails", "SnapshotStatus", "CREATING",
    )
    assert details["SnapshotStatus"] == "READY"
    assert details["SnapshotSizeInBytes"] > 4096
    assert details["SnapshotSourceDescription"]["S3PrefixLocation"]["KeyPrefix"] == "from-flink/savepoint-1/"
    tags = client.list_tags_for_resource(ResourceARN=imported["SnapshotArn"])["Tags"]
    assert tags == [{"Key": "origin", "Value": "self-managed"}]

    # Garbage is FAILED with the reason.
    bad = client.import_snapshot(SnapshotName="junk", ImportSourceConfiguration=source("garbage"))
    op = _wait(
        lambda: client.describe_snapshot_operation(
            SnapshotName="junk", SnapshotOperationId=bad["SnapshotOperationId"]
        ),
        "SnapshotOperationInfoDetails", "SnapshotOperationStatus", "IN_PROGRESS",
    )
    assert op["SnapshotOperationStatus"] == "FAILED"
    assert "not a Flink savepoint" in op["SnapshotOperationFailureDetails"]["ErrorInfo"]["ErrorString"]

    # Export: under the prefix, then the operation's id.
    export = client.export_snapshot(
        SnapshotName="migrated",
        ExportDestinationConfiguration={
            "DestinationType": "S3",
            "ExportRoleArn": role,
            "DestinationS3PrefixLocation": {"BucketARN": "arn:aws:s3:::exports", "KeyPrefix": "out"},
        },
    )
    op = _wait(
        lambda: client.describe_snapshot_operation(
            SnapshotName="migrated", SnapshotOperationId=export["SnapshotOperationId"]
        ),
        "SnapshotOperationInfoDetails", "SnapshotOperationStatus", "IN_PROGRESS",
    )
    assert op["SnapshotOperationStatus"] == "SUCCESSFUL", op
    prefix = op["SnapshotDestinationLocationDescription"]["S3PrefixLocation"]["ExportedPrefix"]
    assert prefix == f"out/{export['SnapshotOperationId']}"
    assert (buckets / "exports" / prefix / "_metadata").read_bytes()[:4] == bytes.fromhex("4960672d")

    listed = client.list_snapshots(SnapshotInitiatorOperation="ImportSnapshot")["SnapshotInfoList"]
    assert sorted(s["SnapshotName"] for s in listed) == ["junk", "migrated"]
    ops = client.list_snapshot_operations(SnapshotName="migrated")["SnapshotOperationInfoList"]
    assert {o["SnapshotOperation"] for o in ops} == {"ImportSnapshot", "ExportSnapshot"}

    # Refusals are the service's.
    with pytest.raises(client.exceptions.InvalidArgumentException):
        client.list_snapshots(SnapshotStatus="READY", SnapshotInitiator="USER")
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.import_snapshot(SnapshotName="migrated", ImportSourceConfiguration=source("x"))
    with pytest.raises(client.exceptions.InvalidArgumentException):
        client.import_snapshot(SnapshotName="SYSTEMSNAPSHOT-x", ImportSourceConfiguration=source("x"))
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_snapshot(SnapshotName="nope")

    # Delete: DELETING, then gone, files and all.
    deleted = client.delete_snapshot(
        SnapshotName="migrated", SnapshotCreationTimestamp=details["SnapshotCreationTimestamp"]
    )
    assert deleted["SnapshotStatus"] == "DELETING"
    deadline = time.monotonic() + 30
    while True:
        try:
            client.describe_snapshot(SnapshotName="migrated")
        except client.exceptions.ResourceNotFoundException:
            break
        assert time.monotonic() < deadline, "the snapshot was never deleted"
        time.sleep(0.1)
    assert not (weir.data_dir / "enhanced-snapshots" / "migrated").exists()

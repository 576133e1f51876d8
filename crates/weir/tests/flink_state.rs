//! End-to-end tests with real Apache Flink for issue 4: an application's
//! state survives everything the service does to it. Snapshots (Flink
//! savepoints in Weir's own catalogue), stop with snapshot and restore on
//! start, live updates, rollback (asked for and automatic), maintenance,
//! restoring a custom snapshot, AllowNonRestoredState and a corrupted
//! snapshot.
//!
//! The state checked is the keyed counts of the `streaming-count` example:
//! its output lines `key,count,n` are committed with each checkpoint, so for
//! every key the counts seen must be 1, 2, 3, … with no gap (nothing lost)
//! and no second 1 (never reset). Across a stop-with-savepoint or an update
//! the sink is exactly-once, so no count shows twice either; a rollback
//! restores an older snapshot, after which counts are replayed (the most
//! the checkpointing mode allows).
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`.

mod flink_harness;

use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationConfigurationUpdate, ApplicationRestoreConfiguration, ApplicationRestoreType,
    ApplicationSnapshotConfigurationUpdate, ApplicationSystemRollbackConfigurationUpdate,
    ConfigurationType, EnvironmentPropertyUpdates, FlinkApplicationConfigurationUpdate,
    FlinkRunConfiguration, OperationStatus, ParallelismConfigurationUpdate, PropertyGroup,
    RunConfiguration, SnapshotDetails, SnapshotStatus,
};
use flink_harness::*;
use serde_json::json;
use weir_test_support::server::*;

/// Until a snapshot has settled.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(120);

async fn describe_snapshot(f: &Flink, app: &str, name: &str) -> SnapshotDetails {
    f.client
        .describe_application_snapshot()
        .application_name(app)
        .snapshot_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeApplicationSnapshot {name}: {e:?}"))
        .snapshot_details
        .expect("SnapshotDetails")
}

async fn wait_snapshot_ready(f: &Flink, app: &str, name: &str) -> SnapshotDetails {
    let deadline = Instant::now() + SNAPSHOT_TIMEOUT;
    loop {
        let d = describe_snapshot(f, app, name).await;
        match d.snapshot_status() {
            SnapshotStatus::Ready => return d,
            SnapshotStatus::Creating if Instant::now() < deadline => {}
            other => panic!("snapshot {name} is {other:?}\n{}", f.diagnosis(app).await),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn snapshots(f: &Flink, app: &str) -> Vec<SnapshotDetails> {
    f.client
        .list_application_snapshots()
        .application_name(app)
        .send()
        .await
        .expect("ListApplicationSnapshots")
        .snapshot_summaries()
        .to_vec()
}

async fn version(f: &Flink, app: &str) -> i64 {
    f.detail(app).await.application_version_id
}

/// The ErrorString of a failed operation ("" if none).
async fn error_string(f: &Flink, app: &str, op: &str) -> String {
    flink_harness::error_string(&f.operation(app, op).await)
}

/// UpdateApplication with `config`, returning the operation id.
async fn update(
    f: &Flink,
    app: &str,
    config: ApplicationConfigurationUpdate,
    run: Option<RunConfigurationUpdateSpec>,
) -> Option<String> {
    let mut req = f
        .client
        .update_application()
        .application_name(app)
        .current_application_version_id(version(f, app).await)
        .application_configuration_update(config);
    if let Some(run) = run {
        req = req.run_configuration_update(run.build());
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("UpdateApplication {app}: {e:?}"))
        .operation_id
}

/// What an update's RunConfigurationUpdate says.
struct RunConfigurationUpdateSpec {
    allow_non_restored_state: bool,
}

impl RunConfigurationUpdateSpec {
    fn build(&self) -> aws_sdk_kinesisanalyticsv2::types::RunConfigurationUpdate {
        aws_sdk_kinesisanalyticsv2::types::RunConfigurationUpdate::builder()
            .flink_run_configuration(
                FlinkRunConfiguration::builder()
                    .allow_non_restored_state(self.allow_non_restored_state)
                    .build(),
            )
            .build()
    }
}

fn parallelism_update(p: i32) -> ApplicationConfigurationUpdate {
    ApplicationConfigurationUpdate::builder()
        .flink_application_configuration_update(
            FlinkApplicationConfigurationUpdate::builder()
                .parallelism_configuration_update(
                    ParallelismConfigurationUpdate::builder()
                        .configuration_type_update(ConfigurationType::Custom)
                        .parallelism_update(p)
                        .build(),
                )
                .build(),
        )
        .build()
}

fn properties_update(groups: &[(&str, &[(&str, &str)])]) -> ApplicationConfigurationUpdate {
    let groups = groups
        .iter()
        .map(|(id, pairs)| {
            let mut g = PropertyGroup::builder().property_group_id(*id);
            for (k, v) in *pairs {
                g = g.property_map(*k, *v);
            }
            g.build().unwrap()
        })
        .collect();
    ApplicationConfigurationUpdate::builder()
        .environment_property_updates(
            EnvironmentPropertyUpdates::builder()
                .set_property_groups(Some(groups))
                .build()
                .unwrap(),
        )
        .build()
}

// ---------------------------------------------------------------------------
// 1. Snapshots, stop with snapshot, restore on start, custom snapshots
// ---------------------------------------------------------------------------

#[tokio::test]
async fn snapshots_carry_state_across_stop_start_and_custom_restores() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "stateful";
    let out = f.out_dir(app);
    f.create(&counting_app(app, &out, false)).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let seen = wait_output_beyond(&f, app, &out, 0).await;

    // A user snapshot: CREATING → READY, described and listed.
    f.client
        .create_application_snapshot()
        .application_name(app)
        .snapshot_name("user-1")
        .send()
        .await
        .expect("CreateApplicationSnapshot");
    let user = wait_snapshot_ready(&f, app, "user-1").await;
    assert_eq!(user.application_version_id(), 1);
    assert!(user.snapshot_creation_timestamp().is_some());
    // The same name twice is refused.
    let again = f
        .client
        .create_application_snapshot()
        .application_name(app)
        .snapshot_name("user-1")
        .send()
        .await
        .expect_err("a second snapshot named user-1");
    assert_eq!(again.code(), Some("ResourceInUseException"), "{again:?}");

    // Stop takes a system snapshot (stop-with-savepoint) and is READY only
    // once it is catalogued.
    let stop = f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(app, &stop, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(app).await;
    let all = snapshots(&f, app).await;
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(
        all.iter()
            .all(|s| s.snapshot_status() == &SnapshotStatus::Ready),
        "{all:#?}"
    );
    let stopped_at = assert_counts_continue(&out, false);

    // Start: restored from the latest snapshot (the stop's); the counts
    // continue from where they were, exactly once.
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let log = f.log(app).await;
    let system = &all[0];
    assert!(
        log.iter().any(|l| l.starts_with("Submitted job ")
            && l.ends_with(&format!(
                "restored from snapshot {}",
                system.snapshot_name()
            ))),
        "{log:#?}"
    );
    wait_output_beyond(&f, app, &out, stopped_at.max(seen)).await;
    assert_counts_continue(&out, false);

    // Restore a custom snapshot: back to user-1's state (counts replay).
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    let before = assert_counts_continue(&out, false);
    f.client
        .start_application()
        .application_name(app)
        .run_configuration(
            RunConfiguration::builder()
                .application_restore_configuration(
                    ApplicationRestoreConfiguration::builder()
                        .application_restore_type(ApplicationRestoreType::RestoreFromCustomSnapshot)
                        .snapshot_name("user-1")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .expect("StartApplication from user-1");
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let log = f.log(app).await;
    assert!(
        log.iter()
            .any(|l| l.ends_with("restored from snapshot user-1")),
        "{log:#?}"
    );
    wait_output_beyond(&f, app, &out, before).await;
    assert_counts_continue(&out, true);
    let detail = f.detail(app).await;
    let restore = detail
        .application_configuration_description()
        .and_then(|c| c.run_configuration_description())
        .and_then(|r| r.application_restore_configuration_description())
        .expect("ApplicationRestoreConfigurationDescription");
    assert_eq!(
        restore.application_restore_type(),
        &ApplicationRestoreType::RestoreFromCustomSnapshot
    );

    // Deleting a snapshot needs its exact creation time, and removes its files.
    let user = describe_snapshot(&f, app, "user-1").await;
    let files_before = std::fs::read_dir(f.weir.data_dir().join("snapshots").join(app))
        .unwrap()
        .count();
    let wrong = f
        .client
        .delete_application_snapshot()
        .application_name(app)
        .snapshot_name("user-1")
        .snapshot_creation_timestamp(aws_sdk_kinesisanalyticsv2::primitives::DateTime::from_secs(
            1,
        ))
        .send()
        .await
        .expect_err("a wrong creation time");
    assert_eq!(wrong.code(), Some("InvalidArgumentException"), "{wrong:?}");
    f.client
        .delete_application_snapshot()
        .application_name(app)
        .snapshot_name("user-1")
        .snapshot_creation_timestamp(*user.snapshot_creation_timestamp().unwrap())
        .send()
        .await
        .expect("DeleteApplicationSnapshot");
    let gone = f
        .client
        .describe_application_snapshot()
        .application_name(app)
        .snapshot_name("user-1")
        .send()
        .await
        .expect_err("a deleted snapshot");
    assert_eq!(gone.code(), Some("ResourceNotFoundException"), "{gone:?}");
    let files_after = std::fs::read_dir(f.weir.data_dir().join("snapshots").join(app))
        .unwrap()
        .count();
    assert_eq!(
        files_after + 1,
        files_before,
        "the savepoint directory is gone"
    );

    f.stop_app(app, true).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
}

// ---------------------------------------------------------------------------
// 2. Live update, rollback and maintenance
// ---------------------------------------------------------------------------

#[tokio::test]
async fn state_survives_a_live_update_a_rollback_and_maintenance() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "evolving";
    let out = f.out_dir(app);
    f.create(&counting_app(app, &out, false)).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let seen = wait_output_beyond(&f, app, &out, 0).await;

    // A rollback needs a snapshot: none yet, refused, nothing changes.
    let refused = f
        .client
        .rollback_application()
        .application_name(app)
        .current_application_version_id(1)
        .send()
        .await
        .expect_err("a rollback without a previous version or snapshot");
    assert!(
        matches!(
            refused.code(),
            Some("InvalidRequestException") | Some("InvalidArgumentException")
        ),
        "{refused:?}"
    );
    assert_eq!(f.status(app).await, s("RUNNING"));

    // Live update to parallelism 2: UPDATING → snapshot → new cluster →
    // restored → RUNNING; the operation records the version change.
    let op = update(&f, app, parallelism_update(2), None)
        .await
        .expect("an update of a running application has an OperationId");
    let statuses = f
        .wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    assert!(
        statuses.contains(&s("UPDATING")) || statuses == [s("RUNNING")],
        "{statuses:?}"
    );
    f.assert_operation(app, &op, OperationStatus::Successful)
        .await;
    let details = f.operation(app, &op).await;
    let change = details
        .application_version_change_details()
        .expect("ApplicationVersionChangeDetails");
    assert_eq!(
        (
            change.application_version_updated_from(),
            change.application_version_updated_to()
        ),
        (1, 2)
    );
    assert_eq!(
        f.task_manager_pids(app).len(),
        2,
        "two Task Managers for parallelism 2"
    );
    wait_output_beyond(&f, app, &out, seen).await;
    let after_update = assert_counts_continue(&out, false);

    // Rollback to version 1's configuration, restored from the last snapshot.
    let rollback = f
        .client
        .rollback_application()
        .application_name(app)
        .current_application_version_id(2)
        .send()
        .await
        .expect("RollbackApplication");
    let rollback_op = rollback.operation_id().expect("OperationId").to_string();
    f.wait_running_after(app, &rollback_op).await;
    let detail = f.detail(app).await;
    assert_eq!(detail.application_version_id(), 3);
    assert_eq!(detail.application_version_rolled_back_from(), Some(2));
    assert_eq!(detail.application_version_rolled_back_to(), Some(1));
    let versions = f
        .client
        .list_application_versions()
        .application_name(app)
        .send()
        .await
        .expect("ListApplicationVersions");
    assert!(
        versions
            .application_version_summaries()
            .iter()
            .any(|v| v.application_version_id() == 2
                && v.application_status() == &s("ROLLED_BACK")),
        "{versions:?}"
    );
    assert_eq!(f.task_manager_pids(app).len(), 1, "back to parallelism 1");
    wait_output_beyond(&f, app, &out, after_update).await;
    let after_rollback = assert_counts_continue(&out, true);

    // Maintenance on demand (the operator's admin call): MAINTENANCE →
    // snapshot → new JVMs → restored → RUNNING, a Maintenance operation.
    let jm_before = f.job_manager_pid(app);
    let body = serde_json::to_vec(&json!({ "ApplicationName": app })).unwrap();
    let resp = f
        .weir
        .send(
            "WeirAdmin_20261126.StartApplicationMaintenance",
            body,
            Signing::valid(),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let maintenance = resp.json["OperationId"]
        .as_str()
        .expect("OperationId")
        .to_string();
    f.wait_running_after(app, &maintenance).await;
    let info = f.operation(app, &maintenance).await;
    assert_eq!(info.operation(), "Maintenance");
    assert_ne!(
        f.job_manager_pid(app),
        jm_before,
        "maintenance replaced the JVMs"
    );
    wait_output_beyond(&f, app, &out, after_rollback).await;
    assert_counts_continue(&out, true);

    let ops = f
        .client
        .list_application_operations()
        .application_name(app)
        .send()
        .await
        .expect("ListApplicationOperations");
    let kinds: Vec<&str> = ops
        .application_operation_info_list()
        .iter()
        .filter_map(|o| o.operation())
        .collect();
    assert_eq!(
        kinds,
        [
            "Maintenance",
            "RollbackApplication",
            "UpdateApplication",
            "StartApplication"
        ],
        "newest first"
    );
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
}

// ---------------------------------------------------------------------------
// 3. AllowNonRestoredState, and a corrupted snapshot
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_removed_operator_needs_allow_non_restored_state_and_a_corrupt_snapshot_fails() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "shrinking";
    let out = f.out_dir(app);
    f.create(&counting_app(app, &out, true)).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    wait_output_beyond(&f, app, &out, 0).await;
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    let stopped_at = assert_counts_continue(&out, false);

    // Version 2 drops the `extra-state` operator. The update does not set
    // AllowNonRestoredState, so it is false; the start fails with Flink's
    // reason and the application is READY again, nothing else changed.
    let out_s = out.display().to_string();
    update(
        &f,
        app,
        properties_update(&[
            ("SinkConfig", &[("output.path", out_s.as_str())]),
            (
                "SourceConfig",
                &[("records.per.second", RATE), ("keys", "3")],
            ),
            ("CountConfig", &[("extra.operator", "false")]),
        ]),
        None,
    )
    .await;
    let start = f.start_app(app).await;
    f.wait_status(app, s("READY"), &[], START_TIMEOUT).await;
    f.assert_operation(app, &start, OperationStatus::Failed)
        .await;
    let error = error_string(&f, app, &start).await;
    assert!(
        error.contains("Cannot map checkpoint/savepoint state")
            || error.contains("allowNonRestoredState"),
        "the failure names Flink's reason: {error}"
    );
    f.assert_no_jvms(app).await;

    // With AllowNonRestoredState the same start restores what it can.
    f.client
        .start_application()
        .application_name(app)
        .run_configuration(
            RunConfiguration::builder()
                .flink_run_configuration(
                    FlinkRunConfiguration::builder()
                        .allow_non_restored_state(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("StartApplication with AllowNonRestoredState");
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    wait_output_beyond(&f, app, &out, stopped_at).await;
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    assert_counts_continue(&out, false);

    // An update that sets nothing resets AllowNonRestoredState to false.
    update(&f, app, parallelism_update(1), None).await;
    let run = f.detail(app).await;
    let allow = run
        .application_configuration_description()
        .and_then(|c| c.run_configuration_description())
        .and_then(|r| r.flink_run_configuration_description())
        .and_then(|r| r.allow_non_restored_state());
    assert_eq!(allow, Some(false));

    // A corrupted snapshot: the start fails with a clear message, READY.
    let latest = snapshots(&f, app).await;
    let snap_dir = f.weir.data_dir().join("snapshots").join(app);
    let mut corrupted = 0;
    for entry in std::fs::read_dir(&snap_dir).unwrap().flatten() {
        let meta = entry.path().join("_metadata");
        if meta.is_file() {
            std::fs::write(&meta, b"not a savepoint").unwrap();
            corrupted += 1;
        }
    }
    assert!(corrupted >= 1 && !latest.is_empty());
    let start = f.start_app(app).await;
    f.wait_status(app, s("READY"), &[], START_TIMEOUT).await;
    f.assert_operation(app, &start, OperationStatus::Failed)
        .await;
    let error = error_string(&f, app, &start).await;
    assert!(!error.is_empty(), "a corrupt snapshot fails with a reason");
    f.assert_no_jvms(app).await;
}

// ---------------------------------------------------------------------------
// 4. A failing new version: system rollback, or READY
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_failing_update_rolls_back_by_itself_or_ends_ready() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "fragile";
    f.create(
        &App::new(app, FLINK_1_20, "fail-on-demand")
            .group("SourceConfig", &[("records.per.second", RATE)]),
    )
    .await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;

    // Version 2's main() throws; system rollback is on: the update FAILED
    // with Flink's error and names the rollback that brought version 1's
    // configuration back (as version 3), RUNNING.
    let mut config = properties_update(&[
        ("SourceConfig", &[("records.per.second", RATE)]),
        ("FailConfig", &[("fail.mode", "main")]),
    ]);
    config.application_system_rollback_configuration_update = Some(
        ApplicationSystemRollbackConfigurationUpdate::builder()
            .rollback_enabled_update(true)
            .build()
            .unwrap(),
    );
    let op = update(&f, app, config, None).await.expect("OperationId");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if f.status(app).await == s("RUNNING") && version(&f, app).await == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "{}", f.diagnosis(app).await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    f.assert_operation(app, &op, OperationStatus::Failed).await;
    let failed = f.operation(app, &op).await;
    let details = failed.operation_failure_details().expect("failure details");
    assert!(
        details
            .error_info()
            .and_then(|e| e.error_string())
            .is_some_and(|e| e.contains("failing in main()")),
        "{failed:#?}"
    );
    let rollback = details
        .rollback_operation_id()
        .expect("RollbackOperationId");
    f.assert_operation(app, rollback, OperationStatus::Successful)
        .await;

    // A snapshot while the job is down is refused with a clear reason. Make
    // the job fail at run time (version 4, rollback still on but the job
    // comes up before it fails), then ask.
    let mut config = properties_update(&[
        ("SourceConfig", &[("records.per.second", RATE)]),
        (
            "FailConfig",
            &[("fail.mode", "runtime"), ("fail.after.records", "5")],
        ),
    ]);
    config.application_snapshot_configuration_update = Some(
        ApplicationSnapshotConfigurationUpdate::builder()
            .snapshots_enabled_update(true)
            .build()
            .unwrap(),
    );
    update(&f, app, config, None).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    f.wait_log(
        app,
        "the job restarting",
        |log| log.iter().any(|l| l.ends_with(" to RESTARTING.")),
        EVENT_TIMEOUT,
    )
    .await;
    let mut refused = None;
    for _ in 0..40 {
        match f
            .client
            .create_application_snapshot()
            .application_name(app)
            .snapshot_name("while-down")
            .send()
            .await
        {
            Err(e) => {
                refused = Some(e);
                break;
            }
            // The job was RUNNING between two failures: try again.
            Ok(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    let refused = refused.expect("a snapshot of a failing job is refused");
    assert!(
        refused.code() == Some("InvalidApplicationConfigurationException")
            && refused.message().is_some_and(|m| m.contains("not RUNNING")),
        "{refused:?}"
    );

    // Without system rollback, a failing new version ends READY.
    let mut config = properties_update(&[("FailConfig", &[("fail.mode", "main")])]);
    config.application_system_rollback_configuration_update = Some(
        ApplicationSystemRollbackConfigurationUpdate::builder()
            .rollback_enabled_update(false)
            .build()
            .unwrap(),
    );
    let op = update(&f, app, config, None).await.expect("OperationId");
    f.wait_status(app, s("READY"), &[], START_TIMEOUT).await;
    f.assert_operation(app, &op, OperationStatus::Failed).await;
    assert!(f
        .operation(app, &op)
        .await
        .operation_failure_details()
        .and_then(|d| d.rollback_operation_id())
        .is_none());
    f.assert_no_jvms(app).await;
}

// ---------------------------------------------------------------------------
// 5. A runtime upgrade is an update too
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_runtime_upgrade_moves_the_state_to_the_new_flink() {
    let f = Flink::start(&[FLINK_1_20, FLINK_2_2]).await;
    let app = "upgraded";
    let out = f.out_dir(app);
    f.create(&counting_app(app, &out, false)).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let seen = wait_output_beyond(&f, app, &out, 0).await;

    // RuntimeEnvironmentUpdate with the jar built for Flink 2.2: the cluster
    // no longer fits, so a 2.2 one replaces it; the 1.20 savepoint is restored.
    let jar = std::fs::read(example_jar(FLINK_2_2, "streaming-count")).unwrap();
    let config = ApplicationConfigurationUpdate::builder()
        .application_code_configuration_update(
            aws_sdk_kinesisanalyticsv2::types::ApplicationCodeConfigurationUpdate::builder()
                .code_content_update(
                    aws_sdk_kinesisanalyticsv2::types::CodeContentUpdate::builder()
                        .zip_file_content_update(aws_sdk_kinesisanalyticsv2::primitives::Blob::new(
                            jar,
                        ))
                        .build(),
                )
                .build(),
        )
        .build();
    let op = f
        .client
        .update_application()
        .application_name(app)
        .current_application_version_id(1)
        .runtime_environment_update(FLINK_2_2.env())
        .application_configuration_update(config)
        .send()
        .await
        .expect("UpdateApplication to FLINK-2_2")
        .operation_id
        .expect("OperationId");
    f.wait_running_after(app, &op).await;
    let record = f.cluster_record(app).expect("cluster.json");
    assert_eq!(record["flink_version"], FLINK_2_2.version, "{record}");
    wait_output_beyond(&f, app, &out, seen + 3).await;
    assert_counts_continue(&out, false);
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
}

// ---------------------------------------------------------------------------
// 6. Weir killed in the middle of an update
// ---------------------------------------------------------------------------

#[tokio::test]
async fn weir_killed_mid_update_finishes_it_without_losing_state() {
    let mut f = Flink::start(&[FLINK_1_20]).await;
    let app = "resilient";
    let out = f.out_dir(app);
    f.create(&counting_app(app, &out, false)).await;
    f.start_app(app).await;
    f.wait_status(app, s("RUNNING"), &[s("READY")], START_TIMEOUT)
        .await;
    let mut seen = wait_output_beyond(&f, app, &out, 0).await;

    // Two kills: right after the update is acknowledged (the snapshot is
    // being asked for), and once the snapshot record exists.
    for (round, parallelism) in [(0, 2), (1, 1)] {
        let op = update(&f, app, parallelism_update(parallelism), None)
            .await
            .expect("OperationId");
        if round == 1 {
            let deadline = Instant::now() + EVENT_TIMEOUT;
            while f
                .log(app)
                .await
                .iter()
                .filter(|l| l.starts_with("Taking snapshot "))
                .nth(1)
                .is_none()
            {
                assert!(Instant::now() < deadline, "{}", f.diagnosis(app).await);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        f.weir.restart();
        f.reconnect();
        f.wait_running_after(app, &op).await;
        assert_eq!(version(&f, app).await, 2 + round);
        assert!(
            snapshots(&f, app)
                .await
                .iter()
                .all(|s| s.snapshot_status() != &SnapshotStatus::Creating),
            "a snapshot left CREATING"
        );
        assert_eq!(
            f.task_manager_pids(app).len(),
            parallelism as usize,
            "one cluster of the new shape"
        );
        seen = wait_output_beyond(&f, app, &out, seen).await;
        assert_counts_continue(&out, false);
    }
    f.stop_app(app, false).await;
    f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_no_jvms(app).await;
}

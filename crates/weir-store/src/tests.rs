use super::*;
use weir_control::model::*;
use weir_control::spec::{create, NewApplication, Stamp};

fn app(name: &str) -> Application {
    let req = NewApplication {
        name: name.into(),
        arn: format!("arn:aws:kinesisanalytics:us-east-1:000000000000:application/{name}"),
        description: Some("d".into()),
        runtime: RuntimeEnvironment::Flink1_20,
        service_execution_role: "arn:aws:iam::000000000000:role/r".into(),
        mode: None,
        code: None,
        checkpoint: None,
        monitoring: None,
        parallelism: None,
        environment_properties: None,
        snapshots: None,
        system_rollback_enabled: None,
        has_vpc_configurations: false,
        encryption: None,
        log_stream_arns: vec![],
        has_sql_configuration: false,
        has_zeppelin_configuration: false,
        maintenance_start: "06:00".into(),
    };
    create(
        req,
        &Stamp {
            now: 1_000,
            conditional_token: "t1".into(),
        },
    )
    .unwrap()
}

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        key: k.into(),
        value: Some(v.into()),
    }
}

#[test]
fn applications_versions_and_tags_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = app("b-app");
    let mut v2 = v1.clone();
    v2.version_id = 2;
    v2.description = Some("second".into());
    {
        let store = Store::open(dir.path()).unwrap();
        store.insert_application(&v1, &[tag("k", "v")]).unwrap();
        store.insert_application(&app("a-app"), &[]).unwrap();
        store.save_application(&v2).unwrap();
        store
            .set_tags("b-app", &[tag("k", "v"), tag("k2", "v2")])
            .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let apps = store.load_applications().unwrap();
    let names: Vec<_> = apps.iter().map(|a| a.app.name.as_str()).collect();
    assert_eq!(names, ["a-app", "b-app"]);
    assert_eq!(apps[1].app, v2);
    assert_eq!(apps[1].tags, vec![tag("k", "v"), tag("k2", "v2")]);
    assert_eq!(store.version("b-app", 1).unwrap(), Some(v1));
    assert_eq!(store.version("b-app", 3).unwrap(), None);
    assert_eq!(
        store.versions("b-app", None, 10).unwrap(),
        vec![(2, ApplicationStatus::Ready), (1, ApplicationStatus::Ready)]
    );
    assert_eq!(
        store.versions("b-app", Some(1), 10).unwrap(),
        vec![(1, ApplicationStatus::Ready)]
    );
}

#[test]
fn a_status_change_updates_the_current_version_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut a = app("x");
    store.insert_application(&a, &[]).unwrap();
    a.status = ApplicationStatus::Starting;
    store.save_application(&a).unwrap();
    assert_eq!(
        store.versions("x", None, 10).unwrap(),
        vec![(1, ApplicationStatus::Starting)]
    );
}

#[test]
fn delete_forgets_everything_and_the_name_can_be_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .insert_application(&app("x"), &[tag("k", "v")])
        .unwrap();
    store.delete_application("x").unwrap();
    assert!(store.load_applications().unwrap().is_empty());
    assert!(store.versions("x", None, 10).unwrap().is_empty());
    store.insert_application(&app("x"), &[]).unwrap();
    assert_eq!(store.load_applications().unwrap().len(), 1);
}

#[test]
fn duplicate_insert_fails_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .insert_application(&app("x"), &[tag("k", "v")])
        .unwrap();
    assert!(store.insert_application(&app("x"), &[]).is_err());
    let apps = store.load_applications().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].tags.len(), 1);
}

#[test]
fn saving_an_unknown_application_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.save_application(&app("ghost")),
        Err(StoreError::Corrupt { .. })
    ));
    assert!(store.versions("ghost", None, 10).unwrap().is_empty());
}

#[test]
fn a_change_commits_status_job_operation_and_logs_together() {
    use weir_control::operation::*;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut a = app("x");
    store.insert_application(&a, &[]).unwrap();
    a.status = ApplicationStatus::Starting;
    let op = OperationRecord {
        id: "op1".into(),
        application: "x".into(),
        kind: OperationKind::StartApplication,
        status: OperationStatus::InProgress,
        start_time: 5,
        end_time: None,
        version_from: None,
        version_to: None,
        error: None,
        rollback_operation_id: None,
    };
    let job = JobState {
        job_id: Some("j".into()),
        job_name: Some("n".into()),
        status: Some(JobStatus::Created),
        operation_id: Some("op1".into()),
        last_change_ms: 0,
        ..JobState::default()
    };
    let event = |t: i64, m: &str| LogEvent {
        seq: 0,
        application: "x".into(),
        timestamp: t,
        ingestion_time: t,
        version_id: 1,
        level: LogLevel::Info,
        logger: "weir".into(),
        message: m.into(),
    };
    let logs = [event(10, "first"), event(20, "second"), event(30, "third")];
    store
        .commit(Change {
            app: Some(&a),
            job: Some(("x", &job)),
            operations: std::slice::from_ref(&op),
            logs: &logs,
            ..Change::default()
        })
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.load_applications().unwrap()[0].app.status,
        ApplicationStatus::Starting
    );
    assert_eq!(store.job_states().unwrap(), vec![("x".to_string(), job)]);
    assert_eq!(store.operations_in_progress().unwrap(), vec![op.clone()]);
    assert_eq!(store.operation("x", "op1").unwrap(), Some(op.clone()));
    assert_eq!(store.operation("y", "op1").unwrap(), None);
    // Snapshots: written with a change, read back, a past version re-marked.
    let snap = weir_control::snapshot::SnapshotRecord {
        application: "x".into(),
        name: "s1".into(),
        status: weir_control::snapshot::SnapshotStatus::Creating,
        kind: weir_control::snapshot::SnapshotKind::User,
        version_id: 1,
        runtime: a.runtime,
        created: 5,
        operation_id: None,
        stop_job: false,
        job_id: Some("j".into()),
        trigger_id: None,
        location: None,
        failure: None,
    };
    store
        .commit(Change {
            snapshots: std::slice::from_ref(&snap),
            version_status: Some(("x", a.version_id, ApplicationStatus::RolledBack)),
            ..Change::default()
        })
        .unwrap();
    assert_eq!(store.snapshots("x").unwrap(), vec![snap.clone()]);
    assert_eq!(store.snapshot("x", "s1").unwrap(), Some(snap.clone()));
    assert_eq!(
        store
            .snapshots_in_status(weir_control::snapshot::SnapshotStatus::Creating)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.versions("x", None, 10).unwrap()[0].1,
        ApplicationStatus::RolledBack
    );
    store.delete_snapshot("x", "s1").unwrap();
    assert!(store.snapshots("x").unwrap().is_empty());
    let all = store
        .log_events(
            "x",
            &LogQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        all.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["first", "second", "third"]
    );
    let page = store
        .log_events(
            "x",
            &LogQuery {
                limit: 10,
                after_seq: Some(all[0].seq),
                start_time: Some(0),
                end_time: Some(30),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        page.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["second"]
    );
    let back = store
        .log_events(
            "x",
            &LogQuery {
                limit: 2,
                backwards: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        back.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["third", "second"]
    );
    assert_eq!(store.log_bounds("x").unwrap(), Some((10, 30, 30)));
    assert_eq!(store.log_names().unwrap(), vec![("x".to_string(), 10)]);

    // Deleting the application forgets its operations but keeps its log.
    store.delete_application("x").unwrap();
    assert!(store.operations("x").unwrap().is_empty());
    assert!(store.job_states().unwrap().is_empty());
    assert_eq!(store.log_names().unwrap().len(), 1);
}

use super::*;
use weir_control::model::*;
use weir_control::spec::{create, NewApplication, Stamp};

fn app(name: &str) -> Application {
    let req = NewApplication {
        description: Some("d".into()),
        ..NewApplication::required(
            name,
            format!("arn:aws:kinesisanalytics:us-east-1:000000000000:application/{name}"),
            RuntimeEnvironment::Flink1_20,
            "arn:aws:iam::000000000000:role/r",
            "06:00",
        )
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

/// A store holding application `x`, with `sql` then run on it directly: a
/// record Weir would never write.
fn store_with(sql: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.insert_application(&app("x"), &[]).unwrap();
    store.conn().execute_batch(sql).unwrap();
    (dir, store)
}

/// The error's message, which must name the record and what is wrong with it.
fn refused<T: std::fmt::Debug>(r: Result<T>, record: &str, problem: &str) {
    let e = r.expect_err("a record that cannot be read is an error");
    let message = e.to_string();
    assert!(message.contains(record), "{message:?} names {record:?}");
    assert!(message.contains(problem), "{message:?} says {problem:?}");
}

#[test]
fn an_unknown_log_level_is_an_error_not_info() {
    let (_dir, store) = store_with(
        "INSERT INTO log_events (name, timestamp, ingestion_time, version_id, level, logger, message)
         VALUES ('x', 1, 1, 1, 'LOUD', 'weir', 'm')",
    );
    let q = LogQuery {
        limit: 10,
        ..Default::default()
    };
    let r = store.log_events("x", &q);
    assert!(matches!(r, Err(StoreError::Corrupt { .. })), "{r:?}");
    refused(r, "log event 1 of x", "unknown log level \"LOUD\"");
}

#[test]
fn a_negative_version_is_an_error() {
    let (_dir, store) = store_with(
        "INSERT INTO log_events (name, timestamp, ingestion_time, version_id, level, logger, message)
         VALUES ('x', 1, 1, -1, 'INFO', 'weir', 'm');
         UPDATE application_versions SET version_id = -3 WHERE name = 'x'",
    );
    let q = LogQuery {
        limit: 10,
        ..Default::default()
    };
    refused(
        store.log_events("x", &q),
        "log event 1 of x",
        "negative value -1",
    );
    refused(
        store.versions("x", None, 10),
        "application x version -3",
        "negative",
    );
}

#[test]
fn an_unknown_version_status_is_an_error() {
    let (_dir, store) = store_with("UPDATE application_versions SET status = 'NAPPING'");
    let r = store.versions("x", None, 10);
    assert!(matches!(r, Err(StoreError::Corrupt { .. })), "{r:?}");
    refused(r, "application x version 1", "unknown status \"NAPPING\"");
}

#[test]
fn documents_that_do_not_decode_are_errors_naming_the_record() {
    let (_dir, store) = store_with(
        "UPDATE applications SET document = '{\"name\": 1}';
         UPDATE application_versions SET document = 'not json';
         INSERT INTO job_states (name, document) VALUES ('x', '{\"status\": \"DANCING\"}');
         INSERT INTO operations (id, name, start_time, status, document)
             VALUES ('op1', 'x', 1, 'IN_PROGRESS', '[]');
         INSERT INTO snapshots (name, snapshot, created, status, document)
             VALUES ('x', 's1', 1, 'READY', '{}');
         INSERT INTO clusters (name, document) VALUES ('c1', '');",
    );
    let r = store.load_applications();
    // The decoding error is kept as the cause, not flattened to text.
    match &r {
        Err(e @ StoreError::Document { .. }) => {
            let source = std::error::Error::source(e).expect("a cause");
            assert!(source.is::<serde_json::Error>(), "{source:?}");
        }
        other => panic!("expected a Document error, got {other:?}"),
    }
    refused(r, "application x", "corrupt record");
    refused(
        store.version("x", 1),
        "application x version 1",
        "corrupt record",
    );
    refused(
        store.job_states(),
        "job state of x",
        "unknown variant `DANCING`",
    );
    refused(store.operations("x"), "operation op1", "corrupt record");
    refused(
        store.operations_in_progress(),
        "operation op1",
        "corrupt record",
    );
    refused(
        store.operation("x", "op1"),
        "operation op1",
        "corrupt record",
    );
    refused(store.snapshots("x"), "snapshot s1 of x", "corrupt record");
    refused(
        store.snapshot("x", "s1"),
        "snapshot s1 of x",
        "corrupt record",
    );
    refused(
        store.snapshots_in_status(weir_control::snapshot::SnapshotStatus::Ready),
        "snapshot s1 of x",
        "corrupt record",
    );
    refused(store.load_clusters(), "cluster c1", "corrupt record");
}

#[test]
fn tags_of_an_application_not_in_the_store_are_an_error() {
    let (_dir, store) = store_with(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO tags (name, position, key, value) VALUES ('ghost', 0, 'k', 'v');
         PRAGMA foreign_keys = ON;",
    );
    refused(
        store.load_applications(),
        "tags of application ghost",
        "not in the store",
    );
}

use super::*;
use std::sync::Mutex;
use weir_control::model::*;

fn realm() -> Realm {
    Realm {
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
    }
}

fn open(dir: &std::path::Path) -> Catalogue {
    Catalogue::open(Store::open(dir).unwrap(), realm(), "06:00".into()).unwrap()
}

fn request(name: &str, code: Option<CodeSource>) -> NewApplication<CodeSource> {
    NewApplication {
        code: code.map(|c| (CodeContentType::Zipfile, Some(c))),
        ..NewApplication::required(
            name,
            realm().application_arn(name),
            RuntimeEnvironment::Flink1_20,
            "arn:aws:iam::000000000000:role/r",
            "06:00",
        )
    }
}

fn tag(k: &str) -> Tag {
    Tag {
        key: k.into(),
        value: Some("v".into()),
    }
}

fn at(version: u64) -> Expectation {
    Expectation {
        version_id: Some(version),
        conditional_token: None,
    }
}

#[test]
fn create_describe_list_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let c = open(dir.path());
        for n in ["c", "a", "b"] {
            c.create_application(
                request(n, Some(CodeSource::Zip(b"jar".to_vec()))),
                vec![tag("k")],
            )
            .unwrap();
        }
        assert!(matches!(
            c.create_application(request("a", None), vec![]),
            Err(ServiceError::InUse(_))
        ));
        let page = c.list_applications(None, 2);
        let names: Vec<_> = page.items.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(page.next.as_deref(), Some("c"));
        let rest = c.list_applications(page.next.as_deref(), 2);
        assert_eq!(rest.items.len(), 1);
        assert!(rest.next.is_none());
    }
    let c = open(dir.path());
    let a = c.describe_application("a").unwrap();
    match &a.config.code.as_ref().unwrap().content {
        CodeContent::Zip(s) => assert_eq!(s.size, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.list_tags(&a.arn).unwrap().len(), 1);
}

#[test]
fn updates_need_a_fresh_expectation_and_keep_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    let v1 = c
        .create_application(request("a", None), vec![])
        .unwrap()
        .app;
    let upd = || ApplicationUpdate::<CodeSource> {
        system_rollback_enabled: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        c.update_application("a", &Expectation::default(), upd()),
        Err(ServiceError::InvalidArgument { .. })
    ));
    let (v2, _) = c.update_application("a", &at(1), upd()).unwrap();
    assert_eq!(v2.version_id, 2);
    assert!(matches!(
        c.update_application("a", &at(1), upd()),
        Err(ServiceError::ConcurrentModification(_))
    ));
    let stale_token = Expectation {
        version_id: None,
        conditional_token: Some(v1.conditional_token.clone()),
    };
    assert!(matches!(
        c.update_application("a", &stale_token, upd()),
        Err(ServiceError::ConcurrentModification(_))
    ));
    let fresh_token = Expectation {
        version_id: None,
        conditional_token: Some(v2.conditional_token.clone()),
    };
    assert_eq!(
        c.update_application("a", &fresh_token, upd())
            .unwrap()
            .0
            .version_id,
        3
    );
    assert_eq!(c.describe_version("a", 1).unwrap(), *v1);
    let page = c.list_versions("a", None, 2).unwrap();
    assert_eq!(
        page.items.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        [3, 2]
    );
    assert_eq!(page.next.as_deref(), Some("1"));
}

#[test]
fn refused_requests_store_no_code_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    let mut bad = request("a", Some(CodeSource::Zip(b"jar".to_vec())));
    bad.runtime = RuntimeEnvironment::Sql1_0;
    assert!(matches!(
        c.create_application(bad, vec![]),
        Err(ServiceError::Unsupported(_))
    ));
    assert!(
        !dir.path().join("code").exists(),
        "no code stored for a refused request"
    );
    assert!(c.is_empty());
}

#[test]
fn s3_code_resolves_in_the_embedded_bucket_store() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    let obj = dir.path().join("buckets/my-bucket/apps/app.jar");
    std::fs::create_dir_all(obj.parent().unwrap()).unwrap();
    std::fs::write(&obj, b"jarjar").unwrap();
    let loc = |key: &str| S3Location {
        bucket_arn: "arn:aws:s3:::my-bucket".into(),
        file_key: key.into(),
        object_version: None,
    };
    let app = c
        .create_application(
            request("a", Some(CodeSource::S3(loc("apps/app.jar")))),
            vec![],
        )
        .unwrap()
        .app;
    match &app.config.code.as_ref().unwrap().content {
        CodeContent::S3 { stored, .. } => assert_eq!(stored.size, 6),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.create_application(
            request("b", Some(CodeSource::S3(loc("missing.jar")))),
            vec![]
        ),
        Err(ServiceError::CodeValidation(_))
    ));
    assert!(matches!(
        c.create_application(
            request("b", Some(CodeSource::S3(loc("../my-bucket/apps/app.jar")))),
            vec![]
        ),
        Err(ServiceError::InvalidArgument { .. })
    ));
}

#[test]
fn delete_needs_the_exact_creation_time() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    let app = c
        .create_application(request("a", None), vec![])
        .unwrap()
        .app;
    assert!(matches!(
        c.delete_application("a", app.create_timestamp + 1),
        Err(ServiceError::InvalidArgument { .. })
    ));
    let whole_second_before = (app.create_timestamp.div_euclid(1000) - 1) * 1000;
    assert!(matches!(
        c.delete_application("a", whole_second_before),
        Err(ServiceError::InvalidArgument { .. })
    ));
    c.delete_application("a", app.create_timestamp).unwrap();
    assert!(matches!(
        c.describe_application("a"),
        Err(ServiceError::NotFound(_))
    ));
    assert!(open(dir.path()).is_empty());

    // A client that truncates to whole seconds still names the right application.
    let app = c
        .create_application(request("b", None), vec![])
        .unwrap()
        .app;
    c.delete_application("b", app.create_timestamp.div_euclid(1000) * 1000)
        .unwrap();
}

#[test]
fn tags_merge_remove_and_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    let arn = c
        .create_application(request("a", None), vec![tag("a")])
        .unwrap()
        .app
        .arn
        .clone();
    c.tag_resource(
        &arn,
        vec![
            tag("b"),
            Tag {
                key: "a".into(),
                value: Some("new".into()),
            },
        ],
    )
    .unwrap();
    let tags = c.list_tags(&arn).unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].value.as_deref(), Some("new"));
    c.untag_resource(&arn, &["a".into(), "zzz".into()]).unwrap();
    assert_eq!(c.list_tags(&arn).unwrap().len(), 1);
    let many: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"))).collect();
    assert!(matches!(
        c.tag_resource(&arn, many),
        Err(ServiceError::TooManyTags(_))
    ));
    assert_eq!(
        c.list_tags(&arn).unwrap().len(),
        1,
        "refused tagging changes nothing"
    );
    assert!(matches!(
        c.tag_resource(&arn, vec![tag("aws:x")]),
        Err(ServiceError::InvalidArgument { .. })
    ));
    assert!(matches!(
        c.list_tags("arn:aws:kinesisanalytics:us-east-1:000000000000:application/nope"),
        Err(ServiceError::NotFound(_))
    ));
}

#[test]
fn start_stop_and_force_stop_record_intent_operations_and_logs() {
    use weir_control::operation::{OperationKind, OperationStatus};
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    c.create_application(request("a", None), vec![]).unwrap();
    let woken = Arc::new(Mutex::new(Vec::<String>::new()));
    let w = woken.clone();
    c.set_notifier(Box::new(move |n| w.lock().unwrap().push(n.to_string())));

    let start = c.start_application("a", StartRequest::default()).unwrap();
    assert_eq!(
        c.describe_application("a").unwrap().status,
        ApplicationStatus::Starting
    );
    assert_eq!(woken.lock().unwrap().as_slice(), ["a"]);
    assert!(matches!(
        c.start_application("a", StartRequest::default()),
        Err(ServiceError::InUse(_))
    ));
    assert!(matches!(
        c.stop_application("a", false),
        Err(ServiceError::InUse(_))
    ));

    // A supervisor step decided for another status is dropped.
    assert!(c
        .advance("a", ApplicationStatus::Running, |adv| adv
            .set_status(ApplicationStatus::Ready))
        .unwrap()
        .is_none());

    // Force stop cancels the start and takes over.
    let force = c.stop_application("a", true).unwrap();
    assert_eq!(
        c.describe_application("a").unwrap().status,
        ApplicationStatus::ForceStopping
    );
    let started = c.describe_operation("a", &start.id).unwrap();
    assert_eq!(started.status, OperationStatus::Cancelled);
    c.advance("a", ApplicationStatus::ForceStopping, |adv| {
        c.end_operation(adv, OperationStatus::Successful, None)
            .unwrap();
        adv.set_status(ApplicationStatus::Ready);
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        c.describe_operation("a", &force.id).unwrap().status,
        OperationStatus::Successful
    );

    let ops = c
        .list_operations("a", &OperationFilter::default(), 0, 10)
        .unwrap();
    assert_eq!(ops.items.len(), 2);
    let only_start = OperationFilter {
        kind: Some(OperationKind::StartApplication),
        status: None,
    };
    assert_eq!(
        c.list_operations("a", &only_start, 0, 10)
            .unwrap()
            .items
            .len(),
        1
    );
    let page = c
        .list_operations("a", &OperationFilter::default(), 0, 1)
        .unwrap();
    assert_eq!(page.next.as_deref(), Some("1"));

    // Everything survives a restart, and the log tells the story.
    drop(c);
    let c = open(dir.path());
    assert_eq!(
        c.describe_application("a").unwrap().status,
        ApplicationStatus::Ready
    );
    let lines: Vec<String> = c
        .log_events(
            "a",
            &weir_store::LogQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("status changed from READY to STARTING")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("cancelled by ForceStopApplication")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.ends_with("SUCCESSFUL")), "{lines:?}");
}

/// An application RUNNING with a RUNNING job, as the supervisor leaves it.
fn running(c: &Catalogue, name: &str) {
    c.create_application(
        request(name, Some(CodeSource::Zip(b"jar".to_vec()))),
        vec![],
    )
    .unwrap();
    c.start_application(name, StartRequest::default()).unwrap();
    c.advance(name, ApplicationStatus::Starting, |adv| {
        adv.app.status = ApplicationStatus::Running;
        adv.job.job_id = Some("j".into());
        adv.job.status = Some(weir_control::operation::JobStatus::Running);
        adv.job.operation_id = None;
    })
    .unwrap();
}

fn user_snapshot(name: &str, i: usize, status: SnapshotStatus) -> SnapshotRecord {
    SnapshotRecord {
        application: name.into(),
        name: format!("s{i}"),
        status,
        kind: SnapshotKind::User,
        version_id: 1,
        runtime: RuntimeEnvironment::Flink1_20,
        created: 1_000 + i as i64,
        operation_id: None,
        stop_job: false,
        job_id: Some("j".into()),
        trigger_id: None,
        location: None,
        failure: None,
    }
}

use weir_control::snapshot::{SnapshotKind, SnapshotRecord, SnapshotStatus};

#[test]
fn snapshots_are_refused_when_they_cannot_be_taken_and_limited_to_1000() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    c.create_application(request("idle", None), vec![]).unwrap();
    assert!(matches!(
        c.create_snapshot("idle", "s"),
        Err(ServiceError::InUse(_))
    ));
    running(&c, "app");
    assert!(matches!(
        c.create_snapshot("app", "a/b"),
        Err(ServiceError::InvalidArgument { .. })
    ));
    // The job restarting: no savepoint possible, said so.
    c.advance("app", ApplicationStatus::Running, |adv| {
        adv.job.status = Some(weir_control::operation::JobStatus::Restarting);
    })
    .unwrap();
    let down = c.create_snapshot("app", "s").unwrap_err();
    assert!(
        matches!(&down, ServiceError::InvalidConfiguration(m) if m.contains("not RUNNING")),
        "{down:?}"
    );
    c.advance("app", ApplicationStatus::Running, |adv| {
        adv.job.status = Some(weir_control::operation::JobStatus::Running);
    })
    .unwrap();
    let first = c.create_snapshot("app", "first").unwrap();
    assert_eq!(first.status, SnapshotStatus::Creating);
    assert!(matches!(
        c.create_snapshot("app", "first"),
        Err(ServiceError::InUse(_))
    ));
    // A CREATING snapshot cannot be deleted.
    assert!(matches!(
        c.delete_snapshot("app", "first", first.created),
        Err(ServiceError::InUse(_))
    ));
    // 1000 user snapshots: the next is refused; nothing is written.
    let many: Vec<SnapshotRecord> = (0..999)
        .map(|i| user_snapshot("app", i, SnapshotStatus::Ready))
        .collect();
    c.store()
        .commit(weir_store::Change {
            snapshots: &many,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(c.snapshots_of("app").unwrap().len(), 1000);
    assert!(matches!(
        c.create_snapshot("app", "one-too-many"),
        Err(ServiceError::LimitExceeded(_))
    ));
    assert_eq!(c.snapshots_of("app").unwrap().len(), 1000);
    // Pages of 50, newest first, every snapshot once.
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let page = c.list_snapshots("app", start, 50).unwrap();
        seen.extend(page.items.into_iter().map(|s| s.name));
        match page.next {
            Some(n) => start = n.parse().unwrap(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 1000);
    assert_eq!(seen[0], "first");
}

#[test]
fn a_snapshot_in_use_is_not_deleted_and_a_deletion_is_finished_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    {
        let c = open(dir.path());
        running(&c, "app");
        let mut pinned = user_snapshot("app", 1, SnapshotStatus::Ready);
        let files = c.snapshots_dir("app").join("savepoint-1");
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("_metadata"), b"x").unwrap();
        pinned.location = Some(format!("file:{}", files.display()));
        c.store()
            .commit(weir_store::Change {
                snapshots: std::slice::from_ref(&pinned),
                ..Default::default()
            })
            .unwrap();
        c.advance("app", ApplicationStatus::Running, |adv| {
            adv.job.restore_from = Some("s1".into());
        })
        .unwrap();
        assert!(matches!(
            c.delete_snapshot("app", "s1", pinned.created),
            Err(ServiceError::InUse(_))
        ));
        // A crash between DELETING and the files going: the record says DELETING.
        pinned.status = SnapshotStatus::Deleting;
        c.store()
            .commit(weir_store::Change {
                snapshots: std::slice::from_ref(&pinned),
                ..Default::default()
            })
            .unwrap();
        assert!(files.exists());
    }
    let c = open(dir.path());
    assert!(c.snapshots_of("app").unwrap().is_empty());
    assert!(!c.snapshots_dir("app").join("savepoint-1").exists());
}

fn flink_cluster(
    name: &str,
    slots: u32,
    kpus: Option<u32>,
) -> weir_control::placement::ClusterRecord {
    weir_control::placement::ClusterRecord {
        name: name.into(),
        rest_url: format!("http://{name}:8081"),
        runtime: RuntimeEnvironment::Flink1_20,
        flink_version: "1.20.5".into(),
        savepoint_dir: format!("/shared/{name}"),
        capacity_kpus: kpus,
        total_slots: slots,
        registered_ms: 1,
    }
}

/// An application of `parallelism` (one slot per KPU) that may choose its
/// placement.
fn sized(c: &Catalogue, name: &str, parallelism: u32, placement: Option<&str>) {
    let mut req = request(name, Some(CodeSource::Zip(b"jar".to_vec())));
    req.parallelism = Some(weir_control::spec::ParallelismSpec {
        configuration_type: ConfigurationType::Custom,
        parallelism: Some(parallelism),
        parallelism_per_kpu: Some(1),
        auto_scaling_enabled: Some(false),
    });
    req.environment_properties = placement.map(|p| {
        vec![PropertyGroup {
            id: "weir.placement".into(),
            properties: vec![("cluster".into(), p.into())],
        }]
    });
    c.create_application(req, vec![]).unwrap();
}

fn placement_of(c: &Catalogue, name: &str) -> Option<String> {
    c.entry_of(name).unwrap().placement()
}

#[test]
fn starts_are_placed_by_capacity_and_refused_when_nothing_fits() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    // No cluster registered: local.
    sized(&c, "solo", 1, None);
    c.start_application("solo", StartRequest::default())
        .unwrap();
    assert_eq!(placement_of(&c, "solo").as_deref(), Some("local"));

    c.register_cluster(flink_cluster("small", 2, None)).unwrap();
    c.register_cluster(flink_cluster("big", 4, Some(3)))
        .unwrap();
    assert!(matches!(
        c.register_cluster(flink_cluster("big", 8, None)),
        Err(ServiceError::InUse(_))
    ));
    // Best fit: 2 slots go to the cluster they fill.
    sized(&c, "a", 2, None);
    c.start_application("a", StartRequest::default()).unwrap();
    assert_eq!(placement_of(&c, "a").as_deref(), Some("small"));
    sized(&c, "b", 2, None);
    c.start_application("b", StartRequest::default()).unwrap();
    assert_eq!(placement_of(&c, "b").as_deref(), Some("big"));
    // big has 2 slots but 1 KPU left; small is full: refused, nothing changes.
    sized(&c, "c", 2, None);
    let refused = c.start_application("c", StartRequest::default());
    assert!(
        matches!(&refused, Err(ServiceError::LimitExceeded(m)) if m.contains("big has 2 slot(s) and 1 KPU(s) free") && m.contains("small has 0 slot(s) free")),
        "{refused:?}"
    );
    assert_eq!(
        c.describe_application("c").unwrap().status,
        ApplicationStatus::Ready
    );
    assert!(c
        .list_operations("c", &OperationFilter::default(), 0, 50)
        .unwrap()
        .items
        .is_empty());
    // Pinned locally, it starts.
    sized(&c, "d", 2, Some("local"));
    c.start_application("d", StartRequest::default()).unwrap();
    assert_eq!(placement_of(&c, "d").as_deref(), Some("local"));
    // Pinned on an unknown cluster: a configuration error.
    sized(&c, "e", 1, Some("nowhere"));
    assert!(matches!(
        c.start_application("e", StartRequest::default()),
        Err(ServiceError::InvalidConfiguration(_))
    ));
    // Listing by where they run.
    let on = |w: &str| -> Vec<String> {
        c.list_applications_on(None, 50, Some(w))
            .items
            .iter()
            .map(|a| a.name.clone())
            .collect()
    };
    assert_eq!(on("small"), ["a"]);
    assert_eq!(on("local"), ["d", "solo"]);
    // A cluster in use is not removed; once its applications are READY it is.
    assert!(
        matches!(c.deregister_cluster("small"), Err(ServiceError::InUse(m)) if m.contains("a (STARTING)"))
    );
    c.stop_application("a", true).unwrap();
    c.advance("a", ApplicationStatus::ForceStopping, |adv| {
        adv.set_status(ApplicationStatus::Ready);
        adv.job.operation_id = None;
    })
    .unwrap();
    assert!(on("small").is_empty());
    // a's slots are free again: c fits on small now.
    c.start_application("c", StartRequest::default()).unwrap();
    assert_eq!(placement_of(&c, "c").as_deref(), Some("small"));
    let uses = c.cluster_usage();
    let small = uses.iter().find(|u| u.cluster.name == "small").unwrap();
    assert_eq!(
        (small.used.slots, small.applications.clone()),
        (2, vec!["c".to_string()])
    );
    // Registrations survive a restart.
    drop(c);
    let c = open(dir.path());
    assert_eq!(c.clusters().len(), 2);
    assert_eq!(placement_of(&c, "c").as_deref(), Some("small"));
    assert!(matches!(
        c.deregister_cluster("nope"),
        Err(ServiceError::NotFound(_))
    ));
}

#[test]
fn a_live_update_moves_an_application_or_is_refused_when_the_new_place_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    c.register_cluster(flink_cluster("one", 2, None)).unwrap();
    c.register_cluster(flink_cluster("two", 1, None)).unwrap();
    sized(&c, "mover", 1, Some("local"));
    c.start_application("mover", StartRequest::default())
        .unwrap();
    c.advance("mover", ApplicationStatus::Starting, |adv| {
        adv.set_status(ApplicationStatus::Running);
        adv.job.operation_id = None;
    })
    .unwrap();
    let to = |cluster: &str| ApplicationUpdate::<CodeSource> {
        environment_properties: Some(vec![PropertyGroup {
            id: "weir.placement".into(),
            properties: vec![("cluster".into(), cluster.into())],
        }]),
        ..Default::default()
    };
    c.update_application("mover", &at(1), to("two")).unwrap();
    assert_eq!(placement_of(&c, "mover").as_deref(), Some("two"));
    let log: Vec<String> = c
        .log_events(
            "mover",
            &weir_store::LogQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert!(
        log.iter()
            .any(|l| l == "Application mover moves from the local runtime to Flink cluster two"),
        "{log:?}"
    );
    c.advance("mover", ApplicationStatus::Updating, |adv| {
        adv.set_status(ApplicationStatus::Running);
        adv.job.operation_id = None;
    })
    .unwrap();
    // Another application takes "one" whole; moving there is refused and
    // leaves the version and placement as they were.
    sized(&c, "hog", 2, Some("one"));
    c.start_application("hog", StartRequest::default()).unwrap();
    assert!(matches!(
        c.update_application("mover", &at(2), to("one")),
        Err(ServiceError::LimitExceeded(_))
    ));
    let app = c.describe_application("mover").unwrap();
    assert_eq!(
        (app.version_id, app.status),
        (2, ApplicationStatus::Running)
    );
    assert_eq!(placement_of(&c, "mover").as_deref(), Some("two"));
}

#[test]
fn autoscaling_on_a_registered_cluster_grows_only_into_its_free_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    c.register_cluster(flink_cluster("one", 3, None)).unwrap();
    sized(&c, "busy", 1, None);
    sized(&c, "other", 1, None);
    for app in ["busy", "other"] {
        c.start_application(app, StartRequest::default()).unwrap();
        c.advance(app, ApplicationStatus::Starting, |adv| {
            adv.set_status(ApplicationStatus::Running);
            adv.job.operation_id = None;
        })
        .unwrap();
    }
    // 3 slots, 1 taken by "other": "busy" may grow to 2, not to 4.
    c.start_autoscale("busy", 4, "test").unwrap();
    let app = c.describe_application("busy").unwrap();
    assert_eq!(
        (app.status, app.config.flink.parallelism.current_parallelism),
        (ApplicationStatus::Autoscaling, 2)
    );
    c.advance("busy", ApplicationStatus::Autoscaling, |adv| {
        adv.set_status(ApplicationStatus::Running);
        adv.job.operation_id = None;
    })
    .unwrap();
    // Full now: growing further is refused and changes nothing.
    assert!(matches!(
        c.start_autoscale("busy", 4, "test"),
        Err(ServiceError::LimitExceeded(_))
    ));
    let app = c.describe_application("busy").unwrap();
    assert_eq!(
        (app.status, app.config.flink.parallelism.current_parallelism),
        (ApplicationStatus::Running, 2)
    );
    // Scaling down is always possible.
    c.start_autoscale("busy", 1, "test").unwrap();
}

// ---------------------------------------------------------------------------
// Enhanced snapshots

use weir_control::enhanced::{S3Prefix, SnapshotOperationKind, SnapshotOperationStatus};

/// An application in the ENHANCED_SNAPSHOTS mode, RUNNING with a RUNNING job.
fn running_enhanced(c: &Catalogue, name: &str) {
    let mut req = request(name, Some(CodeSource::Zip(b"jar".to_vec())));
    req.snapshots = Some(SnapshotConfig {
        enabled: true,
        mode: Some(SnapshotMode::Enhanced),
    });
    c.create_application(req, vec![]).unwrap();
    c.start_application(name, StartRequest::default()).unwrap();
    c.advance(name, ApplicationStatus::Starting, |adv| {
        adv.app.status = ApplicationStatus::Running;
        adv.job.job_id = Some("j".into());
        adv.job.status = Some(weir_control::operation::JobStatus::Running);
        adv.job.operation_id = None;
    })
    .unwrap();
}

/// A directory Flink could have written: `_metadata` with a savepoint's
/// header, and a state file.
fn fake_savepoint(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut meta = 0x4960_672du32.to_be_bytes().to_vec();
    meta.extend(4u32.to_be_bytes());
    meta.extend(b"rest of the metadata");
    std::fs::write(dir.join("_metadata"), meta).unwrap();
    std::fs::write(dir.join("state-1"), vec![7u8; 1000]).unwrap();
}

fn prefix(bucket: &str, key: &str) -> S3Prefix {
    S3Prefix {
        bucket_arn: format!("arn:aws:s3:::{bucket}"),
        key_prefix: key.into(),
    }
}

/// The application's supervisor, as far as a snapshot goes: the savepoint
/// written where the catalogue says, the record READY.
fn take_savepoint(c: &Catalogue, app: &str, snapshot: &str) {
    let record = c
        .snapshots_of(app)
        .unwrap()
        .into_iter()
        .find(|s| s.name == snapshot)
        .unwrap();
    let dir = c.savepoint_dir(&record).join("savepoint-abc");
    fake_savepoint(&dir);
    let ready = SnapshotRecord {
        status: SnapshotStatus::Ready,
        location: Some(format!("file:{}", dir.display())),
        ..record
    };
    c.put_snapshot(&ready, None).unwrap();
}

#[test]
fn enhanced_snapshots_are_taken_of_running_applications_in_the_enhanced_mode_only() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(dir.path());
    running(&c, "legacy");
    let refused = c
        .create_enhanced_snapshot("legacy", "s", NewSnapshot::default())
        .unwrap_err();
    assert!(
        matches!(&refused, ServiceError::InvalidConfiguration(m) if m.contains("ENHANCED_SNAPSHOTS")),
        "{refused:?}"
    );
    assert!(matches!(
        c.create_enhanced_snapshot("nobody", "s", NewSnapshot::default()),
        Err(ServiceError::InvalidArgument { member, .. }) if member == "ApplicationName"
    ));
    running_enhanced(&c, "app");
    for reserved in ["SYSTEMSNAPSHOT-1", "systemsnapshot"] {
        assert!(matches!(
            c.create_enhanced_snapshot("app", reserved, NewSnapshot::default()),
            Err(ServiceError::InvalidArgument { .. })
        ));
    }
    let (snap, op) = c
        .create_enhanced_snapshot(
            "app",
            "first",
            NewSnapshot {
                description: Some("before the upgrade".into()),
                tags: vec![tag("team")],
                encryption: None,
            },
        )
        .unwrap();
    assert_eq!(snap.status, SnapshotStatus::Creating);
    assert_eq!(op.kind, SnapshotOperationKind::CreateSnapshot);
    assert_eq!(op.status, SnapshotOperationStatus::InProgress);
    // One CreateSnapshot per application at a time; a name once per account.
    assert!(matches!(
        c.create_enhanced_snapshot("app", "second", NewSnapshot::default()),
        Err(ServiceError::InUse(_))
    ));
    running_enhanced(&c, "other");
    assert!(matches!(
        c.create_enhanced_snapshot("other", "first", NewSnapshot::default()),
        Err(ServiceError::InUse(_))
    ));
    // The application's own listing does not show it; the account's does.
    assert!(c.list_snapshots("app", 0, 50).unwrap().items.is_empty());
    assert!(c.describe_snapshot("app", "first").is_err());
    let listed = c
        .list_enhanced_snapshots(&SnapshotFilter::SourceApplication("app".into()), 0, 50)
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    take_savepoint(&c, "app", "first");
    let ready = c.describe_enhanced_snapshot("first").unwrap();
    assert_eq!(ready.status, SnapshotStatus::Ready);
    assert!(ready.size_bytes >= 1000, "{ready:?}");
    assert!(ready
        .location
        .as_deref()
        .unwrap()
        .contains("enhanced-snapshots/first/"));
    let ops = c
        .list_snapshot_operations("first", &SnapshotOperationFilter::All, 0, 50)
        .unwrap();
    assert_eq!(ops.items.len(), 1);
    assert_eq!(ops.items[0].status, SnapshotOperationStatus::Successful);
    assert!(ops.items[0].end.is_some());
    // The application's record is gone; the next CreateSnapshot may go.
    assert!(c.snapshots_of("app").unwrap().is_empty());
    c.create_enhanced_snapshot("app", "second", NewSnapshot::default())
        .unwrap();
    // Tags by the snapshot's ARN.
    let arn = c.snapshot_arn("first");
    assert_eq!(c.list_tags(&arn).unwrap().len(), 1);
    c.tag_resource(&arn, vec![tag("b")]).unwrap();
    c.untag_resource(&arn, &["team".to_string()]).unwrap();
    let keys: Vec<String> = c
        .list_tags(&arn)
        .unwrap()
        .iter()
        .map(|t| t.key.clone())
        .collect();
    assert_eq!(keys, ["b"]);
    // The snapshot outlives its application.
    c.advance("app", ApplicationStatus::Running, |adv| {
        adv.app.status = ApplicationStatus::Ready;
    })
    .unwrap();
    let app = c.describe_application("app").unwrap();
    c.delete_application("app", app.create_timestamp).unwrap();
    assert_eq!(
        c.describe_enhanced_snapshot("first").unwrap().status,
        SnapshotStatus::Ready
    );
    // The one it was taking when it went fails.
    c.run_snapshot_operations().unwrap();
    let second = c.describe_enhanced_snapshot("second").unwrap();
    assert_eq!(second.status, SnapshotStatus::Failed, "{second:?}");
}

#[test]
fn imports_exports_and_deletions_are_carried_out_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let buckets = dir.path().join("buckets");
    fake_savepoint(&buckets.join("inbox/flink/savepoint-1"));
    std::fs::create_dir_all(buckets.join("inbox/garbage")).unwrap();
    std::fs::write(buckets.join("inbox/garbage/_metadata"), b"not flink").unwrap();
    std::fs::create_dir_all(buckets.join("outbox")).unwrap();
    {
        let c = open(dir.path());
        let (snap, op) = c
            .import_enhanced_snapshot(
                "imported",
                prefix("inbox", "flink/savepoint-1/"),
                None,
                NewSnapshot::default(),
            )
            .unwrap();
        assert_eq!(snap.status, SnapshotStatus::Creating);
        assert_eq!(op.kind, SnapshotOperationKind::ImportSnapshot);
        c.import_enhanced_snapshot(
            "junk",
            prefix("inbox", "garbage"),
            None,
            NewSnapshot::default(),
        )
        .unwrap();
        c.import_enhanced_snapshot(
            "nothing",
            prefix("inbox", "absent"),
            None,
            NewSnapshot::default(),
        )
        .unwrap();
        assert!(matches!(
            c.import_enhanced_snapshot(
                "imported",
                prefix("inbox", "x"),
                None,
                NewSnapshot::default()
            ),
            Err(ServiceError::InUse(_))
        ));
        // Killed before any of it was done: nothing but the intent.
    }
    let c = open(dir.path());
    assert_eq!(c.run_snapshot_operations().unwrap(), 3);
    let imported = c.describe_enhanced_snapshot("imported").unwrap();
    assert_eq!(imported.status, SnapshotStatus::Ready, "{imported:?}");
    assert!(imported.size_bytes >= 1000);
    let junk = c.describe_enhanced_snapshot("junk").unwrap();
    assert_eq!(junk.status, SnapshotStatus::Failed);
    assert!(
        junk.failure
            .as_deref()
            .unwrap()
            .contains("not a Flink savepoint"),
        "{junk:?}"
    );
    let junk_op = &c
        .list_snapshot_operations("junk", &SnapshotOperationFilter::All, 0, 50)
        .unwrap()
        .items[0];
    assert_eq!(junk_op.failure.as_ref().unwrap().0, "NotASavepoint");
    let nothing = c.describe_enhanced_snapshot("nothing").unwrap();
    assert!(nothing
        .failure
        .as_deref()
        .unwrap()
        .contains("holds nothing"));

    // Export: under the prefix, then the operation's id; one at a time.
    let export = c
        .export_enhanced_snapshot("imported", prefix("outbox", "exports/"), None)
        .unwrap();
    assert!(matches!(
        c.export_enhanced_snapshot("imported", prefix("outbox", "exports/"), None),
        Err(ServiceError::LimitExceeded(_))
    ));
    assert!(matches!(
        c.export_enhanced_snapshot("junk", prefix("outbox", "x"), None),
        Err(ServiceError::InUse(_))
    ));
    let to_nowhere = c.export_enhanced_snapshot("imported", prefix("no-such-bucket", "x"), None);
    assert!(matches!(to_nowhere, Err(ServiceError::LimitExceeded(_))));
    // A deletion asked meanwhile waits for the export.
    let (deleting, _) = c
        .delete_enhanced_snapshot("imported", imported.created)
        .unwrap();
    assert_eq!(deleting.status, SnapshotStatus::Deleting);
    c.run_snapshot_operations().unwrap();
    let exported = c.describe_snapshot_operation("imported", &export.id);
    // The deletion went after the export, taking the operations with it.
    assert!(matches!(exported, Err(ServiceError::NotFound(_))));
    let written = buckets.join("outbox/exports").join(&export.id);
    assert!(written.join("_metadata").is_file(), "{}", written.display());
    assert_eq!(std::fs::read(written.join("state-1")).unwrap().len(), 1000);
    assert!(matches!(
        c.describe_enhanced_snapshot("imported"),
        Err(ServiceError::NotFound(_))
    ));
    assert!(!c.enhanced_snapshots_dir().join("imported").exists());
    // The name is free again.
    c.import_enhanced_snapshot(
        "imported",
        prefix("inbox", "flink/savepoint-1"),
        None,
        NewSnapshot::default(),
    )
    .unwrap();
    // A deletion needs the exact creation time, and a settled snapshot.
    let junk = c.describe_enhanced_snapshot("junk").unwrap();
    assert!(matches!(
        c.delete_enhanced_snapshot("junk", junk.created + 5000),
        Err(ServiceError::InvalidArgument { .. })
    ));
    let again = c.describe_enhanced_snapshot("imported").unwrap();
    assert!(matches!(
        c.delete_enhanced_snapshot("imported", again.created),
        Err(ServiceError::InUse(_))
    ));
    // An export to a bucket that does not exist fails, saying so.
    c.run_snapshot_operations().unwrap();
    let op = c
        .export_enhanced_snapshot("imported", prefix("no-such-bucket", "x"), None)
        .unwrap();
    c.run_snapshot_operations().unwrap();
    let failed = c.describe_snapshot_operation("imported", &op.id).unwrap();
    assert_eq!(failed.status, SnapshotOperationStatus::Failed);
    assert_eq!(failed.failure.unwrap().0, "NoSuchBucket");
}

#[test]
fn an_application_restores_an_enhanced_snapshot_by_arn_in_the_enhanced_mode_only() {
    let dir = tempfile::tempdir().unwrap();
    fake_savepoint(&dir.path().join("buckets/inbox/sp"));
    let c = open(dir.path());
    c.import_enhanced_snapshot("sp", prefix("inbox", "sp"), None, NewSnapshot::default())
        .unwrap();
    c.run_snapshot_operations().unwrap();
    let arn = c.snapshot_arn("sp");
    let by_arn = RestoreConfig {
        restore_type: RestoreType::RestoreFromCustomSnapshot,
        snapshot_name: None,
        snapshot_arn: Some(arn.clone()),
    };
    c.create_application(
        request("legacy", Some(CodeSource::Zip(b"jar".to_vec()))),
        vec![],
    )
    .unwrap();
    let refused = c
        .start_application(
            "legacy",
            StartRequest {
                restore: Some(by_arn.clone()),
                allow_non_restored_state: None,
            },
        )
        .unwrap_err();
    assert!(
        matches!(&refused, ServiceError::InvalidArgument { member, .. } if member.ends_with("SnapshotArn")),
        "{refused:?}"
    );
    let mut req = request("enhanced", Some(CodeSource::Zip(b"jar".to_vec())));
    req.snapshots = Some(SnapshotConfig {
        enabled: true,
        mode: Some(SnapshotMode::Enhanced),
    });
    c.create_application(req, vec![]).unwrap();
    let missing = RestoreConfig {
        snapshot_arn: Some(c.snapshot_arn("nope")),
        ..by_arn.clone()
    };
    assert!(matches!(
        c.start_application(
            "enhanced",
            StartRequest {
                restore: Some(missing),
                allow_non_restored_state: None,
            },
        ),
        Err(ServiceError::InvalidArgument { .. })
    ));
    c.start_application(
        "enhanced",
        StartRequest {
            restore: Some(by_arn),
            allow_non_restored_state: None,
        },
    )
    .unwrap();
    let app = c.describe_application("enhanced").unwrap();
    let point = c
        .restore_point("enhanced", &app.config.run, None)
        .unwrap()
        .unwrap();
    assert!(point.location.unwrap().contains("enhanced-snapshots/sp/"));
    // While it starts from it, the snapshot cannot be deleted.
    let snap = c.describe_enhanced_snapshot("sp").unwrap();
    assert!(matches!(
        c.delete_enhanced_snapshot("sp", snap.created),
        Err(ServiceError::InUse(_))
    ));
}

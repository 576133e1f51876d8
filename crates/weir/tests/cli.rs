//! The `weir` command-line client through the real binary, against a real
//! `weir server` on a free port (no Flink: nothing here starts an
//! application, so any file named `.jar` is code enough — the server stores
//! code without running it until a start).
//!
//! Each test has its own server and runs the client as a subprocess with a
//! clean environment (`cli_harness`), checking what a script relies on:
//! output, JSON that parses, and exit codes.

mod cli_harness;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use cli_harness::*;
use md5::{Digest, Md5};
use serde_json::Value;
use weir_test_support::server::*;

/// A file the server takes as application code.
fn jar(weir: &Weir, name: &str, content: &str) -> PathBuf {
    let path = weir.root().join(format!("{name}.jar"));
    std::fs::write(&path, content).expect("write jar");
    path
}

/// A server with an application `app` created from the jar returned, and
/// a client of it.
fn with_app() -> (Weir, Client, PathBuf) {
    let weir = Weir::start();
    let cli = Client::new(weir.endpoint());
    let jar = jar(&weir, "app", "code");
    cli.run(["apps", "create", "app", "--jar", jar.to_str().unwrap()])
        .ok();
    (weir, cli, jar)
}

async fn describe(weir: &Weir, app: &str) -> Value {
    let (status, body) = weir
        .raw(
            "DescribeApplication",
            serde_json::json!({"ApplicationName": app}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["ApplicationDetail"].clone()
}

/// `GROUP.KEY → VALUE` of an application detail's properties.
fn properties(detail: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let groups = detail["ApplicationConfigurationDescription"]["EnvironmentPropertyDescriptions"]
        ["PropertyGroupDescriptions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for g in groups {
        let id = g["PropertyGroupId"].as_str().unwrap().to_string();
        for (k, v) in g["PropertyMap"].as_object().unwrap() {
            out.insert(format!("{id}.{k}={}", v.as_str().unwrap()));
        }
    }
    out
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn create_list_describe_update_delete() {
    let weir = Weir::start();
    let cli = Client::new(weir.endpoint());
    let code = "not really a jar, the server does not run it";
    let jar = jar(&weir, "orders", code);

    // Create from a local jar: one command.
    let out = cli
        .run([
            "apps",
            "create",
            "orders",
            "--jar",
            jar.to_str().unwrap(),
            "--parallelism",
            "2",
            "--parallelism-per-kpu",
            "2",
            "--property",
            "SinkConfig.output.path=/tmp/out",
            "-p",
            "kinesis.analytics.flink.run.options.programArgs=--rate 5",
            "--no-snapshots",
            "--description",
            "made by the CLI",
        ])
        .ok();
    assert!(
        out.stdout
            .contains("Created orders (version 1, FLINK-1_20, READY)"),
        "{out:#?}"
    );
    let detail = describe(&weir, "orders").await;
    let code_md5 = hex::encode(Md5::digest(code.as_bytes()));
    let config = &detail["ApplicationConfigurationDescription"];
    assert_eq!(
        config["ApplicationCodeConfigurationDescription"]["CodeContentDescription"]["CodeMD5"],
        code_md5.as_str(),
        "the jar's bytes are the code"
    );
    let parallelism =
        &config["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"];
    assert_eq!(parallelism["Parallelism"], 2);
    assert_eq!(parallelism["ParallelismPerKPU"], 2);
    assert_eq!(parallelism["ConfigurationType"], "CUSTOM");
    assert_eq!(
        config["ApplicationSnapshotConfigurationDescription"]["SnapshotsEnabled"],
        false
    );
    assert_eq!(detail["ApplicationDescription"], "made by the CLI");
    assert_eq!(
        properties(&detail),
        set(&[
            "SinkConfig.output.path=/tmp/out",
            "kinesis.analytics.flink.run.options.programArgs=--rate 5",
        ])
    );

    // A second one, as JSON.
    let out = cli
        .run([
            "apps",
            "create",
            "billing",
            "--jar",
            jar.to_str().unwrap(),
            "--runtime",
            "FLINK-2_2",
            "--output",
            "json",
        ])
        .ok();
    let created = out.json();
    assert_eq!(created["ApplicationDetail"]["ApplicationName"], "billing");
    assert_eq!(
        created["ApplicationDetail"]["RuntimeEnvironment"],
        "FLINK-2_2"
    );

    // List: a table, and JSON with the API's member names.
    let out = cli.run(["apps", "list"]).ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out:#?}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["NAME", "STATUS", "VERSION", "RUNTIME", "MODE"]);
    let billing: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(billing, ["billing", "READY", "1", "FLINK-2_2", "STREAMING"]);
    assert!(lines[2].starts_with("orders "), "{out:#?}");
    // Columns are aligned: every STATUS starts where its header does.
    let col = lines[0].find("STATUS").unwrap();
    assert!(lines[1..].iter().all(|l| &l[col..col + 5] == "READY"));
    let out = cli.run(["apps", "list", "-o", "json"]).ok();
    let listed = out.json();
    let names: Vec<&str> = listed["ApplicationSummaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ApplicationName"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"orders") && names.contains(&"billing"));

    // Describe: people's view and the server's JSON.
    let out = cli.run(["apps", "describe", "orders"]).ok();
    for wanted in [
        "Name:",
        "orders",
        "Status:",
        "READY",
        "Version:",
        "Runtime:",
        "FLINK-1_20",
        "Parallelism:",
        "2 (2 per KPU, 1 KPU)",
        "Snapshots:",
        "disabled",
        "SinkConfig.output.path = /tmp/out",
    ] {
        assert!(out.stdout.contains(wanted), "no {wanted:?} in {out:#?}");
    }
    let out = cli
        .run(["apps", "describe", "orders", "--output", "json"])
        .ok();
    let json = out.json();
    assert_eq!(json["ApplicationDetail"]["ApplicationVersionId"], 1);
    assert_eq!(json["ApplicationDetail"], describe(&weir, "orders").await);

    // Update: parallelism and properties, merged with the current ones.
    let new_jar = self::jar(&weir, "orders-v2", "version two");
    let out = cli
        .run([
            "apps",
            "update",
            "orders",
            "--jar",
            new_jar.to_str().unwrap(),
            "--parallelism",
            "3",
            "--property",
            "SourceConfig.records.per.second=500",
            "--snapshots",
            "--wait",
        ])
        .ok();
    assert!(
        out.stdout.contains("orders is READY (version 2)"),
        "{out:#?}"
    );
    let detail = describe(&weir, "orders").await;
    assert_eq!(detail["ApplicationVersionId"], 2);
    let config = &detail["ApplicationConfigurationDescription"];
    assert_eq!(
        config["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"]
            ["Parallelism"],
        3
    );
    assert_eq!(
        config["ApplicationCodeConfigurationDescription"]["CodeContentDescription"]["CodeMD5"],
        hex::encode(Md5::digest(b"version two")).as_str()
    );
    assert_eq!(
        config["ApplicationSnapshotConfigurationDescription"]["SnapshotsEnabled"],
        true
    );
    assert_eq!(
        properties(&detail),
        set(&[
            "SinkConfig.output.path=/tmp/out",
            "SourceConfig.records.per.second=500",
            "kinesis.analytics.flink.run.options.programArgs=--rate 5",
        ])
    );
    let out = cli
        .run([
            "apps",
            "update",
            "orders",
            "--unset-property",
            "SinkConfig.output.path",
            "-o",
            "json",
        ])
        .ok();
    assert_eq!(out.json()["ApplicationDetail"]["ApplicationVersionId"], 3);
    assert_eq!(
        properties(&describe(&weir, "orders").await),
        set(&[
            "SourceConfig.records.per.second=500",
            "kinesis.analytics.flink.run.options.programArgs=--rate 5",
        ])
    );
    // Nothing to update is a usage error; nothing changed.
    cli.run(["apps", "update", "orders"]).code(2);
    assert_eq!(describe(&weir, "orders").await["ApplicationVersionId"], 3);

    // The operations the updates made.
    let out = cli.run(["apps", "operations", "orders"]).ok();
    assert_eq!(
        out.stdout.matches("UpdateApplication").count(),
        2,
        "{out:#?}"
    );
    let out = cli.run(["apps", "operations", "orders", "-o", "json"]).ok();
    let ops = out.json()["ApplicationOperationInfoList"]
        .as_array()
        .unwrap()
        .clone();
    let id = ops[0]["OperationId"].as_str().unwrap().to_string();
    let out = cli.run(["apps", "operations", "orders", &id]).ok();
    assert!(out.stdout.contains("SUCCESSFUL"), "{out:#?}");

    // The application log shows what happened, as lines and as JSON.
    let out = cli.run(["logs", "orders"]).ok();
    assert!(
        out.stdout
            .contains("Application orders updated to version 3"),
        "{out:#?}"
    );
    let out = cli
        .run([
            "logs",
            "orders",
            "--since",
            "1h",
            "--filter",
            "\"version 2\"",
            "-o",
            "json",
        ])
        .ok();
    let events = out.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{out:#?}");
    assert!(events[0]["message"].as_str().unwrap().contains("version 2"));

    // Delete (stdin is not a terminal: no question asked).
    let out = cli.run(["apps", "delete", "orders"]).ok();
    assert!(out.stdout.contains("Deleted orders."), "{out:#?}");
    let out = cli.run(["apps", "describe", "orders"]).code(3);
    assert!(out.stderr.contains("ResourceNotFoundException"), "{out:#?}");
    cli.run(["apps", "delete", "billing", "--yes", "--wait"])
        .ok();
    let out = cli.run(["apps", "list", "-o", "json"]).ok();
    assert_eq!(out.json()["ApplicationSummaries"], serde_json::json!([]));
}

#[tokio::test]
async fn exit_codes_scripts_can_rely_on() {
    let (weir, cli, jar) = with_app();

    // 3: not found, with the AWS error code and message on one line.
    for args in [
        vec!["apps", "describe", "ghost"],
        vec!["apps", "start", "ghost"],
        vec!["apps", "delete", "ghost", "--yes"],
        vec!["apps", "operations", "ghost"],
        vec!["snapshots", "list", "ghost"],
        vec!["snapshots", "describe", "app", "no-such-snapshot"],
        vec!["logs", "ghost"],
    ] {
        let out = cli.run(&args).code(3);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {out:#?}");
        assert!(
            out.stderr.starts_with("weir: ResourceNotFoundException: "),
            "{args:?}: {out:#?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: {out:#?}");
    }

    // 4: conflicts and wrong states.
    let out = cli
        .run(["apps", "create", "app", "--jar", jar.to_str().unwrap()])
        .code(4);
    assert!(out.stderr.contains("ResourceInUseException"), "{out:#?}");
    let out = cli.run(["apps", "stop", "app"]).code(4);
    assert!(out.stderr.contains("ResourceInUseException"), "{out:#?}");
    cli.run(["apps", "snapshot", "app", "s1"]).code(4);
    cli.run(["apps", "rollback", "app"]).code(4);

    // 1: other refusals (an invalid argument).
    let out = cli
        .run([
            "apps",
            "create",
            "bad",
            "--jar",
            jar.to_str().unwrap(),
            "--parallelism",
            "0",
        ])
        .code(1);
    assert!(out.stderr.contains("InvalidArgumentException"), "{out:#?}");
    // …and a jar that is not there.
    let out = cli
        .run(["apps", "create", "bad", "--jar", "/no/such/file.jar"])
        .code(1);
    assert!(out.stderr.contains("/no/such/file.jar"), "{out:#?}");

    // 2: usage errors, caught before anything is sent.
    cli.run(["apps", "list", "--no-such-flag"]).code(2);
    cli.run(["apps", "create", "x"]).code(2);
    cli.run([
        "apps",
        "create",
        "x",
        "--jar",
        jar.to_str().unwrap(),
        "-p",
        "nodot=1",
    ])
    .code(2);
    cli.run([
        "apps",
        "create",
        "x",
        "--jar",
        jar.to_str().unwrap(),
        "--runtime",
        "FLINK-0_1",
    ])
    .code(2);
    cli.run(["logs", "app", "--since", "yesterday-ish"]).code(2);
    cli.run(["apps", "list", "--output", "yaml"]).code(2);
    cli.run(["apps", "list", "--endpoint", "localhost:8095"])
        .code(2);

    // 5: refused credentials, saying which were used.
    let wrong = Client::new(weir.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAWRONGKEY00000000")
        .env("AWS_SECRET_ACCESS_KEY", "wrong-secret");
    let out = wrong.run(["apps", "list"]).code(5);
    assert!(
        out.stderr.contains("UnrecognizedClientException"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("AKIAWRON"), "{out:#?}");
    assert!(out.stderr.contains("AWS_ACCESS_KEY_ID"), "{out:#?}");
    assert!(!out.stderr.contains("wrong-secret"), "{out:#?}");
    let wrong_secret = Client::new(weir.endpoint()).env("AWS_SECRET_ACCESS_KEY", "wrong-secret");
    let out = wrong_secret.run(["apps", "describe", "app"]).code(5);
    assert!(out.stderr.contains("SignatureException"), "{out:#?}");
    // No credentials anywhere is an authentication failure too.
    let none = Client::new(weir.endpoint()).without_credentials();
    let out = none
        .run([
            "apps",
            "list",
            "--data-dir",
            weir.root().join("nowhere").to_str().unwrap(),
        ])
        .code(5);
    assert!(out.stderr.contains("no credentials"), "{out:#?}");
    // The region is part of the signature.
    let out = cli.run(["apps", "list", "--region", "eu-west-1"]).code(5);
    assert!(out.stderr.contains("eu-west-1"), "{out:#?}");

    // 8: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let nowhere = format!("http://127.0.0.1:{port}");
    for args in [
        vec!["apps", "list", "--endpoint", &nowhere],
        vec!["logs", "app", "--endpoint", &nowhere],
        vec!["top", "app", "--once", "--endpoint", &nowhere],
    ] {
        let out = cli.run(&args).code(8);
        assert!(
            out.stderr.contains("cannot reach Weir"),
            "{args:?}: {out:#?}"
        );
        assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    }

    // 0: the application is still there, unchanged.
    let detail = describe(&weir, "app").await;
    assert_eq!(detail["ApplicationVersionId"], 1);
    assert_eq!(detail["ApplicationStatus"], "READY");
}

#[tokio::test]
async fn the_generated_key_pair_is_used_when_nothing_else_is_configured() {
    // A server with no configured keys generates <data-dir>/credentials.
    let weir = Weir::start_with(|cmd| {
        cmd.env_remove("WEIR_ACCESS_KEY_ID")
            .env_remove("WEIR_SECRET_ACCESS_KEY");
    });
    let file = weir.data_dir().join("credentials");
    assert!(file.is_file());
    let jar = jar(&weir, "app", "code");

    // By --data-dir, WEIR_DATA_DIR, or the default ./weir-data.
    let cli = Client::new(weir.endpoint()).without_credentials();
    let data_dir = weir.data_dir();
    cli.run([
        "apps",
        "create",
        "app",
        "--jar",
        jar.to_str().unwrap(),
        "--data-dir",
        data_dir.to_str().unwrap(),
    ])
    .ok();
    let by_env = Client::new(weir.endpoint())
        .without_credentials()
        .env("WEIR_DATA_DIR", &data_dir);
    assert!(by_env.run(["apps", "list"]).ok().stdout.contains("app"));
    let cwd = weir.root().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    std::os::unix::fs::symlink(&data_dir, cwd.join("weir-data")).unwrap();
    let by_default = Client::new(weir.endpoint()).without_credentials().cwd(&cwd);
    assert!(by_default.run(["apps", "list"]).ok().stdout.contains("app"));

    // The same file through the standard AWS variables.
    let standard = Client::new(weir.endpoint())
        .without_credentials()
        .env("AWS_SHARED_CREDENTIALS_FILE", &file)
        .env("AWS_PROFILE", "weir");
    assert!(standard.run(["apps", "list"]).ok().stdout.contains("app"));
    // A profile that is not there is an authentication failure.
    let out = standard
        .run(["apps", "list", "--profile", "nobody"])
        .code(5);
    assert!(out.stderr.contains("nobody"), "{out:#?}");

    // The standard chain comes first: a wrong key in the environment is
    // used (and refused) even with Weir's file at hand, and the refusal
    // says where Weir's own key pair is.
    let wrong = Client::new(weir.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAWRONGKEY00000000")
        .env("AWS_SECRET_ACCESS_KEY", "wrong")
        .env("WEIR_DATA_DIR", &data_dir);
    let out = wrong.run(["apps", "list"]).code(5);
    assert!(
        out.stderr.contains(&format!("{}", file.display())),
        "{out:#?}"
    );
}

#[tokio::test]
async fn logs_follow_prints_each_new_line_once() {
    let (_weir, cli, _jar) = with_app();
    cli.run(["apps", "update", "app", "-p", "G.k=1"]).ok();

    let mut follow = cli.spawn(["logs", "app", "--follow", "--interval", "0.2"]);
    follow.wait_for("version 2", Duration::from_secs(60), |out| {
        out.contains("updated to version 2")
    });
    cli.run(["apps", "update", "app", "-p", "G.k=2"]).ok();
    follow.wait_for("version 3", Duration::from_secs(60), |out| {
        out.contains("updated to version 3")
    });
    // Several more looks go by: nothing is printed twice.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(follow.running(), "stderr: {}", follow.stderr());
    let out = follow.stdout();
    for line in out.lines() {
        assert_eq!(
            out.lines().filter(|l| *l == line).count(),
            1,
            "printed twice: {line}\n{out}"
        );
    }
    // As JSON, one event per line.
    let mut json = cli.spawn(["logs", "app", "-f", "-o", "json", "--interval", "0.2"]);
    let out = json.wait_for("three events", Duration::from_secs(60), |out| {
        out.lines().count() >= 2 && out.contains("version 3")
    });
    for line in out.lines() {
        let event: Value = serde_json::from_str(line).expect("one JSON event per line");
        assert!(event["eventId"].is_string() && event["timestamp"].is_number());
    }
}

#[tokio::test]
async fn snapshots_of_an_application_that_never_ran() {
    let (_weir, cli, _jar) = with_app();
    let out = cli.run(["snapshots", "list", "app"]).ok();
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(out.stderr.contains("no snapshots"), "{out:#?}");
    let out = cli.run(["snapshots", "list", "app", "-o", "json"]).ok();
    assert_eq!(out.json()["SnapshotSummaries"], serde_json::json!([]));
}

#[tokio::test]
async fn enhanced_snapshots_imported_exported_listed_and_deleted() {
    let (weir, cli, _jar) = with_app();
    let buckets = weir.data_dir().join("buckets");
    weir_test_support::sample::savepoint_shaped_dir(
        &buckets.join("savepoints/orders/savepoint-1"),
        2048,
    )
    .unwrap();
    std::fs::create_dir_all(buckets.join("exports")).unwrap();
    let out = cli
        .run([
            "snapshots",
            "import",
            "from-my-cluster",
            "--from",
            "s3://savepoints/orders/savepoint-1",
            "--wait",
        ])
        .ok();
    assert!(out.stdout.contains("SUCCESSFUL"), "{out:#?}");
    let out = cli.run(["snapshots", "list"]).ok();
    assert!(
        out.stdout.contains("from-my-cluster") && out.stdout.contains("READY"),
        "{out:#?}"
    );
    let out = cli
        .run([
            "snapshots",
            "export",
            "from-my-cluster",
            "--to",
            "s3://exports/orders",
            "--wait",
        ])
        .ok();
    assert!(out.stdout.contains("to s3://exports/orders/"), "{out:#?}");
    let out = cli
        .run(["snapshots", "describe", "from-my-cluster", "-o", "json"])
        .ok();
    let json = out.json();
    assert_eq!(json["SnapshotInfoDetails"]["SnapshotStatus"], "READY");
    let ops = json["SnapshotOperationInfoList"].as_array().unwrap();
    assert_eq!(ops.len(), 2, "{json}");
    let out = cli.run(["snapshots", "operations", "from-my-cluster"]).ok();
    assert!(out.stdout.contains("ExportSnapshot"), "{out:#?}");
    // Usage errors and refusals have their exit codes.
    cli.run(["snapshots", "import", "x", "--from", "not-s3"])
        .code(2);
    cli.run(["snapshots", "describe", "nope"]).code(3);
    // The application (legacy mode) takes no enhanced snapshot.
    let out = cli.run(["snapshots", "create", "app", "s1"]).code(4);
    assert!(out.stderr.contains("ENHANCED_SNAPSHOTS"), "{out:#?}");
    cli.run(["snapshots", "delete", "from-my-cluster", "--yes"])
        .ok();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = cli.run(["snapshots", "list", "-o", "json"]).ok();
        if out.json()["SnapshotInfoList"] == serde_json::json!([]) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{out:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn clusters_and_placement_without_flink() {
    let (weir, cli, jar) = with_app();

    // None registered: nothing on stdout, a hint on stderr; JSON as the
    // server said it.
    let out = cli.run(["clusters", "list"]).ok();
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr.contains("No Flink clusters registered"),
        "{out:#?}"
    );
    let out = cli.run(["clusters", "list", "-o", "json"]).ok();
    assert_eq!(
        out.json()["FlinkClusterDescriptions"],
        serde_json::json!([])
    );

    // A cluster that does not answer is refused, naming RestUrl: exit 1.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let savepoints = weir.root().join("savepoints");
    let out = cli
        .run([
            "clusters",
            "add",
            "shared",
            "--rest-url",
            &format!("http://127.0.0.1:{port}"),
            "--savepoint-dir",
            savepoints.to_str().unwrap(),
            "--capacity-kpus",
            "4",
        ])
        .code(1);
    assert!(
        out.stderr.starts_with("weir: InvalidArgumentException: "),
        "{out:#?}"
    );
    assert!(out.stderr.contains("RestUrl"), "{out:#?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    // Usage errors are caught before anything is sent.
    cli.run(["clusters", "add", "x", "--rest-url", "http://127.0.0.1:9"])
        .code(2);
    cli.run([
        "clusters",
        "add",
        "x",
        "--rest-url",
        "http://127.0.0.1:9",
        "--savepoint-dir",
        "/tmp/sp",
        "--runtime",
        "FLINK-0_1",
    ])
    .code(2);
    // Nothing was registered.
    let out = cli.run(["clusters", "list", "-o", "json"]).ok();
    assert_eq!(
        out.json()["FlinkClusterDescriptions"],
        serde_json::json!([])
    );

    // 3: no such cluster.
    let out = cli.run(["clusters", "remove", "nope"]).code(3);
    assert!(
        out.stderr.starts_with("weir: ResourceNotFoundException: "),
        "{out:#?}"
    );
    assert!(out.stdout.is_empty(), "{out:#?}");

    // 8: no server there.
    let nowhere = format!("http://127.0.0.1:{port}");
    let out = cli
        .run(["clusters", "list", "--endpoint", &nowhere])
        .code(8);
    assert!(out.stderr.contains("cannot reach Weir"), "{out:#?}");

    // Listing by cluster (Weir's own member WeirCluster): a READY
    // application runs nowhere.
    for cluster in ["local", "nope"] {
        let out = cli.run(["apps", "list", "--cluster", cluster]).ok();
        assert!(out.stdout.is_empty(), "{out:#?}");
        assert!(out.stderr.contains("No applications run on"), "{out:#?}");
        let out = cli
            .run(["apps", "list", "--cluster", cluster, "-o", "json"])
            .ok();
        assert_eq!(out.json()["ApplicationSummaries"], serde_json::json!([]));
    }
    // Without --cluster, all of them, as before.
    let out = cli.run(["apps", "list"]).ok();
    assert!(
        out.stdout.lines().any(|l| l.starts_with("app ")),
        "{out:#?}"
    );

    // A READY application does not run anywhere: no "Runs on".
    let out = cli.run(["apps", "describe", "app"]).ok();
    assert!(!out.stdout.contains("Runs on"), "{out:#?}");
    let out = cli.run(["apps", "describe", "app", "-o", "json"]).ok();
    assert!(
        out.json()["ApplicationDetail"]
            .get("WeirPlacement")
            .is_none(),
        "{out:#?}"
    );

    // --cluster sets the placement property, on create and on update.
    cli.run([
        "apps",
        "create",
        "placed",
        "--jar",
        jar.to_str().unwrap(),
        "--cluster",
        "local",
        "-p",
        "G.k=v",
    ])
    .ok();
    assert_eq!(
        properties(&describe(&weir, "placed").await),
        set(&["G.k=v", "weir.placement.cluster=local"])
    );
    cli.run(["apps", "update", "placed", "--cluster", "auto"])
        .ok();
    assert_eq!(
        properties(&describe(&weir, "placed").await),
        set(&["G.k=v", "weir.placement.cluster=auto"])
    );
    cli.run(["apps", "update", "app", "--cluster", "local"])
        .ok();
    assert_eq!(
        properties(&describe(&weir, "app").await),
        set(&["weir.placement.cluster=local"])
    );
    let out = cli.run(["apps", "describe", "app"]).ok();
    assert!(
        out.stdout.contains("weir.placement.cluster = local"),
        "{out:#?}"
    );
}

#[tokio::test]
async fn clusters_add_list_remove_against_a_stand_in_for_flink() {
    let (weir, cli, _jar) = with_app();
    let flink = FakeFlink::start("1.20.1", 4);
    let savepoints = weir.root().join("savepoints");
    std::fs::create_dir_all(&savepoints).unwrap();

    let out = cli
        .run([
            "clusters",
            "add",
            "shared",
            "--rest-url",
            &flink.url,
            "--savepoint-dir",
            savepoints.to_str().unwrap(),
            "--capacity-kpus",
            "3",
        ])
        .ok();
    assert!(
        out.stdout
            .contains("Registered shared (FLINK-1_20, Flink 1.20.1, 4 slots)"),
        "{out:#?}"
    );
    // The name is taken: 4.
    let out = cli
        .run([
            "clusters",
            "add",
            "shared",
            "--rest-url",
            &flink.url,
            "--savepoint-dir",
            savepoints.to_str().unwrap(),
        ])
        .code(4);
    assert!(out.stderr.contains("ResourceInUseException"), "{out:#?}");
    // A runtime the cluster does not run: 1.
    cli.run([
        "clusters",
        "add",
        "other",
        "--rest-url",
        &flink.url,
        "--savepoint-dir",
        savepoints.to_str().unwrap(),
        "--runtime",
        "FLINK-2_2",
    ])
    .code(1);

    let out = cli.run(["clusters", "list"]).ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:#?}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "NAME",
            "URL",
            "RUNTIME/VERSION",
            "SLOTS",
            "KPUS",
            "REACHABLE",
            "APPS"
        ]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        row[..5],
        ["shared", &flink.url, "FLINK-1_20/1.20.1", "0/4", "0/3"]
    );
    assert_eq!(row.last(), Some(&"-"), "no applications: {out:#?}");
    let out = cli.run(["clusters", "list", "-o", "json"]).ok();
    let listed = out.json()["FlinkClusterDescriptions"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{out:#?}");
    assert_eq!(listed[0]["Name"], "shared");
    assert_eq!(listed[0]["TotalSlots"], 4);
    assert_eq!(listed[0]["CapacityKPUs"], 3);

    // Nothing runs there yet.
    let out = cli.run(["apps", "list", "--cluster", "shared"]).ok();
    assert!(out.stdout.is_empty(), "{out:#?}");

    let out = cli.run(["clusters", "remove", "shared", "-o", "json"]).ok();
    assert_eq!(out.json()["FlinkClusterDescription"]["Name"], "shared");
    cli.run(["clusters", "remove", "shared"]).code(3);
    let out = cli.run(["clusters", "list", "-o", "json"]).ok();
    assert_eq!(
        out.json()["FlinkClusterDescriptions"],
        serde_json::json!([])
    );
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    let cli = Client::new("http://127.0.0.1:9");
    for shell in ["bash", "zsh", "fish"] {
        let out = cli.run(["completions", shell]).ok();
        for word in [
            "apps",
            "snapshots",
            "clusters",
            "logs",
            "top",
            "endpoint",
            "wait",
            "rest-url",
        ] {
            assert!(out.stdout.contains(word), "{shell}: no {word}");
        }
    }
    cli.run(["completions", "tcsh"]).code(2);
    // bash accepts what it got.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("weir.bash");
    std::fs::write(&script, cli.run(["completions", "bash"]).ok().stdout).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status();
    if let Ok(status) = status {
        assert!(status.success(), "bash -n rejects the completion script");
    }
}

/// `weir runtime home` prints the `FLINK_HOME` and nothing else (scripts
/// capture it), after what `ensure` does: here a registered distribution (a
/// stand-in with the files Weir checks), so the service's runtime library is
/// built into the runtimes directory and nothing is downloaded.
#[test]
fn runtime_home_prints_only_the_flink_home() {
    use std::os::unix::fs::PermissionsExt;
    let cli = Client::new("http://127.0.0.1:9");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("flink-1.20");
    for sub in ["lib", "bin", "conf"] {
        std::fs::create_dir_all(home.join(sub)).unwrap();
    }
    std::fs::write(home.join("lib/flink-dist-1.20.5.jar"), "").unwrap();
    std::fs::write(home.join("conf/log4j.properties"), "").unwrap();
    std::fs::write(home.join("bin/flink"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(
        home.join("bin/flink"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let runtimes = dir.path().join("runtimes");
    let registered = format!("FLINK-1_20={}", home.display());
    let args = |runtime: &'static str| {
        [
            "runtime".to_string(),
            "home".into(),
            runtime.into(),
            "--runtimes-dir".into(),
            runtimes.display().to_string(),
            "--flink-home".into(),
            registered.clone(),
        ]
    };
    let out = cli.run(args("FLINK-1_20")).ok();
    assert_eq!(out.stdout, format!("{}\n", home.display()), "{out:#?}");
    let jars: Vec<String> = std::fs::read_dir(runtimes.join("lib"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        jars.len() == 1 && jars[0].starts_with("kinesisanalytics-runtime-"),
        "{jars:?}"
    );
    assert!(
        std::fs::read_dir(home.join("lib")).unwrap().count() == 1,
        "nothing written into the distribution"
    );
    let out = cli.run(args("FLINK-9_9"));
    assert_ne!(out.code, 0, "{out:#?}");
    assert_eq!(out.stdout, "", "{out:#?}");
    assert!(
        out.stderr.contains("unknown runtime \"FLINK-9_9\""),
        "{out:#?}"
    );
}

/// The subcommands `weir PATH… --help` lists.
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line == "Commands:" {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or_default();
            if name != "help" {
                out.push(name.to_string());
            }
        }
    }
    out
}

fn walk(cli: &Client, path: &[String], seen: &mut Vec<String>) {
    let mut args: Vec<String> = path.to_vec();
    args.push("--help".into());
    let out = cli.run(&args).ok();
    assert!(
        out.stdout.contains("Example"),
        "`weir {}` has no example in its help:\n{}",
        args.join(" "),
        out.stdout
    );
    seen.push(path.join(" "));
    for sub in subcommands(&out.stdout) {
        let mut next = path.to_vec();
        next.push(sub);
        walk(cli, &next, seen);
    }
}

#[test]
fn every_command_has_help_with_an_example() {
    let cli = Client::new("http://127.0.0.1:9");
    let mut seen = Vec::new();
    walk(&cli, &[], &mut seen);
    for wanted in [
        "apps list",
        "apps describe",
        "apps create",
        "apps start",
        "apps stop",
        "apps update",
        "apps snapshot",
        "apps rollback",
        "apps delete",
        "apps operations",
        "snapshots list",
        "snapshots delete",
        "clusters add",
        "clusters list",
        "clusters remove",
        "logs",
        "top",
        "completions",
    ] {
        assert!(
            seen.iter().any(|s| s == wanted),
            "no `weir {wanted}` in {seen:?}"
        );
    }
    // The exit codes are in `weir --help`.
    let out = cli.run(["--help"]).ok();
    for line in [
        "3  not found",
        "5  authentication refused",
        "6  --wait",
        "7  --wait: timed out",
        "8  the server could not be reached",
    ] {
        assert!(out.stdout.contains(line), "no {line:?} in weir --help");
    }
    let out = cli.run(["apps", "stop", "--help"]).ok();
    assert!(out.stdout.contains("--force") && out.stdout.contains("--wait"));
}

/// `weir runtime python` on a machine whose only Python PyFlink of the
/// runtime does not take: a clear error naming the versions it needs and
/// what was found, before anything is downloaded. `PATH` holds one
/// `python3` that says it is 3.13 (as `sys.version_info` would print it).
#[test]
fn a_python_pyflink_does_not_take_is_named_with_the_versions_it_needs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let python = bin.join("python3");
    std::fs::write(&python, "#!/bin/sh\necho 3 13\n").unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let runtimes = dir.path().join("runtimes");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weir"))
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", dir.path())
        .args(["runtime", "python", "FLINK-1_20", "--runtimes-dir"])
        .arg(&runtimes)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "{out:?}");
    for needle in [
        "FLINK-1_20",
        "Python 3.8–3.11",
        "python3 is 3.13",
        "--python-env FLINK-1_20=PATH",
    ] {
        assert!(stderr.contains(needle), "{needle:?} in: {stderr}");
    }
    assert!(
        std::fs::read_dir(&runtimes).map_or(true, |d| d
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().contains("python3."))),
        "no environment was made"
    );
}

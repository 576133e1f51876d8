//! The `weir` command-line client with real Apache Flink: an application
//! created from the streaming example's jar and started in one command,
//! its log, `weir top`, a snapshot, a stop and a delete — every step through
//! the real binary, each `--wait` judged by its exit code.
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`
//! (`scripts/setup-test-env.sh`; the nextest `flink` group).

mod cli_harness;
mod flink_harness;

use std::time::{Duration, Instant};

use cli_harness::*;
use flink_harness::*;

const APP: &str = "cli-app";

#[tokio::test]
async fn an_application_through_its_life_from_the_command_line() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let cli = Client::new(f.weir.endpoint());
    let jar = example_jar(FLINK_1_20, "streaming-count");
    let out_dir = f.out_dir(APP);
    let out_path = format!("SinkConfig.output.path={}", out_dir.display());

    // Create from the jar and start, in one command, waiting for RUNNING.
    let out = cli.run([
        "apps",
        "create",
        APP,
        "--jar",
        jar.to_str().unwrap(),
        "--runtime",
        FLINK_1_20.name,
        "--parallelism",
        "1",
        "--property",
        &out_path,
        "--property",
        &format!("SourceConfig.records.per.second={RATE}"),
        "--start",
        "--wait",
        "--timeout",
        "300",
    ]);
    if out.code != 0 {
        panic!(
            "create --start --wait: {out:#?}\n{}",
            f.diagnosis(APP).await
        );
    }
    assert!(
        out.stdout.contains(&format!("{APP} is RUNNING")),
        "{out:#?}"
    );
    // Not a terminal: progress is plain lines on stderr.
    assert!(out.stderr.contains(&format!("{APP}: STARTING")), "{out:#?}");
    assert_eq!(f.status(APP).await, s("RUNNING"));

    // Describe shows it running; JSON parses.
    let out = cli.run(["apps", "describe", APP]).ok();
    assert!(out.stdout.contains("RUNNING"), "{out:#?}");
    assert!(out.stdout.contains("StartApplication"), "{out:#?}");
    let out = cli.run(["apps", "describe", APP, "-o", "json"]).ok();
    assert_eq!(
        out.json()["ApplicationDetail"]["ApplicationStatus"],
        "RUNNING"
    );

    // The log: Flink's job status changes, in Flink's words.
    let out = cli.run(["logs", APP]).ok();
    assert!(
        out.stdout.contains("switched from state") && out.stdout.contains("to RUNNING"),
        "{out:#?}"
    );
    let out = cli
        .run(["logs", APP, "--filter", "RUNNING", "-o", "json"])
        .ok();
    assert!(
        !out.json()["events"].as_array().unwrap().is_empty(),
        "{out:#?}"
    );

    // top: the Job Manager and at least one Task Manager.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let out = cli.run(["top", APP, "--once"]);
        let tm_rows = out.stdout.lines().filter(|l| l.starts_with("TM ")).count();
        if out.code == 0 && tm_rows >= 1 {
            assert!(out.stdout.starts_with(APP), "{out:#?}");
            break;
        }
        if Instant::now() > deadline {
            panic!("weir top never showed a Task Manager: {out:#?}");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let out = cli.run(["top", APP, "--once", "-o", "json"]).ok();
    assert!(
        !out.json()["TaskManagers"].as_array().unwrap().is_empty(),
        "{out:#?}"
    );
    let out = cli.run(["top", "--once"]).ok();
    assert!(out.stdout.lines().any(|l| l.starts_with(APP)), "{out:#?}");

    // A snapshot, waited for.
    let out = cli.run([
        "apps",
        "snapshot",
        APP,
        "by-the-cli",
        "--wait",
        "--timeout",
        "180",
    ]);
    if out.code != 0 {
        panic!("snapshot --wait: {out:#?}\n{}", f.diagnosis(APP).await);
    }
    assert!(
        out.stdout.contains("by-the-cli of cli-app is READY"),
        "{out:#?}"
    );
    let out = cli.run(["snapshots", "list", APP]).ok();
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("by-the-cli ") && l.contains("READY")),
        "{out:#?}"
    );

    // A start of a RUNNING application is refused outright: exit 4.
    cli.run(["apps", "start", APP, "--wait"]).code(4);

    // Stop with a snapshot, waited for: READY, and no JVM left.
    let out = cli.run(["apps", "stop", APP, "--wait", "--timeout", "180"]);
    if out.code != 0 {
        panic!("stop --wait: {out:#?}\n{}", f.diagnosis(APP).await);
    }
    assert!(out.stdout.contains(&format!("{APP} is READY")), "{out:#?}");
    f.assert_no_jvms(APP).await;
    let out = cli.run(["snapshots", "list", APP, "-o", "json"]).ok();
    assert!(
        out.json()["SnapshotSummaries"].as_array().unwrap().len() >= 2,
        "the stop took a snapshot too: {out:#?}"
    );

    // Delete, waited for; then it is not found.
    cli.run(["apps", "delete", APP, "--yes", "--wait"]).ok();
    cli.run(["apps", "describe", APP]).code(3);
}

#[tokio::test]
async fn a_start_that_fails_ends_the_wait_with_exit_6_and_flinks_error() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let cli = Client::new(f.weir.endpoint());
    let jar = example_jar(FLINK_1_20, "fail-on-demand");
    let app = "cli-fails";
    let out = cli.run([
        "apps",
        "create",
        app,
        "--jar",
        jar.to_str().unwrap(),
        "--property",
        "FailConfig.fail.mode=main",
        "--start",
        "--wait",
        "--timeout",
        "300",
    ]);
    if out.code != 6 {
        panic!("expected exit 6: {out:#?}\n{}", f.diagnosis(app).await);
    }
    assert!(out.stderr.contains("StartApplication"), "{out:#?}");
    assert!(out.stderr.contains("FAILED"), "{out:#?}");
    assert!(
        out.stderr.contains("failing in main() as configured"),
        "Flink's error is printed: {out:#?}"
    );
    assert_eq!(f.status(app).await, s("READY"));
    f.assert_no_jvms(app).await;
    cli.run(["apps", "delete", app, "--yes"]).ok();
}

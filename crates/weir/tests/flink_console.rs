//! End-to-end test of the web console (issue 6) in real headless Chromium:
//! `tests/console/e2e.mjs` (playwright-core driving Debian's chromium) signs
//! in to a real `weir server` with authentication on, creates an application
//! from the `streaming-count` jar with the console's form, runs it, watches
//! it reach RUNNING, opens its page, sees its Task Managers, stops it and
//! signs out. Screenshots of every step are kept in
//! `target/console-artifacts/` (or `$WEIR_ARTIFACTS_DIR`).
//!
//! Prerequisites, all installed by scripts/setup-test-env.sh: the Flink
//! runtimes and example jobs (as for `flink.rs`), `node`, `/usr/bin/chromium`
//! and `tests/console/node_modules`. Same one-at-a-time rule as `flink.rs`.

mod flink_harness;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flink_harness::*;
use weir_test_support::server::*;

/// The script's own waits add up to about 7 minutes at worst; nextest ends
/// the test at 10.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(540);

fn artifacts_dir() -> PathBuf {
    match std::env::var_os("WEIR_ARTIFACTS_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("target/console-artifacts"),
    }
}

fn chromium() -> PathBuf {
    std::env::var_os("WEIR_CHROMIUM")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Fails with the set-up hint unless node, chromium and playwright-core are there.
fn require_browser_tools() -> PathBuf {
    let dir = repo_root().join("tests/console");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "node is not installed: {SETUP_HINT} (it needs Node.js 18+ and npm)"
    );
    assert!(
        chromium().is_file(),
        "{} is missing: {SETUP_HINT} (it installs Debian's chromium)",
        chromium().display()
    );
    assert!(
        dir.join("node_modules/playwright-core/package.json")
            .is_file(),
        "tests/console/node_modules has no playwright-core: {SETUP_HINT} (it runs npm ci there)"
    );
    dir
}

/// Whether the server answers `WeirAdmin_20261126.DescribeApplicationMetrics`
/// (the console's Task Manager table comes from it).
async fn has_metrics(f: &Flink) -> bool {
    let body = serde_json::to_vec(&serde_json::json!({
        "ApplicationName": "no-such-application",
        "HistorySeconds": 60
    }))
    .unwrap();
    let response = f
        .weir
        .send(
            "WeirAdmin_20261126.DescribeApplicationMetrics",
            body,
            Signing::valid(),
        )
        .await;
    let kind = response.json["__type"].as_str().unwrap_or_default();
    !kind.ends_with("UnknownOperationException")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_signs_in_runs_watches_and_stops_an_application() {
    let dir = require_browser_tools();
    let f = Flink::start(&[FLINK_1_20]).await;
    let jar = example_jar(FLINK_1_20, "streaming-count");
    let artifacts = artifacts_dir();
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).expect("create the artifacts directory");
    let artifacts = artifacts.canonicalize().unwrap_or(artifacts);
    let require_metrics = has_metrics(&f).await;

    let log_path = artifacts.join("e2e.log");
    let log = std::fs::File::create(&log_path).expect("create e2e.log");
    let mut child = Command::new("node")
        .arg("e2e.mjs")
        .current_dir(&dir)
        .env("WEIR_URL", f.weir.endpoint())
        .env("WEIR_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("WEIR_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("WEIR_JAR", &jar)
        .env("WEIR_ARTIFACTS", &artifacts)
        .env("WEIR_RUNTIME", FLINK_1_20.name)
        .env("WEIR_APP_NAME", "console-e2e")
        .env(
            "WEIR_REQUIRE_METRICS",
            if require_metrics { "1" } else { "0" },
        )
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("run node tests/console/e2e.mjs");

    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut output = String::new();
    let _ = std::fs::File::open(&log_path).and_then(|mut f| f.read_to_string(&mut output));
    println!("--- node tests/console/e2e.mjs\n{output}");
    println!("screenshots: {}", artifacts.display());
    if !require_metrics {
        println!(
            "note: the server has no DescribeApplicationMetrics: the Task Manager step was soft"
        );
    }
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!(
            "the console's end-to-end test failed ({s}):\n{output}\n{}",
            f.diagnosis("console-e2e").await
        ),
        None => panic!(
            "the console's end-to-end test did not finish within {} s:\n{output}\n{}",
            SCRIPT_TIMEOUT.as_secs(),
            f.diagnosis("console-e2e").await
        ),
    }
}

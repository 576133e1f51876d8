//! "Bad input never hurts", in CI: the model-driven random API client of
//! `weir-bench fuzz` (one copy, `weir_test_support::fuzz`) against the
//! real `weir` binary, with no Flink: random operations and payloads from the Kinesis Analytics V2 and CloudWatch Logs models,
//! valid (about a third answered 2xx) and hostile, signed or not, and
//! first the hostile requests the issue names (path traversal in names,
//! keys and snapshot names, zip bombs, invalid UTF-8, a body above the
//! 72 MiB limit). No 5xx, every refusal
//! AWS-shaped, 403 only for authentication, the server alive, the catalogue
//! consistent afterwards, nothing written outside the data directory.
//!
//! A short run (2,000 requests, a few seconds); `WEIR_FUZZ_REQUESTS` and
//! `WEIR_FUZZ_SEED` change it. The long run is `scripts/bench fuzz
//! --requests 100000`.

use weir_test_support::flink::repo_root;
use weir_test_support::fuzz;
use weir_test_support::process::is_alive;
use weir_test_support::server::{self, Weir, ACCESS_KEY_ID, SECRET_ACCESS_KEY};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_requests_from_the_models_never_hurt() {
    let models = fuzz::Models::load(&repo_root()).unwrap_or_else(|e| panic!("{e}"));
    let no_flink = fuzz::no_flink_args(&models);
    let weir = Weir::start_with(move |cmd| {
        // No Flink: every runtime points at nowhere, so a StartApplication
        // fails fast instead of installing one or starting JVMs.
        cmd.args(&no_flink)
            .env("WEIR_RUNTIMES_DIR", "/nonexistent/weir-fuzz-no-runtimes");
    });
    let pid = weir.pid().expect("the server runs");
    let mut target = fuzz::Target {
        addr: weir.authority().parse().expect("127.0.0.1:PORT"),
        access_key_id: ACCESS_KEY_ID.into(),
        secret_access_key: SECRET_ACCESS_KEY.into(),
        data_dir: weir.data_dir(),
        alive: Box::new(move || is_alive(pid as i32)),
    };
    let settings = fuzz::Settings {
        requests: env_u64("WEIR_FUZZ_REQUESTS", 2_000),
        seed: env_u64("WEIR_FUZZ_SEED", 20_261_126),
        oversized: true,
        // Both ends are debug builds here: hashing megabytes is slow.
        large_bytes: 256 << 10,
        progress_every: 0,
    };
    let report = fuzz::run(&models, &mut target, &settings);
    report.print();
    assert!(
        report.failures.is_empty(),
        "{} failures (seed {}; replay with WEIR_FUZZ_SEED={} or \
         `scripts/bench fuzz --requests {} --seed {}`); the server's log:\n{}",
        report.failures.len(),
        settings.seed,
        settings.seed,
        settings.requests,
        settings.seed,
        weir.log()
    );
}

/// Found by the random client: "." and ".." match the model's pattern for
/// an application name, and were accepted; they would name the data
/// directory's own directories (`clusters/..`).
#[tokio::test]
async fn dot_names_are_refused() {
    let weir = Weir::start();
    for name in [".", ".."] {
        let (status, body) = weir
            .raw(
                "CreateApplication",
                serde_json::json!({
                    "ApplicationName": name,
                    "RuntimeEnvironment": "FLINK-1_20",
                    "ServiceExecutionRole": server::ROLE,
                }),
            )
            .await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["__type"], "InvalidArgumentException", "{name}: {body}");
    }
    let (status, body) = weir.raw("ListApplications", serde_json::json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["ApplicationSummaries"], serde_json::json!([]));
}

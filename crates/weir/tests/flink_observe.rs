//! End-to-end tests with real Apache Flink for issue 6: watching an
//! application. Flink's own Job Manager and Task Manager logs flow into the
//! application's log at its LogLevel, and the Flink dashboard is reachable
//! through a presigned URL (valid, expired, tampered, read-only), proxied by
//! Weir while Flink's ports stay on loopback.
//!
//! Same prerequisites and the same one-at-a-time rule as `flink.rs`.

mod flink_harness;

use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationStatus, ConfigurationType, LogLevel, MonitoringConfigurationUpdate, UrlType,
};
use flink_harness::*;
use serde_json::Value;

/// A client that shows redirects instead of following them, and keeps no
/// cookies: each test request says exactly what it carries.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn presign(f: &Flink, app: &str) -> String {
    f.client
        .create_application_presigned_url()
        .application_name(app)
        .url_type(UrlType::FlinkDashboardUrl)
        .session_expiration_duration_in_seconds(1800)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateApplicationPresignedUrl {app}: {e:?}"))
        .authorized_url()
        .expect("AuthorizedUrl")
        .to_string()
}

/// Opens a presigned URL: (status, the session cookie it set).
async fn open(url: &str) -> (u16, Option<String>, String) {
    let r = http().get(url).send().await.expect("GET the presigned URL");
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap().to_string());
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, cookie, location)
}

async fn get(url: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = http().get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("GET through the dashboard proxy");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// This machine's IPv4 addresses other than loopback.
fn non_loopback_addresses() -> Vec<String> {
    let out = std::process::Command::new("hostname").arg("-I").output();
    let Ok(out) = out else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|a| {
            a.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| !ip.is_loopback())
        })
        .map(str::to_string)
        .collect()
}

/// The shipped Flink lines of the application's log: (level, message).
async fn flink_lines(f: &Flink, app: &str) -> Vec<(String, String)> {
    f.log_records(app)
        .await
        .into_iter()
        .filter_map(|r| {
            let message = r["message"].as_str()?.to_string();
            is_flink_line(&message)
                .then(|| (r["messageType"].as_str().unwrap_or("").to_string(), message))
        })
        .collect()
}

/// The Job Manager's "Completed checkpoint N" lines shipped, in order, as N.
async fn completed_checkpoints(f: &Flink, app: &str) -> Vec<u64> {
    let mut ids: Vec<u64> = flink_lines(f, app)
        .await
        .iter()
        .filter_map(|(_, m)| {
            let rest = m.strip_prefix("[jobmanager] Completed checkpoint ")?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flink_logs_flow_into_the_application_log_at_its_level() {
    let mut f = Flink::start(&[FLINK_1_20]).await;
    let app = "observed-logs";
    f.create(&App::new(app, FLINK_1_20, "streaming-count").group("job", &[("rate", RATE)]))
        .await;
    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;

    // At INFO: the Job Manager's start-up and its checkpoints, and the Task
    // Manager's task lines, each with Flink's level and logger.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let lines = flink_lines(&f, app).await;
        let jm_checkpoints = lines
            .iter()
            .filter(|(_, m)| m.starts_with("[jobmanager]") && m.contains("Completed checkpoint"))
            .count();
        let tm = lines.iter().any(|(_, m)| m.starts_with("[taskmanager "));
        if jm_checkpoints >= 2 && tm {
            assert!(lines
                .iter()
                .all(|(level, _)| ["INFO", "WARN", "ERROR"].contains(&level.as_str())));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no Flink lines in the log: {} shipped\n{}",
            lines.len(),
            f.diagnosis(app).await
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let records = f.log_records(app).await;
    let jm = records
        .iter()
        .find(|r| {
            r["message"]
                .as_str()
                .unwrap_or("")
                .contains("Completed checkpoint")
        })
        .unwrap();
    assert!(
        jm["logger"]
            .as_str()
            .unwrap()
            .starts_with("org.apache.flink."),
        "{jm}"
    );
    // The Logs API filters them like any line.
    let filtered = f.filter_log(app, "\"Completed checkpoint\"").await;
    assert!(!filtered.is_empty());

    // A Weir killed and restarted goes on where it stopped: no checkpoint
    // line twice, and new ones keep coming.
    let shipped_before = completed_checkpoints(&f, app).await;
    f.weir.restart();
    f.reconnect();
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let now = completed_checkpoints(&f, app).await;
        let mut unique = now.clone();
        unique.dedup();
        assert_eq!(unique, now, "a Flink line was shipped twice");
        if now.len() >= shipped_before.len() + 2 {
            break;
        }
        assert!(Instant::now() < deadline, "no new lines after a restart");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // At WARN, checkpoints go on but their INFO lines no longer ship, while
    // Weir's own status lines still do.
    f.update_monitoring(
        app,
        MonitoringConfigurationUpdate::builder()
            .configuration_type_update(ConfigurationType::Custom)
            .log_level_update(LogLevel::Warn)
            .build(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    f.wait_status(
        app,
        ApplicationStatus::Running,
        &[ApplicationStatus::Ready],
        START_TIMEOUT,
    )
    .await;
    // Two shipping rounds for what was logged before the new level applied.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let count_info = |lines: &[(String, String)]| lines.iter().filter(|(l, _)| l == "INFO").count();
    let before = count_info(&flink_lines(&f, app).await);
    let weir_before = f.log(app).await.len();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = count_info(&flink_lines(&f, app).await);
    assert_eq!(before, after, "INFO lines were shipped at LogLevel WARN");
    f.stop_app(app, false).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], STOP_TIMEOUT)
        .await;
    assert!(
        f.log(app).await.len() > weir_before,
        "Weir's own lines stopped"
    );
    f.assert_no_jvms(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flink_dashboard_opens_through_a_presigned_url() {
    // URLs must be opened within 3 s here, so that expiry is seen quickly.
    let f = Flink::start_with_args(&[FLINK_1_20], &["--dashboard-url-validity-secs", "3"]).await;
    let app = "observed-dash";
    f.create(&App::new(app, FLINK_1_20, "streaming-count").group("job", &[("rate", RATE)]))
        .await;

    // No dashboard before the application runs.
    let e = f
        .client
        .create_application_presigned_url()
        .application_name(app)
        .url_type(UrlType::FlinkDashboardUrl)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceInUseException"), "{e:?}");

    let start = f.start_app(app).await;
    f.wait_running_after(app, &start).await;
    let url = presign(&f, app).await;
    let base = format!("http://{}/dashboard/{app}/", f.weir.authority());
    assert!(url.starts_with(&base), "{url}");

    // Tampered: refused, no cookie.
    let mut tampered = url.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let (status, cookie, _) = open(&tampered).await;
    assert_eq!((status, cookie), (403, None));
    // A longer session than signed for: refused.
    let stretched = url.replace("weir-session=1800", "weir-session=43200");
    assert_eq!(open(&stretched).await.0, 403);

    // Valid: a session cookie for this application's path, then the
    // dashboard itself and Flink's REST API behind it.
    let (status, cookie, location) = open(&url).await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/dashboard/{app}/"));
    let cookie = cookie.expect("a session cookie");
    let (status, index) = get(&base, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(index.contains("Apache Flink"), "{index:.300}");
    let (status, overview) = get(&format!("{base}overview"), Some(&cookie)).await;
    assert_eq!(status, 200, "{overview}");
    let overview: Value = serde_json::from_str(&overview).unwrap();
    assert_eq!(overview["taskmanagers"], 1, "{overview}");
    let (_, jobs) = get(&format!("{base}jobs/overview"), Some(&cookie)).await;
    assert!(jobs.contains("\"RUNNING\""), "{jobs}");

    // Without the cookie, or with it on another application's path: refused.
    assert_eq!(get(&format!("{base}overview"), None).await.0, 403);
    let other = format!("http://{}/dashboard/other-app/overview", f.weir.authority());
    assert_eq!(get(&other, Some(&cookie)).await.0, 403);
    // Read-only.
    let r = http()
        .patch(format!(
            "{base}jobs/00000000000000000000000000000000?mode=cancel"
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);

    // Expired: the URL cannot be opened again, the session still works.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (status, cookie_again, _) = open(&url).await;
    assert_eq!((status, cookie_again), (403, None));
    assert_eq!(get(&format!("{base}overview"), Some(&cookie)).await.0, 200);

    // Flink itself listens on loopback only.
    let record = f.cluster_record(app).expect("cluster record");
    let rest = record["rest_url"].as_str().unwrap_or_default().to_string();
    assert!(rest.starts_with("http://127.0.0.1:"), "{record}");
    let port = rest.rsplit(':').next().unwrap().trim_end_matches('/');
    for ip in non_loopback_addresses() {
        let reached = std::net::TcpStream::connect_timeout(
            &format!("{ip}:{port}").parse().unwrap(),
            Duration::from_secs(2),
        );
        assert!(reached.is_err(), "Flink's REST port answers on {ip}");
    }

    // Once stopped, the session has nothing to show.
    f.stop_app(app, false).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], STOP_TIMEOUT)
        .await;
    assert_eq!(get(&format!("{base}overview"), Some(&cookie)).await.0, 503);
    f.assert_no_jvms(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_start_ships_the_job_managers_last_words() {
    let f = Flink::start(&[FLINK_1_20]).await;
    let app = "observed-failure";
    f.create(
        &App::new(app, FLINK_1_20, "fail-on-demand").group("FailConfig", &[("fail.mode", "main")]),
    )
    .await;
    f.start_app(app).await;
    f.wait_status(app, ApplicationStatus::Ready, &[], START_TIMEOUT)
        .await;
    // The cluster is gone; what its Job Manager said about main() is not.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let lines = flink_lines(&f, app).await;
        let said = lines.iter().find(|(_, m)| {
            m.starts_with("[jobmanager]")
                && m.contains("fail-on-demand: failing in main() as configured")
        });
        if let Some((level, message)) = said {
            assert!(
                ["WARN", "ERROR"].contains(&level.as_str()),
                "{level}: {message}"
            );
            // The stack trace is part of the event, not events of its own.
            assert!(message.contains("\n"), "{message}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Job Manager's failure is not in the log ({} Flink lines)\n{}",
            lines.len(),
            f.diagnosis(app).await
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    f.assert_no_jvms(app).await;
}

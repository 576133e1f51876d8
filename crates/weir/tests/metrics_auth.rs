//! Who may read `GET /metrics`: the rule is about the address the server
//! listens on. On a loopback listener it is open (the Flink tests scrape it
//! so); on any other address it wants `Authorization: Bearer <token>` equal
//! to `--metrics-token`, and without a configured token it is refused. Most
//! servers here listen on 0.0.0.0 and are reached through 127.0.0.1: the
//! connection comes from loopback, the listener is not. One listens on
//! 127.0.0.1 with a token configured, and is open; it also shows what an
//! application without a cluster looks like in `/metrics` and in
//! `DescribeApplicationMetrics`. No Flink involved.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use weir_test_support::server::{self, Weir};

/// `weir server --listen 0.0.0.0:0`, killed on drop.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        Server::start_with(extra, &[])
    }

    fn start_with(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("weir-metrics-auth-")
            .tempdir()
            .expect("temporary directory");
        let mut cmd = Weir::base_command(&dir.path().join("data"), "0.0.0.0:0");
        cmd.args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn weir");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("weir printed no ready line: {e}");
            }
        };
        let port = line
            .strip_prefix("weir listening on http://0.0.0.0:")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected ready line {line:?}"));
        Server {
            child,
            port,
            _dir: dir,
        }
    }

    /// `GET path` through 127.0.0.1 → (status, content type, body).
    fn get(&self, path: &str, authorization: Option<&str>) -> (u16, String, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let auth = authorization
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{auth}Connection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad response {response:?}"));
        let content_type = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-type")
                    .then(|| v.trim().to_string())
            })
            .unwrap_or_default();
        (status, content_type, body.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn without_a_token_metrics_on_a_non_loopback_listener_are_refused() {
    let server = Server::start(&[]);
    for auth in [None, Some("Bearer anything")] {
        let (status, _, body) = server.get("/metrics", auth);
        assert_eq!(status, 403, "{auth:?}: {body}");
        assert!(body.contains("--metrics-token"), "{body}");
    }
    // The rest of the server is as it always is.
    assert_eq!(server.get("/healthz", None).0, 200);
}

#[test]
fn with_a_token_metrics_on_a_non_loopback_listener_want_it() {
    let server = Server::start(&["--metrics-token", "s3cret-token"]);
    for (auth, want) in [
        (None, 401),
        (Some("Bearer wrong"), 401),
        (Some("Bearer s3cret-toke"), 401),
        (Some("Basic s3cret-token"), 401),
        (Some("Bearer s3cret-token"), 200),
    ] {
        let (status, content_type, body) = server.get("/metrics", auth);
        assert_eq!(status, want, "{auth:?}: {body}");
        if want == 200 {
            assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
        } else {
            assert!(!body.contains("# TYPE"), "{body}");
        }
    }
}

#[test]
fn the_token_can_come_from_the_environment() {
    // WEIR_METRICS_TOKEN, as a unit file would set it.
    let server = Server::start_with(&[], &[("WEIR_METRICS_TOKEN", "from-env")]);
    assert_eq!(server.get("/metrics", Some("Bearer from-env")).0, 200);
    assert_eq!(server.get("/metrics", None).0, 401);
}

#[tokio::test]
async fn on_a_loopback_listener_metrics_are_open_even_with_a_token() {
    let weir = Weir::start_with(|cmd| {
        cmd.args(["--metrics-token", "not-needed-here"]);
    });
    let (status, body) = weir
        .raw(
            "CreateApplication",
            serde_json::json!({
                "ApplicationName": "idle \"one\"",
                "RuntimeEnvironment": "FLINK-1_20",
                "ServiceExecutionRole": server::ROLE,
            }),
        )
        .await;
    assert_eq!(status, 400, "names are checked: {body}");
    let (status, body) = weir
        .raw(
            "CreateApplication",
            serde_json::json!({
                "ApplicationName": "idle",
                "RuntimeEnvironment": "FLINK-1_20",
                "ServiceExecutionRole": server::ROLE,
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let host = weir.authority().to_string();
    let (code, text) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&host).expect("connect");
        write!(
            stream,
            "GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let code: u16 = response.split(' ').nth(1).unwrap().parse().unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1.to_string();
        (code, body)
    })
    .await
    .unwrap();
    assert_eq!(code, 200, "{text}");
    // A READY application: its status and shape, no figures (no cluster).
    let lines: Vec<&str> = text.lines().collect();
    for want in [
        "# TYPE weir_application_status gauge",
        r#"weir_application_status{application="idle",status="READY"} 1"#,
        r#"weir_application_status{application="idle",status="RUNNING"} 0"#,
        r#"weir_KPUs{application="idle"} 0"#,
        r#"weir_CurrentParallelism{application="idle"} 1"#,
    ] {
        assert!(lines.contains(&want), "{want} missing:\n{text}");
    }
    assert!(!text.contains("weir_uptime"), "{text}");
    // The operator call says the same: no cluster, no figures.
    let r = weir
        .send(
            "WeirAdmin_20261126.DescribeApplicationMetrics",
            br#"{"ApplicationName":"idle"}"#.to_vec(),
            server::Signing::valid(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["ApplicationStatus"], "READY");
    assert_eq!(r.json["IntervalSeconds"], 10);
    assert_eq!(r.json["CollectedAt"], serde_json::Value::Null);
    assert_eq!(r.json["Job"], serde_json::Value::Null);
    assert_eq!(r.json["TaskManagers"], serde_json::json!([]));
    // Unsigned, the operator call is refused like every POST /.
    let r = weir
        .send(
            "WeirAdmin_20261126.DescribeApplicationMetrics",
            br#"{"ApplicationName":"idle"}"#.to_vec(),
            server::Signing::None,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}

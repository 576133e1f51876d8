//! The one way to start the real `weir` binary on a free port: the test
//! server [`Weir`], and [`spawn_ready`], which the benchmark's server uses
//! too (start a `weir server --listen 127.0.0.1:0` and read its
//! `weir listening on http://ADDR` line).
//!
//! Each test starts its own server ([`Weir::start`]) in a fresh temporary data
//! directory. The server runs in its own process group, which is killed and
//! reaped when the [`Weir`] is dropped (and, on Linux, when the thread that
//! spawned it dies), so a failing or aborted test leaves no process behind.
//!
//! Clients: [`Weir::client`] is the official `aws-sdk-kinesisanalyticsv2`
//! client pointed at the server; [`Weir::raw`] sends a hand-built, SigV4-signed
//! AWS JSON 1.1 request and returns the status and the decoded JSON body, for
//! what the SDK will not send (missing members, bad JSON, skewed clocks) and
//! for checking the exact wire shape.
//!
//! The binary is the one cargo built next to the running test ([`weir_bin`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_kinesisanalyticsv2::config::retry::RetryConfig;
use aws_sdk_kinesisanalyticsv2::config::timeout::TimeoutConfig;
use aws_sdk_kinesisanalyticsv2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kinesisanalyticsv2::Client;
use aws_sigv4::http_request::{SignatureLocation, SigningSettings};
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use crate::process::{kill_processes_mentioning, own_group, signal, signal_group};
use crate::sign;

/// `cmd` run through `wrapper` (which must exec it): the same arguments
/// and environment, in its own process group.
fn wrapped(wrapper: &[String], cmd: &Command) -> Command {
    let mut out = Command::new(&wrapper[0]);
    out.args(&wrapper[1..])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => out.env(key, v),
            None => out.env_remove(key),
        };
    }
    own_group(&mut out);
    out
}

/// The key pair every test server accepts.
pub const ACCESS_KEY_ID: &str = "AKIAWEIRTESTKEY00001";
pub const SECRET_ACCESS_KEY: &str = "weir/Test+Secret/Key0000000000000000000000";
pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "000000000000";
pub const TARGET_PREFIX: &str = "KinesisAnalytics_20180523";
pub const SIGNING_NAME: &str = "kinesisanalytics";
/// A syntactically valid service execution role.
pub const ROLE: &str = "arn:aws:iam::000000000000:role/weir-test";

/// Startup is generous: tests run in parallel on small CI machines.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

type Configure = Box<dyn Fn(&mut Command)>;

/// How a test's server process runs, beyond its arguments: as another
/// user, or under a wrapper command (e.g. `unshare`, `setpriv`) that execs
/// it, so the pid the test holds is still the server's.
#[derive(Debug, Clone, Default)]
pub struct RunAs {
    /// Program and arguments put before `weir server …`.
    pub wrapper: Vec<String>,
    /// uid and gid the server runs as (the test's directory is given to
    /// them first; the test itself must be root).
    pub user: Option<(u32, u32)>,
}

/// A running `weir server` owned by one test.
pub struct Weir {
    child: Option<Child>,
    endpoint: String,
    dir: tempfile::TempDir,
    configure: Configure,
    /// See [`Weir::watch_over_descendants`].
    watchdog: Option<Child>,
    run_as: RunAs,
}

impl Weir {
    /// Starts a server with the test key pair on `127.0.0.1:0`.
    pub fn start() -> Weir {
        Weir::start_with(|_| {})
    }

    /// Starts a server; `configure` may add arguments or change the
    /// environment of the command (it is applied again on [`Weir::restart`]).
    pub fn start_with(configure: impl Fn(&mut Command) + 'static) -> Weir {
        Weir::start_as(RunAs::default(), configure)
    }

    /// As [`Weir::start_with`], run as `run_as` says.
    pub fn start_as(run_as: RunAs, configure: impl Fn(&mut Command) + 'static) -> Weir {
        let dir = tempfile::Builder::new()
            .prefix("weir-test-")
            .tempdir()
            .expect("create temporary directory");
        std::fs::create_dir_all(dir.path().join("data")).expect("create data dir");
        if let Some((uid, gid)) = run_as.user {
            for d in [dir.path().to_path_buf(), dir.path().join("data")] {
                std::os::unix::fs::chown(&d, Some(uid), Some(gid))
                    .unwrap_or_else(|e| panic!("giving {} to {uid}:{gid}: {e}", d.display()));
            }
        }
        let mut weir = Weir {
            child: None,
            endpoint: String::new(),
            dir,
            configure: Box::new(configure),
            watchdog: None,
            run_as,
        };
        weir.spawn();
        weir
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's process id (while it runs under this handle).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `127.0.0.1:PORT`
    pub fn authority(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The test's private temporary directory (holds the data directory,
    /// the server's log, and whatever else the test puts there).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the server wrote to stderr so far (all runs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("weir.stderr.log")
    }

    /// The command line every test server starts with, before `configure`.
    pub fn base_command(data_dir: &Path, listen: &str) -> Command {
        let mut cmd = Command::new(weir_bin());
        cmd.arg("server")
            .arg("--listen")
            .arg(listen)
            .arg("--data-dir")
            .arg(data_dir);
        // The test's own environment must not leak into the server.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("WEIR_") || key.starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("WEIR_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("WEIR_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY);
        own_group(&mut cmd);
        cmd
    }

    fn spawn(&mut self) {
        let mut cmd = Weir::base_command(&self.data_dir(), "127.0.0.1:0");
        (self.configure)(&mut cmd);
        if !self.run_as.wrapper.is_empty() {
            cmd = wrapped(&self.run_as.wrapper, &cmd);
        }
        if let Some((uid, gid)) = self.run_as.user {
            cmd.uid(uid).gid(gid).env("HOME", self.dir.path());
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open server log");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        match spawn_ready(&mut cmd, STARTUP_TIMEOUT) {
            Ok((child, endpoint)) => {
                self.child = Some(child);
                self.endpoint = endpoint;
            }
            Err(why) => self.fail_startup(&why),
        }
        if !self.endpoint.starts_with("http://127.0.0.1:") {
            self.fail_startup(&format!("unexpected endpoint {:?}", self.endpoint));
        }
        // The ready line promises /healthz answers 200.
        loop {
            match self.healthz() {
                Ok(200) => break,
                other if Instant::now() > deadline => {
                    self.fail_startup(&format!("GET /healthz after the ready line: {other:?}"))
                }
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn fail_startup(&mut self, why: &str) -> ! {
        self.kill();
        panic!(
            "weir server failed to start: {why}\n--- server stderr ---\n{}",
            self.log()
        );
    }

    /// `GET /healthz` → HTTP status.
    pub fn healthz(&self) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(self.authority())?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.authority()
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad response {response:?}")))
    }

    /// Kills the server with SIGKILL (no chance to clean up) and starts it
    /// again on the same data directory. The port changes: make new clients.
    pub fn restart(&mut self) {
        self.restart_after(Duration::ZERO);
    }

    /// As [`Weir::restart`], with the server down for `down` in between.
    pub fn restart_after(&mut self, down: Duration) {
        self.kill();
        std::thread::sleep(down);
        self.spawn();
    }

    /// Makes sure nothing the server started outlives this test process,
    /// even when the process dies without dropping the `Weir` (a test
    /// runner's timeout kills it): a small shell, in its own process group
    /// and deaf to SIGTERM/SIGINT/SIGHUP, waits for this process to end and
    /// then SIGKILLs every process whose command line names the test's
    /// directory (the JVMs of Flink clusters, which lead their own process
    /// groups and outlive their parent by design) or whose environment
    /// names a cluster under it (what those JVMs started: Python workers). Dropping the `Weir` does
    /// the same itself and ends the watchdog.
    pub fn watch_over_descendants(&mut self) {
        if self.watchdog.is_some() {
            return;
        }
        const SCRIPT: &str = r#"trap '' TERM INT HUP
while kill -0 "$WEIR_TEST_PID" 2>/dev/null; do
  case "$(cat "/proc/$WEIR_TEST_PID/stat" 2>/dev/null)" in *") Z "*) break ;; esac
  sleep 1
done
for p in /proc/[0-9]*; do
  if grep -qF -- "$WEIR_TEST_ROOT" "$p/cmdline" 2>/dev/null \
    || grep -qaF -- "WEIR_FLINK_CLUSTER=$WEIR_TEST_ROOT" "$p/environ" 2>/dev/null; then
    kill -KILL "${p#/proc/}" 2>/dev/null
  fi
done
"#;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(SCRIPT)
            // In the environment, not on the command line: the watchdog
            // must not match its own search.
            .env("WEIR_TEST_PID", std::process::id().to_string())
            .env("WEIR_TEST_ROOT", format!("{}/", self.dir.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        self.watchdog = Some(cmd.spawn().expect("spawn the watchdog shell"));
    }

    /// Kills the server with SIGKILL and does not start it again (the
    /// applications' Flink JVMs, in their own process groups, live on).
    pub fn crash(&mut self) {
        self.kill();
    }

    /// Starts the server again on the same data directory after [`Weir::crash`].
    pub fn respawn(&mut self) {
        assert!(self.child.is_none(), "weir is still running");
        self.spawn();
    }

    /// Sends SIGTERM to the server and waits for it to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server is running");
        signal(child.id(), libc::SIGTERM);
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("wait for weir") {
                return status;
            }
            if Instant::now() > deadline {
                signal_group(child.id(), libc::SIGKILL);
                let _ = child.wait();
                panic!(
                    "weir did not exit within 30 s of SIGTERM\n--- server stderr ---\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal_group(child.id(), libc::SIGKILL);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The official SDK client with the accepted key pair.
    pub fn client(&self) -> Client {
        self.client_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    }

    /// The official SDK client with any key pair.
    pub fn client_with(&self, access_key_id: &str, secret: &str) -> Client {
        let config = aws_sdk_kinesisanalyticsv2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(
                access_key_id,
                secret,
                None,
                None,
                "weir-tests",
            ))
            // Errors must surface as they are, not be retried away.
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(30))
                    .operation_timeout(Duration::from_secs(120))
                    .build(),
            )
            .build();
        Client::from_conf(config)
    }

    /// The official CloudWatch Logs client, pointed at the same endpoint.
    pub fn logs_client(&self) -> aws_sdk_cloudwatchlogs::Client {
        let config = aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_sdk_cloudwatchlogs::config::Region::new(REGION))
            .credentials_provider(aws_sdk_cloudwatchlogs::config::Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "weir-tests",
            ))
            .retry_config(aws_sdk_cloudwatchlogs::config::retry::RetryConfig::disabled())
            .timeout_config(
                aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(30))
                    .operation_timeout(Duration::from_secs(120))
                    .build(),
            )
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(config)
    }

    /// A signed AWS JSON 1.1 request for `operation` (e.g. `"CreateApplication"`).
    pub async fn raw(&self, operation: &str, body: Value) -> (u16, Value) {
        let body = serde_json::to_vec(&body).expect("encode body");
        let target = format!("{TARGET_PREFIX}.{operation}");
        let response = self.send(&target, body, Signing::valid()).await;
        (response.status, response.json)
    }

    /// The same request with no authentication at all.
    pub async fn raw_unsigned(&self, operation: &str, body: Value) -> (u16, Value) {
        let body = serde_json::to_vec(&body).expect("encode body");
        let target = format!("{TARGET_PREFIX}.{operation}");
        let response = self.send(&target, body, Signing::None).await;
        (response.status, response.json)
    }

    /// Any `X-Amz-Target`, any body bytes, any signing.
    pub async fn send(&self, target: &str, body: Vec<u8>, signing: Signing) -> RawResponse {
        self.send_tampered(target, body.clone(), body, signing)
            .await
    }

    /// Signs `signed_body` but sends `sent_body`: a request altered in transit.
    pub async fn send_tampered(
        &self,
        target: &str,
        signed_body: Vec<u8>,
        sent_body: Vec<u8>,
        signing: Signing,
    ) -> RawResponse {
        self.send_altered(target, target, signed_body, sent_body, signing)
            .await
    }

    /// Signs one target and body, sends another: a request altered in transit.
    pub async fn send_altered(
        &self,
        target: &str,
        sent_target: &str,
        signed_body: Vec<u8>,
        sent_body: Vec<u8>,
        signing: Signing,
    ) -> RawResponse {
        let body = signed_body;
        let mut request = http::Request::builder()
            .method("POST")
            .uri(format!("{}/", self.endpoint))
            .header("host", self.authority())
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(Full::new(Bytes::from(sent_body)))
            .expect("build request");
        match signing {
            Signing::None => {}
            Signing::Header(ref key) | Signing::Query(ref key) => {
                let identity: Identity = Credentials::new(
                    key.access_key_id.clone(),
                    key.secret.clone(),
                    None,
                    None,
                    "weir-tests",
                )
                .into();
                let mut settings = SigningSettings::default();
                if matches!(signing, Signing::Query(_)) {
                    settings.signature_location = SignatureLocation::QueryParams;
                    settings.expires_in = Some(Duration::from_secs(300));
                }
                let uri = request.uri().to_string();
                let headers: Vec<(String, String)> = request
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
                    .collect();
                let instructions = sign::sdk_sign(
                    &identity,
                    REGION,
                    SIGNING_NAME,
                    key.time,
                    settings,
                    &uri,
                    headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    &body,
                );
                instructions.apply_to_request_http1x(&mut request);
            }
        }
        request.headers_mut().insert(
            "x-amz-target",
            http::HeaderValue::from_str(sent_target).expect("target header"),
        );
        self.send_request(request).await
    }

    /// Sends a prepared request.
    pub async fn send_request(&self, request: http::Request<Full<Bytes>>) -> RawResponse {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let response = client.request(request).await.unwrap_or_else(|e| {
            panic!(
                "request to weir failed: {e:?}\n--- server stderr ---\n{}",
                self.log()
            )
        });
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read response body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(text.clone()))
        };
        RawResponse {
            status,
            headers,
            text,
            json,
        }
    }
}

impl Drop for Weir {
    fn drop(&mut self) {
        self.kill();
        // Whatever the server started (Flink JVMs lead their own process
        // groups and outlive it by design) names a path under the test's
        // directory on its command line: none of it may outlive the test.
        let left = kill_processes_mentioning(&format!("{}/", self.dir.path().display()));
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- weir server stderr ---\n{}", self.log());
        }
        if !left.is_empty() {
            eprintln!(
                "killed {} process(es) the test left behind: {:?}",
                left.len(),
                left.iter().map(|p| p.pid).collect::<Vec<_>>()
            );
        }
    }
}

/// How [`Weir::send`] authenticates.
#[derive(Clone, Debug)]
pub enum Signing {
    None,
    /// SigV4 in the `Authorization` header.
    Header(Key),
    /// SigV4 in the query string (a presigned URL).
    Query(Key),
}

impl Signing {
    pub fn valid() -> Signing {
        Signing::Header(Key::valid())
    }
}

#[derive(Clone, Debug)]
pub struct Key {
    pub access_key_id: String,
    pub secret: String,
    pub time: SystemTime,
}

impl Key {
    pub fn valid() -> Key {
        Key::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    }

    pub fn new(access_key_id: &str, secret: &str) -> Key {
        Key {
            access_key_id: access_key_id.to_string(),
            secret: secret.to_string(),
            time: SystemTime::now(),
        }
    }
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
    /// The decoded body; `Null` if empty, a `String` if it is not JSON.
    pub json: Value,
}

/// The `__type` of an AWS JSON error body, without any `namespace#` prefix
/// or `:url` suffix (the clients strip both).
pub fn error_type(body: &Value) -> Option<String> {
    let raw = body.get("__type")?.as_str()?;
    let name = raw.rsplit('#').next().unwrap_or(raw);
    Some(name.split(':').next().unwrap_or(name).to_string())
}

/// The error message, however the server capitalised the member.
pub fn error_message(body: &Value) -> String {
    body.get("message")
        .or_else(|| body.get("Message"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The `weir` binary cargo built for the running test or benchmark:
/// `$WEIR_BIN` if set, else `$NEXTEST_BIN_EXE_weir` (nextest), else the
/// `weir` next to the test executable's `deps/` directory (where cargo puts
/// a package's binaries, `target/<profile>/weir`).
pub fn weir_bin() -> PathBuf {
    for var in ["WEIR_BIN", "NEXTEST_BIN_EXE_weir"] {
        if let Some(bin) = std::env::var_os(var).filter(|b| !b.is_empty()) {
            return PathBuf::from(bin);
        }
    }
    let exe = std::env::current_exe().expect("the running executable's path");
    let mut dir = exe.parent().expect("the executable's directory");
    if dir.ends_with("deps") {
        dir = dir.parent().expect("target/<profile>");
    }
    let bin = dir.join("weir");
    assert!(
        bin.is_file(),
        "the weir binary is not at {} (build it: cargo build -p weir)",
        bin.display()
    );
    bin
}

/// Spawns `cmd` (a `weir server` listening on port 0; its stdout is taken
/// here, see [`own_group`] for the process group) and waits up to
/// `timeout` for its first stdout line, `weir listening on http://ADDR`;
/// a thread keeps draining stdout after it. Returns the child and
/// `http://ADDR`; on failure kills the child's group, reaps it and says why.
pub fn spawn_ready(cmd: &mut Command, timeout: Duration) -> Result<(Child, String), String> {
    cmd.stdout(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot spawn {:?}: {e}", cmd.get_program()))?;
    let stdout = child.stdout.take().expect("piped stdout");
    // One thread reads the ready line and then keeps draining stdout.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut tx = Some(tx);
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(tx) = tx.take() {
                let _ = tx.send(line);
            }
        }
    });
    let fail = |mut child: Child, why: String| {
        signal_group(child.id(), libc::SIGKILL);
        let _ = child.kill();
        let _ = child.wait();
        Err(why)
    };
    let deadline = Instant::now() + timeout;
    let line = loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => break line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    return fail(child, format!("weir exited during startup ({status})"));
                }
                if Instant::now() > deadline {
                    let why = format!("no ready line on stdout within {} s", timeout.as_secs());
                    return fail(child, why);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(200));
                let why = "weir closed stdout without printing the ready line".to_string();
                return fail(child, why);
            }
        }
    };
    let Some(endpoint) = line.strip_prefix("weir listening on ") else {
        let why = format!("first stdout line is not `weir listening on http://ADDR`: {line:?}");
        return fail(child, why);
    };
    Ok((child, endpoint.trim().trim_end_matches('/').to_string()))
}

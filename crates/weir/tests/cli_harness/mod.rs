//! Running the real `weir` binary as a client, the way a person or a script
//! does: a subprocess with a clean environment (no `AWS_*`/`WEIR_*` of the
//! test's own, `HOME` in a temporary directory so no `~/.aws` is read), its
//! stdout and stderr captured, its exit code kept, and a deadline after
//! which it is killed — no client outlives its test. Shared by `cli.rs`
//! (no Flink) and `flink_cli.rs`.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use weir_test_support::server::{ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY};

/// A client command longer than this is killed and fails the test.
pub const CLIENT_DEADLINE: Duration = Duration::from_secs(600);

/// How one run of the client ended.
#[derive(Debug)]
pub struct Out {
    /// The exit code (-1 if killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Fails unless the command exited 0.
    #[track_caller]
    pub fn ok(self) -> Out {
        assert_eq!(self.code, 0, "weir failed: {self:#?}");
        self
    }

    /// Fails unless the command exited with `code`.
    #[track_caller]
    pub fn code(self, code: i32) -> Out {
        assert_eq!(self.code, code, "expected exit code {code}: {self:#?}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

/// A `weir` client command pointed at `endpoint`, signing with the test key
/// pair from the environment.
pub struct Client {
    endpoint: String,
    home: tempfile::TempDir,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
}

impl Client {
    pub fn new(endpoint: &str) -> Client {
        Client {
            endpoint: endpoint.to_string(),
            home: tempfile::Builder::new()
                .prefix("weir-cli-home-")
                .tempdir()
                .expect("temporary HOME"),
            env: vec![
                ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY_ID.into()),
                ("AWS_SECRET_ACCESS_KEY".into(), SECRET_ACCESS_KEY.into()),
                ("AWS_REGION".into(), REGION.into()),
            ],
            cwd: None,
        }
    }

    /// Without any credentials in the environment.
    pub fn without_credentials(mut self) -> Client {
        self.env
            .retain(|(k, _)| !k.starts_with("AWS_ACCESS_KEY_ID"));
        self.env
            .retain(|(k, _)| !k.starts_with("AWS_SECRET_ACCESS_KEY"));
        self
    }

    /// One more environment variable for every run.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Client {
        self.env.retain(|(k, _)| k != key);
        self.env.push((
            key.to_string(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    pub fn cwd(mut self, dir: &Path) -> Client {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("WEIR_") || key.starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("HOME", self.home.path())
            .env("WEIR_ENDPOINT", &self.endpoint)
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd.args(args).stdin(Stdio::null());
        cmd
    }

    /// Runs `weir ARGS…` to the end.
    pub fn run<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_command(self.command(args), CLIENT_DEADLINE)
    }

    /// Starts `weir ARGS…` with stdout and stderr going to files, for a
    /// command that does not end by itself (`logs --follow`, `top`).
    pub fn spawn<I, S>(&self, args: I) -> Running
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let dir = tempfile::tempdir().expect("temporary directory");
        let stdout = dir.path().join("stdout");
        let stderr = dir.path().join("stderr");
        let mut cmd = self.command(args);
        cmd.stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        let child = cmd.spawn().expect("spawn weir");
        Running {
            child,
            stdout,
            stderr,
            _dir: dir,
        }
    }
}

/// Runs `cmd`, killing it after `deadline`.
pub fn run_command(mut cmd: Command, deadline: Duration) -> Out {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stdout = dir.path().join("stdout");
    let stderr = dir.path().join("stderr");
    cmd.stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("stderr file"));
    let mut child = cmd.spawn().expect("spawn weir");
    let until = Instant::now() + deadline;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for weir") {
            break status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "weir {:?} did not end within {deadline:?}\nstdout: {}\nstderr: {}",
                cmd.get_args().collect::<Vec<_>>(),
                std::fs::read_to_string(&stdout).unwrap_or_default(),
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Out {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&stdout).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr).unwrap_or_default(),
    }
}

/// A client command still running; killed when dropped.
pub struct Running {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Running {
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Polls stdout until `done` holds, or fails after `timeout`.
    #[track_caller]
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let until = Instant::now() + timeout;
        loop {
            let out = self.stdout();
            if done(&out) {
                return out;
            }
            if let Some(status) = self.child.try_wait().expect("wait for weir") {
                panic!(
                    "weir ended ({status}) before its output showed {what}\nstdout: {out}\nstderr: {}",
                    self.stderr()
                );
            }
            if Instant::now() > until {
                panic!(
                    "weir's output never showed {what} within {timeout:?}\nstdout: {out}\nstderr: {}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("wait for weir").is_none()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stand-in for a Flink cluster's REST API that answers `GET /overview`
/// only (what registering a cluster asks), on a free port, for as long as it
/// lives: enough for `weir clusters add/list/remove` without Flink. Every
/// other path is a 404 in Flink's error shape.
pub struct FakeFlink {
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeFlink {
    pub fn start(version: &str, slots: u32) -> FakeFlink {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake Flink");
        listener.set_nonblocking(true).expect("non-blocking");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let overview = serde_json::json!({
            "taskmanagers": 1, "slots-total": slots, "slots-available": slots,
            "jobs-running": 0, "jobs-finished": 0, "jobs-cancelled": 0, "jobs-failed": 0,
            "flink-version": version, "flink-commit": "fake",
        })
        .to_string();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let mut stream = match listener.accept() {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request);
                let path = head.split_whitespace().nth(1).unwrap_or_default();
                let (status, body) = if path == "/overview" {
                    ("200 OK", overview.clone())
                } else {
                    ("404 Not Found", r#"{"errors":["Not found"]}"#.to_string())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakeFlink {
            url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FakeFlink {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

//! The servers under test (weir and moto) as owned child processes.
//!
//! Each server starts in its own process group with `PR_SET_PDEATHSIG`
//! ([`process::own_group`]), and a [`Server`] kills and reaps the whole
//! group when dropped, so an error, a panic or Ctrl-C in the benchmark
//! leaves no server behind. weir is started the way the tests start it
//! ([`server::spawn_ready`]); what /proc says about processes is
//! [`weir_test_support::process`].

use std::ffi::OsStr;
use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use weir_test_support::process::{self, file_tail, own_group, proc_stat_cpu, proc_stat_fields};
use weir_test_support::server;

const READY_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Server {
    pub name: &'static str,
    pub addr: SocketAddr,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts `weir server` on port 0 (with `extra_args` and `extra_env`) and
    /// waits for its `weir listening on` line.
    pub fn start_weir(
        bin: &Path,
        data_dir: &Path,
        log: PathBuf,
        (access_key_id, secret_access_key): (&str, &str),
        extra_args: &[String],
        extra_env: &[(&str, &OsStr)],
        user: Option<(u32, u32)>,
    ) -> Result<Server> {
        let mut command = Command::new(bin);
        if let Some((uid, gid)) = user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid).env("HOME", data_dir);
        }
        command
            .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra_args)
            .envs(extra_env.iter().copied())
            .env("WEIR_ACCESS_KEY_ID", access_key_id)
            .env("WEIR_SECRET_ACCESS_KEY", secret_access_key)
            .stdin(Stdio::null())
            .stderr(File::create(&log)?);
        own_group(&mut command);
        let (child, endpoint) =
            server::spawn_ready(&mut command, READY_TIMEOUT).map_err(|why| {
                anyhow::anyhow!(
                    "{} did not start: {why}; its log ends:\n{}",
                    bin.display(),
                    file_tail(&log, 20)
                )
            })?;
        let addr = endpoint.trim_start_matches("http://").to_string();
        let mut server = Server {
            name: "weir",
            addr: ([127, 0, 0, 1], 0).into(),
            child,
            log,
        };
        server.addr = addr
            .parse()
            .with_context(|| format!("weir's listening address {addr:?}"))?;
        server.wait_for_port()?;
        Ok(server)
    }

    /// Starts `moto_server` on a free port and waits until it accepts connections.
    pub fn start_moto(bin: &Path, log: PathBuf) -> Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log_file = File::create(&log)?;
        let mut command = Command::new(bin);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let child = spawn_owned(&mut command, bin)?;
        let server = Server {
            name: "moto",
            addr: ([127, 0, 0, 1], port).into(),
            child,
            log,
        };
        server.wait_for_port()?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to shut down (SIGTERM) and waits up to `grace` for it
    /// to exit; whether it did. Dropping the server kills it in any case.
    pub async fn terminate(&mut self, grace: Duration) -> bool {
        process::signal(self.child.id(), libc::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn wait_for_port(&self) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not accept connections on {} within {READY_TIMEOUT:?}; its log ends:\n{}",
                    self.name,
                    self.addr,
                    self.log_tail(20)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last `lines` lines of the server's log, for error messages.
    pub fn log_tail(&self, lines: usize) -> String {
        file_tail(&self.log, lines)
    }

    /// Resident and peak resident memory in MB (VmRSS, VmHWM).
    pub fn memory_mb(&self) -> Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| -> Result<f64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("{name} in /proc/PID/status"))?;
            let kb: f64 = line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()?;
            Ok(kb / 1024.0)
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// User + system CPU seconds the server process has used so far.
    pub fn cpu_seconds(&self) -> Result<f64> {
        proc_stat_cpu(&format!("/proc/{}/stat", self.pid())).context("/proc/PID/stat")
    }

    /// [`Self::cpu_seconds`] plus what its reaped children used (the JVMs
    /// weir started and has waited for): nothing that ran gets lost when a
    /// cluster stops.
    pub fn cpu_seconds_with_children(&self) -> Result<f64> {
        let fields =
            proc_stat_fields(&format!("/proc/{}/stat", self.pid())).context("/proc/PID/stat")?;
        Ok(fields[11..15].iter().sum::<f64>() / process::clock_ticks())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        process::signal_group(self.child.id(), libc::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns in a new process group that dies with the benchmark.
fn spawn_owned(command: &mut Command, bin: &Path) -> Result<Child> {
    own_group(command);
    command
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))
}

//! The servers under test as owned child processes, and what /proc says about them.
//!
//! Each server starts in its own process group with `PR_SET_PDEATHSIG`, and a
//! [`Server`] kills and reaps the whole group when dropped, so an error, a
//! panic or Ctrl-C in the benchmark leaves no server behind.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

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
        access_key_id: &str,
        secret_access_key: &str,
        extra_args: &[String],
        extra_env: &[(&str, &OsStr)],
    ) -> Result<Server> {
        let mut command = Command::new(bin);
        command
            .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra_args)
            .envs(extra_env.iter().copied())
            .env("WEIR_ACCESS_KEY_ID", access_key_id)
            .env("WEIR_SECRET_ACCESS_KEY", secret_access_key)
            .stdout(Stdio::piped())
            .stderr(File::create(&log)?);
        let mut child = spawn_owned(&mut command, bin)?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = Server {
            name: "weir",
            addr: ([127, 0, 0, 1], 0).into(),
            child,
            log,
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining stdout after the ready line so the server never blocks on it.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.trim().strip_prefix("weir listening on http://") {
                    let _ = tx.send(rest.trim_end_matches('/').to_owned());
                }
            }
        });
        let deadline = Instant::now() + READY_TIMEOUT;
        let addr = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(addr) => break addr,
                Err(mpsc::RecvTimeoutError::Timeout) => server.check_alive()?,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    server.check_alive()?;
                    bail!("weir closed stdout without printing its listening line");
                }
            }
            if Instant::now() > deadline {
                bail!("weir did not print its listening line within {READY_TIMEOUT:?}");
            }
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
        // SAFETY: plain syscall on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited during start-up ({status}); its log ends:\n{}",
                self.name,
                self.log_tail(20)
            );
        }
        Ok(())
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
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
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
        proc_stat_cpu(&format!("/proc/{}/stat", self.pid()))
    }

    /// [`Self::cpu_seconds`] plus what its reaped children used (the JVMs
    /// weir started and has waited for): nothing that ran gets lost when a
    /// cluster stops.
    pub fn cpu_seconds_with_children(&self) -> Result<f64> {
        let fields = proc_stat_fields(&format!("/proc/{}/stat", self.pid()))?;
        Ok(fields[11..15].iter().sum::<f64>() / clock_ticks())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: plain syscall; the group was created for this child alone.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns in a new process group that dies with the benchmark.
fn spawn_owned(command: &mut Command, bin: &Path) -> Result<Child> {
    command.process_group(0);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))
}

/// User + system CPU seconds from a `/proc/.../stat` file.
pub fn proc_stat_cpu(path: &str) -> Result<f64> {
    let fields = proc_stat_fields(path)?;
    // After the command name: state is field 3, utime field 14, stime field 15.
    Ok((fields[11] + fields[12]) / clock_ticks())
}

/// The fields of a `/proc/.../stat` file after the command name, as numbers
/// (index 0 is field 3 of proc(5), the state letter, which reads as 0), at
/// least up to cstime (field 17, index 14).
fn proc_stat_fields(path: &str) -> Result<Vec<f64>> {
    let stat = std::fs::read_to_string(path)?;
    let after_name = &stat[stat.rfind(')').context("malformed stat")? + 1..];
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    if fields.len() < 15 {
        bail!("{path}: too few fields");
    }
    Ok(fields)
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// A process's CPU seconds (user + system) and start time (clock ticks after
/// boot, which tells a reused pid apart); also for a zombie, whose command
/// line is already empty but whose times are not yet its parent's.
pub fn cpu_and_start(pid: u32) -> Option<(f64, u64)> {
    let fields = proc_stat_fields(&format!("/proc/{pid}/stat")).ok()?;
    // starttime is field 22 of proc(5).
    let start = *fields.get(19)? as u64;
    Some(((fields[11] + fields[12]) / clock_ticks(), start))
}

/// A process seen in /proc.
#[derive(Debug, Clone)]
pub struct ProcessInfo {
    pub pid: u32,
    /// The executable's name (`comm`), e.g. `java`.
    pub comm: String,
    /// User + system CPU seconds so far.
    pub cpu: f64,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
    /// VmRSS in MB (0 for kernel threads and zombies).
    pub rss_mb: f64,
}

/// Every process (but this one) whose command line contains `marker`,
/// e.g. a directory only the benchmark's processes are given.
pub fn processes_with(marker: &str) -> Vec<ProcessInfo> {
    processes_where(|cmdline, _| cmdline.contains(marker))
}

/// Every `java` process whose command line does not contain `marker`.
pub fn foreign_jvms(marker: &str) -> Vec<ProcessInfo> {
    processes_where(|cmdline, comm| comm == "java" && !cmdline.contains(marker))
}

fn processes_where(want: impl Fn(&str, &str) -> bool) -> Vec<ProcessInfo> {
    let own = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == own {
            continue;
        }
        let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim();
        if cmdline.is_empty() || !want(&cmdline, comm) {
            continue;
        }
        let (cpu, start_ticks) = cpu_and_start(pid).unwrap_or((0.0, 0));
        found.push(ProcessInfo {
            pid,
            comm: comm.to_string(),
            cpu,
            start_ticks,
            rss_mb: rss_mb(pid).unwrap_or(0.0),
        });
    }
    found
}

/// VmRSS of a process in MB.
pub fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line["VmRSS:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// SIGKILLs these processes by id, and the process group of each one that
/// leads its own group (as Weir's JVMs do), without touching anything else.
pub fn kill_processes(pids: &[u32]) {
    for &pid in pids {
        let pid = pid as libc::pid_t;
        // SAFETY: plain syscalls on ids just read from /proc.
        unsafe {
            if libc::getpgid(pid) == pid {
                libc::kill(-pid, libc::SIGKILL);
            }
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// User + system CPU seconds this benchmark process has used so far.
pub fn own_cpu_seconds() -> f64 {
    proc_stat_cpu("/proc/self/stat").unwrap_or(0.0)
}

/// CPU seconds all processes of the machine have used so far (from /proc/stat),
/// to tell how much of the measured window went to something else.
pub fn machine_busy_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return 0.0;
    };
    let Some(line) = stat.lines().next() else {
        return 0.0;
    };
    // cpu user nice system idle iowait irq softirq steal ...
    let ticks: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let busy: f64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum();
    // SAFETY: sysconf has no preconditions.
    busy / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_seconds_count_user_time() {
        // Spin until the counter shows 0.2 s of CPU: on a busy machine the
        // wall time this takes varies, the CPU time counted must not.
        let before = own_cpu_seconds();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut x = 0u64;
        while own_cpu_seconds() - before < 0.2 {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            assert!(
                Instant::now() < deadline,
                "spinning never counted 0.2 s of CPU"
            );
        }
        let used = own_cpu_seconds() - before;
        assert!(
            (0.2..1.0).contains(&used),
            "{used} s counted for a 0.2 s spin"
        );
    }

    #[test]
    fn finds_and_kills_processes_by_a_marker_on_their_command_line() {
        let marker = format!("weir-bench-marker-{}", std::process::id());
        // A loop of short sleeps, so that killing the shell leaves no
        // long-lived child behind; no inherited output, so nothing of the
        // test outlives it.
        let mut child = Command::new("sh")
            .args(["-c", "while :; do sleep 0.1; done", &marker])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let found = processes_with(&marker);
        assert_eq!(
            found.iter().map(|p| p.pid).collect::<Vec<_>>(),
            [child.id()],
            "{found:?}"
        );
        assert!(found[0].rss_mb > 0.0);
        kill_processes(&[child.id()]);
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(processes_with(&marker).is_empty());
    }
}

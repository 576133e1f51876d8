//! Processes Weir started, or adopted after a restart, identified so that a
//! recycled PID is never mistaken for (or signalled as) one of ours.
//!
//! A process is "the same" when `/proc/PID/stat` shows the start time (in
//! clock ticks since boot) recorded when it was spawned; a zombie counts as
//! gone. Each JVM leads its own process group (`process_group(0)`), so
//! signals go to `-PID`, but only after the leader's identity was checked.
//!
//! Children of this process are reaped by a background task that waits on
//! them (no zombies) and records how they exited; adopted processes belong to
//! whoever inherited them (init or a subreaper), so they are only polled.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// What `/proc/PID/stat` says about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    pub state: char,
    pub start_ticks: u64,
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
}

/// Parses `/proc/PID/stat`. The command name may contain spaces and
/// parentheses, so fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); fields 14 and 15 (utime, stime) are
    // fields[11] and [12]; field 22 (starttime) is fields[19].
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Stat {
        state: fields.first()?.chars().next()?,
        start_ticks: fields.get(19)?.parse().ok()?,
        cpu_ticks: utime + stime,
    })
}

/// The CPU time (user + system, seconds) process `pid` has used.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    // SAFETY: sysconf only reads a constant of the running system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_second = if per_second > 0 {
        per_second as f64
    } else {
        100.0
    };
    stat(pid).map(|s| s.cpu_ticks as f64 / per_second)
}

pub(crate) fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// This boot's id: PIDs and start times only mean something within one boot.
pub(crate) fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// A JVM of a cluster.
#[derive(Debug, Clone)]
pub(crate) struct Proc {
    pub pid: u32,
    pub start_ticks: u64,
    /// How it exited, for processes this Weir spawned (None: adopted).
    exit: Option<watch::Receiver<Option<String>>>,
}

impl Proc {
    /// Spawns `cmd` as the leader of a new process group, and a task that
    /// reaps it. Must be called within a Tokio runtime.
    pub fn spawn(cmd: &mut tokio::process::Command) -> io::Result<Proc> {
        cmd.process_group(0).kill_on_drop(false);
        let mut child = cmd.spawn()?;
        let pid = child.id().expect("a just-spawned child has a pid");
        // Start time is set at fork and survives exec, so it is final now.
        let start_ticks = stat(pid).map(|s| s.start_ticks).unwrap_or(0);
        let (tx, rx) = watch::channel(None);
        tokio::spawn(async move {
            let how = match child.wait().await {
                Ok(status) => describe_exit(status),
                Err(e) => format!("could not be waited for: {e}"),
            };
            let _ = tx.send(Some(how));
        });
        Ok(Proc {
            pid,
            start_ticks,
            exit: Some(rx),
        })
    }

    /// A process recorded earlier (by this or another Weir).
    pub fn adopted(pid: u32, start_ticks: u64) -> Proc {
        Proc {
            pid,
            start_ticks,
            exit: None,
        }
    }

    /// Whether the process still runs and is still the one we started.
    pub fn alive(&self) -> bool {
        if self.exited().is_some() {
            return false;
        }
        matches!(stat(self.pid), Some(s) if s.start_ticks == self.start_ticks && s.state != 'Z' && s.state != 'X')
    }

    /// How it exited, when this Weir spawned it and it has exited.
    pub fn exited(&self) -> Option<String> {
        self.exit.as_ref().and_then(|rx| rx.borrow().clone())
    }

    /// Sends `signal` to the process group this process leads, if it is
    /// still ours. Returns whether a signal was sent.
    pub fn signal_group(&self, signal: libc::c_int) -> bool {
        if !self.alive() {
            return false;
        }
        // SAFETY: kill(2) with a negative pid signals that process group; no
        // memory is involved. The leader's identity was checked just above.
        unsafe { libc::kill(-(self.pid as libc::pid_t), signal) == 0 }
    }
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => format!("exited ({status})"),
    }
}

/// The environment variable every process of a cluster carries: the
/// cluster's directory, set on its JVMs and inherited by whatever they
/// start (a Python application's driver and its Python workers, whose
/// command lines do not name the cluster). Process groups cover those too,
/// but only while their leader lives: a Task Manager that crashed leaves
/// its Python workers in a group Weir no longer signals.
pub const CLUSTER_ENV: &str = "WEIR_FLINK_CLUSTER";

/// Every live process but this one that carries [`CLUSTER_ENV`] `= dir`.
/// Processes whose environment cannot be read (another user's) are not
/// this Weir's.
pub(crate) fn cluster_members(dir: &Path) -> Vec<u32> {
    let needle = format!("{CLUSTER_ENV}={}", dir.display());
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
        })
        .filter(|pid| stat(*pid).is_some_and(|s| s.state != 'Z' && s.state != 'X'))
        .collect()
}

/// SIGKILLs every process left of the cluster in `dir` (see
/// [`cluster_members`]); returns their pids.
pub(crate) fn kill_members(dir: &Path) -> Vec<u32> {
    let left = cluster_members(dir);
    for pid in &left {
        // SAFETY: kill(2) takes no pointers; the pid was just seen carrying
        // this cluster's marker.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) };
    }
    left
}

/// The live JVMs Weir started for the cluster in `dir`: their command line
/// has `-Dlog.file=<dir>/...` (see `cluster::spawn`), which nothing else has
/// (a `tail -f` of the same log does not), as adoptable [`Proc`]s.
pub(crate) fn cluster_jvms(dir: &Path) -> Vec<Proc> {
    let needle = format!("-Dlog.file={}/", dir.display());
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&raw)
            .replace('\0', " ")
            .contains(&needle)
        {
            continue;
        }
        if let Some(s) = stat(pid).filter(|s| s.state != 'Z' && s.state != 'X') {
            found.push(Proc::adopted(pid, s.start_ticks));
        }
    }
    found
}

/// Waits until none of `procs` is alive, polling; false if `timeout` passed.
pub(crate) async fn wait_gone(procs: &[Proc], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if procs.iter().all(|p| !p.alive()) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`wait_gone`] without a runtime, for `Drop`.
pub(crate) fn wait_gone_blocking(procs: &[Proc], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if procs.iter().all(|p| !p.alive()) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last `lines` lines of a text file ("" when it cannot be read).
pub(crate) fn file_tail(path: &Path, lines: usize) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    // Logs can be large: read at most the last 64 KiB.
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    // Java stack frames crowd out the lines that say what happened.
    let meaningful = text.lines().filter(|l| {
        let t = l.trim_start();
        !(l.starts_with(char::is_whitespace) && (t.starts_with("at ") || t.starts_with("... ")))
    });
    crate::runtimes::tail_lines(meaningful, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_survives_odd_command_names() {
        let line = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 40 0 987654 2280288256 60661 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                state: 'S',
                start_ticks: 987654,
                cpu_ticks: 250 + 31,
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_wrong_start_time_is_not() {
        let me = std::process::id();
        let s = stat(me).unwrap();
        assert!(Proc::adopted(me, s.start_ticks).alive());
        assert!(!Proc::adopted(me, s.start_ticks + 1).alive());
        assert!(!boot_id().is_empty());
    }

    #[tokio::test]
    async fn spawned_children_are_reaped_and_report_how_they_exited() {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.args(["-c", "exit 3"]);
        let p = Proc::spawn(&mut cmd).unwrap();
        assert!(wait_gone(std::slice::from_ref(&p), Duration::from_secs(10)).await);
        // The reaper records the status shortly after the process is gone.
        for _ in 0..500 {
            if p.exited().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(p.exited().as_deref(), Some("exited with code 3"));
        // Reaped: no zombie left.
        assert!(stat(p.pid).is_none_or(|s| s.start_ticks != p.start_ticks));

        let mut cmd = tokio::process::Command::new("sleep");
        cmd.arg("60");
        let p = Proc::spawn(&mut cmd).unwrap();
        assert!(p.alive());
        // Its own process group.
        // SAFETY: getpgid on a pid; no memory involved.
        assert_eq!(
            unsafe { libc::getpgid(p.pid as libc::pid_t) },
            p.pid as libc::pid_t
        );
        assert!(p.signal_group(libc::SIGKILL));
        assert!(wait_gone(std::slice::from_ref(&p), Duration::from_secs(10)).await);
        assert!(
            !p.signal_group(libc::SIGKILL),
            "a dead process is not signalled"
        );
    }
}

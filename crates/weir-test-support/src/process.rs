//! Processes, as the tests and the benchmarks see them from outside: what
//! `/proc` says (command lines, CPU time, start time, RSS), spawning a
//! child in its own process group that dies with its parent, and killing
//! process groups and whatever still names a directory.
//!
//! Weir's Flink JVMs lead their own process groups and outlive the server by
//! design, so the only reliable way to find a run's leftovers is a marker on
//! their command line: the test's or benchmark's private temporary
//! directory. Every helper here takes pids as `i32` (`pid_t`), the type
//! Weir's cluster records use.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A live (not zombie) process found in `/proc`.
#[derive(Debug, Clone)]
pub struct ProcessInfo {
    pub pid: i32,
    /// The command line, arguments joined by spaces.
    pub cmdline: String,
    /// The executable's name (`comm`), e.g. `java`.
    pub comm: String,
    /// User + system CPU seconds so far.
    pub cpu: f64,
    /// Start time in clock ticks after boot (tells a reused pid apart).
    pub start_ticks: u64,
    /// VmRSS in MB (0 for kernel threads).
    pub rss_mb: f64,
}

/// Every live process other than this one whose command line contains `needle`.
pub fn processes_mentioning(needle: &str) -> Vec<ProcessInfo> {
    processes_where(|cmdline, _| cmdline.contains(needle))
}

/// Every live `java` process whose command line does not contain `marker`
/// (the JVMs of someone else's run).
pub fn foreign_jvms(marker: &str) -> Vec<ProcessInfo> {
    processes_where(|cmdline, comm| comm == "java" && !cmdline.contains(marker))
}

/// Every live process of the Weir cluster in `dir`: its JVMs (their command
/// lines name the directory) and whatever they started, such as a Python
/// application's driver and workers, which carry the directory in the
/// environment variable Weir sets on its JVMs (`weir_runtime::CLUSTER_ENV`).
pub fn cluster_processes(dir: &Path) -> Vec<ProcessInfo> {
    let mention = format!("{}/", dir.display());
    let marker = format!("WEIR_FLINK_CLUSTER={}", dir.display());
    processes_with(|pid, cmdline, _| {
        cmdline.contains(&mention)
            || std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == marker.as_bytes()))
    })
}

/// Every live process other than this one with a command line for which
/// `want(cmdline, comm)` holds.
pub fn processes_where(want: impl Fn(&str, &str) -> bool) -> Vec<ProcessInfo> {
    processes_with(|_, cmdline, comm| want(cmdline, comm))
}

/// [`processes_where`], with the pid given to `want` too.
fn processes_with(want: impl Fn(i32, &str, &str) -> bool) -> Vec<ProcessInfo> {
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        let comm = comm.trim();
        if cmdline.is_empty() || !want(pid, &cmdline, comm) || !is_alive(pid) {
            continue;
        }
        let (cpu, start_ticks) = cpu_and_start(pid).unwrap_or((0.0, 0));
        found.push(ProcessInfo {
            pid,
            cmdline,
            comm: comm.to_string(),
            cpu,
            start_ticks,
            rss_mb: rss_mb(pid).unwrap_or(0.0),
        });
    }
    found
}

/// Whether `pid` names a process that runs (a zombie does not).
pub fn is_alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].trim_start().chars().next());
    !matches!(state, None | Some('Z') | Some('X'))
}

/// SIGKILLs every process whose command line contains `needle` (and the
/// process group each leads), waits up to 10 s for them to be gone, and
/// returns what it found.
pub fn kill_processes_mentioning(needle: &str) -> Vec<ProcessInfo> {
    let found = processes_mentioning(needle);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut left = found.clone();
    while !left.is_empty() && Instant::now() < deadline {
        for p in &left {
            kill_pid(p.pid);
        }
        std::thread::sleep(Duration::from_millis(50));
        left = processes_mentioning(needle);
    }
    found
}

/// SIGKILL to `pid`, and to its process group if it leads one (as Weir's
/// JVMs do), without touching anything else.
pub fn kill_pid(pid: i32) {
    // SAFETY: kill(2)/getpgid(2) take no pointers.
    unsafe {
        if libc::getpgid(pid) == pid {
            libc::kill(-pid, libc::SIGKILL);
        }
        libc::kill(pid, libc::SIGKILL);
    }
}

/// `signal` to one process (a child we spawned and have not reaped).
pub fn signal(pid: u32, signal: i32) {
    // SAFETY: plain kill(2), no pointers.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

/// `signal` to the process group `pid` leads (spawned with [`own_group`]).
pub fn signal_group(pid: u32, signal: i32) {
    // SAFETY: kill(2) on that group, no pointers.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

/// Makes the command's child lead its own process group (so its whole
/// group can be killed at once) and, on Linux, die with the thread that
/// spawned it: a test or benchmark killed without unwinding takes it along.
pub fn own_group(cmd: &mut Command) {
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe; nothing else runs in the child
    // between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// The last `lines` lines of a text file (a log), read from its last 64 KiB;
/// empty if it cannot be read. For failure messages.
pub fn file_tail(path: &Path, lines: usize) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// User + system CPU seconds from a `/proc/.../stat` file.
pub fn proc_stat_cpu(path: &str) -> Option<f64> {
    let fields = proc_stat_fields(path)?;
    // After the command name: state is field 3, utime field 14, stime field 15.
    Some((fields[11] + fields[12]) / clock_ticks())
}

/// The fields of a `/proc/.../stat` file after the command name, as numbers
/// (index 0 is field 3 of proc(5), the state letter, which reads as 0), at
/// least up to cstime (field 17, index 14).
pub fn proc_stat_fields(path: &str) -> Option<Vec<f64>> {
    let stat = std::fs::read_to_string(path).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    (fields.len() >= 15).then_some(fields)
}

/// Clock ticks per second (`_SC_CLK_TCK`), the unit of `/proc` times.
pub fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// A process's CPU seconds (user + system) and start time (clock ticks after
/// boot, which tells a reused pid apart); also for a zombie, whose command
/// line is already empty but whose times are not yet its parent's.
pub fn cpu_and_start(pid: i32) -> Option<(f64, u64)> {
    let fields = proc_stat_fields(&format!("/proc/{pid}/stat"))?;
    // starttime is field 22 of proc(5).
    let start = *fields.get(19)? as u64;
    Some(((fields[11] + fields[12]) / clock_ticks(), start))
}

/// [`cpu_and_start`] with the CPU seconds of the children the process has
/// reaped (cutime + cstime): what a JVM's Python processes used stays
/// counted through the JVM once they are gone.
pub fn cpu_with_children_and_start(pid: i32) -> Option<(f64, u64)> {
    let fields = proc_stat_fields(&format!("/proc/{pid}/stat"))?;
    let start = *fields.get(19)? as u64;
    Some((fields[11..15].iter().sum::<f64>() / clock_ticks(), start))
}

/// VmRSS of a process in MB.
pub fn rss_mb(pid: i32) -> Option<f64> {
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

/// User + system CPU seconds this process has used so far.
pub fn own_cpu_seconds() -> f64 {
    proc_stat_cpu("/proc/self/stat").unwrap_or(0.0)
}

/// CPU seconds all processes of the machine have used so far (from
/// /proc/stat), to tell how much of a measured window went to something else.
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
    busy / clock_ticks()
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
        let marker = format!("weir-test-support-marker-{}", std::process::id());
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
        let found = processes_mentioning(&marker);
        assert_eq!(
            found.iter().map(|p| p.pid).collect::<Vec<_>>(),
            [child.id() as i32],
            "{found:?}"
        );
        assert!(found[0].rss_mb > 0.0);
        kill_pid(child.id() as i32);
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(processes_mentioning(&marker).is_empty());
    }
}

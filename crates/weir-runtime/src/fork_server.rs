//! Python interpreters started warm: a fork server per Python environment.
//!
//! A Python application's start waits for two Python processes that each
//! import PyFlink, Beam and grpc before doing anything (about a second of
//! CPU each): the driver of `main()` beside the Job Manager, then the Python
//! worker beside each Task Manager. `python/fork_server.py` imports them
//! once and forks a process that already has them for every interpreter
//! Flink starts. Flink is told to run a two-line script as its
//! `python.executable` and `python.client.executable`; the script hands the
//! interpreter's arguments, environment, working directory, process group
//! and standard streams to the server, whose forked process takes them all
//! on (it joins the caller's mount and user namespaces, so it sees the same
//! `/etc/flink`, and its process group, so stopping the cluster stops it;
//! `/proc/PID/environ` shows the caller's environment, so Weir finds it by
//! [`crate::process::CLUSTER_ENV`] as it finds any of a cluster's
//! processes). What the server cannot do exactly as `python` would, the
//! script does by exec'ing the interpreter itself, and so it does whenever
//! the server is not running (not started yet, or its Weir gone): the server
//! only ever makes a start faster, never different.
//!
//! One server per environment and per Weir, started with the first Python
//! application that needs it. It is the one process here tied to Weir's
//! lifetime, on purpose: it reads its standard input, whose other end Weir
//! holds, and exits when that closes. What it forked is not its to end:
//! those processes belong to the application's cluster and outlive Weir.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The server and the client, one file (they must agree on the protocol).
const SCRIPT: &str = include_str!("../python/fork_server.py");

/// Bytes of room the server starts with, in an argument and in its
/// environment, for the command line and environment of what it forks
/// (see `show_in_proc` in the script): Flink's Python processes have an
/// environment of a few KiB.
const ROOM: usize = 32 * 1024;

/// Where a Unix socket's path must fit (`sun_path`, with its NUL).
const SOCKET_PATH_MAX: usize = 107;

/// The fork servers of one Weir, by interpreter.
pub(crate) struct ForkServers {
    dir: PathBuf,
    enabled: bool,
    servers: std::sync::Mutex<HashMap<PathBuf, Server>>,
}

struct Server {
    child: tokio::process::Child,
    /// The server's standard input: it exits when this is dropped.
    _lifeline: tokio::process::ChildStdin,
}

impl ForkServers {
    /// Servers with their files under `dir`; none at all if not `enabled`.
    pub fn new(dir: PathBuf, enabled: bool) -> Self {
        Self {
            dir,
            enabled,
            servers: Default::default(),
        }
    }

    /// What Flink should run as the interpreter `python` (of the Python
    /// environment named `name`): the script that goes through this
    /// environment's fork server, which is started now if it does not run,
    /// or `python` itself when servers are off or the script cannot be
    /// written. Call it early (before the cluster boots): the server's
    /// imports then overlap the JVMs' start. Within a Tokio runtime.
    pub fn interpreter(&self, python: &Path, name: &str) -> PathBuf {
        if !self.enabled {
            return python.to_path_buf();
        }
        let dir = self.dir.join(name);
        let socket = dir.join("fork.sock");
        if socket.as_os_str().len() > SOCKET_PATH_MAX {
            tracing::warn!(socket = %socket.display(), "the Python fork server's socket path is too long for a Unix socket; Python processes start cold");
            return python.to_path_buf();
        }
        let mut servers = self.servers.lock().unwrap_or_else(|p| p.into_inner());
        let running = servers
            .get_mut(python)
            .is_some_and(|s| matches!(s.child.try_wait(), Ok(None)));
        if !running {
            servers.remove(python);
            match start(python, &dir, &socket) {
                Ok(server) => {
                    servers.insert(python.to_path_buf(), server);
                }
                Err(e) => {
                    tracing::warn!(python = %python.display(), error = %e, "the Python fork server could not be started; Python processes start cold");
                    return python.to_path_buf();
                }
            }
        }
        dir.join("python")
    }
}

/// Writes the script and the wrapper into `dir` and starts the server.
fn start(python: &Path, dir: &Path, socket: &Path) -> std::io::Result<Server> {
    use std::os::unix::fs::PermissionsExt;

    std::fs::create_dir_all(dir)?;
    // Only this user may reach the socket: whoever can, runs Python as Weir.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let script = dir.join("fork_server.py");
    write_if_changed(&script, SCRIPT.as_bytes())?;
    // The wrapper Flink runs; `-I -S`: the client needs no site-packages
    // and ignores PYTHON* variables (they are the program's, handed on).
    let wrapper = dir.join("python");
    let text = format!(
        "#!/bin/sh\nexec {} -I -S {} client {} \"$@\"\n",
        shell_quote(python),
        shell_quote(&script),
        shell_quote(socket),
    );
    write_if_changed(&wrapper, text.as_bytes())?;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
    let log = std::fs::File::create(dir.join("fork-server.log"))?;
    let mut cmd = tokio::process::Command::new(python);
    cmd.arg(&script)
        .arg("serve")
        .arg(socket)
        .arg(" ".repeat(ROOM))
        .env("WEIR_FORK_SERVER_ROOM", " ".repeat(ROOM))
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let lifeline = child.stdin.take().expect("stdin was piped");
    tracing::info!(python = %python.display(), pid = child.id(), "Python fork server started");
    Ok(Server {
        child,
        _lifeline: lifeline,
    })
}

fn write_if_changed(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|c| c == content) {
        return Ok(());
    }
    // Through a temporary name: a wrapper being run is never half-written.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path)
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    //! The server and its client with the machine's own `python3` (no
    //! PyFlink: the server imports what it finds), as Flink runs them: the
    //! wrapper spawned as a process-group leader in a mount namespace of its
    //! own, as a cluster's JVMs are.

    use super::*;
    use std::time::{Duration, Instant};

    fn python3() -> PathBuf {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join("python3"))
            .find(|p| p.is_file());
        found.expect("python3 on PATH (the machine's Python, as in CI)")
    }

    /// A server for the machine's python3, ready; its wrapper.
    async fn served(root: &Path) -> (ForkServers, PathBuf) {
        let servers = ForkServers::new(root.join("python"), true);
        let wrapper = servers.interpreter(&python3(), "test-env");
        assert_eq!(wrapper, root.join("python/test-env/python"));
        let socket = root.join("python/test-env/fork.sock");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "the server never listened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (servers, wrapper)
    }

    /// What a program run through the wrapper sees, as one JSON line.
    const PROBE: &str = r#"
import json, os, sys
def parent():
    with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode()
def etc_flink():
    try:
        with open("/etc/flink/application_properties.json") as f:
            return f.read()
    except OSError as e:
        return str(e)
with open("/proc/self/environ", "rb") as f:
    environ = [v.decode() for v in f.read().split(b"\0") if v]
with open("/proc/self/cmdline", "rb") as f:
    cmdline = [v.decode() for v in f.read().split(b"\0") if v.strip()]
print(json.dumps({
    "argv": sys.argv, "cwd": os.getcwd(), "x": os.environ.get("X"),
    "path": sys.path[:3], "pgid": os.getpgid(0), "pid": os.getpid(),
    "parent": parent(), "stdin": sys.stdin.read(), "etc_flink": etc_flink(),
    "environ": environ, "cmdline": cmdline, "main": __name__,
}))
sys.exit(int(os.environ.get("EXIT", "0")))
"#;

    struct Ran {
        code: Option<i32>,
        seen: serde_json::Value,
        stdout: String,
        pid: u32,
        stderr: String,
    }

    impl Ran {
        fn stderr_or_stdout(&self) -> String {
            if self.stdout.is_empty() {
                self.stderr.clone()
            } else {
                self.stdout.clone()
            }
        }
    }

    /// Runs `wrapper args` as Flink would: leading its own process group,
    /// with its own /etc/flink where the host allows it, `stdin` on its
    /// standard input.
    async fn run(root: &Path, wrapper: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
        run_in(root, wrapper, args, env, false).await.unwrap()
    }

    /// [`run`], in a user namespace holding the mount namespace if
    /// `as_a_user` (None: the kernel refuses one here).
    async fn run_in(
        root: &Path,
        wrapper: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        as_a_user: bool,
    ) -> Option<Ran> {
        use tokio::io::AsyncWriteExt;
        let etc = root.join("etc/flink");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(etc.join("application_properties.json"), "props-42").unwrap();
        let work = root.join("work");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("probe.py"), PROBE).unwrap();
        let mut cmd = tokio::process::Command::new(wrapper);
        cmd.args(args)
            .current_dir(&work)
            .env("WEIR_FLINK_CLUSTER", root)
            .env("PYTHONPATH", "/nowhere/a:/nowhere/b")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if as_a_user {
            let plan = crate::namespace::Plan::for_dir_as_a_user(&etc).unwrap();
            crate::namespace::prepare(&mut cmd, plan);
        } else if let Ok(Some(plan)) = crate::namespace::Plan::for_dir(&etc) {
            crate::namespace::prepare(&mut cmd, plan);
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) if as_a_user => {
                eprintln!("no user namespace here ({e}); not tried");
                return None;
            }
            Err(e) => panic!("{e}"),
        };
        let pid = child.id().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hello").await.unwrap();
        drop(stdin);
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("the program ends")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        Some(Ran {
            code: out.status.code(),
            seen: serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null),
            stdout: stdout.trim().to_string(),
            pid,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    #[tokio::test]
    async fn in_a_user_namespace_it_joins_it_and_holds_no_capability() {
        let root = tempfile::tempdir().unwrap();
        let (_servers, wrapper) = served(root.path()).await;
        let work = root.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(
            work.join("caps.py"),
            "import os\nprint(open('/etc/flink/application_properties.json').read(), [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0], os.readlink('/proc/self/ns/user'))\n",
        )
        .unwrap();
        let Some(ran) = run_in(root.path(), &wrapper, &["caps.py"], &[], true).await else {
            return;
        };
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        // Not JSON: the line the program printed.
        let out = ran.stderr_or_stdout();
        let fields: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(fields[0], "props-42", "{out}");
        assert_eq!(fields[1], "0000000000000000", "no capability: {out}");
        let ours = std::fs::read_link("/proc/self/ns/user").unwrap();
        assert_ne!(
            fields[2],
            ours.to_string_lossy(),
            "in the caller's user namespace, not the server's: {out}"
        );
    }

    #[tokio::test]
    async fn a_forked_interpreter_is_the_callers_in_all_that_shows() {
        let root = tempfile::tempdir().unwrap();
        let (_servers, wrapper) = served(root.path()).await;
        let ran = run(
            root.path(),
            &wrapper,
            &["-u", "probe.py", "a", "b"],
            &[("X", "42"), ("EXIT", "3")],
        )
        .await;
        let seen = &ran.seen;
        assert_eq!(ran.code, Some(3), "{seen} {}", ran.stderr);
        // Forked by the server (its waiter is the parent), not the
        // interpreter exec'd by the wrapper.
        assert!(
            seen["parent"]
                .as_str()
                .unwrap()
                .contains("fork_server.py waiter"),
            "{}",
            seen["parent"]
        );
        assert_ne!(seen["pid"].as_u64(), Some(u64::from(ran.pid)));
        let work = root.path().join("work");
        assert_eq!(seen["argv"], serde_json::json!(["probe.py", "a", "b"]));
        assert_eq!(seen["main"], "__main__");
        assert_eq!(seen["cwd"], work.display().to_string());
        assert_eq!(seen["x"], "42");
        assert_eq!(seen["stdin"], "hello");
        // sys.path as `python probe.py` builds it.
        assert_eq!(
            seen["path"],
            serde_json::json!([work.display().to_string(), "/nowhere/a", "/nowhere/b"])
        );
        // In the caller's process group: stopping the cluster stops it.
        assert_eq!(seen["pgid"].as_u64(), Some(u64::from(ran.pid)));
        // In /proc as the caller's: found by the cluster's marker.
        let marker = format!("WEIR_FLINK_CLUSTER={}", root.path().display());
        let environ: Vec<&str> = seen["environ"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(environ.contains(&marker.as_str()), "{environ:?}");
        assert!(environ.contains(&"X=42"), "{environ:?}");
        let cmdline = seen["cmdline"].as_array().unwrap();
        assert_eq!(
            cmdline[1..],
            serde_json::json!(["-u", "probe.py", "a", "b"])
                .as_array()
                .unwrap()[..],
            "{cmdline:?}"
        );
        // In the caller's mount namespace: its own /etc/flink.
        if crate::namespace::support().available() {
            assert_eq!(seen["etc_flink"], "props-42");
        }
    }

    #[tokio::test]
    async fn what_a_fork_cannot_do_exactly_the_interpreter_does() {
        let root = tempfile::tempdir().unwrap();
        let (servers, wrapper) = served(root.path()).await;
        // `-c` and PYTHON* settings that only start-up applies: exec'd.
        for (args, env) in [
            (vec!["-c", PROBE], vec![]),
            (vec!["probe.py"], vec![("PYTHONHASHSEED", "7")]),
        ] {
            let ran = run(root.path(), &wrapper, &args, &env).await;
            assert_eq!(ran.code, Some(0), "{}", ran.stderr);
            assert_eq!(
                ran.seen["pid"].as_u64(),
                Some(u64::from(ran.pid)),
                "{args:?}"
            );
        }
        // A caller in another session, whose process group a fork cannot
        // join: the server says why in its log and the wrapper execs.
        let work = root.path().join("work");
        let mut cmd = tokio::process::Command::new(&wrapper);
        cmd.arg("probe.py")
            .current_dir(&work)
            .stdout(Stdio::piped());
        // SAFETY: setsid(2) only, in the child before exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        let pid = child.id().unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert!(out.status.success());
        let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(seen["pid"].as_u64(), Some(u64::from(pid)));
        let log = std::fs::read_to_string(root.path().join("python/test-env/fork-server.log"));
        assert!(
            log.as_deref().is_ok_and(
                |l| l.contains("the caller runs the interpreter instead: PermissionError")
            ),
            "{log:?}"
        );

        // Without its Weir the server ends, and the wrapper execs.
        let socket = root.path().join("python/test-env/fork.sock");
        drop(servers);
        let ran = run(root.path(), &wrapper, &["probe.py"], &[]).await;
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        assert_eq!(ran.seen["pid"].as_u64(), Some(u64::from(ran.pid)));
        assert!(
            socket.exists(),
            "a stale socket is refused, then exec'd around"
        );
    }

    #[tokio::test]
    async fn signals_reach_the_forked_interpreter_and_its_end_is_the_callers() {
        use std::os::unix::process::ExitStatusExt;
        let root = tempfile::tempdir().unwrap();
        let (_servers, wrapper) = served(root.path()).await;
        let work = root.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(
            work.join("sleep.py"),
            "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)\n",
        )
        .unwrap();
        let mut child = tokio::process::Command::new(&wrapper)
            .arg("sleep.py")
            .current_dir(&work)
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line)
            .await
            .unwrap();
        let forked: i32 = line.trim().parse().unwrap();
        assert_ne!(forked as u32, child.id().unwrap());
        // SAFETY: kill(2) takes no pointers.
        unsafe { libc::kill(child.id().unwrap() as i32, libc::SIGTERM) };
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
        assert!(crate::process::stat(forked as u32).is_none_or(|s| s.state == 'Z'));
    }
}

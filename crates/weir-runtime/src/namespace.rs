//! `/etc/flink` per cluster: each JVM of a Weir cluster starts in a private
//! mount namespace in which `/etc/flink` is that cluster's own directory.
//!
//! Jobs written for the managed service read their properties from the
//! fixed path `/etc/flink/application_properties.json`. Several
//! applications run on one machine, each with its own properties, and the
//! host's `/etc` must never be written; so the path is made per process:
//!
//! 1. a new mount namespace (as root), or a new user namespace holding a new
//!    mount namespace (as an ordinary user, where the kernel allows
//!    unprivileged user namespaces; the uid and gid map to themselves, so
//!    files keep their owner and the JVM holds no privilege after `exec`);
//! 2. every mount made a slave of the host's: nothing made inside
//!    propagates back to the host, while a mount the host makes later
//!    still reaches the JVM where the host's mounts are shared (systemd's
//!    default; where they are private, as in many containers, the JVM
//!    keeps the mounts there were when it started);
//! 3. a read-only overlay on `/etc` whose layers are `<cluster>/etc` (which
//!    holds `flink/`) above the host's `/etc`: the host's files show through
//!    unchanged and `/etc/flink` exists without being created on the host;
//! 4. the mounts the host has below `/etc` (containers bind
//!    `/etc/resolv.conf`, `/etc/hosts`, …) bound again on top, since an
//!    overlay layer does not carry the mounts of its directory;
//! 5. `<cluster>/etc/flink` bound on `/etc/flink`, so a file Weir replaces
//!    there later (a live update's properties) is seen at once: a lower
//!    layer changed under a mounted overlay is not.
//!
//! All of it happens in the forked child just before `exec` (the namespaces
//! then belong to the JVM and live exactly as long as it), with nothing
//! allocated there: the paths are prepared by the parent. A single-threaded
//! probe at start-up ([`support`]) runs the same steps in a throwaway child
//! and says which way works here, or why none does.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file jobs read, inside the directory bound on `/etc/flink`.
pub const PROPERTIES_FILE: &str = "application_properties.json";

/// How the JVMs of Weir's clusters get their own `/etc/flink`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// In a private mount namespace (Weir runs with CAP_SYS_ADMIN).
    MountNamespace,
    /// In a user namespace owning a private mount namespace.
    UserNamespace,
    /// Neither works here; why (the first way's failure, then the second's).
    Unavailable(String),
}

impl Support {
    pub fn available(&self) -> bool {
        !matches!(self, Support::Unavailable(_))
    }

    /// One sentence for Weir's log and the application's.
    pub fn describe(&self) -> String {
        match self {
            Support::MountNamespace => "each application's Flink processes see their own properties at /etc/flink/application_properties.json (a private mount namespace per process)".into(),
            Support::UserNamespace => "each application's Flink processes see their own properties at /etc/flink/application_properties.json (a private mount namespace in a user namespace per process, as this Weir is not root)".into(),
            Support::Unavailable(why) => format!(
                "Flink processes cannot be given their own /etc/flink/application_properties.json on this host ({why}); jobs find their properties through the environment variable WEIR_APPLICATION_PROPERTIES and the system property weir.application.properties, which Weir's KinesisAnalyticsRuntime reads, but a job that only reads the fixed path gets no properties"
            ),
        }
    }
}

/// What this host allows, probed once per process.
pub fn support() -> &'static Support {
    static SUPPORT: OnceLock<Support> = OnceLock::new();
    SUPPORT.get_or_init(probe)
}

/// Which way to enter, for a child about to exec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Mount,
    User,
}

/// A step of [`enter`], to tell which one the kernel refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Step {
    Unshare = 1,
    IdMaps,
    Propagation,
    OpenSubmount,
    Overlay,
    Submount,
    Bind,
}

impl Step {
    fn from_u8(v: u8) -> Option<Step> {
        use Step::*;
        [
            Unshare,
            IdMaps,
            Propagation,
            OpenSubmount,
            Overlay,
            Submount,
            Bind,
        ]
        .into_iter()
        .find(|s| *s as u8 == v)
    }

    fn describe(self) -> &'static str {
        match self {
            Step::Unshare => "creating the namespace",
            Step::IdMaps => "mapping the user and group ids",
            Step::Propagation => "making the mounts slaves of the host's",
            Step::OpenSubmount => "opening a mount below /etc",
            Step::Overlay => "mounting an overlay on /etc",
            Step::Submount => "binding a mount below /etc again",
            Step::Bind => "binding the directory on /etc/flink",
        }
    }
}

/// Everything [`enter`] needs, prepared before the fork.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    way: Way,
    uid_map: CString,
    gid_map: CString,
    overlay_options: CString,
    /// The directory bound on `/etc/flink`.
    source: CString,
    /// Host mounts below `/etc`, outermost first (at most 64 are bound
    /// again; the child has no heap to hold more descriptors).
    submounts: Vec<CString>,
}

impl Plan {
    /// The plan for a JVM whose `/etc/flink` is `dir` (which must exist,
    /// as `<cluster>/etc/flink`), or the reason none can be made.
    pub(crate) fn for_dir(dir: &Path) -> Result<Option<Plan>, String> {
        let way = match support() {
            Support::MountNamespace => Way::Mount,
            Support::UserNamespace => Way::User,
            Support::Unavailable(_) => return Ok(None),
        };
        Plan::new(way, dir).map(Some)
    }

    /// The plan of an ordinary user's Weir (a user namespace holding the
    /// mount namespace), whoever runs the test.
    #[cfg(test)]
    pub(crate) fn for_dir_as_a_user(dir: &Path) -> Result<Plan, String> {
        Plan::new(Way::User, dir)
    }

    fn new(way: Way, dir: &Path) -> Result<Plan, String> {
        let layer = dir
            .parent()
            .filter(|p| dir.file_name().is_some_and(|n| n == "flink") && p.is_absolute())
            .ok_or_else(|| format!("{} is not an absolute <dir>/flink", dir.display()))?;
        let layer_bytes = layer.as_os_str().as_bytes();
        // Overlay options separate layers with ':' and options with ','.
        if layer_bytes
            .iter()
            .any(|b| matches!(b, b':' | b',' | b'\\' | b'\n'))
        {
            return Err(format!(
                "the directory {} has a ':', ',' or '\\' in its path, which an overlay cannot name",
                layer.display()
            ));
        }
        let cstr = |b: &[u8]| CString::new(b).map_err(|_| "a path holds a NUL byte".to_string());
        // SAFETY: getuid/getgid cannot fail and touch no memory.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Ok(Plan {
            way,
            uid_map: cstr(format!("{uid} {uid} 1\n").as_bytes())?,
            gid_map: cstr(format!("{gid} {gid} 1\n").as_bytes())?,
            overlay_options: cstr(&[b"lowerdir=", layer_bytes, b":/etc"].concat())?,
            source: cstr(dir.as_os_str().as_bytes())?,
            submounts: etc_submounts()
                .iter()
                .map(|p| cstr(p.as_os_str().as_bytes()))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The host's mount points strictly below `/etc`, keeping only the
/// outermost (a mount bound recursively brings the ones below it).
fn etc_submounts() -> Vec<PathBuf> {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let points: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(unescape_mount_point)
        .filter(|p| p.starts_with("/etc") && p != Path::new("/etc"))
        .collect();
    let mut outer: Vec<PathBuf> = Vec::new();
    for p in points {
        if !outer.iter().any(|o| p.starts_with(o)) {
            outer.push(p);
        }
    }
    outer
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape_mount_point(field: &str) -> PathBuf {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    PathBuf::from(std::ffi::OsStr::from_bytes(&out))
}

/// Has `cmd`'s child enter `plan` before it execs. A refusal fails the
/// spawn with the kernel's error.
pub(crate) fn prepare(cmd: &mut tokio::process::Command, plan: Plan) {
    // SAFETY: the closure runs in the forked child before exec; `enter`
    // makes system calls only and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            enter(&plan).map_err(|(_, errno)| io::Error::from_raw_os_error(errno))
        });
    }
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// Writes `data` (NUL-terminated) to the file `path`.
///
/// # Safety
/// Async-signal-safe: system calls on the given C strings only.
unsafe fn write_file(path: &[u8], data: &std::ffi::CStr) -> Result<(), i32> {
    let fd = libc::open(path.as_ptr().cast(), libc::O_WRONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return Err(errno());
    }
    let bytes = data.to_bytes();
    let n = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
    let e = errno();
    libc::close(fd);
    if n == bytes.len() as isize {
        Ok(())
    } else {
        Err(e)
    }
}

/// Formats `/proc/self/fd/<fd>` into `buf` (NUL-terminated), without
/// allocating.
fn fd_path(fd: i32, buf: &mut [u8; 32]) {
    let prefix = b"/proc/self/fd/";
    buf[..prefix.len()].copy_from_slice(prefix);
    let mut digits = [0u8; 12];
    let mut n = fd.max(0) as u32;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        buf[prefix.len() + i] = digits[len - 1 - i];
    }
    buf[prefix.len() + len] = 0;
}

/// Enters the namespaces and makes the mounts of `plan`, in the calling
/// (single-threaded, forked) process.
///
/// # Safety
/// For a forked child before exec or a throwaway child: system calls only,
/// no allocation.
unsafe fn enter(plan: &Plan) -> Result<(), (Step, i32)> {
    let fail = |step| (step, errno());
    match plan.way {
        Way::Mount => {
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                return Err(fail(Step::Unshare));
            }
        }
        Way::User => {
            if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) != 0 {
                return Err(fail(Step::Unshare));
            }
            write_file(b"/proc/self/setgroups\0", c"deny")
                .and_then(|_| write_file(b"/proc/self/uid_map\0", &plan.uid_map))
                .and_then(|_| write_file(b"/proc/self/gid_map\0", &plan.gid_map))
                .map_err(|e| (Step::IdMaps, e))?;
        }
    }
    if libc::mount(
        std::ptr::null(),
        c"/".as_ptr(),
        std::ptr::null(),
        libc::MS_REC | libc::MS_SLAVE,
        std::ptr::null(),
    ) != 0
    {
        return Err(fail(Step::Propagation));
    }
    // Open the host's mounts below /etc before the overlay hides them.
    const MAX_SUBMOUNTS: usize = 64;
    let mut fds = [-1i32; MAX_SUBMOUNTS];
    let count = plan.submounts.len().min(MAX_SUBMOUNTS);
    for (i, p) in plan.submounts.iter().take(count).enumerate() {
        let fd = libc::open(p.as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(fail(Step::OpenSubmount));
        }
        fds[i] = fd;
    }
    if libc::mount(
        c"overlay".as_ptr(),
        c"/etc".as_ptr(),
        c"overlay".as_ptr(),
        libc::MS_RDONLY,
        plan.overlay_options.as_ptr().cast(),
    ) != 0
    {
        return Err(fail(Step::Overlay));
    }
    for (i, p) in plan.submounts.iter().take(count).enumerate() {
        let mut name = [0u8; 32];
        fd_path(fds[i], &mut name);
        let r = libc::mount(
            name.as_ptr().cast(),
            p.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        );
        let e = errno();
        libc::close(fds[i]);
        if r != 0 {
            return Err((Step::Submount, e));
        }
    }
    if libc::mount(
        plan.source.as_ptr(),
        c"/etc/flink".as_ptr(),
        std::ptr::null(),
        libc::MS_BIND,
        std::ptr::null(),
    ) != 0
    {
        return Err(fail(Step::Bind));
    }
    Ok(())
}

/// Tries each way in a throwaway child, the first that works wins.
fn probe() -> Support {
    let scratch = std::env::temp_dir().join(format!("weir-etc-probe-{}", std::process::id()));
    let dir = scratch.join("etc").join("flink");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return Support::Unavailable(format!("cannot create {}: {e}", dir.display()));
    }
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let ways: &[Way] = if root {
        &[Way::Mount, Way::User]
    } else {
        &[Way::User]
    };
    let mut refusals = Vec::new();
    let mut found = None;
    for &way in ways {
        match Plan::new(way, &dir)
            .map_err(|e| e.to_string())
            .and_then(|p| try_in_child(&p))
        {
            Ok(()) => {
                found = Some(way);
                break;
            }
            Err(why) => refusals.push(format!(
                "{}: {why}",
                match way {
                    Way::Mount => "a mount namespace",
                    Way::User => "a user namespace",
                }
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    match found {
        Some(Way::Mount) => Support::MountNamespace,
        Some(Way::User) => Support::UserNamespace,
        None => Support::Unavailable(refusals.join("; ")),
    }
}

/// Runs [`enter`] in a forked child that then checks `/etc/flink` is the
/// plan's directory and exits; the child's verdict comes back through a
/// pipe.
fn try_in_child(plan: &Plan) -> Result<(), String> {
    let mut pipe = [0i32; 2];
    // SAFETY: pipe2 fills the two descriptors.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", io::Error::last_os_error()));
    }
    let want = std::fs::metadata(Path::new(std::ffi::OsStr::from_bytes(
        plan.source.as_bytes(),
    )))
    .map(|m| {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    })
    .map_err(|e| e.to_string())?;
    // SAFETY: the child only makes system calls (enter, stat, write,
    // _exit) and never returns into Rust code of the parent.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", io::Error::last_os_error()));
    }
    if pid == 0 {
        unsafe {
            let verdict: [u8; 5] = match enter(plan) {
                Ok(()) => {
                    let mut st: libc::stat = std::mem::zeroed();
                    if libc::stat(c"/etc/flink".as_ptr(), &mut st) == 0
                        && (st.st_dev, st.st_ino) == (want.0, want.1)
                    {
                        [0; 5]
                    } else {
                        [Step::Bind as u8, 0, 0, 0, 0]
                    }
                }
                Err((step, e)) => {
                    let b = e.to_le_bytes();
                    [step as u8, b[0], b[1], b[2], b[3]]
                }
            };
            libc::write(pipe[1], verdict.as_ptr().cast(), verdict.len());
            libc::_exit(0);
        }
    }
    // SAFETY: closing our copy of the write end; reading into a local buffer.
    let mut verdict = [0xffu8; 5];
    let n = unsafe {
        libc::close(pipe[1]);
        let n = libc::read(pipe[0], verdict.as_mut_ptr().cast(), verdict.len());
        libc::close(pipe[0]);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        n
    };
    if n != verdict.len() as isize {
        return Err("the probe's child died".into());
    }
    match Step::from_u8(verdict[0]) {
        None if verdict[0] == 0 => Ok(()),
        None => Err("the probe's child answered nonsense".into()),
        Some(step) => {
            let e = i32::from_le_bytes([verdict[1], verdict[2], verdict[3], verdict[4]]);
            if e == 0 {
                Err(format!(
                    "{}: /etc/flink is not the cluster's directory",
                    step.describe()
                ))
            } else {
                Err(format!(
                    "{}: {}{}",
                    step.describe(),
                    io::Error::from_raw_os_error(e),
                    hint(step, e)
                ))
            }
        }
    }
}

/// What a refusal usually means, for the operator.
fn hint(step: Step, errno: i32) -> &'static str {
    match (step, errno) {
        (Step::Unshare, libc::ENOSPC) => {
            " (the limit user.max_user_namespaces is reached or set to 0)"
        }
        (Step::Unshare, libc::EPERM) => {
            " (no CAP_SYS_ADMIN, or unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone, AppArmor's kernel.apparmor_restrict_unprivileged_userns, or a container's seccomp profile)"
        }
        (Step::Overlay, _) => " (overlayfs is missing, or not allowed in a user namespace on kernels before 5.11)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_are_unescaped() {
        assert_eq!(
            unescape_mount_point(r"/etc/my\040dir\134x"),
            PathBuf::from("/etc/my dir\\x")
        );
        assert_eq!(
            unescape_mount_point("/etc/hosts"),
            PathBuf::from("/etc/hosts")
        );
    }

    #[test]
    fn fd_paths_are_written_without_allocating() {
        let mut buf = [0u8; 32];
        fd_path(1234, &mut buf);
        assert_eq!(&buf[..19], b"/proc/self/fd/1234\0");
        fd_path(0, &mut buf);
        assert_eq!(&buf[..16], b"/proc/self/fd/0\0");
    }

    #[test]
    fn plans_refuse_paths_an_overlay_cannot_name() {
        let e = Plan::new(Way::Mount, Path::new("/tmp/a:b/etc/flink")).unwrap_err();
        assert!(e.contains("':'"), "{e}");
        let e = Plan::new(Way::Mount, Path::new("/tmp/x/etc/other")).unwrap_err();
        assert!(e.contains("<dir>/flink"), "{e}");
        let p = Plan::new(Way::User, Path::new("/tmp/x/etc/flink")).unwrap();
        assert_eq!(
            p.overlay_options.to_str().unwrap(),
            "lowerdir=/tmp/x/etc:/etc"
        );
    }

    /// The probe answers on any host: a way that works, or the reasons
    /// none does. Which one depends on the host, so only its shape is
    /// checked here; the end-to-end tests check the files the JVMs see.
    #[test]
    fn the_probe_gives_an_answer_and_leaves_the_host_alone() {
        let before = Path::new("/etc/flink").exists();
        let s = probe();
        if let Support::Unavailable(why) = &s {
            assert!(why.contains("namespace"), "{why}");
        }
        assert_eq!(Path::new("/etc/flink").exists(), before);
        assert!(s
            .describe()
            .contains("/etc/flink/application_properties.json"));
    }

    /// Two children at once, each with its own directory at /etc/flink,
    /// through the same `prepare` the JVMs are spawned with: each reads its
    /// own file, still reads the host's /etc, cannot write /etc, and the
    /// host's /etc is left as it was.
    #[tokio::test]
    async fn each_child_sees_its_own_etc_flink_and_the_host_does_not() {
        let host_had = Path::new("/etc/flink").exists();
        if !support().available() {
            eprintln!("skipped: {}", support().describe());
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let mut children = Vec::new();
        for name in ["a", "b"] {
            let dir = tmp.path().join(name).join("etc").join("flink");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(PROPERTIES_FILE), format!("[{name}]")).unwrap();
            let plan = Plan::for_dir(&dir)
                .unwrap()
                .expect("a plan where supported");
            let mut cmd = tokio::process::Command::new("sh");
            cmd.arg("-c").arg(format!(
                "cat /etc/flink/{PROPERTIES_FILE}; test -s /etc/passwd && echo passwd; \
                 touch /etc/weir-probe 2>/dev/null && echo wrote; \
                 touch /etc/flink/written && echo flink-writable"
            ));
            cmd.stdout(std::process::Stdio::piped());
            prepare(&mut cmd, plan);
            children.push((name, cmd.spawn().unwrap()));
        }
        for (name, child) in children {
            let out = child.wait_with_output().await.unwrap();
            let out = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out, format!("[{name}]passwd\nflink-writable\n"), "{name}");
            // The bind is the directory itself: what the child wrote is there.
            assert!(tmp.path().join(name).join("etc/flink/written").exists());
        }
        assert!(!Path::new("/etc/weir-probe").exists());
        assert_eq!(Path::new("/etc/flink").exists(), host_had);
    }

    /// What entering costs a JVM's start: spawn-and-wait of `true`, plain
    /// and through the same `prepare` (median of 200 each, interleaved).
    /// `cargo test --release -p weir-runtime namespace_cost -- --ignored --nocapture`
    #[tokio::test]
    #[ignore]
    async fn namespace_cost() {
        if !support().available() {
            eprintln!("skipped: {}", support().describe());
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("etc").join("flink");
        std::fs::create_dir_all(&dir).unwrap();
        let (mut plain, mut entered) = (Vec::new(), Vec::new());
        for _ in 0..200 {
            for with in [false, true] {
                let mut cmd = tokio::process::Command::new("true");
                if with {
                    prepare(&mut cmd, Plan::for_dir(&dir).unwrap().unwrap());
                }
                let t0 = std::time::Instant::now();
                assert!(cmd.status().await.unwrap().success());
                let took = t0.elapsed().as_secs_f64() * 1000.0;
                if with {
                    entered.push(took)
                } else {
                    plain.push(took)
                }
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        let (p, e) = (median(&mut plain), median(&mut entered));
        println!("spawn+wait of `true`: plain {p:.2} ms, in its namespaces ({support:?}) {e:.2} ms, +{:.2} ms", e - p, support = support());
    }
}

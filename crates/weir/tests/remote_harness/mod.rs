//! A real standalone Apache Flink cluster for the tests of the "remote"
//! runtime (issue 8): one Job Manager and N Task Managers (two by default),
//! each a separate host on a private test network inside this machine.
//!
//! The network: a Linux bridge `wr<id>br` in the root namespace holding
//! `10.X.Y.1/24`, and per host a network namespace `wr<id>-jm`,
//! `wr<id>-tm1`, `wr<id>-tm2`, … joined to the bridge by a veth pair (the
//! bridge end `wr<id>j` / `wr<id>t<i>` in the root namespace, the other end
//! `eth0` in the host's namespace, with `10.X.Y.2` for the Job Manager and
//! `10.X.Y.{2+i}` for Task Manager `i`, and `lo` up; no default route, so
//! the hosts reach each other and the root namespace only, and DNS fails
//! at once). `<id>` is this process's pid and a letter per cluster, so names
//! are unique on the machine and [`cleanup_stale`] can tell leftovers of a
//! dead test by the pid in their names; `X.Y` is derived from the pid and
//! checked against every address in use. The test (and Weir) stay in the
//! root namespace and reach the Job Manager at `http://10.X.Y.2:8081`.
//!
//! The JVMs are started the way Weir's local runtime starts them — `java`
//! directly, with the classpath of `FLINK_HOME/lib` (and the options'
//! `extra_classpath`, such as Flink's Python support), explicit memory
//! components derived from the process size, `--configDir` — under
//! `ip netns exec <ns>`, each leading its own process group. Every host has
//! its own config directory; every address and port is pinned. Heartbeats
//! are short (2 s / 10 s by default) so a cut-off host is noticed quickly.
//!
//! Shared storage: `savepoint_dir()` is a directory of the cluster's temp
//! directory, the cluster's default checkpoint and savepoint directory; the
//! namespaces only separate the network, so Weir and every JVM see it at the
//! same path.
//!
//! Cleanup: `Drop` kills every JVM (process group SIGKILL, then wait) and
//! deletes the namespaces, veths and bridge, also when the test panics. A
//! watchdog shell (own process group, deaf to SIGTERM/INT/HUP) does the same
//! if the test process dies without dropping the cluster (nextest's timeout);
//! [`cleanup_stale`] removes what a SIGKILLed watchdog would have left.
//!
//! Everything here is synchronous (HTTP through `curl`): from a
//! `#[tokio::test(flavor = "multi_thread")]` call it directly or through
//! `tokio::task::spawn_blocking`.
#![allow(dead_code)]

use std::fs::{self, OpenOptions};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
pub use weir_test_support::process::file_tail;

/// Ports, the same on every host (each host has its own addresses).
pub const REST_PORT: u16 = 8081;
pub const JM_RPC_PORT: u16 = 6123;
pub const BLOB_PORT: u16 = 6124;
pub const QUERY_SERVICE_PORT: u16 = 6125;
pub const TM_RPC_PORT: u16 = 6122;
pub const TM_DATA_PORT: u16 = 6121;

/// How long a single REST call may take before it counts as unanswered.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The module opens Flink needs on Java 17, as Weir's local runtime gives them.
use weir_runtime::JAVA_17_OPTIONS;
const JM_CLASS: &str = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
const TM_CLASS: &str = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

/// Clusters started by this process so far: the letter in the names.
static CLUSTERS: AtomicU32 = AtomicU32::new(0);

/// A host of the test network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    JobManager,
    /// Task Manager `i`, counted from 1.
    TaskManager(usize),
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::JobManager => write!(f, "jm"),
            Host::TaskManager(i) => write!(f, "tm{i}"),
        }
    }
}

/// How to size and configure the cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub task_managers: usize,
    pub slots_per_task_manager: u32,
    /// `jobmanager.memory.process.size` in MiB (at least 704).
    pub jm_memory_mb: u64,
    /// `taskmanager.memory.process.size` in MiB (at least ~1000).
    pub tm_memory_mb: u64,
    /// `heartbeat.interval` / `heartbeat.timeout`.
    pub heartbeat_interval: Duration,
    pub heartbeat_timeout: Duration,
    /// Until the REST API lists every Task Manager.
    pub startup_timeout: Duration,
    /// More configuration for every host (added last, so it overrides the
    /// harness's defaults, but not the addresses and ports).
    pub extra_config: Vec<(String, String)>,
    /// Where the cluster's directory goes (a fresh temp dir under it);
    /// default: the system temp dir.
    pub parent_dir: Option<PathBuf>,
    /// More jars on every JVM's classpath, after `lib/` (e.g. the
    /// distribution's `opt/flink-python-*.jar`, as an operator would add it).
    pub extra_classpath: Vec<PathBuf>,
    /// More environment for every JVM (added last: overrides the harness's
    /// `FLINK_*` variables, e.g. `FLINK_OPT_DIR`).
    pub extra_env: Vec<(String, String)>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            task_managers: 2,
            slots_per_task_manager: 2,
            jm_memory_mb: 768,
            tm_memory_mb: 1024,
            heartbeat_interval: Duration::from_secs(2),
            heartbeat_timeout: Duration::from_secs(10),
            startup_timeout: Duration::from_secs(180),
            extra_config: Vec::new(),
            parent_dir: None,
            extra_classpath: Vec::new(),
            extra_env: Vec::new(),
        }
    }
}

impl ClusterOptions {
    /// Adds a configuration entry for every host.
    pub fn config(mut self, key: &str, value: &str) -> Self {
        self.extra_config.push((key.to_string(), value.to_string()));
        self
    }
}

/// A running JVM of the cluster.
struct Jvm {
    child: Child,
    /// `jm`, `tm1`, `tm1-2` (Task Manager 1's second start), …: its resource
    /// id (Task Managers) and the name of its log files.
    name: String,
}

impl Jvm {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(mut self) {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // JVM leads (it was spawned with process_group(0)); no memory involved.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("cannot be waited for: {e}")),
        }
    }
}

/// A standalone Flink cluster on its own test network. See the module docs.
pub struct StandaloneCluster {
    pub flink_home: PathBuf,
    pub flink_major: u32,
    pub opts: ClusterOptions,
    /// `wr<pid><letter>`: the prefix of every name this cluster creates.
    pub id: String,
    /// The first three octets of the test network, `10.X.Y`.
    pub subnet: [u8; 3],
    dir: tempfile::TempDir,
    /// Namespaces and root-namespace links created so far (for cleanup).
    namespaces: Vec<String>,
    links: Vec<String>,
    job_manager: Option<Jvm>,
    /// Index i-1 is Task Manager i.
    task_managers: Vec<Option<Jvm>>,
    /// How many times each Task Manager was started.
    tm_starts: Vec<u32>,
    jm_starts: u32,
    watchdog: Option<Child>,
    /// How long `start` took until the cluster was ready.
    pub ready_after: Duration,
}

impl StandaloneCluster {
    /// Creates the network, starts the Job Manager and the Task Managers,
    /// and waits until the REST API lists every Task Manager and the
    /// overview counts all their slots. Panics (after cleaning up) with the
    /// tail of the logs if that does not happen within
    /// `opts.startup_timeout`.
    pub fn start(flink_home: &Path, opts: ClusterOptions) -> StandaloneCluster {
        let t0 = Instant::now();
        assert!(
            (1..=200).contains(&opts.task_managers),
            "1-200 task managers"
        );
        let flink_major = flink_major_version(flink_home);
        let n = CLUSTERS.fetch_add(1, Ordering::SeqCst);
        assert!(n < 26, "at most 26 clusters per test process");
        let id = format!("wr{}{}", std::process::id(), (b'a' + n as u8) as char);
        let dir = match &opts.parent_dir {
            Some(parent) => tempfile::Builder::new()
                .prefix("weir-netns-")
                .tempdir_in(parent),
            None => tempfile::Builder::new().prefix("weir-netns-").tempdir(),
        }
        .expect("create the cluster's temp dir");
        let subnet = pick_subnet(std::process::id(), n);
        let mut cluster = StandaloneCluster {
            flink_home: flink_home.to_path_buf(),
            flink_major,
            tm_starts: vec![0; opts.task_managers],
            jm_starts: 1,
            task_managers: (0..opts.task_managers).map(|_| None).collect(),
            opts,
            id,
            subnet,
            dir,
            namespaces: Vec::new(),
            links: Vec::new(),
            job_manager: None,
            watchdog: None,
            ready_after: Duration::ZERO,
        };
        // From here on, a panic drops `cluster`, which cleans up.
        cluster.start_watchdog();
        cluster.build_network();
        for sub in ["log", "savepoints"] {
            fs::create_dir_all(cluster.dir.path().join(sub)).expect("create cluster dirs");
        }
        for host in cluster.hosts() {
            cluster.write_config(host);
        }
        let jm = cluster.spawn(Host::JobManager, "jm".to_string());
        cluster.job_manager = Some(jm);
        for i in 1..=cluster.opts.task_managers {
            cluster.start_task_manager(i);
        }
        cluster.wait_ready(t0);
        cluster.ready_after = t0.elapsed();
        eprintln!(
            "remote_harness: cluster {} ready at {} after {:.1} s ({} TMs, {} slots)",
            cluster.id,
            cluster.rest_url(),
            cluster.ready_after.as_secs_f64(),
            cluster.opts.task_managers,
            cluster.total_slots()
        );
        cluster
    }

    // -----------------------------------------------------------------
    // What a test needs to know
    // -----------------------------------------------------------------

    /// `http://10.X.Y.2:8081`: the REST API, as reachable from the root namespace.
    pub fn rest_url(&self) -> String {
        format!("http://{}:{REST_PORT}", self.address(Host::JobManager))
    }

    /// The address of `host` on the test network.
    pub fn address(&self, host: Host) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        let last = match host {
            Host::JobManager => 2,
            Host::TaskManager(i) => 2 + i as u8,
        };
        Ipv4Addr::new(a, b, c, last)
    }

    /// The bridge's address (the root namespace's side of the network).
    pub fn gateway(&self) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, 1)
    }

    /// The network namespace of `host`.
    pub fn namespace(&self, host: Host) -> String {
        format!("{}-{host}", self.id)
    }

    pub fn bridge(&self) -> String {
        format!("{}br", self.id)
    }

    /// The root-namespace end of `host`'s veth pair (a bridge port).
    pub fn veth(&self, host: Host) -> String {
        match host {
            Host::JobManager => format!("{}j", self.id),
            Host::TaskManager(i) => format!("{}t{i}", self.id),
        }
    }

    /// The cluster's default checkpoint and savepoint directory, shared by
    /// every host and the test.
    pub fn savepoint_dir(&self) -> PathBuf {
        self.dir.path().join("savepoints")
    }

    /// The cluster's temp directory (config, work dirs, logs, savepoints).
    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The JVMs' logs: `jm.log`, `tm1.log`, `tm1-2.log` (second start), …
    /// and their `.out` files (stdout/stderr).
    pub fn log_dir(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    pub fn total_slots(&self) -> u32 {
        self.opts.task_managers as u32 * self.opts.slots_per_task_manager
    }

    /// The Task Manager resource id of Task Manager `i`'s current (or last) start.
    pub fn tm_resource_id(&self, i: usize) -> String {
        tm_name(i, self.tm_starts[i - 1].max(1))
    }

    /// Pids of the running JVMs (Job Manager first).
    pub fn pids(&self) -> Vec<u32> {
        self.job_manager
            .iter()
            .chain(self.task_managers.iter().flatten())
            .map(Jvm::pid)
            .collect()
    }

    pub fn job_manager_pid(&self) -> Option<u32> {
        self.job_manager.as_ref().map(Jvm::pid)
    }

    pub fn task_manager_pid(&self, i: usize) -> Option<u32> {
        self.task_managers[i - 1].as_ref().map(Jvm::pid)
    }

    /// The last `lines` lines of a log file of `log_dir()` (e.g. `"jm.log"`).
    pub fn log_tail(&self, file: &str, lines: usize) -> String {
        file_tail(&self.log_dir().join(file), lines)
    }

    /// The lines of a log file of `log_dir()` that contain any of `patterns`.
    pub fn log_lines(&self, file: &str, patterns: &[&str]) -> Vec<String> {
        fs::read_to_string(self.log_dir().join(file))
            .unwrap_or_default()
            .lines()
            .filter(|l| patterns.iter().any(|p| l.contains(p)))
            .map(String::from)
            .collect()
    }

    // -----------------------------------------------------------------
    // Faults
    // -----------------------------------------------------------------

    /// Cuts `host` off the network (its bridge port goes down: packets to and
    /// from it are dropped, no connection is refused or reset); its JVM keeps
    /// running and still reaches itself.
    pub fn cut(&self, host: Host) {
        ip(&["link", "set", &self.veth(host), "down"]);
    }

    /// Puts `host` back on the network.
    pub fn restore(&self, host: Host) {
        ip(&["link", "set", &self.veth(host), "up"]);
    }

    /// Whether `host` is currently cut off.
    pub fn is_cut(&self, host: Host) -> bool {
        let out = ip(&["-o", "link", "show", "dev", &self.veth(host)]);
        let flags = out.split(['<', '>']).nth(1).unwrap_or_default();
        !flags.split(',').any(|f| f == "UP")
    }

    /// Kills Task Manager `i` (SIGKILL to its process group), as a host that
    /// is lost. Its namespace and address stay.
    pub fn kill_task_manager(&mut self, i: usize) {
        if let Some(jvm) = self.task_managers[i - 1].take() {
            jvm.kill();
        }
    }

    /// Starts Task Manager `i` (again) in its namespace, with a new resource
    /// id (`tm<i>-<n>` for the n-th start). Does not wait for it to register:
    /// see [`StandaloneCluster::wait_task_managers`].
    pub fn start_task_manager(&mut self, i: usize) {
        assert!(
            (1..=self.opts.task_managers).contains(&i),
            "no task manager {i}"
        );
        assert!(
            self.task_managers[i - 1].is_none(),
            "task manager {i} is running"
        );
        self.tm_starts[i - 1] += 1;
        let name = tm_name(i, self.tm_starts[i - 1]);
        let jvm = self.spawn(Host::TaskManager(i), name);
        self.task_managers[i - 1] = Some(jvm);
    }

    /// Kills the Job Manager (SIGKILL to its process group).
    pub fn kill_job_manager(&mut self) {
        if let Some(jvm) = self.job_manager.take() {
            jvm.kill();
        }
    }

    /// Starts the Job Manager again after [`StandaloneCluster::kill_job_manager`]
    /// (a standalone session cluster without HA: it comes back empty).
    pub fn start_job_manager(&mut self) {
        assert!(self.job_manager.is_none(), "the job manager is running");
        self.jm_starts += 1;
        let jvm = self.spawn(Host::JobManager, format!("jm-{}", self.jm_starts));
        self.job_manager = Some(jvm);
    }

    // -----------------------------------------------------------------
    // REST helpers
    // -----------------------------------------------------------------

    /// GET `path` (e.g. `/overview`) from the REST API: the JSON body of a
    /// 2xx answer, else an error (unreachable, timeout, HTTP error).
    pub fn get(&self, path: &str) -> Result<Value, String> {
        http_json("GET", &format!("{}{path}", self.rest_url()), None)
    }

    /// `GET /overview`.
    pub fn overview(&self) -> Result<Value, String> {
        self.get("/overview")
    }

    /// The resource ids of the Task Managers the Job Manager lists.
    pub fn registered_task_managers(&self) -> Result<Vec<String>, String> {
        let v = self.get("/taskmanagers")?;
        Ok(v["taskmanagers"]
            .as_array()
            .map(|tms| {
                tms.iter()
                    .filter_map(|t| t["id"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// `GET /jobs/overview`: `(jid, name, state)` of every job.
    pub fn jobs(&self) -> Result<Vec<(String, String, String)>, String> {
        let v = self.get("/jobs/overview")?;
        Ok(v["jobs"]
            .as_array()
            .map(|jobs| {
                jobs.iter()
                    .map(|j| {
                        let s = |k: &str| j[k].as_str().unwrap_or_default().to_string();
                        (s("jid"), s("name"), s("state"))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// `GET /jobs/:id`.
    pub fn job(&self, job_id: &str) -> Result<Value, String> {
        self.get(&format!("/jobs/{job_id}"))
    }

    /// The job's status (`RUNNING`, `RESTARTING`, …).
    pub fn job_state(&self, job_id: &str) -> Result<String, String> {
        let v = self.job(job_id)?;
        v["state"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no state in {v}"))
    }

    /// Whether the job is RUNNING with every task of every vertex RUNNING.
    pub fn job_fully_running(&self, job_id: &str) -> Result<bool, String> {
        let v = self.job(job_id)?;
        if v["state"] != "RUNNING" {
            return Ok(false);
        }
        let vertices = v["vertices"].as_array().cloned().unwrap_or_default();
        Ok(!vertices.is_empty()
            && vertices.iter().all(|vx| {
                vx["tasks"]["RUNNING"].as_u64().is_some()
                    && vx["tasks"]["RUNNING"] == vx["parallelism"]
            }))
    }

    /// POST /jars/upload: the jar's id on the cluster.
    pub fn upload_jar(&self, jar: &Path) -> Result<String, String> {
        let out = curl(&[
            "-X".into(),
            "POST".into(),
            "-F".into(),
            format!("jarfile=@{}", jar.display()),
            format!("{}/jars/upload", self.rest_url()),
        ])?;
        let v = json_2xx(out)?;
        let file = v["filename"]
            .as_str()
            .ok_or_else(|| format!("no filename in {v}"))?;
        Ok(Path::new(file)
            .file_name()
            .expect("uploaded jar's name")
            .to_string_lossy()
            .into_owned())
    }

    /// POST /jars/:id/run: the job id. `parallelism` 0 is the cluster's default.
    pub fn run_jar(&self, jar_id: &str, args: &[&str], parallelism: u32) -> Result<String, String> {
        let mut body = json!({ "programArgsList": args });
        if parallelism > 0 {
            body["parallelism"] = json!(parallelism);
        }
        let v = http_json(
            "POST",
            &format!("{}/jars/{jar_id}/run", self.rest_url()),
            Some(&body),
        )?;
        v["jobid"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no jobid in {v}"))
    }

    /// Uploads `jar` and runs it: the job id.
    pub fn submit(&self, jar: &Path, args: &[&str], parallelism: u32) -> Result<String, String> {
        let jar_id = self.upload_jar(jar)?;
        self.run_jar(&jar_id, args, parallelism)
    }

    /// PATCH /jobs/:id?mode=cancel.
    pub fn cancel(&self, job_id: &str) -> Result<(), String> {
        http_json(
            "PATCH",
            &format!("{}/jobs/{job_id}?mode=cancel", self.rest_url()),
            None,
        )
        .map(|_| ())
    }

    /// Polls `check` every 250 ms until it gives `Some`, or panics after
    /// `timeout` saying what was awaited and what was last seen.
    pub fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Self) -> Result<Option<T>, String>,
    ) -> T {
        let t0 = Instant::now();
        let mut last = String::new();
        loop {
            match check(self) {
                Ok(Some(t)) => return t,
                Ok(None) => last.clear(),
                Err(e) => last = e,
            }
            if t0.elapsed() > timeout {
                panic!(
                    "{what}: not within {} s (last error: {last})\n--- jm.log (tail) ---\n{}",
                    timeout.as_secs(),
                    self.log_tail("jm.log", 40)
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits until the Job Manager lists exactly `n` Task Managers.
    pub fn wait_task_managers(&self, n: usize, timeout: Duration) {
        self.wait_for(&format!("{n} task managers registered"), timeout, |c| {
            Ok((c.registered_task_managers()?.len() == n).then_some(()))
        })
    }

    /// Waits until the job is in `state`.
    pub fn wait_job_state(&self, job_id: &str, state: &str, timeout: Duration) {
        self.wait_for(&format!("job {job_id} {state}"), timeout, |c| {
            Ok((c.job_state(job_id)? == state).then_some(()))
        })
    }

    // -----------------------------------------------------------------
    // Building
    // -----------------------------------------------------------------

    fn hosts(&self) -> Vec<Host> {
        std::iter::once(Host::JobManager)
            .chain((1..=self.opts.task_managers).map(Host::TaskManager))
            .collect()
    }

    fn build_network(&mut self) {
        let bridge = self.bridge();
        ip(&["link", "add", &bridge, "type", "bridge"]);
        self.links.push(bridge.clone());
        ip(&[
            "link",
            "set",
            &bridge,
            "type",
            "bridge",
            "forward_delay",
            "0",
        ]);
        let gw = format!("{}/24", self.gateway());
        ip(&["addr", "add", &gw, "dev", &bridge]);
        ip(&["link", "set", &bridge, "up"]);
        for host in self.hosts() {
            let ns = self.namespace(host);
            ip(&["netns", "add", &ns]);
            self.namespaces.push(ns.clone());
            let veth = self.veth(host);
            ip(&[
                "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ]);
            self.links.push(veth.clone());
            ip(&["link", "set", &veth, "master", &bridge]);
            ip(&["link", "set", &veth, "up"]);
            let addr = format!("{}/24", self.address(host));
            ip(&["-n", &ns, "addr", "add", &addr, "dev", "eth0"]);
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            // No default route: the hosts reach each other and the root
            // namespace only. With one, a DNS query to the machine's
            // nameserver would go to the bridge and be dropped, and every
            // lookup (Flink resolves Task Manager addresses to names while
            // deploying tasks) would hang for its full timeout (2 x 5 s)
            // instead of failing at once with "network unreachable".
        }
    }

    /// The per-host directory: `conf/`, `tmp/`, `work/`, `web/`.
    fn host_dir(&self, host: Host) -> PathBuf {
        self.dir.path().join(host.to_string())
    }

    fn write_config(&self, host: Host) {
        let dir = self.host_dir(host);
        for sub in ["conf", "tmp", "work", "web"] {
            fs::create_dir_all(dir.join(sub)).expect("create host dirs");
        }
        let conf = self.flink_home.join("conf");
        for file in ["log4j.properties", "logback.xml"] {
            if conf.join(file).is_file() {
                fs::copy(conf.join(file), dir.join("conf").join(file)).expect("copy log config");
            }
        }
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        let ms = |d: Duration| d.as_millis().to_string();
        let savepoints = format!("file://{}", self.savepoint_dir().display());
        let jm = self.address(Host::JobManager).to_string();
        let me = self.address(host).to_string();
        let slots = self.opts.slots_per_task_manager.to_string();
        let mut entries: Vec<(String, String)> = [
            ("heartbeat.interval", ms(self.opts.heartbeat_interval)),
            ("heartbeat.timeout", ms(self.opts.heartbeat_timeout)),
            ("pekko.ask.timeout", "10 s".into()),
            ("pekko.lookup.timeout", "10 s".into()),
            ("pekko.tcp.timeout", "10 s".into()),
            // No reverse DNS of Task Manager addresses (there is no DNS here).
            ("jobmanager.retrieve-taskmanager-hostname", "false".into()),
            // Milliseconds: a bare number parses in 1.x (Long) and 2.x (Duration).
            // Short, so a restored host registers again within seconds.
            ("cluster.registration.initial-timeout", "200".into()),
            ("cluster.registration.max-timeout", "5000".into()),
            ("cluster.registration.error-delay", "200".into()),
            (
                "cluster.registration.refused-registration-delay",
                "1000".into(),
            ),
            ("state.checkpoints.dir", savepoints.clone()),
            ("state.savepoints.dir", savepoints.clone()),
            ("execution.checkpointing.dir", savepoints.clone()),
            ("execution.checkpointing.savepoint-dir", savepoints),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        entries.extend(self.opts.extra_config.iter().cloned());
        let owned = [
            ("jobmanager.rpc.address", jm.clone()),
            ("jobmanager.rpc.port", JM_RPC_PORT.to_string()),
            // No jobmanager.bind-host: the JM's RPC and blob server bind
            // every address of its namespace (its 10.X.Y.2 and its own lo,
            // not the root namespace's). Bound to 10.X.Y.2 alone, a jar run
            // over REST fails: the in-JVM job submission uploads to the blob
            // server at localhost:6124.
            ("rest.address", jm.clone()),
            ("rest.bind-address", jm),
            ("rest.port", REST_PORT.to_string()),
            ("rest.bind-port", REST_PORT.to_string()),
            ("blob.server.port", BLOB_PORT.to_string()),
            (
                "metrics.internal.query-service.port",
                QUERY_SERVICE_PORT.to_string(),
            ),
            ("taskmanager.host", me.clone()),
            ("taskmanager.bind-host", me),
            ("taskmanager.rpc.port", TM_RPC_PORT.to_string()),
            ("taskmanager.data.port", TM_DATA_PORT.to_string()),
            ("taskmanager.numberOfTaskSlots", slots.clone()),
            // Needed once every memory component is explicit.
            ("taskmanager.cpu.cores", slots),
            ("process.working-dir", path(dir.join("work"))),
            ("io.tmp.dirs", path(dir.join("tmp"))),
            ("web.tmpdir", path(dir.join("web"))),
        ];
        entries.extend(owned.into_iter().map(|(k, v)| (k.to_string(), v)));
        entries.extend(jm_memory(self.opts.jm_memory_mb * MIB).config);
        entries.extend(tm_memory(self.opts.tm_memory_mb * MIB).config);

        let standard_yaml = self.flink_major >= 2 || flink_minor_at_least(&self.flink_home, 19);
        let (file, other) = if standard_yaml {
            ("config.yaml", "flink-conf.yaml")
        } else {
            ("flink-conf.yaml", "config.yaml")
        };
        let mut text = format!("# remote_harness: host {host} of cluster {}\n", self.id);
        for (k, v) in &entries {
            if standard_yaml {
                text.push_str(&format!("{k}: '{}'\n", v.replace('\'', "''")));
            } else {
                text.push_str(&format!("{k}: {v}\n"));
            }
        }
        fs::write(dir.join("conf").join(file), text).expect("write the Flink config");
        let _ = fs::remove_file(dir.join("conf").join(other));
    }

    fn classpath(&self) -> String {
        let lib = self.flink_home.join("lib");
        let mut jars: Vec<PathBuf> = fs::read_dir(&lib)
            .unwrap_or_else(|e| panic!("reading {}: {e}", lib.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jar"))
            .collect();
        jars.sort();
        // flink-dist last, as Flink's scripts do.
        let (dist, mut rest): (Vec<PathBuf>, Vec<PathBuf>) = jars.into_iter().partition(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("flink-dist"))
        });
        rest.extend(dist);
        rest.extend(self.opts.extra_classpath.iter().cloned());
        rest.iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Starts the JVM of `host` under `ip netns exec`, leading its own
    /// process group, logging to `log_dir()/<name>.{log,out}`.
    fn spawn(&self, host: Host, name: String) -> Jvm {
        let dir = self.host_dir(host);
        let conf = dir.join("conf");
        let log = self.log_dir();
        let java = match std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
            Some(home) => PathBuf::from(home).join("bin/java"),
            None => PathBuf::from("java"),
        };
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log.join(format!("{name}.out")))
            .expect("open the JVM's .out file");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.namespace(host)])
            .arg(&java)
            .arg(format!(
                "-Dlog.file={}",
                log.join(format!("{name}.log")).display()
            ))
            .arg(format!(
                "-XX:ErrorFile={}",
                log.join(format!("hs_err_{name}_%p.log")).display()
            ))
            // One line per GC pause: shows whether a stall was the JVM's own.
            .arg(format!(
                "-Xlog:gc:file={}:time,uptime",
                log.join(format!("{name}.gc")).display()
            ));
        match host {
            Host::JobManager => {
                cmd.args(jm_memory(self.opts.jm_memory_mb * MIB).jvm_flags)
                    .args(["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]);
            }
            Host::TaskManager(_) => {
                cmd.args(tm_memory(self.opts.tm_memory_mb * MIB).jvm_flags)
                    .arg("-XX:+UseG1GC");
            }
        }
        cmd.args(JAVA_17_OPTIONS)
            .arg(format!(
                "-Dlog4j.configuration=file:{}",
                conf.join("log4j.properties").display()
            ))
            .arg(format!(
                "-Dlog4j.configurationFile=file:{}",
                conf.join("log4j.properties").display()
            ))
            .arg(format!(
                "-Dlogback.configurationFile=file:{}",
                conf.join("logback.xml").display()
            ))
            .arg(format!("-Djava.io.tmpdir={}", dir.join("tmp").display()))
            .arg("-classpath")
            .arg(self.classpath());
        match host {
            Host::JobManager => {
                cmd.arg(JM_CLASS).arg("--configDir").arg(&conf);
                if self.flink_major < 2 {
                    cmd.args(["--executionMode", "cluster"]);
                }
            }
            Host::TaskManager(_) => {
                cmd.arg(TM_CLASS)
                    .arg("--configDir")
                    .arg(&conf)
                    .arg("-D")
                    .arg(format!("taskmanager.resource-id={name}"));
            }
        }
        let home = &self.flink_home;
        cmd.env("FLINK_HOME", home)
            .env("FLINK_CONF_DIR", &conf)
            .env("FLINK_LIB_DIR", home.join("lib"))
            .env("FLINK_OPT_DIR", home.join("opt"))
            .env("FLINK_PLUGINS_DIR", home.join("plugins"))
            .env("FLINK_BIN_DIR", home.join("bin"))
            .env("FLINK_LOG_DIR", &log)
            .envs(self.opts.extra_env.iter().map(|(k, v)| (k, v)))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup the .out file"))
            .stderr(out)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} in {}: {e}", self.namespace(host)));
        Jvm { child, name }
    }

    fn wait_ready(&mut self, t0: Instant) {
        let want = self.opts.task_managers;
        let slots = self.total_slots() as u64;
        loop {
            let dead = self
                .job_manager
                .iter_mut()
                .chain(self.task_managers.iter_mut().flatten())
                .find_map(|jvm| {
                    jvm.exited()
                        .map(|how| format!("{} exited: {how}", jvm.name))
                });
            if let Some(dead) = dead {
                panic!(
                    "Flink cluster {} did not start: {dead}\n{}",
                    self.id,
                    self.logs_tail()
                );
            }
            let last = match (self.registered_task_managers(), self.overview()) {
                (Ok(tms), Ok(ov)) => {
                    let total = ov["slots-total"].as_u64().unwrap_or(0);
                    if tms.len() == want && total == slots {
                        return;
                    }
                    format!(
                        "{} of {want} task managers, {total} of {slots} slots",
                        tms.len()
                    )
                }
                (Err(e), _) | (_, Err(e)) => e,
            };
            if t0.elapsed() > self.opts.startup_timeout {
                panic!(
                    "Flink cluster {} not ready at {} within {} s: {last}\n{}",
                    self.id,
                    self.rest_url(),
                    self.opts.startup_timeout.as_secs(),
                    self.logs_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The tails of every JVM's `.out` and `.log` (the Job Manager's longer).
    pub fn logs_tail(&self) -> String {
        let mut names: Vec<String> = fs::read_dir(self.log_dir())
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".log") || n.ends_with(".out"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut out = String::new();
        for name in names {
            let lines = if name.starts_with("jm") && name.ends_with(".log") {
                60
            } else {
                15
            };
            let tail = self.log_tail(&name, lines);
            if !tail.trim().is_empty() {
                out.push_str(&format!("--- {name} (tail) ---\n{tail}\n"));
            }
        }
        out
    }

    /// A shell in its own process group, deaf to SIGTERM/INT/HUP, that waits
    /// for this process to end and then removes the cluster (JVMs in its
    /// namespaces, or naming its directory; namespaces; links). Dropping the
    /// cluster cleans up itself and ends the watchdog.
    fn start_watchdog(&mut self) {
        const SCRIPT: &str = r#"trap '' TERM INT HUP
while kill -0 "$WR_TEST_PID" 2>/dev/null; do
  case "$(cat "/proc/$WR_TEST_PID/stat" 2>/dev/null)" in *") Z "*) break ;; esac
  sleep 1
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  case "$ns" in "$WR_ID"-*) for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done ;; esac
done
for p in /proc/[0-9]*; do
  if grep -qF -- "$WR_ROOT" "$p/cmdline" 2>/dev/null; then kill -KILL "${p#/proc/}" 2>/dev/null; fi
done
sleep 1
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  case "$ns" in "$WR_ID"-*) ip netns del "$ns" 2>/dev/null ;; esac
done
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
  case "$l" in "$WR_ID"*) ip link del "$l" 2>/dev/null ;; esac
done
rm -rf -- "$WR_ROOT"
"#;
        let child = Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            // In the environment, not on the command line: the watchdog
            // must not match its own search.
            .env("WR_TEST_PID", std::process::id().to_string())
            .env("WR_ID", &self.id)
            .env("WR_ROOT", format!("{}/", self.dir.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn the watchdog shell");
        self.watchdog = Some(child);
    }

    /// Kills every JVM and removes the network (what `Drop` does).
    fn teardown(&mut self) {
        if let Some(jvm) = self.job_manager.take() {
            jvm.kill();
        }
        for tm in self.task_managers.iter_mut() {
            if let Some(jvm) = tm.take() {
                jvm.kill();
            }
        }
        // Anything else still in the namespaces (nothing, normally).
        for ns in &self.namespaces {
            kill_namespace_pids(ns);
        }
        for ns in self.namespaces.drain(..).rev() {
            let _ = run_ip(&["netns", "del", &ns]);
        }
        for link in self.links.drain(..).rev() {
            // A veth whose namespace was deleted is gone already.
            if link_exists(&link) {
                let _ = run_ip(&["link", "del", &link]);
            }
        }
        if let Some(mut w) = self.watchdog.take() {
            // SAFETY: kill(2) on the watchdog's own process group; no memory involved.
            unsafe { libc::kill(-(w.id() as libc::pid_t), libc::SIGKILL) };
            let _ = w.wait();
        }
    }
}

impl Drop for StandaloneCluster {
    fn drop(&mut self) {
        self.teardown();
        if std::thread::panicking() {
            // The temp dir goes with the cluster: keep the logs of a failed test.
            let keep = std::env::temp_dir().join(format!("{}-logs", self.id));
            let _ = fs::remove_dir_all(&keep);
            if fs::create_dir_all(&keep).is_ok() {
                for entry in fs::read_dir(self.log_dir()).into_iter().flatten().flatten() {
                    let _ = fs::copy(entry.path(), keep.join(entry.file_name()));
                }
                eprintln!(
                    "remote_harness: the logs of cluster {} are kept in {}",
                    self.id,
                    keep.display()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Leftovers
// ---------------------------------------------------------------------------

/// Removes the namespaces (and the processes in them), bridges and veths
/// of clusters whose test process is gone (names `wr<pid><letter>…`).
/// Returns what it removed.
pub fn cleanup_stale() -> Vec<String> {
    let mut removed = Vec::new();
    let dead = |name: &str| {
        owner_pid(name).is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
    };
    for ns in netns_list() {
        if dead(&ns) {
            kill_namespace_pids(&ns);
            let _ = run_ip(&["netns", "del", &ns]);
            removed.push(format!("netns {ns}"));
        }
    }
    for link in link_list() {
        if dead(&link) && link_exists(&link) {
            let _ = run_ip(&["link", "del", &link]);
            removed.push(format!("link {link}"));
        }
    }
    removed
}

/// The pid in a name `wr<pid><letter>…` made by this module.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("wr")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let after = rest[digits.len()..].chars().next()?;
    if digits.is_empty() || !after.is_ascii_lowercase() {
        return None;
    }
    digits.parse().ok()
}

/// Every network namespace name (`ip netns list`).
pub fn netns_list() -> Vec<String> {
    run_ip(&["netns", "list"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// Every link name of the root namespace.
pub fn link_list() -> Vec<String> {
    run_ip(&["-o", "link", "show"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect()
}

fn link_exists(name: &str) -> bool {
    run_ip(&["link", "show", "dev", name]).is_ok()
}

fn kill_namespace_pids(ns: &str) {
    let pids: Vec<i32> = run_ip(&["netns", "pids", ns])
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    for pid in &pids {
        // SAFETY: kill(2) takes no pointers.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    // They are not our children (or were reaped): wait for them to vanish.
    let t0 = Instant::now();
    while pids
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists())
        && t0.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn tm_name(i: usize, start: u32) -> String {
    if start <= 1 {
        format!("tm{i}")
    } else {
        format!("tm{i}-{start}")
    }
}

/// Runs `ip ARGS`; its stdout, or its stderr as the error.
fn run_ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `ip ARGS` and panics if it fails.
fn ip(args: &[&str]) -> String {
    run_ip(args).unwrap_or_else(|e| panic!("{e} (the tests need root and iproute2)"))
}

/// A `10.X.Y` not used by any address or route of the root namespace,
/// derived from the pid so parallel test processes start from different
/// places.
fn pick_subnet(pid: u32, n: u32) -> [u8; 3] {
    let used = format!(
        "{}\n{}\n{}",
        run_ip(&["-4", "-o", "addr", "show"]).unwrap_or_default(),
        run_ip(&["-4", "route", "show", "table", "all"]).unwrap_or_default(),
        fs::read_to_string("/etc/resolv.conf").unwrap_or_default()
    );
    // 10.64.0.0 - 10.253.255.0: 190 * 256 subnets.
    const SPAN: u32 = 190 * 256;
    let start = (pid.wrapping_mul(7919).wrapping_add(n * 131)) % SPAN;
    for k in 0..SPAN {
        let s = (start + k) % SPAN;
        let (x, y) = (64 + s / 256, s % 256);
        let prefix = format!("10.{x}.{y}.");
        if !used.contains(&prefix) {
            return [10, x as u8, y as u8];
        }
    }
    panic!("no free 10.X.Y.0/24 subnet for the test network");
}

/// The major version from `lib/flink-dist-<version>.jar`.
fn flink_major_version(home: &Path) -> u32 {
    flink_version(home).0
}

fn flink_minor_at_least(home: &Path, minor: u32) -> bool {
    let (major, m) = flink_version(home);
    major > 1 || m >= minor
}

fn flink_version(home: &Path) -> (u32, u32) {
    let lib = home.join("lib");
    let dist = fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{} is not a Flink distribution: {e}", home.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("flink-dist") && n.ends_with(".jar"))
        .unwrap_or_else(|| panic!("no flink-dist jar in {}", lib.display()));
    let version = dist
        .trim_start_matches("flink-dist")
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .trim_end_matches(".jar");
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

struct Memory {
    jvm_flags: Vec<String>,
    config: Vec<(String, String)>,
}

fn bytes_config(entries: &[(&str, u64)]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), format!("{v}b")))
        .collect()
}

/// Flink's own derivation of a Task Manager's memory from its process
/// size (managed fraction 0.4), as Weir's local runtime does it.
fn tm_memory(process: u64) -> Memory {
    let metaspace = 256 * MIB;
    let overhead = (process / 10).clamp(192 * MIB, GIB);
    let total_flink = process
        .checked_sub(metaspace + overhead)
        .expect("task manager process size too small");
    let framework_heap = 128 * MIB;
    let framework_off_heap = 128 * MIB;
    let network = (total_flink / 10).clamp(64 * MIB, GIB);
    let managed = total_flink * 4 / 10;
    let task_heap = total_flink
        .checked_sub(framework_heap + framework_off_heap + network + managed)
        .expect("task manager process size too small (tm_memory_mb >= 1000)");
    let heap = framework_heap + task_heap;
    Memory {
        jvm_flags: vec![
            format!("-Xmx{heap}"),
            format!("-Xms{heap}"),
            format!("-XX:MaxDirectMemorySize={}", framework_off_heap + network),
            format!("-XX:MaxMetaspaceSize={metaspace}"),
        ],
        config: bytes_config(&[
            ("taskmanager.memory.framework.heap.size", framework_heap),
            ("taskmanager.memory.task.heap.size", task_heap),
            (
                "taskmanager.memory.framework.off-heap.size",
                framework_off_heap,
            ),
            ("taskmanager.memory.task.off-heap.size", 0),
            ("taskmanager.memory.managed.size", managed),
            ("taskmanager.memory.network.min", network),
            ("taskmanager.memory.network.max", network),
            ("taskmanager.memory.jvm-metaspace.size", metaspace),
            ("taskmanager.memory.jvm-overhead.min", overhead),
            ("taskmanager.memory.jvm-overhead.max", overhead),
        ]),
    }
}

/// A Job Manager's memory from its process size, as Weir's local runtime.
fn jm_memory(process: u64) -> Memory {
    let metaspace = 256 * MIB;
    let off_heap = 128 * MIB;
    let overhead = (process / 10).clamp(192 * MIB, GIB);
    let heap = process
        .checked_sub(metaspace + off_heap + overhead)
        .filter(|h| *h >= 128 * MIB)
        .expect("job manager process size too small (jm_memory_mb >= 704)");
    Memory {
        jvm_flags: vec![
            format!("-Xmx{heap}"),
            format!("-Xms{heap}"),
            format!("-XX:MaxMetaspaceSize={metaspace}"),
        ],
        config: bytes_config(&[
            ("jobmanager.memory.heap.size", heap),
            ("jobmanager.memory.off-heap.size", off_heap),
            ("jobmanager.memory.jvm-metaspace.size", metaspace),
            ("jobmanager.memory.jvm-overhead.min", overhead),
            ("jobmanager.memory.jvm-overhead.max", overhead),
        ]),
    }
}

/// Runs curl with `args`: (HTTP status, body), or an error when there was
/// no HTTP answer within [`HTTP_TIMEOUT`].
fn curl(args: &[String]) -> Result<(u16, String), String> {
    let out = Command::new("curl")
        .args(["-sS", "--noproxy", "*", "--max-time"])
        .arg(HTTP_TIMEOUT.as_secs().to_string())
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "curl {}: {}",
            args.last().map(String::as_str).unwrap_or(""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    let code = code
        .trim()
        .parse()
        .map_err(|_| format!("curl printed no status: {text}"))?;
    Ok((code, body.to_string()))
}

fn json_2xx((code, body): (u16, String)) -> Result<Value, String> {
    if !(200..300).contains(&code) {
        return Err(format!("HTTP {code}: {body}"));
    }
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&body).map_err(|e| format!("not JSON ({e}): {body}"))
}

/// One REST call with an optional JSON body: the JSON of a 2xx answer.
pub fn http_json(method: &str, url: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut args = vec!["-X".to_string(), method.to_string()];
    if let Some(body) = body {
        args.extend([
            "-H".to_string(),
            "Content-Type: application/json".to_string(),
            "--data-binary".to_string(),
            body.to_string(),
        ]);
    }
    args.push(url.to_string());
    curl(&args).and_then(json_2xx)
}

/// Whether a TCP connection to `addr` is accepted within `timeout`.
pub fn tcp_reachable(addr: SocketAddr, timeout: Duration) -> bool {
    TcpStream::connect_timeout(&addr, timeout).is_ok()
}

//! Against real Flink: runtimes installed from PyPI, local clusters of real
//! JVMs, real jobs compiled from `tests/jobs/` with `javac`.
//!
//! Flink is heavy (a JVM wants 0.5–1 GiB and a core to start), so every test
//! here takes `FLINK` first: they run one at a time. Each cluster is held in
//! a `KillOnDrop`, so a failing assertion still leaves no JVM behind.
//!
//! Runtimes are shared with other test runs in
//! `${WEIR_RUNTIMES_DIR:-~/.cache/weir/runtimes}` (installed on first use).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use weir_control::model::RuntimeEnvironment;
use weir_runtime::rest::SavepointStatus;
use weir_runtime::{
    ClusterSpec, FlinkHome, FlinkRest, JobId, JobState, KillOnDrop, LocalCluster, RunJar,
    RuntimeError, Runtimes,
};

static FLINK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const GENEROUS: Duration = Duration::from_secs(120);

fn runtimes_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WEIR_RUNTIMES_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME");
    PathBuf::from(home).join(".cache/weir/runtimes")
}

async fn flink(runtime: RuntimeEnvironment) -> FlinkHome {
    Runtimes::new(runtimes_dir())
        .ensure(runtime)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", runtime.as_str()))
}

/// Compiles `tests/jobs` against `home` into `<out>/jobs.jar` (Main-Class: Sleepy).
fn build_jobs(home: &FlinkHome, out: &Path) -> PathBuf {
    let sources_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jobs/weir/testjobs");
    let sources: Vec<PathBuf> = std::fs::read_dir(&sources_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "java"))
        .collect();
    let classes = out.join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    let status = std::process::Command::new("javac")
        .args(["--release", "11", "-nowarn", "-d"])
        .arg(&classes)
        .arg("-cp")
        .arg(format!("{}/*", home.lib_dir().display()))
        .args(&sources)
        .status()
        .expect("javac");
    assert!(status.success(), "javac failed");
    let jar = out.join("jobs.jar");
    let status = std::process::Command::new("jar")
        .arg("cfe")
        .arg(&jar)
        .arg("weir.testjobs.Sleepy")
        .arg("-C")
        .arg(&classes)
        .arg(".")
        .status()
        .expect("jar");
    assert!(status.success(), "jar failed");
    jar
}

/// The service's defaults (DESIGN.md), with a short restart delay for tests.
fn service_like_config() -> Vec<(String, String)> {
    [
        ("execution.checkpointing.interval", "60 s"),
        ("execution.checkpointing.min-pause", "5 s"),
        ("restart-strategy.type", "fixed-delay"),
        ("restart-strategy.fixed-delay.attempts", "2147483647"),
        ("restart-strategy.fixed-delay.delay", "2 s"),
        // Notice a killed Task Manager within seconds.
        ("heartbeat.interval", "1000"),
        ("heartbeat.timeout", "5000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls until every task of `job` runs; the time it took.
async fn wait_all_running(rest: &FlinkRest, job: &JobId) -> Duration {
    let t0 = Instant::now();
    wait_for("all tasks RUNNING", GENEROUS, || async {
        let jobs = rest.jobs_overview().await.ok()?;
        jobs.into_iter()
            .find(|j| &j.id == job && j.state == JobState::Running && j.tasks.all_running())
    })
    .await;
    t0.elapsed()
}

async fn wait_state(rest: &FlinkRest, job: &JobId, state: JobState) {
    wait_for(&format!("job {job} {state}"), GENEROUS, || async {
        let j = rest.job(job).await.ok()?;
        (j.state == state).then_some(())
    })
    .await
}

/// PIDs of live processes whose command line mentions `dir` (our JVMs put
/// their log paths there).
fn processes_mentioning(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            out.push(pid);
        }
    }
    out
}

/// (address, port) of every listening TCP socket of `pids`.
fn listening_sockets(pids: &[u32]) -> Vec<(String, u16)> {
    let mut inodes = std::collections::HashSet::new();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let t = target.to_string_lossy().into_owned();
                if let Some(inode) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                    inodes.insert(inode.to_string());
                }
            }
        }
    }
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[3] != "0A" || !inodes.contains(f[9]) {
                continue;
            }
            let (addr, port) = f[1].split_once(':').unwrap();
            let port = u16::from_str_radix(port, 16).unwrap();
            let addr = match addr.len() {
                8 => ipv4(addr),
                // ::ffff:a.b.c.d
                32 if addr.starts_with("0000000000000000FFFF0000") => ipv4(&addr[24..]),
                _ => addr.to_string(),
            };
            out.push((addr, port));
        }
    }
    out
}

fn ipv4(hex: &str) -> String {
    let n = u32::from_str_radix(hex, 16).unwrap();
    std::net::Ipv4Addr::from(n.to_le_bytes()).to_string()
}

fn sleepy(name: &str, parallelism: u32) -> RunJar {
    RunJar {
        entry_class: Some("weir.testjobs.Sleepy".into()),
        program_args: vec!["--name".into(), name.into()],
        parallelism: Some(parallelism),
        ..RunJar::default()
    }
}

async fn lifecycle(runtime: RuntimeEnvironment) {
    let home = flink(runtime).await;
    let tmp = tempfile::tempdir().unwrap();
    let jar = build_jobs(&home, tmp.path());
    let markers = tmp.path().join("markers");
    std::fs::create_dir_all(&markers).unwrap();
    let dir = tmp.path().join("cluster");

    let mut spec = ClusterSpec::new("it-lifecycle", &dir, home.clone());
    spec.task_managers = 2;
    spec.slots_per_task_manager = 1;
    spec.flink_config = service_like_config();
    spec.jvm_properties = vec![("weir.test.marker.dir".into(), markers.display().to_string())];
    spec.env = vec![("WEIR_TEST_ENV".into(), "hello".into())];
    spec.startup_timeout = GENEROUS;

    let cluster = KillOnDrop::new(LocalCluster::launch(spec).await.unwrap());
    eprintln!(
        "[{}] launch → all task managers registered: {:?}",
        runtime.as_str(),
        cluster.ready_after().unwrap()
    );
    let rest = cluster.rest();

    // The cluster: two Task Managers of one slot, the right Flink, named TMs.
    let mut tms = rest.taskmanagers().await.unwrap();
    tms.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<&str> = tms.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["it-lifecycle-tm-0", "it-lifecycle-tm-1"]);
    assert!(tms.iter().all(|t| t.slots == 1));
    let overview = rest.overview().await.unwrap();
    assert_eq!(overview.flink_version, home.version.to_string());
    assert_eq!((overview.task_managers, overview.slots_total), (2, 2));
    assert!(dir.join("cluster.json").is_file());
    // The JVMs started from the class-data archives Runtimes made, without complaint.
    assert!(
        home.class_data.is_some(),
        "Runtimes::ensure prepares class-data archives"
    );
    for p in cluster.processes() {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap();
        assert!(String::from_utf8_lossy(&cmdline).contains("-XX:SharedArchiveFile="));
        let out = std::fs::read_to_string(p.log_file.with_extension("out")).unwrap();
        assert!(!out.contains("[cds]"), "{}: {out}", p.role);
    }

    // Every listener of every JVM is on 127.0.0.1.
    let pids: Vec<u32> = cluster.processes().iter().map(|p| p.pid).collect();
    assert_eq!(pids.len(), 3);
    let sockets = listening_sockets(&pids);
    let rest_port: u16 = cluster
        .rest_url()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(sockets.iter().any(|(_, p)| *p == rest_port), "{sockets:?}");
    assert!(sockets.iter().all(|(a, _)| a == "127.0.0.1"), "{sockets:?}");

    // A job: programArgsList reaches main() (the name), all tasks RUNNING.
    let jar_id = rest.upload_jar(&jar).await.unwrap();
    let t0 = Instant::now();
    let job = rest.run_jar(&jar_id, &sleepy("weir-it", 2)).await.unwrap();
    let submitted = t0.elapsed();
    let running = wait_all_running(&rest, &job).await;
    eprintln!(
        "[{}] run_jar answered after {submitted:?}; all tasks RUNNING {:?} after submission",
        runtime.as_str(),
        submitted + running
    );
    let details = rest.job(&job).await.unwrap();
    assert_eq!(details.name, "weir-it");
    assert!(details.tasks().all_running(), "{details:?}");
    assert_eq!(
        details.tasks().total,
        2,
        "one operator chain, parallelism 2"
    );
    let checkpointing = rest.checkpoint_config(&job).await.unwrap();
    assert_eq!(checkpointing.interval_ms, Some(60_000));
    assert_eq!(checkpointing.min_pause_ms, Some(5_000));
    assert_eq!(rest.job_exceptions(&job).await.unwrap(), None);

    // Properties and environment reached the Job Manager (main) and the Task Managers.
    let markers_found = wait_for("marker files", GENEROUS, || async {
        let names: Vec<String> = std::fs::read_dir(&markers)
            .ok()?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        (names.iter().any(|n| n.starts_with("jm-"))
            && names.iter().filter(|n| n.starts_with("tm-")).count() == 2)
            .then_some(names)
    })
    .await;
    for name in &markers_found {
        assert_eq!(
            std::fs::read_to_string(markers.join(name)).unwrap(),
            "hello",
            "{name}"
        );
    }

    // Metrics.
    let jm = rest
        .jobmanager_metrics(&["Status.JVM.CPU.Load", "Status.JVM.Memory.Heap.Used"])
        .await
        .unwrap();
    assert_eq!(jm.len(), 2, "{jm:?}");
    assert!(jm.iter().all(|m| m.as_f64().is_some()), "{jm:?}");
    // Flink fetches Task Manager metrics lazily: the first answers can be empty.
    let tm = wait_for("task manager metrics", GENEROUS, || async {
        let m = rest
            .taskmanager_metrics(&tms[0].id, &["Status.JVM.CPU.Load"])
            .await
            .unwrap();
        (!m.is_empty()).then_some(m)
    })
    .await;
    assert_eq!(tm[0].id, "Status.JVM.CPU.Load", "{tm:?}");

    // A main() that throws: the error carries Flink's cause.
    let failing = RunJar {
        entry_class: Some("weir.testjobs.Failing".into()),
        ..RunJar::default()
    };
    let err = rest.run_jar(&jar_id, &failing).await.unwrap_err();
    assert!(
        err.to_string().contains("weir-test: failing on purpose"),
        "{err}"
    );
    let summary = err.summary();
    assert!(
        summary.contains("weir-test: failing on purpose"),
        "{summary}"
    );
    assert!(!summary.contains("\tat "), "{summary}");
    eprintln!("[{}] failing main() summary:\n{summary}", runtime.as_str());

    // Chaos: a Task Manager dies; the job restarts; a new one takes its place.
    let victim = cluster.task_manager_pids()[1];
    cluster.kill_task_manager(1).await.unwrap();
    assert!(
        !cluster.processes()[2].alive,
        "task manager 1 (pid {victim}) is gone"
    );
    wait_for("the job to notice", GENEROUS, || async {
        let j = rest
            .jobs_overview()
            .await
            .ok()?
            .into_iter()
            .find(|j| j.id == job)?;
        (!j.tasks.all_running()).then_some(())
    })
    .await;
    let cause = wait_for("an exception", GENEROUS, || async {
        rest.job_exceptions(&job).await.ok()?
    })
    .await;
    eprintln!(
        "[{}] after killing a task manager: {}",
        runtime.as_str(),
        cause.lines().next().unwrap_or("")
    );
    cluster.restart_task_manager(1).await.unwrap();
    let recovered = wait_all_running(&rest, &job).await;
    eprintln!(
        "[{}] recovered {recovered:?} after the task manager restarted",
        runtime.as_str()
    );
    assert!(cluster.is_alive());

    // Weir "restarts": the value goes away, the JVMs stay, adopt finds them.
    let pids = {
        let mut p = vec![cluster.job_manager_pid()];
        p.extend(cluster.task_manager_pids());
        p
    };
    let rest_url = cluster.rest_url().to_string();
    drop(cluster.into_inner());
    for pid in &pids {
        assert!(
            Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} died with its handle"
        );
    }
    let cluster = KillOnDrop::new(LocalCluster::adopt(&dir).await.unwrap());
    assert_eq!(cluster.rest_url(), rest_url);
    assert_eq!(cluster.job_manager_pid(), pids[0]);
    assert_eq!(cluster.task_manager_pids(), pids[1..]);
    assert!(cluster.is_alive());
    let jobs = rest.jobs_overview().await.unwrap();
    assert!(jobs
        .iter()
        .any(|j| j.id == job && j.state == JobState::Running));

    // Cancel; a bounded job then FINISHES by itself.
    rest.cancel(&job).await.unwrap();
    wait_state(&rest, &job, JobState::Canceled).await;
    let bounded = rest
        .run_jar(
            &jar_id,
            &RunJar {
                entry_class: Some("weir.testjobs.Bounded".into()),
                parallelism: Some(1),
                ..RunJar::default()
            },
        )
        .await
        .unwrap();
    wait_state(&rest, &bounded, JobState::Finished).await;

    // Stop with a savepoint, then restore from it.
    let job = rest
        .run_jar(&jar_id, &sleepy("weir-it-2", 2))
        .await
        .unwrap();
    wait_all_running(&rest, &job).await;
    let savepoints = tmp.path().join("savepoints");
    let t0 = Instant::now();
    let trigger = rest
        .stop_with_savepoint(
            &job,
            Some(&format!("file://{}", savepoints.display())),
            false,
        )
        .await
        .unwrap();
    let location = wait_for("the savepoint", GENEROUS, || async {
        match rest.savepoint_status(&job, &trigger).await.ok()? {
            SavepointStatus::InProgress => None,
            SavepointStatus::Completed { location } => Some(location),
            SavepointStatus::Failed { cause } => panic!("savepoint failed: {cause}"),
        }
    })
    .await;
    eprintln!(
        "[{}] stop-with-savepoint took {:?}: {location}",
        runtime.as_str(),
        t0.elapsed()
    );
    wait_state(&rest, &job, JobState::Finished).await;
    let mut restore = sleepy("weir-it-3", 2);
    restore.savepoint_path = Some(location.clone());
    let job = rest.run_jar(&jar_id, &restore).await.unwrap();
    wait_all_running(&rest, &job).await;
    let checkpoints = rest.checkpoints(&job).await.unwrap();
    let restored = checkpoints.restored.expect("restored from the savepoint");
    assert!(restored.is_savepoint, "{restored:?}");
    let restored_path = restored.external_path.unwrap();
    assert!(
        location
            .trim_start_matches("file:")
            .trim_start_matches("//")
            == restored_path
                .trim_start_matches("file:")
                .trim_start_matches("//"),
        "{location} vs {restored_path}"
    );
    // A savepoint trigger without stopping works too.
    let trigger = rest
        .trigger_savepoint(
            &job,
            Some(&format!("file://{}", savepoints.display())),
            false,
        )
        .await
        .unwrap();
    wait_for("a second savepoint", GENEROUS, || async {
        match rest.savepoint_status(&job, &trigger).await.ok()? {
            SavepointStatus::Completed { .. } => Some(()),
            SavepointStatus::InProgress => None,
            SavepointStatus::Failed { cause } => panic!("{cause}"),
        }
    })
    .await;

    // Kill: nothing of the cluster is left, and nothing is recorded.
    let t0 = Instant::now();
    cluster.kill().await.unwrap();
    eprintln!("[{}] kill took {:?}", runtime.as_str(), t0.elapsed());
    assert_eq!(processes_mentioning(&dir), Vec::<u32>::new());
    assert!(!dir.join("cluster.json").exists());
    assert!(matches!(
        LocalCluster::adopt(&dir).await,
        Err(RuntimeError::NotRecorded(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flink_1_20_cluster_lifecycle() {
    let _one_at_a_time = FLINK.lock().await;
    lifecycle(RuntimeEnvironment::Flink1_20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flink_2_2_cluster_lifecycle() {
    let _one_at_a_time = FLINK.lock().await;
    lifecycle(RuntimeEnvironment::Flink2_2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jvm_that_cannot_start_fails_the_launch_with_its_words() {
    let _one_at_a_time = FLINK.lock().await;
    let home = flink(RuntimeEnvironment::Flink1_20).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let mut spec = ClusterSpec::new("it-broken", &dir, home);
    spec.task_managers = 2;
    spec.flink_config = vec![(
        "env.java.opts.jobmanager".into(),
        "-XX:+WeirNoSuchOption".into(),
    )];
    let t0 = Instant::now();
    let err = LocalCluster::launch(spec).await.unwrap_err();
    let text = err.to_string();
    eprintln!("a launch failure, as reported:\n{text}");
    assert!(matches!(err, RuntimeError::Launch { .. }), "{err:?}");
    assert!(text.contains("job manager exited with code 1"), "{text}");
    assert!(text.contains("WeirNoSuchOption"), "{text}");
    assert!(
        t0.elapsed() < Duration::from_secs(60),
        "failed fast, not by timeout"
    );
    // The Task Managers that did start were killed, and nothing is recorded.
    assert_eq!(processes_mentioning(&dir), Vec::<u32>::new());
    assert!(!dir.join("cluster.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_dropped_without_kill_on_drop_keeps_running_and_a_second_launch_is_refused() {
    let _one_at_a_time = FLINK.lock().await;
    let home = flink(RuntimeEnvironment::Flink1_20).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let spec = ClusterSpec::new("it-shutdown", &dir, home);
    let cluster = LocalCluster::launch(spec.clone()).await.unwrap();
    let guard_pids = processes_mentioning(&dir);
    drop(cluster);
    // Re-adopt under a guard at once, so a failing assertion below still cleans up.
    let cluster = KillOnDrop::new(LocalCluster::adopt(&dir).await.unwrap());
    assert_eq!(processes_mentioning(&dir), guard_pids);
    match LocalCluster::launch(spec).await {
        Err(RuntimeError::AlreadyRunning(d)) => assert_eq!(d, dir),
        other => panic!("{other:?}"),
    }
    // A clean shutdown: SIGTERM, Flink stops by itself well within the grace.
    let t0 = Instant::now();
    cluster.shutdown(Duration::from_secs(30)).await.unwrap();
    eprintln!("shutdown (SIGTERM) took {:?}", t0.elapsed());
    assert_eq!(processes_mentioning(&dir), Vec::<u32>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installing_is_single_flight_and_atomic() {
    let _one_at_a_time = FLINK.lock().await;
    // A private runtimes directory, so this really installs (from pip's cache).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("runtimes");
    std::fs::create_dir_all(dir.join("1.20.5.tmp-999999/pyflink")).unwrap();
    let runtimes = Runtimes::new(&dir);
    let t0 = Instant::now();
    let (a, b) = tokio::join!(
        runtimes.ensure(RuntimeEnvironment::Flink1_20),
        runtimes.ensure(RuntimeEnvironment::Flink1_20)
    );
    eprintln!("install of 1.20.5 (pip cache warm): {:?}", t0.elapsed());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    assert_eq!(a.path, dir.join("1.20.5/pyflink"));
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    let list = runtimes.list();
    let row = list
        .iter()
        .find(|r| r.runtime == RuntimeEnvironment::Flink1_20)
        .unwrap();
    assert_eq!(row.state.as_str(), "installed");
    // Class-data sharing archives were made for the new install.
    let cds = a.class_data.expect("class-data archives");
    assert_eq!(cds, dir.join("1.20.5/cds"));
    for name in ["jobmanager.jsa", "taskmanager.jsa", "key"] {
        assert!(cds.join(name).is_file(), "{name}");
    }
    // Recorded while a job ran too (no Python environment here: Java only).
    assert_eq!(
        std::fs::read_to_string(cds.join("trained")).unwrap(),
        "java\n"
    );
    assert_eq!(row.flink_version.to_string(), "1.20.5");
}

/// `cargo test -p weir-runtime --test flink -- --ignored --nocapture measure`
/// Median start-up figures for 1.20 and 2.2 (1 JM + 2 TMs × 1 slot).
/// `WEIR_MEASURE_RUNS=N` (default 5); `WEIR_MEASURE_NO_CDS=1` to measure
/// without class-data sharing archives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly"]
async fn measure_startup() {
    let _one_at_a_time = FLINK.lock().await;
    let runs: usize = std::env::var("WEIR_MEASURE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    for runtime in [RuntimeEnvironment::Flink1_20, RuntimeEnvironment::Flink2_2] {
        let home = flink(runtime).await;
        let tmp = tempfile::tempdir().unwrap();
        let jar = build_jobs(&home, tmp.path());
        let mut registered = Vec::new();
        let mut running = Vec::new();
        let mut kills = Vec::new();
        let mut rss = Vec::new();
        for i in 0..runs {
            let dir = tmp.path().join(format!("cluster-{i}"));
            let mut spec = ClusterSpec::new(format!("measure-{i}"), &dir, home.clone());
            spec.task_managers = 2;
            spec.flink_config = service_like_config();
            if std::env::var_os("WEIR_MEASURE_NO_CDS").is_some() {
                spec.class_data_sharing = weir_runtime::ClassDataSharing::Off;
            }
            let t0 = Instant::now();
            let cluster = KillOnDrop::new(LocalCluster::launch(spec).await.unwrap());
            registered.push(t0.elapsed());
            let rest = cluster.rest();
            let jar_id = rest.upload_jar(&jar).await.unwrap();
            let job = rest.run_jar(&jar_id, &sleepy("measure", 2)).await.unwrap();
            wait_all_running(&rest, &job).await;
            running.push(t0.elapsed());
            let rss_mib = |pid: u32| {
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
                let kb: u64 = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                    .unwrap();
                kb / 1024
            };
            rss.push((
                rss_mib(cluster.job_manager_pid()),
                cluster
                    .task_manager_pids()
                    .into_iter()
                    .map(rss_mib)
                    .collect::<Vec<_>>(),
            ));
            let t1 = Instant::now();
            cluster.kill().await.unwrap();
            kills.push(t1.elapsed());
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        eprintln!(
            "[{}] {runs} runs, medians: launch→TMs registered {:?}; launch→job tasks RUNNING {:?}; kill {:?}\n  registered {:?}\n  running    {:?}",
            runtime.as_str(),
            median(&mut registered),
            median(&mut running),
            median(&mut kills),
            registered,
            running,
        );
        eprintln!("  RSS MiB with the job running (jm, [tms]): {rss:?}");
    }
}

/// The service's runtime library on every JVM's classpath: the
/// `getting-started` example (built by `scripts/build-examples.sh`), which
/// leaves `KinesisAnalyticsRuntime` out of its jar, reads its properties with
/// it in `main()` (the Job Manager) and in its task (a Task Manager) from the
/// file Weir names (`-Dweir.application.properties`, as `LocalRuntime` does),
/// and the class comes from Weir's jar; `getting-started-bundled`, which
/// carries a stand-in of the real library (only `/etc/flink/...`, absent
/// here), uses its own copy (Flink loads user classes child-first).
async fn service_library(runtime: RuntimeEnvironment) {
    let home = flink(runtime).await;
    let library = home
        .service_library
        .clone()
        .expect("Runtimes::ensure builds the library");
    let library_name = library.file_name().unwrap().to_string_lossy().into_owned();
    assert!(library.is_file(), "{}", library.display());
    assert!(
        !library.starts_with(&home.path),
        "never written into the distribution"
    );
    let tmp = tempfile::tempdir().unwrap();
    let examples = tmp.path().join("examples");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-examples.sh");
    let status = std::process::Command::new(script)
        .arg(&home.path)
        .arg(&examples)
        .arg("getting-started")
        .status()
        .expect("build-examples.sh");
    assert!(status.success(), "build-examples.sh getting-started");

    let props = tmp.path().join("application_properties.json");
    std::fs::write(
        &props,
        r#"[{"PropertyGroupId": "OutputConfig", "PropertyMap": {"tag": "from-weir"}},
            {"PropertyGroupId": "SourceConfig", "PropertyMap": {"records.per.second": 50}}]"#,
    )
    .unwrap();
    let dir = tmp.path().join("cluster");
    let mut spec = ClusterSpec::new("it-library", &dir, home.clone());
    spec.flink_config = service_like_config();
    spec.jvm_properties = vec![(
        "weir.application.properties".into(),
        props.display().to_string(),
    )];
    spec.env = vec![(
        "WEIR_APPLICATION_PROPERTIES".into(),
        props.display().to_string(),
    )];
    spec.startup_timeout = GENEROUS;
    let cluster = KillOnDrop::new(LocalCluster::launch(spec).await.unwrap());
    let rest = cluster.rest();
    let processes = cluster.processes();
    for p in &processes {
        // After lib/ (only Flink's Python support follows it), and the
        // class-data archives still map.
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap();
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let cp = args.iter().position(|a| a == "-classpath").unwrap();
        let python = home
            .python_jar()
            .expect("the distribution has opt/flink-python-*.jar");
        assert!(
            args[cp + 1].ends_with(&format!(":{}:{}", library.display(), python.display())),
            "{}",
            args[cp + 1]
        );
        let out = std::fs::read_to_string(p.log_file.with_extension("out")).unwrap();
        assert!(!out.contains("[cds]"), "{}: {out}", p.role);
    }
    let jm_log = &processes[0].log_file;
    let tm_out = processes[1].log_file.with_extension("out");

    for (jar, tag, from_library) in [
        ("getting-started.jar", "from-weir", true),
        ("getting-started-bundled.jar", "", false),
    ] {
        // Only what this job prints.
        let seen = std::fs::metadata(&tm_out).map(|m| m.len()).unwrap_or(0) as usize;
        let jar_id = rest.upload_jar(&examples.join(jar)).await.unwrap();
        let job = rest.run_jar(&jar_id, &RunJar::default()).await.unwrap();
        wait_all_running(&rest, &job).await;
        let line = wait_for(&format!("a line of {jar}"), GENEROUS, || async {
            let out = std::fs::read(&tm_out).ok()?;
            let out = String::from_utf8_lossy(out.get(seen..)?).into_owned();
            out.lines()
                .rfind(|l| l.split(',').count() == 4)
                .map(str::to_string)
        })
        .await;
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[1], tag, "the tag main() read: {line}");
        assert_eq!(fields[2], tag, "the tag the task read: {line}");
        assert_eq!(fields[3] == library_name, from_library, "{jar}: {line}");
        assert_ne!(fields[3], "unknown", "{line}");
        let log = std::fs::read_to_string(jm_log).unwrap();
        if from_library {
            assert!(
                log.contains(&format!("(KinesisAnalyticsRuntime from {library_name})")),
                "{log}"
            );
        } else {
            assert!(log.contains("no property group OutputConfig"), "{log}");
        }
        rest.cancel(&job).await.unwrap();
        wait_state(&rest, &job, JobState::Canceled).await;
        eprintln!("[{}] {jar}: {line}", runtime.as_str());
    }
    cluster.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flink_1_20_service_library() {
    let _one_at_a_time = FLINK.lock().await;
    service_library(RuntimeEnvironment::Flink1_20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flink_2_2_service_library() {
    let _one_at_a_time = FLINK.lock().await;
    service_library(RuntimeEnvironment::Flink2_2).await;
}

/// The other pinned runtimes start on this Java and run a job.
/// `cargo test -p weir-runtime --test flink -- --ignored --nocapture other_runtimes`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "installs three more Flink distributions: run explicitly"]
async fn other_runtimes_start_and_run_a_job() {
    let _one_at_a_time = FLINK.lock().await;
    for runtime in [
        RuntimeEnvironment::Flink1_18,
        RuntimeEnvironment::Flink1_19,
        RuntimeEnvironment::Flink2_3,
    ] {
        let home = flink(runtime).await;
        let tmp = tempfile::tempdir().unwrap();
        let jar = build_jobs(&home, tmp.path());
        let mut spec = ClusterSpec::new("other", tmp.path().join("cluster"), home);
        spec.flink_config = service_like_config();
        let cluster = KillOnDrop::new(LocalCluster::launch(spec).await.unwrap());
        let rest = cluster.rest();
        let jar_id = rest.upload_jar(&jar).await.unwrap();
        let job = rest.run_jar(&jar_id, &sleepy("other", 1)).await.unwrap();
        wait_all_running(&rest, &job).await;
        let checkpointing = rest.checkpoint_config(&job).await.unwrap();
        assert_eq!(
            checkpointing.interval_ms,
            Some(60_000),
            "{}",
            runtime.as_str()
        );
        eprintln!(
            "[{}] ok: launch→registered {:?}",
            runtime.as_str(),
            cluster.ready_after().unwrap()
        );
        cluster.kill().await.unwrap();
    }
}

/// Weir crashes (SIGKILL) with a cluster running: the JVMs live on, and the
/// next Weir adopts them. The "Weir" here is this test binary run again as
/// `crash_helper`, which launches a cluster and waits to be killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_survives_a_crash_of_its_launcher_and_is_adopted() {
    let _one_at_a_time = FLINK.lock().await;
    flink(RuntimeEnvironment::Flink1_20).await; // installed before the helper needs it
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let ready = tmp.path().join("ready");
    let mut helper = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_helper", "--ignored", "--nocapture"])
        .env("WEIR_CRASH_HELPER_DIR", &dir)
        .env("WEIR_CRASH_HELPER_READY", &ready)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Whatever happens below, no JVM of this cluster outlives the test.
    struct Sweep(PathBuf);
    impl Drop for Sweep {
        fn drop(&mut self) {
            for pid in processes_mentioning(&self.0) {
                // SAFETY: plain kill(2) of a process this test's helper started.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
    }
    let _sweep = Sweep(dir.clone());
    wait_for("the helper's cluster", GENEROUS, || async {
        ready.exists().then_some(())
    })
    .await;
    let pids = processes_mentioning(&dir);
    assert_eq!(pids.len(), 2, "a job manager and a task manager");

    helper.start_kill().unwrap(); // SIGKILL: no destructors, no clean-up
    helper.wait().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        processes_mentioning(&dir),
        pids,
        "the JVMs outlive their launcher"
    );

    let cluster = KillOnDrop::new(LocalCluster::adopt(&dir).await.unwrap());
    let mut adopted = vec![cluster.job_manager_pid()];
    adopted.extend(cluster.task_manager_pids());
    adopted.sort();
    assert_eq!(adopted, pids);
    assert_eq!(cluster.rest().taskmanagers().await.unwrap().len(), 1);
    cluster.kill().await.unwrap();
    assert_eq!(processes_mentioning(&dir), Vec::<u32>::new());
}

/// Not a test: the launcher that `the_cluster_survives_a_crash…` kills.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "helper process of another test"]
async fn crash_helper() {
    let (Some(dir), Some(ready)) = (
        std::env::var_os("WEIR_CRASH_HELPER_DIR"),
        std::env::var_os("WEIR_CRASH_HELPER_READY"),
    ) else {
        return; // run by hand: nothing to do
    };
    let home = flink(RuntimeEnvironment::Flink1_20).await;
    let cluster = LocalCluster::launch(ClusterSpec::new("it-crash", PathBuf::from(dir), home))
        .await
        .unwrap();
    std::fs::write(ready, cluster.rest_url()).unwrap();
    tokio::time::sleep(Duration::from_secs(600)).await;
}

/// A force stop while the cluster starts: the launch future is dropped, and
/// what it had started is gone. And `kill_recorded` stops a cluster nobody
/// holds a handle to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_launch_leaves_nothing_and_kill_recorded_needs_no_handle() {
    let _one_at_a_time = FLINK.lock().await;
    let home = flink(RuntimeEnvironment::Flink1_20).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let mut spec = ClusterSpec::new("it-cancel", &dir, home);
    spec.task_managers = 2;

    let launch = LocalCluster::launch(spec.clone());
    let early = tokio::time::timeout(Duration::from_millis(700), launch).await;
    assert!(early.is_err(), "a cluster does not start in 0.7 s");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(processes_mentioning(&dir), Vec::<u32>::new());
    assert!(!dir.join("cluster.json").exists());

    let cluster = LocalCluster::launch(spec).await.unwrap();
    drop(cluster); // no handle any more; the JVMs run on
    assert_eq!(processes_mentioning(&dir).len(), 3);
    let t0 = Instant::now();
    assert!(LocalCluster::kill_recorded(&dir).await.unwrap());
    eprintln!("kill_recorded took {:?}", t0.elapsed());
    assert_eq!(processes_mentioning(&dir), Vec::<u32>::new());
    assert!(!LocalCluster::kill_recorded(&dir).await.unwrap());
}

/// A stand-in for Weir's KinesisAnalyticsRuntime: it returns the text of
/// the properties resource (the real library parses it).
const STANDIN_LIBRARY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/standin-library/com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.java"
);

/// Lines the remote runtime writes to an application's log, kept.
#[derive(Default)]
struct KeptLog(std::sync::Mutex<Vec<String>>);

impl weir_runtime::backend::AppLog for KeptLog {
    fn log(&self, _app: &str, _level: weir_control::model::LogLevel, line: String) {
        self.0.lock().unwrap().push(line);
    }
}

/// A job written for the service, submitted by the remote runtime to a
/// cluster Weir treats as registered (no Weir setting on its JVMs): the
/// uploaded jar carries the application's properties and the library, and
/// main() finds them through `KinesisAnalyticsRuntime` on Flink's user-code
/// class loader (the stand-in); main() names the job after what it read, so
/// Flink's answer shows it.
/// (Without the library, main() fails: "Could not execute application".)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_cluster_runs_a_job_with_its_properties_from_the_jar() {
    use weir_control::model::{PropertyGroup, RuntimeEnvironment as R};
    use weir_control::spec::{create, NewApplication, Stamp};

    let _one_at_a_time = FLINK.lock().await;
    let home = flink(R::Flink1_20).await;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let job = "package example;
        import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
        import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
        public class Job {
            public static void main(String[] args) throws Exception {
                var env = StreamExecutionEnvironment.getExecutionEnvironment();
                env.fromSequence(1, 3).print();
                env.execute(KinesisAnalyticsRuntime.getApplicationProperties());
            }
        }";
    std::fs::create_dir_all(d.join("src/example")).unwrap();
    std::fs::write(d.join("src/example/Job.java"), job).unwrap();
    let run = |program: &str, args: &[String]| {
        let status = std::process::Command::new(program)
            .args(args)
            .current_dir(d)
            .status()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(status.success(), "{program} {args:?}");
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    run(
        "javac",
        &[
            args(&["--release", "11", "-nowarn", "-d", "classes", "-cp"]),
            vec![format!("{}/*", home.lib_dir().display())],
            args(&["src/example/Job.java", STANDIN_LIBRARY]),
        ]
        .concat(),
    );
    // The library is `provided`: left out of the application's jar.
    run(
        "jar",
        &args(&["cfe", "app.jar", "example.Job", "-C", "classes", "example"]),
    );
    run("jar", &args(&["cf", "lib.jar", "-C", "classes", "com"]));

    let mut spec = ClusterSpec::new("registered", d.join("cluster"), home.clone());
    spec.flink_config = service_like_config();
    spec.startup_timeout = GENEROUS;
    let cluster = KillOnDrop::new(LocalCluster::launch(spec).await.unwrap());

    let app = create(
        NewApplication {
            environment_properties: Some(vec![PropertyGroup {
                id: "Job".into(),
                properties: vec![("stream".into(), "orders".into())],
            }]),
            ..NewApplication::required(
                "props",
                "arn:aws:kinesisanalytics:us-east-1:000000000000:application/props",
                R::Flink1_20,
                "arn:aws:iam::000000000000:role/r",
                "06:00",
            )
        },
        &Stamp {
            now: 1,
            conditional_token: "t".into(),
        },
    )
    .unwrap();
    let log = std::sync::Arc::new(KeptLog::default());
    let remote = weir_runtime::backend::RemoteRuntime::new(
        &d.join("data"),
        Some(d.join("lib.jar")),
        log.clone(),
    );
    let record = weir_control::placement::ClusterRecord {
        name: "registered".into(),
        rest_url: cluster.rest_url().to_string(),
        runtime: R::Flink1_20,
        flink_version: home.version.to_string(),
        savepoint_dir: d.join("shared").display().to_string(),
        capacity_kpus: None,
        total_slots: 1,
        registered_ms: 1,
    };
    remote.place(&app, &record).await.unwrap();
    let submitted = remote
        .submit(&app, &d.join("app.jar"), None)
        .await
        .unwrap_or_else(|e| panic!("submit: {e}; log: {:?}", log.0.lock().unwrap()));
    assert_eq!(
        submitted.job_name, r#"[{"PropertyGroupId":"Job","PropertyMap":{"stream":"orders"}}]"#,
        "main() read the application's properties from the jar"
    );
    remote.kill("props").await;
    cluster.kill().await.unwrap();
}

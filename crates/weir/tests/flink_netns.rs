//! Smoke test of the standalone-cluster fixture of the remote runtime's
//! tests (tests/remote_harness): a Job Manager and two Task Managers, each
//! in its own network namespace on a private bridge, driven over Flink's
//! REST API; hosts cut off and restored, a Task Manager killed and started
//! again, and nothing left behind.
//!
//! Needs root (network namespaces), Java 17, Flink 1.20.5 in the shared
//! runtimes dir and the example jobs (scripts/setup-test-env.sh).

mod remote_harness;

use std::net::{SocketAddr, SocketAddrV4};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use remote_harness::*;
use weir_test_support::flink::{example_jar, flink_home, FLINK_1_20, FLINK_2_2};

/// Completed checkpoints of the job (`GET /jobs/:id/checkpoints`).
fn completed_checkpoints(c: &StandaloneCluster, job: &str) -> Result<u64, String> {
    let v = c.get(&format!("/jobs/{job}/checkpoints"))?;
    Ok(v["counts"]["completed"].as_u64().unwrap_or(0))
}

/// The job's status history as Flink records it: the states it ever was
/// in (non-zero timestamps).
fn states_seen(c: &StandaloneCluster, job: &str) -> Vec<String> {
    c.job(job)
        .map(|v| {
            v["timestamps"]
                .as_object()
                .map(|ts| {
                    ts.iter()
                        .filter(|(_, t)| t.as_i64().unwrap_or(0) > 0)
                        .map(|(s, _)| s.clone())
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// Polls the job's state and the registered Task Managers for `how_long`,
/// printing every change; returns the distinct states seen.
fn watch(c: &StandaloneCluster, job: &str, how_long: Duration, t0: Instant) -> Vec<String> {
    let end = Instant::now() + how_long;
    let mut last = String::new();
    let mut seen = Vec::new();
    while Instant::now() < end {
        let state = c
            .job_state(job)
            .unwrap_or_else(|e| format!("(no answer: {})", short(&e)));
        let full = c.job_fully_running(job).unwrap_or(false);
        let tms = c
            .registered_task_managers()
            .map(|t| format!("{t:?}"))
            .unwrap_or_else(|_| "?".into());
        let now = format!("job {state} all-tasks-running={full} tms={tms}");
        if now != last {
            eprintln!("  +{:5.1} s  {now}", t0.elapsed().as_secs_f64());
            last = now;
        }
        if !seen.contains(&state) {
            seen.push(state);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    seen
}

fn short(e: &str) -> String {
    e.chars().take(80).collect()
}

#[test]
fn standalone_cluster_on_its_own_network() {
    let stale = cleanup_stale();
    if !stale.is_empty() {
        eprintln!("removed leftovers of earlier runs: {stale:?}");
    }
    let home = flink_home(FLINK_1_20.version);
    let jar = example_jar(FLINK_1_20.version, "streaming-count");

    let opts = ClusterOptions::default()
        .config("execution.checkpointing.interval", "3 s")
        .config("restart-strategy.type", "fixed-delay")
        .config("restart-strategy.fixed-delay.attempts", "1000")
        .config("restart-strategy.fixed-delay.delay", "1 s");
    let c = StandaloneCluster::start(&home, opts);
    let id = c.id.clone();
    eprintln!(
        "cluster {id} ready after {:.1} s",
        c.ready_after.as_secs_f64()
    );

    // Two Task Managers, four slots.
    let mut tms = c.registered_task_managers().expect("GET /taskmanagers");
    tms.sort();
    assert_eq!(tms, ["tm1", "tm2"]);
    let overview = c.overview().expect("GET /overview");
    assert_eq!(overview["taskmanagers"], 2, "{overview}");
    assert_eq!(overview["slots-total"], 4, "{overview}");
    assert_eq!(c.total_slots(), 4);
    assert!(c.rest_url().starts_with("http://10."), "{}", c.rest_url());

    // The Job Manager listens on its own address, in its own namespace only.
    let jm_ns = c.namespace(Host::JobManager);
    let listeners = Command::new("ip")
        .args(["netns", "exec", &jm_ns, "ss", "-Hltn"])
        .output()
        .expect("ss in the JM's namespace");
    let listeners = String::from_utf8_lossy(&listeners.stdout);
    // `10.X.Y.2:8081`, or `[::ffff:10.X.Y.2]:8081` (a Java socket is IPv6).
    let jm_ip = c.address(Host::JobManager);
    let rest_listener = format!("{jm_ip}:{REST_PORT}");
    assert!(
        listeners.contains(&rest_listener)
            || listeners.contains(&format!("[::ffff:{jm_ip}]:{REST_PORT}")),
        "the REST API should listen on {rest_listener}:\n{listeners}"
    );
    let loopback = SocketAddr::from(([127, 0, 0, 1], REST_PORT));
    let root_listener = Command::new("ss")
        .args(["-Hltn", &format!("sport = :{REST_PORT}")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if root_listener.is_empty() {
        assert!(
            !tcp_reachable(loopback, Duration::from_secs(2)),
            "the JM must not be reachable on {loopback} from the root namespace"
        );
    } else {
        // Someone else's server on that port in the root namespace; ours
        // is not in it (checked by ss in the JM's namespace above).
        eprintln!("note: {loopback} is taken in the root namespace by: {root_listener}");
    }
    let jm_addr = SocketAddr::V4(SocketAddrV4::new(c.address(Host::JobManager), REST_PORT));
    assert!(tcp_reachable(jm_addr, Duration::from_secs(2)));

    // A job over REST, across both Task Managers (parallelism 4 = every slot).
    let out = c.root_dir().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let t = Instant::now();
    let job = c
        .submit(
            &jar,
            &["--rate", "100", "--output", &out.to_string_lossy()],
            4,
        )
        .expect("submit streaming-count");
    c.wait_for("job fully RUNNING", Duration::from_secs(120), |c| {
        Ok(c.job_fully_running(&job)?.then_some(()))
    });
    eprintln!(
        "job {job} fully RUNNING {:.1} s after upload",
        t.elapsed().as_secs_f64()
    );
    c.wait_for("a completed checkpoint", Duration::from_secs(60), |c| {
        Ok((completed_checkpoints(c, &job)? > 0).then_some(()))
    });
    let chk_dir = c.savepoint_dir().join(&job);
    assert!(
        chk_dir.is_dir(),
        "checkpoints go to the shared directory {}",
        chk_dir.display()
    );
    assert_eq!(c.jobs().unwrap().len(), 1);

    // Cut Task Manager 1 off: the JM loses it after the heartbeat timeout,
    // the job fails over and cannot get its 4 slots from TM 2 alone.
    eprintln!("cutting tm1 off");
    let t = Instant::now();
    c.cut(Host::TaskManager(1));
    assert!(c.is_cut(Host::TaskManager(1)));
    c.wait_for("tm1 lost", Duration::from_secs(60), |c| {
        Ok((c.registered_task_managers()? == ["tm2"]).then_some(()))
    });
    let lost_after = t.elapsed();
    eprintln!("JM dropped tm1 after {:.1} s", lost_after.as_secs_f64());
    let seen = watch(&c, &job, Duration::from_secs(8), t);
    eprintln!("states while tm1 was cut off: {seen:?}");
    assert!(
        states_seen(&c, &job).contains(&"RESTARTING".to_string()),
        "the job restarts when a Task Manager with its tasks is lost: {:?}",
        c.job(&job)
    );
    assert!(
        !c.job_fully_running(&job).unwrap(),
        "4 tasks cannot all run on TM 2's 2 slots"
    );
    eprintln!("restoring tm1");
    let t = Instant::now();
    c.restore(Host::TaskManager(1));
    c.wait_task_managers(2, Duration::from_secs(90));
    eprintln!(
        "tm1 registered again after {:.1} s",
        t.elapsed().as_secs_f64()
    );
    c.wait_for(
        "job fully RUNNING after tm1 came back",
        Duration::from_secs(120),
        |c| Ok(c.job_fully_running(&job)?.then_some(())),
    );
    eprintln!(
        "job fully RUNNING again {:.1} s after restore",
        t.elapsed().as_secs_f64()
    );

    // Cut the Job Manager off: the REST API does not answer from here, the
    // JM loses both TMs; once restored, it answers and the job runs again.
    eprintln!("cutting the JM off");
    let t = Instant::now();
    c.cut(Host::JobManager);
    assert!(c.get("/overview").is_err(), "a cut-off JM does not answer");
    std::thread::sleep(Duration::from_secs(15));
    assert!(c.get("/overview").is_err(), "a cut-off JM does not answer");
    eprintln!("restoring the JM after {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    c.restore(Host::JobManager);
    c.wait_for("REST answers again", Duration::from_secs(30), |c| {
        c.overview().map(Some)
    });
    eprintln!(
        "REST answered {:.1} s after restore",
        t.elapsed().as_secs_f64()
    );
    let seen = watch(&c, &job, Duration::from_secs(5), t);
    eprintln!("states after the JM came back: {seen:?}");
    eprintln!("what the JM logged about it:");
    for line in c.log_lines("jm.log", &["timed out", "switched from state"]) {
        eprintln!("  {}", line.chars().take(220).collect::<String>());
    }
    c.wait_task_managers(2, Duration::from_secs(90));
    c.wait_for(
        "job fully RUNNING after the JM came back",
        Duration::from_secs(120),
        |c| Ok(c.job_fully_running(&job)?.then_some(())),
    );
    eprintln!(
        "2 TMs and the job fully RUNNING {:.1} s after restoring the JM",
        t.elapsed().as_secs_f64()
    );

    // A host lost for good and a new one in its place.
    let mut c = c;
    eprintln!("killing tm2");
    let t = Instant::now();
    let tm2_pid = c.task_manager_pid(2).unwrap();
    c.kill_task_manager(2);
    assert!(!Path::new(&format!("/proc/{tm2_pid}")).exists());
    c.wait_for("tm2 lost", Duration::from_secs(60), |c| {
        Ok((c.registered_task_managers()? == ["tm1"]).then_some(()))
    });
    eprintln!(
        "JM dropped the killed tm2 after {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    c.start_task_manager(2);
    c.wait_for("tm2-2 registered", Duration::from_secs(120), |c| {
        let mut tms = c.registered_task_managers()?;
        tms.sort();
        Ok((tms == ["tm1", "tm2-2"]).then_some(()))
    });
    eprintln!(
        "new tm2-2 registered after {:.1} s",
        t.elapsed().as_secs_f64()
    );
    c.wait_for(
        "job fully RUNNING with tm2-2",
        Duration::from_secs(120),
        |c| Ok(c.job_fully_running(&job)?.then_some(())),
    );
    eprintln!(
        "job fully RUNNING again {:.1} s after the new TM started",
        t.elapsed().as_secs_f64()
    );

    c.cancel(&job).expect("cancel");
    c.wait_job_state(&job, "CANCELED", Duration::from_secs(60));

    // Dropping the cluster leaves nothing behind.
    let pids = c.pids();
    assert_eq!(pids.len(), 3);
    let root = c.root_dir().to_path_buf();
    drop(c);
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "JVM {pid} outlived the cluster"
        );
    }
    let left: Vec<String> = netns_list()
        .into_iter()
        .chain(link_list())
        .filter(|n| n.starts_with(&id))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!root.exists(), "{} left behind", root.display());
}

/// `cleanup_stale` removes namespaces and links named after a test process
/// that is gone, and leaves those of live ones alone.
#[test]
fn cleanup_stale_removes_leftovers_of_dead_tests() {
    // A pid that is not running (pid_max is at most 2^22).
    let dead = (4_000_000..4_194_304)
        .find(|p| !Path::new(&format!("/proc/{p}")).exists())
        .expect("a free pid");
    let ns = format!("wr{dead}z-jm");
    let bridge = format!("wr{dead}zbr");
    let live_bridge = format!("wr{}zbr", std::process::id());
    let ip = |args: &[&str]| {
        let ok = Command::new("ip").args(args).status().unwrap().success();
        assert!(ok, "ip {args:?}");
    };
    ip(&["netns", "add", &ns]);
    ip(&["link", "add", &bridge, "type", "bridge"]);
    ip(&["link", "add", &live_bridge, "type", "bridge"]);
    let removed = cleanup_stale();
    let links = link_list();
    let live_kept = links.contains(&live_bridge);
    let _ = Command::new("ip")
        .args(["link", "del", &live_bridge])
        .status();
    assert!(live_kept, "a live test's bridge was removed: {removed:?}");
    assert!(!netns_list().contains(&ns), "{ns} left: {removed:?}");
    assert!(!links.contains(&bridge), "{bridge} left: {removed:?}");
    assert!(removed.contains(&format!("netns {ns}")), "{removed:?}");
}

/// The same fixture runs Flink 2.x (config.yaml, no `--executionMode`).
#[test]
fn standalone_cluster_runs_flink_2() {
    let home = flink_home(FLINK_2_2.version);
    let jar = example_jar(FLINK_2_2.version, "streaming-count");
    let c = StandaloneCluster::start(&home, ClusterOptions::default());
    assert_eq!(c.flink_major, 2);
    let overview = c.overview().expect("GET /overview");
    assert_eq!(overview["taskmanagers"], 2, "{overview}");
    assert_eq!(overview["slots-total"], 4, "{overview}");
    assert!(
        overview["flink-version"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2."),
        "{overview}"
    );
    let job = c
        .submit(&jar, &["--rate", "100"], 4)
        .expect("submit streaming-count");
    c.wait_for("job fully RUNNING", Duration::from_secs(120), |c| {
        Ok(c.job_fully_running(&job)?.then_some(()))
    });
    c.cancel(&job).expect("cancel");
    c.wait_job_state(&job, "CANCELED", Duration::from_secs(60));
}

//! `weir-bench metrics`: what metrics cost (issue 6), on real Flink.
//!
//! Starts the release `weir server` in a temporary directory with the
//! installed Flink runtimes (nothing is downloaded), creates and starts
//! `--apps` applications of the streaming example (parallelism 1: one Job
//! Manager and one Task Manager each), waits until `/metrics` has every
//! application's figures, and measures:
//!
//! 1. **A scrape**: `--scrapes` sequential `GET /metrics` (a new connection
//!    each, as a Prometheus with `Connection: close`): latency (median, min,
//!    max), size in bytes and series, and weir's CPU per scrape.
//! 2. **The collector**: weir's CPU (utime + stime of its own process, from
//!    `/proc/<pid>/stat`, as % of one core) and RSS over `--window` seconds,
//!    for each collector interval of `--intervals` and then, for contrast,
//!    with an interval of a day (no collection after start-up): weir is
//!    restarted on the same data directory for each (SIGTERM; the clusters
//!    keep running and the new weir adopts them). The Flink JVMs' CPU over
//!    the same window shows what answering the collector costs them.
//!
//! The difference between an interval and the contrast, divided by the
//! rounds in the window, is the CPU of one round over every application.
//! Every JVM and weir are gone when it ends, also on an error, Ctrl-C or
//! SIGTERM (see `harness.rs`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weir_test_support::sample::Sample;

use crate::busy::BusyMeter;
use crate::harness::{
    describe_status, measure_window, mem_total_gb, or_interrupted, summary, wait_all_running,
    Fleet, Setup, SetupArgs, Window, BUSY_CORES,
};
use crate::print_flush;

/// "Never" for the contrast: one round at start-up (before the clusters
/// are adopted, so it finds none), then nothing for a day.
const OFF_SECS: u64 = 86_400;

#[derive(clap::Args, Debug)]
pub struct MetricsArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// Applications RUNNING at once.
    #[arg(long, default_value_t = 5)]
    apps: usize,
    /// Timed GET /metrics (after 3 untimed ones).
    #[arg(long, default_value_t = 50)]
    scrapes: usize,
    /// Seconds of back-to-back GET /metrics over which weir's CPU per scrape
    /// is measured (its CPU time comes in 10 ms ticks: a few seconds of
    /// scrapes make it exact enough).
    #[arg(long, default_value_t = 5)]
    scrape_cpu_secs: u64,
    /// Collector intervals to measure, in seconds (comma-separated); the
    /// first is the one the scrapes run with.
    #[arg(long, value_delimiter = ',', default_value = "10,1")]
    intervals: Vec<u64>,
    /// Seconds over which weir's CPU is measured, per run.
    #[arg(long, default_value_t = 30)]
    window: u64,
    /// Windows per interval (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Seconds to let weir settle after each (re)start before measuring.
    #[arg(long, default_value_t = 10)]
    settle: u64,
    /// Records per second each job's source emits.
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Memory per Task Manager (weir --task-manager-memory-mb).
    #[arg(long, default_value_t = 1024)]
    task_manager_memory_mb: u64,
    /// Memory per Job Manager (weir --job-manager-memory-mb); weir's minimum is 704.
    #[arg(long, default_value_t = 704)]
    job_manager_memory_mb: u64,
    /// Seconds the applications may take to reach RUNNING.
    #[arg(long, default_value_t = 300)]
    start_timeout: u64,
    /// Keep the temporary directory (weir's data and logs, the clusters' logs).
    #[arg(long)]
    keep_dir: bool,
    /// Before each phase, wait up to this many seconds while other JVMs run
    /// on the machine or other processes use more than half a core.
    #[arg(long, default_value_t = 0)]
    wait_quiet: u64,
}

/// Runs the benchmark and always cleans up.
pub async fn main(args: &MetricsArgs) -> Result<bool> {
    if args.apps == 0 || args.scrapes == 0 || args.runs == 0 || args.window == 0 {
        bail!("--apps, --scrapes, --runs and --window must be at least 1");
    }
    if args.intervals.is_empty() || args.intervals.contains(&0) {
        bail!("--intervals needs at least one interval of 1 s or more");
    }
    let setup = Setup::check("metrics", &args.setup, "streaming-count")?;
    let mut fleet = Fleet::new("metrics", args.keep_dir, Duration::from_millis(100))?;
    let outcome = or_interrupted("metrics", run(args, &setup, &mut fleet)).await;
    let clean = fleet.cleanup().await;
    outcome.map(|ok| ok && clean)
}

fn app_name(i: usize) -> String {
    format!("metered-{i}")
}

fn app_names(apps: usize) -> Vec<String> {
    (1..=apps).map(app_name).collect()
}

fn server_args(args: &MetricsArgs, interval: u64) -> Vec<String> {
    vec![
        "--task-manager-memory-mb".into(),
        args.task_manager_memory_mb.to_string(),
        "--job-manager-memory-mb".into(),
        args.job_manager_memory_mb.to_string(),
        "--start-timeout-secs".into(),
        args.start_timeout.to_string(),
        "--metrics-interval-secs".into(),
        interval.to_string(),
    ]
}

fn create_body(app: &str, runtime: &str, code_base64: &str, output: &str, rate: u32) -> Value {
    Sample::new(app, runtime, code_base64)
        .sink(std::path::Path::new(output))
        .source(rate, None)
        .request()
}

/// One `GET /metrics`: (time to the whole answer, status, body).
async fn scrape(addr: SocketAddr) -> Result<(Duration, u16, String)> {
    let t0 = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let took = t0.elapsed();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("an HTTP answer without a body")?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("an HTTP answer without a status")?;
    Ok((took, status, body.to_string()))
}

/// The sample lines of an exposition.
fn series(body: &str) -> impl Iterator<Item = &str> {
    body.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Waits until `/metrics` has records per second above 0 for every application.
async fn wait_collected(fleet: &Fleet, apps: usize, timeout: Duration) -> Result<f64> {
    let t0 = Instant::now();
    loop {
        let (_, status, body) = scrape(fleet.server().addr).await?;
        if status != 200 {
            bail!("GET /metrics answered {status}: {body}");
        }
        let missing: Vec<String> = (1..=apps)
            .map(app_name)
            .filter(|app| {
                let prefix = format!("weir_numRecordsInPerSecond{{application=\"{app}\"}} ");
                !series(&body).any(|l| {
                    l.strip_prefix(&prefix)
                        .and_then(|v| v.parse::<f64>().ok())
                        .is_some_and(|v| v > 0.0)
                })
            })
            .collect();
        if missing.is_empty() {
            return Ok(t0.elapsed().as_secs_f64());
        }
        if t0.elapsed() > timeout {
            bail!(
                "/metrics has no records per second of {} after {timeout:?}",
                missing.join(", ")
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Flink's tasks (vertices) of one application's job, from its own REST API.
async fn flink_tasks(fleet: &Fleet, app: &str) -> Result<usize> {
    let record: Value = serde_json::from_slice(&std::fs::read(
        fleet
            .data_dir()
            .join("clusters")
            .join(app)
            .join("cluster.json"),
    )?)?;
    let url = record["rest_url"]
        .as_str()
        .context("cluster.json without rest_url")?;
    let addr: SocketAddr = url.trim_start_matches("http://").parse()?;
    let get = |path: String| async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        // Flink answers small documents in one piece, large ones chunked.
        let json = body.find(['{', '[']).map_or(body, |start| &body[start..]);
        let end = json.rfind(['}', ']']).map_or(0, |e| e + 1);
        anyhow::Ok(serde_json::from_str::<Value>(&json[..end])?)
    };
    let jobs = get("/jobs/overview".into()).await?;
    let id = jobs["jobs"]
        .as_array()
        .and_then(|j| j.iter().find(|j| j["state"] == "RUNNING"))
        .and_then(|j| j["jid"].as_str())
        .context("no RUNNING job")?
        .to_string();
    let job = get(format!("/jobs/{id}")).await?;
    Ok(job["vertices"].as_array().map_or(0, Vec::len))
}

/// Everything measured with one collector interval.
struct Phase {
    interval: u64,
    windows: Vec<Window>,
}

impl Phase {
    fn median(&self, f: impl Fn(&Window) -> f64) -> f64 {
        summary(&self.windows.iter().map(f).collect::<Vec<_>>()).1
    }
}

async fn run(args: &MetricsArgs, setup: &Setup, fleet: &mut Fleet) -> Result<bool> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("weir-bench metrics");
    setup.print_runtime();
    println!(
        "  {} applications of {} at parallelism 1, {} records/s each (1 Job Manager of {} MiB + 1 Task Manager of {} MiB each)",
        args.apps,
        setup.jar.display(),
        args.rate,
        args.job_manager_memory_mb,
        args.task_manager_memory_mb
    );
    println!(
        "  machine: {cores} cores, {:.1} GB memory; weir, its JVMs and this benchmark share them",
        mem_total_gb()
    );
    let first = args.intervals[0];
    fleet.start_weir(&args.setup.weir_bin, setup, &server_args(args, first))?;
    println!(
        "  weir: pid {} on {}, --metrics-interval-secs {first}, data in {}",
        fleet.server().pid(),
        fleet.server().addr,
        fleet.data_dir().display()
    );
    let mut busy_phases = Vec::new();
    fleet
        .quiet_probe(
            Duration::from_secs(args.wait_quiet),
            "starting",
            "starting",
            &mut busy_phases,
        )
        .await;
    println!();

    print_flush(&format!("starting {} applications ... ", args.apps));
    for i in 1..=args.apps {
        let app = app_name(i);
        let output = fleet.dir().join("out").join(&app).display().to_string();
        let body = create_body(&app, &setup.runtime, &setup.code_base64, &output, args.rate);
        fleet.create(&app, &body).await?;
    }
    let mut client = fleet.client();
    for i in 1..=args.apps {
        crate::harness::call(
            &mut client,
            "StartApplication",
            &json!({ "ApplicationName": app_name(i) }),
        )
        .await?;
    }
    let timeout = Duration::from_secs(args.start_timeout);
    let running = wait_all_running(
        fleet,
        &app_names(args.apps),
        Duration::from_millis(500),
        timeout,
    )
    .await?;
    println!("all RUNNING after {running:.1} s");
    print_flush("waiting for every application's figures in /metrics ... ");
    let collected = wait_collected(fleet, args.apps, timeout).await?;
    println!("{collected:.1} s");
    let task_managers = {
        let (_, _, body) = scrape(fleet.server().addr).await?;
        series(&body)
            .filter(|l| l.starts_with("weir_threadsCount{") && l.contains("task_manager="))
            .count()
    };
    let tasks = flink_tasks(fleet, &app_name(1)).await.unwrap_or(0);

    // 1. Scrapes.
    fleet.wait_quiet(Duration::from_secs(args.wait_quiet)).await;
    print_flush(&format!("{} scrapes of GET /metrics ... ", args.scrapes));
    for _ in 0..3 {
        scrape(fleet.server().addr).await?;
    }
    let mut latencies = Vec::with_capacity(args.scrapes);
    let mut bytes = 0;
    let mut lines = 0;
    for _ in 0..args.scrapes {
        let (took, status, body) = scrape(fleet.server().addr).await?;
        if status != 200 {
            bail!("GET /metrics answered {status}: {body}");
        }
        latencies.push(took.as_secs_f64() * 1e3);
        bytes = body.len();
        lines = series(&body).count();
    }
    let (lat_min, lat_median, lat_max) = summary(&latencies);
    println!("median {lat_median:.2} ms");
    print_flush(&format!(
        "back-to-back scrapes for {} s (weir's CPU per scrape) ... ",
        args.scrape_cpu_secs
    ));
    let meter = BusyMeter::start(fleet.ours_cpu());
    let cpu0 = fleet.server().cpu_seconds()?;
    let t0 = Instant::now();
    let mut back_to_back = 0u64;
    while t0.elapsed() < Duration::from_secs(args.scrape_cpu_secs.max(1)) {
        scrape(fleet.server().addr).await?;
        back_to_back += 1;
    }
    let scrape_rate = back_to_back as f64 / t0.elapsed().as_secs_f64();
    let scrape_cpu_us = (fleet.server().cpu_seconds()? - cpu0) * 1e6 / back_to_back.max(1) as f64;
    let scrape_others = meter.other_cores(fleet.ours_cpu());
    println!("{back_to_back} scrapes, {scrape_cpu_us:.0} us each");

    // 2. The collector, interval by interval, then off.
    let mut phases: Vec<Phase> = Vec::new();
    let mut plan: Vec<u64> = args.intervals.clone();
    plan.push(OFF_SECS);
    for (n, &interval) in plan.iter().enumerate() {
        let label = interval_label(interval);
        if n > 0 {
            print_flush(&format!("restarting weir with the interval {label} ... "));
            fleet
                .restart_weir(&args.setup.weir_bin, setup, &server_args(args, interval))
                .await?;
            let took = wait_all_running(
                fleet,
                &app_names(args.apps),
                Duration::from_millis(500),
                timeout,
            )
            .await?;
            println!(
                "pid {}, all RUNNING after {took:.1} s",
                fleet.server().pid()
            );
            if interval != OFF_SECS {
                wait_collected(fleet, args.apps, timeout).await?;
            }
        }
        fleet.wait_quiet(Duration::from_secs(args.wait_quiet)).await;
        tokio::time::sleep(Duration::from_secs(args.settle)).await;
        let mut windows = Vec::new();
        for run in 1..=args.runs {
            print_flush(&format!(
                "interval {label}: window {run}/{} of {} s ... ",
                args.runs, args.window
            ));
            let w = measure_window(fleet, args.window).await?;
            println!(
                "weir {:.3} % of one core, RSS {:.1} MB; JVMs {:.2} cores; others {:.2} cores",
                w.weir_percent, w.rss_mb, w.jvm_cores, w.others
            );
            if w.others > BUSY_CORES {
                busy_phases.push(format!(
                    "interval {label}, window {run}: {:.2} cores",
                    w.others
                ));
            }
            windows.push(w);
        }
        phases.push(Phase { interval, windows });
    }
    let mut client = fleet.client();
    for i in 1..=args.apps {
        let status = describe_status(&mut client, &app_name(i)).await?;
        if status != "RUNNING" {
            bail!("{} is {status} after the windows, not RUNNING", app_name(i));
        }
    }

    println!();
    println!(
        "== Results ({} applications RUNNING, {cores} cores) ==",
        args.apps
    );
    println!(
        "GET /metrics: {bytes} bytes, {lines} series; latency over {} scrapes (new connection each): median {lat_median:.2} ms (min {lat_min:.2}, max {lat_max:.2})",
        args.scrapes
    );
    println!(
        "  weir CPU {scrape_cpu_us:.0} us per scrape ({back_to_back} back-to-back scrapes, {scrape_rate:.0}/s from one client)"
    );
    if scrape_others > BUSY_CORES {
        println!("  warning: other processes used {scrape_others:.2} cores meanwhile");
    }
    let per_app = 4 + task_managers / args.apps.max(1) + tasks;
    println!(
        "Collector: per application and round {per_app} Flink REST requests (4 + {} Task Manager(s) + {tasks} task(s)); {} per round for {} applications",
        task_managers / args.apps.max(1),
        per_app * args.apps,
        args.apps
    );
    println!(
        "  {:<10} {:>18} {:>10} {:>14} {:>12} {:>16}",
        "interval", "weir % of a core", "RSS MB", "RSS max MB", "JVMs cores", "others cores"
    );
    let off = phases.iter().find(|p| p.interval == OFF_SECS);
    for p in &phases {
        println!(
            "  {:<10} {:>18.3} {:>10.1} {:>14.1} {:>12.2} {:>16.2}",
            interval_label(p.interval),
            p.median(|w| w.weir_percent),
            p.median(|w| w.rss_mb),
            p.median(|w| w.rss_max_mb),
            p.median(|w| w.jvm_cores),
            p.median(|w| w.others),
        );
    }
    if let Some(off) = off {
        for p in phases.iter().filter(|p| p.interval != OFF_SECS) {
            // CPU seconds per second more than without rounds, times the
            // seconds per round.
            let extra = (p.median(|w| w.weir_percent) - off.median(|w| w.weir_percent)) / 100.0;
            let per_round_ms = extra * p.interval as f64 * 1e3;
            let jvm_extra = p.median(|w| w.jvm_cores) - off.median(|w| w.jvm_cores);
            // CPU time comes in 10 ms ticks: each window's figure is off by
            // up to one, the difference of two by up to two.
            let measured = (args.runs * args.window as usize) as f64;
            let resolution_ms = 2.0 * 10.0 / measured * p.interval as f64;
            println!(
                "  interval {}: the collector costs weir {:+.3} % of a core, ≈ {:.1} ms (± {:.1}) of CPU per round over {} applications; the JVMs {:+.3} cores",
                interval_label(p.interval),
                extra * 100.0,
                per_round_ms,
                resolution_ms,
                args.apps,
                jvm_extra
            );
        }
    }
    if !busy_phases.is_empty() {
        println!(
            "  note: the machine was busy during: {}; figures are disturbed",
            busy_phases.join("; ")
        );
    }
    Ok(true)
}

fn interval_label(secs: u64) -> String {
    if secs == OFF_SECS {
        "off".to_string()
    } else {
        format!("{secs} s")
    }
}

//! `weir-bench`: the control plane's benchmark (issue 2), run by `scripts/bench`.
//!
//! Starts `weir server` and `moto_server`, fills each with 1,000 applications,
//! drives SigV4-signed DescribeApplication load at concurrency 16 against both,
//! grows weir to 10,000 applications, times full ListApplications walks and
//! reads weir's RSS; then prints the figures against the targets. It exits
//! non-zero when something fails (a server, a refused request, a wrong walk),
//! not when a target is missed.
//!
//! `weir-bench lifecycle` (run by `scripts/bench lifecycle`) is issue 3's
//! benchmark: application starts and stops on real Flink clusters and weir's
//! own overhead with applications running; see `lifecycle.rs`.
//!
//! `weir-bench state` (run by `scripts/bench state`) is the benchmark of
//! "Keep state across every change": snapshot, live update, rollback and
//! stop-with-snapshot of one stateful application on real Flink; see
//! `state.rs`.
//!
//! `weir-bench autoscale` (run by `scripts/bench autoscale`) is the benchmark
//! of "Autoscaling: AUTOSCALING that reacts to load, with less downtime than
//! the service": time from the decision to RUNNING at the new parallelism
//! and the job's downtime, for in-place and snapshot-restart rescaling; see
//! `autoscale.rs`.
//!
//! `weir-bench metrics` (run by `scripts/bench metrics`) is the benchmark of
//! metrics (issue 6): the cost of one `GET /metrics` scrape and of the
//! collector with applications running (weir's CPU and RSS); see
//! `metrics.rs`. The four share `harness.rs`, and with the tests
//! `weir_test_support` (starting weir, /proc, the sample application).
//!
//! `weir-bench fuzz` (run by `scripts/bench fuzz`) is the model-driven random
//! API client of "bad input never hurts" (issue 7): random operations and
//! payloads from the API models, checked response by response and the
//! catalogue afterwards; see `weir_test_support::fuzz` (shared with the
//! test `crates/weir/tests/fuzz_api.rs`) and `fuzz_run.rs`.
//!
//! `weir-bench remote` (run by `scripts/bench remote`) is issue 8's
//! benchmark: start latency on a warm remote Flink cluster (registered with
//! weir, no JVM to start) and weir's CPU and RSS per job supervised there;
//! see `remote.rs`.
//!
//! `weir-bench python` (run by `scripts/bench python`) is the benchmark of
//! Python applications: the first start of a PyFlink application with the
//! runtime's Python environment installed on the way, later starts against
//! its Java twin (interleaved, every start cold) and where the difference
//! goes, and the environment's disk; see `python.rs`.
//!
//! `weir-bench robustness` (run by `scripts/bench robustness`) is issue 7's
//! report in one: the fuzz run, then the chaos run on real Flink (the
//! ignored `long_run` test of `crates/weir/tests/flink_chaos.rs`, whose
//! figures it reads from a JSON summary), then one report of both; see
//! `robustness.rs`.

mod autoscale;
mod busy;
mod client;
mod fuzz_run;
mod harness;
mod lifecycle;
mod load;
mod metrics;
mod procs;
mod python;
mod remote;
mod robustness;
mod snapshots;
mod state;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Parser;

use busy::BusyMeter;

use client::Transport;
use load::{Endpoint, LoadResult, LoadSettings};
use procs::Server;
use weir_test_support::sign::{SignerKind, SigningConfig};

const ACCESS_KEY_ID: &str = "AKIDWEIRBENCH0000000";
const SECRET_ACCESS_KEY: &str = "weir-bench/secret/0000000000000000000000";
const TARGET_RPS: f64 = 20_000.0;
const TARGET_P99_MS: f64 = 5.0;
const TARGET_RSS_MB: f64 = 150.0;

#[derive(Parser, Debug)]
#[command(
    about = "Benchmark weir's control plane (and moto_server for comparison); \
             `weir-bench lifecycle` times application starts and stops on real Flink; \
             `weir-bench state` times snapshots, live updates, rollbacks and \
             stops with a snapshot on real Flink; `weir-bench autoscale` times \
             autoscaling (in place and through a snapshot) on real Flink; \
             `weir-bench metrics` measures GET /metrics and the metrics collector; \
             `weir-bench remote` times starts on a registered Flink cluster and \
             measures weir's cost per job supervised there; \
             `weir-bench python` times a Python application's first and later \
             starts against its Java twin and measures its environment's disk; \
             `weir-bench snapshots` times enhanced snapshots' import and export; \
             `weir-bench fuzz` sends random requests from the API models; \
             `weir-bench robustness` runs it and the chaos run on real Flink \
             and prints one report",
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The weir binary.
    #[arg(long, default_value = "target/release/weir")]
    weir_bin: PathBuf,
    /// The moto_server executable.
    #[arg(long, default_value = ".venv/bin/moto_server")]
    moto_bin: PathBuf,
    /// Measured seconds of DescribeApplication load per server (after the warm-up).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Warm-up seconds before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Concurrent connections (one task each) for the DescribeApplication load.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Catalogue size for the DescribeApplication load.
    #[arg(long, default_value_t = 1_000)]
    apps: usize,
    /// Catalogue size for the ListApplications walk and the RSS figure.
    #[arg(long, default_value_t = 10_000)]
    list_apps: usize,
    /// Number of timed ListApplications walks (the median is reported).
    #[arg(long, default_value_t = 5)]
    walks: usize,
    /// Do not run moto_server (no comparison).
    #[arg(long)]
    skip_moto: bool,
    /// Do not run weir (to check the load generator against moto alone).
    #[arg(long)]
    skip_weir: bool,
    /// HTTP client transport.
    #[arg(long, value_enum, default_value_t = Transport::Raw)]
    client: Transport,
    /// SigV4 signer: `fast` caches the daily signing key, `sdk` is the AWS SDK's full path.
    #[arg(long, value_enum, default_value_t = SignerKind::Fast)]
    signer: SignerKind,
    /// Runtime threads for the client (1 = a single-threaded runtime).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// StartApplication/StopApplication/force stop on real Flink clusters, and
    /// weir's CPU and RSS with applications running (issue 3).
    Lifecycle(lifecycle::LifecycleArgs),
    /// CreateApplicationSnapshot → READY, a live UpdateApplication (parallelism
    /// 1 ↔ 2) with its downtime, RollbackApplication with its downtime, and
    /// StopApplication with a snapshot, on one stateful application on real
    /// Flink ("Keep state across every change").
    State(state::StateArgs),
    /// Autoscaling of one stateful application under a switched CPU load on
    /// real Flink: decision → RUNNING at the new parallelism and the job's
    /// downtime, 1 → 2 and 2 → 1, in place and through a snapshot and restart.
    Autoscale(autoscale::AutoscaleArgs),
    /// The cost of one GET /metrics scrape (latency, size, weir's CPU) and of
    /// the metrics collector (weir's CPU and RSS, per interval and without)
    /// with applications running on real Flink.
    Metrics(metrics::MetricsArgs),
    /// The remote runtime on a standalone Flink cluster the benchmark starts
    /// and registers: StartApplication → RUNNING on the warm cluster (target
    /// ≤ 2 s), and weir's CPU and RSS per job with many small applications
    /// RUNNING there.
    Remote(remote::RemoteArgs),
    /// A Python (PyFlink) application on real Flink: its first start with
    /// the runtime's Python environment installed on the way, later starts
    /// against its Java twin of the same shape (interleaved, every start
    /// cold; target ≤ 1.5× the Java start) and where the difference goes,
    /// and the disk the environment takes.
    Python(python::PythonArgs),
    /// Enhanced snapshots that travel: ImportSnapshot and ExportSnapshot of
    /// savepoints of 1 MiB and 1 GiB (by default) through the API, against
    /// the embedded bucket store, timed, with weir's peak resident memory.
    Snapshots(snapshots::SnapshotsArgs),
    /// Random operations and payloads from the Kinesis Analytics V2 and
    /// CloudWatch Logs models (valid-ish and hostile), signed or not, against
    /// a real weir without Flink: no 5xx, every error AWS-shaped, the
    /// catalogue consistent afterwards.
    Fuzz(fuzz_run::FuzzArgs),
    /// Issue 7's report: the fuzz run, then the chaos run on real Flink
    /// (weir SIGKILLed inside operations), then one report of both: crash
    /// points, applications and jobs checked, records lost, stray processes,
    /// restarts avoided by adoption, recovery time, fuzz requests and
    /// failures.
    Robustness(robustness::RobustnessArgs),
}

fn main() {
    let args = Args::parse();
    let blocking = match &args.command {
        Some(Command::Fuzz(a)) => Some(("fuzz", fuzz_run::main(a))),
        Some(Command::Robustness(a)) => Some(("robustness", robustness::main(a))),
        _ => None,
    };
    if let Some((name, outcome)) = blocking {
        match outcome {
            Ok(true) => return,
            Ok(false) => std::process::exit(1),
            Err(e) => {
                eprintln!("weir-bench {name}: error: {e:#}");
                std::process::exit(2);
            }
        }
    }
    if let Some(command) = &args.command {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        // Each main handles Ctrl-C itself: it must stop the clusters.
        let (name, outcome) = match command {
            Command::Lifecycle(a) => ("lifecycle", runtime.block_on(lifecycle::main(a))),
            Command::State(a) => ("state", runtime.block_on(state::main(a))),
            Command::Autoscale(a) => ("autoscale", runtime.block_on(autoscale::main(a))),
            Command::Metrics(a) => ("metrics", runtime.block_on(metrics::main(a))),
            Command::Remote(a) => ("remote", runtime.block_on(remote::main(a))),
            Command::Python(a) => ("python", runtime.block_on(python::main(a))),
            Command::Snapshots(a) => ("snapshots", runtime.block_on(snapshots::main(a))),
            Command::Fuzz(_) | Command::Robustness(_) => unreachable!("handled above"),
        };
        drop(runtime);
        match outcome {
            Ok(true) => {}
            Ok(false) => std::process::exit(1),
            Err(e) => {
                eprintln!("weir-bench {name}: error: {e:#}");
                std::process::exit(2);
            }
        }
        return;
    }
    let runtime = if args.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads)
            .enable_all()
            .build()
    }
    .expect("tokio runtime");
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = run(&args) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    // Dropping the runtime here, before exiting, drops (and kills) the servers.
    drop(runtime);
    match outcome {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("weir-bench: error: {e:#}");
            std::process::exit(2);
        }
    }
}

/// Everything measured for one server's DescribeApplication run.
struct ServerRun {
    populate: Duration,
    load: LoadResult,
}

/// Runs the benchmark; `Ok(false)` when it completed but saw request errors.
async fn run(args: &Args) -> Result<bool> {
    if args.apps == 0 || args.list_apps < args.apps || args.concurrency == 0 {
        bail!("need 0 < --apps <= --list-apps and --concurrency > 0");
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("weir-bench");
    println!(
        "  machine: {cores} cores, shared by the client and the server under test \
         (moto is stopped before weir's later phases)"
    );
    println!(
        "  client: {} transport, {} signer, {} runtime thread(s), every request SigV4-signed",
        format!("{:?}", args.client).to_lowercase(),
        format!("{:?}", args.signer).to_lowercase(),
        args.client_threads.max(1)
    );
    let idle = BusyMeter::start(0.0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let other = idle.other_cores(0.0);
    println!("  before starting: other processes use {other:.2} cores");
    if other > BUSY_CORES {
        println!(
            "  warning: the machine is busy; the figures will be lower than on a quiet machine"
        );
    }
    let settings = LoadSettings {
        concurrency: args.concurrency,
        apps: args.apps,
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
    };
    let work = tempfile::Builder::new().prefix("weir-bench-").tempdir()?;
    let endpoint = |server: &Server| Endpoint {
        addr: server.addr,
        signing: SigningConfig {
            access_key_id: ACCESS_KEY_ID.into(),
            secret_access_key: SECRET_ACCESS_KEY.into(),
            region: "us-east-1".into(),
            service: "kinesisanalytics".into(),
            host: server.addr.to_string(),
        },
        transport: args.client,
        signer: args.signer,
    };

    let mut weir = None;
    if !args.skip_weir {
        let data = work.path().join("weir-data");
        std::fs::create_dir(&data)?;
        let server = Server::start_weir(
            &args.weir_bin,
            &data,
            work.path().join("weir.log"),
            (ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            &[],
            &[],
            None,
        )?;
        println!("  weir: pid {} on {}", server.pid(), server.addr);
        weir = Some(server);
    }
    let mut moto = None;
    if !args.skip_moto {
        let server = Server::start_moto(&args.moto_bin, work.path().join("moto.log"))?;
        println!("  moto: pid {} on {}", server.pid(), server.addr);
        moto = Some(server);
    }
    println!();

    let mut weir_run = None;
    let mut rss_small = None;
    if let Some(server) = &weir {
        weir_run = Some(describe_phase(server, &endpoint(server), args, &settings).await?);
        rss_small = Some(server.memory_mb()?);
    }
    let mut moto_run = None;
    if let Some(server) = &moto {
        moto_run = Some(describe_phase(server, &endpoint(server), args, &settings).await?);
    }
    // moto has done its part; free its share of the cores.
    drop(moto.take());

    let mut list = None;
    if let Some(server) = &weir {
        let ep = endpoint(server);
        print_flush(&format!(
            "weir: growing the catalogue to {} applications ... ",
            args.list_apps
        ));
        let grow = load::populate(&ep, args.apps + 1, args.list_apps, args.concurrency)
            .await
            .with_context(|| format!("weir log ends:\n{}", server.log_tail(20)))?;
        println!("{:.1} s", grow.as_secs_f64());
        let mut client = ep.client();
        let mut walks = Vec::new();
        let busy = BusyMeter::start(server_cpu(Some(server)));
        for i in 0..args.walks.max(1) {
            let walk = load::list_walk(&mut client, args.list_apps).await?;
            println!(
                "weir: ListApplications walk {}: {} pages, {:.1} ms",
                i + 1,
                walk.pages,
                walk.elapsed.as_secs_f64() * 1e3
            );
            walks.push(walk);
        }
        let other = busy.other_cores(server_cpu(Some(server)));
        let rss = server.memory_mb()?;
        list = Some((grow, walks, other, rss));
    }

    println!();
    println!("== Results ==");
    let mut failed = false;
    println!(
        "DescribeApplication: concurrency {}, {} applications, {} s warm-up + {} s measured",
        args.concurrency, args.apps, args.warmup, args.duration
    );
    println!(
        "  {:<6} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>10} {:>11} {:>11}",
        "",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "srv cores",
        "srv us/req",
        "cli us/req"
    );
    for (name, run) in [("weir", &weir_run), ("moto", &moto_run)] {
        let Some(run) = run else { continue };
        let l = &run.load;
        let per_req = |cpu: f64| cpu * 1e6 / l.ok.max(1) as f64;
        println!(
            "  {:<6} {:>9.0} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>7} {:>10.2} {:>11.1} {:>11.1}",
            name,
            l.throughput(),
            l.quantile_ms(0.50),
            l.quantile_ms(0.90),
            l.quantile_ms(0.99),
            l.quantile_ms(1.0),
            l.errors,
            l.server_cpu / l.elapsed.as_secs_f64(),
            per_req(l.server_cpu),
            per_req(l.client_cpu),
        );
        warn_if_busy(l.other_cores());
        if name == "weir" && l.ok > 0 {
            let both = per_req(l.server_cpu) + per_req(l.client_cpu);
            println!(
                "         CPU bound: {cores} cores / ({:.1} + {:.1}) us per request \
                 = at most {:.0} req/s with the client on the same machine",
                per_req(l.server_cpu),
                per_req(l.client_cpu),
                cores as f64 * 1e6 / both
            );
        }
        if l.connects > args.concurrency as u64 {
            println!(
                "         note: {} connections for {} tasks (the server closed some)",
                l.connects, args.concurrency
            );
        }
        if l.errors > 0 {
            failed = true;
            println!(
                "         first error: {}",
                l.first_error.as_deref().unwrap_or("?")
            );
        }
    }
    for (name, run) in [("weir", &weir_run), ("moto", &moto_run)] {
        if let Some(run) = run {
            println!(
                "  {name}: populated {} applications in {:.2} s ({:.0} creates/s)",
                args.apps,
                run.populate.as_secs_f64(),
                args.apps as f64 / run.populate.as_secs_f64()
            );
        }
    }
    if let (Some(w), Some(m)) = (&weir_run, &moto_run) {
        let (w, m) = (&w.load, &m.load);
        let (p50, p99) = (
            w.quantile_ms(0.50) / m.quantile_ms(0.50),
            w.quantile_ms(0.99) / m.quantile_ms(0.99),
        );
        println!(
            "  weir/moto: throughput x{:.1}; p50 x{p50:.4}, p99 x{p99:.4} \
             (moto's p50 is {:.0}x weir's, its p99 {:.0}x)",
            w.throughput() / m.throughput(),
            1.0 / p50,
            1.0 / p99
        );
    }
    if let Some((grow, walks, other, rss)) = &list {
        let mut ms: Vec<f64> = walks
            .iter()
            .map(|w| w.elapsed.as_secs_f64() * 1e3)
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "ListApplications: full walk over {} applications (Limit 50, {} pages): median {:.1} ms \
             (min {:.1}, max {:.1}, {} walks); growing {}→{} took {:.1} s",
            args.list_apps,
            walks[0].pages,
            ms[ms.len() / 2],
            ms[0],
            ms[ms.len() - 1],
            ms.len(),
            args.apps,
            args.list_apps,
            grow.as_secs_f64()
        );
        warn_if_busy(*other);
        if let Some((small, _)) = rss_small {
            println!(
                "weir RSS: {small:.1} MB at {} applications; {:.1} MB at {} applications (peak {:.1} MB)",
                args.apps, rss.0, args.list_apps, rss.1
            );
        }
    }

    if let Some(run) = &weir_run {
        println!();
        println!("Targets ({cores} cores, client and server on the same machine):");
        let l = &run.load;
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        println!(
            "  throughput >= {TARGET_RPS:.0} req/s: {:.0} req/s — {}",
            l.throughput(),
            verdict(l.throughput() >= TARGET_RPS)
        );
        println!(
            "  p99 <= {TARGET_P99_MS} ms: {:.3} ms — {}",
            l.quantile_ms(0.99),
            verdict(l.quantile_ms(0.99) <= TARGET_P99_MS)
        );
        if let Some((_, _, _, rss)) = &list {
            println!(
                "  RSS <= {TARGET_RSS_MB:.0} MB at {} applications: {:.1} MB — {}",
                args.list_apps,
                rss.0,
                verdict(rss.0 <= TARGET_RSS_MB)
            );
        }
    }
    if failed {
        println!("\nweir-bench: requests failed during the load (see first errors above)");
    }
    Ok(!failed)
}

async fn describe_phase(
    server: &Server,
    endpoint: &Endpoint,
    args: &Args,
    settings: &LoadSettings,
) -> Result<ServerRun> {
    print_flush(&format!(
        "{}: creating {} applications ... ",
        server.name, args.apps
    ));
    let populate = load::populate(endpoint, 1, args.apps, args.concurrency)
        .await
        .with_context(|| format!("{} log ends:\n{}", server.name, server.log_tail(20)))?;
    println!("{:.2} s", populate.as_secs_f64());
    print_flush(&format!(
        "{}: DescribeApplication load, {} s warm-up + {} s ... ",
        server.name, args.warmup, args.duration
    ));
    let load = load::describe_load(endpoint, server, settings).await?;
    println!(
        "{:.0} req/s, p99 {:.3} ms, CPU per request: server {:.1} us, client {:.1} us; \
         other processes: {:.2} cores",
        load.throughput(),
        load.quantile_ms(0.99),
        load.server_cpu * 1e6 / load.ok.max(1) as f64,
        load.client_cpu * 1e6 / load.ok.max(1) as f64,
        load.other_cores()
    );
    Ok(ServerRun { populate, load })
}

/// Above this many cores used by other processes, figures are flagged as disturbed.
const BUSY_CORES: f64 = 0.15;

fn warn_if_busy(other_cores: f64) {
    if other_cores > BUSY_CORES {
        println!(
            "         warning: other processes used {other_cores:.2} cores meanwhile; \
             figures are disturbed"
        );
    }
}

/// CPU seconds `server` has used so far (0 without one), for the [`BusyMeter`].
fn server_cpu(server: Option<&Server>) -> f64 {
    server.map_or(0.0, |s| s.cpu_seconds().unwrap_or(0.0))
}

fn print_flush(text: &str) {
    use std::io::Write as _;
    print!("{text}");
    let _ = std::io::stdout().flush();
}

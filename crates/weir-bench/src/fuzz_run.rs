//! `weir-bench fuzz`: the model-driven random API client
//! (`weir_test_support::fuzz`) against
//! a real `weir server` started here, on a fresh data directory, with every
//! Flink runtime pointed at nowhere (a StartApplication fails fast; no JVM is
//! started, nothing is downloaded). Prints the report; exits non-zero on any
//! failure, with the seed that replays it.

use std::ffi::OsStr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use weir_test_support::fuzz::{self, Models, Settings, Target};
use weir_test_support::process::is_alive;

use crate::procs::Server;
use crate::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};

#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// The weir binary.
    #[arg(long, default_value = "target/release/weir")]
    weir_bin: PathBuf,
    /// Requests to send (the long run: 100000 or more).
    #[arg(long, default_value_t = 2_000)]
    requests: u64,
    /// The generator's seed (default: from the clock; printed, so a failure replays).
    #[arg(long)]
    seed: Option<u64>,
    /// Never send bodies above the server's 72 MiB limit.
    #[arg(long)]
    no_oversized: bool,
    /// Keep the temporary directory (data directory and weir's log).
    #[arg(long)]
    keep: bool,
}

pub fn main(args: &FuzzArgs) -> Result<bool> {
    let report = run(&Run {
        weir_bin: args.weir_bin.clone(),
        requests: args.requests,
        seed: args.seed,
        oversized: !args.no_oversized,
        keep: args.keep,
    })?;
    Ok(report.failures.is_empty())
}

/// One fuzz run's settings (`weir-bench fuzz` and `weir-bench robustness`).
pub struct Run {
    pub weir_bin: PathBuf,
    pub requests: u64,
    pub seed: Option<u64>,
    pub oversized: bool,
    pub keep: bool,
}

/// Starts weir, sends the requests, prints the report and returns it.
pub fn run(args: &Run) -> Result<fuzz::Report> {
    let root = std::env::current_dir()?;
    let models = Models::load(&root).map_err(anyhow::Error::msg)?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let work = tempfile::Builder::new()
        .prefix("weir-bench-fuzz-")
        .tempdir()?;
    let data = work.path().join("data");
    let runtimes = work.path().join("no-runtimes");
    std::fs::create_dir_all(&data)?;
    std::fs::create_dir_all(&runtimes)?;
    let log = work.path().join("weir.log");
    let server = Server::start_weir(
        &args.weir_bin,
        &data,
        log.clone(),
        (ACCESS_KEY_ID, SECRET_ACCESS_KEY),
        &fuzz::no_flink_args(&models),
        &[
            ("WEIR_RUNTIMES_DIR", runtimes.as_os_str()),
            ("RUST_LOG", OsStr::new("warn")),
        ],
        None,
    )
    .with_context(|| format!("starting {}", args.weir_bin.display()))?;
    println!(
        "weir-bench fuzz: {} requests, seed {seed}, weir at {} (log {})",
        args.requests,
        server.addr,
        log.display()
    );
    let pid = server.pid();
    let mut target = Target {
        addr: server.addr,
        access_key_id: ACCESS_KEY_ID.into(),
        secret_access_key: SECRET_ACCESS_KEY.into(),
        data_dir: data,
        alive: Box::new(move || is_alive(pid as i32)),
    };
    let settings = Settings {
        requests: args.requests,
        seed,
        oversized: args.oversized,
        large_bytes: 4 << 20,
        progress_every: if args.requests >= 20_000 { 10_000 } else { 0 },
    };
    let report = fuzz::run(&models, &mut target, &settings);
    report.print();
    let ok = report.failures.is_empty();
    if !ok {
        println!(
            "  replay: scripts/bench fuzz --requests {} --seed {seed}",
            args.requests
        );
        println!("  weir's log ends:\n{}", server.log_tail(30));
    }
    drop(server);
    if args.keep || !ok {
        let kept = work.keep();
        println!("  kept {}", kept.display());
    }
    Ok(report)
}

//! `weir-bench snapshots`: what enhanced snapshots cost Weir when they
//! travel — ImportSnapshot and ExportSnapshot of savepoints of `--sizes`
//! (default 1 MiB and 1 GiB) through the API, against the embedded bucket
//! store.
//!
//! Per size and run: a savepoint directory is written into a bucket of the
//! run's data directory (a `_metadata` with Flink's header and the state as
//! files of at most 64 MiB: what Weir checks and copies, not what Flink
//! wrote), then ImportSnapshot → READY, ExportSnapshot → SUCCESSFUL and
//! DeleteSnapshot → gone are each timed from the request to the state seen
//! by polling (every `--poll-ms`), while weir's resident memory is sampled
//! (its peak during each step, against its resident memory before: a copy
//! that buffered whole files would show them). Medians over `--runs`.
//! No Flink runs; `--runtime` only picks the runtime weir is started with.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::harness::{call, Fleet, Setup, SetupArgs};
use crate::print_flush;

const ROLE: &str = "arn:aws:iam::000000000000:role/weir-bench";

#[derive(clap::Args, Debug)]
pub struct SnapshotsArgs {
    #[command(flatten)]
    setup: SetupArgs,
    /// Savepoint sizes, in MiB (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,1024")]
    sizes: Vec<u64>,
    /// Timed runs per size (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Milliseconds between the polls that see a step end.
    #[arg(long, default_value_t = 20)]
    poll_ms: u64,
    /// Keep the run's directory.
    #[arg(long)]
    keep: bool,
}

/// VmRSS of `pid` in MiB.
fn rss_mib(pid: u32) -> f64 {
    weir_test_support::process::rss_mb(pid as i32).unwrap_or(0.0)
}

/// Polls `done` every `poll` until it says so (or `timeout`); the time it
/// took and weir's peak resident memory meanwhile.
async fn timed<F, Fut>(
    pid: u32,
    poll: Duration,
    timeout: Duration,
    mut done: F,
) -> Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let start = Instant::now();
    let mut peak = rss_mib(pid);
    loop {
        peak = peak.max(rss_mib(pid));
        if done().await? {
            return Ok((start.elapsed().as_secs_f64(), peak.max(rss_mib(pid))));
        }
        if start.elapsed() > timeout {
            bail!("did not end within {} s", timeout.as_secs());
        }
        tokio::time::sleep(poll).await;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

pub async fn main(args: &SnapshotsArgs) -> Result<bool> {
    let setup = Setup::check("snapshots", &args.setup, "streaming-count")?;
    let poll = Duration::from_millis(args.poll_ms);
    let mut fleet = Fleet::new("bench-snapshots", args.keep, poll)?;
    fleet.start_weir(&args.setup.weir_bin, &setup, &[])?;
    let pid = fleet.server().pid();
    let mut client = fleet.client();
    let buckets = fleet.data_dir().join("buckets");
    std::fs::create_dir_all(buckets.join("exports"))?;
    println!("weir-bench snapshots");
    println!(
        "  weir: pid {pid}, data in {}; the embedded bucket store (same disk); {} run(s) per size, polled every {} ms",
        fleet.data_dir().display(),
        args.runs,
        args.poll_ms
    );
    let timeout = Duration::from_secs(1800);
    let mut table = Vec::new();
    for size in &args.sizes {
        let bytes = size * 1024 * 1024;
        let source = buckets.join(format!("savepoints/sp-{size}"));
        weir_test_support::sample::savepoint_shaped_dir(&source, bytes)?;
        let (mut imports, mut exports, mut deletes, mut peaks) = (vec![], vec![], vec![], vec![]);
        let baseline = rss_mib(pid);
        for run in 0..args.runs {
            let name = format!("bench-{size}-{run}");
            call(
                &mut client,
                "ImportSnapshot",
                &json!({
                    "SnapshotName": name,
                    "ImportSourceConfiguration": {"SourceType": "S3", "ImportRoleArn": ROLE,
                        "SourceS3PrefixLocation": {"BucketARN": "arn:aws:s3:::savepoints", "KeyPrefix": format!("sp-{size}")}}
                }),
            )
            .await?;
            let (import_s, import_peak) = timed(pid, poll, timeout, || {
                let mut c = fleet.client();
                let name = name.clone();
                async move {
                    let d =
                        call(&mut c, "DescribeSnapshot", &json!({"SnapshotName": name})).await?;
                    let status = d["SnapshotInfoDetails"]["SnapshotStatus"].clone();
                    if status == "FAILED" {
                        bail!("the import FAILED: {d}");
                    }
                    Ok(status == "READY")
                }
            })
            .await?;
            let export = call(
                &mut client,
                "ExportSnapshot",
                &json!({
                    "SnapshotName": name,
                    "ExportDestinationConfiguration": {"DestinationType": "S3", "ExportRoleArn": ROLE,
                        "DestinationS3PrefixLocation": {"BucketARN": "arn:aws:s3:::exports", "KeyPrefix": format!("run-{run}")}}
                }),
            )
            .await?;
            let id = export["SnapshotOperationId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let (export_s, export_peak) = timed(pid, poll, timeout, || {
                let mut c = fleet.client();
                let (name, id) = (name.clone(), id.clone());
                async move {
                    let d = call(
                        &mut c,
                        "DescribeSnapshotOperation",
                        &json!({"SnapshotName": name, "SnapshotOperationId": id}),
                    )
                    .await?;
                    let status: Value =
                        d["SnapshotOperationInfoDetails"]["SnapshotOperationStatus"].clone();
                    if status == "FAILED" {
                        bail!("the export FAILED: {d}");
                    }
                    Ok(status == "SUCCESSFUL")
                }
            })
            .await?;
            let d = call(
                &mut client,
                "DescribeSnapshot",
                &json!({"SnapshotName": name}),
            )
            .await?;
            call(
                &mut client,
                "DeleteSnapshot",
                &json!({"SnapshotName": name, "SnapshotCreationTimestamp": d["SnapshotInfoDetails"]["SnapshotCreationTimestamp"]}),
            )
            .await?;
            let (delete_s, _) = timed(pid, poll, timeout, || {
                let mut c = fleet.client();
                let name = name.clone();
                async move {
                    let body = serde_json::to_vec(&json!({"SnapshotName": name}))?;
                    let (status, _) = c.call("DescribeSnapshot", &body).await?;
                    Ok(status != 200)
                }
            })
            .await?;
            let _ = std::fs::remove_dir_all(buckets.join("exports").join(format!("run-{run}")));
            print_flush(&format!(
                "{size} MiB run {}: import {import_s:.2} s, export {export_s:.2} s, delete {delete_s:.2} s; weir RSS peak {:.0} MiB\n",
                run + 1,
                import_peak.max(export_peak)
            ));
            imports.push(import_s);
            exports.push(export_s);
            deletes.push(delete_s);
            peaks.push(import_peak.max(export_peak));
        }
        std::fs::remove_dir_all(&source)?;
        table.push((
            *size,
            median(imports),
            median(exports),
            median(deletes),
            baseline,
            median(peaks),
        ));
    }
    println!();
    println!("Results (medians; the embedded store on this machine's disk):");
    println!("  size        import → READY   export → SUCCESSFUL   delete → gone   weir RSS before → peak");
    for (size, i, e, d, before, peak) in table {
        let mb_s = |secs: f64| size as f64 / secs.max(0.001);
        println!(
            "  {:>6} MiB  {i:>8.2} s ({:>5.0} MiB/s)  {e:>8.2} s ({:>5.0} MiB/s)  {d:>8.2} s      {before:.0} → {peak:.0} MiB",
            size,
            mb_s(i),
            mb_s(e)
        );
    }
    Ok(true)
}

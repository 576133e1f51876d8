//! `weir runtime list|install|home`: the Flink distributions Weir runs
//! applications on, managed by hand.

use std::path::Path;

use anyhow::{bail, Context};
use weir_control::model::RuntimeEnvironment;
use weir_runtime::Runtimes;

use crate::cli::{RuntimeArgs, RuntimeCommand};

/// The runtimes directory and registered distributions the flags describe.
pub fn runtimes(
    runtimes_dir: Option<&Path>,
    data_dir: &Path,
    flink_homes: &[String],
) -> anyhow::Result<Runtimes> {
    let dir = runtimes_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data_dir.join("runtimes"));
    let mut runtimes = Runtimes::new(dir);
    for entry in flink_homes.iter().filter(|e| !e.trim().is_empty()) {
        let Some((name, path)) = entry.split_once('=') else {
            bail!("--flink-home takes RUNTIME=FLINK_HOME (e.g. FLINK-1_20=/opt/flink-1.20), not {entry:?}");
        };
        let runtime = parse_runtime(name.trim())?;
        // Absolute: Flink's JVMs do not run in this directory.
        let home = std::path::absolute(path.trim())
            .with_context(|| format!("resolving --flink-home {path:?}"))?;
        runtimes.register(runtime, home);
    }
    Ok(runtimes)
}

pub fn parse_runtime(name: &str) -> anyhow::Result<RuntimeEnvironment> {
    RuntimeEnvironment::parse(name).with_context(|| {
        let known: Vec<_> = weir_runtime::FlinkVersion::supported()
            .map(|(r, _)| r.as_str())
            .collect();
        format!("unknown runtime {name:?}; supported: {}", known.join(", "))
    })
}

fn from_args(args: &RuntimeArgs) -> anyhow::Result<Runtimes> {
    runtimes(
        args.runtimes_dir.as_deref(),
        &args.data_dir,
        &args.flink_homes,
    )
}

pub fn run(cmd: RuntimeCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match cmd {
        RuntimeCommand::List(args) => {
            let runtimes = from_args(&args)?;
            println!("{:<12} {:<8} {:<14} PATH", "RUNTIME", "FLINK", "STATE");
            for s in runtimes.list() {
                println!(
                    "{:<12} {:<8} {:<14} {}",
                    s.runtime.as_str(),
                    s.flink_version.to_string(),
                    s.state.as_str(),
                    s.path.display()
                );
            }
            Ok(())
        }
        RuntimeCommand::Install {
            runtimes: names,
            args,
        } => {
            let runtimes = from_args(&args)?;
            for name in names {
                let runtime = parse_runtime(&name)?;
                let started = std::time::Instant::now();
                let home = rt
                    .block_on(runtimes.ensure(runtime))
                    .with_context(|| format!("installing {name}"))?;
                println!(
                    "{name}: Flink {} at {} ({:.1} s)",
                    home.version,
                    home.path.display(),
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(())
        }
        RuntimeCommand::Home { runtime, args } => {
            let runtimes = from_args(&args)?;
            let parsed = parse_runtime(&runtime)?;
            let home = rt
                .block_on(runtimes.ensure(parsed))
                .with_context(|| format!("installing {runtime}"))?;
            println!("{}", home.path.display());
            Ok(())
        }
    }
}

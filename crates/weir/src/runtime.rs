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
    python_envs: &[String],
) -> anyhow::Result<Runtimes> {
    let dir = runtimes_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data_dir.join("runtimes"));
    let mut runtimes = Runtimes::new(dir);
    for (runtime, home) in
        runtime_paths(flink_homes, "--flink-home", "FLINK_HOME", "/opt/flink-1.20")?
    {
        runtimes.register(runtime, home);
    }
    for (runtime, env) in runtime_paths(
        python_envs,
        "--python-env",
        "PATH",
        "/opt/pyflink-1.20-venv",
    )? {
        runtimes.register_python(runtime, env);
    }
    Ok(runtimes)
}

/// `RUNTIME=PATH` entries of `flag`, the paths made absolute (Flink's JVMs
/// do not run in this directory) but not resolved (a virtual environment's
/// interpreter is a symbolic link whose own path says which environment it
/// is).
fn runtime_paths(
    entries: &[String],
    flag: &str,
    what: &str,
    example: &str,
) -> anyhow::Result<Vec<(RuntimeEnvironment, std::path::PathBuf)>> {
    let mut out = Vec::new();
    for entry in entries.iter().filter(|e| !e.trim().is_empty()) {
        let Some((name, path)) = entry.split_once('=') else {
            bail!("{flag} takes RUNTIME={what} (e.g. FLINK-1_20={example}), not {entry:?}");
        };
        let runtime = parse_runtime(name.trim())?;
        let path = std::path::absolute(path.trim())
            .with_context(|| format!("resolving {flag} {path:?}"))?;
        out.push((runtime, path));
    }
    Ok(out)
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
        &args.python_envs,
    )
}

pub fn run(cmd: RuntimeCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match cmd {
        RuntimeCommand::List(args) => {
            let runtimes = from_args(&args)?;
            println!(
                "{:<12} {:<8} {:<14} {:<14} PATH / PYTHON PATH",
                "RUNTIME", "FLINK", "STATE", "PYTHON"
            );
            for s in runtimes.list() {
                let python = runtimes.python_status(s.runtime);
                println!(
                    "{:<12} {:<8} {:<14} {:<14} {}{}",
                    s.runtime.as_str(),
                    s.flink_version.to_string(),
                    s.state.as_str(),
                    python.as_ref().map_or("-", |p| p.state.as_str()),
                    s.path.display(),
                    python.map_or(String::new(), |p| format!("  {}", p.path.display())),
                );
            }
            Ok(())
        }
        RuntimeCommand::Install {
            runtimes: names,
            python,
            args,
        } => {
            let runtimes = from_args(&args)?;
            // With --python, the class-data archives wait for the Python
            // environment: recorded with it, they hold a Python job's
            // classes too (recorded before, the next start would record
            // them again).
            let installer = from_args(&args)?.with_class_data_sharing(!python);
            for name in names {
                let runtime = parse_runtime(&name)?;
                let started = std::time::Instant::now();
                let home = rt
                    .block_on(installer.ensure(runtime))
                    .with_context(|| format!("installing {name}"))?;
                println!(
                    "{name}: Flink {} at {} ({:.1} s)",
                    home.version,
                    home.path.display(),
                    started.elapsed().as_secs_f64()
                );
                if python {
                    let started = std::time::Instant::now();
                    let env = rt
                        .block_on(runtimes.ensure_python(runtime))
                        .with_context(|| format!("installing PyFlink for {name}"))?;
                    println!(
                        "{name}: PyFlink {} for Python {} at {} ({:.1} s)",
                        home.version,
                        env.python_version,
                        env.path.display(),
                        started.elapsed().as_secs_f64()
                    );
                    let started = std::time::Instant::now();
                    let home = rt
                        .block_on(runtimes.ensure(runtime))
                        .with_context(|| format!("preparing {name}"))?;
                    if let Some(cds) = home.class_data {
                        let trained =
                            std::fs::read_to_string(cds.join("trained")).unwrap_or_default();
                        let trained: Vec<&str> = trained.lines().collect();
                        println!(
                            "{name}: class-data archives at {} (recorded with training jobs: {}) ({:.1} s)",
                            cds.display(),
                            if trained.is_empty() { "none".to_string() } else { trained.join(", ") },
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
            }
            Ok(())
        }
        RuntimeCommand::Python { runtime, args } => {
            let runtimes = from_args(&args)?;
            let parsed = parse_runtime(&runtime)?;
            let env = rt
                .block_on(runtimes.ensure_python(parsed))
                .with_context(|| format!("installing PyFlink for {runtime}"))?;
            println!("{}", env.python.display());
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

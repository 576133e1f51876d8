//! Command-line interface. Every server option has an environment variable,
//! so the same binary is configured the same way by hand, in CI and in a unit file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "weir",
    version,
    about = "A self-hosted Managed Service for Apache Flink",
    after_help = crate::client::EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (Kinesis Analytics V2 wire protocol).
    #[command(after_help = "Examples:
  weir server
  weir server --listen 0.0.0.0:8095 --data-dir /var/lib/weir --warm-pool-size 2")]
    Server(Box<ServerArgs>),
    /// Manage Flink runtimes (distributions) on this machine.
    #[command(
        subcommand,
        after_help = "Example:
  weir runtime install FLINK-1_20 && weir runtime list"
    )]
    Runtime(RuntimeCommand),
    /// The client of a running server: apps, snapshots, clusters, logs, top,
    /// completions.
    #[command(flatten)]
    Client(crate::client::ClientCommand),
}

#[derive(Debug, Subcommand)]
pub enum RuntimeCommand {
    /// List every supported runtime and where it stands.
    #[command(after_help = "Example:
  weir runtime list --runtimes-dir ~/.cache/weir/runtimes")]
    List(RuntimeArgs),
    /// Install runtimes now instead of on first use (e.g. FLINK-1_20 FLINK-2_2).
    #[command(after_help = "Example:
  weir runtime install FLINK-1_20 FLINK-2_2
  weir runtime install --python FLINK-1_20   # with PyFlink, for Python applications")]
    Install {
        #[arg(required = true)]
        runtimes: Vec<String>,
        /// Also install each runtime's Python environment (PyFlink of the
        /// runtime's release, from PyPI, about 700 MB), and record the
        /// runtime's class-data archives with a Python job, which the first
        /// Python application would otherwise do.
        #[arg(long)]
        python: bool,
        #[command(flatten)]
        args: RuntimeArgs,
    },
    /// Print the Python interpreter a runtime's Python applications run on,
    /// installing its environment first as `install --python` does (for
    /// scripts: the path and nothing else on stdout).
    #[command(after_help = "Example:
  \"$(weir runtime python FLINK-1_20)\" -c 'import pyflink.version; print(pyflink.version.__version__)'")]
    Python {
        runtime: String,
        #[command(flatten)]
        args: RuntimeArgs,
    },
    /// Print a runtime's FLINK_HOME, installing it first as `install` does
    /// (for scripts: the path and nothing else on stdout).
    #[command(after_help = "Example:
  scripts/build-examples.sh \"$(weir runtime home FLINK-1_20)\" examples/build/1.20.5")]
    Home {
        runtime: String,
        #[command(flatten)]
        args: RuntimeArgs,
    },
}

/// Where Flink distributions live.
#[derive(Debug, Clone, Args)]
pub struct RuntimeArgs {
    /// Where Weir installs Flink distributions. Default: <data-dir>/runtimes.
    #[arg(long, env = "WEIR_RUNTIMES_DIR")]
    pub runtimes_dir: Option<PathBuf>,

    /// Used for the default runtimes directory.
    #[arg(long, env = "WEIR_DATA_DIR", default_value = "./weir-data")]
    pub data_dir: PathBuf,

    /// Use an existing Flink distribution for a runtime instead of installing
    /// one: RUNTIME=FLINK_HOME (repeatable; env: comma-separated).
    #[arg(long = "flink-home", env = "WEIR_FLINK_HOMES", value_delimiter = ',')]
    pub flink_homes: Vec<String>,

    /// Use an existing Python for a runtime's Python applications instead of
    /// installing one: RUNTIME=PATH, a virtual environment or an interpreter
    /// that imports PyFlink of the runtime's release (repeatable; env:
    /// comma-separated).
    #[arg(long = "python-env", env = "WEIR_PYTHON_ENVS", value_delimiter = ',')]
    pub python_envs: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "WEIR_LISTEN", default_value = "127.0.0.1:8095")]
    pub listen: SocketAddr,

    /// Where Weir keeps its catalogue, code, clusters and (by default) runtimes.
    #[arg(long, env = "WEIR_DATA_DIR", default_value = "./weir-data")]
    pub data_dir: PathBuf,

    /// Where Weir installs Flink distributions. Default: <data-dir>/runtimes.
    #[arg(long, env = "WEIR_RUNTIMES_DIR")]
    pub runtimes_dir: Option<PathBuf>,

    /// Use an existing Flink distribution for a runtime: RUNTIME=FLINK_HOME
    /// (repeatable; env: comma-separated).
    #[arg(long = "flink-home", env = "WEIR_FLINK_HOMES", value_delimiter = ',')]
    pub flink_homes: Vec<String>,

    /// Use an existing Python for a runtime's Python applications instead of
    /// the environment Weir installs on first use: RUNTIME=PATH, a virtual
    /// environment or an interpreter that imports PyFlink of the runtime's
    /// release (repeatable; env: comma-separated).
    #[arg(long = "python-env", env = "WEIR_PYTHON_ENVS", value_delimiter = ',')]
    pub python_envs: Vec<String>,

    /// Memory of each Task Manager (one per KPU), in MiB. The service gives a
    /// KPU 4 GiB; the default suits a laptop.
    #[arg(long, env = "WEIR_TASK_MANAGER_MEMORY_MB", default_value_t = 1024)]
    pub task_manager_memory_mb: u64,

    /// Memory of each application's Job Manager, in MiB.
    #[arg(long, env = "WEIR_JOB_MANAGER_MEMORY_MB", default_value_t = 768)]
    pub job_manager_memory_mb: u64,

    /// Clusters kept started per warm-pool runtime, so that an application of
    /// one KPU with one slot starts without waiting for JVMs. 0: no pool.
    #[arg(long, env = "WEIR_WARM_POOL_SIZE", default_value_t = 0)]
    pub warm_pool_size: usize,

    /// The runtimes the warm pool keeps clusters of (comma-separated).
    #[arg(
        long,
        env = "WEIR_WARM_POOL_RUNTIMES",
        value_delimiter = ',',
        default_value = "FLINK-1_20"
    )]
    pub warm_pool_runtimes: Vec<String>,

    /// Start Python applications' interpreters cold: no fork server that
    /// keeps PyFlink imported and forks the drivers and workers Flink asks
    /// for (it makes a Python start about 2 s faster; see ARCHITECTURE.md).
    #[arg(long, env = "WEIR_NO_PYTHON_FORK_SERVER")]
    pub no_python_fork_server: bool,

    /// A StartApplication whose job has not reached RUNNING by then fails.
    #[arg(long, env = "WEIR_START_TIMEOUT_SECS", default_value_t = 300)]
    pub start_timeout_secs: u64,

    #[command(flatten)]
    pub autoscale: AutoscaleArgs,

    /// Region that appears in ARNs and that clients must sign for.
    #[arg(long, env = "WEIR_REGION", default_value = "us-east-1")]
    pub region: String,

    /// Account id that appears in ARNs.
    #[arg(long, env = "WEIR_ACCOUNT_ID", default_value = "000000000000")]
    pub account_id: String,

    /// The access key id clients sign with (with --secret-access-key).
    #[arg(long, env = "WEIR_ACCESS_KEY_ID", requires = "secret_access_key")]
    pub access_key_id: Option<String>,

    /// The secret access key clients sign with (with --access-key-id).
    #[arg(
        long,
        env = "WEIR_SECRET_ACCESS_KEY",
        requires = "access_key_id",
        hide_env_values = true
    )]
    pub secret_access_key: Option<String>,

    /// A credentials file (AWS shared-credentials format) holding the key pair.
    /// Default: <data-dir>/credentials, generated on first start.
    #[arg(long, env = "WEIR_CREDENTIALS_FILE")]
    pub credentials_file: Option<PathBuf>,

    /// Accept unsigned requests. Only allowed when listening on a loopback address.
    #[arg(long, env = "WEIR_NO_AUTH")]
    pub no_auth: bool,

    /// How soon a Flink dashboard URL from CreateApplicationPresignedUrl must
    /// be opened (the session it opens lasts the requested duration).
    #[arg(long, env = "WEIR_DASHBOARD_URL_VALIDITY_SECS", default_value_t = 180)]
    pub dashboard_url_validity_secs: u32,

    /// Start of the daily maintenance window given to new applications (HH:MM, UTC).
    #[arg(long, env = "WEIR_MAINTENANCE_WINDOW_START", default_value = "06:00")]
    pub maintenance_window_start: String,

    /// Seconds between two collections of every running application's
    /// metrics from its Flink (`GET /metrics`, DescribeApplicationMetrics).
    #[arg(long, env = "WEIR_METRICS_INTERVAL_SECS", default_value_t = 10)]
    pub metrics_interval_secs: u64,

    /// The bearer token `GET /metrics` wants when the server listens on a
    /// non-loopback address (on a loopback one it is open; elsewhere,
    /// without a token, it is refused).
    #[arg(long, env = "WEIR_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => crate::server::run(*args),
        Command::Runtime(cmd) => crate::runtime::run(cmd),
        Command::Client(cmd) => crate::client::run(cmd),
    }
}

/// Autoscaling (applications with `AutoScalingEnabled`). The defaults are
/// the service's rule: double at ≥ 75 % CPU for 15 minutes, halve below 10 %
/// for 6 hours, at most 64 KPUs. An application picks its own policy with
/// property group `weir.autoscaling`, key `policy`.
#[derive(Debug, Clone, clap::Args)]
pub struct AutoscaleArgs {
    /// `cpu` (the service's rule) or `busy` (Flink's busy and back-pressure time).
    #[arg(long = "autoscale-policy", env = "WEIR_AUTOSCALE_POLICY", default_value = "cpu",
          value_parser = ["cpu", "busy"])]
    pub policy: String,
    #[arg(
        long = "autoscale-cpu-up-threshold",
        env = "WEIR_AUTOSCALE_CPU_UP_THRESHOLD",
        default_value_t = 0.75
    )]
    pub cpu_up_threshold: f64,
    #[arg(
        long = "autoscale-cpu-up-window-secs",
        env = "WEIR_AUTOSCALE_CPU_UP_WINDOW_SECS",
        default_value_t = 900
    )]
    pub cpu_up_window_secs: u64,
    #[arg(
        long = "autoscale-cpu-down-threshold",
        env = "WEIR_AUTOSCALE_CPU_DOWN_THRESHOLD",
        default_value_t = 0.10
    )]
    pub cpu_down_threshold: f64,
    #[arg(
        long = "autoscale-cpu-down-window-secs",
        env = "WEIR_AUTOSCALE_CPU_DOWN_WINDOW_SECS",
        default_value_t = 21_600
    )]
    pub cpu_down_window_secs: u64,
    /// The busy fraction the busy policy sizes the busiest vertex for.
    #[arg(
        long = "autoscale-busy-target",
        env = "WEIR_AUTOSCALE_BUSY_TARGET",
        default_value_t = 0.7
    )]
    pub busy_target: f64,
    #[arg(
        long = "autoscale-busy-up-threshold",
        env = "WEIR_AUTOSCALE_BUSY_UP_THRESHOLD",
        default_value_t = 0.85
    )]
    pub busy_up_threshold: f64,
    #[arg(
        long = "autoscale-busy-up-window-secs",
        env = "WEIR_AUTOSCALE_BUSY_UP_WINDOW_SECS",
        default_value_t = 120
    )]
    pub busy_up_window_secs: u64,
    #[arg(
        long = "autoscale-busy-down-threshold",
        env = "WEIR_AUTOSCALE_BUSY_DOWN_THRESHOLD",
        default_value_t = 0.3
    )]
    pub busy_down_threshold: f64,
    #[arg(
        long = "autoscale-busy-down-window-secs",
        env = "WEIR_AUTOSCALE_BUSY_DOWN_WINDOW_SECS",
        default_value_t = 600
    )]
    pub busy_down_window_secs: u64,
    /// The most KPUs autoscaling gives one application.
    #[arg(
        long = "autoscale-max-kpus",
        env = "WEIR_AUTOSCALE_MAX_KPUS",
        default_value_t = 64
    )]
    pub max_kpus: u32,
    /// Between two load samples.
    #[arg(
        long = "autoscale-sample-interval-secs",
        env = "WEIR_AUTOSCALE_SAMPLE_INTERVAL_SECS",
        default_value_t = 5
    )]
    pub sample_interval_secs: u64,
    /// Never rescale in place: run jobs under Flink's default scheduler and
    /// autoscale through a snapshot and a restart at the new parallelism.
    #[arg(long = "autoscale-no-in-place", env = "WEIR_AUTOSCALE_NO_IN_PLACE")]
    pub no_in_place: bool,
}

impl AutoscaleArgs {
    pub fn config(&self) -> weir_control::autoscale::AutoscaleConfig {
        let ms = |secs: u64| (secs as i64).saturating_mul(1000);
        weir_control::autoscale::AutoscaleConfig {
            policy: weir_control::autoscale::Policy::parse(&self.policy)
                .unwrap_or(weir_control::autoscale::Policy::Cpu),
            cpu_up_threshold: self.cpu_up_threshold,
            cpu_up_window_ms: ms(self.cpu_up_window_secs),
            cpu_down_threshold: self.cpu_down_threshold,
            cpu_down_window_ms: ms(self.cpu_down_window_secs),
            busy_target: self.busy_target,
            busy_up_threshold: self.busy_up_threshold,
            busy_up_window_ms: ms(self.busy_up_window_secs),
            busy_down_threshold: self.busy_down_threshold,
            busy_down_window_ms: ms(self.busy_down_window_secs),
            max_kpus: self.max_kpus,
        }
    }
}

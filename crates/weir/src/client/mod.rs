//! `weir apps|snapshots|clusters|logs|top|completions`: the command-line
//! client of a running Weir server.
//!
//! It talks to the server as any AWS client does — the official
//! `aws-sdk-kinesisanalyticsv2` and `aws-sdk-cloudwatchlogs` clients pointed
//! at `--endpoint`, SigV4 with the standard credentials (or, on the server's
//! machine, the key pair Weir generated into `<data-dir>/credentials`) — so
//! it needs no access to the server's files and proves the wire again with
//! every command. What no SDK can send — Weir's operator calls
//! (`DescribeApplicationMetrics` behind `weir top`, the Flink cluster
//! registry behind `weir clusters`) and Weir's own request members
//! (`WeirCluster` of `weir apps list --cluster`) — is signed by hand with
//! `aws-sigv4` (`Session::signed_call`).
//!
//! - `mod.rs`: the commands and flags (clap), exit codes, dispatch.
//! - `session.rs`: endpoint, region, credentials, SDK clients, the raw
//!   response capture behind `--output json`, the hand-signed calls, and
//!   turning errors into one line and an exit code.
//! - `apps.rs`: `weir apps …` and `weir snapshots …`.
//! - `python.rs`: `--zip` and the Python flags: the run options of a
//!   PyFlink application, chosen from and checked against the zip.
//! - `wait.rs`: `--wait` (polling DescribeApplication and the operation,
//!   progress on stderr).
//! - `clusters.rs`: `weir clusters …` (registered Flink clusters of the
//!   remote runtime).
//! - `logs.rs`: `weir logs`; `top.rs`: `weir top`; `output.rs`: tables,
//!   times, sizes.
//!
//! **Architecture invariant:** the client knows the server only through its
//! wire API; it links no server crate and reads no server file (other than
//! the credentials file, which is in the AWS format).

mod apps;
mod clusters;
mod enhanced;
mod logs;
mod output;
mod python;
mod session;
mod top;
mod wait;

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};

pub use session::Session;

/// What `weir --help` says about exit codes (also in README.md).
pub const EXIT_CODES_HELP: &str = "\
Client commands (apps, snapshots, clusters, logs, top) exit with:
  0  success
  1  any other error
  2  usage error (bad flags or arguments)
  3  not found (no such application, snapshot, operation or cluster)
  4  conflict or wrong state (ResourceInUse, ConcurrentModification,
     InvalidApplicationConfiguration)
  5  authentication refused (the credentials used are named on stderr)
  6  --wait: the application ended in another status than expected, or the
     operation FAILED (its error is printed)
  7  --wait: timed out (--timeout)
  8  the server could not be reached

Example:
  weir server &
  weir apps create orders --jar ./orders.jar --start --wait
  weir apps create clicks --zip ./clicks.zip --start --wait   # Python (PyFlink)
  weir apps list";

/// How a client command ended, as a process exit code scripts can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Other = 1,
    Usage = 2,
    NotFound = 3,
    Conflict = 4,
    Auth = 5,
    Unexpected = 6,
    Timeout = 7,
    Unreachable = 8,
}

/// A failed client command: one line for stderr, and the exit code.
#[derive(Debug, Clone)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Other, message)
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Usage, message)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code for an error `weir` ends with: a client [`Failure`]'s own,
/// 1 for anything else.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    e.downcast_ref::<Failure>().map_or(1, |f| f.exit as u8)
}

/// The client's commands, flattened into `weir`'s own.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Manage applications on a running Weir server: list, describe,
    /// create (from a local jar, or a zip for Python), start, stop, update,
    /// snapshot, rollback, delete.
    #[command(after_help = "Examples:
  weir apps list
  weir apps create orders --jar ./target/orders.jar --parallelism 2 --start --wait
  weir apps create clicks --zip ./clicks.zip --start --wait
  weir apps describe orders --output json")]
    Apps(AppsArgs),
    /// Snapshots: an application's own (list, describe, delete), and the
    /// account's enhanced snapshots (create, import, export, list,
    /// describe, delete).
    #[command(after_help = "Examples:
  weir snapshots list orders
  weir snapshots delete orders nightly-2026-01-31 --yes
  weir snapshots create orders before-upgrade --wait
  weir snapshots import from-my-cluster --from s3://savepoints/orders/savepoint-1 --wait
  weir snapshots export before-upgrade --to s3://exports/orders --wait
  weir apps start orders-v2 --snapshot from-my-cluster --wait")]
    Snapshots(SnapshotsArgs),
    /// Register, list and deregister existing Flink clusters that
    /// applications can be placed on (the remote runtime).
    #[command(after_help = "Examples:
  weir clusters add shared --rest-url http://flink-jm:8081 --savepoint-dir /mnt/savepoints
  weir clusters list
  weir apps create orders --jar ./orders.jar --cluster shared --start --wait")]
    Clusters(ClustersArgs),
    /// Print an application's log (Flink's job status changes, Weir's
    /// lifecycle lines); --follow keeps printing new lines.
    #[command(after_help = "Examples:
  weir logs orders --since 10m
  weir logs orders --follow --filter ERROR")]
    Logs(LogsArgs),
    /// A live table of an application's Job Manager and Task Managers (CPU,
    /// heap, GC, threads, records/s); without APP, one line per RUNNING
    /// application.
    #[command(after_help = "Examples:
  weir top orders
  weir top --once --output json")]
    Top(TopArgs),
    /// Print a shell completion script for weir.
    #[command(after_help = "Examples:
  weir completions bash > ~/.local/share/bash-completion/completions/weir
  weir completions zsh > \"${fpath[1]}/_weir\"
  weir completions fish > ~/.config/fish/completions/weir.fish")]
    Completions(CompletionsArgs),
}

/// How `weir` reaches the server. Every client command takes these, before
/// or after its subcommand.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection")]
pub struct Connection {
    /// Weir's endpoint.
    #[arg(
        long,
        env = "WEIR_ENDPOINT",
        default_value = "http://127.0.0.1:8095",
        global = true
    )]
    pub endpoint: String,

    /// The region requests are signed for (the server's --region).
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1", global = true)]
    pub region: String,

    /// The profile of the shared credentials/config files to sign with.
    #[arg(long, env = "AWS_PROFILE", global = true)]
    pub profile: Option<String>,

    /// Weir's data directory: when no AWS credentials are configured, the
    /// key pair Weir generated into <data-dir>/credentials is used.
    #[arg(
        long,
        env = "WEIR_DATA_DIR",
        default_value = "./weir-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Human tables, or the server's responses as JSON.
    #[arg(
        long,
        short = 'o',
        env = "WEIR_OUTPUT",
        value_enum,
        default_value_t = Output::Table,
        global = true
    )]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// The API responses as JSON, with the AWS member names.
    Json,
}

/// `--wait` and `--timeout`.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Wait until the application settles (progress on stderr); exit 6 if it
    /// ends in another status than expected or the operation FAILED.
    #[arg(long)]
    pub wait: bool,

    /// With --wait: give up after this many seconds (exit 7).
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct AppsArgs {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: AppsCommand,
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List applications: name, status, version, runtime.
    #[command(after_help = "Examples:
  weir apps list
  weir apps list --cluster shared
  weir apps list --output json | jq -r '.ApplicationSummaries[].ApplicationName'")]
    List {
        /// Only the applications running on this registered Flink cluster
        /// (or `local`: on Weir's own clusters).
        #[arg(long, value_name = "CLUSTER|local")]
        cluster: Option<String>,
    },
    /// Show an application: status, where it runs, version, runtime,
    /// parallelism, code, properties, the job, recent operations.
    #[command(after_help = "Examples:
  weir apps describe orders
  weir apps describe orders -o json | jq .ApplicationDetail.ApplicationStatus")]
    Describe {
        /// The application's name.
        name: String,
    },
    /// Create an application from a local jar (Java) or zip (Python,
    /// PyFlink), uploaded as ZipFileContent.
    ///
    /// With --zip, the run options --python, --jarfile and --py-files that
    /// are not given are chosen from the zip when the choice is clear: the
    /// only main.py at its root or one folder down, the only jar in it, the
    /// folder dep/ beside main.py. Every path they name must be in the zip.
    #[command(after_help = "Examples:
  weir apps create orders --jar ./orders.jar
  weir apps create orders --jar ./orders.jar --runtime FLINK-2_2 --parallelism 4 \\
      --property SinkConfig.output.path=/tmp/out --start --wait
  weir apps create orders --jar ./orders.jar --cluster shared --start
  weir apps create clicks --zip ./clicks.zip --start --wait
  weir apps create clicks --zip ./clicks.zip --python clicks/job.py \\
      --jarfile clicks/lib/connectors.jar --py-files clicks/dep/,clicks/udfs.py")]
    Create(Box<CreateArgs>),
    /// Start an application (restoring its latest snapshot by default).
    #[command(after_help = "Examples:
  weir apps start orders --wait
  weir apps start orders --restore none
  weir apps start orders --restore nightly-2026-01-31 --allow-non-restored-state")]
    Start(StartArgs),
    /// Stop an application (with a snapshot if snapshots are enabled);
    /// --force stops it at once, from any status.
    #[command(after_help = "Examples:
  weir apps stop orders --wait
  weir apps stop orders --force")]
    Stop {
        /// The application's name.
        name: String,
        /// Stop at once (no snapshot), also from a transient status.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Change an application's code, parallelism, properties, runtime or
    /// snapshot setting; a RUNNING application is updated live. Only what
    /// is given changes (a new --zip keeps the Python run options, which
    /// must name files in it).
    #[command(after_help = "Examples:
  weir apps update orders --jar ./orders-v2.jar --wait
  weir apps update clicks --zip ./clicks-v2.zip --wait
  weir apps update clicks --zip ./clicks-v3.zip --python clicks/main.py --py-files clicks/dep/
  weir apps update orders --parallelism 4 --property SourceConfig.records.per.second=500
  weir apps update orders --unset-property SinkConfig.tag
  weir apps update orders --cluster local --wait     # move it off its Flink cluster")]
    Update(Box<UpdateArgs>),
    /// Take a snapshot (a Flink savepoint) of a RUNNING application.
    #[command(after_help = "Examples:
  weir apps snapshot orders --wait
  weir apps snapshot orders before-upgrade --wait")]
    Snapshot {
        /// The application's name.
        name: String,
        /// The snapshot's name. Default: the current UTC time, e.g.
        /// weir-20260131-235959.
        snapshot_name: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Go back to the previous version of an application's configuration
    /// (restored from its last snapshot).
    #[command(after_help = "Example:
  weir apps rollback orders --wait")]
    Rollback {
        /// The application's name.
        name: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Delete an application (stopping it first if it runs). Asks for
    /// confirmation when stdin is a terminal, unless --yes.
    #[command(after_help = "Examples:
  weir apps delete orders
  weir apps delete orders --yes --wait")]
    Delete {
        /// The application's name.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// List an application's operations (start, stop, update, …), or
    /// describe one with its error.
    #[command(after_help = "Examples:
  weir apps operations orders
  weir apps operations orders 7PzUZbJEsF0a")]
    Operations {
        /// The application's name.
        name: String,
        /// Describe this operation (with the error of a FAILED one).
        operation_id: Option<String>,
    },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("code").required(true).args(["jar", "zip"])))]
pub struct CreateArgs {
    /// The application's name.
    pub name: String,

    /// The application's code: a local jar (a Java application), uploaded
    /// with the request.
    #[arg(long, value_name = "PATH")]
    pub jar: Option<PathBuf>,

    /// The application's code: a local zip of a Python (PyFlink)
    /// application, uploaded with the request.
    #[arg(long, value_name = "PATH")]
    pub zip: Option<PathBuf>,

    /// The Flink runtime (FLINK-1_18, FLINK-1_19, FLINK-1_20, FLINK-2_2, FLINK-2_3).
    #[arg(long, default_value = "FLINK-1_20")]
    pub runtime: String,

    /// The service execution role (an IAM role ARN; Weir records it).
    #[arg(long, default_value = "arn:aws:iam::000000000000:role/weir")]
    pub role: String,

    /// A description of the application.
    #[arg(long)]
    pub description: Option<String>,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Start the application once it is created.
    #[arg(long)]
    pub start: bool,

    #[command(flatten)]
    pub wait: WaitArgs,

    // Last: its help heading holds for the flags after it too.
    #[command(flatten)]
    pub python: PythonArgs,
}

/// What `create` and `update` both set.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Parallelism of the job (sets the parallelism configuration to CUSTOM).
    #[arg(long, value_name = "N")]
    pub parallelism: Option<i32>,

    /// Slots per KPU (Task Manager).
    #[arg(long, value_name = "N")]
    pub parallelism_per_kpu: Option<i32>,

    /// Let Weir scale the application by its load.
    #[arg(long, overrides_with = "no_autoscaling")]
    pub autoscaling: bool,

    /// Keep the parallelism as configured.
    #[arg(long, overrides_with = "autoscaling")]
    pub no_autoscaling: bool,

    /// An environment property, GROUP.KEY=VALUE (split at the first dot; write
    /// GROUP:KEY=VALUE when the group's name has dots). Repeatable.
    #[arg(long = "property", short = 'p', value_name = "GROUP.KEY=VALUE")]
    pub properties: Vec<String>,

    /// The job's entry class (property kinesis.analytics.flink.run.options:entryClass).
    #[arg(long, value_name = "CLASS")]
    pub entry_class: Option<String>,

    /// Take snapshots on stop and update (the default for new applications).
    #[arg(long, overrides_with = "no_snapshots")]
    pub snapshots: bool,

    /// Stop without a snapshot.
    #[arg(long, overrides_with = "snapshots")]
    pub no_snapshots: bool,

    /// Where the application runs: `auto` (the default: the registered
    /// Flink cluster of its runtime it fits best, or Weir's own clusters
    /// when none of its runtime is registered), `local` (Weir's own
    /// clusters) or a registered cluster's name (`weir clusters list`).
    /// Sets property weir.placement.cluster; changing it on a running
    /// application moves it.
    #[arg(long, value_name = "auto|local|CLUSTER")]
    pub cluster: Option<String>,
}

/// The run options of a Python application (property group
/// kinesis.analytics.flink.run.options), which `create` and `update` both
/// set; a jar's application has none of them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Python applications (--zip)")]
pub struct PythonArgs {
    /// The main Python file, its path inside the zip (run option python).
    /// Default on create: the zip's only main.py at its root or one folder
    /// down.
    #[arg(long, value_name = "FILE", conflicts_with = "jar")]
    pub python: Option<String>,

    /// The jar of connectors and Java UDFs, its path inside the zip (run
    /// option jarfile). Default on create: the zip's only jar.
    #[arg(long, value_name = "JAR", conflicts_with = "jar")]
    pub jarfile: Option<String>,

    /// Files and folders inside the zip put on the Python path,
    /// comma-separated (run option pyFiles). Default on create: dep/
    /// beside the main file, if the zip has it.
    #[arg(long = "py-files", value_name = "LIST", conflicts_with = "jar")]
    pub py_files: Option<String>,

    /// Archives inside the zip extracted for the job, comma-separated,
    /// ARCHIVE or ARCHIVE#DIR (run option pyArchives).
    #[arg(long = "py-archives", value_name = "LIST", conflicts_with = "jar")]
    pub py_archives: Option<String>,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// The application's name.
    pub name: String,

    /// What to restore: `latest` (the latest snapshot, the default),
    /// `none`, or a snapshot's name.
    #[arg(long, value_name = "latest|none|SNAPSHOT")]
    pub restore: Option<String>,

    /// Restore an enhanced snapshot (its name or ARN; the application in the
    /// ENHANCED_SNAPSHOTS mode).
    #[arg(long, value_name = "NAME|ARN", conflicts_with = "restore")]
    pub snapshot: Option<String>,

    /// Start even if the snapshot holds state the job no longer has.
    #[arg(long)]
    pub allow_non_restored_state: bool,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The application's name.
    pub name: String,

    /// New code: a local jar.
    #[arg(long, value_name = "PATH", conflicts_with = "zip")]
    pub jar: Option<PathBuf>,

    /// New code: a local zip (a Python application).
    #[arg(long, value_name = "PATH")]
    pub zip: Option<PathBuf>,

    /// Move to another Flink runtime.
    #[arg(long)]
    pub runtime: Option<String>,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Remove an environment property, GROUP.KEY (or GROUP:KEY). Repeatable.
    #[arg(long = "unset-property", value_name = "GROUP.KEY")]
    pub unset_properties: Vec<String>,

    #[command(flatten)]
    pub wait: WaitArgs,

    // Last: its help heading holds for the flags after it too.
    #[command(flatten)]
    pub python: PythonArgs,
}

#[derive(Debug, Args)]
pub struct SnapshotsArgs {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: SnapshotsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotsCommand {
    /// List an application's snapshots, newest first; without a name, the
    /// account's enhanced snapshots (--source: those taken of one
    /// application).
    #[command(after_help = "Examples:
  weir snapshots list orders
  weir snapshots list
  weir snapshots list --source orders")]
    List {
        /// The application's name.
        name: Option<String>,
        /// Only the enhanced snapshots taken of this application.
        #[arg(long, value_name = "APP", conflicts_with = "name")]
        source: Option<String>,
    },
    /// Show an application's snapshot (APP SNAPSHOT), or an enhanced
    /// snapshot with its operations (SNAPSHOT).
    #[command(after_help = "Examples:
  weir snapshots describe orders nightly-2026-01-31
  weir snapshots describe before-upgrade")]
    Describe {
        /// The application's name, or an enhanced snapshot's.
        first: String,
        /// The application's snapshot.
        second: Option<String>,
    },
    /// Delete an application's snapshot (APP SNAPSHOT) or an enhanced
    /// snapshot (SNAPSHOT). Asks for confirmation when stdin is a terminal,
    /// unless --yes.
    #[command(after_help = "Examples:
  weir snapshots delete orders nightly-2026-01-31 --yes
  weir snapshots delete before-upgrade --yes")]
    Delete {
        /// The application's name, or an enhanced snapshot's.
        first: String,
        /// The application's snapshot.
        second: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Take an enhanced snapshot of a RUNNING application (in the
    /// ENHANCED_SNAPSHOTS mode, Flink 1.20 or later).
    #[command(after_help = "Example:
  weir snapshots create orders before-upgrade --wait")]
    Create {
        /// The application's name.
        name: String,
        /// The snapshot's name, unique in the account.
        snapshot_name: String,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Import a Flink savepoint (a directory with `_metadata`) from an S3
    /// prefix as an enhanced snapshot.
    #[command(after_help = "Example:
  weir snapshots import from-my-cluster --from s3://savepoints/orders/savepoint-1 --wait")]
    Import {
        /// The snapshot's name, unique in the account.
        snapshot_name: String,
        /// Where the savepoint is: s3://BUCKET/PREFIX.
        #[arg(long, value_name = "S3_URL")]
        from: String,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Export an enhanced snapshot's savepoint under an S3 prefix (the
    /// operation's id appended), for `flink run -s`.
    #[command(after_help = "Example:
  weir snapshots export before-upgrade --to s3://exports/orders --wait")]
    Export {
        /// The snapshot's name.
        snapshot_name: String,
        /// Where to write it: s3://BUCKET/PREFIX.
        #[arg(long, value_name = "S3_URL")]
        to: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// The operations of an enhanced snapshot, newest first.
    #[command(after_help = "Example:
  weir snapshots operations before-upgrade")]
    Operations {
        /// The snapshot's name.
        snapshot_name: String,
    },
}

#[derive(Debug, Args)]
pub struct ClustersArgs {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: ClustersCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClustersCommand {
    /// Register an existing Flink cluster (Weir asks its REST API for its
    /// version and slots first, and refuses one that does not answer).
    #[command(after_help = "Examples:
  weir clusters add shared --rest-url http://flink-jm:8081 --savepoint-dir /mnt/savepoints
  weir clusters add big --rest-url http://10.0.0.5:8081 --savepoint-dir file:///nfs/sp \\
      --runtime FLINK-1_20 --capacity-kpus 16")]
    Add {
        /// The cluster's name, as applications name it (property
        /// weir.placement.cluster, --cluster).
        name: String,
        /// The cluster's REST API (its Job Manager's web port).
        #[arg(long, value_name = "URL")]
        rest_url: String,
        /// Where the cluster writes savepoints: a path both Weir and the
        /// cluster reach (absolute, or a file:// URL).
        #[arg(long = "savepoint-dir", value_name = "DIR")]
        savepoint_dir: String,
        /// The Flink runtime it runs (default: derived from its version).
        #[arg(long, value_name = "RUNTIME")]
        runtime: Option<String>,
        /// At most this many KPUs placed on it (default: its slots decide).
        #[arg(long, value_name = "N")]
        capacity_kpus: Option<u32>,
    },
    /// List the registered Flink clusters: runtime, slots and KPUs in use,
    /// whether they answer, the applications placed on them.
    #[command(after_help = "Examples:
  weir clusters list
  weir clusters list -o json | jq '.FlinkClusterDescriptions[] | {Name, Reachable}'")]
    List,
    /// Deregister a Flink cluster (refused while applications run on it;
    /// the cluster itself is left as it is).
    #[command(after_help = "Example:
  weir clusters remove shared")]
    Remove {
        /// The cluster's name.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub conn: Connection,

    /// The application's name.
    pub name: String,

    /// Keep printing new lines until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Only lines from this far back (30s, 10m, 2h, 1d) or since this time
    /// (RFC 3339, e.g. 2026-01-31T12:00:00Z).
    #[arg(long, value_name = "AGE|TIME")]
    pub since: Option<String>,

    /// A CloudWatch Logs filter pattern (terms, "quoted phrases", ?any,
    /// -exclude, or { $.messageType = "ERROR" }).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,

    /// With --follow: seconds between two looks.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub interval: f64,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub conn: Connection,

    /// The application; without it, one line per RUNNING application.
    pub name: Option<String>,

    /// Seconds between two refreshes.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub interval: f64,

    /// Print once and exit.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs a client command to the end.
pub fn run(command: ClientCommand) -> anyhow::Result<()> {
    if let ClientCommand::Completions(args) = &command {
        let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
        let mut script = Vec::new();
        clap_complete::generate(args.shell, &mut cmd, "weir", &mut script);
        output::print_str(&String::from_utf8_lossy(&script));
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            ClientCommand::Apps(args) => {
                let session = Session::open(&args.conn).await?;
                apps::run(&session, args.command).await
            }
            ClientCommand::Snapshots(args) => {
                let session = Session::open(&args.conn).await?;
                apps::snapshots(&session, args.command).await
            }
            ClientCommand::Clusters(args) => {
                let session = Session::open(&args.conn).await?;
                clusters::run(&session, args.command).await
            }
            ClientCommand::Logs(args) => {
                let session = Session::open(&args.conn).await?;
                logs::run(&session, &args).await
            }
            ClientCommand::Top(args) => {
                let session = Session::open(&args.conn).await?;
                top::run(&session, &args).await
            }
            ClientCommand::Completions(_) => unreachable!("handled above"),
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<Cli, ErrorKind> {
        Cli::try_parse_from(std::iter::once("weir").chain(args.iter().copied()))
            .map_err(|e| e.kind())
    }

    fn create(args: &[&str]) -> Result<Box<super::CreateArgs>, ErrorKind> {
        match parse(args)?.command {
            Command::Client(super::ClientCommand::Apps(super::AppsArgs {
                command: super::AppsCommand::Create(args),
                ..
            })) => Ok(args),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_takes_a_jar_or_a_zip_and_python_flags_only_with_a_zip() {
        let a = create(&[
            "apps",
            "create",
            "p",
            "--zip",
            "a.zip",
            "--python",
            "main.py",
            "--jarfile",
            "lib/x.jar",
            "--py-files",
            "dep/",
            "--py-archives",
            "d.zip",
        ])
        .unwrap();
        assert_eq!(a.zip.as_deref(), Some(std::path::Path::new("a.zip")));
        assert_eq!(a.jar, None);
        assert_eq!(a.python.python.as_deref(), Some("main.py"));
        assert_eq!(a.python.jarfile.as_deref(), Some("lib/x.jar"));
        assert_eq!(a.python.py_files.as_deref(), Some("dep/"));
        assert_eq!(a.python.py_archives.as_deref(), Some("d.zip"));
        assert!(create(&["apps", "create", "j", "--jar", "a.jar"]).is_ok());

        let refused = |args: &[&str]| create(args).unwrap_err();
        assert_eq!(
            refused(&["apps", "create", "x"]),
            ErrorKind::MissingRequiredArgument
        );
        for args in [
            &["apps", "create", "x", "--jar", "a.jar", "--zip", "a.zip"][..],
            &[
                "apps", "create", "x", "--jar", "a.jar", "--python", "main.py",
            ],
            &[
                "apps",
                "create",
                "x",
                "--jar",
                "a.jar",
                "--jarfile",
                "lib/x.jar",
            ],
            &[
                "apps",
                "create",
                "x",
                "--jar",
                "a.jar",
                "--py-files",
                "dep/",
            ],
            &[
                "apps",
                "create",
                "x",
                "--jar",
                "a.jar",
                "--py-archives",
                "d.zip",
            ],
        ] {
            assert_eq!(refused(args), ErrorKind::ArgumentConflict, "{args:?}");
        }
    }

    #[test]
    fn update_takes_python_flags_alone_or_with_a_zip_never_with_a_jar() {
        assert!(parse(&["apps", "update", "p", "--py-files", "dep/"]).is_ok());
        assert!(parse(&["apps", "update", "p", "--zip", "b.zip", "--python", "m.py"]).is_ok());
        for args in [
            &["apps", "update", "p", "--jar", "a.jar", "--zip", "b.zip"][..],
            &[
                "apps", "update", "p", "--jar", "a.jar", "--python", "main.py",
            ],
        ] {
            assert_eq!(parse(args).unwrap_err(), ErrorKind::ArgumentConflict);
        }
    }
}

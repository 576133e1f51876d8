//! Command-line interface. Every server option has an environment variable,
//! so the same binary is configured the same way by hand, in CI and in a unit file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "weir",
    version,
    about = "A self-hosted Managed Service for Apache Flink"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (Kinesis Analytics V2 wire protocol).
    Server(ServerArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "WEIR_LISTEN", default_value = "127.0.0.1:8095")]
    pub listen: SocketAddr,

    /// Where Weir keeps its catalogue, code and (later) clusters.
    #[arg(long, env = "WEIR_DATA_DIR", default_value = "./weir-data")]
    pub data_dir: PathBuf,

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

    /// Start of the daily maintenance window given to new applications (HH:MM, UTC).
    #[arg(long, env = "WEIR_MAINTENANCE_WINDOW_START", default_value = "06:00")]
    pub maintenance_window_start: String,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => crate::server::run(args),
    }
}

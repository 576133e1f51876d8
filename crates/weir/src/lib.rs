//! The `weir` command: argument parsing, configuration, credentials and the
//! glue that starts the server; and the command-line client of a running
//! server (`client/`). Everything the server does lives in the layer crates;
//! this crate only assembles them.

pub mod cli;
pub mod client;
pub mod credentials;
pub mod runtime;
pub mod server;

//! The `weir` command: argument parsing, configuration, credentials and the
//! glue that starts the server. Everything with behaviour lives in the layer
//! crates; this crate only assembles them.

pub mod cli;
pub mod credentials;
pub mod runtime;
pub mod server;

//! `weir-api`: the wire layer.
//!
//! Two APIs share the endpoint: Kinesis Analytics V2 (`operation`, `handlers`)
//! and the read side of CloudWatch Logs for application logs (`logs`).
//!
//! **Architecture invariant:** this is the only crate that knows AWS JSON shapes,
//! AWS error names and SigV4.

pub mod error;
mod handlers;
pub mod logs;
pub mod operation;
pub mod router;
pub mod sigv4;
pub mod wire;

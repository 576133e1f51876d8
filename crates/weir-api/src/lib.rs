//! `weir-api`: the wire layer.
//!
//! Three APIs share the endpoint: Kinesis Analytics V2 (`operation`,
//! `handlers`), the read side of CloudWatch Logs for application logs
//! (`logs`), and Weir's own operator API (`admin`: maintenance on demand,
//! metrics). `GET /metrics` serves the same metrics to Prometheus (`metrics`).
//!
//! **Architecture invariant:** this is the only crate that knows AWS JSON shapes,
//! AWS error names and SigV4.

pub mod admin;
pub mod console;
pub mod dashboard;
pub mod error;
pub mod fuzzing;
mod handlers;
pub mod logs;
pub mod metrics;
pub mod operation;
pub mod router;
pub mod session;
pub mod sigv4;
pub mod tokens;
pub mod wire;

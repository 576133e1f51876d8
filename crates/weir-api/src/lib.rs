//! `weir-api`: the wire layer.
//!
//! **Architecture invariant:** this is the only crate that knows AWS JSON shapes,
//! AWS error names and SigV4.

pub mod error;
mod handlers;
pub mod operation;
pub mod router;
pub mod sigv4;
pub mod wire;

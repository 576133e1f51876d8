//! `weir-api`: the wire layer.
//!
//! **Architecture invariant:** this is the only crate that knows AWS JSON shapes,
//! AWS error names and SigV4.

pub mod error;

//! What Weir's integration tests (`crates/weir/tests/`), their chaos engine
//! and the benchmarks (`crates/weir-bench`) share, in one copy each.
//!
//! - [`server`]: the one way to start the real `weir` binary on port 0 and
//!   read its ready line; the test server [`server::Weir`] with the official
//!   clients and hand-built signed requests.
//! - [`process`]: `/proc` (command lines, CPU, RSS), process groups,
//!   killing whatever a run left behind.
//! - [`flink`]: where the installed Flink runtimes and the example jobs
//!   are, and checking they are there before a test or benchmark starts.
//! - [`sample`]: the sample application, a CreateApplication request for
//!   one of the example jobs.
//! - [`sign`]: SigV4 by hand, once: the benchmark's per-request signer
//!   (fast, or the SDK's path), the fuzz client's signer of any header set,
//!   and the SDK signing behind [`server::Weir::send`].
//! - [`wait`]: waiting for an application's state (DescribeApplication at a
//!   pace until a verdict, or a timeout), over the SDK or the benchmark's
//!   raw client ([`wait::Describe`]).
//! - [`fuzz`]: the model-driven random API client of "bad input never
//!   hurts" (the test `fuzz_api.rs` and `weir-bench fuzz`).
//!
//! **Architecture invariant:** this crate drives Weir from outside, as a
//! client does (the `weir` binary, HTTP, the AWS SDK, `/proc`); it depends
//! on none of Weir's own crates, so it never sees their internals and
//! their refactors never touch it. Tests and benchmarks only: it is a
//! dev-dependency of `weir` and a dependency of the `weir-bench` binary.

pub mod flink;
pub mod fuzz;
pub mod process;
pub mod sample;
pub mod server;
pub mod sign;
pub mod wait;

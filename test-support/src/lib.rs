//! Test builders shared by the workspace's tests, once (a dev-dependency; never a dependency of a shipped crate):
//!
//! - [`record`]: a small election record built with `protocol` alone from SPEC.md §14 (not by the tallier), for
//!   the verifier's record tests;
//! - [`cli`]: the walk over a binary's clap commands that finds any option without a description in `--help`;
//! - [`kat`]: the known-answer vectors (`protocol/vectors/`), for their test and their generator;
//! - [`memory`]: the process's peak resident memory, for the benchmarks;
//! - [`primitives`]: the primitive costs the benchmarks print beside their figures;
//! - [`tamper`] (feature `verifier`): the tamperings that make sense for any record, each with the check that must
//!   catch it and the failure it must give, run against both record builders (this crate's and the tallier's in
//!   `tests/`).
//!
//! Only `protocol` among our crates, and the verifier behind the `verifier` feature: nothing that produces a
//! record, so that the verifier's own tests may use it. (The collector's in-process service for tests stays with
//! the collector's tests: it needs the collector.)
// Test builders: a failure here is a broken test set-up, so unwrap, expect and panic are the right answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cli;
pub mod kat;
pub mod memory;
pub mod primitives;
pub mod record;
#[cfg(feature = "verifier")]
pub mod tamper;

//! `verifier`: the observers' stand-alone checks. Each part of the election record is a module; `main.rs` only
//! parses arguments and prints reports.

pub mod ceremony;
pub mod chain;
pub mod changes;
pub mod checks;
pub mod failure;
pub mod files;
// The monitor, its mirror and the second-device check talk HTTP: the command-line tool's (feature `cli`), never
// the in-browser verifier's.
#[cfg(feature = "cli")]
pub mod mirror;
pub mod mixnet;
#[cfg(feature = "cli")]
pub mod monitor;
pub mod primitives;
pub mod publish;
pub mod report;
#[cfg(feature = "cli")]
pub mod second_device;
pub mod verify;

//! `verifier`: the observers' stand-alone checks. Each part of the election record is a module; `main.rs` only
//! parses arguments and prints reports.

pub mod ceremony;
pub mod chain;
pub mod checks;
pub mod failure;
pub mod files;
pub mod mirror;
pub mod mixnet;
pub mod monitor;
pub mod publish;
pub mod report;
pub mod second_device;
pub mod verify;

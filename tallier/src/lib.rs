//! `tallier`: the officials' and trustees' offline tool. Each step of the tally pipeline is a module with its
//! logic; `main.rs` only parses arguments.

pub mod mix;
pub mod setup;
pub mod trustee;

//! The officials' and trustees' offline tool. `main.rs` parses arguments; the modules hold the logic.

pub mod setup;

//! Running the `tallier` binary from a test, and reading how it ended.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_tallier");

/// Runs `tallier ARGS`, without a passphrase in the environment (each test passes `--passphrase-file`).
pub fn tallier(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env_remove("TALLIER_PASSPHRASE").output().unwrap()
}

/// Asserts success; returns the standard output.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts failure; returns the standard error (where the reason is).
pub fn fails(out: Output) -> String {
    assert!(!out.status.success(), "unexpected success: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

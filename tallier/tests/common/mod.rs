//! Running the `tallier` binary from a test, and reading how it ended.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::Path;
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

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The manifest's 2-of-3 ceremony, run by the trustees' commands; writes the election file.
pub fn ceremony(root: &Path, manifest: &Path, dir: &Path, election_file: &Path, officials: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 1..=3 {
        std::fs::write(root.join(format!("pass-{i}")), format!("correct horse battery {i}\n")).unwrap();
    }
    let trustee = |cmd: &str, i: u16| {
        let (secret, pass) = (root.join(format!("secret-{i}.json")), root.join(format!("pass-{i}")));
        let mut args = vec!["trustee", cmd, "--manifest", s(manifest), "--dir", s(dir)];
        args.extend(["--secret", s(&secret), "--passphrase-file", s(&pass)]);
        let index = i.to_string();
        if cmd == "init" {
            args.extend(["--trustee", &index]);
        }
        ok(tallier(&args));
    };
    for cmd in ["init", "deal", "confirm"] {
        for i in 1..=3u16 {
            trustee(cmd, i);
        }
    }
    ok(tallier(&["keys", "close", "--manifest", s(manifest), "--dir", s(dir), "--key", s(officials)]));
    for i in 1..=3u16 {
        trustee("reveal", i);
    }
    let key_file = root.join("election-key.json");
    let args = ["keys", "combine", "--manifest", s(manifest), "--dir", s(dir), "--out", s(&key_file), "--election"];
    ok(tallier(&[&args[..], &[s(election_file)]].concat()));
}

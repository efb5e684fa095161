//! A record whose lists are more than the process may keep open at its soft limit still verifies: `verifier
//! verify` keeps each unit's lists, proofs, partial decryptions, plaintexts and answers open from V1 to the check
//! that reads them again (about 12 files a unit, so 85 units pass the usual limit of 1,024), and raises its own
//! limit to what the system allows. Run with a soft limit below what the record keeps open.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures
#![cfg(unix)]

use std::process::Command;

use test_support::record::build_districts;

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

#[test]
fn a_record_keeping_more_files_open_than_the_soft_limit_verifies() {
    let b = build_districts();
    let kept = b.paths().iter().filter(|p| verifier::files::read_in_chunks(p)).count();
    // Below what the record keeps open (and the process's own few), above what a process needs to start.
    let soft = kept.max(24);
    let hard = String::from_utf8(Command::new("sh").args(["-c", "ulimit -Hn"]).output().unwrap().stdout).unwrap();
    if hard.trim() != "unlimited" && hard.trim().parse::<usize>().unwrap() < 2 * kept + 300 {
        panic!("this machine's hard limit of open files ({}) is too low for the test", hard.trim());
    }
    let script = format!("ulimit -Sn {soft} && exec \"$0\" verify \"$1\"");
    let out = Command::new("sh").args(["-c", &script, BIN, b.dir.to_str().unwrap()]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "soft limit {soft}, {kept} files kept:\n{stdout}\n{stderr}");
    assert!(!stdout.contains("Too many open files"), "{stdout}");
}

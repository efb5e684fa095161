//! A record frozen in the repository (`verifier/tests/frozen-record/`, written by an earlier build of the tools'
//! code): today's verifier must still pass it, check by check. A format change that makes an old record fail is
//! a version change, said in SPEC.md, and the record is refrozen with `FREEZE_RECORD=1 cargo test -p verifier
//! --test frozen` (which writes a new one from `test_support::record::build`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::path::PathBuf;

use verifier::report::Check;

fn frozen() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/frozen-record")
}

#[test]
fn the_frozen_record_still_verifies() {
    if std::env::var_os("FREEZE_RECORD").is_some() {
        let _ = std::fs::remove_dir_all(frozen());
        let built = test_support::record::build();
        built.copy_to(&frozen());
    }
    let report = verifier::verify::verify_record(&frozen(), None, false);
    assert!(report.passed(), "the frozen record no longer verifies:\n{report}");
    let ids: Vec<Check> = report.checks.iter().map(|c| c.check).collect();
    assert_eq!(ids, (1..=13).filter_map(Check::record).collect::<Vec<_>>());
}

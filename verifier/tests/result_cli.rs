//! What observers read (SPEC.md §12.6, §14.4): V13's note names the candidates with their votes and percentages;
//! `verifier result` prints the verified result in words or as CSV, and nothing when a check fails; progress goes
//! to stderr only on a terminal and never into the report; an unfinished record or a wrong path says what is
//! missing and which step makes it; a record whose `result.json` is of version 1 still verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::path::Path;
use std::process::Command;

use protocol::record;
use protocol::tally::{ResultFile, RESULT_FORMAT_V1};
use test_support::record::{build, Built};
use verifier::report::{Check, Failure, Outcome, RecordFailure};

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dir(b: &Built) -> &str {
    b.dir.to_str().unwrap()
}

/// The record of `test_support::record` counts leaves 1–4: mayor Bob 2, Alice 1, Carol 1, of 5 registered voters
/// and 7 ballots (one refused, one superseded, one revoked).
const TURNOUT: &str = "5 registered, 7 cast, 1 refused, 1 superseded, 1 revoked, 4 counted";
const MAYOR: &str =
    "contest 1, Mayor: Alice Tamm 1 (25.0 %), Bob Kask 2 (50.0 %), Carol Saar 1 (25.0 %); elected: Bob Kask";

#[test]
fn v13_note_names_candidates_with_votes_and_percentages() {
    let b = build();
    let report = b.verify();
    assert!(report.passed(), "{report}");
    let Some(Outcome::Pass { note }) = report.check(Check::V13).map(|c| c.outcome.clone()) else { panic!("{report}") };
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], TURNOUT, "{note}");
    assert_eq!(lines[1], MAYOR, "{note}");
    assert!(lines[3].starts_with("contest 3, Council (first preferences): Dan "), "{note}");
    assert!(!note.contains("{\"option\""), "{note}");
    // The binary prints it in the table (continuation lines indented), never as JSON selections.
    let (code, stdout, _) = cli(&["verify", dir(&b)]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(TURNOUT) && stdout.contains(MAYOR), "{stdout}");
    assert!(!stdout.contains("[{\"option\""), "{stdout}");
}

#[test]
fn verifier_result_prints_the_verified_result_in_words_or_csv() {
    let b = build();
    let (code, stdout, stderr) = cli(&["result", dir(&b)]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    for expected in [
        "every check passed (V1–V13)",
        "Turnout:",
        "Contest 1: Mayor (mayor; plurality, 1 seat)",
        "Contest 3: Council (council;",
        "elected: 1. Bob Kask",
        "lost to rounding",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    assert!(!stdout.contains("Contest 0"), "{stdout}");
    let (code, csv, _) = cli(&["result", "--csv", dir(&b)]);
    assert_eq!(code, Some(0));
    let rows: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(rows[0], "contest,contest_id,option_id,name,votes,percent,elected");
    assert_eq!(rows[1], "1,mayor,alice,Alice Tamm,1,25.0,no");
    assert_eq!(rows[2], "1,mayor,bob,Bob Kask,2,50.0,yes");
    // One writer: the CSV is the library's for the record's own result.json.
    let result: ResultFile = serde_json::from_slice(&b.read(record::RESULT_PATH)).unwrap();
    assert_eq!(csv, protocol::readable::csv(&result, "en"));
    // Names and labels in another language of the manifest.
    let (_, et, _) = cli(&["result", "--lang", "et", dir(&b)]);
    assert!(et.contains("Hääletus 1: Linnapea") && et.contains("valitud: 1. Bob Kask"), "{et}");
    assert!(!et.contains("elected") && !et.contains("Turnout"), "labels in Estonian too:\n{et}");

    // A record that fails a check: no result on stdout, the report on stderr, exit status 1.
    let mut v = b.read_json(record::RESULT_PATH);
    v["turnout"]["registered"] = serde_json::json!(6);
    b.replace_json(record::RESULT_PATH, &v);
    let (code, stdout, stderr) = cli(&["result", "--csv", dir(&b)]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("RESULT: FAIL (failed: V13)") && stderr.contains("no result is printed"), "{stderr}");
    assert!(stderr.contains("the turnout is"), "{stderr}");
}

/// Progress goes to stderr, only on a terminal, and is cleared before the report: the report on stdout holds none
/// of it. The terminal is a real pseudo-terminal made by util-linux's `script`; stdout goes to a file.
#[test]
fn progress_is_on_a_terminals_stderr_only_and_never_in_the_report() {
    let b = build();
    // Not a terminal: no progress at all.
    let (code, stdout, stderr) = cli(&["verify", dir(&b)]);
    assert_eq!(code, Some(0));
    assert!(stderr.is_empty(), "{stderr}");
    assert!(!stdout.contains("checked V"), "{stdout}");
    if Command::new("script").arg("--version").output().is_err() {
        panic!("util-linux `script` is needed for this test (apt-get install util-linux)");
    }
    let report_file = b.scratch.join("report.txt");
    let cmd = format!("{BIN} verify {} > {}", dir(&b), report_file.display());
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(terminal.contains("checked V13 count: pass"), "progress on the terminal: {terminal:?}");
    assert!(terminal.ends_with("\r\x1b[2K"), "the status line is cleared at the end: {terminal:?}");
    let report = std::fs::read_to_string(&report_file).unwrap();
    assert!(!report.contains("checked V") && !report.contains('\x1b') && !report.contains('\r'), "{report:?}");
    assert!(report.trim_end().ends_with("RESULT: PASS (13 checks passed)"), "{report}");
    // A reader that goes away (`| head`): the output ends quietly, never a panic.
    let mut child = Command::new(BIN)
        .args(["verify", dir(&b)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "the exit status still says whether every check passed");
    // --quiet: nothing on the terminal either.
    let cmd = format!("{BIN} verify --quiet {} > {}", dir(&b), report_file.display());
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
}

fn v1_failure(path: &Path) -> RecordFailure {
    let report = verifier::verify::verify_record(path, None, false);
    assert_eq!(report.failed_ids(), ["V1"], "{report}");
    assert_eq!(report.not_run_ids().len(), 12, "{report}");
    match report.failure(Check::V1) {
        Some(Failure::Record(f)) => f.clone(),
        other => panic!("{other:?}"),
    }
}

/// A record before `tallier tally finish` (no index.json) says what is done and what comes next; a path that is no
/// directory says so; the binary prints it in the report, not as "No such file".
#[test]
fn an_unfinished_record_says_what_is_missing_and_which_step_makes_it() {
    let b = build();
    let copy = b.scratch.join("unfinished");
    b.copy_to(&copy);
    let remove = |rel: &str| std::fs::remove_file(copy.join(rel)).unwrap();
    remove(record::INDEX_PATH);
    for c in 0..3 {
        remove(&record::answers_path(c));
        remove(&record::plaintexts_path(c));
    }
    remove(record::RESULT_PATH);
    let next = |f: RecordFailure| match f {
        RecordFailure::Unfinished { next, .. } => next,
        other => panic!("{other:?}"),
    };
    let said = next(v1_failure(&copy));
    assert!(said.contains("mixed and decrypted by trustees [1, 2, 3]") && said.contains("`tallier tally finish`"));
    // Only trustee 3 decrypted: two are needed.
    for c in 0..3 {
        remove(&record::partial_path(c, 1));
        remove(&record::partial_path(c, 2));
    }
    let said = next(v1_failure(&copy));
    assert!(said.contains("1 of the 2 trustees needed") && said.contains("tallier trustee decrypt --record"), "{said}");
    // The last mix stage not run.
    for c in 0..3 {
        remove(&record::partial_path(c, 3));
        for ext in ["list", "proof", "sig"] {
            remove(&format!("contest-{c}/stage-2.{ext}"));
        }
    }
    let said = next(v1_failure(&copy));
    assert!(said.contains("1 of its 2 mix stages") && said.contains("`tallier tally mix`"), "{said}");
    // An empty directory, a missing one, a file.
    let empty = b.scratch.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let said = next(v1_failure(&empty));
    assert!(said.contains("not an election record") && said.contains("`tallier tally prepare`"), "{said}");
    let missing = b.scratch.join("nope");
    assert!(
        matches!(v1_failure(&missing), RecordFailure::NoRecord { reason, .. } if reason.contains("no such directory"))
    );
    let file = b.scratch.join("file");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(v1_failure(&file), RecordFailure::NoRecord { reason, .. } if reason.contains("not a directory")));
    // The binary's report says it in words.
    let (code, stdout, _) = cli(&["verify", copy.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("the record is not finished") && !stdout.contains("No such file"), "{stdout}");
    let (_, stdout, _) = cli(&["verify", missing.to_str().unwrap()]);
    assert!(stdout.contains("there is no such directory"), "{stdout}");
}

/// A record written before names and turnout (`rv/result/v1`) still verifies, and says so; a version 1 file that
/// carries a version 2 field fails V13.
#[test]
fn a_version_1_result_still_verifies() {
    let b = build();
    let result: ResultFile = serde_json::from_slice(&b.read(record::RESULT_PATH)).unwrap();
    let v1 = result.in_format(RESULT_FORMAT_V1).unwrap();
    let mut json = serde_json::to_value(&v1).unwrap();
    b.replace_json(record::RESULT_PATH, &json);
    let report = b.verify();
    assert!(report.passed(), "{report}");
    let note = report.to_string();
    assert!(note.contains("older format `rv/result/v1`") && note.contains(MAYOR), "{note}");
    json["turnout"] = serde_json::to_value(result.turnout).unwrap();
    b.replace_json(record::RESULT_PATH, &json);
    assert_eq!(b.verify().failed_ids(), ["V13"]);
}

//! The in-browser verifier's logic, natively: the record's files given by path (as the page gives them) get the
//! same report as `verifier verify` of the same files in a directory — the honest record, and every tampering of
//! the shared table (`test_support::tamper`) — with each check called back as it is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use protocol::record::INDEX_PATH;
use serde_json::Value;
use test_support::record::{build, build_districts, build_voter_list, Built};
use test_support::tamper;
use verifier::report::Check;
use verifier_web::GivenRecord;

/// Every file under `dir` by its `/`-separated path, as a browser gives a chosen folder; `None` when the folder
/// holds what a browser cannot give (a link, an empty folder).
fn given(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) -> Option<()> {
        let mut any = false;
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(&entry.path(), &rel, out)?;
            } else if kind.is_file() {
                out.insert(rel, std::fs::read(entry.path()).unwrap());
            } else {
                return None;
            }
            any = true;
        }
        any.then_some(())
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out)?;
    Some(out)
}

/// The report's JSON without what differs by nature: the subject (a directory or a name) and each check's time.
fn comparable(mut v: Value) -> Value {
    v["subject"] = Value::Null;
    for c in v["checks"].as_array_mut().unwrap() {
        c["millis"] = Value::Null;
    }
    v
}

/// Verifies `files` as the page does; returns the report and the ids called back, in order.
fn verify_given(files: BTreeMap<String, Vec<u8>>, fingerprint: &str) -> (Value, Vec<String>) {
    let mut record = GivenRecord::new("chosen folder");
    for (path, bytes) in files {
        record.add(&path, bytes).unwrap();
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let report = record
        .verify(fingerprint, move |c| log.lock().unwrap().push(serde_json::to_value(c).unwrap()["id"].to_string()))
        .unwrap();
    let ids = seen.lock().unwrap().iter().map(|s| s.trim_matches('"').to_string()).collect();
    (report, ids)
}

fn fingerprint(b: &Built) -> String {
    let index: Value = b.read_json(INDEX_PATH);
    index["fingerprint"].as_str().unwrap().to_string()
}

#[test]
fn given_files_get_the_same_report_as_the_directory() {
    let b = build();
    let fp = fingerprint(&b);
    let dir_report =
        verifier::verify::verify_record(&b.dir, Some(&verifier::verify::parse_fingerprint(&fp).unwrap()), false);
    assert!(dir_report.passed(), "{dir_report}");
    let (report, ids) = verify_given(given(&b.dir).unwrap(), &format!("  {}  ", fp.to_uppercase()));
    assert_eq!(report["passed"], true, "{report:#}");
    assert_eq!(report["subject"], "election record chosen folder");
    assert_eq!(report["election"]["pinned"], true);
    assert_eq!(comparable(report), comparable(dir_report.to_json()));
    let expected: Vec<String> = (1..=13).map(|n| format!("V{n}")).collect();
    assert_eq!(ids, expected, "each check called back once, in order");
}

/// Every tampering of the shared table: the files given by path fail the same check first, with the same report
/// (same ids, verdicts, reasons and failure kinds), as the directory.
#[test]
fn every_tampering_fails_the_same_check_given_as_files() {
    let b = build();
    let mut saved = given(&b.dir).unwrap();
    saved.insert(INDEX_PATH.into(), b.read(INDEX_PATH));
    let mut compared = 0;
    let mut browser_cannot_give = Vec::new();
    for case in tamper::shared() {
        (case.tamper)(&b);
        let dir_report = verifier::verify::verify_record(&b.dir, None, false);
        case.judge(&dir_report).unwrap();
        match given(&b.dir) {
            Some(files) => {
                let (report, _) = verify_given(files, "");
                assert_eq!(comparable(report), comparable(dir_report.to_json()), "{}", case.name);
                compared += 1;
            }
            None => browser_cannot_give.push(case.name),
        }
        for (p, bytes) in &saved {
            std::fs::write(b.path(p), bytes).unwrap();
        }
        let _ = std::fs::remove_file(b.path("extra.txt"));
        let _ = std::fs::remove_dir(b.path("empty"));
        let _ = std::fs::remove_dir_all(b.path("a"));
    }
    assert!(b.verify().passed());
    assert!(compared >= 20, "only {compared} tamperings compared");
    assert!(browser_cannot_give.len() <= 3, "{browser_cannot_give:?}");
}

#[test]
fn bad_input_is_refused_in_words() {
    let mut record = GivenRecord::new("x");
    record.add("index.json", b"{}".to_vec()).unwrap();
    assert!(record.add("index.json", Vec::new()).unwrap_err().contains("given twice"));
    let err = record.verify("not hex", |_| {}).unwrap_err();
    assert!(err.contains("64 lower-case hex digits"), "{err}");
    // No files at all: V1 fails and says what to choose.
    let (report, ids) = verify_given(BTreeMap::new(), "");
    assert_eq!(report["failed"], serde_json::json!(["V1"]));
    assert!(report["checks"][0]["reason"].as_str().unwrap().contains("no files were given"), "{report:#}");
    assert_eq!(ids.len(), 13);
    // A record without its index: V1 says which step comes next, as for a directory.
    let b = build();
    let mut files = given(&b.dir).unwrap();
    files.remove(INDEX_PATH);
    let (report, _) = verify_given(files, "");
    let reason = report["checks"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("tallier tally finish"), "{reason}");
    // A file the index lists but that was not given, and one given that it does not list.
    let mut files = given(&b.dir).unwrap();
    files.remove("result.json");
    files.insert("notes.txt".into(), b"mine".to_vec());
    let (report, _) = verify_given(files.clone(), "");
    assert!(report["checks"][0]["reason"].as_str().unwrap().contains("notes.txt"), "{report:#}");
    files.remove("notes.txt");
    let (report, _) = verify_given(files, "");
    let reason = report["checks"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("result.json") && reason.contains("not among the files given"), "{reason}");
}

/// Verifies `files` as the page does with `helpers` helper workers (each verifying its share of the costly parts
/// beforehand, the coordinator taking their digests between its steps), plus `extra` digests handed over as if by
/// a helper. Returns the report, the number of parts the helpers verified, and how many the coordinator skipped.
fn verify_with_helpers(
    files: &BTreeMap<String, Vec<u8>>,
    helpers: usize,
    extra: &[([u8; 32], String)],
) -> (Value, Vec<([u8; 32], String)>, usize) {
    let record = |files: &BTreeMap<String, Vec<u8>>| {
        let mut r = GivenRecord::new("chosen folder");
        for (path, bytes) in files {
            r.add(path, bytes.clone()).unwrap();
        }
        r
    };
    // Each helper's digests, by the check they are part of.
    let mut found: BTreeMap<Check, Vec<([u8; 32], String)>> = BTreeMap::new();
    for index in 0..helpers {
        let Ok(mut helper) = record(files).helper() else { continue };
        for part in helper.share(index, helpers) {
            found.entry(part.check()).or_default().extend(helper.verify(part));
        }
    }
    let all: Vec<([u8; 32], String)> = found.values().flatten().cloned().collect();
    let mut run = record(files).start("", |_| {}).unwrap();
    for (key, note) in extra {
        run.verified().insert(*key, note.clone());
    }
    for (check, upto) in [(Check::V6, 5), (Check::V10, 9), (Check::V11, 10)] {
        run.run_to(upto);
        for (key, note) in found.remove(&check).unwrap_or_default() {
            run.verified().insert(key, note);
        }
    }
    run.run_to(13);
    let used = run.verified().used();
    (run.finish().to_json(), all, used)
}

/// With 1, 2 or 3 helpers, the honest record gets the same report as without; the helpers verify every costly
/// part (each ballot, each stage, each contest's decryption), and the coordinator skips each of them once.
#[test]
fn helpers_share_the_costly_parts_and_the_report_is_the_same() {
    let b = build();
    let files = given(&b.dir).unwrap();
    let (alone, _) = verify_given(files.clone(), "");
    assert_eq!(alone["passed"], true);
    let params: protocol::election::ElectionParameters =
        serde_json::from_value(b.read_json(protocol::record::ELECTION_PATH)).unwrap();
    let election = params.election().unwrap();
    let (contests, stages) = (election.manifest().contests.len(), usize::from(election.manifest().mix_stages()));
    let ballots = b.read_json(protocol::record::BALLOT_BOX_PATH)["ballots"].as_array().unwrap().len();
    let mut helper = {
        let mut r = GivenRecord::new("chosen folder");
        for (path, bytes) in &files {
            r.add(path, bytes.clone()).unwrap();
        }
        r.helper().unwrap()
    };
    let mut plan: Vec<_> = helper.plan().into_iter().map(|(part, _)| part).collect();
    plan.sort();
    for count in 1..=5 {
        let mut shared: Vec<_> = (0..count).flat_map(|i| helper.share(i, count)).collect();
        shared.sort();
        assert_eq!(shared, plan, "{count} helpers: each part in exactly one share");
    }
    for helpers in 1..=3 {
        let (report, parts, used) = verify_with_helpers(&files, helpers, &[]);
        assert_eq!(comparable(report), comparable(alone.clone()), "{helpers} helpers");
        assert_eq!(parts.len(), ballots + contests * stages + contests, "{helpers} helpers: every part verified");
        assert_eq!(used, parts.len(), "{helpers} helpers: the coordinator skipped each part once");
    }
}

/// Every tampering of the shared table gets the same report with two helpers as without; and the digests of the
/// honest record's parts, handed over as if a helper had verified them, change nothing on any tampered copy: a
/// digest names exact bytes, so only untouched parts are skipped.
#[test]
fn helpers_change_no_verdict_on_a_tampered_record() {
    let b = build();
    let honest = given(&b.dir).unwrap();
    let (_, honest_parts, _) = verify_with_helpers(&honest, 2, &[]);
    let mut saved = honest.clone();
    saved.insert(INDEX_PATH.into(), b.read(INDEX_PATH));
    let mut compared = 0;
    for case in tamper::shared() {
        (case.tamper)(&b);
        if let Some(files) = given(&b.dir) {
            let (alone, _) = verify_given(files.clone(), "");
            let (helped, _, _) = verify_with_helpers(&files, 2, &[]);
            assert_eq!(comparable(helped), comparable(alone.clone()), "{}: two helpers", case.name);
            let (stale, _, _) = verify_with_helpers(&files, 0, &honest_parts);
            assert_eq!(comparable(stale), comparable(alone), "{}: the honest record's digests", case.name);
            compared += 1;
        }
        for (p, bytes) in &saved {
            std::fs::write(b.path(p), bytes).unwrap();
        }
        let _ = std::fs::remove_file(b.path("extra.txt"));
        let _ = std::fs::remove_dir(b.path("empty"));
        let _ = std::fs::remove_dir_all(b.path("a"));
    }
    assert!(compared >= 20, "only {compared} tamperings compared");
}

/// A record with districts (SPEC.md §4.6: 6 units, 2 of them reached by no ballot, so not mixed): given as files,
/// with or without helpers, it gets the directory's report; the helpers verify each ballot and each mixed unit's
/// stages and decryption, and nothing of the empty units. Each tampering of the districts table gets the same
/// report given as files, with two helpers, as from the directory.
#[test]
fn a_record_with_districts_gets_the_same_report_given_as_files_and_with_helpers() {
    let b = build_districts();
    let fp = fingerprint(&b);
    let dir_report =
        verifier::verify::verify_record(&b.dir, Some(&verifier::verify::parse_fingerprint(&fp).unwrap()), false);
    assert!(dir_report.passed(), "{dir_report}");
    let files = given(&b.dir).unwrap();
    let (report, _) = verify_given(files.clone(), &fp);
    assert_eq!(comparable(report), comparable(dir_report.to_json()));
    let (alone, _) = verify_given(files.clone(), "");
    assert_eq!(alone["passed"], true);
    let stages = usize::from(b.election.manifest().mix_stages());
    let (mixed, ballots) = (4, 9);
    for helpers in 1..=3 {
        let (report, parts, used) = verify_with_helpers(&files, helpers, &[]);
        assert_eq!(comparable(report), comparable(alone.clone()), "{helpers} helpers");
        assert_eq!(parts.len(), ballots + mixed * stages + mixed, "{helpers} helpers: every part verified");
        assert_eq!(used, parts.len(), "{helpers} helpers: the coordinator skipped each part once");
    }
    let mut saved = files;
    saved.insert(INDEX_PATH.into(), b.read(INDEX_PATH));
    for case in tamper::districts() {
        (case.tamper)(&b);
        let dir_report = verifier::verify::verify_record(&b.dir, None, false);
        case.judge(&dir_report).unwrap();
        let files = given(&b.dir).unwrap();
        let (report, _) = verify_given(files.clone(), "");
        assert_eq!(comparable(report), comparable(dir_report.to_json()), "{}", case.name);
        let (helped, _, _) = verify_with_helpers(&files, 2, &[]);
        assert_eq!(comparable(helped), comparable(dir_report.to_json()), "{}: two helpers", case.name);
        for (p, bytes) in &saved {
            std::fs::write(b.path(p), bytes).unwrap();
        }
    }
    assert!(b.verify().passed());
}

/// A record whose voter list changed while the election was open (SPEC.md §4.7: an add, a remove and two moves
/// between the ballots): given as files, with or without helpers, it gets the directory's report (V4–V8 replay
/// the changes through the shared checks), and each tampering of the voter-list table gets the same report given as
/// files, with two helpers, as from the directory.
#[test]
fn a_record_with_voter_list_changes_gets_the_same_report_given_as_files_and_with_helpers() {
    let b = build_voter_list();
    let fp = fingerprint(&b);
    let dir_report =
        verifier::verify::verify_record(&b.dir, Some(&verifier::verify::parse_fingerprint(&fp).unwrap()), false);
    assert!(dir_report.passed(), "{dir_report}");
    let files = given(&b.dir).unwrap();
    let (report, _) = verify_given(files.clone(), &fp);
    assert_eq!(comparable(report), comparable(dir_report.to_json()));
    let (alone, _) = verify_given(files.clone(), "");
    assert_eq!(alone["passed"], true);
    let stages = usize::from(b.election.manifest().mix_stages());
    let (mixed, ballots) = (6, 9);
    for helpers in 1..=2 {
        let (report, parts, used) = verify_with_helpers(&files, helpers, &[]);
        assert_eq!(comparable(report), comparable(alone.clone()), "{helpers} helpers");
        assert_eq!(parts.len(), ballots + mixed * stages + mixed, "{helpers} helpers: every part verified");
        assert_eq!(used, parts.len(), "{helpers} helpers: the coordinator skipped each part once");
    }
    let mut saved = files;
    saved.insert(INDEX_PATH.into(), b.read(INDEX_PATH));
    for case in tamper::voter_list() {
        (case.tamper)(&b);
        let dir_report = verifier::verify::verify_record(&b.dir, None, false);
        case.judge(&dir_report).unwrap();
        let files = given(&b.dir).unwrap();
        let (report, _) = verify_given(files.clone(), "");
        assert_eq!(comparable(report), comparable(dir_report.to_json()), "{}", case.name);
        let (helped, _, _) = verify_with_helpers(&files, 2, &[]);
        assert_eq!(comparable(helped), comparable(dir_report.to_json()), "{}: two helpers", case.name);
        for (p, bytes) in &saved {
            std::fs::write(b.path(p), bytes).unwrap();
        }
    }
    assert!(b.verify().passed());
}

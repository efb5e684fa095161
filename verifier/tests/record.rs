//! `verifier verify`, `receipt` and `consistency` on a record built from SPEC.md §14 with `protocol` alone
//! (`test_support::record`): the honest record passes; each tampering of the shared table (`test_support::tamper`,
//! also run against the tallier's record in `tests/tests/tamper.rs`) is caught by the check §14.4 assigns it, with
//! the failure it names; garbage in any file gives failed checks, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use protocol::log::SignedTreeHead;
use protocol::record;
use serde_json::json;
use test_support::record::{build, write_json, Built};
use test_support::tamper::{self, resign_head};

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

fn cli(args: &[&Path]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file of the record, to put back after a tampering.
fn snapshot(b: &Built) -> BTreeMap<String, Vec<u8>> {
    let mut all: BTreeMap<String, Vec<u8>> = b.paths().into_iter().map(|p| (p.clone(), b.read(&p))).collect();
    all.insert(record::INDEX_PATH.into(), b.read(record::INDEX_PATH));
    all
}

fn restore(b: &Built, saved: &BTreeMap<String, Vec<u8>>) {
    for (p, bytes) in saved {
        std::fs::write(b.path(p), bytes).unwrap();
    }
}

#[test]
fn honest_record_passes() {
    let b = build();
    let report = b.verify();
    assert!(report.passed(), "{report}");
    println!("{report}");
    let ids: Vec<&str> = report.checks.iter().map(|c| c.check.id()).collect();
    assert_eq!(ids, ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "V11", "V12", "V13"]);
    // The binary: exit 0, a table ending in RESULT: PASS; no progress when stderr is not a terminal (a pipe
    // here; `tests/result_cli.rs` runs it on a terminal); --json parses and agrees.
    let (ok, stdout, stderr) = cli(&[Path::new("verify"), &b.dir]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.trim_end().ends_with("RESULT: PASS (13 checks passed)"), "{stdout}");
    assert!(stderr.is_empty(), "no progress into a pipe: {stderr}");
    let (ok, stdout, stderr) = cli(&[Path::new("verify"), Path::new("--json"), &b.dir]);
    assert!(ok && stderr.is_empty(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["passed"], true);
    assert_eq!(v["checks"].as_array().unwrap().len(), 13);
    let (_, _, stderr) = cli(&[Path::new("verify"), Path::new("--quiet"), &b.dir]);
    assert!(stderr.is_empty());
}

/// Each tampering of the shared table, applied to the honest record: the check that must catch it fails first,
/// with the failure the table names.
/// SPEC.md: exercises L9 (in V4).
#[test]
fn tamperings_are_caught_by_the_expected_check() {
    let b = build();
    let saved = snapshot(&b);
    let cases = tamper::shared();
    for v in 1..=13 {
        let check = verifier::report::Check::record(v).unwrap();
        assert!(cases.iter().any(|c| c.check == check), "no tampering for {check}");
    }
    let mut failures = Vec::new();
    for case in &cases {
        (case.tamper)(&b);
        if let Err(e) = case.judge(&b.verify()) {
            failures.push(e);
        }
        restore(&b, &saved);
        let _ = std::fs::remove_file(b.path("extra.txt"));
        let _ = std::fs::remove_dir(b.path("empty"));
        let _ = std::fs::remove_dir_all(b.path("a"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} tamperings not caught as expected:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert!(b.verify().passed());
}

#[test]
fn tampering_names_where() {
    let b = build();
    let mut v = b.read_json(record::REJECTED_PATH);
    v["rejected"][0]["reason"] = json!("bad_proof");
    b.replace_json(record::REJECTED_PATH, &v);
    let report = b.verify();
    assert_eq!(report.failed_ids(), ["V6"], "{report}");
    use verifier::report::{BallotFailure, Check, Failure};
    assert!(
        matches!(report.failure(Check::V6), Some(Failure::Ballots(BallotFailure::Rejected(d))) if d.entry == 0),
        "{report}"
    );
    let json = report.to_json();
    assert_eq!(json["checks"][5]["kinds"], json!(["ballots.rejected"]), "{json}");
    let text = report.to_string();
    assert!(
        text.contains("tally/rejected.json") && text.contains("entry 0") && text.contains("unknown_credential"),
        "{text}"
    );
    // V7 onwards ran on the recomputed R1, so they pass.
    assert!(report
        .check(verifier::report::Check::V7)
        .is_some_and(|c| matches!(c.outcome, verifier::report::Outcome::Pass { .. })));
    // The binary exits non-zero and says where.
    let (ok, stdout, _) = cli(&[Path::new("verify"), Path::new("--quiet"), &b.dir]);
    assert!(!ok && stdout.contains("RESULT: FAIL (failed: V6)"), "{stdout}");
}

#[test]
fn missing_index_and_empty_directory_fail_v1() {
    let tmp = tempfile::tempdir().unwrap();
    let report = verifier::verify::verify_record(tmp.path(), None, false);
    assert_eq!(report.failed_ids(), ["V1"]);
    assert_eq!(report.not_run_ids().len(), 12, "{report}");
    let report = verifier::verify::verify_record(&tmp.path().join("nope"), None, false);
    assert_eq!(report.failed_ids(), ["V1"]);
    assert!(report.to_string().contains("there is no such directory"), "{report}");
}

/// Every file replaced by garbage (re-indexed, so V1 passes): a failed check, never a panic.
#[test]
fn garbage_in_any_file_fails_a_check_without_panicking() {
    let b = build();
    let saved = snapshot(&b);
    let garbage: [&[u8]; 4] = [b"", b"{}", &[0xff; 7], &[0u8; 200]];
    for path in b.paths() {
        for g in garbage {
            b.replace(&path, g);
            let report = b.verify();
            assert!(!report.passed(), "{path} = {g:?} passed");
            restore(&b, &saved);
        }
    }
    // Absurd sizes in a list header: rejected before anything is allocated.
    let p = record::stage_list_path(0, 1);
    let mut bytes = b.read(&p);
    bytes[0..8].copy_from_slice(&[0xff; 8]);
    b.replace(&p, &bytes);
    let report = b.verify();
    assert!(report.failed_ids().contains(&"V10"), "{report}");
    restore(&b, &saved);
    // The index itself: garbage, and a path escaping the record.
    std::fs::write(b.path(record::INDEX_PATH), b"[1,2").unwrap();
    assert_eq!(b.verify().failed_ids(), ["V1"]);
    let mut v = serde_json::from_slice::<serde_json::Value>(&saved[record::INDEX_PATH]).unwrap();
    v["entries"][0]["path"] = json!("../outside.json");
    std::fs::write(b.path(record::INDEX_PATH), v.to_string()).unwrap();
    assert_eq!(b.verify().failed_ids(), ["V1"]);
}

/// `verifier receipt` on the file the voting page downloads (`{receipt, tracker, ballot_id}`): its exit status and
/// its output.
fn receipt(b: &Built, leaf: u64) -> (Option<i32>, String) {
    let path = b.scratch.join(format!("receipt-{leaf}.json"));
    let r = &b.receipts[leaf as usize];
    write_json(&path, &json!({"receipt": r, "tracker": r.ballot_id.tracker(), "ballot_id": r.ballot_id.to_hex()}));
    let out = Command::new(BIN).args([Path::new("receipt"), Path::new("--quiet"), &path, &b.dir]).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn receipts_say_what_became_of_the_ballot() {
    let b = build();
    let superseded_by = format!("SUPERSEDED by ballot {} at leaf 3", b.receipts[3].ballot_id.to_hex());
    for (leaf, status, exit) in [
        (b.counted_leaf, "COUNTED: ballot", 0),
        (b.revote_leaf, "COUNTED: ballot", 0),
        (b.superseded_leaf, superseded_by.as_str(), 3),
        (b.revoked_leaf, "REVOKED: the voter voted on paper", 4),
        (b.refused_leaf, "REFUSED: the tally refused this ballot (unknown_credential)", 5),
    ] {
        let (code, out) = receipt(&b, leaf);
        assert_eq!(code, Some(exit), "{out}");
        // The headline comes first, after the subject line.
        assert!(out.lines().nth(1).is_some_and(|l| l.starts_with(status)), "leaf {leaf}: {out}");
    }
    // The collector's receipt alone is read too; a page file whose tracker is not its receipt's, or with a field
    // the page never writes, is refused at RC1.
    let path = b.scratch.join("bare.json");
    write_json(&path, &b.receipts[1]);
    assert!(verifier::verify::verify_receipt(&path, &b.dir, None, false).passed());
    // The collector's receipt as served since it carries its canonical bytes (SPEC.md §11.6), alone or in the
    // page's file: read, the bytes checked against the fields.
    let r = &b.receipts[1];
    let served = protocol::log::WithBytes(r.clone());
    for file in
        [json!(served), json!({"receipt": served, "tracker": r.ballot_id.tracker(), "ballot_id": r.ballot_id.to_hex()})]
    {
        write_json(&path, &file);
        assert!(verifier::verify::verify_receipt(&path, &b.dir, None, false).passed());
    }
    let mut other = json!(served);
    other["leaf_index"] = json!(r.leaf_index + 1);
    write_json(&path, &other);
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert_eq!(report.failed_ids(), ["RC1"], "{report}");
    let r = &b.receipts[1];
    for bad in [
        json!({"receipt": r, "tracker": "0000-0000-0000-0000", "ballot_id": r.ballot_id.to_hex()}),
        json!({"receipt": r, "tracker": "x", "ballot_id": r.ballot_id.to_hex(), "counted": true}),
    ] {
        write_json(&path, &bad);
        let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
        assert_eq!(report.failed_ids(), ["RC1"], "{report}");
    }
    // A receipt with another leaf's index: its signature no longer verifies.
    let mut forged = b.receipts[1].clone();
    forged.leaf_index = 2;
    let path = b.scratch.join("forged.json");
    write_json(&path, &forged);
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert!(report.failed_ids().contains(&"RC2"), "{report}");
    // A receipt whose time was changed: its signature no longer verifies.
    let mut forged = b.receipts[1].clone();
    forged.accepted_at += 1;
    write_json(&path, &forged);
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert!(report.failed_ids().contains(&"RC2"), "{report}");
    // The collector signed the voter a receipt with another time than the box's leaf, over a tree of its own:
    // the receipt holds on its own (RC2) but is not the box's leaf (RC3), and both times are named.
    let r = &b.receipts[1];
    let mut tree = protocol::log::LogTree::new();
    tree.push(*b.tree.leaf(0).unwrap());
    tree.push(protocol::log::leaf_hash(&r.ballot_id, &r.ballot_hash, r.accepted_at + 7));
    let body = protocol::log::ReceiptBody { accepted_at: r.accepted_at + 7, root: tree.root(2).unwrap(), ..r.body() };
    let other = body.sign(&b.collector, tree.inclusion_proof(1, 2).unwrap());
    write_json(&path, &other);
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert!(!report.failed_ids().contains(&"RC2") && report.failed_ids().contains(&"RC3"), "{report}");
    let text = report.to_string();
    assert!(
        text.contains(&format!("{} s", r.accepted_at)) && text.contains(&format!("{} s", r.accepted_at + 7)),
        "{text}"
    );
    // A box that dropped the receipt's ballot (the collector re-signed its head): RC3 or RC4 fails.
    let mut v = b.read_json(record::BALLOT_BOX_PATH);
    let ballots = v["ballots"].as_array_mut().unwrap();
    ballots.remove(1);
    for (i, e) in ballots.iter_mut().enumerate() {
        e["leaf_index"] = json!(i);
    }
    resign_head(&b, &mut v);
    b.replace_json(record::BALLOT_BOX_PATH, &v);
    let path = b.scratch.join("r1.json");
    write_json(&path, &b.receipts[1]);
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert!(report.failed_ids().contains(&"RC3"), "{report}");
    // Garbage receipt: RC1 fails, no panic.
    std::fs::write(&path, b"not json").unwrap();
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert_eq!(report.failed_ids(), ["RC1"], "{report}");
}

#[test]
fn consistency_of_two_heads() {
    let b = build();
    let fp = *b.election.fingerprint();
    let head = |size: u64| SignedTreeHead::sign(&b.collector, fp, size, b.tree.root(size).unwrap(), 100 + size);
    let old = b.scratch.join("old.json");
    let new = b.scratch.join("new.json");
    let proof = b.scratch.join("proof.json");
    write_json(&old, &head(3));
    write_json(&new, &head(7));
    let path: Vec<String> = b.tree.consistency_proof(3, 7).unwrap().iter().map(hex::encode).collect();
    write_json(&proof, &json!({"first": 3, "second": 7, "path": path}));
    let key = hex::encode(b.collector.verifying_key().to_bytes());
    let run = || {
        let out = Command::new(BIN)
            .args(["consistency", "--quiet", "--collector-key", &key])
            .args([&old, &new, &proof])
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, out) = run();
    assert!(ok, "{out}");
    // A fork: the new head's root is another tree's.
    let mut forked = head(7);
    forked = SignedTreeHead::sign(&b.collector, fp, 7, b.tree.root(6).unwrap(), forked.timestamp);
    write_json(&new, &forked);
    let (ok, out) = run();
    assert!(!ok && out.contains("CS3") && out.contains("RESULT: FAIL (failed: CS3)"), "{out}");
    // A head not signed by the collector.
    let mut unsigned = head(7);
    unsigned.signature[0] ^= 1;
    write_json(&new, &unsigned);
    let (ok, out) = run();
    assert!(!ok && out.contains("RESULT: FAIL (failed: CS2"), "{out}");
    // Garbage.
    std::fs::write(&proof, b"[").unwrap();
    let (ok, out) = run();
    assert!(!ok && out.contains("RESULT: FAIL (failed: CS1; not run: CS2, CS3)"), "{out}");
}

/// The index of the manifest's first ranked contest.
fn ranked_contest(b: &Built) -> usize {
    b.election
        .manifest()
        .contests
        .iter()
        .position(|c| matches!(c.kind, protocol::manifest::ContestKind::Ranked { .. }))
        .unwrap()
}

/// A ranked contest's `answers.json` names an option the contest does not have (re-indexed): V12 fails, and V13,
/// which counts the record's answers, handles them as data: a report, not a panic (exit 1, not 101).
#[test]
fn an_answer_naming_an_option_that_does_not_exist_fails_without_panicking() {
    let b = build();
    let c = ranked_contest(&b);
    let p = record::answers_path(c);
    let mut v = b.read_json(&p);
    let answers = v["answers"].as_array_mut().unwrap();
    let first_valid = answers.iter().position(|a| a.get("selections").is_some()).unwrap();
    answers[first_valid] = json!({"selections": [{"option": 999}, {"option": 0}]});
    b.replace_json(&p, &v);
    let report = b.verify();
    assert_eq!(report.failed_ids().first(), Some(&"V12"), "{report}");
    let (ok, stdout, stderr) = cli(&[Path::new("verify"), Path::new("--quiet"), &b.dir]);
    assert!(!ok && stdout.contains("RESULT: FAIL"), "{stdout}{stderr}");
}

/// Adds `"extra": ["Mallory"]` to the first object under `v` that has key `key`, depth first.
fn add_unknown_field(v: &mut serde_json::Value, key: &str) -> bool {
    match v {
        serde_json::Value::Object(m) if m.contains_key(key) => {
            m.insert("elected_names".into(), json!(["Mallory"]));
            true
        }
        serde_json::Value::Object(m) => m.values_mut().any(|x| add_unknown_field(x, key)),
        serde_json::Value::Array(a) => a.iter_mut().any(|x| add_unknown_field(x, key)),
        _ => false,
    }
}

/// SPEC.md §1.2: content the tally never wrote (an unknown field, a missing `write_in`, a duplicate key), re-indexed
/// so that V1's digests pass, is refused by the check that reads the file, whatever the canonical encoding says.
#[test]
fn content_the_tally_never_wrote_is_refused() {
    let b = build();
    let saved = snapshot(&b);
    type Tamper = Box<dyn Fn(&Built)>;
    let unknown = |path: String, key: &'static str| -> Tamper {
        Box::new(move |b: &Built| {
            let mut v = b.read_json(&path);
            assert!(add_unknown_field(&mut v, key), "{path} has no `{key}`");
            b.replace_json(&path, &v);
        })
    };
    let cases: Vec<(&str, Tamper)> = vec![
        ("an unknown field in a result.json contest", unknown(record::RESULT_PATH.into(), "elected")),
        ("an unknown field in a result.json round", unknown(record::RESULT_PATH.into(), "exhausted")),
        ("an unknown field in an answers.json entry", unknown(record::answers_path(0), "selections")),
        ("an unknown field in a ceremony proof", unknown(record::ceremony_path("announcement", 1), "s")),
        ("an unknown field in a manifest contest's kind", unknown(record::ELECTION_PATH.into(), "type")),
        (
            "a manifest contest without `write_in`",
            Box::new(|b| {
                let mut v = b.read_json(record::ELECTION_PATH);
                let removed = v["manifest"]["contests"][0].as_object_mut().unwrap().remove("write_in");
                assert!(removed.is_some());
                b.replace_json(record::ELECTION_PATH, &v);
            }),
        ),
        (
            "a duplicate key in a localized text",
            Box::new(|b| {
                let text = String::from_utf8(b.read(record::ELECTION_PATH)).unwrap();
                let v = b.read_json(record::ELECTION_PATH);
                let (lang, title) = v["manifest"]["contests"][0]["options"][0]["title"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .next()
                    .map(|(k, t)| (k.clone(), t.as_str().unwrap().to_string()))
                    .unwrap();
                let honest = format!("{}: {}", json!(lang), json!(title));
                assert!(text.contains(&honest), "{honest}");
                let doubled = format!("{}: {}, {honest}", json!(lang), json!("Mallory"));
                b.replace(record::ELECTION_PATH, text.replacen(&honest, &doubled, 1).as_bytes());
            }),
        ),
    ];
    for (what, tamper) in cases {
        tamper(&b);
        let report = b.verify();
        assert!(!report.passed(), "{what}: accepted\n{report}");
        restore(&b, &saved);
    }
    assert!(b.verify().passed());
}

/// V1's failures as data: which file or entry, and how (SPEC.md §13 V1).
#[test]
fn v1_failures_say_which_file_and_how() {
    use verifier::report::{Check, Failure, RecordFailure};
    let b = build();
    let saved = snapshot(&b);
    let v1 = |b: &Built| match b.verify().failure(Check::V1) {
        Some(Failure::Record(f)) => f.clone(),
        other => panic!("V1: {other:?}"),
    };
    let entry = b.paths().iter().position(|p| p == record::RESULT_PATH).unwrap();
    std::fs::write(b.path(record::RESULT_PATH), b"{}").unwrap();
    assert_eq!(v1(&b), RecordFailure::Altered { entry, path: record::RESULT_PATH.into() });
    restore(&b, &saved);
    std::fs::write(b.path("extra.txt"), b"x").unwrap();
    assert_eq!(v1(&b), RecordFailure::Unlisted { path: "extra.txt".into() });
    std::fs::remove_file(b.path("extra.txt")).unwrap();
    std::fs::create_dir(b.path("empty")).unwrap();
    assert!(matches!(v1(&b), RecordFailure::Directory(why) if why.contains("`empty/`")));
    std::fs::remove_dir(b.path("empty")).unwrap();
    std::fs::remove_file(b.path(record::RESULT_PATH)).unwrap();
    assert!(
        matches!(v1(&b), RecordFailure::EntryUnreadable { entry: e, path, .. } if e == entry && path == record::RESULT_PATH)
    );
    restore(&b, &saved);
    std::fs::write(b.path(record::INDEX_PATH), b"[1,2").unwrap();
    assert!(matches!(v1(&b), RecordFailure::IndexUndecodable(_)));
    let mut v = serde_json::from_slice::<serde_json::Value>(&saved[record::INDEX_PATH]).unwrap();
    v["entries"][0]["path"] = json!("../outside.json");
    std::fs::write(b.path(record::INDEX_PATH), v.to_string()).unwrap();
    assert!(matches!(v1(&b), RecordFailure::Index(record::IndexError::BadPath { index: 0, .. })));
    std::fs::remove_file(b.path(record::INDEX_PATH)).unwrap();
    assert!(matches!(v1(&b), RecordFailure::Unfinished { next, .. } if next.contains("tallier tally finish")));
    std::fs::create_dir(b.path(record::INDEX_PATH)).unwrap();
    assert!(matches!(v1(&b), RecordFailure::IndexUnreadable(why) if why.contains("not a regular file")));
    std::fs::remove_dir(b.path(record::INDEX_PATH)).unwrap();
    restore(&b, &saved);
    assert!(b.verify().passed());
}

/// V2's failures as data (SPEC.md §14.4 V2): another election pinned, an index of another fingerprint, a layout
/// that is not §14.1's, an election file that does not decode.
#[test]
fn v2_failures_say_which_binding_fails() {
    use verifier::report::{Check, ElectionFailure, Failure};
    let b = build();
    let saved = snapshot(&b);
    let v2 = |report: verifier::report::Report| match report.failure(Check::V2) {
        Some(Failure::Election(f)) => f.clone(),
        other => panic!("V2: {other:?}\n{report}"),
    };
    let other = protocol::Fingerprint([9; 32]);
    let f = v2(verifier::verify::verify_record(&b.dir, Some(&other), false));
    assert_eq!(f, ElectionFailure::NotThePinned { record: b.election.fingerprint().to_hex(), pinned: other.to_hex() });
    let mut v = serde_json::from_slice::<serde_json::Value>(&saved[record::INDEX_PATH]).unwrap();
    v["fingerprint"] = json!(other.to_hex());
    std::fs::write(b.path(record::INDEX_PATH), v.to_string()).unwrap();
    b.reindex();
    assert!(matches!(v2(b.verify()), ElectionFailure::NotTheIndexs { index, .. } if index == other.to_hex()));
    restore(&b, &saved);
    b.replace(record::ELECTION_PATH, b"{}");
    assert!(matches!(v2(b.verify()), ElectionFailure::Undecodable(_)));
    restore(&b, &saved);
    assert!(b.verify().passed());
}

/// A mix stage's list and proof are not held from V1 on: V1 hashes them as it reads them and keeps them open, and
/// V10 reads them again in chunks. A stage file rewritten in place after V1 (same path, same file) would otherwise
/// be verified with bytes V1 never compared with the index: V10 fails it by its SHA-256, naming the file, and
/// `publish` refuses to copy it. Without the comparison the proof below would only fail as a proof (and a
/// rewritten list under a still-valid proof not at all by V10's own bytes).
#[test]
fn a_stage_file_rewritten_after_v1_is_caught() {
    use std::io::{Seek, SeekFrom, Write};
    use verifier::report::{Check, Failure};
    let b = build();
    let rel = record::stage_proof_path(protocol::manifest::Unit::from(0), 1);
    let mut run = verifier::verify::Run::new(verifier::verify::RecordSource::Dir(b.dir.clone()), None, |_| {});
    run.run_to(9);
    let mut bytes = b.read(&rel);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let mut file = std::fs::OpenOptions::new().write(true).open(b.path(&rel)).unwrap();
    file.seek(SeekFrom::Start(last as u64)).unwrap();
    file.write_all(&bytes[last..]).unwrap();
    drop(file);
    let report = run.finish();
    assert_eq!(report.failed_ids(), ["V10"], "{report}");
    let Some(Failure::Chain(failures)) = report.failure(Check::V10) else { panic!("{report}") };
    assert!(
        failures.iter().any(|f| matches!(f, verifier::chain::ChainFailure::Unreadable { file, reason }
            if *file == rel && reason.contains("changed after it was first read"))),
        "{report}"
    );
}

/// V11 reads the last list again, a chunk at a time: a list rewritten in place after V10 verified it fails V11 by
/// its digest, named as changed (its partial decryptions, bound to the verified list, would not verify either).
#[test]
fn a_last_list_rewritten_after_v10_is_caught_by_v11() {
    use std::io::{Seek, SeekFrom, Write};
    use verifier::report::{Check, Failure, FileFailure, ResultFailure};
    let b = build();
    let unit = protocol::manifest::Unit::from(0);
    let stages = (1..).take_while(|&k| b.path(&record::stage_list_path(unit, k)).exists()).last().unwrap();
    let rel = record::stage_list_path(unit, stages);
    let mut run = verifier::verify::Run::new(verifier::verify::RecordSource::Dir(b.dir.clone()), None, |_| {});
    run.run_to(10);
    let mut bytes = b.read(&rel);
    // The second row's ciphertext becomes the first's: still points, another list.
    let row = bytes.len().min(8 + 64);
    bytes.copy_within(8..row, row);
    let mut file = std::fs::OpenOptions::new().write(true).open(b.path(&rel)).unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    file.write_all(&bytes).unwrap();
    drop(file);
    let report = run.finish();
    assert!(report.failed_ids().contains(&"V11"), "{report}");
    let Some(Failure::Results(failures)) = report.failure(Check::V11) else { panic!("{report}") };
    assert!(
        failures.iter().any(|f| matches!(f, ResultFailure::File(FileFailure::Undecodable { path, reason })
            if *path == rel && reason.contains("changed after it was first read"))),
        "{report}"
    );
}

/// The ballot box is not held from V1 on either: V4 parses it as it reads it again, hashing, and a box rewritten
/// in place after V1 (here still valid JSON, one indentation space turned into a tab) fails V4 by its SHA-256.
#[test]
fn a_ballot_box_rewritten_after_v1_is_caught() {
    use verifier::report::{BallotFailure, Check, Failure, FileFailure};
    let b = build();
    let mut run = verifier::verify::Run::new(verifier::verify::RecordSource::Dir(b.dir.clone()), None, |_| {});
    run.run_to(3);
    let mut bytes = b.read(record::BALLOT_BOX_PATH);
    let at = bytes.windows(2).position(|w| w == b"\n ").unwrap() + 1;
    bytes[at] = b'\t';
    serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
    std::fs::write(b.path(record::BALLOT_BOX_PATH), &bytes).unwrap();
    let report = run.finish();
    assert_eq!(report.failed_ids(), ["V4"], "{report}");
    assert!(
        matches!(report.failure(Check::V4), Some(Failure::Ballots(BallotFailure::File(FileFailure::Undecodable { reason, .. })))
            if reason.contains("changed after it was first read")),
        "{report}"
    );
}

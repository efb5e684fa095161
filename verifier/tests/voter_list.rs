//! A record whose voter list changes while the election is open (SPEC.md §4.7; `test_support::record::
//! build_voter_list`: an add, a remove and two moves between the ballots of an election with districts): the honest
//! record passes V1–V13; each tampering of the changes or of what R1 and R3 made of them is caught by the check
//! that owns it (L11 in V4, the log in V5, R1 in V6, R3 in V8) with the failure it names; `verifier receipt` says in
//! words which change cancelled a ballot; `verifier publish` writes the site, the cancelled ballots on its board.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::collections::BTreeMap;
use std::process::Command;

use ed25519_dalek::SigningKey;
use protocol::ballot_box::BoxError;
use protocol::record;
use protocol::voter_list::{Action, ChangeError, VoterListChange};
use protocol::{Credential, CredentialKey};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use test_support::record::{build_voter_list, write_json, Built};
use test_support::tamper::resign_head;
use verifier::report::{BallotFailure, Check, Failure, Outcome};

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

fn note(report: &verifier::report::Report, check: Check) -> String {
    match &report.check(check).unwrap().outcome {
        Outcome::Pass { note } => note.clone(),
        other => panic!("{check} did not pass: {other:?}\n{report}"),
    }
}

fn snapshot(b: &Built) -> BTreeMap<String, Vec<u8>> {
    let mut all: BTreeMap<String, Vec<u8>> = b.paths().into_iter().map(|p| (p.clone(), b.read(&p))).collect();
    all.insert(record::INDEX_PATH.into(), b.read(record::INDEX_PATH));
    all
}

/// A key that is not on the voter list.
fn stranger() -> CredentialKey {
    Credential::generate(&mut ChaCha20Rng::from_seed([99; 32])).public_key()
}

/// The box's change at position `i` of its `changes`, decoded.
fn change(v: &Value, i: usize) -> VoterListChange {
    VoterListChange::from_hex(v["changes"][i]["change"].as_str().unwrap()).unwrap()
}

#[test]
fn honest_record_with_voter_list_changes_passes() {
    let b = build_voter_list();
    assert_eq!(b.change_leaves, [2, 3, 7, 10]);
    let report = b.verify();
    assert!(report.passed(), "{report}");
    let v4 = note(&report, Check::V4);
    assert!(v4.contains("6 credentials") && v4.contains("4 changes to the voter list, each signed"), "{v4}");
    let v5 = note(&report, Check::V5);
    assert!(v5.contains("9 ballots") && v5.contains("final head: size 13"), "{v5}");
    let v6 = note(&report, Check::V6);
    assert!(v6.contains("9 ballots checked, 1 refused"), "{v6}");
    let v8 = note(&report, Check::V8);
    assert!(v8.contains("1 credentials revoked, 3 ballots removed"), "{v8}");
    // R1: voter 1's ballot after the remove at leaf 3 is refused; R3: the remove and the move cancel the earlier
    // ballots of voters 1 and 3, naming the change; the paper vote names none.
    let rejected = b.read_json(record::REJECTED_PATH);
    assert_eq!(rejected["rejected"][0]["leaf_index"], 5);
    assert_eq!(rejected["rejected"][0]["reason"], "unknown_credential");
    let revoked = b.read_json(record::REVOKED_PATH);
    let entries: Vec<(u64, Option<u64>)> = revoked["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["leaf_index"].as_u64().unwrap(), r["change"].as_u64()))
        .collect();
    assert_eq!(entries, [(1, Some(3)), (9, Some(10)), (11, None)]);
    // Voter 2, moved at leaf 7, voted again in the south: that ballot counts, the centre one is superseded.
    let superseded = b.read_json(record::SUPERSEDED_PATH);
    assert_eq!(superseded["superseded"][0]["leaf_index"], 6);
    assert_eq!(superseded["superseded"][0]["by"], 8);
    let v13 = note(&report, Check::V13);
    assert!(v13.contains("9 cast, 1 refused, 1 superseded, 3 revoked, 4 counted"), "{v13}");
}

/// One tampering: its name, the check that must fail first, the failure it must give, and what the report's text
/// must say.
struct Case {
    name: &'static str,
    check: Check,
    expect: fn(&Failure) -> bool,
    says: &'static str,
    tamper: fn(&Built),
}

fn edit_box(b: &Built, resign: bool, edit: impl FnOnce(&mut Value)) {
    let mut v = b.read_json(record::BALLOT_BOX_PATH);
    edit(&mut v);
    if resign {
        resign_head(b, &mut v);
    }
    b.replace_json(record::BALLOT_BOX_PATH, &v);
}

fn log_error(f: &Failure, p: impl Fn(&BoxError) -> bool) -> bool {
    matches!(f, Failure::Ballots(BallotFailure::Registry(e) | BallotFailure::Log(e)) if p(e))
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a change signed by another key than the officials', head re-signed",
            check: Check::V4,
            expect: |f| {
                log_error(f, |e| matches!(e, BoxError::Change { leaf: 3, error: ChangeError::NotTheOfficials }))
            },
            says: "the voter-list change at leaf 3 (L11): the change is not signed by the officials' key",
            tamper: |b| {
                edit_box(b, true, |v| {
                    let c = change(v, 1);
                    let rogue = SigningKey::from_bytes(&[5; 32]);
                    let forged =
                        VoterListChange::sign(&rogue, c.fingerprint, c.seq, c.action, c.credential, c.district);
                    v["changes"][1]["change"] = json!(hex::encode(forged.to_bytes()));
                })
            },
        },
        Case {
            name: "two changes swapped in the log, head re-signed",
            check: Check::V4,
            expect: |f| {
                log_error(f, |e| {
                    matches!(e, BoxError::Change { leaf: 2, error: ChangeError::OutOfOrder { found: 1, expected: 0 } })
                })
            },
            says: "change number 1 comes where change number 0 is due",
            tamper: |b| {
                edit_box(b, true, |v| {
                    let (first, second) = (v["changes"][0]["change"].clone(), v["changes"][1]["change"].clone());
                    v["changes"][0]["change"] = second;
                    v["changes"][1]["change"] = first;
                })
            },
        },
        Case {
            name: "a remove of a credential not on the list, signed by the officials, head re-signed",
            check: Check::V4,
            expect: |f| {
                log_error(f, |e| matches!(e, BoxError::Change { leaf: 3, error: ChangeError::NotRegistered(_) }))
            },
            says: "is not on the voter list: it cannot be removed or moved",
            tamper: |b| {
                let officials = b.officials.clone();
                edit_box(b, true, |v| {
                    let c = change(v, 1);
                    let forged = VoterListChange::sign(&officials, c.fingerprint, 1, Action::Remove, stranger(), 0);
                    v["changes"][1]["change"] = json!(hex::encode(forged.to_bytes()));
                })
            },
        },
        Case {
            name: "the last change dropped from the box, the later ballots renumbered",
            check: Check::V5,
            expect: |f| log_error(f, |e| matches!(e, BoxError::SizeMismatch { ballots: 12, head: 13 })),
            says: "the box holds 12 ballots and changes, the final tree head says 13",
            tamper: |b| {
                edit_box(b, false, |v| {
                    v["changes"].as_array_mut().unwrap().pop();
                    for e in v["ballots"].as_array_mut().unwrap() {
                        let leaf = e["leaf_index"].as_u64().unwrap();
                        if leaf > 10 {
                            e["leaf_index"] = json!(leaf - 1);
                        }
                    }
                })
            },
        },
        Case {
            name: "a change moved one leaf later, past a ballot",
            check: Check::V5,
            expect: |f| log_error(f, |e| matches!(e, BoxError::RootMismatch)),
            says: "do not give the final tree head's root",
            tamper: |b| {
                edit_box(b, false, |v| {
                    // The move at leaf 10 and voter 4's ballot at leaf 11 trade places and times.
                    let (at10, at11) = (v["changes"][3]["accepted_at"].clone(), json!(null));
                    let ballots = v["ballots"].as_array_mut().unwrap();
                    let ballot = ballots.iter_mut().find(|e| e["leaf_index"] == 11).unwrap();
                    let at11 = std::mem::replace(&mut ballot["accepted_at"], at11);
                    (ballot["leaf_index"], ballot["accepted_at"]) = (json!(10), at10);
                    (v["changes"][3]["leaf_index"], v["changes"][3]["accepted_at"]) = (json!(11), at11);
                })
            },
        },
        Case {
            name: "a ballot cast after its credential's removal not refused (tally/rejected.json)",
            check: Check::V6,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.ours.contains("unknown_credential")),
            says: "tally/rejected.json lists 0 entries, the recomputation 1",
            tamper: |b| {
                let mut v = b.read_json(record::REJECTED_PATH);
                v["rejected"].as_array_mut().unwrap().retain(|r| r["leaf_index"] != 5);
                b.replace_json(record::REJECTED_PATH, &v);
            },
        },
        Case {
            name: "a ballot the remove cancelled put back (tally/revoked.json without it)",
            check: Check::V8,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.claimed == 2 && d.recomputed == 3),
            says: "tally/revoked.json lists 2 entries, the recomputation 3",
            tamper: |b| {
                let mut v = b.read_json(record::REVOKED_PATH);
                v["revoked"].as_array_mut().unwrap().retain(|r| r["leaf_index"] != 1);
                b.replace_json(record::REVOKED_PATH, &v);
            },
        },
        Case {
            name: "the change that cancelled a ballot left out of its revoked entry",
            check: Check::V8,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.entry == 1 && d.ours.contains("10")),
            says: "first difference at entry 1",
            tamper: |b| {
                let mut v = b.read_json(record::REVOKED_PATH);
                v["revoked"][1].as_object_mut().unwrap().remove("change");
                b.replace_json(record::REVOKED_PATH, &v);
            },
        },
    ]
}

#[test]
fn voter_list_tamperings_are_caught_by_the_expected_check() {
    let b = build_voter_list();
    let saved = snapshot(&b);
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        (case.tamper)(&b);
        let report = b.verify();
        let failed = report.failed();
        match report.failure(case.check) {
            _ if failed.first() != Some(&case.check) => failures
                .push(format!("{}: expected {} to fail first, failed: {failed:?}\n{report}", case.name, case.check)),
            Some(f) if (case.expect)(f) && report.to_string().contains(case.says) => {}
            f => failures.push(format!("{}: {} failed, but not as expected: {f:?}\n{report}", case.name, case.check)),
        }
        for (p, bytes) in &saved {
            std::fs::write(b.path(p), bytes).unwrap();
        }
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

/// `verifier receipt` on the receipt of the ballot at `leaf`: its exit status and standard output.
fn receipt(b: &Built, leaf: u64) -> (Option<i32>, String) {
    let path = b.scratch.join(format!("receipt-{leaf}.json"));
    let r = b.receipts.iter().find(|r| r.leaf_index == leaf).unwrap();
    write_json(&path, &json!({"receipt": r, "tracker": r.ballot_id.tracker(), "ballot_id": r.ballot_id.to_hex()}));
    let out = Command::new(BIN).arg("receipt").arg("--quiet").arg(&path).arg(&b.dir).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// RC3–RC5 find each ballot at its leaf (the changes' leaves in between), and RC5 says which change cancelled it.
#[test]
fn receipts_name_the_change_that_cancelled_the_ballot() {
    let b = build_voter_list();
    let cases: [(u64, i32, &str); 6] = [
        (0, 0, "COUNTED"),
        (1, 4, "REVOKED: removed from the voter list by the officials' change at leaf 3"),
        (9, 4, "REVOKED: moved to another district by the officials' change at leaf 10; vote again"),
        (11, 4, "REVOKED: the voter voted on paper"),
        (6, 3, "SUPERSEDED by ballot"),
        (5, 5, "REFUSED: the tally refused this ballot (unknown_credential)"),
    ];
    for (leaf, code, says) in cases {
        let (status, out) = receipt(&b, leaf);
        assert_eq!(status, Some(code), "leaf {leaf}: {out}");
        assert!(out.contains(says), "leaf {leaf}: {out}");
    }
    // The superseding ballot is found at its leaf (8), not at position 8 of the ballots.
    let (_, out) = receipt(&b, 6);
    let by = b.receipts.iter().find(|r| r.leaf_index == 8).unwrap().ballot_id.to_hex();
    assert!(out.contains(&format!("SUPERSEDED by ballot {by} at leaf 8")), "{out}");
    // A receipt for a change's leaf does not exist: a forged one (signed by the collector) is not the box's.
    let r = &b.receipts[1];
    let body = protocol::log::ReceiptBody { leaf_index: 3, ..r.body() };
    let forged = body.sign(&b.collector, Vec::new());
    let path = b.scratch.join("forged.json");
    write_json(&path, &forged);
    let report = verifier::verify::verify_receipt(&path, &b.dir, None, false);
    assert!(report.failed_ids().contains(&"RC3"), "{report}");
    assert!(report.to_string().contains("leaf 3 of the box is a voter-list change, not a ballot"), "{report}");
}

/// `verifier publish` on the record: the board marks the ballots the changes cancelled, naming the change.
#[test]
fn publish_marks_the_ballots_the_changes_cancelled() {
    let b = build_voter_list();
    let site = b.scratch.join("site");
    let out = Command::new(BIN).args(["publish", "--quiet", "--out"]).arg(&site).arg(&b.dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let board: Value = serde_json::from_slice(&std::fs::read(site.join("data/board/page-0.json")).unwrap()).unwrap();
    let rows = board["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 9, "one row per ballot: {board}");
    let row = |leaf: u64| rows.iter().find(|r| r[0] == leaf).unwrap().clone();
    assert_eq!((row(1)[3].clone(), row(1)[4].clone()), (json!("removed"), json!(3)));
    assert_eq!((row(9)[3].clone(), row(9)[4].clone()), (json!("moved"), json!(10)));
    assert_eq!((row(11)[3].clone(), row(11)[4].clone()), (json!("revoked"), Value::Null));
    assert_eq!((row(6)[3].clone(), row(6)[4].clone()), (json!("superseded"), json!(8)));
    assert_eq!(row(5)[3], "refused");
    // The record is published byte for byte, the box with its changes.
    let published: Value =
        serde_json::from_slice(&std::fs::read(site.join("record").join(record::BALLOT_BOX_PATH)).unwrap()).unwrap();
    assert_eq!(published["changes"].as_array().unwrap().len(), 4);
}

//! A record whose voter list changes while the election is open (SPEC.md §4.7; `test_support::record::
//! build_voter_list`: an add, a remove and two moves between the ballots of an election with districts): the honest
//! record passes V1–V13; each tampering of the changes or of what R1 and R3 made of them is caught by the check
//! that owns it (L11 in V4, the log in V5, R1 in V6, R3 in V8) with the failure it names; `verifier receipt` says in
//! words which change cancelled a ballot; `verifier publish` writes the site, the cancelled ballots on its board.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::collections::BTreeMap;
use std::process::Command;

use protocol::record;
use serde_json::{json, Value};
use test_support::record::{build_voter_list, write_json, Built};
use test_support::tamper;
use verifier::changes::Cancellation;
use verifier::report::{Check, Outcome};
use verifier::second_device::{BallotReport, TallyStatus};

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

/// Each tampering of `test_support::tamper::voter_list` fails the check that owns it first, with the failure and
/// the words it names.
#[test]
fn voter_list_tamperings_are_caught_by_the_expected_check() {
    let b = build_voter_list();
    let saved = snapshot(&b);
    let cases = tamper::voter_list();
    let mut failures = Vec::new();
    for case in &cases {
        (case.tamper)(&b);
        if let Err(e) = case.judge(&b.verify()) {
            failures.push(e);
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

/// `verifier publish` on the record: the board lists the log, the officials' changes at their leaves, and marks the
/// ballots the changes cancelled, naming the change.
#[test]
fn publish_marks_the_ballots_the_changes_cancelled() {
    let b = build_voter_list();
    let site = b.scratch.join("site");
    let out = Command::new(BIN).args(["publish", "--quiet", "--out"]).arg(&site).arg(&b.dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let board: Value = serde_json::from_slice(&std::fs::read(site.join("data/board/page-0.json")).unwrap()).unwrap();
    let rows = board["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 13, "one row per ballot and per change: {board}");
    let leaves: Vec<u64> = rows.iter().map(|r| r[0].as_u64().unwrap()).collect();
    assert_eq!(leaves, (0..13).collect::<Vec<u64>>(), "in log order");
    let row = |leaf: u64| rows.iter().find(|r| r[0] == leaf).unwrap().clone();
    assert_eq!((row(1)[3].clone(), row(1)[4].clone()), (json!("removed"), json!(3)));
    assert_eq!((row(9)[3].clone(), row(9)[4].clone()), (json!("moved"), json!(10)));
    assert_eq!((row(11)[3].clone(), row(11)[4].clone()), (json!("revoked"), Value::Null));
    assert_eq!((row(6)[3].clone(), row(6)[4].clone()), (json!("superseded"), json!(8)));
    assert_eq!(row(5)[3], "refused");
    // The officials' changes at their leaves: no tracker; the action, the change's number, the district.
    assert_eq!(
        row(2),
        json!([2, 1_790_000_120u64, null, "change", {"action": "add", "number": 0, "district": "centre"}])
    );
    assert_eq!(row(3)[4], json!({"action": "remove", "number": 1, "district": null}));
    assert_eq!(row(10)[4], json!({"action": "move", "number": 3, "district": "south"}));
    let site_json: Value = serde_json::from_slice(&std::fs::read(site.join("data/site.json")).unwrap()).unwrap();
    assert_eq!(site_json["board"]["total"], 13);
    // A search by tracker finds ballots only: every bucket row has a tracker.
    let mut found = 0;
    for i in 0..256 {
        let bucket: Value =
            serde_json::from_slice(&std::fs::read(site.join(format!("data/find/{i:02X}.json"))).unwrap()).unwrap();
        for r in bucket["entries"].as_array().unwrap() {
            assert!(r[2].is_string(), "{r}");
            found += 1;
        }
    }
    assert_eq!(found, 9);
    // The record is published byte for byte, the box with its changes.
    let published: Value =
        serde_json::from_slice(&std::fs::read(site.join("record").join(record::BALLOT_BOX_PATH)).unwrap()).unwrap();
    assert_eq!(published["changes"].as_array().unwrap().len(), 4);
}

/// The second device (`verifier check-ballot --record`) reads the same `change` field: its report says which change
/// cancelled the ballot, and that a moved voter votes again.
#[test]
fn the_second_device_says_which_change_cancelled_the_ballot() {
    let b = build_voter_list();
    let bbox: protocol::ballot_box::BallotBox = serde_json::from_value(b.read_json(record::BALLOT_BOX_PATH)).unwrap();
    let revoked: protocol::tally::RevokedFile = serde_json::from_value(b.read_json(record::REVOKED_PATH)).unwrap();
    let of = |leaf| Cancellation::of(leaf, &revoked, &bbox);
    assert_eq!(of(1), Some(Cancellation::Removed { change: 3 }));
    assert_eq!(of(9), Some(Cancellation::Moved { change: 10 }));
    assert_eq!(of(11), Some(Cancellation::Paper));
    assert_eq!(of(0), None);
    let report = |why| BallotReport {
        mirrors: Vec::new(),
        ballot_id: b.receipts[1].ballot_id,
        challenged: false,
        leaf_index: Some(1),
        district: None,
        contests: Vec::new(),
        receipt: None,
        fetches_left: None,
        status: Some(TallyStatus::Cancelled(why)),
        index_head: None,
    };
    let text = report(Cancellation::Removed { change: 3 }).to_string();
    assert!(
        text.contains("NOT COUNTED: removed from the voter list by the officials' change at leaf 3 (R3)"),
        "{text}"
    );
    let text = report(Cancellation::Moved { change: 10 }).to_string();
    assert!(
        text.contains("NOT COUNTED: moved to another district by the officials' change at leaf 10; vote again"),
        "{text}"
    );
    // A revoked entry naming a leaf that holds no remove or move of the box (V8 fails such a record).
    let mut forged = revoked.clone();
    forged.revoked[0].change = Some(2);
    assert_eq!(Cancellation::of(1, &forged, &bbox), Some(Cancellation::Unknown { change: 2 }));
}

//! A record of an election with districts (SPEC.md §4.6, §14.1, §14.4), built with `protocol` alone
//! (`test_support::record::build_districts`: north, centre and south; a council per district and a referendum for
//! all, 6 units; nobody's ballot reached the south; one ballot for the wrong district, one unknown credential, a
//! re-vote and a revoked voter): the honest record passes V1–V13 with notes that name the units; each tampering
//! of `test_support::tamper::districts` fails the check §14.4 gives it; `verifier result` prints each district's
//! figures of the referendum; the trustees' check before decrypting gives one list per unit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::collections::BTreeMap;
use std::process::Command;

use protocol::record;
use test_support::record::{build_districts, Built};
use test_support::tamper;
use verifier::report::{Check, Outcome};

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

/// The referendum's figures: the north's two voters said no, the centre's three yes; nobody voted in the south.
const REFERENDUM: &str = "contest 4 by district: north: Yes 0, No 2; centre: Yes 3, No 0; south: Yes 0, No 0";

#[test]
fn honest_record_with_districts_passes_and_names_its_units() {
    let b = build_districts();
    let report = b.verify();
    assert!(report.passed(), "{report}");
    let v2 = note(&report, Check::V2);
    assert!(v2.contains("4 contests, 3 districts (4 units mixed on their own, 2 that no ballot reached)"), "{v2}");
    let v6 = note(&report, Check::V6);
    assert!(v6.contains("9 ballots checked, 2 refused"), "{v6}");
    let v9 = note(&report, Check::V9);
    assert!(
        v9.contains("council-north, district north 2")
            && v9.contains("council-south, district south 0")
            && v9.contains("referendum, district centre 3"),
        "{v9}"
    );
    let v10 = note(&report, Check::V10);
    assert!(
        v10.contains("4 units (contest and district) × 2 stages verified, 2 units that no ballot reached"),
        "{v10}"
    );
    let v11 = note(&report, Check::V11);
    assert!(v11.contains("referendum, district north (contest-3/district-0): trustees [1, 2]"), "{v11}");
    assert!(v11.contains("2 units that no ballot reached: nothing to decrypt"), "{v11}");
    let v13 = note(&report, Check::V13);
    assert!(v13.contains("7 registered, 9 cast, 2 refused, 1 superseded, 1 revoked, 5 counted"), "{v13}");
    assert!(v13.contains(REFERENDUM), "{v13}");
    // A council of one district does not repeat its figures by district.
    assert!(!v13.contains("contest 1 by district"), "{v13}");
    let rejected = b.read_json(record::REJECTED_PATH);
    let reasons: Vec<&str> =
        rejected["rejected"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["wrong_district", "unknown_credential"]);
    assert_eq!(b.wrong_district_leaf, Some(6));
}

/// Each tampering of the districts table fails the check SPEC.md §14.4 gives it first, with the failure it names.
#[test]
fn district_tamperings_are_caught_by_the_expected_check() {
    let b = build_districts();
    let saved = snapshot(&b);
    let cases = tamper::districts();
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

/// The failure of a unit with ballots and no mix says which unit, how many ballots, and what the record lacks.
#[test]
fn a_unit_without_its_mix_is_named() {
    let b = build_districts();
    let case = tamper::districts().into_iter().find(|c| c.name.contains("mix and decryption removed")).unwrap();
    (case.tamper)(&b);
    let report = b.verify();
    let text = report.failure(Check::V10).unwrap().to_string();
    assert!(text.contains("unit contest-0/district-0 has 2 ballots and no mix"), "{text}");
    assert!(text.contains("contest-0/district-0/input.list has rows"), "{text}");
}

/// `verifier result` prints the referendum's figures district by district, in the language asked for.
#[test]
fn result_shows_each_districts_figures() {
    let b = build_districts();
    let out = Command::new(BIN).args(["result", b.dir.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("  by district (each district's own ballots, counted alone):"), "{text}");
    assert!(text.contains("    north: 2 valid, 0 invalid; Yes 0, No 2"), "{text}");
    assert!(text.contains("    centre: 3 valid, 0 invalid; Yes 3, No 0"), "{text}");
    assert!(text.contains("    south: 0 valid, 0 invalid; Yes 0, No 0"), "{text}");
    let out = Command::new(BIN).args(["result", "--lang", "et", b.dir.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ringkonniti") && text.contains("north: 2 kehtivat, 0 kehtetut; Jah 0, Ei 2"), "{text}");
}

/// The trustees' check before decrypting (§14.3 Decrypt) on the record as the mix left it: one verified list per
/// unit, the south's empty; a unit whose input has rows but whose stages are gone is refused, naming it.
#[test]
fn before_decryption_gives_one_list_per_unit() {
    let b = build_districts();
    let ready = b.scratch.join("ready");
    let units = b.election.manifest().units();
    for p in b.paths() {
        let after_mix = p.contains("/partial-")
            || p.ends_with("/plaintexts.list")
            || p.ends_with("/answers.json")
            || p == record::RESULT_PATH;
        if !after_mix {
            let dest = ready.join(&p);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(b.path(&p), dest).unwrap();
        }
    }
    let (report, verified) = verifier::verify::verify_before_decryption(&ready, false);
    assert!(report.passed(), "{report}");
    let lists = verified.unwrap().last_lists;
    assert_eq!(lists.iter().map(|l| l.rows).collect::<Vec<_>>(), [2, 3, 0, 2, 3, 0]);
    assert_eq!(units.len(), 6);
    // A trustee's partial decryption of a unit with a mix may already be there; one of an empty unit may not.
    let partial = record::partial_path(units[0], 1);
    std::fs::copy(b.path(&partial), ready.join(&partial)).unwrap();
    assert!(verifier::verify::verify_before_decryption(&ready, false).0.passed());
    let stray = record::partial_path(units[2], 1);
    std::fs::write(ready.join(&stray), b"x").unwrap();
    let (report, _) = verifier::verify::verify_before_decryption(&ready, false);
    assert_eq!(report.failed_ids(), ["V2′"], "{report}");
    std::fs::remove_file(ready.join(&stray)).unwrap();
    // The north council's stages removed: its input has 2 rows, so the record is not ready (mix first).
    for k in 1..=b.election.manifest().mix_stages() {
        for p in [
            record::stage_list_path(units[0], k),
            record::stage_proof_path(units[0], k),
            record::stage_signature_path(units[0], k),
        ] {
            std::fs::remove_file(ready.join(p)).unwrap();
        }
    }
    std::fs::remove_file(ready.join(&partial)).unwrap();
    let (report, verified) = verifier::verify::verify_before_decryption(&ready, false);
    assert!(verified.is_none());
    assert_eq!(report.failed_ids(), ["V2′"], "{report}");
    let text = report.to_string();
    assert!(text.contains("`contest-0/district-0/stage-1.list` is not in the record yet"), "{text}");
}

/// `verifier publish`'s results data carries each contest's per-district figures and the districts' titles.
#[test]
fn published_results_carry_the_districts() {
    let b = build_districts();
    let (report, verified) = verifier::verify::verify_result(&b.dir, None, false);
    assert!(report.passed(), "{report}");
    let data = verifier::publish::result_data(&verified.unwrap());
    assert_eq!(data["districts"][1]["id"], "centre");
    assert_eq!(data["districts"][2]["title"]["et"], "Lõuna");
    let referendum = &data["result"]["contests"][3];
    assert_eq!(referendum["districts"][1]["district"], "centre");
    assert_eq!(referendum["districts"][1]["valid"], 3);
    assert_eq!(data["result"]["format"], "rv/result/v4");
    // The whole site, through the binary: the results page's data as above, the wrong-district ballot on the board.
    let site = b.scratch.join("site");
    let out = Command::new(BIN).args(["publish", "--out"]).arg(&site).arg(&b.dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data/result.json")).unwrap()).unwrap();
    assert_eq!(written, data);
    let board = std::fs::read_to_string(site.join("data/board/page-0.json")).unwrap();
    assert!(board.contains("wrong_district"), "{board}");
}

/// `verifier mix` over one unit's folder: the unit's index (§4.6) is the contest number its stages were proved and
/// signed under; another unit's index is refused, and an index past the units says how many there are.
#[test]
fn mix_chain_of_one_unit_is_checked_under_its_index() {
    let b = build_districts();
    let units = b.election.manifest().units();
    let election = b.path(record::ELECTION_PATH);
    let input = b.path(&record::input_path(units[4]));
    let folder = b.path(&units[4].to_string());
    let report = verifier::mixnet::verify_chain(&election, 4, &input, &folder, false);
    assert!(report.passed(), "{report}");
    let text = report.to_string();
    assert!(text.contains("unit 4 (contest-3/district-1, referendum, district centre)"), "{text}");
    let report = verifier::mixnet::verify_chain(&election, 3, &input, &folder, false);
    assert_eq!(report.failed_ids(), ["MC2"], "{report}");
    let report = verifier::mixnet::verify_chain(&election, 6, &input, &folder, false);
    assert_eq!(report.failed_ids(), ["MC1"], "{report}");
    assert!(report.to_string().contains("make 6 units"), "{report}");
}

/// The published results page's national allocation (SPEC.md §12.13) is the printed result's, in each language:
/// an allocation in words, or why the method refused the figures.
#[test]
fn published_results_carry_the_national_allocation_in_three_languages() {
    use protocol::riigikogu::{allocate, Candidate, District, DistrictList, Election, Party};
    use protocol::tally::{NationalResult, ResultFile};
    let list = |party: &str, votes: &[(&str, u64)]| {
        let candidates = votes.iter().map(|(id, v)| Candidate { id: id.to_string(), votes: *v }).collect();
        DistrictList::from_candidates(party, candidates).unwrap()
    };
    let district = |id: &str, lists: Vec<DistrictList>| District {
        id: id.into(),
        mandates: 2,
        valid_votes: lists.iter().map(|l| l.votes).sum(),
        lists,
        independents: Vec::new(),
    };
    let election = Election {
        districts: vec![
            district("a", vec![list("x", &[("a/x1", 60), ("a/x2", 10)]), list("y", &[("a/y1", 30)])]),
            district("b", vec![list("x", &[("b/x1", 20)]), list("y", &[("b/y1", 50), ("b/y2", 30)])]),
        ],
        parties: vec![
            Party { id: "x".into(), national_list: vec!["a/x1".into(), "b/x1".into(), "a/x2".into()] },
            Party { id: "y".into(), national_list: vec!["b/y1".into(), "a/y1".into(), "b/y2".into()] },
        ],
    };
    let allocation = allocate(&election).unwrap();
    let mut result = ResultFile {
        format: protocol::tally::RESULT_FORMAT_V4.into(),
        fingerprint: protocol::Fingerprint([0; 32]),
        turnout: None,
        contests: Vec::new(),
        national: Some(NationalResult::Allocation(allocation.clone())),
    };
    let text = verifier::publish::national_text(&result).unwrap();
    for lang in ["en", "et", "fr"] {
        assert_eq!(text[lang], allocation.text(lang), "{lang}");
    }
    assert!(text["et"].as_str().unwrap().contains("mandaati"), "{text}");
    assert!(text["fr"].as_str().unwrap().contains("sièges"), "{text}");
    result.national = Some(NationalResult::Refused { refused: "a district has no valid vote".into() });
    let text = verifier::publish::national_text(&result).unwrap();
    assert_eq!(text["fr"], "La répartition nationale des sièges a été refusée : a district has no valid vote\n");
    result.national = None;
    assert!(verifier::publish::national_text(&result).is_none());
}

//! V13 recounts a contest counted by a named rule (SPEC.md §12.7) with the same code: a record whose ranked contest
//! is counted by Schulze verifies, its `result.json` is `rv/result/v3` with the pairwise matrix, and a changed
//! figure of the rule's own fails V13.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use protocol::manifest::Rule;
use protocol::record;
use protocol::tally::{ResultFile, RESULT_FORMAT, RESULT_FORMAT_V3};
use test_support::record::build_with;

#[test]
fn v13_recounts_a_schulze_contest_and_catches_a_changed_matrix() {
    let b = build_with(|m| m.contests[2].rule = Some(Rule::Schulze));
    let report = b.verify();
    assert!(report.passed(), "{report}");
    let json = b.read_json(record::RESULT_PATH);
    assert_eq!(json["format"], RESULT_FORMAT_V3);
    assert_eq!(json["contests"][2]["method"], "Schulze (winning votes)");
    let d = json["contests"][2]["pairwise"].as_array().unwrap();
    assert_eq!(d.len(), json["contests"][2]["tallies"].as_array().unwrap().len());
    // A changed pairwise figure, a changed ranking, a v3 file relabelled v2: V13.
    let mut forged = json.clone();
    forged["contests"][2]["pairwise"][0][1] = serde_json::json!(99);
    b.replace_json(record::RESULT_PATH, &forged);
    assert_eq!(b.verify().failed_ids(), ["V13"]);
    let mut forged = json.clone();
    let ranking = forged["contests"][2]["ranking"].as_array_mut().unwrap();
    ranking.swap(0, 1);
    b.replace_json(record::RESULT_PATH, &forged);
    assert_eq!(b.verify().failed_ids(), ["V13"]);
    let mut forged = json.clone();
    forged["format"] = serde_json::json!(RESULT_FORMAT);
    b.replace_json(record::RESULT_PATH, &forged);
    assert_eq!(b.verify().failed_ids(), ["V13"]);
    // The honest file again verifies, and the report shows the rule's figures.
    b.replace_json(record::RESULT_PATH, &json);
    assert!(b.verify().passed());
    let result: ResultFile = serde_json::from_value(json).unwrap();
    let text = protocol::readable::text(&result, &[], "en");
    assert!(text.contains("strength of the strongest path") && text.contains("full ranking: 1."), "{text}");
}

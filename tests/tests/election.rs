//! A whole election, end to end, as the README's demo runs it: `scripts/demo.sh --no-serve` with 60 voters and
//! 2 mix stages — a 2-of-3 key ceremony as separate trustee processes, a real collector over PostgreSQL, ballots
//! cast over HTTP by `voter-sim` (10 % re-votes; voters in three districts, each voting in its district's contests),
//! five voters revoked for voting on paper, close and export, the
//! tally, and `verifier verify`. Then this test checks, on its own, that the record verifies and that its result
//! is exactly the count of what the voters cast: for each voter the last ballot, minus the revoked voters.
//!
//! PostgreSQL: `DATABASE_URL` if set (scripts/test.sh sets it), else the demo starts a private server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use protocol::encoding::Selection;
use protocol::manifest::ContestKind;
use protocol::tally::ResultFile;
use protocol::Answer;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// First-round tallies of each contest from the answers that should count, each voter's answers those of its
/// district's contests (§4.6; §12: plurality and approval count every selection; ranked contests count first
/// preferences), and each contest's number of valid answers.
fn expected_tallies(
    manifest: &protocol::Manifest,
    counted: &[(Option<u16>, Vec<Answer>)],
) -> Vec<(BTreeMap<Selection, u64>, u64)> {
    manifest
        .contests
        .iter()
        .enumerate()
        .map(|(c, contest)| {
            let kind = &contest.kind;
            let mut t = BTreeMap::new();
            let mut valid = 0;
            for (district, answers) in counted {
                let Some(at) = manifest.ballot_contests(*district).iter().position(|&x| x == c) else { continue };
                valid += 1;
                let selections = &answers[at].selections;
                let counted: &[Selection] = match kind {
                    ContestKind::Ranked { .. } => &selections[..selections.len().min(1)],
                    _ => selections,
                };
                for s in counted {
                    *t.entry(s.clone()).or_insert(0) += 1;
                }
            }
            (t, valid)
        })
        .collect()
}

#[test]
fn whole_election_with_the_demo_script() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let status = Command::new(workspace_root().join("scripts/demo.sh"))
        .args(["--voters", "60", "--stages", "2", "--no-serve", "--out"])
        .arg(&out)
        .current_dir(workspace_root())
        .status()
        .unwrap();
    assert!(status.success(), "scripts/demo.sh failed");

    let record = out.join("record");
    let report = verifier::verify::verify_record(&record, None, false);
    assert!(report.passed(), "the demo's record does not verify:\n{report}");

    // What the voters cast (voter-sim's --expected: each credential's last accepted ballot), minus the five
    // credentials the officials revoked (the first five of the registry file, as the demo does).
    let expected: BTreeMap<String, Vec<Answer>> =
        serde_json::from_slice(&std::fs::read(out.join("expected.json")).unwrap()).unwrap();
    let registry: Vec<protocol::ballot_box::CredentialEntry> =
        serde_json::from_slice(&std::fs::read(out.join("officials/voters/credentials.json")).unwrap()).unwrap();
    let revoked: Vec<String> = registry[..5].iter().map(|e| e.key().to_hex()).collect();
    assert_eq!(expected.len(), 60, "every voter cast a ballot");

    let result: ResultFile = serde_json::from_slice(&std::fs::read(record.join("result.json")).unwrap()).unwrap();
    let manifest: protocol::Manifest = serde_json::from_value(
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(record.join("election.json")).unwrap()).unwrap()
            ["manifest"]
            .clone(),
    )
    .unwrap();
    // Each voter's district, from the public credential list (the demo's election has districts).
    assert!(manifest.has_districts(), "the demo's election has districts");
    let district_of: BTreeMap<String, Option<u16>> = registry
        .iter()
        .map(|e| {
            let d = match e {
                protocol::ballot_box::CredentialEntry::InDistrict { district, .. } => manifest.district_index(district),
                protocol::ballot_box::CredentialEntry::Key(_) => None,
            };
            (e.key().to_hex(), d)
        })
        .collect();
    // The voter-list changes during voting (SPEC.md §4.7): the 6th voter was removed after voting (its ballot is
    // cancelled, R3); the 7th moved to another district and voted again there, and a new voter was added and voted
    // (the demo's second voter-sim run, with the list as it stood after the changes).
    let after: BTreeMap<String, Vec<Answer>> =
        serde_json::from_slice(&std::fs::read(out.join("after-changes/expected.json")).unwrap()).unwrap();
    let after_list: Vec<protocol::ballot_box::CredentialEntry> =
        serde_json::from_slice(&std::fs::read(out.join("after-changes/credentials.json")).unwrap()).unwrap();
    assert_eq!(after.len(), 2, "the moved voter and the new voter voted after the changes");
    let removed = registry[5].key().to_hex();
    let mut district_of = district_of;
    for e in &after_list {
        let protocol::ballot_box::CredentialEntry::InDistrict { district, .. } = e else { panic!("{e:?}") };
        district_of.insert(e.key().to_hex(), manifest.district_index(district));
    }
    assert_ne!(district_of[&registry[6].key().to_hex()], {
        let protocol::ballot_box::CredentialEntry::InDistrict { district, .. } = &registry[6] else { panic!() };
        manifest.district_index(district)
    });
    let mut cast = expected.clone();
    cast.remove(&removed);
    cast.extend(after);
    let counted: Vec<(Option<u16>, Vec<Answer>)> =
        cast.iter().filter(|(k, _)| !revoked.contains(k)).map(|(k, a)| (district_of[k], a.clone())).collect();
    let turnout = result.turnout.unwrap();
    assert_eq!(turnout.revoked, 6, "5 paper votes and the removed voter's ballot");
    assert_eq!(turnout.counted, counted.len() as u64);
    for (c, (want, valid)) in expected_tallies(&manifest, &counted).into_iter().enumerate() {
        let got: BTreeMap<Selection, u64> =
            result.contests[c].tallies.iter().filter(|(_, v)| *v > 0).cloned().collect();
        assert_eq!(got, want, "contest {c}: the result is not what the voters cast");
        assert_eq!(result.contests[c].valid, valid, "contest {c}: valid ballots");
        assert_eq!(result.contests[c].invalid, 0, "contest {c}: invalid ballots");
    }
    // Each district council's voters are that district's: a third of the counted voters each, give or take.
    assert!(result.contests.iter().skip(3).all(|r| r.valid > 0 && r.valid < counted.len() as u64));
    // The councils' 9 seats are allocated nationally (SPEC.md §12.13): every seat given lands in one council, and
    // the allocation counts the same valid votes as the three councils.
    match &result.national {
        Some(protocol::tally::NationalResult::Allocation(a)) => {
            assert_eq!(a.mandates, 9);
            let elected: u64 = result.contests[3..].iter().map(|r| r.elected.len() as u64).sum();
            assert_eq!(elected + a.unfilled, 9, "{a}");
            assert_eq!(a.valid_votes, result.contests[3..].iter().map(|r| r.valid).sum::<u64>());
        }
        other => panic!("the demo's national allocation: {other:?}"),
    }
}

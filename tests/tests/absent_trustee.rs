//! A whole election whose key ceremony went on without a trustee (absent from round 1, SPEC.md §10.3): the
//! tally by the tallier's library, decrypted by the two trustees who took part, and the record verified by the
//! verifier, which names the absent trustee. The absent trustee can decrypt nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use protocol::count::count_contest;
use protocol::manifest::example_manifest;
use protocol::record;
use protocol::tally::ResultFile;
use system_tests::{
    ballot_box, bind, ceremony_without, mix_key_files, revocations, role_secrets, voters, write_json, Ballots,
};
use tallier::tally::{FinishArgs, MixArgs, PrepareArgs};
use tallier::trustee::decrypt_record;
use verifier::report::Outcome;

#[test]
fn an_election_whose_ceremony_went_on_without_a_trustee_is_tallied_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let mut manifest = example_manifest();
    manifest.roles = protocol::roles::example_roles(1);
    assert_eq!((manifest.trustees.count, manifest.trustees.threshold), (3, 2));
    let voters = voters(8);
    let manifest = bind(manifest, &voters);
    let secrets = role_secrets(1);
    let files = ceremony_without(&root.join("election"), &manifest, &[2]);
    let election = &files.election;

    let ballots = Ballots::generate(election, voters, 2, 0xab5e);
    let casts: Vec<_> = ballots.cast.iter().map(|c| c.ballot.clone()).collect();
    let bx = ballot_box(election, ballots.registry(), &casts, &secrets.collector);
    let box_path = root.join("ballot-box.json");
    write_json(&box_path, &bx);
    let revocations_path = root.join("revocations.json");
    revocations(&revocations_path, election, &secrets.officials, vec![]);

    let rec = root.join("record");
    tallier::tally::prepare(&PrepareArgs {
        ballot_box: box_path,
        ceremony: files.ceremony.clone(),
        revocations: revocations_path,
        record: rec.clone(),
        progress: false,
    })
    .unwrap();
    let keys = mix_key_files(&root.join("mix-keys"), 1);
    tallier::tally::mix(&MixArgs { record: rec.clone(), keys, memory_mb: None, progress: false }).unwrap();
    // The absent trustee holds no share: it cannot decrypt.
    let err = decrypt_record(&rec, &files.secrets[1], &files.passphrase(2), None, false).unwrap_err();
    assert!(format!("{err:#}").contains("trustee 2: absent"), "{err:#}");
    for j in [1u16, 3] {
        decrypt_record(&rec, &files.secrets[usize::from(j) - 1], &files.passphrase(j), None, false).unwrap();
    }
    let summary = tallier::tally::finish(&FinishArgs { record: rec.clone(), report: None, progress: false }).unwrap();
    assert_eq!(summary.trustees, vec![vec![1, 3]; manifest.contests.len()]);

    // The record holds no file of trustee 2, verifies, and its report names the absent trustee.
    assert!(!rec.join(record::ceremony_path("announcement", 2)).exists());
    let report = verifier::verify::verify_record(&rec, None, false);
    assert!(report.passed(), "{:?}", report.failed_ids());
    match &report.check(verifier::report::Check::V3).unwrap().outcome {
        Outcome::Pass { note } => assert!(note.contains("absent (no announcement, took no part): [2]"), "{note}"),
        other => panic!("V3: {other:?}"),
    }
    // The result is the count of what the voters cast last.
    let result: ResultFile = serde_json::from_slice(&std::fs::read(rec.join(record::RESULT_PATH)).unwrap()).unwrap();
    let counted = ballots.counted_answers(&[]);
    for (c, contest) in manifest.contests.iter().enumerate() {
        let answers: Vec<_> = counted.iter().map(|a| Ok(a[c].clone())).collect();
        assert_eq!(result.contests[c], count_contest(contest, &answers), "contest {c}");
    }
}

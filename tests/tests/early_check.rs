//! A trustee checks the mix stages as they come (`tallier trustee check`, SPEC.md §14.3 "Stages checked early"):
//! after each stage it verifies the new proofs and notes them, by digest, in its own tagged file; `decrypt
//! --checked` then skips those proofs and nothing else. The attacks: a file of checked stages written by someone
//! else (whoever carries the record) or another trustee's, and a stage changed after it was checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};

use protocol::manifest::example_manifest;
use protocol::record;
use system_tests::{ballot_box, bind, ceremony, mix_key_files, revocations, role_secrets, voters, write_json, Ballots};
use tallier::tally::{FinishArgs, MixArgs, PrepareArgs};
use tallier::trustee::{check_early, decrypt_record};

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    rec: PathBuf,
    keys: Vec<PathBuf>,
    files: system_tests::ElectionFiles,
}

/// An election of two mix stages, prepared, not mixed.
fn prepared() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let mut manifest = example_manifest();
    manifest.roles = protocol::roles::example_roles(2);
    let voters = voters(6);
    let manifest = bind(manifest, &voters);
    let secrets = role_secrets(2);
    let files = ceremony(&root.join("election"), &manifest);
    let ballots = Ballots::generate(&files.election, voters, 1, 0xea51);
    let casts: Vec<_> = ballots.cast.iter().map(|c| c.ballot.clone()).collect();
    let bx = ballot_box(&files.election, ballots.registry(), &casts, &secrets.collector);
    write_json(&root.join("ballot-box.json"), &bx);
    revocations(&root.join("revocations.json"), &files.election, &secrets.officials, vec![]);
    let rec = root.join("record");
    tallier::tally::prepare(&PrepareArgs {
        ballot_box: root.join("ballot-box.json"),
        ceremony: files.ceremony.clone(),
        revocations: root.join("revocations.json"),
        record: rec.clone(),
        progress: false,
    })
    .unwrap();
    let keys = mix_key_files(&root.join("mix-keys"), 2);
    Setup { _tmp: tmp, root, rec, keys, files }
}

fn mix_stage(s: &Setup, k: usize) {
    let keys = vec![s.keys[k - 1].clone()];
    tallier::tally::mix(&MixArgs { record: s.rec.clone(), keys, memory_mb: None, progress: false }).unwrap();
}

fn check(s: &Setup, j: u16, file: &Path) -> Result<tallier::trustee::EarlyCheck, String> {
    check_early(&s.rec, &s.files.secrets[usize::from(j) - 1], &s.files.passphrase(j), file)
        .map_err(|e| format!("{e:#}"))
}

/// Checked after each stage, each proof verified once; decrypting with the file gives partial decryptions that
/// `finish` combines and the verifier accepts.
#[test]
fn stages_checked_as_they_come_are_not_verified_again_and_the_record_verifies() {
    let s = prepared();
    let units = 3; // the example manifest's contests
    let file = s.root.join("trustee-1-checked.json");
    let none = check(&s, 1, &file).unwrap();
    assert!(none.stages.is_empty());
    mix_stage(&s, 1);
    let first = check(&s, 1, &file).unwrap();
    assert_eq!(first.stages.len(), units);
    assert!(first.stages.iter().all(|(_, k, passed)| *k == 1 && *passed), "{:?}", first.stages);
    assert_eq!(first.known, 0);
    // Again: nothing new, nothing verified again.
    assert_eq!(check(&s, 1, &file).unwrap().known, units);
    mix_stage(&s, 2);
    let second = check(&s, 1, &file).unwrap();
    assert_eq!(second.stages.len(), 2 * units);
    assert!(second.stages.iter().all(|(_, _, passed)| *passed));
    assert_eq!(second.known, units, "stage 1 was not verified again");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(tallier::trustee::CHECKED_FORMAT), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o077, 0, "owner only");
    }

    decrypt_record(&s.rec, &s.files.secrets[0], &s.files.passphrase(1), Some(&file), false).unwrap();
    decrypt_record(&s.rec, &s.files.secrets[1], &s.files.passphrase(2), None, false).unwrap();
    tallier::tally::finish(&FinishArgs { record: s.rec.clone(), report: None, progress: false }).unwrap();
    let report = verifier::verify::verify_record(&s.rec, None, false);
    assert!(report.passed(), "{report}");
}

/// The attacks on the file: forged (a digest added, the tag kept), another trustee's, another election's, not a
/// file of checked stages: each is refused before anything is verified or decrypted, saying what to do.
#[test]
fn a_file_of_checked_stages_not_written_by_this_trustee_is_refused() {
    let s = prepared();
    mix_stage(&s, 1);
    mix_stage(&s, 2);
    let file = s.root.join("trustee-1-checked.json");
    check(&s, 1, &file).unwrap();
    let honest: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();

    let forged_path = s.root.join("forged.json");
    let mut forged = honest.clone();
    forged["stages"].as_array_mut().unwrap().push(serde_json::json!(hex::encode([7u8; 32])));
    std::fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    let decrypt = |j: u16, path: &Path| {
        decrypt_record(&s.rec, &s.files.secrets[usize::from(j) - 1], &s.files.passphrase(j), Some(path), false)
    };
    let err = format!("{:#}", decrypt(1, &forged_path).unwrap_err());
    assert!(err.contains("was not written by trustee 1") && err.contains("remove it"), "{err}");
    let err = check(&s, 1, &forged_path).unwrap_err();
    assert!(err.contains("was not written by trustee 1"), "{err}");
    // Trustee 1's honest file given to trustee 2.
    let err = format!("{:#}", decrypt(2, &file).unwrap_err());
    assert!(err.contains("trustee 1's file") && err.contains("not trustee 2's"), "{err}");
    // Another election's fingerprint (the tag no longer matters: refused before).
    let mut other = honest.clone();
    other["fingerprint"] = serde_json::json!(hex::encode([1u8; 32]));
    std::fs::write(&forged_path, serde_json::to_vec(&other).unwrap()).unwrap();
    let err = format!("{:#}", decrypt(1, &forged_path).unwrap_err());
    assert!(err.contains("for election"), "{err}");
    std::fs::write(&forged_path, b"[]").unwrap();
    let err = format!("{:#}", decrypt(1, &forged_path).unwrap_err());
    assert!(err.contains("is not a file of checked stages"), "{err}");
    // Nothing was decrypted by any of these.
    assert!(!s.rec.join(record::partial_path(protocol::manifest::Unit::from(0), 1)).exists());
    assert!(!s.rec.join(record::partial_path(protocol::manifest::Unit::from(0), 2)).exists());
}

/// A stage changed after the trustee checked it has other digests: its proof is verified again and the
/// trustee decrypts nothing. And even a file that named the changed stage (a trustee's machine broken into)
/// would not get it past the mix server's signature, which is always checked.
#[test]
fn a_stage_changed_after_it_was_checked_is_verified_again_and_refused() {
    let s = prepared();
    mix_stage(&s, 1);
    mix_stage(&s, 2);
    let file = s.root.join("trustee-1-checked.json");
    check(&s, 1, &file).unwrap();
    let unit = protocol::manifest::Unit::from(0);
    let proof = s.rec.join(record::stage_proof_path(unit, 2));
    let mut bytes = std::fs::read(&proof).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&proof, &bytes).unwrap();
    let err = decrypt_record(&s.rec, &s.files.secrets[0], &s.files.passphrase(1), Some(&file), false).unwrap_err();
    let err = format!("{err:#}");
    assert!(err.contains("does not verify") && err.contains("V10"), "{err}");
    assert!(!s.rec.join(record::partial_path(unit, 1)).exists());

    // The changed stage's digest among those checked early: its proof is skipped, its signature still fails.
    let election = tallier::record::load_record_election(&s.rec).unwrap();
    let read = |rel: String| std::fs::read(s.rec.join(rel)).unwrap();
    let digests = protocol::roles::StageDigests::of(
        &read(record::stage_list_path(unit, 1)),
        &read(record::stage_list_path(unit, 2)),
        &bytes,
    );
    let mut early = verifier::verify::parts::Verified::default();
    early.insert(verifier::verify::parts::stage_key(&election, 0, 2, &digests), String::new());
    let (report, verified) = verifier::verify::verify_before_decryption_with(&s.rec, false, early);
    assert!(verified.is_none());
    assert_eq!(report.failed_ids(), vec!["V10"], "{report}");
    assert!(report.to_string().contains("signature"), "{report}");
}

//! `tallier mix` run as a binary for three chained stages, each checked by the verifier's library; then the
//! chain is tampered with in every way a file can be, and each must fail with its specific check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::Command;

use curve25519_dalek::RistrettoPoint;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::{EncryptionKey, SecretKey};
use protocol::manifest::example_manifest;
use protocol::shuffle::CiphertextList;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use verifier::chain::ChainFailure;
use verifier::mixnet::{signature_path, stage_paths, verify_chain};
use verifier::report::{Check, Failure, Report};

/// The chain's failures: the report's only failed check is MC2 (or MC3, the stage count), and these are its
/// failures as data.
fn chain_failures(r: &Report, check: Check) -> Vec<ChainFailure> {
    assert_eq!(r.failed(), vec![check], "{r}");
    match r.failure(check) {
        Some(Failure::Chain(f)) => f.clone(),
        other => panic!("{check}: {other:?}\n{r}"),
    }
}

/// The chain's first failure is at `stage` and `matches` it (a changed file also breaks its stage's signature
/// and the next stage, whose input it is: those come after it).
fn fails_at(r: &Report, stage: u16, matches: impl Fn(&ChainFailure) -> bool) {
    let failures = chain_failures(r, Check::MC2);
    assert_eq!(failures[0].stage(), Some(stage), "{r}");
    assert!(matches(&failures[0]), "{:?}\n{r}", failures[0]);
}

struct Setup {
    dir: PathBuf,
    /// The mix servers' key files (outside `dir`).
    keys: PathBuf,
    election: PathBuf,
    input: PathBuf,
    sk: SecretKey,
    plaintexts: Vec<RistrettoPoint>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(&self.keys);
    }
}

fn setup(name: &str, n: usize) -> Setup {
    let dir = std::env::temp_dir().join(format!("tallier-mix-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let sk = SecretKey::generate(&mut rng);
    let key = EncryptionKey::new(sk.public_key());
    let manifest = example_manifest();
    let election = dir.join("election.json");
    let json = serde_json::json!({ "manifest": manifest, "public_key": key.public_key() });
    std::fs::write(&election, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let plaintexts: Vec<RistrettoPoint> = (0..n).map(|_| protocol::group::random_point(&mut rng)).collect();
    let list = CiphertextList::from_flat(1, key.encrypt_vector(&plaintexts, &mut rng).0).unwrap();
    let input = dir.join("input.list");
    std::fs::write(&input, list.to_bytes()).unwrap();
    let keys = dir.with_extension("keys");
    let _ = std::fs::remove_dir_all(&keys);
    std::fs::create_dir_all(&keys).unwrap();
    Setup { dir, keys, election, input, sk, plaintexts }
}

/// Mix server `stage`'s key file, with the example manifest's (public) test key of that stage; any other stage
/// number gets a freshly made key of that role, which the manifest does not name.
fn key_file(s: &Setup, stage: u32) -> PathBuf {
    let path = s.keys.join(format!("mix-{stage}.key"));
    let k = u16::try_from(stage).unwrap_or(u16::MAX);
    let key = protocol::roles::example_role_secrets(3)
        .mix
        .into_iter()
        .nth(usize::from(k).wrapping_sub(1))
        .unwrap_or_else(|| protocol::generate_signing_key(&mut rand::rngs::OsRng));
    std::fs::write(&path, protocol::roles::secret_key_file(protocol::roles::Role::Mix(k), &key).as_bytes()).unwrap();
    path
}

fn tallier_mix(s: &Setup, input: &Path, contest: u32, stage: u16) -> std::process::Output {
    tallier_mix_with(s, input, contest, stage, &[])
}

fn tallier_mix_with(s: &Setup, input: &Path, contest: u32, stage: u16, more: &[&str]) -> std::process::Output {
    let (list, proof) = stage_paths(&s.dir, stage);
    Command::new(env!("CARGO_BIN_EXE_tallier"))
        .arg("mix")
        .arg("--election")
        .arg(&s.election)
        .arg("--input")
        .arg(input)
        .args(["--contest", &contest.to_string(), "--quiet"])
        .arg("--key")
        .arg(key_file(s, u32::from(stage)))
        .arg("--output")
        .arg(list)
        .arg("--proof")
        .arg(proof)
        .arg("--signature")
        .arg(signature_path(&s.dir, stage))
        .args(more)
        .output()
        .unwrap()
}

fn run_chain(s: &Setup) {
    let mut input = s.input.clone();
    for stage in 1..=3 {
        let out = tallier_mix(s, &input, 0, stage);
        assert!(out.status.success(), "stage {stage}: {}", String::from_utf8_lossy(&out.stderr));
        input = stage_paths(&s.dir, stage).0;
    }
}

fn sorted_plaintexts(s: &Setup, list: &CiphertextList) -> Vec<[u8; 32]> {
    let mut v: Vec<[u8; 32]> = list.cells().iter().map(|c| s.sk.decrypt(c).compress().to_bytes()).collect();
    v.sort();
    v
}

#[test]
fn three_stages_chain_and_verify() {
    let s = setup("ok", 50);
    run_chain(&s);
    let report = verify_chain(&s.election, 0, &s.input, &s.dir, false);
    assert!(report.passed(), "{report}");
    assert!(
        report.check(Check::MC2).is_some_and(
            |c| matches!(&c.outcome, verifier::report::Outcome::Pass { note } if note.starts_with("3 stages verified"))
        ),
        "{report}"
    );
    // The last output holds the same votes, in another order; no secret file was written.
    let last = CiphertextList::from_bytes(&std::fs::read(stage_paths(&s.dir, 3).0).unwrap()).unwrap();
    let mut expected: Vec<[u8; 32]> = s.plaintexts.iter().map(|m| m.compress().to_bytes()).collect();
    expected.sort();
    assert_eq!(sorted_plaintexts(&s, &last), expected);
    let mut files: Vec<String> =
        std::fs::read_dir(&s.dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(
        files,
        [
            "election.json",
            "input.list",
            "stage-1.list",
            "stage-1.proof",
            "stage-1.sig",
            "stage-2.list",
            "stage-2.proof",
            "stage-2.sig",
            "stage-3.list",
            "stage-3.proof",
            "stage-3.sig"
        ]
    );
}

#[test]
fn tampered_chains_fail_with_the_specific_check() {
    let s = setup("bad", 20);
    run_chain(&s);
    let check = || verify_chain(&s.election, 0, &s.input, &s.dir, false);
    let (list2, proof2) = stage_paths(&s.dir, 2);
    let original_list = std::fs::read(&list2).unwrap();
    let original_proof = std::fs::read(&proof2).unwrap();

    // Stage 2's output reordered after proving.
    let mut list = CiphertextList::from_bytes(&original_list).unwrap();
    list.cells_mut().swap(0, 1);
    std::fs::write(&list2, list.to_bytes()).unwrap();
    let r = check();
    fails_at(
        &r,
        2,
        |f| matches!(f, ChainFailure::ProofFails { contest: 0, reason, .. } if reason.contains("verification check")),
    );
    // A row dropped.
    list.cells_mut().pop();
    std::fs::write(&list2, list.to_bytes()).unwrap();
    let r = check();
    fails_at(
        &r,
        2,
        |f| matches!(f, ChainFailure::ProofFails { contest: 0, reason, .. } if reason.contains("expected")),
    );
    std::fs::write(&list2, &original_list).unwrap();

    // Truncated proof file.
    std::fs::write(&proof2, &original_proof[..original_proof.len() - 7]).unwrap();
    let r = check();
    fails_at(&r, 2, |f| matches!(f, ChainFailure::ProofUndecodable { contest: 0, .. }));
    // A flipped byte in a scalar of the proof.
    let mut p = original_proof.clone();
    let at = p.len() - 40;
    p[at] ^= 1;
    std::fs::write(&proof2, &p).unwrap();
    let r = check();
    fails_at(&r, 2, |f| matches!(f, ChainFailure::ProofFails { contest: 0, .. }));
    // Stage 2's proof presented as stage 3's.
    std::fs::write(&proof2, &original_proof).unwrap();
    let (_, proof3) = stage_paths(&s.dir, 3);
    let original_proof3 = std::fs::read(&proof3).unwrap();
    std::fs::write(&proof3, &original_proof).unwrap();
    let r = check();
    fails_at(
        &r,
        3,
        |f| matches!(f, ChainFailure::ProofFails { contest: 0, reason, .. } if reason.contains("the proof is for")),
    );
    std::fs::write(&proof3, &original_proof3).unwrap();
    assert!(check().passed());
    // Stage 2 signed by a key the manifest does not name (a re-mix by whoever held the files).
    let sig2 = signature_path(&s.dir, 2);
    let original_sig = std::fs::read(&sig2).unwrap();
    let intruder = protocol::generate_signing_key(&mut rand::rngs::OsRng);
    let digests = protocol::roles::StageDigests::of(
        &std::fs::read(stage_paths(&s.dir, 1).0).unwrap(),
        &original_list,
        &original_proof,
    );
    let e = verifier::mixnet::load_election(&s.election).unwrap();
    std::fs::write(&sig2, protocol::roles::sign_stage(&intruder, e.fingerprint(), 0, 2, &digests)).unwrap();
    fails_at(
        &check(),
        2,
        |f| matches!(f, ChainFailure::NotSignedByMixServer { contest: 0, reason, .. } if reason.contains("does not verify under the mix-2 key")),
    );
    std::fs::remove_file(&sig2).unwrap();
    let failures = chain_failures(&check(), Check::MC2);
    assert!(
        matches!(&failures[..], [ChainFailure::Unreadable { file, .. }] if file.ends_with("stage-2.sig")),
        "{failures:?}"
    );
    std::fs::write(&sig2, &original_sig).unwrap();
    assert!(check().passed());

    // A missing stage.
    let (list3, _) = stage_paths(&s.dir, 3);
    std::fs::remove_file(&list3).unwrap();
    std::fs::remove_file(&proof3).unwrap();
    let r = check();
    assert_eq!(
        chain_failures(&r, Check::MC3),
        vec![ChainFailure::WrongStageCount { contest: 0, expected: 3, found: 2 }]
    );
    // The wrong contest: the first list has the wrong width or the proof is for another contest.
    let r = verify_chain(&s.election, 1, &s.input, &s.dir, false);
    // (Stage 3 is still missing, so MC3 fails too.) The first failure is stage 1's proof, made for contest 0.
    match r.failure(Check::MC2) {
        Some(Failure::Chain(f)) => assert!(
            matches!(&f[0], ChainFailure::ProofFails { contest: 1, stage: 1, reason, .. } if reason.contains("contest 0")),
            "{f:?}"
        ),
        other => panic!("MC2: {other:?}\n{r}"),
    }
    let r = verify_chain(&s.election, 9, &s.input, &s.dir, false);
    assert_eq!(r.failed(), vec![Check::MC1], "{r}");
}

#[test]
fn tallier_refuses_bad_arguments() {
    let s = setup("args", 3);
    for (contest, stage, why) in
        [(0, 0, "is not a mix server's key file"), (0, 4, "does not exist"), (7, 1, "does not exist")]
    {
        let out = tallier_mix(&s, &s.input, contest, stage);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(why), "{}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(s.dir.join("junk.list"), b"not a list").unwrap();
    let out = tallier_mix(&s, &s.dir.join("junk.list"), 0, 1);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid ciphertext list"));
}

/// The files of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    files
}

/// With `--memory 1` (1 MiB: 349 rows a chunk at width 1) a list of 800 rows is mixed in three chunks (the last
/// one short); the stage's proof verifies, its output holds the same votes, and its signature covers the files.
#[test]
fn a_small_memory_mixes_in_chunks() {
    let s = setup("chunks", 800);
    assert_eq!(protocol::shuffle::stream::chunk_rows(1, 1 << 20), 349);
    let out = tallier_mix_with(&s, &s.input, 0, 1, &["--memory", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (list, proof) = stage_paths(&s.dir, 1);
    let input = CiphertextList::from_bytes(&std::fs::read(&s.input).unwrap()).unwrap();
    let output = CiphertextList::from_bytes(&std::fs::read(&list).unwrap()).unwrap();
    let proof = protocol::shuffle::ShuffleProof::from_bytes(&std::fs::read(&proof).unwrap()).unwrap();
    let election = tallier::mix::load_election(&s.election).unwrap();
    let statement = protocol::shuffle::ShuffleStatement {
        fingerprint: election.fingerprint(),
        public_key: election.public_key(),
        contest: 0,
        stage: 1,
        input: &input,
        output: &output,
    };
    assert_eq!(
        proof.verify(&mut protocol::transcript::election_transcript(election.fingerprint()), &statement),
        Ok(())
    );
    let mut expected: Vec<[u8; 32]> = s.plaintexts.iter().map(|m| m.compress().to_bytes()).collect();
    expected.sort();
    assert_eq!(sorted_plaintexts(&s, &output), expected);
    let digests = protocol::roles::StageDigests::of(
        &std::fs::read(&s.input).unwrap(),
        &std::fs::read(stage_paths(&s.dir, 1).0).unwrap(),
        &std::fs::read(stage_paths(&s.dir, 1).1).unwrap(),
    );
    let signature: [u8; 64] = std::fs::read(signature_path(&s.dir, 1)).unwrap().try_into().unwrap();
    let message = protocol::roles::stage_message(election.fingerprint(), 0, 1, &digests);
    let key = protocol::roles::example_role_secrets(3).mix[0].verifying_key();
    assert!(key.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature)).is_ok());
    assert_eq!(listing(&s.dir), ["election.json", "input.list", "stage-1.list", "stage-1.proof", "stage-1.sig"]);
}

/// A truncated input list is refused with an error that says so, and the failed stage leaves no file behind (no
/// output, proof or signature, and no partial file).
#[test]
fn a_truncated_input_is_refused_and_leaves_nothing() {
    let s = setup("truncated", 10);
    let bytes = std::fs::read(&s.input).unwrap();
    std::fs::write(&s.input, &bytes[..bytes.len() - 10]).unwrap();
    let out = tallier_mix(&s, &s.input, 0, 1);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("input.list is not a valid ciphertext list"), "{err}");
    assert!(err.contains("input truncated (10 more bytes needed)"), "{err}");
    assert_eq!(listing(&s.dir), ["election.json", "input.list"]);
}

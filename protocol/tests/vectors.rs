//! The stored known-answer vectors (`protocol/vectors/*.json`) must match what the code computes today, so a
//! change of format is never silent. Regenerate with `cargo run -p protocol --example gen_vectors` only when a
//! format change is intended, and say so in SPEC.md.

use protocol::ballot::{check_ballot, open_ballot, Ballot, BallotOpening};
use protocol::codec::Decode;
use protocol::election::Election;
use protocol::elgamal::PublicKey;
use protocol::manifest::example_manifest;
use test_support::kat;

#[test]
fn stored_vectors_match_the_code() {
    for (name, value) in kat::all() {
        let path = format!("{}/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
        let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(stored, value, "{name} differs from the code: format change?");
    }
}

#[test]
fn stored_ballot_decodes_checks_and_opens() {
    let v: serde_json::Value = serde_json::from_str(include_str!("../vectors/ballot.json")).unwrap();
    let hexv = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
    let pk = PublicKey::from_bytes(&hexv("public_key")).unwrap();
    let election = Election::new(example_manifest(), pk).unwrap();
    assert_eq!(election.fingerprint().as_bytes().to_vec(), hexv("fingerprint"));
    let ballot = Ballot::from_bytes(&hexv("ballot")).unwrap();
    check_ballot(&election, &ballot).unwrap();
    let opening = BallotOpening::from_bytes(&hexv("opening")).unwrap();
    // SPEC.md §8.4: the seed gives the opening and, with the credential and the answers, the whole body; the codes
    // and the fetch proof of §8.9–§8.10 check.
    let seed = protocol::ballot::BallotSeed::from_bytes(hexv("seed").try_into().unwrap());
    assert_eq!(*seed.opening(election.manifest(), None).expose_bytes(), *opening.expose_bytes());
    let code = protocol::codes::ChallengeCode::parse(v["challenge_code"].as_str().unwrap()).unwrap();
    assert_eq!(code.check(&election).unwrap().ballot_id, ballot.id());
    let cast = protocol::codes::SecondDeviceCode::parse(v["cast_code"].as_str().unwrap()).unwrap();
    assert_eq!((cast.ballot_id, *cast.seed.expose_bytes()), (ballot.id(), *seed.expose_bytes()));
    let proof = protocol::proofs::schnorr::SchnorrProof::from_bytes(&hexv("fetch_proof")).unwrap();
    protocol::codes::check_fetch(&ballot.body, &proof).unwrap();
    let answers: Vec<protocol::Answer> = serde_json::from_value(v["answers"].clone()).unwrap();
    let opened: Vec<_> =
        open_ballot(&election, &ballot.body, &opening).unwrap().into_iter().map(Result::unwrap).collect();
    assert_eq!(opened, answers);
}

/// The stored DLEQ proofs verify from the file alone (an independent implementation's first check of §7.2).
#[test]
fn stored_dleq_proofs_verify() {
    use curve25519_dalek::Scalar;
    use protocol::group::GroupElement;
    use protocol::proofs::dleq::{DleqProof, DleqStatement};
    use protocol::transcript::election_transcript;
    let v: serde_json::Value = serde_json::from_str(include_str!("../vectors/dleq.json")).unwrap();
    let point = |x: &serde_json::Value| {
        GroupElement::from_bytes(&hex::decode(x.as_str().unwrap()).unwrap().try_into().unwrap(), "kat").unwrap()
    };
    let points = |k: &str| v[k].as_array().unwrap().iter().map(point).collect::<Vec<_>>();
    let fp = protocol::Fingerprint(hex::decode(v["fingerprint"].as_str().unwrap()).unwrap().try_into().unwrap());
    let (g1, h1, g2, h2) = (point(&v["g1"]), point(&v["h1"]), points("g2"), points("h2"));
    let proof = DleqProof::from_bytes(&hex::decode(v["proof"].as_str().unwrap()).unwrap()).unwrap();
    let st = DleqStatement { g1: &g1, h1: &h1, g2: &g2, h2: &h2 };
    proof.verify(&mut election_transcript(&fp), &st).unwrap();
    // g₂ᵢ = i·G and h₂ᵢ = (x·i)·G = i·h₁.
    let long = &v["two_chunks"];
    let n = long["n"].as_u64().unwrap();
    let g2: Vec<GroupElement> = (1..=n).map(|i| GroupElement::new(Scalar::from(i) * g1.point())).collect();
    let h2: Vec<GroupElement> = (1..=n).map(|i| GroupElement::new(Scalar::from(i) * h1.point())).collect();
    let proof = DleqProof::from_bytes(&hex::decode(long["proof"].as_str().unwrap()).unwrap()).unwrap();
    let st = DleqStatement { g1: &g1, h1: &h1, g2: &g2, h2: &h2 };
    proof.verify(&mut election_transcript(&fp), &st).unwrap();
    let mut bad = h2.clone();
    bad.swap(0, n as usize - 1);
    assert!(proof.verify(&mut election_transcript(&fp), &DleqStatement { h2: &bad, ..st }).is_err());
}

/// The stored log vectors hold from the file alone: the leaf data's layout (eq. LG1 v2), its hash, and the
/// receipt (eq. LG4 v2) under the stored collector key.
#[test]
fn stored_log_vectors_verify() {
    use protocol::log::Receipt;
    use sha2::{Digest, Sha256};
    let v: serde_json::Value = serde_json::from_str(include_str!("../vectors/log.json")).unwrap();
    let hexv = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
    let accepted_at = v["accepted_at"].as_u64().unwrap();
    let data = hexv("leaf_data");
    let expected =
        [b"rv/log-leaf/v2".as_slice(), &hexv("ballot_id"), &hexv("ballot_hash"), &accepted_at.to_be_bytes()].concat();
    assert_eq!(data, expected);
    let leaf: [u8; 32] = Sha256::new().chain_update([0u8]).chain_update(&data).finalize().into();
    assert_eq!(leaf.to_vec(), hexv("leaf_hash"));
    let receipt: Receipt = serde_json::from_value(v["receipt"].clone()).unwrap();
    assert_eq!(receipt.leaf_hash(), leaf);
    assert_eq!(receipt.body().signed_message(), hexv("receipt_message"));
    let key = ed25519_dalek::VerifyingKey::from_bytes(&hexv("collector_key").try_into().unwrap()).unwrap();
    receipt.verify(&key, &receipt.fingerprint).unwrap();
}

/// The stored proof of shuffle verifies as stored (SPEC.md §9.4, MX14) and fails for another stage.
#[test]
fn stored_shuffle_verifies() {
    use protocol::shuffle::{CiphertextList, ShuffleProof, ShuffleStatement};
    let path = format!("{}/vectors/shuffle.json", env!("CARGO_MANIFEST_DIR"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let bytes = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
    let fp = protocol::Fingerprint(bytes("fingerprint").try_into().unwrap());
    let key = PublicKey::from_bytes(&bytes("public_key")).unwrap();
    let input = CiphertextList::from_bytes(&bytes("input")).unwrap();
    let output = CiphertextList::from_bytes(&bytes("output")).unwrap();
    let proof = ShuffleProof::from_bytes(&bytes("proof")).unwrap();
    let st =
        ShuffleStatement { fingerprint: &fp, public_key: &key, contest: 1, stage: 2, input: &input, output: &output };
    proof.verify(&mut protocol::transcript::election_transcript(&fp), &st).unwrap();
    let other = ShuffleStatement { stage: 3, ..st };
    assert!(proof.verify(&mut protocol::transcript::election_transcript(&fp), &other).is_err());
}

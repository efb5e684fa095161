//! The stored known-answer vectors (`protocol/vectors/*.json`) must match what the code computes today, so a
//! change of format is never silent. Regenerate with `cargo run -p protocol --example gen_vectors` only when a
//! format change is intended, and say so in SPEC.md.

mod kat;

use protocol::ballot::{check_ballot, open_ballot, Ballot, BallotOpening, Election};
use protocol::codec::Decode;
use protocol::elgamal::PublicKey;
use protocol::manifest::example_manifest;

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
    let answers: Vec<protocol::Answer> = serde_json::from_value(v["answers"].clone()).unwrap();
    let opened: Vec<_> =
        open_ballot(&election, &ballot.body, &opening).unwrap().into_iter().map(Result::unwrap).collect();
    assert_eq!(opened, answers);
}

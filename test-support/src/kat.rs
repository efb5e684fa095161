//! Known-answer vectors: one deterministic computation per part of SPEC.md, from fixed seeds. Shared by the
//! generator (`cargo run -p protocol --example gen_vectors`) and the test that checks the stored JSON files.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use merlin::Transcript;
use protocol::ballot::{create_ballot_body, BallotSeed};
use protocol::codec::Encode;
use protocol::codes::{prove_fetch, ChallengeCode, SecondDeviceCode};
use protocol::credential::Credential;
use protocol::election::Election;
use protocol::elgamal::{EncryptionKey, SecretKey};
use protocol::encoding::{embed_chunk, Answer, Selection};
use protocol::group::{derive_generator, random_scalar, GroupElement, G};
use protocol::limits::CHUNK_BYTES;
use protocol::manifest::example_manifest;
use protocol::proofs::dleq::{DleqProof, DleqStatement, DleqWitness};
use protocol::transcript::{election_transcript, TranscriptProtocol};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

fn rng(label: &str) -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    seed[..label.len().min(32)].copy_from_slice(&label.as_bytes()[..label.len().min(32)]);
    ChaCha20Rng::from_seed(seed)
}

fn h(bytes: impl AsRef<[u8]>) -> Value {
    Value::String(hex::encode(bytes))
}

/// Every vector file: name → contents.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("group.json", group()),
        ("encoding.json", encoding()),
        ("ballot.json", ballot()),
        ("dleq.json", dleq()),
        ("log.json", log()),
        ("shuffle.json", shuffle()),
    ]
}

fn group() -> Value {
    let generators: Vec<Value> = (0..4)
        .map(|i| {
            json!({"seed": "kat-seed", "label": "kat-label", "index": i,
                        "point": h(derive_generator(b"kat-seed", b"kat-label", i).compress().as_bytes())})
        })
        .collect();
    let mut t = election_transcript(&protocol::Fingerprint([0x11; 32]));
    t.domain_sep(b"kat/v1");
    t.append_message(b"msg", b"hello");
    let challenge = t.challenge_scalar(b"c");
    let mut t2 = Transcript::new(b"kat");
    let mut stream = t2.challenge_stream(b"rho");
    let stream: Vec<Value> = (0..3).map(|_| h(stream.next_scalar().as_bytes())).collect();
    let stream_128: Vec<Value> =
        Transcript::new(b"kat").challenge_stream(b"rho").scalars_128(5).iter().map(|s| h(s.as_bytes())).collect();
    json!({
        "description": "SPEC.md §2.3 generators; §3 transcript challenges",
        "generators": generators,
        "transcript": {"protocol_label": "rv-verifiable-voting/v1", "fingerprint": h([0x11; 32]),
                        "steps": "dom-sep=kat/v1, msg=hello, challenge c", "challenge": h(challenge.as_bytes())},
        "challenge_stream": {"transcript_label": "kat", "stream_label": "rho", "scalars": stream},
        "challenge_stream_128": {"transcript_label": "kat", "stream_label": "rho", "scalars": stream_128},
    })
}

fn encoding() -> Value {
    let m = example_manifest();
    let mut r = rng("encoding");
    let answers = [
        (0, Answer::single(2)),
        (1, Answer { selections: vec![Selection::Option(0), Selection::Option(3)] }),
        (2, Answer { selections: vec![Selection::Option(1), Selection::WriteIn("Zoë".into())] }),
    ];
    let cases: Vec<Value> = answers
        .iter()
        .map(|(c, a)| {
            let contest = &m.contests[*c];
            let bytes = a.to_padded_bytes(contest).unwrap();
            let points: Vec<Value> = bytes
                .chunks(CHUNK_BYTES)
                .map(|chunk| h(embed_chunk(chunk.try_into().unwrap(), &mut r).unwrap().compress().as_bytes()))
                .collect();
            json!({"contest": contest.id, "answer": a, "padded_bytes": h(&bytes), "points": points})
        })
        .collect();
    json!({
        "description": "SPEC.md §5: answers, canonical padded bytes, and embedded points (tags from the ChaCha20 seed 'encoding')",
        "manifest_bytes": h(m.to_bytes()),
        "manifest_digest": h(m.digest()),
        "cases": cases,
    })
}

fn ballot() -> Value {
    let mut r = rng("ballot");
    let sk = SecretKey::generate(&mut r);
    let election = Election::new(example_manifest(), sk.public_key()).unwrap();
    let ek = EncryptionKey::new(sk.public_key());
    let m = RistrettoPoint::from_uniform_bytes(&[5; 64]);
    let enc_r = random_scalar(&mut r);
    let ct = ek.encrypt(&m, &enc_r);
    let cred = Credential::generate(&mut r);
    let answers =
        vec![Answer::single(0), Answer { selections: vec![] }, Answer { selections: vec![Selection::Option(3)] }];
    let seed = BallotSeed::generate(&mut r);
    let (body, opening) = create_ballot_body(&election, &cred.public_key(), None, &answers, &seed).unwrap();
    let ballot = body.sign(&cred).unwrap();
    let challenge =
        ChallengeCode::new(&election, cred.public_key(), None, &answers, BallotSeed::from_bytes(*seed.expose_bytes()))
            .unwrap();
    let fetch_proof = prove_fetch(election.fingerprint(), &ballot.id(), &opening, &mut r).unwrap();
    let seed_hex = h(seed.expose_bytes());
    let cast_code = SecondDeviceCode { fingerprint: *election.fingerprint(), ballot_id: ballot.id(), seed };
    json!({
        "description": "SPEC.md §4.4 fingerprint, §6 encryption, §8 a whole ballot from its seed (§8.4), its \
                        codes (§8.9) and a fetch proof (§8.10) (ChaCha20 seed 'ballot')",
        "seed": seed_hex,
        "cast_code": &*cast_code.to_text(),
        "challenge_code": &*challenge.to_text(),
        "fetch_proof": h(fetch_proof.to_bytes()),
        "secret_key": h(sk.expose_scalar().as_bytes()),
        "public_key": h(sk.public_key().element().to_bytes()),
        "fingerprint": h(election.fingerprint().as_bytes()),
        "encryption": {"message": h(m.compress().as_bytes()), "randomness": h(enc_r.as_bytes()),
                        "ciphertext": h(ct.to_bytes())},
        "credential_secret": h(*cred.expose_secret_bytes()),
        "credential_public": h(cred.public_key().as_bytes()),
        "answers": answers,
        "ballot": h(ballot.to_bytes()),
        "ballot_id": h(ballot.id().0),
        "opening": h(&*opening.expose_bytes()),
    })
}

fn dleq() -> Value {
    let mut r = rng("dleq");
    let x = random_scalar(&mut r);
    let g1 = GroupElement::new(G);
    let h1 = GroupElement::new(x * G);
    let g2: Vec<GroupElement> = (0..3).map(|_| protocol::group::random_point(&mut r).into()).collect();
    let h2: Vec<GroupElement> = g2.iter().map(|g| GroupElement::new(x * g.point())).collect();
    let fp = protocol::Fingerprint([0x22; 32]);
    let st = DleqStatement { g1: &g1, h1: &h1, g2: &g2, h2: &h2 };
    let proof = DleqProof::prove(&mut election_transcript(&fp), &st, &DleqWitness { x: &x }, &mut r).unwrap();
    // Across a chunk boundary: g₂ᵢ = i·G, h₂ᵢ = (x·i)·G for i = 1‥1025 (two chunks, the second of one pair).
    let n = protocol::proofs::dleq::PAIRS_PER_CHUNK + 1;
    let g2_long: Vec<GroupElement> = (1..=n as u64).map(|i| GroupElement::new(Scalar::from(i) * G)).collect();
    let h2_long: Vec<GroupElement> = (1..=n as u64).map(|i| GroupElement::new((x * Scalar::from(i)) * G)).collect();
    let st_long = DleqStatement { g1: &g1, h1: &h1, g2: &g2_long, h2: &h2_long };
    let long = DleqProof::prove(&mut election_transcript(&fp), &st_long, &DleqWitness { x: &x }, &mut r).unwrap();
    json!({
        "description": "SPEC.md §7.2 a DLEQ proof (v2: chunked pair digests, 128-bit weights) folded over 3 pairs (ChaCha20 seed 'dleq')",
        "fingerprint": h(fp.as_bytes()),
        "x": h(x.as_bytes()),
        "g1": h(g1.to_bytes()), "h1": h(h1.to_bytes()),
        "g2": g2.iter().map(|p| h(p.to_bytes())).collect::<Vec<_>>(),
        "h2": h2.iter().map(|p| h(p.to_bytes())).collect::<Vec<_>>(),
        "proof": h(proof.to_bytes()),
        "two_chunks": {"n": n, "g2": "i·G for i = 1..n", "h2": "(x·i)·G for i = 1..n",
                       "proof": h(long.to_bytes())},
    })
}

/// SPEC.md §9: a proof of shuffle (Terelius–Wikström, §9.3) of 5 rows of width 2, contest 1, stage 2, from fixed
/// seeds. The stored file is also verified as stored (`stored_shuffle_verifies`): a proof made by earlier code
/// that newer code no longer accepts is a format change, which needs a version bump in SPEC.md.
fn shuffle() -> Value {
    let mut r = rng("shuffle");
    let key = EncryptionKey::new(SecretKey::generate(&mut r).public_key());
    let fp = protocol::Fingerprint([0x33; 32]);
    let rows: Vec<Vec<protocol::Ciphertext>> = (0..5)
        .map(|_| {
            let points: Vec<RistrettoPoint> = (0..2).map(|_| protocol::group::random_point(&mut r)).collect();
            let rand: Vec<Scalar> = (0..2).map(|_| random_scalar(&mut r)).collect();
            key.encrypt_many(&points, &rand)
        })
        .collect();
    let input = protocol::shuffle::CiphertextList::from_rows(&rows).unwrap();
    let stage = protocol::shuffle::Stage { fingerprint: &fp, key: &key, contest: 1, stage: 2 };
    let (output, proof) = protocol::shuffle::shuffle_and_prove(&stage, &input, &mut r).unwrap();
    json!({
        "description": "SPEC.md §9: a re-encryption shuffle of 5 rows of width 2 and its proof (§9.3.3), contest 1, stage 2 (ChaCha20 seed 'shuffle'); verify with §9.4 in the transcript election_transcript(fingerprint)",
        "fingerprint": h(fp.as_bytes()),
        "public_key": h(key.public_key().to_bytes()),
        "contest": 1,
        "stage": 2,
        "input": h(input.to_bytes()),
        "output": h(output.to_bytes()),
        "proof": h(proof.to_bytes()),
    })
}

/// SPEC.md §11.1 eq. LG1 (a v2 leaf, with its acceptance time), §11.2 eq. LG3 and §11.3 eq. LG4 (a v2 receipt),
/// over fixed inputs and a fixed Ed25519 key.
fn log() -> Value {
    use protocol::log::{leaf_data, leaf_hash, LogTree, ReceiptBody, SignedTreeHead};
    use protocol::{BallotId, Fingerprint};
    let key = ed25519_dalek::SigningKey::from_bytes(&[0x11; 32]);
    let fingerprint = Fingerprint([0x22; 32]);
    let ballot_id = BallotId([0x33; 32]);
    let ballot_hash = [0x44; 32];
    let accepted_at = 1_790_000_123u64;
    let leaf = leaf_hash(&ballot_id, &ballot_hash, accepted_at);
    let mut tree = LogTree::new();
    tree.push([0x55; 32]);
    tree.push(leaf);
    let root = tree.root(2).unwrap();
    let timestamp = accepted_at * 1000 + 456;
    let body =
        ReceiptBody { fingerprint, ballot_id, ballot_hash, accepted_at, leaf_index: 1, tree_size: 2, root, timestamp };
    let receipt = body.sign(&key, tree.inclusion_proof(1, 2).unwrap());
    let head = SignedTreeHead::sign(&key, fingerprint, 2, root, timestamp);
    json!({
        "description": "SPEC.md §11: eq. LG1 leaf v2 (with accepted_at, seconds), LG3 tree head, LG4 receipt v2; \
                        leaf 0 of the tree is the raw hash 55…55, the ballot's leaf is leaf 1",
        "collector_secret": h([0x11; 32]),
        "collector_key": h(key.verifying_key().as_bytes()),
        "fingerprint": h(fingerprint.as_bytes()),
        "ballot_id": h(ballot_id.0),
        "ballot_hash": h(ballot_hash),
        "accepted_at": accepted_at,
        "leaf_data": h(leaf_data(&ballot_id, &ballot_hash, accepted_at)),
        "leaf_hash": h(leaf),
        "root": h(root),
        "timestamp": timestamp,
        "receipt_message": h(body.signed_message()),
        "receipt": serde_json::to_value(&receipt).unwrap(),
        "tree_head": serde_json::to_value(&head).unwrap(),
    })
}

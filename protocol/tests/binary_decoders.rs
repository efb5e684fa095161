//! Every binary decoder of `protocol` (SPEC.md §1, and the codes of §8.9) over arbitrary bytes, and over valid
//! encodings with bytes flipped, overwritten, inserted, deleted, cut off or added: each returns `Ok` or `Err`,
//! never panics, and a value that decodes re-encodes to exactly the bytes it was read from (the encoding is
//! canonical). The valid encodings come from one small election built once: a 2-of-3 ceremony, two ballots, one
//! mix stage, three partial decryptions.
//!
//! Cases: 2048 per test by default (about a second in all); `PROPTEST_CASES=N` for a longer run (`scripts/fuzz.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test set-up outside #[test] fns

use std::sync::OnceLock;

use curve25519_dalek::Scalar;
use proptest::prelude::*;
use proptest::sample::Index;
use protocol::ballot::{create_ballot_body, BallotBody, BallotOpening, BallotSeed};
use protocol::codec::{Decode, Encode};
use protocol::codes::{ChallengeCode, DeviceCode, SecondDeviceCode};
use protocol::elgamal::{Ciphertext, PublicKey};
use protocol::encoding::{Answer, Selection};
use protocol::log::{ConsistencyProof, InclusionProof, LogTree, Receipt, ReceiptBody, SignedTreeHead};
use protocol::manifest::{example_manifest, Manifest};
use protocol::proofs::dleq::DleqProof;
use protocol::proofs::opening::{OpeningProof, OpeningTerm};
use protocol::proofs::randomness::RandomnessProof;
use protocol::proofs::schnorr::SchnorrProof;
use protocol::roles::{self, Role, RoleKey, Roles};
use protocol::shuffle::{shuffle_and_prove, CiphertextList, ShuffleProof, Stage};
use protocol::threshold::ceremony::{Close, DisclosedShare, FileRef};
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{
    self as th, Announcement, CeremonyFiles, CeremonyParams, Complaint, Confirmation, Dealing, EncryptedShare,
    PartialDecryption, PlaintextList, Recovery, Reveal, Signed, SignedClose, TrusteeSecret,
};
use protocol::{Ballot, Credential, CredentialKey, Election, GroupElement};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Cases per test: `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// A decoder under test: `Some(re-encoding)` if the bytes decode (`Some(input)` for the text decoders, which
/// accept several spellings), `None` if they do not.
type Decoder = fn(&[u8]) -> Option<Vec<u8>>;

fn codec<T: Decode + Encode>(bytes: &[u8]) -> Option<Vec<u8>> {
    T::from_bytes(bytes).ok().map(|v| v.to_bytes())
}

fn opening(bytes: &[u8]) -> Option<Vec<u8>> {
    BallotOpening::from_bytes(bytes).ok().map(|o| o.expose_bytes().to_vec())
}

fn trustee_secret(bytes: &[u8]) -> Option<Vec<u8>> {
    TrusteeSecret::from_secret_bytes(bytes).ok().map(|s| s.to_secret_bytes().to_vec())
}

/// The codes are text: parsed (either code, then each alone), and a challenge code checked against the election
/// (which reads its answers). Links and lower-case hex also parse, so no byte-exact re-encoding is asserted.
fn device_code(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    let _ = SecondDeviceCode::parse(&text);
    if let Ok(c) = ChallengeCode::parse(&text) {
        let _ = c.check(&fixture().election);
    }
    DeviceCode::parse(&text).ok().map(|_| bytes.to_vec())
}

fn role_key_files(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    let mut read = false;
    for role in [Role::Collector, Role::Officials, Role::Mix(1)] {
        read |= roles::read_public_key_file(&text, role).is_ok();
        read |= roles::read_secret_key_file(&text, role).is_ok();
    }
    read.then(|| bytes.to_vec())
}

/// An answer's canonical bytes (SPEC.md §5.1) for each contest of the election; re-encoded when valid.
fn answer_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = None;
    for contest in &fixture().election.manifest().contests {
        if let Ok(a) = Answer::from_canonical_bytes(contest, bytes) {
            let again = a.to_canonical_bytes(contest).unwrap();
            assert_eq!(again, bytes, "contest {}: a canonical answer re-encodes to itself", contest.id);
            out = Some(again);
        }
        if let Ok(a) = Answer::from_padded_bytes(contest, bytes) {
            assert_eq!(a.to_padded_bytes(contest).unwrap(), bytes, "contest {}: padded answer", contest.id);
        }
    }
    out
}

const DECODERS: &[(&str, Decoder)] = &[
    ("point", codec::<GroupElement>),
    ("scalar", codec::<Scalar>),
    ("public key", codec::<PublicKey>),
    ("ciphertext", codec::<Ciphertext>),
    ("ciphertext list", codec::<CiphertextList>),
    ("shuffle proof", codec::<ShuffleProof>),
    ("credential key", codec::<CredentialKey>),
    ("ballot body", codec::<BallotBody>),
    ("ballot", codec::<Ballot>),
    ("ballot opening", opening),
    ("randomness proof", codec::<RandomnessProof>),
    ("schnorr proof", codec::<SchnorrProof>),
    ("dleq proof", codec::<DleqProof>),
    ("opening term", codec::<OpeningTerm>),
    ("opening proof", codec::<OpeningProof>),
    ("partial decryption", codec::<Signed<PartialDecryption>>),
    ("plaintext list", codec::<PlaintextList>),
    ("announcement", codec::<Signed<Announcement>>),
    ("encrypted share", codec::<EncryptedShare>),
    ("dealing", codec::<Signed<Dealing>>),
    ("complaint", codec::<Complaint>),
    ("confirmation", codec::<Signed<Confirmation>>),
    ("file ref", codec::<FileRef>),
    ("close", codec::<Close>),
    ("signed close", codec::<SignedClose>),
    ("reveal", codec::<Signed<Reveal>>),
    ("disclosed share", codec::<DisclosedShare>),
    ("recovery", codec::<Recovery>),
    ("trustee secret", trustee_secret),
    ("role key", codec::<RoleKey>),
    ("roles", codec::<Roles>),
    ("manifest", codec::<Manifest>),
    ("device code", device_code),
    ("key file", role_key_files),
    ("answer", answer_bytes),
    ("tree head", codec::<SignedTreeHead>),
    ("receipt", codec::<Receipt>),
    ("inclusion proof", codec::<InclusionProof>),
    ("consistency proof", codec::<ConsistencyProof>),
];

fn decoder(name: &str) -> Decoder {
    DECODERS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d).unwrap()
}

/// The election, and one valid encoding (decoder name, bytes) of everything the decoders read.
struct Fixture {
    election: Election,
    samples: Vec<(&'static str, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

fn build() -> Fixture {
    let mut rng = ChaCha20Rng::from_seed([16; 32]);
    let voters: Vec<Credential> = (0..2).map(|_| Credential::generate(&mut rng)).collect();
    let mut registry: Vec<CredentialKey> = voters.iter().map(Credential::public_key).collect();
    registry.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let role_secrets = roles::example_role_secrets(1);
    let mut manifest = example_manifest();
    manifest.roles = role_secrets.roles(roles::Registry::of(&registry));
    manifest.trustees.count = 3;
    manifest.trustees.threshold = 2;
    let params = CeremonyParams::from_manifest(&manifest).unwrap();
    let SimulatedCeremony { secrets, files, roster, outcome, .. } =
        SimulatedCeremony::run(&params, &role_secrets.officials, &[], &mut rng).unwrap();
    let election = Election::new(manifest.clone(), outcome.election_key).unwrap();
    let fp = *election.fingerprint();

    let mut samples: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut push = |name: &'static str, bytes: Vec<u8>| samples.push((name, bytes));

    // Ballots, their parts, the codes (§8).
    let o = Selection::Option;
    let answers = vec![
        Answer { selections: vec![o(1)] },
        Answer { selections: vec![o(0), o(2)] },
        Answer { selections: vec![o(3), o(1)] },
    ];
    let mut ballots: Vec<Ballot> = Vec::new();
    for v in &voters {
        let (ballot, opening) = protocol::create_ballot(&election, v, None, &answers, &mut rng).unwrap();
        push("ballot opening", opening.expose_bytes().to_vec());
        ballots.push(ballot);
    }
    let ballot = &ballots[0];
    push("ballot", ballot.to_bytes());
    push("ballot body", ballot.body.to_bytes());
    push("randomness proof", ballot.body.proof.to_bytes());
    push("credential key", ballot.body.credential.to_bytes());
    push("ciphertext", ballot.body.contests[0][0].to_bytes());
    push("point", election.public_key().to_bytes());
    push("public key", election.public_key().to_bytes());
    for (contest, answer) in manifest.contests.iter().zip(&answers) {
        push("answer", answer.to_canonical_bytes(contest).unwrap());
    }
    let seed = BallotSeed::generate(&mut rng);
    let credential = voters[0].public_key();
    let (body, _) = create_ballot_body(&election, &credential, None, &answers, &seed).unwrap();
    let cast = SecondDeviceCode { fingerprint: fp, ballot_id: body.id(), seed: BallotSeed::from_bytes([3; 32]) };
    push("device code", cast.to_text().as_bytes().to_vec());
    let challenge = ChallengeCode::new(&election, credential, None, &answers, seed).unwrap();
    push("device code", challenge.to_text().as_bytes().to_vec());

    // The ballot log (§11): both ballots after three other leaves, a head, a receipt, both proofs.
    let collector = &role_secrets.collector;
    let mut tree = LogTree::new();
    (0..3u8).for_each(|i| tree.push([i; 32]));
    for b in &ballots {
        tree.push(protocol::log::ballot_leaf_hash(b, 1_790_000_000));
    }
    let root = tree.root(5).unwrap();
    push("tree head", SignedTreeHead::sign(collector, fp, 5, root, 1_790_000_000_500).to_bytes());
    let body = ReceiptBody {
        fingerprint: fp,
        ballot_id: ballots[1].id(),
        ballot_hash: protocol::log::ballot_hash(&ballots[1].to_bytes()),
        accepted_at: 1_790_000_000,
        leaf_index: 4,
        tree_size: 5,
        root,
        timestamp: 1_790_000_000_500,
    };
    push("receipt", body.sign(collector, tree.inclusion_proof(4, 5).unwrap()).to_bytes());
    let path = tree.inclusion_proof(3, 5).unwrap();
    push(
        "inclusion proof",
        InclusionProof { leaf_index: 3, tree_size: 5, leaf_hash: *tree.leaf(3).unwrap(), path }.to_bytes(),
    );
    let path = tree.consistency_proof(3, 5).unwrap();
    push("consistency proof", ConsistencyProof { first: 3, second: 5, path }.to_bytes());

    // The ceremony (§10).
    let CeremonyFiles { announcements, dealings, confirmations, close, reveals, .. } = files;
    let close = close.unwrap();
    push("announcement", announcements[0].to_bytes());
    push("schnorr proof", announcements[0].message.encryption_key_proof.to_bytes());
    push("dealing", dealings[0].to_bytes());
    push("encrypted share", dealings[0].message.shares[0].to_bytes());
    push("confirmation", confirmations[0].to_bytes());
    push("close", close.message.to_bytes());
    push("file ref", close.message.announcements[0].to_bytes());
    push("signed close", close.to_bytes());
    push("reveal", reveals[0].to_bytes());
    push("opening proof", reveals[0].message.proof.to_bytes());
    push("opening term", reveals[0].message.proof.terms[0].to_bytes());
    push("trustee secret", secrets[0].to_secret_bytes().to_vec());
    let share = DisclosedShare { dealer: 2, share: Scalar::from(5u8), blinding: Scalar::from(7u8) };
    push("disclosed share", share.to_bytes());
    push(
        "recovery",
        Recovery { election: params.digest, trustee: 1, close: [9; 32], shares: vec![share.clone(), share] }.to_bytes(),
    );
    push("role key", manifest.roles.collector_key.to_bytes());
    push("roles", manifest.roles.to_bytes());
    push("manifest", manifest.to_bytes());
    push("key file", roles::public_key_file(Role::Collector, &role_secrets.collector.verifying_key()).into_bytes());
    push("key file", roles::secret_key_file(Role::Officials, &role_secrets.officials).as_bytes().to_vec());

    // One mix stage and the decryption of contest 0 (§9, §10.8).
    let rows: Vec<Vec<Ciphertext>> = ballots.iter().map(|b| b.body.contests[0].clone()).collect();
    let input = CiphertextList::from_rows(&rows).unwrap();
    let stage = Stage { fingerprint: &fp, key: election.encryption_key(), contest: 0, stage: 1 };
    let (output, proof) = shuffle_and_prove(&stage, &input, &mut rng).unwrap();
    push("ciphertext list", input.to_bytes());
    push("ciphertext list", output.to_bytes());
    push("shuffle proof", proof.to_bytes());
    let mut partials = Vec::new();
    for j in 1..=3u16 {
        let s = &secrets[usize::from(j) - 1];
        let key = s.key_share(&outcome).unwrap();
        let p = PartialDecryption::create(&params, &fp, j, &key, &s.signing_key(), &output, &mut rng).unwrap();
        partials.push(p);
    }
    push("partial decryption", partials[0].to_bytes());
    push("dleq proof", partials[0].message.proof.to_bytes());
    let complaint =
        Complaint { dealer: 2, shared: *election.public_key().element(), proof: partials[0].message.proof.clone() };
    push("complaint", complaint.to_bytes());
    let verified =
        th::verify_partial_decryptions(&params, &fp, &roster, &outcome, &output, partials, &mut rng).unwrap();
    push("plaintext list", th::combine(&params, &verified, &output).unwrap().to_bytes());

    Fixture { election, samples }
}

/// Every sample decodes, and re-encodes to itself: the mutations start from valid encodings. (Not inside
/// [`build`]: the code and answer decoders read the fixture.)
#[test]
fn the_samples_are_valid_encodings() {
    for (name, bytes) in &fixture().samples {
        assert_eq!(decoder(name)(bytes).as_deref(), Some(&bytes[..]), "the sample {name} round-trips");
    }
}

/// One change to a byte string. Positions are indices into whatever length the string has by then.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    /// A `u32` written over four bytes: lengths and counts are `u32`s, so this hits their bounds.
    SetU32(Index, u32),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    Extend(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let word = prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(255),
        Just(256),
        Just(65_535),
        Just(0x7fff_ffff),
        Just(u32::MAX),
        any::<u32>()
    ];
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => (any::<Index>(), word).prop_map(|(i, w)| Mutation::SetU32(i, w)),
        1 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..40)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<Index>(), 1..70usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => proptest::collection::vec(any::<u8>(), 1..40).prop_map(Mutation::Extend),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    let at = |i: &Index| if len == 0 { 0 } else { i.index(len) };
    match m {
        Mutation::Flip(i, x) if len > 0 => bytes[at(i)] ^= x,
        Mutation::Set(i, b) if len > 0 => bytes[at(i)] = *b,
        Mutation::SetU32(i, w) if len >= 4 => {
            let p = i.index(len - 3);
            bytes[p..p + 4].copy_from_slice(&w.to_be_bytes());
        }
        Mutation::Insert(i, b) => {
            let p = if len == 0 { 0 } else { i.index(len + 1) };
            bytes.splice(p..p, b.iter().copied());
        }
        Mutation::Delete(i, n) if len > 0 => {
            let p = at(i);
            bytes.drain(p..(p + n).min(len));
        }
        Mutation::Truncate(i) => bytes.truncate(at(i)),
        Mutation::Extend(b) => bytes.extend_from_slice(b),
        _ => {}
    }
}

/// Runs every decoder on `bytes`; each that accepts must re-encode to `bytes`.
fn decode_all(bytes: &[u8]) {
    for (name, decode) in DECODERS {
        if let Some(again) = decode(bytes) {
            assert_eq!(again, bytes, "{name}: a decoded value re-encodes to the bytes it was read from");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2048)))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        decode_all(&bytes);
    }

    /// Inputs that start with a plausible prefix: a small count or length, then arbitrary bytes.
    #[test]
    fn arbitrary_bytes_after_a_small_count_never_panic(
        count in 0u32..5,
        rest in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut bytes = count.to_be_bytes().to_vec();
        bytes.extend(rest);
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(RV2:|RVC2:|https://x/#RVC2:|rv-key)?[0-9A-Fa-f:#\n -]{0,300}") {
        decode_all(text.as_bytes());
    }

    #[test]
    fn mutated_valid_encodings_never_panic(
        which in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let samples = &fixture().samples;
        let (name, original) = &samples[which.index(samples.len())];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        // Its own decoder first, for a clear message; then every other one.
        if let Some(again) = decoder(name)(&bytes) {
            prop_assert_eq!(&again, &bytes, "{}: a decoded value re-encodes to the bytes it was read from", name);
        }
        decode_all(&bytes);
    }
}

/// Found by `mutated_valid_encodings_never_panic`: a plaintext list of width 0 decoded whatever its row count,
/// and re-encoded with no rows, so one list had many encodings. The list's shape (§9.1.1, §10.9) has `1 ≤ w`.
#[test]
fn regression_plaintext_list_of_width_zero_is_refused() {
    for bytes in [[0, 2, 5, 0, 0, 0, 0, 0], [0; 8]] {
        assert!(PlaintextList::from_bytes(&bytes).is_err(), "{bytes:?}");
    }
    let too_wide = [&0u32.to_be_bytes()[..], &1025u32.to_be_bytes()].concat();
    assert!(PlaintextList::from_bytes(&too_wide).is_err());
}

//! A small election record built with `protocol` alone, written from SPEC.md §14 (not from the tallier): a 2-of-3
//! key ceremony in-process, seven ballots (a re-vote, a revoked voter, an unknown credential), the collector's
//! Merkle log and receipts, the steps R1–R4, two mix stages per contest, three partial decryptions, R5 and R6,
//! and the chained index. Reusable by every record test: build once, tamper with a file, [`Built::reindex`] so
//! that V1 passes again, and see which check catches it.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use protocol::ballot_box::{BallotBox, BoxEntry, BALLOT_BOX_FORMAT};
use protocol::codec::Encode;
use protocol::encoding::{Answer, Selection};
use protocol::log::{ballot_hash, leaf_hash, LogTree, Receipt, ReceiptBody, SignedTreeHead};
use protocol::manifest::example_manifest;
use protocol::record::{self, file_digest, RecordIndex, RevocationList};
use protocol::shuffle::{shuffle, CiphertextList, ShuffleProof, ShuffleStatement};
use protocol::tally;
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{self as th, CeremonyParams, PartialDecryption};
use protocol::transcript::election_transcript;
use protocol::{create_ballot, Credential, CredentialKey, Election};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

/// Trustees who decrypt (all three; the combination uses the two smallest).
pub const DECRYPTING: [u16; 3] = [1, 2, 3];

/// The built record and what a test needs to forge or check things.
#[derive(Debug)]
pub struct Built {
    pub _tmp: tempfile::TempDir,
    /// The record's directory.
    pub dir: PathBuf,
    /// A scratch directory outside the record (receipts, tree heads).
    pub scratch: PathBuf,
    pub election: Election,
    pub collector: SigningKey,
    pub officials: SigningKey,
    /// One receipt per ballot, by leaf index.
    pub receipts: Vec<Receipt>,
    /// The collector's log tree over every ballot.
    pub tree: LogTree,
    /// Leaf indices: voter 0's first ballot (superseded), its re-vote, voter 4's (revoked), the unknown
    /// credential's (refused), voter 1's (counted).
    pub superseded_leaf: u64,
    pub revote_leaf: u64,
    pub revoked_leaf: u64,
    pub refused_leaf: u64,
    pub counted_leaf: u64,
}

pub fn write_json<T: Serialize>(path: &Path, v: &T) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn answers(i: usize) -> Vec<Answer> {
    let o = Selection::Option;
    vec![
        Answer { selections: vec![o((i % 3) as u16)] },
        Answer { selections: if i.is_multiple_of(2) { vec![o(0), o(2)] } else { vec![o(1)] } },
        Answer { selections: vec![o((i % 4) as u16), o(((i + 1) % 4) as u16)] },
    ]
}

/// Builds the record in a fresh temporary directory.
pub fn build() -> Built {
    build_with(|_| {})
}

/// [`build`], with the example manifest changed by `edit` first (a contest's counting rule, say); the answers are
/// the same, so the edit must keep them valid.
pub fn build_with(edit: impl FnOnce(&mut protocol::manifest::Manifest)) -> Built {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("record");
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    // Voters 0–4 are registered; voter 5 is not. Voter 0 votes twice; voter 4 voted on paper.
    let voters: Vec<Credential> = (0..6).map(|_| Credential::generate(&mut rng)).collect();
    let mut registry: Vec<CredentialKey> = voters[..5].iter().map(Credential::public_key).collect();
    registry.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    // The roles (§4.5): the example's keys, whose secrets are public, and this registry.
    let roles = protocol::roles::example_role_secrets(2);
    let mut manifest = example_manifest();
    edit(&mut manifest);
    manifest.roles = roles.roles(protocol::roles::Registry::of(&registry));
    manifest.trustees.count = 3;
    manifest.trustees.threshold = 2;

    // The key ceremony (§10), every trustee honest.
    let params = CeremonyParams::from_manifest(&manifest).unwrap();
    let SimulatedCeremony { secrets, files: ceremony, roster, outcome, .. } =
        SimulatedCeremony::run(&params, &roles.officials, &[], &mut rng).unwrap();
    let election = Election::new(manifest.clone(), outcome.election_key).unwrap();
    let fp = *election.fingerprint();

    let order = [0usize, 1, 2, 0, 3, 4, 5];
    let collector = roles.collector.clone();
    let mut tree = LogTree::new();
    let mut entries = Vec::new();
    let mut receipts = Vec::new();
    for (leaf, &v) in order.iter().enumerate() {
        let (ballot, _opening) = create_ballot(&election, &voters[v], None, &answers(leaf), &mut rng).unwrap();
        let bytes = ballot.to_bytes();
        let hash = ballot_hash(&bytes);
        // One ballot a minute from the opening of the example manifest's voting period.
        let accepted_at = 1_790_000_000 + 60 * leaf as u64;
        tree.push(leaf_hash(&ballot.id(), &hash, accepted_at));
        let size = tree.len();
        let body = ReceiptBody {
            fingerprint: fp,
            ballot_id: ballot.id(),
            ballot_hash: hash,
            accepted_at,
            leaf_index: leaf as u64,
            tree_size: size,
            root: tree.root(size).unwrap(),
            timestamp: accepted_at * 1000 + 1,
        };
        receipts.push(body.sign(&collector, tree.inclusion_proof(leaf as u64, size).unwrap()));
        entries.push(BoxEntry { leaf_index: leaf as u64, accepted_at, ballot: hex::encode(&bytes) });
    }
    let size = tree.len();
    let head = SignedTreeHead::sign(&collector, fp, size, tree.root(size).unwrap(), 1_790_604_800_000);
    let ballot_box = BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: election.parameters(),
        fingerprint: fp,
        collector_key: collector.verifying_key().to_bytes(),
        credentials: registry.clone(),
        final_tree_head: head,
        ballots: entries,
        districts: Vec::new(),
    };
    let officials = roles.officials.clone();
    let revocations = RevocationList::sign(&officials, fp, vec![voters[4].public_key()]);

    // The steps R1–R4 (§14.3).
    let logged = ballot_box.check_log(&election).unwrap();
    let rejected = tally::check(&election, &ballot_box.electorate(), &logged, &mut rng);
    assert_eq!(rejected.rejected.len(), 1, "the unknown credential is refused");
    let (superseded, counted) = tally::squash(&logged, &rejected);
    let (revoked, remaining) = tally::revoke(&logged, &counted, &revocations.credentials);
    assert_eq!((superseded.superseded.len(), revoked.revoked.len(), remaining.len()), (1, 1, 4));
    let inputs = tally::anonymize(&election, &logged, &remaining).unwrap();

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let json = |v: &dyn erased::Json| v.pretty();
    files.push((record::ELECTION_PATH.into(), json(&election.parameters())));
    for (name, bytes) in ceremony.to_named() {
        let path =
            if name == th::ceremony::CLOSE_FILE { record::CLOSE_PATH.to_string() } else { format!("ceremony/{name}") };
        files.push((path, bytes));
    }
    files.push((record::BALLOT_BOX_PATH.into(), json(&ballot_box)));
    files.push((record::REVOCATIONS_PATH.into(), json(&revocations)));
    files.push((record::REJECTED_PATH.into(), json(&rejected)));
    files.push((record::SUPERSEDED_PATH.into(), json(&superseded)));
    files.push((record::REVOKED_PATH.into(), json(&revoked)));

    // Mix, decrypt, decode (§9, §10.8–10.9, R5), contest by contest.
    let ek = election.encryption_key();
    let mut answer_files = Vec::new();
    for (c, input) in inputs.into_iter().enumerate() {
        files.push((record::input_path(c), input.to_bytes()));
        let mut current: CiphertextList = input;
        for k in 1..=manifest.mix_stages() {
            let (output, witness) = shuffle(ek, &current, &mut rng);
            let statement = ShuffleStatement {
                fingerprint: &fp,
                public_key: election.public_key(),
                contest: c as u32,
                stage: u32::from(k),
                input: &current,
                output: &output,
            };
            let proof = ShuffleProof::prove(&mut election_transcript(&fp), &statement, &witness, &mut rng).unwrap();
            // §9.5.1: mix server K signs its stage.
            let digests = protocol::roles::StageDigests::of(&current.to_bytes(), &output.to_bytes(), &proof.to_bytes());
            let signature = protocol::roles::sign_stage(&roles.mix[usize::from(k) - 1], &fp, c as u32, k, &digests);
            files.push((record::stage_list_path(c, k), output.to_bytes()));
            files.push((record::stage_proof_path(c, k), proof.to_bytes()));
            files.push((record::stage_signature_path(c, k), signature.to_vec()));
            current = output;
        }
        let mut partials = Vec::new();
        for j in DECRYPTING {
            let s = &secrets[usize::from(j) - 1];
            let share = s.key_share(&outcome).unwrap();
            let p = PartialDecryption::create(&params, &fp, j, &share, &s.signing_key(), &current, &mut rng).unwrap();
            files.push((record::partial_path(c, j), p.to_bytes()));
            partials.push(p);
        }
        let verified =
            th::verify_partial_decryptions(&params, &fp, &roster, &outcome, &current, partials, &mut rng).unwrap();
        let plain = th::combine(&params, &verified, &current).unwrap();
        files.push((record::plaintexts_path(c), plain.to_bytes()));
        let answers = tally::decode(&manifest.contests[c], &plain);
        assert!(answers.answers.iter().all(|a| matches!(a, tally::DecodedAnswer::Valid(_))));
        files.push((record::answers_path(c), json(&answers)));
        answer_files.push(answers);
    }
    let turnout = tally::Turnout::of(&election, &rejected, &superseded, &revoked, &answer_files);
    files.push((record::RESULT_PATH.into(), json(&tally::count(&election, &answer_files, turnout))));

    let mut index = RecordIndex::new(fp);
    for (path, bytes) in &files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, bytes).unwrap();
        index.push(path, file_digest(bytes));
    }
    write_json(&dir.join(record::INDEX_PATH), &index);
    Built {
        _tmp: tmp,
        dir,
        scratch,
        election,
        collector,
        officials,
        receipts,
        tree,
        superseded_leaf: 0,
        revote_leaf: 3,
        revoked_leaf: 5,
        refused_leaf: 6,
        counted_leaf: 1,
    }
}

/// JSON of any serializable value, behind a trait object so one closure serves every file type.
mod erased {
    pub trait Json {
        fn pretty(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> Vec<u8> {
            serde_json::to_vec_pretty(self).unwrap()
        }
    }
}

impl Built {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap()
    }
    pub fn read_json(&self, rel: &str) -> serde_json::Value {
        serde_json::from_slice(&self.read(rel)).unwrap()
    }
    /// Replaces a file and re-chains the index, so that only the checks after V1 see the change.
    pub fn replace(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.path(rel), bytes).unwrap();
        self.reindex();
    }
    pub fn replace_json(&self, rel: &str, v: &serde_json::Value) {
        self.replace(rel, &serde_json::to_vec_pretty(v).unwrap());
    }
    /// Recomputes every digest and chain value of the index, keeping its paths and order.
    pub fn reindex(&self) {
        let old: RecordIndex = serde_json::from_slice(&self.read(record::INDEX_PATH)).unwrap();
        let mut index = RecordIndex::new(old.fingerprint);
        for e in &old.entries {
            index.push(&e.path, file_digest(&self.read(&e.path)));
        }
        write_json(&self.path(record::INDEX_PATH), &index);
    }
    /// Every path the index lists, in order.
    pub fn paths(&self) -> Vec<String> {
        let index: RecordIndex = serde_json::from_slice(&self.read(record::INDEX_PATH)).unwrap();
        index.entries.into_iter().map(|e| e.path).collect()
    }
    /// Runs `verifier verify` in-process (no progress output).
    #[cfg(feature = "verifier")]
    pub fn verify(&self) -> verifier::report::Report {
        verifier::verify::verify_record(&self.dir, None, false)
    }
    /// Copies the record to a fresh directory (for tampering without disturbing this one).
    pub fn copy_to(&self, to: &Path) {
        for p in self.paths().iter().map(String::as_str).chain([record::INDEX_PATH]) {
            let dest = to.join(p);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(self.path(p), dest).unwrap();
        }
    }
}

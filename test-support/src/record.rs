//! A small election record built with `protocol` alone, written from SPEC.md §14 (not from the tallier): a 2-of-3
//! key ceremony in-process, seven ballots (a re-vote, a revoked voter, an unknown credential), the collector's
//! Merkle log and receipts, the steps R1–R4, two mix stages per contest, three partial decryptions, R5 and R6,
//! and the chained index; and [`build_districts`], the same for an election with districts (a unit per contest
//! and district, a district nobody voted in, a ballot for the wrong district); and [`build_voter_list`], an
//! election with districts whose voter list changes while it is open (an add, a remove, two moves between the
//! ballots, §4.7). Reusable by every record test: build once, tamper with a file, [`Built::reindex`] so that V1
//! passes again, and see which check catches it.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use protocol::ballot_box::{BallotBox, BoxEntry, ChangeEntry, BALLOT_BOX_FORMAT};
use protocol::codec::{Decode, Encode};
use protocol::encoding::{Answer, Selection};
use protocol::log::{ballot_hash, change_leaf_hash, leaf_hash, LogTree, Receipt, ReceiptBody, SignedTreeHead};
use protocol::manifest::{example_manifest, example_manifest_districts};
use protocol::record::{self, file_digest, RecordIndex, RevocationList};
use protocol::shuffle::{shuffle_and_prove, CiphertextList, Stage};
use protocol::tally;
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{self as th, CeremonyParams, PartialDecryption};
use protocol::voter_list::{Action, VoterListChange};
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
    /// One receipt per ballot, in log order (by leaf index where the record has no voter-list changes).
    pub receipts: Vec<Receipt>,
    /// The leaves of the voter-list changes (§4.7), in log order; empty but for [`build_voter_list`].
    pub change_leaves: Vec<u64>,
    /// The credential keys of the voters, by voter number of the plan (registered or not).
    pub voters: Vec<CredentialKey>,
    /// The collector's log tree over every ballot and change.
    pub tree: LogTree,
    /// Leaf indices: voter 0's first ballot (superseded), its re-vote, voter 4's (revoked), the unknown
    /// credential's (refused), voter 1's (counted).
    pub superseded_leaf: u64,
    pub revote_leaf: u64,
    pub revoked_leaf: u64,
    pub refused_leaf: u64,
    pub counted_leaf: u64,
    /// With districts ([`build_districts`]): the ballot refused as `wrong_district`.
    pub wrong_district_leaf: Option<u64>,
    /// The mix servers' signing keys (`roles.mix_keys`, in stage order), for forging a stage.
    pub mix: Vec<SigningKey>,
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
    let mut manifest = example_manifest();
    edit(&mut manifest);
    // Voters 0–4 are registered; voter 5 is not. Voter 0 votes twice; voter 4 voted on paper.
    let plan = Plan {
        manifest,
        voters: 6,
        registered: (0..5).map(|v| (v, None)).collect(),
        casts: [0usize, 1, 2, 0, 3, 4, 5].iter().enumerate().map(|(leaf, &v)| (v, None, answers(leaf))).collect(),
        revoked: vec![4],
        changes: Vec::new(),
        expect: (1, 1, 1, 4),
    };
    let mut built = build_plan(plan);
    (built.superseded_leaf, built.revote_leaf, built.revoked_leaf, built.refused_leaf, built.counted_leaf) =
        (0, 3, 5, 6, 1);
    built
}

/// The district indices of [`example_manifest_districts`]: north, centre, south.
pub const NORTH: u16 = 0;
pub const CENTRE: u16 = 1;
pub const SOUTH: u16 = 2;

/// The answers of a ballot of `district` of [`example_manifest_districts`] (its district's council, a d'Hondt list
/// contest of 6 candidates, then the referendum), varied by `i`.
pub fn district_answers(i: usize) -> Vec<Answer> {
    let o = Selection::Option;
    vec![Answer { selections: vec![o((i % 6) as u16)] }, Answer { selections: vec![o((i % 2) as u16)] }]
}

/// A record of an election with districts ([`example_manifest_districts`]: north, centre, south; a council per
/// district and a referendum for all: 6 units), built as [`build`] is. Voters 0, 1 and 4 are registered in the
/// north, 2, 3 and 5 in the centre, 6 in the south; voter 7 is not registered. In log order: voter 0 (north),
/// voter 1 (north), voter 2 (centre), voter 0 again (the re-vote), voter 3 (centre), voter 6 (south, then
/// revoked: voted on paper), voter 4 with a ballot of the centre (refused: `wrong_district`), voter 7 (refused:
/// `unknown_credential`), voter 5 (centre). So the north's units have 2 rows, the centre's 3, and the south's
/// (council-south, and the referendum's south unit) none: no mix and no decryption for them (§14.1).
pub fn build_districts() -> Built {
    let d = |x: u16| Some(x);
    let plan = Plan {
        manifest: example_manifest_districts(),
        voters: 8,
        registered: vec![
            (0, d(NORTH)),
            (1, d(NORTH)),
            (4, d(NORTH)),
            (2, d(CENTRE)),
            (3, d(CENTRE)),
            (5, d(CENTRE)),
            (6, d(SOUTH)),
        ],
        casts: [
            (0, NORTH),
            (1, NORTH),
            (2, CENTRE),
            (0, NORTH),
            (3, CENTRE),
            (6, SOUTH),
            (4, CENTRE),
            (7, NORTH),
            (5, CENTRE),
        ]
        .iter()
        .enumerate()
        .map(|(leaf, &(v, district))| (v, d(district), district_answers(leaf)))
        .collect(),
        revoked: vec![6],
        changes: Vec::new(),
        expect: (2, 1, 1, 5),
    };
    let mut built = build_plan(plan);
    (built.superseded_leaf, built.revote_leaf, built.revoked_leaf, built.refused_leaf, built.counted_leaf) =
        (0, 3, 5, 7, 1);
    built.wrong_district_leaf = Some(6);
    built
}

/// A record of an election with districts ([`example_manifest_districts`]) whose voter list changes while it is
/// open (SPEC.md §4.7): the officials' signed changes sit in the log between the ballots, and R1 and R3 follow
/// them. Voters 0, 1 and 6 are registered in the north, 2 and 3 in the centre, 4 in the south; voter 5 is not
/// registered when voting opens. In log order (leaf: event):
///
/// - 0: voter 0 votes (north; counted); 1: voter 1 votes (north; later cancelled by the remove at leaf 3);
/// - 2: change 0 adds voter 5 to the centre; 3: change 1 removes voter 1;
/// - 4: voter 5 votes (centre; counted); 5: voter 1 votes again (refused: `unknown_credential`, removed);
/// - 6: voter 2 votes (centre; superseded); 7: change 2 moves voter 2 to the south; 8: voter 2 votes again (south;
///   counted);
/// - 9: voter 3 votes (centre; later cancelled by the move at leaf 10); 10: change 3 moves voter 3 to the south;
/// - 11: voter 4 votes (south; revoked: voted on paper); 12: voter 6 votes (north; counted).
///
/// So R1 refuses 1 ballot, R2 supersedes 1, R3 removes 3 (two by a change, one on paper) and 4 count: the north's
/// units have 2 rows, the centre's 1, the south's 1.
pub fn build_voter_list() -> Built {
    let d = |x: u16| Some(x);
    let plan = Plan {
        manifest: example_manifest_districts(),
        voters: 7,
        registered: vec![(0, d(NORTH)), (1, d(NORTH)), (6, d(NORTH)), (2, d(CENTRE)), (3, d(CENTRE)), (4, d(SOUTH))],
        casts: [
            (0, NORTH),
            (1, NORTH),
            (5, CENTRE),
            (1, NORTH),
            (2, CENTRE),
            (2, SOUTH),
            (3, CENTRE),
            (4, SOUTH),
            (6, NORTH),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(v, district))| (v, d(district), district_answers(i)))
        .collect(),
        revoked: vec![4],
        changes: vec![
            (2, Action::Add, 5, CENTRE),
            (2, Action::Remove, 1, 0),
            (5, Action::Move, 2, SOUTH),
            (7, Action::Move, 3, SOUTH),
        ],
        expect: (1, 1, 3, 4),
    };
    let mut built = build_plan(plan);
    (built.superseded_leaf, built.revote_leaf, built.revoked_leaf, built.refused_leaf, built.counted_leaf) =
        (6, 8, 11, 5, 0);
    built
}

/// What a record is built from: the manifest (its roles and trustees are set by the builder), how many voters
/// (credentials drawn in order), who is registered (voter, district), the ballots in log order (voter, the
/// ballot's district, answers), the voters revoked, the officials' voter-list changes (the number of ballots
/// cast before it, action, voter, district index or 0; numbered in this order), and what R1–R3 must give
/// (refused, superseded, revoked, remaining).
struct Plan {
    manifest: protocol::manifest::Manifest,
    voters: usize,
    registered: Vec<(usize, Option<u16>)>,
    casts: Vec<(usize, Option<u16>, Vec<Answer>)>,
    revoked: Vec<usize>,
    changes: Vec<(usize, Action, usize, u16)>,
    expect: (usize, usize, usize, usize),
}

fn build_plan(plan: Plan) -> Built {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("record");
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let voters: Vec<Credential> = (0..plan.voters).map(|_| Credential::generate(&mut rng)).collect();
    let mut entries_of: Vec<(CredentialKey, Option<u16>)> =
        plan.registered.iter().map(|&(v, d)| (voters[v].public_key(), d)).collect();
    entries_of.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let registry: Vec<CredentialKey> = entries_of.iter().map(|e| e.0).collect();
    let districts: Vec<u16> = entries_of.iter().filter_map(|e| e.1).collect();
    // The roles (§4.5): the example's keys, whose secrets are public, and this registry.
    let roles = protocol::roles::example_role_secrets(2);
    let mut manifest = plan.manifest;
    let with_districts: Vec<(CredentialKey, u16)> = entries_of.iter().filter_map(|(k, d)| Some((*k, (*d)?))).collect();
    manifest.roles = roles.roles(if manifest.has_districts() {
        protocol::roles::Registry::of_districts(&with_districts)
    } else {
        protocol::roles::Registry::of(&registry)
    });
    manifest.trustees.count = 3;
    manifest.trustees.threshold = 2;

    // The key ceremony (§10), every trustee honest.
    let params = CeremonyParams::from_manifest(&manifest).unwrap();
    let SimulatedCeremony { secrets, files: ceremony, roster, outcome, .. } =
        SimulatedCeremony::run(&params, &roles.officials, &[], &mut rng).unwrap();
    let election = Election::new(manifest.clone(), outcome.election_key).unwrap();
    let fp = *election.fingerprint();

    let collector = roles.collector.clone();
    let mut tree = LogTree::new();
    let mut entries = Vec::new();
    let mut receipts = Vec::new();
    let mut changes = Vec::new();
    // One leaf a minute from the opening of the example manifest's voting period.
    let minute = |leaf: u64| 1_790_000_000 + 60 * leaf;
    let append_changes = |tree: &mut LogTree, before: usize, changes: &mut Vec<ChangeEntry>| {
        for &(_, action, v, district) in plan.changes.iter().filter(|c| c.0 == before) {
            let seq = changes.len() as u32;
            let c = VoterListChange::sign(&roles.officials, fp, seq, action, voters[v].public_key(), district);
            let (leaf, bytes) = (tree.len(), c.to_bytes());
            tree.push(change_leaf_hash(&bytes, minute(leaf)));
            changes.push(ChangeEntry { leaf_index: leaf, accepted_at: minute(leaf), change: hex::encode(bytes) });
        }
    };
    for (i, (v, district, answers)) in plan.casts.iter().enumerate() {
        append_changes(&mut tree, i, &mut changes);
        let leaf = tree.len() as usize;
        let (ballot, _opening) = create_ballot(&election, &voters[*v], *district, answers, &mut rng).unwrap();
        let bytes = ballot.to_bytes();
        let hash = ballot_hash(&bytes);
        let accepted_at = minute(leaf as u64);
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
    append_changes(&mut tree, plan.casts.len(), &mut changes);
    assert_eq!(changes.len(), plan.changes.len(), "every change of the plan comes before a ballot or at the end");
    let change_leaves = changes.iter().map(|c| c.leaf_index).collect();
    let size = tree.len();
    let head = SignedTreeHead::sign(&collector, fp, size, tree.root(size).unwrap(), 1_790_604_800_000);
    let ballot_box = BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: election.parameters(),
        fingerprint: fp,
        collector_key: collector.verifying_key().to_bytes(),
        credentials: registry.iter().map(|&k| k.into()).collect(),
        final_tree_head: head,
        ballots: entries,
        districts,
        changes,
    };
    let officials = roles.officials.clone();
    let revocations =
        RevocationList::sign(&officials, fp, plan.revoked.iter().map(|&v| voters[v].public_key()).collect());

    // The steps R1–R4 (§14.3).
    let logged = ballot_box.check_log(&election).unwrap();
    let electorate = ballot_box.electorate(&election).unwrap();
    let rejected = tally::check(&election, &electorate, &logged, &mut rng).unwrap();
    let (superseded, counted) = tally::squash(&logged, &rejected).unwrap();
    let (revoked, remaining) = tally::revoke(&logged, &counted, &revocations.credentials, &electorate).unwrap();
    assert_eq!(
        (rejected.rejected.len(), superseded.superseded.len(), revoked.revoked.len(), remaining.len()),
        plan.expect,
        "R1–R3 refuse, supersede, revoke and keep what the plan says"
    );
    let mut lists = vec![Vec::new(); election.manifest().units().len()];
    let mut out = |u: usize, bytes: &[u8]| -> Result<(), protocol::ballot_box::BoxError> {
        lists[u].extend_from_slice(bytes);
        Ok(())
    };
    tally::anonymize(&election, &logged, &remaining, &mut out).unwrap().unwrap();
    let inputs: Vec<CiphertextList> = lists.iter().map(|list| CiphertextList::from_bytes(list).unwrap()).collect();

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

    // Mix, decrypt, decode (§9, §10.8–10.9, R5), unit by unit (§4.6: contest by contest without districts). The
    // unit's index is the contest number of its mix statement and stage signatures.
    let ek = election.encryption_key();
    let mut answer_files = Vec::new();
    let units = manifest.units();
    for (u, (unit, input)) in units.iter().copied().zip(inputs).enumerate() {
        files.push((record::input_path(unit), input.to_bytes()));
        if input.is_empty() {
            // A unit that no ballot reached: no mix, no decryption; its answers are none (§14.1).
            let answers = tally::AnswersFile {
                contest: manifest.contests[unit.contest].id.clone(),
                district: unit.district.map(|d| manifest.districts[usize::from(d)].id.clone()),
                answers: protocol::tally::Answers::default(),
            };
            files.push((record::answers_path(unit), json(&answers)));
            answer_files.push(answers);
            continue;
        }
        let mut current: CiphertextList = input;
        for k in 1..=manifest.mix_stages() {
            let stage = Stage { fingerprint: &fp, key: ek, contest: u as u32, stage: u32::from(k) };
            let (output, proof) = shuffle_and_prove(&stage, &current, &mut rng).unwrap();
            // §9.5.1: mix server K signs its stage.
            let digests = protocol::roles::StageDigests::of(&current.to_bytes(), &output.to_bytes(), &proof.to_bytes());
            let signature = protocol::roles::sign_stage(&roles.mix[usize::from(k) - 1], &fp, u as u32, k, &digests);
            files.push((record::stage_list_path(unit, k), output.to_bytes()));
            files.push((record::stage_proof_path(unit, k), proof.to_bytes()));
            files.push((record::stage_signature_path(unit, k), signature.to_vec()));
            current = output;
        }
        let mut partials = Vec::new();
        for j in DECRYPTING {
            let s = &secrets[usize::from(j) - 1];
            let share = s.key_share(&outcome).unwrap();
            let p = PartialDecryption::create(&params, &fp, j, &share, &s.signing_key(), &current, &mut rng).unwrap();
            files.push((record::partial_path(unit, j), p.to_bytes()));
            partials.push(p);
        }
        let verified =
            th::verify_partial_decryptions(&params, &fp, &roster, &outcome, &current, partials, &mut rng).unwrap();
        let plain = th::combine(&params, &verified, &current).unwrap();
        files.push((record::plaintexts_path(unit), plain.to_bytes()));
        let answers = tally::decode_unit(&election, unit, &plain);
        assert!(answers.answers.iter().all(|a| matches!(a, tally::DecodedAnswer::Valid(_))));
        files.push((record::answers_path(unit), json(&answers)));
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
        change_leaves,
        voters: voters.iter().map(Credential::public_key).collect(),
        tree,
        superseded_leaf: 0,
        revote_leaf: 0,
        revoked_leaf: 0,
        refused_leaf: 0,
        counted_leaf: 0,
        wrong_district_leaf: None,
        mix: roles.mix.clone(),
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

//! The election record's tamper suite, against the tallier's real output (SPEC.md §13–§14).
//!
//! One small election is tallied once with the real tools' library functions: a 2-of-3 key ceremony run by the
//! trustees' steps, twelve voters of whom three vote again, a ballot with a bad signature and one under an unknown
//! credential in the box, two voters revoked by the officials, two mix stages, all three trustees' partial
//! decryptions, `finish`. The honest record must pass every check of `verifier verify`, and its result must be the
//! count of the answers that should count.
//!
//! Then each tampering of the table is applied to a fresh copy of that record. All but the integrity ones then
//! re-chain the index, as an attacker publishing a doctored record always can, so that V1 passes and the deeper
//! check is reached; where the fault needs it, the test also re-signs with the keys it holds (the collector's, for
//! the tree head — a malicious collector —, and the officials'). Each tampering must be reported as a failure of
//! the check §14.4 assigns it, first among the failed checks, with the failure variant that says why and where.
//! The tamperings that make sense for any record are not here but in `test_support::tamper`, written once and run
//! against this record and the verifier's protocol-only one alike. Every case runs even if another fails; the
//! failures are listed together at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use protocol::ballot_box::BallotBox;
use protocol::ballot_box::BoxError;
use protocol::codec::{Decode, Encode};
use protocol::count::count_contest;
use protocol::log::{ballot_hash, leaf_hash, LogTree, SignedTreeHead};
use protocol::manifest::{example_manifest, Manifest};
use protocol::record::{self, file_digest, IndexError, LayoutError, RecordIndex, RevocationError, RevocationList};
use protocol::roles::{sign_stage, StageDigests};
use protocol::shuffle::CiphertextList;
use protocol::tally::{self, AnswersFile, DecodedAnswer, ResultFile};
use protocol::threshold::PartialDecryption;
use protocol::threshold::ThresholdError;
use protocol::{create_ballot, Answer, Ballot, Credential, Election, Fingerprint, Selection};
use rand::rngs::OsRng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use system_tests::{
    ballot_box, bind, ceremony, mix_key_files, revocations, role_secrets, voters, write_json, Ballots, ElectionFiles,
};
use tallier::ceremony_dir::{ceremony_params, Transcript};
use tallier::mix::read_list;
use tallier::record::record_file;
use tallier::tally::{FinishArgs, MixArgs, PrepareArgs};
use tallier::trustee::{decrypt_record, open_secret};
use test_support::tamper::{chain, results};
use verifier::chain::ChainFailure;
use verifier::report::{
    BallotFailure, Check, ElectionFailure, Failure, InputDifference, KeysFailure, Outcome, RecordFailure, Report,
    ResultFailure,
};

/// Registered voters; the first [`REVOTES`] vote twice.
const VOTERS: usize = 12;
const REVOTES: usize = 3;
/// Voters whose credential the officials revoke (they voted on paper); voter 2 also re-voted.
const REVOKED_VOTERS: [usize; 2] = [2, 5];
/// Leaf indices in the box: voters 0–7 at leaves 0–7, voter 7's badly signed second ballot at 8, voters 8–11 at
/// 9–12, the unknown credential's ballot at 13, the re-votes of voters 0, 1, 2 at 14, 15, 16.
const BAD_SIGNATURE_LEAF: u64 = 8;
const STRANGER_LEAF: u64 = 13;
const FIRST_REVOTE_LEAF: u64 = 14;
const BALLOTS_IN_BOX: u64 = 17;
/// Ballots that reach the mix: twelve voters, two revoked.
const REMAINING: u32 = 10;

/// The honest election and record, and what the tamperings need to forge things.
struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    /// The honest record, never modified.
    record: PathBuf,
    files: ElectionFiles,
    election: Election,
    ballots: Ballots,
    collector: SigningKey,
    officials: SigningKey,
    revocations: PathBuf,
    /// Another election (another manifest and key ceremony, the same trustee policy).
    other: ElectionFiles,
}

/// The example manifest with two mix stages (2-of-3 trustees, 3 contests), binding the example roles and the
/// registry of `voters`.
fn manifest(voters: &[Credential]) -> Manifest {
    let mut m = example_manifest();
    m.roles = protocol::roles::example_roles(2);
    assert_eq!((m.trustees.count, m.trustees.threshold, m.contests.len()), (3, 2, 3));
    bind(m, voters)
}

/// The box's ballots in log order: the voters' ballots with a badly signed ballot and an unknown credential's
/// ballot inserted (neither is in `ballots.cast`, so [`Ballots::counted_answers`] ignores them).
fn box_ballots(election: &Election, ballots: &Ballots) -> Vec<Ballot> {
    let mut list: Vec<Ballot> = ballots.cast.iter().map(|c| c.ballot.clone()).collect();
    let mut bad = create_ballot(election, &ballots.voters[7], None, &ballots.cast[7].answers, &mut OsRng).unwrap().0;
    bad.signature[9] ^= 1;
    list.insert(BAD_SIGNATURE_LEAF as usize, bad);
    let stranger = Credential::generate(&mut OsRng);
    let b = create_ballot(election, &stranger, None, &ballots.cast[0].answers, &mut OsRng).unwrap().0;
    list.insert(STRANGER_LEAF as usize, b);
    assert_eq!(list.len() as u64, BALLOTS_IN_BOX);
    list
}

/// The whole tally by the tallier's library: prepare, mix, every trustee's partial decryption, finish.
fn tally_record(
    files: &ElectionFiles,
    box_path: &Path,
    revocations: &Path,
    out: &Path,
) -> tallier::tally::FinishSummary {
    tallier::tally::prepare(&PrepareArgs {
        ballot_box: box_path.to_path_buf(),
        ceremony: files.ceremony.clone(),
        revocations: revocations.to_path_buf(),
        record: out.to_path_buf(),
        progress: false,
    })
    .unwrap();
    let keys = mix_key_files(&out.with_extension("mix-keys"), files.election.manifest().mix_stages());
    tallier::tally::mix(&MixArgs { record: out.to_path_buf(), keys, memory_mb: None, progress: false }).unwrap();
    for j in 1..=3u16 {
        decrypt_record(out, &files.secrets[usize::from(j) - 1], &files.passphrase(j), None, false).unwrap();
    }
    tallier::tally::finish(&FinishArgs { record: out.to_path_buf(), report: None, progress: false }).unwrap()
}

fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let voters = voters(VOTERS);
    let files = ceremony(&root.join("election"), &manifest(&voters));
    let election = Election::new(files.election.manifest().clone(), *files.election.public_key()).unwrap();
    let mut other_manifest = manifest(&voters);
    other_manifest.election_id = "other-2027".into();
    let other = ceremony(&root.join("other"), &other_manifest);

    let ballots = Ballots::generate(&election, voters, REVOTES, 0x7a3e);
    let secrets = role_secrets(2);
    let (collector, officials) = (secrets.collector, secrets.officials);
    let bx = ballot_box(&election, ballots.registry(), &box_ballots(&election, &ballots), &collector);
    let box_path = root.join("ballot-box.json");
    write_json(&box_path, &bx);
    let revocations_path = root.join("revocations.json");
    let revoked = REVOKED_VOTERS.iter().map(|&v| ballots.voters[v].public_key()).collect();
    revocations(&revocations_path, &election, &officials, revoked);

    let record = root.join("record");
    let summary = tally_record(&files, &box_path, &revocations_path, &record);
    assert_eq!(summary.trustees, vec![vec![1, 2]; 3], "the two smallest trustee indices are combined");
    Env {
        _tmp: tmp,
        root,
        record,
        files,
        election,
        ballots,
        collector,
        officials,
        revocations: revocations_path,
        other,
    }
}

// ---------------------------------------------------------------------------------------------------------
// A copy of the record, and what the tamperings do to it

/// A fresh copy of the honest record.
struct Rec {
    dir: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

impl Rec {
    fn path(&self, rel: &str) -> PathBuf {
        record_file(&self.dir, rel)
    }
    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap()
    }
    fn write(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.path(rel), bytes).unwrap();
    }
    fn json(&self, rel: &str) -> Value {
        serde_json::from_slice(&self.read(rel)).unwrap()
    }
    fn get<T: DeserializeOwned>(&self, rel: &str) -> T {
        serde_json::from_slice(&self.read(rel)).unwrap()
    }
    fn put<T: Serialize>(&self, rel: &str, value: &T) {
        self.write(rel, &serde_json::to_vec_pretty(value).unwrap());
    }
    /// Applies `f` to a JSON file.
    fn edit(&self, rel: &str, f: impl FnOnce(&mut Value)) {
        let mut v = self.json(rel);
        f(&mut v);
        self.put(rel, &v);
    }
    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).unwrap();
    }
    fn index(&self) -> RecordIndex {
        self.get(record::INDEX_PATH)
    }
    /// Removes `rel` from the index's entries (the chain is left broken: re-chain after).
    fn unlist(&self, rel: &str) {
        let mut index = self.index();
        let before = index.entries.len();
        index.entries.retain(|e| e.path != rel);
        assert_eq!(index.entries.len() + 1, before, "{rel} was listed once");
        self.put(record::INDEX_PATH, &index);
    }
    /// Recomputes every digest and chain value of the index (§13 eq. (IX1)), keeping its paths, their order and
    /// its fingerprint: what anyone who doctors a record can do.
    fn rechain(&self) {
        self.rechain_with(self.index().fingerprint);
    }
    fn rechain_with(&self, fingerprint: Fingerprint) {
        let old = self.index();
        let mut index = RecordIndex::new(fingerprint);
        for e in &old.entries {
            index.push(&e.path, file_digest(&self.read(&e.path)));
        }
        self.put(record::INDEX_PATH, &index);
    }
    fn ballot_box(&self) -> BallotBox {
        self.get(record::BALLOT_BOX_PATH)
    }
    /// Writes the box after the collector renumbered its ballots and signed a new final head over them.
    fn put_box_resigned(&self, env: &Env, bx: BallotBox) {
        self.put(record::BALLOT_BOX_PATH, &resigned(env, bx));
    }
    /// A ballot appended to `bx` as the collector would: at the next leaf, accepted at the last leaf's time.
    fn append(bx: &mut BallotBox, ballot: &Ballot) {
        let accepted_at = bx.ballots.last().map_or(0, |e| e.accepted_at);
        let leaf_index = bx.ballots.len() as u64;
        bx.ballots.push(protocol::ballot_box::BoxEntry {
            leaf_index,
            accepted_at,
            ballot: hex::encode(ballot.to_bytes()),
        });
    }
    /// Rows and width of a list file (ciphertext or plaintext: `u32(rows) ‖ u32(width) ‖ …`).
    fn list_shape(&self, rel: &str) -> (usize, usize) {
        let b = self.read(rel);
        let n = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap()) as usize;
        (n(0), n(4))
    }
    /// Byte range of row `r` of a list whose cells are `cell` bytes (64 for a ciphertext, 32 for a point).
    fn row(&self, rel: &str, cell: usize, r: usize) -> std::ops::Range<usize> {
        let (rows, width) = self.list_shape(rel);
        assert!(r < rows, "{rel} has {rows} rows");
        let len = cell * width;
        8 + r * len..8 + (r + 1) * len
    }
    /// The first row after `a` whose bytes differ from row `a`'s (two voters may give the same answer).
    fn differing_row(&self, rel: &str, cell: usize, a: usize) -> usize {
        let bytes = self.read(rel);
        let rows = self.list_shape(rel).0;
        let x = &bytes[self.row(rel, cell, a)];
        (a + 1..rows).find(|&b| bytes[self.row(rel, cell, b)] != *x).unwrap()
    }
    fn swap_rows(&self, rel: &str, cell: usize, a: usize, b: usize) {
        let (ra, rb) = (self.row(rel, cell, a), self.row(rel, cell, b));
        let mut bytes = self.read(rel);
        let (x, y) = (bytes[ra.clone()].to_vec(), bytes[rb.clone()].to_vec());
        assert_ne!(x, y, "{rel}: rows {a} and {b} are equal");
        bytes[ra].copy_from_slice(&y);
        bytes[rb].copy_from_slice(&x);
        self.write(rel, &bytes);
    }
    /// Row `to` becomes a copy of row `from`.
    fn copy_row(&self, rel: &str, cell: usize, from: usize, to: usize) {
        let (rf, rt) = (self.row(rel, cell, from), self.row(rel, cell, to));
        let mut bytes = self.read(rel);
        let src = bytes[rf].to_vec();
        bytes[rt].copy_from_slice(&src);
        self.write(rel, &bytes);
    }
    /// Removes row `r` and lowers the row count in the header.
    fn drop_row(&self, rel: &str, cell: usize, r: usize) {
        let range = self.row(rel, cell, r);
        let (rows, _) = self.list_shape(rel);
        let mut bytes = self.read(rel);
        bytes.drain(range);
        bytes[0..4].copy_from_slice(&(rows as u32 - 1).to_be_bytes());
        self.write(rel, &bytes);
    }
    /// Recomputes `answers.json` (R5) of every contest from the record's `plaintexts.list`, and `result.json`
    /// (R6) from the record's answers: a forger's consistent downstream files.
    fn recompute_answers_and_result(&self, env: &Env) {
        let mut all = Vec::new();
        for (c, contest) in env.election.manifest().contests.iter().enumerate() {
            let plain =
                protocol::threshold::PlaintextList::from_bytes(&self.read(&record::plaintexts_path(c))).unwrap();
            let answers = tally::decode(contest, &plain);
            self.put(&record::answers_path(c), &answers);
            all.push(answers);
        }
        self.recompute_result(env, &all);
    }
    fn recompute_result(&self, env: &Env, answers: &[AnswersFile]) {
        let turnout = tally::Turnout::of(
            &env.election,
            &self.get(record::REJECTED_PATH),
            &self.get(record::SUPERSEDED_PATH),
            &self.get(record::REVOKED_PATH),
            answers,
        );
        self.put(record::RESULT_PATH, &tally::count(&env.election, answers, turnout));
    }
    fn answers(&self, c: usize) -> AnswersFile {
        self.get(&record::answers_path(c))
    }
}

/// The box as the collector re-exports it: ballots renumbered in order, a new final head signed over them.
fn resigned(env: &Env, mut bx: BallotBox) -> BallotBox {
    let mut tree = LogTree::new();
    for (i, e) in bx.ballots.iter_mut().enumerate() {
        e.leaf_index = i as u64;
        let bytes = hex::decode(&e.ballot).unwrap();
        tree.push(leaf_hash(&Ballot::from_bytes(&bytes).unwrap().id(), &ballot_hash(&bytes), e.accepted_at));
    }
    let size = tree.len();
    let head = &bx.final_tree_head;
    // Dated after the last ballot, as an honest head would be: what is wrong is the ballots' times, not the head's.
    let last = bx.ballots.last().map_or(0, |e| e.accepted_at * 1000);
    let timestamp = (head.timestamp + 1).max(last + 1);
    bx.final_tree_head =
        SignedTreeHead::sign(&env.collector, head.fingerprint, size, tree.root(size).unwrap(), timestamp);
    bx
}

/// The record a collector and a tallier in league publish for a box with a ballot accepted after the close
/// (SPEC.md §11.4 L7). The honest tallier refuses that box, so they tally a box that says the late ballot came
/// in at the close — the same ballots in the same order, and every tally file depends only on those —, then put
/// the box with the ballot's true time in the record, its head re-signed: every file after the box is exactly
/// what the tally of the late box would be.
fn tally_with_late_ballot(env: &Env, r: &Rec, late: u64) {
    let closes_at = env.election.manifest().voting_period.closes_at;
    let mut bx: BallotBox = serde_json::from_slice(&std::fs::read(env.root.join("ballot-box.json")).unwrap()).unwrap();
    // Voter 3 votes again, for other candidates, after the close: the re-vote supersedes the ballot at leaf 3.
    let answers = &env.ballots.cast[4].answers;
    let b = create_ballot(&env.election, &env.ballots.voters[3], None, answers, &mut OsRng).unwrap().0;
    Rec::append(&mut bx, &b);
    let last = bx.ballots.len() - 1;
    bx.ballots[last].accepted_at = closes_at;
    let dir = r.dir.with_extension("late");
    std::fs::create_dir_all(&dir).unwrap();
    let cover = dir.join("ballot-box.json");
    write_json(&cover, &resigned(env, bx.clone()));
    let record = dir.join("record");
    tally_record(&env.files, &cover, &env.revocations, &record);
    std::fs::remove_dir_all(&r.dir).unwrap();
    copy_dir(&record, &r.dir);
    bx.ballots[last].accepted_at = late;
    r.put_box_resigned(env, bx);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------------------
// The table

/// Whether the harness re-chains the index after the tampering.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Index {
    /// Integrity faults: the index is left as the tampering made it.
    AsIs,
    /// Every digest and chain value recomputed, so that V1 passes.
    Rechain,
}

type Tamper = Box<dyn Fn(&Env, &Rec)>;

struct Case {
    name: &'static str,
    /// The check that must be the first to fail.
    expected: &'static str,
    /// Whether the check's failure is the expected variant, where it should be.
    expect: fn(&Failure) -> bool,
    index: Index,
    tamper: Tamper,
}

fn case(
    name: &'static str,
    expected: &'static str,
    expect: fn(&Failure) -> bool,
    index: Index,
    tamper: impl Fn(&Env, &Rec) + 'static,
) -> Case {
    Case { name, expected, expect, index, tamper: Box::new(tamper) }
}

use Index::{AsIs, Rechain};

fn cases() -> Vec<Case> {
    vec![
        // ---- V1: record integrity (the index left as it is) ----
        case(
            "a file changed without updating the index",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Altered { path, .. } if path == record::RESULT_PATH)),
            AsIs,
            |_, r| {
                r.edit(record::RESULT_PATH, |v| v["contests"][0]["tallies"][0][1] = json!(1000));
            },
        ),
        case(
            "the index chain broken",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Index(IndexError::BrokenChain { index: 5, .. }))),
            AsIs,
            |_, r| {
                let mut index = r.index();
                index.entries[5].chain[0] ^= 1;
                r.put(record::INDEX_PATH, &index);
            },
        ),
        case(
            "a file truncated",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Altered { path, .. } if *path == record::stage_list_path(1, 2))),
            AsIs,
            |_, r| {
                let p = record::stage_list_path(1, 2);
                let bytes = r.read(&p);
                r.write(&p, &bytes[..bytes.len() - 64]);
            },
        ),
        case(
            "an extra file in the record",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Unlisted { path } if path == "notes.txt")),
            AsIs,
            |_, r| {
                r.write("notes.txt", b"the real result is elsewhere");
            },
        ),
        case(
            "a listed file missing",
            "V1",
            |f| {
                rec(
                    f,
                    |r| matches!(r, RecordFailure::EntryUnreadable { path, .. } if *path == record::partial_path(0, 3)),
                )
            },
            AsIs,
            |_, r| {
                r.remove(&record::partial_path(0, 3));
            },
        ),
        case(
            "the index's fingerprint changed, chain left",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Index(IndexError::BrokenChain { index: 0, .. }))),
            AsIs,
            |env, r| {
                let mut index = r.index();
                index.fingerprint = *env.other.election.fingerprint();
                r.put(record::INDEX_PATH, &index);
            },
        ),
        case(
            "two index entries swapped, chain left",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Index(IndexError::BrokenChain { index: 1, .. }))),
            AsIs,
            |_, r| {
                let mut index = r.index();
                index.entries.swap(1, 2);
                r.put(record::INDEX_PATH, &index);
            },
        ),
        case(
            "a path escaping the record",
            "V1",
            |f| rec(f, |r| matches!(r, RecordFailure::Index(IndexError::BadPath { index: 0, .. }))),
            AsIs,
            |_, r| {
                let mut index = r.index();
                index.entries[0].path = "../election.json".into();
                r.put(record::INDEX_PATH, &index);
            },
        ),
        // ---- V2: election and layout (index re-chained from here on) ----
        case(
            "a file removed and dropped from the index",
            "V2",
            |f| layout(f, record::REVOKED_PATH),
            Rechain,
            |_, r| {
                r.remove(record::REVOKED_PATH);
                r.unlist(record::REVOKED_PATH);
            },
        ),
        case(
            "an extra file added to the index",
            "V2",
            |f| layout(f, "notes.txt"),
            Rechain,
            |_, r| {
                r.write("notes.txt", b"x");
                let mut index = r.index();
                index.push("notes.txt", [0; 32]);
                r.put(record::INDEX_PATH, &index);
            },
        ),
        case(
            "two index entries reordered and re-chained",
            "V2",
            |f| layout(f, &record::stage_list_path(0, 1)),
            Rechain,
            |_, r| {
                let mut index = r.index();
                let i = index.entries.iter().position(|e| e.path == record::stage_list_path(0, 1)).unwrap();
                index.entries.swap(i, i + 1);
                r.put(record::INDEX_PATH, &index);
            },
        ),
        case(
            "the index re-chained under another election's fingerprint",
            "V2",
            |f| matches!(f, Failure::Election(ElectionFailure::NotTheIndexs { .. })),
            AsIs,
            |env, r| {
                r.rechain_with(*env.other.election.fingerprint());
            },
        ),
        case(
            "election.json's manifest altered",
            "V2",
            |f| matches!(f, Failure::Election(ElectionFailure::NotTheIndexs { .. })),
            Rechain,
            |_, r| {
                r.edit(record::ELECTION_PATH, |v| v["manifest"]["title"]["en"] = json!("Another election"));
            },
        ),
        // ---- V3: key ceremony ----
        case(
            "election.json with another key than the ceremony's",
            "V3",
            |f| matches!(f, Failure::Keys(KeysFailure::ElectionKey { .. })),
            AsIs,
            |env, r| {
                let key = *env.other.election.public_key();
                let forged = Election::new(env.election.manifest().clone(), key).unwrap();
                r.put(record::ELECTION_PATH, &forged.parameters());
                r.rechain_with(*forged.fingerprint());
            },
        ),
        case(
            "a ceremony file of another election",
            "V3",
            |f| keys(f, |e| matches!(e, ThresholdError::WrongElection { trustee: 2 })),
            Rechain,
            |env, r| {
                let theirs = std::fs::read(env.other.ceremony.join("dealing-2.json")).unwrap();
                r.write(&record::ceremony_path("dealing", 2), &theirs);
            },
        ),
        case(
            "one trustee's announcement in another's file",
            "V3",
            |f| matches!(f, Failure::Keys(KeysFailure::Undecodable(e)) if e.file == "announcement-2.json"),
            Rechain,
            |_, r| {
                let third = r.read(&record::ceremony_path("announcement", 3));
                r.write(&record::ceremony_path("announcement", 2), &third);
            },
        ),
        case(
            "a confirmation's signature altered",
            "V3",
            |f| keys(f, |e| matches!(e, ThresholdError::BadSignature { trustee: 1 })),
            Rechain,
            |_, r| {
                r.edit(&record::ceremony_path("confirmation", 1), |v| {
                    let (first, rest) = v["signature"].as_str().unwrap().split_at(1);
                    let flipped = format!("{}{rest}", if first == "0" { "1" } else { "0" });
                    v["signature"] = json!(flipped);
                });
            },
        ),
        // ---- V4: credential registry ----
        case(
            "a credential repeated in the registry",
            "V4",
            |f| matches!(f, Failure::Ballots(BallotFailure::Registry(BoxError::RegistryNotSorted(1)))),
            Rechain,
            |_, r| {
                let mut bx = r.ballot_box();
                let first = bx.credentials[0];
                bx.credentials.insert(1, first);
                r.put(record::BALLOT_BOX_PATH, &bx);
            },
        ),
        // ---- V5: ballot log ----
        case(
            "a ballot added to the box",
            "V5",
            |f| log(f, |e| matches!(e, BoxError::SizeMismatch { ballots: 18, head: 17 })),
            Rechain,
            |env, r| {
                let mut bx = r.ballot_box();
                let b = create_ballot(
                    &env.election,
                    &env.ballots.voters[9],
                    None,
                    &env.ballots.cast[0].answers,
                    &mut OsRng,
                )
                .unwrap()
                .0;
                Rec::append(&mut bx, &b);
                r.put(record::BALLOT_BOX_PATH, &bx);
            },
        ),
        case(
            "a ballot's bytes changed in the box",
            "V5",
            |f| log(f, |e| matches!(e, BoxError::RootMismatch)),
            Rechain,
            |_, r| {
                let mut bx = r.ballot_box();
                let mut bytes = hex::decode(&bx.ballots[4].ballot).unwrap();
                let n = bytes.len();
                bytes[n - 40] ^= 1; // in the signature's R: the ballot still decodes
                bx.ballots[4].ballot = hex::encode(bytes);
                r.put(record::BALLOT_BOX_PATH, &bx);
            },
        ),
        case(
            "a ballot duplicated in the box, head re-signed",
            "V5",
            |f| log(f, |e| matches!(e, BoxError::Replayed { leaf: 17, first: 4, .. })),
            Rechain,
            |env, r| {
                let mut bx = r.ballot_box();
                let copy = Ballot::from_bytes(&hex::decode(&bx.ballots[4].ballot).unwrap()).unwrap();
                Rec::append(&mut bx, &copy);
                r.put_box_resigned(env, bx);
            },
        ),
        case(
            "a re-vote undone by replaying the voter's earlier ballot, head re-signed",
            "V5",
            |f| log(f, |e| matches!(e, BoxError::Replayed { leaf: 17, first: 0, .. })),
            Rechain,
            |env, r| {
                // A malicious collector appends voter 0's first ballot again after its re-vote, so that squash
                // (R2) would count the earlier ballot. (The real tallier refuses such a box: L7.)
                let mut bx = r.ballot_box();
                let replay = Ballot::from_bytes(&hex::decode(&bx.ballots[0].ballot).unwrap()).unwrap();
                Rec::append(&mut bx, &replay);
                r.put_box_resigned(env, bx);
            },
        ),
        case(
            "a late ballot: appended a second after the close, head re-signed, every later file recomputed",
            "V5",
            |f| {
                log(f, |e| {
                    matches!(
                        e,
                        BoxError::OutsidePeriod {
                            leaf: 17,
                            accepted_at: 1_790_604_801,
                            opens_at: 1_790_000_000,
                            closes_at: 1_790_604_800
                        }
                    )
                })
            },
            Rechain,
            |env, r| tally_with_late_ballot(env, r, env.election.manifest().voting_period.closes_at + 1),
        ),
        case(
            "a late ballot: appended a month after the close, head re-signed, every later file recomputed",
            "V5",
            |f| log(f, |e| matches!(e, BoxError::OutsidePeriod { leaf: 17, accepted_at: 1_793_196_800, .. })),
            Rechain,
            |env, r| tally_with_late_ballot(env, r, env.election.manifest().voting_period.closes_at + 30 * 86_400),
        ),
        case(
            "times going back: a ballot accepted before the one at the leaf before it, head re-signed",
            "V5",
            |f| {
                log(f, |e| {
                    matches!(
                        e,
                        BoxError::TimeGoesBack { leaf: 10, accepted_at: 1_790_000_480, previous: 1_790_000_540 }
                    )
                })
            },
            Rechain,
            |env, r| {
                // The ballots, and so every tally file, are unchanged: only the log's times are.
                let mut bx = r.ballot_box();
                bx.ballots[10].accepted_at = bx.ballots[9].accepted_at - 60;
                r.put_box_resigned(env, bx);
            },
        ),
        case(
            "the box's election differs from election.json",
            "V5",
            |f| matches!(f, Failure::Ballots(BallotFailure::NotTheElection)),
            Rechain,
            |env, r| {
                let mut bx = r.ballot_box();
                bx.election = env.other.election.parameters();
                r.put(record::BALLOT_BOX_PATH, &bx);
            },
        ),
        case(
            "the final tree head signed by another key",
            "V5",
            |f| log(f, |e| matches!(e, BoxError::TreeHead(_))),
            Rechain,
            |_, r| {
                let mut bx = r.ballot_box();
                let h = &bx.final_tree_head;
                let intruder = SigningKey::from_bytes(&[99; 32]);
                bx.final_tree_head = SignedTreeHead::sign(&intruder, h.fingerprint, h.tree_size, h.root, h.timestamp);
                r.put(record::BALLOT_BOX_PATH, &bx);
            },
        ),
        // ---- V6: ballots (R1) ----
        case(
            "a ballot's signature changed, head re-signed",
            "V6",
            |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.ours.contains("bad_signature")),
            Rechain,
            |env, r| {
                let mut bx = r.ballot_box();
                let mut bytes = hex::decode(&bx.ballots[4].ballot).unwrap();
                let n = bytes.len();
                bytes[n - 20] ^= 1;
                bx.ballots[4].ballot = hex::encode(bytes);
                r.put_box_resigned(env, bx);
            },
        ),
        case(
            "a ballot stuffed under an unregistered key, head re-signed",
            "V6",
            |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.ours.contains("unknown_credential")),
            Rechain,
            |env, r| {
                let mut bx = r.ballot_box();
                let fake = Credential::generate(&mut OsRng);
                let b = create_ballot(&env.election, &fake, None, &env.ballots.cast[1].answers, &mut OsRng).unwrap().0;
                Rec::append(&mut bx, &b);
                r.put_box_resigned(env, bx);
            },
        ),
        case(
            "a refused ballot listed as accepted",
            "V6",
            |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.ours.contains("unknown_credential")),
            Rechain,
            |_, r| {
                r.edit(record::REJECTED_PATH, |v| {
                    v["rejected"].as_array_mut().unwrap().retain(|e| e["leaf_index"] != json!(STRANGER_LEAF))
                });
            },
        ),
        case(
            "a ballot refused for no reason",
            "V6",
            |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.entry == 0),
            Rechain,
            |env, r| {
                let id = env.ballots.cast[1].ballot.id();
                r.edit(record::REJECTED_PATH, |v| {
                    v["rejected"]
                        .as_array_mut()
                        .unwrap()
                        .insert(0, json!({"leaf_index": 1, "ballot_id": hex::encode(id.0), "reason": "bad_proof"}));
                });
            },
        ),
        case(
            "a refusal's reason changed",
            "V6",
            |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.ours.contains("bad_signature")),
            Rechain,
            |_, r| {
                r.edit(record::REJECTED_PATH, |v| v["rejected"][0]["reason"] = json!("bad_proof"));
            },
        ),
        // ---- V7: squash (R2) ----
        case(
            "a re-vote swapped so that the earlier ballot counts",
            "V7",
            |f| matches!(f, Failure::Ballots(BallotFailure::Superseded(d)) if d.entry == 0),
            Rechain,
            |_, r| {
                r.edit(record::SUPERSEDED_PATH, |v| {
                    let list = v["superseded"].as_array_mut().unwrap();
                    list.retain(|e| e["leaf_index"] != json!(0));
                    list.push(json!({"leaf_index": FIRST_REVOTE_LEAF, "by": 0}));
                });
            },
        ),
        case(
            "a re-vote not squashed",
            "V7",
            |f| matches!(f, Failure::Ballots(BallotFailure::Superseded(d)) if d.ours.contains("\"by\":16")),
            Rechain,
            |_, r| {
                r.edit(record::SUPERSEDED_PATH, |v| {
                    v["superseded"].as_array_mut().unwrap().pop();
                });
            },
        ),
        case(
            "a refused ballot superseding the voter's valid one",
            "V7",
            |f| matches!(f, Failure::Ballots(BallotFailure::Superseded(d)) if d.theirs.contains("\"by\":8")),
            Rechain,
            |_, r| {
                r.edit(record::SUPERSEDED_PATH, |v| {
                    let list = v["superseded"].as_array_mut().unwrap();
                    list.push(json!({"leaf_index": 7, "by": BAD_SIGNATURE_LEAF}));
                    list.sort_by_key(|e| e["leaf_index"].as_u64());
                });
            },
        ),
        // ---- V8: revocations (R0, R3) ----
        case(
            "a revocation skipped",
            "V8",
            |f| matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.entry == 0),
            Rechain,
            |_, r| {
                r.edit(record::REVOKED_PATH, |v| {
                    v["revoked"].as_array_mut().unwrap().remove(0);
                });
            },
        ),
        case(
            "an extra ballot revoked",
            "V8",
            |f| matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.entry == 0),
            Rechain,
            |env, r| {
                let k = env.ballots.voters[3].public_key();
                r.edit(record::REVOKED_PATH, |v| {
                    v["revoked"].as_array_mut().unwrap().insert(0, json!({"leaf_index": 3, "credential": k.to_hex()}));
                });
            },
        ),
        case(
            "a revocation list signed by another key",
            "V8",
            |f| matches!(f, Failure::Ballots(BallotFailure::Revocations(RevocationError::BadSignature))),
            Rechain,
            |env, r| {
                let list: RevocationList = r.get(record::REVOCATIONS_PATH);
                let intruder = SigningKey::from_bytes(&[98; 32]);
                let mut forged = RevocationList::sign(&intruder, list.fingerprint, list.credentials.clone());
                forged.officials_key = env.officials.verifying_key().to_bytes();
                r.put(record::REVOCATIONS_PATH, &forged);
            },
        ),
        case(
            "a revocation list for another election",
            "V8",
            |f| matches!(f, Failure::Ballots(BallotFailure::Revocations(RevocationError::WrongElection))),
            Rechain,
            |env, r| {
                let list: RevocationList = r.get(record::REVOCATIONS_PATH);
                let forged = RevocationList::sign(&env.officials, *env.other.election.fingerprint(), list.credentials);
                r.put(record::REVOCATIONS_PATH, &forged);
            },
        ),
        case(
            "a credential added to the revocation list after signing",
            "V8",
            |f| matches!(f, Failure::Ballots(BallotFailure::Revocations(RevocationError::BadSignature))),
            Rechain,
            |env, r| {
                let mut list: RevocationList = r.get(record::REVOCATIONS_PATH);
                list.credentials.push(env.ballots.voters[3].public_key());
                list.credentials.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
                r.put(record::REVOCATIONS_PATH, &list);
            },
        ),
        // ---- V9: mix input (R4) ----
        case(
            "a ballot removed between squash and mix",
            "V9",
            |f| input(f, |d| matches!(d, InputDifference::Header { contest: 0, rows: 9, r4_rows: 10, .. })),
            Rechain,
            |_, r| {
                for c in 0..3 {
                    r.drop_row(&record::input_path(c), 64, 4);
                }
            },
        ),
        case(
            "two rows of the mix input swapped",
            "V9",
            |f| input(f, |d| matches!(d, InputDifference::Row { contest: 2, row: 1, .. })),
            Rechain,
            |_, r| {
                r.swap_rows(&record::input_path(2), 64, 1, 2);
            },
        ),
        case(
            "a ballot's row copied over another's in the mix input",
            "V9",
            |f| input(f, |d| matches!(d, InputDifference::Row { contest: 1, row: 6, .. })),
            Rechain,
            |_, r| {
                r.copy_row(&record::input_path(1), 64, 5, 6);
            },
        ),
        case(
            "two ballots reordered in the log, head re-signed",
            "V9",
            |f| input(f, |d| matches!(d, InputDifference::Row { row: 0, .. })),
            Rechain,
            |env, r| {
                // Voters 3 and 4 (leaves 3 and 4) both count: R1–R3 are unchanged, the mix input's order is not.
                // The times stay with the leaves (a collector reordering its log keeps them in order), so L7 holds.
                let mut bx = r.ballot_box();
                let (t3, t4) = (bx.ballots[3].accepted_at, bx.ballots[4].accepted_at);
                bx.ballots.swap(3, 4);
                (bx.ballots[3].accepted_at, bx.ballots[4].accepted_at) = (t3, t4);
                r.put_box_resigned(env, bx);
            },
        ),
        // ---- V10: mix ----
        case(
            "a mix output altered",
            "V10",
            |f| chain(f, |c| matches!(c, ChainFailure::ProofFails { contest: 0, stage: 1, .. })),
            Rechain,
            |_, r| {
                r.copy_row(&record::stage_list_path(0, 1), 64, 1, 0);
            },
        ),
        case(
            "stage 1's proof reused as stage 2's",
            "V10",
            |f| chain(f, |c| matches!(c, ChainFailure::ProofFails { contest: 1, stage: 2, .. })),
            Rechain,
            |_, r| {
                let proof = r.read(&record::stage_proof_path(1, 1));
                r.write(&record::stage_proof_path(1, 2), &proof);
            },
        ),
        case(
            "another contest's proof reused",
            "V10",
            |f| chain(f, |c| matches!(c, ChainFailure::ProofFails { contest: 2, stage: 1, .. })),
            Rechain,
            |_, r| {
                let proof = r.read(&record::stage_proof_path(0, 1));
                r.write(&record::stage_proof_path(2, 1), &proof);
            },
        ),
        case(
            "a stage skipped (stage 1 repeated as stage 2)",
            "V10",
            |f| chain(f, |c| matches!(c, ChainFailure::ProofFails { contest: 0, stage: 2, .. })),
            Rechain,
            |_, r| {
                for ext in ["list", "proof"] {
                    let one = r.read(&format!("contest-0/stage-1.{ext}"));
                    r.write(&format!("contest-0/stage-2.{ext}"), &one);
                }
            },
        ),
        case(
            "a mix output truncated and re-indexed",
            "V10",
            |f| chain(f, |c| matches!(c, ChainFailure::ListUndecodable { contest: 1, stage: 1, .. })),
            Rechain,
            |_, r| {
                let p = record::stage_list_path(1, 1);
                let bytes = r.read(&p);
                r.write(&p, &bytes[..bytes.len() - 64]);
            },
        ),
        case(
            "a mix output with a row dropped",
            "V10",
            |f| chain(f, |c| c.stage() == Some(2) && matches!(c, ChainFailure::ProofFails { contest: 2, .. })),
            Rechain,
            |_, r| {
                r.drop_row(&record::stage_list_path(2, 2), 64, 3);
            },
        ),
        // ---- V11: decryption ----
        case(
            "a partial decryption altered",
            "V11",
            |f| {
                results(f, |e| {
                    matches!(
                        e,
                        ResultFailure::PartialRefused {
                            contest: 1,
                            source: ThresholdError::BadSignature { trustee: 2 }
                        }
                    )
                })
            },
            Rechain,
            |_, r| {
                let p = record::partial_path(1, 2);
                let mut bytes = r.read(&p);
                let n = bytes.len();
                bytes[n - 1] ^= 1;
                r.write(&p, &bytes);
            },
        ),
        case(
            "a partial decryption from a trustee of another ceremony",
            "V11",
            |f| {
                results(
                    f,
                    |e| matches!(e, ResultFailure::PartialRefused { contest: 0, source } if source.to_string().contains("trustee 2")),
                )
            },
            Rechain,
            |env, r| {
                // Trustee 2 of the other election decrypts this record's last list, under this election's
                // fingerprint, with its own key share and signing key.
                let other = &env.other;
                let params = ceremony_params(other.election.manifest()).unwrap();
                let secret = open_secret(&other.secrets[1], &params, &other.passphrase(2)).unwrap();
                let (_, outcome) = Transcript::read(&other.ceremony).unwrap().verify(&params).unwrap();
                let share = secret.key_share(&outcome).unwrap();
                let list = read_list(&r.path(&record::stage_list_path(0, 2))).unwrap();
                let ours = ceremony_params(env.election.manifest()).unwrap();
                let p = PartialDecryption::create(
                    &ours,
                    env.election.fingerprint(),
                    2,
                    &share,
                    &secret.signing_key(),
                    &list,
                    &mut OsRng,
                )
                .unwrap();
                r.write(&record::partial_path(0, 2), &p.to_bytes());
            },
        ),
        case(
            "fewer than t partial decryptions",
            "V11",
            |f| {
                results(f, |e| {
                    matches!(
                        e,
                        ResultFailure::Partials {
                            contest: 2,
                            source: ThresholdError::NotEnoughShares { needed: 2, .. }
                        } | ResultFailure::Combine {
                            contest: 2,
                            source: ThresholdError::NotEnoughShares { needed: 2, .. }
                        }
                    )
                })
            },
            Rechain,
            |_, r| {
                for j in [2, 3] {
                    r.remove(&record::partial_path(2, j));
                    r.unlist(&record::partial_path(2, j));
                }
            },
        ),
        case(
            "a partial decryption in another trustee's file",
            "V11",
            |f| results(f, |e| matches!(e, ResultFailure::AnotherTrustees { contest: 0, trustee: 2, holds: 3, .. })),
            Rechain,
            |_, r| {
                let third = r.read(&record::partial_path(0, 3));
                r.write(&record::partial_path(0, 2), &third);
            },
        ),
        case(
            "a partial decryption of another contest",
            "V11",
            |f| {
                results(f, |e| {
                    matches!(
                        e,
                        ResultFailure::PartialRefused { contest: 2, source: ThresholdError::WrongList { trustee: 1 } }
                    )
                })
            },
            Rechain,
            |_, r| {
                let other = r.read(&record::partial_path(1, 1));
                r.write(&record::partial_path(2, 1), &other);
            },
        ),
        case(
            "a plaintext list that decodes but is not the combination",
            "V11",
            |f| results(f, |e| matches!(e, ResultFailure::NotTheCombination { contest: 0, .. })),
            Rechain,
            |_, r| {
                let p = record::plaintexts_path(0);
                r.swap_rows(&p, 32, 0, r.differing_row(&p, 32, 0));
            },
        ),
        case(
            "a decoded plaintext changed, answers and result recomputed",
            "V11",
            |f| results(f, |e| matches!(e, ResultFailure::NotTheCombination { contest: 1, .. })),
            Rechain,
            |env, r| {
                // One voter's answer becomes another's: it still decodes, the count changes.
                let p = record::plaintexts_path(1);
                r.copy_row(&p, 32, 0, r.differing_row(&p, 32, 0));
                r.recompute_answers_and_result(env);
            },
        ),
        case(
            "a plaintext point that does not decode",
            "V11",
            |f| results(f, |e| matches!(e, ResultFailure::PlaintextsUndecodable { contest: 1, .. })),
            Rechain,
            |_, r| {
                let p = record::plaintexts_path(1);
                let mut bytes = r.read(&p);
                // The third point: 0xff… is no canonical encoding.
                bytes[8 + 64..8 + 96].fill(0xff);
                r.write(&p, &bytes);
            },
        ),
        case(
            "a plaintext list cut short",
            "V11",
            |f| {
                results(f, |e| {
                    matches!(
                        e,
                        ResultFailure::PlaintextsUndecodable {
                            contest: 2,
                            source: protocol::codec::DecodeError::Truncated { .. },
                            ..
                        }
                    )
                })
            },
            Rechain,
            |_, r| {
                let p = record::plaintexts_path(2);
                let bytes = r.read(&p);
                r.write(&p, &bytes[..bytes.len() - 32]);
            },
        ),
        // ---- V12: decoding (R5) ----
        case(
            "answers.json with a valid but different answer, result recomputed",
            "V12",
            |f| results(f, |e| matches!(e, ResultFailure::Answers { contest: 0, difference } if difference.entry == 0)),
            Rechain,
            |env, r| {
                let mut all: Vec<AnswersFile> = (0..3).map(|c| r.answers(c)).collect();
                let Some(DecodedAnswer::Valid(a)) = all[0].answers.get(0) else { panic!("row 0 is valid") };
                let Selection::Option(o) = a.selections[0] else { panic!("mayor is single choice") };
                assert!(all[0].answers.set(0, DecodedAnswer::Valid(Answer::single((o + 1) % 3))));
                r.put(&record::answers_path(0), &all[0]);
                r.recompute_result(env, &all);
            },
        ),
        case(
            "an answer made invalid",
            "V12",
            |f| results(f, |e| matches!(e, ResultFailure::Answers { contest: 2, difference } if difference.entry == 3)),
            Rechain,
            |_, r| {
                r.edit(&record::answers_path(2), |v| v["answers"][3] = json!({"invalid": "unreadable"}));
            },
        ),
        case(
            "answers.json labelled as another contest",
            "V12",
            |f| {
                results(
                    f,
                    |e| matches!(e, ResultFailure::AnswersOfAnotherContest { contest: 0, claimed, .. } if claimed == "budget"),
                )
            },
            Rechain,
            |_, r| {
                r.edit(&record::answers_path(0), |v| v["contest"] = json!("budget"));
            },
        ),
        case(
            "answers.json with a row dropped",
            "V12",
            |f| {
                results(
                    f,
                    |e| matches!(e, ResultFailure::Answers { contest: 1, difference } if difference.claimed == 9),
                )
            },
            Rechain,
            |_, r| {
                r.edit(&record::answers_path(1), |v| {
                    v["answers"].as_array_mut().unwrap().pop();
                });
            },
        ),
        // ---- V13: count (R6) ----
        case(
            "the count changed",
            "V13",
            |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 0)),
            Rechain,
            |_, r| {
                r.edit(record::RESULT_PATH, |v| {
                    let n = v["contests"][0]["tallies"][0][1].as_u64().unwrap();
                    v["contests"][0]["tallies"][0][1] = json!(n + 1);
                });
            },
        ),
        case(
            "the elected order changed",
            "V13",
            |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 2)),
            Rechain,
            |_, r| {
                r.edit(record::RESULT_PATH, |v| {
                    let elected = v["contests"][2]["elected"].as_array_mut().unwrap();
                    assert_eq!(elected.len(), 2, "council elects two");
                    elected.swap(0, 1);
                });
            },
        ),
        case(
            "the invalid count changed",
            "V13",
            |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 1)),
            Rechain,
            |_, r| {
                r.edit(record::RESULT_PATH, |v| v["contests"][1]["invalid"] = json!(1));
            },
        ),
        case(
            "another candidate elected",
            "V13",
            |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 0)),
            Rechain,
            |_, r| {
                r.edit(record::RESULT_PATH, |v| {
                    let e = v["contests"][0]["elected"][0]["option"].as_u64().unwrap();
                    v["contests"][0]["elected"][0]["option"] = json!((e + 1) % 3);
                });
            },
        ),
        case(
            "the result's fingerprint changed",
            "V13",
            |f| results(f, |e| matches!(e, ResultFailure::ResultFingerprint)),
            Rechain,
            |env, r| {
                r.edit(record::RESULT_PATH, |v| v["fingerprint"] = json!(env.other.election.fingerprint().to_hex()));
            },
        ),
        case(
            "a contest dropped from the result",
            "V13",
            |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 2)),
            Rechain,
            |_, r| {
                r.edit(record::RESULT_PATH, |v| {
                    v["contests"].as_array_mut().unwrap().pop();
                });
            },
        ),
    ]
}

/// Whether V1 failed so.
fn rec(f: &Failure, p: impl Fn(&RecordFailure) -> bool) -> bool {
    matches!(f, Failure::Record(r) if p(r))
}

/// Whether V2 failed on the layout (§14.1) at `path` (expected there, found there, or missing).
fn layout(f: &Failure, path: &str) -> bool {
    let at = |s: &str| s.trim_matches('`') == path;
    matches!(f, Failure::Election(ElectionFailure::Layout(e)) if match e {
        LayoutError::Unexpected { expected, found, .. } => at(expected) || at(found),
        LayoutError::Missing { expected } => at(expected),
    })
}

/// Whether V3 failed one of C1–C11 so.
fn keys(f: &Failure, p: impl Fn(&ThresholdError) -> bool) -> bool {
    matches!(f, Failure::Keys(KeysFailure::Ceremony(e)) if p(e))
}

/// Whether V5 failed L7 so.
fn log(f: &Failure, p: impl Fn(&BoxError) -> bool) -> bool {
    matches!(f, Failure::Ballots(BallotFailure::Log(e)) if p(e))
}

/// Whether V9 found a contest's input so.
fn input(f: &Failure, p: impl Fn(&InputDifference) -> bool) -> bool {
    matches!(f, Failure::Ballots(BallotFailure::Input(all)) if all.iter().any(p))
}

/// The tallier's record, as the shared tamper table sees it.
struct Tallied<'a> {
    dir: PathBuf,
    env: &'a Env,
}

impl test_support::tamper::Record for Tallied<'_> {
    fn dir(&self) -> &Path {
        &self.dir
    }
    fn election(&self) -> &Election {
        &self.env.election
    }
    fn collector(&self) -> &SigningKey {
        &self.env.collector
    }
    fn superseded_leaf(&self) -> u64 {
        0 // voter 0's first ballot; its re-vote is at FIRST_REVOTE_LEAF
    }
}

fn reason<'a>(report: &'a Report, id: &str) -> &'a str {
    match Check::from_id(id).and_then(|id| report.check(id)).map(|c| &c.outcome) {
        Some(Outcome::Fail { reason, .. }) => reason,
        _ => "",
    }
}

/// Runs one case on a fresh copy; `Err` says what went wrong.
fn run_case(env: &Env, i: usize, c: &Case) -> Result<(), String> {
    let rec = Rec { dir: env.root.join(format!("case-{i}")) };
    copy_dir(&env.record, &rec.dir);
    catch_unwind(AssertUnwindSafe(|| {
        (c.tamper)(env, &rec);
        if c.index == Rechain {
            rec.rechain();
        }
    }))
    .map_err(|e| {
        let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
        format!("the tampering itself panicked: {}", msg.unwrap_or_default())
    })?;
    let report = verifier::verify::verify_record(&rec.dir, None, false);
    println!("[{}] {}: {}", c.expected, c.name, reason(&report, c.expected).replace('\n', " / "));
    let failed = report.failed_ids();
    let result = if failed.first() != Some(&c.expected) {
        Err(format!("expected {} to fail first, failed: {failed:?}\n{report}", c.expected))
    } else {
        match Check::from_id(c.expected).and_then(|check| report.failure(check)) {
            Some(f) if (c.expect)(f) => Ok(()),
            f => Err(format!("{} failed, but not as expected: {f:?}", c.expected)),
        }
    };
    let _ = std::fs::remove_dir_all(&rec.dir);
    result
}

#[test]
fn the_tallier_record_passes_and_every_tampering_is_caught_by_its_check() {
    let start = Instant::now();
    let env = setup();
    let setup_time = start.elapsed();

    // The honest record: every check passes, and the result is the count of the answers that should count.
    let report = verifier::verify::verify_record(&env.record, None, false);
    assert!(report.passed(), "{report}");
    assert_eq!(report.checks.len(), 13, "{report}");
    let result: ResultFile = Rec { dir: env.record.clone() }.get(record::RESULT_PATH);
    let counted = env.ballots.counted_answers(&REVOKED_VOTERS);
    assert_eq!(counted.len(), REMAINING as usize);
    assert_eq!(result.fingerprint, *env.election.fingerprint());
    for (c, contest) in env.election.manifest().contests.iter().enumerate() {
        let answers: Vec<_> = counted.iter().map(|a| Ok(a[c].clone())).collect();
        assert_eq!(result.contests[c], count_contest(contest, &answers), "contest {c}");
        assert_eq!((result.contests[c].valid, result.contests[c].invalid), (u64::from(REMAINING), 0));
    }
    // The turnout: every ballot of the box is refused, superseded, revoked or counted.
    let turnout = result.turnout.unwrap();
    assert_eq!(turnout.counted, u64::from(REMAINING));
    assert_eq!(turnout.cast, turnout.refused + turnout.superseded + turnout.revoked + turnout.counted);
    assert_eq!(turnout.revoked, REVOKED_VOTERS.len() as u64);
    let ballot_box: serde_json::Value = Rec { dir: env.record.clone() }.get(record::BALLOT_BOX_PATH);
    assert_eq!(turnout.cast, ballot_box["ballots"].as_array().unwrap().len() as u64, "cast: every ballot of the box");
    for c in 0..3 {
        let rows = Rec { dir: env.record.clone() }.list_shape(&record::input_path(c)).0;
        assert_eq!(rows, REMAINING as usize, "contest {c}: rows entering the mix");
    }

    // The tamperings.
    let cases = cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "case names are distinct");
    assert!(cases.len() >= 32, "{} tamperings", cases.len());
    let covered: BTreeSet<&str> = cases.iter().map(|c| c.expected).collect();
    for v in 1..=13 {
        assert!(covered.contains(format!("V{v}").as_str()), "no tampering for V{v}");
    }
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let t = Instant::now();
        if let Err(e) = run_case(&env, i, c) {
            failures.push(format!("[{}] {} ({:?}): {e}", c.expected, c.name, t.elapsed()));
        }
    }
    // The tamperings shared with the protocol-only record (`test_support::tamper`), each on a fresh copy.
    let shared = test_support::tamper::shared();
    for (i, t) in shared.iter().enumerate() {
        let dir = env.root.join(format!("shared-{i}"));
        copy_dir(&env.record, &dir);
        let tallied = Tallied { dir: dir.clone(), env: &env };
        (t.tamper)(&tallied);
        let report = verifier::verify::verify_record(&dir, None, false);
        println!("[{}] (shared) {}: {}", t.check, t.name, reason(&report, t.check.id()).replace('\n', " / "));
        if let Err(e) = t.judge(&report) {
            failures.push(format!("[{}] (shared) {e}", t.check));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "setup {setup_time:?}, {} tamperings and {} shared in {:?}",
        cases.len(),
        shared.len(),
        start.elapsed() - setup_time
    );
    assert!(
        failures.is_empty(),
        "{} of {} tamperings not caught as expected:\n\n{}",
        failures.len(),
        cases.len() + shared.len(),
        failures.join("\n\n")
    );
}

/// The audit's trust-anchor attacks (SPEC.md §4.5, §14.4): a box re-signed under another collector key, a
/// registry with one key added (the unknown credential's ballot would then count), a revocation list signed by
/// other officials. The manifest names every one of them, so each substitution is refused — by the tally
/// (`tally prepare`) and, in a record doctored and re-chained as an attacker would, by the verifier at the
/// expected check — and the pinned fingerprint refuses another election.
#[test]
fn substituted_trust_anchors_are_refused() {
    let env = setup();
    let honest = verifier::verify::verify_record(&env.record, Some(env.election.fingerprint()), false);
    assert!(honest.passed(), "{honest}");
    let box_path = env.root.join("ballot-box.json");
    let bx: BallotBox = serde_json::from_slice(&std::fs::read(&box_path).unwrap()).unwrap();
    let intruder = SigningKey::from_bytes(&[97; 32]);

    // Another collector key: the head re-signed under it.
    let mut other_collector = bx.clone();
    other_collector.collector_key = intruder.verifying_key().to_bytes();
    let h = &bx.final_tree_head;
    other_collector.final_tree_head = SignedTreeHead::sign(&intruder, h.fingerprint, h.tree_size, h.root, h.timestamp);
    // The unknown credential added to the registry: its ballot would now count.
    let mut other_registry = bx.clone();
    let stranger_bytes = hex::decode(&bx.ballots[STRANGER_LEAF as usize].ballot).unwrap();
    let stranger = Ballot::from_bytes(&stranger_bytes).unwrap().body.credential;
    other_registry.credentials.push(stranger.into());
    other_registry.credentials.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    // Another officials' key.
    let list: RevocationList = serde_json::from_slice(&std::fs::read(&env.revocations).unwrap()).unwrap();
    let other_list = RevocationList::sign(&intruder, list.fingerprint, list.credentials);

    type Expect = fn(&Failure) -> bool;
    let cases: [(&str, BallotBox, RevocationList, &str, &str, Expect); 3] = [
        (
            "collector key",
            other_collector,
            list_clone(&env),
            "V5",
            "is not the one the manifest names for the collector",
            |f| log(f, |e| matches!(e, BoxError::NotTheCollector(_))),
        ),
        ("registry", other_registry, list_clone(&env), "V4", "not the manifest's registry", |f| {
            matches!(f, Failure::Ballots(BallotFailure::Registry(BoxError::Registry(_))))
        }),
        ("officials' key", bx, other_list, "V8", "not the officials' key the manifest names", |f| {
            matches!(f, Failure::Ballots(BallotFailure::Revocations(RevocationError::NotTheOfficials { .. })))
        }),
    ];
    for (what, doctored_box, revocation_list, id, reason, expect) in cases {
        let dir = env.root.join(format!("anchor-{id}"));
        let (b, r) = (dir.join("box.json"), dir.join("revocations.json"));
        std::fs::create_dir_all(&dir).unwrap();
        write_json(&b, &doctored_box);
        write_json(&r, &revocation_list);
        // The tally refuses it and writes nothing.
        let record = dir.join("record");
        let err = tallier::tally::prepare(&PrepareArgs {
            ballot_box: b.clone(),
            ceremony: env.files.ceremony.clone(),
            revocations: r.clone(),
            record: record.clone(),
            progress: false,
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains(reason), "{what}: {err:#}");
        assert!(!record.exists(), "{what}: nothing written");
        // A record doctored by hand and re-chained fails at the expected check.
        let rec = Rec { dir: dir.join("doctored") };
        copy_dir(&env.record, &rec.dir);
        rec.write(record::BALLOT_BOX_PATH, &std::fs::read(&b).unwrap());
        rec.write(record::REVOCATIONS_PATH, &std::fs::read(&r).unwrap());
        rec.rechain();
        let report = verifier::verify::verify_record(&rec.dir, None, false);
        match report.failure(Check::from_id(id).unwrap()) {
            Some(f) => assert!(expect(f), "{what}: {id}: {f:?}"),
            None => panic!("{what}: {id} should fail\n{report}"),
        }
    }
    // Pinning another election's fingerprint fails V2.
    let report = verifier::verify::verify_record(&env.record, Some(env.other.election.fingerprint()), false);
    let f = report.failure(Check::V2);
    assert!(matches!(f, Some(Failure::Election(ElectionFailure::NotThePinned { .. }))), "V2: {f:?}");
}

fn list_clone(env: &Env) -> RevocationList {
    serde_json::from_slice(&std::fs::read(&env.revocations).unwrap()).unwrap()
}

/// A record prepared from the honest box, not yet mixed (a copy for one attack).
fn prepared(env: &Env, name: &str) -> PathBuf {
    let rec = env.root.join(name);
    tallier::tally::prepare(&PrepareArgs {
        ballot_box: env.root.join("ballot-box.json"),
        ceremony: env.files.ceremony.clone(),
        revocations: env.revocations.clone(),
        record: rec.clone(),
        progress: false,
    })
    .unwrap();
    rec
}

/// No trustee wrote a partial decryption into `rec`.
fn assert_nothing_decrypted(rec: &Path, what: &str) {
    for c in 0..3 {
        for j in 1..=3u16 {
            assert!(
                !record_file(rec, &record::partial_path(c, j)).exists(),
                "{what}: trustee {j} decrypted contest {c}"
            );
        }
    }
}

/// Every trustee refuses to decrypt `rec`, naming `check` and `reason`.
fn trustees_refuse(env: &Env, rec: &Path, check: &str, reason: &str, what: &str) {
    for j in 1..=3u16 {
        let err = decrypt_record(rec, &env.files.secrets[usize::from(j) - 1], &env.files.passphrase(j), None, false)
            .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("decrypted nothing"), "{what}: trustee {j}: {text}");
        let line = text.lines().find(|l| l.starts_with(check) && l.contains("FAIL")).unwrap_or("");
        assert!(line.contains(reason), "{what}: trustee {j} must name {check} ({reason}):\n{text}");
    }
    assert_nothing_decrypted(rec, what);
}

/// The audit's two attacks on the trustees (SPEC.md §14.3 Decrypt), made as an attacker would:
/// - whoever carries the record to the mix servers replaces contest 0's `input.list` by copies of one voter's
///   row (copied from the public box); the honest mix servers mix it, signed; decrypting would reveal that vote;
/// - whoever holds the record after the honest stages re-mixes every stage from `input.list` with permutations
///   of its own (valid proofs: a proof of shuffle needs no secret) and signs with a key not in the manifest.
///
/// Every trustee runs the verifier's checks first and decrypts nothing: V9 names the substituted input, V10 the
/// stages not signed by the manifest's mix servers.
/// SPEC.md: exercises V1′, V2′ (the trustee's checks before decrypting).
#[test]
fn trustees_decrypt_nothing_of_a_substituted_input_or_a_remixed_chain() {
    let env = setup();
    let stages = env.election.manifest().mix_stages();
    let honest_keys = mix_key_files(&env.root.join("mix-keys-attacks"), stages);

    // A substituted input.list, then an honest mix.
    let rec = prepared(&env, "substituted-input");
    let path = record_file(&rec, &record::input_path(0));
    let input = read_list(&path).unwrap();
    let target = input.row(3).to_vec();
    let cells = (0..input.len()).flat_map(|_| target.clone()).collect();
    std::fs::write(&path, CiphertextList::from_flat(input.width(), cells).unwrap().to_bytes()).unwrap();
    tallier::tally::mix(&MixArgs { record: rec.clone(), keys: honest_keys.clone(), memory_mb: None, progress: false })
        .unwrap();
    trustees_refuse(&env, &rec, "V9", "differs from R4", "substituted input.list");

    // An honest mix, then every stage re-mixed from input.list and signed by an intruder.
    let rec = prepared(&env, "remixed-chain");
    tallier::tally::mix(&MixArgs { record: rec.clone(), keys: honest_keys, memory_mb: None, progress: false }).unwrap();
    let intruder = SigningKey::from_bytes(&[98; 32]);
    let e = &env.election;
    for c in 0..e.manifest().contests.len() {
        let mut current = read_list(&record_file(&rec, &record::input_path(c))).unwrap();
        for k in 1..=stages {
            let stage = protocol::shuffle::Stage {
                fingerprint: e.fingerprint(),
                key: e.encryption_key(),
                contest: c as u32,
                stage: u32::from(k),
            };
            let (output, proof) = protocol::shuffle::shuffle_and_prove(&stage, &current, &mut OsRng).unwrap();
            let digests = StageDigests::of(&current.to_bytes(), &output.to_bytes(), &proof.to_bytes());
            let signature = sign_stage(&intruder, e.fingerprint(), c as u32, k, &digests);
            std::fs::write(record_file(&rec, &record::stage_list_path(c, k)), output.to_bytes()).unwrap();
            std::fs::write(record_file(&rec, &record::stage_proof_path(c, k)), proof.to_bytes()).unwrap();
            std::fs::write(record_file(&rec, &record::stage_signature_path(c, k)), signature).unwrap();
            current = output;
        }
    }
    // The proofs verify: only the signatures give the re-mix away.
    let (report, verified) = verifier::verify::verify_before_decryption(&rec, false);
    assert!(verified.is_none());
    assert_eq!(report.failed_ids(), vec!["V10"], "{report}");
    trustees_refuse(&env, &rec, "V10", "not made by the mix server the manifest names", "re-mixed chain");

    // A mix server's key that is not the manifest's is refused before anything is mixed.
    let rec = prepared(&env, "wrong-mix-key");
    let dir = env.root.join("intruder-key");
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("mix-1.key");
    std::fs::write(&key, protocol::roles::secret_key_file(protocol::roles::Role::Mix(1), &intruder).as_bytes())
        .unwrap();
    let err = tallier::tally::mix(&MixArgs { record: rec.clone(), keys: vec![key], memory_mb: None, progress: false })
        .unwrap_err();
    assert!(format!("{err:#}").contains("not the one the manifest names for the mix-1"), "{err:#}");
    assert!(!record_file(&rec, &record::stage_list_path(0, 1)).exists());
}

/// A last list replaced after the trustee's checks and before its decryption (by whoever shares the disk the
/// record is on): the trustee reads the list again to decrypt it, a chunk at a time (SPEC.md §10.12), finds another
/// `H(list)` than the one V10 verified, and writes nothing. The attacker's list is the unit's input list, whose
/// rows are in the order of the box: decrypting it would link each voter to their vote. (Before the streamed
/// decryption the trustee decrypted the list V10 had decoded and held; reading it again must not open this gap.)
#[test]
fn a_list_replaced_after_the_trustees_checks_is_not_decrypted() {
    let env = setup();
    let stages = env.election.manifest().mix_stages();
    let rec = prepared(&env, "replaced-after-check");
    let keys = mix_key_files(&env.root.join("mix-keys-replaced"), stages);
    tallier::tally::mix(&MixArgs { record: rec.clone(), keys, memory_mb: None, progress: false }).unwrap();
    let (report, verified) = verifier::verify::verify_before_decryption(&rec, false);
    let verified = verified.unwrap_or_else(|| panic!("the honest record must verify:\n{report}"));
    let last = record_file(&rec, &record::stage_list_path(0, stages));
    let verified_list = std::fs::read(&last).unwrap();
    std::fs::copy(record_file(&rec, &record::input_path(0)), &last).unwrap();
    let params = ceremony_params(env.election.manifest()).unwrap();
    let secret = open_secret(&env.files.secrets[0], &params, &env.files.passphrase(1)).unwrap();
    let err = tallier::trustee::decrypt_verified(&rec, &verified, &secret, false).unwrap_err();
    assert!(format!("{err:#}").contains("changed after it was verified"), "{err:#}");
    assert_nothing_decrypted(&rec, "a last list replaced after the checks");
    // The same list left as verified is decrypted.
    std::fs::write(&last, verified_list).unwrap();
    let written = tallier::trustee::decrypt_verified(&rec, &verified, &secret, false).unwrap();
    assert_eq!(written.len(), env.election.manifest().contests.len());
}

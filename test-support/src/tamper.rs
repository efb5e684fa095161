//! The record's tamper table, written once for every record builder (SPEC.md §14.4 assigns each tampering its
//! check): the protocol-only record of [`crate::record`] (`verifier/tests/record.rs`) and the tallier's
//! (`tests/tests/tamper.rs`) each apply every [`Tampering`] of [`shared`] to their record, run `verifier verify`,
//! and [`Tampering::judge`] the report: the expected check must fail first, with the expected failure variant.
//!
//! A builder's record offers what a tampering needs through [`Record`]; the helpers below read, write and
//! re-index its files. Tamperings that only make sense for one builder stay in that builder's test.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use protocol::ballot_box::BoxError;
use protocol::log::SignedTreeHead;
use protocol::manifest::Unit;
use protocol::record::{self, file_digest, RecordIndex};
use protocol::Election;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{json, Value};
use verifier::chain::ChainFailure;
use verifier::report::{BallotFailure, Check, ElectionFailure, Failure, KeysFailure, RecordFailure, Report};
use verifier::report::{InputDifference, ResultFailure};

/// A record on disk, and what a tampering needs to forge its files.
pub trait Record {
    /// The record's directory.
    fn dir(&self) -> &Path;
    /// Its election.
    fn election(&self) -> &Election;
    /// The collector's signing key (a malicious collector re-signs its head).
    fn collector(&self) -> &SigningKey;
    /// The leaf of a ballot that the same voter's later ballot superseded.
    fn superseded_leaf(&self) -> u64;
}

/// A file's path in the record.
pub fn path(r: &dyn Record, rel: &str) -> PathBuf {
    r.dir().join(rel)
}

/// A file's bytes.
pub fn read(r: &dyn Record, rel: &str) -> Vec<u8> {
    std::fs::read(path(r, rel)).unwrap()
}

/// A JSON file's value.
pub fn read_json(r: &dyn Record, rel: &str) -> Value {
    serde_json::from_slice(&read(r, rel)).unwrap()
}

/// Replaces a file and re-chains the index, so that only the checks after V1 see the change.
pub fn replace(r: &dyn Record, rel: &str, bytes: &[u8]) {
    std::fs::write(path(r, rel), bytes).unwrap();
    reindex(r);
}

/// [`replace`] with a JSON value.
pub fn replace_json(r: &dyn Record, rel: &str, v: &Value) {
    replace(r, rel, &serde_json::to_vec_pretty(v).unwrap());
}

/// Recomputes every digest and chain value of the index, keeping its fingerprint, paths and order.
pub fn reindex(r: &dyn Record) {
    let old: RecordIndex = serde_json::from_slice(&read(r, record::INDEX_PATH)).unwrap();
    let mut index = RecordIndex::new(old.fingerprint);
    for e in &old.entries {
        index.push(&e.path, file_digest(&read(r, &e.path)));
    }
    std::fs::write(path(r, record::INDEX_PATH), serde_json::to_vec_pretty(&index).unwrap()).unwrap();
}

/// The collector signs a new final head over the box's ballots and voter-list changes, merged by their
/// `leaf_index` (`v` is `ballot-box.json`), as a malicious collector that doctored its log can.
pub fn resign_head(r: &dyn Record, v: &mut Value) {
    let mut leaves = Vec::new();
    for e in v["ballots"].as_array().unwrap() {
        let bytes = hex::decode(e["ballot"].as_str().unwrap()).unwrap();
        let ballot = <protocol::Ballot as protocol::Decode>::from_bytes(&bytes).unwrap();
        let accepted_at = e["accepted_at"].as_u64().unwrap();
        let hash = protocol::log::leaf_hash(&ballot.id(), &protocol::log::ballot_hash(&bytes), accepted_at);
        leaves.push((e["leaf_index"].as_u64().unwrap(), hash));
    }
    let changes = v["changes"].as_array().map(Vec::as_slice).unwrap_or_default();
    for e in changes {
        let bytes = hex::decode(e["change"].as_str().unwrap()).unwrap();
        let hash = protocol::log::change_leaf_hash(&bytes, e["accepted_at"].as_u64().unwrap());
        leaves.push((e["leaf_index"].as_u64().unwrap(), hash));
    }
    // Without changes the ballots' order is the log's, whatever their `leaf_index` says (a tampering may have
    // doctored it); with changes, a stable sort by leaf (two entries that claim one leaf: ballots first).
    if !changes.is_empty() {
        leaves.sort_by_key(|l| l.0);
    }
    let mut tree = protocol::log::LogTree::new();
    for (_, hash) in leaves {
        tree.push(hash);
    }
    let size = tree.len();
    let (fp, root) = (*r.election().fingerprint(), tree.root(size).unwrap());
    let timestamp = v["final_tree_head"]["timestamp"].as_u64().unwrap();
    let head = SignedTreeHead::sign(r.collector(), fp, size, root, timestamp);
    v["final_tree_head"] = serde_json::to_value(&head).unwrap();
}

/// One tampering: what it does, the check that must catch it first, and the failure that check must give.
#[derive(Debug)]
pub struct Tampering {
    pub name: &'static str,
    pub check: Check,
    /// Whether the check's failure is the expected variant (and where).
    pub expect: fn(&Failure) -> bool,
    pub tamper: fn(&dyn Record),
}

impl Tampering {
    /// `Ok` if `report` fails [`Tampering::check`] first, with a failure that [`Tampering::expect`] accepts.
    pub fn judge(&self, report: &Report) -> Result<(), String> {
        let failed = report.failed();
        if failed.first() != Some(&self.check) {
            return Err(format!("{}: expected {} to fail first, failed: {failed:?}\n{report}", self.name, self.check));
        }
        match report.failure(self.check) {
            Some(f) if (self.expect)(f) => Ok(()),
            f => Err(format!("{}: {} failed, but not as expected: {f:?}\n{report}", self.name, self.check)),
        }
    }
}

/// Whether any failure of a mix chain holds (V10).
pub fn chain(f: &Failure, p: impl Fn(&ChainFailure) -> bool) -> bool {
    matches!(f, Failure::Chain(all) if all.iter().any(p))
}

/// Whether any failure of V11–V13 holds.
pub fn results(f: &Failure, p: impl Fn(&ResultFailure) -> bool) -> bool {
    matches!(f, Failure::Results(all) if all.iter().any(p))
}

/// The tamperings that make sense for any record of the example manifest (three contests, two mix stages, three
/// trustees who all decrypt), whichever builder made it. They leave the record changed; the caller restores it
/// (or uses a fresh copy) before the next.
pub fn shared() -> Vec<Tampering> {
    vec![
        Tampering {
            name: "a file changed without re-indexing",
            check: Check::V1,
            expect: |f| matches!(f, Failure::Record(RecordFailure::Altered { path, .. }) if path == record::RESULT_PATH),
            tamper: |r| std::fs::write(path(r, record::RESULT_PATH), b"{}").unwrap(),
        },
        Tampering {
            name: "a file not in the index",
            check: Check::V1,
            expect: |f| matches!(f, Failure::Record(RecordFailure::Unlisted { path }) if path == "extra.txt"),
            tamper: |r| std::fs::write(path(r, "extra.txt"), b"x").unwrap(),
        },
        Tampering {
            name: "an empty directory",
            check: Check::V1,
            expect: |f| matches!(f, Failure::Record(RecordFailure::Directory(why)) if why.contains("`empty/`")),
            tamper: |r| std::fs::create_dir(path(r, "empty")).unwrap(),
        },
        Tampering {
            name: "an empty directory in a directory",
            check: Check::V1,
            expect: |f| matches!(f, Failure::Record(RecordFailure::Directory(why)) if why.contains("`a/b/`")),
            tamper: |r| std::fs::create_dir_all(path(r, "a/b")).unwrap(),
        },
        Tampering {
            name: "the election's manifest changed (another fingerprint)",
            check: Check::V2,
            expect: |f| matches!(f, Failure::Election(ElectionFailure::NotTheIndexs { .. })),
            tamper: |r| {
                let mut v = read_json(r, record::ELECTION_PATH);
                v["manifest"]["election_id"] = json!("another-election");
                replace_json(r, record::ELECTION_PATH, &v);
            },
        },
        Tampering {
            name: "a dealing's signature replaced",
            check: Check::V3,
            expect: |f| {
                matches!(f, Failure::Keys(KeysFailure::Ceremony(e)) if e.to_string().contains("trustee 2"))
                    || matches!(f, Failure::Keys(KeysFailure::Undecodable(e)) if e.file.contains("dealing-2"))
            },
            tamper: |r| {
                let p = record::ceremony_path("dealing", 2);
                let mut v = read_json(r, &p);
                v["signature"] = json!("00".repeat(64));
                replace_json(r, &p, &v);
            },
        },
        Tampering {
            name: "the registry out of order",
            check: Check::V4,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Registry(BoxError::RegistryNotSorted(1)))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                v["credentials"].as_array_mut().unwrap().swap(0, 1);
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "a ballot dropped from the box",
            check: Check::V5,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Log(BoxError::SizeMismatch { .. }))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                v["ballots"].as_array_mut().unwrap().pop();
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "a voter's earlier ballot replayed after the re-vote, head re-signed",
            check: Check::V5,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Log(BoxError::Replayed { .. }))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                let ballots = v["ballots"].as_array_mut().unwrap();
                let mut replay = ballots[usize::try_from(r.superseded_leaf()).unwrap()].clone();
                replay["leaf_index"] = json!(ballots.len());
                // Appended now, as a collector would: the time of the last leaf, so only the repeat is wrong.
                replay["accepted_at"] = ballots[ballots.len() - 1]["accepted_at"].clone();
                ballots.push(replay);
                resign_head(r, &mut v);
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "the last ballot accepted a second after the close, head re-signed",
            check: Check::V5,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Log(BoxError::OutsidePeriod { .. }))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                let closes_at = r.election().manifest().voting_period.closes_at;
                let ballots = v["ballots"].as_array_mut().unwrap();
                let last = ballots.len() - 1;
                ballots[last]["accepted_at"] = json!(closes_at + 1);
                resign_head(r, &mut v);
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "a ballot accepted before the one at the leaf before it, head re-signed",
            check: Check::V5,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Log(BoxError::TimeGoesBack { .. }))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                let ballots = v["ballots"].as_array_mut().unwrap();
                let before = ballots[1]["accepted_at"].as_u64().unwrap();
                ballots[2]["accepted_at"] = json!(before - 1);
                resign_head(r, &mut v);
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "a refused ballot hidden",
            check: Check::V6,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.file == record::REJECTED_PATH && d.claimed == 0),
            tamper: |r| replace_json(r, record::REJECTED_PATH, &json!({"rejected": []})),
        },
        Tampering {
            name: "a re-vote not squashed",
            check: Check::V7,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Superseded(d)) if d.claimed == 0 && d.entry == 0),
            tamper: |r| replace_json(r, record::SUPERSEDED_PATH, &json!({"superseded": []})),
        },
        Tampering {
            name: "a credential added to the revocation list after signing",
            check: Check::V8,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Revocations(_))),
            tamper: |r| {
                let mut v = read_json(r, record::REVOCATIONS_PATH);
                let registry = read_json(r, record::BALLOT_BOX_PATH)["credentials"].clone();
                let mut list = v["credentials"].as_array().unwrap().clone();
                let fresh = registry.as_array().unwrap().iter().find(|c| !list.contains(c)).unwrap().clone();
                list.push(fresh);
                list.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
                v["credentials"] = json!(list);
                replace_json(r, record::REVOCATIONS_PATH, &v);
            },
        },
        Tampering {
            name: "a revoked ballot left in",
            check: Check::V8,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.claimed == 0 && d.entry == 0),
            tamper: |r| replace_json(r, record::REVOKED_PATH, &json!({"revoked": []})),
        },
        Tampering {
            name: "the mix input's first two ciphertexts swapped",
            check: Check::V9,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Input(d))
                    if matches!(&d[..], [InputDifference::Row { contest: 1, row: 0, .. }]))
            },
            tamper: |r| {
                let p = record::input_path(1);
                let mut bytes = read(r, &p);
                let (first, second) = (bytes[8..72].to_vec(), bytes[72..136].to_vec());
                bytes[8..72].copy_from_slice(&second);
                bytes[72..136].copy_from_slice(&first);
                replace(r, &p, &bytes);
            },
        },
        Tampering {
            name: "a byte after the mix input's last row",
            check: Check::V9,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Input(d))
                    if matches!(&d[..], [InputDifference::Row { contest: 1, row, byte, .. }]
                        if *byte > 8 && *row == (*byte - 8) / 64))
            },
            tamper: |r| {
                let p = record::input_path(1);
                let mut bytes = read(r, &p);
                bytes.push(0);
                replace(r, &p, &bytes);
            },
        },
        Tampering {
            name: "the mix input cut inside its header",
            check: Check::V9,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Input(d))
                    if matches!(&d[..], [InputDifference::Short { contest: 1, .. }]))
            },
            tamper: |r| {
                let p = record::input_path(1);
                let bytes = read(r, &p);
                replace(r, &p, &bytes[..5]);
            },
        },
        Tampering {
            name: "a stage's proof altered",
            check: Check::V10,
            expect: |f| {
                chain(f, |c| {
                    matches!(
                        c,
                        ChainFailure::ProofFails { contest: 2, stage: 2, .. }
                            | ChainFailure::ProofUndecodable { contest: 2, stage: 2, .. }
                    )
                })
            },
            tamper: |r| {
                let p = record::stage_proof_path(2, 2);
                let mut bytes = read(r, &p);
                let last = bytes.len() - 40;
                bytes[last] ^= 1;
                replace(r, &p, &bytes);
            },
        },
        Tampering {
            name: "a stage's output ciphertext replaced by another contest's",
            check: Check::V10,
            expect: |f| chain(f, |c| matches!(c, ChainFailure::ProofFails { contest: 0, stage: 1, .. })),
            tamper: |r| {
                let p = record::stage_list_path(0, 1);
                let other = read(r, &record::stage_list_path(1, 1));
                let mut bytes = read(r, &p);
                bytes[8..72].copy_from_slice(&other[8..72]);
                replace(r, &p, &bytes);
            },
        },
        Tampering {
            name: "a partial decryption from another contest",
            check: Check::V11,
            expect: |f| results(f, |e| matches!(e, ResultFailure::PartialRefused { contest: 0, .. })),
            tamper: |r| replace(r, &record::partial_path(0, 1), &read(r, &record::partial_path(1, 1))),
        },
        Tampering {
            name: "a plaintext replaced",
            check: Check::V11,
            expect: |f| results(f, |e| matches!(e, ResultFailure::NotTheCombination { contest: 2, row: 0, .. })),
            tamper: |r| {
                let p = record::plaintexts_path(2);
                let mut bytes = read(r, &p);
                let other = read(r, &record::plaintexts_path(0));
                // Row 0 of contest 2 becomes a row of contest 0 that decodes to another point: after the shuffles
                // the two lists are in random orders, and answers of the same shape encode to the same point.
                let row = other[8..].chunks_exact(32).find(|row| *row != &bytes[8..40]).expect("a different row");
                bytes[8..40].copy_from_slice(row);
                replace(r, &p, &bytes);
            },
        },
        Tampering {
            name: "an answer changed",
            check: Check::V12,
            expect: |f| {
                results(f, |e| matches!(e, ResultFailure::Answers { contest: 0, difference } if difference.entry == 0))
            },
            tamper: |r| {
                let p = record::answers_path(0);
                let mut v = read_json(r, &p);
                v["answers"][0] = json!({"invalid": "made up"});
                replace_json(r, &p, &v);
            },
        },
        Tampering {
            name: "the count changed",
            check: Check::V13,
            expect: |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 0)),
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                v["contests"][0]["invalid"] = json!(1);
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
        Tampering {
            name: "a candidate's name changed in the result",
            check: Check::V13,
            expect: |f| {
                results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 0 && d.theirs.contains("Mallory")))
            },
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                v["contests"][0]["candidates"][1]["title"]["en"] = json!("Mallory");
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
        Tampering {
            name: "a percentage changed in the result",
            check: Check::V13,
            expect: |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 1)),
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                v["contests"][1]["candidates"][0]["percent"] = json!("99.9");
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
        Tampering {
            name: "the turnout changed (one more ballot counted)",
            check: Check::V13,
            expect: |f| {
                results(
                    f,
                    |e| matches!(e, ResultFailure::Turnout { theirs, ours } if theirs != ours && theirs != "none"),
                )
            },
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                let counted = v["turnout"]["counted"].as_u64().unwrap();
                v["turnout"]["counted"] = json!(counted + 1);
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
        Tampering {
            name: "the turnout removed from the result",
            check: Check::V13,
            expect: |f| results(f, |e| matches!(e, ResultFailure::Turnout { theirs, .. } if theirs == "none")),
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                v.as_object_mut().unwrap().remove("turnout");
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
        Tampering {
            name: "the result in a format no version has",
            check: Check::V13,
            expect: |f| {
                results(f, |e| matches!(e, ResultFailure::ResultFormat { found, .. } if found == "rv/result/v9"))
            },
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                v["format"] = json!("rv/result/v9");
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
    ]
}

/// Rewrites the index without `drop` (and deletes those files), re-chaining it: as if the tally had never written
/// them.
pub fn drop_files(r: &dyn Record, drop: &[String]) {
    let old: RecordIndex = serde_json::from_slice(&read(r, record::INDEX_PATH)).unwrap();
    let mut index = RecordIndex::new(old.fingerprint);
    for e in old.entries.iter().filter(|e| !drop.contains(&e.path)) {
        index.push(&e.path, file_digest(&read(r, &e.path)));
    }
    for p in drop {
        std::fs::remove_file(path(r, p)).unwrap();
    }
    std::fs::write(path(r, record::INDEX_PATH), serde_json::to_vec_pretty(&index).unwrap()).unwrap();
}

/// The unit (SPEC.md §4.6) at index `u` of the record's manifest.
pub fn unit(r: &dyn Record, u: usize) -> Unit {
    r.election().manifest().units()[u]
}

/// Swaps row `i` of one list's bytes with row `j` of another's (rows of `width` ciphertexts of 64 bytes, after the
/// 8-byte header).
fn swap_rows(a: &mut [u8], i: usize, b: &mut [u8], j: usize, width: usize) {
    let row = 64 * width;
    let (at, bt) = (8 + i * row, 8 + j * row);
    let tmp = a[at..at + row].to_vec();
    a[at..at + row].copy_from_slice(&b[bt..bt + row]);
    b[bt..bt + row].copy_from_slice(&tmp);
}

/// The tamperings of a record with districts, of [`example_manifest_districts`](protocol::manifest::example_manifest_districts)
/// with the ballots of [`crate::record::build_districts`]: 6 units (0 council-north/north, 1 council-centre/centre,
/// 2 council-south/south, 3 referendum/north, 4 referendum/centre, 5 referendum/south); nobody's ballot reached
/// the south (units 2 and 5: an input of 0 rows, no mix), the north's units have 2 rows, the centre's 3; the mix
/// servers' keys are the example roles' (`example_role_secrets`). Each must fail the check SPEC.md §14.4 gives it,
/// naming the unit.
pub fn districts() -> Vec<Tampering> {
    vec![
        Tampering {
            name: "a credential's district changed in the box",
            check: Check::V4,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Registry(BoxError::Registry(_)))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                let d = v["districts"][0].as_u64().unwrap();
                v["districts"][0] = json!((d + 1) % 3);
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "the box's districts removed",
            check: Check::V4,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Registry(BoxError::Districts(_)))),
            tamper: |r| {
                let mut v = read_json(r, record::BALLOT_BOX_PATH);
                v.as_object_mut().unwrap().remove("districts");
                replace_json(r, record::BALLOT_BOX_PATH, &v);
            },
        },
        Tampering {
            name: "the ballot for the wrong district not refused",
            check: Check::V6,
            expect: |f| matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.theirs.contains("unknown_credential") && d.ours.contains("wrong_district")),
            tamper: |r| {
                let mut v = read_json(r, record::REJECTED_PATH);
                let list = v["rejected"].as_array_mut().unwrap();
                let at = list.iter().position(|x| x["reason"] == "wrong_district").unwrap();
                list.remove(at);
                replace_json(r, record::REJECTED_PATH, &v);
            },
        },
        Tampering {
            name: "a ballot moved from the centre's council to the north's",
            check: Check::V9,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Input(d))
                    if matches!(&d[..], [InputDifference::Header { contest: 0, rows: 3, r4_rows: 2, .. },
                                         InputDifference::Header { contest: 1, rows: 2, r4_rows: 3, .. }]))
            },
            tamper: |r| {
                let (north, centre) = (record::input_path(unit(r, 0)), record::input_path(unit(r, 1)));
                let (n, c) = (read(r, &north), read(r, &centre));
                // The centre's last row goes to the end of the north's list; each header gets its new count.
                let row = c.len() - 64;
                let mut n2 = n.clone();
                n2.extend_from_slice(&c[row..]);
                n2[0..4].copy_from_slice(&3u32.to_be_bytes());
                let mut c2 = c[..row].to_vec();
                c2[0..4].copy_from_slice(&2u32.to_be_bytes());
                std::fs::write(path(r, &north), n2).unwrap();
                replace(r, &centre, &c2);
            },
        },
        Tampering {
            name: "rows swapped between two districts' referendum inputs",
            check: Check::V9,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Input(d))
                    if matches!(&d[..], [InputDifference::Row { contest: 3, row: 0, .. },
                                         InputDifference::Row { contest: 4, row: 1, .. }]))
            },
            tamper: |r| {
                let (north, centre) = (record::input_path(unit(r, 3)), record::input_path(unit(r, 4)));
                let (mut n, mut c) = (read(r, &north), read(r, &centre));
                swap_rows(&mut n, 0, &mut c, 1, 1);
                std::fs::write(path(r, &north), n).unwrap();
                replace(r, &centre, &c);
            },
        },
        Tampering {
            name: "rows given to a district nobody voted in",
            check: Check::V9,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Input(d))
                    if matches!(&d[..], [InputDifference::Header { contest: 5, rows: 1, r4_rows: 0, .. }]))
            },
            tamper: |r| {
                let (north, south) = (record::input_path(unit(r, 3)), record::input_path(unit(r, 5)));
                let n = read(r, &north);
                let mut s = read(r, &south);
                s.extend_from_slice(&n[8..72]);
                s[0..4].copy_from_slice(&1u32.to_be_bytes());
                replace(r, &south, &s);
            },
        },
        Tampering {
            name: "a unit's mix and decryption removed while its input has rows",
            check: Check::V10,
            expect: |f| {
                chain(
                    f,
                    |c| matches!(c, ChainFailure::NoMix { contest: 0, rows: 2, unit, .. } if unit == "contest-0/district-0"),
                )
            },
            tamper: |r| {
                let u = unit(r, 0);
                let stages = r.election().manifest().mix_stages();
                let mut drop: Vec<String> = (1..=stages)
                    .flat_map(|k| {
                        [
                            record::stage_list_path(u, k),
                            record::stage_proof_path(u, k),
                            record::stage_signature_path(u, k),
                        ]
                    })
                    .collect();
                drop.extend((1..=3).map(|j| record::partial_path(u, j)));
                drop.push(record::plaintexts_path(u));
                drop_files(r, &drop);
            },
        },
        Tampering {
            name: "a unit's stages removed, its decryption kept",
            check: Check::V2,
            expect: |f| matches!(f, Failure::Election(ElectionFailure::Layout(_))),
            tamper: |r| {
                let u = unit(r, 1);
                let stages = r.election().manifest().mix_stages();
                let drop: Vec<String> = (1..=stages)
                    .flat_map(|k| {
                        [
                            record::stage_list_path(u, k),
                            record::stage_proof_path(u, k),
                            record::stage_signature_path(u, k),
                        ]
                    })
                    .collect();
                drop_files(r, &drop);
            },
        },
        Tampering {
            name: "a stage signed with another unit's index",
            check: Check::V10,
            expect: |f| chain(f, |c| matches!(c, ChainFailure::NotSignedByMixServer { contest: 4, stage: 1, .. })),
            tamper: |r| {
                let u = unit(r, 4);
                let digests = protocol::roles::StageDigests::of(
                    &read(r, &record::input_path(u)),
                    &read(r, &record::stage_list_path(u, 1)),
                    &read(r, &record::stage_proof_path(u, 1)),
                );
                let stages = r.election().manifest().mix_stages();
                let mix = protocol::roles::example_role_secrets(stages).mix;
                // The mix server's own key and stage, but unit 3's number (referendum, north) for unit 4's files.
                let signature = protocol::roles::sign_stage(&mix[0], r.election().fingerprint(), 3, 1, &digests);
                replace(r, &record::stage_signature_path(u, 1), &signature);
            },
        },
        Tampering {
            name: "two districts' last lists swapped",
            check: Check::V10,
            expect: |f| {
                chain(f, |c| matches!(c, ChainFailure::ProofFails { contest: 0, stage: 2, .. }))
                    && chain(f, |c| matches!(c, ChainFailure::NotSignedByMixServer { contest: 3, stage: 2, .. }))
            },
            tamper: |r| {
                // Both lists have 2 rows of width 1 (council-north is width 1 too): the north's council gets the
                // north's referendum's last list.
                let stages = r.election().manifest().mix_stages();
                let (a, b) = (record::stage_list_path(unit(r, 0), stages), record::stage_list_path(unit(r, 3), stages));
                let (x, y) = (read(r, &a), read(r, &b));
                std::fs::write(path(r, &a), y).unwrap();
                replace(r, &b, &x);
            },
        },
        Tampering {
            name: "a unit's answers given another district",
            check: Check::V12,
            expect: |f| {
                results(f, |e| {
                    matches!(e, ResultFailure::AnswersOfAnotherDistrict { contest: 3, claimed, unit, .. }
                    if claimed == "centre" && unit == "north")
                })
            },
            tamper: |r| {
                let p = record::answers_path(unit(r, 3));
                let mut v = read_json(r, &p);
                v["district"] = json!("centre");
                replace_json(r, &p, &v);
            },
        },
        Tampering {
            name: "an answer made up for a district nobody voted in",
            check: Check::V12,
            expect: |f| {
                results(
                    f,
                    |e| matches!(e, ResultFailure::Answers { contest: 5, difference } if difference.claimed == 1 && difference.recomputed == 0),
                )
            },
            tamper: |r| {
                let p = record::answers_path(unit(r, 5));
                let mut v = read_json(r, &p);
                v["answers"] = json!([{"invalid": "made up"}]);
                replace_json(r, &p, &v);
            },
        },
        Tampering {
            name: "a district's figure changed in the result",
            check: Check::V13,
            expect: |f| {
                results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 3 && d.theirs.contains("\"centre\"")))
            },
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                let valid = v["contests"][3]["districts"][1]["valid"].as_u64().unwrap();
                v["contests"][3]["districts"][1]["valid"] = json!(valid + 1);
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
        Tampering {
            name: "the result without its per-district figures (version 4 without districts)",
            check: Check::V13,
            expect: |f| results(f, |e| matches!(e, ResultFailure::Count(d) if d.entry == 0)),
            tamper: |r| {
                let mut v = read_json(r, record::RESULT_PATH);
                for c in v["contests"].as_array_mut().unwrap() {
                    c.as_object_mut().unwrap().remove("districts");
                }
                replace_json(r, record::RESULT_PATH, &v);
            },
        },
    ]
}

/// The box's change at position `i` of its `changes` (`v` is `ballot-box.json`), decoded.
fn box_change(v: &Value, i: usize) -> protocol::voter_list::VoterListChange {
    protocol::voter_list::VoterListChange::from_hex(v["changes"][i]["change"].as_str().unwrap()).unwrap()
}

/// `ballot-box.json` edited, and with `resign` its head signed again over the edited log by the collector (so that
/// only the checks after V5 can see the edit).
fn edit_box(r: &dyn Record, resign: bool, edit: impl FnOnce(&mut Value)) {
    let mut v = read_json(r, record::BALLOT_BOX_PATH);
    edit(&mut v);
    if resign {
        resign_head(r, &mut v);
    }
    replace_json(r, record::BALLOT_BOX_PATH, &v);
}

/// Whether the failure is the box's (V4's L9/L11 or V5's L7) and `p` holds of its error.
fn box_error(f: &Failure, p: impl Fn(&BoxError) -> bool) -> bool {
    matches!(f, Failure::Ballots(BallotFailure::Registry(e) | BallotFailure::Log(e)) if p(e))
}

/// Whether the failure is of V4–V9 and its text says `text`.
fn ballots_say(f: &Failure, text: &str) -> bool {
    matches!(f, Failure::Ballots(b) if b.to_string().contains(text))
}

/// The tamperings of a record whose voter list changes while the election is open
/// ([`crate::record::build_voter_list`]: changes at leaves 2 (add), 3 (remove of the voter whose ballot is at
/// leaf 1 and who votes again at leaf 5), 7 (move) and 10 (move of the voter whose ballot is at leaf 9), signed by
/// the example officials' key): L11 in V4, the log in V5, R1 in V6, R3 in V8 (SPEC.md §4.7, §14.4).
pub fn voter_list() -> Vec<Tampering> {
    use protocol::voter_list::{Action, ChangeError, VoterListChange};
    vec![
        Tampering {
            name: "a change signed by another key than the officials', head re-signed",
            check: Check::V4,
            expect: |f| {
                box_error(f, |e| matches!(e, BoxError::Change { leaf: 3, error: ChangeError::NotTheOfficials }))
                    && ballots_say(
                        f,
                        "the voter-list change at leaf 3 (L11): the change is not signed by the officials' key",
                    )
            },
            tamper: |r| {
                edit_box(r, true, |v| {
                    let c = box_change(v, 1);
                    let rogue = SigningKey::from_bytes(&[5; 32]);
                    let forged =
                        VoterListChange::sign(&rogue, c.fingerprint, c.seq, c.action, c.credential, c.district);
                    v["changes"][1]["change"] = json!(hex::encode(forged.to_bytes()));
                })
            },
        },
        Tampering {
            name: "two changes swapped in the log, head re-signed",
            check: Check::V4,
            expect: |f| {
                box_error(f, |e| {
                    matches!(e, BoxError::Change { leaf: 2, error: ChangeError::OutOfOrder { found: 1, expected: 0 } })
                }) && ballots_say(f, "change number 1 comes where change number 0 is due")
            },
            tamper: |r| {
                edit_box(r, true, |v| {
                    let (first, second) = (v["changes"][0]["change"].clone(), v["changes"][1]["change"].clone());
                    v["changes"][0]["change"] = second;
                    v["changes"][1]["change"] = first;
                })
            },
        },
        Tampering {
            name: "a remove of a credential not on the list, signed by the officials, head re-signed",
            check: Check::V4,
            expect: |f| {
                box_error(f, |e| matches!(e, BoxError::Change { leaf: 3, error: ChangeError::NotRegistered(_) }))
                    && ballots_say(f, "is not on the voter list: it cannot be removed or moved")
            },
            tamper: |r| {
                let officials = protocol::roles::example_role_secrets(2).officials;
                let stranger = protocol::Credential::generate(&mut rand_chacha::ChaCha20Rng::from_seed([99; 32]));
                edit_box(r, true, |v| {
                    let c = box_change(v, 1);
                    let k = stranger.public_key();
                    let forged = VoterListChange::sign(&officials, c.fingerprint, 1, Action::Remove, k, 0);
                    v["changes"][1]["change"] = json!(hex::encode(forged.to_bytes()));
                })
            },
        },
        Tampering {
            name: "the last change dropped from the box, the later ballots renumbered",
            check: Check::V5,
            expect: |f| {
                box_error(f, |e| matches!(e, BoxError::SizeMismatch { ballots: 12, head: 13 }))
                    && ballots_say(f, "the box holds 12 ballots and changes, the final tree head says 13")
            },
            tamper: |r| {
                edit_box(r, false, |v| {
                    v["changes"].as_array_mut().unwrap().pop();
                    for e in v["ballots"].as_array_mut().unwrap() {
                        let leaf = e["leaf_index"].as_u64().unwrap();
                        if leaf > 10 {
                            e["leaf_index"] = json!(leaf - 1);
                        }
                    }
                })
            },
        },
        Tampering {
            name: "a change moved one leaf later, past a ballot",
            check: Check::V5,
            expect: |f| {
                box_error(f, |e| matches!(e, BoxError::RootMismatch))
                    && ballots_say(f, "do not give the final tree head's root")
            },
            tamper: |r| {
                edit_box(r, false, |v| {
                    // The move at leaf 10 and the ballot at leaf 11 trade places and times.
                    let at10 = v["changes"][3]["accepted_at"].clone();
                    let ballots = v["ballots"].as_array_mut().unwrap();
                    let ballot = ballots.iter_mut().find(|e| e["leaf_index"] == 11).unwrap();
                    let at11 = std::mem::replace(&mut ballot["accepted_at"], at10);
                    ballot["leaf_index"] = json!(10);
                    (v["changes"][3]["leaf_index"], v["changes"][3]["accepted_at"]) = (json!(11), at11);
                })
            },
        },
        Tampering {
            name: "a ballot cast after its credential's removal not refused (tally/rejected.json)",
            check: Check::V6,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Rejected(d)) if d.ours.contains("unknown_credential"))
                    && ballots_say(f, "tally/rejected.json lists 0 entries, the recomputation 1")
            },
            tamper: |r| {
                let mut v = read_json(r, record::REJECTED_PATH);
                v["rejected"].as_array_mut().unwrap().retain(|x| x["leaf_index"] != 5);
                replace_json(r, record::REJECTED_PATH, &v);
            },
        },
        Tampering {
            name: "a ballot the remove cancelled put back (tally/revoked.json without it)",
            check: Check::V8,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.claimed == 2 && d.recomputed == 3)
                    && ballots_say(f, "tally/revoked.json lists 2 entries, the recomputation 3")
            },
            tamper: |r| {
                let mut v = read_json(r, record::REVOKED_PATH);
                v["revoked"].as_array_mut().unwrap().retain(|x| x["leaf_index"] != 1);
                replace_json(r, record::REVOKED_PATH, &v);
            },
        },
        Tampering {
            name: "the change that cancelled a ballot left out of its revoked entry",
            check: Check::V8,
            expect: |f| {
                matches!(f, Failure::Ballots(BallotFailure::Revoked(d)) if d.entry == 1 && d.ours.contains("10"))
                    && ballots_say(f, "first difference at entry 1")
            },
            tamper: |r| {
                let mut v = read_json(r, record::REVOKED_PATH);
                v["revoked"][1].as_object_mut().unwrap().remove("change");
                replace_json(r, record::REVOKED_PATH, &v);
            },
        },
    ]
}

impl Record for crate::record::Built {
    fn dir(&self) -> &Path {
        &self.dir
    }
    fn election(&self) -> &Election {
        &self.election
    }
    fn collector(&self) -> &SigningKey {
        &self.collector
    }
    fn superseded_leaf(&self) -> u64 {
        self.superseded_leaf
    }
}

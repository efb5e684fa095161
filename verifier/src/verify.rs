//! `verifier verify RECORD`: the whole election record, checks V1–V13 of SPEC.md §14.4, in order.
//!
//! V1 reads every file the index lists, once, and keeps the bytes it hashed: no later check reads the disk, so
//! what is verified is exactly what was hashed. Each check declares the inputs it reads (the "needs" column of
//! §14.4); when one is missing because the check that provides it failed or did not run, the check is reported
//! as not run, naming that check. Recomputed artefacts (R1–R4 of §14.3) flow to the next step whether or not
//! the record's copy matched, so one report names every independent fault. Each list is decoded once: stage
//! `K`'s output list is the input of stage `K + 1`'s proof and, for the last stage, the list V11 decrypts
//! (converted in memory to the threshold crate's list type, same encoding). Nothing here panics on any input.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use protocol::ballot_box::{BallotBox, LoggedBallot};
use protocol::codec::{Decode, Encode};
use protocol::fingerprint::Fingerprint;
use protocol::log::{LogTree, Receipt};
use protocol::manifest::Manifest;
use protocol::record::{
    answers_path, check_layout, file_digest, input_path, partial_path, plaintexts_path, stage_list_path,
    stage_proof_path, stage_signature_path, Layout, RecordIndex, RevocationList, BALLOT_BOX_PATH, CEREMONY_KINDS,
    ELECTION_PATH, INDEX_PATH, REJECTED_PATH, RESULT_PATH, REVOCATIONS_PATH, REVOKED_PATH, SUPERSEDED_PATH,
};
use protocol::roles::registry_digest;
use protocol::shuffle::CiphertextList;
use protocol::tally::{self, AnswersFile, RejectedFile, ResultFile, RevokedFile, SupersededFile};
use protocol::threshold::ceremony::Roster;
use protocol::threshold::{self as th, CeremonyOutcome, CeremonyParams, PartialDecryption, PlaintextList, Signed};
use protocol::Election;
use rand::rngs::OsRng;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::chain::{ChainFailure, Part};
use crate::report::{Check, Failure, RecordFailure, Report, Verdict};

/// The largest file the verifier reads (4 GiB): anything larger is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// Ballots checked between two steps of V6's progress bar.
const BALLOTS_PER_STEP: usize = 8192;

/// Reads a regular file of at most [`MAX_FILE_BYTES`], refusing links and other kinds of entries.
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let meta = fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.file_type().is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{}: {} bytes, more than the verifier reads ({MAX_FILE_BYTES})",
            path.display(),
            meta.len()
        ));
    }
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_json<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{path} does not decode: {e}"))
}

fn compact<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<{e}>"))
}

/// Compares a list the record claims with the recomputed one; the error names the file, the first differing
/// entry and both values.
fn compare_list<T: PartialEq + Serialize>(file: &str, claimed: &[T], recomputed: &[T]) -> Result<(), String> {
    if let Some(i) = (0..claimed.len().max(recomputed.len())).find(|&i| claimed.get(i) != recomputed.get(i)) {
        let show = |v: Option<&T>| v.map_or_else(|| "nothing".to_string(), compact);
        return Err(format!(
            "{file} lists {} entries, the recomputation {}; first difference at entry {i}: the record has {}, \
             recomputed {}",
            claimed.len(),
            recomputed.len(),
            show(claimed.get(i)),
            show(recomputed.get(i))
        ));
    }
    Ok(())
}

/// Which of `(available, provider)` are missing: the checks a check not run waits for.
fn waits(inputs: &[(bool, Check)]) -> Vec<Check> {
    let mut missing: Vec<Check> = inputs.iter().filter(|(ok, _)| !ok).map(|(_, c)| *c).collect();
    missing.dedup();
    missing
}

/// The files of the record, as V1 read and hashed them.
#[derive(Debug, Default)]
pub struct Files {
    index: Option<RecordIndex>,
    bytes: BTreeMap<String, Vec<u8>>,
}

impl Files {
    fn get(&self, path: &str) -> Result<&[u8], String> {
        self.bytes.get(path).map(Vec::as_slice).ok_or_else(|| format!("`{path}` is not in the record"))
    }
}

/// What the checks have established so far; `None` where the providing check could not provide it.
#[derive(Debug, Default)]
pub struct State {
    /// The fingerprint the observer pinned (`--fingerprint`), checked by V2.
    pinned: Option<Fingerprint>,
    files: Option<Files>,
    election: Option<Election>,
    layout: Option<Layout>,
    ceremony: Option<(CeremonyParams, Roster, CeremonyOutcome)>,
    ballot_box: Option<BallotBox>,
    /// The box's registry passed V4 (sorted, no repeats).
    registry_sorted: bool,
    ballots: Option<Vec<LoggedBallot>>,
    rejected: Option<RejectedFile>,
    counted: Option<Vec<u64>>,
    remaining: Option<Vec<u64>>,
    /// R4 recomputed, per contest, where it equals the record's `input.list` byte for byte.
    inputs: Vec<Option<CiphertextList>>,
    /// The last stage's list of each contest (V10).
    last_lists: Option<Vec<CiphertextList>>,
    /// Each contest's `plaintexts.list`, decoded once by whichever of V11 and V12 reads it first.
    plaintexts: BTreeMap<usize, Result<PlaintextList, String>>,
    /// Each contest's `answers.json` as the record has it (V12).
    answers: Option<Vec<AnswersFile>>,
}

/// Verifies the record in `dir`: V1–V13. With `pinned`, V2 fails unless the record is of that election.
pub fn verify_record(dir: &Path, pinned: Option<&Fingerprint>, progress: bool) -> Report {
    let mut report = Report::new(format!("election record {}", dir.display()), progress);
    let mut s = State { pinned: pinned.copied(), ..State::default() };
    s.v1(dir, &mut report);
    s.v2(&mut report);
    s.v3(&mut report);
    s.v4(&mut report);
    s.v5(&mut report);
    s.v6(&mut report);
    s.v7(&mut report);
    s.v8(&mut report);
    s.v9(&mut report);
    s.v10(&mut report);
    s.v11(&mut report);
    s.v12(&mut report);
    s.v13(&mut report);
    describe(&mut report, s.election.as_ref(), pinned.is_some());
    report
}

/// The report's election fields and its words on what was proven and what is still trusted.
fn describe(report: &mut Report, election: Option<&Election>, pinned: bool) {
    if let Some(e) = election {
        let m = e.manifest();
        let r = &m.roles;
        report.election = Some(serde_json::json!({
            "election_id": m.election_id,
            "fingerprint": e.fingerprint().to_hex(),
            "public_key": hex::encode(e.public_key().to_bytes()),
            "collector_key": r.collector_key.to_hex(),
            "officials_key": r.officials_key.to_hex(),
            "mix_keys": r.mix_keys.iter().map(|k| k.to_hex()).collect::<Vec<_>>(),
            "registry": {"count": r.registry.count, "digest": hex::encode(r.registry.digest)},
            "pinned": pinned,
        }));
    }
    report.proven = vec![
        "every ballot in the collector's signed log was checked, and only the last valid ballot of each registered \
         credential, less those revoked by the officials, entered the mix"
            .into(),
        "each mix stage was made and signed by the mix server the manifest names, and shuffles without changing a vote"
            .into(),
        "the decryption is that of the trustees' key from the verified ceremony, and the result is the count of the \
         decrypted ballots"
            .into(),
    ];
    report.trusted = vec![
        if pinned {
            "that the fingerprint you pinned is the one the election authority published".into()
        } else {
            "that this is the election you mean: nothing was pinned; run again with --fingerprint HEX (the published \
             fingerprint), which binds every key and the registry"
                .into()
        },
        "privacy: that at least one mix server kept its permutation secret, and that fewer than t trustees colluded"
            .into(),
        "that the registry lists eligible voters only, and that each voter's device encrypted the voter's choice \
         (Benaloh challenge and second device check it)"
            .into(),
        "that the collector did not drop a ballot before the voter checked the receipt against the log".into(),
    ];
}

/// What a trustee may decrypt (SPEC.md §14.3 Decrypt): the last list of every contest, from a record whose every
/// check the decryption depends on passed. Only [`verify_before_decryption`] makes one.
#[derive(Debug)]
pub struct VerifiedForDecryption {
    pub election: Election,
    /// Each contest's last stage's list, as V10 decoded and verified it.
    pub last_lists: Vec<CiphertextList>,
}

/// The trustee's check before decrypting (SPEC.md §14.3 Decrypt): V1′ (the files present in the record's
/// directory, read once; there is no index before `finish`), V2′ (the election, and the record's files so far
/// are §14.1's layout up to the mix, plus any trustee's partial decryptions), then V3–V10 exactly as
/// `verifier verify` runs them: the ceremony, the box against the manifest's collector key and registry, every
/// ballot, squash, revocations under the manifest's officials' key, the mix input recomputed from the box, and
/// every stage's proof and signature. Returns the verified last lists only if every one of these checks passed.
pub fn verify_before_decryption(dir: &Path, progress: bool) -> (Report, Option<VerifiedForDecryption>) {
    let mut report = Report::new(format!("election record {} before decryption", dir.display()), progress);
    let mut s = State::default();
    s.v1_before_decryption(dir, &mut report);
    s.v2_before_decryption(&mut report);
    s.v3(&mut report);
    s.v4(&mut report);
    s.v5(&mut report);
    s.v6(&mut report);
    s.v7(&mut report);
    s.v8(&mut report);
    s.v9(&mut report);
    s.v10(&mut report);
    let verified = match (report.passed(), s.election, s.last_lists) {
        (true, Some(election), Some(last_lists)) => Some(VerifiedForDecryption { election, last_lists }),
        _ => None,
    };
    (report, verified)
}

impl State {
    fn manifest(&self) -> Option<&Manifest> {
        self.election.as_ref().map(Election::manifest)
    }

    /// V1: §13 — the index decodes, version 1, plain unique paths, the chain; every listed file present with its
    /// digest; nothing else in the directory.
    pub fn v1(&mut self, dir: &Path, report: &mut Report) {
        self.files = report.run_typed(Check::V1, || {
            let fail = |f: RecordFailure| Failure::Record(f);
            let index_bytes = read_file(&dir.join(INDEX_PATH)).map_err(|e| fail(RecordFailure::IndexUnreadable(e)))?;
            let index: RecordIndex =
                parse_json(INDEX_PATH, &index_bytes).map_err(|e| fail(RecordFailure::IndexUndecodable(e)))?;
            index.check_chain().map_err(|e| fail(RecordFailure::Index(e)))?;
            let mut present = Vec::new();
            walk(dir, "", &mut present).map_err(|e| fail(RecordFailure::Directory(e)))?;
            let listed: std::collections::BTreeSet<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
            if let Some(extra) = present.iter().find(|p| p.as_str() != INDEX_PATH && !listed.contains(p.as_str())) {
                return Err(fail(RecordFailure::Unlisted { path: extra.clone() }));
            }
            let read: Vec<Result<(String, Vec<u8>), RecordFailure>> = index
                .entries
                .par_iter()
                .enumerate()
                .map(|(i, e)| {
                    let bytes = read_file(&dir.join(&e.path)).map_err(|reason| RecordFailure::EntryUnreadable {
                        entry: i,
                        path: e.path.clone(),
                        reason,
                    })?;
                    if file_digest(&bytes) != e.sha256 {
                        return Err(RecordFailure::Altered { entry: i, path: e.path.clone() });
                    }
                    Ok((e.path.clone(), bytes))
                })
                .collect();
            let bytes: BTreeMap<String, Vec<u8>> = read.into_iter().collect::<Result<_, _>>().map_err(fail)?;
            let total: usize = bytes.values().map(Vec::len).sum();
            let note =
                format!("{} files, {total} bytes; record head {}", index.entries.len(), hex::encode(index.head()));
            Ok((Files { index: Some(index), bytes }, note))
        });
    }

    /// V1′ (before decryption): every regular file in the directory, read once (links and special entries
    /// refused); the later checks read these bytes and nothing else.
    pub fn v1_before_decryption(&mut self, dir: &Path, report: &mut Report) {
        self.files = report.run(Check::V1BeforeDecryption, || {
            let mut present = Vec::new();
            walk(dir, "", &mut present)?;
            let read: Vec<Result<(String, Vec<u8>), String>> =
                present.par_iter().map(|p| read_file(&dir.join(p)).map(|b| (p.clone(), b))).collect();
            let bytes: BTreeMap<String, Vec<u8>> = read.into_iter().collect::<Result<_, _>>()?;
            let total: usize = bytes.values().map(Vec::len).sum();
            Ok((Files { index: None, bytes }, format!("{} files, {total} bytes", present.len())))
        });
    }

    /// V2′ (before decryption): `election.json` decodes (§8.8) and the files are §14.1's layout up to the last
    /// mix stage, followed by nothing but trustees' partial decryptions.
    pub fn v2_before_decryption(&mut self, report: &mut Report) {
        let Some(files) = &self.files else {
            return report.not_run(Check::V2BeforeDecryption, &[Check::V1BeforeDecryption]);
        };
        let r = report.run(Check::V2BeforeDecryption, || {
            let params: protocol::election::ElectionParameters = parse_json(ELECTION_PATH, files.get(ELECTION_PATH)?)?;
            let election = params.election().map_err(|e| format!("{ELECTION_PATH}: {e}"))?;
            let m = election.manifest();
            let ceremony: Vec<Vec<u16>> = CEREMONY_KINDS
                .iter()
                .map(|kind| {
                    (1..=m.trustees.count)
                        .filter(|&j| files.bytes.contains_key(&protocol::record::ceremony_path(kind, j)))
                        .collect()
                })
                .collect();
            let partials: Vec<Vec<u16>> = vec![Vec::new(); m.contests.len()];
            let layout = Layout { ceremony, partials };
            let mut expected = protocol::record::layout_paths(m, &layout);
            expected.retain(|p| !p.ends_with("/plaintexts.list") && !p.ends_with("/answers.json") && p != RESULT_PATH);
            let is_partial =
                |p: &str| (0..m.contests.len()).any(|c| (1..=m.trustees.count).any(|j| p == partial_path(c, j)));
            if let Some(missing) = expected.iter().find(|p| !files.bytes.contains_key(p.as_str())) {
                return Err(format!("`{missing}` is not in the record yet: the record is not ready to decrypt"));
            }
            if let Some(extra) =
                files.bytes.keys().find(|p| !expected.iter().any(|e| e == *p) && !is_partial(p.as_str()))
            {
                return Err(format!("`{extra}` is not a file of a record ready to decrypt (§14.1)"));
            }
            let note = format!("election `{}`, fingerprint {}", m.election_id, election.fingerprint().to_hex());
            Ok(((election, layout), note))
        });
        if let Some((election, layout)) = r {
            self.election = Some(election);
            self.layout = Some(layout);
        }
    }

    /// V2: `election.json` decodes (§8.8), the manifest is valid, its fingerprint is the index's, and the
    /// index's paths are exactly §14.1's layout for this manifest.
    pub fn v2(&mut self, report: &mut Report) {
        let Some(files) = &self.files else {
            return report.not_run(Check::V2, &[Check::V1]);
        };
        let r = report.run(Check::V2, || {
            let params: protocol::election::ElectionParameters = parse_json(ELECTION_PATH, files.get(ELECTION_PATH)?)?;
            let election = params.election().map_err(|e| format!("{ELECTION_PATH}: {e}"))?;
            check_pinned(self.pinned.as_ref(), &election)?;
            let index = files.index.as_ref().ok_or("no index")?;
            if index.fingerprint != *election.fingerprint() {
                return Err(format!(
                    "{ELECTION_PATH} gives fingerprint {}, the index says {}",
                    election.fingerprint().to_hex(),
                    index.fingerprint.to_hex()
                ));
            }
            let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
            let layout = check_layout(election.manifest(), &paths).map_err(|e| format!("layout (§14.1): {e}"))?;
            let m = election.manifest();
            let note = format!(
                "election `{}`, fingerprint {}, {} contests, {} mix stages, threshold {} of {}",
                m.election_id,
                election.fingerprint().to_hex(),
                m.contests.len(),
                m.mix_stages(),
                m.trustees.threshold,
                m.trustees.count
            );
            Ok(((election, layout), note))
        });
        if let Some((election, layout)) = r {
            self.election = Some(election);
            self.layout = Some(layout);
        }
    }

    /// V3: §10.10 KC2–KC6 on `ceremony/`; (K9) equals `election.json`'s key.
    pub fn v3(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(layout)) = (&self.files, &self.election, &self.layout) else {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V3, &w);
        };
        self.ceremony = report.run(Check::V3, || {
            let params = CeremonyParams::from_manifest(election.manifest()).map_err(|e| e.to_string())?;
            // The record's ceremony files, named as in the ceremony's directory, for the one parser of them.
            let mut named = Vec::new();
            for (k, kind) in CEREMONY_KINDS.iter().enumerate() {
                if k == protocol::record::CLOSED_KINDS {
                    let close = files.get(protocol::record::CLOSE_PATH)?;
                    named.push((protocol::threshold::ceremony::CLOSE_FILE.to_string(), close.to_vec()));
                }
                for &j in layout.ceremony.get(k).map(Vec::as_slice).unwrap_or_default() {
                    let path = protocol::record::ceremony_path(kind, j);
                    named.push((format!("{kind}-{j}.json"), files.get(&path)?.to_vec()));
                }
            }
            let ceremony = th::CeremonyFiles::parse(&named).map_err(|e| format!("ceremony/{e}"))?;
            let outcome = th::verify_ceremony(&params, &ceremony).map_err(|e| format!("ceremony (C1–C11): {e}"))?;
            let roster = outcome.roster.clone();
            if outcome.election_key != *election.public_key() {
                return Err(format!(
                    "the ceremony gives election key {} (K9), {ELECTION_PATH} has {}",
                    hex::encode(outcome.election_key.to_bytes()),
                    hex::encode(election.public_key().to_bytes())
                ));
            }
            let mut notes = vec![crate::ceremony::roster_note(&roster)];
            notes.extend(crate::ceremony::outcome_notes(&outcome));
            Ok(((params, roster, outcome), notes.join("\n")))
        });
    }

    /// V4: `ballot-box.json` decodes (§11.5; each credential decodes, B0), its registry is the one the manifest
    /// names (L9: sorted by bytes without repeats, count and digest of eq. (4.5-1)).
    pub fn v4(&mut self, report: &mut Report) {
        let (Some(files), Some(election)) = (&self.files, &self.election) else {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V4, &w);
        };
        let mut decoded = None;
        let registry = report.run(Check::V4, || {
            let b: BallotBox = parse_json(BALLOT_BOX_PATH, files.get(BALLOT_BOX_PATH)?)?;
            let verdict = b.check_registry(election).map_err(|e| format!("{BALLOT_BOX_PATH}: {e}"));
            let note = format!(
                "{} credentials, registry digest {}, as the manifest names",
                b.credentials.len(),
                hex::encode(registry_digest(&b.credentials))
            );
            decoded = Some(b);
            verdict.map(|()| ((), note))
        });
        self.registry_sorted = registry.is_some();
        self.ballot_box = decoded;
    }

    /// V5: L7 on the box (which refuses a ballot id that appears twice, §11.7, a ballot accepted outside the
    /// voting period, times that go back, and a final head older than the last ballot), and the box's election is
    /// `election.json`'s.
    pub fn v5(&mut self, report: &mut Report) {
        let (Some(election), Some(bbox)) = (&self.election, &self.ballot_box) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ballot_box.is_some(), Check::V4),
            ]);
            return report.not_run(Check::V5, &w);
        };
        self.ballots = report.run(Check::V5, || {
            if bbox.election != election.parameters() {
                return Err(format!("{BALLOT_BOX_PATH}: the box's election (manifest, key) is not {ELECTION_PATH}'s"));
            }
            let ballots = bbox.check_log(election).map_err(|e| format!("{BALLOT_BOX_PATH}: {e}"))?;
            let head = &bbox.final_tree_head;
            let period = election.manifest().voting_period;
            let times = match (ballots.first(), ballots.last()) {
                (Some(first), Some(last)) => format!("accepted {} … {} s", first.accepted_at, last.accepted_at),
                _ => "none accepted".to_string(),
            };
            let note = format!(
                "{} ballots, {times}, inside the voting period {} … {} s; final head: size {}, root {}; signed by the \
                 collector key {} the manifest names",
                ballots.len(),
                period.opens_at,
                period.closes_at,
                head.tree_size,
                hex::encode(head.root),
                hex::encode(bbox.collector_key)
            );
            Ok((ballots, note))
        });
    }

    /// V6: R1 recomputed equals `tally/rejected.json`.
    pub fn v6(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(bbox), Some(ballots), true) =
            (&self.files, &self.election, &self.ballot_box, &self.ballots, self.registry_sorted)
        else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.registry_sorted, Check::V4),
                (self.ballots.is_some(), Check::V5),
            ]);
            return report.not_run(Check::V6, &w);
        };
        let bar = report.bar(ballots.len() as u64, "V6 ballot signatures and proofs");
        let rejected = report.run_keep(Check::V6, || {
            let mut recomputed = RejectedFile::default();
            for chunk in ballots.chunks(BALLOTS_PER_STEP) {
                recomputed.rejected.extend(tally::check(election, &bbox.credentials, chunk, &mut OsRng).rejected);
                bar.inc(chunk.len() as u64);
            }
            bar.finish_and_clear();
            let verdict = parse_json::<RejectedFile>(REJECTED_PATH, files.get(REJECTED_PATH).unwrap_or_default())
                .and_then(|claimed| compare_list(REJECTED_PATH, &claimed.rejected, &recomputed.rejected))
                .map(|()| format!("{} ballots checked, {} refused", ballots.len(), recomputed.rejected.len()));
            (recomputed, verdict)
        });
        self.rejected = Some(rejected);
    }

    /// V7: R2 recomputed equals `tally/superseded.json`.
    pub fn v7(&mut self, report: &mut Report) {
        let (Some(files), Some(ballots), Some(rejected)) = (&self.files, &self.ballots, &self.rejected) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.ballots.is_some(), Check::V5),
                (self.rejected.is_some(), Check::V6),
            ]);
            return report.not_run(Check::V7, &w);
        };
        let counted = report.run_keep(Check::V7, || {
            let (recomputed, counted) = tally::squash(ballots, rejected);
            let verdict = parse_json::<SupersededFile>(SUPERSEDED_PATH, files.get(SUPERSEDED_PATH).unwrap_or_default())
                .and_then(|claimed| compare_list(SUPERSEDED_PATH, &claimed.superseded, &recomputed.superseded))
                .map(|()| format!("{} superseded, {} credentials counted", recomputed.superseded.len(), counted.len()));
            (counted, verdict)
        });
        self.counted = Some(counted);
    }

    /// V8: the revocation list holds (§14.2) and R3 recomputed equals `tally/revoked.json`.
    pub fn v8(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(ballots), Some(counted)) =
            (&self.files, &self.election, &self.ballots, &self.counted)
        else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ballots.is_some(), Check::V5),
                (self.counted.is_some(), Check::V7),
            ]);
            return report.not_run(Check::V8, &w);
        };
        let mut remaining = None;
        report.run(Check::V8, || {
            let list: RevocationList = parse_json(REVOCATIONS_PATH, files.get(REVOCATIONS_PATH)?)?;
            list.verify(election.fingerprint(), &election.manifest().roles)
                .map_err(|e| format!("{REVOCATIONS_PATH}: {e}"))?;
            let (recomputed, left) = tally::revoke(ballots, counted, &list.credentials);
            remaining = Some(left);
            let claimed: RevokedFile = parse_json(REVOKED_PATH, files.get(REVOKED_PATH)?)?;
            compare_list(REVOKED_PATH, &claimed.revoked, &recomputed.revoked)?;
            let note = format!(
                "{} credentials revoked, {} ballots removed; signed by the officials' key {} the manifest names",
                list.credentials.len(),
                recomputed.revoked.len(),
                hex::encode(list.officials_key)
            );
            Ok(((), note))
        });
        self.remaining = remaining;
    }

    /// V9: R4 recomputed equals every `contest-C/input.list`, byte for byte.
    pub fn v9(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(ballots), Some(remaining)) =
            (&self.files, &self.election, &self.ballots, &self.remaining)
        else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ballots.is_some(), Check::V5),
                (self.remaining.is_some(), Check::V8),
            ]);
            return report.not_run(Check::V9, &w);
        };
        let inputs = report.run_keep(Check::V9, || {
            if remaining.is_empty() {
                return (Vec::new(), Err("no ballot remains after R1–R3: there is nothing to tally (R4)".into()));
            }
            let Some(lists) = tally::anonymize(election, ballots, remaining) else {
                let most = election.manifest().contests.iter().map(|c| c.chunks()).max().unwrap_or(0);
                let why = if remaining.len().saturating_mul(most) > protocol::limits::MAX_CIPHERTEXTS {
                    format!(
                        "{} remaining ballots × {most} chunks: more ciphertexts than one list may hold ({}, §9.1.1)",
                        remaining.len(),
                        protocol::limits::MAX_CIPHERTEXTS
                    )
                } else {
                    "a remaining ballot does not have the manifest's shape".to_string()
                };
                return (Vec::new(), Err(why));
            };
            let mut problems = Vec::new();
            let mut kept = Vec::new();
            for (c, list) in lists.into_iter().enumerate() {
                let path = input_path(c);
                let ours = list.to_bytes();
                let theirs = files.get(&path).unwrap_or_default();
                if ours == theirs {
                    kept.push(Some(list));
                } else {
                    problems.push(describe_list_difference(&path, theirs, &ours, list.width()));
                    kept.push(None);
                }
            }
            let verdict = if problems.is_empty() {
                Ok(format!("{} rows per contest", remaining.len()))
            } else {
                Err(problems.join("\n"))
            };
            (kept, verdict)
        });
        self.inputs = inputs;
    }

    /// V10: for every contest, `mix_stages` stages, each list decodes with the contest's width (§9.4 SV0), each
    /// proof verifies (§9.4) against the previous list.
    pub fn v10(&mut self, report: &mut Report) {
        let (Some(files), Some(election)) = (&self.files, &self.election) else {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V10, &w);
        };
        let manifest = election.manifest();
        let stages = manifest.mix_stages();
        let bar = report.bar(manifest.contests.len() as u64 * u64::from(stages), "V10 proofs of shuffle");
        let mut inputs = std::mem::take(&mut self.inputs);
        let last = report.run_keep_typed(Check::V10, || {
            let mut problems = Vec::new();
            let mut last = Vec::new();
            let mut rows = 0usize;
            for c in 0..manifest.contests.len() {
                let read = |part: Part| -> crate::chain::Read<'_> {
                    let path = match part {
                        Part::Input => input_path(c),
                        Part::List(k) => stage_list_path(c, k),
                        Part::Proof(k) => stage_proof_path(c, k),
                        Part::Signature(k) => stage_signature_path(c, k),
                    };
                    let bytes =
                        files.get(&path).map_err(|reason| ChainFailure::Unreadable { file: path.clone(), reason })?;
                    Ok((path, Cow::Borrowed(bytes)))
                };
                let input = inputs.get_mut(c).and_then(Option::take);
                let checked = crate::chain::check_contest(election, c, stages, input, &read, &|| bar.inc(1));
                rows = checked.rows;
                problems.extend(checked.failures);
                if let Some(list) = checked.last {
                    last.push(list);
                }
            }
            bar.finish_and_clear();
            let complete = last.len() == manifest.contests.len();
            let verdict = if problems.is_empty() {
                Ok(format!(
                    "{} contests × {stages} stages verified, {rows} rows in the last contest",
                    manifest.contests.len()
                ))
            } else {
                Err(Failure::Chain(problems))
            };
            (complete.then_some(last), verdict)
        });
        self.last_lists = last;
    }

    /// Decodes `contest-C/plaintexts.list` once.
    fn plaintexts(&mut self, c: usize) -> Result<&PlaintextList, String> {
        let files = self.files.as_ref();
        self.plaintexts
            .entry(c)
            .or_insert_with(|| {
                let path = plaintexts_path(c);
                let bytes = files.ok_or("no record")?.get(&path)?;
                PlaintextList::from_bytes(bytes).map_err(|e| format!("{path} does not decode: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// V11: every partial decryption decodes, is its file's trustee's, that trustee is qualified (C12), for the
    /// last stage's list (C13), its proof verifies (C14, batched); at least `t`; (K13) over the `t` smallest
    /// indices equals `plaintexts.list`.
    pub fn v11(&mut self, report: &mut Report) {
        let ready =
            self.files.is_some() && self.election.is_some() && self.ceremony.is_some() && self.last_lists.is_some();
        if !ready {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ceremony.is_some(), Check::V3),
                (self.last_lists.is_some(), Check::V10),
            ]);
            return report.not_run(Check::V11, &w);
        }
        let contests = self.manifest().map_or(0, |m| m.contests.len());
        // Decode the claimed plaintexts first (the cache needs `&mut self`).
        for c in 0..contests {
            let _ = self.plaintexts(c);
        }
        let (Some(files), Some(election), Some((params, roster, outcome)), Some(lists), Some(layout)) =
            (&self.files, &self.election, &self.ceremony, &self.last_lists, &self.layout)
        else {
            return report.not_run(Check::V11, &[Check::V10]);
        };
        let plaintexts = &self.plaintexts;
        report.run(Check::V11, || {
            let mut problems = Vec::new();
            let mut used = Vec::new();
            for (c, last) in lists.iter().enumerate() {
                let mut partials = Vec::new();
                let none = Vec::new();
                for &j in layout.partials.get(c).unwrap_or(&none) {
                    let path = partial_path(c, j);
                    let decoded = files.get(&path).and_then(|b| {
                        Signed::<PartialDecryption>::from_bytes(b).map_err(|e| format!("{path} does not decode: {e}"))
                    });
                    match decoded {
                        Err(e) => problems.push(format!("contest {c}: {e}")),
                        Ok(p) if p.message.trustee != j => {
                            problems.push(format!("contest {c}: {path} holds trustee {}'s partial decryption", p.message.trustee))
                        }
                        Ok(_) if !outcome.qualified.contains(&j) => {
                            problems.push(format!("contest {c}: {path}: trustee {j} is not qualified (C12)"))
                        }
                        Ok(p) => partials.push(p),
                    }
                }
                let fingerprint = election.fingerprint();
                let verified = match th::verify_partial_decryptions(params, fingerprint, roster, outcome, last, partials, &mut OsRng) {
                    Ok(v) => v,
                    Err(e) => {
                        problems.push(format!("contest {c}: {e}"));
                        continue;
                    }
                };
                for e in &verified.rejected {
                    problems.push(format!("contest {c}: {e} (C12–C14)"));
                }
                let combined = match th::combine(params, &verified, last) {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(format!("contest {c}: {e}"));
                        continue;
                    }
                };
                let mut chosen = verified.trustees();
                chosen.sort_unstable();
                chosen.truncate(usize::from(params.t));
                match plaintexts.get(&c) {
                    Some(Ok(claimed)) if *claimed == combined => used.push(format!("contest {c}: trustees {chosen:?}")),
                    Some(Ok(claimed)) => {
                        let w = combined.width.max(1) as usize;
                        let row = (0..claimed.points.len().max(combined.points.len()))
                            .find(|&i| claimed.points.get(i) != combined.points.get(i))
                            .map_or(0, |i| i / w);
                        problems.push(format!(
                            "contest {c}: {} is not the combination (K13) of trustees {chosen:?}: first difference at row {row}",
                            plaintexts_path(c)
                        ))
                    }
                    Some(Err(e)) => problems.push(format!("contest {c}: {e}")),
                    None => problems.push(format!("contest {c}: {} not read", plaintexts_path(c))),
                }
            }
            if problems.is_empty() {
                Ok(((), used.join("; ")))
            } else {
                Err(problems.join("\n"))
            }
        });
    }

    /// V12: R5 recomputed from each `plaintexts.list` equals `answers.json`.
    pub fn v12(&mut self, report: &mut Report) {
        if self.files.is_none() || self.election.is_none() {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V12, &w);
        }
        let contests = self.manifest().map_or(0, |m| m.contests.len());
        for c in 0..contests {
            let _ = self.plaintexts(c);
        }
        let (Some(files), Some(election)) = (&self.files, &self.election) else {
            return report.not_run(Check::V12, &[Check::V2]);
        };
        let plaintexts = &self.plaintexts;
        let mut answers = Some(Vec::new());
        report.run(Check::V12, || {
            let mut problems = Vec::new();
            let mut total = 0usize;
            for (c, contest) in election.manifest().contests.iter().enumerate() {
                let path = answers_path(c);
                let claimed = files.get(&path).and_then(|b| parse_json::<AnswersFile>(&path, b));
                let claimed = match claimed {
                    Ok(a) => a,
                    Err(e) => {
                        answers = None;
                        problems.push(e);
                        continue;
                    }
                };
                match plaintexts.get(&c) {
                    Some(Ok(plain)) => {
                        let recomputed = tally::decode(contest, plain);
                        total += recomputed.answers.len();
                        if claimed.contest != recomputed.contest {
                            problems.push(format!(
                                "{path}: contest `{}`, the manifest's is `{}`",
                                claimed.contest, recomputed.contest
                            ));
                        } else if let Err(e) = compare_list(&path, &claimed.answers, &recomputed.answers) {
                            problems.push(e);
                        }
                    }
                    Some(Err(e)) => problems.push(format!("contest {c}: {e}")),
                    None => problems.push(format!("contest {c}: {} not read", plaintexts_path(c))),
                }
                if let Some(a) = answers.as_mut() {
                    a.push(claimed);
                }
            }
            if problems.is_empty() {
                Ok(((), format!("{total} answers decoded")))
            } else {
                Err(problems.join("\n"))
            }
        });
        self.answers = answers;
    }

    /// V13: R6 recomputed from the record's answers equals `result.json`.
    pub fn v13(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(answers)) = (&self.files, &self.election, &self.answers) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.answers.is_some(), Check::V12),
            ]);
            return report.not_run(Check::V13, &w);
        };
        report.run(Check::V13, || {
            let claimed: ResultFile = parse_json(RESULT_PATH, files.get(RESULT_PATH)?)?;
            let recomputed = tally::count(election, answers);
            if claimed.format != recomputed.format {
                return Err(format!("{RESULT_PATH}: format `{}`, expected `{}`", claimed.format, recomputed.format));
            }
            if claimed.fingerprint != recomputed.fingerprint {
                return Err(format!("{RESULT_PATH}: the fingerprint is another election's"));
            }
            compare_list(RESULT_PATH, &claimed.contests, &recomputed.contests)?;
            let elected: Vec<String> =
                recomputed.contests.iter().map(|r| format!("{}: {}", r.contest, compact(&r.elected))).collect();
            Ok(((), format!("elected — {}", elected.join("; "))))
        });
    }
}

/// The record is of the pinned election, if one was pinned.
fn check_pinned(pinned: Option<&Fingerprint>, election: &Election) -> Result<(), String> {
    match pinned {
        Some(p) if p != election.fingerprint() => Err(format!(
            "the record is of election fingerprint {}, not the pinned {} (--fingerprint): another election",
            election.fingerprint().to_hex(),
            p.to_hex()
        )),
        _ => Ok(()),
    }
}

/// Lists every file under `dir` (relative, `/`-separated) into `out`; links, special files and directories that
/// hold no file are errors (SPEC.md §1.2: a record directory holds exactly the index's files).
fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            return Err(format!("{}: a file name is not UTF-8", dir.display()));
        };
        let rel = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        let kind = entry.file_type().map_err(|e| format!("`{rel}`: {e}"))?;
        if kind.is_dir() {
            let before = out.len();
            walk(&entry.path(), &rel, out)?;
            if out.len() == before {
                return Err(format!("`{rel}/` is a directory without files: not in the index"));
            }
        } else if kind.is_file() {
            out.push(rel);
        } else {
            return Err(format!("`{rel}` is not a regular file or directory (links are not allowed)"));
        }
    }
    Ok(())
}

/// Where an encoded list differs from the recomputed one: its header, or the first row that differs.
fn describe_list_difference(path: &str, theirs: &[u8], ours: &[u8], width: usize) -> String {
    let header = |b: &[u8]| -> Option<(u32, u32)> {
        Some((u32::from_be_bytes(b.get(0..4)?.try_into().ok()?), u32::from_be_bytes(b.get(4..8)?.try_into().ok()?)))
    };
    match (header(theirs), header(ours)) {
        (Some(t), Some(o)) if t != o => {
            format!("{path}: {} rows of width {}, R4 gives {} rows of width {}", t.0, t.1, o.0, o.1)
        }
        (None, _) => format!("{path}: shorter than a list header"),
        _ => {
            let at = theirs.iter().zip(ours).position(|(a, b)| a != b).unwrap_or(theirs.len().min(ours.len()));
            let row = at.saturating_sub(8) / (64 * width.max(1));
            format!("{path} differs from R4 recomputed: first at row {row} (byte {at})")
        }
    }
}

/// `verifier receipt RECEIPT RECORD`: V1, V2, V4, V5 on the record, then RC1–RC5 (SPEC.md §14.4). With
/// `pinned`, V2 fails unless the record is of that election.
pub fn verify_receipt(receipt_path: &Path, dir: &Path, pinned: Option<&Fingerprint>, progress: bool) -> Report {
    let mut report =
        Report::new(format!("receipt {} against record {}", receipt_path.display(), dir.display()), progress);
    let mut s = State { pinned: pinned.copied(), ..State::default() };
    s.v1(dir, &mut report);
    s.v2(&mut report);
    s.v4(&mut report);
    s.v5(&mut report);
    let receipt: Option<Receipt> = report.run(Check::RC1, || {
        let r = parse_receipt_file(&receipt_path.display().to_string(), &read_file(receipt_path)?)?;
        let note = format!("ballot {} at leaf {}, tree size {}", r.ballot_id.to_hex(), r.leaf_index, r.tree_size);
        Ok((r, note))
    });
    let (Some(receipt), Some(election), Some(_)) = (receipt, &s.election, &s.ballot_box) else {
        let mut w = waits(&[(s.election.is_some(), Check::V2), (s.ballot_box.is_some(), Check::V4)]);
        if w.is_empty() {
            w.push(Check::RC1);
        }
        for check in [Check::RC2, Check::RC3, Check::RC4, Check::RC5] {
            report.not_run(check, &w);
        }
        return report;
    };
    report.run(Check::RC2, || {
        let key = &election.manifest().roles.collector_key;
        receipt.verify(key.verifying_key(), election.fingerprint()).map_err(|e| e.to_string())?;
        Ok(((), format!("signed by the collector key {} the manifest names", key.to_hex())))
    });
    let Some(ballots) = &s.ballots else {
        for check in [Check::RC3, Check::RC4, Check::RC5] {
            report.not_run(check, &[Check::V5]);
        }
        return report;
    };
    let leaf_ok = report.run(Check::RC3, || {
        let b = usize::try_from(receipt.leaf_index)
            .ok()
            .and_then(|i| ballots.get(i))
            .ok_or_else(|| format!("the box has {} ballots, no leaf {}", ballots.len(), receipt.leaf_index))?;
        if b.ballot.id() == receipt.ballot_id && b.hash == receipt.ballot_hash && b.accepted_at != receipt.accepted_at {
            return Err(format!(
                "leaf {} of the box holds this ballot accepted at {} s, the receipt says {} s",
                receipt.leaf_index, b.accepted_at, receipt.accepted_at
            ));
        }
        if b.leaf_hash() != receipt.leaf_hash() {
            return Err(format!(
                "leaf {} of the box holds another ballot ({})",
                receipt.leaf_index,
                b.ballot.id().to_hex()
            ));
        }
        Ok(((), format!("leaf {}", receipt.leaf_index)))
    });
    report.run(Check::RC4, || {
        let mut tree = LogTree::new();
        for b in ballots {
            tree.push(b.leaf_hash());
        }
        match tree.root(receipt.tree_size) {
            Some(root) if root == receipt.root => {
                Ok(((), format!("the first {} of {} leaves give the receipt's root", receipt.tree_size, tree.len())))
            }
            Some(_) => {
                Err(format!("the box's first {} leaves do not give the receipt's root (a fork)", receipt.tree_size))
            }
            None => Err(format!(
                "the receipt's tree has {} leaves, the box only {} (truncated)",
                receipt.tree_size,
                tree.len()
            )),
        }
    });
    if leaf_ok.is_none() {
        report.not_run(Check::RC5, &[Check::RC3]);
        return report;
    }
    let Some(files) = &s.files else {
        report.not_run(Check::RC5, &[Check::V1]);
        return report;
    };
    let fate = report.run(Check::RC5, || {
        let leaf = receipt.leaf_index;
        let rejected: RejectedFile = parse_json(REJECTED_PATH, files.get(REJECTED_PATH)?)?;
        let superseded: SupersededFile = parse_json(SUPERSEDED_PATH, files.get(SUPERSEDED_PATH)?)?;
        let revoked: RevokedFile = parse_json(REVOKED_PATH, files.get(REVOKED_PATH)?)?;
        let verdict = match tally::fate(leaf, &rejected, &superseded, &revoked) {
            tally::Fate::Refused(reason) => {
                receipt_verdict("refused", format!("REFUSED: the tally refused this ballot ({reason})"), 5)
            }
            tally::Fate::Superseded { by } => {
                let id = usize::try_from(by).ok().and_then(|i| ballots.get(i)).map(|b| b.ballot.id().to_hex());
                receipt_verdict(
                    "superseded",
                    format!(
                        "SUPERSEDED by ballot {} at leaf {by}: a later vote with the same credential counts instead",
                        id.unwrap_or_else(|| "?".into())
                    ),
                    3,
                )
            }
            tally::Fate::Revoked => {
                receipt_verdict("revoked", "REVOKED: the voter voted on paper, so no e-vote of theirs counts".into(), 4)
            }
            tally::Fate::Counted => receipt_verdict(
                "counted",
                format!("COUNTED: ballot {} entered the tally", receipt.ballot_id.to_hex()),
                0,
            ),
        };
        let note = format!("{}, as the record's tally files say; `verifier verify` checks them", verdict.headline);
        Ok((verdict, note))
    });
    report.verdict = fate;
    report
}

/// What became of the receipt's ballot; the exit status of `verifier receipt` says it too (0 counted, 3
/// superseded, 4 revoked, 5 refused; 1 a check failed).
fn receipt_verdict(code: &'static str, headline: String, exit_status: u8) -> Verdict {
    Verdict { code, headline, exit_status }
}

/// The file the voting page offers after casting (SPEC.md §11.3): `{"receipt", "tracker", "ballot_id"}`, or the
/// collector's receipt alone. The page's extra fields must agree with the receipt.
fn parse_receipt_file(what: &str, bytes: &[u8]) -> Result<Receipt, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PageFile {
        receipt: Receipt,
        tracker: String,
        ballot_id: protocol::BallotId,
    }
    let value: serde_json::Value = parse_json(what, bytes)?;
    if value.get("receipt").is_none() {
        return parse_json(what, bytes);
    }
    let file: PageFile = parse_json(what, bytes)?;
    let id = file.receipt.ballot_id;
    let tracker = id.tracker();
    if file.ballot_id != id || file.tracker != tracker {
        return Err(format!(
            "{what}: the file's ballot_id and tracker ({}, {}) are not those of its receipt ({}, {tracker})",
            file.ballot_id.to_hex(),
            file.tracker,
            id.to_hex()
        ));
    }
    Ok(file.receipt)
}

/// `verifier consistency --collector-key HEX OLD NEW PROOF`: CS1 the files decode, CS2 both heads verify under
/// the key and carry the same fingerprint (L1, L6), CS3 the proof links them (L4).
pub fn verify_consistency(
    collector_key: &str,
    fingerprint: Option<&str>,
    old: &Path,
    new: &Path,
    proof: &Path,
    progress: bool,
) -> Report {
    use protocol::log::SignedTreeHead;
    let mut report = Report::new(format!("consistency of {} → {}", old.display(), new.display()), progress);
    type Decoded = (ed25519_key::Key, SignedTreeHead, SignedTreeHead, protocol::log::ConsistencyProof);
    let decoded: Option<Decoded> = report.run(Check::CS1, || {
        let key = ed25519_key::decode(collector_key)?;
        let o: SignedTreeHead = parse_json(&old.display().to_string(), &read_file(old)?)?;
        let n: SignedTreeHead = parse_json(&new.display().to_string(), &read_file(new)?)?;
        let p: protocol::log::ConsistencyProof = parse_json(&proof.display().to_string(), &read_file(proof)?)?;
        let note = format!("sizes {} → {}, {} proof hashes", o.tree_size, n.tree_size, p.path.len());
        Ok(((key, o, n, p), note))
    });
    let Some((key, o, n, p)) = decoded else {
        report.not_run(Check::CS2, &[Check::CS1]);
        report.not_run(Check::CS3, &[Check::CS1]);
        return report;
    };
    report.run(Check::CS2, || {
        let expected = match fingerprint {
            Some(hex_fp) => {
                let bytes = protocol::group::hex_array(hex_fp, "fingerprint").map_err(|e| e.to_string())?;
                protocol::Fingerprint(bytes)
            }
            None => o.fingerprint,
        };
        o.verify(&key.0, &expected).map_err(|e| format!("{}: {e}", old.display()))?;
        n.verify(&key.0, &expected).map_err(|e| format!("{}: {e}", new.display()))?;
        Ok(((), format!("election fingerprint {}", expected.to_hex())))
    });
    report.run(Check::CS3, || {
        if p.first != o.tree_size || p.second != n.tree_size {
            return Err(format!(
                "the proof is for sizes {} → {}, the heads are {} → {}",
                p.first, p.second, o.tree_size, n.tree_size
            ));
        }
        protocol::log::verify_consistency(o.tree_size, n.tree_size, &o.root, &n.root, &p.path)
            .map_err(|e| e.to_string())?;
        Ok(((), format!("the tree of {} leaves extends the tree of {}", n.tree_size, o.tree_size)))
    });
    report
}

mod ed25519_key {
    /// The collector's verifying key, decoded and checked (not of small order).
    #[derive(Debug)]
    pub struct Key(pub ed25519_dalek::VerifyingKey);

    pub fn decode(hex_key: &str) -> Result<Key, String> {
        let bytes =
            protocol::group::hex_array(hex_key, "collector key").map_err(|e| format!("--collector-key: {e}"))?;
        protocol::credential::decode_verifying_key(&bytes, "collector key")
            .map(Key)
            .map_err(|e| format!("--collector-key: {e}"))
    }
}

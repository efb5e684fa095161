//! `verifier verify RECORD`: the whole election record, checks V1–V13 of SPEC.md §14.4, in order.
//!
//! V1 reads every file the index lists, once, and keeps the bytes it hashed, but for a directory's mix-stage lists
//! and proofs, which it hashes in pieces and keeps open: V10 reads those again in chunks, hashing them, and fails
//! one whose SHA-256 is no longer V1's. So what is verified is exactly what was hashed, and no check holds a
//! stage's files whole. Each check declares the inputs it reads (the "needs" column of
//! §14.4); when one is missing because the check that provides it failed or did not run, the check is reported
//! as not run, naming that check. Recomputed artefacts (R1–R4 of §14.3) flow to the next step whether or not
//! the record's copy matched, so one report names every independent fault. Each list is decoded once: stage
//! `K`'s output list is the input of stage `K + 1`'s proof and, for the last stage, the list V11 decrypts
//! (converted in memory to the threshold crate's list type, same encoding). Nothing here panics on any input.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use protocol::ballot_box::{Ballots, BoxBallot, RegistryKeys, StreamedBox};
use protocol::codec::Encode;
use protocol::fingerprint::Fingerprint;
use protocol::log::{LogTree, Receipt};
use protocol::manifest::Manifest;
use protocol::record::{
    answers_path, check_layout, file_digest, input_path, partial_path, plaintexts_path, stage_list_path,
    stage_proof_path, stage_signature_path, Layout, RecordIndex, RevocationList, BALLOT_BOX_PATH, CEREMONY_KINDS,
    ELECTION_PATH, INDEX_PATH, REJECTED_PATH, RESULT_PATH, REVOCATIONS_PATH, REVOKED_PATH, SUPERSEDED_PATH,
};
use protocol::roles::StageDigests;
use protocol::shuffle::CiphertextList;
use protocol::tally::{
    self, AnswersFile, RejectedFile, ResultFile, RevokedFile, SupersededFile, Turnout, RESULT_FORMATS,
};
use protocol::threshold::ceremony::Roster;
use protocol::threshold::{self as th, CeremonyOutcome, CeremonyParams};
use protocol::Election;
use rand::rngs::OsRng;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::chain::{ChainFailure, Part};
use crate::report::{
    BallotFailure, Check, CheckResult, ElectionFailure, Failure, FileFailure, InputDifference, KeysFailure,
    ListDifference, RecordFailure, Report, ResultFailure, Verdict,
};

mod ballots;
mod consistency;
#[cfg(unix)]
pub mod early;
mod files;
mod keys;
mod mix;
pub mod parts;
mod receipt;
mod results;

pub use consistency::verify_consistency;
pub use receipt::verify_receipt;

use crate::files::map_each;
pub use crate::files::{read_file, RecordSource, MAX_FILE_BYTES};

/// Ballots checked between two steps of V6's progress bar.
const BALLOTS_PER_STEP: usize = 8192;

fn parse_json<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, FileFailure> {
    serde_json::from_slice(bytes)
        .map_err(|e| FileFailure::Undecodable { path: path.to_string(), reason: e.to_string() })
}

fn compact<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<{e}>"))
}

/// Compares a list the record claims with the recomputed one; the difference names the file, the first differing
/// entry and both values.
fn compare_list<T: PartialEq + Serialize>(file: &str, claimed: &[T], recomputed: &[T]) -> Result<(), ListDifference> {
    let mut comparison = ListComparison::new(claimed);
    comparison.next(recomputed);
    comparison.finish(file)
}

/// A list the record claims, entry by entry: a slice, or a unit's answers (each distinct answer held once).
trait Claimed<T> {
    fn entry(&self, i: usize) -> Option<&T>;
    fn entries(&self) -> usize;
}

impl<T> Claimed<T> for [T] {
    fn entry(&self, i: usize) -> Option<&T> {
        self.get(i)
    }
    fn entries(&self) -> usize {
        self.len()
    }
}

impl Claimed<tally::DecodedAnswer> for tally::Answers {
    fn entry(&self, i: usize) -> Option<&tally::DecodedAnswer> {
        self.get(i)
    }
    fn entries(&self) -> usize {
        self.len()
    }
}

/// [`compare_list`] with the recomputed list given in consecutive pieces ([`ListComparison::next`]), none held
/// after it is compared: the first differing entry, past either end included.
struct ListComparison<'a, T, L: ?Sized = [T]> {
    claimed: &'a L,
    /// Recomputed entries compared so far.
    seen: usize,
    /// The first difference found: its position and the recomputed entry there, shown.
    first: Option<(usize, String)>,
    entries: std::marker::PhantomData<T>,
}

impl<'a, T: PartialEq + Serialize, L: ?Sized + Claimed<T>> ListComparison<'a, T, L> {
    fn new(claimed: &'a L) -> Self {
        ListComparison { claimed, seen: 0, first: None, entries: std::marker::PhantomData }
    }

    /// Compares the next recomputed entries with the claimed ones at their places.
    fn next(&mut self, recomputed: &[T]) {
        if self.first.is_none() {
            if let Some(i) = (0..recomputed.len()).find(|&i| self.claimed.entry(self.seen + i) != recomputed.get(i)) {
                self.first = Some((self.seen + i, recomputed.get(i).map_or_else(String::new, compact)));
            }
        }
        self.seen += recomputed.len();
    }

    /// The first difference, once every recomputed entry was given.
    fn finish(self, file: &str) -> Result<(), ListDifference> {
        let first = match self.first {
            Some(found) => Some(found),
            // Every recomputed entry equals its claimed one: the claimed list may go on.
            None => (self.claimed.entries() > self.seen).then(|| (self.seen, "nothing".to_string())),
        };
        match first {
            None => Ok(()),
            Some((entry, ours)) => Err(ListDifference {
                file: file.to_string(),
                claimed: self.claimed.entries(),
                recomputed: self.seen,
                entry,
                theirs: self.claimed.entry(entry).map_or_else(|| "nothing".to_string(), compact),
                ours,
            }),
        }
    }
}

/// Which of `(available, provider)` are missing: the checks a check not run waits for.
fn waits(inputs: &[(bool, Check)]) -> Vec<Check> {
    let mut missing: Vec<Check> = inputs.iter().filter(|(ok, _)| !ok).map(|(_, c)| *c).collect();
    missing.dedup();
    missing
}

/// The files of the record, as V1 read and hashed them: held whole, or (a directory's input, mix-stage lists and proofs,
/// [`crate::files::read_in_chunks`]) kept open with the SHA-256 V1 computed, and read again in chunks by V10, which
/// hashes what it reads and fails a file whose bytes are no longer those V1 hashed.
#[derive(Debug, Default)]
pub struct Files {
    index: Option<RecordIndex>,
    /// `index.json` as read (empty before decryption, when there is no index).
    index_bytes: Vec<u8>,
    bytes: BTreeMap<String, Vec<u8>>,
    open: BTreeMap<String, crate::files::OpenFile>,
}

impl Files {
    /// The record's index, as V1 decoded it (`None` before decryption).
    pub fn index(&self) -> Option<&RecordIndex> {
        self.index.as_ref()
    }

    /// `index.json`'s bytes, as V1 read them.
    pub fn index_bytes(&self) -> &[u8] {
        &self.index_bytes
    }

    /// Files as V1 read them, by path: held whole, or kept open.
    fn from_contents(contents: impl IntoIterator<Item = (String, crate::files::Content)>) -> Self {
        let mut files = Files::default();
        for (path, content) in contents {
            match content {
                crate::files::Content::Bytes(b) => files.bytes.insert(path, b).map(|_| ()),
                crate::files::Content::Open(f) => files.open.insert(path, f).map(|_| ()),
            };
        }
        files
    }

    /// Whether V1 read a file at `path`.
    pub fn has(&self, path: &str) -> bool {
        self.bytes.contains_key(path) || self.open.contains_key(path)
    }

    /// Every file's path, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        let mut paths: Vec<&str> = self.bytes.keys().chain(self.open.keys()).map(String::as_str).collect();
        paths.sort_unstable();
        paths.into_iter()
    }

    /// The bytes V1 hashed of the file at `path`, if V1 held it whole.
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.bytes.get(path).map(Vec::as_slice)
    }

    /// The file at `path`, if V1 kept it open (a directory's mix-stage list or proof).
    pub fn open(&self, path: &str) -> Option<&crate::files::OpenFile> {
        self.open.get(path)
    }

    /// The first bytes of the file at `path` as V1 read them: up to 64 of an open file (a list's header), all of a
    /// held one; none if V1 read no such file.
    fn head(&self, path: &str) -> &[u8] {
        match (self.bytes.get(path), self.open.get(path)) {
            (Some(b), _) => b.as_slice(),
            (None, Some(f)) => f.head(),
            (None, None) => &[],
        }
    }

    /// The length of the file at `path` as V1 read it (0 if V1 read no such file).
    fn size(&self, path: &str) -> u64 {
        match (self.bytes.get(path), self.open.get(path)) {
            (Some(b), _) => b.len() as u64,
            (None, Some(f)) => f.size(),
            (None, None) => 0,
        }
    }

    /// The rows a list's header gives (its first 4 bytes as V1 read them; 0 if there is no such file or header).
    pub fn list_rows(&self, path: &str) -> u32 {
        self.head(path).get(0..4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_be_bytes)
    }

    /// Starts comparing the file at `path`, as V1 read it, with bytes given a piece at a time ([`Comparing`]).
    fn compare(&self, path: &str) -> Result<Comparing<'_>, FileFailure> {
        match self.open.get(path) {
            Some(f) => f
                .compare()
                .map(Comparing::Open)
                .map_err(|reason| FileFailure::Undecodable { path: path.to_string(), reason }),
            // A file V1 did not read holds no bytes.
            None => Ok(Comparing::Held {
                bytes: self.bytes.get(path).map_or(&[][..], Vec::as_slice),
                at: 0,
                differs_at: None,
            }),
        }
    }

    /// SHA-256 of the file at `path` as V1 read it, held or open.
    pub fn sha256(&self, path: &str) -> Option<[u8; 32]> {
        match self.bytes.get(path) {
            Some(b) => Some(file_digest(b)),
            None => self.open.get(path).map(crate::files::OpenFile::sha256),
        }
    }

    /// The bytes in all.
    fn total_bytes(&self) -> u64 {
        self.bytes.values().map(|b| b.len() as u64).sum::<u64>() + self.open.values().map(|f| f.size()).sum::<u64>()
    }

    /// Writes the file at `path` to `out`, as V1 hashed it: held bytes, or an open file copied in pieces and
    /// refused if its bytes changed since V1 ([`crate::files::OpenFile::copy_to`]).
    pub fn copy_to(&self, path: &str, out: &mut dyn std::io::Write) -> Result<(), String> {
        match (self.bytes.get(path), self.open.get(path)) {
            (Some(b), _) => out.write_all(b).map_err(|e| e.to_string()),
            (None, Some(f)) => f.copy_to(out),
            (None, None) => Err(format!("{path}: not among the record's files")),
        }
    }

    /// The file at `path` to read at offsets: the bytes V1 held, or another handle on the file V1 kept open (whose
    /// reader compares what it read with [`Files::sha256`]).
    pub fn source(&self, path: &str) -> Result<crate::chain::Source<'_>, FileFailure> {
        #[cfg(unix)]
        if let Some(open) = self.open.get(path) {
            let handle = open.handle().map_err(|e| FileFailure::Undecodable {
                path: path.to_string(),
                reason: crate::files::io_reason(&e),
            })?;
            return Ok(crate::chain::Source::File(handle));
        }
        self.get(path).map(|b| crate::chain::Source::Bytes(std::borrow::Cow::Borrowed(b)))
    }

    /// The JSON file at `path`, parsed: from the bytes V1 held, or from the file V1 kept open, read again and
    /// refused if its bytes changed since V1 ([`crate::files::OpenFile::parse_json`]).
    fn parse<T: DeserializeOwned>(&self, path: &str) -> Result<T, FileFailure> {
        match self.open.get(path) {
            Some(open) => {
                open.parse_json(path).map_err(|reason| FileFailure::Undecodable { path: path.to_string(), reason })
            }
            None => self.get(path).and_then(|b| parse_json(path, b)),
        }
    }

    fn get(&self, path: &str) -> Result<&[u8], FileFailure> {
        self.bytes.get(path).map(Vec::as_slice).ok_or_else(|| FileFailure::Missing { path: path.to_string() })
    }
}

/// The ballot box as V4 reads it: its entries decoded as they are parsed, their bytes in a [`Scratch`] store.
pub type ReadBox = StreamedBox<Scratch>;

/// Where V4 keeps the box's ballots' canonical bytes: natively, an owner-only scratch file in the temporary
/// directory (`TMPDIR`), never linked into it (O_TMPFILE where there is one) and gone when closed; in the browser,
/// memory. The bytes are public (the box's); the file keeps a box of millions of ballots out of memory.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct Scratch(std::fs::File);

#[cfg(not(target_arch = "wasm32"))]
impl protocol::shuffle::stream::ByteSource for Scratch {
    fn size(&self) -> u64 {
        self.0.size()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.0.read_at(offset, buf)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl protocol::shuffle::stream::ByteSink for Scratch {
    fn write_at(&self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_at(offset, bytes)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl protocol::ballot_box::NewStore for Scratch {
    fn create() -> std::io::Result<Self> {
        tempfile::tempfile().map(Scratch)
    }
}

/// In the browser, the box's ballots' bytes are kept in memory.
#[cfg(target_arch = "wasm32")]
pub type Scratch = protocol::shuffle::stream::MemorySink;

/// What the checks have established so far; `None` where the providing check could not provide it.
#[derive(Debug, Default)]
pub struct State {
    /// The fingerprint the observer pinned (`--fingerprint`), checked by V2.
    pinned: Option<Fingerprint>,
    files: Option<Files>,
    election: Option<Election>,
    layout: Option<Layout>,
    /// For each unit ([`Manifest::units`]), whether the layout gives it a mix (V2, V2′): every unit but those no
    /// ballot reached, whose input list has 0 rows and which have no stages and no decryption (§14.1).
    mixed: Option<Vec<bool>>,
    ceremony: Option<(CeremonyParams, Roster, CeremonyOutcome)>,
    ballot_box: Option<ReadBox>,
    /// The voter list, if the box's registry passed V4: the manifest's (L9), with its changes replayed (L11).
    electorate: Option<protocol::ballot_box::Electorate>,
    ballots: Option<Ballots>,
    rejected: Option<RejectedFile>,
    counted: Option<protocol::tally::Positions>,
    remaining: Option<protocol::tally::Positions>,
    /// The last stage's list of each unit (V10); a unit without a mix: its input list, of 0 rows.
    last_lists: Option<Vec<LastList>>,
    /// Each unit's `answers.json` as the record has it (V12).
    answers: Option<Vec<AnswersFile>>,
    /// The result R6 gives, with names and turnout, where `result.json` matched it (V13).
    result: Option<ResultFile>,
    /// The parts the in-browser verifier's helpers verified beforehand (none otherwise).
    verified: parts::Verified,
    /// Whether the ballots and the voter list are kept after V9 for a verified result ([`verify_result`]: `verifier
    /// publish` lists every ballot's fate); otherwise they are dropped there, before V10–V11 take their chunks.
    keep_ballots: bool,
}

/// Verifies the record in `dir`: V1–V13. With `pinned`, V2 fails unless the record is of that election.
pub fn verify_record(dir: &Path, pinned: Option<&Fingerprint>, progress: bool) -> Report {
    verify_in(dir, pinned, progress, false).0
}

/// A published election fingerprint as an observer pins it (`--fingerprint HEX`, or typed in the in-browser
/// verifier): 64 lower-case hex digits.
pub fn parse_fingerprint(text: &str) -> Result<Fingerprint, String> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err("the fingerprint is 64 lower-case hex digits, as published with the election".into());
    }
    protocol::group::hex_array(text, "fingerprint").map(protocol::Fingerprint).map_err(|e| e.to_string())
}

/// A result that `verifier verify`'s every check passed on: the count with names and turnout (R6, §12.5, as
/// version 2 has it, whatever the record's version; version 4 with districts), and each unit's answers (one per
/// [`Manifest::units`], for the reasons of invalid ones).
#[derive(Debug)]
pub struct VerifiedResult {
    pub result: ResultFile,
    pub answers: Vec<AnswersFile>,
    /// The record's election (V2), ballot box (V4, V5: its head, keys and voter-list changes; its registry is
    /// dropped after V4, the voter list being derived from it, and its entries after V5, the ballots being
    /// `ballots`) and files as V1 read and hashed them (`verifier
    /// publish`).
    pub election: Election,
    pub ballot_box: ReadBox,
    /// Every ballot of the box, decoded, in log order (V5).
    pub ballots: Ballots,
    pub files: Files,
}

/// [`verify_record`], and the verified result if every check passed (`verifier result`).
pub fn verify_result(dir: &Path, pinned: Option<&Fingerprint>, progress: bool) -> (Report, Option<VerifiedResult>) {
    verify_in(dir, pinned, progress, true)
}

/// V1–V13 on the record in `dir`, keeping the ballots for a verified result or not ([`State::after_v9`]).
fn verify_in(dir: &Path, pinned: Option<&Fingerprint>, progress: bool, keep: bool) -> (Report, Option<VerifiedResult>) {
    let report = Report::new(format!("election record {}", dir.display()), progress);
    let mut run = Run::with_report(report, RecordSource::Dir(dir.to_path_buf()), pinned);
    run.s.keep_ballots = keep;
    run.finish_with_result()
}

/// `verifier verify`, a few checks at a time, in the one order V1–V13: the in-browser verifier runs the checks up
/// to V5, gives its helpers' verified ballots to [`Run::verified`], runs V6–V9, and so on (see [`parts`]). Run
/// at once, or in steps, the checks and the report are the same.
#[derive(Debug)]
pub struct Run {
    s: State,
    report: Report,
    source: Option<RecordSource>,
    /// The next check to run (1 ..= 13; 14 when all have run).
    next: usize,
}

impl Run {
    /// A verification of the record's files from `source` (a directory, or the files a browser gives), pinned to
    /// `pinned` if given, calling `on_check` with each check as it is reported (the in-browser verifier's
    /// progress); no check has run yet.
    pub fn new(
        source: RecordSource,
        pinned: Option<&Fingerprint>,
        on_check: impl FnMut(&CheckResult) + Send + 'static,
    ) -> Run {
        let mut report = Report::new(format!("election record {}", source.name()), false);
        report.on_check(on_check);
        Run::with_report(report, source, pinned)
    }

    fn with_report(report: Report, source: RecordSource, pinned: Option<&Fingerprint>) -> Run {
        let s = State { pinned: pinned.copied(), ..State::default() };
        Run { s, report, source: Some(source), next: 1 }
    }

    /// The parts verified beforehand (by the in-browser verifier's helpers), which the checks not yet run skip.
    pub fn verified(&mut self) -> &mut parts::Verified {
        &mut self.s.verified
    }

    /// Runs the checks from the next one not run up to V`last` (≤ 13).
    pub fn run_to(&mut self, last: usize) {
        while self.next <= last.min(13) {
            let (s, report) = (&mut self.s, &mut self.report);
            match self.next {
                1 => {
                    if let Some(source) = self.source.take() {
                        s.v1(source, report)
                    }
                }
                2 => s.v2(report),
                3 => s.v3(report),
                4 => s.v4(report),
                5 => s.v5(report),
                6 => s.v6(report),
                7 => s.v7(report),
                8 => s.v8(report),
                9 => {
                    s.v9(report);
                    s.after_v9();
                }
                10 => s.v10(report),
                11 => s.v11(report),
                12 => s.v12(report),
                _ => s.v13(report),
            }
            self.next += 1;
        }
    }

    /// Runs the checks not yet run, and returns the report.
    pub fn finish(self) -> Report {
        self.finish_with_result().0
    }

    fn finish_with_result(mut self) -> (Report, Option<VerifiedResult>) {
        self.run_to(13);
        let Run { s, mut report, .. } = self;
        describe(&mut report, s.election.as_ref(), s.pinned.is_some());
        report.end_progress();
        let verified = match (report.passed(), s.result, s.answers, s.election, s.ballot_box, s.ballots, s.files) {
            (true, Some(result), Some(answers), Some(election), Some(ballot_box), Some(ballots), Some(files)) => {
                Some(VerifiedResult { result, answers, election, ballot_box, ballots, files })
            }
            _ => None,
        };
        (report, verified)
    }
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

/// What a trustee may decrypt (SPEC.md §14.3 Decrypt): the last list of every unit, from a record whose every
/// check the decryption depends on passed. Only [`verify_before_decryption`] makes one.
#[derive(Debug)]
pub struct VerifiedForDecryption {
    pub election: Election,
    /// Each unit's last stage's list ([`Manifest::units`] order; one per contest without districts), as V10
    /// verified it: its file and digest, the decryption reads it again (SPEC.md §10.12). A unit that no ballot
    /// reached has no mix: its list is its input list, of 0 rows, and it gets no partial decryption (§14.1).
    pub last_lists: Vec<LastList>,
}

/// A unit's last list as V10 verified it: the record's file, its rows and `H(list)` (SPEC.md §9.2), which every
/// partial decryption of it binds as `L` (C13). Whoever decrypts or checks a decryption reads the file again and
/// finds this digest, or refuses; the list itself is not held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastList {
    /// The file, relative to the record.
    pub path: String,
    /// Its rows.
    pub rows: usize,
    /// `H(list)`.
    pub digest: [u8; 64],
}

/// The trustee's check before decrypting (SPEC.md §14.3 Decrypt): V1′ (the files present in the record's
/// directory, read once; there is no index before `finish`), V2′ (the election, and the record's files so far
/// are §14.1's layout up to the mix, plus any trustee's partial decryptions), then V3–V10 exactly as
/// `verifier verify` runs them: the ceremony, the box against the manifest's collector key and registry, every
/// ballot, squash, revocations under the manifest's officials' key, the mix input recomputed from the box, and
/// every stage's proof and signature. Returns the verified last lists only if every one of these checks passed.
pub fn verify_before_decryption(dir: &Path, progress: bool) -> (Report, Option<VerifiedForDecryption>) {
    verify_before_decryption_with(dir, progress, parts::Verified::default())
}

/// [`verify_before_decryption`], skipping the proofs of the stages this trustee checked early, by their digests
/// (`early::check_stages_early`); everything else is checked as without them, and the report is the same.
pub fn verify_before_decryption_with(
    dir: &Path,
    progress: bool,
    checked_early: parts::Verified,
) -> (Report, Option<VerifiedForDecryption>) {
    let mut report = Report::new(format!("election record {} before decryption", dir.display()), progress);
    let mut s = State { verified: checked_early, ..State::default() };
    s.v1_before_decryption(RecordSource::Dir(dir.to_path_buf()), &mut report);
    s.v2_before_decryption(&mut report);
    s.v3_to_v10(&mut report);
    report.end_progress();
    let verified = match (report.passed(), s.election, s.last_lists) {
        (true, Some(election), Some(last_lists)) => Some(VerifiedForDecryption { election, last_lists }),
        _ => None,
    };
    (report, verified)
}

impl State {
    /// V3–V10, which `verifier verify` and the trustee's check before decrypting run alike (SPEC.md §14.3).
    fn v3_to_v10(&mut self, report: &mut Report) {
        self.v3(report);
        self.v4(report);
        self.v5(report);
        self.v6(report);
        self.v7(report);
        self.v8(report);
        self.v9(report);
        self.after_v9();
        self.v10(report);
    }

    /// Drops what only V4–V9 read (the ballots, the voter list, R1–R3's leaves), unless a verified result keeps
    /// the ballots: at 3·10⁶ ballots about 0.5 GB that V10–V13 do not need.
    fn after_v9(&mut self) {
        if !self.keep_ballots {
            self.ballots = None;
            self.electorate = None;
            self.rejected = None;
            self.counted = None;
            self.remaining = None;
        }
    }
}

/// A unit as people read it (§4.6): the contest's id, and with districts its district's id
/// (`council-north, district north`).
pub fn unit_name(manifest: &Manifest, unit: protocol::manifest::Unit) -> String {
    let contest = manifest.contests.get(unit.contest).map_or("?", |c| c.id.as_str());
    match unit.district.and_then(|d| manifest.districts.get(usize::from(d))) {
        Some(d) => format!("{contest}, district {}", d.id),
        None => contest.to_string(),
    }
}

/// A record's file compared, as V1 read it, with bytes given a piece at a time, in order ([`Files::compare`]):
/// held bytes compared where they are, an open file read again in pieces ([`crate::files::Comparison`], which
/// refuses a file changed since V1).
enum Comparing<'a> {
    Held { bytes: &'a [u8], at: usize, differs_at: Option<u64> },
    Open(crate::files::Comparison<'a>),
}

impl Comparing<'_> {
    /// The next bytes compared.
    fn feed(&mut self, piece: &[u8]) -> Result<(), String> {
        match self {
            Self::Held { bytes, at, differs_at } => {
                if differs_at.is_none() {
                    let theirs = bytes.get(*at..).unwrap_or_default();
                    let common = theirs.len().min(piece.len());
                    let first = theirs.iter().zip(piece).position(|(a, b)| a != b);
                    *differs_at = first.or((common < piece.len()).then_some(common)).map(|d| (*at + d) as u64);
                }
                *at += piece.len();
                Ok(())
            }
            Self::Open(c) => c.feed(piece),
        }
    }

    /// The first offset at which they differ (the shorter one's length if one is the other's beginning), `None`
    /// if they are the same.
    fn finish(self) -> Result<Option<u64>, String> {
        match self {
            Self::Held { bytes, at, differs_at } => Ok(differs_at.or((bytes.len() > at).then_some(at as u64))),
            Self::Open(c) => c.finish(),
        }
    }
}

/// How R4's list for unit `contest` differs from the record's file at `path`, which first differs from it at byte
/// `at`: `head` is the file's first bytes (its header, if it has one), `ours` R4's list's shape.
fn describe_list_difference(
    contest: usize,
    path: &str,
    head: &[u8],
    ours: protocol::tally::ListShape,
    at: u64,
) -> InputDifference {
    let header = |b: &[u8]| -> Option<(u32, u32)> {
        Some((u32::from_be_bytes(b.get(0..4)?.try_into().ok()?), u32::from_be_bytes(b.get(4..8)?.try_into().ok()?)))
    };
    let path = path.to_string();
    let r4 = (u32::try_from(ours.rows).unwrap_or(u32::MAX), u32::try_from(ours.width).unwrap_or(u32::MAX));
    match header(head) {
        Some(t) if t != r4 => {
            InputDifference::Header { contest, path, rows: t.0, width: t.1, r4_rows: r4.0, r4_width: r4.1 }
        }
        None => InputDifference::Short { contest, path },
        Some(_) => {
            let at = usize::try_from(at).unwrap_or(usize::MAX);
            let row = at.saturating_sub(8) / (64 * ours.width.max(1));
            InputDifference::Row { contest, path, row, byte: at }
        }
    }
}

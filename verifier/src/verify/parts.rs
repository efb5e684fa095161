//! The in-browser verifier's helpers: the costly parts of V6, V10 and V11 verified beforehand, on every core.
//!
//! A web page gets no threads that share memory (not without headers a static host may not send), so the
//! in-browser verifier runs `verifier verify` ([`Run`]) in one Web Worker, the coordinator, and gives the costly
//! parts of the checks to one helper worker per core:
//!
//! - each ballot's signature and proof (V6: B1–B4, [`check_ballots`], which [`tally::check_except`] runs),
//! - each mix stage's two lists and its proof (V10: §9.4 SV0 and the proof, [`crate::chain::check_stage_proof`]),
//! - each contest's decryption (V11: C12–C14 and K13, [`super::results::decrypt_contest`], with the ceremony's
//!   outcome from [`super::keys::ceremony`]).
//!
//! A [`Helper`] runs those same functions on its share of the parts, over its own copy of the record's files, and
//! names each part that passed by a digest of everything its verdict depends on (F the election fingerprint,
//! H SHA-256, `‖` concatenation, integers big-endian):
//!
//! ```text
//!   ballot      SHA-256("rv/verifier/part/ballot"     ‖ F ‖ H(the ballot's bytes))          (H as in eq. L-0)
//!   stage       SHA-256("rv/verifier/part/stage"      ‖ F ‖ u32(c) ‖ u16(k) ‖ H(input) ‖ H(output) ‖ H(proof))
//!   decryption  SHA-256("rv/verifier/part/decryption" ‖ F ‖ u32(c) ‖ for each file read, in order:
//!                                                       u32(len(path)) ‖ path ‖ H(file))
//! ```
//!
//! The coordinator computes the same digests from the bytes V1 hashed, and skips a part only when its digest is
//! among those the helpers passed on ([`Verified`]; V11 takes the helper's note with it). A part a helper found
//! failing, or never saw, the coordinator verifies itself, as without helpers. So the report is the same, word
//! for word, with any number of helpers, on an honest record or a tampered one. These digests are the verifier's
//! own bookkeeping between its workers on one machine, not part of the record (SPEC.md is not concerned).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use protocol::ballot::check_ballots;
use protocol::election::ElectionParameters;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::*;

/// Ballots per part of V6: small enough to share the box evenly, large enough for the batched proof check.
const BALLOTS_PER_PART: usize = 1024;

/// One costly part of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Part {
    /// The signatures and proofs of the box's ballots `from .. to` (V6).
    Ballots { from: usize, to: usize },
    /// Stage `stage`'s lists and proof of unit `contest` (its index in `units()`, §4.6: the contest's index,
    /// 0-based as in the record's paths, without districts) (V10).
    Stage { contest: usize, stage: u16 },
    /// The decryption of unit `contest` (V11).
    Decryption { contest: usize },
}

impl Part {
    /// The check it is a part of.
    pub fn check(&self) -> Check {
        match self {
            Part::Ballots { .. } => Check::V6,
            Part::Stage { .. } => Check::V10,
            Part::Decryption { .. } => Check::V11,
        }
    }
}

/// The parts verified beforehand, by digest, with what their check says of each (V11's note; empty otherwise).
#[derive(Debug, Default)]
pub struct Verified {
    parts: BTreeMap<[u8; 32], String>,
    /// How many times a check found a part here (and so skipped it).
    used: AtomicUsize,
}

impl Verified {
    /// Records a part that passed.
    pub fn insert(&mut self, digest: [u8; 32], note: String) {
        self.parts.insert(digest, note);
    }

    /// Whether the part with this digest passed.
    pub fn has(&self, digest: &[u8; 32]) -> bool {
        self.note(digest).is_some()
    }

    /// The note of the part with this digest, if it passed.
    pub fn note(&self, digest: &[u8; 32]) -> Option<&str> {
        let found = self.parts.get(digest).map(String::as_str);
        if found.is_some() {
            self.used.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// How many parts the checks found here and skipped.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// None recorded.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

fn tagged(tag: &[u8], election: &Election) -> Sha256 {
    let mut h = Sha256::new();
    h.update(tag);
    h.update(election.fingerprint().0);
    h
}

/// A ballot's digest (`hash`: SHA-256 of its bytes, eq. L-0).
pub fn ballot_key(election: &Election, hash: &[u8; 32]) -> [u8; 32] {
    let mut h = tagged(b"rv/verifier/part/ballot", election);
    h.update(hash);
    h.finalize().into()
}

/// Stage `k` of unit `c`'s digest (`c` its index in `units()`), from its files' digests.
pub fn stage_key(election: &Election, c: usize, k: u16, d: &StageDigests) -> [u8; 32] {
    let mut h = tagged(b"rv/verifier/part/stage", election);
    h.update((c as u32).to_be_bytes());
    h.update(k.to_be_bytes());
    h.update(d.input);
    h.update(d.output);
    h.update(d.proof);
    h.finalize().into()
}

/// The paths unit `c`'s decryption reads: the ceremony's files (as [`super::keys::ceremony`] reads them), the
/// last stage's list, the partial decryptions the layout lists, the plaintexts.
fn decryption_paths(election: &Election, layout: &Layout, c: usize) -> Vec<String> {
    let manifest = election.manifest();
    let unit = manifest.units().get(c).copied().unwrap_or(protocol::manifest::Unit::from(c));
    let mut paths: Vec<String> = keys::ceremony_files(layout).into_iter().map(|(path, _)| path).collect();
    paths.push(stage_list_path(unit, manifest.mix_stages()));
    for &j in layout.partials.get(c).map(Vec::as_slice).unwrap_or_default() {
        paths.push(partial_path(unit, j));
    }
    paths.push(plaintexts_path(unit));
    paths
}

/// Unit `c`'s decryption's digest, from the files it reads; `None` if one is missing.
pub(super) fn decryption_key(election: &Election, files: &Files, layout: &Layout, c: usize) -> Option<[u8; 32]> {
    let mut h = tagged(b"rv/verifier/part/decryption", election);
    h.update((c as u32).to_be_bytes());
    for path in decryption_paths(election, layout, c) {
        let digest = files.sha256(&path)?;
        h.update((path.len() as u32).to_be_bytes());
        h.update(path.as_bytes());
        h.update(digest);
    }
    Some(h.finalize().into())
}

/// A helper worker: verifies parts of the record's checks beforehand, with the checks' own functions, over its own
/// copy of the files. It trusts nothing it is given: a part that does not decode or does not verify is simply not
/// named, and the coordinator verifies it again and reports it.
#[derive(Debug)]
pub struct Helper {
    files: Files,
    election: Election,
    layout: Layout,
    ballots: Option<Vec<protocol::ballot_box::BoxEntry>>,
    ceremony: Option<Option<(CeremonyParams, Roster, CeremonyOutcome)>>,
    /// The list decoded last, by path: the next stage's input, or the list the decryption reads.
    list: Option<(String, CiphertextList)>,
}

impl Helper {
    /// A helper for the record's files (each file's path in the record and its bytes). Fails, with why, when
    /// `election.json` or `index.json` does not decode or the index's paths are not a record's: then there is
    /// nothing to share, and the coordinator's V1 and V2 say what is wrong.
    pub fn new(files: BTreeMap<String, Vec<u8>>) -> Result<Helper, String> {
        let files = Files { bytes: files, ..Files::default() };
        let params: ElectionParameters =
            files.get(ELECTION_PATH).and_then(|b| parse_json(ELECTION_PATH, b)).map_err(|e| e.to_string())?;
        let election = params.election().map_err(|e| e.to_string())?;
        let index: RecordIndex =
            files.get(INDEX_PATH).and_then(|b| parse_json(INDEX_PATH, b)).map_err(|e| e.to_string())?;
        let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
        let layout = check_layout(election.manifest(), &paths).map_err(|e| e.to_string())?;
        Ok(Helper { files, election, layout, ballots: None, ceremony: None, list: None })
    }

    /// The box's entries, read once (an empty list when the box does not decode: V4 reports it).
    fn entries(&mut self) -> &[protocol::ballot_box::BoxEntry] {
        /// Only the box's entries: the rest (the registry, the election, the head) is V4's and V5's.
        #[derive(Deserialize)]
        struct Entries {
            ballots: Vec<protocol::ballot_box::BoxEntry>,
        }
        let files = &self.files;
        self.ballots.get_or_insert_with(|| {
            files
                .get(BALLOT_BOX_PATH)
                .ok()
                .and_then(|b| serde_json::from_slice::<Entries>(b).ok())
                .map(|b| b.ballots)
                .unwrap_or_default()
        })
    }

    /// Every costly part of this record, with its estimated cost (a unit of cost is about 0.1 ms of the
    /// in-browser verifier's time on this machine's core; only the proportions matter): each mixed unit's stages
    /// in chain order and its decryption, then the ballots. A unit no ballot reached (no partial decryption in
    /// the layout) has neither.
    pub fn plan(&mut self) -> Vec<(Part, u64)> {
        let manifest = self.election.manifest();
        let units = manifest.units();
        let widths: Vec<u64> =
            units.iter().map(|u| manifest.contests.get(u.contest).map_or(0, |c| c.chunks() as u64)).collect();
        let stages = manifest.mix_stages();
        let partials: Vec<u64> = self.layout.partials.iter().map(|p| p.len() as u64).collect();
        // The rows of each unit's lists: the length the input list's header gives (its first 4 bytes).
        let rows = |c: usize| -> u64 { units.get(c).map_or(0, |&u| u64::from(self.files.list_rows(&input_path(u)))) };
        let mut plan = Vec::new();
        for (c, w) in widths.iter().enumerate() {
            if partials.get(c).is_none_or(|&p| p == 0) {
                continue;
            }
            for stage in 1..=stages {
                plan.push((Part::Stage { contest: c, stage }, 3 * w * rows(c)));
            }
            plan.push((Part::Decryption { contest: c }, w * rows(c) * partials.get(c).copied().unwrap_or(0)));
        }
        let per_ballot = 1 + 2 * widths.iter().sum::<u64>();
        let ballots = self.entries().len();
        for from in (0..ballots).step_by(BALLOTS_PER_PART) {
            let to = (from + BALLOTS_PER_PART).min(ballots);
            plan.push((Part::Ballots { from, to }, per_ballot * (to - from) as u64));
        }
        plan
    }

    /// The parts helper `index` of `count` verifies; every helper computes the same shares. The stages and
    /// decryptions, in plan order, are cut into `count` runs of about equal cost (each part to the helper whose run
    /// holds its middle), so that a helper's consecutive stages share a decoded list; then each batch of ballots
    /// goes to the helper with the least work so far (the lowest index on a tie). A helper verifies its ballots
    /// first: V6 needs them first.
    pub fn share(&mut self, index: usize, count: usize) -> Vec<Part> {
        let count = count.max(1);
        let plan = self.plan();
        let (ballots, chains): (Vec<_>, Vec<_>) = plan.into_iter().partition(|(p, _)| p.check() == Check::V6);
        let total: u64 = chains.iter().map(|(_, cost)| cost).sum();
        let mut load = vec![0u64; count];
        let mut owner = Vec::new();
        let mut before = 0u64;
        for (part, cost) in chains {
            let middle = u128::from(2 * before + cost);
            let helper = (middle * count as u128 / u128::from(2 * total).max(1)) as usize;
            let helper = helper.min(count - 1);
            before += cost;
            load[helper] += cost;
            owner.push((part, helper));
        }
        let mut mine: Vec<Part> = Vec::new();
        for (part, cost) in ballots {
            let least = (0..count).min_by_key(|&h| (load[h], h)).unwrap_or(0);
            load[least] += cost;
            if least == index {
                mine.push(part);
            }
        }
        mine.extend(owner.into_iter().filter(|&(_, h)| h == index).map(|(part, _)| part));
        mine
    }

    /// Verifies `part`; returns the digest (and note) of each of its parts that passed.
    pub fn verify(&mut self, part: Part) -> Vec<([u8; 32], String)> {
        match part {
            Part::Ballots { from, to } => self.ballots(from, to),
            Part::Stage { contest, stage } => self.stage(contest, stage).into_iter().collect(),
            Part::Decryption { contest } => self.decryption(contest).into_iter().collect(),
        }
    }

    fn ballots(&mut self, from: usize, to: usize) -> Vec<([u8; 32], String)> {
        let entries = self.entries();
        let decoded: Vec<protocol::ballot_box::LoggedBallot> = entries
            .get(from..to.min(entries.len()))
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.decode().ok())
            .collect();
        let election = &self.election;
        check_ballots(election, &decoded, &mut OsRng)
            .into_iter()
            .zip(&decoded)
            .filter(|(verdict, _)| verdict.is_ok())
            .map(|(_, b)| (ballot_key(election, &b.hash), String::new()))
            .collect()
    }

    /// The list at `path` of unit `c` (stage `k`, 0 for the input), decoded by the chain's decoder, or taken
    /// from the one decoded last.
    fn decoded(&mut self, path: &str, c: usize, k: u16, width: usize) -> Option<CiphertextList> {
        if let Some((_, list)) = self.list.take().filter(|(p, _)| p == path) {
            return Some(list);
        }
        crate::chain::decode_list(self.files.bytes(path)?, c, k, path, width).ok()
    }

    /// Unit `c`'s contest's width, and the unit.
    fn unit(&self, c: usize) -> Option<(usize, protocol::manifest::Unit)> {
        let manifest = self.election.manifest();
        let unit = *manifest.units().get(c)?;
        Some((manifest.contests.get(unit.contest)?.chunks(), unit))
    }

    fn stage(&mut self, c: usize, k: u16) -> Option<([u8; 32], String)> {
        let (width, unit) = self.unit(c)?;
        let previous = if k == 1 { input_path(unit) } else { stage_list_path(unit, k - 1) };
        let (output_path, proof_path) = (stage_list_path(unit, k), stage_proof_path(unit, k));
        let input = self.decoded(&previous, c, k - 1, width)?;
        let output = self.decoded(&output_path, c, k, width)?;
        let files = &self.files;
        let (input_bytes, output_bytes, proof) =
            (files.bytes(&previous)?, files.bytes(&output_path)?, files.bytes(&proof_path)?);
        let verdict = crate::chain::check_stage_proof(&self.election, c, k, &input, &output, &proof_path, proof);
        let key = stage_key(&self.election, c, k, &StageDigests::of(input_bytes, output_bytes, proof));
        self.list = Some((output_path, output));
        verdict.ok().map(|()| (key, String::new()))
    }

    fn decryption(&mut self, c: usize) -> Option<([u8; 32], String)> {
        let (width, unit) = self.unit(c)?;
        let stages = self.election.manifest().mix_stages();
        let path = stage_list_path(unit, stages);
        let list = self.decoded(&path, c, stages, width)?;
        let last = LastList { path, rows: list.len(), digest: list.digest() };
        let (files, election, layout) = (&self.files, &self.election, &self.layout);
        let ceremony = self.ceremony.get_or_insert_with(|| keys::ceremony(files, election, layout).ok()).as_ref()?;
        let partials = layout.partials.get(c).map_or(&[][..], Vec::as_slice);
        let (params, roster, outcome) = ceremony;
        let note = results::decrypt_contest(files, election, (params, roster, outcome), partials, c, &last).ok()?;
        Some((decryption_key(election, files, layout, c)?, note))
    }
}

//! One unit's mix chain, checked once, by the one function every command uses (SPEC.md §9.4, §9.5, §14.4
//! V10): `verifier verify` and the trustee's check before decrypting (V10, over the record's files) and `verifier
//! mixnet` (over a directory of stages).
//!
//! A unit (SPEC.md §4.6, [`Manifest::units`](protocol::manifest::Manifest::units)) is what is mixed on its own: a
//! contest, or with districts one contest's ballots from one district. Its index in `units()` is the `contest`
//! number of the mix statement (§9.1.2) and of the stage signature (§9.5.1); without districts it is the contest's
//! index. The failures below carry that index as `contest` and name the unit's files.
//!
//! Stage `k` shuffles stage `k − 1`'s list (the input list for `k = 1`). For each stage: its list decodes with the
//! contest's width (§9.4 SV0); its proof decodes and verifies against the previous list (§9.4); its signature is
//! the mix server's, `roles.mix_keys[k − 1]`, over the three files' digests (§9.5.1, eq. (MS)). A bad proof or
//! signature does not stop the chain (every failure is named); a list that does not decode does, since every later
//! stage reads it. Each list is decoded once (each point decompressed once).

use std::borrow::Cow;

use protocol::codec::Decode;
use protocol::roles::{verify_stage, StageDigests};
use protocol::shuffle::{CiphertextList, ShuffleProof, ShuffleStatement};
use protocol::transcript::election_transcript;
use protocol::Election;

/// A file of a chain: the input list, or stage `k`'s list, proof or signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Input,
    List(u16),
    Proof(u16),
    Signature(u16),
}

/// A file's name (for messages) and bytes, or why it could not be read.
pub type Read<'a> = Result<(String, Cow<'a, [u8]>), ChainFailure>;

/// Why a chain fails, with where: the contest, the stage (0 for the input list) and the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainFailure {
    #[error("{file}: cannot be read: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("contest {contest}: {file} does not decode: {reason}")]
    ListUndecodable { contest: usize, stage: u16, file: String, reason: String },
    #[error("contest {contest}: {file} has width {found}, the contest {expected}")]
    WrongWidth { contest: usize, stage: u16, file: String, expected: usize, found: usize },
    #[error("contest {contest} stage {stage}: {file} does not decode: {reason}")]
    ProofUndecodable { contest: usize, stage: u16, file: String, reason: String },
    #[error("contest {contest} stage {stage}: {file}: {reason}")]
    ProofFails { contest: usize, stage: u16, file: String, reason: String },
    #[error(
        "contest {contest} stage {stage}: {file}: {reason} (a stage not made by the mix server the manifest names)"
    )]
    NotSignedByMixServer { contest: usize, stage: u16, file: String, reason: String },
    #[error("contest {contest}: {found} stages, the manifest requires {expected}")]
    WrongStageCount { contest: usize, expected: usize, found: usize },
    /// V10: the record has no mix stages for a unit whose input list has rows (§14.1: only a unit no ballot
    /// reached, with an input list of 0 rows, goes without a mix and a decryption).
    #[error(
        "unit {unit} has {rows} ballots and no mix: {file} has rows, so the record must hold the unit's mix stages, \
         partial decryptions and plaintexts (§14.1); only a unit that no ballot reached goes without them"
    )]
    NoMix { contest: usize, unit: String, file: String, rows: usize },
}

impl ChainFailure {
    /// The stage where it failed (0: the input list), if it is about one.
    pub fn stage(&self) -> Option<u16> {
        match self {
            Self::ListUndecodable { stage, .. }
            | Self::WrongWidth { stage, .. }
            | Self::ProofUndecodable { stage, .. }
            | Self::ProofFails { stage, .. }
            | Self::NotSignedByMixServer { stage, .. } => Some(*stage),
            Self::NoMix { .. } => Some(0),
            Self::Unreadable { .. } | Self::WrongStageCount { .. } => None,
        }
    }
}

/// What a checked chain gives: its last list (if every list decoded), the failures, and the rows of the input.
#[derive(Debug)]
pub struct Checked {
    pub last: Option<CiphertextList>,
    pub failures: Vec<ChainFailure>,
    pub rows: usize,
}

/// Decodes a list of unit `contest` (its index in `units()`; stage 0: the input) and checks its width.
pub fn decode_list(
    bytes: &[u8],
    contest: usize,
    stage: u16,
    file: &str,
    width: usize,
) -> Result<CiphertextList, ChainFailure> {
    let list = CiphertextList::from_bytes(bytes).map_err(|e| ChainFailure::ListUndecodable {
        contest,
        stage,
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    if list.width() != width {
        return Err(ChainFailure::WrongWidth {
            contest,
            stage,
            file: file.to_string(),
            expected: width,
            found: list.width(),
        });
    }
    Ok(list)
}

/// Checks stages `1 ..= stages` of unit `contest` (its index in `units()`: the contest's index without
/// districts), reading each file with `read`. `input` is the input list
/// when a caller already decoded it (V9 hands over the list it compared). `on_stage` is called once per stage
/// (progress). The stage count itself is the caller's to check: the record's layout fixes it (V2), a directory
/// is counted by [`count_stages`].
///
/// `verified(k, digests)` is true for a stage whose lists and proof, with these digests, were already checked by
/// [`check_stage_proof`] and passed (the in-browser verifier's helpers, each on its share): such a stage's lists are
/// not decoded (but the last, which the decryption reads) nor its proof verified again; its signature is. With
/// `verified` false for all, every list is decoded and every proof verified.
pub fn check_contest<'a>(
    election: &Election,
    contest: usize,
    stages: u16,
    input: Option<CiphertextList>,
    read: &dyn Fn(Part) -> Read<'a>,
    verified: &dyn Fn(u16, &StageDigests) -> bool,
    on_stage: &dyn Fn(),
) -> Checked {
    let mut failures = Vec::new();
    let manifest = election.manifest();
    let Some(spec) = manifest.units().get(contest).and_then(|u| manifest.contests.get(u.contest)) else {
        return Checked { last: None, failures, rows: 0 };
    };
    let width = spec.chunks();
    let decode =
        |part: Part, stage: u16| read(part).and_then(|(file, bytes)| decode_list(&bytes, contest, stage, &file, width));
    // The previous stage's list, decoded unless its stages were verified beforehand.
    let mut current = match input {
        Some(list) => Some(list),
        None => match decode(Part::Input, 0) {
            Ok(list) => Some(list),
            Err(e) => {
                failures.push(e);
                (0..stages).for_each(|_| on_stage());
                return Checked { last: None, failures, rows: 0 };
            }
        },
    };
    let rows = current.as_ref().map_or(0, CiphertextList::len);
    for k in 1..=stages {
        let previous = if k == 1 { Part::Input } else { Part::List(k - 1) };
        let digests = stage_digests(read, previous, k);
        if !digests.as_ref().is_ok_and(|d| verified(k, d)) {
            let input = match current.take() {
                Some(list) => Ok(list),
                None => decode(previous, k - 1),
            };
            let (input, output) = match input.and_then(|i| decode(Part::List(k), k).map(|o| (i, o))) {
                Ok(lists) => lists,
                Err(e) => {
                    failures.push(e);
                    (k..=stages).for_each(|_| on_stage());
                    return Checked { last: None, failures, rows };
                }
            };
            let verdict = read(Part::Proof(k))
                .and_then(|(file, bytes)| check_stage_proof(election, contest, k, &input, &output, &file, &bytes));
            if let Err(e) = verdict {
                failures.push(e);
            }
            current = Some(output);
        } else {
            current = None;
        }
        if let Err(e) = digests.and_then(|d| check_signature(election, contest, k, &d, read)) {
            failures.push(e);
        }
        on_stage();
    }
    let last = match current {
        Some(list) => list,
        None => match decode(Part::List(stages), stages) {
            Ok(list) => list,
            Err(e) => {
                failures.push(e);
                return Checked { last: None, failures, rows };
            }
        },
    };
    Checked { last: Some(last), failures, rows }
}

/// §9.4: stage `k`'s proof (`file`, its bytes) of unit `contest` (its index in `units()`, the statement's
/// `contest`, §9.1.2) decodes and verifies that `output` shuffles `input`. The one check
/// of a stage's proof: [`check_contest`] runs it, and so does the in-browser verifier's helper that verifies the
/// stage beforehand.
pub fn check_stage_proof(
    election: &Election,
    contest: usize,
    k: u16,
    input: &CiphertextList,
    output: &CiphertextList,
    file: &str,
    bytes: &[u8],
) -> Result<(), ChainFailure> {
    let proof = ShuffleProof::from_bytes(bytes).map_err(|e| ChainFailure::ProofUndecodable {
        contest,
        stage: k,
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    let fingerprint = *election.fingerprint();
    let statement = ShuffleStatement {
        fingerprint: &fingerprint,
        public_key: election.public_key(),
        contest: contest as u32,
        stage: u32::from(k),
        input,
        output,
    };
    proof.verify(&mut election_transcript(&fingerprint), &statement).map_err(|e| ChainFailure::ProofFails {
        contest,
        stage: k,
        file: file.to_string(),
        reason: e.to_string(),
    })
}

/// The digests of stage `k`'s input list (`previous`), output list and proof, as they are stored (§9.5.1).
fn stage_digests<'a>(read: &dyn Fn(Part) -> Read<'a>, previous: Part, k: u16) -> Result<StageDigests, ChainFailure> {
    let input = read(previous)?.1;
    let list = read(Part::List(k))?.1;
    let proof = read(Part::Proof(k))?.1;
    Ok(StageDigests::of(&input, &list, &proof))
}

/// §9.5.1: stage `k`'s signature is mix server `k`'s (`roles.mix_keys[k − 1]`) over unit `contest`'s index
/// (`u32(C)`), the stage's input list, output list and proof (their `digests`).
fn check_signature<'a>(
    election: &Election,
    contest: usize,
    k: u16,
    digests: &StageDigests,
    read: &dyn Fn(Part) -> Read<'a>,
) -> Result<(), ChainFailure> {
    let (file, signature) = read(Part::Signature(k))?;
    verify_stage(&election.manifest().roles, election.fingerprint(), contest as u32, k, digests, &signature)
        .map_err(|e| ChainFailure::NotSignedByMixServer { contest, stage: k, file, reason: e.to_string() })
}

/// The stages present in a directory of stages: 1, 2, … up to the first `k` for which `exists(k)` is false.
pub fn count_stages(exists: impl Fn(u16) -> bool) -> u16 {
    (1..=u16::MAX).take_while(|&k| exists(k)).last().unwrap_or(0)
}

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
use protocol::shuffle::stream::ByteSource;
use protocol::shuffle::{
    verify_chain, ChainOptions, ChainStatement, CiphertextList, ListFailure, ShuffleProof, ShuffleStatement,
    StageFailure,
};
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

/// A file's name (for messages) and where its bytes are, or why it could not be read.
pub type Read<'a> = Result<(String, Source<'a>), ChainFailure>;

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

/// What a checked chain gives: its last list (if every list decoded), the failures, the rows of the input, and
/// each file's SHA-256 as the check read it.
#[derive(Debug)]
pub struct Checked {
    /// The last list's rows and `H(list)`, every point of it decoded (what the partial decryptions must bind as
    /// `L`).
    pub last: Option<(usize, [u8; 64])>,
    pub failures: Vec<ChainFailure>,
    pub rows: usize,
    /// Each list and proof the check hashed (file name, SHA-256 of the bytes it verified): whoever read the files
    /// before (V1) compares, so a file rewritten in between is caught.
    pub hashed: Vec<(String, [u8; 32])>,
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

/// Rows per chunk of a streamed chain check of `stages` stages of width `width`: the chain's lists and proofs of a
/// chunk fit in [`DEFAULT_CHUNK_MEMORY`](protocol::shuffle::stream::DEFAULT_CHUNK_MEMORY).
pub fn chunk_rows(width: usize, stages: u16) -> usize {
    let rows = protocol::shuffle::stream::chunk_rows(width, protocol::shuffle::stream::DEFAULT_CHUNK_MEMORY);
    (rows / (usize::from(stages) + 1)).max(256)
}

/// Checks stages `1 ..= stages` of unit `contest` (its index in `units()`: the contest's index without
/// districts), reading each file with `read`, in chunks of rows ([`protocol::shuffle::verify_chain`]: memory is
/// one chunk of each list and proof, each list is decompressed once). `on_stage` is called once per stage
/// (progress). The stage count itself is the caller's to check: the record's layout fixes it (V2), a directory is
/// counted by [`count_stages`].
///
/// `verified(k, digests)`, when given, is true for a stage whose lists and proof, with these digests, were already
/// checked by [`check_stage_proof`] and passed (the in-browser verifier's helpers, each on its share): such a
/// stage's lists are not decoded (but the last, which the decryption reads) nor its proof verified again; its
/// signature is. Without it, every list is decoded and every proof verified.
pub fn check_contest<'a>(
    election: &Election,
    contest: usize,
    stages: u16,
    read: &dyn Fn(Part) -> Read<'a>,
    verified: Option<&protocol::shuffle::VerifiedBefore<'_>>,
    on_stage: &dyn Fn(),
) -> Checked {
    let mut failures = Vec::new();
    let manifest = election.manifest();
    let Some(spec) = manifest.units().get(contest).and_then(|u| manifest.contests.get(u.contest)) else {
        return Checked { last: None, failures, rows: 0, hashed: Vec::new() };
    };
    let width = spec.chunks();
    let done = |failures: Vec<ChainFailure>, rows: usize, hashed| {
        (0..stages).for_each(|_| on_stage());
        Checked { last: None, failures, rows, hashed }
    };
    // The files: a list that cannot be read stops the chain where it is read; a proof that cannot be read fails
    // its stage (and its signature, which covers it).
    let mut lists = Vec::with_capacity(usize::from(stages) + 1);
    for k in 0..=stages {
        match read(if k == 0 { Part::Input } else { Part::List(k) }) {
            Ok(file) => lists.push(file),
            Err(e) => {
                failures.push(e);
                break;
            }
        }
    }
    let readable = lists.len().saturating_sub(1) as u16;
    let proofs: Vec<Read<'a>> = (1..=readable).map(|k| read(Part::Proof(k))).collect();
    let empty = Source::Bytes(Cow::Borrowed(&[]));
    let list_sources: Vec<&dyn ByteSource> = lists.iter().map(|(_, s)| s as &dyn ByteSource).collect();
    let proof_sources: Vec<&dyn ByteSource> =
        proofs.iter().map(|p| p.as_ref().map_or(&empty as &dyn ByteSource, |(_, s)| s as &dyn ByteSource)).collect();
    let fingerprint = *election.fingerprint();
    let statement =
        ChainStatement { fingerprint: &fingerprint, public_key: election.public_key(), contest: contest as u32, width };
    let options = ChainOptions { chunk_rows: chunk_rows(width, stages), verified, check_last: true, progress: &|_| {} };
    let verdict = verify_chain(&statement, &list_sources, &proof_sources, &options);
    let rows = verdict.rows;
    let name = |m: usize| lists.get(m).map(|(file, _)| file.clone()).unwrap_or_default();
    let proof_names = proofs.iter().map(|p| p.as_ref().ok().map(|(file, _)| file));
    let hashed: Vec<(String, [u8; 32])> = (lists.iter().map(|(file, _)| Some(file)).zip(&verdict.list_sha256))
        .chain(proof_names.zip(&verdict.proof_sha256))
        .filter_map(|(file, digest)| Some((file?.clone(), (*digest)?)))
        .collect();
    let list_failure = |m: usize, f: ListFailure| -> ChainFailure {
        let (file, stage) = (name(m), m as u16);
        match f {
            ListFailure::Unreadable(reason) => ChainFailure::Unreadable { file, reason },
            ListFailure::Decode(e) => ChainFailure::ListUndecodable { contest, stage, file, reason: e.to_string() },
            ListFailure::WrongWidth { found } => {
                ChainFailure::WrongWidth { contest, stage, file, expected: width, found }
            }
        }
    };
    if let Some((0, f)) = verdict.failed_list {
        failures.insert(0, list_failure(0, f));
        return done(failures, rows, hashed);
    }
    if lists.is_empty() {
        return done(failures, rows, hashed);
    }
    let unread = failures.pop();
    for k in 1..=stages {
        if let Some((m, f)) = verdict.failed_list.clone().filter(|(m, _)| usize::from(k) == *m) {
            failures.push(list_failure(m, f));
            (k..=stages).for_each(|_| on_stage());
            return Checked { last: None, failures, rows, hashed };
        }
        if k > readable {
            failures.extend(unread);
            (k..=stages).for_each(|_| on_stage());
            return Checked { last: None, failures, rows, hashed };
        }
        let proof = &proofs[usize::from(k) - 1];
        let file = proof.as_ref().map(|(f, _)| f.clone());
        match (proof, verdict.stages.get(usize::from(k) - 1).cloned().flatten()) {
            (Err(e), _) => failures.push(e.clone()),
            (Ok(_), Some(Err(f))) => {
                let file = file.clone().unwrap_or_default();
                failures.push(match f {
                    StageFailure::Unreadable(reason) => ChainFailure::Unreadable { file, reason },
                    StageFailure::Decode(e) => {
                        ChainFailure::ProofUndecodable { contest, stage: k, file, reason: e.to_string() }
                    }
                    StageFailure::Fails(e) => {
                        ChainFailure::ProofFails { contest, stage: k, file, reason: e.to_string() }
                    }
                });
            }
            (Ok(_), _) => {}
        }
        match (proof, verdict.digests(usize::from(k))) {
            (Err(e), _) => failures.push(e.clone()),
            (Ok(_), Some(d)) => {
                if let Err(e) = check_signature(election, contest, k, &d, read) {
                    failures.push(e);
                }
            }
            (Ok((file, _)), None) => failures.push(ChainFailure::Unreadable {
                file: file.clone(),
                reason: "the stage's files could not all be read to hash them".into(),
            }),
        }
        on_stage();
    }
    Checked { last: verdict.last, failures, rows, hashed }
}

/// A file of a chain to read in chunks: its bytes in memory, or (on Unix) an open file.
#[derive(Debug)]
pub enum Source<'a> {
    /// The bytes.
    Bytes(Cow<'a, [u8]>),
    /// An open file, read where needed.
    #[cfg(unix)]
    File(std::fs::File),
}

impl ByteSource for Source<'_> {
    fn size(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.size(),
            #[cfg(unix)]
            Self::File(f) => f.size(),
        }
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        match self {
            Self::Bytes(b) => b.read_at(offset, buf),
            #[cfg(unix)]
            Self::File(f) => f.read_at(offset, buf),
        }
    }
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

/// §9.5.1: stage `k`'s signature is mix server `k`'s (`roles.mix_keys[k − 1]`) over unit `contest`'s index
/// (`u32(C)`), the stage's input list, output list and proof (their `digests`).
fn check_signature<'a>(
    election: &Election,
    contest: usize,
    k: u16,
    digests: &StageDigests,
    read: &dyn Fn(Part) -> Read<'a>,
) -> Result<(), ChainFailure> {
    let (file, source) = read(Part::Signature(k))?;
    // A signature is 64 bytes; a longer file is refused by its length, without reading it all.
    let mut signature = vec![0u8; source.size().min(4096) as usize];
    source
        .read_at(0, &mut signature)
        .map_err(|e| ChainFailure::Unreadable { file: file.clone(), reason: e.to_string() })?;
    verify_stage(&election.manifest().roles, election.fingerprint(), contest as u32, k, digests, &signature)
        .map_err(|e| ChainFailure::NotSignedByMixServer { contest, stage: k, file, reason: e.to_string() })
}

/// The stages present in a directory of stages: 1, 2, … up to the first `k` for which `exists(k)` is false.
pub fn count_stages(exists: impl Fn(u16) -> bool) -> u16 {
    (1..=u16::MAX).take_while(|&k| exists(k)).last().unwrap_or(0)
}

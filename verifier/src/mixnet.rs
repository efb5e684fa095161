//! Verification of a chain of mix stages for one contest (SPEC.md §9.5).
//!
//! The chain is read from a directory holding `stage-1.list`, `stage-1.proof`, `stage-2.list`, … : stage `k`'s
//! input is stage `k − 1`'s output (stage 1's is the list given on the command line). Every list is decoded
//! once (each point decompressed once) and every proof checked by its own batched equation. The report lists each
//! check with its result and time; nothing here panics on bad input.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use protocol::codec::Decode;
use protocol::shuffle::{CiphertextList, ShuffleError, ShuffleProof, ShuffleStatement};
use protocol::transcript::election_transcript;
use protocol::{Election, Manifest, PublicKey};
use serde::Deserialize;
use thiserror::Error;

/// The election file: `{"manifest": <manifest JSON>, "public_key": "<64 hex digits>"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ElectionFile {
    manifest: Manifest,
    public_key: PublicKey,
}

/// Why a mix chain is rejected: one variant per check, each naming where it failed.
#[derive(Debug, Error)]
pub enum MixCheckError {
    #[error("M.0 election file {path}: {reason}")]
    ElectionFile { path: PathBuf, reason: String },
    #[error("M.0 contest {contest} does not exist in the manifest")]
    NoSuchContest { contest: u32 },
    #[error("M.1 file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("M.2 {path}: not a valid ciphertext list: {reason}")]
    BadList { path: PathBuf, reason: String },
    #[error("M.2 {path}: width {found}, contest {contest} has {expected} chunks")]
    WrongWidth { path: PathBuf, contest: u32, expected: usize, found: usize },
    #[error("M.3 contest {contest} stage {stage}: {path}: not a valid proof: {reason}")]
    BadProofFile { contest: u32, stage: u32, path: PathBuf, reason: String },
    #[error("M.4 contest {contest} stage {stage}: {source}")]
    ShuffleProofInvalid { contest: u32, stage: u32, source: ShuffleError },
    #[error("M.5 contest {contest}: {found} stages found, the manifest requires {expected}")]
    WrongStageCount { contest: u32, expected: usize, found: usize },
}

/// One line of the report.
#[derive(Debug)]
pub struct CheckLine {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub time: Duration,
}

/// The report of a chain: every check that ran, in order, and the first failure if any.
#[derive(Debug, Default)]
pub struct MixReport {
    pub lines: Vec<CheckLine>,
    pub error: Option<MixCheckError>,
}

impl MixReport {
    pub fn passed(&self) -> bool {
        self.error.is_none()
    }
    fn record<T>(&mut self, name: String, started: Instant, result: Result<T, MixCheckError>, ok: &str) -> Option<T> {
        let time = started.elapsed();
        match result {
            Ok(v) => {
                self.lines.push(CheckLine { name, ok: true, detail: ok.to_string(), time });
                Some(v)
            }
            Err(e) => {
                self.lines.push(CheckLine { name, ok: false, detail: e.to_string(), time });
                self.error = Some(e);
                None
            }
        }
    }
}

impl fmt::Display for MixReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            let mark = if line.ok { "PASS" } else { "FAIL" };
            writeln!(f, "{mark}  {:<48} {:>10.3?}  {}", line.name, line.time, line.detail)?;
        }
        match &self.error {
            None => writeln!(f, "result: the mix chain is valid"),
            Some(e) => writeln!(f, "result: INVALID ({e})"),
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, MixCheckError> {
    fs::read(path).map_err(|e| MixCheckError::Unreadable { path: path.to_owned(), reason: e.to_string() })
}

fn read_list(path: &Path, contest: u32, width: usize) -> Result<CiphertextList, MixCheckError> {
    let list = CiphertextList::from_bytes(&read(path)?)
        .map_err(|e| MixCheckError::BadList { path: path.to_owned(), reason: e.to_string() })?;
    if list.width() != width {
        return Err(MixCheckError::WrongWidth { path: path.to_owned(), contest, expected: width, found: list.width() });
    }
    Ok(list)
}

/// Reads the election file.
pub fn load_election(path: &Path) -> Result<Election, MixCheckError> {
    let err = |reason: String| MixCheckError::ElectionFile { path: path.to_owned(), reason };
    let text = fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let file: ElectionFile = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    Election::new(file.manifest, file.public_key).map_err(|e| err(e.to_string()))
}

/// The files of stage `k` in a stage directory.
pub fn stage_paths(dir: &Path, stage: u32) -> (PathBuf, PathBuf) {
    (dir.join(format!("stage-{stage}.list")), dir.join(format!("stage-{stage}.proof")))
}

/// Verifies the chain of one contest: `input`, then the stages found in `stage_dir` (1, 2, … until the first
/// missing one), which must be exactly the manifest's `mix_stages`.
pub fn verify_chain(election_path: &Path, contest: u32, input: &Path, stage_dir: &Path) -> MixReport {
    let mut report = MixReport::default();
    let t = Instant::now();
    let Some(election) = report.record("M.0 election file".into(), t, load_election(election_path), "ok") else {
        return report;
    };
    let fingerprint = *election.fingerprint();
    let manifest = election.manifest();
    let t = Instant::now();
    let width =
        manifest.contests.get(contest as usize).map(|c| c.chunks()).ok_or(MixCheckError::NoSuchContest { contest });
    let Some(width) = report.record(format!("M.0 contest {contest}"), t, width, "exists") else {
        return report;
    };
    let t = Instant::now();
    let Some(mut current) =
        report.record("M.2 input list".into(), t, read_list(input, contest, width), "decoded, every point canonical")
    else {
        return report;
    };
    let mut stages = 0usize;
    for stage in 1..=u32::from(u16::MAX) {
        let (list_path, proof_path) = stage_paths(stage_dir, stage);
        if !list_path.exists() && !proof_path.exists() {
            break;
        }
        stages += 1;
        let t = Instant::now();
        let output = read_list(&list_path, contest, width);
        let Some(output) = report.record(format!("M.2 stage {stage} output list"), t, output, "decoded") else {
            return report;
        };
        let t = Instant::now();
        let proof = read(&proof_path).and_then(|b| {
            ShuffleProof::from_bytes(&b).map_err(|e| MixCheckError::BadProofFile {
                contest,
                stage,
                path: proof_path.clone(),
                reason: e.to_string(),
            })
        });
        let Some(proof) = report.record(format!("M.3 stage {stage} proof file"), t, proof, "decoded") else {
            return report;
        };
        let t = Instant::now();
        let statement = ShuffleStatement {
            fingerprint: &fingerprint,
            public_key: election.public_key(),
            contest,
            stage,
            input: &current,
            output: &output,
        };
        let result = proof
            .verify(&mut election_transcript(&fingerprint), &statement)
            .map_err(|source| MixCheckError::ShuffleProofInvalid { contest, stage, source });
        let detail = format!("{} rows verified", output.len());
        report.record(format!("M.4 stage {stage} proof of shuffle"), t, result, &detail);
        if !report.passed() {
            return report;
        }
        current = output;
    }
    let t = Instant::now();
    let expected = usize::from(manifest.mix_stages);
    let count = if stages == expected {
        Ok(())
    } else {
        Err(MixCheckError::WrongStageCount { contest, expected, found: stages })
    };
    report.record(format!("M.5 contest {contest} stage count"), t, count, &format!("{stages} stages"));
    report
}

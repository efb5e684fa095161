//! Verification of a chain of mix stages for one contest (SPEC.md §9.5).
//!
//! The chain is read from a directory holding `stage-1.list`, `stage-1.proof`, `stage-2.list`, … : stage `k`'s
//! input is stage `k − 1`'s output (stage 1's is the list given on the command line). Every list is decoded
//! once (each point decompressed once) and every proof checked by its own batched equation. The report lists each
//! check with its result and time; nothing here panics on bad input.

use std::fs;
use std::path::{Path, PathBuf};

use protocol::codec::Decode;
use protocol::roles::{verify_stage, StageDigests};
use protocol::shuffle::{CiphertextList, ShuffleError, ShuffleProof, ShuffleStatement};
use protocol::transcript::election_transcript;
use protocol::{Election, Manifest, PublicKey};
use serde::Deserialize;
use thiserror::Error;

use crate::report::Report;

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
    #[error("election file {path}: {reason}")]
    ElectionFile { path: PathBuf, reason: String },
    #[error("contest {contest} does not exist in the manifest")]
    NoSuchContest { contest: u32 },
    #[error("file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: not a valid ciphertext list: {reason}")]
    BadList { path: PathBuf, reason: String },
    #[error("{path}: width {found}, contest {contest} has {expected} chunks")]
    WrongWidth { path: PathBuf, contest: u32, expected: usize, found: usize },
    #[error("contest {contest} stage {stage}: {path}: not a valid proof: {reason}")]
    BadProofFile { contest: u32, stage: u32, path: PathBuf, reason: String },
    #[error("contest {contest} stage {stage}: {source}")]
    ShuffleProofInvalid { contest: u32, stage: u32, source: ShuffleError },
    #[error("contest {contest}: {found} stages found, the manifest requires {expected}")]
    WrongStageCount { contest: u32, expected: usize, found: usize },
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

/// The mix server's signature of stage `k` in a stage directory (§9.5.1).
pub fn signature_path(dir: &Path, stage: u32) -> PathBuf {
    dir.join(format!("stage-{stage}.sig"))
}

/// Verifies the chain of one contest: `input`, then the stages found in `stage_dir` (1, 2, … until the first
/// missing one), which must be exactly the manifest's `mix_stages`. Checks: M.0 the election file and the contest,
/// M.2 each list decodes with the contest's width, M.3 each proof file decodes, M.4 each proof verifies (§9.4),
/// M.5 the number of stages (§9.4.3), M.6 each stage is signed by the manifest's mix server of that stage
/// (§9.5.1). The first failure stops the chain (every later stage reads its output).
pub fn verify_chain(election_path: &Path, contest: u32, input: &Path, stage_dir: &Path, progress: bool) -> Report {
    let mut report = Report::new(format!("mix chain of contest {contest}: {}", stage_dir.display()), progress);
    fn e<T>(r: Result<T, MixCheckError>) -> Result<T, String> {
        r.map_err(|e| e.to_string())
    }
    let Some(election) =
        report.run("M.0", "election file", || e(load_election(election_path)).map(|el| (el, String::new())))
    else {
        return report;
    };
    let fingerprint = *election.fingerprint();
    let manifest = election.manifest();
    let width =
        manifest.contests.get(contest as usize).map(|c| c.chunks()).ok_or(MixCheckError::NoSuchContest { contest });
    let Some(width) =
        report.run("M.0", format!("contest {contest} exists"), || e(width).map(|w| (w, format!("width {w}"))))
    else {
        return report;
    };
    let Some(mut current) = report.run("M.2", "input list", || {
        e(read_list(input, contest, width)).map(|l| {
            let note = format!("{} rows, every point canonical", l.len());
            (l, note)
        })
    }) else {
        return report;
    };
    let mut stages = 0usize;
    let mut current_path = input.to_path_buf();
    for stage in 1..=u32::from(u16::MAX) {
        let (list_path, proof_path) = stage_paths(stage_dir, stage);
        if !list_path.exists() && !proof_path.exists() {
            break;
        }
        stages += 1;
        let Some(output) = report.run("M.2", format!("stage {stage} output list"), || {
            e(read_list(&list_path, contest, width)).map(|l| (l, "decoded".into()))
        }) else {
            return report;
        };
        let Some(proof) = report.run("M.3", format!("stage {stage} proof file"), || {
            e(read(&proof_path).and_then(|b| {
                ShuffleProof::from_bytes(&b).map_err(|err| MixCheckError::BadProofFile {
                    contest,
                    stage,
                    path: proof_path.clone(),
                    reason: err.to_string(),
                })
            }))
            .map(|p| (p, "decoded".into()))
        }) else {
            return report;
        };
        let statement = ShuffleStatement {
            fingerprint: &fingerprint,
            public_key: election.public_key(),
            contest,
            stage,
            input: &current,
            output: &output,
        };
        let verified = report.run("M.4", format!("stage {stage} proof of shuffle"), || {
            e(proof
                .verify(&mut election_transcript(&fingerprint), &statement)
                .map_err(|source| MixCheckError::ShuffleProofInvalid { contest, stage, source }))
            .map(|()| ((), format!("{} rows verified", output.len())))
        });
        if verified.is_none() {
            return report;
        }
        let signed = report.run("M.6", format!("stage {stage} signed by mix server {stage}"), || {
            let k = u16::try_from(stage).map_err(|_| format!("stage {stage}: no such stage"))?;
            let sig_path = signature_path(stage_dir, stage);
            let digests = StageDigests::of(&e(read(&current_path))?, &e(read(&list_path))?, &e(read(&proof_path))?);
            let signature = e(read(&sig_path))?;
            verify_stage(&manifest.roles, &fingerprint, contest, k, &digests, &signature)
                .map_err(|err| format!("{}: {err}", sig_path.display()))?;
            Ok(((), format!("by {}", manifest.roles.mix_keys[usize::from(k) - 1].to_hex())))
        });
        if signed.is_none() {
            return report;
        }
        current = output;
        current_path = list_path;
    }
    let expected = usize::from(manifest.mix_stages());
    report.run("M.5", format!("contest {contest} stage count"), || {
        if stages == expected {
            Ok(((), format!("{stages} stages")))
        } else {
            Err(MixCheckError::WrongStageCount { contest, expected, found: stages }.to_string())
        }
    });
    report
}

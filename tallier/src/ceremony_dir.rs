//! The key ceremony's directory as the trustees' and officials' commands and the tally read it (SPEC.md §10.1):
//! every `KIND-J.json` and `close.json`, parsed by protocol's one parser of ceremony files, with each file's bytes
//! kept in the record's order.

use std::fs;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use protocol::manifest::Manifest;
use protocol::record::CEREMONY_KINDS;
use protocol::threshold::ceremony::{Roster, CLOSE_FILE};
use protocol::threshold::{verify_ceremony, CeremonyFiles, CeremonyOutcome, CeremonyParams, ThresholdError};

pub fn load_manifest(path: &Path) -> Result<Manifest> {
    let text = fs::read_to_string(path).with_context(|| format!("reading manifest {}", path.display()))?;
    Manifest::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn ceremony_params(manifest: &Manifest) -> Result<CeremonyParams> {
    Ok(CeremonyParams::from_manifest(manifest)?)
}

pub(crate) fn file_name(kind: &str, trustee: u16) -> String {
    format!("{kind}-{trustee}.json")
}

/// Every ceremony file of `dir` (`KIND-J.json` and `close.json`), as (name, bytes), names ascending.
fn read_dir_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut named = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading the ceremony directory {}", dir.display()))? {
        let path = entry.with_context(|| format!("reading directory {}", dir.display()))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
        let ours = name == CLOSE_FILE || CEREMONY_KINDS.iter().any(|k| name.starts_with(&format!("{k}-")));
        if ours && path.is_file() {
            named.push((name, fs::read(&path).with_context(|| format!("reading {}", path.display()))?));
        }
    }
    named.sort();
    Ok(named)
}

/// The whole public transcript of the ceremony in `dir`, parsed by the one parser of ceremony files.
#[derive(Debug)]
pub struct Transcript {
    pub files: CeremonyFiles,
}

/// One file of the ceremony as the record holds it (SPEC.md §14.1): its path in the record and its bytes.
#[derive(Debug)]
pub struct CeremonyFile {
    pub record_path: String,
    pub bytes: Vec<u8>,
}

impl Transcript {
    pub fn read(dir: &Path) -> Result<Self> {
        Ok(Self::read_files(dir)?.0)
    }
    /// Reads the transcript and keeps every file's bytes, in the record's order: kinds in
    /// [`protocol::record::CEREMONY_KINDS`] order with the close after the closed rounds, `J` ascending.
    pub fn read_files(dir: &Path) -> Result<(Self, Vec<CeremonyFile>)> {
        let named = read_dir_files(dir)?;
        let files = CeremonyFiles::parse(&named).map_err(|e| anyhow!("{}/{e}", dir.display()))?;
        let mut out = Vec::new();
        let mut by_name: std::collections::BTreeMap<&str, &Vec<u8>> =
            named.iter().map(|(n, b)| (n.as_str(), b)).collect();
        for (k, kind) in CEREMONY_KINDS.iter().enumerate() {
            if k == protocol::record::CLOSED_KINDS {
                if let Some(bytes) = by_name.remove(CLOSE_FILE) {
                    out.push(CeremonyFile { record_path: protocol::record::CLOSE_PATH.into(), bytes: bytes.clone() });
                }
            }
            let mut js: Vec<u16> = by_name
                .keys()
                .filter_map(|n| n.strip_prefix(&format!("{kind}-"))?.strip_suffix(".json")?.parse().ok())
                .collect();
            js.sort_unstable();
            for j in js {
                if let Some(bytes) = by_name.remove(file_name(kind, j).as_str()) {
                    out.push(CeremonyFile {
                        record_path: protocol::record::ceremony_path(kind, j),
                        bytes: bytes.clone(),
                    });
                }
            }
        }
        Ok((Self { files }, out))
    }
    /// The whole check (C1–C14), with what to run next when the ceremony is not finished.
    pub fn verify(&self, params: &CeremonyParams) -> Result<(Roster, CeremonyOutcome)> {
        let outcome = verify_ceremony(params, &self.files).map_err(|e| anyhow!("{e}{}", next_step(&e)))?;
        Ok((outcome.roster.clone(), outcome))
    }
}

/// What to run about a ceremony error that a later round (or an official) resolves.
pub(crate) fn next_step(e: &ThresholdError) -> String {
    match e {
        ThresholdError::NotClosed => "\nnext: once every trustee has confirmed, the officials run `tallier keys close \
                                      --manifest M --dir D --key officials.key` (with `--without J` for a trustee \
                                      who will not confirm)"
            .into(),
        ThresholdError::Unrevealed { dealer, .. } => format!(
            "\nnext: trustee {dealer} runs `tallier trustee reveal`; if it cannot or will not, the officials have \
             at least t other trustees run `tallier trustee recover --for {dealer}`: its contribution is then \
             rebuilt (it is never dropped, which would let it bias the key)"
        ),
        ThresholdError::ClosedFileMissing { kind, trustee } | ThresholdError::ClosedFileChanged { kind, trustee } => {
            format!(
                "\nnext: put back the {} the officials closed the ceremony with (every trustee keeps a copy of the \
                 files it used); a file of rounds 1 to 3 cannot change after the close",
                file_name(kind, *trustee)
            )
        }
        _ => String::new(),
    }
}

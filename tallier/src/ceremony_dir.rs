//! The key ceremony's directory as the trustees' and officials' commands and the tally read it (SPEC.md §10.1):
//! every `KIND-J.json` and `close.json`, parsed by protocol's one parser of ceremony files, with each file's bytes
//! kept in the record's order.

use std::path::Path;

use anyhow::{anyhow, Result};
use protocol::manifest::Manifest;
use protocol::threshold::ceremony::Roster;
use protocol::threshold::{verify_ceremony, CeremonyFiles, CeremonyOutcome, CeremonyParams, ThresholdError};
pub use verifier::files::CeremonyFile;
use verifier::files::{read_text, CeremonyDir};

pub fn load_manifest(path: &Path) -> Result<Manifest> {
    let text = read_text(path).map_err(|e| anyhow!("reading the manifest: {e}"))?;
    Manifest::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn ceremony_params(manifest: &Manifest) -> Result<CeremonyParams> {
    Ok(CeremonyParams::from_manifest(manifest)?)
}

pub(crate) fn file_name(kind: &str, trustee: u16) -> String {
    format!("{kind}-{trustee}.json")
}

/// The whole public transcript of the ceremony in `dir`, read by the verifier's one guarded reader of ceremony
/// directories (the same code `verifier ceremony` runs).
#[derive(Debug)]
pub struct Transcript {
    pub files: CeremonyFiles,
}

impl Transcript {
    pub fn read(dir: &Path) -> Result<Self> {
        Ok(Self::read_files(dir)?.0)
    }
    /// Reads the transcript and keeps every file's bytes, in the record's order: kinds in
    /// [`protocol::record::CEREMONY_KINDS`] order with the close after the closed rounds, `J` ascending.
    pub fn read_files(dir: &Path) -> Result<(Self, Vec<CeremonyFile>)> {
        let read = CeremonyDir::read(dir).map_err(|e| anyhow!(e))?;
        Ok((Self { files: read.files }, read.ordered))
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

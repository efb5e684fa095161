//! The record's directory as the tally's steps and the trustees read it before `finish` writes its index
//! (SPEC.md §14.1): where each file is, the election, and the key ceremony it holds, verified.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use protocol::manifest::{Manifest, Unit};
use protocol::record;
use protocol::threshold::{CeremonyOutcome, CeremonyParams};
use protocol::Election;

use crate::ceremony_dir::{CeremonyFile, Transcript};
use crate::files::read_input_text;

/// The directory of the key ceremony inside the record.
pub const CEREMONY_DIR: &str = "ceremony";

/// `RECORD/rel`, for a record path `rel` of §14.1 (`/`-separated).
pub fn record_file(record: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(record.to_path_buf(), |p, c| p.join(c))
}

/// Reads `election.json` of a record (§8.8): the manifest validated, the fingerprint computed.
pub fn load_record_election(record: &Path) -> Result<Election> {
    let path = record_file(record, record::ELECTION_PATH);
    let text =
        read_input_text(&path).with_context(|| format!("is {} a record made by `tally prepare`?", record.display()))?;
    Election::from_json(&text).with_context(|| format!("{} is not a valid election file", path.display()))
}

/// Refuses a record that `finish` already closed: its files are fixed by the index.
pub fn refuse_finished(record: &Path) -> Result<()> {
    if record_file(record, record::INDEX_PATH).exists() {
        bail!("{} is finished (it has an index.json): nothing may be added to it", record.display());
    }
    Ok(())
}

/// Verifies the key ceremony kept in a record (§10.10 KC2–KC6) and that its key (K9) is the election's.
pub fn record_ceremony(
    record: &Path,
    election: &Election,
) -> Result<(CeremonyParams, protocol::threshold::ceremony::Roster, CeremonyOutcome, Vec<CeremonyFile>)> {
    let params = CeremonyParams::from_manifest(election.manifest())?;
    let dir = record_file(record, CEREMONY_DIR);
    let (transcript, files) = Transcript::read_files(&dir)?;
    let (roster, outcome) =
        transcript.verify(&params).with_context(|| format!("the key ceremony in {} does not verify", dir.display()))?;
    if outcome.election_key != *election.public_key() {
        bail!(
            "the key ceremony in {} gives the election key {}, but election.json has {}",
            dir.display(),
            key_hex(&outcome.election_key),
            key_hex(election.public_key())
        );
    }
    Ok((params, roster, outcome, files))
}

pub(crate) fn key_hex(key: &protocol::PublicKey) -> String {
    hex::encode(key.element().to_bytes())
}

/// How the tally names a unit (SPEC.md §4.6) to people: `contest C` without districts (as it always has), and with
/// districts the contest's and the district's ids, `council-north (north)`.
pub fn unit_name(manifest: &Manifest, unit: Unit) -> String {
    let contest = manifest.contests.get(unit.contest).map_or("?", |c| c.id.as_str());
    match unit.district {
        None => format!("contest {}", unit.contest),
        Some(d) => {
            let district = manifest.districts.get(usize::from(d)).map_or("?", |d| d.id.as_str());
            format!("{contest} ({district})")
        }
    }
}

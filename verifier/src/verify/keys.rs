//! The key ceremony kept in the record: V3 (SPEC.md §10.10, §14.4).

use super::*;

impl State {
    /// V3: §10.10 KC2–KC6 on `ceremony/`; (K9) equals `election.json`'s key.
    pub fn v3(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(layout)) = (&self.files, &self.election, &self.layout) else {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V3, &w);
        };
        self.ceremony = report.run_typed(Check::V3, || {
            let (params, roster, outcome) = ceremony(files, election, layout)?;
            let mut notes = vec![crate::ceremony::roster_note(&roster)];
            notes.extend(crate::ceremony::outcome_notes(&outcome));
            Ok(((params, roster, outcome), notes.join("\n")))
        });
    }
}

/// §10.10 KC2–KC6 on the record's `ceremony/` files (those `layout` lists), and (K9): the key ceremony's outcome
/// with the election's parameters and roster. V3 runs it, and so does the in-browser verifier's helper that
/// verifies a contest's decryption beforehand.
pub(super) fn ceremony(
    files: &Files,
    election: &Election,
    layout: &Layout,
) -> Result<(CeremonyParams, Roster, CeremonyOutcome), Failure> {
    let fail = |f: KeysFailure| Failure::Keys(f);
    let params = CeremonyParams::from_manifest(election.manifest()).map_err(|e| fail(KeysFailure::Parameters(e)))?;
    // The record's ceremony files, named as in the ceremony's directory, for the one parser of them.
    let mut named = Vec::new();
    for (path, name) in ceremony_files(layout) {
        named.push((name, files.get(&path).map_err(|e| fail(e.into()))?.to_vec()));
    }
    let ceremony = th::CeremonyFiles::parse(&named).map_err(|e| fail(KeysFailure::Undecodable(e)))?;
    let outcome = th::verify_ceremony(&params, &ceremony).map_err(|e| fail(KeysFailure::Ceremony(e)))?;
    let roster = outcome.roster.clone();
    if outcome.election_key != *election.public_key() {
        return Err(fail(KeysFailure::ElectionKey {
            ceremony: hex::encode(outcome.election_key.to_bytes()),
            election: hex::encode(election.public_key().to_bytes()),
        }));
    }
    Ok((params, roster, outcome))
}

/// The record's ceremony files (those `layout` lists), in the order the ceremony's parser reads them: each file's
/// path in the record and its name in a ceremony's directory.
pub(super) fn ceremony_files(layout: &Layout) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (k, kind) in CEREMONY_KINDS.iter().enumerate() {
        if k == protocol::record::CLOSED_KINDS {
            files.push((
                protocol::record::CLOSE_PATH.to_string(),
                protocol::threshold::ceremony::CLOSE_FILE.to_string(),
            ));
        }
        for &j in layout.ceremony.get(k).map(Vec::as_slice).unwrap_or_default() {
            files.push((protocol::record::ceremony_path(kind, j), format!("{kind}-{j}.json")));
        }
    }
    files
}

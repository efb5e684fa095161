//! Checks of the key ceremony's transcript and of threshold decryptions (SPEC.md §10.10).
//!
//! Each check has a number; the report lists them all with their result and time. Nothing here panics on bad
//! input: every file is decoded strictly and every failure becomes a failed check naming the trustee.

use std::path::{Path, PathBuf};

use protocol::codec::Decode;
use protocol::manifest::Manifest;
use protocol::threshold::ceremony::Roster;
use protocol::threshold::{
    combine, verify_ceremony, CeremonyFiles, CeremonyOutcome, CeremonyParams, CiphertextList, ClosedCeremony,
    PartialDecryption, PlaintextList, Signed,
};
use rand::rngs::OsRng;

use crate::files::{read_file, read_text, CeremonyDir};

pub use crate::report::{Check, Report};

/// Every file of the ceremony directory `dir`, read by the one guarded reader and parsed by the one parser of
/// ceremony files.
fn read_dir(dir: &Path) -> Result<CeremonyFiles, String> {
    CeremonyDir::read(dir).map(|d| d.files)
}

fn load_manifest(path: &Path) -> Result<(Manifest, CeremonyParams), String> {
    let text = read_text(path)?;
    let m = Manifest::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let params = CeremonyParams::from_manifest(&m).map_err(|e| e.to_string())?;
    Ok((m, params))
}

/// The ceremony checks (KC1–KC7). With `key_file`, also that the published election key file matches.
pub fn check_ceremony(
    manifest: &Path,
    dir: &Path,
    key_file: Option<&Path>,
    report: &mut Report,
) -> Option<(Manifest, CeremonyParams, Roster, CeremonyOutcome)> {
    let (m, params) = report.run(Check::KC1, || {
        let (m, p) = load_manifest(manifest)?;
        let note = format!("threshold {} of {}, manifest digest {}", p.t, p.n, hex::encode(p.digest));
        Ok(((m, p), note))
    })?;
    let files = report.run(Check::KC2, || {
        let files = read_dir(dir)?;
        let note = format!(
            "{} announcements, {} dealings, {} confirmations, {}, {} reveals, {} recoveries",
            files.announcements.len(),
            files.dealings.len(),
            files.confirmations.len(),
            if files.close.is_some() { "the officials' close" } else { "no close" },
            files.reveals.len(),
            files.recoveries.len()
        );
        Ok((files, note))
    })?;
    report.run(Check::KC3, || {
        let roster = Roster::new(&params, &files.announcements).map_err(|e| e.to_string())?;
        Ok(((), roster_note(&roster)))
    })?;
    report.run(Check::KC4, || {
        let closed = ClosedCeremony::check(&params, &files).map_err(|e| e.to_string())?;
        let q = &closed.qualification;
        let mut notes = vec![format!("qualified trustees {:?}", q.qualified)];
        notes.extend(q.disqualified.iter().map(|(_, e)| format!("disqualified: {e}")));
        notes.extend(q.rejected_complaints.iter().map(|e| format!("complaint rejected: {e}")));
        Ok(((), notes.join("\n        ")))
    })?;
    let outcome = report.run(Check::KC5, || {
        let o = verify_ceremony(&params, &files).map_err(|e| e.to_string())?;
        let notes = outcome_notes(&o).join("\n        ");
        Ok((o, notes))
    })?;
    report.run(Check::KC6, || {
        Ok(((), format!("election key {}", hex::encode(outcome.election_key.element().to_bytes()))))
    })?;
    if let Some(path) = key_file {
        report.run(Check::KC7, || {
            let text = read_text(path)?;
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let key = hex::encode(outcome.election_key.element().to_bytes());
            if v["election_public_key"].as_str() != Some(key.as_str()) {
                return Err("election_public_key differs from the one the transcript determines".into());
            }
            let vks: Vec<String> = outcome.verification_keys.iter().map(|k| hex::encode(k.to_bytes())).collect();
            let published: Option<Vec<String>> = v["verification_keys"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect());
            if published.as_ref() != Some(&vks) {
                return Err("verification_keys differ from those the transcript determines".into());
            }
            if v["fingerprint"].as_str() != Some(m.fingerprint(&outcome.election_key).to_hex().as_str()) {
                return Err("fingerprint differs".into());
            }
            Ok(((), String::new()))
        })?;
    }
    Some((m, params, outcome.roster.clone(), outcome))
}

/// How many trustees announced, and who is absent (C4).
pub fn roster_note(roster: &Roster) -> String {
    let members = roster.members().len();
    match roster.absent() {
        absent if absent.is_empty() => format!("{members} trustees"),
        absent => format!("{members} trustees announced; absent (no announcement, took no part): {absent:?}"),
    }
}

/// What the ceremony's outcome says beyond success: QUAL, disqualified dealers with the reason, rejected
/// complaints, trustees who did not confirm.
pub fn outcome_notes(o: &CeremonyOutcome) -> Vec<String> {
    let mut notes = vec![format!("qualified trustees {:?}", o.qualified)];
    notes.extend(o.disqualified.iter().map(|(_, e)| format!("disqualified: {e}")));
    notes.extend(o.rejected_complaints.iter().map(|e| format!("complaint rejected: {e}")));
    if !o.unconfirmed.is_empty() {
        notes.push(format!("no confirmation from {:?} (the officials closed without it)", o.unconfirmed));
    }
    if !o.recovered.is_empty() {
        notes.push(format!("contributions rebuilt from the others' recoveries: {:?}", o.recovered));
    }
    notes.extend(o.rejected.iter().map(|e| format!("refused: {e}")));
    notes.extend(
        o.late
            .iter()
            .map(|(kind, j)| format!("ignored: the {kind} of trustee {j} (not named by the close, or not needed)")),
    );
    notes
}

/// The decryption checks (DC1–DC3) for one list, after the ceremony checks.
pub fn check_decryption(
    manifest: &Path,
    dir: &Path,
    input: &Path,
    partials: &[PathBuf],
    plaintext: &Path,
    report: &mut Report,
) -> Option<()> {
    let (m, params, roster, outcome) = check_ceremony(manifest, dir, None, report)?;
    let (list, ps, claimed) = report.run(Check::DC1, || {
        let bytes = read_file(input)?;
        let list = CiphertextList::from_bytes(&bytes).map_err(|e| format!("{}: {e}", input.display()))?;
        let mut ps = Vec::new();
        for p in partials {
            let bytes = read_file(p)?;
            ps.push(Signed::<PartialDecryption>::from_bytes(&bytes).map_err(|e| format!("{}: {e}", p.display()))?);
        }
        let bytes = read_file(plaintext)?;
        let claimed = PlaintextList::from_bytes(&bytes).map_err(|e| format!("{}: {e}", plaintext.display()))?;
        let note = format!("{} ciphertexts, {} partial decryptions", list.cells().len(), ps.len());
        Ok(((list, ps, claimed), note))
    })?;
    let fingerprint = m.fingerprint(&outcome.election_key);
    let verified = report.run(Check::DC2, || {
        let v = protocol::threshold::verify_partial_decryptions(
            &params,
            &fingerprint,
            &roster,
            &outcome,
            &list,
            ps,
            &mut OsRng,
        )
        .map_err(|e| e.to_string())?;
        if !v.rejected.is_empty() {
            let names: Vec<String> = v.rejected.iter().map(ToString::to_string).collect();
            return Err(names.join("; "));
        }
        let note = format!("trustees {:?}", v.trustees());
        Ok((v, note))
    })?;
    report.run(Check::DC3, || {
        let plain = combine(&params, &verified, &list).map_err(|e| e.to_string())?;
        if plain != claimed {
            return Err("the plaintext file differs from the combination".into());
        }
        Ok(((), format!("{} plaintexts", plain.points.len())))
    })
}

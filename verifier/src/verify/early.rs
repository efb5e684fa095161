//! A trustee's check of the mix stages as they come (SPEC.md §14.3 "Stages checked early"): while the next mix
//! server mixes, a trustee verifies the proofs of the stages already in the record, with the chain's one checker
//! ([`protocol::shuffle::verify_chain`], as V10 runs it), and names each stage whose proof verified by the digest
//! the in-browser verifier's helpers use ([`parts::stage_key`]: the election fingerprint, the unit, the stage and
//! the SHA-256 of its input, output and proof). Its check before decrypting ([`verify_before_decryption_with`])
//! then skips the proof of a stage whose digest it finds among them, and checks everything else as before: the
//! files V1 reads, the ballots, the mix input, every stage's lists, signature and the last list's every point. A
//! stage changed after it was checked has another digest and is verified again.

use protocol::shuffle::stream::ByteSource;

use super::*;

/// The stages of a record's directory whose proofs verified.
#[derive(Debug)]
pub struct EarlyStages {
    /// The election of the record's `election.json` (its fingerprint is in every digest).
    pub election: Election,
    /// Each stage present, in record order: its unit's name, its number, and its digest when its proof verified.
    pub stages: Vec<(String, u16, Option<[u8; 32]>)>,
    /// Stages whose proofs were not verified again because `known` had them.
    pub known: usize,
}

/// Verifies the proof of every mix stage in the record at `dir` (`election.json`, and each unit's input list and
/// the stages present so far, in order from 1), except those whose digests `known` has; each stage's digest is
/// given when its proof verified. Nothing here is trusted later but through its digest: an election or a list
/// other than the record's gives other digests.
pub fn check_stages_early(dir: &Path, known: &parts::Verified) -> Result<EarlyStages, String> {
    let read = |rel: &str| std::fs::read(dir.join(rel)).map_err(|e| format!("{}: {e}", dir.join(rel).display()));
    let params: protocol::election::ElectionParameters = parse_json(ELECTION_PATH, &read(ELECTION_PATH)?)
        .map_err(|e| format!("{}: {e}", dir.join(ELECTION_PATH).display()))?;
    let election = params.election().map_err(|e| format!("{}: {e}", dir.join(ELECTION_PATH).display()))?;
    let manifest = election.manifest();
    let mut stages = Vec::new();
    let mut skipped = 0;
    for (c, unit) in manifest.units().into_iter().enumerate() {
        let width = manifest.contests.get(unit.contest).map_or(0, |contest| contest.chunks());
        let present = crate::chain::count_stages(|k| {
            dir.join(stage_list_path(unit, k)).is_file() && dir.join(stage_proof_path(unit, k)).is_file()
        });
        if present == 0 {
            continue;
        }
        let open = |rel: String| -> Result<crate::chain::Source<'static>, String> {
            let path = dir.join(&rel);
            std::fs::File::open(&path).map(crate::chain::Source::File).map_err(|e| format!("{}: {e}", path.display()))
        };
        let mut lists = vec![open(input_path(unit))?];
        let mut proofs = Vec::new();
        for k in 1..=present {
            lists.push(open(stage_list_path(unit, k))?);
            proofs.push(open(stage_proof_path(unit, k))?);
        }
        let list_sources: Vec<&dyn ByteSource> = lists.iter().map(|s| s as &dyn ByteSource).collect();
        let proof_sources: Vec<&dyn ByteSource> = proofs.iter().map(|s| s as &dyn ByteSource).collect();
        let fingerprint = *election.fingerprint();
        let statement = protocol::shuffle::ChainStatement {
            fingerprint: &fingerprint,
            public_key: election.public_key(),
            contest: c as u32,
            width,
        };
        let before = |k: u16, d: &StageDigests| known.has(&parts::stage_key(&election, c, k, d));
        let options = protocol::shuffle::ChainOptions {
            chunk_rows: crate::chain::chunk_rows(width, present),
            verified: Some(&before),
            check_last: false,
            progress: &|_| {},
        };
        let verdict = protocol::shuffle::verify_chain(&statement, &list_sources, &proof_sources, &options);
        let name = unit_name(manifest, unit);
        for k in 1..=present {
            let digests = verdict.digests(usize::from(k));
            let key = digests.as_ref().map(|d| parts::stage_key(&election, c, k, d));
            let passed = match verdict.stages.get(usize::from(k) - 1) {
                Some(Some(Ok(()))) => key,
                // Not verified: known before (its digest is then the known one), or at or after a failed list.
                Some(None) => key.filter(|key| known.has(key)).inspect(|_| skipped += 1),
                _ => None,
            };
            stages.push((name.clone(), k, passed));
        }
    }
    Ok(EarlyStages { election, stages, known: skipped })
}

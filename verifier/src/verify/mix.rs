//! The mix: V10, through the one chain checker (crate::chain) (SPEC.md §9.4, §14.4).

use protocol::shuffle::stream::ByteSource as _;

use super::*;

impl State {
    /// V10: for every unit (§4.6: a contest, or with districts a contest's ballots from one district) that the
    /// layout gives a mix, `mix_stages` stages, each list decodes with the contest's width (§9.4 SV0), each proof
    /// verifies (§9.4) against the previous list, each signature is its mix server's (§9.5.1), all with the unit's
    /// index in `units()` as the statement's and the signature's contest number. A unit without a mix in the
    /// layout (no ballot reached it) must have an input list of 0 rows: its "last list" is that empty list.
    pub fn v10(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(mixed)) = (&self.files, &self.election, &self.mixed) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.mixed.is_some(), Check::V2),
            ]);
            return report.not_run(Check::V10, &w);
        };
        let manifest = election.manifest();
        let units = manifest.units();
        let stages = manifest.mix_stages();
        let to_mix = mixed.iter().filter(|m| **m).count();
        let bar = report.bar(to_mix as u64 * u64::from(stages), "V10 proofs of shuffle");
        let verified = &self.verified;
        let last = report.run_keep_typed(Check::V10, || {
            let mut problems = Vec::new();
            let mut last = Vec::new();
            let mut rows = 0usize;
            for (u, unit) in units.iter().enumerate() {
                let read = |part: Part| -> crate::chain::Read<'_> {
                    let path = match part {
                        Part::Input => input_path(*unit),
                        Part::List(k) => stage_list_path(*unit, k),
                        Part::Proof(k) => stage_proof_path(*unit, k),
                        Part::Signature(k) => stage_signature_path(*unit, k),
                    };
                    let unreadable = |reason: String| ChainFailure::Unreadable { file: path.clone(), reason };
                    #[cfg(unix)]
                    if let Some(open) = files.open(&path) {
                        let handle = open.handle().map_err(|e| unreadable(crate::files::io_reason(&e)))?;
                        return Ok((path, crate::chain::Source::File(handle)));
                    }
                    let bytes = files.get(&path).map_err(|e| unreadable(e.to_string()))?;
                    Ok((path, crate::chain::Source::Bytes(Cow::Borrowed(bytes))))
                };
                if !mixed.get(u).copied().unwrap_or(true) {
                    match unmixed(election, u, *unit, &read) {
                        Ok(list) => last.push(LastList { path: input_path(*unit), rows: 0, digest: list.digest() }),
                        Err(e) => problems.push(e),
                    }
                    continue;
                }
                let known = |k: u16, d: &StageDigests| verified.has(&parts::stage_key(election, u, k, d));
                let known: Option<&protocol::shuffle::VerifiedBefore<'_>> =
                    if verified.is_empty() { None } else { Some(&known) };
                let checked = crate::chain::check_contest(election, u, stages, &read, known, &|| bar.inc(1));
                rows = checked.rows;
                problems.extend(checked.failures);
                // A file V1 kept open and the chain check read again: the bytes verified must be those V1 hashed.
                for (file, digest) in &checked.hashed {
                    if files.open(file).is_some_and(|f| f.sha256() != *digest) {
                        let reason = crate::files::CHANGED.to_string();
                        problems.push(ChainFailure::Unreadable { file: file.clone(), reason });
                    }
                }
                if let Some((rows, digest)) = checked.last {
                    last.push(LastList { path: stage_list_path(*unit, stages), rows, digest });
                }
            }
            bar.finish_and_clear();
            let complete = last.len() == units.len();
            let verdict = if problems.is_empty() {
                Ok(if manifest.has_districts() {
                    let empty = units.len() - to_mix;
                    format!(
                        "{to_mix} units (contest and district) × {stages} stages verified, {empty} units that no \
                         ballot reached (input of 0 rows, no mix), {rows} rows in the last unit mixed"
                    )
                } else {
                    format!("{} contests × {stages} stages verified, {rows} rows in the last contest", units.len())
                })
            } else {
                Err(Failure::Chain(problems))
            };
            (complete.then_some(last), verdict)
        });
        self.last_lists = last;
    }
}

/// A unit the layout gives no mix (§14.1: no ballot reached it): its input list must have 0 rows; it is then the
/// unit's last list. Otherwise [`ChainFailure::NoMix`] names the unit and its rows.
fn unmixed<'a>(
    election: &Election,
    u: usize,
    unit: protocol::manifest::Unit,
    read: &dyn Fn(Part) -> crate::chain::Read<'a>,
) -> Result<CiphertextList, ChainFailure> {
    let width = election.manifest().contests.get(unit.contest).map_or(0, |c| c.chunks());
    let list = read(Part::Input).and_then(|(file, source)| {
        let mut bytes = vec![0u8; usize::try_from(source.size()).unwrap_or(usize::MAX)];
        source
            .read_at(0, &mut bytes)
            .map_err(|e| ChainFailure::Unreadable { file: file.clone(), reason: e.to_string() })?;
        crate::chain::decode_list(&bytes, u, 0, &file, width)
    })?;
    if list.is_empty() {
        Ok(list)
    } else {
        Err(ChainFailure::NoMix { contest: u, unit: unit.to_string(), file: input_path(unit), rows: list.len() })
    }
}

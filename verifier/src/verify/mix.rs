//! The mix: V10, through the one chain checker (crate::chain) (SPEC.md §9.4, §14.4).

use super::*;

impl State {
    /// V10: for every contest, `mix_stages` stages, each list decodes with the contest's width (§9.4 SV0), each
    /// proof verifies (§9.4) against the previous list.
    pub fn v10(&mut self, report: &mut Report) {
        let (Some(files), Some(election)) = (&self.files, &self.election) else {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V10, &w);
        };
        let manifest = election.manifest();
        let stages = manifest.mix_stages();
        let bar = report.bar(manifest.contests.len() as u64 * u64::from(stages), "V10 proofs of shuffle");
        let mut inputs = std::mem::take(&mut self.inputs);
        let verified = &self.verified;
        let last = report.run_keep_typed(Check::V10, || {
            let mut problems = Vec::new();
            let mut last = Vec::new();
            let mut rows = 0usize;
            for c in 0..manifest.contests.len() {
                let read = |part: Part| -> crate::chain::Read<'_> {
                    let path = match part {
                        Part::Input => input_path(c),
                        Part::List(k) => stage_list_path(c, k),
                        Part::Proof(k) => stage_proof_path(c, k),
                        Part::Signature(k) => stage_signature_path(c, k),
                    };
                    let bytes = files
                        .get(&path)
                        .map_err(|e| ChainFailure::Unreadable { file: path.clone(), reason: e.to_string() })?;
                    Ok((path, Cow::Borrowed(bytes)))
                };
                let input = inputs.get_mut(c).and_then(Option::take);
                let known = |k: u16, d: &StageDigests| verified.has(&parts::stage_key(election, c, k, d));
                let checked = crate::chain::check_contest(election, c, stages, input, &read, &known, &|| bar.inc(1));
                rows = checked.rows;
                problems.extend(checked.failures);
                if let Some(list) = checked.last {
                    last.push(list);
                }
            }
            bar.finish_and_clear();
            let complete = last.len() == manifest.contests.len();
            let verdict = if problems.is_empty() {
                Ok(format!(
                    "{} contests × {stages} stages verified, {rows} rows in the last contest",
                    manifest.contests.len()
                ))
            } else {
                Err(Failure::Chain(problems))
            };
            (complete.then_some(last), verdict)
        });
        self.last_lists = last;
    }
}

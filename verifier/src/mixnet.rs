//! `verifier mix`: one contest's chain of mix stages in a directory (SPEC.md §9.5), before it enters a record.
//!
//! The directory holds `stage-1.list`, `stage-1.proof`, `stage-1.sig`, `stage-2.list`, …: stage `k`'s input is
//! stage `k − 1`'s output (stage 1's is the list given on the command line). The chain is checked by the same
//! function as the record's V10 ([`crate::chain::check_contest`]); this command adds only how the files are found
//! and that their number is the manifest's `mix_stages`.

#[cfg(not(unix))]
use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use protocol::election::ElectionParameters;
use protocol::Election;

use crate::chain::{count_stages, ChainFailure, Part, Source};
use crate::report::{Check, Failure, Report};

/// Reads an election file (`{"manifest": …, "public_key": hex}`, SPEC.md §8.8) with the one type of it.
pub fn load_election(path: &Path) -> Result<Election, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("election file {}: {e}", path.display()))?;
    let params: ElectionParameters =
        serde_json::from_str(&text).map_err(|e| format!("election file {}: {e}", path.display()))?;
    params.election().map_err(|e| format!("election file {}: {e}", path.display()))
}

/// The files of stage `k` in a stage directory.
pub fn stage_paths(dir: &Path, stage: u16) -> (PathBuf, PathBuf) {
    (dir.join(format!("stage-{stage}.list")), dir.join(format!("stage-{stage}.proof")))
}

/// The mix server's signature of stage `k` in a stage directory (§9.5.1).
pub fn signature_path(dir: &Path, stage: u16) -> PathBuf {
    dir.join(format!("stage-{stage}.sig"))
}

/// Verifies the chain of one contest: `input`, then the stages found in `stage_dir` (1, 2, … until the first
/// with neither list nor proof). Checks: MC0 the election file, MC1 the contest exists, MC2 the chain (as V10),
/// MC3 the number of stages is the manifest's `mix_stages` (§9.4.3).
pub fn verify_chain(election_path: &Path, contest: u32, input: &Path, stage_dir: &Path, progress: bool) -> Report {
    let mut report = Report::new(format!("mix chain of contest {contest}: {}", stage_dir.display()), progress);
    let Some(election) = report.run(Check::MC0, || load_election(election_path).map(|e| (e, String::new()))) else {
        return report;
    };
    let manifest = election.manifest();
    let c = contest as usize;
    let units = manifest.units();
    let contest_exists = report.run(Check::MC1, || {
        let unit = units.get(c).copied();
        match unit.and_then(|u| manifest.contests.get(u.contest).map(|spec| (u, spec))) {
            Some((u, spec)) if manifest.has_districts() => Ok((
                (),
                format!("unit {contest} ({u}, {}): width {}", crate::verify::unit_name(manifest, u), spec.chunks()),
            )),
            Some((_, spec)) => Ok(((), format!("contest {contest}: width {}", spec.chunks()))),
            None if manifest.has_districts() => Err(format!(
                "unit {contest} does not exist: the manifest's districts make {} units (contest and district, \
                 SPEC.md §4.6), numbered from 0",
                units.len()
            )),
            None => Err(format!("contest {contest} does not exist in the manifest")),
        }
    });
    if contest_exists.is_none() {
        return report;
    }
    let found = count_stages(|k| {
        let (list, proof) = stage_paths(stage_dir, k);
        list.exists() || proof.exists()
    });
    let read = |part: Part| -> crate::chain::Read<'static> {
        let path = match part {
            Part::Input => input.to_path_buf(),
            Part::List(k) => stage_paths(stage_dir, k).0,
            Part::Proof(k) => stage_paths(stage_dir, k).1,
            Part::Signature(k) => signature_path(stage_dir, k),
        };
        let file = path.display().to_string();
        #[cfg(unix)]
        let source = crate::files::open_file(&path).map(Source::File);
        #[cfg(not(unix))]
        let source = crate::verify::read_file(&path).map(|b| Source::Bytes(Cow::Owned(b)));
        let source = source.map_err(|reason| ChainFailure::Unreadable { file: file.clone(), reason })?;
        Ok((file, source))
    };
    let bar = report.bar(u64::from(found), "proofs of shuffle");
    report.run_typed(Check::MC2, || {
        let checked = crate::chain::check_contest(&election, c, found, &read, None, &|| bar.inc(1));
        bar.finish_and_clear();
        if checked.failures.is_empty() {
            Ok(((), format!("{found} stages verified, {} rows", checked.rows)))
        } else {
            Err(Failure::Chain(checked.failures))
        }
    });
    let expected = usize::from(manifest.mix_stages());
    report.run_typed(Check::MC3, || {
        if usize::from(found) == expected {
            Ok(((), format!("{found} stages")))
        } else {
            Err(Failure::Chain(vec![ChainFailure::WrongStageCount { contest: c, expected, found: usize::from(found) }]))
        }
    });
    report
}

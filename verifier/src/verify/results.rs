//! Decryption, decoding and count: V11, V12 (R5), V13 (R6) (SPEC.md §10.8–§10.9, §12, §14.4).

use protocol::manifest::Unit;

use super::*;

impl State {
    /// V11: for every unit with a mix (a unit no ballot reached has no decryption, §14.1), every partial
    /// decryption decodes, is its file's trustee's, that trustee is qualified (C12), for the last stage's list
    /// (C13), its proof verifies (C14, batched); at least `t`; (K13) over the `t` smallest indices equals
    /// `plaintexts.list`.
    pub fn v11(&mut self, report: &mut Report) {
        let ready =
            self.files.is_some() && self.election.is_some() && self.ceremony.is_some() && self.last_lists.is_some();
        if !ready {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ceremony.is_some(), Check::V3),
                (self.last_lists.is_some(), Check::V10),
            ]);
            return report.not_run(Check::V11, &w);
        }
        let mixed = self.mixed.clone().unwrap_or_default();
        let (Some(files), Some(election), Some((params, roster, outcome)), Some(lists), Some(layout)) =
            (&self.files, &self.election, &self.ceremony, &self.last_lists, &self.layout)
        else {
            return report.not_run(Check::V11, &[Check::V10]);
        };
        let verified = &self.verified;
        let ceremony = (params, roster, outcome);
        report.run_typed(Check::V11, || {
            let mut problems = Vec::new();
            let mut used = Vec::new();
            let mut empty = 0usize;
            for (c, last) in lists.iter().enumerate() {
                if !mixed.get(c).copied().unwrap_or(true) {
                    empty += 1;
                    continue;
                }
                let partials = layout.partials.get(c).map_or(&[][..], Vec::as_slice);
                // Hashing the files a decryption reads is worth it only when helpers gave digests.
                let known = (!verified.is_empty())
                    .then(|| parts::decryption_key(election, files, layout, c))
                    .flatten()
                    .and_then(|k| verified.note(&k));
                let outcome = match known {
                    Some(note) => Ok(note.to_string()),
                    None => decrypt_contest(files, election, ceremony, partials, c, last),
                };
                match outcome {
                    Ok(note) => used.push(note),
                    Err(mut p) => problems.append(&mut p),
                }
            }
            if empty > 0 {
                used.push(format!("{empty} units that no ballot reached: nothing to decrypt"));
            }
            if problems.is_empty() {
                Ok(((), used.join("; ")))
            } else {
                Err(Failure::Results(problems))
            }
        });
    }

    /// V12: R5 recomputed from each unit's `plaintexts.list` equals its `answers.json` (contest, district and
    /// answers); a unit no ballot reached has no plaintexts and its `answers.json` holds no answers.
    pub fn v12(&mut self, report: &mut Report) {
        let (true, true, Some(mixed)) = (self.files.is_some(), self.election.is_some(), self.mixed.clone()) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.mixed.is_some(), Check::V2),
            ]);
            return report.not_run(Check::V12, &w);
        };
        let (Some(files), Some(election)) = (&self.files, &self.election) else {
            return report.not_run(Check::V12, &[Check::V2]);
        };
        let mut answers = Some(Vec::new());
        report.run_typed(Check::V12, || {
            let mut problems = Vec::new();
            let mut total = 0usize;
            let manifest = election.manifest();
            for (c, unit) in manifest.units().into_iter().enumerate() {
                let path = answers_path(unit);
                // Parsed from the open file (V1 keeps it open: a row is about 85 bytes of it), refused if changed.
                let claimed = files.parse::<AnswersFile>(&path);
                let claimed = match claimed {
                    Ok(a) => a,
                    Err(e) => {
                        answers = None;
                        problems.push(ResultFailure::File(e));
                        continue;
                    }
                };
                // R5: the plaintexts decoded a piece at a time, each piece compared and dropped.
                let mut comparison = ListComparison::new(&claimed.answers);
                let decoded = match (mixed.get(c).copied().unwrap_or(true), manifest.contests.get(unit.contest)) {
                    (true, Some(contest)) => decode_plaintexts(files, c, unit, contest, &mut comparison),
                    // A unit no ballot reached has no plaintexts and no answers.
                    _ => Ok(()),
                };
                total += comparison.seen;
                let unit_ids = empty_answers(manifest, unit);
                if let Err(e) = decoded {
                    problems.push(e);
                } else if claimed.contest != unit_ids.contest {
                    problems.push(ResultFailure::AnswersOfAnotherContest {
                        contest: c,
                        path: path.clone(),
                        claimed: claimed.contest.clone(),
                        manifest: unit_ids.contest.clone(),
                    });
                } else if claimed.district != unit_ids.district {
                    let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
                    problems.push(ResultFailure::AnswersOfAnotherDistrict {
                        contest: c,
                        path: path.clone(),
                        claimed: show(&claimed.district),
                        unit: show(&unit_ids.district),
                    });
                } else if let Err(difference) = comparison.finish(&path) {
                    problems.push(ResultFailure::Answers { contest: c, difference });
                }
                if let Some(a) = answers.as_mut() {
                    a.push(claimed);
                }
            }
            if problems.is_empty() {
                Ok(((), format!("{total} answers decoded")))
            } else {
                Err(Failure::Results(problems))
            }
        });
        self.answers = answers;
    }

    /// V13: R6 recomputed from the record's answers and the turnout from its registry and `tally/` files equal
    /// `result.json`, in the form of its version (§12.5: `rv/result/v2`, `rv/result/v3` where a contest's rule has
    /// figures of its own, or the older `rv/result/v1` without names
    /// and turnout). The note names the candidates with their votes and percentages.
    pub fn v13(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(answers)) = (&self.files, &self.election, &self.answers) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.answers.is_some(), Check::V12),
            ]);
            return report.not_run(Check::V13, &w);
        };
        self.result = report.run_typed(Check::V13, || {
            let claimed: ResultFile =
                files.get(RESULT_PATH).and_then(|b| parse_json(RESULT_PATH, b)).map_err(ResultFailure::from)?;
            fn read<T: DeserializeOwned>(files: &Files, path: &str) -> Result<T, ResultFailure> {
                files.get(path).and_then(|b| parse_json(path, b)).map_err(ResultFailure::from)
            }
            let rejected: RejectedFile = read(files, REJECTED_PATH)?;
            let superseded: SupersededFile = read(files, SUPERSEDED_PATH)?;
            let revoked: RevokedFile = read(files, REVOKED_PATH)?;
            let turnout = Turnout::of(election, &rejected, &superseded, &revoked, answers);
            let recomputed = tally::count(election, answers, turnout);
            let Some(expected) = recomputed.in_format(&claimed.format) else {
                return Err(ResultFailure::ResultFormat {
                    found: claimed.format,
                    expected: RESULT_FORMATS.join("` or `"),
                }
                .into());
            };
            if claimed.fingerprint != expected.fingerprint {
                return Err(ResultFailure::ResultFingerprint.into());
            }
            if claimed.turnout != expected.turnout {
                let show = |t: &Option<Turnout>| t.as_ref().map_or_else(|| "none".to_string(), compact);
                return Err(
                    ResultFailure::Turnout { theirs: show(&claimed.turnout), ours: show(&expected.turnout) }.into()
                );
            }
            compare_list(RESULT_PATH, &claimed.contests, &expected.contests).map_err(ResultFailure::Count)?;
            let mut note = protocol::readable::summary(&recomputed, "en");
            if claimed.format != recomputed.format {
                note.push(format!(
                    "result.json is of the older format `{}`, without names and turnout",
                    claimed.format
                ));
            }
            Ok((recomputed, note.join("\n")))
        });
    }
}

/// Rows of a unit's plaintexts V12 decodes at a time (65,536 rows of one point: 12 MB decoded).
const ROWS_PER_PIECE: usize = 1 << 16;

/// R5 of unit `c` (§5): its `plaintexts.list`, as V1 read it, decoded a piece of rows at a time, each piece's
/// answers given to `comparison`; a list whose width is not its contest's decodes to no answer (the comparison
/// then fails). Every point is decoded, so a list that does not decode is reported as such.
fn decode_plaintexts(
    files: &Files,
    c: usize,
    unit: Unit,
    contest: &protocol::manifest::Contest,
    comparison: &mut ListComparison<'_, tally::DecodedAnswer>,
) -> Result<(), ResultFailure> {
    let path = plaintexts_path(unit);
    let undecodable = |source| ResultFailure::PlaintextsUndecodable { contest: c, path: path.clone(), source };
    let list = th::PlaintextBytes::new(files.get(&path)?).map_err(undecodable)?;
    let shaped = list.width() as usize == contest.chunks();
    let step = ROWS_PER_PIECE.saturating_mul(list.width() as usize).max(1);
    for from in (0..list.len()).step_by(step) {
        let points = list.decode(from, step).map_err(undecodable)?;
        if shaped {
            comparison.next(&tally::decode_rows(contest, &points));
        }
    }
    Ok(())
}

/// R5 for a unit that no ballot reached (§14.1): its contest's and district's ids, and no answers.
fn empty_answers(manifest: &Manifest, unit: Unit) -> AnswersFile {
    AnswersFile {
        contest: manifest.contests.get(unit.contest).map_or_else(String::new, |c| c.id.clone()),
        district: unit.district.and_then(|d| manifest.districts.get(usize::from(d))).map(|d| d.id.clone()),
        answers: Vec::new(),
    }
}

/// V11 for unit `c` (its index in `units()`; the contest's index without districts): its partial decryptions (the
/// trustees `partials`, as the layout lists them) decode, are their file's trustee's, qualified (C12), for `last`,
/// the last stage's list as V10 verified it (C13), their proofs verify (C14, batched); at least `t`; (K13) over the
/// `t` smallest indices equals `claimed`, the decoded `plaintexts.list`. Streamed (SPEC.md §10.12): the list and
/// the partial decryptions are read a chunk at a time, the list must still be the one V10 verified (its digest)
/// and each partial decryption the one V1 hashed.
/// Returns the note naming the trustees used, or every problem found. The one check of a contest's decryption:
/// V11 runs it, and so does the in-browser verifier's helper that verifies the contest beforehand.
pub(super) fn decrypt_contest(
    files: &Files,
    election: &Election,
    (params, roster, outcome): (&CeremonyParams, &Roster, &CeremonyOutcome),
    partials: &[u16],
    c: usize,
    last: &LastList,
) -> Result<String, Vec<ResultFailure>> {
    use protocol::threshold::streamed::{self, PartialInput};
    let mut problems = Vec::new();
    let manifest = election.manifest();
    let unit = manifest.units().get(c).copied().unwrap_or(Unit::from(c));
    let changed =
        |path: &str| FileFailure::Undecodable { path: path.to_string(), reason: crate::files::CHANGED.into() };
    let mut given = Vec::new();
    for &j in partials {
        let path = partial_path(unit, j);
        let read = files.source(&path).map_err(ResultFailure::from).and_then(|source| {
            let frame = streamed::read_partial(&source).map_err(|e| match e {
                th::ThresholdError::Decode(source) => {
                    ResultFailure::PartialUndecodable { contest: c, path: path.clone(), source }
                }
                other => FileFailure::Undecodable { path: path.clone(), reason: other.to_string() }.into(),
            })?;
            Ok((source, frame))
        });
        match read {
            Err(e) => problems.push(e),
            Ok((_, frame)) if frame.header.trustee != j => problems.push(ResultFailure::AnotherTrustees {
                contest: c,
                path,
                trustee: j,
                holds: frame.header.trustee,
            }),
            Ok(_) if !outcome.qualified.contains(&j) => {
                problems.push(ResultFailure::NotQualified { contest: c, path, trustee: j })
            }
            Ok((source, frame)) => given.push((path, source, frame)),
        }
    }
    let list = match files.source(&last.path) {
        Ok(list) => list,
        Err(e) => {
            problems.push(e.into());
            return Err(problems);
        }
    };
    let inputs: Vec<PartialInput<'_>> = given.iter().map(|(_, source, frame)| PartialInput { source, frame }).collect();
    let chunk = streamed::chunk_ciphertexts(streamed::DEFAULT_DECRYPTION_MEMORY, 1 + inputs.len());
    let fingerprint = election.fingerprint();
    let verdict =
        match streamed::verify_partials(params, fingerprint, roster, outcome, &list, &inputs, chunk, &mut OsRng) {
            Ok(v) => v,
            Err(source) => {
                problems.push(ResultFailure::Partials { contest: c, source });
                return Err(problems);
            }
        };
    // The list read is the one V10 verified, and each partial decryption accepted is the file V1 hashed.
    if verdict.list != last.digest {
        problems.push(changed(&last.path).into());
        return Err(problems);
    }
    for a in &verdict.accepted {
        let path = &given[a.at].0;
        if files.sha256(path) != Some(a.file_sha256) {
            problems.push(changed(path).into());
            return Err(problems);
        }
    }
    for source in &verdict.rejected {
        problems.push(ResultFailure::PartialRefused { contest: c, source: source.clone() });
    }
    let mut chosen = verdict.trustees();
    chosen.sort_unstable();
    chosen.truncate(usize::from(params.t));
    // The claimed plaintexts as V1 read them: their shape checked here, their points compared as bytes with the
    // combination's canonical encodings (equal bytes decode), and decoded only to name a failure.
    let path = plaintexts_path(unit);
    let undecodable = |source| ResultFailure::PlaintextsUndecodable { contest: c, path: path.clone(), source };
    let claimed = match files
        .get(&path)
        .map_err(ResultFailure::from)
        .and_then(|b| th::PlaintextBytes::new(b).map_err(undecodable))
    {
        Ok(claimed) => claimed,
        Err(e) => {
            // Combined all the same (into nothing), for a failure of the combination itself to be reported.
            if let Err(source) = streamed::combine_partials(params, &verdict, &list, &inputs, &Discard, chunk) {
                problems.push(ResultFailure::Combine { contest: c, source });
            } else {
                problems.push(e);
            }
            return Err(problems);
        }
    };
    let compare = Compare::new(claimed.encodings());
    if let Err(source) = streamed::combine_partials(params, &verdict, &list, &inputs, &compare, chunk) {
        problems.push(ResultFailure::Combine { contest: c, source });
        return Err(problems);
    }
    let mut note = None;
    let width = manifest.contests.get(unit.contest).map_or(0, |k| k.chunks());
    let m = last.rows.saturating_mul(width);
    let first = if claimed.width() as usize != width { Some(0) } else { compare.first_difference(m) };
    // A list that differs may not decode: that is the failure to name.
    if first.is_some() {
        let step = ROWS_PER_PIECE.saturating_mul(width).max(1);
        if let Some(source) = (0..claimed.len()).step_by(step).find_map(|from| claimed.decode(from, step).err()) {
            problems.push(undecodable(source));
            return Err(problems);
        }
    }
    match first {
        None => {
            // Numbered from 1, as people number contests (the files are `contest-{c}/…`).
            note = Some(if manifest.has_districts() {
                format!("{} ({unit}): trustees {chosen:?}", unit_name(manifest, unit))
            } else {
                let id = manifest.contests.get(c).map_or("", |k| k.id.as_str());
                format!("contest {} ({id}): trustees {chosen:?}", c + 1)
            });
        }
        Some(point) => problems.push(ResultFailure::NotTheCombination {
            contest: c,
            path: plaintexts_path(unit),
            trustees: chosen,
            row: point / width.max(1),
        }),
    }
    match note {
        Some(note) if problems.is_empty() => Ok(note),
        _ => Err(problems),
    }
}

/// A sink that compares the combination, as it is written, with the record's plaintexts' encodings: the first
/// point that differs (past either end included).
struct Compare<'a> {
    /// The claimed points' 32-byte encodings, row-major.
    claimed: &'a [u8],
    first: std::sync::Mutex<Option<usize>>,
}

impl<'a> Compare<'a> {
    fn new(claimed: &'a [u8]) -> Self {
        Self { claimed, first: std::sync::Mutex::new(None) }
    }

    /// The first point that differs, the combination having `m` points.
    fn first_difference(&self, m: usize) -> Option<usize> {
        let seen = *self.first.lock().unwrap_or_else(|p| p.into_inner());
        let claimed = self.claimed.len() / 32;
        let ends = (m != claimed).then(|| m.min(claimed));
        match (seen, ends) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl protocol::shuffle::stream::ByteSink for Compare<'_> {
    fn write_at(&self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        // The header (offset 0) is the list's shape, compared through the points' count.
        let Some(points) = offset.checked_sub(8) else { return Ok(()) };
        let start = (points / 32) as usize;
        let at = start.saturating_mul(32);
        let theirs = self.claimed.get(at..).unwrap_or_default();
        if theirs.get(..bytes.len()) == Some(bytes) {
            return Ok(());
        }
        // The first point of the piece that differs (or that the claimed list does not reach).
        let i = bytes
            .chunks_exact(32)
            .zip(theirs.chunks_exact(32).map(Some).chain(std::iter::repeat(None)))
            .position(|(ours, theirs)| theirs != Some(ours));
        if let Some(i) = i {
            let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
            *first = Some(first.map_or(start + i, |f| f.min(start + i)));
        }
        Ok(())
    }
}

/// A sink that keeps nothing: the combination run only for its errors.
struct Discard;

impl protocol::shuffle::stream::ByteSink for Discard {
    fn write_at(&self, _: u64, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

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

/// R5 of unit `c` (§5): its `plaintexts.list`, as V1 read it (its shape from its header and length, its points
/// read again in pieces, refused if changed since V1), decoded a piece of rows at a time, each piece's answers
/// given to `comparison`; a list whose width is not its contest's decodes to no answer (the comparison then fails).
/// Every point is decoded, so a list that does not decode is reported as such.
fn decode_plaintexts(
    files: &Files,
    c: usize,
    unit: Unit,
    contest: &protocol::manifest::Contest,
    comparison: &mut ListComparison<'_, tally::DecodedAnswer, tally::Answers>,
) -> Result<(), ResultFailure> {
    let path = plaintexts_path(unit);
    let (width, _) = plaintexts_shape(files, c, &path)?;
    let shaped = width as usize == contest.chunks();
    decode_in_pieces(files, c, &path, width, |points| {
        if shaped {
            comparison.next(&tally::decode_rows(contest, &points));
        }
    })
}

/// The shape of unit `c`'s `plaintexts.list` at `path`, as V1 read it: `w` and the number of points.
fn plaintexts_shape(files: &Files, c: usize, path: &str) -> Result<(u32, usize), ResultFailure> {
    if !files.has(path) {
        return Err(FileFailure::Missing { path: path.to_string() }.into());
    }
    th::plaintext_shape(files.head(path), files.size(path)).map_err(|source| ResultFailure::PlaintextsUndecodable {
        contest: c,
        path: path.to_string(),
        source,
    })
}

/// Decodes the points of unit `c`'s `plaintexts.list` at `path` (whose shape [`plaintexts_shape`] checked, `w`
/// points a row), read again from V1's file in pieces of [`ROWS_PER_PIECE`] rows, each piece's points given to
/// `each`: the first point that does not decode is the failure, as is a file changed since V1.
fn decode_in_pieces(
    files: &Files,
    c: usize,
    path: &str,
    width: u32,
    each: impl FnMut(Vec<protocol::group::GroupElement>),
) -> Result<(), ResultFailure> {
    let piece = ROWS_PER_PIECE.saturating_mul(width as usize).max(1).saturating_mul(32);
    let mut pieces = PointPieces { skip: 8, piece, buffer: Vec::new(), failure: None, each };
    let copied = files.copy_to(path, &mut pieces).and_then(|()| pieces.end().map_err(|e| e.to_string()));
    match (pieces.failure, copied) {
        (Some(source), _) => Err(ResultFailure::PlaintextsUndecodable { contest: c, path: path.to_string(), source }),
        (None, Err(reason)) => Err(FileFailure::Undecodable { path: path.to_string(), reason }.into()),
        (None, Ok(())) => Ok(()),
    }
}

/// A plaintext list's bytes written to it in order ([`Files::copy_to`]): its header skipped, its points decoded a
/// piece of `piece` bytes at a time and given to `each`; the first piece that does not decode stops the copy.
struct PointPieces<F> {
    /// Header bytes still to skip.
    skip: usize,
    piece: usize,
    buffer: Vec<u8>,
    failure: Option<protocol::error::DecodeError>,
    each: F,
}

impl<F: FnMut(Vec<protocol::group::GroupElement>)> PointPieces<F> {
    /// Decodes the bytes held (a whole piece, or the last one).
    fn decode(&mut self) -> std::io::Result<()> {
        let decoded = th::decode_plaintext_points(&self.buffer);
        self.buffer.clear();
        match decoded {
            Ok(points) => {
                (self.each)(points);
                Ok(())
            }
            Err(e) => {
                self.failure = Some(e);
                Err(std::io::Error::other("a point does not decode"))
            }
        }
    }

    /// Decodes what is left after the last whole piece.
    fn end(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.decode()
    }
}

impl<F: FnMut(Vec<protocol::group::GroupElement>)> std::io::Write for PointPieces<F> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let skipped = self.skip.min(bytes.len());
        self.skip -= skipped;
        let mut rest = bytes.get(skipped..).unwrap_or_default();
        while !rest.is_empty() {
            let take = (self.piece - self.buffer.len()).min(rest.len());
            let (now, later) = rest.split_at(take);
            self.buffer.extend_from_slice(now);
            rest = later;
            if self.buffer.len() == self.piece {
                self.decode()?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// R5 for a unit that no ballot reached (§14.1): its contest's and district's ids, and no answers.
fn empty_answers(manifest: &Manifest, unit: Unit) -> AnswersFile {
    AnswersFile {
        contest: manifest.contests.get(unit.contest).map_or_else(String::new, |c| c.id.clone()),
        district: unit.district.and_then(|d| manifest.districts.get(usize::from(d))).map(|d| d.id.clone()),
        answers: tally::Answers::default(),
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
    // The claimed plaintexts as V1 read them: their shape checked here, their points compared as bytes with the
    // combination's canonical encodings as it is written (equal bytes decode), read again from V1's file in pieces,
    // and decoded only to name a failure. The combination is made as the proofs are checked (each share decoded
    // once), and made again below only if the batch of proofs failed.
    let path = plaintexts_path(unit);
    let claimed = plaintexts_shape(files, c, &path).and_then(|(width, _)| {
        let comparing = files.compare(&path).map_err(ResultFailure::from)?;
        Ok((width, Compare::new(files.head(&path), comparing)))
    });
    let out = claimed.as_ref().ok().map(|(_, compare)| compare as &dyn protocol::shuffle::stream::ByteSink);
    let verified = streamed::verify_partials_combining(
        params,
        fingerprint,
        roster,
        outcome,
        &list,
        &inputs,
        chunk,
        &mut OsRng,
        out,
    );
    let (verdict, combined) = match verified {
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
    let (claimed_width, compare) = match claimed {
        Ok(claimed) if combined => claimed,
        // Combined again, into a fresh comparison.
        Ok((width, _)) => match files.compare(&path) {
            Ok(comparing) => {
                let compare = Compare::new(files.head(&path), comparing);
                if let Err(source) = streamed::combine_partials(params, &verdict, &list, &inputs, &compare, chunk) {
                    problems.push(ResultFailure::Combine { contest: c, source });
                    return Err(problems);
                }
                (width, compare)
            }
            Err(e) => {
                problems.push(e.into());
                return Err(problems);
            }
        },
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
    let mut note = None;
    let width = manifest.contests.get(unit.contest).map_or(0, |k| k.chunks());
    let first = match compare.first_difference() {
        Err(reason) => {
            problems.push(FileFailure::Undecodable { path: path.clone(), reason }.into());
            return Err(problems);
        }
        Ok(_) if claimed_width as usize != width => Some(0),
        Ok(first) => first,
    };
    // A list that differs may not decode: that is the failure to name.
    if first.is_some() {
        if let Err(e) = decode_in_pieces(files, c, &path, claimed_width, |_| ()) {
            problems.push(e);
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

/// A sink that compares the combination, as it is written (in order: its header, then its points), with the
/// record's `plaintexts.list` as V1 read it, read again a piece at a time ([`Comparing`]): the first point that
/// differs, past either end included. The header is the list's shape, compared through the points' count (the
/// file's own header is given in place of the combination's).
struct Compare<'a> {
    /// The file's header as V1 read it.
    head: [u8; 8],
    /// The comparison and the offset of the next byte written.
    state: std::sync::Mutex<(Comparing<'a>, u64)>,
}

impl<'a> Compare<'a> {
    fn new(head: &[u8], comparing: Comparing<'a>) -> Self {
        let mut header = [0u8; 8];
        let n = head.len().min(8);
        header[..n].copy_from_slice(&head[..n]);
        Self { head: header, state: std::sync::Mutex::new((comparing, 0)) }
    }

    /// The first point that differs; an error if the file changed since V1 ([`crate::files::CHANGED`]).
    fn first_difference(self) -> Result<Option<usize>, String> {
        let (comparing, _) = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(comparing.finish()?.map(|at| (at.saturating_sub(8) / 32) as usize))
    }
}

impl protocol::shuffle::stream::ByteSink for Compare<'_> {
    fn write_at(&self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (comparing, next) = &mut *state;
        if offset != *next {
            return Err(std::io::Error::other(format!("the combination wrote at {offset}, not at {next}")));
        }
        let fed = if offset == 0 {
            comparing.feed(self.head.get(..bytes.len()).unwrap_or(bytes))
        } else {
            comparing.feed(bytes)
        };
        fed.map_err(std::io::Error::other)?;
        *next += bytes.len() as u64;
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

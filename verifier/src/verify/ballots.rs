//! From the box to the mix's input: V4 registry, V5 log, V6 ballots (R1), V7 squash (R2), V8 revocations (R3), V9 mix input (R4) (SPEC.md §14.3, §14.4).

use super::*;

impl State {
    /// V4: `ballot-box.json` decodes (§11.5; each credential decodes, B0), its registry is the one the manifest
    /// names (L9: sorted by bytes without repeats, count and digest of eq. (4.5-1)), and its voter-list changes
    /// replay (L11: each signed by the officials, in order, applying to the list at its leaf, §4.7).
    pub fn v4(&mut self, report: &mut Report) {
        let (Some(files), Some(election)) = (&self.files, &self.election) else {
            let w = waits(&[(self.files.is_some(), Check::V1), (self.election.is_some(), Check::V2)]);
            return report.not_run(Check::V4, &w);
        };
        let mut decoded = None;
        let registry = report.run_typed(Check::V4, || {
            let fail = |f: BallotFailure| Failure::Ballots(f);
            let mut b: ReadBox = files.parse(BALLOT_BOX_PATH).map_err(|e| fail(e.into()))?;
            let changes = match b.changes.len() {
                0 => String::new(),
                n => format!("; {n} changes to the voter list, each signed by the officials' key, in order"),
            };
            let count = b.credentials.count();
            // The registry is not kept: the voter list is made of it (its keys in a scratch store).
            let verdict = b
                .check_registry(election)
                .and_then(|digest| Ok((b.take_electorate(election)?, digest)))
                .map_err(|e| fail(BallotFailure::Registry(e)));
            decoded = Some(b);
            verdict.map(|(list, digest)| {
                let note = format!(
                    "{count} credentials, registry digest {}, as the manifest names{changes}",
                    hex::encode(digest)
                );
                (list, note)
            })
        });
        self.electorate = registry;
        self.ballot_box = decoded;
    }

    /// V5: L7 on the box (which refuses a ballot id that appears twice, §11.7, a ballot accepted outside the
    /// voting period, times that go back, and a final head older than the last ballot), and the box's election is
    /// `election.json`'s.
    pub fn v5(&mut self, report: &mut Report) {
        let (Some(election), Some(bbox)) = (&self.election, &mut self.ballot_box) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ballot_box.is_some(), Check::V4),
            ]);
            return report.not_run(Check::V5, &w);
        };
        self.ballots = report.run_typed(Check::V5, || {
            let fail = |f: BallotFailure| Failure::Ballots(f);
            if bbox.election != election.parameters() {
                return Err(fail(BallotFailure::NotTheElection));
            }
            // The box's entries are consumed as they are decoded: from here on its ballots are the compact ones.
            let ballots = bbox.take_log(election).map_err(|e| fail(BallotFailure::Log(e)))?;
            let head = &bbox.final_tree_head;
            let period = election.manifest().voting_period;
            let fail_log = |e| fail(BallotFailure::Log(e));
            let times = match (ballots.first().map_err(fail_log)?, ballots.last().map_err(fail_log)?) {
                (Some(first), Some(last)) => format!("accepted {} … {} s", first.accepted_at, last.accepted_at),
                _ => "none accepted".to_string(),
            };
            let note = format!(
                "{} ballots, {times}, inside the voting period {} … {}; final head: size {}, root {}; signed by the \
                 collector key {} the manifest names",
                ballots.len(),
                protocol::manifest::format_time(period.opens_at),
                protocol::manifest::format_time(period.closes_at),
                head.tree_size,
                hex::encode(head.root),
                hex::encode(bbox.collector_key)
            );
            Ok((ballots, note))
        });
    }

    /// V6: R1 recomputed equals `tally/rejected.json`.
    pub fn v6(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(electorate), Some(ballots)) =
            (&self.files, &self.election, &self.electorate, &self.ballots)
        else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.electorate.is_some(), Check::V4),
                (self.ballots.is_some(), Check::V5),
            ]);
            return report.not_run(Check::V6, &w);
        };
        let bar = report.bar(ballots.len() as u64, "V6 ballot signatures and proofs");
        let verified = &self.verified;
        // The ballots helpers verified beforehand (in the browser; none natively), by leaf: their hashes computed
        // again from their bytes (the box's hashes are not held).
        let known_leaves: std::collections::HashSet<u64> = match verified.is_empty() {
            true => Default::default(),
            false => ballots
                .leaves()
                .filter_map(Result::ok)
                .filter(|l| verified.has(&parts::ballot_key(election, &l.hash)))
                .map(|l| l.leaf_index)
                .collect(),
        };
        let known = |b: &BoxBallot| known_leaves.contains(&b.leaf_index);
        let rejected = report.run_keep_typed(Check::V6, || {
            let mut recomputed = RejectedFile::default();
            for chunk in ballots.chunks(BALLOTS_PER_STEP) {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(e) => return (recomputed, Err(Failure::Ballots(BallotFailure::Log(e)))),
                };
                match tally::check_except(election, electorate, ballots, &chunk, &known, &mut OsRng) {
                    Ok(checked) => recomputed.rejected.extend(checked.rejected),
                    Err(e) => return (recomputed, Err(Failure::Ballots(BallotFailure::Log(e)))),
                }
                bar.inc(chunk.len() as u64);
            }
            bar.finish_and_clear();
            let verdict = parse_json::<RejectedFile>(REJECTED_PATH, files.get(REJECTED_PATH).unwrap_or_default())
                .map_err(BallotFailure::from)
                .and_then(|claimed| {
                    compare_list(REJECTED_PATH, &claimed.rejected, &recomputed.rejected)
                        .map_err(BallotFailure::Rejected)
                })
                .map(|()| format!("{} ballots checked, {} refused", ballots.len(), recomputed.rejected.len()))
                .map_err(Failure::Ballots);
            (recomputed, verdict)
        });
        self.rejected = Some(rejected);
    }

    /// V7: R2 recomputed equals `tally/superseded.json`.
    pub fn v7(&mut self, report: &mut Report) {
        let (Some(files), Some(ballots), Some(rejected)) = (&self.files, &self.ballots, &self.rejected) else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.ballots.is_some(), Check::V5),
                (self.rejected.is_some(), Check::V6),
            ]);
            return report.not_run(Check::V7, &w);
        };
        let counted = report.run_keep_typed(Check::V7, || {
            let (recomputed, counted) = match tally::squash(ballots, rejected) {
                Ok(squashed) => squashed,
                Err(e) => return (None, Err(Failure::Ballots(BallotFailure::Log(e)))),
            };
            let verdict = parse_json::<SupersededFile>(SUPERSEDED_PATH, files.get(SUPERSEDED_PATH).unwrap_or_default())
                .map_err(BallotFailure::from)
                .and_then(|claimed| {
                    compare_list(SUPERSEDED_PATH, &claimed.superseded, &recomputed.superseded)
                        .map_err(BallotFailure::Superseded)
                })
                .map(|()| format!("{} superseded, {} credentials counted", recomputed.superseded.len(), counted.len()))
                .map_err(Failure::Ballots);
            (Some(counted), verdict)
        });
        self.counted = counted;
    }

    /// V8: the revocation list holds (§14.2) and R3 recomputed equals `tally/revoked.json`.
    pub fn v8(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(electorate), Some(ballots), Some(counted)) =
            (&self.files, &self.election, &self.electorate, &self.ballots, &self.counted)
        else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.electorate.is_some(), Check::V4),
                (self.ballots.is_some(), Check::V5),
                (self.counted.is_some(), Check::V7),
            ]);
            return report.not_run(Check::V8, &w);
        };
        let mut remaining = None;
        report.run_typed(Check::V8, || {
            let fail = |f: BallotFailure| Failure::Ballots(f);
            let list: RevocationList = files
                .get(REVOCATIONS_PATH)
                .and_then(|b| parse_json(REVOCATIONS_PATH, b))
                .map_err(|e| fail(e.into()))?;
            list.verify(election.fingerprint(), &election.manifest().roles)
                .map_err(|e| fail(BallotFailure::Revocations(e)))?;
            let (recomputed, left) = tally::revoke(ballots, counted, &list.credentials, electorate)
                .map_err(|e| fail(BallotFailure::Log(e)))?;
            remaining = Some(left);
            let claimed: RevokedFile =
                files.get(REVOKED_PATH).and_then(|b| parse_json(REVOKED_PATH, b)).map_err(|e| fail(e.into()))?;
            compare_list(REVOKED_PATH, &claimed.revoked, &recomputed.revoked)
                .map_err(|d| fail(BallotFailure::Revoked(d)))?;
            let note = format!(
                "{} credentials revoked, {} ballots removed; signed by the officials' key {} the manifest names",
                list.credentials.len(),
                recomputed.revoked.len(),
                hex::encode(list.officials_key)
            );
            Ok(((), note))
        });
        self.remaining = remaining;
        // R2's leaves are read by no later check (8 bytes a counted ballot).
        self.counted = None;
    }

    /// V9: R4 recomputed equals every unit's `input.list` (`contest-C/input.list`, or
    /// `contest-C/district-D/input.list` with districts: each contest's ballots from one district), byte for byte.
    pub fn v9(&mut self, report: &mut Report) {
        let (Some(files), Some(election), Some(ballots), Some(remaining)) =
            (&self.files, &self.election, &self.ballots, &self.remaining)
        else {
            let w = waits(&[
                (self.files.is_some(), Check::V1),
                (self.election.is_some(), Check::V2),
                (self.ballots.is_some(), Check::V5),
                (self.remaining.is_some(), Check::V8),
            ]);
            return report.not_run(Check::V9, &w);
        };
        report.run_typed(Check::V9, || {
            if remaining.is_empty() {
                return Err(Failure::Ballots(BallotFailure::NothingToTally));
            }
            let manifest = election.manifest();
            let units = manifest.units();
            // Each unit's list compared with the record's, as V1 read it, as R4 gives it out: neither is held.
            let unreadable = |path: &str, reason: String| {
                Failure::Ballots(FileFailure::Undecodable { path: path.to_string(), reason }.into())
            };
            let mut comparisons = units
                .iter()
                .map(|u| files.compare(&input_path(*u)).map(Some))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Failure::Ballots(e.into()))?;
            let mut out = |u: usize, bytes: &[u8]| -> Result<(), Failure> {
                let Some(c) = comparisons.get_mut(u).and_then(Option::as_mut) else { return Ok(()) };
                c.feed(bytes).map_err(|reason| unreadable(&input_path(units[u]), reason))
            };
            let lists = tally::anonymize(election, ballots, remaining, &mut out)?;
            let Some(lists) = lists else {
                let most = election.manifest().contests.iter().map(|c| c.chunks()).max().unwrap_or(0);
                let why = if remaining.len().saturating_mul(most) > protocol::limits::MAX_CIPHERTEXTS {
                    BallotFailure::TooManyCiphertexts {
                        remaining: remaining.len(),
                        chunks: most,
                        max: protocol::limits::MAX_CIPHERTEXTS,
                    }
                } else {
                    BallotFailure::Shape
                };
                return Err(Failure::Ballots(why));
            };
            let mut problems = Vec::new();
            let mut sizes = Vec::new();
            for (((u, unit), ours), comparison) in units.iter().enumerate().zip(lists).zip(&mut comparisons) {
                let path = input_path(*unit);
                sizes.push(format!("{} {}", unit_name(manifest, *unit), ours.rows));
                let Some(comparison) = comparison.take() else { continue };
                if let Some(at) = comparison.finish().map_err(|reason| unreadable(&path, reason))? {
                    problems.push(describe_list_difference(u, &path, files.head(&path), ours, at));
                }
            }
            if problems.is_empty() {
                Ok(if manifest.has_districts() {
                    format!(
                        "{} ballots remaining, each in its district's units; rows per unit: {}",
                        remaining.len(),
                        sizes.join(", ")
                    )
                } else {
                    format!("{} rows per contest", remaining.len())
                })
                .map(|note| ((), note))
            } else {
                Err(Failure::Ballots(BallotFailure::Input(problems)))
            }
        });
    }
}

//! The record's files and its election: V1 (and V1′ before decryption), V2 (and V2′) (SPEC.md §13, §14.4).

use super::*;

/// What is missing when `source` is no finished record, in words that name the step that comes next: no directory
/// there (or no files given), or no `index.json` (which `tallier tally finish` writes last). `None` when
/// `index.json` is there.
fn not_a_record(source: &RecordSource) -> Option<RecordFailure> {
    let path = source.name();
    match source {
        RecordSource::Dir(dir) => {
            let meta = match std::fs::metadata(dir) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Some(RecordFailure::NoRecord {
                        path,
                        reason: "there is no such directory. Give the election record's directory: the one `tallier \
                                 tally prepare` creates and `tallier tally finish` completes, or a copy of a \
                                 published record"
                            .into(),
                    })
                }
                Err(e) => return Some(RecordFailure::NoRecord { path, reason: format!("cannot be read: {e}") }),
            };
            if !meta.is_dir() {
                return Some(RecordFailure::NoRecord {
                    path,
                    reason: "is a file, not a directory: give the election record's directory (the one holding \
                             index.json)"
                        .into(),
                });
            }
        }
        RecordSource::Given { files, .. } if files.is_empty() => {
            return Some(RecordFailure::NoRecord {
                path,
                reason: "no files were given. Choose the election record's folder (the one holding index.json), or \
                         give the address of a published record"
                    .into(),
            })
        }
        RecordSource::Given { .. } => {}
    }
    if source.has(INDEX_PATH) {
        return None;
    }
    let has = |rel: &str| source.has(rel);
    let finish = "`tallier tally finish` writes index.json last, when the tally is complete";
    let manifest = source
        .read(ELECTION_PATH)
        .ok()
        .and_then(|b| serde_json::from_slice::<protocol::election::ElectionParameters>(&b).ok())
        .and_then(|p| p.election().ok())
        .map(|e| e.manifest().clone());
    let next = match manifest {
        _ if !has(ELECTION_PATH) => "it holds no index.json and no election.json, so it is not an election record, \
                                      or one not yet prepared: `tallier tally prepare` creates a record"
            .to_string(),
        None => "it holds no index.json, and its election.json does not decode".to_string(),
        Some(m) => {
            let stages = m.mix_stages();
            let mixed = (1..=stages).filter(|&k| has(&stage_list_path(0, k))).count();
            let decrypted: Vec<u16> = (1..=m.trustees.count).filter(|&j| has(&partial_path(0, j))).collect();
            let t = m.trustees.threshold;
            if !has(&input_path(0)) {
                format!("the tally has not been prepared (no {}). Next: `tallier tally prepare`", input_path(0))
            } else if usize::from(stages) > mixed {
                format!(
                    "it is prepared, and {mixed} of its {stages} mix stages are done. Next: `tallier tally mix` for \
                     the remaining stages, then at least {t} trustees' `tallier trustee decrypt --record`, then \
                     `tallier tally finish`"
                )
            } else if decrypted.len() < usize::from(t) {
                format!(
                    "it is mixed, and {} of the {t} trustees needed have decrypted (trustees {decrypted:?}). Next: \
                     more trustees run `tallier trustee decrypt --record`, then `tallier tally finish`",
                    decrypted.len()
                )
            } else {
                format!("it is mixed and decrypted by trustees {decrypted:?}. Next: `tallier tally finish`")
            }
        }
    };
    Some(RecordFailure::Unfinished { path, next: format!("{next}. ({finish}.)") })
}

impl State {
    /// V1: §13 — the index decodes, version 1, plain unique paths, the chain; every listed file present with its
    /// digest; nothing else in the directory.
    pub fn v1(&mut self, source: RecordSource, report: &mut Report) {
        self.files = report.run_typed(Check::V1, || {
            let fail = |f: RecordFailure| Failure::Record(f);
            if let Some(missing) = not_a_record(&source) {
                return Err(fail(missing));
            }
            let index_bytes = source.read(INDEX_PATH).map_err(|e| fail(RecordFailure::IndexUnreadable(e)))?;
            let index: RecordIndex = parse_json(INDEX_PATH, &index_bytes)
                .map_err(|e| fail(RecordFailure::IndexUndecodable(e.to_string())))?;
            index.check_chain().map_err(|e| fail(RecordFailure::Index(e)))?;
            let present = source.list().map_err(|e| fail(RecordFailure::Directory(e)))?;
            let listed: std::collections::BTreeSet<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
            if let Some(extra) = present.iter().find(|p| p.as_str() != INDEX_PATH && !listed.contains(p.as_str())) {
                return Err(fail(RecordFailure::Unlisted { path: extra.clone() }));
            }
            let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
            let contents: Vec<(usize, Result<crate::files::Content, String>)> =
                source.read_all(&paths).into_iter().enumerate().collect();
            let digests_match: Vec<bool> = map_each(&contents, |(i, r)| {
                r.as_ref().is_ok_and(|c| index.entries.get(*i).is_some_and(|e| c.sha256() == e.sha256))
            });
            let mut read = Vec::with_capacity(contents.len());
            for (((i, r), matches), e) in contents.into_iter().zip(digests_match).zip(&index.entries) {
                let content = r.map_err(|reason| {
                    fail(RecordFailure::EntryUnreadable { entry: i, path: e.path.clone(), reason })
                })?;
                if !matches {
                    return Err(fail(RecordFailure::Altered { entry: i, path: e.path.clone() }));
                }
                read.push((e.path.clone(), content));
            }
            let files = Files { index: Some(index), index_bytes, ..Files::from_contents(read) };
            let index = files.index.as_ref().map(|i| (i.entries.len(), hex::encode(i.head())));
            let (count, head) = index.unwrap_or_default();
            let note = format!("{count} files, {} bytes; record head {head}", files.total_bytes());
            Ok((files, note))
        });
    }

    /// V1′ (before decryption): every regular file in the directory, read once (links and special entries
    /// refused); the later checks read these bytes and nothing else.
    pub fn v1_before_decryption(&mut self, source: RecordSource, report: &mut Report) {
        self.files = report.run_typed(Check::V1BeforeDecryption, || {
            let present = source.list().map_err(RecordFailure::Directory)?;
            let paths: Vec<&str> = present.iter().map(String::as_str).collect();
            let read = source
                .read_all(&paths)
                .into_iter()
                .zip(&present)
                .map(|(r, p)| {
                    r.map(|c| (p.clone(), c)).map_err(|reason| RecordFailure::Unreadable { path: p.clone(), reason })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let files = Files::from_contents(read);
            let note = format!("{} files, {} bytes", present.len(), files.total_bytes());
            Ok((files, note))
        });
    }

    /// V2′ (before decryption): `election.json` decodes (§8.8) and the files are §14.1's layout up to the last
    /// mix stage, followed by nothing but trustees' partial decryptions.
    pub fn v2_before_decryption(&mut self, report: &mut Report) {
        let Some(files) = &self.files else {
            return report.not_run(Check::V2BeforeDecryption, &[Check::V1BeforeDecryption]);
        };
        let r = report.run_typed(Check::V2BeforeDecryption, || {
            let fail = |f: ElectionFailure| Failure::Election(f);
            let params: protocol::election::ElectionParameters =
                files.get(ELECTION_PATH).and_then(|b| parse_json(ELECTION_PATH, b)).map_err(|e| fail(e.into()))?;
            let election = params.election().map_err(|e| fail(ElectionFailure::InvalidManifest(e)))?;
            let m = election.manifest();
            let ceremony: Vec<Vec<u16>> = CEREMONY_KINDS
                .iter()
                .map(|kind| {
                    (1..=m.trustees.count).filter(|&j| files.has(&protocol::record::ceremony_path(kind, j))).collect()
                })
                .collect();
            // A unit is mixed unless no ballot reached it: then the tally wrote its input list (0 rows) and nothing
            // else before decryption. A unit whose input list has rows (its header's first 4 bytes), or that has
            // stages, must have them all: else the record is not ready (mix first).
            let units = m.units();
            let rows = |u: protocol::manifest::Unit| -> u32 { files.list_rows(&input_path(u)) };
            let mixed: Vec<bool> = units.iter().map(|&u| rows(u) > 0 || files.has(&stage_list_path(u, 1))).collect();
            // The layout up to the mix: each mixed unit's stages (its partial decryptions come after).
            let empty: Vec<bool> = mixed.iter().map(|&x| !x).collect();
            let partials: Vec<Vec<u16>> = vec![Vec::new(); units.len()];
            let layout = Layout { ceremony, partials, empty };
            let mut expected = protocol::record::layout_paths(m, &layout);
            expected.retain(|p| {
                !p.ends_with("/plaintexts.list")
                    && !p.ends_with("/answers.json")
                    && !p.contains("/partial-")
                    && p != RESULT_PATH
            });
            let is_partial = |p: &str| {
                units.iter().zip(&mixed).any(|(&u, &x)| x && (1..=m.trustees.count).any(|j| p == partial_path(u, j)))
            };
            if let Some(missing) = expected.iter().find(|p| !files.has(p.as_str())) {
                return Err(fail(ElectionFailure::NotReady { path: missing.clone() }));
            }
            if let Some(extra) = files.paths().find(|p| !expected.iter().any(|e| e == *p) && !is_partial(p)) {
                return Err(fail(ElectionFailure::NotBeforeDecryption { path: extra.to_string() }));
            }
            let note = format!("election `{}`, fingerprint {}", m.election_id, election.fingerprint().to_hex());
            Ok(((election, layout, mixed), note))
        });
        if let Some((election, layout, mixed)) = r {
            self.election = Some(election);
            self.layout = Some(layout);
            self.mixed = Some(mixed);
        }
    }

    /// V2: `election.json` decodes (§8.8), the manifest is valid, its fingerprint is the index's, and the
    /// index's paths are exactly §14.1's layout for this manifest.
    pub fn v2(&mut self, report: &mut Report) {
        let Some(files) = &self.files else {
            return report.not_run(Check::V2, &[Check::V1]);
        };
        let r = report.run_typed(Check::V2, || {
            let fail = |f: ElectionFailure| Failure::Election(f);
            let params: protocol::election::ElectionParameters =
                files.get(ELECTION_PATH).and_then(|b| parse_json(ELECTION_PATH, b)).map_err(|e| fail(e.into()))?;
            let election = params.election().map_err(|e| fail(ElectionFailure::InvalidManifest(e)))?;
            if let Some(pinned) = self.pinned.as_ref().filter(|p| *p != election.fingerprint()) {
                return Err(fail(ElectionFailure::NotThePinned {
                    record: election.fingerprint().to_hex(),
                    pinned: pinned.to_hex(),
                }));
            }
            let no_index = || fail(ElectionFailure::Undecodable(FileFailure::Missing { path: INDEX_PATH.into() }));
            let index = files.index.as_ref().ok_or_else(no_index)?;
            if index.fingerprint != *election.fingerprint() {
                return Err(fail(ElectionFailure::NotTheIndexs {
                    election: election.fingerprint().to_hex(),
                    index: index.fingerprint.to_hex(),
                }));
            }
            let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
            let layout = check_layout(election.manifest(), &paths).map_err(|e| fail(ElectionFailure::Layout(e)))?;
            let m = election.manifest();
            let districts = if m.has_districts() {
                format!(
                    ", {} districts ({} units mixed on their own, {} that no ballot reached)",
                    m.districts.len(),
                    layout.partials.iter().filter(|p| !p.is_empty()).count(),
                    layout.partials.iter().filter(|p| p.is_empty()).count()
                )
            } else {
                String::new()
            };
            let note = format!(
                "election `{}`, fingerprint {}, {} contests{districts}, {} mix stages, threshold {} of {}",
                m.election_id,
                election.fingerprint().to_hex(),
                m.contests.len(),
                m.mix_stages(),
                m.trustees.threshold,
                m.trustees.count
            );
            // check_layout gives each unit with a mix at least one partial decryption, and none to the others.
            let mixed = layout.partials.iter().map(|p| !p.is_empty()).collect();
            Ok(((election, layout, mixed), note))
        });
        if let Some((election, layout, mixed)) = r {
            self.election = Some(election);
            self.layout = Some(layout);
            self.mixed = Some(mixed);
        }
    }
}

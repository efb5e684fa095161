//! `verifier receipt`: V1, V2, V4, V5 on the record, then RC1–RC5 (SPEC.md §14.4).

use super::*;

/// `verifier receipt RECEIPT RECORD`: V1, V2, V4, V5 on the record, then RC1–RC5 (SPEC.md §14.4). With
/// `pinned`, V2 fails unless the record is of that election.
pub fn verify_receipt(receipt_path: &Path, dir: &Path, pinned: Option<&Fingerprint>, progress: bool) -> Report {
    let mut report =
        Report::new(format!("receipt {} against record {}", receipt_path.display(), dir.display()), progress);
    let mut s = State { pinned: pinned.copied(), ..State::default() };
    s.v1(RecordSource::Dir(dir.to_path_buf()), &mut report);
    s.v2(&mut report);
    s.v4(&mut report);
    s.v5(&mut report);
    let receipt: Option<Receipt> = report.run(Check::RC1, || {
        let r = parse_receipt_file(&receipt_path.display().to_string(), &read_file(receipt_path)?)?;
        let note = format!("ballot {} at leaf {}, tree size {}", r.ballot_id.to_hex(), r.leaf_index, r.tree_size);
        Ok((r, note))
    });
    let (Some(receipt), Some(election), Some(bbox)) = (receipt, &s.election, &s.ballot_box) else {
        let mut w = waits(&[(s.election.is_some(), Check::V2), (s.ballot_box.is_some(), Check::V4)]);
        if w.is_empty() {
            w.push(Check::RC1);
        }
        for check in [Check::RC2, Check::RC3, Check::RC4, Check::RC5] {
            report.not_run(check, &w);
        }
        return report;
    };
    report.run(Check::RC2, || {
        let key = &election.manifest().roles.collector_key;
        receipt.verify(key.verifying_key(), election.fingerprint()).map_err(|e| e.to_string())?;
        Ok(((), format!("signed by the collector key {} the manifest names", key.to_hex())))
    });
    let Some(ballots) = &s.ballots else {
        for check in [Check::RC3, Check::RC4, Check::RC5] {
            report.not_run(check, &[Check::V5]);
        }
        return report;
    };
    let leaf_ok = report.run(Check::RC3, || {
        // Ballots skip the leaves of voter-list changes (§4.7): find the leaf, never index the list by it.
        let b = ballots.leaf_at(receipt.leaf_index).map_err(|e| e.to_string())?.ok_or_else(|| {
            let change = bbox.changes.iter().any(|c| c.leaf_index == receipt.leaf_index);
            match change {
                true => format!("leaf {} of the box is a voter-list change, not a ballot", receipt.leaf_index),
                false => format!(
                    "the box has {} ballots and {} voter-list changes, and no ballot at leaf {}",
                    ballots.len(),
                    bbox.changes.len(),
                    receipt.leaf_index
                ),
            }
        })?;
        if b.id == receipt.ballot_id && b.hash == receipt.ballot_hash && b.accepted_at != receipt.accepted_at {
            return Err(format!(
                "leaf {} of the box holds this ballot accepted at {} s, the receipt says {} s",
                receipt.leaf_index, b.accepted_at, receipt.accepted_at
            ));
        }
        if b.leaf != receipt.leaf_hash() {
            return Err(format!("leaf {} of the box holds another ballot ({})", receipt.leaf_index, b.id.to_hex()));
        }
        Ok(((), format!("leaf {}", receipt.leaf_index)))
    });
    report.run(Check::RC4, || {
        let mut tree = LogTree::new();
        for (_, _, leaf) in bbox.leaves(ballots).map_err(|e| e.to_string())? {
            tree.push(leaf);
        }
        match tree.root(receipt.tree_size) {
            Some(root) if root == receipt.root => {
                Ok(((), format!("the first {} of {} leaves give the receipt's root", receipt.tree_size, tree.len())))
            }
            Some(_) => {
                Err(format!("the box's first {} leaves do not give the receipt's root (a fork)", receipt.tree_size))
            }
            None => Err(format!(
                "the receipt's tree has {} leaves, the box only {} (truncated)",
                receipt.tree_size,
                tree.len()
            )),
        }
    });
    if leaf_ok.is_none() {
        report.not_run(Check::RC5, &[Check::RC3]);
        return report;
    }
    let Some(files) = &s.files else {
        report.not_run(Check::RC5, &[Check::V1]);
        return report;
    };
    let fate = report.run(Check::RC5, || {
        let leaf = receipt.leaf_index;
        let said = |e: FileFailure| e.to_string();
        let rejected: RejectedFile =
            files.get(REJECTED_PATH).and_then(|b| parse_json(REJECTED_PATH, b)).map_err(said)?;
        let superseded: SupersededFile =
            files.get(SUPERSEDED_PATH).and_then(|b| parse_json(SUPERSEDED_PATH, b)).map_err(said)?;
        let revoked: RevokedFile = files.get(REVOKED_PATH).and_then(|b| parse_json(REVOKED_PATH, b)).map_err(said)?;
        let verdict = match tally::fate(leaf, &rejected, &superseded, &revoked) {
            tally::Fate::Refused(reason) => {
                receipt_verdict("refused", format!("REFUSED: the tally refused this ballot ({reason})"), 5)
            }
            tally::Fate::Superseded { by } => {
                let id = ballots.leaf_at(by).ok().flatten().map(|b| b.id.to_hex());
                receipt_verdict(
                    "superseded",
                    format!(
                        "SUPERSEDED by ballot {} at leaf {by}: a later vote with the same credential counts instead",
                        id.unwrap_or_else(|| "?".into())
                    ),
                    3,
                )
            }
            tally::Fate::Revoked => {
                let why = crate::changes::Cancellation::of(leaf, &revoked, bbox)
                    .unwrap_or(crate::changes::Cancellation::Paper);
                receipt_verdict("revoked", format!("REVOKED: {}", why.words()), 4)
            }
            tally::Fate::Counted => receipt_verdict(
                "counted",
                format!("COUNTED: ballot {} entered the tally", receipt.ballot_id.to_hex()),
                0,
            ),
        };
        let note = format!("{}, as the record's tally files say; `verifier verify` checks them", verdict.headline);
        Ok((verdict, note))
    });
    report.verdict = fate;
    report
}

/// What became of the receipt's ballot; the exit status of `verifier receipt` says it too (0 counted, 3
/// superseded, 4 revoked, 5 refused; 1 a check failed).
fn receipt_verdict(code: &'static str, headline: String, exit_status: u8) -> Verdict {
    Verdict { code, headline, exit_status }
}

/// The file the voting page offers after casting (SPEC.md §11.3): `{"receipt", "tracker", "ballot_id"}`, or the
/// collector's receipt alone. The page's extra fields must agree with the receipt. The receipt is the collector's
/// answer: with its canonical bytes (`bytes`, LG6, which must be the fields' value), or without them (files saved
/// before the collector served them).
fn parse_receipt_file(what: &str, bytes: &[u8]) -> Result<Receipt, String> {
    #[derive(serde::Deserialize)]
    #[serde(transparent)]
    struct AnyReceipt(#[serde(deserialize_with = "protocol::log::bytes_optional")] Receipt);
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PageFile {
        #[serde(deserialize_with = "protocol::log::bytes_optional")]
        receipt: Receipt,
        tracker: String,
        ballot_id: protocol::BallotId,
    }
    let said = |e: FileFailure| e.to_string();
    let value: serde_json::Value = parse_json(what, bytes).map_err(said)?;
    if value.get("receipt").is_none() {
        return parse_json::<AnyReceipt>(what, bytes).map(|r| r.0).map_err(said);
    }
    let file: PageFile = parse_json(what, bytes).map_err(said)?;
    let id = file.receipt.ballot_id;
    let tracker = id.tracker();
    if file.ballot_id != id || file.tracker != tracker {
        return Err(format!(
            "{what}: the file's ballot_id and tracker ({}, {}) are not those of its receipt ({}, {tracker})",
            file.ballot_id.to_hex(),
            file.tracker,
            id.to_hex()
        ));
    }
    Ok(file.receipt)
}

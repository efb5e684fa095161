//! The appender: one task per process that turns checked ballots into log leaves with group commit, and the
//! officials' voter-list changes into leaves of their own (crate::voter_list, SPEC.md §4.7), in the order they
//! arrive, under the same log lock and time rule.
//!
//! It takes every ballot waiting in its queue (up to `max_batch`), and in one transaction: locks the log
//! (`SELECT … FROM log_state FOR UPDATE`, which serialises appends across every collector process on the
//! database), refuses the batch if the election is closed, catches up its tree with leaves other processes
//! committed and its voter list with their changes, answers duplicates with their stored receipt, refuses a ballot
//! whose credential is not on that list (in the ballot's district), reads the clock once for the batch's
//! acceptance time (never before the log's last, and refused outside the voting period: SPEC.md §11.7), assigns
//! the next leaf
//! indices, builds their leaves (eq. LG1, with that time), signs the new tree head and one receipt per ballot,
//! inserts them, and commits. Only after COMMIT does a voter get a receipt.
//! If a statement fails before COMMIT, nothing of the batch is stored: the tree forgets the batch's leaves and every
//! waiting voter gets `storage_unavailable`. If COMMIT itself fails, PostgreSQL may or may not have committed; the
//! appender asks it ([`commit_outcome`]) and answers receipts, `storage_unavailable`, or, when it cannot find out,
//! `outcome_unknown` (cast again: casting is idempotent). So `storage_unavailable` always means "not stored".

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use protocol::log::Receipt;
use protocol::log::{leaf_hash, ReceiptBody, SignedTreeHead};
use protocol::BallotId;
use tokio::sync::mpsc;

use crate::error::AppError;
use crate::log_lock::{advance_log, catch_up_tree, check_standing, lock_log, truncate_to, Locked};
pub use crate::log_lock::{batch_times, closed_error, not_open_error};
use crate::state::{AppState, Job, Pending};

/// Runs until every sender is gone. Jobs are appended in the order they arrived: each run of ballots as one batch,
/// each change in a transaction of its own.
pub async fn run(state: AppState, mut rx: mpsc::Receiver<Job>) {
    let max = state.settings.max_batch.max(1);
    let mut jobs = Vec::with_capacity(max);
    while rx.recv_many(&mut jobs, max).await > 0 {
        let mut ballots = Vec::new();
        for job in std::mem::take(&mut jobs) {
            match job {
                Job::Ballot(p) => ballots.push(p),
                Job::Change(c) => {
                    append_ballots(&state, std::mem::take(&mut ballots)).await;
                    crate::voter_list::append(&state, c).await;
                }
            }
        }
        append_ballots(&state, ballots).await;
    }
}

async fn append_ballots(state: &AppState, pending: Vec<Pending>) {
    if pending.is_empty() {
        return;
    }
    let n = pending.len();
    let started = std::time::Instant::now();
    match append(state, pending).await {
        Ok(()) => {
            state.metrics.batches.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(ballots = n, ms = started.elapsed().as_millis() as u64, "batch committed");
        }
        Err((e, waiting)) => {
            if e.code == "storage_unavailable" || e.code == "outcome_unknown" {
                state.metrics.storage_errors.fetch_add(1, Ordering::Relaxed);
            }
            for p in waiting {
                let _ = p.reply.send(Err(e.clone()));
            }
        }
    }
}

type Failed = (AppError, Vec<Pending>);

async fn append(state: &AppState, pending: Vec<Pending>) -> Result<(), Failed> {
    let mut client = match state.pool.get().await {
        Ok(c) => c,
        Err(e) => return Err((AppError::from(e), pending)),
    };
    let tx = match client.transaction().await {
        Ok(t) => t,
        Err(e) => return Err((AppError::from(e), pending)),
    };
    let Locked { size: db_size, accepted_at, timestamp } = match lock_log(state, &tx).await {
        Ok(l) => l,
        Err(e) => return Err((e, pending)),
    };

    // Duplicates: the same ballot id already in the log, or twice in this batch.
    let ids: Vec<Vec<u8>> = pending.iter().map(|p| p.id.0.to_vec()).collect();
    let existing = match tx.query("SELECT ballot_id, receipt FROM ballots WHERE ballot_id = ANY($1)", &[&ids]).await {
        Ok(rows) => rows,
        Err(e) => return Err((AppError::from(e), pending)),
    };
    let mut stored: HashMap<Vec<u8>, String> = existing.into_iter().map(|r| (r.get(0), r.get(1))).collect();

    // The voter list as the log stands (changes other processes appended included), before any ballot is checked
    // against it.
    if let Err(e) = state.sync_voter_list(tx.client()).await {
        return Err((e, pending));
    }
    let mut tree = state.log.tree.lock().await;
    if let Err(e) = catch_up_tree(tx.client(), &mut tree, db_size).await {
        return Err((e, pending));
    }
    let mut fresh: Vec<Pending> = Vec::new();
    let mut dups: Vec<Pending> = Vec::new();
    let mut in_batch: HashMap<BallotId, ()> = HashMap::new();
    let manifest = state.info.election.manifest();
    for p in pending {
        if stored.contains_key(p.id.0.as_slice()) || in_batch.contains_key(&p.id) {
            dups.push(p);
        } else if let Err(e) = check_standing(manifest, state.district_of(&p.credential), p.district) {
            // Not on the voter list (in the ballot's district) at this position of the log: never appended.
            let _ = p.reply.send(Err(e));
        } else {
            in_batch.insert(p.id, ());
            fresh.push(p);
        }
    }
    let new_size = db_size + fresh.len() as u64;
    let fp = *state.info.fingerprint();
    let key = &state.signing_key;
    let mut receipts = Vec::with_capacity(fresh.len());
    let (mut idx, mut creds, mut bals, mut leaves, mut texts, mut bids) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in &fresh {
        tree.push(leaf_hash(&p.id, &p.ballot_hash, accepted_at));
    }
    let root = tree.root(new_size).unwrap_or_default();
    for (i, p) in fresh.iter().enumerate() {
        let leaf_index = db_size + i as u64;
        let body = ReceiptBody {
            fingerprint: fp,
            ballot_id: p.id,
            ballot_hash: p.ballot_hash,
            accepted_at,
            leaf_index,
            tree_size: new_size,
            root,
            timestamp,
        };
        let receipt = body.sign(key, tree.inclusion_proof(leaf_index, new_size).unwrap_or_default());
        let text = serde_json::to_string(&receipt).unwrap_or_default();
        stored.insert(p.id.0.to_vec(), text.clone());
        idx.push(leaf_index as i64);
        bids.push(p.id.0.to_vec());
        creds.push(p.credential.as_bytes().to_vec());
        bals.push(p.bytes.clone());
        leaves.push(receipt.leaf_hash().to_vec());
        texts.push(text);
        receipts.push(receipt);
    }
    drop(tree);
    let written = async {
        if !fresh.is_empty() {
            tx.execute(
                "INSERT INTO ballots (leaf_index, ballot_id, credential, ballot, leaf_hash, receipt, accepted_at)
                 SELECT *, $7::bigint FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[],
                                                  $6::text[])",
                &[&idx, &bids, &creds, &bals, &leaves, &texts, &(accepted_at as i64)],
            )
            .await?;
            let sth = SignedTreeHead::sign(key, fp, new_size, root, timestamp);
            let sth = serde_json::to_string(&sth).unwrap_or_default();
            advance_log(&tx, new_size, &sth, accepted_at).await?;
        }
        Ok::<_, tokio_postgres::Error>(())
    }
    .await;
    let failure = match written {
        // COMMIT was never sent: the transaction rolls back, nothing of the batch is stored.
        Err(e) => Some(AppError::from(e)),
        Ok(()) => match tx.commit().await {
            Ok(()) => None,
            // COMMIT was sent and no answer came: PostgreSQL may have committed. Find out.
            Err(e) => {
                tracing::warn!(error = %e, "COMMIT failed; finding out whether the batch was stored");
                match commit_outcome(state, &texts, db_size).await {
                    Some(true) => None,
                    Some(false) => Some(AppError::storage("the batch was not committed")),
                    None => Some(outcome_unknown()),
                }
            }
        },
    };
    if let Some(e) = failure {
        let mut tree = state.log.tree.lock().await;
        truncate_to(&mut tree, db_size);
        let mut all = fresh;
        all.extend(dups);
        return Err((e, all));
    }
    state.log.committed.fetch_max(new_size, Ordering::AcqRel);
    state.metrics.accepted.fetch_add(fresh.len() as u64, Ordering::Relaxed);
    state.metrics.duplicates.fetch_add(dups.len() as u64, Ordering::Relaxed);
    for (p, r) in fresh.into_iter().zip(receipts) {
        let _ = p.reply.send(Ok((r, true)));
    }
    for p in dups {
        let reply = match stored.get(p.id.0.as_slice()).map(|t| serde_json::from_str::<Receipt>(t)) {
            Some(Ok(r)) => Ok((r, false)),
            _ => Err(AppError::internal("stored receipt unreadable")),
        };
        let _ = p.reply.send(reply);
    }
    Ok(())
}

/// `503 outcome_unknown`: PostgreSQL failed during COMMIT and could not be asked afterwards whether the batch was
/// stored. Casting is idempotent, so the voter's client sends the same ballot again: `200` with the receipt if it
/// was stored, `201` if not.
pub fn outcome_unknown() -> AppError {
    AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "outcome_unknown",
        "the ballot store failed while committing: the ballot may or may not be stored; send the same ballot \
         again (casting is idempotent) to get its receipt",
    )
}

/// After a failed COMMIT of the batch whose receipts are `receipts` (leaves `first_leaf ..` on): `Some(true)` if
/// it was committed, `Some(false)` if not, `None` if PostgreSQL cannot tell us now. The batch's leaf indices hold
/// exactly its receipts if it was committed, and none of them if not (another batch, or nothing, is there then;
/// a receipt signs its leaf index and tree head, so no other batch stores the same text).
///
/// Sound because of the log lock: taking `log_state FOR UPDATE` waits until no append transaction is in flight,
/// ours included (PostgreSQL ends a transaction whose client is gone, by commit or rollback, and then releases
/// its lock), so what this connection reads afterwards is the final outcome. The wait is bounded by
/// `lock_timeout`; past it, the outcome stays unknown.
pub async fn commit_outcome(state: &AppState, receipts: &[String], first_leaf: u64) -> Option<bool> {
    let mut client = state.pool.get().await.ok()?;
    let tx = client.transaction().await.ok()?;
    tx.batch_execute("SET LOCAL lock_timeout = '5s'").await.ok()?;
    tx.query_one("SELECT tree_size FROM log_state WHERE id = 1 FOR UPDATE", &[]).await.ok()?;
    let stored: i64 = tx
        .query_one(
            "SELECT count(*) FROM ballots WHERE leaf_index >= $1 AND leaf_index < $2 AND receipt = ANY($3)",
            &[&(first_leaf as i64), &((first_leaf + receipts.len() as u64) as i64), &receipts],
        )
        .await
        .ok()?
        .get(0);
    let _ = tx.rollback().await;
    match stored {
        0 => Some(false),
        n if n as usize == receipts.len() => Some(true),
        // Part of one transaction's rows: impossible; say nothing we cannot stand behind.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::log_lock::batch_times;

    #[test]
    fn batch_times_never_go_back() {
        // The clock as it is: the second of now, the head at now.
        assert_eq!(batch_times(1_790_000_123_456, 1_790_000_000), (1_790_000_123, 1_790_000_123_456));
        // The clock went back behind the last leaf: the last leaf's second, and a head not older than it.
        assert_eq!(batch_times(1_790_000_000_999, 1_790_000_123), (1_790_000_123, 1_790_000_123_000));
        // Same second as the last leaf.
        assert_eq!(batch_times(1_790_000_123_500, 1_790_000_123), (1_790_000_123, 1_790_000_123_500));
        assert_eq!(batch_times(0, u64::MAX), (u64::MAX, u64::MAX));
    }
}

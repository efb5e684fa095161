//! The log's lock and what is checked under it (SPEC.md §11.7): ballots (crate::appender) and the officials'
//! voter-list changes (crate::voter_list) take the same lock and get their acceptance time the same way.

use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use protocol::log::LogTree;

use crate::error::AppError;
use crate::state::{load_leaves, now_ms, AppState};

pub fn closed_error() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "election_closed", "the election is closed: no ballot is accepted")
}

pub fn not_open_error() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "election_not_open", "voting has not started yet")
}

/// SPEC.md §11.7: the batch's acceptance second, `max(⌊now_ms / 1000⌋, last)`, and its tree head's timestamp,
/// `max(now_ms, 1000 · accepted_at)`, so that neither the log's times nor a head go back behind its last ballot.
pub fn batch_times(now_ms: u64, last_accepted_at: u64) -> (u64, u64) {
    let accepted_at = (now_ms / 1000).max(last_accepted_at);
    (accepted_at, now_ms.max(accepted_at.saturating_mul(1000)))
}

/// The log, locked for one append (`log_state FOR UPDATE`, which serialises appends across every collector
/// process on the database): its size, and the append's acceptance second and tree-head time (SPEC.md §11.7).
#[derive(Debug, Clone, Copy)]
pub struct Locked {
    pub size: u64,
    pub accepted_at: u64,
    pub timestamp: u64,
}

/// Takes the log lock in `tx` and refuses the append when the election is closed (or `accepted_at` is past
/// `closes_at`) or not yet open. The one place both ballots and voter-list changes get their time.
pub async fn lock_log(state: &AppState, tx: &tokio_postgres::Transaction<'_>) -> Result<Locked, AppError> {
    let row = tx
        .query_one(
            "SELECT l.tree_size, e.closed_at IS NOT NULL, l.last_accepted_at FROM log_state l, election e
             WHERE l.id = 1 FOR UPDATE OF l",
            &[],
        )
        .await?;
    let (size, closed, last_accepted_at) =
        (row.get::<_, i64>(0) as u64, row.get::<_, bool>(1), row.get::<_, i64>(2).max(0) as u64);
    let (accepted_at, timestamp) = batch_times(now_ms(), last_accepted_at);
    let period = state.info.election.manifest().voting_period;
    if closed || accepted_at > period.closes_at {
        state.closed.store(true, Ordering::Release);
        return Err(closed_error());
    }
    if accepted_at < period.opens_at {
        return Err(not_open_error());
    }
    Ok(Locked { size, accepted_at, timestamp })
}

/// Brings `tree` up to the log's `size` committed leaves (other processes' appends); refuses to go on if the
/// database has fewer leaves than its log state says.
pub async fn catch_up_tree(client: &tokio_postgres::Client, tree: &mut LogTree, size: u64) -> Result<(), AppError> {
    load_leaves(client, tree, size).await?;
    if tree.len() != size {
        // Only possible if leaves were lost from the database: refuse to go on.
        let e = AppError::internal(format!("log has {size} leaves in the database, {} in memory", tree.len()));
        truncate_to(tree, size.min(tree.len()));
        return Err(e);
    }
    Ok(())
}

pub fn truncate_to(tree: &mut LogTree, size: u64) {
    if tree.len() > size {
        tree.truncate(size);
    }
}

/// R1's standing check, as the collector makes it: `standing` is the credential's on the voter list in force
/// (`None`: not on it), `cast` the district the ballot is for. `403 unknown_credential` when the credential is
/// not on the list (never registered, or removed by the officials), `422 wrong_district` when it is in another
/// district (moved, or the wrong ballot).
pub fn check_standing(
    manifest: &protocol::Manifest,
    standing: Option<Option<u16>>,
    cast: Option<u16>,
) -> Result<(), AppError> {
    let Some(registered) = standing else {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "unknown_credential",
            "the credential is not on the voter list: it was never registered, or the election officials removed \
             it; contact them",
        ));
    };
    if registered != cast {
        return Err(wrong_district(manifest, registered, cast));
    }
    Ok(())
}

/// `422 wrong_district`: the ballot is for another district than its credential's (R1's `wrong_district`). Names
/// both districts by id. Both are the manifest's: the shape check (B2) passed, and the registry holds a district
/// exactly when the election has districts.
fn wrong_district(manifest: &protocol::Manifest, registered: Option<u16>, cast: Option<u16>) -> AppError {
    let id = |d: Option<u16>| {
        d.and_then(|d| manifest.districts.get(usize::from(d))).map_or_else(|| "(none)".to_string(), |d| d.id.clone())
    };
    let (registered, cast) = (id(registered), id(cast));
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong_district",
        format!(
            "the ballot is for district {cast}, and this credential votes in district {registered}: reload the \
             voting page, which gives the ballot of district {registered}; nothing was stored"
        ),
    )
}

/// The end of every append, in its transaction: the new tree head (its JSON) and the log's new size and last
/// acceptance second (read back under the lock by the next append, SPEC.md §11.7).
pub async fn advance_log(
    tx: &tokio_postgres::Transaction<'_>,
    new_size: u64,
    head_json: &str,
    accepted_at: u64,
) -> Result<(), tokio_postgres::Error> {
    tx.execute("INSERT INTO tree_heads (tree_size, sth) VALUES ($1, $2)", &[&(new_size as i64), &head_json]).await?;
    tx.execute(
        "UPDATE log_state SET tree_size = $1, last_accepted_at = $2 WHERE id = 1",
        &[&(new_size as i64), &(accepted_at as i64)],
    )
    .await?;
    Ok(())
}

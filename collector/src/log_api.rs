//! The public log API: the latest signed tree head, leaves by range, inclusion and consistency proofs, and the
//! election's public data (manifest, key, fingerprint, the collector's verifying key).

use std::sync::atomic::Ordering;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use protocol::election::PublishedElection;
use protocol::log::{ConsistencyQuery, InclusionQuery, SignedTreeHead, WithBytes};
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;

/// Most leaves returned by one `GET /log/leaves`.
pub const MAX_LEAVES_PER_PAGE: i64 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/election", get(election))
        .route("/log/sth", get(sth))
        .route("/log/leaves", get(leaves))
        .route("/log/proof/inclusion", get(inclusion))
        .route("/log/proof/consistency", get(consistency))
        .route("/config.json", get(page_config))
}

/// `GET /config.json`: what the verification page reads (voter-client/web/verify.js): served here, the ballot
/// comes from this origin and no mirror is consulted (the page says so); a mirror of the log serves its own
/// (verifier/MIRROR.md), naming the collector and itself.
async fn page_config() -> Json<serde_json::Value> {
    Json(serde_json::json!({"collector": "", "mirrors": []}))
}

/// `GET /election`: the manifest as JSON (for display) and as its canonical bytes (SPEC.md §4.2, hex: what the
/// voter's WASM module decodes, since it reads no JSON), the election key, the fingerprint (§4.4) and the
/// collector's key.
async fn election(State(state): State<AppState>) -> Json<PublishedElection> {
    let e = &state.info.election;
    Json(PublishedElection {
        manifest: e.manifest().clone(),
        manifest_bytes: hex::encode(protocol::Encode::to_bytes(e.manifest())),
        public_key: *e.public_key(),
        fingerprint: *e.fingerprint(),
        collector_key: state.info.verifying_key.to_bytes(),
    })
}

/// The latest signed tree head in PostgreSQL.
pub async fn latest_sth(state: &AppState) -> Result<SignedTreeHead, AppError> {
    let client = state.pool.get().await?;
    let row = client
        .query_opt("SELECT sth FROM tree_heads ORDER BY tree_size DESC LIMIT 1", &[])
        .await?
        .ok_or_else(|| AppError::internal("no tree head stored"))?;
    serde_json::from_str(row.get::<_, &str>(0)).map_err(AppError::internal)
}

/// `GET /log/sth`: the latest head's JSON fields and its canonical bytes (SPEC.md §11.3.1 LG5, hex) in `bytes`.
async fn sth(State(state): State<AppState>) -> Result<Json<WithBytes<SignedTreeHead>>, AppError> {
    Ok(Json(WithBytes(latest_sth(&state).await?)))
}

#[derive(Debug, Deserialize)]
struct Range {
    start: i64,
    end: i64,
}

/// The entries of `GET /log/leaves` (defined in `protocol`, where monitors and mirrors read them too): a ballot's
/// leaf or a voter-list change's.
pub use protocol::log::{ChangeEntry, LeafEntry, Leaves, LogEntry};

async fn leaves(
    State(state): State<AppState>,
    r: Result<Query<Range>, QueryRejection>,
) -> Result<Json<Leaves>, AppError> {
    let Query(r) = r.map_err(bad_query)?;
    if r.start < 0 || r.end <= r.start {
        return Err(AppError::bad_request("invalid_range", "need 0 <= start < end"));
    }
    // `start` may be anything up to i64::MAX: saturate rather than overflow (a page past the log is empty).
    let end = r.end.min(r.start.saturating_add(MAX_LEAVES_PER_PAGE));
    let client = state.pool.get().await?;
    let size: i64 = client.query_one("SELECT tree_size FROM log_state WHERE id = 1", &[]).await?.get(0);
    let rows = client
        .query(
            "SELECT leaf_index, accepted_at, ballot, false FROM ballots
             WHERE leaf_index >= $1 AND leaf_index < $2 AND leaf_index < $3
             UNION ALL
             SELECT leaf_index, accepted_at, change, true FROM voter_list_changes
             WHERE leaf_index >= $1 AND leaf_index < $2 AND leaf_index < $3
             ORDER BY leaf_index",
            &[&r.start, &end, &size],
        )
        .await?;
    let entries = rows
        .iter()
        .map(|row| {
            let (leaf_index, accepted_at) = (row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64);
            let bytes = hex::encode(row.get::<_, &[u8]>(2));
            if row.get::<_, bool>(3) {
                LogEntry::Change(ChangeEntry { leaf_index, accepted_at, change: bytes })
            } else {
                LogEntry::Ballot(LeafEntry { leaf_index, accepted_at, ballot: bytes })
            }
        })
        .collect();
    Ok(Json(Leaves { entries }))
}

/// The answer of `GET /log/proof/inclusion` (defined in `protocol`), with its canonical bytes (LG7) in `bytes`.
pub use protocol::log::InclusionProof;

fn bad_query(e: QueryRejection) -> AppError {
    AppError::bad_request("invalid_query", e.body_text())
}

async fn check_size(state: &AppState, size: u64) -> Result<(), AppError> {
    state.sync_tree(size).await?;
    if size > state.log.committed.load(Ordering::Acquire) {
        return Err(AppError::bad_request("invalid_tree_size", "the log is not that large"));
    }
    Ok(())
}

async fn inclusion(
    State(state): State<AppState>,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Json<WithBytes<InclusionProof>>, AppError> {
    let Query(q) = q.map_err(bad_query)?;
    check_size(&state, q.tree_size).await?;
    q.check().map_err(|m| AppError::bad_request("invalid_range", m))?;
    let tree = state.log.tree.lock().await;
    let path = tree.inclusion_proof(q.leaf_index, q.tree_size).ok_or_else(|| AppError::internal("no proof"))?;
    let leaf_hash = *tree.leaf(q.leaf_index).ok_or_else(|| AppError::internal("no leaf"))?;
    Ok(Json(WithBytes(InclusionProof { leaf_index: q.leaf_index, tree_size: q.tree_size, leaf_hash, path })))
}

/// The answer of `GET /log/proof/consistency` (defined in `protocol`, where the voter client reads it too), with its
/// canonical bytes (LG8) in `bytes`.
pub use protocol::log::ConsistencyProof;

async fn consistency(
    State(state): State<AppState>,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<WithBytes<ConsistencyProof>>, AppError> {
    let Query(q) = q.map_err(bad_query)?;
    q.check().map_err(|m| AppError::bad_request("invalid_range", m))?;
    check_size(&state, q.second).await?;
    let tree = state.log.tree.lock().await;
    let path = tree.consistency_proof(q.first, q.second).ok_or_else(|| AppError::internal("no proof"))?;
    Ok(Json(WithBytes(ConsistencyProof { first: q.first, second: q.second, path })))
}

//! The live ballot board at `/board/` (collector/API.md "Ballot board"): the board page of the published site
//! (web-assets: the one `verifier publish` writes after the tally, and a mirror serves from its copy), served
//! during voting under the collector's strict CSP, with the data paths it reads answered from the log:
//! `data/site.json` (the election and the latest signed tree head), `data/board/page-P.json` (100 ballots a page)
//! and `data/find/XX.json` (the ballots whose tracker starts with the two hex digits `XX`). Rows are
//! `[leaf_index, accepted_at, tracker, null, null]` ([`web_assets::live_row`]): the fate is known only after the
//! tally, and the published site fills it in.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use protocol::ballot::BallotId;
use serde_json::{json, Value};
use web_assets::{board_asset, find_bucket, live_row, live_site, page_number, page_range};

use crate::error::AppError;
use crate::log_api::latest_sth;
use crate::state::AppState;
use crate::CACHE_STATIC;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/board", get(|| async { Redirect::permanent("/board/") }))
        .route("/board/", get(|| async { asset("board.html") }))
        .route("/board/{file}", get(|Path(file): Path<String>| async move { asset(&file) }))
        .route("/board/data/site.json", get(site))
        .route("/board/data/board/{page}", get(page))
        .route("/board/data/find/{bucket}", get(find))
}

fn asset(name: &str) -> Response {
    match board_asset(name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_STATIC)),
            ],
            a.body,
        )
            .into_response(),
        None => AppError::not_found("not_found", "no such file of the ballot board").into_response(),
    }
}

/// `GET /board/data/site.json`: what the board page shows above the ballots ([`web_assets::live_site`]), under
/// the latest signed tree head.
async fn site(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let head = latest_sth(&state).await?;
    let e = &state.info.election;
    Ok(Json(live_site(e.manifest(), e.fingerprint(), &state.info.verifying_key.to_bytes(), &head)))
}

fn rows(found: &[deadpool_postgres::tokio_postgres::Row]) -> Result<Vec<Value>, AppError> {
    found
        .iter()
        .map(|row| {
            let id: [u8; 32] = row.get::<_, &[u8]>(2).try_into().map_err(AppError::internal)?;
            let leaf = u64::try_from(row.get::<_, i64>(0)).map_err(AppError::internal)?;
            let at = u64::try_from(row.get::<_, i64>(1)).map_err(AppError::internal)?;
            Ok(live_row(leaf, at, &BallotId(id)))
        })
        .collect()
}

/// `GET /board/data/board/page-P.json`: leaves `P·100 … P·100 + 99` of the log (fewer on the last page, none
/// past the end): ballots, and the officials' voter-list changes as [`web_assets::change_row`] rows.
async fn page(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, AppError> {
    let bad = || AppError::not_found("not_found", web_assets::PAGE_NAME_HELP);
    let (start, end) = page_number(&name).and_then(page_range).ok_or_else(bad)?;
    let start = i64::try_from(start).map_err(|_| bad())?;
    let end = i64::try_from(end).unwrap_or(i64::MAX);
    let client = state.pool.get().await?;
    let found = client
        .query(
            "SELECT leaf_index, accepted_at, ballot_id FROM ballots
             WHERE leaf_index >= $1 AND leaf_index < $2
               AND leaf_index < (SELECT tree_size FROM log_state WHERE id = 1)
             ORDER BY leaf_index",
            &[&start, &end],
        )
        .await?;
    let mut entries = rows(&found)?;
    // The officials' voter-list changes on the page (SPEC.md §4.7), at their leaves among the ballots.
    let changes = client
        .query(
            "SELECT leaf_index, accepted_at, change FROM voter_list_changes
             WHERE leaf_index >= $1 AND leaf_index < $2
               AND leaf_index < (SELECT tree_size FROM log_state WHERE id = 1)
             ORDER BY leaf_index",
            &[&start, &end],
        )
        .await?;
    for row in &changes {
        let change = protocol::log::ChangeEntry {
            leaf_index: u64::try_from(row.get::<_, i64>(0)).map_err(AppError::internal)?,
            accepted_at: u64::try_from(row.get::<_, i64>(1)).map_err(AppError::internal)?,
            change: hex::encode(row.get::<_, &[u8]>(2)),
        };
        entries.push(web_assets::change_row(&change, state.info.election.manifest()));
    }
    entries.sort_by_key(|row| row[0].as_u64());
    Ok(Json(json!({ "entries": entries })))
}

/// `GET /board/data/find/XX.json`: every ballot of the log whose id starts with the byte `XX` (two upper-case
/// hex digits: the tracker's first two), in log order.
async fn find(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, AppError> {
    let bucket = find_bucket(&name).ok_or_else(|| AppError::not_found("not_found", web_assets::BUCKET_NAME_HELP))?;
    let from = vec![bucket];
    let client = state.pool.get().await?;
    // Ids are 32 bytes, compared as bytes: `[XX] <= id < [XX + 1]` holds exactly for those starting with XX.
    let found = match bucket.checked_add(1) {
        Some(next) => {
            client
                .query(
                    "SELECT leaf_index, accepted_at, ballot_id FROM ballots
                     WHERE ballot_id >= $1 AND ballot_id < $2
                       AND leaf_index < (SELECT tree_size FROM log_state WHERE id = 1)
                     ORDER BY leaf_index",
                    &[&from, &vec![next]],
                )
                .await?
        }
        None => {
            client
                .query(
                    "SELECT leaf_index, accepted_at, ballot_id FROM ballots
                     WHERE ballot_id >= $1 AND leaf_index < (SELECT tree_size FROM log_state WHERE id = 1)
                     ORDER BY leaf_index",
                    &[&from],
                )
                .await?
        }
    };
    Ok(Json(json!({ "entries": rows(&found)? })))
}

//! The live ballot board at `/board/` (collector/API.md "Ballot board"): the published site's board page
//! (verifier/web, the one `verifier publish` writes after the tally), served during voting under the collector's
//! strict CSP, with the data paths it reads answered from the log: `data/site.json` (the election and the latest
//! signed tree head), `data/board/page-P.json` (100 ballots a page) and `data/find/XX.json` (the ballots whose
//! tracker starts with the two hex digits `XX`). Rows are `[leaf_index, accepted_at, tracker, null, null]`: the
//! fate is known only after the tally, and the published site fills it in.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use protocol::ballot::BallotId;
use serde_json::{json, Value};

use crate::error::AppError;
use crate::log_api::latest_sth;
use crate::state::AppState;
use crate::CACHE_STATIC;

/// Ballots per board page, as the published site pages them (`verifier::publish::PAGE_SIZE`).
pub const PAGE_SIZE: i64 = 100;

/// The page and its scripts and style, the same files `verifier publish` writes.
const ASSETS: &[(&str, &str, &str)] = &[
    ("board.html", "text/html; charset=utf-8", include_str!("../../verifier/web/board.html")),
    ("board.js", "text/javascript; charset=utf-8", include_str!("../../verifier/web/board.js")),
    ("site.js", "text/javascript; charset=utf-8", include_str!("../../verifier/web/site.js")),
    ("site.css", "text/css; charset=utf-8", include_str!("../../verifier/web/site.css")),
];

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
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
                (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_STATIC)),
            ],
            *body,
        )
            .into_response(),
        None => AppError::not_found("not_found", "no such file of the ballot board").into_response(),
    }
}

/// `GET /board/data/site.json`: what the board page shows above the ballots, as the published site's file has
/// it, with `"source": "live"` and the latest signed tree head.
async fn site(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let head = latest_sth(&state).await?;
    let e = &state.info.election;
    let m = e.manifest();
    let total = head.tree_size;
    Ok(Json(json!({
        "format": "rv/site/v1",
        "source": "live",
        "lang": "en",
        "election": {
            "election_id": m.election_id,
            "title": m.title,
            "fingerprint": e.fingerprint().to_hex(),
            "opens_at": m.voting_period.opens_at,
            "closes_at": m.voting_period.closes_at,
        },
        "collector_key": hex::encode(state.info.verifying_key.to_bytes()),
        "head": head,
        "board": {"total": total, "page_size": PAGE_SIZE, "pages": total.div_ceil(PAGE_SIZE as u64)},
    })))
}

/// `name` is `{prefix}{digits}{suffix}`: the number in the middle, else `404 not_found`.
fn number_in<'a>(name: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix)?.strip_suffix(suffix).filter(|n| !n.is_empty())
}

fn rows(found: &[deadpool_postgres::tokio_postgres::Row]) -> Result<Vec<Value>, AppError> {
    found
        .iter()
        .map(|row| {
            let id: [u8; 32] = row.get::<_, &[u8]>(2).try_into().map_err(AppError::internal)?;
            Ok(json!([row.get::<_, i64>(0), row.get::<_, i64>(1), BallotId(id).tracker(), null, null]))
        })
        .collect()
}

/// `GET /board/data/board/page-P.json`: ballots `P·100 … P·100 + 99` of the log (fewer on the last page, none
/// past the end).
async fn page(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, AppError> {
    let bad = || AppError::not_found("not_found", "a board page is page-N.json, N a page number from 0");
    let p: i64 = number_in(&name, "page-", ".json").and_then(|n| n.parse().ok()).filter(|p| *p >= 0).ok_or_else(bad)?;
    let start = p.checked_mul(PAGE_SIZE).ok_or_else(bad)?;
    let client = state.pool.get().await?;
    let found = client
        .query(
            "SELECT leaf_index, accepted_at, ballot_id FROM ballots
             WHERE leaf_index >= $1 AND leaf_index < $2
               AND leaf_index < (SELECT tree_size FROM log_state WHERE id = 1)
             ORDER BY leaf_index",
            &[&start, &start.saturating_add(PAGE_SIZE)],
        )
        .await?;
    Ok(Json(json!({ "entries": rows(&found)? })))
}

/// `GET /board/data/find/XX.json`: every ballot of the log whose id starts with the byte `XX` (two upper-case
/// hex digits: the tracker's first two), in log order.
async fn find(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, AppError> {
    let bucket = number_in(&name, "", ".json")
        .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)))
        .and_then(|n| u8::from_str_radix(n, 16).ok())
        .ok_or_else(|| {
            AppError::not_found(
                "not_found",
                "a search file is XX.json, XX the tracker's first two hex digits (0-9, A-F)",
            )
        })?;
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

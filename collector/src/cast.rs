//! `POST /ballots`: casting. Checks, in order: the media type (`application/json`), body size and arrival within
//! the request timeout, JSON, the election's period and state, then the ballot in the order of the tally's R1
//! (SPEC.md §14.3), so that the collector refuses a ballot for the reason the tally would: the election (B1), the
//! shape (B2: the district and its contests), the credential's registration, the credential's district, then —
//! after the rate limit — the signature and the proof (B3, B4). A ballot that passes goes to the appender; the
//! answer, a signed receipt, comes after COMMIT. The same ballot sent again gets the same receipt (`200` instead
//! of `201`).

use std::sync::atomic::Ordering;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use protocol::log::ballot_hash;
use protocol::{check_ballot, Ballot, Encode};
use serde_json::error::Category;
use tokio::sync::oneshot;

use crate::error::AppError;
use crate::log_lock::{check_standing, closed_error, not_open_error};
use crate::state::{now_ms, AppState};
use crate::state::{Job, Pending};

pub fn router() -> Router<AppState> {
    Router::new().route("/ballots", post(cast))
}

async fn cast(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match cast_inner(&state, &headers, body).await {
        Ok((receipt, created)) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            (status, Json(protocol::log::WithBytes(receipt))).into_response()
        }
        Err(e) => {
            state.metrics.reject(e.code);
            e.into_response()
        }
    }
}

/// Parses a ballot from JSON, with a specific code for each way it can be wrong.
pub fn parse_ballot(bytes: &[u8]) -> Result<Ballot, AppError> {
    serde_json::from_slice::<Ballot>(bytes).map_err(|e| match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::bad_request("malformed_json", format!("the body is not JSON: {e}"))
        }
        Category::Data => {
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_ballot", format!("not a ballot: {e}"))
        }
    })
}

/// True for `application/json`, with or without parameters (`; charset=utf-8`), in any case.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// The body of a `POST` of JSON (`what`: "the ballot", "the change"), whole within the request timeout, so a
/// client that trickles it holds no connection for long: `415 unsupported_media_type` without
/// `Content-Type: application/json`, `413 body_too_large` past `--body-limit`, `408 request_timeout`.
pub async fn read_json_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    what: &str,
) -> Result<axum::body::Bytes, AppError> {
    if !is_json(headers) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send {what} as JSON, with the header Content-Type: application/json"),
        ));
    }
    // The whole body within the request timeout: a client that trickles it holds no connection for long.
    let limit = state.settings.body_limit;
    match tokio::time::timeout(state.settings.request_timeout, to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body exceeds {limit} bytes"),
        )),
        Err(_) => Err(AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("the body did not arrive within {} s; send it again", state.settings.request_timeout.as_secs()),
        )),
    }
}

async fn cast_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(protocol::log::Receipt, bool), AppError> {
    let bytes = read_json_body(state, headers, body, "the ballot").await?;
    let ballot = parse_ballot(&bytes)?;
    let period = state.info.election.manifest().voting_period;
    // An early refusal on this clock reading; the appender checks the time it writes into the leaf (§11.7).
    let now = now_ms() / 1000;
    if state.closed.load(Ordering::Acquire) || now > period.closes_at {
        return Err(closed_error());
    }
    if now < period.opens_at {
        return Err(not_open_error());
    }
    if ballot.body.fingerprint != *state.info.fingerprint() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_election",
            "the ballot is for another election",
        ));
    }
    let manifest = state.info.election.manifest();
    protocol::ballot::check_shape(manifest, &ballot.body).map_err(|e| AppError::from_ballot(&e))?;
    let credential = *ballot.body.credential.as_bytes();
    let (key, district_cast) = (ballot.body.credential, ballot.body.district);
    // An early refusal on this process's voter list, after catching up with the changes other processes appended
    // (a query only when the list in memory refuses); the appender checks again under the log lock, with every
    // change of the log applied.
    if check_standing(manifest, state.district_of(&key), district_cast).is_err() {
        let client = state.pool.get().await?;
        state.sync_voter_list(&client).await?;
        check_standing(manifest, state.district_of(&key), district_cast)?;
    }
    if !state.limiter.allow(&credential, state.settings.rate_limit_per_minute) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many ballots from this credential",
        ));
    }
    let checker = state.clone();
    let pending = tokio::task::spawn_blocking(move || {
        check_ballot(&checker.info.election, &ballot).map_err(|e| AppError::from_ballot(&e))?;
        let bytes = ballot.to_bytes();
        let id = ballot.id();
        let hash = ballot_hash(&bytes);
        Ok::<_, AppError>((id, bytes, hash))
    })
    .await
    .map_err(AppError::internal)??;
    let (id, bytes, hash) = pending;
    let (tx, rx) = oneshot::channel();
    let p = Pending { id, credential: key, district: district_cast, bytes, ballot_hash: hash, reply: tx };
    state.appender.try_send(Job::Ballot(p)).map_err(|_| {
        AppError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "the collector is overloaded; retry")
    })?;
    rx.await.map_err(AppError::internal)?
}

//! `POST /ballots`: casting. Checks, in order: body size, JSON, the election's period and state, the
//! credential's registration, the rate limit, then the ballot itself (SPEC.md §8.6 B1–B4: election, shape,
//! signature, proof). A ballot that passes goes to the appender; the answer, a signed receipt, comes after
//! COMMIT. The same ballot sent again gets the same receipt (`200` instead of `201`).

use std::sync::atomic::Ordering;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use protocol::log::ballot_hash;
use protocol::{check_ballot, Ballot, Encode};
use serde_json::error::Category;
use tokio::sync::oneshot;

use crate::appender::{closed_error, Pending};
use crate::error::AppError;
use crate::state::{now_ms, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/ballots", post(cast))
}

async fn cast(State(state): State<AppState>, body: Body) -> Response {
    match cast_inner(&state, body).await {
        Ok((receipt, created)) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            (status, Json(receipt)).into_response()
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

async fn cast_inner(state: &AppState, body: Body) -> Result<(protocol::log::Receipt, bool), AppError> {
    let bytes = to_bytes(body, state.settings.body_limit).await.map_err(|_| {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body exceeds {} bytes", state.settings.body_limit),
        )
    })?;
    let ballot = parse_ballot(&bytes)?;
    let period = state.info.election.manifest().voting_period;
    // An early refusal on this clock reading; the appender checks the time it writes into the leaf (§11.7).
    let now = now_ms() / 1000;
    if state.closed.load(Ordering::Acquire) || now > period.closes_at {
        return Err(closed_error());
    }
    if now < period.opens_at {
        return Err(AppError::new(StatusCode::FORBIDDEN, "election_not_open", "voting has not started yet"));
    }
    if ballot.body.fingerprint != *state.info.fingerprint() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_election",
            "the ballot is for another election",
        ));
    }
    let credential = *ballot.body.credential.as_bytes();
    if !state.info.credentials.contains(&credential) {
        return Err(AppError::new(StatusCode::FORBIDDEN, "unknown_credential", "the credential is not registered"));
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
    let p = Pending { id, credential, bytes, ballot_hash: hash, reply: tx };
    state.appender.try_send(p).map_err(|_| {
        AppError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "the collector is overloaded; retry")
    })?;
    rx.await.map_err(AppError::internal)?
}

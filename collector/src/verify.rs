//! `GET /ballots/{id}?proof=…`: the voter's second device fetches its ballot by id, as in Estonia: only within a
//! time window after casting and a limited number of times (defaults from the manifest's `verification` policy,
//! 30 minutes and 3 times in the example; overridable with `collector serve` flags). The count is kept in
//! PostgreSQL, so it holds across collector processes.
//!
//! Only the holder of the second-device code spends the voter's fetches: the request carries a proof of
//! knowledge of the randomness of the ballot's first ciphertext, bound to the election and the ballot id
//! (SPEC.md §8.10), derived from the code's seed. Ballot ids are public (the log lists them); without a valid
//! proof the answer is `403 fetch_not_authorized` and nothing is counted.

use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use protocol::log::{Receipt, WithBytes};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/ballots/{id}", get(fetch))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct VerificationResponse {
    /// The ballot, as the JSON the voter's client posted (re-serialised from its canonical bytes).
    pub ballot: serde_json::Value,
    /// The same ballot's canonical bytes (SPEC.md §8.2), hex: what the voter's WASM module decodes.
    pub ballot_bytes: String,
    /// The ballot's receipt: its JSON fields and its canonical bytes (SPEC.md §11.3.1 LG6, hex) in `bytes`.
    pub receipt: WithBytes<Receipt>,
    /// How many fetches are left after this one.
    pub fetches_left: u32,
}

#[derive(Debug, Deserialize)]
pub struct FetchQuery {
    /// The fetch proof (SPEC.md §8.10): the 64-byte Schnorr proof, hex.
    proof: Option<String>,
}

fn not_authorized(why: &str) -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "fetch_not_authorized",
        format!("{why}: only the device holding the ballot's second-device code can fetch it (nothing was counted)"),
    )
}

async fn fetch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<FetchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<VerificationResponse>, AppError> {
    let mut bid = [0u8; 32];
    hex::decode_to_slice(&id, &mut bid)
        .map_err(|_| AppError::bad_request("invalid_ballot_id", "a ballot id is 64 hexadecimal digits"))?;
    let proof_hex = query.ok().and_then(|Query(q)| q.proof).ok_or_else(|| not_authorized("no fetch proof"))?;
    let proof: protocol::proofs::schnorr::SchnorrProof = hex::decode(&proof_hex)
        .ok()
        .and_then(|bytes| protocol::Decode::from_bytes(&bytes).ok())
        .ok_or_else(|| not_authorized("the fetch proof is not 128 hexadecimal digits of a valid proof"))?;
    // The proof is checked against the stored ballot before anything is counted.
    {
        let client = state.pool.get().await?;
        let row = client.query_opt("SELECT ballot FROM ballots WHERE ballot_id = $1", &[&bid.as_slice()]).await?;
        let row = row.ok_or_else(|| AppError::not_found("ballot_not_found", "no ballot with this id"))?;
        let stored: protocol::Ballot =
            protocol::Decode::from_bytes(row.get::<_, &[u8]>(0)).map_err(AppError::internal)?;
        protocol::codes::check_fetch(&stored.body, &proof)
            .map_err(|_| not_authorized("the fetch proof does not verify"))?;
    }
    let policy = state.info.election.manifest().verification;
    let window = state.settings.verification_window.map_or(i64::from(policy.window_seconds), |d| d.as_secs() as i64);
    let max = state.settings.verification_max_fetches.unwrap_or(policy.max_fetches) as i32;
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            "UPDATE ballots SET fetches = fetches + 1
             WHERE ballot_id = $1 AND fetches < $2 AND received_at > now() - make_interval(secs => $3)
             RETURNING ballot, receipt, fetches",
            &[&bid.as_slice(), &max, &(window as f64)],
        )
        .await?;
    let Some(row) = row else {
        let why = client
            .query_opt(
                "SELECT fetches >= $2, received_at <= now() - make_interval(secs => $3) FROM ballots WHERE ballot_id = $1",
                &[&bid.as_slice(), &max, &(window as f64)],
            )
            .await?;
        return Err(match why {
            None => AppError::not_found("ballot_not_found", "no ballot with this id"),
            Some(r) if r.get::<_, bool>(1) => {
                AppError::new(StatusCode::GONE, "verification_expired", "the verification window has passed")
            }
            Some(_) => AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "verification_limit_reached",
                "this ballot was fetched as many times as allowed",
            ),
        });
    };
    let bytes: Vec<u8> = row.get(0);
    let ballot: protocol::Ballot = protocol::Decode::from_bytes(&bytes).map_err(AppError::internal)?;
    let receipt: Receipt = serde_json::from_str(row.get::<_, &str>(1)).map_err(AppError::internal)?;
    let fetches: i32 = row.get(2);
    state.metrics.verification_fetches.fetch_add(1, Ordering::Relaxed);
    Ok(Json(VerificationResponse {
        ballot: serde_json::to_value(&ballot).map_err(AppError::internal)?,
        ballot_bytes: hex::encode(&bytes),
        receipt: WithBytes(receipt),
        fetches_left: (max - fetches).max(0) as u32,
    }))
}

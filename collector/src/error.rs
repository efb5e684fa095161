//! The one application error: an HTTP status and a stable, machine-readable code in a JSON body
//! (`{"error": {"code": "...", "message": "..."}}`). Every code is listed in collector/API.md. Internal detail
//! (database errors) is logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::error::BallotError;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
    pub fn storage(e: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %e, "storage error");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "the ballot store is unavailable; retry")
    }
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// Maps the protocol's ballot checks (SPEC.md §8.6) to codes.
    pub fn from_ballot(e: &BallotError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            BallotError::WrongElection => Self::new(unprocessable, "wrong_election", e.to_string()),
            BallotError::NoSuchDistrict(_) | BallotError::WrongContestCount { .. } | BallotError::WrongWidth { .. } => {
                Self::new(unprocessable, "wrong_shape", e.to_string())
            }
            BallotError::WeakCredential | BallotError::BadSignature | BallotError::WrongCredential => {
                Self::new(unprocessable, "bad_signature", e.to_string())
            }
            BallotError::BadProof(_) => Self::new(unprocessable, "bad_proof", e.to_string()),
            BallotError::Encoding(_) | BallotError::Decode(_) => {
                Self::new(unprocessable, "invalid_ballot", e.to_string())
            }
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": {"code": self.code, "message": self.message}}))).into_response()
    }
}

impl From<tokio_postgres::Error> for AppError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::storage(e)
    }
}

impl From<deadpool_postgres::PoolError> for AppError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::storage(e)
    }
}

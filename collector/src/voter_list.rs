//! `POST /voter-list/changes`: the officials' changes to the voter list while the election is open (SPEC.md §4.7).
//!
//! The body is a change's file (`{"change": hex of eq. VL1}`, [`ChangeFile`]). Checked on arrival: the media type,
//! size and arrival time of the body, the JSON, that the change decodes, the election's period, the election and
//! the officials' signature ([`VoterListChange::verify`]). The appender then appends it, in its queue's order with
//! the ballots, under the same log lock and with the same acceptance time rule (SPEC.md §11.7), as a leaf of its
//! own (eq. LG9): under the lock it brings the voter list up to the log (changes other processes appended) and
//! checks with the one checker, [`protocol::ballot_box::Electorate::apply`], that the change is the next in
//! number and applies to the list as it stands. The answer, after COMMIT, is the change's leaf, its time and the
//! new signed tree head; the same change sent again gets the same answer (`200` instead of `201`).

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use protocol::log::{change_leaf_hash, SignedTreeHead, WithBytes};
use protocol::voter_list::{ChangeError, ChangeFile, VoterListChange};
use serde::{Deserialize, Serialize};
use serde_json::error::Category;
use tokio::sync::oneshot;

use crate::cast::read_json_body;
use crate::error::AppError;
use crate::log_lock::{advance_log, catch_up_tree, closed_error, lock_log, not_open_error, Locked};
use crate::state::{now_ms, AppState, Job, PendingChange};

pub fn router() -> Router<AppState> {
    Router::new().route("/voter-list/changes", post(submit))
}

/// The answer of `POST /voter-list/changes`: where the change is in the log, the second it was appended (part of
/// its leaf, eq. LG9), and the signed tree head that first holds it (as `GET /log/sth` serves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeAppended {
    pub leaf_index: u64,
    pub accepted_at: u64,
    pub tree_head: WithBytes<SignedTreeHead>,
}

/// The error for a change the protocol refuses ([`ChangeError`]): `400 invalid_change` (does not decode),
/// `422 wrong_election`, `403 not_the_officials`, `409 change_out_of_order` (not the next number),
/// `422 change_does_not_apply` (not what the list as it stands allows).
pub fn change_error(e: &ChangeError) -> AppError {
    let message = e.to_string();
    match e {
        ChangeError::Decode(_) => {
            AppError::bad_request("invalid_change", format!("not a voter-list change: {message}"))
        }
        ChangeError::WrongElection { .. } => {
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong_election", format!("{message}; nothing was stored"))
        }
        ChangeError::NotTheOfficials => AppError::new(
            StatusCode::FORBIDDEN,
            "not_the_officials",
            format!("{message}: sign it with the officials' key; nothing was stored"),
        ),
        ChangeError::OutOfOrder { .. } => AppError::new(
            StatusCode::CONFLICT,
            "change_out_of_order",
            format!("{message}; send the changes before it first (nothing was stored)"),
        ),
        ChangeError::AlreadyRegistered(_)
        | ChangeError::NotRegistered(_)
        | ChangeError::MoveWithoutDistricts
        | ChangeError::MoveToSameDistrict { .. }
        | ChangeError::District(_) => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "change_does_not_apply",
            format!("{message}; nothing was stored: check the change against the voter list in force"),
        ),
        // The collector's list is held, so this does not happen; were it to, it is the collector's fault.
        ChangeError::List(_) => AppError::internal(message),
    }
}

async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match submit_inner(&state, &headers, body).await {
        Ok((answer, created)) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], answer).into_response()
        }
        Err(e) => {
            state.metrics.reject(e.code);
            e.into_response()
        }
    }
}

/// Parses a change's file: `400 malformed_json` when the body is not JSON, `400 invalid_change` when it is not a
/// change's file or its change does not decode (eq. VL1).
pub fn parse_change(bytes: &[u8]) -> Result<(VoterListChange, Vec<u8>), AppError> {
    let file = serde_json::from_slice::<ChangeFile>(bytes).map_err(|e| match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::bad_request("malformed_json", format!("the body is not JSON: {e}"))
        }
        Category::Data => AppError::bad_request(
            "invalid_change",
            format!("not a change's file ({{\"change\": hex of the signed change}}): {e}"),
        ),
    })?;
    let change = VoterListChange::from_hex(&file.change).map_err(|e| change_error(&ChangeError::Decode(e)))?;
    let bytes = change.to_bytes();
    Ok((change, bytes))
}

async fn submit_inner(state: &AppState, headers: &HeaderMap, body: Body) -> Result<(String, bool), AppError> {
    let bytes = read_json_body(state, headers, body, "the change").await?;
    let (change, bytes) = parse_change(&bytes)?;
    // An early refusal on this clock reading; the appender checks the time it writes into the leaf (§11.7).
    let period = state.info.election.manifest().voting_period;
    let now = now_ms() / 1000;
    if state.closed.load(Ordering::Acquire) || now > period.closes_at {
        return Err(closed_error());
    }
    if now < period.opens_at {
        return Err(not_open_error());
    }
    change.verify(state.info.fingerprint(), state.info.election.manifest()).map_err(|e| change_error(&e))?;
    let (tx, rx) = oneshot::channel();
    state.appender.try_send(Job::Change(PendingChange { change, bytes, reply: tx })).map_err(|_| {
        AppError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "the collector is overloaded; retry")
    })?;
    rx.await.map_err(AppError::internal)?
}

/// The appender's step for one change (crate::appender::run): appends it and answers its sender.
pub async fn append(state: &AppState, c: PendingChange) {
    let result = append_inner(state, &c).await;
    if let Err(e) = &result {
        if e.code == "storage_unavailable" || e.code == "outcome_unknown" {
            state.metrics.storage_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    let _ = c.reply.send(result);
}

async fn append_inner(state: &AppState, c: &PendingChange) -> Result<(String, bool), AppError> {
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let Locked { size, accepted_at, timestamp } = lock_log(state, &tx).await?;
    // The same change again: its stored answer.
    if let Some(row) = tx.query_opt("SELECT answer FROM voter_list_changes WHERE change = $1", &[&c.bytes]).await? {
        return Ok((row.get(0), false));
    }
    state.sync_voter_list(tx.client()).await?;
    let mut tree = state.log.tree.lock().await;
    catch_up_tree(tx.client(), &mut tree, size).await?;
    let leaf_index = size;
    {
        let mut v = state.voter_list.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        v.list.apply(state.info.election.manifest(), &c.change, leaf_index).map_err(|e| change_error(&e))?;
    }
    // From here the list holds the change: if it is not stored after all, the list is reloaded (`stale`).
    let new_size = size + 1;
    let leaf = change_leaf_hash(&c.bytes, accepted_at);
    tree.push(leaf);
    let root = tree.root(new_size).unwrap_or_default();
    drop(tree);
    let fp = *state.info.fingerprint();
    let head = SignedTreeHead::sign(&state.signing_key, fp, new_size, root, timestamp);
    let head_text = serde_json::to_string(&head).unwrap_or_default();
    let answer = serde_json::to_string(&ChangeAppended { leaf_index, accepted_at, tree_head: WithBytes(head) })
        .unwrap_or_default();
    let written = async {
        tx.execute(
            "INSERT INTO voter_list_changes (seq, leaf_index, change, leaf_hash, accepted_at, answer)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&i64::from(c.change.seq), &(leaf_index as i64), &c.bytes, &leaf.to_vec(), &(accepted_at as i64), &answer],
        )
        .await?;
        advance_log(&tx, new_size, &head_text, accepted_at).await?;
        Ok::<_, tokio_postgres::Error>(())
    }
    .await;
    let failure = match written {
        Err(e) => Some(AppError::from(e)),
        Ok(()) => match tx.commit().await {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!(error = %e, "COMMIT of a voter-list change failed; finding out whether it was stored");
                match commit_outcome(state, &c.bytes).await {
                    Some(true) => None,
                    Some(false) => Some(AppError::storage("the voter-list change was not committed")),
                    None => Some(AppError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "outcome_unknown",
                        "the store failed while committing: the change may or may not be stored; send the same \
                         change again (it is idempotent) to get its answer",
                    )),
                }
            }
        },
    };
    if let Some(e) = failure {
        let mut tree = state.log.tree.lock().await;
        if tree.len() > size {
            tree.truncate(size);
        }
        drop(tree);
        state.voter_list.write().unwrap_or_else(std::sync::PoisonError::into_inner).stale = true;
        return Err(e);
    }
    state.log.committed.fetch_max(new_size, Ordering::AcqRel);
    tracing::info!(seq = c.change.seq, action = c.change.action.name(), leaf_index, "voter-list change appended");
    Ok((answer, true))
}

/// After a failed COMMIT of the change `bytes`: whether it is stored (as [`crate::appender::commit_outcome`], under
/// the log lock, so the outcome is final).
async fn commit_outcome(state: &AppState, bytes: &[u8]) -> Option<bool> {
    let mut client = state.pool.get().await.ok()?;
    let tx = client.transaction().await.ok()?;
    tx.batch_execute("SET LOCAL lock_timeout = '5s'").await.ok()?;
    tx.query_one("SELECT tree_size FROM log_state WHERE id = 1 FOR UPDATE", &[]).await.ok()?;
    let stored: i64 =
        tx.query_one("SELECT count(*) FROM voter_list_changes WHERE change = $1", &[&bytes]).await.ok()?.get(0);
    let _ = tx.rollback().await;
    Some(stored == 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use protocol::voter_list::Action;

    #[test]
    fn each_refusal_has_its_status_and_code() {
        let cases = [
            (
                ChangeError::Decode(protocol::error::DecodeError::Truncated { what: "x", needed: 1 }),
                400,
                "invalid_change",
            ),
            (ChangeError::WrongElection { found: "a".into(), expected: "b".into() }, 422, "wrong_election"),
            (ChangeError::NotTheOfficials, 403, "not_the_officials"),
            (ChangeError::OutOfOrder { found: 3, expected: 1 }, 409, "change_out_of_order"),
            (ChangeError::AlreadyRegistered("k".into()), 422, "change_does_not_apply"),
            (ChangeError::NotRegistered("k".into()), 422, "change_does_not_apply"),
            (ChangeError::MoveWithoutDistricts, 422, "change_does_not_apply"),
            (ChangeError::MoveToSameDistrict { credential: "k".into(), district: 1 }, 422, "change_does_not_apply"),
            (ChangeError::District("d".into()), 422, "change_does_not_apply"),
        ];
        for (e, status, code) in cases {
            let a = change_error(&e);
            assert_eq!((a.status.as_u16(), a.code), (status, code), "{e}");
            assert!(a.message.contains(&e.to_string()), "{}", a.message);
        }
    }

    #[test]
    fn a_change_file_parses_and_anything_else_is_refused_with_its_code() {
        let secrets = protocol::roles::example_role_secrets(1);
        let cred = protocol::credential::Credential::generate(&mut rand::rngs::OsRng).public_key();
        let c = VoterListChange::sign(&secrets.officials, protocol::Fingerprint([7; 32]), 0, Action::Add, cred, 0);
        let body = serde_json::to_vec(&ChangeFile { change: hex::encode(c.to_bytes()) }).unwrap();
        let (parsed, bytes) = parse_change(&body).unwrap();
        assert_eq!((parsed, bytes), (c.clone(), c.to_bytes()));
        assert_eq!(parse_change(b"{\"change\":").unwrap_err().code, "malformed_json");
        assert_eq!(parse_change(b"{\"ballot\": \"00\"}").unwrap_err().code, "invalid_change");
        let mut short = c.to_bytes();
        short.pop();
        let body = serde_json::to_vec(&ChangeFile { change: hex::encode(short) }).unwrap();
        assert_eq!(parse_change(&body).unwrap_err().code, "invalid_change");
    }
}

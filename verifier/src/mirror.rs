//! The mirror: a monitor's verified copy of the ballot log served over HTTP (`verifier monitor --listen`), and
//! the check a voter's second device makes against it ([`check_in_mirror`], SPEC.md §11.8 check L10).
//!
//! A collector that serves the voting page could show a voter's device a decoy: another ballot, on a forked tree
//! signed with its real key, while the log everyone else sees holds a ballot it cast itself. A receipt cannot
//! tell; a head that someone else saw can. The mirror only ever serves what its monitor verified (L8): the
//! latest verified head, the leaves under it, proofs computed from its own copy. The API is the collector's
//! log API (collector/API.md, same paths and JSON), plus `GET /log/credential/{K}` and `GET /mirror/status`,
//! and the collector's live ballot board at `/board/` read from the copy; verifier/MIRROR.md documents it. While an alarm stands, every answer but the status is `503 mirror_alarm`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::RwLockReadGuard;
use std::time::Duration;

use anyhow::Context;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use protocol::election::PublishedElection;
use protocol::log::{
    ballot_hash, ballot_leaf_hash, leaf_hash, verify_inclusion, ConsistencyProof, ConsistencyQuery, InclusionProof,
    InclusionQuery, LogError, SignedTreeHead, WithBytes,
};
use protocol::{Ballot, BallotId, CredentialKey, Decode, Election, Fingerprint};
use serde::{Deserialize, Serialize};

use crate::monitor::{Alarm, CopyHandle, Leaves, LogEntry, Monitor, PollStatus, Shared};

/// Most leaves returned by one `GET /log/leaves` (as the collector).
pub const MAX_LEAVES_PER_PAGE: u64 = 1000;

/// The collector's Content-Security-Policy (collector/src/lib.rs), for the voter pages a mirror serves with
/// `--web`; [`content_security_policy`] adds the collector's origin to `connect-src`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The pages served from the mirror fetch from the mirror (`'self'`) and from the collector it follows (the
/// ballot itself, `GET /ballots/{id}`): `connect-src` names both.
pub fn content_security_policy(collector: &str) -> String {
    match reqwest::Url::parse(collector).map(|u| u.origin().ascii_serialization()) {
        Ok(origin) if origin != "null" => {
            CONTENT_SECURITY_POLICY.replace("connect-src 'self'", &format!("connect-src 'self' {origin}"))
        }
        _ => CONTENT_SECURITY_POLICY.to_string(),
    }
}

/// `GET /log/credential/{K}`: every ballot of credential `K` in the mirror's verified copy of `tree_size` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialBallots {
    pub credential: CredentialKey,
    pub tree_size: u64,
    pub leaves: Vec<CredentialBallot>,
}

/// One ballot of a credential, by leaf index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialBallot {
    pub leaf_index: u64,
    pub ballot_id: BallotId,
}

/// `GET /mirror/status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MirrorStatus {
    /// The collector the mirror follows.
    pub collector: String,
    pub fingerprint: Fingerprint,
    /// The latest head the mirror verified (`null` before the first).
    pub sth: Option<SignedTreeHead>,
    pub tree_size: u64,
    /// Seconds since the Unix epoch (UTC).
    pub last_poll: Option<u64>,
    pub last_success: Option<u64>,
    pub last_error: Option<String>,
    pub alarm: Option<String>,
}

/// An error answer, `{"error": {"code", "message"}}` as the collector's.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::bad_request("invalid_query", e.body_text())
}

/// The copy, if no alarm stands.
fn unalarmed(h: &CopyHandle) -> Result<RwLockReadGuard<'_, Shared>, ApiError> {
    let g = h.read();
    if let Some(alarm) = &g.status.alarm {
        return Err(ApiError { status: StatusCode::SERVICE_UNAVAILABLE, code: "mirror_alarm", message: alarm.clone() });
    }
    Ok(g)
}

/// The copy, if no alarm stands and a head was verified.
fn verified(h: &CopyHandle) -> Result<RwLockReadGuard<'_, Shared>, ApiError> {
    let g = unalarmed(h)?;
    if g.copy.sth().is_none() {
        return Err(not_ready());
    }
    Ok(g)
}

fn not_ready() -> ApiError {
    ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "mirror_not_ready",
        message: "the mirror has not verified any tree head of the collector yet: retry later".into(),
    }
}

/// The read-only API (no headers, no static files: see [`app`]).
pub fn router() -> Router<CopyHandle> {
    Router::new()
        .route("/election", get(election))
        .route("/log/sth", get(sth))
        .route("/log/leaves", get(leaves))
        .route("/log/proof/inclusion", get(inclusion))
        .route("/log/proof/consistency", get(consistency))
        .route("/log/credential/{credential}", get(credential))
        .route("/mirror/status", get(status))
        .route("/config.json", get(page_config))
        .route("/board", get(|| async { axum::response::Redirect::permanent("/board/") }))
        .route("/board/", get(|| async { board_file("board.html") }))
        .route("/board/{file}", get(|UrlPath(file): UrlPath<String>| async move { board_file(&file) }))
        .route("/board/data/site.json", get(board_site))
        .route("/board/data/board/{page}", get(board_page))
        .route("/board/data/find/{bucket}", get(board_find))
}

// ---------------------------------------------------------------------------------------------------------------
// The ballot board (verifier/MIRROR.md "Ballot board"): the collector's live board page (web-assets), with its
// data answered from the mirror's verified copy, so that a voter can find their tracker in a log the collector
// does not serve.

fn not_found(message: &str) -> ApiError {
    ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: message.into() }
}

fn board_file(name: &str) -> Response {
    match web_assets::board_asset(name) {
        Some(a) => ([(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type))], a.body).into_response(),
        None => not_found("no such file of the ballot board").into_response(),
    }
}

/// `GET /board/data/site.json`: the election and the mirror's latest verified head ([`web_assets::live_site`]),
/// with `"mirror": true` (the page then says whose copy it shows).
async fn board_site(State(h): State<CopyHandle>) -> Result<Json<serde_json::Value>, ApiError> {
    let g = verified(&h)?;
    let head = g.copy.sth().ok_or_else(not_ready)?;
    let p = &h.published;
    let mut site = web_assets::live_site(&p.manifest, &p.fingerprint, &p.collector_key, head);
    site["mirror"] = serde_json::Value::Bool(true);
    Ok(Json(site))
}

/// The board's rows of leaves `start .. end` of the verified copy: its ballots (a voter-list change's leaf has
/// no row).
fn board_rows(
    copy: &crate::monitor::LogCopy,
    start: u64,
    end: u64,
    keep: impl Fn(&BallotId) -> bool,
) -> Vec<serde_json::Value> {
    copy.entries(start, end)
        .iter()
        .zip(copy.ballot_ids(start, end))
        .filter_map(|(e, id)| id.as_ref().filter(|id| keep(id)).map(|id| (e, id)))
        .map(|(e, id)| web_assets::live_row(e.leaf_index(), e.accepted_at(), id))
        .collect()
}

/// `GET /board/data/board/page-P.json`: leaves `P·100 … P·100 + 99` of the verified copy.
async fn board_page(
    State(h): State<CopyHandle>,
    UrlPath(name): UrlPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (start, end) = web_assets::page_number(&name)
        .and_then(web_assets::page_range)
        .ok_or_else(|| not_found(web_assets::PAGE_NAME_HELP))?;
    let g = verified(&h)?;
    Ok(Json(serde_json::json!({ "entries": board_rows(&g.copy, start, end, |_| true) })))
}

/// `GET /board/data/find/XX.json`: every leaf of the verified copy whose ballot id starts with the byte `XX`.
async fn board_find(
    State(h): State<CopyHandle>,
    UrlPath(name): UrlPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bucket = web_assets::find_bucket(&name).ok_or_else(|| not_found(web_assets::BUCKET_NAME_HELP))?;
    let g = verified(&h)?;
    let rows = board_rows(&g.copy, 0, g.copy.size(), |id| id.0[0] == bucket);
    Ok(Json(serde_json::json!({ "entries": rows })))
}

/// `GET /config.json`: what the verification page needs when the mirror serves it (`--web`): the collector to
/// fetch the ballot from, and the mirrors to check it against ("" is this origin).
#[derive(Debug, Serialize)]
struct PageConfig {
    collector: String,
    mirrors: Vec<String>,
}

async fn page_config(State(h): State<CopyHandle>) -> Json<PageConfig> {
    Json(PageConfig { collector: h.collector.clone(), mirrors: vec![String::new()] })
}

/// The mirror's whole HTTP service: [`router`], the voter pages from `web` if given, and on every answer
/// `Access-Control-Allow-Origin: *`, `Cache-Control: no-store` and the collector's security headers.
pub fn app(copy: CopyHandle, web: Option<&Path>) -> Router {
    use tower_http::set_header::SetResponseHeaderLayer;
    let csp = HeaderValue::from_str(&content_security_policy(&copy.collector))
        .unwrap_or_else(|_| HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    let router = router().method_not_allowed_fallback(|| async {
        ApiError { status: StatusCode::METHOD_NOT_ALLOWED, code: "method_not_allowed", message: "read-only".into() }
    });
    let router = match web {
        Some(dir) => router.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => router.fallback(|| async { not_found("no such resource") }),
    };
    router
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(copy)
}

async fn election(State(h): State<CopyHandle>) -> Result<Json<PublishedElection>, ApiError> {
    drop(unalarmed(&h)?);
    Ok(Json((*h.published).clone()))
}

/// `GET /log/sth`, as the collector serves it: the JSON fields and the canonical bytes (SPEC.md §11.6, LG5).
async fn sth(State(h): State<CopyHandle>) -> Result<Json<WithBytes<SignedTreeHead>>, ApiError> {
    let g = verified(&h)?;
    g.copy.sth().cloned().map(|s| Json(WithBytes(s))).ok_or_else(not_ready)
}

#[derive(Debug, Deserialize)]
struct Range {
    start: i64,
    end: i64,
}

async fn leaves(
    State(h): State<CopyHandle>,
    r: Result<Query<Range>, QueryRejection>,
) -> Result<Json<Leaves>, ApiError> {
    let Query(r) = r.map_err(bad_query)?;
    if r.start < 0 || r.end <= r.start {
        return Err(ApiError::bad_request("invalid_range", "need 0 <= start < end"));
    }
    let (start, end) = (r.start as u64, r.end as u64);
    let g = verified(&h)?;
    let entries: Vec<LogEntry> = g.copy.entries(start, end.min(start + MAX_LEAVES_PER_PAGE)).to_vec();
    Ok(Json(Leaves { entries }))
}

fn too_large(size: u64) -> ApiError {
    ApiError::bad_request("invalid_tree_size", format!("the mirror's verified copy has {size} leaves"))
}

async fn inclusion(
    State(h): State<CopyHandle>,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Json<WithBytes<InclusionProof>>, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    let g = verified(&h)?;
    if q.tree_size > g.copy.size() {
        return Err(too_large(g.copy.size()));
    }
    q.check().map_err(|m| ApiError::bad_request("invalid_range", m))?;
    let (leaf_hash, path) =
        g.copy.inclusion_proof(q.leaf_index, q.tree_size).ok_or_else(|| too_large(g.copy.size()))?;
    Ok(Json(WithBytes(InclusionProof { leaf_index: q.leaf_index, tree_size: q.tree_size, leaf_hash, path })))
}

async fn consistency(
    State(h): State<CopyHandle>,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<WithBytes<ConsistencyProof>>, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    q.check().map_err(|m| ApiError::bad_request("invalid_range", m))?;
    let g = verified(&h)?;
    let path = g.copy.consistency_proof(q.first, q.second).ok_or_else(|| too_large(g.copy.size()))?;
    Ok(Json(WithBytes(ConsistencyProof { first: q.first, second: q.second, path })))
}

async fn credential(
    State(h): State<CopyHandle>,
    UrlPath(text): UrlPath<String>,
) -> Result<Json<CredentialBallots>, ApiError> {
    let key = protocol::group::hex_array::<32>(&text, "credential key")
        .and_then(|b| CredentialKey::from_bytes(&b))
        .map_err(|e| ApiError::bad_request("invalid_credential", format!("{e} (64 lower-case hex digits)")))?;
    let g = verified(&h)?;
    let leaves = g
        .copy
        .credential_leaves(key.as_bytes())
        .into_iter()
        .map(|l| CredentialBallot { leaf_index: l.leaf_index, ballot_id: l.ballot_id })
        .collect();
    Ok(Json(CredentialBallots { credential: key, tree_size: g.copy.size(), leaves }))
}

async fn status(State(h): State<CopyHandle>) -> Json<MirrorStatus> {
    let g = h.read();
    let PollStatus { last_poll, last_success, last_error, alarm } = g.status.clone();
    Json(MirrorStatus {
        collector: h.collector.clone(),
        fingerprint: h.published.fingerprint,
        sth: g.copy.sth().cloned(),
        tree_size: g.copy.size(),
        last_poll,
        last_success,
        last_error,
        alarm,
    })
}

// ---------------------------------------------------------------------------------------------------------------
// The second device's check against a mirror.

/// What a mirror vouches for, after [`check_in_mirror`] passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorView {
    /// The mirror's verified head: its size and time (milliseconds since the Unix epoch, UTC).
    pub tree_size: u64,
    pub timestamp: u64,
    /// Leaves after the checked one that hold a ballot of the same credential (each checked: in the mirror's
    /// head, and of that credential). The last ballot of a credential counts (re-voting): if this is not empty,
    /// the checked ballot was superseded.
    pub later_leaves_of_credential: Vec<u64>,
}

/// Why [`check_in_mirror`] failed. Each says what the voter (or the observer) should do next.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("{url}: only http:// mirror addresses are supported (this build has no TLS client)")]
    UnsupportedUrl { url: String },
    #[error("the mirror is unreachable ({url}: {reason}): check its address, or retry later or with another mirror")]
    Unreachable { url: String, reason: String },
    #[error(
        "the mirror raised an alarm ({0}): the collector showed it an inconsistent log; do not trust what the \
         collector shows, and tell the election's observers"
    )]
    Alarm(String),
    #[error("the mirror has not verified any tree head of the collector yet: retry later")]
    NotReady,
    #[error("{url}: the mirror answered {status} `{code}`: {message}")]
    Refused { url: String, status: u16, code: String, message: String },
    #[error("{url}: the mirror's answer is not what was expected ({reason}): the mirror is faulty; try another")]
    Malformed { url: String, reason: String },
    #[error("the mirror's tree head is for another election: use a mirror of this election")]
    WrongElection,
    #[error(
        "the mirror's tree head is not signed by this election's collector ({0}): this mirror vouches for \
         nothing; use another mirror"
    )]
    HeadNotSigned(LogError),
    #[error(
        "the mirror has not yet seen leaf {leaf_index}: its verified copy of the log has {tree_size} leaves; \
         retry later (a mirror follows the collector every few seconds); if the leaf never appears, the \
         collector has not shown your ballot to anyone else: tell the election's observers"
    )]
    NotYetSeen { leaf_index: u64, tree_size: u64 },
    #[error(
        "the collector's view and the mirror's disagree: leaf {leaf_index} in the mirror is another ballot; the \
         ballot the collector showed you is not the one in the log everyone else sees: tell the election's \
         observers, and vote again (or on paper) if you can"
    )]
    Disagree { leaf_index: u64 },
    #[error("the mirror's proof for leaf {leaf_index} does not lead to its own signed root: the mirror is faulty; try another")]
    BadProof { leaf_index: u64 },
    #[error("the mirror's answer about leaf {leaf_index} does not hold ({why}): the mirror is faulty; try another")]
    BadLeaf { leaf_index: u64, why: String },
}

/// GETs `url` from a mirror and decodes its JSON; `503 mirror_alarm` becomes [`MirrorError::Alarm`].
fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::blocking::Client, url: &str) -> Result<T, MirrorError> {
    let r = http.get(url).send().map_err(|e| MirrorError::Unreachable { url: url.into(), reason: e.to_string() })?;
    let status = r.status();
    let text = r.text().map_err(|e| MirrorError::Unreachable { url: url.into(), reason: e.to_string() })?;
    if !status.is_success() {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let field = |k: &str| v["error"][k].as_str().unwrap_or("").to_string();
        return Err(match field("code").as_str() {
            "mirror_alarm" => MirrorError::Alarm(field("message")),
            "mirror_not_ready" => MirrorError::NotReady,
            code => MirrorError::Refused {
                url: url.into(),
                status: status.as_u16(),
                code: code.into(),
                message: field("message"),
            },
        });
    }
    serde_json::from_str(&text).map_err(|e| MirrorError::Malformed { url: url.into(), reason: e.to_string() })
}

/// GETs the inclusion proof of `leaf_index` in the mirror's tree of `sth.tree_size` leaves and checks (L3) that
/// it leads from `leaf` to the head's root. If it leads from another leaf, the mirror holds another ballot there.
fn check_leaf(
    http: &reqwest::blocking::Client,
    base: &str,
    sth: &SignedTreeHead,
    leaf_index: u64,
    leaf: &protocol::log::Hash,
) -> Result<(), MirrorError> {
    let url = format!("{base}/log/proof/inclusion?leaf_index={leaf_index}&tree_size={}", sth.tree_size);
    let proof: InclusionProof = get_json::<WithBytes<_>>(http, &url)?.0;
    if proof.leaf_index != leaf_index || proof.tree_size != sth.tree_size {
        let reason = format!("a proof for leaf {} in size {}", proof.leaf_index, proof.tree_size);
        return Err(MirrorError::Malformed { url, reason });
    }
    if verify_inclusion(leaf, leaf_index, sth.tree_size, &proof.path, &sth.root).is_ok() {
        return Ok(());
    }
    if proof.leaf_hash != *leaf
        && verify_inclusion(&proof.leaf_hash, leaf_index, sth.tree_size, &proof.path, &sth.root).is_ok()
    {
        return Err(MirrorError::Disagree { leaf_index });
    }
    Err(MirrorError::BadProof { leaf_index })
}

/// Check L10 (SPEC.md §11.8): the ballot the collector showed at `leaf_index`, accepted at `accepted_at`
/// (seconds, as in its receipt), is the ballot at that leaf in a head served by an independent mirror.
///
/// `mirror` is the mirror's base URL (http://). Steps: `GET /log/sth`, checked under the collector key the
/// manifest names and for this election (L1, L6); the leaf is inside it (else [`MirrorError::NotYetSeen`]);
/// `GET /log/proof/inclusion` from `leaf_hash(ballot_id, ballot_hash, accepted_at)` (eq. LG1) to that root (L3;
/// a proof that holds for another leaf hash is [`MirrorError::Disagree`]: the fork a decoy needs). Then
/// `GET /log/credential/{K}` for the ballot's credential `K`: the mirror must list this leaf with this ballot's
/// id, and every later leaf it lists is fetched (`GET /log/leaves`) and checked: of credential `K`, with the id
/// listed, and in the same head (L3). Those are [`MirrorView::later_leaves_of_credential`].
pub fn check_in_mirror(
    http: &reqwest::blocking::Client,
    mirror: &str,
    election: &Election,
    leaf_index: u64,
    ballot: &Ballot,
    accepted_at: u64,
) -> Result<MirrorView, MirrorError> {
    let base = mirror.trim_end_matches('/');
    if !base.starts_with("http://") {
        return Err(MirrorError::UnsupportedUrl { url: base.into() });
    }
    let sth: SignedTreeHead = get_json::<WithBytes<_>>(http, &format!("{base}/log/sth"))?.0;
    let key = election.manifest().roles.collector_key.verifying_key();
    sth.verify(key, election.fingerprint()).map_err(|e| match e {
        LogError::WrongElection => MirrorError::WrongElection,
        e => MirrorError::HeadNotSigned(e),
    })?;
    if leaf_index >= sth.tree_size {
        return Err(MirrorError::NotYetSeen { leaf_index, tree_size: sth.tree_size });
    }
    check_leaf(http, base, &sth, leaf_index, &ballot_leaf_hash(ballot, accepted_at))?;

    let credential = ballot.body.credential;
    let url = format!("{base}/log/credential/{}", credential.to_hex());
    let listed: CredentialBallots = get_json(http, &url)?;
    if listed.credential != credential {
        return Err(MirrorError::Malformed { url, reason: "the answer is for another credential".into() });
    }
    let own = CredentialBallot { leaf_index, ballot_id: ballot.id() };
    if !listed.leaves.contains(&own) {
        let why = "the mirror's list of this credential's ballots leaves it out".into();
        return Err(MirrorError::BadLeaf { leaf_index, why });
    }
    let mut later = Vec::new();
    for l in listed.leaves.iter().filter(|l| l.leaf_index > leaf_index && l.leaf_index < sth.tree_size) {
        let j = l.leaf_index;
        if later.last().is_some_and(|&p| p >= j) {
            return Err(MirrorError::BadLeaf { leaf_index: j, why: "listed out of order".into() });
        }
        let url = format!("{base}/log/leaves?start={j}&end={}", j + 1);
        let page: Leaves = get_json(http, &url)?;
        let bad = |why: &str| MirrorError::BadLeaf { leaf_index: j, why: why.into() };
        let entry = match page.entries.first().filter(|e| e.leaf_index() == j).ok_or_else(|| bad("not served"))? {
            LogEntry::Ballot(e) => e,
            LogEntry::Change(_) => return Err(bad("a voter-list change, listed as the credential's ballot")),
        };
        let bytes = protocol::group::hex_vec(&entry.ballot, "ballot").map_err(|e| bad(&e.to_string()))?;
        let other = Ballot::from_bytes(&bytes).map_err(|e| bad(&format!("the ballot does not decode: {e}")))?;
        if other.body.credential != credential || other.id() != l.ballot_id {
            return Err(bad("not the credential's ballot the mirror listed"));
        }
        let leaf = leaf_hash(&other.id(), &ballot_hash(&bytes), entry.accepted_at);
        check_leaf(http, base, &sth, j, &leaf).map_err(|e| match e {
            MirrorError::Disagree { .. } => bad("the entry served is not the leaf in the mirror's tree"),
            e => e,
        })?;
        later.push(j);
    }
    Ok(MirrorView { tree_size: sth.tree_size, timestamp: sth.timestamp, later_leaves_of_credential: later })
}

/// A blocking HTTP client for [`check_in_mirror`] (30 s timeout).
pub fn http_client() -> Result<reqwest::blocking::Client, MirrorError> {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| MirrorError::Unreachable { url: String::new(), reason: e.to_string() })
}

/// How `verifier monitor` runs.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// The collector's base URL.
    pub collector: String,
    pub dir: PathBuf,
    /// The election to follow (refuses any other).
    pub fingerprint: Option<Fingerprint>,
    pub interval: Duration,
    /// Poll once and return.
    pub once: bool,
    /// Serve the verified copy (the mirror) on this address.
    pub listen: Option<SocketAddr>,
    /// Serve static files (the voter pages) from this folder too.
    pub web: Option<PathBuf>,
}

/// Follows the collector forever (or once), polling every `interval`; with `listen`, serves the verified copy
/// meanwhile. Returns the alarm that stopped it (with `listen`, after Ctrl-C: the mirror keeps answering 503
/// `mirror_alarm` while the alarm stands), or `None` after `--once` or Ctrl-C. With `once`, a poll that could not
/// read the collector is an error; otherwise it is retried at the next poll.
pub async fn run(opts: &MonitorOptions) -> anyhow::Result<Option<Alarm>> {
    run_with(opts, None).await
}

/// [`run`], and with `credentials` (the public credential list, `credentials.json`, SPEC.md §4.5.1) every
/// voter-list change of the log must also apply to the list ([`Monitor::with_voter_list`], L11 in full).
pub async fn run_with(opts: &MonitorOptions, credentials: Option<&Path>) -> anyhow::Result<Option<Alarm>> {
    let mut m = Monitor::open(&opts.collector, &opts.dir, opts.fingerprint.as_ref()).await?;
    if let Some(path) = credentials {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let list: Vec<protocol::ballot_box::CredentialEntry> = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a credential list (SPEC.md §4.5.1)", path.display()))?;
        m = m.with_voter_list(&list).with_context(|| path.display().to_string())?;
    }
    if let Some(addr) = opts.listen {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let app = app(m.handle(), opts.web.as_deref());
        eprintln!("monitor: mirror serving on http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("monitor: the mirror's server stopped: {e}");
            }
        });
    }
    loop {
        match m.poll().await {
            Ok(Ok(size)) => eprintln!("monitor: log verified up to size {size}"),
            Ok(Err(alarm)) => {
                if opts.listen.is_some() {
                    eprintln!("monitor: polling stopped; the mirror answers 503 mirror_alarm until Ctrl-C");
                    let _ = tokio::signal::ctrl_c().await;
                }
                return Ok(Some(alarm));
            }
            Err(e) if opts.once => return Err(e.context("the poll could not read the collector's log")),
            Err(e) => eprintln!("monitor: collector unreachable or answered badly ({e:#}); retrying"),
        }
        if opts.once {
            return Ok(None);
        }
        tokio::select! {
            _ = tokio::time::sleep(opts.interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(None),
        }
    }
}

//! The online ballot collector: axum over PostgreSQL, with a public Merkle ballot log (spec: protocol/SPEC.md
//! §11; API: collector/API.md).
//!
//! [`app`] builds the router from a shared [`AppState`]; [`serve`] runs it, with connection limits.
//! Administration is by command line ([`admin`]: init, close, status, export). Monitors and mirrors of the log
//! are the verifier's (`verifier monitor`).

pub mod admin;
pub mod appender;
pub mod board;
pub mod cast;
pub mod db;
pub mod error;
pub mod health;
pub mod log_api;
pub mod log_lock;
pub mod metrics;
pub mod state;
pub mod verify;
pub mod voter_list;
pub mod voters;

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use deadpool_postgres::Pool;
use tokio::sync::mpsc;

use crate::error::AppError;
pub use crate::state::{AppState, Settings};
use crate::state::{Inner, LogView, RateLimiter};

/// The page's Content-Security-Policy: our own scripts and WASM only, no inline code, no third party.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// `Cache-Control` of the pages, scripts and WASM module: a cache may keep them but must ask us again before each
/// use (`ServeDir` answers `304` to a matching `If-Modified-Since`), so an upgraded page is never served stale.
pub const CACHE_STATIC: &str = "no-cache";
/// `Cache-Control` of every API answer: receipts, heads and errors are never stored by a cache.
pub const CACHE_API: &str = "no-store";

/// The whole HTTP API, and the voting pages when `settings.web_dir` is set.
pub fn app(state: AppState) -> Router {
    use axum::http::{header, HeaderValue};
    use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
    // The public log's reads and the health checks answer within the request timeout (a cast bounds its own
    // body read, and is never cut once handed to the appender: see cast.rs; nor is a second-device fetch,
    // which counts).
    let reads = Router::new()
        .merge(log_api::router())
        .merge(board::router())
        .merge(health::router())
        .merge(voters::router())
        .layer(axum::middleware::from_fn_with_state(state.settings.request_timeout, read_timeout));
    let router = Router::new()
        .merge(cast::router())
        .merge(voter_list::router())
        .merge(verify::router())
        .merge(reads)
        .method_not_allowed_fallback(|| async {
            AppError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed here")
        });
    let router = match &state.settings.web_dir {
        Some(dir) => router.fallback_service(SetResponseHeader::overriding(
            tower_http::services::ServeDir::new(dir),
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_STATIC),
        )),
        None => router.fallback(|| async { AppError::not_found("not_found", "no such resource") }),
    };
    router
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_API)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // Public data, no cookies: the verification page served by a mirror of the log (another origin) fetches
        // the voter's ballot from here (SPEC.md §11.4 L10). Casting needs a JSON body, so a cross-origin POST
        // needs a preflight, which this service does not grant.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .with_state(state)
}

/// `503 timeout` for a read not answered within the request timeout (PostgreSQL slow or its pool exhausted).
async fn read_timeout(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("not answered within {} s; retry", limit.as_secs()),
        )
        .into_response(),
    }
}

/// Loads the election and the log from PostgreSQL (running migrations first), checks that the stored leaves
/// give the root of the latest signed tree head, and starts the appender.
///
/// The log state, the leaves and the latest head are read in one snapshot ([`state::load_log`]), so a process
/// started while others append sees a consistent log; a mismatch there is a real inconsistency of the database.
///
/// `signing_key` is the collector's key, read from its key file ([`admin::read_signing_key`]); it must be the
/// key the manifest names.
pub async fn start(pool: Pool, settings: Settings, signing_key: ed25519_dalek::SigningKey) -> anyhow::Result<AppState> {
    db::migrate(&pool).await?;
    let info = state::load_election(&pool).await?;
    state::check_signing_key(&pool, &info, &signing_key).await?;
    let (tx, rx) = mpsc::channel(16 * 1024);
    let snapshot = state::load_log(&pool).await?;
    snapshot
        .head
        .verify(&info.verifying_key, info.fingerprint())
        .map_err(|e| anyhow::anyhow!("latest tree head: {e}"))?;
    anyhow::ensure!(
        snapshot.head.tree_size == snapshot.tree.len(),
        "the latest signed tree head has {} leaves, the log state says {}: the database is inconsistent",
        snapshot.head.tree_size,
        snapshot.tree.len()
    );
    anyhow::ensure!(
        snapshot.tree.root(snapshot.head.tree_size) == Some(snapshot.head.root),
        "the stored leaves do not give the latest signed root (tree size {}): the database was altered",
        snapshot.head.tree_size
    );
    let size = snapshot.tree.len();
    // The voter list in force. Read after the log: a change appended meanwhile is caught up before the next append.
    let list = state::load_voter_list(&*db::connect(&pool).await?, &info.election).await?;
    let changes = list.change_count();
    let state = AppState(Arc::new(Inner {
        pool,
        info,
        signing_key,
        settings,
        log: LogView { committed: AtomicU64::new(size), tree: tokio::sync::Mutex::new(snapshot.tree) },
        appender: tx,
        voter_list: std::sync::RwLock::new(state::VoterList { list, stale: false }),
        limiter: RateLimiter::default(),
        metrics: metrics::Metrics::default(),
        closed: AtomicBool::new(snapshot.closed),
    }));
    tracing::info!(tree_size = size, voter_list_changes = changes, "log loaded and verified");
    tokio::spawn(appender::run(state.clone(), rx));
    Ok(state)
}

/// Serves `app` on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    serve_until(state, listener, async move {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// File descriptors a `collector serve` process needs besides its connections: the pool's, the listener, logs,
/// the runtime's own; a generous margin.
pub const FILE_MARGIN: u64 = 64;

/// Refuses `max_connections` that the process's open-file limit cannot hold (Linux: `/proc/self/limits`; elsewhere
/// not checked): past it, `accept` fails with EMFILE and PostgreSQL connections cannot be opened either.
pub fn check_open_file_limit(max_connections: usize, pool_size: usize) -> anyhow::Result<()> {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else { return Ok(()) };
    let Some(soft) = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return Ok(());
    };
    let need = (max_connections as u64).saturating_add(pool_size as u64).saturating_add(FILE_MARGIN);
    anyhow::ensure!(
        need <= soft,
        "--max-connections {max_connections} with a pool of {pool_size} needs {need} open files, but this \
         process may open {soft} (ulimit -n): lower --max-connections to at most {}, or raise the limit",
        soft.saturating_sub(pool_size as u64 + FILE_MARGIN)
    );
    Ok(())
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets each connection finish the
/// request it is serving (HTTP/1.1 graceful close) and returns when all are closed, or after `header_timeout`.
///
/// What `axum::serve` does, plus the limits it lacks (a client must not hold the server's resources for free):
/// at most `max_connections` connections at once (a semaphore permit per connection, taken before `accept`, so
/// the excess waits in the kernel's queue and file descriptors never run out); each connection closed when it
/// has not sent a whole request head within `header_timeout`, which also bounds how long it may stay idle,
/// before its first request and between requests (hyper starts that timer whenever it waits for a request head);
/// a request body and a read answer bounded by `request_timeout` (cast.rs, [`app`]).
pub async fn serve_until(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let max = state.settings.max_connections.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
    let header_timeout = state.settings.header_timeout;
    let router = app(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(max));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // EMFILE and the like: wait for a connection to close rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection closed");
                    }
                    return;
                }
                _ = stop.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every permit back means every connection closed.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(header_timeout, slots.acquire_many(all)).await;
    Ok(())
}

//! The online ballot collector: axum over PostgreSQL, with a public Merkle ballot log (spec: protocol/SPEC.md
//! §11; API: collector/API.md).
//!
//! [`app`] builds the router from a shared [`AppState`]; [`serve`] runs it. Administration is by command line
//! ([`admin`]: init, close, export). Monitors and mirrors of the log are the verifier's (`verifier monitor`).

pub mod admin;
pub mod appender;
pub mod cast;
pub mod db;
pub mod error;
pub mod health;
pub mod log_api;
pub mod metrics;
pub mod state;
pub mod verify;

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use deadpool_postgres::Pool;
use protocol::log::LogTree;
use tokio::sync::mpsc;

use crate::error::AppError;
use crate::state::{load_leaves, Inner, LogView, RateLimiter};
pub use crate::state::{AppState, Settings};

/// The page's Content-Security-Policy: our own scripts and WASM only, no inline code, no third party.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The whole HTTP API, and the voting pages when `settings.web_dir` is set.
pub fn app(state: AppState) -> Router {
    use axum::http::{header, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    let router = Router::new()
        .merge(cast::router())
        .merge(verify::router())
        .merge(log_api::router())
        .merge(health::router())
        .method_not_allowed_fallback(|| async {
            AppError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed here")
        });
    let router = match &state.settings.web_dir {
        Some(dir) => router.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => router.fallback(|| async { AppError::not_found("not_found", "no such resource") }),
    };
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(state)
}

/// Loads the election and the log from PostgreSQL (running migrations first), checks that the stored leaves
/// give the root of the latest signed tree head, and starts the appender.
pub async fn start(pool: Pool, settings: Settings) -> anyhow::Result<AppState> {
    db::migrate(&pool).await?;
    let info = state::load_election(&pool).await?;
    let (tx, rx) = mpsc::channel(16 * 1024);
    let mut tree = LogTree::new();
    let client = pool.get().await?;
    let size: i64 = client.query_one("SELECT tree_size FROM log_state WHERE id = 1", &[]).await?.get(0);
    let closed: bool = client.query_one("SELECT closed_at IS NOT NULL FROM election", &[]).await?.get(0);
    load_leaves(&client, &mut tree, size as u64).await?;
    anyhow::ensure!(tree.len() == size as u64, "the database has {} leaves, the log state says {size}", tree.len());
    drop(client);
    let state = AppState(Arc::new(Inner {
        pool,
        info,
        settings,
        log: LogView { committed: AtomicU64::new(tree.len()), tree: tokio::sync::Mutex::new(tree) },
        appender: tx,
        limiter: RateLimiter::default(),
        metrics: metrics::Metrics::default(),
        closed: AtomicBool::new(closed),
    }));
    let sth = log_api::latest_sth(&state).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    sth.verify(&state.info.verifying_key, state.info.fingerprint())
        .map_err(|e| anyhow::anyhow!("latest tree head: {e}"))?;
    let root = state.log.tree.lock().await.root(sth.tree_size);
    anyhow::ensure!(root == Some(sth.root), "the stored leaves do not give the latest signed root");
    tracing::info!(tree_size = size, "log loaded and verified");
    tokio::spawn(appender::run(state.clone(), rx));
    Ok(state)
}

/// Serves `app` on `listener` until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let router = app(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

//! The shared state of one collector process, loaded from PostgreSQL at start-up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use deadpool_postgres::Pool;
use ed25519_dalek::{SigningKey, VerifyingKey};
use protocol::log::{Hash, LogTree, Receipt, SignedTreeHead};
use protocol::{BallotId, CredentialKey, Decode, Election, Fingerprint, Manifest, PublicKey};
use tokio::sync::{mpsc, oneshot};

use crate::error::AppError;
use crate::metrics::Metrics;

/// Settings of `collector serve`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Casts allowed per credential and minute (per process).
    pub rate_limit_per_minute: u32,
    /// Most ballots appended in one transaction.
    pub max_batch: usize,
    /// Second-device verification window and count; `None` takes the manifest's policy.
    pub verification_window: Option<Duration>,
    pub verification_max_fetches: Option<u32>,
    /// The voting and verification pages (a built `voter-client/web` folder), served at `/` when set.
    pub web_dir: Option<std::path::PathBuf>,
    /// Most time to receive a request body (`POST /ballots`), and to answer a request of the public log.
    pub request_timeout: Duration,
    /// Most connections served at once; more wait in the kernel's accept queue. Keep it below the process's
    /// open-file limit (`ulimit -n`) less the pool size and a margin.
    pub max_connections: usize,
    /// Most time a connection may take to send a request's headers, and may stay idle between requests
    /// (keep-alive) or before its first: then the server closes it.
    pub header_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            body_limit: 64 * 1024,
            rate_limit_per_minute: 20,
            max_batch: 1024,
            verification_window: None,
            verification_max_fetches: None,
            web_dir: None,
            request_timeout: Duration::from_secs(30),
            max_connections: 768,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Everything the election fixes, read once. No secret: the collector's signing key lives in its key file
/// ([`Inner::signing_key`]); its public half is the one the manifest names.
#[derive(Debug)]
pub struct ElectionInfo {
    pub election: Election,
    pub manifest_json: String,
    /// The collector's key, as the manifest names it (`roles.collector_key`).
    pub verifying_key: VerifyingKey,
    /// The voter list: each registered credential key (bytes) and its district (the index in the manifest's
    /// `districts`; `None` in an election without districts). A hash map, so a cast's lookup costs one probe.
    pub credentials: HashMap<[u8; 32], Option<u16>>,
}

impl ElectionInfo {
    pub fn fingerprint(&self) -> &Fingerprint {
        self.election.fingerprint()
    }

    /// `None` if `key` is not registered; else its district (`None` in an election without districts).
    pub fn district_of(&self, key: &CredentialKey) -> Option<Option<u16>> {
        self.credentials.get(key.as_bytes()).copied()
    }
}

/// Loads the election written by `collector init`.
pub async fn load_election(pool: &Pool) -> anyhow::Result<ElectionInfo> {
    let client = crate::db::connect(pool).await?;
    let row = client
        .query_opt("SELECT manifest, public_key, fingerprint FROM election WHERE id = 1", &[])
        .await?
        .context("no election in this database: run `collector init` first")?;
    let manifest_json: String = row.get(0);
    let manifest = Manifest::from_json(&manifest_json).context("stored manifest")?;
    let pk_bytes: Vec<u8> = row.get(1);
    let public_key = PublicKey::from_bytes(&pk_bytes).context("stored public key")?;
    let election = Election::new(manifest, public_key).context("stored election")?;
    let fp: Vec<u8> = row.get(2);
    anyhow::ensure!(fp == election.fingerprint().as_bytes(), "stored fingerprint does not match the manifest");
    let verifying_key = *election.manifest().roles.collector_key.verifying_key();
    let rows = client.query("SELECT credential, district FROM credentials", &[]).await?;
    let districts = election.manifest().districts.len();
    let mut credentials = HashMap::with_capacity(rows.len());
    for r in &rows {
        let Ok(key) = <[u8; 32]>::try_from(r.get::<_, &[u8]>(0)) else { continue };
        let district = stored_district(r.get(1), districts)
            .with_context(|| format!("the stored credential {}", hex::encode(key)))?;
        credentials.insert(key, district);
    }
    Ok(ElectionInfo { election, manifest_json, verifying_key, credentials })
}

/// A credential's district as stored (`credentials.district`), checked against the manifest's `districts` (of
/// which there are `districts`): one of them exactly when the election has districts.
pub fn stored_district(stored: Option<i16>, districts: usize) -> anyhow::Result<Option<u16>> {
    match (stored, districts) {
        (None, 0) => Ok(None),
        (Some(d), n) if n > 0 && usize::try_from(d).is_ok_and(|d| d < n) => Ok(u16::try_from(d).ok()),
        (None, n) => anyhow::bail!(
            "it has no district, and the election has {n}: this database was not initialised for this manifest"
        ),
        (Some(d), n) => anyhow::bail!(
            "it is in district {d}, and the election has {n} districts: this database was not initialised for \
             this manifest"
        ),
    }
}

/// Checks that `key` (from the key file) is the collector's key the manifest names, and removes the copy of the
/// secret that collectors before migration 3 kept in the database: only when it is this very key, so the file
/// is known to hold it; then `VACUUM FULL election`, so no dead row version keeps it either (backups taken
/// before still do: API.md, "If the collector's key leaks").
pub async fn check_signing_key(pool: &Pool, info: &ElectionInfo, key: &SigningKey) -> anyhow::Result<()> {
    anyhow::ensure!(
        key.verifying_key() == info.verifying_key,
        "the key file holds the collector key {}, but this election's manifest names {}: give --key the file \
         `collector keygen` wrote for this election",
        hex::encode(key.verifying_key().as_bytes()),
        hex::encode(info.verifying_key.as_bytes())
    );
    let client = crate::db::connect(pool).await?;
    let stored: Option<Vec<u8>> = client.query_one("SELECT signing_key FROM election WHERE id = 1", &[]).await?.get(0);
    let Some(stored) = stored.map(zeroize::Zeroizing::new) else { return Ok(()) };
    anyhow::ensure!(
        stored.as_slice() == key.to_bytes().as_slice(),
        "the database holds a copy of a collector signing key that is not the key file's: this database was \
         initialised with another key; find out why before going on (nothing was changed)"
    );
    client.execute("UPDATE election SET signing_key = NULL WHERE id = 1", &[]).await?;
    client.batch_execute("VACUUM FULL election").await?;
    tracing::warn!(
        "removed the copy of the collector's signing key from the database (it now lives only in the key file); \
         backups of the database taken before still hold it"
    );
    Ok(())
}

/// Per-credential fixed-window rate limiter (per process).
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<[u8; 32], (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts one attempt; false when the credential is over `limit` in the current minute.
    pub fn allow(&self, credential: &[u8; 32], limit: u32) -> bool {
        let now = Instant::now();
        let Ok(mut map) = self.windows.lock() else { return true };
        if map.len() > 200_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = map.entry(*credential).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }
}

/// The process's view of the log: the tree of committed leaves (plus, inside an append, that batch's).
#[derive(Debug)]
pub struct LogView {
    pub tree: tokio::sync::Mutex<LogTree>,
    /// Size known to be committed in PostgreSQL.
    pub committed: AtomicU64,
}

#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub pool: Pool,
    pub info: ElectionInfo,
    /// The collector's signing key, read from its key file (never from the database).
    pub signing_key: SigningKey,
    pub settings: Settings,
    pub log: LogView,
    pub appender: mpsc::Sender<Pending>,
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    /// Set once the election is seen closed (an optimisation; the appender checks under the log lock).
    pub closed: AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// A checked ballot waiting for its leaf.
#[derive(Debug)]
pub struct Pending {
    pub id: BallotId,
    pub credential: [u8; 32],
    pub bytes: Vec<u8>,
    pub ballot_hash: Hash,
    /// The receipt, and whether this request created the leaf (false: a duplicate).
    pub reply: oneshot::Sender<Result<(Receipt, bool), AppError>>,
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl AppState {
    /// `None` if `key` is not registered; else its district (`None` in an election without districts): the voter
    /// list loaded at start-up ([`ElectionInfo::district_of`]).
    pub fn district_of(&self, key: &CredentialKey) -> Option<Option<u16>> {
        self.info.district_of(key)
    }

    /// Brings the in-memory tree up to `size` leaves from PostgreSQL (no-op if it has them).
    pub async fn sync_tree(&self, size: u64) -> Result<(), AppError> {
        if self.log.committed.load(Ordering::Acquire) >= size {
            return Ok(());
        }
        let client = self.pool.get().await?;
        let db_size: i64 = client.query_one("SELECT tree_size FROM log_state WHERE id = 1", &[]).await?.get(0);
        let mut tree = self.log.tree.lock().await;
        load_leaves(&client, &mut tree, db_size as u64).await?;
        self.log.committed.fetch_max(tree.len().min(db_size as u64), Ordering::AcqRel);
        Ok(())
    }
}

/// The log as one snapshot of the database sees it: every committed leaf, the latest signed tree head and
/// whether the election is closed.
#[derive(Debug)]
pub struct LogSnapshot {
    pub tree: LogTree,
    pub head: SignedTreeHead,
    pub closed: bool,
}

/// Reads the log state, the leaves and the latest head in one `REPEATABLE READ READ ONLY` transaction: an append
/// commits its leaves, its head and the new size together, so one snapshot sees all or none of them, however
/// many processes append meanwhile (a separate query for each would see a head newer than the leaves it read).
pub async fn load_log(pool: &Pool) -> anyhow::Result<LogSnapshot> {
    let mut client = crate::db::connect(pool).await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let row = tx
        .query_one("SELECT l.tree_size, e.closed_at IS NOT NULL FROM log_state l, election e WHERE l.id = 1", &[])
        .await?;
    let size = u64::try_from(row.get::<_, i64>(0)).context("negative tree size in log_state")?;
    let closed: bool = row.get(1);
    let head: String = tx
        .query_opt("SELECT sth FROM tree_heads ORDER BY tree_size DESC LIMIT 1", &[])
        .await?
        .context("no signed tree head stored: was `collector init` interrupted?")?
        .get(0);
    let head: SignedTreeHead = serde_json::from_str(&head).context("the latest stored tree head")?;
    let mut tree = LogTree::new();
    load_leaves(tx.client(), &mut tree, size).await?;
    tx.commit().await?;
    anyhow::ensure!(tree.len() == size, "the database has {} leaves, the log state says {size}", tree.len());
    Ok(LogSnapshot { tree, head, closed })
}

/// Appends to `tree` the committed leaves it lacks, up to `size`.
pub async fn load_leaves(
    client: &tokio_postgres::Client,
    tree: &mut LogTree,
    size: u64,
) -> Result<(), tokio_postgres::Error> {
    while tree.len() < size {
        let from = tree.len() as i64;
        let to = (size as i64).min(from + 100_000);
        let rows = client
            .query(
                "SELECT leaf_hash FROM ballots WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
                &[&from, &to],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let h: Vec<u8> = row.get(0);
            let mut leaf = [0u8; 32];
            if h.len() == 32 {
                leaf.copy_from_slice(&h);
            }
            tree.push(leaf);
        }
    }
    Ok(())
}

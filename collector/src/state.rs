//! The shared state of one collector process, loaded from PostgreSQL at start-up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use deadpool_postgres::Pool;
use ed25519_dalek::{SigningKey, VerifyingKey};
use protocol::ballot_box::Electorate;
use protocol::log::{Hash, LogTree, Receipt, SignedTreeHead};
use protocol::voter_list::VoterListChange;
use protocol::{BallotId, CredentialKey, Decode, Election, Fingerprint, Manifest, PublicKey, RegisteredKey};
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
}

impl ElectionInfo {
    pub fn fingerprint(&self) -> &Fingerprint {
        self.election.fingerprint()
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
    Ok(ElectionInfo { election, manifest_json, verifying_key })
}

/// The voter list when voting opened (the `credentials` table, which `collector init` wrote and nothing changes:
/// the manifest's registry fixes it), sorted by key bytes, with each key's district (SPEC.md §11.5). The export
/// writes it as the box's `credentials`/`districts`; the changes replayed over it give the list in force.
pub async fn load_initial_list(client: &tokio_postgres::Client, manifest: &Manifest) -> anyhow::Result<Electorate> {
    let districts = manifest.districts.len();
    let mut voters = client
        .query("SELECT credential, district FROM credentials", &[])
        .await?
        .iter()
        .map(|r| {
            let bytes: [u8; 32] = r.get::<_, &[u8]>(0).try_into().context("stored credential length")?;
            let district = stored_district(r.get(1), districts)
                .with_context(|| format!("the stored credential {}", hex::encode(bytes)))?;
            Ok((RegisteredKey::from_bytes(&bytes)?, district))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    voters.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let keys = voters.iter().map(|v| v.0).collect();
    let districts = voters.iter().filter_map(|v| v.1).collect();
    Ok(Electorate::new(keys, districts))
}

/// The stored voter-list changes numbered `from` and up, in order: `(seq, leaf_index, change bytes)`.
pub async fn load_changes(
    client: &tokio_postgres::Client,
    from: u32,
) -> Result<Vec<(u32, u64, Vec<u8>)>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT seq, leaf_index, change FROM voter_list_changes WHERE seq >= $1 ORDER BY seq",
            &[&i64::from(from)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let seq = u32::try_from(r.get::<_, i64>(0)).unwrap_or(u32::MAX);
            (seq, r.get::<_, i64>(1).max(0) as u64, r.get::<_, Vec<u8>>(2))
        })
        .collect())
}

/// Replays stored changes over `list` with check L11 ([`VoterListChange::verify`], [`Electorate::apply`]), skipping
/// those it already holds. A stored change that fails is the database's inconsistency: the error names it.
pub fn replay_changes(
    list: &mut Electorate,
    election: &Election,
    changes: &[(u32, u64, Vec<u8>)],
) -> Result<(), String> {
    for (seq, leaf, bytes) in changes {
        if *seq < list.change_count() {
            continue;
        }
        let fail = |e: &dyn std::fmt::Display| format!("the stored voter-list change {seq} (leaf {leaf}): {e}");
        let change = VoterListChange::from_bytes(bytes).map_err(|e| fail(&e))?;
        change.verify(election.fingerprint(), election.manifest()).map_err(|e| fail(&e))?;
        list.apply(election.manifest(), &change, *leaf).map_err(|e| fail(&e))?;
    }
    Ok(())
}

/// The voter list in force: the list when voting opened with every stored change replayed.
pub async fn load_voter_list(client: &tokio_postgres::Client, election: &Election) -> anyhow::Result<Electorate> {
    let mut list = load_initial_list(client, election.manifest()).await?;
    let changes = load_changes(client, 0).await?;
    replay_changes(&mut list, election, &changes).map_err(|e| anyhow::anyhow!("{e}: the database is inconsistent"))?;
    Ok(list)
}

/// The process's copy of the voter list in force ([`Electorate`], changes replayed in log order), which casting
/// and `GET /voters/{K}` read. It follows the changes this process appends and, read from the database, those
/// of other processes (under the log lock before each append: [`AppState::sync_voter_list`]).
#[derive(Debug)]
pub struct VoterList {
    pub list: Electorate,
    /// Set when a change applied here may not have been committed: the next sync reloads the list.
    pub stale: bool,
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
    pub appender: mpsc::Sender<Job>,
    /// The voter list in force (SPEC.md §4.7).
    pub voter_list: RwLock<VoterList>,
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
    pub credential: CredentialKey,
    /// The district the ballot is for (`None` without districts).
    pub district: Option<u16>,
    pub bytes: Vec<u8>,
    pub ballot_hash: Hash,
    /// The receipt, and whether this request created the leaf (false: a duplicate).
    pub reply: oneshot::Sender<Result<(Receipt, bool), AppError>>,
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl AppState {
    /// `None` if `key` is not on the voter list in force; else its district (`None` in an election without
    /// districts): the list when voting opened, with the changes this process knows of ([`VoterList`]).
    pub fn district_of(&self, key: &CredentialKey) -> Option<Option<u16>> {
        match self.voter_list.read() {
            // The collector's list is held: a lookup does not fail.
            Ok(v) => v.list.lookup(key.as_bytes(), u64::MAX).ok().flatten(),
            Err(poisoned) => poisoned.into_inner().list.lookup(key.as_bytes(), u64::MAX).ok().flatten(),
        }
    }

    /// Brings the voter list up to the changes stored in the database: those numbered beyond what this process
    /// holds (one indexed query, usually empty), or the whole list again when it is stale. Under the log lock
    /// (`client` inside the appending transaction), the list is then exactly the log's.
    pub async fn sync_voter_list(&self, client: &tokio_postgres::Client) -> Result<(), AppError> {
        let (count, stale) = {
            let v = self.voter_list.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            (v.list.change_count(), v.stale)
        };
        if stale {
            let list = load_voter_list(client, &self.info.election).await.map_err(AppError::storage)?;
            let mut v = self.voter_list.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            *v = VoterList { list, stale: false };
            return Ok(());
        }
        let changes = load_changes(client, count).await?;
        if changes.is_empty() {
            return Ok(());
        }
        let mut v = self.voter_list.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        replay_changes(&mut v.list, &self.info.election, &changes).map_err(AppError::internal)
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

/// Appends to `tree` the committed leaves it lacks, up to `size`: the ballots' (eq. LG1) and the voter-list
/// changes' (eq. LG9), merged by leaf index. Stops at a missing leaf (the caller compares the sizes).
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
                "SELECT leaf_index, leaf_hash FROM ballots WHERE leaf_index >= $1 AND leaf_index < $2
                 UNION ALL
                 SELECT leaf_index, leaf_hash FROM voter_list_changes WHERE leaf_index >= $1 AND leaf_index < $2
                 ORDER BY leaf_index",
                &[&from, &to],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if row.get::<_, i64>(0) != tree.len() as i64 {
                return Ok(());
            }
            let h: Vec<u8> = row.get(1);
            let mut leaf = [0u8; 32];
            if h.len() == 32 {
                leaf.copy_from_slice(&h);
            }
            tree.push(leaf);
        }
    }
    Ok(())
}

/// What the appender is asked to append: a checked ballot, or an officials' voter-list change (SPEC.md §4.7).
#[derive(Debug)]
pub enum Job {
    Ballot(Pending),
    Change(PendingChange),
}

/// A checked voter-list change waiting for the appender (crate::voter_list).
#[derive(Debug)]
pub struct PendingChange {
    pub change: VoterListChange,
    /// Its canonical bytes (eq. VL1).
    pub bytes: Vec<u8>,
    /// The answer's JSON ([`ChangeAppended`]), and whether this request appended it (false: sent before).
    pub reply: oneshot::Sender<Result<(String, bool), AppError>>,
}

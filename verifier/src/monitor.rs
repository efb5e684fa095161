//! `verifier monitor`: a log monitor on another machine (Estonia's "data embassy"), and the verified copy that
//! [`crate::mirror`] serves (SPEC.md §11.4 L8, §11.8).
//!
//! It follows a collector's public log (collector/API.md) and checks every new signed tree head: the signature
//! under the collector key the manifest names, for this election (L1, L6); no truncation; the collector's
//! consistency proof from the last verified head (L4); and the root recomputed from its own full copy of the
//! leaves (no fork). Every new ballot passes §8.6, is not a repeat of a ballot already in the log, and its
//! acceptance time passes L7 (inside the voting period, not before the previous leaf's); the head is not dated
//! before its last ballot. Every new voter-list change (a leaf `{"leaf_index", "accepted_at", "change"}`, eq. LG9,
//! SPEC.md §4.7) decodes (eq. VL1), is for the pinned election, is signed by the manifest's `roles.officials_key`,
//! and is numbered next (L11); given the public credential list ([`Monitor::with_voter_list`], `verifier monitor
//! --credentials`), it must also apply to the list as the earlier changes left it. The copy lives in DIR:
//! `state.json` (the election, pinned at the first start, and the last verified head) and `ballots.jsonl` (one
//! `GET /log/leaves` entry a line, ballots and changes). Any inconsistency raises an
//! [`Alarm`]: the file DIR/ALARM, a line on standard error, and (`verifier monitor`) exit code 3. An alarm stands
//! until someone removes DIR/ALARM: a monitor that finds it at start does not poll.
//!
//! [`check_export`] compares a ballot box (the collector's export) with the copy, ballots and changes.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use ed25519_dalek::VerifyingKey;
use protocol::ballot_box::{BallotBox, Electorate};
use protocol::election::{ElectionParameters, PublishedElection};
use protocol::log::{
    ballot_hash, change_leaf_hash, empty_root, leaf_hash, verify_consistency, ConsistencyProof, Hash, LeafEntry,
    LogTree, SignedTreeHead, WithBytes,
};
use protocol::manifest::{format_time, Period};
use protocol::voter_list::VoterListChange;
use protocol::{check_ballot, Ballot, BallotId, Decode, Election, Encode, Fingerprint};
use serde::{Deserialize, Serialize};

pub use protocol::log::{Leaves, LogEntry};

/// A leaf entry, decoded.
#[derive(Debug, Clone)]
enum Decoded {
    Ballot(Box<Ballot>),
    Change(Box<VoterListChange>),
}

/// What the monitor found wrong (check L8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Alarm {
    #[error("tree head signature invalid or for another election: {0}")]
    BadTreeHead(String),
    #[error("log truncated: size {new} after {old}")]
    Truncated { old: u64, new: u64 },
    #[error("log forked: the tree head of size {size} is not consistent with the copy ({why})")]
    Fork { size: u64, why: String },
    #[error("the collector's key or election changed")]
    IdentityChanged,
    #[error("leaf {index}: {why}")]
    BadLeaf { index: u64, why: String },
    #[error(
        "the tree head of size {size} is dated {head_ms} ms, before its last ballot was accepted ({accepted_at} s)"
    )]
    HeadBeforeLastBallot { size: u64, head_ms: u64, accepted_at: u64 },
    /// An alarm raised earlier, read from DIR/ALARM.
    #[error("{0} (an alarm raised earlier: investigate, then remove the ALARM file to resume)")]
    Standing(String),
}

/// `state.json`: the pinned election and the last verified head (`None` before the first).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CopyState {
    fingerprint: Fingerprint,
    election: ElectionParameters,
    sth: Option<SignedTreeHead>,
}

/// One ballot of a credential in the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialLeaf {
    pub leaf_index: u64,
    pub ballot_id: BallotId,
}

/// The verified copy: every leaf up to the last verified head, and indexes over them.
#[derive(Debug, Default)]
pub struct LogCopy {
    /// The last head verified (L8); `None` before the first poll succeeded.
    sth: Option<SignedTreeHead>,
    tree: LogTree,
    entries: Vec<LogEntry>,
    /// Each leaf's ballot id, in leaf order (the board's rows); `None` for a voter-list change.
    ids: Vec<Option<BallotId>>,
    /// The voter-list changes in the copy (the next change's number).
    changes: u32,
    by_credential: HashMap<[u8; 32], Vec<CredentialLeaf>>,
    by_ballot_id: HashMap<BallotId, u64>,
    last_accepted_at: Option<u64>,
}

impl LogCopy {
    /// The last verified head.
    pub fn sth(&self) -> Option<&SignedTreeHead> {
        self.sth.as_ref()
    }

    /// The number of verified leaves (the last verified head's size).
    pub fn size(&self) -> u64 {
        self.sth.as_ref().map_or(0, |s| s.tree_size)
    }

    /// The entries `start .. end` (bounded by the verified size).
    pub fn entries(&self, start: u64, end: u64) -> &[LogEntry] {
        let end = end.min(self.size()).min(self.entries.len() as u64);
        if start >= end {
            return &[];
        }
        &self.entries[start as usize..end as usize]
    }

    /// The ballot ids of leaves `start .. end` (bounded by the verified size), in leaf order; `None` at a
    /// voter-list change's leaf.
    pub fn ballot_ids(&self, start: u64, end: u64) -> &[Option<BallotId>] {
        let end = end.min(self.size()).min(self.ids.len() as u64);
        if start >= end {
            return &[];
        }
        &self.ids[start as usize..end as usize]
    }

    /// The inclusion proof of `leaf_index` in the verified tree of `tree_size` leaves, and that leaf's hash.
    pub fn inclusion_proof(&self, leaf_index: u64, tree_size: u64) -> Option<(Hash, Vec<Hash>)> {
        if tree_size > self.size() {
            return None;
        }
        Some((*self.tree.leaf(leaf_index)?, self.tree.inclusion_proof(leaf_index, tree_size)?))
    }

    /// The consistency proof between two verified sizes.
    pub fn consistency_proof(&self, first: u64, second: u64) -> Option<Vec<Hash>> {
        if second > self.size() {
            return None;
        }
        self.tree.consistency_proof(first, second)
    }

    /// Every ballot of `credential` in the verified copy, in leaf order.
    pub fn credential_leaves(&self, credential: &[u8; 32]) -> Vec<CredentialLeaf> {
        let size = self.size();
        self.by_credential
            .get(credential)
            .map(|v| v.iter().filter(|l| l.leaf_index < size).copied().collect())
            .unwrap_or_default()
    }

    /// The number of voter-list changes in the copy.
    pub fn change_count(&self) -> u32 {
        self.changes
    }

    /// Indexes a leaf whose hash is already in the tree and whose head verified.
    fn add(&mut self, entry: LogEntry, decoded: &Decoded) {
        match decoded {
            Decoded::Ballot(ballot) => {
                let id = ballot.id();
                self.by_credential
                    .entry(*ballot.body.credential.as_bytes())
                    .or_default()
                    .push(CredentialLeaf { leaf_index: entry.leaf_index(), ballot_id: id });
                self.by_ballot_id.insert(id, entry.leaf_index());
                self.ids.push(Some(id));
            }
            Decoded::Change(_) => {
                self.ids.push(None);
                self.changes += 1;
            }
        }
        self.last_accepted_at = Some(entry.accepted_at());
        self.entries.push(entry);
    }
}

/// What the last polls did, for `GET /mirror/status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PollStatus {
    /// Seconds since the Unix epoch (UTC) of the last poll, and of the last one that verified a head.
    pub last_poll: Option<u64>,
    pub last_success: Option<u64>,
    /// Why the last poll could not reach the collector or read its answer (not an alarm); `None` after a success.
    pub last_error: Option<String>,
    /// The standing alarm.
    pub alarm: Option<String>,
}

/// What the monitor shares with the mirror's server.
#[derive(Debug, Default)]
pub struct Shared {
    pub copy: LogCopy,
    pub status: PollStatus,
}

/// A read-only handle on a monitor's verified copy (what [`crate::mirror::app`] serves).
#[derive(Debug, Clone)]
pub struct CopyHandle {
    pub collector: String,
    pub published: Arc<PublishedElection>,
    shared: Arc<RwLock<Shared>>,
}

impl CopyHandle {
    /// The copy and status, for reading (a poisoned lock only means a panicked writer: the copy is still the
    /// last committed one, since commits swap the head last).
    pub fn read(&self) -> RwLockReadGuard<'_, Shared> {
        self.shared.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// A monitor's copy of one log.
#[derive(Debug)]
pub struct Monitor {
    base: String,
    dir: PathBuf,
    http: reqwest::Client,
    election: Election,
    key: VerifyingKey,
    state: CopyState,
    published: Arc<PublishedElection>,
    shared: Arc<RwLock<Shared>>,
    /// The voter list with the copy's changes replayed, when the public credential list was given
    /// ([`Monitor::with_voter_list`]); `None`: changes are checked for decoding, election, signature and order.
    voter_list: Option<Electorate>,
}

/// The times L7 checks, for one new leaf: inside the voting period and not before the previous leaf's.
fn check_time(period: &Period, previous: Option<u64>, accepted_at: u64) -> Result<(), String> {
    if accepted_at < period.opens_at || accepted_at > period.closes_at {
        return Err(format!(
            "accepted at {}, outside the voting period {} … {}",
            format_time(accepted_at),
            format_time(period.opens_at),
            format_time(period.closes_at)
        ));
    }
    match previous {
        Some(p) if accepted_at < p => Err(format!("accepted at {accepted_at} s, before the previous leaf ({p} s)")),
        _ => Ok(()),
    }
}

fn now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The `GET /election` answer a mirror serves for `election`.
fn published(election: &Election) -> PublishedElection {
    PublishedElection {
        manifest: election.manifest().clone(),
        manifest_bytes: hex::encode(election.manifest().to_bytes()),
        public_key: *election.public_key(),
        fingerprint: *election.fingerprint(),
        collector_key: election.manifest().roles.collector_key.verifying_key().to_bytes(),
    }
}

/// GETs `url` and decodes its JSON.
async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> anyhow::Result<T> {
    let r = http.get(url).send().await.with_context(|| format!("{url}: no answer"))?;
    let status = r.status();
    if !status.is_success() {
        let body = r.text().await.unwrap_or_default();
        anyhow::bail!("{url}: answered {status}: {}", body.trim());
    }
    r.json().await.with_context(|| format!("{url}: not the expected JSON"))
}

/// Decodes a leaf entry: a ballot (through `Ballot::from_bytes`) and its leaf hash (eq. LG1), or a voter-list
/// change (eq. VL1) and its leaf hash (eq. LG9). Checks nothing else.
fn decode_entry(entry: &LogEntry) -> Result<(Decoded, Hash), String> {
    let (what, text) = match entry {
        LogEntry::Ballot(e) => ("ballot", &e.ballot),
        LogEntry::Change(e) => ("voter-list change", &e.change),
    };
    let bytes = protocol::group::hex_vec(text, what).map_err(|e| e.to_string())?;
    if hex::encode(&bytes) != *text {
        return Err(format!("the {what} is not lower-case hex (SPEC.md §1: one spelling per value)"));
    }
    match entry {
        LogEntry::Ballot(e) => {
            let ballot = Ballot::from_bytes(&bytes).map_err(|e| e.to_string())?;
            let hash = leaf_hash(&ballot.id(), &ballot_hash(&bytes), e.accepted_at);
            Ok((Decoded::Ballot(Box::new(ballot)), hash))
        }
        LogEntry::Change(e) => {
            let change = VoterListChange::from_bytes(&bytes)
                .map_err(|e| format!("the voter-list change does not decode (eq. VL1): {e}"))?;
            Ok((Decoded::Change(Box::new(change)), change_leaf_hash(&bytes, e.accepted_at)))
        }
    }
}

/// Check L11 for a change of the log at `leaf` (SPEC.md §4.7): for this election, signed by the manifest's
/// officials key, numbered `expected` (the number of changes before it); with the voter list, it applies to it
/// (which it then holds).
fn check_change(
    election: &Election,
    change: &VoterListChange,
    expected: u32,
    list: Option<&mut Electorate>,
    leaf: u64,
) -> Result<(), String> {
    let manifest = election.manifest();
    let said = |e: protocol::voter_list::ChangeError| format!("voter-list change: {e}");
    change.verify(election.fingerprint(), manifest).map_err(said)?;
    match list {
        Some(list) => list.apply(manifest, change, leaf).map_err(said),
        None if change.seq != expected => {
            Err(said(protocol::voter_list::ChangeError::OutOfOrder { found: change.seq, expected }))
        }
        None => change.new_district(manifest).map(|_| ()).map_err(said),
    }
}

impl Monitor {
    /// Opens the copy in `dir`, or starts one by pinning the collector's election (and, with `pin`, refusing any
    /// election but that one). The collector key is the one the manifest names (§4.5).
    pub async fn open(base: &str, dir: &Path, pin: Option<&Fingerprint>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let base = base.trim_end_matches('/').to_string();
        let state_path = dir.join("state.json");
        let state: CopyState = if state_path.exists() {
            let text = std::fs::read_to_string(&state_path)?;
            serde_json::from_str(&text).with_context(|| format!("{}: not a monitor's state", state_path.display()))?
        } else {
            let info: PublishedElection = get_json(&http, &format!("{base}/election")).await?;
            let election = Election::new(info.manifest, info.public_key)
                .map_err(|e| anyhow::anyhow!("{base}/election: the election parameters are not valid: {e}"))?;
            anyhow::ensure!(
                *election.fingerprint() == info.fingerprint,
                "{base}/election: the stated fingerprint is not the one its manifest and key give"
            );
            let state = CopyState { fingerprint: info.fingerprint, election: election.parameters(), sth: None };
            if let Some(p) = pin {
                anyhow::ensure!(
                    p == &state.fingerprint,
                    "{base} serves election {}, not the pinned {}: refusing to follow it",
                    state.fingerprint.to_hex(),
                    p.to_hex()
                );
            }
            let tmp = dir.join("state.json.tmp");
            std::fs::write(&tmp, serde_json::to_string_pretty(&state)?)?;
            std::fs::rename(&tmp, &state_path)?;
            state
        };
        if let Some(p) = pin {
            anyhow::ensure!(
                p == &state.fingerprint,
                "{} holds a copy of election {}, not the pinned {}: use another directory",
                dir.display(),
                state.fingerprint.to_hex(),
                p.to_hex()
            );
        }
        let election = state.election.election().map_err(|e| anyhow::anyhow!("the pinned election: {e}"))?;
        anyhow::ensure!(*election.fingerprint() == state.fingerprint, "the pinned fingerprint does not match");
        let key = *election.manifest().roles.collector_key.verifying_key();

        let mut copy = LogCopy::default();
        let leaves_path = dir.join("ballots.jsonl");
        let size = state.sth.as_ref().map_or(0, |s| s.tree_size);
        if leaves_path.exists() {
            for line in std::io::BufReader::new(std::fs::File::open(&leaves_path)?).lines() {
                // A crash between appending leaves and saving the state leaves extra lines: ignore them.
                if copy.tree.len() == size {
                    break;
                }
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let entry: LogEntry = serde_json::from_str(line.trim()).context("copy: a leaf entry")?;
                let (decoded, hash) = decode_entry(&entry).map_err(|e| anyhow::anyhow!("copy: {e}"))?;
                anyhow::ensure!(
                    entry.leaf_index() == copy.tree.len(),
                    "copy: leaf {} out of order",
                    entry.leaf_index()
                );
                copy.tree.push(hash);
                copy.add(entry, &decoded);
            }
        }
        anyhow::ensure!(copy.tree.len() == size, "the copy in {} is shorter than its state", dir.display());
        let root = state.sth.as_ref().map_or_else(empty_root, |s| s.root);
        anyhow::ensure!(
            copy.tree.root(size) == Some(root),
            "the copy in {} does not give its head's root: it is damaged; start a new copy in another directory",
            dir.display()
        );
        copy.sth = state.sth.clone();
        let mut status = PollStatus::default();
        if let Ok(text) = std::fs::read_to_string(dir.join("ALARM")) {
            status.alarm = Some(text.trim().to_string());
        }
        let published = Arc::new(published(&election));
        let shared = Arc::new(RwLock::new(Shared { copy, status }));
        Ok(Self { base, dir: dir.to_path_buf(), http, election, key, state, published, shared, voter_list: None })
    }

    /// Checks every voter-list change against the voter list from now on (L11 in full): `list` is the public
    /// credential list (`credentials.json`, SPEC.md §4.5.1), which must be the registry the manifest names; the
    /// changes already in the copy are replayed over it first, and one that does not apply is an error.
    pub fn with_voter_list(mut self, list: &[protocol::ballot_box::CredentialEntry]) -> anyhow::Result<Self> {
        let manifest = self.election.manifest();
        let mut electorate =
            Electorate::from_list(manifest, list).map_err(|e| anyhow::anyhow!("the credential list: {e}"))?;
        anyhow::ensure!(
            electorate.registry()? == manifest.roles.registry,
            "the credential list is not the registry the manifest names (roles.registry: count and digest): give \
             the credentials.json the election was made with"
        );
        let entries: Vec<LogEntry> = {
            let g = self.read();
            g.copy.entries(0, g.copy.size()).to_vec()
        };
        for entry in &entries {
            if let (LogEntry::Change(_), Ok((Decoded::Change(c), _))) = (entry, decode_entry(entry)) {
                electorate
                    .apply(manifest, &c, entry.leaf_index())
                    .map_err(|e| anyhow::anyhow!("copy: the change at leaf {}: {e}", entry.leaf_index()))?;
            }
        }
        self.voter_list = Some(electorate);
        Ok(self)
    }

    pub fn tree_size(&self) -> u64 {
        self.read().copy.size()
    }

    /// The election the copy is of.
    pub fn election(&self) -> &Election {
        &self.election
    }

    /// The standing alarm, if any.
    pub fn alarm(&self) -> Option<Alarm> {
        self.read().status.alarm.clone().map(Alarm::Standing)
    }

    /// A handle for the mirror's server.
    pub fn handle(&self) -> CopyHandle {
        CopyHandle { collector: self.base.clone(), published: self.published.clone(), shared: self.shared.clone() }
    }

    fn read(&self) -> RwLockReadGuard<'_, Shared> {
        self.shared.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Shared> {
        self.shared.write().unwrap_or_else(|e| e.into_inner())
    }

    /// One round: fetch the latest head, check it and every new leaf. `Ok(Err(alarm))` is an inconsistency
    /// (kept in DIR/ALARM; no later poll runs while it stands); `Err` means the collector could not be read
    /// (retry later).
    pub async fn poll(&mut self) -> anyhow::Result<Result<u64, Alarm>> {
        if let Some(alarm) = self.alarm() {
            return Ok(Err(alarm));
        }
        let r = self.poll_inner().await;
        let mut shared = self.write();
        shared.status.last_poll = Some(now_s());
        match &r {
            Ok(Ok(_)) => {
                shared.status.last_success = shared.status.last_poll;
                shared.status.last_error = None;
            }
            Ok(Err(alarm)) => {
                eprintln!("monitor: ALARM: {alarm}");
                shared.status.alarm = Some(alarm.to_string());
                if let Err(e) = std::fs::write(self.dir.join("ALARM"), format!("{alarm}\n")) {
                    eprintln!("monitor: could not write {}: {e}", self.dir.join("ALARM").display());
                }
            }
            Err(e) => shared.status.last_error = Some(format!("{e:#}")),
        }
        r
    }

    async fn poll_inner(&mut self) -> anyhow::Result<Result<u64, Alarm>> {
        let info: PublishedElection = get_json(&self.http, &format!("{}/election", self.base)).await?;
        if info.collector_key != self.key.to_bytes() || info.fingerprint != self.state.fingerprint {
            return Ok(Err(Alarm::IdentityChanged));
        }
        // Heads and proofs come with their canonical bytes (SPEC.md §11.6), which must be the JSON fields' value.
        let sth: SignedTreeHead = get_json::<WithBytes<_>>(&self.http, &format!("{}/log/sth", self.base)).await?.0;
        if let Err(e) = sth.verify(&self.key, self.election.fingerprint()) {
            return Ok(Err(Alarm::BadTreeHead(e.to_string())));
        }
        let (old_size, old_root) = self.state.sth.as_ref().map_or((0, empty_root()), |s| (s.tree_size, s.root));
        if sth.tree_size < old_size {
            return Ok(Err(Alarm::Truncated { old: old_size, new: sth.tree_size }));
        }
        // The collector's own consistency proof between the last head and this one.
        let url = format!("{}/log/proof/consistency?first={old_size}&second={}", self.base, sth.tree_size);
        let proof: ConsistencyProof = get_json::<WithBytes<_>>(&self.http, &url).await?.0;
        if let Err(e) = verify_consistency(old_size, sth.tree_size, &old_root, &sth.root, &proof.path) {
            return Ok(Err(Alarm::Fork { size: sth.tree_size, why: e.to_string() }));
        }
        // Fetch and check every new ballot (no lock held: the server goes on answering from the last head).
        let period = self.election.manifest().voting_period;
        let (mut previous, mut changes) = {
            let g = self.read();
            (g.copy.last_accepted_at, g.copy.changes)
        };
        let mut voter_list = self.voter_list.clone();
        let mut new: Vec<(LogEntry, Decoded, Hash)> = Vec::new();
        let mut batch_ids: HashMap<BallotId, u64> = HashMap::new();
        let mut next = old_size;
        while next < sth.tree_size {
            let url = format!("{}/log/leaves?start={next}&end={}", self.base, sth.tree_size);
            let page: Leaves = get_json(&self.http, &url).await?;
            if page.entries.is_empty() {
                return Ok(Err(Alarm::BadLeaf { index: next, why: "the collector does not serve it".into() }));
            }
            for entry in page.entries {
                let index = next;
                if entry.leaf_index() != index {
                    return Ok(Err(Alarm::BadLeaf { index, why: "out of order".into() }));
                }
                let (decoded, hash) = match decode_entry(&entry) {
                    Ok(x) => x,
                    Err(why) => return Ok(Err(Alarm::BadLeaf { index, why })),
                };
                match &decoded {
                    Decoded::Ballot(ballot) => {
                        if let Err(e) = check_ballot(&self.election, ballot) {
                            return Ok(Err(Alarm::BadLeaf { index, why: e.to_string() }));
                        }
                        let first = self.read().copy.by_ballot_id.get(&ballot.id()).copied();
                        if let Some(first) = first.or_else(|| batch_ids.get(&ballot.id()).copied()) {
                            let why = format!("repeats the ballot at leaf {first} (a replay: SPEC.md §11.7)");
                            return Ok(Err(Alarm::BadLeaf { index, why }));
                        }
                        batch_ids.insert(ballot.id(), index);
                    }
                    Decoded::Change(change) => {
                        if let Err(why) = check_change(&self.election, change, changes, voter_list.as_mut(), index) {
                            return Ok(Err(Alarm::BadLeaf { index, why }));
                        }
                        changes += 1;
                    }
                }
                if let Err(why) = check_time(&period, previous, entry.accepted_at()) {
                    return Ok(Err(Alarm::BadLeaf { index, why }));
                }
                previous = Some(entry.accepted_at());
                new.push((entry, decoded, hash));
                next += 1;
                if next == sth.tree_size {
                    break;
                }
            }
        }
        if let Some(last) = previous.filter(|_| sth.tree_size > 0) {
            if sth.timestamp / 1000 < last {
                let (size, head_ms) = (sth.tree_size, sth.timestamp);
                return Ok(Err(Alarm::HeadBeforeLastBallot { size, head_ms, accepted_at: last }));
            }
        }
        // Recompute the root from the full copy, persist, then make the head visible.
        let lock = self.shared.clone();
        let mut shared = lock.write().unwrap_or_else(|e| e.into_inner());
        let lines: Vec<String> = new.iter().map(|(e, _, _)| serde_json::to_string(e)).collect::<Result<_, _>>()?;
        for (_, _, hash) in &new {
            shared.copy.tree.push(*hash);
        }
        if shared.copy.tree.root(sth.tree_size) != Some(sth.root) {
            shared.copy.tree.truncate(old_size);
            return Ok(Err(Alarm::Fork { size: sth.tree_size, why: "the leaves do not give the signed root".into() }));
        }
        let mut state = self.state.clone();
        state.sth = Some(sth.clone());
        if let Err(e) = self.persist(&lines, &state) {
            shared.copy.tree.truncate(old_size);
            return Err(e);
        }
        self.state = state;
        self.voter_list = voter_list;
        for (entry, decoded, _) in new {
            shared.copy.add(entry, &decoded);
        }
        shared.copy.sth = Some(sth);
        Ok(Ok(shared.copy.size()))
    }

    /// Leaves first, then the state that covers them.
    fn persist(&self, lines: &[String], state: &CopyState) -> anyhow::Result<()> {
        let path = self.dir.join("ballots.jsonl");
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        let mut text = String::new();
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        let tmp = self.dir.join("state.json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(state)?)?;
        std::fs::rename(&tmp, self.dir.join("state.json"))?;
        Ok(())
    }
}

/// Checks a ballot box against a monitor's copy: the box verifies on its own (L7), is of the copy's election
/// and collector, and the copy is a prefix of its log (same ballots and voter-list changes, same times, same
/// order) whose leaves give the copy's last head. Returns the number of leaves compared.
pub fn check_export(bbox: &BallotBox, dir: &Path) -> anyhow::Result<u64> {
    let election = bbox.election()?;
    let logged = bbox.check_log(&election)?;
    let state_path = dir.join("state.json");
    let state: CopyState = serde_json::from_str(
        &std::fs::read_to_string(&state_path).with_context(|| format!("reading {}", state_path.display()))?,
    )
    .with_context(|| format!("{}: not a monitor's state", state_path.display()))?;
    anyhow::ensure!(state.fingerprint == bbox.fingerprint, "the copy is of another election");
    let copy_key = state.election.election()?.manifest().roles.collector_key.verifying_key().to_bytes();
    anyhow::ensure!(copy_key == bbox.collector_key, "the copy is of another collector key");
    // The export's log: ballots and changes merged by leaf (L7 checked they are the leaves 0, 1, …).
    let mut exported: Vec<LogEntry> = bbox
        .ballots
        .iter()
        .map(|e| {
            LogEntry::Ballot(LeafEntry {
                leaf_index: e.leaf_index,
                accepted_at: e.accepted_at,
                ballot: e.ballot.clone(),
            })
        })
        .chain(bbox.changes.iter().cloned().map(LogEntry::Change))
        .collect();
    exported.sort_by_key(LogEntry::leaf_index);
    let (n, root) = state.sth.as_ref().map_or((0, empty_root()), |s| (s.tree_size as usize, s.root));
    anyhow::ensure!(
        n <= exported.len(),
        "the export has fewer leaves ({} ballots and {} voter-list changes) than the copy ({n})",
        bbox.ballots.len(),
        bbox.changes.len()
    );
    let path = dir.join("ballots.jsonl");
    if n > 0 {
        let file = std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut compared = 0;
        let lines = std::io::BufReader::new(file).lines();
        for (i, line) in lines.filter(|l| l.as_ref().map_or(true, |l| !l.trim().is_empty())).take(n).enumerate() {
            let copy: LogEntry = serde_json::from_str(line?.trim()).with_context(|| format!("copy: leaf entry {i}"))?;
            let theirs = &exported[i];
            anyhow::ensure!(
                copy.leaf_index() == theirs.leaf_index(),
                "leaf {i}: the copy's line is for leaf {}",
                copy.leaf_index()
            );
            match (&copy, theirs) {
                (LogEntry::Ballot(c), LogEntry::Ballot(e)) => {
                    anyhow::ensure!(c.ballot == e.ballot, "ballot {i} differs between the export and the copy")
                }
                (LogEntry::Change(c), LogEntry::Change(e)) => anyhow::ensure!(
                    c.change == e.change,
                    "the voter-list change at leaf {i} differs between the export and the copy"
                ),
                (LogEntry::Ballot(_), LogEntry::Change(_)) => {
                    anyhow::bail!("leaf {i} is a ballot in the copy and a voter-list change in the export")
                }
                (LogEntry::Change(_), LogEntry::Ballot(_)) => {
                    anyhow::bail!("leaf {i} is a voter-list change in the copy and a ballot in the export")
                }
            }
            anyhow::ensure!(
                copy.accepted_at() == theirs.accepted_at(),
                "leaf {i}: accepted at {} s in the export, {} s in the copy",
                theirs.accepted_at(),
                copy.accepted_at()
            );
            compared += 1;
        }
        anyhow::ensure!(compared == n, "the copy in {} is shorter than its state", dir.display());
    }
    let mut tree = LogTree::new();
    for (_, _, leaf) in bbox.leaves(&logged)?.into_iter().take(n) {
        tree.push(leaf);
    }
    anyhow::ensure!(tree.root(n as u64) == Some(root), "the copy's head does not match the export's prefix");
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaf_outside_the_period_or_going_back_is_an_alarm() {
        let period = Period { opens_at: 100, closes_at: 200 };
        assert!(check_time(&period, None, 100).is_ok());
        assert!(check_time(&period, Some(150), 150).is_ok());
        assert!(check_time(&period, Some(150), 200).is_ok());
        assert!(check_time(&period, None, 99).is_err());
        assert!(check_time(&period, Some(150), 201).is_err());
        assert!(check_time(&period, Some(150), 149).is_err());
    }
}

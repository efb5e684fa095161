//! `collector monitor URL DIR`: a log monitor on another machine (Estonia's "data embassy"). It follows the
//! collector's public log, checks every new signed tree head (signature; no truncation; consistent with the one
//! before, by the collector's consistency proof and by recomputing the root from its own full copy of the
//! leaves), checks every ballot (SPEC.md §8.6) and its acceptance time (inside the voting period, not before the
//! previous leaf's: §11.4 L7) and keeps them in DIR (`ballots.jsonl`, one `GET /log/leaves` entry a line). Any inconsistency raises an alarm: the
//! file DIR/ALARM, an error log line, and exit code 3. `check_export` compares a ballot box with the copy.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use ed25519_dalek::VerifyingKey;
use protocol::ballot::PublishedElection;
use protocol::log::{ballot_hash, leaf_hash, verify_consistency, LogTree, SignedTreeHead};
use protocol::manifest::Period;
use protocol::{check_ballot, Ballot, Decode, Election};
use serde::{Deserialize, Serialize};

use crate::admin::{BallotBox, ElectionFile};
use crate::log_api::{ConsistencyProof, LeafEntry, Leaves};

/// What the monitor found wrong.
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MonitorState {
    fingerprint: String,
    collector_key: String,
    election: ElectionFile,
    sth: SignedTreeHead,
}

/// A monitor's copy of one log.
#[derive(Debug)]
pub struct Monitor {
    base: String,
    dir: PathBuf,
    http: reqwest::Client,
    election: Election,
    key: VerifyingKey,
    state: MonitorState,
    tree: LogTree,
    /// The acceptance time of the copy's last leaf.
    last_accepted_at: Option<u64>,
}

/// The times L7 checks, for one new leaf: inside the voting period and not before the previous leaf's.
fn check_time(period: &Period, previous: Option<u64>, accepted_at: u64) -> Result<(), String> {
    if accepted_at < period.opens_at || accepted_at > period.closes_at {
        return Err(format!(
            "accepted at {accepted_at} s, outside the voting period {} … {} s",
            period.opens_at, period.closes_at
        ));
    }
    match previous {
        Some(p) if accepted_at < p => Err(format!("accepted at {accepted_at} s, before the previous leaf ({p} s)")),
        _ => Ok(()),
    }
}

fn parse_key(hex_key: &str) -> anyhow::Result<VerifyingKey> {
    let b: [u8; 32] = hex::decode(hex_key).ok().and_then(|v| v.try_into().ok()).context("collector key hex")?;
    Ok(VerifyingKey::from_bytes(&b)?)
}

impl Monitor {
    /// Opens the copy in `dir`, or starts one by pinning the collector's election and key.
    pub async fn open(base: &str, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let base = base.trim_end_matches('/').to_string();
        let state_path = dir.join("state.json");
        let state: MonitorState = if state_path.exists() {
            serde_json::from_str(&std::fs::read_to_string(&state_path)?)?
        } else {
            let info: PublishedElection =
                http.get(format!("{base}/election")).send().await?.error_for_status()?.json().await?;
            let sth: SignedTreeHead =
                http.get(format!("{base}/log/sth")).send().await?.error_for_status()?.json().await?;
            // Start from the empty log: the first head is checked like any other in `poll`.
            let mut sth0 = sth;
            sth0.tree_size = 0;
            sth0.root = protocol::log::empty_root();
            MonitorState {
                fingerprint: info.fingerprint.to_hex(),
                collector_key: hex::encode(info.collector_key),
                election: ElectionFile { manifest: info.manifest, public_key: info.public_key },
                sth: sth0,
            }
        };
        let election = state.election.election()?;
        anyhow::ensure!(election.fingerprint().to_hex() == state.fingerprint, "pinned fingerprint mismatch");
        let key = parse_key(&state.collector_key)?;
        let mut tree = LogTree::new();
        let mut last_accepted_at = None;
        let leaves_path = dir.join("ballots.jsonl");
        if leaves_path.exists() {
            for line in std::io::BufReader::new(std::fs::File::open(&leaves_path)?).lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                // A crash between appending leaves and saving the state leaves extra lines: ignore them.
                if tree.len() == state.sth.tree_size {
                    break;
                }
                let entry: LeafEntry = serde_json::from_str(line.trim()).context("copy: a leaf entry")?;
                let bytes = hex::decode(&entry.ballot).context("copy: ballot hex")?;
                let ballot = Ballot::from_bytes(&bytes)?;
                tree.push(leaf_hash(&ballot.id(), &ballot_hash(&bytes), entry.accepted_at));
                last_accepted_at = Some(entry.accepted_at);
            }
        }
        anyhow::ensure!(tree.len() == state.sth.tree_size, "the copy in {} is shorter than its state", dir.display());
        Ok(Self { base, dir: dir.to_path_buf(), http, election, key, state, tree, last_accepted_at })
    }

    pub fn tree_size(&self) -> u64 {
        self.tree.len()
    }

    fn alarm(&self, alarm: &Alarm) {
        tracing::error!(%alarm, "ALARM");
        let _ = std::fs::write(self.dir.join("ALARM"), format!("{alarm}\n"));
    }

    /// One round: fetch the latest head, check it and every new leaf. `Ok(Err(alarm))` is an inconsistency.
    pub async fn poll(&mut self) -> anyhow::Result<Result<u64, Alarm>> {
        let r = self.poll_inner().await?;
        if let Err(a) = &r {
            self.alarm(a);
        }
        Ok(r)
    }

    async fn poll_inner(&mut self) -> anyhow::Result<Result<u64, Alarm>> {
        let info: PublishedElection =
            self.http.get(format!("{}/election", self.base)).send().await?.error_for_status()?.json().await?;
        if hex::encode(info.collector_key) != self.state.collector_key
            || info.fingerprint.to_hex() != self.state.fingerprint
        {
            return Ok(Err(Alarm::IdentityChanged));
        }
        let sth: SignedTreeHead =
            self.http.get(format!("{}/log/sth", self.base)).send().await?.error_for_status()?.json().await?;
        if let Err(e) = sth.verify(&self.key, self.election.fingerprint()) {
            return Ok(Err(Alarm::BadTreeHead(e.to_string())));
        }
        let old = self.state.sth.clone();
        if sth.tree_size < old.tree_size {
            return Ok(Err(Alarm::Truncated { old: old.tree_size, new: sth.tree_size }));
        }
        // The collector's own consistency proof between the last head and this one.
        let proof: ConsistencyProof = self
            .http
            .get(format!("{}/log/proof/consistency?first={}&second={}", self.base, old.tree_size, sth.tree_size))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if let Err(e) = verify_consistency(old.tree_size, sth.tree_size, &old.root, &sth.root, &proof.path) {
            return Ok(Err(Alarm::Fork { size: sth.tree_size, why: e.to_string() }));
        }
        // Fetch, check and keep every new ballot; recompute the root from the full copy.
        let mut new_lines = Vec::new();
        let mut tree = self.tree.clone();
        let mut last_accepted_at = self.last_accepted_at;
        let period = self.election.manifest().voting_period;
        while tree.len() < sth.tree_size {
            let url = format!("{}/log/leaves?start={}&end={}", self.base, tree.len(), sth.tree_size);
            let page: Leaves = self.http.get(url).send().await?.error_for_status()?.json().await?;
            if page.entries.is_empty() {
                return Ok(Err(Alarm::BadLeaf { index: tree.len(), why: "the collector does not serve it".into() }));
            }
            for entry in page.entries {
                let index = tree.len();
                if entry.leaf_index != index {
                    return Ok(Err(Alarm::BadLeaf { index, why: "out of order".into() }));
                }
                let Ok(bytes) = hex::decode(&entry.ballot) else {
                    return Ok(Err(Alarm::BadLeaf { index, why: "not hex".into() }));
                };
                let ballot = match Ballot::from_bytes(&bytes) {
                    Ok(b) => b,
                    Err(e) => return Ok(Err(Alarm::BadLeaf { index, why: e.to_string() })),
                };
                if let Err(e) = check_ballot(&self.election, &ballot) {
                    return Ok(Err(Alarm::BadLeaf { index, why: e.to_string() }));
                }
                if let Err(why) = check_time(&period, last_accepted_at, entry.accepted_at) {
                    return Ok(Err(Alarm::BadLeaf { index, why }));
                }
                last_accepted_at = Some(entry.accepted_at);
                tree.push(leaf_hash(&ballot.id(), &ballot_hash(&bytes), entry.accepted_at));
                new_lines.push(serde_json::to_string(&entry)?);
                if tree.len() == sth.tree_size {
                    break;
                }
            }
        }
        if tree.root(sth.tree_size) != Some(sth.root) {
            return Ok(Err(Alarm::Fork { size: sth.tree_size, why: "the leaves do not give the signed root".into() }));
        }
        // Persist: leaves first, then the state that covers them.
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("ballots.jsonl"))?;
        let mut text = String::new();
        for l in &new_lines {
            text.push_str(l);
            text.push('\n');
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        self.state.sth = sth;
        let tmp = self.dir.join("state.json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&self.state)?)?;
        std::fs::rename(&tmp, self.dir.join("state.json"))?;
        self.tree = tree;
        self.last_accepted_at = last_accepted_at;
        Ok(Ok(self.tree.len()))
    }
}

/// Follows `base` forever (or once), polling every `interval`. Returns the alarm that stopped it.
pub async fn run(base: &str, dir: &Path, interval: Duration, once: bool) -> anyhow::Result<Option<Alarm>> {
    let mut m = Monitor::open(base, dir).await?;
    loop {
        match m.poll().await {
            Ok(Ok(size)) => tracing::info!(size, "log verified"),
            Ok(Err(alarm)) => return Ok(Some(alarm)),
            Err(e) => tracing::warn!(error = %e, "collector unreachable or answered badly; retrying"),
        }
        if once {
            return Ok(None);
        }
        tokio::time::sleep(interval).await;
    }
}

/// Checks a ballot box against a monitor's copy: the box verifies on its own, and the copy is a prefix of it
/// (same ballots, same order); with the consistency of the copy's last head to the final one.
pub fn check_export(bbox: &BallotBox, dir: &Path) -> anyhow::Result<u64> {
    bbox.check_log(&bbox.election()?)?;
    let state: MonitorState = serde_json::from_str(&std::fs::read_to_string(dir.join("state.json"))?)?;
    anyhow::ensure!(state.fingerprint == bbox.fingerprint.to_hex(), "the copy is of another election");
    anyhow::ensure!(state.collector_key == hex::encode(bbox.collector_key), "the copy is of another collector key");
    let n = state.sth.tree_size as usize;
    anyhow::ensure!(
        n <= bbox.ballots.len(),
        "the export has fewer ballots ({}) than the copy ({n})",
        bbox.ballots.len()
    );
    let lines = std::io::BufReader::new(std::fs::File::open(dir.join("ballots.jsonl"))?).lines();
    for (i, line) in lines.filter(|l| l.as_ref().map_or(true, |l| !l.trim().is_empty())).take(n).enumerate() {
        let copy: LeafEntry = serde_json::from_str(line?.trim()).with_context(|| format!("copy: leaf entry {i}"))?;
        let exported = &bbox.ballots[i];
        anyhow::ensure!(
            copy.leaf_index == exported.leaf_index,
            "leaf {i}: the copy's line is for leaf {}",
            copy.leaf_index
        );
        anyhow::ensure!(copy.ballot == exported.ballot, "ballot {i} differs between the export and the copy");
        anyhow::ensure!(
            copy.accepted_at == exported.accepted_at,
            "ballot {i}: accepted at {} s in the export, {} s in the copy",
            exported.accepted_at,
            copy.accepted_at
        );
    }
    let mut tree = LogTree::new();
    for e in &bbox.ballots[..n] {
        let bytes = hex::decode(&e.ballot)?;
        let b = Ballot::from_bytes(&bytes)?;
        tree.push(leaf_hash(&b.id(), &ballot_hash(&bytes), e.accepted_at));
    }
    anyhow::ensure!(tree.root(n as u64) == Some(state.sth.root), "the copy's head does not match the export's prefix");
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

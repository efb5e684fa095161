//! The election record's index: every file with its SHA-256, each entry chained to the one before
//! (SPEC.md §13). The verifier's first check (integrity) recomputes it; no other check reads a file the index
//! does not list.
//!
//! `chain₀ = SHA-256("rv/record-chain/v1" ‖ F)` and, for entry `i` with path `pᵢ` and digest `dᵢ`,
//!
//! `chainᵢ = SHA-256("rv/record-chain/v1" ‖ chainᵢ₋₁ ‖ u32(|pᵢ|) ‖ pᵢ ‖ dᵢ)`            — SPEC.md eq. (R1)
//!
//! The last `chain` is the record's head: one 32-byte value that commits to every byte of the record, in order.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::manifest::Fingerprint;

pub const CHAIN_DOMAIN: &[u8] = b"rv/record-chain/v1";
pub const INDEX_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// Path relative to the record's root, `/`-separated, no `..`, no leading `/`.
    pub path: String,
    #[serde(with = "crate::group::bytes_hex")]
    pub sha256: [u8; 32],
    #[serde(with = "crate::group::bytes_hex")]
    pub chain: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordIndex {
    pub version: u32,
    pub fingerprint: Fingerprint,
    pub entries: Vec<IndexEntry>,
}

/// Why an index does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("index version {0} is not supported")]
    Version(u32),
    #[error("entry {index} (`{path}`): the path is not a plain relative path")]
    BadPath { index: usize, path: String },
    #[error("entry {index} (`{path}`): listed twice")]
    Duplicate { index: usize, path: String },
    #[error("entry {index} (`{path}`): the chain value is wrong (index altered or reordered)")]
    BrokenChain { index: usize, path: String },
}

fn chain_start(fingerprint: &Fingerprint) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(CHAIN_DOMAIN);
    h.update(fingerprint.as_bytes());
    h.finalize().into()
}

/// SPEC.md eq. (R1).
pub fn chain_step(previous: &[u8; 32], path: &str, sha256: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(CHAIN_DOMAIN);
    h.update(previous);
    h.update((path.len() as u32).to_be_bytes());
    h.update(path.as_bytes());
    h.update(sha256);
    h.finalize().into()
}

/// A path the index may name: relative, `/`-separated, each component non-empty and neither `.` nor `..`.
pub fn is_plain_path(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && c.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'))
}

impl RecordIndex {
    pub fn new(fingerprint: Fingerprint) -> Self {
        Self { version: INDEX_VERSION, fingerprint, entries: Vec::new() }
    }

    /// Appends a file's digest.
    pub fn push(&mut self, path: &str, sha256: [u8; 32]) {
        let previous = self.head();
        self.entries.push(IndexEntry { path: path.to_string(), sha256, chain: chain_step(&previous, path, &sha256) });
    }

    /// The chain value of the last entry (or `chain₀` for an empty index).
    pub fn head(&self) -> [u8; 32] {
        self.entries.last().map_or_else(|| chain_start(&self.fingerprint), |e| e.chain)
    }

    pub fn get(&self, path: &str) -> Option<&IndexEntry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Checks the version, the paths and the whole chain (SPEC.md §13, check V1 in part: file digests are
    /// compared by the caller, who reads the files).
    pub fn check_chain(&self) -> Result<(), IndexError> {
        if self.version != INDEX_VERSION {
            return Err(IndexError::Version(self.version));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut previous = chain_start(&self.fingerprint);
        for (index, e) in self.entries.iter().enumerate() {
            let path = e.path.clone();
            if !is_plain_path(&e.path) {
                return Err(IndexError::BadPath { index, path });
            }
            if !seen.insert(&e.path) {
                return Err(IndexError::Duplicate { index, path });
            }
            let expected = chain_step(&previous, &e.path, &e.sha256);
            if expected != e.chain {
                return Err(IndexError::BrokenChain { index, path });
            }
            previous = expected;
        }
        Ok(())
    }
}

/// SHA-256 of a file's bytes, as the index records it.
pub fn file_digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> RecordIndex {
        let mut i = RecordIndex::new(Fingerprint([1; 32]));
        i.push("election.json", file_digest(b"e"));
        i.push("ballots/export.bin", file_digest(b"b"));
        i.push("result.json", file_digest(b"r"));
        i
    }

    #[test]
    fn chain_checks_and_round_trips() {
        let i = index();
        assert_eq!(i.check_chain(), Ok(()));
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<RecordIndex>(&json).unwrap(), i);
    }

    #[test]
    fn tampering_breaks_the_chain() {
        let mut i = index();
        i.entries[1].sha256 = file_digest(b"x");
        assert!(matches!(i.check_chain(), Err(IndexError::BrokenChain { index: 1, .. })));
        let mut i = index();
        i.entries.swap(0, 1);
        assert!(matches!(i.check_chain(), Err(IndexError::BrokenChain { index: 0, .. })));
        let mut i = index();
        i.entries.remove(1);
        assert!(matches!(i.check_chain(), Err(IndexError::BrokenChain { index: 1, .. })));
        let mut i = index();
        i.fingerprint = Fingerprint([2; 32]);
        assert!(matches!(i.check_chain(), Err(IndexError::BrokenChain { index: 0, .. })));
        let mut i = RecordIndex::new(Fingerprint([1; 32]));
        i.push("../etc/passwd", [0; 32]);
        assert!(matches!(i.check_chain(), Err(IndexError::BadPath { .. })));
        let mut i = RecordIndex::new(Fingerprint([1; 32]));
        i.push("a", [0; 32]);
        i.push("a", [0; 32]);
        assert!(matches!(i.check_chain(), Err(IndexError::Duplicate { .. })));
    }

    #[test]
    fn plain_paths() {
        assert!(is_plain_path("mix/contest-0/stage-1.proof"));
        for bad in ["", "/abs", "a//b", "a/./b", "a/../b", "a\\b", "a b"] {
            assert!(!is_plain_path(bad), "{bad}");
        }
    }
}

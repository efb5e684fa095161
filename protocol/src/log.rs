//! The ballot log (SPEC.md §11): an append-only Merkle tree in the style of Certificate Transparency
//! (RFC 6962 / RFC 9162 §2.1), its signed tree heads and the receipts the collector hands to voters.
//!
//! * leaf data `"rv/log-leaf/v2" ‖ ballot_id ‖ SHA-256(ballot) ‖ u64(accepted_at)`, leaf hash
//!   `SHA-256(0x00 ‖ leaf data)` (eq. LG1), where `accepted_at` is the second the collector accepted the ballot;
//! * node hash `SHA-256(0x01 ‖ left ‖ right)`, the empty tree's root `SHA-256("")` (eq. LG2);
//! * a tree head `(fingerprint, size, root, timestamp)` signed with the collector's Ed25519 key over
//!   `"rv/tree-head/v1" ‖ bytes` (eq. LG3); a receipt signed over `"rv/receipt/v2" ‖ bytes` (eq. LG4).
//!
//! Signed tree heads, receipts and the two kinds of proof also have canonical encodings (eqs. LG5–LG8), which
//! the collector's API serves beside their JSON fields ([`WithBytes`]) for readers that take bytes only (the
//! voter's WASM module).
//!
//! [`LogTree`] builds roots and proofs for any past size in `O(log² n)` from the complete subtrees it keeps;
//! [`verify_inclusion`] and [`verify_consistency`] are the verification algorithms of RFC 9162 §2.1.3.2 and
//! §2.1.4.2, written step by step. Checks L1–L6 of SPEC.md §11 are named where they are made.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::ballot::{Ballot, BallotId};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::fingerprint::Fingerprint;

/// A SHA-256 digest: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// Domain label that starts every leaf's data (eq. LG1).
pub const LEAF_DOMAIN: &[u8] = b"rv/log-leaf/v2";
/// Domain label of a voter-list change's leaf (eq. LG9).
pub const CHANGE_LEAF_DOMAIN: &[u8] = b"rv/log-change/v1";
/// Domain label of the signed tree head (eq. LG3).
pub const TREE_HEAD_DOMAIN: &[u8] = b"rv/tree-head/v1";
/// Domain label of the receipt signature (eq. LG4).
pub const RECEIPT_DOMAIN: &[u8] = b"rv/receipt/v2";

/// Why a log object does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// L1: a tree head's signature does not verify under the collector key over eq. L-3.
    #[error("L1: the tree head signature does not verify under the collector key")]
    BadTreeHeadSignature,
    /// L2: a receipt's signature does not verify under the collector key over eq. L-4.
    #[error("L2: the receipt signature does not verify under the collector key")]
    BadReceiptSignature,
    /// L3: the inclusion path does not lead from the leaf to the root (RFC 9162 §2.1.3.2).
    #[error("L3: the inclusion proof does not lead to the root")]
    InclusionFailed,
    /// L4: the consistency proof does not link the two roots (RFC 9162 §2.1.4.2), or the first size exceeds the second.
    #[error("L4: the consistency proof does not link the two roots")]
    ConsistencyFailed,
    /// L5: the leaf index is not below the tree size.
    #[error("L5: leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// L6: the head or receipt carries another election's fingerprint.
    #[error("L6: the object is for another election (fingerprint mismatch)")]
    WrongElection,
    /// The ballot's id or hash (eq. L-0) is not the receipt's.
    #[error("the ballot does not match the receipt's ballot id or hash")]
    BallotMismatch,
}

/// `SHA-256(canonical ballot bytes)`, the ballot hash of receipts and leaves.
pub fn ballot_hash(ballot_bytes: &[u8]) -> Hash {
    Sha256::digest(ballot_bytes).into()
}

/// Eq. LG1: the leaf data `"rv/log-leaf/v2" ‖ ballot_id (32) ‖ ballot_hash (32) ‖ u64(accepted_at)`, where
/// `accepted_at` is the second (since the Unix epoch, UTC) the collector accepted the ballot.
pub fn leaf_data(ballot_id: &BallotId, ballot_hash: &Hash, accepted_at: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(LEAF_DOMAIN).raw(&ballot_id.0).raw(ballot_hash).u64(accepted_at);
    w.finish()
}

/// Eq. LG1: the leaf hash `SHA-256(0x00 ‖ leaf data)`.
pub fn leaf_hash(ballot_id: &BallotId, ballot_hash: &Hash, accepted_at: u64) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf_data(ballot_id, ballot_hash, accepted_at));
    h.finalize().into()
}

/// Eq. LG9: the leaf hash of a voter-list change (SPEC.md §4.7) appended at `accepted_at` (seconds),
/// `SHA-256(0x00 ‖ "rv/log-change/v1" ‖ SHA-256(change bytes) ‖ u64(accepted_at))`. Its own domain keeps a change's
/// leaf from ever being read as a ballot's (eq. LG1), and the reverse.
pub fn change_leaf_hash(change_bytes: &[u8], accepted_at: u64) -> Hash {
    let change_hash: Hash = Sha256::digest(change_bytes).into();
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(CHANGE_LEAF_DOMAIN);
    h.update(change_hash);
    h.update(accepted_at.to_be_bytes());
    h.finalize().into()
}

/// The leaf hash of a ballot accepted at `accepted_at` (seconds), from its canonical bytes.
pub fn ballot_leaf_hash(ballot: &Ballot, accepted_at: u64) -> Hash {
    leaf_hash(&ballot.id(), &ballot_hash(&ballot.to_bytes()), accepted_at)
}

/// Eq. LG2: an interior node `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (`n ≥ 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The root of a log's tree computed as its leaves arrive, holding one hash per set bit of the size (O(log n)):
/// the roots of the complete subtrees the size splits into, left to right (sizes `2^k` for the bits `k` of `n`,
/// highest first). Eq. LG2's root is these folded from the right, `P₁ ∘ (P₂ ∘ (… ∘ P_m))` with
/// `x ∘ y = node_hash(x, y)`, since eq. LG2 splits at the largest power of two below the size, the first complete
/// subtree. L7 checks a box of millions of ballots with it; [`LogTree`] keeps every node, for proofs.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// No leaf yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf: a complete subtree of one leaf, merged with the last peak while they have the same size
    /// (while the size's lowest bits are set).
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut n = self.size;
        while n & 1 == 1 {
            let Some(left) = self.peaks.pop() else { break };
            hash = node_hash(&left, &hash);
            n >>= 1;
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether there is no leaf.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The root of the tree of every leaf pushed (eq. LG2; the empty tree's root if none).
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else { return empty_root() };
        peaks.fold(*last, |right, left| node_hash(left, &right))
    }
}

/// An append-only Merkle tree over leaf hashes that keeps every complete, aligned subtree: `levels[k][i]` is the
/// root of leaves `i·2ᵏ .. (i+1)·2ᵏ`. Roots and proofs for any size up to [`len`](Self::len) cost `O(log² n)`.
#[derive(Debug, Clone, Default)]
pub struct LogTree {
    levels: Vec<Vec<Hash>>,
}

impl LogTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self { levels: vec![Vec::new()] }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<&Hash> {
        self.levels.first().and_then(|l| l.get(index as usize))
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut k = 0;
        while self.levels[k].len().is_multiple_of(2) {
            let n = self.levels[k].len();
            let parent = node_hash(&self.levels[k][n - 2], &self.levels[k][n - 1]);
            if self.levels.len() == k + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[k + 1].push(parent);
            k += 1;
        }
    }

    /// Forgets every leaf from `size` on (used to undo appends that were not committed).
    pub fn truncate(&mut self, size: u64) {
        for (k, level) in self.levels.iter_mut().enumerate() {
            level.truncate((size >> k) as usize);
        }
    }

    /// `MTH(D[a:b])` of RFC 9162 §2.1.1, for `a < b ≤ len`.
    fn subtree(&self, a: u64, b: u64) -> Hash {
        let n = b - a;
        if n.is_power_of_two() && a.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            return self.levels[k][(a >> k) as usize];
        }
        let k = split_point(n);
        node_hash(&self.subtree(a, a + k), &self.subtree(a + k, b))
    }

    /// The root of the first `size` leaves; `None` if `size > len`.
    pub fn root(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(empty_root()),
            s if s <= self.len() => Some(self.subtree(0, s)),
            _ => None,
        }
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.len() {
            return None;
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Some(path)
    }

    fn path(&self, m: u64, a: u64, b: u64, out: &mut Vec<Hash>) {
        let n = b - a;
        if n == 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, a, a + k, out);
            out.push(self.subtree(a + k, b));
        } else {
            self.path(m - k, a + k, b, out);
            out.push(self.subtree(a, a + k));
        }
    }

    /// The consistency proof between sizes `first` and `second` (RFC 9162 §2.1.4.1); empty when `first` is 0
    /// or equal to `second`.
    pub fn consistency_proof(&self, first: u64, second: u64) -> Option<Vec<Hash>> {
        if first > second || second > self.len() {
            return None;
        }
        let mut proof = Vec::new();
        if first > 0 && first < second {
            self.subproof(first, 0, second, true, &mut proof);
        }
        Some(proof)
    }

    fn subproof(&self, m: u64, a: u64, b: u64, complete: bool, out: &mut Vec<Hash>) {
        let n = b - a;
        if m == n {
            if !complete {
                out.push(self.subtree(a, b));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, a, a + k, complete, out);
            out.push(self.subtree(a + k, b));
        } else {
            self.subproof(m - k, a + k, b, false, out);
            out.push(self.subtree(a, a + k));
        }
    }
}

/// Check L3: RFC 9162 §2.1.3.2, verifying that `leaf` is at `index` in the tree of `size` leaves with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> Result<(), LogError> {
    if index >= size {
        return Err(LogError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return Err(LogError::InclusionFailed);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == *root {
        Ok(())
    } else {
        Err(LogError::InclusionFailed)
    }
}

/// Check L4: RFC 9162 §2.1.4.2, verifying that the tree of `second` leaves with `second_root` extends the tree
/// of `first` leaves with `first_root`. Size 0 is consistent with everything; equal sizes need equal roots.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), LogError> {
    if first > second {
        return Err(LogError::ConsistencyFailed);
    }
    if first == 0 {
        return if proof.is_empty() { Ok(()) } else { Err(LogError::ConsistencyFailed) };
    }
    if first == second {
        return if proof.is_empty() && first_root == second_root { Ok(()) } else { Err(LogError::ConsistencyFailed) };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((head, rest)) = path.split_first() else {
        return Err(LogError::ConsistencyFailed);
    };
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*head, *head);
    for c in rest {
        if snode == 0 {
            return Err(LogError::ConsistencyFailed);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if fr == *first_root && sr == *second_root && snode == 0 {
        Ok(())
    } else {
        Err(LogError::ConsistencyFailed)
    }
}

/// Serde for a list of hashes as hex strings.
pub mod hashes_hex {
    use super::*;
    /// Writes the hashes as a list of lower-case hex strings.
    pub fn serialize<S: Serializer>(v: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(hex::encode))
    }
    /// Reads a list of 64-digit lower-case hex strings into hashes ([`crate::group::hex_array`], SPEC.md §1.2).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|h| crate::group::hex_array(h, "hash").map_err(serde::de::Error::custom))
            .collect()
    }
}

/// A consistency proof as the log API serves it (`GET /log/proof/consistency?first&second`, SPEC.md §11.6): the
/// RFC 9162 §2.1.4.1 path from the tree of `first` leaves to the tree of `second` leaves, checked by
/// [`verify_consistency`] (L4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// The smaller tree size.
    pub first: u64,
    /// The larger tree size.
    pub second: u64,
    /// The proof's hashes, in RFC 9162 §2.1.4.1 order.
    #[serde(with = "hashes_hex")]
    pub path: Vec<Hash>,
}

/// One entry of `GET /log/leaves` (SPEC.md §11.6), and one line of a monitor's copy (`ballots.jsonl`): the
/// ballot at `leaf_index`, with the second it was accepted (its leaf is eq. LG1 over both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeafEntry {
    /// The ballot's position in the log (0-based).
    pub leaf_index: u64,
    /// The second the collector accepted the ballot (eq. LG1: part of the leaf).
    pub accepted_at: u64,
    /// The ballot's canonical bytes (§8.2), hex.
    pub ballot: String,
}

/// One voter-list change of the log (SPEC.md §4.7): an entry of `GET /log/leaves` and of the ballot box's
/// `changes` (§11.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeEntry {
    /// The change's position in the log.
    pub leaf_index: u64,
    /// The second the collector appended it (since the Unix epoch, UTC), as in its leaf (eq. LG9).
    pub accepted_at: u64,
    /// The change's canonical bytes (eq. VL1), hex.
    pub change: String,
}

/// One entry of `GET /log/leaves` (SPEC.md §11.6): a ballot's leaf `{"leaf_index", "accepted_at", "ballot"}`
/// (eq. LG1) or a voter-list change's `{"leaf_index", "accepted_at", "change"}` (eq. LG9, §4.7). A line of a
/// monitor's copy (`ballots.jsonl`) is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LogEntry {
    /// A ballot's leaf.
    Ballot(LeafEntry),
    /// A voter-list change's leaf.
    Change(ChangeEntry),
}

impl LogEntry {
    /// The entry's leaf.
    pub fn leaf_index(&self) -> u64 {
        match self {
            LogEntry::Ballot(e) => e.leaf_index,
            LogEntry::Change(e) => e.leaf_index,
        }
    }
    /// When the collector appended it (seconds).
    pub fn accepted_at(&self) -> u64 {
        match self {
            LogEntry::Ballot(e) => e.accepted_at,
            LogEntry::Change(e) => e.accepted_at,
        }
    }
}

impl From<LeafEntry> for LogEntry {
    fn from(e: LeafEntry) -> Self {
        LogEntry::Ballot(e)
    }
}

impl From<ChangeEntry> for LogEntry {
    fn from(e: ChangeEntry) -> Self {
        LogEntry::Change(e)
    }
}

/// The answer of `GET /log/leaves?start&end`: consecutive entries from `start`, fewer than asked at the end of
/// the log or of a page; ballots and voter-list changes, by ascending leaf index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaves {
    /// The leaves, by ascending leaf index.
    pub entries: Vec<LogEntry>,
}

/// The answer of `GET /log/proof/inclusion?leaf_index&tree_size`: the RFC 9162 §2.1.3.1 path of leaf
/// `leaf_index` in the tree of `tree_size` leaves, checked by [`verify_inclusion`] (L3). `leaf_hash` is what the
/// server holds at that leaf: a reader checks the path from the leaf hash it computed itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// The leaf's position in the log (0-based).
    pub leaf_index: u64,
    /// The size of the tree the path leads to the root of.
    pub tree_size: u64,
    /// The leaf hash the server holds at `leaf_index` (eq. L-1).
    #[serde(with = "crate::group::bytes_hex")]
    pub leaf_hash: Hash,
    /// The audit path, from the leaf's sibling up to the root's child.
    #[serde(with = "hashes_hex")]
    pub path: Vec<Hash>,
}

/// The query of `GET /log/proof/inclusion?leaf_index&tree_size` (SPEC.md §11.6), read by the collector and by a
/// mirror alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct InclusionQuery {
    /// The leaf asked about.
    pub leaf_index: u64,
    /// The tree whose root the path leads to.
    pub tree_size: u64,
}

impl InclusionQuery {
    /// The leaf must be in the tree; else the message of the `invalid_range` refusal.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.leaf_index < self.tree_size {
            Ok(())
        } else {
            Err("need leaf_index < tree_size")
        }
    }
}

/// The query of `GET /log/proof/consistency?first&second` (SPEC.md §11.6), read by the collector and by a mirror
/// alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ConsistencyQuery {
    /// The smaller tree size.
    pub first: u64,
    /// The larger tree size.
    pub second: u64,
}

impl ConsistencyQuery {
    /// The first tree must be no larger than the second; else the message of the `invalid_range` refusal.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.first <= self.second {
            Ok(())
        } else {
            Err("need first <= second")
        }
    }
}

/// The tree head the collector signs (eq. LG3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTreeHead {
    /// The election the log is for (checked by L6).
    pub fingerprint: Fingerprint,
    /// Number of leaves the head covers.
    pub tree_size: u64,
    /// The root of the first `tree_size` leaves (eq. L-2).
    #[serde(with = "crate::group::bytes_hex")]
    pub root: Hash,
    /// Milliseconds since the Unix epoch (UTC).
    pub timestamp: u64,
    /// Ed25519 signature by the collector key over eq. L-3.
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// Eq. LG3: `"rv/tree-head/v1" ‖ fingerprint ‖ u64(size) ‖ root ‖ u64(timestamp)`.
    fn message(fingerprint: &Fingerprint, tree_size: u64, root: &Hash, timestamp: u64) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(TREE_HEAD_DOMAIN).raw(fingerprint.as_bytes()).u64(tree_size).raw(root).u64(timestamp);
        w.finish()
    }

    /// Signs the head with the collector key over eq. L-3 (`timestamp` in milliseconds since the Unix epoch, UTC).
    pub fn sign(key: &SigningKey, fingerprint: Fingerprint, tree_size: u64, root: Hash, timestamp: u64) -> Self {
        let signature = key.sign(&Self::message(&fingerprint, tree_size, &root, timestamp)).to_bytes();
        Self { fingerprint, tree_size, root, timestamp, signature }
    }

    /// Checks L1 and L6.
    pub fn verify(&self, key: &VerifyingKey, fingerprint: &Fingerprint) -> Result<(), LogError> {
        if self.fingerprint != *fingerprint {
            return Err(LogError::WrongElection);
        }
        let msg = Self::message(&self.fingerprint, self.tree_size, &self.root, self.timestamp);
        key.verify_strict(&msg, &Signature::from_bytes(&self.signature)).map_err(|_| LogError::BadTreeHeadSignature)
    }
}

/// What the voter receives for an accepted ballot (eq. LG4): signed by the collector; the inclusion proof links
/// the leaf to the signed root and is checked, not signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The election the ballot is for (checked by L6).
    pub fingerprint: Fingerprint,
    /// The ballot id (SPEC.md §8.3, over the body only).
    pub ballot_id: BallotId,
    /// SHA-256 of the ballot's canonical bytes, body and signature (eq. L-0).
    #[serde(with = "crate::group::bytes_hex")]
    pub ballot_hash: Hash,
    /// The second the collector accepted the ballot (since the Unix epoch, UTC), as in its leaf (eq. LG1).
    pub accepted_at: u64,
    /// The ballot's position in the log (0-based).
    pub leaf_index: u64,
    /// Size of the tree head of the batch that appended the ballot.
    pub tree_size: u64,
    /// Root of that tree head (eq. L-2).
    #[serde(with = "crate::group::bytes_hex")]
    pub root: Hash,
    /// Milliseconds since the Unix epoch (UTC): the tree head's.
    pub timestamp: u64,
    /// Ed25519 signature by the collector key over eq. L-4.
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
    /// Inclusion path of the leaf in the tree of `tree_size` leaves (not signed: checked by L3).
    #[serde(with = "hashes_hex")]
    pub inclusion: Vec<Hash>,
}

/// The signed fields of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptBody {
    /// The election the ballot is for.
    pub fingerprint: Fingerprint,
    /// The ballot id (SPEC.md §8.3).
    pub ballot_id: BallotId,
    /// SHA-256 of the ballot's canonical bytes (eq. L-0).
    pub ballot_hash: Hash,
    /// Seconds since the Unix epoch (UTC).
    pub accepted_at: u64,
    /// The ballot's position in the log (0-based).
    pub leaf_index: u64,
    /// Size of the signed tree head that includes the ballot.
    pub tree_size: u64,
    /// Root of that tree head.
    pub root: Hash,
    /// Milliseconds since the Unix epoch (UTC).
    pub timestamp: u64,
}

impl ReceiptBody {
    /// Eq. LG4: `"rv/receipt/v2" ‖ fingerprint ‖ ballot_id ‖ ballot_hash ‖ u64(accepted_at) ‖ u64(leaf_index) ‖
    /// u64(tree_size) ‖ root ‖ u64(timestamp)`.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(RECEIPT_DOMAIN)
            .raw(self.fingerprint.as_bytes())
            .raw(&self.ballot_id.0)
            .raw(&self.ballot_hash)
            .u64(self.accepted_at)
            .u64(self.leaf_index)
            .u64(self.tree_size)
            .raw(&self.root)
            .u64(self.timestamp);
        w.finish()
    }

    /// Signs the body with the collector key over eq. L-4 and attaches the inclusion path.
    pub fn sign(self, key: &SigningKey, inclusion: Vec<Hash>) -> Receipt {
        let signature = key.sign(&self.signed_message()).to_bytes();
        Receipt {
            fingerprint: self.fingerprint,
            ballot_id: self.ballot_id,
            ballot_hash: self.ballot_hash,
            accepted_at: self.accepted_at,
            leaf_index: self.leaf_index,
            tree_size: self.tree_size,
            root: self.root,
            timestamp: self.timestamp,
            signature,
            inclusion,
        }
    }
}

impl Receipt {
    /// The signed fields, without the signature and the inclusion path.
    pub fn body(&self) -> ReceiptBody {
        ReceiptBody {
            fingerprint: self.fingerprint,
            ballot_id: self.ballot_id,
            ballot_hash: self.ballot_hash,
            accepted_at: self.accepted_at,
            leaf_index: self.leaf_index,
            tree_size: self.tree_size,
            root: self.root,
            timestamp: self.timestamp,
        }
    }

    /// The receipt's leaf (eq. LG1), with its acceptance time.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.ballot_id, &self.ballot_hash, self.accepted_at)
    }

    /// Checks L6, L2, L5 and L3: the election, the signature, and that the leaf is in the signed root.
    pub fn verify(&self, key: &VerifyingKey, fingerprint: &Fingerprint) -> Result<(), LogError> {
        if self.fingerprint != *fingerprint {
            return Err(LogError::WrongElection);
        }
        key.verify_strict(&self.body().signed_message(), &Signature::from_bytes(&self.signature))
            .map_err(|_| LogError::BadReceiptSignature)?;
        verify_inclusion(&self.leaf_hash(), self.leaf_index, self.tree_size, &self.inclusion, &self.root)
    }

    /// Checks that `ballot` is the ballot this receipt is for.
    pub fn matches(&self, ballot: &Ballot) -> Result<(), LogError> {
        if ballot.id() == self.ballot_id && ballot_hash(&ballot.to_bytes()) == self.ballot_hash {
            Ok(())
        } else {
            Err(LogError::BallotMismatch)
        }
    }
}

/// Most hashes an inclusion or consistency path may have in its canonical encoding (LG6–LG8): 128, more than
/// any tree of up to 2^64 leaves needs (at most 64 for an inclusion path, 65 for a consistency proof).
pub const MAX_PATH_HASHES: usize = 128;

/// `seq<hash>`: `u32(count) ‖ hash₁ ‖ … ‖ hash_count`, 32 bytes each.
fn put_hashes(w: &mut Writer, hashes: &[Hash]) {
    w.u32(u32::try_from(hashes.len()).unwrap_or(u32::MAX));
    for h in hashes {
        w.raw(h);
    }
}

/// Reads `seq<hash>` of at most [`MAX_PATH_HASHES`] hashes (the bound is checked before anything is read).
fn read_hashes(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<Hash>, DecodeError> {
    let count = r.u32(what)? as usize;
    if count > MAX_PATH_HASHES {
        return Err(DecodeError::TooLong { what, len: count, max: MAX_PATH_HASHES });
    }
    (0..count).map(|_| r.array::<32>(what)).collect()
}

/// Eq. LG5: `fingerprint (32) ‖ u64(tree_size) ‖ root (32) ‖ u64(timestamp) ‖ signature (64)`, 144 bytes.
impl Encode for SignedTreeHead {
    fn encode(&self, w: &mut Writer) {
        w.raw(self.fingerprint.as_bytes()).u64(self.tree_size).raw(&self.root).u64(self.timestamp).raw(&self.signature);
    }
}

/// Eq. LG5, strictly: exactly 144 bytes (the signature is checked by L1, not here).
impl Decode for SignedTreeHead {
    const WHAT: &'static str = "tree head";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            fingerprint: Fingerprint(r.array("tree head.fingerprint")?),
            tree_size: r.u64("tree head.tree_size")?,
            root: r.array("tree head.root")?,
            timestamp: r.u64("tree head.timestamp")?,
            signature: r.array("tree head.signature")?,
        })
    }
}

/// Eq. LG6: `fingerprint (32) ‖ ballot_id (32) ‖ ballot_hash (32) ‖ u64(accepted_at) ‖ u64(leaf_index) ‖
/// u64(tree_size) ‖ root (32) ‖ u64(timestamp) ‖ signature (64) ‖ seq<hash>(inclusion)`: the signed fields in the
/// order of eq. LG4 (without its domain label), the signature, then the inclusion path.
impl Encode for Receipt {
    fn encode(&self, w: &mut Writer) {
        w.raw(self.fingerprint.as_bytes())
            .raw(&self.ballot_id.0)
            .raw(&self.ballot_hash)
            .u64(self.accepted_at)
            .u64(self.leaf_index)
            .u64(self.tree_size)
            .raw(&self.root)
            .u64(self.timestamp)
            .raw(&self.signature);
        put_hashes(w, &self.inclusion);
    }
}

/// Eq. LG6, strictly: at most [`MAX_PATH_HASHES`] hashes in the path, nothing after it.
impl Decode for Receipt {
    const WHAT: &'static str = "receipt";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            fingerprint: Fingerprint(r.array("receipt.fingerprint")?),
            ballot_id: BallotId(r.array("receipt.ballot_id")?),
            ballot_hash: r.array("receipt.ballot_hash")?,
            accepted_at: r.u64("receipt.accepted_at")?,
            leaf_index: r.u64("receipt.leaf_index")?,
            tree_size: r.u64("receipt.tree_size")?,
            root: r.array("receipt.root")?,
            timestamp: r.u64("receipt.timestamp")?,
            signature: r.array("receipt.signature")?,
            inclusion: read_hashes(r, "receipt.inclusion")?,
        })
    }
}

/// Eq. LG7: `u64(leaf_index) ‖ u64(tree_size) ‖ leaf_hash (32) ‖ seq<hash>(path)`.
impl Encode for InclusionProof {
    fn encode(&self, w: &mut Writer) {
        w.u64(self.leaf_index).u64(self.tree_size).raw(&self.leaf_hash);
        put_hashes(w, &self.path);
    }
}

/// Eq. LG7, strictly.
impl Decode for InclusionProof {
    const WHAT: &'static str = "inclusion proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            leaf_index: r.u64("inclusion proof.leaf_index")?,
            tree_size: r.u64("inclusion proof.tree_size")?,
            leaf_hash: r.array("inclusion proof.leaf_hash")?,
            path: read_hashes(r, "inclusion proof.path")?,
        })
    }
}

/// Eq. LG8: `u64(first) ‖ u64(second) ‖ seq<hash>(path)`.
impl Encode for ConsistencyProof {
    fn encode(&self, w: &mut Writer) {
        w.u64(self.first).u64(self.second);
        put_hashes(w, &self.path);
    }
}

/// Eq. LG8, strictly.
impl Decode for ConsistencyProof {
    const WHAT: &'static str = "consistency proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            first: r.u64("consistency proof.first")?,
            second: r.u64("consistency proof.second")?,
            path: read_hashes(r, "consistency proof.path")?,
        })
    }
}

/// A log object as the collector's API serves it (SPEC.md §11.6): the object's JSON fields and, beside them,
/// `"bytes"`: its canonical encoding (LG5 a tree head, LG6 a receipt, LG7 an inclusion proof, LG8 a consistency
/// proof) in lower-case hex. Read strictly: the fields as `T`'s JSON (§1.2), the bytes by `T`'s decoder (§1.1,
/// trailing bytes refused), and both must be the same value; `"bytes"` must be present ([`bytes_optional`] reads
/// objects written before it was added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithBytes<T>(pub T);

impl<T: Serialize + Encode> Serialize for WithBytes<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a, T> {
            #[serde(flatten)]
            value: &'a T,
            bytes: String,
        }
        Out { value: &self.0, bytes: hex::encode(self.0.to_bytes()) }.serialize(s)
    }
}

impl<'de, T: serde::de::DeserializeOwned + Decode + PartialEq> Deserialize<'de> for WithBytes<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match read_with_bytes(d)? {
            (value, true) => Ok(Self(value)),
            (_, false) => Err(serde::de::Error::missing_field("bytes")),
        }
    }
}

/// Reads a log object with or without `"bytes"` (for `#[serde(deserialize_with)]`): the saved receipt files
/// written before the bytes were served have none. When present, the bytes are checked as [`WithBytes`] does.
pub fn bytes_optional<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Decode + PartialEq,
{
    Ok(read_with_bytes(d)?.0)
}

/// The object's fields (as `T`'s JSON, a key given twice refused), and whether it had `"bytes"`, which then decode
/// to the same value.
fn read_with_bytes<'de, D, T>(d: D) -> Result<(T, bool), D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Decode + PartialEq,
{
    use serde::de::Error;
    let mut fields: std::collections::BTreeMap<String, serde_json::Value> = crate::manifest::unique_keys(d)?;
    let bytes = fields.remove("bytes");
    let value: T =
        serde_json::from_value(serde_json::Value::Object(fields.into_iter().collect())).map_err(D::Error::custom)?;
    let Some(bytes) = bytes else { return Ok((value, false)) };
    let text = bytes.as_str().ok_or_else(|| D::Error::custom("bytes: not a string of hexadecimal digits"))?;
    let raw = crate::group::hex_vec(text, "bytes").map_err(D::Error::custom)?;
    let decoded = T::from_bytes(&raw).map_err(D::Error::custom)?;
    if decoded != value {
        return Err(D::Error::custom(format!("bytes: not the encoding of the object's fields ({})", T::WHAT)));
    }
    Ok((decoded, true))
}

#[cfg(test)]
mod tests {
    /// The frontier's root is the full tree's at every size (eq. LG2), including sizes around powers of two.
    #[test]
    fn the_frontier_gives_the_trees_root() {
        let mut tree = LogTree::new();
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), empty_root());
        for i in 0u8..70 {
            let leaf = Sha256::digest([i]).into();
            tree.push(leaf);
            frontier.push(leaf);
            assert_eq!(Some(frontier.root()), tree.root(tree.len()), "size {}", tree.len());
            assert!(frontier.peaks.len() as u32 == frontier.len().count_ones());
        }
    }

    use super::*;

    /// The proof queries' one range check, used by the collector and the mirror alike.
    #[test]
    fn proof_queries_refuse_an_empty_range() {
        assert!(InclusionQuery { leaf_index: 0, tree_size: 1 }.check().is_ok());
        assert_eq!(InclusionQuery { leaf_index: 1, tree_size: 1 }.check(), Err("need leaf_index < tree_size"));
        assert!(ConsistencyQuery { first: 3, second: 3 }.check().is_ok());
        assert_eq!(ConsistencyQuery { first: 4, second: 3 }.check(), Err("need first <= second"));
    }

    /// SPEC.md §1.2 (c): hex is lower-case wherever it is read. A proof's hashes with upper-case digits are
    /// another spelling of the same bytes, which a byte-exact reader (and ours everywhere else) refuses.
    #[test]
    fn a_proof_with_upper_case_hashes_is_refused() {
        let lower = serde_json::json!({"first": 1, "second": 2, "path": ["ab".repeat(32)]});
        let proof: ConsistencyProof = serde_json::from_value(lower).unwrap();
        assert_eq!(proof.path, vec![[0xab; 32]]);
        let upper = serde_json::json!({"first": 1, "second": 2, "path": ["AB".repeat(32)]});
        let err = serde_json::from_value::<ConsistencyProof>(upper).unwrap_err().to_string();
        assert!(err.contains("lower-case"), "{err}");
    }

    /// The leaves of the Certificate Transparency reference tests (certificate-transparency merkle_tree_test).
    fn ct_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|h| hex::decode(h).unwrap())
            .collect()
    }

    fn rfc6962_leaf(data: &[u8]) -> Hash {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(data);
        h.finalize().into()
    }

    /// Known roots of the CT reference tree for sizes 1..=8.
    const CT_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn ct_tree() -> LogTree {
        let mut t = LogTree::new();
        for l in ct_leaves() {
            t.push(rfc6962_leaf(&l));
        }
        t
    }

    /// SPEC.md: exercises LG2.
    #[test]
    fn known_roots() {
        let t = ct_tree();
        assert_eq!(hex::encode(t.root(0).unwrap()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        for (i, root) in CT_ROOTS.iter().enumerate() {
            assert_eq!(hex::encode(t.root(i as u64 + 1).unwrap()), *root, "size {}", i + 1);
        }
    }

    #[test]
    fn known_inclusion_and_consistency_paths() {
        // RFC 6962 reference vectors: inclusion of leaf 0 in the tree of 8, consistency 1→8 and 6→8.
        let t = ct_tree();
        let p = t.inclusion_proof(0, 8).unwrap();
        let expected = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ];
        assert_eq!(p.iter().map(hex::encode).collect::<Vec<_>>(), expected);
        let c = t.consistency_proof(6, 8).unwrap();
        let expected = [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ];
        assert_eq!(c.iter().map(hex::encode).collect::<Vec<_>>(), expected);
    }

    /// SPEC.md: exercises L3, L4.
    #[test]
    fn every_proof_verifies_and_tampering_fails() {
        let mut t = LogTree::new();
        for i in 0u32..70 {
            t.push(rfc6962_leaf(&i.to_be_bytes()));
        }
        for size in 1..=70u64 {
            let root = t.root(size).unwrap();
            for index in 0..size {
                let leaf = *t.leaf(index).unwrap();
                let p = t.inclusion_proof(index, size).unwrap();
                verify_inclusion(&leaf, index, size, &p, &root).unwrap();
                assert!(verify_inclusion(&leaf, index, size, &p, &[8; 32]).is_err());
                assert!(verify_inclusion(&leaf, size, size, &p, &root).is_err());
                assert!(verify_inclusion(&[7; 32], index, size, &p, &root).is_err());
                if !p.is_empty() {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
                    assert!(verify_inclusion(&leaf, index, size, &p[1..], &root).is_err());
                }
            }
            for first in 0..=size {
                let c = t.consistency_proof(first, size).unwrap();
                let r1 = t.root(first).unwrap();
                verify_consistency(first, size, &r1, &root, &c).unwrap();
                if first > 0 && first < size {
                    let mut bad = c.clone();
                    bad[0][5] ^= 1;
                    assert!(verify_consistency(first, size, &r1, &root, &bad).is_err());
                    assert!(verify_consistency(first, size, &[9; 32], &root, &c).is_err());
                    assert!(verify_consistency(first, size, &r1, &[9; 32], &c).is_err());
                }
            }
        }
        let mut u = t.clone();
        u.truncate(33);
        assert_eq!(u.root(33), t.root(33));
        u.push([1; 32]);
        assert_ne!(u.root(34), t.root(34));
    }

    /// SPEC.md: exercises L1, L2, L3, L5, L6, LG3, LG4.
    #[test]
    fn tree_heads_and_receipts_sign_and_verify() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let fp = Fingerprint([4; 32]);
        let mut t = LogTree::new();
        let id = BallotId([5; 32]);
        let bh = [6; 32];
        t.push([1; 32]);
        t.push(leaf_hash(&id, &bh, 1_790_000_000));
        t.push([2; 32]);
        let root = t.root(3).unwrap();
        let sth = SignedTreeHead::sign(&key, fp, 3, root, 1000);
        sth.verify(&key.verifying_key(), &fp).unwrap();
        let json = serde_json::to_string(&sth).unwrap();
        assert_eq!(serde_json::from_str::<SignedTreeHead>(&json).unwrap(), sth);
        let mut bad = sth.clone();
        bad.tree_size = 4;
        assert_eq!(bad.verify(&key.verifying_key(), &fp), Err(LogError::BadTreeHeadSignature));
        assert_eq!(sth.verify(&key.verifying_key(), &Fingerprint([0; 32])), Err(LogError::WrongElection));

        let body = ReceiptBody {
            fingerprint: fp,
            ballot_id: id,
            ballot_hash: bh,
            accepted_at: 1_790_000_000,
            leaf_index: 1,
            tree_size: 3,
            root,
            timestamp: 1000,
        };
        let receipt = body.sign(&key, t.inclusion_proof(1, 3).unwrap());
        receipt.verify(&key.verifying_key(), &fp).unwrap();
        let json = serde_json::to_string(&receipt).unwrap();
        assert_eq!(serde_json::from_str::<Receipt>(&json).unwrap(), receipt);
        let mut bad = receipt.clone();
        bad.leaf_index = 0;
        assert_eq!(bad.verify(&key.verifying_key(), &fp), Err(LogError::BadReceiptSignature));
        let mut bad = receipt.clone();
        bad.inclusion[0][0] ^= 1;
        assert_eq!(bad.verify(&key.verifying_key(), &fp), Err(LogError::InclusionFailed));
    }

    /// A signed head, a receipt and both proofs over a small log, for the encoding tests.
    fn log_objects() -> (SignedTreeHead, Receipt, InclusionProof, ConsistencyProof) {
        let key = SigningKey::from_bytes(&[3; 32]);
        let fp = Fingerprint([4; 32]);
        let mut t = LogTree::new();
        (0..6u8).for_each(|i| t.push([i; 32]));
        let root = t.root(6).unwrap();
        let sth = SignedTreeHead::sign(&key, fp, 6, root, 1_790_000_000_123);
        let body = ReceiptBody {
            fingerprint: fp,
            ballot_id: BallotId([5; 32]),
            ballot_hash: [6; 32],
            accepted_at: 1_790_000_000,
            leaf_index: 4,
            tree_size: 6,
            root,
            timestamp: 1_790_000_000_123,
        };
        let receipt = body.sign(&key, t.inclusion_proof(4, 6).unwrap());
        let inclusion =
            InclusionProof { leaf_index: 4, tree_size: 6, leaf_hash: [4; 32], path: t.inclusion_proof(4, 6).unwrap() };
        let consistency = ConsistencyProof { first: 3, second: 6, path: t.consistency_proof(3, 6).unwrap() };
        (sth, receipt, inclusion, consistency)
    }

    /// SPEC.md: exercises LG5, LG6, LG7, LG8: the layouts byte by byte, the round trip, and the strict decoder
    /// (truncation, trailing bytes, a path longer than any tree needs).
    #[test]
    fn log_objects_have_one_canonical_encoding() {
        let (sth, receipt, inclusion, consistency) = log_objects();
        let b = sth.to_bytes();
        assert_eq!(b.len(), 144);
        assert_eq!(&b[..32], sth.fingerprint.as_bytes());
        assert_eq!(&b[32..40], &6u64.to_be_bytes());
        assert_eq!(&b[40..72], &sth.root);
        assert_eq!(&b[72..80], &sth.timestamp.to_be_bytes());
        assert_eq!(&b[80..], &sth.signature);
        assert_eq!(SignedTreeHead::from_bytes(&b).unwrap(), sth);

        let b = receipt.to_bytes();
        let n = receipt.inclusion.len();
        assert_eq!(b.len(), 32 * 3 + 8 * 3 + 32 + 8 + 64 + 4 + 32 * n);
        // The signed fields are those of eq. LG4 after its domain label.
        let signed = receipt.body().signed_message();
        assert_eq!(&b[..signed.len() - RECEIPT_DOMAIN.len()], &signed[RECEIPT_DOMAIN.len()..]);
        assert_eq!(&b[160..224], &receipt.signature);
        assert_eq!(&b[224..228], &(n as u32).to_be_bytes());
        assert_eq!(Receipt::from_bytes(&b).unwrap(), receipt);

        let b = inclusion.to_bytes();
        assert_eq!(b.len(), 8 + 8 + 32 + 4 + 32 * inclusion.path.len());
        assert_eq!(&b[..8], &4u64.to_be_bytes());
        assert_eq!(InclusionProof::from_bytes(&b).unwrap(), inclusion);

        let b = consistency.to_bytes();
        assert_eq!(b.len(), 8 + 8 + 4 + 32 * consistency.path.len());
        assert_eq!(&b[8..16], &6u64.to_be_bytes());
        assert_eq!(ConsistencyProof::from_bytes(&b).unwrap(), consistency);

        for (what, bytes, decode) in [
            ("tree head", sth.to_bytes(), (|b: &[u8]| SignedTreeHead::from_bytes(b).map(|_| ())) as fn(&[u8]) -> _),
            ("receipt", receipt.to_bytes(), |b| Receipt::from_bytes(b).map(|_| ())),
            ("inclusion proof", inclusion.to_bytes(), |b| InclusionProof::from_bytes(b).map(|_| ())),
            ("consistency proof", consistency.to_bytes(), |b| ConsistencyProof::from_bytes(b).map(|_| ())),
        ] {
            assert_eq!(decode(&[&bytes[..], &[0]].concat()), Err(DecodeError::TrailingBytes { what, count: 1 }));
            for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
                assert!(matches!(decode(&bytes[..cut]), Err(DecodeError::Truncated { .. })), "{what} cut at {cut}");
            }
        }
        let long = ConsistencyProof { first: 1, second: 2, path: vec![[1; 32]; MAX_PATH_HASHES + 1] };
        assert!(matches!(
            ConsistencyProof::from_bytes(&long.to_bytes()),
            Err(DecodeError::TooLong { len: 129, max: 128, .. })
        ));
        let longest = ConsistencyProof { path: vec![[1; 32]; MAX_PATH_HASHES], ..long };
        assert_eq!(ConsistencyProof::from_bytes(&longest.to_bytes()).unwrap(), longest);
    }

    /// The API's form (SPEC.md §11.6): the JSON fields and `bytes` beside them, which must agree.
    #[test]
    fn api_objects_carry_their_bytes_and_both_must_agree() {
        let (sth, receipt, _, consistency) = log_objects();
        let json = serde_json::to_value(WithBytes(receipt.clone())).unwrap();
        assert_eq!(json["bytes"], hex::encode(receipt.to_bytes()));
        assert_eq!(json["leaf_index"], 4);
        let back: WithBytes<Receipt> = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.0, receipt);
        // The same object without `bytes`: a plain receipt's JSON reads only where bytes are optional.
        let mut plain = json.clone();
        plain.as_object_mut().unwrap().remove("bytes");
        assert_eq!(serde_json::from_value::<Receipt>(plain.clone()).unwrap(), receipt);
        let e = serde_json::from_value::<WithBytes<Receipt>>(plain.clone()).unwrap_err().to_string();
        assert!(e.contains("missing field `bytes`"), "{e}");
        #[derive(Deserialize)]
        struct File {
            #[serde(deserialize_with = "bytes_optional")]
            receipt: Receipt,
        }
        for r in [json.clone(), plain] {
            let f: File = serde_json::from_value(serde_json::json!({ "receipt": r })).unwrap();
            assert_eq!(f.receipt, receipt);
        }
        // Bytes of another value, upper-case hex, trailing bytes, an unknown field: refused.
        let mut other = json.clone();
        other["leaf_index"] = 5.into();
        let e = serde_json::from_value::<WithBytes<Receipt>>(other).unwrap_err().to_string();
        assert!(e.contains("not the encoding of the object's fields"), "{e}");
        let mut upper = json.clone();
        upper["bytes"] = hex::encode_upper(receipt.to_bytes()).into();
        assert!(serde_json::from_value::<WithBytes<Receipt>>(upper).is_err());
        let mut trailing = json.clone();
        trailing["bytes"] = format!("{}00", hex::encode(receipt.to_bytes())).into();
        let e = serde_json::from_value::<WithBytes<Receipt>>(trailing).unwrap_err().to_string();
        assert!(e.contains("trailing"), "{e}");
        let mut unknown = json;
        unknown["extra"] = 1.into();
        assert!(serde_json::from_value::<WithBytes<Receipt>>(unknown).is_err());
        // A key given twice is refused (SPEC.md §1.2 (b)).
        let text = serde_json::to_string(&WithBytes(sth.clone())).unwrap();
        let twice = text.replacen('{', &format!("{{\"bytes\":\"{}\",", hex::encode(sth.to_bytes())), 1);
        assert!(serde_json::from_str::<WithBytes<SignedTreeHead>>(&twice).is_err());
        assert_eq!(serde_json::from_str::<WithBytes<SignedTreeHead>>(&text).unwrap().0, sth);
        let text = serde_json::to_string(&WithBytes(consistency.clone())).unwrap();
        assert_eq!(serde_json::from_str::<WithBytes<ConsistencyProof>>(&text).unwrap().0, consistency);
    }

    #[test]
    fn the_leaf_binds_the_acceptance_time() {
        let (id, bh) = (BallotId([5; 32]), [6; 32]);
        let t = 1_790_000_000u64;
        let data = leaf_data(&id, &bh, t);
        assert_eq!(data.len(), LEAF_DOMAIN.len() + 32 + 32 + 8);
        assert_eq!(&data[..LEAF_DOMAIN.len()], b"rv/log-leaf/v2");
        assert_eq!(&data[data.len() - 8..], &t.to_be_bytes());
        assert_ne!(leaf_hash(&id, &bh, t), leaf_hash(&id, &bh, t + 1));
        assert_ne!(leaf_hash(&id, &bh, t), leaf_hash(&id, &bh, 0));
        assert_eq!(leaf_hash(&id, &bh, t), leaf_hash(&id, &bh, t));
    }

    #[test]
    fn a_receipt_whose_time_was_altered_fails() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let fp = Fingerprint([4; 32]);
        let (id, bh, at) = (BallotId([5; 32]), [6; 32], 1_790_000_000u64);
        let mut t = LogTree::new();
        t.push([1; 32]);
        t.push(leaf_hash(&id, &bh, at));
        let root = t.root(2).unwrap();
        let body = ReceiptBody {
            fingerprint: fp,
            ballot_id: id,
            ballot_hash: bh,
            accepted_at: at,
            leaf_index: 1,
            tree_size: 2,
            root,
            timestamp: at * 1000,
        };
        let receipt = body.sign(&key, t.inclusion_proof(1, 2).unwrap());
        receipt.verify(&key.verifying_key(), &fp).unwrap();
        // Someone else changes the time: the signature no longer holds.
        let mut bad = receipt.clone();
        bad.accepted_at -= 3600;
        assert_eq!(bad.verify(&key.verifying_key(), &fp), Err(LogError::BadReceiptSignature));
        // The collector signs another time than the leaf's: the leaf is not in the root.
        let bad = ReceiptBody { accepted_at: at + 1, ..body }.sign(&key, t.inclusion_proof(1, 2).unwrap());
        assert_eq!(bad.verify(&key.verifying_key(), &fp), Err(LogError::InclusionFailed));
        // The time is in the signed bytes, right after the ballot hash.
        let msg = body.signed_message();
        let at_offset = RECEIPT_DOMAIN.len() + 32 + 32 + 32;
        assert_eq!(&msg[..RECEIPT_DOMAIN.len()], b"rv/receipt/v2");
        assert_eq!(&msg[at_offset..at_offset + 8], &at.to_be_bytes());
    }
}

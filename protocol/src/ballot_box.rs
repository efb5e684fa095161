//! The ballot box: what the collector exports at the close and the tally starts from (SPEC.md §11.5).
//!
//! The box carries the election parameters, the collector's key, the credential registry, the final signed tree
//! head and every ballot in log order (re-votes included). [`BallotBox::check_log`] is check L7: the ballots are
//! numbered `0, 1, …`, each decodes, their leaves (eq. L-1) rebuild the final head's root and size, and the head is
//! signed by the collector key for this election. It says nothing of the ballots' signatures and proofs (§8.6),
//! which the tally checks in a batch.

use serde::{Deserialize, Serialize};

use crate::ballot::{decode_verifying_key, Ballot, CredentialKey, Election, ElectionParameters};
use crate::codec::Decode;
use crate::error::{DecodeError, ManifestError};
use crate::log::{ballot_hash, leaf_hash, LogError, LogTree, SignedTreeHead};
use crate::manifest::Fingerprint;
use crate::roles::{Role, RoleError};

/// `format` of a ballot box file.
pub const BALLOT_BOX_FORMAT: &str = "rv/ballot-box/v1";

/// One ballot of the box, in log order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxEntry {
    pub leaf_index: u64,
    /// Canonical ballot bytes (§8.2), hex.
    pub ballot: String,
}

/// The ballot box file (`collector export`), format `rv/ballot-box/v1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotBox {
    pub format: String,
    pub election: ElectionParameters,
    pub fingerprint: Fingerprint,
    /// The collector's Ed25519 public key.
    #[serde(with = "crate::group::bytes_hex")]
    pub collector_key: [u8; 32],
    /// The credential registry, sorted by bytes.
    pub credentials: Vec<CredentialKey>,
    pub final_tree_head: SignedTreeHead,
    pub ballots: Vec<BoxEntry>,
}

/// Why a ballot box does not hold (check L7).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoxError {
    #[error("unknown ballot box format `{0}`")]
    Format(String),
    #[error("the election parameters are invalid: {0}")]
    Election(ManifestError),
    #[error("the box's fingerprint is not the one its manifest and key give")]
    FingerprintMismatch,
    #[error("the collector key is not a valid Ed25519 key: {0}")]
    CollectorKey(DecodeError),
    #[error("the box is not the collector's: {0}")]
    NotTheCollector(RoleError),
    #[error("credentials {0} and its predecessor are not in ascending byte order (or repeat)")]
    RegistryNotSorted(usize),
    #[error("the box's credentials are not the manifest's registry: {0}")]
    Registry(RoleError),
    #[error("the final tree head: {0}")]
    TreeHead(LogError),
    #[error("ballot at position {position} has leaf index {found}: ballots must be numbered 0, 1, … in log order")]
    LeafIndex { position: u64, found: u64 },
    #[error("ballot at leaf {leaf}: not hex")]
    BallotHex { leaf: u64 },
    #[error("ballot at leaf {leaf}: {source}")]
    BallotDecode { leaf: u64, source: DecodeError },
    #[error("the box holds {ballots} ballots, the final tree head says {head}")]
    SizeMismatch { ballots: u64, head: u64 },
    #[error("the ballots' leaves do not give the final tree head's root (a ballot was changed, added or dropped)")]
    RootMismatch,
    #[error(
        "the ballot at leaf {leaf} repeats the ballot at leaf {first} (id {id}): the collector never appends a \
         ballot already in the log (§11.7), so a repeat is a replay"
    )]
    Replayed { leaf: u64, first: u64, id: String },
}

/// A decoded ballot with its place in the log and the hash of its canonical bytes.
#[derive(Debug, Clone)]
pub struct LoggedBallot {
    pub leaf_index: u64,
    pub ballot: Ballot,
    pub hash: [u8; 32],
}

impl AsRef<crate::Ballot> for LoggedBallot {
    fn as_ref(&self) -> &crate::Ballot {
        &self.ballot
    }
}

impl BallotBox {
    /// The election the box is for, with its fingerprint recomputed.
    pub fn election(&self) -> Result<Election, BoxError> {
        Election::new(self.election.manifest.clone(), self.election.public_key).map_err(BoxError::Election)
    }

    /// Check L9 (SPEC.md §11.4): the box's credentials are exactly the registry the manifest names (eq. (4.5-1)),
    /// in ascending byte order without repeats.
    pub fn check_registry(&self, election: &Election) -> Result<(), BoxError> {
        if let Some(i) = self.credentials.windows(2).position(|w| w[0].as_bytes() >= w[1].as_bytes()) {
            return Err(BoxError::RegistryNotSorted(i + 1));
        }
        election.manifest().roles.registry.check(&self.credentials).map_err(BoxError::Registry)
    }

    /// Check L7 (SPEC.md §11.4): format, fingerprint, collector key, the head's signature (L1, L6), and that the
    /// ballots, in order, rebuild the head's tree, and that no ballot id repeats. Returns the decoded ballots in log order. Decoding runs over all
    /// cores natively.
    pub fn check_log(&self, election: &Election) -> Result<Vec<LoggedBallot>, BoxError> {
        if self.format != BALLOT_BOX_FORMAT {
            return Err(BoxError::Format(self.format.clone()));
        }
        if self.fingerprint != *election.fingerprint() {
            return Err(BoxError::FingerprintMismatch);
        }
        let key = decode_verifying_key(&self.collector_key, "collector key").map_err(BoxError::CollectorKey)?;
        election.manifest().roles.check(Role::Collector, &key).map_err(BoxError::NotTheCollector)?;
        self.final_tree_head.verify(&key, election.fingerprint()).map_err(BoxError::TreeHead)?;
        for (position, entry) in self.ballots.iter().enumerate() {
            if entry.leaf_index != position as u64 {
                return Err(BoxError::LeafIndex { position: position as u64, found: entry.leaf_index });
            }
        }
        let decode = |entry: &BoxEntry| -> Result<LoggedBallot, BoxError> {
            let leaf = entry.leaf_index;
            let bytes = hex::decode(&entry.ballot).map_err(|_| BoxError::BallotHex { leaf })?;
            let ballot = Ballot::from_bytes(&bytes).map_err(|source| BoxError::BallotDecode { leaf, source })?;
            Ok(LoggedBallot { leaf_index: leaf, hash: ballot_hash(&bytes), ballot })
        };
        #[cfg(not(target_arch = "wasm32"))]
        let ballots: Vec<LoggedBallot> = {
            use rayon::prelude::*;
            self.ballots.par_iter().map(decode).collect::<Result<_, _>>()?
        };
        #[cfg(target_arch = "wasm32")]
        let ballots: Vec<LoggedBallot> = self.ballots.iter().map(decode).collect::<Result<_, _>>()?;
        let size = ballots.len() as u64;
        if size != self.final_tree_head.tree_size {
            return Err(BoxError::SizeMismatch { ballots: size, head: self.final_tree_head.tree_size });
        }
        let mut tree = LogTree::new();
        for b in &ballots {
            tree.push(leaf_hash(&b.ballot.id(), &b.hash));
        }
        if tree.root(size) != Some(self.final_tree_head.root) {
            return Err(BoxError::RootMismatch);
        }
        let mut seen = std::collections::BTreeMap::new();
        for b in &ballots {
            if let Some(first) = seen.insert(b.ballot.id(), b.leaf_index) {
                return Err(BoxError::Replayed { leaf: b.leaf_index, first, id: b.ballot.id().to_hex() });
            }
        }
        Ok(ballots)
    }
}

//! The ballot box: what the collector exports at the close and the tally starts from (SPEC.md §11.5).
//!
//! The box carries the election parameters, the collector's key, the credential registry, the final signed tree
//! head and every ballot in log order (re-votes included), each with the second the collector accepted it.
//! [`BallotBox::check_log`] is check L7: the ballots are numbered `0, 1, …`, each decodes, their leaves (eq. LG1,
//! which bind the acceptance time) rebuild the final head's root and size, the head is signed by the collector key
//! for this election, every acceptance time is inside the voting period and none goes back. It says nothing of the ballots' signatures and proofs (§8.6),
//! which the tally checks in a batch.

use serde::{Deserialize, Serialize};

use crate::ballot::{Ballot, BallotId};
use crate::codec::Decode;
use crate::credential::{decode_verifying_key, CredentialKey, RegisteredKey};
use crate::election::{Election, ElectionParameters};
use crate::error::{DecodeError, ManifestError};
use crate::fingerprint::Fingerprint;
use crate::log::{ballot_hash, change_leaf_hash, leaf_hash, Frontier, Hash, LogError, SignedTreeHead};
use crate::manifest::{Manifest, Period};
use crate::roles::{Role, RoleError};
use crate::shuffle::stream::MemorySink;
use crate::spill::{NewScratch, SpillSort};
use crate::voter_list::{Action, ChangeError, VoterListChange};
use std::collections::BTreeMap;
use std::ops::Range;

/// `format` of a ballot box file.
pub const BALLOT_BOX_FORMAT: &str = "rv/ballot-box/v2";

/// One ballot of the box, in log order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxEntry {
    /// The ballot's position in the log; the box numbers them `0, 1, …` (check L7).
    pub leaf_index: u64,
    /// The second the collector accepted the ballot (since the Unix epoch, UTC), as in its leaf (eq. LG1).
    pub accepted_at: u64,
    /// Canonical ballot bytes (§8.2), hex.
    pub ballot: String,
}

impl BoxEntry {
    /// The entry's ballot, decoded (§8.2, every point checked), with its position, time and hash (eq. L-0). The
    /// one decoder of a box's ballots: L7 decodes every entry with it, and the in-browser verifier's helpers the
    /// entries of their share.
    pub fn decode(&self) -> Result<LoggedBallot, BoxError> {
        self.read().map(|(logged, _)| logged)
    }

    /// The entry decoded with its canonical bytes.
    fn read(&self) -> Result<(LoggedBallot, Vec<u8>), BoxError> {
        let leaf = self.leaf_index;
        let bytes = crate::group::hex_vec(&self.ballot, "ballot").map_err(|_| BoxError::BallotHex { leaf })?;
        let ballot = Ballot::from_bytes(&bytes).map_err(|source| BoxError::BallotDecode { leaf, source })?;
        let logged =
            LoggedBallot { leaf_index: leaf, accepted_at: self.accepted_at, hash: ballot_hash(&bytes), ballot };
        Ok((logged, bytes))
    }
}

/// One voter-list change of the box (SPEC.md §4.7), in log order: the log's entry of a change.
pub use crate::log::ChangeEntry;

/// The ballot box file (`collector export`), format `rv/ballot-box/v2`, its entries held as read (hex).
pub type BallotBox = BallotBoxOf<Vec<BoxEntry>>;

/// A ballot box file whose entries are decoded as they are parsed ([`DecodedEntries`]): how the tally and
/// `verifier verify` read a box of millions of ballots without holding its text.
pub type StreamedBox<S> = BallotBoxOf<DecodedEntries<S>, StoredKeys<S>>;

/// The ballot box file (SPEC.md §11.5), its `ballots` held as `E`: as read ([`BallotBox`]), or decoded as parsed
/// ([`StreamedBox`]). One layout, one set of checks (L7, L9, L11) for both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "E: Deserialize<'de>, K: RegistryKeys"))]
pub struct BallotBoxOf<E, K = Vec<RegisteredKey>> {
    /// Must be [`BALLOT_BOX_FORMAT`].
    pub format: String,
    /// The election parameters: the manifest and the election public key (SPEC.md §8.8).
    pub election: ElectionParameters,
    /// The election fingerprint, which must be the one the parameters give (SPEC.md §4.4).
    pub fingerprint: Fingerprint,
    /// The collector's Ed25519 public key.
    #[serde(with = "crate::group::bytes_hex")]
    pub collector_key: [u8; 32],
    /// The credential registry, sorted by bytes (each key checked as it is parsed, B0): held, or in a scratch
    /// store as it is parsed ([`StoredKeys`]).
    #[serde(deserialize_with = "<K as RegistryKeys>::read")]
    pub credentials: K,
    /// With districts only: the district (index in the manifest) of each credential, in the order of
    /// `credentials` (SPEC.md §11.5); absent without districts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub districts: Vec<u16>,
    /// The collector's last signed tree head, signed at `collector close` (SPEC.md §11.2).
    pub final_tree_head: SignedTreeHead,
    /// Every ballot the log holds, re-votes included, in log order.
    pub ballots: E,
    /// Every voter-list change the log holds (SPEC.md §4.7), in log order; absent if there is none. With them
    /// the ballots' leaf indices skip the changes' leaves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeEntry>,
}

/// Why a ballot box does not hold (check L7).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoxError {
    /// The `format` is not [`BALLOT_BOX_FORMAT`].
    #[error("unknown ballot box format `{0}`")]
    Format(String),
    /// The manifest in `election` is invalid (SPEC.md §4.3).
    #[error("the election parameters are invalid: {0}")]
    Election(ManifestError),
    /// `fingerprint` is not the one the box's manifest and public key give.
    #[error("the box's fingerprint is not the one its manifest and key give")]
    FingerprintMismatch,
    /// `collector_key` is not a valid Ed25519 public key.
    #[error("the collector key is not a valid Ed25519 key: {0}")]
    CollectorKey(DecodeError),
    /// `collector_key` is not the manifest's `roles.collector_key` (SPEC.md §4.5).
    #[error("the box is not the collector's: {0}")]
    NotTheCollector(RoleError),
    /// L9: the credentials are not in ascending byte order without repeats; the number is the first offender's position.
    #[error("credentials {0} and its predecessor are not in ascending byte order (or repeat)")]
    RegistryNotSorted(usize),
    /// L9: the credentials are not the registry the manifest names (eq. (4.5-1)).
    #[error("the box's credentials are not the manifest's registry: {0}")]
    Registry(RoleError),
    /// L9: `districts` does not give one existing district per credential (or is present without districts).
    #[error("the box's districts: {0}")]
    Districts(String),
    /// The final tree head fails L1 or L6.
    #[error("the final tree head: {0}")]
    TreeHead(LogError),
    #[error(
        "no ballot or change of the box has leaf index {position} (the next one has {found}): ballots and changes \
         together must be numbered 0, 1, … in log order, each list ascending"
    )]
    /// The ballots' and changes' `leaf_index` are not `0, 1, …` together, each list ascending.
    LeafIndex {
        /// The leaf expected next.
        position: u64,
        /// The lowest `leaf_index` found instead (`u64::MAX` if none is left).
        found: u64,
    },
    #[error("the change at leaf {leaf}: not lower-case hexadecimal (SPEC.md §1.2)")]
    /// A change is not lower-case hex.
    ChangeHex {
        /// The change's leaf index.
        leaf: u64,
    },
    #[error("the voter-list change at leaf {leaf} (L11): {error}")]
    /// L11: a change does not decode, is not the officials', is out of order or does not apply.
    Change {
        /// The change's leaf index.
        leaf: u64,
        /// Why.
        error: ChangeError,
    },
    #[error("ballot at leaf {leaf}: not lower-case hexadecimal (SPEC.md §1.2)")]
    /// A ballot is not lower-case hex (SPEC.md §1.2).
    BallotHex {
        /// The ballot's leaf index.
        leaf: u64,
    },
    #[error("ballot at leaf {leaf}: {source}")]
    /// A ballot's bytes do not decode (SPEC.md §8.2).
    BallotDecode {
        /// The ballot's leaf index.
        leaf: u64,
        /// Why it does not decode.
        source: DecodeError,
    },
    #[error("the box holds {ballots} ballots and changes, the final tree head says {head}")]
    /// The number of ballots and changes is not the final tree head's size.
    SizeMismatch {
        /// The number of ballots and changes in the box.
        ballots: u64,
        /// The final head's `tree_size`.
        head: u64,
    },
    /// The store of the box's decoded ballots (a scratch file natively) could not be written or read back.
    #[error("the scratch store of the box's ballots: {0} (is the temporary directory's disk full?)")]
    Store(String),
    /// The ballots' leaves do not give the final tree head's root: a ballot was changed, added or dropped.
    #[error("the ballots' leaves do not give the final tree head's root (a ballot was changed, added or dropped)")]
    RootMismatch,
    #[error(
        "the ballot at leaf {leaf} repeats the ballot at leaf {first} (id {id}): the collector never appends a \
         ballot already in the log (§11.7), so a repeat is a replay"
    )]
    /// A ballot id appears twice: a replay (SPEC.md §11.7).
    Replayed {
        /// The leaf of the repeat.
        leaf: u64,
        /// The leaf of the first occurrence.
        first: u64,
        /// The ballot id, in hex.
        id: String,
    },
    #[error(
        "the ballot at leaf {leaf} was accepted at {} ({accepted_at} s), outside the voting period {} … {} (the \
         manifest's voting_period, bounds included)",
        crate::manifest::format_time(*.accepted_at),
        crate::manifest::format_time(*.opens_at),
        crate::manifest::format_time(*.closes_at)
    )]
    /// A ballot was accepted outside the manifest's voting period, bounds included (L7).
    OutsidePeriod {
        /// The ballot's leaf index.
        leaf: u64,
        /// Its acceptance time, in seconds since the Unix epoch (UTC).
        accepted_at: u64,
        /// The period's start, in seconds.
        opens_at: u64,
        /// The period's end, in seconds.
        closes_at: u64,
    },
    #[error(
        "the ballot at leaf {leaf} was accepted at {accepted_at} s, before the ballot at the previous leaf \
         ({previous} s): the log's times go back"
    )]
    /// A ballot was accepted before the ballot at the previous leaf (L7).
    TimeGoesBack {
        /// The ballot's leaf index.
        leaf: u64,
        /// Its acceptance time, in seconds.
        accepted_at: u64,
        /// The previous leaf's acceptance time, in seconds.
        previous: u64,
    },
    #[error(
        "the final tree head is dated {head_ms} ms, before the ballot at leaf {leaf} was accepted ({accepted_at} s)"
    )]
    /// The final tree head is dated before the last ballot was accepted (L7).
    HeadBeforeLastBallot {
        /// The head's timestamp, in milliseconds since the Unix epoch (UTC).
        head_ms: u64,
        /// The last ballot's leaf index.
        leaf: u64,
        /// The last ballot's acceptance time, in seconds.
        accepted_at: u64,
    },
}

/// One entry of the public credential list (`credentials.json`, SPEC.md §4.5.1): a key in hex, or, in an election
/// with districts, `{"key": hex, "district": id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CredentialEntry {
    /// A key, in an election without districts.
    Key(CredentialKey),
    /// A key and its district's id.
    InDistrict {
        /// The credential key.
        key: CredentialKey,
        /// The id of the voter's district (the manifest's `districts`).
        district: String,
    },
}

impl CredentialEntry {
    /// The entry's key.
    pub fn key(&self) -> CredentialKey {
        match self {
            CredentialEntry::Key(k) | CredentialEntry::InDistrict { key: k, .. } => *k,
        }
    }
}

/// The voter list: every credential key, sorted by bytes, and, with districts, each one's district. R1 asks it
/// whether a ballot's credential is registered, and in which district (SPEC.md §14.3).
///
/// The list may change while the election is open (SPEC.md §4.7): [`Electorate::apply`] replays the officials'
/// changes in log order (check L11), and [`Electorate::lookup`] answers for a ballot at a given leaf, with every
/// change at a lower leaf applied.
#[derive(Debug, Clone, Default)]
pub struct Electorate {
    /// The keys when voting opened (the manifest's registry), sorted by bytes without repeats.
    keys: KeyTable,
    /// Parallel to `keys`; empty without districts.
    districts: Vec<u16>,
    /// The changes replayed, by credential: each change's leaf, action and the credential's standing after it
    /// (`None`: not on the list; `Some(district)`), in log order.
    history: BTreeMap<[u8; 32], (CredentialKey, Vec<ChangeAt>)>,
    /// The number of changes replayed.
    changes: u32,
}

/// A change of one credential's standing: the change's leaf, its action, and the standing after it.
type ChangeAt = (u64, Action, Standing);

/// A credential's standing on the voter list: `None` if it is not on it, else its district (`None` without
/// districts).
pub type Standing = Option<Option<u16>>;

impl Electorate {
    /// A voter list from keys sorted by bytes, with their districts (parallel; empty without districts).
    pub fn new(keys: Vec<RegisteredKey>, districts: Vec<u16>) -> Self {
        Self::of_table(KeyTable::Held(keys), districts)
    }

    /// A voter list of keys held or stored ([`RegistryKeys::table`]).
    fn of_table(keys: KeyTable, districts: Vec<u16>) -> Self {
        Electorate { keys, districts, history: BTreeMap::new(), changes: 0 }
    }

    /// The keys when voting opened, sorted by bytes, if they are held (a list read whole, or made by the officials
    /// or the collector); `None` for a box's list read as it was parsed, whose keys are in a scratch store.
    pub fn keys(&self) -> Option<&[RegisteredKey]> {
        match &self.keys {
            KeyTable::Held(keys) => Some(keys),
            KeyTable::Stored(_) => None,
        }
    }

    /// The number of changes replayed ([`Electorate::apply`]).
    pub fn change_count(&self) -> u32 {
        self.changes
    }

    /// Check L11 for one change, the next in log order, at `leaf`: its number is the number of changes before
    /// it, and it applies to the list as it stands: an add of a credential not on the list (to a district the
    /// manifest declares, with districts), a remove of one on it, a move of one on it to another district. The
    /// caller has checked the election and the signature ([`VoterListChange::verify`]). On success the change is
    /// part of the list from the next leaf on.
    pub fn apply(&mut self, manifest: &Manifest, change: &VoterListChange, leaf: u64) -> Result<(), ChangeError> {
        if change.seq != self.changes {
            return Err(ChangeError::OutOfOrder { found: change.seq, expected: self.changes });
        }
        let district = change.new_district(manifest)?;
        let key = &change.credential;
        let now = self.lookup(key.as_bytes(), u64::MAX).map_err(|e| ChangeError::List(e.to_string()))?;
        let after = match (change.action, now) {
            (Action::Add, None) => Some(district),
            (Action::Add, Some(_)) => return Err(ChangeError::AlreadyRegistered(key.to_hex())),
            (Action::Remove | Action::Move, None) => return Err(ChangeError::NotRegistered(key.to_hex())),
            (Action::Remove, Some(_)) => None,
            (Action::Move, Some(old)) if old == district => {
                return Err(ChangeError::MoveToSameDistrict { credential: key.to_hex(), district: change.district })
            }
            (Action::Move, Some(_)) => Some(district),
        };
        self.history.entry(*key.as_bytes()).or_insert_with(|| (*key, Vec::new())).1.push((leaf, change.action, after));
        self.changes += 1;
        Ok(())
    }

    /// The first change after `leaf` that removes `key` from the list or moves it (R3: the ballot at `leaf`
    /// no longer counts), as that change's leaf, with the key.
    pub fn cancelled_after(&self, key: &[u8; 32], leaf: u64) -> Option<(u64, CredentialKey)> {
        let (credential, changes) = self.history.get(key)?;
        changes
            .iter()
            .find(|(at, action, _)| *at > leaf && matches!(action, Action::Remove | Action::Move))
            .map(|(at, _, _)| (*at, *credential))
    }

    /// The voter list of the public credential list (`credentials.json`, SPEC.md §4.5.1) for `manifest`: sorted by
    /// key bytes, each key's district id turned into its index. Refused: a key twice, a district the manifest does
    /// not declare, a key without district in an election with districts, or with one in an election without.
    pub fn from_list(manifest: &Manifest, list: &[CredentialEntry]) -> Result<Self, String> {
        let mut entries: Vec<(CredentialKey, Option<u16>)> = Vec::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            let district = match (e, manifest.has_districts()) {
                (CredentialEntry::Key(_), false) => None,
                (CredentialEntry::Key(k), true) => {
                    return Err(format!(
                        "credential {i} ({}) has no district, and the election has districts: write it as \
                         {{\"key\": …, \"district\": …}}",
                        k.to_hex()
                    ))
                }
                (CredentialEntry::InDistrict { district, .. }, false) => {
                    return Err(format!(
                        "credential {i} is in district `{district}`, and the election has no districts"
                    ))
                }
                (CredentialEntry::InDistrict { district, .. }, true) => {
                    Some(manifest.district_index(district).ok_or_else(|| {
                        format!("credential {i} is in district `{district}`, which the manifest does not declare")
                    })?)
                }
            };
            entries.push((e.key(), district));
        }
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!("credential {} is listed twice", w[0].0.to_hex()));
        }
        let keys = entries.iter().map(|e| RegisteredKey::from(e.0)).collect();
        let districts = entries.iter().filter_map(|e| e.1).collect();
        Ok(Electorate::new(keys, districts))
    }

    /// The districts, parallel to [`Electorate::keys`]; empty without districts.
    pub fn districts(&self) -> &[u16] {
        &self.districts
    }

    /// The registry the manifest names for this voter list (eq. (4.5-1), or (4.5-2) with districts).
    pub fn registry(&self) -> Result<crate::roles::Registry, BoxError> {
        let digest = match &self.keys {
            KeyTable::Held(keys) => crate::roles::registry_digest_with(keys, &self.districts),
            KeyTable::Stored(keys) => keys.digest(&self.districts)?,
        };
        Ok(crate::roles::Registry { count: self.keys.len() as u32, digest })
    }

    /// The standing of `key` for a ballot at `leaf`, every change at a lower leaf applied (`u64::MAX`: the list
    /// at the close): `None` if `key` is not on the list; else its district (`None` without districts).
    /// An error only if the keys are in a scratch store that cannot be read back.
    pub fn lookup(&self, key: &[u8; 32], leaf: u64) -> Result<Standing, BoxError> {
        if let Some((_, changes)) = self.history.get(key) {
            if let Some((_, _, standing)) = changes.iter().rev().find(|(at, _, _)| *at < leaf) {
                return Ok(*standing);
            }
        }
        Ok(self.keys.position(key)?.map(|i| self.districts.get(i).copied()))
    }
}

/// The keys of a voter list when voting opened, sorted by bytes: held, or in a scratch store ([`KeyStore`]).
#[derive(Debug, Clone)]
pub enum KeyTable {
    /// In memory.
    Held(Vec<RegisteredKey>),
    /// In a scratch store, with an index.
    Stored(KeyStore),
}

impl Default for KeyTable {
    fn default() -> Self {
        KeyTable::Held(Vec::new())
    }
}

impl KeyTable {
    fn len(&self) -> usize {
        match self {
            KeyTable::Held(keys) => keys.len(),
            KeyTable::Stored(keys) => keys.count,
        }
    }

    /// The place of `key`, if it is one of the keys.
    fn position(&self, key: &[u8; 32]) -> Result<Option<usize>, BoxError> {
        match self {
            KeyTable::Held(keys) => Ok(keys.binary_search_by(|k| k.as_bytes().cmp(key)).ok()),
            KeyTable::Stored(keys) => keys.position(key),
        }
    }
}

/// Keys a block of a stored registry holds: the index holds each block's first key (32 bytes for 128 keys).
const KEY_BLOCK: usize = 128;

/// A registry's keys in a scratch store, 32 bytes each in the box's order, with the first key of each block of
/// [`KEY_BLOCK`] held: a key is found by a binary search of the index, then of its block, read at once (4 KiB).
#[derive(Clone)]
pub struct KeyStore {
    /// Shared by the copies of a voter list (the store is not written once the box is read).
    store: std::sync::Arc<dyn BallotStore>,
    count: usize,
    index: Vec<[u8; 32]>,
    /// The first position whose key is not above the one before it (L9), if any.
    unsorted: Option<usize>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyStore({} keys)", self.count)
    }
}

impl KeyStore {
    /// Keys `range`, read back.
    fn read(&self, range: Range<usize>) -> Result<Vec<[u8; 32]>, BoxError> {
        let mut bytes = vec![0u8; range.len() * 32];
        self.store.read_at(range.start as u64 * 32, &mut bytes)?;
        Ok(bytes
            .chunks_exact(32)
            .map(|c| {
                let mut k = [0u8; 32];
                k.copy_from_slice(c);
                k
            })
            .collect())
    }

    /// The place of `key` (the keys sorted: L9 refuses the box otherwise, before any lookup).
    fn position(&self, key: &[u8; 32]) -> Result<Option<usize>, BoxError> {
        let Some(block) = self.index.partition_point(|first| first <= key).checked_sub(1) else { return Ok(None) };
        let start = block * KEY_BLOCK;
        let keys = self.read(start..(start + KEY_BLOCK).min(self.count))?;
        Ok(keys.binary_search(key).ok().map(|i| start + i))
    }

    /// Eq. (4.5-1), or (4.5-2) with `districts`, over the keys read back in order.
    fn digest(&self, districts: &[u16]) -> Result<[u8; 32], BoxError> {
        let mut h = crate::roles::RegistryHasher::new(self.count, !districts.is_empty());
        for start in (0..self.count).step_by(RECORD_BATCH) {
            for (i, k) in self.read(start..(start + RECORD_BATCH).min(self.count))?.iter().enumerate() {
                h.push(k, districts.get(start + i).copied());
            }
        }
        Ok(h.finish())
    }
}

/// A box's registry as [`BallotBoxOf`] holds it: held ([`BallotBox`]), or written to a scratch store of type `S`
/// as it is parsed ([`StreamedBox`], [`StoredKeys`]). L9 asks it its count, order and digest.
pub trait RegistryKeys: Default + Sized {
    /// The box's `credentials`, read (each key checked, B0).
    fn read<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    /// The number of keys.
    fn count(&self) -> usize;
    /// L9's order: the first position whose key is not above the one before it, if any.
    fn first_unsorted(&self) -> Option<usize>;
    /// Eq. (4.5-1), or (4.5-2) with `districts`.
    fn digest(&self, districts: &[u16]) -> Result<[u8; 32], BoxError>;
    /// The keys as a voter list holds them.
    fn table(self) -> KeyTable;
}

impl RegistryKeys for Vec<RegisteredKey> {
    fn read<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::credential::registry(d)
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn first_unsorted(&self) -> Option<usize> {
        self.windows(2).position(|w| w[0].as_bytes() >= w[1].as_bytes()).map(|i| i + 1)
    }
    fn digest(&self, districts: &[u16]) -> Result<[u8; 32], BoxError> {
        Ok(crate::roles::registry_digest_with(self, districts))
    }
    fn table(self) -> KeyTable {
        KeyTable::Held(self)
    }
}

/// A box's registry written to a scratch store of type `S` as it is parsed ([`KeyStore`]): what `verifier verify`,
/// `prepare` and a trustee's check read, so that a registry of 5·10⁷ keys is not held (1.6 GB).
pub struct StoredKeys<S> {
    keys: Option<KeyStore>,
    store: std::marker::PhantomData<S>,
}

impl<S> Default for StoredKeys<S> {
    fn default() -> Self {
        StoredKeys { keys: None, store: std::marker::PhantomData }
    }
}

impl<S> std::fmt::Debug for StoredKeys<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredKeys({:?})", self.keys)
    }
}

impl<S: NewStore> RegistryKeys for StoredKeys<S> {
    fn read<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let store = new_store::<S>().map_err(|e| {
            serde::de::Error::custom(format!("cannot make a scratch store for the box's registry: {e}"))
        })?;
        let mut keys = KeyStore { store: store.into(), count: 0, index: Vec::new(), unsorted: None };
        let mut last: Option<[u8; 32]> = None;
        crate::credential::read_registry(d, &mut |batch| {
            let mut bytes = Vec::with_capacity(32 * batch.len());
            for (i, k) in batch.iter().enumerate() {
                let (at, k) = (keys.count + i, *k.as_bytes());
                if keys.unsorted.is_none() && last.is_some_and(|l| l >= k) {
                    keys.unsorted = Some(at);
                }
                if at % KEY_BLOCK == 0 {
                    keys.index.push(k);
                }
                last = Some(k);
                bytes.extend_from_slice(&k);
            }
            keys.store
                .write_at(keys.count as u64 * 32, &bytes)
                .map_err(|e| format!("cannot write the box's registry to a scratch store: {e}"))?;
            keys.count += batch.len();
            Ok(())
        })?;
        Ok(StoredKeys { keys: Some(keys), store: std::marker::PhantomData })
    }
    fn count(&self) -> usize {
        self.keys.as_ref().map_or(0, |k| k.count)
    }
    fn first_unsorted(&self) -> Option<usize> {
        self.keys.as_ref().and_then(|k| k.unsorted)
    }
    fn digest(&self, districts: &[u16]) -> Result<[u8; 32], BoxError> {
        match &self.keys {
            Some(keys) => keys.digest(districts),
            None => Ok(crate::roles::registry_digest_with::<RegisteredKey>(&[], districts)),
        }
    }
    fn table(self) -> KeyTable {
        match self.keys {
            Some(keys) => KeyTable::Stored(keys),
            None => KeyTable::default(),
        }
    }
}

/// A decoded ballot with its place in the log and the hash of its canonical bytes.
#[derive(Debug, Clone)]
pub struct LoggedBallot {
    /// The ballot's position in the log (0-based).
    pub leaf_index: u64,
    /// Seconds since the Unix epoch (UTC), from the ballot's leaf.
    pub accepted_at: u64,
    /// The decoded ballot.
    pub ballot: Ballot,
    /// SHA-256 of the ballot's canonical bytes (eq. L-0).
    pub hash: [u8; 32],
}

impl LoggedBallot {
    /// The ballot's leaf (eq. LG1).
    pub fn leaf_hash(&self) -> crate::log::Hash {
        leaf_hash(&self.ballot.id(), &self.hash, self.accepted_at)
    }
}

/// A ballot of the box as L7 checked it, held compactly: what R1's registry check, squash and revoke read (its
/// place, time, credential and district; 64 bytes: its id and hash are computed again from its bytes where they are
/// needed, [`Ballots::leaves`], [`Ballots::leaf_at`]) and where its canonical
/// bytes (§8.2) lie in the box's store ([`Ballots`]), read and decoded again where the whole ballot is needed (R1's
/// signatures and proofs, R4's ciphertexts), a chunk at a time. A box of millions of ballots is held neither
/// decoded nor as bytes: the bytes are in a scratch file natively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxBallot {
    /// The ballot's position in the log (0-based).
    pub leaf_index: u64,
    /// Seconds since the Unix epoch (UTC), from the ballot's leaf.
    pub accepted_at: u64,
    /// The bytes of the credential key that signed it (the key decoded and checked when L7 decoded the ballot).
    pub credential: [u8; 32],
    /// The ballot's district, with districts.
    pub district: Option<u16>,
    /// The offset of its canonical bytes in the store.
    at: u64,
    /// Their length.
    len: u32,
}

impl BoxBallot {
    /// The encoded ciphertexts of the ballot's contest at position `at` on the ballot (§8.2: its `u32` count is
    /// skipped, then `count` × 64 bytes, each `A ‖ B`), sliced from the canonical bytes `b`: version (1),
    /// fingerprint (32), credential (32), district (2, version 2 only), `u32` number of contests, then each
    /// contest's sequence. Their points were checked when L7 decoded the ballot, so R4 copies them without
    /// decoding.
    pub fn contest_bytes<'a>(&self, b: &'a [u8], at: usize) -> Option<&'a [u8]> {
        let u32_at = |pos: usize| -> Option<usize> {
            Some(u32::from_be_bytes(b.get(pos..pos.checked_add(4)?)?.try_into().ok()?) as usize)
        };
        let mut pos = 1 + 32 + 32 + if self.district.is_some() { 2 } else { 0 };
        if at >= u32_at(pos)? {
            return None;
        }
        pos += 4;
        for j in 0..=at {
            let len = u32_at(pos)?.checked_mul(64)?;
            pos += 4;
            if j == at {
                return b.get(pos..pos.checked_add(len)?);
            }
            pos = pos.checked_add(len)?;
        }
        None
    }
}

pub use crate::spill::BallotStore;

/// A store that [`DecodedEntries`] makes for itself as it starts to parse a box.
pub trait NewStore: BallotStore + Sized + 'static {
    /// A new, empty store.
    fn create() -> std::io::Result<Self>;
}

impl NewStore for MemorySink {
    fn create() -> std::io::Result<Self> {
        Ok(MemorySink::new())
    }
}

/// A box's ballots as L7 decoded them, in log order: each one's [`BoxBallot`] as a 64-byte record in one store
/// and its canonical bytes, one after the other, in another ([`BallotStore`]s: scratch files natively). Neither
/// is held in memory beyond a batch of records not yet written: R1–R4 read the records a chunk at a time
/// ([`Ballots::chunks`]), so a box of 5·10⁷ ballots costs memory only where a check sorts (R2, L7's ids).
pub struct Ballots {
    /// The records written, [`RECORD`] bytes each, ballot `i`'s at `RECORD·i`.
    records: Box<dyn BallotStore>,
    /// Records written to `records`.
    written: usize,
    /// The ballots after them, not yet written: fewer than `batch`.
    tail: Vec<BoxBallot>,
    /// Records written at a time.
    batch: usize,
    store: Box<dyn BallotStore>,
    end: u64,
    /// Makes the scratch stores of the sorts (L7's ids, R2's credentials).
    scratch: NewScratch,
    /// Items a sort holds in memory before it writes a run ([`SORT_BUDGET`]).
    sort_budget: usize,
}

impl std::fmt::Debug for Ballots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ballots({} ballots, {} bytes stored)", self.len(), self.end)
    }
}

/// Bytes of a ballot's record ([`BoxBallot::record`]).
const RECORD: usize = 64;
/// Records written, and read by [`Ballots::chunks`]'s callers, at a time.
pub const RECORD_BATCH: usize = 4096;

/// Items (16 bytes each in memory) that L7's and R2's sorts hold before they write sorted runs to a scratch store
/// and merge them ([`SpillSort`]): 16 MiB, reached at about 10⁶ ballots.
pub const SORT_BUDGET: usize = 1 << 20;

/// A new store of type `S`, boxed: what [`Ballots`] makes its stores with.
fn new_store<S: NewStore>() -> std::io::Result<Box<dyn BallotStore>> {
    S::create().map(|s| Box::new(s) as Box<dyn BallotStore>)
}

impl BoxBallot {
    /// Its record: leaf index (8, big-endian), time (8), credential (32), `0` or `1` then the district (1 + 2),
    /// the offset (8) and length (4) of its bytes in the store, one zero byte: [`RECORD`] bytes.
    fn record(&self) -> [u8; RECORD] {
        let mut r = [0u8; RECORD];
        r[0..8].copy_from_slice(&self.leaf_index.to_be_bytes());
        r[8..16].copy_from_slice(&self.accepted_at.to_be_bytes());
        r[16..48].copy_from_slice(&self.credential);
        if let Some(d) = self.district {
            r[48] = 1;
            r[49..51].copy_from_slice(&d.to_be_bytes());
        }
        r[51..59].copy_from_slice(&self.at.to_be_bytes());
        r[59..63].copy_from_slice(&self.len.to_be_bytes());
        r
    }

    /// The ballot of a record ([`BoxBallot::record`]): `r` is [`RECORD`] bytes.
    fn of_record(r: &[u8]) -> Self {
        fn bytes<const N: usize>(r: &[u8], at: usize) -> [u8; N] {
            let mut b = [0u8; N];
            b.copy_from_slice(&r[at..at + N]);
            b
        }
        BoxBallot {
            leaf_index: u64::from_be_bytes(bytes(r, 0)),
            accepted_at: u64::from_be_bytes(bytes(r, 8)),
            credential: bytes(r, 16),
            district: (r[48] == 1).then(|| u16::from_be_bytes(bytes(r, 49))),
            at: u64::from_be_bytes(bytes(r, 51)),
            len: u32::from_be_bytes(bytes(r, 59)),
        }
    }
}

impl Ballots {
    /// No ballots yet, their records and bytes to go to stores of type `S`, as the sorts' runs.
    pub fn new<S: NewStore>() -> std::io::Result<Self> {
        let (records, store) = (new_store::<S>()?, new_store::<S>()?);
        let batch = RECORD_BATCH;
        Ok(Ballots {
            records,
            written: 0,
            tail: Vec::new(),
            batch,
            store,
            end: 0,
            scratch: new_store::<S>,
            sort_budget: SORT_BUDGET,
        })
    }

    /// No ballots yet, their records and bytes kept in memory.
    pub fn in_memory() -> Self {
        let (records, store) = (Box::new(MemorySink::new()), Box::new(MemorySink::new()));
        let (batch, scratch) = (RECORD_BATCH, new_store::<MemorySink>);
        Ballots { records, written: 0, tail: Vec::new(), batch, store, end: 0, scratch, sort_budget: SORT_BUDGET }
    }

    /// A sort of fixed-size items in this box's bounded memory, its runs in scratch stores like the box's own.
    pub(crate) fn sorter<T: crate::spill::Fixed>(&self) -> SpillSort<T> {
        SpillSort::new(self.sort_budget, self.scratch)
    }

    /// Ballots held in memory, from decoded ballots (tests, and the in-browser helpers' shares).
    pub fn of(ballots: &[LoggedBallot]) -> Result<Self, BoxError> {
        use crate::codec::Encode;
        let mut all = Self::in_memory();
        for b in ballots {
            all.push(b, &b.ballot.to_bytes())?;
        }
        Ok(all)
    }

    /// The number of ballots.
    pub fn len(&self) -> usize {
        self.written + self.tail.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a decoded ballot and its canonical bytes.
    fn push(&mut self, logged: &LoggedBallot, bytes: &[u8]) -> Result<(), BoxError> {
        let len = u32::try_from(bytes.len()).map_err(|_| BoxError::Store("a ballot of 4 GiB or more".into()))?;
        self.store.write_at(self.end, bytes).map_err(|e| BoxError::Store(e.to_string()))?;
        self.push_record(BoxBallot {
            leaf_index: logged.leaf_index,
            accepted_at: logged.accepted_at,
            credential: *logged.ballot.body.credential.as_bytes(),
            district: logged.ballot.body.district,
            at: self.end,
            len,
        })?;
        self.end += u64::from(len);
        Ok(())
    }

    /// Appends a ballot's record; a full batch is written to the records' store.
    fn push_record(&mut self, b: BoxBallot) -> Result<(), BoxError> {
        self.tail.push(b);
        if self.tail.len() >= self.batch {
            let bytes: Vec<u8> = self.tail.iter().flat_map(|b| b.record()).collect();
            let at = (self.written * RECORD) as u64;
            self.records.write_at(at, &bytes).map_err(|e| BoxError::Store(e.to_string()))?;
            self.written += self.tail.len();
            self.tail.clear();
        }
        Ok(())
    }

    /// The ballots at positions `range` (in log order), read from the records' store: an error if the store cannot
    /// be read or the range is not within `0..len()`.
    pub fn range(&self, range: Range<usize>) -> Result<Vec<BoxBallot>, BoxError> {
        if range.start > range.end || range.end > self.len() {
            return Err(BoxError::Store(format!("no ballots at positions {range:?} of {}", self.len())));
        }
        let mut out = Vec::with_capacity(range.len());
        let stored = range.start.min(self.written)..range.end.min(self.written);
        if !stored.is_empty() {
            let mut bytes = vec![0u8; stored.len() * RECORD];
            self.records
                .read_at((stored.start * RECORD) as u64, &mut bytes)
                .map_err(|e| BoxError::Store(e.to_string()))?;
            out.extend(bytes.chunks_exact(RECORD).map(BoxBallot::of_record));
        }
        let held = range.start.max(self.written) - self.written..range.end.max(self.written) - self.written;
        out.extend_from_slice(&self.tail[held]);
        Ok(out)
    }

    /// Every ballot, read at once: for tests and small boxes.
    pub fn all(&self) -> Result<Vec<BoxBallot>, BoxError> {
        self.range(0..self.len())
    }

    /// The ballot at position `i` (not its leaf index), if there is one.
    pub fn get(&self, i: usize) -> Result<Option<BoxBallot>, BoxError> {
        match i < self.len() {
            true => Ok(self.range(i..i + 1)?.pop()),
            false => Ok(None),
        }
    }

    /// The first ballot, if any.
    pub fn first(&self) -> Result<Option<BoxBallot>, BoxError> {
        self.get(0)
    }

    /// The last ballot, if any.
    pub fn last(&self) -> Result<Option<BoxBallot>, BoxError> {
        self.len().checked_sub(1).map_or(Ok(None), |i| self.get(i))
    }

    /// The ballots in log order, `size` at a time (the last chunk may be shorter), each chunk read from the
    /// records' store as it is reached.
    pub fn chunks(&self, size: usize) -> impl Iterator<Item = Result<Vec<BoxBallot>, BoxError>> + '_ {
        let size = size.max(1);
        (0..self.len().div_ceil(size)).map(move |k| self.range(k * size..((k + 1) * size).min(self.len())))
    }

    /// The ballot at log position `leaf` (a box's ballots skip the changes' leaves, [`at_leaf`]), found by a binary
    /// search over the records (L7 checked that the leaf indices ascend); `None` if no ballot is at that leaf.
    pub fn at_leaf(&self, leaf: u64) -> Result<Option<(usize, BoxBallot)>, BoxError> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let b = self.get(mid)?.ok_or_else(|| BoxError::Store(format!("no ballot at position {mid}")))?;
            match b.leaf_index.cmp(&leaf) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some((mid, b))),
            }
        }
        Ok(None)
    }

    /// The canonical bytes of `chunk`, consecutive ballots of this box, read from the store at once: a chunk's
    /// bytes, where [`ChunkBytes::of`] finds each ballot's.
    pub fn read(&self, chunk: &[BoxBallot]) -> Result<ChunkBytes, BoxError> {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            return Ok(ChunkBytes { start: 0, bytes: Vec::new() });
        };
        let size = (last.at + u64::from(last.len))
            .checked_sub(first.at)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| BoxError::Store("the ballots asked for are not consecutive".into()))?;
        let mut bytes = vec![0u8; size];
        self.store.read_at(first.at, &mut bytes).map_err(|e| BoxError::Store(e.to_string()))?;
        Ok(ChunkBytes { start: first.at, bytes })
    }

    /// Each ballot's leaf ([`BallotLeaf`]: its id, hash and leaf hash, eq. LG1), in log order, from its canonical
    /// bytes read again from the store [`HASH_BATCH`] ballots at a time (natively hashed over all cores): a box's
    /// ids and hashes are not held (64 bytes a ballot).
    pub fn leaves(&self) -> impl Iterator<Item = Result<BallotLeaf, BoxError>> + '_ {
        self.chunks(HASH_BATCH).flat_map(move |chunk| -> Vec<Result<BallotLeaf, BoxError>> {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => return vec![Err(e)],
            };
            let bytes = match self.read(&chunk) {
                Ok(bytes) => bytes,
                Err(e) => return vec![Err(e)],
            };
            #[cfg(not(target_arch = "wasm32"))]
            {
                use rayon::prelude::*;
                chunk.par_iter().map(|b| bytes.leaf(b)).collect()
            }
            #[cfg(target_arch = "wasm32")]
            chunk.iter().map(|b| bytes.leaf(b)).collect()
        })
    }

    /// The leaf of the ballot at log position `leaf` ([`Ballots::at_leaf`]), from its bytes read again; `None` if no
    /// ballot is at that leaf.
    pub fn leaf_at(&self, leaf: u64) -> Result<Option<BallotLeaf>, BoxError> {
        match self.at_leaf(leaf)? {
            Some((i, _)) => self.leaf_of(i).map(Some),
            None => Ok(None),
        }
    }

    /// The leaf of the ballot at position `i` in the list (not its leaf index), from its bytes read again.
    fn leaf_of(&self, i: usize) -> Result<BallotLeaf, BoxError> {
        let chunk = self.range(i..i + 1)?;
        self.read(&chunk).and_then(|bytes| bytes.leaf(&chunk[0]))
    }
}

/// Ballots read again a batch at a time to hash them ([`Ballots::leaves`]).
const HASH_BATCH: usize = 4096;

/// A ballot's leaf (eq. LG1) as [`Ballots::leaves`] computes it from its canonical bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallotLeaf {
    /// The ballot's position in the log.
    pub leaf_index: u64,
    /// Seconds since the Unix epoch (UTC), from the ballot's leaf.
    pub accepted_at: u64,
    /// The ballot's id (§8.3).
    pub id: BallotId,
    /// SHA-256 of its canonical bytes (eq. L-0).
    pub hash: crate::log::Hash,
    /// Its leaf hash (eq. LG1).
    pub leaf: crate::log::Hash,
}

/// The canonical bytes of consecutive ballots of a box ([`Ballots::read`]).
#[derive(Debug)]
pub struct ChunkBytes {
    start: u64,
    bytes: Vec<u8>,
}

impl ChunkBytes {
    /// The canonical bytes of `b`, one of the chunk's ballots.
    pub fn of(&self, b: &BoxBallot) -> Result<&[u8], BoxError> {
        let from = b.at.checked_sub(self.start).and_then(|n| usize::try_from(n).ok());
        from.and_then(|from| self.bytes.get(from..from.checked_add(b.len as usize)?))
            .ok_or_else(|| BoxError::Store(format!("the ballot at leaf {} is not in the chunk read", b.leaf_index)))
    }

    /// The whole ballot `b`, decoded again from its bytes (every point checked, as L7 did). The bytes decoded
    /// once, so this fails only if the store was changed; the error names the leaf all the same.
    pub fn decode(&self, b: &BoxBallot) -> Result<LoggedBallot, BoxError> {
        let leaf = b.leaf_index;
        let bytes = self.of(b)?;
        let ballot = Ballot::from_bytes(bytes).map_err(|source| BoxError::BallotDecode { leaf, source })?;
        Ok(LoggedBallot { leaf_index: leaf, accepted_at: b.accepted_at, hash: ballot_hash(bytes), ballot })
    }

    /// The leaf of `b`, one of the chunk's ballots: its id and hash from its bytes (not decoded).
    pub fn leaf(&self, b: &BoxBallot) -> Result<BallotLeaf, BoxError> {
        let bytes = self.of(b)?;
        let id = BallotId::of_ballot_bytes(bytes).ok_or_else(|| {
            BoxError::Store(format!("the ballot at leaf {} is shorter than a signature", b.leaf_index))
        })?;
        let hash = ballot_hash(bytes);
        let leaf = leaf_hash(&id, &hash, b.accepted_at);
        Ok(BallotLeaf { leaf_index: b.leaf_index, accepted_at: b.accepted_at, id, hash, leaf })
    }
}

/// Entries decoded per batch while a box is parsed (natively, a batch over all cores).
const DECODE_BATCH: usize = 4096;

/// A box's `ballots` decoded as they are parsed (L7's decoding, [`BoxEntry::decode`]), a batch at a time over
/// all cores, into [`Ballots`] whose bytes go to a store of type `S`: the box's text is never held whole. The first
/// entry that does not decode is kept, not raised, for L7 to report after the head's checks
/// ([`StreamedBox::take_log`]); nothing after it is decoded.
pub struct DecodedEntries<S> {
    ballots: Option<Ballots>,
    error: Option<BoxError>,
    store: std::marker::PhantomData<S>,
}

impl<S> std::fmt::Debug for DecodedEntries<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecodedEntries({:?}, first error {:?})", self.ballots, self.error)
    }
}

impl<S> Default for DecodedEntries<S> {
    fn default() -> Self {
        DecodedEntries { ballots: None, error: None, store: std::marker::PhantomData }
    }
}

impl<S> DecodedEntries<S> {
    /// Decodes `batch` (in order; natively over all cores): what [`DecodedEntries::store`] keeps.
    fn decode(batch: &[BoxEntry]) -> Vec<Result<(LoggedBallot, Vec<u8>), BoxError>> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            batch.par_iter().map(BoxEntry::read).collect()
        }
        #[cfg(target_arch = "wasm32")]
        batch.iter().map(BoxEntry::read).collect()
    }

    /// Puts a batch's decoded ballots into `ballots`, in order, up to the first error, which is kept; nothing
    /// after an error is kept.
    fn store(&mut self, ballots: &mut Ballots, decoded: Vec<Result<(LoggedBallot, Vec<u8>), BoxError>>) {
        if self.error.is_some() {
            return;
        }
        for read in decoded {
            if let Err(e) = read.and_then(|(logged, bytes)| ballots.push(&logged, &bytes)) {
                self.error = Some(e);
                return;
            }
        }
    }
}

impl<'de, S: NewStore> Deserialize<'de> for DecodedEntries<S> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<S>(std::marker::PhantomData<S>);
        impl<'de, S: NewStore> serde::de::Visitor<'de> for Visit<S> {
            type Value = DecodedEntries<S>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of ballot entries")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut ballots = Ballots::new::<S>().map_err(|e| {
                    serde::de::Error::custom(format!("cannot make a scratch store for the box's ballots: {e}"))
                })?;
                let mut out = DecodedEntries::default();
                // The next batch is parsed while the last one is decoded.
                crate::batches::read_in_batches(
                    DECODE_BATCH,
                    || seq.next_element::<BoxEntry>(),
                    |batch: Vec<BoxEntry>| DecodedEntries::<S>::decode(&batch),
                    |decoded| out.store(&mut ballots, decoded),
                )?;
                out.ballots = Some(ballots);
                Ok(out)
            }
        }
        deserializer.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// The ballot at `leaf` among `ballots` in leaf order (L7): a box's ballots skip the leaves of its voter-list
/// changes (§4.7), so a leaf index is not a position in the list.
pub fn at_leaf(ballots: &[BoxBallot], leaf: u64) -> Option<&BoxBallot> {
    ballots.binary_search_by_key(&leaf, |b| b.leaf_index).ok().map(|i| &ballots[i])
}

impl AsRef<crate::Ballot> for LoggedBallot {
    fn as_ref(&self) -> &crate::Ballot {
        &self.ballot
    }
}

/// The times of the log (SPEC.md §11.4 L7, §11.7), over its leaves in order, ballots and changes alike: every
/// leaf was appended inside the voting period, bounds included, no grace period (`opens_at ≤ accepted_at ≤
/// closes_at`); none before the previous leaf; and the final head (milliseconds) is not dated before the last leaf.
struct Times<'a> {
    period: &'a Period,
    previous: Option<(u64, u64)>,
    /// The first leaf that breaks a rule.
    error: Option<BoxError>,
}

impl<'a> Times<'a> {
    fn new(period: &'a Period) -> Self {
        Times { period, previous: None, error: None }
    }

    /// The next leaf, `leaf`, accepted at `accepted_at` (seconds); the first that breaks a rule is kept.
    fn next(&mut self, leaf: u64, accepted_at: u64) {
        let period = self.period;
        if self.error.is_none() {
            if accepted_at < period.opens_at || accepted_at > period.closes_at {
                let (opens_at, closes_at) = (period.opens_at, period.closes_at);
                self.error = Some(BoxError::OutsidePeriod { leaf, accepted_at, opens_at, closes_at });
            } else if let Some((_, previous)) = self.previous.filter(|&(_, p)| accepted_at < p) {
                self.error = Some(BoxError::TimeGoesBack { leaf, accepted_at, previous });
            }
        }
        self.previous = Some((leaf, accepted_at));
    }

    /// After the last leaf: the first leaf that broke a rule, else whether the final head, dated `head_ms`, is not
    /// older than the last leaf.
    fn verdict(self, head_ms: u64) -> Result<(), BoxError> {
        match (self.error, self.previous) {
            (Some(e), _) => Err(e),
            (None, Some((leaf, accepted_at))) if head_ms < accepted_at.saturating_mul(1000) => {
                Err(BoxError::HeadBeforeLastBallot { head_ms, leaf, accepted_at })
            }
            _ => Ok(()),
        }
    }
}

impl<E, K: RegistryKeys> BallotBoxOf<E, K> {
    /// The election the box is for, with its fingerprint recomputed.
    pub fn election(&self) -> Result<Election, BoxError> {
        Election::new(self.election.manifest.clone(), self.election.public_key).map_err(BoxError::Election)
    }

    /// Check L9 (SPEC.md §11.4): the box's credentials are exactly the registry the manifest names (eq. (4.5-1)),
    /// in ascending byte order without repeats. Returns the registry's digest.
    pub fn check_registry(&self, election: &Election) -> Result<[u8; 32], BoxError> {
        if let Some(i) = self.credentials.first_unsorted() {
            return Err(BoxError::RegistryNotSorted(i));
        }
        let manifest = election.manifest();
        match (manifest.districts.len(), self.districts.len()) {
            (0, 0) => {}
            (0, _) => return Err(BoxError::Districts("the election has no districts, and the box gives some".into())),
            (_, n) if n != self.credentials.count() => {
                return Err(BoxError::Districts(format!(
                    "{n} districts for {} credentials: one per credential",
                    self.credentials.count()
                )))
            }
            (d, _) => {
                if let Some(i) = self.districts.iter().position(|&x| usize::from(x) >= d) {
                    return Err(BoxError::Districts(format!(
                        "credential {i} is in district {}, and the election has {d} (0 to {})",
                        self.districts[i],
                        d - 1
                    )));
                }
            }
        }
        let digest = self.credentials.digest(&self.districts)?;
        manifest.roles.registry.check_digest(self.credentials.count(), digest).map_err(BoxError::Registry)?;
        Ok(digest)
    }

    /// Check L11 (SPEC.md §4.7): the voter list the box holds, its changes replayed in log order. Each change
    /// decodes (eq. VL1), is for this election, is signed by the manifest's `roles.officials_key`, is numbered
    /// `0, 1, …` in log order and applies to the list at its leaf ([`Electorate::apply`]). Call after
    /// [`BallotBox::check_registry`] (L9, the list when voting opened); L7 checks the changes' places in the log.
    pub fn electorate(&self, election: &Election) -> Result<Electorate, BoxError>
    where
        K: Clone,
    {
        self.replay(election, Electorate::of_table(self.credentials.clone().table(), self.districts.clone()))
    }

    /// [`electorate`](Self::electorate), taking the registry out of the box (its `credentials` and `districts` are
    /// left empty): the voter list is made of them, not of a copy.
    pub fn take_electorate(&mut self, election: &Election) -> Result<Electorate, BoxError> {
        let keys = std::mem::take(&mut self.credentials).table();
        let list = Electorate::of_table(keys, std::mem::take(&mut self.districts));
        self.replay(election, list)
    }
}

impl<E, K> BallotBoxOf<E, K> {
    /// L11: the box's changes replayed, in log order, on the voter list as voting opened.
    fn replay(&self, election: &Election, mut list: Electorate) -> Result<Electorate, BoxError> {
        let manifest = election.manifest();
        for entry in &self.changes {
            let leaf = entry.leaf_index;
            let change = |error| BoxError::Change { leaf, error };
            let bytes = crate::group::hex_vec(&entry.change, "change").map_err(|_| BoxError::ChangeHex { leaf })?;
            let c = VoterListChange::from_bytes(&bytes).map_err(|e| change(ChangeError::Decode(e)))?;
            c.verify(election.fingerprint(), manifest).map_err(change)?;
            list.apply(manifest, &c, leaf).map_err(change)?;
        }
        Ok(list)
    }

    /// The log's leaves `(leaf, accepted_at, leaf hash)` in order: the decoded ballots (eq. LG1) and the changes
    /// (eq. LG9) merged by leaf index, which must be `0, 1, …` together, each list ascending (L7). `ballots` are
    /// the box's, decoded ([`BallotBox::check_log`] returns them); receipts (RC4) and `check-export` rebuild the
    /// tree from these.
    pub fn leaves(&self, ballots: &Ballots) -> Result<Vec<(u64, u64, Hash)>, BoxError> {
        let mut leaves = Vec::with_capacity(ballots.len() + self.changes.len());
        self.each_leaf(ballots, |leaf, _| leaves.push(leaf))?;
        Ok(leaves)
    }

    /// Calls `f` on each of the log's leaves `(leaf, accepted_at, leaf hash)` in order ([`leaves`](Self::leaves)),
    /// with the ballot's id for a ballot's leaf, holding none (the ballots' bytes read again: [`Ballots::leaves`]).
    fn each_leaf(
        &self,
        ballots: &Ballots,
        mut f: impl FnMut((u64, u64, Hash), Option<BallotId>),
    ) -> Result<(), BoxError> {
        let total = ballots.len() + self.changes.len();
        let (mut b, mut c) = (ballots.leaves().peekable(), self.changes.iter().peekable());
        for position in 0..total as u64 {
            if let Some(Err(e)) = b.peek() {
                return Err(e.clone());
            }
            if let Some(Ok(x)) = b.next_if(|x| x.as_ref().is_ok_and(|x| x.leaf_index == position)) {
                f((position, x.accepted_at, x.leaf), Some(x.id));
            } else if let Some(x) = c.next_if(|x| x.leaf_index == position) {
                let bytes =
                    crate::group::hex_vec(&x.change, "change").map_err(|_| BoxError::ChangeHex { leaf: position })?;
                f((position, x.accepted_at, change_leaf_hash(&bytes, x.accepted_at)), None);
            } else {
                let next = |l: Option<u64>| l.unwrap_or(u64::MAX);
                let ballot = b.peek().and_then(|x| x.as_ref().ok()).map(|x| x.leaf_index);
                let found = next(ballot).min(next(c.peek().map(|x| x.leaf_index)));
                return Err(BoxError::LeafIndex { position, found });
            }
        }
        Ok(())
    }

    /// L7's checks before the entries: format, fingerprint, the collector's key (the manifest's) and its signature
    /// on the final head.
    fn check_head(&self, election: &Election) -> Result<(), BoxError> {
        if self.format != BALLOT_BOX_FORMAT {
            return Err(BoxError::Format(self.format.clone()));
        }
        if self.fingerprint != *election.fingerprint() {
            return Err(BoxError::FingerprintMismatch);
        }
        let key = decode_verifying_key(&self.collector_key, "collector key").map_err(BoxError::CollectorKey)?;
        election.manifest().roles.check(Role::Collector, &key).map_err(BoxError::NotTheCollector)?;
        self.final_tree_head.verify(&key, election.fingerprint()).map_err(BoxError::TreeHead)
    }

    /// L7's checks of the decoded ballots with the changes: their leaves make the final head's tree (its root
    /// computed as they go, [`Frontier`]), their times keep to the voting period, no ballot id twice
    /// ([`repeated_id`]: 16 bytes a ballot while it looks, up to [`SORT_BUDGET`] of them, the rest in sorted runs
    /// on scratch).
    fn check_leaves(&self, election: &Election, ballots: Ballots) -> Result<Ballots, BoxError> {
        let mut tree = Frontier::new();
        let mut times = Times::new(&election.manifest().voting_period);
        let mut by_id = ballots.sorter::<(u64, u32)>();
        let (mut position, mut failed) = (0u32, None);
        self.each_leaf(&ballots, |(leaf, accepted_at, hash), id| {
            tree.push(hash);
            times.next(leaf, accepted_at);
            if let Some(id) = id {
                if let Err(e) = by_id.push((crate::spill::prefix(&id.0), position)) {
                    failed.get_or_insert(e);
                }
                position = position.wrapping_add(1);
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        let size = tree.len();
        if size != self.final_tree_head.tree_size {
            return Err(BoxError::SizeMismatch { ballots: size, head: self.final_tree_head.tree_size });
        }
        if tree.root() != self.final_tree_head.root {
            return Err(BoxError::RootMismatch);
        }
        times.verdict(self.final_tree_head.timestamp)?;
        if let Some((again, first, id)) = repeated_id(&ballots, by_id)? {
            let leaf = |i: usize| ballots.get(i).ok().flatten().map_or(u64::MAX, |b| b.leaf_index);
            return Err(BoxError::Replayed { leaf: leaf(again), first: leaf(first), id: id.to_hex() });
        }
        Ok(ballots)
    }
}

/// The first ballot (by position) whose id an earlier one has, with the nearest earlier one and the id: `by_id`
/// holds each ballot's id's first 8 bytes and its position. Sorted, equal prefixes are neighbours; only for those
/// (two different ids share one with chance 2⁻⁶⁴) are the whole ids read again from the store and compared.
fn repeated_id(ballots: &Ballots, by_id: SpillSort<(u64, u32)>) -> Result<Option<(usize, usize, BallotId)>, BoxError> {
    let mut found: Option<(usize, usize, BallotId)> = None;
    crate::spill::each_group(
        by_id.sorted()?,
        |x| x.0,
        |run| -> Result<(), BoxError> {
            if run.len() < 2 {
                return Ok(());
            }
            let mut ids = run
                .iter()
                .map(|&(_, i)| ballots.leaf_of(i as usize).map(|l| (l.id, i as usize)))
                .collect::<Result<Vec<_>, _>>()?;
            ids.sort_unstable();
            for w in ids.windows(2) {
                if w[0].0 == w[1].0 && found.is_none_or(|(again, _, _)| w[1].1 < again) {
                    found = Some((w[1].1, w[0].1, w[1].0));
                }
            }
            Ok(())
        },
    )?;
    Ok(found)
}

impl From<std::io::Error> for BoxError {
    /// A scratch store that cannot be written or read back.
    fn from(e: std::io::Error) -> Self {
        BoxError::Store(e.to_string())
    }
}

impl BallotBox {
    /// Check L7 (SPEC.md §11.4): format, fingerprint, collector key, the head's signature (L1, L6), that the
    /// ballots and voter-list changes, in leaf order, rebuild the head's tree, that every leaf was appended inside
    /// the manifest's voting period and no earlier than the one before it, that the head is not older than the last
    /// leaf, and that no ballot id repeats (the changes themselves are L11's, [`BallotBox::electorate`]). Returns the
    /// ballots in log order, each decoded (every point checked) and held compactly in memory ([`Ballots`]).
    /// Decoding runs over all cores natively. A box of millions of ballots is read as a [`StreamedBox`] instead.
    pub fn check_log(&self, election: &Election) -> Result<Ballots, BoxError> {
        self.check_log_into(election, Ballots::in_memory())
    }

    /// [`check_log`](Self::check_log) into `ballots` (none yet).
    fn check_log_into(&self, election: &Election, mut ballots: Ballots) -> Result<Ballots, BoxError> {
        self.check_head(election)?;
        let mut entries = DecodedEntries::<MemorySink>::default();
        for batch in self.ballots.chunks(DECODE_BATCH) {
            if entries.error.is_some() {
                break;
            }
            entries.store(&mut ballots, DecodedEntries::<MemorySink>::decode(batch));
        }
        if let Some(e) = entries.error {
            return Err(e);
        }
        self.check_leaves(election, ballots)
    }
}

impl<S> StreamedBox<S> {
    /// L7 as [`BallotBox::check_log`], on the ballots decoded as the box was parsed: the head's checks, then the
    /// first entry that did not decode, then the leaves. The ballots are taken: the box keeps its head, keys,
    /// registry and changes.
    pub fn take_log(&mut self, election: &Election) -> Result<Ballots, BoxError> {
        let entries = std::mem::take(&mut self.ballots);
        self.check_head(election)?;
        if let Some(e) = entries.error {
            return Err(e);
        }
        let ballots = entries.ballots.ok_or_else(|| BoxError::Store("the box's ballots were taken already".into()))?;
        self.check_leaves(election, ballots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::create_ballot;
    use crate::codec::Encode;
    use crate::credential::Credential;
    use crate::elgamal::SecretKey;
    use crate::encoding::Answer;
    use crate::log::LogTree;
    use crate::manifest::example_manifest;
    use rand::rngs::OsRng;

    /// R2 (`tally::squash`, which sorts) against the rule it implements, on ballots of a few credentials voting
    /// many times in any order, some refused: the last ballot of each credential not refused counts, each earlier
    /// one is superseded by it.
    #[test]
    fn squash_keeps_each_credentials_last_ballot_not_refused() {
        use crate::tally::{squash, Refusal, Rejected, RejectedFile, Superseded};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
        for round in 0..50 {
            let n = rng.gen_range(0..200u64);
            let ballots: Vec<BoxBallot> = (0..n)
                .map(|i| BoxBallot {
                    leaf_index: 3 * i + 1,
                    accepted_at: 0,
                    // Half the rounds, credentials that differ only in their last byte: one prefix for all, split
                    // by the whole credentials.
                    credential: match round % 2 {
                        0 => [rng.gen_range(0..=(round % 9) as u8); 32],
                        _ => {
                            let mut c = [7u8; 32];
                            c[31] = rng.gen_range(0..=(round % 9) as u8);
                            c
                        }
                    },
                    district: None,
                    at: 0,
                    len: 0,
                })
                .collect();
            let refused: Vec<u64> = ballots.iter().map(|b| b.leaf_index).filter(|_| rng.gen_bool(0.2)).collect();
            // Any order: the verifier's claimed files are not trusted to be sorted.
            let rejected = RejectedFile {
                rejected: refused
                    .iter()
                    .rev()
                    .map(|&leaf_index| Rejected {
                        leaf_index,
                        ballot_id: crate::ballot::BallotId([0; 32]),
                        reason: Refusal::BadSignature,
                    })
                    .collect(),
            };
            let mut last = std::collections::BTreeMap::new();
            for b in ballots.iter().filter(|b| !refused.contains(&b.leaf_index)) {
                last.insert(b.credential, b.leaf_index);
            }
            let expected: Vec<Superseded> = ballots
                .iter()
                .filter(|b| !refused.contains(&b.leaf_index) && last[&b.credential] != b.leaf_index)
                .map(|b| Superseded { leaf_index: b.leaf_index, by: last[&b.credential] })
                .collect();
            let mut counted: Vec<u64> = last.into_values().collect();
            counted.sort_unstable();
            // Records written 7 at a time, so that the passes cross batches; half the rounds, the credentials
            // sorted in runs of 5 written to scratch and merged.
            let mut stored = Ballots::in_memory();
            stored.batch = 7;
            stored.sort_budget = if round % 4 < 2 { 5 } else { SORT_BUDGET };
            for b in &ballots {
                stored.push_record(b.clone()).unwrap();
            }
            assert_eq!(stored.all().unwrap(), ballots);
            let (file, got) = squash(&stored, &rejected).unwrap();
            assert_eq!((file.superseded, got.leaf_indices(&stored).unwrap()), (expected, counted), "round {round}");
        }
    }

    /// `bx` written and read back as a [`StreamedBox`], its entries decoded as parsed.
    fn streamed(bx: &BallotBox) -> StreamedBox<MemorySink> {
        serde_json::from_str(&serde_json::to_string(bx).unwrap()).unwrap()
    }

    /// An entry that does not decode is L7's to report, after the head's checks (a box of another format says so
    /// first), and it is the first such entry in log order, whatever the batches; one past the batch size.
    #[test]
    fn an_undecodable_entry_is_reported_after_the_heads_checks() {
        let (e, mut bx) = signed_box(&[OPENS + 1, OPENS + 2, OPENS + 3], (OPENS + 4) * 1000);
        bx.ballots[1].ballot = "zz".into();
        bx.ballots[2].ballot.truncate(10);
        assert_eq!(streamed(&bx).take_log(&e).unwrap_err(), BoxError::BallotHex { leaf: 1 });
        assert_eq!(bx.check_log(&e).unwrap_err(), BoxError::BallotHex { leaf: 1 });
        bx.format = "rv/ballot-box/v1".into();
        assert_eq!(streamed(&bx).take_log(&e).unwrap_err(), BoxError::Format("rv/ballot-box/v1".into()));
        // Many entries: batches of DECODE_BATCH; the first bad one in log order is named.
        let (e, mut bx) = signed_box(&[OPENS + 1], (OPENS + 4) * 1000);
        let one = bx.ballots[0].clone();
        bx.ballots = (0..DECODE_BATCH as u64 + 3).map(|i| BoxEntry { leaf_index: i, ..one.clone() }).collect();
        bx.ballots[DECODE_BATCH + 1].ballot = "00".into();
        bx.ballots[DECODE_BATCH + 2].ballot = "zz".into();
        assert!(matches!(
            streamed(&bx).take_log(&e).unwrap_err(),
            BoxError::BallotDecode { leaf, .. } if leaf == DECODE_BATCH as u64 + 1
        ));
    }

    /// A set of positions gives its ballots' leaves in order across the record chunks (4,096 records each), the
    /// words of its bits and the records not yet written; a position twice counts once, one past the box is refused.
    #[test]
    fn positions_find_their_ballots_across_chunks() {
        use crate::tally::Positions;
        let n = 2 * RECORD_BATCH + 100;
        let mut stored = Ballots::in_memory();
        stored.batch = 1000;
        for i in 0..n as u64 {
            let b =
                BoxBallot { leaf_index: 2 * i + 1, accepted_at: 0, credential: [0; 32], district: None, at: 0, len: 0 };
            stored.push_record(b).unwrap();
        }
        let picked = [0usize, 63, 64, 65, RECORD_BATCH - 1, RECORD_BATCH, 2 * RECORD_BATCH + 99];
        let mut set = Positions::new(n);
        for &p in picked.iter().chain(&[64, 0]) {
            set.insert(p);
        }
        assert_eq!(set.len(), picked.len());
        assert_eq!(set.iter().collect::<Vec<_>>(), picked);
        let leaves: Vec<u64> = picked.iter().map(|&p| 2 * p as u64 + 1).collect();
        assert_eq!(set.leaf_indices(&stored).unwrap(), leaves);
        let mut beyond = Positions::new(n + 1);
        beyond.insert(n);
        assert!(beyond.leaf_indices(&stored).is_err());
        assert!(Positions::new(n).is_empty());
    }

    /// A registry written to a scratch store as it is parsed answers as the held one: every key at its place,
    /// keys not on it (before the first, between two, after the last) not found, across blocks of the index; the
    /// same count, digests (with and without districts) and order check, and an unsorted one refused at the same
    /// place. A voter list made of it looks up as the held list does.
    #[test]
    fn a_stored_registry_answers_as_the_held_one() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        for n in [0usize, 1, KEY_BLOCK - 1, KEY_BLOCK, 2 * KEY_BLOCK + 5] {
            let mut all: Vec<RegisteredKey> =
                (0..2 * n + 1).map(|_| crate::credential::Credential::generate(&mut rng).public_key().into()).collect();
            all.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            // Every other key is on the list: the others fall before, between and after its keys.
            let held: Vec<RegisteredKey> = all.iter().skip(1).step_by(2).copied().collect();
            let json = serde_json::to_string(&held.iter().map(|k| hex::encode(k.as_bytes())).collect::<Vec<_>>());
            let stored =
                StoredKeys::<MemorySink>::read(&mut serde_json::Deserializer::from_str(&json.unwrap())).unwrap();
            assert_eq!((stored.count(), stored.first_unsorted()), (held.count(), None), "n {n}");
            let districts: Vec<u16> = (0..n as u16).map(|i| i % 3).collect();
            for d in [&[][..], &districts[..]] {
                assert_eq!(stored.digest(d).unwrap(), held.digest(d).unwrap(), "n {n}");
            }
            let (on_store, on_held) =
                (Electorate::of_table(stored.table(), Vec::new()), Electorate::new(held, Vec::new()));
            for (i, k) in all.iter().enumerate() {
                let want = (i % 2 == 1).then_some(None);
                assert_eq!(on_store.lookup(k.as_bytes(), 0).unwrap(), want, "n {n}, key {i}");
                assert_eq!(on_held.lookup(k.as_bytes(), 0).unwrap(), want, "n {n}, key {i}");
            }
        }
        // Out of order, or repeated: refused at the same place as the held list is.
        let mut keys: Vec<RegisteredKey> =
            (0..300).map(|_| crate::credential::Credential::generate(&mut rng).public_key().into()).collect();
        keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for (at, with) in [(200usize, 199usize), (130, 10)] {
            let mut bad = keys.clone();
            bad[at] = bad[with];
            let json = serde_json::to_string(&bad.iter().map(|k| hex::encode(k.as_bytes())).collect::<Vec<_>>());
            let stored =
                StoredKeys::<MemorySink>::read(&mut serde_json::Deserializer::from_str(&json.unwrap())).unwrap();
            assert_eq!(stored.first_unsorted(), bad.first_unsorted());
            assert!(stored.first_unsorted().is_some());
        }
    }

    /// A repeated ballot id is a replay, named at its second leaf, with its first (L7), as the box's order gives.
    #[test]
    fn a_repeated_ballot_is_named_at_its_first_repeat() {
        let (e, mut bx) = signed_box(&[OPENS + 1, OPENS + 2, OPENS + 3, OPENS + 4], (OPENS + 5) * 1000);
        bx.ballots[3].ballot = bx.ballots[0].ballot.clone();
        bx.ballots[2].ballot = bx.ballots[1].ballot.clone();
        let mut tree = crate::log::LogTree::new();
        let ballots = bx.ballots.iter().map(|x| x.decode().unwrap()).collect::<Vec<_>>();
        for b in &ballots {
            tree.push(b.leaf_hash());
        }
        let key = crate::roles::example_role_secrets(3).collector;
        bx.final_tree_head = SignedTreeHead::sign(&key, *e.fingerprint(), 4, tree.root(4).unwrap(), (OPENS + 5) * 1000);
        let id = ballots[1].ballot.id().to_hex();
        assert_eq!(bx.check_log(&e).unwrap_err(), BoxError::Replayed { leaf: 2, first: 1, id: id.clone() });
        // The same when the ids are sorted in runs of one and two written to scratch and merged.
        for budget in [1, 2] {
            let mut small = Ballots::in_memory();
            (small.sort_budget, small.batch) = (budget, 3);
            let got = bx.check_log_into(&e, small).unwrap_err();
            assert_eq!(got, BoxError::Replayed { leaf: 2, first: 1, id: id.clone() }, "budget {budget}");
        }
    }

    /// The example manifest's voting period (seconds).
    const OPENS: u64 = 1_790_000_000;
    const CLOSES: u64 = 1_790_604_800;

    /// A box of one ballot per time in `times`, in that order, whose final head (dated `head_ms`) is signed by
    /// the collector over those leaves: what a collector holding its key can produce.
    fn signed_box(times: &[u64], head_ms: u64) -> (Election, BallotBox) {
        let sk = SecretKey::generate(&mut OsRng);
        let election = Election::new(example_manifest(), sk.public_key()).unwrap();
        assert_eq!(
            (election.manifest().voting_period.opens_at, election.manifest().voting_period.closes_at),
            (OPENS, CLOSES)
        );
        let answers = vec![Answer::single(0), Answer::single(1), Answer::single(2)];
        let key = crate::roles::example_role_secrets(3).collector;
        let mut tree = LogTree::new();
        let mut ballots = Vec::new();
        let mut credentials: Vec<RegisteredKey> = Vec::new();
        for (i, &at) in times.iter().enumerate() {
            let cred = Credential::generate(&mut OsRng);
            credentials.push(cred.public_key().into());
            let ballot = create_ballot(&election, &cred, None, &answers, &mut OsRng).unwrap().0;
            let bytes = ballot.to_bytes();
            tree.push(leaf_hash(&ballot.id(), &ballot_hash(&bytes), at));
            ballots.push(BoxEntry { leaf_index: i as u64, accepted_at: at, ballot: hex::encode(bytes) });
        }
        credentials.sort();
        let size = tree.len();
        let head = SignedTreeHead::sign(&key, *election.fingerprint(), size, tree.root(size).unwrap(), head_ms);
        let bx = BallotBox {
            format: BALLOT_BOX_FORMAT.into(),
            election: election.parameters(),
            fingerprint: *election.fingerprint(),
            collector_key: key.verifying_key().to_bytes(),
            credentials,
            districts: Vec::new(),
            final_tree_head: head,
            ballots,
            changes: Vec::new(),
        };
        (election, bx)
    }

    #[test]
    fn ballots_inside_the_period_in_order_pass() {
        // Both bounds are inclusive; equal times are in order.
        let (e, bx) = signed_box(&[OPENS, OPENS + 5, OPENS + 5, CLOSES], CLOSES * 1000);
        let ballots = bx.check_log(&e).unwrap();
        let all = ballots.all().unwrap();
        let times: Vec<u64> = all.iter().map(|b| b.accepted_at).collect();
        assert_eq!(times, vec![OPENS, OPENS + 5, OPENS + 5, CLOSES]);
        // The box decoded as it is parsed gives the same ballots, and the same bytes.
        let mut taken = streamed(&bx);
        let from_stream = taken.take_log(&e).unwrap();
        assert_eq!(from_stream.all().unwrap(), all);
        let (a, b) = (from_stream.read(&all).unwrap(), ballots.read(&all).unwrap());
        for x in all.iter() {
            assert_eq!(a.of(x).unwrap(), b.of(x).unwrap());
            assert_eq!(hex::encode(a.of(x).unwrap()), bx.ballots[x.leaf_index as usize].ballot);
        }
        assert_eq!(taken.final_tree_head, bx.final_tree_head);
        assert!(matches!(taken.take_log(&e), Err(BoxError::Store(_))), "the ballots are taken once");
    }

    #[test]
    fn a_ballot_after_the_close_is_refused() {
        let (e, bx) = signed_box(&[OPENS + 10, CLOSES + 1], (CLOSES + 30 * 86_400) * 1000);
        assert_eq!(
            bx.check_log(&e).unwrap_err(),
            BoxError::OutsidePeriod { leaf: 1, accepted_at: CLOSES + 1, opens_at: OPENS, closes_at: CLOSES }
        );
    }

    #[test]
    fn a_ballot_before_the_opening_is_refused() {
        let (e, bx) = signed_box(&[OPENS - 1, OPENS + 10], (OPENS + 20) * 1000);
        assert_eq!(
            bx.check_log(&e).unwrap_err(),
            BoxError::OutsidePeriod { leaf: 0, accepted_at: OPENS - 1, opens_at: OPENS, closes_at: CLOSES }
        );
    }

    #[test]
    fn times_that_go_back_are_refused() {
        let (e, bx) = signed_box(&[OPENS + 10, OPENS + 20, OPENS + 19], (OPENS + 30) * 1000);
        assert_eq!(
            bx.check_log(&e).unwrap_err(),
            BoxError::TimeGoesBack { leaf: 2, accepted_at: OPENS + 19, previous: OPENS + 20 }
        );
        assert_eq!(streamed(&bx).take_log(&e).unwrap_err(), bx.check_log(&e).unwrap_err());
    }

    #[test]
    fn a_final_head_older_than_the_last_ballot_is_refused() {
        let (e, bx) = signed_box(&[OPENS + 10, OPENS + 20], (OPENS + 20) * 1000 - 1);
        assert_eq!(
            bx.check_log(&e).unwrap_err(),
            BoxError::HeadBeforeLastBallot { head_ms: (OPENS + 20) * 1000 - 1, leaf: 1, accepted_at: OPENS + 20 }
        );
        let (e, bx) = signed_box(&[OPENS + 10, OPENS + 20], (OPENS + 20) * 1000);
        bx.check_log(&e).unwrap();
    }

    /// A box whose log holds a ballot of voter A (leaf 0), the officials' change adding voter B (leaf 1, signed by
    /// `signer`), and B's ballot (leaf 2), the head signed by the collector over the three leaves.
    fn box_with_a_change(signer: &ed25519_dalek::SigningKey) -> (Election, BallotBox, [u8; 32]) {
        use crate::voter_list::{Action, VoterListChange};
        let sk = SecretKey::generate(&mut OsRng);
        let a = Credential::generate(&mut OsRng);
        let b = Credential::generate(&mut OsRng);
        let mut manifest = example_manifest();
        manifest.roles.registry = crate::roles::Registry::of(&[a.public_key()]);
        let election = Election::new(manifest, sk.public_key()).unwrap();
        let answers = vec![Answer::single(0), Answer::single(1), Answer::single(2)];
        let collector = crate::roles::example_role_secrets(3).collector;
        let fp = *election.fingerprint();
        let change = VoterListChange::sign(signer, fp, 0, Action::Add, b.public_key(), 0).to_bytes();
        let mut tree = LogTree::new();
        let mut ballots = Vec::new();
        for (leaf, voter) in [(0u64, &a), (2, &b)] {
            let at = OPENS + leaf;
            if leaf == 2 {
                tree.push(change_leaf_hash(&change, OPENS + 1));
            }
            let ballot = create_ballot(&election, voter, None, &answers, &mut OsRng).unwrap().0;
            let bytes = ballot.to_bytes();
            tree.push(leaf_hash(&ballot.id(), &ballot_hash(&bytes), at));
            ballots.push(BoxEntry { leaf_index: leaf, accepted_at: at, ballot: hex::encode(bytes) });
        }
        let head = SignedTreeHead::sign(&collector, fp, 3, tree.root(3).unwrap(), (OPENS + 3) * 1000);
        let bx = BallotBox {
            format: BALLOT_BOX_FORMAT.into(),
            election: election.parameters(),
            fingerprint: fp,
            collector_key: collector.verifying_key().to_bytes(),
            credentials: vec![a.public_key().into()],
            districts: Vec::new(),
            final_tree_head: head,
            ballots,
            changes: vec![ChangeEntry { leaf_index: 1, accepted_at: OPENS + 1, change: hex::encode(&change) }],
        };
        (election, bx, *b.public_key().as_bytes())
    }

    /// SPEC.md: exercises L7, L11, LG9, VL1. The box's changes are leaves of the log (eq. LG9) between its
    /// ballots; the voter list replays them (L11); a change signed by anyone but the officials is refused, even
    /// under the collector's signed head; a change moved to a ballot's leaf, dropped or re-timed breaks L7.
    #[test]
    fn changes_are_leaves_of_the_log_and_replay_under_the_officials_key() {
        let officials = crate::roles::example_role_secrets(3).officials;
        let (e, bx, b) = box_with_a_change(&officials);
        let ballots = bx.check_log(&e).unwrap();
        assert_eq!(ballots.all().unwrap().iter().map(|b| b.leaf_index).collect::<Vec<_>>(), vec![0, 2]);
        bx.check_registry(&e).unwrap();
        let list = bx.electorate(&e).unwrap();
        let b = CredentialKey::from_bytes(&b).unwrap();
        assert_eq!((list.lookup(b.as_bytes(), 1).unwrap(), list.lookup(b.as_bytes(), 2).unwrap()), (None, Some(None)));
        assert_eq!(ballots.at_leaf(2).unwrap().map(|(i, x)| (i, x.leaf_index)), Some((1, 2)));
        assert!(ballots.at_leaf(1).unwrap().is_none());
        // The JSON carries `changes`, and reads back the same.
        let json = serde_json::to_string(&bx).unwrap();
        assert!(json.contains("\"changes\":[{\"leaf_index\":1"), "{json}");
        assert_eq!(serde_json::from_str::<BallotBox>(&json).unwrap(), bx);

        // Signed by the collector's key: the log holds (the collector signed its head), L11 refuses the change.
        let collector = crate::roles::example_role_secrets(3).collector;
        let (e2, forged, _) = box_with_a_change(&collector);
        forged.check_log(&e2).unwrap();
        assert_eq!(
            forged.electorate(&e2).unwrap_err(),
            BoxError::Change { leaf: 1, error: ChangeError::NotTheOfficials }
        );
        // The change at a ballot's leaf: the numbering fails.
        let mut clash = bx.clone();
        clash.changes[0].leaf_index = 2;
        assert_eq!(clash.check_log(&e).unwrap_err(), BoxError::LeafIndex { position: 1, found: 2 });
        // Dropped: the head's size is not the box's.
        let mut dropped = bx.clone();
        dropped.changes.clear();
        assert!(matches!(dropped.check_log(&e).unwrap_err(), BoxError::LeafIndex { .. }));
        // Re-timed: the root changes.
        let mut timed = bx.clone();
        timed.changes[0].accepted_at += 1;
        assert_eq!(timed.check_log(&e).unwrap_err(), BoxError::RootMismatch);
        // Not hex.
        let mut text = bx.clone();
        text.changes[0].change = "zz".into();
        assert_eq!(text.check_log(&e).unwrap_err(), BoxError::ChangeHex { leaf: 1 });
    }

    /// SPEC.md: exercises L7, LG0, LG1.
    #[test]
    fn a_changed_time_in_the_box_breaks_the_root() {
        let (e, mut bx) = signed_box(&[OPENS + 10, OPENS + 20], (OPENS + 30) * 1000);
        bx.ballots[1].accepted_at += 1;
        assert_eq!(bx.check_log(&e).unwrap_err(), BoxError::RootMismatch);
    }
}

//! The election record's index: every file with its SHA-256, each entry chained to the one before
//! (SPEC.md §13). The verifier's first check (integrity) recomputes it; no other check reads a file the index
//! does not list.
//!
//! `chain₀ = SHA-256("rv/record-chain/v1" ‖ F)` and, for entry `i` with path `pᵢ` and digest `dᵢ`,
//!
//! `chainᵢ = SHA-256("rv/record-chain/v1" ‖ chainᵢ₋₁ ‖ u32(|pᵢ|) ‖ pᵢ ‖ dᵢ)`            — SPEC.md eq. (IX1)
//!
//! The last `chain` is the record's head: one 32-byte value that commits to every byte of the record, in order.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use ed25519_dalek::{Signature, Signer, SigningKey};

use crate::credential::{decode_verifying_key, CredentialKey};
use crate::fingerprint::Fingerprint;
use crate::manifest::{Manifest, Unit};
use crate::roles::Roles;

/// Domain separator of the index's hash chain (SPEC.md §13 eq. (R1)).
pub const CHAIN_DOMAIN: &[u8] = b"rv/record-chain/v1";
/// The only index version this code reads and writes (SPEC.md §13, check V1).
pub const INDEX_VERSION: u32 = 1;

/// One file of the record: its path, its SHA-256 and the chain value up to it (SPEC.md §13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// Path relative to the record's root, `/`-separated, no `..`, no leading `/`.
    pub path: String,
    /// SHA-256 of the file's bytes.
    #[serde(with = "crate::group::bytes_hex")]
    pub sha256: [u8; 32],
    /// `chainᵢ` of SPEC.md eq. (R1), over this entry and every one before it.
    #[serde(with = "crate::group::bytes_hex")]
    pub chain: [u8; 32],
}

/// `index.json`: every other file of the record in order, hash-chained (SPEC.md §13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordIndex {
    /// Format version; must be [`INDEX_VERSION`].
    pub version: u32,
    /// The election fingerprint `F`, which starts the chain (`chain₀`).
    pub fingerprint: Fingerprint,
    /// The record's files, in the order of SPEC.md §14.1.
    pub entries: Vec<IndexEntry>,
}

/// Why an index does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The index's version is not [`INDEX_VERSION`].
    #[error("index version {0} is not supported")]
    Version(u32),
    /// An entry's path is not plain (see [`is_plain_path`]).
    #[error("entry {index} (`{path}`): the path is not a plain relative path")]
    BadPath {
        /// The entry's position in the index (0-based).
        index: usize,
        /// The entry's path.
        path: String,
    },
    /// A path appears a second time.
    #[error("entry {index} (`{path}`): listed twice")]
    Duplicate {
        /// The position of the second entry (0-based).
        index: usize,
        /// The repeated path.
        path: String,
    },
    /// An entry's chain value does not satisfy eq. (R1): the index was altered or reordered.
    #[error("entry {index} (`{path}`): the chain value is wrong (index altered or reordered)")]
    BrokenChain {
        /// The entry's position in the index (0-based).
        index: usize,
        /// The entry's path.
        path: String,
    },
}

fn chain_start(fingerprint: &Fingerprint) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(CHAIN_DOMAIN);
    h.update(fingerprint.as_bytes());
    h.finalize().into()
}

/// SPEC.md eq. (IX1).
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
    /// An empty index for the election with this fingerprint.
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

    /// The entry for `path`, if the index lists it.
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

// ---------------------------------------------------------------------------------------------------------
// The officials' revocation list (SPEC.md §14.2)

/// The `format` string of `revocations.json` and the first bytes of its signed message (SPEC.md §14.2 eq. (R0)).
pub const REVOCATIONS_FORMAT: &str = "rv/revocations/v1";

/// `revocations.json`: the credentials of voters who voted on paper, signed by the officials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationList {
    /// Must be [`REVOCATIONS_FORMAT`].
    pub format: String,
    /// The election fingerprint `F`.
    pub fingerprint: Fingerprint,
    /// Sorted by bytes, without repeats.
    pub credentials: Vec<CredentialKey>,
    /// The officials' Ed25519 public key; must be the manifest's `roles.officials_key` (SPEC.md §4.5).
    #[serde(with = "crate::group::bytes_hex")]
    pub officials_key: [u8; 32],
    /// Ed25519 signature (`verify_strict`) over eq. (R0).
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
}

/// Why a revocation list is refused (check V8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// The `format` is not [`REVOCATIONS_FORMAT`].
    #[error("unknown revocation list format `{0}`")]
    Format(String),
    /// The list's fingerprint is not this election's.
    #[error("the revocation list is for another election")]
    WrongElection,
    /// Credentials out of order or repeated; the number is the position of the first offender.
    #[error("credentials are not sorted by bytes without repeats (at position {0})")]
    NotSorted(usize),
    /// `officials_key` is not a valid Ed25519 public key.
    #[error("the officials' key is not a valid Ed25519 key")]
    BadKey,
    /// Signed by a key other than the manifest's officials' key.
    #[error("signed by the key {found}, not the officials' key the manifest names ({expected})")]
    NotTheOfficials {
        /// The list's key, in hex.
        found: String,
        /// The manifest's officials' key, in hex.
        expected: String,
    },
    /// The signature does not verify over eq. (R0).
    #[error("the officials' signature does not verify")]
    BadSignature,
}

impl RevocationList {
    /// SPEC.md eq. (R0).
    fn message(fingerprint: &Fingerprint, credentials: &[CredentialKey]) -> Vec<u8> {
        let mut w = crate::codec::Writer::new();
        w.raw(REVOCATIONS_FORMAT.as_bytes()).raw(fingerprint.as_bytes()).u32(credentials.len() as u32);
        for c in credentials {
            w.raw(c.as_bytes());
        }
        w.finish()
    }

    /// Sorts and de-duplicates `credentials`, then signs.
    pub fn sign(key: &SigningKey, fingerprint: Fingerprint, mut credentials: Vec<CredentialKey>) -> Self {
        credentials.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        credentials.dedup_by(|a, b| a.as_bytes() == b.as_bytes());
        let signature = key.sign(&Self::message(&fingerprint, &credentials)).to_bytes();
        Self {
            format: REVOCATIONS_FORMAT.into(),
            fingerprint,
            credentials,
            officials_key: key.verifying_key().to_bytes(),
            signature,
        }
    }

    /// Check V8's first part: format, election, order, the officials' key is the manifest's, signature.
    pub fn verify(&self, fingerprint: &Fingerprint, roles: &Roles) -> Result<(), RevocationError> {
        if self.format != REVOCATIONS_FORMAT {
            return Err(RevocationError::Format(self.format.clone()));
        }
        if self.fingerprint != *fingerprint {
            return Err(RevocationError::WrongElection);
        }
        if let Some(i) = self.credentials.windows(2).position(|w| w[0].as_bytes() >= w[1].as_bytes()) {
            return Err(RevocationError::NotSorted(i + 1));
        }
        let key = decode_verifying_key(&self.officials_key, "officials key").map_err(|_| RevocationError::BadKey)?;
        if key != *roles.officials_key.verifying_key() {
            return Err(RevocationError::NotTheOfficials {
                found: hex::encode(self.officials_key),
                expected: roles.officials_key.to_hex(),
            });
        }
        key.verify_strict(&Self::message(&self.fingerprint, &self.credentials), &Signature::from_bytes(&self.signature))
            .map_err(|_| RevocationError::BadSignature)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Layout (SPEC.md §14.1)

/// The record's index (SPEC.md §13); not listed in itself.
pub const INDEX_PATH: &str = "index.json";
/// The election parameters (SPEC.md §8.8), the first file of the index.
pub const ELECTION_PATH: &str = "election.json";
/// The collector's export (SPEC.md §11.5), byte for byte.
pub const BALLOT_BOX_PATH: &str = "ballot-box.json";
/// The officials' signed revocation list (SPEC.md §14.2).
pub const REVOCATIONS_PATH: &str = "revocations.json";
/// Every ballot refused by check, with its reason (SPEC.md §14.3 R1).
pub const REJECTED_PATH: &str = "tally/rejected.json";
/// Every accepted ballot replaced by a later one of the same credential (SPEC.md §14.3 R2).
pub const SUPERSEDED_PATH: &str = "tally/superseded.json";
/// Every remaining ballot removed for a revoked credential (SPEC.md §14.3 R3).
pub const REVOKED_PATH: &str = "tally/revoked.json";
/// The count (SPEC.md §12.5, §14.3 R6), the last file of the index.
pub const RESULT_PATH: &str = "result.json";
/// The ceremony's trustee message kinds, in the record's order; the officials' close ([`CLOSE_PATH`]) comes after
/// the first [`CLOSED_KINDS`] of them.
pub const CEREMONY_KINDS: [&str; 5] = ["announcement", "dealing", "confirmation", "reveal", "recovery"];
/// How many of [`CEREMONY_KINDS`] the close names (rounds 1–3).
pub const CLOSED_KINDS: usize = 3;
/// The officials' close of the key ceremony (M4, SPEC.md §10.6).
pub const CLOSE_PATH: &str = "ceremony/close.json";

/// `ceremony/KIND-J.json`: trustee `J`'s ceremony file of one of [`CEREMONY_KINDS`] (SPEC.md §14.1).
pub fn ceremony_path(kind: &str, trustee: u16) -> String {
    format!("ceremony/{kind}-{trustee}.json")
}
/// `UNIT/input.list`, with `UNIT` the unit's folder (`contest-C`, or `contest-C/district-D` with districts: [`Unit`]'s
/// `Display`): the list that enters the unit's mix (SPEC.md §14.3 R4, §9.1.1).
pub fn input_path(unit: impl Into<Unit>) -> String {
    format!("{}/input.list", unit.into())
}
/// `UNIT/stage-K.list`: mix stage `K`'s output list (SPEC.md §9.5).
pub fn stage_list_path(unit: impl Into<Unit>, stage: u16) -> String {
    format!("{}/stage-{stage}.list", unit.into())
}
/// `UNIT/stage-K.proof`: mix stage `K`'s proof of shuffle (SPEC.md §9.5).
pub fn stage_proof_path(unit: impl Into<Unit>, stage: u16) -> String {
    format!("{}/stage-{stage}.proof", unit.into())
}
/// `UNIT/stage-K.sig`: the mix server's signature of stage `K` (SPEC.md §9.5.1).
pub fn stage_signature_path(unit: impl Into<Unit>, stage: u16) -> String {
    format!("{}/stage-{stage}.sig", unit.into())
}
/// `contest-C/partial-J.bin`: trustee `J`'s partial decryption M5 of contest `C` (SPEC.md §10.8).
pub fn partial_path(unit: impl Into<Unit>, trustee: u16) -> String {
    format!("{}/partial-{trustee}.bin", unit.into())
}
/// `UNIT/plaintexts.list`: the combined decryption of contest `C` (SPEC.md §10.9).
pub fn plaintexts_path(unit: impl Into<Unit>) -> String {
    format!("{}/plaintexts.list", unit.into())
}
/// `UNIT/answers.json`: contest `C`'s decoded answers (SPEC.md §14.3 R5).
pub fn answers_path(unit: impl Into<Unit>) -> String {
    format!("{}/answers.json", unit.into())
}

/// What the layout check learned: which trustees' files the record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// For each ceremony kind (in [`CEREMONY_KINDS`] order), the trustees whose file is present, ascending.
    pub ceremony: Vec<Vec<u16>>,
    /// For each unit ([`Manifest::units`]), the trustees whose partial decryption is present, ascending (none for
    /// an empty unit, and none for any unit before the trustees decrypt).
    pub partials: Vec<Vec<u16>>,
    /// For each unit, whether it is empty: no ballot reached it, so its `input.list` has no rows and it has no mix
    /// stages, no decryption and no plaintexts (SPEC.md §14.1).
    pub empty: Vec<bool>,
}

/// Why the index's paths are not the layout §14.1 requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("entry {index}: expected {expected}, found `{found}`")]
    /// An entry is not the file the layout requires at that place.
    Unexpected {
        /// The entry's position in the index (0-based).
        index: usize,
        /// What the layout requires there.
        expected: String,
        /// The path found.
        found: String,
    },
    #[error("the index ends early: expected {expected}")]
    /// The index ends before the layout does.
    Missing {
        /// The first file missing.
        expected: String,
    },
}

/// Checks that `paths` (the index's, in order) are exactly the files §14.1 requires for an election with this
/// manifest: fixed files where fixed, trustee files (`J` in `1..=n`, ascending, at least one partial decryption
/// per contest) where the trustees decide.
pub fn check_layout(manifest: &Manifest, paths: &[&str]) -> Result<Layout, LayoutError> {
    let mut at = 0usize;
    let fixed = |expected: &str, at: &mut usize| -> Result<(), LayoutError> {
        match paths.get(*at) {
            Some(p) if *p == expected => {
                *at += 1;
                Ok(())
            }
            Some(p) => {
                Err(LayoutError::Unexpected { index: *at, expected: format!("`{expected}`"), found: p.to_string() })
            }
            None => Err(LayoutError::Missing { expected: format!("`{expected}`") }),
        }
    };
    // Trustee files: consecutive entries `make(J)`, J ascending within 1..=n.
    let trustees = |make: &dyn Fn(u16) -> String, at: &mut usize| -> Vec<u16> {
        let mut found = Vec::new();
        for j in 1..=manifest.trustees.count {
            if paths.get(*at).is_some_and(|p| *p == make(j)) {
                found.push(j);
                *at += 1;
            }
        }
        found
    };
    fixed(ELECTION_PATH, &mut at)?;
    let mut ceremony = Vec::with_capacity(CEREMONY_KINDS.len());
    for (k, kind) in CEREMONY_KINDS.iter().enumerate() {
        if k == CLOSED_KINDS {
            fixed(CLOSE_PATH, &mut at)?;
        }
        ceremony.push(trustees(&|j| ceremony_path(kind, j), &mut at));
    }
    for p in [BALLOT_BOX_PATH, REVOCATIONS_PATH, REJECTED_PATH, SUPERSEDED_PATH, REVOKED_PATH] {
        fixed(p, &mut at)?;
    }
    let mut partials = Vec::new();
    let mut empty = Vec::new();
    for c in manifest.units() {
        fixed(&input_path(c), &mut at)?;
        // A unit no ballot reached: its answers follow its (empty) input at once.
        let is_empty = paths.get(at).is_some_and(|p| *p == answers_path(c));
        empty.push(is_empty);
        if is_empty {
            at += 1;
            partials.push(Vec::new());
            continue;
        }
        for k in 1..=manifest.mix_stages() {
            fixed(&stage_list_path(c, k), &mut at)?;
            fixed(&stage_proof_path(c, k), &mut at)?;
            fixed(&stage_signature_path(c, k), &mut at)?;
        }
        let present = trustees(&|j| partial_path(c, j), &mut at);
        if present.is_empty() {
            let expected = format!("`{}` for some trustee J", partial_path(c, 0).replace("-0.", "-J."));
            return Err(match paths.get(at) {
                Some(p) => LayoutError::Unexpected { index: at, expected, found: p.to_string() },
                None => LayoutError::Missing { expected },
            });
        }
        partials.push(present);
        fixed(&plaintexts_path(c), &mut at)?;
        fixed(&answers_path(c), &mut at)?;
    }
    fixed(RESULT_PATH, &mut at)?;
    if let Some(p) = paths.get(at) {
        return Err(LayoutError::Unexpected {
            index: at,
            expected: "the end of the index".into(),
            found: p.to_string(),
        });
    }
    Ok(Layout { ceremony, partials, empty })
}

/// The paths §14.1 requires, in order, for an election with this manifest whose trustee files are those `layout`
/// names: the index [`check_layout`] accepts, returning `layout`.
pub fn layout_paths(manifest: &Manifest, layout: &Layout) -> Vec<String> {
    let mut paths = vec![ELECTION_PATH.to_string()];
    for (k, (kind, trustees)) in CEREMONY_KINDS.iter().zip(&layout.ceremony).enumerate() {
        if k == CLOSED_KINDS {
            paths.push(CLOSE_PATH.to_string());
        }
        paths.extend(trustees.iter().map(|&j| ceremony_path(kind, j)));
    }
    paths.extend([BALLOT_BOX_PATH, REVOCATIONS_PATH, REJECTED_PATH, SUPERSEDED_PATH, REVOKED_PATH].map(String::from));
    for (u, c) in manifest.units().into_iter().enumerate() {
        let partials = layout.partials.get(u).map_or(&[][..], Vec::as_slice);
        paths.push(input_path(c));
        if layout.empty.get(u).copied().unwrap_or(false) {
            paths.push(answers_path(c));
            continue;
        }
        for k in 1..=manifest.mix_stages() {
            paths.push(stage_list_path(c, k));
            paths.push(stage_proof_path(c, k));
            paths.push(stage_signature_path(c, k));
        }
        paths.extend(partials.iter().map(|&j| partial_path(c, j)));
        paths.push(plaintexts_path(c));
        paths.push(answers_path(c));
    }
    paths.push(RESULT_PATH.to_string());
    paths
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
    fn revocation_list_signs_and_verifies() {
        use crate::credential::Credential;
        let secrets = crate::roles::example_role_secrets(1);
        let officials = secrets.officials;
        let roles = crate::roles::example_roles(1);
        let f = Fingerprint([7; 32]);
        let c: Vec<CredentialKey> = (0..3).map(|_| Credential::generate(&mut rand::rngs::OsRng).public_key()).collect();
        let list = RevocationList::sign(&officials, f, vec![c[2], c[0], c[1], c[0]]);
        assert_eq!(list.credentials.len(), 3);
        assert_eq!(list.verify(&f, &roles), Ok(()));
        assert_eq!(list.verify(&Fingerprint([8; 32]), &roles), Err(RevocationError::WrongElection));
        // Signed by a key the manifest does not name (the audit's "other officials").
        let other = RevocationList::sign(&crate::generate_signing_key(&mut rand::rngs::OsRng), f, c.clone());
        assert!(matches!(other.verify(&f, &roles), Err(RevocationError::NotTheOfficials { .. })));
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(serde_json::from_str::<RevocationList>(&json).unwrap(), list);
        let mut dropped = list.clone();
        dropped.credentials.remove(1);
        assert_eq!(dropped.verify(&f, &roles), Err(RevocationError::BadSignature));
        let mut unsorted = list.clone();
        unsorted.credentials.swap(0, 1);
        assert_eq!(unsorted.verify(&f, &roles), Err(RevocationError::NotSorted(1)));
        let empty = RevocationList::sign(&officials, f, Vec::new());
        assert_eq!(empty.verify(&f, &roles), Ok(()));
    }

    #[test]
    fn layout() {
        let mut m = crate::manifest::example_manifest();
        m.contests.truncate(1);
        m.roles = crate::roles::example_roles(2);
        m.trustees.count = 3;
        let mut paths: Vec<String> = vec![ELECTION_PATH.into()];
        for (k, kind) in CEREMONY_KINDS.iter().enumerate() {
            if k == CLOSED_KINDS {
                paths.push(CLOSE_PATH.into());
            }
            if *kind != "recovery" {
                paths.extend((1..=3).map(|j| ceremony_path(kind, j)));
            }
        }
        paths.extend(
            [BALLOT_BOX_PATH, REVOCATIONS_PATH, REJECTED_PATH, SUPERSEDED_PATH, REVOKED_PATH].map(String::from),
        );
        paths.push(input_path(0));
        for k in 1..=2 {
            paths.push(stage_list_path(0, k));
            paths.push(stage_proof_path(0, k));
            paths.push(stage_signature_path(0, k));
        }
        paths.push(partial_path(0, 1));
        paths.push(partial_path(0, 3));
        paths.extend([plaintexts_path(0), answers_path(0), RESULT_PATH.into()]);
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let layout = check_layout(&m, &refs).unwrap();
        assert_eq!(layout.partials, vec![vec![1, 3]]);
        assert_eq!(layout.ceremony[0], vec![1, 2, 3]);
        // The paths the tallier writes the index from are those the check accepts, with any trustee files.
        assert_eq!(layout_paths(&m, &layout), paths);
        let absent = Layout { ceremony: vec![vec![1, 3]; 5], partials: vec![vec![3]], empty: vec![false] };
        let written = layout_paths(&m, &absent);
        let refs_absent: Vec<&str> = written.iter().map(String::as_str).collect();
        assert_eq!(check_layout(&m, &refs_absent), Ok(absent));
        let mut swapped = refs.clone();
        swapped.swap(1, 2);
        assert!(matches!(check_layout(&m, &swapped), Err(LayoutError::Unexpected { .. })));
        let mut extra = refs.clone();
        extra.push("notes.txt");
        assert!(matches!(check_layout(&m, &extra), Err(LayoutError::Unexpected { .. })));
        assert!(matches!(check_layout(&m, &refs[..refs.len() - 1]), Err(LayoutError::Missing { .. })));
        let unsigned: Vec<&str> = refs.iter().copied().filter(|p| !p.ends_with(".sig")).collect();
        assert!(check_layout(&m, &unsigned).is_err(), "a stage without its signature");
        let no_partials: Vec<&str> = refs.iter().copied().filter(|p| !p.contains("partial")).collect();
        assert!(check_layout(&m, &no_partials).is_err());
    }

    #[test]
    fn plain_paths() {
        assert!(is_plain_path("mix/contest-0/stage-1.proof"));
        for bad in ["", "/abs", "a//b", "a/./b", "a/../b", "a\\b", "a b"] {
            assert!(!is_plain_path(bad), "{bad}");
        }
    }
}

//! One election: the manifest, the election key and the fingerprint that binds them (SPEC.md §4.4, §8.8), and the
//! forms in which files and the collector carry them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::Encode;
use crate::elgamal::{EncryptionKey, PublicKey};
use crate::error::ManifestError;
use crate::fingerprint::Fingerprint;
use crate::manifest::Manifest;

/// Everything a client or checker needs about one election: the manifest, the key (with its table), the
/// fingerprint.
#[derive(Debug)]
pub struct Election {
    manifest: Manifest,
    key: EncryptionKey,
    fingerprint: Fingerprint,
}

/// The public parameters of an election as files and web pages carry them (SPEC.md §8.8):
/// `{"manifest": …, "public_key": hex}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionParameters {
    /// The election manifest (SPEC.md §4.1).
    pub manifest: Manifest,
    /// The election public key `Y`, from the key ceremony.
    pub public_key: PublicKey,
}

/// The collector's `GET /election` answer (collector/API.md, SPEC.md §11.6): the parameters, the manifest's
/// canonical encoding (§4.2, hex: what the voter's WASM module decodes), the fingerprint the collector states and
/// the collector's key. A reader recomputes the fingerprint and compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedElection {
    /// The manifest, as JSON.
    pub manifest: Manifest,
    /// The manifest's canonical encoding `M` (SPEC.md §4.2), lower-case hex.
    pub manifest_bytes: String,
    /// The election public key `Y`.
    pub public_key: PublicKey,
    /// The fingerprint `F` the collector states; a reader recomputes it by eq. (2) and compares.
    pub fingerprint: Fingerprint,
    /// The collector's Ed25519 public key (signed tree heads and receipts).
    #[serde(with = "crate::group::bytes_hex")]
    pub collector_key: [u8; 32],
}

impl ElectionParameters {
    /// The election these parameters describe: the manifest validated, the fingerprint computed.
    pub fn election(&self) -> Result<Election, ManifestError> {
        Election::new(self.manifest.clone(), self.public_key)
    }
}

impl Election {
    /// Parses `ElectionParameters` JSON and validates the manifest.
    pub fn from_json(json: &str) -> Result<Self, ManifestError> {
        let p: ElectionParameters = serde_json::from_str(json).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        Self::new(p.manifest, p.public_key)
    }
    /// The parameters to write to a file (SPEC.md §8.8).
    pub fn parameters(&self) -> ElectionParameters {
        ElectionParameters { manifest: self.manifest.clone(), public_key: *self.public_key() }
    }
    /// Validates the manifest (SPEC.md §4.3) and computes the fingerprint (eq. (2)); fails if the manifest is invalid.
    pub fn new(manifest: Manifest, public_key: PublicKey) -> Result<Self, ManifestError> {
        manifest.validate()?;
        let fingerprint = manifest.fingerprint(&public_key);
        Ok(Self { manifest, key: EncryptionKey::new(public_key), fingerprint })
    }
    /// The validated manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    /// The election public key `Y`.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }
    /// `Y` with its precomputed table, for encryption.
    pub fn encryption_key(&self) -> &EncryptionKey {
        &self.key
    }
    /// The fingerprint `F` (SPEC.md §4.4 eq. (2)).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }
}

impl Manifest {
    /// SPEC.md §4.4 eq. (2): the election fingerprint
    /// `SHA-256("rv/fingerprint/v1" ‖ u32(|M|) ‖ M ‖ pk)`, where `M` is the canonical manifest encoding and `pk`
    /// the 32-byte election public key.
    pub fn fingerprint(&self, public_key: &PublicKey) -> Fingerprint {
        let m = self.to_bytes();
        let mut h = Sha256::new();
        h.update(b"rv/fingerprint/v1");
        h.update((m.len() as u32).to_be_bytes());
        h.update(&m);
        h.update(public_key.element().compressed().as_bytes());
        Fingerprint(h.finalize().into())
    }
}

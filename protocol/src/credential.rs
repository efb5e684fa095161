//! Voters' credentials (SPEC.md §8.1): the secret signing key a voter holds, and the public key the registry lists.
//! Also the one decoder of an Ed25519 public key, which refuses small-order points, used for every role's key.

use core::fmt;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};

/// A voter's signing credential (Ed25519). Wiped on drop; prints as redacted; neither `Clone` nor `Serialize`.
pub struct Credential(SigningKey);

impl Credential {
    /// A fresh credential: a 32-byte Ed25519 seed from `rng`.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self(crate::generate_signing_key(rng))
    }
    /// From the 32-byte secret seed (as handed to the voter).
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(secret))
    }
    /// The 32-byte secret seed, for handing to the voter; wiped when dropped.
    pub fn expose_secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }
    /// The voter's public credential key, which the registry lists and the ballot names.
    pub fn public_key(&self) -> CredentialKey {
        CredentialKey(self.0.verifying_key())
    }
    /// Signs `message` (a ballot body's signed message, SPEC.md §8.2).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential(<redacted>, public {:?})", self.public_key())
    }
}

/// SPEC.md §8.1: an Ed25519 public key (a voter's, a trustee's, the collector's) must decode to a curve point
/// that is not of small order.
pub fn decode_verifying_key(bytes: &[u8; 32], what: &'static str) -> Result<VerifyingKey, DecodeError> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| DecodeError::InvalidVerifyingKey { what })?;
    if key.is_weak() {
        return Err(DecodeError::InvalidVerifyingKey { what });
    }
    Ok(key)
}

/// A voter's public credential key: a valid Ed25519 point that is not of small order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CredentialKey(pub(crate) VerifyingKey);

impl CredentialKey {
    /// SPEC.md §8.1: decodes and checks a credential key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        Ok(Self(decode_verifying_key(bytes, "credential key")?))
    }
    /// The key's 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
    /// The key in lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }
}

impl fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialKey({})", self.to_hex())
    }
}

impl Serialize for CredentialKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for CredentialKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes =
            crate::group::hex_array(&String::deserialize(d)?, "credential key").map_err(serde::de::Error::custom)?;
        CredentialKey::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

impl Encode for CredentialKey {
    fn encode(&self, w: &mut Writer) {
        w.raw(self.as_bytes());
    }
}
impl Decode for CredentialKey {
    const WHAT: &'static str = "credential key";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        CredentialKey::from_bytes(&r.array(Self::WHAT)?)
    }
}

//! Voters' credentials (SPEC.md §8.1): the secret signing key a voter holds, and the public key the registry lists.
//! Also the one decoder of an Ed25519 public key, which refuses small-order points, used for every role's key.
//!
//! The voter holds the secret as text ([`Credential::to_text`], [`Credential::from_text`]): 56 Crockford base32
//! characters in 14 groups of 4, the last 4 a check group, so that a mistyped credential is refused when it is
//! typed, with the reason (its length, a character that cannot be in it, or the check), not after the ballot is
//! filled. SPEC.md §8.1 writes the form down.

use core::fmt;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
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
    /// SPEC.md §8.1: the credential as the voter holds it: 56 characters of Crockford base32 in groups of 4
    /// (`XXXX-XXXX-…`, 69 with the dashes), the last group a check group. Wiped when dropped.
    pub fn to_text(&self) -> Zeroizing<String> {
        let secret = self.expose_secret_bytes();
        let symbols = text_symbols(&secret);
        let mut text = Zeroizing::new(String::with_capacity(CREDENTIAL_TEXT_SYMBOLS + CREDENTIAL_TEXT_SYMBOLS / 4));
        for (i, v) in symbols.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                text.push('-');
            }
            text.push(char::from(CROCKFORD[usize::from(*v)]));
        }
        text
    }

    /// SPEC.md §8.1: reads a credential's text form. Case, spaces and dashes are ignored, and `I`, `L` read as `1`,
    /// `O` as `0` (Crockford). Refused, with the reason, when a character cannot be in a credential, when there are
    /// not 56 characters, or when the check group does not match (a character is wrong, or two are swapped).
    pub fn from_text(text: &str) -> Result<Self, CredentialTextError> {
        let mut symbols = Zeroizing::new([0u8; CREDENTIAL_TEXT_SYMBOLS]);
        let mut n = 0usize;
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let v = crockford_value(c).ok_or(CredentialTextError::Character { character: c, position: n + 1 })?;
            if n < CREDENTIAL_TEXT_SYMBOLS {
                symbols[n] = v;
            }
            n += 1;
        }
        if n != CREDENTIAL_TEXT_SYMBOLS {
            return Err(CredentialTextError::Length { found: n, expected: CREDENTIAL_TEXT_SYMBOLS });
        }
        // The 260 bits of the first 52 characters: the secret's 256, then 4 zero bits.
        let mut secret = Zeroizing::new([0u8; 32]);
        let mut acc: u16 = 0;
        let mut bits = 0u32;
        let mut out = 0usize;
        for v in &symbols[..DATA_SYMBOLS] {
            acc = (acc << 5) | u16::from(*v);
            bits += 5;
            if bits >= 8 && out < 32 {
                bits -= 8;
                secret[out] = (acc >> bits) as u8;
                out += 1;
                acc &= (1 << bits) - 1;
            }
        }
        // The secret's bits, its 4 zero bits and its check group, all as they should be (constant time: a secret).
        let expected = text_symbols(&secret);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &symbols[..])) {
            return Err(CredentialTextError::Check);
        }
        Ok(Self::from_secret_bytes(&secret))
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

/// Crockford's base32 alphabet (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The characters of a credential's text form (SPEC.md §8.1): 52 for the secret, 4 for the check group.
pub const CREDENTIAL_TEXT_SYMBOLS: usize = 56;
/// The characters that carry the secret's 256 bits (and 4 zero bits).
const DATA_SYMBOLS: usize = 52;
/// The prime modulus of the check group's weighted sum (SPEC.md §8.1).
const CHECK_MODULUS: u32 = 1021;

/// The value of a Crockford base32 character, ignoring case; `I` and `L` read as 1, `O` as 0.
fn crockford_value(c: char) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    let c = match c {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    CROCKFORD.iter().position(|&a| char::from(a) == c).and_then(|p| u8::try_from(p).ok())
}

/// SPEC.md §8.1: the 56 character values of a secret's text form: its 256 bits and 4 zero bits in 52 characters,
/// then `C` (the weighted sum, 10 bits) and `D` (10 bits of SHA-256), 2 characters each.
fn text_symbols(secret: &[u8; 32]) -> Zeroizing<[u8; CREDENTIAL_TEXT_SYMBOLS]> {
    let mut symbols = Zeroizing::new([0u8; CREDENTIAL_TEXT_SYMBOLS]);
    let mut acc: u16 = 0;
    let mut bits = 0u32;
    let mut n = 0usize;
    for byte in secret.iter() {
        acc = (acc << 8) | u16::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            symbols[n] = ((acc >> bits) & 0x1f) as u8;
            n += 1;
        }
        acc &= (1 << bits) - 1;
    }
    // 256 = 51·5 + 1: the last bit, then 4 zero bits.
    symbols[n] = ((acc << (5 - bits)) & 0x1f) as u8;
    let c =
        symbols[..DATA_SYMBOLS].iter().zip(1u32..).fold(0u32, |sum, (v, i)| (sum + i * u32::from(*v)) % CHECK_MODULUS);
    let h = Sha256::new().chain_update(CREDENTIAL_TEXT_LABEL).chain_update(secret).finalize();
    let d = (u32::from(h[0]) << 2) | (u32::from(h[1]) >> 6);
    symbols[52] = (c >> 5) as u8;
    symbols[53] = (c & 0x1f) as u8;
    symbols[54] = (d >> 5) as u8;
    symbols[55] = (d & 0x1f) as u8;
    symbols
}

/// The domain label of the check group's hash (SPEC.md §8.1).
const CREDENTIAL_TEXT_LABEL: &[u8] = b"rv/credential-text/v1";

/// Why a credential's text form is refused (SPEC.md §8.1), in words a voter can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialTextError {
    /// A character that no credential has (counted from 1, spaces and dashes not counted).
    #[error("character {position} ({character:?}) cannot be in a credential: it has only digits and the letters A to Z except U")]
    Character {
        /// The character.
        character: char,
        /// Its position, from 1.
        position: usize,
    },
    /// Too many or too few characters.
    #[error("the credential has {found} characters (without spaces and dashes); it must have {expected}")]
    Length {
        /// The characters found.
        found: usize,
        /// The characters a credential has (56).
        expected: usize,
    },
    /// The check group does not match: a character is wrong, or two are swapped.
    #[error("the credential's check does not match: a character is mistyped, or two are swapped")]
    Check,
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

impl AsRef<[u8; 32]> for CredentialKey {
    fn as_ref(&self) -> &[u8; 32] {
        self.as_bytes()
    }
}

/// A credential key of a registry: checked as a [`CredentialKey`] is (§8.1, the one decoder) and held as its 32
/// bytes. A registry of millions holds these (32 bytes a voter; a `CredentialKey` keeps the decompressed point
/// too, 192 bytes); it is compared and hashed by bytes and is never used to verify a signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegisteredKey([u8; 32]);

impl RegisteredKey {
    /// SPEC.md §8.1: decodes and checks a credential key, keeping its bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        CredentialKey::from_bytes(bytes).map(Self::from)
    }
    /// The key's 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// The key in lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl From<CredentialKey> for RegisteredKey {
    fn from(key: CredentialKey) -> Self {
        RegisteredKey(*key.as_bytes())
    }
}

impl AsRef<[u8; 32]> for RegisteredKey {
    fn as_ref(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq<CredentialKey> for RegisteredKey {
    fn eq(&self, other: &CredentialKey) -> bool {
        &self.0 == other.as_bytes()
    }
}

impl fmt::Debug for RegisteredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegisteredKey({})", self.to_hex())
    }
}

impl Serialize for RegisteredKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for RegisteredKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CredentialKey::deserialize(d).map(Self::from)
    }
}

/// Credential keys checked per batch while a registry is read ([`registry`]).
const REGISTRY_BATCH: usize = 4096;

/// Reads a registry's keys (the ballot box's `credentials`, §11.5): each key is read as hex as it is parsed and
/// checked as a [`CredentialKey`] is (§8.1, [`RegisteredKey::from_bytes`]), a batch at a time while the next is
/// parsed, natively over all cores. The first key that is not a credential key is the error, named by its position.
pub fn registry<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RegisteredKey>, D::Error> {
    let mut keys = Vec::new();
    read_registry(d, &mut |batch| {
        keys.extend(batch);
        Ok(())
    })?;
    Ok(keys)
}

/// [`registry`], each batch of checked keys given to `take` in order instead of kept (a box's keys written to a
/// scratch store as they are read). An error of `take` stops the reading and is the error.
pub(crate) fn read_registry<'de, D: Deserializer<'de>>(
    d: D,
    take: &mut dyn FnMut(Vec<RegisteredKey>) -> Result<(), String>,
) -> Result<(), D::Error> {
    struct Keys<'t>(&'t mut dyn FnMut(Vec<RegisteredKey>) -> Result<(), String>);
    impl<'de> serde::de::Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of credential keys")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut taken = 0usize;
            let mut first_bad: Option<String> = None;
            crate::batches::read_in_batches(
                REGISTRY_BATCH,
                || {
                    let Some(text) = seq.next_element::<String>()? else { return Ok(None) };
                    crate::group::hex_array(&text, "credential key").map(Some).map_err(serde::de::Error::custom)
                },
                |batch: Vec<[u8; 32]>| {
                    let bad = |(i, b): (usize, &[u8; 32])| RegisteredKey::from_bytes(b).err().map(|e| (i, e));
                    #[cfg(not(target_arch = "wasm32"))]
                    let first = {
                        use rayon::prelude::*;
                        batch.par_iter().enumerate().find_map_first(bad)
                    };
                    #[cfg(target_arch = "wasm32")]
                    let first = batch.iter().enumerate().find_map(bad);
                    (batch, first)
                },
                |(batch, first): (Vec<[u8; 32]>, Option<(usize, DecodeError)>)| {
                    if first_bad.is_some() {
                        return;
                    }
                    if let Some((i, e)) = first {
                        first_bad = Some(format!("credential {}: {e}", taken + i));
                        return;
                    }
                    taken += batch.len();
                    // Every key of the batch was checked just now.
                    if let Err(e) = (self.0)(batch.into_iter().map(RegisteredKey).collect()) {
                        first_bad = Some(e);
                    }
                },
            )?;
            match first_bad {
                Some(e) => Err(serde::de::Error::custom(e)),
                None => Ok(()),
            }
        }
    }
    d.deserialize_seq(Keys(take))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    /// SPEC.md §8.1's known answer: the secret 00 01 02 … 1f.
    #[test]
    fn credential_text_known_answer() {
        let secret: [u8; 32] = core::array::from_fn(|i| i as u8);
        let text = Credential::from_secret_bytes(&secret).to_text();
        assert_eq!(&*text, KAT_TEXT);
        let back = Credential::from_text(KAT_TEXT).unwrap();
        assert_eq!(*back.expose_secret_bytes(), secret);
    }
    const KAT_TEXT: &str = "000G-40R4-0M30-E209-185G-R38E-1W81-24GK-2GAH-C5RR-34D1-P70X-3RFG-4HDF";

    fn credentials() -> Vec<Credential> {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(81);
        let mut all: Vec<Credential> = (0..20).map(|_| Credential::generate(&mut rng)).collect();
        all.push(Credential::from_secret_bytes(&[0; 32]));
        all.push(Credential::from_secret_bytes(&[0xff; 32]));
        all
    }

    #[test]
    fn credential_text_round_trips_ignoring_case_spaces_and_dashes() {
        for c in credentials() {
            let text = c.to_text();
            assert_eq!(text.len(), 69);
            assert_eq!(text.split('-').count(), 14);
            assert!(text.split('-').all(|g| g.len() == 4));
            let key = c.public_key();
            assert_eq!(Credential::from_text(&text).unwrap().public_key(), key);
            let loose: String = text.to_lowercase().replace('-', " ");
            assert_eq!(Credential::from_text(&format!("  {loose}\n")).unwrap().public_key(), key);
            let bare: String = text.replace('-', "");
            assert_eq!(Credential::from_text(&bare).unwrap().public_key(), key);
            // Crockford's readings: O for 0, I and L for 1.
            let misread = text.replace('0', "o").replace('1', "l");
            assert_eq!(Credential::from_text(&misread).unwrap().public_key(), key);
        }
    }

    /// SPEC.md §8.1: every single wrong character and every swap of two different neighbours is caught, for
    /// every position (the weighted sum `C` guarantees it; `D` adds 10 bits against other errors).
    #[test]
    fn credential_text_catches_every_single_error_and_every_swap() {
        for c in credentials() {
            let text = c.to_text();
            let symbols: Vec<u8> = text.bytes().filter(|b| *b != b'-').collect();
            for i in 0..symbols.len() {
                for &other in CROCKFORD.iter().filter(|&&a| a != symbols[i]) {
                    let mut wrong = symbols.clone();
                    wrong[i] = other;
                    assert_eq!(
                        Credential::from_text(core::str::from_utf8(&wrong).unwrap()).err(),
                        Some(CredentialTextError::Check),
                        "character {i} changed"
                    );
                }
                if i + 1 < symbols.len() && symbols[i] != symbols[i + 1] {
                    let mut swapped = symbols.clone();
                    swapped.swap(i, i + 1);
                    assert_eq!(
                        Credential::from_text(core::str::from_utf8(&swapped).unwrap()).err(),
                        Some(CredentialTextError::Check),
                        "characters {i} and {} swapped",
                        i + 1
                    );
                }
            }
        }
    }

    #[test]
    fn credential_text_errors_say_what_is_wrong() {
        let text = Credential::from_secret_bytes(&[7; 32]).to_text();
        let bare: String = text.replace('-', "");
        assert_eq!(
            Credential::from_text(&bare[..55]).err(),
            Some(CredentialTextError::Length { found: 55, expected: 56 })
        );
        assert_eq!(
            Credential::from_text(&format!("{bare}A")).err(),
            Some(CredentialTextError::Length { found: 57, expected: 56 })
        );
        // The old form, 64 hex digits: a length error.
        assert_eq!(
            Credential::from_text(&"ab".repeat(32)).err(),
            Some(CredentialTextError::Length { found: 64, expected: 56 })
        );
        let mut with_u = bare.clone();
        with_u.replace_range(9..10, "U");
        assert_eq!(
            Credential::from_text(&with_u).err(),
            Some(CredentialTextError::Character { character: 'U', position: 10 })
        );
        assert_eq!(
            Credential::from_text("12-3?").err(),
            Some(CredentialTextError::Character { character: '?', position: 4 })
        );
        assert_eq!(Credential::from_text("").err(), Some(CredentialTextError::Length { found: 0, expected: 56 }));
        // Non-zero padding bits (the low 4 bits of character 52) are refused like any wrong character.
        let mut padded: Vec<u8> = bare.into_bytes();
        let v = crockford_value(char::from(padded[51])).unwrap() | 1;
        padded[51] = CROCKFORD[usize::from(v)];
        assert_eq!(
            Credential::from_text(core::str::from_utf8(&padded).unwrap()).err(),
            Some(CredentialTextError::Check)
        );
    }

    /// A registry's key is checked as a credential key is (one decoder) and keeps only its bytes.
    #[test]
    fn a_registered_key_is_checked_like_a_credential_key() {
        let key = Credential::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(7)).public_key();
        let json = serde_json::to_string(&key).unwrap();
        let registered: RegisteredKey = serde_json::from_str(&json).unwrap();
        assert_eq!(registered, key);
        assert_eq!(registered.as_bytes(), key.as_bytes());
        assert_eq!(serde_json::to_string(&registered).unwrap(), json);
        assert_eq!(std::mem::size_of::<RegisteredKey>(), 32);
        // The identity (small order) and a non-point are refused with the credential key's error.
        let identity = core::array::from_fn(|i| u8::from(i == 0));
        let not_a_point = (2..=255u8)
            .map(|y| core::array::from_fn(|i| if i == 0 { y } else { 0 }))
            .find(|b| VerifyingKey::from_bytes(b).is_err())
            .unwrap();
        for bytes in [identity, not_a_point] {
            let json = serde_json::to_string(&hex::encode(bytes)).unwrap();
            let ours = serde_json::from_str::<RegisteredKey>(&json).unwrap_err().to_string();
            let theirs = serde_json::from_str::<CredentialKey>(&json).unwrap_err().to_string();
            assert_eq!(ours, theirs);
            assert_eq!(RegisteredKey::from_bytes(&bytes).err(), CredentialKey::from_bytes(&bytes).err());
        }
    }

    /// A registry read in batches ([`registry`]) is every key in order; the first bad key (small order, not a point,
    /// not hex) is refused and named by its position, in any batch.
    #[test]
    fn a_registry_is_read_in_batches_and_the_first_bad_key_is_named() {
        #[derive(Debug, serde::Deserialize)]
        struct Box {
            #[serde(deserialize_with = "registry")]
            credentials: Vec<RegisteredKey>,
        }
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        let keys: Vec<String> =
            (0..REGISTRY_BATCH + 5).map(|_| Credential::generate(&mut rng).public_key().to_hex()).collect();
        let read = |keys: &[String]| serde_json::from_value::<Box>(serde_json::json!({ "credentials": keys }));
        let good = read(&keys).unwrap().credentials;
        assert_eq!(good.iter().map(RegisteredKey::to_hex).collect::<Vec<_>>(), keys);
        assert!(read(&[]).unwrap().credentials.is_empty());
        let identity_bytes: [u8; 32] = core::array::from_fn(|i| u8::from(i == 0));
        let identity = hex::encode(identity_bytes);
        for at in [0, 3, REGISTRY_BATCH - 1, REGISTRY_BATCH, REGISTRY_BATCH + 4] {
            let mut bad = keys.clone();
            bad[at] = identity.clone();
            bad[REGISTRY_BATCH + 4] = identity.clone();
            let err = read(&bad).unwrap_err().to_string();
            let why = CredentialKey::from_bytes(&identity_bytes).unwrap_err();
            assert!(err.starts_with(&format!("credential {at}: {why}")), "{err}");
        }
        let mut bad = keys.clone();
        bad[9] = "zz".into();
        assert!(read(&bad).unwrap_err().to_string().contains("credential key"));
    }
}

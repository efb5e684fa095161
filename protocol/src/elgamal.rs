//! Exponential-free ElGamal over Ristretto255, on single points and vectors of points (SPEC.md §6).
//!
//! With secret key `x` and public key `Y = x·G`, a message point `M` encrypts under randomness `r` as
//!
//! `Enc_Y(M; r) = (A, B) = (r·G, M + r·Y)`                                      — SPEC.md eq. (7)
//!
//! `ReEnc_Y((A, B); s) = (A + s·G, B + s·Y)`                                    — SPEC.md eq. (8)
//!
//! `Dec_x(A, B) = B − x·A`                                                      — SPEC.md eq. (9)

use core::fmt;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::group::{random_scalar, GroupElement, G};

/// An ElGamal secret key. Wiped on drop; prints as redacted; neither `Clone` nor `Serialize`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(Scalar);

impl SecretKey {
    /// A fresh secret key `x`, uniform from `rng`.
    pub fn generate<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(random_scalar(rng))
    }
    /// Wraps a scalar (e.g. a trustee's share). The caller is responsible for wiping its own copy.
    pub fn from_scalar(x: Scalar) -> Self {
        Self(x)
    }
    /// `Y = x·G` (SPEC.md §6).
    pub fn public_key(&self) -> PublicKey {
        PublicKey(GroupElement::new(RISTRETTO_BASEPOINT_TABLE * &self.0))
    }
    /// The scalar `x`; deliberately revealing.
    pub fn expose_scalar(&self) -> &Scalar {
        &self.0
    }
    /// SPEC.md eq. (9).
    pub fn decrypt(&self, c: &Ciphertext) -> RistrettoPoint {
        c.b.point() - self.0 * c.a.point()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// An ElGamal public key `Y`; never the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PublicKey(GroupElement);

impl PublicKey {
    /// A public key from a point; [`DecodeError::IdentityPoint`] for the identity (SPEC.md §6).
    pub fn from_element(e: GroupElement) -> Result<Self, DecodeError> {
        if e.is_identity() {
            return Err(DecodeError::IdentityPoint { what: "public key" });
        }
        Ok(Self(e))
    }
    /// The point `Y` with its encoding.
    pub fn element(&self) -> &GroupElement {
        &self.0
    }
    /// The point `Y`.
    pub fn point(&self) -> &RistrettoPoint {
        self.0.point()
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PublicKey::from_element(GroupElement::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Encode for PublicKey {
    fn encode(&self, w: &mut Writer) {
        w.element(&self.0);
    }
}
impl Decode for PublicKey {
    const WHAT: &'static str = "public key";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self(r.nonidentity_element(Self::WHAT)?))
    }
}

/// A public key with a precomputed table for fast fixed-base multiplication (about 30 KiB; worth it from a
/// handful of encryptions on).
pub struct EncryptionKey {
    key: PublicKey,
    table: RistrettoBasepointTable,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey").field("key", &self.key).finish_non_exhaustive()
    }
}

impl EncryptionKey {
    /// Builds the table for `key`.
    pub fn new(key: PublicKey) -> Self {
        Self { table: RistrettoBasepointTable::create(key.point()), key }
    }
    /// The public key `Y`.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }
    /// `r·Y` by the table.
    pub fn mul(&self, r: &Scalar) -> RistrettoPoint {
        &self.table * r
    }
    /// SPEC.md eq. (7).
    pub fn encrypt(&self, m: &RistrettoPoint, r: &Scalar) -> Ciphertext {
        Ciphertext::new(RISTRETTO_BASEPOINT_TABLE * r, m + self.mul(r))
    }
    /// SPEC.md eq. (8).
    pub fn reencrypt(&self, c: &Ciphertext, s: &Scalar) -> Ciphertext {
        Ciphertext::new(c.a.point() + RISTRETTO_BASEPOINT_TABLE * s, c.b.point() + self.mul(s))
    }
    /// Encrypts each point with fresh randomness; returns the ciphertexts and the randomness.
    pub fn encrypt_vector<R: RngCore + CryptoRng + ?Sized>(
        &self,
        ms: &[RistrettoPoint],
        rng: &mut R,
    ) -> (Vec<Ciphertext>, Vec<Scalar>) {
        let rs: Vec<Scalar> = ms.iter().map(|_| random_scalar(rng)).collect();
        (self.encrypt_many(ms, &rs), rs)
    }

    /// Encrypts `ms[i]` under `rs[i]` (SPEC.md eq. (7)), with the `A` components encoded in one batch: it
    /// computes `A'ᵢ = (rᵢ/2)·G` and then `encode(2·A'ᵢ)` for all `i` with one field inversion
    /// (`double_and_compress_batch`), instead of one inverse square root per `Aᵢ`.
    pub fn encrypt_many(&self, ms: &[RistrettoPoint], rs: &[Scalar]) -> Vec<Ciphertext> {
        let half = half();
        let halves: Vec<RistrettoPoint> = rs.iter().map(|r| RISTRETTO_BASEPOINT_TABLE * &(r * half)).collect();
        let a_bytes = RistrettoPoint::double_and_compress_batch(&halves);
        halves
            .iter()
            .zip(a_bytes)
            .zip(ms.iter().zip(rs))
            .map(|((h, a), (m, r))| Ciphertext {
                a: GroupElement::from_point_and_compressed(h + h, a),
                b: GroupElement::new(m + self.mul(r)),
            })
            .collect()
    }
}

/// `1/2 mod ℓ = (ℓ + 1)/2`, little-endian.
const HALF_BYTES: [u8; 32] = [
    247, 233, 122, 46, 141, 49, 9, 44, 107, 206, 123, 81, 239, 124, 111, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 8,
];

/// `1/2 mod ℓ`.
fn half() -> Scalar {
    Scalar::from_bytes_mod_order(HALF_BYTES)
}

/// An ElGamal ciphertext `(A, B)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ciphertext {
    /// `A = r·G`.
    pub a: GroupElement,
    /// `B = M + r·Y`.
    pub b: GroupElement,
}

impl Ciphertext {
    /// A ciphertext from computed points (compresses both).
    pub fn new(a: RistrettoPoint, b: RistrettoPoint) -> Self {
        Self { a: GroupElement::new(a), b: GroupElement::new(b) }
    }
    /// Recovers `M` from `B − r·Y` given the encryption randomness `r` (a Benaloh challenge or the voter's
    /// second device), after checking that `A = r·G`. `None` if the randomness does not match.
    pub fn open_with_randomness(&self, y: &PublicKey, r: &Scalar) -> Option<RistrettoPoint> {
        if RISTRETTO_BASEPOINT_TABLE * r != *self.a.point() {
            return None;
        }
        Some(self.b.point() - r * y.point())
    }
}

impl crate::transcript::AppendToTranscript for Ciphertext {
    /// SPEC.md §3: `point("A", A)`, then `point("B", B)`.
    fn append_to_transcript(&self, t: &mut merlin::Transcript) {
        use crate::transcript::TranscriptProtocol;
        t.append_element(b"A", &self.a);
        t.append_element(b"B", &self.b);
    }
}

impl Encode for Ciphertext {
    fn encode(&self, w: &mut Writer) {
        w.element(&self.a).element(&self.b);
    }
}
impl Decode for Ciphertext {
    const WHAT: &'static str = "ciphertext";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { a: r.element("ciphertext.a")?, b: r.element("ciphertext.b")? })
    }
}

/// `x·G` for a public scalar or a secret one (constant time).
pub fn base_mul(x: &Scalar) -> RistrettoPoint {
    RISTRETTO_BASEPOINT_TABLE * x
}

/// The generator as a group element.
pub fn generator() -> GroupElement {
    GroupElement::new(G)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    proptest! {
        #[test]
        fn encrypt_reencrypt_decrypt_round_trip(seed in any::<[u8; 32]>()) {
            use rand_chacha::rand_core::SeedableRng;
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
            let sk = SecretKey::generate(&mut rng);
            let ek = EncryptionKey::new(sk.public_key());
            let m = crate::group::random_point(&mut rng);
            let r = random_scalar(&mut rng);
            let c = ek.encrypt(&m, &r);
            prop_assert_eq!(sk.decrypt(&c), m);
            prop_assert_eq!(c.open_with_randomness(ek.public_key(), &r), Some(m));
            let c2 = ek.reencrypt(&c, &random_scalar(&mut rng));
            prop_assert_ne!(c2, c);
            prop_assert_eq!(sk.decrypt(&c2), m);
            prop_assert_eq!(Ciphertext::from_bytes(&c2.to_bytes()).unwrap(), c2);
        }
    }

    #[test]
    fn half_is_the_inverse_of_two() {
        assert_eq!(half() * Scalar::from(2u8), Scalar::ONE);
    }

    #[test]
    fn batch_encoded_encryption_matches_plain_encryption() {
        let ek = EncryptionKey::new(SecretKey::generate(&mut OsRng).public_key());
        let ms: Vec<_> = (0..5).map(|_| crate::group::random_point(&mut OsRng)).collect();
        let rs: Vec<_> = (0..5).map(|_| random_scalar(&mut OsRng)).collect();
        let many = ek.encrypt_many(&ms, &rs);
        for ((c, m), r) in many.iter().zip(&ms).zip(&rs) {
            let one = ek.encrypt(m, r);
            assert_eq!(c, &one);
            assert_eq!(c.a.to_bytes(), one.a.point().compress().to_bytes());
        }
    }

    #[test]
    fn wrong_randomness_does_not_open() {
        let sk = SecretKey::generate(&mut OsRng);
        let ek = EncryptionKey::new(sk.public_key());
        let c = ek.encrypt(&G, &Scalar::from(5u8));
        assert_eq!(c.open_with_randomness(ek.public_key(), &Scalar::from(6u8)), None);
    }

    #[test]
    fn identity_public_key_is_refused() {
        assert!(PublicKey::from_bytes(&[0u8; 32]).is_err());
        assert!(format!("{:?}", SecretKey::generate(&mut OsRng)).contains("redacted"));
    }
}

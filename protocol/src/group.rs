//! The group Ristretto255: checked decoding, random scalars, and generators derived from a public seed
//! (SPEC.md §2).

use core::fmt;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::Identity;
use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha512};
use zeroize::Zeroize;

use crate::error::DecodeError;

/// The standard Ristretto255 generator `G`.
pub const G: RistrettoPoint = RISTRETTO_BASEPOINT_POINT;

/// A group element together with its canonical 32-byte encoding.
///
/// Built either by decoding bytes (one decompression, checked) or from a computed point (one compression), so
/// that no hot path ever decompresses or compresses the same element twice: transcripts and encoders use the
/// bytes, arithmetic uses the point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GroupElement {
    point: RistrettoPoint,
    bytes: CompressedRistretto,
}

impl GroupElement {
    /// Compresses a computed point.
    pub fn new(point: RistrettoPoint) -> Self {
        Self { bytes: point.compress(), point }
    }
    /// A point with its encoding computed elsewhere (a batch compression); the caller guarantees
    /// `bytes == point.compress()`.
    pub(crate) fn from_point_and_compressed(point: RistrettoPoint, bytes: CompressedRistretto) -> Self {
        debug_assert_eq!(point.compress(), bytes);
        Self { point, bytes }
    }
    /// SPEC.md §2.1: decodes a canonical encoding; non-canonical encodings are rejected.
    pub fn from_bytes(bytes: &[u8; 32], what: &'static str) -> Result<Self, DecodeError> {
        let compressed = CompressedRistretto(*bytes);
        // `decompress` implements the Ristretto255 decoding of RFC 9496 §4.3.1, which rejects every
        // non-canonical encoding (s ≥ p, s negative, or not the image of a point).
        let point = compressed.decompress().ok_or(DecodeError::NonCanonicalPoint { what })?;
        Ok(Self { point, bytes: compressed })
    }
    /// As [`from_bytes`](Self::from_bytes), and the identity is refused.
    pub fn from_bytes_nonidentity(bytes: &[u8; 32], what: &'static str) -> Result<Self, DecodeError> {
        let e = Self::from_bytes(bytes, what)?;
        if e.is_identity() {
            return Err(DecodeError::IdentityPoint { what });
        }
        Ok(e)
    }
    /// The identity point (encoded as 32 zero bytes).
    pub fn identity() -> Self {
        Self::new(RistrettoPoint::identity())
    }
    /// The point, for arithmetic.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }
    /// The canonical encoding, for transcripts and encoders.
    pub fn compressed(&self) -> &CompressedRistretto {
        &self.bytes
    }
    /// The canonical 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.bytes.to_bytes()
    }
    /// Whether this is the identity point.
    pub fn is_identity(&self) -> bool {
        // The identity's unique encoding is 32 zero bytes.
        self.bytes.as_bytes() == &[0u8; 32]
    }
}

/// `2·Pᵢ` for every `Pᵢ`, compressed together with one field inversion for the whole batch (Ristretto's
/// batched double-and-encode), so that computing many points costs little more than the arithmetic. A caller
/// that wants `x·Aᵢ` computes `(x/2)·Aᵢ` and passes those.
pub fn double_and_compress_batch(points: &[RistrettoPoint]) -> Vec<GroupElement> {
    let bytes = RistrettoPoint::double_and_compress_batch(points);
    points.iter().zip(bytes).map(|(p, b)| GroupElement { point: p + p, bytes: b }).collect()
}

/// Decodes many 32-byte encodings (each checked as by [`GroupElement::from_bytes`]), natively over all cores.
pub fn decode_elements(encodings: &[[u8; 32]], what: &'static str) -> Result<Vec<GroupElement>, DecodeError> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        if encodings.len() >= 256 {
            return encodings.par_iter().map(|b| GroupElement::from_bytes(b, what)).collect();
        }
    }
    encodings.iter().map(|b| GroupElement::from_bytes(b, what)).collect()
}

impl From<RistrettoPoint> for GroupElement {
    fn from(point: RistrettoPoint) -> Self {
        Self::new(point)
    }
}

impl fmt::Debug for GroupElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupElement({})", hex::encode(self.bytes.as_bytes()))
    }
}

impl Serialize for GroupElement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.bytes.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for GroupElement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes: [u8; 32] = hex_array(&String::deserialize(d)?, "point").map_err(serde::de::Error::custom)?;
        GroupElement::from_bytes(&bytes, "point").map_err(serde::de::Error::custom)
    }
}

/// Lower-case hexadecimal digits only (SPEC.md §1.2): one spelling per value, so that comparing texts compares
/// values.
fn lower_hex(s: &str, what: &'static str) -> Result<(), DecodeError> {
    if s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(DecodeError::InvalidHex { what })
    }
}

/// Decodes a fixed-size hexadecimal string, lower-case only (SPEC.md §1.2).
pub fn hex_array<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], DecodeError> {
    let mut out = [0u8; N];
    lower_hex(s, what)?;
    hex::decode_to_slice(s, &mut out).map_err(|_| DecodeError::InvalidHex { what })?;
    Ok(out)
}

/// Decodes a hexadecimal string of any even length, lower-case only (SPEC.md §1.2).
pub fn hex_vec(s: &str, what: &'static str) -> Result<Vec<u8>, DecodeError> {
    lower_hex(s, what)?;
    hex::decode(s).map_err(|_| DecodeError::InvalidHex { what })
}

/// SPEC.md §2.2: a scalar must be the canonical encoding of an integer below the group order ℓ.
pub fn decode_scalar(bytes: &[u8; 32], what: &'static str) -> Result<Scalar, DecodeError> {
    Option::from(Scalar::from_canonical_bytes(*bytes)).ok_or(DecodeError::NonCanonicalScalar { what })
}

/// A uniformly random group element: 64 bytes from the RNG through Ristretto's hash-to-group map (as
/// `RistrettoPoint::from_uniform_bytes`). For plaintexts in tests and benchmarks; generators come from
/// public seeds ([`derive_generator`]), never from here.
pub fn random_point<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> RistrettoPoint {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// A uniformly random scalar: 64 bytes from the RNG reduced modulo ℓ (bias below 2^-250).
pub fn random_scalar<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    let s = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    s
}

/// Serde for scalars as 64 hex digits, checked canonical on the way in.
pub mod scalar_hex {
    use super::*;
    /// Writes the scalar as 64 lower-case hex digits (32 bytes, little-endian).
    pub fn serialize<S: Serializer>(v: &Scalar, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v.as_bytes()))
    }
    /// Reads 64 lower-case hex digits; [`DecodeError::NonCanonicalScalar`] unless the value is below ℓ (SPEC.md §2.2).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        let bytes: [u8; 32] = hex_array(&String::deserialize(d)?, "scalar").map_err(serde::de::Error::custom)?;
        decode_scalar(&bytes, "scalar").map_err(serde::de::Error::custom)
    }
}

/// Serde for a list of scalars.
pub mod scalar_vec_hex {
    use super::*;
    /// Writes the scalars as a list of 64-digit lower-case hex strings.
    pub fn serialize<S: Serializer>(v: &[Scalar], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| hex::encode(x.as_bytes())))
    }
    /// Reads a list of 64-digit lower-case hex strings, each a scalar below ℓ.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Scalar>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|h| hex_array(h, "scalar").and_then(|b| decode_scalar(&b, "scalar")))
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)
    }
}

/// Serde for fixed byte arrays as hex.
pub mod bytes_hex {
    use super::*;
    /// Writes the bytes as lower-case hex.
    pub fn serialize<S: Serializer, const N: usize>(v: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
    /// Reads lower-case hex of exactly `2·N` digits (SPEC.md §1.2 (c)).
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
        hex_array(&String::deserialize(d)?, "bytes").map_err(serde::de::Error::custom)
    }
}

/// Domain label of generator derivation, SPEC.md §2.3.
pub const GENERATOR_DOMAIN: &[u8] = b"rv/generator/v1";

/// SPEC.md §2.3 eq. (1): the independent generator number `index` for (`seed`, `label`):
///
/// `H_i = FromUniformBytes(SHA-512(GENERATOR_DOMAIN ‖ u32(|seed|) ‖ seed ‖ u32(|label|) ‖ label ‖ u64(i)))`
///
/// `FromUniformBytes` is the Ristretto255 one-way map of RFC 9496 §4.3.4, so nobody knows a discrete
/// logarithm of any generator relative to another, provided the seed is fixed before anyone looks at them.
pub fn derive_generator(seed: &[u8], label: &[u8], index: u64) -> RistrettoPoint {
    let mut h = Sha512::new();
    h.update(GENERATOR_DOMAIN);
    h.update((seed.len() as u32).to_be_bytes());
    h.update(seed);
    h.update((label.len() as u32).to_be_bytes());
    h.update(label);
    h.update(index.to_be_bytes());
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// Generators `0..count` for (`seed`, `label`).
pub fn derive_generators(seed: &[u8], label: &[u8], count: usize) -> Vec<RistrettoPoint> {
    (0..count as u64).map(|i| derive_generator(seed, label, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    /// SPEC.md §1.2: hex is lower-case; the decoders every type uses refuse upper-case, however valid otherwise.
    #[test]
    fn hex_decoders_refuse_upper_case() {
        let p = GroupElement::new(G);
        let lower = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<GroupElement>(&lower).unwrap(), p);
        let upper = lower.to_ascii_uppercase();
        assert_ne!(upper, lower);
        let e = serde_json::from_str::<GroupElement>(&upper).unwrap_err().to_string();
        assert!(e.contains("lower-case"), "{e}");
        assert!(hex_array::<2>("abcd", "x").is_ok());
        assert!(hex_array::<2>("ABCD", "x").is_err());
        assert!(hex_array::<2>("aBcd", "x").is_err());
        assert_eq!(hex_vec("00ff", "x").unwrap(), [0, 255]);
        assert!(hex_vec("00FF", "x").is_err());
        assert!(hex_vec("0", "x").is_err());
        #[derive(serde::Deserialize)]
        struct B(#[serde(with = "bytes_hex")] [u8; 2]);
        assert_eq!(serde_json::from_str::<B>("\"abcd\"").unwrap().0, [0xab, 0xcd]);
        assert!(serde_json::from_str::<B>("\"ABCD\"").is_err());
        #[derive(serde::Deserialize)]
        struct S(#[serde(with = "scalar_hex")] Scalar);
        let big = format!("\"0a{}\"", "0".repeat(62));
        assert_eq!(serde_json::from_str::<S>(&big).unwrap().0, Scalar::from(10u8));
        assert!(serde_json::from_str::<S>(&big.to_ascii_uppercase()).is_err());
    }

    #[test]
    fn decoding_rejects_non_canonical_points() {
        // RFC 9496 §A.2 lists these as invalid: s = p (non-canonical), a negative s, and a non-square.
        let bad = [
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
        ];
        for h in bad {
            let b: [u8; 32] = hex_array(h, "t").unwrap();
            assert_eq!(GroupElement::from_bytes(&b, "t"), Err(DecodeError::NonCanonicalPoint { what: "t" }));
        }
        let id = [0u8; 32];
        assert!(GroupElement::from_bytes(&id, "t").is_ok());
        assert_eq!(GroupElement::from_bytes_nonidentity(&id, "t"), Err(DecodeError::IdentityPoint { what: "t" }));
        let g = GroupElement::new(G);
        assert_eq!(GroupElement::from_bytes_nonidentity(&g.to_bytes(), "t"), Ok(g));
    }

    #[test]
    fn decoding_rejects_non_canonical_scalars() {
        // ℓ itself, and 2^256 - 1.
        let l = Scalar::ZERO - Scalar::ONE;
        let mut ell = l.to_bytes();
        ell[0] += 1;
        assert!(decode_scalar(&ell, "s").is_err());
        assert!(decode_scalar(&[0xff; 32], "s").is_err());
        assert_eq!(decode_scalar(&l.to_bytes(), "s"), Ok(l));
        let r = random_scalar(&mut OsRng);
        assert_eq!(decode_scalar(&r.to_bytes(), "s"), Ok(r));
    }

    #[test]
    fn generators_are_distinct_and_bound_to_every_input() {
        let a = derive_generator(b"seed", b"label", 0);
        assert_ne!(a, derive_generator(b"seed", b"label", 1));
        assert_ne!(a, derive_generator(b"seed2", b"label", 0));
        assert_ne!(a, derive_generator(b"seed", b"label2", 0));
        // Length framing: moving a byte from seed to label changes the generator.
        assert_ne!(derive_generator(b"ab", b"c", 0), derive_generator(b"a", b"bc", 0));
        assert_eq!(a, derive_generator(b"seed", b"label", 0));
        assert_eq!(derive_generators(b"seed", b"label", 3)[2], derive_generator(b"seed", b"label", 2));
    }
}

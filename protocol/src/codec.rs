//! Canonical binary encoding (SPEC.md §1).
//!
//! One layout for every message: big-endian integers, `u32` lengths and counts, points as 32-byte canonical
//! Ristretto255 encodings, scalars as 32-byte canonical little-endian integers. Decoding is strict: every point
//! is checked, every scalar must be canonical, lengths are bounded by the input actually present, and trailing
//! bytes are an error. Nothing here depends on a serialization crate, so a verifier in any language can follow
//! SPEC.md alone.

use curve25519_dalek::Scalar;

pub use crate::error::DecodeError;
use crate::group::GroupElement;

/// Appends canonical encodings to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }
    /// `u8(v)`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    /// `u16(v)`, big-endian.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// `u32(v)`, big-endian.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// `u64(v)`, big-endian.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Fixed-size bytes, no length prefix.
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }
    /// `u32` length, then the bytes.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(len_u32(v.len()));
        self.raw(v)
    }
    /// `string`: the UTF-8 bytes with a `u32` length.
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
    /// `point`: the 32-byte canonical Ristretto255 encoding (SPEC.md §2.1).
    pub fn element(&mut self, p: &GroupElement) -> &mut Self {
        self.raw(p.compressed().as_bytes())
    }
    /// `scalar`: 32 bytes, little-endian (SPEC.md §2.2).
    pub fn scalar(&mut self, s: &Scalar) -> &mut Self {
        self.raw(s.as_bytes())
    }
    /// `u32` count, then each item.
    pub fn seq<T: Encode>(&mut self, items: &[T]) -> &mut Self {
        self.u32(len_u32(items.len()));
        for item in items {
            item.encode(self);
        }
        self
    }
    /// The item's own encoding, no prefix.
    pub fn put<T: Encode>(&mut self, item: &T) -> &mut Self {
        item.encode(self);
        self
    }
    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

fn len_u32(len: usize) -> u32 {
    // Every length we write comes from a value we built ourselves; a message of 4 GiB is not a ballot.
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Reads canonical encodings, strictly.
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }
    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    /// The next `n` bytes; [`DecodeError::Truncated`] if fewer are left.
    pub fn raw(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated { what, needed: n - self.remaining() });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    /// The next `N` bytes as an array; [`DecodeError::Truncated`] if fewer are left.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.raw(N, what)?);
        Ok(out)
    }
    /// A `u8`.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }
    /// A big-endian `u16`.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }
    /// A big-endian `u32`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }
    /// A big-endian `u64`.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }
    /// `u32` length (at most `max`), then the bytes.
    pub fn bytes(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = self.u32(what)? as usize;
        if len > max {
            return Err(DecodeError::TooLong { what, len, max });
        }
        self.raw(len, what)
    }
    /// A `string` of at most `max` bytes; [`DecodeError::InvalidUtf8`] if not UTF-8.
    pub fn string(&mut self, what: &'static str, max: usize) -> Result<String, DecodeError> {
        let bytes = self.bytes(what, max)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidUtf8 { what })
    }
    /// A checked point: canonical encoding; the identity is allowed.
    pub fn element(&mut self, what: &'static str) -> Result<GroupElement, DecodeError> {
        GroupElement::from_bytes(&self.array(what)?, what)
    }
    /// A checked point that must not be the identity.
    pub fn nonidentity_element(&mut self, what: &'static str) -> Result<GroupElement, DecodeError> {
        GroupElement::from_bytes_nonidentity(&self.array(what)?, what)
    }
    /// A scalar below ℓ; [`DecodeError::NonCanonicalScalar`] otherwise (SPEC.md §2.2).
    pub fn scalar(&mut self, what: &'static str) -> Result<Scalar, DecodeError> {
        crate::group::decode_scalar(&self.array(what)?, what)
    }
    /// `u32` count (at most `max`, and never more than the bytes left could hold), then each item.
    pub fn seq<T: Decode>(&mut self, what: &'static str, max: usize) -> Result<Vec<T>, DecodeError> {
        let count = self.u32(what)? as usize;
        if count > max {
            return Err(DecodeError::TooLong { what, len: count, max });
        }
        if count > self.remaining() {
            return Err(DecodeError::Truncated { what, needed: count - self.remaining() });
        }
        (0..count).map(|_| T::decode(self)).collect()
    }
    /// Ends decoding: any byte left over is an error.
    pub fn finish(self, what: &'static str) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { what, count }),
        }
    }
}

/// One decoder per type, whatever the container (SPEC.md §1): a type's JSON is parsed by serde's derive (declared
/// with `#[serde(remote = "Self")]`, which makes it an inherent function), then the value's canonical encoding must
/// pass the type's binary [`Decode`], and the value that decoder returns is the one kept. So a JSON file accepts
/// exactly what the binary form accepts — the identity refused where SPEC refuses it, canonical scalars, bounded
/// lengths — and fails with the same error naming the field.
#[macro_export]
macro_rules! serde_via_codec {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                <$t>::serialize(self, s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let parsed = <$t>::deserialize(d)?;
                <$t as $crate::codec::Decode>::from_bytes(&$crate::codec::Encode::to_bytes(&parsed))
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A value with one canonical byte encoding.
pub trait Encode {
    /// Appends the canonical encoding to `w`.
    fn encode(&self, w: &mut Writer);
    /// The canonical encoding.
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.finish()
    }
}

/// A value decoded strictly from its canonical encoding.
pub trait Decode: Sized {
    /// The label used in errors for the whole value.
    const WHAT: &'static str;
    /// Reads one value from `r`, checking every point, scalar and length (SPEC.md §1.1).
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
    /// Decodes a whole input: one value and nothing after it ([`DecodeError::TrailingBytes`] otherwise).
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.finish(Self::WHAT)?;
        Ok(v)
    }
}

impl Encode for GroupElement {
    fn encode(&self, w: &mut Writer) {
        w.element(self);
    }
}
impl Decode for GroupElement {
    const WHAT: &'static str = "point";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.element(Self::WHAT)
    }
}
impl Encode for Scalar {
    fn encode(&self, w: &mut Writer) {
        w.scalar(self);
    }
}
impl Decode for Scalar {
    const WHAT: &'static str = "scalar";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.scalar(Self::WHAT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        let mut w = Writer::new();
        w.u8(1).u16(0x0203).u32(0x0405_0607).u64(8).str("hé");
        let bytes = w.finish();
        assert_eq!(bytes, [1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 3, b'h', 0xc3, 0xa9]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8("a"), Ok(1));
        assert_eq!(r.u16("b"), Ok(0x0203));
        assert_eq!(r.u32("c"), Ok(0x0405_0607));
        assert_eq!(r.u64("d"), Ok(8));
        assert_eq!(r.string("e", 10).as_deref(), Ok("hé"));
        assert_eq!(r.finish("x"), Ok(()));
    }

    #[test]
    fn truncation_trailing_and_limits_are_errors() {
        assert_eq!(Reader::new(&[0, 1]).u32("n"), Err(DecodeError::Truncated { what: "n", needed: 2 }));
        let mut r = Reader::new(&[0, 0, 0, 5, 1]);
        assert_eq!(r.bytes("b", 4), Err(DecodeError::TooLong { what: "b", len: 5, max: 4 }));
        let r = Reader::new(&[0]);
        assert_eq!(r.finish("x"), Err(DecodeError::TrailingBytes { what: "x", count: 1 }));
        // A count larger than the input could hold is refused before any allocation.
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(r.seq::<Scalar>("s", usize::MAX), Err(DecodeError::Truncated { .. })));
        let mut r = Reader::new(&[0xff, 0xfe]);
        assert!(matches!(r.string("s", 10), Err(DecodeError::Truncated { .. })));
        let mut r = Reader::new(&[0, 0, 0, 1, 0xff]);
        assert_eq!(r.string("s", 10), Err(DecodeError::InvalidUtf8 { what: "s" }));
    }
}

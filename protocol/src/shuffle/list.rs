//! Lists of ciphertext vectors: the input and output of a mix stage (SPEC.md §9.1.1), and the list the trustees
//! decrypt (the last stage's output, SPEC.md §10.8).

use sha2::{Digest, Sha512};

use super::par;
use super::stream::ListLayout;
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::Ciphertext;
use crate::group::GroupElement;

use crate::limits::{MAX_CIPHERTEXTS, MAX_WIDTH};

/// `N` rows of `w` ElGamal ciphertexts each: one row per ballot, one ciphertext per chunk of the contest's answer.
/// A row is shuffled as a unit.
///
/// Encoding (SPEC.md §9.1.1): `u32 N ‖ u32 w ‖ row₁ ‖ … ‖ row_N`, each row `w` ciphertexts `A ‖ B`; at most
/// [`MAX_CIPHERTEXTS`] ciphertexts. The mix shuffles it (§9) and the trustees decrypt it (§10.8), both binding it
/// by [`digest`](Self::digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiphertextList {
    width: usize,
    /// Row-major, `N · w` ciphertexts.
    cells: Vec<Ciphertext>,
}

impl CiphertextList {
    /// A list from row-major ciphertexts; `None` unless `1 ≤ width ≤ MAX_WIDTH`, `width` divides the count and
    /// the count is at most [`MAX_CIPHERTEXTS`].
    pub fn from_flat(width: usize, cells: Vec<Ciphertext>) -> Option<Self> {
        if width == 0 || width > MAX_WIDTH || !cells.len().is_multiple_of(width) || cells.len() > MAX_CIPHERTEXTS {
            return None;
        }
        Some(Self { width, cells })
    }
    /// A list from rows, all of the same width.
    pub fn from_rows(rows: &[Vec<Ciphertext>]) -> Option<Self> {
        let width = rows.first()?.len();
        if rows.iter().any(|r| r.len() != width) {
            return None;
        }
        Self::from_flat(width, rows.concat())
    }
    /// Number of rows `N`.
    pub fn len(&self) -> usize {
        self.cells.len() / self.width
    }
    /// Whether the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
    /// Ciphertexts per row `w`.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Row `i` (0-based).
    pub fn row(&self, i: usize) -> &[Ciphertext] {
        &self.cells[i * self.width..(i + 1) * self.width]
    }
    /// The rows, in order, each `w` ciphertexts.
    pub fn rows(&self) -> core::slice::ChunksExact<'_, Ciphertext> {
        self.cells.chunks_exact(self.width)
    }
    /// All ciphertexts, row-major.
    pub fn cells(&self) -> &[Ciphertext] {
        &self.cells
    }
    /// Mutable rows, for tests that tamper with a list.
    pub fn cells_mut(&mut self) -> &mut Vec<Ciphertext> {
        &mut self.cells
    }
    /// The first components `A_k` of every ciphertext, row-major: the bases of a partial decryption
    /// (SPEC.md §10.8 eq. (K14), `g₂` of its DLEQ proof). A copy of the points, since the proof takes a slice.
    pub fn a_components(&self) -> Vec<GroupElement> {
        self.cells.iter().map(|c| c.a).collect()
    }
    /// `H(list) = SHA-512(encoding)`, computed without building it: what a mix proof binds (SPEC.md §9.2, labels
    /// `inputs`, `outputs`) and what a partial decryption binds (`L`, SPEC.md §10.8). One core; callers that
    /// hash a long list overlap it with other work.
    pub fn digest(&self) -> [u8; 64] {
        let mut h = Sha512::new();
        h.update((self.len() as u32).to_be_bytes());
        h.update((self.width as u32).to_be_bytes());
        for c in &self.cells {
            h.update(c.a.compressed().as_bytes());
            h.update(c.b.compressed().as_bytes());
        }
        h.finalize().into()
    }
}

impl Encode for CiphertextList {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.len() as u32).u32(self.width as u32);
        for c in &self.cells {
            c.encode(w);
        }
    }
}

impl Decode for CiphertextList {
    const WHAT: &'static str = "ciphertext list";
    /// Strict: `1 ≤ w ≤ MAX_WIDTH`, `N·w ≤ MAX_CIPHERTEXTS`, every point canonical. The points are decompressed in
    /// parallel, each once.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let ListLayout { n, w: width } = decode_header(r)?;
        let bytes = r.raw(64 * n * width, "list.rows")?;
        let cells = decode_points(bytes, "list.rows[].a/b")?;
        let cells = cells.chunks_exact(2).map(|p| Ciphertext { a: p[0], b: p[1] }).collect();
        Ok(Self { width, cells })
    }
}

/// A list's header (SPEC.md §9.1.1): `u32(N) ‖ u32(w)` with `1 ≤ w ≤ MAX_WIDTH` and `N·w ≤ MAX_CIPHERTEXTS`. The
/// one reading of it, for the whole decoder and the streamed one.
pub(crate) fn decode_header(r: &mut Reader<'_>) -> Result<ListLayout, DecodeError> {
    let n = r.u32("list.N")? as usize;
    let w = r.u32("list.w")? as usize;
    if w == 0 || w > MAX_WIDTH {
        return Err(DecodeError::TooLong { what: "list.w (1 to 1024)", len: w, max: MAX_WIDTH });
    }
    let count = n.saturating_mul(w);
    if count > MAX_CIPHERTEXTS {
        return Err(DecodeError::TooLong { what: "list ciphertexts (N·w)", len: count, max: MAX_CIPHERTEXTS });
    }
    Ok(ListLayout { n, w })
}

/// Decompresses consecutive 32-byte points, in parallel; the error is the one of lowest index.
pub(crate) fn decode_points(bytes: &[u8], what: &'static str) -> Result<Vec<GroupElement>, DecodeError> {
    par::try_map_indices(bytes.len() / 32, |i| {
        let mut b = [0u8; 32];
        b.copy_from_slice(&bytes[32 * i..32 * i + 32]);
        GroupElement::from_bytes(&b, what)
    })
}

/// SHA-512 of the concatenated encodings of some points (SPEC.md §9.2, labels `c`, `c-hat`, `t-hat`).
pub(crate) fn points_digest(points: &[GroupElement]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in points {
        h.update(p.compressed().as_bytes());
    }
    h.finalize().into()
}

/// Compressed encodings of points, concatenated.
pub(crate) fn concat_points(points: &[GroupElement]) -> Vec<u8> {
    points.iter().flat_map(|p| *p.compressed().as_bytes()).collect()
}

//! Lists and proofs read and written in chunks of rows, so that a mix stage and its verification hold one chunk
//! in memory whatever the number of ballots (issue "National scale"; SPEC.md §9.7).
//!
//! The record's formats are unchanged (§9.1.1, §9.3.3): a list is `u32(N) ‖ u32(w) ‖ rows`, a proof has its rows'
//! points and scalars in five sections of `N` entries each. A streamed reader reads each section's rows for a
//! range of rows with positional reads; a streamed writer writes them with positional writes into a file of the
//! final length. The bytes come from the caller through [`ByteSource`] and go to it through [`ByteSink`]: this crate
//! opens no file. A file (`std::fs::File`, positional reads and writes on Unix) and memory (`[u8]`, `Vec<u8>`,
//! [`MemorySink`]) implement them.

use std::io;
use std::sync::Mutex;

/// Bytes read at any offset, from any thread: a file, or bytes in memory.
pub trait ByteSource: Sync {
    /// The number of bytes.
    fn size(&self) -> u64;
    /// Fills `buf` with the bytes at `offset`; an error if they do not all exist.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

/// Bytes written at any offset, from any thread: a file, or a buffer in memory.
pub trait ByteSink: Sync {
    /// Writes `bytes` at `offset` (the sink grows as needed).
    fn write_at(&self, offset: u64, bytes: &[u8]) -> io::Result<()>;
}

fn out_of_range(offset: u64, len: usize, size: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("{len} bytes at offset {offset} were asked of {size} bytes (truncated)"),
    )
}

impl ByteSource for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| out_of_range(offset, buf.len(), self.size()))?;
        let bytes = start
            .checked_add(buf.len())
            .and_then(|end| self.get(start..end))
            .ok_or_else(|| out_of_range(offset, buf.len(), self.size()))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

impl ByteSource for Vec<u8> {
    fn size(&self) -> u64 {
        self.as_slice().size()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_at(offset, buf)
    }
}

#[cfg(unix)]
impl ByteSource for std::fs::File {
    fn size(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, offset)
    }
}

#[cfg(unix)]
impl ByteSink for std::fs::File {
    fn write_at(&self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(self, bytes, offset)
    }
}

/// A sink in memory, for the in-memory prover and for tests.
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<u8>>);

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }
    /// The bytes written.
    pub fn into_inner(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ByteSource for MemorySink {
    fn size(&self) -> u64 {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).read_at(offset, buf)
    }
}

impl ByteSink for MemorySink {
    fn write_at(&self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let mut buf = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = usize::try_from(offset).map_err(|_| io::Error::other("offset beyond memory"))?;
        let end = start.checked_add(bytes.len()).ok_or_else(|| io::Error::other("offset beyond memory"))?;
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf[start..end].copy_from_slice(bytes);
        Ok(())
    }
}

/// Bytes of a list's header: `u32(N) ‖ u32(w)` (SPEC.md §9.1.1).
pub const LIST_HEADER: u64 = 8;
/// Bytes of a proof's header: `u32(contest) ‖ u32(stage) ‖ u32(N) ‖ u32(w)` (SPEC.md §9.3.3).
pub const PROOF_HEADER: u64 = 16;

/// Where a list's rows lie (SPEC.md §9.1.1): row `i` (0-based) at `8 + 64·w·i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLayout {
    /// Rows `N`.
    pub n: usize,
    /// Ciphertexts per row `w`.
    pub w: usize,
}

impl ListLayout {
    /// Bytes of one row: `64·w`.
    pub fn row_bytes(&self) -> usize {
        64 * self.w
    }
    /// Offset of row `i` (0-based).
    pub fn row(&self, i: usize) -> u64 {
        LIST_HEADER + (self.row_bytes() as u64) * i as u64
    }
    /// The number of ciphertexts `N·w`.
    pub fn len_ciphertexts(&self) -> u64 {
        (self.n * self.w) as u64
    }
    /// Length of the whole list: `8 + 64·N·w`.
    pub fn len(&self) -> u64 {
        self.row(self.n)
    }
    /// Whether the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// The header's bytes.
    pub fn header(&self) -> [u8; 8] {
        let mut h = [0u8; 8];
        h[..4].copy_from_slice(&(self.n as u32).to_be_bytes());
        h[4..].copy_from_slice(&(self.w as u32).to_be_bytes());
        h
    }
}

/// The sections of a proof of `N` rows of width `w` (SPEC.md §9.3.3), as offsets: the row sections `c`, `ĉ`,
/// `t̂` (32 bytes a row), the fixed part `t₁ t₂ t₃ t₄`, `s₁ s₂ s₃ s₄`, and the row sections `ŝ`, `s′`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofLayout {
    /// Rows `N`.
    pub n: usize,
    /// Width `w`.
    pub w: usize,
}

impl ProofLayout {
    fn n(&self) -> u64 {
        self.n as u64
    }
    /// Offset of `c_{i+1}` (row `i`, 0-based).
    pub fn c(&self, i: usize) -> u64 {
        PROOF_HEADER + 32 * i as u64
    }
    /// Offset of `ĉ_{i+1}`.
    pub fn c_hat(&self, i: usize) -> u64 {
        self.c(self.n) + 32 * i as u64
    }
    /// Offset of `t̂_{i+1}`.
    pub fn t_hat(&self, i: usize) -> u64 {
        self.c_hat(self.n) + 32 * i as u64
    }
    /// Offset of `t₁` (then `t₂`, `t₃`, then `t₄ₖ.A ‖ t₄ₖ.B` for each `k`): `96 + 64·w` bytes.
    pub fn t(&self) -> u64 {
        self.t_hat(self.n)
    }
    /// Offset of `s₁` (then `s₂`, `s₃`, `s₄₁ … s₄w`): `96 + 32·w` bytes.
    pub fn s(&self) -> u64 {
        self.t() + 96 + 64 * self.w as u64
    }
    /// Offset of `ŝ_{i+1}`.
    pub fn s_hat(&self, i: usize) -> u64 {
        self.s() + 96 + 32 * self.w as u64 + 32 * i as u64
    }
    /// Offset of `s′_{i+1}`.
    pub fn s_prime(&self, i: usize) -> u64 {
        self.s_hat(self.n) + 32 * i as u64
    }
    /// Length of the whole proof: `16 + 32·(5N + 6 + 3w)`.
    pub fn len(&self) -> u64 {
        self.s_prime(self.n)
    }
    /// Whether the proof is for no rows.
    pub fn is_empty(&self) -> bool {
        self.n() == 0
    }
    /// The header's bytes for `contest` and `stage`.
    pub fn header(&self, contest: u32, stage: u32) -> [u8; 16] {
        let mut h = [0u8; 16];
        h[..4].copy_from_slice(&contest.to_be_bytes());
        h[4..8].copy_from_slice(&stage.to_be_bytes());
        h[8..12].copy_from_slice(&(self.n as u32).to_be_bytes());
        h[12..].copy_from_slice(&(self.w as u32).to_be_bytes());
        h
    }
}

/// The default memory a streamed stage may hold for its chunks' rows: 256 MiB, which with the permutation and its
/// inverse (8 bytes a row: 1 GiB for the largest list, `MAX_CIPHERTEXTS` rows) fits a 2-core machine of 4 GB.
pub const DEFAULT_CHUNK_MEMORY: usize = 256 << 20;

/// Bytes held per row of a chunk, at most: the decompressed points (160 bytes each, with their encodings) of the
/// input and output rows (`4w`) and of the proof's rows (3), the scalars, and the MSM's scratch.
pub fn bytes_per_row(w: usize) -> usize {
    (4 * w + 3) * 200 + (4 + 4 * w) * 200
}

/// The rows of a chunk for a memory budget: at least 64, at most 2¹⁶ (more gains nothing: a chunk is split again
/// among the cores).
pub fn chunk_rows(w: usize, memory: usize) -> usize {
    (memory / bytes_per_row(w.max(1))).clamp(64, 1 << 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Encode;

    /// The layouts give the offsets of the encodings of §9.1.1 and §9.3.3.
    #[test]
    fn layouts_match_the_encodings() {
        assert_eq!(ListLayout { n: 5, w: 3 }.len(), 8 + 64 * 15);
        for (n, w) in [(1, 1), (7, 3)] {
            let p = ProofLayout { n, w };
            assert_eq!(Some(p.len() as usize), super::super::encoded_proof_len(n, w));
            assert_eq!(p.c_hat(0), 16 + 32 * n as u64);
            assert_eq!(p.s_prime(0), p.len() - 32 * n as u64);
        }
        let g = crate::elgamal::generator();
        let list = super::super::CiphertextList::from_flat(2, vec![crate::Ciphertext { a: g, b: g }; 6]).unwrap();
        let layout = ListLayout { n: 3, w: 2 };
        assert_eq!(&list.to_bytes()[..8], &layout.header());
        assert_eq!(list.to_bytes().len() as u64, layout.len());
    }

    /// A slice reads what it holds and refuses what it does not; a memory sink grows.
    #[test]
    fn memory_sources_and_sinks() {
        let bytes = vec![1u8, 2, 3, 4];
        let mut buf = [0u8; 2];
        bytes.read_at(2, &mut buf).unwrap();
        assert_eq!(buf, [3, 4]);
        assert!(bytes.read_at(3, &mut buf).is_err());
        assert!(bytes.read_at(u64::MAX, &mut buf).is_err());
        let sink = MemorySink::new();
        sink.write_at(2, &[9, 9]).unwrap();
        sink.write_at(0, &[1]).unwrap();
        assert_eq!(sink.into_inner(), vec![1, 0, 9, 9]);
    }
}

//! Partial decryption, its verification and the combination, streamed (issue "National scale"; SPEC.md §10.12):
//! the list, each trustee's M5 and the plaintexts are read and written a chunk of ciphertexts at a time through
//! [`ByteSource`] and [`ByteSink`], so that a trustee, `tallier tally finish` and a verifier hold one chunk whatever
//! the number of ballots. The bytes are those of §10.8–§10.9 exactly; the in-memory functions of
//! [`super::decryption`] are these over bytes in memory.
//!
//! The mathematics is §7.2's and §10.8's, in the order a stream allows. With `m` ciphertexts `(A_k, B_k)`:
//!
//! * Prover (trustee `j`, share `x_j`). Pass 1, chunk by chunk: `L` hashes the list; `D_k = x_j·A_k` (K14) is
//!   written; each block of 1024 pairs `(A_k, D_k)` gives its `P_b` (§7.2). The statement is bound and `ρ` drawn
//!   (one ChaCha20 stream, read at any position). Pass 2: `ĝ₂ = Σ ρ_k·A_k` (12), the list read and hashed again
//!   (it must still be `L`). Then `T₁ = k·G`, `T₂ = k·ĝ₂`, `c`, `s = k + c·x_j` (13), and the signature (K0),
//!   which reads the message back twice (Ed25519 hashes it twice).
//! * Verifier. Pass 1, chunk by chunk over the list and every M5 at once: `L`; each M5's signature hash and
//!   block digests `P_b`. Then C12–C13 and each candidate's `ρ_{j,·}` and `c_j`. Pass 2, chunk by chunk: the terms
//!   of (K15) for every candidate, `Σ_k (Σ_j z_{2,j}s_jρ_{j,k})·A_k − Σ_j Σ_k z_{2,j}c_jρ_{j,k}·D_{j,k}`, summed
//!   into one point (each file hashed again: a file changed between the passes is refused). Then the constant
//!   terms `(Σ_j z_{1,j}s_j)·G − Σ_j z_{1,j}·(T_{1,j} + c_j·Y_j) − Σ_j z_{2,j}·T_{2,j}`; the sum must be the
//!   identity. If not, each candidate is checked alone and each failing one named.
//! * Combination, chunk by chunk: `M_k = B_k − Σ_{j∈S} λ_j·D_{j,k}` (K13), each file hashed and compared with
//!   what was verified.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};

use super::ceremony::{CeremonyOutcome, Roster};
use super::decryption::{partial_transcript, PARTIAL_DECRYPTION_KIND};
use super::{lagrange_at_zero, CeremonyParams, ThresholdError, TrusteeSigningKey};
use crate::codec::{Decode, DecodeError, Reader};
use crate::elgamal::{base_mul, SecretKey};
use crate::error::ProofError;
use crate::fingerprint::Fingerprint;
use crate::group::{decode_elements, double_and_compress_batch, GroupElement, G};
use crate::limits::MAX_CIPHERTEXTS;
use crate::proofs::dleq::{bind_statement, block_digest, DleqProof, DleqWitness, PAIRS_PER_CHUNK};
use crate::proofs::{msm_vartime, BatchVerifier};
use crate::shuffle::stream::{ByteSink, ByteSource, ListLayout, LIST_HEADER};

/// Bytes of M5's header: `digest (32) ‖ u16(j) ‖ L (64) ‖ u32(m)` (SPEC.md §10.8).
pub const PARTIAL_HEADER: u64 = 32 + 2 + 64 + 4;
/// Bytes of M5's DLEQ proof: `T₁ ‖ T₂ ‖ s`.
const PROOF_BYTES: u64 = 96;
/// Bytes of the signature that ends a signed M5.
const SIGNATURE_BYTES: u64 = 64;

/// The default memory for the chunks of a streamed decryption, its check or its combination: 64 MiB.
pub const DEFAULT_DECRYPTION_MEMORY: usize = 64 << 20;

/// Ciphertexts of a chunk for a memory budget, with `streams` lists of points decoded at once (the list's and
/// each M5's; about 400 bytes a ciphertext each with the encodings, scalars and MSM scratch): a multiple of the
/// 1024 pairs of a block of §7.2, from 1024 to 2¹⁶.
pub fn chunk_ciphertexts(memory: usize, streams: usize) -> usize {
    let per = 400 * streams.max(1);
    ((memory / per) / PAIRS_PER_CHUNK).clamp(1, 64) * PAIRS_PER_CHUNK
}

/// M5's header and where its parts lie in a signed M5 (`enc(M5) ‖ sig`, SPEC.md §10.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialHeader {
    /// The manifest digest (C12, as C1).
    pub election: [u8; 32],
    /// The trustee `j`.
    pub trustee: u16,
    /// `L`, the digest of the list it decrypts (C13).
    pub list: [u8; 64],
    /// `m`, the number of shares.
    pub m: u32,
}

impl PartialHeader {
    fn encode(&self) -> [u8; PARTIAL_HEADER as usize] {
        let mut h = [0u8; PARTIAL_HEADER as usize];
        h[..32].copy_from_slice(&self.election);
        h[32..34].copy_from_slice(&self.trustee.to_be_bytes());
        h[34..98].copy_from_slice(&self.list);
        h[98..].copy_from_slice(&self.m.to_be_bytes());
        h
    }
    /// Offset of share `D_k` (0-based `k`).
    pub fn share_at(&self, k: u64) -> u64 {
        PARTIAL_HEADER + 32 * k
    }
    /// Offset of the DLEQ proof.
    pub fn proof_at(&self) -> u64 {
        self.share_at(u64::from(self.m))
    }
    /// Offset of the signature: the length of `enc(M5)`.
    pub fn signature_at(&self) -> u64 {
        self.proof_at() + PROOF_BYTES
    }
    /// The length of a signed M5.
    pub fn len(&self) -> u64 {
        self.signature_at() + SIGNATURE_BYTES
    }
    /// Whether it has no shares (never, for a valid M5).
    pub fn is_empty(&self) -> bool {
        self.m == 0
    }
}

/// A signed M5's frame, read by [`read_partial`]: its header, proof and signature, decoded and checked for their
/// sizes; its shares are decoded when they are used, a chunk at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialFrame {
    /// The header.
    pub header: PartialHeader,
    /// The DLEQ proof (`T₁`, `T₂` non-identity, `s` canonical).
    pub proof: DleqProof,
    /// The trustee's signature (K0).
    pub signature: [u8; 64],
}

impl PartialFrame {
    /// A SHA-256 of the signed M5's file started with its header: whoever reads the shares feeds them in order,
    /// then [`file_sha256`](Self::file_sha256) adds the proof and the signature.
    fn file_hasher(&self) -> sha2::Sha256 {
        let mut h = sha2::Sha256::new();
        h.update(self.header.encode());
        h
    }
    /// The file's SHA-256 (eq. (13-1)): `hasher` as [`file_hasher`](Self::file_hasher) began it, given the shares.
    fn file_sha256(&self, mut hasher: sha2::Sha256) -> [u8; 32] {
        hasher.update(crate::codec::Encode::to_bytes(&self.proof));
        hasher.update(self.signature);
        hasher.finalize().into()
    }
}

fn io(part: &'static str) -> impl Fn(std::io::Error) -> ThresholdError {
    move |e| ThresholdError::Io { part, message: e.to_string() }
}

/// Reads the frame of the signed M5 in `source` by the rules of its one decoder (`Signed::<PartialDecryption>`'s):
/// the header, `m ≤ 2²⁷`, exactly `102 + 32·m + 96 + 64` bytes, the proof's points and scalar. The shares' points
/// are decoded by whoever reads them.
pub fn read_partial(source: &dyn ByteSource) -> Result<PartialFrame, ThresholdError> {
    let size = source.size();
    let mut head = [0u8; PARTIAL_HEADER as usize];
    if size < PARTIAL_HEADER {
        return Err(DecodeError::Truncated { what: "partial.header", needed: (PARTIAL_HEADER - size) as usize }.into());
    }
    source.read_at(0, &mut head).map_err(io("reading a partial decryption"))?;
    let mut r = Reader::new(&head);
    let election = r.array("partial.election")?;
    let trustee = r.u16("partial.trustee")?;
    let list = r.array("partial.list")?;
    let m = r.u32("partial.count")?;
    if m as usize > MAX_CIPHERTEXTS {
        return Err(DecodeError::TooLong { what: "partial.shares", len: m as usize, max: MAX_CIPHERTEXTS }.into());
    }
    let header = PartialHeader { election, trustee, list, m };
    let want = header.len();
    if size < want {
        return Err(DecodeError::Truncated { what: "partial decryption", needed: (want - size) as usize }.into());
    }
    if size > want {
        return Err(DecodeError::TrailingBytes { what: "partial decryption", count: (size - want) as usize }.into());
    }
    let mut tail = [0u8; (PROOF_BYTES + SIGNATURE_BYTES) as usize];
    source.read_at(header.proof_at(), &mut tail).map_err(io("reading a partial decryption"))?;
    let mut r = Reader::new(&tail);
    let proof = DleqProof::decode(&mut r)?;
    let signature = r.array("signature")?;
    Ok(PartialFrame { header, proof, signature })
}

/// `f(a)` and `g(b)` at once natively (rayon), one after the other on `wasm32`.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        rayon::join(a, b)
    }
    #[cfg(target_arch = "wasm32")]
    {
        (a(), b())
    }
}

/// The 32-byte encodings in `bytes` taken every `stride` bytes from `offset` (the `A`s of ciphertexts: offset 0,
/// stride 64; the `B`s: offset 32; shares: offset 0, stride 32).
fn encodings(bytes: &[u8], offset: usize, stride: usize) -> Vec<[u8; 32]> {
    bytes
        .chunks_exact(stride)
        .map(|c| {
            let mut e = [0u8; 32];
            e.copy_from_slice(&c[offset..offset + 32]);
            e
        })
        .collect()
}

/// The block digests `P_b` (§7.2) of pairs `(g[i], h[i])`, the first pair starting a block.
fn block_digests(g: &[[u8; 32]], h: &[[u8; 32]]) -> Vec<[u8; 64]> {
    let one = |(g, h): (&[[u8; 32]], &[[u8; 32]])| block_digest(g.iter().zip(h));
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        g.par_chunks(PAIRS_PER_CHUNK).zip(h.par_chunks(PAIRS_PER_CHUNK)).map(one).collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        g.chunks(PAIRS_PER_CHUNK).zip(h.chunks(PAIRS_PER_CHUNK)).map(one).collect()
    }
}

/// The list's layout from its header, non-empty (§10.8).
fn list_layout(list: &dyn ByteSource) -> Result<(ListLayout, u64), ThresholdError> {
    use crate::shuffle::ShuffleError;
    let layout = crate::shuffle::read_list_layout(list).map_err(|e| match e {
        ShuffleError::EmptyList => ThresholdError::EmptyList,
        ShuffleError::Decode(d) => ThresholdError::Decode(d),
        other => ThresholdError::Io { part: "reading the list's header", message: other.to_string() },
    })?;
    Ok((layout, layout.len_ciphertexts()))
}

/// The ranges `[start, end)` of ciphertexts of each chunk of `chunk`.
fn chunks(m: u64, chunk: usize) -> impl Iterator<Item = (u64, usize)> {
    (0..m.div_ceil(chunk as u64)).map(move |i| {
        let start = i * chunk as u64;
        (start, (m - start).min(chunk as u64) as usize)
    })
}

/// Reads ciphertexts `start … start + len − 1` of a list (64 bytes each).
fn read_ciphertexts(list: &dyn ByteSource, start: u64, len: usize) -> Result<Vec<u8>, ThresholdError> {
    let mut bytes = vec![0u8; 64 * len];
    list.read_at(LIST_HEADER + 64 * start, &mut bytes).map_err(io("reading the list"))?;
    Ok(bytes)
}

/// Reads shares `start … start + len − 1` of an M5 (32 bytes each).
fn read_shares(source: &dyn ByteSource, h: &PartialHeader, start: u64, len: usize) -> Result<Vec<u8>, ThresholdError> {
    let mut bytes = vec![0u8; 32 * len];
    source.read_at(h.share_at(start), &mut bytes).map_err(io("reading a partial decryption"))?;
    Ok(bytes)
}

/// `x·A_k` for every k, compressed in batches (eq. (K14)); natively over all cores.
pub(super) fn multiply_all(x: &Scalar, a: &[GroupElement]) -> Vec<GroupElement> {
    // (x/2)·A_k, then the batched double-and-compress yields x·A_k and its encoding with one inversion per chunk.
    let half = x * Scalar::from(2u8).invert();
    let chunk_work = |chunk: &[GroupElement]| -> Vec<GroupElement> {
        let halves: Vec<RistrettoPoint> = chunk.iter().map(|p| half * p.point()).collect();
        double_and_compress_batch(&halves)
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        a.par_chunks(1024).flat_map_iter(chunk_work).collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        a.chunks(1024).flat_map(chunk_work).collect()
    }
}

/// Who decrypts, and with what (the secrets borrowed: their owner wipes them).
#[derive(Debug)]
pub struct Decrypter<'a> {
    /// The ceremony (its digest goes into M5).
    pub params: &'a CeremonyParams,
    /// The election's fingerprint (the transcript's first binding).
    pub fingerprint: &'a Fingerprint,
    /// The trustee `j`.
    pub trustee: u16,
    /// Its key share `x_j`.
    pub key_share: &'a SecretKey,
    /// Its Ed25519 key.
    pub signing_key: &'a TrusteeSigningKey,
}

/// Trustee `j` decrypts the list in `list` partially and writes its signed M5 (SPEC.md §10.8) to `out`, holding
/// `chunk` ciphertexts at a time ([`chunk_ciphertexts`]). Errors: the list's header or a point of its `A`s
/// ([`ThresholdError::Decode`], [`ThresholdError::EmptyList`]), a list that changed between the two passes
/// ([`ThresholdError::Changed`]), reading or writing ([`ThresholdError::Io`]); `out` then holds part of a file, to
/// be discarded. Returns the header written.
pub fn decrypt_partially<O, R>(
    d: &Decrypter<'_>,
    list: &dyn ByteSource,
    out: &O,
    chunk: usize,
    rng: &mut R,
) -> Result<PartialHeader, ThresholdError>
where
    O: ByteSink + ByteSource + ?Sized,
    R: RngCore + CryptoRng,
{
    let (layout, m) = list_layout(list)?;
    let chunk = chunk.max(1).next_multiple_of(PAIRS_PER_CHUNK);
    let x = d.key_share.expose_scalar();
    let mut header = PartialHeader { election: d.params.digest, trustee: d.trustee, list: [0; 64], m: m as u32 };
    // Pass 1: L, the shares, the block digests.
    let mut hash = Sha512::new();
    hash.update(layout.header());
    let mut digests = Vec::with_capacity(m.div_ceil(PAIRS_PER_CHUNK as u64) as usize);
    for (start, len) in chunks(m, chunk) {
        let bytes = read_ciphertexts(list, start, len)?;
        let (_, shares) = join(
            || hash.update(&bytes),
            || -> Result<Vec<[u8; 32]>, ThresholdError> {
                let a_enc = encodings(&bytes, 0, 64);
                let a = decode_elements(&a_enc, "list.a")?;
                let d_enc: Vec<[u8; 32]> = multiply_all(x, &a).iter().map(|p| p.compressed().to_bytes()).collect();
                digests.extend(block_digests(&a_enc, &d_enc));
                Ok(d_enc)
            },
        );
        let shares = shares?;
        out.write_at(header.share_at(start), shares.as_flattened()).map_err(io("writing the partial decryption"))?;
    }
    header.list = hash.finalize().into();
    // The statement bound, ρ drawn; pass 2: ĝ₂ = Σ ρ_k·A_k over the list read again.
    let y = GroupElement::new(base_mul(x));
    let g = GroupElement::new(G);
    let mut transcript = partial_transcript(d.fingerprint, d.trustee, &header.list);
    let rho = bind_statement(&mut transcript, &g, &y, m, &digests);
    let mut again = Sha512::new();
    again.update(layout.header());
    let mut g2_hat = RistrettoPoint::identity();
    for (start, len) in chunks(m, chunk) {
        let bytes = read_ciphertexts(list, start, len)?;
        let (_, folded) = join(
            || again.update(&bytes),
            || -> Result<RistrettoPoint, ThresholdError> {
                let a = decode_elements(&encodings(&bytes, 0, 64), "list.a")?;
                let points: Vec<RistrettoPoint> = a.iter().map(|p| *p.point()).collect();
                Ok(msm_vartime(&rho.scalars_128_at(start, len), &points))
            },
        );
        g2_hat += folded?;
    }
    if <[u8; 64]>::from(again.finalize()) != header.list {
        return Err(ThresholdError::Changed { part: "the list being decrypted" });
    }
    let proof = DleqProof::prove_folded(&mut transcript, &g, &g2_hat, &DleqWitness { x }, rng);
    out.write_at(0, &header.encode()).map_err(io("writing the partial decryption"))?;
    out.write_at(header.proof_at(), &crate::codec::Encode::to_bytes(&proof))
        .map_err(io("writing the partial decryption"))?;
    // The signature over enc(M5), read back in pieces.
    let signed = header.signature_at();
    let feed = |put: &mut dyn FnMut(&[u8])| -> std::io::Result<()> {
        let mut buf = vec![0u8; 1 << 20];
        let mut at = 0u64;
        while at < signed {
            let n = (signed - at).min(buf.len() as u64) as usize;
            out.read_at(at, &mut buf[..n])?;
            put(&buf[..n]);
            at += n as u64;
        }
        Ok(())
    };
    let signature =
        d.signing_key.sign_pieces(PARTIAL_DECRYPTION_KIND, &feed).map_err(io("signing the partial decryption"))?;
    out.write_at(signed, &signature).map_err(io("writing the partial decryption"))?;
    Ok(header)
}

/// An M5 to verify: its bytes and its frame ([`read_partial`]).
#[derive(Clone, Copy)]
pub struct PartialInput<'a> {
    /// The signed M5's bytes.
    pub source: &'a dyn ByteSource,
    /// Its frame, as [`read_partial`] read it.
    pub frame: &'a PartialFrame,
}

impl core::fmt::Debug for PartialInput<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PartialInput").field("frame", self.frame).finish_non_exhaustive()
    }
}

/// The verdict of [`verify_partials`] on one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialsVerdict {
    /// `L`, the list's digest.
    pub list: [u8; 64],
    /// The M5s that verified, in the order given.
    pub accepted: Vec<Accepted>,
    /// The M5s refused, each naming its trustee.
    pub rejected: Vec<ThresholdError>,
}

impl PartialsVerdict {
    /// The trustees whose M5s verified, in the order given.
    pub fn trustees(&self) -> Vec<u16> {
        self.accepted.iter().map(|a| a.trustee).collect()
    }
}

/// An M5 that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Its position among those given.
    pub at: usize,
    /// Its trustee.
    pub trustee: u16,
    /// SHA-256 of the signed M5's bytes as verified (the file's digest, eq. (13-1)): the combination reads the
    /// file again and compares, and so does whoever read the file before.
    pub file_sha256: [u8; 32],
}

/// A candidate of pass 2: which M5, its trustee's key, its challenge, the stream of its weights.
struct Candidate {
    at: usize,
    trustee: u16,
    y: GroupElement,
    c: Scalar,
    rho: crate::transcript::ChallengeStream,
    file_sha256: [u8; 32],
}

/// Checks C12–C14 (SPEC.md §10.8) for each M5 of `partials` against the list in `list`, streamed, all proofs in
/// one batch (K15) with weights from `rng`; if the batch fails, each proof alone, so that each bad one is refused
/// and its trustee named. In the order of the in-memory check: the signature (C12: election, index, the roster's
/// key), the list (C13), one M5 per trustee, the proof (C14; a share that is not a point fails it). Errors (not
/// a refusal): the list's header or one of its `A`s, reading, a file changed between the passes.
#[allow(clippy::too_many_arguments)]
pub fn verify_partials<R: RngCore + CryptoRng>(
    params: &CeremonyParams,
    fingerprint: &Fingerprint,
    roster: &Roster,
    outcome: &CeremonyOutcome,
    list: &dyn ByteSource,
    partials: &[PartialInput<'_>],
    chunk: usize,
    rng: &mut R,
) -> Result<PartialsVerdict, ThresholdError> {
    verify_partials_combining(params, fingerprint, roster, outcome, list, partials, chunk, rng, None)
        .map(|(verdict, _)| verdict)
}

/// [`verify_partials`], combining as it verifies: while the proofs are checked in one batch, the `t` candidates of
/// the smallest trustee indices are combined (K13) as [`combine_partials`] would combine them, and written to
/// `out` (when given), from each share decoded once. Returns the verdict and whether `out` holds the
/// combination: true when the batch passed (so those `t` are the `t` smallest accepted, the ones
/// [`combine_partials`] takes); false when it did not, or fewer than `t` were candidates: then `out` holds nothing
/// of use, and the caller combines with [`combine_partials`] into a fresh sink (or reports too few).
#[allow(clippy::too_many_arguments)]
pub fn verify_partials_combining<R: RngCore + CryptoRng>(
    params: &CeremonyParams,
    fingerprint: &Fingerprint,
    roster: &Roster,
    outcome: &CeremonyOutcome,
    list: &dyn ByteSource,
    partials: &[PartialInput<'_>],
    chunk: usize,
    rng: &mut R,
    out: Option<&dyn ByteSink>,
) -> Result<(PartialsVerdict, bool), ThresholdError> {
    let (layout, m) = list_layout(list)?;
    let chunk = chunk.max(1).next_multiple_of(PAIRS_PER_CHUNK);
    let mut rejected = Vec::new();
    // C12's election, index and key before any reading.
    let mut streams = Vec::new();
    for (at, p) in partials.iter().enumerate() {
        let h = &p.frame.header;
        let trustee = h.trustee;
        let key = if h.election != params.digest {
            Err(ThresholdError::WrongElection { trustee })
        } else {
            params.check_index(trustee).and_then(|()| roster.signing_key(trustee))
        };
        match key {
            Ok(key) => {
                let mut s = key.verify_pieces(PARTIAL_DECRYPTION_KIND, &p.frame.signature);
                s.update(&h.encode());
                streams.push((at, s, p.frame.file_hasher(), Vec::new()));
            }
            Err(e) => rejected.push(e),
        }
    }
    // Pass 1: L; each M5's signature, file digest and block digests (those of the list's size, with the list).
    let mut hash = Sha512::new();
    hash.update(layout.header());
    for (start, len) in chunks(m, chunk) {
        let bytes = read_ciphertexts(list, start, len)?;
        hash.update(&bytes);
        let a_enc = encodings(&bytes, 0, 64);
        for (at, sig, file, digests) in streams.iter_mut() {
            let p = &partials[*at];
            if u64::from(p.frame.header.m) != m {
                continue;
            }
            let shares = read_shares(p.source, &p.frame.header, start, len)?;
            sig.update(&shares);
            file.update(&shares);
            digests.extend(block_digests(&a_enc, &encodings(&shares, 0, 32)));
        }
    }
    let digest: [u8; 64] = hash.finalize().into();
    let mut candidates: Vec<Candidate> = Vec::new();
    for (at, mut sig, file, digests) in streams {
        let p = &partials[at];
        let h = &p.frame.header;
        let trustee = h.trustee;
        if u64::from(h.m) != m {
            // Another size: its signature over its own shares, which the list's chunks did not read.
            for (start, len) in chunks(u64::from(h.m), chunk) {
                sig.update(&read_shares(p.source, h, start, len)?);
            }
        }
        let tail = crate::codec::Encode::to_bytes(&p.frame.proof);
        sig.update(&tail);
        if !sig.verify() {
            rejected.push(ThresholdError::BadSignature { trustee });
        } else if h.list != digest {
            rejected.push(ThresholdError::WrongList { trustee });
        } else if candidates.iter().any(|c| c.trustee == trustee) {
            rejected.push(ThresholdError::Duplicate { kind: "partial decryption", trustee });
        } else if u64::from(h.m) != m {
            let source =
                ProofError::SizeMismatch { proof: "DLEQ proof", statement: m as usize, proof_len: h.m as usize };
            rejected.push(ThresholdError::BadPartialDecryption { trustee, source });
        } else {
            let y = *outcome.verification_key(trustee)?;
            let mut transcript = partial_transcript(fingerprint, trustee, &digest);
            let rho = bind_statement(&mut transcript, &GroupElement::new(G), &y, m, &digests);
            match p.frame.proof.bind_commitments(&mut transcript) {
                Ok(c) => {
                    let file_sha256 = p.frame.file_sha256(file);
                    candidates.push(Candidate { at, trustee, y, c, rho, file_sha256 });
                }
                Err(source) => rejected.push(ThresholdError::BadPartialDecryption { trustee, source }),
            }
        }
    }
    // Pass 2: all candidates in one batch (combining the `t` smallest as it goes, when asked); if it fails, each
    // alone.
    let mut accepted = Vec::new();
    let mut combined = false;
    if !candidates.is_empty() {
        let all: Vec<&Candidate> = candidates.iter().collect();
        let t = usize::from(params.t);
        let mut combine = out.filter(|_| t >= 1 && all.len() >= t).map(|out| {
            let mut chosen: Vec<usize> = (0..all.len()).collect();
            chosen.sort_by_key(|&i| all[i].trustee);
            chosen.truncate(t);
            let indices: Vec<u16> = chosen.iter().map(|&i| all[i].trustee).collect();
            Combining { chosen, coeffs: combination_coefficients(&indices), out, whole: true }
        });
        let outcome = batch_check(&layout, list, partials, &all, &digest, chunk, rng, combine.as_mut())?;
        combined = combine.is_some_and(|c| c.whole) && outcome.is_ok();
        let good: Vec<&Candidate> = match outcome {
            Ok(()) => all,
            Err(_) => {
                let mut good = Vec::new();
                for c in &candidates {
                    match batch_check(&layout, list, partials, &[c], &digest, chunk, rng, None)? {
                        Ok(()) => good.push(c),
                        Err(source) => rejected.push(source),
                    }
                }
                good
            }
        };
        accepted = good.iter().map(|c| Accepted { at: c.at, trustee: c.trustee, file_sha256: c.file_sha256 }).collect();
    }
    Ok((PartialsVerdict { list: digest, accepted, rejected }, combined))
}

/// The combination made during the batch check ([`verify_partials_combining`]): the positions among the
/// candidates of the `t` combined, their coefficients, the sink, and whether every row was written (a `B` that does
/// not decode stops it, and [`combine_partials`] then reports it as before).
struct Combining<'a> {
    chosen: Vec<usize>,
    coeffs: Vec<Scalar>,
    out: &'a dyn ByteSink,
    whole: bool,
}

/// (K13)'s coefficients for the shares of the trustees `indices` (ascending), then for `B`: `−λ_j`, …, `1`.
fn combination_coefficients(indices: &[u16]) -> Vec<Scalar> {
    let mut coeffs: Vec<Scalar> = indices.iter().map(|&j| -lagrange_at_zero(j, indices)).collect();
    coeffs.push(Scalar::ONE);
    coeffs
}

/// (K13) for `len` rows: row `k`'s plaintext `M_k = B_k − Σ λ_j·D_{j,k}` (`shares(j, k)` the `j`-th chosen
/// trustee's share of row `k`, `b[k]` the row's `B`), encoded; on all cores natively.
fn combine_rows(
    coeffs: &[Scalar],
    chosen: usize,
    shares: &(dyn Fn(usize, usize) -> RistrettoPoint + Sync),
    b: &[GroupElement],
) -> Vec<[u8; 32]> {
    let one = |k: usize| -> [u8; 32] {
        let points = (0..chosen).map(|j| shares(j, k)).chain(b.get(k).map(|p| *p.point()));
        RistrettoPoint::vartime_multiscalar_mul(coeffs, points).compress().to_bytes()
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        (0..b.len()).into_par_iter().map(one).collect()
    }
    #[cfg(target_arch = "wasm32")]
    (0..b.len()).map(one).collect()
}

/// Pass 2 of [`verify_partials`] for `candidates`: (K15) with fresh weights from `rng`. `Ok(Err(refusal))` when
/// the equation fails (naming the candidate when there is one) or a share is not a point; `Err` for reading or a
/// file changed since pass 1.
///
/// With `combine`, each chunk's rows are also combined from the shares just decoded and written to its sink in
/// order, header first.
#[allow(clippy::too_many_arguments)]
fn batch_check<R: RngCore + CryptoRng>(
    layout: &ListLayout,
    list: &dyn ByteSource,
    partials: &[PartialInput<'_>],
    candidates: &[&Candidate],
    digest: &[u8; 64],
    chunk: usize,
    rng: &mut R,
    mut combine: Option<&mut Combining<'_>>,
) -> Result<Result<(), ThresholdError>, ThresholdError> {
    let m = layout.len_ciphertexts();
    let mut weights = BatchVerifier::new(rng);
    let z: Vec<(Scalar, Scalar)> = candidates.iter().map(|_| (weights.weight(), weights.weight())).collect();
    let mut list_hash = Sha512::new();
    let mut files: Vec<sha2::Sha256> = candidates.iter().map(|c| partials[c.at].frame.file_hasher()).collect();
    list_hash.update(layout.header());
    let mut sum = RistrettoPoint::identity();
    // Where the refusal is to be named: the one candidate, or the first of the batch.
    let name = |source: ProofError| ThresholdError::BadPartialDecryption { trustee: candidates[0].trustee, source };
    // A sink that fails stops the combination, not the check: `combine_partials` then meets the failure again.
    if let Some(c) = combine.as_deref_mut() {
        c.whole = c.out.write_at(0, &layout.header()).is_ok();
    }
    for (start, len) in chunks(m, chunk) {
        let bytes = read_ciphertexts(list, start, len)?;
        list_hash.update(&bytes);
        let a = decode_elements(&encodings(&bytes, 0, 64), "list.a")?;
        let mut scalars = vec![Scalar::ZERO; len];
        let mut points: Vec<RistrettoPoint> = a.iter().map(|p| *p.point()).collect();
        for ((cand, (_, z2)), file) in candidates.iter().zip(&z).zip(files.iter_mut()) {
            let p = &partials[cand.at];
            let shares = read_shares(p.source, &p.frame.header, start, len)?;
            file.update(&shares);
            let d = match decode_elements(&encodings(&shares, 0, 32), "partial.shares") {
                Ok(d) => d,
                Err(source) => return Ok(Err(ThresholdError::UndecodableShares { trustee: cand.trustee, source })),
            };
            let rho = cand.rho.scalars_128_at(start, len);
            let (zs, zc) = (z2 * p.frame.proof.s, -(z2 * cand.c));
            for (acc, r) in scalars.iter_mut().zip(&rho) {
                *acc += zs * r;
            }
            scalars.extend(rho.iter().map(|r| zc * r));
            points.extend(d.iter().map(|p| *p.point()));
        }
        if let Some(c) = combine.as_deref_mut().filter(|c| c.whole) {
            // `points` holds the `A`s, then each candidate's shares: candidate `i`'s share of row `k` is at
            // `(1 + i)·len + k`.
            match decode_elements(&encodings(&bytes, 32, 64), "list.b") {
                Ok(b) => {
                    let shares = |j: usize, k: usize| points[(1 + c.chosen[j]) * len + k];
                    let plain = combine_rows(&c.coeffs, c.chosen.len(), &shares, &b);
                    c.whole = c.out.write_at(LIST_HEADER + 32 * start, plain.as_flattened()).is_ok();
                }
                Err(_) => c.whole = false,
            }
        }
        sum += msm_vartime(&scalars, &points);
    }
    // The list and each M5 must be the bytes of pass 1.
    if <[u8; 64]>::from(list_hash.finalize()) != *digest {
        return Err(ThresholdError::Changed { part: "the list being decrypted" });
    }
    for (cand, file) in candidates.iter().zip(files) {
        if partials[cand.at].frame.file_sha256(file) != cand.file_sha256 {
            return Err(ThresholdError::Changed { part: "a partial decryption" });
        }
    }
    // The constant terms.
    let mut g_coeff = Scalar::ZERO;
    let mut scalars = Vec::new();
    let mut points = Vec::new();
    for (cand, (z1, z2)) in candidates.iter().zip(&z) {
        let proof = &partials[cand.at].frame.proof;
        g_coeff += z1 * proof.s;
        scalars.extend([-z1, -(z1 * cand.c), -z2]);
        points.extend([*proof.t1.point(), *cand.y.point(), *proof.t2.point()]);
    }
    scalars.push(g_coeff);
    points.push(G);
    sum += RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
    if sum == RistrettoPoint::identity() {
        Ok(Ok(()))
    } else {
        Ok(Err(name(ProofError::EquationFailed { proof: "DLEQ proof" })))
    }
}

/// (K13), streamed: combines the `t` verified M5s of the smallest trustee indices (SPEC.md §10.9) and writes the
/// plaintext list `u32(N) ‖ u32(w) ‖ M_1 … M_m` to `out`. The list and each M5 are hashed as they are read: if they
/// are not the bytes `verdict` was given for, the result is refused ([`ThresholdError::WrongList`] for the list,
/// [`ThresholdError::Changed`] for an M5) and `out`, holding part of a file, is to be discarded. Fewer than `t`:
/// [`ThresholdError::NotEnoughShares`].
pub fn combine_partials(
    params: &CeremonyParams,
    verdict: &PartialsVerdict,
    list: &dyn ByteSource,
    partials: &[PartialInput<'_>],
    out: &dyn ByteSink,
    chunk: usize,
) -> Result<(), ThresholdError> {
    let t = usize::from(params.t);
    let wrong_list = || ThresholdError::WrongList { trustee: verdict.accepted.first().map_or(0, |a| a.trustee) };
    let (layout, m) = list_layout(list).map_err(|e| match e {
        ThresholdError::Io { .. } => e,
        _ => wrong_list(),
    })?;
    let mut chosen: Vec<&Accepted> = verdict.accepted.iter().collect();
    if chosen.iter().any(|a| partials.get(a.at).is_none_or(|p| u64::from(p.frame.header.m) != m)) {
        return Err(wrong_list());
    }
    if chosen.len() < t {
        return Err(ThresholdError::NotEnoughShares { needed: t, got: chosen.len() });
    }
    chosen.sort_by_key(|a| a.trustee);
    chosen.truncate(t);
    let indices: Vec<u16> = chosen.iter().map(|a| a.trustee).collect();
    let coeffs = combination_coefficients(&indices);
    let chunk = chunk.max(1);
    let mut list_hash = Sha512::new();
    list_hash.update(layout.header());
    let mut files: Vec<sha2::Sha256> = chosen.iter().map(|a| partials[a.at].frame.file_hasher()).collect();
    out.write_at(0, &layout.header()).map_err(io("writing the plaintexts"))?;
    for (start, len) in chunks(m, chunk) {
        let bytes = read_ciphertexts(list, start, len)?;
        list_hash.update(&bytes);
        let b = decode_elements(&encodings(&bytes, 32, 64), "list.b").map_err(|_| wrong_list())?;
        let mut shares = Vec::with_capacity(chosen.len());
        for (file, a) in files.iter_mut().zip(&chosen) {
            let p = &partials[a.at];
            let raw = read_shares(p.source, &p.frame.header, start, len)?;
            file.update(&raw);
            let changed = |_| ThresholdError::Changed { part: "a partial decryption" };
            shares.push(decode_elements(&encodings(&raw, 0, 32), "partial.shares").map_err(changed)?);
        }
        let share = |j: usize, k: usize| *shares[j][k].point();
        let plain = combine_rows(&coeffs, shares.len(), &share, &b);
        out.write_at(LIST_HEADER + 32 * start, plain.as_flattened()).map_err(io("writing the plaintexts"))?;
    }
    if <[u8; 64]>::from(list_hash.finalize()) != verdict.list {
        return Err(wrong_list());
    }
    for (file, a) in files.into_iter().zip(&chosen) {
        if partials[a.at].frame.file_sha256(file) != a.file_sha256 {
            return Err(ThresholdError::Changed { part: "a partial decryption" });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Encode;
    use crate::proofs::dleq::DleqStatement;
    use crate::shuffle::stream::MemorySink;
    use crate::shuffle::CiphertextList;
    use crate::threshold::decryption::PartialDecryption;
    use crate::threshold::simulation::{example_params, SimulatedCeremony};
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    struct Setup {
        sim: SimulatedCeremony,
        fp: Fingerprint,
        list: Vec<u8>,
        plain: Vec<RistrettoPoint>,
    }

    /// A 3-of-5 ceremony and a list of `rows` rows of width 3 (more than two blocks of 1024 pairs when large).
    fn setup(rows: usize) -> Setup {
        let mut rng = ChaCha20Rng::from_seed([5; 32]);
        let params = example_params([9; 32], 5, 3).unwrap();
        let sim = SimulatedCeremony::example(&params, &[], &mut rng).unwrap();
        let plain: Vec<RistrettoPoint> = (0..rows * 3).map(|i| base_mul(&Scalar::from(i as u64 + 1))).collect();
        let (cells, _) = crate::elgamal::EncryptionKey::new(sim.outcome.election_key).encrypt_vector(&plain, &mut rng);
        let list = CiphertextList::from_flat(3, cells).unwrap().to_bytes();
        Setup { sim, fp: Fingerprint([4; 32]), list, plain }
    }

    fn decrypt(s: &Setup, j: u16, list: &dyn ByteSource, chunk: usize, seed: u8) -> Result<Vec<u8>, ThresholdError> {
        let share = s.sim.key_share(j).unwrap();
        let key = s.sim.secret(j).unwrap().signing_key();
        let d =
            Decrypter { params: &s.sim.params, fingerprint: &s.fp, trustee: j, key_share: &share, signing_key: &key };
        let out = MemorySink::new();
        decrypt_partially(&d, list, &out, chunk, &mut ChaCha20Rng::from_seed([seed; 32]))?;
        Ok(out.into_inner())
    }

    fn verify(s: &Setup, list: &dyn ByteSource, given: &[Vec<u8>], chunk: usize) -> PartialsVerdict {
        let frames: Vec<PartialFrame> = given.iter().map(|b| read_partial(b).unwrap()).collect();
        let inputs: Vec<PartialInput<'_>> =
            given.iter().zip(&frames).map(|(b, frame)| PartialInput { source: b, frame }).collect();
        let (sim, rng) = (&s.sim, &mut ChaCha20Rng::from_seed([1; 32]));
        verify_partials(&sim.params, &s.fp, &sim.roster, &sim.outcome, list, &inputs, chunk, rng).unwrap()
    }

    /// The streamed M5 is, byte for byte, eq. (K14) computed directly, the in-memory DLEQ proof of §7.2 and the
    /// signature of eq. (K0) over the whole message, whatever the chunk; the streamed check accepts it and the
    /// streamed combination gives the plaintexts, whatever the chunk.
    #[test]
    fn streamed_decryption_is_the_in_memory_one_whatever_the_chunk() {
        let s = setup(1100);
        let m = 3300;
        let list = CiphertextList::from_bytes(&s.list).unwrap();
        let j = 2;
        let share = s.sim.key_share(j).unwrap();
        let x = share.expose_scalar();
        let a = list.a_components();
        let shares: Vec<GroupElement> = a.iter().map(|p| GroupElement::new(x * p.point())).collect();
        let (g, y) = (GroupElement::new(G), GroupElement::new(base_mul(x)));
        let st = DleqStatement { g1: &g, h1: &y, g2: &a, h2: &shares };
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let proof =
            DleqProof::prove(&mut partial_transcript(&s.fp, j, &list.digest()), &st, &DleqWitness { x }, &mut rng)
                .unwrap();
        let expected = s.sim.secret(j).unwrap().signing_key().sign(PartialDecryption {
            election: s.sim.params.digest,
            trustee: j,
            list: list.digest(),
            shares,
            proof,
        });
        for chunk in [1024, 2048, 1 << 16] {
            assert_eq!(decrypt(&s, j, &s.list, chunk, 3).unwrap(), expected.to_bytes(), "chunk {chunk}");
        }
        let given: Vec<Vec<u8>> =
            [1, 3, 5].iter().map(|&j| decrypt(&s, j, &s.list, 1 << 16, j as u8).unwrap()).collect();
        for chunk in [1024, 1 << 16] {
            let verdict = verify(&s, &s.list, &given, chunk);
            assert_eq!(verdict.trustees(), vec![1, 3, 5]);
            assert!(verdict.rejected.is_empty());
            for a in &verdict.accepted {
                assert_eq!(a.file_sha256, <[u8; 32]>::from(sha2::Sha256::digest(&given[a.at])), "the file's digest");
            }
            let frames: Vec<PartialFrame> = given.iter().map(|b| read_partial(b).unwrap()).collect();
            let inputs: Vec<PartialInput<'_>> =
                given.iter().zip(&frames).map(|(b, frame)| PartialInput { source: b, frame }).collect();
            let out = MemorySink::new();
            combine_partials(&s.sim.params, &verdict, &s.list, &inputs, &out, chunk).unwrap();
            let plain = crate::threshold::PlaintextList::from_bytes(&out.into_inner()).unwrap();
            assert_eq!(plain.points.len(), m);
            assert!(plain.points.iter().zip(&s.plain).all(|(p, q)| p.point() == q));
        }
    }

    /// Combining as the proofs are checked gives, byte for byte, what `combine_partials` writes after the check,
    /// whatever the chunk: with 4 good partials (the 3 smallest combined), and with one whose signature fails (left
    /// out before the batch). With a partial signed by its trustee but decrypted with another share, the batch
    /// fails: nothing is claimed combined, and the verdict is the one `verify_partials` gives.
    #[test]
    fn combining_while_checking_is_the_combination_after_it() {
        let s = setup(1100);
        let sim = &s.sim;
        let good: Vec<Vec<u8>> =
            [5, 1, 4, 3].iter().map(|&j| decrypt(&s, j, &s.list, 1 << 16, j as u8).unwrap()).collect();
        let combining = |given: &[Vec<u8>], chunk: usize| {
            let frames: Vec<PartialFrame> = given.iter().map(|b| read_partial(b).unwrap()).collect();
            let inputs: Vec<PartialInput<'_>> =
                given.iter().zip(&frames).map(|(b, frame)| PartialInput { source: b, frame }).collect();
            let (p, out) = (&sim.params, MemorySink::new());
            let rng = &mut ChaCha20Rng::from_seed([1; 32]);
            let (verdict, combined) = verify_partials_combining(
                p,
                &s.fp,
                &sim.roster,
                &sim.outcome,
                &s.list,
                &inputs,
                chunk,
                rng,
                Some(&out),
            )
            .unwrap();
            let rng = &mut ChaCha20Rng::from_seed([1; 32]);
            let alone = verify_partials(p, &s.fp, &sim.roster, &sim.outcome, &s.list, &inputs, chunk, rng).unwrap();
            assert_eq!(verdict, alone);
            let after = MemorySink::new();
            let written = combine_partials(p, &verdict, &s.list, &inputs, &after, chunk).map(|()| after.into_inner());
            (verdict, combined, out.into_inner(), written)
        };
        // Trustee 1's share broken: its signature fails, so it is no candidate.
        let mut unsigned = good.clone();
        let at = PARTIAL_HEADER as usize + 32 * 5;
        unsigned[1][at] ^= 1;
        for (given, trustees) in [(&good, vec![1, 3, 4]), (&unsigned, vec![3, 4, 5])] {
            for chunk in [1024, 1 << 16] {
                let (verdict, combined, out, after) = combining(given, chunk);
                assert!(combined, "chunk {chunk}");
                let mut chosen = verdict.trustees();
                chosen.sort_unstable();
                assert_eq!(chosen[..3], trustees[..]);
                assert_eq!(out, after.unwrap(), "chunk {chunk}");
            }
        }
        // Trustee 3's partial made with trustee 1's key share, signed by trustee 3: the batch fails.
        let share = s.sim.key_share(1).unwrap();
        let key = s.sim.secret(3).unwrap().signing_key();
        let d =
            Decrypter { params: &s.sim.params, fingerprint: &s.fp, trustee: 3, key_share: &share, signing_key: &key };
        let forged = MemorySink::new();
        decrypt_partially(&d, &s.list, &forged, 1 << 16, &mut ChaCha20Rng::from_seed([7; 32])).unwrap();
        let mut bad = good.clone();
        bad[3] = forged.into_inner();
        let (verdict, combined, _, after) = combining(&bad, 1024);
        assert!(!combined);
        assert!(!verdict.rejected.is_empty());
        let mut chosen = verdict.trustees();
        chosen.sort_unstable();
        assert_eq!(chosen, vec![1, 4, 5]);
        assert!(after.is_ok(), "the old path combines the three that verified");
    }

    /// A source whose bytes at one offset change after a number of reads: a file rewritten between two passes.
    struct Rewritten {
        first: Vec<u8>,
        then: Vec<u8>,
        reads: std::sync::atomic::AtomicUsize,
        after: usize,
    }

    impl ByteSource for Rewritten {
        fn size(&self) -> u64 {
            self.first.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
            let n = self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n < self.after { &self.first } else { &self.then }.read_at(offset, buf)
        }
    }

    /// Attacks on the streamed passes: a list rewritten between the trustee's two passes (its shares were computed
    /// from one list, its fold from another) is refused, not signed; an M5 or list rewritten between the
    /// verifier's passes is refused; a signed M5 whose share is not a point, or of another size, is refused with its
    /// trustee named; a list other than the one verified is not combined.
    #[test]
    fn lists_and_shares_changed_between_passes_are_refused() {
        let s = setup(40);
        let mut other = s.list.clone();
        other[8..72].copy_from_slice(&s.list[72..136]);
        let rewritten =
            |after: usize| Rewritten { first: s.list.clone(), then: other.clone(), reads: Default::default(), after };
        // Pass 1 reads the header and one chunk (2 reads); pass 2 reads the chunk again.
        assert!(matches!(decrypt(&s, 1, &rewritten(2), 1024, 1), Err(ThresholdError::Changed { .. })));
        let given: Vec<Vec<u8>> = [1, 2, 3].iter().map(|&j| decrypt(&s, j, &s.list, 1024, j as u8).unwrap()).collect();
        // The verifier: the list read for the header and pass 1, then changed for pass 2.
        let frames: Vec<PartialFrame> = given.iter().map(|b| read_partial(b).unwrap()).collect();
        let inputs: Vec<PartialInput<'_>> =
            given.iter().zip(&frames).map(|(b, frame)| PartialInput { source: b, frame }).collect();
        let (sim, rng) = (&s.sim, &mut ChaCha20Rng::from_seed([1; 32]));
        let changed = verify_partials(&sim.params, &s.fp, &sim.roster, &sim.outcome, &rewritten(2), &inputs, 1024, rng);
        assert!(matches!(changed, Err(ThresholdError::Changed { .. })), "{changed:?}");
        // An M5 rewritten between the passes: its pass-1 bytes are signed, its pass-2 shares are another's.
        let swapped = Rewritten {
            first: given[0].clone(),
            then: {
                let mut b = given[0].clone();
                let at = PARTIAL_HEADER as usize;
                b[at..at + 32].copy_from_slice(&given[1][at..at + 32]);
                b
            },
            reads: Default::default(),
            after: 1,
        };
        let frame = read_partial(&given[0]).unwrap();
        let one = [PartialInput { source: &swapped, frame: &frame }];
        let rng = &mut ChaCha20Rng::from_seed([1; 32]);
        let got = verify_partials(&sim.params, &s.fp, &sim.roster, &sim.outcome, &s.list, &one, 1024, rng);
        assert!(matches!(&got, Err(ThresholdError::Changed { .. })), "{got:?}");
        // A share that is not a point, signed by its trustee: refused, the trustee named.
        let key = s.sim.secret(2).unwrap().signing_key();
        let mut bad = given[1].clone();
        let at = PARTIAL_HEADER as usize + 32 * 5;
        bad[at..at + 32].copy_from_slice(&[0xff; 32]);
        let resign = |bytes: &mut Vec<u8>| {
            let end = bytes.len() - 64;
            let body = bytes[..end].to_vec();
            let sig = key.sign_pieces(PARTIAL_DECRYPTION_KIND, &|put| {
                put(&body);
                Ok(())
            });
            bytes[end..].copy_from_slice(&sig.unwrap());
        };
        resign(&mut bad);
        let v = verify(&s, &s.list, &[given[0].clone(), bad, given[2].clone()], 1024);
        assert_eq!(v.trustees(), vec![1, 3]);
        assert!(matches!(v.rejected[..], [ThresholdError::UndecodableShares { trustee: 2, .. }]), "{:?}", v.rejected);
        // A share of another ciphertext's, signed: the batch fails, each alone names trustee 2.
        let mut wrong = given[1].clone();
        let (p, q) = (PARTIAL_HEADER as usize, PARTIAL_HEADER as usize + 32);
        let first = wrong[p..q].to_vec();
        wrong.copy_within(q..q + 32, p);
        wrong[q..q + 32].copy_from_slice(&first);
        resign(&mut wrong);
        let v = verify(&s, &s.list, &[given[0].clone(), wrong, given[2].clone()], 1024);
        assert_eq!(v.trustees(), vec![1, 3]);
        assert!(
            matches!(v.rejected[..], [ThresholdError::BadPartialDecryption { trustee: 2, .. }]),
            "{:?}",
            v.rejected
        );
        // Unsigned changes are refused by the signature.
        let mut forged = given[2].clone();
        forged[PARTIAL_HEADER as usize..PARTIAL_HEADER as usize + 32].copy_from_slice(&given[0][102..134]);
        let v = verify(&s, &s.list, &[forged], 1024);
        assert!(matches!(v.rejected[..], [ThresholdError::BadSignature { trustee: 3 }]), "{:?}", v.rejected);
        // The combination refuses a list other than the verified one.
        let verdict = verify(&s, &s.list, &given, 1024);
        let inputs: Vec<PartialInput<'_>> =
            given.iter().zip(&frames).map(|(b, frame)| PartialInput { source: b, frame }).collect();
        let got = combine_partials(&s.sim.params, &verdict, &other, &inputs, &MemorySink::new(), 1024);
        assert!(matches!(got, Err(ThresholdError::WrongList { .. })), "{got:?}");
    }
}

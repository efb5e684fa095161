//! Threshold decryption (SPEC.md §10.8–§10.9).
//!
//! Trustee `j` with key share `x_j` and verification key `Y_j = x_j·G` decrypts a list of ciphertexts
//! `(A_k, B_k)` partially: `D_{j,k} = x_j·A_k` (eq. (K14)), with one folded Chaum–Pedersen proof that
//! `log_G Y_j = log_{A_k} D_{j,k}` for every `k` at once. Any `t` valid partial decryptions, from the trustees in
//! `S`, combine by Lagrange interpolation at 0: `M_k = B_k − Σ_{j∈S} λ_j·D_{j,k}` (eq. (K13)).

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use super::ceremony::{CeremonyOutcome, Roster};
use super::{streamed, CeremonyMessage, Signed, ThresholdError, TrusteeSigningKey};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::SecretKey;
use crate::fingerprint::Fingerprint;
use crate::group::{decode_elements, GroupElement};
use crate::limits::{MAX_CIPHERTEXTS, MAX_WIDTH};
use crate::proofs::dleq::DleqProof;
use crate::shuffle::stream::{ByteSource, MemorySink};
use crate::transcript::{election_transcript, TranscriptProtocol};

/// The list the trustees decrypt is the mix's list, the last stage's output (SPEC.md §9.1.1, §10.8): one type,
/// one encoding, one digest.
pub use crate::shuffle::CiphertextList;

/// The signature kind (eq. (K0), SPEC.md §10.1) of a partial decryption, M5.
pub const PARTIAL_DECRYPTION_KIND: &[u8] = b"rv/trustee/partial-decryption/v1";
/// The `dom-sep` of the partial-decryption transcript (SPEC.md §10.2).
pub const PARTIAL_DECRYPTION_DOMAIN: &[u8] = b"rv/trustee/partial-decryption/v1";

// ---------------------------------------------------------------------------------------------------------
// Lists

/// Reads `count` 32-byte encodings and decodes them, natively over all cores.
fn read_elements(r: &mut Reader<'_>, count: usize, what: &'static str) -> Result<Vec<GroupElement>, DecodeError> {
    let raw =
        r.raw(count.checked_mul(32).ok_or(DecodeError::TooLong { what, len: count, max: MAX_CIPHERTEXTS })?, what)?;
    let arrays: Vec<[u8; 32]> = raw.chunks_exact(32).map(|c| <[u8; 32]>::try_from(c).unwrap_or([0xff; 32])).collect();
    decode_elements(&arrays, what)
}

/// The decrypted points, in the list's shape: `u32(N) ‖ u32(w) ‖ N·w points` (SPEC.md §10.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextList {
    /// `w`: the points per row, as in the decrypted list.
    pub width: u32,
    /// `M_1 … M_m` of eq. (K13), row-major.
    pub points: Vec<GroupElement>,
}

impl Encode for PlaintextList {
    fn encode(&self, w: &mut Writer) {
        let rows = if self.width == 0 { 0 } else { (self.points.len() / self.width as usize) as u32 };
        w.u32(rows).u32(self.width);
        for p in &self.points {
            w.element(p);
        }
    }
}

/// Reads a plaintext list's header `u32(N) ‖ u32(w)` and checks its shape (§9.1.1): `1 ≤ w ≤ MAX_WIDTH` and at
/// most `MAX_CIPHERTEXTS` points. Returns `w` and the number of points `N·w`.
fn read_plaintext_shape(r: &mut Reader<'_>) -> Result<(u32, usize), DecodeError> {
    let rows = r.u32("plaintexts.rows")? as usize;
    let width = r.u32("plaintexts.width")?;
    // A width of 0 would read any row count as no points, so that `u32(N) ‖ u32(0)` decoded for every `N`, and
    // re-encoded as `N = 0`.
    if width == 0 || width as usize > MAX_WIDTH {
        return Err(DecodeError::TooLong { what: "plaintexts.width (1 to 1024)", len: width as usize, max: MAX_WIDTH });
    }
    let count = rows.saturating_mul(width as usize);
    if count > MAX_CIPHERTEXTS {
        return Err(DecodeError::TooLong { what: "plaintexts", len: count, max: MAX_CIPHERTEXTS });
    }
    Ok((width, count))
}

impl Decode for PlaintextList {
    const WHAT: &'static str = "plaintext list";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (width, count) = read_plaintext_shape(r)?;
        Ok(Self { width, points: read_elements(r, count, "plaintexts.points")? })
    }
}

/// A plaintext list's shape (SPEC.md §10.9) from its first bytes `head` (the whole 8-byte header where the list
/// has one) and its length `size`: `w` and the number of points `N·w`, with the errors [`PlaintextList::from_bytes`]
/// gives for a list of that header and length whose points decode. How the verifier checks a list of millions of
/// points without holding it: the points are read, and decoded, a piece at a time ([`decode_plaintext_points`]).
pub fn plaintext_shape(head: &[u8], size: u64) -> Result<(u32, usize), DecodeError> {
    let mut r = Reader::new(head.get(..8).unwrap_or(head));
    let (width, count) = read_plaintext_shape(&mut r)?;
    let len = count.checked_mul(32).ok_or(DecodeError::TooLong {
        what: "plaintexts.points",
        len: count,
        max: MAX_CIPHERTEXTS,
    })?;
    // The bytes after the header (8 of them were read: `size` ≥ 8).
    let rest = usize::try_from(size.saturating_sub(8)).unwrap_or(usize::MAX);
    if rest < len {
        return Err(DecodeError::Truncated { what: "plaintexts.points", needed: len - rest });
    }
    if rest > len {
        return Err(DecodeError::TrailingBytes { what: PlaintextList::WHAT, count: rest - len });
    }
    Ok((width, count))
}

/// Decodes a piece of a plaintext list's points (their 32-byte encodings, row-major, as in the file; a trailing
/// part of a point is ignored) with the one decoder of a point, over all cores.
pub fn decode_plaintext_points(encodings: &[u8]) -> Result<Vec<GroupElement>, DecodeError> {
    read_elements(&mut Reader::new(encodings), encodings.len() / 32, "plaintexts.points")
}

// ---------------------------------------------------------------------------------------------------------
// Partial decryptions

/// Message M5 (SPEC.md §10.8): trustee `j`'s partial decryption of one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialDecryption {
    /// The manifest digest (check C12, as C1).
    pub election: [u8; 32],
    /// The decrypting trustee `j`.
    pub trustee: u16,
    /// `L`: the list's digest `H(list)` (SPEC.md §10.8, the SHA-512 of §9.2).
    pub list: [u8; 64],
    /// `D_{j,k} = x_j·A_k`.
    pub shares: Vec<GroupElement>,
    /// The folded DLEQ proof (SPEC.md §7.2) that `log_G Y_j = log_{A_k} D_{j,k}` for every `k` (check C14).
    pub proof: DleqProof,
}

impl CeremonyMessage for PartialDecryption {
    const KIND: &'static [u8] = PARTIAL_DECRYPTION_KIND;
    fn election(&self) -> &[u8; 32] {
        &self.election
    }
    fn trustee(&self) -> u16 {
        self.trustee
    }
}

impl Encode for PartialDecryption {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.list).u32(self.shares.len() as u32);
        for d in &self.shares {
            w.element(d);
        }
        w.put(&self.proof);
    }
}

impl Decode for PartialDecryption {
    const WHAT: &'static str = "partial decryption";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let election = r.array("partial.election")?;
        let trustee = r.u16("partial.trustee")?;
        let list = r.array("partial.list")?;
        let count = r.u32("partial.count")? as usize;
        if count > MAX_CIPHERTEXTS {
            return Err(DecodeError::TooLong { what: "partial.shares", len: count, max: MAX_CIPHERTEXTS });
        }
        let shares = read_elements(r, count, "partial.shares")?;
        Ok(Self { election, trustee, list, shares, proof: DleqProof::decode(r)? })
    }
}

/// SPEC.md §10.2: the partial-decryption transcript of trustee `j` for one list.
pub(super) fn partial_transcript(fingerprint: &Fingerprint, trustee: u16, list: &[u8; 64]) -> Transcript {
    let mut t = election_transcript(fingerprint);
    t.domain_sep(PARTIAL_DECRYPTION_DOMAIN);
    t.append_u64(b"trustee", u64::from(trustee));
    t.append_message(b"list", list);
    t
}

impl PartialDecryption {
    /// Trustee `trustee` decrypts `list` partially with its key share and proves it (eq. (K14), proved by SPEC.md
    /// eq. (12)–(13)): [`streamed::decrypt_partially`] over the list's bytes in memory.
    pub fn create<R: RngCore + CryptoRng>(
        params: &super::CeremonyParams,
        fingerprint: &Fingerprint,
        trustee: u16,
        key_share: &SecretKey,
        signing_key: &TrusteeSigningKey,
        list: &CiphertextList,
        rng: &mut R,
    ) -> Result<Signed<Self>, ThresholdError> {
        let decrypter = streamed::Decrypter { params, fingerprint, trustee, key_share, signing_key };
        let out = MemorySink::new();
        let chunk = streamed::chunk_ciphertexts(streamed::DEFAULT_DECRYPTION_MEMORY, 2);
        streamed::decrypt_partially(&decrypter, &list.to_bytes(), &out, chunk, rng)?;
        Ok(Signed::<Self>::from_bytes(&out.into_inner())?)
    }
}

/// Partial decryptions whose signatures and proofs all verified, for one list. Only
/// [`verify_partial_decryptions`] builds it, so combining unverified shares is a compile error.
#[derive(Debug, Clone)]
pub struct VerifiedPartials {
    verdict: streamed::PartialsVerdict,
    /// The signed M5s given, encoded (the verdict's positions are into them).
    given: Vec<Vec<u8>>,
    /// Partial decryptions refused, each naming its trustee.
    pub rejected: Vec<ThresholdError>,
}

impl VerifiedPartials {
    /// The trustees whose partial decryptions verified, in the order given.
    pub fn trustees(&self) -> Vec<u16> {
        self.verdict.trustees()
    }
}

/// The frames of encoded M5s (in memory, each encoded by its type's encoder, so it reads).
fn frames(given: &[Vec<u8>]) -> Result<Vec<streamed::PartialFrame>, ThresholdError> {
    given.iter().map(|b| streamed::read_partial(b)).collect()
}

/// Checks C12–C14 for each partial decryption: authentic (roster key), for this list, and its proof, all proofs
/// in one batch, eq. (K15) (`rng` draws the batch weights). If the batch fails, each proof is checked alone so that
/// every bad one is rejected and its trustee named in [`VerifiedPartials::rejected`]: [`streamed::verify_partials`]
/// over bytes in memory.
pub fn verify_partial_decryptions<R: RngCore + CryptoRng>(
    params: &super::CeremonyParams,
    fingerprint: &Fingerprint,
    roster: &Roster,
    outcome: &CeremonyOutcome,
    list: &CiphertextList,
    partials: Vec<Signed<PartialDecryption>>,
    rng: &mut R,
) -> Result<VerifiedPartials, ThresholdError> {
    let given: Vec<Vec<u8>> = partials.iter().map(Encode::to_bytes).collect();
    let frames = frames(&given)?;
    let inputs: Vec<streamed::PartialInput<'_>> = given
        .iter()
        .zip(&frames)
        .map(|(b, frame)| streamed::PartialInput { source: b as &dyn ByteSource, frame })
        .collect();
    let chunk = streamed::chunk_ciphertexts(streamed::DEFAULT_DECRYPTION_MEMORY, 1 + partials.len());
    let verdict =
        streamed::verify_partials(params, fingerprint, roster, outcome, &list.to_bytes(), &inputs, chunk, rng)?;
    let rejected = verdict.rejected.clone();
    Ok(VerifiedPartials { verdict, given, rejected })
}

/// eq. (K13): combines the first `t` verified partial decryptions (by trustee index) into the plaintexts:
/// [`streamed::combine_partials`] over bytes in memory.
pub fn combine(
    params: &super::CeremonyParams,
    verified: &VerifiedPartials,
    list: &CiphertextList,
) -> Result<PlaintextList, ThresholdError> {
    let frames = frames(&verified.given)?;
    let inputs: Vec<streamed::PartialInput<'_>> = verified
        .given
        .iter()
        .zip(&frames)
        .map(|(b, frame)| streamed::PartialInput { source: b as &dyn ByteSource, frame })
        .collect();
    let out = MemorySink::new();
    let chunk = streamed::chunk_ciphertexts(streamed::DEFAULT_DECRYPTION_MEMORY, 1 + usize::from(params.t));
    streamed::combine_partials(params, &verified.verdict, &list.to_bytes(), &inputs, &out, chunk)?;
    Ok(PlaintextList::from_bytes(&out.into_inner())?)
}

//! Threshold decryption (SPEC.md §10.8–§10.9).
//!
//! Trustee `j` with key share `x_j` and verification key `Y_j = x_j·G` decrypts a list of ciphertexts
//! `(A_k, B_k)` partially: `D_{j,k} = x_j·A_k` (eq. (K14)), with one folded Chaum–Pedersen proof that
//! `log_G Y_j = log_{A_k} D_{j,k}` for every `k` at once. Any `t` valid partial decryptions, from the trustees in
//! `S`, combine by Lagrange interpolation at 0: `M_k = B_k − Σ_{j∈S} λ_j·D_{j,k}` (eq. (K13)).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use super::ceremony::{CeremonyOutcome, Roster};
use super::{lagrange_at_zero, CeremonyMessage, Signed, ThresholdError, TrusteeSigningKey};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::{base_mul, SecretKey};
use crate::fingerprint::Fingerprint;
use crate::group::{decode_elements, double_and_compress_batch, GroupElement, G};
use crate::limits::{MAX_CIPHERTEXTS, MAX_WIDTH};
use crate::proofs::dleq::{CommonBaseItem, DleqProof, DleqStatement, DleqWitness};
use crate::proofs::BatchVerifier;
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

/// The list a partial decryption is for: non-empty (SPEC.md §10.8); its shape and size the list's type already
/// guarantees (`1 ≤ w ≤ 1024`, `N·w ≤ 2^24`, §9.1.1).
fn check_list(list: &CiphertextList) -> Result<(), ThresholdError> {
    if list.is_empty() {
        return Err(ThresholdError::EmptyList);
    }
    Ok(())
}

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

impl Decode for PlaintextList {
    const WHAT: &'static str = "plaintext list";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let rows = r.u32("plaintexts.rows")? as usize;
        let width = r.u32("plaintexts.width")?;
        // The list's shape (§9.1.1): `1 ≤ w ≤ MAX_WIDTH`. A width of 0 would read any row count as no points, so
        // that `u32(N) ‖ u32(0)` decoded for every `N`, and re-encoded as `N = 0`.
        if width == 0 || width as usize > MAX_WIDTH {
            return Err(DecodeError::TooLong {
                what: "plaintexts.width (1 to 1024)",
                len: width as usize,
                max: MAX_WIDTH,
            });
        }
        let count = rows.saturating_mul(width as usize);
        if count > MAX_CIPHERTEXTS {
            return Err(DecodeError::TooLong { what: "plaintexts", len: count, max: MAX_CIPHERTEXTS });
        }
        Ok(Self { width, points: read_elements(r, count, "plaintexts.points")? })
    }
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
fn partial_transcript(fingerprint: &Fingerprint, trustee: u16, list: &[u8; 64]) -> Transcript {
    let mut t = election_transcript(fingerprint);
    t.domain_sep(PARTIAL_DECRYPTION_DOMAIN);
    t.append_u64(b"trustee", u64::from(trustee));
    t.append_message(b"list", list);
    t
}

/// `x·A_k` for every k, compressed in batches (eq. (K14)); natively over all cores.
fn multiply_all(x: &Scalar, a: &[GroupElement]) -> Vec<GroupElement> {
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

impl PartialDecryption {
    /// Trustee `trustee` decrypts `list` partially with its key share and proves it (eq. (K14), proved by SPEC.md eq. (12)–(13)).
    pub fn create<R: RngCore + CryptoRng>(
        params: &super::CeremonyParams,
        fingerprint: &Fingerprint,
        trustee: u16,
        key_share: &SecretKey,
        signing_key: &TrusteeSigningKey,
        list: &CiphertextList,
        rng: &mut R,
    ) -> Result<Signed<Self>, ThresholdError> {
        check_list(list)?;
        let a = list.a_components();
        let x = key_share.expose_scalar();
        #[cfg(not(target_arch = "wasm32"))]
        let (digest, shares) = rayon::join(|| list.digest(), || multiply_all(x, &a));
        #[cfg(target_arch = "wasm32")]
        let (digest, shares) = (list.digest(), multiply_all(x, &a));
        let g = GroupElement::new(G);
        let y = GroupElement::new(base_mul(x));
        let st = DleqStatement { g1: &g, h1: &y, g2: &a, h2: &shares };
        let proof =
            DleqProof::prove(&mut partial_transcript(fingerprint, trustee, &digest), &st, &DleqWitness { x }, rng)
                .map_err(|source| ThresholdError::BadPartialDecryption { trustee, source })?;
        Ok(signing_key.sign(Self { election: params.digest, trustee, list: digest, shares, proof }))
    }
}

/// Partial decryptions whose signatures and proofs all verified, for one list. Only
/// [`verify_partial_decryptions`] builds it, so combining unverified shares is a compile error.
#[derive(Debug, Clone)]
pub struct VerifiedPartials {
    list: [u8; 64],
    partials: Vec<PartialDecryption>,
    /// Partial decryptions refused, each naming its trustee.
    pub rejected: Vec<ThresholdError>,
}

impl VerifiedPartials {
    /// The trustees whose partial decryptions verified, in the order given.
    pub fn trustees(&self) -> Vec<u16> {
        self.partials.iter().map(|p| p.trustee).collect()
    }
}

/// Checks C12–C14 for each partial decryption: authentic (roster key), for this list, and its proof, all proofs
/// in one batch, eq. (K15) (`rng` draws the batch weights). If the batch fails, each proof is checked alone so that
/// every bad one is rejected and its trustee named in [`VerifiedPartials::rejected`].
pub fn verify_partial_decryptions<R: RngCore + CryptoRng>(
    params: &super::CeremonyParams,
    fingerprint: &Fingerprint,
    roster: &Roster,
    outcome: &CeremonyOutcome,
    list: &CiphertextList,
    partials: Vec<Signed<PartialDecryption>>,
    rng: &mut R,
) -> Result<VerifiedPartials, ThresholdError> {
    check_list(list)?;
    // The list's digest (one core, SHA-512 of the whole list) while the signatures are checked (each hashes its
    // message, as long as the list's A's).
    let authentic = |signed: Signed<PartialDecryption>| -> Result<PartialDecryption, ThresholdError> {
        roster.verify(params, &signed)?;
        Ok(signed.message)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let (digest, checked): (_, Vec<_>) = rayon::join(
        || list.digest(),
        || {
            use rayon::prelude::*;
            partials.into_par_iter().map(authentic).collect()
        },
    );
    #[cfg(target_arch = "wasm32")]
    let (digest, checked): (_, Vec<_>) = (list.digest(), partials.into_iter().map(authentic).collect());
    let mut rejected = Vec::new();
    let mut candidates: Vec<PartialDecryption> = Vec::new();
    for p in checked {
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                rejected.push(e);
                continue;
            }
        };
        let trustee = p.trustee;
        if p.list != digest {
            rejected.push(ThresholdError::WrongList { trustee });
        } else if candidates.iter().any(|c| c.trustee == trustee) {
            rejected.push(ThresholdError::Duplicate { kind: "partial decryption", trustee });
        } else {
            candidates.push(p);
        }
    }
    let a = list.a_components();
    let g = GroupElement::new(G);
    let mut keys = Vec::with_capacity(candidates.len());
    for p in &candidates {
        keys.push(*outcome.verification_key(p.trustee)?);
    }
    let items: Vec<CommonBaseItem<'_>> = candidates
        .iter()
        .zip(&keys)
        .map(|(p, y)| CommonBaseItem {
            proof: &p.proof,
            transcript: partial_transcript(fingerprint, p.trustee, &digest),
            h1: y,
            h2: &p.shares,
        })
        .collect();
    let mut batch = BatchVerifier::new(rng);
    let queued = DleqProof::verify_common_g2_into(&g, &a, items, &mut batch);
    if queued.is_ok() && batch.verify() {
        return Ok(VerifiedPartials { list: digest, partials: candidates, rejected });
    }
    // Somebody cheated: check each alone and name them.
    let mut good = Vec::new();
    for (p, y) in candidates.into_iter().zip(&keys) {
        let st = DleqStatement { g1: &g, h1: y, g2: &a, h2: &p.shares };
        match p.proof.verify(&mut partial_transcript(fingerprint, p.trustee, &digest), &st) {
            Ok(()) => good.push(p),
            Err(source) => rejected.push(ThresholdError::BadPartialDecryption { trustee: p.trustee, source }),
        }
    }
    Ok(VerifiedPartials { list: digest, partials: good, rejected })
}

/// eq. (K13): combines the first `t` verified partial decryptions (by trustee index) into the plaintexts.
pub fn combine(
    params: &super::CeremonyParams,
    verified: &VerifiedPartials,
    list: &CiphertextList,
) -> Result<PlaintextList, ThresholdError> {
    let t = usize::from(params.t);
    let cells = list.cells();
    // Verified for another list: a different length is seen at once (before any indexing), any other difference
    // by the digest, which is computed below while the other cores combine.
    let wrong_list = || ThresholdError::WrongList { trustee: verified.partials.first().map_or(0, |p| p.trustee) };
    if verified.partials.iter().any(|p| p.shares.len() != cells.len()) {
        return Err(wrong_list());
    }
    if verified.partials.len() < t {
        if verified.list != list.digest() {
            return Err(wrong_list());
        }
        return Err(ThresholdError::NotEnoughShares { needed: t, got: verified.partials.len() });
    }
    let mut chosen: Vec<&PartialDecryption> = verified.partials.iter().collect();
    chosen.sort_by_key(|p| p.trustee);
    chosen.truncate(t);
    let indices: Vec<u16> = chosen.iter().map(|p| p.trustee).collect();
    // Coefficients −λ_j for the shares and 1 for B_k.
    let mut coeffs: Vec<Scalar> = indices.iter().map(|&j| -lagrange_at_zero(j, &indices)).collect();
    coeffs.push(Scalar::ONE);
    let one = |k: usize| -> GroupElement {
        let points = chosen.iter().map(|p| *p.shares[k].point()).chain(core::iter::once(*cells[k].b.point()));
        GroupElement::new(RistrettoPoint::vartime_multiscalar_mul(&coeffs, points))
    };
    // The result is kept only if the list's digest is the one the partial decryptions were verified against.
    #[cfg(not(target_arch = "wasm32"))]
    let (digest, points) = rayon::join(
        || list.digest(),
        || {
            use rayon::prelude::*;
            (0..cells.len()).into_par_iter().map(one).collect()
        },
    );
    #[cfg(target_arch = "wasm32")]
    let (digest, points) = (list.digest(), (0..cells.len()).map(one).collect());
    if digest != verified.list {
        return Err(wrong_list());
    }
    // `list.width()` ≤ MAX_WIDTH (1024): it fits.
    Ok(PlaintextList { width: list.width() as u32, points })
}

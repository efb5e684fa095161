//! Threshold decryption (SPEC.md §10 (T8–T9)).
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
use sha2::{Digest, Sha256};

use super::ceremony::{CeremonyOutcome, Roster};
use super::{lagrange_at_zero, CeremonyMessage, Signed, ThresholdError, TrusteeSigningKey};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::{base_mul, Ciphertext, SecretKey};
use crate::group::{decode_elements, double_and_compress_batch, GroupElement, G};
use crate::manifest::Fingerprint;
use crate::proofs::dleq::{CommonBaseItem, DleqProof, DleqStatement, DleqWitness};
use crate::proofs::BatchVerifier;
use crate::transcript::{election_transcript, TranscriptProtocol};

pub const PARTIAL_DECRYPTION_KIND: &[u8] = b"rv/trustee/partial-decryption/v1";
pub const PARTIAL_DECRYPTION_DOMAIN: &[u8] = b"rv/trustee/partial-decryption/v1";
pub const LIST_DOMAIN: &[u8] = b"rv/ciphertext-list/v1";
/// Most ciphertexts in one list (2^24).
pub const MAX_LIST: usize = 1 << 24;

// ---------------------------------------------------------------------------------------------------------
// Lists

/// A list of `rows` ciphertext rows of `width` ciphertexts each: `u32(rows) ‖ u32(width) ‖ rows·width
/// ciphertexts` (SPEC.md §10 (T8)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiphertextList {
    pub width: u32,
    pub ciphertexts: Vec<Ciphertext>,
}

impl CiphertextList {
    pub fn rows(&self) -> u32 {
        if self.width == 0 {
            0
        } else {
            (self.ciphertexts.len() / self.width as usize) as u32
        }
    }
    /// `SHA-256(LIST_DOMAIN ‖ encoding)`: what a partial decryption is bound to.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(LIST_DOMAIN);
        h.update(self.to_bytes());
        h.finalize().into()
    }
    /// Non-empty, with a width that divides the length.
    pub fn check(&self) -> Result<(), ThresholdError> {
        if self.ciphertexts.is_empty() {
            return Err(ThresholdError::EmptyList);
        }
        if self.width == 0 || self.ciphertexts.len() % self.width as usize != 0 {
            return Err(ThresholdError::MalformedList);
        }
        Ok(())
    }
    pub fn a_components(&self) -> Vec<GroupElement> {
        self.ciphertexts.iter().map(|c| c.a).collect()
    }
}

/// Reads `count` 32-byte encodings and decodes them, natively over all cores.
fn read_elements(r: &mut Reader<'_>, count: usize, what: &'static str) -> Result<Vec<GroupElement>, DecodeError> {
    let raw = r.raw(count.checked_mul(32).ok_or(DecodeError::TooLong { what, len: count, max: MAX_LIST })?, what)?;
    let arrays: Vec<[u8; 32]> = raw.chunks_exact(32).map(|c| <[u8; 32]>::try_from(c).unwrap_or([0xff; 32])).collect();
    decode_elements(&arrays, what)
}

impl Encode for CiphertextList {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.rows()).u32(self.width);
        for c in &self.ciphertexts {
            w.put(c);
        }
    }
}

impl Decode for CiphertextList {
    const WHAT: &'static str = "ciphertext list";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let rows = r.u32("list.rows")? as usize;
        let width = r.u32("list.width")?;
        let count = rows.saturating_mul(width as usize);
        if count > MAX_LIST {
            return Err(DecodeError::TooLong { what: "list", len: count, max: MAX_LIST });
        }
        let both = read_elements(r, 2 * count, "list.ciphertexts")?;
        let ciphertexts = both.chunks_exact(2).map(|p| Ciphertext { a: p[0], b: p[1] }).collect();
        Ok(Self { width, ciphertexts })
    }
}

/// The decrypted points, in the list's shape: `u32(rows) ‖ u32(width) ‖ rows·width points`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextList {
    pub width: u32,
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
        let count = rows.saturating_mul(width as usize);
        if count > MAX_LIST {
            return Err(DecodeError::TooLong { what: "plaintexts", len: count, max: MAX_LIST });
        }
        Ok(Self { width, points: read_elements(r, count, "plaintexts.points")? })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Partial decryptions

/// Message M5 (SPEC.md §10 (T8)): trustee `j`'s partial decryption of one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialDecryption {
    pub election: [u8; 32],
    pub trustee: u16,
    /// The list's digest.
    pub list: [u8; 32],
    /// `D_{j,k} = x_j·A_k`.
    pub shares: Vec<GroupElement>,
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
        if count > MAX_LIST {
            return Err(DecodeError::TooLong { what: "partial.shares", len: count, max: MAX_LIST });
        }
        let shares = read_elements(r, count, "partial.shares")?;
        Ok(Self { election, trustee, list, shares, proof: DleqProof::decode(r)? })
    }
}

/// SPEC.md §10 (T2): the partial-decryption transcript of trustee `j` for one list.
fn partial_transcript(fingerprint: &Fingerprint, trustee: u16, list: &[u8; 32]) -> Transcript {
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
        list.check()?;
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
    list: [u8; 32],
    partials: Vec<PartialDecryption>,
    /// Partial decryptions refused, each naming its trustee.
    pub rejected: Vec<ThresholdError>,
}

impl VerifiedPartials {
    pub fn trustees(&self) -> Vec<u16> {
        self.partials.iter().map(|p| p.trustee).collect()
    }
}

/// Checks C12–C14 for each partial decryption: authentic (roster key), for this list, and its proof, all proofs
/// in one batch (`rng` draws the batch weights). If the batch fails, each proof is checked alone so that every
/// bad one is rejected and its trustee named in [`VerifiedPartials::rejected`].
pub fn verify_partial_decryptions<R: RngCore + CryptoRng>(
    params: &super::CeremonyParams,
    fingerprint: &Fingerprint,
    roster: &Roster,
    outcome: &CeremonyOutcome,
    list: &CiphertextList,
    partials: Vec<Signed<PartialDecryption>>,
    rng: &mut R,
) -> Result<VerifiedPartials, ThresholdError> {
    list.check()?;
    let digest = list.digest();
    let mut rejected = Vec::new();
    let mut candidates: Vec<PartialDecryption> = Vec::new();
    for signed in partials {
        let trustee = signed.message.trustee;
        if let Err(e) = roster.verify(params, &signed) {
            rejected.push(e);
            continue;
        }
        let p = signed.message;
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
    if verified.list != list.digest() {
        return Err(ThresholdError::WrongList { trustee: verified.partials.first().map_or(0, |p| p.trustee) });
    }
    if verified.partials.len() < t {
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
        let points =
            chosen.iter().map(|p| *p.shares[k].point()).chain(core::iter::once(*list.ciphertexts[k].b.point()));
        GroupElement::new(RistrettoPoint::vartime_multiscalar_mul(&coeffs, points))
    };
    #[cfg(not(target_arch = "wasm32"))]
    let points = {
        use rayon::prelude::*;
        (0..list.ciphertexts.len()).into_par_iter().map(one).collect()
    };
    #[cfg(target_arch = "wasm32")]
    let points = (0..list.ciphertexts.len()).map(one).collect();
    Ok(PlaintextList { width: list.width, points })
}

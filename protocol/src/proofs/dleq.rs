//! Chaum–Pedersen proof of equality of discrete logarithms, for one pair or many at once (SPEC.md §7.2).
//!
//! Statement: bases `g₁`, `h₁ = x·g₁`, and pairs `(g₂ᵢ, h₂ᵢ)`, `i = 1..n`, with `h₂ᵢ = x·g₂ᵢ` for the same `x`
//! (a trustee's key share and its partial decryptions `h₂ᵢ = x·Aᵢ`, for example).
//!
//! After the whole statement is in the transcript (the pairs as SHA-512 digests of chunks of
//! [`PAIRS_PER_CHUNK`] pairs, hashed natively over all cores), 128-bit weights `ρᵢ` are drawn from it
//! (SPEC.md §3.3), and the pairs are folded:
//!
//! `ĝ₂ = Σ ρᵢ·g₂ᵢ`,   `ĥ₂ = Σ ρᵢ·h₂ᵢ`                                                  — SPEC.md eq. (12)
//!
//! If some `h₂ᵢ ≠ x·g₂ᵢ`, then `ĥ₂ ≠ x·ĝ₂` except with probability `≤ 2⁻¹²⁸` (notes/dleq.md). The prover then proves
//! `log_{g₁} h₁ = log_{ĝ₂} ĥ₂` with Chaum–Pedersen:
//!
//! `T₁ = k·g₁`, `T₂ = k·ĝ₂`, `c = H(transcript)`, `s = k + c·x`                       — SPEC.md eq. (13)
//!
//! `s·g₁ = T₁ + c·h₁`  and  `s·ĝ₂ = T₂ + c·ĥ₂`                                         — SPEC.md eq. (14)

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

use super::BatchVerifier;
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::error::ProofError;
use crate::group::{random_scalar, GroupElement};
use crate::transcript::TranscriptProtocol;

/// The proof's domain label in the transcript (SPEC.md §7.2).
pub const DOMAIN: &[u8] = b"rv/proof/dleq/v2";
/// Pairs per chunk of the statement's binding (SPEC.md §7.2): each chunk enters the transcript as the SHA-512
/// digest of its pairs' encodings, so the hashing runs on all cores.
pub const PAIRS_PER_CHUNK: usize = 1024;
const NAME: &str = "DLEQ proof";

/// What a DLEQ proof claims (SPEC.md §7.2): one `x` with `h₁ = x·g₁` and `h₂ᵢ = x·g₂ᵢ` for every pair.
#[derive(Debug, Clone, Copy)]
pub struct DleqStatement<'a> {
    /// The base `g₁`.
    pub g1: &'a GroupElement,
    /// `h₁ = x·g₁`.
    pub h1: &'a GroupElement,
    /// The bases `g₂ᵢ`, at least one.
    pub g2: &'a [GroupElement],
    /// `h₂ᵢ = x·g₂ᵢ`, as many as `g2`.
    pub h2: &'a [GroupElement],
}

/// The common discrete logarithm `x`. Borrowed, so its owner wipes it.
#[derive(Clone, Copy)]
pub struct DleqWitness<'a> {
    /// The secret `x`.
    pub x: &'a Scalar,
}

impl core::fmt::Debug for DleqWitness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DleqWitness(<redacted>)")
    }
}

/// A folded Chaum–Pedersen proof (SPEC.md §7.2 eq. (13)); encoded `point(T₁) ‖ point(T₂) ‖ scalar(s)`, 96 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DleqProof {
    /// `T₁ = k·g₁`, non-identity.
    pub t1: GroupElement,
    /// `T₂ = k·ĝ₂`, non-identity.
    pub t2: GroupElement,
    /// `s = k + c·x`.
    #[serde(with = "crate::group::scalar_hex")]
    pub s: Scalar,
}

/// Appends the statement and returns the folding weights ρᵢ (SPEC.md §7.2).
fn append_statement(t: &mut Transcript, st: &DleqStatement<'_>) -> Result<Vec<Scalar>, ProofError> {
    if st.g2.is_empty() {
        return Err(ProofError::EmptyStatement { proof: NAME });
    }
    if st.g2.len() != st.h2.len() {
        return Err(ProofError::SizeMismatch { proof: NAME, statement: st.g2.len(), proof_len: st.h2.len() });
    }
    Ok(bind_statement(t, st.g1, st.h1, st.g2.len() as u64, &pair_digests(st.g2, st.h2)).scalars_128(st.g2.len()))
}

/// SPEC.md §7.2, the statement's binding from the digests `P_j` of its chunks of pairs (a streamed prover or
/// verifier computes them as it reads the pairs): returns the stream the weights `ρᵢ` are drawn from.
pub(crate) fn bind_statement(
    t: &mut Transcript,
    g1: &GroupElement,
    h1: &GroupElement,
    n: u64,
    digests: &[[u8; 64]],
) -> crate::transcript::ChallengeStream {
    t.domain_sep(DOMAIN);
    t.append_element(b"g1", g1);
    t.append_element(b"h1", h1);
    t.append_u64(b"n", n);
    for d in digests {
        t.append_message(b"pairs", d);
    }
    t.challenge_stream(b"rho")
}

/// `P_j = SHA-512(g₂ᵢ ‖ h₂ᵢ ‖ …)` of one chunk of at most [`PAIRS_PER_CHUNK`] pairs, from their encodings.
pub(crate) fn block_digest<'a>(pairs: impl Iterator<Item = (&'a [u8; 32], &'a [u8; 32])>) -> [u8; 64] {
    let mut sha = Sha512::new();
    for (g, h) in pairs {
        sha.update(g);
        sha.update(h);
    }
    sha.finalize().into()
}

/// SPEC.md §7.2: `SHA-512(g₂ᵢ ‖ h₂ᵢ ‖ …)` over the encodings of each chunk of [`PAIRS_PER_CHUNK`] consecutive
/// pairs (the last chunk shorter), natively over all cores.
fn pair_digests(g2: &[GroupElement], h2: &[GroupElement]) -> Vec<[u8; 64]> {
    let chunk = |(g, h): (&[GroupElement], &[GroupElement])| -> [u8; 64] {
        block_digest(g.iter().zip(h).map(|(g, h)| (g.compressed().as_bytes(), h.compressed().as_bytes())))
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        g2.par_chunks(PAIRS_PER_CHUNK).zip(h2.par_chunks(PAIRS_PER_CHUNK)).map(chunk).collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        g2.chunks(PAIRS_PER_CHUNK).zip(h2.chunks(PAIRS_PER_CHUNK)).map(chunk).collect()
    }
}

/// `Σ ρᵢ·Pᵢ` (eq. (12)); with 128-bit `ρᵢ` Pippenger's windows above bit 128 hold no digits, so it costs about
/// half a full-width multiscalar multiplication.
fn fold(rho: &[Scalar], points: &[GroupElement]) -> RistrettoPoint {
    if points.len() >= 4096 {
        // Natively split over the cores.
        let ps: Vec<RistrettoPoint> = points.iter().map(|p| *p.point()).collect();
        return super::msm_vartime(rho, &ps);
    }
    RistrettoPoint::vartime_multiscalar_mul(rho, points.iter().map(GroupElement::point))
}

impl DleqProof {
    /// SPEC.md eq. (12)–(13).
    pub fn prove<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        statement: &DleqStatement<'_>,
        witness: &DleqWitness<'_>,
        rng: &mut R,
    ) -> Result<Self, ProofError> {
        let rho = append_statement(transcript, statement)?;
        Ok(Self::prove_folded(transcript, statement.g1, &fold(&rho, statement.g2), witness, rng))
    }

    /// SPEC.md eq. (13) once the statement is bound and folded to `ĝ₂` (eq. (12)): the nonce from the transcript's
    /// RNG rekeyed with `x` and fed by `rng`, `T₁`, `T₂`, `c`, `s`.
    pub(crate) fn prove_folded<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        g1: &GroupElement,
        g2_hat: &RistrettoPoint,
        witness: &DleqWitness<'_>,
        rng: &mut R,
    ) -> Self {
        let mut nonce_rng = transcript.build_rng().rekey_with_witness_bytes(b"x", witness.x.as_bytes()).finalize(rng);
        let k = zeroize::Zeroizing::new(random_scalar(&mut nonce_rng));
        let t1 = GroupElement::new(*k * g1.point());
        let t2 = GroupElement::new(*k * g2_hat);
        transcript.append_element(b"T1", &t1);
        transcript.append_element(b"T2", &t2);
        let c = transcript.challenge_scalar(b"c");
        Self { t1, t2, s: *k + c * witness.x }
    }

    /// After the statement is bound ([`bind_statement`]): the commitments (non-identity) and the challenge `c`.
    pub(crate) fn bind_commitments(&self, transcript: &mut Transcript) -> Result<Scalar, ProofError> {
        if self.t1.is_identity() || self.t2.is_identity() {
            return Err(ProofError::IdentityCommitment { proof: NAME });
        }
        transcript.append_element(b"T1", &self.t1);
        transcript.append_element(b"T2", &self.t2);
        Ok(transcript.challenge_scalar(b"c"))
    }

    /// Checks this proof alone (SPEC.md eq. (14), §7.4).
    ///
    /// The two equations are combined with weights drawn from the transcript only after the whole proof,
    /// response included, is bound to it: a prover who could predict the weights could trade an error in one
    /// equation against an error in the other.
    pub fn verify(&self, transcript: &mut Transcript, statement: &DleqStatement<'_>) -> Result<(), ProofError> {
        let (rho, c) = self.challenge(transcript, statement)?;
        let mut weights = transcript.clone();
        weights.append_scalar(b"s", &self.s);
        let mut seed = [0u8; 32];
        weights.challenge_bytes(b"batch-weights", &mut seed);
        let mut batch = BatchVerifier::from_seed(seed);
        let (z1, z2) = (batch.weight(), batch.weight());
        self.queue(statement, &rho, c, z1, z2, &mut batch);
        if batch.verify() {
            Ok(())
        } else {
            Err(ProofError::EquationFailed { proof: NAME })
        }
    }

    /// Rebuilds the transcript: the statement, the folding weights ρᵢ, the commitments and the challenge `c`.
    fn challenge(
        &self,
        transcript: &mut Transcript,
        statement: &DleqStatement<'_>,
    ) -> Result<(Vec<Scalar>, Scalar), ProofError> {
        if self.t1.is_identity() || self.t2.is_identity() {
            return Err(ProofError::IdentityCommitment { proof: NAME });
        }
        let rho = append_statement(transcript, statement)?;
        Ok((rho, self.bind_commitments(transcript)?))
    }

    /// Adds `z₁·(s·g₁ − T₁ − c·h₁) + Σᵢ z₂ρᵢ·(s·g₂ᵢ − c·h₂ᵢ) − z₂·T₂` to the batch.
    fn queue(
        &self,
        statement: &DleqStatement<'_>,
        rho: &[Scalar],
        c: Scalar,
        z1: Scalar,
        z2: Scalar,
        batch: &mut BatchVerifier,
    ) {
        batch.reserve(2 * rho.len() + 4);
        batch.add(z1 * self.s, *statement.g1.point());
        batch.add(-z1, *self.t1.point());
        batch.add(-(z1 * c), *statement.h1.point());
        batch.add(-z2, *self.t2.point());
        let (zs, zc) = (z2 * self.s, -(z2 * c));
        for ((r, g), h) in rho.iter().zip(statement.g2).zip(statement.h2) {
            batch.add(zs * r, *g.point());
            batch.add(zc * r, *h.point());
        }
    }

    /// Queues eq. (14), weighted by `z₁`, `z₂`, with the folding of eq. (12) expanded so that every `g₂ᵢ`, `h₂ᵢ`
    /// enters the batch's one multiscalar multiplication:
    /// `z₁·(s·g₁ − T₁ − c·h₁) + Σᵢ z₂ρᵢ·(s·g₂ᵢ − c·h₂ᵢ) − z₂·T₂ = 0`.
    pub fn verify_into(
        &self,
        transcript: &mut Transcript,
        statement: &DleqStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<(), ProofError> {
        let (rho, c) = self.challenge(transcript, statement)?;
        let (z1, z2) = (batch.weight(), batch.weight());
        self.queue(statement, &rho, c, z1, z2, batch);
        Ok(())
    }
}

/// One of several DLEQ proofs over the same bases `g₁` and `g₂ᵢ` (every trustee's partial decryptions of one
/// list): its own transcript, `h₁` and `h₂ᵢ`.
pub struct CommonBaseItem<'a> {
    /// The proof.
    pub proof: &'a DleqProof,
    /// The proof's transcript, opened and bound by the caller, before the proof's domain label.
    pub transcript: Transcript,
    /// This item's `h₁`.
    pub h1: &'a GroupElement,
    /// This item's `h₂ᵢ`, one per shared `g₂ᵢ`.
    pub h2: &'a [GroupElement],
}

impl core::fmt::Debug for CommonBaseItem<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CommonBaseItem").field("proof", self.proof).field("h1", self.h1).finish_non_exhaustive()
    }
}

impl DleqProof {
    /// Queues eq. (14) for every item, as [`verify_into`](Self::verify_into) would, but with the terms of each
    /// shared `g₂ᵢ` merged into one: `n + Σ|h₂|` points instead of `2·Σ|h₂|`. On failure to *queue* (sizes,
    /// identity commitments), returns the index of the offending item.
    pub fn verify_common_g2_into(
        g1: &GroupElement,
        g2: &[GroupElement],
        items: Vec<CommonBaseItem<'_>>,
        batch: &mut BatchVerifier,
    ) -> Result<(), (usize, ProofError)> {
        // Challenges per item (each is an independent transcript: natively, in parallel).
        let challenges =
            |(i, mut item): (usize, CommonBaseItem<'_>)| -> Result<(Vec<Scalar>, Scalar), (usize, ProofError)> {
                if item.proof.t1.is_identity() || item.proof.t2.is_identity() {
                    return Err((i, ProofError::IdentityCommitment { proof: NAME }));
                }
                let st = DleqStatement { g1, h1: item.h1, g2, h2: item.h2 };
                let rho = append_statement(&mut item.transcript, &st).map_err(|e| (i, e))?;
                item.transcript.append_element(b"T1", &item.proof.t1);
                item.transcript.append_element(b"T2", &item.proof.t2);
                Ok((rho, item.transcript.challenge_scalar(b"c")))
            };
        let proofs: Vec<(&DleqProof, &GroupElement, &[GroupElement])> =
            items.iter().map(|it| (it.proof, it.h1, it.h2)).collect();
        #[cfg(not(target_arch = "wasm32"))]
        let rc: Vec<(Vec<Scalar>, Scalar)> = {
            use rayon::prelude::*;
            items.into_par_iter().enumerate().map(challenges).collect::<Result<_, _>>()?
        };
        #[cfg(target_arch = "wasm32")]
        let rc: Vec<(Vec<Scalar>, Scalar)> = items.into_iter().enumerate().map(challenges).collect::<Result<_, _>>()?;

        let mut g2_coeff = vec![Scalar::ZERO; g2.len()];
        let mut g1_coeff = Scalar::ZERO;
        batch.reserve(g2.len() + 1 + proofs.len() * (g2.len() + 3));
        for ((proof, h1, h2), (rho, c)) in proofs.iter().zip(&rc) {
            let (z1, z2) = (batch.weight(), batch.weight());
            g1_coeff += z1 * proof.s;
            batch.add(-z1, *proof.t1.point());
            batch.add(-(z1 * c), *h1.point());
            batch.add(-z2, *proof.t2.point());
            let (zs, zc) = (z2 * proof.s, -(z2 * c));
            for ((acc, r), h) in g2_coeff.iter_mut().zip(rho).zip(h2.iter()) {
                *acc += zs * r;
                batch.add(zc * r, *h.point());
            }
        }
        batch.add(g1_coeff, *g1.point());
        for (c, g) in g2_coeff.into_iter().zip(g2) {
            batch.add(c, *g.point());
        }
        Ok(())
    }
}

crate::serde_via_codec!(DleqProof);

impl Encode for DleqProof {
    fn encode(&self, w: &mut Writer) {
        w.element(&self.t1).element(&self.t2).scalar(&self.s);
    }
}

impl Decode for DleqProof {
    const WHAT: &'static str = "DLEQ proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            t1: r.nonidentity_element("dleq.T1")?,
            t2: r.nonidentity_element("dleq.T2")?,
            s: r.scalar("dleq.s")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::base_mul;
    use crate::fingerprint::Fingerprint;
    use crate::transcript::election_transcript;
    use rand::rngs::OsRng;

    struct Fixture {
        x: Scalar,
        g1: GroupElement,
        h1: GroupElement,
        g2: Vec<GroupElement>,
        h2: Vec<GroupElement>,
    }

    fn fixture(n: usize) -> Fixture {
        let x = random_scalar(&mut OsRng);
        let g2: Vec<GroupElement> = (0..n).map(|_| crate::group::random_point(&mut OsRng).into()).collect();
        let h2 = g2.iter().map(|g| GroupElement::new(x * g.point())).collect();
        Fixture { g1: GroupElement::new(crate::group::G), h1: base_mul(&x).into(), x, g2, h2 }
    }

    fn st(f: &Fixture) -> DleqStatement<'_> {
        DleqStatement { g1: &f.g1, h1: &f.h1, g2: &f.g2, h2: &f.h2 }
    }

    const FP: Fingerprint = Fingerprint([3; 32]);

    fn prove(f: &Fixture) -> DleqProof {
        DleqProof::prove(&mut election_transcript(&FP), &st(f), &DleqWitness { x: &f.x }, &mut OsRng).unwrap()
    }

    #[test]
    fn completeness_single_and_many() {
        for n in [1, 2, 17] {
            let f = fixture(n);
            let p = prove(&f);
            assert_eq!(p.verify(&mut election_transcript(&FP), &st(&f)), Ok(()));
            assert_eq!(DleqProof::from_bytes(&p.to_bytes()).unwrap(), p);
        }
    }

    #[test]
    fn tampering_fails() {
        let failed = Err(ProofError::EquationFailed { proof: NAME });
        let f = fixture(5);
        let p = prove(&f);
        assert_eq!(p.verify(&mut election_transcript(&Fingerprint([4; 32])), &st(&f)), failed);
        let mut q = p.clone();
        q.s += Scalar::ONE;
        assert_eq!(q.verify(&mut election_transcript(&FP), &st(&f)), failed);
        let mut q = p.clone();
        core::mem::swap(&mut q.t1, &mut q.t2);
        assert_eq!(q.verify(&mut election_transcript(&FP), &st(&f)), failed);
        // One wrong partial decryption among many.
        let mut g = fixture(5);
        g.x = f.x;
        g.g1 = f.g1;
        g.h1 = f.h1;
        g.g2.clone_from(&f.g2);
        g.h2.clone_from(&f.h2);
        g.h2[3] = GroupElement::new(g.h2[3].point() + crate::group::G);
        assert_eq!(p.verify(&mut election_transcript(&FP), &st(&g)), failed);
        // Reordered pairs.
        g.h2.clone_from(&f.h2);
        g.g2.swap(0, 1);
        g.h2.swap(0, 1);
        assert_eq!(p.verify(&mut election_transcript(&FP), &st(&g)), failed);
        // A prover lying about x cannot make a valid proof.
        let mut bad = fixture(3);
        bad.h2[1] = GroupElement::new(random_scalar(&mut OsRng) * bad.g2[1].point());
        let q = prove(&bad);
        assert_eq!(q.verify(&mut election_transcript(&FP), &st(&bad)), failed);
        // Sizes.
        let mut g = fixture(2);
        g.h2.pop();
        assert!(matches!(p.verify(&mut election_transcript(&FP), &st(&g)), Err(ProofError::SizeMismatch { .. })));
    }

    /// The pairs enter the transcript as SHA-512 digests of chunks; a change in any chunk, the last short one
    /// included, or a swap across a chunk boundary fails the proof.
    #[test]
    fn pairs_are_bound_chunk_by_chunk() {
        let failed = Err(ProofError::EquationFailed { proof: NAME });
        let n = PAIRS_PER_CHUNK + 3;
        let mut f = fixture(n);
        let digests = pair_digests(&f.g2, &f.h2);
        assert_eq!(digests.len(), 2);
        let mut sha = Sha512::new();
        for (g, h) in f.g2[PAIRS_PER_CHUNK..].iter().zip(&f.h2[PAIRS_PER_CHUNK..]) {
            sha.update(g.to_bytes());
            sha.update(h.to_bytes());
        }
        assert_eq!(digests[1], <[u8; 64]>::from(sha.finalize()));
        let p = prove(&f);
        assert_eq!(p.verify(&mut election_transcript(&FP), &st(&f)), Ok(()));
        let good = f.h2[n - 1];
        f.h2[n - 1] = GroupElement::new(good.point() + crate::group::G);
        assert_eq!(p.verify(&mut election_transcript(&FP), &st(&f)), failed);
        f.h2[n - 1] = good;
        let k = PAIRS_PER_CHUNK;
        f.g2.swap(k - 1, k);
        f.h2.swap(k - 1, k);
        assert_eq!(p.verify(&mut election_transcript(&FP), &st(&f)), failed);
    }

    /// A prover who knows `log_G ĝ₂` and could predict the weights of (14) could forge a proof for a wrong `x'`;
    /// weights drawn after the response is bound make that impossible.
    #[test]
    fn weights_are_not_predictable_before_the_response() {
        let x = random_scalar(&mut OsRng);
        let x_wrong = random_scalar(&mut OsRng);
        let logs: Vec<Scalar> = (0..3).map(|_| random_scalar(&mut OsRng)).collect();
        let g1 = GroupElement::new(crate::group::G);
        let h1 = GroupElement::new(base_mul(&x));
        let g2: Vec<GroupElement> = logs.iter().map(|a| GroupElement::new(base_mul(a))).collect();
        let h2: Vec<GroupElement> = logs.iter().map(|a| GroupElement::new(base_mul(&(x_wrong * a)))).collect();
        let st = DleqStatement { g1: &g1, h1: &h1, g2: &g2, h2: &h2 };
        // The weights the old verifier used: drawn before the statement.
        let mut early = election_transcript(&FP);
        let mut seed = [0u8; 32];
        early.challenge_bytes(b"batch-weights", &mut seed);
        let mut predicted = BatchVerifier::from_seed(seed);
        let (z1, z2) = (predicted.weight(), predicted.weight());
        // Forge: T₁ = k₁G, T₂ = k₂G, and s solving z₁(s − k₁ − cx) + z₂(s·â − k₂ − c·x'·â) = 0.
        let mut t = election_transcript(&FP);
        let rho = append_statement(&mut t, &st).unwrap();
        let a_hat: Scalar = rho.iter().zip(&logs).map(|(r, a)| r * a).sum();
        let (k1, k2) = (random_scalar(&mut OsRng), random_scalar(&mut OsRng));
        let (t1, t2) = (GroupElement::new(base_mul(&k1)), GroupElement::new(base_mul(&k2)));
        t.append_element(b"T1", &t1);
        t.append_element(b"T2", &t2);
        let c = t.challenge_scalar(b"c");
        let s = (z1 * (k1 + c * x) + z2 * (k2 + c * x_wrong * a_hat)) * (z1 + z2 * a_hat).invert();
        let forged = DleqProof { t1, t2, s };
        // It satisfies the combination with the predicted weights…
        let mut batch = BatchVerifier::from_seed(seed);
        forged.verify_into(&mut election_transcript(&FP), &st, &mut batch).unwrap();
        assert!(batch.verify());
        // …but not the verifier's.
        assert_eq!(forged.verify(&mut election_transcript(&FP), &st), Err(ProofError::EquationFailed { proof: NAME }));
    }

    #[test]
    fn batch_of_many_proofs_rejects_one_bad() {
        let fs: Vec<Fixture> = (0..4).map(|_| fixture(3)).collect();
        let mut ps: Vec<DleqProof> = fs.iter().map(prove).collect();
        let run = |ps: &[DleqProof]| {
            let mut batch = BatchVerifier::new(&mut OsRng);
            for (f, p) in fs.iter().zip(ps) {
                p.verify_into(&mut election_transcript(&FP), &st(f), &mut batch).unwrap();
            }
            batch.verify()
        };
        assert!(run(&ps));
        ps[2].s += Scalar::ONE;
        assert!(!run(&ps));
        assert!(ps[2].verify(&mut election_transcript(&FP), &st(&fs[2])).is_err());
    }
}

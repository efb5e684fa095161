//! The Terelius–Wikström proof of shuffle in commitment form, its transcript and its batched verifier
//! (SPEC.md §9.2–§4; equations MX0–MX14 and checks SV0–SV5 are those of [`crate::notes::shuffle`]). The prover,
//! streamed, is in `prove.rs`.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use sha2::{Digest, Sha512};

use super::list::{concat_points, decode_points, points_digest};
use super::{generator_label, par, shuffle_generator, Check, ShuffleError, ShuffleStatement, DOMAIN};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::Ciphertext;
use crate::group::GroupElement;
use crate::limits::MAX_WIDTH;
use crate::transcript::{ChallengeStream, TranscriptProtocol};

/// A Terelius–Wikström proof of shuffle in commitment form (SPEC.md §9.3): every commitment is sent, so that
/// the verifier folds all of its equations into one multiscalar multiplication.
///
/// Sizes: `c`, `c_hat`, `t_hat`, `s_hat`, `s_prime` have `N` entries; `t4` and `s4` have `w`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShuffleProof {
    /// The contest and stage the proof claims to be for (also bound in the transcript).
    pub contest: u32,
    /// The mix stage the proof claims to be for (see `contest`).
    pub stage: u32,
    /// `cⱼ = rⱼ·G + h_{π⁻¹(j)}`, the commitment to the permutation, one per input row (eq. MX2).
    pub c: Vec<GroupElement>,
    /// `ĉᵢ = r̂ᵢ·G + u′ᵢ·ĉᵢ₋₁`, the commitment chain, `ĉ₀ = h₀` (eq. MX4).
    pub c_hat: Vec<GroupElement>,
    /// `t̂ᵢ = ω̂ᵢ·G + ω′ᵢ·ĉᵢ₋₁` (eq. MX6).
    pub t_hat: Vec<GroupElement>,
    /// `t₁ = ω₁·G`, `t₂ = ω₂·G`, `t₃ = ω₃·G + Σ ω′ᵢ·hᵢ` (eq. MX5).
    pub t1: GroupElement,
    /// `t₂ = ω₂·G` (eq. M5).
    pub t2: GroupElement,
    /// `t₃ = ω₃·G + Σ ω′ᵢ·hᵢ` (eq. M5).
    pub t3: GroupElement,
    /// `t₄ₖ = (−ω₄ₖ·G + Σ ω′ᵢ·A′ᵢₖ, −ω₄ₖ·Y + Σ ω′ᵢ·B′ᵢₖ)`, one per component (eq. MX5).
    pub t4: Vec<Ciphertext>,
    /// Responses (eq. MX8).
    pub s1: Scalar,
    /// `s₂ = ω₂ + c·r̂`, `r̂ = R_N` the chain's randomness (eq. M8).
    pub s2: Scalar,
    /// `s₃ = ω₃ + c·r̃`, `r̃ = Σⱼ uⱼ·rⱼ` (eq. M8).
    pub s3: Scalar,
    /// `s₄ₖ = ω₄ₖ + c·r′ₖ`, `r′ₖ = Σᵢ u′ᵢ·r̃ᵢₖ`, one per component (eq. M8).
    pub s4: Vec<Scalar>,
    /// `ŝᵢ = ω̂ᵢ + c·r̂ᵢ`, one per row (eq. M8).
    pub s_hat: Vec<Scalar>,
    /// `s′ᵢ = ω′ᵢ + c·u′ᵢ`, one per row (eq. M8).
    pub s_prime: Vec<Scalar>,
}

/// Checks the statement's shape; returns `(N, w)`.
fn statement_shape(st: &ShuffleStatement<'_>) -> Result<(usize, usize), ShuffleError> {
    let (n, w) = (st.input.len(), st.input.width());
    if n == 0 {
        return Err(ShuffleError::EmptyList);
    }
    if st.output.len() != n {
        return Err(ShuffleError::WrongShape { what: "output list (rows)", expected: n, found: st.output.len() });
    }
    if st.output.width() != w {
        return Err(ShuffleError::WrongShape { what: "output list (width)", expected: w, found: st.output.width() });
    }
    Ok((n, w))
}

/// SPEC.md §9.2 steps 1–9: the domain label and the whole statement.
pub(super) fn append_statement(t: &mut Transcript, st: &ShuffleStatement<'_>, label: &[u8]) {
    append_statement_head(
        t,
        (st.contest, st.stage, st.input.width(), st.input.len()),
        st.public_key,
        st.fingerprint,
        label,
    );
    t.append_message(b"inputs", &st.input.digest());
    t.append_message(b"outputs", &st.output.digest());
}

/// SPEC.md §9.2 steps 1–8, the statement without its lists: `(contest, stage, w, N, Y, seed, label)`. Steps 9
/// (the lists' digests) follow; [`append_statement`] does both for lists in memory.
pub(super) fn append_statement_head(
    t: &mut Transcript,
    (contest, stage, width, n): (u32, u32, usize, usize),
    public_key: &crate::elgamal::PublicKey,
    fingerprint: &crate::fingerprint::Fingerprint,
    label: &[u8],
) {
    t.domain_sep(DOMAIN);
    t.append_u64(b"contest", u64::from(contest));
    t.append_u64(b"stage", u64::from(stage));
    t.append_len(b"width", width);
    t.append_len(b"n", n);
    t.append_element(b"Y", public_key.element());
    t.append_message(b"generator-seed", fingerprint.as_bytes());
    t.append_message(b"generator-label", label);
}

/// SPEC.md §9.2 steps 10–11: the permutation commitment, then the challenges `u₁ … u_N` (eq. MX3).
pub(super) fn challenges_u(t: &mut Transcript, c: &[GroupElement]) -> Vec<Scalar> {
    let mut stream = challenge_stream_u(t, &points_digest(c));
    c.iter().map(|_| stream.next_scalar()).collect()
}

/// SPEC.md §9.2 steps 10–11 from the digest `H(c₁ ‖ … ‖ c_N)`: the stream whose scalars `0 … N−1` are `u₁ … u_N`.
pub(super) fn challenge_stream_u(t: &mut Transcript, c_digest: &[u8; 64]) -> ChallengeStream {
    t.append_message(b"c", c_digest);
    t.challenge_stream(b"u")
}

/// SPEC.md §9.2 steps 12–18: the remaining commitments, then the challenge `c` (eq. MX7).
pub(super) fn challenge_c(
    t: &mut Transcript,
    c_hat: &[GroupElement],
    t_hat: &[GroupElement],
    t123: [&GroupElement; 3],
    t4: &[Ciphertext],
) -> Scalar {
    challenge_c_of_digests(t, &points_digest(c_hat), &points_digest(t_hat), t123, t4)
}

/// SPEC.md §9.2 steps 12–16 from the digests `H(ĉ₁ ‖ … ‖ ĉ_N)` and `H(t̂₁ ‖ … ‖ t̂_N)`.
pub(super) fn challenge_c_of_digests(
    t: &mut Transcript,
    c_hat: &[u8; 64],
    t_hat: &[u8; 64],
    t123: [&GroupElement; 3],
    t4: &[Ciphertext],
) -> Scalar {
    t.append_message(b"c-hat", c_hat);
    t.append_message(b"t-hat", t_hat);
    t.append_element(b"t1", t123[0]);
    t.append_element(b"t2", t123[1]);
    t.append_element(b"t3", t123[2]);
    for t4k in t4 {
        t.append_element(b"t4.a", &t4k.a);
        t.append_element(b"t4.b", &t4k.b);
    }
    t.challenge_scalar(b"challenge")
}

/// SPEC.md §9.2 steps 17–18: the responses, then the seed of the verifier's weights. The responses must be
/// bound before the weights are drawn: with weights a prover could compute from the commitments alone, it could
/// move an error from one check's `G` term to another's by choosing two responses, and pass MX14 with two false
/// checks.
pub(super) fn batch_seed(t: &mut Transcript, proof: &ShuffleProof) -> [u8; 32] {
    let mut h = Sha512::new();
    for s in [&proof.s1, &proof.s2, &proof.s3].into_iter().chain(&proof.s4).chain(&proof.s_hat).chain(&proof.s_prime) {
        h.update(s.as_bytes());
    }
    t.append_message(b"responses", &h.finalize());
    let mut seed = [0u8; 32];
    t.challenge_bytes(b"batch-weights", &mut seed);
    seed
}

impl ShuffleProof {
    /// Number of rows `N` the proof is for.
    pub fn len(&self) -> usize {
        self.c.len()
    }
    /// Whether the proof is for an empty list (`N = 0`).
    pub fn is_empty(&self) -> bool {
        self.c.is_empty()
    }
    /// Width `w` the proof is for.
    pub fn width(&self) -> usize {
        self.t4.len()
    }

    fn check_shape(&self, st: &ShuffleStatement<'_>, n: usize, w: usize) -> Result<(), ShuffleError> {
        if self.contest != st.contest {
            return Err(ShuffleError::StatementMismatch {
                field: "contest",
                expected: st.contest,
                found: self.contest,
            });
        }
        if self.stage != st.stage {
            return Err(ShuffleError::StatementMismatch { field: "stage", expected: st.stage, found: self.stage });
        }
        for (what, len) in [
            ("proof rows (c)", self.c.len()),
            ("proof rows (c-hat)", self.c_hat.len()),
            ("proof rows (t-hat)", self.t_hat.len()),
            ("proof rows (s-hat)", self.s_hat.len()),
            ("proof rows (s-prime)", self.s_prime.len()),
        ] {
            if len != n {
                return Err(ShuffleError::WrongShape { what, expected: n, found: len });
            }
        }
        for (what, len) in [("proof width (t4)", self.t4.len()), ("proof width (s4)", self.s4.len())] {
            if len != w {
                return Err(ShuffleError::WrongShape { what, expected: w, found: len });
            }
        }
        Ok(())
    }

    /// Verifies the proof against the statement (SPEC.md §9.4): checks SV1–SV5, batched into one multiscalar
    /// multiplication with weights drawn from the transcript after the challenge. The generators are derived here,
    /// from the statement's fingerprint, contest and stage. On failure, each check is evaluated alone so the error
    /// names the first one that fails.
    pub fn verify(&self, transcript: &mut Transcript, statement: &ShuffleStatement<'_>) -> Result<(), ShuffleError> {
        let (n, w) = statement_shape(statement)?;
        self.check_shape(statement, n, w)?;
        let label = generator_label(statement.contest, statement.stage);
        append_statement(transcript, statement, &label);
        let u = challenges_u(transcript, &self.c);
        let ch = challenge_c(transcript, &self.c_hat, &self.t_hat, [&self.t1, &self.t2, &self.t3], &self.t4);
        let weights = Weights::new(batch_seed(transcript, self), n, w);
        let eval = Evaluation { proof: self, st: statement, u: &u, ch, label: &label };
        if eval.combined(&weights).is_identity() {
            return Ok(());
        }
        for check in [
            Check::V1CommitmentSum,
            Check::V2ChainProduct,
            Check::V3PermutedChallenges,
            Check::V4Reencryption,
            Check::V5ChainLinks,
        ] {
            if !eval.combined(&weights.only(check)).is_identity() {
                return Err(ShuffleError::EquationFailed { which: check });
            }
        }
        // The weighted sum of true equations is the identity, so some check above failed.
        Err(ShuffleError::EquationFailed { which: Check::V5ChainLinks })
    }
}

/// The verifier's random weights (SPEC.md §9.2 step 18, §4.2): `z₁, z₂, z₃`, then `(z₄ₐₖ, z₄ᵦₖ)` for each component,
/// then `z₅ᵢ` for each link, from a ChaCha20 stream keyed by the transcript's `batch-weights` bytes.
#[derive(Clone)]
pub(super) struct Weights {
    pub(super) z1: Scalar,
    z2: Scalar,
    z3: Scalar,
    z4a: Vec<Scalar>,
    z4b: Vec<Scalar>,
    pub(super) z5: Vec<Scalar>,
}

impl Weights {
    pub(super) fn new(seed: [u8; 32], n: usize, w: usize) -> Self {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut next = || {
            let mut wide = [0u8; 64];
            rng.fill_bytes(&mut wide);
            Scalar::from_bytes_mod_order_wide(&wide)
        };
        let (z1, z2, z3) = (next(), next(), next());
        let mut z4a = Vec::with_capacity(w);
        let mut z4b = Vec::with_capacity(w);
        for _ in 0..w {
            z4a.push(next());
            z4b.push(next());
        }
        let z5 = (0..n).map(|_| next()).collect();
        Self { z1, z2, z3, z4a, z4b, z5 }
    }

    /// The same weights with every check but one set to zero.
    pub(super) fn only(&self, check: Check) -> Self {
        let zero = |keep: bool, z: Scalar| if keep { z } else { Scalar::ZERO };
        let zero_v = |keep: bool, z: &[Scalar]| z.iter().map(|&z| zero(keep, z)).collect::<Vec<_>>();
        Self {
            z1: zero(check == Check::V1CommitmentSum, self.z1),
            z2: zero(check == Check::V2ChainProduct, self.z2),
            z3: zero(check == Check::V3PermutedChallenges, self.z3),
            z4a: zero_v(check == Check::V4Reencryption, &self.z4a),
            z4b: zero_v(check == Check::V4Reencryption, &self.z4b),
            z5: zero_v(check == Check::V5ChainLinks, &self.z5),
        }
    }
}

/// Everything the verification equation needs besides the weights.
pub(super) struct Evaluation<'a> {
    pub(super) proof: &'a ShuffleProof,
    pub(super) st: &'a ShuffleStatement<'a>,
    pub(super) u: &'a [Scalar],
    pub(super) ch: Scalar,
    pub(super) label: &'a [u8],
}

impl Evaluation<'_> {
    /// SPEC.md §9 eq. MX14: `z₁·E₁ + z₂·E₂ + z₃·E₃ + Σₖ (z₄ₐₖ·E₄ₐₖ + z₄ᵦₖ·E₄ᵦₖ) + Σᵢ z₅ᵢ·E₅ᵢ`, with the
    /// terms of each row computed in parallel chunks, each chunk one variable-time multiscalar multiplication.
    pub(super) fn combined(&self, z: &Weights) -> RistrettoPoint {
        let p = self.proof;
        let (n, w) = (p.c.len(), p.t4.len());
        let ch = self.ch;
        let (z1c, z3c) = (z.z1 * ch, z.z3 * ch);
        let z4ac: Vec<Scalar> = z.z4a.iter().map(|z| z * ch).collect();
        let z4bc: Vec<Scalar> = z.z4b.iter().map(|z| z * ch).collect();
        let (input, output) = (self.st.input, self.st.output);
        let parts = par::map_chunks(n, par::CHUNK, |range| {
            let terms = range.len() * (4 + 4 * w);
            let mut scalars = Vec::with_capacity(terms);
            let mut points = Vec::with_capacity(terms);
            let mut g = Scalar::ZERO;
            for i in range {
                let ui = self.u[i];
                let sp = p.s_prime[i];
                // E₁, E₃ on cᵢ; E₁, E₃ on hᵢ.
                scalars.push(z1c + z3c * ui);
                points.push(*p.c[i].point());
                scalars.push(-(z1c + z.z3 * sp));
                points.push(shuffle_generator(self.st.fingerprint, self.label, i as u64 + 1));
                // E₄ on the inputs and outputs of row i.
                for (k, (e, e_out)) in input.row(i).iter().zip(output.row(i)).enumerate() {
                    scalars.push(z4ac[k] * ui);
                    points.push(*e.a.point());
                    scalars.push(z4bc[k] * ui);
                    points.push(*e.b.point());
                    scalars.push(-(z.z4a[k] * sp));
                    points.push(*e_out.a.point());
                    scalars.push(-(z.z4b[k] * sp));
                    points.push(*e_out.b.point());
                }
                // E₅ on t̂ᵢ and ĉᵢ (ĉᵢ is ĉ in link i and ĉᵢ₋₁ in link i + 1; ĉ_N is also in E₂).
                scalars.push(z.z5[i]);
                points.push(*p.t_hat[i].point());
                let next = if i + 1 < n { -(z.z5[i + 1] * p.s_prime[i + 1]) } else { z.z2 * ch };
                scalars.push(z.z5[i] * ch + next);
                points.push(*p.c_hat[i].point());
                g -= z.z5[i] * p.s_hat[i];
            }
            (RistrettoPoint::vartime_multiscalar_mul(&scalars, &points), g)
        });
        let mut sum = RistrettoPoint::identity();
        let mut g = -(z.z1 * p.s1) - z.z2 * p.s2 - z.z3 * p.s3;
        for (point, gi) in parts {
            sum += point;
            g += gi;
        }
        let u_prod: Scalar = self.u.iter().product();
        let mut y = Scalar::ZERO;
        let mut scalars = vec![z.z1, z.z2, z.z3];
        let mut points = vec![*p.t1.point(), *p.t2.point(), *p.t3.point()];
        for k in 0..w {
            g += z.z4a[k] * p.s4[k];
            y += z.z4b[k] * p.s4[k];
            scalars.extend([z.z4a[k], z.z4b[k]]);
            points.extend([*p.t4[k].a.point(), *p.t4[k].b.point()]);
        }
        let h0 = shuffle_generator(self.st.fingerprint, self.label, 0);
        scalars.extend([g, y, -(z.z2 * ch * u_prod) - z.z5[0] * p.s_prime[0]]);
        points.extend([crate::group::G, *self.st.public_key.point(), h0]);
        sum + RistrettoPoint::vartime_multiscalar_mul(&scalars, &points)
    }
}

/// Bytes of an encoded proof for `N` rows of width `w` (SPEC.md §9.3.1): `16 + 32·(5N + 6 + 3w)`.
pub fn encoded_len(n: usize, w: usize) -> Option<usize> {
    n.checked_mul(5)?.checked_add(6)?.checked_add(w.checked_mul(3)?)?.checked_mul(32)?.checked_add(16)
}

impl Encode for ShuffleProof {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.contest).u32(self.stage).u32(self.c.len() as u32).u32(self.t4.len() as u32);
        w.raw(&concat_points(&self.c)).raw(&concat_points(&self.c_hat)).raw(&concat_points(&self.t_hat));
        w.element(&self.t1).element(&self.t2).element(&self.t3);
        for t in &self.t4 {
            w.element(&t.a).element(&t.b);
        }
        w.scalar(&self.s1).scalar(&self.s2).scalar(&self.s3);
        for s in self.s4.iter().chain(&self.s_hat).chain(&self.s_prime) {
            w.scalar(s);
        }
    }
}

impl Decode for ShuffleProof {
    const WHAT: &'static str = "shuffle proof";
    /// Strict (SPEC.md §9.3.1): `N ≥ 1`, `1 ≤ w ≤ MAX_WIDTH`, the size is checked before anything is
    /// allocated, every point is canonical (decompressed once, in parallel), every scalar canonical.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let contest = r.u32("shuffle proof.contest")?;
        let stage = r.u32("shuffle proof.stage")?;
        let n = r.u32("shuffle proof.N")? as usize;
        let w = r.u32("shuffle proof.w")? as usize;
        if n == 0 {
            return Err(DecodeError::TooLong { what: "shuffle proof.N (at least 1)", len: 0, max: 0 });
        }
        if w == 0 || w > MAX_WIDTH {
            return Err(DecodeError::TooLong { what: "shuffle proof.w (1 to 1024)", len: w, max: MAX_WIDTH });
        }
        let body = encoded_len(n, w).map(|len| len - 16).unwrap_or(usize::MAX);
        if r.remaining() < body {
            return Err(DecodeError::Truncated { what: "shuffle proof", needed: body - r.remaining() });
        }
        let points = r.raw(3 * n * 32, "shuffle proof.points")?;
        let c = decode_points(&points[..32 * n], "shuffle proof.c")?;
        let c_hat = decode_points(&points[32 * n..64 * n], "shuffle proof.c-hat")?;
        let t_hat = decode_points(&points[64 * n..], "shuffle proof.t-hat")?;
        let t1 = r.element("shuffle proof.t1")?;
        let t2 = r.element("shuffle proof.t2")?;
        let t3 = r.element("shuffle proof.t3")?;
        let t4 = (0..w)
            .map(|_| Ok(Ciphertext { a: r.element("shuffle proof.t4.a")?, b: r.element("shuffle proof.t4.b")? }))
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let s1 = r.scalar("shuffle proof.s1")?;
        let s2 = r.scalar("shuffle proof.s2")?;
        let s3 = r.scalar("shuffle proof.s3")?;
        let s4 = (0..w).map(|_| r.scalar("shuffle proof.s4")).collect::<Result<Vec<_>, _>>()?;
        let s_hat = (0..n).map(|_| r.scalar("shuffle proof.s-hat")).collect::<Result<Vec<_>, _>>()?;
        let s_prime = (0..n).map(|_| r.scalar("shuffle proof.s-prime")).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { contest, stage, c, c_hat, t_hat, t1, t2, t3, t4, s1, s2, s3, s4, s_hat, s_prime })
    }
}

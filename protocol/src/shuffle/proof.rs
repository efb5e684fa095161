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
use super::stream::ProofLayout;
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

/// The weights' stream: `z₁ … z₄` drawn, then `z₅ᵢ` one at a time, in order (a streamed verifier never holds them all).
pub(super) struct WeightStream {
    pub(super) head: Weights,
    rng: ChaCha20Rng,
}

impl WeightStream {
    pub(super) fn new(seed: [u8; 32], w: usize) -> Self {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut next = || next_weight(&mut rng);
        let (z1, z2, z3) = (next(), next(), next());
        let mut z4a = Vec::with_capacity(w);
        let mut z4b = Vec::with_capacity(w);
        for _ in 0..w {
            z4a.push(next());
            z4b.push(next());
        }
        Self { head: Weights { z1, z2, z3, z4a, z4b, z5: Vec::new() }, rng }
    }
    /// The next `z₅ᵢ`.
    pub(super) fn next_z5(&mut self) -> Scalar {
        next_weight(&mut self.rng)
    }
}

fn next_weight(rng: &mut ChaCha20Rng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

impl Weights {
    pub(super) fn new(seed: [u8; 32], n: usize, w: usize) -> Self {
        let mut stream = WeightStream::new(seed, w);
        let z5 = (0..n).map(|_| stream.next_z5()).collect();
        Self { z5, ..stream.head }
    }

    /// The same weights with every check but one set to zero (`z₅` too, when it is held).
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

/// The scalars of MX14 that do not depend on the row: the weights `z₁ … z₄` (with a mask: which checks count),
/// the challenge `c`, and where the generators come from.
pub(super) struct Constants<'a> {
    z: Weights,
    /// Whether `z₅` counts (false when one check other than SV5 is evaluated alone).
    z5_on: bool,
    ch: Scalar,
    z1c: Scalar,
    z3c: Scalar,
    z4ac: Vec<Scalar>,
    z4bc: Vec<Scalar>,
    fingerprint: &'a crate::fingerprint::Fingerprint,
    label: &'a [u8],
}

impl<'a> Constants<'a> {
    /// `head` holds `z₁ … z₄` (its `z₅` is not read); `only`: evaluate one check alone (SPEC.md §9.4.2).
    pub(super) fn new(
        head: &Weights,
        only: Option<Check>,
        ch: Scalar,
        fingerprint: &'a crate::fingerprint::Fingerprint,
        label: &'a [u8],
    ) -> Self {
        let z = Weights { z5: Vec::new(), ..head.clone() };
        let z = match only {
            Some(check) => z.only(check),
            None => z,
        };
        let z5_on = only.is_none_or(|c| c == Check::V5ChainLinks);
        Self {
            z1c: z.z1 * ch,
            z3c: z.z3 * ch,
            z4ac: z.z4a.iter().map(|z| z * ch).collect(),
            z4bc: z.z4b.iter().map(|z| z * ch).collect(),
            z,
            z5_on,
            ch,
            fingerprint,
            label,
        }
    }
    /// `z₅ᵢ` as it counts: zero when SV5 is masked out.
    pub(super) fn z5(&self, z5: Scalar) -> Scalar {
        if self.z5_on {
            z5
        } else {
            Scalar::ZERO
        }
    }
}

/// The rows `first … first + len − 1` of a proof and its lists, decoded, with their challenges `uᵢ` and weights
/// `z₅ᵢ` (as they count), and for the last row the next row's `(z₅, s′)`, or `None` at the end of the list.
pub(super) struct Rows<'a> {
    pub(super) first: usize,
    pub(super) c: &'a [GroupElement],
    pub(super) c_hat: &'a [GroupElement],
    pub(super) t_hat: &'a [GroupElement],
    pub(super) s_hat: &'a [Scalar],
    pub(super) s_prime: &'a [Scalar],
    /// Row-major, `len · w`.
    pub(super) input: &'a [Ciphertext],
    pub(super) output: &'a [Ciphertext],
    pub(super) u: &'a [Scalar],
    pub(super) z5: &'a [Scalar],
    pub(super) next: Option<(Scalar, Scalar)>,
}

impl Rows<'_> {
    /// Rows `range` (relative to these rows) as rows of their own.
    pub(super) fn sub(&self, range: core::ops::Range<usize>, w: usize) -> Rows<'_> {
        let (a, b) = (range.start, range.end);
        let next = if b < self.c.len() { Some((self.z5[b], self.s_prime[b])) } else { self.next };
        Rows {
            first: self.first + a,
            c: &self.c[a..b],
            c_hat: &self.c_hat[a..b],
            t_hat: &self.t_hat[a..b],
            s_hat: &self.s_hat[a..b],
            s_prime: &self.s_prime[a..b],
            input: &self.input[a * w..b * w],
            output: &self.output[a * w..b * w],
            u: &self.u[a..b],
            z5: &self.z5[a..b],
            next,
        }
    }

    /// SPEC.md §9.4.2 (MX14), the rows' part: the points of these rows with their scalars, as one variable-time
    /// multiscalar multiplication, and the rows' part of `G`'s scalar (`−Σ z₅ᵢ·ŝᵢ`).
    pub(super) fn terms(&self, k: &Constants<'_>) -> (RistrettoPoint, Scalar) {
        let z = &k.z;
        let n = self.c.len();
        let w = k.z4ac.len();
        let terms = n * (4 + 4 * w);
        let mut scalars = Vec::with_capacity(terms);
        let mut points = Vec::with_capacity(terms);
        let mut g = Scalar::ZERO;
        for i in 0..n {
            let ui = self.u[i];
            let sp = self.s_prime[i];
            let z5 = k.z5(self.z5[i]);
            // E₁, E₃ on cᵢ; E₁, E₃ on hᵢ.
            scalars.push(k.z1c + k.z3c * ui);
            points.push(*self.c[i].point());
            scalars.push(-(k.z1c + z.z3 * sp));
            points.push(shuffle_generator(k.fingerprint, k.label, (self.first + i) as u64 + 1));
            // E₄ on the inputs and outputs of row i.
            let (row_in, row_out) = (&self.input[i * w..(i + 1) * w], &self.output[i * w..(i + 1) * w]);
            for (c, (e, e_out)) in row_in.iter().zip(row_out).enumerate() {
                scalars.push(k.z4ac[c] * ui);
                points.push(*e.a.point());
                scalars.push(k.z4bc[c] * ui);
                points.push(*e.b.point());
                scalars.push(-(z.z4a[c] * sp));
                points.push(*e_out.a.point());
                scalars.push(-(z.z4b[c] * sp));
                points.push(*e_out.b.point());
            }
            // E₅ on t̂ᵢ and ĉᵢ (ĉᵢ is ĉ in link i and ĉᵢ₋₁ in link i + 1; ĉ_N is also in E₂).
            scalars.push(z5);
            points.push(*self.t_hat[i].point());
            let next = if i + 1 < n { Some((self.z5[i + 1], self.s_prime[i + 1])) } else { self.next };
            let link = match next {
                Some((z5_next, s_next)) => -(k.z5(z5_next) * s_next),
                None => z.z2 * k.ch,
            };
            scalars.push(z5 * k.ch + link);
            points.push(*self.c_hat[i].point());
            g -= z5 * self.s_hat[i];
        }
        (RistrettoPoint::vartime_multiscalar_mul(&scalars, &points), g)
    }
}

/// SPEC.md §9.4.2 (MX14), the part that does not depend on the rows: `t₁ … t₄`, `G` (with the rows' part `g`
/// of its scalar), `Y`, and `h₀` (with `u = Π uⱼ`, and `z₅,₁·s′₁` of the first link).
pub(super) fn fixed_terms(
    k: &Constants<'_>,
    p: &FixedPart<'_>,
    g_rows: Scalar,
    u_prod: Scalar,
    (z5_first, s_prime_first): (Scalar, Scalar),
) -> RistrettoPoint {
    let z = &k.z;
    let mut g = g_rows - z.z1 * p.s1 - z.z2 * p.s2 - z.z3 * p.s3;
    let mut y = Scalar::ZERO;
    let mut scalars = vec![z.z1, z.z2, z.z3];
    let mut points = vec![*p.t1.point(), *p.t2.point(), *p.t3.point()];
    for c in 0..p.t4.len() {
        g += z.z4a[c] * p.s4[c];
        y += z.z4b[c] * p.s4[c];
        scalars.extend([z.z4a[c], z.z4b[c]]);
        points.extend([*p.t4[c].a.point(), *p.t4[c].b.point()]);
    }
    let h0 = shuffle_generator(k.fingerprint, k.label, 0);
    scalars.extend([g, y, -(z.z2 * k.ch * u_prod) - k.z5(z5_first) * s_prime_first]);
    points.extend([crate::group::G, *p.public_key.point(), h0]);
    RistrettoPoint::vartime_multiscalar_mul(&scalars, &points)
}

/// A proof's part that does not grow with `N`: `t₁ t₂ t₃ t₄`, `s₁ s₂ s₃ s₄`, and the statement's key.
pub(super) struct FixedPart<'a> {
    pub(super) t1: GroupElement,
    pub(super) t2: GroupElement,
    pub(super) t3: GroupElement,
    pub(super) t4: Vec<Ciphertext>,
    pub(super) s1: Scalar,
    pub(super) s2: Scalar,
    pub(super) s3: Scalar,
    pub(super) s4: Vec<Scalar>,
    pub(super) public_key: &'a crate::elgamal::PublicKey,
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
        let k = Constants::new(z, None, self.ch, self.st.fingerprint, self.label);
        let rows = Rows {
            first: 0,
            c: &p.c,
            c_hat: &p.c_hat,
            t_hat: &p.t_hat,
            s_hat: &p.s_hat,
            s_prime: &p.s_prime,
            input: self.st.input.cells(),
            output: self.st.output.cells(),
            u: self.u,
            z5: &z.z5,
            next: None,
        };
        let parts = par::map_chunks(n, par::CHUNK, |range| rows.sub(range, w).terms(&k));
        let mut sum = RistrettoPoint::identity();
        let mut g = Scalar::ZERO;
        for (point, gi) in parts {
            sum += point;
            g += gi;
        }
        let fixed = FixedPart {
            t1: p.t1,
            t2: p.t2,
            t3: p.t3,
            t4: p.t4.clone(),
            s1: p.s1,
            s2: p.s2,
            s3: p.s3,
            s4: p.s4.clone(),
            public_key: self.st.public_key,
        };
        let u_prod: Scalar = self.u.iter().product();
        sum + fixed_terms(&k, &fixed, g, u_prod, (z.z5[0], p.s_prime[0]))
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

/// A proof's header (SPEC.md §9.3.3): `u32(contest) ‖ u32(stage) ‖ u32(N) ‖ u32(w)` with `N ≥ 1` and
/// `1 ≤ w ≤ MAX_WIDTH`. The one reading of it, for the whole decoder and the streamed one.
pub(super) fn decode_header(r: &mut Reader<'_>) -> Result<(u32, u32, ProofLayout), DecodeError> {
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
    Ok((contest, stage, ProofLayout { n, w }))
}

impl Decode for ShuffleProof {
    const WHAT: &'static str = "shuffle proof";
    /// Strict (SPEC.md §9.3.1): `N ≥ 1`, `1 ≤ w ≤ MAX_WIDTH`, the size is checked before anything is
    /// allocated, every point is canonical (decompressed once, in parallel), every scalar canonical.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (contest, stage, ProofLayout { n, w }) = decode_header(r)?;
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

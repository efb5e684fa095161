//! The prover of a mix stage, streamed (SPEC.md §9.3, §9.7): shuffle, re-encrypt and prove in passes over chunks
//! of rows, reading the input list and writing the output list and the proof at their offsets, so that the memory
//! held does not grow with `N` beyond the permutation and its inverse (4 bytes a row each).
//!
//! Nothing per row is stored: every secret of a row is *derived* where it is needed, from a ChaCha20 stream read at
//! the row's position ([`ScalarStream`]): the re-encryption scalars `r̃ᵢₖ` from the witness's seed (§9.3.1), the
//! nonces `r, r̂, ω, ω̂, ω′` from the nonce seed (§9.2 "Prover nonces"), the challenges `u′ᵢ = u_π(i)` from the
//! challenge stream ([`ChallengeStream::scalar_at`]). The passes, for `N` rows of width `w`:
//!
//! * **0** hash the input list (`H(input)`, §9.2 step 9) and check its header and length;
//! * **A** output rows `i` in order: `e′ᵢₖ = ReEnc(e_π(i),k; r̃ᵢₖ)` (MX1), written and hashed (`H(output)`), and
//!   `Σᵢ ω′ᵢ·A′ᵢₖ`, `Σᵢ ω′ᵢ·B′ᵢₖ` (the sums of `t₄`, MX5) from the points just computed;
//! * **B** input rows `j` in order: `c_j = r_j·G + h_π⁻¹(j)` (MX2), written and hashed, and `Σⱼ ω′_π⁻¹(j)·h_π⁻¹(j)`
//!   (the sum of `t₃`): each generator is derived once;
//! * **C** the challenges `u` (steps 10–11); output rows `i` in order: the chain `Rᵢ, Uᵢ` (sequential), `ĉᵢ` (MX4),
//!   `t̂ᵢ` (MX6), written and hashed; `r′ₖ = Σᵢ u′ᵢ·r̃ᵢₖ` and `r̃ = Σⱼ uⱼ·rⱼ = Σᵢ u′ᵢ·r_π(i)`;
//! * **D** the challenge `c` (steps 12–16, MX7); `t₁ t₂ t₃ t₄`, `s₁ s₂ s₃ s₄`, then `ŝᵢ`, `s′ᵢ` row by row (MX8).
//!
//! Each chunk's rows are split among the cores ([`par::map_chunks`]); the sequential work between (hashing,
//! writing, the chain's scalar recurrence) is a small part.

use core::fmt;
use core::ops::Range;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, MultiscalarMul};
use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use super::proof::{append_statement_head, challenge_c_of_digests, challenge_stream_u};
use super::stream::{chunk_rows, ByteSink, ByteSource, ListLayout, MemorySink, ProofLayout, DEFAULT_CHUNK_MEMORY};
use super::{
    generator_label, par, shuffle_generator, CiphertextList, ScalarStream, ShuffleError, ShuffleProof, ShuffleWitness,
};
use crate::codec::Decode;
use crate::elgamal::{Ciphertext, EncryptionKey};
use crate::error::DecodeError;
use crate::fingerprint::Fingerprint;
use crate::group::{GroupElement, G};
use crate::transcript::election_transcript;

/// Points per constant-time multiscalar multiplication (Straus keeps a table per point).
const CT_MSM_CHUNK: usize = 256;
/// Bytes read at a time to hash the input list.
const HASH_BLOCK: usize = 1 << 20;

/// What a mix stage is for, before its lists exist: the election (its fingerprint seeds the generators and opens
/// the transcript), the key the stage re-encrypts under, the unit (`contest` of SPEC.md §9.1.2) and the stage.
#[derive(Clone, Copy)]
pub struct Stage<'a> {
    /// The election fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// The election public key `Y`, with its table.
    pub key: &'a EncryptionKey,
    /// The unit's index (the contest's without districts, SPEC.md §4.6).
    pub contest: u32,
    /// The stage's number.
    pub stage: u32,
}

impl fmt::Debug for Stage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stage").field("contest", &self.contest).field("stage", &self.stage).finish_non_exhaustive()
    }
}

/// What a streamed stage wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageInfo {
    /// Rows `N`.
    pub rows: usize,
    /// Width `w`.
    pub width: usize,
    /// Bytes of the output list: `8 + 64·N·w`.
    pub output_bytes: u64,
    /// Bytes of the proof: `16 + 32·(5N + 6 + 3w)`.
    pub proof_bytes: u64,
}

fn io_error(part: &'static str) -> impl Fn(std::io::Error) -> ShuffleError {
    move |e| ShuffleError::Io { part, message: e.to_string() }
}

/// The shape of the list in `input` from its header (SPEC.md §9.1.1), by the list decoder's own reading of it
/// (`1 ≤ w ≤ MAX_WIDTH`, `N·w ≤ MAX_CIPHERTEXTS`), with the same errors: `N ≥ 1`, and exactly `64·N·w` bytes after
/// the header.
pub fn read_list_layout(input: &dyn ByteSource) -> Result<ListLayout, ShuffleError> {
    let size = input.size();
    let mut head = vec![0u8; size.min(8) as usize];
    input.read_at(0, &mut head).map_err(io_error("reading the input list's header"))?;
    let layout = super::list::decode_header(&mut crate::codec::Reader::new(&head))?;
    if layout.n == 0 {
        return Err(ShuffleError::EmptyList);
    }
    let (want, have) = (layout.len(), size);
    if have < want {
        return Err(DecodeError::Truncated { what: "list.rows", needed: (want - have) as usize }.into());
    }
    if have > want {
        return Err(DecodeError::TrailingBytes { what: "ciphertext list", count: (have - want) as usize }.into());
    }
    Ok(layout)
}

/// One mix stage, streamed (SPEC.md §9.3): re-encrypts the list in `input` under the witness (MX1), writes the
/// output list (§9.1.1) to `output` and the proof of shuffle (§9.3.3) to `proof`, each at its offsets, holding
/// `chunk_rows` rows at a time ([`chunk_rows`](super::stream::chunk_rows) gives it for a memory budget). The proof
/// verifies with [`ShuffleProof::verify`] in the transcript `election_transcript(fingerprint)`.
///
/// Nonces come from the transcript's RNG after the input's digest, rekeyed with the witness's digest and fed by
/// `rng` (SPEC.md §9.2 "Prover nonces"). Errors: the input's header or a point of it ([`ShuffleError::Decode`],
/// [`ShuffleError::EmptyList`]), a witness that does not fit it ([`ShuffleError::InvalidWitness`]), reading or
/// writing ([`ShuffleError::Io`]). On error the sinks hold part of the files, to be discarded.
pub fn mix_stage<R: RngCore + CryptoRng>(
    stage: &Stage<'_>,
    input: &dyn ByteSource,
    witness: &ShuffleWitness,
    output: &dyn ByteSink,
    proof: &dyn ByteSink,
    chunk_rows: usize,
    rng: &mut R,
) -> Result<StageInfo, ShuffleError> {
    let label = generator_label(stage.contest, stage.stage);
    let generator = |i: u64| shuffle_generator(stage.fingerprint, &label, i);
    let files = Files { input, output, proof };
    prove_with_generators(stage, files, witness, chunk_rows, rng, (&label, &generator))
}

/// [`mix_stage`] in memory, for tests, benches and small callers: a random witness ([`ShuffleWitness::random`]),
/// the chunks of [`DEFAULT_CHUNK_MEMORY`]; returns the output list and the proof, decoded.
pub fn shuffle_and_prove<R: RngCore + CryptoRng>(
    stage: &Stage<'_>,
    input: &CiphertextList,
    rng: &mut R,
) -> Result<(CiphertextList, ShuffleProof), ShuffleError> {
    let witness = ShuffleWitness::random(input.len(), rng);
    prove_in_memory(stage, input, &witness, chunk_rows(input.width(), DEFAULT_CHUNK_MEMORY), rng)
}

/// [`mix_stage`] over lists in memory with a given witness and chunk size.
pub(crate) fn prove_in_memory<R: RngCore + CryptoRng>(
    stage: &Stage<'_>,
    input: &CiphertextList,
    witness: &ShuffleWitness,
    chunk: usize,
    rng: &mut R,
) -> Result<(CiphertextList, ShuffleProof), ShuffleError> {
    use crate::codec::Encode;
    let (output, proof) = (MemorySink::new(), MemorySink::new());
    mix_stage(stage, &input.to_bytes(), witness, &output, &proof, chunk, rng)?;
    Ok((CiphertextList::from_bytes(&output.into_inner())?, ShuffleProof::from_bytes(&proof.into_inner())?))
}

/// The three files of a stage.
#[derive(Clone, Copy)]
pub(crate) struct Files<'a> {
    pub(crate) input: &'a dyn ByteSource,
    pub(crate) output: &'a dyn ByteSink,
    pub(crate) proof: &'a dyn ByteSink,
}

/// The generators' label and the generators by index (`0` is `h₀`, `i ≥ 1` is `hᵢ`): [`mix_stage`] derives them
/// from the statement (MX0); tests pass others, to check that a proof made with them fails.
pub(crate) type Generators<'a> = (&'a [u8], &'a (dyn Fn(u64) -> RistrettoPoint + Sync));

/// The nonces of SPEC.md §9.2 "Prover nonces": scalars of one ChaCha20 stream, in the order
/// `r₁…r_N, r̂₁…r̂_N, ω₁, ω₂, ω₃, ω₄₁…ω₄w, ω̂₁…ω̂_N, ω′₁…ω′_N`, each read at its index.
struct Nonces {
    seed: Zeroizing<[u8; 32]>,
    n: usize,
    w: usize,
}

impl Nonces {
    fn r(&self, j: usize) -> usize {
        j
    }
    fn r_hat(&self, i: usize) -> usize {
        self.n + i
    }
    /// `ω₁, ω₂, ω₃` are `omega(0 … 2)`, `ω₄ₖ` is `omega(3 + k)`.
    fn omega(&self, m: usize) -> usize {
        2 * self.n + m
    }
    fn omega_hat(&self, i: usize) -> usize {
        2 * self.n + 3 + self.w + i
    }
    fn omega_prime(&self, i: usize) -> usize {
        3 * self.n + 3 + self.w + i
    }
    fn stream(&self, index: usize) -> ScalarStream {
        ScalarStream::at(&self.seed, index)
    }
    fn scalar(&self, index: usize) -> Zeroizing<Scalar> {
        Zeroizing::new(self.stream(index).next_scalar())
    }
}

/// `Σ sᵢ·Pᵢ` in constant time (the scalars are secret).
fn ct_msm(scalars: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
    scalars
        .chunks(CT_MSM_CHUNK)
        .zip(points.chunks(CT_MSM_CHUNK))
        .map(|(s, p)| RistrettoPoint::multiscalar_mul(s, p))
        .sum()
}

/// Point `k` of a row's bytes.
fn point_at(bytes: &[u8], k: usize, what: &'static str) -> Result<GroupElement, ShuffleError> {
    let mut b = [0u8; 32];
    b.copy_from_slice(&bytes[32 * k..32 * k + 32]);
    Ok(GroupElement::from_bytes(&b, what)?)
}

/// `[2·Q₁, 2·Q₂, …]`, compressed with one field inversion for all instead of one inverse square root per point
/// (dalek's `double_and_compress_batch`): the points of the chain are computed halved for it.
fn double_and_compress(halves: &[RistrettoPoint]) -> Vec<u8> {
    RistrettoPoint::double_and_compress_batch(halves).iter().flat_map(|c| c.to_bytes()).collect()
}

/// The row ranges of the chunks: `0..chunk`, `chunk..2·chunk`, …
fn chunks(n: usize, chunk: usize) -> impl Iterator<Item = Range<usize>> {
    let chunk = chunk.max(1);
    (0..n.div_ceil(chunk)).map(move |k| k * chunk..((k + 1) * chunk).min(n))
}

/// The rows of a chunk split among the cores, each task with its rows' absolute range; results in order.
fn per_task<T: Send>(rows: Range<usize>, f: impl Fn(Range<usize>) -> T + Sync + Send) -> Vec<T> {
    par::map_chunks(rows.len(), par::CHUNK, |range| f(rows.start + range.start..rows.start + range.end))
}

/// SHA-512 of all of `input` (step 9's `H(input)`), read a chunk at a time.
fn hash_source(input: &dyn ByteSource, len: u64, block: usize) -> Result<[u8; 64], ShuffleError> {
    let mut h = Sha512::new();
    let mut buf = vec![0u8; block.max(1)];
    let mut at = 0u64;
    while at < len {
        let take = (len - at).min(buf.len() as u64) as usize;
        input.read_at(at, &mut buf[..take]).map_err(io_error("reading the input list"))?;
        h.update(&buf[..take]);
        at += take as u64;
    }
    Ok(h.finalize().into())
}

/// The prover with its generators given: [`mix_stage`] derives them; tests pass others.
pub(crate) fn prove_with_generators<R: RngCore + CryptoRng>(
    stage: &Stage<'_>,
    files: Files<'_>,
    witness: &ShuffleWitness,
    chunk: usize,
    rng: &mut R,
    (label, generator): Generators<'_>,
) -> Result<StageInfo, ShuffleError> {
    let list = read_list_layout(files.input)?;
    let (n, w) = (list.n, list.w);
    let chunk = chunk.clamp(1, n);
    let layout = ProofLayout { n, w };
    let inverse = witness.inverse(n, w)?;
    let key = stage.key;

    // Pass 0 and SPEC.md §9.2 steps 1–9 (the input's half): the statement, then the nonces' generator: Merlin's
    // transcript RNG rekeyed with the witness's digest and finalized with the caller's RNG; 32 bytes of it key the
    // nonces' stream. It is built before the output's digest (which the prover needs the nonces `ω′` to stream):
    // the output is a function of the input and the witness, both bound here, so it would add nothing.
    let input_digest = hash_source(files.input, list.len(), HASH_BLOCK)?;
    let mut t = election_transcript(stage.fingerprint);
    append_statement_head(&mut t, (stage.contest, stage.stage, w, n), key.public_key(), stage.fingerprint, label);
    t.append_message(b"inputs", &input_digest);
    let nonces = {
        let digest = witness.digest();
        let mut trng = t.build_rng().rekey_with_witness_bytes(b"shuffle-witness", &digest[..]).finalize(rng);
        let mut seed = Zeroizing::new([0u8; 32]);
        trng.fill_bytes(&mut seed[..]);
        Nonces { seed, n, w }
    };
    files.output.write_at(0, &list.header()).map_err(io_error("writing the output list"))?;
    files.proof.write_at(0, &layout.header(stage.contest, stage.stage)).map_err(io_error("writing the proof"))?;

    let (output_digest, t4_sums) = pass_a(stage, files, witness, &nonces, list, chunk)?;
    t.append_message(b"outputs", &output_digest);
    let (c_digest, t3_sum, r_bar) = pass_b(files, &nonces, &inverse, layout, chunk, generator)?;
    // MX3: steps 10–11.
    let u = challenge_stream_u(&mut t, &c_digest);
    let pass_c = pass_c(files, witness, &nonces, &u, layout, chunk, generator(0))?;

    // MX5 (the fixed part): t₁ = ω₁·G, t₂ = ω₂·G, t₃ = ω₃·G + Σ ω′ᵢ·hᵢ, t₄ₖ = (Σ ω′ᵢ·A′ᵢₖ − ω₄ₖ·G, Σ ω′ᵢ·B′ᵢₖ − ω₄ₖ·Y).
    let omega: Zeroizing<Vec<Scalar>> = {
        let mut s = nonces.stream(nonces.omega(0));
        Zeroizing::new((0..3 + w).map(|_| s.next_scalar()).collect())
    };
    let t1 = GroupElement::new(RISTRETTO_BASEPOINT_TABLE * &omega[0]);
    let t2 = GroupElement::new(RISTRETTO_BASEPOINT_TABLE * &omega[1]);
    let t3 = GroupElement::new(RISTRETTO_BASEPOINT_TABLE * &omega[2] + t3_sum);
    let t4: Vec<Ciphertext> = (0..w)
        .map(|k| {
            let (sum_a, sum_b) = t4_sums[k];
            Ciphertext::new(sum_a - RISTRETTO_BASEPOINT_TABLE * &omega[3 + k], sum_b - key.mul(&omega[3 + k]))
        })
        .collect();
    // MX7: steps 12–16.
    let ch = challenge_c_of_digests(&mut t, &pass_c.c_hat_digest, &pass_c.t_hat_digest, [&t1, &t2, &t3], &t4);

    // MX8: s₁ = ω₁ + c·r̄, s₂ = ω₂ + c·R_N (R_N = r̂ = Σᵢ r̂ᵢ·Π_{l>i} u′_l), s₃ = ω₃ + c·r̃, s₄ₖ = ω₄ₖ + c·r′ₖ.
    let mut fixed = Vec::with_capacity(96 + 64 * w);
    for p in [&t1, &t2, &t3] {
        fixed.extend_from_slice(p.compressed().as_bytes());
    }
    for t4k in &t4 {
        fixed.extend_from_slice(t4k.a.compressed().as_bytes());
        fixed.extend_from_slice(t4k.b.compressed().as_bytes());
    }
    files.proof.write_at(layout.t(), &fixed).map_err(io_error("writing the proof"))?;
    let mut responses = Zeroizing::new(Vec::with_capacity(96 + 32 * w));
    let s123 = [omega[0] + ch * *r_bar, omega[1] + ch * *pass_c.r_hat, omega[2] + ch * *pass_c.r_tilde];
    let s4 = (0..w).map(|k| omega[3 + k] + ch * pass_c.r_prime[k]);
    for s in s123.into_iter().chain(s4) {
        responses.extend_from_slice(s.as_bytes());
    }
    files.proof.write_at(layout.s(), &responses).map_err(io_error("writing the proof"))?;
    pass_d(files, witness, &nonces, &u, layout, chunk, ch)?;
    Ok(StageInfo { rows: n, width: w, output_bytes: list.len(), proof_bytes: layout.len() })
}

/// Pass A (MX1, and the sums of t₄ in MX5): output row `i` is `e′ᵢₖ = (A_π(i),k + r̃ᵢₖ·G, B_π(i),k + r̃ᵢₖ·Y)`, read
/// at its input row with a positional read; returns `H(output)` and `(Σᵢ ω′ᵢ·A′ᵢₖ, Σᵢ ω′ᵢ·B′ᵢₖ)` for each `k`.
#[allow(clippy::type_complexity)]
fn pass_a(
    stage: &Stage<'_>,
    files: Files<'_>,
    witness: &ShuffleWitness,
    nonces: &Nonces,
    list: ListLayout,
    chunk: usize,
) -> Result<([u8; 64], Vec<(RistrettoPoint, RistrettoPoint)>), ShuffleError> {
    let (n, w) = (list.n, list.w);
    let perm = witness.permutation();
    let mut hash = Sha512::new();
    hash.update(list.header());
    let mut sums = vec![(RistrettoPoint::identity(), RistrettoPoint::identity()); w];
    for rows in chunks(n, chunk) {
        let start = rows.start;
        let parts = per_task(rows, |rows| -> Result<(Vec<u8>, Vec<RistrettoPoint>), ShuffleError> {
            let factors = witness.factors(rows.clone(), w);
            let mut omega_prime = nonces.stream(nonces.omega_prime(rows.start));
            let mut weights = Zeroizing::new(Vec::with_capacity(rows.len()));
            // Column k of the task's outputs: A′ in `cols[2k]`, B′ in `cols[2k + 1]`.
            let mut cols = vec![Vec::with_capacity(rows.len()); 2 * w];
            let mut bytes = Vec::with_capacity(rows.len() * list.row_bytes());
            let mut row = vec![0u8; list.row_bytes()];
            for (r, i) in rows.enumerate() {
                let from = perm[i] as usize;
                files.input.read_at(list.row(from), &mut row).map_err(io_error("reading the input list"))?;
                for k in 0..w {
                    let a = point_at(&row, 2 * k, "input list.rows[].a")?;
                    let b = point_at(&row, 2 * k + 1, "input list.rows[].b")?;
                    let s = &factors[r * w + k];
                    let a2 = a.point() + RISTRETTO_BASEPOINT_TABLE * s;
                    let b2 = b.point() + stage.key.mul(s);
                    bytes.extend_from_slice(a2.compress().as_bytes());
                    bytes.extend_from_slice(b2.compress().as_bytes());
                    cols[2 * k].push(a2);
                    cols[2 * k + 1].push(b2);
                }
                weights.push(omega_prime.next_scalar());
            }
            Ok((bytes, cols.iter().map(|col| ct_msm(&weights, col)).collect()))
        });
        let mut at = list.row(start);
        for part in parts {
            let (bytes, part_sums) = part?;
            files.output.write_at(at, &bytes).map_err(io_error("writing the output list"))?;
            hash.update(&bytes);
            at += bytes.len() as u64;
            for (k, sum) in sums.iter_mut().enumerate() {
                sum.0 += part_sums[2 * k];
                sum.1 += part_sums[2 * k + 1];
            }
        }
    }
    Ok((hash.finalize().into(), sums))
}

/// Pass B (MX2, and the sum of t₃ in MX5): `c_j = r_j·G + h_π⁻¹(j)` for input rows `j`; returns `H(c₁ ‖ … ‖ c_N)`,
/// `Σⱼ ω′_π⁻¹(j)·h_π⁻¹(j) = Σᵢ ω′ᵢ·hᵢ` and `r̄ = Σⱼ r_j`.
fn pass_b(
    files: Files<'_>,
    nonces: &Nonces,
    inverse: &[u32],
    layout: ProofLayout,
    chunk: usize,
    generator: &(dyn Fn(u64) -> RistrettoPoint + Sync),
) -> Result<([u8; 64], RistrettoPoint, Zeroizing<Scalar>), ShuffleError> {
    let mut hash = Sha512::new();
    let mut t3 = RistrettoPoint::identity();
    let mut r_bar = Zeroizing::new(Scalar::ZERO);
    for rows in chunks(layout.n, chunk) {
        let start = rows.start;
        let parts = per_task(rows, |rows| {
            let mut r = nonces.stream(nonces.r(rows.start));
            let mut sum_r = Zeroizing::new(Scalar::ZERO);
            let mut weights = Zeroizing::new(Vec::with_capacity(rows.len()));
            let mut hs = Vec::with_capacity(rows.len());
            let mut bytes = Vec::with_capacity(32 * rows.len());
            for j in rows {
                // hᵢ for i = π⁻¹(j) (0-based i: generator i + 1).
                let i = inverse[j] as usize;
                let h = generator(i as u64 + 1);
                let rj = Zeroizing::new(r.next_scalar());
                *sum_r += *rj;
                bytes.extend_from_slice((RISTRETTO_BASEPOINT_TABLE * &*rj + h).compress().as_bytes());
                weights.push(*nonces.scalar(nonces.omega_prime(i)));
                hs.push(h);
            }
            (bytes, ct_msm(&weights, &hs), sum_r)
        });
        let mut at = layout.c(start);
        for (bytes, sum, sum_r) in parts {
            files.proof.write_at(at, &bytes).map_err(io_error("writing the proof"))?;
            hash.update(&bytes);
            at += bytes.len() as u64;
            t3 += sum;
            *r_bar += *sum_r;
        }
    }
    Ok((hash.finalize().into(), t3, r_bar))
}

/// What pass C leaves for the responses.
struct ChainResult {
    c_hat_digest: [u8; 64],
    t_hat_digest: [u8; 64],
    /// `R_N`: the chain's randomness `r̂` of MX8.
    r_hat: Zeroizing<Scalar>,
    /// `r̃ = Σⱼ uⱼ·rⱼ`.
    r_tilde: Zeroizing<Scalar>,
    /// `r′ₖ = Σᵢ u′ᵢ·r̃ᵢₖ`.
    r_prime: Zeroizing<Vec<Scalar>>,
}

/// `u′ᵢ = u_π(i)` for the rows `rows`, each read at its place in the challenge stream.
fn permuted_challenges(u: &crate::transcript::ChallengeStream, perm: &[u32], rows: Range<usize>) -> Vec<Scalar> {
    per_task(rows, |rows| rows.map(|i| u.scalar_at(u64::from(perm[i]))).collect::<Vec<_>>())
        .into_iter()
        .flatten()
        .collect()
}

/// Pass C (MX4, MX6): with `R₀ = 0`, `U₀ = 1`, `Rᵢ = u′ᵢ·Rᵢ₋₁ + r̂ᵢ`, `Uᵢ = u′ᵢ·Uᵢ₋₁` (so `ĉᵢ = Rᵢ·G + Uᵢ·h₀`
/// unrolls `ĉᵢ = r̂ᵢ·G + u′ᵢ·ĉᵢ₋₁`, `ĉ₀ = h₀`), and `t̂ᵢ = ω̂ᵢ·G + ω′ᵢ·ĉᵢ₋₁ = (ω̂ᵢ + ω′ᵢ·Rᵢ₋₁)·G + ω′ᵢ·Uᵢ₋₁·h₀`.
/// Each point is computed halved (scalars times `1/2`) so that one batch inversion compresses its double; each
/// is a two-point constant-time multiscalar multiplication (the vector backends make it cheaper than two
/// fixed-base multiplications).
#[allow(clippy::too_many_arguments)]
fn pass_c(
    files: Files<'_>,
    witness: &ShuffleWitness,
    nonces: &Nonces,
    u: &crate::transcript::ChallengeStream,
    layout: ProofLayout,
    chunk: usize,
    h0: RistrettoPoint,
) -> Result<ChainResult, ShuffleError> {
    let (n, w) = (layout.n, layout.w);
    let perm = witness.permutation();
    let half = Scalar::from(2u8).invert();
    let (mut c_hat_hash, mut t_hat_hash) = (Sha512::new(), Sha512::new());
    // (R, U) at the chunk's start.
    let mut carry = Zeroizing::new([Scalar::ZERO, Scalar::ONE]);
    let mut r_tilde = Zeroizing::new(Scalar::ZERO);
    let mut r_prime = Zeroizing::new(vec![Scalar::ZERO; w]);
    for rows in chunks(n, chunk) {
        let start = rows.start;
        let u_p = Zeroizing::new(permuted_challenges(u, perm, rows.clone()));
        // The chain, sequentially: big_r[k] = R_{start+k}, big_u[k] = U_{start+k}.
        let mut big_r = Zeroizing::new(Vec::with_capacity(rows.len() + 1));
        let mut big_u = Zeroizing::new(Vec::with_capacity(rows.len() + 1));
        big_r.push(carry[0]);
        big_u.push(carry[1]);
        let mut r_hat = nonces.stream(nonces.r_hat(start));
        for k in 0..rows.len() {
            let rh = Zeroizing::new(r_hat.next_scalar());
            let (rk, uk) = (u_p[k] * big_r[k] + *rh, u_p[k] * big_u[k]);
            big_r.push(rk);
            big_u.push(uk);
        }
        carry[0] = big_r[rows.len()];
        carry[1] = big_u[rows.len()];
        let parts = per_task(rows, |rows| {
            let factors = witness.factors(rows.clone(), w);
            let mut omega_hat = nonces.stream(nonces.omega_hat(rows.start));
            let mut omega_prime = nonces.stream(nonces.omega_prime(rows.start));
            let (mut c_halves, mut t_halves) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
            let mut sum_tilde = Zeroizing::new(Scalar::ZERO);
            let mut sum_prime = Zeroizing::new(vec![Scalar::ZERO; w]);
            let mut s = Zeroizing::new([Scalar::ZERO; 2]);
            for (r, i) in rows.clone().enumerate() {
                let k = i - start;
                s[0] = big_r[k + 1] * half;
                s[1] = big_u[k + 1] * half;
                c_halves.push(RistrettoPoint::multiscalar_mul(&s[..], [G, h0]));
                let (oh, op) = (Zeroizing::new(omega_hat.next_scalar()), Zeroizing::new(omega_prime.next_scalar()));
                s[0] = (*oh + *op * big_r[k]) * half;
                s[1] = *op * big_u[k] * half;
                t_halves.push(RistrettoPoint::multiscalar_mul(&s[..], [G, h0]));
                *sum_tilde += u_p[k] * *nonces.scalar(nonces.r(perm[i] as usize));
                for (kk, sum) in sum_prime.iter_mut().enumerate() {
                    *sum += u_p[k] * factors[r * w + kk];
                }
            }
            (double_and_compress(&c_halves), double_and_compress(&t_halves), sum_tilde, sum_prime)
        });
        let (mut at_c, mut at_t) = (layout.c_hat(start), layout.t_hat(start));
        for (c_bytes, t_bytes, sum_tilde, sum_prime) in parts {
            files.proof.write_at(at_c, &c_bytes).map_err(io_error("writing the proof"))?;
            files.proof.write_at(at_t, &t_bytes).map_err(io_error("writing the proof"))?;
            c_hat_hash.update(&c_bytes);
            t_hat_hash.update(&t_bytes);
            at_c += c_bytes.len() as u64;
            at_t += t_bytes.len() as u64;
            *r_tilde += *sum_tilde;
            for (total, part) in r_prime.iter_mut().zip(sum_prime.iter()) {
                *total += part;
            }
        }
    }
    Ok(ChainResult {
        c_hat_digest: c_hat_hash.finalize().into(),
        t_hat_digest: t_hat_hash.finalize().into(),
        r_hat: Zeroizing::new(carry[0]),
        r_tilde,
        r_prime,
    })
}

/// Pass D (MX8, the rows): `ŝᵢ = ω̂ᵢ + c·r̂ᵢ`, `s′ᵢ = ω′ᵢ + c·u′ᵢ`.
fn pass_d(
    files: Files<'_>,
    witness: &ShuffleWitness,
    nonces: &Nonces,
    u: &crate::transcript::ChallengeStream,
    layout: ProofLayout,
    chunk: usize,
    ch: Scalar,
) -> Result<(), ShuffleError> {
    let perm = witness.permutation();
    for rows in chunks(layout.n, chunk) {
        let start = rows.start;
        let parts = per_task(rows, |rows| {
            let mut r_hat = nonces.stream(nonces.r_hat(rows.start));
            let mut omega_hat = nonces.stream(nonces.omega_hat(rows.start));
            let mut omega_prime = nonces.stream(nonces.omega_prime(rows.start));
            let (mut s_hat, mut s_prime) = (Vec::with_capacity(32 * rows.len()), Vec::with_capacity(32 * rows.len()));
            for i in rows {
                let u_p = Zeroizing::new(u.scalar_at(u64::from(perm[i])));
                let (rh, oh, op) = (
                    Zeroizing::new(r_hat.next_scalar()),
                    Zeroizing::new(omega_hat.next_scalar()),
                    Zeroizing::new(omega_prime.next_scalar()),
                );
                s_hat.extend_from_slice((*oh + ch * *rh).as_bytes());
                s_prime.extend_from_slice((*op + ch * *u_p).as_bytes());
            }
            (s_hat, s_prime)
        });
        let (mut at_hat, mut at_prime) = (layout.s_hat(start), layout.s_prime(start));
        for (s_hat, s_prime) in parts {
            files.proof.write_at(at_hat, &s_hat).map_err(io_error("writing the proof"))?;
            files.proof.write_at(at_prime, &s_prime).map_err(io_error("writing the proof"))?;
            at_hat += s_hat.len() as u64;
            at_prime += s_prime.len() as u64;
        }
    }
    Ok(())
}

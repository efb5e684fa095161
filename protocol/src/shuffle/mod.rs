//! Verifiable re-encryption mix: the shuffle of a list of ciphertext vectors and its Terelius–Wikström proof of
//! shuffle (SPEC.md §9; the mathematics, with equation numbers MX0–MX14 and checks SV0–SV5, is in
//! [`crate::notes::shuffle`]).
//!
//! One mix stage, in memory ([`mix_stage`] is the same over files, in chunks of rows):
//!
//! ```
//! use protocol::shuffle::{shuffle_and_prove, CiphertextList, ShuffleStatement, Stage};
//! use protocol::elgamal::{EncryptionKey, SecretKey};
//! use protocol::fingerprint::Fingerprint;
//! use protocol::transcript::election_transcript;
//! use curve25519_dalek::RistrettoPoint;
//! # use rand_chacha::rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
//! let key = EncryptionKey::new(SecretKey::generate(&mut rng).public_key());
//! let fingerprint = Fingerprint([1; 32]);
//! let ms: Vec<RistrettoPoint> = (0..5).map(|_| protocol::group::random_point(&mut rng)).collect();
//! let input = CiphertextList::from_flat(1, key.encrypt_vector(&ms, &mut rng).0).unwrap();
//!
//! let stage = Stage { fingerprint: &fingerprint, key: &key, contest: 0, stage: 1 };
//! let (output, proof) = shuffle_and_prove(&stage, &input, &mut rng).unwrap();
//! let statement = ShuffleStatement {
//!     fingerprint: &fingerprint, public_key: key.public_key(), contest: 0, stage: 1, input: &input, output: &output,
//! };
//! assert!(proof.verify(&mut election_transcript(&fingerprint), &statement).is_ok());
//! ```

mod list;
mod par;
mod proof;
mod prove;
pub mod stream;
mod verify_stream;

use core::fmt;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use thiserror::Error;
use zeroize::Zeroizing;

pub use list::CiphertextList;
pub use proof::{encoded_len as encoded_proof_len, ShuffleProof};
pub use prove::{mix_stage, read_list_layout, shuffle_and_prove, Stage, StageInfo};
pub use verify_stream::{
    verify_chain, ChainOptions, ChainStatement, ChainVerdict, ListFailure, StageFailure, VerifiedBefore,
};

use crate::elgamal::PublicKey;
use crate::error::DecodeError;
use crate::fingerprint::Fingerprint;
use crate::group::{derive_generator, random_scalar};

/// The proof's domain label in the transcript (SPEC.md §9.2).
pub const DOMAIN: &[u8] = b"rv/proof/shuffle/v1";
/// The prefix of the generator label (SPEC.md §9.1.3, eq. MX0).
pub const GENERATOR_LABEL: &[u8] = b"rv/shuffle/generators/v1";

/// What a stage publishes and a verifier checks: the key, the lists, and where the generators come from.
/// The generators themselves are never part of it: both sides derive them from the fingerprint, the contest and
/// the stage (SPEC.md §9 eq. MX0).
#[derive(Debug, Clone, Copy)]
pub struct ShuffleStatement<'a> {
    /// The election fingerprint: the seed of the commitment generators.
    pub fingerprint: &'a Fingerprint,
    /// The election public key `Y` the stage re-encrypts under (SPEC.md §6 eq. (8)).
    pub public_key: &'a PublicKey,
    /// Index of the contest whose list this is.
    pub contest: u32,
    /// Index of the mix stage (1-based in the tallier; any `u32` here).
    pub stage: u32,
    /// The stage's input list.
    pub input: &'a CiphertextList,
    /// The stage's output list.
    pub output: &'a CiphertextList,
}

/// The label of this statement's generators: `GENERATOR_LABEL ‖ u32(contest) ‖ u32(stage)` (SPEC eq. MX0).
pub fn generator_label(contest: u32, stage: u32) -> Vec<u8> {
    let mut label = GENERATOR_LABEL.to_vec();
    label.extend_from_slice(&contest.to_be_bytes());
    label.extend_from_slice(&stage.to_be_bytes());
    label
}

/// Generator number `index` of (fingerprint, contest, stage): index 0 is `h₀` (the base of the commitment chain),
/// index `i ≥ 1` is `hᵢ` (SPEC eq. MX0).
pub fn shuffle_generator(fingerprint: &Fingerprint, label: &[u8], index: u64) -> RistrettoPoint {
    derive_generator(fingerprint.as_bytes(), label, index)
}

/// The secret of a stage: the permutation `π` (output `i` is a re-encryption of input `π(i)`) and the
/// re-encryption scalars `r̃ᵢₖ`. Wiped on drop, printed as redacted, neither `Clone` nor serializable: it never
/// leaves the memory of the machine that mixed.
///
/// The scalars are *derived, not stored* (SPEC.md §9.3.1): `r̃ᵢₖ` is scalar number `i·w + k` (0-based) of a
/// ChaCha20 stream keyed by a 32-byte seed, so a stage of any size holds 32 bytes of them, and the prover reads
/// any row's at its position. Only the permutation (4 bytes a row) is held.
pub struct ShuffleWitness {
    permutation: Zeroizing<Vec<u32>>,
    factors: Factors,
}

/// Where the re-encryption scalars come from.
enum Factors {
    /// `r̃ᵢₖ` = scalar `i·w + k` of the ChaCha20 stream keyed by the seed.
    Seed(Zeroizing<[u8; 32]>),
    /// Row-major, `N · w`: given by the caller (tests that craft witnesses).
    Explicit(Zeroizing<Vec<Scalar>>),
}

impl fmt::Debug for ShuffleWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShuffleWitness(<redacted>)")
    }
}

/// Scalars number `index`, `index + 1`, … of the ChaCha20 stream keyed by a seed (RFC 8439 block function, zero
/// nonce): scalar `k` is block `k` (64 bytes, i.e. 16 words, reduced modulo ℓ as [`random_scalar`] draws it), so
/// a row's secrets are read at their position instead of being stored (SPEC.md §9.2 "Prover nonces", §9.3.1).
pub(crate) struct ScalarStream(ChaCha20Rng);

impl ScalarStream {
    /// The stream of `seed`, positioned at scalar `index`.
    pub(crate) fn at(seed: &[u8; 32], index: usize) -> Self {
        let mut rng = ChaCha20Rng::from_seed(*seed);
        rng.set_word_pos(16 * index as u128);
        Self(rng)
    }
    /// The next scalar.
    pub(crate) fn next_scalar(&mut self) -> Scalar {
        random_scalar(&mut self.0)
    }
}

impl ShuffleWitness {
    /// SPEC.md §9.3.1 (MX1): a uniformly random permutation of `n` rows and the seed of the re-encryption
    /// scalars. A ChaCha20 stream keyed by 32 bytes of `rng` draws the permutation by Fisher–Yates (each index by
    /// rejection, no modulo bias), then the next 32 bytes of the same stream are the scalars' seed.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(n: usize, rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut seed[..]);
        let mut stream = ChaCha20Rng::from_seed(*seed);
        let mut permutation = Zeroizing::new((0..n as u32).collect::<Vec<u32>>());
        for i in (1..n).rev() {
            let j = uniform_below(&mut stream, i as u64 + 1) as usize;
            permutation.swap(i, j);
        }
        let mut factors = Zeroizing::new([0u8; 32]);
        stream.fill_bytes(&mut factors[..]);
        Self { permutation, factors: Factors::Seed(factors) }
    }

    /// A witness from its parts, for tests and for callers that shuffle by other means. `permutation[i]` is the
    /// input index of output `i`; `rerandomization` is row-major (`N · w`). Takes ownership so no copy remains.
    pub fn from_parts(permutation: Vec<u32>, rerandomization: Vec<Scalar>) -> Self {
        Self { permutation: Zeroizing::new(permutation), factors: Factors::Explicit(Zeroizing::new(rerandomization)) }
    }

    pub(crate) fn permutation(&self) -> &[u32] {
        &self.permutation
    }

    /// Checks that the witness fits a list of `n` rows of width `w` (a permutation of `0 … n−1`, and `n·w`
    /// scalars when they are explicit); returns the inverse permutation `π⁻¹`.
    pub(crate) fn inverse(&self, n: usize, w: usize) -> Result<Zeroizing<Vec<u32>>, ShuffleError> {
        if self.permutation.len() != n {
            return Err(ShuffleError::InvalidWitness);
        }
        if let Factors::Explicit(r) = &self.factors {
            if Some(r.len()) != n.checked_mul(w) {
                return Err(ShuffleError::InvalidWitness);
            }
        }
        let mut inverse = Zeroizing::new(vec![u32::MAX; n]);
        for (i, &p) in self.permutation.iter().enumerate() {
            match inverse.get_mut(p as usize) {
                Some(slot) if *slot == u32::MAX => *slot = i as u32,
                _ => return Err(ShuffleError::InvalidWitness),
            }
        }
        Ok(inverse)
    }

    /// `r̃ᵢₖ` of the rows `rows` (row-major, `w` a row). The caller has checked the shape ([`Self::inverse`]).
    pub(crate) fn factors(&self, rows: core::ops::Range<usize>, w: usize) -> Zeroizing<Vec<Scalar>> {
        match &self.factors {
            Factors::Seed(seed) => {
                let mut stream = ScalarStream::at(seed, rows.start * w);
                Zeroizing::new((0..rows.len() * w).map(|_| stream.next_scalar()).collect())
            }
            Factors::Explicit(r) => Zeroizing::new(r.get(rows.start * w..rows.end * w).unwrap_or_default().to_vec()),
        }
    }

    /// The hash that rekeys the nonces' generator (SPEC.md §9.2 "Prover nonces"):
    /// `SHA-512(u32(π(1)−1) ‖ … ‖ u32(π(N)−1) ‖ ρ)`, `ρ` the 32-byte seed of the `r̃` (or, for explicit scalars,
    /// `r̃₁₁ ‖ … ‖ r̃_Nw`).
    pub(crate) fn digest(&self) -> Zeroizing<[u8; 64]> {
        use sha2::{Digest, Sha512};
        let mut hasher = Sha512::new();
        for p in self.permutation.iter() {
            hasher.update(p.to_be_bytes());
        }
        match &self.factors {
            Factors::Seed(seed) => hasher.update(&seed[..]),
            Factors::Explicit(r) => r.iter().for_each(|s| hasher.update(s.as_bytes())),
        }
        Zeroizing::new(hasher.finalize().into())
    }
}

/// Why a shuffle proof is refused. Every variant names the failing part; `EquationFailed` names the numbered
/// verification check of SPEC.md §9.4.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShuffleError {
    #[error("shuffle: {what} has {found}, expected {expected}")]
    /// A list or a proof's part has another size than the statement needs.
    WrongShape {
        /// The part, as a static label.
        what: &'static str,
        /// The size the statement needs.
        expected: usize,
        /// The size found.
        found: usize,
    },
    /// The input list has no rows.
    #[error("shuffle: the list is empty")]
    EmptyList,
    #[error("shuffle: the proof is for {field} {found}, the statement is for {expected}")]
    /// The proof names another contest or stage than the statement.
    StatementMismatch {
        /// `contest` or `stage`.
        field: &'static str,
        /// The statement's value.
        expected: u32,
        /// The proof's value.
        found: u32,
    },
    /// The witness is not a permutation of the input's rows, or its re-encryption scalars do not have the list's shape.
    #[error("shuffle: the witness is not a permutation with its re-encryption factors")]
    InvalidWitness,
    #[error("shuffle proof: verification check {which} fails")]
    /// A verification check of SPEC.md §9.4 fails.
    EquationFailed {
        /// The first check that fails.
        which: Check,
    },
    #[error("shuffle proof: {0}")]
    /// The proof's bytes, or a streamed stage's input list, do not decode (SPEC.md §9.3.3, §9.1.1).
    Decode(#[from] DecodeError),
    /// A streamed stage could not read its input or write its output list or proof.
    #[error("shuffle: {part}: {message}")]
    Io {
        /// What was being read or written, e.g. `reading the input list`.
        part: &'static str,
        /// The system's error.
        message: String,
    },
}

/// The verification checks of SPEC.md §9.4, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// SV1: the permutation commitment commits to a permutation matrix's column sums (eq. MX9).
    V1CommitmentSum,
    /// SV2: the end of the commitment chain commits to `∏ uᵢ` (eq. MX10).
    V2ChainProduct,
    /// SV3: the commitment to the permuted challenges (eq. MX11).
    V3PermutedChallenges,
    /// SV4: the re-encryption of the outputs' weighted sum, one per component (eq. MX12).
    V4Reencryption,
    /// SV5: each link of the commitment chain (eq. MX13).
    V5ChainLinks,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Check::V1CommitmentSum => "SV1 (permutation commitment, eq. MX9)",
            Check::V2ChainProduct => "SV2 (chain product, eq. MX10)",
            Check::V3PermutedChallenges => "SV3 (permuted challenges, eq. MX11)",
            Check::V4Reencryption => "SV4 (re-encryption, eq. MX12)",
            Check::V5ChainLinks => "SV5 (chain links, eq. MX13)",
        })
    }
}

/// Draws a uniform index below `bound` by rejection (no modulo bias).
fn uniform_below<R: RngCore + ?Sized>(rng: &mut R, bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return v % bound;
        }
    }
}

#[cfg(test)]
mod tests;

//! Verifiable re-encryption mix: the shuffle of a list of ciphertext vectors and its Terelius–Wikström proof of
//! shuffle (SPEC.md §9; the mathematics, with equation numbers MX0–MX14 and checks SV0–SV5, is in
//! [`crate::notes::shuffle`]).
//!
//! One mix stage, as the tallier runs it:
//!
//! ```
//! use protocol::shuffle::{shuffle, CiphertextList, ShuffleProof, ShuffleStatement};
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
//! let (output, witness) = shuffle(&key, &input, &mut rng);
//! let statement = ShuffleStatement {
//!     fingerprint: &fingerprint, public_key: key.public_key(), contest: 0, stage: 1, input: &input, output: &output,
//! };
//! let proof = ShuffleProof::prove(&mut election_transcript(&fingerprint), &statement, &witness, &mut rng).unwrap();
//! assert!(proof.verify(&mut election_transcript(&fingerprint), &statement).is_ok());
//! ```

mod list;
mod par;
mod proof;
pub mod stream;
mod verify_stream;

use core::fmt;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use list::CiphertextList;
pub use proof::{encoded_len as encoded_proof_len, ShuffleProof};
pub use verify_stream::{
    verify_chain, ChainOptions, ChainStatement, ChainVerdict, ListFailure, StageFailure, VerifiedBefore,
};

use crate::elgamal::{Ciphertext, EncryptionKey, PublicKey};
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
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ShuffleWitness {
    permutation: Vec<u32>,
    /// Row-major, `N · w`.
    rerandomization: Vec<Scalar>,
}

impl fmt::Debug for ShuffleWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShuffleWitness(<redacted>)")
    }
}

impl ShuffleWitness {
    /// A witness from its parts, for tests and for callers that shuffle by other means. `permutation[i]` is the
    /// input index of output `i`; `rerandomization` is row-major (`N · w`). Takes ownership so no copy remains.
    pub fn from_parts(permutation: Vec<u32>, rerandomization: Vec<Scalar>) -> Self {
        Self { permutation, rerandomization }
    }
    pub(crate) fn permutation(&self) -> &[u32] {
        &self.permutation
    }
    pub(crate) fn rerandomization(&self) -> &[Scalar] {
        &self.rerandomization
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
    /// The proof's bytes do not decode (SPEC.md §9.3.3).
    Decode(#[from] DecodeError),
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

/// SPEC.md §9 eq. MX1: a uniformly random permutation `π` and re-encryption of every row:
/// output `i` = `ReEnc(input π(i); r̃ᵢ)`, each component with its own `r̃ᵢₖ`.
///
/// The randomness comes from a ChaCha20 stream keyed from `rng`; the re-encryptions run in parallel.
pub fn shuffle<R: RngCore + CryptoRng + ?Sized>(
    key: &EncryptionKey,
    input: &CiphertextList,
    rng: &mut R,
) -> (CiphertextList, ShuffleWitness) {
    let (n, w) = (input.len(), input.width());
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let mut stream = ChaCha20Rng::from_seed(seed);
    seed.zeroize();
    // Fisher–Yates.
    let mut permutation: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = uniform_below(&mut stream, i as u64 + 1) as usize;
        permutation.swap(i, j);
    }
    let rerandomization: Vec<Scalar> = (0..n * w).map(|_| random_scalar(&mut stream)).collect();
    let cells: Vec<Ciphertext> = par::map_indices(n * w, |k| {
        let (i, c) = (k / w, k % w);
        key.reencrypt(&input.row(permutation[i] as usize)[c], &rerandomization[k])
    });
    let output = CiphertextList::from_checked(w, cells);
    (output, ShuffleWitness { permutation, rerandomization })
}

#[cfg(test)]
mod tests;

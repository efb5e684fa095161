//! Zero-knowledge proofs, all of one shape (SPEC.md §7).
//!
//! * A `…Statement` (public) and a `…Witness` (secret, borrowed, never serialized) go into
//!   `prove(transcript, &statement, &witness, rng) -> Proof`.
//! * `proof.verify(transcript, &statement)` checks one proof; `proof.verify_into(transcript, &statement,
//!   &mut batch)` queues its equations into a [`BatchVerifier`], which checks many proofs with one
//!   multiscalar multiplication.
//! * The caller opens the transcript with [`crate::transcript::election_transcript`]; the proof appends its
//!   domain label, then every element of its statement, then its commitments, and only then draws challenges.
//!
//! Proofs are in *commitment form* (they carry the commitments, not the challenge), which is what makes
//! batching possible: every verification equation `Σ cᵢ·Pᵢ = 0` can be added to a random linear combination.

pub mod dleq;
pub mod opening;
pub mod randomness;
pub mod schnorr;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::group::G;

/// SPEC.md §7.4: accumulates weighted verification equations `Σ cᵢ·Pᵢ = 0` and checks them all at once.
///
/// Each equation is multiplied by a fresh weight `z` drawn from a ChaCha20 stream whose key the verifier
/// chooses (from its own RNG, or from a transcript when checking a single proof). If any equation is false,
/// the combination is zero with probability at most 1/ℓ per failing equation.
#[derive(Debug)]
pub struct BatchVerifier {
    weights: ChaCha20Rng,
    g: Scalar,
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
}

impl BatchVerifier {
    /// A batch whose weights come from 32 seed bytes.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self { weights: ChaCha20Rng::from_seed(seed), g: Scalar::ZERO, scalars: Vec::new(), points: Vec::new() }
    }

    /// A batch whose weights come from the caller's RNG.
    pub fn new<R: rand_core::RngCore + rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self::from_seed(seed)
    }

    /// Reserves room for `n` more terms.
    pub fn reserve(&mut self, n: usize) {
        self.scalars.reserve(n);
        self.points.reserve(n);
    }

    /// A fresh random weight for the next equation.
    pub fn weight(&mut self) -> Scalar {
        let mut wide = [0u8; 64];
        self.weights.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    /// Adds `c·G`.
    pub fn add_g(&mut self, c: Scalar) {
        self.g += c;
    }

    /// Adds `c·P`.
    pub fn add(&mut self, c: Scalar, p: RistrettoPoint) {
        self.scalars.push(c);
        self.points.push(p);
    }

    /// Number of points queued (not counting `G`).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// True iff the weighted sum of all queued equations is the identity.
    ///
    /// Natively, a large batch is split into one multiscalar multiplication per core (rayon); on wasm32 it
    /// runs as one.
    pub fn verify(self) -> bool {
        let g_term = self.g * G;
        msm_vartime(&self.scalars, &self.points) + g_term == RistrettoPoint::identity()
    }
}

/// `Σ cᵢ·Pᵢ`, variable time (public data only), split over the cores where there are several.
pub(crate) fn msm_vartime(scalars: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        if threads > 1 && points.len() >= 4096 {
            let chunk = points.len().div_ceil(threads);
            return scalars
                .par_chunks(chunk)
                .zip(points.par_chunks(chunk))
                .map(|(s, p)| RistrettoPoint::vartime_multiscalar_mul(s, p))
                .reduce(RistrettoPoint::identity, |a, b| a + b);
        }
    }
    RistrettoPoint::vartime_multiscalar_mul(scalars, points)
}

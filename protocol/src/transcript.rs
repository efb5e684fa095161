//! Fiat–Shamir transcripts (SPEC.md §3).
//!
//! Every challenge in the protocol is drawn from a [Merlin](https://merlin.cool) transcript that was opened by
//! [`election_transcript`], so the election fingerprint is always the first thing bound; each proof then
//! appends its own domain label and *every* element of its statement before its commitments. Merlin frames each
//! message with its label and length, so no two statements share a transcript.

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::group::GroupElement;
use crate::manifest::Fingerprint;

/// The label every transcript is created with (SPEC.md §3.1).
pub const PROTOCOL_LABEL: &[u8] = b"rv-verifiable-voting/v1";

/// SPEC.md §3.1: a fresh transcript with the election fingerprint bound first.
pub fn election_transcript(fingerprint: &Fingerprint) -> Transcript {
    let mut t = Transcript::new(PROTOCOL_LABEL);
    t.append_message(b"fingerprint", fingerprint.as_bytes());
    t
}

/// The operations proofs use on a transcript (SPEC.md §3.2 lists their byte layout).
pub trait TranscriptProtocol {
    /// A proof's domain label: `append_message("dom-sep", label)`.
    fn domain_sep(&mut self, label: &'static [u8]);
    fn append_element(&mut self, label: &'static [u8], e: &GroupElement);
    fn append_compressed(&mut self, label: &'static [u8], c: &CompressedRistretto);
    fn append_scalar(&mut self, label: &'static [u8], s: &Scalar);
    fn append_len(&mut self, label: &'static [u8], n: usize);
    /// A challenge scalar: 64 challenge bytes reduced modulo ℓ.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
    /// A ChaCha20 stream keyed by 32 challenge bytes, for many challenge scalars at once (SPEC.md §3.3).
    fn challenge_stream(&mut self, label: &'static [u8]) -> ChallengeStream;
}

impl TranscriptProtocol for Transcript {
    fn domain_sep(&mut self, label: &'static [u8]) {
        self.append_message(b"dom-sep", label);
    }
    fn append_element(&mut self, label: &'static [u8], e: &GroupElement) {
        self.append_message(label, e.compressed().as_bytes());
    }
    fn append_compressed(&mut self, label: &'static [u8], c: &CompressedRistretto) {
        self.append_message(label, c.as_bytes());
    }
    fn append_scalar(&mut self, label: &'static [u8], s: &Scalar) {
        self.append_message(label, s.as_bytes());
    }
    fn append_len(&mut self, label: &'static [u8], n: usize) {
        self.append_u64(label, n as u64);
    }
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
    fn challenge_stream(&mut self, label: &'static [u8]) -> ChallengeStream {
        let mut seed = [0u8; 32];
        self.challenge_bytes(label, &mut seed);
        ChallengeStream(ChaCha20Rng::from_seed(seed))
    }
}

/// SPEC.md §3.3: scalars number 0, 1, 2, … of a ChaCha20 stream (RFC 8439 block function, 20 rounds, zero
/// nonce, counter from 0), each from 64 consecutive output bytes reduced modulo ℓ.
#[derive(Debug)]
pub struct ChallengeStream(ChaCha20Rng);

impl ChallengeStream {
    pub fn next_scalar(&mut self) -> Scalar {
        use rand_chacha::rand_core::RngCore;
        let mut wide = [0u8; 64];
        self.0.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

/// A type that binds itself into a transcript, so no proof invents its own layout for a shared type.
pub trait AppendToTranscript {
    fn append_to_transcript(&self, t: &mut Transcript);
}

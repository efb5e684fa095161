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

use crate::fingerprint::Fingerprint;
use crate::group::GroupElement;

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
    /// `point(label, e)`: appends the 32-byte canonical encoding (SPEC.md §3).
    fn append_element(&mut self, label: &'static [u8], e: &GroupElement);
    /// As [`append_element`](Self::append_element), from an encoding alone.
    fn append_compressed(&mut self, label: &'static [u8], c: &CompressedRistretto);
    /// Appends the scalar's 32 little-endian bytes.
    fn append_scalar(&mut self, label: &'static [u8], s: &Scalar);
    /// `len(label, n)`: `append_u64(label, n)`, little-endian as in Merlin (SPEC.md §3).
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
    /// The next scalar `ρᵢ`: 64 output bytes, wide-reduced modulo ℓ (SPEC.md §2.2).
    pub fn next_scalar(&mut self) -> Scalar {
        use rand_chacha::rand_core::RngCore;
        let mut wide = [0u8; 64];
        self.0.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    /// Scalar number `index` (0-based) of the stream, as [`next_scalar`](Self::next_scalar) would draw it after
    /// `index` others: ChaCha20 block `index` (64 bytes), since a scalar takes one block. For a prover that needs
    /// the challenges in another order than they are drawn (the shuffle's `u_π(i)`, SPEC.md §9.7), without holding
    /// them all. Leaves the stream where it was.
    pub fn scalar_at(&self, index: u64) -> Scalar {
        use rand_chacha::rand_core::RngCore;
        let mut rng = self.0.clone();
        rng.set_word_pos(16 * u128::from(index));
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    /// Scalars number `start … start + n − 1` (0-based) of the 128-bit draw
    /// ([`scalars_128`](Self::scalars_128) gives them all from 0): a streamed prover or verifier draws the weights of
    /// one chunk of pairs at a time. Leaves the stream where it was.
    pub fn scalars_128_at(&self, start: u64, n: usize) -> Vec<Scalar> {
        let mut rng = Self(self.0.clone());
        // 16 bytes a scalar: four 32-bit words of the ChaCha20 stream.
        rng.0.set_word_pos(4 * u128::from(start));
        rng.scalars_128(n)
    }

    /// SPEC.md §3.3, 128-bit draw: `n` scalars `ρ₁ … ρₙ`, `ρᵢ` the little-endian integer of output bytes
    /// `16(i−1) … 16i−1` of the stream (below `2¹²⁸ < ℓ`, so no reduction). For folding weights, where a
    /// wrong item survives with probability `≤ 2⁻¹²⁸` and a multiscalar multiplication by them costs half as
    /// much as by full scalars. A stream serves either this draw or [`next_scalar`](Self::next_scalar), never both.
    pub fn scalars_128(mut self, n: usize) -> Vec<Scalar> {
        use rand_chacha::rand_core::RngCore;
        let mut out = Vec::with_capacity(n);
        let mut block = [0u8; 16 * 64];
        while out.len() < n {
            let bytes = &mut block[..16 * (n - out.len()).min(64)];
            self.0.fill_bytes(bytes);
            out.extend(bytes.chunks_exact(16).map(|c| {
                let mut le = [0u8; 16];
                le.copy_from_slice(c);
                Scalar::from(u128::from_le_bytes(le))
            }));
        }
        out
    }
}

/// A type that binds itself into a transcript, so no proof invents its own layout for a shared type.
pub trait AppendToTranscript {
    /// Appends `self` under the type's own labels, in its fixed order.
    fn append_to_transcript(&self, t: &mut Transcript);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::RngCore;

    /// `scalar_at(i)` is the `i`-th scalar `next_scalar` draws, in any order, without moving the stream.
    #[test]
    fn scalar_at_is_the_drawn_scalar() {
        let mut stream = Transcript::new(b"kat").challenge_stream(b"u");
        let at: Vec<Scalar> = [5u64, 0, 3].iter().map(|&i| stream.scalar_at(i)).collect();
        let drawn: Vec<Scalar> = (0..6).map(|_| stream.next_scalar()).collect();
        assert_eq!(at, [drawn[5], drawn[0], drawn[3]]);
    }

    /// The 128-bit draw is the stream's bytes, 16 at a time, little-endian, across the internal buffer's ends.
    #[test]
    fn scalars_128_are_consecutive_16_byte_words() {
        let mut seed = [0u8; 32];
        Transcript::new(b"kat").challenge_bytes(b"rho", &mut seed);
        let mut raw = vec![0u8; 16 * 200];
        ChaCha20Rng::from_seed(seed).fill_bytes(&mut raw);
        let rho = Transcript::new(b"kat").challenge_stream(b"rho").scalars_128(200);
        assert_eq!(rho.len(), 200);
        for (r, b) in rho.iter().zip(raw.chunks_exact(16)) {
            assert_eq!(&r.as_bytes()[..16], b);
            assert_eq!(&r.as_bytes()[16..], &[0u8; 16]);
        }
        let short = Transcript::new(b"kat").challenge_stream(b"rho").scalars_128(65);
        assert_eq!(short[..], rho[..65]);
        assert_ne!(Transcript::new(b"kat").challenge_stream(b"other").scalars_128(1)[0], rho[0]);
    }
}

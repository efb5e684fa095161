//! Schnorr proof of knowledge of a discrete logarithm (SPEC: SPEC.md §10.4).
//!
//! Statement: `X = x·G`. Used by every trustee of the key ceremony for its constant term `a_{i,0}` (whose
//! commitment is `C_{i,0} = a_{i,0}·G`) and for its share-encryption key.
//!
//! `T = k·G`, `c = H(transcript)`, `s = k + c·x`                                   — SPEC.md §10 eq. (K4)
//!
//! `s·G = T + c·X`                                                                  — SPEC.md §10 eq. (K5)

use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use super::BatchVerifier;
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::base_mul;
use crate::error::ProofError;
use crate::group::{random_scalar, GroupElement};
use crate::transcript::TranscriptProtocol;

/// The proof's domain label in the transcript (SPEC.md §10.4).
pub const DOMAIN: &[u8] = b"rv/proof/schnorr/v1";
const NAME: &str = "Schnorr proof";

/// What a Schnorr proof claims: knowledge of `x` with `X = x·G`.
#[derive(Debug, Clone, Copy)]
pub struct SchnorrStatement<'a> {
    /// `X`.
    pub x: &'a GroupElement,
}

/// The discrete logarithm `x`. Borrowed, so its owner wipes it.
#[derive(Clone, Copy)]
pub struct SchnorrWitness<'a> {
    /// The discrete logarithm `x`.
    pub x: &'a Scalar,
}

impl core::fmt::Debug for SchnorrWitness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SchnorrWitness(<redacted>)")
    }
}

/// A Schnorr proof (SPEC.md §10.4 eq. (K4)); encoded `T ‖ s`, 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct SchnorrProof {
    /// `T = k·G`, non-identity.
    pub t: GroupElement,
    /// `s = k + c·x`.
    #[serde(with = "crate::group::scalar_hex")]
    pub s: Scalar,
}

fn append_statement(t: &mut Transcript, st: &SchnorrStatement<'_>) {
    t.domain_sep(DOMAIN);
    t.append_element(b"X", st.x);
}

impl SchnorrProof {
    /// SPEC.md §10 eq. (K4).
    pub fn prove<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        statement: &SchnorrStatement<'_>,
        witness: &SchnorrWitness<'_>,
        rng: &mut R,
    ) -> Self {
        append_statement(transcript, statement);
        let mut nonce_rng = transcript.build_rng().rekey_with_witness_bytes(b"x", witness.x.as_bytes()).finalize(rng);
        let k = zeroize::Zeroizing::new(random_scalar(&mut nonce_rng));
        let t = GroupElement::new(base_mul(&k));
        transcript.append_element(b"T", &t);
        let c = transcript.challenge_scalar(b"c");
        Self { t, s: *k + c * witness.x }
    }

    /// Checks this proof alone (SPEC.md §10 eq. (K5)).
    pub fn verify(&self, transcript: &mut Transcript, statement: &SchnorrStatement<'_>) -> Result<(), ProofError> {
        let mut seed = [0u8; 32];
        let mut t = transcript.clone();
        t.challenge_bytes(b"batch-weights", &mut seed);
        let mut batch = BatchVerifier::from_seed(seed);
        self.verify_into(transcript, statement, &mut batch)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(ProofError::EquationFailed { proof: NAME })
        }
    }

    /// Queues `z·(s·G − T − c·X) = 0`.
    pub fn verify_into(
        &self,
        transcript: &mut Transcript,
        statement: &SchnorrStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<(), ProofError> {
        if self.t.is_identity() {
            return Err(ProofError::IdentityCommitment { proof: NAME });
        }
        append_statement(transcript, statement);
        transcript.append_element(b"T", &self.t);
        let c = transcript.challenge_scalar(b"c");
        let z = batch.weight();
        batch.add_g(z * self.s);
        batch.add(-z, *self.t.point());
        batch.add(-(z * c), *statement.x.point());
        Ok(())
    }
}

crate::serde_via_codec!(SchnorrProof);

impl Encode for SchnorrProof {
    fn encode(&self, w: &mut Writer) {
        w.element(&self.t).scalar(&self.s);
    }
}

impl Decode for SchnorrProof {
    const WHAT: &'static str = "Schnorr proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { t: r.nonidentity_element("schnorr.T")?, s: r.scalar("schnorr.s")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Fingerprint;
    use crate::transcript::election_transcript;
    use rand::rngs::OsRng;

    const FP: Fingerprint = Fingerprint([7; 32]);

    /// SPEC.md: exercises K4, K5.
    #[test]
    fn completeness_and_tampering() {
        let x = random_scalar(&mut OsRng);
        let big_x = GroupElement::new(base_mul(&x));
        let st = SchnorrStatement { x: &big_x };
        let p = SchnorrProof::prove(&mut election_transcript(&FP), &st, &SchnorrWitness { x: &x }, &mut OsRng);
        assert_eq!(p.verify(&mut election_transcript(&FP), &st), Ok(()));
        assert_eq!(SchnorrProof::from_bytes(&p.to_bytes()).unwrap(), p);
        let failed = Err(ProofError::EquationFailed { proof: NAME });
        assert_eq!(p.verify(&mut election_transcript(&Fingerprint([8; 32])), &st), failed);
        let mut q = p.clone();
        q.s += Scalar::ONE;
        assert_eq!(q.verify(&mut election_transcript(&FP), &st), failed);
        let other = GroupElement::new(base_mul(&(x + Scalar::ONE)));
        assert_eq!(p.verify(&mut election_transcript(&FP), &SchnorrStatement { x: &other }), failed);
        // A wrong witness gives a proof that fails.
        let wrong = x + Scalar::ONE;
        let q = SchnorrProof::prove(&mut election_transcript(&FP), &st, &SchnorrWitness { x: &wrong }, &mut OsRng);
        assert_eq!(q.verify(&mut election_transcript(&FP), &st), failed);
    }
}

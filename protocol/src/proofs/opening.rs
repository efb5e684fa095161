//! Proof that public Feldman values open Pedersen commitments (SPEC.md §10.7, eq. (K7)).
//!
//! Statement: Pedersen commitments `P_k = a_k·G + b_k·H` and claimed Feldman values `A_k`, `k = 0 … t−1`, with `H`
//! the ceremony's second generator (no one knows `log_G H`). The prover shows that it knows `a_k` and `b_k` with
//!
//! `A_k = a_k·G` and `P_k − A_k = b_k·H` for every `k`.
//!
//! Then `P_k = a_k·G + b_k·H`, and since Pedersen commitments are binding (a second opening of `P_k` gives
//! `log_G H`), `a_k` is the coefficient the dealer committed to: the `A_k` cannot be chosen after the commitments,
//! which is what stops the key from being biased.
//!
//! Commitments `T_k = u_k·G`, `U_k = v_k·H`; one challenge `c`; responses `z_k = u_k + c·a_k`, `w_k = v_k + c·b_k`.
//! Checks: `z_k·G = T_k + c·A_k` and `w_k·H = U_k + c·(P_k − A_k)`, batched.

use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::BatchVerifier;
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::base_mul;
use crate::error::ProofError;
use crate::group::{random_scalar, GroupElement};
use crate::transcript::TranscriptProtocol;

/// The proof's domain label in the transcript (SPEC.md §10.7).
pub const DOMAIN: &[u8] = b"rv/proof/pedersen-opening/v1";
const NAME: &str = "Pedersen opening proof";
use crate::limits::MAX_TERMS;

/// `P_k` (Pedersen commitments), `A_k` (claimed Feldman values), and `H`.
#[derive(Debug, Clone, Copy)]
pub struct OpeningStatement<'a> {
    /// `H`, the ceremony's second generator.
    pub h: &'a GroupElement,
    /// The Pedersen commitments `P_k`, `k = 0 … t−1`.
    pub pedersen: &'a [GroupElement],
    /// The claimed Feldman values `A_k`, as many as `pedersen`.
    pub feldman: &'a [GroupElement],
}

/// The openings `(a_k, b_k)`. Borrowed, so their owner wipes them.
#[derive(Clone, Copy)]
pub struct OpeningWitness<'a> {
    /// The coefficients `a_k` (`A_k = a_k·G`).
    pub a: &'a [Scalar],
    /// The blinding scalars `b_k` (`P_k − A_k = b_k·H`).
    pub b: &'a [Scalar],
}

impl core::fmt::Debug for OpeningWitness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OpeningWitness(<redacted>)")
    }
}

/// One term of the proof: `T_k`, `U_k` (not the identity), `z_k`, `w_k`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct OpeningTerm {
    /// `T_k = u_k·G`.
    pub t: GroupElement,
    /// `U_k = v_k·H`.
    pub u: GroupElement,
    /// `z_k = u_k + c·a_k`.
    #[serde(with = "crate::group::scalar_hex")]
    pub z: Scalar,
    /// `w_k = v_k + c·b_k`.
    #[serde(with = "crate::group::scalar_hex")]
    pub w: Scalar,
}

/// The opening proof (SPEC.md §10.7 eq. (K7)): one term per commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct OpeningProof {
    /// One term per `k`, in order.
    pub terms: Vec<OpeningTerm>,
}

fn append_statement(t: &mut Transcript, st: &OpeningStatement<'_>) -> Result<(), ProofError> {
    if st.pedersen.is_empty() {
        return Err(ProofError::EmptyStatement { proof: NAME });
    }
    if st.pedersen.len() != st.feldman.len() {
        return Err(ProofError::SizeMismatch {
            proof: NAME,
            statement: st.pedersen.len(),
            proof_len: st.feldman.len(),
        });
    }
    t.domain_sep(DOMAIN);
    t.append_element(b"H", st.h);
    t.append_len(b"t", st.pedersen.len());
    for (p, a) in st.pedersen.iter().zip(st.feldman) {
        t.append_element(b"P", p);
        t.append_element(b"A", a);
    }
    Ok(())
}

impl OpeningProof {
    /// Proves that `feldman` opens `pedersen` (eq. (K7)); fails with [`ProofError`] if the statement is empty, its two
    /// lists differ in length, or the witness's size is not the statement's.
    pub fn prove<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        statement: &OpeningStatement<'_>,
        witness: &OpeningWitness<'_>,
        rng: &mut R,
    ) -> Result<Self, ProofError> {
        append_statement(transcript, statement)?;
        if witness.a.len() != statement.pedersen.len() || witness.b.len() != statement.pedersen.len() {
            return Err(ProofError::SizeMismatch {
                proof: NAME,
                statement: statement.pedersen.len(),
                proof_len: witness.a.len(),
            });
        }
        let builder = witness
            .a
            .iter()
            .chain(witness.b)
            .fold(transcript.build_rng(), |b, x| b.rekey_with_witness_bytes(b"x", x.as_bytes()));
        let mut nonce_rng = builder.finalize(rng);
        let nonces: Vec<(Zeroizing<Scalar>, Zeroizing<Scalar>)> = (0..witness.a.len())
            .map(|_| (Zeroizing::new(random_scalar(&mut nonce_rng)), Zeroizing::new(random_scalar(&mut nonce_rng))))
            .collect();
        let h = statement.h.point();
        let commitments: Vec<(GroupElement, GroupElement)> =
            nonces.iter().map(|(u, v)| (GroupElement::new(base_mul(u)), GroupElement::new(**v * h))).collect();
        for (t, u) in &commitments {
            transcript.append_element(b"T", t);
            transcript.append_element(b"U", u);
        }
        let c = transcript.challenge_scalar(b"c");
        let terms = commitments
            .into_iter()
            .zip(&nonces)
            .zip(witness.a.iter().zip(witness.b))
            .map(|(((t, u), (nu, nv)), (a, b))| OpeningTerm { t, u, z: **nu + c * a, w: **nv + c * b })
            .collect();
        Ok(Self { terms })
    }

    /// Checks this proof alone (K7). The 2t equations are combined with weights drawn from the transcript only
    /// after every response is bound (`append_message("z", z_k)`, `append_message("w", w_k)`, `k` ascending,
    /// then `challenge_bytes("batch-weights", 32)` keys the ChaCha20 stream of `z₁, z₂` per term, SPEC.md §7.4,
    /// §10.7): weights the prover could predict before choosing its responses would let it trade an error in one
    /// equation against another, and so reveal an `A_k` it did not commit to.
    pub fn verify(&self, transcript: &mut Transcript, statement: &OpeningStatement<'_>) -> Result<(), ProofError> {
        let c = self.challenge(transcript, statement)?;
        for term in &self.terms {
            transcript.append_scalar(b"z", &term.z);
            transcript.append_scalar(b"w", &term.w);
        }
        let mut seed = [0u8; 32];
        transcript.challenge_bytes(b"batch-weights", &mut seed);
        let mut batch = BatchVerifier::from_seed(seed);
        self.queue(c, statement, &mut batch);
        if batch.verify() {
            Ok(())
        } else {
            Err(ProofError::EquationFailed { proof: NAME })
        }
    }

    /// Queues `z_k·G − T_k − c·A_k = 0` and `w_k·H − U_k − c·(P_k − A_k) = 0` for every `k`, weighted by the
    /// batch's weights (which must come from the verifier's own randomness, SPEC.md §7.4).
    pub fn verify_into(
        &self,
        transcript: &mut Transcript,
        statement: &OpeningStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<(), ProofError> {
        let c = self.challenge(transcript, statement)?;
        self.queue(c, statement, batch);
        Ok(())
    }

    /// The shape checks, then the transcript: the statement, every `T_k` and `U_k`; returns `c`.
    fn challenge(&self, transcript: &mut Transcript, statement: &OpeningStatement<'_>) -> Result<Scalar, ProofError> {
        append_statement(transcript, statement)?;
        if self.terms.len() != statement.pedersen.len() {
            return Err(ProofError::SizeMismatch {
                proof: NAME,
                statement: statement.pedersen.len(),
                proof_len: self.terms.len(),
            });
        }
        if self.terms.iter().any(|term| term.t.is_identity() || term.u.is_identity()) {
            return Err(ProofError::IdentityCommitment { proof: NAME });
        }
        for term in &self.terms {
            transcript.append_element(b"T", &term.t);
            transcript.append_element(b"U", &term.u);
        }
        Ok(transcript.challenge_scalar(b"c"))
    }

    fn queue(&self, c: Scalar, statement: &OpeningStatement<'_>, batch: &mut BatchVerifier) {
        let h = *statement.h.point();
        let mut w_sum = Scalar::ZERO;
        for ((term, p), a) in self.terms.iter().zip(statement.pedersen).zip(statement.feldman) {
            let (z1, z2) = (batch.weight(), batch.weight());
            batch.add_g(z1 * term.z);
            batch.add(-z1, *term.t.point());
            batch.add(-(z1 * c) + z2 * c, *a.point());
            w_sum += z2 * term.w;
            batch.add(-z2, *term.u.point());
            batch.add(-(z2 * c), *p.point());
        }
        batch.add(w_sum, h);
    }
}

impl Encode for OpeningTerm {
    fn encode(&self, w: &mut Writer) {
        w.element(&self.t).element(&self.u).scalar(&self.z).scalar(&self.w);
    }
}
impl Decode for OpeningTerm {
    const WHAT: &'static str = "opening term";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            t: r.nonidentity_element("opening.T")?,
            u: r.nonidentity_element("opening.U")?,
            z: r.scalar("opening.z")?,
            w: r.scalar("opening.w")?,
        })
    }
}
impl Encode for OpeningProof {
    fn encode(&self, w: &mut Writer) {
        w.seq(&self.terms);
    }
}
impl Decode for OpeningProof {
    const WHAT: &'static str = "Pedersen opening proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { terms: r.seq("opening.terms", MAX_TERMS)? })
    }
}
crate::serde_via_codec!(OpeningTerm);
crate::serde_via_codec!(OpeningProof);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::derive_generator;
    use rand::rngs::OsRng;

    fn setup(t: usize) -> (GroupElement, Vec<Scalar>, Vec<Scalar>, Vec<GroupElement>, Vec<GroupElement>) {
        let h = GroupElement::new(derive_generator(b"test", b"H", 0));
        let a: Vec<Scalar> = (0..t).map(|_| random_scalar(&mut OsRng)).collect();
        let b: Vec<Scalar> = (0..t).map(|_| random_scalar(&mut OsRng)).collect();
        let p = a.iter().zip(&b).map(|(a, b)| GroupElement::new(base_mul(a) + b * h.point())).collect();
        let f = a.iter().map(|a| GroupElement::new(base_mul(a))).collect();
        (h, a, b, p, f)
    }

    #[test]
    fn completeness_and_soundness_against_a_changed_feldman_value() {
        let (h, a, b, p, f) = setup(3);
        let st = OpeningStatement { h: &h, pedersen: &p, feldman: &f };
        let tr = || Transcript::new(b"test");
        let proof = OpeningProof::prove(&mut tr(), &st, &OpeningWitness { a: &a, b: &b }, &mut OsRng).unwrap();
        proof.verify(&mut tr(), &st).unwrap();
        assert_eq!(OpeningProof::from_bytes(&proof.to_bytes()).unwrap(), proof);
        let json = serde_json::to_string(&proof).unwrap();
        assert_eq!(serde_json::from_str::<OpeningProof>(&json).unwrap(), proof);
        // Another A_1 (say, a different constant term's commitment): the proof fails, and so does any proof the
        // dealer could make for it without log_G H.
        let mut f2 = f.clone();
        f2[1] = GroupElement::new(f2[1].point() + h.point());
        let st2 = OpeningStatement { h: &h, pedersen: &p, feldman: &f2 };
        assert!(proof.verify(&mut tr(), &st2).is_err());
        let mut b2 = b.clone();
        b2[1] -= Scalar::ONE;
        let forged = OpeningProof::prove(&mut tr(), &st2, &OpeningWitness { a: &a, b: &b2 }, &mut OsRng).unwrap();
        assert!(forged.verify(&mut tr(), &st2).is_err());
        // Another transcript: fails.
        assert!(proof.verify(&mut Transcript::new(b"other"), &st).is_err());
    }

    /// The attack: weights a prover can predict. A dealer who knows the batch weights `z₁, z₂` of term 0 moves
    /// its revealed `A_0` (the key contribution) by `δ·G` after seeing the others' reveals, and cancels the two
    /// equations' errors `∓c·δ·G` in the weighted sum by adding `e = c·δ·(z₁ − z₂)/z₁` to `z_0`. Each equation
    /// is false, so the proof must fail however the verifier combines them.
    #[test]
    fn a_dealer_who_predicts_the_weights_cannot_move_its_key_contribution() {
        let (h, a, b, p, f) = setup(3);
        let prefix = || Transcript::new(b"reveal of trustee 1");
        let delta = random_scalar(&mut OsRng);
        let mut moved = f.clone();
        moved[0] = GroupElement::new(f[0].point() + base_mul(&delta));
        let st = OpeningStatement { h: &h, pedersen: &p, feldman: &moved };
        // Honest commitments and responses for the moved statement (the challenge binds the moved A_0).
        let mut proof = OpeningProof::prove(&mut prefix(), &st, &OpeningWitness { a: &a, b: &b }, &mut OsRng).unwrap();
        let mut t = prefix();
        append_statement(&mut t, &st).unwrap();
        for term in &proof.terms {
            t.append_element(b"T", &term.t);
            t.append_element(b"U", &term.u);
        }
        let c = t.challenge_scalar(b"c");
        // The weights as the verifier drew them before this fix (from the transcript before the statement): the
        // prover computes them, as it could any seed fixed before its responses.
        let mut seed = [0u8; 32];
        prefix().challenge_bytes(b"batch-weights", &mut seed);
        let mut predicted = BatchVerifier::from_seed(seed);
        let (z1, z2) = (predicted.weight(), predicted.weight());
        proof.terms[0].z += c * delta * (z1 - z2) * z1.invert();
        assert!(
            proof.verify(&mut prefix(), &st).is_err(),
            "a reveal whose A_0 was moved after the commitments passed the opening check"
        );
        // The honest reveal of the same trustee still passes.
        let honest = OpeningStatement { h: &h, pedersen: &p, feldman: &f };
        let good = OpeningProof::prove(&mut prefix(), &honest, &OpeningWitness { a: &a, b: &b }, &mut OsRng).unwrap();
        good.verify(&mut prefix(), &honest).unwrap();
    }

    #[test]
    fn json_refuses_what_binary_refuses() {
        let (h, a, b, p, f) = setup(1);
        let st = OpeningStatement { h: &h, pedersen: &p, feldman: &f };
        let proof =
            OpeningProof::prove(&mut Transcript::new(b"t"), &st, &OpeningWitness { a: &a, b: &b }, &mut OsRng).unwrap();
        let mut v = serde_json::to_value(&proof).unwrap();
        v["terms"][0]["u"] = serde_json::json!("00".repeat(32));
        let err = serde_json::from_value::<OpeningProof>(v).unwrap_err().to_string();
        assert!(err.contains("opening.U: the identity point is not allowed"), "{err}");
    }
}

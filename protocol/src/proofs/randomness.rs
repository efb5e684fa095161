//! Proof of knowledge of the encryption randomness of every ciphertext of a contest, bound to the voter's
//! credential (SPEC.md §7.1). This is what makes ballots non-malleable: nobody can re-use another voter's
//! ciphertexts without knowing their randomness, and a proof made for one credential fails under another.
//!
//! For ciphertexts `(Aⱼ, Bⱼ) = (rⱼ·G, Mⱼ + rⱼ·Y)`, `j = 1..w`, the prover picks nonces `kⱼ` and sends
//!
//! `Tⱼ = kⱼ·G`,   `c = H(transcript)`,   `sⱼ = kⱼ + c·rⱼ`                       — SPEC.md eq. (10)
//!
//! and the verifier checks, for every `j`,
//!
//! `sⱼ·G = Tⱼ + c·Aⱼ`                                                           — SPEC.md eq. (11)
//!
//! (Schnorr's protocol, one instance per ciphertext, one challenge for all.)

use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use super::BatchVerifier;
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::{base_mul, Ciphertext};
use crate::error::ProofError;
use crate::group::GroupElement;
use crate::transcript::TranscriptProtocol;

pub const DOMAIN: &[u8] = b"rv/proof/encryption-randomness/v1";
const NAME: &str = "encryption-randomness proof";

/// The public statement: whose ballot, which contest, which ciphertexts.
#[derive(Debug, Clone, Copy)]
pub struct RandomnessStatement<'a> {
    /// The voter's Ed25519 credential public key, 32 bytes.
    pub credential: &'a [u8; 32],
    /// The contest's index in the manifest.
    pub contest: u32,
    pub ciphertexts: &'a [Ciphertext],
}

/// The secret witness: the randomness `rⱼ` of each ciphertext. Borrowed, so its owner wipes it.
#[derive(Clone, Copy)]
pub struct RandomnessWitness<'a> {
    pub randomness: &'a [Scalar],
}

impl core::fmt::Debug for RandomnessWitness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RandomnessWitness(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RandomnessProof {
    /// `Tⱼ`
    pub commitments: Vec<GroupElement>,
    /// `sⱼ`
    #[serde(with = "crate::group::scalar_vec_hex")]
    pub responses: Vec<Scalar>,
}

fn append_statement(t: &mut Transcript, st: &RandomnessStatement<'_>) {
    t.domain_sep(DOMAIN);
    t.append_message(b"credential", st.credential);
    t.append_u64(b"contest", u64::from(st.contest));
    t.append_len(b"width", st.ciphertexts.len());
    for c in st.ciphertexts {
        t.append_element(b"A", &c.a);
        t.append_element(b"B", &c.b);
    }
}

impl RandomnessProof {
    /// SPEC.md §7.1, eq. (10).
    pub fn prove<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        statement: &RandomnessStatement<'_>,
        witness: &RandomnessWitness<'_>,
        rng: &mut R,
    ) -> Result<Self, ProofError> {
        let w = statement.ciphertexts.len();
        if witness.randomness.len() != w {
            return Err(ProofError::SizeMismatch { proof: NAME, statement: w, proof_len: witness.randomness.len() });
        }
        append_statement(transcript, statement);
        // Nonces from the transcript, rekeyed with the witness and the caller's RNG (SPEC.md §3.4).
        let mut nonce_rng = witness
            .randomness
            .iter()
            .fold(transcript.build_rng(), |b, r| b.rekey_with_witness_bytes(b"r", r.as_bytes()))
            .finalize(rng);
        let nonces: Vec<Scalar> = (0..w).map(|_| crate::group::random_scalar(&mut nonce_rng)).collect();
        let commitments: Vec<GroupElement> = nonces.iter().map(|k| GroupElement::new(base_mul(k))).collect();
        for t in &commitments {
            transcript.append_element(b"T", t);
        }
        let c = transcript.challenge_scalar(b"c");
        let responses = nonces.iter().zip(witness.randomness).map(|(k, r)| k + c * r).collect();
        Ok(Self { commitments, responses })
    }

    /// Checks this proof alone (SPEC.md eq. (11)).
    pub fn verify(&self, transcript: &mut Transcript, statement: &RandomnessStatement<'_>) -> Result<(), ProofError> {
        let mut seed = [0u8; 32];
        let mut batch = {
            // The weights may come from the transcript: by then everything they weigh is fixed.
            let mut t = transcript.clone();
            t.challenge_bytes(b"batch-weights", &mut seed);
            BatchVerifier::from_seed(seed)
        };
        self.verify_into(transcript, statement, &mut batch)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(ProofError::EquationFailed { proof: NAME })
        }
    }

    /// Queues eq. (11) for every `j`, weighted: `Σⱼ zⱼ·(sⱼ·G − Tⱼ − c·Aⱼ) = 0` (SPEC.md §7.4).
    pub fn verify_into(
        &self,
        transcript: &mut Transcript,
        statement: &RandomnessStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<(), ProofError> {
        let w = statement.ciphertexts.len();
        if w == 0 {
            return Err(ProofError::EmptyStatement { proof: NAME });
        }
        for len in [self.commitments.len(), self.responses.len()] {
            if len != w {
                return Err(ProofError::SizeMismatch { proof: NAME, statement: w, proof_len: len });
            }
        }
        if self.commitments.iter().any(GroupElement::is_identity) {
            return Err(ProofError::IdentityCommitment { proof: NAME });
        }
        append_statement(transcript, statement);
        for t in &self.commitments {
            transcript.append_element(b"T", t);
        }
        let c = transcript.challenge_scalar(b"c");
        batch.reserve(2 * w);
        let mut g = Scalar::ZERO;
        for ((t, s), ct) in self.commitments.iter().zip(&self.responses).zip(statement.ciphertexts) {
            let z = batch.weight();
            g += z * s;
            batch.add(-z, *t.point());
            batch.add(-(z * c), *ct.a.point());
        }
        batch.add_g(g);
        Ok(())
    }
}

impl Encode for RandomnessProof {
    fn encode(&self, w: &mut Writer) {
        w.seq(&self.commitments).seq(&self.responses);
    }
}

impl Decode for RandomnessProof {
    const WHAT: &'static str = "randomness proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.u32("proof.commitments")? as usize;
        if n > crate::manifest::MAX_CHUNKS {
            return Err(DecodeError::TooLong { what: "proof.commitments", len: n, max: crate::manifest::MAX_CHUNKS });
        }
        let commitments = (0..n).map(|_| r.nonidentity_element("proof.T")).collect::<Result<_, _>>()?;
        let responses = r.seq("proof.responses", crate::manifest::MAX_CHUNKS)?;
        Ok(Self { commitments, responses })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::{EncryptionKey, SecretKey};
    use crate::group::random_scalar;
    use crate::manifest::Fingerprint;
    use crate::transcript::election_transcript;
    use curve25519_dalek::RistrettoPoint;
    use rand::rngs::OsRng;

    struct Fixture {
        fp: Fingerprint,
        cts: Vec<Ciphertext>,
        rs: Vec<Scalar>,
        cred: [u8; 32],
    }

    fn fixture(w: usize) -> Fixture {
        let ek = EncryptionKey::new(SecretKey::generate(&mut OsRng).public_key());
        let ms: Vec<_> = (0..w).map(|_| RistrettoPoint::random(&mut OsRng)).collect();
        let (cts, rs) = ek.encrypt_vector(&ms, &mut OsRng);
        Fixture { fp: Fingerprint([7; 32]), cts, rs, cred: [9; 32] }
    }

    fn prove(f: &Fixture) -> RandomnessProof {
        let st = RandomnessStatement { credential: &f.cred, contest: 1, ciphertexts: &f.cts };
        RandomnessProof::prove(
            &mut election_transcript(&f.fp),
            &st,
            &RandomnessWitness { randomness: &f.rs },
            &mut OsRng,
        )
        .unwrap()
    }

    fn check(
        f: &Fixture,
        fp: &Fingerprint,
        cred: &[u8; 32],
        contest: u32,
        p: &RandomnessProof,
    ) -> Result<(), ProofError> {
        let st = RandomnessStatement { credential: cred, contest, ciphertexts: &f.cts };
        p.verify(&mut election_transcript(fp), &st)
    }

    #[test]
    fn completeness_and_encoding() {
        for w in 1..4 {
            let f = fixture(w);
            let p = prove(&f);
            assert_eq!(check(&f, &f.fp, &f.cred, 1, &p), Ok(()));
            assert_eq!(RandomnessProof::from_bytes(&p.to_bytes()).unwrap(), p);
        }
    }

    #[test]
    fn tampering_fails() {
        let f = fixture(2);
        let p = prove(&f);
        let failed = Err(ProofError::EquationFailed { proof: NAME });
        // Wrong fingerprint, wrong credential, wrong contest.
        assert_eq!(check(&f, &Fingerprint([8; 32]), &f.cred, 1, &p), failed);
        assert_eq!(check(&f, &f.fp, &[10; 32], 1, &p), failed);
        assert_eq!(check(&f, &f.fp, &f.cred, 2, &p), failed);
        // Flipped response, swapped commitments.
        let mut q = p.clone();
        q.responses[1] += Scalar::ONE;
        assert_eq!(check(&f, &f.fp, &f.cred, 1, &q), failed);
        let mut q = p.clone();
        q.commitments.swap(0, 1);
        assert_eq!(check(&f, &f.fp, &f.cred, 1, &q), failed);
        // Another ciphertext in the statement.
        let mut g = fixture(2);
        g.cts[0] = f.cts[0];
        g.cts[1] = Ciphertext { a: f.cts[1].a, b: g.cts[1].b };
        assert_eq!(check(&g, &f.fp, &f.cred, 1, &p), failed);
        // A wrong label: a transcript opened differently.
        let st = RandomnessStatement { credential: &f.cred, contest: 1, ciphertexts: &f.cts };
        let mut t = merlin::Transcript::new(b"another protocol");
        t.append_message(b"fingerprint", f.fp.as_bytes());
        assert_eq!(p.verify(&mut t, &st), failed);
        // Wrong sizes and identity commitments.
        let mut q = p.clone();
        q.responses.pop();
        assert!(matches!(check(&f, &f.fp, &f.cred, 1, &q), Err(ProofError::SizeMismatch { .. })));
        let mut q = p.clone();
        q.commitments[0] = GroupElement::identity();
        assert_eq!(check(&f, &f.fp, &f.cred, 1, &q), Err(ProofError::IdentityCommitment { proof: NAME }));
        let mut bytes = p.to_bytes();
        bytes[4..36].copy_from_slice(&[0; 32]);
        assert!(RandomnessProof::from_bytes(&bytes).is_err());
        // A proof for wrong randomness does not verify.
        let mut bad = f.rs.clone();
        bad[0] = random_scalar(&mut OsRng);
        let st = RandomnessStatement { credential: &f.cred, contest: 1, ciphertexts: &f.cts };
        let q = RandomnessProof::prove(
            &mut election_transcript(&f.fp),
            &st,
            &RandomnessWitness { randomness: &bad },
            &mut OsRng,
        )
        .unwrap();
        assert_eq!(check(&f, &f.fp, &f.cred, 1, &q), failed);
    }
}

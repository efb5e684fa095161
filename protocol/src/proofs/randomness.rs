//! Proof of knowledge of the encryption randomness of *every* ciphertext of a ballot, bound to the voter's
//! credential (SPEC.md §7.1, notes: [`crate::notes::ballot_proof`]). This is what makes ballots
//! non-malleable: nobody can re-use another voter's ciphertexts without knowing their randomness, and a proof
//! made for one credential fails under another.
//!
//! For all the ballot's ciphertexts `(Aⱼ, Bⱼ) = (rⱼ·G, Mⱼ + rⱼ·Y)`, `j = 1..m` (contests in manifest order,
//! chunks in order), the prover picks one nonce `k` and sends
//!
//! `T = k·G`,   `c = H(transcript)`,   `s = k + Σⱼ cʲ·rⱼ`                          — SPEC.md eq. (10)
//!
//! and the verifier checks
//!
//! `s·G = T + Σⱼ cʲ·Aⱼ`                                                           — SPEC.md eq. (11)
//!
//! The protocol is (m+1)-special sound: m+1 accepting answers to distinct challenges `c` for one `T` give a
//! Vandermonde system whose solution is every `rⱼ`. So one 64-byte proof shows knowledge of all m values.

use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use super::BatchVerifier;
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::{base_mul, Ciphertext};
use crate::error::ProofError;
use crate::group::{random_scalar, GroupElement};
use crate::transcript::{AppendToTranscript, TranscriptProtocol};

/// The proof's domain label in the transcript (SPEC.md §7.1).
pub const DOMAIN: &[u8] = b"rv/proof/encryption-randomness/v1";
const NAME: &str = "encryption-randomness proof";

/// The public statement: whose ballot, and its ciphertexts contest by contest.
#[derive(Debug, Clone, Copy)]
pub struct RandomnessStatement<'a> {
    /// The voter's Ed25519 credential public key, 32 bytes.
    pub credential: &'a [u8; 32],
    /// The ciphertexts of each contest, in manifest order.
    pub contests: &'a [Vec<Ciphertext>],
}

/// The secret witness: the randomness `rⱼ` of each ciphertext, with the statement's shape. Borrowed, so its
/// owner wipes it.
#[derive(Clone, Copy)]
pub struct RandomnessWitness<'a> {
    /// `rⱼ` of each ciphertext, contest by contest, with the statement's shape.
    pub randomness: &'a [Vec<Scalar>],
}

impl core::fmt::Debug for RandomnessWitness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RandomnessWitness(<redacted>)")
    }
}

/// The ballot proof (SPEC.md §7.1 eq. (10)): `point(T) ‖ scalar(s)`, 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RandomnessProof {
    /// `T`
    pub commitment: GroupElement,
    /// `s`
    #[serde(with = "crate::group::scalar_hex")]
    pub response: Scalar,
}

impl RandomnessStatement<'_> {
    fn ciphertexts(&self) -> impl Iterator<Item = &Ciphertext> {
        self.contests.iter().flatten()
    }
    fn append_to(&self, t: &mut Transcript) -> Result<(), ProofError> {
        if self.contests.is_empty() || self.contests.iter().any(Vec::is_empty) {
            return Err(ProofError::EmptyStatement { proof: NAME });
        }
        t.domain_sep(DOMAIN);
        t.append_message(b"credential", self.credential);
        t.append_len(b"contests", self.contests.len());
        for contest in self.contests {
            t.append_len(b"width", contest.len());
            for c in contest {
                c.append_to_transcript(t);
            }
        }
        Ok(())
    }
}

/// The witness has one `r` per ciphertext of the statement, contest by contest.
fn check_shape(statement: &RandomnessStatement<'_>, witness: &RandomnessWitness<'_>) -> Result<(), ProofError> {
    let shape_ok = witness.randomness.len() == statement.contests.len()
        && witness.randomness.iter().zip(statement.contests).all(|(r, c)| r.len() == c.len());
    if !shape_ok {
        let (statement, proof_len) = (statement.ciphertexts().count(), witness.randomness.iter().flatten().count());
        return Err(ProofError::SizeMismatch { proof: NAME, statement, proof_len });
    }
    Ok(())
}

impl RandomnessProof {
    /// SPEC.md §7.1, eq. (10).
    pub fn prove<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        statement: &RandomnessStatement<'_>,
        witness: &RandomnessWitness<'_>,
        rng: &mut R,
    ) -> Result<Self, ProofError> {
        check_shape(statement, witness)?;
        statement.append_to(transcript)?;
        // The nonce comes from the transcript, rekeyed with the witness and the caller's RNG (SPEC.md §3.4).
        let mut nonce_rng = witness
            .randomness
            .iter()
            .flatten()
            .fold(transcript.build_rng(), |b, r| b.rekey_with_witness_bytes(b"r", r.as_bytes()))
            .finalize(rng);
        let k = zeroize::Zeroizing::new(random_scalar(&mut nonce_rng));
        Ok(Self::respond(transcript, witness, &k))
    }

    /// SPEC.md §7.1 eq. (10) with the nonce of §8.4 eq. (8c): the same proof for the same ballot seed, so that
    /// a device that knows the seed rebuilds the ballot, proof included, byte for byte (a Benaloh challenge is
    /// checked that way). `k` is drawn from a copy of the transcript after the whole statement, keyed with the
    /// seed: `k = challenge("nonce")` after `append_message("ballot-seed", σ)`. It depends on the statement, so
    /// a seed (wrongly) used for two statements still gives two unrelated nonces.
    pub fn prove_seeded(
        transcript: &mut Transcript,
        statement: &RandomnessStatement<'_>,
        witness: &RandomnessWitness<'_>,
        seed: &[u8; 32],
    ) -> Result<Self, ProofError> {
        check_shape(statement, witness)?;
        statement.append_to(transcript)?;
        let mut nonce_transcript = transcript.clone();
        nonce_transcript.append_message(b"ballot-seed", seed);
        let k = zeroize::Zeroizing::new(nonce_transcript.challenge_scalar(b"nonce"));
        Ok(Self::respond(transcript, witness, &k))
    }

    /// `T = k·G` into the transcript, `c`, and eq. (10).
    fn respond(transcript: &mut Transcript, witness: &RandomnessWitness<'_>, k: &Scalar) -> Self {
        let commitment = GroupElement::new(base_mul(k));
        transcript.append_element(b"T", &commitment);
        let c = transcript.challenge_scalar(b"c");
        let mut response = *k;
        let mut c_pow = c;
        for r in witness.randomness.iter().flatten() {
            response += c_pow * r;
            c_pow *= c;
        }
        Self { commitment, response }
    }

    /// Checks this proof alone (SPEC.md eq. (11)).
    pub fn verify(&self, transcript: &mut Transcript, statement: &RandomnessStatement<'_>) -> Result<(), ProofError> {
        // A single equation needs no weight: z = 1.
        let mut batch = BatchVerifier::from_seed([0; 32]);
        self.queue(transcript, statement, &mut batch, Scalar::ONE)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(ProofError::EquationFailed { proof: NAME })
        }
    }

    /// Queues eq. (11) with a random weight `z`: `z·(s·G − T − Σⱼ cʲ·Aⱼ) = 0` (SPEC.md §7.4).
    pub fn verify_into(
        &self,
        transcript: &mut Transcript,
        statement: &RandomnessStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<(), ProofError> {
        let z = batch.weight();
        self.queue(transcript, statement, batch, z)
    }

    fn queue(
        &self,
        transcript: &mut Transcript,
        statement: &RandomnessStatement<'_>,
        batch: &mut BatchVerifier,
        z: Scalar,
    ) -> Result<(), ProofError> {
        if self.commitment.is_identity() {
            return Err(ProofError::IdentityCommitment { proof: NAME });
        }
        statement.append_to(transcript)?;
        transcript.append_element(b"T", &self.commitment);
        let c = transcript.challenge_scalar(b"c");
        batch.reserve(statement.ciphertexts().count() + 1);
        batch.add_g(z * self.response);
        batch.add(-z, *self.commitment.point());
        let mut zc = -(z * c);
        for ct in statement.ciphertexts() {
            batch.add(zc, *ct.a.point());
            zc *= c;
        }
        Ok(())
    }
}

crate::serde_via_codec!(RandomnessProof);

impl Encode for RandomnessProof {
    fn encode(&self, w: &mut Writer) {
        w.element(&self.commitment).scalar(&self.response);
    }
}

impl Decode for RandomnessProof {
    const WHAT: &'static str = "randomness proof";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { commitment: r.nonidentity_element("proof.T")?, response: r.scalar("proof.s")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::{EncryptionKey, SecretKey};
    use crate::fingerprint::Fingerprint;
    use crate::transcript::election_transcript;

    use rand::rngs::OsRng;

    struct Fixture {
        fp: Fingerprint,
        cts: Vec<Vec<Ciphertext>>,
        rs: Vec<Vec<Scalar>>,
        cred: [u8; 32],
    }

    fn fixture(widths: &[usize]) -> Fixture {
        let ek = EncryptionKey::new(SecretKey::generate(&mut OsRng).public_key());
        let (cts, rs) = widths
            .iter()
            .map(|&w| {
                let ms: Vec<_> = (0..w).map(|_| crate::group::random_point(&mut OsRng)).collect();
                ek.encrypt_vector(&ms, &mut OsRng)
            })
            .unzip();
        Fixture { fp: Fingerprint([7; 32]), cts, rs, cred: [9; 32] }
    }

    fn prove_with(f: &Fixture, rs: &[Vec<Scalar>]) -> RandomnessProof {
        let st = RandomnessStatement { credential: &f.cred, contests: &f.cts };
        RandomnessProof::prove(&mut election_transcript(&f.fp), &st, &RandomnessWitness { randomness: rs }, &mut OsRng)
            .unwrap()
    }

    fn check(f: &Fixture, fp: &Fingerprint, cred: &[u8; 32], p: &RandomnessProof) -> Result<(), ProofError> {
        p.verify(&mut election_transcript(fp), &RandomnessStatement { credential: cred, contests: &f.cts })
    }

    #[test]
    fn completeness_and_encoding() {
        for widths in [&[1][..], &[1, 1, 1], &[3, 1, 2]] {
            let f = fixture(widths);
            let p = prove_with(&f, &f.rs);
            assert_eq!(check(&f, &f.fp, &f.cred, &p), Ok(()));
            assert_eq!(RandomnessProof::from_bytes(&p.to_bytes()).unwrap(), p);
        }
    }

    #[test]
    fn tampering_fails() {
        let f = fixture(&[2, 1]);
        let p = prove_with(&f, &f.rs);
        let failed = Err(ProofError::EquationFailed { proof: NAME });
        // Wrong fingerprint, wrong credential.
        assert_eq!(check(&f, &Fingerprint([8; 32]), &f.cred, &p), failed);
        assert_eq!(check(&f, &f.fp, &[10; 32], &p), failed);
        // Flipped response, another commitment.
        let mut q = p.clone();
        q.response += Scalar::ONE;
        assert_eq!(check(&f, &f.fp, &f.cred, &q), failed);
        let mut q = p.clone();
        q.commitment = GroupElement::new(q.commitment.point() + crate::group::G);
        assert_eq!(check(&f, &f.fp, &f.cred, &q), failed);
        // Ciphertexts moved between contests, or swapped, or one B changed.
        let mut g = Fixture {
            fp: f.fp,
            cts: vec![f.cts[0][..1].to_vec(), vec![f.cts[0][1], f.cts[1][0]]],
            rs: vec![],
            cred: f.cred,
        };
        assert_eq!(check(&g, &f.fp, &f.cred, &p), failed);
        g.cts = vec![vec![f.cts[0][1], f.cts[0][0]], f.cts[1].clone()];
        assert_eq!(check(&g, &f.fp, &f.cred, &p), failed);
        g.cts.clone_from(&f.cts);
        g.cts[1][0].b = GroupElement::new(g.cts[1][0].b.point() + crate::group::G);
        assert_eq!(check(&g, &f.fp, &f.cred, &p), failed);
        // A wrong label: a transcript opened differently.
        let st = RandomnessStatement { credential: &f.cred, contests: &f.cts };
        let mut t = merlin::Transcript::new(b"another protocol");
        t.append_message(b"fingerprint", f.fp.as_bytes());
        assert_eq!(p.verify(&mut t, &st), failed);
        // Identity commitment, empty statement.
        let q = RandomnessProof { commitment: GroupElement::identity(), response: p.response };
        assert_eq!(check(&f, &f.fp, &f.cred, &q), Err(ProofError::IdentityCommitment { proof: NAME }));
        let empty = Fixture { fp: f.fp, cts: vec![], rs: vec![], cred: f.cred };
        assert_eq!(check(&empty, &f.fp, &f.cred, &p), Err(ProofError::EmptyStatement { proof: NAME }));
        let mut bytes = p.to_bytes();
        bytes[..32].copy_from_slice(&[0; 32]);
        assert!(RandomnessProof::from_bytes(&bytes).is_err());
        // Randomness known for all but one ciphertext is not enough.
        let mut bad = f.rs.clone();
        bad[1][0] = random_scalar(&mut OsRng);
        assert_eq!(check(&f, &f.fp, &f.cred, &prove_with(&f, &bad)), failed);
        // A witness of the wrong shape is refused.
        let st = RandomnessStatement { credential: &f.cred, contests: &f.cts };
        let short = vec![f.rs[0].clone()];
        let r = RandomnessProof::prove(
            &mut election_transcript(&f.fp),
            &st,
            &RandomnessWitness { randomness: &short },
            &mut OsRng,
        );
        assert!(matches!(r, Err(ProofError::SizeMismatch { .. })));
    }
}

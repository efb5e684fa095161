//! A trustee's secret side of the ceremony (SPEC.md §10.3–§10.7, §10.11): its keys and polynomials,
//! [`TrusteeSecret`], and the messages only it can make: its announcement, dealing, confirmation with
//! complaints, reveal and recovery; then its key share (eq. (K10')). Its checks of others' dealings are the
//! public ones.

use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::checks::{check_dealing, open_and_check, share_for, CeremonyOutcome, ClosedCeremony};
use super::messages::{
    complaint_transcript, dealings_digest, encryption_key_transcript, pedersen_h, reveal_transcript, Announcement,
    Complaint, Confirmation, Dealing, DisclosedShare, EncryptedShare, Recovery, Reveal,
};
use super::poly::eval_poly;
use super::roster::{index_messages, Roster};
use crate::codec::{DecodeError, Reader, Writer};
use crate::elgamal::{base_mul, SecretKey};
use crate::group::{random_scalar, GroupElement, G};
use crate::limits::MAX_TRUSTEES;
use crate::proofs::dleq::{DleqProof, DleqStatement, DleqWitness};
use crate::proofs::opening::{OpeningProof, OpeningStatement, OpeningWitness};
use crate::proofs::schnorr::{SchnorrProof, SchnorrStatement, SchnorrWitness};
use crate::threshold::share::seal;
use crate::threshold::{CeremonyParams, Signed, ThresholdError, TrusteeSigningKey};

#[derive(Zeroize, ZeroizeOnDrop)]
struct ReceivedShare {
    dealer: u16,
    share: Scalar,
    blinding: Scalar,
}

/// Everything a trustee keeps secret: its signing seed, its share-encryption key `e_i`, its two polynomials'
/// coefficients `a_{i,k}`, `b_{i,k}` and the share pairs received. Wiped on drop; prints as redacted; neither
/// `Clone` nor `Serialize`: [`to_secret_bytes`](Self::to_secret_bytes) is the only way out, for encrypted storage.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct TrusteeSecret {
    trustee: u16,
    signing_seed: [u8; 32],
    encryption: Scalar,
    coefficients: Vec<Scalar>,
    blinding: Vec<Scalar>,
    received: Vec<ReceivedShare>,
}

impl core::fmt::Debug for TrusteeSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TrusteeSecret(trustee {}, <redacted>)", self.trustee)
    }
}

const SECRET_VERSION: u8 = 2;

impl TrusteeSecret {
    /// Draws trustee `trustee`'s keys and its two polynomials of degree `t − 1` (eq. (K1)).
    pub fn generate<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        trustee: u16,
        rng: &mut R,
    ) -> Result<Self, ThresholdError> {
        params.check_index(trustee)?;
        let mut signing_seed = [0u8; 32];
        rng.fill_bytes(&mut signing_seed);
        Ok(Self {
            trustee,
            signing_seed,
            encryption: random_scalar(rng),
            coefficients: (0..params.t).map(|_| random_scalar(rng)).collect(),
            blinding: (0..params.t).map(|_| random_scalar(rng)).collect(),
            received: Vec::new(),
        })
    }

    /// The trustee's index `i`.
    pub fn trustee(&self) -> u16 {
        self.trustee
    }
    /// The number of coefficients of the polynomial: the threshold `t` it was made for.
    pub fn threshold(&self) -> usize {
        self.coefficients.len()
    }
    /// The Ed25519 signing key of its seed, which signs its messages (eq. (K0)).
    pub fn signing_key(&self) -> TrusteeSigningKey {
        TrusteeSigningKey::from_seed(&self.signing_seed)
    }
    /// The dealers whose share pairs this trustee holds (after round 3).
    pub fn received_from(&self) -> Vec<u16> {
        self.received.iter().map(|r| r.dealer).collect()
    }

    /// Round 1.
    pub fn announcement<R: RngCore + CryptoRng>(&self, params: &CeremonyParams, rng: &mut R) -> Signed<Announcement> {
        let sk = self.signing_key();
        let signing_key = *sk.verifying_key().as_bytes();
        let encryption_key = GroupElement::new(base_mul(&self.encryption));
        let mut t = encryption_key_transcript(params, self.trustee, &signing_key);
        let proof = SchnorrProof::prove(
            &mut t,
            &SchnorrStatement { x: &encryption_key },
            &SchnorrWitness { x: &self.encryption },
            rng,
        );
        sk.sign(Announcement {
            election: params.digest,
            trustee: self.trustee,
            signing_key,
            encryption_key,
            encryption_key_proof: proof,
        })
    }

    /// Round 2: Pedersen commitments and a share pair for every other trustee of the roster (this trustee must
    /// be in it with the key of its secret state).
    pub fn dealing<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        roster: &Roster,
        rng: &mut R,
    ) -> Result<Signed<Dealing>, ThresholdError> {
        self.check_own_key(roster)?;
        let h = pedersen_h();
        let commitments = self
            .coefficients
            .iter()
            .zip(&self.blinding)
            .map(|(a, b)| GroupElement::new(base_mul(a) + b * h.point()))
            .collect();
        let mut shares = Vec::with_capacity(usize::from(params.n) - 1);
        for j in roster.members().into_iter().filter(|&j| j != self.trustee) {
            let key = roster.encryption_key(j)?;
            let r = Zeroizing::new(random_scalar(rng));
            let ephemeral = GroupElement::new(base_mul(&r));
            let shared = GroupElement::new(*r * key.point());
            let share = Zeroizing::new(eval_poly(&self.coefficients, j));
            let blinding = Zeroizing::new(eval_poly(&self.blinding, j));
            let sealed = seal(&shared, &params.digest, self.trustee, j, &ephemeral, key, &share, &blinding);
            shares.push(EncryptedShare { recipient: j, ephemeral, sealed });
        }
        Ok(self.signing_key().sign(Dealing {
            election: params.digest,
            trustee: self.trustee,
            roster: *roster.digest(),
            commitments,
            shares,
        }))
    }

    fn check_own_key(&self, roster: &Roster) -> Result<(), ThresholdError> {
        if roster.signing_key(self.trustee)? != &self.signing_key().verifying_key() {
            return Err(ThresholdError::KeyMismatch { trustee: self.trustee });
        }
        Ok(())
    }

    /// Round 3: checks every other dealing, keeps the good share pairs, and complains, verifiably, about each
    /// one that cannot be opened or fails eq. (K8). Dealings that fail a *public* check need no complaint
    /// (everyone sees them) and are returned among the problems with the complaints' reasons.
    pub fn confirm<R: RngCore + CryptoRng>(
        &mut self,
        params: &CeremonyParams,
        roster: &Roster,
        dealings: &[Signed<Dealing>],
        rng: &mut R,
    ) -> Result<(Signed<Confirmation>, Vec<ThresholdError>), ThresholdError> {
        self.check_own_key(roster)?;
        let deals = index_messages(params, roster, dealings, "dealing")?;
        let me = self.trustee;
        let my_key = *roster.encryption_key(me)?;
        let mut problems = Vec::new();
        let mut complaints = Vec::new();
        self.received.clear();
        for i in roster.members().into_iter().filter(|&i| i != me) {
            let Some(d) = deals[usize::from(i) - 1] else {
                problems.push(ThresholdError::Missing { kind: "dealing", trustee: i });
                continue;
            };
            if let Err(e) = check_dealing(params, roster, &d.message) {
                problems.push(e);
                continue;
            }
            let enc = share_for(&d.message, me)?;
            let shared = GroupElement::new(self.encryption * enc.ephemeral.point());
            match open_and_check(params, &d.message, me, &my_key, &shared) {
                Ok(pair) => self.received.push(ReceivedShare { dealer: i, share: pair.share, blinding: pair.blinding }),
                Err(e) => {
                    complaints.push(self.complain(params, i, enc, &my_key, shared, rng)?);
                    problems.push(e);
                }
            }
        }
        let all: Vec<&Signed<Dealing>> = deals.iter().flatten().copied().collect();
        let confirmation = self.signing_key().sign(Confirmation {
            election: params.digest,
            trustee: me,
            dealers: all.iter().map(|d| d.message.trustee).collect(),
            dealings: dealings_digest(&all),
            complaints,
        });
        Ok((confirmation, problems))
    }

    /// A verifiable complaint against `dealing` (normally made by [`confirm`](Self::confirm)): discloses this
    /// trustee's DH point with the dealer's ephemeral key, with its DLEQ proof (eq. (K8')).
    pub fn complaint_against<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        roster: &Roster,
        dealing: &Dealing,
        rng: &mut R,
    ) -> Result<Complaint, ThresholdError> {
        let my_key = *roster.encryption_key(self.trustee)?;
        let enc = share_for(dealing, self.trustee)?;
        let shared = GroupElement::new(self.encryption * enc.ephemeral.point());
        self.complain(params, dealing.trustee, enc, &my_key, shared, rng)
    }

    fn complain<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        dealer: u16,
        enc: &EncryptedShare,
        my_key: &GroupElement,
        shared: GroupElement,
        rng: &mut R,
    ) -> Result<Complaint, ThresholdError> {
        let me = self.trustee;
        let g = GroupElement::new(G);
        let st = DleqStatement {
            g1: &g,
            h1: my_key,
            g2: core::slice::from_ref(&enc.ephemeral),
            h2: core::slice::from_ref(&shared),
        };
        let proof = DleqProof::prove(
            &mut complaint_transcript(params, dealer, me),
            &st,
            &DleqWitness { x: &self.encryption },
            rng,
        )
        .map_err(|_| ThresholdError::BadComplaintProof { complainer: me, dealer })?;
        Ok(Complaint { dealer, shared, proof })
    }

    /// Round 5: the Feldman values of this trustee's polynomial and the proof that they open its Pedersen
    /// commitments, under the close. Only a trustee of QUAL reveals.
    pub fn reveal<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        closed: &ClosedCeremony,
        rng: &mut R,
    ) -> Result<Signed<Reveal>, ThresholdError> {
        let q = &closed.qualification;
        self.check_own_key(&q.roster)?;
        let pedersen = q.commitments(self.trustee).ok_or(ThresholdError::NotQualified { trustee: self.trustee })?;
        let values: Vec<GroupElement> = self.coefficients.iter().map(|a| GroupElement::new(base_mul(a))).collect();
        let h = pedersen_h();
        let st = OpeningStatement { h: &h, pedersen, feldman: &values };
        let proof = OpeningProof::prove(
            &mut reveal_transcript(params, self.trustee, &closed.close),
            &st,
            &OpeningWitness { a: &self.coefficients, b: &self.blinding },
            rng,
        )
        .map_err(|_| ThresholdError::BadReveal { dealer: self.trustee })?;
        if proof.verify(&mut reveal_transcript(params, self.trustee, &closed.close), &st).is_err() {
            // The commitments in the closed dealing are not this secret's: another dealing was closed.
            return Err(ThresholdError::KeyMismatch { trustee: self.trustee });
        }
        Ok(self.signing_key().sign(Reveal {
            election: params.digest,
            trustee: self.trustee,
            close: closed.close,
            values,
            proof,
        }))
    }

    /// Round 6: this trustee's share pairs from `dealers` in clear, so that anyone can rebuild their
    /// contributions. Each must be a QUAL trustee (the caller checks that its reveal is missing or wrong: a share
    /// disclosed for a trustee who revealed only gives its secret away).
    pub fn recovery(
        &self,
        params: &CeremonyParams,
        closed: &ClosedCeremony,
        dealers: &[u16],
    ) -> Result<Signed<Recovery>, ThresholdError> {
        let q = &closed.qualification;
        self.check_own_key(&q.roster)?;
        let mut shares = Vec::with_capacity(dealers.len());
        for &i in dealers {
            if !q.qualified.contains(&i) {
                return Err(ThresholdError::NotQualified { trustee: i });
            }
            let r = self
                .received
                .iter()
                .find(|r| r.dealer == i)
                .ok_or(ThresholdError::Missing { kind: "share", trustee: i })?;
            shares.push(DisclosedShare { dealer: i, share: r.share, blinding: r.blinding });
        }
        Ok(self.signing_key().sign(Recovery {
            election: params.digest,
            trustee: self.trustee,
            close: closed.close,
            shares,
        }))
    }

    /// The key share `x_j = Σ_{i∈QUAL} s_{i,j}` (eq. (K10')), checked against `Y_j`. An absent trustee (C4) has
    /// none.
    pub fn key_share(&self, outcome: &CeremonyOutcome) -> Result<SecretKey, ThresholdError> {
        if outcome.absent.contains(&self.trustee) {
            return Err(ThresholdError::Absent { trustee: self.trustee });
        }
        let mut x = Zeroizing::new(Scalar::ZERO);
        for &i in &outcome.qualified {
            if i == self.trustee {
                *x += eval_poly(&self.coefficients, i);
            } else {
                let r = self
                    .received
                    .iter()
                    .find(|r| r.dealer == i)
                    .ok_or(ThresholdError::Missing { kind: "share", trustee: i })?;
                *x += r.share;
            }
        }
        if GroupElement::new(base_mul(&x)) != *outcome.verification_key(self.trustee)? {
            return Err(ThresholdError::ShareMismatch { trustee: self.trustee });
        }
        Ok(SecretKey::from_scalar(*x))
    }

    /// The canonical encoding of the secrets, for encrypted storage only (wiped when dropped).
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new();
        w.u8(SECRET_VERSION).u16(self.trustee).raw(&self.signing_seed).scalar(&self.encryption);
        w.seq(&self.coefficients).seq(&self.blinding);
        w.u32(self.received.len() as u32);
        for r in &self.received {
            w.u16(r.dealer).scalar(&r.share).scalar(&r.blinding);
        }
        Zeroizing::new(w.finish())
    }

    /// Decodes [`to_secret_bytes`](Self::to_secret_bytes)' encoding (version 2, SPEC.md §10.11); trailing bytes,
    /// no coefficients, trustee 0, or unequal numbers of `a_{i,k}` and `b_{i,k}` are refused.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8("secret.version")?;
        if version != SECRET_VERSION {
            return Err(DecodeError::UnknownTag { what: "secret.version", tag: version });
        }
        let trustee = r.u16("secret.trustee")?;
        let signing_seed = r.array("secret.signing_seed")?;
        let encryption = r.scalar("secret.encryption")?;
        let coefficients: Vec<Scalar> = r.seq("secret.coefficients", MAX_TRUSTEES)?;
        let blinding: Vec<Scalar> = r.seq("secret.blinding", MAX_TRUSTEES)?;
        let count = r.u32("secret.received")? as usize;
        if count > MAX_TRUSTEES {
            return Err(DecodeError::TooLong { what: "secret.received", len: count, max: MAX_TRUSTEES });
        }
        let mut received = Vec::with_capacity(count);
        for _ in 0..count {
            received.push(ReceivedShare {
                dealer: r.u16("secret.dealer")?,
                share: r.scalar("secret.share")?,
                blinding: r.scalar("secret.share_blinding")?,
            });
        }
        r.finish("trustee secret")?;
        if coefficients.is_empty() || trustee == 0 || blinding.len() != coefficients.len() {
            return Err(DecodeError::Truncated { what: "secret.coefficients", needed: 32 });
        }
        Ok(Self { trustee, signing_seed, encryption, coefficients, blinding, received })
    }
}

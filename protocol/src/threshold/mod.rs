//! Trustees: the distributed key ceremony and threshold decryption with proofs
//! (SPEC.md §10; the mathematics in [`crate::notes::threshold`]).
//!
//! * [`ceremony`]: Gennaro–Jarecki–Krawczyk–Rabin's New-DKG, `t` of `n`: Pedersen-committed sharing, shares
//!   encrypted to each recipient's key, verifiable complaints, an officials' close that fixes the qualified set,
//!   Feldman values proven to open the commitments, public recovery of a withheld contribution, and the election
//!   key and verification keys derived from the public transcript.
//! * [`decryption`]: partial decryption of a list of ciphertexts with one folded Chaum–Pedersen proof per trustee,
//!   batched verification of all of them, and combination of any `t` by Lagrange interpolation.
//! * [`simulation`]: the whole ceremony in one process, for tests, benchmarks and examples (never an election).
//!
//! Every message is signed by its trustee's Ed25519 key over a domain label, the message kind and the message's
//! canonical encoding, which starts with the manifest digest (so a file from another election is refused as
//! such) and the trustee's index.

pub mod ceremony;
pub mod decryption;
mod share;
pub mod simulation;

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use merlin::Transcript;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::error::ProofError;
use crate::manifest::Manifest;
use crate::roles::RoleKey;
use crate::transcript::PROTOCOL_LABEL;

pub use ceremony::{
    verify_ceremony, Announcement, CeremonyFiles, CeremonyOutcome, ClosedCeremony, Complaint, Confirmation, Dealing,
    EncryptedShare, Qualification, Recovery, Reveal, Roster, SignedClose, TrusteeSecret,
};
pub use decryption::{
    combine, verify_partial_decryptions, CiphertextList, PartialDecryption, PlaintextList, VerifiedPartials,
};

use crate::limits::MAX_TRUSTEES;

/// SPEC.md §10.1: the signature domain.
pub const SIGNATURE_DOMAIN: &[u8] = b"rv/trustee-signature/v1";

/// The ceremony's public parameters: the manifest digest it is bound to, `n`, `t`, and the officials' key that
/// closes rounds 1–3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeremonyParams {
    pub digest: [u8; 32],
    pub n: u16,
    pub t: u16,
    pub officials: RoleKey,
}

impl CeremonyParams {
    /// From the manifest's trustee policy and officials' key; requires `1 ≤ t ≤ n ≤ MAX_TRUSTEES`.
    pub fn from_manifest(manifest: &Manifest) -> Result<Self, ThresholdError> {
        Self::new(manifest.digest(), manifest.trustees.count, manifest.trustees.threshold, manifest.roles.officials_key)
    }
    pub fn new(digest: [u8; 32], n: u16, t: u16, officials: RoleKey) -> Result<Self, ThresholdError> {
        if t == 0 || t > n || usize::from(n) > MAX_TRUSTEES {
            return Err(ThresholdError::BadParameters { n, t });
        }
        Ok(Self { digest, n, t, officials })
    }
    /// Trustee indices are `1..=n` (SPEC.md §10.1 check C2).
    pub fn check_index(&self, trustee: u16) -> Result<(), ThresholdError> {
        if trustee == 0 || trustee > self.n {
            return Err(ThresholdError::UnknownTrustee { trustee });
        }
        Ok(())
    }
}

/// SPEC.md §10.2: the transcript every ceremony proof starts from (there is no fingerprint yet: the election
/// key does not exist), bound to the manifest digest.
pub fn ceremony_transcript(digest: &[u8; 32]) -> Transcript {
    let mut t = Transcript::new(PROTOCOL_LABEL);
    t.append_message(b"manifest-digest", digest);
    t
}

/// Everything that can go wrong in the ceremony or in threshold decryption. Each variant names the trustee
/// responsible where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ThresholdError {
    #[error("invalid ceremony parameters: threshold {t} of {n} trustees")]
    BadParameters { n: u16, t: u16 },
    #[error("trustee {trustee}: no such trustee in this ceremony")]
    UnknownTrustee { trustee: u16 },
    #[error("trustee {trustee}: message belongs to another election (manifest digest mismatch): a replay")]
    WrongElection { trustee: u16 },
    #[error("trustee {trustee}: signature does not verify under the trustee's key (wrong signer or altered file)")]
    BadSignature { trustee: u16 },
    #[error("trustee {trustee}: invalid signing key")]
    BadSigningKey { trustee: u16 },
    #[error("trustee {trustee}: the signing key differs from the one in the trustee's own secret state")]
    KeyMismatch { trustee: u16 },
    #[error("trustee {trustee}: {kind} message given twice")]
    Duplicate { kind: &'static str, trustee: u16 },
    #[error("trustee {trustee}: absent (sent no announcement in round 1), so it takes no part in this ceremony")]
    Absent { trustee: u16 },
    #[error("only {announced} trustees announced; at least {needed} are needed")]
    TooFewAnnounced { announced: usize, needed: usize },
    #[error(
        "trustee {trustee} dealt to trustees {theirs}, but the announcements are those of trustees {ours}: the \
         trustees did not hold the same announcement files (an announcement came late, or was removed)"
    )]
    RosterMismatch { trustee: u16, theirs: String, ours: String },
    #[error("trustee {trustee}: {kind} message missing")]
    Missing { kind: &'static str, trustee: u16 },
    #[error("trustee {trustee}: the proof of knowledge of the share-encryption key fails")]
    BadEncryptionKeyProof { trustee: u16 },
    #[error("trustee {dealer}: {got} coefficient commitments, the threshold requires {expected}")]
    WrongCoefficientCount { dealer: u16, expected: usize, got: usize },
    #[error("trustee {dealer}: the dealing does not carry exactly one share for each other trustee")]
    MalformedShares { dealer: u16 },
    #[error("trustee {dealer}: the share for trustee {recipient} cannot be decrypted")]
    ShareUndecryptable { dealer: u16, recipient: u16 },
    #[error("trustee {dealer}: the share for trustee {recipient} is inconsistent with the dealer's commitments")]
    ShareInconsistent { dealer: u16, recipient: u16 },
    #[error("trustee {complainer}: the complaint against trustee {dealer} carries an invalid key-disclosure proof")]
    BadComplaintProof { complainer: u16, dealer: u16 },
    #[error("trustee {complainer}: false complaint against trustee {dealer} (the disclosed share is valid)")]
    FalseComplaint { complainer: u16, dealer: u16 },
    #[error(
        "trustee {trustee} confirmed the dealings of trustees {theirs}, but the dealings are those of trustees \
         {ours} (or differ from the ones it held): the trustees did not hold the same dealing files"
    )]
    ConfirmationMismatch { trustee: u16, theirs: String, ours: String },
    #[error("only {qualified} trustees qualified; at least {needed} are needed (left out: {reasons})")]
    TooFewQualified { qualified: usize, needed: usize, reasons: String },
    #[error("the officials have not closed rounds 1 to 3 (no close file): no trustee can reveal yet")]
    NotClosed,
    #[error("the close is for another election (manifest digest mismatch)")]
    CloseWrongElection,
    #[error("the close is not signed by the officials' key of the manifest (wrong signer or altered file)")]
    BadCloseSignature,
    #[error("the key given is not the officials' key of the manifest")]
    NotOfficialsKey,
    #[error("the officials closed the ceremony with the {kind} of trustee {trustee}, and that file is missing")]
    ClosedFileMissing { kind: &'static str, trustee: u16 },
    #[error(
        "the {kind} of trustee {trustee} is not the one the officials closed the ceremony with (altered or replaced \
         after the close): restore the original"
    )]
    ClosedFileChanged { kind: &'static str, trustee: u16 },
    #[error("trustee {trustee} is not in the qualified set: it has nothing to reveal, and no shares of it count")]
    NotQualified { trustee: u16 },
    #[error("trustee {trustee}: the {kind} was made under another close than this ceremony's")]
    WrongClose { kind: &'static str, trustee: u16 },
    #[error("trustee {dealer}: the revealed values do not open its commitments (the proof fails)")]
    BadReveal { dealer: u16 },
    #[error("trustee {recipient}: the share of trustee {dealer} it disclosed does not match the commitments")]
    BadRecoveredShare { dealer: u16, recipient: u16 },
    #[error(
        "trustee {dealer} is in the qualified set but has not revealed (or its reveal fails), and {recovered} of \
         the {needed} recoveries needed to rebuild its contribution are in"
    )]
    Unrevealed { dealer: u16, recovered: usize, needed: usize },
    #[error("trustee {trustee}: the key share does not match its verification key")]
    ShareMismatch { trustee: u16 },
    #[error("{got} valid partial decryptions, {needed} are needed")]
    NotEnoughShares { needed: usize, got: usize },
    #[error("trustee {trustee}: partial decryption is for another list of ciphertexts")]
    WrongList { trustee: u16 },
    #[error("trustee {trustee}: the partial decryption's proof fails: {source}")]
    BadPartialDecryption { trustee: u16, source: ProofError },
    #[error("the ciphertext list is empty")]
    EmptyList,
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

// ---------------------------------------------------------------------------------------------------------
// Signing identities and signed messages

/// A trustee's Ed25519 signing key. Wiped on drop (ed25519-dalek), prints as redacted, neither `Clone` nor
/// `Serialize`.
pub struct TrusteeSigningKey(SigningKey);

impl TrusteeSigningKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }
    pub fn verifying_key(&self) -> TrusteeVerifyingKey {
        TrusteeVerifyingKey(self.0.verifying_key())
    }
    /// SPEC.md §10.1 eq. (K0): `sig = Ed25519.Sign(sk, SIGNATURE_DOMAIN ‖ u32(|kind|) ‖ kind ‖ message)`.
    pub fn sign<M: CeremonyMessage>(&self, message: M) -> Signed<M> {
        let signature = self.0.sign(&signed_bytes(&message)).to_bytes();
        Signed { message, signature }
    }
}

impl fmt::Debug for TrusteeSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrusteeSigningKey(<redacted>, public {:?})", self.verifying_key())
    }
}

/// A trustee's Ed25519 verifying key: a valid point not of small order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TrusteeVerifyingKey(VerifyingKey);

impl TrusteeVerifyingKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        Ok(Self(crate::credential::decode_verifying_key(bytes, "trustee signing key")?))
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for TrusteeVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrusteeVerifyingKey({})", hex::encode(self.as_bytes()))
    }
}

/// A message of the ceremony or of decryption: it knows its kind label, its election and its author.
pub trait CeremonyMessage: Encode + Decode {
    /// The kind label bound into the signature (SPEC.md §10.1, table of kinds).
    const KIND: &'static [u8];
    /// The manifest digest the message carries.
    fn election(&self) -> &[u8; 32];
    /// The index of the trustee who wrote it.
    fn trustee(&self) -> u16;
}

fn signed_bytes<M: CeremonyMessage>(message: &M) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(SIGNATURE_DOMAIN).bytes(M::KIND).put(message);
    w.finish()
}

/// A message and its author's signature. JSON for the ceremony's files (people read them), canonical binary
/// `message ‖ signature` everywhere (partial decryptions are large).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed<M> {
    pub message: M,
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
}

impl<M: CeremonyMessage> Signed<M> {
    /// SPEC.md §10.1, checks C1–C3: the message is for this election, from a trustee of this ceremony, and
    /// signed by that trustee's key (`verify_strict`).
    pub fn verify(&self, params: &CeremonyParams, key: &TrusteeVerifyingKey) -> Result<&M, ThresholdError> {
        let trustee = self.message.trustee();
        if self.message.election() != &params.digest {
            return Err(ThresholdError::WrongElection { trustee });
        }
        params.check_index(trustee)?;
        let signature = Signature::from_bytes(&self.signature);
        key.0
            .verify_strict(&signed_bytes(&self.message), &signature)
            .map_err(|_| ThresholdError::BadSignature { trustee })?;
        Ok(&self.message)
    }
}

impl<M: CeremonyMessage> Encode for Signed<M> {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.message).raw(&self.signature);
    }
}

impl<M: CeremonyMessage> Decode for Signed<M> {
    const WHAT: &'static str = "signed trustee message";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { message: M::decode(r)?, signature: r.array("signature")? })
    }
}

/// Lagrange coefficient at 0 of index `j` within `indices` (SPEC.md §10 eq. (K12)):
/// `λ_j = Π_{m ∈ S, m ≠ j} m / (m − j)`.
pub fn lagrange_at_zero(j: u16, indices: &[u16]) -> curve25519_dalek::Scalar {
    use curve25519_dalek::Scalar;
    let (mut num, mut den) = (Scalar::ONE, Scalar::ONE);
    let sj = Scalar::from(j);
    for &m in indices.iter().filter(|&&m| m != j) {
        let sm = Scalar::from(m);
        num *= sm;
        den *= sm - sj;
    }
    num * den.invert()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::base_mul;
    use crate::group::random_scalar;
    use curve25519_dalek::Scalar;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;

    proptest! {
        /// Any t of n evaluations of a degree t−1 polynomial interpolate its constant term (eq. (K12)); t − 1 of
        /// them, completed with a wrong guess, do not.
        #[test]
        fn any_t_shares_reconstruct(seed in any::<[u8; 32]>(), n in 1u16..9, t_off in 0u16..8, pick in any::<u64>()) {
            let t = 1 + t_off % n;
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
            let coeffs: Vec<Scalar> = (0..t).map(|_| random_scalar(&mut rng)).collect();
            let f = |j: u16| coeffs.iter().rev().fold(Scalar::ZERO, |acc, a| acc * Scalar::from(j) + a);
            // A pseudo-random t-subset of 1..=n.
            let mut all: Vec<u16> = (1..=n).collect();
            let mut p = pick;
            let mut subset = Vec::new();
            for _ in 0..t {
                let i = (p % all.len() as u64) as usize;
                p /= all.len() as u64 + 1;
                subset.push(all.remove(i));
            }
            let x: Scalar = subset.iter().map(|&j| lagrange_at_zero(j, &subset) * f(j)).sum();
            prop_assert_eq!(x, coeffs[0]);
            prop_assert_eq!(base_mul(&x), base_mul(&coeffs[0]));
            if t > 1 {
                let fewer = &subset[..usize::from(t) - 1];
                let y: Scalar = fewer.iter().map(|&j| lagrange_at_zero(j, fewer) * f(j)).sum();
                prop_assert_ne!(y, coeffs[0]);
            }
        }
    }

    /// SPEC.md: exercises C2.
    #[test]
    fn parameters_are_checked() {
        assert!(crate::threshold::simulation::example_params([0; 32], 5, 3).is_ok());
        assert_eq!(
            crate::threshold::simulation::example_params([0; 32], 3, 4),
            Err(ThresholdError::BadParameters { n: 3, t: 4 })
        );
        assert_eq!(
            crate::threshold::simulation::example_params([0; 32], 3, 0),
            Err(ThresholdError::BadParameters { n: 3, t: 0 })
        );
        let p = crate::threshold::simulation::example_params([0; 32], 3, 2).unwrap();
        assert_eq!(p.check_index(0), Err(ThresholdError::UnknownTrustee { trustee: 0 }));
        assert_eq!(p.check_index(4), Err(ThresholdError::UnknownTrustee { trustee: 4 }));
        assert!(format!("{:?}", TrusteeSigningKey::from_seed(&[1; 32])).contains("redacted"));
    }
}

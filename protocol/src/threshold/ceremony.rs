//! The key ceremony: Gennaro–Jarecki–Krawczyk–Rabin's New-DKG (SPEC.md §10.3–§10.7), with verifiable
//! complaints, an officials' close that fixes the qualified set, and public reconstruction of a withheld
//! contribution.
//!
//! Rounds, each a signed file:
//! 1. [`Announcement`] (trustee `i`): the signing key and a share-encryption key `E_i = e_i·G` with a Schnorr
//!    proof. The trustees who announce form the [`Roster`] (at least `t`).
//! 2. [`Dealing`] (trustee `i`): *Pedersen* commitments `P_{i,k} = a_{i,k}·G + b_{i,k}·H` to two random polynomials
//!    `f_i`, `f'_i` of degree `t − 1` (eq. (K1)), and for every other trustee `j` of the roster the pair
//!    `(s_{i,j}, s'_{i,j}) = (f_i(j), f'_i(j))` encrypted to `E_j` (eq. (K2), (K6)). Pedersen commitments hide
//!    `a_{i,0}` perfectly: nothing about the election key can be learnt from this round.
//! 3. [`Confirmation`] (trustee `j`): the digest of the dealings received, and a verifiable complaint for every
//!    share that fails `s·G + s'·H = Σ_k j^k·P_{i,k}` (eq. (K8)).
//! 4. [`Close`] (the officials, with the manifest's officials key): the files of rounds 1–3 that count, by digest.
//!    This fixes QUAL before anything about the key is public; a file that arrives later is ignored.
//! 5. [`Reveal`] (each trustee `i` of QUAL): the Feldman values `A_{i,k} = a_{i,k}·G` with a proof that they
//!    open the Pedersen commitments (eq. (K7), [`crate::proofs::opening`]).
//! 6. [`Recovery`] (trustee `j`, only for a QUAL trustee whose reveal is missing or wrong): `(s_{i,j}, s'_{i,j})`
//!    in clear; any `t` of them, each checked by (K8), rebuild `f_i`, so a withheld contribution is *recovered*,
//!    never dropped.
//!
//! [`verify_ceremony`] derives, from these files alone, QUAL, the election key `Y = Σ_{i∈QUAL} A_{i,0}` (eq. (K9))
//! and every verification key `Y_j = Σ_{i∈QUAL} Σ_k j^k·A_{i,k}` (eq. (K10)).
//!
//! Why no one can bias `Y` (GJKR 2007, Thm. 2, adapted in `crate::notes::threshold`): QUAL is fixed by the
//! close, at a time when every honest trustee's contribution is hidden by its Pedersen commitments; after the
//! close each QUAL trustee's `a_{i,0}` is fixed by the honest trustees' shares (binding), and a trustee who
//! withholds or falsifies its reveal gets the same `a_{i,0}` recovered.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use ed25519_dalek::{Signature, Signer, SigningKey};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::share::{open, seal, SEALED_LEN};
use super::{
    ceremony_transcript, CeremonyMessage, CeremonyParams, Signed, ThresholdError, TrusteeSigningKey,
    TrusteeVerifyingKey, MAX_TRUSTEES, SIGNATURE_DOMAIN,
};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::{base_mul, PublicKey, SecretKey};
use crate::group::{derive_generator, random_scalar, GroupElement, G};
use crate::proofs::dleq::{DleqProof, DleqStatement, DleqWitness};
use crate::proofs::opening::{OpeningProof, OpeningStatement, OpeningWitness};
use crate::proofs::schnorr::{SchnorrProof, SchnorrStatement, SchnorrWitness};
use crate::transcript::TranscriptProtocol;

/// Signature kinds (SPEC.md §10.1 (T1)).
pub const ANNOUNCEMENT_KIND: &[u8] = b"rv/trustee/announcement/v1";
pub const DEALING_KIND: &[u8] = b"rv/trustee/dealing/v2";
pub const CONFIRMATION_KIND: &[u8] = b"rv/trustee/confirmation/v2";
pub const CLOSE_KIND: &[u8] = b"rv/officials/ceremony-close/v1";
pub const REVEAL_KIND: &[u8] = b"rv/trustee/reveal/v2";
pub const RECOVERY_KIND: &[u8] = b"rv/trustee/recovery/v1";
/// Transcript domains (SPEC.md §10.2 (T2)).
pub const ENCRYPTION_KEY_DOMAIN: &[u8] = b"rv/trustee/encryption-key/v1";
pub const COMPLAINT_DOMAIN: &[u8] = b"rv/trustee/complaint/v2";
pub const REVEAL_DOMAIN: &[u8] = b"rv/trustee/reveal/v2";
/// Hash domains.
pub const DEALINGS_DOMAIN: &[u8] = b"rv/trustee/dealings/v2";
pub const ROSTER_DOMAIN: &[u8] = b"rv/trustee/roster/v1";
pub const FILE_DOMAIN: &[u8] = b"rv/trustee/file/v1";
/// The seed and label of `H`, the ceremony's second generator (SPEC.md §2.3 eq. (1), index 0).
pub const PEDERSEN_SEED: &[u8] = b"rv/trustee/pedersen/v1";
pub const PEDERSEN_LABEL: &[u8] = b"H";

/// `H = derive_generator("rv/trustee/pedersen/v1", "H", 0)`: no one knows `log_G H`.
pub fn pedersen_h() -> GroupElement {
    GroupElement::new(derive_generator(PEDERSEN_SEED, PEDERSEN_LABEL, 0))
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/// Round 1 (SPEC.md §10.3, message M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Announcement {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    #[serde(with = "crate::group::bytes_hex")]
    pub signing_key: [u8; 32],
    pub encryption_key: GroupElement,
    pub encryption_key_proof: SchnorrProof,
}

/// One share pair of a dealing, encrypted to its recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct EncryptedShare {
    pub recipient: u16,
    pub ephemeral: GroupElement,
    #[serde(with = "crate::group::bytes_hex")]
    pub sealed: [u8; SEALED_LEN],
}

/// Round 2 (message M2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Dealing {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    /// The digest `R` of the announcements the dealer dealt to (eq. (K2')).
    #[serde(with = "crate::group::bytes_hex")]
    pub roster: [u8; 32],
    /// `P_{i,0} … P_{i,t−1}`.
    pub commitments: Vec<GroupElement>,
    pub shares: Vec<EncryptedShare>,
}

/// A verifiable complaint: the complainer's DH point with the dealer's ephemeral key, and its DLEQ proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Complaint {
    pub dealer: u16,
    pub shared: GroupElement,
    pub proof: DleqProof,
}

/// Round 3 (message M3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Confirmation {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    /// The dealers whose dealings the trustee held, ascending.
    pub dealers: Vec<u16>,
    /// Their digest (eq. (K11)).
    #[serde(with = "crate::group::bytes_hex")]
    pub dealings: [u8; 32],
    pub complaints: Vec<Complaint>,
}

/// A file of rounds 1–3 as the close names it: its trustee and `SHA-256(FILE_DOMAIN ‖ enc(signed message))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct FileRef {
    pub trustee: u16,
    #[serde(with = "crate::group::bytes_hex")]
    pub digest: [u8; 32],
}

/// Round 4 (message M4), signed by the officials' key of the manifest: the files of rounds 1–3 that count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Close {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub announcements: Vec<FileRef>,
    pub dealings: Vec<FileRef>,
    pub confirmations: Vec<FileRef>,
}

/// The close and the officials' signature over it (eq. (K0) with the officials' key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedClose {
    pub message: Close,
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
}

/// Round 5 (message M6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Reveal {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    /// `SHA-256(FILE_DOMAIN ‖ enc(signed close))`.
    #[serde(with = "crate::group::bytes_hex")]
    pub close: [u8; 32],
    /// `A_{i,0} … A_{i,t−1}`.
    pub values: Vec<GroupElement>,
    pub proof: OpeningProof,
}

/// One disclosed share pair `(s_{i,j}, s'_{i,j})` of dealer `i`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DisclosedShare {
    pub dealer: u16,
    #[serde(with = "crate::group::scalar_hex")]
    pub share: Scalar,
    #[serde(with = "crate::group::scalar_hex")]
    pub blinding: Scalar,
}

impl core::fmt::Debug for DisclosedShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DisclosedShare(dealer {})", self.dealer)
    }
}

/// Round 6 (message M7), only for a QUAL trustee whose reveal is missing or fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Recovery {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    #[serde(with = "crate::group::bytes_hex")]
    pub close: [u8; 32],
    pub shares: Vec<DisclosedShare>,
}

macro_rules! message {
    ($t:ty, $kind:expr) => {
        impl CeremonyMessage for $t {
            const KIND: &'static [u8] = $kind;
            fn election(&self) -> &[u8; 32] {
                &self.election
            }
            fn trustee(&self) -> u16 {
                self.trustee
            }
        }
    };
}
message!(Announcement, ANNOUNCEMENT_KIND);
message!(Dealing, DEALING_KIND);
message!(Confirmation, CONFIRMATION_KIND);
message!(Reveal, REVEAL_KIND);
message!(Recovery, RECOVERY_KIND);

impl Encode for Announcement {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.signing_key).element(&self.encryption_key);
        w.put(&self.encryption_key_proof);
    }
}
impl Decode for Announcement {
    const WHAT: &'static str = "announcement";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("announcement.election")?,
            trustee: r.u16("announcement.trustee")?,
            signing_key: r.array("announcement.signing_key")?,
            encryption_key: r.nonidentity_element("announcement.encryption_key")?,
            encryption_key_proof: SchnorrProof::decode(r)?,
        })
    }
}

impl Encode for EncryptedShare {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.recipient).element(&self.ephemeral).raw(&self.sealed);
    }
}
impl Decode for EncryptedShare {
    const WHAT: &'static str = "encrypted share";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            recipient: r.u16("share.recipient")?,
            ephemeral: r.nonidentity_element("share.ephemeral")?,
            sealed: r.array("share.sealed")?,
        })
    }
}

impl Encode for Dealing {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.roster).seq(&self.commitments).seq(&self.shares);
    }
}
impl Decode for Dealing {
    const WHAT: &'static str = "dealing";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("dealing.election")?,
            trustee: r.u16("dealing.trustee")?,
            roster: r.array("dealing.roster")?,
            commitments: r.seq("dealing.commitments", MAX_TRUSTEES)?,
            shares: r.seq("dealing.shares", MAX_TRUSTEES)?,
        })
    }
}

impl Encode for Complaint {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.dealer).element(&self.shared).put(&self.proof);
    }
}
impl Decode for Complaint {
    const WHAT: &'static str = "complaint";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            dealer: r.u16("complaint.dealer")?,
            shared: r.nonidentity_element("complaint.shared")?,
            proof: DleqProof::decode(r)?,
        })
    }
}

fn put_indices(w: &mut Writer, indices: &[u16]) {
    w.u32(indices.len() as u32);
    for &i in indices {
        w.u16(i);
    }
}
fn get_indices(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<u16>, DecodeError> {
    let count = r.u32(what)? as usize;
    if count > MAX_TRUSTEES {
        return Err(DecodeError::TooLong { what, len: count, max: MAX_TRUSTEES });
    }
    (0..count).map(|_| r.u16(what)).collect()
}

impl Encode for Confirmation {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee);
        put_indices(w, &self.dealers);
        w.raw(&self.dealings).seq(&self.complaints);
    }
}
impl Decode for Confirmation {
    const WHAT: &'static str = "confirmation";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("confirmation.election")?,
            trustee: r.u16("confirmation.trustee")?,
            dealers: get_indices(r, "confirmation.dealers")?,
            dealings: r.array("confirmation.dealings")?,
            complaints: r.seq("confirmation.complaints", MAX_TRUSTEES)?,
        })
    }
}

impl Encode for FileRef {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.trustee).raw(&self.digest);
    }
}
impl Decode for FileRef {
    const WHAT: &'static str = "file reference";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { trustee: r.u16("close.trustee")?, digest: r.array("close.digest")? })
    }
}

impl Encode for Close {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).seq(&self.announcements).seq(&self.dealings).seq(&self.confirmations);
    }
}
impl Decode for Close {
    const WHAT: &'static str = "close";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("close.election")?,
            announcements: r.seq("close.announcements", MAX_TRUSTEES)?,
            dealings: r.seq("close.dealings", MAX_TRUSTEES)?,
            confirmations: r.seq("close.confirmations", MAX_TRUSTEES)?,
        })
    }
}

impl Encode for SignedClose {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.message).raw(&self.signature);
    }
}
impl Decode for SignedClose {
    const WHAT: &'static str = "signed close";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { message: Close::decode(r)?, signature: r.array("close.signature")? })
    }
}

impl Encode for Reveal {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.close).seq(&self.values).put(&self.proof);
    }
}
impl Decode for Reveal {
    const WHAT: &'static str = "reveal";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("reveal.election")?,
            trustee: r.u16("reveal.trustee")?,
            close: r.array("reveal.close")?,
            values: r.seq("reveal.values", MAX_TRUSTEES)?,
            proof: OpeningProof::decode(r)?,
        })
    }
}

impl Encode for DisclosedShare {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.dealer).scalar(&self.share).scalar(&self.blinding);
    }
}
impl Decode for DisclosedShare {
    const WHAT: &'static str = "disclosed share";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            dealer: r.u16("recovery.dealer")?,
            share: r.scalar("recovery.share")?,
            blinding: r.scalar("recovery.blinding")?,
        })
    }
}

impl Encode for Recovery {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.close).seq(&self.shares);
    }
}
impl Decode for Recovery {
    const WHAT: &'static str = "recovery";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("recovery.election")?,
            trustee: r.u16("recovery.trustee")?,
            close: r.array("recovery.close")?,
            shares: r.seq("recovery.shares", MAX_TRUSTEES)?,
        })
    }
}

crate::serde_via_codec!(Announcement);
crate::serde_via_codec!(EncryptedShare);
crate::serde_via_codec!(Dealing);
crate::serde_via_codec!(Complaint);
crate::serde_via_codec!(Confirmation);
crate::serde_via_codec!(FileRef);
crate::serde_via_codec!(Close);
crate::serde_via_codec!(Reveal);
crate::serde_via_codec!(DisclosedShare);
crate::serde_via_codec!(Recovery);

// ---------------------------------------------------------------------------------------------------------
// Transcripts and hashes

fn encryption_key_transcript(params: &CeremonyParams, trustee: u16, signing_key: &[u8; 32]) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(ENCRYPTION_KEY_DOMAIN);
    t.append_u64(b"trustee", u64::from(trustee));
    t.append_message(b"signing-key", signing_key);
    t
}

fn complaint_transcript(params: &CeremonyParams, dealer: u16, complainer: u16) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(COMPLAINT_DOMAIN);
    t.append_u64(b"dealer", u64::from(dealer));
    t.append_u64(b"complainer", u64::from(complainer));
    t
}

/// The opening proof's transcript binds the dealer and the close it reveals under.
fn reveal_transcript(params: &CeremonyParams, dealer: u16, close: &[u8; 32]) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(REVEAL_DOMAIN);
    t.append_u64(b"trustee", u64::from(dealer));
    t.append_message(b"close", close);
    t
}

/// SPEC.md §10 eq. (K11): `SHA-256(DEALINGS_DOMAIN ‖ u32(count) ‖ signed dealings in ascending dealer order)`.
pub fn dealings_digest(dealings: &[&Signed<Dealing>]) -> [u8; 32] {
    messages_digest(DEALINGS_DOMAIN, dealings)
}

/// `SHA-256(domain ‖ u32(count) ‖ signed messages in ascending trustee order)`: eq. (K2') for the
/// announcements, eq. (K11) for the dealings.
fn messages_digest<M: CeremonyMessage + Encode>(domain: &[u8], messages: &[&Signed<M>]) -> [u8; 32] {
    let mut sorted: Vec<&Signed<M>> = messages.to_vec();
    sorted.sort_by_key(|m| m.message.trustee());
    let mut h = Sha256::new();
    h.update(domain);
    h.update((sorted.len() as u32).to_be_bytes());
    for m in sorted {
        h.update(m.to_bytes());
    }
    h.finalize().into()
}

/// SPEC.md §10 eq. (K11'): a file's digest, `SHA-256(FILE_DOMAIN ‖ enc(signed message))`.
pub fn file_digest<T: Encode>(signed: &T) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(FILE_DOMAIN);
    h.update(signed.to_bytes());
    h.finalize().into()
}

/// `Σ_k j^k·C_k`, variable time (public data).
fn eval_commitments(coefficients: &[GroupElement], j: u16) -> RistrettoPoint {
    let x = Scalar::from(j);
    let mut powers = Vec::with_capacity(coefficients.len());
    let mut p = Scalar::ONE;
    for _ in coefficients {
        powers.push(p);
        p *= x;
    }
    RistrettoPoint::vartime_multiscalar_mul(&powers, coefficients.iter().map(GroupElement::point))
}

/// `f(j) = Σ_k c_k·j^k`, by Horner.
fn eval_poly(coefficients: &[Scalar], j: u16) -> Scalar {
    let x = Scalar::from(j);
    coefficients.iter().rev().fold(Scalar::ZERO, |acc, a| acc * x + a)
}

/// The coefficients of the polynomial of degree `< points.len()` through `(x_m, y_m)` (Lagrange).
fn interpolate(points: &[(u16, Scalar)]) -> Vec<Scalar> {
    let mut out = vec![Scalar::ZERO; points.len()];
    for (m, &(xm, ym)) in points.iter().enumerate() {
        // basis = Π_{l≠m} (z − x_l) / (x_m − x_l), built coefficient by coefficient.
        let mut basis = vec![Scalar::ONE];
        let mut den = Scalar::ONE;
        for (l, &(xl, _)) in points.iter().enumerate() {
            if l == m {
                continue;
            }
            let xl_s = Scalar::from(xl);
            let mut next = vec![Scalar::ZERO; basis.len() + 1];
            for (k, b) in basis.iter().enumerate() {
                next[k + 1] += b;
                next[k] -= b * xl_s;
            }
            basis = next;
            den *= Scalar::from(xm) - xl_s;
        }
        let f = ym * den.invert();
        for (o, b) in out.iter_mut().zip(&basis) {
            *o += f * b;
        }
    }
    out
}

/// Lists trustees as people read them: `1, 2 and 4`, or `none`.
pub fn list_trustees(trustees: &[u16]) -> String {
    match trustees {
        [] => "none".into(),
        [one] => one.to_string(),
        [init @ .., last] => {
            format!("{} and {last}", init.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The roster: every trustee's announced keys

/// The trustees who announced, with their public keys, all checked (check C4), and the roster's digest `R`
/// (eq. (K2')). A trustee without an announcement is *absent*: no share is dealt to it and any later message of
/// its is refused ([`ThresholdError::Absent`]).
#[derive(Debug, Clone)]
pub struct Roster {
    /// `keys[j − 1]`: trustee `j`'s keys, `None` if it is absent.
    keys: Vec<Option<(TrusteeVerifyingKey, GroupElement)>>,
    digest: [u8; 32],
}

impl Roster {
    /// Needs at most one valid announcement per trustee, and at least `t` of them.
    pub fn new(params: &CeremonyParams, announcements: &[Signed<Announcement>]) -> Result<Self, ThresholdError> {
        let mut keys: Vec<Option<(TrusteeVerifyingKey, GroupElement)>> = vec![None; usize::from(params.n)];
        for a in announcements {
            let m = &a.message;
            let trustee = m.trustee;
            if m.election != params.digest {
                return Err(ThresholdError::WrongElection { trustee });
            }
            params.check_index(trustee)?;
            let key = TrusteeVerifyingKey::from_bytes(&m.signing_key)
                .map_err(|_| ThresholdError::BadSigningKey { trustee })?;
            a.verify(params, &key)?;
            let mut t = encryption_key_transcript(params, trustee, &m.signing_key);
            m.encryption_key_proof
                .verify(&mut t, &SchnorrStatement { x: &m.encryption_key })
                .map_err(|_| ThresholdError::BadEncryptionKeyProof { trustee })?;
            let slot = &mut keys[usize::from(trustee) - 1];
            if slot.is_some() {
                return Err(ThresholdError::Duplicate { kind: "announcement", trustee });
            }
            *slot = Some((key, m.encryption_key));
        }
        let announced = keys.iter().flatten().count();
        if announced < usize::from(params.t) {
            return Err(ThresholdError::TooFewAnnounced { announced, needed: usize::from(params.t) });
        }
        let all: Vec<&Signed<Announcement>> = announcements.iter().collect();
        Ok(Self { keys, digest: messages_digest(ROSTER_DOMAIN, &all) })
    }
    /// `R` of eq. (K2').
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
    /// The trustees who announced, ascending.
    pub fn members(&self) -> Vec<u16> {
        (1..=self.keys.len() as u16).filter(|&j| self.contains(j)).collect()
    }
    /// The trustees who did not announce, ascending.
    pub fn absent(&self) -> Vec<u16> {
        (1..=self.keys.len() as u16).filter(|&j| !self.contains(j)).collect()
    }
    pub fn contains(&self, trustee: u16) -> bool {
        matches!(usize::from(trustee).checked_sub(1).and_then(|i| self.keys.get(i)), Some(Some(_)))
    }
    /// The signing key of trustee `j` (`1..=n`).
    pub fn signing_key(&self, trustee: u16) -> Result<&TrusteeVerifyingKey, ThresholdError> {
        self.entry(trustee).map(|e| &e.0)
    }
    pub fn encryption_key(&self, trustee: u16) -> Result<&GroupElement, ThresholdError> {
        self.entry(trustee).map(|e| &e.1)
    }
    fn entry(&self, trustee: u16) -> Result<&(TrusteeVerifyingKey, GroupElement), ThresholdError> {
        usize::from(trustee)
            .checked_sub(1)
            .and_then(|i| self.keys.get(i))
            .ok_or(ThresholdError::UnknownTrustee { trustee })?
            .as_ref()
            .ok_or(ThresholdError::Absent { trustee })
    }
    /// Verifies a signed message against its author's roster key (checks C1–C3).
    pub fn verify<'a, M: CeremonyMessage>(
        &self,
        params: &CeremonyParams,
        signed: &'a Signed<M>,
    ) -> Result<&'a M, ThresholdError> {
        let trustee = signed.message.trustee();
        if signed.message.election() != &params.digest {
            return Err(ThresholdError::WrongElection { trustee });
        }
        signed.verify(params, self.signing_key(trustee)?)
    }
}

/// Verifies every message of one kind and indexes them by trustee; duplicates are errors.
fn index_messages<'a, M: CeremonyMessage>(
    params: &CeremonyParams,
    roster: &Roster,
    messages: &'a [Signed<M>],
    kind: &'static str,
) -> Result<Vec<Option<&'a Signed<M>>>, ThresholdError> {
    let mut out: Vec<Option<&Signed<M>>> = vec![None; usize::from(params.n)];
    for s in messages {
        roster.verify(params, s)?;
        let trustee = s.message.trustee();
        let slot = &mut out[usize::from(trustee) - 1];
        if slot.is_some() {
            return Err(ThresholdError::Duplicate { kind, trustee });
        }
        *slot = Some(s);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// Public checks of a dealing, a share, a complaint

/// Check C5 of a dealing: made for this roster, `t` commitments, one share for each other trustee of the
/// roster, in order.
pub fn check_dealing(params: &CeremonyParams, roster: &Roster, dealing: &Dealing) -> Result<(), ThresholdError> {
    let dealer = dealing.trustee;
    let recipients: Vec<u16> = roster.members().into_iter().filter(|&j| j != dealer).collect();
    if &dealing.roster != roster.digest() {
        let mut theirs: Vec<u16> = dealing.shares.iter().map(|s| s.recipient).collect();
        theirs.push(dealer);
        theirs.sort_unstable();
        return Err(ThresholdError::RosterMismatch {
            trustee: dealer,
            theirs: list_trustees(&theirs),
            ours: list_trustees(&roster.members()),
        });
    }
    let expected = usize::from(params.t);
    if dealing.commitments.len() != expected {
        return Err(ThresholdError::WrongCoefficientCount { dealer, expected, got: dealing.commitments.len() });
    }
    // The identity as an ephemeral key `R` would make the recipient's complaint unprovable (its DLEQ has
    // `g₂ = R`); the decoders refuse it, and so does this check of a dealing built in memory.
    if !dealing.shares.iter().map(|s| s.recipient).eq(recipients)
        || dealing.shares.iter().any(|s| s.ephemeral.is_identity())
    {
        return Err(ThresholdError::MalformedShares { dealer });
    }
    Ok(())
}

/// SPEC.md §10 eq. (K8), check C6: `s_{i,j}·G + s'_{i,j}·H = Σ_k j^k·P_{i,k}`.
pub fn check_share(dealing: &Dealing, recipient: u16, share: &Scalar, blinding: &Scalar) -> Result<(), ThresholdError> {
    let lhs = RistrettoPoint::vartime_multiscalar_mul([*share, *blinding], [G, *pedersen_h().point()]);
    if lhs != eval_commitments(&dealing.commitments, recipient) {
        return Err(ThresholdError::ShareInconsistent { dealer: dealing.trustee, recipient });
    }
    Ok(())
}

fn share_for(dealing: &Dealing, recipient: u16) -> Result<&EncryptedShare, ThresholdError> {
    dealing
        .shares
        .iter()
        .find(|s| s.recipient == recipient)
        .ok_or(ThresholdError::MalformedShares { dealer: dealing.trustee })
}

/// A share pair, wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
struct SharePair {
    share: Scalar,
    blinding: Scalar,
}

/// Opens and checks the share pair for `recipient` under the DH point `shared`.
fn open_and_check(
    params: &CeremonyParams,
    dealing: &Dealing,
    recipient: u16,
    recipient_key: &GroupElement,
    shared: &GroupElement,
) -> Result<SharePair, ThresholdError> {
    let dealer = dealing.trustee;
    let enc = share_for(dealing, recipient)?;
    let (share, blinding) = open(shared, &params.digest, dealer, recipient, &enc.ephemeral, recipient_key, &enc.sealed)
        .ok_or(ThresholdError::ShareUndecryptable { dealer, recipient })?;
    let pair = SharePair { share, blinding };
    check_share(dealing, recipient, &pair.share, &pair.blinding)?;
    Ok(pair)
}

/// Check C7: a complaint's DLEQ proof (`log_G E_j = log_R K`); then the disputed share is opened with `K`.
/// `Ok(Some(reason))`: the complaint is upheld and the dealer disqualified for `reason`. `Ok(None)`: the
/// share was good, the complaint false.
pub fn judge_complaint(
    params: &CeremonyParams,
    roster: &Roster,
    complainer: u16,
    complaint: &Complaint,
    dealing: &Dealing,
) -> Result<Option<ThresholdError>, ThresholdError> {
    let dealer = dealing.trustee;
    let bad = ThresholdError::BadComplaintProof { complainer, dealer };
    let enc = share_for(dealing, complainer).map_err(|_| bad.clone())?;
    let key = roster.encryption_key(complainer)?;
    let g = GroupElement::new(G);
    let st = DleqStatement {
        g1: &g,
        h1: key,
        g2: core::slice::from_ref(&enc.ephemeral),
        h2: core::slice::from_ref(&complaint.shared),
    };
    complaint.proof.verify(&mut complaint_transcript(params, dealer, complainer), &st).map_err(|_| bad)?;
    match open_and_check(params, dealing, complainer, key, &complaint.shared) {
        Ok(_) => Ok(None),
        Err(e) => Ok(Some(e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Rounds 1–3 and the close

/// What rounds 1–3 decide (SPEC.md §10.6): the roster, QUAL and why the others are out. Computed by the officials
/// before they close, and by everyone from the closed files.
#[derive(Debug, Clone)]
pub struct Qualification {
    pub roster: Roster,
    /// QUAL, ascending.
    pub qualified: Vec<u16>,
    /// Dealers of the roster left out of QUAL, each with the reason.
    pub disqualified: Vec<(u16, ThresholdError)>,
    /// Complaints that were void (bad proof) or false (the share was good).
    pub rejected_complaints: Vec<ThresholdError>,
    /// Trustees of the roster whose confirmation is not among the files (they made no complaint).
    pub unconfirmed: Vec<u16>,
    /// The Pedersen commitments of every dealer of QUAL (`None` for the others).
    commitments: Vec<Option<Vec<GroupElement>>>,
}

impl Qualification {
    /// Checks C4–C8 on the files of rounds 1–3 (only these: the caller chose which count).
    pub fn check(
        params: &CeremonyParams,
        announcements: &[Signed<Announcement>],
        dealings: &[Signed<Dealing>],
        confirmations: &[Signed<Confirmation>],
    ) -> Result<Self, ThresholdError> {
        let roster = Roster::new(params, announcements)?;
        let deals = index_messages(params, &roster, dealings, "dealing")?;
        let confirms = index_messages(params, &roster, confirmations, "confirmation")?;

        let mut disqualified = Vec::new();
        let mut valid: Vec<Option<&Dealing>> = vec![None; usize::from(params.n)];
        for i in roster.members() {
            let slot = usize::from(i) - 1;
            match deals[slot] {
                None => disqualified.push((i, ThresholdError::Missing { kind: "dealing", trustee: i })),
                Some(d) => match check_dealing(params, &roster, &d.message) {
                    Ok(()) => valid[slot] = Some(&d.message),
                    Err(e) => disqualified.push((i, e)),
                },
            }
        }

        let all_deals: Vec<&Signed<Dealing>> = deals.iter().flatten().copied().collect();
        let dealers: Vec<u16> = all_deals.iter().map(|d| d.message.trustee).collect();
        let digest = dealings_digest(&all_deals);
        let mut rejected_complaints = Vec::new();
        let mut unconfirmed = Vec::new();
        for j in roster.members() {
            let Some(conf) = confirms[usize::from(j) - 1] else {
                unconfirmed.push(j);
                continue;
            };
            if conf.message.dealings != digest || conf.message.dealers != dealers {
                return Err(ThresholdError::ConfirmationMismatch {
                    trustee: j,
                    theirs: list_trustees(&conf.message.dealers),
                    ours: list_trustees(&dealers),
                });
            }
            for complaint in &conf.message.complaints {
                let dealer = complaint.dealer;
                params.check_index(dealer)?;
                let Some(dealing) = valid[usize::from(dealer) - 1] else { continue };
                match judge_complaint(params, &roster, j, complaint, dealing) {
                    Ok(Some(reason)) => {
                        valid[usize::from(dealer) - 1] = None;
                        disqualified.push((dealer, reason));
                    }
                    Ok(None) => rejected_complaints.push(ThresholdError::FalseComplaint { complainer: j, dealer }),
                    Err(e) => rejected_complaints.push(e),
                }
            }
        }
        disqualified.sort_by_key(|d| d.0);
        let qualified: Vec<u16> = (1..=params.n).filter(|&i| valid[usize::from(i) - 1].is_some()).collect();
        if qualified.len() < usize::from(params.t) {
            return Err(ThresholdError::TooFewQualified {
                qualified: qualified.len(),
                needed: usize::from(params.t),
                reasons: disqualified.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; "),
            });
        }
        let commitments = valid.iter().map(|d| d.map(|d| d.commitments.clone())).collect();
        Ok(Self { roster, qualified, disqualified, rejected_complaints, unconfirmed, commitments })
    }

    fn commitments(&self, dealer: u16) -> Option<&[GroupElement]> {
        self.commitments.get(usize::from(dealer).checked_sub(1)?)?.as_deref()
    }
}

fn file_refs<M: CeremonyMessage>(messages: &[Signed<M>]) -> Vec<FileRef> {
    let mut refs: Vec<FileRef> =
        messages.iter().map(|m| FileRef { trustee: m.message.trustee(), digest: file_digest(m) }).collect();
    refs.sort_by_key(|r| r.trustee);
    refs
}

impl SignedClose {
    /// The officials' close of rounds 1–3 (SPEC.md §10.6): checks them ([`Qualification::check`]) and signs the
    /// digests of exactly these files with the manifest's officials key.
    pub fn sign(
        params: &CeremonyParams,
        officials: &SigningKey,
        announcements: &[Signed<Announcement>],
        dealings: &[Signed<Dealing>],
        confirmations: &[Signed<Confirmation>],
    ) -> Result<(Self, Qualification), ThresholdError> {
        if officials.verifying_key() != *params.officials.verifying_key() {
            return Err(ThresholdError::NotOfficialsKey);
        }
        let qualification = Qualification::check(params, announcements, dealings, confirmations)?;
        let message = Close {
            election: params.digest,
            announcements: file_refs(announcements),
            dealings: file_refs(dealings),
            confirmations: file_refs(confirmations),
        };
        let signature = officials.sign(&close_signed_bytes(&message)).to_bytes();
        Ok((Self { message, signature }, qualification))
    }

    /// The digest reveals and recoveries name: `SHA-256(FILE_DOMAIN ‖ enc(signed close))`.
    pub fn digest(&self) -> [u8; 32] {
        file_digest(self)
    }

    /// C9: for this election and signed by the manifest's officials key.
    pub fn verify(&self, params: &CeremonyParams) -> Result<(), ThresholdError> {
        if self.message.election != params.digest {
            return Err(ThresholdError::CloseWrongElection);
        }
        params
            .officials
            .verifying_key()
            .verify_strict(&close_signed_bytes(&self.message), &Signature::from_bytes(&self.signature))
            .map_err(|_| ThresholdError::BadCloseSignature)
    }
}

fn close_signed_bytes(close: &Close) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(SIGNATURE_DOMAIN).bytes(CLOSE_KIND).put(close);
    w.finish()
}

/// The files of one kind that the close names, in its order; a named file that is absent or differs is an
/// error, a file it does not name is *late* (ignored, and listed).
/// Each named file is first checked as a message (C1–C3, by `authentic`), so that a file of another election or
/// with a bad signature is reported as such rather than only as changed.
fn closed_files<'a, M: CeremonyMessage>(
    kind: &'static str,
    refs: &[FileRef],
    files: &'a [Signed<M>],
    late: &mut Vec<(&'static str, u16)>,
    authentic: &dyn Fn(&Signed<M>) -> Result<(), ThresholdError>,
) -> Result<Vec<Signed<M>>, ThresholdError>
where
    Signed<M>: Clone,
{
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let mut candidates = files.iter().filter(|f| f.message.trustee() == r.trustee);
        let Some(file) = candidates.next() else {
            return Err(ThresholdError::ClosedFileMissing { kind, trustee: r.trustee });
        };
        if candidates.next().is_some() {
            return Err(ThresholdError::Duplicate { kind, trustee: r.trustee });
        }
        if file_digest(file) != r.digest {
            authentic(file)?;
            return Err(ThresholdError::ClosedFileChanged { kind, trustee: r.trustee });
        }
        out.push(file.clone());
    }
    for f in files {
        let trustee = f.message.trustee();
        if !refs.iter().any(|r| r.trustee == trustee) {
            late.push((kind, trustee));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// The whole transcript and its outcome

/// Every file of a ceremony, as read from its directory or from the record.
#[derive(Debug, Clone, Default)]
pub struct CeremonyFiles {
    pub announcements: Vec<Signed<Announcement>>,
    pub dealings: Vec<Signed<Dealing>>,
    pub confirmations: Vec<Signed<Confirmation>>,
    pub close: Option<SignedClose>,
    pub reveals: Vec<Signed<Reveal>>,
    pub recoveries: Vec<Signed<Recovery>>,
}

/// The close's file name in a ceremony directory (and `ceremony/close.json` in the record).
pub const CLOSE_FILE: &str = "close.json";

/// Why a ceremony file cannot be read: the file, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct CeremonyFileError {
    pub file: String,
    pub reason: String,
}

impl CeremonyFiles {
    /// The files as a ceremony directory holds them: (file name, pretty JSON), in the record's order; the inverse
    /// of [`parse`](Self::parse).
    pub fn to_named(&self) -> Vec<(String, Vec<u8>)> {
        fn pretty<T: Serialize>(v: &T) -> Vec<u8> {
            let mut bytes = serde_json::to_vec_pretty(v).unwrap_or_default();
            bytes.push(b'\n');
            bytes
        }
        fn all<M: CeremonyMessage + Serialize>(kind: &str, v: &[Signed<M>], out: &mut Vec<(String, Vec<u8>)>) {
            let mut v: Vec<&Signed<M>> = v.iter().collect();
            v.sort_by_key(|m| m.message.trustee());
            out.extend(v.into_iter().map(|m| (format!("{kind}-{}.json", m.message.trustee()), pretty(m))));
        }
        let mut out = Vec::new();
        all("announcement", &self.announcements, &mut out);
        all("dealing", &self.dealings, &mut out);
        all("confirmation", &self.confirmations, &mut out);
        if let Some(c) = &self.close {
            out.push((CLOSE_FILE.to_string(), pretty(c)));
        }
        all("reveal", &self.reveals, &mut out);
        all("recovery", &self.recoveries, &mut out);
        out
    }

    /// Parses a ceremony directory's files, given as (file name, bytes), in any order: `KIND-J.json` for the
    /// trustees' messages (`KIND` one of [`crate::record::CEREMONY_KINDS`], `J` a trustee index without leading
    /// zeros, which must be the message's author) and [`CLOSE_FILE`]. Every message is decoded by its type's one
    /// decoder ([`crate::serde_via_codec`]); an error names the file, the trustee and the field. Other names are
    /// not ceremony files and are skipped; a name that starts like one but is malformed is an error.
    pub fn parse(files: &[(String, Vec<u8>)]) -> Result<Self, CeremonyFileError> {
        let mut out = Self::default();
        let mut named: Vec<(u16, &str, &str, &[u8])> = Vec::new();
        for (name, bytes) in files {
            let err = |reason: String| CeremonyFileError { file: name.clone(), reason };
            if name == CLOSE_FILE {
                let close: SignedClose = serde_json::from_slice(bytes)
                    .map_err(|e| err(format!("not the officials' close of rounds 1 to 3: {e}")))?;
                out.close = Some(close);
                continue;
            }
            let Some(kind) = crate::record::CEREMONY_KINDS
                .iter()
                .find(|k| name.strip_prefix(*k).is_some_and(|rest| rest.starts_with('-') && rest.ends_with(".json")))
            else {
                continue;
            };
            let index = &name[kind.len() + 1..name.len() - ".json".len()];
            let trustee = index
                .parse::<u16>()
                .ok()
                .filter(|j| *j > 0 && !index.starts_with('0'))
                .ok_or_else(|| err(format!("not a ceremony file name (expected {kind}-J.json, J = 1, 2, …)")))?;
            named.push((trustee, kind, name, bytes));
        }
        named.sort_by_key(|n| n.0);
        fn one<M: CeremonyMessage + serde::de::DeserializeOwned>(
            trustee: u16,
            kind: &str,
            name: &str,
            bytes: &[u8],
        ) -> Result<Signed<M>, CeremonyFileError> {
            let err = |reason: String| CeremonyFileError { file: name.to_string(), reason };
            let signed: Signed<M> =
                serde_json::from_slice(bytes).map_err(|e| err(format!("trustee {trustee}'s {kind}: {e}")))?;
            if signed.message.trustee() != trustee {
                return Err(err(format!(
                    "the {kind} is trustee {}'s, the file name says trustee {trustee}",
                    signed.message.trustee()
                )));
            }
            Ok(signed)
        }
        for (trustee, kind, name, bytes) in named {
            match kind {
                "announcement" => out.announcements.push(one(trustee, kind, name, bytes)?),
                "dealing" => out.dealings.push(one(trustee, kind, name, bytes)?),
                "confirmation" => out.confirmations.push(one(trustee, kind, name, bytes)?),
                "reveal" => out.reveals.push(one(trustee, kind, name, bytes)?),
                _ => out.recoveries.push(one(trustee, kind, name, bytes)?),
            }
        }
        Ok(out)
    }
}

/// Rounds 1–3 as the officials closed them, checked: what reveals and recoveries are made against.
#[derive(Debug, Clone)]
pub struct ClosedCeremony {
    pub qualification: Qualification,
    /// The close's digest (eq. (K11')).
    pub close: [u8; 32],
    /// Files of rounds 1–3 present but not named by the close: ignored.
    pub late: Vec<(&'static str, u16)>,
}

impl ClosedCeremony {
    /// C9 (the close, and every file it names present and unchanged), then C4–C8 on those files.
    pub fn check(params: &CeremonyParams, files: &CeremonyFiles) -> Result<Self, ThresholdError> {
        let close = files.close.as_ref().ok_or(ThresholdError::NotClosed)?;
        close.verify(params)?;
        let mut late = Vec::new();
        let own_key = |a: &Signed<Announcement>| -> Result<(), ThresholdError> {
            let trustee = a.message.trustee;
            if a.message.election != params.digest {
                return Err(ThresholdError::WrongElection { trustee });
            }
            let key = TrusteeVerifyingKey::from_bytes(&a.message.signing_key)
                .map_err(|_| ThresholdError::BadSigningKey { trustee })?;
            a.verify(params, &key).map(|_| ())
        };
        let a = closed_files("announcement", &close.message.announcements, &files.announcements, &mut late, &own_key)?;
        let roster = Roster::new(params, &a)?;
        let d = closed_files("dealing", &close.message.dealings, &files.dealings, &mut late, &|m| {
            roster.verify(params, m).map(|_| ())
        })?;
        let c = closed_files("confirmation", &close.message.confirmations, &files.confirmations, &mut late, &|m| {
            roster.verify(params, m).map(|_| ())
        })?;
        let qualification = Qualification::check(params, &a, &d, &c)?;
        Ok(Self { qualification, close: close.digest(), late })
    }
}

/// What the ceremony's public files determine (SPEC.md §10.7).
#[derive(Debug, Clone)]
pub struct CeremonyOutcome {
    pub params: CeremonyParams,
    pub roster: Roster,
    /// QUAL, ascending.
    pub qualified: Vec<u16>,
    /// Dealers left out of QUAL, each with the reason.
    pub disqualified: Vec<(u16, ThresholdError)>,
    /// Complaints that were void (bad proof) or false (the share was good).
    pub rejected_complaints: Vec<ThresholdError>,
    /// Trustees who sent no announcement: they took no part (C4).
    pub absent: Vec<u16>,
    /// Trustees of the roster whose confirmation the close does not name.
    pub unconfirmed: Vec<u16>,
    /// Files present but not named by the close (rounds 1–3), or not needed (reveals, recoveries): ignored.
    pub late: Vec<(&'static str, u16)>,
    /// QUAL trustees whose contribution was rebuilt from the others' recoveries (their reveal missing or wrong).
    pub recovered: Vec<u16>,
    /// Reveals and recovered shares that failed, each naming its author.
    pub rejected: Vec<ThresholdError>,
    /// eq. (K9).
    pub election_key: PublicKey,
    /// eq. (K10): `verification_keys[j − 1] = Y_j`.
    pub verification_keys: Vec<GroupElement>,
}

impl CeremonyOutcome {
    pub fn verification_key(&self, trustee: u16) -> Result<&GroupElement, ThresholdError> {
        usize::from(trustee)
            .checked_sub(1)
            .and_then(|i| self.verification_keys.get(i))
            .ok_or(ThresholdError::UnknownTrustee { trustee })
    }
}

/// Checks a reveal (C10): from a QUAL dealer, under this close, `t` values, and the opening proof.
pub fn check_reveal(
    params: &CeremonyParams,
    closed: &ClosedCeremony,
    reveal: &Signed<Reveal>,
) -> Result<Vec<GroupElement>, ThresholdError> {
    let q = &closed.qualification;
    let m = q.roster.verify(params, reveal)?;
    let dealer = m.trustee;
    let pedersen = q.commitments(dealer).ok_or(ThresholdError::NotQualified { trustee: dealer })?;
    if m.close != closed.close {
        return Err(ThresholdError::WrongClose { kind: "reveal", trustee: dealer });
    }
    let h = pedersen_h();
    let st = OpeningStatement { h: &h, pedersen, feldman: &m.values };
    m.proof
        .verify(&mut reveal_transcript(params, dealer, &closed.close), &st)
        .map_err(|_| ThresholdError::BadReveal { dealer })?;
    Ok(m.values.clone())
}

/// Rebuilds dealer `i`'s Feldman values from the recovered shares (C11): each checked by (K8) against its
/// author's index; the `t` valid ones of the smallest indices interpolate `f_i` and `f'_i`, which must open every
/// `P_{i,k}` (they do unless someone knows `log_G H`).
fn recover(
    params: &CeremonyParams,
    closed: &ClosedCeremony,
    dealer: u16,
    recoveries: &[&Recovery],
    rejected: &mut Vec<ThresholdError>,
) -> Result<Vec<GroupElement>, ThresholdError> {
    let pedersen = closed.qualification.commitments(dealer).ok_or(ThresholdError::NotQualified { trustee: dealer })?;
    let probe = Dealing {
        election: params.digest,
        trustee: dealer,
        roster: [0; 32],
        commitments: pedersen.to_vec(),
        shares: vec![],
    };
    let mut points: Vec<(u16, Scalar, Scalar)> = Vec::new();
    for r in recoveries {
        for s in r.shares.iter().filter(|s| s.dealer == dealer) {
            if r.trustee == dealer {
                continue;
            }
            match check_share(&probe, r.trustee, &s.share, &s.blinding) {
                Ok(()) => points.push((r.trustee, s.share, s.blinding)),
                Err(_) => rejected.push(ThresholdError::BadRecoveredShare { dealer, recipient: r.trustee }),
            }
        }
    }
    points.sort_by_key(|p| p.0);
    points.dedup_by_key(|p| p.0);
    let t = usize::from(params.t);
    if points.len() < t {
        return Err(ThresholdError::Unrevealed { dealer, recovered: points.len(), needed: t });
    }
    points.truncate(t);
    let a = Zeroizing::new(interpolate(&points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>()));
    let b = Zeroizing::new(interpolate(&points.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>()));
    let h = pedersen_h();
    for ((p, a), b) in pedersen.iter().zip(a.iter()).zip(b.iter()) {
        if RistrettoPoint::vartime_multiscalar_mul([*a, *b], [G, *h.point()]) != *p.point() {
            return Err(ThresholdError::Unrevealed { dealer, recovered: 0, needed: t });
        }
    }
    Ok(a.iter().map(|a| GroupElement::new(base_mul(a))).collect())
}

/// Checks the whole ceremony (checks C1–C11) and derives its outcome from its files alone.
///
/// Files that are not authentic (another election, a bad signature, a duplicate) are errors: the operator must
/// find the right file. An authentic dealing that fails a check, or against which a complaint is upheld, only
/// takes its dealer out of QUAL. After the close nothing takes a QUAL trustee out: a missing or wrong reveal is
/// replaced by the recovered contribution, and the ceremony fails (*Unrevealed*) until `t` recoveries are in.
pub fn verify_ceremony(params: &CeremonyParams, files: &CeremonyFiles) -> Result<CeremonyOutcome, ThresholdError> {
    let closed = ClosedCeremony::check(params, files)?;
    let q = &closed.qualification;
    let reveals = index_messages(params, &q.roster, &files.reveals, "reveal")?;
    let recoveries = index_messages(params, &q.roster, &files.recoveries, "recovery")?;
    let mut late = closed.late.clone();
    let mut rejected = Vec::new();
    let mut valid_recoveries = Vec::new();
    for r in recoveries.iter().flatten() {
        if r.message.close == closed.close {
            valid_recoveries.push(&r.message);
        } else {
            rejected.push(ThresholdError::WrongClose { kind: "recovery", trustee: r.message.trustee });
        }
    }
    let mut values: Vec<Vec<GroupElement>> = Vec::with_capacity(q.qualified.len());
    let mut recovered = Vec::new();
    for (i, reveal) in reveals.iter().enumerate() {
        let dealer = i as u16 + 1;
        if reveal.is_some() && !q.qualified.contains(&dealer) {
            late.push(("reveal", dealer));
        }
    }
    for &i in &q.qualified {
        let revealed = match reveals[usize::from(i) - 1] {
            Some(r) => match check_reveal(params, &closed, r) {
                Ok(v) => Some(v),
                Err(e) => {
                    rejected.push(e);
                    None
                }
            },
            None => None,
        };
        match revealed {
            Some(v) => values.push(v),
            None => {
                values.push(recover(params, &closed, i, &valid_recoveries, &mut rejected)?);
                recovered.push(i);
            }
        }
    }
    // Aggregate A_k = Σ_{i∈QUAL} A_{i,k}; then Y = A_0 and Y_j = Σ_k j^k·A_k.
    let mut aggregate = vec![RistrettoPoint::identity(); usize::from(params.t)];
    for v in &values {
        for (a, c) in aggregate.iter_mut().zip(v) {
            *a += c.point();
        }
    }
    let aggregate: Vec<GroupElement> = aggregate.into_iter().map(GroupElement::new).collect();
    let election_key = PublicKey::from_element(aggregate[0])?;
    let verification_keys = (1..=params.n).map(|j| GroupElement::new(eval_commitments(&aggregate, j))).collect();
    Ok(CeremonyOutcome {
        params: *params,
        absent: q.roster.absent(),
        roster: q.roster.clone(),
        qualified: q.qualified.clone(),
        disqualified: q.disqualified.clone(),
        rejected_complaints: q.rejected_complaints.clone(),
        unconfirmed: q.unconfirmed.clone(),
        late,
        recovered,
        rejected,
        election_key,
        verification_keys,
    })
}

// ---------------------------------------------------------------------------------------------------------
// A trustee's secrets

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

    pub fn trustee(&self) -> u16 {
        self.trustee
    }
    /// The number of coefficients of the polynomial: the threshold `t` it was made for.
    pub fn threshold(&self) -> usize {
        self.coefficients.len()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::lagrange_at_zero;

    #[test]
    fn interpolation_recovers_the_coefficients() {
        let coeffs = [Scalar::from(7u8), Scalar::from(3u8), Scalar::from(11u8)];
        let points: Vec<(u16, Scalar)> = [2u16, 5, 9].iter().map(|&x| (x, eval_poly(&coeffs, x))).collect();
        assert_eq!(interpolate(&points), coeffs);
        assert_eq!(list_trustees(&[1, 2, 4]), "1, 2 and 4");
        assert_eq!(list_trustees(&[3]), "3");
        assert_eq!(list_trustees(&[]), "none");
    }

    #[test]
    fn lagrange_at_zero_agrees_with_interpolation() {
        let points = [(1u16, Scalar::from(5u8)), (3, Scalar::from(8u8))];
        let c = interpolate(&points);
        let at0: Scalar = points.iter().map(|&(x, y)| lagrange_at_zero(x, &[1, 3]) * y).sum();
        assert_eq!(c[0], at0);
    }
}

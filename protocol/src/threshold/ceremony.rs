//! Pedersen's distributed key generation with a commit round (SPEC.md §10 (T3–T7)).
//!
//! Rounds, each a signed file per trustee `i`:
//! 1. [`Announcement`]: the signing key and a share-encryption key `E_i = e_i·G` with a Schnorr proof. The
//!    trustees who announce form the [`Roster`] (at least `t` of them); one who does not is *absent*: it takes no
//!    further part, and the ceremony goes on without it.
//! 2. [`Commitment`]: the roster's digest `R` (eq. (K2')), so every trustee deals to the same set, and
//!    `h_i = H(C_{i,0} ‖ … ‖ C_{i,t−1} ‖ π_i)`, the hash of what round 3 reveals (eq. (K3)), so
//!    no trustee can choose its polynomial after seeing the others' (the key-biasing attack of Gennaro et al.).
//! 3. [`Dealing`]: the Feldman commitments `C_{i,k} = a_{i,k}·G` (eq. (K1)), the proof of knowledge `π_i` of
//!    `a_{i,0}`, and for every other trustee `j` of the roster the share `s_{i,j} = f_i(j)` (eq. (K2)) encrypted to `E_j`.
//! 4. [`Confirmation`]: the digest of the dealings received, and a verifiable complaint for every share that
//!    fails eq. (K8): the complainer discloses the shared DH point with a DLEQ proof, so anyone can decrypt
//!    the disputed share and decide.
//!
//! [`verify_ceremony`] derives, from these files alone, the qualified set, the election key
//! `Y = Σ_{i∈QUAL} C_{i,0}` (eq. (K9)) and every verification key `Y_j = Σ_{i∈QUAL} Σ_k j^k·C_{i,k}` (eq. (K10)).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::share::{open, seal, SEALED_LEN};
use super::{
    ceremony_transcript, CeremonyMessage, CeremonyParams, Signed, ThresholdError, TrusteeSigningKey,
    TrusteeVerifyingKey, MAX_TRUSTEES,
};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::elgamal::{base_mul, PublicKey, SecretKey};
use crate::group::{random_scalar, GroupElement, G};
use crate::proofs::dleq::{DleqProof, DleqStatement, DleqWitness};
use crate::proofs::schnorr::{SchnorrProof, SchnorrStatement, SchnorrWitness};
use crate::transcript::TranscriptProtocol;

/// Signature kinds (SPEC.md §10 (T1)).
pub const ANNOUNCEMENT_KIND: &[u8] = b"rv/trustee/announcement/v1";
pub const COMMITMENT_KIND: &[u8] = b"rv/trustee/commitment/v1";
pub const DEALING_KIND: &[u8] = b"rv/trustee/dealing/v1";
pub const CONFIRMATION_KIND: &[u8] = b"rv/trustee/confirmation/v1";
/// Transcript domains (SPEC.md §10 (T2)).
pub const ENCRYPTION_KEY_DOMAIN: &[u8] = b"rv/trustee/encryption-key/v1";
pub const CONSTANT_TERM_DOMAIN: &[u8] = b"rv/trustee/constant-term/v1";
pub const COMPLAINT_DOMAIN: &[u8] = b"rv/trustee/complaint/v1";
/// Hash domains.
pub const REVEAL_DOMAIN: &[u8] = b"rv/trustee/reveal/v1";
pub const DEALINGS_DOMAIN: &[u8] = b"rv/trustee/dealings/v1";
pub const ROSTER_DOMAIN: &[u8] = b"rv/trustee/roster/v1";
const REVEAL_NONCE_DOMAIN: &[u8] = b"rv/trustee/reveal-nonce/v1";

// ---------------------------------------------------------------------------------------------------------
// Messages

/// Round 1 (SPEC.md §10 (T3), message M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    #[serde(with = "crate::group::bytes_hex")]
    pub signing_key: [u8; 32],
    pub encryption_key: GroupElement,
    pub encryption_key_proof: SchnorrProof,
}

/// Round 2 (message M2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    /// The digest of the roster the trustee commits to deal to (eq. (K2')).
    #[serde(with = "crate::group::bytes_hex")]
    pub roster: [u8; 32],
    #[serde(with = "crate::group::bytes_hex")]
    pub reveal_hash: [u8; 32],
}

/// One share of a dealing, encrypted to its recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedShare {
    pub recipient: u16,
    pub ephemeral: GroupElement,
    #[serde(with = "crate::group::bytes_hex")]
    pub sealed: [u8; SEALED_LEN],
}

/// Round 3 (message M3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dealing {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    pub coefficients: Vec<GroupElement>,
    pub proof: SchnorrProof,
    pub shares: Vec<EncryptedShare>,
}

/// A verifiable complaint: the complainer's DH point with the dealer's ephemeral key, and its DLEQ proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complaint {
    pub dealer: u16,
    pub shared: GroupElement,
    pub proof: DleqProof,
}

/// Round 4 (message M4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    pub trustee: u16,
    #[serde(with = "crate::group::bytes_hex")]
    pub dealings: [u8; 32],
    pub complaints: Vec<Complaint>,
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
message!(Commitment, COMMITMENT_KIND);
message!(Dealing, DEALING_KIND);
message!(Confirmation, CONFIRMATION_KIND);

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

impl Encode for Commitment {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.roster).raw(&self.reveal_hash);
    }
}
impl Decode for Commitment {
    const WHAT: &'static str = "commitment";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("commitment.election")?,
            trustee: r.u16("commitment.trustee")?,
            roster: r.array("commitment.roster")?,
            reveal_hash: r.array("commitment.reveal_hash")?,
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
        w.raw(&self.election).u16(self.trustee).seq(&self.coefficients).put(&self.proof).seq(&self.shares);
    }
}
impl Decode for Dealing {
    const WHAT: &'static str = "dealing";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("dealing.election")?,
            trustee: r.u16("dealing.trustee")?,
            coefficients: r.seq("dealing.coefficients", MAX_TRUSTEES)?,
            proof: SchnorrProof::decode(r)?,
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
            shared: r.element("complaint.shared")?,
            proof: DleqProof::decode(r)?,
        })
    }
}

impl Encode for Confirmation {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.election).u16(self.trustee).raw(&self.dealings).seq(&self.complaints);
    }
}
impl Decode for Confirmation {
    const WHAT: &'static str = "confirmation";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            election: r.array("confirmation.election")?,
            trustee: r.u16("confirmation.trustee")?,
            dealings: r.array("confirmation.dealings")?,
            complaints: r.seq("confirmation.complaints", MAX_TRUSTEES)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Transcripts and hashes

fn encryption_key_transcript(params: &CeremonyParams, trustee: u16, signing_key: &[u8; 32]) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(ENCRYPTION_KEY_DOMAIN);
    t.append_u64(b"trustee", u64::from(trustee));
    t.append_message(b"signing-key", signing_key);
    t
}

/// SPEC.md §10 (T2): binds the dealer and *all* its coefficient commitments before the proof of `a_{i,0}`.
fn constant_term_transcript(params: &CeremonyParams, dealer: u16, coefficients: &[GroupElement]) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(CONSTANT_TERM_DOMAIN);
    t.append_u64(b"trustee", u64::from(dealer));
    t.append_len(b"t", coefficients.len());
    for c in coefficients {
        t.append_element(b"C", c);
    }
    t
}

fn complaint_transcript(params: &CeremonyParams, dealer: u16, complainer: u16) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(COMPLAINT_DOMAIN);
    t.append_u64(b"dealer", u64::from(dealer));
    t.append_u64(b"complainer", u64::from(complainer));
    t
}

/// SPEC.md §10 eq. (K3): `h_i = SHA-256(REVEAL_DOMAIN ‖ digest ‖ u16(i) ‖ u32(t) ‖ C_{i,0} ‖ … ‖ C_{i,t−1} ‖ π_i)`.
pub fn reveal_hash(
    params: &CeremonyParams,
    dealer: u16,
    coefficients: &[GroupElement],
    proof: &SchnorrProof,
) -> [u8; 32] {
    let mut w = Writer::new();
    w.raw(REVEAL_DOMAIN).raw(&params.digest).u16(dealer).seq(coefficients).put(proof);
    Sha256::digest(w.finish()).into()
}

/// SPEC.md §10 eq. (K11): `SHA-256(DEALINGS_DOMAIN ‖ u32(count) ‖ signed dealings in index order)`.
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

/// Checks C5–C8 of a dealing against the dealer's commitment: the commitment's roster, the coefficient count,
/// the committed hash, the proof of knowledge of the constant term, and one share for each other trustee of the
/// roster, in order.
pub fn check_dealing(
    params: &CeremonyParams,
    roster: &Roster,
    commitment: &Commitment,
    dealing: &Dealing,
) -> Result<(), ThresholdError> {
    let dealer = dealing.trustee;
    if &commitment.roster != roster.digest() {
        return Err(ThresholdError::RosterMismatch { trustee: dealer });
    }
    let expected = usize::from(params.t);
    if dealing.coefficients.len() != expected {
        return Err(ThresholdError::WrongCoefficientCount { dealer, expected, got: dealing.coefficients.len() });
    }
    if reveal_hash(params, dealer, &dealing.coefficients, &dealing.proof) != commitment.reveal_hash {
        return Err(ThresholdError::RevealMismatch { dealer });
    }
    let mut t = constant_term_transcript(params, dealer, &dealing.coefficients);
    dealing
        .proof
        .verify(&mut t, &SchnorrStatement { x: &dealing.coefficients[0] })
        .map_err(|_| ThresholdError::BadKnowledgeProof { dealer })?;
    let recipients = roster.members().into_iter().filter(|&j| j != dealer);
    if !dealing.shares.iter().map(|s| s.recipient).eq(recipients) {
        return Err(ThresholdError::MalformedShares { dealer });
    }
    Ok(())
}

/// SPEC.md §10 eq. (K8), check C9: `s_{i,j}·G = Σ_k j^k·C_{i,k}`.
pub fn check_share(dealing: &Dealing, recipient: u16, share: &Scalar) -> Result<(), ThresholdError> {
    if base_mul(share) != eval_commitments(&dealing.coefficients, recipient) {
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

/// Opens and checks the share for `recipient` under the DH point `shared`.
fn open_and_check(
    params: &CeremonyParams,
    dealing: &Dealing,
    recipient: u16,
    recipient_key: &GroupElement,
    shared: &GroupElement,
) -> Result<Zeroizing<Scalar>, ThresholdError> {
    let dealer = dealing.trustee;
    let enc = share_for(dealing, recipient)?;
    let share = open(shared, &params.digest, dealer, recipient, &enc.ephemeral, recipient_key, &enc.sealed)
        .map(Zeroizing::new)
        .ok_or(ThresholdError::ShareUndecryptable { dealer, recipient })?;
    check_share(dealing, recipient, &share)?;
    Ok(share)
}

/// Check C10: a complaint's DLEQ proof (`log_G E_j = log_R K`); then the disputed share is opened with `K`.
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
// The public outcome

/// What the ceremony's public transcript determines (SPEC.md §10 (T7)).
#[derive(Debug, Clone)]
pub struct CeremonyOutcome {
    pub params: CeremonyParams,
    /// QUAL, ascending.
    pub qualified: Vec<u16>,
    /// Dealers left out of QUAL, each with the reason.
    pub disqualified: Vec<(u16, ThresholdError)>,
    /// Complaints that were void (bad proof) or false (the share was good).
    pub rejected_complaints: Vec<ThresholdError>,
    /// Trustees who sent no announcement: they took no part (C4).
    pub absent: Vec<u16>,
    /// Trustees of the roster who sent no confirmation.
    pub unconfirmed: Vec<u16>,
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

/// Checks the whole ceremony transcript (checks C1–C11) and derives its outcome from it alone.
///
/// Files that are not authentic (another election, a bad signature, a duplicate) are errors: the operator must
/// find the right file. An authentic dealing that fails a check, or against which a complaint is upheld, only
/// takes its dealer out of QUAL; the ceremony still succeeds while at least `t` dealers qualify.
pub fn verify_ceremony(
    params: &CeremonyParams,
    announcements: &[Signed<Announcement>],
    commitments: &[Signed<Commitment>],
    dealings: &[Signed<Dealing>],
    confirmations: &[Signed<Confirmation>],
) -> Result<CeremonyOutcome, ThresholdError> {
    let roster = Roster::new(params, announcements)?;
    let commits = index_messages(params, &roster, commitments, "commitment")?;
    let deals = index_messages(params, &roster, dealings, "dealing")?;
    let confirms = index_messages(params, &roster, confirmations, "confirmation")?;

    let mut disqualified = Vec::new();
    let mut valid: Vec<Option<&Dealing>> = vec![None; usize::from(params.n)];
    for i in roster.members() {
        let slot = usize::from(i) - 1;
        match (commits[slot], deals[slot]) {
            (None, _) => disqualified.push((i, ThresholdError::Missing { kind: "commitment", trustee: i })),
            (Some(_), None) => disqualified.push((i, ThresholdError::Missing { kind: "dealing", trustee: i })),
            (Some(c), Some(d)) => match check_dealing(params, &roster, &c.message, &d.message) {
                Ok(()) => valid[slot] = Some(&d.message),
                Err(e) => disqualified.push((i, e)),
            },
        }
    }

    let all_deals: Vec<&Signed<Dealing>> = deals.iter().flatten().copied().collect();
    let digest = dealings_digest(&all_deals);
    let mut rejected_complaints = Vec::new();
    let mut unconfirmed = Vec::new();
    for j in roster.members() {
        let Some(conf) = confirms[usize::from(j) - 1] else {
            unconfirmed.push(j);
            continue;
        };
        if conf.message.dealings != digest {
            return Err(ThresholdError::ConfirmationMismatch { trustee: j });
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
        return Err(ThresholdError::TooFewQualified { qualified: qualified.len(), needed: usize::from(params.t) });
    }
    // Aggregate commitments A_k = Σ_{i∈QUAL} C_{i,k}; then Y = A_0 and Y_j = Σ_k j^k·A_k.
    let mut aggregate = vec![RistrettoPoint::identity(); usize::from(params.t)];
    for d in valid.iter().flatten() {
        for (a, c) in aggregate.iter_mut().zip(&d.coefficients) {
            *a += c.point();
        }
    }
    let aggregate: Vec<GroupElement> = aggregate.into_iter().map(GroupElement::new).collect();
    let election_key = PublicKey::from_element(aggregate[0])?;
    let verification_keys = (1..=params.n).map(|j| GroupElement::new(eval_commitments(&aggregate, j))).collect();
    Ok(CeremonyOutcome {
        params: *params,
        qualified,
        disqualified,
        rejected_complaints,
        absent: roster.absent(),
        unconfirmed,
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
}

/// Everything a trustee keeps secret: its signing seed, its share-encryption key `e_i`, its polynomial's
/// coefficients `a_{i,k}` and the shares received. Wiped on drop; prints as redacted; neither `Clone` nor
/// `Serialize`: [`to_secret_bytes`](Self::to_secret_bytes) is the only way out, for encrypted storage.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct TrusteeSecret {
    trustee: u16,
    signing_seed: [u8; 32],
    encryption: Scalar,
    coefficients: Vec<Scalar>,
    received: Vec<ReceivedShare>,
}

impl core::fmt::Debug for TrusteeSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TrusteeSecret(trustee {}, <redacted>)", self.trustee)
    }
}

const SECRET_VERSION: u8 = 1;

impl TrusteeSecret {
    /// Draws trustee `trustee`'s keys and its polynomial of degree `t − 1` (eq. (K1)).
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

    /// The Feldman commitments and the proof of `a_{i,0}`; deterministic (its nonce comes from the secret), so
    /// round 2 can hash what round 3 will reveal without storing it.
    fn reveal(&self, params: &CeremonyParams) -> (Vec<GroupElement>, SchnorrProof) {
        let coefficients: Vec<GroupElement> =
            self.coefficients.iter().map(|a| GroupElement::new(base_mul(a))).collect();
        let mut seed = Zeroizing::new([0u8; 32]);
        let mut h = Sha256::new();
        h.update(REVEAL_NONCE_DOMAIN);
        h.update(self.coefficients[0].as_bytes());
        seed.copy_from_slice(&h.finalize());
        let mut rng = ChaCha20Rng::from_seed(*seed);
        let mut t = constant_term_transcript(params, self.trustee, &coefficients);
        let proof = SchnorrProof::prove(
            &mut t,
            &SchnorrStatement { x: &coefficients[0] },
            &SchnorrWitness { x: &self.coefficients[0] },
            &mut rng,
        );
        (coefficients, proof)
    }

    /// Round 2: the roster's digest (eq. (K2')) and the hash of round 3's reveal (eq. (K3)). This trustee must be
    /// in the roster with the key of its secret state.
    pub fn commitment(&self, params: &CeremonyParams, roster: &Roster) -> Result<Signed<Commitment>, ThresholdError> {
        self.check_own_key(roster)?;
        let (coefficients, proof) = self.reveal(params);
        Ok(self.signing_key().sign(Commitment {
            election: params.digest,
            trustee: self.trustee,
            roster: *roster.digest(),
            reveal_hash: reveal_hash(params, self.trustee, &coefficients, &proof),
        }))
    }

    /// `f_i(j) = Σ_k a_{i,k}·j^k` (eq. (K2)), by Horner.
    fn evaluate(&self, j: u16) -> Scalar {
        let x = Scalar::from(j);
        self.coefficients.iter().rev().fold(Scalar::ZERO, |acc, a| acc * x + a)
    }

    /// Round 3: needs the roster (for the recipients' keys) and the commitments received, at least `t` of them
    /// and this trustee's own among them, all authentic and all made for this roster (a commitment made for
    /// another set of announcements means the trustees do not hold the same files: *RosterMismatch*).
    pub fn dealing<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        roster: &Roster,
        commitments: &[Signed<Commitment>],
        rng: &mut R,
    ) -> Result<Signed<Dealing>, ThresholdError> {
        self.check_own_key(roster)?;
        let commits = index_messages(params, roster, commitments, "commitment")?;
        if let Some(c) = commits.iter().flatten().find(|c| &c.message.roster != roster.digest()) {
            return Err(ThresholdError::RosterMismatch { trustee: c.message.trustee });
        }
        let count = commits.iter().flatten().count();
        if count < usize::from(params.t) {
            return Err(ThresholdError::TooFewQualified { qualified: count, needed: usize::from(params.t) });
        }
        let own = commits[usize::from(self.trustee) - 1]
            .ok_or(ThresholdError::Missing { kind: "commitment", trustee: self.trustee })?;
        let (coefficients, proof) = self.reveal(params);
        if own.message.reveal_hash != reveal_hash(params, self.trustee, &coefficients, &proof) {
            return Err(ThresholdError::RevealMismatch { dealer: self.trustee });
        }
        let mut shares = Vec::with_capacity(usize::from(params.n) - 1);
        for j in roster.members().into_iter().filter(|&j| j != self.trustee) {
            let key = roster.encryption_key(j)?;
            let r = Zeroizing::new(random_scalar(rng));
            let ephemeral = GroupElement::new(base_mul(&r));
            let shared = GroupElement::new(*r * key.point());
            let share = Zeroizing::new(self.evaluate(j));
            let sealed = seal(&shared, &params.digest, self.trustee, j, &ephemeral, key, &share);
            shares.push(EncryptedShare { recipient: j, ephemeral, sealed });
        }
        Ok(self.signing_key().sign(Dealing {
            election: params.digest,
            trustee: self.trustee,
            coefficients,
            proof,
            shares,
        }))
    }

    fn check_own_key(&self, roster: &Roster) -> Result<(), ThresholdError> {
        if roster.signing_key(self.trustee)? != &self.signing_key().verifying_key() {
            return Err(ThresholdError::KeyMismatch { trustee: self.trustee });
        }
        Ok(())
    }

    /// Round 4: checks every other dealing, keeps the good shares, and complains, verifiably, about each share
    /// that cannot be opened or fails eq. (K8). Dealings that fail a *public* check need no complaint (everyone
    /// sees them) and are returned among the problems with the complaints' reasons.
    pub fn confirm<R: RngCore + CryptoRng>(
        &mut self,
        params: &CeremonyParams,
        roster: &Roster,
        commitments: &[Signed<Commitment>],
        dealings: &[Signed<Dealing>],
        rng: &mut R,
    ) -> Result<(Signed<Confirmation>, Vec<ThresholdError>), ThresholdError> {
        self.check_own_key(roster)?;
        let commits = index_messages(params, roster, commitments, "commitment")?;
        let deals = index_messages(params, roster, dealings, "dealing")?;
        let me = self.trustee;
        let my_key = *roster.encryption_key(me)?;
        let mut problems = Vec::new();
        let mut complaints = Vec::new();
        self.received.clear();
        for i in roster.members().into_iter().filter(|&i| i != me) {
            let slot = usize::from(i) - 1;
            let (Some(c), Some(d)) = (commits[slot], deals[slot]) else {
                problems.push(ThresholdError::Missing { kind: "dealing", trustee: i });
                continue;
            };
            if let Err(e) = check_dealing(params, roster, &c.message, &d.message) {
                problems.push(e);
                continue;
            }
            let enc = share_for(&d.message, me)?;
            let shared = GroupElement::new(self.encryption * enc.ephemeral.point());
            match open_and_check(params, &d.message, me, &my_key, &shared) {
                Ok(share) => self.received.push(ReceivedShare { dealer: i, share: *share }),
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

    /// The key share `x_j = Σ_{i∈QUAL} s_{i,j}` (eq. (K10')), checked against `Y_j`. An absent trustee (C4) has
    /// none.
    pub fn key_share(&self, outcome: &CeremonyOutcome) -> Result<SecretKey, ThresholdError> {
        if outcome.absent.contains(&self.trustee) {
            return Err(ThresholdError::Absent { trustee: self.trustee });
        }
        let mut x = Zeroizing::new(Scalar::ZERO);
        for &i in &outcome.qualified {
            if i == self.trustee {
                *x += self.evaluate(i);
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
        w.seq(&self.coefficients);
        w.u32(self.received.len() as u32);
        for r in &self.received {
            w.u16(r.dealer).scalar(&r.share);
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
        let coefficients = r.seq("secret.coefficients", MAX_TRUSTEES)?;
        let count = r.u32("secret.received")? as usize;
        if count > MAX_TRUSTEES {
            return Err(DecodeError::TooLong { what: "secret.received", len: count, max: MAX_TRUSTEES });
        }
        let mut received = Vec::with_capacity(count);
        for _ in 0..count {
            received.push(ReceivedShare { dealer: r.u16("secret.dealer")?, share: r.scalar("secret.share")? });
        }
        r.finish("trustee secret")?;
        if coefficients.is_empty() || trustee == 0 {
            return Err(DecodeError::Truncated { what: "secret.coefficients", needed: 32 });
        }
        Ok(Self { trustee, signing_seed, encryption, coefficients, received })
    }
}

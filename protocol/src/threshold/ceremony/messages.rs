//! The ceremony's messages (SPEC.md §10.1, §10.3, §10.5–§10.7): M1–M4, M6 and M7 with their one canonical
//! encoding (their JSON is that encoding's fields, through [`crate::serde_via_codec`]), the signature kinds and
//! transcript domains (§10.2), the second generator `H` (§2.3 eq. (1)), and the digests that name files and
//! sets of files (eq. (K2'), (K11), (K11')).

use curve25519_dalek::Scalar;
use merlin::Transcript;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::group::{derive_generator, GroupElement};
use crate::limits::MAX_TRUSTEES;
use crate::proofs::dleq::DleqProof;
use crate::proofs::opening::OpeningProof;
use crate::proofs::schnorr::SchnorrProof;
use crate::threshold::share::SEALED_LEN;
use crate::threshold::{ceremony_transcript, CeremonyMessage, CeremonyParams, Signed};
use crate::transcript::TranscriptProtocol;

/// The signature kind (eq. (K0), SPEC.md §10.1) of an announcement, M1.
pub const ANNOUNCEMENT_KIND: &[u8] = b"rv/trustee/announcement/v1";
/// The signature kind (eq. (K0)) of a dealing, M2.
pub const DEALING_KIND: &[u8] = b"rv/trustee/dealing/v2";
/// The signature kind (eq. (K0)) of a confirmation, M3.
pub const CONFIRMATION_KIND: &[u8] = b"rv/trustee/confirmation/v2";
/// The signature kind (eq. (K0)) of the officials' close, M4.
pub const CLOSE_KIND: &[u8] = b"rv/officials/ceremony-close/v1";
/// The signature kind (eq. (K0)) of a reveal, M6.
pub const REVEAL_KIND: &[u8] = b"rv/trustee/reveal/v2";
/// The signature kind (eq. (K0)) of a recovery, M7.
pub const RECOVERY_KIND: &[u8] = b"rv/trustee/recovery/v1";
/// The `dom-sep` of the encryption-key proof's transcript (SPEC.md §10.2).
pub const ENCRYPTION_KEY_DOMAIN: &[u8] = b"rv/trustee/encryption-key/v1";
/// The `dom-sep` of a complaint's transcript (SPEC.md §10.2).
pub const COMPLAINT_DOMAIN: &[u8] = b"rv/trustee/complaint/v2";
/// The `dom-sep` of the opening proof's transcript (SPEC.md §10.2).
pub const REVEAL_DOMAIN: &[u8] = b"rv/trustee/reveal/v2";
/// The hash domain of the dealings digest `D`, eq. (K11).
pub const DEALINGS_DOMAIN: &[u8] = b"rv/trustee/dealings/v2";
/// The hash domain of the roster digest `R`, eq. (K2').
pub const ROSTER_DOMAIN: &[u8] = b"rv/trustee/roster/v1";
/// The hash domain of a file's digest, eq. (K11').
pub const FILE_DOMAIN: &[u8] = b"rv/trustee/file/v1";
/// The seed of `H`, the ceremony's second generator (eq. (K0'); SPEC.md §2.3 eq. (1), index 0).
pub const PEDERSEN_SEED: &[u8] = b"rv/trustee/pedersen/v1";
/// The label of `H` (eq. (K0')).
pub const PEDERSEN_LABEL: &[u8] = b"H";

/// `H = derive_generator("rv/trustee/pedersen/v1", "H", 0)` (eq. (K0')): no one knows `log_G H`.
pub fn pedersen_h() -> GroupElement {
    GroupElement::new(derive_generator(PEDERSEN_SEED, PEDERSEN_LABEL, 0))
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/// Round 1 (SPEC.md §10.3, message M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Announcement {
    /// The manifest digest (eq. (2'); check C1).
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    /// The announcing trustee `i`.
    pub trustee: u16,
    /// `vk_i`: the Ed25519 key that signs this and every later message of trustee `i` (check C3).
    #[serde(with = "crate::group::bytes_hex")]
    pub signing_key: [u8; 32],
    /// `E_i = e_i·G`, the key that share pairs for trustee `i` are sealed to (eq. (K6)); not the identity.
    pub encryption_key: GroupElement,
    /// `π^E_i`, the Schnorr proof of `log_G E_i` (SPEC.md §10.4, eq. (K4)).
    pub encryption_key_proof: SchnorrProof,
}

/// One share pair of a dealing, encrypted to its recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct EncryptedShare {
    /// The recipient `j`.
    pub recipient: u16,
    /// The dealer's ephemeral key `R_{i,j} = r·G`; not the identity.
    pub ephemeral: GroupElement,
    /// `σ_{i,j}`: `s_{i,j} ‖ s′_{i,j}` sealed to `E_j` (eq. (K6), 80 bytes).
    #[serde(with = "crate::group::bytes_hex")]
    pub sealed: [u8; SEALED_LEN],
}

/// Round 2 (SPEC.md §10.5, message M2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Dealing {
    /// The manifest digest (check C1).
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    /// The dealer `i`.
    pub trustee: u16,
    /// The digest `R` of the announcements the dealer dealt to (eq. (K2')).
    #[serde(with = "crate::group::bytes_hex")]
    pub roster: [u8; 32],
    /// `P_{i,0} … P_{i,t−1}`: the Pedersen commitments of eq. (K1).
    pub commitments: Vec<GroupElement>,
    /// One sealed share pair per other trustee of the roster, ascending (check C5).
    pub shares: Vec<EncryptedShare>,
}

/// A verifiable complaint: the complainer's DH point with the dealer's ephemeral key, and its DLEQ proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Complaint {
    /// The dealer `i` complained about.
    pub dealer: u16,
    /// `K_{i,j} = e_j·R_{i,j}`, the Diffie–Hellman point the disputed pair's key derives from (eq. (K6)); not
    /// the identity.
    pub shared: GroupElement,
    /// The DLEQ proof (SPEC.md §7.2, §10.2) that `log_G E_j = log_{R_{i,j}} K_{i,j}`.
    pub proof: DleqProof,
}

/// Round 3 (SPEC.md §10.5, message M3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Confirmation {
    /// The manifest digest (check C1).
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    /// The confirming trustee `j`.
    pub trustee: u16,
    /// The dealers whose dealings the trustee held, ascending.
    pub dealers: Vec<u16>,
    /// Their digest (eq. (K11)).
    #[serde(with = "crate::group::bytes_hex")]
    pub dealings: [u8; 32],
    /// A complaint (eq. (K8')) for each share pair that failed check C6.
    pub complaints: Vec<Complaint>,
}

/// A file of rounds 1–3 as the close names it: its trustee and `SHA-256(FILE_DOMAIN ‖ enc(signed message))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct FileRef {
    /// The trustee whose file it is.
    pub trustee: u16,
    /// `file(M)`, eq. (K11').
    #[serde(with = "crate::group::bytes_hex")]
    pub digest: [u8; 32],
}

/// Round 4 (SPEC.md §10.6, message M4), signed by the officials' key of the manifest: the files of rounds 1–3
/// that count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Close {
    /// The manifest digest (check C9).
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    /// The announcements (M1) that count, ascending by trustee.
    pub announcements: Vec<FileRef>,
    /// The dealings (M2) that count, ascending by trustee.
    pub dealings: Vec<FileRef>,
    /// The confirmations (M3) that count, ascending by trustee.
    pub confirmations: Vec<FileRef>,
}

/// The close and the officials' signature over it (eq. (K0) with the officials' key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedClose {
    /// The close M4.
    pub message: Close,
    /// The officials' Ed25519 signature, eq. (K0) with kind [`CLOSE_KIND`], verified under `vk_O` (check C9).
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
}

/// Round 5 (SPEC.md §10.7, message M6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Reveal {
    /// The manifest digest (check C1).
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    /// The revealing trustee `i`, of QUAL.
    pub trustee: u16,
    /// `SHA-256(FILE_DOMAIN ‖ enc(signed close))`.
    #[serde(with = "crate::group::bytes_hex")]
    pub close: [u8; 32],
    /// `A_{i,0} … A_{i,t−1}`, the Feldman values `A_{i,k} = a_{i,k}·G`.
    pub values: Vec<GroupElement>,
    /// The opening proof (eq. (K7)) that `values` open the dealer's commitments `P_{i,k}` (check C10).
    pub proof: OpeningProof,
}

/// One disclosed share pair `(s_{i,j}, s'_{i,j})` of dealer `i`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DisclosedShare {
    /// The dealer `i`.
    pub dealer: u16,
    /// `s_{i,j} = f_i(j)` (eq. (K2)).
    #[serde(with = "crate::group::scalar_hex")]
    pub share: Scalar,
    /// `s′_{i,j} = f′_i(j)` (eq. (K2)).
    #[serde(with = "crate::group::scalar_hex")]
    pub blinding: Scalar,
}

impl core::fmt::Debug for DisclosedShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DisclosedShare(dealer {})", self.dealer)
    }
}

/// Round 6 (SPEC.md §10.7, message M7), only for a QUAL trustee whose reveal is missing or fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Recovery {
    /// The manifest digest (check C1).
    #[serde(with = "crate::group::bytes_hex")]
    pub election: [u8; 32],
    /// The disclosing trustee `j`.
    pub trustee: u16,
    /// `file(M4)` (eq. (K11')) of the close it is made under (check C11).
    #[serde(with = "crate::group::bytes_hex")]
    pub close: [u8; 32],
    /// The share pairs `j` received from each dealer to rebuild, each checked by eq. (K8) (check C11).
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

pub(super) fn encryption_key_transcript(params: &CeremonyParams, trustee: u16, signing_key: &[u8; 32]) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(ENCRYPTION_KEY_DOMAIN);
    t.append_u64(b"trustee", u64::from(trustee));
    t.append_message(b"signing-key", signing_key);
    t
}

pub(super) fn complaint_transcript(params: &CeremonyParams, dealer: u16, complainer: u16) -> Transcript {
    let mut t = ceremony_transcript(&params.digest);
    t.domain_sep(COMPLAINT_DOMAIN);
    t.append_u64(b"dealer", u64::from(dealer));
    t.append_u64(b"complainer", u64::from(complainer));
    t
}

/// The opening proof's transcript binds the dealer and the close it reveals under.
pub(super) fn reveal_transcript(params: &CeremonyParams, dealer: u16, close: &[u8; 32]) -> Transcript {
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
pub(super) fn messages_digest<M: CeremonyMessage + Encode>(domain: &[u8], messages: &[&Signed<M>]) -> [u8; 32] {
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

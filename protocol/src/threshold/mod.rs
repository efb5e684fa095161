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
pub mod streamed;

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
    combine, decode_plaintext_points, plaintext_shape, verify_partial_decryptions, CiphertextList, PartialDecryption,
    PlaintextList, VerifiedPartials,
};

use crate::limits::MAX_TRUSTEES;

/// SPEC.md §10.1: the signature domain.
pub const SIGNATURE_DOMAIN: &[u8] = b"rv/trustee-signature/v1";

/// The ceremony's public parameters: the manifest digest it is bound to, `n`, `t`, and the officials' key that
/// closes rounds 1–3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeremonyParams {
    /// The manifest digest of SPEC.md eq. (2'), which every message must carry (check C1).
    pub digest: [u8; 32],
    /// The number of trustees `n` (the manifest's `trustees.count`); trustees are numbered `1..=n` (check C2).
    pub n: u16,
    /// The threshold `t` (the manifest's `trustees.threshold`): each trustee's polynomials have `t` coefficients,
    /// and `t` partial decryptions decrypt.
    pub t: u16,
    /// The officials' key `vk_O` (the manifest's `roles.officials_key`, SPEC.md §4.5) that signs the close M4
    /// (check C9).
    pub officials: RoleKey,
}

impl CeremonyParams {
    /// From the manifest's trustee policy and officials' key; requires `1 ≤ t ≤ n ≤ MAX_TRUSTEES`.
    pub fn from_manifest(manifest: &Manifest) -> Result<Self, ThresholdError> {
        Self::new(manifest.digest(), manifest.trustees.count, manifest.trustees.threshold, manifest.roles.officials_key)
    }
    /// From the manifest digest, `n`, `t` and the officials' key; [`ThresholdError::BadParameters`] unless
    /// `1 ≤ t ≤ n ≤ MAX_TRUSTEES` (255, SPEC.md §10).
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
    /// The parameters break `1 ≤ t ≤ n ≤ 255` (SPEC.md §10).
    BadParameters {
        /// The number of trustees `n`.
        n: u16,
        /// The threshold `t`.
        t: u16,
    },
    #[error("trustee {trustee}: no such trustee in this ceremony")]
    /// Check C2 (SPEC.md §10.1): the trustee index is not in `1..=n`.
    UnknownTrustee {
        /// The index given.
        trustee: u16,
    },
    #[error("trustee {trustee}: message belongs to another election (manifest digest mismatch): a replay")]
    /// Check C1 (SPEC.md §10.1): the message's manifest digest is not this election's.
    WrongElection {
        /// The trustee the message names as its author.
        trustee: u16,
    },
    #[error("trustee {trustee}: signature does not verify under the trustee's key (wrong signer or altered file)")]
    /// Check C3 (SPEC.md §10.1): the signature (eq. (K0)) does not verify under the trustee's announced key.
    BadSignature {
        /// The trustee the message names as its author.
        trustee: u16,
    },
    #[error("trustee {trustee}: invalid signing key")]
    /// Check C4 (SPEC.md §10.3): the announced Ed25519 key `vk_i` is not a valid key, or is of small order.
    BadSigningKey {
        /// The announcing trustee.
        trustee: u16,
    },
    #[error("trustee {trustee}: the signing key differs from the one in the trustee's own secret state")]
    /// A trustee's secret state does not match the ceremony: the roster holds another signing key for it, or the
    /// closed dealing's commitments are not those of its polynomials.
    KeyMismatch {
        /// The trustee whose secret state it is.
        trustee: u16,
    },
    #[error("trustee {trustee}: {kind} message given twice")]
    /// Two messages of one kind from one trustee (SPEC.md §10.1).
    Duplicate {
        /// The kind of message (`"announcement"`, `"dealing"`, …).
        kind: &'static str,
        /// The trustee who sent both.
        trustee: u16,
    },
    #[error("trustee {trustee}: absent (sent no announcement in round 1), so it takes no part in this ceremony")]
    /// The trustee has no announcement (SPEC.md §10.3): its messages are refused and it has no key share.
    Absent {
        /// The absent trustee.
        trustee: u16,
    },
    #[error("only {announced} trustees announced; at least {needed} are needed")]
    /// Check C4 (SPEC.md §10.3): fewer than `t` valid announcements.
    TooFewAnnounced {
        /// How many trustees announced.
        announced: usize,
        /// The threshold `t`.
        needed: usize,
    },
    #[error(
        "trustee {trustee} dealt to trustees {theirs}, but the announcements are those of trustees {ours}: the \
         trustees did not hold the same announcement files (an announcement came late, or was removed)"
    )]
    /// Check C5 (SPEC.md §10.5): the dealing's roster digest `R` is not eq. (K2') over the announcements.
    RosterMismatch {
        /// The dealer.
        trustee: u16,
        /// The trustees the dealing was made for (its recipients and the dealer), listed for people.
        theirs: String,
        /// The trustees who announced, listed for people.
        ours: String,
    },
    #[error("trustee {trustee}: {kind} message missing")]
    /// A needed message is not there: a roster trustee's dealing (the dealer leaves QUAL, SPEC.md §10.5), or a
    /// share pair the trustee did not receive.
    Missing {
        /// The kind of message (`"dealing"`), or `"share"` for a share pair.
        kind: &'static str,
        /// The trustee whose message is missing, or the dealer of the missing share pair.
        trustee: u16,
    },
    #[error("trustee {trustee}: the proof of knowledge of the share-encryption key fails")]
    /// Check C4 (SPEC.md §10.3): the Schnorr proof `π^E_i` of `log_G E_i` fails (eq. (K5)).
    BadEncryptionKeyProof {
        /// The announcing trustee.
        trustee: u16,
    },
    #[error("trustee {dealer}: {got} coefficient commitments, the threshold requires {expected}")]
    /// Check C5 (SPEC.md §10.5): the dealing does not carry exactly `t` commitments `P_{i,k}` (eq. (K1)).
    WrongCoefficientCount {
        /// The dealer.
        dealer: u16,
        /// The threshold `t`.
        expected: usize,
        /// The number of commitments in the dealing.
        got: usize,
    },
    #[error("trustee {dealer}: the dealing does not carry exactly one share for each other trustee")]
    /// Check C5 (SPEC.md §10.5): the shares are not exactly one per other trustee of the roster, ascending, each
    /// with a non-identity `R_{i,j}`.
    MalformedShares {
        /// The dealer.
        dealer: u16,
    },
    #[error("trustee {dealer}: the share for trustee {recipient} cannot be decrypted")]
    /// Check C6 (SPEC.md §10.5): the sealed pair `σ_{i,j}` (eq. (K6)) does not open to two canonical scalars.
    ShareUndecryptable {
        /// The dealer `i`.
        dealer: u16,
        /// The recipient `j`.
        recipient: u16,
    },
    #[error("trustee {dealer}: the share for trustee {recipient} is inconsistent with the dealer's commitments")]
    /// Check C6 (SPEC.md §10.5): the opened pair fails eq. (K8) against the dealer's commitments.
    ShareInconsistent {
        /// The dealer `i`.
        dealer: u16,
        /// The recipient `j`.
        recipient: u16,
    },
    #[error("trustee {complainer}: the complaint against trustee {dealer} carries an invalid key-disclosure proof")]
    /// Check C7 (SPEC.md §10.5): the complaint's DLEQ proof (eq. (K8')) fails, or the dealing holds no share for
    /// the complainer: the complaint is void.
    BadComplaintProof {
        /// The complaining trustee `j`.
        complainer: u16,
        /// The dealer `i` complained about.
        dealer: u16,
    },
    #[error("trustee {complainer}: false complaint against trustee {dealer} (the disclosed share is valid)")]
    /// Check C7 (SPEC.md §10.5): the proof verifies, and the share opened with the disclosed key passes C6.
    FalseComplaint {
        /// The complaining trustee `j`.
        complainer: u16,
        /// The dealer `i` complained about.
        dealer: u16,
    },
    #[error(
        "trustee {trustee} confirmed the dealings of trustees {theirs}, but the dealings are those of trustees \
         {ours} (or differ from the ones it held): the trustees did not hold the same dealing files"
    )]
    /// Check C8 (SPEC.md §10.5): a confirmation's `dealers` or `D` (eq. (K11)) differ from the transcript's dealings.
    ConfirmationMismatch {
        /// The confirming trustee `j`.
        trustee: u16,
        /// The dealers its confirmation names, listed for people.
        theirs: String,
        /// The dealers of the transcript's dealings, listed for people.
        ours: String,
    },
    #[error("only {qualified} trustees qualified; at least {needed} are needed (left out: {reasons})")]
    /// SPEC.md §10.5: QUAL has fewer than `t` trustees.
    TooFewQualified {
        /// The number of trustees in QUAL.
        qualified: usize,
        /// The threshold `t`.
        needed: usize,
        /// Each dealer left out and why, `; `-separated.
        reasons: String,
    },
    #[error("the officials have not closed rounds 1 to 3 (no close file): no trustee can reveal yet")]
    /// Check C9 (SPEC.md §10.6): there is no close M4, so the ceremony has no outcome.
    NotClosed,
    #[error("the close is for another election (manifest digest mismatch)")]
    /// Check C9 (SPEC.md §10.6): the close's manifest digest is not this election's.
    CloseWrongElection,
    #[error("the close is not signed by the officials' key of the manifest (wrong signer or altered file)")]
    /// Check C9 (SPEC.md §10.6): the close's signature (eq. (K0)) does not verify under `vk_O`.
    BadCloseSignature,
    #[error("the key given is not the officials' key of the manifest")]
    /// The key given to sign the close is not the manifest's officials key `vk_O` (SPEC.md §10.6).
    NotOfficialsKey,
    #[error("the officials closed the ceremony with the {kind} of trustee {trustee}, and that file is missing")]
    /// Check C9 (SPEC.md §10.6): a file the close names is not in the transcript.
    ClosedFileMissing {
        /// The kind of file (`"announcement"`, `"dealing"` or `"confirmation"`).
        kind: &'static str,
        /// The trustee whose file it is.
        trustee: u16,
    },
    #[error(
        "the {kind} of trustee {trustee} is not the one the officials closed the ceremony with (altered or replaced \
         after the close): restore the original"
    )]
    /// Check C9 (SPEC.md §10.6): a file the close names has another digest (eq. (K11')) than the close says.
    ClosedFileChanged {
        /// The kind of file (`"announcement"`, `"dealing"` or `"confirmation"`).
        kind: &'static str,
        /// The trustee whose file it is.
        trustee: u16,
    },
    #[error("trustee {trustee} is not in the qualified set: it has nothing to reveal, and no shares of it count")]
    /// A reveal by, or a recovery of, a trustee outside QUAL (SPEC.md §10.7).
    NotQualified {
        /// The trustee outside QUAL.
        trustee: u16,
    },
    #[error("trustee {trustee}: the {kind} was made under another close than this ceremony's")]
    /// Checks C10, C11 (SPEC.md §10.7): a reveal or recovery names another close digest (eq. (K11')).
    WrongClose {
        /// The kind of message (`"reveal"` or `"recovery"`).
        kind: &'static str,
        /// Its author.
        trustee: u16,
    },
    #[error("trustee {dealer}: the revealed values do not open its commitments (the proof fails)")]
    /// Check C10 (SPEC.md §10.7): the opening proof (eq. (K7)) of the revealed `A_{i,k}` fails.
    BadReveal {
        /// The revealing trustee `i`.
        dealer: u16,
    },
    #[error("trustee {recipient}: the share of trustee {dealer} it disclosed does not match the commitments")]
    /// Check C11 (SPEC.md §10.7): a disclosed pair fails eq. (K8) for `(i, j)`.
    BadRecoveredShare {
        /// The dealer `i` of the pair.
        dealer: u16,
        /// The disclosing trustee `j`.
        recipient: u16,
    },
    #[error(
        "trustee {dealer} is in the qualified set but has not revealed (or its reveal fails), and {recovered} of \
         the {needed} recoveries needed to rebuild its contribution are in"
    )]
    /// Check C11 (SPEC.md §10.7): a QUAL trustee has no valid reveal, and fewer than `t` valid disclosed pairs
    /// rebuild it.
    Unrevealed {
        /// The QUAL trustee `i`.
        dealer: u16,
        /// How many valid disclosed pairs are in.
        recovered: usize,
        /// The threshold `t`.
        needed: usize,
    },
    #[error("trustee {trustee}: the key share does not match its verification key")]
    /// SPEC.md eq. (K10'): `x_j·G` is not the verification key `Y_j` of eq. (K10).
    ShareMismatch {
        /// The trustee `j`.
        trustee: u16,
    },
    #[error("{got} valid partial decryptions, {needed} are needed")]
    /// SPEC.md §10.9: fewer than `t` valid partial decryptions.
    NotEnoughShares {
        /// The threshold `t`.
        needed: usize,
        /// How many valid ones there are.
        got: usize,
    },
    #[error("trustee {trustee}: partial decryption is for another list of ciphertexts")]
    /// Check C13 (SPEC.md §10.8): the partial decryption's `L` is not the digest of the list being decrypted.
    WrongList {
        /// The trustee `j` of the partial decryption (in [`combine`], the first verified one's; 0 if none).
        trustee: u16,
    },
    #[error("trustee {trustee}: the partial decryption's proof fails: {source}")]
    /// Check C14 (SPEC.md §10.8): the folded DLEQ proof fails with `h₁ = Y_j` (eq. (K10)).
    BadPartialDecryption {
        /// The trustee `j`.
        trustee: u16,
        /// Why the proof fails.
        source: ProofError,
    },
    #[error("the ciphertext list is empty")]
    /// SPEC.md §10.8: the list to decrypt has no ciphertext.
    EmptyList,
    #[error(transparent)]
    /// A value does not decode or is invalid, e.g. an election key `Y` (eq. (K9)) that is the identity.
    Decode(#[from] DecodeError),
    #[error("trustee {trustee}: a share of the partial decryption is not a point: {source}")]
    /// Check C14 (SPEC.md §10.12): a share `D_{j,k}` of a signed M5 does not decode (the streamed check decodes the
    /// shares when it uses them).
    UndecodableShares {
        /// The trustee `j`.
        trustee: u16,
        /// Why the share does not decode.
        source: DecodeError,
    },
    #[error("{part}: {message}")]
    /// A streamed decryption, check or combination could not read or write its files (SPEC.md §10.12).
    Io {
        /// What was being read or written.
        part: &'static str,
        /// The system's error.
        message: String,
    },
    #[error("{part} changed while it was being read (its bytes are not those first read): check a copy that nothing writes to")]
    /// A streamed pass read other bytes than the pass before it (SPEC.md §10.12).
    Changed {
        /// What changed.
        part: &'static str,
    },
}

// ---------------------------------------------------------------------------------------------------------
// Signing identities and signed messages

/// A trustee's Ed25519 signing key. Wiped on drop (ed25519-dalek), prints as redacted, neither `Clone` nor
/// `Serialize`.
pub struct TrusteeSigningKey(SigningKey);

impl TrusteeSigningKey {
    /// The key of a 32-byte Ed25519 seed (RFC 8032).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }
    /// Its public key `vk_i`, as announced in M1 (SPEC.md §10.3).
    pub fn verifying_key(&self) -> TrusteeVerifyingKey {
        TrusteeVerifyingKey(self.0.verifying_key())
    }
    /// SPEC.md §10.1 eq. (K0): `sig = Ed25519.Sign(sk, SIGNATURE_DOMAIN ‖ u32(|kind|) ‖ kind ‖ message)`.
    pub fn sign<M: CeremonyMessage>(&self, message: M) -> Signed<M> {
        let signature = self.0.sign(&signed_bytes(&message)).to_bytes();
        Signed { message, signature }
    }

    /// A tag on `message` that only this trustee can make, for its own files (SPEC.md §14.3: the stages it
    /// checked early): `HKDF-SHA256(salt = label, ikm = seed).Expand(info = SHA-256(message), 32)`, that is
    /// `HMAC-SHA256(PRK, SHA-256(message) ‖ 0x01)` with `PRK = HMAC-SHA256(label, seed)`: a pseudo-random function
    /// of the message's digest under a key derived from the signing seed (which signs nothing here).
    pub fn own_tag(&self, label: &[u8], message: &[u8]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let seed = zeroize::Zeroizing::new(self.0.to_bytes());
        let hk = hkdf::Hkdf::<Sha256>::new(Some(label), &seed[..]);
        let mut tag = [0u8; 32];
        // 32 bytes is within HKDF-SHA256's 8,160.
        let _ = hk.expand(&Sha256::digest(message), &mut tag);
        tag
    }
}

/// Gives a message to sign in pieces, each to the function it is handed.
pub(crate) type MessageFeed<'a> = dyn Fn(&mut dyn FnMut(&[u8])) -> std::io::Result<()> + 'a;

impl TrusteeSigningKey {
    /// Eq. (K0) over a message too long to hold, given in pieces by `feed` (a partial decryption streamed to a
    /// file, SPEC.md §10.12): Ed25519 hashes the message twice (its nonce, then its challenge), so `feed` is
    /// called twice and must give the same bytes both times. The signature is the one [`sign`](Self::sign) makes.
    pub(crate) fn sign_pieces(&self, kind: &[u8], feed: &MessageFeed<'_>) -> std::io::Result<[u8; 64]> {
        use ed25519_dalek::hazmat::{raw_sign_byupdate, ExpandedSecretKey};
        use sha2::{Digest, Sha512};
        let expanded = ExpandedSecretKey::from(&*zeroize::Zeroizing::new(self.0.to_bytes()));
        let failed = core::cell::RefCell::new(None);
        let prefix = signature_prefix(kind);
        let signed = raw_sign_byupdate::<Sha512, _>(
            &expanded,
            |h: &mut Sha512| {
                h.update(&prefix);
                feed(&mut |piece: &[u8]| h.update(piece)).map_err(|e| {
                    *failed.borrow_mut() = Some(e);
                    ed25519_dalek::SignatureError::new()
                })
            },
            &self.0.verifying_key(),
        );
        match (signed, failed.into_inner()) {
            (Ok(signature), None) => Ok(signature.to_bytes()),
            (_, Some(e)) => Err(e),
            (Err(e), None) => Err(std::io::Error::other(e.to_string())),
        }
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
    /// Decodes a 32-byte Ed25519 key; an invalid one, or one of small order, is refused (check C4).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        Ok(Self(crate::credential::decode_verifying_key(bytes, "trustee signing key")?))
    }
    /// Its 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
}

impl TrusteeVerifyingKey {
    /// Eq. (K0) checked over a message read in pieces ([`SignatureStream::update`]), with `verify_strict`'s rules:
    /// a non-canonical `s`, an `R` that is not a point or of small order fail (the key's order its decoder checked).
    pub(crate) fn verify_pieces(&self, kind: &[u8], signature: &[u8; 64]) -> SignatureStream {
        let mut r = [0u8; 32];
        r.copy_from_slice(&signature[..32]);
        let small = curve25519_dalek::edwards::CompressedEdwardsY(r).decompress().is_none_or(|p| p.is_small_order());
        let stream = if small { None } else { self.0.verify_stream(&Signature::from_bytes(signature)).ok() };
        let mut stream = SignatureStream(stream);
        stream.update(&signature_prefix(kind));
        stream
    }
}

/// A signature being checked over a message read in pieces ([`TrusteeVerifyingKey::verify_pieces`]).
pub(crate) struct SignatureStream(Option<ed25519_dalek::StreamVerifier>);

impl SignatureStream {
    /// The next bytes of the message.
    pub(crate) fn update(&mut self, piece: &[u8]) {
        if let Some(s) = self.0.as_mut() {
            s.update(piece);
        }
    }
    /// Whether the signature holds over every byte given.
    pub(crate) fn verify(self) -> bool {
        self.0.is_some_and(|s| s.finalize_and_verify().is_ok())
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
    w.raw(&signature_prefix(M::KIND)).put(message);
    w.finish()
}

/// What eq. (K0) signs before the message: `SIGNATURE_DOMAIN ‖ u32(|kind|) ‖ kind`.
fn signature_prefix(kind: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(SIGNATURE_DOMAIN).bytes(kind);
    w.finish()
}

/// A message and its author's signature. JSON for the ceremony's files (people read them), canonical binary
/// `message ‖ signature` everywhere (partial decryptions are large).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed<M> {
    /// The message `m`; the signature is over its canonical encoding `enc(m)`.
    pub message: M,
    /// The author's Ed25519 signature, eq. (K0) (SPEC.md §10.1).
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

    /// A plaintext list's shape read from its header and length gives what decoding the whole list gives, for
    /// every prefix of a list, bytes after it, and headers out of bounds.
    #[test]
    fn plaintext_shape_agrees_with_decoding_the_list() {
        let points: Vec<crate::GroupElement> =
            (1u64..=6).map(|k| crate::GroupElement::from(base_mul(&Scalar::from(k)))).collect();
        let whole = PlaintextList { width: 2, points }.to_bytes();
        let mut cases: Vec<Vec<u8>> = (0..=whole.len()).map(|n| whole[..n].to_vec()).collect();
        cases.push([whole.as_slice(), &[0]].concat());
        cases.push([whole.as_slice(), &[0; 33]].concat());
        for (rows, width) in [(3u32, 0u32), (3, 1025), (u32::MAX, 1024), (0, 1), (6, 1)] {
            cases.push([&rows.to_be_bytes()[..], &width.to_be_bytes(), &whole[8..]].concat());
        }
        for bytes in &cases {
            let decoded = PlaintextList::from_bytes(bytes).map(|l| (l.width, l.points.len()));
            let head = &bytes[..bytes.len().min(64)];
            assert_eq!(plaintext_shape(head, bytes.len() as u64), decoded, "{} bytes", bytes.len());
            if let Ok((_, count)) = decoded {
                assert_eq!(decode_plaintext_points(&bytes[8..]).map(|p| p.len()), Ok(count));
            }
        }
    }
}

//! Changes to the voter list while the election is open (SPEC.md §4.7): the officials sign each change, the
//! collector appends it to the ballot log in order with the ballots (a leaf of its own kind, eq. LG9), and the tally
//! and the verifier replay the changes in log order (check L11), so that the log fixes which voter list held when
//! each ballot arrived (R1) and a credential removed or moved after its ballot loses that ballot (R3).
//!
//! A change is one action on one credential: **add** it (in a district, with districts), **remove** it, or **move**
//! it to another district. Changes are numbered `0, 1, …` in the order the officials sign them, and the log must
//! hold them in that order: a change signed for number 7 cannot be appended before number 6, nor twice.

use ed25519_dalek::{Signature, Signer, SigningKey};
use serde::{Deserialize, Serialize};

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::credential::CredentialKey;
use crate::fingerprint::Fingerprint;
use crate::manifest::Manifest;

/// Domain label of a voter-list change (eq. VL1).
pub const CHANGE_DOMAIN: &[u8] = b"rv/voter-list-change/v1";

/// What a change does (eq. VL1's `action` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 1: the credential joins the voter list (in the change's district, with districts).
    Add,
    /// 2: the credential leaves the voter list; its ballots before the change no longer count (R3).
    Remove,
    /// 3 (with districts only): the credential moves to the change's district; its ballots before the change no
    /// longer count (they hold the old district's contests), and it may vote again in the new district.
    Move,
}

impl Action {
    /// The action's byte in eq. VL1.
    pub fn code(self) -> u8 {
        match self {
            Action::Add => 1,
            Action::Remove => 2,
            Action::Move => 3,
        }
    }

    /// The action of a byte of eq. VL1.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Action::Add),
            2 => Some(Action::Remove),
            3 => Some(Action::Move),
            _ => None,
        }
    }

    /// The action's name, as the files and the API write it.
    pub fn name(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Move => "move",
        }
    }
}

/// One signed change to the voter list (eq. VL1), decoded with every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterListChange {
    /// The election `F`.
    pub fingerprint: Fingerprint,
    /// The change's number: the number of changes before it in the log.
    pub seq: u32,
    /// What it does.
    pub action: Action,
    /// The credential it concerns.
    pub credential: CredentialKey,
    /// The district (index in the manifest) of an add or a move with districts; 0 otherwise.
    pub district: u16,
    /// Ed25519 signature under the manifest's `roles.officials_key` over the bytes before it.
    pub signature: [u8; 64],
}

/// Why a change is refused (check L11, and the collector's `POST /voter-list/changes`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The bytes are not a change (eq. VL1).
    #[error("the change does not decode: {0}")]
    Decode(DecodeError),
    /// It is for another election.
    #[error("the change is for another election (fingerprint {found}, this election's is {expected})")]
    WrongElection {
        /// The change's fingerprint, hex.
        found: String,
        /// This election's, hex.
        expected: String,
    },
    /// The signature does not verify under the manifest's officials key.
    #[error("the change is not signed by the officials' key of the manifest (roles.officials_key)")]
    NotTheOfficials,
    /// Its number is not the number of changes before it.
    #[error("change number {found} comes where change number {expected} is due: changes go in the order they were signed, each once")]
    OutOfOrder {
        /// The change's `seq`.
        found: u32,
        /// The number of changes before it.
        expected: u32,
    },
    /// An add of a credential already on the list.
    #[error("credential {0} is already on the voter list: it cannot be added")]
    AlreadyRegistered(String),
    /// A remove or move of a credential not on the list.
    #[error("credential {0} is not on the voter list: it cannot be removed or moved")]
    NotRegistered(String),
    /// A move in an election without districts.
    #[error("the election has no districts: a credential cannot be moved")]
    MoveWithoutDistricts,
    /// A move to the district the credential is already in.
    #[error("credential {credential} is already in district {district}: a move must change the district")]
    MoveToSameDistrict {
        /// The credential, hex.
        credential: String,
        /// The district's index.
        district: u16,
    },
    /// A district the manifest does not declare, or a district where none belongs (a remove, or no districts).
    #[error("{0}")]
    District(String),
    /// The voter list's keys, in a scratch store, could not be read back to apply the change.
    #[error("the voter list could not be read: {0}")]
    List(String),
}

impl VoterListChange {
    /// Eq. VL1 without the signature: what the officials sign.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(CHANGE_DOMAIN)
            .raw(self.fingerprint.as_bytes())
            .u32(self.seq)
            .u8(self.action.code())
            .raw(self.credential.as_bytes())
            .u16(self.district);
        w.finish()
    }

    /// Signs a change with the officials' key (what `tallier voter-list add|remove|move` does on the officials' machine).
    pub fn sign(
        key: &SigningKey,
        fingerprint: Fingerprint,
        seq: u32,
        action: Action,
        credential: CredentialKey,
        district: u16,
    ) -> Self {
        let mut change = VoterListChange { fingerprint, seq, action, credential, district, signature: [0; 64] };
        change.signature = key.sign(&change.signed_message()).to_bytes();
        change
    }

    /// The change's canonical bytes (eq. VL1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.finish()
    }

    /// Decodes canonical bytes (eq. VL1): the domain, a known action, a valid credential key, nothing after the
    /// signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let change = Self::decode(&mut r)?;
        r.finish(Self::WHAT)?;
        Ok(change)
    }

    /// Decodes the hex of canonical bytes (the `change` field of a box entry, a log leaf or a change file).
    pub fn from_hex(text: &str) -> Result<Self, DecodeError> {
        let bytes = crate::group::hex_vec(text, "voter-list change")?;
        Self::from_bytes(&bytes)
    }

    /// Check L11 for one change on its own: the election and the officials' signature (`verify_strict`).
    pub fn verify(&self, fingerprint: &Fingerprint, manifest: &Manifest) -> Result<(), ChangeError> {
        if self.fingerprint != *fingerprint {
            return Err(ChangeError::WrongElection {
                found: self.fingerprint.to_hex(),
                expected: fingerprint.to_hex(),
            });
        }
        manifest
            .roles
            .officials_key
            .verifying_key()
            .verify_strict(&self.signed_message(), &Signature::from_bytes(&self.signature))
            .map_err(|_| ChangeError::NotTheOfficials)
    }

    /// The district the change puts its credential in (`None` without districts), after checking that the
    /// district is one the manifest declares and is given exactly where it belongs: an add or a move with districts
    /// names an existing district; a remove, and anything without districts, writes 0.
    pub fn new_district(&self, manifest: &Manifest) -> Result<Option<u16>, ChangeError> {
        let districts = manifest.districts.len();
        match (self.action, districts) {
            (Action::Move, 0) => Err(ChangeError::MoveWithoutDistricts),
            (Action::Remove, _) | (Action::Add, 0) if self.district != 0 => Err(ChangeError::District(format!(
                "a {} {} names district {}: it must write 0",
                self.action.name(),
                if districts == 0 { "in an election without districts" } else { "of a credential" },
                self.district
            ))),
            (Action::Remove, _) | (Action::Add, 0) => Ok(None),
            (Action::Add | Action::Move, d) if usize::from(self.district) >= d => Err(ChangeError::District(format!(
                "the change names district {}, and the election has {d} (0 to {})",
                self.district,
                d - 1
            ))),
            (Action::Add | Action::Move, _) => Ok(Some(self.district)),
        }
    }
}

impl Encode for VoterListChange {
    /// Eq. VL1: `"rv/voter-list-change/v1" ‖ F (32) ‖ u32(seq) ‖ u8(action) ‖ K (32) ‖ u16(D) ‖ signature (64)`.
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.signed_message()).raw(&self.signature);
    }
}

impl Decode for VoterListChange {
    const WHAT: &'static str = "voter-list change";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if r.raw(CHANGE_DOMAIN.len(), Self::WHAT)? != CHANGE_DOMAIN {
            return Err(DecodeError::WrongPrefix { what: Self::WHAT, prefix: "rv/voter-list-change/v1" });
        }
        let fingerprint = Fingerprint(r.array("voter-list change.fingerprint")?);
        let seq = r.u32("voter-list change.seq")?;
        let tag = r.u8("voter-list change.action")?;
        let action = Action::from_code(tag).ok_or(DecodeError::UnknownTag { what: "voter-list change.action", tag })?;
        let credential = CredentialKey::decode(r)?;
        let district = r.u16("voter-list change.district")?;
        let signature = r.array("voter-list change.signature")?;
        Ok(VoterListChange { fingerprint, seq, action, credential, district, signature })
    }
}

/// A change's file and the body of `POST /voter-list/changes` (SPEC.md §4.7): the canonical bytes, hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeFile {
    /// Eq. VL1, lower-case hex.
    pub change: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::credential::Credential;
    use crate::manifest::example_manifest;
    use rand::rngs::OsRng;

    /// SPEC.md: exercises VL1.
    #[test]
    fn a_change_has_one_encoding_and_verifies_under_the_officials_key_only() {
        let manifest = example_manifest();
        let officials = crate::roles::example_role_secrets(3).officials;
        let f = Fingerprint([7; 32]);
        let k = Credential::generate(&mut OsRng).public_key();
        let c = VoterListChange::sign(&officials, f, 4, Action::Remove, k, 0);
        let bytes = c.to_bytes();
        assert_eq!(bytes.len(), 23 + 32 + 4 + 1 + 32 + 2 + 64);
        assert_eq!(&bytes[..23], CHANGE_DOMAIN);
        assert_eq!(VoterListChange::from_bytes(&bytes).unwrap(), c);
        c.verify(&f, &manifest).unwrap();
        assert!(matches!(c.verify(&Fingerprint([8; 32]), &manifest), Err(ChangeError::WrongElection { .. })));
        // Signed by another key (the collector's): refused.
        let other = crate::roles::example_role_secrets(3).collector;
        let forged = VoterListChange::sign(&other, f, 4, Action::Remove, k, 0);
        assert_eq!(forged.verify(&f, &manifest), Err(ChangeError::NotTheOfficials));
        // Any changed byte of the signed part breaks the signature.
        let mut moved = c.clone();
        moved.seq = 5;
        assert_eq!(moved.verify(&f, &manifest), Err(ChangeError::NotTheOfficials));
        // Trailing bytes, an unknown action, a truncation: refused by the decoder.
        let mut long = bytes.clone();
        long.push(0);
        assert!(VoterListChange::from_bytes(&long).is_err());
        let mut tag = bytes.clone();
        tag[23 + 32 + 4] = 4;
        assert!(matches!(VoterListChange::from_bytes(&tag), Err(DecodeError::UnknownTag { tag: 4, .. })));
        assert!(VoterListChange::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        // A remove that names a district is refused (one encoding per meaning); a move needs districts.
        let d = VoterListChange::sign(&officials, f, 0, Action::Remove, k, 2);
        assert!(matches!(d.new_district(&manifest), Err(ChangeError::District(_))));
        let m = VoterListChange::sign(&officials, f, 0, Action::Move, k, 0);
        assert_eq!(m.new_district(&manifest), Err(ChangeError::MoveWithoutDistricts));
        assert_eq!(c.new_district(&manifest), Ok(None));
    }
}

//! The roster (SPEC.md §10.3, check C4): the trustees who announced, with their checked keys, and the roster
//! digest `R` (eq. (K2')); every later message is checked against its author's roster key (C1–C3).

use super::messages::{encryption_key_transcript, messages_digest, Announcement, ROSTER_DOMAIN};
use crate::group::GroupElement;
use crate::proofs::schnorr::SchnorrStatement;
use crate::threshold::{CeremonyMessage, CeremonyParams, Signed, ThresholdError, TrusteeVerifyingKey};

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
    /// Whether trustee `trustee` announced.
    pub fn contains(&self, trustee: u16) -> bool {
        matches!(usize::from(trustee).checked_sub(1).and_then(|i| self.keys.get(i)), Some(Some(_)))
    }
    /// The signing key of trustee `j` (`1..=n`).
    pub fn signing_key(&self, trustee: u16) -> Result<&TrusteeVerifyingKey, ThresholdError> {
        self.entry(trustee).map(|e| &e.0)
    }
    /// The share-encryption key `E_j` of trustee `j` (`1..=n`), as announced in M1.
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
pub(super) fn index_messages<'a, M: CeremonyMessage>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trustees_are_listed_as_people_read_them() {
        assert_eq!(list_trustees(&[1, 2, 4]), "1, 2 and 4");
        assert_eq!(list_trustees(&[3]), "3");
        assert_eq!(list_trustees(&[]), "none");
    }
}

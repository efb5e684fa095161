//! A ceremony's files as a directory or the record holds them (SPEC.md §10.1, §14.1): one JSON file per signed
//! message, `KIND-J.json`, and the officials' close, [`CLOSE_FILE`].

use serde::Serialize;

use super::messages::{Announcement, Confirmation, Dealing, Recovery, Reveal, SignedClose};
use crate::threshold::{CeremonyMessage, Signed};

/// Every file of a ceremony, as read from its directory or from the record.
#[derive(Debug, Clone, Default)]
pub struct CeremonyFiles {
    /// `announcement-J.json`: round 1, M1.
    pub announcements: Vec<Signed<Announcement>>,
    /// `dealing-J.json`: round 2, M2.
    pub dealings: Vec<Signed<Dealing>>,
    /// `confirmation-J.json`: round 3, M3.
    pub confirmations: Vec<Signed<Confirmation>>,
    /// [`CLOSE_FILE`]: the officials' close, M4 (`None` before round 4).
    pub close: Option<SignedClose>,
    /// `reveal-J.json`: round 5, M6.
    pub reveals: Vec<Signed<Reveal>>,
    /// `recovery-J.json`: round 6, M7.
    pub recoveries: Vec<Signed<Recovery>>,
}

/// The close's file name in a ceremony directory (and `ceremony/close.json` in the record).
pub const CLOSE_FILE: &str = "close.json";

/// Why a ceremony file cannot be read: the file, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct CeremonyFileError {
    /// The file's name.
    pub file: String,
    /// What is wrong with it.
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
                .filter(|j| *j > 0 && !index.starts_with('0') && index.bytes().all(|b| b.is_ascii_digit()))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC.md §10.1: `J` is a decimal index without leading zeros; `+1` is another spelling of 1 (Rust's `u16`
    /// parser takes it), so such a name is an error, not trustee 1's file.
    #[test]
    fn a_trustee_index_is_plain_decimal_digits() {
        for name in ["announcement-+1.json", "announcement-01.json", "announcement-0.json", "dealing- 1.json"] {
            let err = CeremonyFiles::parse(&[(name.to_string(), b"{}".to_vec())]).unwrap_err();
            assert!(err.reason.contains("not a ceremony file name"), "{name}: {err:?}");
        }
    }
}

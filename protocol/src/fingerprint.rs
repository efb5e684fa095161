//! The election fingerprint (SPEC.md §4.4): the 32 bytes every signature, transcript and file of an election is
//! bound to. A leaf module: the manifest, the roles, the transcripts and the ballots all name it, and it names none
//! of them (its computation, eq. (2), is in [`crate::election`]).

use serde::{Deserialize, Serialize};

/// The 32-byte election fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fingerprint(#[serde(with = "crate::group::bytes_hex")] pub [u8; 32]);

impl Fingerprint {
    /// The 32 bytes of `F`.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// `F` in lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl core::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

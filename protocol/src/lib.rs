#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod ballot;
pub mod ballot_box;
mod batches;
pub mod codec;
pub mod codes;
pub mod count;
pub mod credential;
pub mod election;
pub mod elgamal;
pub mod encoding;
pub mod error;
pub mod fingerprint;
pub mod group;
pub mod limits;
pub mod log;
pub mod manifest;
pub mod notes;
pub mod proofs;
pub mod readable;
pub mod record;
pub mod riigikogu;
pub mod roles;
pub mod shuffle;
pub mod spill;
pub mod tally;
pub mod threshold;
pub mod transcript;
pub mod voter_list;

pub use ballot::{check_ballot, check_ballots, create_ballot, Ballot, BallotId};
pub use codec::{Decode, Encode};
pub use credential::{Credential, CredentialKey, RegisteredKey};
pub use election::Election;
pub use elgamal::{Ciphertext, PublicKey, SecretKey};
pub use encoding::{Answer, Selection};
pub use fingerprint::Fingerprint;
pub use group::GroupElement;
pub use manifest::Manifest;

/// A fresh Ed25519 signing key (a voter's credential, the collector's key, the officials' key): a 32-byte seed
/// drawn from `rng`, wiped after use (RFC 8032 §5.1.5 derives the key from it).
pub fn generate_signing_key<R: rand_core::RngCore + rand_core::CryptoRng + ?Sized>(
    rng: &mut R,
) -> ed25519_dalek::SigningKey {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut *seed);
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

#![doc = include_str!("../README.md")]

pub mod ballot;
pub mod ballot_box;
pub mod codec;
pub mod count;
pub mod elgamal;
pub mod encoding;
pub mod error;
pub mod group;
pub mod log;
pub mod manifest;
pub mod notes;
pub mod proofs;
pub mod record;
pub mod shuffle;
pub mod tally;
pub mod threshold;
pub mod transcript;

pub use ballot::{check_ballot, check_ballots, create_ballot, Ballot, BallotId, Credential, CredentialKey, Election};
pub use codec::{Decode, Encode};
pub use elgamal::{Ciphertext, PublicKey, SecretKey};
pub use encoding::{Answer, Selection};
pub use group::GroupElement;
pub use manifest::{Fingerprint, Manifest};

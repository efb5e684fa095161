//! The voter's side of the protocol. Today: a thin layer over `protocol` that turns a manifest, an election key
//! and a credential into a signed ballot; the HTTP client and the WASM bindings come with the collector
//! (issues "Collector" and "Voter client").

pub use protocol::ballot::{create_ballot, open_ballot, Ballot, BallotOpening, Credential, Election};

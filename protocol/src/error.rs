//! Error types, one small enum per area (SPEC.md §1.4).
//!
//! Every error names *what* failed (a static label such as `"ballot.contests[].ciphertexts[].a"`), so a
//! collector or verifier can report a specific reason without leaking secret data.

use thiserror::Error;

/// Decoding bytes (canonical binary, hex or JSON) into protocol values.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("{what}: input truncated ({needed} more bytes needed)")]
    Truncated { what: &'static str, needed: usize },
    #[error("{what}: {count} unexpected trailing bytes")]
    TrailingBytes { what: &'static str, count: usize },
    #[error("{what}: not a canonical Ristretto255 point encoding")]
    NonCanonicalPoint { what: &'static str },
    #[error("{what}: the identity point is not allowed here")]
    IdentityPoint { what: &'static str },
    #[error("{what}: not a canonical scalar (must be below the group order)")]
    NonCanonicalScalar { what: &'static str },
    #[error("{what}: length {len} exceeds the limit {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
    #[error("{what}: not valid UTF-8")]
    InvalidUtf8 { what: &'static str },
    #[error("{what}: unknown tag {tag}")]
    UnknownTag { what: &'static str, tag: u8 },
    #[error("{what}: does not start with `{prefix}`")]
    WrongPrefix { what: &'static str, prefix: &'static str },
    #[error("{what}: not lower-case hexadecimal of the expected length (SPEC.md §1.2)")]
    InvalidHex { what: &'static str },
    #[error("{what}: not a valid Ed25519 public key")]
    InvalidVerifyingKey { what: &'static str },
}

/// A zero-knowledge proof that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("{proof}: the verification equation does not hold")]
    EquationFailed { proof: &'static str },
    #[error("{proof}: statement and proof have different sizes ({statement} vs {proof_len})")]
    SizeMismatch { proof: &'static str, statement: usize, proof_len: usize },
    #[error("{proof}: a commitment is the identity point")]
    IdentityCommitment { proof: &'static str },
    #[error("{proof}: the statement is empty")]
    EmptyStatement { proof: &'static str },
}

/// Manifest validation failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ManifestError {
    #[error("manifest: {0}")]
    Invalid(String),
}

/// Turning a voter's answer into points, or points back into an answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodingError {
    #[error("answer for contest `{contest}` is not allowed: {reason}")]
    InvalidAnswer { contest: String, reason: String },
    #[error("no Ristretto255 embedding found for a chunk (probability below 2^-53)")]
    NoEmbedding,
}

/// Why a ballot is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BallotError {
    #[error("ballot is for another election (fingerprint mismatch)")]
    WrongElection,
    #[error("ballot has {got} contests, the manifest has {expected}")]
    WrongContestCount { expected: usize, got: usize },
    #[error("contest {contest}: {got} ciphertexts, the manifest requires {expected}")]
    WrongWidth { contest: usize, expected: usize, got: usize },
    #[error("the credential key is weak (small order) and cannot sign ballots")]
    WeakCredential,
    #[error("the ballot signature does not verify under the credential key")]
    BadSignature,
    #[error("the ballot body is for another credential than the one signing it")]
    WrongCredential,
    #[error("the ballot proof does not verify: {0}")]
    BadProof(ProofError),
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

//! Error types, one small enum per area (SPEC.md §1.4).
//!
//! Every error names *what* failed (a static label such as `"ballot.contests[].ciphertexts[].a"`), so a
//! collector or verifier can report a specific reason without leaking secret data.

use thiserror::Error;

/// Decoding bytes (canonical binary, hex or JSON) into protocol values.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("{what}: input truncated ({needed} more bytes needed)")]
    /// The input ends before the value does (SPEC.md §1.1 (a)).
    Truncated {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
        /// How many more bytes the value needs.
        needed: usize,
    },
    #[error("{what}: {count} unexpected trailing bytes")]
    /// Bytes are left over after the top-level value (SPEC.md §1.1 (b)).
    TrailingBytes {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
        /// How many bytes are left over.
        count: usize,
    },
    #[error("{what}: not a canonical Ristretto255 point encoding")]
    /// 32 bytes that are not the canonical encoding of a Ristretto255 point (SPEC.md §2.1).
    NonCanonicalPoint {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
    },
    #[error("{what}: the identity point is not allowed here")]
    /// The identity point in a field marked *non-identity* (SPEC.md §2.1).
    IdentityPoint {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
    },
    #[error("{what}: not a canonical scalar (must be below the group order)")]
    /// 32 bytes that are not a scalar below the group order ℓ (SPEC.md §2.2).
    NonCanonicalScalar {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
    },
    #[error("{what}: length {len} exceeds the limit {max}")]
    /// A length or count above its limit (SPEC.md §1.3, [`crate::limits`]).
    TooLong {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
        /// The length found.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    #[error("{what}: not valid UTF-8")]
    /// A string field that is not valid UTF-8.
    InvalidUtf8 {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
    },
    #[error("{what}: unknown tag {tag}")]
    /// An enum tag byte with no meaning at this place.
    UnknownTag {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
        /// The tag byte found.
        tag: u8,
    },
    #[error("{what}: does not start with `{prefix}`")]
    /// A text form that lacks its required prefix.
    WrongPrefix {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
        /// The prefix expected.
        prefix: &'static str,
    },
    #[error("{what}: not lower-case hexadecimal of the expected length (SPEC.md §1.2)")]
    /// Not lower-case hexadecimal of the expected length (SPEC.md §1.2).
    InvalidHex {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
    },
    #[error("{what}: not a valid Ed25519 public key")]
    /// 32 bytes that are not a valid Ed25519 public key.
    InvalidVerifyingKey {
        /// The value that failed, as a static label (e.g. `"ballot.contests[].ciphertexts[].a"`).
        what: &'static str,
    },
}

/// A zero-knowledge proof that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("{proof}: the verification equation does not hold")]
    /// The proof's verification equation does not hold.
    EquationFailed {
        /// The proof that failed, as a static label.
        proof: &'static str,
    },
    #[error("{proof}: statement and proof have different sizes ({statement} vs {proof_len})")]
    /// Parts that must have the same size do not: two lists of the statement, or the statement and the proof or
    /// witness.
    SizeMismatch {
        /// The proof that failed, as a static label.
        proof: &'static str,
        /// The size the statement needs.
        statement: usize,
        /// The size found.
        proof_len: usize,
    },
    #[error("{proof}: a commitment is the identity point")]
    /// A commitment in the proof is the identity point, which the proof encodings refuse (SPEC.md §7).
    IdentityCommitment {
        /// The proof that failed, as a static label.
        proof: &'static str,
    },
    #[error("{proof}: the statement is empty")]
    /// The statement is empty: nothing to prove.
    EmptyStatement {
        /// The proof that failed, as a static label.
        proof: &'static str,
    },
}

/// Manifest validation failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ManifestError {
    #[error("manifest: {0}")]
    /// The manifest (or the election file holding it) is not the JSON of SPEC.md §4.1; the text says why and, for
    /// JSON, at which line and column.
    Invalid(String),
    #[error("manifest: {0}")]
    /// The manifest breaks a rule of SPEC.md §4.3: the first of [`crate::manifest::Manifest::problems`].
    Problem(ManifestProblem),
}

/// One problem of a manifest (SPEC.md §4.3): the rule it breaks, where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{at}: {what}")]
pub struct ManifestProblem {
    /// The rule's ID in SPEC.md §4.3 (`MF1` …).
    pub rule: &'static str,
    /// Where, as a path into the JSON form: `contests[1].options[3].title`.
    pub at: String,
    /// What is wrong, and what to do.
    pub what: String,
}

/// A date and time of the manifest's JSON form that cannot be read (SPEC.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    #[error(
        "`{0}` has no offset from UTC: add `Z` for UTC (`{0}Z`) or the offset of the local time (e.g. `{0}+02:00`)"
    )]
    /// A date and time without `Z` or an offset: which time zone it means is unknown.
    NoOffset(String),
    #[error(
        "`{0}` is not a date and time such as `2027-03-01T09:00:00Z` or `2027-03-01T09:00:00+02:00` (RFC 3339, \
         whole seconds)"
    )]
    /// Not of the form `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`.
    Malformed(String),
    #[error("`{text}`: {reason}")]
    /// Of the right form, but a field is out of range (month 13, 30 February, hour 24, before 1970…).
    OutOfRange {
        /// The text read (at most 64 characters of it).
        text: String,
        /// What is out of range.
        reason: String,
    },
}

/// Turning a voter's answer into points, or points back into an answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodingError {
    #[error("answer for contest `{contest}` is not allowed: {reason}")]
    /// The answer breaks the contest's rules (SPEC.md §5.1).
    InvalidAnswer {
        /// The contest's id.
        contest: String,
        /// Which rule it breaks.
        reason: String,
    },
    #[error("no Ristretto255 embedding found for a chunk (probability below 2^-53)")]
    /// None of the 128 tags `j` turns a chunk into a point (SPEC.md §5.2 eq. (5); probability below 2⁻⁵³).
    NoEmbedding,
}

/// Why a ballot is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BallotError {
    #[error("ballot is for another election (fingerprint mismatch)")]
    /// The ballot's election fingerprint is not this election's.
    WrongElection,
    #[error("{0}")]
    /// The ballot names a district the manifest does not have, names one when the manifest has none, or names
    /// none when it has some (SPEC.md §8.2, B2).
    NoSuchDistrict(String),
    #[error("ballot has {got} contests, its district has {expected}")]
    /// The ballot has a different number of contests than the manifest gives its district.
    WrongContestCount {
        /// The manifest's number of contests.
        expected: usize,
        /// The ballot's number of contests.
        got: usize,
    },
    #[error("contest {contest}: {got} ciphertexts, the manifest requires {expected}")]
    /// A contest has a different number of ciphertexts than its chunk count in the manifest (SPEC.md §5.1 eq. (4)).
    WrongWidth {
        /// The contest's index in the manifest.
        contest: usize,
        /// The width the manifest requires.
        expected: usize,
        /// The number of ciphertexts on the ballot.
        got: usize,
    },
    #[error("the credential key is weak (small order) and cannot sign ballots")]
    /// The credential key is a small-order point, which cannot sign ballots.
    WeakCredential,
    #[error("the ballot signature does not verify under the credential key")]
    /// The ballot's Ed25519 signature does not verify under its credential key.
    BadSignature,
    #[error("the ballot body is for another credential than the one signing it")]
    /// The ballot body names another credential than the one that signs it.
    WrongCredential,
    #[error("the ballot proof does not verify: {0}")]
    /// A ballot proof (SPEC.md §7.1) does not verify.
    BadProof(ProofError),
    #[error(transparent)]
    /// The answer cannot be encoded (SPEC.md §5).
    Encoding(#[from] EncodingError),
    #[error(transparent)]
    /// The ballot's bytes do not decode.
    Decode(#[from] DecodeError),
}

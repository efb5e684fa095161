//! Why a check failed, as data (SPEC.md §14.4): one enum per group of record checks, each variant one distinct
//! failure carrying where it happened (file, contest, stage, trustee, leaf or entry) and, where the protocol has
//! one, its typed error. Tests and tools match on these; the report prints their `Display` text and lists their
//! kinds (`Failure::kinds`) in its JSON.
//!
//! | check | failure |
//! |---|---|
//! | V1, V1′ | [`Failure::Record`] ([`RecordFailure`]) |
//! | V2, V2′ | [`Failure::Election`] ([`ElectionFailure`]) |
//! | V3 | [`Failure::Keys`] ([`KeysFailure`]) |
//! | V4–V9 | [`Failure::Ballots`] ([`BallotFailure`]) |
//! | V10, MC2, MC3 | [`Failure::Chain`] ([`ChainFailure`], every one of every contest) |
//! | V11–V13 | [`Failure::Results`] ([`ResultFailure`], every one of every contest) |
//! | RC, CS, KC, DC, MC0–MC1 | [`Failure::Said`] (words; not record checks) |

use std::fmt;

use protocol::ballot_box::BoxError;
use protocol::codec::DecodeError;
use protocol::error::ManifestError;
use protocol::record::{IndexError, LayoutError, RevocationError};
use protocol::threshold::ceremony::CeremonyFileError;
use protocol::threshold::ThresholdError;

use crate::chain::ChainFailure;

/// Why a check failed, as data: tests and tools match on it; the report prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The record's integrity (V1, V1′): which file or index entry, and how.
    Record(RecordFailure),
    /// The record's election (V2, V2′): which of its bindings fails.
    Election(ElectionFailure),
    /// The key ceremony kept in the record (V3).
    Keys(KeysFailure),
    /// From the box to the mix's input (V4–V9): the registry, the log, R1–R4.
    Ballots(BallotFailure),
    /// The mix chain (V10, MC2, MC3): every failure of every contest's chain, each with its contest, stage and file.
    Chain(Vec<ChainFailure>),
    /// Decryption, decoding and count (V11–V13): every failure of every contest, each with where.
    Results(Vec<ResultFailure>),
    /// A failure stated in words, naming where: the commands other than `verify` (receipt, consistency,
    /// ceremony, decryption, mix), whose failures are not yet typed. No record check V1–V13 gives one.
    Said(String),
}

impl From<protocol::ballot_box::BoxError> for Failure {
    /// The box's store could not be read back (R1–R4 recomputed).
    fn from(e: protocol::ballot_box::BoxError) -> Self {
        Failure::Ballots(BallotFailure::Log(e))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn lines<T: fmt::Display>(f: &mut fmt::Formatter<'_>, all: &[T]) -> fmt::Result {
            let lines: Vec<String> = all.iter().map(ToString::to_string).collect();
            f.write_str(&lines.join("\n"))
        }
        match self {
            Self::Record(failure) => write!(f, "{failure}"),
            Self::Election(failure) => write!(f, "{failure}"),
            Self::Keys(failure) => write!(f, "{failure}"),
            Self::Ballots(failure) => write!(f, "{failure}"),
            Self::Chain(failures) => lines(f, failures),
            Self::Results(failures) => lines(f, failures),
            Self::Said(reason) => f.write_str(reason),
        }
    }
}

impl Failure {
    /// Machine-readable kinds, one per failure it holds: `group.variant` in snake case (`"ballots.registry"`,
    /// `"chain.proof_fails"`, `"said"`). The report's JSON lists them beside the reason.
    pub fn kinds(&self) -> Vec<String> {
        let one = |group: &str, v: &dyn fmt::Debug| vec![format!("{group}.{}", variant(v))];
        let all = |group: &str, v: Vec<&dyn fmt::Debug>| -> Vec<String> {
            v.into_iter().map(|v| format!("{group}.{}", variant(v))).collect()
        };
        match self {
            Self::Record(f) => one("record", f),
            Self::Election(f) => one("election", f),
            Self::Keys(f) => one("keys", f),
            Self::Ballots(f) => one("ballots", f),
            Self::Chain(fs) => all("chain", fs.iter().map(|f| f as &dyn fmt::Debug).collect()),
            Self::Results(fs) => all("results", fs.iter().map(|f| f as &dyn fmt::Debug).collect()),
            Self::Said(_) => vec!["said".into()],
        }
    }
}

/// The variant's name of a derived `Debug` (`NotTheCombination { .. }` → `not_the_combination`).
fn variant(v: &dyn fmt::Debug) -> String {
    let debug = format!("{v:?}");
    let name: String = debug.chars().take_while(char::is_ascii_alphanumeric).collect();
    let mut snake = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.push(ch.to_ascii_lowercase());
        } else {
            snake.push(ch);
        }
    }
    snake
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Self::Said(reason)
    }
}

impl From<&str> for Failure {
    fn from(reason: &str) -> Self {
        Self::Said(reason.to_string())
    }
}

impl From<Vec<ChainFailure>> for Failure {
    fn from(failures: Vec<ChainFailure>) -> Self {
        Self::Chain(failures)
    }
}

impl From<RecordFailure> for Failure {
    fn from(f: RecordFailure) -> Self {
        Self::Record(f)
    }
}

impl From<ElectionFailure> for Failure {
    fn from(f: ElectionFailure) -> Self {
        Self::Election(f)
    }
}

impl From<KeysFailure> for Failure {
    fn from(f: KeysFailure) -> Self {
        Self::Keys(f)
    }
}

impl From<BallotFailure> for Failure {
    fn from(f: BallotFailure) -> Self {
        Self::Ballots(f)
    }
}

impl From<Vec<ResultFailure>> for Failure {
    fn from(f: Vec<ResultFailure>) -> Self {
        Self::Results(f)
    }
}

impl From<ResultFailure> for Failure {
    fn from(f: ResultFailure) -> Self {
        Self::Results(vec![f])
    }
}

/// A record file that a check after V1 reads: not there, or not decodable as its type (§1.2). V1 has hashed
/// what is there, so these name the file and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileFailure {
    /// The record has no such file.
    #[error("`{path}` is not in the record")]
    Missing {
        /// Its path in the record.
        path: String,
    },
    /// The file does not decode (JSON by §1.2's rules, or binary by §1.1's).
    #[error("{path} does not decode: {reason}")]
    Undecodable {
        /// Its path in the record.
        path: String,
        /// The decoder's words.
        reason: String,
    },
}

impl FileFailure {
    /// The file it is about.
    pub fn path(&self) -> &str {
        match self {
            Self::Missing { path } | Self::Undecodable { path, .. } => path,
        }
    }
}

/// A list the record claims that is not the recomputed one (R1, R2, R3, R5, R6): the file, both lengths, the first
/// differing entry and both values there (compact JSON; `nothing` past an end).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file} lists {claimed} entries, the recomputation {recomputed}; first difference at entry {entry}: the record \
     has {theirs}, recomputed {ours}"
)]
pub struct ListDifference {
    /// The record's file.
    pub file: String,
    /// Entries in the record's list.
    pub claimed: usize,
    /// Entries in the recomputed list.
    pub recomputed: usize,
    /// The first entry that differs.
    pub entry: usize,
    /// The record's entry there.
    pub theirs: String,
    /// The recomputed entry there.
    pub ours: String,
}

/// Why a record's files do not hold (SPEC.md §13 V1, §1.2 (e); V1′ before decryption): the index, an entry, or the
/// directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordFailure {
    /// There is no record directory at the path given: none there, or not a directory.
    #[error("{path}: {reason}")]
    NoRecord {
        /// The path given.
        path: String,
        /// What is there instead, and what to give.
        reason: String,
    },
    /// The directory has no `index.json`: the tally is not finished (or it is no record). Says what is done and
    /// the step that comes next.
    #[error("{path}: the record is not finished: {next}")]
    Unfinished {
        /// The record's directory.
        path: String,
        /// What the directory holds, and the next step.
        next: String,
    },
    /// `index.json` cannot be read (not a regular file, too large).
    #[error("{0}")]
    IndexUnreadable(String),
    /// `index.json` does not decode by §1.2's rules.
    #[error("{0}")]
    IndexUndecodable(String),
    /// The index's version, a path, a repeat or the chain (IX1) fails.
    #[error("index.json: {0}")]
    Index(IndexError),
    /// The directory holds something the index does not list, or something that is not a regular file.
    #[error("{0}")]
    Directory(String),
    /// A file is in the directory but not in the index.
    #[error("`{path}` is in the directory but not in the index")]
    Unlisted {
        /// The file's path in the record.
        path: String,
    },
    /// A listed file cannot be read (missing, not a regular file, too large).
    #[error("entry {entry} (`{path}`): {reason}")]
    EntryUnreadable {
        /// The entry's position in the index.
        entry: usize,
        /// Its path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A listed file's SHA-256 is not the index's.
    #[error("entry {entry} (`{path}`): the file's SHA-256 is not the index's (altered)")]
    Altered {
        /// The entry's position in the index.
        entry: usize,
        /// Its path.
        path: String,
    },
    /// V1′: a file of the directory cannot be read (not a regular file, too large).
    #[error("{reason}")]
    Unreadable {
        /// Its path in the record.
        path: String,
        /// Why, naming the file.
        reason: String,
    },
}

/// Why a record's election does not hold (SPEC.md §14.4 V2; V2′ before decryption).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ElectionFailure {
    /// `election.json` (or the index V2 reads beside it) is missing or does not decode (§8.8, §1.2).
    #[error("{0}")]
    Undecodable(FileFailure),
    /// Its manifest is not valid (§4.3).
    #[error("election.json: {0}")]
    InvalidManifest(ManifestError),
    /// Its fingerprint is not the one the observer pinned (`--fingerprint`): another election.
    #[error(
        "the record is of election fingerprint {record}, not the pinned {pinned} (--fingerprint): another election"
    )]
    NotThePinned {
        /// The record's fingerprint, hex.
        record: String,
        /// The pinned one, hex.
        pinned: String,
    },
    /// Its fingerprint is not the index's.
    #[error("election.json gives fingerprint {election}, the index says {index}")]
    NotTheIndexs {
        /// The fingerprint of `election.json`, hex.
        election: String,
        /// The index's, hex.
        index: String,
    },
    /// The index's paths are not §14.1's layout for this manifest.
    #[error("layout (§14.1): {0}")]
    Layout(LayoutError),
    /// V2′: a file of the layout up to the mix is not there yet.
    #[error("`{path}` is not in the record yet: the record is not ready to decrypt")]
    NotReady {
        /// The missing file's path.
        path: String,
    },
    /// V2′: a file that a record ready to decrypt does not hold (nor is a trustee's partial decryption).
    #[error("`{path}` is not a file of a record ready to decrypt (§14.1)")]
    NotBeforeDecryption {
        /// The file's path.
        path: String,
    },
}

impl From<FileFailure> for ElectionFailure {
    fn from(f: FileFailure) -> Self {
        Self::Undecodable(f)
    }
}

/// Why the record's key ceremony does not hold (SPEC.md §14.4 V3: §10.10 KC2–KC6 on `ceremony/`, then K9).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeysFailure {
    /// The manifest's trustee policy gives no ceremony parameters.
    #[error("{0}")]
    Parameters(ThresholdError),
    /// A ceremony file of the layout is missing.
    #[error("{0}")]
    File(FileFailure),
    /// A ceremony file does not decode (one decoder per type).
    #[error("ceremony/{0}")]
    Undecodable(CeremonyFileError),
    /// The ceremony fails one of C1–C11; the error names the trustee where there is one.
    #[error("ceremony (C1–C11): {0}")]
    Ceremony(ThresholdError),
    /// The ceremony's election key (K9) is not `election.json`'s.
    #[error("the ceremony gives election key {ceremony} (K9), election.json has {election}")]
    ElectionKey {
        /// The ceremony's key, hex.
        ceremony: String,
        /// `election.json`'s, hex.
        election: String,
    },
}

impl From<FileFailure> for KeysFailure {
    fn from(f: FileFailure) -> Self {
        Self::File(f)
    }
}

/// Why the way from the box to the mix's input does not hold (SPEC.md §14.4 V4–V9).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BallotFailure {
    /// A file these checks read is missing or does not decode.
    #[error("{0}")]
    File(FileFailure),
    /// V4: the box's registry is not sorted without repeats, or not the one the manifest names (L9).
    #[error("ballot-box.json: {0}")]
    Registry(BoxError),
    /// V5: the box's election (manifest, key) is not `election.json`'s.
    #[error("ballot-box.json: the box's election (manifest, key) is not election.json's")]
    NotTheElection,
    /// V5: the log fails L7 (leaf, time, repeat, head); the error names the leaf where there is one.
    #[error("ballot-box.json: {0}")]
    Log(BoxError),
    /// V6: R1 recomputed is not `tally/rejected.json`.
    #[error("{0}")]
    Rejected(ListDifference),
    /// V7: R2 recomputed is not `tally/superseded.json`.
    #[error("{0}")]
    Superseded(ListDifference),
    /// V8: the revocation list fails §14.2 (format, election, order, officials' key, signature).
    #[error("revocations.json: {0}")]
    Revocations(RevocationError),
    /// V8: R3 recomputed is not `tally/revoked.json`.
    #[error("{0}")]
    Revoked(ListDifference),
    /// V9: no ballot remains after R1–R3.
    #[error("no ballot remains after R1–R3: there is nothing to tally (R4)")]
    NothingToTally,
    /// V9: the remaining ballots make more ciphertexts than one list may hold (§9.1.1).
    #[error(
        "{remaining} remaining ballots × {chunks} chunks: more ciphertexts than one list may hold ({max}, §9.1.1)"
    )]
    TooManyCiphertexts {
        /// Ballots remaining after R3.
        remaining: usize,
        /// The most chunks of a contest.
        chunks: usize,
        /// The most ciphertexts of a list.
        max: usize,
    },
    /// V9: a remaining ballot does not have the manifest's shape (with districts, its district's contests).
    #[error("a remaining ballot does not have the manifest's shape (with districts: its district's contests, §8.2)")]
    Shape,
    /// V9: R4 recomputed is not the record's `input.list`, for each unit (contest, or contest and district) where
    /// it is not.
    #[error("{}", lines(.0))]
    Input(Vec<InputDifference>),
}

impl From<FileFailure> for BallotFailure {
    fn from(f: FileFailure) -> Self {
        Self::File(f)
    }
}

fn lines<T: fmt::Display>(all: &[T]) -> String {
    all.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// Where a unit's `input.list` differs from R4 recomputed (V9); `contest` is the unit's index in `units()` (§4.6),
/// the contest's index without districts, and the path names the unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputDifference {
    /// The header (rows, width) differs.
    #[error("{path}: {rows} rows of width {width}, R4 gives {r4_rows} rows of width {r4_width}")]
    Header {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
        /// The record's rows and width.
        rows: u32,
        width: u32,
        /// R4's rows and width.
        r4_rows: u32,
        r4_width: u32,
    },
    /// The file is shorter than a list header.
    #[error("{path}: shorter than a list header")]
    Short {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
    },
    /// The first differing row (and byte).
    #[error("{path} differs from R4 recomputed: first at row {row} (byte {byte})")]
    Row {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
        /// The first row that differs.
        row: usize,
        /// The first byte that differs.
        byte: usize,
    },
}

impl InputDifference {
    /// The contest whose input it is.
    pub fn contest(&self) -> usize {
        match self {
            Self::Header { contest, .. } | Self::Short { contest, .. } | Self::Row { contest, .. } => *contest,
        }
    }
}

/// Why decryption, decoding or count fails (SPEC.md §14.4 V11–V13), with the contest where there is one: its
/// unit's index in `units()` (§4.6), which is the contest's index without districts; the path names the unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResultFailure {
    /// A file these checks read is missing or does not decode (JSON).
    #[error("{0}")]
    File(FileFailure),
    /// V11: a partial decryption does not decode.
    #[error("contest {contest}: {path} does not decode: {source}")]
    PartialUndecodable {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
        /// The decoder's error.
        source: DecodeError,
    },
    /// V11: a trustee's file holds another trustee's partial decryption.
    #[error("contest {contest}: {path} holds trustee {holds}'s partial decryption")]
    AnotherTrustees {
        /// The contest.
        contest: usize,
        /// The file (trustee `trustee`'s).
        path: String,
        /// The trustee the file is named for.
        trustee: u16,
        /// The trustee whose partial decryption it holds.
        holds: u16,
    },
    /// V11: the file's trustee is not qualified (C12).
    #[error("contest {contest}: {path}: trustee {trustee} is not qualified (C12)")]
    NotQualified {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
        /// The trustee.
        trustee: u16,
    },
    /// V11: the contest's partial decryptions, as a whole, cannot be verified (no list, too few, …).
    #[error("contest {contest}: {source}")]
    Partials {
        /// The contest.
        contest: usize,
        /// Why (names the trustee where there is one).
        source: ThresholdError,
    },
    /// V11: one partial decryption is refused (C12–C14); the error names its trustee.
    #[error("contest {contest}: {source} (C12–C14)")]
    PartialRefused {
        /// The contest.
        contest: usize,
        /// Why, with the trustee.
        source: ThresholdError,
    },
    /// V11: the verified partial decryptions do not combine (K13).
    #[error("contest {contest}: {source}")]
    Combine {
        /// The contest.
        contest: usize,
        /// Why.
        source: ThresholdError,
    },
    /// V11: `plaintexts.list` is not the combination (K13) of the `t` smallest trustees' partial decryptions.
    #[error(
        "contest {contest}: {path} is not the combination (K13) of trustees {trustees:?}: first difference at row {row}"
    )]
    NotTheCombination {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
        /// The trustees combined.
        trustees: Vec<u16>,
        /// The first row that differs.
        row: usize,
    },
    /// V11, V12: `plaintexts.list` does not decode.
    #[error("contest {contest}: {path} does not decode: {source}")]
    PlaintextsUndecodable {
        /// The contest.
        contest: usize,
        /// The file.
        path: String,
        /// The decoder's error.
        source: DecodeError,
    },
    /// V12: `answers.json` names another contest than the manifest's.
    #[error("{path}: contest `{claimed}`, the manifest's is `{manifest}`")]
    AnswersOfAnotherContest {
        /// The contest's index.
        contest: usize,
        /// The file.
        path: String,
        /// The contest id the file gives.
        claimed: String,
        /// The manifest's.
        manifest: String,
    },
    /// V12: `answers.json` names another district than its unit's (an election with districts, §4.6).
    #[error(
        "{path}: district `{claimed}`, but the file is the answers of district `{unit}` (its folder's); the \
         answers of one district cannot be counted for another"
    )]
    AnswersOfAnotherDistrict {
        /// The unit's index in `units()`.
        contest: usize,
        /// The file.
        path: String,
        /// The district id the file gives (`none` if it gives none).
        claimed: String,
        /// The unit's district id (`none` without districts).
        unit: String,
    },
    /// V12: R5 recomputed from `plaintexts.list` is not `answers.json`.
    #[error("{difference}")]
    Answers {
        /// The contest.
        contest: usize,
        /// Where.
        difference: ListDifference,
    },
    /// V13: `result.json`'s format is not R6's.
    #[error("result.json: format `{found}`, expected `{expected}`")]
    ResultFormat {
        /// The record's.
        found: String,
        /// R6's.
        expected: String,
    },
    /// V13: `result.json`'s turnout is not the one the registry and the record's `tally/` files give.
    #[error("result.json: the turnout is {theirs}, the registry and the tally's files give {ours}")]
    Turnout {
        /// The record's, as JSON.
        theirs: String,
        /// Recomputed, as JSON.
        ours: String,
    },
    /// V13: `result.json` is for another election.
    #[error("result.json: the fingerprint is another election's")]
    ResultFingerprint,
    /// V13: R6 recomputed from the record's answers is not `result.json`'s contests.
    #[error("{0}")]
    Count(ListDifference),
}

impl From<FileFailure> for ResultFailure {
    fn from(f: FileFailure) -> Self {
        Self::File(f)
    }
}

impl ResultFailure {
    /// The contest it is about, if one.
    pub fn contest(&self) -> Option<usize> {
        match self {
            Self::PartialUndecodable { contest, .. }
            | Self::AnotherTrustees { contest, .. }
            | Self::NotQualified { contest, .. }
            | Self::Partials { contest, .. }
            | Self::PartialRefused { contest, .. }
            | Self::Combine { contest, .. }
            | Self::NotTheCombination { contest, .. }
            | Self::PlaintextsUndecodable { contest, .. }
            | Self::AnswersOfAnotherContest { contest, .. }
            | Self::AnswersOfAnotherDistrict { contest, .. }
            | Self::Answers { contest, .. } => Some(*contest),
            Self::File(_)
            | Self::ResultFormat { .. }
            | Self::ResultFingerprint
            | Self::Turnout { .. }
            | Self::Count(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_name_group_and_variant() {
        let f = Failure::Ballots(BallotFailure::NotTheElection);
        assert_eq!(f.kinds(), ["ballots.not_the_election"]);
        let f = Failure::Results(vec![
            ResultFailure::ResultFingerprint,
            ResultFailure::File(FileFailure::Missing { path: "x".into() }),
        ]);
        assert_eq!(f.kinds(), ["results.result_fingerprint", "results.file"]);
        assert_eq!(Failure::Said("x".into()).kinds(), ["said"]);
    }
}

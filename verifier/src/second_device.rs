//! `verifier check-ballot`: the voter's second device on the command line (cast-as-intended, SPEC.md §8.9).
//!
//! Input: a code the voting page shows, or the whole `…/verify.html#…` link that carries it
//! ([`DeviceCode::parse`]): after casting, `RV2:` ‖ HEX(F ‖ ballot id ‖ seed); after a Benaloh challenge,
//! `RVC2:` ‖ HEX(F ‖ K ‖ seed ‖ [u16(D)] ‖ answers). Both carry the election fingerprint `F`: an election that is not the
//! code's is refused, whatever the collector or the record says.
//!
//! * **A challenge code** is checked with the election alone (from the collector or the record): the challenged
//!   body is rebuilt from the answers and the seed (SPEC.md §8.9), and the tool prints the answers and the body's
//!   tracker, which the voter compares with the tracker the voting page showed before the challenge.
//! * **Online** ([`check_online`]): fetches `GET /election` and `GET /ballots/{id}?proof=…` from the collector
//!   (collector/API.md; each fetch counts against the ballot's verification limit, and only a request with the
//!   fetch proof of §8.10, made here from the code's seed, is served). Checks that the election's fingerprint is
//!   the one its manifest and key give (SPEC.md §4.4) and the code's, that the ballot fetched has the code's id
//!   (§8.3), that it passes B1–B4 (§8.6), opens it with the randomness derived from the seed (§8.4, §8.7: every
//!   `A = r·G`, then `M = B − r·Y` decoded), and checks the receipt the collector returns with it: its signature
//!   under the collector key, the inclusion proof in its signed root and the election (L2, L3, L5, L6), and that
//!   it is for this ballot (its id and the hash of its bytes, eq. LG0, LG1).
//! * **Offline** ([`check_in_record`]): looks the ballot up in an election record's `ballot-box.json` after check
//!   L7 on the box (the ballots rebuild the collector's final signed tree head), opens it the same way, and says
//!   whether it was counted, from the tally's files (SPEC.md §14.3): `tally/rejected.json` (R1),
//!   `tally/superseded.json` (R2), `tally/revoked.json` (R3). Where the record has its `index.json`, the chain
//!   (§13) and the digests of the files read are checked too; the rest of the record is `verifier verify`'s job.
//!
//! A code whose randomness does not open the ballot is refused ([`CheckBallotError::Opening`]): the ballot in the
//! log is not the one the voter's device prepared with that randomness (or the code was mistyped).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use protocol::ballot::{open_ballot, Ballot, BallotId, OpeningError};
use protocol::ballot_box::{BallotBox, BoxError};
use protocol::codes::{ChallengeCode, ChallengeError, DeviceCode, SecondDeviceCode};
use protocol::election::PublishedElection;
use protocol::encoding::{Answer, InvalidAnswer, Selection};
use protocol::error::{BallotError, DecodeError, ManifestError};
use protocol::log::{LogError, Receipt, WithBytes};
use protocol::manifest::{format_time, Contest, Localized};
use protocol::record::{file_digest, RecordIndex};
use protocol::tally::{fate, Fate, RejectedFile, RevokedFile, SupersededFile};
use protocol::{check_ballot, Election, Fingerprint};
use rand::rngs::OsRng;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Why a ballot could not be checked, or failed a check.
#[derive(Debug, thiserror::Error)]
pub enum CheckBallotError {
    #[error(
        "not a code of the voting page (`RV2:…` after casting, `RVC2:…` after a challenge, or a link ending in \
         `#RV2:…` or `#RVC2:…`): {0}"
    )]
    Code(DecodeError),
    #[error("this code is for election {code}, not election {election}: check it against its own election")]
    CodeForAnotherElection { code: String, election: String },
    #[error("the challenge code does not check: {0}")]
    Challenge(ChallengeError),
    #[error("{url}: no answer: {reason}")]
    Http { url: String, reason: String },
    #[error(
        "{url}: only http:// collector addresses are supported (this build has no TLS client): reach an https:// \
         collector through a local TLS proxy, or check the ballot in the election record with --record"
    )]
    UnsupportedUrl { url: String },
    #[error("{url}: the collector answered {status} `{code}`: {message}")]
    Refused { url: String, status: u16, code: String, message: String },
    #[error("{what}: not what was expected: {reason}")]
    Malformed { what: String, reason: String },
    #[error("the election parameters are not valid: {0}")]
    Election(ManifestError),
    #[error("the collector's fingerprint is not the one its manifest and key give")]
    FingerprintMismatch,
    #[error("this is election {found}, not the election you pinned ({pinned}): do not trust what it shows")]
    NotPinned { found: String, pinned: String },
    #[error("the collector returned ballot {got}, but the code is for ballot {expected}")]
    WrongBallot { expected: String, got: String },
    #[error("the ballot fails the checks of SPEC.md §8.6: {0}")]
    Ballot(BallotError),
    #[error(
        "the code's randomness does not open ballot {ballot} ({source}): this ballot was not made with this \
         code's randomness, so it cannot be shown to contain your choices (check the code was copied whole; if \
         it was, the ballot is not the one your device prepared)"
    )]
    Opening { ballot: String, source: OpeningError },
    #[error("the receipt does not verify: {0}")]
    Receipt(LogError),
    #[error("the receipt the collector returned is for another ballot")]
    ReceiptMismatch,
    #[error(
        "the receipt says the ballot was accepted at {}, outside the voting period {} … {}: the tally refuses \
         such a log (SPEC.md §11.4 L7)",
        format_time(*.accepted_at),
        format_time(*.opens_at),
        format_time(*.closes_at)
    )]
    AcceptedOutsidePeriod { accepted_at: u64, opens_at: u64, closes_at: u64 },
    #[error("ballot {0} is not in the record's ballot box")]
    NotInRecord(String),
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("the record's ballot box fails check L7: {0}")]
    BallotBox(BoxError),
    #[error("the record's index.json: {0}")]
    Index(String),
}

/// What a contest's answer shows: the chosen candidates' names, or why the answer is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContestChoice {
    pub title: String,
    pub choice: Result<Vec<String>, String>,
    pub ranked: bool,
}

/// What the tally did with the ballot (SPEC.md §14.3), if it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TallyStatus {
    /// The record has no `tally/` files yet.
    NotTallied,
    /// Its fate by the record's tally files ([`protocol::tally::fate`]).
    Tallied(Fate),
    /// R3 removed it ([`Fate::Revoked`]), and why: a paper vote, or the officials' voter-list change that removed
    /// or moved its credential (`tally/revoked.json`'s `change`, §4.7).
    Cancelled(crate::changes::Cancellation),
}

/// What one independent mirror said of the ballot (SPEC.md §11.4 L10).
#[derive(Debug, Clone)]
pub struct MirrorCheck {
    pub url: String,
    pub view: Result<crate::mirror::MirrorView, String>,
}

/// The outcome of a successful check.
#[derive(Debug, Clone)]
pub struct BallotReport {
    /// Online: what each mirror given said (L10). Empty when none was given.
    pub mirrors: Vec<MirrorCheck>,
    pub ballot_id: BallotId,
    /// A challenged ballot (checked from its code alone; never cast), not a cast one.
    pub challenged: bool,
    pub leaf_index: Option<u64>,
    /// In an election with districts, the name (in the language asked for) of the district the ballot names
    /// (SPEC.md §8.2), whose contests `contests` lists.
    pub district: Option<String>,
    /// The ballot's contests (those of its district, in manifest order), each with its choice.
    pub contests: Vec<ContestChoice>,
    /// Online: the verified receipt, and the fetches the collector still allows.
    pub receipt: Option<Receipt>,
    pub fetches_left: Option<u32>,
    /// Offline: what the tally did, and whether index.json vouched for the files read (its head, hex).
    pub status: Option<TallyStatus>,
    pub index_head: Option<Option<String>>,
}

impl BallotReport {
    /// Every mirror given agreed with the collector (a report exists only when every other check passed).
    pub fn passed(&self) -> bool {
        self.mirrors.iter().all(|m| m.view.is_ok())
    }

    /// The ballot was superseded, as the record's tally or a mirror says.
    pub fn superseded(&self) -> bool {
        matches!(self.status, Some(TallyStatus::Tallied(Fate::Superseded { .. })))
            || self.mirrors.iter().any(|m| m.view.as_ref().is_ok_and(|v| !v.later_leaves_of_credential.is_empty()))
    }
}

impl fmt::Display for BallotReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.challenged {
            writeln!(f, "challenged ballot {} (tracker {})", self.ballot_id.to_hex(), self.ballot_id.tracker())?;
            writeln!(
                f,
                "  PASS  the code's seed and answers rebuild this ballot (SPEC.md §8.9); it encrypts exactly:"
            )?;
        } else {
            writeln!(f, "ballot {}", self.ballot_id.to_hex())?;
            writeln!(
                f,
                "  PASS  the ballot is for this election, well-formed, signed and proven (SPEC.md §8.6 B1–B4)"
            )?;
            writeln!(f, "  PASS  the code's seed opens it (SPEC.md §8.4, §8.7); it contains:")?;
        }
        if let Some(d) = &self.district {
            writeln!(f, "        the ballot of district {d}, with that district's contests:")?;
        }
        for c in &self.contests {
            let shown = match &c.choice {
                Err(reason) => format!("invalid ({reason})"),
                Ok(names) if names.is_empty() => "(no selection)".to_string(),
                Ok(names) if c.ranked => {
                    names.iter().enumerate().map(|(i, n)| format!("{}. {n}", i + 1)).collect::<Vec<_>>().join(", ")
                }
                Ok(names) => names.join(", "),
            };
            writeln!(f, "        {}: {shown}", c.title)?;
        }
        if self.challenged {
            writeln!(
                f,
                "        The tracker the voting page showed before you challenged must be {}. If it is, the page \
                 encrypted your choices faithfully; if not, or if these are not your choices, do not vote with that \
                 device and tell the election officials. A challenged ballot is never cast: encrypt again to vote.",
                self.ballot_id.tracker()
            )?;
        }
        if let Some(r) = &self.receipt {
            writeln!(
                f,
                "  PASS  receipt: leaf {} of a log of {} ballots, accepted at {} s (inside the voting period), \
                 signed by the collector, in its signed root, for this ballot (SPEC.md §11.4 L2, L3, L5, L6)",
                r.leaf_index, r.tree_size, r.accepted_at
            )?;
        }
        if self.receipt.is_some() && self.mirrors.is_empty() {
            writeln!(
                f,
                "  NOTE  not checked against an independent mirror of the log (--mirror URL): the collector alone \
                 vouches for the ballot and its receipt"
            )?;
        }
        for m in &self.mirrors {
            match &m.view {
                Ok(v) => {
                    writeln!(
                        f,
                        "  PASS  the mirror {} holds this ballot at leaf {} of its log of {} ballots, under a head \
                         the collector signed (SPEC.md §11.4 L10)",
                        m.url,
                        self.leaf_index.unwrap_or_default(),
                        v.tree_size
                    )?;
                    if let Some(last) = v.later_leaves_of_credential.last() {
                        writeln!(
                            f,
                            "  NOTE  SUPERSEDED: the same credential cast a later ballot (leaf {last}); only the last \
                             ballot counts. If you did not vote again, tell the election officials"
                        )?;
                    }
                }
                Err(e) => writeln!(f, "  FAIL  mirror {}: {e}", m.url)?,
            }
        }
        if let Some(n) = self.fetches_left {
            writeln!(f, "        the collector allows {n} more fetches of this ballot")?;
        }
        if let Some(leaf) = self.leaf_index.filter(|_| self.receipt.is_none()) {
            writeln!(
                f,
                "  PASS  in the record's ballot box at leaf {leaf}; the box rebuilds its final signed tree head (L7)"
            )?;
        }
        match &self.index_head {
            Some(Some(head)) => writeln!(f, "  PASS  the files read are those index.json lists (record head {head})")?,
            Some(None) => {
                writeln!(f, "        no index.json: the record is not finished; its files are not vouched for")?
            }
            None => {}
        }
        match &self.status {
            Some(TallyStatus::NotTallied) => writeln!(f, "        not tallied yet (no tally/ files in the record)")?,
            Some(TallyStatus::Tallied(Fate::Counted)) => writeln!(f, "        COUNTED: this ballot entered the tally")?,
            Some(TallyStatus::Tallied(Fate::Refused(reason))) => {
                writeln!(f, "        NOT COUNTED: refused by the tally ({reason}, SPEC.md §14.3 R1)")?
            }
            Some(TallyStatus::Tallied(Fate::Superseded { by })) => writeln!(
                f,
                "        NOT COUNTED: superseded by a later ballot of the same voter, at leaf {by} (re-vote, R2)"
            )?,
            Some(TallyStatus::Tallied(Fate::Revoked)) => {
                writeln!(f, "        NOT COUNTED: revoked, the voter voted on paper (R3)")?
            }
            Some(TallyStatus::Cancelled(why)) => writeln!(f, "        NOT COUNTED: {} (R3)", why.words())?,
            None => {}
        }
        Ok(())
    }
}

/// A text of `names` in `lang`, else in the first language listed.
fn localized(names: &Localized, lang: &str) -> String {
    names.get(lang).or_else(|| names.values().next()).cloned().unwrap_or_default()
}

/// The names of an answer's selections, in the answer's order.
fn choice(contest: &Contest, answer: &Result<Answer, InvalidAnswer>, lang: &str) -> ContestChoice {
    let choice = match answer {
        Err(e) => Err(e.reason.clone()),
        // A graded contest's selections are the options' grades, in option order (SPEC.md §5.1).
        Ok(a) if contest.kind == protocol::manifest::ContestKind::Graded => Ok(a
            .selections
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let option =
                    contest.options.get(k).map_or_else(|| format!("option {k}"), |o| localized(&o.title, lang));
                let grade = match s {
                    Selection::Option(g) => {
                        contest.grades.get(usize::from(*g)).map_or_else(|| format!("grade {g}"), |t| localized(t, lang))
                    }
                    Selection::WriteIn(text) => format!("write-in {text:?}"),
                };
                format!("{option}: {grade}")
            })
            .collect()),
        Ok(a) => Ok(a
            .selections
            .iter()
            .map(|s| match s {
                Selection::Option(i) => contest
                    .options
                    .get(*i as usize)
                    .map_or_else(|| format!("option {i}"), |o| localized(&o.title, lang)),
                Selection::WriteIn(text) => format!("write-in {text:?}"),
            })
            .collect()),
    };
    ContestChoice {
        title: localized(&contest.title, lang),
        choice,
        ranked: matches!(contest.kind, protocol::manifest::ContestKind::Ranked { .. }),
    }
}

/// The name of district `district` (an index) in `lang`, and each answer with the contest it answers: the
/// contests of that district, in manifest order (SPEC.md §8.2, `Manifest::ballot_contests`).
fn district_choices(
    election: &Election,
    district: Option<u16>,
    answers: &[Result<Answer, InvalidAnswer>],
    lang: &str,
) -> (Option<String>, Vec<ContestChoice>) {
    let m = election.manifest();
    let name = district.and_then(|d| m.districts.get(usize::from(d))).map(|d| localized(&d.title, lang));
    let contests = m.ballot_contests(district).into_iter().map(|c| &m.contests[c]);
    (name, contests.zip(answers).map(|(c, a)| choice(c, a, lang)).collect())
}

/// Checks the ballot against the code and opens it (SPEC.md §8.6, §8.7), with the randomness the code's seed
/// gives (§8.4) for the ballot's district; the district's name and the choices.
fn open(
    election: &Election,
    ballot: &Ballot,
    code: &SecondDeviceCode,
    lang: &str,
) -> Result<(Option<String>, Vec<ContestChoice>), CheckBallotError> {
    if ballot.id() != code.ballot_id {
        return Err(CheckBallotError::WrongBallot { expected: code.ballot_id.to_hex(), got: ballot.id().to_hex() });
    }
    // B2 checks that the ballot's district exists and that it holds exactly that district's contests.
    check_ballot(election, ballot).map_err(CheckBallotError::Ballot)?;
    let district = ballot.body.district;
    let answers = open_ballot(election, &ballot.body, &code.opening(election, district))
        .map_err(|source| CheckBallotError::Opening { ballot: code.ballot_id.to_hex(), source })?;
    Ok(district_choices(election, district, &answers, lang))
}

/// The code's election must be the one the tool reads (and the pinned one: [`check_pin`]).
fn check_code_election(code: &protocol::Fingerprint, election: &Election) -> Result<(), CheckBallotError> {
    if code != election.fingerprint() {
        return Err(CheckBallotError::CodeForAnotherElection {
            code: code.to_hex(),
            election: election.fingerprint().to_hex(),
        });
    }
    Ok(())
}

/// A challenge code, checked against `election` (SPEC.md §8.9).
fn check_challenge(election: &Election, code: &ChallengeCode, lang: &str) -> Result<BallotReport, CheckBallotError> {
    check_code_election(&code.fingerprint, election)?;
    let checked = code.check(election).map_err(CheckBallotError::Challenge)?;
    let answers: Vec<_> = checked.answers.into_iter().map(Ok).collect();
    let (district, contests) = district_choices(election, checked.district, &answers, lang);
    Ok(BallotReport {
        mirrors: Vec::new(),
        ballot_id: checked.ballot_id,
        challenged: true,
        leaf_index: None,
        district,
        contests,
        receipt: None,
        fetches_left: None,
        status: None,
        index_head: None,
    })
}

fn parse_code(text: &str) -> Result<DeviceCode, CheckBallotError> {
    DeviceCode::parse(text).map_err(CheckBallotError::Code)
}

/// `GET /ballots/{id}` (collector/API.md).
#[derive(Debug, Deserialize)]
// Not deny_unknown_fields: the answer also has `ballot_bytes` and `fetches_left`, which this reader does not use.
struct Fetched {
    ballot: Ballot,
    /// With its canonical bytes (SPEC.md §11.6), which must be the JSON fields' value.
    receipt: WithBytes<Receipt>,
    fetches_left: u32,
}

/// GETs `url` and decodes its JSON; an error answer becomes [`CheckBallotError::Refused`] with its code.
fn get_json<T: DeserializeOwned>(http: &reqwest::blocking::Client, url: &str) -> Result<T, CheckBallotError> {
    let r = http.get(url).send().map_err(|e| CheckBallotError::Http { url: url.into(), reason: e.to_string() })?;
    let status = r.status();
    let text = r.text().map_err(|e| CheckBallotError::Http { url: url.into(), reason: e.to_string() })?;
    if !status.is_success() {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let field = |k: &str| v["error"][k].as_str().unwrap_or("").to_string();
        return Err(CheckBallotError::Refused {
            url: url.into(),
            status: status.as_u16(),
            code: field("code"),
            message: field("message"),
        });
    }
    serde_json::from_str(&text).map_err(|e| CheckBallotError::Malformed { what: url.into(), reason: e.to_string() })
}

/// The online check (see the module documentation). `collector` is the base URL; `lang` the language of the
/// names shown (falling back to the manifest's first).
///
/// With `mirrors`, the ballot and its receipt are then checked against each independent mirror's copy of the log
/// (SPEC.md §11.4 L10, [`crate::mirror::check_in_mirror`]): a mirror that disagrees with the collector (a forked
/// log shown to this voter) or cannot be read is reported in [`BallotReport::mirrors`] (and makes
/// [`BallotReport::passed`] false); later ballots of the same credential are reported as a supersession.
pub fn check_online(
    collector: &str,
    mirrors: &[String],
    code: &str,
    lang: &str,
    pinned: Option<&Fingerprint>,
) -> Result<BallotReport, CheckBallotError> {
    let code = parse_code(code)?;
    let base = collector.trim_end_matches('/');
    if !base.starts_with("http://") {
        return Err(CheckBallotError::UnsupportedUrl { url: base.into() });
    }
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| CheckBallotError::Http { url: base.into(), reason: e.to_string() })?;
    let info: PublishedElection = get_json(&http, &format!("{base}/election"))?;
    let election = Election::new(info.manifest, info.public_key).map_err(CheckBallotError::Election)?;
    if *election.fingerprint() != info.fingerprint {
        return Err(CheckBallotError::FingerprintMismatch);
    }
    check_pin(pinned, &election)?;
    let code = match code {
        DeviceCode::Challenge(c) => return check_challenge(&election, &c, lang),
        DeviceCode::Cast(c) => c,
    };
    check_code_election(&code.fingerprint, &election)?;
    // The receipt must be signed by the collector key the manifest names (which the fingerprint binds).
    let key = *election.manifest().roles.collector_key.verifying_key();
    // The fetch proof needs r₁ alone, the seed stream's first scalar (eq. (8a)), whatever the ballot's district
    // (not known before the fetch).
    let proof =
        protocol::codes::prove_fetch(&code.fingerprint, &code.ballot_id, &code.opening(&election, None), &mut OsRng)
            .ok_or_else(|| CheckBallotError::Malformed { what: "election".into(), reason: "no ciphertext".into() })?;
    let proof = hex::encode(protocol::Encode::to_bytes(&proof));
    let fetched: Fetched = get_json(&http, &format!("{base}/ballots/{}?proof={proof}", code.ballot_id.to_hex()))?;
    let (district, contests) = open(&election, &fetched.ballot, &code, lang)?;
    fetched.receipt.0.verify(&key, election.fingerprint()).map_err(CheckBallotError::Receipt)?;
    fetched.receipt.0.matches(&fetched.ballot).map_err(|_| CheckBallotError::ReceiptMismatch)?;
    let (period, accepted_at) = (election.manifest().voting_period, fetched.receipt.0.accepted_at);
    if accepted_at < period.opens_at || accepted_at > period.closes_at {
        let (opens_at, closes_at) = (period.opens_at, period.closes_at);
        return Err(CheckBallotError::AcceptedOutsidePeriod { accepted_at, opens_at, closes_at });
    }
    let mirrors = match mirrors {
        [] => Vec::new(),
        urls => {
            let http = crate::mirror::http_client()
                .map_err(|e| CheckBallotError::Http { url: urls.join(", "), reason: e.to_string() })?;
            let (leaf, at) = (fetched.receipt.0.leaf_index, fetched.receipt.0.accepted_at);
            urls.iter()
                .map(|url| MirrorCheck {
                    url: url.clone(),
                    view: crate::mirror::check_in_mirror(&http, url, &election, leaf, &fetched.ballot, at)
                        .map_err(|e| e.to_string()),
                })
                .collect()
        }
    };
    Ok(BallotReport {
        mirrors,
        ballot_id: code.ballot_id,
        challenged: false,
        leaf_index: Some(fetched.receipt.0.leaf_index),
        district,
        contests,
        fetches_left: Some(fetched.fetches_left),
        receipt: Some(fetched.receipt.0),
        status: None,
        index_head: None,
    })
}

/// The election is the pinned one, if the observer pinned one (`--fingerprint`).
fn check_pin(pinned: Option<&Fingerprint>, election: &Election) -> Result<(), CheckBallotError> {
    match pinned {
        Some(p) if p != election.fingerprint() => {
            Err(CheckBallotError::NotPinned { found: election.fingerprint().to_hex(), pinned: p.to_hex() })
        }
        _ => Ok(()),
    }
}

/// Reads a record file: its bytes, or `None` if it does not exist.
fn read_optional(record: &Path, path: &str) -> Result<Option<Vec<u8>>, CheckBallotError> {
    let full = record.join(path);
    match std::fs::read(&full) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CheckBallotError::File { path: full, reason: e.to_string() }),
    }
}

fn parse_file<T: DeserializeOwned>(record: &Path, path: &str, bytes: &[u8]) -> Result<T, CheckBallotError> {
    serde_json::from_slice(bytes)
        .map_err(|e| CheckBallotError::File { path: record.join(path), reason: format!("not valid JSON: {e}") })
}

/// The offline check in an election record (see the module documentation).
pub fn check_in_record(
    record: &Path,
    code: &str,
    lang: &str,
    pinned: Option<&Fingerprint>,
) -> Result<BallotReport, CheckBallotError> {
    let code = parse_code(code)?;
    let box_path = "ballot-box.json";
    let box_bytes = read_optional(record, box_path)?.ok_or_else(|| CheckBallotError::File {
        path: record.join(box_path),
        reason: "missing: not an election record".into(),
    })?;
    let bbox: BallotBox = parse_file(record, box_path, &box_bytes)?;
    let election = bbox.election().map_err(CheckBallotError::BallotBox)?;
    check_pin(pinned, &election)?;
    let code = match code {
        DeviceCode::Challenge(c) => return check_challenge(&election, &c, lang),
        DeviceCode::Cast(c) => c,
    };
    check_code_election(&code.fingerprint, &election)?;
    let logged = bbox.check_log(&election).map_err(CheckBallotError::BallotBox)?;
    // The ballots' ids are computed again from their bytes (the box's ids are not held).
    let mut found = None;
    for leaf in logged.leaves() {
        let leaf = leaf.map_err(CheckBallotError::BallotBox)?;
        if leaf.id == code.ballot_id {
            found = Some(leaf.leaf_index);
            break;
        }
    }
    let entry = match found {
        Some(leaf) => logged.at_leaf(leaf).map_err(CheckBallotError::BallotBox)?,
        None => None,
    };
    let (_, entry) = entry.ok_or_else(|| CheckBallotError::NotInRecord(code.ballot_id.to_hex()))?;
    let whole = logged.read(std::slice::from_ref(&entry)).and_then(|b| b.decode(&entry));
    let whole = whole.map_err(CheckBallotError::BallotBox)?;
    let (district, contests) = open(&election, &whole.ballot, &code, lang)?;

    let tally_files = ["tally/rejected.json", "tally/superseded.json", "tally/revoked.json"];
    let mut read = vec![(box_path, box_bytes)];
    for path in tally_files {
        if let Some(bytes) = read_optional(record, path)? {
            read.push((path, bytes));
        }
    }
    let index_head = match read_optional(record, "index.json")? {
        None => None,
        Some(bytes) => {
            let index: RecordIndex = parse_file(record, "index.json", &bytes)?;
            index.check_chain().map_err(|e| CheckBallotError::Index(e.to_string()))?;
            if index.fingerprint != *election.fingerprint() {
                return Err(CheckBallotError::Index("it is for another election".into()));
            }
            for (path, bytes) in &read {
                let listed =
                    index.get(path).ok_or_else(|| CheckBallotError::Index(format!("`{path}` is not listed")))?;
                if listed.sha256 != file_digest(bytes) {
                    return Err(CheckBallotError::Index(format!("`{path}` does not have the listed SHA-256")));
                }
            }
            Some(hex::encode(index.head()))
        }
    };
    let file = |path: &str| read.iter().find(|(p, _)| *p == path).map(|(_, b)| b.as_slice());
    let leaf = entry.leaf_index;
    let status = match (file(tally_files[0]), file(tally_files[1]), file(tally_files[2])) {
        (Some(rejected), Some(superseded), Some(revoked)) => {
            let rejected: RejectedFile = parse_file(record, tally_files[0], rejected)?;
            let superseded: SupersededFile = parse_file(record, tally_files[1], superseded)?;
            let revoked: RevokedFile = parse_file(record, tally_files[2], revoked)?;
            match fate(leaf, &rejected, &superseded, &revoked) {
                Fate::Revoked => match crate::changes::Cancellation::of(leaf, &revoked, &bbox) {
                    Some(why) => TallyStatus::Cancelled(why),
                    None => TallyStatus::Tallied(Fate::Revoked),
                },
                other => TallyStatus::Tallied(other),
            }
        }
        (None, None, None) => TallyStatus::NotTallied,
        _ => {
            return Err(CheckBallotError::File {
                path: record.join("tally"),
                reason: "some of rejected.json, superseded.json and revoked.json are missing".into(),
            })
        }
    };
    Ok(BallotReport {
        mirrors: Vec::new(),
        ballot_id: code.ballot_id,
        challenged: false,
        leaf_index: Some(leaf),
        district,
        contests,
        receipt: None,
        fetches_left: None,
        status: Some(status),
        index_head: Some(index_head),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A graded contest's answer reads as each option with its grade (SPEC.md §5.1), not as options.
    #[test]
    fn a_graded_answer_names_each_options_grade() {
        let mut contest = protocol::manifest::example_manifest().contests.remove(0);
        contest.kind = protocol::manifest::ContestKind::Graded;
        contest.options.truncate(2);
        contest.grades = ["Good", "Poor"].map(|g| [("en".to_string(), g.to_string())].into()).to_vec();
        let answer = Ok(Answer { selections: vec![Selection::Option(1), Selection::Option(0)] });
        let c = choice(&contest, &answer, "en");
        assert_eq!(c.choice.unwrap(), ["Alice Tamm: Poor", "Bob Kask: Good"]);
        assert!(!c.ranked);
    }

    /// With districts, a cast ballot and a challenged one open as their district's: its name, and its contests
    /// only (north: its council and the referendum, not the other districts' councils).
    #[test]
    fn a_districts_ballot_shows_its_district_and_its_contests() {
        use protocol::ballot::{create_ballot_body, BallotSeed};
        use rand::rngs::OsRng;
        let manifest = protocol::manifest::example_manifest_districts();
        let sk = protocol::elgamal::SecretKey::generate(&mut OsRng);
        let election = Election::new(manifest, sk.public_key()).unwrap();
        let cred = protocol::Credential::generate(&mut OsRng);
        let north = election.manifest().district_index("north").unwrap();
        let answers = vec![Answer::single(4), Answer::single(1)];
        let seed = *BallotSeed::generate(&mut OsRng).expose_bytes();
        let (body, _) =
            create_ballot_body(&election, &cred.public_key(), Some(north), &answers, &BallotSeed::from_bytes(seed))
                .unwrap();
        let ballot = body.sign(&cred).unwrap();
        let code = SecondDeviceCode {
            fingerprint: *election.fingerprint(),
            ballot_id: ballot.id(),
            seed: BallotSeed::from_bytes(seed),
        };
        let (district, contests) = open(&election, &ballot, &code, "et").unwrap();
        assert_eq!(district.as_deref(), Some("Põhja"));
        let shown: Vec<(String, Vec<String>)> = contests.into_iter().map(|c| (c.title, c.choice.unwrap())).collect();
        assert_eq!(
            shown,
            [
                ("Volikogu, Põhja ringkond".to_string(), vec!["Kati Kask".to_string()]),
                ("Kas linn peaks ehitama trammitee?".to_string(), vec!["Ei".to_string()]),
            ]
        );
        // The challenge code of the same choices: the district travels in the code.
        let challenge =
            ChallengeCode::new(&election, cred.public_key(), Some(north), &answers, BallotSeed::from_bytes(seed))
                .unwrap();
        let code = ChallengeCode::parse(&challenge.to_text()).unwrap();
        let report = check_challenge(&election, &code, "en").unwrap();
        assert_eq!(report.ballot_id, ballot.id());
        assert_eq!(report.district.as_deref(), Some("North"));
        let titles: Vec<&str> = report.contests.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Council, North district", "Should the town build a tram line?"]);
        assert!(report.to_string().contains("the ballot of district North, with that district's contests"));
        // Without districts, no district line.
        let plain = Election::new(protocol::manifest::example_manifest(), sk.public_key()).unwrap();
        let plain_answers = vec![Answer::single(0), Answer { selections: vec![] }, Answer::single(1)];
        let code =
            ChallengeCode::new(&plain, cred.public_key(), None, &plain_answers, BallotSeed::from_bytes(seed)).unwrap();
        let report = check_challenge(&plain, &ChallengeCode::parse(&code.to_text()).unwrap(), "en").unwrap();
        assert_eq!((report.district, report.contests.len()), (None, 3));
    }
}

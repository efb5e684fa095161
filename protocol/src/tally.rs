//! The tally's deterministic steps as pure functions (SPEC.md §14.3): check (R1), squash (R2), revoke (R3),
//! anonymize (R4), decode (R5) and count (R6). The tallier runs them to write the record; the verifier runs the
//! same functions to recompute each artefact and compares (checks V6–V9, V12, V13).

use std::collections::BTreeMap;

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::ballot::{check_ballots, BallotId};
use crate::ballot_box::{Ballots, BoxBallot, BoxError, ChunkBytes, Electorate, LoggedBallot, RECORD_BATCH};
use crate::count::{count_valid, ContestResult};
use crate::credential::CredentialKey;
use crate::election::Election;
use crate::encoding::{Answer, InvalidAnswer};
use crate::error::BallotError;
use crate::fingerprint::Fingerprint;
use crate::manifest::{Contest, Unit};
use crate::threshold::PlaintextList;

/// Why the tally refuses a ballot (SPEC.md §14.3 R1), in the order the reasons are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// B1: the ballot's fingerprint is another election's.
    WrongElection,
    /// B2: not the manifest's number of contests, or a contest not of its width.
    WrongShape,
    /// The credential is not in the registry.
    UnknownCredential,
    /// The ballot is for another district than its credential's (an election with districts).
    WrongDistrict,
    /// B3: the signature does not verify.
    BadSignature,
    /// B4: the proof does not verify.
    BadProof,
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Refusal::WrongElection => "wrong_election",
            Refusal::WrongShape => "wrong_shape",
            Refusal::UnknownCredential => "unknown_credential",
            Refusal::WrongDistrict => "wrong_district",
            Refusal::BadSignature => "bad_signature",
            Refusal::BadProof => "bad_proof",
        })
    }
}

/// One refused ballot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejected {
    /// The ballot's leaf index in the log.
    pub leaf_index: u64,
    /// The ballot's id (SPEC.md §8.3).
    pub ballot_id: BallotId,
    /// The first reason that applies.
    pub reason: Refusal,
}

/// `tally/rejected.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedFile {
    /// The refused ballots, by ascending leaf index.
    pub rejected: Vec<Rejected>,
}

/// One ballot replaced by a later ballot of the same credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Superseded {
    /// The superseded ballot's leaf index.
    pub leaf_index: u64,
    /// The leaf index of the credential's last ballot, which counts instead.
    pub by: u64,
}

/// `tally/superseded.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupersededFile {
    /// The superseded ballots, by ascending leaf index.
    pub superseded: Vec<Superseded>,
}

/// One ballot removed because its voter voted on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoked {
    /// The removed ballot's leaf index.
    pub leaf_index: u64,
    /// Its credential, which is on the revocation list, or which the voter-list change at leaf `change` removed
    /// or moved.
    pub credential: CredentialKey,
    /// The leaf of the voter-list change that cancelled the ballot (SPEC.md §4.7); absent for a paper vote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<u64>,
}

/// `tally/revoked.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokedFile {
    /// The removed ballots, by ascending leaf index.
    pub revoked: Vec<Revoked>,
}

/// What the tally did with one ballot of the log (SPEC.md §14.3 R1–R3), as its files say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It entered the mix (R4).
    Counted,
    /// R1: refused, with the reason.
    Refused(Refusal),
    /// R2: a later ballot of the same credential, at leaf `by`, counts instead.
    Superseded {
        /// The leaf of the ballot that counts instead.
        by: u64,
    },
    /// R3: its voter voted on paper.
    Revoked,
}

/// The fate of the ballot at `leaf` by the tally's three files, in the order the steps apply (R1, R2, R3): the one
/// reading of them that `verifier receipt` (RC5) and the second device (`check-ballot --record`) share.
pub fn fate(leaf: u64, rejected: &RejectedFile, superseded: &SupersededFile, revoked: &RevokedFile) -> Fate {
    if let Some(r) = rejected.rejected.iter().find(|r| r.leaf_index == leaf) {
        Fate::Refused(r.reason)
    } else if let Some(s) = superseded.superseded.iter().find(|s| s.leaf_index == leaf) {
        Fate::Superseded { by: s.by }
    } else if revoked.revoked.iter().any(|r| r.leaf_index == leaf) {
        Fate::Revoked
    } else {
        Fate::Counted
    }
}

/// A decoded row: an answer, or why it is invalid (`{"invalid": reason}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum DecodedAnswer {
    /// The row decodes to a valid answer.
    Valid(Answer),
    /// The row decodes to no valid answer (SPEC.md §5.1, §14.3 R5).
    Invalid {
        /// Why, one of [`crate::encoding::INVALID_REASONS`].
        invalid: String,
    },
}

impl DecodedAnswer {
    /// The answer, or the reason it is invalid.
    pub fn as_result(&self) -> Result<Answer, InvalidAnswer> {
        match self {
            DecodedAnswer::Valid(a) => Ok(a.clone()),
            DecodedAnswer::Invalid { invalid } => Err(InvalidAnswer { reason: invalid.clone() }),
        }
    }
}

/// A unit's decoded answers, in the order of its plaintext list's rows, each distinct answer held once and each
/// row as the number of its answer: 4 bytes a row, where a `Vec<DecodedAnswer>` takes 24 and a heap allocation of
/// the selections (a national contest's ten million rows hold a few hundred distinct answers; the count, the
/// readable result and the report borrow them). Written and read as the JSON list of the rows' answers
/// (`answers` of `answers.json`), so the file is unchanged. A plaintext list's rows are at most `u32::MAX` (its
/// `rows` is a `u32`), so an answer's number fits a `u32`.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Each distinct answer, in the order of its first row.
    distinct: indexmap::IndexSet<DecodedAnswer>,
    /// Each row's answer, by its place in `distinct`.
    rows: Vec<u32>,
}

impl Answers {
    /// No answers, with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        Answers { distinct: indexmap::IndexSet::new(), rows: Vec::with_capacity(rows) }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends a row's answer.
    pub fn push(&mut self, answer: DecodedAnswer) {
        let (at, _) = self.distinct.insert_full(answer);
        self.rows.push(at as u32);
    }

    /// Appends every row of `other`, in order (each of its distinct answers looked up once).
    pub fn append(&mut self, other: &Answers) {
        let places: Vec<u32> = other.distinct.iter().map(|a| self.distinct.insert_full(a.clone()).0 as u32).collect();
        self.rows.extend(other.rows.iter().filter_map(|&r| places.get(r as usize)));
    }

    /// Row `row`'s answer.
    pub fn get(&self, row: usize) -> Option<&DecodedAnswer> {
        self.rows.get(row).and_then(|&r| self.distinct.get_index(r as usize))
    }

    /// Replaces row `row`'s answer (a test's tampering); false if there is no such row.
    pub fn set(&mut self, row: usize, answer: DecodedAnswer) -> bool {
        if row >= self.rows.len() {
            return false;
        }
        let (at, _) = self.distinct.insert_full(answer);
        if let Some(slot) = self.rows.get_mut(row) {
            *slot = at as u32;
        }
        true
    }

    /// Every row's answer, in order.
    pub fn iter(&self) -> impl Iterator<Item = &DecodedAnswer> + Clone + '_ {
        self.rows.iter().filter_map(|&r| self.distinct.get_index(r as usize))
    }

    /// Each distinct answer with its number of rows, in the order of first rows.
    pub fn tallies(&self) -> Vec<(&DecodedAnswer, u64)> {
        let mut counts = vec![0u64; self.distinct.len()];
        for &r in &self.rows {
            if let Some(c) = counts.get_mut(r as usize) {
                *c += 1;
            }
        }
        self.distinct.iter().zip(counts).collect()
    }
}

impl PartialEq for Answers {
    /// The same answers in the same rows (however they are held).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Answers {}

impl FromIterator<DecodedAnswer> for Answers {
    fn from_iter<I: IntoIterator<Item = DecodedAnswer>>(rows: I) -> Self {
        let mut answers = Answers::default();
        answers.extend(rows);
        answers
    }
}

impl Extend<DecodedAnswer> for Answers {
    fn extend<I: IntoIterator<Item = DecodedAnswer>>(&mut self, rows: I) {
        for a in rows {
            self.push(a);
        }
    }
}

impl Serialize for Answers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Answers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Rows;
        impl<'de> serde::de::Visitor<'de> for Rows {
            type Value = Answers;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a list of answers")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Answers, A::Error> {
                // The size a file claims is not trusted beyond a bound.
                let mut answers = Answers::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(a) = seq.next_element::<DecodedAnswer>()? {
                    answers.push(a);
                }
                Ok(answers)
            }
        }
        deserializer.deserialize_seq(Rows)
    }
}

/// `contest-C/answers.json` (`contest-C/district-D/answers.json` with districts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersFile {
    /// The contest's id.
    pub contest: String,
    /// With districts: the id of the unit's district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// One entry per row of the contest's plaintext list, in the list's order.
    pub answers: Answers,
}

/// `format` of `result.json` as the tally writes it (SPEC.md §12.5): names, percentages and turnout included.
/// A result with a field of version 3 (a contest counted by Schulze, Borda or party lists) is written as
/// [`RESULT_FORMAT_V3`] instead.
pub const RESULT_FORMAT: &str = "rv/result/v2";
/// `format` of `result.json` when a contest's result holds a field of version 3 (SPEC.md §12.5: `lists`,
/// `list_ties`, `pairwise`, `strongest_paths`, `points`, `ranking`).
pub const RESULT_FORMAT_V3: &str = "rv/result/v3";
/// `format` of the first version of `result.json`, without `turnout`, `title` and `candidates`: records written
/// before version 2 still verify (V13 recomputes the result and compares it in the form the file has).
pub const RESULT_FORMAT_V1: &str = "rv/result/v1";
/// `format` of `result.json` of an election with districts (SPEC.md §12.5: each contest's `districts`).
pub const RESULT_FORMAT_V4: &str = "rv/result/v4";
/// Every `format` of `result.json` that V13 reads, oldest first.
pub const RESULT_FORMATS: &[&str] = &[RESULT_FORMAT_V1, RESULT_FORMAT, RESULT_FORMAT_V3, RESULT_FORMAT_V4];

/// Who voted and what became of the ballots (SPEC.md §12.5 `turnout`), from the registry and the tally's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turnout {
    /// Credentials in the registry: the manifest's `roles.registry.count`.
    pub registered: u64,
    /// Ballots in the box, re-votes included: `refused + superseded + revoked + counted` (V5–V9 prove that this
    /// is every ballot of `ballot-box.json`).
    pub cast: u64,
    /// Ballots refused by R1 (`tally/rejected.json`).
    pub refused: u64,
    /// Ballots replaced by a later ballot of the same voter, R2 (`tally/superseded.json`).
    pub superseded: u64,
    /// Ballots removed because their voter voted on paper, R3 (`tally/revoked.json`).
    pub revoked: u64,
    /// Ballots counted: those that entered the mix (R4), one row of each contest's `answers.json`.
    pub counted: u64,
}

impl Turnout {
    /// The turnout from the registry's size and the tally's files (R1–R3) and answers (R5): the one function the
    /// tally (`finish`) and the verifier (V13) both call.
    pub fn of(
        election: &Election,
        rejected: &RejectedFile,
        superseded: &SupersededFile,
        revoked: &RevokedFile,
        answers: &[AnswersFile],
    ) -> Self {
        let refused = rejected.rejected.len() as u64;
        let superseded = superseded.superseded.len() as u64;
        let revoked = revoked.revoked.len() as u64;
        // Each counted ballot is one row of every unit of its district: the rows of each district's first unit.
        let mut seen = std::collections::BTreeSet::new();
        let counted = election
            .manifest()
            .units()
            .iter()
            .zip(answers)
            .filter(|(u, _)| seen.insert(u.district))
            .map(|(_, a)| a.answers.len() as u64)
            .sum();
        Self {
            registered: u64::from(election.manifest().roles.registry.count),
            cast: refused.saturating_add(superseded).saturating_add(revoked).saturating_add(counted),
            refused,
            superseded,
            revoked,
            counted,
        }
    }
}

/// `result.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultFile {
    /// One of [`RESULT_FORMATS`]; the tally writes [`RESULT_FORMAT`].
    pub format: String,
    /// The election fingerprint `F`.
    pub fingerprint: Fingerprint,
    /// Who voted and what became of the ballots (`rv/result/v2`; absent in `rv/result/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnout: Option<Turnout>,
    /// Each contest's result, in manifest order (SPEC.md §12.5).
    pub contests: Vec<ContestResult>,
    /// The national allocation (SPEC.md §12.13, `rv/result/v4`), when the manifest declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national: Option<NationalResult>,
}

/// What the national allocation gave (SPEC.md §12.13): the allocation, or why the Riigikogu method refused the
/// contests' figures (RK1, RK4), in its words; the seats are then not given by the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NationalResult {
    /// The allocation (RK9).
    Allocation(crate::riigikogu::Allocation),
    /// The method refused the figures.
    Refused {
        /// Why, as [`crate::riigikogu::RiigikoguError`] says it.
        refused: String,
    },
}

/// SPEC.md §12.13: the `riigikogu` contests' figures (their results, already counted) feed one allocation by the
/// Riigikogu method (§12.12): each contest is a district (its id, its `seats` as mandates, its valid answers as
/// valid votes), each of its lists a party's district list and each option on no list an independent; candidates
/// are `CONTEST/OPTION`. The allocation's winners in a contest become its `elected` (personal mandates, then
/// district mandates list by list, then compensation mandates in their order), and each list's `seats` and
/// `qualified` (the national threshold) are filled in.
fn national_allocation(
    manifest: &crate::manifest::Manifest,
    national: &crate::manifest::National,
    results: &mut [ContestResult],
) -> NationalResult {
    use crate::encoding::Selection;
    use crate::riigikogu::{allocate, Candidate, District, DistrictList, Election as Rk, Party};
    let rk: Vec<usize> = (0..manifest.contests.len())
        .filter(|&c| manifest.contests[c].rule() == crate::manifest::Rule::Riigikogu)
        .collect();
    let districts = rk
        .iter()
        .map(|&c| {
            let contest = &manifest.contests[c];
            let result = &results[c];
            let votes =
                |o: usize| result.tallies.iter().find(|(s, _)| *s == Selection::Option(o as u16)).map_or(0, |t| t.1);
            let candidate =
                |o: usize| Candidate { id: format!("{}/{}", contest.id, contest.options[o].id), votes: votes(o) };
            let on = |l: Option<usize>| (0..contest.options.len()).filter(move |&o| contest.list_of(o) == l);
            District {
                id: contest.id.clone(),
                mandates: u32::from(contest.seats),
                valid_votes: result.valid,
                lists: (0..contest.lists.len())
                    .map(|l| DistrictList {
                        party: contest.lists[l].id.clone(),
                        votes: on(Some(l)).map(votes).sum(),
                        candidates: on(Some(l)).map(candidate).collect(),
                    })
                    .collect(),
                independents: on(None).map(candidate).collect(),
            }
        })
        .collect();
    let parties =
        national.parties.iter().map(|p| Party { id: p.id.clone(), national_list: p.candidates.clone() }).collect();
    let allocation = match allocate(&Rk { districts, parties }) {
        Ok(a) => a,
        Err(e) => return NationalResult::Refused { refused: e.to_string() },
    };
    for (d, &c) in rk.iter().enumerate() {
        let Some(district) = allocation.districts.get(d) else { continue };
        let prefix = format!("{}/", manifest.contests[c].id);
        let mut elected: Vec<&String> = district.personal.iter().map(|e| &e.candidate).collect();
        elected.extend(district.lists.iter().flat_map(|l| &l.district));
        elected.extend(allocation.compensation.iter().map(|m| &m.candidate).filter(|id| id.starts_with(&prefix)));
        let options: Vec<usize> =
            elected.iter().filter_map(|id| manifest.national_candidate(id)).map(|(_, o)| o).collect();
        let contest = &manifest.contests[c];
        let result = &mut results[c];
        result.elected = options.iter().map(|&o| Selection::Option(o as u16)).collect();
        if let Some(lists) = result.lists.as_mut() {
            for (l, list) in lists.iter_mut().enumerate() {
                list.seats = options.iter().filter(|&&o| contest.list_of(o) == Some(l)).count() as u64;
                list.qualified = allocation.parties.iter().any(|p| p.party == list.id && p.passed_threshold);
            }
        }
        if let Some(candidates) = result.candidates.as_mut() {
            for cand in candidates.iter_mut() {
                cand.elected = result.elected.contains(&cand.selection);
            }
        }
    }
    NationalResult::Allocation(allocation)
}

impl ResultFile {
    /// This result as a file of `format` would hold it: its own format as is; [`RESULT_FORMAT_V1`] without the
    /// fields version 2 added (`turnout`, each contest's `title` and `candidates`). `None` for any other format,
    /// and for an older format that cannot hold the result (a version 3 field in version 1 or 2), and for version
    /// 3 when the result has no field of it (the tally writes version 2 then).
    pub fn in_format(&self, format: &str) -> Option<ResultFile> {
        let v4 = self.contests.iter().any(|c| c.districts.is_some());
        let v3 = !v4 && self.contests.iter().any(ContestResult::uses_v3);
        match format {
            RESULT_FORMAT_V4 if v4 => Some(ResultFile { format: format.into(), ..self.clone() }),
            RESULT_FORMAT_V3 if v3 => Some(ResultFile { format: format.into(), ..self.clone() }),
            RESULT_FORMAT if !v3 && !v4 => Some(ResultFile { format: format.into(), ..self.clone() }),
            RESULT_FORMAT_V1 if !v3 && !v4 => Some(ResultFile {
                format: RESULT_FORMAT_V1.into(),
                fingerprint: self.fingerprint,
                turnout: None,
                contests: self
                    .contests
                    .iter()
                    .map(|c| ContestResult { title: None, candidates: None, ..c.clone() })
                    .collect(),
                national: None,
            }),
            _ => None,
        }
    }
}

fn refusal(e: &BallotError) -> Refusal {
    match e {
        BallotError::WrongElection => Refusal::WrongElection,
        BallotError::NoSuchDistrict(_) | BallotError::WrongContestCount { .. } | BallotError::WrongWidth { .. } => {
            Refusal::WrongShape
        }
        BallotError::WeakCredential | BallotError::BadSignature | BallotError::WrongCredential => Refusal::BadSignature,
        BallotError::BadProof(_) | BallotError::Encoding(_) | BallotError::Decode(_) => Refusal::BadProof,
    }
}

/// Ballots checked per batch (one multiscalar multiplication each); batches run on all cores natively.
const CHECK_BATCH: usize = 1024;

/// R1: checks every ballot (B1–B4, the registry and the district). Signatures are
/// checked one by one and proofs in batches of `CHECK_BATCH` (1,024), each batch weighted by its own generator seeded
/// from `rng`; the verdicts are exactly those of checking each ballot alone.
pub fn check<R: RngCore + CryptoRng>(
    election: &Election,
    registry: &Electorate,
    ballots: &Ballots,
    rng: &mut R,
) -> Result<RejectedFile, BoxError> {
    let mut all = RejectedFile::default();
    for chunk in ballots.chunks(RECORD_BATCH) {
        all.rejected.extend(check_except(election, registry, ballots, &chunk?, &|_| false, rng)?.rejected);
    }
    Ok(all)
}

/// [`check`], taking as passing B1–B4 (signature and proof, [`check_ballots`]) of each ballot for which `verified`
/// is true: one that the caller already checked with [`check_ballots`] (the in-browser verifier's helpers, each on
/// its share of the box). The registry is checked for every ballot. With `verified` false for all, this is
/// [`check`] on `chunk`, consecutive ballots of `box_ballots`. The ballots not verified are read from the box's
/// store and decoded again ([`ChunkBytes::decode`]) one batch at a time: memory holds a batch per core decoded,
/// never the box. An error only if the store cannot be read.
pub fn check_except<R: RngCore + CryptoRng>(
    election: &Election,
    registry: &Electorate,
    box_ballots: &Ballots,
    ballots: &[BoxBallot],
    verified: &(dyn Fn(&BoxBallot) -> bool + Sync),
    rng: &mut R,
) -> Result<RejectedFile, BoxError> {
    let seeds: Vec<[u8; 32]> = ballots
        .chunks(CHECK_BATCH)
        .map(|_| {
            let mut s = [0u8; 32];
            rng.fill_bytes(&mut s);
            s
        })
        .collect();
    let one_batch = |(chunk, seed): (&[BoxBallot], &[u8; 32])| -> Result<Vec<Rejected>, BoxError> {
        let refused = |b: &BoxBallot, verdict: Result<(), Refusal>| -> Result<Option<Refusal>, BoxError> {
            let registered = registry.lookup(&b.credential, b.leaf_index)?;
            let reason = match verdict {
                Err(r) if matches!(r, Refusal::WrongElection | Refusal::WrongShape) => r,
                _ if registered.is_none() => Refusal::UnknownCredential,
                _ if registered != Some(b.district) => Refusal::WrongDistrict,
                Err(r) => r,
                Ok(()) => return Ok(None),
            };
            Ok(Some(reason))
        };
        let (known, unchecked): (Vec<&BoxBallot>, Vec<&BoxBallot>) = chunk.iter().partition(|b| verified(b));
        let mut out: Vec<(&BoxBallot, Refusal)> = Vec::new();
        for b in known {
            out.extend(refused(b, Ok(()))?.map(|r| (b, r)));
        }
        // The bytes are read for the ballots to check, and for the refused ballots' ids.
        let bytes = match unchecked.is_empty() && out.is_empty() {
            true => None,
            false => Some(box_ballots.read(chunk)?),
        };
        // The bytes decoded in L7, so decoding again does not fail; were it to, the ballot is refused as
        // malformed rather than counted.
        let decoded: Vec<(&BoxBallot, Option<LoggedBallot>)> =
            unchecked.iter().map(|b| (*b, bytes.as_ref().and_then(|bytes| bytes.decode(b).ok()))).collect();
        let whole: Vec<&LoggedBallot> = decoded.iter().filter_map(|(_, d)| d.as_ref()).collect();
        let mut verdicts = check_ballots(election, &whole, &mut ChaCha20Rng::from_seed(*seed)).into_iter();
        for (b, d) in &decoded {
            let verdict = match d {
                Some(_) => verdicts.next().map_or(Err(Refusal::WrongShape), |v| v.map(|_| ()).map_err(|e| refusal(&e))),
                None => Err(Refusal::WrongShape),
            };
            out.extend(refused(b, verdict)?.map(|r| (*b, r)));
        }
        // Each refused ballot's id, from its bytes (the box's ids are not held).
        let mut out = out
            .into_iter()
            .map(|(b, reason)| {
                let bytes = bytes.as_ref().ok_or_else(|| BoxError::Store("the chunk's bytes were not read".into()))?;
                Ok(Rejected { leaf_index: b.leaf_index, ballot_id: bytes.leaf(b)?.id, reason })
            })
            .collect::<Result<Vec<Rejected>, BoxError>>()?;
        // Log order (a box's leaf indices ascend, L7).
        out.sort_by_key(|r| r.leaf_index);
        Ok(out)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let per_batch: Vec<Vec<Rejected>> = {
        use rayon::prelude::*;
        ballots.par_chunks(CHECK_BATCH).zip(seeds.par_iter()).map(one_batch).collect::<Result<_, _>>()?
    };
    #[cfg(target_arch = "wasm32")]
    let per_batch: Vec<Vec<Rejected>> =
        ballots.chunks(CHECK_BATCH).zip(seeds.iter()).map(one_batch).collect::<Result<_, _>>()?;
    Ok(RejectedFile { rejected: per_batch.into_iter().flatten().collect() })
}

/// R2: among the ballots not refused, the last of each credential counts; the others are superseded.
/// Returns the file and the positions of the ballots that count ([`Positions`]). `ballots` are in leaf order (L7);
/// an error only if their records cannot be read.
///
/// The ballots not refused are sorted by (the credential's first 8 bytes, position), 16 bytes a ballot up to
/// [`SORT_BUDGET`](crate::ballot_box::SORT_BUDGET) of them, the rest in sorted runs on scratch, merged as read
/// back ([`SpillSort`](crate::spill::SpillSort)), the box's records read a chunk at a time: a run of one prefix is
/// one credential's ballots, or (two credentials share a prefix with chance 2⁻⁶⁴ a pair) several credentials': each run of more than one ballot reads its ballots'
/// whole credentials again and splits by them. In each credential's ballots, by position, the last counts and the
/// others are superseded by it.
pub fn squash(ballots: &Ballots, rejected: &RejectedFile) -> Result<(SupersededFile, Positions), BoxError> {
    let mut refused: Vec<u64> = rejected.rejected.iter().map(|r| r.leaf_index).collect();
    refused.sort_unstable();
    let too_many = || BoxError::Store(format!("{} ballots, more than R2 sorts", ballots.len()));
    let mut keys = ballots.sorter::<(u64, u32)>();
    let mut position = 0usize;
    for chunk in ballots.chunks(RECORD_BATCH) {
        for b in chunk? {
            if refused.binary_search(&b.leaf_index).is_err() {
                keys.push((crate::spill::prefix(&b.credential), u32::try_from(position).map_err(|_| too_many())?))?;
            }
            position += 1;
        }
    }
    drop(refused);
    let mut superseded = Vec::new();
    let mut counted = Positions::new(ballots.len());
    crate::spill::each_group(
        keys.sorted()?,
        |k| k.0,
        |run| -> Result<(), BoxError> {
            if let [(_, only)] = run {
                counted.insert(*only as usize);
                return Ok(());
            }
            let mut whole = run
                .iter()
                .map(|&(_, p)| {
                    let b = ballots
                        .get(p as usize)?
                        .ok_or_else(|| BoxError::Store(format!("no ballot at position {p}")))?;
                    Ok((b.credential, p, b.leaf_index))
                })
                .collect::<Result<Vec<_>, BoxError>>()?;
            whole.sort_unstable();
            for same in whole.chunk_by(|a, b| a.0 == b.0) {
                let Some((&(_, last, by), earlier)) = same.split_last() else { continue };
                counted.insert(last as usize);
                superseded.extend(earlier.iter().map(|&(_, _, leaf_index)| Superseded { leaf_index, by }));
            }
            Ok(())
        },
    )?;
    superseded.sort_unstable_by_key(|s| s.leaf_index);
    Ok((SupersededFile { superseded }, counted))
}

/// Calls `f(position, ballot, its chunk)` for the ballot at each of `positions`, in order, reading the box's
/// records a chunk of [`RECORD_BATCH`] at a time (only the chunks that hold one), until `f` says `false`.
/// `Ok(true)` if every position was a ballot's and `f` went on; `Ok(false)` if one was not or `f` stopped.
fn each_at<E: From<BoxError>>(
    ballots: &Ballots,
    positions: &Positions,
    mut f: impl FnMut(usize, &BoxBallot, &[BoxBallot]) -> Result<bool, E>,
) -> Result<bool, E> {
    let n = ballots.len();
    if positions.iter_from(n).next().is_some() {
        return Ok(false);
    }
    let mut all = positions.iter().peekable();
    while let Some(&p) = all.peek() {
        let start = p - p % RECORD_BATCH;
        let chunk = ballots.range(start..(start + RECORD_BATCH).min(n))?;
        while let Some(p) = all.next_if(|&p| p < start + RECORD_BATCH) {
            let Some(b) = chunk.get(p - start) else { return Ok(false) };
            if !f(p, b, &chunk)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// A set of ballots by their positions in the box's log order (not their leaf indices): one bit a ballot of the
/// box, so that R2's counted ballots and R3's remaining ones cost 6 MB at 5·10⁷ ballots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    words: Vec<u64>,
    count: usize,
}

impl Positions {
    /// None of `n` ballots.
    pub fn new(n: usize) -> Self {
        Positions { words: vec![0; n.div_ceil(64)], count: 0 }
    }

    /// Adds position `p` (below the `n` it was made for; ignored otherwise).
    pub fn insert(&mut self, p: usize) {
        if let Some(w) = self.words.get_mut(p / 64) {
            let bit = 1u64 << (p % 64);
            if *w & bit == 0 {
                *w |= bit;
                self.count += 1;
            }
        }
    }

    /// The number of positions in it.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Its positions, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.iter_from(0)
    }

    /// Its positions from `from` on, ascending.
    fn iter_from(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
        let first = from / 64;
        self.words.iter().enumerate().skip(first).flat_map(move |(i, &w)| {
            let w = if i == first { w & (u64::MAX << (from % 64)) } else { w };
            Bits(w).map(move |b| 64 * i + b)
        })
    }

    /// The leaf indices of its ballots among `ballots`, ascending (tests, and small boxes); an error if a position
    /// is past them.
    pub fn leaf_indices(&self, ballots: &Ballots) -> Result<Vec<u64>, BoxError> {
        let mut leaves = Vec::with_capacity(self.count);
        let all = each_at(ballots, self, |_, b, _| -> Result<bool, BoxError> {
            leaves.push(b.leaf_index);
            Ok(true)
        })?;
        match all {
            true => Ok(leaves),
            false => Err(BoxError::Store(format!("a position past the box's {} ballots", ballots.len()))),
        }
    }
}

/// The set bits of a word, lowest first.
struct Bits(u64);

impl Iterator for Bits {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(b)
    }
}

/// R3: the counted ballots whose credential is revoked (on paper: `revoked`, sorted by bytes) are removed, and those
/// whose credential a later voter-list change removes or moves (SPEC.md §4.7: `change` names that change's leaf).
/// `ballots` are in leaf order (L7), `counted` R2's. Returns the file and the positions of the ballots that remain;
/// an error only if the records cannot be read.
pub fn revoke(
    ballots: &Ballots,
    counted: &Positions,
    revoked: &[CredentialKey],
    electorate: &Electorate,
) -> Result<(RevokedFile, Positions), BoxError> {
    let mut removed = Vec::new();
    let mut remaining = Positions::new(ballots.len());
    each_at(ballots, counted, |position, ballot, _| -> Result<bool, BoxError> {
        let (i, credential) = (ballot.leaf_index, ballot.credential);
        if let Ok(at) = revoked.binary_search_by(|k| k.as_bytes().cmp(&credential)) {
            removed.push(Revoked { leaf_index: i, credential: revoked[at], change: None });
        } else if let Some((change, credential)) = electorate.cancelled_after(&credential, i) {
            removed.push(Revoked { leaf_index: i, credential, change: Some(change) });
        } else {
            remaining.insert(position);
        }
        Ok(true)
    })?;
    Ok((RevokedFile { revoked: removed }, remaining))
}

/// R4: for each unit ([`Manifest::units`](crate::manifest::Manifest::units): a contest, or a contest's ballots
/// from one district), the list of the remaining ballots' ciphertexts of that contest, in leaf order, encoded as
/// its file (§9.1.1: `u32` rows, `u32` width, the rows); with districts, only the ballots of the unit's district.
/// Each row is copied from the ballot's canonical bytes ([`BoxBallot::contest_bytes`]: its points were checked
/// when L7 decoded it), so nothing is decoded; the bytes are read from the box's store a chunk of ballots at a
/// time. The ballots passed R1, so each contest has its width. A unit no remaining ballot has gives a list of no
/// rows.
///
/// The lists are not held: each unit's file is given to `out` in order, a piece at a time (`out(u, bytes)`: the
/// next bytes of unit `u`'s list; its header first, the rows counted beforehand), at most
/// [`ANONYMIZE_BUFFER`] bytes held in all. Returns each unit's rows and width; `Ok(None)` if a ballot does not
/// have its district's shape (some of the lists may then have been given in part), or if a list would hold more
/// than [`MAX_CIPHERTEXTS`](crate::limits::MAX_CIPHERTEXTS) ciphertexts (SPEC.md §9.1.1: nothing given); an error
/// if the store cannot be read or `out` fails.
pub fn anonymize<E: From<BoxError>>(
    election: &Election,
    ballots: &Ballots,
    remaining: &Positions,
    out: ListOut<'_, E>,
) -> Result<Option<Vec<ListShape>>, E> {
    anonymize_holding(election, ballots, remaining, ANONYMIZE_BUFFER, out)
}

/// [`anonymize`], giving the lists' bytes out once `buffer` bytes are held.
fn anonymize_holding<E: From<BoxError>>(
    election: &Election,
    ballots: &Ballots,
    remaining: &Positions,
    buffer: usize,
    out: ListOut<'_, E>,
) -> Result<Option<Vec<ListShape>>, E> {
    let Some(mut fill) = Lists::new(election, ballots, remaining, buffer)? else { return Ok(None) };
    // The bytes of the chunk last read, by its first ballot's leaf.
    let mut read: Option<(u64, ChunkBytes)> = None;
    let whole = each_at(ballots, remaining, |_, b, chunk| -> Result<bool, E> {
        let first = chunk.first().map_or(u64::MAX, |f| f.leaf_index);
        let bytes = match &mut read {
            Some((at, bytes)) if *at == first => bytes,
            _ => &mut read.insert((first, ballots.read(chunk)?)).1,
        };
        Ok(fill.add(b, bytes.of(b)?, out)?.is_some())
    })?;
    if !whole {
        return Ok(None);
    }
    fill.finish(out)
}

/// Where R4 gives its lists out: `out(u, bytes)`, the next bytes of unit `u`'s list ([`anonymize`]).
pub type ListOut<'a, E> = &'a mut dyn FnMut(usize, &[u8]) -> Result<(), E>;

/// The bytes of R4's lists held at once: past it, every unit's bytes so far go to `out`.
pub const ANONYMIZE_BUFFER: usize = 8 << 20;

/// A unit's list as R4 makes it; the file is `8 + 64·N·w` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListShape {
    /// Its rows `N`: the unit's remaining ballots.
    pub rows: usize,
    /// Its width `w`: the contest's chunks.
    pub width: usize,
}

/// The shape of each unit's R4 list: its rows are the remaining ballots of the unit's district (every remaining
/// ballot without districts), its width its contest's chunks. `None` if a remaining position is not a ballot of
/// `ballots` or a contest's width is 0 or more than [`MAX_WIDTH`](crate::limits::MAX_WIDTH). Whether a list may
/// hold that many ciphertexts is the caller's question (R4 gives no list then).
pub fn list_shapes(
    election: &Election,
    ballots: &Ballots,
    remaining: &Positions,
) -> Result<Option<Vec<ListShape>>, BoxError> {
    let manifest = election.manifest();
    let mut per_district: BTreeMap<Option<u16>, usize> = BTreeMap::new();
    let found = each_at(ballots, remaining, |_, b, _| -> Result<bool, BoxError> {
        *per_district.entry(b.district).or_insert(0) += 1;
        Ok(true)
    })?;
    if !found {
        return Ok(None);
    }
    Ok(manifest
        .units()
        .iter()
        .map(|unit| {
            let width = manifest.contests.get(unit.contest)?.chunks();
            let rows = per_district.get(&unit.district).copied().unwrap_or(0);
            (1..=crate::limits::MAX_WIDTH).contains(&width).then_some(ListShape { rows, width })
        })
        .collect())
}

/// R4's lists as they fill, one per unit: each unit's bytes not yet given out.
struct Lists {
    units: Vec<crate::manifest::Unit>,
    /// Each unit's contest's position on a ballot of the unit's district, and its width.
    places: Vec<(usize, usize)>,
    shapes: Vec<ListShape>,
    /// Each unit's rows given so far: at the end, the rows its header gave.
    rows: Vec<usize>,
    pending: Vec<Vec<u8>>,
    held: usize,
    /// The bytes held before they are given out.
    buffer: usize,
}

impl Lists {
    /// The lists' shapes ([`list_shapes`]), each pending list holding its header. `None` if a contest has no
    /// width R4 can copy, a remaining position is not a ballot, or a list would hold too many ciphertexts.
    fn new(
        election: &Election,
        ballots: &Ballots,
        remaining: &Positions,
        buffer: usize,
    ) -> Result<Option<Self>, BoxError> {
        Ok(match list_shapes(election, ballots, remaining)? {
            Some(shapes) => Self::of_shapes(election, shapes, buffer),
            None => None,
        })
    }

    /// [`Lists::new`] with the lists' shapes.
    fn of_shapes(election: &Election, shapes: Vec<ListShape>, buffer: usize) -> Option<Self> {
        use crate::limits::MAX_CIPHERTEXTS;
        let manifest = election.manifest();
        let units = manifest.units();
        let places: Vec<(usize, usize)> = units
            .iter()
            .map(|unit| {
                let at = manifest.ballot_contests(unit.district).iter().position(|&c| c == unit.contest)?;
                Some((at, manifest.contests.get(unit.contest)?.chunks()))
            })
            .collect::<Option<_>>()?;
        let mut pending = Vec::with_capacity(units.len());
        for shape in &shapes {
            if shape.rows.checked_mul(shape.width)? > MAX_CIPHERTEXTS {
                return None;
            }
            let mut header = Vec::with_capacity(8);
            header.extend_from_slice(&u32::try_from(shape.rows).ok()?.to_be_bytes());
            header.extend_from_slice(&u32::try_from(shape.width).ok()?.to_be_bytes());
            pending.push(header);
        }
        let held = 8 * units.len();
        Some(Lists { rows: vec![0; units.len()], units, places, shapes, pending, held, buffer })
    }

    /// The remaining ballot `b`, of canonical bytes `bytes`, into its district's units' lists; every unit's bytes
    /// to `out` once `buffer` bytes are held. `Ok(None)` if it does not have its district's shape.
    fn add<E>(&mut self, b: &BoxBallot, bytes: &[u8], out: ListOut<'_, E>) -> Result<Option<()>, E> {
        for (u, (unit, &(at, width))) in self.units.iter().zip(&self.places).enumerate() {
            if b.district != unit.district {
                continue;
            }
            let (Some(cells), Some(list), Some(rows)) =
                (b.contest_bytes(bytes, at), self.pending.get_mut(u), self.rows.get_mut(u))
            else {
                return Ok(None);
            };
            if cells.len() != width * 64 {
                return Ok(None);
            }
            list.extend_from_slice(cells);
            *rows += 1;
            self.held += cells.len();
        }
        if self.held >= self.buffer {
            self.give(out)?;
        }
        Ok(Some(()))
    }

    /// Every unit's pending bytes to `out`.
    fn give<E>(&mut self, out: ListOut<'_, E>) -> Result<(), E> {
        for (u, list) in self.pending.iter_mut().enumerate().filter(|(_, l)| !l.is_empty()) {
            out(u, list)?;
            list.clear();
        }
        self.held = 0;
        Ok(())
    }

    /// The last bytes to `out`; the shapes, `None` if a unit did not get the rows its header gave.
    fn finish<E>(mut self, out: ListOut<'_, E>) -> Result<Option<Vec<ListShape>>, E> {
        self.give(out)?;
        let whole = self.shapes.iter().zip(&self.rows).all(|(s, &rows)| s.rows == rows);
        Ok(whole.then_some(self.shapes))
    }
}

/// R5: decodes each row of a unit's plaintexts (§5).
pub fn decode_unit(election: &Election, unit: Unit, plaintexts: &PlaintextList) -> AnswersFile {
    let manifest = election.manifest();
    let mut file = decode(&manifest.contests[unit.contest], plaintexts);
    file.district = unit.district.and_then(|d| manifest.districts.get(usize::from(d))).map(|d| d.id.clone());
    file
}

/// R5: decodes each row of a contest's plaintexts (§5).
pub fn decode(contest: &Contest, plaintexts: &PlaintextList) -> AnswersFile {
    let answers = if plaintexts.width as usize != contest.chunks() {
        // A list of the wrong shape decodes to nothing valid; the caller's comparison fails.
        Answers::default()
    } else {
        decode_rows(contest, &plaintexts.points).into_iter().collect()
    };
    AnswersFile { contest: contest.id.clone(), district: None, answers }
}

/// R5 for consecutive whole rows of a contest's plaintexts (`points`, row-major, `contest.chunks()` a row; a
/// partial last row is not decoded): [`decode`] in pieces, for a list read in chunks.
pub fn decode_rows(contest: &Contest, points: &[crate::GroupElement]) -> Vec<DecodedAnswer> {
    let width = contest.chunks();
    let decode_row = |row: &[crate::GroupElement]| -> DecodedAnswer {
        // The elements' encodings are their points' (a `GroupElement` is decoded from, or made with, them).
        let encodings: Vec<_> = row.iter().map(|p| *p.compressed()).collect();
        match Answer::from_encodings(contest, &encodings) {
            Ok(a) => DecodedAnswer::Valid(a),
            Err(e) => DecodedAnswer::Invalid { invalid: e.reason },
        }
    };
    if width == 0 {
        return Vec::new();
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        points.par_chunks_exact(width).map(decode_row).collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        points.chunks_exact(width).map(decode_row).collect()
    }
}

/// R6: counts every contest (§12) over the answers of all its units (`answers` holds one file per unit, in
/// [`Manifest::units`](crate::manifest::Manifest::units) order), with the turnout ([`Turnout::of`]); with
/// districts, each contest also gets each district's figures (§12.5 `districts`).
pub fn count(election: &Election, answers: &[AnswersFile], turnout: Turnout) -> ResultFile {
    let manifest = election.manifest();
    let units = manifest.units();
    // The files' valid answers, borrowed, and how many are invalid: counted without a copy of the answers.
    fn of<'a>(files: &[&'a AnswersFile]) -> (Vec<&'a Answer>, u64) {
        let all = files.iter().flat_map(|f| f.answers.iter());
        let valid: Vec<&Answer> = all
            .clone()
            .filter_map(|a| match a {
                DecodedAnswer::Valid(a) => Some(a),
                DecodedAnswer::Invalid { .. } => None,
            })
            .collect();
        let invalid = all.count() - valid.len();
        (valid, invalid as u64)
    }
    let mut contests: Vec<ContestResult> = manifest
        .contests
        .iter()
        .enumerate()
        .map(|(c, contest)| {
            let files: Vec<(&Unit, &AnswersFile)> = units.iter().zip(answers).filter(|(u, _)| u.contest == c).collect();
            let (valid, invalid) = of(&files.iter().map(|(_, f)| *f).collect::<Vec<_>>());
            let mut result = count_valid(contest, &valid, invalid);
            drop(valid);
            if manifest.has_districts() {
                result.seats = Some(contest.seats);
                result.districts = Some(
                    files
                        .iter()
                        .map(|(u, f)| {
                            let (valid, invalid) = of(&[f]);
                            let r = count_valid(contest, &valid, invalid);
                            crate::count::DistrictFigures {
                                district: u
                                    .district
                                    .and_then(|d| manifest.districts.get(usize::from(d)))
                                    .map_or_else(String::new, |d| d.id.clone()),
                                valid: r.valid,
                                invalid: r.invalid,
                                tallies: r.tallies,
                            }
                        })
                        .collect(),
                );
            }
            result
        })
        .collect();
    let national = manifest.national.as_ref().map(|n| national_allocation(manifest, n, &mut contests));
    let format = if manifest.has_districts() {
        RESULT_FORMAT_V4
    } else if contests.iter().any(ContestResult::uses_v3) {
        RESULT_FORMAT_V3
    } else {
        RESULT_FORMAT
    };
    ResultFile {
        format: format.into(),
        fingerprint: *election.fingerprint(),
        turnout: Some(turnout),
        contests,
        national,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::create_ballot;
    use crate::codec::Decode;
    use crate::codec::Encode;
    use crate::credential::Credential;
    use crate::elgamal::SecretKey;
    use crate::encoding::Selection;
    use crate::manifest::example_manifest;
    use crate::shuffle::CiphertextList;
    use rand::rngs::OsRng;

    /// A ballot's fate reads the tally's files in the steps' order: refused (R1) before superseded (R2) before
    /// revoked (R3); a leaf in none of them was counted.
    /// `Answers` holds each distinct answer once but reads, writes and compares as the list of its rows: the JSON
    /// is byte for byte a `Vec<DecodedAnswer>`'s, appending keeps row order, `set` and `tallies` see every row.
    #[test]
    fn answers_read_and_write_as_the_list_of_rows() {
        let rows: Vec<DecodedAnswer> = [1u16, 2, 1, 1, 0, 2]
            .iter()
            .map(|&o| DecodedAnswer::Valid(Answer::single(o)))
            .chain([DecodedAnswer::Invalid { invalid: "too_many".into() }])
            .chain([DecodedAnswer::Valid(Answer::single(1))])
            .collect();
        let answers: Answers = rows.iter().cloned().collect();
        assert_eq!((answers.len(), answers.distinct.len()), (8, 4));
        assert_eq!(answers.iter().cloned().collect::<Vec<_>>(), rows);
        assert_eq!(serde_json::to_string_pretty(&answers).unwrap(), serde_json::to_string_pretty(&rows).unwrap());
        let read: Answers = serde_json::from_str(&serde_json::to_string(&rows).unwrap()).unwrap();
        assert_eq!(read, answers);
        assert!(serde_json::from_str::<Answers>(r#"[{"selections":[1]},{"invalid":"x","more":1}]"#).is_err());
        assert!(serde_json::from_str::<Answers>(r#"{"selections":[1]}"#).is_err());
        // The same rows held differently are equal; another row, or one more, is not.
        let mut other: Answers = rows[..4].iter().cloned().collect();
        other.append(&rows[4..].iter().cloned().collect());
        assert_eq!(other, answers);
        assert!(other.set(7, DecodedAnswer::Valid(Answer::single(0))));
        assert_ne!(other, answers);
        assert!(!other.set(8, DecodedAnswer::Valid(Answer::single(0))));
        assert_eq!(other.get(7), Some(&DecodedAnswer::Valid(Answer::single(0))));
        assert_eq!(other.get(8), None);
        let tallies: Vec<(DecodedAnswer, u64)> = answers.tallies().into_iter().map(|(a, n)| (a.clone(), n)).collect();
        assert_eq!(
            tallies,
            vec![
                (DecodedAnswer::Valid(Answer::single(1)), 4),
                (DecodedAnswer::Valid(Answer::single(2)), 2),
                (DecodedAnswer::Valid(Answer::single(0)), 1),
                (DecodedAnswer::Invalid { invalid: "too_many".into() }, 1),
            ]
        );
        let mut longer = answers.clone();
        longer.push(DecodedAnswer::Valid(Answer::single(1)));
        assert_ne!(longer, answers);
    }

    #[test]
    fn a_ballots_fate_follows_the_steps_order() {
        let k = Credential::generate(&mut OsRng).public_key();
        let rejected = RejectedFile {
            rejected: vec![Rejected { leaf_index: 0, ballot_id: BallotId([0; 32]), reason: Refusal::BadProof }],
        };
        let superseded = SupersededFile {
            superseded: vec![Superseded { leaf_index: 0, by: 5 }, Superseded { leaf_index: 1, by: 5 }],
        };
        let revoked = RevokedFile {
            revoked: vec![
                Revoked { leaf_index: 1, credential: k, change: None },
                Revoked { leaf_index: 2, credential: k, change: None },
            ],
        };
        assert_eq!(fate(0, &rejected, &superseded, &revoked), Fate::Refused(Refusal::BadProof));
        assert_eq!(fate(1, &rejected, &superseded, &revoked), Fate::Superseded { by: 5 });
        assert_eq!(fate(2, &rejected, &superseded, &revoked), Fate::Revoked);
        assert_eq!(fate(3, &rejected, &superseded, &revoked), Fate::Counted);
    }

    fn answers(first: u16) -> Vec<Answer> {
        vec![
            Answer::single(first),
            Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
            Answer { selections: vec![Selection::Option(2), Selection::WriteIn("Ann".into())] },
        ]
    }

    fn logged(leaf: u64, ballot: crate::Ballot) -> LoggedBallot {
        let hash = crate::log::ballot_hash(&ballot.to_bytes());
        LoggedBallot { leaf_index: leaf, accepted_at: 0, hash, ballot }
    }

    /// R4's lists as files, given out once `buffer` bytes are held.
    fn lists_holding(
        e: &Election,
        ballots: &Ballots,
        remaining: &Positions,
        buffer: usize,
    ) -> Vec<(ListShape, Vec<u8>)> {
        let mut files = vec![Vec::new(); e.manifest().units().len()];
        let mut out = |u: usize, bytes: &[u8]| -> Result<(), BoxError> {
            files[u].extend_from_slice(bytes);
            Ok(())
        };
        let shapes = anonymize_holding(e, ballots, remaining, buffer, &mut out).unwrap().unwrap();
        shapes.into_iter().zip(files).collect()
    }

    /// R4's lists, decoded (every point checked); each row is, cell for cell, the decoded ballot's contest row of
    /// its unit: the bytes R4 copies are the ciphertexts the ballot holds. The same files whether R4 holds all of
    /// them before giving them out or gives them a ballot at a time.
    fn decoded_lists(e: &Election, ballots: &Ballots, remaining: &Positions) -> Vec<CiphertextList> {
        let files = lists_holding(e, ballots, remaining, ANONYMIZE_BUFFER);
        assert_eq!(files, lists_holding(e, ballots, remaining, 1));
        let all = ballots.all().unwrap();
        let bytes = ballots.read(&all).unwrap();
        let lists: Vec<CiphertextList> = files
            .iter()
            .map(|(shape, file)| {
                let list = CiphertextList::from_bytes(file).unwrap();
                assert_eq!((list.len(), list.width()), (shape.rows, shape.width));
                list
            })
            .collect();
        let cells: std::collections::BTreeSet<_> = remaining
            .iter()
            .flat_map(|p| bytes.decode(&all[p]).unwrap().ballot.body.contests.concat())
            .map(|c| c.to_bytes())
            .collect();
        for list in &lists {
            assert!(list.cells().iter().all(|c| cells.contains(&c.to_bytes())));
        }
        lists
    }

    /// Voters 0..4; voter 1 votes twice; voter 3 is unregistered; voter 2's second ballot has a bad signature;
    /// voter 0 is revoked.
    #[test]
    fn check_squash_revoke_anonymize_decode_count() {
        let sk = SecretKey::generate(&mut OsRng);
        let e = Election::new(example_manifest(), sk.public_key()).unwrap();
        let voters: Vec<Credential> = (0..4).map(|_| Credential::generate(&mut OsRng)).collect();
        let mut registry: Vec<CredentialKey> = voters[..3].iter().map(Credential::public_key).collect();
        registry.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let cast = |v: usize, first: u16| create_ballot(&e, &voters[v], None, &answers(first), &mut OsRng).unwrap().0;
        let mut forged = cast(2, 0);
        forged.signature[0] ^= 1;
        let box_ = Ballots::of(&[
            logged(0, cast(0, 0)),
            logged(1, cast(1, 0)),
            logged(2, cast(2, 1)),
            logged(3, cast(1, 2)),
            logged(4, cast(3, 1)),
            logged(5, forged),
        ])
        .unwrap();
        let rejected =
            check(&e, &Electorate::new(registry.iter().map(|&k| k.into()).collect(), Vec::new()), &box_, &mut OsRng)
                .unwrap();
        let reasons: Vec<(u64, Refusal)> = rejected.rejected.iter().map(|r| (r.leaf_index, r.reason)).collect();
        assert_eq!(reasons, vec![(4, Refusal::UnknownCredential), (5, Refusal::BadSignature)]);
        let (superseded, counted) = squash(&box_, &rejected).unwrap();
        assert_eq!(superseded.superseded, vec![Superseded { leaf_index: 1, by: 3 }]);
        assert_eq!(counted.leaf_indices(&box_).unwrap(), vec![0, 2, 3]);
        let (revoked, remaining) = revoke(&box_, &counted, &[voters[0].public_key()], &Electorate::default()).unwrap();
        assert_eq!(revoked.revoked, vec![Revoked { leaf_index: 0, credential: voters[0].public_key(), change: None }]);
        assert_eq!(remaining.leaf_indices(&box_).unwrap(), vec![2, 3]);
        let lists = decoded_lists(&e, &box_, &remaining);
        assert_eq!(lists.len(), 3);
        // Decrypt directly (no mix) and count: voter 2 chose option 1, voter 1 (re-vote) option 2.
        let answers: Vec<AnswersFile> = e
            .manifest()
            .contests
            .iter()
            .zip(&lists)
            .map(|(contest, list)| {
                let points = list.cells().iter().map(|c| crate::GroupElement::new(sk.decrypt(c))).collect();
                decode(contest, &PlaintextList { width: list.width() as u32, points })
            })
            .collect();
        assert_eq!(
            answers[0].answers,
            [DecodedAnswer::Valid(Answer::single(1)), DecodedAnswer::Valid(Answer::single(2))]
                .into_iter()
                .collect::<Answers>()
        );
        let turnout = Turnout::of(&e, &rejected, &superseded, &revoked, &answers);
        let registered = u64::from(e.manifest().roles.registry.count);
        let expected = Turnout { registered, cast: 6, refused: 2, superseded: 1, revoked: 1, counted: 2 };
        assert_eq!(turnout, expected);
        let result = count(&e, &answers, turnout);
        assert_eq!(result.contests[0].valid, 2);
        assert_eq!(result.contests[0].invalid, 0);
        assert_eq!(result.turnout, Some(expected));
        // Round trip of every file type through JSON.
        let json = serde_json::to_string(&answers[2]).unwrap();
        assert_eq!(serde_json::from_str::<AnswersFile>(&json).unwrap(), answers[2]);
        let json = serde_json::to_string(&rejected).unwrap();
        assert!(json.contains("\"unknown_credential\""), "{json}");
        assert_eq!(serde_json::from_str::<RejectedFile>(&json).unwrap(), rejected);
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<ResultFile>(&json).unwrap(), result);
    }

    /// SPEC.md: exercises L11, R1, R3. The voter list changes during voting (§4.7), replayed in log order: voter 3
    /// votes before it is added (refused) and after (counts); voter 0 is removed after its ballot (cancelled, R3)
    /// and votes again (refused); voter 1 is moved from north to centre, so its old-district ballot afterwards is
    /// the wrong district and its centre ballot counts (superseding its north one); voter 2 is moved after its only
    /// ballot (cancelled). Every refused change leaves the list as it was.
    #[test]
    fn voter_list_changes_replay_in_log_order() {
        use crate::voter_list::{Action, ChangeError, VoterListChange};
        let sk = SecretKey::generate(&mut OsRng);
        let e = Election::new(crate::manifest::example_manifest_districts(), sk.public_key()).unwrap();
        let m = e.manifest();
        let f = *e.fingerprint();
        let officials = crate::roles::example_role_secrets(3).officials;
        let voters: Vec<Credential> = (0..4).map(|_| Credential::generate(&mut OsRng)).collect();
        let key = |v: usize| voters[v].public_key();
        let list: Vec<crate::ballot_box::CredentialEntry> = (0..3)
            .zip(["north", "north", "centre"])
            .map(|(v, d)| crate::ballot_box::CredentialEntry::InDistrict { key: key(v), district: d.into() })
            .collect();
        let mut electorate = Electorate::from_list(m, &list).unwrap();
        let change = |seq, action, v, d| VoterListChange::sign(&officials, f, seq, action, key(v), d);
        let cast = |v: usize, d: u16| {
            let answers = match d {
                0 => vec![Answer::single(0), Answer::single(0)],
                _ => vec![Answer::single(5), Answer::single(1)],
            };
            create_ballot(&e, &voters[v], Some(d), &answers, &mut OsRng).unwrap().0
        };
        // Leaves 2, 5, 6 and 11 are the changes.
        let changes = [
            (2, change(0, Action::Add, 3, 1)),
            (5, change(1, Action::Remove, 0, 0)),
            (6, change(2, Action::Move, 1, 1)),
            (11, change(3, Action::Move, 2, 0)),
        ];
        for (leaf, c) in &changes {
            // Refusals first, at the same place: each leaves the list unchanged.
            let mut wrong = c.clone();
            wrong.seq += 1;
            assert_eq!(
                electorate.apply(m, &wrong, *leaf),
                Err(ChangeError::OutOfOrder { found: c.seq + 1, expected: c.seq })
            );
            electorate.apply(m, c, *leaf).unwrap();
        }
        assert_eq!(electorate.change_count(), 4);
        let seq = electorate.change_count();
        assert_eq!(
            electorate.apply(m, &change(seq, Action::Add, 3, 0), 12),
            Err(ChangeError::AlreadyRegistered(key(3).to_hex()))
        );
        assert_eq!(
            electorate.apply(m, &change(seq, Action::Remove, 0, 0), 12),
            Err(ChangeError::NotRegistered(key(0).to_hex()))
        );
        assert_eq!(
            electorate.apply(m, &change(seq, Action::Move, 1, 1), 12),
            Err(ChangeError::MoveToSameDistrict { credential: key(1).to_hex(), district: 1 })
        );
        assert!(matches!(electorate.apply(m, &change(seq, Action::Move, 1, 3), 12), Err(ChangeError::District(_))));
        assert_eq!(electorate.change_count(), 4);
        // The standing of each credential before and after its changes.
        assert_eq!(electorate.lookup(key(3).as_bytes(), 2).unwrap(), None);
        assert_eq!(electorate.lookup(key(3).as_bytes(), 3).unwrap(), Some(Some(1)));
        assert_eq!(electorate.lookup(key(0).as_bytes(), 5).unwrap(), Some(Some(0)));
        assert_eq!(electorate.lookup(key(0).as_bytes(), 6).unwrap(), None);
        assert_eq!(electorate.lookup(key(1).as_bytes(), 6).unwrap(), Some(Some(0)));
        assert_eq!(electorate.lookup(key(1).as_bytes(), u64::MAX).unwrap(), Some(Some(1)));
        assert_eq!(electorate.cancelled_after(key(1).as_bytes(), 4).map(|c| c.0), Some(6));
        assert_eq!(electorate.cancelled_after(key(1).as_bytes(), 8), None);

        let box_ = Ballots::of(&[
            logged(0, cast(0, 0)),
            logged(1, cast(3, 1)),
            logged(3, cast(3, 1)),
            logged(4, cast(1, 0)),
            logged(7, cast(1, 0)),
            logged(8, cast(1, 1)),
            logged(9, cast(0, 0)),
            logged(10, cast(2, 1)),
        ])
        .unwrap();
        let rejected = check(&e, &electorate, &box_, &mut OsRng).unwrap();
        let reasons: Vec<(u64, Refusal)> = rejected.rejected.iter().map(|r| (r.leaf_index, r.reason)).collect();
        assert_eq!(
            reasons,
            vec![(1, Refusal::UnknownCredential), (7, Refusal::WrongDistrict), (9, Refusal::UnknownCredential)]
        );
        let (superseded, counted) = squash(&box_, &rejected).unwrap();
        assert_eq!(superseded.superseded, vec![Superseded { leaf_index: 4, by: 8 }]);
        assert_eq!(counted.leaf_indices(&box_).unwrap(), vec![0, 3, 8, 10]);
        let (revoked, remaining) = revoke(&box_, &counted, &[], &electorate).unwrap();
        assert_eq!(
            revoked.revoked,
            vec![
                Revoked { leaf_index: 0, credential: key(0), change: Some(5) },
                Revoked { leaf_index: 10, credential: key(2), change: Some(11) }
            ]
        );
        assert_eq!(remaining.leaf_indices(&box_).unwrap(), vec![3, 8]);
        // A paper vote is named first (no `change`), and the JSON of a paper revocation has no `change` field.
        let (paper, _) = revoke(&box_, &counted, &[key(0)], &electorate).unwrap();
        assert_eq!(paper.revoked[0], Revoked { leaf_index: 0, credential: key(0), change: None });
        assert!(!serde_json::to_string(&paper.revoked[0]).unwrap().contains("change"));
        // Both remaining ballots are centre's: council-centre and the centre referendum get one row each.
        let lists = decoded_lists(&e, &box_, &remaining);
        let rows: Vec<usize> = lists.iter().map(CiphertextList::len).collect();
        assert_eq!(rows, vec![0, 2, 0, 0, 2, 0]);
    }

    /// Districts (SPEC.md §4.6, R1 `wrong_district`, R4 per unit, R6 per-district figures): voters in north (0, 1),
    /// centre (2) and none in south; voter 1 casts a centre ballot (refused: not its district), then a north one;
    /// a ballot with no district is the wrong shape.
    #[test]
    fn districts_check_anonymize_and_count_per_unit() {
        let sk = SecretKey::generate(&mut OsRng);
        let e = Election::new(crate::manifest::example_manifest_districts(), sk.public_key()).unwrap();
        let voters: Vec<Credential> = (0..3).map(|_| Credential::generate(&mut OsRng)).collect();
        let list: Vec<crate::ballot_box::CredentialEntry> = voters
            .iter()
            .zip(["north", "north", "centre"])
            .map(|(v, d)| crate::ballot_box::CredentialEntry::InDistrict { key: v.public_key(), district: d.into() })
            .collect();
        let electorate = Electorate::from_list(e.manifest(), &list).unwrap();
        assert_eq!(electorate.lookup(voters[2].public_key().as_bytes(), 0).unwrap(), Some(Some(1)));
        // north: council-north (options 0–5, lists green 0–1, blue 2–3, red 4–5) and the referendum (yes 0, no 1).
        let cast = |v: usize, d: u16, a: Vec<Answer>| create_ballot(&e, &voters[v], Some(d), &a, &mut OsRng).unwrap().0;
        let no_district = {
            // A ballot of the right contests' shape but without district: B2 refuses it.
            let mut b = cast(0, 0, vec![Answer::single(0), Answer::single(0)]);
            b.body.district = None;
            b
        };
        let box_ = Ballots::of(&[
            logged(0, cast(0, 0, vec![Answer::single(0), Answer::single(0)])),
            logged(1, cast(1, 1, vec![Answer::single(3), Answer::single(1)])),
            logged(2, cast(1, 0, vec![Answer::single(2), Answer::single(1)])),
            logged(3, cast(2, 1, vec![Answer::single(5), Answer::single(0)])),
            logged(4, no_district),
        ])
        .unwrap();
        let rejected = check(&e, &electorate, &box_, &mut OsRng).unwrap();
        let reasons: Vec<(u64, Refusal)> = rejected.rejected.iter().map(|r| (r.leaf_index, r.reason)).collect();
        assert_eq!(reasons, vec![(1, Refusal::WrongDistrict), (4, Refusal::WrongShape)]);
        let (superseded, counted) = squash(&box_, &rejected).unwrap();
        let (revoked, remaining) = revoke(&box_, &counted, &[], &electorate).unwrap();
        assert_eq!(remaining.leaf_indices(&box_).unwrap(), vec![0, 2, 3]);
        let lists = decoded_lists(&e, &box_, &remaining);
        // Units: council-north/north, council-centre/centre, council-south/south, referendum × 3.
        let rows: Vec<usize> = lists.iter().map(CiphertextList::len).collect();
        assert_eq!(rows, vec![2, 1, 0, 2, 1, 0]);
        let units = e.manifest().units();
        let answers: Vec<AnswersFile> = units
            .iter()
            .zip(&lists)
            .map(|(&unit, list)| {
                let points = list.cells().iter().map(|c| crate::GroupElement::new(sk.decrypt(c))).collect();
                decode_unit(&e, unit, &PlaintextList { width: list.width() as u32, points })
            })
            .collect();
        assert_eq!(answers[3].district.as_deref(), Some("north"));
        assert!(answers[2].answers.is_empty());
        let turnout = Turnout::of(&e, &rejected, &superseded, &revoked, &answers);
        assert_eq!(turnout.counted, 3);
        assert_eq!(turnout.cast, 5);
        let result = count(&e, &answers, turnout);
        assert_eq!(result.format, RESULT_FORMAT_V4);
        let referendum = &result.contests[3];
        assert_eq!((referendum.valid, referendum.invalid), (3, 0));
        let figures = referendum.districts.as_ref().unwrap();
        let by: Vec<(&str, u64, Vec<u64>)> =
            figures.iter().map(|f| (f.district.as_str(), f.valid, f.tallies.iter().map(|t| t.1).collect())).collect();
        // north: yes (voter 0), no (voter 1's north ballot); centre: yes (voter 2); south: nobody.
        assert_eq!(by, vec![("north", 2, vec![1, 1]), ("centre", 1, vec![1, 0]), ("south", 0, vec![0, 0])]);
        // council-north: candidates 0 (green) and 2 (blue), one vote each; 3 seats by d'Hondt.
        assert_eq!(result.contests[0].valid, 2);
        assert_eq!(result.contests[0].districts.as_ref().map(Vec::len), Some(1));
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<ResultFile>(&json).unwrap(), result);
        assert!(result.in_format(RESULT_FORMAT_V3).is_none());
        assert_eq!(result.in_format(RESULT_FORMAT_V4).as_ref(), Some(&result));
    }

    /// SPEC.md §12.13, a hand-checked national allocation: three districts of 3 mandates, a `riigikogu` contest each,
    /// parties green, blue, red (that consolidated order), 100 valid votes per district. By hand (RK2–RK8):
    /// north: q = 33⅓, north-1 (green, 50) personal; green 60 → 1 quota + 80 % of one ≥ 75 % → 2 (north-2 district),
    /// blue 25 → 75 % → 1 (north-3), red 15 → 0. centre: centre-3 (blue, 40) personal; blue 50 → 1 (the personal
    /// one), red 30 → 90 % → 1 (centre-5), green 20 → 0; one not given. south: red 50 → 1 (south-5), the rest 0,
    /// the independent south-7 (20 < q) nothing; two not given. Compensation 9 − 6 = 3, all three parties hold 2:
    /// green 90/3^0.9, blue and red 95/3^0.9: blue and red tie, red (later in the consolidated list, RK7) takes
    /// the first (north-5, next on its national list), then blue 95/3^0.9 > 90/3^0.9 takes the second
    /// (south-3), then green 90/3^0.9 > 95/4^0.9 the third (centre-1). Seats: green 3, blue 3, red 3.
    #[test]
    fn national_allocation_by_hand() {
        use crate::manifest::{National, NationalParty, Rule};
        let mut m = crate::manifest::example_manifest_districts();
        m.contests.truncate(3);
        for c in &mut m.contests {
            c.rule = Some(Rule::Riigikogu);
        }
        let mut independent = m.contests[2].options[0].clone();
        independent.id = "south-7".into();
        independent.list = None;
        m.contests[2].options.push(independent);
        let party = |id: &str, order: [&str; 6]| NationalParty {
            id: id.into(),
            candidates: order.iter().map(|c| format!("council-{}/{c}", c.split('-').next().unwrap())).collect(),
        };
        m.national = Some(National {
            parties: vec![
                party("green", ["north-1", "centre-1", "south-1", "north-2", "centre-2", "south-2"]),
                party("blue", ["centre-3", "north-3", "south-3", "centre-4", "north-4", "south-4"]),
                party("red", ["south-5", "centre-5", "north-5", "south-6", "centre-6", "north-6"]),
            ],
        });
        m.validate().unwrap();
        assert_eq!(<crate::Manifest as crate::codec::Decode>::from_bytes(&m.to_bytes()).unwrap(), m);
        let e = Election::new(m, SecretKey::generate(&mut OsRng).public_key()).unwrap();
        // Votes per option (index 0 = `-1`), per district.
        let votes: [&[u64]; 3] = [&[50, 10, 20, 5, 10, 5], &[10, 10, 40, 10, 20, 10], &[5, 5, 10, 10, 30, 20, 20]];
        let answers: Vec<AnswersFile> = e
            .manifest()
            .units()
            .iter()
            .zip(votes)
            .map(|(&u, v)| {
                let rows = v
                    .iter()
                    .enumerate()
                    .flat_map(|(o, &n)| std::iter::repeat_n(DecodedAnswer::Valid(Answer::single(o as u16)), n as usize))
                    .collect();
                AnswersFile {
                    contest: e.manifest().contests[u.contest].id.clone(),
                    district: Some(e.manifest().districts[usize::from(u.district.unwrap())].id.clone()),
                    answers: rows,
                }
            })
            .collect();
        let turnout = Turnout { registered: 300, cast: 300, refused: 0, superseded: 0, revoked: 0, counted: 300 };
        let result = count(&e, &answers, turnout);
        let elected: Vec<Vec<String>> = result
            .contests
            .iter()
            .zip(&e.manifest().contests)
            .map(|(r, c)| {
                r.elected
                    .iter()
                    .map(|s| match s {
                        Selection::Option(o) => c.options[usize::from(*o)].id.clone(),
                        Selection::WriteIn(w) => w.clone(),
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            elected,
            [
                vec!["north-1", "north-2", "north-3", "north-5"],
                vec!["centre-3", "centre-5", "centre-1"],
                vec!["south-5", "south-3"]
            ]
        );
        let Some(NationalResult::Allocation(a)) = &result.national else { panic!("{:?}", result.national) };
        let totals: Vec<(&str, u64, u64, u64)> =
            a.parties.iter().map(|p| (p.party.as_str(), p.personal, p.district, p.compensation)).collect();
        assert_eq!(totals, vec![("green", 1, 1, 1), ("blue", 1, 1, 1), ("red", 0, 2, 1)]);
        assert_eq!(
            a.compensation.iter().map(|m| m.candidate.as_str()).collect::<Vec<_>>(),
            ["council-north/north-5", "council-south/south-3", "council-centre/centre-1"]
        );
        assert_eq!(
            a.ties,
            vec![crate::riigikogu::Tie::CompensationMandate { number: 1, parties: vec!["red".into(), "blue".into()] }]
        );
        // The allocation in words, in the three languages (SPEC.md §12.6): the same figures, the words translated.
        let [en, et, fr] = ["en", "et", "fr"].map(|l| a.text(l));
        assert_eq!(en, a.to_string());
        for (text, lines) in [
            (&en, [
                "Riigikogu (RKVS § 62): 9 mandates, 300 valid votes.",
                "District council-north: 3 mandates, 100 valid votes, quota 33.333.",
                "  Personal mandate: council-north/north-1 (green, 50 votes).",
                "  1. red: 95 / 3^0.9 = 35.343: council-north/north-5.",
                "Tie for compensation mandate 1: red, blue have equal figures; red stands further down the \
                 consolidated list and takes it.",
            ]),
            (&et, [
                "Riigikogu (RKVS § 62): 9 mandaati, kehtivaid hääli 300.",
                "Ringkond council-north: 3 mandaati, kehtivaid hääli 100, lihtkvoot 33,333.",
                "  Isikumandaat: council-north/north-1 (green, 50 häält).",
                "  1. red: 95 / 3^0,9 = 35,343: council-north/north-5.",
                "Viik kompensatsioonimandaadi 1 pärast: erakondadel red, blue on võrdsed võrdlusarvud; red on \
                 koondnimekirjas tagapool ja saab mandaadi.",
            ]),
            (&fr, [
                "Riigikogu (RKVS § 62) : 9 sièges, 300 suffrages exprimés.",
                "Circonscription council-north : 3 sièges, 100 suffrages exprimés, quotient 33,333.",
                "  Siège personnel : council-north/north-1 (green, 50 voix).",
                "  1. red : 95 / 3^0,9 = 35,343 : council-north/north-5.",
                "Égalité pour le siège de compensation 1 : red, blue ont des nombres comparatifs égaux ; red, plus bas \
                 dans la liste consolidée, l'obtient.",
            ]),
        ] {
            for line in lines {
                assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
            }
        }
        // As the result prints it: districts, parties and candidates by their titles in the manifest.
        let named = crate::readable::national(&result, "et").unwrap();
        for line in [
            "Ringkond Volikogu, Põhja ringkond: 3 mandaati, kehtivaid hääli 100, lihtkvoot 33,333.",
            "  Isikumandaat: Mari Mets (Roheline nimekiri, 50 häält).",
            "  1. Punane nimekiri: 95 / 3^0,9 = 35,343: Kati Kask.",
        ] {
            assert!(named.lines().any(|l| l == line), "missing `{line}` in:\n{named}");
        }
        assert!(crate::readable::text(&result, &answers, "et").contains(&named));
        let north_lists: Vec<(bool, u64)> =
            result.contests[0].lists.as_ref().unwrap().iter().map(|l| (l.qualified, l.seats)).collect();
        assert_eq!(north_lists, vec![(true, 2), (true, 1), (true, 1)]);
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<ResultFile>(&json).unwrap(), result);
        // A district with no valid vote: the method refuses (RK1), the result says why and elects nobody there.
        let mut empty = answers.clone();
        empty[2].answers = Answers::default();
        let refused = count(&e, &empty, turnout);
        assert!(matches!(&refused.national, Some(NationalResult::Refused { refused }) if refused.contains("valid")));
    }

    /// `result.json` round trip with names and turnout; the version 1 form of the same result has none of them
    /// and reads back as itself.
    #[test]
    fn result_json_carries_names_and_turnout_and_reads_back() {
        let e = Election::new(example_manifest(), SecretKey::generate(&mut OsRng).public_key()).unwrap();
        let zed = Selection::WriteIn("Zed".into());
        let answers: Vec<AnswersFile> = e
            .manifest()
            .contests
            .iter()
            .enumerate()
            .map(|(c, contest)| {
                let a = match c {
                    0 => vec![Answer::single(1), Answer::single(1), Answer::single(0)],
                    1 => vec![Answer { selections: vec![Selection::Option(0)] }; 3],
                    _ => vec![
                        Answer { selections: vec![zed.clone()] },
                        Answer { selections: vec![Selection::Option(0)] },
                        Answer { selections: vec![zed.clone(), Selection::Option(1)] },
                    ],
                };
                AnswersFile {
                    contest: contest.id.clone(),
                    answers: a.into_iter().map(DecodedAnswer::Valid).collect(),
                    district: None,
                }
            })
            .collect();
        let files = (RejectedFile::default(), SupersededFile::default(), RevokedFile::default());
        let turnout = Turnout::of(&e, &files.0, &files.1, &files.2, &answers);
        let result = count(&e, &answers, turnout);
        let json: serde_json::Value = serde_json::to_value(&result).unwrap();
        assert_eq!(json["format"], "rv/result/v2");
        assert_eq!(json["turnout"]["counted"], 3);
        assert_eq!(json["turnout"]["cast"], 3);
        let bob = &json["contests"][0]["candidates"][1];
        assert_eq!(bob["selection"], serde_json::json!({"option": 1}));
        assert_eq!((bob["id"].as_str(), bob["title"]["en"].as_str()), (Some("bob"), Some("Bob Kask")));
        assert_eq!(
            (bob["votes"].as_u64(), bob["percent"].as_str(), bob["elected"].as_bool()),
            (Some(2), Some("66.7"), Some(true))
        );
        let written_in = json["contests"][2]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["selection"] == serde_json::json!({"write_in": "Zed"}))
            .unwrap();
        assert_eq!((written_in["id"].is_null(), written_in["title"]["et"].as_str()), (true, Some("Zed")));
        assert_eq!(json["contests"][0]["title"]["et"], "Linnapea");
        let back: ResultFile = serde_json::from_value(json).unwrap();
        assert_eq!(back, result);
        // Version 1: the same counts, without the names and the turnout; it reads back as itself.
        let v1 = result.in_format(RESULT_FORMAT_V1).unwrap();
        let json = serde_json::to_value(&v1).unwrap();
        assert!(json.get("turnout").is_none() && json["contests"][0].get("candidates").is_none(), "{json}");
        assert_eq!(json["contests"][0]["tallies"], serde_json::to_value(&result.contests[0].tallies).unwrap());
        assert_eq!(serde_json::from_value::<ResultFile>(json).unwrap(), v1);
        assert_eq!(result.in_format("rv/result/v3"), None);
        // A field neither version has is refused.
        let mut json = serde_json::to_value(&result).unwrap();
        json["contests"][0]["names"] = serde_json::json!([]);
        assert!(serde_json::from_value::<ResultFile>(json).is_err());
    }

    /// SPEC.md §12.5: a result with a field of version 3 is written as `rv/result/v3` and has no version 1 or 2
    /// form; a result without one is version 2 and has no version 3 form.
    #[test]
    fn result_v3_only_when_a_rule_has_figures_of_its_own() {
        let mut m = example_manifest();
        m.contests[2].rule = Some(crate::manifest::Rule::Schulze);
        let e = Election::new(m, SecretKey::generate(&mut OsRng).public_key()).unwrap();
        let answers: Vec<AnswersFile> = e
            .manifest()
            .contests
            .iter()
            .map(|c| {
                let a = if c.id == "budget" { Answer { selections: vec![] } } else { Answer::single(0) };
                AnswersFile {
                    contest: c.id.clone(),
                    answers: [DecodedAnswer::Valid(a)].into_iter().collect(),
                    district: None,
                }
            })
            .collect();
        let files = (RejectedFile::default(), SupersededFile::default(), RevokedFile::default());
        let result = count(&e, &answers, Turnout::of(&e, &files.0, &files.1, &files.2, &answers));
        assert_eq!(result.format, RESULT_FORMAT_V3);
        assert!(result.contests[2].pairwise.is_some() && result.contests[0].pairwise.is_none());
        assert_eq!(result.in_format(RESULT_FORMAT_V3).as_ref(), Some(&result));
        assert_eq!(result.in_format(RESULT_FORMAT), None);
        assert_eq!(result.in_format(RESULT_FORMAT_V1), None);
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["contests"][2]["method"], "Schulze (winning votes)");
        assert!(json["contests"][0].get("pairwise").is_none(), "absent, not null: {json}");
        assert_eq!(serde_json::from_value::<ResultFile>(json).unwrap(), result);
        // The same election without the rule: version 2, as before.
        let plain = Election::new(example_manifest(), SecretKey::generate(&mut OsRng).public_key()).unwrap();
        let result = count(&plain, &answers, Turnout::of(&plain, &files.0, &files.1, &files.2, &answers));
        assert_eq!(result.format, RESULT_FORMAT);
        assert_eq!(result.in_format(RESULT_FORMAT_V3), None);
        assert!(result.in_format(RESULT_FORMAT_V1).is_some());
    }

    #[test]
    fn an_invalid_row_decodes_as_invalid() {
        let sk = SecretKey::generate(&mut OsRng);
        let e = Election::new(example_manifest(), sk.public_key()).unwrap();
        let contest = &e.manifest().contests[0];
        let points =
            vec![crate::GroupElement::new(crate::elgamal::base_mul(&curve25519_dalek::Scalar::ONE)); contest.chunks()];
        let file = decode(contest, &PlaintextList { width: contest.chunks() as u32, points });
        assert!(matches!(file.answers.get(0), Some(DecodedAnswer::Invalid { .. })));
        let json = serde_json::to_string(&file).unwrap();
        assert!(json.contains("\"invalid\""), "{json}");
        assert_eq!(serde_json::from_str::<AnswersFile>(&json).unwrap(), file);
    }
}

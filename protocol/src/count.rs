//! Counting rules (SPEC.md §12): plurality, approval, and single transferable vote (instant-runoff is STV with
//! one seat). Deterministic, with a documented tie rule; every step is recorded so the verifier can recount.
//!
//! **Tie rule** (SPEC.md §12.4): when candidates are tied, the one with more votes at the most recent earlier
//! round in which they differed ranks higher ("backwards tie-break"); if they were tied in every round, or
//! there is no earlier round, candidates rank by their position in the manifest (option 0 highest), write-ins
//! after all options, ordered by the bytes of their text. Every tie that decides something is recorded in the
//! result as a [`Tie`]: the tied candidates in the order the rule put them, the round, what it decided, how.
//!
//! **STV variant** (SPEC.md §12.3): Droop quota `⌊valid / (seats + 1)⌋ + 1`; surpluses transferred by the
//! *weighted inclusive Gregory method* (every ballot held by the elected candidate moves on at
//! `value · surplus / total`), in fixed point with 10⁻⁹ vote precision, truncated; surpluses are transferred one
//! at a time, largest first; when no candidate reaches the quota, the candidate with fewest votes is excluded and
//! its ballots move on at their current value; when the continuing candidates are no more than the seats left,
//! all are elected. Ballots with no continuing preference are exhausted.
//!
//! **As people read it** (SPEC.md §12.6): votes with a percentage of the valid answers ([`percent`], one
//! decimal, half up); STV values with three decimals, truncated ([`fixed`]), and each round's figures completed by
//! what truncation lost ([`Round::figures`]), so that they add up to the valid answers exactly.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::encoding::{Answer, InvalidAnswer, Selection};
use crate::manifest::{Contest, ContestKind, Localized, Rule};

/// Fixed-point unit: one vote = 10⁹ units.
pub const UNIT: u64 = 1_000_000_000;

/// `method` of a single-choice contest's result (SPEC.md §12.5).
pub const METHOD_PLURALITY: &str = "plurality";
/// `method` of an approval contest's result.
pub const METHOD_APPROVAL: &str = "approval";
/// `method` of a ranked contest with one seat (after `seats` is capped at the number of candidates).
pub const METHOD_INSTANT_RUNOFF: &str = "instant-runoff (STV, one seat)";
/// `method` of a ranked contest with more than one seat.
pub const METHOD_STV: &str = "STV (Droop quota, WIGM)";
/// `method` of a ranked contest counted by Condorcet–Schulze (§12.7).
pub const METHOD_SCHULZE: &str = "Schulze (winning votes)";
/// `method` of a ranked contest counted by Borda (§12.8).
pub const METHOD_BORDA: &str = "Borda (n-1 to 0 points, unranked 0)";
/// `method` of a party-list contest counted by d'Hondt (§12.9).
pub const METHOD_DHONDT: &str = "d'Hondt (party lists)";
/// `method` of a party-list contest counted by Sainte-Laguë (§12.9).
pub const METHOD_SAINTE_LAGUE: &str = "Sainte-Laguë (party lists)";
/// `method` of a party-list contest counted by the Hare quota and largest remainders (§12.9).
pub const METHOD_LARGEST_REMAINDER: &str = "largest remainder, Hare quota (party lists)";
/// `method` of a graded contest counted by Majority Judgment (§12.10).
pub const METHOD_MAJORITY_JUDGMENT: &str = "majority judgment (lower median)";
/// `method` of a graded contest counted by score voting (§12.11).
pub const METHOD_SCORE: &str = "score voting";
/// `method` of a contest counted by `riigikogu` (§12.13), and of the Riigikogu allocation (§12.12).
pub const METHOD_RIIGIKOGU: &str = "Riigikogu (RKVS § 62)";
/// Every `method` string a result can carry (SPEC.md §12.5 lists the same; `tests/spec_strings.rs` checks).
pub const METHODS: &[&str] = &[
    METHOD_PLURALITY,
    METHOD_APPROVAL,
    METHOD_INSTANT_RUNOFF,
    METHOD_STV,
    METHOD_SCHULZE,
    METHOD_BORDA,
    METHOD_DHONDT,
    METHOD_SAINTE_LAGUE,
    METHOD_LARGEST_REMAINDER,
    METHOD_MAJORITY_JUDGMENT,
    METHOD_SCORE,
    METHOD_RIIGIKOGU,
];

mod graded;
mod lists;
mod ranking;

pub use graded::{majority_grade, majority_order, GradeProfile};
pub use lists::{allocate, highest_averages, Allocated, Allocation, Award, ListResult, ListTie, ListTieBreak};
pub use ranking::{pairwise, schulze_order, strongest_paths};

/// One round of an STV count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    /// Tallies of the continuing and elected candidates at the start of the round, in units (10⁻⁹ vote).
    pub tallies: Vec<(Selection, u64)>,
    /// The value of exhausted ballots (no continuing preference) at the start of the round, in units.
    pub exhausted: u64,
    /// What the round did.
    pub action: Action,
}

/// What one STV round did (SPEC.md §12.3, §12.5); serialized with its `action` tag in snake case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Reached the quota; its surplus (units) is transferred.
    Elected {
        /// The candidate elected.
        candidate: Selection,
        /// Its tally above the quota, in units.
        surplus: u64,
    },
    /// Fewest votes; its ballots move on.
    Excluded {
        /// The candidate excluded.
        candidate: Selection,
    },
    /// The continuing candidates fill the remaining seats.
    ElectedRemaining {
        /// The candidates elected, in the order the tie rule puts them.
        candidates: Vec<Selection>,
    },
}

/// The result of one contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestResult {
    /// The contest's id.
    pub contest: String,
    /// The contest's title, every language of the manifest (`rv/result/v2`; absent in `rv/result/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Localized>,
    /// How it was counted: one of [`METHODS`].
    pub method: String,
    /// Number of valid answers.
    pub valid: u64,
    /// Number of invalid answers (SPEC.md §14.3 R5), not counted.
    pub invalid: u64,
    /// Every candidate with its name, votes, percentage and whether elected, in the order of `tallies`
    /// (`rv/result/v2`; absent in `rv/result/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<Candidate>>,
    /// First-round votes (plurality: votes; approval: approvals; STV: first preferences), whole votes.
    pub tallies: Vec<(Selection, u64)>,
    /// The elected candidates, `seats` of them where there are enough candidates, in the order they were elected.
    pub elected: Vec<Selection>,
    /// STV rounds (empty for plurality and approval).
    pub rounds: Vec<Round>,
    /// Every tie the rule of §12.4 decided, in the order of the count.
    pub ties: Vec<Tie>,
    /// Party-list rules (§12.9, `rv/result/v3`): every list with its votes, whether it passed the threshold, and
    /// its seats, in manifest order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<ListResult>>,
    /// Party-list rules (§12.9, `rv/result/v3`): ties between lists that decided a seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_ties: Option<Vec<ListTie>>,
    /// Schulze (§12.7, `rv/result/v3`): `d[i][j]`, the valid ballots that rank candidate `i` above candidate `j`,
    /// candidates in the order of `tallies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairwise: Option<Vec<Vec<u64>>>,
    /// Schulze (§12.7, `rv/result/v3`): `p[i][j]`, the strength of the strongest path from `i` to `j`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strongest_paths: Option<Vec<Vec<u64>>>,
    /// Borda and score voting (§12.8, §12.11, `rv/result/v3`): every candidate's points, in the order of `tallies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<(Selection, u64)>>,
    /// With districts (`rv/result/v4`): each of the contest's districts' own figures, in district order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub districts: Option<Vec<DistrictFigures>>,
    /// With districts (`rv/result/v4`): the contest's seats, as the manifest gives them. A district's council
    /// whose district cast no ballot elects nobody, and a `riigikogu` contest may elect more or fewer than its
    /// seats (compensation mandates, §12.13): the number elected is not the number of seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u16>,
    /// Schulze, Borda and the graded rules (§12.7–§12.11, `rv/result/v3`): every candidate, best first; `elected`
    /// is its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Vec<Selection>>,
    /// Graded contests (§12.10, §12.11, `rv/result/v3`): the grades' titles from the manifest, best first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<Localized>>,
    /// Graded contests (`rv/result/v3`): every candidate's grades and majority grade, in the order of `tallies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<GradeProfile>>,
}

impl ContestResult {
    /// Whether the result holds a field of `rv/result/v3` (§12.5).
    pub fn uses_v3(&self) -> bool {
        self.lists.is_some()
            || self.list_ties.is_some()
            || self.pairwise.is_some()
            || self.strongest_paths.is_some()
            || self.points.is_some()
            || self.ranking.is_some()
            || self.grades.is_some()
            || self.profiles.is_some()
    }

    /// A result of `contest` before naming (§12.5): `title`, `candidates` and `invalid` are filled in by
    /// [`count_contest`]; the fields of one rule are `None`.
    fn new(contest: &Contest, method: &str, valid: u64) -> Self {
        ContestResult {
            contest: contest.id.clone(),
            title: None,
            method: method.into(),
            valid,
            invalid: 0,
            candidates: None,
            tallies: Vec::new(),
            elected: Vec::new(),
            rounds: Vec::new(),
            ties: Vec::new(),
            lists: None,
            list_ties: None,
            pairwise: None,
            strongest_paths: None,
            points: None,
            ranking: None,
            grades: None,
            profiles: None,
            districts: None,
            seats: None,
        }
    }
}

/// One candidate of a contest's result, named (SPEC.md §12.5, `rv/result/v2`): an element of `candidates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// The candidate, as in `tallies`: `{"option": i}` or `{"write_in": text}`.
    pub selection: Selection,
    /// The option's `id` in the manifest; `None` (`null`) for a write-in.
    pub id: Option<String>,
    /// The option's title in every language of the manifest; for a write-in, its text in every language of the
    /// contest's title.
    pub title: Localized,
    /// Whole votes, as in `tallies` (ranked contests: first preferences).
    pub votes: u64,
    /// `votes` as a percentage of the valid answers ([`percent`]: one decimal, half up, e.g. `"60.0"`); `None`
    /// (`null`) when there is no valid answer.
    pub percent: Option<String>,
    /// Whether the candidate is in `elected`.
    pub elected: bool,
}

impl Candidate {
    /// The name people read: the option's title in `lang` (else English, else the first language), or the
    /// write-in's text.
    pub fn name(&self, lang: &str) -> &str {
        match &self.selection {
            Selection::WriteIn(text) => text.as_str(),
            Selection::Option(_) => localized(&self.title, lang),
        }
    }
}

/// The text of a localized field in `lang`, else English, else the first language (by code); `""` if none.
pub fn localized<'a>(text: &'a Localized, lang: &str) -> &'a str {
    text.get(lang).or_else(|| text.get("en")).or_else(|| text.values().next()).map_or("", String::as_str)
}

/// What a tie decided (SPEC.md §12.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieFor {
    /// Plurality and approval: candidates tied across the last seat; the rule decides who is elected.
    LastSeat,
    /// STV: several candidates reached the quota with the same tally; the first by the rule is elected.
    Election,
    /// STV: several candidates share the fewest votes; the last by the rule is excluded.
    Exclusion,
    /// STV: the remaining candidates fill the seats; the rule orders the tied ones in `elected`.
    ElectionOrder,
}

/// How the rule of §12.4 ordered the tied candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// By their tallies at this earlier round (1-based): the most recent one in which they were not all equal.
    /// Candidates still equal there are ordered by earlier rounds again, then by the manifest.
    EarlierRound(u32),
    /// They were equal in every earlier round (or there was none): options by manifest index, then write-ins by
    /// the bytes of their text.
    ManifestOrder,
}

/// One tie the rule of §12.4 decided (SPEC.md §12.5): an element of a contest result's `ties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tie {
    /// The STV round (1-based, the `rounds` entry) whose action the tie decided; `None` for plurality and approval.
    pub round: Option<u32>,
    /// What the tie decided.
    pub decides: TieFor,
    /// The tied candidates, every one with `tally`, in the order the rule put them (best first).
    pub candidates: Vec<Selection>,
    /// Their common tally: whole votes for plurality and approval (as `tallies`), units of 10⁻⁹ vote for STV (as
    /// `rounds`).
    pub tally: u64,
    /// How the rule ordered them.
    pub decided_by: TieBreak,
}

/// A value in units (10⁻⁹ vote) as a decimal number of votes, without trailing zeros: `1.5`, `3`.
pub fn format_units(units: u64) -> String {
    let (whole, frac) = (units / UNIT, units % UNIT);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{frac:09}").trim_end_matches('0'))
    }
}

/// Decimal places of the vote values people read (SPEC.md §12.6).
pub const SHOWN_PLACES: usize = 3;
/// Units in the last place shown: 10⁻³ vote.
const SHOWN_STEP: u64 = UNIT / 1_000;

/// A value in units as votes with three decimals, truncated (SPEC.md §12.6): `4.999999997` votes is `4.999`, never
/// `5.000`, so a value shown at the quota has reached it.
pub fn fixed(units: u64) -> String {
    let steps = units / SHOWN_STEP;
    format!("{}.{:0places$}", steps / 1_000, steps % 1_000, places = SHOWN_PLACES)
}

/// `votes` as a percentage of `of`, one decimal, rounded half up (SPEC.md §12.6): `percent(2, 3)` is `"66.7"`.
/// `None` if `of` is 0.
pub fn percent(votes: u64, of: u64) -> Option<String> {
    if of == 0 {
        return None;
    }
    let (votes, of) = (u128::from(votes), u128::from(of));
    let tenths = (votes * 2_000 + of) / (2 * of);
    Some(format!("{}.{}", tenths / 10, tenths % 10))
}

/// The Droop quota in units for `valid` answers and `seats` seats (SPEC.md §12.3).
pub fn quota(valid: u64, seats: u64) -> u64 {
    (valid / (seats + 1) + 1) * UNIT
}

/// One STV round's figures as people read them (SPEC.md §12.6): every value truncated to three decimals, and
/// `rounding`, what the count's own truncation (§12.3) and the display's lost, so that the tallies, `exhausted`
/// and `rounding` add up to `total` (the valid answers) exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundFigures {
    /// Each candidate's tally, as in [`Round::tallies`].
    pub tallies: Vec<(Selection, String)>,
    /// The exhausted ballots' value.
    pub exhausted: String,
    /// Lost to rounding: `total` less every figure above.
    pub rounding: String,
    /// The valid answers, each one vote at the start.
    pub total: String,
}

impl Round {
    /// This round's figures as people read them (SPEC.md §12.6), for a contest of `valid` valid answers.
    pub fn figures(&self, valid: u64) -> RoundFigures {
        let shown = |u: u64| u / SHOWN_STEP;
        let sum: u128 =
            self.tallies.iter().map(|(_, u)| u128::from(shown(*u))).sum::<u128>() + u128::from(shown(self.exhausted));
        let total = u128::from(valid) * 1_000;
        // The count never creates value (§12.3: transfers truncate), so `sum ≤ total`; a result that breaks this
        // (only a forged one) shows 0 rather than a negative figure, and does not add up.
        let rounding = u64::try_from(total.saturating_sub(sum)).unwrap_or(u64::MAX);
        let milli = |m: u64| format!("{}.{:0places$}", m / 1_000, m % 1_000, places = SHOWN_PLACES);
        RoundFigures {
            tallies: self.tallies.iter().map(|(s, u)| (s.clone(), fixed(*u))).collect(),
            exhausted: fixed(self.exhausted),
            rounding: milli(rounding),
            total: format!("{valid}.{:0places$}", 0, places = SHOWN_PLACES),
        }
    }
}

/// Counts one contest's decoded answers (SPEC.md §12).
pub fn count_contest(contest: &Contest, answers: &[Result<Answer, InvalidAnswer>]) -> ContestResult {
    let valid: Vec<&Answer> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    let invalid = (answers.len() - valid.len()) as u64;
    count_valid(contest, &valid, invalid)
}

/// [`count_contest`] of the `valid` answers, `invalid` more being invalid: the count borrows the answers (a
/// contest of millions is counted without a copy of them).
pub fn count_valid(contest: &Contest, valid: &[&Answer], invalid: u64) -> ContestResult {
    let candidates = candidate_list(contest, valid);
    let mut result = match contest.rule() {
        Rule::Plurality | Rule::Approval => count_by_votes(contest, &candidates, valid),
        Rule::Stv => stv(contest, &candidates, valid),
        Rule::Schulze => ranking::schulze(contest, &candidates, valid),
        Rule::Borda => ranking::borda(contest, &candidates, valid),
        Rule::Dhondt | Rule::SainteLague | Rule::LargestRemainderHare => {
            lists::count_lists(contest, &candidates, valid)
        }
        Rule::MajorityJudgment | Rule::Score => graded::count_graded(contest, &candidates, valid),
        Rule::Riigikogu => lists::count_riigikogu(contest, &candidates, valid),
    };
    result.invalid = invalid;
    result.title = Some(contest.title.clone());
    result.candidates = Some(name_candidates(contest, &result));
    result
}

/// One district's figures of a contest that districts share (SPEC.md §12.5 `districts`): what its own ballots
/// give, counted by the contest's rule as if they were the whole contest; the seats are the whole contest's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictFigures {
    /// The district's id.
    pub district: String,
    /// Valid answers from the district.
    pub valid: u64,
    /// Invalid answers from the district.
    pub invalid: u64,
    /// The district's first-round tallies (as the contest's `tallies`).
    pub tallies: Vec<(Selection, u64)>,
}

/// The `candidates` of a result (SPEC.md §12.5): `tallies` with each candidate's manifest id and title (a write-in:
/// its text in every language of the contest's title), its percentage of the valid answers and whether elected.
fn name_candidates(contest: &Contest, r: &ContestResult) -> Vec<Candidate> {
    r.tallies
        .iter()
        .map(|(s, votes)| {
            let (id, title) = match s {
                Selection::Option(i) => match contest.options.get(usize::from(*i)) {
                    Some(o) => (Some(o.id.clone()), o.title.clone()),
                    // Not a candidate `candidate_list` makes; kept as data, unnamed.
                    None => (None, Localized::new()),
                },
                Selection::WriteIn(text) => {
                    (None, contest.title.keys().map(|lang| (lang.clone(), text.clone())).collect())
                }
            };
            Candidate {
                selection: s.clone(),
                id,
                title,
                votes: *votes,
                percent: percent(*votes, r.valid),
                elected: r.elected.contains(s),
            }
        })
        .collect()
}

/// All candidates in tie-rule order: options by index, then write-ins by text bytes.
fn candidate_list(contest: &Contest, valid: &[&Answer]) -> Vec<Selection> {
    let mut list: Vec<Selection> = (0..contest.options.len() as u16).map(Selection::Option).collect();
    let mut write_ins: Vec<Selection> = valid
        .iter()
        .flat_map(|a| a.selections.iter())
        .filter(|s| matches!(s, Selection::WriteIn(_)))
        .cloned()
        .collect();
    write_ins.sort();
    write_ins.dedup();
    list.extend(write_ins);
    list
}

/// Plurality (single choice) and approval: each selection is one vote; the `seats` highest win.
fn count_by_votes(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    // A selection that names no candidate is not counted, as in [`stv`].
    let tallies: Vec<(Selection, u64)> = candidates.iter().cloned().zip(votes_of(candidates, valid)).collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    // Highest first; ties by manifest order (index order of `candidates`), which the stable sort keeps.
    order.sort_by(|&a, &b| tallies[b].1.cmp(&tallies[a].1));
    let seats = contest.seats as usize;
    let mut ties = Vec::new();
    if seats > 0 && seats < order.len() && tallies[order[seats - 1]].1 == tallies[order[seats]].1 {
        let tally = tallies[order[seats]].1;
        ties.push(Tie {
            round: None,
            decides: TieFor::LastSeat,
            candidates: order.iter().filter(|&&i| tallies[i].1 == tally).map(|&i| candidates[i].clone()).collect(),
            tally,
            decided_by: TieBreak::ManifestOrder,
        });
    }
    let method = match contest.kind {
        ContestKind::SingleChoice => METHOD_PLURALITY,
        _ => METHOD_APPROVAL,
    };
    ContestResult {
        elected: order.iter().take(seats).map(|&i| candidates[i].clone()).collect(),
        tallies,
        ties,
        ..ContestResult::new(contest, method, valid.len() as u64)
    }
}

/// Where each candidate is in `candidates`, found without comparing selections: options by a table of their
/// manifest indices, write-ins by their text. A selection that names no candidate is not found.
struct Index<'a> {
    options: Vec<Option<usize>>,
    write_ins: BTreeMap<&'a str, usize>,
}

impl<'a> Index<'a> {
    fn new(candidates: &'a [Selection]) -> Self {
        let mut index = Index { options: Vec::new(), write_ins: BTreeMap::new() };
        for (position, c) in candidates.iter().enumerate() {
            match c {
                Selection::Option(i) => {
                    let i = usize::from(*i);
                    if index.options.len() <= i {
                        index.options.resize(i + 1, None);
                    }
                    index.options[i] = Some(position);
                }
                Selection::WriteIn(text) => {
                    index.write_ins.insert(text.as_str(), position);
                }
            }
        }
        index
    }

    fn get(&self, s: &Selection) -> Option<usize> {
        match s {
            Selection::Option(i) => self.options.get(usize::from(*i)).copied().flatten(),
            Selection::WriteIn(text) => self.write_ins.get(text.as_str()).copied(),
        }
    }
}

/// Each candidate's votes, whole, in the order of `candidates`: every selection of a valid answer is one vote
/// (plurality, approval, party lists); a selection that names no candidate is not counted.
fn votes_of(candidates: &[Selection], valid: &[&Answer]) -> Vec<u64> {
    let index = Index::new(candidates);
    let mut votes = vec![0u64; candidates.len()];
    for a in valid {
        for s in &a.selections {
            if let Some(i) = index.get(s) {
                votes[i] += 1;
            }
        }
    }
    votes
}

/// First preferences, whole votes, in the order of `candidates` (the `tallies` of ranked rules).
fn first_preferences(candidates: &[Selection], valid: &[&Answer]) -> Vec<u64> {
    let index = Index::new(candidates);
    let mut votes = vec![0u64; candidates.len()];
    for a in valid {
        if let Some(i) = a.selections.iter().find_map(|s| index.get(s)) {
            votes[i] += 1;
        }
    }
    votes
}

/// The tie across the last of `seats` seats among `order` (indices into `candidates`, best first, ranked by
/// `key`, equal keys in the fixed order), if the `seats`-th and the next have one key (§12.4): every candidate
/// with that key, their key as `tally`, decided by manifest order.
fn last_seat_tie(order: &[usize], key: &[u64], seats: usize, candidates: &[Selection]) -> Option<Tie> {
    if seats == 0 || seats >= order.len() || key[order[seats - 1]] != key[order[seats]] {
        return None;
    }
    let tally = key[order[seats]];
    Some(Tie {
        round: None,
        decides: TieFor::LastSeat,
        candidates: order.iter().filter(|&&i| key[i] == tally).map(|&i| candidates[i].clone()).collect(),
        tally,
        decided_by: TieBreak::ManifestOrder,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Continuing,
    Elected,
    Excluded,
}

/// Single transferable vote, WIGM, Droop quota (see the module documentation).
fn stv(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let index = Index::new(candidates);
    // A selection that names no candidate (an option the contest does not have: only in a record's answers, which
    // V12 refuses, never in a decoded answer) is not a preference; the count reads it as data and skips it.
    // Every ballot's preferences one after another in `prefs`, ballot `b`'s from `ends[b - 1]` (0 for the first) to
    // `ends[b]`: one allocation, not one per ballot.
    let mut prefs: Vec<usize> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(valid.len());
    for a in valid {
        prefs.extend(a.selections.iter().filter_map(|s| index.get(s)));
        ends.push(prefs.len());
    }
    let n = candidates.len();
    let seats = (contest.seats as usize).min(n);
    let quota = quota(valid.len() as u64, seats as u64);
    // Each ballot: (value in units, position of its current preference in `prefs`, end of its preferences).
    let mut ballots: Vec<(u64, usize, usize)> =
        ends.iter().scan(0, |start, &end| Some((UNIT, std::mem::replace(start, end), end))).collect();
    let mut status = vec![Status::Continuing; n];
    let mut elected = Vec::new();
    let mut rounds: Vec<Round> = Vec::new();
    let mut history: Vec<Vec<u64>> = Vec::new();
    let mut ties = Vec::new();

    // Moves each ballot to its highest continuing preference; returns the tallies and the exhausted total.
    let settle =
        |ballots: &mut Vec<(u64, usize, usize)>, status: &[Status], tally_elected: &[u64]| -> (Vec<u64>, u64) {
            let mut t = tally_elected.to_vec();
            let mut exhausted = 0;
            for b in ballots.iter_mut() {
                while b.1 < b.2 && status[prefs[b.1]] != Status::Continuing {
                    b.1 += 1;
                }
                if b.1 < b.2 {
                    t[prefs[b.1]] += b.0;
                } else {
                    exhausted += b.0;
                }
            }
            (t, exhausted)
        };
    // Elected candidates keep exactly the quota.
    let mut kept = vec![0u64; n];
    let (mut tallies, mut exhausted) = settle(&mut ballots, &status, &kept);
    let first_tallies = tallies.clone();

    while elected.len() < seats {
        history.push(tallies.clone());
        let continuing: Vec<usize> = (0..n).filter(|&c| status[c] == Status::Continuing).collect();
        let snapshot = Round {
            tallies: (0..n)
                .filter(|&c| status[c] != Status::Excluded)
                .map(|c| (candidates[c].clone(), tallies[c]))
                .collect(),
            exhausted,
            action: Action::ElectedRemaining { candidates: vec![] },
        };
        let round = rounds.len() as u32 + 1;
        let tie_at = |decides: TieFor, group: &[usize]| tie(round, decides, group, &tallies, &history, candidates);
        if continuing.len() <= seats - elected.len() {
            let mut rest = continuing.clone();
            rest.sort_by(|&a, &b| rank(a, b, &tallies, &history));
            ties.extend(
                rest.chunk_by(|&a, &b| tallies[a] == tallies[b]).filter_map(|g| tie_at(TieFor::ElectionOrder, g)),
            );
            for &c in &rest {
                status[c] = Status::Elected;
                elected.push(c);
            }
            rounds.push(Round {
                action: Action::ElectedRemaining { candidates: rest.iter().map(|&c| candidates[c].clone()).collect() },
                ..snapshot
            });
            break;
        }
        let mut reached: Vec<usize> = continuing.iter().copied().filter(|&c| tallies[c] >= quota).collect();
        if !reached.is_empty() {
            reached.sort_by(|&a, &b| rank(a, b, &tallies, &history));
            let top = reached.iter().take_while(|&&x| tallies[x] == tallies[reached[0]]).count();
            ties.extend(tie_at(TieFor::Election, &reached[..top]));
            let c = reached[0];
            let surplus = tallies[c] - quota;
            status[c] = Status::Elected;
            elected.push(c);
            // WIGM: every ballot now with c moves on at value · surplus / total.
            let total = tallies[c];
            for b in ballots.iter_mut() {
                if b.1 < b.2 && prefs[b.1] == c {
                    b.0 = ((u128::from(b.0) * u128::from(surplus)) / u128::from(total)) as u64;
                    b.1 += 1;
                }
            }
            kept[c] = quota;
            rounds.push(Round { action: Action::Elected { candidate: candidates[c].clone(), surplus }, ..snapshot });
        } else {
            let mut order = continuing.clone();
            order.sort_by(|&a, &b| rank(a, b, &tallies, &history));
            let Some(&c) = order.last() else { break };
            let bottom = order.iter().rev().take_while(|&&x| tallies[x] == tallies[c]).count();
            ties.extend(tie_at(TieFor::Exclusion, &order[order.len() - bottom..]));
            status[c] = Status::Excluded;
            rounds.push(Round { action: Action::Excluded { candidate: candidates[c].clone() }, ..snapshot });
        }
        (tallies, exhausted) = settle(&mut ballots, &status, &kept);
    }

    let method = if seats == 1 { METHOD_INSTANT_RUNOFF } else { METHOD_STV };
    ContestResult {
        tallies: candidates.iter().zip(&first_tallies).map(|(c, t)| (c.clone(), t / UNIT)).collect(),
        elected: elected.iter().map(|&c| candidates[c].clone()).collect(),
        rounds,
        ties,
        ..ContestResult::new(contest, method, valid.len() as u64)
    }
}

/// Orders two candidates, best first, by the rule of §12.4 (module documentation): current tally, then the tallies
/// of earlier rounds from the most recent back, then the fixed order (`candidates`' order). `history`'s last entry
/// is the current round. A pure comparison, so the order and the ties recorded do not depend on the sort.
fn rank(a: usize, b: usize, tallies: &[u64], history: &[Vec<u64>]) -> Ordering {
    tallies[b]
        .cmp(&tallies[a])
        .then_with(|| {
            history.iter().rev().skip(1).map(|t| t[b].cmp(&t[a])).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
        })
        .then(a.cmp(&b))
}

/// The tie among `group` (two or more candidates with one tally, ordered by [`rank`]) that decided `decides` in
/// `round`; `None` for a group of one. Its [`TieBreak`] is the most recent earlier round in which the group's
/// tallies were not all equal, if any.
fn tie(
    round: u32,
    decides: TieFor,
    group: &[usize],
    tallies: &[u64],
    history: &[Vec<u64>],
    candidates: &[Selection],
) -> Option<Tie> {
    let (&first, rest) = group.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let decided_by = history
        .iter()
        .enumerate()
        .rev()
        .skip(1)
        .find(|(_, t)| rest.iter().any(|&c| t[c] != t[first]))
        .map_or(TieBreak::ManifestOrder, |(i, _)| TieBreak::EarlierRound(i as u32 + 1));
    Some(Tie {
        round: Some(round),
        decides,
        candidates: group.iter().map(|&c| candidates[c].clone()).collect(),
        tally: tallies[first],
        decided_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{example_manifest, ContestOption, WriteInRule};

    fn ranked(options: usize, seats: u16) -> Contest {
        Contest {
            id: "c".into(),
            title: [("en".to_string(), "C".to_string())].into(),
            kind: ContestKind::Ranked { max_ranks: options as u16 },
            options: (0..options)
                .map(|i| ContestOption {
                    id: format!("o{i}"),
                    title: [("en".to_string(), format!("O{i}"))].into(),
                    list: None,
                })
                .collect(),
            write_in: Some(WriteInRule { max_bytes: 10 }),
            seats,
            rule: None,
            threshold: None,
            lists: Vec::new(),
            grades: Vec::new(),
            districts: Vec::new(),
        }
    }

    fn ballots(spec: &[(usize, &[u16])]) -> Vec<Result<Answer, InvalidAnswer>> {
        spec.iter()
            .flat_map(|(n, prefs)| {
                std::iter::repeat_with(|| {
                    Ok(Answer { selections: prefs.iter().map(|&p| Selection::Option(p)).collect() })
                })
                .take(*n)
            })
            .collect()
    }

    #[test]
    fn plurality_and_approval() {
        let m = example_manifest();
        let mut answers = ballots(&[(3, &[1]), (2, &[0]), (1, &[2])]);
        answers.push(Err(InvalidAnswer { reason: "x".into() }));
        let r = count_contest(&m.contests[0], &answers);
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert_eq!((r.valid, r.invalid), (6, 1));
        assert_eq!(r.tallies[1], (Selection::Option(1), 3));
        let r = count_contest(&m.contests[1], &ballots(&[(2, &[0, 1]), (1, &[1, 3]), (1, &[])]));
        assert_eq!(r.elected, vec![Selection::Option(1), Selection::Option(0)]);
        assert_eq!(r.tallies[3], (Selection::Option(3), 1));
    }

    #[test]
    fn plurality_tie_goes_by_manifest_order_and_is_reported() {
        let m = example_manifest();
        let r = count_contest(&m.contests[0], &ballots(&[(2, &[2]), (2, &[1])]));
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        let tie = Tie {
            round: None,
            decides: TieFor::LastSeat,
            candidates: vec![Selection::Option(1), Selection::Option(2)],
            tally: 2,
            decided_by: TieBreak::ManifestOrder,
        };
        assert_eq!(r.ties, vec![tie.clone()]);
        assert_eq!(
            tie.to_string(),
            "option 1 and option 2 tied at 2 votes for the last seat; decided by manifest order"
        );
        // In result.json a tie is structured data, and reads back the same.
        let json = serde_json::to_value(&tie).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"round": null, "decides": "last_seat", "candidates": [{"option": 1}, {"option": 2}],
                               "tally": 2, "decided_by": "manifest_order"})
        );
        assert_eq!(serde_json::from_value::<Tie>(json).unwrap(), tie);
        // No tie across the last seat, none recorded (approval, 2 seats: 1 and 0 lead, 2 and 3 tie below them).
        let r = count_contest(&m.contests[1], &ballots(&[(3, &[0, 1]), (1, &[1, 2]), (1, &[0, 3])]));
        assert!(r.ties.is_empty(), "{:?}", r.ties);
        // Three tied for two seats: all three are in the tie.
        let r = count_contest(&m.contests[1], &ballots(&[(1, &[0, 1]), (1, &[1, 2]), (1, &[0, 2])]));
        assert_eq!(r.elected, vec![Selection::Option(0), Selection::Option(1)]);
        assert_eq!(r.ties.len(), 1);
        assert_eq!(r.ties[0].candidates, [0, 1, 2].map(Selection::Option));
        assert_eq!(r.ties[0].tally, 2);
    }

    #[test]
    fn stv_exclusion_tie_by_manifest_order() {
        // 7 ballots, 1 seat, quota 4: nobody reaches it; 1 and 2 share the fewest votes in the first round, so
        // manifest order decides: 2 is excluded.
        let c = ranked(3, 1);
        let r = count_contest(&c, &ballots(&[(3, &[0]), (2, &[1, 0]), (2, &[2, 1])]));
        assert_eq!(r.rounds[0].action, Action::Excluded { candidate: Selection::Option(2) });
        let tie = Tie {
            round: Some(1),
            decides: TieFor::Exclusion,
            candidates: vec![Selection::Option(1), Selection::Option(2)],
            tally: 2 * UNIT,
            decided_by: TieBreak::ManifestOrder,
        };
        assert_eq!(r.ties, vec![tie.clone()]);
        assert_eq!(
            tie.to_string(),
            "round 1: option 1 and option 2 tied at 2 votes for exclusion; decided by manifest order: option 2 excluded"
        );
    }

    #[test]
    fn stv_exclusion_tie_by_an_earlier_round() {
        // 10 ballots, 1 seat, quota 6. Round 1: 4, 3, 2, 1: 3 is excluded (no tie) and its ballot moves to 2.
        // Round 2: 1 and 2 tie at 3; in round 1, 1 had more, so 2 is excluded. Only that tie is recorded (the
        // sort's comparisons leave no trace).
        let c = ranked(4, 1);
        let r = count_contest(&c, &ballots(&[(4, &[0]), (3, &[1]), (2, &[2, 1]), (1, &[3, 2, 1])]));
        assert_eq!(r.rounds[1].action, Action::Excluded { candidate: Selection::Option(2) });
        let tie = Tie {
            round: Some(2),
            decides: TieFor::Exclusion,
            candidates: vec![Selection::Option(1), Selection::Option(2)],
            tally: 3 * UNIT,
            decided_by: TieBreak::EarlierRound(1),
        };
        assert_eq!(r.ties, vec![tie]);
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert!(r.ties[0].to_string().contains("decided by round 1: option 2 excluded"), "{}", r.ties[0]);
    }

    #[test]
    fn stv_election_ties_are_recorded_with_the_tied_candidates() {
        // 2 seats, 6 ballots, quota 3: 0 and 1 both reach it with 3 votes; manifest order elects 0 first.
        let c = ranked(3, 2);
        let r = count_contest(&c, &ballots(&[(3, &[0]), (3, &[1])]));
        assert_eq!(r.elected, vec![Selection::Option(0), Selection::Option(1)]);
        assert_eq!(r.ties[0].decides, TieFor::Election);
        assert_eq!(r.ties[0].candidates, vec![Selection::Option(0), Selection::Option(1)]);
        assert_eq!(r.ties[0].round, Some(1));
        assert!(r.ties[0].to_string().ends_with(": option 0 elected"), "{}", r.ties[0]);
        // Write-ins are named by their text.
        let w = Tie { candidates: vec![Selection::WriteIn("Zed".into())], ..r.ties[0].clone() };
        assert!(w.to_string().contains("write-in \"Zed\""), "{w}");
        // As many continuing candidates as seats: the tied ones are ordered, and that is recorded.
        let r = count_contest(&ranked(2, 2), &ballots(&[(1, &[1]), (1, &[0])]));
        assert_eq!(r.elected, vec![Selection::Option(0), Selection::Option(1)]);
        assert_eq!(r.ties.len(), 1);
        assert_eq!(r.ties[0].decides, TieFor::ElectionOrder);
        assert_eq!(r.ties[0].candidates, vec![Selection::Option(0), Selection::Option(1)]);
        assert_eq!(
            r.ties[0].to_string(),
            "round 1: option 0 and option 1 tied at 1 vote for the order of election; decided by manifest order"
        );
    }

    /// An answer naming an option the contest does not have (a record's answers.json, which V12 refuses): the
    /// count reads it as data, skips that selection, and does not panic.
    #[test]
    fn a_selection_of_no_candidate_is_skipped_not_a_panic() {
        let answers = ballots(&[(2, &[99, 1]), (1, &[0]), (1, &[7])]);
        let r = count_contest(&ranked(3, 1), &answers);
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert_eq!(r.valid, 4);
        let m = example_manifest();
        let r = count_contest(&m.contests[0], &ballots(&[(2, &[99]), (1, &[1])]));
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert!(r.tallies.iter().all(|(s, _)| *s != Selection::Option(99)));
    }

    /// Reads a figure of [`RoundFigures`] (`"4.999"`) as thousandths of a vote.
    fn milli(text: &str) -> u64 {
        let (whole, frac) = text.split_once('.').unwrap();
        assert_eq!(frac.len(), SHOWN_PLACES, "{text}");
        whole.parse::<u64>().unwrap() * 1_000 + frac.parse::<u64>().unwrap()
    }

    /// Each round's figures, as shown, add up to the valid answers exactly; the count itself never creates value.
    fn assert_rounds_add_up(r: &ContestResult) {
        for (i, round) in r.rounds.iter().enumerate() {
            let units: u64 = round.tallies.iter().map(|(_, u)| u).sum::<u64>() + round.exhausted;
            assert!(units <= r.valid * UNIT, "round {}: {units} units of {} votes", i + 1, r.valid);
            let f = round.figures(r.valid);
            let shown: u64 = f.tallies.iter().map(|(_, t)| milli(t)).sum::<u64>() + milli(&f.exhausted);
            assert_eq!(shown + milli(&f.rounding), milli(&f.total), "round {}: {f:?}", i + 1);
            assert_eq!(milli(&f.total), r.valid * 1_000);
        }
    }

    #[test]
    fn percentages_round_half_up_to_one_decimal() {
        assert_eq!(percent(2, 3).as_deref(), Some("66.7"));
        assert_eq!(percent(1, 3).as_deref(), Some("33.3"));
        assert_eq!(percent(1, 16).as_deref(), Some("6.3"), "6.25 rounds up");
        assert_eq!(percent(1, 8).as_deref(), Some("12.5"));
        assert_eq!(percent(0, 5).as_deref(), Some("0.0"));
        assert_eq!(percent(5, 5).as_deref(), Some("100.0"));
        assert_eq!(percent(3, 5).as_deref(), Some("60.0"));
        assert_eq!(percent(0, 0), None, "no valid answer: no percentage");
        assert_eq!(percent(u64::MAX, u64::MAX).as_deref(), Some("100.0"), "no overflow");
    }

    #[test]
    fn values_show_three_decimals_truncated() {
        assert_eq!(fixed(3 * UNIT), "3.000");
        assert_eq!(fixed(0), "0.000");
        assert_eq!(fixed(5 * UNIT - 3), "4.999", "below the quota is never shown at it");
        assert_eq!(fixed(UNIT / 3), "0.333");
        assert_eq!(quota(10, 2), 4 * UNIT);
    }

    #[test]
    fn surplus_figures_add_up_with_what_rounding_lost() {
        // 10 ballots, 2 seats, quota 4: option 0's surplus 2 moves on at 333333333 units a ballot; round 2 shows
        // 4.000 + 3.999 + 2.000 and 0.001 lost to rounding: 10.000.
        let r = count_contest(&ranked(3, 2), &ballots(&[(6, &[0, 2]), (2, &[1]), (2, &[2])]));
        let f = r.rounds[1].figures(r.valid);
        let shown: Vec<&str> = f.tallies.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(shown, ["4.000", "2.000", "3.999"]);
        assert_eq!((f.exhausted.as_str(), f.rounding.as_str(), f.total.as_str()), ("0.000", "0.001", "10.000"));
        assert_rounds_add_up(&r);
        // A surplus that mostly exhausts: 15 ballots, quota 6; option 0's 9 ballots move on at 1/3 each, 7 of
        // them with no next preference.
        let r = count_contest(&ranked(3, 2), &ballots(&[(7, &[0]), (2, &[0, 1]), (3, &[1]), (3, &[2])]));
        let f = r.rounds[1].figures(r.valid);
        assert_eq!(f.exhausted, "2.333");
        let shown: Vec<&str> = f.tallies.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(shown, ["6.000", "3.666", "3.000"]);
        assert_eq!(f.rounding, "0.001");
        assert_rounds_add_up(&r);
    }

    /// Many counts of random partial rankings (surpluses, exclusions, exhausted ballots): every round adds up.
    #[test]
    fn every_rounds_figures_add_up() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..400 {
            let options = 2 + next(5) as usize;
            let seats = 1 + next(3) as u16;
            let mut answers = Vec::new();
            for _ in 0..next(60) {
                let mut prefs: Vec<u16> = (0..options as u16).collect();
                for i in (1..prefs.len()).rev() {
                    prefs.swap(i, next(i as u64 + 1) as usize);
                }
                prefs.truncate(1 + next(options as u64) as usize);
                answers.push(Ok(Answer { selections: prefs.into_iter().map(Selection::Option).collect() }));
            }
            let r = count_contest(&ranked(options, seats), &answers);
            assert_rounds_add_up(&r);
        }
    }

    #[test]
    fn candidates_are_named_with_votes_and_percentages() {
        let m = example_manifest();
        let mayor = &m.contests[0];
        let r = count_contest(mayor, &ballots(&[(3, &[1]), (2, &[0])]));
        let names = r.candidates.as_ref().unwrap();
        assert_eq!(names.len(), r.tallies.len());
        assert_eq!(names[1].id.as_deref(), Some(mayor.options[1].id.as_str()));
        assert_eq!(names[1].title, mayor.options[1].title);
        assert_eq!((names[1].votes, names[1].percent.as_deref(), names[1].elected), (3, Some("60.0"), true));
        assert_eq!((names[0].votes, names[0].percent.as_deref(), names[0].elected), (2, Some("40.0"), false));
        assert_eq!(r.title.as_ref(), Some(&mayor.title));
        // A write-in is named by its text, in every language of the contest's title.
        let zed = Selection::WriteIn("Zed".into());
        let r = count_contest(&ranked(2, 1), &[Ok(Answer { selections: vec![zed.clone()] })]);
        let w = r.candidates.unwrap().pop().unwrap();
        assert_eq!((&w.selection, &w.id, w.name("et")), (&zed, &None, "Zed"));
        assert_eq!(w.title, [("en".to_string(), "Zed".to_string())].into());
        // No valid answer: no percentage.
        let r = count_contest(mayor, &[]);
        assert!(r.candidates.unwrap().iter().all(|c| c.percent.is_none()));
    }

    #[test]
    fn units_print_as_decimals() {
        assert_eq!(format_units(3 * UNIT), "3");
        assert_eq!(format_units(UNIT / 2), "0.5");
        assert_eq!(format_units(UNIT + 1), "1.000000001");
    }

    #[test]
    fn instant_runoff_transfers_to_a_majority() {
        // 0 leads on first preferences but 2's voters prefer 1, who wins.
        let c = ranked(3, 1);
        let r = count_contest(&c, &ballots(&[(4, &[0, 1]), (3, &[1, 0]), (2, &[2, 1])]));
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert_eq!(r.rounds[0].action, Action::Excluded { candidate: Selection::Option(2) });
        assert_eq!(r.method, "instant-runoff (STV, one seat)");
    }

    #[test]
    fn stv_transfers_surplus_by_wigm() {
        // 10 ballots, 2 seats: quota 4. Candidate 0 has 6 first preferences, surplus 2 moves on at 2/6 each.
        let c = ranked(3, 2);
        let r = count_contest(&c, &ballots(&[(6, &[0, 2]), (2, &[1]), (2, &[2])]));
        assert_eq!(r.rounds[0].action, Action::Elected { candidate: Selection::Option(0), surplus: 2 * UNIT });
        // After transfer: 2 has 2 + 6·(1/3) = 4 (truncated: 2 + 6·333333333 units), 1 has 2: 1 is excluded, 2 elected.
        assert_eq!(r.elected, vec![Selection::Option(0), Selection::Option(2)]);
        let t2 = r.rounds[1].tallies.iter().find(|(s, _)| *s == Selection::Option(2)).unwrap().1;
        assert_eq!(t2, 2 * UNIT + 6 * 333_333_333);
    }

    #[test]
    fn write_ins_are_candidates() {
        let c = ranked(2, 1);
        let w = Selection::WriteIn("Zed".into());
        let mut answers = ballots(&[(1, &[0])]);
        for _ in 0..3 {
            answers.push(Ok(Answer { selections: vec![w.clone(), Selection::Option(0)] }));
        }
        let r = count_contest(&c, &answers);
        assert_eq!(r.elected, vec![w]);
    }

    #[test]
    fn exhausted_ballots_and_fewer_candidates_than_seats() {
        let c = ranked(3, 2);
        let r = count_contest(&c, &ballots(&[(3, &[0]), (1, &[1])]));
        assert_eq!(r.elected.len(), 2);
        assert_eq!(r.elected[0], Selection::Option(0));
        let empty = count_contest(&c, &[]);
        assert_eq!(empty.elected.len(), 2);
    }
}

//! The Riigikogu method (SPEC.md §12.12): how Estonia's Riigikogu Election Act (Riigikogu valimise seadus, RKVS)
//! § 62 turns the votes of the 12 electoral districts into 101 mandates. Pure, exact, no floating point; every
//! step is recorded in the [`Allocation`] so that a verifier recomputes it and a reader follows it.
//!
//! **RK1** (input): districts, each with its mandates, its valid votes, the party lists standing in it (each
//! with its total votes and its candidates' votes) and its independent candidates; the parties in the order of
//! the consolidated list of candidates (the order the lot gave them, the same in every district), each with its
//! national list (every candidate of its district lists, in the party's order). [`allocate`] refuses anything
//! else with a specific [`RiigikoguError`].
//!
//! **RK2** (§ 62 (1), (2)): each district's simple quota is `q = valid / mandates`, kept as that fraction; every
//! candidate, of a party or independent, with `votes ≥ q`, that is `votes · mandates ≥ valid`, gets a personal
//! mandate.
//!
//! **RK3** (§ 62 (3), (4)): a party passes the national threshold when its candidates' votes over all districts
//! are at least 5 % of the valid votes over all districts: `20 · votes ≥ valid`. Only those parties get district
//! and compensation mandates.
//!
//! **RK4** (§ 62 (3)): in each district a party over the threshold is given `n = ⌊votes / q⌋` mandates, one more
//! when the remaining votes are at least 75 % of the quota (`4 · (votes · mandates − n · valid) ≥ 3 · valid`,
//! which also gives a party with `0.75 q ≤ votes < q` its one mandate); its personal mandates are among them,
//! the rest are its district mandates. If the district's personal mandates and the parties' `n` together exceed
//! the district's mandates (the Act does not say what then), the allocation is refused
//! ([`RiigikoguError::DistrictOverallocated`]).
//!
//! **RK5** (§ 62 (3)): a party's district mandates go to its candidates in the district not elected personally,
//! ranked by votes (more first; equal votes: higher on the party's national list first), each with at least
//! 10 % of the quota (`10 · votes · mandates ≥ valid`); a mandate with no such candidate is not given in the
//! district and joins the compensation mandates.
//!
//! **RK6** (§ 62 (4), (5)): the mandates not given in the districts are compensation mandates, given one at a
//! time by the modified d'Hondt method among the parties over the threshold: a party that holds `m` mandates
//! (personal, district and compensation so far) has the comparative figure `votes / (m + 1)^0.9`; the mandate
//! goes to the highest figure. Figures are compared exactly: `v_a / a^0.9 > v_b / b^0.9` exactly when
//! `v_a^10 · b^9 > v_b^10 · a^9` (both sides are non-negative and `x ↦ x^10` is strictly increasing on
//! `[0, ∞)`, so raising both to the 10th power keeps the order; then multiply by `a^9 · b^9 > 0`), in
//! arbitrary-precision integers ([`Nat`]).
//!
//! **RK7** (§ 62 (5)): equal comparative figures: the mandate goes to the party whose candidates stand further
//! down the consolidated list of candidates (later in [`Election::parties`]).
//!
//! **RK8** (§ 62): a party's compensation mandates go to its candidates in the order of its national list,
//! skipping those already elected and those with fewer votes than 5 % of their district's quota
//! (`20 · votes · mandates < valid`). A party with no such candidate left takes no more mandates (its figures are
//! passed over); a mandate that no party can take is left unfilled and counted in
//! [`Allocation::unfilled`]. (The Act's text used here does not settle these two cases; SPEC.md states this
//! rule as the method's own.)
//!
//! **RK9** (the record): [`Allocation`] holds each district's quota, personal mandates and per-list counts and
//! winners, the national figures, every compensation mandate with the figure that won it (also as
//! `⌊1000 · votes / k^0.9⌋`, computed exactly), the candidates passed over, and every tie with how it was
//! decided.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// `method` of an [`Allocation`].
pub const METHOD: &str = crate::count::METHOD_RIIGIKOGU;
/// The largest number of valid votes over all districts that [`allocate`] accepts (RK1); every product it forms
/// then fits in 128 bits.
pub const MAX_VOTES: u64 = 1_000_000_000_000_000;

/// The input of the Riigikogu method (RK1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Election {
    /// The electoral districts.
    pub districts: Vec<District>,
    /// The parties, in the order of the consolidated list of candidates (decides RK7's ties).
    pub parties: Vec<Party>,
}

/// A party and its national list (RK1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The party's id, as the district lists name it.
    pub id: String,
    /// Every candidate of the party's district lists, once, in the party's national order (first = top).
    pub national_list: Vec<String>,
}

/// One electoral district (RK1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// The district's id (e.g. `"1"`).
    pub id: String,
    /// Its number of mandates.
    pub mandates: u32,
    /// Its valid votes: at least the sum of its lists' and independents' votes (equal when built from a tally;
    /// more when the input leaves out lists that cannot win anything, as a known-answer test may).
    pub valid_votes: u64,
    /// The party lists standing in the district, at most one per party.
    pub lists: Vec<DistrictList>,
    /// The independent candidates.
    pub independents: Vec<Candidate>,
}

/// A party's list in one district (RK1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictList {
    /// The party's id.
    pub party: String,
    /// The votes for all of the list's candidates in the district: at least the sum of `candidates`' votes (equal
    /// when built from a tally).
    pub votes: u64,
    /// The list's candidates with their votes (any order).
    pub candidates: Vec<Candidate>,
}

/// A candidate and their votes in their district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// The candidate's id, unique in the election.
    pub id: String,
    /// Votes cast for them.
    pub votes: u64,
}

/// Why an input cannot be allocated (RK1, RK4). Each says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiigikoguError {
    /// No district.
    #[error("the election has no electoral district: give at least one district with its mandates and votes")]
    NoDistricts,
    /// An empty id.
    #[error("{what} has an empty id: give every district, party and candidate a non-empty id")]
    EmptyId {
        /// What has it.
        what: String,
    },
    /// Two districts with one id.
    #[error("district {0} is given twice: merge its lists into one district")]
    DuplicateDistrict(String),
    /// A district with no mandates.
    #[error("district {0} has no mandates: give it at least one (RKVS § 7 gives every district its number)")]
    NoMandates(String),
    /// A district with no valid votes: its quota would be 0.
    #[error("district {0} has no valid votes, so it has no quota: count its votes before allocating mandates")]
    NoValidVotes(String),
    /// More votes than the arithmetic is sized for.
    #[error("the districts hold {votes} valid votes, more than the {max} this allocation accepts")]
    TooManyVotes {
        /// The valid votes over all districts (saturated).
        votes: u64,
        /// [`MAX_VOTES`].
        max: u64,
    },
    /// Two parties with one id.
    #[error("party {0} is given twice: list each party once, in the order of the consolidated list")]
    DuplicateParty(String),
    /// A list of a party that is not given.
    #[error("district {district} has a list of party {party}, which is not among the parties: add the party with its national list")]
    UnknownParty {
        /// The district.
        district: String,
        /// The party.
        party: String,
    },
    /// Two lists of one party in one district.
    #[error("district {district} has two lists of party {party}: a party stands one list per district")]
    DuplicateList {
        /// The district.
        district: String,
        /// The party.
        party: String,
    },
    /// A candidate in two places.
    #[error(
        "candidate {0} stands twice (in two lists, two districts or as an independent too): a candidate stands once"
    )]
    DuplicateCandidate(String),
    /// A list whose candidates hold more votes than the list.
    #[error("the list of party {party} in district {district} has {list} votes but its candidates have {candidates}: the list's votes are its candidates' votes together")]
    ListVotes {
        /// The district.
        district: String,
        /// The party.
        party: String,
        /// The list's votes.
        list: u64,
        /// Its candidates' votes together (saturated).
        candidates: u64,
    },
    /// A district whose lists and independents hold more votes than its valid votes.
    #[error("district {district} has {valid} valid votes but its lists and independents have {cast}: the valid votes are every vote for a candidate")]
    DistrictVotes {
        /// The district.
        district: String,
        /// Its valid votes.
        valid: u64,
        /// Its lists' and independents' votes together (saturated).
        cast: u64,
    },
    /// A candidate of a district list missing from the party's national list.
    #[error("candidate {candidate} stands for party {party} in a district but is not on its national list: the national list ranks every candidate of the party")]
    NotOnNationalList {
        /// The party.
        party: String,
        /// The candidate.
        candidate: String,
    },
    /// A national list naming a candidate twice or one who stands in no district list of the party.
    #[error("the national list of party {party} names {candidate} twice or names someone on none of its district lists: list each of its candidates once")]
    NationalList {
        /// The party.
        party: String,
        /// The candidate.
        candidate: String,
    },
    /// The Act's counts give a district more mandates than it has (RK4).
    #[error("in district {district} personal mandates and the parties' quotas (with the 75 % rule) come to {given} mandates, more than its {mandates}; RKVS § 62 does not say which to drop, so the electoral committee must decide")]
    DistrictOverallocated {
        /// The district.
        district: String,
        /// Mandates the counts give.
        given: u64,
        /// The district's mandates.
        mandates: u32,
    },
}

/// The outcome (RK9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// [`METHOD`].
    pub method: String,
    /// Mandates over all districts.
    pub mandates: u64,
    /// Valid votes over all districts.
    pub valid_votes: u64,
    /// One per party, in the input's order.
    pub parties: Vec<PartyResult>,
    /// One per district, in the input's order.
    pub districts: Vec<DistrictResult>,
    /// The compensation mandates not given in the districts (RK6), in the order given.
    pub compensation: Vec<CompensationMandate>,
    /// Compensation mandates that no party over the threshold had a candidate for (RK8).
    pub unfilled: u64,
    /// Every tie that decided something, in the order of the count.
    pub ties: Vec<Tie>,
}

/// A party's national figures (RK3, RK9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyResult {
    /// The party.
    pub party: String,
    /// Its candidates' votes over all districts.
    pub votes: u64,
    /// Whether `20 · votes ≥ valid votes` (RK3).
    pub passed_threshold: bool,
    /// Personal mandates of its candidates (RK2).
    pub personal: u64,
    /// District mandates (RK5).
    pub district: u64,
    /// Compensation mandates (RK8).
    pub compensation: u64,
    /// All of them.
    pub total: u64,
}

/// One district's count (RK2, RK4, RK5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictResult {
    /// The district.
    pub district: String,
    /// Its mandates.
    pub mandates: u32,
    /// Its valid votes; the simple quota is `valid_votes / mandates`.
    pub valid_votes: u64,
    /// The quota in thousandths of a vote, truncated: `⌊1000 · valid_votes / mandates⌋` (for reading only).
    pub quota_milli: u64,
    /// Personal mandates, by votes (more first; equal votes in input order).
    pub personal: Vec<Elected>,
    /// One per list over the threshold, in the input's order.
    pub lists: Vec<ListResult>,
    /// Mandates not given in the district (they join the compensation mandates).
    pub not_given: u64,
}

/// A candidate elected in a district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Elected {
    /// The candidate.
    pub candidate: String,
    /// Their party; `None` for an independent.
    pub party: Option<String>,
    /// Their votes.
    pub votes: u64,
}

/// A list over the threshold in one district (RK4, RK5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListResult {
    /// The party.
    pub party: String,
    /// The list's votes.
    pub votes: u64,
    /// `⌊votes / q⌋`.
    pub full_quotas: u64,
    /// Whether the 75 % rule gave one more.
    pub remainder_mandate: bool,
    /// The list's personal mandates (among `full_quotas + remainder_mandate`).
    pub personal: u64,
    /// The district mandates' winners, in the order of the ranking.
    pub district: Vec<String>,
    /// District mandates the list earned but had no candidate with 10 % of the quota for.
    pub no_candidate: u64,
}

/// One compensation mandate (RK6–RK8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompensationMandate {
    /// 1-based, in the order given.
    pub number: u64,
    /// The party.
    pub party: String,
    /// The divisor's index `k`: the party's comparative figure is `votes / k^0.9`, `k` = mandates it held + 1.
    pub divisor: u64,
    /// `⌊1000 · votes / k^0.9⌋`, exact (for reading; the allocation compares the exact figures).
    pub figure_milli: u64,
    /// The candidate elected.
    pub candidate: String,
    /// Candidates of the party's national list passed over just before, with less than 5 % of their district's
    /// quota (RK8).
    pub passed_over: Vec<String>,
}

/// A tie and how it was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Tie {
    /// Candidates of one list with equal votes across the last district mandate the list fills (RK5): the
    /// national list ordered them.
    DistrictMandate {
        /// The district.
        district: String,
        /// The party.
        party: String,
        /// Their common votes.
        votes: u64,
        /// The tied candidates in national list order; the first `elected` of them are elected.
        candidates: Vec<String>,
        /// How many of them are elected.
        elected: u64,
    },
    /// Parties with equal comparative figures for a compensation mandate (RK7): the one further down the
    /// consolidated list takes it.
    CompensationMandate {
        /// The mandate's number.
        number: u64,
        /// The tied parties, the one that takes it first, the others in the order of the rule.
        parties: Vec<String>,
    },
}

impl DistrictList {
    /// A list whose votes are its candidates' votes together, as a tally gives them (RK1); `None` if the sum
    /// does not fit in 64 bits.
    pub fn from_candidates(party: impl Into<String>, candidates: Vec<Candidate>) -> Option<Self> {
        let votes = candidates.iter().try_fold(0u64, |sum, c| sum.checked_add(c.votes))?;
        Some(DistrictList { party: party.into(), votes, candidates })
    }
}

/// Thousandths as people read them: `5656200` is `5656.200`.
fn milli(x: u64) -> String {
    format!("{}.{:03}", x / 1000, x % 1000)
}

/// The words of [`Allocation::text`] in one language: each a template whose `{}` are filled in order.
struct Words {
    /// One mandate, and more (`{}` the number).
    mandates: (&'static str, &'static str),
    /// One full quota, and more.
    quotas: (&'static str, &'static str),
    /// The decimal separator.
    point: &'static str,
    head: &'static str,
    parties: &'static str,
    over: &'static str,
    under: &'static str,
    district: &'static str,
    nobody: &'static str,
    personal: &'static str,
    independent: &'static str,
    list: &'static str,
    remainder: &'static str,
    won: &'static str,
    of_which_personal: &'static str,
    district_mandates: &'static str,
    no_candidate: &'static str,
    not_given: &'static str,
    compensation: &'static str,
    compensation_line: &'static str,
    passed_over: &'static str,
    unfilled: &'static str,
    tie_district: &'static str,
    one_is: &'static str,
    these_are: &'static str,
    tie_compensation: &'static str,
}

const EN: Words = Words {
    mandates: ("1 mandate", "{} mandates"),
    quotas: ("1 full quota", "{} full quotas"),
    point: ".",
    head: "{}: {}, {} valid votes.",
    parties: "Parties (the threshold, 5 % of the valid votes, is {} votes):",
    over: "  {}: {} votes, over the threshold; {} personal, {} district, {} compensation: {}.",
    under: "  {}: {} votes, under the threshold; {} personal: {}.",
    district: "District {}: {}, {} valid votes, quota {}.",
    nobody: "  No candidate reached the quota.",
    personal: "  Personal mandate: {} ({}, {} votes).",
    independent: "independent",
    list: "  {}: {} votes, {}",
    remainder: " and a remainder of at least 0.75 of the quota",
    won: ": {}",
    of_which_personal: " ({} personal)",
    district_mandates: "; district mandates: {}",
    no_candidate: "; {} without a candidate with 10 % of the quota",
    not_given: "  Not given in the district, so compensation mandates: {}.",
    compensation: "Compensation mandates (each to the highest comparative figure, votes / k^0.9):",
    compensation_line: "  {}. {}: {} / {}^0.9 = {}: {}",
    passed_over: " (passed over, with less than 5 % of their district's quota: {})",
    unfilled: "Unfilled: {} (no party over the threshold had a candidate left).",
    tie_district: "Tie in district {}: {}'s {} have {} votes each; by the national list, {} elected: {}.",
    one_is: "1 is",
    these_are: "these are",
    tie_compensation:
        "Tie for compensation mandate {}: {} have equal figures; {} stands further down the consolidated \
                       list and takes it.",
};

const ET: Words = Words {
    mandates: ("1 mandaat", "{} mandaati"),
    quotas: ("1 täis lihtkvoot", "{} täis lihtkvooti"),
    point: ",",
    head: "{}: {}, kehtivaid hääli {}.",
    parties: "Erakonnad (valimiskünnis, 5 % kehtivatest häältest, on {} häält):",
    over: "  {}: {} häält, üle künnise; isikumandaate {}, ringkonnamandaate {}, kompensatsioonimandaate {}: kokku {}.",
    under: "  {}: {} häält, alla künnise; isikumandaate {}: kokku {}.",
    district: "Ringkond {}: {}, kehtivaid hääli {}, lihtkvoot {}.",
    nobody: "  Ükski kandidaat ei saavutanud lihtkvooti.",
    personal: "  Isikumandaat: {} ({}, {} häält).",
    independent: "üksikkandidaat",
    list: "  {}: {} häält, {}",
    remainder: " ja jääk vähemalt 0,75 lihtkvoodist",
    won: ": {}",
    of_which_personal: " (neist isikumandaate {})",
    district_mandates: "; ringkonnamandaadid: {}",
    no_candidate: "; jäi andmata, sest polnud kandidaati, kellel oleks 10 % lihtkvoodist: {}",
    not_given: "  Ringkonnas jaotamata, seega kompensatsioonimandaatideks: {}.",
    compensation: "Kompensatsioonimandaadid (igaüks suurima võrdlusarvuga erakonnale, hääled / k^0,9):",
    compensation_line: "  {}. {}: {} / {}^0,9 = {}: {}",
    passed_over: " (vahele jäetud, alla 5 % oma ringkonna lihtkvoodist: {})",
    unfilled: "Täitmata: {} (ühelgi künnise ületanud erakonnal polnud enam kandidaate).",
    tie_district: "Viik ringkonnas {}: erakonna {} kandidaatidel {} on igaühel {} häält; üleriigilise nimekirja järgi \
                   {} valitud: {}.",
    one_is: "on 1",
    these_are: "on",
    tie_compensation: "Viik kompensatsioonimandaadi {} pärast: erakondadel {} on võrdsed võrdlusarvud; {} on \
                       koondnimekirjas tagapool ja saab mandaadi.",
};

const FR: Words = Words {
    mandates: ("1 siège", "{} sièges"),
    quotas: ("1 quotient entier", "{} quotients entiers"),
    point: ",",
    head: "{} : {}, {} suffrages exprimés.",
    parties: "Partis (le seuil, 5 % des suffrages exprimés, est de {} voix) :",
    over: "  {} : {} voix, au-dessus du seuil ; {} personnels, {} de circonscription, {} de compensation : {}.",
    under: "  {} : {} voix, sous le seuil ; {} personnels : {}.",
    district: "Circonscription {} : {}, {} suffrages exprimés, quotient {}.",
    nobody: "  Aucun candidat n'a atteint le quotient.",
    personal: "  Siège personnel : {} ({}, {} voix).",
    independent: "indépendant",
    list: "  {} : {} voix, {}",
    remainder: " et un reste d'au moins 0,75 quotient",
    won: " : {}",
    of_which_personal: " (dont {} personnels)",
    district_mandates: " ; sièges de circonscription : {}",
    no_candidate: " ; faute de candidat ayant 10 % du quotient : {}",
    not_given: "  Non attribués dans la circonscription, donc sièges de compensation : {}.",
    compensation: "Sièges de compensation (chacun au plus grand nombre comparatif, voix / k^0,9) :",
    compensation_line: "  {}. {} : {} / {}^0,9 = {} : {}",
    passed_over: " (écartés, avec moins de 5 % du quotient de leur circonscription : {})",
    unfilled: "Non pourvus : {} (aucun parti au-dessus du seuil n'avait plus de candidat).",
    tie_district:
        "Égalité dans la circonscription {} : chez {}, {} ont chacun {} voix ; selon la liste nationale, {} : \
                   {}.",
    one_is: "est élu",
    these_are: "sont élus",
    tie_compensation: "Égalité pour le siège de compensation {} : {} ont des nombres comparatifs égaux ; {}, plus bas \
                       dans la liste consolidée, l'obtient.",
};

/// `template` with each `{}` replaced by the next of `values`, in order.
fn fill(template: &str, values: &[&dyn fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * values.len());
    let mut values = values.iter();
    let mut pieces = template.split("{}");
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        if let Some(v) = values.next() {
            out.push_str(&v.to_string());
        }
        out.push_str(piece);
    }
    out
}

impl Words {
    fn count(&self, n: u64, (one, many): (&'static str, &'static str)) -> String {
        if n == 1 {
            one.to_string()
        } else {
            fill(many, &[&n])
        }
    }
    fn milli(&self, x: u64) -> String {
        milli(x).replace('.', self.point)
    }
}

impl Allocation {
    /// RK9 in words, step by step, for a reader, in `lang` (en, et, fr; English for any other): the parties and
    /// the threshold, each district's quota, personal mandates and lists, the compensation mandates with their
    /// figures, what stayed unfilled, and the ties. Names are the ids of the input.
    pub fn text(&self, lang: &str) -> String {
        self.text_named(lang, &|id: &str| id.to_string())
    }

    /// [`Allocation::text`] with each id (party, district, candidate) written as `name` gives it: the tally names
    /// them by their titles in the manifest (`readable::national`).
    pub fn text_named(&self, lang: &str, name: &dyn Fn(&str) -> String) -> String {
        let names = |ids: &[String]| ids.iter().map(|id| name(id)).collect::<Vec<_>>().join(", ");
        let w = match lang {
            "et" => &ET,
            "fr" => &FR,
            _ => &EN,
        };
        let mut out = Vec::new();
        out.push(fill(w.head, &[&self.method, &w.count(self.mandates, w.mandates), &self.valid_votes]));
        out.push(fill(w.parties, &[&self.valid_votes.div_ceil(20)]));
        for p in &self.parties {
            let total = w.count(p.total, w.mandates);
            out.push(if p.passed_threshold {
                fill(w.over, &[&name(&p.party), &p.votes, &p.personal, &p.district, &p.compensation, &total])
            } else {
                fill(w.under, &[&name(&p.party), &p.votes, &p.personal, &total])
            });
        }
        for d in &self.districts {
            let mandates = w.count(u64::from(d.mandates), w.mandates);
            out.push(fill(w.district, &[&name(&d.district), &mandates, &d.valid_votes, &w.milli(d.quota_milli)]));
            if d.personal.is_empty() {
                out.push(w.nobody.to_string());
            }
            for e in &d.personal {
                let party = e.party.as_deref().map_or_else(|| w.independent.to_string(), name);
                out.push(fill(w.personal, &[&name(&e.candidate), &party, &e.votes]));
            }
            for l in &d.lists {
                let won = l.full_quotas + u64::from(l.remainder_mandate);
                let mut line = fill(w.list, &[&name(&l.party), &l.votes, &w.count(l.full_quotas, w.quotas)]);
                if l.remainder_mandate {
                    line.push_str(w.remainder);
                }
                line.push_str(&fill(w.won, &[&w.count(won, w.mandates)]));
                if l.personal > 0 {
                    line.push_str(&fill(w.of_which_personal, &[&l.personal]));
                }
                if !l.district.is_empty() {
                    line.push_str(&fill(w.district_mandates, &[&names(&l.district)]));
                }
                if l.no_candidate > 0 {
                    line.push_str(&fill(w.no_candidate, &[&w.count(l.no_candidate, w.mandates)]));
                }
                line.push('.');
                out.push(line);
            }
            out.push(fill(w.not_given, &[&d.not_given]));
        }
        if !self.compensation.is_empty() {
            out.push(w.compensation.to_string());
        }
        for m in &self.compensation {
            let votes = self.parties.iter().find(|p| p.party == m.party).map_or(0, |p| p.votes);
            let figure = w.milli(m.figure_milli);
            let mut line = fill(
                w.compensation_line,
                &[&m.number, &name(&m.party), &votes, &m.divisor, &figure, &name(&m.candidate)],
            );
            if !m.passed_over.is_empty() {
                line.push_str(&fill(w.passed_over, &[&names(&m.passed_over)]));
            }
            line.push('.');
            out.push(line);
        }
        if self.unfilled > 0 {
            out.push(fill(w.unfilled, &[&self.unfilled]));
        }
        for t in &self.ties {
            out.push(match t {
                Tie::DistrictMandate { district, party, votes, candidates, elected } => {
                    let chosen = &candidates[..usize::try_from(*elected).unwrap_or(usize::MAX).min(candidates.len())];
                    let how = if *elected == 1 { w.one_is } else { w.these_are };
                    let (district, party) = (name(district), name(party));
                    fill(w.tie_district, &[&district, &party, &names(candidates), votes, &how, &names(chosen)])
                }
                Tie::CompensationMandate { number, parties } => {
                    let first = parties.first().map_or_else(String::new, |p| name(p));
                    fill(w.tie_compensation, &[number, &names(parties), &first])
                }
            });
        }
        let mut text = out.join("\n");
        text.push('\n');
        text
    }
}

/// RK9 in words, in English ([`Allocation::text`]).
impl fmt::Display for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text("en"))
    }
}

/// Allocates the mandates of `election` by RKVS § 62 (SPEC.md §12.12, RK1–RK9).
pub fn allocate(election: &Election) -> Result<Allocation, RiigikoguError> {
    let checked = check(election)?;
    let mut ties = Vec::new();
    let total_valid = checked.total_valid;

    // RK3: national votes and the threshold.
    let mut party_votes = vec![0u64; election.parties.len()];
    for district in &election.districts {
        for list in &district.lists {
            if let Some(&p) = checked.party_index.get(list.party.as_str()) {
                party_votes[p] += list.votes; // ≤ total_valid ≤ MAX_VOTES: no overflow (RK1)
            }
        }
    }
    let passed: Vec<bool> = party_votes.iter().map(|&v| u128::from(v) * 20 >= u128::from(total_valid)).collect();

    let mut personal_count = vec![0u64; election.parties.len()];
    let mut district_count = vec![0u64; election.parties.len()];
    let mut elected: BTreeSet<&str> = BTreeSet::new();
    let mut districts = Vec::with_capacity(election.districts.len());
    let mut not_given_total = 0u64;

    for district in &election.districts {
        let m = u128::from(district.mandates);
        let valid = u128::from(district.valid_votes);

        // RK2: personal mandates.
        let mut personal: Vec<Elected> = Vec::new();
        for list in &district.lists {
            for c in &list.candidates {
                if u128::from(c.votes) * m >= valid {
                    personal.push(Elected { candidate: c.id.clone(), party: Some(list.party.clone()), votes: c.votes });
                    elected.insert(c.id.as_str());
                }
            }
        }
        for c in &district.independents {
            if u128::from(c.votes) * m >= valid {
                personal.push(Elected { candidate: c.id.clone(), party: None, votes: c.votes });
                elected.insert(c.id.as_str());
            }
        }
        personal.sort_by_key(|e| std::cmp::Reverse(e.votes)); // stable: equal votes keep input order

        // RK4: the lists' counts.
        let mut given = personal.len() as u64;
        let mut counts = Vec::new();
        for list in &district.lists {
            let Some(&p) = checked.party_index.get(list.party.as_str()) else { continue };
            if !passed[p] {
                continue;
            }
            let v = u128::from(list.votes) * m;
            let full = v / valid;
            let rest = v - full * valid;
            let remainder_mandate = 4 * rest >= 3 * valid;
            let won = full + u128::from(remainder_mandate);
            let own_personal = personal.iter().filter(|e| e.party.as_deref() == Some(list.party.as_str())).count();
            // Each personal mandate holds ≥ valid / m votes of the list, so `won ≥ own_personal` (RK4).
            given += (won as u64).saturating_sub(own_personal as u64);
            counts.push((list, p, full as u64, remainder_mandate, won as u64, own_personal as u64));
        }
        if given > u64::from(district.mandates) {
            return Err(RiigikoguError::DistrictOverallocated {
                district: district.id.clone(),
                given,
                mandates: district.mandates,
            });
        }

        // RK5: who gets the district mandates.
        let mut lists = Vec::new();
        let mut filled = personal.len() as u64;
        for (list, p, full, remainder_mandate, won, own_personal) in counts {
            let want = won.saturating_sub(own_personal);
            let position = &checked.national_position[p];
            let mut ranking: Vec<&Candidate> =
                list.candidates.iter().filter(|c| !elected.contains(c.id.as_str())).collect();
            ranking.sort_by(|a, b| {
                b.votes.cmp(&a.votes).then_with(|| position.get(a.id.as_str()).cmp(&position.get(b.id.as_str())))
            });
            let eligible: Vec<&Candidate> =
                ranking.into_iter().filter(|c| u128::from(c.votes) * 10 * m >= valid).collect();
            let take = usize::try_from(want).unwrap_or(usize::MAX).min(eligible.len());
            let winners: Vec<String> = eligible[..take].iter().map(|c| c.id.clone()).collect();
            if take > 0 && take < eligible.len() && eligible[take].votes == eligible[take - 1].votes {
                let votes = eligible[take].votes;
                let tied: Vec<&Candidate> = eligible.iter().copied().filter(|c| c.votes == votes).collect();
                let in_winners = tied.iter().filter(|c| winners.contains(&c.id)).count() as u64;
                ties.push(Tie::DistrictMandate {
                    district: district.id.clone(),
                    party: list.party.clone(),
                    votes,
                    candidates: tied.iter().map(|c| c.id.clone()).collect(),
                    elected: in_winners,
                });
            }
            for w in &winners {
                if let Some(c) = list.candidates.iter().find(|c| &c.id == w) {
                    elected.insert(c.id.as_str());
                }
            }
            personal_count[p] += own_personal;
            district_count[p] += winners.len() as u64;
            filled += winners.len() as u64;
            lists.push(ListResult {
                party: list.party.clone(),
                votes: list.votes,
                full_quotas: full,
                remainder_mandate,
                personal: own_personal,
                no_candidate: want - winners.len() as u64,
                district: winners,
            });
        }
        // Personal mandates of parties under the threshold count for the party too (RK2).
        for e in &personal {
            if let Some(p) = e.party.as_deref().and_then(|id| checked.party_index.get(id)) {
                if !passed[*p] {
                    personal_count[*p] += 1;
                }
            }
        }
        let not_given = u64::from(district.mandates) - filled;
        not_given_total += not_given;
        districts.push(DistrictResult {
            district: district.id.clone(),
            mandates: district.mandates,
            valid_votes: district.valid_votes,
            quota_milli: (valid * 1000 / m) as u64,
            personal,
            lists,
            not_given,
        });
    }

    // RK6–RK8: compensation mandates.
    let held: Vec<u64> = (0..election.parties.len()).map(|p| personal_count[p] + district_count[p]).collect();
    let mut compensation_count = vec![0u64; election.parties.len()];
    let mut compensation = Vec::new();
    // RK8: each party over the threshold, its candidates for compensation mandates in the order they would take
    // them. Only the party that takes a mandate elects someone, and only from its own list, so each party's
    // sequence is fixed before the first compensation mandate, and its length caps the party's mandates.
    let offers: Vec<Vec<Offer<'_>>> = election
        .parties
        .iter()
        .enumerate()
        .map(|(p, party)| {
            let mut all = Vec::new();
            let mut from = 0;
            while let Some(offer) = passed[p].then(|| next_offer(party, from, &elected, &checked)).flatten() {
                from = offer.position + 1;
                all.push(offer);
            }
            all
        })
        .collect();
    let caps: Vec<u64> = offers.iter().map(|o| o.len() as u64).collect();
    // RK6, RK7: the modified d'Hondt method by the highest-averages core of §12.9: the highest figure
    // `votes / (held + 1)^0.9`, compared exactly; equal figures go to the party further down the consolidated list.
    let awards = crate::count::highest_averages(
        &held,
        &caps,
        not_given_total,
        |a, ka, b, kb| compare_figures(party_votes[a], ka + 1, party_votes[b], kb + 1),
        |a, b| b.cmp(&a),
    );
    let unfilled = not_given_total - awards.len() as u64;
    let mut offers: Vec<std::vec::IntoIter<Offer<'_>>> = offers.into_iter().map(Vec::into_iter).collect();
    for (award, number) in awards.iter().zip(1u64..) {
        let p = award.list;
        // The core gives a party at most `caps[p]` mandates, so it always has an offer.
        let Some(offer) = offers[p].next() else { continue };
        if award.tied.len() > 1 {
            ties.push(Tie::CompensationMandate {
                number,
                parties: award.tied.iter().map(|&q| election.parties[q].id.clone()).collect(),
            });
        }
        let divisor = award.held + 1;
        compensation.push(CompensationMandate {
            number,
            party: election.parties[p].id.clone(),
            divisor,
            figure_milli: figure_milli(party_votes[p], divisor),
            candidate: offer.candidate.to_string(),
            passed_over: offer.passed_over,
        });
        compensation_count[p] += 1;
    }

    let parties = election
        .parties
        .iter()
        .enumerate()
        .map(|(p, party)| PartyResult {
            party: party.id.clone(),
            votes: party_votes[p],
            passed_threshold: passed[p],
            personal: personal_count[p],
            district: district_count[p],
            compensation: compensation_count[p],
            total: personal_count[p] + district_count[p] + compensation_count[p],
        })
        .collect();
    Ok(Allocation {
        method: METHOD.to_string(),
        mandates: checked.total_mandates,
        valid_votes: total_valid,
        parties,
        districts,
        compensation,
        unfilled,
        ties,
    })
}

/// What [`check`] found, for [`allocate`].
struct Checked<'a> {
    total_valid: u64,
    total_mandates: u64,
    party_index: BTreeMap<&'a str, usize>,
    /// Per party: candidate id → position on its national list.
    national_position: Vec<BTreeMap<&'a str, usize>>,
    /// Per party candidate: (votes, district mandates, district valid votes), for RK8's 5 % condition.
    candidate_district: BTreeMap<&'a str, (u64, u32, u64)>,
}

/// A party's next candidate for a compensation mandate (RK8).
struct Offer<'a> {
    /// Their position on the national list.
    position: usize,
    /// Their id.
    candidate: &'a str,
    /// The candidates before them on the list, not elected, with less than 5 % of their district's quota.
    passed_over: Vec<String>,
}

/// RK8: the first candidate of `party`'s national list from `from` on who is not elected and has at least 5 % of
/// their district's quota; `None` if there is none.
fn next_offer<'a>(party: &'a Party, from: usize, elected: &BTreeSet<&str>, checked: &Checked<'_>) -> Option<Offer<'a>> {
    let mut passed_over = Vec::new();
    for (position, id) in party.national_list.iter().enumerate().skip(from) {
        if elected.contains(id.as_str()) {
            continue;
        }
        let &(votes, m, valid) = checked.candidate_district.get(id.as_str())?; // RK1: every listed candidate is there
        if u128::from(votes) * 20 * u128::from(m) >= u128::from(valid) {
            return Some(Offer { position, candidate: id.as_str(), passed_over });
        }
        passed_over.push(id.clone());
    }
    None
}

/// RK1: the input's checks.
fn check(election: &Election) -> Result<Checked<'_>, RiigikoguError> {
    if election.districts.is_empty() {
        return Err(RiigikoguError::NoDistricts);
    }
    let mut party_index = BTreeMap::new();
    for (p, party) in election.parties.iter().enumerate() {
        if party.id.is_empty() {
            return Err(RiigikoguError::EmptyId { what: format!("party {}", p + 1) });
        }
        if party_index.insert(party.id.as_str(), p).is_some() {
            return Err(RiigikoguError::DuplicateParty(party.id.clone()));
        }
    }
    let mut district_ids = BTreeSet::new();
    let mut candidates: BTreeSet<&str> = BTreeSet::new();
    let mut candidate_district = BTreeMap::new();
    let mut party_candidates: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); election.parties.len()];
    let mut total_valid = 0u64;
    let mut total_mandates = 0u64;
    for (d, district) in election.districts.iter().enumerate() {
        if district.id.is_empty() {
            return Err(RiigikoguError::EmptyId { what: format!("district {}", d + 1) });
        }
        if !district_ids.insert(district.id.as_str()) {
            return Err(RiigikoguError::DuplicateDistrict(district.id.clone()));
        }
        if district.mandates == 0 {
            return Err(RiigikoguError::NoMandates(district.id.clone()));
        }
        if district.valid_votes == 0 {
            return Err(RiigikoguError::NoValidVotes(district.id.clone()));
        }
        total_valid = total_valid.saturating_add(district.valid_votes);
        if total_valid > MAX_VOTES {
            return Err(RiigikoguError::TooManyVotes { votes: total_valid, max: MAX_VOTES });
        }
        total_mandates += u64::from(district.mandates);
        let mut parties_here = BTreeSet::new();
        let mut cast = 0u64;
        fn add<'a>(c: &'a Candidate, district: &str, seen: &mut BTreeSet<&'a str>) -> Result<(), RiigikoguError> {
            if c.id.is_empty() {
                return Err(RiigikoguError::EmptyId { what: format!("a candidate in district {district}") });
            }
            if !seen.insert(c.id.as_str()) {
                return Err(RiigikoguError::DuplicateCandidate(c.id.clone()));
            }
            Ok(())
        }
        for list in &district.lists {
            let Some(&p) = party_index.get(list.party.as_str()) else {
                return Err(RiigikoguError::UnknownParty { district: district.id.clone(), party: list.party.clone() });
            };
            if !parties_here.insert(p) {
                return Err(RiigikoguError::DuplicateList { district: district.id.clone(), party: list.party.clone() });
            }
            let mut sum = 0u64;
            for c in &list.candidates {
                add(c, &district.id, &mut candidates)?;
                sum = sum.saturating_add(c.votes);
                party_candidates[p].insert(c.id.as_str());
                candidate_district.insert(c.id.as_str(), (c.votes, district.mandates, district.valid_votes));
            }
            if sum > list.votes {
                return Err(RiigikoguError::ListVotes {
                    district: district.id.clone(),
                    party: list.party.clone(),
                    list: list.votes,
                    candidates: sum,
                });
            }
            cast = cast.saturating_add(list.votes);
        }
        for c in &district.independents {
            add(c, &district.id, &mut candidates)?;
            cast = cast.saturating_add(c.votes);
        }
        if cast > district.valid_votes {
            return Err(RiigikoguError::DistrictVotes {
                district: district.id.clone(),
                valid: district.valid_votes,
                cast,
            });
        }
    }
    let mut national_position = Vec::with_capacity(election.parties.len());
    for (p, party) in election.parties.iter().enumerate() {
        let mut position = BTreeMap::new();
        for (i, id) in party.national_list.iter().enumerate() {
            if !party_candidates[p].contains(id.as_str()) || position.insert(id.as_str(), i).is_some() {
                return Err(RiigikoguError::NationalList { party: party.id.clone(), candidate: id.clone() });
            }
        }
        if let Some(missing) = party_candidates[p].iter().find(|id| !position.contains_key(*id)) {
            return Err(RiigikoguError::NotOnNationalList { party: party.id.clone(), candidate: missing.to_string() });
        }
        national_position.push(position);
    }
    Ok(Checked { total_valid, total_mandates, party_index, national_position, candidate_district })
}

/// RK6: compares the comparative figures `va / a^0.9` and `vb / b^0.9` (`a`, `b` ≥ 1) exactly, as
/// `va^10 · b^9` against `vb^10 · a^9`.
pub fn compare_figures(va: u64, a: u64, vb: u64, b: u64) -> Ordering {
    let left = Nat::one().mul_pow(va, 10).mul_pow(b, 9);
    let right = Nat::one().mul_pow(vb, 10).mul_pow(a, 9);
    left.cmp(&right)
}

/// RK9: `⌊1000 · votes / k^0.9⌋` for `k ≥ 1`, exactly: the largest `x` with `x^10 · k^9 ≤ 1000^10 · votes^10`.
pub fn figure_milli(votes: u64, k: u64) -> u64 {
    let k = k.max(1);
    let target = Nat::one().mul_pow(votes, 10).mul_pow(1000, 10);
    // 0 ≤ x ≤ 1000 · votes, which fits in u64 when votes ≤ MAX_VOTES (RK1); saturate above.
    let (mut lo, mut hi) = (0u64, votes.saturating_mul(1000));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if Nat::one().mul_pow(mid, 10).mul_pow(k, 9) <= target {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// A natural number of any size (RK6): little-endian 64-bit limbs, no trailing zero limb. Only what the
/// comparison needs: multiplication by a `u64` and the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nat(Vec<u64>);

impl Nat {
    /// 1.
    pub fn one() -> Self {
        Nat(vec![1])
    }

    /// `self · m`: schoolbook, one limb at a time; `limb · m + carry < 2^128` since both are `< 2^64`.
    pub fn times(mut self, m: u64) -> Self {
        if m == 0 {
            return Nat(Vec::new());
        }
        let mut carry = 0u128;
        for limb in &mut self.0 {
            let t = u128::from(*limb) * u128::from(m) + carry;
            *limb = t as u64; // the low 64 bits
            carry = t >> 64;
        }
        if carry > 0 {
            self.0.push(carry as u64); // carry < 2^64
        }
        self
    }

    /// `self · m^e`.
    pub fn mul_pow(self, m: u64, e: u32) -> Self {
        (0..e).fold(self, |n, _| n.times(m))
    }
}

impl PartialOrd for Nat {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Nat {
    /// More limbs is larger (no trailing zero limbs); else the most significant differing limb decides.
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nat_agrees_with_u128_and_rk6_orders_figures() {
        for (a, b) in [(0u64, 5u64), (3, 7), (u64::MAX, u64::MAX), (1 << 63, 3), (12345, 67890)] {
            let n = Nat::one().times(a).times(b);
            let expected = u128::from(a) * u128::from(b);
            let low = n.0.first().copied().unwrap_or(0);
            let high = n.0.get(1).copied().unwrap_or(0);
            assert_eq!((u128::from(high) << 64) | u128::from(low), expected);
        }
        assert!(Nat::one().times(u64::MAX).times(2) > Nat::one().times(u64::MAX));
        assert_eq!(Nat::one().times(0), Nat::one().times(0).times(7));
        // RK6: 100 / 1 > 100 / 2^0.9 (≈ 53.59) > 50 / 1; 2^0.9 · 50 ≈ 93.3 < 100.
        assert_eq!(compare_figures(100, 2, 50, 1), Ordering::Greater);
        assert_eq!(compare_figures(93, 2, 50, 1), Ordering::Less);
        assert_eq!(compare_figures(7, 3, 7, 3), Ordering::Equal);
        // RK9: 1000 / 2^0.9 = 535.886…; 1000 / 3^0.9 = 372.041…
        assert_eq!(figure_milli(1000, 2), 535_886);
        assert_eq!(figure_milli(1000, 3), 372_041);
        assert_eq!(figure_milli(5, 1), 5000);
    }
}

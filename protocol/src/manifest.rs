//! The election manifest and the election fingerprint (SPEC.md §4).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::error::{ManifestError, ManifestProblem, TimeError};
use crate::roles::{example_roles, Roles};

/// Texts by language tag (`"en"`, `"et"`, `"fr"`…); ordered, so the canonical encoding is unique.
pub type Localized = BTreeMap<String, String>;

/// Reads a JSON object into a map, refusing a key given twice (SPEC.md §1.2): serde keeps the last value, a reader
/// that keeps the first would show another text. Every map read from the record or the API goes through it.
pub fn unique_keys<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: Deserialize<'de> + Ord + fmt::Debug,
    V: Deserialize<'de>,
{
    struct Visit<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Deserialize<'de> + Ord + fmt::Debug, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<K, V> {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object without duplicate keys")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<K, V>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("duplicate key {k:?}")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visit(std::marker::PhantomData))
}

/// The most grades a graded contest has (SPEC.md §4.3 MF12).
pub const MAX_GRADES: usize = 10;

/// The version string that starts the canonical manifest encoding (§4.2) of a manifest that uses none of the
/// counting rules' fields (`rule`, `threshold`, `lists`, an option's `list`).
pub const MANIFEST_VERSION: &str = "rv/manifest/v2";
/// The version string of the canonical encoding of a manifest in which some contest names its counting rule, a
/// threshold or party lists (§4.2): the v2 layout with those fields added.
pub const MANIFEST_VERSION_V3: &str = "rv/manifest/v3";
/// The version string of the canonical encoding of a manifest that declares districts (§4.2): the v3 layout with
/// the districts and each contest's districts added.
pub const MANIFEST_VERSION_V4: &str = "rv/manifest/v4";

use crate::limits::{
    CHUNK_BYTES, MAX_CHUNKS, MAX_CONTESTS, MAX_DISTRICTS, MAX_LANGUAGES, MAX_OPTIONS, MAX_TEXT_BYTES,
    MAX_WRITE_IN_BYTES,
};

/// The election manifest (SPEC.md §4.1): the contests, the voting period, the policies and the roles' keys.
/// Valid only after [`Manifest::validate`] (§4.3); its canonical encoding `M` (§4.2) enters the fingerprint (eq. (2)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// 1–64 characters of `[A-Za-z0-9._-]`.
    pub election_id: String,
    /// The election's title, by language tag (1–32 languages).
    #[serde(deserialize_with = "unique_keys")]
    pub title: Localized,
    /// The districts (ballot styles, SPEC.md §4.1), 0–1024: a voter belongs to one, and votes in its contests.
    /// None: every voter gets every contest. A district's index here is `D` everywhere else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub districts: Vec<District>,
    /// The contests, 1–64, in ballot order; a contest's index here is `C` everywhere else.
    pub contests: Vec<Contest>,
    /// With districts only: the national allocation that the `riigikogu` contests feed (SPEC.md §12.13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national: Option<National>,
    /// When ballots are accepted (check L7).
    pub voting_period: Period,
    /// What the voter's second device may fetch (SPEC.md §8.10, §11.6).
    pub verification: VerificationPolicy,
    /// How many trustees hold the election key and how many must decrypt (SPEC.md §10).
    pub trustees: TrusteePolicy,
    /// Every role's key and the credential registry (§4.5); the number of mix keys is the number of mix stages.
    pub roles: Roles,
}

/// Opening and closing times, seconds since the Unix epoch (UTC). In JSON, RFC 3339 dates and times
/// (`"2027-03-01T09:00:00+02:00"`, written back in UTC as `"2027-03-01T07:00:00Z"`) or, as older manifests have
/// them, integer seconds (SPEC.md §4.1); the canonical bytes are the seconds either way (§4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First second a ballot may be accepted, inclusive.
    #[serde(serialize_with = "time_json::write", deserialize_with = "time_json::read")]
    pub opens_at: u64,
    /// Last second a ballot may be accepted, inclusive; after `opens_at`.
    #[serde(serialize_with = "time_json::write", deserialize_with = "time_json::read")]
    pub closes_at: u64,
}

/// The latest time the JSON form writes as a date (SPEC.md §4.1): `9999-12-31T23:59:59Z`. A valid manifest's
/// period ends by then (rule MF6).
pub const MAX_TIME: u64 = 253_402_300_799;

/// SPEC.md §4.1: `seconds` since the Unix epoch as an RFC 3339 date and time in UTC, `2027-03-01T07:00:00Z`.
/// After [`MAX_TIME`], which RFC 3339 cannot write, it says the seconds instead.
pub fn format_time(seconds: u64) -> String {
    if seconds > MAX_TIME {
        return format!("{seconds} s after 1970-01-01T00:00:00Z");
    }
    let (days, rem) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// SPEC.md §4.1: reads an RFC 3339 date and time with its offset from UTC (`2027-03-01T09:00:00+02:00`,
/// `2027-03-01T07:00:00Z`; `t`, `z` and a space for `T` are read too), in whole seconds, between 1970 and
/// [`MAX_TIME`]; gives the seconds since the Unix epoch. A time without offset is refused: its time zone is unknown.
pub fn parse_time(text: &str) -> Result<u64, TimeError> {
    let shown = || text.chars().take(64).collect::<String>();
    let malformed = || TimeError::Malformed(shown());
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let date_time = at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":");
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second), true) =
        (digits(0, 4), digits(5, 2), digits(8, 2), digits(11, 2), digits(14, 2), digits(17, 2), date_time)
    else {
        return Err(malformed());
    };
    let offset = match b.get(19..).unwrap_or_default() {
        [] => return Err(TimeError::NoOffset(shown())),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (Some(h), Some(m)) = (digits(20, 2), digits(23, 2)) else { return Err(malformed()) };
            if h > 23 || m > 59 {
                return Err(out_of_range(
                    shown(),
                    format!("the offset {h:02}:{m:02} is not one of hours 00–23, minutes 00–59"),
                ));
            }
            if *sign == b'+' {
                h * 3600 + m * 60
            } else {
                -(h * 3600 + m * 60)
            }
        }
        [b'.' | b',', ..] => return Err(out_of_range(shown(), "give whole seconds, without a fraction".into())),
        _ => return Err(malformed()),
    };
    if !(1..=12).contains(&month) {
        return Err(out_of_range(shown(), format!("there is no month {month:02}")));
    }
    let month_days = days_in_month(year, month);
    if !(1..=month_days).contains(&day) {
        return Err(out_of_range(shown(), format!("month {month:02} of {year:04} has days 01 to {month_days}")));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(out_of_range(
            shown(),
            format!("{hour:02}:{minute:02}:{second:02} is not a time of 00:00:00 to 23:59:59 (no leap seconds)"),
        ));
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    match u64::try_from(seconds) {
        Ok(s) if s <= MAX_TIME => Ok(s),
        Ok(_) => Err(out_of_range(shown(), "after 9999-12-31T23:59:59Z".into())),
        Err(_) => Err(out_of_range(shown(), "before 1970-01-01T00:00:00Z".into())),
    }
}

fn out_of_range(text: String, reason: String) -> TimeError {
    TimeError::OutOfRange { text, reason }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`): year, month (1–12), day (1–31),
/// proleptic Gregorian. Every calendar date the tools print comes from here.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The JSON form of a time (SPEC.md §4.1): written as [`format_time`] (integer seconds after [`MAX_TIME`]), read as
/// [`parse_time`] or as integer seconds.
mod time_json {
    use super::{format_time, parse_time, MAX_TIME};
    use std::fmt;

    pub(super) fn write<S: serde::Serializer>(seconds: &u64, s: S) -> Result<S::Ok, S::Error> {
        if *seconds > MAX_TIME {
            s.serialize_u64(*seconds)
        } else {
            s.serialize_str(&format_time(*seconds))
        }
    }

    pub(super) fn read<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date and time such as \"2027-03-01T09:00:00+02:00\" or \"2027-03-01T07:00:00Z\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
                Ok(v)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
                parse_time(v).map_err(E::custom)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// How long after casting, and how many times, a ballot may be fetched by the voter's second device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationPolicy {
    /// How long after casting the second device may fetch a ballot, in seconds.
    pub window_seconds: u32,
    /// How many times a ballot may be fetched.
    pub max_fetches: u32,
}

/// The trustees of the key ceremony: `t` of `n` decrypt (SPEC.md §10); `1 ≤ t ≤ n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrusteePolicy {
    /// n: trustees taking part in the key ceremony.
    pub count: u16,
    /// t: trustees needed to decrypt.
    pub threshold: u16,
}

/// One contest of the manifest (SPEC.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// Unique in the manifest; same rules as `election_id`.
    pub id: String,
    /// The contest's title, by language tag.
    #[serde(deserialize_with = "unique_keys")]
    pub title: Localized,
    /// What answers are valid: single choice, approval, ranked or graded.
    pub kind: ContestKind,
    /// The options, 1–1024; a selection names one by its index here.
    pub options: Vec<ContestOption>,
    /// If present, one free-text candidate per answer is allowed, of at most `max_bytes` UTF-8 bytes.
    /// Present in JSON, `null` when not allowed (SPEC.md §4.1): a plain `Option` field would read a missing one as
    /// `None`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub write_in: Option<WriteInRule>,
    /// Seats to fill (1 for a single winner).
    pub seats: u16,
    /// How the contest is counted (SPEC.md §12); absent: the kind's own rule ([`Contest::rule`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Party-list rules only: the share of the valid votes a list needs to take part in the allocation of seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// Party-list rules only: the lists, each candidate (option) naming its own by `list`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<PartyList>,
    /// Graded contests only: the grades a voter gives each option, best first, 2–10 (SPEC.md §4.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<Localized>,
    /// The ids of the districts whose voters vote in this contest, in the manifest's district order; empty: every
    /// district (and every voter when the manifest has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub districts: Vec<String>,
}

/// The national allocation (SPEC.md §4.1, §12.13): the contests counted by `riigikogu`, one per district, feed
/// one allocation of their seats by the Riigikogu method (§12.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct National {
    /// The parties, in the order of the consolidated list of candidates (it decides ties between parties, RK7).
    pub parties: Vec<NationalParty>,
}

/// A party of the national allocation and its national list (SPEC.md §4.1, RK1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalParty {
    /// The party's id: the id of its list in every `riigikogu` contest where it stands.
    pub id: String,
    /// Every candidate of the party's district lists, once, in the party's national order, each written
    /// `CONTEST/OPTION` (the contest's and the option's ids).
    pub candidates: Vec<String>,
}

/// A district of the manifest (SPEC.md §4.1): a part of the electorate with its own set of contests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// Unique among the districts; same rules as `election_id`.
    pub id: String,
    /// The district's name, by language tag (the election title's languages).
    #[serde(deserialize_with = "unique_keys")]
    pub title: Localized,
}

/// What is mixed, decrypted and decoded on its own (SPEC.md §4.6): a contest, or with districts a contest's
/// ballots from one of its districts. Its position in [`Manifest::units`] is the `unit` of the mix statement
/// (§9.1.2) and of a stage's signature (§9.5.1); without districts it is the contest's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unit {
    /// The contest's index in the manifest.
    pub contest: usize,
    /// The district's index in the manifest, if the manifest has districts.
    pub district: Option<u16>,
}

impl From<usize> for Unit {
    /// The unit of contest `contest` in a manifest without districts.
    fn from(contest: usize) -> Self {
        Unit { contest, district: None }
    }
}

impl fmt::Display for Unit {
    /// `contest-C` or `contest-C/district-D`: the unit's folder in the record (SPEC.md §14.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.district {
            None => write!(f, "contest-{}", self.contest),
            Some(d) => write!(f, "contest-{}/district-{d}", self.contest),
        }
    }
}

/// A contest's counting rule (SPEC.md §4.1, §12). In JSON, its name in snake case (`"schulze"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Single choice: the most votes win (§12.1).
    Plurality,
    /// Approval: the most approvals win (§12.2).
    Approval,
    /// Ranked: single transferable vote; instant-runoff with one seat (§12.3).
    Stv,
    /// Ranked: Condorcet–Schulze, the beatpath ranking (§12.7).
    Schulze,
    /// Ranked: Borda count, n−1 … 0 points (§12.8).
    Borda,
    /// Single choice with party lists: seats to lists by d'Hondt's divisors 1, 2, 3, … (§12.9).
    Dhondt,
    /// Single choice with party lists: seats to lists by Sainte-Laguë's divisors 1, 3, 5, … (§12.9).
    SainteLague,
    /// Single choice with party lists: seats to lists by the Hare quota and largest remainders (§12.9).
    LargestRemainderHare,
    /// Graded: Majority Judgment, the median grade and Balinski–Laraki's tie-breaking (§12.10).
    MajorityJudgment,
    /// Graded: score voting, the sum of the grades' points (§12.11).
    Score,
    /// Single choice with party lists and independents, one contest per district: the votes feed the manifest's
    /// national allocation by the Riigikogu method (§12.12, §12.13), which gives the contest its seats.
    Riigikogu,
}

/// Every counting rule, in the order of their codes in the canonical encoding (§4.2: code `i + 1`).
pub const RULES: [Rule; 11] = [
    Rule::Plurality,
    Rule::Approval,
    Rule::Stv,
    Rule::Schulze,
    Rule::Borda,
    Rule::Dhondt,
    Rule::SainteLague,
    Rule::LargestRemainderHare,
    Rule::MajorityJudgment,
    Rule::Score,
    Rule::Riigikogu,
];

impl Rule {
    /// Its name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Plurality => "plurality",
            Rule::Approval => "approval",
            Rule::Stv => "stv",
            Rule::Schulze => "schulze",
            Rule::Borda => "borda",
            Rule::Dhondt => "dhondt",
            Rule::SainteLague => "sainte_lague",
            Rule::LargestRemainderHare => "largest_remainder_hare",
            Rule::MajorityJudgment => "majority_judgment",
            Rule::Score => "score",
            Rule::Riigikogu => "riigikogu",
        }
    }

    /// Whether it allocates seats to party lists (§12.9).
    pub fn is_list_rule(self) -> bool {
        matches!(self, Rule::Dhondt | Rule::SainteLague | Rule::LargestRemainderHare | Rule::Riigikogu)
    }

    fn code(self) -> u8 {
        RULES.iter().position(|r| *r == self).map_or(0, |i| i as u8 + 1)
    }
}

/// A list's threshold (SPEC.md §4.1): a percentage of the contest's valid votes, with at most two decimals, held
/// exactly as hundredths of a percent (`"5"` is 500, `"0.67"` is 67). In JSON a string: `"5"`, `"2.5"`, `"0.67"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold {
    /// Hundredths of a percent: 1 to 9999 in a valid manifest (MF11).
    pub hundredths: u16,
}

impl Threshold {
    /// Reads `"5"`, `"2.5"`, `"0.67"`: digits, then at most two decimals after a point.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "threshold `{}`: write a percentage with at most two decimals, as a string, e.g. \"5\" or \"2.5\"",
                text.chars().take(16).collect::<String>()
            )
        };
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 3 || !digits(whole) || frac.len() > 2 || !digits(frac) {
            return Err(bad());
        }
        if text.contains('.') && frac.is_empty() {
            return Err(bad());
        }
        let mut n: u32 = whole.parse().map_err(|_| bad())?;
        n *= 100;
        let f: u32 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
        n += if frac.len() == 1 { f * 10 } else { f };
        u16::try_from(n).map(|hundredths| Threshold { hundredths }).map_err(|_| bad())
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.hundredths / 100, self.hundredths % 100);
        match frac {
            0 => write!(f, "{whole}"),
            _ if frac % 10 == 0 => write!(f, "{whole}.{}", frac / 10),
            _ => write!(f, "{whole}.{frac:02}"),
        }
    }
}

impl Serialize for Threshold {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Threshold::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A party list of a contest counted by a list rule (SPEC.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyList {
    /// Unique among the contest's lists; same rules as `election_id`.
    pub id: String,
    /// The list's name, by language tag.
    #[serde(deserialize_with = "unique_keys")]
    pub title: Localized,
}

/// One option of a contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestOption {
    /// Unique in the contest; same rules as `election_id`.
    pub id: String,
    /// The option's title, by language tag.
    #[serde(deserialize_with = "unique_keys")]
    pub title: Localized,
    /// Party-list rules only: the `id` of the candidate's list (SPEC.md §4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
}

/// Write-ins allowed: one free-text candidate per answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteInRule {
    /// Longest write-in, in UTF-8 bytes (1–120).
    pub max_bytes: u8,
}

/// In JSON, `{"type": "single_choice"}`, `{"type": "approval", "min": …, "max": …}`,
/// `{"type": "ranked", "max_ranks": …}` or `{"type": "graded"}`: exactly those fields (SPEC.md §1.2). serde's
/// internally tagged enums ignore unknown fields of a unit variant, so reading goes through the private `KindFields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "KindFields")]
pub enum ContestKind {
    /// Exactly one selection.
    SingleChoice,
    /// Between `min` and `max` distinct selections.
    Approval {
        /// Fewest selections.
        min: u16,
        /// Most selections.
        max: u16,
    },
    /// 1 to `max_ranks` distinct selections, in order of preference.
    Ranked {
        /// Most selections ranked.
        max_ranks: u16,
    },
    /// One grade for every option, from the contest's `grades` (SPEC.md §4.1, §5.1).
    Graded,
}

/// A contest kind as read: every field any kind has, none other; [`ContestKind::try_from`] keeps exactly the kind's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFields {
    #[serde(rename = "type")]
    kind: String,
    min: Option<u16>,
    max: Option<u16>,
    max_ranks: Option<u16>,
}

impl TryFrom<KindFields> for ContestKind {
    type Error = String;

    fn try_from(f: KindFields) -> Result<Self, String> {
        match (f.kind.as_str(), f.min, f.max, f.max_ranks) {
            ("single_choice", None, None, None) => Ok(ContestKind::SingleChoice),
            ("approval", Some(min), Some(max), None) => Ok(ContestKind::Approval { min, max }),
            ("ranked", None, None, Some(max_ranks)) => Ok(ContestKind::Ranked { max_ranks }),
            ("graded", None, None, None) => Ok(ContestKind::Graded),
            ("single_choice" | "approval" | "ranked" | "graded", ..) => {
                Err(format!("contest kind `{}`: not exactly the fields of its type", f.kind))
            }
            (other, ..) => Err(format!("unknown contest kind `{other}`")),
        }
    }
}

impl Contest {
    /// The counting rule: the manifest's `rule`, else the kind's own (plurality, approval, STV).
    pub fn rule(&self) -> Rule {
        self.rule.unwrap_or(match self.kind {
            ContestKind::SingleChoice => Rule::Plurality,
            ContestKind::Approval { .. } => Rule::Approval,
            ContestKind::Ranked { .. } => Rule::Stv,
            ContestKind::Graded => Rule::MajorityJudgment,
        })
    }

    /// Whether the contest uses a field of `rv/manifest/v3` (§4.2): a rule, a threshold, lists or an option's list.
    pub fn uses_v3(&self) -> bool {
        self.rule.is_some()
            || self.threshold.is_some()
            || !self.lists.is_empty()
            || self.options.iter().any(|o| o.list.is_some())
            || self.kind == ContestKind::Graded
            || !self.grades.is_empty()
    }

    /// The index in `lists` of the list of option `i`, if it names one that exists.
    pub fn list_of(&self, option: usize) -> Option<usize> {
        let id = self.options.get(option)?.list.as_ref()?;
        self.lists.iter().position(|l| &l.id == id)
    }

    /// The fewest and most selections an answer may have.
    pub fn selection_bounds(&self) -> (usize, usize) {
        match self.kind {
            ContestKind::SingleChoice => (1, 1),
            ContestKind::Approval { min, max } => (min as usize, max as usize),
            ContestKind::Ranked { max_ranks } => (1, max_ranks as usize),
            ContestKind::Graded => (self.options.len(), self.options.len()),
        }
    }

    /// Candidates a selection can name: the options, plus one write-in if allowed.
    pub fn candidate_count(&self) -> usize {
        self.options.len() + usize::from(self.write_in.is_some())
    }

    /// SPEC.md §5.1 eq. (3): the largest canonical answer, in bytes:
    /// `1 + 2·max_selections + (write-ins allowed ? 1 + max_bytes : 0)`.
    pub fn max_answer_bytes(&self) -> usize {
        let (_, max) = self.selection_bounds();
        1 + 2 * max + self.write_in.map_or(0, |w| 1 + w.max_bytes as usize)
    }

    /// SPEC.md §5.1 eq. (4): the fixed number of chunks (ciphertexts) of every answer to this contest.
    pub fn chunks(&self) -> usize {
        self.max_answer_bytes().div_ceil(CHUNK_BYTES)
    }
}

impl Manifest {
    /// Whether the manifest declares districts (then it is encoded as `rv/manifest/v4`, §4.2).
    pub fn has_districts(&self) -> bool {
        !self.districts.is_empty()
    }

    /// The index of the district with this id.
    pub fn district_index(&self, id: &str) -> Option<u16> {
        self.districts.iter().position(|d| d.id == id).map(|i| i as u16)
    }

    /// Whether the voters of district `district` (an index; `None` without districts) vote in contest `contest`.
    pub fn in_district(&self, contest: &Contest, district: Option<u16>) -> bool {
        match district {
            None => true,
            Some(d) => {
                contest.districts.is_empty()
                    || self.districts.get(usize::from(d)).is_some_and(|x| contest.districts.contains(&x.id))
            }
        }
    }

    /// SPEC.md §8.2: the contests a ballot of district `district` holds, as indices in manifest order: every
    /// contest without districts (`None`), else those of the district.
    pub fn ballot_contests(&self, district: Option<u16>) -> Vec<usize> {
        (0..self.contests.len()).filter(|&c| self.in_district(&self.contests[c], district)).collect()
    }

    /// SPEC.md §4.6: the units, in order: for each contest, the contest itself without districts, else one unit per
    /// district of the contest, in district order.
    pub fn units(&self) -> Vec<Unit> {
        let mut out = Vec::new();
        for (c, contest) in self.contests.iter().enumerate() {
            if self.districts.is_empty() {
                out.push(Unit { contest: c, district: None });
            } else {
                for d in 0..self.districts.len() as u16 {
                    if self.in_district(contest, Some(d)) {
                        out.push(Unit { contest: c, district: Some(d) });
                    }
                }
            }
        }
        out
    }

    /// A national list's candidate `CONTEST/OPTION` (§4.1) as (contest, option) indices, if both exist.
    pub fn national_candidate(&self, text: &str) -> Option<(usize, usize)> {
        let (contest, option) = text.split_once('/')?;
        let c = self.contests.iter().position(|x| x.id == contest)?;
        let o = self.contests[c].options.iter().position(|x| x.id == option)?;
        Some((c, o))
    }

    /// The number of mix stages: one per mix key of [`Roles::mix_keys`].
    pub fn mix_stages(&self) -> u16 {
        self.roles.mix_keys.len() as u16
    }

    /// Parses and validates a manifest from JSON.
    pub fn from_json(json: &str) -> Result<Self, ManifestError> {
        let m: Manifest = serde_json::from_str(json).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        m.validate()?;
        Ok(m)
    }

    /// The manifest as indented JSON (SPEC.md §4.1).
    pub fn to_json_pretty(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// SPEC.md §4.3: the rules every manifest obeys; the first problem of [`Manifest::problems`], if any.
    pub fn validate(&self) -> Result<(), ManifestError> {
        match self.problems().into_iter().next() {
            Some(p) => Err(ManifestError::Problem(p)),
            None => Ok(()),
        }
    }

    /// SPEC.md §4.3 rules MF1–MF8: every problem of the manifest, in the order of its JSON form, each with where it
    /// is and what to do. Empty for a valid manifest. [`Manifest::validate`] and `tallier setup check` both use it.
    pub fn problems(&self) -> Vec<ManifestProblem> {
        let mut out = Problems(Vec::new());
        // MF1: identifiers.
        out.id("election_id", &self.election_id);
        // MF2: the election title's languages and texts.
        out.localized("title", &self.title, None);
        // MF13: the districts.
        out.districts(self);
        // MF4: how many contests.
        if self.contests.is_empty() || self.contests.len() > MAX_CONTESTS {
            out.add("MF4", "contests", format!("{} contests: a manifest has 1 to {MAX_CONTESTS}", self.contests.len()));
        }
        for (i, c) in self.contests.iter().enumerate() {
            let at = format!("contests[{i}]");
            out.id(&format!("{at}.id"), &c.id);
            if let Some(first) = self.contests[..i].iter().position(|o| o.id == c.id) {
                out.add(
                    "MF1",
                    format!("{at}.id"),
                    format!("`{}` is also the id of contests[{first}]: give each contest its own id", c.id),
                );
            }
            // MF2, MF3: the contest's title, in the election title's languages.
            out.localized(&format!("{at}.title"), &c.title, Some(&self.title));
            if c.options.is_empty() || c.options.len() > MAX_OPTIONS {
                out.add(
                    "MF4",
                    format!("{at}.options"),
                    format!("{} options: a contest has 1 to {MAX_OPTIONS}", c.options.len()),
                );
            }
            for (j, o) in c.options.iter().enumerate() {
                let at = format!("{at}.options[{j}]");
                out.id(&format!("{at}.id"), &o.id);
                if let Some(first) = c.options[..j].iter().position(|p| p.id == o.id) {
                    out.add(
                        "MF1",
                        format!("{at}.id"),
                        format!(
                            "`{}` is also the id of option {first} of this contest: give each option its own id",
                            o.id
                        ),
                    );
                }
                out.localized(&format!("{at}.title"), &o.title, Some(&self.title));
            }
            // MF5: what an answer may be.
            if let Some(w) = c.write_in {
                if w.max_bytes == 0 || w.max_bytes > MAX_WRITE_IN_BYTES {
                    out.add(
                        "MF5",
                        format!("{at}.write_in.max_bytes"),
                        format!(
                            "{}: a write-in is 1 to {MAX_WRITE_IN_BYTES} bytes long (or `\"write_in\": null` for no \
                             write-ins)",
                            w.max_bytes
                        ),
                    );
                }
            }
            let (min, max) = c.selection_bounds();
            let candidates = c.candidate_count();
            if max == 0 || min > max || max > candidates {
                let what = match c.kind {
                    ContestKind::SingleChoice => format!("single choice among {candidates} candidates"),
                    ContestKind::Approval { min, max } => format!("approval of {min} to {max} candidates"),
                    ContestKind::Ranked { max_ranks } => format!("ranking of up to {max_ranks} candidates"),
                    ContestKind::Graded => format!("grading of {} options", c.options.len()),
                };
                out.add(
                    "MF5",
                    format!("{at}.kind"),
                    format!(
                        "{what}, but the contest has {candidates} (its options, plus one if write-ins are allowed): \
                         the most selections must be 1 to {candidates}, and the fewest no more than the most"
                    ),
                );
            }
            if c.seats == 0 || usize::from(c.seats) > candidates {
                out.add(
                    "MF5",
                    format!("{at}.seats"),
                    format!("{} seats: a contest fills 1 to {candidates} (its number of candidates)", c.seats),
                );
            }
            if c.chunks() > MAX_CHUNKS {
                out.add(
                    "MF5",
                    at.clone(),
                    format!(
                        "an answer would take {} chunks, more than {MAX_CHUNKS}: allow fewer selections or a shorter \
                         write-in",
                        c.chunks()
                    ),
                );
            }
            out.counting(&at, c, &self.title);
        }
        // MF14: the national allocation.
        out.national(self);
        // MF6: the voting period.
        let p = self.voting_period;
        if p.opens_at >= p.closes_at {
            out.add(
                "MF6",
                "voting_period",
                format!(
                    "voting closes ({}) before or when it opens ({}): closes_at must be after opens_at",
                    format_time(p.closes_at),
                    format_time(p.opens_at)
                ),
            );
        }
        if p.closes_at > MAX_TIME {
            out.add(
                "MF6",
                "voting_period.closes_at",
                format!("{}: a voting period ends by 9999-12-31T23:59:59Z", format_time(p.closes_at)),
            );
        }
        // MF7: the trustees.
        let t = self.trustees;
        if t.threshold == 0 || t.threshold > t.count {
            out.add(
                "MF7",
                "trustees",
                format!(
                    "threshold {} of count {}: between 1 and `count` trustees must be needed to decrypt",
                    t.threshold, t.count
                ),
            );
        }
        // MF8: the roles (§4.5).
        if let Err(e) = self.roles.validate() {
            // Its text starts with where: `roles.mix_keys: …`, `roles: …`.
            match e.split_once(": ") {
                Some((at, what)) if at.starts_with("roles") => out.add("MF8", at, what),
                _ => out.add("MF8", "roles", e),
            }
        }
        out.0
    }

    /// SPEC.md §4.4 eq. (2'): the manifest digest `SHA-256("rv/manifest/v1" ‖ M)`, bound by everything that
    /// happens before the election key exists (the key ceremony).
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"rv/manifest/v1");
        h.update(self.to_bytes());
        h.finalize().into()
    }
}

/// The problems found so far (SPEC.md §4.3).
struct Problems(Vec<ManifestProblem>);

impl Problems {
    /// MF14: the national allocation and the contests counted by `riigikogu` fit together (§12.13).
    fn national(&mut self, m: &Manifest) {
        let riigikogu: Vec<usize> =
            (0..m.contests.len()).filter(|&c| m.contests[c].rule() == Rule::Riigikogu).collect();
        let Some(n) = &m.national else {
            for &c in &riigikogu {
                self.add(
                    "MF14",
                    format!("contests[{c}].rule"),
                    "`riigikogu` gives seats through the national allocation, and the manifest declares none: add \
                     `national` with the parties and their national lists",
                );
            }
            return;
        };
        if m.districts.is_empty() {
            self.add("MF14", "national", "a national allocation needs districts: declare them in `districts`");
        }
        if riigikogu.is_empty() {
            self.add(
                "MF14",
                "national",
                "no contest is counted by `riigikogu`: give the district contests `\"rule\": \"riigikogu\"`, or \
                 remove `national`",
            );
        }
        let mut seen_districts: Vec<&String> = Vec::new();
        for &c in &riigikogu {
            let contest = &m.contests[c];
            if contest.districts.len() != 1 {
                self.add(
                    "MF14",
                    format!("contests[{c}].districts"),
                    "a `riigikogu` contest is one district's: name exactly one district",
                );
            } else if seen_districts.contains(&&contest.districts[0]) {
                self.add(
                    "MF14",
                    format!("contests[{c}].districts"),
                    format!("district `{}` already has a `riigikogu` contest: one per district", contest.districts[0]),
                );
            } else {
                seen_districts.push(&contest.districts[0]);
            }
            for l in &contest.lists {
                if !n.parties.iter().any(|p| p.id == l.id) {
                    self.add(
                        "MF14",
                        format!("contests[{c}].lists"),
                        format!(
                            "list `{}` is no party of `national.parties`: add the party, with its national list",
                            l.id
                        ),
                    );
                }
            }
        }
        for (i, p) in n.parties.iter().enumerate() {
            let at = format!("national.parties[{i}]");
            self.id(&format!("{at}.id"), &p.id);
            if n.parties[..i].iter().any(|q| q.id == p.id) {
                self.add("MF14", format!("{at}.id"), format!("party `{}` is given twice: give it once", p.id));
            }
            // Every candidate of the party's district lists, once, and nothing else.
            let mut listed: Vec<(usize, usize)> = Vec::new();
            for (k, text) in p.candidates.iter().enumerate() {
                let cat = format!("{at}.candidates[{k}]");
                match m.national_candidate(text) {
                    None => self.add(
                        "MF14",
                        cat,
                        format!(
                            "`{text}` names no candidate: write CONTEST/OPTION with the contest's and option's ids"
                        ),
                    ),
                    Some((c, _)) if m.contests[c].rule() != Rule::Riigikogu => self.add(
                        "MF14",
                        cat,
                        format!("`{text}`: contest `{}` is not counted by `riigikogu`", m.contests[c].id),
                    ),
                    Some((c, o)) if m.contests[c].options[o].list.as_deref() != Some(p.id.as_str()) => {
                        self.add("MF14", cat, format!("`{text}` is not on party `{}`'s list in its contest", p.id))
                    }
                    Some(co) if listed.contains(&co) => {
                        self.add("MF14", cat, format!("`{text}` is listed twice: list each candidate once"))
                    }
                    Some(co) => listed.push(co),
                }
            }
            for &c in &riigikogu {
                for (o, option) in m.contests[c].options.iter().enumerate() {
                    if option.list.as_deref() == Some(p.id.as_str()) && !listed.contains(&(c, o)) {
                        self.add(
                            "MF14",
                            format!("{at}.candidates"),
                            format!(
                                "`{}/{}` stands on the party's list and is not on its national list: add it",
                                m.contests[c].id, option.id
                            ),
                        );
                    }
                }
            }
        }
    }

    /// MF13: the districts' ids and names, each contest's districts, and a contest for every district.
    fn districts(&mut self, m: &Manifest) {
        if m.districts.len() > MAX_DISTRICTS {
            self.add(
                "MF13",
                "districts",
                format!("{} districts: a manifest has at most {MAX_DISTRICTS}", m.districts.len()),
            );
        }
        for (d, district) in m.districts.iter().enumerate() {
            let at = format!("districts[{d}]");
            self.id(&format!("{at}.id"), &district.id);
            if let Some(first) = m.districts[..d].iter().position(|o| o.id == district.id) {
                self.add(
                    "MF13",
                    format!("{at}.id"),
                    format!("`{}` is also the id of districts[{first}]: give each district its own id", district.id),
                );
            }
            self.localized(&format!("{at}.title"), &district.title, Some(&m.title));
        }
        let ids = || m.districts.iter().map(|d| format!("`{}`", d.id)).collect::<Vec<_>>().join(", ");
        for (i, c) in m.contests.iter().enumerate() {
            let at = format!("contests[{i}].districts");
            if m.districts.is_empty() {
                if !c.districts.is_empty() {
                    self.add(
                        "MF13",
                        at,
                        "the contest names districts, but the manifest declares none: declare them in `districts`, \
                         or remove the contest's",
                    );
                }
                continue;
            }
            let mut last: Option<usize> = None;
            for id in &c.districts {
                match m.districts.iter().position(|d| &d.id == id) {
                    None => {
                        self.add("MF13", at.clone(), format!("district `{id}` does not exist: name one of {}", ids()))
                    }
                    Some(p) if last.is_some_and(|l| p <= l) => self.add(
                        "MF13",
                        at.clone(),
                        format!(
                            "`{id}` repeats or is out of order: name each district once, in the order of `districts`"
                        ),
                    ),
                    Some(p) => last = Some(p),
                }
            }
        }
        for (d, district) in m.districts.iter().enumerate() {
            let n = m.ballot_contests(Some(d as u16)).len();
            if n == 0 {
                self.add(
                    "MF13",
                    format!("districts[{d}]"),
                    format!("district `{}` has no contest: its voters would have nothing to vote on", district.id),
                );
            } else if n > MAX_CONTESTS {
                self.add(
                    "MF13",
                    format!("districts[{d}]"),
                    format!("{n} contests: a ballot holds at most {MAX_CONTESTS}"),
                );
            }
        }
    }

    /// MF9–MF12: the counting rule fits the contest, its lists, its threshold and its grades.
    fn counting(&mut self, at: &str, c: &Contest, languages: &Localized) {
        let rule = c.rule();
        // MF9: the rule fits the kind.
        let fits = match rule {
            Rule::Plurality | Rule::Dhondt | Rule::SainteLague | Rule::LargestRemainderHare | Rule::Riigikogu => {
                c.kind == ContestKind::SingleChoice
            }
            Rule::Approval => matches!(c.kind, ContestKind::Approval { .. }),
            Rule::Stv | Rule::Schulze | Rule::Borda => matches!(c.kind, ContestKind::Ranked { .. }),
            Rule::MajorityJudgment | Rule::Score => c.kind == ContestKind::Graded,
        };
        if !fits {
            let kind = match c.kind {
                ContestKind::SingleChoice => "single_choice",
                ContestKind::Approval { .. } => "approval",
                ContestKind::Ranked { .. } => "ranked",
                ContestKind::Graded => "graded",
            };
            self.add(
                "MF9",
                format!("{at}.rule"),
                format!(
                    "`{}` does not count a contest of kind `{kind}`: single_choice takes plurality, dhondt, \
                     sainte_lague, largest_remainder_hare or riigikogu; approval takes approval; ranked takes stv, schulze or \
                     borda; graded takes majority_judgment or score",
                    rule.name()
                ),
            );
        }
        if c.kind == ContestKind::Graded && c.write_in.is_some() {
            self.add(
                "MF9",
                format!("{at}.write_in"),
                "a graded contest grades its options, and a write-in is not one: set `\"write_in\": null`",
            );
        }
        // MF12: the grades.
        if c.kind == ContestKind::Graded {
            if !(2..=MAX_GRADES).contains(&c.grades.len()) {
                self.add(
                    "MF12",
                    format!("{at}.grades"),
                    format!(
                        "{} grades: a graded contest has 2 to {MAX_GRADES}, best first, e.g. \
                         [{{\"en\": \"Very good\"}}, {{\"en\": \"Good\"}}, {{\"en\": \"Poor\"}}]",
                        c.grades.len()
                    ),
                );
            }
            for (g, title) in c.grades.iter().enumerate() {
                self.localized(&format!("{at}.grades[{g}]"), title, Some(languages));
            }
        } else if !c.grades.is_empty() {
            self.add(
                "MF12",
                format!("{at}.grades"),
                format!("{} grades, but only a graded contest has grades: remove them", c.grades.len()),
            );
        }
        if rule.is_list_rule() && c.write_in.is_some() {
            self.add(
                "MF9",
                format!("{at}.write_in"),
                format!(
                    "`{}` gives seats to lists, and a write-in is on no list: set `\"write_in\": null`",
                    rule.name()
                ),
            );
        }
        // MF10: the lists.
        if rule.is_list_rule() && c.lists.is_empty() {
            self.add(
                "MF10",
                format!("{at}.lists"),
                format!("`{}` gives seats to lists, and the contest has none: declare its lists", rule.name()),
            );
        }
        if !rule.is_list_rule() && !c.lists.is_empty() {
            self.add(
                "MF10",
                format!("{at}.lists"),
                format!(
                    "{} lists, but `{}` does not count by lists: remove them, or name a list rule (dhondt, \
                     sainte_lague, largest_remainder_hare)",
                    c.lists.len(),
                    rule.name()
                ),
            );
        }
        if c.lists.len() > MAX_OPTIONS {
            self.add(
                "MF10",
                format!("{at}.lists"),
                format!("{} lists: a contest has at most {MAX_OPTIONS}", c.lists.len()),
            );
        }
        for (k, l) in c.lists.iter().enumerate() {
            let lat = format!("{at}.lists[{k}]");
            self.id(&format!("{lat}.id"), &l.id);
            if let Some(first) = c.lists[..k].iter().position(|o| o.id == l.id) {
                self.add(
                    "MF10",
                    format!("{lat}.id"),
                    format!("`{}` is also the id of list {first} of this contest: give each list its own id", l.id),
                );
            }
            self.localized(&format!("{lat}.title"), &l.title, Some(languages));
        }
        let ids = || c.lists.iter().map(|l| format!("`{}`", l.id)).collect::<Vec<_>>().join(", ");
        for (j, o) in c.options.iter().enumerate() {
            let oat = format!("{at}.options[{j}].list");
            match &o.list {
                // An independent candidate stands on no list (`riigikogu`, RK1).
                None if !c.lists.is_empty() && rule != Rule::Riigikogu => {
                    self.add("MF10", oat, format!("option `{}` is on no list: name its list, one of {}", o.id, ids()))
                }
                Some(l) if c.lists.is_empty() => self.add(
                    "MF10",
                    oat,
                    format!("option `{}` names list `{l}`, but the contest declares no lists", o.id),
                ),
                Some(l) if !c.lists.iter().any(|x| &x.id == l) => self.add(
                    "MF10",
                    oat,
                    format!("option `{}` names list `{l}`, which the contest does not declare: one of {}", o.id, ids()),
                ),
                _ => {}
            }
        }
        // MF11: the threshold.
        if let Some(t) = c.threshold {
            if !rule.is_list_rule() {
                self.add(
                    "MF11",
                    format!("{at}.threshold"),
                    format!("a threshold, but `{}` does not count by lists: remove it", rule.name()),
                );
            } else if t.hundredths == 0 || t.hundredths >= 10_000 {
                self.add(
                    "MF11",
                    format!("{at}.threshold"),
                    format!("{t} percent: a threshold is more than 0 and less than 100 percent (or leave it out)"),
                );
            }
        }
    }

    fn add(&mut self, rule: &'static str, at: impl Into<String>, what: impl Into<String>) {
        self.0.push(ManifestProblem { rule, at: at.into(), what: what.into() });
    }

    /// MF1: 1–64 characters of `[A-Za-z0-9._-]`.
    fn id(&mut self, at: &str, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !ok {
            let shown: String = id.chars().take(64).collect();
            self.add(
                "MF1",
                at,
                format!("`{shown}` is not an id: write 1 to 64 characters of A-Z, a-z, 0-9, `.`, `_` and `-`"),
            );
        }
    }

    /// MF2: 1–32 languages, tags of 1–16 bytes, texts of at most `MAX_TEXT_BYTES`; MF3: with `languages`, exactly
    /// the languages of the election title.
    fn localized(&mut self, at: &str, texts: &Localized, languages: Option<&Localized>) {
        if texts.is_empty() || texts.len() > MAX_LANGUAGES {
            self.add(
                "MF2",
                at,
                format!("{} languages: give the text in 1 to {MAX_LANGUAGES}, e.g. {{\"en\": \"…\"}}", texts.len()),
            );
        }
        for (lang, text) in texts {
            if lang.is_empty() || lang.len() > 16 {
                let shown: String = lang.chars().take(16).collect();
                self.add("MF2", at, format!("language tag `{shown}…`: a tag is 1 to 16 bytes, e.g. `en` or `et`"));
            }
            if text.len() > MAX_TEXT_BYTES {
                self.add(
                    "MF2",
                    format!("{at}.{lang}"),
                    format!("{} bytes of text: at most {MAX_TEXT_BYTES}", text.len()),
                );
            }
        }
        let Some(languages) = languages else { return };
        let all = || languages.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
        for lang in languages.keys().filter(|l| !texts.contains_key(*l)) {
            self.add(
                "MF3",
                at,
                format!("no {lang:?} text: add one (the election's title is in {}, and so is every title)", all()),
            );
        }
        for lang in texts.keys().filter(|l| !languages.contains_key(*l)) {
            self.add(
                "MF3",
                at,
                format!(
                    "a {lang:?} text, but the election's title is in {} only: add {lang:?} to the title, or remove \
                     it here",
                    all()
                ),
            );
        }
    }
}

// ---- canonical encoding, SPEC.md §4.2 ----

fn put_localized(w: &mut Writer, l: &Localized) {
    w.u32(l.len() as u32);
    for (k, v) in l {
        w.str(k).str(v);
    }
}

fn get_localized(r: &mut Reader<'_>) -> Result<Localized, DecodeError> {
    let n = r.u32("localized")? as usize;
    if n > MAX_LANGUAGES {
        return Err(DecodeError::TooLong { what: "localized", len: n, max: MAX_LANGUAGES });
    }
    let mut out = Localized::new();
    let mut last: Option<String> = None;
    for _ in 0..n {
        let k = r.string("localized.lang", 16)?;
        let v = r.string("localized.text", MAX_TEXT_BYTES)?;
        // Canonical: strictly increasing keys.
        if last.as_ref().is_some_and(|l| *l >= k) {
            return Err(DecodeError::UnknownTag { what: "localized (keys out of order)", tag: 0 });
        }
        last = Some(k.clone());
        out.insert(k, v);
    }
    Ok(out)
}

impl Encode for Manifest {
    fn encode(&self, w: &mut Writer) {
        let v4 = self.has_districts();
        let v3 = v4 || self.contests.iter().any(Contest::uses_v3);
        let version = if v4 {
            MANIFEST_VERSION_V4
        } else if v3 {
            MANIFEST_VERSION_V3
        } else {
            MANIFEST_VERSION
        };
        w.str(version).str(&self.election_id);
        put_localized(w, &self.title);
        if v4 {
            w.u32(self.districts.len() as u32);
            for d in &self.districts {
                w.str(&d.id);
                put_localized(w, &d.title);
            }
        }
        w.u32(self.contests.len() as u32);
        for c in &self.contests {
            w.str(&c.id);
            put_localized(w, &c.title);
            match c.kind {
                ContestKind::SingleChoice => w.u8(0),
                ContestKind::Approval { min, max } => w.u8(1).u16(min).u16(max),
                ContestKind::Ranked { max_ranks } => w.u8(2).u16(max_ranks),
                ContestKind::Graded => w.u8(3),
            };
            w.u32(c.options.len() as u32);
            for o in &c.options {
                w.str(&o.id);
                put_localized(w, &o.title);
                if v3 {
                    match &o.list {
                        None => w.u8(0),
                        Some(list) => w.u8(1).str(list),
                    };
                }
            }
            match c.write_in {
                None => w.u8(0),
                Some(rule) => w.u8(1).u8(rule.max_bytes),
            };
            w.u16(c.seats);
            if v3 {
                w.u8(c.rule.map_or(0, Rule::code));
                match c.threshold {
                    None => w.u8(0),
                    Some(t) => w.u8(1).u16(t.hundredths),
                };
                w.u32(c.lists.len() as u32);
                for l in &c.lists {
                    w.str(&l.id);
                    put_localized(w, &l.title);
                }
                w.u32(c.grades.len() as u32);
                for g in &c.grades {
                    put_localized(w, g);
                }
            }
            if v4 {
                // Indices of the contest's districts; an id that names none (an invalid manifest) as 0xFFFF.
                w.u32(c.districts.len() as u32);
                for id in &c.districts {
                    w.u16(self.district_index(id).unwrap_or(u16::MAX));
                }
            }
        }
        if v4 {
            // §4.2: the national allocation, candidates as (contest, option) indices; one that names none (an
            // invalid manifest) as 0xFFFFFFFF.
            match &self.national {
                None => {
                    w.u8(0);
                }
                Some(n) => {
                    w.u8(1).u32(n.parties.len() as u32);
                    for p in &n.parties {
                        w.str(&p.id).u32(p.candidates.len() as u32);
                        for c in &p.candidates {
                            let (contest, option) =
                                self.national_candidate(c).unwrap_or((u32::MAX as usize, u32::MAX as usize));
                            w.u32(contest as u32).u32(option as u32);
                        }
                    }
                }
            }
        }
        w.u64(self.voting_period.opens_at).u64(self.voting_period.closes_at);
        w.u32(self.verification.window_seconds).u32(self.verification.max_fetches);
        w.u16(self.trustees.count).u16(self.trustees.threshold);
        self.roles.encode(w);
    }
}

impl Decode for Manifest {
    const WHAT: &'static str = "manifest";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (v3, v4) = match r.bytes("manifest.version", 64)? {
            v if v == MANIFEST_VERSION.as_bytes() => (false, false),
            v if v == MANIFEST_VERSION_V3.as_bytes() => (true, false),
            v if v == MANIFEST_VERSION_V4.as_bytes() => (true, true),
            _ => return Err(DecodeError::UnknownTag { what: "manifest.version", tag: 0 }),
        };
        let election_id = r.string("manifest.election_id", 64)?;
        let title = get_localized(r)?;
        let mut districts = Vec::new();
        if v4 {
            let n = r.u32("manifest.districts")? as usize;
            if n > MAX_DISTRICTS {
                return Err(DecodeError::TooLong { what: "manifest.districts", len: n, max: MAX_DISTRICTS });
            }
            // Canonical: `rv/manifest/v4` only for a manifest with districts (§4.2).
            if n == 0 {
                return Err(DecodeError::UnknownTag { what: "manifest.version (v4 without districts)", tag: 4 });
            }
            for _ in 0..n {
                let id = r.string("district.id", 64)?;
                districts.push(District { id, title: get_localized(r)? });
            }
        }
        let n = r.u32("manifest.contests")? as usize;
        if n > MAX_CONTESTS {
            return Err(DecodeError::TooLong { what: "manifest.contests", len: n, max: MAX_CONTESTS });
        }
        let mut contests = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.string("contest.id", 64)?;
            let title = get_localized(r)?;
            let kind = match r.u8("contest.kind")? {
                0 => ContestKind::SingleChoice,
                1 => ContestKind::Approval { min: r.u16("contest.min")?, max: r.u16("contest.max")? },
                2 => ContestKind::Ranked { max_ranks: r.u16("contest.max_ranks")? },
                3 if v3 => ContestKind::Graded,
                tag => return Err(DecodeError::UnknownTag { what: "contest.kind", tag }),
            };
            let k = r.u32("contest.options")? as usize;
            if k > MAX_OPTIONS {
                return Err(DecodeError::TooLong { what: "contest.options", len: k, max: MAX_OPTIONS });
            }
            let mut options = Vec::with_capacity(k.min(r.remaining()));
            for _ in 0..k {
                let id = r.string("option.id", 64)?;
                let title = get_localized(r)?;
                let list = if v3 {
                    match r.u8("option.list")? {
                        0 => None,
                        1 => Some(r.string("option.list", 64)?),
                        tag => return Err(DecodeError::UnknownTag { what: "option.list", tag }),
                    }
                } else {
                    None
                };
                options.push(ContestOption { id, title, list });
            }
            let write_in = match r.u8("contest.write_in")? {
                0 => None,
                1 => Some(WriteInRule { max_bytes: r.u8("contest.write_in.max_bytes")? }),
                tag => return Err(DecodeError::UnknownTag { what: "contest.write_in", tag }),
            };
            let seats = r.u16("contest.seats")?;
            let mut contest = Contest {
                id,
                title,
                kind,
                options,
                write_in,
                seats,
                rule: None,
                threshold: None,
                lists: Vec::new(),
                grades: Vec::new(),
                districts: Vec::new(),
            };
            if v3 {
                contest.rule = match r.u8("contest.rule")? {
                    0 => None,
                    code => Some(
                        *RULES
                            .get(usize::from(code) - 1)
                            .ok_or(DecodeError::UnknownTag { what: "contest.rule", tag: code })?,
                    ),
                };
                contest.threshold = match r.u8("contest.threshold")? {
                    0 => None,
                    1 => Some(Threshold { hundredths: r.u16("contest.threshold")? }),
                    tag => return Err(DecodeError::UnknownTag { what: "contest.threshold", tag }),
                };
                let k = r.u32("contest.lists")? as usize;
                if k > MAX_OPTIONS {
                    return Err(DecodeError::TooLong { what: "contest.lists", len: k, max: MAX_OPTIONS });
                }
                for _ in 0..k {
                    let id = r.string("list.id", 64)?;
                    contest.lists.push(PartyList { id, title: get_localized(r)? });
                }
                let g = r.u32("contest.grades")? as usize;
                if g > MAX_GRADES {
                    return Err(DecodeError::TooLong { what: "contest.grades", len: g, max: MAX_GRADES });
                }
                for _ in 0..g {
                    contest.grades.push(get_localized(r)?);
                }
            }
            if v4 {
                let k = r.u32("contest.districts")? as usize;
                if k > districts.len() {
                    return Err(DecodeError::TooLong { what: "contest.districts", len: k, max: districts.len() });
                }
                let mut last: Option<u16> = None;
                for _ in 0..k {
                    let d = r.u16("contest.district")?;
                    // Canonical: indices of existing districts, strictly ascending.
                    if usize::from(d) >= districts.len() || last.is_some_and(|l| d <= l) {
                        return Err(DecodeError::UnknownTag { what: "contest.district", tag: d.min(255) as u8 });
                    }
                    last = Some(d);
                    contest.districts.push(districts[usize::from(d)].id.clone());
                }
            }
            contests.push(contest);
        }
        let mut national = None;
        if v4 && r.u8("manifest.national")? == 1 {
            let n = r.u32("national.parties")? as usize;
            if n > MAX_OPTIONS {
                return Err(DecodeError::TooLong { what: "national.parties", len: n, max: MAX_OPTIONS });
            }
            let mut parties = Vec::with_capacity(n);
            for _ in 0..n {
                let id = r.string("party.id", 64)?;
                let k = r.u32("party.candidates")? as usize;
                if k > MAX_CONTESTS * MAX_OPTIONS {
                    return Err(DecodeError::TooLong {
                        what: "party.candidates",
                        len: k,
                        max: MAX_CONTESTS * MAX_OPTIONS,
                    });
                }
                let mut candidates = Vec::with_capacity(k.min(r.remaining()));
                for _ in 0..k {
                    let (c, o) =
                        (r.u32("party.candidate.contest")? as usize, r.u32("party.candidate.option")? as usize);
                    let contest: &Contest =
                        contests.get(c).ok_or(DecodeError::UnknownTag { what: "party.candidate.contest", tag: 0 })?;
                    let option = contest
                        .options
                        .get(o)
                        .ok_or(DecodeError::UnknownTag { what: "party.candidate.option", tag: 0 })?;
                    candidates.push(format!("{}/{}", contest.id, option.id));
                }
                parties.push(NationalParty { id, candidates });
            }
            national = Some(National { parties });
        }
        // Canonical: `rv/manifest/v3` only for a manifest that uses one of its fields (§4.2).
        if v3 && !v4 && !contests.iter().any(Contest::uses_v3) {
            return Err(DecodeError::UnknownTag { what: "manifest.version (v3 without a v3 field)", tag: 3 });
        }
        Ok(Manifest {
            election_id,
            title,
            districts,
            contests,
            national,
            voting_period: Period { opens_at: r.u64("period.opens_at")?, closes_at: r.u64("period.closes_at")? },
            verification: VerificationPolicy {
                window_seconds: r.u32("verification.window_seconds")?,
                max_fetches: r.u32("verification.max_fetches")?,
            },
            trustees: TrusteePolicy { count: r.u16("trustees.count")?, threshold: r.u16("trustees.threshold")? },
            roles: Roles::decode(r)?,
        })
    }
}

/// A small example election with one contest of each kind (used by tests, benches and the demo).
pub fn example_manifest() -> Manifest {
    let l = |en: &str, et: &str, fr: &str| -> Localized {
        [("en", en), ("et", et), ("fr", fr)].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    // People's names are the same in every language; things are translated.
    let opt = |id: &str, name: &str| ContestOption { id: id.into(), title: l(name, name, name), list: None };
    let thing =
        |id: &str, en: &str, et: &str, fr: &str| ContestOption { id: id.into(), title: l(en, et, fr), list: None };
    Manifest {
        election_id: "example-2027".into(),
        title: l("Example election 2027", "Näidisvalimised 2027", "Élection exemple 2027"),
        contests: vec![
            Contest {
                id: "mayor".into(),
                title: l("Mayor", "Linnapea", "Maire"),
                kind: ContestKind::SingleChoice,
                options: vec![opt("alice", "Alice Tamm"), opt("bob", "Bob Kask"), opt("carol", "Carol Saar")],
                write_in: None,
                seats: 1,
                rule: None,
                threshold: None,
                lists: Vec::new(),
                grades: Vec::new(),
                districts: Vec::new(),
            },
            Contest {
                id: "budget".into(),
                title: l("Budget projects", "Eelarveprojektid", "Projets budgétaires"),
                kind: ContestKind::Approval { min: 0, max: 3 },
                options: vec![
                    thing("park", "Park", "Park", "Parc"),
                    thing("library", "Library", "Raamatukogu", "Bibliothèque"),
                    thing("bikes", "Bike lanes", "Rattateed", "Pistes cyclables"),
                    thing("pool", "Pool", "Ujula", "Piscine"),
                ],
                write_in: None,
                seats: 2,
                rule: None,
                threshold: None,
                lists: Vec::new(),
                grades: Vec::new(),
                districts: Vec::new(),
            },
            Contest {
                id: "council".into(),
                title: l("Council", "Volikogu", "Conseil"),
                kind: ContestKind::Ranked { max_ranks: 4 },
                options: vec![opt("dan", "Dan"), opt("eve", "Eve"), opt("fay", "Fay"), opt("gus", "Gus")],
                write_in: Some(WriteInRule { max_bytes: 19 }),
                seats: 2,
                rule: None,
                threshold: None,
                lists: Vec::new(),
                grades: Vec::new(),
                districts: Vec::new(),
            },
        ],
        voting_period: Period { opens_at: 1_790_000_000, closes_at: 1_790_604_800 },
        verification: VerificationPolicy { window_seconds: 1800, max_fetches: 3 },
        trustees: TrusteePolicy { count: 3, threshold: 2 },
        roles: example_roles(3),
        districts: Vec::new(),
        national: None,
    }
}

/// An example election with districts (SPEC.md §4.1): three districts, each electing 3 members of a council
/// from party lists (d'Hondt, one list contest per district, candidates in three lists), and a referendum
/// question for every voter. Used by tests, the benches and the demo.
pub fn example_manifest_districts() -> Manifest {
    let l = |en: &str, et: &str, fr: &str| -> Localized {
        [("en", en), ("et", et), ("fr", fr)].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    let same = |name: &str| l(name, name, name);
    let district = |id: &str, en: &str, et: &str, fr: &str| District { id: id.into(), title: l(en, et, fr) };
    let lists = || {
        vec![
            PartyList { id: "green".into(), title: l("Green List", "Roheline nimekiri", "Liste verte") },
            PartyList { id: "blue".into(), title: l("Blue List", "Sinine nimekiri", "Liste bleue") },
            PartyList { id: "red".into(), title: l("Red List", "Punane nimekiri", "Liste rouge") },
        ]
    };
    let council = |d: &str, en: &str, et: &str, fr: &str, names: [&str; 6]| {
        let options = names
            .iter()
            .enumerate()
            .map(|(i, name)| ContestOption {
                id: format!("{d}-{}", i + 1),
                title: same(name),
                list: Some(["green", "blue", "red"][i / 2].into()),
            })
            .collect();
        Contest {
            id: format!("council-{d}"),
            title: l(en, et, fr),
            kind: ContestKind::SingleChoice,
            options,
            write_in: None,
            seats: 3,
            rule: Some(Rule::Dhondt),
            threshold: None,
            lists: lists(),
            grades: Vec::new(),
            districts: vec![d.into()],
        }
    };
    Manifest {
        election_id: "districts-2027".into(),
        title: l("Council elections 2027", "Volikogu valimised 2027", "Élections du conseil 2027"),
        districts: vec![
            district("north", "North", "Põhja", "Nord"),
            district("centre", "Centre", "Kesklinn", "Centre"),
            district("south", "South", "Lõuna", "Sud"),
        ],
        contests: vec![
            council(
                "north",
                "Council, North district",
                "Volikogu, Põhja ringkond",
                "Conseil, circonscription Nord",
                ["Mari Mets", "Jaan Org", "Liis Kivi", "Peeter Puu", "Kati Kask", "Toomas Tamm"],
            ),
            council(
                "centre",
                "Council, Centre district",
                "Volikogu, Kesklinna ringkond",
                "Conseil, circonscription Centre",
                ["Anna Rand", "Mart Saar", "Eva Lepp", "Juhan Kuusk", "Helen Vaher", "Rein Paju"],
            ),
            council(
                "south",
                "Council, South district",
                "Volikogu, Lõuna ringkond",
                "Conseil, circonscription Sud",
                ["Tiina Oja", "Andres Mägi", "Kadri Laan", "Priit Pärn", "Siiri Sepp", "Urmas Uus"],
            ),
            Contest {
                id: "referendum".into(),
                title: l(
                    "Should the town build a tram line?",
                    "Kas linn peaks ehitama trammitee?",
                    "La ville doit-elle construire une ligne de tramway ?",
                ),
                kind: ContestKind::SingleChoice,
                options: vec![
                    ContestOption { id: "yes".into(), title: l("Yes", "Jah", "Oui"), list: None },
                    ContestOption { id: "no".into(), title: l("No", "Ei", "Non"), list: None },
                ],
                write_in: None,
                seats: 1,
                rule: None,
                threshold: None,
                lists: Vec::new(),
                grades: Vec::new(),
                districts: Vec::new(),
            },
        ],
        national: None,
        ..example_manifest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC.md §4.1–§4.3, §4.6: the districts' manifest is valid, encodes as `rv/manifest/v4`, round-trips through
    /// both forms, and gives each district its contests and each contest its units.
    #[test]
    fn districts_example_round_trips_and_has_its_units() {
        let m = example_manifest_districts();
        m.validate().unwrap();
        let bytes = m.to_bytes();
        assert!(bytes.windows(14).any(|w| w == MANIFEST_VERSION_V4.as_bytes()));
        assert_eq!(Manifest::from_bytes(&bytes).unwrap(), m);
        assert_eq!(Manifest::from_json(&m.to_json_pretty()).unwrap(), m);
        assert_eq!(m.ballot_contests(Some(0)), vec![0, 3]);
        assert_eq!(m.ballot_contests(Some(2)), vec![2, 3]);
        let units: Vec<String> = m.units().iter().map(ToString::to_string).collect();
        assert_eq!(
            units,
            [
                "contest-0/district-0",
                "contest-1/district-1",
                "contest-2/district-2",
                "contest-3/district-0",
                "contest-3/district-1",
                "contest-3/district-2"
            ]
        );
        // Without districts, one unit per contest, named as before.
        let plain = example_manifest();
        assert_eq!(plain.units().len(), plain.contests.len());
        assert_eq!(plain.units()[1].to_string(), "contest-1");
        assert_eq!(plain.ballot_contests(None), vec![0, 1, 2]);
    }

    /// MF13: every problem of the districts is named where it is.
    #[test]
    fn district_problems_are_named() {
        let problems = |m: &Manifest| m.problems().into_iter().map(|p| (p.rule, p.at)).collect::<Vec<_>>();
        let mut m = example_manifest_districts();
        m.contests[0].districts = vec!["east".into()];
        assert_eq!(problems(&m), [("MF13", "contests[0].districts".to_string())]);
        let mut m = example_manifest_districts();
        m.districts[1].id = "north".into();
        assert!(problems(&m).iter().any(|p| p == &("MF13", "districts[1].id".to_string())));
        let mut m = example_manifest_districts();
        m.contests[3].districts = vec!["south".into(), "north".into()];
        assert!(problems(&m).iter().any(|p| p == &("MF13", "contests[3].districts".to_string())));
        // A district with no contest: the north's council moved to the south, and the referendum only there too.
        let mut m = example_manifest_districts();
        m.contests[0].districts = vec!["south".into()];
        m.contests[3].districts = vec!["centre".into(), "south".into()];
        assert!(problems(&m).iter().any(|p| p == &("MF13", "districts[0]".to_string())));
        // Contest districts without manifest districts.
        let mut m = example_manifest();
        m.contests[0].districts = vec!["north".into()];
        assert!(problems(&m).iter().any(|p| p == &("MF13", "contests[0].districts".to_string())));
        // A district's title in another set of languages.
        let mut m = example_manifest_districts();
        m.districts[2].title.remove("fr");
        assert!(problems(&m).iter().any(|p| p.0 == "MF3" && p.1 == "districts[2].title"));
    }

    /// A manifest with a national allocation (§12.13): the districts example's three councils counted by
    /// `riigikogu`, each party's national list its candidates district by district.
    fn national_manifest() -> Manifest {
        let mut m = example_manifest_districts();
        m.contests.truncate(3);
        for c in &mut m.contests {
            c.rule = Some(Rule::Riigikogu);
        }
        let parties = ["green", "blue", "red"]
            .iter()
            .map(|p| NationalParty {
                id: p.to_string(),
                candidates: m
                    .contests
                    .iter()
                    .flat_map(|c| {
                        c.options
                            .iter()
                            .filter(|o| o.list.as_deref() == Some(*p))
                            .map(move |o| format!("{}/{}", c.id, o.id))
                    })
                    .collect(),
            })
            .collect();
        m.national = Some(National { parties });
        m
    }

    /// MF14: the national allocation's problems, each where it is; a valid one round-trips through both forms.
    #[test]
    fn national_problems_are_named() {
        let problems = |m: &Manifest| m.problems().into_iter().map(|p| (p.rule, p.at)).collect::<Vec<_>>();
        let m = national_manifest();
        assert_eq!(problems(&m), vec![]);
        assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m);
        assert_eq!(Manifest::from_json(&m.to_json_pretty()).unwrap(), m);
        // A `riigikogu` contest without `national`.
        let mut bad = m.clone();
        bad.national = None;
        assert_eq!(problems(&bad)[0], ("MF14", "contests[0].rule".to_string()));
        // A candidate left off its party's national list; another listed twice; one on another party's list.
        let mut bad = m.clone();
        let green = &mut bad.national.as_mut().unwrap().parties[0].candidates;
        let dropped = green.pop().unwrap();
        green.push(green[0].clone());
        bad.national.as_mut().unwrap().parties[1].candidates.push(dropped.clone());
        let found = problems(&bad);
        assert!(found.contains(&("MF14", "national.parties[0].candidates[5]".to_string())), "{found:?}");
        assert!(found.contains(&("MF14", "national.parties[0].candidates".to_string())), "{found:?}");
        assert!(found.contains(&("MF14", "national.parties[1].candidates[6]".to_string())), "{found:?}");
        // A list that is no party; a name that is no candidate.
        let mut bad = m.clone();
        bad.national.as_mut().unwrap().parties.pop();
        bad.national.as_mut().unwrap().parties[0].candidates[0] = "council-north/nobody".into();
        let found = problems(&bad);
        assert!(found.contains(&("MF14", "contests[0].lists".to_string())), "{found:?}");
        assert!(found.contains(&("MF14", "national.parties[0].candidates[0]".to_string())), "{found:?}");
        // Two `riigikogu` contests in one district.
        let mut bad = m.clone();
        bad.contests[1].districts = vec!["north".into()];
        bad.contests[0].districts = vec!["north".into(), "centre".into()];
        let found = problems(&bad);
        assert!(found.contains(&("MF14", "contests[0].districts".to_string())), "{found:?}");
        // An independent (an option on no list) is allowed in a `riigikogu` contest.
        let mut ok = m.clone();
        let mut independent = ok.contests[2].options[0].clone();
        independent.id = "south-7".into();
        independent.list = None;
        ok.contests[2].options.push(independent);
        assert_eq!(problems(&ok), vec![]);
    }

    /// §4.2: `rv/manifest/v4` is canonical: no districts, an index out of range or out of order are refused.
    #[test]
    fn v4_decoder_refuses_non_canonical_bytes() {
        let m = example_manifest_districts();
        let mut bad = m.clone();
        bad.contests[3].districts = vec!["south".into(), "north".into()];
        assert!(Manifest::from_bytes(&bad.to_bytes()).is_err());
        let mut bad = m.clone();
        bad.contests[0].districts = vec!["east".into()];
        assert!(Manifest::from_bytes(&bad.to_bytes()).is_err());
    }

    /// SPEC.md §1.2 and §4.1: a manifest with content its encoder never writes is refused by the one decoder.
    #[test]
    fn json_refuses_unknown_fields_missing_write_in_and_duplicate_keys() {
        let m = example_manifest();
        let honest = serde_json::to_value(&m).unwrap();
        assert_eq!(serde_json::from_value::<Manifest>(honest.clone()).unwrap(), m);
        for (i, c) in m.contests.iter().enumerate() {
            let mut v = honest.clone();
            v["contests"][i]["kind"]["elected_names"] = serde_json::json!(["Mallory"]);
            let e = serde_json::from_value::<Manifest>(v).unwrap_err().to_string();
            assert!(e.contains("elected_names"), "{:?}: {e}", c.kind);
            let mut v = honest.clone();
            v["contests"][i]["kind"]["type"] = serde_json::json!("borda");
            assert!(serde_json::from_value::<Manifest>(v).is_err());
            let mut v = honest.clone();
            v["contests"][i].as_object_mut().unwrap().remove("write_in");
            let e = serde_json::from_value::<Manifest>(v).unwrap_err().to_string();
            assert!(e.contains("write_in"), "{e}");
        }
        let text = serde_json::to_string(&m).unwrap();
        let honest_title = format!("\"title\":{{\"en\":{}", serde_json::json!(m.contests[0].title["en"]));
        assert!(text.contains(&honest_title), "{text}");
        let doubled = text.replacen(&honest_title, "\"title\":{\"en\":\"Mallory\",\"en\":\"x\"", 1);
        let e = serde_json::from_str::<Manifest>(&doubled).unwrap_err().to_string();
        assert!(e.contains("duplicate key \"en\""), "{e}");
    }

    #[test]
    fn example_is_valid_and_round_trips() {
        let m = example_manifest();
        m.validate().unwrap();
        assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m);
        assert_eq!(Manifest::from_json(&m.to_json_pretty()).unwrap(), m);
        // Every contest of the example fits in one chunk.
        assert!(m.contests.iter().all(|c| c.chunks() == 1));
    }

    #[test]
    fn invalid_manifests_are_rejected() {
        let mut m = example_manifest();
        m.contests[1].id = "mayor".into();
        assert!(m.validate().is_err());
        let mut m = example_manifest();
        m.trustees.threshold = 4;
        assert!(m.validate().is_err());
        let mut m = example_manifest();
        m.contests[1].kind = ContestKind::Approval { min: 3, max: 2 };
        assert!(m.validate().is_err());
        let mut m = example_manifest();
        m.voting_period.closes_at = m.voting_period.opens_at;
        assert!(m.validate().is_err());
        assert!(Manifest::from_json("{\"election_id\": 3}").is_err());
        let mut bytes = example_manifest().to_bytes();
        bytes.pop();
        assert!(Manifest::from_bytes(&bytes).is_err());
    }

    /// SPEC.md §4.1: dates and times are RFC 3339 with an offset; written in UTC with `Z`; the seconds are the same.
    #[test]
    fn iso_dates_read_and_write() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_time(1_790_000_000), "2026-09-21T14:13:20Z");
        assert_eq!(format_time(MAX_TIME), "9999-12-31T23:59:59Z");
        assert_eq!(format_time(MAX_TIME + 1), "253402300800 s after 1970-01-01T00:00:00Z");
        let utc = parse_time("2027-03-01T07:00:00Z").unwrap();
        assert_eq!(utc, 1_803_884_400);
        for local in
            ["2027-03-01T09:00:00+02:00", "2027-03-01t07:00:00z", "2027-03-01 07:00:00Z", "2027-02-28T23:30:00-07:30"]
        {
            assert_eq!(parse_time(local).unwrap(), utc, "{local}");
        }
        assert_eq!(parse_time("1970-01-01T02:00:00+02:00").unwrap(), 0);
        assert_eq!(parse_time("9999-12-31T23:59:59Z").unwrap(), MAX_TIME);
        // Every written time reads back as itself: days around leap years, centuries and the ends of the range.
        let mut s = 0u64;
        while s <= MAX_TIME {
            assert_eq!(parse_time(&format_time(s)).unwrap(), s);
            s += 86_399 * 997;
        }
        for s in [1, 59, 3599, 86_399, 86_400, 951_868_799, 951_868_800, 4_107_542_400, MAX_TIME - 1] {
            assert_eq!(parse_time(&format_time(s)).unwrap(), s);
        }
    }

    /// SPEC.md §4.1: the JSON form writes dates, reads dates and the integer seconds of older manifests; the
    /// canonical bytes (§4.2) are those of the seconds.
    #[test]
    fn json_period_is_iso_and_old_seconds_still_read() {
        let m = example_manifest();
        let json = m.to_json_pretty();
        assert!(json.contains("\"opens_at\": \"2026-09-21T14:13:20Z\""), "{json}");
        assert!(json.contains("\"closes_at\": \"2026-09-28T14:13:20Z\""), "{json}");
        assert_eq!(Manifest::from_json(&json).unwrap(), m);
        let mut v = serde_json::to_value(&m).unwrap();
        v["voting_period"] = serde_json::json!({"opens_at": 1_790_000_000u64, "closes_at": 1_790_604_800u64});
        let old = Manifest::from_json(&v.to_string()).unwrap();
        assert_eq!(old, m);
        assert_eq!(old.to_bytes(), m.to_bytes());
        v["voting_period"] =
            serde_json::json!({"opens_at": "2026-09-21T16:13:20+02:00", "closes_at": 1_790_604_800u64});
        assert_eq!(Manifest::from_json(&v.to_string()).unwrap(), m);
    }

    #[test]
    fn bad_dates_are_refused_with_what_to_do() {
        let e = parse_time("2027-03-01T09:00:00").unwrap_err();
        assert_eq!(e, TimeError::NoOffset("2027-03-01T09:00:00".into()));
        let text = e.to_string();
        assert!(text.contains("add `Z`") && text.contains("2027-03-01T09:00:00+02:00"), "{text}");
        for (bad, why) in [
            ("2027-02-29T09:00:00Z", "month 02 of 2027 has days 01 to 28"),
            ("2027-13-01T09:00:00Z", "there is no month 13"),
            ("2027-04-31T09:00:00Z", "has days 01 to 30"),
            ("2027-03-01T24:00:00Z", "not a time of 00:00:00 to 23:59:59"),
            ("2027-03-01T23:59:60Z", "no leap seconds"),
            ("2027-03-01T09:00:00+24:00", "the offset 24:00"),
            ("1969-12-31T23:59:59Z", "before 1970"),
            ("1970-01-01T00:59:59+01:00", "before 1970"),
            ("9999-12-31T23:59:59-00:01", "after 9999-12-31T23:59:59Z"),
            ("2027-03-01T09:00:00.5Z", "whole seconds"),
        ] {
            let e = parse_time(bad).unwrap_err();
            assert!(matches!(e, TimeError::OutOfRange { .. }) && e.to_string().contains(why), "{bad}: {e}");
        }
        for bad in [
            "",
            "2027-03-01",
            "2027-3-01T09:00:00Z",
            "2027-03-01T09:00Z",
            "2027-03-01T09:00:00+0200",
            "2027-03-01T09:00:00 UTC",
            "１９７０-01-01T00:00:00Z",
            "+2027-03-01T09:00:00Z",
        ] {
            assert_eq!(parse_time(bad).unwrap_err(), TimeError::Malformed(bad.into()), "{bad}");
        }
        // In a manifest: the error says where (line and column) and what to do.
        let mut v = serde_json::to_value(example_manifest()).unwrap();
        v["voting_period"]["opens_at"] = serde_json::json!("2026-09-21T14:13:20");
        let e = Manifest::from_json(&serde_json::to_string_pretty(&v).unwrap()).unwrap_err().to_string();
        assert!(e.contains("has no offset from UTC: add `Z`") && e.contains(" line "), "{e}");
        for bad in [serde_json::json!(-1), serde_json::json!(1.5), serde_json::json!(null)] {
            v["voting_period"]["opens_at"] = bad;
            let e = Manifest::from_json(&v.to_string()).unwrap_err().to_string();
            assert!(e.contains("expected a date and time such as"), "{e}");
        }
        // MF6: closing before opening, and a period that ends after the last time the JSON form can write.
        let mut m = example_manifest();
        m.voting_period.closes_at = m.voting_period.opens_at - 1;
        let p = m.problems();
        assert_eq!((p.len(), p[0].rule, p[0].at.as_str()), (1, "MF6", "voting_period"), "{p:?}");
        assert!(p[0].what.contains("closes (2026-09-21T14:13:19Z) before or when it opens (2026-09-21T14:13:20Z)"));
        m.voting_period.closes_at = MAX_TIME + 1;
        let p = m.problems();
        assert_eq!((p.len(), p[0].rule, p[0].at.as_str()), (1, "MF6", "voting_period.closes_at"), "{p:?}");
        assert_eq!(m.validate().unwrap_err(), ManifestError::Problem(p[0].clone()));
    }

    /// SPEC.md §4.3: every problem is reported at once, each with its rule, place and what to do; `validate`
    /// refuses the first.
    #[test]
    fn problems_are_all_reported_with_their_rule_and_place() {
        assert!(example_manifest().problems().is_empty());
        let mut m = example_manifest();
        m.election_id = "example 2027".into(); // MF1
        m.contests[2].id = "mayor".into(); // MF1
        m.contests[1].options[3].id = "park".into(); // MF1
        m.contests[0].title.insert(String::new(), "x".into()); // MF2 and MF3 (a text the title has not)
        m.contests[1].options[3].title.remove("et"); // MF3
        m.contests[0].options.clear(); // MF4, MF5
        m.contests[1].write_in = Some(WriteInRule { max_bytes: 0 }); // MF5
        m.contests[1].seats = 9; // MF5
        m.voting_period.opens_at = m.voting_period.closes_at; // MF6
        m.trustees.threshold = 0; // MF7
        m.roles.officials_key = m.roles.collector_key; // MF8
        let found: Vec<(String, &str)> = m.problems().iter().map(|p| (p.to_string(), p.rule)).collect();
        let expect = [
            ("election_id: `example 2027` is not an id", "MF1"),
            ("contests[0].title: language tag `…`: a tag is 1 to 16 bytes", "MF2"),
            ("contests[0].title: a \"\" text, but the election's title is in en, et, fr only", "MF3"),
            ("contests[0].options: 0 options: a contest has 1 to 1024", "MF4"),
            ("contests[0].kind: single choice among 0 candidates", "MF5"),
            ("contests[0].seats: 1 seats: a contest fills 1 to 0", "MF5"),
            ("contests[1].options[3].id: `park` is also the id of option 0 of this contest", "MF1"),
            ("contests[1].options[3].title: no \"et\" text: add one", "MF3"),
            ("contests[1].write_in.max_bytes: 0: a write-in is 1 to 120 bytes long", "MF5"),
            ("contests[1].seats: 9 seats: a contest fills 1 to 5", "MF5"),
            ("contests[2].id: `mayor` is also the id of contests[0]", "MF1"),
            ("voting_period: voting closes (2026-09-28T14:13:20Z) before or when it opens", "MF6"),
            ("trustees: threshold 0 of count 3", "MF7"),
            ("roles: the officials key is also the collector key", "MF8"),
        ];
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for ((text, rule), (want, want_rule)) in found.iter().zip(expect) {
            assert!(text.starts_with(want) && *rule == want_rule, "{text} ({rule}), expected {want} ({want_rule})");
        }
        let first = m.validate().unwrap_err().to_string();
        assert!(first.starts_with("manifest: election_id: `example 2027` is not an id"), "{first}");
        // MF4: no contest at all.
        let mut m = example_manifest();
        m.contests.clear();
        assert_eq!(m.problems()[0].to_string(), "contests: 0 contests: a manifest has 1 to 64");
    }

    /// SPEC.md §4.3 MF3: a missing translation of a contest's or an option's title is a problem; the canonical
    /// bytes of a manifest that has it still decode (the verifier refuses it by `validate`).
    #[test]
    fn a_missing_translation_is_a_problem() {
        let mut m = example_manifest();
        m.contests[2].options[1].title.remove("fr");
        m.contests[0].title.remove("et");
        let p: Vec<String> = m.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            p,
            [
                "contests[0].title: no \"et\" text: add one (the election's title is in en, et, fr, and so is every \
                 title)",
                "contests[2].options[1].title: no \"fr\" text: add one (the election's title is in en, et, fr, and so \
                 is every title)",
            ]
        );
        assert!(Manifest::from_json(&m.to_json_pretty()).unwrap_err().to_string().contains("no \"et\" text"));
        // One language everywhere is fine.
        let mut m = example_manifest();
        let keep_en = |l: &mut Localized| l.retain(|k, _| k == "en");
        keep_en(&mut m.title);
        for c in &mut m.contests {
            keep_en(&mut c.title);
            c.options.iter_mut().for_each(|o| keep_en(&mut o.title));
        }
        assert_eq!(m.problems(), []);
    }
}

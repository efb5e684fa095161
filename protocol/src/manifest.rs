//! The election manifest and the election fingerprint (SPEC.md §4).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::error::ManifestError;
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

/// The version string that starts the canonical manifest encoding (§4.2).
pub const MANIFEST_VERSION: &str = "rv/manifest/v2";

use crate::limits::{
    CHUNK_BYTES, MAX_CHUNKS, MAX_CONTESTS, MAX_LANGUAGES, MAX_OPTIONS, MAX_TEXT_BYTES, MAX_WRITE_IN_BYTES,
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
    /// The contests, 1–64, in ballot order; a contest's index here is `C` everywhere else.
    pub contests: Vec<Contest>,
    /// When ballots are accepted (check L7).
    pub voting_period: Period,
    /// What the voter's second device may fetch (SPEC.md §8.10, §11.6).
    pub verification: VerificationPolicy,
    /// How many trustees hold the election key and how many must decrypt (SPEC.md §10).
    pub trustees: TrusteePolicy,
    /// Every role's key and the credential registry (§4.5); the number of mix keys is the number of mix stages.
    pub roles: Roles,
}

/// Opening and closing times, seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First second a ballot may be accepted, inclusive.
    pub opens_at: u64,
    /// Last second a ballot may be accepted, inclusive; after `opens_at`.
    pub closes_at: u64,
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
    /// What answers are valid: single choice, approval or ranked.
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
}

/// Write-ins allowed: one free-text candidate per answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteInRule {
    /// Longest write-in, in UTF-8 bytes (1–120).
    pub max_bytes: u8,
}

/// In JSON, `{"type": "single_choice"}`, `{"type": "approval", "min": …, "max": …}` or
/// `{"type": "ranked", "max_ranks": …}`: exactly those fields (SPEC.md §1.2). serde's internally tagged enums
/// ignore unknown fields of a unit variant, so reading goes through the private `KindFields`.
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
            ("single_choice" | "approval" | "ranked", ..) => {
                Err(format!("contest kind `{}`: not exactly the fields of its type", f.kind))
            }
            (other, ..) => Err(format!("unknown contest kind `{other}`")),
        }
    }
}

impl Contest {
    /// The fewest and most selections an answer may have.
    pub fn selection_bounds(&self) -> (usize, usize) {
        match self.kind {
            ContestKind::SingleChoice => (1, 1),
            ContestKind::Approval { min, max } => (min as usize, max as usize),
            ContestKind::Ranked { max_ranks } => (1, max_ranks as usize),
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

    /// SPEC.md §4.3: the rules every manifest obeys.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let bad = |s: String| Err(ManifestError::Invalid(s));
        check_id("election_id", &self.election_id)?;
        check_localized("title", &self.title)?;
        if self.contests.is_empty() || self.contests.len() > MAX_CONTESTS {
            return bad(format!("between 1 and {MAX_CONTESTS} contests are required"));
        }
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.contests {
            check_id("contest id", &c.id)?;
            if !ids.insert(&c.id) {
                return bad(format!("contest id `{}` is used twice", c.id));
            }
            check_localized("contest title", &c.title)?;
            if c.options.is_empty() || c.options.len() > MAX_OPTIONS {
                return bad(format!("contest `{}`: between 1 and {MAX_OPTIONS} options are required", c.id));
            }
            let mut option_ids = std::collections::BTreeSet::new();
            for o in &c.options {
                check_id("option id", &o.id)?;
                if !option_ids.insert(&o.id) {
                    return bad(format!("contest `{}`: option id `{}` is used twice", c.id, o.id));
                }
                check_localized("option title", &o.title)?;
            }
            if let Some(w) = c.write_in {
                if w.max_bytes == 0 || w.max_bytes > MAX_WRITE_IN_BYTES {
                    return bad(format!("contest `{}`: write-in max_bytes must be 1..={MAX_WRITE_IN_BYTES}", c.id));
                }
            }
            let (min, max) = c.selection_bounds();
            if max == 0 || min > max || max > c.candidate_count() {
                return bad(format!(
                    "contest `{}`: selections must satisfy min ≤ max, 1 ≤ max ≤ {} candidates",
                    c.id,
                    c.candidate_count()
                ));
            }
            if c.seats == 0 || c.seats as usize > c.candidate_count() {
                return bad(format!("contest `{}`: seats must be between 1 and the number of candidates", c.id));
            }
            if c.chunks() > MAX_CHUNKS {
                return bad(format!("contest `{}`: answers would need more than {MAX_CHUNKS} chunks", c.id));
            }
        }
        if self.voting_period.opens_at >= self.voting_period.closes_at {
            return bad("voting_period: opens_at must be before closes_at".into());
        }
        let t = self.trustees;
        if t.threshold == 0 || t.threshold > t.count {
            return bad("trustees: 1 ≤ threshold ≤ count is required".into());
        }
        self.roles.validate().map_err(ManifestError::Invalid)?;
        Ok(())
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

fn check_id(what: &str, id: &str) -> Result<(), ManifestError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ManifestError::Invalid(format!("{what} `{id}` must be 1-64 characters of [A-Za-z0-9._-]")))
    }
}

fn check_localized(what: &str, texts: &Localized) -> Result<(), ManifestError> {
    if texts.is_empty() || texts.len() > MAX_LANGUAGES {
        return Err(ManifestError::Invalid(format!("{what}: 1 to {MAX_LANGUAGES} languages are required")));
    }
    for (lang, text) in texts {
        if lang.is_empty() || lang.len() > 16 || text.len() > MAX_TEXT_BYTES {
            return Err(ManifestError::Invalid(format!("{what}: language tag or text too long")));
        }
    }
    Ok(())
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
        w.str(MANIFEST_VERSION).str(&self.election_id);
        put_localized(w, &self.title);
        w.u32(self.contests.len() as u32);
        for c in &self.contests {
            w.str(&c.id);
            put_localized(w, &c.title);
            match c.kind {
                ContestKind::SingleChoice => w.u8(0),
                ContestKind::Approval { min, max } => w.u8(1).u16(min).u16(max),
                ContestKind::Ranked { max_ranks } => w.u8(2).u16(max_ranks),
            };
            w.u32(c.options.len() as u32);
            for o in &c.options {
                w.str(&o.id);
                put_localized(w, &o.title);
            }
            match c.write_in {
                None => w.u8(0),
                Some(rule) => w.u8(1).u8(rule.max_bytes),
            };
            w.u16(c.seats);
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
        if r.bytes("manifest.version", 64)? != MANIFEST_VERSION.as_bytes() {
            return Err(DecodeError::UnknownTag { what: "manifest.version", tag: 0 });
        }
        let election_id = r.string("manifest.election_id", 64)?;
        let title = get_localized(r)?;
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
                tag => return Err(DecodeError::UnknownTag { what: "contest.kind", tag }),
            };
            let k = r.u32("contest.options")? as usize;
            if k > MAX_OPTIONS {
                return Err(DecodeError::TooLong { what: "contest.options", len: k, max: MAX_OPTIONS });
            }
            let mut options = Vec::with_capacity(k.min(r.remaining()));
            for _ in 0..k {
                let id = r.string("option.id", 64)?;
                options.push(ContestOption { id, title: get_localized(r)? });
            }
            let write_in = match r.u8("contest.write_in")? {
                0 => None,
                1 => Some(WriteInRule { max_bytes: r.u8("contest.write_in.max_bytes")? }),
                tag => return Err(DecodeError::UnknownTag { what: "contest.write_in", tag }),
            };
            let seats = r.u16("contest.seats")?;
            contests.push(Contest { id, title, kind, options, write_in, seats });
        }
        Ok(Manifest {
            election_id,
            title,
            contests,
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
    let opt = |id: &str, name: &str| ContestOption { id: id.into(), title: l(name, name, name) };
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
            },
            Contest {
                id: "budget".into(),
                title: l("Budget projects", "Eelarveprojektid", "Projets budgétaires"),
                kind: ContestKind::Approval { min: 0, max: 3 },
                options: vec![
                    opt("park", "Park"),
                    opt("library", "Library"),
                    opt("bikes", "Bike lanes"),
                    opt("pool", "Pool"),
                ],
                write_in: None,
                seats: 2,
            },
            Contest {
                id: "council".into(),
                title: l("Council", "Volikogu", "Conseil"),
                kind: ContestKind::Ranked { max_ranks: 4 },
                options: vec![opt("dan", "Dan"), opt("eve", "Eve"), opt("fay", "Fay"), opt("gus", "Gus")],
                write_in: Some(WriteInRule { max_bytes: 19 }),
                seats: 2,
            },
        ],
        voting_period: Period { opens_at: 1_790_000_000, closes_at: 1_790_604_800 },
        verification: VerificationPolicy { window_seconds: 1800, max_fetches: 3 },
        trustees: TrusteePolicy { count: 3, threshold: 2 },
        roles: example_roles(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! SPEC.md and the code must agree on every string a second implementation has to reproduce byte for byte: the
//! reasons of `{"invalid": reason}` in `answers.json` (§14.3 R5, compared by V12), the `method`, `action`,
//! `decides` and `decided_by` strings of `result.json` (§12.5, compared by V13), and the JSON field names of the
//! result and of the key ceremony's files (§10.1). SPEC.md marks each list with
//! `<!-- spec-strings: NAME -->` … `<!-- /spec-strings -->`; every `` `"text"` `` inside is an entry.
// Fixed inputs only: a failure is a divergence between SPEC.md and the code, so unwrap is the right answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use protocol::count::{
    count_contest, Action, Candidate, ContestResult, GradeProfile, ListResult, ListTie, ListTieBreak, Round, Tie,
    TieBreak, TieFor, METHODS,
};
use protocol::encoding::{embed_chunk, Answer, InvalidAnswer, Selection, INVALID_REASONS};
use protocol::group::{GroupElement, G};
use protocol::limits::CHUNK_BYTES;
use protocol::manifest::{Contest, ContestKind, ContestOption, PartyList, Rule, WriteInRule};
use protocol::tally::{AnswersFile, ResultFile, Turnout, RESULT_FORMAT};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

const SPEC: &str = include_str!("../SPEC.md");

/// The entries of SPEC.md's list `name`.
fn spec_list(name: &str) -> BTreeSet<String> {
    let open = format!("<!-- spec-strings: {name} -->");
    let start = SPEC.find(&open).unwrap_or_else(|| panic!("SPEC.md has no list {name}")) + open.len();
    let end = start + SPEC[start..].find("<!-- /spec-strings -->").unwrap();
    let block = &SPEC[start..end];
    let mut out = BTreeSet::new();
    let mut rest = block;
    while let Some(i) = rest.find("`\"") {
        let tail = &rest[i + 2..];
        let j = tail.find("\"`").unwrap();
        out.insert(tail[..j].to_string());
        rest = &tail[j + 2..];
    }
    assert!(!out.is_empty(), "SPEC.md's list {name} is empty");
    out
}

/// The JSON of the SPEC.md code block that follows `<!-- spec-example: NAME -->`.
fn spec_example(name: &str) -> Value {
    let open = format!("<!-- spec-example: {name} -->");
    let start = SPEC.find(&open).unwrap_or_else(|| panic!("SPEC.md has no example {name}")) + open.len();
    let body = &SPEC[start..];
    let body = &body[body.find("```json\n").unwrap() + 8..];
    serde_json::from_str(&body[..body.find("```").unwrap()]).unwrap()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Does `text` read as `template`, each `{…}` standing for a decimal number?
fn matches_template(template: &str, text: &str) -> bool {
    let mut parts = template.split('{');
    let first = parts.next().unwrap();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    for part in parts {
        let (_, literal) = part.split_once('}').unwrap();
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return false;
        }
        match rest[digits..].strip_prefix(literal) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

fn template_of(reason: &str) -> &'static str {
    INVALID_REASONS
        .iter()
        .find(|t| matches_template(t, reason))
        .unwrap_or_else(|| panic!("the decoder produced {reason:?}, which INVALID_REASONS does not list"))
}

fn options(n: usize) -> Vec<ContestOption> {
    (0..n)
        .map(|i| ContestOption { id: format!("o{i}"), title: [("en".to_string(), format!("O{i}"))].into(), list: None })
        .collect()
}

fn contest(id: &str, kind: ContestKind, n: usize, write_in: Option<u8>, seats: u16) -> Contest {
    Contest {
        id: id.into(),
        title: [("en".to_string(), id.to_string())].into(),
        kind,
        options: options(n),
        write_in: write_in.map(|max_bytes| WriteInRule { max_bytes }),
        seats,
        rule: None,
        threshold: None,
        lists: Vec::new(),
        grades: Vec::new(),
        districts: Vec::new(),
    }
}

fn padded(contest: &Contest, prefix: &[u8]) -> Vec<u8> {
    let mut bytes = prefix.to_vec();
    bytes.resize(contest.chunks() * CHUNK_BYTES, 0);
    bytes
}

/// R5 as the tally runs it: the padded bytes embedded as points, then decoded.
fn decode(contest: &Contest, bytes: &[u8], rng: &mut ChaCha20Rng) -> Result<Answer, InvalidAnswer> {
    let points: Vec<RistrettoPoint> =
        bytes.chunks(CHUNK_BYTES).map(|c| embed_chunk(c.try_into().unwrap(), rng).unwrap()).collect();
    Answer::from_points(contest, &points)
}

#[test]
fn r5_reasons_are_the_specs() {
    assert_eq!(spec_list("invalid"), set(INVALID_REASONS), "SPEC.md §14.3 R5 and encoding::INVALID_REASONS differ");
    let approval = contest("a", ContestKind::Approval { min: 1, max: 2 }, 3, Some(5), 1);
    let single = contest("s", ContestKind::SingleChoice, 3, None, 1);
    let ranked = contest("r", ContestKind::Ranked { max_ranks: 3 }, 3, Some(5), 1);
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    // One input per reason, in INVALID_REASONS' order; each also shows which test comes first.
    let g = [G];
    let mut graded = contest("g", ContestKind::Graded, 2, None, 1);
    graded.grades =
        vec![[("en".to_string(), "Good".to_string())].into(), [("en".to_string(), "Bad".to_string())].into()];
    let cases: [(&Contest, Vec<u8>, &str); 10] = [
        (&approval, padded(&approval, &[20]), "answer overruns its chunks"),
        (&approval, padded(&approval, &[1, 0xff, 0xff, 2, 0xc3, 0x28]), "write-in is not UTF-8"),
        (&approval, padded(&approval, &[1, 0, 0, 0, 0, 7]), "non-zero padding"),
        (&approval, padded(&approval, &[0]), "0 selections, 1 to 2 allowed"),
        (&approval, padded(&approval, &[1, 0, 9]), "no option number 9"),
        (&graded, padded(&graded, &[2, 0, 1, 0, 2]), "no grade number 2"),
        (&single, padded(&single, &[1, 0xff, 0xff, 1, b'a']), "write-ins are not allowed"),
        (&approval, padded(&approval, &[1, 0xff, 0xff, 0]), "a write-in must have 1 to 5 bytes"),
        (&approval, padded(&approval, &[2, 0xff, 0xff, 0xff, 0xff, 1, b'a']), "at most one write-in"),
        (&ranked, padded(&ranked, &[2, 0, 1, 0, 1]), "selections repeat, or are not in ascending order"),
    ];
    let mut seen = BTreeSet::new();
    // G's encoding does not end in a zero byte.
    let not_embedding = Answer::from_points(&single, &[g[0]]).unwrap_err().reason;
    assert_eq!(not_embedding, "a chunk point that is not an embedding");
    seen.insert(template_of(&not_embedding));
    for (c, bytes, want) in cases {
        let got = decode(c, &bytes, &mut rng).unwrap_err().reason;
        assert_eq!(got, want, "{bytes:?}");
        seen.insert(template_of(&got));
    }
    assert_eq!(seen, INVALID_REASONS.iter().copied().collect(), "a listed reason the decoder did not produce");
    // Anything else the decoder says is one of the list (random answers, biased towards short ones).
    let contests = [&approval, &single, &ranked];
    for k in 0..20_000u32 {
        let c = contests[k as usize % 3];
        let mut bytes = vec![0u8; c.chunks() * CHUNK_BYTES];
        let len = 1 + (rng.next_u32() as usize % 9);
        rng.fill_bytes(&mut bytes[..len]);
        bytes[0] %= 5;
        for b in &mut bytes[1..len] {
            if rng.next_u32() % 2 == 0 {
                *b = [0, 1, 2, 0xff][rng.next_u32() as usize % 4];
            }
        }
        if let Err(e) = Answer::from_padded_bytes(c, &bytes) {
            template_of(&e.reason);
        }
    }
    for _ in 0..64 {
        let p = RistrettoPoint::mul_base(&Scalar::from(rng.next_u64()));
        if let Err(e) = Answer::from_points(&single, &[p]) {
            template_of(&e.reason);
        }
    }
}

/// Every value of the result's enums, so that a new variant fails to compile here until SPEC.md lists it.
fn every_action() -> Vec<Action> {
    let s = Selection::Option(0);
    let all = vec![
        Action::Elected { candidate: s.clone(), surplus: 0 },
        Action::Excluded { candidate: s.clone() },
        Action::ElectedRemaining { candidates: vec![s] },
    ];
    for a in &all {
        match a {
            Action::Elected { .. } | Action::Excluded { .. } | Action::ElectedRemaining { .. } => {}
        }
    }
    all
}

fn every_tie_for() -> Vec<TieFor> {
    let all = vec![TieFor::LastSeat, TieFor::Election, TieFor::Exclusion, TieFor::ElectionOrder];
    for t in &all {
        match t {
            TieFor::LastSeat | TieFor::Election | TieFor::Exclusion | TieFor::ElectionOrder => {}
        }
    }
    all
}

fn every_tie_break() -> Vec<TieBreak> {
    let all = vec![TieBreak::EarlierRound(1), TieBreak::ManifestOrder];
    for t in &all {
        match t {
            TieBreak::EarlierRound(_) | TieBreak::ManifestOrder => {}
        }
    }
    all
}

fn every_list_tie_break() -> Vec<ListTieBreak> {
    let all = vec![ListTieBreak::Votes, ListTieBreak::ListOrder];
    for t in &all {
        match t {
            ListTieBreak::Votes | ListTieBreak::ListOrder => {}
        }
    }
    all
}

fn every_selection() -> Vec<Selection> {
    let all = vec![Selection::Option(0), Selection::WriteIn("Zed".into())];
    for s in &all {
        match s {
            Selection::Option(_) | Selection::WriteIn(_) => {}
        }
    }
    all
}

/// The string a unit variant serializes to, or the one key of a variant with data.
fn tag<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v).unwrap() {
        Value::String(s) => s,
        Value::Object(m) if m.len() == 1 => m.keys().next().unwrap().clone(),
        other => panic!("not an enum tag: {other}"),
    }
}

/// Every object key in `v`, recursively.
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn result_strings_are_the_specs() {
    assert_eq!(spec_list("method"), set(METHODS), "SPEC.md §12.5 and count::METHODS differ");
    let tags = |v: Vec<String>| v.into_iter().collect::<BTreeSet<_>>();
    assert_eq!(spec_list("action"), tags(every_action().iter().map(tag).collect()));
    assert_eq!(spec_list("decides"), tags(every_tie_for().iter().map(tag).collect()));
    assert_eq!(spec_list("decided_by"), tags(every_tie_break().iter().map(tag).collect()));
    assert_eq!(spec_list("selection"), tags(every_selection().iter().map(tag).collect()));
    assert_eq!(spec_list("list_decided_by"), tags(every_list_tie_break().iter().map(tag).collect()));

    // Each contest kind gives its method, and every method is given by some kind.
    let one = |kind: ContestKind, seats: u16, rule: Option<Rule>| {
        let mut c = contest("c", kind, 3, None, seats);
        c.rule = rule;
        if rule.is_some_and(Rule::is_list_rule) {
            c.lists = vec![PartyList { id: "l".into(), title: [("en".to_string(), "L".to_string())].into() }];
            c.options.iter_mut().for_each(|o| o.list = Some("l".into()));
        }
        count_contest(&c, &[Ok(Answer::single(0))]).method
    };
    let ranked = ContestKind::Ranked { max_ranks: 3 };
    let graded = |rule: Rule| {
        let mut c = contest("c", ContestKind::Graded, 3, None, 1);
        c.rule = Some(rule);
        c.grades =
            vec![[("en".to_string(), "Good".to_string())].into(), [("en".to_string(), "Bad".to_string())].into()];
        count_contest(&c, &[Ok(Answer { selections: vec![Selection::Option(0); 3] })]).method
    };
    let produced: BTreeSet<String> = [
        one(ContestKind::SingleChoice, 1, None),
        one(ContestKind::Approval { min: 0, max: 3 }, 2, None),
        one(ranked, 1, None),
        one(ranked, 2, None),
        one(ranked, 1, Some(Rule::Schulze)),
        one(ranked, 1, Some(Rule::Borda)),
        one(ContestKind::SingleChoice, 2, Some(Rule::Dhondt)),
        one(ContestKind::SingleChoice, 2, Some(Rule::SainteLague)),
        one(ContestKind::SingleChoice, 2, Some(Rule::LargestRemainderHare)),
        one(ContestKind::SingleChoice, 2, Some(Rule::Riigikogu)),
        graded(Rule::MajorityJudgment),
        graded(Rule::Score),
    ]
    .into_iter()
    .collect();
    assert_eq!(produced, set(METHODS));
    // Every rule of the manifest has its JSON name in SPEC.md §4.1's list.
    let names: Vec<String> = protocol::manifest::RULES.iter().map(tag).collect();
    assert_eq!(spec_list("rules"), tags(names));
    assert!(protocol::manifest::RULES.iter().all(|r| tag(r) == r.name()));

    // Every field name of a result, with every enum variant in it, is in SPEC.md's list, and the other way round.
    let s = Selection::Option(0);
    let full = ContestResult {
        contest: "c".into(),
        title: Some(Default::default()),
        method: METHODS[0].into(),
        valid: 1,
        invalid: 0,
        candidates: Some(vec![Candidate {
            selection: s.clone(),
            id: None,
            title: Default::default(),
            votes: 1,
            percent: None,
            elected: true,
        }]),
        tallies: every_selection().into_iter().map(|s| (s, 1)).collect(),
        elected: vec![s.clone()],
        rounds: every_action().into_iter().map(|action| Round { tallies: vec![], exhausted: 0, action }).collect(),
        ties: every_tie_for()
            .into_iter()
            .zip(every_tie_break().into_iter().cycle())
            .map(|(decides, decided_by)| Tie { round: Some(1), decides, candidates: vec![], tally: 0, decided_by })
            .collect(),
        lists: Some(vec![ListResult {
            id: "l".into(),
            title: Default::default(),
            votes: 1,
            percent: None,
            qualified: true,
            seats: 1,
        }]),
        list_ties: Some(
            every_list_tie_break()
                .into_iter()
                .map(|decided_by| ListTie { lists: vec![], won: 1, decided_by })
                .collect(),
        ),
        pairwise: Some(vec![vec![0]]),
        strongest_paths: Some(vec![vec![0]]),
        points: Some(vec![(s.clone(), 0)]),
        ranking: Some(vec![s.clone()]),
        grades: Some(vec![Default::default()]),
        profiles: Some(vec![GradeProfile { selection: s.clone(), counts: vec![1], median: Some(0) }]),
        districts: Some(vec![protocol::count::DistrictFigures {
            district: "d".into(),
            valid: 1,
            invalid: 0,
            tallies: vec![(s.clone(), 1)],
        }]),
        seats: Some(1),
    };
    let turnout = Turnout { registered: 1, cast: 1, refused: 0, superseded: 0, revoked: 0, counted: 1 };
    let file = ResultFile {
        format: RESULT_FORMAT.into(),
        fingerprint: protocol::Fingerprint([0; 32]),
        turnout: Some(turnout),
        contests: vec![full],
        national: Some(protocol::tally::NationalResult::Refused { refused: "r".into() }),
    };
    let mut fields = BTreeSet::new();
    keys(&serde_json::to_value(&file).unwrap(), &mut fields);
    // Enum tags with data are keys too (`"elected"` is both a field and an action).
    let mut listed = spec_list("result-fields");
    for t in [spec_list("action"), spec_list("decided_by"), spec_list("selection")] {
        listed.extend(t);
    }
    // A unit variant is a string value, not a key.
    listed.remove("manifest_order");
    assert_eq!(listed, fields);
}

/// SPEC.md §12.5's example: its `answers.json` counts to its `result.json`, which reads back as the code's type
/// and is written back as the same JSON; its version 1 form is the same without names and turnout.
#[test]
fn result_example_is_what_the_count_gives() {
    let answers: AnswersFile = serde_json::from_value(spec_example("answers")).unwrap();
    let example = spec_example("result");
    let result: ResultFile = serde_json::from_value(example.clone()).unwrap();
    let mut council = contest("council", ContestKind::Ranked { max_ranks: 3 }, 3, Some(10), 2);
    council.title = [("en".to_string(), "Council".to_string())].into();
    for (o, (id, name)) in council.options.iter_mut().zip([("ann", "Ann"), ("ben", "Ben"), ("cat", "Cat")]) {
        *o = ContestOption { id: id.into(), title: [("en".to_string(), name.to_string())].into(), list: None };
    }
    let list: Vec<Result<Answer, InvalidAnswer>> = answers.answers.iter().map(|a| a.as_result()).collect();
    assert_eq!(result.contests, vec![count_contest(&council, &list)]);
    assert_eq!(result.format, RESULT_FORMAT);
    // The example's turnout: ten ballots cast, one superseded, one revoked, eight counted (the rows of answers).
    let turnout = Turnout { registered: 10, cast: 10, refused: 0, superseded: 1, revoked: 1, counted: 8 };
    assert_eq!(result.turnout, Some(turnout));
    assert_eq!(turnout.counted, answers.answers.len() as u64);
    assert_eq!(serde_json::to_value(&result).unwrap(), example);
}

/// SPEC.md §10.1: its example is the stored vector's `announcement-1.json`, read by the code's one decoder, and
/// every JSON field name of every ceremony file is in §10.1's tables.
#[test]
fn ceremony_json_is_the_specs() {
    use protocol::proofs::dleq::DleqProof;
    use protocol::proofs::opening::{OpeningProof, OpeningTerm};
    use protocol::threshold::ceremony::{Close, DisclosedShare, EncryptedShare, FileRef};
    use protocol::threshold::{Announcement, Complaint, Confirmation, Dealing, Recovery, Reveal, Signed, SignedClose};
    let example = spec_example("announcement");
    let vector: Value = serde_json::from_str(include_str!("vectors/threshold.json")).unwrap();
    assert_eq!(example, vector["announcement_1"]);
    let signed: Signed<Announcement> = serde_json::from_value(example).unwrap();
    assert_eq!(signed.message.trustee, 1);

    let section = &SPEC[SPEC.find("### 10.1 Signed messages").unwrap()..SPEC.find("### 10.2 Transcripts").unwrap()];
    let p = GroupElement::new(G);
    let (d, s) = ([1u8; 32], Scalar::ONE);
    let dleq = DleqProof { t1: p, t2: p, s };
    let sign = |m: Value| serde_json::json!({"message": m, "signature": hex::encode([0u8; 64])});
    let files = [
        sign(serde_json::to_value(&signed.message).unwrap()),
        sign(
            serde_json::to_value(Dealing {
                election: d,
                trustee: 1,
                roster: d,
                commitments: vec![p],
                shares: vec![EncryptedShare { recipient: 2, ephemeral: p, sealed: [0; 80] }],
            })
            .unwrap(),
        ),
        sign(
            serde_json::to_value(Confirmation {
                election: d,
                trustee: 2,
                dealers: vec![1],
                dealings: d,
                complaints: vec![Complaint { dealer: 1, shared: p, proof: dleq }],
            })
            .unwrap(),
        ),
        serde_json::to_value(SignedClose {
            message: Close {
                election: d,
                announcements: vec![FileRef { trustee: 1, digest: d }],
                dealings: vec![],
                confirmations: vec![],
            },
            signature: [0; 64],
        })
        .unwrap(),
        sign(
            serde_json::to_value(Reveal {
                election: d,
                trustee: 1,
                close: d,
                values: vec![p],
                proof: OpeningProof { terms: vec![OpeningTerm { t: p, u: p, z: s, w: s }] },
            })
            .unwrap(),
        ),
        sign(
            serde_json::to_value(Recovery {
                election: d,
                trustee: 2,
                close: d,
                shares: vec![DisclosedShare { dealer: 1, share: s, blinding: s }],
            })
            .unwrap(),
        ),
    ];
    let mut fields = BTreeSet::new();
    files.iter().for_each(|f| keys(f, &mut fields));
    for f in fields {
        assert!(
            section.contains(&format!("`{f}`")) || section.contains(&format!("\"{f}\"")),
            "SPEC.md §10.1 does not name the field {f:?}"
        );
    }
}

//! The count (SPEC.md §12) over arbitrary contests and arbitrary answers: any kind, any number of seats (zero and
//! more seats than candidates included), selections naming options the contest does not have, empty answers,
//! repeated selections, write-ins (empty, repeated, several per answer), invalid answers. The count never panics,
//! and its result keeps the basic invariants: valid + invalid = the number of answers, as many elected as there
//! are seats (or candidates, if fewer), each a distinct candidate, and no round holds more votes than were cast.
//!
//! Cases: 2048 per test by default (under a second); `PROPTEST_CASES=N` for a longer run (`scripts/fuzz.sh`).

use std::collections::BTreeSet;

use proptest::prelude::*;
use protocol::count::{count_contest, Action, ContestResult, UNIT};
use protocol::encoding::{Answer, InvalidAnswer, Selection};
use protocol::manifest::{Contest, ContestKind, ContestOption, WriteInRule};

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn kind() -> impl Strategy<Value = ContestKind> {
    prop_oneof![
        Just(ContestKind::SingleChoice),
        (0u16..6, 0u16..6).prop_map(|(min, max)| ContestKind::Approval { min, max }),
        (0u16..8).prop_map(|max_ranks| ContestKind::Ranked { max_ranks }),
    ]
}

fn contest() -> impl Strategy<Value = Contest> {
    (kind(), 0usize..7, proptest::option::of(0u8..20), prop_oneof![0u16..9, Just(u16::MAX)]).prop_map(
        |(kind, options, write_in, seats)| Contest {
            id: "c".into(),
            title: [("en".to_string(), "C".to_string())].into(),
            kind,
            options: (0..options)
                .map(|i| ContestOption {
                    id: format!("o{i}"),
                    title: [("en".to_string(), format!("O{i}"))].into(),
                    list: None,
                })
                .collect(),
            write_in: write_in.map(|max_bytes| WriteInRule { max_bytes }),
            seats,
            rule: None,
            threshold: None,
            lists: Vec::new(),
            grades: Vec::new(),
            districts: Vec::new(),
        },
    )
}

fn selection() -> impl Strategy<Value = Selection> {
    prop_oneof![
        6 => (0u16..9).prop_map(Selection::Option),
        1 => prop_oneof![Just(u16::MAX), Just(u16::MAX - 1), any::<u16>()].prop_map(Selection::Option),
        2 => prop_oneof![Just(String::new()), Just("Zed".to_string()), Just("Ann".to_string()), "[a-c]{0,3}"]
            .prop_map(Selection::WriteIn),
    ]
}

fn answers() -> impl Strategy<Value = Vec<Result<Answer, InvalidAnswer>>> {
    let answer = prop_oneof![
        8 => proptest::collection::vec(selection(), 0..6).prop_map(|selections| Ok(Answer { selections })),
        1 => Just(Err(InvalidAnswer { reason: "x".into() })),
    ];
    proptest::collection::vec(answer, 0..40)
}

/// The candidates a count may elect: the contest's options, and the write-ins of the valid answers.
fn candidates(contest: &Contest, answers: &[Result<Answer, InvalidAnswer>]) -> BTreeSet<Selection> {
    let mut all: BTreeSet<Selection> = (0..contest.options.len() as u16).map(Selection::Option).collect();
    for a in answers.iter().flatten() {
        all.extend(a.selections.iter().filter(|s| matches!(s, Selection::WriteIn(_))).cloned());
    }
    all
}

fn check_invariants(contest: &Contest, answers: &[Result<Answer, InvalidAnswer>], r: &ContestResult) {
    let valid = answers.iter().filter(|a| a.is_ok()).count() as u64;
    assert_eq!((r.valid, r.invalid), (valid, answers.len() as u64 - valid), "valid + invalid = answers");
    let candidates = candidates(contest, answers);
    let seats = usize::from(contest.seats).min(candidates.len());
    assert_eq!(r.elected.len(), seats, "as many elected as seats (or candidates): {r:?}");
    let elected: BTreeSet<&Selection> = r.elected.iter().collect();
    assert_eq!(elected.len(), r.elected.len(), "no one elected twice: {r:?}");
    assert!(r.elected.iter().all(|e| candidates.contains(e)), "the elected are candidates: {r:?}");
    let listed: Vec<&Selection> = r.tallies.iter().map(|(s, _)| s).collect();
    assert_eq!(listed, candidates.iter().collect::<Vec<_>>(), "one tally per candidate, in tie-rule order");
    let first: u64 = r.tallies.iter().map(|(_, t)| t).sum();
    match contest.kind {
        ContestKind::Ranked { .. } => {
            assert!(first <= valid, "first preferences ≤ valid answers: {r:?}");
            for round in &r.rounds {
                let held: u64 = round.tallies.iter().map(|(_, t)| t).sum::<u64>() + round.exhausted;
                assert!(held <= valid * UNIT, "a round holds no more than the votes cast: {r:?}");
                match &round.action {
                    Action::Elected { candidate, .. } | Action::Excluded { candidate } => {
                        assert!(candidates.contains(candidate))
                    }
                    Action::ElectedRemaining { candidates: c } => assert!(c.iter().all(|s| candidates.contains(s))),
                }
            }
        }
        _ => {
            assert!(r.rounds.is_empty());
            let selections: u64 = answers.iter().flatten().map(|a| a.selections.len() as u64).sum();
            assert!(first <= selections, "votes ≤ selections made: {r:?}");
        }
    }
    for tie in &r.ties {
        assert!(tie.candidates.len() >= 2 && tie.candidates.iter().all(|c| candidates.contains(c)));
        let _ = tie.to_string();
    }
    // The result is data the record stores: it round-trips through its JSON.
    let json = serde_json::to_vec(r).unwrap_or_default();
    assert_eq!(serde_json::from_slice::<ContestResult>(&json).ok().as_ref(), Some(r));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2048)))]

    #[test]
    fn the_count_never_panics_and_keeps_its_invariants(contest in contest(), answers in answers()) {
        let result = count_contest(&contest, &answers);
        check_invariants(&contest, &answers, &result);
        // Deterministic: the verifier recounts and compares.
        prop_assert_eq!(count_contest(&contest, &answers), result);
    }

    /// Only well-formed answers (as the decoder yields them), many of them: larger STV counts.
    #[test]
    fn the_count_of_checked_answers_keeps_its_invariants(
        contest in contest(),
        raw in proptest::collection::vec(proptest::collection::vec(selection(), 0..5), 0..120),
    ) {
        let answers: Vec<Result<Answer, InvalidAnswer>> = raw
            .into_iter()
            .map(|selections| {
                let a = Answer { selections };
                a.check(&contest).map(|()| a)
            })
            .collect();
        let result = count_contest(&contest, &answers);
        check_invariants(&contest, &answers, &result);
    }
}

/// A contest counted by one of the named rules (SPEC.md §12.7–§12.11), valid or not: lists with candidates in
/// them or not, grades or none, a threshold or none.
fn ruled_contest() -> impl Strategy<Value = Contest> {
    use protocol::manifest::{PartyList, Rule, Threshold};
    let rule = prop_oneof![
        Just(Rule::Schulze),
        Just(Rule::Borda),
        Just(Rule::Dhondt),
        Just(Rule::SainteLague),
        Just(Rule::LargestRemainderHare),
        Just(Rule::MajorityJudgment),
        Just(Rule::Score),
    ];
    (contest(), rule, 0usize..4, 0usize..5, proptest::option::of(0u16..12_000), proptest::collection::vec(0usize..5, 7))
        .prop_map(|(mut c, rule, lists, grades, threshold, member)| {
            c.rule = Some(rule);
            c.kind = match rule {
                Rule::Schulze | Rule::Borda => ContestKind::Ranked { max_ranks: c.options.len() as u16 },
                Rule::MajorityJudgment | Rule::Score => ContestKind::Graded,
                _ => ContestKind::SingleChoice,
            };
            c.lists = (0..lists)
                .map(|l| PartyList { id: format!("l{l}"), title: [("en".to_string(), format!("L{l}"))].into() })
                .collect();
            for (o, m) in c.options.iter_mut().zip(member) {
                o.list = Some(format!("l{m}"));
            }
            c.grades = (0..grades).map(|g| [("en".to_string(), format!("G{g}"))].into()).collect();
            c.threshold = threshold.map(|hundredths| Threshold { hundredths });
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2048)))]

    /// The named rules never panic, on any answers, and elect distinct candidates, no more than the seats; the
    /// count is deterministic and its result round-trips through JSON.
    #[test]
    fn the_named_rules_never_panic(contest in ruled_contest(), answers in answers()) {
        let r = count_contest(&contest, &answers);
        let valid = answers.iter().filter(|a| a.is_ok()).count() as u64;
        prop_assert_eq!((r.valid, r.invalid), (valid, answers.len() as u64 - valid));
        let elected: BTreeSet<&Selection> = r.elected.iter().collect();
        prop_assert_eq!(elected.len(), r.elected.len());
        prop_assert!(r.elected.len() <= usize::from(contest.seats));
        prop_assert!(r.uses_v3());
        prop_assert_eq!(&count_contest(&contest, &answers), &r);
        let json = serde_json::to_vec(&r).unwrap_or_default();
        let back = serde_json::from_slice::<ContestResult>(&json).ok();
        prop_assert_eq!(back.as_ref(), Some(&r));
    }
}

//! The counting rules a manifest can name (SPEC.md §4.1 `rule`, `lists`, `threshold`; §12.7–§12.9): the manifest's
//! shape and rules MF9–MF11, and known answers for each rule, from published elections where there are some
//! (each cited), else from the textbook examples named.
// Fixed inputs only: a failure is a wrong count, so unwrap is the right answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use protocol::count::{
    allocate, count_contest, Allocation, ContestResult, ListTieBreak, TieBreak, TieFor, METHOD_BORDA, METHOD_DHONDT,
    METHOD_LARGEST_REMAINDER, METHOD_SAINTE_LAGUE, METHOD_SCHULZE,
};
use protocol::encoding::{Answer, InvalidAnswer, Selection};
use protocol::manifest::{
    example_manifest, Contest, ContestKind, ContestOption, Manifest, PartyList, Rule, Threshold, MANIFEST_VERSION,
    MANIFEST_VERSION_V3,
};
use protocol::{Decode, Encode};

fn en(text: &str) -> std::collections::BTreeMap<String, String> {
    [("en".to_string(), text.to_string())].into()
}

fn option(id: &str, list: Option<&str>) -> ContestOption {
    ContestOption { id: id.into(), title: en(id), list: list.map(String::from) }
}

fn ranked(names: &[&str], seats: u16, rule: Rule) -> Contest {
    Contest {
        id: "r".into(),
        title: en("Ranked"),
        kind: ContestKind::Ranked { max_ranks: names.len() as u16 },
        options: names.iter().map(|n| option(n, None)).collect(),
        write_in: None,
        seats,
        rule: Some(rule),
        threshold: None,
        lists: Vec::new(),
        grades: Vec::new(),
        districts: Vec::new(),
    }
}

/// A party-list contest: `per_list` candidates on each list, named `LIST-k`.
fn list_contest(lists: &[&str], per_list: &[usize], seats: u16, rule: Rule, threshold: Option<&str>) -> Contest {
    let mut options = Vec::new();
    for (l, &n) in lists.iter().zip(per_list) {
        for k in 0..n {
            options.push(option(&format!("{l}-{k}"), Some(l)));
        }
    }
    Contest {
        id: "lists".into(),
        title: en("Council"),
        kind: ContestKind::SingleChoice,
        options,
        write_in: None,
        seats,
        rule: Some(rule),
        threshold: threshold.map(|t| Threshold::parse(t).unwrap()),
        lists: lists.iter().map(|l| PartyList { id: l.to_string(), title: en(&format!("List {l}")) }).collect(),
        grades: Vec::new(),
        districts: Vec::new(),
    }
}

/// `n` copies of each ranking (option indices, best first).
fn rankings(spec: &[(usize, &[u16])]) -> Vec<Result<Answer, InvalidAnswer>> {
    spec.iter()
        .flat_map(|(n, prefs)| {
            std::iter::repeat_with(|| Ok(Answer { selections: prefs.iter().map(|&p| Selection::Option(p)).collect() }))
                .take(*n)
        })
        .collect()
}

/// `votes[i]` single-choice votes for option `i`.
fn votes(votes: &[u64]) -> Vec<Result<Answer, InvalidAnswer>> {
    votes
        .iter()
        .enumerate()
        .flat_map(|(i, &n)| std::iter::repeat_with(move || Ok(Answer::single(i as u16))).take(n as usize))
        .collect()
}

fn opts(ids: &[u16]) -> Vec<Selection> {
    ids.iter().map(|&i| Selection::Option(i)).collect()
}

fn list_seats(r: &ContestResult) -> Vec<u64> {
    r.lists.as_ref().unwrap().iter().map(|l| l.seats).collect()
}

// ---- the manifest ----

fn with_lists() -> Manifest {
    let mut m = example_manifest();
    let mut c = list_contest(&["a", "b"], &[2, 2], 2, Rule::Dhondt, Some("5"));
    for o in &mut c.options {
        o.title = m.title.keys().map(|k| (k.clone(), o.id.clone())).collect();
    }
    c.title = m.title.clone();
    for l in &mut c.lists {
        l.title = m.title.keys().map(|k| (k.clone(), l.id.clone())).collect();
    }
    m.contests.push(c);
    m.contests[2].rule = Some(Rule::Schulze);
    m
}

/// SPEC.md §4.2: a manifest without the new fields keeps `rv/manifest/v2` and its bytes; one with them is
/// `rv/manifest/v3` and round-trips through bytes and JSON.
#[test]
fn the_encoding_is_v2_without_the_new_fields_and_v3_with_them() {
    let old = example_manifest();
    let bytes = old.to_bytes();
    assert_eq!(&bytes[4..4 + MANIFEST_VERSION.len()], MANIFEST_VERSION.as_bytes());
    let json = old.to_json_pretty();
    assert!(!json.contains("\"rule\"") && !json.contains("\"lists\"") && !json.contains("\"list\""), "{json}");

    let m = with_lists();
    assert_eq!(m.problems(), []);
    let bytes = m.to_bytes();
    assert_eq!(&bytes[4..4 + MANIFEST_VERSION_V3.len()], MANIFEST_VERSION_V3.as_bytes());
    assert_eq!(Manifest::from_bytes(&bytes).unwrap(), m);
    let json = m.to_json_pretty();
    assert!(json.contains("\"rule\": \"dhondt\"") && json.contains("\"threshold\": \"5\""), "{json}");
    assert!(json.contains("\"list\": \"a\""), "{json}");
    assert_eq!(Manifest::from_json(&json).unwrap(), m);
    // Naming a kind's own rule is a v3 field too, and changes the fingerprint's input.
    let mut explicit = example_manifest();
    explicit.contests[2].rule = Some(Rule::Stv);
    assert_ne!(explicit.to_bytes(), old.to_bytes());
    assert_eq!(Manifest::from_bytes(&explicit.to_bytes()).unwrap(), explicit);
    // v3 bytes of a manifest with no v3 field are not canonical: refused.
    let mut forged = old.to_bytes();
    let v2 = MANIFEST_VERSION.as_bytes();
    let at = forged.windows(v2.len()).position(|w| w == v2).unwrap();
    forged[at + v2.len() - 1] = b'3';
    assert!(Manifest::from_bytes(&forged).is_err());
    // Every truncation of the v3 bytes is refused, never a panic.
    for n in 0..bytes.len() {
        assert!(Manifest::from_bytes(&bytes[..n]).is_err());
    }
}

#[test]
fn thresholds_read_and_write_exactly() {
    for (text, hundredths, back) in
        [("5", 500, "5"), ("2.5", 250, "2.5"), ("0.67", 67, "0.67"), ("5.00", 500, "5"), ("12.30", 1230, "12.3")]
    {
        let t = Threshold::parse(text).unwrap();
        assert_eq!((t.hundredths, t.to_string().as_str()), (hundredths, back), "{text}");
    }
    for bad in ["", "5.", ".5", "5.123", "-1", "5%", "1e2", "1000", " 5"] {
        let e = Threshold::parse(bad).unwrap_err();
        assert!(e.contains("at most two decimals"), "{bad}: {e}");
    }
    let mut v = serde_json::to_value(with_lists()).unwrap();
    v["contests"][3]["threshold"] = serde_json::json!(5);
    assert!(serde_json::from_value::<Manifest>(v).is_err(), "a number, not a string");
}

/// SPEC.md §4.3 MF9–MF11: every misuse of a rule, a list or a threshold is named with its place and what to do.
#[test]
fn rules_lists_and_thresholds_are_checked_mf9_to_mf11() {
    let mut m = with_lists();
    m.contests[0].rule = Some(Rule::Borda); // MF9: single choice
    m.contests[1].threshold = Some(Threshold { hundredths: 500 }); // MF11: approval
    let c = &mut m.contests[3];
    c.options[1].list = Some("z".into()); // MF10: no such list
    c.options[2].list = None; // MF10: on no list
    c.lists[1].id = "a".into(); // MF10: duplicate
    c.threshold = Some(Threshold { hundredths: 10_000 }); // MF11: 100 %
    c.write_in = Some(protocol::manifest::WriteInRule { max_bytes: 5 }); // MF9: write-in with lists
    let found: Vec<(String, &str)> = m.problems().iter().map(|p| (p.to_string(), p.rule)).collect();
    let expect = [
        ("contests[0].rule: `borda` does not count a contest of kind `single_choice`", "MF9"),
        ("contests[1].threshold: a threshold, but `approval` does not count by lists", "MF11"),
        ("contests[3].write_in: `dhondt` gives seats to lists, and a write-in is on no list", "MF9"),
        ("contests[3].lists[1].id: `a` is also the id of list 0 of this contest", "MF10"),
        ("contests[3].options[1].list: option `a-1` names list `z`, which the contest does not declare", "MF10"),
        ("contests[3].options[2].list: option `b-0` is on no list: name its list, one of `a`, `a`", "MF10"),
        ("contests[3].options[3].list: option `b-1` names list `b`, which the contest does not declare", "MF10"),
        ("contests[3].threshold: 100 percent: a threshold is more than 0 and less than 100 percent", "MF11"),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for ((text, rule), (want, want_rule)) in found.iter().zip(expect) {
        assert!(text.starts_with(want) && *rule == want_rule, "{text} ({rule}), expected {want} ({want_rule})");
    }
    // A list rule without lists; lists without a list rule; an option naming a list where there are none.
    let mut m = with_lists();
    m.contests[3].lists.clear();
    let p: Vec<String> = m.problems().iter().map(ToString::to_string).collect();
    assert!(p[0].starts_with("contests[3].lists: `dhondt` gives seats to lists, and the contest has none"), "{p:?}");
    assert!(p[1].contains("names list `a`, but the contest declares no lists"), "{p:?}");
    let mut m = with_lists();
    m.contests[3].rule = Some(Rule::Plurality);
    let p: Vec<String> = m.problems().iter().map(ToString::to_string).collect();
    assert!(p[0].contains("2 lists, but `plurality` does not count by lists"), "{p:?}");
    assert!(p[1].starts_with("contests[3].threshold: a threshold, but `plurality`"), "{p:?}");
    // A ranked rule on an approval contest; a list rule on a ranked one.
    let mut m = example_manifest();
    m.contests[1].rule = Some(Rule::Schulze);
    m.contests[2].rule = Some(Rule::SainteLague);
    let rules: Vec<&str> = m.problems().iter().map(|p| p.rule).collect();
    assert_eq!(rules[..2], ["MF9", "MF9"]);
    assert!(m.validate().is_err());
}

// ---- Schulze, §12.7 ----

/// M. Schulze's example (Social Choice and Welfare 36 (2011), §3.1, example 1; also
/// https://en.wikipedia.org/wiki/Schulze_method#Example): 45 voters, 5 candidates; the pairwise matrix, the strongest
/// paths and the ranking E > A > C > B > D.
#[test]
fn schulze_known_answer_45_voters() {
    let (a, b, c, d, e) = (0, 1, 2, 3, 4);
    let answers = rankings(&[
        (5, &[a, c, b, e, d]),
        (5, &[a, d, e, c, b]),
        (8, &[b, e, d, a, c]),
        (3, &[c, a, b, e, d]),
        (7, &[c, a, e, b, d]),
        (2, &[c, b, a, d, e]),
        (7, &[d, c, e, b, a]),
        (8, &[e, b, a, d, c]),
    ]);
    let r = count_contest(&ranked(&["a", "b", "c", "d", "e"], 1, Rule::Schulze), &answers);
    assert_eq!(r.method, METHOD_SCHULZE);
    let pairwise = vec![
        vec![0, 20, 26, 30, 22],
        vec![25, 0, 16, 33, 18],
        vec![19, 29, 0, 17, 24],
        vec![15, 12, 28, 0, 14],
        vec![23, 27, 21, 31, 0],
    ];
    assert_eq!(r.pairwise.as_ref().unwrap(), &pairwise);
    let paths = vec![
        vec![0, 28, 28, 30, 24],
        vec![25, 0, 28, 33, 24],
        vec![25, 29, 0, 29, 24],
        vec![25, 28, 28, 0, 24],
        vec![25, 28, 28, 31, 0],
    ];
    assert_eq!(r.strongest_paths.as_ref().unwrap(), &paths);
    assert_eq!(r.ranking.as_ref().unwrap(), &opts(&[e, a, c, b, d]));
    assert_eq!(r.elected, opts(&[e]));
    assert!(r.ties.is_empty());
    // First preferences are the tallies: A 10, B 8, C 12, D 7, E 8.
    let t: Vec<u64> = r.tallies.iter().map(|(_, n)| *n).collect();
    assert_eq!(t, [10, 8, 12, 7, 8]);
    // Three seats: the top of the ranking.
    let r = count_contest(&ranked(&["a", "b", "c", "d", "e"], 3, Rule::Schulze), &answers);
    assert_eq!(r.elected, opts(&[e, a, c]));
}

/// Debian Project Leader election 2002 (https://www.debian.org/vote/2002/vote_0001): the published pairwise
/// matrix of Branden Robinson, Raphaël Hertzog, Bdale Garbee and None Of The Above; the winner is Bdale Garbee.
/// The ballots are not published, only the matrix: the strongest paths and the ranking are computed from it by the
/// count's own functions.
#[test]
fn schulze_known_answer_debian_2002() {
    let d = vec![vec![0, 255, 178, 385], vec![199, 0, 134, 406], vec![291, 327, 0, 443], vec![68, 50, 18, 0]];
    let p = protocol::count::strongest_paths(&d);
    let order = protocol::count::schulze_order(&p);
    assert_eq!(order, [2, 0, 1, 3], "Garbee, Robinson, Hertzog, None Of The Above");
}

/// Ties in the Schulze ranking: a cycle of equal strength leaves all three unbeaten; manifest order decides and the
/// tie is recorded with the number of candidates beaten (0).
#[test]
fn schulze_cycle_is_a_recorded_tie() {
    let r = count_contest(
        &ranked(&["x", "y", "z"], 1, Rule::Schulze),
        &rankings(&[(1, &[0, 1, 2]), (1, &[1, 2, 0]), (1, &[2, 0, 1])]),
    );
    assert_eq!(r.elected, opts(&[0]));
    assert_eq!(r.ties.len(), 1);
    let t = &r.ties[0];
    assert_eq!((t.decides, t.decided_by, t.tally, t.round), (TieFor::LastSeat, TieBreak::ManifestOrder, 0, None));
    assert_eq!(t.candidates, opts(&[0, 1, 2]));
    // Truncated ballots: a ranked candidate is above every unranked one; two unranked ones are not compared.
    let r = count_contest(&ranked(&["x", "y", "z"], 1, Rule::Schulze), &rankings(&[(2, &[2]), (1, &[0, 1])]));
    assert_eq!(r.pairwise.unwrap(), vec![vec![0, 1, 1], vec![0, 0, 1], vec![2, 2, 0]]);
    assert_eq!(r.elected, opts(&[2]));
}

// ---- Borda, §12.8 ----

/// The Tennessee capital example (https://en.wikipedia.org/wiki/Borda_count#Example, also used for Condorcet and
/// IRV there), 100 voters: Memphis 42 (M, N, C, K), Nashville 26 (N, C, K, M), Chattanooga 15 (C, K, N, M),
/// Knoxville 17 (K, C, N, M). Points with n − 1 = 3 for a first choice: Nashville 194, Chattanooga 173, Memphis
/// 126, Knoxville 107.
#[test]
fn borda_known_answer_tennessee() {
    let (m, n, c, k) = (0, 1, 2, 3);
    let answers = rankings(&[(42, &[m, n, c, k]), (26, &[n, c, k, m]), (15, &[c, k, n, m]), (17, &[k, c, n, m])]);
    let contest = ranked(&["memphis", "nashville", "chattanooga", "knoxville"], 1, Rule::Borda);
    let r = count_contest(&contest, &answers);
    assert_eq!(r.method, METHOD_BORDA);
    let points: Vec<u64> = r.points.as_ref().unwrap().iter().map(|(_, p)| *p).collect();
    assert_eq!(points, [126, 194, 173, 107]);
    assert_eq!(r.ranking.unwrap(), opts(&[n, c, m, k]));
    assert_eq!(r.elected, opts(&[n]));
    // Schulze agrees (Nashville is the Condorcet winner); STV elects Knoxville.
    let s = count_contest(&ranked(&["memphis", "nashville", "chattanooga", "knoxville"], 1, Rule::Schulze), &answers);
    assert_eq!(s.elected, opts(&[n]));
    let irv = count_contest(&ranked(&["memphis", "nashville", "chattanooga", "knoxville"], 1, Rule::Stv), &answers);
    assert_eq!(irv.elected, opts(&[k]));
}

/// Truncated ballots give n − 1, n − 2, … to what they rank and 0 to the rest; equal points are a recorded tie.
#[test]
fn borda_truncated_ballots_and_ties() {
    // 3 candidates: [0] gives 0 two points; [1, 2] gives 1 two and 2 one.
    let r = count_contest(&ranked(&["x", "y", "z"], 1, Rule::Borda), &rankings(&[(1, &[0]), (1, &[1, 2])]));
    let points: Vec<u64> = r.points.unwrap().iter().map(|(_, p)| *p).collect();
    assert_eq!(points, [2, 2, 1]);
    assert_eq!(r.elected, opts(&[0]));
    assert_eq!(r.ties[0].candidates, opts(&[0, 1]));
    assert_eq!(r.ties[0].tally, 2);
}

// ---- party lists, §12.9 ----

/// Estonia, European Parliament election 2019, 6 seats by d'Hondt (https://it.wikipedia.org/wiki/
/// Elezioni_europee_del_2019_in_Estonia, figures of the National Electoral Committee; ERR,
/// https://news.err.ee/946033): Reform 87,160 and SDE 77,375 two seats each, Centre 47,799 and EKRE 42,265 one
/// each; the seventh seat, added after Brexit, went to Isamaa (34,188). Independent candidates are lists of one.
#[test]
fn dhondt_known_answer_estonia_ep_2019() {
    let parties = [
        "reform",
        "sde",
        "kesk",
        "ekre",
        "isamaa",
        "kaljulaid",
        "e200",
        "rohelised",
        "elurikkus",
        "orgu",
        "raudvere",
        "kaljuste",
        "euvp",
        "mottus",
    ];
    let figures = [87_160u64, 77_375, 47_799, 42_265, 34_188, 20_640, 10_700, 5_824, 2_951, 1_442, 880, 604, 221, 55];
    let per_list = [7, 7, 7, 7, 7, 1, 7, 7, 7, 1, 1, 1, 7, 1];
    // Each list's votes spread over its candidates: the k-th of the list gets 7 − k, the first the rest.
    let mut cand = Vec::new();
    for (&v, &n) in figures.iter().zip(&per_list) {
        let rest: u64 = (1..n as u64).map(|k| 7 - k).sum();
        cand.push(v - rest);
        cand.extend((1..n as u64).map(|k| 7 - k));
    }
    let answers = votes(&cand);
    let c6 = list_contest(&parties, &per_list, 6, Rule::Dhondt, None);
    let r = count_contest(&c6, &answers);
    assert_eq!(r.method, METHOD_DHONDT);
    assert_eq!(r.valid, 332_104);
    assert_eq!(list_seats(&r), [2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let lists = r.lists.as_ref().unwrap();
    assert_eq!((lists[0].votes, lists[0].percent.as_deref()), (87_160, Some("26.2")));
    // Within a list, the candidates with the most votes: Reform's first two (options 0 and 1).
    assert_eq!(r.elected, opts(&[0, 1, 7, 8, 14, 21]));
    let c7 = list_contest(&parties, &per_list, 7, Rule::Dhondt, None);
    assert_eq!(list_seats(&count_contest(&c7, &answers))[..5], [2, 2, 1, 1, 1]);
}

/// Estonia, European Parliament election 2024, 7 seats by d'Hondt (ERR, https://news.err.ee/1609366184): Isamaa
/// 78,425 and SDE 69,972 two seats each, Reform 65,150, EKRE 54,208 and Centre 44,932 one each, Parempoolsed
/// 24,913 none.
#[test]
fn dhondt_known_answer_estonia_ep_2024() {
    let v = [78_425, 69_972, 65_150, 54_208, 44_932, 24_913, 11_386, 9_432, 2_211];
    let (seats, tie) = allocate(Allocation::Dhondt, &v, &[7; 9], 7);
    assert_eq!(seats, [2, 2, 1, 1, 1, 0, 0, 0, 0]);
    assert_eq!(tie, None);
}

/// New Zealand general election 2020, 120 seats by Sainte-Laguë among the parties that qualified (5 % of the party
/// vote or an electorate seat). Official result (Electoral Commission,
/// https://elections.nz/media-and-news/2020/2020-general-election-official-results/): Labour 65, National 33,
/// Green 10, ACT 10, Māori Party 2, for party votes 1,443,545, 738,275, 226,757, 219,031 and 33,630
/// (https://en.wikipedia.org/wiki/2020_New_Zealand_general_election).
#[test]
fn sainte_lague_known_answer_new_zealand_2020() {
    let v = [1_443_545, 738_275, 226_757, 219_031, 33_630];
    let (seats, tie) = allocate(Allocation::SainteLague, &v, &[120; 5], 120);
    assert_eq!(seats, [65, 33, 10, 10, 2]);
    assert_eq!(tie, None);
}

/// The textbook examples of https://en.wikipedia.org/wiki/D%27Hondt_method and
/// https://en.wikipedia.org/wiki/Sainte-Lagu%C3%AB_method: 100,000, 80,000, 30,000 and 20,000 votes for 8 seats:
/// d'Hondt 4, 3, 1, 0; Sainte-Laguë 3, 3, 1, 1. And of https://en.wikipedia.org/wiki/Largest_remainders_method:
/// 47,000, 16,000, 15,800, 12,000, 6,100 and 3,100 votes for 10 seats, Hare quota: 5, 2, 1, 1, 1, 0.
#[test]
fn list_rules_textbook_examples_through_the_count() {
    let lists = ["a", "b", "c", "d"];
    let answers = votes(&[100_000 - 6, 1, 2, 3, 80_000, 30_000, 20_000]);
    let per = [4, 1, 1, 1];
    let r = count_contest(&list_contest(&lists, &per, 8, Rule::Dhondt, None), &answers);
    // Lists b, c and d have one candidate each: each takes one seat, and the eighth stays empty (a has 4).
    assert_eq!(list_seats(&r), [4, 1, 1, 1]);
    assert_eq!(r.elected.len(), 7);
    let per = [4, 3, 1, 1];
    let answers = votes(&[100_000 - 6, 1, 2, 3, 80_000 - 1, 1, 0, 30_000, 20_000]);
    let r = count_contest(&list_contest(&lists, &per, 8, Rule::Dhondt, None), &answers);
    assert_eq!(list_seats(&r), [4, 3, 1, 0]);
    let r = count_contest(&list_contest(&lists, &per, 8, Rule::SainteLague, None), &answers);
    assert_eq!(r.method, METHOD_SAINTE_LAGUE);
    assert_eq!(list_seats(&r), [3, 3, 1, 1]);
    // Largest remainders.
    let v = [47_000u64, 16_000, 15_800, 12_000, 6_100, 3_100];
    let (seats, _) = allocate(Allocation::LargestRemainderHare, &v, &[10; 6], 10);
    assert_eq!(seats, [5, 2, 1, 1, 1, 0]);
    let six = ["a", "b", "c", "d", "e", "f"];
    let r = count_contest(&list_contest(&six, &[10; 6], 10, Rule::LargestRemainderHare, None), &{
        let mut c = Vec::new();
        for x in v {
            c.push(x);
            c.extend([0; 9]);
        }
        votes(&c)
    });
    assert_eq!(r.method, METHOD_LARGEST_REMAINDER);
    assert_eq!(list_seats(&r), [5, 2, 1, 1, 1, 0]);
    // Within list a, five seats among ten candidates of whom one has votes: the tie across its last seat is
    // recorded (manifest order).
    assert!(r.ties.iter().any(|t| t.decides == TieFor::LastSeat && t.tally == 0));
}

/// §12.9: the threshold is exact (`votes · 10000 ≥ t · valid`); a list below it gets no seat; a list gets no more
/// seats than candidates; ties between lists are recorded.
#[test]
fn thresholds_caps_and_list_ties() {
    // 1000 valid votes, threshold 5 %: 50 votes pass, 49 do not.
    let lists = ["a", "b", "c"];
    let r = count_contest(&list_contest(&lists, &[3, 1, 1], 3, Rule::Dhondt, Some("5")), &votes(&[901, 0, 0, 50, 49]));
    let l = r.lists.as_ref().unwrap();
    assert_eq!(l.iter().map(|l| l.qualified).collect::<Vec<_>>(), [true, true, false]);
    assert_eq!(list_seats(&r), [3, 0, 0]);
    // With two decimals: 4.99 % of 1000 is 49.9, so 49 fails and 50 passes.
    let r =
        count_contest(&list_contest(&lists, &[3, 1, 1], 3, Rule::Dhondt, Some("4.99")), &votes(&[901, 0, 0, 50, 49]));
    assert_eq!(r.lists.unwrap().iter().map(|l| l.qualified).collect::<Vec<_>>(), [true, true, false]);
    // A list with one candidate takes one seat; the next goes on.
    let r = count_contest(&list_contest(&["a", "b"], &[1, 3], 3, Rule::Dhondt, None), &votes(&[90, 5, 3, 2]));
    assert_eq!(list_seats(&r), [1, 2]);
    assert_eq!(r.elected, opts(&[0, 1, 2]));
    // Equal quotients for the last seat: more votes first (200/2 against 100/1), then the list declared first.
    let (seats, tie) = allocate(Allocation::Dhondt, &[100, 200], &[5, 5], 2);
    assert_eq!(seats, [0, 2]);
    assert_eq!(tie, Some((vec![1, 0], 1, ListTieBreak::Votes)));
    let (seats, tie) = allocate(Allocation::Dhondt, &[100, 100], &[5, 5], 1);
    assert_eq!(seats, [1, 0]);
    assert_eq!(tie, Some((vec![0, 1], 1, ListTieBreak::ListOrder)));
    let r = count_contest(&list_contest(&["a", "b"], &[1, 1], 1, Rule::SainteLague, None), &votes(&[7, 7]));
    let t = &r.list_ties.as_ref().unwrap()[0];
    assert_eq!(
        (t.lists.clone(), t.won, t.decided_by),
        (vec!["a".to_string(), "b".to_string()], 1, ListTieBreak::ListOrder)
    );
    // Largest remainders: equal remainders at the last seat.
    let (seats, tie) = allocate(Allocation::LargestRemainderHare, &[10, 10, 10], &[5; 3], 2);
    assert_eq!(seats, [1, 1, 0]);
    assert_eq!(tie, Some((vec![0, 1, 2], 2, ListTieBreak::ListOrder)));
    // No list reaches the threshold: no seat, nobody elected.
    let r = count_contest(&list_contest(&lists, &[1, 1, 1], 2, Rule::Dhondt, Some("50")), &votes(&[40, 30, 30]));
    assert!(r.elected.is_empty());
    // No vote at all.
    let r = count_contest(&list_contest(&lists, &[1, 1, 1], 2, Rule::LargestRemainderHare, None), &[]);
    assert!(r.elected.is_empty() && r.lists.unwrap().iter().all(|l| l.percent.is_none()));
}

/// Random contests of every list rule: seats never exceed the contest's or a list's candidates; every seat is
/// filled while a qualified list with votes has candidates left; the elected are the lists' top candidates.
#[test]
fn list_allocations_hold_their_invariants() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for round in 0..600 {
        let m = 1 + next(6) as usize;
        let votes: Vec<u64> = (0..m).map(|_| if next(5) == 0 { 0 } else { next(1000) }).collect();
        let caps: Vec<u64> = (0..m).map(|_| next(6)).collect();
        let seats = next(15);
        let method = [Allocation::Dhondt, Allocation::SainteLague, Allocation::LargestRemainderHare][round % 3];
        let (got, _) = allocate(method, &votes, &caps, seats);
        assert!(got.iter().sum::<u64>() <= seats);
        for l in 0..m {
            assert!(got[l] <= caps[l] && (votes[l] > 0 || got[l] == 0), "{method:?} {votes:?} {caps:?} {seats}");
        }
        let room: u64 = (0..m).filter(|&l| votes[l] > 0).map(|l| caps[l]).sum();
        assert_eq!(got.iter().sum::<u64>(), seats.min(room), "{method:?} {votes:?} {caps:?} {seats}");
        // Highest averages are house monotone: one more seat never takes one away.
        if method != Allocation::LargestRemainderHare {
            let (more, _) = allocate(method, &votes, &caps, seats + 1);
            assert!(got.iter().zip(&more).all(|(a, b)| a <= b));
        }
    }
}

// ---- graded contests, §12.10 and §12.11 ----

fn grades(names: &[&str]) -> Vec<std::collections::BTreeMap<String, String>> {
    names.iter().map(|n| en(n)).collect()
}

fn graded(options: &[&str], grade_names: &[&str], seats: u16, rule: Option<Rule>) -> Contest {
    Contest {
        id: "g".into(),
        title: en("Graded"),
        kind: ContestKind::Graded,
        options: options.iter().map(|n| option(n, None)).collect(),
        write_in: None,
        seats,
        rule,
        threshold: None,
        lists: Vec::new(),
        grades: grades(grade_names),
        districts: Vec::new(),
    }
}

/// One answer per row: the grade of each option, in option order.
fn grading(rows: &[&[u16]]) -> Vec<Result<Answer, InvalidAnswer>> {
    rows.iter().map(|r| Ok(Answer { selections: r.iter().map(|&g| Selection::Option(g)).collect() })).collect()
}

/// SPEC.md §4.3 MF12 and §5.1: a graded contest's grades, and its answers (one grade per option) encode, decode
/// and refuse what is not one.
#[test]
fn graded_contests_mf12_and_answers() {
    let mut m = example_manifest();
    let mut g = graded(&["p", "q"], &["Good", "Poor"], 1, None);
    g.title = m.title.clone();
    for o in &mut g.options {
        o.title = m.title.keys().map(|k| (k.clone(), o.id.clone())).collect();
    }
    for t in &mut g.grades {
        *t = m.title.keys().map(|k| (k.clone(), "Good".to_string())).collect();
    }
    m.contests.push(g);
    assert_eq!(m.problems(), []);
    assert_eq!(m.contests[3].rule(), Rule::MajorityJudgment);
    let bytes = m.to_bytes();
    assert_eq!(&bytes[4..4 + MANIFEST_VERSION_V3.len()], MANIFEST_VERSION_V3.as_bytes());
    assert_eq!(Manifest::from_bytes(&bytes).unwrap(), m);
    let json = m.to_json_pretty();
    assert!(json.contains("\"type\": \"graded\"") && json.contains("\"grades\": ["), "{json}");
    assert_eq!(Manifest::from_json(&json).unwrap(), m);
    // Answers: every option one grade, grades may repeat; the bytes are those of (3) with grades as codes.
    let c = &m.contests[3];
    let a = Answer { selections: vec![Selection::Option(1), Selection::Option(1)] };
    assert_eq!(a.to_canonical_bytes(c).unwrap(), [2, 0, 1, 0, 1]);
    assert_eq!(Answer::from_canonical_bytes(c, &[2, 0, 1, 0, 1]).unwrap(), a);
    for (bad, why) in [
        (&[1u8, 0, 0][..], "1 selections, 2 to 2 allowed"),
        (&[2, 0, 0, 0, 2], "no grade number 2"),
        (&[2, 0xff, 0xff, 0, 0, 1, b'x'], "write-ins are not allowed"),
    ] {
        assert_eq!(Answer::from_canonical_bytes(c, bad).unwrap_err().reason, why, "{bad:?}");
    }
    // MF12: too few grades, too many, grades on another kind; MF9: a write-in, a ranked rule.
    let mut m2 = m.clone();
    m2.contests[3].grades.truncate(1);
    m2.contests[3].write_in = Some(protocol::manifest::WriteInRule { max_bytes: 3 });
    m2.contests[0].grades = m2.contests[3].grades.clone();
    let p: Vec<(String, &str)> = m2.problems().iter().map(|p| (p.to_string(), p.rule)).collect();
    assert!(p.iter().any(|(t, r)| *r == "MF12" && t.starts_with("contests[0].grades: 1 grades, but only a graded")));
    assert!(p
        .iter()
        .any(|(t, r)| *r == "MF12" && t.starts_with("contests[3].grades: 1 grades: a graded contest has 2 to 10")));
    assert!(p.iter().any(|(t, r)| *r == "MF9" && t.starts_with("contests[3].write_in: a graded contest")));
    let mut m3 = m.clone();
    m3.contests[3].rule = Some(Rule::Borda);
    m3.contests[2].rule = Some(Rule::Score);
    assert_eq!(m3.problems().iter().filter(|p| p.rule == "MF9").count(), 2);
    // A graded kind in v2 bytes is refused (kind 3 exists only in v3): the mayor's kind byte 0 set to 3.
    let mut v2 = example_manifest().to_bytes();
    let mayor = b"Maire";
    let at = v2.windows(mayor.len()).position(|w| w == mayor).unwrap() + mayor.len();
    assert_eq!(v2[at], 0, "the single-choice kind follows the title");
    v2[at] = 3;
    assert!(Manifest::from_bytes(&v2).is_err());
}

/// A hand-checked example (4 grades, 5 voters): A's grades 0 1 1 2 3, B's 1 1 1 3 3, C's 0 0 2 2 2. Majority
/// grades (lower median, the 3rd of 5): A 1, B 1, C 2. A and B tie at grade 1; removing one grade 1 from each
/// leaves A 0 1 2 3 (majority grade, the 3rd of 4: 2) and B 1 1 3 3 (3): A ranks above B. Majority Judgment: A, B,
/// C. Scores (3, 2, 1, 0 points): A 8, B 6, C 9: score voting ranks C, A, B.
#[test]
fn majority_judgment_and_score_known_answers() {
    let answers = grading(&[&[0, 1, 0], &[1, 1, 0], &[1, 1, 2], &[2, 3, 2], &[3, 3, 2]]);
    let names = ["Excellent", "Good", "Fair", "Poor"];
    let r = count_contest(&graded(&["a", "b", "c"], &names, 1, None), &answers);
    assert_eq!(r.method, protocol::count::METHOD_MAJORITY_JUDGMENT);
    let profiles = r.profiles.as_ref().unwrap();
    assert_eq!(profiles[0].counts, [1, 2, 1, 1]);
    assert_eq!(profiles[1].counts, [0, 3, 0, 2]);
    assert_eq!(profiles[2].counts, [2, 0, 3, 0]);
    let medians: Vec<Option<u64>> = profiles.iter().map(|p| p.median).collect();
    assert_eq!(medians, [Some(1), Some(1), Some(2)]);
    assert_eq!(r.ranking.as_ref().unwrap(), &opts(&[0, 1, 2]));
    assert_eq!(r.elected, opts(&[0]));
    assert!(r.ties.is_empty());
    assert_eq!(r.grades.as_ref().unwrap().len(), 4);
    // `tallies`: how many gave the best grade.
    assert_eq!(r.tallies.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 0, 2]);
    let s = count_contest(&graded(&["a", "b", "c"], &names, 2, Some(Rule::Score)), &answers);
    assert_eq!(s.method, protocol::count::METHOD_SCORE);
    assert_eq!(s.points.as_ref().unwrap().iter().map(|(_, p)| *p).collect::<Vec<_>>(), [8, 6, 9]);
    assert_eq!(s.ranking.unwrap(), opts(&[2, 0, 1]));
    assert_eq!(s.elected, opts(&[2, 0]));
    // Lower median for an even number: grades 0 and 3 give 3.
    assert_eq!(protocol::count::majority_grade(&[1, 0, 0, 1]), Some(3));
    assert_eq!(protocol::count::majority_grade(&[0, 0]), None);
    // Identical profiles: a recorded tie, manifest order.
    let r = count_contest(&graded(&["a", "b", "c"], &names, 1, None), &grading(&[&[1, 1, 3], &[2, 2, 3]]));
    assert_eq!(r.elected, opts(&[0]));
    assert_eq!((r.ties[0].candidates.clone(), r.ties[0].tally), (opts(&[0, 1]), 2));
}

/// Majority values compared a run at a time give the order of the definition: remove one majority grade at a time
/// from both and compare the majority grades, until they differ.
#[test]
fn majority_order_is_the_one_at_a_time_definition() {
    fn slow(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        loop {
            match (protocol::count::majority_grade(&a), protocol::count::majority_grade(&b)) {
                (Some(x), Some(y)) if x != y => return x.cmp(&y),
                (Some(x), Some(_)) => {
                    a[x] -= 1;
                    b[x] -= 1;
                }
                _ => return std::cmp::Ordering::Equal,
            }
        }
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for _ in 0..3000 {
        let g = 2 + next(5) as usize;
        let n = 1 + next(40);
        let mut profile = || {
            let mut c = vec![0u64; g];
            for _ in 0..n {
                c[next(g as u64) as usize] += 1;
            }
            c
        };
        let (a, b) = (profile(), profile());
        assert_eq!(protocol::count::majority_order(&a, &b), slow(&a, &b), "{a:?} {b:?}");
    }
}

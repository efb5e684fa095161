//! The result as people read it (SPEC.md §12.6): the text that `tallier tally finish` and `verifier result` print,
//! the CSV export (`result.csv`, `verifier result --csv`) and the lines of V13's note. One writer each, for the
//! tally and the verifier alike, reading the names that `result.json` carries (§12.5, version 2).
//!
//! Contests are numbered from 1 (the record's file names, `contest-0/…`, stay 0-based, §14.1); percentages are of
//! the contest's valid answers ([`percent`]); STV values have three decimals, truncated, and each round shows what
//! rounding lost so that its figures add up to the valid answers ([`crate::count::Round::figures`]).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::count::{fixed, localized, percent, quota, Action, Candidate, ContestResult, UNIT};
use crate::encoding::Selection;
use crate::tally::{AnswersFile, DecodedAnswer, ResultFile, Turnout};

/// The columns of the CSV export, in order (SPEC.md §12.6).
pub const CSV_HEADER: &str = "contest,contest_id,option_id,name,votes,percent,elected";

/// A contest's candidates with names: `candidates` (version 2), or, for a version 1 result, `tallies` with the
/// percentages and elected flags worked out and no names.
pub fn candidates(r: &ContestResult) -> Vec<Candidate> {
    if let Some(named) = &r.candidates {
        return named.clone();
    }
    r.tallies
        .iter()
        .map(|(s, votes)| Candidate {
            selection: s.clone(),
            id: None,
            title: BTreeMap::new(),
            votes: *votes,
            percent: percent(*votes, r.valid),
            elected: r.elected.contains(s),
        })
        .collect()
}

/// A candidate's name in running text: the option's title in `lang`, or `"text" (write-in)`; without a name (a
/// version 1 result), `option #i` (its index in the manifest, as in the file).
fn display(c: &Candidate, lang: &str) -> String {
    match &c.selection {
        Selection::WriteIn(text) => format!("{text:?} (write-in)"),
        Selection::Option(i) => match c.name(lang) {
            "" => format!("option #{i}"),
            name => name.to_string(),
        },
    }
}

/// Names a selection of contest `r` (in rounds, ties and `elected`).
fn namer<'a>(r: &'a ContestResult, lang: &'a str) -> impl Fn(&Selection) -> String + 'a {
    let named = candidates(r);
    move |s: &Selection| match named.iter().find(|c| c.selection == *s) {
        Some(c) => display(c, lang),
        None => match s {
            Selection::Option(i) => format!("option #{i}"),
            Selection::WriteIn(text) => format!("{text:?} (write-in)"),
        },
    }
}

/// The contest's title in `lang` (else its id).
fn title<'a>(r: &'a ContestResult, lang: &str) -> &'a str {
    match r.title.as_ref().map(|t| localized(t, lang)) {
        Some(t) if !t.is_empty() => t,
        _ => &r.contest,
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The turnout in words, one figure a line.
pub fn turnout_text(t: &Turnout) -> String {
    let mut out = String::new();
    let share =
        percent(t.counted, t.registered).map(|p| format!(" ({p} % of the registered voters)")).unwrap_or_default();
    let rows = [
        ("registered voters", t.registered, "credentials in the registry".to_string()),
        ("ballots cast", t.cast, "every ballot in the ballot box, re-votes included".to_string()),
        ("refused", t.refused, "not a valid ballot of a registered voter".to_string()),
        ("replaced by a re-vote", t.superseded, "superseded: the same voter voted again later".to_string()),
        ("cancelled on paper", t.revoked, "revoked: the voter voted on paper".to_string()),
        ("counted", t.counted, format!("one per voter{share}")),
    ];
    let _ = writeln!(out, "Turnout:");
    for (what, n, why) in rows {
        let _ = writeln!(out, "  {what:<22} {n:>9}  {why}");
    }
    out
}

/// One contest in words: its number (from 1), title, method, ballots, votes with percentages, who was elected,
/// each STV round (figures that add up) and each tie. `answers` (the contest's `answers.json`) gives the reasons
/// of invalid answers.
pub fn contest_text(number: usize, r: &ContestResult, answers: Option<&AnswersFile>, lang: &str) -> String {
    let mut out = String::new();
    let name = namer(r, lang);
    let seats = r.elected.len() as u64;
    let _ = writeln!(
        out,
        "Contest {number}: {} ({}; {}, {})",
        title(r, lang),
        r.contest,
        r.method,
        plural(seats, "seat", "seats")
    );
    let _ = writeln!(out, "  ballots: {} valid, {} invalid", r.valid, r.invalid);
    let mut reasons = BTreeMap::<&str, usize>::new();
    for a in answers.map_or(&[][..], |a| &a.answers[..]) {
        if let DecodedAnswer::Invalid { invalid } = a {
            *reasons.entry(invalid.as_str()).or_insert(0) += 1;
        }
    }
    for (reason, n) in reasons {
        let _ = writeln!(out, "    invalid ({reason}): {n}");
    }
    let heading = match (r.rounds.is_empty(), r.method.as_str()) {
        (false, _) | (true, crate::count::METHOD_SCHULZE | crate::count::METHOD_BORDA) => "first preferences",
        (true, crate::count::METHOD_MAJORITY_JUDGMENT | crate::count::METHOD_SCORE) => "best grades given",
        (true, crate::count::METHOD_APPROVAL) => "approvals (a ballot may approve several)",
        _ => "votes",
    };
    let _ = writeln!(out, "  {heading}, with the percentage of the {} valid ballots:", r.valid);
    let named = candidates(r);
    let shown: Vec<String> = named.iter().map(|c| display(c, lang)).collect();
    let width = shown.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (c, n) in named.iter().zip(&shown) {
        let p = c.percent.as_deref().map_or_else(|| "—".to_string(), |p| format!("{p} %"));
        let _ = writeln!(out, "    {n:<width$}  {:>8}  {p:>7}", c.votes);
    }
    let elected: Vec<String> = r.elected.iter().enumerate().map(|(i, s)| format!("{}. {}", i + 1, name(s))).collect();
    let _ = writeln!(out, "  elected: {}", if elected.is_empty() { "nobody".into() } else { elected.join(", ") });
    if !r.rounds.is_empty() {
        let _ = writeln!(
            out,
            "  quota: {} votes (Droop: {} valid ballots / ({} seats + 1), rounded down, + 1)",
            quota(r.valid, seats) / UNIT,
            r.valid,
            seats
        );
        let _ = writeln!(
            out,
            "  rounds, in votes with 3 decimals, truncated; each adds up to the {} valid ballots:",
            r.valid
        );
    }
    for (i, round) in r.rounds.iter().enumerate() {
        let action = match &round.action {
            Action::Elected { candidate, surplus } => {
                format!("{} elected (reached the quota; surplus {} transferred)", name(candidate), fixed(*surplus))
            }
            Action::Excluded { candidate } => format!("{} excluded (fewest votes)", name(candidate)),
            Action::ElectedRemaining { candidates } => {
                let names: Vec<String> = candidates.iter().map(&name).collect();
                format!("{} elected (as many candidates left as seats)", names.join(", "))
            }
        };
        let _ = writeln!(out, "  round {}: {action}", i + 1);
        let f = round.figures(r.valid);
        let mut rows: Vec<(String, String)> = f.tallies.into_iter().map(|(s, v)| (name(&s), v)).collect();
        rows.push(("exhausted (no preference left)".into(), f.exhausted));
        rows.push(("lost to rounding".into(), f.rounding));
        rows.push(("total".into(), f.total));
        let w = rows.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
        let vw = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        for (n, v) in rows {
            let _ = writeln!(out, "      {n:<w$}  {v:>vw$}");
        }
    }
    rule_figures(&mut out, r, lang, &name, &shown);
    for tie in &r.ties {
        let _ = writeln!(out, "  tie: {}", tie.describe(&name));
    }
    out
}

/// The figures of a rule that has its own (SPEC.md §12.7–§12.9, `rv/result/v3`): the lists' votes and seats, the
/// Schulze matrices, the Borda points, the full ranking. `shown` names the candidates in the order of `tallies`.
fn rule_figures(
    out: &mut String,
    r: &ContestResult,
    lang: &str,
    name: &dyn Fn(&Selection) -> String,
    shown: &[String],
) {
    if let Some(lists) = &r.lists {
        let _ = writeln!(out, "  lists, with the percentage of the {} valid ballots and the seats won:", r.valid);
        let width = lists.iter().map(|l| localized(&l.title, lang).chars().count()).max();
        for l in lists {
            let p = l.percent.as_deref().map_or_else(|| "—".to_string(), |p| format!("{p} %"));
            let t = localized(&l.title, lang);
            let under = if l.qualified { "" } else { "  below the threshold: no seat" };
            let w = width.unwrap_or(0);
            let _ = writeln!(out, "    {t:<w$}  {:>8}  {p:>7}  {}{under}", l.votes, plural(l.seats, "seat", "seats"));
        }
        for t in r.list_ties.iter().flatten() {
            let (won, lost) = t.lists.split_at(usize::try_from(t.won).unwrap_or(0).min(t.lists.len()));
            let how = match t.decided_by {
                crate::count::ListTieBreak::Votes => "the list with more votes goes first",
                crate::count::ListTieBreak::ListOrder => "equal votes too: the list declared first goes first",
            };
            let _ = writeln!(
                out,
                "  tie between lists for the last seat: {} won it over {} ({how})",
                won.join(", "),
                lost.join(", ")
            );
        }
    }
    let matrix = |out: &mut String, what: &str, m: &[Vec<u64>]| {
        let _ = writeln!(out, "  {what}");
        for (i, row) in m.iter().enumerate() {
            let cells: Vec<String> =
                row.iter().enumerate().map(|(j, v)| if i == j { "—".to_string() } else { v.to_string() }).collect();
            let _ = writeln!(out, "    {:<20} {}", shown.get(i).map_or("", String::as_str), cells.join(" "));
        }
    };
    if let Some(d) = &r.pairwise {
        matrix(out, "ballots ranking the row's candidate above the column's (columns in the same order):", d);
    }
    if let Some(p) = &r.strongest_paths {
        matrix(out, "strength of the strongest path from the row's candidate to the column's:", p);
    }
    if let (Some(grades), Some(profiles)) = (&r.grades, &r.profiles) {
        let names: Vec<&str> = grades.iter().map(|g| localized(g, lang)).collect();
        let _ =
            writeln!(out, "  grades given, best first ({}), and the majority grade (lower median):", names.join(", "));
        for p in profiles {
            let counts: Vec<String> = p.counts.iter().map(u64::to_string).collect();
            let median = p.median.and_then(|g| names.get(usize::try_from(g).unwrap_or(usize::MAX))).map_or("—", |n| n);
            let _ = writeln!(out, "    {}  {}  majority grade: {median}", name(&p.selection), counts.join(" / "));
        }
    }
    if let Some(points) = &r.points {
        let what = if r.method == crate::count::METHOD_SCORE {
            "scores (each grade's points: the worst 0, one more each grade up)"
        } else {
            "Borda points (first choice n-1, then one less each place; unranked 0)"
        };
        let _ = writeln!(out, "  {what}:");
        for (s, n) in points {
            let _ = writeln!(out, "    {}  {n}", name(s));
        }
    }
    if let Some(ranking) = &r.ranking {
        let names: Vec<String> = ranking.iter().enumerate().map(|(i, s)| format!("{}. {}", i + 1, name(s))).collect();
        let _ = writeln!(out, "  full ranking: {}", names.join(", "));
    }
}

/// The whole result in words: the turnout, then each contest (numbered from 1), blank lines between.
pub fn text(result: &ResultFile, answers: &[AnswersFile], lang: &str) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &result.turnout {
        parts.push(turnout_text(t));
    }
    for (c, r) in result.contests.iter().enumerate() {
        parts.push(contest_text(c + 1, r, answers.get(c), lang));
    }
    parts.join("\n")
}

/// V13's note: the turnout on one line, then one line per contest with each candidate's votes and percentage and
/// who was elected (`contest 1, Mayor: Alice 3 (60.0 %), Bob 2 (40.0 %); elected: Alice`).
pub fn summary(result: &ResultFile, lang: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(t) = &result.turnout {
        lines.push(format!(
            "{} registered, {} cast, {} refused, {} superseded, {} revoked, {} counted",
            t.registered, t.cast, t.refused, t.superseded, t.revoked, t.counted
        ));
    }
    for (c, r) in result.contests.iter().enumerate() {
        let name = namer(r, lang);
        let votes: Vec<String> = candidates(r)
            .iter()
            .map(|k| match &k.percent {
                Some(p) => format!("{} {} ({p} %)", display(k, lang), k.votes),
                None => format!("{} {}", display(k, lang), k.votes),
            })
            .collect();
        let what = if r.rounds.is_empty() { "" } else { " (first preferences)" };
        let elected: Vec<String> = r.elected.iter().map(&name).collect();
        let elected = if elected.is_empty() { "nobody".to_string() } else { elected.join(", ") };
        lines.push(format!("contest {}, {}{what}: {}; elected: {elected}", c + 1, title(r, lang), votes.join(", ")));
    }
    lines
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; a field that a spreadsheet
/// would take for a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return: only a write-in's
/// text can) gets a leading `'`, so that opening the file runs nothing.
fn csv_field(text: &str) -> String {
    let guarded =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV export (SPEC.md §12.6): [`CSV_HEADER`], then one row per contest and candidate, in the order of
/// `result.json`: the contest's number (from 1) and id, the option's id (empty for a write-in), its name in
/// `lang` (a write-in's text), its votes (ranked contests: first preferences), the percentage of the valid
/// ballots (empty if none) and `yes` or `no` for elected. Lines end in CRLF, as RFC 4180 says.
pub fn csv(result: &ResultFile, lang: &str) -> String {
    let mut out = format!("{CSV_HEADER}\r\n");
    for (c, r) in result.contests.iter().enumerate() {
        for k in candidates(r) {
            let name = match &k.selection {
                Selection::WriteIn(text) => text.clone(),
                Selection::Option(i) => match k.name(lang) {
                    "" => format!("option #{i}"),
                    n => n.to_string(),
                },
            };
            let row = [
                (c + 1).to_string(),
                csv_field(&r.contest),
                csv_field(k.id.as_deref().unwrap_or("")),
                csv_field(&name),
                k.votes.to_string(),
                k.percent.clone().unwrap_or_default(),
                if k.elected { "yes" } else { "no" }.to_string(),
            ];
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::count_contest;
    use crate::manifest::example_manifest;
    use crate::Answer;

    fn result() -> (ResultFile, Vec<AnswersFile>) {
        let m = example_manifest();
        let o = Selection::Option;
        let zed = Selection::WriteIn("=Zed, \"the\" one".into());
        let per_contest: [Vec<Vec<Selection>>; 3] = [
            vec![vec![o(0)], vec![o(0)], vec![o(0)], vec![o(1)], vec![o(1)]],
            vec![vec![o(0), o(1)], vec![o(1)], vec![], vec![o(1), o(3)], vec![o(3)]],
            vec![vec![o(0), o(1)], vec![o(0), o(2)], vec![o(0)], vec![o(1)], vec![zed.clone(), o(1)]],
        ];
        let answers: Vec<AnswersFile> = m
            .contests
            .iter()
            .zip(per_contest)
            .map(|(contest, rows)| AnswersFile {
                contest: contest.id.clone(),
                answers: rows.into_iter().map(|selections| DecodedAnswer::Valid(Answer { selections })).collect(),
            })
            .collect();
        let contests = m
            .contests
            .iter()
            .zip(&answers)
            .map(|(c, a)| count_contest(c, &a.answers.iter().map(DecodedAnswer::as_result).collect::<Vec<_>>()))
            .collect();
        let turnout = Turnout { registered: 8, cast: 7, refused: 1, superseded: 1, revoked: 0, counted: 5 };
        let file = ResultFile {
            format: crate::tally::RESULT_FORMAT.into(),
            fingerprint: crate::Fingerprint([1; 32]),
            turnout: Some(turnout),
            contests,
        };
        (file, answers)
    }

    #[test]
    fn csv_has_one_row_per_contest_and_candidate() {
        let (r, _) = result();
        let csv = csv(&r, "en");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[1], "1,mayor,alice,Alice Tamm,3,60.0,yes");
        assert_eq!(lines[2], "1,mayor,bob,Bob Kask,2,40.0,no");
        assert_eq!(lines[3], "1,mayor,carol,Carol Saar,0,0.0,no");
        assert!(lines.contains(&"2,budget,library,Library,3,60.0,yes"), "{csv}");
        // The write-in: no option id, its text quoted (comma, quotes) and guarded against a formula.
        assert!(lines.contains(&"3,council,,\"'=Zed, \"\"the\"\" one\",1,20.0,no"), "{csv}");
        let rows: usize = r.contests.iter().map(|c| c.tallies.len()).sum();
        assert_eq!(lines.len(), 1 + rows + 1, "header, rows, and the empty string after the last CRLF");
        assert_eq!(lines.last(), Some(&""));
        // In Estonian the options' titles are the manifest's Estonian ones (the example's names are the same).
        assert!(csv_field("a,b") == "\"a,b\"" && csv_field("-1") == "'-1" && csv_field("plain") == "plain");
    }

    #[test]
    fn text_shows_turnout_percentages_and_numbers_contests_from_one() {
        let (r, answers) = result();
        let text = text(&r, &answers, "en");
        for expected in [
            "Turnout:",
            "ballots cast",
            "counted                        5  one per voter (62.5 % of the registered voters)",
            "Contest 1: Mayor (mayor; plurality, 1 seat)",
            "Alice Tamm         3   60.0 %",
            "elected: 1. Alice Tamm",
            "Contest 3: Council (council; STV (Droop quota, WIGM), 2 seats)",
            "quota: 2 votes",
            "lost to rounding",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        assert!(!text.contains("Contest 0"), "{text}");
        let et = super::text(&r, &answers, "et");
        assert!(et.contains("Contest 1: Linnapea"), "{et}");
    }

    #[test]
    fn summary_names_candidates_with_votes_and_percentages() {
        let (r, _) = result();
        let lines = summary(&r, "en");
        assert_eq!(lines[0], "8 registered, 7 cast, 1 refused, 1 superseded, 0 revoked, 5 counted");
        assert_eq!(
            lines[1],
            "contest 1, Mayor: Alice Tamm 3 (60.0 %), Bob Kask 2 (40.0 %), Carol Saar 0 (0.0 %); elected: Alice Tamm"
        );
        assert!(lines[3].starts_with("contest 3, Council (first preferences): Dan 3 (60.0 %)"), "{}", lines[3]);
        // A version 1 result has no names: the options are shown by index, and there is no turnout line.
        let v1 = r.in_format(crate::tally::RESULT_FORMAT_V1).unwrap();
        let lines = summary(&v1, "en");
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("contest 1, mayor: option #0 3 (60.0 %)"), "{}", lines[0]);
    }

    /// The rules with figures of their own (SPEC.md §12.6): lists with seats and the threshold, the Schulze matrices,
    /// Borda points, grades with majority grades, scores, the full ranking.
    #[test]
    fn text_shows_each_rules_figures() {
        use crate::manifest::{ContestKind, PartyList, Rule, Threshold};
        let m = example_manifest();
        let o = Selection::Option;
        let answer = |s: Vec<Selection>| Ok(Answer { selections: s });
        // Party lists: Alice and Bob on list "a", Carol on "b"; 5 % threshold; 2 seats.
        let mut lists = m.contests[0].clone();
        lists.rule = Some(Rule::Dhondt);
        lists.seats = 2;
        lists.threshold = Some(Threshold { hundredths: 3_000 });
        let l =
            |id: &str, name: &str| PartyList { id: id.into(), title: [("en".to_string(), name.to_string())].into() };
        lists.lists = vec![l("a", "Party A"), l("b", "Party B")];
        for (opt, list) in lists.options.iter_mut().zip(["a", "a", "b"]) {
            opt.list = Some(list.into());
        }
        let r =
            count_contest(&lists, &[answer(vec![o(0)]), answer(vec![o(1)]), answer(vec![o(0)]), answer(vec![o(2)])]);
        let text = contest_text(1, &r, None, "en");
        assert!(text.contains("Party A") && text.contains("2 seats"), "{text}");
        assert!(text.contains("Party B") && text.contains("below the threshold: no seat"), "{text}");
        assert!(text.contains("elected: 1. Alice Tamm, 2. Bob Kask"), "{text}");
        // Schulze and Borda.
        let mut ranked = m.contests[2].clone();
        ranked.rule = Some(Rule::Schulze);
        let ballots = [answer(vec![o(1), o(0)]), answer(vec![o(1), o(2)]), answer(vec![o(0)])];
        let text = contest_text(3, &count_contest(&ranked, &ballots), None, "en");
        assert!(text.contains("ballots ranking the row's candidate above the column's"), "{text}");
        assert!(text.contains("strength of the strongest path"), "{text}");
        assert!(text.contains("full ranking: 1. Eve, 2. Dan"), "{text}");
        ranked.rule = Some(Rule::Borda);
        let text = contest_text(3, &count_contest(&ranked, &ballots), None, "en");
        assert!(text.contains("Borda points") && text.contains("    Eve  6"), "{text}");
        // Graded: Majority Judgment and score.
        let mut graded = m.contests[0].clone();
        graded.kind = ContestKind::Graded;
        graded.grades = ["Good", "Fair", "Poor"].map(|g| [("en".to_string(), g.to_string())].into()).to_vec();
        let rows = [answer(vec![o(0), o(2), o(1)]), answer(vec![o(1), o(2), o(1)]), answer(vec![o(0), o(0), o(2)])];
        let text = contest_text(1, &count_contest(&graded, &rows), None, "en");
        assert!(text.contains("grades given, best first (Good, Fair, Poor)"), "{text}");
        assert!(text.contains("Alice Tamm  2 / 1 / 0  majority grade: Good"), "{text}");
        assert!(text.contains("Bob Kask  1 / 0 / 2  majority grade: Poor"), "{text}");
        graded.rule = Some(Rule::Score);
        let text = contest_text(1, &count_contest(&graded, &rows), None, "en");
        assert!(text.contains("scores (each grade's points") && text.contains("    Alice Tamm  5"), "{text}");
    }
}

//! The readable report that `tallier tally finish` prints: the count of §12.5 (`result.json`) with the names of
//! the manifest's contests and options in place of their indices.

use std::fmt::Write;

use protocol::count::{format_units as votes, Action, ContestResult};
use protocol::manifest::{Contest, Localized};
use protocol::tally::{AnswersFile, DecodedAnswer, ResultFile};
use protocol::{Election, Selection};

/// The text of a localized field: English if present, else the first language.
fn text(l: &Localized) -> &str {
    l.get("en").or_else(|| l.values().next()).map_or("", String::as_str)
}

/// A candidate's name: the option's title, or the write-in's text.
fn name(contest: &Contest, s: &Selection) -> String {
    match s {
        Selection::Option(i) => {
            contest.options.get(usize::from(*i)).map_or_else(|| format!("option {i}"), |o| text(&o.title).to_string())
        }
        Selection::WriteIn(w) => format!("{w:?} (write-in)"),
    }
}

fn contest_report(out: &mut String, c: usize, contest: &Contest, r: &ContestResult, answers: &AnswersFile) {
    let seats = if contest.seats == 1 { "1 seat".to_string() } else { format!("{} seats", contest.seats) };
    let _ = writeln!(out, "Contest {c}: {} ({}; {}, {seats})", text(&contest.title), contest.id, r.method);
    let _ = writeln!(out, "  ballots: {} valid, {} invalid", r.valid, r.invalid);
    let mut reasons = std::collections::BTreeMap::<&str, usize>::new();
    for a in &answers.answers {
        if let DecodedAnswer::Invalid { invalid } = a {
            *reasons.entry(invalid.as_str()).or_insert(0) += 1;
        }
    }
    for (reason, n) in reasons {
        let _ = writeln!(out, "    invalid ({reason}): {n}");
    }
    let heading = if r.rounds.is_empty() { "votes" } else { "first preferences" };
    let _ = writeln!(out, "  {heading}:");
    let width = r.tallies.iter().map(|(s, _)| name(contest, s).chars().count()).max().unwrap_or(0);
    for (s, n) in &r.tallies {
        let _ = writeln!(out, "    {:<width$}  {n:>8}", name(contest, s));
    }
    let elected: Vec<String> =
        r.elected.iter().enumerate().map(|(i, s)| format!("{}. {}", i + 1, name(contest, s))).collect();
    let _ = writeln!(out, "  elected: {}", if elected.is_empty() { "nobody".into() } else { elected.join(", ") });
    for (i, round) in r.rounds.iter().enumerate() {
        let action = match &round.action {
            Action::Elected { candidate, surplus } => {
                format!("elected {} (surplus {} transferred)", name(contest, candidate), votes(*surplus))
            }
            Action::Excluded { candidate } => format!("excluded {}", name(contest, candidate)),
            Action::ElectedRemaining { candidates } => {
                let names: Vec<String> = candidates.iter().map(|s| name(contest, s)).collect();
                format!("elected the remaining {}", names.join(", "))
            }
        };
        let tallies: Vec<String> =
            round.tallies.iter().map(|(s, u)| format!("{} {}", name(contest, s), votes(*u))).collect();
        let _ =
            writeln!(out, "  round {}: {}; exhausted {}: {action}", i + 1, tallies.join(", "), votes(round.exhausted));
    }
    for tie in &r.ties {
        let _ = writeln!(out, "  tie: {}", tie.describe(|s| name(contest, s)));
    }
}

/// The report: the election, the record's head, who decrypted, then each contest.
pub fn render(
    election: &Election,
    result: &ResultFile,
    answers: &[AnswersFile],
    trustees: &[Vec<u16>],
    head: &[u8; 32],
) -> String {
    let m = election.manifest();
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", text(&m.title), m.election_id);
    let _ = writeln!(out, "fingerprint: {}", election.fingerprint().to_hex());
    let _ = writeln!(out, "record head: {}", hex::encode(head));
    let mut all: Vec<u16> = trustees.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let _ = writeln!(out, "decrypted by trustees {all:?} ({} of {} needed)", m.trustees.threshold, m.trustees.count);
    for (c, ((contest, r), a)) in m.contests.iter().zip(&result.contests).zip(answers).enumerate() {
        out.push('\n');
        contest_report(&mut out, c, contest, r, a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::count::count_contest;
    use protocol::manifest::example_manifest;
    use protocol::Answer;

    #[test]
    fn ties_are_printed_with_the_candidates_names() {
        let m = example_manifest();
        let council = &m.contests[2];
        // Council (STV, 2 seats; Dan, Eve, Fay, Gus): first preferences Dan 2, Eve 2, write-in "Zed" 2; quota 3.
        let zed = Selection::WriteIn("Zed".into());
        let ballots: Vec<Answer> = [
            vec![Selection::Option(0)],
            vec![Selection::Option(0)],
            vec![Selection::Option(1)],
            vec![Selection::Option(1)],
            vec![zed.clone()],
            vec![zed],
        ]
        .into_iter()
        .map(|selections| Answer { selections })
        .collect();
        let r = count_contest(council, &ballots.iter().cloned().map(Ok).collect::<Vec<_>>());
        let answers = AnswersFile {
            contest: council.id.clone(),
            answers: ballots.into_iter().map(DecodedAnswer::Valid).collect(),
        };
        let mut out = String::new();
        contest_report(&mut out, 2, council, &r, &answers);
        let tie_lines = out.lines().filter(|l| l.trim_start().starts_with("tie: ")).count();
        assert_eq!(tie_lines, r.ties.len(), "{out}");
        // Round 1: Fay and Gus (no votes) tie for exclusion; round 2: Fay goes; round 3: all three tie at 2;
        // round 4: Dan and Eve fill the seats, in manifest order.
        for expected in [
            "tie: round 1: Fay and Gus tied at 0 votes for exclusion; decided by manifest order: Gus excluded",
            "tie: round 3: Dan, Eve and \"Zed\" (write-in) tied at 2 votes for exclusion; decided by manifest \
             order: \"Zed\" (write-in) excluded",
            "tie: round 4: Dan and Eve tied at 2 votes for the order of election; decided by manifest order",
        ] {
            assert!(out.contains(expected), "{expected}\n{out}");
        }
        assert_eq!(tie_lines, 3, "{out}");
        assert!(!out.contains("Option("), "{out}");
    }
}

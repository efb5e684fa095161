//! The readable report that `tallier tally finish` prints: the count of §12.5 (`result.json`) with the names of
//! the manifest's contests and options in place of their indices.

use std::fmt::Write;

use protocol::count::{Action, ContestResult, UNIT};
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

/// A value in units (10⁻⁹ vote) as a decimal number of votes.
fn votes(units: u64) -> String {
    let (whole, frac) = (units / UNIT, units % UNIT);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{frac:09}").trim_end_matches('0'))
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
        let _ = writeln!(out, "  tie: {tie}");
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

    #[test]
    fn votes_print_as_decimals() {
        assert_eq!(votes(3 * UNIT), "3");
        assert_eq!(votes(UNIT / 2), "0.5");
        assert_eq!(votes(UNIT + 1), "1.000000001");
    }
}

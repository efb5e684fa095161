//! The readable report that `tallier tally finish` prints: the election, the record's head and who decrypted, then
//! the result in words by [`protocol::readable`] (the same writer `verifier result` uses): turnout, each contest
//! numbered from 1 with its title, votes with percentages of the valid ballots, STV rounds whose figures add up,
//! ties, with the manifest's names in place of indices. The CSV export is [`protocol::readable::csv`].

use std::fmt::Write;

use protocol::count::localized;
use protocol::readable;
use protocol::tally::{AnswersFile, ResultFile, RevokedFile};
use protocol::{Election, Selection};

/// The language of the report's names (the manifest's English, else its first language).
const LANG: &str = "en";

/// The report: the election, the record's head, who decrypted, why ballots were cancelled (R3, when a voter-list
/// change cancelled any: `revoked`, the record's `tally/revoked.json`), then the result in words, and with districts
/// each contest's figures by district. `answers` and `trustees` hold one entry per unit (SPEC.md §4.6: per contest
/// without districts).
pub fn render(
    election: &Election,
    result: &ResultFile,
    answers: &[AnswersFile],
    trustees: &[Vec<u16>],
    head: &[u8; 32],
    revoked: &RevokedFile,
) -> String {
    let m = election.manifest();
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", localized(&m.title, LANG), m.election_id);
    let _ = writeln!(out, "fingerprint: {}", election.fingerprint().to_hex());
    let _ = writeln!(out, "record head: {}", hex::encode(head));
    let mut all: Vec<u16> = trustees.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let _ = writeln!(out, "decrypted by trustees {all:?} ({} of {} needed)", m.trustees.threshold, m.trustees.count);
    out.push_str(&cancelled(revoked));
    out.push('\n');
    out.push_str(&readable::text(result, answers, LANG));
    out.push_str(&by_district(election, result));
    out
}

/// With voter-list changes (SPEC.md §4.7): how the ballots R3 removed divide between paper votes and later
/// changes that removed or moved the credential, e.g. `cancelled ballots (R3): 1 voted on paper, 2 by a later
/// voter-list change (tally/revoked.json)`. Nothing when no change cancelled a ballot.
fn cancelled(revoked: &RevokedFile) -> String {
    let by_change = revoked.revoked.iter().filter(|r| r.change.is_some()).count();
    if by_change == 0 {
        return String::new();
    }
    format!(
        "cancelled ballots (R3): {} voted on paper, {by_change} by a later voter-list change ({})\n",
        revoked.revoked.len() - by_change,
        protocol::record::REVOKED_PATH
    )
}

/// With districts: for each contest that spans several districts, one line per district with its valid and invalid answers and its
/// first-round votes (SPEC.md §12.5 `districts`), e.g. `  Centre (centre): 4 valid, 0 invalid; Yes 3, No 1`.
fn by_district(election: &Election, result: &ResultFile) -> String {
    let m = election.manifest();
    let mut out = String::new();
    for (c, r) in result.contests.iter().enumerate() {
        // A contest of one district has its district's figures above already.
        let (Some(districts), Some(contest)) = (r.districts.as_ref().filter(|d| d.len() > 1), m.contests.get(c)) else {
            continue;
        };
        let _ = writeln!(out, "\nContest {}: {}, by district", c + 1, localized(&contest.title, LANG));
        for d in districts {
            let title = m
                .district_index(&d.district)
                .and_then(|i| m.districts.get(usize::from(i)))
                .map_or(d.district.as_str(), |x| localized(&x.title, LANG));
            let votes: Vec<String> = d
                .tallies
                .iter()
                .map(|(s, n)| {
                    let name = match s {
                        Selection::Option(o) => contest
                            .options
                            .get(usize::from(*o))
                            .map_or_else(|| format!("option {o}"), |x| localized(&x.title, LANG).to_string()),
                        Selection::WriteIn(text) => format!("\"{text}\" (written in)"),
                    };
                    format!("{name} {n}")
                })
                .collect();
            let _ = writeln!(
                out,
                "  {title} ({}): {} valid, {} invalid; {}",
                d.district,
                d.valid,
                d.invalid,
                if votes.is_empty() { "no votes".to_string() } else { votes.join(", ") }
            );
        }
    }
    out
}

/// The CSV export of the result (SPEC.md §12.6), written beside the report.
pub fn csv(result: &ResultFile) -> String {
    readable::csv(result, LANG)
}

#[cfg(test)]
mod tests {
    use protocol::count::count_contest;
    use protocol::manifest::example_manifest;
    use protocol::readable::contest_text;
    use protocol::tally::{AnswersFile, DecodedAnswer};
    use protocol::{Answer, Selection};

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
            district: None,
        };
        let out = contest_text(3, &r, Some(&answers), "en");
        assert!(out.starts_with("Contest 3: Council (council;"), "{out}");
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

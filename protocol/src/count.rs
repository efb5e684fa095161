//! Counting rules (SPEC.md §12): plurality, approval, and single transferable vote (instant-runoff is STV with
//! one seat). Deterministic, with a documented tie rule; every step is recorded so the verifier can recount.
//!
//! **Tie rule** (SPEC.md §12.4): when candidates are tied, the one with more votes at the most recent earlier
//! round in which they differed ranks higher ("backwards tie-break"); if they were tied in every round, or
//! there is no earlier round, candidates rank by their position in the manifest (option 0 highest), write-ins
//! after all options, ordered by the bytes of their text. Every use of the rule is noted in the result.
//!
//! **STV variant** (SPEC.md §12.3): Droop quota `⌊valid / (seats + 1)⌋ + 1`; surpluses transferred by the
//! *weighted inclusive Gregory method* (every ballot held by the elected candidate moves on at
//! `value · surplus / total`), in fixed point with 10⁻⁹ vote precision, truncated; surpluses are transferred one
//! at a time, largest first; when no candidate reaches the quota, the candidate with fewest votes is excluded and
//! its ballots move on at their current value; when the continuing candidates are no more than the seats left,
//! all are elected. Ballots with no continuing preference are exhausted.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::encoding::{Answer, InvalidAnswer, Selection};
use crate::manifest::{Contest, ContestKind};

/// Fixed-point unit: one vote = 10⁹ units.
pub const UNIT: u64 = 1_000_000_000;

/// One round of an STV count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// Tallies of the continuing and elected candidates at the start of the round, in units (10⁻⁹ vote).
    pub tallies: Vec<(Selection, u64)>,
    pub exhausted: u64,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Reached the quota; its surplus (units) is transferred.
    Elected { candidate: Selection, surplus: u64 },
    /// Fewest votes; its ballots move on.
    Excluded { candidate: Selection },
    /// The continuing candidates fill the remaining seats.
    ElectedRemaining { candidates: Vec<Selection> },
}

/// The result of one contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestResult {
    pub contest: String,
    pub method: String,
    pub valid: u64,
    pub invalid: u64,
    /// First-round votes (plurality: votes; approval: approvals; STV: first preferences), whole votes.
    pub tallies: Vec<(Selection, u64)>,
    pub elected: Vec<Selection>,
    /// STV rounds (empty for plurality and approval).
    pub rounds: Vec<Round>,
    /// Every application of the tie rule, in words.
    pub ties: Vec<String>,
}

/// Counts one contest's decoded answers (SPEC.md §12).
pub fn count_contest(contest: &Contest, answers: &[Result<Answer, InvalidAnswer>]) -> ContestResult {
    let valid: Vec<&Answer> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    let invalid = (answers.len() - valid.len()) as u64;
    let candidates = candidate_list(contest, &valid);
    let mut result = match contest.kind {
        ContestKind::SingleChoice | ContestKind::Approval { .. } => count_by_votes(contest, &candidates, &valid),
        ContestKind::Ranked { .. } => stv(contest, &candidates, &valid),
    };
    result.invalid = invalid;
    result
}

/// All candidates in tie-rule order: options by index, then write-ins by text bytes.
fn candidate_list(contest: &Contest, valid: &[&Answer]) -> Vec<Selection> {
    let mut list: Vec<Selection> = (0..contest.options.len() as u16).map(Selection::Option).collect();
    let mut write_ins: Vec<Selection> = valid
        .iter()
        .flat_map(|a| a.selections.iter())
        .filter(|s| matches!(s, Selection::WriteIn(_)))
        .cloned()
        .collect();
    write_ins.sort();
    write_ins.dedup();
    list.extend(write_ins);
    list
}

/// Plurality (single choice) and approval: each selection is one vote; the `seats` highest win.
fn count_by_votes(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let mut votes: BTreeMap<&Selection, u64> = candidates.iter().map(|c| (c, 0)).collect();
    for a in valid {
        for s in &a.selections {
            *votes.entry(s).or_default() += 1;
        }
    }
    let tallies: Vec<(Selection, u64)> = candidates.iter().map(|c| (c.clone(), votes[c])).collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    // Highest first; ties by manifest order (index order of `candidates`), which the stable sort keeps.
    order.sort_by(|&a, &b| tallies[b].1.cmp(&tallies[a].1));
    let seats = contest.seats as usize;
    let mut ties = Vec::new();
    if seats < order.len() && tallies[order[seats - 1]].1 == tallies[order[seats]].1 {
        ties.push(format!(
            "tie at {} votes for the last seat: decided by manifest order (SPEC.md §12.4)",
            tallies[order[seats]].1
        ));
    }
    let method = match contest.kind {
        ContestKind::SingleChoice => "plurality",
        _ => "approval",
    };
    ContestResult {
        contest: contest.id.clone(),
        method: method.into(),
        valid: valid.len() as u64,
        invalid: 0,
        elected: order.iter().take(seats).map(|&i| candidates[i].clone()).collect(),
        tallies,
        rounds: Vec::new(),
        ties,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Continuing,
    Elected,
    Excluded,
}

/// Single transferable vote, WIGM, Droop quota (see the module documentation).
fn stv(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let index: BTreeMap<&Selection, usize> = candidates.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let prefs: Vec<Vec<usize>> = valid.iter().map(|a| a.selections.iter().map(|s| index[s]).collect()).collect();
    let n = candidates.len();
    let seats = (contest.seats as usize).min(n);
    let quota = (valid.len() as u64 / (seats as u64 + 1) + 1) * UNIT;
    // Each ballot: (value in units, position of its current preference).
    let mut ballots: Vec<(u64, usize)> = vec![(UNIT, 0); prefs.len()];
    let mut status = vec![Status::Continuing; n];
    let mut elected = Vec::new();
    let mut rounds: Vec<Round> = Vec::new();
    let mut history: Vec<Vec<u64>> = Vec::new();
    let mut ties = Vec::new();

    // Moves each ballot to its highest continuing preference; returns the tallies and the exhausted total.
    let settle = |ballots: &mut Vec<(u64, usize)>, status: &[Status], tally_elected: &[u64]| -> (Vec<u64>, u64) {
        let mut t = tally_elected.to_vec();
        let mut exhausted = 0;
        for (b, p) in ballots.iter_mut().zip(&prefs) {
            while b.1 < p.len() && status[p[b.1]] != Status::Continuing {
                b.1 += 1;
            }
            match p.get(b.1) {
                Some(&c) => t[c] += b.0,
                None => exhausted += b.0,
            }
        }
        (t, exhausted)
    };
    // Elected candidates keep exactly the quota.
    let mut kept = vec![0u64; n];
    let (mut tallies, mut exhausted) = settle(&mut ballots, &status, &kept);
    let first_tallies = tallies.clone();

    while elected.len() < seats {
        history.push(tallies.clone());
        let continuing: Vec<usize> = (0..n).filter(|&c| status[c] == Status::Continuing).collect();
        let snapshot = Round {
            tallies: (0..n)
                .filter(|&c| status[c] != Status::Excluded)
                .map(|c| (candidates[c].clone(), tallies[c]))
                .collect(),
            exhausted,
            action: Action::ElectedRemaining { candidates: vec![] },
        };
        if continuing.len() <= seats - elected.len() {
            let mut rest = continuing.clone();
            rest.sort_by(|&a, &b| rank(a, b, &tallies, &history, &mut ties, candidates));
            for &c in &rest {
                status[c] = Status::Elected;
                elected.push(c);
            }
            rounds.push(Round {
                action: Action::ElectedRemaining { candidates: rest.iter().map(|&c| candidates[c].clone()).collect() },
                ..snapshot
            });
            break;
        }
        let mut reached: Vec<usize> = continuing.iter().copied().filter(|&c| tallies[c] >= quota).collect();
        if !reached.is_empty() {
            reached.sort_by(|&a, &b| rank(a, b, &tallies, &history, &mut ties, candidates));
            let c = reached[0];
            let surplus = tallies[c] - quota;
            status[c] = Status::Elected;
            elected.push(c);
            // WIGM: every ballot now with c moves on at value · surplus / total.
            let total = tallies[c];
            for (b, p) in ballots.iter_mut().zip(&prefs) {
                if p.get(b.1) == Some(&c) {
                    b.0 = ((u128::from(b.0) * u128::from(surplus)) / u128::from(total)) as u64;
                    b.1 += 1;
                }
            }
            kept[c] = quota;
            rounds.push(Round { action: Action::Elected { candidate: candidates[c].clone(), surplus }, ..snapshot });
        } else {
            let mut order = continuing.clone();
            order.sort_by(|&a, &b| rank(a, b, &tallies, &history, &mut ties, candidates));
            let Some(&c) = order.last() else { break };
            status[c] = Status::Excluded;
            rounds.push(Round { action: Action::Excluded { candidate: candidates[c].clone() }, ..snapshot });
        }
        (tallies, exhausted) = settle(&mut ballots, &status, &kept);
    }

    ContestResult {
        contest: contest.id.clone(),
        method: if seats == 1 { "instant-runoff (STV, one seat)".into() } else { "STV (Droop quota, WIGM)".into() },
        valid: valid.len() as u64,
        invalid: 0,
        tallies: candidates.iter().zip(&first_tallies).map(|(c, t)| (c.clone(), t / UNIT)).collect(),
        elected: elected.iter().map(|&c| candidates[c].clone()).collect(),
        rounds,
        ties,
    }
}

/// Orders two candidates, best first, applying the tie rule (module documentation) when their tallies are equal.
fn rank(
    a: usize,
    b: usize,
    tallies: &[u64],
    history: &[Vec<u64>],
    ties: &mut Vec<String>,
    candidates: &[Selection],
) -> Ordering {
    match tallies[b].cmp(&tallies[a]) {
        Ordering::Equal => {}
        other => return other,
    }
    for earlier in history.iter().rev().skip(1) {
        match earlier[b].cmp(&earlier[a]) {
            Ordering::Equal => continue,
            other => {
                ties.push(format!("{:?} and {:?} tied: decided by an earlier round", candidates[a], candidates[b]));
                return other;
            }
        }
    }
    ties.push(format!("{:?} and {:?} tied: decided by manifest order", candidates[a], candidates[b]));
    a.cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{example_manifest, ContestOption, WriteInRule};

    fn ranked(options: usize, seats: u16) -> Contest {
        Contest {
            id: "c".into(),
            title: [("en".to_string(), "C".to_string())].into(),
            kind: ContestKind::Ranked { max_ranks: options as u16 },
            options: (0..options)
                .map(|i| ContestOption { id: format!("o{i}"), title: [("en".to_string(), format!("O{i}"))].into() })
                .collect(),
            write_in: Some(WriteInRule { max_bytes: 10 }),
            seats,
        }
    }

    fn ballots(spec: &[(usize, &[u16])]) -> Vec<Result<Answer, InvalidAnswer>> {
        spec.iter()
            .flat_map(|(n, prefs)| {
                std::iter::repeat_with(|| {
                    Ok(Answer { selections: prefs.iter().map(|&p| Selection::Option(p)).collect() })
                })
                .take(*n)
            })
            .collect()
    }

    #[test]
    fn plurality_and_approval() {
        let m = example_manifest();
        let mut answers = ballots(&[(3, &[1]), (2, &[0]), (1, &[2])]);
        answers.push(Err(InvalidAnswer { reason: "x".into() }));
        let r = count_contest(&m.contests[0], &answers);
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert_eq!((r.valid, r.invalid), (6, 1));
        assert_eq!(r.tallies[1], (Selection::Option(1), 3));
        let r = count_contest(&m.contests[1], &ballots(&[(2, &[0, 1]), (1, &[1, 3]), (1, &[])]));
        assert_eq!(r.elected, vec![Selection::Option(1), Selection::Option(0)]);
        assert_eq!(r.tallies[3], (Selection::Option(3), 1));
    }

    #[test]
    fn plurality_tie_goes_by_manifest_order_and_is_reported() {
        let m = example_manifest();
        let r = count_contest(&m.contests[0], &ballots(&[(2, &[2]), (2, &[1])]));
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert_eq!(r.ties.len(), 1);
    }

    #[test]
    fn instant_runoff_transfers_to_a_majority() {
        // 0 leads on first preferences but 2's voters prefer 1, who wins.
        let c = ranked(3, 1);
        let r = count_contest(&c, &ballots(&[(4, &[0, 1]), (3, &[1, 0]), (2, &[2, 1])]));
        assert_eq!(r.elected, vec![Selection::Option(1)]);
        assert_eq!(r.rounds[0].action, Action::Excluded { candidate: Selection::Option(2) });
        assert_eq!(r.method, "instant-runoff (STV, one seat)");
    }

    #[test]
    fn stv_transfers_surplus_by_wigm() {
        // 10 ballots, 2 seats: quota 4. Candidate 0 has 6 first preferences, surplus 2 moves on at 2/6 each.
        let c = ranked(3, 2);
        let r = count_contest(&c, &ballots(&[(6, &[0, 2]), (2, &[1]), (2, &[2])]));
        assert_eq!(r.rounds[0].action, Action::Elected { candidate: Selection::Option(0), surplus: 2 * UNIT });
        // After transfer: 2 has 2 + 6·(1/3) = 4 (truncated: 2 + 6·333333333 units), 1 has 2: 1 is excluded, 2 elected.
        assert_eq!(r.elected, vec![Selection::Option(0), Selection::Option(2)]);
        let t2 = r.rounds[1].tallies.iter().find(|(s, _)| *s == Selection::Option(2)).unwrap().1;
        assert_eq!(t2, 2 * UNIT + 6 * 333_333_333);
    }

    #[test]
    fn write_ins_are_candidates() {
        let c = ranked(2, 1);
        let w = Selection::WriteIn("Zed".into());
        let mut answers = ballots(&[(1, &[0])]);
        for _ in 0..3 {
            answers.push(Ok(Answer { selections: vec![w.clone(), Selection::Option(0)] }));
        }
        let r = count_contest(&c, &answers);
        assert_eq!(r.elected, vec![w]);
    }

    #[test]
    fn exhausted_ballots_and_fewer_candidates_than_seats() {
        let c = ranked(3, 2);
        let r = count_contest(&c, &ballots(&[(3, &[0]), (1, &[1])]));
        assert_eq!(r.elected.len(), 2);
        assert_eq!(r.elected[0], Selection::Option(0));
        let empty = count_contest(&c, &[]);
        assert_eq!(empty.elected.len(), 2);
    }
}

//! Graded contests (SPEC.md §12.10, §12.11): every valid answer gives each option one of the contest's grades
//! (index 0 the best). Each candidate's *profile* is how many answers gave it each grade.
//!
//! **Majority Judgment** (M. Balinski and R. Laraki, *Majority Judgment*, MIT Press 2010, ch. 13): a candidate's
//! *majority grade* is the lower median of its grades: with `n` grades sorted best first, the one at position
//! `⌊n/2⌋ + 1` (for even `n`, the worse of the two middle grades). Candidates are ranked by majority grade; two with
//! the same one are compared by their *majority values*: remove one grade equal to the majority grade from each
//! and compare the majority grades of what remains, and so on until they differ. Candidates whose profiles are
//! identical stay tied and are ordered by the fixed order of §12.4 (a tie across the last seat is listed, `tally`
//! the index of their majority grade).
//!
//! **Score voting**: with `G` grades, grade `g` is worth `G − 1 − g` points (the best `G − 1`, the worst 0); a
//! candidate's score is the sum over the answers; ranked by score, equal scores in the fixed order (a tie across
//! the last seat listed, `tally` the score).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{last_seat_tie, ContestResult, Tie, TieBreak, TieFor, METHOD_MAJORITY_JUDGMENT, METHOD_SCORE};
use crate::encoding::{Answer, Selection};
use crate::manifest::{Contest, Rule};

/// One candidate's grades (SPEC.md §12.5, `rv/result/v3`): an element of `profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeProfile {
    /// The candidate (an option).
    pub selection: Selection,
    /// How many valid answers gave it each grade, best grade first.
    pub counts: Vec<u64>,
    /// Its majority grade (the lower median), as an index into the contest's grades; `None` (`null`) without a
    /// valid answer.
    pub median: Option<u64>,
}

/// The lower median of a profile: the grade at position `⌊n/2⌋` (0-based, best first); `None` if it is empty.
pub fn majority_grade(counts: &[u64]) -> Option<usize> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let mut seen = 0;
    for (g, &c) in counts.iter().enumerate() {
        seen += c;
        if seen > n / 2 {
            return Some(g);
        }
    }
    None
}

/// Whether the majority grade of `counts` is still `g` after removing `r` grades `g`.
fn still(counts: &[u64], g: usize, r: u64) -> bool {
    let n: u64 = counts.iter().sum();
    let better: u64 = counts[..g].iter().sum();
    let (Some(left), Some(c)) = (n.checked_sub(r), counts[g].checked_sub(r)) else { return false };
    better <= left / 2 && left / 2 < better + c
}

/// The most grades `g` that can be removed from `counts` one by one with `g` staying the majority grade of what is
/// left before each removal: the largest `r` with [`still`]`(counts, g, r)` (the condition holds for a prefix).
fn run(counts: &[u64], g: usize) -> u64 {
    let (mut lo, mut hi) = (0u64, counts[g]);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if still(counts, g, mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Balinski–Laraki's order of two profiles with the same number of grades (`Less`: `a` ranks higher). Removing
/// majority grades one at a time is done a run at a time: while both majority grades stay equal, the comparison
/// cannot differ.
pub fn majority_order(a: &[u64], b: &[u64]) -> Ordering {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    loop {
        match (majority_grade(&a), majority_grade(&b)) {
            (Some(x), Some(y)) if x != y => return x.cmp(&y),
            (Some(x), Some(_)) => {
                let k = run(&a, x).min(run(&b, x)).max(1);
                a[x] = a[x].saturating_sub(k);
                b[x] = b[x].saturating_sub(k);
            }
            _ => return Ordering::Equal,
        }
    }
}

/// §12.10 and §12.11.
pub(super) fn count_graded(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let grades = contest.grades.len();
    let options = contest.options.len();
    // Only options are candidates: a graded answer has no write-in.
    let n = candidates.len().min(options);
    let mut counts = vec![vec![0u64; grades]; n];
    for a in valid {
        for (i, s) in a.selections.iter().enumerate().take(n) {
            if let Selection::Option(g) = s {
                if let Some(c) = counts[i].get_mut(usize::from(*g)) {
                    *c += 1;
                }
            }
        }
    }
    let profiles: Vec<GradeProfile> = counts
        .iter()
        .zip(candidates)
        .map(|(c, s)| GradeProfile {
            selection: s.clone(),
            counts: c.clone(),
            median: majority_grade(c).map(|g| g as u64),
        })
        .collect();
    let seats = usize::from(contest.seats).min(n);
    // `tallies`: how many answers gave each candidate the best grade.
    let tallies: Vec<(Selection, u64)> =
        candidates.iter().take(n).zip(&counts).map(|(s, c)| (s.clone(), c.first().copied().unwrap_or(0))).collect();
    let (method, order, ties, points) = if contest.rule() == Rule::Score {
        let worth = |g: usize| (grades - 1 - g) as u64;
        let score: Vec<u64> =
            counts.iter().map(|c| c.iter().enumerate().map(|(g, k)| worth(g) * k).sum::<u64>()).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| score[b].cmp(&score[a]).then(a.cmp(&b)));
        let ties: Vec<Tie> = last_seat_tie(&order, &score, seats, candidates).into_iter().collect();
        let points = candidates.iter().take(n).cloned().zip(score).collect();
        (METHOD_SCORE, order, ties, Some(points))
    } else {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| majority_order(&counts[a], &counts[b]).then(a.cmp(&b)));
        let mut ties = Vec::new();
        if seats > 0 && seats < n && majority_order(&counts[order[seats - 1]], &counts[order[seats]]).is_eq() {
            let last = &counts[order[seats]];
            ties.push(Tie {
                round: None,
                decides: TieFor::LastSeat,
                candidates: order
                    .iter()
                    .filter(|&&i| majority_order(&counts[i], last).is_eq())
                    .map(|&i| candidates[i].clone())
                    .collect(),
                tally: majority_grade(last).map_or(0, |g| g as u64),
                decided_by: TieBreak::ManifestOrder,
            });
        }
        (METHOD_MAJORITY_JUDGMENT, order, ties, None)
    };
    ContestResult {
        tallies,
        elected: order.iter().take(seats).map(|&i| candidates[i].clone()).collect(),
        ties,
        ranking: Some(order.iter().map(|&i| candidates[i].clone()).collect()),
        points,
        grades: Some(contest.grades.clone()),
        profiles: Some(profiles),
        ..ContestResult::new(contest, method, valid.len() as u64)
    }
}

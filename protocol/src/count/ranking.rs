//! Ranked contests counted by a full ranking of the candidates: Condorcet–Schulze (SPEC.md §12.7) and Borda
//! (SPEC.md §12.8). `elected` is the start of the ranking, `seats` long.
//!
//! **Schulze** (M. Schulze, "A new monotonic, clone-independent, reversal symmetric, and Condorcet-consistent
//! single-winner election method", Social Choice and Welfare 36 (2011)), strength of a link by *winning votes*:
//! `d[i][j]` is the number of valid ballots that rank `i` above `j` (a ranked candidate is above every unranked
//! one; two unranked candidates are not compared); the link `i → j` has strength `d[i][j]` if
//! `d[i][j] > d[j][i]`, else 0; `p[i][j]` is the strength of the strongest path (the largest, over paths from `i` to
//! `j`, of its weakest link), computed by Floyd–Warshall. `i` beats `j` if `p[i][j] > p[j][i]`; this relation is
//! transitive (Schulze 2011, §4.1), so ordering the candidates by how many others they beat, most first, puts
//! every candidate after each candidate that beats it, and the first are Schulze winners. Equal numbers (which
//! implies neither beats the other) are ordered by the fixed order of §12.4 (options by manifest index, then
//! write-ins by the bytes of their text), and a tie across the last seat is recorded with the number of
//! candidates beaten as its `tally`.
//!
//! **Borda**: with `n` candidates, a ballot gives `n − 1` points to its first preference, `n − 2` to its second,
//! …, `n − k` to its `k`-th and last, and 0 to every candidate it does not rank (a truncated ballot gives no points
//! below its last preference). Candidates are ranked by points, most first; equal points by the fixed order, a
//! tie across the last seat recorded with the points as its `tally`.

use std::collections::BTreeMap;

use super::{first_preferences, last_seat_tie, ContestResult, Index, METHOD_BORDA, METHOD_SCHULZE};
use crate::encoding::{Answer, Selection};
use crate::manifest::Contest;

/// Hands each valid ballot's preferences, as indices into `candidates`, to `each`, one ballot at a time in one
/// reused buffer (a selection that names no candidate is skipped, as in STV; a repeated candidate, only in a
/// record's answers, which V12 refuses, counts at its first place).
fn for_each_ranking(candidates: &[Selection], valid: &[&Answer], mut each: impl FnMut(&[usize])) {
    let index = Index::new(candidates);
    let mut seen = vec![false; candidates.len()];
    let mut prefs: Vec<usize> = Vec::with_capacity(candidates.len());
    for a in valid {
        prefs.clear();
        for i in a.selections.iter().filter_map(|s| index.get(s)) {
            if !seen[i] {
                seen[i] = true;
                prefs.push(i);
            }
        }
        for &i in &prefs {
            seen[i] = false;
        }
        each(&prefs);
    }
}

/// §12.7's `d` from the ballots themselves, one pass: a ballot adds 1 to `d[i][j]` for each ranked `i` and each
/// `j` it ranks lower or not at all. Equal to [`pairwise`] of the ballots grouped by ranking (tested).
fn pairwise_of(candidates: &[Selection], valid: &[&Answer]) -> Vec<Vec<u64>> {
    let n = candidates.len();
    let mut d = vec![0u64; n * n];
    // Each candidate's place on the current ballot; `usize::MAX` when it is not ranked.
    let mut place = vec![usize::MAX; n];
    for_each_ranking(candidates, valid, |prefs| {
        for (r, &i) in prefs.iter().enumerate() {
            place[i] = r;
        }
        for (r, &i) in prefs.iter().enumerate() {
            for (cell, &at) in d[i * n..(i + 1) * n].iter_mut().zip(&place) {
                *cell += u64::from(at > r);
            }
        }
        for &i in prefs {
            place[i] = usize::MAX;
        }
    });
    d.chunks(n.max(1)).map(<[u64]>::to_vec).take(n).collect()
}

/// The pairwise matrix `d` of §12.7 from ballots (indices of candidates, best first) and how many cast each:
/// `d[i][j]` ballots rank `i` above `j`.
pub fn pairwise(n: usize, ballots: &BTreeMap<Vec<usize>, u64>) -> Vec<Vec<u64>> {
    let mut d = vec![vec![0u64; n]; n];
    for (prefs, &count) in ballots {
        let mut ranked = vec![false; n];
        for &i in prefs {
            // `i` is above every candidate not yet ranked: those after it and the unranked ones.
            ranked[i] = true;
            for (j, &above) in ranked.iter().enumerate() {
                if !above {
                    d[i][j] += count;
                }
            }
        }
    }
    d
}

/// The strongest paths `p` of §12.7 from the pairwise matrix `d` (winning votes, Floyd–Warshall).
pub fn strongest_paths(d: &[Vec<u64>]) -> Vec<Vec<u64>> {
    let n = d.len();
    let mut p = vec![vec![0u64; n]; n];
    for i in 0..n {
        for j in 0..n {
            if i != j && d[i][j] > d[j][i] {
                p[i][j] = d[i][j];
            }
        }
    }
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            for k in 0..n {
                if k != i && k != j {
                    let via = p[j][i].min(p[i][k]);
                    if via > p[j][k] {
                        p[j][k] = via;
                    }
                }
            }
        }
    }
    p
}

/// Indices `0..key.len()` ordered by `key`, highest first, equal keys in index (fixed) order.
fn by_key(key: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..key.len()).collect();
    order.sort_by(|&a, &b| key[b].cmp(&key[a]).then(a.cmp(&b)));
    order
}

/// §12.7: the Schulze ranking from the strongest paths `p`: candidate indices ordered by how many candidates each
/// beats (`p[i][j] > p[j][i]`), most first, equal numbers in index (fixed) order.
pub fn schulze_order(p: &[Vec<u64>]) -> Vec<usize> {
    by_key(&beaten(p))
}

/// How many candidates each candidate beats by the strongest paths `p`.
fn beaten(p: &[Vec<u64>]) -> Vec<u64> {
    let n = p.len();
    (0..n).map(|i| (0..n).filter(|&j| p[i][j] > p[j][i]).count() as u64).collect()
}

/// §12.7: Condorcet–Schulze.
pub(super) fn schulze(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let n = candidates.len();
    let d = pairwise_of(candidates, valid);
    let p = strongest_paths(&d);
    let beaten = beaten(&p);
    let order = by_key(&beaten);
    let seats = usize::from(contest.seats).min(n);
    let tallies = first_preferences(candidates, valid);
    ContestResult {
        tallies: candidates.iter().cloned().zip(tallies).collect(),
        elected: order.iter().take(seats).map(|&i| candidates[i].clone()).collect(),
        ties: last_seat_tie(&order, &beaten, seats, candidates).into_iter().collect(),
        ranking: Some(order.iter().map(|&i| candidates[i].clone()).collect()),
        pairwise: Some(d),
        strongest_paths: Some(p),
        ..ContestResult::new(contest, METHOD_SCHULZE, valid.len() as u64)
    }
}

/// §12.8: Borda, `n − 1` … 0 points, unranked candidates 0.
pub(super) fn borda(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let n = candidates.len() as u64;
    let mut points = vec![0u64; candidates.len()];
    for_each_ranking(candidates, valid, |prefs| {
        for (rank, &i) in prefs.iter().enumerate() {
            points[i] += n - 1 - rank as u64;
        }
    });
    let order = by_key(&points);
    let seats = usize::from(contest.seats).min(candidates.len());
    let tallies = first_preferences(candidates, valid);
    ContestResult {
        tallies: candidates.iter().cloned().zip(tallies).collect(),
        elected: order.iter().take(seats).map(|&i| candidates[i].clone()).collect(),
        ties: last_seat_tie(&order, &points, seats, candidates).into_iter().collect(),
        ranking: Some(order.iter().map(|&i| candidates[i].clone()).collect()),
        points: Some(candidates.iter().cloned().zip(points).collect()),
        ..ContestResult::new(contest, METHOD_BORDA, valid.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::{candidate_list, count_contest};
    use crate::encoding::InvalidAnswer;
    use crate::manifest::{ContestKind, ContestOption, Rule, WriteInRule};

    /// The plain way: identical ballots counted together, by their indices into `candidates`.
    fn grouped(candidates: &[Selection], valid: &[&Answer]) -> BTreeMap<Vec<usize>, u64> {
        let mut out: BTreeMap<Vec<usize>, u64> = BTreeMap::new();
        for a in valid {
            let mut prefs: Vec<usize> = Vec::new();
            for s in &a.selections {
                if let Some(i) = candidates.iter().position(|c| c == s) {
                    if !prefs.contains(&i) {
                        prefs.push(i);
                    }
                }
            }
            *out.entry(prefs).or_default() += 1;
        }
        out
    }

    fn contest(options: usize, rule: Rule) -> Contest {
        Contest {
            id: "r".into(),
            title: [("en".to_string(), "R".to_string())].into(),
            kind: ContestKind::Ranked { max_ranks: options as u16 },
            options: (0..options)
                .map(|i| ContestOption { id: format!("o{i}"), title: Default::default(), list: None })
                .collect(),
            write_in: Some(WriteInRule { max_bytes: 10 }),
            seats: 2,
            rule: Some(rule),
            threshold: None,
            lists: Vec::new(),
            grades: Vec::new(),
            districts: Vec::new(),
        }
    }

    /// The one-pass count equals the plain count (ballots grouped by ranking, then [`pairwise`] and Borda's
    /// points per distinct ranking) on random ballots: truncated rankings, write-ins, repeated candidates and
    /// selections of no candidate (as only a forged record holds).
    #[test]
    fn one_pass_counts_equal_the_plain_counts_on_random_ballots() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..300 {
            let options = 1 + next(7) as usize;
            let mut answers: Vec<Result<Answer, InvalidAnswer>> = Vec::new();
            for _ in 0..next(80) {
                let len = next(options as u64 + 3) as usize;
                let selections = (0..len)
                    .map(|_| match next(10) {
                        0 => Selection::WriteIn(["Zed", "Ann"][next(2) as usize].into()),
                        1 => Selection::Option(options as u16 + next(3) as u16),
                        _ => Selection::Option(next(options as u64) as u16),
                    })
                    .collect();
                answers.push(Ok(Answer { selections }));
            }
            let valid: Vec<&Answer> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
            let c = contest(options, Rule::Schulze);
            let candidates = candidate_list(&c, &valid);
            let n = candidates.len();
            let plain = grouped(&candidates, &valid);
            let d = pairwise(n, &plain);
            let r = count_contest(&c, &answers);
            assert_eq!(r.pairwise.as_ref(), Some(&d));
            assert_eq!(r.strongest_paths, Some(strongest_paths(&d)));
            let mut points = vec![0u64; n];
            for (prefs, count) in &plain {
                for (rank, &i) in prefs.iter().enumerate() {
                    points[i] += (n - 1 - rank) as u64 * count;
                }
            }
            let r = count_contest(&contest(options, Rule::Borda), &answers);
            assert_eq!(r.points, Some(candidates.iter().cloned().zip(points).collect()));
        }
    }
}

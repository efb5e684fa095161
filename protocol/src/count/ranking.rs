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

use super::{first_preferences, last_seat_tie, ContestResult, METHOD_BORDA, METHOD_SCHULZE};
use crate::encoding::{Answer, Selection};
use crate::manifest::Contest;

/// Each valid ballot's preferences as indices into `candidates`, identical ballots counted together (a selection
/// that names no candidate is skipped, as in STV).
fn grouped(candidates: &[Selection], valid: &[&Answer]) -> BTreeMap<Vec<usize>, u64> {
    let index: BTreeMap<&Selection, usize> = candidates.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let mut out: BTreeMap<Vec<usize>, u64> = BTreeMap::new();
    for a in valid {
        let mut prefs: Vec<usize> = Vec::with_capacity(a.selections.len());
        for i in a.selections.iter().filter_map(|s| index.get(s).copied()) {
            // A repeated candidate (only in a record's answers, which V12 refuses) counts at its first place.
            if !prefs.contains(&i) {
                prefs.push(i);
            }
        }
        *out.entry(prefs).or_default() += 1;
    }
    out
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
    let d = pairwise(n, &grouped(candidates, valid));
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
    for (prefs, count) in grouped(candidates, valid) {
        for (rank, &i) in prefs.iter().enumerate() {
            points[i] += (n - 1 - rank as u64) * count;
        }
    }
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

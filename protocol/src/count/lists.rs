//! Party lists (SPEC.md §12.9): a single-choice contest whose candidates (options) each belong to one list. A vote
//! for a candidate counts for the candidate and for its list; seats go to the lists by d'Hondt, Sainte-Laguë or
//! the largest remainders of the Hare quota, among the lists over the threshold, and within a list to its
//! candidates with the most votes. Exact integer arithmetic throughout: quotients and shares are compared by
//! cross-multiplication in 128 bits.
//!
//! **Threshold**: a list takes part if `votes · 10000 ≥ t · valid`, `t` the threshold in hundredths of a percent and
//! `valid` the contest's valid answers; without a threshold every list takes part. A list with no vote, or no
//! candidate left, gets no (further) seat; seats no list can take stay empty (`elected` is then shorter than
//! `seats`).
//!
//! **Highest averages** (d'Hondt: divisors 1, 2, 3, …; Sainte-Laguë: 1, 3, 5, …): seat after seat, to the list
//! whose `votes / divisor(seats it has)` is the largest. **Largest remainder, Hare quota**: with `T` the votes of
//! the lists taking part and `S` the seats, a list first gets `⌊votes · S / T⌋` seats (at most its candidates),
//! then the seats left go one each to the lists by the remainder `votes · S mod T`, largest first, passing over a
//! list with no candidate left, and again from the top if seats remain.
//!
//! **Ties between lists**: equal quotients (equal remainders) go to the list with more votes, then to the list
//! declared first. A tie that decides a seat (a list tied with the last list to get a seat does not get one) is
//! recorded as a [`ListTie`]. Within a list, candidates are ranked by votes, equal votes by manifest order; a tie
//! across a list's last seat is recorded among the result's `ties` (`"last_seat"`, manifest order).

use serde::{Deserialize, Serialize};

use super::{last_seat_tie, percent, votes_of, ContestResult};
use super::{METHOD_DHONDT, METHOD_LARGEST_REMAINDER, METHOD_SAINTE_LAGUE};
use crate::encoding::{Answer, Selection};
use crate::manifest::{Contest, Localized, Rule};

/// How seats are allocated to lists (§12.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Highest averages, divisors 1, 2, 3, …
    Dhondt,
    /// Highest averages, divisors 1, 3, 5, …
    SainteLague,
    /// Hare quota, then largest remainders.
    LargestRemainderHare,
}

/// One list of a party-list contest's result (SPEC.md §12.5, `rv/result/v3`): an element of `lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListResult {
    /// The list's `id` in the manifest.
    pub id: String,
    /// The list's title, every language of the manifest.
    pub title: Localized,
    /// The votes of its candidates, together.
    pub votes: u64,
    /// `votes` as a percentage of the valid answers (§12.6); `None` when there is none.
    pub percent: Option<String>,
    /// Whether it reached the threshold (always, without one).
    pub qualified: bool,
    /// The seats it won.
    pub seats: u64,
}

/// How a tie between lists was decided (§12.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListTieBreak {
    /// The list with more votes took the seat.
    Votes,
    /// Equal votes too: the list declared first took it.
    ListOrder,
}

/// Lists tied for the last seat they could share (§12.9, `rv/result/v3`): an element of `list_ties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListTie {
    /// The tied lists' ids, in the order the rule put them: those that got the seat first.
    pub lists: Vec<String>,
    /// How many of them got a seat at the tied value.
    pub won: u64,
    /// How the rule ordered them.
    pub decided_by: ListTieBreak,
}

/// The seats of each list and the tie at the last seat, if any (list indices in the order the rule put them, how
/// many of them won, and how it was decided).
pub type Allocated = (Vec<u64>, Option<(Vec<usize>, usize, ListTieBreak)>);

/// One seat given by [`highest_averages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    /// The list (an index into the caller's lists) that took the seat.
    pub list: usize,
    /// The seats it held just before (those given before the count included), which chose its divisor.
    pub held: u64,
    /// Every list open at that moment whose quotient equalled the winner's, the winner first, then in the order
    /// of `first`; just the winner when there was no tie.
    pub tied: Vec<usize>,
}

/// The one highest-averages core, for the party lists of §12.9 (d'Hondt, Sainte-Laguë) and the Riigikogu's modified
/// d'Hondt compensation mandates (§12.12 RK6, RK7): gives `seats` seats one at a time to the open list with the
/// highest quotient. List `l` holds `held[l]` seats at the start and takes at most `caps[l]` more (0: it takes no
/// part); `quotient(a, ka, b, kb)` compares list `a`'s quotient when it holds `ka` seats with list `b`'s when it
/// holds `kb` (`Greater`: `a`'s is higher), exactly; at equal quotients `first(a, b)` is `Less` when `a` takes the
/// seat before `b`. Returns the seats given, in order: fewer than `seats` when no list is open.
pub fn highest_averages(
    held: &[u64],
    caps: &[u64],
    seats: u64,
    quotient: impl Fn(usize, u64, usize, u64) -> std::cmp::Ordering,
    first: impl Fn(usize, usize) -> std::cmp::Ordering,
) -> Vec<Award> {
    let m = held.len();
    let mut now = held.to_vec();
    let mut taken = vec![0u64; m];
    let mut awards = Vec::new();
    for _ in 0..seats {
        let open: Vec<usize> = (0..m).filter(|&l| taken[l] < caps.get(l).copied().unwrap_or(0)).collect();
        let mut best: Option<usize> = None;
        for &l in &open {
            best = match best {
                Some(b) if quotient(l, now[l], b, now[b]).then_with(|| first(b, l)).is_le() => Some(b),
                _ => Some(l),
            };
        }
        let Some(w) = best else { break };
        let mut tied: Vec<usize> =
            open.into_iter().filter(|&l| l != w && quotient(l, now[l], w, now[w]).is_eq()).collect();
        tied.sort_by(|&a, &b| first(a, b));
        tied.insert(0, w);
        awards.push(Award { list: w, held: now[w], tied });
        now[w] += 1;
        taken[w] += 1;
    }
    awards
}

/// §12.9: allocates `seats` seats among lists with `votes`, list `l` taking at most `caps[l]` seats (0: it takes
/// no part, e.g. below the threshold). Lists with no vote take no seat.
pub fn allocate(method: Allocation, votes: &[u64], caps: &[u64], seats: u64) -> Allocated {
    let m = votes.len();
    let eligible = |l: usize| votes[l] > 0 && caps.get(l).copied().unwrap_or(0) > 0;
    let cap = |l: usize| caps.get(l).copied().unwrap_or(0);
    let mut got = vec![0u64; m];
    // The rule's order between two lists at equal quotient or remainder: more votes, then declared first.
    let tie_order = |a: usize, b: usize| votes[b].cmp(&votes[a]).then(a.cmp(&b));
    let decided = |won: usize, lost: usize| {
        if votes[won] == votes[lost] {
            ListTieBreak::ListOrder
        } else {
            ListTieBreak::Votes
        }
    };
    match method {
        Allocation::Dhondt | Allocation::SainteLague => {
            let divisor = |k: u64| -> u128 {
                match method {
                    Allocation::SainteLague => 2 * u128::from(k) + 1,
                    _ => u128::from(k) + 1,
                }
            };
            // `votes[a] / divisor(ka)` against `votes[b] / divisor(kb)`, exactly.
            let cmp_q = |a: usize, ka: u64, b: usize, kb: u64| {
                (u128::from(votes[a]) * divisor(kb)).cmp(&(u128::from(votes[b]) * divisor(ka)))
            };
            let open: Vec<u64> = (0..m).map(|l| if eligible(l) { cap(l) } else { 0 }).collect();
            let awards = highest_averages(&vec![0; m], &open, seats, cmp_q, tie_order);
            for a in &awards {
                got[a.list] += 1;
            }
            let tie = awards.last().and_then(|last| {
                let (w, kw) = (last.list, last.held);
                let at = |l: usize, k: u64| cmp_q(l, k, w, kw).is_eq();
                let mut winners: Vec<usize> =
                    (0..m).filter(|&l| eligible(l) && got[l] > 0 && at(l, got[l] - 1)).collect();
                let mut losers: Vec<usize> =
                    (0..m).filter(|&l| eligible(l) && got[l] < cap(l) && at(l, got[l])).collect();
                if losers.is_empty() {
                    return None;
                }
                winners.sort_by(|&a, &b| tie_order(a, b));
                losers.sort_by(|&a, &b| tie_order(a, b));
                let how = decided(w, losers[0]);
                let won = winners.len();
                winners.extend(losers);
                Some((winners, won, how))
            });
            (got, tie)
        }
        Allocation::LargestRemainderHare => {
            let total: u128 = (0..m).filter(|&l| eligible(l)).map(|l| u128::from(votes[l])).sum();
            if total == 0 {
                return (got, None);
            }
            let s = u128::from(seats);
            let mut rem = vec![0u128; m];
            for l in (0..m).filter(|&l| eligible(l)) {
                let share = u128::from(votes[l]) * s;
                got[l] = u64::try_from(share / total).unwrap_or(u64::MAX).min(cap(l));
                rem[l] = share % total;
            }
            let mut left = seats.saturating_sub(got.iter().sum());
            let mut order: Vec<usize> = (0..m).filter(|&l| eligible(l)).collect();
            order.sort_by(|&a, &b| rem[b].cmp(&rem[a]).then(tie_order(a, b)));
            let mut tie = None;
            while left > 0 {
                let mut last = None;
                let open: Vec<usize> = order.iter().copied().filter(|&l| got[l] < cap(l)).collect();
                for &l in &open {
                    if left == 0 {
                        break;
                    }
                    got[l] += 1;
                    left -= 1;
                    last = Some(l);
                }
                let Some(w) = last else { break };
                let pos = open.iter().position(|&l| l == w).unwrap_or(0);
                let winners: Vec<usize> = open[..=pos].iter().copied().filter(|&l| rem[l] == rem[w]).collect();
                let losers: Vec<usize> = open[pos + 1..].iter().copied().filter(|&l| rem[l] == rem[w]).collect();
                tie = (!losers.is_empty() && left == 0).then(|| {
                    let how = decided(w, losers[0]);
                    let won = winners.len();
                    (winners.into_iter().chain(losers).collect(), won, how)
                });
            }
            (got, tie)
        }
    }
}

/// §12.9: a party-list contest.
pub(super) fn count_lists(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let (method, allocation) = match contest.rule() {
        Rule::SainteLague => (METHOD_SAINTE_LAGUE, Allocation::SainteLague),
        Rule::LargestRemainderHare => (METHOD_LARGEST_REMAINDER, Allocation::LargestRemainderHare),
        _ => (METHOD_DHONDT, Allocation::Dhondt),
    };
    let n_valid = valid.len() as u64;
    let votes = votes_of(candidates, valid);
    // Each list's members, as indices into `candidates` (options only: a write-in is on no list).
    let members: Vec<Vec<usize>> = (0..contest.lists.len())
        .map(|l| (0..contest.options.len()).filter(|&i| contest.list_of(i) == Some(l)).collect())
        .collect();
    let list_votes: Vec<u64> = members.iter().map(|m| m.iter().map(|&i| votes[i]).sum()).collect();
    let qualified: Vec<bool> = list_votes
        .iter()
        .map(|&v| {
            contest.threshold.is_none_or(|t| u128::from(v) * 10_000 >= u128::from(t.hundredths) * u128::from(n_valid))
        })
        .collect();
    let caps: Vec<u64> = members.iter().zip(&qualified).map(|(m, &q)| if q { m.len() as u64 } else { 0 }).collect();
    let (seats, tie) = allocate(allocation, &list_votes, &caps, u64::from(contest.seats));
    let mut elected = Vec::new();
    let mut ties = Vec::new();
    for (m, &won) in members.iter().zip(&seats) {
        let mut order = m.clone();
        order.sort_by(|&a, &b| votes[b].cmp(&votes[a]).then(a.cmp(&b)));
        let won = usize::try_from(won).unwrap_or(usize::MAX).min(order.len());
        ties.extend(last_seat_tie(&order, &votes, won, candidates));
        elected.extend(order[..won].iter().map(|&i| candidates[i].clone()));
    }
    let lists = contest
        .lists
        .iter()
        .enumerate()
        .map(|(l, list)| ListResult {
            id: list.id.clone(),
            title: list.title.clone(),
            votes: list_votes[l],
            percent: percent(list_votes[l], n_valid),
            qualified: qualified[l],
            seats: seats[l],
        })
        .collect();
    let list_ties = tie
        .map(|(order, won, decided_by)| ListTie {
            lists: order.iter().map(|&l| contest.lists[l].id.clone()).collect(),
            won: won as u64,
            decided_by,
        })
        .into_iter()
        .collect();
    ContestResult {
        tallies: candidates.iter().cloned().zip(votes).collect(),
        elected,
        ties,
        lists: Some(lists),
        list_ties: Some(list_ties),
        ..ContestResult::new(contest, method, n_valid)
    }
}

/// §12.13: a contest counted by `riigikogu`: each candidate's votes and each list's; the seats are the national
/// allocation's (`tally::count` fills `elected` and the lists' `seats` from it).
pub(super) fn count_riigikogu(contest: &Contest, candidates: &[Selection], valid: &[&Answer]) -> ContestResult {
    let n_valid = valid.len() as u64;
    let votes = votes_of(candidates, valid);
    let lists = contest
        .lists
        .iter()
        .enumerate()
        .map(|(l, list)| {
            let v: u64 = (0..contest.options.len()).filter(|&i| contest.list_of(i) == Some(l)).map(|i| votes[i]).sum();
            ListResult {
                id: list.id.clone(),
                title: list.title.clone(),
                votes: v,
                percent: percent(v, n_valid),
                qualified: false,
                seats: 0,
            }
        })
        .collect();
    ContestResult {
        tallies: candidates.iter().cloned().zip(votes).collect(),
        lists: Some(lists),
        list_ties: Some(Vec::new()),
        ..ContestResult::new(contest, super::METHOD_RIIGIKOGU, n_valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    /// d'Hondt's quotient order for `votes`.
    fn dhondt(votes: &[u64]) -> impl Fn(usize, u64, usize, u64) -> Ordering + '_ {
        |a, ka, b, kb| (u128::from(votes[a]) * u128::from(kb + 1)).cmp(&(u128::from(votes[b]) * u128::from(ka + 1)))
    }

    /// The core on its own: the textbook d'Hondt example (votes 100,000 / 80,000 / 30,000 / 20,000, 8 seats: 4, 3,
    /// 1, 0), seats held before the count, caps, ties in either order, and no open list.
    #[test]
    fn highest_averages_gives_seats_by_quotient_from_the_seats_held() {
        let votes = [100_000, 80_000, 30_000, 20_000];
        let by_declared = |a: usize, b: usize| a.cmp(&b);
        let awards = highest_averages(&[0; 4], &[8; 4], 8, dhondt(&votes), by_declared);
        let lists: Vec<usize> = awards.iter().map(|a| a.list).collect();
        assert_eq!(lists, [0, 1, 0, 1, 0, 2, 1, 0]);
        assert_eq!(awards[4].held, 2, "the fifth seat is list 0's third");
        assert!(awards.iter().all(|a| a.tied == [a.list]), "{awards:?}");
        // Seats held before move the divisors on: with 4 held, list 0's first quotient is 20,000.
        let awards = highest_averages(&[4, 0, 0, 0], &[8; 4], 3, dhondt(&votes), by_declared);
        assert_eq!(awards.iter().map(|a| (a.list, a.held)).collect::<Vec<_>>(), [(1, 0), (1, 1), (2, 0)]);
        // A cap: list 1 takes at most one seat; a list with cap 0 takes none; no open list ends the count early.
        let awards = highest_averages(&[0; 4], &[2, 1, 0, 0], 8, dhondt(&votes), by_declared);
        assert_eq!(awards.iter().map(|a| a.list).collect::<Vec<_>>(), [0, 1, 0]);
        // Equal quotients: `first` decides, and every tied open list is recorded, the winner first.
        let equal = [60, 60, 30];
        let awards = highest_averages(&[0; 3], &[3; 3], 2, dhondt(&equal), by_declared);
        assert_eq!(awards[0].tied, [0, 1]);
        assert_eq!(awards[1].tied, [1], "60 / 1 is above 60 / 2 and 30 / 1");
        let later_first = |a: usize, b: usize| b.cmp(&a);
        let awards = highest_averages(&[0; 3], &[3; 3], 3, dhondt(&equal), later_first);
        assert_eq!(awards[0].tied, [1, 0]);
        assert_eq!(awards[2].tied, [2, 1, 0], "30 / 1 = 60 / 2 = 60 / 2: the later list first");
    }
}

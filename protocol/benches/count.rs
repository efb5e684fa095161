//! Counting itself (issue "Real elections", SPEC.md §12): every rule over 1,000,000 decoded ballots, from the
//! decoded answers (`answers.json` as the tally reads it) to the result. The ballots are random but shaped like an
//! election's: 10 candidates of unequal support (each voter draws them by weight, without replacement), ranked
//! ballots of 3 to 10 preferences, approval ballots of 1 to 4, party lists of 4 lists with a 5 % threshold, graded
//! ballots of 6 grades leaning with each candidate's support; the Riigikogu allocation counts 12 districts' list
//! votes (101 mandates, 6 parties, 8 candidates per list) from the same number of ballots and allocates them.
//! One count per iteration, few samples: `scripts/bench.sh 'count/'` prints seconds per rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use protocol::count::count_contest;
use protocol::encoding::{Answer, InvalidAnswer, Selection};
use protocol::manifest::{Contest, ContestKind, ContestOption, PartyList, Rule, Threshold};
use protocol::riigikogu::{self, Candidate, District, DistrictList, Party};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Ballots per count.
const BALLOTS: usize = 1_000_000;
/// Candidates per contest.
const OPTIONS: usize = 10;
/// Support of each candidate (relative weights), so that counts are not all ties.
const WEIGHTS: [f64; OPTIONS] = [20.0, 17.0, 14.0, 12.0, 10.0, 8.0, 7.0, 5.0, 4.0, 3.0];

fn en(text: &str) -> std::collections::BTreeMap<String, String> {
    [("en".to_string(), text.to_string())].into()
}

fn contest(kind: ContestKind, rule: Rule, seats: u16) -> Contest {
    let lists = ["a", "b", "c", "d"];
    let party_lists = matches!(rule, Rule::Dhondt | Rule::SainteLague | Rule::LargestRemainderHare);
    Contest {
        id: "bench".into(),
        title: en("Bench"),
        kind,
        options: (0..OPTIONS)
            .map(|i| ContestOption {
                id: format!("o{i}"),
                title: en(&format!("Option {i}")),
                list: party_lists.then(|| lists[i % lists.len()].to_string()),
            })
            .collect(),
        write_in: None,
        seats,
        rule: Some(rule),
        threshold: party_lists.then(|| Threshold::parse("5").unwrap()),
        lists: if party_lists {
            lists.iter().map(|l| PartyList { id: l.to_string(), title: en(l) }).collect()
        } else {
            Vec::new()
        },
        grades: if rule == Rule::MajorityJudgment || rule == Rule::Score {
            ["Excellent", "Very good", "Good", "Fair", "Poor", "Reject"].iter().map(|g| en(g)).collect()
        } else {
            Vec::new()
        },
        districts: Vec::new(),
    }
}

/// The first `k` candidates a voter draws by weight, without replacement (best first).
fn draw(rng: &mut ChaCha8Rng, k: usize) -> Vec<u16> {
    let mut left: Vec<(u16, f64)> = (0..OPTIONS as u16).zip(WEIGHTS).collect();
    let mut out = Vec::with_capacity(k);
    for _ in 0..k {
        let total: f64 = left.iter().map(|(_, w)| w).sum();
        let mut x = rng.gen::<f64>() * total;
        let mut pick = left.len() - 1;
        for (i, (_, w)) in left.iter().enumerate() {
            if x < *w {
                pick = i;
                break;
            }
            x -= w;
        }
        out.push(left.remove(pick).0);
    }
    out
}

/// Decoded answers, as the tally counts them.
type Answers = Vec<Result<Answer, InvalidAnswer>>;

fn answers(rng: &mut ChaCha8Rng, make: impl Fn(&mut ChaCha8Rng) -> Vec<u16>) -> Answers {
    (0..BALLOTS).map(|_| Ok(Answer { selections: make(rng).into_iter().map(Selection::Option).collect() })).collect()
}

/// A graded ballot: each candidate's grade is a noisy function of its support.
fn graded(rng: &mut ChaCha8Rng) -> Vec<u16> {
    WEIGHTS
        .iter()
        .map(|w| {
            let lean = 5.0 - w / 4.0; // 0 (best) for the strongest … about 4 for the weakest
            (lean + rng.gen_range(-2.0..2.0)).round().clamp(0.0, 5.0) as u16
        })
        .collect()
}

/// A Riigikogu-shaped election from `BALLOTS` ballots: 12 districts of 101 mandates, 6 parties of unequal support
/// with 8 candidates each per district; each ballot is one vote for a candidate of its district.
fn riigikogu_election(rng: &mut ChaCha8Rng) -> riigikogu::Election {
    let mandates: [u32; 12] = [12, 10, 7, 8, 6, 7, 7, 12, 7, 5, 8, 12];
    let parties = 6usize;
    let per_list = 8usize;
    let party_weight = [30.0, 18.0, 16.0, 14.0, 9.0, 8.0];
    let mut votes = vec![vec![vec![0u64; per_list]; parties]; mandates.len()];
    for _ in 0..BALLOTS {
        let d = rng.gen_range(0..mandates.len());
        let mut x = rng.gen::<f64>() * 95.0;
        let mut p = parties - 1;
        for (i, w) in party_weight.iter().enumerate() {
            if x < *w {
                p = i;
                break;
            }
            x -= w;
        }
        // The list's leader draws most of its votes.
        let k = (rng.gen::<f64>().powi(3) * per_list as f64) as usize;
        votes[d][p][k.min(per_list - 1)] += 1;
    }
    let id = |d: usize, p: usize, k: usize| format!("d{d}p{p}c{k}");
    let districts = mandates
        .iter()
        .enumerate()
        .map(|(d, &m)| {
            let lists: Vec<DistrictList> = (0..parties)
                .map(|p| {
                    let candidates =
                        (0..per_list).map(|k| Candidate { id: id(d, p, k), votes: votes[d][p][k] }).collect();
                    DistrictList::from_candidates(format!("p{p}"), candidates).unwrap()
                })
                .collect();
            let valid_votes = lists.iter().map(|l| l.votes).sum();
            District { id: format!("{}", d + 1), mandates: m, valid_votes, lists, independents: Vec::new() }
        })
        .collect();
    let parties = (0..parties)
        .map(|p| Party {
            id: format!("p{p}"),
            national_list: (0..per_list).flat_map(|k| (0..mandates.len()).map(move |d| id(d, p, k))).collect(),
        })
        .collect();
    riigikogu::Election { districts, parties }
}

fn counting(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let single = answers(&mut rng, |r| draw(r, 1));
    let approval = answers(&mut rng, |r| {
        let k = r.gen_range(1..=4);
        let mut s = draw(r, k);
        s.sort_unstable();
        s
    });
    let ranked = answers(&mut rng, |r| {
        let k = r.gen_range(3..=OPTIONS);
        draw(r, k)
    });
    let grades = answers(&mut rng, graded);
    let election = riigikogu_election(&mut rng);

    let approval_kind = ContestKind::Approval { min: 1, max: 4 };
    let ranked_kind = ContestKind::Ranked { max_ranks: OPTIONS as u16 };
    let rules: [(&str, Contest, &Answers); 11] = [
        ("plurality", contest(ContestKind::SingleChoice, Rule::Plurality, 1), &single),
        ("approval", contest(approval_kind, Rule::Approval, 3), &approval),
        ("instant_runoff", contest(ranked_kind, Rule::Stv, 1), &ranked),
        ("stv_3_seats", contest(ranked_kind, Rule::Stv, 3), &ranked),
        ("schulze", contest(ranked_kind, Rule::Schulze, 1), &ranked),
        ("borda", contest(ranked_kind, Rule::Borda, 1), &ranked),
        ("dhondt", contest(ContestKind::SingleChoice, Rule::Dhondt, 7), &single),
        ("sainte_lague", contest(ContestKind::SingleChoice, Rule::SainteLague, 7), &single),
        ("largest_remainder", contest(ContestKind::SingleChoice, Rule::LargestRemainderHare, 7), &single),
        ("majority_judgment", contest(ContestKind::Graded, Rule::MajorityJudgment, 1), &grades),
        ("score", contest(ContestKind::Graded, Rule::Score, 1), &grades),
    ];

    let mut g = c.benchmark_group("count");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.throughput(Throughput::Elements(BALLOTS as u64));
    for (name, contest, answers) in &rules {
        g.bench_with_input(BenchmarkId::new(*name, BALLOTS), answers, |b, a| {
            b.iter(|| black_box(count_contest(contest, a)))
        });
    }
    g.bench_function(BenchmarkId::new("riigikogu_allocation", BALLOTS), |b| {
        b.iter(|| black_box(riigikogu::allocate(&election).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, counting);
criterion_main!(benches);

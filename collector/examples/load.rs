//! Load generator for the collector: pre-generates ballots (one per voter of a `collector dev-election`
//! directory, with `protocol::create_ballot`; with districts, `dev-election --districts`, each voter's ballot is
//! their district's, read from credentials.json), then posts them open-loop at a target rate (or as fast as
//! `--concurrency` connections allow with `--rate 0`), and prints throughput and latency percentiles.
//! Latency is measured from each request's scheduled send time, so a stalled server cannot hide queueing
//! (no coordinated omission).
//!
//! `cargo run --release -p collector --example load -- --url http://127.0.0.1:8080 --election DIR --ballots 60000 --rate 1000`

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use protocol::ballot_box::{CredentialEntry, Electorate};
use protocol::create_ballot;
use protocol::credential::Credential;
use protocol::election::ElectionParameters;
use protocol::encoding::{Answer, Selection};
use protocol::manifest::{ContestKind, Manifest};
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

#[derive(Debug, Parser)]
struct Args {
    /// The collector's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A `collector dev-election` directory (election.json, voters.json, and with districts credentials.json).
    #[arg(long)]
    election: PathBuf,
    /// Ballots to send (at most one per voter).
    #[arg(long, default_value_t = 10_000)]
    ballots: usize,
    /// Target rate in ballots per second; 0 sends as fast as the connections allow.
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// Most requests in flight (and HTTP connections).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Skip this many voters (to run twice against one election).
    #[arg(long, default_value_t = 0)]
    skip: usize,
    /// Attackers' idle connections held open while the ballots are sent: each connects and sends nothing, and
    /// reconnects as soon as the collector closes it (so the flood stays at this size).
    #[arg(long, default_value_t = 0)]
    idle: usize,
    /// Attackers' slow-loris connections held open while the ballots are sent: each sends a request head one
    /// byte per second and never finishes it, and reconnects when closed.
    #[arg(long, default_value_t = 0)]
    slow: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let file: ElectionParameters =
        serde_json::from_str(&std::fs::read_to_string(args.election.join("election.json"))?)?;
    let election = file.election()?;
    let secrets: Vec<String> = serde_json::from_str(&std::fs::read_to_string(args.election.join("voters.json"))?)?;
    // Each voter's district: dev-election writes credentials.json in the order of voters.json.
    let districts: Vec<Option<u16>> = if election.manifest().has_districts() {
        let path = args.election.join("credentials.json");
        let list: Vec<CredentialEntry> = serde_json::from_str(&std::fs::read_to_string(&path)?)
            .with_context(|| format!("{}: the public credential list", path.display()))?;
        anyhow::ensure!(list.len() == secrets.len(), "{}: not one entry per voter", path.display());
        let electorate = Electorate::from_list(election.manifest(), &list).map_err(anyhow::Error::msg)?;
        list.iter().map(|e| electorate.lookup(e.key().as_bytes(), 0).ok().flatten().flatten()).collect()
    } else {
        vec![None; secrets.len()]
    };
    let secrets: Vec<(&String, Option<u16>)> =
        secrets.iter().zip(districts).skip(args.skip).take(args.ballots).collect();
    anyhow::ensure!(secrets.len() == args.ballots, "the election has only {} voters left", secrets.len());

    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = secrets.len().div_ceil(threads).max(1);
    let bodies: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = secrets
            .chunks(chunk)
            .map(|part| {
                let election = &election;
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, (h, district))| {
                            let cred = Credential::from_text(h).context("voter secret")?;
                            let answers = match district {
                                None => vec![
                                    Answer::single((i % 3) as u16),
                                    Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
                                    Answer { selections: vec![Selection::Option(2), Selection::Option(0)] },
                                ],
                                Some(_) => district_answers(election.manifest(), *district, i)?,
                            };
                            let (b, _) = create_ballot(election, &cred, *district, &answers, &mut OsRng)?;
                            Ok(serde_json::to_vec(&b)?)
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow::anyhow!("generator thread panicked"))?)
            .collect::<anyhow::Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    eprintln!("generated {} ballots in {:.1} s", bodies.len(), started.elapsed().as_secs_f64());

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(send(args, bodies))
}

/// Answers to the contests of a ballot of `district`: the `i mod n`-th option of each single-choice contest (the
/// example election with districts has only those).
fn district_answers(manifest: &Manifest, district: Option<u16>, i: usize) -> anyhow::Result<Vec<Answer>> {
    manifest
        .ballot_contests(district)
        .into_iter()
        .map(|c| {
            let contest = &manifest.contests[c];
            anyhow::ensure!(
                contest.kind == ContestKind::SingleChoice,
                "contest {}: the load generator answers single-choice contests only in an election with districts",
                contest.id
            );
            Ok(Answer::single((i % contest.options.len().max(1)) as u16))
        })
        .collect()
}

/// Holds one attacker's connection to `addr` open until `stop`: idle (sends nothing) or slow-loris (one byte of a
/// never-ending request head per second); reconnects whenever the collector closes it. Counts the closes.
async fn attacker(
    addr: String,
    slow: bool,
    stop: Arc<std::sync::atomic::AtomicBool>,
    closed: Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = b"POST /ballots HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().copied().chain(std::iter::repeat(b'a'));
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = tokio::net::TcpStream::connect(&addr).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut buf = [0u8; 256];
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let wait = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await;
            match wait {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(_)) => {} // an error answer: read until the close
                Err(_) if slow => {
                    let byte = [head.next().unwrap_or(b'a')]; // the head never ends: the chain repeats 'a'
                    if stream.write_all(&byte).await.is_err() {
                        break;
                    }
                }
                Err(_) => {}
            }
        }
        closed.fetch_add(1, Ordering::Relaxed);
    }
}

async fn send(args: Args, bodies: Vec<Vec<u8>>) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let closed = Arc::new(AtomicUsize::new(0));
    let mut attackers = Vec::new();
    if args.idle + args.slow > 0 {
        let addr = args.url.trim_start_matches("http://").trim_end_matches('/').to_string();
        for i in 0..args.idle + args.slow {
            attackers.push(tokio::spawn(attacker(addr.clone(), i >= args.idle, stop.clone(), closed.clone())));
        }
        // Let the flood connect before the voters start.
        tokio::time::sleep(Duration::from_secs(2)).await;
        eprintln!("holding {} idle and {} slow-loris connections", args.idle, args.slow);
    }
    let http =
        reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).timeout(Duration::from_secs(60)).build()?;
    let sem = Arc::new(Semaphore::new(args.concurrency));
    let url = Arc::new(format!("{}/ballots", args.url.trim_end_matches('/')));
    let n = bodies.len();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (i, body) in bodies.into_iter().enumerate() {
        let scheduled = if args.rate > 0.0 {
            let at = start + Duration::from_secs_f64(i as f64 / args.rate);
            tokio::time::sleep_until(at.into()).await;
            at
        } else {
            Instant::now()
        };
        let permit = sem.clone().acquire_owned().await?;
        let (http, url) = (http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let r = http.post(url.as_str()).header("content-type", "application/json").body(body).send().await;
            let ok = match r {
                Ok(r) => {
                    let s = r.status();
                    let _ = r.bytes().await;
                    s.is_success()
                }
                Err(_) => false,
            };
            drop(permit);
            (ok, scheduled.elapsed(), Instant::now())
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut failed = 0usize;
    let mut last = start;
    for t in tasks {
        let (ok, l, done) = t.await?;
        last = last.max(done);
        if ok {
            lat.push(l);
        } else {
            failed += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        let _ = a.await;
    }
    let elapsed = last.duration_since(start).as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "sent {n} at target {} /s, concurrency {}: accepted {} failed {failed} in {elapsed:.1} s = {:.0} ballots/s; \
         latency p50 {:.1} ms p90 {:.1} ms p99 {:.1} ms max {:.1} ms",
        if args.rate > 0.0 { format!("{}", args.rate) } else { "max".into() },
        args.concurrency,
        lat.len(),
        lat.len() as f64 / elapsed,
        ms(pct(0.5)),
        ms(pct(0.9)),
        ms(pct(0.99)),
        ms(lat.last().copied().unwrap_or_default()),
    );
    if args.idle + args.slow > 0 {
        println!(
            "under {} idle and {} slow-loris connections; the collector closed attackers' connections {} times",
            args.idle,
            args.slow,
            closed.load(Ordering::Relaxed)
        );
    }
    Ok(())
}

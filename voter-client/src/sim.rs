//! The voter simulator behind `voter-sim` (native only): many voters casting over HTTP, for demos, load tests and
//! whole-election tests.
//!
//! [`run`] fetches `GET /election` (SPEC.md §8.8 plus the fingerprint and the collector's key, collector/API.md),
//! then casts, at a given concurrency:
//!
//! 1. one ballot for each of the first `N` voters (`--ballots`, default every voter), then
//! 2. **re-votes**: `round(share · N)` of those voters, chosen at random, vote again with a different random answer
//!    (only after every first ballot has been answered, so a re-vote is always later in the log than its voter's
//!    first ballot and counts instead of it, SPEC.md §14.3 R2).
//!
//! In an election with districts each voter casts the ballot of their district: its contests
//! ([`Manifest::ballot_contests`]) and the district's index in the ballot (SPEC.md §8.2). The voters' districts
//! come from the public credential list (`--credentials`, credentials.json: `{"key", "district"}` entries).
//!
//! Answers are random but valid for every contest kind ([`random_answers`]): single choice; approval within
//! `min..=max`; ranked, a random ordering of a random number of candidates within `1..=max_ranks`; a write-in
//! sometimes where the contest allows one. They are drawn from ChaCha20 seeded with `--seed`, so one seed gives the
//! same answers for the same voters; the encryption randomness is fresh from the OS (SPEC.md §8.5), so the ballots
//! themselves differ from run to run.
//!
//! Each ballot is made with [`protocol::create_ballot`] (what [`Client::encrypt`] and casting do, with the voter's
//! district) and posted to `POST /ballots`; `503` answers and network errors are
//! retried with exponential back-off (casting is idempotent: the same ballot gets the same receipt). Each receipt
//! is checked: the collector's signature and the inclusion proof in its root (L2, L3, L5, L6:
//! [`Receipt::verify`]) and that it is for this ballot ([`Receipt::matches`]). A ballot is *accepted* only then.
//!
//! Outputs: the [`Summary`] (cast, re-votes, refused by error code, rate, latency percentiles); `--receipts FILE`
//! (every receipt, one JSON per line, in log order); `--expected FILE` (for each credential, hex public key, the
//! answers of its last accepted ballot, the one with the highest leaf index: what the tally must count; with
//! districts, the answers to its district's contests, in manifest order).

use protocol::election::PublishedElection;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use ed25519_dalek::VerifyingKey;
use indicatif::{ProgressBar, ProgressStyle};
use protocol::ballot::Ballot;
use protocol::ballot_box::{CredentialEntry, Electorate};
use protocol::credential::{decode_verifying_key, Credential};
use protocol::election::ElectionParameters;
use protocol::encoding::{Answer, Selection};
use protocol::log::{Receipt, WithBytes};
use protocol::manifest::{Contest, ContestKind, Manifest};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use tokio::sync::Semaphore;
use zeroize::Zeroize;

use crate::{parse_credential, Client};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The collector's base URL, e.g. `http://127.0.0.1:8080`.
    pub collector: String,
    /// A JSON array of voters' secret credentials in their text form (SPEC.md §8.1; what
    /// `tallier setup credentials` and `collector dev-election` write as voters.json).
    pub voters: PathBuf,
    /// The public credential list (SPEC.md §4.5.1, credentials.json: hex keys, or with districts
    /// `{"key": hex, "district": id}`), which gives each voter's district. Needed in an election with districts.
    pub credentials: Option<PathBuf>,
    /// First ballots to cast, one per voter, from the first voter on; `None`: every voter.
    pub ballots: Option<usize>,
    /// The share of those voters who vote again, in `[0, 1]`.
    pub revote_share: f64,
    /// Most ballots being made or posted at once.
    pub concurrency: usize,
    /// Seed of the answers (and of who re-votes).
    pub seed: u64,
    /// Where to write every receipt (JSON lines).
    pub receipts: Option<PathBuf>,
    /// Where to write the answers of each credential's last accepted ballot (JSON).
    pub expected: Option<PathBuf>,
    /// No progress bar.
    pub quiet: bool,
}

/// What happened, for the summary.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub seed: u64,
    pub concurrency: usize,
    /// Ballots cast (posted), first ballots and re-votes.
    pub cast: usize,
    pub revotes: usize,
    /// Ballots whose verified receipt came back.
    pub accepted: usize,
    /// Of those, answered `200` (already in the log: a retry of a ballot that had been stored).
    pub already_in_log: usize,
    /// Ballots that failed, by error code: the collector's code (collector/API.md), `http_<status>` for an answer
    /// without one, `network` (no answer after every retry), `bad_receipt` (the receipt does not verify or is for
    /// another ballot), `client` (the ballot could not be made).
    pub refused: BTreeMap<String, usize>,
    /// Retries after a `503` or a network error.
    pub retries: usize,
    pub elapsed: Duration,
    /// From the first post of a ballot to its verified receipt, retries included.
    pub latency_p50: Duration,
    pub latency_p99: Duration,
}

impl Summary {
    pub fn failed(&self) -> usize {
        self.refused.values().sum()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(
            f,
            "voter-sim: cast {} ballots ({} first ballots, {} re-votes), concurrency {}, seed {}",
            self.cast,
            self.cast - self.revotes,
            self.revotes,
            self.concurrency,
            self.seed
        )?;
        writeln!(
            f,
            "  accepted {} with verified receipts ({} already in the log), failed {}",
            self.accepted,
            self.already_in_log,
            self.failed()
        )?;
        if !self.refused.is_empty() {
            let by_code: Vec<String> = self.refused.iter().map(|(code, n)| format!("{code} {n}")).collect();
            writeln!(f, "  refused by error code: {}", by_code.join(", "))?;
        }
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "  {:.1} ballots/s over {secs:.1} s (making ballots included); latency p50 {:.1} ms, p99 {:.1} ms; \
             {} retries",
            self.accepted as f64 / secs.max(1e-9),
            ms(self.latency_p50),
            ms(self.latency_p99),
            self.retries
        )
    }
}

/// One ballot to cast.
#[derive(Debug)]
struct Job {
    voter: usize,
    /// The voter's district (`None` without districts).
    district: Option<u16>,
    answers: Vec<Answer>,
}

/// How one ballot ended.
#[derive(Debug)]
enum Outcome {
    Accepted { voter: usize, answers: Vec<Answer>, receipt: Box<Receipt>, latency: Duration, existing: bool },
    Failed { code: String, detail: String },
}

/// What every casting task shares.
#[derive(Debug)]
struct Shared {
    client: Client,
    credentials: Vec<Credential>,
    collector_key: VerifyingKey,
    http: reqwest::Client,
    url: String,
}

/// Write-in names the simulator uses (truncated to the contest's `max_bytes`).
const WRITE_INS: [&str; 6] = ["Mia", "Noah Lepp", "Olga", "Peeter Põld", "Quinn", "Rasmus"];

/// A number in `0..n` (`n > 0`; the tiny modulo bias does not matter for a simulator).
fn below<R: RngCore>(rng: &mut R, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// A random valid answer to `contest` (SPEC.md §5.1): see the module documentation.
pub fn random_answer<R: RngCore>(contest: &Contest, rng: &mut R) -> Answer {
    let options = contest.options.len();
    let (min, max) = contest.selection_bounds();
    // The write-in is a candidate in about one answer in five where the contest allows one, and always when the
    // minimum number of selections cannot be reached without it.
    let write_in = contest.write_in.filter(|_| min > options || below(rng, 5) == 0).map(|rule| {
        let name = WRITE_INS[below(rng, WRITE_INS.len())];
        let mut end = name.len().min(rule.max_bytes as usize);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        // `max_bytes ≥ 1` (SPEC.md §4.3) and every name starts with an ASCII letter, so `end ≥ 1`.
        Selection::WriteIn(name[..end.max(1)].to_string())
    });
    let mut candidates: Vec<Selection> = (0..options as u16).map(Selection::Option).collect();
    candidates.extend(write_in);
    let max = max.min(candidates.len());
    let min = min.min(max);
    let k = min + below(rng, max - min + 1);
    // Partial Fisher–Yates: the first k of a random permutation, in random order.
    for i in 0..k {
        let j = i + below(rng, candidates.len() - i);
        candidates.swap(i, j);
    }
    candidates.truncate(k);
    if !matches!(contest.kind, ContestKind::Ranked { .. }) {
        // Single choice and approval answers are in ascending order (options first, then the write-in).
        candidates.sort();
    }
    Answer { selections: candidates }
}

/// Random valid answers to every contest on a ballot of `district` ([`Manifest::ballot_contests`]; every contest
/// without districts), in manifest order.
pub fn random_answers<R: RngCore>(manifest: &Manifest, district: Option<u16>, rng: &mut R) -> Vec<Answer> {
    manifest.ballot_contests(district).into_iter().map(|c| random_answer(&manifest.contests[c], rng)).collect()
}

/// Random answers different from `previous` (a re-vote changes the vote); the same answers only if the manifest
/// allows nothing else.
fn different_answers<R: RngCore>(
    manifest: &Manifest,
    district: Option<u16>,
    previous: &[Answer],
    rng: &mut R,
) -> Vec<Answer> {
    let mut answers = random_answers(manifest, district, rng);
    for _ in 0..1000 {
        if answers != previous {
            break;
        }
        answers = random_answers(manifest, district, rng);
    }
    answers
}

/// The ballots of both phases: first ballots of voters `0..ballots` (voter `v` in district `districts[v]`), then the
/// re-votes.
fn plan(
    manifest: &Manifest,
    districts: &[Option<u16>],
    ballots: usize,
    revote_share: f64,
    seed: u64,
) -> (Vec<Job>, Vec<Job>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let district = |voter: usize| districts.get(voter).copied().flatten();
    let first: Vec<Job> = (0..ballots)
        .map(|voter| {
            let district = district(voter);
            Job { voter, district, answers: random_answers(manifest, district, &mut rng) }
        })
        .collect();
    let revoters = ((ballots as f64 * revote_share).round() as usize).min(ballots);
    let mut order: Vec<usize> = (0..ballots).collect();
    for i in 0..revoters {
        let j = i + below(&mut rng, ballots - i);
        order.swap(i, j);
    }
    let mut chosen = order[..revoters].to_vec();
    chosen.sort_unstable();
    let revotes = chosen
        .into_iter()
        .map(|voter| {
            let district = district(voter);
            Job { voter, district, answers: different_answers(manifest, district, &first[voter].answers, &mut rng) }
        })
        .collect();
    (first, revotes)
}

/// Reads voters.json: a JSON array of secret credentials in their text form (SPEC.md §8.1). The text is wiped
/// after parsing.
fn read_voters(path: &std::path::Path) -> anyhow::Result<Vec<Credential>> {
    let mut text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let parsed: Result<Vec<String>, _> = serde_json::from_str(&text);
    text.zeroize();
    let mut secrets = parsed.with_context(|| format!("{}: expected a JSON array of credentials", path.display()))?;
    let credentials = secrets
        .iter()
        .enumerate()
        .map(|(i, s)| parse_credential(s).with_context(|| format!("{}: voter {i}", path.display())))
        .collect::<anyhow::Result<Vec<_>>>();
    secrets.iter_mut().for_each(|s| s.zeroize());
    credentials
}

/// Each voter's district, from the public credential list at `path` (SPEC.md §4.5.1) read against `manifest`:
/// `None` for every voter without districts (and without a list). Refused: a list that is not a valid list for
/// this election, a voter whose key it does not hold, and an election with districts without a list.
fn voter_districts(
    manifest: &Manifest,
    path: Option<&std::path::Path>,
    voters: &[Credential],
) -> anyhow::Result<Vec<Option<u16>>> {
    let Some(path) = path else {
        ensure!(
            !manifest.has_districts(),
            "the election has districts, and each voter casts their district's ballot: give --credentials \
             credentials.json (the public credential list, which gives each voter's district)"
        );
        return Ok(vec![None; voters.len()]);
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let list: Vec<CredentialEntry> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: expected the public credential list, a JSON array of hex keys (with districts, of {{\"key\": hex, \
             \"district\": id}})",
            path.display()
        )
    })?;
    let electorate =
        Electorate::from_list(manifest, &list).map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))?;
    voters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            electorate.lookup(c.public_key().as_bytes(), 0)?.with_context(|| {
                format!(
                    "voter {i} (key {}) is not in {}: give the credential list of these voters",
                    c.public_key().to_hex(),
                    path.display()
                )
            })
        })
        .collect()
}

/// Fetches and checks `GET /election`: the fingerprint must be the one its manifest and key give (SPEC.md §4.4).
async fn fetch_election(http: &reqwest::Client, base: &str) -> anyhow::Result<(Client, VerifyingKey)> {
    let url = format!("{base}/election");
    let r = http.get(&url).send().await.with_context(|| format!("GET {url}"))?;
    ensure!(r.status().is_success(), "GET {url}: {}", r.status());
    let info: PublishedElection = r.json().await.with_context(|| format!("GET {url}: not the election's JSON"))?;
    let params = ElectionParameters { manifest: info.manifest, public_key: info.public_key };
    let client = Client::new(&serde_json::to_string(&params)?)?;
    ensure!(
        *client.election().fingerprint() == info.fingerprint,
        "the collector's fingerprint is not the one its manifest and key give"
    );
    let key_bytes: [u8; 32] = info.collector_key;
    let key = decode_verifying_key(&key_bytes, "collector key")?;
    Ok((client, key))
}

/// Posts a ballot until it gets an answer other than `503` (at most 8 tries, back-off from 50 ms up to 2 s).
/// Returns the status, the body and the number of retries.
async fn post_with_retries(shared: &Shared, body: Vec<u8>) -> Result<(u16, String, usize), (String, usize)> {
    let mut delay = Duration::from_millis(50);
    let mut retries = 0;
    loop {
        let sent =
            shared.http.post(&shared.url).header("content-type", "application/json").body(body.clone()).send().await;
        let last = retries >= 7;
        match sent {
            Ok(r) if r.status().as_u16() != 503 || last => {
                let status = r.status().as_u16();
                let text = r.text().await.map_err(|e| (e.to_string(), retries))?;
                return Ok((status, text, retries));
            }
            Ok(_) => {}
            Err(e) if last => return Err((e.to_string(), retries)),
            Err(_) => {}
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
        retries += 1;
    }
}

/// The stable error code of an error answer (`{"error": {"code": …}}`), or `http_<status>`.
fn error_code(status: u16, body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("http_{status}"))
}

/// Makes, posts and checks one ballot. Returns the outcome and the number of retries.
async fn cast_one(shared: Arc<Shared>, job: Job) -> (Outcome, usize) {
    let Job { voter, district, answers } = job;
    let maker = shared.clone();
    let made = tokio::task::spawn_blocking(move || -> Result<(Ballot, Vec<Answer>), String> {
        let credential = maker.credentials.get(voter).ok_or("no such voter")?;
        let prepared = maker
            .client
            .encrypt(&credential.public_key(), district, &answers, &mut OsRng)
            .map_err(|e| e.to_string())?;
        // The second-device code is not needed here: it is dropped (and wiped) at once.
        let (ballot, _code) = prepared.cast(credential).map_err(|e| e.to_string())?;
        Ok((ballot, answers))
    })
    .await;
    let (ballot, answers) = match made {
        Ok(Ok(made)) => made,
        Ok(Err(detail)) => return (Outcome::Failed { code: "client".into(), detail }, 0),
        Err(e) => return (Outcome::Failed { code: "client".into(), detail: e.to_string() }, 0),
    };
    let body = match serde_json::to_vec(&ballot) {
        Ok(b) => b,
        Err(e) => return (Outcome::Failed { code: "client".into(), detail: e.to_string() }, 0),
    };
    let started = Instant::now();
    let (status, text, retries) = match post_with_retries(&shared, body).await {
        Ok(answer) => answer,
        Err((detail, retries)) => return (Outcome::Failed { code: "network".into(), detail }, retries),
    };
    if status != 200 && status != 201 {
        return (Outcome::Failed { code: error_code(status, &text), detail: text }, retries);
    }
    // The receipt's JSON fields and its canonical bytes (SPEC.md §11.6), which must agree.
    let checked = serde_json::from_str::<WithBytes<Receipt>>(&text)
        .map_err(|e| format!("the receipt does not parse: {e}"))
        .and_then(|WithBytes(receipt)| {
            receipt
                .verify(&shared.collector_key, shared.client.election().fingerprint())
                .and_then(|()| receipt.matches(&ballot))
                .map_err(|e| e.to_string())?;
            Ok(receipt)
        });
    let outcome = match checked {
        Ok(receipt) => Outcome::Accepted {
            voter,
            answers,
            receipt: Box::new(receipt),
            latency: started.elapsed(),
            existing: status == 200,
        },
        Err(detail) => Outcome::Failed { code: "bad_receipt".into(), detail },
    };
    (outcome, retries)
}

/// Casts one phase's ballots at the configured concurrency.
async fn cast_all(
    shared: &Arc<Shared>,
    jobs: Vec<Job>,
    concurrency: usize,
    bar: &ProgressBar,
) -> Vec<(Outcome, usize)> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        let (shared, permits, bar) = (shared.clone(), permits.clone(), bar.clone());
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await;
            let outcome = cast_one(shared, job).await;
            bar.inc(1);
            outcome
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        outcomes.push(joined.unwrap_or_else(|e| {
            (Outcome::Failed { code: "client".into(), detail: format!("a casting task failed: {e}") }, 0)
        }));
    }
    outcomes
}

/// Runs the simulation (see the module documentation). An error is returned for what stops it before casting
/// (unreadable voters file, collector unreachable, bad election); ballots that fail are counted in the summary.
pub async fn run(config: &SimConfig) -> anyhow::Result<Summary> {
    ensure!((0.0..=1.0).contains(&config.revote_share), "--revote-share must be between 0 and 1");
    ensure!(config.concurrency > 0, "--concurrency must be at least 1");
    let credentials = read_voters(&config.voters)?;
    let ballots = config.ballots.unwrap_or(credentials.len());
    if ballots > credentials.len() {
        bail!(
            "--ballots {ballots}: the voters file has {} voters (one first ballot per voter; use --revote-share \
             for more)",
            credentials.len()
        );
    }
    let base = config.collector.trim_end_matches('/').to_string();
    ensure!(
        base.starts_with("http://"),
        "--collector {base}: only http:// addresses are supported (this build has no TLS client)"
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(config.concurrency)
        .build()?;
    let (client, collector_key) = fetch_election(&http, &base).await?;
    let manifest = client.election().manifest();
    let districts = voter_districts(manifest, config.credentials.as_deref(), &credentials)?;
    let (first, revotes) = plan(manifest, &districts, ballots, config.revote_share, config.seed);
    let mut summary = Summary {
        seed: config.seed,
        concurrency: config.concurrency,
        cast: first.len() + revotes.len(),
        revotes: revotes.len(),
        ..Summary::default()
    };
    let shared = Arc::new(Shared { client, credentials, collector_key, http, url: format!("{base}/ballots") });
    let bar = if config.quiet { ProgressBar::hidden() } else { ProgressBar::new(summary.cast as u64) };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ballots, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("casting");
    let started = Instant::now();
    let mut outcomes = cast_all(&shared, first, config.concurrency, &bar).await;
    bar.set_message("re-voting");
    outcomes.extend(cast_all(&shared, revotes, config.concurrency, &bar).await);
    summary.elapsed = started.elapsed();
    bar.finish_and_clear();

    let mut latencies = Vec::new();
    let mut receipts = Vec::new();
    // Per voter: the leaf index and answers of the accepted ballot with the highest leaf index (the one counted).
    let mut last: BTreeMap<usize, (u64, Vec<Answer>)> = BTreeMap::new();
    for (outcome, retries) in outcomes {
        summary.retries += retries;
        match outcome {
            Outcome::Accepted { voter, answers, receipt, latency, existing } => {
                summary.accepted += 1;
                summary.already_in_log += usize::from(existing);
                latencies.push(latency);
                let leaf = receipt.leaf_index;
                if last.get(&voter).is_none_or(|(l, _)| *l < leaf) {
                    last.insert(voter, (leaf, answers));
                }
                receipts.push(receipt);
            }
            Outcome::Failed { code, detail } => {
                if !config.quiet {
                    eprintln!("voter-sim: ballot refused: {code}: {detail}");
                }
                *summary.refused.entry(code).or_default() += 1;
            }
        }
    }
    latencies.sort();
    let pct =
        |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).copied();
    summary.latency_p50 = pct(0.5).unwrap_or_default();
    summary.latency_p99 = pct(0.99).unwrap_or_default();

    if let Some(path) = &config.receipts {
        receipts.sort_by_key(|r| r.leaf_index);
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        for r in &receipts {
            serde_json::to_writer(&mut out, r)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    if let Some(path) = &config.expected {
        let expected: BTreeMap<String, Vec<Answer>> = last
            .into_iter()
            .filter_map(|(voter, (_, answers))| {
                shared.credentials.get(voter).map(|c| (c.public_key().to_hex(), answers))
            })
            .collect();
        std::fs::write(path, serde_json::to_string_pretty(&expected)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::manifest::{example_manifest, example_manifest_districts, ContestOption, WriteInRule};

    fn manifests() -> Vec<Manifest> {
        let mut wide = example_manifest();
        // Approval with a minimum and a write-in; single choice with a write-in; ranked with a one-byte write-in.
        wide.contests[0].write_in = Some(WriteInRule { max_bytes: 5 });
        wide.contests[1].kind = ContestKind::Approval { min: 2, max: 5 };
        wide.contests[1].write_in = Some(WriteInRule { max_bytes: 120 });
        wide.contests[2].write_in = Some(WriteInRule { max_bytes: 1 });
        wide.contests[2].kind = ContestKind::Ranked { max_ranks: 5 };
        let title = wide.contests[2].options[0].title.clone();
        wide.contests[2].options.push(ContestOption { id: "hal".into(), title, list: None });
        wide.validate().unwrap();
        vec![example_manifest(), wide]
    }

    #[test]
    fn random_answers_are_valid_and_cover_every_shape() {
        for manifest in manifests() {
            let mut rng = ChaCha20Rng::seed_from_u64(7);
            let mut sizes = std::collections::BTreeSet::new();
            let mut write_ins = 0;
            for _ in 0..500 {
                let answers = random_answers(&manifest, None, &mut rng);
                for (a, c) in answers.iter().zip(&manifest.contests) {
                    a.check(c).unwrap();
                    sizes.insert((c.id.clone(), a.selections.len()));
                    write_ins += a.selections.iter().filter(|s| matches!(s, Selection::WriteIn(_))).count();
                }
            }
            // Every allowed number of selections appears for every contest.
            for c in &manifest.contests {
                let (min, max) = c.selection_bounds();
                for k in min..=max {
                    assert!(sizes.contains(&(c.id.clone(), k)), "contest {} never got {k} selections", c.id);
                }
            }
            assert!(write_ins > 0);
        }
    }

    #[test]
    fn the_plan_is_reproducible_and_revotes_change_the_answers() {
        let m = example_manifest();
        let (first, revotes) = plan(&m, &[], 50, 0.2, 42);
        let (first2, revotes2) = plan(&m, &[], 50, 0.2, 42);
        assert_eq!(first.len(), 50);
        assert_eq!(revotes.len(), 10);
        let answers = |jobs: &[Job]| jobs.iter().map(|j| (j.voter, j.answers.clone())).collect::<Vec<_>>();
        assert_eq!(answers(&first), answers(&first2));
        assert_eq!(answers(&revotes), answers(&revotes2));
        assert_ne!(answers(&first), answers(&plan(&m, &[], 50, 0.2, 43).0));
        let mut voters: Vec<usize> = revotes.iter().map(|j| j.voter).collect();
        voters.dedup();
        assert_eq!(voters.len(), 10, "re-voters are distinct");
        for r in &revotes {
            assert_ne!(r.answers, first[r.voter].answers);
        }
        assert_eq!(plan(&m, &[], 7, 1.0, 1).1.len(), 7);
        assert!(plan(&m, &[], 7, 0.0, 1).1.is_empty());
    }

    /// With districts, each voter's answers are for their district's contests (and only those), first ballots and
    /// re-votes alike; and they make a ballot that passes B2 for that district.
    #[test]
    fn with_districts_each_voter_answers_their_districts_contests() {
        let m = example_manifest_districts();
        let districts: Vec<Option<u16>> = (0..30).map(|v| Some((v % 3) as u16)).collect();
        let (first, revotes) = plan(&m, &districts, 30, 0.5, 9);
        assert_eq!(revotes.len(), 15);
        for job in first.iter().chain(&revotes) {
            assert_eq!(job.district, districts[job.voter]);
            let contests = m.ballot_contests(job.district);
            assert_eq!(contests.len(), 2, "the district's council and the referendum");
            assert_eq!(job.answers.len(), contests.len());
            for (a, &c) in job.answers.iter().zip(&contests) {
                a.check(&m.contests[c]).unwrap();
            }
        }
        let election = protocol::Election::new(m, protocol::SecretKey::generate(&mut OsRng).public_key()).unwrap();
        let voter = Credential::generate(&mut OsRng);
        let job = &first[4];
        let (ballot, _) = protocol::create_ballot(&election, &voter, job.district, &job.answers, &mut OsRng).unwrap();
        assert_eq!(ballot.body.district, Some(1));
        protocol::check_ballot(&election, &ballot).unwrap();
    }

    /// The voters' districts come from the public credential list; without one, an election with districts is
    /// refused with what to give; a voter missing from the list, or a list without districts, too.
    #[test]
    fn voter_districts_come_from_the_credential_list() {
        let m = example_manifest_districts();
        let voters: Vec<Credential> = (0..4).map(|_| Credential::generate(&mut OsRng)).collect();
        let dir = std::env::temp_dir().join(format!("voter-sim-districts-{}-{}", std::process::id(), OsRng.next_u32()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credentials.json");
        let ids = ["south", "north", "centre", "south"];
        let list: Vec<CredentialEntry> = voters
            .iter()
            .zip(ids)
            .map(|(c, d)| CredentialEntry::InDistrict { key: c.public_key(), district: d.into() })
            .collect();
        std::fs::write(&path, serde_json::to_string(&list).unwrap()).unwrap();
        assert_eq!(
            voter_districts(&m, Some(path.as_path()), &voters).unwrap(),
            vec![Some(2), Some(0), Some(1), Some(2)]
        );
        let missing = voter_districts(&m, None, &voters).unwrap_err().to_string();
        assert!(missing.contains("give --credentials"), "{missing}");
        let stranger = vec![Credential::generate(&mut OsRng)];
        let unknown = voter_districts(&m, Some(path.as_path()), &stranger).unwrap_err().to_string();
        assert!(unknown.contains("voter 0") && unknown.contains("is not in"), "{unknown}");
        let plain: Vec<String> = voters.iter().map(|c| c.public_key().to_hex()).collect();
        std::fs::write(&path, serde_json::to_string(&plain).unwrap()).unwrap();
        let no_district = format!("{:#}", voter_districts(&m, Some(path.as_path()), &voters).unwrap_err());
        assert!(no_district.contains("has no district"), "{no_district}");
        // Without districts, no list is needed, and a plain list gives `None` for everyone.
        let plain_manifest = example_manifest();
        assert_eq!(voter_districts(&plain_manifest, None, &voters).unwrap(), vec![None; 4]);
        assert_eq!(voter_districts(&plain_manifest, Some(path.as_path()), &voters).unwrap(), vec![None; 4]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn error_codes_are_read_from_the_body() {
        assert_eq!(error_code(422, r#"{"error": {"code": "bad_proof", "message": "x"}}"#), "bad_proof");
        assert_eq!(error_code(502, "<html>"), "http_502");
    }
}

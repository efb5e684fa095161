//! The whole tally and its verification, timed, for growing numbers of ballots: one contest (single choice),
//! `mix_stages` stages (default 3), 3 of 5 trustees. For each size N: N voters each cast a ballot (made and put in a
//! signed ballot box beforehand, not timed), then the tally runs step by step as the tools do — `prepare` (check,
//! squash, revoke, anonymize), `mix` one stage at a time, each of three trustees' `trustee check` after each stage
//! (the new stage's proofs verified while the next stage mixes, SPEC.md §14.3 "Stages checked early"), their
//! `decrypt --record --checked` (the whole check but those proofs, then the decryption), `finish` (combine, decode,
//! count, index) — and `verifier verify` checks the record.
//!
//! The critical path is the time from the box to the result with each trustee and each mix server on a machine of
//! its own: a trustee checks stage k while stage k + 1 mixes (the checks of a stage end at the later of its own
//! end and the previous check's, plus the slowest trustee's check), then decrypts, then `finish` runs.
//!
//! `DISTRICTS=D` (D ≥ 1) runs instead an election of D districts, each with its own contest (single choice, mixed
//! and decrypted on its own, SPEC.md §4.6), the voters dealt to the districts in turn: N ballots in all.
//!
//! `cargo run --release -p system-tests --example tally_scaling -- 10000 100000 1000000`
//! (or `scripts/tally-bench.sh`). Prints two tables: wall clock on this machine, all cores; and each step's peak
//! resident memory (each step runs as its own process, as the tools do: the process's high-water mark,
//! `test_support::memory`), in MB and in bytes per ballot. The ballots are made and the box written before the first step, and dropped. The primitive
//! costs (`test_support::primitives`) are measured before and after the runs and printed with the tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use protocol::manifest::example_manifest;
use system_tests::{ceremony, revocations, write_ballot_box};
use tallier::tally::{finish, mix, prepare, FinishArgs, MixArgs, PrepareArgs};
use test_support::memory;

struct Row {
    n: usize,
    prepare: Duration,
    mix: Duration,
    /// The three trustees' checks after each stage, one after the other on this machine.
    checks: Duration,
    /// The critical path: see the module's note.
    critical: Duration,
    decrypt: Duration,
    /// The slowest of the three trustees: on their own machines they work at once.
    trustee: Duration,
    finish: Duration,
    verify: Duration,
    record_bytes: u64,
    /// Peak resident bytes of each step: prepare, mix, one trustee (the largest of the three), finish, verify.
    peak: [Option<u64>; 5],
}

/// Runs a step as its own process, as the tools run (this program again: `--step NAME ARG…`), so that its peak
/// resident memory is its own and not what the allocator kept of the steps before it; returns that peak, which the
/// child reports as its last line (`PEAK bytes`). Each step's time and peak also go to stderr as it ends, so that a
/// long run that is stopped still leaves what it measured.
fn in_child(step: &str, args: &[&Path]) -> Option<u64> {
    let t = Instant::now();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--step")
        .arg(step)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the step `{step}` failed:\n{stdout}");
    let peak = stdout.lines().rev().find_map(|l| l.strip_prefix("PEAK ")).and_then(|v| v.parse().ok());
    eprintln!(
        "  {step}: {:.1} s, peak {:.0} MB",
        t.elapsed().as_secs_f64(),
        peak.map_or(f64::NAN, |b: u64| b as f64 / 1e6)
    );
    peak
}

/// The child of [`in_child`]: runs one step on the paths given, then prints its peak resident memory.
fn step(name: &str, paths: &[PathBuf]) {
    let path = |i: usize| paths[i].clone();
    let number = |i: usize| paths[i].to_str().and_then(|s| s.parse::<usize>().ok()).unwrap();
    match name {
        "generate" => generate(&path(0), number(1), u16::try_from(number(2)).unwrap(), number(3)),
        "prepare" => {
            let args = PrepareArgs {
                ballot_box: path(0),
                ceremony: path(1),
                revocations: path(2),
                record: path(3),
                progress: false,
            };
            prepare(&args).unwrap();
        }
        "mix" => {
            mix(&MixArgs { record: path(0), keys: paths[1..].to_vec(), memory_mb: None, progress: false }).unwrap();
        }
        "check" => {
            let pass = tallier::trustee::PassphraseSource::new(Some(path(2)));
            let found = tallier::trustee::check_early(&path(0), &path(1), &pass, &path(3)).unwrap();
            assert!(found.stages.iter().all(|s| s.2), "a stage does not verify: {:?}", found.stages);
        }
        "trustee" => {
            let pass = tallier::trustee::PassphraseSource::new(Some(path(2)));
            tallier::trustee::decrypt_record(&path(0), &path(1), &pass, Some(&path(3)), false).unwrap();
        }
        "finish" => {
            finish(&FinishArgs { record: path(0), report: None, progress: false }).unwrap();
        }
        "verify" => {
            let report = verifier::verify::verify_record(&path(0), None, false);
            assert!(report.passed(), "the record does not verify:\n{report}");
        }
        other => unreachable!("no step `{other}`"),
    }
    println!("PEAK {}", memory::peak_bytes().unwrap_or(0));
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                dir_size(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}

/// The benchmark's manifest: the example's first contest; with `districts` > 0, one copy of it per district.
fn manifest_of(districts: usize) -> protocol::Manifest {
    let mut manifest = example_manifest();
    manifest.contests.truncate(1);
    if districts > 0 {
        let first = manifest.contests[0].clone();
        manifest.districts = (0..districts)
            .map(|d| protocol::manifest::District {
                id: format!("d{d}"),
                title: first.title.keys().map(|l| (l.clone(), format!("District {}", d + 1))).collect(),
            })
            .collect();
        manifest.contests = (0..districts)
            .map(|d| protocol::manifest::Contest {
                id: format!("{}-{d}", first.id),
                districts: vec![format!("d{d}")],
                ..first.clone()
            })
            .collect();
    }
    manifest
}

/// The child step `generate DIR N STAGES DISTRICTS`: the key ceremony (in `DIR/election`), N voters' ballots, the
/// signed box (`DIR/ballot-box.json`) and the officials' revocations of the first ten voters
/// (`DIR/revocations.json`).
fn generate(dir: &Path, n: usize, stages: u16, districts: usize) {
    let mut manifest = manifest_of(districts);
    manifest.trustees.count = 5;
    manifest.trustees.threshold = 3;
    manifest.roles = protocol::roles::example_roles(stages);
    let voters = system_tests::voters(n);
    let manifest = system_tests::bind(manifest, &voters);
    let secrets = system_tests::role_secrets(stages);
    let files = ceremony(&dir.join("election"), &manifest);
    // Made 65,536 at a time and written as they come: this process holds the voters, not their ballots.
    let ballots = system_tests::ballots_in_chunks(&files.election, &voters, 7);
    let electorate = system_tests::electorate(&manifest, &voters);
    write_ballot_box(&dir.join("ballot-box.json"), &files.election, electorate, ballots, &secrets.collector);
    let revoked = voters[..10.min(n)].iter().map(protocol::Credential::public_key).collect();
    revocations(&dir.join("revocations.json"), &files.election, &secrets.officials, revoked);
}

fn run(n: usize, stages: u16, districts: usize, work: &Path) -> Row {
    let dir = work.join(format!("n{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    eprintln!("N = {n}: key ceremony (5 trustees) and {n} ballots…");
    // Made in a process of its own, so that this one holds none of it while the steps run.
    let (count, stages_arg, districts_arg) = (n.to_string(), stages.to_string(), districts.to_string());
    in_child("generate", &[&dir, Path::new(&count), Path::new(&stages_arg), Path::new(&districts_arg)]);
    let election = dir.join("election");
    let ceremony_dir = election.join("ceremony");
    let secret = |j: usize| election.join(format!("secret-{j}.json"));
    let passphrase = |j: usize| election.join(format!("pass-{j}"));

    let record = dir.join("record");
    eprintln!("N = {n}: tally…");
    let t = Instant::now();
    let prepare_peak =
        in_child("prepare", &[&dir.join("ballot-box.json"), &ceremony_dir, &dir.join("revocations.json"), &record]);
    let prepare_time = t.elapsed();
    let keys = system_tests::mix_key_files(&dir.join("mix-keys"), stages);
    let checked = |j: usize| dir.join(format!("checked-{j}.json"));
    let mut trustee_peak: Option<u64> = None;
    let (mut mix_time, mut mix_peak, mut checks_time) = (Duration::ZERO, None, Duration::ZERO);
    // When the last stage so far ended, and when the trustees' checks of it ended (on their own machines).
    let (mut mixed_at, mut checked_at) = (prepare_time, prepare_time);
    for key in &keys {
        let t = Instant::now();
        mix_peak = mix_peak.max(in_child("mix", &[&record, key]));
        let stage = t.elapsed();
        mix_time += stage;
        mixed_at += stage;
        let mut slowest = Duration::ZERO;
        for j in 1..=3usize {
            let t = Instant::now();
            trustee_peak = trustee_peak.max(in_child("check", &[&record, &secret(j), &passphrase(j), &checked(j)]));
            let check = t.elapsed();
            slowest = slowest.max(check);
            checks_time += check;
        }
        checked_at = mixed_at.max(checked_at) + slowest;
    }
    let t = Instant::now();
    let mut trustee_time = Duration::ZERO;
    for j in 1..=3usize {
        let one = Instant::now();
        let peak = in_child("trustee", &[&record, &secret(j), &passphrase(j), &checked(j)]);
        trustee_time = trustee_time.max(one.elapsed());
        trustee_peak = trustee_peak.max(peak);
    }
    let decrypt_time = t.elapsed();
    let t = Instant::now();
    let finish_peak = in_child("finish", &[&record]);
    let finish_time = t.elapsed();
    eprintln!("N = {n}: verify…");
    let t = Instant::now();
    let verify_peak = in_child("verify", &[&record]);
    let verify_time = t.elapsed();
    let row = Row {
        n,
        prepare: prepare_time,
        mix: mix_time,
        checks: checks_time,
        critical: checked_at + trustee_time + finish_time,
        decrypt: decrypt_time,
        trustee: trustee_time,
        finish: finish_time,
        verify: verify_time,
        record_bytes: dir_size(&record),
        peak: [prepare_peak, mix_peak, trustee_peak, finish_peak, verify_peak],
    };
    // KEEP_RECORD=DIR keeps the record of the last size there (scripts/verifier-web-bench.sh verifies it again).
    if let Some(keep) = std::env::var_os("KEEP_RECORD") {
        let _ = std::fs::remove_dir_all(&keep);
        std::fs::rename(&record, &keep).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
    row
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--step") {
        let paths: Vec<PathBuf> = args[3..].iter().map(PathBuf::from).collect();
        return step(&args[2], &paths);
    }
    let mut sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    let stages: u16 = std::env::var("STAGES").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let work = std::env::temp_dir().join(format!("tally-scaling-{}", std::process::id()));
    let districts: usize = std::env::var("DISTRICTS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    // The primitive costs before and after the runs (the machine's speed drifts within an hour).
    let mut rng = <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::from_seed([42; 32]);
    let before = test_support::primitives::costs(&mut rng);
    let rows: Vec<Row> = sizes.iter().map(|&n| run(n, stages, districts, &work)).collect();
    let after = test_support::primitives::costs(&mut rng);
    let _ = std::fs::remove_dir_all(&work);
    println!("\nprimitive costs of this run, one thread, CPU time (before the runs / after):");
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        println!("  {name:<45} {a:>7.2} / {b:>7.2} µs");
    }
    let shape = if districts == 0 {
        "one contest".to_string()
    } else {
        format!("{districts} districts, each with its own contest (mixed and decrypted on its own)")
    };
    println!(
        "\n{shape}, {stages} mix stages, 3 of 5 trustees, each checking every stage as it comes (checks×3: all \
         their checks, one after the other here), then checking the rest of the record (V1-V10 but those proofs) \
         and decrypting (decrypt×3); CRITICAL = from the box to the result, each trustee and mix server on its \
         own machine (a trustee checks stage k while stage k + 1 mixes); {} cores\n",
        rayon::current_num_threads()
    );
    println!(
        "{:>9} {:>9} {:>9} {:>10} {:>10} {:>10} {:>9} {:>10} {:>10} {:>9} {:>10} {:>12}",
        "ballots",
        "prepare",
        "mix",
        "checks×3",
        "decrypt×3",
        "1 trustee",
        "finish",
        "TALLY",
        "CRITICAL",
        "VERIFY",
        "µs/ballot",
        "record"
    );
    for r in &rows {
        let tally = r.prepare + r.mix + r.checks + r.decrypt + r.finish;
        let critical = r.critical;
        println!(
            "{:>9} {:>8.1}s {:>8.1}s {:>9.1}s {:>9.1}s {:>9.1}s {:>8.1}s {:>9.1}s {:>9.1}s {:>8.1}s {:>5.0}/{:<4.0} {:>9.1} MB",
            r.n,
            r.prepare.as_secs_f64(),
            r.mix.as_secs_f64(),
            r.checks.as_secs_f64(),
            r.decrypt.as_secs_f64(),
            r.trustee.as_secs_f64(),
            r.finish.as_secs_f64(),
            tally.as_secs_f64(),
            critical.as_secs_f64(),
            r.verify.as_secs_f64(),
            tally.as_secs_f64() * 1e6 / r.n as f64,
            r.verify.as_secs_f64() * 1e6 / r.n as f64,
            r.record_bytes as f64 / 1e6,
        );
    }
    println!(
        "\npeak resident memory of each step, run as its own process (MB; bytes per ballot); one trustee = the \
         largest of the three, checking a stage or decrypting\n"
    );
    println!("{:>9} {:>16} {:>16} {:>16} {:>16} {:>16}", "ballots", "prepare", "mix", "1 trustee", "finish", "VERIFY");
    for r in &rows {
        let cells: Vec<String> = r
            .peak
            .iter()
            .map(|p| match p {
                Some(b) => format!("{:.0} MB ({:.0} B)", *b as f64 / 1e6, *b as f64 / r.n as f64),
                None => "n/a".to_string(),
            })
            .collect();
        println!("{:>9} {:>16} {:>16} {:>16} {:>16} {:>16}", r.n, cells[0], cells[1], cells[2], cells[3], cells[4]);
    }
}

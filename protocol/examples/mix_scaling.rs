//! Per-ciphertext cost and peak memory of one mix stage across list sizes: the streamed prover (shuffle + prove,
//! `shuffle::mix_stage`, over files in a temporary directory), then the streamed chain check (`shuffle::verify_chain`, over the same files), with the cost of
//! the group operations measured in the same run, so the figures compare across machines as ratios. The peak
//! resident memory of each step is the process's `VmHWM`, reset before the step (`/proc/self/clear_refs`).
//!
//! `cargo run --release -p protocol --example mix_scaling -- [WIDTH] [N ...]`  (default: 1 1000 10000 100000)
//! `MIX_MEMORY_MB=…` sets the prover's chunk memory (default `stream::DEFAULT_CHUNK_MEMORY`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::Instant;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use protocol::elgamal::{EncryptionKey, SecretKey};
use protocol::fingerprint::Fingerprint;
use protocol::shuffle::stream::{chunk_rows, ListLayout, DEFAULT_CHUNK_MEMORY};
use protocol::shuffle::{mix_stage, verify_chain, ChainOptions, ChainStatement, ShuffleWitness, Stage};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use test_support::memory::{peak_bytes, reset_peak};

fn micros(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}

/// CPU time of the whole process (all threads) in µs (Linux `/proc/self/stat`, 10 ms resolution).
fn process_cpu_us() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime) are at 11 and 12 after the command name.
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks * 1e4
}

/// Wall and process CPU time of a closure, in µs.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (t, c) = (Instant::now(), process_cpu_us());
    let v = f();
    (v, micros(t), process_cpu_us() - c)
}

/// Writes a list of `n` rows of width `w` of distinct points to `path` (not encryptions of anything in
/// particular: the shuffle does not care), built cheaply and without holding it: `P_k = P₀ + k·S`, compressed in
/// batches as the doubles of `P₀/2 + k·S/2`.
fn write_input_list(path: &std::path::Path, n: usize, w: usize, rng: &mut ChaCha20Rng) {
    let half = Scalar::from(2u8).invert();
    let step = protocol::group::random_point(rng) * half;
    let mut q = protocol::group::random_point(rng) * half;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(&ListLayout { n, w }.header()).unwrap();
    let total = 2 * n * w;
    let mut done = 0;
    while done < total {
        let take = (total - done).min(1 << 16);
        let halves: Vec<RistrettoPoint> = (0..take)
            .map(|_| {
                q += step;
                q
            })
            .collect();
        for c in RistrettoPoint::double_and_compress_batch(&halves) {
            file.write_all(c.as_bytes()).unwrap();
        }
        done += take;
    }
    file.flush().unwrap();
}

/// The resident memory now (`VmRSS`), in bytes: what a step's peak starts from (memory the allocator kept from
/// earlier steps counts in it).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

fn mb(bytes: Option<u64>) -> f64 {
    bytes.unwrap_or(0) as f64 / (1 << 20) as f64
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.replace('_', "").parse().unwrap()).collect();
    let w = args.first().copied().unwrap_or(1);
    let sizes = if args.len() > 1 { args[1..].to_vec() } else { vec![1_000, 10_000, 100_000] };
    let memory = std::env::var("MIX_MEMORY_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(DEFAULT_CHUNK_MEMORY, |m| m << 20);
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    println!("threads: {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    println!("prover chunk: {} rows ({} MiB)", chunk_rows(w, memory), memory >> 20);
    let costs = test_support::primitives::costs(&mut rng);
    for (name, us) in &costs {
        println!("{name:<45} {us:>8.2} µs (CPU time, one thread)");
    }
    let msm_point = costs[0].1;
    let key = EncryptionKey::new(SecretKey::generate(&mut rng).public_key());
    let fp = Fingerprint([7; 32]);
    let dir = std::env::temp_dir().join(format!("mix-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input_path, output_path, proof_path) =
        (dir.join("input.list"), dir.join("stage-1.list"), dir.join("stage-1.proof"));
    println!();
    println!(
        "{:>9} {:>3} | {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} | {:>7} | {:>6} {:>6} | {:>7}",
        "N", "w", "sh+prv", "cpu", "peak MB", "verify", "cpu", "peak MB", "proof B", "sp/msm", "v/msm", "base MB"
    );
    for &n in &sizes {
        write_input_list(&input_path, n, w, &mut rng);
        let stage = Stage { fingerprint: &fp, key: &key, contest: 0, stage: 1 };
        reset_peak();
        let base_prove = mb(resident_bytes());
        let (info, t_prove, c_prove) = timed(|| {
            let input = std::fs::File::open(&input_path).unwrap();
            let output = std::fs::File::create(&output_path).unwrap();
            let proof = std::fs::File::create(&proof_path).unwrap();
            let witness = ShuffleWitness::random(n, &mut rng);
            mix_stage(&stage, &input, &witness, &output, &proof, chunk_rows(w, memory), &mut rng).unwrap()
        });
        let peak_prove = mb(peak_bytes());

        reset_peak();
        let (verdict, t_verify, c_verify) = timed(|| {
            let files = [&input_path, &output_path, &proof_path].map(|p| std::fs::File::open(p).unwrap());
            let statement = ChainStatement { fingerprint: &fp, public_key: key.public_key(), contest: 0, width: w };
            let options = ChainOptions {
                chunk_rows: chunk_rows(w, memory) / 2,
                verified: None,
                check_last: false,
                progress: &|_| {},
            };
            verify_chain(&statement, &[&files[0], &files[1]], &[&files[2]], &options)
        });
        assert!(verdict.failed_list.is_none() && verdict.stages == [Some(Ok(()))], "{verdict:?}");
        let peak_verify = mb(peak_bytes());
        let per = |us: f64| us / n as f64;
        println!(
            "{:>9} {:>3} | {:>8.2} {:>8.2} {:>8.1} | {:>8.2} {:>8.2} {:>8.1} | {:>7.1} | {:>6.1} {:>6.1} | {:>7.1}",
            n,
            w,
            per(t_prove),
            per(c_prove),
            peak_prove,
            per(t_verify),
            per(c_verify),
            peak_verify,
            info.proof_bytes as f64 / n as f64,
            per(c_prove) / msm_point,
            per(c_verify) / msm_point,
            base_prove,
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    println!("(µs per ciphertext row: wall clock with all cores, and 'cpu' = CPU time of all threads; on an idle");
    println!(
        " machine with T cores the wall clock is about cpu / T. sh+prv: the streamed stage over files (shuffle and"
    );
    println!(
        " prove are one pass set); 'peak MB' = the step's peak resident memory of the process (VmHWM, reset before"
    );
    println!(" each step), 'base MB' = the resident memory the prover started from (what the allocator kept counts);");
    println!(" verify: the streamed chain check (verify_chain, SPEC.md §9.7) over the files: hash, decode, verify);");
    println!(" sp/msm, v/msm = CPU time per row in units of one msm point: comparable across machines)");
}

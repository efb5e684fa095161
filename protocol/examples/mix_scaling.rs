//! Per-ciphertext cost of one mix stage (shuffle + prove, decode + verify) across list sizes, with the cost of
//! the group operations measured in the same run, so the figures compare across machines as ratios.
//!
//! `cargo run --release -p protocol --example mix_scaling -- [WIDTH] [N ...]`  (default: 1 1000 10000 100000)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::{Ciphertext, EncryptionKey, SecretKey};
use protocol::fingerprint::Fingerprint;
use protocol::group::{derive_generator, random_scalar, GroupElement, G};
use protocol::shuffle::{shuffle, CiphertextList, ShuffleProof, ShuffleStatement};
use protocol::transcript::election_transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn micros(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}

/// CPU time of the calling thread in µs (Linux `/proc/thread-self/schedstat`, nanosecond resolution): the
/// reference costs are measured on one thread in CPU time, so that a loaded machine does not inflate them.
fn thread_cpu_us() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e3)
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

/// Single-core costs of the operations the mixnet is made of, in µs.
fn group_costs(rng: &mut ChaCha20Rng) -> [(&'static str, f64); 5] {
    let n = 20_000;
    let points: Vec<RistrettoPoint> = (0..n)
        .scan(G, |p, _| {
            *p += G;
            Some(*p)
        })
        .collect();
    let scalars: Vec<Scalar> = (0..n).map(|_| random_scalar(rng)).collect();
    let bytes: Vec<[u8; 32]> = points.iter().map(|p| p.compress().to_bytes()).collect();
    let t = thread_cpu_us();
    let msm = RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
    let msm_point = (thread_cpu_us() - t) / n as f64;
    let t = thread_cpu_us();
    let dec: Vec<GroupElement> = bytes.iter().map(|b| GroupElement::from_bytes(b, "p").unwrap()).collect();
    let decompress = (thread_cpu_us() - t) / n as f64;
    let t = thread_cpu_us();
    let comp: Vec<GroupElement> = points.iter().map(|p| GroupElement::new(*p)).collect();
    let compress = (thread_cpu_us() - t) / n as f64;
    let t = thread_cpu_us();
    let fixed: RistrettoPoint = scalars[..2000].iter().map(protocol::elgamal::base_mul).sum();
    let fixed_base = (thread_cpu_us() - t) / 2000.0;
    let t = thread_cpu_us();
    let gens: RistrettoPoint = (0..2000u64).map(|i| derive_generator(b"seed", b"label", i)).sum();
    let hash_to_group = (thread_cpu_us() - t) / 2000.0;
    assert!(dec.len() + comp.len() > 0 && msm != fixed && gens != fixed);
    [
        ("msm point (vartime Pippenger, 20k points)", msm_point),
        ("decompression", decompress),
        ("compression", compress),
        ("fixed-base multiplication", fixed_base),
        ("hash-to-group generator", hash_to_group),
    ]
}

/// A list of `n` rows of width `w` of distinct points (not encryptions of anything in particular: the shuffle
/// does not care), built cheaply.
fn input_list(n: usize, w: usize, rng: &mut ChaCha20Rng) -> CiphertextList {
    let step = protocol::group::random_point(rng);
    let mut p = protocol::group::random_point(rng);
    let cells = (0..n * w)
        .map(|_| {
            p += step;
            let a = p;
            p += step;
            Ciphertext::new(a, p)
        })
        .collect();
    CiphertextList::from_flat(w, cells).unwrap()
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.replace('_', "").parse().unwrap()).collect();
    let w = args.first().copied().unwrap_or(1);
    let sizes = if args.len() > 1 { args[1..].to_vec() } else { vec![1_000, 10_000, 100_000] };
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    println!("threads: {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let costs = group_costs(&mut rng);
    for (name, us) in &costs {
        println!("{name:<45} {us:>8.2} µs (CPU time, one thread)");
    }
    let msm_point = costs[0].1;
    let key = EncryptionKey::new(SecretKey::generate(&mut rng).public_key());
    let fp = Fingerprint([7; 32]);
    println!();
    println!(
        "{:>9} {:>3} | {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} {:>8} | {:>7} {:>7} | {:>6} {:>6}",
        "N",
        "w",
        "shuffle",
        "prove",
        "sh+prv",
        "cpu",
        "decode",
        "verify",
        "dec+ver",
        "cpu",
        "proof B",
        "peak B",
        "sp/msm",
        "v/msm"
    );
    for &n in &sizes {
        let input = input_list(n, w, &mut rng);
        let input_bytes = input.to_bytes();
        let ((output, witness), t_shuffle, c_shuffle) = timed(|| shuffle(&key, &input, &mut rng));
        let st = ShuffleStatement {
            fingerprint: &fp,
            public_key: key.public_key(),
            contest: 0,
            stage: 1,
            input: &input,
            output: &output,
        };
        let (proof, t_prove, c_prove) =
            timed(|| ShuffleProof::prove(&mut election_transcript(&fp), &st, &witness, &mut rng).unwrap());
        drop(witness);
        let (output_bytes, proof_bytes) = (output.to_bytes(), proof.to_bytes());
        drop(proof);
        drop(output);

        let ((input2, output2, proof2), t_decode, c_decode) = timed(|| {
            (
                CiphertextList::from_bytes(&input_bytes).unwrap(),
                CiphertextList::from_bytes(&output_bytes).unwrap(),
                ShuffleProof::from_bytes(&proof_bytes).unwrap(),
            )
        });
        let st2 = ShuffleStatement {
            fingerprint: &fp,
            public_key: key.public_key(),
            contest: 0,
            stage: 1,
            input: &input2,
            output: &output2,
        };
        let ((), t_verify, c_verify) = timed(|| proof2.verify(&mut election_transcript(&fp), &st2).unwrap());
        let per = |us: f64| us / n as f64;
        println!(
            "{:>9} {:>3} | {:>8.2} {:>8.2} {:>8.2} {:>8.2} | {:>8.2} {:>8.2} {:>8.2} {:>8.2} | {:>7.1} {:>7.0} | {:>6.1} {:>6.1}",
            n,
            w,
            per(t_shuffle),
            per(t_prove),
            per(t_shuffle + t_prove),
            per(c_shuffle + c_prove),
            per(t_decode),
            per(t_verify),
            per(t_decode + t_verify),
            per(c_decode + c_verify),
            proof_bytes.len() as f64 / n as f64,
            test_support::memory::peak_bytes().unwrap_or(0) as f64 / n as f64,
            per(c_shuffle + c_prove) / msm_point,
            per(c_decode + c_verify) / msm_point,
        );
    }
    println!("(µs per ciphertext row: wall clock with all cores, and 'cpu' = CPU time of all threads; on an idle");
    println!(" machine with T cores the wall clock is about cpu / T. 'peak B' = peak resident bytes / N so far;");
    println!(" sp/msm, v/msm = CPU time per row in units of one msm point: comparable across machines)");
}

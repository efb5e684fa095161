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
use protocol::group::{derive_generator, random_scalar, GroupElement, G};
use protocol::manifest::Fingerprint;
use protocol::shuffle::{shuffle, CiphertextList, ShuffleProof, ShuffleStatement};
use protocol::transcript::election_transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn micros(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
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
    let t = Instant::now();
    let msm = RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
    let msm_point = micros(t) / n as f64;
    let t = Instant::now();
    let dec: Vec<GroupElement> = bytes.iter().map(|b| GroupElement::from_bytes(b, "p").unwrap()).collect();
    let decompress = micros(t) / n as f64;
    let t = Instant::now();
    let comp: Vec<GroupElement> = points.iter().map(|p| GroupElement::new(*p)).collect();
    let compress = micros(t) / n as f64;
    let t = Instant::now();
    let fixed: RistrettoPoint = scalars[..2000].iter().map(protocol::elgamal::base_mul).sum();
    let fixed_base = micros(t) / 2000.0;
    let t = Instant::now();
    let gens: RistrettoPoint = (0..2000u64).map(|i| derive_generator(b"seed", b"label", i)).sum();
    let hash_to_group = micros(t) / 2000.0;
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
    let step = RistrettoPoint::random(rng);
    let mut p = RistrettoPoint::random(rng);
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

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.replace('_', "").parse().unwrap()).collect();
    let w = args.first().copied().unwrap_or(1);
    let sizes = if args.len() > 1 { args[1..].to_vec() } else { vec![1_000, 10_000, 100_000] };
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    println!("threads: {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let costs = group_costs(&mut rng);
    for (name, us) in &costs {
        println!("{name:<45} {us:>8.2} µs (one core)");
    }
    let msm_point = costs[0].1;
    let key = EncryptionKey::new(SecretKey::generate(&mut rng).public_key());
    let fp = Fingerprint([7; 32]);
    println!();
    println!(
        "{:>9} {:>3} | {:>10} {:>10} {:>10} | {:>10} {:>10} {:>10} | {:>9} {:>9} | {:>8} {:>8}",
        "N", "w", "shuffle", "prove", "sh+prove", "decode", "verify", "dec+ver", "proof B", "peak B", "sp/msm", "v/msm"
    );
    for &n in &sizes {
        let input = input_list(n, w, &mut rng);
        let input_bytes = input.to_bytes();
        let t = Instant::now();
        let (output, witness) = shuffle(&key, &input, &mut rng);
        let t_shuffle = micros(t);
        let st = ShuffleStatement {
            fingerprint: &fp,
            public_key: key.public_key(),
            contest: 0,
            stage: 1,
            input: &input,
            output: &output,
        };
        let t = Instant::now();
        let proof = ShuffleProof::prove(&mut election_transcript(&fp), &st, &witness, &mut rng).unwrap();
        let t_prove = micros(t);
        drop(witness);
        let (output_bytes, proof_bytes) = (output.to_bytes(), proof.to_bytes());
        drop(proof);
        drop(output);

        let t = Instant::now();
        let input2 = CiphertextList::from_bytes(&input_bytes).unwrap();
        let output2 = CiphertextList::from_bytes(&output_bytes).unwrap();
        let proof2 = ShuffleProof::from_bytes(&proof_bytes).unwrap();
        let t_decode = micros(t);
        let st2 = ShuffleStatement {
            fingerprint: &fp,
            public_key: key.public_key(),
            contest: 0,
            stage: 1,
            input: &input2,
            output: &output2,
        };
        let t = Instant::now();
        proof2.verify(&mut election_transcript(&fp), &st2).unwrap();
        let t_verify = micros(t);
        let per = |us: f64| us / n as f64;
        println!(
            "{:>9} {:>3} | {:>10.2} {:>10.2} {:>10.2} | {:>10.2} {:>10.2} {:>10.2} | {:>9.1} {:>9.0} | {:>8.1} {:>8.1}",
            n,
            w,
            per(t_shuffle),
            per(t_prove),
            per(t_shuffle + t_prove),
            per(t_decode),
            per(t_verify),
            per(t_decode + t_verify),
            proof_bytes.len() as f64 / n as f64,
            peak_rss_bytes().unwrap_or(0) as f64 / n as f64,
            per(t_shuffle + t_prove) / msm_point,
            per(t_decode + t_verify) / msm_point,
        );
    }
    println!("(times in µs per ciphertext row, wall clock, all cores; 'peak B' = peak resident bytes / N so far)");
}

//! Criterion benches of one mix stage, width 1: shuffle + prove, and decode + verify (the verifier's cost
//! includes decompressing every point of the lists and the proof). Sizes: 100, 1,000, 10,000 rows (and 100,000
//! with `SHUFFLE_BENCH_BIG=1`); throughput is per ciphertext row. The same run measures one multiscalar-
//! multiplication point and one decompression, printed first, so figures compare across machines as ratios.
//! For the largest sizes see `cargo run --release -p protocol --example mix_scaling`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::{Ciphertext, EncryptionKey, SecretKey};
use protocol::fingerprint::Fingerprint;
use protocol::group::{random_scalar, GroupElement, G};
use protocol::shuffle::{shuffle_and_prove, CiphertextList, ShuffleProof, ShuffleStatement, Stage};
use protocol::transcript::election_transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const FP: Fingerprint = Fingerprint([7; 32]);

fn sizes() -> Vec<usize> {
    let mut v = vec![100, 1_000, 10_000];
    if std::env::var_os("SHUFFLE_BENCH_BIG").is_some() {
        v.push(100_000);
    }
    v
}

fn input_list(n: usize, rng: &mut ChaCha20Rng) -> CiphertextList {
    let step = protocol::group::random_point(rng);
    let mut p = protocol::group::random_point(rng);
    let cells = (0..n)
        .map(|_| {
            p += step;
            let a = p;
            p += step;
            Ciphertext::new(a, p)
        })
        .collect();
    CiphertextList::from_flat(1, cells).unwrap()
}

/// CPU time of the calling thread in µs (Linux; 0 elsewhere).
fn thread_cpu_us() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e3)
}

fn group_operations(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let n = 8192;
    let points: Vec<RistrettoPoint> = (0..n)
        .scan(G, |p, _| {
            *p += G;
            Some(*p)
        })
        .collect();
    let scalars: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut rng)).collect();
    let bytes: Vec<[u8; 32]> = points.iter().map(|p| p.compress().to_bytes()).collect();
    // A quick figure printed before criterion's own, for the ratios: wall clock, and this thread's CPU time
    // (which a loaded machine does not inflate).
    let (t, t_cpu) = (Instant::now(), thread_cpu_us());
    let _ = RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
    let (msm, msm_cpu) = (t.elapsed().as_secs_f64() * 1e6 / n as f64, (thread_cpu_us() - t_cpu) / n as f64);
    let (t, t_cpu) = (Instant::now(), thread_cpu_us());
    let _: Vec<GroupElement> = bytes.iter().map(|b| GroupElement::from_bytes(b, "p").unwrap()).collect();
    let (dec, dec_cpu) = (t.elapsed().as_secs_f64() * 1e6 / n as f64, (thread_cpu_us() - t_cpu) / n as f64);
    eprintln!("one core, wall (CPU): msm point {msm:.2} ({msm_cpu:.2}) µs, decompression {dec:.2} ({dec_cpu:.2}) µs");

    let mut group = c.benchmark_group("group");
    group.sample_size(10).throughput(Throughput::Elements(n as u64));
    group.bench_function("msm_point_vartime_8192", |b| {
        b.iter(|| RistrettoPoint::vartime_multiscalar_mul(&scalars, &points))
    });
    group.bench_function("decompress", |b| {
        b.iter(|| bytes.iter().map(|b| GroupElement::from_bytes(b, "p").unwrap()).collect::<Vec<_>>())
    });
    group.finish();
}

fn stage(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let key = EncryptionKey::new(SecretKey::generate(&mut rng).public_key());
    let stage = Stage { fingerprint: &FP, key: &key, contest: 0, stage: 1 };
    let mut group = c.benchmark_group("mix_stage_w1");
    group.sample_size(10);
    for n in sizes() {
        group.throughput(Throughput::Elements(n as u64));
        let input = input_list(n, &mut rng);
        group.bench_with_input(BenchmarkId::new("shuffle_and_prove", n), &input, |b, input| {
            b.iter_batched(
                || ChaCha20Rng::from_seed([3; 32]),
                |mut rng| shuffle_and_prove(&stage, input, &mut rng).unwrap(),
                BatchSize::PerIteration,
            )
        });
        let (output, proof) = shuffle_and_prove(&stage, &input, &mut rng).unwrap();
        let files = (input.to_bytes(), output.to_bytes(), proof.to_bytes());
        group.bench_with_input(BenchmarkId::new("decode_and_verify", n), &files, |b, (i, o, p)| {
            b.iter(|| {
                let input = CiphertextList::from_bytes(i).unwrap();
                let output = CiphertextList::from_bytes(o).unwrap();
                let proof = ShuffleProof::from_bytes(p).unwrap();
                let st = ShuffleStatement {
                    fingerprint: &FP,
                    public_key: key.public_key(),
                    contest: 0,
                    stage: 1,
                    input: &input,
                    output: &output,
                };
                proof.verify(&mut election_transcript(&FP), &st).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, group_operations, stage);
criterion_main!(benches);

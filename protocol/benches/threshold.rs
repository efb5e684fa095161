//! Threshold decryption: a trustee's partial decryption with its proof, and the batched verification of all
//! `t` trustees' proofs (decoding, i.e. point decompression, of their files included).
//!
//! `BENCH_SIZES=10000,100000 cargo bench -p protocol --bench threshold` (default 10000). Figures per
//! ciphertext per trustee are the reported time divided by N (partial decryption) or by N·t (verification).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use curve25519_dalek::ristretto::RistrettoPoint;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::EncryptionKey;
use protocol::fingerprint::Fingerprint;
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{verify_partial_decryptions, CiphertextList, PartialDecryption, Signed};
use rand::rngs::OsRng;

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000])
}

type Setup = SimulatedCeremony;

fn ceremony() -> Setup {
    SimulatedCeremony::example(
        &protocol::threshold::simulation::example_params([1; 32], 5, 3).unwrap(),
        &[],
        &mut OsRng,
    )
    .unwrap()
}

fn list(s: &Setup, n: usize) -> CiphertextList {
    let ek = EncryptionKey::new(s.outcome.election_key);
    let ms: Vec<RistrettoPoint> = (0..n).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    CiphertextList::from_flat(1, ek.encrypt_vector(&ms, &mut OsRng).0).unwrap()
}

fn bench(c: &mut Criterion) {
    let s = ceremony();
    let fp = Fingerprint([2; 32]);
    let mut group = c.benchmark_group("threshold");
    group.sample_size(10).measurement_time(Duration::from_secs(10)).warm_up_time(Duration::from_secs(1));
    for n in sizes() {
        let l = list(&s, n);
        let share = s.secrets[0].key_share(&s.outcome).unwrap();
        let sk = s.secrets[0].signing_key();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("partial_decryption_with_proof", n), &l, |b, l| {
            b.iter(|| PartialDecryption::create(&s.params, &fp, 1, &share, &sk, l, &mut OsRng).unwrap())
        });
        // Three trustees' files, as bytes.
        let files: Vec<Vec<u8>> = (1..=3u16)
            .map(|j| {
                let sec = &s.secrets[usize::from(j) - 1];
                let share = sec.key_share(&s.outcome).unwrap();
                PartialDecryption::create(&s.params, &fp, j, &share, &sec.signing_key(), &l, &mut OsRng)
                    .unwrap()
                    .to_bytes()
            })
            .collect();
        group.throughput(Throughput::Elements(3 * n as u64));
        group.bench_with_input(BenchmarkId::new("verify_3_trustees_batched_with_decoding", n), &files, |b, files| {
            b.iter(|| {
                let ps: Vec<Signed<PartialDecryption>> =
                    files.iter().map(|f| Signed::<PartialDecryption>::from_bytes(f).unwrap()).collect();
                let v = verify_partial_decryptions(&s.params, &fp, &s.roster, &s.outcome, &l, ps, &mut OsRng).unwrap();
                assert!(v.rejected.is_empty());
            })
        });
        let bytes = l.to_bytes();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("decode_ciphertext_list", n), &bytes, |b, bytes| {
            b.iter(|| CiphertextList::from_bytes(bytes).unwrap())
        });
    }
    group.finish();
}

/// The building blocks, per point, single-threaded: where the time goes.
fn components(c: &mut Criterion) {
    use curve25519_dalek::traits::VartimeMultiscalarMul;
    use curve25519_dalek::Scalar;
    let n = 4096;
    let points: Vec<RistrettoPoint> = (0..n).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let scalars: Vec<Scalar> = (0..n).map(|_| protocol::group::random_scalar(&mut OsRng)).collect();
    let bytes: Vec<[u8; 32]> = points.iter().map(|p| p.compress().to_bytes()).collect();
    let mut group = c.benchmark_group("components");
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    group.throughput(Throughput::Elements(n as u64));
    let x = scalars[0];
    group.bench_function("constant_time_scalar_mul", |b| b.iter(|| points.iter().map(|p| x * p).collect::<Vec<_>>()));
    group
        .bench_function("double_and_compress_batch", |b| b.iter(|| RistrettoPoint::double_and_compress_batch(&points)));
    group.bench_function("vartime_msm", |b| b.iter(|| RistrettoPoint::vartime_multiscalar_mul(&scalars, &points)));
    group.bench_function("decompress", |b| {
        b.iter(|| bytes.iter().map(|b| protocol::group::GroupElement::from_bytes(b, "p").unwrap()).collect::<Vec<_>>())
    });
    group.finish();
}

criterion_group!(benches, components, bench);
criterion_main!(benches);

//! Ballot benches (issue "Foundation"): encryption, ballot creation, single and batched ballot checks, batched
//! DLEQ verification, and the two primitive costs (one decompression, one multiscalar-multiplication point)
//! that let figures be compared across machines. `scripts/bench.sh` prints them as a table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use protocol::ballot::{check_ballot, check_ballots, create_ballot};
use protocol::credential::Credential;
use protocol::election::Election;
use protocol::elgamal::{EncryptionKey, SecretKey};
use protocol::encoding::{Answer, Selection};
use protocol::fingerprint::Fingerprint;
use protocol::group::{random_scalar, GroupElement, G};
use protocol::manifest::example_manifest;
use protocol::proofs::dleq::{DleqProof, DleqStatement, DleqWitness};
use protocol::proofs::BatchVerifier;
use protocol::transcript::election_transcript;
use rand::rngs::OsRng;
use std::hint::black_box;

fn answers() -> Vec<Answer> {
    vec![
        Answer::single(1),
        Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
        Answer { selections: vec![Selection::Option(2), Selection::Option(0)] },
    ]
}

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitive");
    let p = protocol::group::random_point(&mut OsRng).compress();
    g.bench_function("decompress", |b| b.iter(|| black_box(CompressedRistretto(black_box(p.to_bytes())).decompress())));
    let q = protocol::group::random_point(&mut OsRng);
    g.bench_function("compress", |b| b.iter(|| black_box(black_box(q).compress())));
    let s = random_scalar(&mut OsRng);
    g.bench_function("fixed_base_mul", |b| {
        b.iter(|| curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE * black_box(&s))
    });
    let n = 4096;
    let points: Vec<RistrettoPoint> = (0..n).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let scalars: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut OsRng)).collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("msm_point_4096", |b| b.iter(|| RistrettoPoint::vartime_multiscalar_mul(&scalars, &points)));
    g.finish();
}

fn encryption(c: &mut Criterion) {
    let ek = EncryptionKey::new(SecretKey::generate(&mut OsRng).public_key());
    let m = protocol::group::random_point(&mut OsRng);
    let mut g = c.benchmark_group("elgamal");
    g.bench_function("encrypt", |b| b.iter(|| ek.encrypt(&m, &random_scalar(&mut OsRng))));
    g.bench_function("encryption_key_table", |b| b.iter(|| EncryptionKey::new(*ek.public_key())));
    g.finish();
}

fn ballots(c: &mut Criterion) {
    let sk = SecretKey::generate(&mut OsRng);
    let election = Election::new(example_manifest(), sk.public_key()).unwrap();
    let cred = Credential::generate(&mut OsRng);
    let mut g = c.benchmark_group("ballot");
    g.bench_function("create_3_contests", |b| {
        b.iter(|| create_ballot(&election, &cred, None, &answers(), &mut OsRng).unwrap())
    });
    let (ballot, _) = create_ballot(&election, &cred, None, &answers(), &mut OsRng).unwrap();
    g.bench_function("check_3_contests", |b| b.iter(|| check_ballot(&election, &ballot).unwrap()));
    // Decoding from bytes (every point decompressed and checked) is part of checking a received ballot.
    let bytes = protocol::Encode::to_bytes(&ballot);
    g.bench_function("decode_and_check_3_contests", |b| {
        b.iter(|| {
            let b2: protocol::Ballot = protocol::Decode::from_bytes(&bytes).unwrap();
            check_ballot(&election, &b2).map(|_| ()).unwrap()
        })
    });
    for n in [100usize, 1000, 10_000] {
        let encoded: Vec<Vec<u8>> = (0..n)
            .map(|_| {
                let c = Credential::generate(&mut OsRng);
                protocol::Encode::to_bytes(&create_ballot(&election, &c, None, &answers(), &mut OsRng).unwrap().0)
            })
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(10);
        g.bench_with_input(BenchmarkId::new("decode_and_check_batch", n), &encoded, |b, encoded| {
            b.iter(|| {
                let ballots: Vec<protocol::Ballot> =
                    encoded.iter().map(|e| protocol::Decode::from_bytes(e).unwrap()).collect();
                assert!(check_ballots(&election, &ballots, &mut OsRng).iter().all(Result::is_ok));
            })
        });
    }
    g.finish();
}

fn dleq(c: &mut Criterion) {
    let fp = Fingerprint([1; 32]);
    let mut g = c.benchmark_group("dleq");
    g.sample_size(10);
    for n in [1usize, 100, 10_000] {
        let x = random_scalar(&mut OsRng);
        let g1 = GroupElement::new(G);
        let h1 = GroupElement::new(x * G);
        let g2: Vec<GroupElement> = (0..n).map(|_| protocol::group::random_point(&mut OsRng).into()).collect();
        let h2: Vec<GroupElement> = g2.iter().map(|p| GroupElement::new(x * p.point())).collect();
        let st = DleqStatement { g1: &g1, h1: &h1, g2: &g2, h2: &h2 };
        let proof = DleqProof::prove(&mut election_transcript(&fp), &st, &DleqWitness { x: &x }, &mut OsRng).unwrap();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("verify_pairs", n), &n, |b, _| {
            b.iter_batched(
                || BatchVerifier::new(&mut OsRng),
                |mut batch| {
                    proof.verify_into(&mut election_transcript(&fp), &st, &mut batch).unwrap();
                    assert!(batch.verify());
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, primitives, encryption, ballots, dleq);
criterion_main!(benches);

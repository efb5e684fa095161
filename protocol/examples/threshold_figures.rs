//! Wall-clock and CPU time of a trustee's partial decryption and of the batched verification of three
//! trustees' proofs, per ciphertext per trustee. CPU time divided by the number of cores estimates the
//! figure on an idle machine when other processes share the cores.
//!
//! `cargo run --release -p protocol --example threshold_figures -- 10000`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use curve25519_dalek::ristretto::RistrettoPoint;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::EncryptionKey;
use protocol::fingerprint::Fingerprint;
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{verify_partial_decryptions, CiphertextList, PartialDecryption, Signed};
use rand::rngs::OsRng;

/// Process CPU seconds (user + system) from /proc/self/stat, Linux only; 0 elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    if std::env::var("COMPONENTS").is_ok() {
        components(n);
    }
    let reps: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let cores = rayon::current_num_threads();
    let params = protocol::threshold::simulation::example_params([1; 32], 5, 3).unwrap();
    let SimulatedCeremony { secrets, roster, outcome, .. } =
        SimulatedCeremony::example(&params, &[], &mut OsRng).unwrap();
    let ek = EncryptionKey::new(outcome.election_key);
    let ms: Vec<RistrettoPoint> = (0..n).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let list = CiphertextList::from_flat(1, ek.encrypt_vector(&ms, &mut OsRng).0).unwrap();
    let fp = Fingerprint([2; 32]);
    let shares: Vec<_> = secrets[..3].iter().map(|s| s.key_share(&outcome).unwrap()).collect();

    let mut files = Vec::new();
    let (w0, c0) = (Instant::now(), cpu_seconds());
    for r in 0..reps {
        for (j, s) in secrets[..3].iter().enumerate() {
            let p =
                PartialDecryption::create(&params, &fp, s.trustee(), &shares[j], &s.signing_key(), &list, &mut OsRng)
                    .unwrap();
            if r == 0 {
                files.push(p.to_bytes());
            }
        }
    }
    let (wall, cpu) = (w0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    let per = (reps * 3 * n) as f64;
    println!(
        "partial decryption + proof: wall {:.2} µs, cpu/{cores} {:.2} µs per ciphertext per trustee (N = {n}, {cores} cores)",
        wall / per * 1e6,
        cpu / cores as f64 / per * 1e6
    );

    let (w0, c0) = (Instant::now(), cpu_seconds());
    for _ in 0..reps {
        let ps: Vec<Signed<PartialDecryption>> =
            files.iter().map(|f| Signed::<PartialDecryption>::from_bytes(f).unwrap()).collect();
        let v = verify_partial_decryptions(&params, &fp, &roster, &outcome, &list, ps, &mut OsRng).unwrap();
        assert!(v.rejected.is_empty());
    }
    let (wall, cpu) = (w0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    println!(
        "verification of 3 trustees, batched, decoding included: wall {:.2} µs, cpu/{cores} {:.2} µs per ciphertext per trustee",
        wall / per * 1e6,
        cpu / cores as f64 / per * 1e6
    );
}

/// CPU time per point of the building blocks, single-threaded.
fn components(n: usize) {
    use curve25519_dalek::traits::VartimeMultiscalarMul;
    let points: Vec<RistrettoPoint> = (0..n).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let scalars: Vec<curve25519_dalek::Scalar> = (0..n).map(|_| protocol::group::random_scalar(&mut OsRng)).collect();
    let bytes: Vec<[u8; 32]> = points.iter().map(|p| p.compress().to_bytes()).collect();
    let x = scalars[0];
    let time = |name: &str, f: &mut dyn FnMut()| {
        let c0 = cpu_seconds();
        f();
        println!("  {name}: {:.2} µs per point (cpu)", (cpu_seconds() - c0) / n as f64 * 1e6);
    };
    time("constant-time scalar mul", &mut || {
        std::hint::black_box(points.iter().map(|p| x * p).collect::<Vec<_>>());
    });
    time("vartime msm", &mut || {
        std::hint::black_box(RistrettoPoint::vartime_multiscalar_mul(&scalars, &points));
    });
    let short: Vec<curve25519_dalek::Scalar> = scalars
        .iter()
        .map(|s| {
            let mut b = [0u8; 16];
            b.copy_from_slice(&s.as_bytes()[..16]);
            curve25519_dalek::Scalar::from(u128::from_le_bytes(b))
        })
        .collect();
    time("vartime msm, 128-bit scalars", &mut || {
        std::hint::black_box(RistrettoPoint::vartime_multiscalar_mul(&short, &points));
    });
    time("Merlin append, two points (per pair, v1 binding)", &mut || {
        let mut t = merlin::Transcript::new(b"bench");
        for b in &bytes {
            t.append_message(b"g2", b);
            t.append_message(b"h2", b);
        }
        std::hint::black_box(t);
    });
    time("SHA-512 of two encodings (per pair, v2 binding, one core)", &mut || {
        use sha2::Digest;
        let mut sha = sha2::Sha512::new();
        for b in &bytes {
            sha.update(b);
            sha.update(b);
        }
        std::hint::black_box(sha.finalize());
    });
    time("decompress", &mut || {
        std::hint::black_box(
            bytes.iter().map(|b| protocol::group::GroupElement::from_bytes(b, "p")).collect::<Vec<_>>(),
        );
    });
    time("compress", &mut || {
        std::hint::black_box(points.iter().map(|p| p.compress()).collect::<Vec<_>>());
    });
    time("double and compress batch", &mut || {
        std::hint::black_box(RistrettoPoint::double_and_compress_batch(&points));
    });
}

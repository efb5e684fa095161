//! The primitive costs a benchmark prints beside its figures (measured in the same run).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use protocol::group::{derive_generator, random_scalar, GroupElement, G};
use rand_chacha::ChaCha20Rng;

/// CPU time of the calling thread in µs (Linux `/proc/thread-self/schedstat`, nanosecond resolution): the
/// reference costs are measured on one thread in CPU time, so that a loaded machine does not inflate them.
pub fn thread_cpu_us() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e3)
}

/// Single-core costs, in µs of CPU time on one thread, of the operations everything is made of: one point of a
/// 20,000-point multiscalar multiplication, decompression, compression, fixed-base multiplication, the
/// hash-to-group generator. Benchmarks print them beside their figures, which then compare across days and
/// machines as ratios (the project machine's speed varies by 40 % between days).
pub fn costs(rng: &mut ChaCha20Rng) -> [(&'static str, f64); 5] {
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

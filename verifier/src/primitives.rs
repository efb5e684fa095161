//! The machine's primitive costs, measured where the verifier runs (natively, or in the browser's WASM), so that
//! a figure of the verifier's speed is given beside the costs of the same run (a machine's speed varies from day
//! to day): one point decompression (each point the verifier decodes) and one point of a 4,096-point multiscalar
//! multiplication (the proofs' checks), as `scripts/bench.sh`'s `primitive/` benchmarks measure them.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use web_time::Instant;

/// The primitive costs, in microseconds (the fastest of a few repetitions).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Primitives {
    /// One Ristretto point decompression.
    pub decompress_us: f64,
    /// One point of a 4,096-point variable-time multiscalar multiplication.
    pub msm_point_us: f64,
}

/// Measures the primitive costs (about a second).
pub fn measure() -> Primitives {
    const DECOMPRESSIONS: usize = 2_000;
    const POINTS: usize = 4_096;
    let points: Vec<RistrettoPoint> = (0..POINTS).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let scalars: Vec<Scalar> = (0..POINTS)
        .map(|_| {
            let mut wide = [0u8; 64];
            OsRng.fill_bytes(&mut wide);
            Scalar::from_bytes_mod_order_wide(&wide)
        })
        .collect();
    let compressed: Vec<CompressedRistretto> = points.iter().take(DECOMPRESSIONS).map(|p| p.compress()).collect();
    let best = |f: &dyn Fn() -> usize, per: usize| -> f64 {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed().as_secs_f64() * 1e6 / per as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let decompress_us = best(
        &|| compressed.iter().filter(|c| std::hint::black_box(**c).decompress().is_some()).count(),
        DECOMPRESSIONS,
    );
    let msm_point_us = best(
        &|| usize::from(RistrettoPoint::vartime_multiscalar_mul(&scalars, &points).compress().as_bytes()[0]),
        POINTS,
    );
    Primitives { decompress_us, msm_point_us }
}

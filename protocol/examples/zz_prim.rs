#![allow(clippy::unwrap_used)]
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::traits::MultiscalarMul;
use curve25519_dalek::Scalar;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use protocol::group::{derive_generator, random_scalar, G};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
fn main() {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let n = 4000;
    let s: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut rng)).collect();
    let s2: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut rng)).collect();
    let h0 = derive_generator(b"x", b"y", 0);
    let ht = RistrettoBasepointTable::create(&h0);
    let pts: Vec<RistrettoPoint> = (0..n as u64).map(|i| G * s[i as usize]).collect();
    let t = Instant::now(); let a: RistrettoPoint = s.iter().map(|x| RISTRETTO_BASEPOINT_TABLE * x).sum(); println!("fixed G table {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let b: RistrettoPoint = s.iter().map(|x| &ht * x).sum(); println!("fixed h0 table {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let c: RistrettoPoint = s.iter().zip(&pts).map(|(x, p)| p * x).sum(); println!("variable base ct {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let d: RistrettoPoint = s.iter().zip(&s2).map(|(x, y)| RistrettoPoint::multiscalar_mul([x, y], [G, h0])).sum(); println!("ct straus 2 points (per pair) {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let e: RistrettoPoint = s.chunks(256).zip(pts.chunks(256)).map(|(x, p)| RistrettoPoint::multiscalar_mul(x, p)).sum(); println!("ct straus msm 256 per point {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let f: Vec<_> = pts.iter().map(|p| p.compress()).collect(); println!("compress {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let g: Vec<_> = f.iter().map(|p| p.decompress().unwrap()).collect(); println!("decompress {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let hh = RistrettoPoint::double_and_compress_batch(&pts); println!("double_and_compress_batch {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let t = Instant::now(); let k: RistrettoPoint = (0..n as u64).map(|i| derive_generator(b"s", b"l", i)).sum(); println!("derive_generator {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    let two = Scalar::from(2u8);
    let t = Instant::now(); let m: RistrettoPoint = pts.iter().map(|p| p * two).sum(); println!("variable base by 2 (ct) {:.2}", t.elapsed().as_secs_f64()*1e6/n as f64);
    println!("{}", (a + b + c + d + e + g[0] + k + m).compress().as_bytes()[0] as usize + hh.len());
}

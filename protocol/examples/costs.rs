#![allow(clippy::unwrap_used)]
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::RistrettoPoint;
use rand::rngs::OsRng;
use rand_chacha::rand_core::SeedableRng;
use std::time::Instant;
fn t<F: FnMut()>(name: &str, n: u32, mut f: F) {
    let s = Instant::now();
    for _ in 0..n {
        f()
    }
    println!("{name}: {:.2} µs", s.elapsed().as_secs_f64() * 1e6 / n as f64);
}
fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
    let s = protocol::group::random_scalar(&mut rng);
    let p = RistrettoPoint::random(&mut rng);
    t("basepoint table mul", 20000, || {
        std::hint::black_box(RISTRETTO_BASEPOINT_TABLE * &s);
    });
    t("variable-base mul", 20000, || {
        std::hint::black_box(s * p);
    });
    t("compress", 20000, || {
        std::hint::black_box(p.compress());
    });
    t("random_scalar OsRng", 20000, || {
        std::hint::black_box(protocol::group::random_scalar(&mut OsRng));
    });
    t("random_scalar chacha", 20000, || {
        std::hint::black_box(protocol::group::random_scalar(&mut rng));
    });
    let chunk = [7u8; 30];
    t("embed_chunk", 20000, || {
        std::hint::black_box(protocol::encoding::embed_chunk(&chunk, &mut rng).unwrap());
    });
    let cred = protocol::Credential::generate(&mut rng);
    let sk = protocol::SecretKey::generate(&mut rng);
    let e = protocol::Election::new(protocol::manifest::example_manifest(), sk.public_key()).unwrap();
    let answers = vec![
        protocol::Answer::single(1),
        protocol::Answer { selections: vec![protocol::Selection::Option(0)] },
        protocol::Answer::single(2),
    ];
    t("create_ballot chacha", 5000, || {
        std::hint::black_box(protocol::create_ballot(&e, &cred, &answers, &mut rng).unwrap());
    });
    let m = vec![0u8; 600];
    let k = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    use ed25519_dalek::Signer;
    t("ed25519 sign 600B", 20000, || {
        std::hint::black_box(k.sign(&m));
    });
    let sig = k.sign(&m);
    let vk = k.verifying_key();
    t("ed25519 verify_strict 600B", 20000, || {
        std::hint::black_box(vk.verify_strict(&m, &sig)).unwrap();
    });
    t("merlin transcript (10 appends + challenge)", 20000, || {
        let mut tr = merlin::Transcript::new(b"x");
        for _ in 0..10 {
            tr.append_message(b"a", &[0u8; 32]);
        }
        let mut c = [0u8; 64];
        tr.challenge_bytes(b"c", &mut c);
        std::hint::black_box(c);
    });
}

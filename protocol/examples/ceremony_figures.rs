//! The key ceremony's cost per trustee per round (library calls, one thread per trustee as on separate
//! machines, no file I/O, no passphrase KDF): for 5 trustees with threshold 3 and 15 with threshold 8.
//!
//! `cargo run --release -p protocol --example ceremony_figures`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use protocol::threshold::simulation::{example_officials, example_params};
use protocol::threshold::{verify_ceremony, CeremonyFiles, ClosedCeremony, Roster, SignedClose, TrusteeSecret};
use rand::rngs::OsRng;

fn mean(times: &[Duration]) -> f64 {
    times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len() as f64
}

fn run(n: u16, t: u16) {
    let params = example_params([3; 32], n, t).unwrap();
    let mut secrets: Vec<TrusteeSecret> =
        (1..=n).map(|i| TrusteeSecret::generate(&params, i, &mut OsRng).unwrap()).collect();
    let mut files = CeremonyFiles::default();
    let mut times: Vec<(&str, Vec<Duration>)> = Vec::new();

    let mut d = Vec::new();
    for s in &secrets {
        let at = Instant::now();
        files.announcements.push(s.announcement(&params, &mut OsRng));
        d.push(at.elapsed());
    }
    times.push(("1 announce", d));
    let mut d = Vec::new();
    for s in &secrets {
        let at = Instant::now();
        let roster = Roster::new(&params, &files.announcements).unwrap();
        files.dealings.push(s.dealing(&params, &roster, &mut OsRng).unwrap());
        d.push(at.elapsed());
    }
    times.push(("2 deal", d));
    let mut d = Vec::new();
    for s in &mut secrets {
        let at = Instant::now();
        let roster = Roster::new(&params, &files.announcements).unwrap();
        let (c, problems) = s.confirm(&params, &roster, &files.dealings, &mut OsRng).unwrap();
        assert!(problems.is_empty());
        files.confirmations.push(c);
        d.push(at.elapsed());
    }
    times.push(("3 confirm", d));
    let at = Instant::now();
    let (close, _) =
        SignedClose::sign(&params, &example_officials(), &files.announcements, &files.dealings, &files.confirmations)
            .unwrap();
    files.close = Some(close);
    times.push(("4 close (officials)", vec![at.elapsed()]));
    let mut d = Vec::new();
    for s in &secrets {
        let at = Instant::now();
        let closed = ClosedCeremony::check(&params, &files).unwrap();
        files.reveals.push(s.reveal(&params, &closed, &mut OsRng).unwrap());
        d.push(at.elapsed());
    }
    times.push(("5 reveal", d));
    let at = Instant::now();
    let outcome = verify_ceremony(&params, &files).unwrap();
    times.push(("whole check (keys combine, V3)", vec![at.elapsed()]));
    // One trustee withholds: t others recover it, and the check rebuilds it.
    files.reveals.remove(0);
    let closed = ClosedCeremony::check(&params, &files).unwrap();
    let mut d = Vec::new();
    for s in &secrets[1..=usize::from(t)] {
        let at = Instant::now();
        files.recoveries.push(s.recovery(&params, &closed, &[1]).unwrap());
        d.push(at.elapsed());
    }
    times.push(("6 recover (t trustees)", d));
    let at = Instant::now();
    let recovered = verify_ceremony(&params, &files).unwrap();
    times.push(("whole check with one recovered", vec![at.elapsed()]));
    assert_eq!(recovered.election_key, outcome.election_key);
    println!("\n{n} trustees, threshold {t}: time per trustee per round (mean)");
    for (name, d) in &times {
        println!("  {name:<34} {:>8.2} ms", 1e3 * mean(d));
    }
}

fn main() {
    run(5, 3);
    run(15, 8);
}

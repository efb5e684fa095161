//! `voter-sim` against a real collector on a private PostgreSQL (or `DATABASE_URL`'s server), then the verifier's
//! second-device check (`verifier check-ballot`'s library function) against the same collector.
//!
//! PostgreSQL and the in-process collector come from the collector's test helpers (`collector/tests/common/
//! service.rs`): `DATABASE_URL` (an administrative URL; a fresh database is created on it), else a private cluster.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use collector::Settings;
use protocol::ballot::Ballot;
use protocol::codes::SecondDeviceCode;
use protocol::election::ElectionParameters;
use protocol::elgamal::SecretKey;
use protocol::encoding::{Answer, Selection};
use protocol::log::Receipt;
use protocol::Decode;
use rand_core::OsRng;
use verifier::second_device::{check_online, CheckBallotError};
use voter_client::Client;

// A real PostgreSQL (DATABASE_URL, or a private cluster) and an in-process collector: the collector's test helpers.
#[path = "../../collector/tests/common/service.rs"]
mod service;

use service::{fresh_db, serve};

fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("voter-sim-test-{}-{}", std::process::id(), service::free_port()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Decrypts a ballot with the election's secret key (the test plays the trustees).
fn decrypt(params: &ElectionParameters, sk: &SecretKey, ballot: &Ballot) -> Vec<Answer> {
    params
        .manifest
        .contests
        .iter()
        .zip(&ballot.body.contests)
        .map(|(contest, cts)| {
            let points: Vec<_> = cts.iter().map(|c| sk.decrypt(c)).collect();
            Answer::from_points(contest, &points).unwrap()
        })
        .collect()
}

fn run_sim(base: &str, dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_voter-sim"))
        .args(["--collector", base, "--revote-share", "0.2", "--concurrency", "8", "--seed", "7", "--quiet"])
        .arg("--voters")
        .arg(dir.join("voters.json"))
        .arg("--receipts")
        .arg(dir.join("receipts.jsonl"))
        .arg("--expected")
        .arg(dir.join("expected.json"))
        .output()
        .unwrap()
}

#[test]
fn voter_sim_casts_everything_and_the_second_device_reads_it_back() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(fresh_db());
    // A dev election whose secret key the test keeps, to decrypt what was cast.
    let (mut params, public, creds, collector_key) = collector::admin::dev_election(50, &mut OsRng);
    let sk = SecretKey::generate(&mut OsRng);
    params.public_key = sk.public_key();
    let pool = collector::db::pool(&db, 2).unwrap();
    rt.block_on(collector::admin::init(&pool, &params, &public, collector_key.clone())).unwrap();
    let base = rt.block_on(serve(&db, Settings::default(), &collector_key)).base;
    let dir = tmpdir();
    let secrets: Vec<String> = creds.iter().map(|c| c.to_text().to_string()).collect();
    std::fs::write(dir.join("voters.json"), serde_json::to_string(&secrets).unwrap()).unwrap();

    // 50 voters, 20% re-votes: 60 ballots, every receipt verified by the simulator.
    let out = run_sim(&base, &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "voter-sim failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("cast 60 ballots (50 first ballots, 10 re-votes)"), "{stdout}");
    assert!(stdout.contains("accepted 60 with verified receipts"), "{stdout}");

    // The collector's log holds exactly the ballots of the receipts.
    let http = reqwest::blocking::Client::new();
    let sth: serde_json::Value = http.get(format!("{base}/log/sth")).send().unwrap().json().unwrap();
    assert_eq!(sth["tree_size"], 60);
    let leaves: serde_json::Value =
        http.get(format!("{base}/log/leaves?start=0&end=60")).send().unwrap().json().unwrap();
    let log: Vec<Ballot> = leaves["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Ballot::from_bytes(&hex::decode(e["ballot"].as_str().unwrap()).unwrap()).unwrap())
        .collect();
    assert_eq!(log.len(), 60);
    let receipts: Vec<Receipt> = std::fs::read_to_string(dir.join("receipts.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(receipts.len(), 60);
    for (i, (r, b)) in receipts.iter().zip(&log).enumerate() {
        assert_eq!(r.leaf_index, i as u64);
        r.matches(b).unwrap();
    }

    // The expected file: every voter, with the answers of the ballot that counts (the last in the log).
    let expected: BTreeMap<String, Vec<Answer>> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let voters: BTreeSet<String> = creds.iter().map(|c| c.public_key().to_hex()).collect();
    assert_eq!(expected.keys().cloned().collect::<BTreeSet<_>>(), voters);
    let mut last: BTreeMap<String, &Ballot> = BTreeMap::new();
    for b in &log {
        last.insert(b.body.credential.to_hex(), b);
    }
    for (cred, answers) in &expected {
        assert_eq!(&decrypt(&params, &sk, last[cred]), answers, "credential {cred}");
    }

    // The second device: a ballot with known answers, cast, then opened by `verifier check-ballot`.
    let client = Client::new(&serde_json::to_string(&params).unwrap()).unwrap();
    let answers = vec![
        Answer::single(1),
        Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
        Answer { selections: vec![Selection::Option(1), Selection::WriteIn("Mia".into())] },
    ];
    let key = creds[3].public_key();
    let (ballot, code) = client.encrypt(&key, None, &answers, &mut OsRng).unwrap().cast(&creds[3]).unwrap();
    let posted = http.post(format!("{base}/ballots")).json(&ballot).send().unwrap();
    assert_eq!(posted.status().as_u16(), 201);
    let report = check_online(&base, &[], &code.to_text(), "en", None).unwrap();
    let text = report.to_string();
    assert!(text.contains("Mayor: Bob Kask"), "{text}");
    assert!(text.contains("Budget projects: Park, Pool"), "{text}");
    assert!(text.contains("Council: 1. Eve, 2. write-in \"Mia\""), "{text}");
    assert!(text.contains("receipt: leaf 60 of a log of 61 ballots"), "{text}");
    // The whole link works as well, and the names come in another language on request.
    let link = format!("{base}/verify.html#{}", *code.to_text());
    let text = check_online(&base, &[], &link, "et", None).unwrap().to_string();
    assert!(text.contains("Linnapea: Bob Kask"), "{text}");

    // A code with this ballot's id but another seed (another ballot's) cannot make the fetch proof for it
    // (SPEC.md §8.10): refused, and nothing is counted.
    let (_, other) = client.encrypt(&key, None, &answers, &mut OsRng).unwrap().cast(&creds[3]).unwrap();
    let seed = protocol::ballot::BallotSeed::from_bytes(*other.seed.expose_bytes());
    let wrong = SecondDeviceCode { fingerprint: code.fingerprint, ballot_id: ballot.id(), seed };
    for _ in 0..3 {
        match check_online(&base, &[], &wrong.to_text(), "en", None).unwrap_err() {
            CheckBallotError::Refused { status, code, .. } => {
                assert_eq!((status, code.as_str()), (403, "fetch_not_authorized"))
            }
            e => panic!("{e}"),
        }
    }
    // A code for a ballot the collector does not have (never cast).
    match check_online(&base, &[], &other.to_text(), "en", None).unwrap_err() {
        CheckBallotError::Refused { status, code, .. } => {
            assert_eq!((status, code.as_str()), (404, "ballot_not_found"))
        }
        e => panic!("{e}"),
    }
    // A challenge code is checked from the election alone: no fetch, nothing counted.
    let challenged = client.encrypt(&key, None, &answers, &mut OsRng).unwrap();
    let shown = challenged.tracker();
    let report = challenged.challenge(&client).unwrap();
    let text = check_online(&base, &[], &report.code, "en", None).unwrap().to_string();
    assert!(text.contains(&format!("(tracker {shown})")) && text.contains("Mayor: Bob Kask"), "{text}");
    // The voter's third fetch (the limit is 3: the refused attempts spent nothing), then the limit.
    check_online(&base, &[], &code.to_text(), "en", None).unwrap();
    match check_online(&base, &[], &code.to_text(), "en", None).unwrap_err() {
        CheckBallotError::Refused { code, .. } => assert_eq!(code, "verification_limit_reached"),
        e => panic!("{e}"),
    }
    // An independent mirror (the election's "data embassy", `verifier monitor --listen`) follows the collector;
    // the second device checks the collector's answer against it (SPEC.md §11.4 L10) and learns of a re-vote.
    let mirror_port = service::free_port();
    let opts = verifier::mirror::MonitorOptions {
        collector: base.clone(),
        dir: dir.join("mirror"),
        fingerprint: Some(*client.election().fingerprint()),
        interval: std::time::Duration::from_millis(200),
        once: false,
        listen: Some(format!("127.0.0.1:{mirror_port}").parse().unwrap()),
        web: None,
    };
    rt.spawn(async move { verifier::mirror::run(&opts).await });
    let mirror = format!("http://127.0.0.1:{mirror_port}");
    let mirror_reaches = |size: u64| {
        for _ in 0..300 {
            let head =
                http.get(format!("{mirror}/log/sth")).send().ok().and_then(|r| r.json::<serde_json::Value>().ok());
            if head.is_some_and(|h| h["tree_size"].as_u64() >= Some(size)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the mirror did not reach {size} leaves");
    };
    let post = |b: &Ballot| -> u64 {
        let r = http.post(format!("{base}/ballots")).json(b).send().unwrap();
        assert_eq!(r.status().as_u16(), 201);
        r.json::<protocol::log::WithBytes<Receipt>>().unwrap().0.leaf_index
    };
    let voter = &creds[5];
    let (x, x_code) = client.encrypt(&voter.public_key(), None, &answers, &mut OsRng).unwrap().cast(voter).unwrap();
    let leaf = post(&x);
    mirror_reaches(leaf + 1);
    let report = check_online(&base, std::slice::from_ref(&mirror), &x_code.to_text(), "en", None).unwrap();
    let text = report.to_string();
    assert!(report.passed() && !report.superseded(), "{text}");
    assert!(text.contains(&format!("PASS  the mirror {mirror} holds this ballot at leaf {leaf}")), "{text}");
    // The voter's credential casts again (a re-vote, or someone who stole it): the mirror's copy shows it.
    let (y, _) = client.encrypt(&voter.public_key(), None, &answers, &mut OsRng).unwrap().cast(voter).unwrap();
    let later = post(&y);
    mirror_reaches(later + 1);
    let report = check_online(&base, std::slice::from_ref(&mirror), &x_code.to_text(), "en", None).unwrap();
    let text = report.to_string();
    assert!(report.passed() && report.superseded(), "{text}");
    assert!(text.contains(&format!("SUPERSEDED: the same credential cast a later ballot (leaf {later})")), "{text}");
    // A mirror that cannot be reached is reported, and the check does not pass.
    let report = check_online(&base, &["http://127.0.0.1:9".to_string()], &x_code.to_text(), "en", None).unwrap();
    assert!(!report.passed(), "{report}");

    // An https:// address is refused with a clear reason (no TLS client in this build), before any fetch.
    let https = base.replace("http://", "https://");
    match check_online(&https, &[], &code.to_text(), "en", None).unwrap_err() {
        e @ CheckBallotError::UnsupportedUrl { .. } => assert!(e.to_string().contains("only http://"), "{e}"),
        e => panic!("{e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop(rt);
}

/// With districts: `voter-sim --credentials` casts each voter's district's ballot (the collector refuses any
/// other, `wrong_district`), and what each ballot encrypts is the expected answers to its district's contests.
#[test]
fn voter_sim_casts_each_voters_district_ballot() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(fresh_db());
    let (mut params, public, creds, collector_key) = collector::admin::dev_election_districts(30, &mut OsRng);
    let sk = SecretKey::generate(&mut OsRng);
    params.public_key = sk.public_key();
    let pool = collector::db::pool(&db, 2).unwrap();
    rt.block_on(collector::admin::init(&pool, &params, &public, collector_key.clone())).unwrap();
    let base = rt.block_on(serve(&db, Settings::default(), &collector_key)).base;
    let dir = tmpdir();
    let secrets: Vec<String> = creds.iter().map(|c| c.to_text().to_string()).collect();
    std::fs::write(dir.join("voters.json"), serde_json::to_string(&secrets).unwrap()).unwrap();

    // Without the credential list the simulator cannot know the districts: it says what to give, and casts nothing.
    let out = run_sim(&base, &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --credentials"), "{out:?}");

    std::fs::write(dir.join("credentials.json"), serde_json::to_string(&public).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_voter-sim"))
        .args(["--collector", &base, "--revote-share", "0.2", "--concurrency", "8", "--seed", "3", "--quiet"])
        .arg("--voters")
        .arg(dir.join("voters.json"))
        .arg("--credentials")
        .arg(dir.join("credentials.json"))
        .arg("--expected")
        .arg(dir.join("expected.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "voter-sim failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("accepted 36 with verified receipts"), "{stdout}");

    let http = reqwest::blocking::Client::new();
    let leaves: serde_json::Value =
        http.get(format!("{base}/log/leaves?start=0&end=36")).send().unwrap().json().unwrap();
    let expected: BTreeMap<String, Vec<Answer>> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut last: BTreeMap<String, Ballot> = BTreeMap::new();
    for e in leaves["entries"].as_array().unwrap() {
        let b = Ballot::from_bytes(&hex::decode(e["ballot"].as_str().unwrap()).unwrap()).unwrap();
        // Voter i is in district i mod 3.
        let voter = creds.iter().position(|c| c.public_key() == b.body.credential).unwrap();
        assert_eq!(b.body.district, Some((voter % 3) as u16));
        last.insert(b.body.credential.to_hex(), b);
    }
    assert_eq!(last.len(), 30);
    let m = &params.manifest;
    for (cred, answers) in &expected {
        let b = &last[cred];
        let decrypted: Vec<Answer> = m
            .ballot_contests(b.body.district)
            .into_iter()
            .zip(&b.body.contests)
            .map(|(c, cts)| {
                let points: Vec<_> = cts.iter().map(|ct| sk.decrypt(ct)).collect();
                Answer::from_points(&m.contests[c], &points).unwrap()
            })
            .collect();
        assert_eq!(&decrypted, answers, "credential {cred}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

//! Faults and scale-out against a real PostgreSQL: two collector processes on one database, kill -9 of the
//! collector during a load, PostgreSQL restarted during a load, and the monitor (`verifier monitor`) catching a
//! forked and a truncated log.

// The helpers below are test code too (a failure is a failed test); clippy only exempts `#[test]` functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use collector::Settings;
use common::*;
use protocol::credential::Credential;
use protocol::log::{verify_consistency, verify_inclusion, Receipt, WithBytes};
use protocol::Ballot;
use rand::rngs::OsRng;
use verifier::monitor::{Alarm, Monitor};

/// Casts every ballot with `concurrency` tasks, to `bases` in turn; with `retry`, retries until accepted.
/// Returns the receipt of each ballot that got one.
async fn cast_all(
    bases: Vec<String>,
    ballots: Vec<Ballot>,
    concurrency: usize,
    retry: bool,
    accepted: Arc<AtomicUsize>,
) -> Vec<Option<Receipt>> {
    let http = client();
    let ballots = Arc::new(ballots);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, ballots, next, bases, accepted) =
            (http.clone(), ballots.clone(), next.clone(), bases.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ballots.len() {
                    return out;
                }
                let base = &bases[i % bases.len()];
                let body = serde_json::to_vec(&ballots[i]).unwrap();
                let deadline = std::time::Instant::now() + Duration::from_secs(60);
                // The code of the last 503: after `storage_unavailable` ("nothing stored"), the same ballot sent
                // again must be new (201), never a duplicate (200); after `outcome_unknown`, either.
                let mut last_503 = String::new();
                loop {
                    let res = http
                        .post(format!("{base}/ballots"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().is_success() => {
                            assert!(
                                !(r.status() == 200 && last_503 == "storage_unavailable"),
                                "ballot {i} was stored although its cast was answered storage_unavailable"
                            );
                            let r: Receipt = r.json::<WithBytes<Receipt>>().await.unwrap().0;
                            accepted.fetch_add(1, Ordering::Relaxed);
                            out.push((i, r));
                            break;
                        }
                        Ok(r) if !retry || r.status().as_u16() != 503 => {
                            assert!(!retry, "unexpected answer {}", r.status());
                            break;
                        }
                        Err(_) if !retry => break,
                        Ok(r) => {
                            let v: serde_json::Value = r.json().await.unwrap_or_default();
                            last_503 = code(&v).to_string();
                            assert!(
                                ["storage_unavailable", "outcome_unknown", "overloaded"].contains(&last_503.as_str()),
                                "unexpected 503 {v}"
                            );
                            assert!(std::time::Instant::now() < deadline, "ballot {i} never accepted");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(_) => {
                            // No answer at all (connection refused or reset): the outcome is unknown.
                            last_503.clear();
                            assert!(std::time::Instant::now() < deadline, "ballot {i} never accepted");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        }));
    }
    let mut receipts: Vec<Option<Receipt>> = vec![None; ballots.len()];
    for t in tasks {
        for (i, r) in t.await.unwrap() {
            receipts[i] = Some(r);
        }
    }
    receipts
}

fn ballots_for(e: &TestElection, n: usize) -> Vec<Ballot> {
    (0..n).map(|i| ballot(e, i % e.voters.len(), i as u16)).collect()
}

/// Checks every receipt against the log as it is now: signature, and inclusion at the latest tree head
/// (and consistency of the receipt's own root with it).
async fn check_receipts_in_log(base: &str, e: &TestElection, receipts: &[Receipt]) {
    let http = client();
    let head = sth(&http, base).await;
    head.verify(&e.key.verifying_key(), e.election.fingerprint()).unwrap();
    for r in receipts {
        r.verify(&e.key.verifying_key(), e.election.fingerprint()).unwrap();
        let (st, v) = get_json(
            &http,
            format!("{base}/log/proof/inclusion?leaf_index={}&tree_size={}", r.leaf_index, head.tree_size),
        )
        .await;
        assert_eq!(st, 200, "{v}");
        let p: collector::log_api::InclusionProof = serde_json::from_value::<WithBytes<_>>(v).unwrap().0;
        verify_inclusion(&r.leaf_hash(), r.leaf_index, head.tree_size, &p.path, &head.root).unwrap();
        let (_, v) =
            get_json(&http, format!("{base}/log/proof/consistency?first={}&second={}", r.tree_size, head.tree_size))
                .await;
        let c: collector::log_api::ConsistencyProof = serde_json::from_value::<WithBytes<_>>(v).unwrap().0;
        verify_consistency(r.tree_size, head.tree_size, &r.root, &head.root, &c.path).unwrap();
    }
}

/// A monitor that starts from nothing and verifies the whole log (every ballot, the root).
async fn monitor_from_scratch(base: &str) -> u64 {
    let dir = tmpdir("mon");
    let mut m = Monitor::open(base, &dir, None).await.unwrap();
    let size = m.poll().await.unwrap().unwrap();
    rm(&dir);
    size
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collector_processes_share_one_consistent_log() {
    let url = fresh_db().await;
    let e = init_election(&url, 50).await;
    let a = Proc::spawn(&url, &e.key, &[]).await;
    let b = Proc::spawn(&url, &e.key, &[]).await;
    let n = 200;
    let receipts =
        cast_all(vec![a.base.clone(), b.base.clone()], ballots_for(&e, n), 16, false, Arc::new(AtomicUsize::new(0)))
            .await;
    let receipts: Vec<Receipt> = receipts.into_iter().map(|r| r.expect("every ballot accepted")).collect();
    let mut idx: Vec<u64> = receipts.iter().map(|r| r.leaf_index).collect();
    idx.sort();
    assert_eq!(idx, (0..n as u64).collect::<Vec<_>>());
    let http = client();
    assert_eq!(sth(&http, &a.base).await, sth(&http, &b.base).await);
    check_receipts_in_log(&a.base, &e, &receipts).await;
    check_receipts_in_log(&b.base, &e, &receipts).await;
    assert_eq!(monitor_from_scratch(&b.base).await, n as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_load_loses_no_acknowledged_ballot() {
    let url = fresh_db().await;
    let e = init_election(&url, 100).await;
    let n = 600;
    let ballots = ballots_for(&e, n);
    let mut p = Proc::spawn(&url, &e.key, &["--rate-limit", "1000"]).await;
    let accepted = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(cast_all(vec![p.base.clone()], ballots.clone(), 16, false, accepted.clone()));
    while accepted.load(Ordering::Relaxed) < 150 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    p.kill9();
    let receipts = load.await.unwrap();
    let got: Vec<Receipt> = receipts.iter().flatten().cloned().collect();
    assert!(got.len() >= 150 && got.len() < n, "{} receipts", got.len());
    assert!(count_ballots(&url).await >= got.len() as i64);

    // Restart (start-up checks the stored leaves against the latest signed head): every receipt is in the log.
    let p2 = Proc::spawn(&url, &e.key, &["--rate-limit", "1000"]).await;
    check_receipts_in_log(&p2.base, &e, &got).await;
    let size = monitor_from_scratch(&p2.base).await;
    assert_eq!(size as i64, count_ballots(&url).await);

    // Sending everything again: the receipted ones come back unchanged, the rest go in.
    let again = cast_all(vec![p2.base.clone()], ballots, 8, true, Arc::new(AtomicUsize::new(0))).await;
    for (old, new) in receipts.iter().zip(&again) {
        let new = new.as_ref().unwrap();
        if let Some(old) = old {
            assert_eq!(old, new);
        }
    }
    assert_eq!(count_ballots(&url).await, n as i64);
    assert_eq!(monitor_from_scratch(&p2.base).await, n as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_during_load_is_survived_without_restarting_the_collector() {
    let cluster = PgCluster::start();
    let url = fresh_db_on(&cluster.admin_url()).await;
    let e = init_election(&url, 100).await;
    let s = serve(&url, Settings { rate_limit_per_minute: 1000, ..Settings::default() }, &e.key).await;
    let n = 400;
    let accepted = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(cast_all(vec![s.base.clone()], ballots_for(&e, n), 8, true, accepted.clone()));
    while accepted.load(Ordering::Relaxed) < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop_server("fast");
        std::thread::sleep(Duration::from_millis(500));
        cluster.start_server();
        cluster
    })
    .await
    .unwrap();
    let receipts: Vec<Receipt> = load.await.unwrap().into_iter().map(|r| r.unwrap()).collect();
    assert!(s.state.metrics.storage_errors.load(Ordering::Relaxed) > 0, "the restart was not noticed");
    assert_eq!(count_ballots(&url).await, n as i64);
    check_receipts_in_log(&s.base, &e, &receipts).await;
    assert_eq!(monitor_from_scratch(&s.base).await, n as u64);
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_catches_a_fork_and_a_truncation_and_checks_the_export() {
    let (file, public, creds, key) = collector::admin::dev_election(4, &mut OsRng);
    let secrets: Vec<[u8; 32]> = creds.iter().map(|c| *c.expose_secret_bytes()).collect();
    let copy = |s: &[[u8; 32]]| s.iter().map(Credential::from_secret_bytes).collect::<Vec<_>>();
    let (ua, ub, uc) = (fresh_db().await, fresh_db().await, fresh_db().await);
    let ea = init_with(&ua, file.clone(), public.clone(), creds, key.clone()).await;
    let eb = init_with(&ub, file.clone(), public.clone(), copy(&secrets), key.clone()).await;
    let ec = init_with(&uc, file, public, copy(&secrets), key).await;
    let (a, b, c) = (
        serve(&ua, Settings::default(), &ea.key).await,
        serve(&ub, Settings::default(), &eb.key).await,
        serve(&uc, Settings::default(), &ec.key).await,
    );
    let http = client();
    let b0 = ballot(&ea, 0, 0);
    // A: b0, b1. B (the same key, another view): b0, b2. C: b0 only.
    let mut shown = Vec::new();
    for (s, bs) in [(&a, vec![b0.clone(), ballot(&ea, 1, 1)]), (&b, vec![b0.clone(), ballot(&eb, 2, 2)])] {
        for x in bs {
            let (st, v) = cast(&http, &s.base, &x).await;
            assert_eq!(st, 201);
            shown.push((x, serde_json::from_value::<WithBytes<Receipt>>(v).unwrap().0));
        }
    }
    assert_eq!(cast(&http, &c.base, &b0).await.0, 201);
    let _ = ec;

    let dir = tmpdir("monitor");
    let mut m = Monitor::open(&a.base, &dir, None).await.unwrap();
    assert_eq!(m.poll().await.unwrap().unwrap(), 2);
    // The mirror of A's log: a receipt from A passes L10; B's receipt for its leaf 1 (the same collector key,
    // another ballot there: what a forking collector would show a voter's device) is refused.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mirror = format!("http://{}", listener.local_addr().unwrap());
    let app = verifier::mirror::app(m.handle(), None);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let check = |i: usize| {
        let (mirror, params, (ballot, receipt)) = (mirror.clone(), ea.file.clone(), shown[i].clone());
        tokio::task::spawn_blocking(move || {
            let http = verifier::mirror::http_client().unwrap();
            let election = params.election().unwrap();
            let (leaf, at) = (receipt.leaf_index, receipt.accepted_at);
            verifier::mirror::check_in_mirror(&http, &mirror, &election, leaf, &ballot, at)
        })
    };
    let view = check(1).await.unwrap().unwrap();
    assert_eq!((view.tree_size, view.later_leaves_of_credential), (2, vec![]));
    let e = check(3).await.unwrap().unwrap_err();
    assert!(matches!(e, verifier::mirror::MirrorError::Disagree { leaf_index: 1 }), "{e}");
    assert_eq!(cast(&http, &a.base, &ballot(&ea, 3, 0)).await.0, 201);
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);
    // Re-opened from disk, it goes on.
    let mut m = Monitor::open(&a.base, &dir, None).await.unwrap();
    assert_eq!(m.tree_size(), 3);
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);

    // The forked view: B grows past the copy with other ballots.
    for i in 0..3 {
        assert_eq!(cast(&http, &b.base, &ballot(&eb, 3, 10 + i)).await.0, 201);
    }
    let mut fork = Monitor::open(&b.base, &dir, None).await.unwrap();
    let alarm = fork.poll().await.unwrap().unwrap_err();
    assert!(matches!(alarm, Alarm::Fork { .. }), "{alarm}");
    assert!(dir.join("ALARM").exists());
    std::fs::remove_file(dir.join("ALARM")).unwrap();
    // The truncated view: C has fewer leaves than the copy.
    let mut trunc = Monitor::open(&c.base, &dir, None).await.unwrap();
    assert!(matches!(trunc.poll().await.unwrap().unwrap_err(), Alarm::Truncated { old: 3, new: 1 }));

    // The export of A agrees with the copy; a tampered export does not.
    let pool = collector::db::pool(&ua, 2).unwrap();
    collector::admin::close(&pool, &ea.key).await.unwrap();
    let out = dir.join("box.json");
    let mut bbox = collector::admin::export(&pool, &out).await.unwrap();
    assert_eq!(verifier::monitor::check_export(&bbox, &dir).unwrap(), 3);
    bbox.ballots.swap(0, 1);
    bbox.ballots[0].leaf_index = 0;
    bbox.ballots[1].leaf_index = 1;
    assert!(verifier::monitor::check_export(&bbox, &dir).is_err());
    rm(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_unavailable_means_nothing_was_stored() {
    let cluster = PgCluster::start();
    let url = fresh_db_on(&cluster.admin_url()).await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    assert_eq!(cast(&http, &s.base, &ballot(&e, 0, 0)).await.0, 201);
    let b = ballot(&e, 1, 1);
    // What the appender asks after a failed COMMIT: the batch's leaves hold its receipts, or not.
    let (db, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let stored: String = db.query_one("SELECT receipt FROM ballots WHERE leaf_index = 0", &[]).await.unwrap().get(0);
    let outcome = |texts: Vec<String>, first: u64| {
        let state = s.state.clone();
        async move { collector::appender::commit_outcome(&state, &texts, first).await }
    };
    assert_eq!(outcome(vec![stored.clone()], 0).await, Some(true));
    assert_eq!(outcome(vec![stored.clone()], 1).await, Some(false));
    assert_eq!(outcome(vec!["another receipt".into()], 0).await, Some(false));
    assert_eq!(outcome(vec![stored.clone(), "another receipt".into()], 0).await, None);
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop_server("fast");
        cluster
    })
    .await
    .unwrap();
    // PostgreSQL cannot be asked: unknown.
    assert_eq!(outcome(vec![stored.clone()], 0).await, None);
    let (st, v) = cast(&http, &s.base, &b).await;
    assert_eq!((st, code(&v)), (503, "storage_unavailable"), "{v}");
    let (st, v) = get_json(&http, format!("{}/readyz", s.base)).await;
    assert_eq!((st, code(&v)), (503, "storage_unavailable"), "{v}");
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.start_server();
        cluster
    })
    .await
    .unwrap();
    // The same ballot again is new (201), not a duplicate: the refused cast stored nothing.
    let mut answer = (0, serde_json::Value::Null);
    for _ in 0..50 {
        answer = cast(&http, &s.base, &b).await;
        if answer.0 != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answer.0, 201, "{}", answer.1);
    assert_eq!(count_ballots(&url).await, 2);
    drop(cluster);
}

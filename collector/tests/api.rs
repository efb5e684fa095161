//! The HTTP API against a real PostgreSQL: casting, re-casting, idempotency, receipts, the public log, the
//! second-device endpoint, every bad input (with its code, and nothing stored), close and export.

mod common;

use collector::Settings;
use common::*;
use protocol::log::{verify_consistency, verify_inclusion, ConsistencyProof, InclusionProof, Receipt, SignedTreeHead};
use protocol::Encode;
use rand::rngs::OsRng;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cast_recast_receipts_log_and_second_device() {
    let url = fresh_db().await;
    let e = init_election(&url, 3).await;
    let s = serve(&url, Settings { verification_max_fetches: Some(3), ..Settings::default() }, &e.key).await;
    let http = client();
    let key = collector_key(&http, &s.base).await;
    assert_eq!(key, e.key.verifying_key());
    // `GET /election`: the manifest as JSON and as its canonical bytes, from which the key gives the fingerprint.
    let (st, v) = get_json(&http, format!("{}/election", s.base)).await;
    assert_eq!(st, 200);
    let manifest_bytes = hex::decode(v["manifest_bytes"].as_str().unwrap()).unwrap();
    assert_eq!(manifest_bytes, e.election.manifest().to_bytes());
    let manifest: protocol::manifest::Manifest = protocol::Decode::from_bytes(&manifest_bytes).unwrap();
    assert_eq!(serde_json::from_value::<protocol::manifest::Manifest>(v["manifest"].clone()).unwrap(), manifest);
    assert_eq!(v["public_key"], hex::encode(e.election.public_key().to_bytes()));
    assert_eq!(v["fingerprint"], manifest.fingerprint(e.election.public_key()).to_hex());

    let b0 = ballot(&e, 0, 0);
    let (st, v) = cast(&http, &s.base, &b0).await;
    assert_eq!(st, 201, "{v}");
    let r0 = receipt(&v);
    assert_eq!(bytes_beside_fields::<Receipt>(&v), r0);
    r0.verify(&key, e.election.fingerprint()).unwrap();
    r0.matches(&b0).unwrap();
    assert_eq!((r0.leaf_index, r0.tree_size), (0, 1));

    // The same ballot again: the same receipt.
    let (st, v) = cast(&http, &s.base, &b0).await;
    assert_eq!(st, 200);
    assert_eq!(receipt(&v), r0);
    assert_eq!(bytes_beside_fields::<Receipt>(&v), r0);

    // Re-voting, and another voter.
    let (b1, fetch_b1) = ballot_and_fetch(&e, 0, 1);
    let (st, v) = cast(&http, &s.base, &b1).await;
    assert_eq!(st, 201);
    let r1 = receipt(&v);
    assert_eq!(r1.leaf_index, 1);
    let b2 = ballot(&e, 1, 2);
    let r2 = receipt(&cast(&http, &s.base, &b2).await.1);
    assert_eq!(r2.leaf_index, 2);

    // The public log: tree head, leaves, inclusion of the first receipt at the latest size, consistency.
    let head = sth(&http, &s.base).await;
    head.verify(&key, e.election.fingerprint()).unwrap();
    assert_eq!(head.tree_size, 3);
    assert_eq!(bytes_beside_fields::<SignedTreeHead>(&get_json(&http, format!("{}/log/sth", s.base)).await.1), head);
    let (st, v) = get_json(&http, format!("{}/log/proof/inclusion?leaf_index=0&tree_size=3", s.base)).await;
    assert_eq!(st, 200);
    let proof = bytes_beside_fields::<InclusionProof>(&v);
    assert_eq!(serde_json::from_value::<protocol::log::WithBytes<InclusionProof>>(v).unwrap().0, proof);
    assert_eq!((proof.leaf_index, proof.tree_size, proof.leaf_hash), (0, 3, r0.leaf_hash()));
    verify_inclusion(&r0.leaf_hash(), 0, 3, &proof.path, &head.root).unwrap();
    let (_, v) = get_json(&http, format!("{}/log/proof/consistency?first=1&second=3", s.base)).await;
    let c = bytes_beside_fields::<ConsistencyProof>(&v);
    assert_eq!(serde_json::from_value::<protocol::log::WithBytes<ConsistencyProof>>(v).unwrap().0, c);
    assert_eq!((c.first, c.second), (1, 3));
    verify_consistency(1, 3, &r0.root, &head.root, &c.path).unwrap();
    let (_, v) = get_json(&http, format!("{}/log/leaves?start=0&end=10", s.base)).await;
    let leaves: protocol::log::Leaves = serde_json::from_value(v).unwrap();
    assert_eq!(leaves.entries.len(), 3);
    let protocol::log::LogEntry::Ballot(second) = &leaves.entries[1] else { panic!("{:?}", leaves.entries[1]) };
    assert_eq!(second.ballot, hex::encode(b1.to_bytes()));
    // Each leaf's acceptance second (eq. LG1) is served with it, as the receipt signed it; inside the voting
    // period; never going back; and no head is dated before its last ballot.
    let served: Vec<u64> = leaves.entries.iter().map(protocol::log::LogEntry::accepted_at).collect();
    assert_eq!(served, vec![r0.accepted_at, r1.accepted_at, r2.accepted_at]);
    assert!(served.windows(2).all(|w| w[0] <= w[1]), "{served:?}");
    let period = e.election.manifest().voting_period;
    assert!(served.iter().all(|t| (period.opens_at..=period.closes_at).contains(t)), "{served:?}");
    assert!(head.timestamp >= r2.accepted_at * 1000);
    assert_eq!(r2.leaf_hash(), protocol::log::leaf_hash(&b2.id(), &r2.ballot_hash, r2.accepted_at));
    let (st, v) = get_json(&http, format!("{}/log/proof/inclusion?leaf_index=0&tree_size=9", s.base)).await;
    assert_eq!((st, code(&v)), (400, "invalid_tree_size"));
    let (st, v) = get_json(&http, format!("{}/log/leaves?start=x", s.base)).await;
    assert_eq!((st, code(&v)), (400, "invalid_query"));
    let (st, v) = get_json(&http, format!("{}/log/leaves?start=5&end=2", s.base)).await;
    assert_eq!((st, code(&v)), (400, "invalid_range"));

    // The second device: anyone can read ballot ids in the log, but a fetch without the proof that only the
    // code's holder can make (SPEC.md §8.10) is refused and spends nothing; so is a proof made for another
    // ballot, or a garbled one.
    let (b_other, fetch_other) = ballot_and_fetch(&e, 1, 0);
    let other_proof = fetch_other.split_once("?proof=").unwrap().1;
    for query in ["".to_string(), "?proof=zz".to_string(), format!("?proof={other_proof}"), "?proof=".to_string()] {
        for _ in 0..4 {
            let (st, v) = get_json(&http, format!("{}/ballots/{}{query}", s.base, b1.id().to_hex())).await;
            assert_eq!((st, code(&v)), (403, "fetch_not_authorized"), "{query}: {v}");
        }
    }
    assert_ne!(b_other.id(), b1.id());
    // The holder's three fetches are all still there, then refused.
    for left in [2, 1, 0] {
        let (st, v) = get_json(&http, format!("{}{fetch_b1}", s.base)).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["fetches_left"], left);
        let got: protocol::Ballot = serde_json::from_value(v["ballot"].clone()).unwrap();
        assert_eq!(got, b1);
        assert_eq!(v["ballot_bytes"], hex::encode(b1.to_bytes()));
        assert_eq!(receipt(&v["receipt"]), r1);
        assert_eq!(bytes_beside_fields::<Receipt>(&v["receipt"]), r1);
    }
    let (st, v) = get_json(&http, format!("{}{fetch_b1}", s.base)).await;
    assert_eq!((st, code(&v)), (429, "verification_limit_reached"));
    let (st, v) = get_json(&http, format!("{}/ballots/{}?proof={other_proof}", s.base, "00".repeat(32))).await;
    assert_eq!((st, code(&v)), (404, "ballot_not_found"));
    let (st, v) = get_json(&http, format!("{}/ballots/xyz", s.base)).await;
    assert_eq!((st, code(&v)), (400, "invalid_ballot_id"));

    // Health, readiness, metrics, unknown routes.
    assert_eq!(http.get(format!("{}/healthz", s.base)).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{}/readyz", s.base)).send().await.unwrap().status(), 200);
    let m = http.get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("collector_ballots_accepted_total 3"), "{m}");
    let (st, v) = get_json(&http, format!("{}/nope", s.base)).await;
    assert_eq!((st, code(&v)), (404, "not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_device_window_expires() {
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let s = serve(
        &url,
        Settings { verification_window: Some(std::time::Duration::from_secs(1)), ..Settings::default() },
        &e.key,
    )
    .await;
    let http = client();
    let (b, fetch) = ballot_and_fetch(&e, 0, 0);
    assert_eq!(cast(&http, &s.base, &b).await.0, 201);
    assert_eq!(get_json(&http, format!("{}{fetch}", s.base)).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (st, v) = get_json(&http, format!("{}{fetch}", s.base)).await;
    assert_eq!((st, code(&v)), (410, "verification_expired"));
}

/// The attack of the 2026-12 audit: a Benaloh challenge code used to hold a complete, signed ballot, so whoever
/// saw it (a shoulder-surfer, the server of the verification link) cast it later, superseding the voter's real
/// vote with one whose content the opening revealed. Now a challenge reveals only the seed and the answers of a
/// body that was never signed: everything that can be rebuilt from the code is refused, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_derived_from_a_challenge_code_can_be_cast() {
    use protocol::ballot::{create_ballot_body, BallotSeed};
    use protocol::codes::ChallengeCode;
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    let voter = &e.voters[0];
    // The voter's page prepares a body and the voter challenges it: the code is all that leaves the page.
    let seed = BallotSeed::generate(&mut OsRng);
    let (prepared, _) = create_ballot_body(
        &e.election,
        &voter.public_key(),
        None,
        &answers(1),
        &BallotSeed::from_bytes(*seed.expose_bytes()),
    )
    .unwrap();
    let challenge = ChallengeCode::new(&e.election, voter.public_key(), None, &answers(1), seed).unwrap().to_text();
    // The attacker rebuilds the challenged body from the code (as any checker does) ...
    let parsed = ChallengeCode::parse(&challenge).unwrap();
    let checked = parsed.check(&e.election).unwrap();
    assert_eq!(checked.ballot_id, prepared.id());
    let (body, _) = create_ballot_body(&e.election, &parsed.credential, None, &checked.answers, &parsed.seed).unwrap();
    // ... but has no signature for it: unsigned, signed with the attacker's own credential, or with a copied
    // signature, it is refused.
    let attacker = &e.voters[1];
    let attempts = [
        protocol::Ballot { body: body.clone(), signature: [0; 64] },
        protocol::Ballot { body: body.clone(), signature: ballot(&e, 0, 1).signature },
        protocol::Ballot {
            body: body.clone(),
            signature: ed25519_dalek::Signer::sign(
                &ed25519_dalek::SigningKey::from_bytes(&attacker.expose_secret_bytes()),
                &body.signed_message(),
            )
            .to_bytes(),
        },
    ];
    for b in &attempts {
        let (st, v) = cast(&http, &s.base, b).await;
        assert_eq!((st, code(&v)), (422, "bad_signature"), "{v}");
    }
    // The code itself, posted as it is, is not a ballot.
    let (st, v) = post_raw(&http, &s.base, serde_json::to_vec(&*challenge).unwrap()).await;
    assert_eq!((st, code(&v)), (422, "invalid_ballot"), "{v}");
    let (st, v) = post_raw(&http, &s.base, challenge.as_bytes().to_vec()).await;
    assert_eq!((st, code(&v)), (400, "malformed_json"), "{v}");
    let (_, sth) = get_json(&http, format!("{}/log/sth", s.base)).await;
    assert_eq!(sth["tree_size"], 0, "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_its_code_and_nothing_is_stored() {
    let url = fresh_db().await;
    let e = init_election(&url, 3).await;
    let s = serve(&url, Settings { rate_limit_per_minute: 1000, ..Settings::default() }, &e.key).await;
    let http = client();
    let good = ballot(&e, 0, 0);
    let good_json = serde_json::to_vec(&good).unwrap();

    let mut cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("malformed", b"{\"body\": ".to_vec(), 400, "malformed_json"),
        ("not json", b"hello".to_vec(), 400, "malformed_json"),
        ("truncated", good_json[..good_json.len() / 2].to_vec(), 400, "malformed_json"),
        ("empty", Vec::new(), 400, "malformed_json"),
        ("wrong types", br#"{"body": 3, "signature": true}"#.to_vec(), 422, "invalid_ballot"),
        ("oversized", vec![b' '; 70 * 1024], 413, "body_too_large"),
    ];
    // A point that is not canonical Ristretto: wrong field value.
    let mut v: serde_json::Value = serde_json::from_slice(&good_json).unwrap();
    v["body"]["contests"][0][0]["a"] = serde_json::Value::String("ff".repeat(32));
    cases.push(("bad point", serde_json::to_vec(&v).unwrap(), 422, "invalid_ballot"));

    // Another election (same credential, other key and manifest).
    let other = init_election(&fresh_db().await, 0).await;
    let foreign = protocol::create_ballot(&other.election, &e.voters[0], None, &answers(0), &mut OsRng).unwrap().0;
    cases.push(("wrong election", serde_json::to_vec(&foreign).unwrap(), 422, "wrong_election"));
    // An unregistered credential.
    let stranger = protocol::credential::Credential::generate(&mut OsRng);
    let unknown = protocol::create_ballot(&e.election, &stranger, None, &answers(0), &mut OsRng).unwrap().0;
    cases.push(("unknown credential", serde_json::to_vec(&unknown).unwrap(), 403, "unknown_credential"));
    // A bad signature.
    let mut bad_sig = good.clone();
    bad_sig.signature[10] ^= 1;
    cases.push(("bad signature", serde_json::to_vec(&bad_sig).unwrap(), 422, "bad_signature"));
    // A bad proof: another ciphertext, signed properly.
    let mut bad_proof = good.clone();
    bad_proof.body.contests[0][0] = ballot(&e, 0, 1).body.contests[0][0];
    resign(&mut bad_proof, &e.voters[0]);
    cases.push(("bad proof", serde_json::to_vec(&bad_proof).unwrap(), 422, "bad_proof"));
    // The wrong shape: a contest missing; a ciphertext too many.
    let mut short = good.clone();
    short.body.contests.pop();
    resign(&mut short, &e.voters[0]);
    cases.push(("missing contest", serde_json::to_vec(&short).unwrap(), 422, "wrong_shape"));
    let mut wide = good.clone();
    let extra = wide.body.contests[1][0];
    wide.body.contests[1].push(extra);
    resign(&mut wide, &e.voters[0]);
    cases.push(("extra ciphertext", serde_json::to_vec(&wide).unwrap(), 422, "wrong_shape"));
    // Voter 0's ciphertexts and proof replayed under voter 1's credential.
    let mut replay = good.clone();
    replay.body.credential = e.voters[1].public_key();
    resign(&mut replay, &e.voters[1]);
    cases.push(("replay", serde_json::to_vec(&replay).unwrap(), 422, "bad_proof"));

    for (name, body, status, expected) in cases {
        let (st, v) = post_raw(&http, &s.base, body).await;
        assert_eq!((st, code(&v)), (status, expected), "{name}: {v}");
        assert!(v["error"]["message"].is_string(), "{name}");
    }
    assert_eq!(count_ballots(&url).await, 0);
    assert_eq!(sth(&http, &s.base).await.tree_size, 0);
    // Wrong method.
    let r = http.get(format!("{}/ballots", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 405);

    // The good ballot still goes in.
    assert_eq!(cast(&http, &s.base, &good).await.0, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_per_credential() {
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings { rate_limit_per_minute: 2, ..Settings::default() }, &e.key).await;
    let http = client();
    assert_eq!(cast(&http, &s.base, &ballot(&e, 0, 0)).await.0, 201);
    assert_eq!(cast(&http, &s.base, &ballot(&e, 0, 1)).await.0, 201);
    let (st, v) = cast(&http, &s.base, &ballot(&e, 0, 2)).await;
    assert_eq!((st, code(&v)), (429, "rate_limited"));
    assert_eq!(cast(&http, &s.base, &ballot(&e, 1, 2)).await.0, 201);
    assert_eq!(count_ballots(&url).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_yet_open_election() {
    let url = fresh_db().await;
    let (mut file, public, creds, key) = collector::admin::dev_election(1, &mut OsRng);
    file.manifest.voting_period.opens_at += 2 * 3600;
    let e = init_with(&url, file, public, creds, key).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let (st, v) = cast(&client(), &s.base, &ballot(&e, 0, 0)).await;
    assert_eq!((st, code(&v)), (403, "election_not_open"));
    assert_eq!(count_ballots(&url).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn already_closed_election() {
    let url = fresh_db().await;
    let (mut file, public, creds, key) = collector::admin::dev_election(1, &mut OsRng);
    file.manifest.voting_period.closes_at = file.manifest.voting_period.opens_at + 1;
    let e = init_with(&url, file, public, creds, key).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let (st, v) = cast(&client(), &s.base, &ballot(&e, 0, 0)).await;
    assert_eq!((st, code(&v)), (403, "election_closed"));
    assert_eq!(count_ballots(&url).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_casts_by_one_voter_get_one_order_then_close_and_export() {
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    let key = e.key.verifying_key();
    let ballots: Vec<_> = (0..10).map(|i| ballot(&e, 0, i)).collect();
    let mut tasks = Vec::new();
    for b in ballots.clone() {
        let (http, base) = (http.clone(), s.base.clone());
        tasks.push(tokio::spawn(async move { cast(&http, &base, &b).await }));
    }
    let mut receipts = Vec::new();
    for t in tasks {
        let (st, v) = t.await.unwrap();
        assert_eq!(st, 201, "{v}");
        receipts.push(receipt(&v));
    }
    let mut indices: Vec<u64> = receipts.iter().map(|r| r.leaf_index).collect();
    indices.sort();
    assert_eq!(indices, (0..10).collect::<Vec<_>>());
    for (r, b) in receipts.iter().zip(&ballots) {
        r.verify(&key, e.election.fingerprint()).unwrap();
        r.matches(b).unwrap();
    }

    // Close: no more ballots; the export holds them all in log order with the final head.
    let pool = collector::db::pool(&url, 2).unwrap();
    let status = collector::admin::status(&pool).await.unwrap();
    assert_eq!((status.closed_at, status.ballots), (None, 10));
    assert!(status.to_string().starts_with("open: accepting ballots for "), "{status}");
    let closed = collector::admin::close(&pool, &e.key).await.unwrap();
    assert!(closed.newly_closed);
    let final_head = closed.final_head.clone();
    assert_eq!(final_head.tree_size, 10);
    final_head.verify(&key, e.election.fingerprint()).unwrap();
    assert!(closed.to_string().contains("ballots in the log: 10"), "{closed}");
    // A second close signs nothing: the same final head, said so.
    let again = collector::admin::close(&pool, &e.key).await.unwrap();
    assert!(!again.newly_closed);
    assert_eq!(again.final_head, final_head);
    assert_eq!(again.closed_at, closed.closed_at);
    assert!(again.to_string().starts_with("the election was closed already"), "{again}");
    assert_eq!(sth(&http, &s.base).await, final_head);
    let status = collector::admin::status(&pool).await.unwrap();
    assert_eq!((status.closed_at, status.ballots), (Some(closed.closed_at), 10));
    assert_eq!(status.last_head, final_head);
    let (st, v) = cast(&http, &s.base, &ballot(&e, 1, 0)).await;
    assert_eq!((st, code(&v)), (403, "election_closed"));
    let dir = tmpdir("export");
    let bbox = collector::admin::export(&pool, &dir.join("box.json")).await.unwrap();
    let decoded = bbox.check_log(&bbox.election().unwrap()).unwrap();
    for r in &receipts {
        let leaf = decoded.leaf_at(r.leaf_index).unwrap().unwrap();
        assert_eq!((leaf.id, leaf.accepted_at), (r.ballot_id, r.accepted_at));
    }
    // The final head is not dated before the last ballot (check_log checks it too).
    assert!(final_head.timestamp >= decoded.last().unwrap().unwrap().accepted_at * 1000);
    // The last leaf of the voter is the one that counts: the receipt with the highest index.
    let last = receipts.iter().max_by_key(|r| r.leaf_index).unwrap();
    assert_eq!(decoded.leaf_at(decoded.last().unwrap().unwrap().leaf_index).unwrap().unwrap().id, last.ballot_id);
    let text = std::fs::read_to_string(dir.join("box.json")).unwrap();
    let reread: collector::admin::BallotBox = serde_json::from_str(&text).unwrap();
    assert_eq!(reread.ballots.len(), 10);
    // Without districts the box is as before: no `districts` field, and the voter list is the manifest's (L9).
    assert!(reread.districts.is_empty());
    let fields = serde_json::from_str::<serde_json::Value>(&text).unwrap();
    let mut fields: Vec<&String> = fields.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["ballots", "collector_key", "credentials", "election", "final_tree_head", "fingerprint", "format"]
    );
    reread.check_registry(&reread.election().unwrap()).unwrap();
    rm(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_answers_in_process_with_oneshot() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let state =
        collector::start(collector::db::pool(&url, 4).unwrap(), Settings::default(), e.key.clone()).await.unwrap();
    let app = collector::app(state);
    let r = app.clone().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(r.status(), 200);
    let body = serde_json::to_vec(&ballot(&e, 0, 0)).unwrap();
    let r = app
        .clone()
        .oneshot(Request::post("/ballots").header("content-type", "application/json").body(Body::from(body)).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let post = |content_type: &str, body: &'static str| {
        Request::post("/ballots").header("content-type", content_type).body(Body::from(body)).unwrap()
    };
    let r = app.clone().oneshot(post("application/json; charset=utf-8", "{\"body\": {")).await.unwrap();
    assert_eq!(r.status(), 400);
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(code(&v), "malformed_json");
    // Not declared as JSON: refused before the body is read, with its own code.
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/jsonp", ""] {
        let r = app.clone().oneshot(post(content_type, "{}")).await.unwrap();
        assert_eq!(r.status(), 415, "{content_type}");
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(code(&v), "unsupported_media_type");
    }
    let r = app.oneshot(Request::post("/ballots").body(Body::from("{}")).unwrap()).await.unwrap();
    assert_eq!(r.status(), 415);
}

//! An election with districts against a real PostgreSQL: each credential casts its district's ballot; a ballot for
//! another district is refused (`wrong_district`), one without district or with a district the manifest does not
//! declare has the wrong shape, in the order of the tally's R1; `init` refuses a credential list that is not the
//! manifest's registry of keys and districts; the export carries each credential's district and passes L7 and L9,
//! and R1 refuses none of its ballots; a database from before districts keeps working.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use collector::Settings;
use common::*;
use protocol::ballot_box::{BallotBox, CredentialEntry};
use protocol::credential::Credential;
use protocol::encoding::Answer;
use protocol::{create_ballot, Ballot};
use rand::rngs::OsRng;

/// Answers to the contests of a ballot of `district` (the example with districts: single choice only).
fn district_answers(e: &TestElection, district: u16, k: u16) -> Vec<Answer> {
    let m = e.election.manifest();
    m.ballot_contests(Some(district)).iter().map(|&c| Answer::single(k % m.contests[c].options.len() as u16)).collect()
}

/// Voter `voter`'s ballot for `district` (which need not be the voter's).
fn ballot_in(e: &TestElection, voter: usize, district: u16, k: u16) -> Ballot {
    create_ballot(&e.election, &e.voters[voter], Some(district), &district_answers(e, district, k), &mut OsRng)
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_credential_casts_its_districts_ballot_and_the_export_carries_the_districts() {
    let url = fresh_db().await;
    // Voter i is in district i mod 3: 0 north, 1 centre, 2 south.
    let (file, public, creds, key) = collector::admin::dev_election_districts(6, &mut OsRng);
    let ids: Vec<&str> = file.manifest.districts.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["north", "centre", "south"]);
    assert!(matches!(&public[4], CredentialEntry::InDistrict { district, .. } if district == "centre"));
    let e = init_with(&url, file, public, creds, key).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();

    // The voting page asks each voter's district (`GET /voters/{K}`): voter 4 is in centre.
    for (voter, (d, id)) in [(0, (0, "north")), (4, (1, "centre")), (5, (2, "south"))] {
        let (st, v) = get_json(&http, format!("{}/voters/{}", s.base, e.voters[voter].public_key().to_hex())).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v, serde_json::json!({"district": d, "district_id": id}));
    }

    // A voter of north casts a north ballot.
    let (st, v) = cast(&http, &s.base, &ballot_in(&e, 0, 0, 0)).await;
    assert_eq!(st, 201, "{v}");
    // A ballot for centre by a north credential: refused, naming both districts and what to do; nothing stored.
    let (st, v) = cast(&http, &s.base, &ballot_in(&e, 0, 1, 1)).await;
    assert_eq!((st, code(&v)), (422, "wrong_district"), "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("for district centre")
            && message.contains("votes in district north")
            && message.contains("reload the voting page"),
        "{message}"
    );
    assert_eq!(count_ballots(&url).await, 1);
    // No district, or one the manifest does not declare: the wrong shape (B2).
    for district in [None, Some(3), Some(u16::MAX)] {
        let mut b = ballot_in(&e, 0, 0, 2);
        b.body.district = district;
        resign(&mut b, &e.voters[0]);
        let (st, v) = cast(&http, &s.base, &b).await;
        assert_eq!((st, code(&v)), (422, "wrong_shape"), "district {district:?}: {v}");
    }
    // A contest more than the district's two.
    let mut long = ballot_in(&e, 0, 0, 0);
    let extra = long.body.contests[0].clone();
    long.body.contests.push(extra);
    resign(&mut long, &e.voters[0]);
    assert_eq!(code(&cast(&http, &s.base, &long).await.1), "wrong_shape");

    // R1's order: the shape before the registry, the registry before the district, the district before the
    // signature.
    let stranger = Credential::generate(&mut OsRng);
    let unknown = create_ballot(&e.election, &stranger, Some(0), &district_answers(&e, 0, 0), &mut OsRng).unwrap().0;
    let (st, v) = cast(&http, &s.base, &unknown).await;
    assert_eq!((st, code(&v)), (403, "unknown_credential"), "{v}");
    let mut unknown_shapeless = unknown.clone();
    unknown_shapeless.body.district = None;
    assert_eq!(code(&cast(&http, &s.base, &unknown_shapeless).await.1), "wrong_shape");
    let mut forged = ballot_in(&e, 0, 1, 0);
    forged.signature[0] ^= 1;
    assert_eq!(code(&cast(&http, &s.base, &forged).await.1), "wrong_district");
    let mut forged_own = ballot_in(&e, 0, 0, 0);
    forged_own.signature[0] ^= 1;
    assert_eq!(code(&cast(&http, &s.base, &forged_own).await.1), "bad_signature");
    assert_eq!(count_ballots(&url).await, 1);

    // A voter of centre and one of south cast their ballots; the north voter votes again.
    for (voter, district) in [(1, 1), (5, 2), (0, 0)] {
        let (st, v) = cast(&http, &s.base, &ballot_in(&e, voter, district, 1)).await;
        assert_eq!(st, 201, "voter {voter}: {v}");
    }
    assert_eq!(count_ballots(&url).await, 4);

    // The export: each credential's district, parallel to the sorted credentials; L9 and L7 pass.
    let pool = collector::db::pool(&url, 2).unwrap();
    collector::admin::close(&pool, &e.key).await.unwrap();
    let dir = tmpdir("districts");
    let path = dir.join("box.json");
    let exported = collector::admin::export(&pool, &path).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let bbox: BallotBox = serde_json::from_str(&text).unwrap();
    assert_eq!(bbox, exported);
    assert!(serde_json::from_str::<serde_json::Value>(&text).unwrap()["districts"].is_array());
    let election = bbox.election().unwrap();
    bbox.check_registry(&election).unwrap();
    let logged = bbox.check_log(&election).unwrap();
    assert_eq!(logged.len(), 4);
    let district_of = |k: &protocol::RegisteredKey| e.voters.iter().position(|v| *k == v.public_key()).unwrap() % 3;
    let expected: Vec<u16> = bbox.credentials.iter().map(|k| district_of(k) as u16).collect();
    assert_eq!(bbox.districts, expected);
    // The tally's R1 refuses none of the ballots the collector accepted.
    let rejected =
        protocol::tally::check(&election, &bbox.electorate(&election).unwrap(), &logged, &mut OsRng).unwrap();
    assert!(rejected.rejected.is_empty(), "{:?}", rejected.rejected);
    // A box whose districts were changed fails L9.
    let mut moved = bbox.clone();
    moved.districts[0] = (moved.districts[0] + 1) % 3;
    assert!(moved.check_registry(&election).is_err());
    rm(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_refuses_a_credential_list_that_is_not_the_manifests_registry() {
    let (file, public, _creds, key) = collector::admin::dev_election_districts(4, &mut OsRng);
    let url = fresh_db().await;
    let pool = collector::db::pool(&url, 2).unwrap();
    let refused = |list: Vec<CredentialEntry>| {
        let (pool, file, key) = (pool.clone(), file.clone(), key.clone());
        async move { format!("{:#}", collector::admin::init(&pool, &file, &list, key).await.unwrap_err()) }
    };
    // Keys without their districts.
    let plain: Vec<CredentialEntry> = public.iter().map(|c| CredentialEntry::Key(c.key())).collect();
    let why = refused(plain).await;
    assert!(why.contains("has no district") && why.contains("\"district\""), "{why}");
    // A voter moved to another district: not the registry the manifest names.
    let mut moved = public.clone();
    moved[0] = CredentialEntry::InDistrict { key: public[0].key(), district: "south".into() };
    let why = refused(moved).await;
    assert!(why.contains("4 keys with their districts") && why.contains("the manifest names a registry"), "{why}");
    // A district the manifest does not declare.
    let mut nowhere = public.clone();
    nowhere[1] = CredentialEntry::InDistrict { key: public[1].key(), district: "east".into() };
    let why = refused(nowhere).await;
    assert!(why.contains("`east`, which the manifest does not declare"), "{why}");
    // A key twice.
    let mut twice = public.clone();
    twice.push(public[2].clone());
    assert!(refused(twice).await.contains("listed twice"));
    // Nothing was stored: the right list is accepted afterwards.
    collector::admin::init(&pool, &file, &public, key.clone()).await.unwrap();

    // Without districts, a list with districts is refused.
    let (file, public, _creds, key) = collector::admin::dev_election(2, &mut OsRng);
    let pool = collector::db::pool(&fresh_db().await, 2).unwrap();
    let with: Vec<CredentialEntry> =
        public.iter().map(|c| CredentialEntry::InDistrict { key: c.key(), district: "north".into() }).collect();
    let why = format!("{:#}", collector::admin::init(&pool, &file, &with, key).await.unwrap_err());
    assert!(why.contains("the election has no districts"), "{why}");

    // The command line reads both forms of the list, and says which entry is neither.
    assert_eq!(collector::admin::read_credential_list(&serde_json::to_string(&public).unwrap()).unwrap(), public);
    let text = r#"["00", {"key": "zz", "district": "north"}]"#;
    let why = collector::admin::read_credential_list(text).unwrap_err().to_string();
    assert!(why.starts_with("credential 0 is not a credential key"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_districts_keeps_working() {
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    // Undo migrations 4 and 5 as if this database had been initialised before it.
    let (db, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    db.batch_execute(
        "DROP TABLE voter_list_changes; ALTER TABLE credentials DROP COLUMN district;
         DELETE FROM schema_migrations WHERE version >= 4",
    )
    .await
    .unwrap();
    // `serve` migrates it again (every credential without district) and casting works as before.
    let s = serve(&url, Settings::default(), &e.key).await;
    let (st, v) = cast(&client(), &s.base, &ballot(&e, 1, 0)).await;
    assert_eq!(st, 201, "{v}");
    let nulls: i64 = db.query_one("SELECT count(*) FROM credentials WHERE district IS NULL", &[]).await.unwrap().get(0);
    assert_eq!(nulls, 2);
    assert_eq!(s.state.district_of(&e.voters[0].public_key()), Some(None));
    assert_eq!(s.state.district_of(&Credential::generate(&mut OsRng).public_key()), None);
}

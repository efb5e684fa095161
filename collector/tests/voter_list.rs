//! Changes to the voter list while the election is open (SPEC.md §4.7), against a real PostgreSQL: the officials'
//! signed changes go into the log between the ballots (`POST /voter-list/changes`); an added credential votes, a
//! removed one is refused, a moved one votes in its new district only, and `GET /voters/{K}` follows; a change
//! signed by another key, out of order, for another election, that does not apply or does not decode is refused
//! with its code; the same change twice gets the same answer; a restarted collector, and another collector on the
//! same database, keep the list in force; the log serves the changes' leaves with proofs; the export carries them
//! and passes L7, L9 and L11, and the tally's R1 and R3 replay them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use collector::voter_list::ChangeAppended;
use collector::Settings;
use common::*;
use ed25519_dalek::SigningKey;
use protocol::ballot_box::BallotBox;
use protocol::credential::{Credential, CredentialKey};
use protocol::encoding::Answer;
use protocol::log::{change_leaf_hash, verify_inclusion, InclusionProof, WithBytes};
use protocol::voter_list::{Action, ChangeFile, VoterListChange};
use protocol::{create_ballot, Ballot, Fingerprint};
use rand::rngs::OsRng;

/// Answers to the contests of a ballot of `district` (the example with districts: single choice only).
fn district_answers(e: &TestElection, district: u16, k: u16) -> Vec<Answer> {
    let m = e.election.manifest();
    m.ballot_contests(Some(district)).iter().map(|&c| Answer::single(k % m.contests[c].options.len() as u16)).collect()
}

/// `cred`'s ballot for `district`.
fn ballot_of(e: &TestElection, cred: &Credential, district: u16) -> Ballot {
    create_ballot(&e.election, cred, Some(district), &district_answers(e, district, 1), &mut OsRng).unwrap().0
}

/// The officials' key of the dev elections: the example's (its secret is public).
fn officials() -> SigningKey {
    protocol::roles::example_role_secrets(1).officials
}

fn change(e: &TestElection, seq: u32, action: Action, who: CredentialKey, district: u16) -> VoterListChange {
    VoterListChange::sign(&officials(), *e.election.fingerprint(), seq, action, who, district)
}

async fn post_body(http: &reqwest::Client, base: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let r = http
        .post(format!("{base}/voter-list/changes"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn post_change(http: &reqwest::Client, base: &str, c: &VoterListChange) -> (u16, serde_json::Value) {
    post_body(http, base, serde_json::to_vec(&ChangeFile { change: hex::encode(c.to_bytes()) }).unwrap()).await
}

/// Posts `c`, which must be appended (`201`) at `leaf`; checks the answer's tree head.
async fn appended(
    http: &reqwest::Client,
    base: &str,
    e: &TestElection,
    c: &VoterListChange,
    leaf: u64,
) -> ChangeAppended {
    let (st, v) = post_change(http, base, c).await;
    assert_eq!(st, 201, "{v}");
    bytes_beside_fields::<protocol::log::SignedTreeHead>(&v["tree_head"]);
    let a: ChangeAppended = serde_json::from_value(v).unwrap();
    assert_eq!(a.leaf_index, leaf);
    let head = &a.tree_head.0;
    head.verify(&e.key.verifying_key(), e.election.fingerprint()).unwrap();
    assert_eq!(head.tree_size, leaf + 1);
    assert!(head.timestamp >= a.accepted_at * 1000);
    a
}

async fn district_of(http: &reqwest::Client, base: &str, who: &CredentialKey) -> (u16, serde_json::Value) {
    get_json(http, format!("{base}/voters/{}", who.to_hex())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_between_ballots_follow_the_list_and_the_tally_replays_them() {
    let url = fresh_db().await;
    // Voter i is in district i mod 3: 0 north, 1 centre, 2 south.
    let (file, public, creds, key) = collector::admin::dev_election_districts(6, &mut OsRng);
    assert_eq!(file.manifest.roles.officials_key.verifying_key(), &officials().verifying_key());
    let e = init_with(&url, file, public, creds, key).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    let newcomer = Credential::generate(&mut OsRng);
    let (v0, v1, v4) = (e.voters[0].public_key(), e.voters[1].public_key(), e.voters[4].public_key());

    // Not on the list yet: refused, unknown to `GET /voters`.
    let (st, v) = cast(&http, &s.base, &ballot_of(&e, &newcomer, 2)).await;
    assert_eq!((st, code(&v)), (403, "unknown_credential"), "{v}");
    assert_eq!(code(&district_of(&http, &s.base, &newcomer.public_key()).await.1), "unknown_credential");

    // Leaves 0 to 2: voter 0 (north), voter 1 and voter 4 (centre) vote.
    assert_eq!(cast(&http, &s.base, &ballot_of(&e, &e.voters[0], 0)).await.0, 201);
    assert_eq!(cast(&http, &s.base, &ballot_of(&e, &e.voters[1], 1)).await.0, 201);
    assert_eq!(cast(&http, &s.base, &ballot_of(&e, &e.voters[4], 1)).await.0, 201);

    // Leaf 3, change 0: the newcomer joins in south. The same change again: 200, the same answer.
    let add = change(&e, 0, Action::Add, newcomer.public_key(), 2);
    let first = appended(&http, &s.base, &e, &add, 3).await;
    let (st, again) = post_change(&http, &s.base, &add).await;
    assert_eq!(st, 200, "{again}");
    assert_eq!(serde_json::from_value::<ChangeAppended>(again).unwrap(), first);

    // Refused, nothing stored: out of order, another key, another election, does not apply, does not decode.
    let (st, v) = post_change(&http, &s.base, &change(&e, 2, Action::Remove, v0, 0)).await;
    assert_eq!((st, code(&v)), (409, "change_out_of_order"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("change number 2 comes where change number 1 is due"));
    let stranger = protocol::generate_signing_key(&mut OsRng);
    let forged = VoterListChange::sign(&stranger, *e.election.fingerprint(), 1, Action::Remove, v0, 0);
    let (st, v) = post_change(&http, &s.base, &forged).await;
    assert_eq!((st, code(&v)), (403, "not_the_officials"), "{v}");
    let elsewhere = VoterListChange::sign(&officials(), Fingerprint([9; 32]), 1, Action::Remove, v0, 0);
    let (st, v) = post_change(&http, &s.base, &elsewhere).await;
    assert_eq!((st, code(&v)), (422, "wrong_election"), "{v}");
    for (c, why) in [
        (change(&e, 1, Action::Add, e.voters[2].public_key(), 2), "is already on the voter list"),
        (change(&e, 1, Action::Remove, Credential::generate(&mut OsRng).public_key(), 0), "is not on the voter list"),
        (change(&e, 1, Action::Move, v1, 1), "a move must change the district"),
        (change(&e, 1, Action::Add, Credential::generate(&mut OsRng).public_key(), 3), "the election has 3"),
    ] {
        let (st, v) = post_change(&http, &s.base, &c).await;
        assert_eq!((st, code(&v)), (422, "change_does_not_apply"), "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains(why), "{v}");
    }
    let mut short = add.to_bytes();
    short.pop();
    for body in [serde_json::json!({"change": hex::encode(short)}), serde_json::json!({"ballot": "00"})] {
        let (st, v) = post_body(&http, &s.base, serde_json::to_vec(&body).unwrap()).await;
        assert_eq!((st, code(&v)), (400, "invalid_change"), "{v}");
    }
    assert_eq!(code(&post_body(&http, &s.base, b"{\"change\": ".to_vec()).await.1), "malformed_json");
    let r = http.post(format!("{}/voter-list/changes", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(sth(&http, &s.base).await.tree_size, 4, "a refused change left a leaf");

    // Leaf 4: the newcomer votes in south, as `GET /voters` now says.
    let (st, v) = district_of(&http, &s.base, &newcomer.public_key()).await;
    assert_eq!((st, v), (200, serde_json::json!({"district": 2, "district_id": "south"})));
    assert_eq!(cast(&http, &s.base, &ballot_of(&e, &newcomer, 2)).await.0, 201);

    // Leaf 5, change 1: voter 0 is removed; their ballots are refused from now on.
    appended(&http, &s.base, &e, &change(&e, 1, Action::Remove, v0, 0), 5).await;
    let (st, v) = cast(&http, &s.base, &ballot_of(&e, &e.voters[0], 0)).await;
    assert_eq!((st, code(&v)), (403, "unknown_credential"), "{v}");
    assert_eq!(district_of(&http, &s.base, &v0).await.0, 404);

    // Leaf 6, change 2: voter 1 moves from centre to south: a centre ballot is refused, a south one accepted (leaf 7).
    appended(&http, &s.base, &e, &change(&e, 2, Action::Move, v1, 2), 6).await;
    let (st, v) = cast(&http, &s.base, &ballot_of(&e, &e.voters[1], 1)).await;
    assert_eq!((st, code(&v)), (422, "wrong_district"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("votes in district south"), "{v}");
    assert_eq!(district_of(&http, &s.base, &v1).await.1, serde_json::json!({"district": 2, "district_id": "south"}));
    let (st, v) = cast(&http, &s.base, &ballot_of(&e, &e.voters[1], 2)).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(receipt(&v).leaf_index, 7);
    assert_eq!(count_ballots(&url).await, 5);

    // The log serves the changes' leaves beside the ballots', and proves them.
    let (_, v) = get_json(&http, format!("{}/log/leaves?start=0&end=100", s.base)).await;
    let entries = v["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries.iter().map(|x| if x.get("change").is_some() { "c" } else { "b" }).collect();
    assert_eq!(kinds, ["b", "b", "b", "c", "b", "c", "c", "b"], "{v}");
    assert_eq!(entries[3]["change"], hex::encode(add.to_bytes()));
    assert_eq!(entries[3]["accepted_at"], first.accepted_at);
    let head = sth(&http, &s.base).await;
    let (_, v) = get_json(&http, format!("{}/log/proof/inclusion?leaf_index=3&tree_size=8", s.base)).await;
    let proof = serde_json::from_value::<WithBytes<InclusionProof>>(v).unwrap().0;
    let leaf = change_leaf_hash(&add.to_bytes(), first.accepted_at);
    assert_eq!(proof.leaf_hash, leaf);
    verify_inclusion(&leaf, 3, 8, &proof.path, &head.root).unwrap();
    // The live board lists the changes at their leaves among the ballots, as the published board does.
    let (_, v) = get_json(&http, format!("{}/board/data/board/page-0.json", s.base)).await;
    let rows = v["entries"].as_array().unwrap();
    let fates: Vec<&serde_json::Value> = rows.iter().map(|r| &r[3]).collect();
    let (c, null) = (serde_json::json!("change"), serde_json::Value::Null);
    assert_eq!(fates, [&null, &null, &null, &c, &null, &c, &c, &null], "{v}");
    assert_eq!(
        rows[3],
        web_assets::change_row(
            &protocol::log::ChangeEntry {
                leaf_index: 3,
                accepted_at: first.accepted_at,
                change: hex::encode(add.to_bytes()),
            },
            e.election.manifest()
        )
    );
    assert_eq!(rows[3][4]["action"], "add", "{v}");

    // A restarted collector (and a second one on the same database) has the list in force.
    let s2 = serve(&url, Settings::default(), &e.key).await;
    assert_eq!(district_of(&http, &s2.base, &v0).await.0, 404);
    assert_eq!(district_of(&http, &s2.base, &v1).await.1["district_id"], "south");
    assert_eq!(district_of(&http, &s2.base, &newcomer.public_key()).await.1["district_id"], "south");
    let (st, v) = cast(&http, &s2.base, &ballot_of(&e, &e.voters[1], 1)).await;
    assert_eq!((st, code(&v)), (422, "wrong_district"), "{v}");

    // Leaf 8, change 3, through the first collector: the newcomer is removed. The second has not seen it when the
    // ballot arrives, and refuses it under the log lock all the same; nothing is appended.
    appended(&http, &s.base, &e, &change(&e, 3, Action::Remove, newcomer.public_key(), 0), 8).await;
    assert_eq!(s2.state.district_of(&newcomer.public_key()), Some(Some(2)), "the second collector already knew");
    let (st, v) = cast(&http, &s2.base, &ballot_of(&e, &newcomer, 2)).await;
    assert_eq!((st, code(&v)), (403, "unknown_credential"), "{v}");
    assert_eq!(s2.state.district_of(&newcomer.public_key()), None);
    assert_eq!(count_ballots(&url).await, 5);
    // Its next change number is 4: change 3 again is the same change (200), another change 3 is out of order.
    let (st, _) = post_change(&http, &s2.base, &change(&e, 3, Action::Remove, newcomer.public_key(), 0)).await;
    assert_eq!(st, 200);
    let (st, v) = post_change(&http, &s2.base, &change(&e, 3, Action::Remove, e.voters[2].public_key(), 0)).await;
    assert_eq!((st, code(&v)), (409, "change_out_of_order"), "{v}");
    // Leaf 9, change 4, through the second collector: voter 4 moves from centre to north, and does not vote again.
    appended(&http, &s2.base, &e, &change(&e, 4, Action::Move, v4, 0), 9).await;
    assert_eq!(district_of(&http, &s.base, &v4).await.1["district_id"], "north");
    // Leaf 10, change 5, through the first collector: a second newcomer joins in north, and votes at once through
    // the second collector, which had not seen the change (leaf 11).
    let second = Credential::generate(&mut OsRng);
    appended(&http, &s.base, &e, &change(&e, 5, Action::Add, second.public_key(), 0), 10).await;
    assert_eq!(s2.state.district_of(&second.public_key()), None, "the second collector already knew");
    let (st, v) = cast(&http, &s2.base, &ballot_of(&e, &second, 0)).await;
    assert_eq!((st, receipt(&v).leaf_index), (201, 11), "{v}");

    // After the close no change is appended.
    let pool = collector::db::pool(&url, 2).unwrap();
    collector::admin::close(&pool, &e.key).await.unwrap();
    let (st, v) = post_change(&http, &s.base, &change(&e, 6, Action::Remove, e.voters[2].public_key(), 0)).await;
    assert_eq!((st, code(&v)), (403, "election_closed"), "{v}");

    // The export: the list when voting opened, the six changes at their leaves; L7, L9, L11 hold.
    let dir = tmpdir("voter-list");
    let path = dir.join("box.json");
    let exported = collector::admin::export(&pool, &path).await.unwrap();
    let bbox: BallotBox = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(bbox, exported);
    assert_eq!(bbox.credentials.len(), 6);
    assert!(!bbox.credentials.contains(&newcomer.public_key().into()));
    let leaves: Vec<u64> = bbox.changes.iter().map(|c| c.leaf_index).collect();
    assert_eq!(leaves, [3, 5, 6, 8, 9, 10]);
    let election = bbox.election().unwrap();
    bbox.check_registry(&election).unwrap();
    let logged = bbox.check_log(&election).unwrap();
    let electorate = bbox.electorate(&election).unwrap();
    assert_eq!(electorate.change_count(), 6);
    // R1 refuses none of the ballots the collector appended. Voter 1's centre ballot is superseded by their south
    // one; R3 cancels the ballots of voter 0 (removed at leaf 5), of the newcomer (removed at leaf 8) and of voter 4
    // (moved at leaf 9), naming the change. Voter 1's south ballot and the second newcomer's count.
    let rejected = protocol::tally::check(&election, &electorate, &logged, &mut OsRng).unwrap();
    assert!(rejected.rejected.is_empty(), "{:?}", rejected.rejected);
    let (superseded, counted) = protocol::tally::squash(&logged, &rejected).unwrap();
    let superseded: Vec<(u64, u64)> = superseded.superseded.iter().map(|x| (x.leaf_index, x.by)).collect();
    assert_eq!(superseded, [(1, 7)]);
    let (revoked, counted) = protocol::tally::revoke(&logged, &counted, &[], &electorate).unwrap();
    let cancelled: Vec<(u64, CredentialKey, Option<u64>)> =
        revoked.revoked.iter().map(|r| (r.leaf_index, r.credential, r.change)).collect();
    assert_eq!(cancelled, [(0, v0, Some(5)), (2, v4, Some(9)), (4, newcomer.public_key(), Some(8))]);
    assert_eq!(counted.leaf_indices(&logged).unwrap(), [7, 11]);
    // A box whose change was dropped fails L7 (the leaves no longer rebuild the head).
    let mut dropped = bbox.clone();
    dropped.changes.remove(1);
    assert!(dropped.check_log(&election).is_err());
    rm(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_districts_a_credential_is_added_and_removed_but_not_moved() {
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    let newcomer = Credential::generate(&mut OsRng);
    let plain = |cred: &Credential| create_ballot(&e.election, cred, None, &answers(1), &mut OsRng).unwrap().0;
    let (st, v) = post_change(&http, &s.base, &change(&e, 0, Action::Move, e.voters[0].public_key(), 1)).await;
    assert_eq!((st, code(&v)), (422, "change_does_not_apply"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("no districts"), "{v}");
    appended(&http, &s.base, &e, &change(&e, 0, Action::Add, newcomer.public_key(), 0), 0).await;
    let (st, v) = district_of(&http, &s.base, &newcomer.public_key()).await;
    assert_eq!((st, v), (200, serde_json::json!({"district": null, "district_id": null})));
    let (st, v) = cast(&http, &s.base, &plain(&newcomer)).await;
    assert_eq!((st, receipt(&v).leaf_index), (201, 1));
    appended(&http, &s.base, &e, &change(&e, 1, Action::Remove, e.voters[1].public_key(), 0), 2).await;
    let (st, v) = cast(&http, &s.base, &plain(&e.voters[1])).await;
    assert_eq!((st, code(&v)), (403, "unknown_credential"), "{v}");
    assert_eq!(cast(&http, &s.base, &plain(&e.voters[0])).await.0, 201);

    // A change the list applied but the database never stored (its COMMIT failed) marks the list stale: the next
    // read reloads it from the database, and the change's number is free again.
    let ghost = Credential::generate(&mut OsRng);
    let unstored = change(&e, 2, Action::Add, ghost.public_key(), 0);
    {
        let mut v = s.state.voter_list.write().unwrap();
        v.list.apply(e.election.manifest(), &unstored, 4).unwrap();
        v.stale = true;
    }
    assert_eq!(district_of(&http, &s.base, &ghost.public_key()).await.0, 404);
    assert!(!s.state.voter_list.read().unwrap().stale);
    assert_eq!(s.state.voter_list.read().unwrap().list.change_count(), 2);
    let (st, v) = cast(&http, &s.base, &plain(&e.voters[1])).await;
    assert_eq!((st, code(&v)), (403, "unknown_credential"), "the reload lost the stored removal: {v}");
    appended(&http, &s.base, &e, &change(&e, 2, Action::Remove, e.voters[0].public_key(), 0), 4).await;
}

#[test]
fn dev_election_writes_the_officials_key_that_signs_changes() {
    let dir = tmpdir("dev-officials");
    collector::admin::write_dev_election(&dir, 3, true, &mut OsRng).unwrap();
    let text = std::fs::read_to_string(dir.join("officials.key")).unwrap();
    let key = protocol::roles::read_secret_key_file(&text, protocol::roles::Role::Officials).unwrap();
    let file: protocol::election::ElectionParameters =
        serde_json::from_str(&std::fs::read_to_string(dir.join("election.json")).unwrap()).unwrap();
    assert_eq!(file.manifest.roles.officials_key.verifying_key(), &key.verifying_key());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("officials.key")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
    rm(&dir);
}

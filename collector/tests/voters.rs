//! `GET /voters/{credential}` against a real PostgreSQL: a registered credential's district (none in an election
//! without districts), an unknown credential, a malformed one.

mod common;

use collector::Settings;
use common::*;
use protocol::Credential;
use rand::rngs::OsRng;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voters_district_is_looked_up_by_credential() {
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    // Registered, in an election without districts: no district.
    for voter in &e.voters {
        let (st, v) = get_json(&http, format!("{}/voters/{}", s.base, voter.public_key().to_hex())).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v, serde_json::json!({"district": null, "district_id": null}));
    }
    // A valid key that is not registered: 404 unknown_credential, with what to do.
    let stranger = Credential::generate(&mut OsRng).public_key().to_hex();
    let (st, v) = get_json(&http, format!("{}/voters/{stranger}", s.base)).await;
    assert_eq!((st, v["error"]["code"].as_str()), (404, Some("unknown_credential")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("contact the election officials"), "{v}");
    // Not a public key: too short, not hex, the credential's (secret) text form, a point of small order (the
    // identity).
    let text = e.voters[0].to_text().to_string();
    let identity = format!("01{}", "00".repeat(31));
    for bad in ["00", "zz".repeat(32).as_str(), text.as_str(), identity.as_str()] {
        let (st, v) = get_json(&http, format!("{}/voters/{bad}", s.base)).await;
        assert_eq!((st, v["error"]["code"].as_str()), (400, Some("invalid_credential")), "{bad}: {v}");
    }
}

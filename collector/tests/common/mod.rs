//! Test helpers: a real PostgreSQL, one fresh database per test and an in-process collector ([`service`]), a
//! subprocess collector, test elections and a minimal HTTP casting client.
// Test-only helpers: a failure here is a failed test, so unwrap and panic are the right response.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use collector::admin;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use protocol::credential::Credential;
use protocol::election::ElectionParameters;
use protocol::encoding::{Answer, Selection};
use protocol::log::{Receipt, SignedTreeHead, WithBytes};
use protocol::{create_ballot, Ballot, Election};
use rand::rngs::OsRng;

mod service;
pub use service::*;

/// A test election in a database: its file, the voters' credentials, the collector key.
#[derive(Debug)]
pub struct TestElection {
    pub url: String,
    pub file: ElectionParameters,
    pub election: Election,
    pub voters: Vec<Credential>,
    pub key: SigningKey,
}

pub async fn init_election(url: &str, voters: usize) -> TestElection {
    let (file, public, creds, key) = admin::dev_election(voters, &mut OsRng);
    init_with(url, file, public, creds, key).await
}

pub async fn init_with(
    url: &str,
    file: ElectionParameters,
    public: Vec<protocol::ballot_box::CredentialEntry>,
    voters: Vec<Credential>,
    key: SigningKey,
) -> TestElection {
    let pool = collector::db::pool(url, 2).unwrap();
    admin::init(&pool, &file, &public, key.clone()).await.unwrap();
    let election = file.election().unwrap();
    TestElection { url: url.to_string(), file, election, voters, key }
}

pub fn answers(k: u16) -> Vec<Answer> {
    vec![
        Answer::single(k % 3),
        Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
        Answer { selections: vec![Selection::Option(2), Selection::Option(0)] },
    ]
}

pub fn ballot(e: &TestElection, voter: usize, choice: u16) -> Ballot {
    create_ballot(&e.election, &e.voters[voter], None, &answers(choice), &mut OsRng).unwrap().0
}

/// A ballot and the URL path of its second-device fetch, with the fetch proof made from its opening (SPEC.md
/// §8.10), as the voter's second device asks for it.
pub fn ballot_and_fetch(e: &TestElection, voter: usize, choice: u16) -> (Ballot, String) {
    let (b, opening) = create_ballot(&e.election, &e.voters[voter], None, &answers(choice), &mut OsRng).unwrap();
    let path = fetch_path(e, &b, &opening);
    (b, path)
}

pub fn fetch_path(e: &TestElection, b: &Ballot, opening: &protocol::ballot::BallotOpening) -> String {
    let proof = protocol::codes::prove_fetch(e.election.fingerprint(), &b.id(), opening, &mut OsRng).unwrap();
    format!("/ballots/{}?proof={}", b.id().to_hex(), hex::encode(protocol::Encode::to_bytes(&proof)))
}

/// Re-signs a (tampered) ballot body with a voter's credential.
pub fn resign(ballot: &mut Ballot, cred: &Credential) {
    let key = SigningKey::from_bytes(&cred.expose_secret_bytes());
    ballot.signature = key.sign(&ballot.body.signed_message()).to_bytes();
}

/// A collector as a child process (`collector serve`).
pub struct Proc {
    pub base: String,
    pub child: Child,
}

/// Writes `key` as an owner-only key file (as `collector keygen` does) in a fresh directory; returns its path.
pub fn key_file(key: &SigningKey) -> PathBuf {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = tmpdir("key").join("collector.key");
    let text = protocol::roles::secret_key_file(protocol::roles::Role::Collector, key);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    path
}

impl Proc {
    pub async fn spawn(url: &str, key: &SigningKey, extra: &[&str]) -> Self {
        let port = free_port();
        let key = key_file(key);
        let child = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args(["serve", "--database-url", url, "--listen", &format!("127.0.0.1:{port}")])
            .arg("--key")
            .arg(&key)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = client();
        let proc = Self { base, child };
        for _ in 0..200 {
            if http.get(format!("{}/readyz", proc.base)).send().await.map(|r| r.status().is_success()).unwrap_or(false)
            {
                // The collector read its key when it started: the key's directory is not left behind.
                if let Some(dir) = key.parent() {
                    rm(dir);
                }
                return proc;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("collector did not become ready");
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).pool_max_idle_per_host(64).build().unwrap()
}

/// Posts a raw body; returns the status and the JSON answer.
pub async fn post_raw(http: &reqwest::Client, base: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let r = http
        .post(format!("{base}/ballots"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

pub async fn cast(http: &reqwest::Client, base: &str, b: &Ballot) -> (u16, serde_json::Value) {
    post_raw(http, base, serde_json::to_vec(b).unwrap()).await
}

pub fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

pub async fn get_json(http: &reqwest::Client, url: String) -> (u16, serde_json::Value) {
    let r = http.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

pub async fn collector_key(http: &reqwest::Client, base: &str) -> VerifyingKey {
    let (_, v) = get_json(http, format!("{base}/election")).await;
    let b: [u8; 32] = hex::decode(v["collector_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    VerifyingKey::from_bytes(&b).unwrap()
}

/// `GET /log/sth`, read as the API serves it: the JSON fields and `bytes`, which must agree (SPEC.md §11.6).
pub async fn sth(http: &reqwest::Client, base: &str) -> SignedTreeHead {
    serde_json::from_value::<WithBytes<SignedTreeHead>>(get_json(http, format!("{base}/log/sth")).await.1).unwrap().0
}

/// A receipt as the API serves it (SPEC.md §11.6): the JSON fields and `bytes`, which must agree.
pub fn receipt(v: &serde_json::Value) -> Receipt {
    serde_json::from_value::<WithBytes<Receipt>>(v.clone()).unwrap().0
}

/// SPEC.md §11.6: an object of the log API carries its canonical bytes (LG5–LG8) in `bytes`, lower-case hex,
/// beside its JSON fields. The bytes decode with the protocol's decoder to the value the other fields give.
pub fn bytes_beside_fields<
    T: protocol::Decode + protocol::Encode + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
>(
    v: &serde_json::Value,
) -> T {
    let mut fields = v.as_object().unwrap().clone();
    let text = fields.remove("bytes").unwrap();
    let text = text.as_str().unwrap();
    assert_eq!(text, text.to_lowercase(), "lower-case hex");
    let decoded = T::from_bytes(&hex::decode(text).unwrap()).unwrap();
    let from_json: T = serde_json::from_value(serde_json::Value::Object(fields)).unwrap();
    assert_eq!(decoded, from_json);
    assert_eq!(decoded.to_bytes(), hex::decode(text).unwrap());
    decoded
}

pub async fn count_ballots(url: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.query_one("SELECT count(*) FROM ballots", &[]).await.unwrap().get(0)
}

pub fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("collector-{tag}-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn rm(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

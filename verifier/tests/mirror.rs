//! The monitor and its mirror against a fake collector (a small axum server over a log built here with
//! `protocol::log`, signed with the collector key the manifest names): it follows the log, keeps and serves a
//! verified copy, raises an alarm on a fork and on a truncation; and the second device's check against the mirror
//! (L10) passes the honest ballot, refuses the decoy a collector shows on a forked one-leaf tree signed with its
//! real key, and reports later ballots of the same credential. Voter-list changes in the log (SPEC.md §4.7) are
//! checked (L11: election, officials' signature, order; with the credential list, that they apply), kept, served
//! and compared by check-export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure is a failed test

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use ed25519_dalek::SigningKey;
use protocol::election::PublishedElection;
use protocol::encoding::{Answer, Selection};
use protocol::log::{
    ballot_leaf_hash, verify_consistency, verify_inclusion, ConsistencyProof, InclusionProof, LeafEntry, Leaves,
    LogTree, ReceiptBody, SignedTreeHead, WithBytes,
};
use protocol::manifest::example_manifest;
use protocol::roles::{Registry, RoleKey};
use protocol::{create_ballot, Ballot, Credential, CredentialKey, Election, Encode, SecretKey};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use verifier::mirror::{check_in_mirror, http_client, CredentialBallots, MirrorError, MirrorStatus, MirrorView};
use verifier::monitor::{Alarm, LogEntry, Monitor};

/// The example manifest's voting period opens here (seconds).
const OPENS_AT: u64 = 1_790_000_000;

struct TestElection {
    election: Election,
    collector: SigningKey,
    voters: Vec<Credential>,
    rng: ChaCha20Rng,
}

fn test_election(seed: u8) -> TestElection {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let voters: Vec<Credential> = (0..3).map(|_| Credential::generate(&mut rng)).collect();
    let keys: Vec<CredentialKey> = voters.iter().map(Credential::public_key).collect();
    let collector = protocol::generate_signing_key(&mut rng);
    let mut manifest = example_manifest();
    manifest.roles.registry = Registry::of(&keys);
    manifest.roles.collector_key = RoleKey::from_verifying_key(collector.verifying_key()).unwrap();
    let election = Election::new(manifest, SecretKey::generate(&mut rng).public_key()).unwrap();
    TestElection { election, collector, voters, rng }
}

impl TestElection {
    fn ballot(&mut self, voter: usize, choice: u16) -> Ballot {
        let answers = vec![
            Answer { selections: vec![Selection::Option(choice % 3)] },
            Answer { selections: vec![Selection::Option(1)] },
            Answer { selections: vec![Selection::Option(0), Selection::Option(1)] },
        ];
        create_ballot(&self.election, &self.voters[voter], None, &answers, &mut self.rng).unwrap().0
    }
}

/// A log entry: ballot at `leaf`, accepted a minute after the previous one.
fn entry(leaf: u64, ballot: &Ballot) -> LeafEntry {
    LeafEntry { leaf_index: leaf, accepted_at: OPENS_AT + 60 * leaf, ballot: hex::encode(ballot.to_bytes()) }
}

fn tree_of(entries: &[LeafEntry]) -> LogTree {
    let mut tree = LogTree::new();
    for e in entries {
        let ballot = <Ballot as protocol::Decode>::from_bytes(&hex::decode(&e.ballot).unwrap()).unwrap();
        tree.push(ballot_leaf_hash(&ballot, e.accepted_at));
    }
    tree
}

/// What a fake collector serves: a log and its signed head.
struct View {
    entries: Vec<LogEntry>,
    tree: LogTree,
    sth: SignedTreeHead,
}

/// A fake collector: the collector's log API over a view that the test replaces at will.
#[derive(Clone)]
struct Fake {
    published: Arc<PublishedElection>,
    key: Arc<SigningKey>,
    view: Arc<Mutex<View>>,
}

fn sign_head(key: &SigningKey, election: &Election, entries: &[LeafEntry], tree: &LogTree) -> SignedTreeHead {
    sign_head_at(key, election, entries.last().map(|e| e.accepted_at), tree)
}

/// A head over `tree`, dated just after its last leaf's time `last` (the opening without leaves).
fn sign_head_at(key: &SigningKey, election: &Election, last: Option<u64>, tree: &LogTree) -> SignedTreeHead {
    let size = tree.len();
    let timestamp = last.map_or(OPENS_AT * 1000, |at| at * 1000 + 1);
    SignedTreeHead::sign(key, *election.fingerprint(), size, tree.root(size).unwrap(), timestamp)
}

/// The tree of a log of ballots and voter-list changes (eq. LG1, LG9).
fn log_tree_of(entries: &[LogEntry]) -> LogTree {
    let mut tree = LogTree::new();
    for e in entries {
        match e {
            LogEntry::Ballot(b) => tree.push(tree_of(std::slice::from_ref(b)).root(1).unwrap()),
            LogEntry::Change(c) => {
                tree.push(protocol::log::change_leaf_hash(&hex::decode(&c.change).unwrap(), c.accepted_at))
            }
        }
    }
    tree
}

impl Fake {
    fn new(election: &Election, key: &SigningKey) -> Self {
        let published = PublishedElection {
            manifest: election.manifest().clone(),
            manifest_bytes: hex::encode(election.manifest().to_bytes()),
            public_key: *election.public_key(),
            fingerprint: *election.fingerprint(),
            // What the manifest names, whichever key signs (a rogue server claims the real key).
            collector_key: election.manifest().roles.collector_key.verifying_key().to_bytes(),
        };
        let tree = LogTree::new();
        let sth = sign_head(key, election, &[], &tree);
        Self {
            published: Arc::new(published),
            key: Arc::new(key.clone()),
            view: Arc::new(Mutex::new(View { entries: Vec::new(), tree, sth })),
        }
    }

    /// Serves `entries` from now on, under a head signed with the fake's key.
    fn set<E: Into<LogEntry>>(&self, election: &Election, entries: Vec<E>) {
        let entries: Vec<LogEntry> = entries.into_iter().map(Into::into).collect();
        let tree = log_tree_of(&entries);
        let sth = sign_head_at(&self.key, election, entries.last().map(LogEntry::accepted_at), &tree);
        *self.view.lock().unwrap() = View { entries, tree, sth };
    }

    fn sth(&self) -> SignedTreeHead {
        self.view.lock().unwrap().sth.clone()
    }

    async fn serve(self) -> String {
        type Q = Query<HashMap<String, u64>>;
        async fn election(State(f): State<Fake>) -> Json<PublishedElection> {
            Json((*f.published).clone())
        }
        async fn sth(State(f): State<Fake>) -> Json<WithBytes<SignedTreeHead>> {
            Json(WithBytes(f.sth()))
        }
        async fn leaves(State(f): State<Fake>, Query(q): Q) -> Json<Leaves> {
            let v = f.view.lock().unwrap();
            let end = (q["end"] as usize).min(v.entries.len());
            let start = (q["start"] as usize).min(end);
            Json(Leaves { entries: v.entries[start..end].to_vec() })
        }
        async fn inclusion(State(f): State<Fake>, Query(q): Q) -> Result<Json<WithBytes<InclusionProof>>, StatusCode> {
            let v = f.view.lock().unwrap();
            let (i, n) = (q["leaf_index"], q["tree_size"]);
            let path = v.tree.inclusion_proof(i, n).ok_or(StatusCode::BAD_REQUEST)?;
            Ok(Json(WithBytes(InclusionProof {
                leaf_index: i,
                tree_size: n,
                leaf_hash: *v.tree.leaf(i).unwrap(),
                path,
            })))
        }
        async fn consistency(
            State(f): State<Fake>,
            Query(q): Q,
        ) -> Result<Json<WithBytes<ConsistencyProof>>, StatusCode> {
            let v = f.view.lock().unwrap();
            let (first, second) = (q["first"], q["second"]);
            let path = v.tree.consistency_proof(first, second).ok_or(StatusCode::BAD_REQUEST)?;
            Ok(Json(WithBytes(ConsistencyProof { first, second, path })))
        }
        let app = Router::new()
            .route("/election", get(election))
            .route("/log/sth", get(sth))
            .route("/log/leaves", get(leaves))
            .route("/log/proof/inclusion", get(inclusion))
            .route("/log/proof/consistency", get(consistency))
            .with_state(self);
        serve(app).await
    }
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Serves a monitor's copy (the mirror) on a fresh port.
async fn serve_mirror(m: &Monitor) -> String {
    serve(verifier::mirror::app(m.handle(), None)).await
}

/// GET: status, the two headers every mirror answer carries, and the JSON body.
async fn fetch(url: &str) -> (u16, Option<String>, Option<String>, serde_json::Value) {
    let r = reqwest::get(url).await.unwrap();
    let header = |h: &str| r.headers().get(h).map(|v| v.to_str().unwrap().to_string());
    let (acao, cache) = (header("access-control-allow-origin"), header("cache-control"));
    let status = r.status().as_u16();
    (status, acao, cache, r.json().await.unwrap_or_default())
}

/// The second device's check, off the async runtime (the blocking client).
async fn check(
    mirror: &str,
    election: &Election,
    leaf: u64,
    ballot: &Ballot,
    accepted_at: u64,
) -> Result<MirrorView, MirrorError> {
    let (mirror, parameters, ballot) = (mirror.to_string(), election.parameters(), ballot.clone());
    tokio::task::spawn_blocking(move || {
        let election = parameters.election().unwrap();
        check_in_mirror(&http_client().unwrap(), &mirror, &election, leaf, &ballot, accepted_at)
    })
    .await
    .unwrap()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn alarm_file(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("ALARM")).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mirror_follows_the_collector_and_serves_only_its_verified_copy() {
    let mut t = test_election(1);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    // Voter 0 votes twice (leaves 0 and 2).
    let b: Vec<Ballot> = vec![t.ballot(0, 0), t.ballot(1, 1), t.ballot(0, 2)];
    let entries: Vec<LeafEntry> = b.iter().enumerate().map(|(i, b)| entry(i as u64, b)).collect();
    fake.set(&t.election, entries[..2].to_vec());

    let dir = tmp();
    let fp = *t.election.fingerprint();
    let mut m = Monitor::open(&collector, dir.path(), Some(&fp)).await.unwrap();
    let mirror = serve_mirror(&m).await;
    // Nothing verified yet: nothing served.
    let (st, _, _, v) = fetch(&format!("{mirror}/log/sth")).await;
    assert_eq!((st, v["error"]["code"].as_str()), (503, Some("mirror_not_ready")));

    assert_eq!(m.poll().await.unwrap().unwrap(), 2);
    fake.set(&t.election, entries.clone());
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);

    // The head, the election, the leaves and the proofs, as the collector's API gives them.
    let (st, acao, cache, v) = fetch(&format!("{mirror}/log/sth")).await;
    assert_eq!((st, acao.as_deref(), cache.as_deref()), (200, Some("*"), Some("no-store")));
    let head: SignedTreeHead = serde_json::from_value::<WithBytes<_>>(v).unwrap().0;
    assert_eq!(head, fake.sth());
    let (st, _, _, v) = fetch(&format!("{mirror}/election")).await;
    assert_eq!(st, 200);
    assert_eq!(serde_json::from_value::<PublishedElection>(v).unwrap(), *fake.published);
    let (_, _, _, v) = fetch(&format!("{mirror}/log/leaves?start=1&end=10")).await;
    let served: Vec<LogEntry> = entries[1..].iter().cloned().map(LogEntry::from).collect();
    assert_eq!(serde_json::from_value::<Leaves>(v).unwrap().entries, served);
    let (_, _, _, v) = fetch(&format!("{mirror}/log/proof/inclusion?leaf_index=1&tree_size=3")).await;
    let p: InclusionProof = serde_json::from_value::<WithBytes<_>>(v).unwrap().0;
    verify_inclusion(&ballot_leaf_hash(&b[1], entries[1].accepted_at), 1, 3, &p.path, &head.root).unwrap();
    let (_, _, _, v) = fetch(&format!("{mirror}/log/proof/consistency?first=2&second=3")).await;
    let c: ConsistencyProof = serde_json::from_value::<WithBytes<_>>(v).unwrap().0;
    let root2 = tree_of(&entries[..2]).root(2).unwrap();
    verify_consistency(2, 3, &root2, &head.root, &c.path).unwrap();
    // Every ballot of a credential.
    let k = t.voters[0].public_key().to_hex();
    let (st, _, _, v) = fetch(&format!("{mirror}/log/credential/{k}")).await;
    assert_eq!(st, 200, "{v}");
    let listed: CredentialBallots = serde_json::from_value(v).unwrap();
    let leaves: Vec<(u64, _)> = listed.leaves.iter().map(|l| (l.leaf_index, l.ballot_id)).collect();
    assert_eq!(leaves, vec![(0, b[0].id()), (2, b[2].id())]);
    assert_eq!(listed.tree_size, 3);
    // Refusals, with the collector's codes.
    for (path, code) in [
        ("log/proof/inclusion?leaf_index=0&tree_size=4", "invalid_tree_size"),
        ("log/proof/inclusion?leaf_index=3&tree_size=3", "invalid_range"),
        ("log/proof/consistency?first=1&second=4", "invalid_tree_size"),
        ("log/leaves?start=2&end=1", "invalid_range"),
        ("log/leaves?start=x&end=1", "invalid_query"),
        ("log/credential/00zz", "invalid_credential"),
    ] {
        let (st, acao, _, v) = fetch(&format!("{mirror}/{path}")).await;
        assert_eq!((st, v["error"]["code"].as_str()), (400, Some(code)), "{path}: {v}");
        assert_eq!(acao.as_deref(), Some("*"));
    }
    let (st, _, _, v) = fetch(&format!("{mirror}/nothing")).await;
    assert_eq!((st, v["error"]["code"].as_str()), (404, Some("not_found")));
    let post = reqwest::Client::new().post(format!("{mirror}/log/sth")).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);
    let (st, _, _, v) = fetch(&format!("{mirror}/mirror/status")).await;
    assert_eq!(st, 200);
    let status: MirrorStatus = serde_json::from_value(v).unwrap();
    assert_eq!((status.tree_size, status.alarm, status.last_error), (3, None, None));
    assert_eq!(status.fingerprint, fp);
    assert!(status.last_success.is_some());

    // Re-opened from disk, it goes on where it was.
    let mut m = Monitor::open(&collector, dir.path(), Some(&fp)).await.unwrap();
    assert_eq!(m.tree_size(), 3);
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);
    // The pin: another election's fingerprint is refused, for the copy and for a new one.
    let other = *test_election(2).election.fingerprint();
    let e = Monitor::open(&collector, dir.path(), Some(&other)).await.unwrap_err();
    assert!(e.to_string().contains("not the pinned"), "{e}");
    let e = Monitor::open(&collector, tmp().path(), Some(&other)).await.unwrap_err();
    assert!(e.to_string().contains("not the pinned"), "{e}");
    assert!(alarm_file(dir.path()).is_none());
}

/// The ballot board at the mirror's `/board/` (verifier/MIRROR.md "Ballot board"): the collector's live board page,
/// its data read from the mirror's verified copy: the verified head, pages of 100 ballots with their trackers and
/// times, the search buckets, clear 404s, and nothing before the first verified head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mirror_serves_the_ballot_board_from_its_verified_copy() {
    let mut t = test_election(7);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let b: Vec<Ballot> = (0..102u16).map(|i| t.ballot(usize::from(i % 3), i)).collect();
    let entries: Vec<LeafEntry> = b.iter().enumerate().map(|(i, b)| entry(i as u64, b)).collect();
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    let mirror = serve_mirror(&m).await;

    // The page and its files: the collector's own (web-assets), under the mirror's CSP, no inline code.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.get(format!("{mirror}/board")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (308, "/board/"));
    let csp = verifier::mirror::content_security_policy(&collector);
    for (path, asset) in [
        ("", web_assets::BOARD_HTML),
        ("board.html", web_assets::BOARD_HTML),
        ("board.js", web_assets::BOARD_JS),
        ("site.js", web_assets::SITE_JS),
        ("site.css", web_assets::SITE_CSS),
        ("base.css", web_assets::BASE_CSS),
        ("i18n-core.js", web_assets::I18N_CORE_JS),
    ] {
        let r = http.get(format!("{mirror}/board/{path}")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], asset.content_type, "{path}");
        assert_eq!(r.headers()["content-security-policy"], csp.as_str(), "{path}");
        assert_eq!(r.text().await.unwrap(), asset.body, "{path}");
    }
    assert!(!web_assets::BOARD_HTML.body.contains("<script>") && !web_assets::BOARD_HTML.body.contains("style="));

    // Before the first verified head: no data, the mirror's "not ready".
    let (st, _, _, v) = fetch(&format!("{mirror}/board/data/site.json")).await;
    assert_eq!((st, v["error"]["code"].as_str()), (503, Some("mirror_not_ready")));

    // Under a verified head of 2 ballots, then of 102 (the collector shows more than the mirror verified: the
    // board shows only the verified copy).
    fake.set(&t.election, entries[..2].to_vec());
    assert_eq!(m.poll().await.unwrap().unwrap(), 2);
    let (_, _, _, site) = fetch(&format!("{mirror}/board/data/site.json")).await;
    assert_eq!(site["board"], serde_json::json!({"total": 2, "page_size": 100, "pages": 1}));
    fake.set(&t.election, entries.clone());
    let (_, _, _, p0) = fetch(&format!("{mirror}/board/data/board/page-0.json")).await;
    assert_eq!(p0["entries"].as_array().unwrap().len(), 2, "only what the mirror verified");
    assert_eq!(m.poll().await.unwrap().unwrap(), 102);

    let (st, _, cache, site) = fetch(&format!("{mirror}/board/data/site.json")).await;
    assert_eq!((st, cache.as_deref()), (200, Some("no-store")));
    assert_eq!(site["format"], "rv/site/v1");
    assert_eq!(site["source"], "live");
    assert_eq!(site["mirror"], true, "the page says it shows a mirror's copy");
    assert_eq!(site["head"], serde_json::to_value(fake.sth()).unwrap());
    assert_eq!(site["board"], serde_json::json!({"total": 102, "page_size": 100, "pages": 2}));
    assert_eq!(site["election"]["fingerprint"], t.election.fingerprint().to_hex());
    assert_eq!(site["election"]["election_id"], t.election.manifest().election_id);
    assert_eq!(site["collector_key"], hex::encode(t.collector.verifying_key().to_bytes()));

    let (st, _, _, p0) = fetch(&format!("{mirror}/board/data/board/page-0.json")).await;
    assert_eq!(st, 200);
    let (_, _, _, p1) = fetch(&format!("{mirror}/board/data/board/page-1.json")).await;
    let (_, _, _, p2) = fetch(&format!("{mirror}/board/data/board/page-2.json")).await;
    let p0 = p0["entries"].as_array().unwrap().clone();
    let p1 = p1["entries"].as_array().unwrap().clone();
    assert_eq!((p0.len(), p1.len()), (100, 2));
    assert_eq!(p2["entries"], serde_json::json!([]), "a page past the end is empty");
    for (row, (ballot, e)) in p0.iter().chain(&p1).zip(b.iter().zip(&entries)) {
        assert_eq!(
            row,
            &serde_json::json!([e.leaf_index, e.accepted_at, ballot.id().tracker(), null, null]),
            "position, time and tracker of each ballot, no fate before the tally"
        );
    }
    // Each ballot is in the bucket of its id's first byte, and only there; every bucket together is the log.
    let mut found_all = 0;
    for bucket in 0..=255u8 {
        let (st, _, _, found) = fetch(&format!("{mirror}/board/data/find/{bucket:02X}.json")).await;
        assert_eq!(st, 200);
        let rows = found["entries"].as_array().unwrap();
        let expected: Vec<_> = b.iter().enumerate().filter(|(_, x)| x.id().0[0] == bucket).map(|(i, _)| i).collect();
        let got: Vec<_> = rows.iter().map(|r| r[0].as_u64().unwrap() as usize).collect();
        assert_eq!(got, expected, "bucket {bucket:02X}");
        assert!(rows.iter().all(|r| r[2].as_str().unwrap().starts_with(&format!("{bucket:02X}"))));
        found_all += rows.len();
    }
    assert_eq!(found_all, 102);

    // Names that are not the board's: 404 with the error body and a word on what a name looks like.
    for bad in [
        "data/board/page-x.json",
        "data/board/page--1.json",
        "data/board/page-99999999999999999999.json",
        "data/board/0.json",
        "data/find/ab.json",
        "data/find/ABC.json",
        "data/find/GG.json",
        "nothing.js",
    ] {
        let (st, _, _, v) = fetch(&format!("{mirror}/board/{bad}")).await;
        assert_eq!((st, v["error"]["code"].as_str()), (404, Some("not_found")), "{bad}");
    }
    let (_, _, _, v) = fetch(&format!("{mirror}/board/data/find/ab.json")).await;
    assert!(v["error"]["message"].as_str().unwrap().contains("two hex digits"), "{v}");
}

/// SPEC.md: exercises L8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_raises_an_alarm_and_the_mirror_then_answers_503() {
    let mut t = test_election(3);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let b: Vec<Ballot> = (0..3).map(|i| t.ballot(i, i as u16)).collect();
    let entries: Vec<LeafEntry> = b.iter().enumerate().map(|(i, b)| entry(i as u64, b)).collect();
    fake.set(&t.election, entries.clone());
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    let mirror = serve_mirror(&m).await;
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);
    assert!(check(&mirror, &t.election, 2, &b[2], entries[2].accepted_at).await.is_ok());

    // The collector now signs a view where leaf 2 holds another ballot, and grows it.
    let mut forked = entries[..2].to_vec();
    forked.push(entry(2, &t.ballot(2, 7)));
    forked.push(entry(3, &t.ballot(0, 8)));
    fake.set(&t.election, forked);
    let alarm = m.poll().await.unwrap().unwrap_err();
    assert!(matches!(alarm, Alarm::Fork { size: 4, .. }), "{alarm}");
    assert!(alarm_file(dir.path()).unwrap().contains("forked"));
    // The mirror serves nothing but its status while the alarm stands; the second device is told.
    let (st, acao, _, v) = fetch(&format!("{mirror}/log/sth")).await;
    assert_eq!((st, v["error"]["code"].as_str(), acao.as_deref()), (503, Some("mirror_alarm"), Some("*")));
    assert!(v["error"]["message"].as_str().unwrap().contains("forked"));
    let (st, _, _, v) = fetch(&format!("{mirror}/board/data/site.json")).await;
    assert_eq!((st, v["error"]["code"].as_str()), (503, Some("mirror_alarm")), "the board shows nothing either");
    let (st, _, _, v) = fetch(&format!("{mirror}/mirror/status")).await;
    assert_eq!(st, 200);
    assert!(v["alarm"].as_str().unwrap().contains("forked"), "{v}");
    assert_eq!(v["tree_size"], 3);
    match check(&mirror, &t.election, 2, &b[2], entries[2].accepted_at).await {
        Err(MirrorError::Alarm(text)) => assert!(text.contains("forked")),
        other => panic!("{other:?}"),
    }
    // It stands: no later poll, and not after a restart either, until someone removes DIR/ALARM.
    assert!(matches!(m.poll().await.unwrap().unwrap_err(), Alarm::Standing(_)));
    let mut again = Monitor::open(&collector, dir.path(), None).await.unwrap();
    assert!(matches!(again.poll().await.unwrap().unwrap_err(), Alarm::Standing(_)));
    // The copy was not changed by the forked view.
    std::fs::remove_file(dir.path().join("ALARM")).unwrap();
    let mut again = Monitor::open(&collector, dir.path(), None).await.unwrap();
    assert_eq!(again.tree_size(), 3);
    assert!(matches!(again.poll().await.unwrap().unwrap_err(), Alarm::Fork { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_log_and_a_head_under_another_key_raise_alarms() {
    let mut t = test_election(4);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let entries: Vec<LeafEntry> = (0..3).map(|i| entry(i, &t.ballot(i as usize, 0))).collect();
    fake.set(&t.election, entries.clone());
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);
    fake.set(&t.election, entries[..2].to_vec());
    assert_eq!(m.poll().await.unwrap().unwrap_err(), Alarm::Truncated { old: 3, new: 2 });
    assert!(alarm_file(dir.path()).unwrap().contains("truncated"));

    // A collector whose heads are signed by a key the manifest does not name.
    let other = Fake::new(&t.election, &protocol::generate_signing_key(&mut t.rng));
    other.set(&t.election, entries.clone());
    let base = other.clone().serve().await;
    let dir = tmp();
    let mut m = Monitor::open(&base, dir.path(), None).await.unwrap();
    assert!(matches!(m.poll().await.unwrap().unwrap_err(), Alarm::BadTreeHead(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_device_catches_a_decoy_on_a_forked_tree() {
    let mut t = test_election(5);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    // The log everyone sees: voter 0, then a ballot the collector cast for voter 1, then voter 0 again.
    let b: Vec<Ballot> = vec![t.ballot(0, 0), t.ballot(1, 1), t.ballot(0, 2)];
    let entries: Vec<LeafEntry> = b.iter().enumerate().map(|(i, b)| entry(i as u64, b)).collect();
    fake.set(&t.election, entries.clone());
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), Some(t.election.fingerprint())).await.unwrap();
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);
    let mirror = serve_mirror(&m).await;

    // Honest ballots pass; voter 0's first was superseded by leaf 2.
    let view = check(&mirror, &t.election, 0, &b[0], entries[0].accepted_at).await.unwrap();
    assert_eq!(view, MirrorView { tree_size: 3, timestamp: fake.sth().timestamp, later_leaves_of_credential: vec![2] });
    let view = check(&mirror, &t.election, 2, &b[2], entries[2].accepted_at).await.unwrap();
    assert!(view.later_leaves_of_credential.is_empty());
    let view = check(&mirror, &t.election, 1, &b[1], entries[1].accepted_at).await.unwrap();
    assert!(view.later_leaves_of_credential.is_empty());

    // The attack: voter 1's device is shown the ballot voter 1 made (the decoy), on a one-leaf tree signed with
    // the collector's real key; its receipt verifies (the second device alone would say PASS).
    let decoy = t.ballot(1, 2);
    let accepted_at = OPENS_AT;
    let mut forked = LogTree::new();
    forked.push(ballot_leaf_hash(&decoy, accepted_at));
    let receipt = ReceiptBody {
        fingerprint: *t.election.fingerprint(),
        ballot_id: decoy.id(),
        ballot_hash: protocol::log::ballot_hash(&decoy.to_bytes()),
        accepted_at,
        leaf_index: 0,
        tree_size: 1,
        root: forked.root(1).unwrap(),
        timestamp: accepted_at * 1000,
    }
    .sign(&t.collector, forked.inclusion_proof(0, 1).unwrap());
    receipt.verify(&t.collector.verifying_key(), t.election.fingerprint()).unwrap();
    receipt.matches(&decoy).unwrap();
    // The mirror's leaf 0 is another ballot.
    let e = check(&mirror, &t.election, receipt.leaf_index, &decoy, receipt.accepted_at).await.unwrap_err();
    assert!(matches!(e, MirrorError::Disagree { leaf_index: 0 }), "{e}");
    assert!(e.to_string().contains("the collector's view and the mirror's disagree"));
    // The honest ballot with another acceptance time is another leaf too.
    let e = check(&mirror, &t.election, 0, &b[0], entries[0].accepted_at + 1).await.unwrap_err();
    assert!(matches!(e, MirrorError::Disagree { leaf_index: 0 }), "{e}");
    // A receipt for a leaf the mirror has not seen yet.
    let e = check(&mirror, &t.election, 5, &decoy, accepted_at).await.unwrap_err();
    assert!(matches!(e, MirrorError::NotYetSeen { leaf_index: 5, tree_size: 3 }), "{e}");
    assert!(e.to_string().contains("retry later"));

    // A "mirror" whose head another key signed (here, a fake collector under another key) vouches for nothing.
    let rogue = Fake::new(&t.election, &protocol::generate_signing_key(&mut t.rng));
    rogue.set(&t.election, entries.clone());
    let rogue = rogue.serve().await;
    let e = check(&rogue, &t.election, 0, &b[0], entries[0].accepted_at).await.unwrap_err();
    assert!(matches!(e, MirrorError::HeadNotSigned(_)), "{e}");
    // A mirror of another election.
    let mut u = test_election(6);
    let foreign = u.ballot(0, 0);
    let e = check(&mirror, &u.election, 0, &foreign, accepted_at).await.unwrap_err();
    assert!(matches!(e, MirrorError::WrongElection), "{e}");
    // Nobody there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let e = check(&closed, &t.election, 0, &b[0], accepted_at).await.unwrap_err();
    assert!(matches!(e, MirrorError::Unreachable { .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_voter_pages_are_served_with_the_collectors_policy() {
    let t = test_election(7);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let dir = tmp();
    let m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    let web = tmp();
    std::fs::write(web.path().join("verify.html"), "<!doctype html>").unwrap();
    let mirror = serve(verifier::mirror::app(m.handle(), Some(web.path()))).await;
    let r = reqwest::get(format!("{mirror}/verify.html")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains(&format!("connect-src 'self' {collector};")), "{csp}");
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.text().await.unwrap(), "<!doctype html>");
}

/// Runs the `verifier` binary.
async fn verifier_cli(args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_verifier")).args(args).output().await.unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifier_monitor_exits_3_on_an_alarm_and_check_export_compares_a_box_with_the_copy() {
    use protocol::ballot_box::{BallotBox, BoxEntry, BALLOT_BOX_FORMAT};
    let mut t = test_election(8);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let entries: Vec<LeafEntry> = (0..3).map(|i| entry(i, &t.ballot(i as usize, 1))).collect();
    fake.set(&t.election, entries.clone());
    let dir = tmp();
    let d = dir.path().to_str().unwrap();
    let fp = t.election.fingerprint().to_hex();
    let other = test_election(9).election.fingerprint().to_hex();
    let (code, _, err) =
        verifier_cli(&["monitor", "--collector", &collector, "--dir", d, "--fingerprint", &other, "--once"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not the pinned"), "{err}");
    let (code, _, err) =
        verifier_cli(&["monitor", "--collector", &collector, "--dir", d, "--fingerprint", &fp, "--once"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("size 3"), "{err}");
    // With --once, a collector that cannot be read is a failure (1), not an alarm.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (code, _, err) = verifier_cli(&["monitor", "--collector", &closed, "--dir", d, "--once"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("could not read the collector"), "{err}");

    // The final box of this log agrees with the copy; one with two ballots swapped does not.
    let mut credentials: Vec<CredentialKey> = t.voters.iter().map(Credential::public_key).collect();
    credentials.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut bbox = BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: t.election.parameters(),
        fingerprint: *t.election.fingerprint(),
        collector_key: t.collector.verifying_key().to_bytes(),
        credentials: credentials.into_iter().map(Into::into).collect(),
        final_tree_head: fake.sth(),
        ballots: entries
            .iter()
            .map(|e| BoxEntry { leaf_index: e.leaf_index, accepted_at: e.accepted_at, ballot: e.ballot.clone() })
            .collect(),
        districts: Vec::new(),
        changes: Vec::new(),
    };
    let box_path = dir.path().join("box.json");
    std::fs::write(&box_path, serde_json::to_string(&bbox).unwrap()).unwrap();
    let b = box_path.to_str().unwrap();
    let (code, out, err) = verifier_cli(&["check-export", "--export", b, "--copy", d]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 ballots checked, 3 in the export"), "{out}");
    // Leaves 0 and 1 swap their ballots (the times stay in order).
    let mut swapped = entries.clone();
    (swapped[0].ballot, swapped[1].ballot) = (entries[1].ballot.clone(), entries[0].ballot.clone());
    for (b, e) in bbox.ballots.iter_mut().zip(&swapped) {
        b.ballot = e.ballot.clone();
    }
    let tree = tree_of(&swapped);
    bbox.final_tree_head = sign_head(&t.collector, &t.election, &swapped, &tree);
    std::fs::write(&box_path, serde_json::to_string(&bbox).unwrap()).unwrap();
    let (code, _, err) = verifier_cli(&["check-export", "--export", b, "--copy", d]).await;
    assert_eq!(code, 1);
    assert!(err.contains("differs between the export and the copy"), "{err}");

    // A truncated view: exit status 3, DIR/ALARM; the alarm stands at the next start.
    fake.set(&t.election, entries[..1].to_vec());
    let (code, _, err) = verifier_cli(&["monitor", "--collector", &collector, "--dir", d, "--once"]).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("ALARM: log truncated: size 1 after 3"), "{err}");
    fake.set(&t.election, entries.clone());
    let (code, _, err) = verifier_cli(&["monitor", "--collector", &collector, "--dir", d, "--once"]).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("remove the ALARM file"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_ballot_a_bad_time_or_a_replay_raises_an_alarm() {
    let mut t = test_election(10);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let (b0, b1) = (t.ballot(0, 0), t.ballot(1, 1));
    let mut forged = t.ballot(2, 2);
    forged.signature[0] ^= 1;
    let at = |mut e: LeafEntry, accepted_at: u64| {
        e.accepted_at = accepted_at;
        e
    };
    let cases: Vec<(Vec<LeafEntry>, u64, &str)> = vec![
        (vec![at(entry(0, &b0), OPENS_AT - 1)], 0, "outside the voting period"),
        (vec![at(entry(0, &b0), OPENS_AT + 120), entry(1, &b1)], 1, "before the previous leaf"),
        (vec![entry(0, &b0), entry(1, &b0)], 1, "repeats the ballot at leaf 0"),
        (vec![entry(0, &b0), entry(1, &forged)], 1, "signature"),
    ];
    for (entries, bad, why) in cases {
        fake.set(&t.election, entries);
        let dir = tmp();
        let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
        match m.poll().await.unwrap() {
            Err(Alarm::BadLeaf { index, why: text }) => {
                assert_eq!(index, bad, "{text}");
                assert!(text.contains(why), "{text} (expected: {why})");
            }
            other => panic!("expected an alarm on leaf {bad} ({why}), got {other:?}"),
        }
        assert_eq!(m.tree_size(), 0, "nothing of a bad view enters the copy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_that_lies_about_a_credentials_ballots_is_caught() {
    use axum::http::Uri;
    use axum::response::{IntoResponse, Response};
    use verifier::mirror::CredentialBallot;
    let mut t = test_election(11);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let b: Vec<Ballot> = vec![t.ballot(0, 0), t.ballot(1, 1), t.ballot(0, 2)];
    let entries: Vec<LeafEntry> = b.iter().enumerate().map(|(i, b)| entry(i as u64, b)).collect();
    fake.set(&t.election, entries.clone());
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    assert_eq!(m.poll().await.unwrap().unwrap(), 3);
    let honest = serve_mirror(&m).await;

    // A proxy of the honest mirror that answers `/log/credential/…` with `listed`.
    async fn liar(honest: String, listed: CredentialBallots) -> String {
        let app = Router::new().fallback(move |uri: Uri| {
            let (honest, listed) = (honest.clone(), listed.clone());
            async move {
                if uri.path().starts_with("/log/credential/") {
                    return Json(listed).into_response();
                }
                let r = reqwest::get(format!("{honest}{uri}")).await.unwrap();
                let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
                let resp: Response = (status, r.text().await.unwrap()).into_response();
                resp
            }
        });
        serve(app).await
    }
    let credential = t.voters[0].public_key();
    let own = CredentialBallot { leaf_index: 0, ballot_id: b[0].id() };
    let later = CredentialBallot { leaf_index: 2, ballot_id: b[2].id() };
    let other = CredentialBallot { leaf_index: 1, ballot_id: b[1].id() };
    let list = |leaves: Vec<CredentialBallot>| CredentialBallots { credential, tree_size: 3, leaves };
    let at = entries[0].accepted_at;
    // Honest through the proxy: leaf 2 supersedes leaf 0.
    let mirror = liar(honest.clone(), list(vec![own, later])).await;
    let view = check(&mirror, &t.election, 0, &b[0], at).await.unwrap();
    assert_eq!(view.later_leaves_of_credential, vec![2]);
    // Another voter's ballot listed as a re-vote.
    let mirror = liar(honest.clone(), list(vec![own, other, later])).await;
    let e = check(&mirror, &t.election, 0, &b[0], at).await.unwrap_err();
    assert!(matches!(e, MirrorError::BadLeaf { leaf_index: 1, .. }), "{e}");
    // The ballot itself left out of the list.
    let mirror = liar(honest.clone(), list(vec![later])).await;
    let e = check(&mirror, &t.election, 0, &b[0], at).await.unwrap_err();
    assert!(matches!(e, MirrorError::BadLeaf { leaf_index: 0, .. }), "{e}");
    // A listed later ballot with another id.
    let wrong = CredentialBallot { leaf_index: 2, ballot_id: b[0].id() };
    let mirror = liar(honest, list(vec![own, wrong])).await;
    let e = check(&mirror, &t.election, 0, &b[0], at).await.unwrap_err();
    assert!(matches!(e, MirrorError::BadLeaf { leaf_index: 2, .. }), "{e}");
}

/// A voter-list change at `leaf` of the log, a minute after the previous leaf.
fn change_entry(leaf: u64, change: &protocol::voter_list::VoterListChange) -> LogEntry {
    LogEntry::Change(protocol::ballot_box::ChangeEntry {
        leaf_index: leaf,
        accepted_at: OPENS_AT + 60 * leaf,
        change: hex::encode(change.to_bytes()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voter_list_changes_are_checked_kept_served_and_compared() {
    use protocol::ballot_box::{BallotBox, BoxEntry, CredentialEntry, BALLOT_BOX_FORMAT};
    use protocol::voter_list::{Action, VoterListChange};
    let mut t = test_election(12);
    let fake = Fake::new(&t.election, &t.collector);
    let collector = fake.clone().serve().await;
    let officials = protocol::roles::example_role_secrets(2).officials;
    let fp = *t.election.fingerprint();
    let newcomer = Credential::generate(&mut t.rng).public_key();
    let removed = t.voters[1].public_key();
    let sign = |seq, action, key| VoterListChange::sign(&officials, fp, seq, action, key, 0);
    let (b0, b3) = (t.ballot(0, 0), t.ballot(2, 1));
    let honest: Vec<LogEntry> = vec![
        entry(0, &b0).into(),
        change_entry(1, &sign(0, Action::Add, newcomer)),
        change_entry(2, &sign(1, Action::Remove, removed)),
        entry(3, &b3).into(),
    ];
    fake.set(&t.election, honest.clone());
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    assert_eq!(m.poll().await.unwrap(), Ok(4));

    // The mirror serves the changes as the collector did; the board has a row per ballot; a credential's ballots
    // are still its ballots.
    let mirror = serve_mirror(&m).await;
    let (code, _, _, v) = fetch(&format!("{mirror}/log/leaves?start=0&end=10")).await;
    assert_eq!(code, 200);
    assert_eq!(v["entries"][1]["change"], json_str(&honest[1]));
    assert_eq!(serde_json::from_value::<Leaves>(v).unwrap().entries, honest);
    let (_, _, _, v) = fetch(&format!("{mirror}/board/data/board/page-0.json")).await;
    let leaves: Vec<u64> = v["entries"].as_array().unwrap().iter().map(|r| r[0].as_u64().unwrap()).collect();
    assert_eq!(leaves, [0, 3]);
    let (_, _, _, v) = fetch(&format!("{mirror}/log/credential/{}", t.voters[0].public_key().to_hex())).await;
    assert_eq!(v["leaves"][0]["leaf_index"], 0);
    // The second device's check of the ballot after the changes passes against the mirror.
    assert!(check(&mirror, &t.election, 3, &b3, OPENS_AT + 180).await.is_ok());

    // The copy reopens from disk, changes included; with the credential list, its changes are replayed over it.
    drop(m);
    let m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    assert_eq!(m.tree_size(), 4);
    let list: Vec<CredentialEntry> = t.voters.iter().map(|v| CredentialEntry::Key(v.public_key())).collect();
    let m = m.with_voter_list(&list).unwrap();
    // A list that is not the manifest's registry is refused.
    let reopened = Monitor::open(&collector, dir.path(), None).await.unwrap();
    let err = reopened.with_voter_list(&list[..2]).unwrap_err().to_string();
    assert!(err.contains("not the registry the manifest names"), "{err}");
    drop(m);
    // The same through `verifier monitor --credentials`: a fresh copy follows the log; a list that is not the
    // registry stops it before it polls.
    let files = tmp();
    let creds = files.path().join("credentials.json");
    std::fs::write(&creds, serde_json::to_string(&list).unwrap()).unwrap();
    let (c, d) = (creds.to_str().unwrap(), files.path().join("copy"));
    let args = ["monitor", "--collector", &collector, "--dir", d.to_str().unwrap(), "--once", "--credentials", c];
    let (code, _, err) = verifier_cli(&args).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("size 4"), "{err}");
    std::fs::write(&creds, serde_json::to_string(&list[..2]).unwrap()).unwrap();
    let (code, _, err) = verifier_cli(&args).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not the registry the manifest names"), "{err}");

    // check-export: the box with these ballots and changes agrees with the copy; one whose change at leaf 2 is
    // another (signed by the officials, the head re-signed over it) does not.
    let mut credentials: Vec<CredentialKey> = t.voters.iter().map(Credential::public_key).collect();
    credentials.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let split = |entries: &[LogEntry]| {
        let mut ballots = Vec::new();
        let mut changes = Vec::new();
        for e in entries {
            match e {
                LogEntry::Ballot(b) => ballots.push(BoxEntry {
                    leaf_index: b.leaf_index,
                    accepted_at: b.accepted_at,
                    ballot: b.ballot.clone(),
                }),
                LogEntry::Change(c) => changes.push(c.clone()),
            }
        }
        (ballots, changes)
    };
    let (ballots, changes) = split(&honest);
    let mut bbox = BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: t.election.parameters(),
        fingerprint: fp,
        collector_key: t.collector.verifying_key().to_bytes(),
        credentials: credentials.into_iter().map(Into::into).collect(),
        final_tree_head: fake.sth(),
        ballots,
        districts: Vec::new(),
        changes,
    };
    assert_eq!(verifier::monitor::check_export(&bbox, dir.path()).unwrap(), 4);
    let box_path = dir.path().join("box.json");
    std::fs::write(&box_path, serde_json::to_string(&bbox).unwrap()).unwrap();
    let (code, out, err) =
        verifier_cli(&["check-export", "--export", box_path.to_str().unwrap(), "--copy", dir.path().to_str().unwrap()])
            .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 leaves checked; 2 ballots and 2 voter-list changes in the export"), "{out}");
    let mut other = honest.clone();
    other[2] = change_entry(2, &sign(1, Action::Remove, t.voters[2].public_key()));
    bbox.changes = split(&other).1;
    bbox.final_tree_head = sign_head_at(&t.collector, &t.election, Some(OPENS_AT + 180), &log_tree_of(&other));
    let err = verifier::monitor::check_export(&bbox, dir.path()).unwrap_err().to_string();
    assert!(err.contains("the voter-list change at leaf 2 differs between the export and the copy"), "{err}");

    // A bad change is an alarm, naming its leaf, and nothing of that view enters the copy.
    let rogue = SigningKey::from_bytes(&[3; 32]);
    let other_election = *test_election(13).election.fingerprint();
    let stranger = Credential::generate(&mut t.rng).public_key();
    let cases: Vec<(LogEntry, &str, bool)> = vec![
        (
            change_entry(1, &VoterListChange::sign(&rogue, fp, 0, Action::Add, newcomer, 0)),
            "not signed by the officials' key",
            false,
        ),
        (change_entry(1, &sign(1, Action::Add, newcomer)), "change number 1 comes where change number 0 is due", false),
        (
            change_entry(1, &VoterListChange::sign(&officials, other_election, 0, Action::Add, newcomer, 0)),
            "the change is for another election",
            false,
        ),
        (change_entry(1, &sign(0, Action::Add, newcomer)), "", false),
        (change_entry(1, &sign(0, Action::Move, removed)), "the election has no districts", false),
        (change_entry(1, &sign(0, Action::Remove, stranger)), "is not on the voter list", true),
        (change_entry(1, &sign(0, Action::Add, removed)), "is already on the voter list", true),
    ];
    for (bad, why, with_list) in cases {
        let honest_start = why.is_empty();
        fake.set(&t.election, vec![entry(0, &b0).into(), bad]);
        let dir = tmp();
        let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
        if with_list {
            m = m.with_voter_list(&list).unwrap();
        }
        match m.poll().await.unwrap() {
            Ok(2) if honest_start => {}
            Err(Alarm::BadLeaf { index: 1, why: text }) if !honest_start => {
                assert!(text.contains("voter-list change") && text.contains(why), "{text} (expected: {why})");
                assert_eq!(m.tree_size(), 0, "nothing of a bad view enters the copy");
            }
            other => panic!("expected an alarm on leaf 1 ({why}), got {other:?}"),
        }
    }
    // Not hex of a change at all.
    let mut garbage = change_entry(1, &sign(0, Action::Add, newcomer));
    if let LogEntry::Change(c) = &mut garbage {
        c.change = "00".into();
    }
    fake.set(&t.election, vec![LogEntry::from(entry(0, &b0)), garbage]);
    let dir = tmp();
    let mut m = Monitor::open(&collector, dir.path(), None).await.unwrap();
    match m.poll().await.unwrap() {
        Err(Alarm::BadLeaf { index: 1, why }) => assert!(why.contains("does not decode"), "{why}"),
        other => panic!("expected an alarm on leaf 1, got {other:?}"),
    }
}

fn json_str(e: &LogEntry) -> serde_json::Value {
    match e {
        LogEntry::Change(c) => serde_json::Value::String(c.change.clone()),
        LogEntry::Ballot(b) => serde_json::Value::String(b.ballot.clone()),
    }
}

//! `verifier check-ballot --record` as a binary, on a small record built here: a box of three ballots (voter A,
//! voter B, voter A again), the tally's refused / superseded / revoked files and an index. The online mode is
//! tested against a real collector in voter-client/tests/sim.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use protocol::ballot::{create_ballot_body, BallotSeed};
use protocol::ballot_box::{BallotBox, BoxEntry, BALLOT_BOX_FORMAT};
use protocol::codes::{ChallengeCode, SecondDeviceCode};
use protocol::election::ElectionParameters;
use protocol::elgamal::SecretKey;
use protocol::encoding::{Answer, Selection};
use protocol::log::{ballot_hash, leaf_hash, LogTree, SignedTreeHead};
use protocol::manifest::example_manifest;
use protocol::record::{file_digest, RecordIndex};
use protocol::{create_ballot, Credential, Election, Encode};
use rand::rngs::OsRng;

fn run(record: &Path, code: &str, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(["check-ballot", "--record"])
        .arg(record)
        .arg(code)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn check_ballot_in_a_record_opens_and_says_whether_it_counted() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path();
    std::fs::create_dir_all(record.join("tally")).unwrap();
    let sk = SecretKey::generate(&mut OsRng);
    let params = ElectionParameters { manifest: example_manifest(), public_key: sk.public_key() };
    let election = Election::new(params.manifest.clone(), params.public_key).unwrap();
    let (a, b) = (Credential::generate(&mut OsRng), Credential::generate(&mut OsRng));
    let first = vec![
        Answer::single(2),
        Answer { selections: vec![] },
        Answer { selections: vec![Selection::WriteIn("Mia".into()), Selection::Option(0)] },
    ];
    let second = vec![Answer::single(0), Answer { selections: vec![Selection::Option(1)] }, Answer::single(3)];
    let seeds: Vec<[u8; 32]> = (0..3).map(|_| *BallotSeed::generate(&mut OsRng).expose_bytes()).collect();
    let fp = *election.fingerprint();
    let cast = [(&a, &first, seeds[0]), (&b, &second, seeds[1]), (&a, &second, seeds[2])].map(|(cred, answers, s)| {
        let (body, opening) =
            create_ballot_body(&election, &cred.public_key(), None, answers, &BallotSeed::from_bytes(s)).unwrap();
        (body.sign(cred).unwrap(), opening)
    });
    let code = |id: protocol::BallotId, seed: [u8; 32]| {
        SecondDeviceCode { fingerprint: fp, ballot_id: id, seed: BallotSeed::from_bytes(seed) }.to_text().to_string()
    };
    let codes: Vec<String> = cast.iter().zip(&seeds).map(|((ballot, _), s)| code(ballot.id(), *s)).collect();

    // The box: three leaves and the collector's final head over them.
    let key = protocol::roles::example_role_secrets(3).collector;
    let mut tree = LogTree::new();
    let mut entries = Vec::new();
    for (i, (ballot, _)) in cast.iter().enumerate() {
        let bytes = ballot.to_bytes();
        let accepted_at = 1_790_000_000 + i as u64;
        tree.push(leaf_hash(&ballot.id(), &ballot_hash(&bytes), accepted_at));
        entries.push(BoxEntry { leaf_index: i as u64, accepted_at, ballot: hex::encode(bytes) });
    }
    let head = SignedTreeHead::sign(&key, *election.fingerprint(), 3, tree.root(3).unwrap(), 1_790_000_003_000);
    let mut credentials: Vec<protocol::RegisteredKey> = vec![a.public_key().into(), b.public_key().into()];
    credentials.sort_by_key(|c| *c.as_bytes());
    let bbox = BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: params,
        fingerprint: *election.fingerprint(),
        collector_key: key.verifying_key().to_bytes(),
        credentials,
        final_tree_head: head,
        ballots: entries,
        districts: Vec::new(),
        changes: Vec::new(),
    };
    let files = [
        ("ballot-box.json", serde_json::to_string(&bbox).unwrap()),
        ("tally/rejected.json", r#"{"rejected": []}"#.to_string()),
        ("tally/superseded.json", r#"{"superseded": [{"leaf_index": 0, "by": 2}]}"#.to_string()),
        ("tally/revoked.json", r#"{"revoked": []}"#.to_string()),
    ];
    let mut index = RecordIndex::new(*election.fingerprint());
    for (path, content) in &files {
        std::fs::write(record.join(path), content).unwrap();
        index.push(path, file_digest(content.as_bytes()));
    }
    std::fs::write(record.join("index.json"), serde_json::to_string(&index).unwrap()).unwrap();

    // A's first ballot: its choices, and that a re-vote replaced it (exit status 3, as `verifier receipt`).
    let out = run(record, &codes[0], None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("Mayor: Carol Saar"), "{shown}");
    assert!(shown.contains("Budget projects: (no selection)"), "{shown}");
    assert!(shown.contains("Council: 1. write-in \"Mia\", 2. Dan"), "{shown}");
    assert!(shown.contains("NOT COUNTED: superseded by a later ballot of the same voter, at leaf 2"), "{shown}");
    assert!(shown.contains("the files read are those index.json lists"), "{shown}");
    // A's re-vote counted; B's too, with the code read from standard input as a whole link.
    let out = run(record, &codes[2], None);
    assert!(out.status.success() && text(&out).contains("COUNTED: this ballot entered the tally"), "{}", text(&out));
    assert!(text(&out).contains("Mayor: Alice Tamm"), "{}", text(&out));
    let out = run(record, "-", Some(&format!("https://vote.example/verify.html#{}\n", codes[1])));
    assert!(out.status.success() && text(&out).contains("COUNTED"), "{}", text(&out));

    // Another ballot's seed under this ballot's id: refused, with the reason.
    let out = run(record, &code(cast[2].0.id(), seeds[0]), None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("does not open ballot"), "{}", text(&out));
    // Not a code at all; a ballot that is not in the box; a code of another election.
    let out = run(record, "RV2:XYZ", None);
    assert!(!out.status.success() && text(&out).contains("not a code of the voting page"), "{}", text(&out));
    let (other, _) = create_ballot(&election, &b, None, &first, &mut OsRng).unwrap();
    let out = run(record, &code(other.id(), seeds[0]), None);
    assert!(!out.status.success() && text(&out).contains("is not in the record's ballot box"), "{}", text(&out));
    let foreign = SecondDeviceCode {
        fingerprint: protocol::Fingerprint([7; 32]),
        ballot_id: cast[0].0.id(),
        seed: BallotSeed::from_bytes(seeds[0]),
    };
    let out = run(record, &foreign.to_text(), None);
    assert!(!out.status.success() && text(&out).contains("not election"), "{}", text(&out));

    // A challenge code is checked against the record's election: the rebuilt ballot's tracker and choices.
    let seed = BallotSeed::generate(&mut OsRng);
    let (body, _) =
        create_ballot_body(&election, &a.public_key(), None, &first, &BallotSeed::from_bytes(*seed.expose_bytes()))
            .unwrap();
    let challenge = ChallengeCode::new(&election, a.public_key(), None, &first, seed).unwrap().to_text();
    let out = run(record, &challenge, None);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains(&format!("challenged ballot {}", body.id().to_hex())), "{shown}");
    assert!(shown.contains("Mayor: Carol Saar") && shown.contains("must be"), "{shown}");
    // A challenge code whose answers were changed rebuilds another ballot (another tracker), and a cut one fails.
    let out = run(record, &challenge[..challenge.len() - 2], None);
    assert!(!out.status.success() && text(&out).contains("challenge code"), "{}", text(&out));

    // A tally file changed after the index was written is caught.
    std::fs::write(record.join("tally/superseded.json"), r#"{"superseded": []}"#).unwrap();
    let out = run(record, &codes[0], None);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("does not have the listed SHA-256"), "{}", text(&out));

    // One source is required.
    let out = Command::new(env!("CARGO_BIN_EXE_verifier")).args(["check-ballot", &codes[0]]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

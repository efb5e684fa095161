//! Running the `tallier` binary from a test, and reading how it ended.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::Path;

use protocol::ballot_box::{BallotBox, BoxEntry, ChangeEntry, Electorate, BALLOT_BOX_FORMAT};
use protocol::log::{ballot_hash, change_leaf_hash, leaf_hash, LogTree, SignedTreeHead};
use protocol::voter_list::ChangeFile;
use protocol::{Ballot, Election, Encode};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_tallier");

/// Runs `tallier ARGS`, without a passphrase in the environment (each test passes `--passphrase-file`).
pub fn tallier(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env_remove("TALLIER_PASSPHRASE").output().unwrap()
}

/// Asserts success; returns the standard output.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts failure; returns the standard error (where the reason is).
pub fn fails(out: Output) -> String {
    assert!(!out.status.success(), "unexpected success: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The manifest's 2-of-3 ceremony, run by the trustees' commands; writes the election file; returns the key.
pub fn ceremony(
    root: &Path,
    manifest: &Path,
    dir: &Path,
    election_file: &Path,
    officials: &Path,
) -> protocol::elgamal::PublicKey {
    std::fs::create_dir_all(dir).unwrap();
    for i in 1..=3 {
        std::fs::write(root.join(format!("pass-{i}")), format!("correct horse battery {i}\n")).unwrap();
    }
    let trustee = |cmd: &str, i: u16| {
        let (secret, pass) = (root.join(format!("secret-{i}.json")), root.join(format!("pass-{i}")));
        let mut args = vec!["trustee", cmd, "--manifest", s(manifest), "--dir", s(dir)];
        args.extend(["--secret", s(&secret), "--passphrase-file", s(&pass)]);
        let index = i.to_string();
        if cmd == "init" {
            args.extend(["--trustee", &index]);
        }
        ok(tallier(&args));
    };
    for cmd in ["init", "deal", "confirm"] {
        for i in 1..=3u16 {
            trustee(cmd, i);
        }
    }
    ok(tallier(&["keys", "close", "--manifest", s(manifest), "--dir", s(dir), "--key", s(officials)]));
    for i in 1..=3u16 {
        trustee("reveal", i);
    }
    let key_file = root.join("election-key.json");
    let args = ["keys", "combine", "--manifest", s(manifest), "--dir", s(dir), "--out", s(&key_file), "--election"];
    let out = ok(tallier(&[&args[..], &[s(election_file)]].concat()));
    assert!(out.contains("election fingerprint"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    serde_json::from_value(v["election_public_key"].clone()).unwrap()
}

/// One leaf of the log: a ballot, or a voter-list change's file.
pub enum Leaf {
    Ballot(Box<Ballot>),
    Change(ChangeFile),
}

/// A ballot box as `collector export` writes it (SPEC.md §11.5): ballots and changes interleaved in log order,
/// one second apart, each leaf's hash (eq. LG1 for a ballot, LG9 for a change), and the head signed over all.
pub fn ballot_box(
    election: &Election,
    electorate: &Electorate,
    leaves: &[Leaf],
    collector: &ed25519_dalek::SigningKey,
) -> BallotBox {
    let mut tree = LogTree::new();
    let (mut ballots, mut changes) = (Vec::new(), Vec::new());
    let opens_at = election.manifest().voting_period.opens_at;
    for (i, leaf) in leaves.iter().enumerate() {
        let (leaf_index, accepted_at) = (i as u64, opens_at + i as u64);
        match leaf {
            Leaf::Ballot(b) => {
                let bytes = b.to_bytes();
                tree.push(leaf_hash(&b.id(), &ballot_hash(&bytes), accepted_at));
                ballots.push(BoxEntry { leaf_index, accepted_at, ballot: hex::encode(bytes) });
            }
            Leaf::Change(file) => {
                tree.push(change_leaf_hash(&hex::decode(&file.change).unwrap(), accepted_at));
                changes.push(ChangeEntry { leaf_index, accepted_at, change: file.change.clone() });
            }
        }
    }
    let size = leaves.len() as u64;
    let head = SignedTreeHead::sign(
        collector,
        *election.fingerprint(),
        size,
        tree.root(size).unwrap(),
        (opens_at + size) * 1000,
    );
    BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: election.parameters(),
        fingerprint: *election.fingerprint(),
        collector_key: collector.verifying_key().to_bytes(),
        credentials: electorate.keys().unwrap().to_vec(),
        districts: electorate.districts().to_vec(),
        final_tree_head: head,
        ballots,
        changes,
    }
}

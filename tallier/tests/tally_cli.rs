//! The whole tally from the command line, each step a separate `tallier` process (SPEC.md §14): a 2-of-3 key
//! ceremony (by the CLI, as the trustees run it), a ballot box built here without a collector (re-votes, a paper
//! voter, a bad signature, an unknown credential), the officials' key and revocation list, prepare, mix, two
//! trustees' partial decryptions, finish. The result must equal the count of the known answers, the index must
//! verify, and another pair of trustees must give the same result. Then the errors an operator can meet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use protocol::ballot::create_ballot;
use protocol::ballot_box::{BallotBox, BoxEntry, BALLOT_BOX_FORMAT};
use protocol::codec::{Decode, Encode};
use protocol::count::count_contest;
use protocol::credential::Credential;
use protocol::election::ElectionParameters;
use protocol::log::{ballot_hash, leaf_hash, LogTree, SignedTreeHead};
use protocol::manifest::{example_manifest, ContestKind};
use protocol::record::{check_layout, file_digest, RecordIndex};
use protocol::tally::ResultFile;
use protocol::{Answer, Ballot, Election, Selection};
use rand::rngs::OsRng;

mod common;
use common::{ceremony, fails, ok, s, tallier};

/// `tallier tally prepare --box … --ceremony … --revocations … --out RECORD --quiet`.
fn tally_prepare(ballot_box: &Path, ceremony: &Path, revocations: &Path, record: &Path) -> Output {
    let args = ["tally", "prepare", "--box", s(ballot_box), "--ceremony", s(ceremony), "--revocations"];
    tallier(&[&args[..], &[s(revocations), "--out", s(record), "--quiet"]].concat())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A ballot box as `collector export` writes it (SPEC.md §11.5), signed by `collector`.
fn ballot_box(
    election: &Election,
    registry: &[Credential],
    ballots: &[Ballot],
    collector: &ed25519_dalek::SigningKey,
) -> BallotBox {
    let mut tree = LogTree::new();
    let mut entries = Vec::new();
    let opens_at = election.manifest().voting_period.opens_at;
    for (i, b) in ballots.iter().enumerate() {
        let bytes = b.to_bytes();
        let accepted_at = opens_at + i as u64;
        tree.push(leaf_hash(&b.id(), &ballot_hash(&bytes), accepted_at));
        entries.push(BoxEntry { leaf_index: i as u64, accepted_at, ballot: hex::encode(bytes) });
    }
    let size = ballots.len() as u64;
    let head_ms = (opens_at + size) * 1000;
    let head = SignedTreeHead::sign(collector, *election.fingerprint(), size, tree.root(size).unwrap(), head_ms);
    let mut credentials: Vec<_> = registry.iter().map(Credential::public_key).collect();
    credentials.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: election.parameters(),
        fingerprint: *election.fingerprint(),
        collector_key: collector.verifying_key().to_bytes(),
        credentials: credentials.into_iter().map(Into::into).collect(),
        final_tree_head: head,
        ballots: entries,
        districts: Vec::new(),
        changes: Vec::new(),
    }
}

fn answers(mayor: u16, budget: &[u16], council: &[Selection]) -> Vec<Answer> {
    vec![
        Answer::single(mayor),
        Answer { selections: budget.iter().map(|&o| Selection::Option(o)).collect() },
        Answer { selections: council.to_vec() },
    ]
}

fn opt(i: u16) -> Selection {
    Selection::Option(i)
}

struct Election0 {
    root: PathBuf,
    election: Election,
    /// The answers that must be counted, voter by voter.
    counted: Vec<Vec<Answer>>,
    /// A record after prepare and mix, before any decryption.
    mixed: PathBuf,
}

/// The set-up in the order of SPEC.md §4.5, each role's key made by its own command: the voters' credentials,
/// the collector's key (as `collector keygen` writes it), the officials' key and three mix servers' keys, then
/// the manifest from the edited template and the public keys, then the ceremony and the election file. Returns
/// the manifest, the election file, the voters, the collector's key and the mix servers' secret key files.
fn set_up(root: &Path) -> (PathBuf, PathBuf, Vec<Credential>, ed25519_dalek::SigningKey, Vec<PathBuf>, PathBuf) {
    use protocol::roles::{public_key_file, Role};
    let voters: Vec<Credential> = (0..6).map(|_| Credential::generate(&mut OsRng)).collect();
    let credentials = root.join("credentials.json");
    let public: Vec<String> = voters.iter().map(|v| v.public_key().to_hex()).collect();
    std::fs::write(&credentials, serde_json::to_string(&public).unwrap()).unwrap();
    let collector = protocol::generate_signing_key(&mut OsRng);
    let collector_pub = root.join("collector.pub");
    std::fs::write(&collector_pub, public_key_file(Role::Collector, &collector.verifying_key())).unwrap();
    let officials = root.join("officials");
    let out = ok(tallier(&["setup", "officials-key", "--out", s(&officials)]));
    assert!(out.contains("officials.pub"), "{out}");
    let mut mix_secrets = Vec::new();
    let mut mix_publics = Vec::new();
    for k in 1..=3 {
        let dir = root.join(format!("mix-server-{k}"));
        ok(tallier(&["setup", "mix-key", "--stage", &k.to_string(), "--out", s(&dir)]));
        mix_secrets.push(dir.join(format!("mix-{k}.key")));
        mix_publics.push(dir.join(format!("mix-{k}.pub")));
    }
    let template = root.join("template.json");
    let out = ok(tallier(&["setup", "manifest", "--out", s(&template)]));
    assert!(out.contains("edit it"), "{out}");
    let manifest = root.join("manifest.json");
    let mut args = vec!["setup", "manifest", "--base", s(&template), "--out", s(&manifest)];
    args.extend(["--collector-key", s(&collector_pub), "--officials-key"]);
    let officials_pub = officials.join("officials.pub");
    args.push(s(&officials_pub));
    // The mix keys in any order: each file names its stage.
    for p in mix_publics.iter().rev() {
        args.extend(["--mix-key", s(p)]);
    }
    args.extend(["--credentials", s(&credentials)]);
    // A secret key given where a public one is expected is refused, and nothing is written.
    let mut wrong = args.clone();
    let officials_secret = officials.join("officials.key");
    let at = wrong.iter().position(|a| *a == s(&officials_pub)).unwrap();
    wrong[at] = s(&officials_secret);
    let err = fails(tallier(&wrong));
    assert!(err.contains("secret key of the officials, a public key file is needed"), "{err}");
    assert!(!manifest.exists());
    let out = ok(tallier(&args));
    assert!(out.contains("3 mix stages, 6 credentials"), "{out}");
    let election_file = root.join("election.json");
    ceremony(root, &manifest, &root.join("ceremony"), &election_file, &officials_secret);
    (manifest, election_file, voters, collector, mix_secrets, officials_secret)
}

fn setup_and_mix(root: &Path) -> Election0 {
    let (manifest_path, election_file, voters, collector, mix_keys, officials_key) = set_up(root);
    let ceremony_dir = root.join("ceremony");
    let election = tallier::mix::load_election(&election_file).unwrap();
    let manifest = election.manifest().clone();
    assert_eq!((manifest.trustees.count, manifest.trustees.threshold, manifest.mix_stages()), (3, 2, 3));
    assert_eq!(tallier::setup::read_manifest(&manifest_path).unwrap(), manifest);

    let stranger = Credential::generate(&mut OsRng);
    let cast = |c: &Credential, a: &[Answer]| create_ballot(&election, c, None, a, &mut OsRng).unwrap().0;
    let write_in = Selection::WriteIn("Zed".into());
    let final_answers = [
        answers(0, &[0, 1], &[opt(0), opt(1), opt(2)]),
        answers(1, &[], &[opt(1), opt(0)]),
        answers(2, &[1, 2, 3], &[opt(1), write_in.clone()]),
        answers(1, &[0], &[opt(3)]),    // voter 3 voted on paper: revoked
        answers(0, &[0, 3], &[opt(0)]), // voter 4's only ballot has a bad signature
        answers(0, &[2], &[write_in, opt(1)]),
    ];
    let mut bad = cast(&voters[4], &final_answers[4]);
    bad.signature[5] ^= 1;
    let ballots = vec![
        cast(&voters[2], &answers(0, &[0], &[opt(2)])), // replaced by voter 2's later ballot
        cast(&voters[0], &final_answers[0]),
        cast(&voters[3], &final_answers[3]),
        bad,
        cast(&voters[1], &answers(2, &[3], &[opt(3)])), // replaced
        cast(&stranger, &answers(0, &[0], &[opt(0)])),  // not in the registry
        cast(&voters[2], &final_answers[2]),
        cast(&voters[5], &final_answers[5]),
        cast(&voters[1], &final_answers[1]),
    ];
    let bx = ballot_box(&election, &voters, &ballots, &collector);
    let box_path = root.join("ballot-box.json");
    std::fs::write(&box_path, serde_json::to_string_pretty(&bx).unwrap()).unwrap();

    // The officials: paper voters, signed list.
    let paper = root.join("paper.json");
    std::fs::write(&paper, serde_json::to_string(&[voters[3].public_key().to_hex()]).unwrap()).unwrap();
    let revocations = root.join("revocations.json");
    let key = officials_key;
    ok(tallier(&[
        "revocations",
        "sign",
        "--election",
        s(&election_file),
        "--key",
        s(&key),
        "--credentials",
        s(&paper),
        "--out",
        s(&revocations),
    ]));

    let record = root.join("record");
    let prepare = |record: &Path| tally_prepare(&box_path, &ceremony_dir, &revocations, record);
    let out = ok(prepare(&record));
    assert!(out.contains("ballots in the box:  9"), "{out}");
    assert!(out.contains("refused (R1):        2 (unknown_credential: 1, bad_signature: 1)"), "{out}");
    assert!(out.contains("superseded (R2):     2"), "{out}");
    assert!(out.contains("revoked (R3):        1"), "{out}");
    assert!(out.contains("counted (R4):        4"), "{out}");
    // The inputs are in the record byte for byte.
    assert_eq!(std::fs::read(record.join("ballot-box.json")).unwrap(), std::fs::read(&box_path).unwrap());
    assert_eq!(std::fs::read(record.join("revocations.json")).unwrap(), std::fs::read(&revocations).unwrap());
    assert_eq!(
        std::fs::read(record.join("ceremony/dealing-2.json")).unwrap(),
        std::fs::read(ceremony_dir.join("dealing-2.json")).unwrap()
    );
    let rejected: protocol::tally::RejectedFile =
        serde_json::from_slice(&std::fs::read(record.join("tally/rejected.json")).unwrap()).unwrap();
    assert_eq!(rejected.rejected.iter().map(|r| r.leaf_index).collect::<Vec<_>>(), [3, 5]);
    // A record is never written over.
    let err = fails(prepare(&record));
    assert!(err.contains("is not empty"), "{err}");

    // Mix: stage 2 cannot go first; stage 1 alone on its server, then the rest.
    let mix = |keys: &[&PathBuf]| {
        let mut args = vec!["tally", "mix", "--record", s(&record), "--quiet"];
        for k in keys {
            args.extend(["--key", s(k)]);
        }
        tallier(&args)
    };
    let err = fails(mix(&[&mix_keys[1]]));
    assert!(err.contains("needs contest-0/stage-1.list"), "{err}");
    let err = fails(tallier(&["tally", "mix", "--record", s(&record), "--quiet"]));
    assert!(err.contains("--key"), "{err}");
    let out = ok(mix(&[&mix_keys[0]]));
    assert_eq!(out.lines().count(), 3, "{out}");
    // Trustee 1 checks stage 1 while stage 2 mixes (SPEC.md §14.3 "Stages checked early").
    let check = || {
        let (secret, pass) = (root.join("secret-1.json"), root.join("pass-1"));
        let checked = root.join("checked-1.json");
        let args = ["trustee", "check", "--record", s(&record), "--secret", s(&secret), "--passphrase-file", s(&pass)];
        tallier(&[&args[..], &["--checked", s(&checked)]].concat())
    };
    let out = ok(check());
    assert_eq!(out.matches("stage 1: proof verified").count(), 3, "{out}");
    assert!(out.contains("3 stage(s) noted in") && out.contains("(0 checked before"), "{out}");
    let err = fails(mix(&[&mix_keys[0]]));
    assert!(err.contains("already present"), "{err}");
    // A public key file, or another role's key, is not a mix server's key.
    let public = mix_keys[1].with_extension("pub");
    assert!(fails(mix(&[&public])).contains("public key of the mix-2, a secret key file is needed"));
    assert!(fails(mix(&[&key])).contains("is not a mix server's key file"));
    let out = ok(mix(&[&mix_keys[2], &mix_keys[1]]));
    assert!(out.contains("contest 2 stage 3: mixed 4 rows"), "{out}");
    assert!(!out.contains("stage 1"), "{out}");
    let out = ok(check());
    assert!(out.contains("9 stage(s) noted in") && out.contains("(3 checked before, not verified again)"), "{out}");

    let counted = [0, 1, 2, 5].iter().map(|&v| final_answers[v].clone()).collect();
    Election0 { root: root.to_path_buf(), election, counted, mixed: record }
}

/// Trustee `trustee` decrypts; with the file of the stages it checked early when it has one (trustee 1).
fn decrypt(env: &Election0, record: &Path, trustee: u16) -> Output {
    let (secret, pass) = (env.root.join(format!("secret-{trustee}.json")), env.root.join(format!("pass-{trustee}")));
    let checked = env.root.join(format!("checked-{trustee}.json"));
    let mut args = vec![
        "trustee",
        "decrypt",
        "--secret",
        s(&secret),
        "--passphrase-file",
        s(&pass),
        "--record",
        s(record),
        "--quiet",
    ];
    if checked.exists() {
        args.extend(["--checked", s(&checked)]);
    }
    tallier(&args)
}

fn finish(record: &Path, report: Option<&Path>) -> Output {
    let mut args = vec!["tally", "finish", "--record", s(record), "--quiet"];
    if let Some(r) = report {
        args.extend(["--report", s(r)]);
    }
    tallier(&args)
}

/// V1 by hand: the chain, every file's digest, nothing else in the directory, the §14.1 layout.
fn check_index(election: &Election, record: &Path, partials: &[u16]) {
    let index: RecordIndex = serde_json::from_slice(&std::fs::read(record.join("index.json")).unwrap()).unwrap();
    assert_eq!(index.fingerprint, *election.fingerprint());
    index.check_chain().unwrap();
    for e in &index.entries {
        assert_eq!(file_digest(&std::fs::read(record.join(&e.path)).unwrap()), e.sha256, "{}", e.path);
    }
    let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
    let layout = check_layout(election.manifest(), &paths).unwrap();
    assert!(layout.partials.iter().all(|p| p == partials), "{:?}", layout.partials);
    assert_eq!(layout.ceremony, vec![vec![1, 2, 3], vec![1, 2, 3], vec![1, 2, 3], vec![1, 2, 3], vec![]]);
    let mut files = 0;
    let mut stack = vec![record.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
            }
        }
    }
    assert_eq!(files, index.entries.len() + 1, "only the listed files and index.json");
}

/// The count the known answers give: first-round tallies by a plain loop, the rest by §12.
fn check_result(env: &Election0, result: &ResultFile) {
    let m = env.election.manifest();
    assert_eq!(result.contests.len(), m.contests.len());
    for (c, (contest, r)) in m.contests.iter().zip(&result.contests).enumerate() {
        let mut expected: BTreeMap<Selection, u64> = BTreeMap::new();
        for a in env.counted.iter().map(|v| &v[c]) {
            let firsts = match contest.kind {
                ContestKind::Ranked { .. } => &a.selections[..1],
                _ => &a.selections[..],
            };
            for sel in firsts {
                *expected.entry(sel.clone()).or_default() += 1;
            }
        }
        let got: BTreeMap<Selection, u64> = r.tallies.iter().filter(|(_, n)| *n > 0).cloned().collect();
        assert_eq!(got, expected, "contest {c}");
        assert_eq!((r.valid, r.invalid), (4, 0), "contest {c}");
        let answers: Vec<_> = env.counted.iter().map(|v| Ok(v[c].clone())).collect();
        assert_eq!(*r, count_contest(contest, &answers), "contest {c}");
    }
    // Mayor: Alice 2 (voters 0 and 5), Bob 1, Carol 1.
    assert_eq!(result.contests[0].tallies, vec![(opt(0), 2), (opt(1), 1), (opt(2), 1)]);
    assert_eq!(result.contests[0].elected, vec![opt(0)]);
}

fn read_result(record: &Path) -> ResultFile {
    serde_json::from_slice(&std::fs::read(record.join("result.json")).unwrap()).unwrap()
}

#[test]
fn whole_tally_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let env = setup_and_mix(tmp.path());
    let (a, b, c) = (env.root.join("record-a"), env.root.join("record-b"), env.root.join("record-c"));
    for r in [&a, &b, &c] {
        copy_dir(&env.mixed, r);
    }

    // A record whose stage-2 list of contest 1 was altered (two rows swapped): the trustee verifies the mix
    // first and refuses, naming the contest and the stage, and writes nothing.
    let d = env.root.join("record-d");
    copy_dir(&env.mixed, &d);
    let altered = d.join("contest-1/stage-2.list");
    let original = std::fs::read(&altered).unwrap();
    let mut list = protocol::shuffle::CiphertextList::from_bytes(&original).unwrap();
    let w = list.width();
    list.cells_mut()[..2 * w].rotate_left(w);
    std::fs::write(&altered, list.to_bytes()).unwrap();
    let err = fails(decrypt(&env, &d, 1));
    assert!(err.contains("contest 1 stage 2") && err.contains("does not verify"), "{err}");
    let partials = |r: &Path| (0..3).filter(|c| r.join(format!("contest-{c}/partial-1.bin")).exists()).count();
    assert_eq!(partials(&d), 0, "nothing written");
    // A stage the manifest does not have is refused too.
    std::fs::write(&altered, &original).unwrap();
    std::fs::copy(d.join("contest-0/stage-3.proof"), d.join("contest-0/stage-4.proof")).unwrap();
    let err = fails(decrypt(&env, &d, 1));
    assert!(err.contains("`contest-0/stage-4.proof` is not a file of a record ready to decrypt"), "{err}");
    assert_eq!(partials(&d), 0, "nothing written");

    // Trustees 1 and 2.
    ok(decrypt(&env, &a, 1));
    let err = fails(decrypt(&env, &a, 1));
    assert!(err.contains("already exists"), "{err}");
    ok(decrypt(&env, &a, 2));
    let err = fails(finish(&a, Some(&a.join("report.txt"))));
    assert!(err.contains("inside the record"), "{err}");
    let report = env.root.join("report.txt");
    let out = ok(finish(&a, Some(&report)));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), out);
    for expected in [
        "Contest 1: Mayor (mayor; plurality, 1 seat)",
        "Alice Tamm",
        "elected: 1. Alice Tamm",
        "Contest 3: Council",
        "round 1:",
        "lost to rounding",
        "decrypted by trustees [1, 2]",
        "Turnout:",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    assert!(!out.contains("Contest 0"), "contests are numbered from 1: {out}");
    // The CSV export, beside the report: one row per contest and candidate.
    let csv = std::fs::read_to_string(env.root.join("result.csv")).unwrap();
    let rows: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(rows[0], "contest,contest_id,option_id,name,votes,percent,elected");
    assert_eq!(rows[1], "1,mayor,alice,Alice Tamm,2,50.0,yes");
    assert!(rows.iter().any(|r| r.starts_with("3,council,,Zed,")), "the write-in, without an option id: {csv}");
    // The council count has ties (SPEC.md §12.4); the report names the tied candidates.
    for expected in [
        "tie: round 2: Fay and Gus tied at 0 votes for exclusion; decided by manifest order: Gus excluded",
        "tie: round 4: Dan and \"Zed\" (write-in) tied at 1 vote for exclusion; decided by manifest order: \
         \"Zed\" (write-in) excluded",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    assert!(!out.contains("Option("), "{out}");
    let result = read_result(&a);
    check_result(&env, &result);
    check_index(&env.election, &a, &[1, 2]);
    let err = fails(finish(&a, None));
    assert!(err.contains("is finished"), "{err}");

    // Trustee 3 alone is not enough; with trustee 2 the result is the same.
    ok(decrypt(&env, &b, 3));
    let err = fails(finish(&b, None));
    assert!(err.contains("1 valid partial decryption(s) (trustees [3]), 2 are needed"), "{err}");
    assert!(!b.join("index.json").exists());
    ok(decrypt(&env, &b, 2));
    ok(finish(&b, None));
    assert_eq!(read_result(&b), result);
    check_index(&env.election, &b, &[2, 3]);

    // A partial decryption altered after signing: finish names the trustee and the file to remove.
    for f in ["contest-0/partial-1.bin", "contest-1/partial-1.bin", "contest-2/partial-1.bin"] {
        std::fs::copy(a.join(f), c.join(f)).unwrap();
    }
    ok(decrypt(&env, &c, 2));
    let bad = c.join("contest-1/partial-2.bin");
    let mut bytes = std::fs::read(&bad).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&bad, bytes).unwrap();
    let err = fails(finish(&c, None));
    assert!(err.contains("trustee 2") && err.contains("remove contest-1/partial-2.bin"), "{err}");
    assert!(!c.join("index.json").exists());
    // A stray file is refused before anything is written.
    std::fs::remove_file(&bad).unwrap();
    std::fs::write(c.join("notes.txt"), "x").unwrap();
    let err = fails(finish(&c, None));
    assert!(err.contains("notes.txt"), "{err}");
}

/// Nothing named `record…` in `root`: neither the record nor `prepare`'s temporary directory.
fn nothing_left(root: &Path) {
    let left: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("record"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn prepare_that_fails_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let voter = Credential::generate(&mut OsRng);
    let secrets = protocol::roles::example_role_secrets(3);
    let mut manifest = example_manifest();
    manifest.roles = secrets.roles(protocol::roles::Registry::of(&[voter.public_key()]));
    let manifest_path = root.join("manifest.json");
    std::fs::write(&manifest_path, manifest.to_json_pretty()).unwrap();
    let ceremony_dir = root.join("ceremony");
    let officials_key = root.join("officials.key");
    let file = protocol::roles::secret_key_file(protocol::roles::Role::Officials, &secrets.officials);
    std::fs::write(&officials_key, file.as_bytes()).unwrap();
    let key = ceremony(root, &manifest_path, &ceremony_dir, &root.join("election.json"), &officials_key);
    let (officials, collector) = (secrets.officials, secrets.collector);
    let record = root.join("record");
    let prepare = |bx: &BallotBox, list: &protocol::record::RevocationList| {
        let (box_path, revocations) = (root.join("box.json"), root.join("revocations.json"));
        std::fs::write(&box_path, serde_json::to_string(bx).unwrap()).unwrap();
        std::fs::write(&revocations, serde_json::to_string(list).unwrap()).unwrap();
        tally_prepare(&box_path, &ceremony_dir, &revocations, &record)
    };

    // A box and a revocation list for the same manifest under another key: refused early.
    let other = protocol::SecretKey::generate(&mut OsRng).public_key();
    assert_ne!(other, key);
    let election = Election::new(manifest.clone(), other).unwrap();
    let ballot = create_ballot(&election, &voter, None, &answers(0, &[], &[opt(0)]), &mut OsRng).unwrap().0;
    let list = protocol::record::RevocationList::sign(&officials, *election.fingerprint(), Vec::new());
    let params: ElectionParameters = election.parameters();
    assert_eq!(params.public_key, other);
    let err = fails(prepare(&ballot_box(&election, std::slice::from_ref(&voter), &[ballot], &collector), &list));
    assert!(err.contains("is not for this ceremony's election"), "{err}");
    nothing_left(root);

    // The right election, but its only voter voted on paper: everything verifies, and `prepare` fails late,
    // after R3, when no ballot remains. Neither the record nor the temporary directory is left.
    let election = Election::new(manifest, key).unwrap();
    let ballot = create_ballot(&election, &voter, None, &answers(0, &[], &[opt(0)]), &mut OsRng).unwrap().0;
    let bx = ballot_box(&election, std::slice::from_ref(&voter), &[ballot], &collector);
    let revoked = protocol::record::RevocationList::sign(&officials, *election.fingerprint(), vec![voter.public_key()]);
    let err = fails(prepare(&bx, &revoked));
    assert!(err.contains("no ballot remains"), "{err}");
    nothing_left(root);
    // An empty directory given as the record stays as it was.
    std::fs::create_dir(&record).unwrap();
    fails(prepare(&bx, &revoked));
    assert_eq!(std::fs::read_dir(&record).unwrap().count(), 0);
    std::fs::remove_dir(&record).unwrap();
    // With no revocation the same box is prepared, and the record appears whole, without the temporary directory.
    let none = protocol::record::RevocationList::sign(&officials, *election.fingerprint(), Vec::new());
    let out = ok(prepare(&bx, &none));
    assert!(out.contains("counted (R4):        1"), "{out}");
    let entries: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("record"))
        .collect();
    assert_eq!(entries, ["record"]);
    assert!(record.join("contest-2/input.list").exists());
}

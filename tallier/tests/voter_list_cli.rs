//! The voter list changing while the election is open (issue 18 part 2; SPEC.md §4.7), from the command line: the
//! officials sign changes with `tallier voter-list add | remove | move` (in order, each checked against the
//! credential list) and the tool refuses what it can see is wrong (another key, a gap or a foreign file in the
//! directory, a district the manifest does not have, an add of a credential already on the list); then a whole tally
//! of a districted box whose log holds those very changes between the ballots: a voter who votes in the north, is
//! moved to the centre and votes again with the centre's contests; a voter moved after voting, and a removed voter,
//! whose earlier ballots are cancelled (R3); ballots after a removal, before an add and for the old district after a
//! move, refused (R1); an added voter's ballot counted; a paper voter beside them. The trustees decrypt with the
//! CLI, `finish` counts, the counts are checked by hand, and the verifier passes the record (V1–V13, L11 in V4).
//! A box whose change is not the officials' is refused by `prepare` with the change named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};

use protocol::ballot::create_ballot;
use protocol::ballot_box::{CredentialEntry, Electorate};
use protocol::count::count_contest;
use protocol::credential::Credential;
use protocol::tally::{AnswersFile, RejectedFile, ResultFile, RevokedFile, SupersededFile};
use protocol::voter_list::{Action, ChangeFile, VoterListChange};
use protocol::{Answer, Selection};
use rand::rngs::OsRng;

mod common;
use common::{ballot_box, ceremony, fails, ok, s, tallier, Leaf};

fn opt(i: u16) -> Selection {
    Selection::Option(i)
}

fn read_change(path: &Path) -> ChangeFile {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The names in a directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Copies the files of `from` into a new directory `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in names(from) {
        std::fs::copy(from.join(&name), to.join(&name)).unwrap();
    }
}

#[test]
fn officials_change_the_voter_list_while_open_and_the_tally_replays_it() {
    use protocol::roles::{public_key_file, Role};
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    // Set-up: the example with districts; north: voters 0–2, centre: 3–5, south: 6–7. One more credential, made
    // later for a new voter of the north (`setup credentials` again, into its own directory).
    let template = root.join("template.json");
    ok(tallier(&["setup", "example", "--districts", "--out", s(&template)]));
    let creds = root.join("creds");
    let args = ["setup", "credentials", "--district", "north:3", "--district", "centre:3", "--district", "south:2"];
    ok(tallier(&[&args[..], &["--out", s(&creds)]].concat()));
    let new_creds = root.join("new-voter");
    ok(tallier(&["setup", "credentials", "--district", "north:1", "--out", s(&new_creds)]));
    let read_voters = |dir: &Path| -> Vec<Credential> {
        let secrets: Vec<String> = serde_json::from_slice(&std::fs::read(dir.join("voters.json")).unwrap()).unwrap();
        secrets.iter().map(|t| Credential::from_text(t).unwrap()).collect()
    };
    let voters = read_voters(&creds);
    let newcomer = read_voters(&new_creds).remove(0);
    let entries: Vec<CredentialEntry> =
        serde_json::from_slice(&std::fs::read(creds.join("credentials.json")).unwrap()).unwrap();
    assert_eq!(entries.len(), 8);

    let collector = protocol::generate_signing_key(&mut OsRng);
    let collector_pub = root.join("collector.pub");
    std::fs::write(&collector_pub, public_key_file(Role::Collector, &collector.verifying_key())).unwrap();
    let officials = root.join("officials");
    ok(tallier(&["setup", "officials-key", "--out", s(&officials)]));
    let mut mix_secrets = Vec::new();
    let mut manifest_args = vec!["setup".to_string(), "manifest".into(), "--base".into(), s(&template).into()];
    for k in 1..=2 {
        let dir = root.join(format!("mix-server-{k}"));
        ok(tallier(&["setup", "mix-key", "--stage", &k.to_string(), "--out", s(&dir)]));
        mix_secrets.push(dir.join(format!("mix-{k}.key")));
        manifest_args.extend(["--mix-key".into(), s(&dir.join(format!("mix-{k}.pub"))).into()]);
    }
    let manifest_path = root.join("manifest.json");
    manifest_args.extend(["--collector-key".into(), s(&collector_pub).into(), "--officials-key".into()]);
    manifest_args.extend([s(&officials.join("officials.pub")).into(), "--credentials".into()]);
    manifest_args.extend([s(&creds.join("credentials.json")).into(), "--out".into(), s(&manifest_path).into()]);
    ok(tallier(&manifest_args.iter().map(String::as_str).collect::<Vec<_>>()));
    let election_file = root.join("election.json");
    let officials_secret = officials.join("officials.key");
    let ceremony_dir = root.join("ceremony");
    ceremony(root, &manifest_path, &ceremony_dir, &election_file, &officials_secret);
    let election = tallier::mix::load_election(&election_file).unwrap();
    let manifest = election.manifest().clone();
    let electorate = Electorate::from_list(&manifest, &entries).unwrap();

    // The officials sign four changes, in order, each checked against the credential list.
    let changes = root.join("changes");
    let credentials_json = creds.join("credentials.json");
    let sign = |action: &str, key: &Path, voter: &Credential, district: Option<&str>, dir: &Path| {
        let credential = voter.public_key().to_hex();
        let mut args = vec!["voter-list", action, "--election", s(&election_file), "--key", s(key)];
        args.extend(["--credential", &credential, "--dir", s(dir), "--credentials", s(&credentials_json)]);
        let district = district.map(|d| ["--district", d]);
        if let Some(d) = &district {
            args.extend(d);
        }
        tallier(&args)
    };
    let hex = |v: &Credential| v.public_key().to_hex();
    let out = ok(sign("move", &officials_secret, &voters[0], Some("centre"), &changes));
    assert!(
        out.contains(&format!(
            "signed change 0: move credential {} from district `north` (North) to district `centre` (Centre)",
            hex(&voters[0])
        )),
        "{out}"
    );
    let file0 = changes.join("change-0.json");
    assert!(
        out.contains(&format!(
            "curl -X POST -H 'content-type: application/json' --data @{} URL/voter-list/changes",
            file0.display()
        )),
        "{out}"
    );
    let out = ok(sign("remove", &officials_secret, &voters[3], None, &changes));
    assert!(out.contains(&format!("signed change 1: remove credential {} from the voter list", hex(&voters[3]))));
    let out = ok(sign("add", &officials_secret, &newcomer, Some("north"), &changes));
    assert!(
        out.contains(&format!("change 2: add credential {} to the voter list, in district `north`", hex(&newcomer)))
    );
    let out = ok(sign("move", &officials_secret, &voters[2], Some("south"), &changes));
    assert!(out.contains("change 3: move credential"), "{out}");
    let four = ["change-0.json", "change-1.json", "change-2.json", "change-3.json"];
    assert_eq!(names(&changes), four);
    // Each file is the change signed by the officials, with its number, action, credential and district.
    let decoded: Vec<VoterListChange> =
        four.iter().map(|f| VoterListChange::from_hex(&read_change(&changes.join(f)).change).unwrap()).collect();
    let expected = [
        (Action::Move, hex(&voters[0]), 1),
        (Action::Remove, hex(&voters[3]), 0),
        (Action::Add, hex(&newcomer), 0),
        (Action::Move, hex(&voters[2]), 2),
    ];
    for (i, (c, (action, key, district))) in decoded.iter().zip(&expected).enumerate() {
        assert_eq!((c.seq, c.action, c.credential.to_hex(), c.district), (i as u32, *action, key.clone(), *district));
        c.verify(election.fingerprint(), &manifest).unwrap();
    }
    let out = ok(tallier(&["voter-list", "show", "--dir", s(&changes), "--election", s(&election_file)]));
    assert!(out.contains("change-1.json: change 1: remove credential"), "{out}");
    assert!(out.contains("change-2.json: change 2: add credential"), "{out}");
    assert!(out.contains("4 change(s), each for election"), "{out}");

    // Refusals; none writes a file.
    // Another officials' key than the manifest's.
    let stranger_dir = root.join("stranger");
    ok(tallier(&["setup", "officials-key", "--out", s(&stranger_dir)]));
    let stranger = stranger_dir.join("officials.key");
    let err = fails(sign("remove", &stranger, &voters[4], None, &changes));
    assert!(err.contains("is not the one the manifest names for the officials"), "{err}");
    assert!(err.contains("sign with the officials' secret key whose public key the manifest names"), "{err}");
    // A gap in the directory, and a file that is not a change.
    let gap = root.join("changes-gap");
    copy_dir(&changes, &gap);
    std::fs::remove_file(gap.join("change-1.json")).unwrap();
    let err = fails(sign("remove", &officials_secret, &voters[4], None, &gap));
    assert!(err.contains("has no change-1.json but has change-2.json, change-3.json"), "{err}");
    assert!(err.contains("put change-1.json back"), "{err}");
    let foreign = root.join("changes-foreign");
    copy_dir(&changes, &foreign);
    std::fs::write(foreign.join("notes.txt"), "remember the milk\n").unwrap();
    let err = fails(sign("remove", &officials_secret, &voters[4], None, &foreign));
    assert!(err.contains("holds `notes.txt`, which is not a change file"), "{err}");
    // A change file under another number than its own.
    let renamed = root.join("changes-renamed");
    copy_dir(&changes, &renamed);
    std::fs::rename(renamed.join("change-3.json"), renamed.join("change-4.json")).unwrap();
    std::fs::copy(renamed.join("change-2.json"), renamed.join("change-3.json")).unwrap();
    let err = fails(sign("remove", &officials_secret, &voters[4], None, &renamed));
    assert!(err.contains("holds change number 2: a change belongs in change-2.json"), "{err}");
    // A district the manifest does not have; a move without a district; a remove with one.
    let err = fails(sign("add", &officials_secret, &voters[4], Some("east"), &changes));
    assert!(err.contains("district `east` is not one of the manifest's districts: give one of north, centre, south"));
    let err = fails(sign("add", &officials_secret, &newcomer, None, &changes));
    assert!(err.contains("the election has districts: give the credential's district with --district ID"), "{err}");
    let err = fails(sign("remove", &officials_secret, &voters[4], Some("north"), &changes));
    assert!(err.contains("unexpected argument '--district'"), "a remove has no --district: {err}");
    // An add of a credential on the list; a remove of one the changes removed; a move to where it already is
    // (voter 0 is in the centre since change 0); a credential that is not a key.
    let err = fails(sign("add", &officials_secret, &voters[1], Some("north"), &changes));
    assert!(err.contains(&format!("credential {} is already on the voter list", hex(&voters[1]))), "{err}");
    assert!(err.contains("nothing was signed"), "{err}");
    let err = fails(sign("remove", &officials_secret, &voters[3], None, &changes));
    assert!(err.contains("is not on the voter list: it cannot be removed or moved"), "{err}");
    let err = fails(sign("move", &officials_secret, &voters[0], Some("centre"), &changes));
    assert!(err.contains("is already in district 1: a move must change the district"), "{err}");
    let mut args = vec!["voter-list", "remove", "--election", s(&election_file), "--key", s(&officials_secret)];
    args.extend(["--credential", "abcd", "--dir", s(&changes)]);
    let err = fails(tallier(&args));
    assert!(err.contains("--credential abcd is not a credential key"), "{err}");
    assert_eq!(names(&changes), four);
    assert_eq!(names(&gap), ["change-0.json", "change-2.json", "change-3.json"]);

    // The log: ballots [council of the district, referendum (0 yes, 1 no)] and the changes between them. Council
    // options: green 0, 1; blue 2, 3; red 4, 5. Every ballot that must not count votes red 5 and no.
    let cast = |v: &Credential, district: u16, council: u16, referendum: u16| {
        let answers = [Answer::single(council), Answer::single(referendum)];
        Leaf::Ballot(Box::new(create_ballot(&election, v, Some(district), &answers, &mut OsRng).unwrap().0))
    };
    let change = |n: usize| Leaf::Change(read_change(&changes.join(four[n])));
    let leaves = vec![
        cast(&voters[0], 0, 5, 1), // 0: north; superseded by its centre ballot (R2)
        cast(&voters[3], 1, 5, 1), // 1: centre; cancelled by the removal at leaf 7 (R3)
        cast(&voters[1], 0, 0, 0), // 2: north: green, yes
        cast(&voters[2], 0, 5, 1), // 3: north; cancelled by the move at leaf 12 (R3)
        change(0),                 // 4: voter 0 moves to the centre
        cast(&voters[0], 1, 4, 0), // 5: voter 0 in the centre: red, yes
        cast(&voters[0], 0, 5, 1), // 6: voter 0 with the north's contests: wrong_district (R1)
        change(1),                 // 7: voter 3 removed
        cast(&voters[3], 1, 5, 1), // 8: unknown_credential (R1)
        cast(&newcomer, 0, 5, 1),  // 9: before the add: unknown_credential (R1)
        change(2),                 // 10: the newcomer added in the north
        cast(&newcomer, 0, 1, 1),  // 11: north: green, no
        change(3),                 // 12: voter 2 moves to the south
        cast(&voters[4], 1, 4, 0), // 13: centre: red, yes
        cast(&voters[6], 2, 3, 1), // 14: south: blue, no
        cast(&voters[7], 2, 5, 1), // 15: south; voted on paper (R3)
    ];
    let bx = ballot_box(&election, &electorate, &leaves, &collector);
    let box_path = root.join("ballot-box.json");
    std::fs::write(&box_path, serde_json::to_string_pretty(&bx).unwrap()).unwrap();
    let paper = root.join("paper.json");
    std::fs::write(&paper, serde_json::to_string(&[&entries[7]]).unwrap()).unwrap();
    let revocations = root.join("revocations.json");
    let args = ["revocations", "sign", "--election", s(&election_file), "--key", s(&officials_secret)];
    ok(tallier(&[&args[..], &["--credentials", s(&paper), "--out", s(&revocations)]].concat()));
    let prepare = |box_path: &Path, record: &Path| {
        let args = ["tally", "prepare", "--box", s(box_path), "--ceremony", s(&ceremony_dir), "--revocations"];
        tallier(&[&args[..], &[s(&revocations), "--out", s(record), "--quiet"]].concat())
    };

    // A box whose change 0 is signed by another key than the officials': prepare names it, writes nothing.
    let stranger_key = tallier::officials::read_role_secret(&stranger, Role::Officials).unwrap();
    let forged =
        VoterListChange::sign(&stranger_key, *election.fingerprint(), 0, Action::Move, voters[0].public_key(), 1);
    let mut forged_leaves = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        forged_leaves.push(match (i, leaf) {
            (4, _) => Leaf::Change(ChangeFile { change: hex::encode(forged.to_bytes()) }),
            (_, Leaf::Ballot(b)) => Leaf::Ballot(b.clone()),
            (_, Leaf::Change(c)) => Leaf::Change(c.clone()),
        });
    }
    let forged_box = root.join("forged-box.json");
    let fb = ballot_box(&election, &electorate, &forged_leaves, &collector);
    std::fs::write(&forged_box, serde_json::to_string(&fb).unwrap()).unwrap();
    let err = fails(prepare(&forged_box, &root.join("forged-record")));
    assert!(err.contains("holds a voter-list change that does not hold (SPEC.md §4.7, check L11)"), "{err}");
    assert!(err.contains("the voter-list change at leaf 4 (L11): the change is not signed by the officials' key"));
    assert!(!root.join("forged-record").exists());

    // Prepare: the changes counted, the refusals, the cancellations next to the paper vote.
    let record: PathBuf = root.join("record");
    let out = ok(prepare(&box_path, &record));
    for expected in [
        "ballots in the box:  12\n",
        "voter-list changes:  4 (1 add, 1 remove, 2 move)\n",
        "refused (R1):        3 (unknown_credential: 2, wrong_district: 1)\n",
        "superseded (R2):     1\n",
        "revoked (R3):        3 (1 voted on paper, 2 cancelled by a later voter-list change)\n",
        "counted (R4):        5",
        "  council-north (north): 2 ballots\n",
        "  council-centre (centre): 2 ballots\n",
        "  council-south (south): 1 ballot\n",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    let read = |rel: &str| std::fs::read(record.join(rel)).unwrap();
    let rejected: RejectedFile = serde_json::from_slice(&read("tally/rejected.json")).unwrap();
    let refused: Vec<(u64, String)> = rejected.rejected.iter().map(|r| (r.leaf_index, r.reason.to_string())).collect();
    let refused_expected = [(6, "wrong_district"), (8, "unknown_credential"), (9, "unknown_credential")];
    assert_eq!(refused, refused_expected.map(|(l, r)| (l, r.to_string())));
    let superseded: SupersededFile = serde_json::from_slice(&read("tally/superseded.json")).unwrap();
    let superseded: Vec<(u64, u64)> = superseded.superseded.iter().map(|x| (x.leaf_index, x.by)).collect();
    assert_eq!(superseded, [(0, 5)]);
    let revoked: RevokedFile = serde_json::from_slice(&read("tally/revoked.json")).unwrap();
    let revoked: Vec<(u64, Option<u64>)> = revoked.revoked.iter().map(|r| (r.leaf_index, r.change)).collect();
    assert_eq!(revoked, [(1, Some(7)), (3, Some(12)), (15, None)]);

    // Mix, two trustees decrypt with the CLI, finish.
    let mut args = vec!["tally", "mix", "--record", s(&record), "--quiet"];
    for k in &mix_secrets {
        args.extend(["--key", s(k)]);
    }
    ok(tallier(&args));
    for j in [1u16, 2] {
        let (secret, pass) = (root.join(format!("secret-{j}.json")), root.join(format!("pass-{j}")));
        let args = ["trustee", "decrypt", "--record", s(&record), "--secret", s(&secret)];
        ok(tallier(&[&args[..], &["--passphrase-file", s(&pass), "--quiet"]].concat()));
    }
    let out = ok(tallier(&["tally", "finish", "--record", s(&record), "--quiet"]));
    assert!(out.contains("cancelled ballots (R3): 1 voted on paper, 2 by a later voter-list change"), "{out}");
    assert!(out.contains("  North (north): 2 valid, 0 invalid; Yes 1, No 1"), "{out}");
    assert!(out.contains("  Centre (centre): 2 valid, 0 invalid; Yes 2"), "{out}");

    // The counts, by hand. North: voter 1 green 0, the newcomer green 1. Centre: voter 0 (moved) and voter 4,
    // red 4. South: voter 6 blue 3. Referendum: yes 3 (voters 1, 0, 4), no 2 (the newcomer, voter 6).
    let result: ResultFile = serde_json::from_slice(&read("result.json")).unwrap();
    let turnout = result.turnout.as_ref().unwrap();
    let figures = (turnout.registered, turnout.cast, turnout.refused, turnout.superseded, turnout.revoked);
    assert_eq!((figures, turnout.counted), ((8, 12, 3, 1, 3), 5));
    let votes = |c: usize| -> Vec<(Selection, u64)> {
        result.contests[c].tallies.iter().filter(|(_, n)| *n > 0).cloned().collect()
    };
    assert_eq!(votes(0), [(opt(0), 1), (opt(1), 1)]);
    assert_eq!(votes(1), [(opt(4), 2)]);
    assert_eq!(votes(2), [(opt(3), 1)]);
    assert_eq!(votes(3), [(opt(0), 3), (opt(1), 2)]);
    let by_district: Vec<(String, u64)> =
        result.contests[3].districts.as_ref().unwrap().iter().map(|d| (d.district.clone(), d.valid)).collect();
    assert_eq!(by_district, [("north".into(), 2), ("centre".into(), 2), ("south".into(), 1)]);
    // Each contest is the count of its units' answers (R6).
    let units = manifest.units();
    let answers: Vec<AnswersFile> =
        units.iter().map(|u| serde_json::from_slice(&read(&protocol::record::answers_path(*u))).unwrap()).collect();
    for (c, contest) in manifest.contests.iter().enumerate() {
        let all: Vec<_> = units
            .iter()
            .zip(&answers)
            .filter(|(u, _)| u.contest == c)
            .flat_map(|(_, a)| a.answers.iter().map(|x| x.as_result()))
            .collect();
        let mut expected = count_contest(contest, &all);
        expected.districts = result.contests[c].districts.clone();
        expected.seats = Some(contest.seats);
        assert_eq!(result.contests[c], expected, "contest {c}");
    }

    // The verifier replays the changes (L11 in V4) and agrees with every step (V1–V13).
    let report = verifier::verify::verify_record(&record, None, false);
    assert!(report.passed(), "{report}");
}

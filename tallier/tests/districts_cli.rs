//! A whole tally of an election with districts (issue 18; SPEC.md §4.6, §14) from the command line: the example
//! with districts (`setup example --districts`: three districts, a d'Hondt council in each, a referendum for all),
//! credentials made per district (`setup credentials --district`), the manifest binding their districts, a 2-of-3
//! key ceremony, a ballot box built here with ballots from three districts: a re-vote, a ballot for the wrong
//! district (refused `wrong_district`), and the south's only other voter voted on paper, so that the south's two
//! units are empty. Then prepare (one input list per unit, empty ones included), mix (only the units with
//! ballots), two trustees' decryptions (`decrypt_record`, after the verifier's checks), finish: the answers per unit, `result.json` in `rv/result/v4` with
//! each district's figures and the seats counted by hand, the index in the layout of §14.1, and `verifier verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::Path;

use protocol::ballot::create_ballot;
use protocol::ballot_box::{CredentialEntry, Electorate};
use protocol::codec::Decode;
use protocol::count::count_contest;
use protocol::credential::Credential;
use protocol::manifest::example_manifest_districts;
use protocol::record::{check_layout, file_digest, RecordIndex};
use protocol::shuffle::CiphertextList;
use protocol::tally::{AnswersFile, ResultFile, RESULT_FORMAT_V4};
use protocol::{Answer, Selection};
use rand::rngs::OsRng;

mod common;
use common::{ballot_box, ceremony, fails, ok, s, tallier, Leaf};

fn opt(i: u16) -> Selection {
    Selection::Option(i)
}

/// Trustee `j` decrypts the record as `tallier trustee decrypt --record` does (`decrypt_record`): it first runs
/// the verifier's checks V1′–V10 on the districted record (empty units included), then writes a partial
/// decryption of every unit with ballots. Trustee 1 checked the stages early (`trustee check`) and gives its file.
fn decrypt(root: &Path, record: &Path, j: u16) {
    use tallier::trustee::PassphraseSource;
    let pass = PassphraseSource::new(Some(root.join(format!("pass-{j}"))));
    let checked = root.join(format!("checked-{j}.json"));
    let checked = checked.exists().then_some(checked.as_path());
    tallier::trustee::decrypt_record(record, &root.join(format!("secret-{j}.json")), &pass, checked, false).unwrap();
}

#[test]
fn a_districted_election_is_tallied_unit_by_unit() {
    use protocol::roles::{public_key_file, Role};
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    // Set-up: the example with districts, 5 voters in the north, 5 in the centre, 2 in the south.
    let template = root.join("template.json");
    ok(tallier(&["setup", "example", "--districts", "--out", s(&template)]));
    let out = ok(tallier(&["setup", "check", s(&template)]));
    assert!(out.contains("ok: 4 contests in 3 districts (north, centre, south)"), "{out}");
    let creds = root.join("creds");
    // A district given twice, or without voters, or not as ID:COUNT, and --voters with --district: refused.
    for bad in [
        &["--district", "north:2", "--district", "north:3"][..],
        &["--district", "north:0"],
        &["--district", "north"],
        &["--voters", "3", "--district", "north:3"],
    ] {
        fails(tallier(&[&["setup", "credentials", "--out", s(&creds)][..], bad].concat()));
        assert!(!creds.join("credentials.json").exists());
    }
    let args = ["setup", "credentials", "--district", "north:5", "--district", "centre:5", "--district", "south:2"];
    let out = ok(tallier(&[&args[..], &["--out", s(&creds)]].concat()));
    assert!(out.contains("district centre: voters 6 to 10 of voters.json"), "{out}");
    let entries: Vec<CredentialEntry> =
        serde_json::from_slice(&std::fs::read(creds.join("credentials.json")).unwrap()).unwrap();
    let secrets: Vec<String> = serde_json::from_slice(&std::fs::read(creds.join("voters.json")).unwrap()).unwrap();
    assert_eq!(entries.len(), 12);
    let voters: Vec<Credential> = secrets.iter().map(|t| Credential::from_text(t).unwrap()).collect();
    let mut district_of = Vec::new();
    for (i, (entry, voter)) in entries.iter().zip(&voters).enumerate() {
        let CredentialEntry::InDistrict { key, district } = entry else { panic!("entry {i} has no district") };
        assert_eq!(*key, voter.public_key(), "voters.json and credentials.json are in the same order");
        let expected = if i < 5 {
            "north"
        } else if i < 10 {
            "centre"
        } else {
            "south"
        };
        assert_eq!(district, expected);
        district_of.push(if i < 5 {
            0u16
        } else if i < 10 {
            1
        } else {
            2
        });
    }

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
    manifest_args.extend(["--collector-key".into(), s(&collector_pub).into(), "--officials-key".into()]);
    manifest_args.push(s(&officials.join("officials.pub")).into());
    let manifest_path = root.join("manifest.json");
    let with = |credentials: &Path, out: &Path| -> Vec<String> {
        let mut a = manifest_args.clone();
        a.extend(["--credentials".into(), s(credentials).into(), "--out".into(), s(out).into()]);
        a
    };
    let run = |a: Vec<String>| tallier(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // A credential list without districts, or with a district the manifest does not have: refused, nothing written.
    let plain = root.join("plain.json");
    let keys: Vec<String> = voters.iter().map(|v| v.public_key().to_hex()).collect();
    std::fs::write(&plain, serde_json::to_string(&keys).unwrap()).unwrap();
    let err = fails(run(with(&plain, &manifest_path)));
    assert!(err.contains("has no district, and the election has districts"), "{err}");
    let east = root.join("east.json");
    let json = serde_json::json!([{"key": keys[0], "district": "east"}]);
    std::fs::write(&east, json.to_string()).unwrap();
    let err = fails(run(with(&east, &manifest_path)));
    assert!(err.contains("district `east`, which the manifest does not declare"), "{err}");
    assert!(!manifest_path.exists());
    let out = ok(run(with(&creds.join("credentials.json"), &manifest_path)));
    assert!(out.contains("4 contests, 2 mix stages, 12 credentials"), "{out}");
    let out = ok(tallier(&["setup", "check", s(&manifest_path)]));
    assert!(out.contains("in 3 districts"), "{out}");

    let election_file = root.join("election.json");
    let officials_secret = officials.join("officials.key");
    ceremony(root, &manifest_path, &root.join("ceremony"), &election_file, &officials_secret);
    let election = tallier::mix::load_election(&election_file).unwrap();
    let manifest = election.manifest().clone();
    assert_eq!(manifest.districts, example_manifest_districts().districts);
    let electorate = Electorate::from_list(&manifest, &entries).unwrap();
    assert_eq!(manifest.roles.registry, electorate.registry().unwrap());

    // The ballots: [council of the district, referendum (0 yes, 1 no)]. Council options: green 0, 1; blue 2, 3;
    // red 4, 5.
    let cast = |v: usize, district: u16, council: u16, referendum: u16| {
        let answers = [Answer::single(council), Answer::single(referendum)];
        create_ballot(&election, &voters[v], Some(district), &answers, &mut OsRng).unwrap().0
    };
    // North: green 3 (option 0 twice, option 1), blue 2 (option 2 twice); yes 3, no 2.
    let north = [(0, 0, 0), (1, 0, 0), (2, 1, 1), (3, 2, 0), (4, 2, 1)];
    // Centre: red 3 (option 4 twice, option 5), green 2 (option 0 twice); yes 1, no 4.
    let centre = [(5, 4, 0), (6, 5, 1), (7, 4, 1), (8, 0, 1), (9, 0, 1)];
    let mut ballots = vec![cast(9, 1, 4, 0)]; // replaced by voter 9's later ballot (R2)
    ballots.extend(north.iter().map(|&(v, c, r)| cast(v, 0, c, r)));
    ballots.push(cast(10, 1, 4, 0)); // a south voter's ballot for the centre: wrong_district (R1)
    ballots.extend(centre.iter().map(|&(v, c, r)| cast(v, 1, c, r)));
    ballots.push(cast(11, 2, 0, 0)); // the south's other voter voted on paper (R3)
    assert_eq!(district_of[10], 2);
    let leaves: Vec<Leaf> = ballots.iter().map(|b| Leaf::Ballot(Box::new(b.clone()))).collect();
    let bx = ballot_box(&election, &electorate, &leaves, &collector);
    let box_path = root.join("ballot-box.json");
    std::fs::write(&box_path, serde_json::to_string_pretty(&bx).unwrap()).unwrap();

    // The revocation list is read in the credential list's format too: an entry with its district.
    let paper = root.join("paper.json");
    std::fs::write(&paper, serde_json::to_string(&[&entries[11]]).unwrap()).unwrap();
    let revocations = root.join("revocations.json");
    let args = ["revocations", "sign", "--election", s(&election_file), "--key", s(&officials_secret)];
    ok(tallier(&[&args[..], &["--credentials", s(&paper), "--out", s(&revocations)]].concat()));

    // Prepare: one input list per unit, the south's empty.
    let record = root.join("record");
    let ceremony_dir = root.join("ceremony");
    let args = ["tally", "prepare", "--box", s(&box_path), "--ceremony", s(&ceremony_dir), "--revocations"];
    let out = ok(tallier(&[&args[..], &[s(&revocations), "--out", s(&record), "--quiet"]].concat()));
    for expected in [
        "ballots in the box:  13",
        "refused (R1):        1 (wrong_district: 1)",
        "superseded (R2):     1",
        "revoked (R3):        1",
        "counted (R4):        10",
        "  council-north (north): 5 ballots\n",
        "  council-south (south): 0 ballots: no ballot, nothing to mix or decrypt",
        "  referendum (centre): 5 ballots\n",
        "  referendum (south): 0 ballots: no ballot, nothing to mix or decrypt",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    let rejected: protocol::tally::RejectedFile =
        serde_json::from_slice(&std::fs::read(record.join("tally/rejected.json")).unwrap()).unwrap();
    let refused: Vec<(u64, String)> = rejected.rejected.iter().map(|r| (r.leaf_index, r.reason.to_string())).collect();
    assert_eq!(refused, [(6, "wrong_district".to_string())]);
    let rows = |rel: String| CiphertextList::from_bytes(&std::fs::read(record.join(rel)).unwrap()).unwrap().len();
    let units = manifest.units();
    let input_rows: Vec<usize> = units.iter().map(|u| rows(protocol::record::input_path(*u))).collect();
    assert_eq!(input_rows, [5, 5, 0, 5, 5, 0], "units: {units:?}");
    assert_eq!(units[2].to_string(), "contest-2/district-2");

    // Mix: the four units with ballots, each stage; nothing for the south.
    let mut args = vec!["tally", "mix", "--record", s(&record), "--quiet"];
    for k in &mix_secrets {
        args.extend(["--key", s(k)]);
    }
    let out = ok(tallier(&args));
    assert_eq!(out.lines().count(), 8, "{out}");
    assert!(out.contains("council-centre (centre) stage 2: mixed 5 rows of width 1"), "{out}");
    assert!(!out.contains("south"), "{out}");
    assert!(!record.join("contest-2/district-2/stage-1.list").exists());
    assert!(record.join("contest-3/district-1/stage-2.sig").exists());
    // The unit index is the statement's and the signature's `contest`: stage 1 of unit 4 (referendum, centre)
    // verifies as unit 4 and not as contest 3.
    let (unit4, k) = (units[4], 1u16);
    let input = std::fs::read(record.join(protocol::record::input_path(unit4))).unwrap();
    let output = std::fs::read(record.join(protocol::record::stage_list_path(unit4, k))).unwrap();
    let proof = std::fs::read(record.join(protocol::record::stage_proof_path(unit4, k))).unwrap();
    let sig: [u8; 64] =
        std::fs::read(record.join(protocol::record::stage_signature_path(unit4, k))).unwrap().try_into().unwrap();
    let digests = protocol::roles::StageDigests::of(&input, &output, &proof);
    let roles = &manifest.roles;
    assert!(protocol::roles::verify_stage(roles, election.fingerprint(), 4, k, &digests, &sig).is_ok());
    assert!(protocol::roles::verify_stage(roles, election.fingerprint(), 3, k, &digests, &sig).is_err());

    // Finish before any decryption names the first unit to decrypt.
    let finish = |report: Option<&Path>| {
        let mut args = vec!["tally", "finish", "--record", s(&record), "--quiet"];
        if let Some(r) = report {
            args.extend(["--report", s(r)]);
        }
        tallier(&args)
    };
    let err = fails(finish(None));
    assert!(err.contains("council-north (north): no trustee has decrypted it yet"), "{err}");

    // Trustee 1 checks the stages early: the four units with ballots, two stages each; the empty south has none.
    let checked = root.join("checked-1.json");
    let (secret, pass) = (root.join("secret-1.json"), root.join("pass-1"));
    let out = ok(tallier(&[
        "trustee",
        "check",
        "--record",
        s(&record),
        "--secret",
        s(&secret),
        "--passphrase-file",
        s(&pass),
        "--checked",
        s(&checked),
    ]));
    assert_eq!(out.matches(": proof verified").count(), 8, "{out}");
    assert!(out.contains("council-centre, district centre, stage 2: proof verified"), "{out}");
    assert!(!out.contains("south"), "{out}");

    decrypt(root, &record, 1);
    decrypt(root, &record, 3);
    assert!(!record.join("contest-2/district-2/partial-1.bin").exists(), "an empty unit has nothing to decrypt");
    // A partial decryption of an empty unit is no file of the record: finish refuses it and writes nothing.
    let stray = record.join("contest-2/district-2/partial-1.bin");
    std::fs::copy(record.join("contest-0/district-0/partial-1.bin"), &stray).unwrap();
    let err = fails(finish(None));
    assert!(err.contains("holds `contest-2/district-2/partial-1.bin`, which is not a file of the record"), "{err}");
    assert!(!record.join("result.json").exists());
    std::fs::remove_file(&stray).unwrap();
    let report = root.join("report.txt");
    let out = ok(finish(Some(&report)));
    for expected in [
        "decrypted by trustees [1, 3]",
        "Contest 4: Should the town build a tram line?, by district",
        "  North (north): 5 valid, 0 invalid; Yes 3, No 2",
        "  Centre (centre): 5 valid, 0 invalid; Yes 1, No 4",
        "  South (south): 0 valid, 0 invalid;",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    assert_eq!(out.matches(", by district").count(), 1, "only the referendum spans districts: {out}");
    assert!(!out.contains("cancelled ballots (R3)"), "no voter-list change cancelled a ballot: {out}");

    // The answers, unit by unit; the empty units have an answers file with none, and no plaintexts.
    let answers: Vec<AnswersFile> = units
        .iter()
        .map(|u| {
            serde_json::from_slice(&std::fs::read(record.join(protocol::record::answers_path(*u))).unwrap()).unwrap()
        })
        .collect();
    let ids: Vec<(&str, Option<&str>, usize)> =
        answers.iter().map(|a| (a.contest.as_str(), a.district.as_deref(), a.answers.len())).collect();
    assert_eq!(
        ids,
        [
            ("council-north", Some("north"), 5),
            ("council-centre", Some("centre"), 5),
            ("council-south", Some("south"), 0),
            ("referendum", Some("north"), 5),
            ("referendum", Some("centre"), 5),
            ("referendum", Some("south"), 0),
        ]
    );
    assert!(!record.join("contest-2/district-2/plaintexts.list").exists());
    assert!(!record.join("contest-2/district-2/partial-1.bin").exists());
    let mut firsts: Vec<u16> = answers[0]
        .answers
        .iter()
        .map(|a| match &a.as_result().unwrap().selections[..] {
            [Selection::Option(o)] => *o,
            other => panic!("{other:?}"),
        })
        .collect();
    firsts.sort_unstable();
    assert_eq!(firsts, [0, 0, 1, 2, 2], "the north's council votes, in some order");

    // The result: rv/result/v4; each contest over its units, with each district's figures; seats by hand.
    let result: ResultFile = serde_json::from_slice(&std::fs::read(record.join("result.json")).unwrap()).unwrap();
    assert_eq!(result.format, RESULT_FORMAT_V4);
    let turnout = result.turnout.unwrap();
    assert_eq!((turnout.registered, turnout.cast, turnout.counted), (12, 13, 10));
    let seats = |c: usize| -> Vec<(String, u64)> {
        result.contests[c].lists.as_ref().unwrap().iter().map(|l| (l.id.clone(), l.seats)).collect()
    };
    // North: green 3, blue 2 → d'Hondt quotients green 3, blue 2, green 1.5: green 2 seats, blue 1.
    assert_eq!(seats(0), [("green".into(), 2), ("blue".into(), 1), ("red".into(), 0)]);
    assert_eq!(result.contests[0].elected, [opt(0), opt(1), opt(2)], "in manifest order");
    // Centre: red 3, green 2 → red 3, green 2, red 1.5: red 2 seats, green 1.
    assert_eq!(seats(1), [("green".into(), 1), ("blue".into(), 0), ("red".into(), 2)]);
    assert_eq!(result.contests[1].elected, [opt(0), opt(4), opt(5)], "in manifest order");
    assert_eq!((result.contests[2].valid, result.contests[2].invalid), (0, 0), "the south's council had no ballot");
    // The referendum over every district: yes 4, no 6.
    let referendum = &result.contests[3];
    assert_eq!(referendum.tallies, [(opt(0), 4), (opt(1), 6)]);
    assert_eq!(referendum.elected, [opt(1)]);
    type Figures = (String, u64, Vec<(Selection, u64)>);
    let figures: Vec<Figures> = referendum
        .districts
        .as_ref()
        .unwrap()
        .iter()
        .map(|d| (d.district.clone(), d.valid, d.tallies.iter().filter(|(_, n)| *n > 0).cloned().collect()))
        .collect();
    assert_eq!(
        figures,
        [
            ("north".into(), 5, vec![(opt(0), 3), (opt(1), 2)]),
            ("centre".into(), 5, vec![(opt(0), 1), (opt(1), 4)]),
            ("south".into(), 0, vec![]),
        ]
    );
    let north_figures = result.contests[0].districts.as_ref().unwrap();
    assert_eq!(north_figures.len(), 1);
    assert_eq!((north_figures[0].district.as_str(), north_figures[0].valid), ("north", 5));
    // Each contest equals the count of its units' answers together (R6).
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

    // The index: the chain, every file's digest, the §14.1 layout with the empty units' short form.
    let index: RecordIndex = serde_json::from_slice(&std::fs::read(record.join("index.json")).unwrap()).unwrap();
    index.check_chain().unwrap();
    for e in &index.entries {
        assert_eq!(file_digest(&std::fs::read(record.join(&e.path)).unwrap()), e.sha256, "{}", e.path);
    }
    let paths: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
    let layout = check_layout(&manifest, &paths).unwrap();
    assert_eq!(layout.partials, [vec![1, 3], vec![1, 3], vec![], vec![1, 3], vec![1, 3], vec![]]);
    assert_eq!(protocol::record::layout_paths(&manifest, &layout), paths);
    let south = paths.iter().position(|p| *p == "contest-2/district-2/input.list").unwrap();
    assert_eq!(paths[south + 1], "contest-2/district-2/answers.json");
    assert_eq!(layout.empty, [false, false, true, false, false, true]);
    // And the verifier agrees with every step (V1–V13).
    let report = verifier::verify::verify_record(&record, None, false);
    assert!(report.passed(), "{report}");
    let err = fails(finish(None));
    assert!(err.contains("is finished"), "{err}");
}

//! A 3-of-5 key ceremony run from the command line, each step a separate `tallier` process, the trustees
//! exchanging files in one directory; then decryption by two different sets of three trustees (each partial
//! decryption made with the trustee's library steps, as no command decrypts a list outside a verified record;
//! the combination by `tallier decrypt combine`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::Output;

use curve25519_dalek::ristretto::RistrettoPoint;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::EncryptionKey;
use protocol::manifest::example_manifest;
use protocol::shuffle::CiphertextList;
use protocol::threshold::PlaintextList;
use rand::rngs::OsRng;

mod common;
use common::{fails, ok, tallier};

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    dir: PathBuf,
    manifest: PathBuf,
}

impl Env {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        // Not created here: the first `trustee init` starts the ceremony folder, as the guide's first command does.
        let dir = root.join("ceremony");
        let mut m = example_manifest();
        m.trustees.count = 5;
        m.trustees.threshold = 3;
        let manifest = root.join("manifest.json");
        std::fs::write(&manifest, m.to_json_pretty()).unwrap();
        for i in 1..=5 {
            std::fs::write(root.join(format!("pass-{i}")), format!("correct horse battery {i}\n")).unwrap();
        }
        // The example manifest names the example officials' key (public: for tests only).
        let officials = protocol::roles::example_role_secrets(0).officials;
        let key = protocol::roles::secret_key_file(protocol::roles::Role::Officials, &officials);
        std::fs::write(root.join("officials.key"), key.as_bytes()).unwrap();
        Self { _tmp: tmp, root, dir, manifest }
    }
    /// `tallier keys close` with the officials' key and `extra` arguments.
    fn close(&self, extra: &[&str]) -> Output {
        let (manifest, dir, key) =
            (self.manifest.to_str().unwrap(), self.dir.to_str().unwrap(), self.p("officials.key"));
        let mut args = vec!["keys", "close", "--manifest", manifest, "--dir", dir, "--key", &key];
        args.extend(extra);
        tallier(&args)
    }
    fn status(&self) -> String {
        ok(tallier(&[
            "trustee",
            "status",
            "--manifest",
            self.manifest.to_str().unwrap(),
            "--dir",
            self.dir.to_str().unwrap(),
        ]))
    }
    fn combine(&self) -> Output {
        let (manifest, dir) = (self.manifest.to_str().unwrap(), self.dir.to_str().unwrap());
        tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &self.p("election-key.json")])
    }
    fn p(&self, name: &str) -> String {
        self.root.join(name).to_str().unwrap().to_string()
    }
    fn trustee(&self, cmd: &str, i: u16, extra: &[&str]) -> Output {
        let (manifest, dir) = (self.manifest.to_str().unwrap(), self.dir.to_str().unwrap());
        let (secret, pass) = (self.p(&format!("secret-{i}.json")), self.p(&format!("pass-{i}")));
        let mut args = vec!["trustee", cmd, "--manifest", manifest, "--dir", dir, "--secret", &secret];
        args.extend(["--passphrase-file", &pass]);
        args.extend(extra);
        tallier(&args)
    }
}

/// Trustee `i`'s partial decryption of the list at `list`, written to `out`, by the library: the trustee's
/// secret opened with its passphrase, its share checked against the ceremony (the command line only decrypts a
/// record it verified, `trustee decrypt --record`).
fn partial(env: &Env, i: u16, list: &Path, out: &str) {
    use tallier::ceremony_dir::{ceremony_params, Transcript};
    use tallier::trustee::{open_secret, PassphraseSource};
    let m = tallier::setup::read_manifest(&env.manifest).unwrap();
    let params = ceremony_params(&m).unwrap();
    let pass = PassphraseSource::new(Some(env.root.join(format!("pass-{i}"))));
    let s = open_secret(&env.root.join(format!("secret-{i}.json")), &params, &pass).unwrap();
    let (_, outcome) = Transcript::read(&env.dir).unwrap().verify(&params).unwrap();
    let share = s.key_share(&outcome).unwrap();
    let l = tallier::mix::read_list(list).unwrap();
    let fp = m.fingerprint(&outcome.election_key);
    let p = protocol::threshold::PartialDecryption::create(&params, &fp, i, &share, &s.signing_key(), &l, &mut OsRng)
        .unwrap();
    std::fs::write(out, p.to_bytes()).unwrap();
}

fn ceremony(env: &Env) {
    for i in 1..=5u16 {
        ok(env.trustee("init", i, &["--trustee", &i.to_string()]));
    }
    for i in 1..=5 {
        ok(env.trustee("deal", i, &[]));
    }
    for i in 1..=5 {
        ok(env.trustee("confirm", i, &[]));
    }
    ok(env.close(&[]));
    for i in 1..=5 {
        ok(env.trustee("reveal", i, &[]));
    }
}

fn list_for(env: &Env, key_file: &Path) -> (PathBuf, Vec<RistrettoPoint>) {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    let key: protocol::PublicKey = serde_json::from_value(v["election_public_key"].clone()).unwrap();
    let ek = EncryptionKey::new(key);
    let ms: Vec<RistrettoPoint> = (0..6).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let list = CiphertextList::from_flat(2, ek.encrypt_vector(&ms, &mut OsRng).0).unwrap();
    let path = env.root.join("list.bin");
    std::fs::write(&path, list.to_bytes()).unwrap();
    (path, ms)
}

#[test]
fn three_of_five_ceremony_and_decryption_by_two_subsets() {
    let env = Env::new();
    ceremony(&env);
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    let key_file = env.p("election-key.json");
    let out = ok(tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &key_file]));
    assert!(out.contains("[1, 2, 3, 4, 5]"), "{out}");
    // The secret files hold no clear secret: they are sealed JSON.
    let sealed = std::fs::read_to_string(env.root.join("secret-1.json")).unwrap();
    assert!(sealed.contains("argon2id") && sealed.contains("ciphertext"));

    let (list, ms) = list_for(&env, Path::new(&key_file));
    let list_s = list.to_str().unwrap();
    // No command decrypts a loose list: only a record the trustee verified.
    let secret = env.p("secret-1.json");
    let err = fails(tallier(&["trustee", "decrypt", "--secret", &secret, "--input", list_s]));
    assert!(err.contains("unexpected argument '--input'"), "{err}");
    for i in 1..=5u16 {
        partial(&env, i, &list, &env.p(&format!("partial-{i}.bin")));
    }
    for subset in [[1u16, 2, 3], [2, 4, 5]] {
        let plain = env.p(&format!("plain-{}{}{}.bin", subset[0], subset[1], subset[2]));
        let mut args =
            vec!["decrypt", "combine", "--manifest", manifest, "--dir", dir, "--input", list_s, "--out", &plain];
        let partials: Vec<String> = subset.iter().map(|i| env.p(&format!("partial-{i}.bin"))).collect();
        for p in &partials {
            args.extend(["--partial", p]);
        }
        let out = ok(tallier(&args));
        assert!(out.contains(&format!("{subset:?}")), "{out}");
        let got = PlaintextList::from_bytes(&std::fs::read(&plain).unwrap()).unwrap();
        assert_eq!(got.width, 2);
        assert_eq!(got.points.iter().map(|p| *p.point()).collect::<Vec<_>>(), ms);
    }
    // Two partial decryptions are not enough.
    let plain = env.p("plain-2.bin");
    let (p1, p2) = (env.p("partial-1.bin"), env.p("partial-2.bin"));
    let err = fails(tallier(&[
        "decrypt",
        "combine",
        "--manifest",
        manifest,
        "--dir",
        dir,
        "--input",
        list_s,
        "--out",
        &plain,
        "--partial",
        &p1,
        "--partial",
        &p2,
    ]));
    assert!(err.contains("2 valid partial decryptions, 3 are needed"), "{err}");
    assert!(!Path::new(&plain).exists());
    // A partial decryption altered after signing is refused and its trustee named.
    let mut bytes = std::fs::read(&p2).unwrap();
    let last = bytes.len() - 70;
    bytes[last] ^= 1;
    let p2_bad = env.p("partial-2-bad.bin");
    std::fs::write(&p2_bad, bytes).unwrap();
    let p3 = env.p("partial-3.bin");
    let out = tallier(&[
        "decrypt",
        "combine",
        "--manifest",
        manifest,
        "--dir",
        dir,
        "--input",
        list_s,
        "--out",
        &plain,
        "--partial",
        &p1,
        "--partial",
        &p2_bad,
        "--partial",
        &p3,
    ]);
    let err = fails(out);
    assert!(err.contains("trustee 2"), "{err}");
}

#[test]
fn wrong_passphrase_is_a_clear_error_and_overwrites_nothing() {
    let env = Env::new();
    ok(env.trustee("init", 1, &["--trustee", "1"]));
    let before = std::fs::read(env.root.join("secret-1.json")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.root.join("secret-1.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the sealed secret is readable by its owner only");
    }
    std::fs::write(env.root.join("pass-1"), "not the passphrase").unwrap();
    let err = fails(env.trustee("deal", 1, &[]));
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!env.dir.join("dealing-1.json").exists());
    assert_eq!(std::fs::read(env.root.join("secret-1.json")).unwrap(), before);
    // init refuses to overwrite an existing secret.
    let err = fails(env.trustee("init", 1, &["--trustee", "1"]));
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(std::fs::read(env.root.join("secret-1.json")).unwrap(), before);
}

#[test]
fn tampered_ceremony_file_is_refused_with_the_trustee_named() {
    let env = Env::new();
    ceremony(&env);
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    // Trustee 3's reveal altered after signing.
    let path = env.dir.join("reveal-3.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["message"]["values"][1] = v["message"]["values"][0].clone();
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let err = fails(env.combine());
    assert!(err.contains("trustee 3: signature does not verify"), "{err}");
    std::fs::write(&path, &text).unwrap();
    // Trustee 2's dealing replaced after the close (re-dealt): refused, naming it, with the way out.
    let dealing = env.dir.join("dealing-2.json");
    let original = std::fs::read(&dealing).unwrap();
    std::fs::remove_file(&dealing).unwrap();
    let err = fails(env.combine());
    assert!(err.contains("closed the ceremony with the dealing of trustee 2, and that file is missing"), "{err}");
    assert!(err.contains("put back the dealing-2.json"), "{err}");
    std::fs::write(&dealing, original).unwrap();
    // A manifest for another election: every file is a replay.
    let mut m = example_manifest();
    m.trustees.count = 5;
    m.trustees.threshold = 3;
    m.election_id = "another-election".into();
    let other = env.p("other.json");
    std::fs::write(&other, m.to_json_pretty()).unwrap();
    let key_file = env.p("election-key.json");
    let err = fails(tallier(&["keys", "combine", "--manifest", &other, "--dir", dir, "--out", &key_file]));
    assert!(err.contains("another election"), "{err}");
    ok(tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &key_file]));
}

/// Every round refuses to run until its inputs are complete, says which files are missing and what to run;
/// `trustee status` says where the ceremony stands.
#[test]
fn every_round_waits_for_its_inputs_and_says_what_to_run() {
    let env = Env::new();
    for i in 1..=4u16 {
        ok(env.trustee("init", i, &["--trustee", &i.to_string()]));
    }
    assert!(env.status().contains("waiting for the announcements of trustees 5"), "{}", env.status());
    let err = fails(env.trustee("deal", 1, &[]));
    assert!(err.contains("announcement-5.json missing") && err.contains("--without 5"), "{err}");
    ok(env.trustee("init", 5, &["--trustee", "5"]));
    assert!(env.status().contains("every trustee runs `tallier trustee deal`"), "{}", env.status());
    // Confirming before the dealings are in: refused (it used to exit 0 with "0 complaints").
    let err = fails(env.trustee("confirm", 1, &[]));
    assert!(
        err.contains("dealing-1.json, dealing-2.json, dealing-3.json, dealing-4.json, dealing-5.json missing"),
        "{err}"
    );
    assert!(!env.dir.join("confirmation-1.json").exists());
    for i in 1..=5 {
        ok(env.trustee("deal", i, &[]));
    }
    // Announcing after the dealings: refused, with the reason.
    let (manifest, dir, pass) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap(), env.p("pass-5"));
    let other = env.p("another-secret.json");
    let late = ["trustee", "init", "--manifest", manifest, "--dir", dir, "--secret", &other, "--trustee", "5"];
    let err = fails(tallier(&[&late[..], &["--passphrase-file", &pass]].concat()));
    assert!(err.contains("too late to announce: trustees 1, 2, 3, 4 and 5 have already dealt"), "{err}");
    assert!(!Path::new(&other).exists());
    // Revealing or combining before the close: refused, with the next step.
    let err = fails(env.trustee("reveal", 1, &[]));
    assert!(err.contains("have not closed rounds 1 to 3") && err.contains("tallier keys close"), "{err}");
    for i in 1..=4 {
        ok(env.trustee("confirm", i, &[]));
    }
    let err = fails(env.close(&[]));
    assert!(err.contains("confirmation-5.json missing") && err.contains("--without 5"), "{err}");
    assert!(env.status().contains("waiting for the confirmations of trustees 5"), "{}", env.status());
    // The officials leave trustee 5's confirmation out explicitly; a later one is refused.
    let out = ok(env.close(&["--without", "5"]));
    assert!(out.contains("qualified trustees [1, 2, 3, 4, 5]"), "{out}");
    let err = fails(env.trustee("confirm", 5, &[]));
    assert!(err.contains("already closed"), "{err}");
    // Trustee 2 never reveals: combine says so and what to run.
    for i in [1u16, 3, 4, 5] {
        ok(env.trustee("reveal", i, &[]));
    }
    let err = fails(env.combine());
    assert!(err.contains("trustee 2 is in the qualified set but has not revealed"), "{err}");
    assert!(err.contains("tallier trustee recover --for 2"), "{err}");
    assert!(env.status().contains("recover --for 2"), "{}", env.status());
    // Recovering a trustee who revealed is refused; t = 3 others recover trustee 2, and the ceremony ends.
    let err = fails(env.trustee("recover", 1, &["--for", "3"]));
    assert!(err.contains("trustee 3 has revealed, and its reveal is valid"), "{err}");
    for i in [1u16, 3, 4] {
        ok(env.trustee("recover", i, &["--for", "2"]));
    }
    let out = env.combine();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rebuilt from the others' recoveries: trustees [2]"),
        "{out:?}"
    );
    ok(out);
    assert!(env.status().contains("complete: election key"), "{}", env.status());
}

#[test]
fn an_absent_dealer_is_left_out_and_the_election_still_ends() {
    let env = Env::new();
    for i in 1..=5u16 {
        ok(env.trustee("init", i, &["--trustee", &i.to_string()]));
    }
    // Trustee 5 never deals; the others confirm without it, explicitly.
    for i in 1..=4 {
        ok(env.trustee("deal", i, &[]));
    }
    for i in 1..=5 {
        let out = env.trustee("confirm", i, &["--without", "5"]);
        if i < 5 {
            assert!(String::from_utf8_lossy(&out.stderr).contains("trustee 5: dealing message missing"));
        }
        ok(out);
    }
    let out = env.close(&[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("disqualified: trustee 5: dealing message missing"));
    ok(out);
    for i in 1..=4 {
        ok(env.trustee("reveal", i, &[]));
    }
    assert!(ok(env.trustee("reveal", 5, &[])).contains("trustee 5 is not in the qualified set"));
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    let key_file = env.p("election-key.json");
    let out = env.combine();
    assert!(String::from_utf8_lossy(&out.stderr).contains("disqualified: trustee 5: dealing message missing"));
    assert!(ok(out).contains("[1, 2, 3, 4]"));
    // Trustee 5 still holds a share of the key the others dealt, and decrypts with trustees 1 and 3.
    let (list, ms) = list_for(&env, Path::new(&key_file));
    let list_s = list.to_str().unwrap();
    let plain = env.p("plain.bin");
    let mut args = vec!["decrypt", "combine", "--manifest", manifest, "--dir", dir, "--input", list_s, "--out", &plain];
    let partials: Vec<String> = [1u16, 3, 5].iter().map(|i| env.p(&format!("partial-{i}.bin"))).collect();
    for (i, p) in [1u16, 3, 5].iter().zip(&partials) {
        partial(&env, *i, &list, p);
        args.extend(["--partial", p]);
    }
    ok(tallier(&args));
    let got = PlaintextList::from_bytes(&std::fs::read(&plain).unwrap()).unwrap();
    assert_eq!(got.points.iter().map(|p| *p.point()).collect::<Vec<_>>(), ms);
}

#[test]
fn a_trustee_absent_from_round_one_is_left_out_and_the_others_finish() {
    let env = Env::new();
    let present = [1u16, 3, 4, 5];
    for i in present {
        ok(env.trustee("init", i, &["--trustee", &i.to_string()]));
    }
    // A trustee who dealt before every announcement was in dealt to another roster: the next dealer is told.
    let early = env.dir.join("announcement-5.json");
    let held = std::fs::read(&early).unwrap();
    std::fs::remove_file(&early).unwrap();
    ok(env.trustee("deal", 4, &["--without", "2", "--without", "5"]));
    std::fs::write(&early, held).unwrap();
    let err = fails(env.trustee("deal", 1, &["--without", "2"]));
    assert!(err.contains("trustee 4 has already dealt to another set of trustees"), "{err}");
    std::fs::remove_file(env.dir.join("dealing-4.json")).unwrap();
    for i in present {
        let out = env.trustee("deal", i, &["--without", "2"]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("trustees [2] sent no announcement"), "{out:?}");
        ok(out);
    }
    // Trustee 2 cannot join late.
    let err = fails(env.trustee("init", 2, &["--trustee", "2"]));
    assert!(err.contains("too late to announce") && err.contains("trustee 2 takes no part"), "{err}");
    for i in present {
        let out = env.trustee("confirm", i, &[]);
        assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{out:?}");
        ok(out);
    }
    ok(env.close(&[]));
    for i in present {
        ok(env.trustee("reveal", i, &[]));
    }
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    let key_file = env.p("election-key.json");
    let out = env.combine();
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent (no announcement, took no part): trustees [2]"));
    assert!(ok(out).contains("from trustees [1, 3, 4, 5]"));
    // Any three of the others decrypt.
    let (list, ms) = list_for(&env, Path::new(&key_file));
    let list_s = list.to_str().unwrap();
    for (k, who) in [[1u16, 4, 5], [3, 4, 5]].iter().enumerate() {
        let plain = env.p(&format!("plain-{k}.bin"));
        let mut args =
            vec!["decrypt", "combine", "--manifest", manifest, "--dir", dir, "--input", list_s, "--out", &plain];
        let partials: Vec<String> = who.iter().map(|i| env.p(&format!("partial-{k}-{i}.bin"))).collect();
        for (i, p) in who.iter().zip(&partials) {
            partial(&env, *i, &list, p);
            args.extend(["--partial", p]);
        }
        ok(tallier(&args));
        let got = PlaintextList::from_bytes(&std::fs::read(&plain).unwrap()).unwrap();
        assert_eq!(got.points.iter().map(|p| *p.point()).collect::<Vec<_>>(), ms);
    }
}

/// Without a passphrase file or variable, a trustee types the passphrase at a hidden prompt on its terminal
/// (twice for a new secret; a mismatch writes nothing); without a terminal the command says how else to give it.
/// The terminal is a real pseudo-terminal made by util-linux's `script`.
#[test]
fn the_passphrase_is_typed_at_a_hidden_prompt() {
    let env = Env::new();
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    let secret = env.p("secret-1.json");
    let init = ["trustee", "init", "--manifest", manifest, "--secret", &secret, "--dir", dir, "--trustee", "1"];
    let err = fails(tallier(&init));
    assert!(err.contains("run this on a terminal") && err.contains("--passphrase-file"), "{err}");
    if std::process::Command::new("script").arg("--version").output().is_err() {
        panic!("util-linux `script` is needed for this test (apt-get install util-linux)");
    }
    let on_terminal = |typed: &str| {
        let cmd = format!("{} {}", common::BIN, init.join(" "));
        let mut child = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("TALLIER_PASSPHRASE")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), typed.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (done, shown) = on_terminal("correct horse 1\ncorrect horse 2\n");
    assert!(!done && shown.contains("the two passphrases differ"), "{shown}");
    assert!(!Path::new(&secret).exists());
    let (done, shown) = on_terminal("correct horse 1\ncorrect horse 1\n");
    assert!(done, "{shown}");
    // What was typed before the prompt appeared may be echoed by the terminal; nothing after the prompt is.
    let after = shown.split_once("New passphrase").map(|(_, rest)| rest).unwrap_or_default();
    assert!(!after.is_empty() && !after.contains("correct horse"), "echoed: {shown}");
    assert!(Path::new(&secret).exists() && env.dir.join("announcement-1.json").exists());
}

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
        let dir = root.join("ceremony");
        std::fs::create_dir(&dir).unwrap();
        let mut m = example_manifest();
        m.trustees.count = 5;
        m.trustees.threshold = 3;
        let manifest = root.join("manifest.json");
        std::fs::write(&manifest, m.to_json_pretty()).unwrap();
        for i in 1..=5 {
            std::fs::write(root.join(format!("pass-{i}")), format!("correct horse battery {i}\n")).unwrap();
        }
        Self { _tmp: tmp, root, dir, manifest }
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
    use tallier::trustee::{ceremony_params, open_secret, PassphraseSource, Transcript};
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
        ok(env.trustee("commit", i, &[]));
    }
    for i in 1..=5 {
        ok(env.trustee("deal", i, &[]));
    }
    for i in 1..=5 {
        ok(env.trustee("confirm", i, &[]));
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
    let err = fails(env.trustee("commit", 1, &[]));
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!env.dir.join("commitment-1.json").exists());
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
    // Trustee 3's commitment altered after signing.
    let path = env.dir.join("commitment-3.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let h = v["message"]["reveal_hash"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if h.starts_with('0') { "1" } else { "0" }, &h[1..]);
    v["message"]["reveal_hash"] = serde_json::Value::String(flipped);
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let key_file = env.p("election-key.json");
    let err = fails(tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &key_file]));
    assert!(err.contains("trustee 3: signature does not verify"), "{err}");
    std::fs::write(&path, text).unwrap();
    // A manifest for another election: every file is a replay.
    let mut m = example_manifest();
    m.trustees.count = 5;
    m.trustees.threshold = 3;
    m.election_id = "another-election".into();
    let other = env.p("other.json");
    std::fs::write(&other, m.to_json_pretty()).unwrap();
    let err = fails(tallier(&["keys", "combine", "--manifest", &other, "--dir", dir, "--out", &key_file]));
    assert!(err.contains("another election"), "{err}");
    ok(tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &key_file]));
}

#[test]
fn an_absent_dealer_is_left_out_and_the_election_still_ends() {
    let env = Env::new();
    for i in 1..=5u16 {
        ok(env.trustee("init", i, &["--trustee", &i.to_string()]));
    }
    for i in 1..=5u16 {
        ok(env.trustee("commit", i, &[]));
    }
    // Trustee 5 never deals.
    for i in 1..=4 {
        ok(env.trustee("deal", i, &[]));
    }
    for i in 1..=5 {
        let out = env.trustee("confirm", i, &[]);
        if i < 5 {
            assert!(String::from_utf8_lossy(&out.stderr).contains("trustee 5: dealing message missing"));
        }
        ok(out);
    }
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    let key_file = env.p("election-key.json");
    let out = tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &key_file]);
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
    for i in present {
        let out = env.trustee("commit", i, &[]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("trustees [2] sent no announcement"), "{out:?}");
        ok(out);
    }
    // A trustee's commitment made before every announcement was in names another roster: dealing stops.
    let early = env.dir.join("announcement-5.json");
    let held = std::fs::read(&early).unwrap();
    std::fs::remove_file(&early).unwrap();
    std::fs::remove_file(env.dir.join("commitment-4.json")).unwrap();
    ok(env.trustee("commit", 4, &[]));
    std::fs::write(&early, held).unwrap();
    assert!(fails(env.trustee("deal", 1, &[])).contains("trustee 4: committed for another set of announcements"));
    std::fs::remove_file(env.dir.join("commitment-4.json")).unwrap();
    ok(env.trustee("commit", 4, &[]));
    for i in present {
        ok(env.trustee("deal", i, &[]));
    }
    for i in present {
        let out = env.trustee("confirm", i, &[]);
        assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{out:?}");
        ok(out);
    }
    let (manifest, dir) = (env.manifest.to_str().unwrap(), env.dir.to_str().unwrap());
    let key_file = env.p("election-key.json");
    let out = tallier(&["keys", "combine", "--manifest", manifest, "--dir", dir, "--out", &key_file]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent (no announcement, took no part): trustees [2]"));
    assert!(ok(out).contains("from trustees [1, 3, 4, 5]"));
    // Trustee 2 cannot join late.
    let late = env.trustee("init", 2, &["--trustee", "2"]);
    ok(late);
    std::fs::remove_file(env.dir.join("announcement-2.json")).unwrap();
    assert!(fails(env.trustee("deal", 2, &[])).contains("trustee 2: absent"));
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

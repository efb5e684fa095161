//! `verifier ceremony` and `verifier decryption` on a 3-of-5 ceremony written by the protocol library, honest
//! and tampered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::Command;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use protocol::codec::Encode;
use protocol::elgamal::EncryptionKey;
use protocol::manifest::{example_manifest, Manifest};
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{
    combine, verify_ceremony, verify_partial_decryptions, CeremonyFiles, CeremonyParams, CiphertextList,
    PartialDecryption, TrusteeSecret,
};
use rand::rngs::OsRng;

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    dir: PathBuf,
    secrets: Vec<TrusteeSecret>,
    params: CeremonyParams,
    manifest: Manifest,
}

fn fixture() -> Fixture {
    fixture_without(&[])
}

/// A 3-of-5 ceremony's files; the trustees in `absent` never announced, so sent nothing.
fn fixture_without(absent: &[u16]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let dir = root.join("ceremony");
    std::fs::create_dir(&dir).unwrap();
    let mut manifest = example_manifest();
    manifest.trustees.count = 5;
    manifest.trustees.threshold = 3;
    std::fs::write(root.join("manifest.json"), manifest.to_json_pretty()).unwrap();
    let params = CeremonyParams::from_manifest(&manifest).unwrap();
    let officials = protocol::roles::example_role_secrets(0).officials;
    let SimulatedCeremony { secrets, files, .. } =
        SimulatedCeremony::run(&params, &officials, absent, &mut OsRng).unwrap();
    for (name, bytes) in files.to_named() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    Fixture { _tmp: tmp, root, dir, secrets, params, manifest }
}

fn verifier(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

impl Fixture {
    fn s(&self, name: &str) -> String {
        self.root.join(name).to_str().unwrap().to_string()
    }
    fn ceremony(&self) -> (bool, String) {
        verifier(&["ceremony", "--manifest", &self.s("manifest.json"), self.dir.to_str().unwrap()])
    }
    /// A list, three partial decryptions (trustees 1, 3, 5) and the plaintexts; returns the file names.
    fn decryption(&self, tamper: impl Fn(u16, &mut PartialDecryption)) -> Vec<String> {
        let outcome = verify_ceremony(&self.params, &read(&self.dir)).unwrap();
        let ek = EncryptionKey::new(outcome.election_key);
        let ms: Vec<RistrettoPoint> = (0..8).map(|_| protocol::group::random_point(&mut OsRng)).collect();
        let list = CiphertextList::from_flat(2, ek.encrypt_vector(&ms, &mut OsRng).0).unwrap();
        std::fs::write(self.root.join("list.bin"), list.to_bytes()).unwrap();
        let fp = self.manifest.fingerprint(&outcome.election_key);
        let mut ps = Vec::new();
        for j in [1u16, 3, 5] {
            let s = &self.secrets[usize::from(j) - 1];
            let share = s.key_share(&outcome).unwrap();
            let mut p =
                PartialDecryption::create(&self.params, &fp, j, &share, &s.signing_key(), &list, &mut OsRng).unwrap();
            let mut m = p.message.clone();
            tamper(j, &mut m);
            if m != p.message {
                p = s.signing_key().sign(m);
            }
            std::fs::write(self.root.join(format!("partial-{j}.bin")), p.to_bytes()).unwrap();
            ps.push(p);
        }
        // The honest combination, written whatever the tampering (the verifier must catch it).
        let roster = outcome.roster.clone();
        let good: Vec<_> = ps.into_iter().collect();
        let v = verify_partial_decryptions(&self.params, &fp, &roster, &outcome, &list, good, &mut OsRng).unwrap();
        if let Ok(plain) = combine(&self.params, &v, &list) {
            std::fs::write(self.root.join("plain.bin"), plain.to_bytes()).unwrap();
        } else {
            // A well-formed list of no rows (width 1), so the check that fails is the one under test.
            std::fs::write(self.root.join("plain.bin"), [0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        }
        let mut args: Vec<String> =
            ["decryption", "--manifest", &self.s("manifest.json"), "--dir"].iter().map(|s| s.to_string()).collect();
        args.push(self.dir.to_str().unwrap().into());
        args.extend(["--input".into(), self.s("list.bin"), "--plaintext".into(), self.s("plain.bin")]);
        for j in [1, 3, 5] {
            args.extend(["--partial".into(), self.s(&format!("partial-{j}.bin"))]);
        }
        args
    }
}

fn read(dir: &Path) -> CeremonyFiles {
    let mut named = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        named.push((p.file_name().unwrap().to_str().unwrap().to_string(), std::fs::read(&p).unwrap()));
    }
    CeremonyFiles::parse(&named).unwrap()
}

fn run(args: &[String]) -> (bool, String) {
    verifier(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_ceremony_with_a_trustee_absent_from_round_one_passes_and_names_it() {
    let f = fixture_without(&[2]);
    let (ok, out) = f.ceremony();
    assert!(ok, "{out}");
    assert!(row(&out, "KC3", "PASS") && out.contains("absent (no announcement, took no part): [2]"), "{out}");
    assert!(out.contains("qualified trustees [1, 3, 4, 5]"), "{out}");
    // A file in the absent trustee's name, added afterwards, is refused.
    let reveal = std::fs::read_to_string(f.dir.join("reveal-1.json")).unwrap();
    std::fs::write(f.dir.join("reveal-2.json"), reveal.replace("\"trustee\": 1", "\"trustee\": 2")).unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && out.contains("trustee 2: absent"), "{out}");
}

#[test]
fn honest_ceremony_and_decryption_pass() {
    let f = fixture();
    let (ok, out) = f.ceremony();
    assert!(ok, "{out}");
    assert!(row(&out, "KC5", "PASS") && out.contains("RESULT: PASS"), "{out}");
    assert!(row(&out, "KC1", "PASS") && row(&out, "KC6", "PASS"), "{out}");
    let args = f.decryption(|_, _| {});
    let (ok, out) = run(&args);
    assert!(ok, "{out}");
    assert!(row(&out, "DC3", "PASS"), "{out}");
    println!("{out}");
}

#[test]
fn tampered_files_fail_with_the_trustee_named() {
    let f = fixture();
    // A dealing altered after signing.
    let path = f.dir.join("dealing-4.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["message"]["shares"][0]["recipient"] = serde_json::json!(3);
    std::fs::write(&path, v.to_string()).unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok);
    assert!(row(&out, "KC4", "FAIL") && out.contains("trustee 4: signature does not verify"), "{out}");
    std::fs::write(&path, &text).unwrap();
    // The identity as a share's ephemeral key (the attack on complaints): refused by the decoder, naming the file,
    // the trustee and the field.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["message"]["shares"][0]["ephemeral"] = serde_json::json!("00".repeat(32));
    std::fs::write(&path, v.to_string()).unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && row(&out, "KC2", "FAIL"), "{out}");
    assert!(
        out.contains("dealing-4.json: trustee 4's dealing: share.ephemeral: the identity point is not allowed here"),
        "{out}"
    );
    std::fs::write(&path, text).unwrap();
    // A malformed confirmation file.
    let conf = f.dir.join("confirmation-5.json");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, "{}").unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && row(&out, "KC2", "FAIL") && out.contains("confirmation-5.json: trustee 5's confirmation"), "{out}");
    std::fs::write(&conf, text).unwrap();
    // A lost confirmation, which the close names: the report says which file, and that it must come back.
    let confirmation = f.dir.join("confirmation-2.json");
    let text = std::fs::read_to_string(&confirmation).unwrap();
    std::fs::remove_file(&confirmation).unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && row(&out, "KC4", "FAIL"), "{out}");
    assert!(out.contains("closed the ceremony with the confirmation of trustee 2, and that file is missing"), "{out}");
    std::fs::write(&confirmation, text).unwrap();
    // A lost reveal: the report says how many recoveries are in.
    let reveal = f.dir.join("reveal-3.json");
    let text = std::fs::read_to_string(&reveal).unwrap();
    std::fs::remove_file(&reveal).unwrap();
    let (ok, out) = f.ceremony();
    assert!(
        !ok && row(&out, "KC5", "FAIL") && out.contains("trustee 3 is in the qualified set but has not revealed"),
        "{out}"
    );
    std::fs::write(&reveal, text).unwrap();
    // A partial decryption with a wrong proof, re-signed by its trustee.
    let args = f.decryption(|j, p| {
        if j == 3 {
            p.proof.s += Scalar::ONE;
        }
    });
    let (ok, out) = run(&args);
    assert!(!ok);
    assert!(row(&out, "DC2", "FAIL") && out.contains("trustee 3: the partial decryption's proof fails"), "{out}");
    // A wrong plaintext list.
    let _ = f.decryption(|_, _| {});
    let mut bytes = std::fs::read(f.root.join("plain.bin")).unwrap();
    let tail = bytes.len() - 32;
    bytes[tail..].copy_from_slice(&protocol::group::random_point(&mut OsRng).compress().to_bytes());
    std::fs::write(f.root.join("plain.bin"), bytes).unwrap();
    let (ok, out) = run(&args);
    assert!(!ok && row(&out, "DC3", "FAIL"), "{out}");
    // Garbage input never panics.
    std::fs::write(f.root.join("list.bin"), [1, 2, 3]).unwrap();
    let (ok, out) = run(&args);
    assert!(!ok && row(&out, "DC1", "FAIL") && !out.contains("panicked"), "{out}");
}

/// The report has a row for check `id` with this status.
fn row(report: &str, id: &str, status: &str) -> bool {
    report.lines().any(|l| l.starts_with(id) && l.contains(status))
}

/// The published election key file (KC7): passes when it states the transcript's key, verification keys and
/// fingerprint; fails when any of them differs.
#[test]
fn the_published_election_key_file_is_checked_against_the_transcript() {
    let f = fixture();
    let outcome = verify_ceremony(&f.params, &read(&f.dir)).unwrap();
    let good = serde_json::json!({
        "election_public_key": hex::encode(outcome.election_key.element().to_bytes()),
        "verification_keys": outcome.verification_keys.iter().map(|k| hex::encode(k.to_bytes())).collect::<Vec<_>>(),
        "fingerprint": f.manifest.fingerprint(&outcome.election_key).to_hex(),
    });
    let key_file = f.root.join("election-key.json");
    let with_key = |v: &serde_json::Value| {
        std::fs::write(&key_file, v.to_string()).unwrap();
        verifier(&[
            "ceremony",
            "--manifest",
            &f.s("manifest.json"),
            "--key",
            &f.s("election-key.json"),
            f.dir.to_str().unwrap(),
        ])
    };
    let (ok, out) = with_key(&good);
    assert!(ok && row(&out, "KC7", "PASS"), "{out}");
    for field in ["election_public_key", "fingerprint"] {
        let mut bad = good.clone();
        bad[field] = serde_json::Value::String("00".repeat(32));
        let (ok, out) = with_key(&bad);
        assert!(!ok && row(&out, "KC7", "FAIL"), "{field}: {out}");
    }
}

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
use protocol::threshold::ceremony::Roster;
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{
    combine, verify_ceremony, verify_partial_decryptions, CeremonyParams, CiphertextList, PartialDecryption,
    TrusteeSecret,
};
use rand::rngs::OsRng;
use serde::Serialize;

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    dir: PathBuf,
    secrets: Vec<TrusteeSecret>,
    params: CeremonyParams,
    manifest: Manifest,
}

fn write_json<T: Serialize>(path: &Path, v: &T) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
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
    let SimulatedCeremony {
        secrets,
        announcements: anns,
        commitments: commits,
        dealings: deals,
        confirmations: confs,
        ..
    } = SimulatedCeremony::run(&params, absent, &mut OsRng).unwrap();
    for (k, a) in anns.iter().enumerate() {
        let i = a.message.trustee;
        write_json(&dir.join(format!("announcement-{i}.json")), a);
        write_json(&dir.join(format!("commitment-{i}.json")), &commits[k]);
        write_json(&dir.join(format!("dealing-{i}.json")), &deals[k]);
        write_json(&dir.join(format!("confirmation-{i}.json")), &confs[k]);
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
        let anns = read(&self.dir, "announcement");
        let outcome = verify_ceremony(
            &self.params,
            &anns,
            &read(&self.dir, "commitment"),
            &read(&self.dir, "dealing"),
            &read(&self.dir, "confirmation"),
        )
        .unwrap();
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
        let roster = Roster::new(&self.params, &anns).unwrap();
        let good: Vec<_> = ps.into_iter().collect();
        let v = verify_partial_decryptions(&self.params, &fp, &roster, &outcome, &list, good, &mut OsRng).unwrap();
        if let Ok(plain) = combine(&self.params, &v, &list) {
            std::fs::write(self.root.join("plain.bin"), plain.to_bytes()).unwrap();
        } else {
            std::fs::write(self.root.join("plain.bin"), [0u8; 8]).unwrap();
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

fn read<M: serde::de::DeserializeOwned>(dir: &Path, kind: &str) -> Vec<protocol::threshold::Signed<M>> {
    (1..=5)
        .map(|i| serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{kind}-{i}.json"))).unwrap()).unwrap())
        .collect()
}

fn run(args: &[String]) -> (bool, String) {
    verifier(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_ceremony_with_a_trustee_absent_from_round_one_passes_and_names_it() {
    let f = fixture_without(&[2]);
    let (ok, out) = f.ceremony();
    assert!(ok, "{out}");
    assert!(row(&out, "T.3", "PASS") && out.contains("absent (no announcement, took no part): [2]"), "{out}");
    assert!(out.contains("qualified trustees [1, 3, 4, 5]"), "{out}");
    // A file in the absent trustee's name, added afterwards, is refused.
    let dealing = std::fs::read_to_string(f.dir.join("dealing-1.json")).unwrap();
    std::fs::write(f.dir.join("dealing-2.json"), dealing.replace("\"trustee\": 1", "\"trustee\": 2")).unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && out.contains("trustee 2: absent"), "{out}");
}

#[test]
fn honest_ceremony_and_decryption_pass() {
    let f = fixture();
    let (ok, out) = f.ceremony();
    assert!(ok, "{out}");
    assert!(row(&out, "T.5", "PASS") && out.contains("RESULT: PASS"), "{out}");
    let args = f.decryption(|_, _| {});
    let (ok, out) = run(&args);
    assert!(ok, "{out}");
    assert!(row(&out, "D.3", "PASS"), "{out}");
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
    assert!(row(&out, "T.4", "FAIL") && out.contains("trustee 4: signature does not verify"), "{out}");
    std::fs::write(&path, text).unwrap();
    // A malformed confirmation file.
    let conf = f.dir.join("confirmation-5.json");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, "{}").unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && row(&out, "T.2", "FAIL") && out.contains("malformed confirmation file"), "{out}");
    std::fs::write(&conf, text).unwrap();
    // A lost announcement: its trustee counts as absent, so its other files are refused.
    let ann = f.dir.join("announcement-2.json");
    let text = std::fs::read_to_string(&ann).unwrap();
    std::fs::remove_file(&ann).unwrap();
    let (ok, out) = f.ceremony();
    assert!(!ok && row(&out, "T.4", "FAIL") && out.contains("trustee 2: absent"), "{out}");
    std::fs::write(&ann, text).unwrap();
    // A partial decryption with a wrong proof, re-signed by its trustee.
    let args = f.decryption(|j, p| {
        if j == 3 {
            p.proof.s += Scalar::ONE;
        }
    });
    let (ok, out) = run(&args);
    assert!(!ok);
    assert!(row(&out, "D.2", "FAIL") && out.contains("trustee 3: the partial decryption's proof fails"), "{out}");
    // A wrong plaintext list.
    let _ = f.decryption(|_, _| {});
    let mut bytes = std::fs::read(f.root.join("plain.bin")).unwrap();
    let tail = bytes.len() - 32;
    bytes[tail..].copy_from_slice(&protocol::group::random_point(&mut OsRng).compress().to_bytes());
    std::fs::write(f.root.join("plain.bin"), bytes).unwrap();
    let (ok, out) = run(&args);
    assert!(!ok && row(&out, "D.3", "FAIL"), "{out}");
    // Garbage input never panics.
    std::fs::write(f.root.join("list.bin"), [1, 2, 3]).unwrap();
    let (ok, out) = run(&args);
    assert!(!ok && row(&out, "D.1", "FAIL") && !out.contains("panicked"), "{out}");
}

/// The report has a row for check `id` with this status.
fn row(report: &str, id: &str, status: &str) -> bool {
    report.lines().any(|l| l.starts_with(id) && l.contains(status))
}

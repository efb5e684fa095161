//! `verifier mix` as a binary: exit code 0 and a PASS report on a good chain, a non-zero exit code and a FAIL
//! line (never a panic) on bad ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use protocol::codec::Encode;
use protocol::elgamal::{EncryptionKey, SecretKey};
use protocol::manifest::example_manifest;
use protocol::shuffle::{shuffle_and_prove, CiphertextList, Stage};
use protocol::Election;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

#[test]
fn verifier_cli_reports_and_exits() {
    let dir = std::env::temp_dir().join(format!("verifier-cli-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let key = SecretKey::generate(&mut rng).public_key();
    let mut manifest = example_manifest();
    manifest.roles = protocol::roles::example_roles(2);
    let json = serde_json::json!({ "manifest": manifest, "public_key": key });
    std::fs::write(dir.join("election.json"), json.to_string()).unwrap();
    let election = Election::new(manifest, key).unwrap();
    let ek = EncryptionKey::new(key);
    let ms: Vec<_> = (0..10).map(|_| protocol::group::random_point(&mut rng)).collect();
    let mut current = CiphertextList::from_flat(1, ek.encrypt_vector(&ms, &mut rng).0).unwrap();
    std::fs::write(dir.join("input.list"), current.to_bytes()).unwrap();
    for stage in 1..=2u32 {
        let mix = Stage { fingerprint: election.fingerprint(), key: &ek, contest: 0, stage };
        let (output, proof) = shuffle_and_prove(&mix, &current, &mut rng).unwrap();
        std::fs::write(dir.join(format!("stage-{stage}.list")), output.to_bytes()).unwrap();
        std::fs::write(dir.join(format!("stage-{stage}.proof")), proof.to_bytes()).unwrap();
        let digests = protocol::roles::StageDigests::of(&current.to_bytes(), &output.to_bytes(), &proof.to_bytes());
        let mix_key = &protocol::roles::example_role_secrets(2).mix[stage as usize - 1];
        let signature = protocol::roles::sign_stage(mix_key, election.fingerprint(), 0, stage as u16, &digests);
        std::fs::write(dir.join(format!("stage-{stage}.sig")), signature).unwrap();
        current = output;
    }
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_verifier"))
            .args(["mix", "--contest", "0"])
            .arg("--election")
            .arg(dir.join("election.json"))
            .arg("--input")
            .arg(dir.join("input.list"))
            .arg("--stage-dir")
            .arg(&dir)
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        line(&stdout, "MC0", "election file", "PASS") && line(&stdout, "MC1", "contest exists", "PASS"),
        "{stdout}"
    );
    assert!(line(&stdout, "MC2", "each proof verifies", "PASS"), "{stdout}");
    assert!(line(&stdout, "MC3", "number of stages", "PASS"), "{stdout}");
    assert!(stdout.contains("RESULT: PASS"));

    // A non-canonical point in stage 1's proof, then garbage: a FAIL line and exit code 1, never a panic.
    let proof1 = dir.join("stage-1.proof");
    let mut bytes = std::fs::read(&proof1).unwrap();
    bytes[16..48].copy_from_slice(&[0xff; 32]);
    std::fs::write(&proof1, &bytes).unwrap();
    for contents in [bytes, vec![1, 2, 3]] {
        std::fs::write(&proof1, contents).unwrap();
        let out = run();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(line(&stdout, "MC2", "each proof verifies", "FAIL"), "{stdout}");
        assert!(stdout.contains("stage 1: ") && stdout.contains("stage-1.proof does not decode"), "{stdout}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The report has a row for check `id` named `name` with this status.
fn line(report: &str, id: &str, name: &str, status: &str) -> bool {
    report.lines().any(|l| l.starts_with(id) && l.contains(name) && l.contains(status))
}

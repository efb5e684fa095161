//! The officials' key and their signed revocation list (SPEC.md §14.2).
//!
//! The officials' Ed25519 key signs the list of credentials whose voters voted on paper: their e-votes are removed
//! by step R3. The public key is published with the election, so that an observer can compare it with the one in
//! the record's `revocations.json`. The secret key stays on the officials' offline machine.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use ed25519_dalek::SigningKey;
use protocol::ballot::CredentialKey;
use protocol::record::RevocationList;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::files::{create_new, Access};

/// The secret key's file name in the output directory.
pub const SECRET_FILE: &str = "officials-key.hex";
/// The public key's file name in the output directory.
pub const PUBLIC_FILE: &str = "officials-key.pub";

/// `tallier setup officials-key`: a new Ed25519 key pair, `DIR/officials-key.hex` (the 32-byte secret seed in
/// hex, mode 0600) and `DIR/officials-key.pub` (the public key in hex). Returns the two paths.
pub fn generate_key<R: RngCore + CryptoRng>(dir: &Path, rng: &mut R) -> Result<(PathBuf, PathBuf)> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = protocol::generate_signing_key(rng);
    let (secret, public) = (dir.join(SECRET_FILE), dir.join(PUBLIC_FILE));
    if public.exists() {
        anyhow::bail!("{} already exists: refusing to replace the officials' key", public.display());
    }
    let hex_secret = Zeroizing::new(format!("{}\n", hex::encode(Zeroizing::new(key.to_bytes()))));
    create_new(&secret, hex_secret.as_bytes(), Access::OwnerOnly)?;
    create_new(&public, format!("{}\n", hex::encode(key.verifying_key().to_bytes())).as_bytes(), Access::Public)?;
    Ok((secret, public))
}

/// Reads the officials' secret key file (64 hex digits).
pub fn read_key(path: &Path) -> Result<SigningKey> {
    let text = Zeroizing::new(fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?);
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), seed.as_mut())
        .map_err(|_| anyhow!("{} is not an officials' key (64 hex digits)", path.display()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a JSON array of hex credential keys (the voters who voted on paper; may be empty).
pub fn read_credential_list(path: &Path) -> Result<Vec<CredentialKey>> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a JSON array of hex credential keys", path.display()))
}

/// `tallier revocations sign`: signs the list of paper voters' credentials for the election (eq. (R0)) and
/// writes `out` (which must not exist). Returns the list as written.
pub fn sign_revocations(election: &Path, key: &Path, credentials: &Path, out: &Path) -> Result<RevocationList> {
    let election = crate::mix::load_election(election)?;
    let key = read_key(key)?;
    let list = RevocationList::sign(&key, *election.fingerprint(), read_credential_list(credentials)?);
    let mut json = serde_json::to_vec_pretty(&list)?;
    json.push(b'\n');
    create_new(out, &json, Access::Public)?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::manifest::example_manifest;
    use rand_core::OsRng;

    #[test]
    fn key_files_sign_a_list_that_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let (secret, public) = generate_key(dir.path(), &mut OsRng).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(generate_key(dir.path(), &mut OsRng).is_err(), "a key is never replaced");
        let key = read_key(&secret).unwrap();
        assert_eq!(fs::read_to_string(&public).unwrap().trim(), hex::encode(key.verifying_key().to_bytes()));

        let pk = protocol::SecretKey::generate(&mut OsRng).public_key();
        let election = dir.path().join("election.json");
        let json = serde_json::json!({ "manifest": example_manifest(), "public_key": pk });
        fs::write(&election, json.to_string()).unwrap();
        let creds: Vec<String> =
            (0..3).map(|_| protocol::Credential::generate(&mut OsRng).public_key().to_hex()).collect();
        let paper = dir.path().join("paper.json");
        fs::write(&paper, serde_json::to_string(&[&creds[2], &creds[0], &creds[2]]).unwrap()).unwrap();
        let out = dir.path().join("revocations.json");
        let list = sign_revocations(&election, &secret, &paper, &out).unwrap();
        assert_eq!(list.credentials.len(), 2);
        let fingerprint = crate::mix::load_election(&election).unwrap().fingerprint().to_owned();
        let read: RevocationList = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
        read.verify(&fingerprint).unwrap();
        assert!(sign_revocations(&election, &secret, &paper, &out).is_err(), "never overwrites");
        fs::write(&paper, "[\"zz\"]").unwrap();
        assert!(sign_revocations(&election, &secret, &paper, &dir.path().join("r2.json")).is_err());
    }
}

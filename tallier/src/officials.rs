//! The officials' key and their signed revocation list (SPEC.md §14.2).
//!
//! The officials' Ed25519 key signs the list of credentials whose voters voted on paper: their e-votes are removed
//! by step R3. The public key is published with the election, so that an observer can compare it with the one in
//! the record's `revocations.json`. The secret key stays on the officials' offline machine.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use ed25519_dalek::SigningKey;
use protocol::ballot_box::CredentialEntry;
use protocol::credential::CredentialKey;
use protocol::record::RevocationList;
use protocol::roles::{public_key_file, read_public_key_file, read_secret_key_file, secret_key_file, Role, RoleKey};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::files::{create_new, read_input, read_input_text, Access};

/// `tallier setup officials-key --out DIR`: the officials' key pair, `DIR/officials.key` (secret, 0600) and
/// `DIR/officials.pub` (for `tallier setup manifest --officials-key`). Returns the two paths.
pub fn generate_key<R: RngCore + CryptoRng>(dir: &Path, rng: &mut R) -> Result<(PathBuf, PathBuf)> {
    generate_role_key(dir, Role::Officials, rng)
}

/// A new Ed25519 key pair for `role` (SPEC.md §4.5.2 key files), made on the role's own machine:
/// `DIR/<role>.key` (secret, owner-only) and `DIR/<role>.pub` (public). Never replaces a key.
pub fn generate_role_key<R: RngCore + CryptoRng>(dir: &Path, role: Role, rng: &mut R) -> Result<(PathBuf, PathBuf)> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = protocol::generate_signing_key(rng);
    let (secret, public) = (dir.join(format!("{role}.key")), dir.join(format!("{role}.pub")));
    for p in [&secret, &public] {
        if p.exists() {
            anyhow::bail!("{} already exists: refusing to replace the {role} key", p.display());
        }
    }
    create_new(&secret, secret_key_file(role, &key).as_bytes(), Access::OwnerOnly)?;
    create_new(&public, public_key_file(role, &key.verifying_key()).as_bytes(), Access::Public)?;
    Ok((secret, public))
}

/// Reads `role`'s secret key file; a public key file or another role's key is refused, saying which is needed.
pub fn read_role_secret(path: &Path, role: Role) -> Result<SigningKey> {
    let text = Zeroizing::new(fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?);
    read_secret_key_file(&text, role).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Reads `role`'s public key file.
pub fn read_role_public(path: &Path, role: Role) -> Result<RoleKey> {
    let text = read_input_text(path)?;
    read_public_key_file(&text, role).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Reads a credential list (the voters who voted on paper, may be empty; or the public credential list): a JSON
/// array of hex credential keys, or of `{"key": hex, "district": id}` entries as `credentials.json` has them in
/// an election with districts (protocol's [`CredentialEntry`], SPEC.md §4.5.1). Returns the keys, in file order.
pub fn read_credential_list(path: &Path) -> Result<Vec<CredentialKey>> {
    Ok(read_credential_entries(path)?.iter().map(CredentialEntry::key).collect())
}

/// Reads a credential list as its entries ([`read_credential_list`]), each key with its district if it has one.
pub fn read_credential_entries(path: &Path) -> Result<Vec<CredentialEntry>> {
    let bytes = read_input(path)?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a credential list: a JSON array of hex credential keys, or of {{\"key\": hex, \"district\": \
             id}} in an election with districts (as `tallier setup credentials` writes it)",
            path.display()
        )
    })
}

/// `tallier revocations sign`: signs the list of paper voters' credentials for the election (eq. (R0)) and
/// writes `out` (which must not exist). Returns the list as written.
pub fn sign_revocations(election_path: &Path, key: &Path, credentials: &Path, out: &Path) -> Result<RevocationList> {
    let election = election_path;
    let election = crate::mix::load_election(election)?;
    let key = read_role_secret(key, Role::Officials)?;
    election
        .manifest()
        .roles
        .check(Role::Officials, &key.verifying_key())
        .map_err(|e| anyhow!("{}: {e}", election_path.display()))?;
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
    fn key_files_sign_a_list_that_verifies_and_wrong_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (secret, public) = generate_key(dir.path(), &mut OsRng).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(generate_key(dir.path(), &mut OsRng).is_err(), "a key is never replaced");
        let key = read_role_secret(&secret, Role::Officials).unwrap();
        assert_eq!(read_role_public(&public, Role::Officials).unwrap().verifying_key(), &key.verifying_key());

        let pk = protocol::SecretKey::generate(&mut OsRng).public_key();
        let mut manifest = example_manifest();
        manifest.roles.officials_key = RoleKey::from_verifying_key(key.verifying_key()).unwrap();
        let election = dir.path().join("election.json");
        let json = serde_json::json!({ "manifest": manifest, "public_key": pk });
        fs::write(&election, json.to_string()).unwrap();
        let creds: Vec<String> =
            (0..3).map(|_| protocol::Credential::generate(&mut OsRng).public_key().to_hex()).collect();
        let paper = dir.path().join("paper.json");
        fs::write(&paper, serde_json::to_string(&[&creds[2], &creds[0], &creds[2]]).unwrap()).unwrap();
        let out = dir.path().join("revocations.json");
        let list = sign_revocations(&election, &secret, &paper, &out).unwrap();
        assert_eq!(list.credentials.len(), 2);
        let loaded = crate::mix::load_election(&election).unwrap();
        let read: RevocationList = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
        read.verify(loaded.fingerprint(), &loaded.manifest().roles).unwrap();
        assert!(sign_revocations(&election, &secret, &paper, &out).is_err(), "never overwrites");

        // The attack of the audit: the public key file given as the key.
        let err = sign_revocations(&election, &public, &paper, &dir.path().join("r1.json")).unwrap_err();
        assert!(format!("{err:#}").contains("public key of the officials, a secret key file is needed"), "{err:#}");
        // Another role's key, and an officials' key the manifest does not name.
        let other = tempfile::tempdir().unwrap();
        let (mix_secret, _) = generate_role_key(other.path(), Role::Mix(1), &mut OsRng).unwrap();
        let err = sign_revocations(&election, &mix_secret, &paper, &dir.path().join("r2.json")).unwrap_err();
        assert!(format!("{err:#}").contains("for the role `mix-1`, the role `officials` is needed"), "{err:#}");
        let (stranger, _) = generate_key(other.path(), &mut OsRng).unwrap();
        let err = sign_revocations(&election, &stranger, &paper, &dir.path().join("r3.json")).unwrap_err();
        assert!(format!("{err:#}").contains("not the one the manifest names for the officials"), "{err:#}");
        fs::write(&paper, "[\"zz\"]").unwrap();
        assert!(sign_revocations(&election, &secret, &paper, &dir.path().join("r4.json")).is_err());
        assert!(!dir.path().join("r1.json").exists() && !dir.path().join("r2.json").exists());
    }
}

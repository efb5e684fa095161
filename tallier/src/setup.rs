//! Election set-up: the manifest and the voters' credentials (ARCHITECTURE.md, "Flow of one election", step 1).
//!
//! `credentials.json` is the public credential list (a JSON array of hex Ed25519 public keys, in voter order):
//! it goes to the collector (`collector init --credentials`) and into the election record. `voters.json` holds
//! each voter's secret credential, for printing or sending to the voters; it is as sensitive as the votes and
//! must not leave the officials' offline machine except to the voters. It is a JSON array of the credentials'
//! 64-hex-digit secrets, in the same order as `credentials.json`.

use std::path::Path;

use anyhow::Context;
use protocol::credential::Credential;
use protocol::manifest::{example_manifest, Manifest};
use rand_core::{CryptoRng, RngCore};

use crate::files::{create_new, Access};

/// Writes the example manifest's template (three contests: single choice, approval, ranked; no `roles`) to
/// `path`, for the officials to edit before [`write_manifest`] adds the roles.
pub fn write_example_manifest(path: &Path) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(example_manifest())?;
    if let Some(map) = value.as_object_mut() {
        map.remove("roles");
    }
    create_new(path, serde_json::to_string_pretty(&value)?.as_bytes(), Access::Public)
}

/// The public key files and the credential list `tallier setup manifest` binds into the manifest.
#[derive(Debug, Clone)]
pub struct RoleFiles {
    pub collector: std::path::PathBuf,
    pub officials: std::path::PathBuf,
    /// One per mix stage, in any order: each file names its stage.
    pub mix: Vec<std::path::PathBuf>,
    pub credentials: std::path::PathBuf,
}

/// `tallier setup manifest --base B …`: the manifest of template `base` (as [`write_example_manifest`] writes it,
/// edited; without `roles`) with every role's public key and the registry (SPEC.md §4.5), validated, written to
/// `out`. The number of mix keys is the number of mix stages; they must be stages 1 … k, each once.
pub fn write_manifest(base: &Path, roles: &RoleFiles, out: &Path) -> anyhow::Result<Manifest> {
    use crate::officials::read_role_public;
    use protocol::roles::{Registry, Role, Roles};
    let text = std::fs::read_to_string(base).with_context(|| format!("reading {}", base.display()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", base.display()))?;
    let Some(map) = value.as_object_mut() else { anyhow::bail!("{} is not a manifest template", base.display()) };
    if map.contains_key("roles") {
        anyhow::bail!("{} already names the roles: give the template without `roles`", base.display());
    }
    let mut mix = Vec::new();
    for path in &roles.mix {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let stage = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("role").and_then(|r| r.as_str()).and_then(Role::parse));
        let Some(Role::Mix(k)) = stage else {
            anyhow::bail!("{} is not a mix server's public key file (`tallier setup mix-key`)", path.display());
        };
        mix.push((k, read_role_public(path, Role::Mix(k))?));
    }
    mix.sort_by_key(|(k, _)| *k);
    for (i, (k, _)) in mix.iter().enumerate() {
        if usize::from(*k) != i + 1 {
            anyhow::bail!(
                "the mix keys must be of stages 1 to {} (each once); stage {} is missing or repeated",
                mix.len(),
                i + 1
            );
        }
    }
    let credentials = crate::officials::read_credential_list(&roles.credentials)?;
    if credentials.is_empty() {
        anyhow::bail!("{} holds no credential", roles.credentials.display());
    }
    let r = Roles {
        collector_key: read_role_public(&roles.collector, Role::Collector)?,
        officials_key: read_role_public(&roles.officials, Role::Officials)?,
        mix_keys: mix.into_iter().map(|(_, key)| key).collect(),
        registry: Registry::of(&credentials),
    };
    map.insert("roles".into(), serde_json::to_value(&r)?);
    let manifest: Manifest = serde_json::from_value(value)
        .with_context(|| format!("{} is not a valid manifest template", base.display()))?;
    manifest.validate().with_context(|| format!("{}", base.display()))?;
    create_new(out, manifest.to_json_pretty().as_bytes(), Access::Public)?;
    Ok(manifest)
}

/// Reads and validates a manifest file.
pub fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Manifest::from_json(&text).with_context(|| format!("{} is not a valid manifest", path.display()))
}

/// Generates `count` credentials: `DIR/credentials.json` (public) and `DIR/voters.json` (secret).
pub fn generate_credentials<R: RngCore + CryptoRng>(count: usize, dir: &Path, rng: &mut R) -> anyhow::Result<()> {
    anyhow::ensure!(count > 0, "at least one voter is needed");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut public = Vec::with_capacity(count);
    let mut secret = Vec::with_capacity(count);
    for _ in 0..count {
        let c = Credential::generate(rng);
        public.push(c.public_key().to_hex());
        secret.push(zeroize::Zeroizing::new(hex::encode(*c.expose_secret_bytes())));
    }
    create_new(&dir.join("credentials.json"), serde_json::to_string_pretty(&public)?.as_bytes(), Access::Public)?;
    let secrets: Vec<&str> = secret.iter().map(|s| s.as_str()).collect();
    let json = zeroize::Zeroizing::new(serde_json::to_string_pretty(&secrets)?);
    create_new(&dir.join("voters.json"), json.as_bytes(), Access::OwnerOnly)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::credential::CredentialKey;
    use rand_core::OsRng;

    #[test]
    fn credentials_match_their_public_list_and_are_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("tallier-setup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        generate_credentials(5, &dir, &mut OsRng).unwrap();
        let public: Vec<String> =
            serde_json::from_slice(&std::fs::read(dir.join("credentials.json")).unwrap()).unwrap();
        let secret: Vec<String> = serde_json::from_slice(&std::fs::read(dir.join("voters.json")).unwrap()).unwrap();
        assert_eq!(public.len(), 5);
        for (p, s) in public.iter().zip(&secret) {
            let seed: [u8; 32] = hex::decode(s).unwrap().try_into().unwrap();
            assert_eq!(&Credential::from_secret_bytes(&seed).public_key().to_hex(), p);
            let key: [u8; 32] = hex::decode(p).unwrap().try_into().unwrap();
            CredentialKey::from_bytes(&key).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |f: &str| std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode("voters.json"), 0o600, "the voters' secrets are readable by their owner only");
        }
        assert!(generate_credentials(5, &dir, &mut OsRng).is_err());
        write_example_manifest(&dir.join("template.json")).unwrap();
        assert!(read_manifest(&dir.join("template.json")).is_err(), "a template names no roles");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The election's roles and their keys (SPEC.md §4.5): who may sign what, bound by the fingerprint.
//!
//! The manifest names the collector's signing key (ballot log heads and receipts), the officials' key (the
//! revocation list), one key per mix stage (each stage's output, §9.5.1) and the credential registry (its size
//! and digest). The fingerprint covers the manifest, so an observer, a voter's page and a trustee who know the
//! fingerprint know every key: nothing in the record is "compared with a published value" by hand.
//!
//! Key files (§4.5.2) say whose key they hold and whether it is public or secret, so a public key given where a
//! secret is expected, or another role's key, is refused with a message that says which file was expected.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::credential::{decode_verifying_key, CredentialKey};
use crate::fingerprint::Fingerprint;

use crate::limits::MAX_MIX_STAGES;

/// An Ed25519 public key of one of the election's roles: a valid point, not of small order (§8.1's check).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleKey(VerifyingKey);

impl RoleKey {
    /// Decodes a role key; fails if the bytes are not a valid Ed25519 point or the point is of small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        Ok(Self(decode_verifying_key(bytes, "role key")?))
    }
    /// Wraps a verifying key, with the same checks as [`from_bytes`](Self::from_bytes).
    pub fn from_verifying_key(key: VerifyingKey) -> Result<Self, DecodeError> {
        Self::from_bytes(key.as_bytes())
    }
    /// The key's 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
    /// The Ed25519 key, for verifying signatures.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }
    /// The key in lower-case hex, as the manifest writes it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }
}

impl fmt::Debug for RoleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoleKey({})", self.to_hex())
    }
}

impl Serialize for RoleKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for RoleKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(serde::de::Error::custom("role key: lower-case hex is required"));
        }
        let bytes = crate::group::hex_array(&text, "role key").map_err(serde::de::Error::custom)?;
        RoleKey::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

impl Encode for RoleKey {
    fn encode(&self, w: &mut Writer) {
        w.raw(self.as_bytes());
    }
}

impl Decode for RoleKey {
    const WHAT: &'static str = "role key";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        RoleKey::from_bytes(&r.array(Self::WHAT)?)
    }
}

/// The credential registry as the manifest fixes it: how many keys, and their digest (eq. (4.5-1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Number of credentials in the registry.
    pub count: u32,
    /// The registry digest, eq. (4.5-1).
    #[serde(with = "crate::group::bytes_hex")]
    pub digest: [u8; 32],
}

/// Domain of the registry digest.
pub const REGISTRY_DOMAIN: &[u8] = b"rv/registry/v1";
/// Domain of the registry digest of an election with districts (eq. (4.5-2)).
pub const REGISTRY_DOMAIN_DISTRICTS: &[u8] = b"rv/registry/v2";

/// SPEC.md §4.5 eq. (4.5-1): `SHA-256("rv/registry/v1" ‖ u32(count) ‖ K₁ ‖ … ‖ K_count)`, the keys in the
/// registry's order (sorted by bytes, §11.5).
pub fn registry_digest<K: AsRef<[u8; 32]>>(credentials: &[K]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(REGISTRY_DOMAIN);
    h.update((credentials.len() as u32).to_be_bytes());
    for k in credentials {
        h.update(k.as_ref());
    }
    h.finalize().into()
}

/// SPEC.md §4.5 eq. (4.5-2), for an election with districts: `SHA-256("rv/registry/v2" ‖ u32(count) ‖ K₁ ‖
/// u16(D₁) ‖ … ‖ K_count ‖ u16(D_count))`, each key followed by its district's index, in the registry's order.
/// With `districts` empty it is eq. (4.5-1).
pub fn registry_digest_with<K: AsRef<[u8; 32]>>(credentials: &[K], districts: &[u16]) -> [u8; 32] {
    let mut h = RegistryHasher::new(credentials.len(), !districts.is_empty());
    for (i, k) in credentials.iter().enumerate() {
        h.push(k.as_ref(), districts.get(i).copied());
    }
    h.finish()
}

/// Eq. (4.5-1) or (4.5-2) computed as the keys are read (a registry too large to hold: the box's keys read back
/// from a scratch store): the count first, then each key with, in an election with districts, its district.
#[derive(Debug, Clone)]
pub struct RegistryHasher {
    h: Sha256,
    districts: bool,
}

impl RegistryHasher {
    /// The digest of `count` keys, with districts (eq. (4.5-2)) or without (eq. (4.5-1)).
    pub fn new(count: usize, districts: bool) -> Self {
        let mut h = Sha256::new();
        h.update(if districts { REGISTRY_DOMAIN_DISTRICTS } else { REGISTRY_DOMAIN });
        h.update((count as u32).to_be_bytes());
        RegistryHasher { h, districts }
    }

    /// The next key, in the registry's order, with its district's index (ignored without districts).
    pub fn push(&mut self, key: &[u8; 32], district: Option<u16>) {
        self.h.update(key);
        if self.districts {
            self.h.update(district.unwrap_or_default().to_be_bytes());
        }
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        self.h.finalize().into()
    }
}

impl Registry {
    /// The registry of these credentials, sorted by bytes and without repeats (the order the box keeps).
    pub fn of(credentials: &[CredentialKey]) -> Registry {
        let mut sorted = credentials.to_vec();
        sorted.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        sorted.dedup();
        Registry { count: sorted.len() as u32, digest: registry_digest(&sorted) }
    }

    /// The registry of credentials with their districts (eq. (4.5-2)), sorted by key bytes; a key given twice
    /// counts once (its first district).
    pub fn of_districts(entries: &[(CredentialKey, u16)]) -> Registry {
        let mut sorted = entries.to_vec();
        sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        sorted.dedup_by(|a, b| a.0 == b.0);
        let (keys, districts): (Vec<CredentialKey>, Vec<u16>) = sorted.into_iter().unzip();
        Registry { count: keys.len() as u32, digest: registry_digest_with(&keys, &districts) }
    }

    /// Whether `credentials`, in the order given, are exactly this registry.
    pub fn check<K: AsRef<[u8; 32]>>(&self, credentials: &[K]) -> Result<(), RoleError> {
        self.check_with(credentials, &[])
    }

    /// Whether `credentials` with their `districts` (parallel; empty without districts), in the order given, are
    /// exactly this registry (eq. (4.5-1) or (4.5-2)).
    pub fn check_with<K: AsRef<[u8; 32]>>(&self, credentials: &[K], districts: &[u16]) -> Result<(), RoleError> {
        self.check_digest(credentials.len(), registry_digest_with(credentials, districts))
    }

    /// [`check_with`](Self::check_with) for a registry of `count` keys whose digest is `digest`.
    pub fn check_digest(&self, count: usize, digest: [u8; 32]) -> Result<(), RoleError> {
        if count as u64 != u64::from(self.count) || digest != self.digest {
            return Err(RoleError::RegistryMismatch {
                count,
                digest: hex::encode(digest),
                expected_count: self.count,
                expected_digest: hex::encode(self.digest),
            });
        }
        Ok(())
    }
}

/// Every role's public key, and the registry (the manifest's `roles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Signs the ballot log's tree heads and the receipts (§11).
    pub collector_key: RoleKey,
    /// Signs the revocation list (§14.2).
    pub officials_key: RoleKey,
    /// `mix_keys[K − 1]` signs mix stage `K` of every contest (§9.5.1); their number is the number of stages.
    pub mix_keys: Vec<RoleKey>,
    /// The credential registry's size and digest (SPEC.md §4.5 eq. (4.5-1)).
    pub registry: Registry,
}

/// One of the roles that sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The collector: signs tree heads and receipts (SPEC.md §11).
    Collector,
    /// The election officials: sign the revocation list (SPEC.md §14.2).
    Officials,
    /// Mix server of stage `K` (1-based).
    Mix(u16),
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Collector => f.write_str("collector"),
            Role::Officials => f.write_str("officials"),
            Role::Mix(k) => write!(f, "mix-{k}"),
        }
    }
}

impl Role {
    /// Parses a role name as [`fmt::Display`] writes it.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "collector" => Some(Role::Collector),
            "officials" => Some(Role::Officials),
            _ => {
                let k: u16 = name.strip_prefix("mix-")?.parse().ok()?;
                (k >= 1 && name == format!("mix-{k}")).then_some(Role::Mix(k))
            }
        }
    }
}

impl Roles {
    /// The key the manifest names for `role`, if the role exists in this election.
    pub fn key(&self, role: Role) -> Option<&RoleKey> {
        match role {
            Role::Collector => Some(&self.collector_key),
            Role::Officials => Some(&self.officials_key),
            Role::Mix(k) => self.mix_keys.get(usize::from(k).checked_sub(1)?),
        }
    }

    /// Every (role, key), in the manifest's order.
    pub fn all(&self) -> Vec<(Role, &RoleKey)> {
        let mut out = vec![(Role::Collector, &self.collector_key), (Role::Officials, &self.officials_key)];
        out.extend(self.mix_keys.iter().enumerate().map(|(i, k)| (Role::Mix(i as u16 + 1), k)));
        out
    }

    /// SPEC.md §4.5: between 1 and [`MAX_MIX_STAGES`] mix keys; no key serves two roles (so that no role's
    /// signature can stand for another's, and each mix stage is a different party).
    pub fn validate(&self) -> Result<(), String> {
        if self.mix_keys.is_empty() || self.mix_keys.len() > MAX_MIX_STAGES {
            return Err(format!(
                "roles.mix_keys: between 1 and {MAX_MIX_STAGES} mix keys (one per stage) are required"
            ));
        }
        let all = self.all();
        for (i, (role, key)) in all.iter().enumerate() {
            if let Some((other, _)) = all[..i].iter().find(|(_, k)| k == key) {
                return Err(format!("roles: the {role} key is also the {other} key; every role needs its own key"));
            }
        }
        Ok(())
    }

    /// Checks that `key` is the one the manifest names for `role`.
    pub fn check(&self, role: Role, key: &VerifyingKey) -> Result<(), RoleError> {
        match self.key(role) {
            None => Err(RoleError::NoSuchRole(role.to_string())),
            Some(k) if k.verifying_key() == key => Ok(()),
            Some(k) => Err(RoleError::WrongKey {
                role: role.to_string(),
                found: hex::encode(key.as_bytes()),
                expected: k.to_hex(),
            }),
        }
    }
}

impl Encode for Roles {
    /// `collector_key ‖ officials_key ‖ u16(k) ‖ mix_key₁ ‖ … ‖ mix_key_k ‖ u32(count) ‖ digest` (§4.2).
    fn encode(&self, w: &mut Writer) {
        self.collector_key.encode(w);
        self.officials_key.encode(w);
        w.u16(self.mix_keys.len() as u16);
        for k in &self.mix_keys {
            k.encode(w);
        }
        w.u32(self.registry.count).raw(&self.registry.digest);
    }
}

impl Decode for Roles {
    const WHAT: &'static str = "roles";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let collector_key = RoleKey::decode(r)?;
        let officials_key = RoleKey::decode(r)?;
        let k = r.u16("roles.mix_keys")? as usize;
        if k > MAX_MIX_STAGES {
            return Err(DecodeError::TooLong { what: "roles.mix_keys", len: k, max: MAX_MIX_STAGES });
        }
        let mix_keys = (0..k).map(|_| RoleKey::decode(r)).collect::<Result<_, _>>()?;
        let registry = Registry { count: r.u32("roles.registry.count")?, digest: r.array("roles.registry.digest")? };
        Ok(Roles { collector_key, officials_key, mix_keys, registry })
    }
}

/// What goes wrong with a role's key, a key file or a role's signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The manifest names no key for this role (a mix stage not in `mix_keys`).
    #[error("this election has no role `{0}`")]
    NoSuchRole(String),
    #[error("the {role} key {found} is not the one the manifest names for the {role} ({expected})")]
    /// A key is not the one the manifest names for the role.
    WrongKey {
        /// The role, as [`Role`]'s `Display` writes it.
        role: String,
        /// The key given, in hex.
        found: String,
        /// The manifest's key, in hex.
        expected: String,
    },
    #[error(
        "the registry has {count} credentials with digest {digest}, the manifest names {expected_count} with digest \
         {expected_digest}"
    )]
    /// A list of credentials is not the manifest's registry (check L9, eq. (4.5-1)).
    RegistryMismatch {
        /// The number of credentials given.
        count: usize,
        /// Their registry digest, in hex.
        digest: String,
        /// The manifest's count.
        expected_count: u32,
        /// The manifest's digest, in hex.
        expected_digest: String,
    },
    /// The text is not a key file of SPEC.md §4.5.2: bad JSON, format, kind or `key` hex, or an invalid public key.
    #[error("not a key file (`{KEY_FILE_FORMAT}`): {0}")]
    NotAKeyFile(String),
    #[error("this is the {found} key of the {role}, a {expected} key file is needed here")]
    /// A public key file where a secret one is needed, or the reverse.
    WrongKind {
        /// The file's role.
        role: String,
        /// The file's kind, `public` or `secret`.
        found: &'static str,
        /// The kind needed.
        expected: &'static str,
    },
    #[error("this key file is for the role `{found}`, the role `{expected}` is needed here")]
    /// The key file is another role's.
    WrongRole {
        /// The file's role.
        found: String,
        /// The role needed.
        expected: String,
    },
    #[error("the signature of {what} does not verify under the {role} key the manifest names")]
    /// A signature does not verify under the key the manifest names for the role.
    BadSignature {
        /// What was signed (e.g. `contest 0 stage 1`).
        what: String,
        /// The role whose key was used.
        role: String,
    },
}

// ---- key files, SPEC.md §4.5.2 ----

/// `format` of a key file.
pub const KEY_FILE_FORMAT: &str = "rv/key/v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    role: String,
    kind: String,
    key: String,
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

fn key_file_json(role: Role, kind: &str, key: String) -> Zeroizing<String> {
    let file = KeyFile { format: KEY_FILE_FORMAT.into(), role: role.to_string(), kind: kind.into(), key };
    // Plain strings: serialization cannot fail.
    let mut text = Zeroizing::new(serde_json::to_string_pretty(&file).unwrap_or_default());
    text.push('\n');
    text
}

/// The public key file of `role`: `{"format": "rv/key/v1", "role", "kind": "public", "key": hex}`.
pub fn public_key_file(role: Role, key: &VerifyingKey) -> String {
    key_file_json(role, "public", hex::encode(key.as_bytes())).to_string()
}

/// The secret key file of `role` (the 32-byte Ed25519 seed in hex, `"kind": "secret"`): keep it owner-only.
pub fn secret_key_file(role: Role, key: &SigningKey) -> Zeroizing<String> {
    key_file_json(role, "secret", hex::encode(Zeroizing::new(key.to_bytes())))
}

fn parse_key_file(text: &str, role: Role, kind: &'static str) -> Result<Zeroizing<[u8; 32]>, RoleError> {
    let file: KeyFile = serde_json::from_str(text).map_err(|e| RoleError::NotAKeyFile(e.to_string()))?;
    if file.format != KEY_FILE_FORMAT {
        return Err(RoleError::NotAKeyFile(format!("format `{}`", file.format)));
    }
    if file.role != role.to_string() {
        return Err(RoleError::WrongRole { found: file.role.clone(), expected: role.to_string() });
    }
    let found = match file.kind.as_str() {
        "public" => "public",
        "secret" => "secret",
        other => return Err(RoleError::NotAKeyFile(format!("kind `{other}`"))),
    };
    if found != kind {
        return Err(RoleError::WrongKind { role: role.to_string(), found, expected: kind });
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    if file.key.bytes().any(|b| b.is_ascii_uppercase()) || hex::decode_to_slice(&file.key, bytes.as_mut()).is_err() {
        return Err(RoleError::NotAKeyFile("`key` must be 64 lower-case hex digits".into()));
    }
    Ok(bytes)
}

/// Reads `role`'s public key file; the key is checked like every role key.
pub fn read_public_key_file(text: &str, role: Role) -> Result<RoleKey, RoleError> {
    let bytes = parse_key_file(text, role, "public")?;
    RoleKey::from_bytes(&bytes).map_err(|e| RoleError::NotAKeyFile(e.to_string()))
}

/// Reads `role`'s secret key file.
pub fn read_secret_key_file(text: &str, role: Role) -> Result<SigningKey, RoleError> {
    let seed = parse_key_file(text, role, "secret")?;
    Ok(SigningKey::from_bytes(&seed))
}

// ---- signed mix stages, SPEC.md §9.5.1 ----

/// Domain of a mix stage's signature.
pub const STAGE_DOMAIN: &[u8] = b"rv/mix-stage/v1";

/// The digests a mix stage's signature covers: SHA-256 of its input list's, output list's and proof's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageDigests {
    /// SHA-256 of the input list's bytes (the previous stage's output, or `input.list` for stage 1).
    pub input: [u8; 32],
    /// SHA-256 of the output list's bytes (`stage-K.list`).
    pub output: [u8; 32],
    /// SHA-256 of the proof's bytes (`stage-K.proof`).
    pub proof: [u8; 32],
}

impl StageDigests {
    /// Hashes the three files' bytes.
    pub fn of(input: &[u8], output: &[u8], proof: &[u8]) -> Self {
        let d = |b: &[u8]| -> [u8; 32] { Sha256::digest(b).into() };
        StageDigests { input: d(input), output: d(output), proof: d(proof) }
    }
}

/// SPEC.md §9.5.1 eq. (MS): `"rv/mix-stage/v1" ‖ F ‖ u32(contest) ‖ u16(stage) ‖ H(input) ‖ H(output) ‖ H(proof)`.
pub fn stage_message(fingerprint: &Fingerprint, contest: u32, stage: u16, digests: &StageDigests) -> Vec<u8> {
    let mut m = Vec::with_capacity(STAGE_DOMAIN.len() + 32 + 6 + 96);
    m.extend_from_slice(STAGE_DOMAIN);
    m.extend_from_slice(fingerprint.as_bytes());
    m.extend_from_slice(&contest.to_be_bytes());
    m.extend_from_slice(&stage.to_be_bytes());
    m.extend_from_slice(&digests.input);
    m.extend_from_slice(&digests.output);
    m.extend_from_slice(&digests.proof);
    m
}

/// Mix server `stage`'s signature over its stage of `contest` (the 64 bytes of `contest-C/stage-K.sig`).
pub fn sign_stage(
    key: &SigningKey,
    fingerprint: &Fingerprint,
    contest: u32,
    stage: u16,
    digests: &StageDigests,
) -> [u8; 64] {
    key.sign(&stage_message(fingerprint, contest, stage, digests)).to_bytes()
}

/// Checks a stage's signature (Ed25519 `verify_strict`) under the manifest's key of mix stage `stage`.
pub fn verify_stage(
    roles: &Roles,
    fingerprint: &Fingerprint,
    contest: u32,
    stage: u16,
    digests: &StageDigests,
    signature: &[u8],
) -> Result<(), RoleError> {
    let role = Role::Mix(stage);
    let key = roles.key(role).ok_or_else(|| RoleError::NoSuchRole(role.to_string()))?;
    let bad = || RoleError::BadSignature { what: format!("contest {contest} stage {stage}"), role: role.to_string() };
    let signature: [u8; 64] = signature.try_into().map_err(|_| bad())?;
    key.verifying_key()
        .verify_strict(&stage_message(fingerprint, contest, stage, digests), &Signature::from_bytes(&signature))
        .map_err(|_| bad())
}

// ---- example keys ----

/// The secret keys behind [`example_roles`]: derived from public labels, so **anyone** can sign with them. For
/// tests, benches and examples only; `tallier setup manifest` never writes them.
#[derive(Debug)]
pub struct ExampleRoleSecrets {
    /// The collector's key.
    pub collector: SigningKey,
    /// The officials' key.
    pub officials: SigningKey,
    /// The mix servers' keys, `mix[K − 1]` for stage `K`.
    pub mix: Vec<SigningKey>,
}

fn example_key(label: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::new().chain_update(b"rv/example-key/v1").chain_update(label).finalize().into();
    SigningKey::from_bytes(&seed)
}

/// The example secrets for `stages` mix stages.
pub fn example_role_secrets(stages: u16) -> ExampleRoleSecrets {
    ExampleRoleSecrets {
        collector: example_key("collector"),
        officials: example_key("officials"),
        mix: (1..=stages).map(|k| example_key(&format!("mix-{k}"))).collect(),
    }
}

impl ExampleRoleSecrets {
    /// The roles these keys sign for, with `registry`.
    pub fn roles(&self, registry: Registry) -> Roles {
        let k = |s: &SigningKey| RoleKey(s.verifying_key());
        Roles {
            collector_key: k(&self.collector),
            officials_key: k(&self.officials),
            mix_keys: self.mix.iter().map(k).collect(),
            registry,
        }
    }
}

/// The example election's roles: [`example_role_secrets`]'s keys and an empty registry.
pub fn example_roles(stages: u16) -> Roles {
    example_role_secrets(stages).roles(Registry::of(&[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_say_whose_key_and_which_kind() {
        let secrets = example_role_secrets(2);
        let public = public_key_file(Role::Mix(2), &secrets.mix[1].verifying_key());
        let secret = secret_key_file(Role::Mix(2), &secrets.mix[1]);
        assert_eq!(
            read_public_key_file(&public, Role::Mix(2)).unwrap().verifying_key(),
            &secrets.mix[1].verifying_key()
        );
        assert_eq!(read_secret_key_file(&secret, Role::Mix(2)).unwrap().to_bytes(), secrets.mix[1].to_bytes());
        assert!(matches!(
            read_secret_key_file(&public, Role::Mix(2)),
            Err(RoleError::WrongKind { found: "public", .. })
        ));
        assert!(matches!(
            read_public_key_file(&secret, Role::Mix(2)),
            Err(RoleError::WrongKind { found: "secret", .. })
        ));
        assert!(matches!(read_secret_key_file(&secret, Role::Mix(1)), Err(RoleError::WrongRole { .. })));
        assert!(matches!(read_secret_key_file(&secret, Role::Officials), Err(RoleError::WrongRole { .. })));
        let bare = format!("{}\n", hex::encode(secrets.officials.to_bytes()));
        assert!(matches!(read_secret_key_file(&bare, Role::Officials), Err(RoleError::NotAKeyFile(_))));
        assert_eq!(Role::parse("mix-12"), Some(Role::Mix(12)));
        assert_eq!(Role::parse("mix-012"), None);
        assert_eq!(Role::parse("mix-0"), None);
    }

    #[test]
    fn roles_refuse_a_key_used_twice_and_round_trip() {
        let roles = example_roles(3);
        roles.validate().unwrap();
        assert_eq!(Roles::from_bytes(&roles.to_bytes()).unwrap(), roles);
        let mut twice = roles.clone();
        twice.mix_keys[2] = twice.collector_key;
        assert!(twice.validate().unwrap_err().contains("mix-3 key is also the collector key"));
        let mut none = roles.clone();
        none.mix_keys.clear();
        assert!(none.validate().is_err());
    }

    /// SPEC.md: exercises MS.
    #[test]
    fn a_stage_signature_binds_every_input() {
        let secrets = example_role_secrets(2);
        let roles = secrets.roles(Registry::of(&[]));
        let fp = Fingerprint([7; 32]);
        let d = StageDigests::of(b"in", b"out", b"proof");
        let sig = sign_stage(&secrets.mix[0], &fp, 0, 1, &d);
        verify_stage(&roles, &fp, 0, 1, &d, &sig).unwrap();
        assert!(verify_stage(&roles, &fp, 0, 2, &d, &sig).is_err(), "another stage's key");
        assert!(verify_stage(&roles, &fp, 1, 1, &d, &sig).is_err(), "another contest");
        assert!(verify_stage(&roles, &Fingerprint([8; 32]), 0, 1, &d, &sig).is_err(), "another election");
        for other in [
            StageDigests::of(b"x", b"out", b"proof"),
            StageDigests::of(b"in", b"x", b"proof"),
            StageDigests::of(b"in", b"out", b"x"),
        ] {
            assert!(verify_stage(&roles, &fp, 0, 1, &other, &sig).is_err());
        }
        let forged = sign_stage(&crate::generate_signing_key(&mut rand_core::OsRng), &fp, 0, 1, &d);
        assert!(verify_stage(&roles, &fp, 0, 1, &d, &forged).is_err(), "a key not in the manifest");
        assert!(verify_stage(&roles, &fp, 0, 3, &d, &sig).is_err(), "no stage 3");
        assert!(verify_stage(&roles, &fp, 0, 1, &d, &sig[..63]).is_err());
    }

    #[test]
    fn registry_of_sorts_and_check_compares() {
        let mut rng = rand_core::OsRng;
        let mut keys: Vec<CredentialKey> = (0..4).map(|_| crate::Credential::generate(&mut rng).public_key()).collect();
        let reg = Registry::of(&keys);
        keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        reg.check(&keys).unwrap();
        assert!(reg.check(&keys[1..]).is_err());
        keys.swap(0, 1);
        assert!(reg.check(&keys).is_err());
    }
}

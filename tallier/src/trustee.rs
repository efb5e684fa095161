//! The key ceremony and threshold decryption as commands run by each trustee on its own offline machine
//! (SPEC.md §10). Files travel by hand in one directory:
//!
//! | round | command                    | writes                         |
//! |-------|----------------------------|--------------------------------|
//! | 1     | `tallier trustee init`     | `announcement-I.json`, secret  |
//! | 2     | `tallier trustee commit`   | `commitment-I.json`            |
//! | 3     | `tallier trustee deal`     | `dealing-I.json`               |
//! | 4     | `tallier trustee confirm`  | `confirmation-I.json`, secret  |
//! |       | `tallier keys combine`     | `election-key.json`            |
//! |       | `tallier trustee decrypt`  | a partial decryption (binary)  |
//! |       | `tallier decrypt combine`  | the plaintext list (binary)    |
//!
//! In the tally, `tallier trustee decrypt --record RECORD` ([`decrypt_record`]) verifies every contest's mix
//! chain, then decrypts every contest's last mix stage into `RECORD/contest-C/partial-J.bin` (SPEC.md §14.1,
//! §14.3 Decrypt); the record supplies the manifest and the ceremony.
//!
//! A trustee's secrets never leave its secret file in clear: it is sealed with ChaCha20-Poly1305 under a key
//! derived from a passphrase by Argon2id, and every header field is authenticated.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use protocol::codec::{Decode, Encode};
use protocol::manifest::Manifest;
use protocol::threshold::ceremony::Roster;
use protocol::threshold::{
    combine, verify_ceremony, verify_partial_decryptions, Announcement, CeremonyMessage, CeremonyOutcome,
    CeremonyParams, Commitment, Confirmation, Dealing, PartialDecryption, Signed, TrusteeSecret,
};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::files::{create_new, replace, Access};

/// Environment variable holding the passphrase when no `--passphrase-file` is given.
pub const PASSPHRASE_ENV: &str = "TALLIER_PASSPHRASE";
const SECRET_FORMAT: &str = "rv-trustee-secret/v1";
/// Argon2id parameters for new secret files (OWASP's second recommended set: 19 MiB, 2 passes).
const KDF_MEMORY_KIB: u32 = 19_456;
const KDF_PASSES: u32 = 2;

// ---------------------------------------------------------------------------------------------------------
// Passphrase-sealed secret file

/// Where the passphrase comes from.
#[derive(Debug, Clone)]
pub enum PassphraseSource {
    File(PathBuf),
    Env,
}

impl PassphraseSource {
    pub fn new(file: Option<PathBuf>) -> Self {
        file.map_or(PassphraseSource::Env, PassphraseSource::File)
    }
    fn read(&self) -> Result<Zeroizing<String>> {
        let mut p = match self {
            PassphraseSource::File(path) => Zeroizing::new(
                fs::read_to_string(path).with_context(|| format!("reading passphrase file {}", path.display()))?,
            ),
            PassphraseSource::Env => Zeroizing::new(std::env::var(PASSPHRASE_ENV).map_err(|_| {
                anyhow!("no passphrase: give --passphrase-file or set the environment variable {PASSPHRASE_ENV}")
            })?),
        };
        while p.ends_with('\n') || p.ends_with('\r') {
            p.pop();
        }
        if p.len() < 8 {
            bail!("the passphrase must have at least 8 characters");
        }
        Ok(p)
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfParams {
    algorithm: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    format: String,
    election: String,
    trustee: u16,
    kdf: KdfParams,
    nonce: String,
    ciphertext: String,
}

impl SecretFile {
    /// Every header field, authenticated as the AEAD's associated data.
    fn aad(&self) -> Vec<u8> {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.format,
            self.election,
            self.trustee,
            self.kdf.algorithm,
            self.kdf.memory_kib,
            self.kdf.passes,
            self.kdf.lanes,
            self.kdf.salt,
            self.nonce
        )
        .into_bytes()
    }
}

fn derive_key(passphrase: &str, kdf: &KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    if kdf.algorithm != "argon2id" {
        bail!("secret file: unsupported key derivation `{}`", kdf.algorithm);
    }
    // Bounds, so that an altered header cannot make the KDF exhaust memory or time before the tag is checked.
    if kdf.memory_kib > (1 << 21) || kdf.passes > 64 || kdf.lanes == 0 || kdf.lanes > 16 {
        bail!("secret file: Argon2 parameters out of range");
    }
    let salt = hex::decode(&kdf.salt).context("secret file: bad salt")?;
    let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
        .map_err(|e| anyhow!("secret file: bad Argon2 parameters: {e}"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
        .map_err(|e| anyhow!("key derivation failed: {e}"))?;
    Ok(key)
}

fn seal_secret(secret: &TrusteeSecret, params: &CeremonyParams, passphrase: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let mut file = SecretFile {
        format: SECRET_FORMAT.into(),
        election: hex::encode(params.digest),
        trustee: secret.trustee(),
        kdf: KdfParams {
            algorithm: "argon2id".into(),
            memory_kib: KDF_MEMORY_KIB,
            passes: KDF_PASSES,
            lanes: 1,
            salt: hex::encode(salt),
        },
        nonce: hex::encode(nonce),
        ciphertext: String::new(),
    };
    let key = derive_key(passphrase, &file.kdf)?;
    let plain = secret.to_secret_bytes();
    let aad = file.aad();
    let ct = ChaCha20Poly1305::new(key.as_ref().into())
        .encrypt((&nonce).into(), Payload { msg: &plain, aad: &aad })
        .map_err(|_| anyhow!("encryption of the secret file failed"))?;
    file.ciphertext = hex::encode(ct);
    Ok(serde_json::to_string_pretty(&file)?)
}

/// Opens a secret file. A wrong passphrase (or a file altered in any field) is a clear error; nothing is written.
pub fn open_secret(path: &Path, params: &CeremonyParams, passphrase: &PassphraseSource) -> Result<TrusteeSecret> {
    let text = fs::read_to_string(path).with_context(|| format!("reading secret file {}", path.display()))?;
    let file: SecretFile = serde_json::from_str(&text).context("secret file: not a trustee secret file")?;
    if file.format != SECRET_FORMAT {
        bail!("secret file: unknown format `{}`", file.format);
    }
    if file.election != hex::encode(params.digest) {
        bail!("secret file {} belongs to another election", path.display());
    }
    let nonce: [u8; 12] = hex::decode(&file.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| anyhow!("secret file: bad nonce"))?;
    let ct = hex::decode(&file.ciphertext).context("secret file: bad ciphertext")?;
    let key = derive_key(&passphrase.read()?, &file.kdf)?;
    let aad = file.aad();
    let plain = Zeroizing::new(
        ChaCha20Poly1305::new(key.as_ref().into())
            .decrypt((&nonce).into(), Payload { msg: &ct, aad: &aad })
            .map_err(|_| anyhow!("wrong passphrase for {} (or the file was altered)", path.display()))?,
    );
    let secret = TrusteeSecret::from_secret_bytes(&plain).context("secret file: corrupt contents")?;
    if secret.trustee() != file.trustee || secret.threshold() != usize::from(params.t) {
        bail!("secret file: contents disagree with the header or the manifest");
    }
    Ok(secret)
}

// ---------------------------------------------------------------------------------------------------------
// Ceremony files

pub fn load_manifest(path: &Path) -> Result<Manifest> {
    let text = fs::read_to_string(path).with_context(|| format!("reading manifest {}", path.display()))?;
    Manifest::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn ceremony_params(manifest: &Manifest) -> Result<CeremonyParams> {
    Ok(CeremonyParams::from_manifest(manifest)?)
}

fn file_name(kind: &str, trustee: u16) -> String {
    format!("{kind}-{trustee}.json")
}

/// Reads every `KIND-J.json` in `dir` (`J` a decimal trustee index), `J` ascending: the index and the bytes.
/// A file named `KIND-….json` whose `…` is not an index is an error, so that a misnamed file is never ignored.
pub fn read_kind_files(dir: &Path, kind: &str) -> Result<Vec<(u16, Vec<u8>)>> {
    let prefix = format!("{kind}-");
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading directory {}", dir.display()))? {
        let path = entry.with_context(|| format!("reading directory {}", dir.display()))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        let Some(index) = name.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".json")) else { continue };
        let trustee = index
            .parse::<u16>()
            .ok()
            .filter(|j| *j > 0 && !index.starts_with('0'))
            .ok_or_else(|| anyhow!("{}: not a {kind} file name (expected {kind}-J.json)", path.display()))?;
        found.push((trustee, path));
    }
    found.sort();
    found
        .into_iter()
        .map(|(trustee, path)| Ok((trustee, fs::read(&path).with_context(|| format!("reading {}", path.display()))?)))
        .collect()
}

/// Parses files of one kind read by [`read_kind_files`]; the message's author must be the `J` of its name.
fn parse_kind<M: DeserializeOwned + CeremonyMessage>(
    dir: &Path,
    kind: &str,
    files: &[(u16, Vec<u8>)],
) -> Result<Vec<Signed<M>>> {
    files
        .iter()
        .map(|(trustee, bytes)| {
            let name = dir.join(file_name(kind, *trustee));
            let signed: Signed<M> =
                serde_json::from_slice(bytes).with_context(|| format!("{}: malformed {kind} file", name.display()))?;
            if signed.message.trustee() != *trustee {
                bail!(
                    "{}: the message is trustee {}'s, the file name says {trustee}",
                    name.display(),
                    signed.message.trustee()
                );
            }
            Ok(signed)
        })
        .collect()
}

/// Reads every `KIND-J.json` in `dir`, `J` ascending.
pub fn read_all<M: DeserializeOwned + CeremonyMessage>(dir: &Path, kind: &str) -> Result<Vec<Signed<M>>> {
    parse_kind(dir, kind, &read_kind_files(dir, kind)?)
}

fn write_message<M: CeremonyMessage + Serialize>(dir: &Path, kind: &str, signed: &Signed<M>) -> Result<PathBuf> {
    let path = dir.join(file_name(kind, signed.message.trustee()));
    create_new(&path, serde_json::to_string_pretty(signed)?.as_bytes(), Access::Public)?;
    Ok(path)
}

/// The whole public transcript of the ceremony in `dir`.
#[derive(Debug)]
pub struct Transcript {
    pub announcements: Vec<Signed<Announcement>>,
    pub commitments: Vec<Signed<Commitment>>,
    pub dealings: Vec<Signed<Dealing>>,
    pub confirmations: Vec<Signed<Confirmation>>,
}

/// One file of the ceremony as the record holds it (SPEC.md §14.1): its path in the record and its bytes.
#[derive(Debug)]
pub struct CeremonyFile {
    pub record_path: String,
    pub bytes: Vec<u8>,
}

impl Transcript {
    pub fn read(dir: &Path) -> Result<Self> {
        Ok(Self::read_files(dir)?.0)
    }
    /// Reads the transcript and keeps every file's bytes, in the record's order: kinds in
    /// [`protocol::record::CEREMONY_KINDS`] order, `J` ascending within each kind.
    pub fn read_files(dir: &Path) -> Result<(Self, Vec<CeremonyFile>)> {
        let [a, c, d, f] =
            protocol::record::CEREMONY_KINDS.map(|kind| read_kind_files(dir, kind).map(|files| (kind, files)));
        let (a, c, d, f) = (a?, c?, d?, f?);
        let transcript = Self {
            announcements: parse_kind(dir, a.0, &a.1)?,
            commitments: parse_kind(dir, c.0, &c.1)?,
            dealings: parse_kind(dir, d.0, &d.1)?,
            confirmations: parse_kind(dir, f.0, &f.1)?,
        };
        let files = [a, c, d, f]
            .into_iter()
            .flat_map(|(kind, files)| {
                files.into_iter().map(move |(j, bytes)| CeremonyFile {
                    record_path: protocol::record::ceremony_path(kind, j),
                    bytes,
                })
            })
            .collect();
        Ok((transcript, files))
    }
    pub fn verify(&self, params: &CeremonyParams) -> Result<(Roster, CeremonyOutcome)> {
        let roster = Roster::new(params, &self.announcements)?;
        let outcome =
            verify_ceremony(params, &self.announcements, &self.commitments, &self.dealings, &self.confirmations)?;
        Ok((roster, outcome))
    }
}

// ---------------------------------------------------------------------------------------------------------
// Commands

/// Round 1: a new secret file and the announcement.
pub fn init(manifest: &Path, trustee: u16, secret: &Path, dir: &Path, pass: &PassphraseSource) -> Result<PathBuf> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    if secret.exists() {
        bail!("{} already exists: refusing to overwrite a trustee secret", secret.display());
    }
    let passphrase = pass.read()?;
    let s = TrusteeSecret::generate(&params, trustee, &mut OsRng)?;
    let announcement = s.announcement(&params, &mut OsRng);
    create_new(secret, seal_secret(&s, &params, &passphrase)?.as_bytes(), Access::OwnerOnly)?;
    write_message(dir, "announcement", &announcement)
}

/// Round 2, once the announcements are in: the commitment to the roster they form and to the coefficients.
/// Returns the file written and the roster's absent trustees (who sent no announcement).
pub fn commit(manifest: &Path, secret: &Path, dir: &Path, pass: &PassphraseSource) -> Result<(PathBuf, Vec<u16>)> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let s = open_secret(secret, &params, pass)?;
    let roster = Roster::new(&params, &read_all(dir, "announcement")?)?;
    let path = write_message(dir, "commitment", &s.commitment(&params, &roster)?)?;
    Ok((path, roster.absent()))
}

/// Round 3: reveal and deal to every trustee of the roster, once the commitments are in.
pub fn deal(manifest: &Path, secret: &Path, dir: &Path, pass: &PassphraseSource) -> Result<PathBuf> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let s = open_secret(secret, &params, pass)?;
    let roster = Roster::new(&params, &read_all(dir, "announcement")?)?;
    let commitments: Vec<Signed<Commitment>> = read_all(dir, "commitment")?;
    write_message(dir, "dealing", &s.dealing(&params, &roster, &commitments, &mut OsRng)?)
}

/// Round 4: check the shares received, store them in the secret file, confirm or complain.
/// Returns the confirmation's path, the problems found (each naming a dealer) and the number of complaints.
pub fn confirm(
    manifest: &Path,
    secret: &Path,
    dir: &Path,
    pass: &PassphraseSource,
) -> Result<(PathBuf, Vec<String>, usize)> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let passphrase = pass.read()?;
    let mut s = open_secret(secret, &params, pass)?;
    let roster = Roster::new(&params, &read_all(dir, "announcement")?)?;
    let commitments: Vec<Signed<Commitment>> = read_all(dir, "commitment")?;
    let dealings: Vec<Signed<Dealing>> = read_all(dir, "dealing")?;
    let (confirmation, problems) = s.confirm(&params, &roster, &commitments, &dealings, &mut OsRng)?;
    let path = dir.join(file_name("confirmation", s.trustee()));
    if path.exists() {
        bail!("{} already exists", path.display());
    }
    replace(secret, seal_secret(&s, &params, &passphrase)?.as_bytes(), Access::OwnerOnly)?;
    write_message(dir, "confirmation", &confirmation)?;
    Ok((path, problems.iter().map(ToString::to_string).collect(), confirmation.message.complaints.len()))
}

/// What `keys combine` publishes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionKeyFile {
    pub election: String,
    pub trustees: u16,
    pub threshold: u16,
    pub election_public_key: protocol::PublicKey,
    pub fingerprint: protocol::Fingerprint,
    pub qualified: Vec<u16>,
    /// Trustees who sent no announcement (round 1) and took no part.
    pub absent: Vec<u16>,
    pub disqualified: Vec<String>,
    pub rejected_complaints: Vec<String>,
    pub verification_keys: Vec<protocol::GroupElement>,
}

impl ElectionKeyFile {
    pub fn new(manifest: &Manifest, o: &CeremonyOutcome) -> Self {
        Self {
            election: hex::encode(o.params.digest),
            trustees: o.params.n,
            threshold: o.params.t,
            election_public_key: o.election_key,
            fingerprint: manifest.fingerprint(&o.election_key),
            qualified: o.qualified.clone(),
            absent: o.absent.clone(),
            disqualified: o.disqualified.iter().map(|(_, e)| e.to_string()).collect(),
            rejected_complaints: o.rejected_complaints.iter().map(ToString::to_string).collect(),
            verification_keys: o.verification_keys.clone(),
        }
    }
}

/// Verifies the whole transcript and writes the election key file, and, if `election` is given, the election
/// file `{"manifest", "public_key"}` (§8.8) that `collector init`, `tallier revocations sign` and the record use.
pub fn keys_combine(manifest: &Path, dir: &Path, out: &Path, election: Option<&Path>) -> Result<ElectionKeyFile> {
    let m = load_manifest(manifest)?;
    let params = ceremony_params(&m)?;
    let (_, outcome) = Transcript::read(dir)?.verify(&params)?;
    let file = ElectionKeyFile::new(&m, &outcome);
    if let Some(path) = election {
        let parameters = protocol::ballot::ElectionParameters { manifest: m.clone(), public_key: outcome.election_key };
        let mut json = serde_json::to_string_pretty(&parameters)?;
        json.push('\n');
        create_new(path, json.as_bytes(), Access::Public)?;
    }
    create_new(out, serde_json::to_string_pretty(&file)?.as_bytes(), Access::Public)?;
    Ok(file)
}

pub fn read_partial(path: &Path) -> Result<Signed<PartialDecryption>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Signed::<PartialDecryption>::from_bytes(&bytes)
        .with_context(|| format!("{}: not a partial decryption", path.display()))
}

/// Checks the partial decryptions and combines `t` valid ones. Returns the trustees used and those refused.
pub fn decrypt_combine(
    manifest: &Path,
    dir: &Path,
    input: &Path,
    partials: &[PathBuf],
    out: &Path,
) -> Result<(Vec<u16>, Vec<String>)> {
    let m = load_manifest(manifest)?;
    let params = ceremony_params(&m)?;
    let (roster, outcome) = Transcript::read(dir)?.verify(&params)?;
    let list = crate::mix::read_list(input)?;
    let ps = partials.iter().map(|p| read_partial(p)).collect::<Result<Vec<_>>>()?;
    let fingerprint = m.fingerprint(&outcome.election_key);
    let verified = verify_partial_decryptions(&params, &fingerprint, &roster, &outcome, &list, ps, &mut OsRng)?;
    let rejected: Vec<String> = verified.rejected.iter().map(ToString::to_string).collect();
    let plain = combine(&params, &verified, &list).map_err(|e| {
        anyhow!(
            "{e}{}",
            if rejected.is_empty() { String::new() } else { format!("; refused: {}", rejected.join("; ")) }
        )
    })?;
    create_new(out, &plain.to_bytes(), Access::Public)?;
    let mut used = verified.trustees();
    used.sort_unstable();
    used.truncate(usize::from(params.t));
    Ok((used, rejected))
}

/// `tallier trustee decrypt --record`: the trustee's partial decryption (§10.8, eq. (K14)) of every contest's last
/// mix stage, written to `contest-C/partial-J.bin` (canonical binary `Signed<M5>`, SPEC.md §14.1).
///
/// A partial decryption cannot be taken back, so the trustee first runs the verifier's own checks on everything
/// the decryption depends on ([`verifier::verify::verify_before_decryption`], SPEC.md §14.3 Decrypt): the
/// ceremony, the ballot box under the collector key and registry the manifest names, every ballot, squash,
/// revocations under the officials' key, the mix input recomputed from the box, and every mix stage's proof and
/// signature under its mix server's key. Whoever carried the record cannot have a chosen voter's ballot
/// decrypted by substituting `input.list` or re-mixing the stages. The secret file is bound to the manifest's
/// digest (a record of another election fails to open it) and the key share must match its verification key
/// (K10'). The lists decrypted are the ones the checks verified, decoded once. Nothing is written unless every
/// check passed. Returns the files written.
pub fn decrypt_record(record: &Path, secret: &Path, pass: &PassphraseSource, progress: bool) -> Result<Vec<PathBuf>> {
    use protocol::record;

    use crate::tally::{load_record_election, record_ceremony, record_file, refuse_finished};

    let election = load_record_election(record)?;
    refuse_finished(record)?;
    let manifest = election.manifest();
    let params = ceremony_params(manifest)?;
    let s = open_secret(secret, &params, pass)?;
    let j = s.trustee();
    let contests = manifest.contests.len();
    for c in 0..contests {
        let out = record::partial_path(c, j);
        if record_file(record, &out).exists() {
            bail!("{out} already exists: trustee {j} has already decrypted contest {c}");
        }
    }
    let (report, verified) = verifier::verify::verify_before_decryption(record, progress);
    let Some(verified) = verified else {
        bail!(
            "the record does not verify, so trustee {j} decrypted nothing (a partial decryption cannot be taken \
             back):\n{report}"
        );
    };
    if verified.election.fingerprint() != election.fingerprint() {
        bail!("{}: the election changed while it was being verified; nothing was decrypted", record.display());
    }
    let (_, _, outcome, _) = record_ceremony(record, &verified.election)?;
    let share = s.key_share(&outcome)?;
    let bar = crate::mix::progress(progress, contests as u64);
    let mut written = Vec::with_capacity(contests);
    for (c, list) in verified.last_lists.iter().enumerate() {
        bar.set_message(format!("contest {c}: decrypting {} ciphertexts", list.cells().len()));
        let partial =
            PartialDecryption::create(&params, election.fingerprint(), j, &share, &s.signing_key(), list, &mut OsRng)
                .with_context(|| {
                format!("contest {c}: partial decryption of {}", record::stage_list_path(c, manifest.mix_stages()))
            })?;
        let out = record_file(record, &record::partial_path(c, j));
        replace(&out, &partial.to_bytes(), Access::Public)?;
        bar.inc(1);
        written.push(out);
    }
    bar.finish_and_clear();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceremony_files_are_read_in_numeric_order_and_misnamed_ones_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        for j in [2, 10, 1] {
            fs::write(dir.path().join(format!("announcement-{j}.json")), j.to_string()).unwrap();
        }
        fs::write(dir.path().join("commitment-1.json.partial"), "ignored").unwrap();
        fs::write(dir.path().join("election-key.json"), "ignored").unwrap();
        let files = read_kind_files(dir.path(), "announcement").unwrap();
        let order: Vec<u16> = files.iter().map(|(j, _)| *j).collect();
        assert_eq!(order, [1, 2, 10]);
        assert_eq!(files[2].1, b"10");
        assert!(read_kind_files(dir.path(), "commitment").unwrap().is_empty());
        for bad in ["announcement-x.json", "announcement-01.json", "announcement-0.json"] {
            let path = dir.path().join(bad);
            fs::write(&path, "{}").unwrap();
            let err = read_kind_files(dir.path(), "announcement").unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
            fs::remove_file(path).unwrap();
        }
    }
}

//! The key ceremony and threshold decryption as commands run by each trustee on its own offline machine
//! (SPEC.md §10). Files travel by hand in one directory:
//!
//! | round | command                          | writes                         |
//! |-------|----------------------------------|--------------------------------|
//! | 1     | `tallier trustee init`           | `announcement-I.json`, secret  |
//! | 2     | `tallier trustee deal`           | `dealing-I.json`               |
//! | 3     | `tallier trustee confirm`        | `confirmation-I.json`, secret  |
//! | 4     | `tallier keys close` (officials) | `close.json`                   |
//! | 5     | `tallier trustee reveal`         | `reveal-I.json`                |
//! | (6)   | `tallier trustee recover --for J`| `recovery-I.json`              |
//! |       | `tallier keys combine`           | `election-key.json`            |
//! |       | `tallier trustee status`         | (prints where the ceremony stands and what is next) |
//!
//! Each round refuses to run until the files it needs are in from every trustee, unless an official leaves a
//! trustee out explicitly (`--without J`); the error names the missing files and what to run.
//! |       | `tallier trustee decrypt`  | a partial decryption (binary)  |
//! |       | `tallier decrypt combine`  | the plaintext list (binary)    |
//!
//! In the tally, `tallier trustee decrypt --record RECORD` ([`decrypt_record`]) verifies every unit's mix chain
//! (a unit: a contest, or with districts one contest's ballots of one district, SPEC.md §4.6), then decrypts
//! every unit's last mix stage into `RECORD/UNIT/partial-J.bin` (SPEC.md §14.1, §14.3 Decrypt); the record
//! supplies the manifest and the ceremony.
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
use protocol::threshold::ceremony::{list_trustees, Roster, CLOSE_FILE};
use protocol::threshold::{
    combine, verify_ceremony, verify_partial_decryptions, CeremonyMessage, CeremonyOutcome, CeremonyParams,
    ClosedCeremony, PartialDecryption, Qualification, Signed, SignedClose, TrusteeSecret,
};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::ceremony_dir::{ceremony_params, file_name, load_manifest, next_step, Transcript};
use crate::files::{create_new, open_input, read_input, replace, Access, Partial};
use protocol::threshold::streamed;
use verifier::verify::LastList;

/// Environment variable holding the passphrase when no `--passphrase-file` is given.
pub const PASSPHRASE_ENV: &str = "TALLIER_PASSPHRASE";
const SECRET_FORMAT: &str = "rv-trustee-secret/v1";
/// Argon2id parameters for new secret files (OWASP's second recommended set: 19 MiB, 2 passes).
const KDF_MEMORY_KIB: u32 = 19_456;
const KDF_PASSES: u32 = 2;

// ---------------------------------------------------------------------------------------------------------
// Passphrase-sealed secret file

/// Where the passphrase comes from: a file (`--passphrase-file`), else the environment variable
/// [`PASSPHRASE_ENV`], else a hidden prompt on the terminal (no echo; asked twice when a new secret is sealed).
/// Read once per command: the commands that open a secret and seal it again ask once.
#[derive(Debug)]
pub struct PassphraseSource {
    file: Option<PathBuf>,
    read: std::cell::OnceCell<Zeroizing<String>>,
}

impl PassphraseSource {
    pub fn new(file: Option<PathBuf>) -> Self {
        Self { file, read: std::cell::OnceCell::new() }
    }

    /// The passphrase of an existing secret.
    fn read(&self) -> Result<&Zeroizing<String>> {
        self.get(false)
    }

    /// The passphrase for a secret about to be sealed: at a prompt, typed twice.
    fn read_new(&self) -> Result<&Zeroizing<String>> {
        self.get(true)
    }

    fn get(&self, new: bool) -> Result<&Zeroizing<String>> {
        if let Some(p) = self.read.get() {
            return Ok(p);
        }
        let mut p = match (&self.file, std::env::var(PASSPHRASE_ENV)) {
            (Some(path), _) => Zeroizing::new(
                fs::read_to_string(path).with_context(|| format!("reading passphrase file {}", path.display()))?,
            ),
            (None, Ok(v)) => Zeroizing::new(v),
            (None, Err(_)) => prompt(new)?,
        };
        while p.ends_with('\n') || p.ends_with('\r') {
            p.pop();
        }
        if p.chars().count() < 8 {
            bail!("the passphrase must have at least 8 characters");
        }
        Ok(self.read.get_or_init(|| p))
    }
}

/// Asks for the passphrase on the terminal without echo; refuses when there is no terminal, saying how else to
/// give it.
fn prompt(new: bool) -> Result<Zeroizing<String>> {
    use std::io::IsTerminal;
    let no_terminal = || {
        anyhow!(
            "no passphrase: run this on a terminal to type it, or give --passphrase-file FILE, or set the \
             environment variable {PASSPHRASE_ENV}"
        )
    };
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    let ask = |what: &str| rpassword::prompt_password(what).map(Zeroizing::new).map_err(|_| no_terminal());
    if !new {
        return ask("Passphrase of this trustee's secret file: ");
    }
    let first = ask("New passphrase for this trustee's secret file (at least 8 characters): ")?;
    let again = ask("The same passphrase again: ")?;
    if *first != *again {
        bail!("the two passphrases differ: nothing was written; run the command again");
    }
    Ok(first)
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
    let key = derive_key(passphrase.read()?, &file.kdf)?;
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

fn write_message<M: CeremonyMessage + Serialize>(dir: &Path, kind: &str, signed: &Signed<M>) -> Result<PathBuf> {
    let path = dir.join(file_name(kind, signed.message.trustee()));
    create_new(&path, serde_json::to_string_pretty(signed)?.as_bytes(), Access::Public).with_context(|| {
        format!(
            "{} already exists: this round was already run for trustee {}",
            path.display(),
            signed.message.trustee()
        )
    })?;
    Ok(path)
}

/// The trustees of `1..=n` whose message of one kind is present.
fn authors<M: CeremonyMessage>(messages: &[Signed<M>]) -> Vec<u16> {
    let mut a: Vec<u16> = messages.iter().map(|m| m.message.trustee()).collect();
    a.sort_unstable();
    a
}

/// Refuses to run a round until the previous round's files are in from every trustee `expected` names, except
/// those an official left out explicitly (`without`); names the missing files and what to run.
fn require_complete(
    round: &str,
    kind: &str,
    present: &[u16],
    expected: &[u16],
    without: &[u16],
    how: &str,
) -> Result<()> {
    let wrongly_without: Vec<u16> = without.iter().copied().filter(|j| present.contains(j)).collect();
    if !wrongly_without.is_empty() {
        bail!(
            "{round}: --without {} names trustees whose {kind} file is here; drop it from --without",
            list_trustees(&wrongly_without)
        );
    }
    let missing: Vec<u16> = expected.iter().copied().filter(|j| !present.contains(j) && !without.contains(j)).collect();
    if !missing.is_empty() {
        let files: Vec<String> = missing.iter().map(|&j| file_name(kind, j)).collect();
        bail!(
            "{round} needs the {kind} of every trustee: {} missing. Wait for trustee {} to {how}; or, if it will not \
             take part in this round, run again with {}",
            files.join(", "),
            list_trustees(&missing),
            missing.iter().map(|j| format!("--without {j}")).collect::<Vec<_>>().join(" ")
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Commands

/// Round 1: a new secret file and the announcement. Refused once the dealings have begun (the others would
/// have dealt without this trustee).
pub fn init(manifest: &Path, trustee: u16, secret: &Path, dir: &Path, pass: &PassphraseSource) -> Result<PathBuf> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    params.check_index(trustee)?;
    if secret.exists() {
        bail!("{} already exists: refusing to overwrite a trustee secret", secret.display());
    }
    // The first announcement starts the ceremony folder.
    if !dir.exists() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the ceremony directory {}", dir.display()))?;
    }
    let t = Transcript::read(dir)?;
    if !t.files.dealings.is_empty() {
        bail!(
            "too late to announce: trustees {} have already dealt, to the trustees who had announced; trustee \
             {trustee} takes no part in this ceremony (it goes on without it)",
            list_trustees(&authors(&t.files.dealings))
        );
    }
    let passphrase = pass.read_new()?;
    let s = TrusteeSecret::generate(&params, trustee, &mut OsRng)?;
    let announcement = s.announcement(&params, &mut OsRng);
    create_new(secret, seal_secret(&s, &params, passphrase)?.as_bytes(), Access::OwnerOnly)?;
    write_message(dir, "announcement", &announcement)
}

/// Round 2: once the announcements are in (all `n`, or all but those left out with `without`), Pedersen
/// commitments and an encrypted share pair for every other trustee of the roster. Returns the file written and
/// the trustees left out.
pub fn deal(
    manifest: &Path,
    secret: &Path,
    dir: &Path,
    pass: &PassphraseSource,
    without: &[u16],
) -> Result<(PathBuf, Vec<u16>)> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let s = open_secret(secret, &params, pass)?;
    let t = Transcript::read(dir)?;
    let all: Vec<u16> = (1..=params.n).collect();
    require_complete(
        "dealing (round 2)",
        "announcement",
        &authors(&t.files.announcements),
        &all,
        without,
        "run `tallier trustee init`",
    )?;
    let roster = Roster::new(&params, &t.files.announcements)?;
    if let Some(d) = t.files.dealings.iter().find(|d| &d.message.roster != roster.digest()) {
        bail!(
            "trustee {} has already dealt to another set of trustees than the announcements here give ({}): the \
             trustees do not hold the same announcement files; compare the directories before dealing",
            d.message.trustee,
            list_trustees(&roster.members())
        );
    }
    let path = write_message(dir, "dealing", &s.dealing(&params, &roster, &mut OsRng)?)?;
    Ok((path, roster.absent()))
}

/// Round 3: once the dealings are in (from every trustee of the roster, or all but those left out), check the
/// shares received, store them in the secret file, confirm or complain. Returns the confirmation's path, the
/// problems found (each naming a dealer) and the number of complaints.
pub fn confirm(
    manifest: &Path,
    secret: &Path,
    dir: &Path,
    pass: &PassphraseSource,
    without: &[u16],
) -> Result<(PathBuf, Vec<String>, usize)> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let passphrase = pass.read()?;
    let mut s = open_secret(secret, &params, pass)?;
    let t = Transcript::read(dir)?;
    let roster = Roster::new(&params, &t.files.announcements)?;
    require_complete(
        "confirmation (round 3)",
        "dealing",
        &authors(&t.files.dealings),
        &roster.members(),
        without,
        "run `tallier trustee deal`",
    )?;
    let path = dir.join(file_name("confirmation", s.trustee()));
    if path.exists() {
        bail!("{} already exists: trustee {} has already confirmed", path.display(), s.trustee());
    }
    if t.files.close.is_some() {
        bail!("the officials have already closed rounds 1 to 3: a confirmation now would be ignored");
    }
    let (confirmation, problems) = s.confirm(&params, &roster, &t.files.dealings, &mut OsRng)?;
    replace(secret, seal_secret(&s, &params, passphrase)?.as_bytes(), Access::OwnerOnly)?;
    write_message(dir, "confirmation", &confirmation)?;
    Ok((path, problems.iter().map(ToString::to_string).collect(), confirmation.message.complaints.len()))
}

/// Round 4, by the officials: once every trustee of the roster has confirmed (or is left out with `without`),
/// check rounds 1 to 3 and sign `close.json` with the officials' key, which fixes the qualified set.
pub fn close(manifest: &Path, dir: &Path, key: &Path, without: &[u16]) -> Result<(PathBuf, Qualification)> {
    let m = load_manifest(manifest)?;
    let params = ceremony_params(&m)?;
    let text = fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
    let officials = protocol::roles::read_secret_key_file(&text, protocol::roles::Role::Officials)
        .map_err(|e| anyhow!("{}: {e}", key.display()))?;
    m.roles
        .check(protocol::roles::Role::Officials, &officials.verifying_key())
        .map_err(|e| anyhow!("{}: {e}", key.display()))?;
    let t = Transcript::read(dir)?;
    let path = dir.join(CLOSE_FILE);
    if t.files.close.is_some() {
        bail!("{} already exists: rounds 1 to 3 are closed (a close cannot be redone)", path.display());
    }
    let roster = Roster::new(&params, &t.files.announcements)?;
    require_complete(
        "the close (round 4)",
        "confirmation",
        &authors(&t.files.confirmations),
        &roster.members(),
        without,
        "run `tallier trustee confirm`",
    )?;
    let f = &t.files;
    let (signed, q) = SignedClose::sign(&params, &officials, &f.announcements, &f.dealings, &f.confirmations)?;
    let mut json = serde_json::to_string_pretty(&signed)?;
    json.push('\n');
    create_new(&path, json.as_bytes(), Access::Public)?;
    Ok((path, q))
}

/// Round 5: a trustee of the qualified set publishes its Feldman values with the proof that they open its
/// commitments. `Ok(None)`: this trustee is not in the qualified set (the reason is given) and reveals nothing.
pub fn reveal(
    manifest: &Path,
    secret: &Path,
    dir: &Path,
    pass: &PassphraseSource,
) -> Result<std::result::Result<PathBuf, String>> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let s = open_secret(secret, &params, pass)?;
    let t = Transcript::read(dir)?;
    let closed = ClosedCeremony::check(&params, &t.files).map_err(|e| anyhow!("{e}{}", next_step(&e)))?;
    let q = &closed.qualification;
    if !q.qualified.contains(&s.trustee()) {
        let why =
            q.disqualified.iter().find(|(i, _)| *i == s.trustee()).map_or_else(String::new, |(_, e)| format!(": {e}"));
        return Ok(Err(format!("trustee {} is not in the qualified set{why}; it has nothing to reveal", s.trustee())));
    }
    Ok(Ok(write_message(dir, "reveal", &s.reveal(&params, &closed, &mut OsRng)?)?))
}

/// Round 6, only when the officials ask for it: this trustee discloses its shares of the qualified trustees
/// `dealers` whose reveal is missing or fails, so that their contributions are rebuilt. Refused for a trustee
/// whose reveal is valid (that would only give its secret away).
pub fn recover(
    manifest: &Path,
    secret: &Path,
    dir: &Path,
    pass: &PassphraseSource,
    dealers: &[u16],
) -> Result<PathBuf> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let s = open_secret(secret, &params, pass)?;
    let t = Transcript::read(dir)?;
    let closed = ClosedCeremony::check(&params, &t.files).map_err(|e| anyhow!("{e}{}", next_step(&e)))?;
    if dealers.is_empty() {
        bail!("name the trustees to recover with --for J");
    }
    for &i in dealers {
        if i == s.trustee() {
            bail!("trustee {i} cannot recover itself: it runs `tallier trustee reveal`");
        }
        let reveal = t.files.reveals.iter().find(|r| r.message.trustee == i);
        let valid = reveal.is_some_and(|r| protocol::threshold::ceremony::check_reveal(&params, &closed, r).is_ok());
        if valid {
            bail!(
                "trustee {i} has revealed, and its reveal is valid: there is nothing to recover (disclosing shares \
                 of it would only give its secret away)"
            );
        }
    }
    write_message(dir, "recovery", &s.recovery(&params, &closed, dealers)?)
}

/// Where the ceremony in `dir` stands: each trustee's files and what is next.
pub fn status(manifest: &Path, dir: &Path) -> Result<String> {
    let params = ceremony_params(&load_manifest(manifest)?)?;
    let t = Transcript::read(dir)?;
    let f = &t.files;
    let has = |v: &[u16], j: u16| if v.contains(&j) { "yes" } else { "-" };
    let (a, d, c, r, v) = (
        authors(&f.announcements),
        authors(&f.dealings),
        authors(&f.confirmations),
        authors(&f.reveals),
        authors(&f.recoveries),
    );
    let mut out = format!(
        "ceremony in {}: {} trustees, threshold {}\n\ntrustee  announced  dealt  confirmed  revealed  recovery\n",
        dir.display(),
        params.n,
        params.t
    );
    for j in 1..=params.n {
        out.push_str(&format!(
            "{j:>7}  {:>9}  {:>5}  {:>9}  {:>8}  {:>8}\n",
            has(&a, j),
            has(&d, j),
            has(&c, j),
            has(&r, j),
            has(&v, j)
        ));
    }
    out.push_str(&format!("\nclose (officials): {}\n", if f.close.is_some() { "yes" } else { "not yet" }));
    let missing = |have: &[u16], of: &[u16]| -> Vec<u16> { of.iter().copied().filter(|j| !have.contains(j)).collect() };
    let all: Vec<u16> = (1..=params.n).collect();
    let next = if f.dealings.is_empty() {
        match missing(&a, &all) {
            m if m.is_empty() => "every trustee runs `tallier trustee deal`".to_string(),
            m => format!(
                "waiting for the announcements of trustees {} (`tallier trustee init`); or the trustees deal without them: `tallier trustee deal --without J`",
                list_trustees(&m)
            ),
        }
    } else if f.close.is_none() {
        let roster = Roster::new(&params, &f.announcements)?;
        match (missing(&d, &roster.members()), missing(&c, &roster.members())) {
            (dm, _) if !dm.is_empty() && f.confirmations.is_empty() => format!(
                "waiting for the dealings of trustees {} (`tallier trustee deal`); or the others confirm without them: `tallier trustee confirm --without J`",
                list_trustees(&dm)
            ),
            (_, cm) if !cm.is_empty() => format!(
                "waiting for the confirmations of trustees {} (`tallier trustee confirm`); or the officials close without them: `tallier keys close --without J`",
                list_trustees(&cm)
            ),
            _ => "the officials run `tallier keys close --manifest M --dir D --key officials.key`".into(),
        }
    } else {
        match verify_ceremony(&params, f) {
            Ok(o) => format!(
                "complete: election key {}; the officials run `tallier keys combine`, if they have not yet \
                 (qualified: {})",
                hex::encode(o.election_key.element().to_bytes()),
                list_trustees(&o.qualified)
            ),
            Err(e) => format!("{e}{}", next_step(&e)),
        }
    };
    out.push_str(&format!("next: {next}\n"));
    Ok(out)
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
    /// Qualified trustees whose contribution was rebuilt from the others' recoveries.
    pub recovered: Vec<u16>,
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
            recovered: o.recovered.clone(),
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
        let parameters =
            protocol::election::ElectionParameters { manifest: m.clone(), public_key: outcome.election_key };
        let mut json = serde_json::to_string_pretty(&parameters)?;
        json.push('\n');
        create_new(path, json.as_bytes(), Access::Public)?;
    }
    create_new(out, serde_json::to_string_pretty(&file)?.as_bytes(), Access::Public)?;
    Ok(file)
}

pub fn read_partial(path: &Path) -> Result<Signed<PartialDecryption>> {
    let bytes = read_input(path)?;
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

/// `tallier trustee decrypt --record`: the trustee's partial decryption (§10.8, eq. (K14)) of every unit's last
/// mix stage (SPEC.md §4.6: every contest, or with districts each contest's ballots of each of its districts; a
/// unit no ballot reached has nothing to decrypt), written to `UNIT/partial-J.bin` (canonical binary
/// `Signed<M5>`, SPEC.md §14.1).
///
/// A partial decryption cannot be taken back, so the trustee first runs the verifier's own checks on everything
/// the decryption depends on ([`verifier::verify::verify_before_decryption`], SPEC.md §14.3 Decrypt): the
/// ceremony, the ballot box under the collector key and registry the manifest names, every ballot, squash,
/// revocations under the officials' key, the mix input recomputed from the box, and every mix stage's proof and
/// signature under its mix server's key. Whoever carried the record cannot have a chosen voter's ballot
/// decrypted by substituting `input.list` or re-mixing the stages. The secret file is bound to the manifest's
/// digest (a record of another election fails to open it) and the key share must match its verification key
/// (K10'). The lists decrypted are the ones the checks verified: [`decrypt_verified`] reads each again and refuses
/// one whose digest is not the verified one. Nothing is written unless every check passed. Returns the files
/// written.
///
/// With `checked` (the trustee's file of [`check_early`]), the proofs of the stages it names are not verified
/// again (their files must be those checked: a stage is named by the digests of its files).
pub fn decrypt_record(
    record: &Path,
    secret: &Path,
    pass: &PassphraseSource,
    checked: Option<&Path>,
    progress: bool,
) -> Result<Vec<PathBuf>> {
    use crate::record::{load_record_election, refuse_finished};

    let election = load_record_election(record)?;
    refuse_finished(record)?;
    let params = ceremony_params(election.manifest())?;
    let s = open_secret(secret, &params, pass)?;
    let j = s.trustee();
    // Refused before the long checks: a unit this trustee already decrypted.
    decryption_units(record, &election, j)?;
    let early = checked.map(|path| read_checked(path, &s, election.fingerprint())).transpose()?.unwrap_or_default();
    let (report, verified) = verifier::verify::verify_before_decryption_with(record, progress, as_verified(&early));
    let Some(verified) = verified else {
        bail!(
            "the record does not verify, so trustee {j} decrypted nothing (a partial decryption cannot be taken \
             back):\n{report}"
        );
    };
    if verified.election.fingerprint() != election.fingerprint() {
        bail!("{}: the election changed while it was being verified; nothing was decrypted", record.display());
    }
    decrypt_verified(record, &verified, &s, progress)
}

/// `format` of a trustee's file of the stages it checked early (SPEC.md §14.3 "Stages checked early").
pub const CHECKED_FORMAT: &str = "rv/trustee/checked/v1";

/// A trustee's own file of the mix stages whose proofs it verified early (`tallier trustee check`), kept on its
/// machine, never in the record: each stage by its digest (the verifier's `stage_key`: the election fingerprint,
/// the unit, the stage and the SHA-256 of its three files), with a tag only this trustee can make
/// ([`checked_tag`]), so that a file written by anyone
/// else (whoever brings the record, say) is refused instead of making the trustee skip a proof.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckedFile {
    format: String,
    fingerprint: protocol::fingerprint::Fingerprint,
    trustee: u16,
    /// The stages' digests (hex), sorted, each once.
    stages: Vec<String>,
    /// The tag (hex).
    tag: String,
}

/// The tag of trustee `s`'s [`CheckedFile`]: [`protocol::threshold::TrusteeSigningKey::own_tag`] with the format
/// as label over `CHECKED_FORMAT ‖ F ‖ u16(j) ‖ u32(count) ‖ digest₁ ‖ … ‖ digestₙ`.
fn checked_tag(s: &TrusteeSecret, fingerprint: &protocol::fingerprint::Fingerprint, stages: &[[u8; 32]]) -> [u8; 32] {
    let mut m = CHECKED_FORMAT.as_bytes().to_vec();
    m.extend_from_slice(fingerprint.as_bytes());
    m.extend_from_slice(&s.trustee().to_be_bytes());
    m.extend_from_slice(&(stages.len() as u32).to_be_bytes());
    stages.iter().for_each(|d| m.extend_from_slice(d));
    s.signing_key().own_tag(CHECKED_FORMAT.as_bytes(), &m)
}

/// The stages of a file of checked stages as the verifier's parts verified beforehand.
fn as_verified(stages: &[[u8; 32]]) -> verifier::verify::parts::Verified {
    let mut verified = verifier::verify::parts::Verified::default();
    for d in stages {
        verified.insert(*d, String::new());
    }
    verified
}

/// The stages trustee `s` checked early for `election`, from its file at `path` (none if there is no file):
/// refused if it is not a [`CheckedFile`], is for another election or trustee, or its tag is not this trustee's.
fn read_checked(
    path: &Path,
    s: &TrusteeSecret,
    fingerprint: &protocol::fingerprint::Fingerprint,
) -> Result<Vec<[u8; 32]>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let remove = "remove it (`tallier trustee check` writes it again)";
    let file: CheckedFile = serde_json::from_slice(&read_input(path)?)
        .map_err(|e| anyhow!("{} is not a file of checked stages ({e}): {remove}", path.display()))?;
    if file.format != CHECKED_FORMAT {
        bail!("{} has format `{}`, not `{CHECKED_FORMAT}`: {remove}", path.display(), file.format);
    }
    if &file.fingerprint != fingerprint || file.trustee != s.trustee() {
        bail!(
            "{} is trustee {}'s file for election {}, not trustee {}'s for this record's election {}: give this \
             election's file, or {remove}",
            path.display(),
            file.trustee,
            file.fingerprint.to_hex(),
            s.trustee(),
            fingerprint.to_hex()
        );
    }
    let stages = file
        .stages
        .iter()
        .map(|h| protocol::group::hex_array::<32>(h, "stage digest"))
        .collect::<Result<Vec<[u8; 32]>, _>>()
        .map_err(|e| anyhow!("{}: {e}: {remove}", path.display()))?;
    let tag =
        protocol::group::hex_array::<32>(&file.tag, "tag").map_err(|e| anyhow!("{}: {e}: {remove}", path.display()))?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&checked_tag(s, fingerprint, &stages)[..], &tag[..])) {
        bail!(
            "{} was not written by trustee {}'s `tallier trustee check` (its tag differs): {remove}",
            path.display(),
            s.trustee()
        );
    }
    Ok(stages)
}

/// What [`check_early`] found: each stage present (its unit's name, its number, and whether its proof verified),
/// and how many of them the file already had.
#[derive(Debug)]
pub struct EarlyCheck {
    pub stages: Vec<(String, u16, bool)>,
    pub known: usize,
}

/// `tallier trustee check`: verifies the proofs of the mix stages already in `record` (while the next mix server
/// mixes), except those the trustee's file `checked` already names, and adds those that verified to it (written
/// owner-only, tagged with the trustee's key). `decrypt --checked` then does not verify those proofs again; every
/// other check, and every stage changed since, is done as without the file. Nothing is decrypted here.
pub fn check_early(record: &Path, secret: &Path, pass: &PassphraseSource, checked: &Path) -> Result<EarlyCheck> {
    let election = crate::record::load_record_election(record)?;
    let params = ceremony_params(election.manifest())?;
    let s = open_secret(secret, &params, pass)?;
    let before = read_checked(checked, &s, election.fingerprint())?;
    let found = verifier::verify::early::check_stages_early(record, &as_verified(&before)).map_err(|e| anyhow!(e))?;
    if found.election.fingerprint() != election.fingerprint() {
        bail!("{}: the election changed while its stages were being checked", record.display());
    }
    let mut all: std::collections::BTreeSet<[u8; 32]> = before.into_iter().collect();
    all.extend(found.stages.iter().filter_map(|(_, _, d)| *d));
    let stages: Vec<[u8; 32]> = all.into_iter().collect();
    let tag = checked_tag(&s, election.fingerprint(), &stages);
    let file = CheckedFile {
        format: CHECKED_FORMAT.into(),
        fingerprint: *election.fingerprint(),
        trustee: s.trustee(),
        stages: stages.iter().map(hex::encode).collect(),
        tag: hex::encode(tag),
    };
    replace(checked, &serde_json::to_vec_pretty(&file)?, Access::OwnerOnly)?;
    Ok(EarlyCheck {
        stages: found.stages.into_iter().map(|(name, k, d)| (name, k, d.is_some())).collect(),
        known: found.known,
    })
}

/// The units with ballots (SPEC.md §4.6: a unit whose input list has no rows has nothing to decrypt), each with
/// its rows and name; refused if trustee `j` already decrypted one.
fn decryption_units(
    record: &Path,
    election: &protocol::Election,
    j: u16,
) -> Result<Vec<(protocol::manifest::Unit, usize, String)>> {
    use crate::record::record_file;
    use protocol::record;
    let manifest = election.manifest();
    let mut units = Vec::new();
    for unit in manifest.units() {
        let rel = record::input_path(unit);
        let path = record_file(record, &rel);
        if !path.exists() {
            bail!("{} lacks {rel}: is it a record made by `tallier tally prepare`?", record.display());
        }
        let (rows, _) = crate::mix::list_shape(&path)?;
        let name = crate::record::unit_name(manifest, unit);
        let out = record::partial_path(unit, j);
        if rows > 0 && record_file(record, &out).exists() {
            bail!("{out} already exists: trustee {j} has already decrypted {name}");
        }
        units.push((unit, rows, name));
    }
    Ok(units)
}

/// The decryption proper of [`decrypt_record`], once the record verified: trustee `s` decrypts every unit's last
/// list as `verified` gives it, each read again from its file a chunk at a time (SPEC.md §10.12) and refused if it
/// is not the list V10 verified (its `H(list)`), so a list replaced after the checks gets nothing decrypted. Each
/// partial decryption is written to `UNIT/partial-J.bin.partial`, then renamed. Returns the files written.
pub fn decrypt_verified(
    record: &Path,
    verified: &verifier::verify::VerifiedForDecryption,
    s: &TrusteeSecret,
    progress: bool,
) -> Result<Vec<PathBuf>> {
    use crate::record::{record_ceremony, record_file};
    use protocol::record;

    let election = &verified.election;
    let params = ceremony_params(election.manifest())?;
    let j = s.trustee();
    let units = decryption_units(record, election, j)?;
    let rows: Vec<usize> = units.iter().map(|u| u.1).collect();
    let pairs: Vec<(&(protocol::manifest::Unit, usize, String), &verifier::verify::LastList)> =
        unit_lists(&rows, &verified.last_lists)?.into_iter().map(|(u, list)| (&units[u], list)).collect();
    let (_, _, outcome, _) = record_ceremony(record, election)?;
    let share = s.key_share(&outcome)?;
    let signing_key = s.signing_key();
    let decrypter = streamed::Decrypter {
        params: &params,
        fingerprint: election.fingerprint(),
        trustee: j,
        key_share: &share,
        signing_key: &signing_key,
    };
    let chunk = streamed::chunk_ciphertexts(streamed::DEFAULT_DECRYPTION_MEMORY, 2);
    let bar = crate::mix::progress(progress, pairs.len() as u64);
    let mut written = Vec::with_capacity(pairs.len());
    for ((unit, _, name), last) in pairs {
        bar.set_message(format!("{name}: decrypting {} rows", last.rows));
        // The list V10 verified, read again a chunk at a time; it must still be the one verified (its digest).
        let list = open_input(&record_file(record, &last.path))?;
        let out = record_file(record, &record::partial_path(*unit, j));
        let partial = Partial::create(&out, Access::Public)?;
        let header = streamed::decrypt_partially(&decrypter, &list, partial.file(), chunk, &mut OsRng)
            .with_context(|| format!("{name}: partial decryption of {}", last.path))?;
        if header.list != last.digest {
            bail!("{name}: {} changed after it was verified; nothing was written for it", last.path);
        }
        partial.commit()?;
        bar.inc(1);
        written.push(out);
    }
    bar.finish_and_clear();
    Ok(written)
}

/// Which verified last list is which unit's: `rows` gives each unit's input rows (SPEC.md §4.6, units order),
/// `lists` the verifier's last lists, one per unit or one per unit with ballots (an empty unit has no stages).
/// Returns each unit with ballots (its index) with its list; refused: a count that fits neither, or a list whose
/// rows are not its input's (a mix keeps the rows).
fn unit_lists<'a>(rows: &[usize], lists: &'a [LastList]) -> Result<Vec<(usize, &'a LastList)>> {
    let filled: Vec<usize> = (0..rows.len()).filter(|&u| rows[u] > 0).collect();
    let pairs: Vec<(usize, &LastList)> = if lists.len() == rows.len() {
        lists.iter().enumerate().filter(|(u, _)| rows[*u] > 0).collect()
    } else if lists.len() == filled.len() {
        filled.iter().copied().zip(lists).collect()
    } else {
        bail!(
            "the verifier gave {} mixed lists for {} units ({} with ballots): this verifier does not read this \
             record's units; nothing was decrypted",
            lists.len(),
            rows.len(),
            filled.len()
        );
    };
    if let Some((u, list)) = pairs.iter().find(|(u, list)| list.rows != rows[*u]) {
        bail!("unit {u}: the mixed list has {} rows, its input {}; nothing was decrypted", list.rows, rows[*u]);
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each unit with ballots gets its own list, whether the verifier gives one list per unit or one per unit with
    /// ballots; anything else is refused before decrypting.
    #[test]
    fn each_unit_with_ballots_gets_its_own_list() {
        let list = |rows: usize| LastList { path: String::new(), rows, digest: [0; 64] };
        let rows = [2, 0, 3];
        let per_unit = [list(2), list(0), list(3)];
        let got: Vec<(usize, usize)> =
            unit_lists(&rows, &per_unit).unwrap().iter().map(|(u, l)| (*u, l.rows)).collect();
        assert_eq!(got, [(0, 2), (2, 3)]);
        let per_filled = [list(2), list(3)];
        let got: Vec<(usize, usize)> =
            unit_lists(&rows, &per_filled).unwrap().iter().map(|(u, l)| (*u, l.rows)).collect();
        assert_eq!(got, [(0, 2), (2, 3)]);
        let err = unit_lists(&rows, &[list(2)]).unwrap_err().to_string();
        assert!(err.contains("gave 1 mixed lists for 3 units (2 with ballots)"), "{err}");
        let err = unit_lists(&rows, &[list(2), list(4)]).unwrap_err().to_string();
        assert!(err.contains("unit 2: the mixed list has 4 rows, its input 3"), "{err}");
    }

    #[test]
    fn misnamed_ceremony_files_are_errors_and_other_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("dealing-1.json.partial"), "ignored").unwrap();
        fs::write(dir.path().join("election-key.json"), "ignored").unwrap();
        assert!(Transcript::read(dir.path()).unwrap().files.announcements.is_empty());
        for bad in ["announcement-x.json", "announcement-01.json", "announcement-0.json"] {
            let path = dir.path().join(bad);
            fs::write(&path, "{}").unwrap();
            let err = Transcript::read(dir.path()).unwrap_err().to_string();
            assert!(err.contains(bad) && err.contains("not a ceremony file name"), "{err}");
            fs::remove_file(path).unwrap();
        }
        fs::write(dir.path().join("dealing-2.json"), "{}").unwrap();
        let err = Transcript::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("dealing-2.json: trustee 2's dealing"), "{err}");
    }
}

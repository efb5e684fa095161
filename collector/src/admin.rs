//! Administration by command line: `init`, `close`, `status`, `export`, `keygen`, and `dev-election` (a test
//! election generator).
//!
//! Input of `init` (documented in API.md): an election file `{"manifest": <Manifest JSON>, "public_key": hex}`
//! and a credential file (the public credential list, SPEC.md §4.5.1): a JSON array of hex Ed25519 credential
//! public keys, or, in an election with districts, of `{"key": hex, "district": id}`.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use deadpool_postgres::Pool;
use ed25519_dalek::SigningKey;
use protocol::ballot_box::{CredentialEntry, Electorate};
use protocol::credential::Credential;
use protocol::elgamal::SecretKey;
use protocol::log::{empty_root, LogTree, SignedTreeHead};
use protocol::manifest::{example_manifest, example_manifest_districts, Manifest};
use protocol::roles::{public_key_file, read_secret_key_file, secret_key_file, Registry, Role, RoleKey};
use protocol::{CredentialKey, Encode};
use rand_core::{CryptoRng, RngCore};

use crate::db;
use crate::state::{load_election, now_ms};

use protocol::election::ElectionParameters;

/// `collector init`: schema, election, credential registry, an empty log with its signed tree head of size 0,
/// signed with `signing_key` (which must be the key the manifest names; it is not stored: `serve` and `close`
/// read it from its file again).
///
/// `credentials` is the public credential list (`credentials.json`, SPEC.md §4.5.1): hex keys, or with districts
/// `{"key": hex, "district": id}`. It must be the registry the manifest names (eq. (4.5-1), or (4.5-2) with
/// districts): the same keys, each in the same district.
pub async fn init(
    pool: &Pool,
    election: &ElectionParameters,
    credentials: &[CredentialEntry],
    signing_key: SigningKey,
) -> anyhow::Result<()> {
    let e = election.election()?;
    let manifest = e.manifest();
    let roles = &manifest.roles;
    roles.check(Role::Collector, &signing_key.verifying_key()).context("the collector's key")?;
    let electorate =
        Electorate::from_list(manifest, credentials).map_err(|why| anyhow::anyhow!("the credential file: {why}"))?;
    let registry = electorate.registry()?;
    // A list read whole: its keys are held.
    let keys = electorate.keys().unwrap_or_default();
    if registry != roles.registry {
        let districts = if manifest.has_districts() { " with their districts" } else { "" };
        bail!(
            "the credential file holds {} keys{districts} (registry digest {}), the manifest names a registry of {} \
             (digest {}): give the credentials.json the manifest was made with",
            keys.len(),
            hex::encode(registry.digest),
            roles.registry.count,
            hex::encode(roles.registry.digest)
        );
    }
    let creds: Vec<Vec<u8>> = keys.iter().map(|k| k.as_bytes().to_vec()).collect();
    // NULL without districts; else each key's district index (below 2^15: a manifest declares far fewer).
    let districts: Vec<Option<i16>> = if electorate.districts().is_empty() {
        vec![None; creds.len()]
    } else {
        electorate
            .districts()
            .iter()
            .map(|&d| i16::try_from(d).map(Some).context("a district index above 32767"))
            .collect::<anyhow::Result<_>>()?
    };
    db::migrate(pool).await?;
    let mut client = crate::db::connect(pool).await?;
    let tx = client.transaction().await?;
    if tx.query_opt("SELECT 1 FROM election", &[]).await?.is_some() {
        bail!("this database already holds an election");
    }
    let manifest_json = serde_json::to_string(&election.manifest)?;
    tx.execute(
        "INSERT INTO election (id, manifest, public_key, fingerprint) VALUES (1, $1, $2, $3)",
        &[&manifest_json, &e.public_key().to_bytes(), &e.fingerprint().as_bytes().as_slice()],
    )
    .await?;
    tx.execute(
        "INSERT INTO credentials (credential, district) SELECT * FROM UNNEST($1::bytea[], $2::smallint[])",
        &[&creds, &districts],
    )
    .await?;
    tx.execute("INSERT INTO log_state (id, tree_size) VALUES (1, 0)", &[]).await?;
    let sth = SignedTreeHead::sign(&signing_key, *e.fingerprint(), 0, empty_root(), now_ms());
    tx.execute("INSERT INTO tree_heads (tree_size, sth) VALUES (0, $1)", &[&serde_json::to_string(&sth)?]).await?;
    tx.commit().await?;
    tracing::info!(fingerprint = %e.fingerprint().to_hex(), credentials = creds.len(), "election initialised");
    Ok(())
}

/// Reads the public credential list (`credentials.json`, SPEC.md §4.5.1): a JSON array whose entries are hex
/// credential keys or, in an election with districts, `{"key": hex, "district": id}`. An entry that is neither is
/// refused with its position.
pub fn read_credential_list(text: &str) -> anyhow::Result<Vec<CredentialEntry>> {
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).context(
        "expected the public credential list: a JSON array of hex keys (with districts, of {\"key\": hex, \
         \"district\": id})",
    )?;
    entries
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|_| {
                anyhow::anyhow!(
                    "credential {i} is not a credential key (64 lower-case hex digits of a valid Ed25519 point) nor \
                     {{\"key\": hex, \"district\": id}}: give the credentials.json the officials published"
                )
            })
        })
        .collect()
}

/// What `collector close` did: the final signed tree head, and whether this call closed the election or found
/// it closed already (then it signed nothing).
#[derive(Debug)]
pub struct Closed {
    pub final_head: SignedTreeHead,
    /// Seconds since the Unix epoch at which the election was closed (the first `close`).
    pub closed_at: u64,
    /// False when the election was closed already: the head is the one the first `close` signed.
    pub newly_closed: bool,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = &self.final_head;
        if self.newly_closed {
            writeln!(f, "election closed at {}; no ballot is accepted from now on", utc(self.closed_at))?;
        } else {
            writeln!(f, "the election was closed already, at {}; nothing signed now", utc(self.closed_at))?;
        }
        writeln!(f, "ballots in the log: {} (every ballot cast, re-votes included)", h.tree_size)?;
        writeln!(f, "final tree head: size {}, root {}", h.tree_size, hex::encode(h.root))?;
        write!(f, "final tree head signed at {} (timestamp {} ms)", utc(h.timestamp / 1000), h.timestamp)
    }
}

/// `collector close`: no ballot is accepted afterwards (the appender checks under the log lock); signs and
/// stores the final tree head with `signing_key` (from the collector's key file). Idempotent: on a closed
/// election it signs nothing and returns the final head the first `close` signed (several `close` at once are
/// serialised by the log lock; one of them signs).
pub async fn close(pool: &Pool, signing_key: &SigningKey) -> anyhow::Result<Closed> {
    db::migrate(pool).await?;
    let info = load_election(pool).await?;
    crate::state::check_signing_key(pool, &info, signing_key).await?;
    let mut client = crate::db::connect(pool).await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_one(
            "SELECT l.tree_size, l.last_accepted_at, extract(epoch FROM e.closed_at)::bigint
             FROM log_state l, election e WHERE l.id = 1 FOR UPDATE OF l",
            &[],
        )
        .await?;
    let (size, last_accepted_at, closed_at): (i64, i64, Option<i64>) = (row.get(0), row.get(1), row.get(2));
    let size = u64::try_from(size).context("negative tree size in log_state")?;
    if let Some(closed_at) = closed_at {
        let head: String = tx
            .query_opt("SELECT sth FROM tree_heads ORDER BY tree_size DESC LIMIT 1", &[])
            .await?
            .context("the election is closed but no tree head is stored")?
            .get(0);
        let final_head: SignedTreeHead = serde_json::from_str(&head).context("the stored final tree head")?;
        tx.commit().await?;
        return Ok(Closed { final_head, closed_at: closed_at.max(0) as u64, newly_closed: false });
    }
    let closed_at: i64 = tx
        .query_one("UPDATE election SET closed_at = now() RETURNING extract(epoch FROM closed_at)::bigint", &[])
        .await?
        .get(0);
    let mut tree = LogTree::new();
    crate::state::load_leaves(tx.client(), &mut tree, size).await?;
    let root = tree.root(size).context("leaves missing from the database")?;
    // Not dated before the last ballot (SPEC.md §11.7), whatever the clock says.
    let (_, timestamp) = crate::appender::batch_times(now_ms(), last_accepted_at.max(0) as u64);
    let sth = SignedTreeHead::sign(signing_key, *info.fingerprint(), size, root, timestamp);
    tx.execute(
        "INSERT INTO tree_heads (tree_size, sth) VALUES ($1, $2) ON CONFLICT (tree_size) DO UPDATE SET sth = $2",
        &[&(size as i64), &serde_json::to_string(&sth)?],
    )
    .await?;
    tx.commit().await?;
    Ok(Closed { final_head: sth, closed_at: closed_at.max(0) as u64, newly_closed: true })
}

/// `collector status`: where the election stands, read in one snapshot.
#[derive(Debug)]
pub struct Status {
    /// Seconds since the Unix epoch at which `collector close` ran; `None` while open.
    pub closed_at: Option<u64>,
    /// Ballots in the log (re-votes included).
    pub ballots: u64,
    pub last_head: SignedTreeHead,
    pub voting_period: protocol::manifest::Period,
    /// Seconds since the Unix epoch when the status was read.
    pub now: u64,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.voting_period;
        match self.closed_at {
            Some(t) => writeln!(f, "closed at {} (`collector close`): no ballot is accepted", utc(t))?,
            None if self.now < p.opens_at => {
                writeln!(f, "open, but voting starts in {} (at {})", duration(p.opens_at - self.now), utc(p.opens_at))?
            }
            None if self.now > p.closes_at => writeln!(
                f,
                "open, but the voting period ended at {}: no ballot is accepted; run `collector close`",
                utc(p.closes_at)
            )?,
            None => writeln!(
                f,
                "open: accepting ballots for {} more (until {})",
                duration(p.closes_at - self.now),
                utc(p.closes_at)
            )?,
        }
        writeln!(f, "voting period: {} to {}", utc(p.opens_at), utc(p.closes_at))?;
        writeln!(f, "ballots in the log: {}", self.ballots)?;
        let h = &self.last_head;
        write!(
            f,
            "last signed tree head: size {}, root {}, signed at {}",
            h.tree_size,
            hex::encode(h.root),
            utc(h.timestamp / 1000)
        )
    }
}

/// Reads the election's state (read-only; runs the migrations like every command).
pub async fn status(pool: &Pool) -> anyhow::Result<Status> {
    db::migrate(pool).await?;
    let info = load_election(pool).await?;
    let snapshot = crate::state::load_log(pool).await?;
    let client = pool.get().await?;
    let closed_at: Option<i64> =
        client.query_one("SELECT extract(epoch FROM closed_at)::bigint FROM election", &[]).await?.get(0);
    Ok(Status {
        closed_at: closed_at.map(|t| t.max(0) as u64),
        ballots: snapshot.tree.len(),
        last_head: snapshot.head,
        voting_period: info.election.manifest().voting_period,
        now: now_ms() / 1000,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC) for seconds since the Unix epoch: the form of the manifest's dates
/// (SPEC.md §4.1).
pub fn utc(seconds: u64) -> String {
    protocol::manifest::format_time(seconds)
}

/// A span of seconds for people: `2 d 3 h 4 min`, `5 min 6 s`.
fn duration(seconds: u64) -> String {
    let (d, h, m, s) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    match (d, h) {
        (0, 0) => format!("{m} min {s} s"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h {m} min"),
    }
}

pub use protocol::ballot_box::{BallotBox, BoxEntry, ChangeEntry, BALLOT_BOX_FORMAT};

/// `collector export`: the ballot box for the tallier, after `close`.
pub async fn export(pool: &Pool, out: &Path) -> anyhow::Result<BallotBox> {
    db::migrate(pool).await?;
    let info = load_election(pool).await?;
    let client = pool.get().await?;
    let closed: bool = client.query_one("SELECT closed_at IS NOT NULL FROM election", &[]).await?.get(0);
    anyhow::ensure!(closed, "the election is still open: run `collector close` first");
    let sth: String = client.query_one("SELECT sth FROM tree_heads ORDER BY tree_size DESC LIMIT 1", &[]).await?.get(0);
    let final_tree_head: SignedTreeHead = serde_json::from_str(&sth)?;
    let rows = client.query("SELECT leaf_index, accepted_at, ballot FROM ballots ORDER BY leaf_index", &[]).await?;
    let ballots = rows
        .iter()
        .map(|r| BoxEntry {
            leaf_index: r.get::<_, i64>(0) as u64,
            accepted_at: r.get::<_, i64>(1) as u64,
            ballot: hex::encode(r.get::<_, &[u8]>(2)),
        })
        .collect();
    // The voter list when voting opened, sorted by key bytes, with each key's district (SPEC.md §11.5:
    // `districts` parallel to `credentials`, only in an election with districts), and the changes since, in log
    // order (§4.7).
    let list = crate::state::load_initial_list(&client, info.election.manifest()).await?;
    let changes = client
        .query("SELECT leaf_index, accepted_at, change FROM voter_list_changes ORDER BY leaf_index", &[])
        .await?
        .iter()
        .map(|r| ChangeEntry {
            leaf_index: r.get::<_, i64>(0) as u64,
            accepted_at: r.get::<_, i64>(1) as u64,
            change: hex::encode(r.get::<_, &[u8]>(2)),
        })
        .collect();
    let bbox = BallotBox {
        format: BALLOT_BOX_FORMAT.into(),
        election: info.election.parameters(),
        fingerprint: *info.fingerprint(),
        collector_key: info.verifying_key.to_bytes(),
        // The collector's list is held.
        credentials: list.keys().unwrap_or_default().to_vec(),
        final_tree_head,
        ballots,
        districts: list.districts().to_vec(),
        changes,
    };
    bbox.check_registry(&info.election).context("self-check of the export: the voter list")?;
    bbox.check_log(&info.election).context("self-check of the export")?;
    bbox.electorate(&info.election).context("self-check of the export: the voter-list changes (L11)")?;
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?);
    serde_json::to_writer(&mut f, &bbox)?;
    f.flush()?;
    Ok(bbox)
}

/// A test election (development only): the example manifest, open from an hour ago for a week, a random
/// election key, `voters` credentials (the manifest's registry) and a random collector key (the manifest's;
/// the officials' and mix keys are the example's, whose secrets are public). Returns the election file, the
/// public credentials, the voters' secrets and the collector's key.
pub fn dev_election<R: RngCore + CryptoRng>(voters: usize, rng: &mut R) -> DevElection {
    dev_election_of(example_manifest(), voters, rng)
}

/// [`dev_election`] with districts: the example manifest with districts
/// ([`protocol::manifest::example_manifest_districts`]: north, centre, south), voter `i` in district `i mod 3`.
pub fn dev_election_districts<R: RngCore + CryptoRng>(voters: usize, rng: &mut R) -> DevElection {
    dev_election_of(example_manifest_districts(), voters, rng)
}

/// [`dev_election`] for `manifest` (its period, registry and collector key replaced): with districts, voter `i`
/// is in district `i mod n` of the manifest's `n`.
pub fn dev_election_of<R: RngCore + CryptoRng>(mut manifest: Manifest, voters: usize, rng: &mut R) -> DevElection {
    let now = now_ms() / 1000;
    manifest.voting_period.opens_at = now.saturating_sub(3600);
    manifest.voting_period.closes_at = now + 7 * 24 * 3600;
    let creds: Vec<Credential> = (0..voters).map(|_| Credential::generate(rng)).collect();
    let ids: Vec<String> = manifest.districts.iter().map(|d| d.id.clone()).collect();
    let public: Vec<CredentialEntry> = creds
        .iter()
        .enumerate()
        .map(|(i, c)| match ids.get(i % ids.len().max(1)) {
            Some(district) => CredentialEntry::InDistrict { key: c.public_key(), district: district.clone() },
            None => CredentialEntry::Key(c.public_key()),
        })
        .collect();
    let in_districts: Vec<(CredentialKey, u16)> =
        creds.iter().enumerate().map(|(i, c)| (c.public_key(), (i % ids.len().max(1)) as u16)).collect();
    manifest.roles.registry = if ids.is_empty() {
        Registry::of(&creds.iter().map(Credential::public_key).collect::<Vec<_>>())
    } else {
        Registry::of_districts(&in_districts)
    };
    let collector_key = protocol::generate_signing_key(rng);
    manifest.roles.collector_key =
        RoleKey::from_verifying_key(collector_key.verifying_key()).unwrap_or(manifest.roles.collector_key);
    let sk = SecretKey::generate(rng);
    let file = ElectionParameters { manifest, public_key: sk.public_key() };
    (file, public, creds, collector_key)
}

/// What [`dev_election`] makes: the election file, the public credential list (`credentials.json`), the voters'
/// secrets (in the list's order) and the collector's signing key.
pub type DevElection = (ElectionParameters, Vec<CredentialEntry>, Vec<Credential>, SigningKey);

/// Writes a dev election to `dir`: election.json, credentials.json, voters.json (the voters' secret credentials
/// in their text form, SPEC.md §8.1: tests only)
/// collector.key (the collector's signing key file, owner-only, as `collector keygen` writes it) and officials.key
/// (the officials' key file, which signs voter-list changes: the example's, tests and demos only). With
/// `districts`, the election of [`dev_election_districts`] (credentials.json then gives each voter's district).
pub fn write_dev_election<R: RngCore + CryptoRng>(
    dir: &Path,
    voters: usize,
    districts: bool,
    rng: &mut R,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let (file, public, creds, key) =
        if districts { dev_election_districts(voters, rng) } else { dev_election(voters, rng) };
    std::fs::write(dir.join("election.json"), serde_json::to_string_pretty(&file)?)?;
    std::fs::write(dir.join("credentials.json"), serde_json::to_string(&public)?)?;
    let secrets: Vec<zeroize::Zeroizing<String>> = creds.iter().map(Credential::to_text).collect();
    let json = zeroize::Zeroizing::new(serde_json::to_string(&secrets.iter().map(|s| s.as_str()).collect::<Vec<_>>())?);
    std::fs::write(dir.join("voters.json"), json.as_bytes())?;
    write_owner_only(&dir.join("collector.key"), secret_key_file(Role::Collector, &key).as_bytes())?;
    // The officials' key of the dev election (the example's, whose secret is public), so that a demo can sign
    // voter-list changes (SPEC.md §4.7) for `POST /voter-list/changes`.
    let officials = protocol::roles::example_role_secrets(1).officials;
    write_owner_only(&dir.join("officials.key"), secret_key_file(Role::Officials, &officials).as_bytes())?;
    Ok(())
}

/// `collector keygen --out DIR`: the collector's signing key, made on the collector's machine: `DIR/collector.key`
/// (secret, owner-only) and `DIR/collector.pub` (for the officials' `tallier setup manifest`). Never replaces a
/// key. Returns the public key.
pub fn keygen<R: RngCore + CryptoRng>(dir: &Path, rng: &mut R) -> anyhow::Result<ed25519_dalek::VerifyingKey> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (secret, public) = (dir.join("collector.key"), dir.join("collector.pub"));
    for p in [&secret, &public] {
        if p.exists() {
            bail!("{} already exists: refusing to replace the collector's key", p.display());
        }
    }
    let key = protocol::generate_signing_key(rng);
    write_owner_only(&secret, secret_key_file(Role::Collector, &key).as_bytes())?;
    std::fs::write(&public, public_key_file(Role::Collector, &key.verifying_key()))
        .with_context(|| format!("writing {}", public.display()))?;
    Ok(key.verifying_key())
}

/// Creates `path` (which must not exist), readable and writable by its owner only, holding `bytes`.
fn write_owner_only(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Reads the collector's secret key file (`collector keygen`, SPEC.md §4.5.2). Refuses a file that users other
/// than its owner may read or write: the key signs receipts and tree heads.
pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "{} is open to other users (mode {:o}): the collector's signing key must be owner-only; run \
                 `chmod 600 {}` (and, if others may have read it, treat the key as leaked: API.md)",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    let text =
        zeroize::Zeroizing::new(std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?);
    read_secret_key_file(&text, Role::Collector).with_context(|| format!("{}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{duration, utc};

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_790_000_123), "2026-09-21T14:15:23Z");
        assert_eq!(utc(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(duration(3 * 86_400 + 7200 + 60), "3 d 2 h 1 min");
        assert_eq!(duration(61), "1 min 1 s");
    }
}

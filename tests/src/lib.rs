//! Whole-system tests live in `tests/tests/`, the tally benchmark in `tests/examples/`. This library builds the
//! elections they share, with the real tools' library functions: a key ceremony run by `tallier`'s trustee steps
//! (each trustee's secret sealed under its passphrase, as on a trustee's machine), voters' ballots made with
//! `protocol::create_ballot`, and a ballot box signed with a collector key, as `collector export` writes it.
//! The collector's own path to the box (HTTP, PostgreSQL) is exercised by `tests/tests/election.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: failures are test failures

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use protocol::ballot_box::{BallotBox, BoxEntry, BALLOT_BOX_FORMAT};
use protocol::encoding::Selection;
use protocol::log::{ballot_hash, leaf_hash, LogTree, SignedTreeHead};
use protocol::manifest::{ContestKind, Manifest};
use protocol::record::RevocationList;
use protocol::roles::{example_role_secrets, secret_key_file, ExampleRoleSecrets, Role};
use protocol::{create_ballot, Answer, Ballot, Credential, CredentialKey, Election, Encode};
use rand::rngs::OsRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use tallier::trustee::{self, PassphraseSource};

/// The files of an election ready to be tallied.
#[derive(Debug)]
pub struct ElectionFiles {
    pub dir: PathBuf,
    pub manifest: PathBuf,
    pub ceremony: PathBuf,
    /// Trustee `j`'s sealed secret and passphrase file are at index `j − 1`.
    pub secrets: Vec<PathBuf>,
    pub passphrases: Vec<PathBuf>,
    pub election: Election,
}

impl ElectionFiles {
    pub fn passphrase(&self, trustee: u16) -> PassphraseSource {
        PassphraseSource::new(Some(self.passphrases[usize::from(trustee) - 1].clone()))
    }
}

/// Writes `manifest` and runs the whole key ceremony in `dir` with `tallier`'s trustee steps (announce, deal,
/// confirm for every trustee, the officials' close with the example officials' key, reveal, then `keys combine`).
pub fn ceremony(dir: &Path, manifest: &Manifest) -> ElectionFiles {
    ceremony_without(dir, manifest, &[])
}

/// [`ceremony`] in which the trustees in `absent` never announce (they make a secret file, as a trustee who then
/// fails to deliver its announcement would, but take no part); the others run every round.
pub fn ceremony_without(dir: &Path, manifest: &Manifest, absent: &[u16]) -> ElectionFiles {
    std::fs::create_dir_all(dir).unwrap();
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, manifest.to_json_pretty()).unwrap();
    let ceremony = dir.join("ceremony");
    std::fs::create_dir_all(&ceremony).unwrap();
    let n = manifest.trustees.count;
    let mut secrets = Vec::new();
    let mut passphrases = Vec::new();
    for j in 1..=n {
        let pass = dir.join(format!("pass-{j}"));
        std::fs::write(&pass, format!("passphrase of trustee {j}")).unwrap();
        secrets.push(dir.join(format!("secret-{j}.json")));
        passphrases.push(pass);
    }
    let source = |j: u16| PassphraseSource::new(Some(passphrases[usize::from(j) - 1].clone()));
    let present: Vec<u16> = (1..=n).filter(|j| !absent.contains(j)).collect();
    for j in 1..=n {
        trustee::init(&manifest_path, j, &secrets[usize::from(j) - 1], &ceremony, &source(j)).unwrap();
        if absent.contains(&j) {
            std::fs::remove_file(ceremony.join(format!("announcement-{j}.json"))).unwrap();
        }
    }
    let without: Vec<u16> = absent.to_vec();
    for &j in &present {
        trustee::deal(&manifest_path, &secrets[usize::from(j) - 1], &ceremony, &source(j), &without).unwrap();
    }
    for &j in &present {
        trustee::confirm(&manifest_path, &secrets[usize::from(j) - 1], &ceremony, &source(j), &[]).unwrap();
    }
    // The officials close rounds 1–3 with the example officials' key (the manifest's, for these tests).
    let officials = dir.join("officials.key");
    std::fs::write(&officials, secret_key_file(Role::Officials, &role_secrets(0).officials).as_bytes()).unwrap();
    trustee::close(&manifest_path, &ceremony, &officials, &[]).unwrap();
    for &j in &present {
        trustee::reveal(&manifest_path, &secrets[usize::from(j) - 1], &ceremony, &source(j)).unwrap().unwrap();
    }
    let key = trustee::keys_combine(&manifest_path, &ceremony, &dir.join("election-key.json"), None).unwrap();
    let election = Election::new(manifest.clone(), key.election_public_key).unwrap();
    ElectionFiles { dir: dir.to_path_buf(), manifest: manifest_path, ceremony, secrets, passphrases, election }
}

/// A random valid answer to every contest (write-ins sometimes, where allowed).
pub fn random_answers<R: Rng>(election: &Election, rng: &mut R) -> Vec<Answer> {
    random_answers_in(election, None, rng)
}

/// The district of voter `v` (its index in the voter list) in the tests' elections with districts: voters are
/// dealt to the districts in turn (`v mod #districts`); `None` without districts.
pub fn district_of_voter(manifest: &Manifest, v: usize) -> Option<u16> {
    (!manifest.districts.is_empty()).then(|| (v % manifest.districts.len()) as u16)
}

/// A random valid answer to every contest of a ballot of `district` (SPEC.md §4.6).
pub fn random_answers_in<R: Rng>(election: &Election, district: Option<u16>, rng: &mut R) -> Vec<Answer> {
    let manifest = election.manifest();
    manifest
        .ballot_contests(district)
        .into_iter()
        .map(|c| &manifest.contests[c])
        .map(|c| {
            let n = c.options.len() as u16;
            let mut options: Vec<u16> = (0..n).collect();
            for i in (1..options.len()).rev() {
                options.swap(i, rng.gen_range(0..=i));
            }
            let selections: Vec<Selection> = match c.kind {
                ContestKind::SingleChoice => vec![Selection::Option(rng.gen_range(0..n))],
                ContestKind::Approval { min, max } => {
                    let k = rng.gen_range(usize::from(min)..=usize::from(max).min(options.len()));
                    let mut chosen: Vec<u16> = options[..k].to_vec();
                    chosen.sort_unstable();
                    chosen.into_iter().map(Selection::Option).collect()
                }
                ContestKind::Graded => {
                    let grades = c.grades.len().max(1) as u16;
                    (0..n).map(|_| Selection::Option(rng.gen_range(0..grades))).collect()
                }
                ContestKind::Ranked { max_ranks } => {
                    let k = rng.gen_range(1..=usize::from(max_ranks).min(options.len()));
                    let mut ranks: Vec<Selection> = options[..k].iter().map(|&o| Selection::Option(o)).collect();
                    if c.write_in.is_some() && k < usize::from(max_ranks) && rng.gen_bool(0.1) {
                        ranks.push(Selection::WriteIn("Zed".into()));
                    }
                    ranks
                }
            };
            Answer { selections }
        })
        .collect()
}

/// One cast ballot, in log order.
#[derive(Debug)]
pub struct Cast {
    pub voter: usize,
    pub ballot: Ballot,
    pub answers: Vec<Answer>,
}

/// Voters and their ballots: every voter votes once, then the first `revotes` voters vote again.
#[derive(Debug)]
pub struct Ballots {
    pub voters: Vec<Credential>,
    pub cast: Vec<Cast>,
}

impl Ballots {
    /// Every voter in `credentials` votes once, then the first `revotes` again.
    pub fn generate(election: &Election, credentials: Vec<Credential>, revotes: usize, seed: u64) -> Self {
        let voters = credentials.len();
        let order: Vec<usize> = (0..voters).chain(0..revotes.min(voters)).collect();
        let cast =
            order.par_iter().enumerate().map(|(i, &voter)| cast(election, &credentials, i, voter, seed)).collect();
        Self { voters: credentials, cast }
    }

    /// The registry: every voter's public key, sorted by bytes.
    pub fn registry(&self) -> Vec<CredentialKey> {
        let mut keys: Vec<CredentialKey> = self.voters.iter().map(Credential::public_key).collect();
        keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        keys
    }

    /// The voter list with each voter's district ([`district_of_voter`]), as the box holds it.
    pub fn electorate(&self, manifest: &Manifest) -> protocol::ballot_box::Electorate {
        electorate(manifest, &self.voters)
    }

    /// The answers that count: each voter's last ballot, unless the voter is in `revoked`.
    pub fn counted_answers(&self, revoked: &[usize]) -> Vec<Vec<Answer>> {
        let mut last: Vec<Option<&Cast>> = vec![None; self.voters.len()];
        for c in &self.cast {
            last[c.voter] = Some(c);
        }
        last.iter()
            .enumerate()
            .filter(|(v, _)| !revoked.contains(v))
            .filter_map(|(_, c)| c.map(|c| c.answers.clone()))
            .collect()
    }
}

/// The `i`-th ballot of [`Ballots::generate`], cast by `voter` (its answers drawn from `seed` and `i`).
fn cast(election: &Election, credentials: &[Credential], i: usize, voter: usize, seed: u64) -> Cast {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed ^ (i as u64) << 1);
    let district = district_of_voter(election.manifest(), voter);
    let answers = random_answers_in(election, district, &mut rng);
    let ballot = create_ballot(election, &credentials[voter], district, &answers, &mut OsRng).unwrap().0;
    Cast { voter, ballot, answers }
}

/// Every voter's ballot as [`Ballots::generate`] makes them (no re-votes), made 65,536 at a time on all cores and
/// given out one by one: for a box of millions, which [`write_ballot_box`] writes without holding them.
pub fn ballots_in_chunks<'a>(
    election: &'a Election,
    credentials: &'a [Credential],
    seed: u64,
) -> impl Iterator<Item = Ballot> + 'a {
    const CHUNK: usize = 65_536;
    (0..credentials.len()).step_by(CHUNK).flat_map(move |start| {
        let end = (start + CHUNK).min(credentials.len());
        (start..end).into_par_iter().map(|i| cast(election, credentials, i, i, seed).ballot).collect::<Vec<_>>()
    })
}

/// `n` fresh voter credentials (made before the manifest, which binds their registry).
pub fn voters(n: usize) -> Vec<Credential> {
    (0..n).map(|_| Credential::generate(&mut OsRng)).collect()
}

/// `manifest` with the example roles (public test keys, [`role_secrets`]) for its number of mix stages and the
/// registry of `voters` (SPEC.md §4.5).
pub fn bind(mut manifest: Manifest, voters: &[Credential]) -> Manifest {
    let registry = electorate(&manifest, voters).registry().unwrap();
    manifest.roles = role_secrets(manifest.mix_stages()).roles(registry);
    manifest
}

/// The voter list of `voters` for `manifest`: with districts, voter `v` in [`district_of_voter`].
pub fn electorate(manifest: &Manifest, voters: &[Credential]) -> protocol::ballot_box::Electorate {
    let list: Vec<protocol::ballot_box::CredentialEntry> = voters
        .iter()
        .enumerate()
        .map(|(v, c)| match district_of_voter(manifest, v) {
            None => protocol::ballot_box::CredentialEntry::Key(c.public_key()),
            Some(d) => protocol::ballot_box::CredentialEntry::InDistrict {
                key: c.public_key(),
                district: manifest.districts[usize::from(d)].id.clone(),
            },
        })
        .collect();
    protocol::ballot_box::Electorate::from_list(manifest, &list).unwrap()
}

/// The secret keys of the example roles [`bind`] names (derived from public labels: tests only).
pub fn role_secrets(stages: u16) -> ExampleRoleSecrets {
    example_role_secrets(stages)
}

/// Writes every mix server's secret key file of the example roles into `dir` (as `tallier setup mix-key` would
/// on each server's machine) and returns their paths, in stage order.
pub fn mix_key_files(dir: &Path, stages: u16) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let secrets = role_secrets(stages);
    secrets
        .mix
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let k = i as u16 + 1;
            let path = dir.join(format!("mix-{k}.key"));
            std::fs::write(&path, secret_key_file(Role::Mix(k), key).as_bytes()).unwrap();
            path
        })
        .collect()
}

/// When the box of [`ballot_box`] has its ballot at leaf `i` accepted: one a minute from 1_790_000_000 s, the
/// opening of the example manifest's voting period, for the first thousand leaves, then a hundred a second (so that
/// a box of fifty million ballots still closes before the period's end, 604,800 s after its opening; at ten a
/// second a box of 5.4 million did not).
pub fn accepted_at(leaf: u64) -> u64 {
    if leaf < 1000 {
        1_790_000_000 + 60 * leaf
    } else {
        1_790_060_000 + (leaf - 1000) / 100
    }
}

/// The ballot box `collector export` would write for these ballots, in this order, signed by `collector`
/// (ballot `i` accepted at [`accepted_at`]`(i)`).
pub fn ballot_box(
    election: &Election,
    registry: Vec<CredentialKey>,
    ballots: &[Ballot],
    collector: &SigningKey,
) -> BallotBox {
    ballot_box_of(
        election,
        protocol::ballot_box::Electorate::new(registry.into_iter().map(Into::into).collect(), Vec::new()),
        ballots,
        collector,
    )
}

/// [`ballot_box`] for a voter list with districts (the box's `districts`, SPEC.md §11.5).
pub fn ballot_box_of(
    election: &Election,
    electorate: protocol::ballot_box::Electorate,
    ballots: &[Ballot],
    collector: &SigningKey,
) -> BallotBox {
    let mut entries = Vec::with_capacity(ballots.len());
    let tree = box_entries(ballots, |e| entries.push(e));
    signed_box(election, electorate, collector, &tree, entries)
}

/// [`ballot_box_of`] written to `path` as JSON without holding its entries (each ballot is dropped once encoded,
/// its entry kept in a file beside `path` until the box is written): a box of millions of ballots.
pub fn write_ballot_box(
    path: &Path,
    election: &Election,
    electorate: protocol::ballot_box::Electorate,
    ballots: impl IntoIterator<Item = Ballot>,
    collector: &SigningKey,
) {
    use std::io::Write;
    let spool = path.with_extension("entries");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&spool).unwrap());
    let tree = box_entries(ballots, |e| writeln!(out, "{} {} {}", e.leaf_index, e.accepted_at, e.ballot).unwrap());
    out.flush().unwrap();
    drop(out);
    write_json(path, &signed_box(election, electorate, collector, &tree, SpooledEntries(spool.clone())));
    std::fs::remove_file(spool).unwrap();
}

/// Each ballot's box entry (accepted at [`accepted_at`] of its leaf), given to `put` in log order; returns the log.
fn box_entries<B: std::borrow::Borrow<Ballot>>(
    ballots: impl IntoIterator<Item = B>,
    mut put: impl FnMut(BoxEntry),
) -> LogTree {
    let mut tree = LogTree::new();
    for (i, b) in ballots.into_iter().enumerate() {
        let b = b.borrow();
        let bytes = b.to_bytes();
        let accepted_at = accepted_at(i as u64);
        tree.push(leaf_hash(&b.id(), &ballot_hash(&bytes), accepted_at));
        put(BoxEntry { leaf_index: i as u64, accepted_at, ballot: hex::encode(&bytes) });
    }
    tree
}

/// The box of the log `tree` and its `entries`, its head signed by `collector` after the last acceptance.
fn signed_box<E>(
    election: &Election,
    electorate: protocol::ballot_box::Electorate,
    collector: &SigningKey,
    tree: &LogTree,
    entries: E,
) -> protocol::ballot_box::BallotBoxOf<E> {
    let size = tree.len();
    // The head is signed after the last acceptance (milliseconds; at least 1_790_100_000 s).
    let last = size.checked_sub(1).map_or(0, |leaf| accepted_at(leaf) + 1);
    let signed_at = 1000 * last.max(1_790_100_000);
    let head = SignedTreeHead::sign(collector, *election.fingerprint(), size, tree.root(size).unwrap(), signed_at);
    protocol::ballot_box::BallotBoxOf {
        format: BALLOT_BOX_FORMAT.into(),
        election: election.parameters(),
        fingerprint: *election.fingerprint(),
        collector_key: collector.verifying_key().to_bytes(),
        credentials: electorate.keys().unwrap().to_vec(),
        final_tree_head: head,
        ballots: entries,
        districts: electorate.districts().to_vec(),
        changes: Vec::new(),
    }
}

/// A box's entries kept in a file (a line `leaf accepted_at hex` each), serialized as the box's `ballots` one by
/// one as they are read back ([`write_ballot_box`]).
struct SpooledEntries(PathBuf);

impl serde::Serialize for SpooledEntries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        use std::io::BufRead;
        let file = std::fs::File::open(&self.0).map_err(S::Error::custom)?;
        let mut seq = s.serialize_seq(None)?;
        for line in std::io::BufReader::new(file).lines() {
            let line = line.map_err(S::Error::custom)?;
            let mut parts = line.splitn(3, ' ');
            let mut number = || parts.next().and_then(|p| p.parse::<u64>().ok());
            let (Some(leaf_index), Some(accepted_at)) = (number(), number()) else {
                return Err(S::Error::custom("a spooled entry without its leaf and time"));
            };
            let ballot = parts.next().unwrap_or_default().to_string();
            seq.serialize_element(&BoxEntry { leaf_index, accepted_at, ballot })?;
        }
        seq.end()
    }
}

/// Writes `value` as JSON to `path`.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) {
    let f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    serde_json::to_writer(f, value).unwrap();
}

/// The officials' revocation list for these voters, written to `path`.
pub fn revocations(path: &Path, election: &Election, officials: &SigningKey, revoked: Vec<CredentialKey>) {
    write_json(path, &RevocationList::sign(officials, *election.fingerprint(), revoked));
}

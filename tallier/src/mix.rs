//! `tallier mix`: one mix stage of one contest, or with districts of one unit (SPEC.md §9.5, §4.6).
//!
//! Reads the contest's list (the canonical binary [`CiphertextList`]: the anonymized ballots for stage 1, the
//! previous stage's output after that), shuffles and re-encrypts it, proves the shuffle, and writes the output
//! list and the proof. The permutation and the re-encryption factors live only in memory, in a
//! [`protocol::shuffle::ShuffleWitness`] that is wiped when the stage ends; nothing secret is written.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use ed25519_dalek::SigningKey;
use indicatif::{ProgressBar, ProgressStyle};
use protocol::codec::{Decode, Encode};
use protocol::election::ElectionParameters;
use protocol::roles::{read_secret_key_file, sign_stage, Role, StageDigests};
use protocol::shuffle::{shuffle, CiphertextList, ShuffleProof, ShuffleStatement};
use protocol::transcript::election_transcript;
use protocol::Election;
use zeroize::Zeroizing;

use crate::files::{read_input, read_input_text, replace, Access};

/// Reads and validates an election file (`{"manifest": …, "public_key": hex}`, SPEC.md §8.8, protocol's one type of
/// it); the fingerprint is computed from its manifest and key.
pub fn load_election(path: &Path) -> Result<Election> {
    let text = read_input_text(path).context("reading the election file")?;
    let file: ElectionParameters =
        serde_json::from_str(&text).with_context(|| format!("{} is not a valid election file", path.display()))?;
    file.election().with_context(|| format!("{}: invalid manifest", path.display()))
}

/// Reads a ciphertext list file.
pub fn read_list(path: &Path) -> Result<CiphertextList> {
    let bytes = read_input(path).context("reading a ciphertext list")?;
    CiphertextList::from_bytes(&bytes).with_context(|| format!("{} is not a valid ciphertext list", path.display()))
}

/// The rows and the width a ciphertext list file declares (its first 8 bytes, SPEC.md §9.1.1: `u32(N) ‖ u32(w)`),
/// without reading the rest: enough to know whether a unit has ballots to mix or decrypt. The list itself is
/// decoded, whole, by the step that uses it.
pub fn list_shape(path: &Path) -> Result<(usize, usize)> {
    use std::io::Read as _;
    let mut head = [0u8; 8];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .with_context(|| format!("{} is not a ciphertext list (it cannot be read or is too short)", path.display()))?;
    let rows = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let width = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    Ok((rows as usize, width as usize))
}

/// Checks that (unit, stage) exist in the manifest and that the list has the width of the unit's contest. The
/// unit is its index in [`protocol::manifest::Manifest::units`]: the contest's index without districts, else one
/// (contest, district) pair (SPEC.md §4.6, the `contest` of the mix statement §9.1.2 and of the stage's signature).
pub fn check_stage(election: &Election, unit: u32, stage: u32, list: &CiphertextList) -> Result<()> {
    let manifest = election.manifest();
    let units = manifest.units();
    let Some(u) = units.get(unit as usize) else {
        if manifest.has_districts() {
            bail!(
                "unit {unit} does not exist (the manifest has {} units: each contest once per district of it,                  numbered from 0 in the record's order)",
                units.len()
            );
        }
        bail!("contest {unit} does not exist (the manifest has {})", manifest.contests.len());
    };
    let c = manifest.contests.get(u.contest).ok_or_else(|| anyhow!("unit {unit} has no contest (this is a bug)"))?;
    if stage == 0 || stage > u32::from(manifest.mix_stages()) {
        bail!("stage {stage} does not exist (the manifest has stages 1 to {})", manifest.mix_stages());
    }
    if list.width() != c.chunks() {
        bail!(
            "the list has width {}, {} has {} chunks",
            list.width(),
            crate::record::unit_name(manifest, *u),
            c.chunks()
        );
    }
    if list.is_empty() {
        bail!("the list is empty");
    }
    Ok(())
}

/// What one stage did.
#[derive(Debug)]
pub struct StageSummary {
    pub rows: usize,
    pub width: usize,
    pub shuffle: Duration,
    pub prove: Duration,
    pub proof_bytes: usize,
}

/// A progress bar on stderr of `len` steps (hidden when `enabled` is false).
pub(crate) fn progress(enabled: bool, len: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Mix server `K`'s secret key, checked against the key the manifest names for stage `K` (SPEC.md §4.5): the
/// only way to mix a stage is with one, and every stage mixed is signed with it (§9.5.1).
#[derive(Debug)]
pub struct MixServerKey {
    stage: u16,
    key: SigningKey,
}

impl MixServerKey {
    /// Reads a `mix-K` secret key file (SPEC.md §4.5.2) and checks it is the manifest's key of stage `K`.
    pub fn read(path: &Path, election: &Election) -> Result<Self> {
        let text = Zeroizing::new(
            fs::read_to_string(path).with_context(|| format!("cannot read the key file {}", path.display()))?,
        );
        let role = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("role").and_then(|r| r.as_str()).and_then(Role::parse));
        let Some(Role::Mix(stage)) = role else {
            bail!(
                "{} is not a mix server's key file (its role must be `mix-K`; make one with `tallier setup mix-key`)",
                path.display()
            );
        };
        let key = read_secret_key_file(&text, Role::Mix(stage)).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let stages = election.manifest().mix_stages();
        if stage > stages {
            bail!("{}: stage {stage} does not exist (the manifest has stages 1 to {stages})", path.display());
        }
        election
            .manifest()
            .roles
            .check(Role::Mix(stage), &key.verifying_key())
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        Ok(MixServerKey { stage, key })
    }

    pub fn stage(&self) -> u16 {
        self.stage
    }
}

/// One stage's output: the list, the proof of shuffle, and the mix server's signature over both and the input.
#[derive(Debug)]
pub struct SignedStage {
    pub output: CiphertextList,
    pub proof: ShuffleProof,
    pub signature: [u8; 64],
}

impl SignedStage {
    /// The output list's, the proof's and the signature's bytes, to write.
    pub fn files(&self) -> (Vec<u8>, Vec<u8>, [u8; 64]) {
        (self.output.to_bytes(), self.proof.to_bytes(), self.signature)
    }
}

/// Runs one stage in memory: shuffle, prove, sign (§9.5.1). `unit` is the unit's index (the contest's without
/// districts, SPEC.md §4.6): the statement's and the signature's `contest`. Returns the signed stage and timings.
pub fn mix_list(
    election: &Election,
    unit: u32,
    key: &MixServerKey,
    input: &CiphertextList,
    bar: &ProgressBar,
) -> Result<(SignedStage, StageSummary)> {
    let stage = u32::from(key.stage);
    check_stage(election, unit, stage, input)?;
    let mut rng = rand::rngs::OsRng;
    bar.set_message(format!("shuffling {} rows", input.len()));
    let t = Instant::now();
    let (output, witness) = shuffle(election.encryption_key(), input, &mut rng);
    let shuffle_time = t.elapsed();
    bar.inc(1);
    bar.set_message("proving the shuffle");
    let statement = ShuffleStatement {
        fingerprint: election.fingerprint(),
        public_key: election.public_key(),
        contest: unit,
        stage,
        input,
        output: &output,
    };
    let t = Instant::now();
    let proof = ShuffleProof::prove(&mut election_transcript(election.fingerprint()), &statement, &witness, &mut rng)
        .context("proving the shuffle")?;
    let prove_time = t.elapsed();
    // The witness is wiped here, before anything is written.
    drop(witness);
    let digests = StageDigests::of(&input.to_bytes(), &output.to_bytes(), &proof.to_bytes());
    let signature = sign_stage(&key.key, election.fingerprint(), unit, key.stage, &digests);
    bar.inc(1);
    let summary = StageSummary {
        rows: input.len(),
        width: input.width(),
        shuffle: shuffle_time,
        prove: prove_time,
        proof_bytes: protocol::shuffle::encoded_proof_len(input.len(), input.width()).unwrap_or(0),
    };
    Ok((SignedStage { output, proof, signature }, summary))
}

/// The arguments of `tallier mix`.
#[derive(Debug, Clone)]
pub struct MixArgs {
    pub election: PathBuf,
    pub input: PathBuf,
    /// The unit's index (SPEC.md §4.6): the contest's index in an election without districts.
    pub contest: u32,
    /// Mix server K's secret key file: the stage mixed is K.
    pub key: PathBuf,
    pub output: PathBuf,
    pub proof: PathBuf,
    pub signature: PathBuf,
    pub progress: bool,
}

/// `tallier mix`: reads, mixes, proves, signs, writes.
pub fn run(args: &MixArgs) -> Result<StageSummary> {
    let election = load_election(&args.election)?;
    let key = MixServerKey::read(&args.key, &election)?;
    let bar = progress(args.progress, 4);
    bar.set_message("reading the input list");
    let input = read_list(&args.input)?;
    bar.inc(1);
    let (stage, summary) = mix_list(&election, args.contest, &key, &input, &bar)?;
    bar.set_message("writing the output list, the proof and the signature");
    let (list, proof, signature) = stage.files();
    replace(&args.output, &list, Access::Public)?;
    replace(&args.proof, &proof, Access::Public)?;
    replace(&args.signature, &signature, Access::Public)?;
    bar.inc(1);
    bar.finish_and_clear();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `list_shape` reads the rows and the width a list declares, as the list's own decoder does; a file shorter
    /// than the 8 bytes is an error that names it.
    #[test]
    fn a_lists_shape_is_read_from_its_head() {
        let dir = tempfile::tempdir().unwrap();
        let g = protocol::elgamal::generator();
        for rows in [0usize, 3] {
            let list = CiphertextList::from_flat(2, vec![protocol::Ciphertext { a: g, b: g }; 2 * rows]).unwrap();
            let path = dir.path().join(format!("list-{rows}"));
            fs::write(&path, list.to_bytes()).unwrap();
            assert_eq!(list_shape(&path).unwrap(), (list.len(), list.width()));
            assert_eq!(list_shape(&path).unwrap(), (rows, 2));
        }
        let short = dir.path().join("short");
        fs::write(&short, [0u8; 7]).unwrap();
        let err = list_shape(&short).unwrap_err().to_string();
        assert!(err.contains("short is not a ciphertext list"), "{err}");
    }
}

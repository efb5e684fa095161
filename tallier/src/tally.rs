//! The tally pipeline (SPEC.md §14): it turns the collector's ballot box into the election record, a directory
//! with exactly the files of §14.1, in three officials' steps and one step per trustee:
//!
//! 1. [`prepare`] (`tallier tally prepare`): verifies the key ceremony (§10.10) and the ballot box (L7, §11.4)
//!    and the officials' revocation list (§14.2); copies them into the record byte for byte; runs R1 check,
//!    R2 squash, R3 revoke and R4 anonymize (§14.3) with [`protocol::tally`]'s functions.
//! 2. [`mix`] (`tallier tally mix`): the mix stages of every unit (§9.5), [`crate::mix::mix_files`] each, streamed.
//! 3. [`crate::trustee::decrypt_record`] (`tallier trustee decrypt --record`): each trustee's partial decryption
//!    of every unit's last list (§10.8).
//! 4. [`finish`] (`tallier tally finish`): checks the partial decryptions (C12–C14), combines the `t` smallest
//!    indices (§10.9), decodes (R5), counts (R6), and writes `index.json` (§13) last, self-checked.
//!
//! A unit (SPEC.md §4.6, [`protocol::manifest::Manifest::units`]) is a contest, or in an election with districts
//! one contest's ballots from one of its districts: each is mixed, decrypted and decoded on its own, in the
//! folder `contest-C` or `contest-C/district-D`. A unit no remaining ballot reached has an input list of no rows
//! and then only its (empty) `answers.json`.
//!
//! Every file is written through a temporary file and a rename; every input file is read and decoded once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use protocol::limits::MAX_CIPHERTEXTS;
use protocol::record::{self, RecordIndex, RevocationList};
use protocol::tally::{self as steps, Refusal, ResultFile};
use protocol::threshold::{CeremonyParams, PlaintextList, ThresholdError};
use protocol::Election;
use rand::rngs::OsRng;
use serde::Serialize;
use verifier::verify::ReadBox;

use crate::ceremony_dir::Transcript;
use crate::files::{open_input, read_input, replace, sha256_file, Access, Partial};
use crate::mix::{chunk_memory, mix_files, progress, MixServerKey, StageFiles, StageSummary};
use crate::record::{key_hex, load_record_election, record_ceremony, record_file, refuse_finished, unit_name};
use protocol::shuffle::stream::ByteSource as _;
use protocol::threshold::streamed;

fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------------------
// prepare

/// The arguments of `tallier tally prepare`.
#[derive(Debug, Clone)]
pub struct PrepareArgs {
    /// The collector's export (§11.5).
    pub ballot_box: PathBuf,
    /// The key ceremony's directory (the files the trustees exchanged).
    pub ceremony: PathBuf,
    /// The officials' signed revocation list (§14.2).
    pub revocations: PathBuf,
    /// The record to create: absent or an empty directory.
    pub record: PathBuf,
    pub progress: bool,
}

/// What `prepare` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareSummary {
    /// Ballots in the box (re-votes included).
    pub ballots: usize,
    /// Ballots refused (R1), by reason.
    pub refused: BTreeMap<Refusal, usize>,
    /// Ballots replaced by a later one of the same voter (R2).
    pub superseded: usize,
    /// Ballots removed because their voter voted on paper (R3).
    pub revoked: usize,
    /// The voter-list changes the box holds (SPEC.md §4.7), by action.
    pub changes: ChangeCounts,
    /// Ballots removed because a later voter-list change removed or moved their credential (R3).
    pub cancelled: usize,
    /// Ballots that enter the mix (R4).
    pub counted: usize,
    /// With districts: each unit's name ([`unit_name`]) and its input list's rows, in the record's order (a
    /// unit of 0 rows is not mixed or decrypted). Empty without districts.
    pub units: Vec<(String, usize)>,
}

/// How many voter-list changes of each action a box holds (SPEC.md §4.7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    /// Credentials added.
    pub add: usize,
    /// Credentials removed.
    pub remove: usize,
    /// Credentials moved to another district.
    pub moved: usize,
}

impl ChangeCounts {
    /// The counts of `changes`, each decoded with the one decoder (eq. VL1); call after L11 has checked them.
    fn of(changes: &[protocol::ballot_box::ChangeEntry]) -> Result<Self> {
        use protocol::voter_list::{Action, VoterListChange};
        let mut counts = ChangeCounts::default();
        for entry in changes {
            let change = VoterListChange::from_hex(&entry.change)
                .with_context(|| format!("the voter-list change at leaf {}", entry.leaf_index))?;
            *match change.action {
                Action::Add => &mut counts.add,
                Action::Remove => &mut counts.remove,
                Action::Move => &mut counts.moved,
            } += 1;
        }
        Ok(counts)
    }

    /// All the changes.
    pub fn total(&self) -> usize {
        self.add + self.remove + self.moved
    }
}

impl fmt::Display for PrepareSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let refused: usize = self.refused.values().sum();
        writeln!(f, "ballots in the box:  {}", self.ballots)?;
        let c = &self.changes;
        write!(f, "voter-list changes:  {}", c.total())?;
        if c.total() > 0 {
            write!(f, " ({} add, {} remove, {} move)", c.add, c.remove, c.moved)?;
        }
        writeln!(f)?;
        write!(f, "refused (R1):        {refused}")?;
        if refused > 0 {
            let reasons: Vec<String> = self.refused.iter().map(|(r, n)| format!("{r}: {n}")).collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        writeln!(f)?;
        writeln!(f, "superseded (R2):     {}", self.superseded)?;
        write!(f, "revoked (R3):        {}", self.revoked + self.cancelled)?;
        if self.cancelled > 0 {
            write!(f, " ({} voted on paper, {} cancelled by a later voter-list change)", self.revoked, self.cancelled)?;
        }
        writeln!(f)?;
        write!(f, "counted (R4):        {}", self.counted)?;
        for (name, rows) in &self.units {
            let note = if *rows == 0 { ": no ballot, nothing to mix or decrypt" } else { "" };
            write!(f, "\n  {name}: {rows} ballot{}{note}", if *rows == 1 { "" } else { "s" })?;
        }
        Ok(())
    }
}

/// The record `prepare` is writing: a temporary directory `RECORD.partial-PID` beside `RECORD` (same parent, so
/// that the final rename is atomic), renamed to `RECORD` by [`PartialRecord::commit`] once every file is written,
/// and removed when dropped uncommitted (an error, or a panic). So `RECORD` either does not change or appears
/// whole.
struct PartialRecord {
    tmp: PathBuf,
    record: PathBuf,
    committed: bool,
}

impl PartialRecord {
    /// Refuses a `record` that exists and is not an empty directory; creates the temporary directory.
    fn create(record: &Path) -> Result<Self> {
        if record.exists() {
            let mut entries =
                fs::read_dir(record).with_context(|| format!("{} is not a directory", record.display()))?;
            if entries.next().is_some() {
                bail!("{} is not empty: a record is written into a new or empty directory", record.display());
            }
        }
        let name =
            record.file_name().ok_or_else(|| anyhow!("{} does not name a directory to create", record.display()))?;
        let parent = record.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".partial-{}", std::process::id()));
        let tmp = parent.join(tmp_name);
        fs::create_dir(&tmp).with_context(|| {
            format!("cannot create the temporary directory {} (a crashed `prepare` may have left it)", tmp.display())
        })?;
        Ok(Self { tmp, record: record.to_path_buf(), committed: false })
    }

    /// Where the files are written until [`Self::commit`].
    fn path(&self) -> &Path {
        &self.tmp
    }

    /// Renames the temporary directory to the record (over an empty directory, as rename(2) allows).
    fn commit(mut self) -> Result<()> {
        fs::rename(&self.tmp, &self.record).with_context(|| {
            format!("cannot rename {} to {} (it must be absent or empty)", self.tmp.display(), self.record.display())
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartialRecord {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the error that brought us here is the one to report.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// `tallier tally prepare`: verifies the inputs and writes the record's files up to the mix input (§14.1,
/// `prepare` rows), running R1–R4 (§14.3). The files go to a temporary directory beside the record, renamed to
/// it when all are written ([`PartialRecord`]): the record appears whole or not at all, and only if every input
/// verifies and a ballot remains.
pub fn prepare(args: &PrepareArgs) -> Result<PrepareSummary> {
    let partial = PartialRecord::create(&args.record)?;
    let bar = progress(args.progress, 7);
    bar.set_message("reading the ballot box");
    // Into the record first, then parsed from that copy (the bytes the record holds are the bytes parsed), a
    // piece at a time: the box is the largest input, its ballots decoded as they are read, their bytes kept in a
    // scratch file ([`ReadBox`]).
    let box_path = record_file(partial.path(), record::BALLOT_BOX_PATH);
    {
        let mut input = open_input(&args.ballot_box).context("reading the ballot box")?;
        let copy = Partial::create(&box_path, Access::Public)?;
        std::io::copy(&mut input, &mut copy.file())
            .with_context(|| format!("copying {} into the record", args.ballot_box.display()))?;
        copy.commit()?;
    }
    let copy = fs::File::open(&box_path).with_context(|| format!("cannot read {}", box_path.display()))?;
    let mut ballot_box: ReadBox = serde_json::from_reader(std::io::BufReader::with_capacity(1 << 20, copy))
        .with_context(|| format!("{} is not a ballot box file", args.ballot_box.display()))?;
    let election = ballot_box.election().with_context(|| format!("{}", args.ballot_box.display()))?;
    bar.inc(1);

    bar.set_message("verifying the key ceremony");
    let params = CeremonyParams::from_manifest(election.manifest())?;
    let (transcript, ceremony_files) = Transcript::read_files(&args.ceremony)?;
    let (_, outcome) = transcript
        .verify(&params)
        .with_context(|| format!("the key ceremony in {} does not verify", args.ceremony.display()))?;
    if outcome.election_key != *election.public_key() {
        bail!(
            "the ballot box {} is for the election key {}, but the key ceremony in {} gave {}: \
             the box is not for this ceremony's election",
            args.ballot_box.display(),
            key_hex(election.public_key()),
            args.ceremony.display(),
            key_hex(&outcome.election_key)
        );
    }
    bar.inc(1);

    bar.set_message("checking the ballot log (L7)");
    let ballots = ballot_box
        .take_log(&election)
        .with_context(|| format!("the ballot box {} does not hold (L7)", args.ballot_box.display()))?;
    ballot_box.check_registry(&election).with_context(|| format!("the ballot box {}", args.ballot_box.display()))?;
    // The registry is not kept: the voter list is made of it (L11 replays the changes on it).
    let electorate = ballot_box.take_electorate(&election).with_context(|| {
        format!(
            "the ballot box {} holds a voter-list change that does not hold (SPEC.md §4.7, check L11); the box \
             cannot be tallied as it is: show the officials and the collector's operator the change named at the \
             end of this message (their signed files: `tallier voter-list show`), and tally a box whose log they \
             stand by",
            args.ballot_box.display()
        )
    })?;
    let changes = ChangeCounts::of(&ballot_box.changes)?;
    bar.inc(1);

    bar.set_message("checking the revocation list");
    let revocation_bytes = read_input(&args.revocations).context("reading the revocation list")?;
    let revocations: RevocationList = serde_json::from_slice(&revocation_bytes)
        .with_context(|| format!("{} is not a revocation list", args.revocations.display()))?;
    revocations
        .verify(election.fingerprint(), &election.manifest().roles)
        .with_context(|| format!("{}", args.revocations.display()))?;
    bar.inc(1);

    bar.set_message(format!("checking {} ballots (R1)", ballots.len()));
    let rejected = steps::check(&election, &electorate, &ballots, &mut OsRng)?;
    bar.inc(1);
    bar.set_message("squash, revoke, anonymize (R2–R4)");
    let (superseded, counted) = steps::squash(&ballots, &rejected)?;
    let (revoked, remaining) = steps::revoke(&ballots, &counted, &revocations.credentials, &electorate)?;
    drop((counted, electorate));
    if remaining.is_empty() {
        bail!("no ballot remains after check, squash and revoke: there is nothing to count");
    }
    let manifest = election.manifest();
    let units = manifest.units();
    let shapes = steps::list_shapes(&election, &ballots, &remaining)?
        .ok_or_else(|| anyhow!("a remaining ballot is not in the box, or a contest has no width (this is a bug)"))?;
    for (unit, shape) in units.iter().zip(&shapes) {
        let contest = &manifest.contests[unit.contest];
        let count = shape.rows.saturating_mul(shape.width);
        if count > MAX_CIPHERTEXTS {
            let name = match unit.district {
                None => format!("{} ({})", unit_name(manifest, *unit), contest.id),
                Some(_) => unit_name(manifest, *unit),
            };
            bail!(
                "{name}: {} ballots × {} chunks = {count} ciphertexts, more than one list may hold \
                 ({MAX_CIPHERTEXTS}, SPEC.md §9.1.1)",
                shape.rows,
                shape.width
            );
        }
    }
    if shapes.iter().all(|list| list.rows == 0) {
        bail!("no contest received a ballot after check, squash and revoke: there is nothing to count");
    }
    // One input list per unit (SPEC.md §4.6), a unit no ballot reached included (a list of no rows), written into
    // the partial record as R4 gives it out (a piece at a time: the lists are never held).
    let lists: Vec<PathBuf> = units.iter().map(|u| record_file(partial.path(), &record::input_path(*u))).collect();
    for path in &lists {
        Partial::create(path, Access::Public)?.commit()?;
    }
    let mut out = |u: usize, bytes: &[u8]| -> Result<()> {
        use std::io::Write as _;
        let path = lists.get(u).ok_or_else(|| anyhow!("R4 gave a list of no unit (this is a bug)"))?;
        fs::OpenOptions::new()
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .with_context(|| format!("cannot write {}", path.display()))
    };
    let made = steps::anonymize(&election, &ballots, &remaining, &mut out)?
        .ok_or_else(|| anyhow!("a checked ballot does not have its district's shape (this is a bug)"))?;
    if made != shapes {
        bail!("R4 made lists of other shapes than it counted (this is a bug)");
    }
    for path in &lists {
        fs::File::open(path).and_then(|f| f.sync_all()).with_context(|| format!("cannot write {}", path.display()))?;
    }
    bar.inc(1);

    bar.set_message("writing the record");
    let r = partial.path();
    replace(&record_file(r, record::ELECTION_PATH), &json_bytes(&election.parameters())?, Access::Public)?;
    for f in &ceremony_files {
        replace(&record_file(r, &f.record_path), &f.bytes, Access::Public)?;
    }
    replace(&record_file(r, record::REVOCATIONS_PATH), &revocation_bytes, Access::Public)?;
    replace(&record_file(r, record::REJECTED_PATH), &json_bytes(&rejected)?, Access::Public)?;
    replace(&record_file(r, record::SUPERSEDED_PATH), &json_bytes(&superseded)?, Access::Public)?;
    replace(&record_file(r, record::REVOKED_PATH), &json_bytes(&revoked)?, Access::Public)?;
    partial.commit()?;
    bar.inc(1);
    bar.finish_and_clear();

    let mut refused = BTreeMap::new();
    for x in &rejected.rejected {
        *refused.entry(x.reason).or_insert(0) += 1;
    }
    Ok(PrepareSummary {
        ballots: ballots.len(),
        refused,
        superseded: superseded.superseded.len(),
        revoked: revoked.revoked.iter().filter(|r| r.change.is_none()).count(),
        changes,
        cancelled: revoked.revoked.iter().filter(|r| r.change.is_some()).count(),
        counted: remaining.len(),
        units: if manifest.has_districts() {
            units.iter().zip(&shapes).map(|(u, l)| (unit_name(manifest, *u), l.rows)).collect()
        } else {
            Vec::new()
        },
    })
}

// ---------------------------------------------------------------------------------------------------------
// mix

/// The arguments of `tallier tally mix`.
#[derive(Debug, Clone)]
pub struct MixArgs {
    pub record: PathBuf,
    /// Mix servers' secret key files (`mix-K`): stage `K` of every contest is mixed with each, in stage order.
    pub keys: Vec<PathBuf>,
    /// The chunks' memory in MiB for each stage (`--memory`; default
    /// [`protocol::shuffle::stream::DEFAULT_CHUNK_MEMORY`]).
    pub memory_mb: Option<usize>,
    pub progress: bool,
}

/// One stage mixed.
#[derive(Debug)]
pub struct StageDone {
    /// The unit's index (SPEC.md §4.6; the contest's index without districts).
    pub unit: usize,
    /// How people call the unit ([`unit_name`]): `contest 2`, or `council-north (north)` with districts.
    pub name: String,
    pub stage: u16,
    pub summary: StageSummary,
}

/// `tallier tally mix`: runs the mix stages whose mix servers' keys are given (§9.5, §14.3 Mix), each signed by
/// its server (§9.5.1), and writes `UNIT/stage-K.{list,proof,sig}` for every unit (SPEC.md §4.6: every contest,
/// or with districts each contest's ballots of each of its districts), the unit's index being the statement's
/// and the signature's `contest`. A unit whose input list has no rows (no ballot of its district remained) has
/// no stages. The list is written last, so a stage counts as present exactly when its list is. Stage `K` needs
/// stage `K − 1` in the record.
pub fn mix(args: &MixArgs) -> Result<Vec<StageDone>> {
    let record = &args.record;
    let election = load_record_election(record)?;
    refuse_finished(record)?;
    if args.keys.is_empty() {
        bail!("give the mix server's key (--key mix-K.key): each stage is signed by its own mix server");
    }
    let mut keys = args.keys.iter().map(|p| MixServerKey::read(p, &election)).collect::<Result<Vec<_>>>()?;
    keys.sort_by_key(MixServerKey::stage);
    if let Some(w) = keys.windows(2).find(|w| w[0].stage() == w[1].stage()) {
        bail!("two keys for stage {} were given", w[0].stage());
    }
    let manifest = election.manifest();
    // The units that have ballots to mix: those whose input list has rows.
    let mut units = Vec::new();
    for (u, unit) in manifest.units().into_iter().enumerate() {
        let rel = record::input_path(unit);
        let path = record_file(record, &rel);
        if !path.exists() {
            bail!("{} lacks {rel}: is it a record made by `tallier tally prepare`?", record.display());
        }
        if crate::mix::list_shape(&path)?.0 > 0 {
            units.push((u, unit, unit_name(manifest, unit)));
        }
    }
    let present =
        |unit: protocol::manifest::Unit, k: u16| record_file(record, &record::stage_list_path(unit, k)).exists();
    for key in &keys {
        let k = key.stage();
        for (_, unit, name) in &units {
            if present(*unit, k) {
                bail!("{name}: stage {k} is already present ({})", record::stage_list_path(*unit, k));
            }
        }
    }
    let total = (keys.len() * units.len() * 3) as u64;
    let bar = progress(args.progress, total);
    let mut done = Vec::new();
    for key in &keys {
        let k = key.stage();
        for (u, unit, name) in &units {
            let input_rel = if k == 1 { record::input_path(*unit) } else { record::stage_list_path(*unit, k - 1) };
            let input_path = record_file(record, &input_rel);
            if !input_path.exists() {
                bail!(
                    "{name}: stage {k} needs {input_rel}, which is not in the record yet (mix stage {} first)",
                    k - 1
                );
            }
            bar.set_message(format!("{name}: stage {k}"));
            let index = u32::try_from(*u).map_err(|_| anyhow!("{name}: too many units (this is a bug)"))?;
            let (output, proof, signature) = (
                record_file(record, &record::stage_list_path(*unit, k)),
                record_file(record, &record::stage_proof_path(*unit, k)),
                record_file(record, &record::stage_signature_path(*unit, k)),
            );
            let files = StageFiles { input: &input_path, output: &output, proof: &proof, signature: &signature };
            let summary = mix_files(&election, index, key, &files, chunk_memory(args.memory_mb), &bar)
                .with_context(|| format!("{name}: stage {k}"))?;
            done.push(StageDone { unit: *u, name: name.clone(), stage: k, summary });
        }
    }
    bar.finish_and_clear();
    Ok(done)
}

// ---------------------------------------------------------------------------------------------------------
// finish

/// The arguments of `tallier tally finish`.
#[derive(Debug, Clone)]
pub struct FinishArgs {
    pub record: PathBuf,
    /// Where to write the readable report too (outside the record).
    pub report: Option<PathBuf>,
    pub progress: bool,
}

/// What `finish` produced.
#[derive(Debug)]
pub struct FinishSummary {
    pub result: ResultFile,
    /// The trustees whose partial decryptions were combined, for each unit (SPEC.md §4.6; each contest without
    /// districts); none for a unit no ballot reached.
    pub trustees: Vec<Vec<u16>>,
    /// The record's head: the last chain value of the index (§13).
    pub head: [u8; 32],
    /// The readable report.
    pub report: String,
}

/// The trustee an error of C12–C14 names, if any.
fn blamed_trustee(e: &ThresholdError) -> Option<u16> {
    match e {
        ThresholdError::UnknownTrustee { trustee }
        | ThresholdError::WrongElection { trustee }
        | ThresholdError::BadSignature { trustee }
        | ThresholdError::Duplicate { trustee, .. }
        | ThresholdError::WrongList { trustee }
        | ThresholdError::BadPartialDecryption { trustee, .. }
        | ThresholdError::UndecodableShares { trustee, .. } => Some(*trustee),
        _ => None,
    }
}

/// `tallier tally finish`: for every unit (SPEC.md §4.6: every contest, or with districts each contest's ballots
/// of each of its districts) checks every partial decryption in the record (C12–C14), combines the `t` smallest
/// trustee indices (§10.9, eq. (K13)), decodes (R5, [`steps::decode_unit`]), writes `UNIT/plaintexts.list` and
/// `UNIT/answers.json` (a unit no ballot reached gets an `answers.json` with no answers and nothing else), counts
/// over all units (R6), writes `result.json`, and last `index.json` (§13), after checking it (chain, §14.1
/// layout, no other file).
pub fn finish(args: &FinishArgs) -> Result<FinishSummary> {
    let record = &args.record;
    let election = load_record_election(record)?;
    refuse_finished(record)?;
    let manifest = election.manifest();
    let report_path = args.report.as_deref().map(|p| check_report_outside(record, p)).transpose()?;
    if let Some(p) = &report_path {
        csv_path(p)?;
    }
    let units = manifest.units();
    let bar = progress(args.progress, 2 + 2 * units.len() as u64);
    bar.set_message("verifying the key ceremony");
    let (params, roster, outcome, ceremony_files) = record_ceremony(record, &election)?;
    bar.inc(1);

    // Which units have ballots (a unit whose input list has no rows has no stages and no decryption, §14.1).
    let mut filled = Vec::with_capacity(units.len());
    for unit in &units {
        let rel = record::input_path(*unit);
        let path = record_file(record, &rel);
        if !path.exists() {
            bail!("{} lacks `{rel}`: run the steps before `finish` (prepare, mix, trustee decrypt)", record.display());
        }
        let (rows, width) = crate::mix::list_shape(&path)?;
        let contest = &manifest.contests[unit.contest];
        if width != contest.chunks() {
            bail!("{rel} has width {width}, {} has {} chunks", unit_name(manifest, *unit), contest.chunks());
        }
        filled.push(rows > 0);
    }

    // Which trustee files are present, and the paths the index will list (§14.1 order).
    let n = manifest.trustees.count;
    let last = manifest.mix_stages();
    let has = |path: &str| ceremony_files.iter().any(|f| f.record_path == path);
    let mut partials = Vec::with_capacity(units.len());
    for (unit, &filled) in units.iter().zip(&filled) {
        let present: Vec<u16> =
            (1..=n).filter(|&j| filled && record_file(record, &record::partial_path(*unit, j)).exists()).collect();
        if filled && present.is_empty() {
            bail!(
                "{}: no trustee has decrypted it yet ({} is missing): at least {} trustees must run \
                 `tallier trustee decrypt --record`",
                unit_name(manifest, *unit),
                record::partial_path(*unit, 1),
                params.t
            );
        }
        partials.push(present);
    }
    let layout = record::Layout {
        ceremony: record::CEREMONY_KINDS
            .iter()
            .map(|kind| (1..=n).filter(|&j| has(&record::ceremony_path(kind, j))).collect())
            .collect(),
        partials,
        empty: filled.iter().map(|f| !f).collect(),
    };
    let paths = record::layout_paths(manifest, &layout);
    // Nothing but these files may be in the record (V1); the outputs of an interrupted finish are replaced.
    let mut on_disk = Vec::new();
    verifier::files::walk(record, "", &mut on_disk).map_err(|e| anyhow!("the record {}: {e}", record.display()))?;
    let expected: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let outputs: BTreeSet<String> = units
        .iter()
        .flat_map(|u| [record::plaintexts_path(*u), record::answers_path(*u)])
        .chain([record::RESULT_PATH.to_string()])
        .collect();
    for f in &on_disk {
        if !expected.contains(f.as_str()) {
            bail!("{} holds `{f}`, which is not a file of the record (SPEC.md §14.1): remove it", record.display());
        }
    }
    for p in &paths {
        if !outputs.contains(p) && !on_disk.contains(p) {
            bail!("{} lacks `{p}`: run the steps before `finish` (prepare, mix, trustee decrypt)", record.display());
        }
    }

    let t = usize::from(params.t);
    let mut answers = Vec::with_capacity(units.len());
    // The plaintexts of each unit that has ballots (none for an empty unit), written, committed with the answers.
    let mut plaintext_files: Vec<Option<Partial>> = Vec::with_capacity(units.len());
    let mut used = Vec::with_capacity(units.len());
    for (u, unit) in units.iter().enumerate() {
        let name = unit_name(manifest, *unit);
        let contest = &manifest.contests[unit.contest];
        if layout.empty[u] {
            // No ballot of this district remained: nothing was mixed or decrypted, and there is nothing to decode.
            let none = PlaintextList { width: contest.chunks() as u32, points: Vec::new() };
            answers.push(steps::decode_unit(&election, *unit, &none));
            plaintext_files.push(None);
            used.push(Vec::new());
            bar.inc(2);
            continue;
        }
        bar.set_message(format!("{name}: checking {} partial decryptions", layout.partials[u].len()));
        // Streamed (SPEC.md §10.12): the list and the partial decryptions read a chunk at a time, the plaintexts
        // written to their file as they are combined.
        let list_rel = record::stage_list_path(*unit, last);
        let list = open_input(&record_file(record, &list_rel))?;
        let shape = protocol::shuffle::read_list_layout(&list)
            .with_context(|| format!("{list_rel} is not a ciphertext list"))?;
        if shape.w != contest.chunks() {
            bail!("{list_rel} has width {}, {name} has {} chunks", shape.w, contest.chunks());
        }
        let mut given = Vec::with_capacity(layout.partials[u].len());
        for &j in &layout.partials[u] {
            let rel = record::partial_path(*unit, j);
            let file = open_input(&record_file(record, &rel))?;
            let frame = streamed::read_partial(&file).map_err(|e| {
                anyhow!("trustee {j}'s partial decryption {rel} does not decode ({e}): remove that file, then run finish again")
            })?;
            if frame.header.trustee != j {
                bail!(
                    "{rel} holds trustee {}'s partial decryption, not trustee {j}'s: remove that file",
                    frame.header.trustee
                );
            }
            given.push((file, frame));
        }
        let inputs: Vec<streamed::PartialInput<'_>> =
            given.iter().map(|(source, frame)| streamed::PartialInput { source, frame }).collect();
        let chunk = streamed::chunk_ciphertexts(streamed::DEFAULT_DECRYPTION_MEMORY, 1 + inputs.len());
        // The plaintexts are combined as the proofs are checked (each share decoded once), and again below only
        // if the batch of proofs failed.
        let out = Partial::create(&record_file(record, &record::plaintexts_path(*unit)), Access::Public)?;
        let (verified, combined) = streamed::verify_partials_combining(
            &params,
            election.fingerprint(),
            &roster,
            &outcome,
            &list,
            &inputs,
            chunk,
            &mut OsRng,
            Some(out.file()),
        )?;
        if let Some(e) = verified.rejected.first() {
            let file = blamed_trustee(e).map_or_else(
                || "remove the bad file".to_string(),
                |j| format!("remove {} (trustee {j}'s)", record::partial_path(*unit, j)),
            );
            bail!("{name}: a partial decryption is invalid: {e}; {file}, then run finish again");
        }
        let mut trustees = verified.trustees();
        trustees.sort_unstable();
        if trustees.len() < t {
            bail!(
                "{name}: {} valid partial decryption(s) (trustees {trustees:?}), {t} are needed: more trustees \
                 must run `tallier trustee decrypt --record`",
                trustees.len()
            );
        }
        trustees.truncate(t);
        if !combined {
            streamed::combine_partials(&params, &verified, &list, &inputs, out.file(), chunk)?;
        }
        bar.inc(1);
        bar.set_message(format!("{name}: decoding {} rows", shape.n));
        // R5 decodes the plaintexts just written, a chunk of rows at a time (the answers are held: the count needs
        // them all).
        let (width, per_chunk) = (shape.w, chunk.div_ceil(shape.w).max(1));
        let mut decoded = steps::decode_unit(&election, *unit, &PlaintextList { width: width as u32, points: vec![] });
        decoded.answers = steps::Answers::with_capacity(shape.n);
        for start in (0..shape.n).step_by(per_chunk) {
            let rows = (shape.n - start).min(per_chunk);
            let mut read = vec![0u8; 32 * rows * width];
            out.file()
                .read_at(8 + 32 * (start * width) as u64, &mut read)
                .with_context(|| format!("reading back {}", record::plaintexts_path(*unit)))?;
            let encodings: Vec<[u8; 32]> =
                read.chunks_exact(32).map(|c| <[u8; 32]>::try_from(c).unwrap_or([0xff; 32])).collect();
            let points = protocol::group::decode_elements(&encodings, "plaintexts.points")
                .context("the plaintexts just combined do not decode (this is a bug)")?;
            decoded.answers.extend(steps::decode_rows(contest, &points));
        }
        answers.push(decoded);
        plaintext_files.push(Some(out));
        used.push(trustees);
        bar.inc(1);
    }
    // The turnout (§12.5) from the registry and the tally's files, as V13 recomputes it.
    let rejected: steps::RejectedFile = read_tally_file(record, record::REJECTED_PATH, "refused ballots (R1)")?;
    let superseded: steps::SupersededFile =
        read_tally_file(record, record::SUPERSEDED_PATH, "superseded ballots (R2)")?;
    let revoked: steps::RevokedFile = read_tally_file(record, record::REVOKED_PATH, "revoked ballots (R3)")?;
    let turnout = steps::Turnout::of(&election, &rejected, &superseded, &revoked, &answers);
    let result = steps::count(&election, &answers, turnout);

    bar.set_message("writing the results and the index");
    for (unit, (file, a)) in units.iter().zip(plaintext_files.into_iter().zip(&answers)) {
        if let Some(file) = file {
            file.commit()?;
        }
        // Written as serialized (as `json_bytes` would give it), never held whole: about 85 bytes a ballot.
        let path = record_file(record, &record::answers_path(*unit));
        let file = Partial::create(&path, Access::Public)?;
        {
            use std::io::Write as _;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file.file());
            serde_json::to_writer_pretty(&mut out, a)
                .map_err(anyhow::Error::from)
                .and_then(|()| Ok(out.write_all(b"\n")?))
                .and_then(|()| Ok(out.flush()?))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        file.commit()?;
    }
    replace(&record_file(record, record::RESULT_PATH), &json_bytes(&result)?, Access::Public)?;
    let index = build_index(record, &election, &paths, &layout)?;
    replace(&record_file(record, record::INDEX_PATH), &json_bytes(&index)?, Access::Public)?;
    bar.inc(1);
    bar.finish_and_clear();

    let report = crate::report::render(&election, &result, &answers, &used, &index.head(), &revoked);
    if let Some(path) = report_path {
        replace(&path, report.as_bytes(), Access::Public)?;
        replace(&csv_path(&path)?, crate::report::csv(&result).as_bytes(), Access::Public)?;
    }
    Ok(FinishSummary { result, trustees: used, head: index.head(), report })
}

/// The index over `paths` (§13, eq. (IX1)), each file digested as it is on disk, then checked: the chain, and the
/// §14.1 layout for this manifest, which must see the trustee files `layout` names.
fn build_index(record: &Path, election: &Election, paths: &[String], layout: &record::Layout) -> Result<RecordIndex> {
    let mut index = RecordIndex::new(*election.fingerprint());
    for p in paths {
        // Each file hashed as it is read, a mebibyte at a time: the box and the proofs are never held whole.
        let path = record_file(record, p);
        index.push(p, sha256_file(&open_input(&path)?, &path)?);
    }
    index.check_chain().context("the index just built does not check (this is a bug)")?;
    let names: Vec<&str> = index.entries.iter().map(|e| e.path.as_str()).collect();
    let seen = record::check_layout(election.manifest(), &names)
        .context("the record does not have the layout of SPEC.md §14.1")?;
    if &seen != layout {
        bail!("the index's trustee files differ from the record's (this is a bug)");
    }
    Ok(index)
}

/// One of the files `prepare` wrote in `tally/` (§14.3 R1–R3), decoded.
fn read_tally_file<T: serde::de::DeserializeOwned>(record: &Path, rel: &str, what: &str) -> Result<T> {
    let bytes = read_input(&record_file(record, rel))?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!("{rel} is not the list of {what} that `tallier tally prepare` writes: prepare the record again")
    })
}

/// The CSV export's path: `result.csv` in the report's directory (SPEC.md §12.6).
fn csv_path(report: &Path) -> Result<PathBuf> {
    let csv = report.with_file_name(RESULT_CSV);
    if csv == report {
        bail!("the report cannot be named {RESULT_CSV}: the CSV export is written beside it under that name");
    }
    Ok(csv)
}

/// The file name of the CSV export, written beside the report.
pub const RESULT_CSV: &str = "result.csv";

/// The report goes outside the record: nothing but §14.1's files may be in it.
fn check_report_outside(record: &Path, report: &Path) -> Result<PathBuf> {
    let record_abs = fs::canonicalize(record).with_context(|| format!("cannot resolve {}", record.display()))?;
    let parent = report.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let parent_abs = fs::canonicalize(parent).with_context(|| format!("cannot resolve {}", parent.display()))?;
    if parent_abs.starts_with(&record_abs) {
        bail!("the report {} would be inside the record: write it elsewhere", report.display());
    }
    Ok(report.to_path_buf())
}

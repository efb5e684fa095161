//! The officials' changes to the voter list while the election is open (SPEC.md §4.7): `tallier voter-list add |
//! remove | move` signs one change (eq. VL1) on the officials' offline machine and writes it to the changes
//! directory as `change-N.json`; `tallier voter-list show` reads the directory back in words.
//!
//! The directory holds the changes in the order they were signed, `change-0.json` … `change-(N-1).json`, and
//! nothing else: the next change gets number `N`, and the collector appends them to the log in that order (it
//! refuses a change whose number is not the next). Before signing, everything that can be checked offline is:
//! the key is the manifest's `roles.officials_key`, the credential is a valid key, the district is one of the
//! manifest's, the earlier changes are this election's and the officials', and, given the credential list the
//! manifest was made from, the earlier changes and the new one apply to it ([`Electorate::apply`], check L11's one
//! checker).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use protocol::ballot_box::{Electorate, Standing};
use protocol::count::localized;
use protocol::credential::CredentialKey;
use protocol::manifest::Manifest;
use protocol::roles::Role;
use protocol::voter_list::{Action, ChangeFile, VoterListChange};
use protocol::Election;

use crate::files::{create_new, read_input, Access};
use crate::officials::{read_credential_entries, read_role_secret};

/// The language of the districts' names in the messages (as the report's).
const LANG: &str = "en";

/// The arguments of `tallier voter-list add | remove | move`.
#[derive(Debug, Clone)]
pub struct ChangeArgs {
    /// The election file (`keys combine --election`).
    pub election: PathBuf,
    /// The officials' secret key file.
    pub key: PathBuf,
    /// What the change does.
    pub action: Action,
    /// The credential key, hex.
    pub credential: String,
    /// The district's id: the new district of an add or a move, with districts.
    pub district: Option<String>,
    /// The changes directory.
    pub dir: PathBuf,
    /// The public credential list the manifest was made from (`credentials.json`), to check that the change
    /// applies.
    pub credentials: Option<PathBuf>,
}

/// A change signed and written.
#[derive(Debug, Clone)]
pub struct SignedChange {
    /// The change.
    pub change: VoterListChange,
    /// The file written, `DIR/change-N.json`.
    pub path: PathBuf,
    /// What it does, in words.
    pub words: String,
    /// Whether it was checked against the credential list (`--credentials`): that it applies after the earlier
    /// changes.
    pub checked_against_list: bool,
}

/// The file name of change number `seq`.
pub fn file_name(seq: u32) -> String {
    format!("change-{seq}.json")
}

/// The number `N` of a file name `change-N.json` (decimal, no leading zero), or `None` for any other name.
fn number_of(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("change-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

/// The changes of a directory, in order: it must hold `change-0.json` … `change-(N-1).json` and nothing else, each
/// a change file (`{"change": hex}`) whose change has the file's number. With `election`, each change must be for
/// it and signed by its officials ([`VoterListChange::verify`]). A directory that does not exist holds none.
pub fn read_changes(dir: &Path, election: Option<&Election>) -> Result<Vec<VoterListChange>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut numbers = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read the changes directory {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read the changes directory {}", dir.display()))?;
        let name = entry.file_name();
        let number = name.to_str().and_then(number_of).ok_or_else(|| {
            anyhow!(
                "{} holds `{}`, which is not a change file: the changes directory holds only change-0.json, \
                 change-1.json, … as `tallier voter-list` writes them; move that file elsewhere and run again",
                dir.display(),
                name.to_string_lossy()
            )
        })?;
        numbers.push(number);
    }
    numbers.sort_unstable();
    if let Some(missing) = (0u32..).zip(&numbers).find(|(expected, found)| expected != *found).map(|(e, _)| e) {
        bail!(
            "{} has no {} but has {}: the changes are numbered 0, 1, … without a gap, in the order they were \
             signed; put {} back (from the officials' copy) before signing another",
            dir.display(),
            file_name(missing),
            numbers.iter().filter(|&&n| n > missing).map(|&n| file_name(n)).collect::<Vec<_>>().join(", "),
            file_name(missing)
        );
    }
    let mut changes = Vec::with_capacity(numbers.len());
    for seq in numbers {
        let path = dir.join(file_name(seq));
        let change = read_change_file(&path)?;
        if change.seq != seq {
            bail!(
                "{} holds change number {}: a change belongs in change-{}.json; the directory is not as \
                 `tallier voter-list` wrote it",
                path.display(),
                change.seq,
                change.seq
            );
        }
        if let Some(election) = election {
            change.verify(election.fingerprint(), election.manifest()).with_context(|| {
                format!("{}: the changes directory must hold only this election's changes", path.display())
            })?;
        }
        changes.push(change);
    }
    Ok(changes)
}

/// Reads one change file (`{"change": hex}`, SPEC.md §4.7).
pub fn read_change_file(path: &Path) -> Result<VoterListChange> {
    let bytes = read_input(path)?;
    let file: ChangeFile = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a change file ({{\"change\": hex}})", path.display()))?;
    VoterListChange::from_hex(&file.change)
        .with_context(|| format!("{}: its change does not decode (eq. VL1)", path.display()))
}

/// A district by index, as people call it: `north (North)`, or `district 3` if the manifest has no such district.
fn district_name(manifest: Option<&Manifest>, index: u16) -> String {
    match manifest.and_then(|m| m.districts.get(usize::from(index))) {
        Some(d) => format!("`{}` ({})", d.id, localized(&d.title, LANG)),
        None => format!("district {index}"),
    }
}

/// What a change does, in words, e.g. `change 2: move credential 1f… from district `north` (North) to district
/// `centre` (Centre)`. `before` is the credential's standing before the change, when known (with the credential
/// list); `manifest` names the districts.
pub fn describe(change: &VoterListChange, manifest: Option<&Manifest>, before: Option<Standing>) -> String {
    let key = change.credential.to_hex();
    let district = |d| district_name(manifest, d);
    let has_districts = manifest.map_or(change.district != 0, Manifest::has_districts);
    let what = match change.action {
        Action::Add if has_districts => format!(
            "add credential {key} to the voter list, in district {}: its ballots from this change on count",
            district(change.district)
        ),
        Action::Add => format!("add credential {key} to the voter list: its ballots from this change on count"),
        Action::Remove => format!(
            "remove credential {key} from the voter list: its ballots before this change no longer count, and \
             the collector refuses its later ones"
        ),
        Action::Move => {
            let from = match before {
                Some(Some(Some(old))) => format!(" from district {}", district(old)),
                _ => String::new(),
            };
            format!(
                "move credential {key}{from} to district {}: its ballots before this change no longer count, and \
                 the voter may vote again, in the new district's contests",
                district(change.district)
            )
        }
    };
    format!("change {}: {what}", change.seq)
}

/// Parses a credential key given on the command line (64 hex digits, a valid key, SPEC.md §8.1).
fn parse_credential(text: &str) -> Result<CredentialKey> {
    let bytes = protocol::group::hex_array::<32>(text.trim(), "credential key")
        .and_then(|b| CredentialKey::from_bytes(&b))
        .map_err(|e| {
            anyhow!(
                "--credential {text} is not a credential key ({e}): give the voter's public key, 64 lower-case hex \
                 digits, as credentials.json lists it"
            )
        })?;
    Ok(bytes)
}

/// The district index of a change from `--district ID`, checked against the manifest: an add in an election with
/// districts and a move name one of its districts; a remove, and an add without districts, name none.
fn district_of(manifest: &Manifest, action: Action, district: Option<&str>) -> Result<u16> {
    let ids = || manifest.districts.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ");
    match (action, district, manifest.has_districts()) {
        (Action::Move, _, false) => {
            bail!("the election has no districts: a credential cannot be moved (remove it, or add another)")
        }
        (Action::Remove, Some(id), _) => {
            bail!("a remove names no district (--district {id}): leave --district out")
        }
        (Action::Add, Some(id), false) => {
            bail!("the election has no districts (--district {id}): leave --district out")
        }
        (Action::Remove, None, _) | (Action::Add, None, false) => Ok(0),
        (Action::Add | Action::Move, None, true) => {
            bail!(
                "the election has districts: give the credential's {}district with --district ID (one of: {})",
                if action == Action::Move { "new " } else { "" },
                ids()
            )
        }
        (Action::Add | Action::Move, Some(id), true) => manifest.district_index(id).ok_or_else(|| {
            anyhow!("district `{id}` is not one of the manifest's districts: give one of {} with --district", ids())
        }),
    }
}

/// `tallier voter-list add | remove | move`: checks what can be checked offline, signs the next change with the
/// officials' key and writes `DIR/change-N.json` (never replacing a file). Nothing is written if a check fails.
pub fn sign_change(args: &ChangeArgs) -> Result<SignedChange> {
    let election = crate::mix::load_election(&args.election)?;
    let manifest = election.manifest();
    let key = read_role_secret(&args.key, Role::Officials)?;
    manifest.roles.check(Role::Officials, &key.verifying_key()).map_err(|e| {
        anyhow!(
            "{}: {e}: sign with the officials' secret key whose public key the manifest names (the officials.key \
             beside the officials.pub given to `tallier setup manifest`)",
            args.key.display()
        )
    })?;
    let credential = parse_credential(&args.credential)?;
    let district = district_of(manifest, args.action, args.district.as_deref())?;
    let earlier = read_changes(&args.dir, Some(&election))?;
    let seq = u32::try_from(earlier.len()).context("too many changes in the directory")?;
    let change = VoterListChange::sign(&key, *election.fingerprint(), seq, args.action, credential, district);
    change.new_district(manifest).context("the change is not one the manifest allows")?;

    let mut before = None;
    if let Some(list_path) = &args.credentials {
        let entries = read_credential_entries(list_path)?;
        let mut list =
            Electorate::from_list(manifest, &entries).map_err(|e| anyhow!("{}: {e}", list_path.display()))?;
        manifest.roles.registry.check_with(list.keys().unwrap_or_default(), list.districts()).map_err(|e| {
            anyhow!(
                "{} is not the voter list the manifest names ({e}): give the credentials.json the manifest was \
                 made from (`tallier setup manifest --credentials`)",
                list_path.display()
            )
        })?;
        for c in &earlier {
            list.apply(manifest, c, u64::from(c.seq)).map_err(|e| {
                anyhow!(
                    "{} does not apply to the voter list of {} ({e}): the directory and the list are not of the \
                     same election, or the directory was changed",
                    args.dir.join(file_name(c.seq)).display(),
                    list_path.display()
                )
            })?;
        }
        before = Some(list.lookup(credential.as_bytes(), u64::MAX)?);
        list.apply(manifest, &change, u64::from(seq)).map_err(|e| {
            anyhow!(
                "the change does not apply to the voter list ({} and the {} earlier change(s) in {}): {e}; nothing \
                 was signed",
                list_path.display(),
                earlier.len(),
                args.dir.display()
            )
        })?;
    }

    fs::create_dir_all(&args.dir).with_context(|| format!("cannot create {}", args.dir.display()))?;
    let path = args.dir.join(file_name(seq));
    let mut json = serde_json::to_vec_pretty(&ChangeFile { change: hex::encode(change.to_bytes()) })?;
    json.push(b'\n');
    create_new(&path, &json, Access::Public)?;
    let words = describe(&change, Some(manifest), before);
    Ok(SignedChange { change, path, words, checked_against_list: args.credentials.is_some() })
}

/// `tallier voter-list show --dir DIR [--election FILE]`: each change of the directory in words, one a line; with
/// the election, each is first checked to be its own and signed by its officials.
pub fn show(dir: &Path, election: Option<&Path>) -> Result<String> {
    if !dir.is_dir() {
        bail!(
            "{} is not a directory: give the changes directory (--dir) that `tallier voter-list` wrote",
            dir.display()
        );
    }
    let election = election.map(crate::mix::load_election).transpose()?;
    let changes = read_changes(dir, election.as_ref())?;
    let manifest = election.as_ref().map(Election::manifest);
    let mut out = String::new();
    for c in &changes {
        out.push_str(&format!("{}: {}\n", file_name(c.seq), describe(c, manifest, None)));
    }
    out.push_str(&match (changes.len(), &election) {
        (0, _) => format!("{} holds no change yet", dir.display()),
        (n, Some(e)) => format!(
            "{n} change(s), each for election {} and signed by the officials' key the manifest names",
            e.fingerprint().to_hex()
        ),
        (n, None) => format!("{n} change(s); signatures not checked: give --election FILE to check them"),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::manifest::{example_manifest, example_manifest_districts};

    /// `--district` where it belongs only: with districts an add and a move name an existing district, a remove
    /// none; without districts nothing names one and nothing moves.
    #[test]
    fn the_district_is_given_where_it_belongs_and_exists() {
        let plain = example_manifest();
        assert_eq!(district_of(&plain, Action::Add, None).unwrap(), 0);
        assert_eq!(district_of(&plain, Action::Remove, None).unwrap(), 0);
        let err = district_of(&plain, Action::Add, Some("north")).unwrap_err().to_string();
        assert!(err.contains("the election has no districts (--district north): leave --district out"), "{err}");
        let err = district_of(&plain, Action::Move, Some("north")).unwrap_err().to_string();
        assert!(err.contains("a credential cannot be moved"), "{err}");
        let districts = example_manifest_districts();
        assert_eq!(district_of(&districts, Action::Add, Some("centre")).unwrap(), 1);
        assert_eq!(district_of(&districts, Action::Move, Some("south")).unwrap(), 2);
        let err = district_of(&districts, Action::Move, None).unwrap_err().to_string();
        assert!(err.contains("give the credential's new district with --district ID (one of: north, centre, south)"));
        let err = district_of(&districts, Action::Remove, Some("north")).unwrap_err().to_string();
        assert!(err.contains("a remove names no district"), "{err}");
        let err = district_of(&districts, Action::Add, Some("east")).unwrap_err().to_string();
        assert!(err.contains("district `east` is not one of the manifest's districts"), "{err}");
    }

    #[test]
    fn only_change_n_json_names_a_change() {
        assert_eq!(number_of("change-0.json"), Some(0));
        assert_eq!(number_of("change-12.json"), Some(12));
        for other in ["change-01.json", "change-.json", "change-1.json.bak", "change-x.json", "notes.txt", "change-1"] {
            assert_eq!(number_of(other), None, "{other}");
        }
    }
}

//! Election set-up: the manifest and the voters' credentials (ARCHITECTURE.md, "Flow of one election", step 1).
//!
//! `credentials.json` is the public credential list (a JSON array of hex Ed25519 public keys, in voter order):
//! it goes to the collector (`collector init --credentials`) and into the election record. `voters.json` holds
//! each voter's secret credential, for printing or sending to the voters; it is as sensitive as the votes and
//! must not leave the officials' offline machine except to the voters. It is a JSON array of the credentials'
//! text forms (SPEC.md §8.1, what the voter types), in the same order as `credentials.json`.

use std::path::Path;

use anyhow::Context;
use protocol::ballot_box::{CredentialEntry, Electorate};
use protocol::credential::Credential;
use protocol::manifest::{example_manifest, example_manifest_districts, Manifest};
use rand_core::{CryptoRng, RngCore};

use crate::files::{create_new, Access};

/// Writes the example manifest's template (three contests: single choice, approval, ranked; no `roles`) to
/// `path`, for the officials to edit before [`write_manifest`] adds the roles. With `districts`, the example of
/// an election with districts instead ([`example_manifest_districts`]: three districts, a party-list council
/// contest in each, a referendum for all).
pub fn write_example_manifest(path: &Path, districts: bool) -> anyhow::Result<()> {
    let example = if districts { example_manifest_districts() } else { example_manifest() };
    let mut value = serde_json::to_value(example)?;
    if let Some(map) = value.as_object_mut() {
        map.remove("roles");
    }
    create_new(path, serde_json::to_string_pretty(&value)?.as_bytes(), Access::Public)
}

/// What `tallier setup check` found in a manifest or in its template (the manifest without `roles`, as
/// [`write_example_manifest`] writes it).
#[derive(Debug)]
pub struct Checked {
    /// A template: no `roles` yet (its other fields are checked as a manifest's).
    pub template: bool,
    /// Every problem, one line each, naming where it is and what to do (SPEC.md §4.3); empty when there is none.
    pub problems: Vec<String>,
    /// The manifest read, if it could be read; a template's has stand-in roles, never written anywhere.
    manifest: Option<Manifest>,
}

impl Checked {
    /// What is allowed but probably a mistake, at `now` (Unix seconds): a voting period already over (every
    /// ballot would be refused) or already begun (voting starts as soon as the collector runs). Not problems: a
    /// manifest's validity does not depend on the day it is read (the verifier reads it years later).
    pub fn warnings(&self, now: u64) -> Vec<String> {
        let Some(m) = &self.manifest else { return Vec::new() };
        let (opens, closes) = (m.voting_period.opens_at, m.voting_period.closes_at);
        let time = protocol::manifest::format_time;
        if closes < now {
            vec![format!(
                "warning: voting_period.closes_at ({}) is in the past: a collector would refuse every ballot; set your \
                 election's dates",
                time(closes)
            )]
        } else if opens < now {
            vec![format!(
                "warning: voting_period.opens_at ({}) has passed: voting starts as soon as the collector runs",
                time(opens)
            )]
        } else {
            Vec::new()
        }
    }

    /// `ok: 3 contests, languages en, et, fr, voting from … to …` when there is no problem.
    pub fn summary(&self) -> Option<String> {
        let m = self.manifest.as_ref().filter(|_| self.problems.is_empty())?;
        let languages: Vec<&str> = m.title.keys().map(String::as_str).collect();
        let what = if self.template {
            "a template: no roles yet (`tallier setup manifest --base` adds them)".to_string()
        } else {
            format!(
                "{} mix stages, {} credentials; manifest digest {}",
                m.mix_stages(),
                m.roles.registry.count,
                hex::encode(m.digest())
            )
        };
        let districts = if m.has_districts() {
            let ids: Vec<&str> = m.districts.iter().map(|d| d.id.as_str()).collect();
            format!(" in {} districts ({})", ids.len(), ids.join(", "))
        } else {
            String::new()
        };
        Some(format!(
            "ok: {} contests{districts}, languages {}, voting from {} to {}, {} of {} trustees decrypt; {what}",
            m.contests.len(),
            languages.join(", "),
            protocol::manifest::format_time(m.voting_period.opens_at),
            protocol::manifest::format_time(m.voting_period.closes_at),
            m.trustees.threshold,
            m.trustees.count,
        ))
    }
}

/// `tallier setup check`: reads `text` as a manifest, or as its template when it has no `roles`, and collects
/// every problem: a JSON error (syntax, an unknown or missing field, a bad date) with its line and column, else
/// every broken rule of SPEC.md §4.3 ([`Manifest::problems`], the rules `validate` enforces).
pub fn check_manifest_text(text: &str) -> Checked {
    let stop = |template: bool, problem: String| Checked { template, problems: vec![problem], manifest: None };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return stop(false, json_problem(&e)),
    };
    let Some(map) = value.as_object() else {
        return stop(false, "the file is not a JSON object: start from `tallier setup example`".into());
    };
    let template = !map.contains_key("roles");
    let read = if template {
        // Stand-in roles, inserted right after the opening `{`: every other line and column stays where it was, so
        // that an error names the place in the file. They are valid, so they add no problem; never written.
        let roles = serde_json::to_string(&protocol::roles::example_roles(1)).unwrap_or_default();
        let comma = if map.is_empty() { "" } else { "," };
        // A JSON object: only white space comes before its `{`.
        let open = text.find('{').map_or(0, |i| i + 1);
        let (head, tail) = text.split_at(open);
        serde_json::from_str::<Manifest>(&format!("{head}\"roles\":{roles}{comma}{tail}"))
    } else {
        serde_json::from_str::<Manifest>(text)
    };
    match read {
        Err(e) => stop(template, json_problem(&e)),
        Ok(m) => {
            Checked { template, problems: m.problems().iter().map(ToString::to_string).collect(), manifest: Some(m) }
        }
    }
}

/// [`check_manifest_text`] of a file.
pub fn check_manifest(path: &Path) -> anyhow::Result<Checked> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(check_manifest_text(&text))
}

/// A JSON error as one line: where (line, column), what, and what to do.
fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let place = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&place).unwrap_or(&text);
    let todo = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => ": not valid JSON, fix it there",
        _ if what.starts_with("unknown field") => ": remove it or correct its name",
        _ if what.starts_with("missing field") => ": add it (`tallier setup example` writes every field)",
        _ => "",
    };
    format!("line {}, column {}: {what}{todo}", e.line(), e.column())
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
    use protocol::roles::{Role, Roles};
    let text = std::fs::read_to_string(base).with_context(|| format!("reading {}", base.display()))?;
    let checked = check_manifest_text(&text);
    if !checked.problems.is_empty() {
        anyhow::bail!(
            "{} has {} problem(s); fix them (`tallier setup check {}` lists them again):\n{}",
            base.display(),
            checked.problems.len(),
            base.display(),
            checked.problems.join("\n")
        );
    }
    if !checked.template {
        anyhow::bail!("{} already names the roles: give the template without `roles`", base.display());
    }
    let mut value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", base.display()))?;
    let Some(map) = value.as_object_mut() else { anyhow::bail!("{} is not a manifest template", base.display()) };
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
    let credentials = crate::officials::read_credential_entries(&roles.credentials)?;
    if credentials.is_empty() {
        anyhow::bail!("{} holds no credential", roles.credentials.display());
    }
    // The template read with stand-in roles: its districts decide how the credentials' districts are read.
    let template = checked.manifest.as_ref().ok_or_else(|| anyhow::anyhow!("{} cannot be read", base.display()))?;
    let electorate = Electorate::from_list(template, &credentials)
        .map_err(|e| anyhow::anyhow!("{}: {e}", roles.credentials.display()))?;
    let r = Roles {
        collector_key: read_role_public(&roles.collector, Role::Collector)?,
        officials_key: read_role_public(&roles.officials, Role::Officials)?,
        mix_keys: mix.into_iter().map(|(_, key)| key).collect(),
        registry: electorate.registry()?,
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

/// The voters `tallier setup credentials` makes credentials for: a number, or with districts how many in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoterCounts {
    /// An election without districts: this many voters.
    All(usize),
    /// An election with districts: each district's id and its number of voters, in the order given.
    Districts(Vec<(String, usize)>),
}

impl VoterCounts {
    /// Reads `--district ID:COUNT` (e.g. `north:40`).
    pub fn parse_district(text: &str) -> anyhow::Result<(String, usize)> {
        let bad = || {
            anyhow::anyhow!(
                "`{text}` is not a district and its number of voters: give them as ID:COUNT, e.g. --district north:40"
            )
        };
        let (id, count) = text.rsplit_once(':').ok_or_else(bad)?;
        let id = id.trim();
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if id.is_empty() {
            return Err(bad());
        }
        Ok((id.to_string(), count))
    }
}

/// Generates the voters' credentials: `DIR/credentials.json` (public) and `DIR/voters.json` (secret), in the same
/// order. Without districts `credentials.json` is a JSON array of hex keys; with districts, of
/// `{"key": hex, "district": id}` (SPEC.md §4.5.1), the districts' voters one after the other in the order given,
/// so voter `i` of `voters.json` is in the district of entry `i`. A district given twice or with no voter is
/// refused; whether the ids are the manifest's is checked by `tallier setup manifest`, which reads this list.
pub fn generate_credentials<R: RngCore + CryptoRng>(
    voters: &VoterCounts,
    dir: &Path,
    rng: &mut R,
) -> anyhow::Result<Vec<(String, usize)>> {
    let plan: Vec<(Option<&str>, usize)> = match voters {
        VoterCounts::All(n) => vec![(None, *n)],
        VoterCounts::Districts(list) => {
            let mut seen = std::collections::BTreeSet::new();
            for (id, n) in list {
                anyhow::ensure!(seen.insert(id.as_str()), "the district `{id}` is given twice: give each once");
                anyhow::ensure!(*n > 0, "the district `{id}` has no voter: give it at least one, or leave it out");
            }
            list.iter().map(|(id, n)| (Some(id.as_str()), *n)).collect()
        }
    };
    let count: usize = plan.iter().map(|(_, n)| n).sum();
    anyhow::ensure!(count > 0, "at least one voter is needed");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut public = Vec::with_capacity(count);
    let mut secret = Vec::with_capacity(count);
    for (district, n) in &plan {
        for _ in 0..*n {
            let c = Credential::generate(rng);
            public.push(match district {
                None => CredentialEntry::Key(c.public_key()),
                Some(d) => CredentialEntry::InDistrict { key: c.public_key(), district: (*d).to_string() },
            });
            secret.push(c.to_text());
        }
    }
    create_new(&dir.join("credentials.json"), serde_json::to_string_pretty(&public)?.as_bytes(), Access::Public)?;
    let secrets: Vec<&str> = secret.iter().map(|s| s.as_str()).collect();
    let json = zeroize::Zeroizing::new(serde_json::to_string_pretty(&secrets)?);
    create_new(&dir.join("voters.json"), json.as_bytes(), Access::OwnerOnly)?;
    Ok(plan.into_iter().filter_map(|(d, n)| d.map(|d| (d.to_string(), n))).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_voting_period_in_the_past_or_begun_is_warned_of() {
        let m = protocol::manifest::example_manifest();
        let checked = super::check_manifest_text(&serde_json::to_string(&m).unwrap());
        assert!(checked.problems.is_empty());
        let (opens, closes) = (m.voting_period.opens_at, m.voting_period.closes_at);
        assert!(checked.warnings(opens - 1).is_empty());
        let begun = checked.warnings(opens + 1);
        assert!(begun.len() == 1 && begun[0].contains("opens_at") && begun[0].contains("has passed"), "{begun:?}");
        let over = checked.warnings(closes + 1);
        assert!(over.len() == 1 && over[0].contains("closes_at") && over[0].contains("in the past"), "{over:?}");
        let broken = super::check_manifest_text("{");
        assert!(broken.warnings(closes + 1).is_empty(), "no manifest read, nothing to warn of");
    }

    use super::*;
    use protocol::credential::CredentialKey;
    use rand_core::OsRng;

    #[test]
    fn credentials_match_their_public_list_and_are_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("tallier-setup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        generate_credentials(&VoterCounts::All(5), &dir, &mut OsRng).unwrap();
        let public: Vec<String> =
            serde_json::from_slice(&std::fs::read(dir.join("credentials.json")).unwrap()).unwrap();
        let secret: Vec<String> = serde_json::from_slice(&std::fs::read(dir.join("voters.json")).unwrap()).unwrap();
        assert_eq!(public.len(), 5);
        for (p, s) in public.iter().zip(&secret) {
            assert_eq!(&Credential::from_text(s).unwrap().public_key().to_hex(), p);
            let key: [u8; 32] = hex::decode(p).unwrap().try_into().unwrap();
            CredentialKey::from_bytes(&key).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |f: &str| std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode("voters.json"), 0o600, "the voters' secrets are readable by their owner only");
        }
        assert!(generate_credentials(&VoterCounts::All(5), &dir, &mut OsRng).is_err());
        write_example_manifest(&dir.join("template.json"), false).unwrap();
        assert!(read_manifest(&dir.join("template.json")).is_err(), "a template names no roles");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

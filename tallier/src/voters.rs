//! `tallier setup voters`: the officials' voter list (CSV) turned into the voters' credentials, the public registry,
//! the officials' private list and one printable letter per voter (ARCHITECTURE.md, "Flow of one election",
//! step 1; SPEC.md §4.5.1 step 1).
//!
//! The list is UTF-8 CSV (with or without a byte-order mark; comma- or semicolon-separated) whose header names
//! the columns `voter_id`, `name`, `address` (postal address, several lines allowed, or e-mail) and, optionally,
//! `district`. In an election without districts the district is only kept in the private list and printed on the
//! letter; in one with districts (the manifest's `districts`) every voter must have one of them, by its id or its
//! name in any language ([`voter_districts`]): it decides the contests on the voter's ballot, its entry of
//! `credentials.json` names it, and the letter gives its name and says so in each language. Every problem of the
//! list is named with its line in one run ([`read_voter_list`]), and nothing is written while there is one.
//!
//! The output directory (new or empty) receives:
//! - `credentials.json`: the public credential list, a JSON array of hex Ed25519 public keys in list order (with
//!   districts, of `{"key": hex, "district": id}`), the format of `tallier setup credentials` (read by
//!   `tallier setup manifest --credentials` and `collector init --credentials`);
//! - `voters.csv` (readable by its owner only): `voter_id,name,address,district,credential`, the credential in its
//!   text form ([`credential_text`]);
//! - `letters.html` (owner only): one A4 letter per voter, to print: name and address, the election's title and
//!   voting period, plain instructions in the chosen languages, the credential as grouped text and as a QR code of
//!   `URL#c=CREDENTIAL`. It loads nothing and runs no script;
//! - with `--voters-json`, `voters.json` (owner only): the secrets as `tallier setup credentials` writes them (a
//!   JSON array of the credentials' text forms), for tools such as `voter-sim`.
//!
//! Every secret is as sensitive as a vote: these files stay on the officials' offline machine until printed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use protocol::ballot_box::CredentialEntry;
use protocol::credential::Credential;
use protocol::manifest::{District, Localized, Manifest, Period};
use qrcodegen::{QrCode, QrCodeEcc};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::files::{create_new, create_new_file, read_input, Access};

/// The most characters of a voter id.
pub const MAX_ID_CHARS: usize = 64;
/// The most characters of a name.
pub const MAX_NAME_CHARS: usize = 200;
/// The most characters of an address (all its lines).
pub const MAX_ADDRESS_CHARS: usize = 500;
/// The most characters of a district.
pub const MAX_DISTRICT_CHARS: usize = 100;
/// The most voters one list may hold (the registry's count is a `u32`; a letter file beyond this is unprintable).
pub const MAX_VOTERS: usize = 1_000_000;
/// The languages the letters can be written in.
pub const LETTER_LANGUAGES: [&str; 3] = ["en", "et", "fr"];

/// The credential's text form, what the voter types (or the QR code carries) on the voting page and what
/// `voters.json` holds for `voter-sim`: [`Credential::to_text`] (SPEC.md §8.1, 14 groups of 4 base32 characters,
/// the last one a check). Every text of a credential this module writes comes from here.
pub fn credential_text(c: &Credential) -> Zeroizing<String> {
    c.to_text()
}

/// One voter of the list: the list's own (trimmed) fields and the line of the file where its row starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// The line of the list file where this voter's row starts (1 is the header).
    pub line: u64,
    /// Unique in the list.
    pub voter_id: String,
    /// Never empty.
    pub name: String,
    /// Postal address (lines separated by `\n`) or e-mail; may be empty (a letter handed over in person).
    pub address: String,
    /// Empty when the list has no district column or this voter's is empty.
    pub district: String,
}

/// One problem of a voter list, at the line of the file where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListProblem {
    /// 1-based line of the file (the row's first line).
    pub line: u64,
    /// What is wrong and what to do.
    pub message: String,
}

/// Every problem found in a voter list (at least one), in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListProblems(pub Vec<ListProblem>);

impl std::fmt::Display for ListProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        let them = if n == 1 { "it" } else { "them" };
        write!(f, "the voter list has {n} problem{}; fix {them} and run again (nothing was written):", plural(n))?;
        for p in &self.0 {
            write!(f, "\n  line {}: {}", p.line, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ListProblems {}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The list's columns: name, whether the column is required, whether a value is, most characters.
const COLUMNS: [(&str, bool, bool, usize); 4] = [
    ("voter_id", true, true, MAX_ID_CHARS),
    ("name", true, true, MAX_NAME_CHARS),
    ("address", true, false, MAX_ADDRESS_CHARS),
    ("district", false, false, MAX_DISTRICT_CHARS),
];
const EXPECTED_HEADER: &str = "voter_id,name,address,district";

/// Reads a voter list (the bytes of a CSV file, see the module's documentation) and checks every row: the header
/// names `voter_id`, `name`, `address` (and optionally `district`) once each and nothing else; every row has the
/// header's number of fields, is UTF-8, has a voter id and a name, no field over its length (e.g.
/// [`MAX_NAME_CHARS`]), no control character (an address may have several lines), no field starting with `=`,
/// `+` or `@` (a spreadsheet would run it as a formula), no voter id twice; and the list has at least one voter.
/// Rows whose every field is empty are skipped. Every problem is returned, each with its line.
pub fn read_voter_list(bytes: &[u8]) -> Result<Vec<Voter>, ListProblems> {
    let one = |message: String| Err(ListProblems(vec![ListProblem { line: 1, message }]));
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return one("the file is UTF-16 text: save the list as \"CSV UTF-8\" (comma-separated) and run again".into());
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return one(format!(
            "the file is empty: it needs the header row `{EXPECTED_HEADER}` and then one row per voter"
        ));
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter(body)).from_reader(body);
    let mut problems = Vec::new();
    let mut problem = |line: u64, message: String| problems.push(ListProblem { line, message });
    // The line where a record starts. The reader's own line count leaves out line breaks inside quotes, and its
    // byte position is where the previous record ended: the record starts after the line breaks that follow.
    let newlines: Vec<usize> = body.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
    let line_of = |p: Option<&csv::Position>| {
        let end = p.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX)).min(body.len());
        let start = end + body[end..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        newlines.partition_point(|&n| n < start) as u64 + 1
    };
    let mut record = csv::ByteRecord::new();
    let mut header: Option<(usize, [Option<usize>; 4])> = None;
    let mut voters: Vec<Voter> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_of(e.position());
                problem(line, format!("the file cannot be read as CSV ({e}); nothing after this line was read"));
                break;
            }
        }
        let line = line_of(record.position());
        let Some((width, columns)) = header else {
            header = Some(read_header(&record, line, &mut problem));
            continue;
        };
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != width {
            let hint = if record.len() > width {
                "a comma inside a name or an address needs quotes (\"Tamm, Mari\")"
            } else {
                "give every column, an empty one too (`1001,Mari Maasikas,Tartu,`)"
            };
            problem(
                line,
                format!("{} field{}, but the header has {width}: {hint}", record.len(), plural(record.len())),
            );
            continue;
        }
        let mut fields: [String; 4] = Default::default();
        let mut readable = true;
        for (i, raw) in record.iter().enumerate() {
            let Ok(text) = std::str::from_utf8(raw) else {
                problem(line, "the row is not UTF-8 text: save the list as \"CSV UTF-8\" and run again".into());
                readable = false;
                break;
            };
            if let Some(c) = columns.iter().position(|&at| at == Some(i)) {
                fields[c] = text.trim().replace("\r\n", "\n");
            }
        }
        if !readable {
            continue;
        }
        for (c, (column, _, required, max)) in COLUMNS.iter().enumerate() {
            let value = &fields[c];
            if columns[c].is_none() {
                continue;
            }
            if value.is_empty() {
                if *required {
                    problem(line, format!("the {} is empty", column_words(column)));
                }
                continue;
            }
            let chars = value.chars().count();
            if chars > *max {
                problem(
                    line,
                    format!("the {} is {chars} characters long; at most {max} are allowed", column_words(column)),
                );
            }
            if let Some(bad) = value.chars().find(|&ch| ch.is_control() && !(ch == '\n' && *column == "address")) {
                problem(
                    line,
                    format!(
                        "the {} holds the control character U+{:04X}{}",
                        column_words(column),
                        u32::from(bad),
                        if bad == '\n' { " (a line break: only an address may have several lines)" } else { "" }
                    ),
                );
            }
            if let Some(first) = value.chars().next().filter(|ch| matches!(ch, '=' | '+' | '@')) {
                problem(
                    line,
                    format!(
                        "the {} starts with `{first}`, which a spreadsheet would run as a formula: remove it",
                        column_words(column)
                    ),
                );
            }
        }
        let [voter_id, name, address, district] = fields;
        if !voter_id.is_empty() {
            if let Some(first) = seen.get(&voter_id) {
                problem(line, format!("the voter id `{voter_id}` is already on line {first}: each voter id once"));
                continue;
            }
            seen.insert(voter_id.clone(), line);
        }
        voters.push(Voter { line, voter_id, name, address, district });
    }
    if header.is_some_and(|(_, columns)| columns[..3].iter().all(Option::is_some)) && voters.is_empty() {
        problem(1, "the list has no voters: add one row per voter under the header".into());
    }
    if voters.len() > MAX_VOTERS {
        problem(1, format!("the list has {} voters; at most {MAX_VOTERS} are allowed: split it", voters.len()));
    }
    if problems.is_empty() {
        Ok(voters)
    } else {
        Err(ListProblems(problems))
    }
}

/// `,` unless the header line has semicolons (or tabs) and no comma, as spreadsheets write in many locales.
fn delimiter(body: &[u8]) -> u8 {
    let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
    if first.contains(&b',') {
        b','
    } else if first.contains(&b';') {
        b';'
    } else if first.contains(&b'\t') {
        b'\t'
    } else {
        b','
    }
}

fn column_words(column: &str) -> &'static str {
    match column {
        "voter_id" => "voter id",
        "name" => "name",
        "address" => "address",
        _ => "district",
    }
}

/// The header: its width and where each of [`COLUMNS`] is.
fn read_header(
    record: &csv::ByteRecord,
    line: u64,
    problem: &mut impl FnMut(u64, String),
) -> (usize, [Option<usize>; 4]) {
    let mut columns = [None; 4];
    for (i, raw) in record.iter().enumerate() {
        let Ok(text) = std::str::from_utf8(raw) else {
            problem(line, "the header is not UTF-8 text: save the list as \"CSV UTF-8\" and run again".into());
            continue;
        };
        let name = text.trim().to_lowercase();
        match COLUMNS.iter().position(|(c, _, _, _)| *c == name) {
            Some(c) if columns[c].is_some() => problem(line, format!("the column `{name}` is named twice")),
            Some(c) => columns[c] = Some(i),
            None => problem(
                line,
                format!(
                    "unknown column `{}`: the header is `{EXPECTED_HEADER}` (district may be left out)",
                    text.trim()
                ),
            ),
        }
    }
    for (c, (name, required, _, _)) in COLUMNS.iter().enumerate() {
        if *required && columns[c].is_none() {
            problem(
                line,
                format!("the column `{name}` is missing: the header is `{EXPECTED_HEADER}` (district may be left out)"),
            );
        }
    }
    (record.len(), columns)
}

/// What a letter says about the election, from the manifest template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterElection {
    /// The election's title by language.
    pub title: Localized,
    /// When voting is open.
    pub voting_period: Period,
    /// The manifest's districts (empty without): each voter of the list is in one of them.
    pub districts: Vec<District>,
}

/// In an election with districts, each voter's district (an index into `districts`): the list's `district` is a
/// district's id, or its name in any language, in any case. Every voter without one, or with one the manifest
/// does not have, is a problem at its line.
pub fn voter_districts(voters: &[Voter], districts: &[District]) -> Result<Vec<u16>, ListProblems> {
    let ids: Vec<&str> = districts.iter().map(|d| d.id.as_str()).collect();
    let find = |text: &str| {
        let text = text.to_lowercase();
        districts
            .iter()
            .position(|d| d.id == text || d.id.to_lowercase() == text)
            .or_else(|| districts.iter().position(|d| d.title.values().any(|t| t.to_lowercase() == text)))
    };
    let mut problems = Vec::new();
    let mut found = Vec::with_capacity(voters.len());
    for v in voters {
        match find(&v.district).and_then(|d| u16::try_from(d).ok()) {
            Some(d) => found.push(d),
            None if v.district.is_empty() => problems.push(ListProblem {
                line: v.line,
                message: format!(
                    "the district is empty: in this election every voter is in one district; give one of {}",
                    ids.join(", ")
                ),
            }),
            None => problems.push(ListProblem {
                line: v.line,
                message: format!(
                    "the district `{}` is not one of the manifest's districts: give one of {} (its id, or its name \
                     in any language)",
                    v.district,
                    ids.join(", ")
                ),
            }),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(ListProblems(problems))
    }
}

/// Reads the edited manifest template (`tallier setup manifest --out TEMPLATE`, without `roles`) and checks it
/// as `tallier setup manifest --base` will (SPEC.md §4.3). A manifest that already binds a registry is refused:
/// the credentials made here are new, and the manifest is made from them afterwards (SPEC.md §4.5.1).
pub fn read_letter_election(path: &Path) -> anyhow::Result<LetterElection> {
    let text = crate::files::read_input_text(path)?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let Some(map) = value.as_object_mut() else { bail!("{} is not a manifest template", path.display()) };
    if map.contains_key("roles") {
        bail!(
            "{} already binds a credential registry, which these new credentials would not be in: give the \
             edited template (without `roles`); `tallier setup manifest --base` binds the new credentials.json",
            path.display()
        );
    }
    // Stand-in roles, only so that the one manifest check (SPEC.md §4.3) checks the template; never written.
    map.insert("roles".into(), serde_json::to_value(protocol::roles::example_roles(1))?);
    let manifest: Manifest = serde_json::from_value(value)
        .with_context(|| format!("{} is not a valid manifest template", path.display()))?;
    manifest.validate().with_context(|| format!("{}", path.display()))?;
    Ok(LetterElection { title: manifest.title, voting_period: manifest.voting_period, districts: manifest.districts })
}

/// Checks the voting page's address printed on the letters: `https://HOST…` (`http://` only for this machine:
/// `localhost`, `127.0.0.1`, `[::1]`), without a fragment (`#`), spaces or control characters, at most 200
/// characters. Returns it trimmed.
pub fn check_voting_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|rest| is_local(rest)))
        .ok_or_else(|| {
            anyhow!(
                "the voting address `{url}` must start with https:// (http:// only for localhost), e.g. \
                 --url https://vote.example.org/"
            )
        })?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    if host.is_empty() {
        bail!("the voting address `{url}` has no host name, e.g. --url https://vote.example.org/");
    }
    if url.contains('#') {
        bail!("the voting address `{url}` has a `#` part: give it without (the letter adds #c=CREDENTIAL)");
    }
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>')) {
        bail!("the voting address `{url}` holds {c:?}: give it as the browser shows it, without spaces");
    }
    if url.chars().count() > 200 {
        bail!("the voting address is over 200 characters: give a shorter one (it goes into a QR code)");
    }
    Ok(url.to_string())
}

fn is_local(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Parses a UTC offset `+HH:MM` or `-HH:MM` (or `Z`, `UTC`) into seconds, at most 14 hours.
pub fn parse_utc_offset(text: &str) -> anyhow::Result<i64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
        return Ok(0);
    }
    let bad = || anyhow!("`{t}` is not a UTC offset: give it as +HH:MM or -HH:MM, e.g. --utc-offset +03:00");
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h * 60 + m > 14 * 60 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// What `tallier setup voters` reads.
#[derive(Debug, Clone)]
pub struct VotersArgs {
    /// The voter list (CSV).
    pub list: PathBuf,
    /// The edited manifest template.
    pub manifest: PathBuf,
    /// The voting page's address.
    pub url: String,
    /// The output directory (absent or empty).
    pub out: PathBuf,
    /// The letters' languages in order; empty: those of the manifest's title among [`LETTER_LANGUAGES`].
    pub languages: Vec<String>,
    /// Times on the letters at this offset from UTC (`+HH:MM`); `None`: UTC.
    pub utc_offset: Option<String>,
    /// Also write `voters.json` (the secrets in `tallier setup credentials`' format).
    pub voters_json: bool,
}

/// What `tallier setup voters` wrote.
#[derive(Debug, Clone)]
pub struct VotersSummary {
    /// How many voters (and credentials, and letters).
    pub voters: usize,
    /// The letters' languages, in order.
    pub languages: Vec<&'static str>,
    /// The files written, public first.
    pub files: Vec<PathBuf>,
}

/// `tallier setup voters`: checks the list, the template, the address and the options (nothing is written if any
/// is wrong), makes one credential per voter with `rng`, and writes the files of the module's documentation.
pub fn write_voters<R: RngCore + CryptoRng>(args: &VotersArgs, rng: &mut R) -> anyhow::Result<VotersSummary> {
    let url = check_voting_url(&args.url)?;
    let election = read_letter_election(&args.manifest)?;
    let languages = letter_languages(&election.title, &args.languages, &args.manifest)?;
    let offset = args.utc_offset.as_deref().map(parse_utc_offset).transpose()?.unwrap_or(0);
    let bytes = read_input(&args.list)?;
    let mut voters = read_voter_list(&bytes).map_err(|e| anyhow!("{}: {e}", args.list.display()))?;
    // With districts, each voter's district, written by its id from here on.
    let districts: Vec<Option<u16>> = if election.districts.is_empty() {
        vec![None; voters.len()]
    } else {
        let found =
            voter_districts(&voters, &election.districts).map_err(|e| anyhow!("{}: {e}", args.list.display()))?;
        for (v, &d) in voters.iter_mut().zip(&found) {
            v.district = election.districts[usize::from(d)].id.clone();
        }
        found.into_iter().map(Some).collect()
    };
    check_out_dir(&args.out)?;

    let letter = Letter { election: &election, languages: &languages, url: &url, offset };
    let created = prepare_out_dir(&args.out)?;
    let path = |name: &str| args.out.join(name);
    let mut made: Vec<PathBuf> = Vec::new();
    // The private files are written as the credentials are made, one voter at a time, straight from wiped buffers
    // (no unwiped write buffer in between): memory stays that of one letter, whatever the number of voters.
    let result = (|| -> anyhow::Result<()> {
        let mut csv = NewFile::create(&path("voters.csv"), Access::OwnerOnly, &mut made)?;
        csv.write(CSV_HEADER.as_bytes())?;
        let mut html = NewFile::create(&path("letters.html"), Access::OwnerOnly, &mut made)?;
        html.write(letters_head(&election, &languages).as_bytes())?;
        let mut secrets = match args.voters_json {
            true => Some(NewFile::create(&path("voters.json"), Access::OwnerOnly, &mut made)?),
            false => None,
        };
        let mut public = Vec::with_capacity(voters.len());
        for (i, (voter, district)) in voters.iter().zip(&districts).enumerate() {
            let credential = Credential::generate(rng);
            public.push(match district {
                None => CredentialEntry::Key(credential.public_key()),
                Some(_) => {
                    CredentialEntry::InDistrict { key: credential.public_key(), district: voter.district.clone() }
                }
            });
            let text = credential_text(&credential);
            let mut row = Zeroizing::new(String::with_capacity(voter_row_capacity(voter)));
            for field in [&voter.voter_id, &voter.name, &voter.address, &voter.district] {
                csv_field(&mut row, field);
                row.push(',');
            }
            csv_field(&mut row, &text);
            row.push('\n');
            csv.write(row.as_bytes())?;
            html.write(letter.render(voter, *district, &text)?.as_bytes())?;
            if let Some(file) = secrets.as_mut() {
                // The JSON array `serde_json::to_string_pretty` writes, one element at a time.
                let mut element = Zeroizing::new(String::from(if i == 0 { "[\n  \"" } else { ",\n  \"" }));
                element.push_str(&text); // base32 letters, digits and hyphens: nothing to escape in JSON
                element.push('"');
                file.write(element.as_bytes())?;
            }
        }
        html.write(LETTERS_TAIL.as_bytes())?;
        csv.finish()?;
        html.finish()?;
        if let Some(mut file) = secrets {
            file.write(if voters.is_empty() { b"[]" } else { b"\n]" })?;
            file.finish()?;
        }
        made.push(path("credentials.json"));
        create_new(&path("credentials.json"), serde_json::to_string_pretty(&public)?.as_bytes(), Access::Public)
    })();
    if let Err(e) = result {
        // Leave nothing half-made: what was written is removed (the next run needs an empty directory anyway).
        for file in &made {
            let _ = std::fs::remove_file(file);
        }
        if created {
            let _ = std::fs::remove_dir(&args.out);
        }
        return Err(e);
    }
    let mut files = vec![path("credentials.json"), path("voters.csv"), path("letters.html")];
    if args.voters_json {
        files.push(path("voters.json"));
    }
    Ok(VotersSummary { voters: voters.len(), languages, files })
}

/// A new file written piece by piece straight to the file (each piece one `write_all`, so a secret is never
/// copied into a buffer that is not wiped), synced at the end.
struct NewFile {
    file: std::fs::File,
    path: PathBuf,
}

impl NewFile {
    /// Creates `path`, which must not exist yet, and records it in `made` (removed again if a later step fails).
    fn create(path: &Path, access: Access, made: &mut Vec<PathBuf>) -> anyhow::Result<Self> {
        let file = create_new_file(path, access)?;
        made.push(path.to_path_buf());
        Ok(Self { file, path: path.to_path_buf() })
    }

    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        use std::io::Write as _;
        self.file.write_all(bytes).with_context(|| format!("writing {}", self.path.display()))
    }

    fn finish(self) -> anyhow::Result<()> {
        self.file.sync_all().with_context(|| format!("writing {}", self.path.display()))
    }
}

const CSV_HEADER: &str = "voter_id,name,address,district,credential\n";

fn voter_row_capacity(v: &Voter) -> usize {
    2 * (v.voter_id.len() + v.name.len() + v.address.len() + v.district.len()) + 16 + 256
}

/// Appends `field` as one CSV field: quoted (with `"` doubled) when it holds a comma, a quote or a line break.
fn csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r', ';']) {
        out.push('"');
        for c in field.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// The languages asked for (each in the manifest's title and one we have text for), or by default those of the
/// manifest's title we have text for, in the title's order.
fn letter_languages(title: &Localized, asked: &[String], manifest: &Path) -> anyhow::Result<Vec<&'static str>> {
    let ours = |lang: &str| LETTER_LANGUAGES.iter().copied().find(|l| *l == lang);
    if asked.is_empty() {
        let found: Vec<&'static str> = title.keys().filter_map(|l| ours(l)).collect();
        if found.is_empty() {
            bail!(
                "{}'s title is in {}; the letters can be written in {} only: add a title in one of them",
                manifest.display(),
                title.keys().cloned().collect::<Vec<_>>().join(", "),
                LETTER_LANGUAGES.join(", ")
            );
        }
        return Ok(found);
    }
    let mut out = Vec::new();
    for lang in asked {
        let lang = lang.trim();
        let Some(l) = ours(lang) else {
            bail!("no letter text in `{lang}`: the letters can be written in {}", LETTER_LANGUAGES.join(", "));
        };
        if !title.contains_key(l) {
            bail!("{}'s title has no `{l}` text: add it, or leave `{l}` out of --languages", manifest.display());
        }
        if out.contains(&l) {
            bail!("`{l}` is given twice in --languages");
        }
        out.push(l);
    }
    Ok(out)
}

/// `out` must be absent or an empty directory.
fn check_out_dir(out: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.is_dir() => {
            let mut entries = std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
            if entries.next().is_some() {
                bail!("{} is not empty: the voters' files are written into a new or empty directory", out.display());
            }
            Ok(())
        }
        Ok(_) => bail!("{} exists and is not a directory: give a new or empty directory", out.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("reading {}", out.display())),
    }
}

/// Checks `out` again and creates it if absent; says whether it was created.
fn prepare_out_dir(out: &Path) -> anyhow::Result<bool> {
    check_out_dir(out)?;
    if out.exists() {
        return Ok(false);
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    Ok(true)
}

/// `text` with `& < > " '` escaped for HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The credential's text in groups of four characters, four groups a line (lines joined by `<br>`): for reading
/// and typing (the page ignores spaces).
fn grouped_html(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() * 2 + 32));
    for (i, group) in text.split('-').enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push_str("<br>");
        } else if i > 0 {
            out.push(' ');
        }
        push_escaped(&mut out, group);
    }
    out
}

/// The QR code of `text` (error correction M, the mode qrcodegen picks for the whole text) as inline SVG: black
/// modules on white with a 4-module quiet zone, one path of horizontal runs (`M x,y h n v1 h -n z`).
pub fn qr_svg(text: &str, label: &str) -> anyhow::Result<Zeroizing<String>> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium)
        .map_err(|_| anyhow!("the voting address is too long for a QR code: give a shorter one"))?;
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = Zeroizing::new(String::with_capacity(16 * 1024));
    for y in 0..qr.size() {
        let mut x = 0;
        while x < qr.size() {
            if !qr.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < qr.size() && qr.get_module(x, y) {
                x += 1;
            }
            let n = x - start;
            let _ = write!(path, "M{},{}h{n}v1h-{n}z", start + border, y + border);
        }
    }
    let mut svg = Zeroizing::new(String::with_capacity(path.len() + 512));
    let _ = write!(
        svg,
        "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{}\"><rect width=\"{size}\" height=\"{size}\" \
         fill=\"#fff\"/><path d=\"",
        escape_html(label)
    );
    svg.push_str(&path);
    svg.push_str("\" fill=\"#000\"/></svg>");
    Ok(svg)
}

/// The fixed texts of a letter in one language.
struct Texts {
    lang: &'static str,
    code_label: &'static str,
    id_label: &'static str,
    district_label: &'static str,
    /// With districts: `{district}`, the voter's district's name.
    district_line: &'static str,
    qr_label: &'static str,
    /// `{open}`, `{close}`, `{zone}`.
    period: &'static str,
    /// `{url}` in the first.
    steps: [&'static str; 3],
    /// Secret; may vote again (the last vote counts); a paper vote cancels the e-vote.
    rules: [&'static str; 3],
    date: fn(Civil) -> String,
}

const EN: Texts = Texts {
    lang: "en",
    code_label: "Voting code",
    id_label: "Voter ID",
    district_label: "District",
    district_line: "You vote in the {district} district: your ballot holds the contests of this district.",
    qr_label: "QR code: the voting page with your voting code",
    period: "You can vote online from {open} to {close} ({zone}).",
    steps: [
        "Open {url} in a web browser, or scan the QR code with your phone's camera.",
        "Enter your voting code. If you scanned the QR code, it is already filled in.",
        "Make your choices and cast your vote. The page then tells you how to check that your vote was counted.",
    ],
    rules: [
        "Your voting code is secret. Do not show it to anyone. Anyone who has it can vote in your name.",
        "You may vote again. Only your last vote counts.",
        "If you vote on paper, your online vote is cancelled.",
    ],
    date: |c| format!("{} {} {} at {:02}:{:02}", c.day, EN_MONTHS[c.month0()], c.year, c.hour, c.minute),
};

const ET: Texts = Texts {
    lang: "et",
    code_label: "Hääletamiskood",
    id_label: "Valija tunnus",
    district_label: "Ringkond",
    district_line: "Te hääletate ringkonnas {district}: teie hääletussedelil on selle ringkonna valimised.",
    qr_label: "QR-kood: hääletamise veebileht koos teie hääletamiskoodiga",
    period: "E-hääletamine algab {open} ja lõpeb {close} ({zone}).",
    steps: [
        "Avage veebilehitsejas aadress {url} või skannige QR-kood telefoni kaameraga.",
        "Sisestage oma hääletamiskood. Kui skannisite QR-koodi, on kood juba sisestatud.",
        "Tehke oma valik ja andke hääl. Seejärel näitab leht, kuidas kontrollida, et teie hääl läks arvesse.",
    ],
    rules: [
        "Teie hääletamiskood on salajane. Ärge näidake seda kellelegi. Kes koodi teab, saab teie nimel hääletada.",
        "Võite uuesti hääletada. Arvesse läheb ainult viimane hääl.",
        "Kui hääletate paberil, tühistatakse teie e-hääl.",
    ],
    date: |c| format!("{:02}.{:02}.{} kell {:02}.{:02}", c.day, c.month, c.year, c.hour, c.minute),
};

const FR: Texts = Texts {
    lang: "fr",
    code_label: "Code de vote",
    id_label: "Numéro d'électeur",
    district_label: "Circonscription",
    district_line: "Vous votez dans la circonscription {district} : votre bulletin porte les scrutins de cette \
                    circonscription.",
    qr_label: "Code QR : la page de vote avec votre code de vote",
    period: "Le vote en ligne est ouvert du {open} au {close} ({zone}).",
    steps: [
        "Ouvrez {url} dans un navigateur web, ou scannez le code QR avec l'appareil photo de votre téléphone.",
        "Saisissez votre code de vote. Si vous avez scanné le code QR, il est déjà rempli.",
        "Faites vos choix et votez. La page vous explique ensuite comment vérifier que votre vote a été compté.",
    ],
    rules: [
        "Votre code de vote est secret. Ne le montrez à personne. Toute personne qui le connaît peut voter à \
         votre place.",
        "Vous pouvez voter à nouveau. Seul votre dernier vote compte.",
        "Si vous votez sur papier, votre vote en ligne est annulé.",
    ],
    date: |c| {
        let day = if c.day == 1 { "1er".to_string() } else { c.day.to_string() };
        format!("{day} {} {} à {} h {:02}", FR_MONTHS[c.month0()], c.year, c.hour, c.minute)
    },
};

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn texts(lang: &str) -> &'static Texts {
    match lang {
        "et" => &ET,
        "fr" => &FR,
        _ => &EN,
    }
}

/// A calendar date and time of day (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
}

impl Civil {
    /// Seconds since the Unix epoch, shifted by `offset` seconds.
    fn at(seconds: u64, offset: i64) -> Civil {
        let t = i64::try_from(seconds).unwrap_or(i64::MAX / 2).saturating_add(offset);
        let (days, rem) = (t.div_euclid(86_400), t.rem_euclid(86_400));
        let (year, month, day) = protocol::manifest::civil_from_days(days);
        // In range by construction: day 1..=31, month 1..=12, hour < 24, minute < 60.
        let small = |v: i64| u32::try_from(v).unwrap_or_default();
        Civil { year, month: small(month), day: small(day), hour: small(rem / 3600), minute: small(rem % 3600 / 60) }
    }

    fn month0(self) -> usize {
        usize::try_from(self.month.saturating_sub(1)).unwrap_or_default().min(11)
    }
}

/// `UTC`, or `UTC+03:00`.
fn zone_name(offset: i64) -> String {
    if offset == 0 {
        return "UTC".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// What every letter shares.
struct Letter<'a> {
    election: &'a LetterElection,
    languages: &'a [&'static str],
    url: &'a str,
    offset: i64,
}

impl Letter<'_> {
    /// One voter's letter (an `<article>`), in a wiped buffer. With districts, `district` is the voter's: the
    /// letter names it in each language, and says that the ballot holds that district's contests.
    fn render(&self, voter: &Voter, district: Option<u16>, credential: &str) -> anyhow::Result<Zeroizing<String>> {
        let district = district.and_then(|d| self.election.districts.get(usize::from(d)));
        let district_title = |lang: &str| district.map(|d| protocol::count::localized(&d.title, lang).to_string());
        let first = texts(self.languages.first().copied().unwrap_or("en"));
        let joined = |f: fn(&Texts) -> &'static str| -> String {
            self.languages.iter().map(|l| f(texts(l))).collect::<Vec<_>>().join(" / ")
        };
        let mut link = Zeroizing::new(String::with_capacity(self.url.len() + 3 + credential.len()));
        link.push_str(self.url);
        link.push_str("#c=");
        link.push_str(credential);
        let svg = qr_svg(&link, first.qr_label)?;
        let mut out = Zeroizing::new(String::with_capacity(svg.len() + 8 * 1024));
        let _ = write!(out, "<article class=\"letter\" lang=\"{}\">\n<div class=\"recipient\">", first.lang);
        push_escaped(&mut out, &voter.name);
        for line in voter.address.lines() {
            out.push_str("<br>");
            push_escaped(&mut out, line.trim());
        }
        out.push_str("</div>\n<p class=\"ref\">");
        push_escaped(&mut out, &joined(|t| t.id_label));
        out.push_str(": ");
        push_escaped(&mut out, &voter.voter_id);
        if !voter.district.is_empty() {
            out.push_str(" &middot; ");
            push_escaped(&mut out, &joined(|t| t.district_label));
            out.push_str(": ");
            match district {
                // The district's name in each language (once where the languages share it).
                Some(_) => {
                    let mut names: Vec<String> = Vec::new();
                    for lang in self.languages {
                        let name = district_title(lang).unwrap_or_default();
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    push_escaped(&mut out, &names.join(" / "));
                }
                None => push_escaped(&mut out, &voter.district),
            }
        }
        out.push_str("</p>\n<div class=\"credential\">");
        out.push_str(&svg);
        out.push_str("<div><p class=\"label\">");
        push_escaped(&mut out, &joined(|t| t.code_label));
        out.push_str("</p><p class=\"code\">");
        out.push_str(&grouped_html(credential));
        out.push_str("</p><p class=\"url\">");
        push_escaped(&mut out, self.url);
        out.push_str("</p></div></div>\n");
        let open = Civil::at(self.election.voting_period.opens_at, self.offset);
        let close = Civil::at(self.election.voting_period.closes_at, self.offset);
        let url_html = format!("<strong>{}</strong>", escape_html(self.url));
        for lang in self.languages {
            let t = texts(lang);
            let title = self.election.title.get(*lang).map(String::as_str).unwrap_or_default();
            let _ = write!(out, "<section lang=\"{}\">\n<h2>{}</h2>\n<p>", t.lang, escape_html(title));
            let period = t
                .period
                .replace("{open}", &(t.date)(open))
                .replace("{close}", &(t.date)(close))
                .replace("{zone}", &zone_name(self.offset));
            push_escaped(&mut out, &period);
            if let Some(name) = district_title(lang) {
                out.push(' ');
                push_escaped(&mut out, &t.district_line.replace("{district}", &name));
            }
            out.push_str("</p>\n<ol>");
            for step in t.steps {
                let _ = write!(out, "<li>{}</li>", escape_html(step).replace("{url}", &url_html));
            }
            out.push_str("</ol>\n<ul class=\"rules\">");
            for rule in t.rules {
                let _ = write!(out, "<li>{}</li>", escape_html(rule));
            }
            out.push_str("</ul>\n</section>\n");
        }
        out.push_str("</article>\n");
        Ok(out)
    }
}

/// The document's head: A4 pages, one letter a page, nothing loaded from elsewhere, no script.
fn letters_head(election: &LetterElection, languages: &[&'static str]) -> String {
    let lang = languages.first().copied().unwrap_or("en");
    let title = election.title.get(lang).map(String::as_str).unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} &mdash; {}</title>\n<style>\n{LETTERS_CSS}</style>\n</head>\n<body>\n",
        escape_html(title),
        texts(lang).code_label
    )
}

const LETTERS_CSS: &str = "@page { size: A4; margin: 15mm 18mm; }
html { color: #000; background: #fff; }
body { margin: 0; font-family: \"DejaVu Sans\", \"Liberation Sans\", Arial, Helvetica, sans-serif; font-size: 9.5pt;
  line-height: 1.3; }
.letter { page-break-after: always; break-after: page; }
.letter:last-child { page-break-after: auto; break-after: auto; }
.recipient { min-height: 28mm; margin: 6mm 0 3mm 0; font-size: 11pt; }
.ref { font-size: 8.5pt; margin: 0 0 3mm 0; }
.credential { display: flex; align-items: center; gap: 7mm; border: 0.5mm solid #000; padding: 2mm 4mm;
  margin: 0 0 4mm 0; page-break-inside: avoid; break-inside: avoid; }
.qr { width: 36mm; height: 36mm; flex: none; }
.label { margin: 0 0 1mm 0; font-weight: bold; }
.code { margin: 0 0 1mm 0; font-family: \"DejaVu Sans Mono\", \"Liberation Mono\", \"Courier New\", monospace;
  font-size: 14pt; letter-spacing: 0.04em; line-height: 1.4; }
.url { margin: 0; word-break: break-all; }
section { margin: 0 0 3mm 0; page-break-inside: avoid; break-inside: avoid; }
h2 { font-size: 11pt; margin: 0 0 1mm 0; }
p, ol, ul { margin: 0 0 1mm 0; }
ol, ul { padding-left: 6mm; }
.rules li { font-weight: bold; }
@media screen {
  html { background: #ccc; }
  .letter { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 15mm 18mm;
    background: #fff; }
}
";

const LETTERS_TAIL: &str = "</body>\n</html>\n";

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    fn problems(csv: &[u8]) -> Vec<(u64, String)> {
        read_voter_list(csv).unwrap_err().0.into_iter().map(|p| (p.line, p.message)).collect()
    }

    #[test]
    fn a_list_with_bom_quotes_semicolons_and_several_address_lines_is_read() {
        let csv = "\u{feff}voter_id,name,address,district\r\n\
                   1,Õie Täht,\"Pärnu mnt 1\r\n10141 Tallinn\",Kesklinn\r\n\
                   \r\n\
                   2,\"Šõle, Žanna\",zanna@example.ee,\r\n\
                   ,,,\r\n\
                   3,François Lefèvre-Garçon,\"12 rue de l'Église, 75004 Paris\",\r\n";
        let voters = read_voter_list(csv.as_bytes()).unwrap();
        assert_eq!(voters.len(), 3);
        assert_eq!(voters[0].name, "Õie Täht");
        assert_eq!(voters[0].address, "Pärnu mnt 1\n10141 Tallinn");
        assert_eq!(voters[0].district, "Kesklinn");
        assert_eq!((voters[1].name.as_str(), voters[1].line), ("Šõle, Žanna", 5));
        assert_eq!(voters[2].address, "12 rue de l'Église, 75004 Paris");
        assert_eq!(voters.iter().map(|v| v.line).collect::<Vec<_>>(), [2, 5, 7]);
        // A spreadsheet's semicolons, no district column, capitalised header.
        let voters = read_voter_list("Voter_ID;Name;Address\n7;Élodie Müller;Tartu\n".as_bytes()).unwrap();
        assert_eq!(
            (voters[0].voter_id.as_str(), voters[0].name.as_str(), voters[0].district.as_str()),
            ("7", "Élodie Müller", "")
        );
    }

    #[test]
    fn every_problem_of_a_list_is_named_with_its_line() {
        let mut csv = b"voter_id,name,address,district\n".to_vec();
        csv.extend_from_slice(b"1,Mari Maasikas,Tartu,\n"); // 2: fine
        csv.extend_from_slice(b"1,Jaan Tamm,Tallinn,\n"); // 3: duplicate id
        csv.extend_from_slice(b",Kadri,Narva,\n"); // 4: empty id
        csv.extend_from_slice(b"5,,Narva,\n"); // 5: empty name
        csv.extend_from_slice(b"6,Tamm, Mari,Narva,\n"); // 6: too many fields
        csv.extend_from_slice(b"7,J\xe4rv,Narva,\n"); // 7: Latin-1, not UTF-8
        csv.extend_from_slice(format!("8,{},Narva,\n", "x".repeat(MAX_NAME_CHARS + 1)).as_bytes()); // 8: long
        csv.extend_from_slice(b"9,=HYPERLINK(1),Narva,\n"); // 9: formula
        csv.extend_from_slice(b"10,\"Bad\x07Bell\",Narva,\n"); // 10: control character
        csv.extend_from_slice(b"11,\"Two\nlines\",Narva,\n"); // 11-12: a line break in a name
        csv.extend_from_slice(b"\n13,,Narva,\n"); // 13: a blank line; 14: an empty name
        let found = problems(&csv);
        let lines: Vec<u64> = found.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11, 14], "{found:#?}");
        let text = |line: u64| found.iter().find(|(l, _)| *l == line).unwrap().1.clone();
        assert!(text(3).contains("`1` is already on line 2"), "{}", text(3));
        assert!(text(4).contains("voter id is empty"));
        assert!(text(5).contains("name is empty"));
        assert!(text(6).contains("5 fields, but the header has 4"));
        assert!(text(7).contains("not UTF-8"));
        assert!(text(8).contains("201 characters long; at most 200"));
        assert!(text(9).contains("formula"));
        assert!(text(10).contains("U+0007"));
        assert!(text(11).contains("line break"));
        let shown = read_voter_list(&csv).unwrap_err().to_string();
        assert!(shown.starts_with("the voter list has 10 problems") && shown.contains("\n  line 7: "), "{shown}");
    }

    #[test]
    fn a_bad_header_or_an_empty_list_is_named() {
        let found = problems(b"voter_id,nimi,address,district,email\n1,Mari,Tartu,,x\n");
        assert!(found.iter().any(|(l, m)| *l == 1 && m.contains("unknown column `nimi`")), "{found:?}");
        assert!(found.iter().any(|(l, m)| *l == 1 && m.contains("unknown column `email`")), "{found:?}");
        assert!(found.iter().any(|(l, m)| *l == 1 && m.contains("column `name` is missing")), "{found:?}");
        let found = problems(b"voter_id,name,address,address\n");
        assert!(found.iter().any(|(_, m)| m.contains("`address` is named twice")), "{found:?}");
        let found = problems(b"voter_id,name,address,district\n\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("no voters"), "{found:?}");
        for empty in [&b""[..], &b"\xef\xbb\xbf"[..], &b" \n"[..]] {
            let found = problems(empty);
            assert!(found[0].1.contains("the file is empty"), "{found:?}");
        }
        let found = problems(b"\xff\xfev\x00o\x00");
        assert!(found[0].1.contains("UTF-16"), "{found:?}");
    }

    #[test]
    fn the_credential_text_is_the_secret_and_is_grouped_for_typing() {
        let c = Credential::generate(&mut OsRng);
        let text = credential_text(&c);
        assert_eq!(Credential::from_text(&text).unwrap().public_key(), c.public_key());
        let grouped = grouped_html(&text);
        let lines: Vec<&str> = grouped.split("<br>").collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[..3].iter().all(|l| l.split(' ').count() == 4 && l.len() == 19), "{grouped:?}");
        assert_eq!(lines[3].split(' ').count(), 2);
        assert_eq!(grouped.replace("<br>", " ").replace(' ', "-"), text.as_str());
    }

    #[test]
    fn dates_are_written_as_people_read_them() {
        let c = Civil::at(1_790_000_000, 0);
        assert_eq!((c.year, c.month, c.day, c.hour, c.minute), (2026, 9, 21, 14, 13));
        assert_eq!((EN.date)(c), "21 September 2026 at 14:13");
        assert_eq!((ET.date)(c), "21.09.2026 kell 14.13");
        assert_eq!((FR.date)(c), "21 septembre 2026 à 14 h 13");
        assert_eq!(Civil::at(951_782_400, 0), Civil { year: 2000, month: 2, day: 29, hour: 0, minute: 0 });
        assert_eq!(Civil::at(4_102_444_799, 0), Civil { year: 2099, month: 12, day: 31, hour: 23, minute: 59 });
        assert_eq!(Civil::at(4_102_444_799, 3600), Civil { year: 2100, month: 1, day: 1, hour: 0, minute: 59 });
        assert_eq!((FR.date)(Civil::at(1_790_000_000 + 10 * 86_400, 0)), "1er octobre 2026 à 14 h 13");
        assert_eq!(parse_utc_offset("+03:00").unwrap(), 10_800);
        assert_eq!(parse_utc_offset("-05:30").unwrap(), -19_800);
        assert_eq!(zone_name(10_800), "UTC+03:00");
        assert_eq!(zone_name(-19_800), "UTC-05:30");
        for bad in ["3", "+3:00", "+15:00", "+02:60", "03:00", "++3:00", "+-1:00"] {
            assert!(parse_utc_offset(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_voting_address_is_https_without_a_fragment() {
        assert_eq!(check_voting_url(" https://vote.example.org/ ").unwrap(), "https://vote.example.org/");
        assert!(check_voting_url("http://127.0.0.1:8080/").is_ok());
        assert!(check_voting_url("http://localhost/").is_ok());
        for bad in [
            "http://vote.example.org/",
            "http://localhost.evil.org/",
            "vote.example.org",
            "https:///path",
            "https://vote.example.org/#c=x",
            "https://vote.example.org/a b",
            "https://vote.example.org/\"><script>",
        ] {
            assert!(check_voting_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn csv_fields_round_trip_through_a_csv_reader() {
        let fields = ["plain", "Tamm, Mari", "say \"hi\"", "two\nlines", "a;b", "Žõ"];
        let mut line = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            csv_field(&mut line, f);
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(record.iter().collect::<Vec<_>>(), fields);
    }

    #[test]
    fn the_qr_code_holds_the_link() {
        let link = "https://vote.example.org/#c=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let svg = qr_svg(link, "a <label>").unwrap();
        assert!(svg.contains("aria-label=\"a &lt;label&gt;\""));
        let qr = QrCode::encode_text(link, QrCodeEcc::Medium).unwrap();
        let d = svg.split("<path d=\"").nth(1).unwrap().split('"').next().unwrap();
        let mut dark = std::collections::BTreeSet::new();
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(',').unwrap();
            let n: i32 = rest.split('v').next().unwrap().parse().unwrap();
            let (x, y): (i32, i32) = (x.parse().unwrap(), y.parse().unwrap());
            for i in 0..n {
                assert!(dark.insert((x + i - 4, y - 4)));
            }
        }
        for y in 0..qr.size() {
            for x in 0..qr.size() {
                assert_eq!(qr.get_module(x, y), dark.contains(&(x, y)), "module ({x}, {y})");
            }
        }
        assert_eq!(
            dark.len(),
            (0..qr.size())
                .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
                .filter(|&(x, y)| qr.get_module(x, y))
                .count()
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape_html("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}

//! The one guarded reader of the files other parties give us: a record directory, a ceremony directory, a list,
//! a ballot box, a receipt. Every command that reads such a file (the verifier's, the trustee's, the officials')
//! reads it here, so a link, a device or a huge file is refused the same way everywhere.
//!
//! A file is read only if the path names a regular file itself (not a link to one) of at most
//! [`MAX_FILE_BYTES`]; the open handle is checked to be that same file (device and inode on Unix), so swapping the
//! path for a link between the check and the open is refused too, and no more than the limit is ever read.
//!
//! A record's files come from a [`RecordSource`]: a directory read here, or the files themselves by path (what a
//! browser hands the in-browser verifier). V1 lists and reads either the same way and runs the same checks on them.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use protocol::record::{ceremony_path, CEREMONY_KINDS, CLOSED_KINDS, CLOSE_PATH};
use protocol::threshold::ceremony::CLOSE_FILE;
use protocol::threshold::CeremonyFiles;

/// The largest file read (4 GiB): anything larger is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// Reads a regular file of at most [`MAX_FILE_BYTES`], refusing links and other kinds of entries.
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    read_file_limited(path, MAX_FILE_BYTES)
}

/// [`read_file`] as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, String> {
    String::from_utf8(read_file(path)?).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

/// [`read_file`] with a smaller limit (`limit` bytes).
pub fn read_file_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let file = open_file(path)?;
    let opened = file.metadata().map_err(|e| format!("{shown}: {e}"))?;
    let too_big = |len: u64| format!("{shown}: {len} bytes, more than is read ({limit})");
    if opened.len() > limit {
        return Err(too_big(opened.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// An I/O error as the report says it; running out of file descriptors says what to do.
pub fn io_reason(e: &std::io::Error) -> String {
    // EMFILE (the process's limit) and ENFILE (the system's), on Linux and the BSDs alike.
    match e.raw_os_error() {
        Some(23 | 24) => format!("{e}: too many files open at once; raise the limit (`ulimit -n 65536`) and run again"),
        _ => e.to_string(),
    }
}

/// Opens a regular file to read it in parts (a list or a proof too large to hold, read in chunks), with
/// [`read_file`]'s refusals: a link, anything but a regular file, a path swapped between the check and the open.
pub fn open_file(path: &Path) -> Result<fs::File, String> {
    let shown = path.display();
    let meta = fs::symlink_metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err(format!("{shown}: a link, not a file (links are not followed)"));
    }
    if !meta.file_type().is_file() {
        return Err(format!("{shown}: not a regular file"));
    }
    let file = fs::File::open(path).map_err(|e| format!("{shown}: {}", io_reason(&e)))?;
    let opened = file.metadata().map_err(|e| format!("{shown}: {e}"))?;
    if !same_file(&meta, &opened) {
        return Err(format!("{shown}: changed while it was opened (replaced by a link or another file)"));
    }
    Ok(file)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    b.file_type().is_file() && a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, b: &fs::Metadata) -> bool {
    b.file_type().is_file()
}

/// Lists every file under `dir` (relative, `/`-separated) into `out`; links, special files and directories that
/// hold no file are errors (SPEC.md §1.2: a record directory holds exactly the index's files).
pub fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            return Err(format!("{}: a file name is not UTF-8", dir.display()));
        };
        let rel = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        let kind = entry.file_type().map_err(|e| format!("`{rel}`: {e}"))?;
        if kind.is_dir() {
            let before = out.len();
            walk(&entry.path(), &rel, out)?;
            if out.len() == before {
                return Err(format!("`{rel}/` is a directory without files: not in the index"));
            }
        } else if kind.is_file() {
            out.push(rel);
        } else {
            return Err(format!("`{rel}` is not a regular file or directory (links are not allowed)"));
        }
    }
    Ok(())
}

/// Where a record's files come from.
#[derive(Debug)]
pub enum RecordSource {
    /// A directory on disk, read by [`read_file`] and listed by [`walk`] (links and special files refused).
    Dir(PathBuf),
    /// The files themselves, by their `/`-separated path in the record (a folder the observer chose in a browser,
    /// or a published record's files fetched one by one); `name` says where they came from, in reports.
    Given { name: String, files: BTreeMap<String, Vec<u8>> },
}

impl RecordSource {
    /// Where the files come from, as reports name it: the directory, or the name given with the files.
    pub fn name(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::Given { name, .. } => name.clone(),
        }
    }

    /// Something is at `rel` (a file, or in a directory any entry, even a link, to be refused when read).
    pub fn has(&self, rel: &str) -> bool {
        match self {
            Self::Dir(dir) => fs::symlink_metadata(dir.join(rel)).is_ok(),
            Self::Given { files, .. } => files.contains_key(rel),
        }
    }

    /// The file at `rel`, read once.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, String> {
        match self {
            Self::Dir(dir) => read_file(&dir.join(rel)),
            Self::Given { files, .. } => files.get(rel).cloned().ok_or_else(|| not_given(rel)),
        }
    }

    /// Every file's path (relative, `/`-separated). A directory is walked ([`walk`]: links, special files and
    /// directories without files are errors); given files are listed as given.
    pub fn list(&self) -> Result<Vec<String>, String> {
        match self {
            Self::Dir(dir) => {
                let mut present = Vec::new();
                walk(dir, "", &mut present)?;
                Ok(present)
            }
            Self::Given { files, .. } => Ok(files.keys().cloned().collect()),
        }
    }

    /// The files at `paths`, each read once, in that order (a directory's on all cores with feature `parallel`).
    /// A directory's input and mix-stage lists and proofs ([`read_in_chunks`]) are hashed as they are read and kept open,
    /// not held: the checks read them again in chunks ([`Content::Open`]); every other file is held whole.
    pub fn read_all(self, paths: &[&str]) -> Vec<Result<Content, String>> {
        match self {
            Self::Dir(dir) => {
                let kept = paths.iter().filter(|p| read_in_chunks(p)).count();
                raise_open_files_limit(kept);
                map_each(paths, |p| {
                    let path = dir.join(p);
                    if read_in_chunks(p) {
                        OpenFile::open(&path).map(Content::Open)
                    } else {
                        read_file(&path).map(Content::Bytes)
                    }
                })
            }
            Self::Given { mut files, .. } => {
                paths.iter().map(|p| files.remove(*p).map(Content::Bytes).ok_or_else(|| not_given(p))).collect()
            }
        }
    }
}

/// Files a process may have open besides the record's kept ones and their second handles (the scratch file, the
/// standard streams, a library's).
#[cfg(unix)]
const OTHER_OPEN_FILES: usize = 256;

/// Raises this process's limit of open files (its soft limit, up to the hard limit the system allows) so that
/// `kept` files of a record can stay open at once, with room for others: a record keeps about 12 files a unit
/// open (its lists, proofs, partial decryptions, plaintexts and answers), so 85 units pass the usual soft limit of
/// 1,024, which most systems let a process raise itself. Where the hard limit is lower, nothing changes, and the
/// file that cannot be opened says so ("Too many open files": raise `ulimit -n`).
#[cfg(unix)]
fn raise_open_files_limit(kept: usize) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    // Each kept file may be opened once more where it is read again (V9, V10).
    let want = (2 * kept + OTHER_OPEN_FILES) as u64;
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|c| c < want) {
        let current = Some(limit.maximum.unwrap_or(want));
        let _ = setrlimit(Resource::Nofile, Rlimit { current, maximum: limit.maximum });
    }
}

#[cfg(not(unix))]
fn raise_open_files_limit(_kept: usize) {}

/// Whether a record's file at `rel` is read again where it is used rather than held whole: the ballot box (V4
/// parses it as it reads it), a unit's input list (`…/input.list`, compared with R4 by V9 and read in chunks by
/// V10), a mix stage's list or proof (`…/stage-K.list`, `…/stage-K.proof`, read in chunks by V10) and a trustee's
/// partial decryption (`…/partial-J.bin`, read in chunks by V11), a unit's plaintexts (`…/plaintexts.list`,
/// compared by V11 and decoded by V12 in pieces) and its answers (`…/answers.json`, parsed from the file by V12:
/// about 85 bytes a ballot): the files that grow with the ballots (a proof for 50 million
/// rows is 8 GB). Everything else is held, as read, by the checks.
pub fn read_in_chunks(rel: &str) -> bool {
    if rel == protocol::record::BALLOT_BOX_PATH {
        return true;
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let numbered = |k: &str| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit());
    let stage = name
        .strip_prefix("stage-")
        .and_then(|rest| rest.strip_suffix(".list").or_else(|| rest.strip_suffix(".proof")))
        .is_some_and(numbered);
    let partial = name.strip_prefix("partial-").and_then(|rest| rest.strip_suffix(".bin")).is_some_and(numbered);
    stage || partial || ["input.list", "plaintexts.list", "answers.json"].contains(&name)
}

/// A record's file as read once: its bytes, or (a large file of a directory) the open file with its length and
/// SHA-256 as read.
#[derive(Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    Open(OpenFile),
}

impl Content {
    /// The file's SHA-256 as read (eq. (13-1)'s digest).
    pub fn sha256(&self) -> [u8; 32] {
        match self {
            Self::Bytes(b) => protocol::record::file_digest(b),
            Self::Open(f) => f.sha256,
        }
    }
}

/// A regular file opened by [`open_file`]'s rules and hashed once, whole, in pieces of 1 MiB; kept open to be read
/// again in chunks. Whoever reads it again hashes what it reads and compares with [`OpenFile::sha256`]: a file
/// rewritten in place after this read is caught then ([`OpenFile::copy_to`], V10).
#[derive(Debug)]
pub struct OpenFile {
    file: fs::File,
    len: u64,
    sha256: [u8; 32],
    /// The first [`HEAD`] bytes as first read (fewer if the file is shorter): a list's header.
    head: Vec<u8>,
}

/// How many of an open file's first bytes are kept ([`OpenFile::head`]).
const HEAD: usize = 64;

impl OpenFile {
    /// Opens (links, devices, swapped paths refused) and hashes the file at `path`; no size limit, since it is
    /// never held whole.
    pub fn open(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let mut hashing = Hashing::new(open_file(path)?);
        std::io::copy(&mut std::io::BufReader::with_capacity(PIECE, &mut hashing), &mut std::io::sink())
            .map_err(|e| format!("{shown}: {e}"))?;
        let head = std::mem::take(&mut hashing.head);
        let (file, len, sha256) = hashing.finish();
        Ok(Self { file, len, sha256, head })
    }

    /// The file's first bytes as first read and hashed (up to 64: a list's header).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Starts comparing the file, read again in pieces and hashed, with bytes given in order
    /// ([`Comparison::feed`]): nothing of either side is held beyond the piece given.
    pub fn compare(&self) -> Result<Comparison<'_>, String> {
        let hashing = self.reread().map_err(|e| e.to_string())?;
        Ok(Comparison { file: self, hashing, at: 0, differs_at: None, scratch: Vec::new() })
    }

    /// SHA-256 of the bytes as first read.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }

    /// The length as first read.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// Another handle on the same open file (to read it at offsets: [`crate::chain::Source::File`]).
    pub fn handle(&self) -> std::io::Result<fs::File> {
        self.file.try_clone()
    }

    /// Parses the file as JSON (the same decoder as `serde_json::from_slice`), reading it again through a buffer
    /// and hashing what it reads: an error, [`CHANGED`], if the bytes are no longer those first read.
    pub fn parse_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        let mut hashing = self.reread().map_err(|e| format!("{path}: {e}"))?;
        let parsed = serde_json::from_reader(std::io::BufReader::with_capacity(PIECE, &mut hashing));
        // from_reader reads to the end (only white space may follow the value), so every byte was hashed.
        let parsed = parsed.map_err(|e| e.to_string())?;
        self.unchanged(hashing)?;
        Ok(parsed)
    }

    /// Copies the file to `out` in pieces of 1 MiB, hashing what it copies: an error, [`CHANGED`], if the bytes are
    /// no longer those first read.
    pub fn copy_to(&self, out: &mut dyn std::io::Write) -> Result<(), String> {
        let mut hashing = self.reread().map_err(|e| e.to_string())?;
        std::io::copy(&mut std::io::BufReader::with_capacity(PIECE, &mut hashing), out).map_err(|e| e.to_string())?;
        self.unchanged(hashing)
    }

    /// The file from its start again, through a hashing reader.
    fn reread(&self) -> std::io::Result<Hashing<fs::File>> {
        use std::io::{Seek, SeekFrom};
        let mut file = self.handle()?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Hashing::new(file))
    }

    /// Whether what `hashing` read, to the end, is the file as first read: [`CHANGED`] if not.
    fn unchanged(&self, hashing: Hashing<fs::File>) -> Result<(), String> {
        let (_, len, sha256) = hashing.finish();
        if len != self.len || sha256 != self.sha256 {
            return Err(CHANGED.into());
        }
        Ok(())
    }
}

/// An open file compared with bytes given a piece at a time, in order ([`OpenFile::compare`]).
pub struct Comparison<'a> {
    file: &'a OpenFile,
    hashing: Hashing<fs::File>,
    /// The bytes given so far.
    at: u64,
    /// The first offset at which the file and the bytes given differ, once found (the file is not read further).
    differs_at: Option<u64>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Comparison<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Comparison(at {}, differs at {:?})", self.at, self.differs_at)
    }
}

impl Comparison<'_> {
    /// The next `bytes`, compared with the file's next bytes.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        if self.differs_at.is_none() {
            self.scratch.resize(bytes.len(), 0);
            let mut got = 0;
            while got < bytes.len() {
                match self.hashing.read(&mut self.scratch[got..]).map_err(|e| e.to_string())? {
                    0 => break,
                    n => got += n,
                }
            }
            let same = self.scratch.iter().zip(bytes).take(got).position(|(a, b)| a != b);
            self.differs_at = match same {
                Some(at) => Some(self.at + at as u64),
                None if got < bytes.len() => Some(self.at + got as u64),
                None => None,
            };
        }
        self.at += bytes.len() as u64;
        Ok(())
    }

    /// The first offset at which the file and the bytes given differ (the shorter one's length if one is the
    /// other's beginning), `None` if they are the same; an error, [`CHANGED`], if they are the same but the file's
    /// bytes are no longer those first read.
    pub fn finish(mut self) -> Result<Option<u64>, String> {
        if self.differs_at.is_some() {
            return Ok(self.differs_at);
        }
        let mut one = [0u8; 1];
        if self.hashing.read(&mut one).map_err(|e| e.to_string())? != 0 {
            return Ok(Some(self.at));
        }
        self.file.unchanged(self.hashing)?;
        Ok(None)
    }
}

/// How much of a file is read at a time.
const PIECE: usize = 1 << 20;

/// A reader that hashes (SHA-256) and counts the bytes read through it.
struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
    len: u64,
    /// The first [`HEAD`] bytes read.
    head: Vec<u8>,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Self { inner, hasher: sha2::Digest::new(), len: 0, head: Vec::new() }
    }

    /// The reader back, with the number of bytes read and their SHA-256.
    fn finish(self) -> (R, u64, [u8; 32]) {
        (self.inner, self.len, sha2::Digest::finalize(self.hasher).into())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or_default();
        sha2::Digest::update(&mut self.hasher, read);
        if self.head.len() < HEAD {
            let more = (HEAD - self.head.len()).min(read.len());
            self.head.extend_from_slice(read.get(..more).unwrap_or_default());
        }
        self.len += n as u64;
        Ok(n)
    }
}

/// Why a file read again is refused: its bytes are not those first read and hashed.
pub const CHANGED: &str = "changed after it was first read and hashed (another length or SHA-256 now): something \
                           writes to the record while it is checked; check a copy that nothing writes to";

fn not_given(rel: &str) -> String {
    format!("{rel}: not among the files given (choose the whole record's folder, the one holding index.json)")
}

/// `f` of each item, in order: on all cores with feature `parallel` (rayon), one after the other without.
pub(crate) fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// One file of a ceremony directory: its name there, its path in the record (SPEC.md §14.1) and its bytes.
#[derive(Debug, Clone)]
pub struct CeremonyFile {
    /// `KIND-J.json` or `close.json`.
    pub name: String,
    /// `ceremony/KIND-J.json` or `ceremony/close.json`.
    pub record_path: String,
    /// The file's bytes, as read (and as parsed into [`CeremonyDir::files`]).
    pub bytes: Vec<u8>,
}

/// A key ceremony's directory (SPEC.md §10.1), read once by the one guarded reader and parsed by protocol's one
/// parser of ceremony files. Every entry whose name starts with a ceremony kind and `-`, or is `close.json`, is a
/// ceremony file (a malformed name such as `announcement-+1.json` is an error, never skipped); other names are
/// not the ceremony's and are left alone.
#[derive(Debug)]
pub struct CeremonyDir {
    /// The parsed transcript.
    pub files: CeremonyFiles,
    /// Every file's bytes, in the record's order: kinds in [`CEREMONY_KINDS`] order with the close after the
    /// closed rounds ([`CLOSED_KINDS`]), `J` ascending as a number.
    pub ordered: Vec<CeremonyFile>,
}

impl CeremonyDir {
    /// Reads and parses `dir`.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let mut named = Vec::new();
        let entries =
            fs::read_dir(dir).map_err(|e| format!("reading the ceremony directory {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("reading the ceremony directory {}: {e}", dir.display()))?;
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str() else { continue };
            if is_ceremony_name(name) {
                named.push((name.to_string(), read_file(&entry.path())?));
            }
        }
        let files = CeremonyFiles::parse(&named).map_err(|e| format!("{}/{e}", dir.display()))?;
        Ok(Self { files, ordered: record_order(named) })
    }
}

fn is_ceremony_name(name: &str) -> bool {
    name == CLOSE_FILE || CEREMONY_KINDS.iter().any(|k| name.strip_prefix(k).is_some_and(|r| r.starts_with('-')))
}

/// Sorts the (already parsed, so well-named) files into the record's order and gives each its record path.
fn record_order(named: Vec<(String, Vec<u8>)>) -> Vec<CeremonyFile> {
    let rank = |name: &str| -> (usize, u32) {
        if name == CLOSE_FILE {
            return (CLOSED_KINDS, 0);
        }
        let k = CEREMONY_KINDS.iter().position(|k| name.starts_with(&format!("{k}-"))).unwrap_or(CEREMONY_KINDS.len());
        let j = name
            .split_once('-')
            .and_then(|(_, rest)| rest.strip_suffix(".json"))
            .and_then(|j| j.parse::<u32>().ok())
            .unwrap_or(u32::MAX);
        // The close sorts after every file of the closed kinds and before the first later kind.
        (if k < CLOSED_KINDS { k } else { k + 1 }, j)
    };
    let mut files: Vec<CeremonyFile> = named
        .into_iter()
        .map(|(name, bytes)| {
            let record_path = if name == CLOSE_FILE {
                CLOSE_PATH.to_string()
            } else {
                match name.split_once('-').map(|(kind, rest)| (kind, rest.strip_suffix(".json"))) {
                    Some((kind, Some(j))) => {
                        j.parse::<u16>().map_or_else(|_| format!("ceremony/{name}"), |j| ceremony_path(kind, j))
                    }
                    _ => format!("ceremony/{name}"),
                }
            };
            CeremonyFile { name, record_path, bytes }
        })
        .collect();
    files.sort_by_key(|f| rank(&f.name));
    files
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn links_devices_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        fs::write(&file, b"twelve bytes").unwrap();
        assert_eq!(read_file(&file).unwrap(), b"twelve bytes");
        assert!(read_file_limited(&file, 11).unwrap_err().contains("more than is read (11)"));
        assert_eq!(read_file_limited(&file, 12).unwrap().len(), 12);
        assert!(read_file(dir.path()).unwrap_err().contains("not a regular file"));
        assert!(read_file(&dir.path().join("missing")).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert!(read_file(&link).unwrap_err().contains("a link"));
            assert!(read_file(Path::new("/dev/zero")).unwrap_err().contains("not a regular file"));
        }
        fs::write(dir.path().join("t"), [0xff, 0xfe]).unwrap();
        assert!(read_text(&dir.path().join("t")).unwrap_err().contains("not UTF-8"));
    }

    /// A directory and the same files given by path read alike: the same list, the same bytes, the same
    /// absences; a file not given is said so.
    #[test]
    fn a_directory_and_the_same_files_given_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("tally")).unwrap();
        fs::write(dir.path().join("index.json"), b"{}").unwrap();
        fs::write(dir.path().join("tally/rejected.json"), b"rows").unwrap();
        let files: BTreeMap<String, Vec<u8>> =
            [("index.json", &b"{}"[..]), ("tally/rejected.json", b"rows")].map(|(p, b)| (p.into(), b.to_vec())).into();
        let on_disk = RecordSource::Dir(dir.path().to_path_buf());
        let given = RecordSource::Given { name: "chosen".into(), files };
        assert_eq!(given.name(), "chosen");
        let mut listed = on_disk.list().unwrap();
        listed.sort();
        assert_eq!(listed, given.list().unwrap());
        for source in [&on_disk, &given] {
            assert!(source.has("tally/rejected.json") && !source.has("result.json"));
            assert_eq!(source.read("index.json").unwrap(), b"{}");
        }
        let paths = ["tally/rejected.json", "result.json"];
        let (a, b) = (on_disk.read_all(&paths), given.read_all(&paths));
        for content in [&a[0], &b[0]] {
            let Ok(Content::Bytes(bytes)) = content else { panic!("{content:?}") };
            assert_eq!(bytes, b"rows");
        }
        assert!(a[1].is_err());
        assert!(b[1].as_ref().unwrap_err().contains("result.json: not among the files given"));
    }

    /// Only an input list, a mix stage's list or proof, a partial decryption and a unit's answers are read in chunks; such a file is hashed as read,
    /// copied again exactly, and a copy after the file was rewritten in place (same file, same length) or
    /// lengthened is refused.
    #[test]
    fn stage_files_are_kept_open_and_a_rewritten_one_is_refused() {
        for rel in [
            "contest-0/stage-1.list",
            "contest-2/district-1/stage-12.proof",
            "stage-3.list",
            "contest-1/partial-2.bin",
            "contest-0/input.list",
            "contest-3/district-2/answers.json",
            "contest-0/plaintexts.list",
        ] {
            assert!(read_in_chunks(rel), "{rel}");
        }
        for rel in [
            "contest-0/stage-.list",
            "contest-0/stage-1.sig",
            "stage-1x.list",
            "contest-0/partial-.bin",
            "contest-0/partial-1.json",
            "contest-0/plaintexts.bin",
        ] {
            assert!(!read_in_chunks(rel), "{rel}");
        }
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("contest-0")).unwrap();
        let rel = "contest-0/stage-1.proof";
        let path = dir.path().join(rel);
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &bytes).unwrap();
        let source = RecordSource::Dir(dir.path().to_path_buf());
        let Ok(Content::Open(open)) = source.read_all(&[rel]).remove(0) else { panic!("not kept open") };
        assert_eq!((open.size(), open.sha256()), (bytes.len() as u64, protocol::record::file_digest(&bytes)));
        assert_eq!(open.head(), &bytes[..64]);
        let mut copy = Vec::new();
        open.copy_to(&mut copy).unwrap();
        assert!(copy == bytes);
        // Compared with bytes given in pieces: equal, a byte past the first piece differs, shorter, longer.
        let compare = |bytes: &[u8]| -> Result<Option<u64>, String> {
            let mut c = open.compare()?;
            for piece in bytes.chunks(700_001) {
                c.feed(piece)?;
            }
            c.finish()
        };
        assert_eq!(compare(&bytes), Ok(None));
        let mut changed = bytes.clone();
        changed[2_000_000] ^= 1;
        assert_eq!(compare(&changed), Ok(Some(2_000_000)));
        assert_eq!(compare(&bytes[..100]), Ok(Some(100)));
        assert_eq!(compare(&[&bytes[..], &[7u8][..]].concat()), Ok(Some(3_000_000)));
        fs::write(&path, &changed).unwrap();
        assert_eq!(open.copy_to(&mut Vec::new()).unwrap_err(), CHANGED);
        assert_eq!(compare(&changed).unwrap_err(), CHANGED);
        changed.truncate(10);
        fs::write(&path, &changed).unwrap();
        assert_eq!(open.copy_to(&mut Vec::new()).unwrap_err(), CHANGED);
    }

    #[test]
    fn ceremony_files_come_in_the_records_order_with_numeric_j() {
        let named = ["reveal-2.json", "close.json", "announcement-10.json", "dealing-1.json", "announcement-2.json"]
            .iter()
            .map(|n| (n.to_string(), Vec::new()))
            .collect();
        let paths: Vec<String> = record_order(named).into_iter().map(|f| f.record_path).collect();
        assert_eq!(
            paths,
            [
                "ceremony/announcement-2.json",
                "ceremony/announcement-10.json",
                "ceremony/dealing-1.json",
                "ceremony/close.json",
                "ceremony/reveal-2.json"
            ]
        );
        assert!(is_ceremony_name("announcement-+1.json") && !is_ceremony_name("announcements.txt"));
        assert!(!is_ceremony_name("README") && is_ceremony_name("close.json"));
    }

    /// A ceremony directory in which a trustee's file is a link (to a file outside, or to a device) is refused by
    /// every command that reads it (the trustee's, the officials', the tally's and the verifier's).
    #[cfg(unix)]
    #[test]
    fn a_linked_ceremony_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("README"), b"not the ceremony's").unwrap();
        assert!(CeremonyDir::read(dir.path()).unwrap().ordered.is_empty());
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("announcement-1.json")).unwrap();
        let err = CeremonyDir::read(dir.path()).unwrap_err();
        assert!(err.contains("announcement-1.json: a link"), "{err}");
    }
}

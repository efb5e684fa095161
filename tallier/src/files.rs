//! Writing the tool's files: set-up and ceremony files are created once and never overwritten; record files and
//! a trustee's re-sealed secret are replaced atomically (written beside, synced, renamed), so an interrupted run
//! never leaves half a file. Secret files are readable by their owner only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use protocol::shuffle::stream::ByteSource;
use sha2::{Digest, Sha256};

/// Reads a file another party gave us (a ballot box, a list, a record's or a ceremony's file) with the verifier's
/// one guarded reader: links, devices and files over its limit are refused.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>> {
    verifier::files::read_file(path).map_err(|e| anyhow!("cannot read {e}"))
}

/// [`read_input`] as UTF-8 text.
pub(crate) fn read_input_text(path: &Path) -> Result<String> {
    verifier::files::read_text(path).map_err(|e| anyhow!("cannot read {e}"))
}

/// Who may read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Public or shareable content (default permissions).
    Public,
    /// A secret (mode 0600 on Unix): a trustee's sealed secret, the officials' key, the voters' credentials.
    OwnerOnly,
}

fn open_options(access: Access) -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    if access == Access::OwnerOnly {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = access;
    options
}

/// Creates `path`, which must not exist yet, for writing.
pub(crate) fn create_new_file(path: &Path, access: Access) -> Result<fs::File> {
    open_options(access)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))
}

/// Creates `path`, which must not exist yet, with `bytes`, synced to disk.
pub(crate) fn create_new(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    let mut f = create_new_file(path, access)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).with_context(|| format!("writing {}", path.display()))
}

/// Writes `path` atomically: `PATH.partial` first (parent directories created), synced, then renamed over
/// `path` ([`Partial`]).
pub(crate) fn replace(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    let partial = Partial::create(path, access)?;
    let mut file = partial.file();
    file.write_all(bytes).with_context(|| format!("cannot write {}", partial.tmp.display()))?;
    partial.commit()
}

/// A file written in place of `path`: `PATH.partial` (parent directories created), written by the caller (in
/// order or at offsets), then synced and renamed over `path` by [`Partial::commit`]. Dropped uncommitted (an
/// error on the way), the partial file is removed: an interrupted run never leaves half a file under `path`.
#[derive(Debug)]
pub(crate) struct Partial {
    file: fs::File,
    tmp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Partial {
    /// Creates (or truncates) `PATH.partial`.
    pub(crate) fn create(path: &Path, access: Access) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file = open_options(access)
            .read(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        Ok(Self { file, tmp, path: path.to_path_buf(), committed: false })
    }

    /// The partial file, open for reading and writing.
    pub(crate) fn file(&self) -> &fs::File {
        &self.file
    }

    /// Syncs the partial file to disk and renames it over `path`.
    pub(crate) fn commit(mut self) -> Result<()> {
        self.file.sync_all().with_context(|| format!("cannot write {}", self.tmp.display()))?;
        fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("cannot rename {} to {}", self.tmp.display(), self.path.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// SHA-256 of a file's bytes, read a mebibyte at a time.
pub(crate) fn sha256_file(file: &fs::File, path: &Path) -> Result<[u8; 32]> {
    let len = file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    while at < len {
        let take = (len - at).min(buf.len() as u64) as usize;
        file.read_at(at, &mut buf[..take]).with_context(|| format!("cannot read {}", path.display()))?;
        h.update(&buf[..take]);
        at += take as u64;
    }
    Ok(h.finalize().into())
}

/// Opens a file another party gave us for positional reads, refusing what [`read_input`] refuses besides the size
/// (a link, a device, a file replaced while it was opened): for the lists a mix stage streams.
pub(crate) fn open_input(path: &Path) -> Result<fs::File> {
    let shown = path.display();
    let meta = fs::symlink_metadata(path).with_context(|| format!("cannot read {shown}"))?;
    if meta.file_type().is_symlink() {
        return Err(anyhow!("cannot read {shown}: a link, not a file (links are not followed)"));
    }
    if !meta.file_type().is_file() {
        return Err(anyhow!("cannot read {shown}: not a regular file"));
    }
    let file = fs::File::open(path).with_context(|| format!("cannot read {shown}"))?;
    let opened = file.metadata().with_context(|| format!("cannot read {shown}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if !opened.file_type().is_file() || meta.dev() != opened.dev() || meta.ino() != opened.ino() {
            return Err(anyhow!(
                "cannot read {shown}: changed while it was opened (replaced by a link or another file)"
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = opened;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partial file is invisible under its name until committed, and gone if dropped uncommitted.
    #[cfg(unix)]
    #[test]
    fn partial_files_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("stage-1.list");
        let partial = dir.path().join("sub").join("stage-1.list.partial");
        let p = Partial::create(&path, Access::Public).unwrap();
        let mut f = p.file();
        f.write_all(b"half").unwrap();
        assert!(partial.exists() && !path.exists());
        drop(p);
        assert!(!partial.exists() && !path.exists());
        let p = Partial::create(&path, Access::Public).unwrap();
        std::os::unix::fs::FileExt::write_all_at(p.file(), b"whole", 0).unwrap();
        p.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"whole");
        assert!(!partial.exists());
        replace(&path, b"again", Access::Public).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"again");
    }

    /// A stage's input is opened only when it is a regular file, not through a link.
    #[cfg(unix)]
    #[test]
    fn inputs_are_opened_only_as_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("input.list");
        fs::write(&file, b"list").unwrap();
        assert!(open_input(&file).is_ok());
        let link = dir.path().join("link.list");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let err = open_input(&link).unwrap_err().to_string();
        assert!(err.contains("a link, not a file"), "{err}");
        let err = open_input(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let err = open_input(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(err.contains("cannot read"), "{err}");
    }
}

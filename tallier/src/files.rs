//! Writing the tool's files: set-up and ceremony files are created once and never overwritten; record files and
//! a trustee's re-sealed secret are replaced atomically (written beside, synced, renamed), so an interrupted run
//! never leaves half a file. Secret files are readable by their owner only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

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
/// `path`.
pub(crate) fn replace(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = open_options(access)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).with_context(|| format!("cannot write {}", tmp.display()))?;
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

//! The output directory of `cluster` and the CA files it would reuse, checked before anything
//! is read or written there.
//!
//! Takes paths; returns the opened directory ([`open_output`]), the scratch files a killed run
//! left ([`inspect_output`], for a dry run), or a [`ClusterError::NotOwn`] for a directory or
//! CA file another user owns or that group or others may write to: anyone who could write
//! there could have put a CA of theirs in it, and would be handed every key
//! (docs/security.md).

use std::path::{Path, PathBuf};

use super::build::ClusterError;
use crate::pki::{DirHandle, FsError, Root};

/// Opens the output directory `out`, made 0700 if it is missing, and refuses one that another
/// user owns or that group or others may write to: anyone who could write there could have
/// put a CA of theirs in it, and would be handed every key.
pub fn open_output(out: &Path) -> Result<Root, ClusterError> {
    let (parent, name) = crate::pki::fs::open_parent(out)?;
    let dir = parent.create_beneath(Path::new(&name), 0o700)?;
    let dir = DirHandle::renamed(dir, out.to_path_buf());
    check_own_dir(&dir)?;
    Ok(Root::from_handle(dir))
}

/// What a dry run learns of the output directory `out` without making, locking or changing
/// anything: the checks [`open_output`] makes, when it exists, and the scratch files a killed
/// run left in it (temporary and pending files, commit records), which a real run finishes or
/// drops before it reads anything ([`crate::pki::recover_dir`]). Returns those files.
pub fn inspect_output(out: &Path) -> Result<Vec<PathBuf>, ClusterError> {
    let (parent, name) = crate::pki::fs::open_parent(out)?;
    let dir = match parent.open_beneath(Path::new(&name)) {
        Ok(dir) => DirHandle::renamed(dir, out.to_path_buf()),
        Err(FsError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.into()),
    };
    check_own_dir(&dir)?;
    Ok(dir
        .entries()?
        .into_iter()
        .filter(|e| e.name.to_str().is_some_and(crate::pki::is_scratch_name))
        .map(|e| out.join(&e.name))
        .collect())
}

/// Refuses an output directory that another user owns or that group or others may write to.
fn check_own_dir(dir: &DirHandle) -> Result<(), ClusterError> {
    let me = rustix::process::geteuid().as_raw();
    if dir.owner() != me || dir.mode() & 0o022 != 0 {
        return Err(ClusterError::NotOwn {
            path: dir.path().to_path_buf(),
            what: "the output directory",
            owner: dir.owner(),
            mode: dir.mode(),
            me,
        });
    }
    Ok(())
}

/// Refuses a CA file that another user owns or that group or others may write to.
pub(super) fn check_ca_file(path: &Path, what: &'static str) -> Result<(), ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.uid() != me || m.mode() & 0o022 != 0 => Err(ClusterError::NotOwn {
            path: path.to_path_buf(),
            what,
            owner: m.uid(),
            mode: m.mode() & 0o7777,
            me,
        }),
        _ => Ok(()),
    }
}

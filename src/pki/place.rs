//! Who owns a file etcdpki writes, and with which mode: the rules of docs/security.md.
//!
//! Takes the directory, the file it replaces (if any) and whether it is a private key; returns
//! a [`Placement`] (owner, group, mode, extended attributes to carry over, a warning) or the
//! reason to refuse. A new key is `0600` and the writer's. A replaced file keeps its owner,
//! group, mode, ACLs and other extended attributes, except that a key is never left
//! group-writable or readable by others (the bits are dropped, with a warning). A file that
//! another user owns in a directory that anyone may write to (`/tmp`) is never taken over:
//! anyone could have planted it there to be handed the new key.

use std::ffi::OsStr;
use std::fs::File;
use std::path::PathBuf;

use rustix::fs::{self as rfs, Stat};
use rustix::io::Errno;

use super::fs::{DirHandle, FsError};

/// The bits a private key never keeps: group write and everything for others, and the
/// set-id and sticky bits, which mean nothing on a key.
const KEY_DROPPED_BITS: u32 = 0o7027;

/// The bits a certificate or request never keeps: write for group and others, and the
/// set-id and sticky bits.
const PUBLIC_DROPPED_BITS: u32 = 0o7022;

/// Extended attributes as (name, value) pairs.
pub type Xattrs = Vec<(Vec<u8>, Vec<u8>)>;

/// How a file is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// The owner and group to give it (`None`: the writer's).
    pub owner: Option<(u32, u32)>,
    /// Its permission bits.
    pub mode: u32,
    /// Extended attributes (ACLs included) to copy.
    pub xattrs: Xattrs,
    /// Something the user should know (bits dropped from a key's mode).
    pub warning: Option<String>,
    /// The replaced file's fingerprint, for the commit record; `None` for a new file.
    pub old: Option<super::commit::Fingerprint>,
}

/// Why a file is not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceError {
    /// The file system refused, or the target is not a regular file.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Another user's file in a directory anyone may write to.
    #[error(
        "{}: belongs to uid {owner}, not to this user (uid {me}), in {}, a directory anyone may write to (mode {dir_mode:04o}): it may have been planted to receive the new file, so etcdpki does not replace it; remove it, or run as its owner",
        path.display(),
        dir.display()
    )]
    Planted {
        /// The file.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The writer.
        me: u32,
        /// The directory.
        dir: PathBuf,
        /// The directory's mode.
        dir_mode: u32,
    },
    /// A file that is a mount point: `rename(2)` over it fails with EBUSY.
    #[error(
        "{}: is a mount point (a bind-mounted file?): it cannot be replaced by a rename, so nothing of this set was written; write the files elsewhere and copy them, or unmount it",
        path.display()
    )]
    MountPoint {
        /// The file.
        path: PathBuf,
    },
}

/// The mode a replaced file keeps: the old bits less those its kind never keeps; and the bits
/// dropped, if any.
pub(crate) fn kept_mode(old_mode: u32, key: bool) -> (u32, u32) {
    let dropped_bits = if key {
        KEY_DROPPED_BITS
    } else {
        PUBLIC_DROPPED_BITS
    };
    let old = old_mode & 0o7777;
    (old & !dropped_bits, old & dropped_bits)
}

/// Decides how `name` in `dir` is written: `new_mode` if it is new, else as the module header
/// says. `me` is the writer's effective uid.
pub(crate) fn placement(
    dir: &DirHandle,
    name: &OsStr,
    new_mode: u32,
    key: bool,
    me: u32,
) -> Result<Placement, PlaceError> {
    let Some((file, stat)) = dir.open_regular(name)? else {
        return Ok(Placement {
            mode: new_mode,
            ..Placement::default()
        });
    };
    let path = dir.display(name);
    if stat.st_uid != me && dir.shared() {
        return Err(PlaceError::Planted {
            path,
            owner: stat.st_uid,
            me,
            dir: dir.path().to_path_buf(),
            dir_mode: dir.mode(),
        });
    }
    if is_mount_point(dir, name) {
        return Err(PlaceError::MountPoint { path });
    }
    let (mode, dropped) = kept_mode(stat.st_mode, key);
    let warning = (dropped & 0o077 != 0 && key).then(|| {
        format!(
            "{}: the key was mode {:04o}; the new key is {mode:04o}: a private key is never group-writable or readable by others",
            path.display(),
            stat.st_mode & 0o7777
        )
    });
    let xattrs = xattrs_of(&file, &path)?;
    let old = zeroize::Zeroizing::new(super::fs::read_opened(file, &stat, &path)?);
    Ok(Placement {
        owner: owner_to_keep(&stat, me),
        mode,
        xattrs,
        warning,
        old: Some(super::commit::Fingerprint::of(&old)),
    })
}

/// The old owner and group, when they are not already the writer's.
fn owner_to_keep(stat: &Stat, me: u32) -> Option<(u32, u32)> {
    let mine = stat.st_uid == me && stat.st_gid == rustix::process::getegid().as_raw();
    (!mine).then_some((stat.st_uid, stat.st_gid))
}

/// True if `name` is the root of a mount (Linux 5.8 `STATX_ATTR_MOUNT_ROOT`; older kernels
/// do not say, and then the rename reports EBUSY).
fn is_mount_point(dir: &DirHandle, name: &OsStr) -> bool {
    use rustix::fs::{AtFlags, StatxAttributes, StatxFlags};
    rfs::statx(
        dir.fd(),
        name,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BASIC_STATS,
    )
    .is_ok_and(|s| {
        s.stx_attributes_mask.contains(StatxAttributes::MOUNT_ROOT)
            && s.stx_attributes.contains(StatxAttributes::MOUNT_ROOT)
    })
}

/// Every extended attribute of `file` (POSIX ACLs are `system.posix_acl_access`).
fn xattrs_of(file: &File, path: &std::path::Path) -> Result<Xattrs, FsError> {
    let err = |source: Errno| FsError::Io {
        path: path.to_path_buf(),
        action: "read the extended attributes",
        source: source.into(),
    };
    let mut names = Vec::new();
    match rfs::flistxattr(file, spare(&mut names, 64 * 1024)) {
        Ok(n) => names.truncate(n),
        Err(Errno::NOTSUP) => return Ok(Vec::new()),
        Err(e) => return Err(err(e)),
    }
    let mut out = Vec::new();
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let mut value = Vec::new();
        let n = rfs::fgetxattr(file, name, spare(&mut value, 64 * 1024)).map_err(err)?;
        value.truncate(n);
        out.push((name.to_vec(), value));
    }
    Ok(out)
}

/// `buf` grown to `len` zero bytes, to receive a system call's output.
fn spare(buf: &mut Vec<u8>, len: usize) -> &mut [u8] {
    buf.resize(len, 0);
    buf.as_mut_slice()
}

/// Gives the open new file `file` its placement: extended attributes first, then owner and
/// group (which clears set-id bits), then the mode (which also sets an ACL's mask).
pub fn apply(file: &File, placement: &Placement, path: &std::path::Path) -> Result<(), FsError> {
    let err = |action: &'static str| {
        move |source: Errno| FsError::Io {
            path: path.to_path_buf(),
            action,
            source: source.into(),
        }
    };
    for (name, value) in &placement.xattrs {
        rfs::fsetxattr(file, name.as_slice(), value, rfs::XattrFlags::empty())
            .map_err(err("copy the extended attributes"))?;
    }
    if let Some((uid, gid)) = placement.owner {
        // Only root may give a file away: another writer keeps the file its own (it could not
        // have replaced one it may not write in a directory anyone may write to, see above).
        let _ = rfs::fchown(
            file,
            Some(rustix::process::Uid::from_raw(uid)),
            Some(rustix::process::Gid::from_raw(gid)),
        );
    }
    rfs::fchmod(file, rfs::Mode::from_raw_mode(placement.mode)).map_err(err("set the mode"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_lose_group_write_and_everything_for_others() {
        assert_eq!(kept_mode(0o100640, true), (0o640, 0));
        assert_eq!(kept_mode(0o644, true), (0o640, 0o004));
        assert_eq!(kept_mode(0o4666, true), (0o640, 0o4026));
        assert_eq!(kept_mode(0o400, true), (0o400, 0));
        assert_eq!(kept_mode(0o664, false), (0o644, 0o020));
    }
}

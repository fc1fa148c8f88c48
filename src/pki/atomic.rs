//! Crash-safe file writes: every file goes to a temporary sibling, is synced, and is renamed
//! over its target only after all of the set were written, so a crash or a full disk leaves the
//! old files (or, after the renames, the new ones) and never a half-written key.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A file to write: where, what, and with which mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFile {
    /// Target path.
    pub path: PathBuf,
    /// Contents.
    pub contents: Vec<u8>,
    /// Exact permission bits (the umask does not apply).
    pub mode: u32,
}

/// The mode of every private key etcdpki writes: its owner's only, also when an older file
/// was wider (cfssl keeps the old mode; docs/compat.md).
pub const KEY_MODE: u32 = 0o600;

/// The mode of certificates, requests and every other public file.
pub const PUBLIC_MODE: u32 = 0o644;

/// True when group or others have any access under `mode`: wrong for a private key.
pub fn others_have_access(mode: u32) -> bool {
    mode & 0o077 != 0
}

impl PlannedFile {
    /// A private key, written [`KEY_MODE`].
    pub fn key(path: &Path, contents: Vec<u8>) -> Self {
        Self {
            path: path.to_path_buf(),
            contents,
            mode: KEY_MODE,
        }
    }

    /// A public file, written [`PUBLIC_MODE`].
    pub fn public(path: &Path, contents: Vec<u8>) -> Self {
        Self {
            path: path.to_path_buf(),
            contents,
            mode: PUBLIC_MODE,
        }
    }
}

/// A write that failed; nothing of the set was replaced unless `replaced` says so.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {source}")]
pub struct OutputError {
    /// The file concerned.
    pub path: String,
    /// What was being done.
    pub action: &'static str,
    /// The OS error.
    #[source]
    pub source: std::io::Error,
}

fn io_err<'a>(
    path: &'a Path,
    action: &'static str,
) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError {
        path: path.display().to_string(),
        action,
        source,
    }
}

/// Writes every file of the set, all or nothing up to the final renames.
///
/// All temporary files are written before any is synced, so the first fsync commits the
/// journal for all of them and the others are cheaper. A target that is a symlink is written
/// through (its target is replaced), as cfssljson's plain write does. An existing target's
/// owner and group are kept when the process may set them (root), so etcd running as its own
/// user can still read a key renewed by root. Temporary files that a killed earlier write
/// left beside the targets are removed first (a run writing the same names at the same moment
/// would then fail its rename and report it; it could never leave a partial file).
pub fn write_files(files: &[PlannedFile]) -> Result<(), OutputError> {
    for f in files {
        let _ = remove_stale_temporaries(&resolve(&f.path));
    }
    let targets: Vec<(PathBuf, PathBuf)> = files
        .iter()
        .map(|f| {
            let target = resolve(&f.path);
            (target.clone(), target)
        })
        .collect();
    write_set(files, &targets)
}

/// [`write_files`] with each file's target and the file whose owner it takes given apart:
/// a staged renewal (`super::swap`) writes pending files that take the owner of the file they
/// will replace.
pub(crate) fn write_set(
    files: &[PlannedFile],
    targets: &[(PathBuf, PathBuf)],
) -> Result<(), OutputError> {
    let mut staged: Vec<Staged> = Vec::new();
    let result = (|| {
        for (f, (target, owner_of)) in files.iter().zip(targets) {
            staged.push(stage(target.clone(), f, owner_of)?);
        }
        for s in &staged {
            s.file.sync_all().map_err(io_err(&s.target, "sync"))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for s in &staged {
            let _ = fs::remove_file(&s.temp);
        }
        return Err(e);
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (i, s) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(&s.temp, &s.target) {
            for rest in &staged[i..] {
                let _ = fs::remove_file(&rest.temp);
            }
            return Err(io_err(&s.target, "replace")(e));
        }
        let dir = parent(&s.target).to_path_buf();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    // The renames are durable only once the directory entry is on disk.
    for dir in dirs {
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(&dir, "sync directory"))?;
    }
    Ok(())
}

/// The end of a temporary file's name: `.NAME.` + 12 hex digits + this.
const TEMP_SUFFIX: &str = ".tmp";

/// True for the names of the files etcdpki writes on the way to a real one: temporary files
/// (`.NAME.0123456789ab.tmp`) and staged renewals (`.NAME.etcdpki-pending`). Scans skip them.
pub fn is_scratch_name(name: &str) -> bool {
    temporary_of(name).is_some()
        || name.starts_with('.') && name.ends_with(super::swap::PENDING_SUFFIX)
}

/// `NAME` for a temporary file named `.NAME.0123456789ab.tmp`.
fn temporary_of(name: &str) -> Option<&str> {
    let (stem, hex) = name
        .strip_prefix('.')?
        .strip_suffix(TEMP_SUFFIX)?
        .rsplit_once('.')?;
    (hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

/// Removes the temporary files a killed writer left beside `target` (they are never complete
/// files).
pub(crate) fn remove_stale_temporaries(target: &Path) -> std::io::Result<()> {
    let Some(name) = target.file_name() else {
        return Ok(());
    };
    for entry in fs::read_dir(parent(target))? {
        let entry = entry?;
        if temporary_of(&entry.file_name().to_string_lossy()) == Some(&*name.to_string_lossy()) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// A temporary file written and waiting to be synced and renamed over `target`.
struct Staged {
    file: File,
    temp: PathBuf,
    target: PathBuf,
}

pub(crate) fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Follows a symlinked target to the file it names.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Writes `f` to a new temporary file beside `target`, with its mode and the old owner.
fn stage(target: PathBuf, f: &PlannedFile, owner_of: &Path) -> Result<Staged, OutputError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut suffix = [0u8; 6];
    aws_lc_rs::rand::fill(&mut suffix).map_err(|_| OutputError {
        path: target.display().to_string(),
        action: "make a temporary name",
        source: std::io::Error::other("random number generator failed"),
    })?;
    let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let temp = parent(&target).join(format!(".{name}.{hex}{TEMP_SUFFIX}"));
    // Created 0600 so that no one can open a key while it is being written.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(KEY_MODE)
        .open(&temp)
        .map_err(io_err(&target, "create a temporary file"))?;
    let written = file
        .write_all(&f.contents)
        .map_err(io_err(&target, "write"))
        .and_then(|()| {
            file.set_permissions(fs::Permissions::from_mode(f.mode))
                .map_err(io_err(&target, "set permissions"))
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    if let Ok(old) = fs::metadata(owner_of) {
        // Only root may give a file away; others keep their own ownership, as with any write.
        let _ = std::os::unix::fs::fchown(&file, Some(old.uid()), Some(old.gid()));
    }
    Ok(Staged { file, temp, target })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_exact_modes_and_replaces_wider_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("k-key.pem");
        fs::write(&key, "old").expect("seed");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).expect("chmod");
        write_files(&[
            PlannedFile {
                path: key.clone(),
                contents: b"new".to_vec(),
                mode: 0o600,
            },
            PlannedFile {
                path: dir.path().join("k.pem"),
                contents: b"c".to_vec(),
                mode: 0o644,
            },
        ])
        .expect("write");
        assert_eq!(fs::read(&key).expect("read"), b"new");
        assert_eq!(
            fs::metadata(&key).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_failure_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = dir.path().join("a.pem");
        let bad = dir.path().join("missing-dir").join("b.pem");
        let e = write_files(&[
            PlannedFile {
                path: ok.clone(),
                contents: b"x".to_vec(),
                mode: 0o644,
            },
            PlannedFile {
                path: bad,
                contents: b"y".to_vec(),
                mode: 0o644,
            },
        ])
        .expect_err("missing directory");
        assert!(
            e.to_string()
                .contains("missing-dir/b.pem: create a temporary file"),
            "{e}"
        );
        assert_eq!(
            fs::read_dir(dir.path()).expect("ls").count(),
            0,
            "no temp files, no a.pem"
        );
    }
}

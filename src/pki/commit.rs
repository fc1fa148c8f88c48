//! Writing a set of files (a key and its certificate, a whole cluster) so that after a crash
//! at any instant the next run finds the old set or finishes the new one: staged files, a
//! commit record, renames, and recovery.
//!
//! Takes [`PlannedFile`]s beneath a [`Root`] and returns when all of them are in place, or the
//! exact files replaced before a failure. Each file is written to a temporary file, synced and
//! renamed to `.NAME.etcdpki-pending` beside its target. Then the commit record
//! `.SET.etcdpki-commit` is written in the root: for every file, its path, the fingerprint
//! (SHA-256) of the file it replaces and of the new one; its existence is the commit. The
//! pending files are renamed over their targets in order, and the record is removed.
//! [`recover_dir`] finishes a committed set whose files are still those the record names (rolls
//! forward), drops a record whose files changed since (an operator re-issued them: the record is
//! stale), and removes temporary files a killed writer left.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::fs::{DirHandle, FsError, Root, lexical_beneath};
use super::place::{PlaceError, Placement, apply, placement};
use crate::key::SecretBytes;
use crate::output::Contents;

/// The end of a staged file's name: `.NAME` + this.
pub const PENDING_SUFFIX: &str = ".etcdpki-pending";

/// The end of a commit record's name: `.SET` + this.
pub(crate) const RECORD_SUFFIX: &str = ".etcdpki-commit";

/// The end of a temporary file's name: `.NAME.` + 12 hex digits + this.
const TEMP_SUFFIX: &str = ".tmp";

/// The first line of a commit record.
const RECORD_HEADER: &str = "etcdpki commit record 1";

/// A file to write: where, what, and with which mode if it is new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFile {
    /// Target path.
    pub path: PathBuf,
    /// Contents; a private key's are [`Contents::Secret`], wiped when the plan is dropped.
    pub contents: Contents,
    /// Permission bits of a new file; a private key has no bits for group or others. A file
    /// that replaces another keeps the old one's (see [`super::place`]).
    pub mode: u32,
}

/// The mode of every new private key etcdpki writes: its owner's only.
pub const KEY_MODE: u32 = 0o600;

/// The mode of new certificates, requests and every other public file.
pub const PUBLIC_MODE: u32 = 0o644;

/// True when group or others have any access under `mode`: wrong for a private key.
pub fn others_have_access(mode: u32) -> bool {
    mode & 0o077 != 0
}

impl PlannedFile {
    /// A private key, new ones written [`KEY_MODE`]; its bytes are wiped when dropped.
    pub fn key(path: &Path, contents: impl Into<SecretBytes>) -> Self {
        Self {
            path: path.to_path_buf(),
            contents: Contents::Secret(contents.into()),
            mode: KEY_MODE,
        }
    }

    /// A public file, new ones written [`PUBLIC_MODE`].
    pub fn public(path: &Path, contents: Vec<u8>) -> Self {
        Self {
            path: path.to_path_buf(),
            contents: Contents::Public(contents),
            mode: PUBLIC_MODE,
        }
    }

    /// A file of `contents`: a key when they are secret, else public.
    pub fn of(path: &Path, contents: Contents) -> Self {
        let mode = if contents.is_secret() {
            KEY_MODE
        } else {
            PUBLIC_MODE
        };
        Self {
            path: path.to_path_buf(),
            contents,
            mode,
        }
    }

    /// True for a private key (no access for group or others).
    pub(crate) fn is_key(&self) -> bool {
        !others_have_access(self.mode)
    }
}

/// A file's SHA-256, which a commit record holds instead of its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        Self(out)
    }

    fn hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn parse(text: &str) -> Option<Self> {
        let bytes = unhex(text)?;
        bytes.try_into().ok().map(Self)
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a set was not (completely) written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// A target cannot be written; nothing was.
    #[error(transparent)]
    Place(#[from] PlaceError),
    /// Writing failed before the commit; nothing was replaced.
    #[error("{0}; nothing was replaced")]
    BeforeCommit(FsError),
    /// A rename failed after the commit.
    #[error(transparent)]
    Replace(Box<PartialReplace>),
    /// Recovery could not finish.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Another run holds a directory.
    #[error(transparent)]
    Lock(#[from] super::lock::LockError),
}

/// A set whose renames stopped after the commit: which files were replaced and which not.
#[derive(Debug, thiserror::Error)]
#[error(
    "{source}; replaced: {}; not replaced: {}; the commit record {} stays, and the next run finishes the set once the cause is gone",
    list(replaced),
    list(remaining),
    record.display()
)]
pub struct PartialReplace {
    /// The failure.
    pub source: FsError,
    /// The files already replaced, in order.
    pub replaced: Vec<PathBuf>,
    /// The files not replaced, the failed one first.
    pub remaining: Vec<PathBuf>,
    /// The commit record.
    pub record: PathBuf,
}

fn list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "none".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a successful write has to say.
#[derive(Debug, Default)]
pub struct Written {
    /// Warnings, such as mode bits dropped from a key.
    pub warnings: Vec<String>,
    /// What recovery did first with sets a killed run left ([`write_files`] only).
    pub recovered: Vec<Recovery>,
}

/// How long a run waits for another run writing in the same directory, unless told otherwise
/// (`--lock-timeout`): long enough for a `cluster` run making RSA keys, short enough that cron
/// and CI jobs fail visibly instead of hanging.
pub const DEFAULT_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Writes `files` as one set in the deepest directory they share (opened as named; the files
/// may be in directories beneath it), with that directory locked (waiting at most `wait`) and
/// its interrupted sets recovered first. The set is named after its last file.
pub fn write_files(
    files: &[PlannedFile],
    wait: std::time::Duration,
) -> Result<Written, CommitError> {
    let Some(last) = files.last() else {
        return Ok(Written::default());
    };
    let root = Root::open(&common_dir(files))
        .map_err(|e| PlaceError::from(e.about(&last.path, "open its directory")))?;
    let _lock = super::lock::DirLock::acquire(vec![root.handle()?], wait)?;
    let recovered = recover_dir(root.dir())?;
    let set = last
        .path
        .file_name()
        .map_or_else(|| "files".into(), |n| n.to_string_lossy().into_owned());
    let mut written = commit(&root, &set, files)?;
    written.recovered = recovered;
    Ok(written)
}

/// The deepest directory every file of `files` is in.
fn common_dir(files: &[PlannedFile]) -> PathBuf {
    let parent = |f: &PlannedFile| f.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut common = files.first().map(parent).unwrap_or_default();
    for f in files {
        let dir = parent(f);
        while !dir.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// One file of a set, located and decided.
struct Member<'a> {
    file: &'a PlannedFile,
    dir: usize,
    name: OsString,
    rel: PathBuf,
    placement: Placement,
}

/// Writes `files` (each beneath `root`) as one set whose commit record is named after `set`.
pub fn commit(root: &Root, set: &str, files: &[PlannedFile]) -> Result<Written, CommitError> {
    let me = rustix::process::geteuid().as_raw();
    let mut dirs: Vec<DirHandle> = Vec::new();
    let mut members = Vec::new();
    for file in files {
        let (dir, name) = root.locate(&file.path).map_err(PlaceError::from)?;
        let rel = lexical_beneath(root.dir().path(), &file.path).unwrap_or_default();
        let placement = placement(&dir, &name, file.mode, file.is_key(), me)?;
        let index = match dirs.iter().position(|d| d.identity() == dir.identity()) {
            Some(i) => i,
            None => {
                dirs.push(dir);
                dirs.len() - 1
            }
        };
        members.push(Member {
            file,
            dir: index,
            name,
            rel,
            placement,
        });
    }
    let warnings = members
        .iter()
        .filter_map(|m| m.placement.warning.clone())
        .collect();
    stage_all(root.dir(), &members).map_err(CommitError::BeforeCommit)?;
    let record = OsString::from(format!(".{set}{RECORD_SUFFIX}"));
    write_record(root.dir(), &record, &members).map_err(CommitError::BeforeCommit)?;
    let record_path = root.dir().display(&record);
    for (i, m) in members.iter().enumerate() {
        let dir = &dirs[m.dir];
        if let Err(source) = root.dir().rename_to(&pending_name(&m.rel), dir, &m.name) {
            return Err(CommitError::Replace(Box::new(PartialReplace {
                source,
                replaced: members[..i].iter().map(|m| m.file.path.clone()).collect(),
                remaining: members[i..].iter().map(|m| m.file.path.clone()).collect(),
                record: record_path,
            })));
        }
    }
    for dir in &dirs {
        dir.sync()?;
    }
    root.dir().remove(&record)?;
    root.dir().sync()?;
    Ok(Written {
        warnings,
        recovered: Vec::new(),
    })
}

/// `.REL.etcdpki-pending`, in the record's directory, for the file at `rel` beneath it (`/`
/// written `%2F` and `%` written `%25`): every pending file of a set is beside its record, so a
/// pending file no record there names is a killed run's uncommitted one.
fn pending_name(rel: &Path) -> OsString {
    let mut s = Vec::from(&b"."[..]);
    for &b in rel.as_os_str().as_bytes() {
        match b {
            b'/' => s.extend_from_slice(b"%2F"),
            b'%' => s.extend_from_slice(b"%25"),
            b => s.push(b),
        }
    }
    s.extend_from_slice(PENDING_SUFFIX.as_bytes());
    OsStr::from_bytes(&s).to_os_string()
}

/// Writes every member to its pending file beside the record (`root`): all written, then all
/// synced, then renamed; a failure removes what was made.
fn stage_all(root: &DirHandle, members: &[Member<'_>]) -> Result<(), FsError> {
    let mut temps: Vec<(OsString, std::fs::File)> = Vec::new();
    let result = (|| {
        for m in members {
            let dir = root;
            let temp = temp_name(&pending_name(&m.rel))?;
            let mut file = dir
                .create_new(&temp)
                .map_err(|e| e.about(&m.file.path, "create a temporary file beside it"))?;
            temps.push((
                temp,
                file.try_clone().map_err(|source| FsError::Io {
                    path: dir.display(&m.name),
                    action: "write",
                    source,
                })?,
            ));
            file.write_all(m.file.contents.bytes())
                .map_err(|source| FsError::Io {
                    path: dir.display(&m.name),
                    action: "write",
                    source,
                })?;
            apply(&file, &m.placement, &dir.display(&m.name))?;
        }
        for ((_, file), m) in temps.iter().zip(members) {
            file.sync_all().map_err(|source| FsError::Io {
                path: m.file.path.clone(),
                action: "sync",
                source,
            })?;
        }
        for ((temp, _), m) in temps.iter().zip(members) {
            root.rename(temp, &pending_name(&m.rel))?;
        }
        root.sync()
    })();
    if result.is_err() {
        for ((temp, _), m) in temps.iter().zip(members) {
            let _ = root.remove(temp);
            let _ = root.remove(&pending_name(&m.rel));
        }
    }
    result
}

/// A fresh temporary name for `name`: `.NAME.` + 12 random hex digits + `.tmp`.
fn temp_name(name: &OsStr) -> Result<OsString, FsError> {
    let mut suffix = [0u8; 6];
    aws_lc_rs::rand::fill(&mut suffix).map_err(|_| FsError::Io {
        path: PathBuf::from(name),
        action: "make a temporary name",
        source: std::io::Error::other("the random number generator failed"),
    })?;
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".{}{TEMP_SUFFIX}", hex(&suffix)));
    Ok(s)
}

/// Writes the commit record: temporary file, sync, rename, sync of the directory.
fn write_record(root: &DirHandle, record: &OsStr, members: &[Member<'_>]) -> Result<(), FsError> {
    let mut text = format!("{RECORD_HEADER}\n");
    for m in members {
        let old = m
            .placement
            .old
            .map_or_else(|| "-".to_owned(), Fingerprint::hex);
        let new = Fingerprint::of(m.file.contents.bytes()).hex();
        text.push_str(&format!(
            "{} {old} {new}\n",
            hex(m.rel.as_os_str().as_bytes())
        ));
    }
    let temp = temp_name(record)?;
    let mut file = root.create_new(&temp)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| FsError::Io {
            path: root.display(record),
            action: "write the commit record",
            source,
        })
        .and_then(|()| root.rename(&temp, record))
        .and_then(|()| root.sync());
    if written.is_err() {
        let _ = root.remove(&temp);
    }
    written
}

/// What [`recover_dir`] did with one commit record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// A committed set was finished: these files were replaced.
    RolledForward {
        /// The record.
        record: PathBuf,
        /// The files replaced now.
        files: Vec<PathBuf>,
    },
    /// A record whose files changed since was dropped with its pending files.
    Dropped {
        /// The record.
        record: PathBuf,
        /// Which file changed.
        reason: String,
    },
}

/// One line of a record.
struct Line {
    rel: PathBuf,
    old: Option<Fingerprint>,
    new: Fingerprint,
}

fn parse_record(text: &str) -> Option<Vec<Line>> {
    let mut lines = text.lines();
    if lines.next()? != RECORD_HEADER {
        return None;
    }
    lines
        .map(|line| {
            let mut parts = line.split(' ');
            let rel = PathBuf::from(OsStr::from_bytes(&unhex(parts.next()?)?));
            let old = match parts.next()? {
                "-" => None,
                h => Some(Fingerprint::parse(h)?),
            };
            let new = Fingerprint::parse(parts.next()?)?;
            Some(Line { rel, old, new })
        })
        .collect()
}

/// Finishes or drops every commit record in `dir`, then removes what killed writers left
/// there uncommitted: temporary files (never complete) and pending files no record names (a
/// set is staged beside its record, so these were never committed; a pending key is a whole
/// private key, which must not linger). In a directory anyone may write to, only this user's
/// are touched. Call it with the directory locked, before reading anything in it.
pub fn recover_dir(dir: &DirHandle) -> Result<Vec<Recovery>, FsError> {
    let me = rustix::process::geteuid().as_raw();
    let mut done = Vec::new();
    let entries = dir.entries()?;
    for entry in &entries {
        let Some(name) = entry.name.to_str() else {
            continue;
        };
        if name.starts_with('.')
            && name.ends_with(RECORD_SUFFIX)
            && let Some(r) = recover_record(dir, &entry.name, me)?
        {
            done.push(r);
        }
    }
    for entry in &entries {
        let Some(name) = entry.name.to_str() else {
            continue;
        };
        let leftover =
            is_temporary(name) || name.starts_with('.') && name.ends_with(PENDING_SUFFIX);
        if leftover
            && dir
                .lstat(&entry.name)?
                .is_some_and(|s| s.st_uid == me || !dir.shared())
        {
            dir.remove(&entry.name)?;
        }
    }
    Ok(done)
}

/// True for a temporary file's name: `.NAME.0123456789ab.tmp`.
pub(crate) fn is_temporary(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, h)| h.len() == 12 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// True for the names etcdpki writes on the way to a real file: temporary and pending files
/// and commit records. Scans skip them.
pub fn is_scratch_name(name: &str) -> bool {
    is_temporary(name)
        || name.starts_with('.')
            && (name.ends_with(PENDING_SUFFIX) || name.ends_with(RECORD_SUFFIX))
}

/// Finishes or drops the record `name` in `dir`; `None` when it is not this user's.
fn recover_record(dir: &DirHandle, name: &OsStr, me: u32) -> Result<Option<Recovery>, FsError> {
    let record_path = dir.display(name);
    // Only a record this user wrote directs renames: anyone could drop one in /tmp.
    let Some((file, stat)) = dir.open_regular(name)? else {
        return Ok(None);
    };
    if stat.st_uid != me {
        return Ok(None);
    }
    let text = super::fs::read_opened(file, &stat, &record_path)?;
    let Some(lines) = std::str::from_utf8(&text).ok().and_then(parse_record) else {
        return Ok(None);
    };
    let mut located = Vec::new();
    let mut stale = None;
    for line in &lines {
        let parent = line.rel.parent().unwrap_or(Path::new(""));
        let member_dir = dir.open_beneath(parent)?;
        let target = line
            .rel
            .file_name()
            .map(OsStr::to_os_string)
            .unwrap_or_default();
        let pending = pending_name(&line.rel);
        let current = on_disk(&member_dir, &target);
        let staged = on_disk(dir, &pending);
        let fits = match staged {
            OnDisk::Is(p) if p == line.new => match line.old {
                None => current == OnDisk::Absent,
                Some(old) => current == OnDisk::Is(old),
            },
            // Already renamed by the run that was killed.
            OnDisk::Absent => current == OnDisk::Is(line.new),
            _ => false,
        };
        if !fits && stale.is_none() {
            stale = Some(format!(
                "{} changed since the record was written",
                dir.display(line.rel.as_os_str()).display()
            ));
        }
        located.push((member_dir, target, pending, staged != OnDisk::Absent));
    }
    let outcome = match stale {
        Some(reason) => {
            for (_, _, pending, staged) in &located {
                if *staged {
                    dir.remove(pending)?;
                }
            }
            Recovery::Dropped {
                record: record_path,
                reason,
            }
        }
        None => {
            let mut files = Vec::new();
            for (member_dir, target, pending, staged) in &located {
                if *staged {
                    dir.rename_to(pending, member_dir, target)?;
                    files.push(member_dir.display(target));
                }
            }
            for (member_dir, ..) in &located {
                member_dir.sync()?;
            }
            Recovery::RolledForward {
                record: record_path,
                files,
            }
        }
    };
    dir.remove(name)?;
    dir.sync()?;
    Ok(Some(outcome))
}

/// What is at a name, as recovery compares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnDisk {
    Absent,
    /// Not a regular file, or unreadable.
    Unusable,
    Is(Fingerprint),
}

fn on_disk(dir: &DirHandle, name: &OsStr) -> OnDisk {
    match dir.read(name) {
        Ok(None) => OnDisk::Absent,
        Ok(Some(bytes)) => OnDisk::Is(Fingerprint::of(&zeroize::Zeroizing::new(bytes))),
        Err(_) => OnDisk::Unusable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn planned(path: &Path, text: &str, mode: u32) -> PlannedFile {
        let bytes = text.as_bytes().to_vec();
        PlannedFile {
            path: path.to_path_buf(),
            contents: if others_have_access(mode) {
                Contents::Public(bytes)
            } else {
                Contents::Secret(bytes.into())
            },
            mode,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn scratch_names_are_recognised() {
        assert!(is_scratch_name(".a.pem.etcdpki-pending"));
        assert!(is_scratch_name(".a-key.pem.0123456789ab.tmp"));
        assert!(is_scratch_name(".a.pem.etcdpki-commit"));
        assert!(!is_scratch_name("a.pem"));
        assert!(!is_scratch_name(".a.pem.xyz.tmp"));
    }

    #[test]
    fn a_set_is_written_and_a_killed_one_rolls_forward_or_is_dropped_when_stale() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let top = tmp.path();
        let root = Root::open(top).expect("root");
        let (key, cert) = (top.join("a-key.pem"), top.join("a.pem"));
        fs::write(&key, "old key").expect("seed");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).expect("chmod");
        fs::write(&cert, "old cert").expect("seed");
        let set = [
            planned(&key, "new key", 0o600),
            planned(&cert, "new cert", 0o644),
        ];
        let written = commit(&root, "a.pem", &set).expect("commit");
        assert_eq!(written.warnings.len(), 1, "{:?}", written.warnings);
        assert_eq!(fs::read_to_string(&key).expect("key"), "new key");
        assert_eq!(
            fs::metadata(&key).expect("meta").permissions().mode() & 0o7777,
            0o640
        );
        assert_eq!(names(top), ["a-key.pem", "a.pem"]);

        // Killed after the record, before any rename: rolled forward.
        let members = |old_key: &str, old_cert: &str| {
            format!(
                "{RECORD_HEADER}\n{} {} {}\n{} {} {}\n",
                hex(b"a-key.pem"),
                Fingerprint::of(old_key.as_bytes()).hex(),
                Fingerprint::of(b"k2").hex(),
                hex(b"a.pem"),
                Fingerprint::of(old_cert.as_bytes()).hex(),
                Fingerprint::of(b"c2").hex()
            )
        };
        fs::write(top.join(".a-key.pem.etcdpki-pending"), "k2").expect("stage");
        fs::write(top.join(".a.pem.etcdpki-pending"), "c2").expect("stage");
        fs::write(
            top.join(".a.pem.etcdpki-commit"),
            members("new key", "new cert"),
        )
        .expect("rec");
        fs::write(top.join(".a.pem.0123456789ab.tmp"), "half").expect("temp");
        let done = recover_dir(root.dir()).expect("recover");
        assert!(
            matches!(&done[..], [Recovery::RolledForward { files, .. }] if files.len() == 2),
            "{done:?}"
        );
        assert_eq!(fs::read_to_string(&cert).expect("cert"), "c2");
        assert_eq!(names(top), ["a-key.pem", "a.pem"]);

        // The same, but the operator re-issued the certificate since: the record is stale.
        fs::write(top.join(".a-key.pem.etcdpki-pending"), "k2").expect("stage");
        fs::write(top.join(".a.pem.etcdpki-pending"), "c2").expect("stage");
        fs::write(top.join(".a.pem.etcdpki-commit"), members("k2", "reissued")).expect("rec");
        let done = recover_dir(root.dir()).expect("recover");
        assert!(matches!(&done[..], [Recovery::Dropped { .. }]), "{done:?}");
        assert_eq!(fs::read_to_string(&cert).expect("cert"), "c2");
        assert_eq!(names(top), ["a-key.pem", "a.pem"]);
        assert!(recover_dir(root.dir()).expect("again").is_empty());
    }
}

//! The one way etcdpki touches a PKI on disk: every read and write of a certificate, key,
//! request or lock goes through a [`DirHandle`], an opened directory.
//!
//! Takes the directories a user names (opened as named: a link the user wrote in the path is
//! theirs to write) and paths beneath them; returns file contents, directory listings and
//! handles for writing. Below a named directory nothing is followed: paths are resolved with
//! Linux `openat2(2)` and `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` (through rustix, the
//! maintained safe binding; docs/design.md), so a link planted in the tree, for a file or for
//! a directory, is refused instead of followed; a name that is not a regular file (a FIFO, a
//! device, a directory) is refused before anything reads from or writes to it, and reads are
//! capped at [`MAX_FILE_BYTES`]. Nothing is created or changed outside a named directory.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;

/// The most bytes etcdpki reads from one PKI file. A certificate is 1-2 KiB, an 8192-bit RSA
/// key 6.3 KiB; a bundle of 4000 certificates or a CRL of 100 000 entries (about 40 bytes
/// each, RFC 5280 §5.1.2.6) still fits, while a 1 GiB file is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// The operating system refused.
    #[error("{}: cannot {action}: {}", path.display(), reason(source))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done: `read`, `open the directory`, …
        action: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A name that must be a regular file is something else.
    #[error(
        "{}: is {kind}, not a regular file: etcdpki reads keys and writes files only as regular files (never through a link); remove it or name the real file",
        path.display()
    )]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What it is: `a symbolic link`, `a FIFO`, …
        kind: &'static str,
    },
    /// A link on the way below a named directory.
    #[error(
        "{}: a symbolic link is on the way below {}: etcdpki follows no link inside the directories it is given; name the real directory",
        path.display(),
        root.display()
    )]
    LinkOnTheWay {
        /// The path asked for.
        path: PathBuf,
        /// The named directory.
        root: PathBuf,
    },
    /// A file over the size limit.
    #[error(
        "{}: {size} bytes is more than the {limit} bytes etcdpki reads from a PKI file",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// [`MAX_FILE_BYTES`].
        limit: u64,
    },
    /// A path outside the named directory.
    #[error(
        "{}: is outside {}, the directory named: etcdpki creates and changes nothing outside it",
        path.display(),
        root.display()
    )]
    Outside {
        /// The path.
        path: PathBuf,
        /// The named directory.
        root: PathBuf,
    },
}

impl FsError {
    /// An OS error reported for `path` (the file a user named) instead of the path it
    /// happened on (a temporary file, a directory), with what was being done.
    pub fn about(self, path: &Path, action: &'static str) -> Self {
        match self {
            Self::Io { source, .. } => Self::Io {
                path: path.to_path_buf(),
                action,
                source,
            },
            other => other,
        }
    }
}

/// `permission denied`, not `Permission denied (os error 13)`.
fn reason(e: &std::io::Error) -> String {
    crate::diag::io_reason(e)
}

/// The kind of a file that is not regular, for messages.
pub(crate) fn kind_name(t: FileType) -> &'static str {
    match t {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "of an unknown type",
    }
}

/// An open directory; every operation is relative to it.
#[derive(Debug)]
pub struct DirHandle {
    fd: OwnedFd,
    path: PathBuf,
    stat: Stat,
}

/// An entry of a directory listing, by the type `readdir` (or an `lstat`) gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name.
    pub name: OsString,
    /// Its type; a link is a link, never what it names.
    pub kind: FileType,
}

fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(Errno) -> FsError + 'a {
    move |e| FsError::Io {
        path: path.to_path_buf(),
        action,
        source: e.into(),
    }
}

/// `open(2)` flags for a directory handle.
fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC
}

impl DirHandle {
    /// Opens a directory the user named, following links in `path` as any command does.
    pub fn open(path: &Path) -> Result<Self, FsError> {
        let shown = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        let fd =
            rfs::open(shown, dir_flags(), Mode::empty()).map_err(io(path, "open the directory"))?;
        Self::from_fd(fd, path.to_path_buf())
    }

    fn from_fd(fd: OwnedFd, path: PathBuf) -> Result<Self, FsError> {
        let stat = rfs::fstat(&fd).map_err(io(&path, "stat the directory"))?;
        Ok(Self { fd, path, stat })
    }

    /// `dir`, named `path` in messages from now on.
    pub fn renamed(dir: Self, path: PathBuf) -> Self {
        Self { path, ..dir }
    }

    /// The path it was opened by, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` in it, for messages.
    pub fn display(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// Its owner's uid.
    pub fn owner(&self) -> u32 {
        self.stat.st_uid
    }

    /// Its permission bits, the sticky bit included.
    pub fn mode(&self) -> u32 {
        self.stat.st_mode & 0o7777
    }

    /// Its (device, inode), which names it whatever path reached it.
    pub fn identity(&self) -> (u64, u64) {
        (self.stat.st_dev, self.stat.st_ino)
    }

    /// True when users other than its owner (and root) may create files in it: it is
    /// world-writable, sticky or not. Such a directory is `/tmp`.
    pub fn shared(&self) -> bool {
        self.mode() & 0o002 != 0
    }

    /// The directory `rel` beneath this one, reached without following any link.
    pub(crate) fn open_beneath(&self, rel: &Path) -> Result<Self, FsError> {
        let shown = if rel.as_os_str().is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        };
        check_relative(rel, &shown, &self.path)?;
        if rel.as_os_str().is_empty() {
            let fd = rfs::openat(&self.fd, ".", dir_flags(), Mode::empty())
                .map_err(io(&shown, "open the directory"))?;
            return Self::from_fd(fd, shown);
        }
        let fd = rfs::openat2(
            &self.fd,
            rel,
            dir_flags(),
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS,
        )
        .map_err(|e| match e {
            Errno::LOOP | Errno::XDEV => FsError::LinkOnTheWay {
                path: shown.clone(),
                root: self.path.clone(),
            },
            e => io(&shown, "open the directory")(e),
        })?;
        Self::from_fd(fd, shown)
    }

    /// The directory `rel` beneath this one, made (each missing level `mode` exactly, whatever
    /// the umask) where it is missing, and reached without following any link.
    pub(crate) fn create_beneath(&self, rel: &Path, mode: u32) -> Result<Self, FsError> {
        let shown = self.path.join(rel);
        check_relative(rel, &shown, &self.path)?;
        let mut dir = self.open_beneath(Path::new(""))?;
        for part in rel.components() {
            let Component::Normal(name) = part else {
                continue;
            };
            let next = dir.display(name);
            match rfs::mkdirat(&dir.fd, name, Mode::from_raw_mode(0o700)) {
                Ok(()) => {
                    let made = dir.open_beneath(Path::new(name))?;
                    super::crash::step("mkdir");
                    rfs::fchmod(&made.fd, Mode::from_raw_mode(mode))
                        .map_err(io(&next, "set the directory's mode"))?;
                    dir = Self::from_fd(made.fd, made.path)?;
                }
                Err(Errno::EXIST) => dir = dir.open_beneath(Path::new(name))?,
                Err(e) => return Err(io(&next, "create the directory")(e)),
            }
        }
        Ok(dir)
    }

    /// The entry `name`, not followed if it is a link; `None` if there is none.
    pub(crate) fn lstat(&self, name: &OsStr) -> Result<Option<Stat>, FsError> {
        match rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(s) => Ok(Some(s)),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(io(&self.display(name), "stat")(e)),
        }
    }

    /// True if `name` is a link to a regular file.
    pub(crate) fn links_to_file(&self, name: &OsStr) -> bool {
        rfs::statat(&self.fd, name, AtFlags::empty())
            .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::RegularFile)
    }

    /// Opens the regular file `name` for reading without following a link and without
    /// blocking on a FIFO; `None` if it does not exist.
    pub(crate) fn open_regular(&self, name: &OsStr) -> Result<Option<(File, Stat)>, FsError> {
        self.open_file(name, OFlags::NOFOLLOW)
    }

    /// [`Self::open_regular`], `extra` added to the flags (`NOFOLLOW` or none).
    fn open_file(&self, name: &OsStr, extra: OFlags) -> Result<Option<(File, Stat)>, FsError> {
        let shown = self.display(name);
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | extra;
        let fd = match rfs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP) => {
                return Err(FsError::NotRegular {
                    path: shown,
                    kind: "a symbolic link",
                });
            }
            Err(e) => return Err(io(&shown, "open")(e)),
        };
        let stat = rfs::fstat(&fd).map_err(io(&shown, "stat"))?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        if kind != FileType::RegularFile {
            return Err(FsError::NotRegular {
                path: shown,
                kind: kind_name(kind),
            });
        }
        Ok(Some((File::from(fd), stat)))
    }

    /// The bytes of the regular file `name` (at most [`MAX_FILE_BYTES`]); `None` if it does
    /// not exist.
    pub fn read(&self, name: &OsStr) -> Result<Option<Vec<u8>>, FsError> {
        let Some((file, stat)) = self.open_regular(name)? else {
            return Ok(None);
        };
        read_opened(file, &stat, &self.display(name)).map(Some)
    }

    /// [`Self::read`] of a public file (a certificate, a CRL), through a link if `name` is one:
    /// still a regular file, still capped, never blocking.
    pub(crate) fn read_following(&self, name: &OsStr) -> Result<Option<Vec<u8>>, FsError> {
        let Some((file, stat)) = self.open_file(name, OFlags::empty())? else {
            return Ok(None);
        };
        read_opened(file, &stat, &self.display(name)).map(Some)
    }

    /// Every entry but `.` and `..`, in name order.
    pub fn entries(&self) -> Result<Vec<Entry>, FsError> {
        let err = io(&self.path, "list the directory");
        let mut dir = rfs::Dir::read_from(&self.fd).map_err(err)?;
        let mut out = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(io(&self.path, "list the directory"))?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if name == "." || name == ".." {
                continue;
            }
            let mut kind = entry.file_type();
            if kind == FileType::Unknown {
                // Some file systems give no type in readdir.
                kind = self
                    .lstat(name)?
                    .map_or(FileType::Unknown, |s| FileType::from_raw_mode(s.st_mode));
            }
            out.push(Entry {
                name: name.to_os_string(),
                kind,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Creates the file `name`, which must not exist, open for writing, mode `0600` (no one
    /// else can open it while it is written).
    pub(crate) fn create_new(&self, name: &OsStr) -> Result<File, FsError> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        super::crash::step("create");
        rfs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o600))
            .map(File::from)
            .map_err(io(&self.display(name), "create"))
    }

    /// Renames `from` over `to`, both in this directory. A link at `to` is replaced, never
    /// followed.
    pub fn rename(&self, from: &OsStr, to: &OsStr) -> Result<(), FsError> {
        super::crash::step("rename");
        rfs::renameat(&self.fd, from, &self.fd, to).map_err(io(&self.display(to), "replace"))
    }

    /// Renames `from` (in this directory) over `to` in `to_dir`, on the same file system. A link
    /// at `to` is replaced, never followed.
    pub(crate) fn rename_to(
        &self,
        from: &OsStr,
        to_dir: &DirHandle,
        to: &OsStr,
    ) -> Result<(), FsError> {
        super::crash::step("rename");
        rfs::renameat(&self.fd, from, &to_dir.fd, to).map_err(io(&to_dir.display(to), "replace"))
    }

    /// Removes `name`; false if it was not there.
    pub fn remove(&self, name: &OsStr) -> Result<bool, FsError> {
        super::crash::step("remove");
        match rfs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(io(&self.display(name), "remove")(e)),
        }
    }

    /// Makes its entries (renames, removals) durable.
    pub fn sync(&self) -> Result<(), FsError> {
        super::crash::step("sync directory");
        rfs::fsync(&self.fd).map_err(io(&self.path, "sync the directory"))
    }

    /// The open descriptor, for `flock(2)`.
    pub(crate) fn fd(&self) -> &OwnedFd {
        &self.fd
    }
}

/// Reads at most [`MAX_FILE_BYTES`] from `file`, refusing a larger one (also one that grew).
pub(crate) fn read_opened(file: File, stat: &Stat, shown: &Path) -> Result<Vec<u8>, FsError> {
    let size = u64::try_from(stat.st_size).unwrap_or(0);
    let too_large = |size| FsError::TooLarge {
        path: shown.to_path_buf(),
        size,
        limit: MAX_FILE_BYTES,
    };
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| FsError::Io {
            path: shown.to_path_buf(),
            action: "read",
            source,
        })?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > MAX_FILE_BYTES {
        return Err(too_large(read));
    }
    Ok(bytes)
}

/// `rel` must be a plain relative path: no root, no `..`.
fn check_relative(rel: &Path, shown: &Path, root: &Path) -> Result<(), FsError> {
    let plain = rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if plain {
        Ok(())
    } else {
        Err(FsError::Outside {
            path: shown.to_path_buf(),
            root: root.to_path_buf(),
        })
    }
}

/// The bytes of the file at `path`, its directory opened as named and the file itself not
/// followed if it is a link; `None` if it does not exist. How every private key is read.
pub fn read_path(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    let (dir, name) = open_parent(path)?;
    dir.read(&name)
}

/// [`read_path`] as `std::fs::read` answers: a missing file is `NotFound`, any other refusal
/// (a link, a FIFO, over the cap) an error carrying the message. A drop-in for readers that
/// match on `std::io::Error`.
pub(crate) fn read_path_io(path: &Path) -> std::io::Result<Vec<u8>> {
    match read_path(path) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(std::io::ErrorKind::NotFound.into()),
        Err(FsError::Io { source, .. }) => Err(source),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    }
}

/// `read_path` of a public file, which may be a link.
pub fn read_path_following(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    let (dir, name) = open_parent(path)?;
    dir.read_following(&name)
}

/// The directory of `path` (opened as named) and its last component.
pub(crate) fn open_parent(path: &Path) -> Result<(DirHandle, OsString), FsError> {
    let name = path.file_name().ok_or_else(|| FsError::NotRegular {
        path: path.to_path_buf(),
        kind: "a directory",
    })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok((DirHandle::open(parent)?, name.to_os_string()))
}

/// A directory the user named and the paths beneath it.
#[derive(Debug)]
pub struct Root {
    dir: DirHandle,
}

impl Root {
    /// Opens the named directory.
    pub fn open(path: &Path) -> Result<Self, FsError> {
        DirHandle::open(path).map(|dir| Self { dir })
    }

    /// A root on an open directory.
    pub(crate) fn from_handle(dir: DirHandle) -> Self {
        Self { dir }
    }

    /// The named directory's handle.
    pub fn dir(&self) -> &DirHandle {
        &self.dir
    }

    /// A second handle on the named directory (to lock it, say).
    pub fn handle(&self) -> Result<DirHandle, FsError> {
        self.dir.open_beneath(Path::new(""))
    }

    /// `path` (beneath the root as written) as the handle of its directory and its name.
    pub(crate) fn locate(&self, path: &Path) -> Result<(DirHandle, OsString), FsError> {
        let outside = || FsError::Outside {
            path: path.to_path_buf(),
            root: self.dir.path.clone(),
        };
        let rel = lexical_beneath(&self.dir.path, path).ok_or_else(outside)?;
        let name = rel.file_name().ok_or_else(outside)?.to_os_string();
        let parent = rel.parent().unwrap_or(Path::new(""));
        Ok((self.dir.open_beneath(parent)?, name))
    }
}

/// The directories a user named (for a file named, its directory), to reach the paths beneath
/// them.
#[derive(Debug)]
pub struct Trees {
    roots: Vec<Root>,
}

impl Trees {
    /// Opens each path's tree.
    pub fn open(paths: &[PathBuf]) -> Result<Self, FsError> {
        let mut roots = Vec::new();
        for path in paths {
            let dir = if path.is_dir() {
                path.as_path()
            } else {
                path.parent().unwrap_or(Path::new(""))
            };
            roots.push(Root::open(dir)?);
        }
        Ok(Self { roots })
    }

    /// The innermost named directory `path` is beneath.
    pub(crate) fn root_of(&self, path: &Path) -> Result<&Root, FsError> {
        self.roots
            .iter()
            .filter(|r| lexical_beneath(r.dir().path(), path).is_some())
            .max_by_key(|r| r.dir().path().components().count())
            .ok_or_else(|| FsError::Outside {
                path: path.to_path_buf(),
                root: self
                    .roots
                    .first()
                    .map(|r| r.dir().path().to_path_buf())
                    .unwrap_or_default(),
            })
    }

    /// `path`'s directory, reached from its tree without following links, and its name.
    pub(crate) fn locate(&self, path: &Path) -> Result<(DirHandle, OsString), FsError> {
        self.root_of(path)?.locate(path)
    }
}

/// `path` without the prefix `root`, comparing components; `None` if it is not beneath.
pub(crate) fn lexical_beneath(root: &Path, path: &Path) -> Option<PathBuf> {
    fn clean(p: &Path) -> Vec<Component<'_>> {
        p.components().filter(|c| *c != Component::CurDir).collect()
    }
    let (root, full) = (clean(root), clean(path));
    if full.len() <= root.len() || full[..root.len()] != root[..] {
        return None;
    }
    let rest: PathBuf = full[root.len()..].iter().collect();
    rest.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_below_a_named_directory_are_refused_and_files_read_capped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let top = tmp.path();
        std::fs::create_dir(top.join("sub")).expect("mkdir");
        std::fs::write(top.join("sub/a.pem"), "a").expect("write");
        std::fs::write(top.join("secret"), "s").expect("write");
        symlink(top.join("secret"), top.join("sub/link.pem")).expect("link");
        symlink(top.join("sub"), top.join("dirlink")).expect("link");
        let root = Root::open(top).expect("root");
        let (dir, name) = root.locate(&top.join("sub/a.pem")).expect("locate");
        assert_eq!(dir.read(&name).expect("read"), Some(b"a".to_vec()));
        let e = dir.read(OsStr::new("link.pem")).expect_err("link");
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
        let e = root
            .locate(&top.join("dirlink/a.pem"))
            .expect_err("dir link");
        assert!(matches!(e, FsError::LinkOnTheWay { .. }), "{e}");
        let e = root.locate(&top.join("../x")).expect_err("outside");
        assert!(matches!(e, FsError::Outside { .. }), "{e}");
        rustix::fs::mkfifoat(&dir.fd, "fifo", Mode::from_raw_mode(0o600)).expect("fifo");
        let e = dir.read(OsStr::new("fifo")).expect_err("fifo");
        assert!(e.to_string().contains("is a FIFO"), "{e}");
        let big = File::create(top.join("sub/big")).expect("create");
        big.set_len(MAX_FILE_BYTES + 1).expect("sparse");
        let e = dir.read(OsStr::new("big")).expect_err("big");
        assert!(matches!(e, FsError::TooLarge { .. }), "{e}");
        let names: Vec<_> = dir
            .entries()
            .expect("ls")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["a.pem", "big", "fifo", "link.pem"]);
    }

    #[test]
    fn created_directories_get_exact_modes_and_stay_beneath() {
        // The umask is the process's, so it is left alone here; the cluster test under
        // `umask 000` shows that it does not matter.
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = Root::open(tmp.path()).expect("root");
        let made = root
            .dir()
            .create_beneath(Path::new("a/b"), 0o711)
            .expect("mkdir");
        assert_eq!(made.mode(), 0o711);
        let a = root.dir().open_beneath(Path::new("a")).expect("a");
        assert_eq!(a.mode(), 0o711);
        symlink(tmp.path().join("a"), tmp.path().join("link")).expect("link");
        let e = root
            .dir()
            .create_beneath(Path::new("link/c"), 0o700)
            .expect_err("through a link");
        assert!(matches!(e, FsError::LinkOnTheWay { .. }), "{e}");
        assert!(!tmp.path().join("a/c").exists());
    }
}

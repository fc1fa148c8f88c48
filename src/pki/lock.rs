//! Locks that keep two etcdpki runs (a cron `renew`, a person's `json` or `cluster`) from
//! interleaving their writes in a directory.
//!
//! Takes the [`DirHandle`]s of every directory a run writes in and returns a [`DirLock`]
//! holding an exclusive `flock(2)` on each directory itself, taken in (device, inode) order so
//! that two runs never wait for each other. Locking the directory, not a file in it, means
//! there is no lock file to plant a link or a FIFO at, nothing is created, and nested paths
//! (`renew /pki` and `renew /pki/sub`) meet on the same lock of `/pki/sub`. The lock is never
//! waited for blindly: it is polled until `wait` has passed. It dies with the process. Within
//! one process a directory already locked is not locked again (an `flock` through a second
//! handle would wait for the first): a command that holds a directory can call a writer that
//! locks it too.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustix::fs::{FlockOperation, flock};
use rustix::io::Errno;

use super::fs::{DirHandle, FsError};

/// The directories (device, inode) some [`DirLock`] of this process holds.
static HELD: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

/// Held locks; dropping this releases them.
#[derive(Debug)]
pub struct DirLock {
    held: Vec<DirHandle>,
}

/// Why the locks could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another process held a lock for the whole wait.
    #[error(
        "{}: another etcdpki run is writing in this directory (waited {}s); try again when it ends, or give a longer --lock-timeout",
        dir.display(),
        wait.as_secs_f64()
    )]
    Busy {
        /// The directory.
        dir: std::path::PathBuf,
        /// How long was waited.
        wait: Duration,
    },
    /// A directory could not be opened or locked.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl DirLock {
    /// Locks every directory of `dirs` (duplicates once), waiting up to `wait` in all.
    pub fn acquire(dirs: Vec<DirHandle>, wait: Duration) -> Result<Self, LockError> {
        let mut lock = Self { held: Vec::new() };
        lock.extend(dirs, wait)?;
        Ok(lock)
    }

    /// The directories held.
    pub fn dirs(&self) -> &[DirHandle] {
        &self.held
    }

    /// Locks the directories the user named at `paths` (opened as named).
    pub fn acquire_paths(paths: &[std::path::PathBuf], wait: Duration) -> Result<Self, LockError> {
        let dirs = paths
            .iter()
            .map(|p| DirHandle::open(p))
            .collect::<Result<Vec<_>, _>>()?;
        Self::acquire(dirs, wait)
    }

    /// Locks the directories of `dirs` not yet held too. `flock(2)` locks belong to an open
    /// directory, so a directory locked twice through two handles would wait for itself.
    pub fn extend(&mut self, dirs: Vec<DirHandle>, wait: Duration) -> Result<(), LockError> {
        let mut dirs = dirs;
        dirs.sort_by_key(DirHandle::identity);
        dirs.dedup_by_key(|d| d.identity());
        let start = Instant::now();
        for dir in dirs {
            if held().contains(&dir.identity()) {
                continue;
            }
            lock_one(&dir, start, wait)?;
            held().push(dir.identity());
            self.held.push(dir);
        }
        Ok(())
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let mine: Vec<(u64, u64)> = self.held.iter().map(DirHandle::identity).collect();
        held().retain(|id| !mine.contains(id));
    }
}

/// The registry of held directories; a panic elsewhere does not make it unusable.
fn held() -> std::sync::MutexGuard<'static, Vec<(u64, u64)>> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lock_one(dir: &DirHandle, start: Instant, wait: Duration) -> Result<(), LockError> {
    loop {
        match flock(dir.fd(), FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(()),
            Err(Errno::WOULDBLOCK) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(Errno::WOULDBLOCK) => {
                return Err(LockError::Busy {
                    dir: dir.path().to_path_buf(),
                    wait,
                });
            }
            Err(Errno::INTR) => {}
            Err(e) => {
                return Err(LockError::Fs(FsError::Io {
                    path: dir.path().to_path_buf(),
                    action: "lock the directory",
                    source: e.into(),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_nested_directory_is_one_lock_another_holder_is_waited_for_and_reentry_is_free() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(tmp.path().join("sub")).expect("mkdir");
        let open = |p: &Path| DirHandle::open(p).expect("open");
        // Another process's lock, as flock sees it: another open directory.
        let other = open(&tmp.path().join("sub"));
        flock(other.fd(), FlockOperation::NonBlockingLockExclusive).expect("held elsewhere");
        let nested = open(tmp.path())
            .open_beneath(Path::new("sub"))
            .expect("sub");
        let busy = DirLock::acquire(vec![open(tmp.path()), nested], Duration::from_millis(60))
            .expect_err("held");
        assert!(busy.to_string().contains("another etcdpki run"), "{busy}");
        drop(other);
        let held =
            DirLock::acquire(vec![open(&tmp.path().join("sub"))], Duration::ZERO).expect("free");
        // This process holds it: a writer it calls may lock it again.
        DirLock::acquire(vec![open(&tmp.path().join("sub"))], Duration::ZERO).expect("reentry");
        drop(held);
    }
}

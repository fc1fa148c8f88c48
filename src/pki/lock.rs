//! The lock that keeps two `renew` runs (a cron job and a person, say) from interleaving.
//!
//! Takes the directories a run will write in and returns a [`RenewLock`] holding an exclusive
//! `flock(2)` on `.etcdpki-renew.lock` in each, taken in path order so that two runs can never
//! wait for each other. The lock dies with the process, so a killed run never leaves a stale one.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock file's name in each directory.
pub const LOCK_FILE_NAME: &str = ".etcdpki-renew.lock";

/// Held locks; dropping this releases them.
#[derive(Debug)]
pub struct RenewLock {
    _files: Vec<File>,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process held it for the whole wait.
    #[error("{0}: another etcdpki renew holds this lock (waited {1:?}); try again when it ends")]
    Busy(String, Duration),
    /// The lock file could not be opened or locked.
    #[error("{0}: cannot take the lock: {1}")]
    Io(String, std::io::Error),
}

impl RenewLock {
    /// Locks the directories files under `paths` are written in (each directory path itself,
    /// or a file's directory), waiting up to `wait` for each held lock.
    pub fn acquire_for_paths(paths: &[PathBuf], wait: Duration) -> Result<Self, LockError> {
        Self::acquire(&directories_of(paths), wait)
    }

    /// Locks every directory of `dirs`, waiting up to `wait` for each held lock.
    pub fn acquire(dirs: &[PathBuf], wait: Duration) -> Result<Self, LockError> {
        let mut dirs: Vec<PathBuf> = dirs
            .iter()
            .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut files = Vec::new();
        for dir in dirs {
            files.push(lock_one(&dir.join(LOCK_FILE_NAME), wait)?);
        }
        Ok(Self { _files: files })
    }
}

fn lock_one(path: &Path, wait: Duration) -> Result<File, LockError> {
    let shown = || path.display().to_string();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| LockError::Io(shown(), e))?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(TryLockError::WouldBlock) => return Err(LockError::Busy(shown(), wait)),
            Err(TryLockError::Error(e)) => return Err(LockError::Io(shown(), e)),
        }
    }
}

/// The directory each path's files are written in: the path itself, or a file's directory.
fn directories_of(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up_and_a_dropped_lock_is_free() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dirs = [dir.path().to_path_buf()];
        let held = RenewLock::acquire(&dirs, Duration::ZERO).expect("first");
        let busy = RenewLock::acquire(&dirs, Duration::from_millis(120)).expect_err("held");
        assert!(busy.to_string().contains("another etcdpki renew"), "{busy}");
        drop(held);
        RenewLock::acquire(&dirs, Duration::ZERO).expect("free again");
    }
}

//! Replacing a certificate and its key together, so that a crash at any instant leaves either
//! the old pair or the new one after the next run: a two-phase swap with the certificate as the
//! commit record.
//!
//! Takes the [`PlannedFile`]s of one set, the certificate last, and returns when all of them are
//! in place. Each file is first written completely beside its target as `.NAME.etcdpki-pending`
//! (temporary file, fsync, rename; see [`super::atomic`]); the certificate's pending file is
//! written last, and its existence is the commit. Then the pending files are renamed over their
//! targets, the certificate last. [`recover`] finishes a committed swap (rolls forward) or
//! deletes the pending files of an uncommitted one (rolls back).
//!
//! A process that reads the key and the certificate in between two of the final renames (etcd
//! loads both on every new TLS handshake: etcd 3.4 pkg/transport/listener.go, `baseConfig`'s
//! `GetCertificate` and `GetClientCertificate`) can still see a new key with the old
//! certificate: that window is the time between two `rename(2)` calls, microseconds, and the
//! handshake it hits fails once. Nothing else can make the pair disagree.

use std::fs;
use std::path::{Path, PathBuf};

use super::atomic::{
    OutputError, PlannedFile, parent, remove_stale_temporaries, resolve, write_set,
};

/// The end of a pending file's name: `.NAME` + this.
pub const PENDING_SUFFIX: &str = ".etcdpki-pending";

/// What [`recover`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// No interrupted swap.
    Clean,
    /// A committed swap was finished: the new files are in place.
    RolledForward,
    /// An uncommitted swap was dropped: the old files stay.
    RolledBack,
}

/// Where the pending version of `target` (a resolved path) is written.
fn pending_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent(target).join(format!(".{name}{PENDING_SUFFIX}"))
}

/// Replaces every file of `files` as one change; the last file is the commit record.
pub fn swap_files(files: &[PlannedFile]) -> Result<(), OutputError> {
    let Some((record, rest)) = files.split_last() else {
        return Ok(());
    };
    let targets: Vec<PathBuf> = files.iter().map(|f| resolve(&f.path)).collect();
    let staging = |set: &[PlannedFile], targets: &[PathBuf]| {
        let pairs: Vec<(PathBuf, PathBuf)> = targets
            .iter()
            .map(|t| (pending_path(t), t.clone()))
            .collect();
        write_set(set, &pairs)
    };
    let (rest_targets, record_target) = targets.split_at(rest.len());
    staging(rest, rest_targets)?;
    staging(std::slice::from_ref(record), record_target)?;
    finish(&targets)
}

/// Finishes or drops an interrupted [`swap_files`] of `targets` (in the order given to it, the
/// commit record last), and removes temporary files a killed writer left beside them.
pub fn recover(targets: &[PathBuf]) -> Result<Recovery, OutputError> {
    let targets: Vec<PathBuf> = targets.iter().map(|t| resolve(t)).collect();
    for t in &targets {
        for path in [t.clone(), pending_path(t)] {
            remove_stale_temporaries(&path).map_err(|source| OutputError {
                path: path.display().to_string(),
                action: "remove a stale temporary file",
                source,
            })?;
        }
    }
    let Some(record) = targets.last() else {
        return Ok(Recovery::Clean);
    };
    if pending_path(record).exists() {
        finish(&targets)?;
        return Ok(Recovery::RolledForward);
    }
    let mut dropped = false;
    for t in &targets {
        let pending = pending_path(t);
        if pending.exists() {
            fs::remove_file(&pending).map_err(|source| OutputError {
                path: pending.display().to_string(),
                action: "remove an uncommitted pending file",
                source,
            })?;
            dropped = true;
        }
    }
    Ok(if dropped {
        Recovery::RolledBack
    } else {
        Recovery::Clean
    })
}

/// Renames each pending file that is still there over its target, the record last, then syncs
/// the directories.
fn finish(targets: &[PathBuf]) -> Result<(), OutputError> {
    let mut dirs: Vec<&Path> = Vec::new();
    for t in targets {
        let pending = pending_path(t);
        if !pending.exists() {
            // Renamed by the run that was interrupted.
            continue;
        }
        fs::rename(&pending, t).map_err(|source| OutputError {
            path: t.display().to_string(),
            action: "replace",
            source,
        })?;
        if !dirs.contains(&parent(t)) {
            dirs.push(parent(t));
        }
    }
    for dir in dirs {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| OutputError {
                path: dir.display().to_string(),
                action: "sync directory",
                source,
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(path: &Path, text: &str) -> PlannedFile {
        PlannedFile {
            path: path.to_path_buf(),
            contents: text.as_bytes().to_vec(),
            mode: 0o600,
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
    fn a_swap_replaces_the_set_and_leaves_nothing_pending() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (key, cert) = (dir.path().join("a-key.pem"), dir.path().join("a.pem"));
        fs::write(&key, "old key").expect("seed");
        fs::write(&cert, "old cert").expect("seed");
        swap_files(&[planned(&key, "new key"), planned(&cert, "new cert")]).expect("swap");
        assert_eq!(fs::read_to_string(&key).expect("key"), "new key");
        assert_eq!(fs::read_to_string(&cert).expect("cert"), "new cert");
        assert_eq!(names(dir.path()), ["a-key.pem", "a.pem"]);
    }

    #[test]
    fn recovery_rolls_a_committed_swap_forward_and_an_uncommitted_one_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (key, cert) = (dir.path().join("a-key.pem"), dir.path().join("a.pem"));
        let targets = [key.clone(), cert.clone()];
        fs::write(&key, "old key").expect("seed");
        fs::write(&cert, "old cert").expect("seed");

        // Killed after the key was staged, before the commit record: the old pair stays.
        fs::write(pending_path(&key), "new key").expect("stage");
        fs::write(dir.path().join(".a.pem.0123456789ab.tmp"), "half").expect("temp");
        assert_eq!(recover(&targets).expect("recover"), Recovery::RolledBack);
        assert_eq!(fs::read_to_string(&key).expect("key"), "old key");
        assert_eq!(names(dir.path()), ["a-key.pem", "a.pem"]);

        // Killed after the key's rename, before the certificate's: the new pair wins.
        fs::write(&key, "new key").expect("renamed key");
        fs::write(pending_path(&cert), "new cert").expect("committed");
        assert_eq!(recover(&targets).expect("recover"), Recovery::RolledForward);
        assert_eq!(fs::read_to_string(&cert).expect("cert"), "new cert");
        assert_eq!(names(dir.path()), ["a-key.pem", "a.pem"]);
        assert_eq!(recover(&targets).expect("again"), Recovery::Clean);
    }

    #[test]
    fn scratch_names_are_recognised() {
        use super::super::atomic::is_scratch_name;
        assert!(is_scratch_name(".a.pem.etcdpki-pending"));
        assert!(is_scratch_name(".a-key.pem.0123456789ab.tmp"));
        assert!(!is_scratch_name("a.pem"));
        assert!(!is_scratch_name(".a.pem.xyz.tmp"));
    }
}

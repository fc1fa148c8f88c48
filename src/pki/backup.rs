//! The backup kept before a CA's key is replaced under cfssljson's name (docs/compat.md):
//! cfssljson overwrites `NAME.pem` and `NAME-key.pem` and so orphans every certificate the old
//! CA signed; etcdpki does what cfssljson does but keeps the old pair beside it first.
//!
//! Takes the path of the CA key about to be replaced and the time; returns the backup files to
//! write before the new ones (`NAME.pem.bak-<UTC time>` public, `NAME-key.pem.bak-<UTC time>`
//! [`KEY_MODE`]), under names that no existing file has.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::commit::{KEY_MODE, PUBLIC_MODE, PlannedFile};

/// A file to back up could not be read; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read it to keep a backup: {source}")]
pub struct BackupError {
    /// The file.
    pub path: String,
    /// The OS error.
    #[source]
    pub source: std::io::Error,
}

/// The backups of the CA whose key is `key_path` (`NAME-key.pem`, beside `NAME.pem`): the
/// certificate, then the key. A name already taken (two runs in one second) gets `.1`, `.2`…
pub fn backup_of(key_path: &Path, now: OffsetDateTime) -> Result<Vec<PlannedFile>, BackupError> {
    let stamp = stamp(now);
    let name = key_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cert_path = key_path.with_file_name(format!(
        "{}.pem",
        name.strip_suffix("-key.pem").unwrap_or(&name)
    ));
    let mut out = Vec::new();
    for (path, mode) in [(cert_path, PUBLIC_MODE), (key_path.to_path_buf(), KEY_MODE)] {
        // Not through a link, not a FIFO, capped: the one way PKI files are read.
        let contents = match super::fs::read_path(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(BackupError {
                    path: path.display().to_string(),
                    source: std::io::ErrorKind::NotFound.into(),
                });
            }
            Err(e) => {
                return Err(BackupError {
                    path: path.display().to_string(),
                    source: std::io::Error::other(e.to_string()),
                });
            }
        };
        let backup = free_name(&path, &stamp);
        out.push(if mode == KEY_MODE {
            PlannedFile::key(&backup, contents)
        } else {
            PlannedFile::public(&backup, contents)
        });
    }
    Ok(out)
}

/// `20261207T025637Z`: sorts in time order and has no character a shell or a file system minds.
fn stamp(now: OffsetDateTime) -> String {
    let utc = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

fn free_name(path: &Path, stamp: &str) -> PathBuf {
    let base = format!("{}.bak-{stamp}", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 0;
    while candidate.symlink_metadata().is_ok() {
        n += 1;
        candidate = PathBuf::from(format!("{base}.{n}"));
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_up_certificate_and_key_under_free_utc_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("ca-key.pem");
        std::fs::write(&key, "old key").expect("key");
        std::fs::write(dir.path().join("ca.pem"), "old cert").expect("cert");
        let now = time::macros::datetime!(2026-12-07 02:56:37 +01:00);
        std::fs::write(dir.path().join("ca.pem.bak-20261207T015637Z"), "taken").expect("taken");
        let files = backup_of(&key, now).expect("backups");
        let names: Vec<(String, u32, &[u8])> = files
            .iter()
            .map(|f| {
                (
                    f.path
                        .file_name()
                        .expect("name")
                        .to_string_lossy()
                        .into_owned(),
                    f.mode,
                    f.contents.bytes(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                (
                    "ca.pem.bak-20261207T015637Z.1".to_owned(),
                    0o644,
                    &b"old cert"[..]
                ),
                (
                    "ca-key.pem.bak-20261207T015637Z".to_owned(),
                    0o600,
                    &b"old key"[..]
                ),
            ]
        );
        std::fs::remove_file(dir.path().join("ca.pem")).expect("rm");
        let e = backup_of(&key, now).expect_err("no certificate");
        assert!(e.to_string().contains("ca.pem: cannot read it"), "{e}");
    }
}

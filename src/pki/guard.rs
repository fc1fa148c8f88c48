//! Checks before key files are written: a CA key is never replaced by accident, and a key is
//! never put where anyone can swap it.
//!
//! Takes the [`PlannedFile`]s of one write; returns the CA key files it would replace with a
//! different key, and the directories of key files that others may write to.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use x509_parser::prelude::{FromDer, X509Certificate};

use super::PlannedFile;

/// Key files (`NAME-key.pem`) that exist with another key while the `NAME.pem` on disk is a CA
/// certificate. Re-running `gencert -initca | json -bare ca` would otherwise make
/// a new CA and orphan every certificate the old one signed (cfssljson overwrites silently).
pub fn replaced_ca_keys(files: &[PlannedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter_map(|f| {
            let name = f.path.file_name()?.to_str()?;
            let stem = name.strip_suffix("-key.pem")?;
            let old = zeroize::Zeroizing::new(super::fs::read_path(&f.path).ok()??);
            if old.as_slice() == f.contents.bytes() {
                return None;
            }
            let cert_path = f.path.with_file_name(format!("{stem}.pem"));
            let is_ca = super::fs::read_path_following(&cert_path)
                .is_ok_and(|pem| pem.is_some_and(|pem| holds_ca(&pem)));
            is_ca.then(|| f.path.clone())
        })
        .collect()
}

fn holds_ca(pem_bytes: &[u8]) -> bool {
    pem::parse(pem_bytes)
        .ok()
        .filter(|p| p.tag() == "CERTIFICATE")
        .and_then(|p| {
            X509Certificate::from_der(p.contents())
                .ok()
                .map(|(_, c)| c.is_ca())
        })
        .unwrap_or(false)
}

/// Directories of the set's key files (mode 0600) that others may write to: world-writable
/// without the sticky bit, so anyone can replace the key (`/tmp` is sticky, and safe).
pub fn exposed_key_directories(files: &[PlannedFile]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter(|f| !super::others_have_access(f.mode))
        .map(|f| match f.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        })
        .filter(|d| is_exposed(d))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

fn is_exposed(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| others_can_replace(m.permissions().mode()))
}

/// True for a directory mode that lets others replace its files: world-writable and not
/// sticky.
pub fn others_can_replace(dir_mode: u32) -> bool {
    dir_mode & 0o002 != 0 && dir_mode & 0o1000 == 0
}

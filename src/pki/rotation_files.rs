//! The files of a CA rotation beside the current CA (docs/rotation.md): for `DIR/NAME.EXT`
//! (cfssljson's `ca.pem`, kubeadm's `ca.crt`), the next CA is `DIR/NAME-next.EXT` and the
//! previous one, kept after a rotation, `DIR/NAME-previous.EXT`; their keys are named as
//! cfssljson names a base's key (`ca-key.pem` → `ca-next-key.pem`) or, for another key name,
//! with the same suffix (`ca.key` → `ca-next.key`).
//!
//! Takes the current CA's certificate and key paths; returns the paths. Only names:
//! `rotate-ca` writes these files, and `renew` renews the next CA's leaves with them while a
//! rotation is under way.

use std::path::{Path, PathBuf};

/// The next CA's certificate file beside `ca` (`ca.pem` → `ca-next.pem`).
pub fn next_ca_file(ca: &Path) -> PathBuf {
    with_suffix(ca, "-next")
}

/// The previous CA's certificate file beside `ca` (`ca.pem` → `ca-previous.pem`).
pub fn previous_ca_file(ca: &Path) -> PathBuf {
    with_suffix(ca, "-previous")
}

/// The next CA's key file for the current CA `ca` and its key `key`.
pub fn next_ca_key_file(ca: &Path, key: &Path) -> PathBuf {
    key_with_suffix(ca, key, "-next")
}

/// The previous CA's key file for the current CA `ca` and its key `key`.
pub fn previous_ca_key_file(ca: &Path, key: &Path) -> PathBuf {
    key_with_suffix(ca, key, "-previous")
}

/// A key named `CASTEM-key.EXT` (cfssljson's name for the key of `CASTEM.pem`) becomes
/// `CASTEM{suffix}-key.EXT`; any other key name gets the suffix before its extension.
fn key_with_suffix(ca: &Path, key: &Path, suffix: &str) -> PathBuf {
    let name = key
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match ca.file_stem().map(|s| s.to_string_lossy().into_owned()) {
        Some(stem) if name.starts_with(&format!("{stem}-key")) => {
            key.with_file_name(format!("{stem}{suffix}{}", &name[stem.len()..]))
        }
        _ => with_suffix(key, suffix),
    }
}

/// `DIR/NAME.EXT` → `DIR/NAME{suffix}.EXT`; a name without an extension gets the suffix.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let name = match (stem, path.extension()) {
        (Some(stem), Some(ext)) => format!("{stem}{suffix}.{}", ext.to_string_lossy()),
        (Some(stem), None) => format!("{stem}{suffix}"),
        (None, _) => format!("ca{suffix}.pem"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_directory_and_the_extension() {
        assert_eq!(
            next_ca_file(Path::new("pki/ca.pem")),
            Path::new("pki/ca-next.pem")
        );
        assert_eq!(
            previous_ca_file(Path::new("/etc/kubernetes/pki/etcd/ca.crt")),
            Path::new("/etc/kubernetes/pki/etcd/ca-previous.crt")
        );
        assert_eq!(next_ca_file(Path::new("ca")), Path::new("ca-next"));
        let (ca, key) = (Path::new("/pki/ca.pem"), Path::new("/pki/ca-key.pem"));
        assert_eq!(next_ca_key_file(ca, key), Path::new("/pki/ca-next-key.pem"));
        assert_eq!(
            previous_ca_key_file(ca, key),
            Path::new("/pki/ca-previous-key.pem")
        );
        let (crt, k) = (Path::new("/pki/ca.crt"), Path::new("/pki/ca.key"));
        assert_eq!(next_ca_key_file(crt, k), Path::new("/pki/ca-next.key"));
        assert_eq!(
            previous_ca_key_file(Path::new("ca"), Path::new("secret")),
            Path::new("secret-previous")
        );
    }
}

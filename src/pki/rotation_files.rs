//! The files of a CA rotation beside the current CA (docs/rotation.md): for `DIR/NAME.EXT`
//! (cfssljson's `ca.pem`, kubeadm's `ca.crt`), the next CA is `DIR/NAME-next.EXT` and the
//! previous one, kept after a rotation, `DIR/NAME-previous.EXT`.
//!
//! Takes the current CA certificate's path; returns the paths. Only names: `rotate-ca` writes
//! these files, and `renew` looks for the next CA to say a rotation is under way.

use std::path::{Path, PathBuf};

/// The next CA's certificate file beside `ca` (`ca.pem` → `ca-next.pem`).
pub fn next_ca_file(ca: &Path) -> PathBuf {
    with_suffix(ca, "-next")
}

/// The previous CA's certificate file beside `ca` (`ca.pem` → `ca-previous.pem`).
pub fn previous_ca_file(ca: &Path) -> PathBuf {
    with_suffix(ca, "-previous")
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
    }
}

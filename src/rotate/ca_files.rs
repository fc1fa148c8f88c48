//! Where the CAs of a rotation live, and which is which.
//!
//! Takes `--ca` and `--ca-key` (the current CA, as `renew` takes them); returns the
//! [`CaPaths`] of the rotation's files beside them ([`crate::pki::rotation_files`]: `ca.pem`,
//! `ca-key.pem` → `ca-next.pem`, `ca-next-key.pem`, `ca-previous.pem`, `ca-previous-key.pem`;
//! `ca.crt`/`ca.key` → `ca-next.crt`/`ca-next.key`), and, read from
//! them, the [`Rotation`]: no rotation (one current CA), or one from an old CA to a new one.
//! Certificates are read through the directory handle of the CA's directory, keys never
//! through a link.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::RotateError;
use crate::key::PrivateKey;
use crate::pki::rotation_files::{
    next_ca_file, next_ca_key_file, previous_ca_file, previous_ca_key_file,
};
use crate::pki::{DirHandle, Leaf, Root};
use crate::sign::Issuer;

/// The files of the current, next and previous CA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaPaths {
    /// `--ca`: the current CA certificate (during a rotation it may be a trust bundle).
    pub cert: PathBuf,
    /// `--ca-key`: the current CA key.
    pub key: PathBuf,
    /// The new CA certificate while a rotation is under way.
    pub next_cert: PathBuf,
    /// The new CA key (absent with `--keep-key`: the new certificate is on the current key).
    pub next_key: PathBuf,
    /// The old CA certificate, kept aside when a rotation finishes.
    pub previous_cert: PathBuf,
    /// The old CA key, kept aside when a rotation finishes.
    pub previous_key: PathBuf,
    /// The current CA's request (`ca.csr` beside `ca.pem`, as cfssljson names it), if any.
    pub csr: PathBuf,
    /// The new CA's request.
    pub next_csr: PathBuf,
}

impl CaPaths {
    /// The rotation's files beside `cert` and `key`.
    pub fn beside(cert: &Path, key: &Path) -> Self {
        Self {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            next_cert: next_ca_file(cert),
            next_key: next_ca_key_file(cert, key),
            previous_cert: previous_ca_file(cert),
            previous_key: previous_ca_key_file(cert, key),
            csr: cert.with_extension("csr"),
            next_csr: next_ca_file(cert).with_extension("csr"),
        }
    }

    /// Whether `path` is one of the rotation's own CA files (never a trust file to rewrite).
    pub fn is_rotation_file(&self, path: &Path) -> bool {
        [
            &self.next_cert,
            &self.next_key,
            &self.previous_cert,
            &self.previous_key,
            &self.next_csr,
        ]
        .iter()
        .any(|p| same_file(p, path))
    }
}

/// Whether two paths name the same file (by identity when both exist, else lexically).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// One CA certificate, parsed.
#[derive(Clone, Debug)]
pub struct CaCert {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its DER, which tells it apart from every other certificate (also from one on the same
    /// key with the same name, as `--keep-key` makes).
    pub der: Vec<u8>,
    /// What a re-issue keeps: subject, SANs, lifetime, key.
    pub cert: Leaf,
}

impl CaCert {
    /// Whether this CA issued `leaf`: its name is the leaf's issuer and its key verifies it.
    pub fn issued(&self, leaf: &Leaf) -> bool {
        leaf_issuer_der(&leaf.der).is_some_and(|issuer| issuer == self.cert.subject.to_der())
            && leaf.is_signed_by(&self.cert.public_key)
    }
}

/// The issuer name DER of a certificate.
fn leaf_issuer_der(der: &[u8]) -> Option<Vec<u8>> {
    let cert = crate::x509::parse_certificate(der).ok()?;
    Some(cert.issuer().as_raw().to_vec())
}

/// Where the CA stands.
#[derive(Clone, Debug)]
pub enum Rotation {
    /// No rotation is under way: the current CA signs and is trusted.
    Idle {
        /// The current CA.
        current: CaCert,
    },
    /// A rotation from `old` to `new`.
    Under {
        /// The CA being replaced.
        old: CaCert,
        /// The CA replacing it.
        new: Box<CaCert>,
        /// `--ca` already holds only the new CA (finish was interrupted after it switched).
        switched: bool,
    },
}

impl Rotation {
    /// The CA that signs from here on: the new one during a rotation.
    pub fn signing(&self) -> &CaCert {
        match self {
            Rotation::Idle { current } => current,
            Rotation::Under { new, .. } => new,
        }
    }

    /// The CA being replaced, if any.
    pub fn old(&self) -> Option<&CaCert> {
        match self {
            Rotation::Idle { .. } => None,
            Rotation::Under { old, .. } => Some(old),
        }
    }

    /// Whether the new CA is on the old CA's key (`--keep-key`).
    pub fn keeps_key(&self) -> bool {
        match self {
            Rotation::Idle { .. } => false,
            Rotation::Under { old, new, .. } => {
                old.cert.public_key.key_bits() == new.cert.public_key.key_bits()
            }
        }
    }
}

/// The CA files, read.
#[derive(Debug)]
pub struct CaSet {
    /// Their paths.
    pub paths: CaPaths,
    /// Where the rotation stands.
    pub rotation: Rotation,
    /// The CA a finished rotation kept aside.
    pub previous: Option<CaCert>,
    dir: DirHandle,
}

impl CaSet {
    /// Reads the CA files beside `paths.cert`: the current certificate(s) and the next and
    /// previous ones. The current CA is the certificate of `--ca` on `--ca-key`'s key that is
    /// not the next CA (during a rotation `--ca` may be a trust bundle of both).
    pub fn read(paths: CaPaths) -> Result<Self, RotateError> {
        let parent = paths.cert.parent().filter(|p| !p.as_os_str().is_empty());
        let root = Root::open(parent.unwrap_or(Path::new("."))).map_err(RotateError::fs)?;
        let dir = root.handle().map_err(RotateError::fs)?;
        // Every CA file is read and written through the CA's directory: a key elsewhere would
        // be looked for under its name there, and reported missing where it is not.
        let directory = |p: &Path| {
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        };
        let (key_dir, cert_dir) = (directory(&paths.key), directory(&paths.cert));
        let same = match (
            std::fs::canonicalize(&key_dir),
            std::fs::canonicalize(&cert_dir),
        ) {
            (Ok(k), Ok(c)) => k == c,
            _ => key_dir == cert_dir,
        };
        if !same {
            return Err(RotateError::Ca {
                file: paths.key.clone(),
                reason: format!(
                    "not in the directory of --ca ({}): rotate-ca keeps the CA's certificate and key side by side; give the key that lies beside it",
                    directory(&paths.cert).display()
                ),
            });
        }
        let key = read_key(&dir, &paths.key)?;
        let current_certs = read_certs(&dir, &paths.cert)?.ok_or_else(|| RotateError::Ca {
            file: paths.cert.clone(),
            reason: "it does not exist".into(),
        })?;
        let next = read_certs(&dir, &paths.next_cert)?.and_then(|c| c.into_iter().next());
        let previous = read_certs(&dir, &paths.previous_cert)?.and_then(|c| c.into_iter().next());
        let on_key: Vec<CaCert> = current_certs
            .into_iter()
            .filter(|c| c.cert.public_key.key_bits() == key.public_key().key_bits())
            .collect();
        let Some(first) = on_key.first().cloned() else {
            return Err(RotateError::Ca {
                file: paths.cert.clone(),
                reason: format!(
                    "holds no certificate for the key in {}",
                    paths.key.display()
                ),
            });
        };
        let rotation = match next {
            None => Rotation::Idle { current: first },
            Some(new) => match on_key.into_iter().find(|c| c.der != new.der) {
                Some(old) => Rotation::Under {
                    old,
                    new: Box::new(new),
                    switched: false,
                },
                // `--ca` already holds the new CA alone: finish switched it and was stopped
                // before it removed the next files; the old CA is the one kept aside.
                None => Rotation::Under {
                    old: previous.clone().ok_or_else(|| RotateError::Ca {
                        file: paths.next_cert.clone(),
                        reason: format!(
                            "is the same certificate as {} and {} is missing: the rotation's files were changed by hand",
                            paths.cert.display(),
                            paths.previous_cert.display()
                        ),
                    })?,
                    new: Box::new(new),
                    switched: true,
                },
            },
        };
        Ok(Self {
            paths,
            rotation,
            previous,
            dir,
        })
    }

    /// The CA that signs from here on, with its key: the next key during a rotation (the
    /// current one with `--keep-key`).
    pub fn signing_issuer(&self) -> Result<Issuer, RotateError> {
        let ca = self.rotation.signing();
        let key_path = match &self.rotation {
            Rotation::Under {
                switched: false, ..
            } if self.exists(&self.paths.next_key)? => &self.paths.next_key,
            _ => &self.paths.key,
        };
        let key = read_key(&self.dir, key_path)?;
        Issuer::from_der(
            &ca.file.display().to_string(),
            ca.der.clone(),
            &key_path.display().to_string(),
            key,
        )
        .map_err(|e| RotateError::Ca {
            file: ca.file.clone(),
            reason: e.to_string(),
        })
    }

    /// The bytes of a file beside the CA, read through its directory handle without following
    /// a link (a key to keep aside or install, the next request), wiped when dropped.
    pub(crate) fn file_bytes(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, RotateError> {
        let name = file_name(path)?;
        self.dir
            .read(name)
            .map_err(RotateError::fs)?
            .map(Zeroizing::new)
            .ok_or_else(|| RotateError::Ca {
                file: path.to_path_buf(),
                reason: "it does not exist".into(),
            })
    }

    /// Whether `path` (beside the CA) exists.
    pub(crate) fn exists(&self, path: &Path) -> Result<bool, RotateError> {
        Ok(self
            .dir
            .lstat(file_name(path)?)
            .map_err(RotateError::fs)?
            .is_some())
    }

    /// The CA's directory.
    pub(crate) fn dir(&self) -> &DirHandle {
        &self.dir
    }
}

fn file_name(path: &Path) -> Result<&OsStr, RotateError> {
    path.file_name().ok_or_else(|| RotateError::Ca {
        file: path.to_path_buf(),
        reason: "not a file name".into(),
    })
}

/// A key file beside the CA, never through a link.
fn read_key(dir: &DirHandle, path: &Path) -> Result<PrivateKey, RotateError> {
    let bytes = dir
        .read(file_name(path)?)
        .map_err(RotateError::fs)?
        .ok_or_else(|| RotateError::Ca {
            file: path.to_path_buf(),
            reason: "it does not exist".into(),
        })?;
    PrivateKey::from_pem(&Zeroizing::new(bytes)).map_err(|e| RotateError::Ca {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The CA certificates of a file beside the CA (`None` if it does not exist).
fn read_certs(dir: &DirHandle, path: &Path) -> Result<Option<Vec<CaCert>>, RotateError> {
    let Some(bytes) = dir
        .read_following(file_name(path)?)
        .map_err(RotateError::fs)?
    else {
        return Ok(None);
    };
    let bad = |reason: String| RotateError::Ca {
        file: path.to_path_buf(),
        reason,
    };
    let blocks = pem::parse_many(&bytes).map_err(|e| bad(format!("invalid PEM: {e}")))?;
    let mut certs = Vec::new();
    for block in blocks.iter().filter(|b| b.tag() == "CERTIFICATE") {
        let cert =
            Leaf::read(path, pem::encode(block).as_bytes()).map_err(|e| bad(e.to_string()))?;
        certs.push(CaCert {
            file: path.to_path_buf(),
            der: block.contents().to_vec(),
            cert,
        });
    }
    if certs.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    Ok(Some(certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_files_are_named_as_cfssljson_names_a_base() {
        let p = CaPaths::beside(Path::new("/pki/ca.pem"), Path::new("/pki/ca-key.pem"));
        assert_eq!(p.next_cert, Path::new("/pki/ca-next.pem"));
        assert_eq!(p.next_key, Path::new("/pki/ca-next-key.pem"));
        assert_eq!(p.previous_key, Path::new("/pki/ca-previous-key.pem"));
        let k = CaPaths::beside(Path::new("/pki/ca.crt"), Path::new("/pki/ca.key"));
        assert_eq!(k.next_cert, Path::new("/pki/ca-next.crt"));
        assert_eq!(k.next_key, Path::new("/pki/ca-next.key"));
        let odd = CaPaths::beside(Path::new("ca"), Path::new("secret"));
        assert_eq!(odd.next_cert, Path::new("ca-next"));
        assert_eq!(odd.previous_key, Path::new("secret-previous"));
    }
}

//! What an earlier run left on disk, and whether it still fits the plan.
//!
//! Takes a [`CertPlan`]'s files and, for leaves, the CA in use and the profile; returns an
//! [`ExistingCa`] or an [`ExistingLeaf`] with the reason ([`Mismatch`]) it cannot be kept. A leaf is kept when
//! the CA signed it, and its subject, SANs, usages and key type are the plan's, it has not
//! expired, and its key file holds its key (the checks of etcdadm's `CheckSignatureFrom` reuse,
//! etcdadm certs/certs.go `writeCertificateFilesIfNotExist`, plus the plan's own). Certificates
//! are read back with [`crate::pki::Leaf`], the reader `renew` uses.

use std::fmt;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::layout::CertFiles;
use super::plan::CertPlan;
use crate::config::Profile;
use crate::key::{KeyAlgorithm, KeySpec, PrivateKey, SecretBytes};
use crate::pki::Leaf;
use crate::request::Host;
use crate::sign::Issuer;

/// Why a certificate found on disk cannot be kept, or a CA cannot be used; it renders as the
/// run's report and errors say it (`its SANs differ: it lacks 10.0.0.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// A file that exists but cannot be read: not a regular file, over the size limit, refused.
    Unreadable(String),
    /// A certificate file that holds no certificate etcdpki can read.
    NotACertificate(String),
    /// The CA's certificate exists, its key does not.
    CaKeyMissing {
        /// The certificate file.
        cert_file: PathBuf,
        /// The missing key file.
        key_file: PathBuf,
    },
    /// The CA's key exists, its certificate does not.
    CaCertMissing {
        /// The key file.
        key_file: PathBuf,
        /// The missing certificate file.
        cert_file: PathBuf,
    },
    /// The CA's files cannot sign (not a CA, another key, expired), as the signer says.
    CaCannotSign(String),
    /// The CA differs from the plan in these ways (subject, key type).
    CaDiffers(Vec<Mismatch>),
    /// The CA in use did not issue it.
    OtherIssuer,
    /// Its subject is not the plan's.
    Subject {
        /// Its subject, as text.
        found: String,
        /// The plan's.
        planned: String,
    },
    /// Its SANs are not the plan's.
    Sans {
        /// The plan's SANs it lacks.
        missing: Vec<String>,
        /// Its SANs the plan does not have.
        extra: Vec<String>,
    },
    /// Its key usages are not its profile's in ca-config.json.
    Usages,
    /// Its key type is not the plan's.
    KeyType {
        /// Its key's.
        found: KeyAlgorithm,
        /// The plan's.
        planned: KeyAlgorithm,
    },
    /// It has expired.
    Expired {
        /// Its notAfter.
        not_after: OffsetDateTime,
    },
    /// Its key file does not exist.
    KeyMissing {
        /// The key file.
        key_file: PathBuf,
    },
    /// Its key file holds another key.
    OtherKey {
        /// The key file.
        key_file: PathBuf,
    },
    /// Its key file is not a key etcdpki reads.
    BadKey {
        /// The key file.
        key_file: PathBuf,
        /// Why.
        reason: String,
    },
    /// The CA is new, so every certificate is issued anew.
    NewCa,
    /// A copy of it (layouts with a copy per member) does not fit, for this reason.
    InCopy {
        /// The copy's certificate file.
        cert_file: PathBuf,
        /// Why.
        reason: Box<Mismatch>,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(reason) | Self::CaCannotSign(reason) => f.write_str(reason),
            Self::NotACertificate(reason) => write!(f, "unreadable: {reason}"),
            Self::CaKeyMissing {
                cert_file,
                key_file,
            } => write!(
                f,
                "{} exists but its key {} does not",
                cert_file.display(),
                key_file.display()
            ),
            Self::CaCertMissing {
                key_file,
                cert_file,
            } => write!(
                f,
                "{} exists but its certificate {} does not",
                key_file.display(),
                cert_file.display()
            ),
            Self::CaDiffers(differences) => {
                for (i, d) in differences.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
            Self::OtherIssuer => f.write_str("another CA issued it"),
            Self::Subject { found, planned } => {
                write!(f, "its subject is \"{found}\", the plan's is \"{planned}\"")
            }
            Self::Sans { missing, extra } => {
                f.write_str("its SANs differ: it ")?;
                if !missing.is_empty() {
                    write!(f, "lacks {}", missing.join(", "))?;
                }
                if !missing.is_empty() && !extra.is_empty() {
                    f.write_str(" and ")?;
                }
                if !extra.is_empty() {
                    write!(f, "has {} too", extra.join(", "))?;
                }
                Ok(())
            }
            Self::Usages => {
                f.write_str("its key usages differ from the profile's in ca-config.json")
            }
            Self::KeyType { found, planned } => {
                write!(f, "its key is {found}, the plan's is {planned}")
            }
            Self::Expired { not_after } => write!(f, "it expired at {not_after}"),
            Self::KeyMissing { key_file } => {
                write!(f, "its key file {} is missing", key_file.display())
            }
            Self::OtherKey { key_file } => {
                write!(f, "its key file {} holds another key", key_file.display())
            }
            Self::BadKey { key_file, reason } => {
                write!(f, "its key file {}: {reason}", key_file.display())
            }
            Self::NewCa => f.write_str("the CA is new"),
            Self::InCopy { cert_file, reason } => write!(f, "{}: {reason}", cert_file.display()),
        }
    }
}

/// The CA found where the plan keeps it.
#[derive(Debug)]
pub enum ExistingCa {
    /// Neither its certificate nor its key exists.
    Missing,
    /// A CA that can sign.
    Usable {
        /// The CA.
        issuer: Box<Issuer>,
        /// Its certificate file's bytes.
        cert_pem: Vec<u8>,
        /// Its key file's bytes, wiped when dropped.
        key_pem: SecretBytes,
        /// How it differs from the plan (subject, key type); empty when it does not.
        mismatch: Vec<Mismatch>,
    },
    /// Files that are there but cannot be used as the CA.
    Unusable(Mismatch),
}

/// A leaf found in one of its places.
#[derive(Debug)]
pub enum ExistingLeaf {
    /// Its certificate file does not exist.
    Missing,
    /// It fits the plan; its files' bytes, to copy where copies are missing.
    Matches {
        /// The certificate file's bytes.
        cert_pem: Vec<u8>,
        /// The key file's bytes, wiped when dropped.
        key_pem: SecretBytes,
    },
    /// It is there but does not fit, for this reason.
    Differs(Mismatch),
}

/// A file that exists but cannot be read: not a regular file (a link, a FIFO), over the size
/// limit, or refused by the system (`crate::pki::fs::read_path`).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ReadFileError {
    /// Why.
    #[from]
    pub source: crate::pki::FsError,
}

/// The bytes of `path`, `None` if it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, ReadFileError> {
    crate::pki::fs::read_path(path).or_else(|e| match e {
        crate::pki::FsError::Io { ref source, .. } if source.kind() == ErrorKind::NotFound => {
            Ok(None)
        }
        e => Err(e.into()),
    })
}

/// The algorithm a key made from `spec` has.
pub(crate) fn algorithm_of(spec: KeySpec) -> KeyAlgorithm {
    match spec {
        KeySpec::Rsa(size) => KeyAlgorithm::Rsa { bits: size.bits() },
        KeySpec::Ecdsa(curve) => KeyAlgorithm::Ecdsa(curve),
        KeySpec::Ed25519 => KeyAlgorithm::Ed25519,
    }
}

/// Reads the CA at `files` and compares it with `plan`.
pub(crate) fn read_ca(files: &CertFiles, plan: &CertPlan) -> ExistingCa {
    let unreadable = |e: ReadFileError| ExistingCa::Unusable(Mismatch::Unreadable(e.to_string()));
    let (cert_pem, key_pem) = match (read_optional(&files.cert), read_optional(&files.key)) {
        (Err(e), _) | (_, Err(e)) => return unreadable(e),
        (Ok(None), Ok(None)) => return ExistingCa::Missing,
        (Ok(Some(_)), Ok(None)) => {
            return ExistingCa::Unusable(Mismatch::CaKeyMissing {
                cert_file: files.cert.clone(),
                key_file: files.key.clone(),
            });
        }
        (Ok(None), Ok(Some(_))) => {
            return ExistingCa::Unusable(Mismatch::CaCertMissing {
                key_file: files.key.clone(),
                cert_file: files.cert.clone(),
            });
        }
        (Ok(Some(c)), Ok(Some(k))) => (c, SecretBytes::new(k)),
    };
    let key_file = files.key.display().to_string();
    let cert_file = files.cert.display().to_string();
    let key = match PrivateKey::from_pem(key_pem.expose()) {
        Ok(k) => k,
        Err(e) => return ExistingCa::Unusable(Mismatch::CaCannotSign(format!("{key_file}: {e}"))),
    };
    let (issuer, warnings) = match Issuer::from_pem(&cert_file, &cert_pem, &key_file, key) {
        Ok(found) => found,
        Err(e) => return ExistingCa::Unusable(Mismatch::CaCannotSign(e.to_string())),
    };
    if !warnings.is_empty() {
        return ExistingCa::Unusable(Mismatch::CaCannotSign(format!(
            "{cert_file}: {}",
            warnings.join("; ")
        )));
    }
    let planned = plan.request.subject().to_der();
    let mut mismatch = Vec::new();
    if issuer.subject_der() != planned {
        mismatch.push(Mismatch::Subject {
            found: crate::x509::name_text(issuer.subject_der()),
            planned: crate::x509::name_text(&planned),
        });
    }
    let wanted = algorithm_of(plan.request.key);
    if issuer.key().algorithm() != wanted {
        mismatch.push(Mismatch::KeyType {
            found: issuer.key().algorithm(),
            planned: wanted,
        });
    }
    ExistingCa::Usable {
        issuer: Box::new(issuer),
        cert_pem,
        key_pem,
        mismatch,
    }
}

/// Judges the leaf at `files` against `plan`, issued by `issuer` under `profile`, at `now`.
pub(crate) fn judge_leaf(
    files: &CertFiles,
    plan: &CertPlan,
    profile: &Profile,
    issuer: &Issuer,
    now: OffsetDateTime,
) -> ExistingLeaf {
    let cert_pem = match read_optional(&files.cert) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return ExistingLeaf::Missing,
        Err(e) => return ExistingLeaf::Differs(Mismatch::Unreadable(e.to_string())),
    };
    match check_leaf(files, &cert_pem, plan, profile, issuer, now) {
        Ok(key_pem) => ExistingLeaf::Matches { cert_pem, key_pem },
        Err(reason) => ExistingLeaf::Differs(reason),
    }
}

/// The key file's bytes if the certificate fits, else why not.
fn check_leaf(
    files: &CertFiles,
    cert_pem: &[u8],
    plan: &CertPlan,
    profile: &Profile,
    issuer: &Issuer,
    now: OffsetDateTime,
) -> Result<SecretBytes, Mismatch> {
    let leaf =
        Leaf::read(&files.cert, cert_pem).map_err(|e| Mismatch::NotACertificate(e.to_string()))?;
    let issued_here = X509Certificate::from_der(&leaf.der)
        .is_ok_and(|(_, c)| c.issuer().as_raw() == issuer.subject_der())
        && leaf.is_signed_by(issuer.key().public_key());
    if !issued_here {
        return Err(Mismatch::OtherIssuer);
    }
    let planned = plan.request.subject().to_der();
    let subject = leaf.subject.to_der();
    if subject != planned {
        return Err(Mismatch::Subject {
            found: crate::x509::name_text(&subject),
            planned: crate::x509::name_text(&planned),
        });
    }
    let missing: Vec<String> = difference(&plan.request.hosts, &leaf.hosts);
    let extra: Vec<String> = difference(&leaf.hosts, &plan.request.hosts);
    if !missing.is_empty() || !extra.is_empty() {
        return Err(Mismatch::Sans { missing, extra });
    }
    let same_eku = leaf.ext_key_usage.len() == profile.ext_key_usage.len()
        && leaf
            .ext_key_usage
            .iter()
            .all(|u| profile.ext_key_usage.contains(u));
    if leaf.key_usage != profile.key_usage || !same_eku {
        return Err(Mismatch::Usages);
    }
    let wanted = algorithm_of(plan.request.key);
    if leaf.public_key.algorithm() != wanted {
        return Err(Mismatch::KeyType {
            found: leaf.public_key.algorithm(),
            planned: wanted,
        });
    }
    if leaf.not_after <= now {
        return Err(Mismatch::Expired {
            not_after: leaf.not_after,
        });
    }
    let key_file = || files.key.clone();
    let key_pem = read_optional(&files.key)
        .map_err(|e| Mismatch::Unreadable(e.to_string()))?
        .map(SecretBytes::new)
        .ok_or_else(|| Mismatch::KeyMissing {
            key_file: key_file(),
        })?;
    match PrivateKey::from_pem(key_pem.expose()) {
        Ok(key) if key.public_key() == &leaf.public_key => Ok(key_pem),
        Ok(_) => Err(Mismatch::OtherKey {
            key_file: key_file(),
        }),
        Err(e) => Err(Mismatch::BadKey {
            key_file: key_file(),
            reason: e.to_string(),
        }),
    }
}

/// The hosts of `a` that `b` lacks (DNS names compare without case), as text.
fn difference(a: &[Host], b: &[Host]) -> Vec<String> {
    let same = |x: &Host, y: &Host| match (x, y) {
        (Host::Dns(p), Host::Dns(q)) => p.eq_ignore_ascii_case(q),
        _ => x == y,
    };
    a.iter()
        .filter(|x| !b.iter().any(|y| same(x, y)))
        .map(ToString::to_string)
        .collect()
}

/// The mode of a key file that others may read (wider than 0600), if it is one.
pub(crate) fn wide_key_mode(path: &Path) -> Option<u32> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    crate::pki::others_have_access(mode).then_some(mode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Curve;

    #[test]
    fn mismatches_say_what_differs_as_the_report_shows_it() {
        let sans = |missing: &[&str], extra: &[&str]| Mismatch::Sans {
            missing: missing.iter().map(|s| s.to_string()).collect(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            sans(&["10.0.0.5"], &[]).to_string(),
            "its SANs differ: it lacks 10.0.0.5"
        );
        assert_eq!(
            sans(&["a", "b"], &["c"]).to_string(),
            "its SANs differ: it lacks a, b and has c too"
        );
        assert_eq!(
            sans(&[], &["c"]).to_string(),
            "its SANs differ: it has c too"
        );
        let ca = Mismatch::CaDiffers(vec![
            Mismatch::Subject {
                found: "O=etcd, CN=etcd-ca".into(),
                planned: "O=x, CN=etcd-ca".into(),
            },
            Mismatch::KeyType {
                found: KeyAlgorithm::Ecdsa(Curve::P256),
                planned: KeyAlgorithm::Ed25519,
            },
        ]);
        assert!(
            ca.to_string()
                .starts_with("its subject is \"O=etcd, CN=etcd-ca\", the plan's is \"O=x, CN=etcd-ca\" and its key is"),
            "{ca}"
        );
        let copy = Mismatch::InCopy {
            cert_file: "pki/b/ca.crt".into(),
            reason: Box::new(Mismatch::OtherIssuer),
        };
        assert_eq!(copy.to_string(), "pki/b/ca.crt: another CA issued it");
    }
}

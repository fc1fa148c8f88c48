//! What an earlier run left on disk, and whether it still fits the plan.
//!
//! Takes a [`CertPlan`]'s files and, for leaves, the CA in use and the profile; returns an
//! [`ExistingCa`] or an [`ExistingLeaf`] with the reason it cannot be kept. A leaf is kept when
//! the CA signed it, and its subject, SANs, usages and key type are the plan's, it has not
//! expired, and its key file holds its key (the checks of etcdadm's `CheckSignatureFrom` reuse,
//! etcdadm certs/certs.go `writeCertificateFilesIfNotExist`, plus the plan's own). Certificates
//! are read back with [`crate::pki::Leaf`], the reader `renew` uses.

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::layout::CertFiles;
use super::plan::CertPlan;
use crate::config::Profile;
use crate::key::{KeyAlgorithm, KeySpec, PrivateKey, SecretBytes};
use crate::pki::Leaf;
use crate::request::Host;
use crate::sign::Issuer;

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
        /// How it differs from the plan (subject, key type), if it does.
        mismatch: Option<String>,
    },
    /// Files that are there but cannot be used as the CA.
    Unusable(String),
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
    Differs(String),
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
    let (cert_pem, key_pem) = match (read_optional(&files.cert), read_optional(&files.key)) {
        (Err(e), _) | (_, Err(e)) => return ExistingCa::Unusable(e.to_string()),
        (Ok(None), Ok(None)) => return ExistingCa::Missing,
        (Ok(Some(_)), Ok(None)) => {
            return ExistingCa::Unusable(format!(
                "{} exists but its key {} does not",
                files.cert.display(),
                files.key.display()
            ));
        }
        (Ok(None), Ok(Some(_))) => {
            return ExistingCa::Unusable(format!(
                "{} exists but its certificate {} does not",
                files.key.display(),
                files.cert.display()
            ));
        }
        (Ok(Some(c)), Ok(Some(k))) => (c, SecretBytes::new(k)),
    };
    let key_file = files.key.display().to_string();
    let cert_file = files.cert.display().to_string();
    let key = match PrivateKey::from_pem(key_pem.expose()) {
        Ok(k) => k,
        Err(e) => return ExistingCa::Unusable(format!("{key_file}: {e}")),
    };
    let (issuer, warnings) = match Issuer::from_pem(&cert_file, &cert_pem, &key_file, key) {
        Ok(found) => found,
        Err(e) => return ExistingCa::Unusable(e.to_string()),
    };
    if !warnings.is_empty() {
        return ExistingCa::Unusable(format!("{cert_file}: {}", warnings.join("; ")));
    }
    let planned = plan.request.subject().to_der();
    let mut differences = Vec::new();
    if issuer.subject_der() != planned {
        differences.push(format!(
            "its subject is \"{}\", the plan's is \"{}\"",
            crate::x509::name_text(issuer.subject_der()),
            crate::x509::name_text(&planned)
        ));
    }
    let wanted = algorithm_of(plan.request.key);
    if issuer.key().algorithm() != wanted {
        differences.push(format!(
            "its key is {}, the plan's is {wanted}",
            issuer.key().algorithm()
        ));
    }
    ExistingCa::Usable {
        issuer: Box::new(issuer),
        cert_pem,
        key_pem,
        mismatch: (!differences.is_empty()).then(|| differences.join(" and ")),
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
        Err(e) => return ExistingLeaf::Differs(e.to_string()),
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
) -> Result<SecretBytes, String> {
    let leaf = Leaf::read(&files.cert, cert_pem).map_err(|e| format!("unreadable: {e}"))?;
    let issued_here = X509Certificate::from_der(&leaf.der)
        .is_ok_and(|(_, c)| c.issuer().as_raw() == issuer.subject_der())
        && leaf.is_signed_by(issuer.key().public_key());
    if !issued_here {
        return Err("another CA issued it".into());
    }
    let planned = plan.request.subject().to_der();
    let subject = leaf.subject.to_der();
    if subject != planned {
        return Err(format!(
            "its subject is \"{}\", the plan's is \"{}\"",
            crate::x509::name_text(&subject),
            crate::x509::name_text(&planned)
        ));
    }
    let missing: Vec<String> = difference(&plan.request.hosts, &leaf.hosts);
    let extra: Vec<String> = difference(&leaf.hosts, &plan.request.hosts);
    if !missing.is_empty() || !extra.is_empty() {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("lacks {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            parts.push(format!("has {} too", extra.join(", ")));
        }
        return Err(format!("its SANs differ: it {}", parts.join(" and ")));
    }
    let same_eku = leaf.ext_key_usage.len() == profile.ext_key_usage.len()
        && leaf
            .ext_key_usage
            .iter()
            .all(|u| profile.ext_key_usage.contains(u));
    if leaf.key_usage != profile.key_usage || !same_eku {
        return Err("its key usages differ from the profile's in ca-config.json".into());
    }
    let wanted = algorithm_of(plan.request.key);
    if leaf.public_key.algorithm() != wanted {
        return Err(format!(
            "its key is {}, the plan's is {wanted}",
            leaf.public_key.algorithm()
        ));
    }
    if leaf.not_after <= now {
        return Err(format!("it expired at {}", leaf.not_after));
    }
    let key_pem = read_optional(&files.key)
        .map_err(|e| e.to_string())?
        .map(SecretBytes::new)
        .ok_or_else(|| format!("its key file {} is missing", files.key.display()))?;
    match PrivateKey::from_pem(key_pem.expose()) {
        Ok(key) if key.public_key() == &leaf.public_key => Ok(key_pem),
        Ok(_) => Err(format!(
            "its key file {} holds another key",
            files.key.display()
        )),
        Err(e) => Err(format!("its key file {}: {e}", files.key.display())),
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

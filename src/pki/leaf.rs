//! A leaf certificate on disk and what its renewal keeps from it.
//!
//! Takes a certificate file's bytes (a PEM certificate, or a bundle whose first certificate is
//! the leaf) and returns a [`Leaf`]: the subject name byte for byte, the SANs, the KeyUsage bits,
//! the ExtendedKeyUsage purposes in their order, the lifetime, the public key, and the files
//! that belong with it (`X-key.pem`/`X.csr` as cfssljson names them, `X.key` beside `X.crt` as
//! etcdadm and kubeadm do). A SubjectAltName with names etcdpki does not issue itself
//! (otherName, directoryName, registeredID, x400Address, ediPartyName) is kept whole, byte for
//! byte, for the successor; a private key block in the certificate file (a combined file made
//! by `cat cert key > combined.pem`) is kept apart from the chain, with its place.

use std::path::{Path, PathBuf};

use der::Decode;
use der::asn1::ObjectIdentifier;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

use crate::config::{ExtKeyUsage, GoDuration, KeyUsage, Profile};
use crate::key::{KeyAlgorithm, KeyError, KeySpec, PublicKey, RsaSize};
use crate::pki::scan::{csr_files_for, key_files_for};
use crate::request::{DistinguishedName, Host};
use crate::sign::Extension;
use crate::x509::ReadError;

/// A leaf certificate and what a renewal keeps.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The certificate file.
    pub cert_file: PathBuf,
    /// The subject's CN, or the whole subject.
    pub name: String,
    /// The subject, as its DER bytes.
    pub subject: DistinguishedName,
    /// The SANs.
    pub hosts: Vec<Host>,
    /// KeyUsage bits.
    pub key_usage: KeyUsage,
    /// ExtendedKeyUsage purposes, in order.
    pub ext_key_usage: Vec<ExtKeyUsage>,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// The subject's key.
    pub public_key: PublicKey,
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// The PEM blocks after the leaf in a bundle (its chain), kept as they are; private key
    /// blocks are not among them ([`Leaf::embedded_key`]).
    pub chain: Vec<pem::Pem>,
    /// The private key block of a combined certificate+key file, if the file holds one.
    pub embedded_key: Option<EmbeddedKey>,
    /// The SubjectAltName extension as it is, when it holds a name that [`Host`] does not
    /// carry: the successor gets it byte for byte instead of one rebuilt from [`Leaf::hosts`].
    pub kept_san: Option<Extension>,
}

/// The private key block of a combined certificate+key file.
#[derive(Clone)]
pub struct EmbeddedKey {
    /// How many chain blocks come before it in the file.
    pub position: usize,
    /// The block, as PEM text; wiped when dropped.
    pub pem: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for EmbeddedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKey")
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

/// The PEM labels of private keys (RFC 7468 §10-11, and OpenSSL's traditional forms).
const KEY_LABELS: [&str; 4] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
];

/// Why a certificate file cannot be renewed as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeafError {
    /// The file is not PEM.
    #[error("invalid PEM: {reason}")]
    Pem {
        /// The PEM reader's reason.
        reason: String,
    },
    /// The first block is something else.
    #[error("the first PEM block is not a CERTIFICATE")]
    NotACertificate,
    /// The certificate does not parse.
    #[error("not a valid certificate: {0}")]
    Invalid(#[source] ReadError),
    /// Its subject cannot be read.
    #[error("{0}")]
    Subject(#[source] ReadError),
    /// Its KeyUsage cannot be read.
    #[error("unreadable KeyUsage: {reason}")]
    KeyUsage {
        /// The parser's reason.
        reason: String,
    },
    /// Its public key is not one etcdpki uses.
    #[error("unusable public key: {0}")]
    PublicKey(#[source] KeyError),
    /// Its ExtendedKeyUsage cannot be read.
    #[error("unreadable ExtendedKeyUsage: {reason}")]
    ExtKeyUsageUnreadable {
        /// The parser's reason.
        reason: String,
    },
    /// A purpose cfssl cannot issue.
    #[error(
        "ExtendedKeyUsage {oid} is not one cfssl can issue; renew it with -config and -profile"
    )]
    ExtKeyUsageUnsupported {
        /// The purpose's OID.
        oid: String,
    },
    /// A combined file with more than one private key: which one is the certificate's is
    /// not for renew to guess.
    #[error(
        "the file holds {count} private keys; keep one, or split the file into NAME.pem and NAME-key.pem"
    )]
    SeveralKeys {
        /// How many.
        count: usize,
    },
    /// An RSA key size etcdpki does not generate.
    #[error(
        "cannot make a new {bits}-bit RSA key (2048, 3072, 4096 or 8192 bits); use --reuse-key"
    )]
    RsaSize {
        /// The old key's size.
        bits: u32,
    },
}

impl Leaf {
    /// Reads the first certificate of `bytes` (from `cert_file`).
    pub fn read(cert_file: &Path, bytes: &[u8]) -> Result<Self, LeafError> {
        let blocks = pem::parse_many(bytes).map_err(|e| LeafError::Pem {
            reason: e.to_string(),
        })?;
        let mut blocks = blocks.into_iter();
        let first = blocks
            .next()
            .filter(|b| b.tag() == "CERTIFICATE")
            .ok_or(LeafError::NotACertificate)?;
        let der = first.contents().to_vec();
        let cert = crate::x509::parse_certificate(&der).map_err(LeafError::Invalid)?;
        let subject =
            DistinguishedName::from_certificate_name(cert.subject()).map_err(LeafError::Subject)?;
        let key_usage = match cert.key_usage() {
            Ok(Some(ku)) => KeyUsage::from_rfc5280_bits(ku.value.flags),
            Ok(None) => KeyUsage::NONE,
            Err(e) => {
                return Err(LeafError::KeyUsage {
                    reason: e.to_string(),
                });
            }
        };
        let public_key =
            PublicKey::from_spki_der(cert.public_key().raw).map_err(LeafError::PublicKey)?;
        let (chain, embedded_key) = split_key(blocks)?;
        Ok(Self {
            cert_file: cert_file.to_path_buf(),
            name: crate::pki::scan::short_name(cert.subject()),
            subject,
            hosts: Host::from_certificate(&cert),
            key_usage,
            ext_key_usage: ext_key_usage(&cert)?,
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            public_key,
            kept_san: kept_san(&cert),
            chain,
            embedded_key,
            der,
        })
    }

    /// notAfter − notBefore: the lifetime cfssl gave it (the backdate included).
    pub fn lifetime(&self) -> Duration {
        self.not_after - self.not_before
    }

    /// The profile that issues its successor: its own usages and lifetime (or `expiry`), with
    /// cfssl's backdate and nothing else.
    pub(crate) fn own_profile(&self, expiry: Option<GoDuration>) -> Profile {
        let lifetime = GoDuration::from_nanos(
            i64::try_from(self.lifetime().whole_nanoseconds()).unwrap_or(i64::MAX),
        );
        Profile {
            name: "the renewed certificate".into(),
            key_usage: self.key_usage,
            ext_key_usage: self.ext_key_usage.clone(),
            expiry: expiry.unwrap_or(lifetime),
            ..Profile::cfssl_default()
        }
    }

    /// A new key of the same kind as the old one.
    pub(crate) fn key_spec(&self) -> Result<KeySpec, LeafError> {
        match self.public_key.algorithm() {
            KeyAlgorithm::Rsa { bits } => RsaSize::from_bits(i64::from(bits))
                .map(KeySpec::Rsa)
                .ok_or(LeafError::RsaSize { bits }),
            KeyAlgorithm::Ecdsa(curve) => Ok(KeySpec::Ecdsa(curve)),
            KeyAlgorithm::Ed25519 => Ok(KeySpec::Ed25519),
        }
    }

    /// True if `issuer` (a CA's public key) signed this certificate.
    pub(crate) fn is_signed_by(&self, issuer: &PublicKey) -> bool {
        let Ok((_, cert)) = X509Certificate::from_der(&self.der) else {
            return false;
        };
        issuer
            .verify(
                &cert.signature_algorithm.algorithm.to_id_string(),
                cert.tbs_certificate.as_ref(),
                &cert.signature_value.data,
            )
            .is_ok()
    }

    /// Its serial number (zero if the DER, checked when it was read, somehow does not parse).
    pub fn serial(&self) -> crate::x509::Serial {
        crate::x509::parse_certificate(&self.der).map_or_else(
            |_| crate::x509::Serial::from_magnitude(&[]),
            |c| crate::x509::Serial::from_integer_content(c.raw_serial()),
        )
    }

    /// The key file that exists: see `crate::pki::scan::key_files_for`.
    pub fn key_file(&self) -> Option<PathBuf> {
        key_files_for(&self.cert_file)
            .into_iter()
            .find(|p| p.is_file())
    }

    /// The request file that exists: see `crate::pki::scan::csr_files_for`.
    pub fn csr_file(&self) -> Option<PathBuf> {
        csr_files_for(&self.cert_file)
            .into_iter()
            .find(|p| p.is_file())
    }
}

/// The blocks after the leaf: the chain, and the private key block of a combined file.
fn split_key(
    blocks: impl Iterator<Item = pem::Pem>,
) -> Result<(Vec<pem::Pem>, Option<EmbeddedKey>), LeafError> {
    let mut chain = Vec::new();
    let mut keys = Vec::new();
    for block in blocks {
        if KEY_LABELS.contains(&block.tag()) {
            let pem = zeroize::Zeroizing::new(crate::key::pem_encode(
                block.tag(),
                block.contents().to_vec(),
            ));
            keys.push(EmbeddedKey {
                position: chain.len(),
                pem,
            });
        } else {
            chain.push(block);
        }
    }
    if keys.len() > 1 {
        return Err(LeafError::SeveralKeys { count: keys.len() });
    }
    Ok((chain, keys.pop()))
}

/// The SubjectAltName extension, verbatim, when one of its names is not a [`Host`]
/// (otherName, x400Address, directoryName, ediPartyName, registeredID, or an IP of odd length):
/// rebuilding it from the hosts would drop that name.
fn kept_san(cert: &X509Certificate<'_>) -> Option<Extension> {
    let ext = cert
        .extensions()
        .iter()
        .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME)?;
    let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() else {
        return None;
    };
    san.general_names
        .iter()
        .any(|n| Host::from_general_name(n).is_none())
        .then(|| Extension {
            oid: crate::sign::extension::oid::SUBJECT_ALT_NAME,
            critical: ext.critical,
            value: ext.value.to_vec(),
        })
}

/// The ExtendedKeyUsage OIDs in the order written (x509-parser's struct loses the order).
fn ext_key_usage(cert: &X509Certificate<'_>) -> Result<Vec<ExtKeyUsage>, LeafError> {
    const EKU: &str = "2.5.29.37";
    let Some(ext) = cert
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == EKU)
    else {
        return Ok(Vec::new());
    };
    let oids = Vec::<ObjectIdentifier>::from_der(ext.value).map_err(|e| {
        LeafError::ExtKeyUsageUnreadable {
            reason: e.to_string(),
        }
    })?;
    oids.iter()
        .map(|oid| {
            ExtKeyUsage::from_oid(oid).ok_or_else(|| LeafError::ExtKeyUsageUnsupported {
                oid: oid.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_request_files_are_found_by_cfssljson_and_kubeadm_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let leaf = |name: &str| Leaf {
            cert_file: dir.path().join(name),
            ..placeholder()
        };
        std::fs::write(dir.path().join("peer-key.pem"), "k").expect("write");
        std::fs::write(dir.path().join("peer.csr"), "c").expect("write");
        std::fs::write(dir.path().join("server.key"), "k").expect("write");
        assert_eq!(
            leaf("peer.pem").key_file(),
            Some(dir.path().join("peer-key.pem"))
        );
        assert_eq!(
            leaf("peer.pem").csr_file(),
            Some(dir.path().join("peer.csr"))
        );
        assert_eq!(
            leaf("server.crt").key_file(),
            Some(dir.path().join("server.key"))
        );
        assert_eq!(leaf("client.pem").key_file(), None);
        assert_eq!(leaf("notes.txt").key_file(), None);
    }

    fn placeholder() -> Leaf {
        let key = crate::PrivateKey::generate(KeySpec::default()).expect("key");
        Leaf {
            cert_file: PathBuf::new(),
            name: String::new(),
            subject: DistinguishedName::default(),
            hosts: Vec::new(),
            key_usage: KeyUsage::NONE,
            ext_key_usage: Vec::new(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: OffsetDateTime::UNIX_EPOCH,
            public_key: key.public_key().clone(),
            der: Vec::new(),
            chain: Vec::new(),
            embedded_key: None,
            kept_san: None,
        }
    }
}

//! `revoke`: cut certificates off before they expire.
//!
//! Takes a CA ([`Issuer`] and its certificate's path), [`Target`]s (certificate files or hex
//! serials), a [`Reason`] and the CRL files to write; adds the revocations to the CA's
//! revocation list ([`crate::pki::revocation`]) and writes the list and a freshly signed CRL
//! (RFC 5280, numbered, with a nextUpdate) as one set. With no targets it only refreshes the
//! CRL. A certificate file must hold a certificate this CA issued (its issuer name and
//! signature), so a serial from another CA never lands in this CA's CRL: etcd matches CRL
//! entries by serial alone (client/pkg/transport listener.go `checkCRL`) and would cut off
//! whichever of this CA's certificates happened to share it.

use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

use crate::pki::revocation::{
    CrlFile, Publication, RevocationError, RevocationList, Revoked, publish,
};
use crate::sign::Issuer;
use crate::x509::crl::{CrlEntry, Reason};
use crate::x509::{Serial, SerialError};

/// What to revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A certificate file (PEM; its first certificate).
    File(PathBuf),
    /// A serial number.
    Serial(Serial),
}

impl Target {
    /// An existing file is a certificate file; anything else must be a hex serial.
    pub fn parse(arg: &str) -> Result<Self, RevokeError> {
        if Path::new(arg).exists() {
            return Ok(Target::File(PathBuf::from(arg)));
        }
        Serial::parse_hex(arg)
            .map(Target::Serial)
            .map_err(|e| RevokeError::NotATarget(arg.to_owned(), e))
    }
}

/// Why `revoke` did nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeError {
    /// Neither a file nor a serial.
    #[error("{0}: no such file, and {1}")]
    NotATarget(String, SerialError),
    /// A certificate file that cannot be used.
    #[error("{file}: {reason}")]
    Certificate {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The list or a CRL.
    #[error(transparent)]
    Revocation(#[from] RevocationError),
}

/// A `revoke` run.
#[derive(Clone, Debug)]
pub struct RevokeRequest<'a> {
    /// The CA certificate's path (the list lives beside it).
    pub ca_file: &'a Path,
    /// What to revoke.
    pub targets: &'a [Target],
    /// Why.
    pub reason: Reason,
    /// The CRL files to write.
    pub crl_files: &'a [CrlFile],
    /// How long the CRL is valid (nextUpdate - thisUpdate).
    pub validity: Duration,
    /// The time of the revocations and of the CRL.
    pub now: OffsetDateTime,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct RevokeOutcome {
    /// Newly revoked.
    pub revoked: Vec<Revoked>,
    /// Listed already (the earlier entry is kept, with its time and reason).
    pub already: Vec<Revoked>,
    /// The CRL written.
    pub publication: Publication,
    /// The list's path.
    pub list: PathBuf,
    /// What the user should know about the CA.
    pub warnings: Vec<String>,
}

/// Revokes `request.targets` and writes the list and the CRL.
pub fn revoke(ca: &Issuer, request: &RevokeRequest<'_>) -> Result<RevokeOutcome, RevokeError> {
    let mut wanted = Vec::new();
    for t in request.targets {
        wanted.push(resolve(ca, t, request)?);
    }
    let mut list = RevocationList::load(ca, request.ca_file)?;
    let mut revoked = Vec::new();
    let mut already = Vec::new();
    for r in wanted {
        match list.find(&r.entry.serial) {
            Some(existing) => already.push(existing.clone()),
            None => {
                list.add(r.clone());
                revoked.push(r);
            }
        }
    }
    let publication = publish(
        ca,
        &mut list,
        request.crl_files,
        request.now,
        request.validity,
    )?;
    Ok(RevokeOutcome {
        revoked,
        already,
        publication,
        list: list.path,
        warnings: ca_warnings(ca),
    })
}

fn resolve(
    ca: &Issuer,
    target: &Target,
    request: &RevokeRequest<'_>,
) -> Result<Revoked, RevokeError> {
    let entry = |serial: Serial| CrlEntry {
        serial,
        revoked_at: request.now,
        reason: request.reason,
    };
    let path = match target {
        Target::Serial(s) => {
            return Ok(Revoked {
                entry: entry(s.clone()),
                subject: None,
                file: None,
            });
        }
        Target::File(p) => p,
    };
    let bad = |reason: String| RevokeError::Certificate {
        file: path.display().to_string(),
        reason,
    };
    // Public, so a link to it is followed; still a regular file, capped, never a FIFO.
    let bytes = match crate::pki::fs::read_path_following(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(bad("cannot read it: no such file".into())),
        Err(crate::pki::FsError::Io { source, .. }) => {
            return Err(bad(format!(
                "cannot read it: {}",
                crate::pki::scan::io_reason(&source)
            )));
        }
        Err(e) => {
            // The error names the path; the message names it once.
            let text = e.to_string();
            let prefix = format!("{}: ", path.display());
            return Err(bad(text.strip_prefix(&prefix).unwrap_or(&text).to_owned()));
        }
    };
    let der = pem::parse_many(&bytes)
        .ok()
        .and_then(|blocks| blocks.into_iter().find(|b| b.tag() == "CERTIFICATE"))
        .map(pem::Pem::into_contents)
        .ok_or_else(|| bad("no PEM certificate in it".into()))?;
    let cert = crate::x509::parse_certificate(&der).map_err(|e| bad(e.to_string()))?;
    if der == ca.certificate_der() {
        return Err(bad("this is the CA certificate itself; a CA is retired by rotating it (docs/rotation.md), not listed in its own CRL".into()));
    }
    let tbs = cert.tbs_certificate.as_ref();
    let signed = cert.issuer().as_raw() == ca.subject_der()
        && ca
            .key()
            .public_key()
            .verify(
                &cert.signature_algorithm.algorithm.to_id_string(),
                tbs,
                &cert.signature_value.data,
            )
            .is_ok();
    if !signed {
        return Err(bad(format!(
            "issued by {}, not by this CA ({}); its serial in this CA's CRL would cut off whichever certificate of this CA shares it",
            cert.issuer(),
            crate::x509::name_text(ca.subject_der())
        )));
    }
    Ok(Revoked {
        entry: entry(Serial::from_integer_content(cert.raw_serial())),
        subject: Some(cert.subject().to_string()),
        file: Some(path.display().to_string()),
    })
}

/// A CA whose KeyUsage lacks cRLSign signs CRLs that etcd still uses (it checks no
/// signature) but that openssl and Go refuse (RFC 5280 §4.2.1.3; Go's CreateRevocationList
/// refuses to sign one).
fn ca_warnings(ca: &Issuer) -> Vec<String> {
    let Ok(cert) = crate::x509::parse_certificate(ca.certificate_der()) else {
        return Vec::new();
    };
    match cert.key_usage() {
        Ok(Some(ku)) if !ku.value.crl_sign() => vec![format!(
            "the CA {} has a KeyUsage without cRLSign: etcd uses its CRL (it checks serials only), but openssl and Go refuse it (RFC 5280 §4.2.1.3)",
            cert.subject()
        )],
        _ => Vec::new(),
    }
}

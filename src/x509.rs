//! Reading certificates and CSRs with x509-parser, refusing what it reads only in part.
//!
//! Takes DER; returns the parsed certificate or CSR, or why it is refused. x509-parser 0.18
//! reads a Name up to its first RDN that does not parse and keeps the rest silently, so that
//! `as_raw()` ends early (fuzz/README.md, finding 1): a CA with such a subject would have its
//! truncated name copied into every leaf as the issuer. Go and openssl refuse those names; so
//! does everything here. Bytes after the DER structure are refused too, as Go's
//! `x509.ParseCertificate` refuses them ("x509: trailing data"): etcd would not load the file.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

/// A certificate whose subject and issuer were read in full, with nothing after it.
pub fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err("trailing bytes after the certificate".into());
    }
    for (which, name) in [("subject", cert.subject()), ("issuer", cert.issuer())] {
        if !is_whole(name) {
            return Err(format!(
                "its {which} name is malformed (an RDN runs past its set)"
            ));
        }
    }
    Ok(cert)
}

/// A CSR whose subject was read in full, with nothing after it.
pub fn parse_certificate_request(der: &[u8]) -> Result<X509CertificationRequest<'_>, String> {
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err("trailing bytes after the request".into());
    }
    if !is_whole(&csr.certification_request_info.subject) {
        return Err("its subject name is malformed (an RDN runs past its set)".into());
    }
    Ok(csr)
}

/// True when x509-parser read all of `name`: its raw bytes are one whole DER Name that reads
/// back with the same number of RDNs.
pub fn is_whole(name: &X509Name<'_>) -> bool {
    X509Name::from_der(name.as_raw())
        .is_ok_and(|(rest, again)| rest.is_empty() && again.iter().count() == name.iter().count())
}

/// A DER name as text (`CN=infra0, OU=server, O=etcd`), for messages.
pub fn name_text(der: &[u8]) -> String {
    X509Name::from_der(der).map_or_else(|_| "(an unreadable name)".into(), |(_, n)| n.to_string())
}

//! PKCS#10 certificate requests (RFC 2986), as Go's `x509.CreateCertificateRequest` writes
//! them for cfssl: version 0, the subject, the key, and an extensionRequest attribute holding
//! the SAN (non-critical) and, for a CA request, a critical BasicConstraints; an empty
//! attribute set (`a0 00`) when there are no extensions.

use super::SignError;
use super::extension::{self, Extension, oid};
use crate::der_writer as w;
use crate::key::PrivateKey;
use crate::request::{CaRequest, DistinguishedName, Host};

/// A signed CSR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr {
    der: Vec<u8>,
    extensions: Vec<Extension>,
}

impl Csr {
    /// DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The extensions it requests, in order.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// PEM, `CERTIFICATE REQUEST`, as cfssl prints it.
    pub fn to_pem(&self) -> String {
        crate::key::pem_encode("CERTIFICATE REQUEST", self.der.clone())
    }
}

/// Builds and signs a CSR with `key`.
pub fn build_csr(
    subject: &DistinguishedName,
    hosts: &[Host],
    ca: Option<&CaRequest>,
    key: &PrivateKey,
) -> Result<Csr, SignError> {
    let mut extensions = Vec::new();
    if !hosts.is_empty() {
        extensions.push(Extension {
            oid: oid::SUBJECT_ALT_NAME,
            critical: false,
            value: extension::general_names(hosts),
        });
    }
    if let Some(ca) = ca {
        extensions.push(extension::basic_constraints(Some(ca.path_len)));
    }
    let attributes = if extensions.is_empty() {
        w::explicit(0, &[])
    } else {
        let exts: Vec<Vec<u8>> = extensions.iter().map(Extension::to_der).collect();
        let request = w::sequence(&[
            &w::oid(&oid::EXTENSION_REQUEST),
            &w::set_of(vec![w::sequence_of(&exts)]),
        ]);
        w::explicit(0, &request)
    };
    let info = w::sequence(&[
        &w::small_integer(0),
        &subject.to_der(),
        key.public_key().spki_der(),
        &attributes,
    ]);
    let signature = key.sign(&info)?;
    let der = w::sequence(&[
        &info,
        &key.signature_algorithm().algorithm_identifier(),
        &w::bit_string(0, &signature),
    ]);
    Ok(Csr { der, extensions })
}

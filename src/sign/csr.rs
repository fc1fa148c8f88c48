//! PKCS#10 certificate requests (RFC 2986), as Go's `x509.CreateCertificateRequest` writes
//! them for cfssl: version 0, the subject, the key, and an extensionRequest attribute holding
//! the SAN (non-critical) and, for a CA request, a critical BasicConstraints; an empty
//! attribute set (`a0 00`) when there are no extensions.

use x509_parser::prelude::{ParsedCriAttribute, ParsedExtension};

use super::SignError;
use super::extension::{self, Extension, oid};
use crate::key::{PrivateKey, PublicKey};
use crate::request::{CaRequest, DistinguishedName, Host, NameFields};
use crate::x509::der_writer as w;

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
    build_csr_with(subject, hosts, ca, &RequestExtras::default(), key)
}

/// What a csr.json of cfssl ≥ 1.6.2 adds to its CSR: `delegation_enabled` and `extensions`.
#[derive(Clone, Debug, Default)]
pub struct RequestExtras {
    /// Add the DelegationUsage extension.
    pub delegation: bool,
    /// Raw extensions, after cfssl's own.
    pub extensions: Vec<Extension>,
}

impl RequestExtras {
    /// The extras of `request`.
    pub fn of(request: &crate::request::CertRequest) -> Self {
        Self {
            delegation: request.delegation_enabled(),
            extensions: request
                .extensions()
                .iter()
                .map(|e| Extension {
                    oid: e.oid,
                    critical: e.critical,
                    value: e.value.clone(),
                })
                .collect(),
        }
    }
}

/// [`build_csr`] with a 1.6.2+ request's extras, in cfssl 1.6.5's order (csr.go GenerateDER):
/// Go's SAN, then the extra extensions: BasicConstraints for a CA, replaced by the
/// DelegationUsage extension when `delegation_enabled` is set (cfssl assigns the template's
/// empty `Extensions` plus DelegationUsage to `ExtraExtensions`, so a CA's BasicConstraints
/// request is dropped; the certificate's constraint comes from the CA policy and is the
/// same), then `extensions` as given.
pub fn build_csr_with(
    subject: &DistinguishedName,
    hosts: &[Host],
    ca: Option<&CaRequest>,
    extras: &RequestExtras,
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
    if extras.delegation {
        extensions.push(extension::delegation_usage());
    } else if let Some(ca) = ca {
        extensions.push(extension::basic_constraints(Some(ca.path_len)));
    }
    extensions.extend(extras.extensions.iter().cloned());
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

/// A CSR made elsewhere (`sign`), its signature checked and its parts taken out the way Go's
/// `x509.ParseCertificateRequest` and cfssl's signer read them.
#[derive(Clone, Debug)]
pub struct CsrInput {
    /// The subject, as Go's `pkix.Name` fields (re-encoded in Go's order when issued).
    pub subject: NameFields,
    /// The SANs of its extensionRequest: DNS, email, IP, URI.
    pub hosts: Vec<Host>,
    /// The subject's key.
    pub public_key: PublicKey,
    /// Every requested extension, raw.
    pub extensions: Vec<Extension>,
    /// It asks for BasicConstraints CA:TRUE.
    pub requests_ca: bool,
}

/// Reads a PEM CSR (`CERTIFICATE REQUEST` or the older `NEW CERTIFICATE REQUEST`) and checks
/// its self-signature: a CSR whose signature does not verify is refused.
pub fn parse_csr(file: &str, pem_bytes: &[u8]) -> Result<CsrInput, SignError> {
    let bad = |reason: String| SignError::Csr {
        file: file.to_owned(),
        reason,
    };
    let blocks = pem::parse_many(pem_bytes).map_err(|e| bad(format!("invalid PEM: {e}")))?;
    let block = blocks
        .iter()
        .find(|b| b.tag() == "CERTIFICATE REQUEST" || b.tag() == "NEW CERTIFICATE REQUEST")
        .ok_or_else(|| bad("no PEM CERTIFICATE REQUEST block found".into()))?;
    let csr = crate::x509::parse_certificate_request(block.contents())
        .map_err(|e| bad(format!("not a valid PKCS#10 request: {e}")))?;
    let info = &csr.certification_request_info;
    let public_key =
        PublicKey::from_spki_der(info.subject_pki.raw).map_err(|e| bad(e.to_string()))?;
    // Go (and so cfssl 1.2.0) signs a 1024-bit RSA key; aws-lc checks no signature under 2048
    // bits, so say what is wrong instead of "does not verify".
    if let crate::key::KeyAlgorithm::Rsa { bits } = public_key.algorithm()
        && bits < 2048
    {
        return Err(bad(format!(
            "its RSA key has {bits} bits; etcdpki signs RSA keys of 2048 bits or more (NIST SP 800-131A)"
        )));
    }
    public_key
        .verify_request(
            &csr.signature_algorithm.algorithm.to_id_string(),
            info.raw,
            &csr.signature_value.data,
        )
        .map_err(|e| bad(format!("the request's signature does not verify: {e}")))?;
    let subject = NameFields::from_x509(&info.subject).map_err(|e| bad(e.to_string()))?;
    let mut hosts = Vec::new();
    let mut extensions = Vec::new();
    let mut requests_ca = false;
    for attr in info.attributes() {
        let ParsedCriAttribute::ExtensionRequest(request) = attr.parsed_attribute() else {
            continue;
        };
        for ext in &request.extensions {
            let dotted = ext.oid.to_id_string();
            let oid = der::asn1::ObjectIdentifier::new(&dotted)
                .map_err(|_| bad(format!("bad extension OID {dotted}")))?;
            extensions.push(Extension {
                oid,
                critical: ext.critical,
                value: ext.value.to_vec(),
            });
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    hosts.extend(san.general_names.iter().filter_map(Host::from_general_name));
                }
                ParsedExtension::BasicConstraints(bc) => requests_ca = bc.ca,
                _ => {}
            }
        }
    }
    Ok(CsrInput {
        subject,
        hosts,
        public_key,
        extensions,
        requests_ca,
    })
}

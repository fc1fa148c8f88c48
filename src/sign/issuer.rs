//! The signing CA: its certificate (read with x509-parser) and its key. Only an [`Issuer`] can
//! sign, and one is made only from a CA certificate and the key that matches it.

use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

use super::SignError;
use crate::key::PrivateKey;

/// A CA that can sign: its subject DER (copied byte for byte into every issuer field, as Go
/// does), its key identifier (becomes the AuthorityKeyIdentifier) and its key.
#[derive(Debug)]
pub struct Issuer {
    subject: Vec<u8>,
    key_id: Option<Vec<u8>>,
    key: PrivateKey,
    certificate: Vec<u8>,
}

impl Issuer {
    /// A CA from the PEM of its certificate (`-ca`) and its key (`-ca-key`). Returns warnings
    /// about a certificate that does not look like a CA.
    pub fn from_pem(
        cert_file: &str,
        cert_pem: &[u8],
        key_file: &str,
        key: PrivateKey,
    ) -> Result<(Self, Vec<String>), SignError> {
        let bad = |reason: String| SignError::CaCertificate {
            file: cert_file.to_owned(),
            reason,
        };
        let blocks = pem::parse_many(cert_pem).map_err(|e| bad(format!("invalid PEM: {e}")))?;
        let der = match blocks.as_slice() {
            [] => return Err(bad("no PEM certificate found".into())),
            [one] if one.tag() == "CERTIFICATE" => one.contents().to_vec(),
            [one] => {
                return Err(bad(format!(
                    "expected a CERTIFICATE, found a PEM block labelled {:?}",
                    one.tag()
                )));
            }
            many => {
                return Err(bad(format!(
                    "holds {} PEM blocks; -ca takes a file with only the CA certificate (cfssl: the PEM file should contain only one object)",
                    many.len()
                )));
            }
        };
        let issuer = Self::from_der(cert_file, der, key_file, key)?;
        let warnings = issuer.warnings();
        Ok((issuer, warnings))
    }

    /// A CA from a file that may be a trust bundle (`renew` and `revoke` during a CA
    /// rotation, when `ca.pem` holds the old and the new CA): the first certificate on the
    /// key's key. A file of one certificate is read as [`Self::from_pem`] reads it.
    pub fn from_bundle_pem(
        cert_file: &str,
        cert_pem: &[u8],
        key_file: &str,
        key: PrivateKey,
    ) -> Result<(Self, Vec<String>), SignError> {
        let blocks = pem::parse_many(cert_pem).unwrap_or_default();
        let certs: Vec<&pem::Pem> = blocks.iter().filter(|b| b.tag() == "CERTIFICATE").collect();
        if certs.len() < 2 || certs.len() != blocks.len() {
            return Self::from_pem(cert_file, cert_pem, key_file, key);
        }
        let on_key = certs.iter().find(|b| {
            crate::x509::parse_certificate(b.contents()).is_ok_and(|c| {
                c.public_key().subject_public_key.data.as_ref() == key.public_key().key_bits()
            })
        });
        let Some(block) = on_key else {
            return Err(SignError::KeyMismatch {
                cert_file: cert_file.to_owned(),
                key_file: key_file.to_owned(),
            });
        };
        let issuer = Self::from_der(cert_file, block.contents().to_vec(), key_file, key)?;
        let warnings = issuer.warnings();
        Ok((issuer, warnings))
    }

    /// A CA from its DER certificate and key; fails if the key does not match.
    pub fn from_der(
        cert_file: &str,
        der: Vec<u8>,
        key_file: &str,
        key: PrivateKey,
    ) -> Result<Self, SignError> {
        let bad = |reason: String| SignError::CaCertificate {
            file: cert_file.to_owned(),
            reason,
        };
        let cert = crate::x509::parse_certificate(&der)
            .map_err(|e| bad(format!("not a valid certificate: {e}")))?;
        if cert.public_key().subject_public_key.data.as_ref() != key.public_key().key_bits() {
            return Err(SignError::KeyMismatch {
                cert_file: cert_file.to_owned(),
                key_file: key_file.to_owned(),
            });
        }
        let key_id = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                _ => None,
            });
        let subject = cert.tbs_certificate.subject.as_raw().to_vec();
        Ok(Self {
            subject,
            key_id,
            key,
            certificate: der,
        })
    }

    /// Things about the CA certificate that will make its leaves fail verification.
    fn warnings(&self) -> Vec<String> {
        let Ok((_, cert)) = X509Certificate::from_der(&self.certificate) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if !cert.is_ca() {
            out.push("the CA certificate is not a CA (no BasicConstraints CA:TRUE); TLS clients will reject what it signs".into());
        }
        if let Ok(Some(ku)) = cert.key_usage()
            && !ku.value.key_cert_sign()
        {
            out.push("the CA certificate's KeyUsage lacks keyCertSign; TLS clients will reject what it signs".into());
        }
        if !cert.validity().is_valid() {
            out.push(format!(
                "the CA certificate is not valid now (notBefore {}, notAfter {})",
                cert.validity().not_before,
                cert.validity().not_after
            ));
        }
        out
    }

    /// The CA's subject DER.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject
    }

    /// The CA's SubjectKeyIdentifier, if it has one.
    pub fn key_id(&self) -> Option<&[u8]> {
        self.key_id.as_deref()
    }

    /// The CA's key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The CA certificate's DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }
}

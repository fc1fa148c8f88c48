//! Stage 4: signing. A [`crate::CertRequest`] and a key become a PKCS#10 CSR; a profile, an
//! [`Issuer`] and a subject become a certificate; an [`Issuer`] and revoked serials become a
//! CRL ([`crl`]).
//!
//! Takes validated inputs (a [`crate::Profile`], a [`crate::request::DistinguishedName`],
//! [`crate::request::Host`]s, a [`crate::PublicKey`]) plus an injected `now` and
//! [`SerialNumber`], and returns DER that matches what cfssl (through Go's `crypto/x509`) writes,
//! extension order and criticality included (cfssl 1.6.5 signer/signer.go `FillTemplate`, Go
//! crypto/x509 `CreateCertificate` and `buildCertExtensions`; docs/compat.md). The TBS
//! structures are written with [`crate::x509::der_writer`] and signed with aws-lc-rs.

pub mod crl;
mod csr;
pub mod extension;
mod initca;
mod issue;
mod issuer;
mod serial;
mod validity;

pub use crl::{gencrl, parse_gencrl_time, parse_serial_list, sign_crl};
pub use csr::{Csr, CsrInput, RequestExtras, build_csr, build_csr_with, parse_csr};
pub use extension::Extension;
pub use initca::{initca_profile, selfsign_profile};
pub use issue::{Authority, Certificate, Subject, issue, issue_request};
pub use issuer::Issuer;
pub use serial::SerialNumber;
pub use validity::{Validity, round_to_minute};

use crate::key::KeyError;

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key could not sign or be encoded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The CA certificate file is unusable.
    #[error("{file}: {reason}")]
    CaCertificate {
        /// The file as given.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A CSR given to `sign` is unusable.
    #[error("{file}: {reason}")]
    Csr {
        /// The file as given.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The CSR asks for a CA certificate but the profile issues leaves.
    #[error(
        "the CSR asks for a CA certificate (BasicConstraints CA:TRUE), but signing.{0} has no ca_constraint.is_ca (cfssl: local signer policy disallows issuing CA certificate)"
    )]
    CaNotAllowed(String),
    /// The CA key does not belong to the CA certificate.
    #[error(
        "{key_file}: the key does not match the certificate in {cert_file} (cfssl: provided PrivateKey doesn't match parent's PublicKey)"
    )]
    KeyMismatch {
        /// The CA certificate file.
        cert_file: String,
        /// The CA key file.
        key_file: String,
    },
    /// A name is outside the profile's `name_whitelist`.
    #[error(
        "{name:?} does not match signing.{profile}.name_whitelist /{pattern}/ (cfssl: Request does not match policy whitelist)"
    )]
    NotWhitelisted {
        /// The name.
        name: String,
        /// The profile path.
        profile: String,
        /// The regex.
        pattern: String,
    },
    /// The profile's CSRWhitelist does not allow the public key to be used.
    #[error("signing.{0}.CSRWhitelist does not allow PublicKey, so no certificate can be issued")]
    PublicKeyNotWhitelisted(String),
    /// notAfter would fall outside what a certificate can express.
    #[error("expiry {0} puts notAfter beyond the year 9999")]
    ValidityOutOfRange(String),
    /// The random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

//! Stage 2: csr.json → [`CertRequest`].
//!
//! Takes the bytes of a cfssl certificate request (cfssl 1.6.5 csr/csr.go `CertificateRequest`,
//! read by cli/gencert/gencert.go into a `NewKeyRequest` default) and returns a validated
//! [`CertRequest`]: subject fields, classified [`Host`]s, a [`crate::KeySpec`] and the optional
//! `ca` block, with warnings for what was ignored. Keys match case-insensitively and a partial
//! `key` object is merged into the ecdsa-256 default, as in cfssl.

mod cert_request;
mod hosts;
pub mod names;

pub use cert_request::{
    CaRequest, CertRequest, RequestExtension, SubjectEntry, SubjectOverride, about_hosts,
    parse_csr_json, parse_hostname_flag, parse_subject_json,
};
pub use hosts::{Host, HostError, LONE_WILDCARD, normalize_dns, parse_host, sans_cover};
pub use names::{Attribute, DistinguishedName, NameFields};

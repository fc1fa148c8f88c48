//! Feature: `certinfo`. What cfssl's `certinfo` prints about a certificate or CSR
//! ([`describe`]), read from a file or fetched from a TLS server ([`tls_fetch`], for `-domain`).
//!
//! Takes DER, or a host and port; returns cfssl's JSON objects.

pub mod describe;
pub mod tls_fetch;

pub use describe::{CertInfo, CertInfoError, CsrInfo, cert_info, csr_info, to_json_pretty};
pub use tls_fetch::{fetch_certificates, split_host_port};

//! etcdpki: a cfssl-compatible PKI toolkit for etcd clusters.
//!
//! The library is a pipeline, one module per stage:
//! [`config`] (ca-config.json → [`Policy`]) → [`request`] (csr.json → [`CertRequest`]) →
//! [`key`] (key generation and PEM) → [`sign`] (CSR and certificate encoding and signing) →
//! [`output`] (cfssl's JSON and cfssljson's files). [`diag`] renders problems with their file and
//! JSON path. [`cluster`] plans and makes a whole etcd PKI from these stages. The command line
//! lives in the binary and is a thin shell over these.

pub mod cluster;
pub mod config;
pub mod der_writer;
pub mod diag;
pub mod expiry;
pub mod gojson;
pub mod key;
pub mod lint;
pub mod output;
pub mod parallel;
pub mod peer;
pub mod presets;
pub mod renew;
pub mod request;
pub mod scan;
pub mod sign;
pub mod x509;

pub use config::{Policy, Profile};
pub use diag::{Diagnostic, InputError};
pub use key::{KeySpec, PrivateKey, PublicKey};
pub use request::CertRequest;

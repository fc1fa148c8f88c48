//! etcdpki: a cfssl-compatible PKI toolkit for etcd clusters.
//!
//! The library is built in four layers; each module depends only on the layers below it (and,
//! among the stages, on earlier stages), which `tests/integration/architecture.rs` checks:
//!
//! ```text
//!  features   cluster   lint   renew   revoke   expiry   certinfo   (never on each other)
//!     │
//!  domain     etcd (flags, configs, env files)  ◄──  pki (a PKI on disk: scan, leaves, writes, locks)
//!     │
//!  stages     config ──► key ──► request ──► sign ──► output
//!     │
//!  foundation diag (locations, problems, Go-style JSON)   x509 (read, DER writer)   parallel
//! ```
//!
//! - Foundation: [`diag`] renders problems with their file and JSON path and reads JSON as Go
//!   does; [`x509`] reads certificates and CSRs and writes DER; [`parallel`] spreads batches
//!   over cores.
//! - Pipeline stages: [`config`] (ca-config.json → [`Policy`]) → [`key`] (key generation and
//!   PEM) → [`request`] (csr.json → [`CertRequest`]) → [`sign`] (CSR and certificate encoding
//!   and signing) → [`output`] (cfssl's JSON line, cfssljson's file set).
//! - Domain: [`etcd`] (what etcd reads and writes: `--initial-cluster`, its configurations,
//!   env files) and [`pki`] (certificates, keys and requests on disk, and every write).
//! - Features: [`cluster`] (a whole etcd PKI from the member list), [`lint`] (an etcd PKI judged
//!   as etcd will), [`renew`] (leaves close to expiry), [`revoke`] (certificates cut off before
//!   they expire, and the CRL etcd reads), [`expiry`] (when each certificate expires),
//!   [`certinfo`] (cfssl's certificate and CSR descriptions).
//!
//! The command line lives in the binary (`src/cli`) and is a thin shell over these.

mod error;

// Foundation.
pub mod diag;
pub mod parallel;
pub mod x509;

// Pipeline stages.
pub mod config;
pub mod key;
pub mod output;
pub mod request;
pub mod sign;

// Domain.
pub mod etcd;
pub mod pki;

// Features.
pub mod certinfo;
pub mod cluster;
pub mod expiry;
pub mod lint;
pub mod renew;
pub mod revoke;

pub use config::{Policy, Profile};
pub use diag::{Diagnostic, InputError};
pub use error::{Error, ErrorKind};
pub use key::{KeySpec, PrivateKey, PublicKey};
pub use request::CertRequest;

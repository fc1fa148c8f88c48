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
//!
//! # Embedding
//!
//! What another tool does with etcdpki: issue a certificate as `cfssl gencert` does, plan an
//! etcd cluster's PKI, lint a directory.
//!
//! Issue a CA and a server certificate under a ca-config.json profile:
//!
//! ```
//! use etcdpki::config::parse_ca_config;
//! use etcdpki::request::parse_csr_json;
//! use etcdpki::sign::{Authority, Issuer, SerialNumber, initca_profile, issue_request};
//! use etcdpki::PrivateKey;
//! use time::OffsetDateTime;
//!
//! let now = OffsetDateTime::now_utc();
//! let ca_request = parse_csr_json("ca-csr.json", br#"{"CN": "etcd-ca", "ca": {"expiry": "87600h"}}"#)?.value;
//! let ca_key = PrivateKey::generate(ca_request.key())?;
//! let (_, ca_cert) = issue_request(
//!     Authority::SelfSigned(&ca_key),
//!     &initca_profile(ca_request.ca(), None),
//!     &ca_request,
//!     &ca_key,
//!     false,
//!     now,
//!     SerialNumber::random()?,
//! )?;
//! let (issuer, _warnings) =
//!     Issuer::from_pem("ca.pem", ca_cert.to_pem().as_bytes(), "ca-key.pem", ca_key)?;
//!
//! let policy = parse_ca_config(
//!     "ca-config.json",
//!     br#"{"signing": {"profiles": {"server": {"usages": ["signing", "server auth"], "expiry": "8760h"}}}}"#,
//! )?
//! .value;
//! let request = parse_csr_json("server.json", br#"{"CN": "infra0", "hosts": ["10.0.1.10"]}"#)?.value;
//! let key = PrivateKey::generate(request.key())?;
//! let (_csr, cert) = issue_request(
//!     Authority::Ca(&issuer),
//!     policy.select("server")?,
//!     &request,
//!     &key,
//!     false,
//!     now,
//!     SerialNumber::random()?,
//! )?;
//! assert!(cert.to_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Plan the PKI of a three-member cluster (nothing is written until the plan is built):
//!
//! ```
//! use etcdpki::cluster::{ClusterSpec, Layout, PlanOptions, SubjectNames, plan};
//! use etcdpki::config::GoDuration;
//! use etcdpki::KeySpec;
//!
//! let spec = ClusterSpec::from_initial_cluster(
//!     "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380",
//! )?;
//! let plan = plan(
//!     &spec,
//!     &PlanOptions {
//!         out: "pki".into(),
//!         layout: Layout::Cfssl,
//!         key: KeySpec::default(),
//!         expiry: GoDuration::from_hours(8760),
//!         ca_expiry: GoDuration::from_hours(87600),
//!         names: SubjectNames::default(),
//!         client_port: 2379,
//!         cert_dir: None,
//!     },
//! )?;
//! assert_eq!(plan.members.len(), 3);
//! assert_eq!(plan.leaves.len(), 6, "a server and a peer certificate per member");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Lint a directory as `etcdpki lint` does:
//!
//! ```
//! use etcdpki::lint::{Context, Inventory, Level, LintOptions, certificate_rules::TimeRules, lint};
//! use etcdpki::pki::collect_files;
//! use time::{Duration, OffsetDateTime};
//!
//! let dir = std::env::temp_dir().join(format!("etcdpki-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let files = collect_files(&[dir.clone()])?;
//! let report = lint(
//!     &Inventory::read(&files, 1),
//!     &Context::from_flags(None, None)?,
//!     &LintOptions {
//!         time: TimeRules { at: OffsetDateTime::now_utc(), warn_within: Duration::days(30) },
//!         workers: 1,
//!         overrides: Vec::new(),
//!     },
//! );
//! assert_eq!(report.count(Level::Error), 0, "an empty directory has nothing wrong");
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
pub mod rotate;

pub use config::{Policy, Profile};
pub use diag::{Diagnostic, InputError};
pub use error::{Error, ErrorKind};
pub use key::{KeySpec, PrivateKey, PublicKey};
pub use request::CertRequest;

//! `etcdpki cluster`: a whole etcd PKI in one step, from etcd's own `--initial-cluster` or a
//! cluster spec file (issue #5; docs/cluster.md).
//!
//! The stages, one module each:
//! [`spec`] (`--initial-cluster` or the spec file → [`ClusterSpec`]) → [`mod@plan`] (spec and
//! options → [`Plan`]: every certificate's subject, SANs, profile and files in a [`Layout`],
//! every member's etcd settings) → [`mod@build`] (plan and what is on disk → [`Outcome`]: the CA
//! reused or made, certificates kept or issued with keys made in parallel, the files to write)
//! → [`Outcome::write`]. [`cfssl_json`] and `env` (through [`crate::etcd::env_file`]) render the cfssl inputs and the
//! environment files the PKI is written with; [`existing`] reads back what an earlier run left.
//! Nothing here prints: progress is a callback, and the outcome is returned.

pub mod build;
pub mod cfssl_json;
mod env;
pub mod existing;
pub mod keys;
pub mod layout;
mod output_dir;
pub mod plan;
pub mod spec;
pub mod subject;

pub use crate::etcd::ClusterState;
pub use crate::etcd::MemberUrl;
pub use build::{Action, BuildOptions, ClusterError, Entry, Outcome, build};
pub use existing::Mismatch;
pub use layout::Layout;
pub use plan::{Plan, PlanError, PlanOptions, plan};
pub use spec::{ClusterSpec, MemberSpec, NameError, SpecError, parse_spec_json};
pub use subject::{SubjectNames, SubjectNamesError};

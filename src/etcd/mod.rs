//! Domain: everything about etcd itself. Its `--initial-cluster` value and member URLs
//! ([`initial_cluster`], [`member_url`]), its configurations read as etcd reads them ([`config`]: flags,
//! `ETCD_*` env files, systemd units, YAML) and written ([`env_file`]), and what each release
//! from 3.4 to 3.6 reads ([`release`]), and what a running member accepts and serves over
//! HTTPS ([`probe`]).
//!
//! Takes text (flag values, configuration files) and member URLs; returns what etcd would take
//! from the text, and what the member answered. Depends
//! on the foundation only: features (`cluster`, `lint`) build on it.

pub mod config;
pub mod env_file;
pub mod initial_cluster;
mod keys;
pub mod member_url;
pub mod probe;
pub mod release;

pub use config::{
    ConfigForm, EtcdConfig, EtcdConfigError, Problem, ProblemKind, Process, read_etcd_config,
};
pub use env_file::{Bootstrap, ClusterState, MemberSettings, env_file_text, same_settings};
pub use initial_cluster::{InitialClusterError, parse_initial_cluster, url_host};
pub use member_url::{
    DiscoverySrvError, MemberUrl, MemberUrlError, parse_discovery_srv, parse_member_url,
};
pub use release::{Availability, Release};

//! What lint knows about the cluster: its members and their advertised hosts, the DNS-SRV domain,
//! whether client certificate auth is on, and which file plays which role.
//!
//! Takes etcd's own flag values (`--initial-cluster`, `--discovery-srv`) and any number of etcd
//! configurations ([`EtcdConfig`]); returns a [`Context`] that answers "which roles does this
//! certificate have, and for which member?". Without a configuration, roles come from the
//! certificate's EKU when it allows one role only, and file names (`peer`, `server`, `client`,
//! `etcdctl`, a member's name) break the tie (docs/lints.md, "Roles").

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::inventory::CertEntry;
use super::report::Finding;
use super::rule;
use super::rule::Level;
use crate::etcd::{
    EtcdConfig, InitialClusterError, Problem, ProblemKind, Process, Release, parse_initial_cluster,
    url_host,
};
pub use crate::pki::role::Roles;
use crate::pki::role::{Seen, roles_without_configuration};
use crate::request::normalize_dns;

/// One member of the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Member {
    /// `--name`.
    pub name: String,
    /// Hosts of its peer URLs (`--initial-cluster`, `--initial-advertise-peer-urls`).
    pub peer_hosts: Vec<String>,
    /// Hosts of its client URLs (`--advertise-client-urls`).
    pub client_hosts: Vec<String>,
}

/// A file an etcd setting names: canonical path, and the line of the setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedFile {
    /// The setting (`trusted-ca-file`, `peer-cert-file`, …).
    pub setting: &'static str,
    /// The file, canonical.
    pub path: PathBuf,
    /// The setting's line in the configuration.
    pub line: Option<usize>,
}

/// One member's TLS files and switches, from its configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberTls {
    /// The member's name.
    pub member: String,
    /// The configuration, as its path displays.
    pub source: String,
    /// `cert-file`: served on the client port, and the gateway's client identity.
    pub server: Option<NamedFile>,
    /// `peer-cert-file`: served on the peer port, and the identity peers are dialed with.
    pub peer: Option<NamedFile>,
    /// `client-cert-file` (3.5+): the gateway's own client identity instead of `cert-file`.
    pub client_identity: Option<NamedFile>,
    /// `peer-client-cert-file` (3.5+): the identity peers are dialed with instead.
    pub peer_client_identity: Option<NamedFile>,
    /// `trusted-ca-file`: the CAs of clients (and of the gateway's view of `cert-file`).
    pub client_ca: Option<NamedFile>,
    /// `peer-trusted-ca-file`: the CAs of peers.
    pub peer_ca: Option<NamedFile>,
}

/// An `etcd grpc-proxy start` unit's TLS files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrpcProxyTls {
    /// The unit, as its path displays.
    pub source: String,
    /// `--cert`: the client certificate the proxy dials every member with.
    pub cert: Option<NamedFile>,
}

/// A CRL file an etcd configuration names (`--client-crl-file`, `--peer-crl-file`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlSetting {
    /// The configuration, as it displays.
    pub source: String,
    /// The setting's line in it.
    pub line: Option<usize>,
    /// `client-crl-file` or `peer-crl-file`.
    pub flag: &'static str,
    /// True for `--peer-crl-file`.
    pub peer: bool,
    /// The CRL file: resolved like the other files of the configuration, or as written (joined
    /// to the configuration's directory) when it does not exist.
    pub path: PathBuf,
    /// The CA file it is meant for (`--trusted-ca-file` or `--peer-trusted-ca-file`).
    pub trusted_ca: Option<PathBuf>,
}

/// The cluster as lint sees it.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Members, in the order first learnt.
    pub members: Vec<Member>,
    /// `--discovery-srv`.
    pub discovery_srv: Option<String>,
    /// `--client-cert-auth`, when a configuration says.
    pub client_cert_auth: Option<bool>,
    /// The etcd release to judge for (`--etcd-version`); `None` for every release.
    pub release: Option<Release>,
    /// Roles and member of the files an etcd configuration names (canonical paths).
    files: HashMap<PathBuf, (Roles, Option<String>)>,
    /// (certificate, key) file pairs the configurations name, canonical.
    pub pairs: Vec<(PathBuf, PathBuf)>,
    /// Problems with the configurations.
    pub findings: Vec<Finding>,
    /// Each configured member's TLS files, in the order read.
    pub tls: Vec<MemberTls>,
    /// The configurations, as read (in the order of `tls`).
    pub configs: Vec<EtcdConfig>,
    /// `--root DIR`: absolute paths in configurations are read under it (a checkout of the
    /// files a CI job is about to deploy).
    pub root: Option<PathBuf>,
    /// The CRL files the configurations name.
    pub crl_settings: Vec<CrlSetting>,
    /// The grpc-proxy units among the configurations.
    pub grpc_proxies: Vec<GrpcProxyTls>,
}

impl Context {
    /// The context of etcd's flag values.
    pub fn from_flags(
        initial_cluster: Option<&str>,
        discovery_srv: Option<&str>,
    ) -> Result<Self, InitialClusterError> {
        let mut ctx = Context {
            discovery_srv: discovery_srv.map(normalize_dns),
            ..Context::default()
        };
        if let Some(value) = initial_cluster {
            for (name, url) in parse_initial_cluster(value)? {
                ctx.member(&name).peer_hosts.extend(url_host(&url));
            }
        }
        Ok(ctx)
    }

    fn member(&mut self, name: &str) -> &mut Member {
        let i = match self.members.iter().position(|m| m.name == name) {
            Some(i) => i,
            None => {
                self.members.push(Member {
                    name: name.to_owned(),
                    ..Member::default()
                });
                self.members.len() - 1
            }
        };
        &mut self.members[i]
    }

    /// Adds what one member's configuration says.
    pub fn add_etcd_config(&mut self, cfg: &EtcdConfig) {
        let source = cfg.source.display().to_string();
        if cfg.process == Process::GrpcProxy {
            self.add_grpc_proxy(cfg, source);
            return;
        }
        let name = cfg.name.clone().unwrap_or_else(|| "default".into());
        for problem in &cfg.problems {
            self.findings.push(problem_finding(&source, problem));
        }
        self.add_member_hosts(cfg, &source, &name);
        if let Some(d) = &cfg.discovery_srv {
            self.discovery_srv = Some(normalize_dns(d));
        }
        // etcd turns client certificate auth on with --trusted-ca-file too (etcd 3.4
        // pkg/transport/listener.go, `TLSInfo.ServerConfig`).
        if cfg.client_cert_auth || cfg.trusted_ca_file.is_some() {
            self.client_cert_auth = Some(true);
        } else if cfg.cert_file.is_some() && self.client_cert_auth.is_none() {
            self.client_cert_auth = Some(false);
        }
        let dir = cfg.source.parent().unwrap_or(Path::new("."));
        let tls = self.add_tls_files(cfg, dir, &source, &name);
        self.tls.push(tls);
        self.configs.push(cfg.clone());
        self.add_crl_settings(cfg, dir, &source);
    }

    /// The hosts `--initial-cluster` and the member's advertised URLs give it.
    fn add_member_hosts(&mut self, cfg: &EtcdConfig, source: &str, name: &str) {
        if let Some(value) = &cfg.initial_cluster {
            match parse_initial_cluster(value) {
                Ok(entries) => {
                    for (n, url) in entries {
                        if let Some(h) = url_host(&url) {
                            let m = self.member(&n);
                            if !m.peer_hosts.contains(&h) {
                                m.peer_hosts.push(h);
                            }
                        }
                    }
                }
                Err(e) => self.invalid(
                    source,
                    cfg.line_of("initial-cluster"),
                    format!("initial-cluster: {e}"),
                ),
            }
        }
        let peer_hosts: Vec<String> = cfg
            .initial_advertise_peer_urls
            .iter()
            .filter_map(|u| url_host(u))
            .collect();
        let client_hosts: Vec<String> = cfg
            .advertise_client_urls
            .iter()
            .filter_map(|u| url_host(u))
            .collect();
        let m = self.member(name);
        for h in peer_hosts {
            if !m.peer_hosts.contains(&h) {
                m.peer_hosts.push(h);
            }
        }
        for h in client_hosts {
            if !m.client_hosts.contains(&h) {
                m.client_hosts.push(h);
            }
        }
    }

    /// The TLS files the configuration names: their roles (a served certificate, an outbound
    /// identity, a key, a trust file), the certificate/key pairs, and a finding for each file
    /// that does not exist. Returns the member's TLS settings.
    fn add_tls_files(
        &mut self,
        cfg: &EtcdConfig,
        dir: &Path,
        source: &str,
        name: &str,
    ) -> MemberTls {
        let server = Roles {
            server: true,
            serves_only: cfg.client_cert_file.is_some(),
            ..Roles::default()
        };
        let peer = Roles {
            peer: true,
            serves_only: cfg.peer_client_cert_file.is_some(),
            ..Roles::default()
        };
        for (cert, key) in [
            (&cfg.cert_file, &cfg.key_file),
            (&cfg.peer_cert_file, &cfg.peer_key_file),
            (&cfg.client_cert_file, &cfg.client_key_file),
            (&cfg.peer_client_cert_file, &cfg.peer_client_key_file),
        ] {
            if let (Some(c), Some(k)) = (cert, key)
                && let (Some(c), Some(k)) = (self.resolve(dir, c), self.resolve(dir, k))
            {
                self.pairs.push((c, k));
            }
        }
        let client = Roles {
            client: true,
            ..Roles::default()
        };
        let mut tls = MemberTls {
            member: name.to_owned(),
            source: source.to_owned(),
            ..MemberTls::default()
        };
        for (setting, file, roles) in tls_settings(cfg, server, peer, client) {
            let Some(file) = file else { continue };
            match self.resolve(dir, file) {
                Some(path) => {
                    let entry = self.files.entry(path.clone()).or_default();
                    entry.0 = entry.0.union(roles);
                    if roles.any() {
                        entry.1 = Some(name.to_owned());
                    }
                    let named = Some(NamedFile {
                        setting,
                        path,
                        line: cfg.line_of(setting),
                    });
                    match setting {
                        "cert-file" => tls.server = named,
                        "peer-cert-file" => tls.peer = named,
                        "client-cert-file" => tls.client_identity = named,
                        "peer-client-cert-file" => tls.peer_client_identity = named,
                        "trusted-ca-file" => tls.client_ca = named,
                        "peer-trusted-ca-file" => tls.peer_ca = named,
                        _ => {}
                    }
                }
                None => self.invalid(
                    source,
                    cfg.line_of(setting),
                    format!(
                        "{setting} names {file}, which does not exist{} (etcd will not start)",
                        self.root
                            .as_ref()
                            .filter(|_| Path::new(file).is_absolute())
                            .map(|r| format!(" under --root {}", r.display()))
                            .unwrap_or_default()
                    ),
                ),
            }
        }
        tls
    }

    /// A grpc-proxy unit: its `--cert` is a client certificate (of every member's clients), its
    /// `--key` the key of it; a file that does not exist stops the proxy.
    fn add_grpc_proxy(&mut self, cfg: &EtcdConfig, source: String) {
        let dir = cfg.source.parent().unwrap_or(Path::new("."));
        let mut proxy = GrpcProxyTls {
            source: source.clone(),
            cert: None,
        };
        let client = Roles {
            client: true,
            ..Roles::default()
        };
        for (setting, file) in [
            ("cert", &cfg.grpc_proxy_cert),
            ("key", &cfg.grpc_proxy_key),
            ("cacert", &cfg.grpc_proxy_cacert),
        ] {
            let Some(file) = file else { continue };
            let Some(path) = self.resolve(dir, file) else {
                self.invalid(
                    &source,
                    cfg.line_of(setting),
                    format!("--{setting} names {file}, which does not exist (the grpc-proxy will not start)"),
                );
                continue;
            };
            if setting == "cert" {
                let entry = self.files.entry(path.clone()).or_default();
                entry.0 = entry.0.union(client);
                proxy.cert = Some(NamedFile {
                    setting: "cert",
                    path,
                    line: cfg.line_of(setting),
                });
            }
        }
        if let (Some(cert), Some(key)) = (&proxy.cert, &cfg.grpc_proxy_key)
            && let Some(key) = self.resolve(dir, key)
        {
            self.pairs.push((cert.path.clone(), key));
        }
        self.grpc_proxies.push(proxy);
    }

    /// The configuration's CRL files; one that does not exist is kept as written (joined to
    /// the configuration's directory, or under `--root`), for `crl-missing`.
    fn add_crl_settings(&mut self, cfg: &EtcdConfig, dir: &Path, source: &str) {
        for (flag, peer, file, ca) in [
            (
                "client-crl-file",
                false,
                &cfg.client_crl_file,
                &cfg.trusted_ca_file,
            ),
            (
                "peer-crl-file",
                true,
                &cfg.peer_crl_file,
                &cfg.peer_trusted_ca_file,
            ),
        ] {
            let Some(file) = file else { continue };
            let written = match (&self.root, Path::new(file).strip_prefix("/")) {
                (Some(root), Ok(inside)) => root.join(inside),
                (None, Ok(_)) => PathBuf::from(file),
                _ => dir.join(file),
            };
            let setting = CrlSetting {
                source: source.to_owned(),
                line: cfg.line_of(flag),
                flag,
                peer,
                path: self.resolve(dir, file).unwrap_or(written),
                trusted_ca: ca.as_deref().and_then(|c| self.resolve(dir, c)),
            };
            self.crl_settings.push(setting);
        }
    }

    /// A configuration's path, canonical; `None` if missing. A relative path is resolved
    /// against the configuration's directory, then the current directory (where etcd runs);
    /// an absolute one under `--root` when it is given.
    fn resolve(&self, dir: &Path, file: &str) -> Option<PathBuf> {
        let path = Path::new(file);
        let candidates = match (&self.root, path.strip_prefix("/")) {
            (Some(root), Ok(inside)) => vec![root.join(inside)],
            (None, Ok(_)) => vec![path.to_path_buf()],
            _ => vec![dir.join(path), path.to_path_buf()],
        };
        candidates
            .into_iter()
            .find_map(|p| std::fs::canonicalize(p).ok())
    }

    fn invalid(&mut self, source: &str, line: Option<usize>, message: String) {
        let finding = Finding::new(rule::ETCD_CONFIG_INVALID, vec![source.to_owned()], message);
        self.findings.push(finding.at_line(line));
    }

    /// Every file the etcd configurations name (TLS files and CRLs), canonical where it
    /// exists.
    pub fn configured_files(&self) -> impl Iterator<Item = &Path> {
        self.files
            .keys()
            .map(PathBuf::as_path)
            .chain(self.crl_settings.iter().map(|c| c.path.as_path()))
    }

    /// The member names.
    fn member_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.members.iter().map(|m| m.name.as_str())
    }

    /// The roles of `cert` and the member it belongs to, judged as etcd would use it: from an
    /// etcd configuration that names the file; else as [`roles_without_configuration`] judges
    /// them, with this context's members (one member owns every server and peer certificate).
    pub(crate) fn roles_of(
        &self,
        cert: &CertEntry,
        own_peer: &HashSet<String>,
    ) -> (Roles, Option<&Member>) {
        if cert.index == 0
            && !cert.is_ca()
            && !self.files.is_empty()
            && let Some((roles, member)) = std::fs::canonicalize(&cert.file)
                .ok()
                .and_then(|p| self.files.get(&p))
            && roles.any()
        {
            let member = member
                .as_deref()
                .and_then(|n| self.members.iter().find(|m| m.name == n));
            return (*roles, member);
        }
        let seen = Seen {
            file: &cert.file,
            index: cert.index,
            is_ca: cert.is_ca(),
            eku: cert.eku,
        };
        let (roles, named) = roles_without_configuration(seen, self.member_names(), own_peer);
        let member = named
            .or_else(|| match self.members.as_slice() {
                // One member: every server or peer certificate is its.
                [only] if roles.server || roles.peer => Some(only.name.clone()),
                _ => None,
            })
            .and_then(|n| self.members.iter().find(|m| m.name == n));
        (roles, member)
    }
}

/// The members that have a peer certificate file of their own (`NAME-peer.pem`, as
/// `etcdpki cluster` and cfssl tutorials name it).
pub(crate) fn members_with_peer_files<'a>(
    ctx: &Context,
    files: impl Iterator<Item = &'a Path>,
) -> HashSet<String> {
    crate::pki::role::members_with_peer_files(ctx.member_names(), files)
}

/// The finding of a problem etcd has with a configuration: `etcd-config-invalid` for what it
/// refuses, `etcd-config-ignored` for what it ignores (a warning when no release has the
/// setting or a later line sets it again), `etcd-version-specific` for what only some
/// releases refuse or ignore.
fn problem_finding(source: &str, problem: &Problem) -> Finding {
    let (rule, level) = match problem.kind {
        ProblemKind::Refused => (rule::ETCD_CONFIG_INVALID, None),
        ProblemKind::Ignored => (rule::ETCD_CONFIG_IGNORED, None),
        ProblemKind::Unknown | ProblemKind::Overridden => {
            (rule::ETCD_CONFIG_IGNORED, Some(Level::Warning))
        }
        ProblemKind::SomeReleases => (rule::ETCD_VERSION_SPECIFIC, None),
    };
    let finding = Finding::new(rule, vec![source.to_owned()], problem.message.clone());
    let finding = finding.at_line(problem.line);
    match level {
        Some(level) => finding.at(level),
        None => finding,
    }
}

/// The ten TLS file settings of a configuration, each with the roles its file plays (none for
/// keys and trust files).
fn tls_settings(
    cfg: &EtcdConfig,
    server: Roles,
    peer: Roles,
    client: Roles,
) -> [(&'static str, &Option<String>, Roles); 10] {
    [
        ("cert-file", &cfg.cert_file, server),
        ("peer-cert-file", &cfg.peer_cert_file, peer),
        ("client-cert-file", &cfg.client_cert_file, client),
        ("peer-client-cert-file", &cfg.peer_client_cert_file, client),
        ("key-file", &cfg.key_file, Roles::default()),
        ("peer-key-file", &cfg.peer_key_file, Roles::default()),
        ("client-key-file", &cfg.client_key_file, Roles::default()),
        (
            "peer-client-key-file",
            &cfg.peer_client_key_file,
            Roles::default(),
        ),
        ("trusted-ca-file", &cfg.trusted_ca_file, Roles::default()),
        (
            "peer-trusted-ca-file",
            &cfg.peer_trusted_ca_file,
            Roles::default(),
        ),
    ]
}

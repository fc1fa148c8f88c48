//! The certificate plan of a cluster: which certificates, with which subjects, SANs and
//! profiles, in which files, and what each member's etcd settings are.
//!
//! Takes a validated [`ClusterSpec`] and [`PlanOptions`]; returns a [`Plan`] in which no two
//! certificates share a subject or a file, every path is under the output directory, and the
//! signing profiles are those of the `ca-config.json` text the plan writes. Nothing here reads
//! or writes files; [`super::build()`] does.
//!
//! SANs follow etcd's needs (etcd 3.4 Documentation/op-guide/security.md, "Notes for TLS
//! authentication"; pkg/transport/listener_tls.go `checkCertSAN`): a member's host from each of
//! its peer URLs (an IP becomes an IP SAN, a name a DNS SAN) in both certificates; the hosts of
//! its client URLs and `127.0.0.1`, `::1`, `localhost` (etcdctl on the member, kubeadm's own
//! server SANs) in the server certificate; `127.0.0.1` in the peer certificate of a member on
//! 127.0.0.0/8, the address it dials its peers from (`loopback_source`); the `--discovery-srv`
//! domain itself in both, since
//! members and clients found by SRV verify that name (etcd 3.4
//! Documentation/op-guide/clustering.md, "DNS discovery").

use std::path::{Path, PathBuf};

use super::cfssl_json;
use super::layout::{self, CertFiles, Layout, MASTERS_GROUP};
use super::spec::{ClusterSpec, MemberSpec};
use super::subject::SubjectNames;
use crate::config::{GoDuration, Policy, Profile};
use crate::etcd::MemberUrl;
use crate::key::KeySpec;
use crate::request::{CaRequest, CertRequest, Host};
use crate::sign::initca_profile;

/// How to make the PKI, beyond the cluster itself.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The output directory.
    pub out: PathBuf,
    /// The file layout.
    pub layout: Layout,
    /// The key of every certificate, the CA's included.
    pub key: KeySpec,
    /// The leaves' lifetime.
    pub expiry: GoDuration,
    /// The CA's lifetime.
    pub ca_expiry: GoDuration,
    /// Subject fields every certificate shares.
    pub names: SubjectNames,
    /// The port of derived client URLs (etcd's default client port is 2379).
    pub client_port: u16,
    /// Where each member's files will be when etcd reads them; `None` is their absolute path
    /// in the output directory.
    pub cert_dir: Option<PathBuf>,
}

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The cluster's CA.
    Ca,
    /// A member's certificate for client traffic (`--cert-file`).
    Server,
    /// A member's certificate for peer traffic (`--peer-cert-file`).
    Peer,
    /// A client's certificate; its CN is the etcd user name.
    Client,
}

impl Role {
    /// The OU that names the role in the subject, and the ca-config.json profile.
    pub fn unit(self) -> &'static str {
        match self {
            Role::Ca => "ca",
            Role::Server => "server",
            Role::Peer => "peer",
            Role::Client => "client",
        }
    }
}

/// One certificate to have.
#[derive(Clone, Debug)]
pub struct CertPlan {
    /// How messages name it: `CA`, `infra0 server`, `client root`.
    pub label: String,
    /// Its role.
    pub role: Role,
    /// Subject, SANs, key type (and, for the CA, its lifetime).
    pub request: CertRequest,
    /// Where it goes; the first is where it is looked for, the others are copies.
    pub files: Vec<CertFiles>,
    /// Its cfssl request file (`BASE-csr.json`).
    pub request_file: PathBuf,
}

/// One member's etcd settings.
#[derive(Clone, Debug)]
pub struct MemberPlan {
    /// `--name`.
    pub name: String,
    /// `--initial-advertise-peer-urls`.
    pub peer_urls: Vec<String>,
    /// `--listen-peer-urls`.
    pub listen_peer_urls: Vec<String>,
    /// `--advertise-client-urls`.
    pub client_urls: Vec<String>,
    /// `--listen-client-urls`.
    pub listen_client_urls: Vec<String>,
    /// Its environment file.
    pub env_file: PathBuf,
    /// `--cert-file`, as etcd will find it.
    pub cert_file: PathBuf,
    /// `--key-file`.
    pub key_file: PathBuf,
    /// `--peer-cert-file`.
    pub peer_cert_file: PathBuf,
    /// `--peer-key-file`.
    pub peer_key_file: PathBuf,
    /// `--trusted-ca-file` and `--peer-trusted-ca-file`.
    pub trusted_ca_file: PathBuf,
    /// Its server certificate, an index into [`Plan::leaves`].
    pub server: usize,
    /// Its peer certificate, an index into [`Plan::leaves`].
    pub peer: usize,
}

/// The whole PKI to have.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The output directory.
    pub out: PathBuf,
    /// The file layout.
    pub layout: Layout,
    /// The key type of every new key.
    pub key: KeySpec,
    /// `ca-config.json`'s text.
    pub config_text: String,
    /// `ca-config.json`.
    pub config_file: PathBuf,
    /// The policy read from [`Self::config_text`].
    pub policy: Policy,
    /// The CA.
    pub ca: CertPlan,
    /// Server, peer and client certificates.
    pub leaves: Vec<CertPlan>,
    /// The members' settings.
    pub members: Vec<MemberPlan>,
    /// etcd's `--initial-cluster` value for these members.
    pub initial_cluster: String,
    /// etcd's `--discovery-srv`.
    pub discovery_srv: Option<String>,
}

impl Plan {
    /// The profile `cert` is issued under.
    pub fn profile(&self, cert: &CertPlan) -> Profile {
        match cert.role {
            Role::Ca => initca_profile(cert.request.ca.as_ref(), None),
            role => self
                .policy
                .select(role.unit())
                .expect("the generated ca-config.json has server, peer and client profiles")
                .clone(),
        }
    }
}

/// Why the cluster cannot be planned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Two certificates (or a certificate and another file) would share a path.
    #[error(
        "{first} and {second} would both use {path}\n  help: give the client or member another name"
    )]
    Collision {
        /// What the first is.
        first: String,
        /// What the second is.
        second: String,
        /// The path.
        path: String,
    },
    /// A client name is given twice, or is a member's name.
    #[error("client {name:?}: {reason}")]
    Client {
        /// The name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Leaves would outlive their CA.
    #[error(
        "--expiry {expiry} is longer than --ca-expiry {ca_expiry}: the certificates would outlive their CA\n  help: shorten --expiry or lengthen --ca-expiry"
    )]
    OutlivesCa {
        /// The leaves' lifetime.
        expiry: String,
        /// The CA's lifetime.
        ca_expiry: String,
    },
    /// A path that cannot be written into an environment file.
    #[error(
        "{0}: the path is not UTF-8 or has a line break, so it cannot go in an environment file"
    )]
    Path(String),
    /// The output directory has no absolute form (no current directory).
    #[error("{path}: cannot make the path absolute: {source}")]
    Absolute {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Plans the PKI of `spec`.
pub fn plan(spec: &ClusterSpec, options: &PlanOptions) -> Result<Plan, PlanError> {
    if options.expiry > options.ca_expiry {
        return Err(PlanError::OutlivesCa {
            expiry: cfssl_json::duration_text(options.expiry),
            ca_expiry: cfssl_json::duration_text(options.ca_expiry),
        });
    }
    check_clients(spec)?;
    let out = &options.out;
    let planner = Planner {
        options,
        absolute_out: std::path::absolute(out).map_err(|source| PlanError::Absolute {
            path: out.display().to_string(),
            source,
        })?,
    };
    let layout = options.layout;
    let mut plan = Plan {
        out: out.clone(),
        layout,
        key: options.key,
        policy: cfssl_json::policy(options.expiry, options.key),
        config_text: cfssl_json::ca_config_text(options.expiry, options.key),
        config_file: out.join(layout::CONFIG_FILE),
        ca: planner.ca(),
        leaves: Vec::new(),
        members: Vec::new(),
        initial_cluster: initial_cluster(spec),
        discovery_srv: spec.discovery_srv.clone(),
    };
    for member in &spec.members {
        planner.add_member(&mut plan, spec, member)?;
    }
    planner.add_clients(&mut plan, spec);
    check_collisions(&plan)?;
    Ok(plan)
}

/// Client names must differ from each other and from the members' (they name files).
fn check_clients(spec: &ClusterSpec) -> Result<(), PlanError> {
    for (i, name) in spec.clients.iter().enumerate() {
        if spec.clients[..i].contains(name) {
            return Err(PlanError::Client {
                name: name.clone(),
                reason: "is given twice",
            });
        }
        if spec.members.iter().any(|m| &m.name == name) {
            return Err(PlanError::Client {
                name: name.clone(),
                reason: "is also a member's name; their certificate files would collide",
            });
        }
    }
    Ok(())
}

/// The options and the output directory's absolute path, shared by every certificate's plan.
struct Planner<'a> {
    options: &'a PlanOptions,
    absolute_out: PathBuf,
}

impl Planner<'_> {
    /// The CA, as profiles/etcd/ca-csr.json asks for it.
    fn ca(&self) -> CertPlan {
        let (options, layout, out) = (self.options, self.options.layout, &self.options.out);
        CertPlan {
            label: "CA".into(),
            role: Role::Ca,
            request: CertRequest::new(
                "etcd-ca",
                options.names.entries(Role::Ca.unit(), None),
                Vec::new(),
                options.key,
            )
            .with_ca(CaRequest {
                expiry: Some(options.ca_expiry),
                ..CaRequest::default()
            }),
            files: vec![under(out, layout.ca())],
            request_file: out.join(layout::request_file("ca")),
        }
    }

    /// A leaf of `role`, without files yet.
    fn leaf(
        &self,
        role: Role,
        label: String,
        cn: &str,
        hosts: Vec<Host>,
        org: Option<&str>,
    ) -> CertPlan {
        CertPlan {
            label,
            role,
            request: CertRequest::new(
                cn,
                self.options.names.entries(role.unit(), org),
                hosts,
                self.options.key,
            ),
            files: Vec::new(),
            request_file: PathBuf::new(),
        }
    }

    /// A member's server and peer certificates, its layout's own client certificates and CA
    /// copy, and its etcd settings.
    fn add_member(
        &self,
        plan: &mut Plan,
        spec: &ClusterSpec,
        member: &MemberSpec,
    ) -> Result<(), PlanError> {
        let (layout, out) = (self.options.layout, &self.options.out);
        let name = &member.name;
        let client_urls = client_urls(member, self.options.client_port);
        let (server_hosts, peer_hosts) = member_hosts(spec, member, &client_urls);
        let server_files = layout.server(name);
        let peer_files = layout.peer(name);
        let mut server = self.leaf(
            Role::Server,
            format!("{name} server"),
            name,
            server_hosts,
            None,
        );
        server.files.push(under(out, server_files.clone()));
        server.request_file = out.join(layout::request_file(&Layout::request_base(name, false)));
        let mut peer = self.leaf(Role::Peer, format!("{name} peer"), name, peer_hosts, None);
        peer.files.push(under(out, peer_files.clone()));
        peer.request_file = out.join(layout::request_file(&Layout::request_base(name, true)));
        if let Some(copy) = layout.member_ca(name) {
            plan.ca.files.push(under(out, copy));
        }
        let installed = self.installed_paths(name);
        let ca_in_member = layout.member_ca(name).unwrap_or_else(|| layout.ca());
        plan.members.push(MemberPlan {
            name: name.clone(),
            peer_urls: member.peer_urls.iter().map(|u| u.text.clone()).collect(),
            listen_peer_urls: listen_urls(&member.peer_urls),
            client_urls: client_urls.iter().map(|u| u.text.clone()).collect(),
            listen_client_urls: listen_urls(&client_urls),
            env_file: out.join(layout::env_file(name)),
            cert_file: installed(&server_files.cert)?,
            key_file: installed(&server_files.key)?,
            peer_cert_file: installed(&peer_files.cert)?,
            peer_key_file: installed(&peer_files.key)?,
            trusted_ca_file: installed(&ca_in_member.cert)?,
            server: plan.leaves.len(),
            peer: plan.leaves.len() + 1,
        });
        plan.leaves.push(server);
        plan.leaves.push(peer);
        let member_dir = layout.member_dir(name);
        for client in layout.member_clients(name) {
            let mut cert = self.leaf(
                Role::Client,
                format!("{name} client {}", client.common_name),
                &client.common_name,
                Vec::new(),
                Some(MASTERS_GROUP),
            );
            cert.files
                .push(under(out, layout.files(&member_dir, client.base)));
            cert.request_file = out.join(layout::request_file(&client.request_base));
            plan.leaves.push(cert);
        }
        Ok(())
    }

    /// Where etcd will find a member's file: under `--cert-dir`, or its absolute path; a path
    /// an env file cannot hold (a line break) is refused.
    fn installed_paths(&self, name: &str) -> impl Fn(&Path) -> Result<PathBuf, PlanError> {
        let member_dir = self.options.layout.member_dir(name);
        let root = match &self.options.cert_dir {
            Some(dir) => dir.clone(),
            None => self.absolute_out.join(&member_dir),
        };
        move |path: &Path| {
            let relative = path.strip_prefix(&member_dir).unwrap_or(path);
            let full = root.join(relative);
            match full.to_str() {
                Some(s) if !s.contains(['\n', '\r']) => Ok(full),
                _ => Err(PlanError::Path(full.display().to_string())),
            }
        }
    }

    /// The layout's client certificates every member shares, then `--client` ones.
    fn add_clients(&self, plan: &mut Plan, spec: &ClusterSpec) {
        let (layout, out) = (self.options.layout, &self.options.out);
        for client in layout.shared_clients() {
            let mut cert = self.leaf(
                Role::Client,
                format!("client {}", client.common_name),
                &client.common_name,
                Vec::new(),
                Some(MASTERS_GROUP),
            );
            for member in &spec.members {
                let dir = layout.member_dir(&member.name);
                cert.files.push(under(out, layout.files(&dir, client.base)));
            }
            cert.request_file = out.join(layout::request_file(&client.request_base));
            plan.leaves.push(cert);
        }
        for name in &spec.clients {
            let mut cert = self.leaf(
                Role::Client,
                format!("client {name}"),
                name,
                Vec::new(),
                None,
            );
            cert.files.push(under(out, layout.client(name)));
            cert.request_file = out.join(layout::request_file(name));
            plan.leaves.push(cert);
        }
    }
}

/// `CertFiles` relative to the output directory, made relative to the working directory.
fn under(out: &Path, files: CertFiles) -> CertFiles {
    CertFiles {
        cert: out.join(files.cert),
        key: out.join(files.key),
        csr: files.csr.map(|c| out.join(c)),
    }
}

/// `name=url,…` over every member's peer URLs, in order.
fn initial_cluster(spec: &ClusterSpec) -> String {
    spec.members
        .iter()
        .flat_map(|m| {
            m.peer_urls
                .iter()
                .map(move |u| format!("{}={}", m.name, u.text))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The member's client URLs: as given, else one per peer URL host on the client port.
fn client_urls(member: &MemberSpec, port: u16) -> Vec<MemberUrl> {
    if !member.client_urls.is_empty() {
        return member.client_urls.clone();
    }
    let mut out: Vec<MemberUrl> = Vec::new();
    for url in &member.peer_urls {
        let derived = MemberUrl::https(&url.host, port);
        if !out.contains(&derived) {
            out.push(derived);
        }
    }
    out
}

/// What etcd binds for advertised URLs: the URL itself for an IP or `localhost`, else every
/// interface on its port, because etcd 3.4 binds only IPs and `localhost` (embed/config.go
/// `checkBindURLs`: "expected IP in URL for binding"). Go's `0.0.0.0` listens on IPv6 too.
fn listen_urls(urls: &[MemberUrl]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for url in urls {
        let text = match &url.host {
            Host::Dns(name) if !name.eq_ignore_ascii_case("localhost") => {
                format!("https://0.0.0.0:{}", url.port)
            }
            _ => url.text.clone(),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// The server and peer SANs of `member` (see the module header).
fn member_hosts(
    spec: &ClusterSpec,
    member: &MemberSpec,
    client_urls: &[MemberUrl],
) -> (Vec<Host>, Vec<Host>) {
    let peer_url_hosts: Vec<Host> = member.peer_urls.iter().map(|u| u.host.clone()).collect();
    let srv: Vec<Host> = spec.discovery_srv.iter().cloned().map(Host::Dns).collect();
    let loopback = [
        Host::Dns("localhost".into()),
        Host::Ip([127, 0, 0, 1].into()),
        Host::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    let mut server = Vec::new();
    for h in peer_url_hosts
        .iter()
        .chain(client_urls.iter().map(|u| &u.host))
        .chain(&member.hosts)
        .chain(&member.server_hosts)
        .chain(&loopback)
        .chain(&srv)
        .chain(&spec.server_hosts)
    {
        push_unique(&mut server, h);
    }
    let mut peer = Vec::new();
    for h in peer_url_hosts
        .iter()
        .chain(&loopback_source(&peer_url_hosts))
        .chain(&member.hosts)
        .chain(&member.peer_hosts)
        .chain(&srv)
        .chain(&spec.peer_hosts)
    {
        push_unique(&mut peer, h);
    }
    (server, peer)
}

/// The address a member on 127.0.0.0/8 dials its peers from: 127.0.0.1. etcd's peer dialer
/// does not bind a source address (etcd 3.4 pkg/transport/timeout_transport.go,
/// `NewTimeoutTransport`: a `net.Dialer` without `LocalAddr`), so Linux picks it from the
/// route to the peer, and its `local 127.0.0.0/8 dev lo … src 127.0.0.1` route (`ip route
/// show table local`) says 127.0.0.1 for every loopback peer. The peer that accepts checks
/// that source address against the dialer's IP SANs (etcd 3.4 pkg/transport/listener_tls.go,
/// `checkSAN`/`checkCertSAN`), and refuses a certificate without it ("rejected connection").
fn loopback_source(peer_url_hosts: &[Host]) -> Option<Host> {
    peer_url_hosts
        .iter()
        .any(|h| matches!(h, Host::Ip(std::net::IpAddr::V4(ip)) if ip.is_loopback()))
        .then(|| Host::Ip(std::net::Ipv4Addr::LOCALHOST.into()))
}

/// Adds `host` unless it is there (DNS names compare without case, as DNS does).
fn push_unique(hosts: &mut Vec<Host>, host: &Host) {
    let same = |h: &Host| match (h, host) {
        (Host::Dns(a), Host::Dns(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    };
    if !hosts.iter().any(same) {
        hosts.push(host.clone());
    }
}

/// Fails when two files of the plan have one path, or one's path is inside the other's.
fn check_collisions(plan: &Plan) -> Result<(), PlanError> {
    let mut owned: Vec<(&Path, String)> = Vec::new();
    owned.push((&plan.config_file, "ca-config.json".into()));
    for cert in std::iter::once(&plan.ca).chain(&plan.leaves) {
        for files in &cert.files {
            for p in files.paths() {
                owned.push((p, cert.label.clone()));
            }
        }
        owned.push((&cert.request_file, format!("{}'s request", cert.label)));
    }
    for m in &plan.members {
        owned.push((&m.env_file, format!("{}'s environment file", m.name)));
    }
    for (i, (a, first)) in owned.iter().enumerate() {
        for (b, second) in &owned[i + 1..] {
            let (inner, outer) = if a.components().count() >= b.components().count() {
                (a, b)
            } else {
                (b, a)
            };
            if inner.starts_with(outer) {
                return Err(PlanError::Collision {
                    first: first.clone(),
                    second: second.clone(),
                    path: outer.display().to_string(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(layout: Layout) -> PlanOptions {
        PlanOptions {
            out: PathBuf::from("pki"),
            layout,
            key: KeySpec::default(),
            expiry: GoDuration::from_hours(8760),
            ca_expiry: GoDuration::from_hours(87600),
            names: SubjectNames::default(),
            client_port: 2379,
            cert_dir: None,
        }
    }

    fn spec(value: &str) -> ClusterSpec {
        ClusterSpec::from_initial_cluster(value).expect("valid")
    }

    fn hosts(cert: &CertPlan) -> Vec<String> {
        cert.request.hosts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn server_and_peer_sans_follow_etcds_needs() {
        let mut s = spec("infra0=https://10.0.1.10:2380,infra1=https://infra1.example.com:2380");
        s.discovery_srv = Some("example.com".into());
        s.peer_hosts.push(Host::Dns("peers.example.com".into()));
        let p = plan(&s, &options(Layout::Cfssl)).expect("plan");
        assert_eq!(
            hosts(&p.leaves[0]),
            ["10.0.1.10", "localhost", "127.0.0.1", "::1", "example.com"]
        );
        assert_eq!(
            hosts(&p.leaves[1]),
            ["10.0.1.10", "example.com", "peers.example.com"]
        );
        assert_eq!(
            hosts(&p.leaves[3]),
            ["infra1.example.com", "example.com", "peers.example.com"]
        );
        assert_eq!(p.members[1].listen_peer_urls, ["https://0.0.0.0:2380"]);
        assert_eq!(
            p.members[1].client_urls,
            ["https://infra1.example.com:2379"]
        );
        assert_eq!(
            p.initial_cluster,
            "infra0=https://10.0.1.10:2380,infra1=https://infra1.example.com:2380"
        );
    }

    #[test]
    fn loopback_members_peer_certificates_carry_the_address_they_dial_from() {
        let s =
            spec("m1=https://127.0.0.1:2380,m2=https://127.0.0.2:2380,m3=https://10.0.0.3:2380");
        let p = plan(&s, &options(Layout::Cfssl)).expect("plan");
        assert_eq!(
            hosts(&p.leaves[1]),
            ["127.0.0.1"],
            "m1 dials from its own address"
        );
        assert_eq!(hosts(&p.leaves[3]), ["127.0.0.2", "127.0.0.1"]);
        assert_eq!(
            hosts(&p.leaves[5]),
            ["10.0.0.3"],
            "not on loopback: unchanged"
        );
        let s = spec("m1=https://[::1]:2380,m2=https://localhost:2381");
        let p = plan(&s, &options(Layout::Cfssl)).expect("plan");
        assert_eq!(
            hosts(&p.leaves[1]),
            ["::1"],
            "::1 is IPv6's only loopback address"
        );
        assert_eq!(hosts(&p.leaves[3]), ["localhost"]);
    }

    #[test]
    fn every_certificate_has_its_own_subject() {
        let mut s = spec("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380");
        s.clients.push("root".into());
        for layout in [Layout::Cfssl, Layout::Etcdadm, Layout::Kubeadm] {
            let p = plan(&s, &options(layout)).expect("plan");
            let subjects: Vec<Vec<u8>> = std::iter::once(&p.ca)
                .chain(&p.leaves)
                .map(|c| c.request.subject().to_der())
                .collect();
            for (i, s) in subjects.iter().enumerate() {
                assert!(
                    !subjects[..i].contains(s),
                    "{layout:?}: subject {i} repeats"
                );
            }
        }
    }

    #[test]
    fn layouts_put_member_files_in_member_directories() {
        let s = spec("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380");
        let p = plan(&s, &options(Layout::Kubeadm)).expect("plan");
        assert_eq!(p.ca.files.len(), 3, "the CA and one copy per member");
        let shared = p
            .leaves
            .iter()
            .find(|c| c.request.common_name == "kube-apiserver-etcd-client")
            .expect("apiserver client");
        assert_eq!(
            shared.files[1].cert,
            Path::new("pki/b/apiserver-etcd-client.crt")
        );
        let m = &p.members[0];
        assert!(m.cert_file.is_absolute());
        assert!(m.cert_file.ends_with("pki/a/etcd/server.crt"), "{m:?}");
        assert!(m.trusted_ca_file.ends_with("pki/a/etcd/ca.crt"));
        let mut o = options(Layout::Etcdadm);
        o.cert_dir = Some(PathBuf::from("/etc/etcd/pki"));
        let p = plan(&s, &o).expect("plan");
        assert_eq!(
            p.members[1].peer_key_file,
            Path::new("/etc/etcd/pki/peer.key")
        );
        assert_eq!(p.leaves[2].request.common_name, "a-etcdctl");
    }

    #[test]
    fn colliding_names_are_refused() {
        let mut s = spec("a=https://10.0.0.1:2380");
        s.clients.push("a-peer".into());
        let e = plan(&s, &options(Layout::Cfssl)).expect_err("collision");
        assert_eq!(
            e.to_string().lines().next(),
            Some("a peer and client a-peer would both use pki/a-peer.pem")
        );
        let s = spec("ca=https://10.0.0.1:2380");
        assert!(plan(&s, &options(Layout::Cfssl)).is_err());
        let s = spec("ca.crt=https://10.0.0.1:2380");
        let e = plan(&s, &options(Layout::Etcdadm)).expect_err("dir over file");
        assert!(e.to_string().contains("pki/ca.crt"), "{e}");
        let mut o = options(Layout::Cfssl);
        o.expiry = GoDuration::from_hours(100_000);
        assert!(matches!(
            plan(&spec("a=https://10.0.0.1:2380"), &o),
            Err(PlanError::OutlivesCa { .. })
        ));
    }
}

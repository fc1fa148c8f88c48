//! Rules about who may connect, judged from the certificates that will connect (issue #15,
//! point 4): `client-allowed-names` (a member's `--client-cert-allowed-hostname`, and 3.5.14+'s
//! YAML `allowed-cn`, against every client certificate), `peer-client-san` (the SAN check a
//! member runs on the peers that dial it, off with `--experimental-peer-skip-client-san-
//! verification` / 3.6's `--peer-skip-client-san-verification`) and `grpc-proxy-cn` (the
//! grpc-proxy's client certificate must have no CN). `peer-allowed-names` is in
//! [`super::settings_rules`].
//!
//! Takes the [`Inventory`], each certificate's roles, the members' configurations with their
//! [`MemberTls`] files, the members and the grpc-proxy units; returns findings located at the
//! setting's line. What etcd does is cited at each rule from its source.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;

use super::context::{GrpcProxyTls, Member, MemberTls, Roles};
use super::inventory::{CertEntry, Inventory};
use super::pki_rules::canonical;
use super::report::Finding;
use super::rule;
use crate::etcd::EtcdConfig;
use crate::request::sans_cover;

/// The flag name lint keeps `client-transport-security.allowed-cn` under (etcd has no flag).
const CLIENT_ALLOWED_CN: &str = "client-cert-allowed-cn";

fn first_cert<'a>(inv: &'a Inventory, path: &PathBuf) -> Option<&'a CertEntry> {
    inv.certs
        .iter()
        .find(|c| c.index == 0 && canonical(&c.file) == *path)
}

/// `client-allowed-names`: pkg/transport/listener.go `baseConfig` (3.4; client/pkg/transport
/// of 3.5/3.6) gives the client port's TLS config a `VerifyPeerCertificate` that admits a
/// client certificate only if its CN equals an allowed CN, or Go's `VerifyHostname` accepts an
/// allowed hostname against its SANs; any other client is refused with "client certificate
/// authentication failed". The certificates judged are every client certificate among the
/// files (etcdctl's, the API server's, a grpc-proxy's) and 3.5's `client-cert-file`; the
/// certificates members dial their peers with are not clients of this port.
pub fn client_allowed_names(
    inv: &Inventory,
    roles: &[Roles],
    configs: &[EtcdConfig],
    tls: &[MemberTls],
) -> Vec<Finding> {
    let peer_identities: HashSet<&PathBuf> = tls
        .iter()
        .filter_map(|m| m.peer_client_identity.as_ref())
        .map(|f| &f.path)
        .collect();
    let clients: Vec<&CertEntry> = inv
        .certs
        .iter()
        .zip(roles)
        .filter(|(c, r)| c.index == 0 && r.client && !c.is_ca())
        .filter(|(c, _)| !peer_identities.contains(&canonical(&c.file)))
        .map(|(c, _)| c)
        .collect();
    let mut out = Vec::new();
    for (cfg, member) in configs.iter().zip(tls) {
        let (cns, hosts) = (
            &cfg.client_cert_allowed_cn,
            &cfg.client_cert_allowed_hostname,
        );
        let at = |rule: rule::Rule, setting: &str, message: String| {
            Finding::new(rule, vec![member.source.clone()], message).at_line(cfg.line_of(setting))
        };
        if !cns.is_empty() && !hosts.is_empty() {
            out.push(at(
                rule::ETCD_CONFIG_INVALID,
                "client-cert-allowed-hostname",
                "allowed-cn and client-cert-allowed-hostname together: etcd stops (\"AllowedCN and AllowedHostname are mutually exclusive\"). Keep one".into(),
            ));
            continue;
        }
        if cns.is_empty() && hosts.is_empty() {
            continue;
        }
        for cert in &clients {
            let (setting, what) = if cns.is_empty() {
                if hosts.iter().any(|h| sans_cover(&cert.hosts, h)) {
                    continue;
                }
                (
                    "client-cert-allowed-hostname",
                    format!("no SAN matching {hosts:?} (Go ignores the CN here)"),
                )
            } else {
                let cn = cert.common_name.clone().unwrap_or_default();
                if cns.contains(&cn) {
                    continue;
                }
                (CLIENT_ALLOWED_CN, format!("CN {cn:?}, not one of {cns:?}"))
            };
            out.push(at(
                rule::CLIENT_ALLOWED_NAMES,
                setting,
                format!(
                    "the client certificate {} has {what}: member {} refuses it with \"client certificate authentication failed\" (in its log; the client sees \"remote error: tls: bad certificate\"). Issue the client certificate with an admitted name (cfssl: add it to \"hosts\"), or admit its name (a list needs etcd 3.5.15+; 3.4 takes one value)",
                    cert.label, member.member
                ),
            ));
        }
    }
    out
}

/// `peer-client-san`: pkg/transport/listener_tls.go `checkSAN` (3.4; client/pkg/transport of
/// 3.5/3.6) runs on every connection a member's peer port accepts with a client certificate:
/// a certificate with SANs must have one for the address the peer dials from (an IP SAN, or a
/// DNS SAN that resolves to it), or the connection is dropped with Go's "x509: certificate is
/// valid for …" or "tls: "10.0.1.11" does not match any of DNSNames […]". `wrapTLS` skips the
/// check when the accepting member sets `--experimental-peer-skip-client-san-verification`
/// (3.4-3.6) or `--peer-skip-client-san-verification` (3.6). A member's `peer-cert-file` also
/// serves, so its SANs are judged by `san-missing-member`; this rule judges 3.5's
/// `peer-client-cert-file`, which only dials.
pub fn peer_client_san(
    inv: &Inventory,
    configs: &[EtcdConfig],
    tls: &[MemberTls],
    members: &[Member],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (cfg, dialer) in configs.iter().zip(tls) {
        let Some(identity) = &dialer.peer_client_identity else {
            continue;
        };
        let Some(cert) = first_cert(inv, &identity.path) else {
            continue;
        };
        let Some(member) = members.iter().find(|m| m.name == dialer.member) else {
            continue;
        };
        // From a host name, the source address is whatever it resolves to: not judged here.
        let ips: Vec<&String> = member
            .peer_hosts
            .iter()
            .filter(|h| h.parse::<IpAddr>().is_ok())
            .collect();
        if cert.hosts.is_empty()
            || ips.is_empty()
            || ips.iter().any(|ip| sans_cover(&cert.hosts, ip))
        {
            continue;
        }
        let checkers: Vec<&str> = configs
            .iter()
            .zip(tls)
            .filter(|(c, m)| {
                m.member != dialer.member
                    && c.peer_client_cert_auth
                    && !c.peer_skip_client_san_verification
            })
            .map(|(_, m)| m.member.as_str())
            .collect();
        if checkers.is_empty() {
            continue;
        }
        out.push(
            Finding::new(
                rule::PEER_CLIENT_SAN,
                vec![dialer.source.clone(), cert.label.clone()],
                format!(
                    "member {}'s peer-client-cert-file {} has SANs but none for {}, the address it dials its peers from: the members that accept it ({}) check the SANs of the peers that dial in and drop the connection (\"x509: certificate is valid for …, not {}\"). Add the member's peer address to the certificate's hosts, issue it without SANs, or set --experimental-peer-skip-client-san-verification (3.6: --peer-skip-client-san-verification) on the members that accept it",
                    dialer.member,
                    cert.label,
                    ips[0],
                    checkers.join(", "),
                    ips[0],
                ),
            )
            .at_line(cfg.line_of("peer-client-cert-file")),
        );
    }
    out
}

/// `grpc-proxy-cn`: `etcd grpc-proxy start` builds its client TLS config with
/// `TLSInfo{EmptyCN: true}` (etcdmain/grpc_proxy.go `newTLS` of 3.4; server/etcdmain of
/// 3.5/3.6), and `TLSInfo.ClientConfig` (pkg/transport/listener.go; client/pkg/transport of
/// 3.5/3.6) then refuses a `--cert` with a Common Name: the proxy prints "cert has non empty
/// Common Name (CN)" (3.5 and 3.6 add ": FILE") and exits 1. The reason (etcd's authentication
/// guide): with client certificate auth, etcd takes a certificate's CN as the user, and every
/// request the proxy forwards would be that user's.
pub fn grpc_proxy_cn(inv: &Inventory, proxies: &[GrpcProxyTls]) -> Vec<Finding> {
    let mut out = Vec::new();
    for proxy in proxies {
        let Some(named) = &proxy.cert else { continue };
        let Some(cert) = first_cert(inv, &named.path) else {
            continue;
        };
        let Some(cn) = cert.common_name.as_deref().filter(|cn| !cn.is_empty()) else {
            continue;
        };
        out.push(
            Finding::new(
                rule::GRPC_PROXY_CN,
                vec![proxy.source.clone(), cert.label.clone()],
                format!(
                    "the grpc-proxy's --cert {} has the Common Name {cn:?}: etcd grpc-proxy refuses to start, saying \"cert has non empty Common Name ({cn})\", because etcd would take every request it forwards as the user {cn:?}. Issue the proxy's client certificate with an empty CN (\"CN\": \"\") and its host in \"hosts\"",
                    cert.label
                ),
            )
            .at_line(named.line),
        );
    }
    out
}

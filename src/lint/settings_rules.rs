//! Rules about a member's TLS settings against its certificates (issue #15, point 4):
//! `http-url-with-tls`, `loopback-san`, `metrics-https`, `peer-allowed-names`, `cipher-suites`
//! and `tls-version`.
//!
//! Takes the members' configurations ([`EtcdConfig`], with their [`MemberTls`] files) and the
//! [`Inventory`]; returns findings located at the setting's line. What etcd does with each
//! setting is cited at each rule from etcd's source (`embed/etcd.go`, `pkg/transport/
//! listener.go`, `pkg/tlsutil/cipher_suites.go` of 3.4; `server/embed/config.go` of 3.5/3.6).

use std::net::IpAddr;
use std::path::PathBuf;

use super::context::{MemberTls, NamedFile};
use super::inventory::{CertEntry, Inventory, KeyKind};
use super::pki_rules::canonical;
use super::report::Finding;
use super::rule::{self, Level};
use crate::diag::{quote, quoted_list};
use crate::etcd::{EtcdConfig, Release, url_host};
use crate::request::sans_cover;

/// Every rule of this module over every configured member.
pub fn check(inv: &Inventory, configs: &[EtcdConfig], tls: &[MemberTls]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (cfg, member) in configs.iter().zip(tls) {
        let cert = |file: &Option<NamedFile>| file.as_ref().and_then(|f| first_cert(inv, &f.path));
        let source = member.source.clone();
        let at = |rule: rule::Rule, setting: &str, message: String| {
            Finding::new(rule, vec![source.clone()], message).at_line(cfg.line_of(setting))
        };
        out.extend(http_urls(cfg, &at));
        if let Some(server) = cert(&member.server) {
            out.extend(loopback(cfg, server, &at));
            out.extend(ciphers(cfg, server, "cert-file", &at));
        }
        if let Some(peer) = cert(&member.peer) {
            out.extend(ciphers(cfg, peer, "peer-cert-file", &at));
        }
        out.extend(metrics(cfg, &at));
        out.extend(versions(cfg, &at));
        out.extend(allowed_names(inv, cfg, tls, &at));
    }
    out
}

fn first_cert<'a>(inv: &'a Inventory, path: &PathBuf) -> Option<&'a CertEntry> {
    inv.certs
        .iter()
        .find(|c| c.index == 0 && canonical(&c.file) == *path)
}

/// `http-url-with-tls`: embed/etcd.go (3.4-3.6) `configurePeerListeners` and
/// `configureClientListeners` serve an `http://` URL without TLS even when cert files are given,
/// logging only "scheme is HTTP while key and cert files are present; ignoring key and cert
/// files" and skipping client certificate auth on it.
fn http_urls(cfg: &EtcdConfig, at: &dyn Fn(rule::Rule, &str, String) -> Finding) -> Vec<Finding> {
    let mut out = Vec::new();
    let client_tls = cfg.cert_file.is_some() || cfg.auto_tls;
    let peer_tls = cfg.peer_cert_file.is_some() || cfg.peer_auto_tls;
    for (setting, urls, tls, files) in [
        (
            "listen-client-urls",
            &cfg.listen_client_urls,
            client_tls,
            "cert-file",
        ),
        (
            "listen-peer-urls",
            &cfg.listen_peer_urls,
            peer_tls,
            "peer-cert-file",
        ),
    ] {
        for url in urls.iter().filter(|u| tls && u.starts_with("http://")) {
            out.push(at(
                rule::HTTP_URL_WITH_TLS,
                setting,
                format!(
                    "{setting} has {url} next to {files}: etcd serves it without TLS and without client certificate auth, logging only that the URL \"is HTTP while peer key/cert files are presented. Ignored key/cert files.\" (3.4's default logger; with --logger=zap \"scheme is HTTP while key and cert files are present; ignoring key and cert files\"). Write https://"
                ),
            ));
        }
    }
    out
}

/// Whether a listen URL's host includes the loopback interface (127.0.0.0/8, ::1, localhost,
/// or a wildcard address).
fn on_loopback(url: &str) -> bool {
    match url_host(url).as_deref() {
        Some("localhost") => true,
        Some(host) => host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified()),
        None => false,
    }
}

/// `loopback-san`: a member that listens on loopback is checked there by local tools
/// (`etcdctl --endpoints https://127.0.0.1:2379`, kubelet probes, the gateway on older
/// releases); they verify the server certificate against the loopback host.
fn loopback(
    cfg: &EtcdConfig,
    server: &CertEntry,
    at: &dyn Fn(rule::Rule, &str, String) -> Finding,
) -> Option<Finding> {
    if !cfg
        .listen_client_urls
        .iter()
        .any(|u| u.starts_with("https://") && on_loopback(u))
    {
        return None;
    }
    if ["127.0.0.1", "localhost", "::1"]
        .iter()
        .any(|h| sans_cover(&server.hosts, h))
    {
        return None;
    }
    let finding = at(
        rule::LOOPBACK_SAN,
        "listen-client-urls",
        format!(
            "the member listens on loopback, but its cert-file {} has neither 127.0.0.1 nor localhost: local health checks and etcdctl --endpoints https://127.0.0.1:2379 fail with \"x509: certificate is valid for …, not 127.0.0.1\". Add 127.0.0.1 and localhost to the server certificate's hosts",
            server.label
        ),
    )
    .at(Level::Warning);
    Some(finding)
}

/// `metrics-https`: embed/etcd.go `serveMetrics` serves an `https://` metrics URL with the
/// client TLS settings, so with client certificate auth a scraper needs a client certificate
/// (observed with 3.4.23: `tls: client didn't provide a certificate`).
fn metrics(cfg: &EtcdConfig, at: &dyn Fn(rule::Rule, &str, String) -> Finding) -> Option<Finding> {
    let auth = cfg.client_cert_auth || cfg.trusted_ca_file.is_some();
    let url = cfg
        .listen_metrics_urls
        .iter()
        .find(|u| u.starts_with("https://"))?;
    if !auth {
        return None;
    }
    Some(at(
        rule::METRICS_HTTPS,
        "listen-metrics-urls",
        format!(
            "listen-metrics-urls has {url}, which etcd serves with the client port's TLS and client certificate auth: Prometheus and other scrapers need a client certificate from the trusted-ca-file's CA, or fail with \"tls: client didn't provide a certificate\". Give the scraper one (etcdpki cluster --client prometheus), or serve metrics on an http:// URL bound to a private address"
        ),
    )
    .at(Level::Warning))
}

/// The cipher suite names every etcd release reads: the table of etcd 3.4.0-3.4.21
/// (pkg/tlsutil/cipher_suites.go `cipherSuites` of v3.4.21), whose names are also Go's.
const SUITES_3_4_0: [&str; 22] = [
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
];

/// The names etcd reads only from 3.4.22, 3.5.0 and 3.6.0 on, when `GetCipherSuite` took every
/// name of Go's `tls.CipherSuites()` and `tls.InsecureCipherSuites()` (pkg/tlsutil of v3.4.22,
/// client/pkg/tlsutil of v3.5.0): the TLS 1.3 suites and Go's `…_SHA256` ChaCha20 names.
const SUITES_FROM_3_4_22: [&str; 5] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// A cipher suite name etcd reads, by the key type it needs (TLS 1.3 suites need none and are
/// not configurable in Go); `None` for a name no release reads.
fn suite_key(name: &str) -> Option<SuiteKey> {
    if !SUITES_3_4_0.contains(&name) && !SUITES_FROM_3_4_22.contains(&name) {
        return None;
    }
    if name.starts_with("TLS_AES_") || name.starts_with("TLS_CHACHA20_") {
        return Some(SuiteKey::Tls13);
    }
    if name.starts_with("TLS_ECDHE_ECDSA_") {
        return Some(SuiteKey::Ecdsa);
    }
    Some(SuiteKey::Rsa)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SuiteKey {
    Ecdsa,
    Rsa,
    Tls13,
}

/// The AES-128-GCM suites Go's HTTP/2 server requires (golang.org/x/net/http2
/// `ConfigureServer`; etcd #10652).
const HTTP2_SUITES: [&str; 2] = [
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
];

/// `cipher-suites`: under TLS 1.2 a suite serves only its key type, so a list without a suite
/// for the certificate's key fails every TLS 1.2 client with "tls: no cipher suite supported by
/// both client and server" (observed with 3.4.23; TLS 1.3 clients still work, and 3.5.0-3.5.7
/// capped every connection at TLS 1.2); an unknown name stops etcd.
fn ciphers(
    cfg: &EtcdConfig,
    cert: &CertEntry,
    setting: &str,
    at: &dyn Fn(rule::Rule, &str, String) -> Finding,
) -> Vec<Finding> {
    let (mut out, release) = (Vec::new(), cfg.release);
    if cfg.cipher_suites.is_empty() {
        return out;
    }
    let finding = |message: String| at(rule::CIPHER_SUITES, "cipher-suites", message);
    let unknown: Vec<&String> = cfg
        .cipher_suites
        .iter()
        .filter(|s| suite_key(s).is_none())
        .collect();
    if !unknown.is_empty() && setting == "cert-file" {
        out.push(finding(format!(
            "cipher-suites names {}, which Go does not have: etcd stops with \"unexpected TLS cipher suite\". Use Go's names, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            quoted_list(unknown.iter().map(|s| s.as_str()))
        )));
    }
    let newer: Vec<&String> = cfg
        .cipher_suites
        .iter()
        .filter(|s| SUITES_FROM_3_4_22.contains(&s.as_str()))
        .collect();
    if !newer.is_empty() && setting == "cert-file" && release.is_none_or(|r| r == Release::V3_4) {
        out.push(
            at(
                rule::ETCD_VERSION_SPECIFIC,
                "cipher-suites",
                format!(
                    "cipher-suites names {}, which etcd 3.4 before 3.4.22 does not know: it stops with \"unexpected TLS cipher suite\" (only etcd 3.4.22+, 3.5 and 3.6 take every Go name). Use the names of etcd 3.4.0's table (TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305), or drop TLS 1.3 suites, which Go does not let a list choose",
                    quoted_list(newer.iter().map(|s| s.as_str()))
                ),
            )
            .at(Level::Warning),
        );
    }
    let need = match cert.key_kind {
        KeyKind::Rsa(_) => SuiteKey::Rsa,
        KeyKind::Ec(_) | KeyKind::Ed25519 => SuiteKey::Ecdsa,
        KeyKind::Other(_) => return out,
    };
    if !cfg.cipher_suites.iter().any(|s| suite_key(s) == Some(need)) {
        out.push(no_suite_for_key(cfg, cert, setting, need, at));
    }
    if setting == "cert-file"
        && !cfg
            .cipher_suites
            .iter()
            .any(|s| HTTP2_SUITES.contains(&s.as_str()))
    {
        out.push(finding(
            "cipher-suites has no TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: Go's HTTP/2 server, which serves etcd's gRPC, refuses the list (\"http2: TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 cipher\", etcd #10652). Add the one for your key".into(),
        ));
    }
    out
}

/// The `cipher-suites` finding of a list without a suite for the certificate's key type. Under
/// TLS 1.3 Go ignores the list, so who fails depends on the release: etcd 3.5.0-3.5.7 cap every
/// connection at TLS 1.2 (client/pkg/transport/listener.go `ServerConfig`/`ClientConfig`:
/// `cfg.MaxVersion = tls.VersionTLS12`), as does `tls-max-version TLS1.2`; there every client
/// and peer fails (an error). etcd 3.4 and 3.6 (and 3.5.8+) let Go negotiate TLS 1.3, so only
/// clients limited to TLS 1.2 fail (a warning; observed with 3.4.23 and `openssl s_client
/// -tls1_2`).
fn no_suite_for_key(
    cfg: &EtcdConfig,
    cert: &CertEntry,
    setting: &str,
    need: SuiteKey,
    at: &dyn Fn(rule::Rule, &str, String) -> Finding,
) -> Finding {
    let (kind, suite) = match need {
        SuiteKey::Rsa => ("RSA", "RSA"),
        _ => ("ECDSA (and Ed25519)", "ECDSA"),
    };
    let capped_by_flag = cfg.tls_max_version.as_deref() == Some("TLS1.2");
    let release = cfg.release;
    let who = if capped_by_flag {
        "with tls-max-version TLS1.2, every client and peer fails".to_owned()
    } else if release == Some(Release::V3_5) {
        "etcd 3.5.0-3.5.7 cap every connection at TLS 1.2, so there every client and peer fails; from 3.5.8, TLS 1.2 clients fail".to_owned()
    } else if release.is_none() {
        "every TLS 1.2 client fails, and on etcd 3.5.0-3.5.7, which cap every connection at TLS 1.2, every client and peer".to_owned()
    } else {
        format!(
            "every TLS 1.2 client fails (etcd {} lets Go negotiate TLS 1.3, which ignores the list)",
            release.map_or("", Release::as_str)
        )
    };
    let finding = at(
        rule::CIPHER_SUITES,
        "cipher-suites",
        format!(
            "cipher-suites has no suite for {}'s {kind} key ({setting}): {who} with \"tls: no cipher suite supported by both client and server\". Add TLS_ECDHE_{suite}_WITH_AES_128_GCM_SHA256",
            cert.label
        ),
    );
    match capped_by_flag || release.is_none_or(|r| r == Release::V3_5) {
        true => finding,
        false => finding.at(Level::Warning),
    }
}

/// `tls-version`: `tls-min-version`/`tls-max-version` take `TLS1.2` or `TLS1.3` (3.4.25+,
/// 3.5.8+; client/pkg/tlsutil/versions.go `GetTLSVersion`: "unexpected TLS version"); min above
/// max, or cipher suites with TLS 1.3 only, stop etcd (server/embed/config.go `Validate` of
/// v3.6.14: "min version (…) is greater than max version (…)", "cipher suites cannot be
/// configured when only TLS1.3 is enabled").
fn versions(cfg: &EtcdConfig, at: &dyn Fn(rule::Rule, &str, String) -> Finding) -> Vec<Finding> {
    let mut out = Vec::new();
    let rank = |v: &str| match v {
        "TLS1.2" => Some(2),
        "TLS1.3" => Some(3),
        _ => None,
    };
    for (setting, value) in [
        ("tls-min-version", &cfg.tls_min_version),
        ("tls-max-version", &cfg.tls_max_version),
    ] {
        if let Some(v) = value.as_deref().filter(|v| rank(v).is_none()) {
            out.push(at(
                rule::TLS_VERSION,
                setting,
                format!("{setting} is {v:?}; etcd takes \"TLS1.2\" or \"TLS1.3\" and stops at anything else (\"unexpected TLS version\")"),
            ));
        }
    }
    let min = cfg.tls_min_version.as_deref().and_then(rank);
    let max = cfg.tls_max_version.as_deref().and_then(rank);
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        out.push(at(
            rule::TLS_VERSION,
            "tls-max-version",
            format!(
                "tls-min-version is above tls-max-version: etcd stops (\"min version ({}) is greater than max version ({})\")",
                cfg.tls_min_version.as_deref().unwrap_or_default(),
                cfg.tls_max_version.as_deref().unwrap_or_default()
            ),
        ));
    }
    if min == Some(3) && !cfg.cipher_suites.is_empty() {
        out.push(at(
            rule::TLS_VERSION,
            "cipher-suites",
            "cipher-suites with tls-min-version TLS1.3: etcd stops (\"cipher suites cannot be configured when only TLS1.3 is enabled\"); TLS 1.3 suites are not configurable in Go. Drop cipher-suites".into(),
        ));
    }
    out
}

/// `peer-allowed-names`: listener.go `baseConfig` sets `VerifyPeerCertificate` from
/// `--peer-cert-allowed-cn` (exact CN) or `--peer-cert-allowed-hostname` (Go
/// `VerifyHostname` against the SANs), for the connections a member accepts and dials: every
/// member's peer certificate must pass, or etcd says "client certificate authentication
/// failed". Both at once stop etcd ("AllowedCN and AllowedHostname are mutually exclusive").
fn allowed_names(
    inv: &Inventory,
    cfg: &EtcdConfig,
    tls: &[MemberTls],
    at: &dyn Fn(rule::Rule, &str, String) -> Finding,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let (cns, hosts) = (&cfg.peer_cert_allowed_cn, &cfg.peer_cert_allowed_hostname);
    if cns.is_empty() && hosts.is_empty() {
        return out;
    }
    if !cns.is_empty() && !hosts.is_empty() {
        out.push(at(
            rule::ETCD_CONFIG_INVALID,
            "peer-cert-allowed-hostname",
            "peer-cert-allowed-cn and peer-cert-allowed-hostname together: etcd stops (\"AllowedCN and AllowedHostname are mutually exclusive\"). Keep one".into(),
        ));
        return out;
    }
    let peers = tls
        .iter()
        .flat_map(|m| [&m.peer, &m.peer_client_identity])
        .flatten();
    for peer in peers {
        let Some(cert) = first_cert(inv, &peer.path) else {
            continue;
        };
        let (setting, admitted, what) = if cns.is_empty() {
            let ok = hosts.iter().any(|h| sans_cover(&cert.hosts, h));
            (
                "peer-cert-allowed-hostname",
                ok,
                format!(
                    "no SAN matching {}",
                    quoted_list(hosts.iter().map(|h| h.as_str()))
                ),
            )
        } else {
            let cn = cert.common_name.clone().unwrap_or_default();
            (
                "peer-cert-allowed-cn",
                cns.contains(&cn),
                format!(
                    "CN {}, not one of {}",
                    quote(&cn),
                    quoted_list(cns.iter().map(|c| c.as_str()))
                ),
            )
        };
        if !admitted {
            out.push(at(
                rule::PEER_ALLOWED_NAMES,
                setting,
                format!(
                    "the peer certificate {} has {what}: this member refuses it and the member refuses to dial with its own, saying \"client certificate authentication failed\". Issue the peer certificates with an admitted name, or list every member's (a list needs etcd 3.5.15+; 3.4 takes one value)",
                    cert.label
                ),
            ));
        }
    }
    out
}

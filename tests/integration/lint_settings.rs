//! The rest of etcd's TLS surface (issue #15, point 4): each rule fires on a member
//! configuration made here, at the setting's line, and stays quiet once it is fixed. The
//! etcd 3.4.23 behaviour behind the rules 3.4 can show is in lint_etcd_config.rs; what only
//! 3.5/3.6 do is cited from etcd's source in src/lint/settings_rules.rs.

use crate::lint::{Finding, lint_json};
use crate::util::Dir;

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "server-only": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]}}}}"#;

/// A CA and members m1, m2 (server and peer certificates for their IP and localhost).
pub(crate) fn pki() -> Dir {
    let dir = Dir::new();
    dir.write("ca-config.json", CONFIG);
    dir.write("ca.json", r#"{"CN": "etcd-ca", "names": [{"O": "etcd"}]}"#);
    dir.gencert(crate::util::Tool::Etcdpki, &["-initca", "ca.json"], "ca");
    for (name, ip) in [("m1", "127.0.0.1"), ("m2", "127.0.0.2")] {
        let hosts = format!("{ip},127.0.0.1,localhost");
        dir.issue(
            "ca",
            "ca-config.json",
            "server",
            name,
            &hosts,
            &format!("{name}-server"),
        );
        let peer = format!("{name}-peer");
        dir.issue("ca", "ca-config.json", "server", &peer, ip, &peer);
    }
    dir
}

/// Member `name`'s env file: TLS on both ports with certificate auth, and `extra` lines.
pub(crate) fn env(dir: &Dir, name: &str, ip: &str, extra: &str) {
    dir.write(
        &format!("{name}.env"),
        &format!(
            "ETCD_NAME={name}\nETCD_LISTEN_CLIENT_URLS=https://{ip}:2379,https://127.0.0.1:2379\n\
             ETCD_ADVERTISE_CLIENT_URLS=https://{ip}:2379\n\
             ETCD_LISTEN_PEER_URLS=https://{ip}:2380\nETCD_INITIAL_ADVERTISE_PEER_URLS=https://{ip}:2380\n\
             ETCD_CERT_FILE={name}-server.pem\nETCD_KEY_FILE={name}-server-key.pem\n\
             ETCD_TRUSTED_CA_FILE=ca.pem\nETCD_CLIENT_CERT_AUTH=true\n\
             ETCD_PEER_CERT_FILE={name}-peer.pem\nETCD_PEER_KEY_FILE={name}-peer-key.pem\n\
             ETCD_PEER_TRUSTED_CA_FILE=ca.pem\nETCD_PEER_CLIENT_CERT_AUTH=true\n{extra}"
        ),
    );
}

/// The findings of lint over both members' configurations, as (rule, level, message).
pub(crate) fn lint(dir: &Dir, version: &str) -> Vec<Finding> {
    lint_json(
        dir,
        &[
            "--etcd-config",
            "m1.env",
            "--etcd-config",
            "m2.env",
            "--etcd-version",
            version,
            ".",
        ],
    )
    .1
}

pub(crate) fn only<'a>(found: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    found.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn issue_15_a_correct_pair_of_members_has_no_finding() {
    let dir = pki();
    env(&dir, "m1", "127.0.0.1", "");
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.4");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn issue_15_http_urls_next_to_cert_files_and_https_metrics() {
    let dir = pki();
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_LISTEN_METRICS_URLS=https://127.0.0.1:2381\n",
    );
    env(
        &dir,
        "m2",
        "127.0.0.2",
        "ETCD_LISTEN_CLIENT_URLS=http://127.0.0.2:2379\n",
    );
    let found = lint(&dir, "3.4");
    let http = only(&found, "http-url-with-tls");
    assert_eq!(http.len(), 1, "{found:#?}");
    assert_eq!(http[0].files[0], "m2.env");
    assert!(
        http[0]
            .message
            .contains("scheme is HTTP while key and cert files are present")
    );
    let metrics = only(&found, "metrics-https");
    assert_eq!(
        (metrics.len(), metrics[0].severity.as_str()),
        (1, "warning"),
        "{found:#?}"
    );
    assert!(
        metrics[0]
            .message
            .contains("tls: client didn't provide a certificate")
    );
}

#[test]
fn issue_15_loopback_listeners_need_a_loopback_san() {
    let dir = pki();
    dir.issue(
        "ca",
        "ca-config.json",
        "server",
        "m1",
        "127.0.0.5",
        "m1-server",
    );
    env(&dir, "m1", "127.0.0.5", "");
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.4");
    let loopback = only(&found, "loopback-san");
    assert_eq!(loopback.len(), 1, "{found:#?}");
    assert!(
        loopback[0].message.contains("not 127.0.0.1"),
        "{loopback:#?}"
    );
}

#[test]
fn issue_15_allowed_cn_and_hostname_must_admit_every_peer() {
    let dir = pki();
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_PEER_CERT_ALLOWED_CN=m1-peer\n",
    );
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.4");
    let refused = only(&found, "peer-allowed-names");
    assert_eq!(refused.len(), 1, "{found:#?}");
    assert!(
        refused[0]
            .message
            .starts_with("the peer certificate ./m2-peer.pem has CN \"m2-peer\"")
            && refused[0]
                .message
                .contains("client certificate authentication failed"),
        "{refused:#?}"
    );
    // A list admits both from 3.5.15 on.
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_PEER_CERT_ALLOWED_CN=m1-peer,m2-peer\n",
    );
    assert!(only(&lint(&dir, "3.6"), "peer-allowed-names").is_empty());
    // By hostname: every peer SAN must match.
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_PEER_CERT_ALLOWED_HOSTNAME=127.0.0.1\n",
    );
    let found = lint(&dir, "3.4");
    assert_eq!(only(&found, "peer-allowed-names").len(), 1, "{found:#?}");
    // Both: etcd refuses to start.
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_PEER_CERT_ALLOWED_CN=m1-peer\nETCD_PEER_CERT_ALLOWED_HOSTNAME=x\n",
    );
    let found = lint(&dir, "3.4");
    assert!(
        only(&found, "etcd-config-invalid").iter().any(|f| f
            .message
            .contains("AllowedCN and AllowedHostname are mutually exclusive")),
        "{found:#?}"
    );
}

#[test]
fn issue_15_cipher_suites_must_serve_the_key_and_http2() {
    let dir = pki();
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_CIPHER_SUITES=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n",
    );
    env(
        &dir,
        "m2",
        "127.0.0.2",
        "ETCD_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_NO_SUCH\n",
    );
    let found = lint(&dir, "3.4");
    let suites = only(&found, "cipher-suites");
    let on = |file: &str| suites.iter().filter(|f| f.files[0] == file).count();
    // m1: no ECDSA suite for its keys (server and peer), no HTTP/2 suite; m2: an unknown name.
    assert_eq!((on("m1.env"), on("m2.env")), (3, 1), "{found:#?}");
    assert!(suites.iter().any(|f| {
        f.message
            .contains("tls: no cipher suite supported by both client and server")
    }));
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n",
    );
    env(&dir, "m2", "127.0.0.2", "");
    assert!(only(&lint(&dir, "3.4"), "cipher-suites").is_empty());
}

#[test]
fn issue_15_tls_versions_etcd_refuses() {
    let dir = pki();
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_TLS_MIN_VERSION=TLS1.3\nETCD_TLS_MAX_VERSION=TLS1.2\n",
    );
    env(
        &dir,
        "m2",
        "127.0.0.2",
        "ETCD_TLS_MIN_VERSION=TLS1.3\nETCD_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n",
    );
    let found = lint(&dir, "3.6");
    let versions = only(&found, "tls-version");
    assert_eq!(versions.len(), 2, "{found:#?}");
    assert!(versions.iter().any(|f| {
        f.message
            .contains("min version (TLS1.3) is greater than max version (TLS1.2)")
    }));
    assert!(versions.iter().any(|f| {
        f.message
            .contains("cipher suites cannot be configured when only TLS1.3 is enabled")
    }));
}

/// 3.5's outbound identities: with peer-client-cert-file and client-cert-file the served
/// certificates need server auth only (embed/config.go v3.5.0, PR 12705).
#[test]
fn issue_15_separate_outbound_identities_need_only_server_auth_on_served_certificates() {
    let dir = pki();
    dir.issue(
        "ca",
        "ca-config.json",
        "server-only",
        "m1-peer",
        "127.0.0.1",
        "m1-peer",
    );
    dir.issue("ca", "ca-config.json", "client", "m1-dial", "", "m1-dial");
    env(&dir, "m1", "127.0.0.1", "");
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.5");
    assert_eq!(only(&found, "peer-eku").len(), 1, "{found:#?}");
    env(
        &dir,
        "m1",
        "127.0.0.1",
        "ETCD_PEER_CLIENT_CERT_FILE=m1-dial.pem\nETCD_PEER_CLIENT_KEY_FILE=m1-dial-key.pem\n",
    );
    let found = lint(&dir, "3.5");
    assert!(found.is_empty(), "{found:#?}");
    // etcd 3.4 has no such setting: the variables are ignored there and the peer EKU is wrong.
    let found = lint(&dir, "3.4");
    assert_eq!(only(&found, "peer-eku").len(), 1, "{found:#?}");
}

/// issue #15 point 8: SARIF regions for configuration lines and a Markdown job summary, from the
/// command line.
#[test]
fn issue_15_sarif_regions_and_markdown_summaries() {
    let dir = pki();
    env(&dir, "m1", "127.0.0.1", "");
    env(
        &dir,
        "m2",
        "127.0.0.2",
        "ETCD_LISTEN_CLIENT_URLS=http://127.0.0.2:2379\n",
    );
    let args = ["lint", "--etcd-config", "m1.env", "--etcd-config", "m2.env"];
    let run = |format: &str| {
        let mut full = args.to_vec();
        full.extend(["--format", format, "."]);
        let out = dir.run(&crate::util::etcdpki(), &full, b"");
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("SARIF");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "http-url-with-tls");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        (
            location["artifactLocation"]["uri"].as_str(),
            location["region"]["startLine"].as_u64()
        ),
        (Some("m2.env"), Some(14))
    );
    assert_eq!(
        result["partialFingerprints"]["etcdpkiFinding/v1"]
            .as_str()
            .map(str::len),
        Some(32)
    );
    let md = run("markdown");
    assert!(md.starts_with("## etcdpki lint\n"), "{md}");
    assert!(
        md.contains(
            "| error | [`http-url-with-tls`](docs/lints.md#http-url-with-tls) | `m2.env:14` |"
        ),
        "{md}"
    );
}

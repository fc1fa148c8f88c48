//! Who may connect (issue #15, points 4 and 9): `client-allowed-names` and `grpc-proxy-cn` shown
//! with Debian's etcd 3.4.23 on loopback (etcd refuses, lint reports it first with etcd's
//! message, the fixed certificate lints clean and is accepted), and `peer-client-san`, which
//! needs 3.5's `peer-client-cert-file`, from configurations (its source is cited in
//! src/lint/access_rules.rs).

use std::time::{Duration, Instant};

use crate::etcd::{etcdctl, free_port};
use crate::lint::{Finding, lint_json};
use crate::lint_etcd_config::{
    DOCS, etcd_refuses, etcdctl_plain, logged_by, pki, reported, spawn_as,
};
use crate::util::Dir;

/// How long a member or proxy may take to serve (well under a second here).
const SERVE_WAIT: Duration = Duration::from_secs(30);

/// m1's command line: one member, plain-HTTP peers, TLS and client certificate auth on the
/// client port, and `extra` flags.
fn member_flags(client: u16, peer: u16, extra: &str) -> String {
    format!(
        "--name m1 --data-dir m1.etcd \
         --listen-client-urls https://127.0.0.1:{client} --advertise-client-urls https://127.0.0.1:{client} \
         --listen-peer-urls http://127.0.0.1:{peer} --initial-advertise-peer-urls http://127.0.0.1:{peer} \
         --initial-cluster m1=http://127.0.0.1:{peer} \
         --cert-file m1-server.pem --key-file m1-server-key.pem \
         --trusted-ca-file ca.pem --client-cert-auth {extra}"
    )
}

fn words(flags: &str) -> Vec<String> {
    flags.split_whitespace().map(str::to_owned).collect()
}

/// Retries `try_it` until it succeeds, at most [`SERVE_WAIT`]; returns its last output.
fn eventually(what: &str, mut try_it: impl FnMut() -> (bool, String)) -> String {
    let deadline = Instant::now() + SERVE_WAIT;
    loop {
        let (ok, out) = try_it();
        if ok {
            return out;
        }
        assert!(Instant::now() < deadline, "{what} failed for 30 s: {out}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn rules(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.rule.as_str()).collect()
}

/// issue #15: with `--client-cert-allowed-hostname`, etcd 3.4.23 refuses a client certificate
/// without that name among its SANs ("client certificate authentication failed"); lint reports
/// it first, and the certificate reissued with the name lints clean and is accepted.
#[test]
fn issue_15_client_cert_allowed_hostname_refuses_a_client_without_the_name_as_etcd_shows_it() {
    let dir = pki();
    let (client, peer) = (free_port("127.0.0.1"), free_port("127.0.0.1"));
    let flags = member_flags(
        client,
        peer,
        "--client-cert-allowed-hostname client.example",
    );
    dir.write(
        "m1.service",
        &format!("[Service]\nExecStart=/usr/bin/etcd {flags}\n"),
    );
    let lint_args = ["--etcd-config", "m1.service", "--etcd-version", "3.4", "."];
    let (code, found) = lint_json(&dir, &lint_args);
    assert_eq!(code, 1, "{found:#?}");
    let said = "client certificate authentication failed";
    let finding = reported(&found, "client-allowed-names", "m1.service", said);
    assert!(
        finding
            .message
            .starts_with("the client certificate ./client.pem has no SAN")
            && finding.line == Some(2),
        "{finding:#?}"
    );
    assert!(DOCS.contains(said));

    let _member = spawn_as(&dir, "m1", &words(&flags));
    logged_by(&dir, "m1", "ready to serve client requests");
    let endpoint = format!("https://127.0.0.1:{client}");
    let (ok, out) = etcdctl(&dir, &endpoint, "client.pem", &["put", "k", "v"]);
    assert!(!ok, "etcd accepted the client: {out}");
    logged_by(&dir, "m1", said);

    // The same client, reissued with the allowed name among its SANs.
    dir.issue(
        "ca",
        "ca-config.json",
        "client",
        "root",
        "client.example",
        "client",
    );
    let (code, found) = lint_json(&dir, &lint_args);
    assert!(code == 0 && found.is_empty(), "{found:#?}");
    eventually("etcdctl put with the fixed client", || {
        etcdctl(&dir, &endpoint, "client.pem", &["put", "k", "v"])
    });
}

/// issue #15: `etcd grpc-proxy start` (3.4.23) refuses a `--cert` with a Common Name ("cert has
/// non empty Common Name (proxy)"); lint reports it from the unit first, and the certificate
/// reissued without a CN lints clean and carries a client through the proxy to the member.
#[test]
fn issue_15_grpc_proxy_refuses_a_cert_with_a_cn_as_etcd_shows_it() {
    let dir = pki();
    dir.issue(
        "ca",
        "ca-config.json",
        "client",
        "proxy",
        "127.0.0.1",
        "proxy",
    );
    let (client, peer) = (free_port("127.0.0.1"), free_port("127.0.0.1"));
    let listen = free_port("127.0.0.1");
    let proxy = format!(
        "grpc-proxy start --endpoints=https://127.0.0.1:{client} --listen-addr=127.0.0.1:{listen} \
         --cert proxy.pem --key proxy-key.pem --cacert ca.pem"
    );
    dir.write(
        "proxy.service",
        &format!(
            "[Unit]\nDescription=etcd grpc-proxy\n\n[Service]\nExecStart=/usr/bin/etcd {proxy}\n"
        ),
    );
    let lint_args = [
        "--etcd-config",
        "proxy.service",
        "--etcd-version",
        "3.4",
        ".",
    ];
    let (code, found) = lint_json(&dir, &lint_args);
    assert_eq!(code, 1, "{found:#?}");
    let said = "cert has non empty Common Name (proxy)";
    let finding = reported(&found, "grpc-proxy-cn", "proxy.service", said);
    assert_eq!(finding.line, Some(5), "{finding:#?}");
    assert_eq!(rules(&found), ["grpc-proxy-cn"], "{found:#?}");

    let proxy_args: Vec<&str> = proxy.split_whitespace().collect();
    let log = etcd_refuses(&dir, &proxy_args);
    assert!(log.contains(said), "{log}");
    assert!(DOCS.contains("cert has non empty Common Name (CN)"));

    // Reissued without a CN: lint is clean, the proxy starts and reaches the member.
    dir.issue("ca", "ca-config.json", "client", "", "127.0.0.1", "proxy");
    let (code, found) = lint_json(&dir, &lint_args);
    assert!(code == 0 && found.is_empty(), "{found:#?}");
    let _member = spawn_as(&dir, "m1", &words(&member_flags(client, peer, "")));
    logged_by(&dir, "m1", "ready to serve client requests");
    let _proxy = spawn_as(&dir, "proxy", &words(&proxy));
    eventually("etcdctl endpoint health through the proxy", || {
        etcdctl_plain(&dir, &format!("http://127.0.0.1:{listen}"))
    });
}

/// m`n`'s etcd 3.5 YAML file: peers over TLS with certificate auth, dialing with its own
/// `peer-client-cert-file`, and `extra` keys.
fn yaml_35(dir: &Dir, n: u8, extra: &str) {
    dir.write(
        &format!("m{n}.yml"),
        &format!(
            "name: m{n}\n\
             initial-advertise-peer-urls: https://127.0.0.{n}:2380\n\
             initial-cluster: m1=https://127.0.0.1:2380,m2=https://127.0.0.2:2380\n\
             peer-transport-security:\n  cert-file: m{n}-peer.pem\n  key-file: m{n}-peer-key.pem\n  \
             trusted-ca-file: ca.pem\n  client-cert-auth: true\n  \
             client-cert-file: m{n}-dial.pem\n  client-key-file: m{n}-dial-key.pem\n{extra}"
        ),
    );
}

/// issue #15: a member checks the SANs of the peers that dial it against their address
/// (listener_tls.go `checkSAN`) unless it sets `peer-skip-client-san-verification`; a 3.5
/// `peer-client-cert-file` whose SANs lack its member's address is reported only while a peer
/// checks.
#[test]
fn issue_15_a_peer_dial_certificate_without_its_address_is_reported_unless_peers_skip_the_check() {
    let dir = crate::lint_settings::pki();
    // m2 dials with a certificate for another address; m1's is for its own.
    dir.issue(
        "ca",
        "ca-config.json",
        "client",
        "m1-dial",
        "127.0.0.1",
        "m1-dial",
    );
    dir.issue(
        "ca",
        "ca-config.json",
        "client",
        "m2-dial",
        "10.9.9.9",
        "m2-dial",
    );
    yaml_35(&dir, 1, "");
    yaml_35(&dir, 2, "");
    let lint = |version: &str| {
        let args = [
            "--etcd-config",
            "m1.yml",
            "--etcd-config",
            "m2.yml",
            "--etcd-version",
            version,
            ".",
        ];
        lint_json(&dir, &args).1
    };
    let found = lint("3.5");
    let finding = reported(&found, "peer-client-san", "m2.yml", "not 127.0.0.2");
    assert!(
        finding.message.contains("accept it (m1)") && finding.line == Some(9),
        "{finding:#?}"
    );
    assert_eq!(rules(&found), ["peer-client-san"], "{found:#?}");
    // m1 skips the check (3.6's name for the YAML key): nothing to report.
    yaml_35(&dir, 1, "  skip-client-san-verification: true\n");
    let found = lint("3.6");
    assert!(found.is_empty(), "{found:#?}");
    // The same key is not read by 3.5 (only the flag is), so m1 still checks there.
    let found = lint("3.5");
    assert!(rules(&found).contains(&"peer-client-san"), "{found:#?}");
}

//! `lint` reads etcd's configuration as etcd does (issue #15, points 2 and 9), shown with
//! Debian's etcd 3.4.23 on loopback: for each mistake, etcd started with the configuration
//! logs its own message and stops, `etcdpki lint --etcd-config` reports the mistake first (with
//! its line, and etcd's message quoted in docs/lints.md), and the corrected configuration
//! lints clean and starts.
//!
//! Members listen on 127.0.0.1 only, on ports from `free_port`, with their data directories and
//! logs in the test's temp dir. A member is killed when dropped; every wait is bounded.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::etcd::{Member, free_port, wait_healthy};
use crate::lint::{Finding, lint_json};
use crate::util::{Dir, Tool, require};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]}}}}"#;

/// How long etcd may take to stop at a configuration it refuses (well under a second here).
const EXIT_WAIT: Duration = Duration::from_secs(15);

/// The docs the messages must be quoted in.
pub(crate) const DOCS: &str = include_str!("../../docs/lints.md");

/// A CA, member m1's server and peer certificates for 127.0.0.1, and a client certificate.
pub(crate) fn pki() -> Dir {
    let dir = Dir::new();
    dir.write("ca-config.json", CONFIG);
    dir.write(
        "ca.json",
        r#"{"CN": "etcd-ca", "names": [{"O": "etcd"}], "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "ca");
    dir.issue(
        "ca",
        "ca-config.json",
        "server",
        "m1",
        "127.0.0.1,localhost",
        "m1-server",
    );
    dir.issue(
        "ca",
        "ca-config.json",
        "server",
        "m1-peer",
        "127.0.0.1",
        "m1-peer",
    );
    dir.issue("ca", "ca-config.json", "client", "root", "", "client");
    dir
}

/// Runs `etcd ARGS` in `dir` until it exits by itself (at most [`EXIT_WAIT`]); returns its log.
pub(crate) fn etcd_refuses(dir: &Dir, args: &[&str]) -> String {
    let log = std::fs::File::create(dir.join("etcd.log")).expect("etcd.log");
    let child = Command::new(require("etcd", "etcd-server"))
        .current_dir(dir.path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    let mut member = Member {
        child,
        name: "m1".into(),
    };
    let deadline = Instant::now() + EXIT_WAIT;
    let text = || String::from_utf8_lossy(&dir.read("etcd.log")).into_owned();
    loop {
        if let Some(status) = member.child.try_wait().expect("wait for etcd") {
            assert!(!status.success(), "etcd accepted {args:?}:\n{}", text());
            return text();
        }
        assert!(
            Instant::now() < deadline,
            "etcd still runs with {args:?}:\n{}",
            text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `etcd --config-file FILE` in `dir` and waits until it serves `client.pem`.
fn etcd_serves(dir: &Dir, file: &str, endpoint: &str) {
    let log = std::fs::File::create(dir.join("m1.log")).expect("m1.log");
    let child = Command::new(require("etcd", "etcd-server"))
        .current_dir(dir.path())
        .args(["--config-file", file])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    let mut running = [Member {
        child,
        name: "m1".into(),
    }];
    wait_healthy(dir, endpoint, "client.pem", &mut running);
}

/// The one finding of `rule` on `file` whose message contains `needle`.
pub(crate) fn reported<'a>(
    found: &'a [Finding],
    rule: &str,
    file: &str,
    needle: &str,
) -> &'a Finding {
    let hits: Vec<&Finding> = found
        .iter()
        .filter(|f| f.rule == rule && f.files[0] == file && f.message.contains(needle))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{rule} on {file} saying {needle:?}: {found:#?}"
    );
    hits[0]
}

/// m1's YAML file: plain-HTTP peers (one member), TLS on the client port, and `tls` spliced in.
fn yaml(client: u16, peer: u16, tls: &str) -> String {
    format!(
        "name: m1\ndata-dir: m1.etcd\n\
         listen-client-urls: https://127.0.0.1:{client}\n\
         advertise-client-urls: https://127.0.0.1:{client}\n\
         listen-peer-urls: http://127.0.0.1:{peer}\n\
         initial-advertise-peer-urls: http://127.0.0.1:{peer}\n\
         initial-cluster: m1=http://127.0.0.1:{peer}\n{tls}"
    )
}

/// issue #15: a top-level `cert-file:` is not read by etcd 3.4; lint says where it belongs.
#[test]
fn issue_15_a_top_level_cert_file_is_reported_where_etcd_ignores_it() {
    let dir = pki();
    let (client, peer) = (free_port("127.0.0.1"), free_port("127.0.0.1"));
    let wrong = "cert-file: m1-server.pem\nkey-file: m1-server-key.pem\n";
    dir.write("etcd.yml", &yaml(client, peer, wrong));
    let said = "TLS key/cert (--cert-file, --key-file) must be provided for client url";
    let log = etcd_refuses(&dir, &["--config-file", "etcd.yml"]);
    assert!(log.contains(said), "{log}");
    assert!(DOCS.contains(said), "docs/lints.md does not quote {said:?}");

    let (code, found) = lint_json(
        &dir,
        &["--etcd-config", "etcd.yml", "--etcd-version", "3.4", "."],
    );
    assert_eq!(code, 1, "{found:#?}");
    let where_ = "write it as cert-file under client-transport-security:";
    let finding = reported(&found, "etcd-config-ignored", "etcd.yml", where_);
    assert_eq!(finding.severity, "error");
    let text = String::from_utf8_lossy(
        &dir.run(
            &crate::util::etcdpki(),
            &["lint", "--etcd-config", "etcd.yml", "."],
            b"",
        )
        .stdout,
    )
    .into_owned();
    assert!(
        text.contains("error[etcd-config-ignored] etcd.yml:8: etcd ignores a top-level cert-file"),
        "{text}"
    );

    let right =
        "client-transport-security:\n  cert-file: m1-server.pem\n  key-file: m1-server-key.pem\n";
    dir.write("etcd.yml", &yaml(client, peer, right));
    let (code, found) = lint_json(
        &dir,
        &["--etcd-config", "etcd.yml", "--etcd-version", "3.4", "."],
    );
    assert!(code == 0 && found.is_empty(), "{found:#?}");
    etcd_serves(&dir, "etcd.yml", &format!("https://127.0.0.1:{client}"));
}

/// issue #15 (etcd #12887, #13117): `peer-cert-file` inside `peer-transport-security` is not read.
#[test]
fn issue_15_peer_cert_file_inside_peer_transport_security_is_reported() {
    let dir = pki();
    let (client, peer) = (free_port("127.0.0.1"), free_port("127.0.0.1"));
    let text = |tls: &str| {
        yaml(client, peer, tls)
            .replace("http://", "https://")
            .replace("listen-client-urls: https", "listen-client-urls: http")
            .replace(
                "advertise-client-urls: https",
                "advertise-client-urls: http",
            )
    };
    let wrong = "peer-transport-security:\n  peer-cert-file: m1-peer.pem\n  peer-key-file: m1-peer-key.pem\n";
    dir.write("etcd.yml", &text(wrong));
    let said = "KeyFile and CertFile are not presented";
    let log = etcd_refuses(&dir, &["--config-file", "etcd.yml"]);
    assert!(log.contains(said), "{log}");
    assert!(DOCS.contains(said), "docs/lints.md does not quote {said:?}");
    let (code, found) = lint_json(&dir, &["--etcd-config", "etcd.yml", "."]);
    assert_eq!(code, 1, "{found:#?}");
    let finding = reported(
        &found,
        "etcd-config-ignored",
        "etcd.yml",
        "write it as cert-file",
    );
    assert!(
        finding
            .message
            .starts_with("etcd ignores peer-cert-file inside peer-transport-security"),
        "{finding:#?}"
    );
    reported(
        &found,
        "etcd-config-ignored",
        "etcd.yml",
        "write it as key-file",
    );

    let right = "peer-transport-security:\n  cert-file: m1-peer.pem\n  key-file: m1-peer-key.pem\n";
    dir.write("etcd.yml", &text(right));
    let (code, found) = lint_json(&dir, &["--etcd-config", "etcd.yml", "."]);
    assert!(code == 0 && found.is_empty(), "{found:#?}");
    let plain = format!("http://127.0.0.1:{client}");
    etcd_serves_plain(&dir, &plain);
}

/// Starts `etcd --config-file etcd.yml` and waits until its plain-HTTP client port is healthy.
fn etcd_serves_plain(dir: &Dir, endpoint: &str) {
    let log = std::fs::File::create(dir.join("m1.log")).expect("m1.log");
    let child = Command::new(require("etcd", "etcd-server"))
        .current_dir(dir.path())
        .args(["--config-file", "etcd.yml"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    let mut member = Member {
        child,
        name: "m1".into(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !etcdctl_plain(dir, endpoint).0 {
        if let Ok(Some(status)) = member.child.try_wait() {
            panic!(
                "etcd exited with {status}: {}",
                String::from_utf8_lossy(&dir.read("m1.log"))
            );
        }
        assert!(Instant::now() < deadline, "etcd is not healthy after 60 s");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `etcdctl endpoint health` over plain HTTP.
pub(crate) fn etcdctl_plain(dir: &Dir, endpoint: &str) -> (bool, String) {
    crate::etcd::outcome(
        Command::new(require("etcdctl", "etcd-client"))
            .args([
                "--endpoints",
                endpoint,
                "--dial-timeout",
                "2s",
                "endpoint",
                "health",
            ])
            .env("ETCDCTL_API", "3")
            .current_dir(dir.path()),
    )
}

/// issue #15: a flag etcd 3.4.23 lacks stops it; lint names the releases that have it.
#[test]
fn issue_15_a_flag_of_a_later_release_is_reported_with_etcds_message() {
    let dir = pki();
    let said = "flag provided but not defined: -tls-min-version";
    let log = etcd_refuses(&dir, &["--name", "m1", "--tls-min-version", "TLS1.3"]);
    assert!(log.contains(said), "{log}");
    dir.write(
        "etcd.service",
        "[Service]\nExecStart=/usr/bin/etcd --name m1 --tls-min-version TLS1.3\n",
    );
    let (_, found) = lint_json(
        &dir,
        &[
            "--etcd-config",
            "etcd.service",
            "--etcd-version",
            "3.4",
            ".",
        ],
    );
    let finding = reported(&found, "etcd-version-specific", "etcd.service", said);
    assert!(
        finding
            .message
            .starts_with("etcd 3.4 before 3.4.25 has no flag --tls-min-version"),
        "{finding:#?}"
    );
    let (code, found) = lint_json(
        &dir,
        &[
            "--etcd-config",
            "etcd.service",
            "--etcd-version",
            "3.6",
            ".",
        ],
    );
    assert!(code == 0 && found.is_empty(), "{found:#?}");
}

/// Starts `etcd ARGS` in `dir` (log `m1.log`), a member killed when dropped.
fn spawn(dir: &Dir, args: &[String]) -> Member {
    spawn_as(dir, "m1", args)
}

/// Starts `etcd ARGS` in `dir` with its log in `NAME.log`, a member killed when dropped.
pub(crate) fn spawn_as(dir: &Dir, name: &str, args: &[String]) -> Member {
    let log = std::fs::File::create(dir.join(&format!("{name}.log"))).expect("log");
    let child = Command::new(require("etcd", "etcd-server"))
        .current_dir(dir.path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    Member {
        child,
        name: name.into(),
    }
}

/// Waits (at most [`EXIT_WAIT`]) until `m1.log` has a line with `needle`.
fn logged(dir: &Dir, needle: &str) -> String {
    logged_by(dir, "m1", needle)
}

/// Waits (at most [`EXIT_WAIT`]) until `NAME.log` has a line with `needle`.
pub(crate) fn logged_by(dir: &Dir, name: &str, needle: &str) -> String {
    let deadline = Instant::now() + EXIT_WAIT;
    loop {
        let log = String::from_utf8_lossy(&dir.read(&format!("{name}.log"))).into_owned();
        if let Some(line) = log.lines().find(|l| l.contains(needle)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "m1.log has no {needle:?}:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// issue #15: an http:// client URL next to cert files is served without TLS (etcd 3.4.23 says
/// so only in a warning), and an https:// metrics URL refuses a scraper without a client
/// certificate; lint reports both from the configuration.
#[test]
fn issue_15_http_urls_beside_cert_files_and_https_metrics_as_etcd_shows_them() {
    let dir = pki();
    let (client, plain, peer, metrics) = (
        free_port("127.0.0.1"),
        free_port("127.0.0.1"),
        free_port("127.0.0.1"),
        free_port("127.0.0.1"),
    );
    let flags = format!(
        "--name m1 --data-dir m1.etcd \
         --listen-client-urls https://127.0.0.1:{client},http://127.0.0.1:{plain} \
         --advertise-client-urls https://127.0.0.1:{client} \
         --listen-peer-urls http://127.0.0.1:{peer} --initial-advertise-peer-urls http://127.0.0.1:{peer} \
         --initial-cluster m1=http://127.0.0.1:{peer} \
         --cert-file m1-server.pem --key-file m1-server-key.pem \
         --trusted-ca-file ca.pem --client-cert-auth \
         --listen-metrics-urls https://127.0.0.1:{metrics}"
    );
    let args: Vec<String> = flags.split_whitespace().map(str::to_owned).collect();
    dir.write(
        "etcd.service",
        &format!("[Service]\nExecStart=/usr/bin/etcd {flags}\n"),
    );
    let _member = spawn(&dir, &args);
    let http = "is HTTP while peer key/cert files are presented. Ignored key/cert files.";
    logged(&dir, http);
    assert!(
        DOCS.contains("is HTTP while peer key/cert files are\npresented. Ignored key/cert files.")
    );
    // A scraper without a client certificate: etcd logs the refused handshake.
    let _ = Command::new(require("openssl", "openssl"))
        .args(["s_client", "-connect", &format!("127.0.0.1:{metrics}")])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    let refused = "tls: client didn't provide a certificate";
    logged(&dir, refused);
    assert!(DOCS.contains(refused));

    let (code, found) = lint_json(
        &dir,
        &[
            "--etcd-config",
            "etcd.service",
            "--etcd-version",
            "3.4",
            ".",
        ],
    );
    assert_eq!(code, 1, "{found:#?}");
    reported(&found, "http-url-with-tls", "etcd.service", http);
    reported(&found, "metrics-https", "etcd.service", refused);
}

/// issue #15: a cipher list without a suite for the ECDSA certificate refuses TLS 1.2 clients
/// (etcd 3.4.23 logs Go's message), and lint reports it from the configuration.
#[test]
fn issue_15_a_cipher_list_without_the_keys_suite_as_etcd_shows_it() {
    let dir = pki();
    let (client, peer) = (free_port("127.0.0.1"), free_port("127.0.0.1"));
    let flags = format!(
        "--name m1 --data-dir m1.etcd \
         --listen-client-urls https://127.0.0.1:{client} --advertise-client-urls https://127.0.0.1:{client} \
         --listen-peer-urls http://127.0.0.1:{peer} --initial-advertise-peer-urls http://127.0.0.1:{peer} \
         --initial-cluster m1=http://127.0.0.1:{peer} \
         --cert-file m1-server.pem --key-file m1-server-key.pem \
         --cipher-suites TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    );
    let args: Vec<String> = flags.split_whitespace().map(str::to_owned).collect();
    dir.write(
        "etcd.service",
        &format!("[Service]\nExecStart=/usr/bin/etcd {flags}\n"),
    );
    let _member = spawn(&dir, &args);
    logged(&dir, "ready to serve client requests");
    let out = Command::new(require("openssl", "openssl"))
        .args([
            "s_client",
            "-tls1_2",
            "-connect",
            &format!("127.0.0.1:{client}"),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    assert!(!out.status.success(), "a TLS 1.2 client connected");
    let said = "tls: no cipher suite supported by both client and server";
    logged(&dir, said);
    assert!(DOCS.contains(said));
    // etcd 3.4 lets Go negotiate TLS 1.3, which ignores the list: a TLS 1.3 client connects.
    let tls13 = Command::new(require("openssl", "openssl"))
        .args([
            "s_client",
            "-tls1_3",
            "-connect",
            &format!("127.0.0.1:{client}"),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    assert!(
        tls13.status.success() && String::from_utf8_lossy(&tls13.stdout).contains("TLSv1.3"),
        "a TLS 1.3 client was refused: {}",
        String::from_utf8_lossy(&tls13.stderr)
    );
    let lint_as = |version: &str| {
        lint_json(
            &dir,
            &[
                "--etcd-config",
                "etcd.service",
                "--etcd-version",
                version,
                ".",
            ],
        )
    };
    // So for 3.4 the list breaks some clients (a warning); for 3.5, whose 3.5.0-3.5.7 cap
    // every connection at TLS 1.2, it breaks all (an error).
    let (code, found) = lint_as("3.4");
    assert_eq!(code, 0, "{found:#?}");
    assert_eq!(
        reported(&found, "cipher-suites", "etcd.service", said).severity,
        "warning"
    );
    let (code, found) = lint_as("3.5");
    assert_eq!(code, 1, "{found:#?}");
    assert_eq!(
        reported(&found, "cipher-suites", "etcd.service", said).severity,
        "error"
    );
}

/// issue #15: `--peer-cert-allowed-cn` on etcd 3.4.23 takes one CN, so the other member's peer
/// certificate is refused with "client certificate authentication failed"; lint reports it.
#[test]
fn issue_15_allowed_cn_refuses_the_other_members_peer_as_etcd_shows_it() {
    let dir = pki();
    dir.issue(
        "ca",
        "ca-config.json",
        "server",
        "m2",
        "127.0.0.2,localhost",
        "m2-server",
    );
    dir.issue(
        "ca",
        "ca-config.json",
        "server",
        "m2-peer",
        "127.0.0.2,127.0.0.1",
        "m2-peer",
    );
    let members = [("m1", "127.0.0.1"), ("m2", "127.0.0.2")];
    let ports: Vec<(u16, u16)> = members
        .iter()
        .map(|(_, ip)| (free_port(ip), free_port(ip)))
        .collect();
    let cluster = format!(
        "m1=https://127.0.0.1:{},m2=https://127.0.0.2:{}",
        ports[0].1, ports[1].1
    );
    let mut running = Vec::new();
    for ((name, ip), (client, peer)) in members.iter().zip(&ports) {
        let flags = format!(
            "--name {name} --data-dir {name}.etcd \
             --listen-client-urls https://{ip}:{client} --advertise-client-urls https://{ip}:{client} \
             --listen-peer-urls https://{ip}:{peer} --initial-advertise-peer-urls https://{ip}:{peer} \
             --initial-cluster {cluster} \
             --cert-file {name}-server.pem --key-file {name}-server-key.pem \
             --peer-cert-file {name}-peer.pem --peer-key-file {name}-peer-key.pem \
             --peer-trusted-ca-file ca.pem --peer-client-cert-auth --peer-cert-allowed-cn m1-peer"
        );
        dir.write(
            &format!("{name}.service"),
            &format!("[Service]\nExecStart=/usr/bin/etcd {flags}\n"),
        );
        let args: Vec<String> = flags.split_whitespace().map(str::to_owned).collect();
        running.push(spawn_as(&dir, name, &args));
    }
    let said = "client certificate authentication failed";
    logged_by(&dir, "m1", said);
    assert!(DOCS.contains(said));
    let (code, found) = lint_json(
        &dir,
        &[
            "--etcd-config",
            "m1.service",
            "--etcd-config",
            "m2.service",
            "--etcd-version",
            "3.4",
            ".",
        ],
    );
    assert_eq!(code, 1, "{found:#?}");
    reported(&found, "peer-allowed-names", "m1.service", said);
}

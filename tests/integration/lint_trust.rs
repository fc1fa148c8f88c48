//! Each member judged with its own trust (issue #15, point 3): certificates against the CA file
//! of the member that checks them, the chain a certificate file sends, and Go's EKU check up the
//! chain; with `openssl verify -CAfile` as the independent judge, and Debian's etcd 3.4.23
//! refusing a peer from another CA on loopback. Also `--root` (point 6).

use std::process::Command;

use crate::etcd::{Member, free_port, wait_healthy};
use crate::lint::{Finding, lint_json};
use crate::util::{Dir, Tool, require};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]},
  "intermediate": {"expiry": "8760h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true}},
  "server-only-ca": {"expiry": "8760h", "usages": ["cert sign", "crl sign", "server auth"], "ca_constraint": {"is_ca": true}}}}}"#;

/// A temp dir with the profiles and two CAs, `ca.pem` and `other-ca.pem` (both O=etcd).
fn two_cas() -> Dir {
    let dir = Dir::new();
    dir.write("ca-config.json", CONFIG);
    for (base, cn) in [("ca", "etcd-ca"), ("other-ca", "other-ca")] {
        dir.write(
            &format!("{base}.json"),
            &format!(r#"{{"CN": "{cn}", "names": [{{"O": "etcd"}}], "key": {{"algo": "ecdsa", "size": 256}}}}"#),
        );
        dir.gencert(Tool::Etcdpki, &["-initca", &format!("{base}.json")], base);
    }
    dir
}

fn issue(dir: &Dir, ca: &str, profile: &str, cn: &str, hosts: &str, base: &str) {
    dir.issue(ca, "ca-config.json", profile, cn, hosts, base);
}

/// Member `name`'s env file, as `Member::start` runs it: TLS files `NAME-server.pem` and
/// `NAME-peer.pem`, both trust files `ca.pem`.
fn env(dir: &Dir, name: &str, ip: &str) {
    dir.write(
        &format!("{name}.env"),
        &format!(
            "ETCD_NAME={name}\nETCD_ADVERTISE_CLIENT_URLS=https://{ip}:2379\n\
             ETCD_INITIAL_ADVERTISE_PEER_URLS=https://{ip}:2380\n\
             ETCD_CERT_FILE={name}-server.pem\nETCD_KEY_FILE={name}-server-key.pem\n\
             ETCD_TRUSTED_CA_FILE=ca.pem\nETCD_CLIENT_CERT_AUTH=true\n\
             ETCD_PEER_CERT_FILE={name}-peer.pem\nETCD_PEER_KEY_FILE={name}-peer-key.pem\n\
             ETCD_PEER_TRUSTED_CA_FILE=ca.pem\nETCD_PEER_CLIENT_CERT_AUTH=true\n"
        ),
    );
}

/// The findings of `rule`, as (first file, message).
fn of(found: &[Finding], rule: &str) -> Vec<(String, String)> {
    found
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.files[0].clone(), f.message.clone()))
        .collect()
}

/// `openssl verify -CAfile CA [-untrusted UNTRUSTED] CERT` succeeds.
fn openssl_accepts(dir: &Dir, ca: &str, cert: &str) -> bool {
    Command::new(require("openssl", "openssl"))
        .args(["verify", "-CAfile", ca, cert])
        .current_dir(dir.path())
        .output()
        .expect("openssl verify")
        .status
        .success()
}

/// issue #15: certificates from another CA than the member's trusted-ca-file are refused by
/// openssl and etcd, and lint says which member refuses which file; a client too.
#[test]
fn issue_15_a_member_refuses_what_its_own_ca_file_does_not_hold() {
    let dir = two_cas();
    for (name, ip) in [("m1", "127.0.0.1"), ("m2", "127.0.0.2")] {
        issue(
            &dir,
            "ca",
            "server",
            name,
            &format!("{ip},localhost"),
            &format!("{name}-server"),
        );
        env(&dir, name, ip);
    }
    issue(&dir, "ca", "server", "m1-peer", "127.0.0.1", "m1-peer");
    // m2's peer certificate and one client come from the other CA.
    issue(
        &dir,
        "other-ca",
        "server",
        "m2-peer",
        "127.0.0.2,127.0.0.1",
        "m2-peer",
    );
    issue(&dir, "ca", "client", "root", "", "client");
    issue(
        &dir,
        "other-ca",
        "client",
        "stranger",
        "",
        "stranger-client",
    );
    assert!(!openssl_accepts(&dir, "ca.pem", "m2-peer.pem"));
    assert!(openssl_accepts(&dir, "ca.pem", "m1-peer.pem"));
    let args = ["--etcd-config", "m1.env", "--etcd-config", "m2.env", "."];
    let (code, found) = lint_json(&dir, &args);
    assert_eq!(code, 1, "{found:#?}");
    let untrusted = of(&found, "untrusted-by-member");
    let files: Vec<&str> = untrusted.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        files,
        [
            "./m2-peer.pem",
            "./m2-peer.pem",
            "./stranger-client.pem",
            "./stranger-client.pem"
        ],
        "{found:#?}"
    );
    let (_, first) = &untrusted[0];
    assert!(
        first.starts_with("member m2's peer-cert-file chains to \"O=etcd, CN=other-ca\", which m1's peer-trusted-ca-file")
            && first.contains("m1.env:10")
            && first.contains("x509: certificate signed by unknown authority"),
        "{first}"
    );

    // etcd 3.4.23 agrees: m1 refuses m2's peer connections with Go's message.
    let ports = [
        (free_port("127.0.0.1"), free_port("127.0.0.1")),
        (free_port("127.0.0.2"), free_port("127.0.0.2")),
    ];
    let cluster = format!(
        "m1=https://127.0.0.1:{},m2=https://127.0.0.2:{}",
        ports[0].1, ports[1].1
    );
    let mut running = vec![
        Member::start(&dir, "m1", "127.0.0.1", ports[0], &cluster, "m1-"),
        Member::start(&dir, "m2", "127.0.0.2", ports[1], &cluster, "m2-"),
    ];
    let said = "x509: certificate signed by unknown authority";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let log = String::from_utf8_lossy(&dir.read("m1.log")).into_owned();
        if log
            .lines()
            .any(|l| l.contains("rejected connection") && l.contains(said))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "m1 did not refuse m2:\n{log}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(running.drain(..));
    // A fresh start: the refused cluster never formed, so its data directories are dropped.
    for name in ["m1", "m2"] {
        std::fs::remove_dir_all(dir.join(&format!("{name}.etcd"))).expect("rm data dir");
    }

    // Reissued from ca.pem (and the stranger removed), lint is clean and the cluster forms.
    issue(
        &dir,
        "ca",
        "server",
        "m2-peer",
        "127.0.0.2,127.0.0.1",
        "m2-peer",
    );
    std::fs::remove_file(dir.join("stranger-client.pem")).expect("rm");
    let (code, found) = lint_json(&dir, &args);
    assert!(
        code == 0 && of(&found, "untrusted-by-member").is_empty(),
        "{found:#?}"
    );
    let mut running = vec![
        Member::start(&dir, "m1", "127.0.0.1", ports[0], &cluster, "m1-"),
        Member::start(&dir, "m2", "127.0.0.2", ports[1], &cluster, "m2-"),
    ];
    let endpoints = format!(
        "https://127.0.0.1:{},https://127.0.0.2:{}",
        ports[0].0, ports[1].0
    );
    wait_healthy(&dir, &endpoints, "client.pem", &mut running);
}

/// issue #15: a leaf of an intermediate CA must send the intermediate (etcd sends what
/// cert-file holds), and a CA whose EKU lacks client auth breaks the peers it issued.
#[test]
fn issue_15_the_chain_sent_and_the_eku_up_the_chain_are_checked() {
    let dir = two_cas();
    issue(
        &dir,
        "ca",
        "intermediate",
        "etcd-intermediate",
        "",
        "intermediate",
    );
    issue(
        &dir,
        "intermediate",
        "server",
        "m1",
        "127.0.0.1",
        "m1-server",
    );
    issue(
        &dir,
        "intermediate",
        "server",
        "m1-peer",
        "127.0.0.1",
        "m1-peer",
    );
    env(&dir, "m1", "127.0.0.1");
    let args = ["--etcd-config", "m1.env", "."];
    let (_, found) = lint_json(&dir, &args);
    let missing = of(&found, "untrusted-by-member");
    assert_eq!(missing.len(), 2, "{found:#?}");
    assert!(
        missing.iter().all(|(_, m)| m.contains("is issued by the intermediate CA \"O=etcd, CN=etcd-intermediate\", which its file does not hold")),
        "{missing:#?}"
    );
    // openssl agrees: without the intermediate the leaf does not verify against ca.pem.
    assert!(!openssl_accepts(&dir, "ca.pem", "m1-peer.pem"));
    // The fix: the leaf and the intermediate in one file, as etcd expects in cert-file.
    let mut bundle = dir.read("m1-peer.pem");
    bundle.extend(dir.read("intermediate.pem"));
    dir.write(
        "m1-peer.pem",
        &String::from_utf8(bundle.clone()).expect("PEM"),
    );
    let mut bundle = dir.read("m1-server.pem");
    bundle.extend(dir.read("intermediate.pem"));
    dir.write("m1-server.pem", &String::from_utf8(bundle).expect("PEM"));
    let (_, found) = lint_json(&dir, &args);
    assert!(of(&found, "untrusted-by-member").is_empty(), "{found:#?}");

    // An intermediate whose EKU has server auth only: Go refuses its peer certificates.
    issue(
        &dir,
        "ca",
        "server-only-ca",
        "eku-intermediate",
        "",
        "eku-intermediate",
    );
    issue(
        &dir,
        "eku-intermediate",
        "server",
        "m1-peer",
        "127.0.0.1",
        "m1-peer",
    );
    let (code, found) = lint_json(&dir, &["."]);
    let eku = of(&found, "chain-eku");
    assert_eq!(code, 1);
    assert_eq!(eku.len(), 1, "{found:#?}");
    assert!(
        eku[0].1.contains("has an EKU without client auth")
            && eku[0]
                .1
                .contains("x509: certificate specifies an incompatible key usage"),
        "{eku:#?}"
    );
}

/// issue #15 point 6: `--root DIR` reads the configurations' absolute paths under a checkout.
#[test]
fn issue_15_root_reads_absolute_paths_under_a_checkout() {
    let dir = two_cas();
    std::fs::create_dir_all(dir.join("checkout/etc/etcd/pki")).expect("mkdir");
    issue(
        &dir,
        "ca",
        "server",
        "m1",
        "127.0.0.1",
        "checkout/etc/etcd/pki/m1-server",
    );
    issue(
        &dir,
        "ca",
        "server",
        "m1-peer",
        "127.0.0.1",
        "checkout/etc/etcd/pki/m1-peer",
    );
    std::fs::copy(dir.join("ca.pem"), dir.join("checkout/etc/etcd/pki/ca.pem")).expect("cp");
    dir.write(
        "checkout/etc/etcd/etcd.yml",
        "name: m1\nclient-transport-security:\n  cert-file: /etc/etcd/pki/m1-server.pem\n  \
         key-file: /etc/etcd/pki/m1-server-key.pem\n  trusted-ca-file: /etc/etcd/pki/ca.pem\n\
         peer-transport-security:\n  cert-file: /etc/etcd/pki/m1-peer.pem\n  \
         key-file: /etc/etcd/pki/m1-peer-key.pem\n  trusted-ca-file: /etc/etcd/pki/ca.pem\n",
    );
    let config = ["--etcd-config", "checkout/etc/etcd/etcd.yml"];
    let (code, found) = lint_json(&dir, &[&config[..], &["checkout"]].concat());
    let missing = of(&found, "etcd-config-invalid");
    assert_eq!((code, missing.len()), (1, 6), "{found:#?}");
    let (code, found) = lint_json(
        &dir,
        &[&config[..], &["--root", "checkout", "checkout"]].concat(),
    );
    assert!(code == 0 && found.is_empty(), "{found:#?}");
}

/// issue #15 point 7: the CA rotation of docs/rotation.md lints without an error at every step;
/// two CAs with one name in one trust bundle are a rollover note naming both keys.
#[test]
fn issue_15_the_documented_ca_rotation_lints_clean_at_every_step() {
    let dir = two_cas();
    let member = |dir: &Dir, ca: &str| {
        issue(dir, ca, "server", "m1", "127.0.0.1,localhost", "m1-server");
        issue(dir, ca, "server", "m1-peer", "127.0.0.1", "m1-peer");
        issue(dir, ca, "client", "root", "", "client");
    };
    member(&dir, "ca");
    std::fs::remove_file(dir.join("other-ca.pem")).expect("rm");
    std::fs::remove_file(dir.join("other-ca-key.pem")).expect("rm");
    let trusting = |file: &str| {
        dir.write(
            "m1.env",
            &format!(
                "ETCD_NAME=m1\nETCD_CERT_FILE=m1-server.pem\nETCD_KEY_FILE=m1-server-key.pem\n\
                 ETCD_TRUSTED_CA_FILE={file}\nETCD_PEER_CERT_FILE=m1-peer.pem\n\
                 ETCD_PEER_KEY_FILE=m1-peer-key.pem\nETCD_PEER_TRUSTED_CA_FILE={file}\n"
            ),
        );
    };
    let step = |name: &str| {
        let (code, found) = lint_json(&dir, &["--etcd-config", "m1.env", "."]);
        assert_eq!(code, 0, "{name}: {found:#?}");
        found
            .into_iter()
            .map(|f| (f.rule, f.severity, f.message))
            .collect::<Vec<_>>()
    };
    trusting("ca.pem");
    assert_eq!(step("before"), []);
    // 1. A new CA from the same request: one name, another key.
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "ca-new");
    let found = step("1");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("ca-rollover", "warning")
    );
    // 2. Both CAs in the trust bundle.
    let bundle = [dir.read("ca.pem"), dir.read("ca-new.pem")].concat();
    dir.write("ca-bundle.pem", &String::from_utf8(bundle).expect("PEM"));
    trusting("ca-bundle.pem");
    let found = step("2");
    assert_eq!(found.len(), 1, "{found:#?}");
    let (rule, level, message) = &found[0];
    assert_eq!((rule.as_str(), level.as_str()), ("ca-rollover", "info"));
    assert!(
        message.starts_with("a CA rollover in progress: ./ca-bundle.pem trusts both CAs named \"O=etcd, CN=etcd-ca\"")
            && message.matches("(key ").count() == 2,
        "{message}"
    );
    // 3. The leaves reissued from the new CA: trusted through the bundle.
    member(&dir, "ca-new");
    assert_eq!(step("3").len(), 1);
    // 4. The old CA dropped from the bundle and deleted.
    std::fs::copy(dir.join("ca-new.pem"), dir.join("ca-bundle.pem")).expect("cp");
    std::fs::remove_file(dir.join("ca.pem")).expect("rm");
    std::fs::remove_file(dir.join("ca-key.pem")).expect("rm");
    assert_eq!(step("4"), []);
}

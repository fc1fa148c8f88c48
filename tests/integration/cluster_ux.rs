//! `etcdpki cluster` as an operator meets it (issue 18): a strict spec file whose misspelled
//! keys are errors naming the closest key, while cfssl's own files stay lenient.

use crate::cluster::{ok, run, stderr};
use crate::util::Dir;

/// The keys a member of the spec file accepts, as the error lists them.
const MEMBER_KEYS: &str = "expected one of \"name\", \"peer_urls\", \"client_urls\", \"hosts\", \"server_hosts\", \"peer_hosts\"";

/// The keys of the spec file's top level.
const TOP_KEYS: &str =
    "expected one of \"members\", \"clients\", \"discovery_srv\", \"server_hosts\", \"peer_hosts\"";

#[test]
fn issue_18_misspelled_spec_keys_are_errors_and_nothing_is_written() {
    // https://github.com/etcdpki/etcdpki/issues/18, point 3: `"host"` and `"client"` were
    // warnings, and the run made a PKI without the SAN and without the client certificate.
    let dir = Dir::new();
    dir.write(
        "cluster.json",
        r#"{"members": [
              {"name": "infra0", "peer_urls": ["https://10.0.1.10:2380"], "host": ["infra0.example.com"]},
              {"name": "infra1", "peer_urls": ["https://10.0.1.11:2380"], "peer_host": ["10.0.2.11"]}],
            "client": ["root"]}"#,
    );
    let out = run(&dir, &["cluster", "--spec", "cluster.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: cluster.json: client: unknown key \"client\"; {TOP_KEYS}\n  help: did you mean \"clients\"?\n\
             error: cluster.json: members[0].host: unknown key \"host\"; {MEMBER_KEYS}\n  help: did you mean \"hosts\"?\n\
             error: cluster.json: members[1].peer_host: unknown key \"peer_host\"; {MEMBER_KEYS}\n  help: did you mean \"peer_hosts\"?\n"
        )
    );
    assert!(out.stdout.is_empty());
    assert!(!dir.join("pki").exists(), "nothing is written");

    // Spelled right, the same file makes the SAN and the client certificate.
    let fixed = String::from_utf8(dir.read("cluster.json"))
        .expect("UTF-8")
        .replace("\"host\"", "\"hosts\"")
        .replace("\"peer_host\"", "\"peer_hosts\"")
        .replace("\"client\"", "\"clients\"");
    dir.write("cluster.json", &fixed);
    ok(&dir, &["cluster", "--spec", "cluster.json"]);
    assert!(dir.join("pki/root.pem").exists());
    let sans = dir.cert("pki/infra0.pem").sans();
    assert!(
        sans.iter().any(|s| s.contains("infra0.example.com")),
        "{sans:?}"
    );
    let sans = dir.cert("pki/infra1-peer.pem").sans();
    assert!(sans.iter().any(|s| s.contains("10.0.2.11")), "{sans:?}");
}

#[test]
fn cfssl_files_keep_cfssls_leniency_with_a_warning() {
    let dir = Dir::new();
    dir.write(
        "csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 256}, "host": ["x"]}"#,
    );
    let out = run(&dir, &["gencert", "-initca", "csr.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "warning: csr.json: host: unknown key \"host\" ignored (cfssl ignores it too)\n  help: did you mean \"hosts\"?"
        ),
        "{}",
        stderr(&out)
    );
}

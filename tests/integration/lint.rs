//! `lint`: every rule fires on a case made here by etcdpki or openssl, and stays quiet on a
//! correct PKI; the output formats and exit codes.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use crate::util::{Dir, Tool, etcdpki, pem_of};

pub(crate) const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "peer": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]},
  "server-only": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth"]},
  "client-only": {"expiry": "8760h", "usages": ["signing", "client auth"]},
  "ca": {"expiry": "8760h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true}}}}}"#;

const MEMBERS: &str = "infra0=https://127.0.0.1:2380,infra1=https://127.0.0.2:2380";

/// A correct two-member PKI in pki/: CA, per member server and peer, a client.
pub(crate) fn good_pki() -> Dir {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write("config.json", CONFIG);
    dir.write("ca.json", r#"{"CN": "etcd-ca", "names": [{"O": "etcd"}]}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "pki/ca");
    for (name, ip) in [("infra0", "127.0.0.1"), ("infra1", "127.0.0.2")] {
        issue(
            &dir,
            "server",
            name,
            &format!("{ip},localhost,example.com"),
            &format!("pki/{name}-server"),
        );
        issue(
            &dir,
            "peer",
            &format!("{name}-peer"),
            &format!("{ip},example.com"),
            &format!("pki/{name}-peer"),
        );
    }
    issue(&dir, "client", "root", "", "pki/client");
    dir
}

/// `gencert -profile PROFILE -cn CN -hostname HOSTS` into `base`, signed by pki/ca.
pub(crate) fn issue(dir: &Dir, profile: &str, cn: &str, hosts: &str, base: &str) {
    issue_by(dir, "pki/ca", profile, cn, hosts, base);
}

fn issue_by(dir: &Dir, ca: &str, profile: &str, cn: &str, hosts: &str, base: &str) {
    dir.issue(ca, "config.json", profile, cn, hosts, base);
}

pub(crate) fn lint(dir: &Dir, args: &[&str]) -> Output {
    let mut full = vec!["lint"];
    full.extend_from_slice(args);
    dir.run(&etcdpki(), &full, b"")
}

/// A finding of `lint --format json`.
#[derive(Debug)]
pub struct Finding {
    pub rule: String,
    pub severity: String,
    pub files: Vec<String>,
    pub message: String,
    /// The line in the first file, when the finding has one.
    pub line: Option<u64>,
}

/// `etcdpki lint --format json ARGS`: the exit code (0 or 1, else the test fails) and the
/// findings.
pub fn lint_json(dir: &Dir, args: &[&str]) -> (i32, Vec<Finding>) {
    let mut full = vec!["--format", "json"];
    full.extend_from_slice(args);
    let out = lint(dir, &full);
    let code = out.status.code().expect("lint exit code");
    assert!(
        matches!(code, 0 | 1),
        "lint {args:?} exited {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
    let findings = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| Finding {
            rule: text(&f["rule"]),
            severity: text(&f["severity"]),
            files: f["files"]
                .as_array()
                .expect("files")
                .iter()
                .map(text)
                .collect(),
            message: text(&f["message"]),
            line: f["line"].as_u64(),
        })
        .collect();
    (code, findings)
}

pub(crate) fn findings(dir: &Dir, args: &[&str]) -> Vec<Finding> {
    lint_json(dir, args).1
}

/// The level of the `rule` finding whose files (joined by spaces) contain `file`.
pub(crate) fn fired(found: &[Finding], rule: &str, file: &str) -> Option<String> {
    found
        .iter()
        .find(|f| f.rule == rule && f.files.join(" ").contains(file))
        .map(|f| f.severity.clone())
}

pub(crate) fn assert_fires(found: &[Finding], rule: &str, file: &str, level: &str) {
    assert_eq!(
        fired(found, rule, file).as_deref(),
        Some(level),
        "{rule} on {file}: {found:#?}"
    );
}

#[test]
fn a_correct_pki_has_no_finding_and_exits_0() {
    let dir = good_pki();
    let out = lint(
        &dir,
        &[
            "--initial-cluster",
            MEMBERS,
            "--discovery-srv",
            "example.com",
            "--deny",
            "warnings",
            "pki",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.ends_with("0 error(s), 0 warning(s), 0 info in 18 file(s): 6 certificate(s), 6 key(s), 6 CSR(s), 0 request(s), 0 config(s)\n"),
        "{text}"
    );
}

#[test]
fn duplicate_subject_fires_on_every_kind_of_name_clash() {
    let dir = good_pki();
    // Two members' peers with one name, as with one csr.json reused for every member.
    issue(&dir, "peer", "member", "127.0.0.1", "pki/infra0-peer");
    issue(&dir, "peer", "member", "127.0.0.2", "pki/infra1-peer");
    // A leaf with the CA's name.
    issue(&dir, "client", "etcd-ca", "", "pki/etcdctl");
    // One member's server and peer with one name and the same SANs: only a warning.
    issue(&dir, "server", "infra9", "127.0.0.9", "pki/infra9-server");
    issue(&dir, "peer", "infra9", "127.0.0.9", "pki/infra9-peer");
    // The same certificate alone and in a bundle is not a duplicate.
    let bundle = [dir.read("pki/client.pem"), dir.read("pki/ca.pem")].concat();
    std::fs::write(dir.join("pki/client-bundle.pem"), bundle).expect("bundle");
    let found = findings(
        &dir,
        &[
            "--initial-cluster",
            &format!("{MEMBERS},infra9=https://127.0.0.9:2380"),
            "pki",
        ],
    );
    assert_fires(
        &found,
        "duplicate-subject",
        "pki/infra0-peer.pem pki/infra1-peer.pem",
        "error",
    );
    assert_fires(&found, "duplicate-subject", "pki/etcdctl.pem", "error");
    assert_fires(
        &found,
        "duplicate-subject",
        "pki/infra9-peer.pem",
        "warning",
    );
    assert_eq!(fired(&found, "duplicate-subject", "client-bundle"), None);

    // A regenerated CA: two CAs, one name, two keys; a rollover (issue #15), a warning until
    // one trust bundle holds both.
    std::fs::create_dir(dir.join("old")).expect("mkdir");
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "old/ca");
    let found = findings(&dir, &["pki/ca.pem", "old/ca.pem"]);
    assert_fires(&found, "ca-rollover", "pki/ca.pem old/ca.pem", "warning");
    assert_eq!(fired(&found, "duplicate-subject", "pki/ca.pem"), None);

    // Two request files with one subject.
    std::fs::create_dir(dir.join("req")).expect("mkdir");
    dir.write(
        "req/a-csr.json",
        r#"{"CN": "member", "hosts": ["127.0.0.1"]}"#,
    );
    dir.write(
        "req/b-csr.json",
        r#"{"CN": "member", "hosts": ["127.0.0.2"]}"#,
    );
    dir.write(
        "req/c-csr.json",
        r#"{"CN": "other", "hosts": ["127.0.0.3"]}"#,
    );
    let found = findings(&dir, &["req"]);
    assert_fires(
        &found,
        "duplicate-subject",
        "req/a-csr.json req/b-csr.json",
        "error",
    );
    assert_eq!(fired(&found, "duplicate-subject", "c-csr"), None);
}

#[test]
fn role_rules_check_eku_and_sans() {
    let dir = good_pki();
    issue(
        &dir,
        "server-only",
        "infra0-peer",
        "127.0.0.1,example.com",
        "pki/infra0-peer",
    );
    issue(
        &dir,
        "client-only",
        "infra1",
        "127.0.0.2,example.com",
        "pki/infra1-server",
    );
    issue(&dir, "server-only", "root", "", "pki/client");
    issue(&dir, "server", "lonely", "", "pki/lonely-server");
    // A name that says nothing: the role comes from the EKU (server auth only: a server).
    issue(&dir, "server-only", "anonymous", "", "pki/anonymous");
    let found = findings(&dir, &["--initial-cluster", MEMBERS, "pki"]);
    assert_fires(&found, "san-empty", "pki/anonymous.pem", "error");
    assert_fires(&found, "peer-eku", "pki/infra0-peer.pem", "error");
    assert_fires(&found, "server-eku", "pki/infra1-server.pem", "error");
    assert_fires(&found, "client-eku", "pki/client.pem", "error");
    assert_fires(&found, "san-empty", "pki/lonely-server.pem", "error");
    for quiet in ["pki/infra1-peer.pem", "pki/infra0-server.pem"] {
        for rule in ["peer-eku", "server-eku", "client-eku", "san-empty"] {
            assert_eq!(fired(&found, rule, quiet), None, "{rule} on {quiet}");
        }
    }
    // A server certificate with server auth only: an error once client-cert auth is known on.
    issue(
        &dir,
        "server-only",
        "infra0",
        "127.0.0.1,localhost",
        "pki/infra0-server",
    );
    let found = findings(&dir, &["pki"]);
    assert_fires(&found, "server-eku", "pki/infra0-server.pem", "warning");
}

#[test]
fn member_hosts_and_the_srv_domain_must_be_in_the_sans() {
    let dir = good_pki();
    issue(
        &dir,
        "peer",
        "infra1-peer",
        "127.0.0.1,*.example.com",
        "pki/infra1-peer",
    );
    let found = findings(
        &dir,
        &[
            "--initial-cluster",
            MEMBERS,
            "--discovery-srv",
            "example.com",
            "pki",
        ],
    );
    assert_fires(&found, "san-missing-member", "pki/infra1-peer.pem", "error");
    assert_fires(&found, "srv-domain-missing", "pki/infra1-peer.pem", "error");
    for quiet in [
        "pki/infra0-peer.pem",
        "pki/infra0-server.pem",
        "pki/client.pem",
    ] {
        assert_eq!(fired(&found, "san-missing-member", quiet), None, "{quiet}");
        assert_eq!(fired(&found, "srv-domain-missing", quiet), None, "{quiet}");
    }
    dir.write(
        "infra1-csr.json",
        r#"{"CN": "infra1", "hosts": ["127.0.0.2"]}"#,
    );
    let found = findings(&dir, &["--discovery-srv", "example.com", "infra1-csr.json"]);
    assert_fires(&found, "srv-domain-missing", "infra1-csr.json", "error");
}

#[test]
fn chains_and_keys_are_verified() {
    let dir = good_pki();
    // Signed by a CA that is not among the files.
    std::fs::create_dir(dir.join("other")).expect("mkdir");
    dir.write("other-ca.json", r#"{"CN": "other-ca"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "other-ca.json"], "other/ca");
    issue_by(
        &dir,
        "other/ca",
        "client",
        "stranger",
        "",
        "pki/stranger-client",
    );
    // Signed by a regenerated CA with the same name as pki/ca.
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "other/etcd-ca");
    issue_by(
        &dir,
        "other/etcd-ca",
        "client",
        "orphan",
        "",
        "pki/orphan-client",
    );
    // A key that belongs to another certificate, and an encrypted one.
    std::fs::copy(
        dir.join("pki/infra0-peer-key.pem"),
        dir.join("pki/infra1-peer-key.pem"),
    )
    .expect("cp");
    dir.openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes256",
        "-pass",
        "pass:x",
        "-out",
        "pki/infra1-server-key.pem",
    ]);
    std::fs::set_permissions(
        dir.join("pki/infra1-server-key.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    // etcdadm/kubeadm names: X.crt with X.key. peer.key belongs to another certificate.
    std::fs::create_dir(dir.join("pki/kube")).expect("mkdir");
    for (from, to) in [
        ("pki/infra0-server.pem", "pki/kube/server.crt"),
        ("pki/infra0-server-key.pem", "pki/kube/server.key"),
        ("pki/infra0-peer.pem", "pki/kube/peer.crt"),
        ("pki/client-key.pem", "pki/kube/peer.key"),
    ] {
        std::fs::copy(dir.join(from), dir.join(to)).expect("cp");
    }
    let found = findings(&dir, &["pki"]);
    assert_fires(&found, "key-mismatch", "pki/kube/peer.key", "error");
    assert_eq!(fired(&found, "key-mismatch", "pki/kube/server"), None);
    assert_fires(&found, "chain-invalid", "pki/stranger-client.pem", "error");
    assert_fires(&found, "chain-invalid", "pki/orphan-client.pem", "error");
    assert_fires(&found, "key-mismatch", "pki/infra1-peer-key.pem", "error");
    assert_fires(&found, "key-mismatch", "pki/infra1-server-key.pem", "error");
    for quiet in ["pki/infra0-peer", "pki/client"] {
        assert_eq!(fired(&found, "chain-invalid", quiet), None, "{quiet}");
        assert_eq!(fired(&found, "key-mismatch", quiet), None, "{quiet}");
    }
}

#[test]
fn validity_is_judged_at_the_given_time() {
    let dir = good_pki();
    let found = findings(&dir, &["--at", "2099-01-01T00:00:00Z", "pki"]);
    assert_fires(&found, "expired", "pki/client.pem", "error");
    let found = findings(&dir, &["--at", "2001-01-01T00:00:00Z", "pki"]);
    assert_fires(&found, "not-yet-valid", "pki/client.pem", "error");
    let found = findings(&dir, &["pki"]);
    assert_eq!(fired(&found, "expired", "pki/client.pem"), None);
    assert_eq!(fired(&found, "not-yet-valid", "pki/client.pem"), None);
    assert_eq!(fired(&found, "expires-soon", "pki/client.pem"), None);
    // The default window is 30 days: 10 days before the end warns, 40 days before does not.
    let end = dir.cert("pki/client.pem").not_after;
    let days_before = |days: i64| {
        time::OffsetDateTime::from_unix_timestamp(end - days * 86_400)
            .expect("a time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("RFC 3339")
    };
    let found = findings(&dir, &["--at", &days_before(10), "pki"]);
    assert_fires(&found, "expires-soon", "pki/client.pem", "warning");
    let found = findings(&dir, &["--at", &days_before(40), "pki"]);
    assert_eq!(fired(&found, "expires-soon", "pki/client.pem"), None);
    // Leaves live a year: a 400-day window makes them due, a warning that exits 0 …
    let out = lint(&dir, &["--warn-within", "400d", "pki"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("warning[expires-soon] pki/client.pem"));
    // … unless warnings are denied.
    let out = lint(
        &dir,
        &["--warn-within", "400d", "--deny", "warnings", "pki"],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn leaves_that_outlive_their_ca_and_readable_keys_are_warnings() {
    let dir = good_pki();
    dir.write(
        "short-ca.json",
        r#"{"CN": "short-ca", "ca": {"expiry": "24h"}}"#,
    );
    std::fs::create_dir(dir.join("short")).expect("mkdir");
    dir.gencert(Tool::Etcdpki, &["-initca", "short-ca.json"], "short/ca");
    issue_by(&dir, "short/ca", "client", "long", "", "short/long-client");
    std::fs::set_permissions(
        dir.join("pki/client-key.pem"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let found = findings(&dir, &["pki", "short"]);
    assert_fires(
        &found,
        "outlives-issuer",
        "short/long-client.pem",
        "warning",
    );
    assert_fires(
        &found,
        "key-file-permissions",
        "pki/client-key.pem",
        "warning",
    );
    assert_eq!(fired(&found, "outlives-issuer", "pki/client.pem"), None);
    assert_eq!(
        fired(&found, "key-file-permissions", "pki/infra0-peer-key.pem"),
        None
    );
}

#[test]
fn cfssl_json_files_are_checked_with_their_json_paths() {
    let dir = Dir::new();
    dir.write(
        "ca-config.json",
        r#"{"signing": {"profiles": {"peer": {"expiry": "8760h", "usages": ["signing", "sever auth"]}}}}"#,
    );
    dir.write(
        "member-csr.json",
        r#"{"CN": "m", "hosts": ["m.example.com:2380"]}"#,
    );
    dir.write(
        "weak-csr.json",
        r#"{"CN": "w", "key": {"algo": "rsa", "size": 1024}}"#,
    );
    dir.write("good-csr.json", r#"{"CN": "g", "hosts": ["127.0.0.1"]}"#);
    dir.write(
        "expiry-config.json",
        r#"{"signing": {"default": {"expiry": "10 years"}}}"#,
    );
    let out = lint(&dir, &["."]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[config-invalid] ./ca-config.json:1: signing.profiles.peer.usages[1]: unknown usage \"sever auth\""), "{text}");
    assert!(
        text.contains("error[request-invalid] ./member-csr.json:1: hosts[0]"),
        "{text}"
    );
    assert!(
        text.contains("error[request-invalid] ./weak-csr.json:1: key.size"),
        "{text}"
    );
    assert!(
        text.contains("error[config-invalid] ./expiry-config.json:1: signing.default.expiry"),
        "{text}"
    );
    assert!(!text.contains("good-csr.json"), "{text}");
}

#[test]
fn formats_and_exit_codes() {
    let dir = good_pki();
    issue(&dir, "server-only", "root", "", "pki/client");
    let json = lint(&dir, &["--format", "json", "pki"]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["findings"][0]["rule"], "client-eku");
    assert_eq!(v["findings"][0]["files"][0], "pki/client.pem");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("client auth"))
    );

    let sarif = lint(&dir, &["--format", "sarif", "pki"]);
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "client-eku");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pki/client.pem"
    );

    let gh = lint(&dir, &["--format", "github", "pki"]);
    assert!(
        String::from_utf8_lossy(&gh.stdout)
            .starts_with("::error file=pki/client.pem,title=client-eku::")
    );

    let off = lint(&dir, &["--rule", "client-eku=off", "pki"]);
    assert!(
        off.status.success(),
        "{}",
        String::from_utf8_lossy(&off.stdout)
    );
    let demoted = lint(&dir, &["--rule", "client-eku=warning", "pki"]);
    assert!(demoted.status.success());
    assert!(String::from_utf8_lossy(&demoted.stdout).contains("warning[client-eku]"));

    for (args, message) in [
        (
            vec!["--rule", "no-such-rule=off", "pki"],
            "unknown rule \"no-such-rule\"",
        ),
        (
            vec!["--rule", "expired=loud", "pki"],
            "unknown level \"loud\"",
        ),
        (
            vec!["--at", "tomorrow", "pki"],
            "invalid value 'tomorrow' for '--at <TIME>'",
        ),
        (
            vec!["--initial-cluster", "infra0", "pki"],
            "--initial-cluster",
        ),
        (
            vec!["missing-dir"],
            "missing-dir: no such file or directory",
        ),
        (vec![], "give the files or directories"),
    ] {
        let out = lint(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rules = lint(&dir, &["--list-rules"]);
    assert!(rules.status.success());
    for id in [
        "duplicate-subject",
        "srv-domain-missing",
        "peer-eku",
        "server-eku",
        "client-eku",
        "san-missing-member",
        "chain-invalid",
        "key-mismatch",
        "expired",
        "not-yet-valid",
        "expires-soon",
        "weak-key",
        "weak-signature",
        "ca-constraints",
        "san-empty",
        "outlives-issuer",
        "key-file-permissions",
    ] {
        assert!(String::from_utf8_lossy(&rules.stdout).contains(id), "{id}");
    }
}

#[test]
fn garbage_and_loops_are_survived() {
    let dir = good_pki();
    dir.write(
        "pki/broken.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64 at all\n",
    );
    dir.write(
        "pki/truncated.pem",
        &String::from_utf8_lossy(&dir.read("pki/ca.pem"))[..200],
    );
    dir.write(
        "pki/trailing.pem",
        &pem_with_extra(&dir.read("pki/client.pem"), b"\x00\x00"),
    );
    dir.write("pki/notes.txt", "just notes");
    dir.write("pki/odd.json", "{\"unrelated\": true}");
    std::os::unix::fs::symlink(dir.join("pki"), dir.join("pki/loop")).expect("symlink");
    let found = findings(&dir, &["pki"]);
    assert_fires(&found, "unreadable", "pki/broken.pem", "error");
    assert_fires(&found, "unreadable", "pki/truncated.pem", "error");
    // Go's x509.ParseCertificate refuses it ("x509: trailing data"), so etcd would.
    assert_fires(&found, "unreadable", "pki/trailing.pem", "error");
    assert_eq!(fired(&found, "unreadable", "notes.txt"), None);
    assert_eq!(fired(&found, "unreadable", "odd.json"), None);
}

/// Roles, key pairs, members and client-cert auth come from etcd's own configuration, in each
/// of its three forms, for files whose names say nothing.
#[test]
fn etcd_configurations_give_roles_pairs_and_members() {
    let dir = good_pki();
    std::fs::create_dir(dir.join("node")).expect("mkdir");
    // Names that say nothing about roles: only the configurations do.
    issue(
        &dir,
        "server-only",
        "node-a",
        "127.0.0.1,localhost",
        "node/a",
    );
    issue(&dir, "server-only", "node-b", "127.0.0.1", "node/b");
    issue(&dir, "client", "node-c", "", "node/c");
    let node = dir.join("node").display().to_string();
    dir.write(
        "etcd.env",
        &format!(
            "ETCD_NAME=infra0\nETCD_CERT_FILE={node}/a.pem\nETCD_KEY_FILE={node}/a-key.pem\n\
             ETCD_CLIENT_CERT_AUTH=true\nETCD_TRUSTED_CA_FILE=pki/ca.pem\n\
             ETCD_PEER_CERT_FILE={node}/b.pem\nETCD_PEER_KEY_FILE={node}/c-key.pem\n\
             ETCD_INITIAL_ADVERTISE_PEER_URLS=https://10.0.1.10:2380\n\
             ETCD_DISCOVERY_SRV=example.com\n"
        ),
    );
    let found = findings(&dir, &["--etcd-config", "etcd.env", "node"]);
    // a.pem serves clients without client auth while client-cert auth is on: an error.
    assert_fires(&found, "server-eku", "node/a.pem", "error");
    // b.pem is the peer certificate: it lacks client auth, 10.0.1.10 and the SRV domain.
    assert_fires(&found, "peer-eku", "node/b.pem", "error");
    assert_fires(&found, "san-missing-member", "node/b.pem", "error");
    assert_fires(&found, "srv-domain-missing", "node/b.pem", "error");
    // The peer key the configuration names belongs to c.pem.
    assert_fires(&found, "key-mismatch", "node/b.pem node/c-key.pem", "error");
    assert_eq!(fired(&found, "client-eku", "node/c.pem"), None);

    dir.write(
        "etcd.yml",
        &format!(
            "name: infra0\npeer-transport-security:\n  cert-file: {node}/b.pem\n  key-file: {node}/b-key.pem\n\
             client-transport-security:\n  cert-file: {node}/missing.pem\n"
        ),
    );
    let found = findings(&dir, &["--etcd-config", "etcd.yml", "node"]);
    assert_fires(&found, "peer-eku", "node/b.pem", "error");
    assert_fires(&found, "etcd-config-invalid", "etcd.yml", "error");
    assert_eq!(fired(&found, "key-mismatch", "node/b"), None);

    dir.write(
        "etcd.service",
        &format!(
            "[Unit]\nDescription=etcd\n\n[Service]\nExecStart=/usr/bin/etcd --name infra0 \\\n  \
             --peer-cert-file={node}/b.pem --peer-key-file {node}/b-key.pem \\\n  \
             --initial-cluster infra0=https://127.0.0.1:2380\n"
        ),
    );
    let found = findings(&dir, &["--etcd-config", "etcd.service", "node"]);
    assert_fires(&found, "peer-eku", "node/b.pem", "error");
    assert_eq!(
        fired(&found, "san-missing-member", "node/b.pem"),
        None,
        "{found:#?}"
    );

    dir.write("broken.yml", "name: [infra0\n");
    let out = lint(&dir, &["--etcd-config", "broken.yml", "node"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable configuration cannot be run"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken.yml:1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pem` with the byte at `at` (an offset into its DER) flipped.
pub(crate) fn tampered(pem: &[u8], at: impl Fn(usize) -> usize) -> String {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem).expect("PEM");
    let mut der = block.contents;
    let at = at(der.len());
    der[at] ^= 0x01;
    pem_of(&der)
}

/// `pem`'s certificate with `extra` bytes after its DER, inside the PEM block.
fn pem_with_extra(pem: &[u8], extra: &[u8]) -> String {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem).expect("PEM");
    pem_of(&[block.contents.as_slice(), extra].concat())
}

/// docs/lints.md has a section for every rule `--list-rules` prints, each saying what it checks,
/// why (quoting the message it prevents) and how to fix it; and the CI examples run lint the way
/// the formats above were tested.
#[test]
fn every_rule_has_its_documentation_and_the_ci_examples_are_there() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lints.md"))
        .expect("docs/lints.md");
    let section = |heading: &str| -> String {
        docs.split("\n## ")
            .find(|s| s.lines().next() == Some(heading))
            .unwrap_or_else(|| panic!("docs/lints.md has no section \"## {heading}\""))
            .to_owned()
    };
    let rules = lint(&Dir::new(), &["--list-rules"]);
    let ids: Vec<String> = String::from_utf8_lossy(&rules.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(ids.len() >= 21, "{ids:?}");
    for id in &ids {
        let text = section(id);
        for part in ["**Checks.**", "**Why.**", "**Fix.**"] {
            assert!(text.contains(part), "## {id} lacks {part}");
        }
        let why = &text[text.find("**Why.**").expect("why")..];
        assert!(
            why.contains('`') || why.contains('"'),
            "## {id} quotes no message"
        );
    }
    let ci = section("CI");
    for needed in [
        "etcdpki lint --format sarif",
        "github/codeql-action/upload-sarif",
        "etcdpki lint --format github",
        "security-events: write",
        ".pre-commit-config.yaml",
        "entry: etcdpki lint",
    ] {
        assert!(ci.contains(needed), "the CI section lacks {needed:?}");
    }
}

//! `etcdpki cluster` (issue #5): a real 3-member etcd started from the generated env files, a
//! fourth member added with only its own new files, idempotent reruns, the CA never replaced
//! without --force, the etcdadm and kubeadm layouts file by file, spec files, cfssl
//! reproducing a certificate from the written requests, and `lint` clean on every output.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use x509_parser::prelude::*;

use crate::etcd::{Member, etcdctl, free_port, wait_healthy};
use crate::util::{Dir, Dump, etcdpki, openssl_verify, require};

/// Runs `etcdpki ARGS` in `dir` and returns its output, whatever the exit code.
pub(crate) fn run(dir: &Dir, args: &[&str]) -> Output {
    dir.run(&etcdpki(), args, b"")
}

/// Runs `etcdpki ARGS` and expects success; returns stdout.
pub(crate) fn ok(dir: &Dir, args: &[&str]) -> String {
    String::from_utf8_lossy(&dir.ok(args, b"")).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `lint ARGS` must exit 0 and report no error.
pub(crate) fn lint_clean(dir: &Dir, args: &[&str]) {
    let mut full = vec!["lint"];
    full.extend_from_slice(args);
    let out = run(dir, &full);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("0 error(s), 0 warning(s)"),
        "lint {args:?}:\n{text}{}",
        stderr(&out)
    );
}

/// Every file under `root`: its bytes, modification time and inode, to prove a run wrote
/// nothing (a rewrite with the same bytes changes the inode: files are replaced by rename).
pub(crate) fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i64, i64, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                let rel = path.strip_prefix(root).expect("under root").to_path_buf();
                out.insert(rel, (bytes, meta.mtime(), meta.mtime_nsec(), meta.ino()));
            }
        }
    }
    out
}

pub(crate) fn names(snap: &BTreeMap<PathBuf, (Vec<u8>, i64, i64, u64)>) -> Vec<String> {
    snap.keys().map(|p| p.display().to_string()).collect()
}

/// (server auth, client auth) of a certificate's ExtendedKeyUsage.
pub(crate) fn eku(dir: &Dir, file: &str) -> (bool, bool) {
    let pem = dir.read(file);
    let (_, pem) = parse_x509_pem(&pem).expect("PEM");
    let cert = pem.parse_x509().expect("certificate");
    let eku = cert
        .extended_key_usage()
        .expect("valid EKU")
        .expect("an EKU extension")
        .value;
    (eku.server_auth, eku.client_auth)
}

/// The key file holds the certificate's key, as openssl sees it.
pub(crate) fn assert_key_matches(dir: &Dir, cert: &str, key: &str) {
    let from_cert = dir.openssl(&["x509", "-in", cert, "-noout", "-pubkey"]);
    let from_key = dir.openssl(&["pkey", "-in", key, "-pubout"]);
    assert_eq!(from_cert, from_key, "{key} does not hold the key of {cert}");
    let mode = std::fs::metadata(dir.join(key))
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{key}");
}

#[test]
fn cluster_without_flags_makes_etcds_default_member_in_pki() {
    let dir = Dir::new();
    let report = ok(&dir, &["cluster"]);
    assert!(report.contains("new      default server"), "{report}");
    let files = names(&snapshot(&dir.join("pki")));
    assert_eq!(
        files,
        [
            "ca-config.json",
            "ca-csr.json",
            "ca-key.pem",
            "ca.csr",
            "ca.pem",
            "default-csr.json",
            "default-key.pem",
            "default-peer-csr.json",
            "default-peer-key.pem",
            "default-peer.csr",
            "default-peer.pem",
            "default.csr",
            "default.env",
            "default.pem",
        ]
    );
    let ca = dir.cert("pki/ca.pem");
    let server = dir.cert("pki/default.pem");
    let peer = dir.cert("pki/default-peer.pem");
    assert_eq!(server.sans(), ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    assert_eq!(peer.sans(), ["DNS:localhost", "IP:127.0.0.1"]);
    assert_eq!(server.subject, "O=etcd, OU=server, CN=default");
    assert_eq!(peer.subject, "O=etcd, OU=peer, CN=default");
    assert_eq!(ca.subject, "O=etcd, OU=ca, CN=etcd-ca");
    assert_eq!(ca.lifetime(), 87600 * 3600);
    assert_eq!(server.lifetime(), 8760 * 3600);
    for (cert, key) in [
        ("pki/ca.pem", "pki/ca-key.pem"),
        ("pki/default.pem", "pki/default-key.pem"),
        ("pki/default-peer.pem", "pki/default-peer-key.pem"),
    ] {
        assert_key_matches(&dir, cert, key);
    }
    for leaf in [&server, &peer] {
        leaf.verify_signed_by(&ca);
    }
    assert_eq!(eku(&dir, "pki/default.pem"), (true, true));
    assert_eq!(eku(&dir, "pki/default-peer.pem"), (true, true));
    for purpose in ["sslserver", "sslclient"] {
        openssl_verify(&dir, "pki/ca.pem", "pki/default.pem", purpose);
        openssl_verify(&dir, "pki/ca.pem", "pki/default-peer.pem", purpose);
    }
    // The request files are what cfssl would read, and every CSR verifies.
    dir.openssl(&["req", "-in", "pki/default.csr", "-noout", "-verify"]);
    let env = String::from_utf8_lossy(&dir.read("pki/default.env")).into_owned();
    assert!(env.contains("\nETCD_INITIAL_CLUSTER=default=https://localhost:2380\n"));
    let ca_file = dir.join("pki/ca.pem");
    assert!(
        env.contains(&format!("\nETCD_TRUSTED_CA_FILE={}\n", ca_file.display())),
        "{env}"
    );
    lint_clean(
        &dir,
        &["--initial-cluster", "default=https://localhost:2380", "pki"],
    );
    lint_clean(&dir, &["--etcd-config", "pki/default.env", "pki"]);
}

/// The `KEY=VALUE` lines of an env file, unquoted.
pub(crate) fn env_vars(file: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(file).expect("env file");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=VALUE");
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Starts etcd for `name` from `pki/NAME.env` alone, in its own working directory (where its
/// default data directory `NAME.etcd` goes).
pub(crate) fn start_from_env(dir: &Dir, name: &str) -> Member {
    let work = dir.join(name);
    std::fs::create_dir_all(&work).expect("member dir");
    let log = std::fs::File::create(dir.join(&format!("{name}.log"))).expect("log");
    let child = Command::new(require("etcd", "etcd-server"))
        .current_dir(&work)
        .envs(env_vars(&dir.join(&format!("pki/{name}.env"))))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    Member {
        child,
        name: name.to_owned(),
    }
}

/// The client certificate the tests talk to etcd with.
pub(crate) const CLIENT: &str = "pki/root.pem";

/// A port free on every one of `ips` a moment ago: the members share the client port.
pub(crate) fn port_free_on(ips: &[&str]) -> u16 {
    for _ in 0..50 {
        let port = free_port(ips[0]);
        if ips.iter().all(|ip| TcpListener::bind((*ip, port)).is_ok()) {
            return port;
        }
    }
    panic!("no port free on all of {ips:?}");
}

#[test]
fn three_members_start_from_the_env_files_and_a_fourth_joins_with_only_its_new_files() {
    let dir = Dir::new();
    let ips = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];
    let client_port = port_free_on(&ips).to_string();
    let members: Vec<(String, String, u16)> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| (format!("m{}", i + 1), ip.to_string(), free_port(ip)))
        .collect();
    let cluster = |n: usize| -> String {
        members[..n]
            .iter()
            .map(|(name, ip, port)| format!("{name}=https://{ip}:{port}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let endpoints = |n: usize| -> String {
        members[..n]
            .iter()
            .map(|(_, ip, _)| format!("https://{ip}:{client_port}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    // Members on one host dial each other from 127.0.0.1, and etcd checks a peer's IP SANs
    // against the connection's source address (etcd 3.4 pkg/transport/listener_tls.go,
    // `checkCertSAN`): cluster adds it to loopback members' peer certificates on its own.
    let make = |n: usize| {
        let initial = cluster(n);
        ok(
            &dir,
            &[
                "cluster",
                "--initial-cluster",
                &initial,
                "--client-port",
                &client_port,
                "--client",
                "root",
            ],
        )
    };
    make(3);
    let mut running: Vec<Member> = ["m1", "m2", "m3"]
        .iter()
        .map(|name| start_from_env(&dir, name))
        .collect();
    wait_healthy(&dir, &endpoints(3), CLIENT, &mut running);
    let (ok_put, out) = etcdctl(&dir, &endpoints(3), CLIENT, &["put", "issue5", "works"]);
    assert!(ok_put, "put: {out}");
    let (ok_get, out) = etcdctl(&dir, &endpoints(3), CLIENT, &["get", "issue5"]);
    assert!(ok_get && out.contains("works"), "get: {out}");

    // A fourth member: the rerun writes its files only and changes no other file.
    let before = snapshot(&dir.join("pki"));
    let report = make(4);
    assert!(report.contains("new      m4 server"), "{report}");
    assert!(report.contains("kept     m3 peer"), "{report}");
    let after = snapshot(&dir.join("pki"));
    for (path, old) in &before {
        assert_eq!(after.get(path), Some(old), "{} changed", path.display());
    }
    let added: Vec<String> = after
        .keys()
        .filter(|p| !before.contains_key(*p))
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        added,
        [
            "m4-csr.json",
            "m4-key.pem",
            "m4-peer-csr.json",
            "m4-peer-key.pem",
            "m4-peer.csr",
            "m4-peer.pem",
            "m4.csr",
            "m4.env",
            "m4.pem"
        ]
    );
    let vars = env_vars(&dir.join("pki/m4.env"));
    assert!(vars.contains(&("ETCD_INITIAL_CLUSTER_STATE".into(), "existing".into())));
    assert!(vars.contains(&("ETCD_INITIAL_CLUSTER".into(), cluster(4))));

    // etcd refuses to add a member ("unhealthy cluster") until every member has been
    // connected to the leader for 5 s (etcd 3.4 etcdserver/server.go mayAddMember,
    // HealthInterval): retry for up to 30 s.
    let (_, ip4, peer4) = &members[3];
    let peer_urls = format!("--peer-urls=https://{ip4}:{peer4}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (added, out) = etcdctl(
            &dir,
            &endpoints(3),
            CLIENT,
            &["member", "add", "m4", &peer_urls],
        );
        if added {
            break;
        }
        assert!(
            out.contains("unhealthy cluster") && Instant::now() < deadline,
            "member add: {out}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    running.push(start_from_env(&dir, "m4"));
    wait_healthy(&dir, &endpoints(4), CLIENT, &mut running);
    let m4 = format!("https://{ip4}:{client_port}");
    let (ok_get, out) = etcdctl(&dir, &m4, CLIENT, &["get", "issue5"]);
    assert!(ok_get && out.contains("works"), "get from m4: {out}");
    let (ok_list, out) = etcdctl(&dir, &endpoints(4), CLIENT, &["member", "list"]);
    assert!(ok_list && out.matches("started").count() == 4, "{out}");

    // No connection was refused for its certificate: the SANs cover the advertised and the
    // source IPs. ("rejected connection … EOF" is a client hanging up mid-handshake.)
    for m in &running {
        let log = String::from_utf8_lossy(&dir.read(&format!("{}.log", m.name))).into_owned();
        let refused: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("rejected connection")
                    && (l.contains("x509") || l.contains("certificate"))
            })
            .collect();
        assert!(refused.is_empty(), "{}: {refused:#?}", m.name);
    }
    lint_clean(&dir, &["--initial-cluster", &cluster(4), "pki"]);
    let configs: Vec<String> = (1..=4).map(|i| format!("pki/m{i}.env")).collect();
    let mut args: Vec<&str> = Vec::new();
    for c in &configs {
        args.extend(["--etcd-config", c.as_str()]);
    }
    args.push("pki");
    lint_clean(&dir, &args);
}

pub(crate) const THREE: &str =
    "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380";

#[test]
fn a_second_identical_run_changes_no_file_and_a_new_client_adds_only_its_files() {
    let dir = Dir::new();
    let args = ["cluster", "--initial-cluster", THREE, "--client", "root"];
    ok(&dir, &args);
    let first = snapshot(&dir.join("pki"));
    let report = ok(&dir, &args);
    assert_eq!(
        snapshot(&dir.join("pki")),
        first,
        "the second run changed files"
    );
    assert!(
        report.ends_with("pki: 0 files written, 36 unchanged\n"),
        "{report}"
    );
    assert_eq!(report.matches("kept").count(), 8, "{report}");

    ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            THREE,
            "--client",
            "root",
            "--client",
            "prometheus",
        ],
    );
    let third = snapshot(&dir.join("pki"));
    let added: Vec<String> = third
        .keys()
        .filter(|p| !first.contains_key(*p))
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        added,
        [
            "prometheus-csr.json",
            "prometheus-key.pem",
            "prometheus.csr",
            "prometheus.pem"
        ]
    );
    for (path, old) in &first {
        assert_eq!(third.get(path), Some(old), "{} changed", path.display());
    }
    let client = dir.cert("pki/prometheus.pem");
    assert_eq!(client.subject, "O=etcd, OU=client, CN=prometheus");
    assert!(client.sans().is_empty());
    assert_eq!(eku(&dir, "pki/prometheus.pem"), (false, true));
    openssl_verify(&dir, "pki/ca.pem", "pki/prometheus.pem", "sslclient");
}

#[test]
fn a_changed_plan_replaces_only_the_certificates_it_changes() {
    let dir = Dir::new();
    ok(&dir, &["cluster", "--initial-cluster", THREE]);
    let first = snapshot(&dir.join("pki"));
    let report = ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            THREE,
            "--server-san",
            "etcd.example.com",
        ],
    );
    assert!(
        report.contains(
            "replaced infra1 server                pki/infra1.pem (its SANs differ: it lacks etcd.example.com)"
        ),
        "{report}"
    );
    assert_eq!(report.matches("replaced").count(), 3, "{report}");
    let now = snapshot(&dir.join("pki"));
    for unchanged in [
        "ca.pem",
        "ca-key.pem",
        "infra0-peer.pem",
        "infra0-peer-key.pem",
        "infra2.env",
    ] {
        assert_eq!(
            first.get(Path::new(unchanged)),
            now.get(Path::new(unchanged)),
            "{unchanged}"
        );
    }
    assert_ne!(
        first.get(Path::new("infra0-key.pem")),
        now.get(Path::new("infra0-key.pem"))
    );
    assert!(
        dir.cert("pki/infra0.pem")
            .sans()
            .contains(&"DNS:etcd.example.com".to_owned())
    );
    // A key that does not match its certificate is replaced too.
    std::fs::copy(
        dir.join("pki/infra1-key.pem"),
        dir.join("pki/infra2-key.pem"),
    )
    .expect("copy");
    let report = ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            THREE,
            "--server-san",
            "etcd.example.com",
        ],
    );
    assert!(
        report.contains("(its key file pki/infra2-key.pem holds another key)"),
        "{report}"
    );
    assert_key_matches(&dir, "pki/infra2.pem", "pki/infra2-key.pem");
}

#[test]
fn an_existing_ca_is_never_replaced_without_force() {
    let dir = Dir::new();
    ok(&dir, &["cluster", "--initial-cluster", THREE]);
    let ca = dir.read("pki/ca.pem");

    // Another subject: the CA is kept with a warning, the leaves follow the new names.
    let out = run(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            THREE,
            "--names",
            "O=Example",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pki/ca.pem: the CA differs from the plan (its subject is"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dir.read("pki/ca.pem"), ca);
    assert_eq!(
        dir.cert("pki/infra0.pem").subject,
        "O=Example, OU=server, CN=infra0"
    );
    dir.cert("pki/infra0.pem")
        .verify_signed_by(&Dump::from_pem(&ca));

    // An unusable CA stops the run, and nothing is written.
    std::fs::remove_file(dir.join("pki/ca-key.pem")).expect("rm");
    let before = snapshot(&dir.join("pki"));
    let out = run(&dir, &["cluster", "--initial-cluster", THREE]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next(),
        Some(
            "error: the existing CA cannot be used: pki/ca.pem exists but its key pki/ca-key.pem does not"
        ),
    );
    assert!(stderr(&out).contains("--force makes a new CA"));
    assert_eq!(snapshot(&dir.join("pki")), before);

    // With --force: a new CA and every certificate issued anew by it.
    let report = ok(&dir, &["cluster", "--initial-cluster", THREE, "--force"]);
    assert!(report.starts_with("replaced CA"), "{report}");
    assert_eq!(report.matches("(the CA is new)").count(), 6, "{report}");
    let new_ca = dir.cert("pki/ca.pem");
    assert_ne!(new_ca.der, Dump::from_pem(&ca).der);
    dir.cert("pki/infra2-peer.pem").verify_signed_by(&new_ca);
    assert_key_matches(&dir, "pki/ca.pem", "pki/ca-key.pem");
}

#[test]
fn usage_errors_exit_2_and_name_the_flag_and_what_it_takes() {
    let dir = Dir::new();
    for (args, message) in [
        (
            vec!["--initial-cluster", "infra0=http://10.0.1.10:2380"],
            "error: --initial-cluster: infra0=http://10.0.1.10:2380: an http URL does not use TLS; write https://HOST:PORT, e.g. https://10.0.1.10:2380",
        ),
        (
            vec!["--key-algo", "rsa", "--key-size", "1024"],
            "error: --key-size 1024: rsa keys have 2048, 3072, 4096 or 8192 bits",
        ),
        (
            vec!["--key-algo", "dsa"],
            "error: invalid value 'dsa' for '--key-algo <ALGO>'\n  [possible values: rsa, ecdsa, ed25519]",
        ),
        (
            vec!["--names", "X=1"],
            "error: --names unknown name \"X\"; expected one of C, ST, L, O, OU",
        ),
        (
            vec!["--layout", "kubespray"],
            "error: invalid value 'kubespray' for '--layout <LAYOUT>'\n  [possible values: cfssl, etcdadm, kubeadm]",
        ),
        (
            vec!["--expiry", "1y"],
            "error: invalid value '1y' for '--expiry <DURATION>': \"1y\": time: unknown unit \"y\" in duration \"1y\"; write a Go duration such as \"720h\" or days such as \"30d\"",
        ),
        (
            vec!["--client", "default"],
            "error: client \"default\": is also a member's name; their certificate files would collide",
        ),
        (
            vec!["--server-san", "etcd:2379"],
            "error: --server-san \"etcd:2379\": a host with a port is not a host name",
        ),
        (
            vec![
                "--initial-cluster",
                "a=https://10.0.0.1:2380",
                "--spec",
                "c.json",
            ],
            "error: the argument '--initial-cluster <MEMBERS>' cannot be used with '--spec <FILE>'",
        ),
    ] {
        let mut full = vec!["cluster"];
        full.extend(args.iter().copied());
        let out = run(&dir, &full);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(message),
            "{args:?}:\n{}\nshould start with\n{message}",
            stderr(&out)
        );
    }
    assert!(!dir.join("pki").exists(), "nothing is written");
}

#[test]
fn cfssl_reissues_a_certificate_from_the_written_requests() {
    let dir = Dir::new();
    ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            THREE,
            "--client",
            "root",
            "--names",
            "C=US,O=Example,OU=Ops",
            "--key-algo",
            "rsa",
        ],
    );
    let cfssl = require("cfssl", "golang-cfssl");
    for (profile, request, ours) in [
        ("server", "infra1-csr.json", "infra1.pem"),
        ("peer", "infra1-peer-csr.json", "infra1-peer.pem"),
        ("client", "root-csr.json", "root.pem"),
    ] {
        let out = Command::new(&cfssl)
            .args([
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
            ])
            .arg(format!("-profile={profile}"))
            .arg(request)
            .current_dir(dir.join("pki"))
            .output()
            .expect("run cfssl");
        assert!(
            out.status.success(),
            "cfssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cfssl JSON");
        let theirs = Dump::from_pem(json["cert"].as_str().expect("cert").as_bytes());
        let ours = dir.cert(&format!("pki/{ours}"));
        assert_eq!(theirs.subject_der, ours.subject_der, "{request}");
        assert_eq!(theirs.issuer_der, ours.issuer_der, "{request}");
        assert_eq!(theirs.sans(), ours.sans(), "{request}");
        assert_eq!(theirs.lifetime(), ours.lifetime(), "{request}");
        for oid in [
            crate::util::ext::KU,
            crate::util::ext::EKU,
            crate::util::ext::BC,
        ] {
            assert_eq!(
                theirs.extension(oid),
                ours.extension(oid),
                "{request} {oid}"
            );
        }
    }
    assert_eq!(
        dir.cert("pki/infra1.pem").subject,
        "C=US, O=Example, OU=Ops + OU=server, CN=infra1"
    );
}

#[test]
fn a_member_copy_of_another_ca_is_not_overwritten_without_force() {
    let dir = Dir::new();
    let args = [
        "cluster",
        "--initial-cluster",
        "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380",
        "--layout",
        "etcdadm",
    ];
    ok(&dir, &args);
    ok(&dir, &["cluster", "--out", "other"]);
    std::fs::copy(dir.join("other/ca.pem"), dir.join("pki/b/ca.crt")).expect("copy");
    let before = snapshot(&dir.join("pki"));
    let out = run(&dir, &args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: pki/b/ca.crt holds another CA than pki/ca.crt, and would be overwritten\n  \
         help: move it away if it is the only copy of that CA, or pass --force to overwrite it\n"
    );
    assert_eq!(snapshot(&dir.join("pki")), before);

    // --force puts the cluster's CA back; the CA itself and every certificate stay.
    let mut forced = args.to_vec();
    forced.push("--force");
    let report = ok(&dir, &forced);
    assert!(
        report.ends_with("pki: 1 file written, 33 unchanged\n"),
        "{report}"
    );
    assert_eq!(dir.read("pki/b/ca.crt"), dir.read("pki/ca.crt"));

    // A lost key: its certificate is issued anew with a new key.
    std::fs::remove_file(dir.join("pki/a/peer.key")).expect("rm");
    let report = ok(&dir, &args);
    assert!(
        report.contains("replaced a peer                       pki/a/peer.crt (its key file pki/a/peer.key is missing)"),
        "{report}"
    );
    assert_key_matches(&dir, "pki/a/peer.crt", "pki/a/peer.key");
}

/// SIGKILL at many instants while `cluster` reissues certificates (a changed server SAN): every
/// file on disk is complete (a certificate or key that parses), and the next full run leaves a
/// PKI whose keys match their certificates and that lint finds clean.
#[test]
fn sigkill_while_writing_leaves_complete_files_and_a_rerun_finishes() {
    let dir = Dir::new();
    let members = "m1=https://127.0.0.1:2380,m2=https://127.0.0.2:2380,m3=https://127.0.0.3:2380";
    let base = ["cluster", "--initial-cluster", members, "--out", "pki"];
    ok(&dir, &base);
    let start = Instant::now();
    ok(
        &dir,
        &[&base[..], &["--server-san", "warmup.example.com"]].concat(),
    );
    let full = start.elapsed();
    let mut round: u32 = 0;
    while round < 30 {
        round += 1;
        let san = format!("round{round}.example.com");
        let mut child = Command::new(etcdpki())
            .args(base)
            .args(["--server-san", &san])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(full.mul_f64(f64::from(round * 37 % 100) / 100.0));
        let _ = child.kill();
        let _ = child.wait();
        for (path, (bytes, ..)) in snapshot(&dir.join("pki")) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || !name.ends_with(".pem") {
                continue;
            }
            if name.ends_with("-key.pem") {
                etcdpki::PrivateKey::from_pem(&bytes)
                    .unwrap_or_else(|e| panic!("round {round}: {name}: {e}"));
            } else {
                Dump::from_pem(&bytes);
            }
        }
    }
    ok(
        &dir,
        &[&base[..], &["--server-san", "final.example.com"]].concat(),
    );
    lint_clean(&dir, &["--initial-cluster", members, "pki"]);
    let leftovers: Vec<String> = names(&snapshot(&dir.join("pki")))
        .into_iter()
        .filter(|n| n.rsplit('/').next().is_some_and(|f| f.starts_with('.')))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

//! `cluster` in the etcdadm and kubeadm layouts and from spec files: each tool's file names,
//! every member's IPs and names, and spec file errors with their JSON paths.

use crate::util::{Dir, openssl_verify};

use super::cluster::{
    THREE, assert_key_matches, eku, env_vars, lint_clean, names, ok, run, snapshot, stderr,
};

#[test]
fn etcdadm_layout_has_etcdadms_files_per_member() {
    let dir = Dir::new();
    ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380",
            "--layout",
            "etcdadm",
            "--cert-dir",
            "/etc/etcd/pki",
        ],
    );
    let mut files = names(&snapshot(&dir.join("pki")));
    files.sort();
    let mut expected = vec![
        "a-apiserver-etcd-client-csr.json",
        "a-csr.json",
        "a-etcdctl-etcd-client-csr.json",
        "a-peer-csr.json",
        "a.env",
    ];
    let member = [
        "apiserver-etcd-client.crt",
        "apiserver-etcd-client.key",
        "ca.crt",
        "ca.key",
        "etcdctl-etcd-client.crt",
        "etcdctl-etcd-client.key",
        "peer.crt",
        "peer.key",
        "server.crt",
        "server.key",
    ];
    let a: Vec<String> = member.iter().map(|f| format!("a/{f}")).collect();
    let b: Vec<String> = member.iter().map(|f| format!("b/{f}")).collect();
    expected.extend(a.iter().map(String::as_str));
    expected.extend([
        "b-apiserver-etcd-client-csr.json",
        "b-csr.json",
        "b-etcdctl-etcd-client-csr.json",
        "b-peer-csr.json",
        "b.env",
    ]);
    expected.extend(b.iter().map(String::as_str));
    expected.extend(["ca-config.json", "ca-csr.json", "ca.crt", "ca.key"]);
    expected.sort_unstable();
    assert_eq!(files, expected);

    for m in ["a", "b"] {
        assert_eq!(dir.read(&format!("pki/{m}/ca.crt")), dir.read("pki/ca.crt"));
        assert_eq!(dir.read(&format!("pki/{m}/ca.key")), dir.read("pki/ca.key"));
        let ca = format!("pki/{m}/ca.crt");
        for (base, subject, sans, usage) in [
            (
                "server",
                format!("O=etcd, OU=server, CN={m}"),
                true,
                (true, true),
            ),
            (
                "peer",
                format!("O=etcd, OU=peer, CN={m}"),
                true,
                (true, true),
            ),
            (
                "etcdctl-etcd-client",
                format!("O=system:masters, OU=client, CN={m}-etcdctl"),
                false,
                (false, true),
            ),
            (
                "apiserver-etcd-client",
                format!("O=system:masters, OU=client, CN={m}-kube-apiserver-etcd-client"),
                false,
                (false, true),
            ),
        ] {
            let cert = format!("pki/{m}/{base}.crt");
            assert_key_matches(&dir, &cert, &format!("pki/{m}/{base}.key"));
            assert_eq!(dir.cert(&cert).subject, subject);
            assert_eq!(!dir.cert(&cert).sans().is_empty(), sans, "{cert}");
            assert_eq!(eku(&dir, &cert), usage, "{cert}");
            openssl_verify(&dir, &ca, &cert, "sslclient");
        }
    }
    let ip = "10.0.0.2";
    assert_eq!(
        dir.cert("pki/b/server.crt").sans(),
        [
            "DNS:localhost".into(),
            format!("IP:{ip}"),
            "IP:127.0.0.1".into(),
            "IP:::1".into()
        ]
    );
    assert_eq!(dir.cert("pki/b/peer.crt").sans(), [format!("IP:{ip}")]);
    let vars = env_vars(&dir.join("pki/b.env"));
    assert!(vars.contains(&("ETCD_PEER_KEY_FILE".into(), "/etc/etcd/pki/peer.key".into())));
    assert!(vars.contains(&("ETCD_TRUSTED_CA_FILE".into(), "/etc/etcd/pki/ca.crt".into())));
    lint_clean(
        &dir,
        &[
            "--initial-cluster",
            "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380",
            "pki",
        ],
    );
}

#[test]
fn kubeadm_layout_has_kubeadms_files_and_shared_clients() {
    let dir = Dir::new();
    let initial = "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380";
    ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            initial,
            "--layout",
            "kubeadm",
        ],
    );
    let mut files = names(&snapshot(&dir.join("pki")));
    files.sort();
    let member = [
        "apiserver-etcd-client.crt",
        "apiserver-etcd-client.key",
        "etcd/ca.crt",
        "etcd/ca.key",
        "etcd/healthcheck-client.crt",
        "etcd/healthcheck-client.key",
        "etcd/peer.crt",
        "etcd/peer.key",
        "etcd/server.crt",
        "etcd/server.key",
    ];
    let mut expected: Vec<String> = ["a-csr.json", "a-peer-csr.json", "a.env"]
        .map(String::from)
        .to_vec();
    expected.extend(member.iter().map(|f| format!("a/{f}")));
    expected.push("apiserver-etcd-client-csr.json".into());
    expected.extend(["b-csr.json", "b-peer-csr.json", "b.env"].map(String::from));
    expected.extend(member.iter().map(|f| format!("b/{f}")));
    expected.extend(
        [
            "ca-config.json",
            "ca-csr.json",
            "etcd/ca.crt",
            "etcd/ca.key",
            "healthcheck-client-csr.json",
        ]
        .map(String::from),
    );
    expected.sort();
    assert_eq!(files, expected);

    // The two clients are one identity each, the same files on every member.
    for shared in [
        "apiserver-etcd-client.crt",
        "apiserver-etcd-client.key",
        "etcd/healthcheck-client.crt",
        "etcd/ca.crt",
    ] {
        assert_eq!(
            dir.read(&format!("pki/a/{shared}")),
            dir.read(&format!("pki/b/{shared}")),
            "{shared}"
        );
    }
    assert_eq!(dir.read("pki/a/etcd/ca.crt"), dir.read("pki/etcd/ca.crt"));
    assert_eq!(
        dir.cert("pki/a/apiserver-etcd-client.crt").subject,
        "O=system:masters, OU=client, CN=kube-apiserver-etcd-client"
    );
    assert_eq!(
        dir.cert("pki/b/etcd/healthcheck-client.crt").subject,
        "O=system:masters, OU=client, CN=kube-etcd-healthcheck-client"
    );
    for m in ["a", "b"] {
        for base in [
            "etcd/server",
            "etcd/peer",
            "etcd/healthcheck-client",
            "apiserver-etcd-client",
        ] {
            let cert = format!("pki/{m}/{base}.crt");
            assert_key_matches(&dir, &cert, &format!("pki/{m}/{base}.key"));
            openssl_verify(&dir, "pki/etcd/ca.crt", &cert, "sslclient");
        }
        assert_eq!(eku(&dir, &format!("pki/{m}/etcd/server.crt")), (true, true));
        assert_eq!(
            eku(&dir, &format!("pki/{m}/etcd/healthcheck-client.crt")),
            (false, true)
        );
    }
    let cwd = dir.join("pki/a/etcd/peer.crt");
    let vars = env_vars(&dir.join("pki/a.env"));
    assert!(vars.contains(&("ETCD_PEER_CERT_FILE".into(), cwd.display().to_string())));
    lint_clean(&dir, &["--initial-cluster", initial, "pki"]);

    // A third member: its directory, the shared clients copied in, nothing else changes.
    let before = snapshot(&dir.join("pki"));
    ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            &format!("{initial},c=https://10.0.0.3:2380"),
            "--layout",
            "kubeadm",
        ],
    );
    let after = snapshot(&dir.join("pki"));
    for (path, old) in &before {
        assert_eq!(after.get(path), Some(old), "{} changed", path.display());
    }
    assert_eq!(
        dir.read("pki/c/apiserver-etcd-client.crt"),
        dir.read("pki/a/apiserver-etcd-client.crt")
    );
    assert_eq!(after.len() - before.len(), 13);
}

#[test]
fn spec_file_members_get_every_ip_and_name() {
    let dir = Dir::new();
    dir.write(
        "cluster.json",
        r#"{
  "members": [
    {"name": "infra0",
     "peer_urls": ["https://10.0.1.10:2380", "https://[fd00::10]:2380"],
     "client_urls": ["https://infra0.example.com:2379", "https://10.0.1.10:2379"],
     "hosts": ["infra0.example.com", "192.168.1.10"],
     "server_hosts": ["etcd.example.com"]},
    {"name": "infra1", "peer_urls": ["https://infra1.example.com:2380"]}
  ],
  "clients": ["root"],
  "peer_hosts": ["10.0.0.1"]
}"#,
    );
    ok(
        &dir,
        &[
            "cluster",
            "--spec",
            "cluster.json",
            "--client-port",
            "12379",
        ],
    );
    assert_eq!(
        dir.cert("pki/infra0.pem").sans(),
        [
            "DNS:infra0.example.com",
            "DNS:etcd.example.com",
            "DNS:localhost",
            "IP:10.0.1.10",
            "IP:fd00::10",
            "IP:192.168.1.10",
            "IP:127.0.0.1",
            "IP:::1"
        ]
    );
    assert_eq!(
        dir.cert("pki/infra0-peer.pem").sans(),
        [
            "DNS:infra0.example.com",
            "IP:10.0.1.10",
            "IP:fd00::10",
            "IP:192.168.1.10",
            "IP:10.0.0.1"
        ]
    );
    let vars = env_vars(&dir.join("pki/infra0.env"));
    for (key, value) in [
        (
            "ETCD_INITIAL_CLUSTER",
            "infra0=https://10.0.1.10:2380,infra0=https://[fd00::10]:2380,infra1=https://infra1.example.com:2380",
        ),
        (
            "ETCD_LISTEN_CLIENT_URLS",
            "https://0.0.0.0:2379,https://10.0.1.10:2379",
        ),
        (
            "ETCD_ADVERTISE_CLIENT_URLS",
            "https://infra0.example.com:2379,https://10.0.1.10:2379",
        ),
        (
            "ETCD_LISTEN_PEER_URLS",
            "https://10.0.1.10:2380,https://[fd00::10]:2380",
        ),
    ] {
        assert!(
            vars.contains(&(key.into(), value.into())),
            "{key}: {vars:?}"
        );
    }
    let vars = env_vars(&dir.join("pki/infra1.env"));
    assert!(vars.contains(&(
        "ETCD_ADVERTISE_CLIENT_URLS".into(),
        "https://infra1.example.com:12379".into()
    )));
    assert!(vars.contains(&(
        "ETCD_LISTEN_PEER_URLS".into(),
        "https://0.0.0.0:2380".into()
    )));
    lint_clean(
        &dir,
        &[
            "--etcd-config",
            "pki/infra0.env",
            "--etcd-config",
            "pki/infra1.env",
            "pki",
        ],
    );
}

#[test]
fn spec_file_errors_name_the_file_and_json_path() {
    let dir = Dir::new();
    dir.write(
        "cluster.json",
        r#"{"members": [{"name": "a", "peer_urls": ["10.0.0.1:2380"], "hostz": []}], "clients": ["a"]}"#,
    );
    let out = run(&dir, &["cluster", "--spec", "cluster.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cluster.json: members[0].hostz: unknown key \"hostz\"; expected one of \"name\", \"peer_urls\", \"client_urls\", \"hosts\", \"server_hosts\", \"peer_hosts\"\n  help: did you mean \"hosts\"?\n\
         error: cluster.json: members[0].peer_urls[0]: \"10.0.0.1:2380\": not an https URL; write https://HOST:PORT, e.g. https://10.0.1.10:2380\n\
         error: cluster.json: clients[0]: \"a\": a member has this name; their certificate files would collide\n"
    );
    assert!(!dir.join("pki").exists(), "nothing is written");
}

#[test]
fn discovery_srv_domain_is_in_every_member_certificate_and_the_env_files() {
    let dir = Dir::new();
    ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            THREE,
            "--discovery-srv",
            "Example.com.",
            "--key-algo",
            "ed25519",
        ],
    );
    for m in ["infra0", "infra1", "infra2"] {
        for f in [format!("pki/{m}.pem"), format!("pki/{m}-peer.pem")] {
            assert!(
                dir.cert(&f).sans().contains(&"DNS:example.com".to_owned()),
                "{f}"
            );
        }
    }
    let vars = env_vars(&dir.join("pki/infra1.env"));
    assert!(vars.contains(&("ETCD_DISCOVERY_SRV".into(), "example.com".into())));
    assert!(
        !vars.iter().any(|(k, _)| k == "ETCD_INITIAL_CLUSTER"),
        "etcd refuses both"
    );
    assert_eq!(
        dir.cert("pki/infra1.pem").spki_oid,
        "1.3.101.112",
        "Ed25519"
    );
    lint_clean(
        &dir,
        &[
            "--initial-cluster",
            THREE,
            "--discovery-srv",
            "example.com",
            "pki",
        ],
    );
}

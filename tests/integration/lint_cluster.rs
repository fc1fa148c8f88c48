//! `lint` on what `cluster` makes (issue #15, point 1): every layout and option combination
//! `cluster` offers, linted on its own, with the members' `--initial-cluster`, and with the
//! env files `cluster` writes as etcd configurations, has no finding at all.

use std::path::Path;

use crate::lint::lint_json;
use crate::util::Dir;

const THREE: &str =
    "etcd-1=https://127.0.0.1:2380,etcd-2=https://127.0.0.2:2380,etcd-3=https://127.0.0.3:2380";

/// Every client name `cluster --client` is likely to get, etcd's and Kubernetes' own included.
const CLIENTS: &[&str] = &[
    "--client",
    "kube-apiserver",
    "--client",
    "prometheus-server",
    "--client",
    "root",
    "--client",
    "etcdctl",
    "--client",
    "healthcheck",
    "--client",
    "apiserver-etcd-client-2",
    "--client",
    "server-monitor",
];

const SPEC: &str = r#"{
  "members": [
    {"name": "infra0",
     "peer_urls": ["https://10.0.1.10:2380", "https://[fd00::10]:2380"],
     "client_urls": ["https://infra0.example.com:2379", "https://10.0.1.10:2379"],
     "hosts": ["infra0.example.com", "192.168.1.10"],
     "server_hosts": ["etcd.example.com"]},
    {"name": "infra1", "peer_urls": ["https://infra1.example.com:2380"]}
  ],
  "clients": ["root", "kube-apiserver"],
  "peer_hosts": ["10.0.0.1"]
}"#;

/// The option combinations, each with the `--initial-cluster` lint gets (when there is one).
fn combinations() -> Vec<(Vec<&'static str>, Option<&'static str>)> {
    let with_clients = |args: &[&'static str]| [args, CLIENTS].concat();
    vec![
        (with_clients(&[]), None),
        (with_clients(&["--initial-cluster", THREE]), Some(THREE)),
        (
            with_clients(&[
                "--initial-cluster",
                THREE,
                "--discovery-srv",
                "example.com",
                "--server-san",
                "etcd.example.com,10.0.0.5",
                "--peer-san",
                "10.0.0.6",
                "--names",
                "C=US,ST=CA,L=SF,O=etcd,OU=ops",
                "--client-port",
                "12379",
                "--expiry",
                "4380h",
                "--ca-expiry",
                "43800h",
            ]),
            Some(THREE),
        ),
        (vec!["--spec", "cluster.json"], None),
        (
            with_clients(&["--initial-cluster", THREE, "--key-algo", "ed25519"]),
            Some(THREE),
        ),
        (
            vec![
                "--initial-cluster",
                THREE,
                "--key-algo",
                "ecdsa",
                "--key-size",
                "384",
            ],
            Some(THREE),
        ),
    ]
}

/// The `.env` files under `dir`, sorted.
fn env_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "env") {
                out.push(path.display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// `lint ARGS` exits 0 with no finding of any level.
fn assert_no_finding(dir: &Dir, args: &[&str], made_by: &[&str]) {
    let (code, found) = lint_json(dir, args);
    assert!(
        code == 0 && found.is_empty(),
        "cluster {made_by:?} then lint {args:?} (exit {code}): {found:#?}"
    );
}

/// issue #15: etcdpki's own output never fails its own lint, whatever the layout and options.
#[test]
fn issue_15_lint_finds_nothing_in_any_cluster_layout_or_option() {
    for layout in ["cfssl", "etcdadm", "kubeadm"] {
        for (options, members) in combinations() {
            let dir = Dir::new();
            dir.write("cluster.json", SPEC);
            let mut args = vec!["cluster", "--layout", layout, "--out", "pki"];
            args.extend(&options);
            dir.ok(&args, b"");
            assert_no_finding(&dir, &["pki"], &args);
            if let Some(members) = members {
                assert_no_finding(&dir, &["--initial-cluster", members, "pki"], &args);
            }
            let envs = env_files(&dir.join("pki"));
            assert!(!envs.is_empty(), "cluster {args:?} wrote no env file");
            let mut with_configs: Vec<&str> = Vec::new();
            for env in &envs {
                with_configs.extend(["--etcd-config", env.as_str()]);
            }
            with_configs.push("pki");
            assert_no_finding(&dir, &with_configs, &args);
        }
    }
}

/// issue #15: roles come from the EKU before the name. Client certificates (client auth only)
/// named `kube-apiserver` and `prometheus-server` stay clients, and a member's `NAME.pem` beside
/// its own `NAME-peer.pem` is its server certificate only: judged as a peer too, it would lack
/// the peer URL's host that only the peer certificate carries.
#[test]
fn issue_15_roles_come_from_the_eku_before_the_name() {
    let dir = Dir::new();
    let args = [
        "cluster",
        "--initial-cluster",
        "etcd-1=https://127.0.0.1:2380",
        "--peer-san",
        "etcd-peer.example.com",
        "--client",
        "kube-apiserver",
        "--client",
        "prometheus-server",
        "--out",
        "pki",
    ];
    dir.ok(&args, b"");
    dir.write(
        "member.env",
        "ETCD_NAME=etcd-1\nETCD_INITIAL_ADVERTISE_PEER_URLS=https://etcd-peer.example.com:2380\n\
         ETCD_ADVERTISE_CLIENT_URLS=https://127.0.0.1:2379\n",
    );
    assert_no_finding(&dir, &["--etcd-config", "member.env", "pki"], &args);
    // The control: a peer URL host that neither certificate has is reported on the peer one.
    dir.write(
        "other.env",
        "ETCD_NAME=etcd-1\nETCD_INITIAL_ADVERTISE_PEER_URLS=https://10.9.9.9:2380\n\
         ETCD_ADVERTISE_CLIENT_URLS=https://127.0.0.1:2379\n",
    );
    let (code, found) = lint_json(&dir, &["--etcd-config", "other.env", "pki"]);
    let on: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.rule.as_str(), f.files[0].as_str()))
        .collect();
    assert_eq!(
        (code, on),
        (1, vec![("san-missing-member", "pki/etcd-1-peer.pem")]),
        "{found:#?}"
    );
}

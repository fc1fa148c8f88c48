//! Revocation with a real etcd 3.4 on loopback: a member reads `--client-crl-file` and
//! `--peer-crl-file` on every new connection, so `etcdpki revoke` cuts a certificate off
//! without restarting the member; a missing CRL file refuses everyone.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::etcd::{Member, etcdctl, free_port, preset_ca, sign_preset, wait_healthy};
use crate::revoke::revoke;
use crate::util::{Dir, Dump, require};

/// How long etcd may take to log what a connection attempt did.
const LOG_WAIT: Duration = Duration::from_secs(30);

/// A CA, server and peer certificates for members m1 (127.0.0.1) and m2 (127.0.0.2), and
/// client certificates client1 and client2, all from etcd's presets in profiles/etcd.
fn cluster_pki() -> Dir {
    let dir = preset_ca();
    let sign = |profile: &str, cn: &str, hosts: &str, csr: &str, base: &str| {
        sign_preset(&dir, profile, cn, hosts, csr, base);
    };
    for (name, ip) in [("m1", "127.0.0.1"), ("m2", "127.0.0.2")] {
        sign(
            "server",
            name,
            &format!("localhost,{ip}"),
            "server-csr.json",
            &format!("{name}-server"),
        );
        // m2 dials m1 from 127.0.0.1 (the kernel's choice on loopback), and etcd matches the
        // source address against the peer certificate's IP SANs before the CRL.
        sign(
            "peer",
            &format!("{name}-peer"),
            &format!("{ip},127.0.0.1"),
            "peer-csr.json",
            &format!("{name}-peer"),
        );
    }
    sign("client", "client1", "", "client-csr.json", "client1");
    sign("client", "client2", "", "client-csr.json", "client2");
    dir
}

/// Starts member `name` on `ip` with client and peer certificate auth and `extra` flags.
fn start(
    dir: &Dir,
    name: &str,
    ip: &str,
    (client, peer): (u16, u16),
    cluster: &str,
    extra: &[&str],
) -> Member {
    let client_url = format!("https://{ip}:{client}");
    let peer_url = format!("https://{ip}:{peer}");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(&format!("{name}.log")))
        .expect("log file");
    let child = Command::new(require("etcd", "etcd-server"))
        .current_dir(dir.path())
        .args(["--name", name, "--data-dir", &format!("{name}.etcd")])
        .args([
            "--listen-client-urls",
            &client_url,
            "--advertise-client-urls",
            &client_url,
        ])
        .args([
            "--listen-peer-urls",
            &peer_url,
            "--initial-advertise-peer-urls",
            &peer_url,
        ])
        .args([
            "--initial-cluster",
            cluster,
            "--initial-cluster-state",
            "new",
        ])
        .args(["--cert-file", &format!("{name}-server.pem")])
        .args(["--key-file", &format!("{name}-server-key.pem")])
        .args(["--trusted-ca-file", "ca.pem", "--client-cert-auth"])
        .args(["--peer-cert-file", &format!("{name}-peer.pem")])
        .args(["--peer-key-file", &format!("{name}-peer-key.pem")])
        .args([
            "--peer-trusted-ca-file",
            "ca.pem",
            "--peer-client-cert-auth",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    Member {
        child,
        name: name.to_owned(),
    }
}

/// Waits (bounded) until member `name`'s log contains `text`.
fn wait_for_log(dir: &Dir, name: &str, text: &str) -> String {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let log = String::from_utf8_lossy(&dir.read(&format!("{name}.log"))).into_owned();
        if log.contains(text) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "{name}.log has no {text:?} after {LOG_WAIT:?}:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn hex_serial(dir: &Dir, cert: &str) -> String {
    let serial = Dump::from_pem(&dir.read(cert)).serial;
    let digits: String = serial
        .iter()
        .skip_while(|b| **b == 0)
        .map(|b| format!("{b:02x}"))
        .collect();
    digits
}

#[test]
fn a_client_certificate_revoked_by_etcdpki_is_refused_at_the_next_connection() {
    let dir = cluster_pki();
    let out = revoke(&dir, &[]);
    assert!(
        out.status.success(),
        "an empty CRL: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ip = "127.0.0.1";
    let ports = (free_port(ip), free_port(ip));
    let cluster = format!("m1=https://{ip}:{}", ports.1);
    let mut running = [start(
        &dir,
        "m1",
        ip,
        ports,
        &cluster,
        &["--client-crl-file", "crl.pem"],
    )];
    let endpoint = format!("https://{ip}:{}", ports.0);
    wait_healthy(&dir, &endpoint, "client1.pem", &mut running);
    let (ok, said) = etcdctl(&dir, &endpoint, "client1.pem", &["put", "k", "v"]);
    assert!(ok, "{said}");
    let pid = running[0].child.id();

    let out = revoke(&dir, &["--reason", "key-compromise", "client1.pem"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, said) = etcdctl(&dir, &endpoint, "client1.pem", &["get", "k"]);
    assert!(!ok, "a revoked client certificate was served: {said}");
    let serial = hex_serial(&dir, "client1.pem");
    wait_for_log(
        &dir,
        "m1",
        &format!("transport: certificate serial {serial} revoked"),
    );
    let (ok, said) = etcdctl(&dir, &endpoint, "client2.pem", &["get", "k"]);
    assert!(ok && said.contains('v'), "client2 is not revoked: {said}");
    assert!(
        running[0].child.try_wait().expect("wait").is_none(),
        "m1 kept running"
    );
    assert_eq!(running[0].child.id(), pid, "no restart");
}

#[test]
fn a_missing_crl_file_refuses_every_client() {
    let dir = cluster_pki();
    let ip = "127.0.0.1";
    let ports = (free_port(ip), free_port(ip));
    let cluster = format!("m1=https://{ip}:{}", ports.1);
    let _running = [start(
        &dir,
        "m1",
        ip,
        ports,
        &cluster,
        &["--client-crl-file", "missing-crl.pem"],
    )];
    let endpoint = format!("https://{ip}:{}", ports.0);
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let (ok, said) = etcdctl(&dir, &endpoint, "client1.pem", &["get", "k"]);
        assert!(!ok, "served without its CRL file: {said}");
        let log = String::from_utf8_lossy(&dir.read("m1.log")).into_owned();
        if log.contains("missing-crl.pem: no such file or directory") {
            break;
        }
        assert!(Instant::now() < deadline, "no refusal in m1.log:\n{log}");
    }
    // lint, given the member's settings, says why before anyone connects.
    dir.write(
        "m1.env",
        "ETCD_NAME=m1\nETCD_CERT_FILE=m1-server.pem\nETCD_KEY_FILE=m1-server-key.pem\n\
         ETCD_TRUSTED_CA_FILE=ca.pem\nETCD_CLIENT_CERT_AUTH=true\n\
         ETCD_CLIENT_CRL_FILE=missing-crl.pem\n",
    );
    let (code, found) = crate::lint::lint_json(&dir, &["--etcd-config=m1.env", "."]);
    let f = found
        .iter()
        .find(|f| f.rule == "crl-missing")
        .unwrap_or_else(|| panic!("no crl-missing: {found:#?}"));
    assert_eq!((code, f.severity.as_str()), (1, "error"));
    assert!(f.message.contains("missing-crl.pem"), "{f:?}");
}

#[test]
fn a_peer_certificate_revoked_in_the_peer_crl_is_refused_without_restarting_the_member() {
    let dir = cluster_pki();
    // etcd 3.4 reads DER as well as PEM; 3.6 only DER.
    let out = revoke(&dir, &["--crl-der", "peer-crl.der"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let members = [("m1", "127.0.0.1"), ("m2", "127.0.0.2")];
    let ports: Vec<(u16, u16)> = members
        .iter()
        .map(|(_, ip)| (free_port(ip), free_port(ip)))
        .collect();
    let cluster: Vec<String> = members
        .iter()
        .zip(&ports)
        .map(|((name, ip), (_, peer))| format!("{name}=https://{ip}:{peer}"))
        .collect();
    let cluster = cluster.join(",");
    let crl = ["--peer-crl-file", "peer-crl.der"];
    let mut running = vec![
        start(&dir, "m1", members[0].1, ports[0], &cluster, &crl),
        start(&dir, "m2", members[1].1, ports[1], &cluster, &[]),
    ];
    let endpoints = format!(
        "https://127.0.0.1:{},https://127.0.0.2:{}",
        ports[0].0, ports[1].0
    );
    wait_healthy(&dir, &endpoints, "client1.pem", &mut running);
    let pid = running[0].child.id();

    let out = revoke(&dir, &["--crl-der", "peer-crl.der", "m2-peer.pem"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // m2 reconnects with its revoked peer certificate; m1 refuses it, still running.
    let m2 = running.pop().expect("m2");
    drop(m2);
    running.push(start(&dir, "m2", members[1].1, ports[1], &cluster, &[]));
    let serial = hex_serial(&dir, "m2-peer.pem");
    wait_for_log(
        &dir,
        "m1",
        &format!("transport: certificate serial {serial} revoked"),
    );
    assert!(
        running[0].child.try_wait().expect("wait").is_none(),
        "m1 kept running"
    );
    assert_eq!(running[0].child.id(), pid, "no restart");
}

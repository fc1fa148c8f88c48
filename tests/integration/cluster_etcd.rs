//! The loopback pitfall (issue 18, point 9): a 3-member etcd 3.4 on 127.0.0.1–127.0.0.3, made by
//! `etcdpki cluster` alone (no `--peer-san`), with client and peer certificate auth, forms a
//! quorum and logs no refused peer connection; the same cluster with one peer certificate lacking
//! 127.0.0.1 logs the refusals, so the scan can fail.

use std::time::{Duration, Instant};

use crate::cluster::{CLIENT, ok, port_free_on, start_from_env};
use crate::etcd::{Member, etcdctl, free_port, wait_healthy};
use crate::util::Dir;

const IPS: [&str; 3] = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];

/// What etcd 3.4 and Go's TLS stack log when a peer's certificate is refused: the accepting
/// side's `rejected connection from "127.0.0.1:…" (error "x509: certificate is valid for
/// 127.0.0.2, not 127.0.0.1")` (etcd 3.4 pkg/transport/listener_tls.go), and the dialing side's
/// `remote error: tls: bad certificate`.
const REFUSALS: [&str; 4] = [
    "rejected connection",
    "remote error: tls",
    "bad certificate",
    "doesn't contain any IP SANs",
];

/// Makes the PKI of three members on `IPS` with `etcdpki cluster` in `dir`, and returns the
/// client endpoints.
fn make_pki(dir: &Dir) -> String {
    let client_port = port_free_on(&IPS).to_string();
    let initial: Vec<String> = IPS
        .iter()
        .enumerate()
        .map(|(i, ip)| format!("m{}=https://{ip}:{}", i + 1, free_port(ip)))
        .collect();
    ok(
        dir,
        &[
            "cluster",
            "--initial-cluster",
            &initial.join(","),
            "--client-port",
            &client_port,
            "--client",
            "root",
        ],
    );
    IPS.iter()
        .map(|ip| format!("https://{ip}:{client_port}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// What etcd also logs as `rejected connection` when the other end hangs up mid-handshake (an
/// etcdctl health probe timing out on a loaded machine, a peer dialing again): the TCP error,
/// not a refusal of a certificate, so such lines are not counted.
const HANG_UPS: [&str; 3] = ["error \"EOF\"", "connection reset by peer", "i/o timeout"];

/// The lines of member `name`'s log that report a refused TLS peer or client.
fn refusals(dir: &Dir, name: &str) -> Vec<String> {
    String::from_utf8_lossy(&dir.read(&format!("{name}.log")))
        .lines()
        .filter(|l| REFUSALS.iter().any(|r| l.contains(r)))
        .filter(|l| !HANG_UPS.iter().any(|h| l.contains(h)))
        .map(str::to_owned)
        .collect()
}

fn start_all(dir: &Dir) -> Vec<Member> {
    ["m1", "m2", "m3"]
        .iter()
        .map(|name| start_from_env(dir, name))
        .collect()
}

#[test]
fn issue_18_loopback_members_made_by_cluster_log_no_refused_peer() {
    // https://github.com/etcdpki/etcdpki/issues/18, point 9.
    let dir = Dir::new();
    let endpoints = make_pki(&dir);
    for m in ["m1", "m2", "m3"] {
        let sans = dir.cert(&format!("pki/{m}-peer.pem")).sans();
        assert!(sans.contains(&"IP:127.0.0.1".to_owned()), "{m}: {sans:?}");
    }
    let mut running = start_all(&dir);
    wait_healthy(&dir, &endpoints, CLIENT, &mut running);
    let (put, out) = etcdctl(&dir, &endpoints, CLIENT, &["put", "loopback", "ok"]);
    assert!(put, "put: {out}");
    // Every member has replicated the write: each one's raft log went through its peers.
    for endpoint in endpoints.split(',') {
        let (got, out) = etcdctl(
            &dir,
            endpoint,
            CLIENT,
            &["get", "loopback", "--consistency=s"],
        );
        assert!(got && out.contains("ok"), "get from {endpoint}: {out}");
    }
    let (listed, out) = etcdctl(&dir, &endpoints, CLIENT, &["member", "list"]);
    assert!(listed && out.matches("started").count() == 3, "{out}");
    for m in &running {
        let refused = refusals(&dir, &m.name);
        assert!(refused.is_empty(), "{}: {refused:#?}", m.name);
    }
    drop(running);

    // The control: m2's peer certificate re-issued for 127.0.0.2 alone, as a PKI made without
    // the loopback source address would have it. m1 and m3 refuse m2, which dials from
    // 127.0.0.1, and say so in their logs within 30 s.
    let control = Dir::new();
    let endpoints = make_pki(&control);
    control.issue(
        "pki/ca",
        "pki/ca-config.json",
        "peer",
        "m2",
        "127.0.0.2",
        "pki/m2-peer",
    );
    assert_eq!(control.cert("pki/m2-peer.pem").sans(), ["IP:127.0.0.2"]);
    let running = start_all(&control);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let refused: Vec<String> = ["m1", "m3"]
            .iter()
            .flat_map(|m| refusals(&control, m))
            .collect();
        if refused
            .iter()
            .any(|l| l.contains("rejected connection") && l.contains("127.0.0.1"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no refusal of m2 logged in 30 s ({endpoints}): {refused:#?}\n{}",
            String::from_utf8_lossy(&control.read("m1.log"))
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(running);
}

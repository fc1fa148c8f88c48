//! A real etcd (Debian etcd-server 3.4) runs on loopback with certificates made by
//! `etcdpki gencert | etcdpki json -bare`, with client and peer certificate auth on.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Dir, Tool, require};

/// An etcd process, killed and reaped when dropped.
pub struct Member {
    pub child: Child,
    pub name: String,
}

impl Member {
    /// Starts member `name` on `ip` with client and peer TLS and certificate auth, serving
    /// `{prefix}server.pem` to clients and `{prefix}peer.pem` to peers, trusting `ca.pem`.
    pub fn start(
        dir: &Dir,
        name: &str,
        ip: &str,
        (client, peer): (u16, u16),
        initial_cluster: &str,
        prefix: &str,
    ) -> Self {
        let client_url = format!("https://{ip}:{client}");
        let peer_url = format!("https://{ip}:{peer}");
        let log = std::fs::File::create(dir.join(&format!("{name}.log"))).expect("log file");
        let child = Command::new(require("etcd", "etcd-server"))
            .current_dir(dir.path())
            .args(["--name", name, "--data-dir", &format!("{name}.etcd")])
            .args(["--listen-client-urls", &client_url])
            .args(["--advertise-client-urls", &client_url])
            .args(["--listen-peer-urls", &peer_url])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .args(["--initial-cluster", initial_cluster])
            .args(["--initial-cluster-state", "new"])
            .args(["--cert-file", &format!("{prefix}server.pem")])
            .args(["--key-file", &format!("{prefix}server-key.pem")])
            .args(["--trusted-ca-file", "ca.pem", "--client-cert-auth"])
            .args(["--peer-cert-file", &format!("{prefix}peer.pem")])
            .args(["--peer-key-file", &format!("{prefix}peer-key.pem")])
            .args([
                "--peer-trusted-ca-file",
                "ca.pem",
                "--peer-client-cert-auth",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start etcd");
        Self {
            child,
            name: name.to_owned(),
        }
    }
}

/// Waits up to 60 s until `etcdctl endpoint health` with the client certificate `cert` finds
/// every endpoint healthy; a member that exits fails the test with its log.
pub fn wait_healthy(dir: &Dir, endpoints: &str, cert: &str, running: &mut [Member]) -> String {
    let want = endpoints.split(',').count();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (ok, out) = etcdctl(dir, endpoints, cert, &["endpoint", "health"]);
        if ok && out.matches("is healthy").count() == want {
            return out;
        }
        for m in running.iter_mut() {
            if let Ok(Some(status)) = m.child.try_wait() {
                let log =
                    String::from_utf8_lossy(&dir.read(&format!("{}.log", m.name))).into_owned();
                panic!("etcd {} exited with {status}:\n{log}", m.name);
            }
        }
        assert!(
            Instant::now() < deadline,
            "etcd did not become healthy in 60 s: {out}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free on `ip` a moment ago.
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port on {ip}: {e}"))
}

pub fn profile(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/profiles/etcd/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("profiles/etcd/{name}: {e}"))
}

/// `etcdctl` over TLS with the client certificate `cert` (its key beside it, `ca.pem` in its
/// directory as the trusted CA); returns (success, stdout+stderr).
pub fn etcdctl(dir: &Dir, endpoints: &str, cert: &str, args: &[&str]) -> (bool, String) {
    let etcdctl = require("etcdctl", "etcd-client");
    let key = cert.replace(".pem", "-key.pem");
    let ca = std::path::Path::new(cert).with_file_name("ca.pem");
    let mut full = vec![
        "--endpoints",
        endpoints,
        "--cacert",
        ca.to_str().expect("a UTF-8 path"),
        "--cert",
        cert,
        "--key",
        &key,
        "--dial-timeout",
        "2s",
        "--command-timeout",
        "5s",
    ];
    full.extend_from_slice(args);
    outcome(
        Command::new(etcdctl)
            .args(&full)
            .env("ETCDCTL_API", "3")
            .current_dir(dir.path()),
    )
}

/// Runs `command` to its end: (success, stdout then stderr).
pub fn outcome(command: &mut Command) -> (bool, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {:?}: {e}", command.get_program()));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A directory with etcd's presets (profiles/etcd) and a CA made from them by etcdpki.
pub(crate) fn preset_ca() -> Dir {
    let dir = Dir::new();
    for f in [
        "ca-config.json",
        "ca-csr.json",
        "server-csr.json",
        "peer-csr.json",
        "client-csr.json",
    ] {
        dir.write(f, &profile(f));
    }
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    dir
}

/// `gencert` of `csr` under the preset `profile` with that CA, as `base`; `hosts` empty
/// leaves the request's own.
pub(crate) fn sign_preset(dir: &Dir, profile: &str, cn: &str, hosts: &str, csr: &str, base: &str) {
    let (cn, profile) = (format!("-cn={cn}"), format!("-profile={profile}"));
    let hostname = format!("-hostname={hosts}");
    let mut args = vec![
        "-ca=ca.pem",
        "-ca-key=ca-key.pem",
        "-config=ca-config.json",
        &cn,
        &profile,
    ];
    if !hosts.is_empty() {
        args.push(&hostname);
    }
    args.push(csr);
    dir.gencert(Tool::Etcdpki, &args, base);
}

#[test]
fn a_two_member_etcd_with_client_and_peer_cert_auth_runs_on_etcdpki_certificates() {
    let dir = preset_ca();
    let sign = |profile: &str, cn: &str, hosts: &str, csr: &str, base: &str| {
        sign_preset(&dir, profile, cn, hosts, csr, base);
    };
    let members = [("m1", "127.0.0.1"), ("m2", "127.0.0.2")];
    let ports: Vec<(u16, u16)> = members
        .iter()
        .map(|(_, ip)| (free_port(ip), free_port(ip)))
        .collect();
    for (name, ip) in members {
        sign(
            "server",
            name,
            &format!("localhost,{ip}"),
            "server-csr.json",
            &format!("{name}-server"),
        );
        sign(
            "peer",
            &format!("{name}-peer"),
            ip,
            "peer-csr.json",
            &format!("{name}-peer"),
        );
    }
    sign("client", "root", "", "client-csr.json", "client");

    let initial_cluster: Vec<String> = members
        .iter()
        .zip(&ports)
        .map(|((name, ip), (_, peer))| format!("{name}=https://{ip}:{peer}"))
        .collect();
    let initial_cluster = initial_cluster.join(",");
    let mut running: Vec<Member> = members
        .iter()
        .zip(&ports)
        .map(|((name, ip), ports)| {
            Member::start(
                &dir,
                name,
                ip,
                *ports,
                &initial_cluster,
                &format!("{name}-"),
            )
        })
        .collect();

    let endpoints: Vec<String> = members
        .iter()
        .zip(&ports)
        .map(|((_, ip), (c, _))| format!("https://{ip}:{c}"))
        .collect();
    let endpoints = endpoints.join(",");
    let healthy = wait_healthy(&dir, &endpoints, "client.pem", &mut running);
    assert_eq!(healthy.matches("is healthy").count(), 2, "{healthy}");

    let (ok, out) = etcdctl(&dir, &endpoints, "client.pem", &["put", "etcdpki", "works"]);
    assert!(ok, "put: {out}");
    let (ok, out) = etcdctl(&dir, &endpoints, "client.pem", &["get", "etcdpki"]);
    assert!(ok && out.contains("works"), "get: {out}");

    // certinfo -domain shows what the running member serves, through its client-cert demand.
    let (ip, (client_port, _)) = (members[0].1, ports[0]);
    let served = dir.ok(&["certinfo", &format!("-domain={ip}:{client_port}")], b"");
    assert_eq!(
        served,
        dir.ok(&["certinfo", "-cert", "m1-server.pem"], b""),
        "the served certificate is m1-server.pem"
    );

    // Client certificate auth is really on: without a certificate the server refuses.
    let etcdctl_bin = require("etcdctl", "etcd-client");
    let out = Command::new(etcdctl_bin)
        .args([
            "--endpoints",
            &endpoints,
            "--cacert",
            "ca.pem",
            "--dial-timeout",
            "2s",
            "--command-timeout",
            "3s",
            "get",
            "etcdpki",
        ])
        .env("ETCDCTL_API", "3")
        .current_dir(dir.path())
        .output()
        .expect("run etcdctl");
    assert!(
        !out.status.success(),
        "etcd served a client without a certificate"
    );
}

/// Short-lived server and peer certificates for one member, the client for a year.
const SHORT_LIVED: &str = r#"{"signing": {"profiles": {
  "server": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "peer": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]}}}}"#;

/// The serial etcd serves on `addr`, as `certinfo -domain` reports it.
fn served_serial(dir: &Dir, addr: &str) -> String {
    let out = dir.ok(&["certinfo", &format!("-domain={addr}")], b"");
    serial_of(&out)
}

fn serial_of(certinfo_json: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(certinfo_json).expect("certinfo JSON");
    v["serial_number"]
        .as_str()
        .expect("serial_number")
        .to_owned()
}

#[test]
fn a_running_member_serves_renewed_certificates_without_a_restart() {
    let dir = Dir::new();
    dir.write("ca-config.json", SHORT_LIVED);
    for f in ["ca-csr.json", "client-csr.json"] {
        dir.write(f, &profile(f));
    }
    dir.write(
        "m1-csr.json",
        r#"{"CN": "m1", "hosts": ["127.0.0.1", "localhost"]}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    for (profile, csr, base) in [
        ("server", "m1-csr.json", "m1-server"),
        ("peer", "m1-csr.json", "m1-peer"),
        ("client", "client-csr.json", "client"),
    ] {
        let profile = format!("-profile={profile}");
        let args = [
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            &profile,
            csr,
        ];
        dir.gencert(Tool::Etcdpki, &args, base);
    }
    let ip = "127.0.0.1";
    let (client, peer) = (free_port(ip), free_port(ip));
    let mut running = [Member::start(
        &dir,
        "m1",
        ip,
        (client, peer),
        &format!("m1=https://{ip}:{peer}"),
        "m1-",
    )];
    let endpoint = format!("https://{ip}:{client}");
    wait_healthy(&dir, &endpoint, "client.pem", &mut running);
    let addr = format!("{ip}:{client}");
    let before = served_serial(&dir, &addr);
    assert_eq!(
        before,
        serial_of(&dir.ok(&["certinfo", "-cert", "m1-server.pem"], b""))
    );

    let out = dir.run(
        &crate::util::etcdpki(),
        &[
            "renew",
            "--ca",
            "ca.pem",
            "--ca-key",
            "ca-key.pem",
            "--before",
            "720h",
            ".",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("renewed 2, not due 1"), "{report}");
    let renewed = serial_of(&dir.ok(&["certinfo", "-cert", "m1-server.pem"], b""));
    assert_ne!(renewed, before);

    // etcd reads the files on every new handshake: the next connection gets the new certificate.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now_served = served_serial(&dir, &addr);
        if now_served == renewed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "etcd still serves serial {now_served}, not the renewed {renewed}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        matches!(running[0].child.try_wait(), Ok(None)),
        "the member was not restarted"
    );
    let (ok, out) = etcdctl(&dir, &endpoint, "client.pem", &["put", "after", "renewal"]);
    assert!(ok, "put over the renewed certificate: {out}");
}

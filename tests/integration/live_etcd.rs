//! A live 3-member etcd 3.4 on 127.0.0.1, 127.0.0.2 and 127.0.0.3 for the CA rotation tests
//! (issue 17, point 7): client and peer certificate auth, each member started from a YAML
//! `--config-file` the test writes (so `rotate-ca --etcd-config` and `lint --etcd-config` read
//! what etcd reads), detached (`setsid`) by a restart script fit for `rotate-ca --restart-cmd`
//! (`ETCDPKI_MEMBER`, `ETCDPKI_CONFIG` from the environment), a writer that puts keys through
//! all three endpoints during the whole run, and a watcher that samples quorum.
//!
//! The PKI is made (i) by `etcdpki cluster` or (ii) by a plain cfssl script (etcdpki under the
//! names `cfssl` and `cfssljson`). Every member is stopped by the PID its file holds when the
//! cluster is dropped, a panicking test included; every wait is bounded.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::etcd::{free_port, outcome};
use crate::util::{Dir, etcdpki, require};

/// How the PKI was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkiShape {
    /// `etcdpki cluster --initial-cluster … --client root --out pki` (cfssl layout).
    Cluster,
    /// A plain cfssl script: `cfssl gencert -initca ca-csr.json | cfssljson -bare ca`, then
    /// `gencert -profile=server|peer|client` per member and client, into `pki/`.
    CfsslScript,
}

/// One member: its addresses and files.
#[derive(Clone, Debug)]
pub struct LiveMember {
    /// `m1`, `m2`, `m3`.
    pub name: String,
    /// The client URL.
    pub client_url: String,
    /// The peer URL.
    pub peer_url: String,
    /// Its YAML `--config-file`.
    pub config: PathBuf,
}

/// What a client uses: the endpoints, the CA bundle it trusts and its certificate pair, all
/// read again by every `etcdctl` call (as a restarted client would).
#[derive(Clone, Debug)]
pub struct ClientFiles {
    /// All three client URLs, comma-separated.
    pub endpoints: String,
    /// `--cacert`.
    pub cacert: PathBuf,
    /// `--cert`.
    pub cert: PathBuf,
    /// `--key`.
    pub key: PathBuf,
}

impl ClientFiles {
    /// `etcdctl ARGS` against `endpoints` with these files; (success, stdout + stderr).
    pub fn etcdctl_at(&self, endpoints: &str, args: &[&str]) -> (bool, String) {
        let mut command = Command::new(require("etcdctl", "etcd-client"));
        command
            .env("ETCDCTL_API", "3")
            .arg(format!("--endpoints={endpoints}"))
            .arg(format!("--cacert={}", self.cacert.display()))
            .arg(format!("--cert={}", self.cert.display()))
            .arg(format!("--key={}", self.key.display()))
            .args(["--dial-timeout=2s", "--command-timeout=5s"])
            .args(args)
            .stdin(Stdio::null());
        outcome(&mut command)
    }

    /// `etcdctl ARGS` against all three endpoints.
    pub fn etcdctl(&self, args: &[&str]) -> (bool, String) {
        self.etcdctl_at(&self.endpoints, args)
    }
}

/// The running cluster. Dropping it kills every member by the PID in its file.
pub struct LiveCluster {
    /// The test's directory: `pki/` (the certificates) and `run/` (configs, PID files, logs,
    /// data directories, the restart script).
    pub dir: Dir,
    /// The three members.
    pub members: Vec<LiveMember>,
    /// The client's files.
    pub client: ClientFiles,
    /// The restart script (`sh FILE`, for `--restart-cmd`).
    pub restart_script: PathBuf,
    /// The CA certificate and key (`pki/ca.pem`, `pki/ca-key.pem`).
    pub ca: (PathBuf, PathBuf),
}

/// How long a member may take to come up healthy after a start or a restart.
pub const HEALTH_WAIT: Duration = Duration::from_secs(60);

impl LiveCluster {
    /// Makes the PKI, the configurations and the restart script, starts the three members
    /// through the script and waits until all three are healthy.
    pub fn start(shape: PkiShape) -> Self {
        let etcd = require("etcd", "etcd-server");
        require("etcdctl", "etcd-client");
        let dir = Dir::new();
        for sub in ["pki", "run"] {
            std::fs::create_dir(dir.join(sub)).expect("mkdir");
        }
        let members: Vec<LiveMember> = (1..=3)
            .map(|n| {
                let ip = format!("127.0.0.{n}");
                LiveMember {
                    name: format!("m{n}"),
                    client_url: format!("https://{ip}:{}", free_port(&ip)),
                    peer_url: format!("https://{ip}:{}", free_port(&ip)),
                    config: dir.join(&format!("run/m{n}.yaml")),
                }
            })
            .collect();
        let initial_cluster: Vec<String> = members
            .iter()
            .map(|m| format!("{}={}", m.name, m.peer_url))
            .collect();
        let initial_cluster = initial_cluster.join(",");
        let client_base = match shape {
            PkiShape::Cluster => make_cluster_pki(&dir, &initial_cluster),
            PkiShape::CfsslScript => make_cfssl_pki(&dir),
        };
        let pki = dir.join("pki");
        for m in &members {
            let (server, peer) = match shape {
                PkiShape::Cluster => (m.name.clone(), format!("{}-peer", m.name)),
                PkiShape::CfsslScript => (format!("{}-server", m.name), format!("{}-peer", m.name)),
            };
            std::fs::write(
                &m.config,
                member_yaml(
                    m,
                    &dir.join("run"),
                    &pki,
                    (&server, &peer),
                    &initial_cluster,
                ),
            )
            .expect("write the config");
        }
        let restart_script = dir.join("run/restart.sh");
        std::fs::write(
            &restart_script,
            restart_script_text(&dir.join("run"), &etcd),
        )
        .expect("write the restart script");
        let client = ClientFiles {
            endpoints: members
                .iter()
                .map(|m| m.client_url.clone())
                .collect::<Vec<_>>()
                .join(","),
            cacert: pki.join("ca.pem"),
            cert: pki.join(format!("{client_base}.pem")),
            key: pki.join(format!("{client_base}-key.pem")),
        };
        let cluster = Self {
            ca: (pki.join("ca.pem"), pki.join("ca-key.pem")),
            dir,
            members,
            client,
            restart_script,
        };
        for m in &cluster.members {
            cluster.run_restart_script(m, "start");
        }
        let deadline = Instant::now() + HEALTH_WAIT;
        loop {
            let (healthy, out) = cluster.healthy();
            if healthy == 3 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster was not healthy within {HEALTH_WAIT:?}: {out}\n{}",
                cluster.logs()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        cluster
    }

    /// Runs the restart script for `member` as `rotate-ca --restart-cmd` would (its name and
    /// configuration in the environment); panics if it fails.
    pub fn run_restart_script(&self, member: &LiveMember, stage: &str) {
        let out = Command::new("sh")
            .arg(&self.restart_script)
            .env("ETCDPKI_MEMBER", &member.name)
            .env("ETCDPKI_CONFIG", &member.config)
            .env("ETCDPKI_CLIENT_URLS", &member.client_url)
            .env("ETCDPKI_PEER_URLS", &member.peer_url)
            .env("ETCDPKI_STAGE", stage)
            .stdin(Stdio::null())
            .output()
            .expect("run the restart script");
        assert!(
            out.status.success(),
            "restart {}: {}{}",
            member.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let pid = self.pid(member).expect("the script wrote a PID");
        // `setsid` execs etcd in the same process (it is no group leader under `sh`), a moment
        // after the script returns.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut comm = String::new();
        while Instant::now() < deadline {
            comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "etcd" || !alive(pid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            comm.trim() == "etcd" || !alive(pid),
            "PID {pid} of {} is {comm:?}, not etcd",
            member.name
        );
    }

    /// `--restart-cmd` for `rotate-ca`.
    pub fn restart_cmd(&self) -> String {
        format!("sh {}", self.restart_script.display())
    }

    /// Restarts `member` with the script and waits until it alone answers healthy.
    pub fn restart(&self, member: &LiveMember) {
        self.run_restart_script(member, "test");
        self.wait_member_healthy(member);
    }

    /// Waits (bounded) until `etcdctl endpoint health` at `member` says healthy.
    pub fn wait_member_healthy(&self, member: &LiveMember) {
        let deadline = Instant::now() + HEALTH_WAIT;
        loop {
            let (ok, out) = self
                .client
                .etcdctl_at(&member.client_url, &["endpoint", "health"]);
            if ok && out.contains("is healthy") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} not healthy within {HEALTH_WAIT:?}: {out}\n{}",
                member.name,
                self.log(member)
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// How many members `endpoint health` finds healthy, and what it printed.
    pub fn healthy(&self) -> (usize, String) {
        let (_, out) = self.client.etcdctl(&["endpoint", "health"]);
        (out.matches(" is healthy").count(), out)
    }

    /// The PID in `member`'s PID file.
    pub fn pid(&self, member: &LiveMember) -> Option<u32> {
        std::fs::read_to_string(self.dir.join(&format!("run/{}.pid", member.name)))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// `member`'s log (etcd's output, appended over restarts).
    pub fn log(&self, member: &LiveMember) -> String {
        std::fs::read_to_string(self.dir.join(&format!("run/{}.log", member.name)))
            .unwrap_or_default()
    }

    /// Every member's log, for a failure message (the last 40 lines of each).
    pub fn logs(&self) -> String {
        self.members
            .iter()
            .map(|m| {
                let log = self.log(m);
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(40)..].join("\n");
                format!("--- {} ---\n{tail}\n", m.name)
            })
            .collect()
    }

    /// `--etcd-config FILE` for every member, as arguments.
    pub fn config_args(&self) -> Vec<String> {
        self.members
            .iter()
            .flat_map(|m| ["--etcd-config".to_owned(), m.config.display().to_string()])
            .collect()
    }

    /// `etcdpki ARGS` in the test directory: (exit code, stdout, stderr).
    pub fn etcdpki(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self.dir.run(&etcdpki(), args, b"");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `etcdpki lint` with the members' configurations over `pki/` must report nothing.
    pub fn assert_lint_clean(&self, when: &str) {
        let mut args = vec!["lint".to_owned()];
        args.extend(self.config_args());
        args.push("pki".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = self.etcdpki(&args);
        assert!(
            code == Some(0) && stdout.contains("0 error(s), 0 warning(s)"),
            "lint {when}:\n{stdout}{stderr}"
        );
    }

    /// Kills every member by its PID (SIGKILL) and waits, bounded, for each to be gone.
    fn stop_all(&self) {
        for m in &self.members {
            if let Some(pid) = self.pid(m) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
                let deadline = Instant::now() + Duration::from_secs(10);
                while alive(pid) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
}

impl Drop for LiveCluster {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// True while `pid` runs (a zombie no longer does: whoever inherited it may not reap it).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Ok(status) => !status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
        Err(_) => false,
    }
}

/// The restart script: stops the member by its PID file (TERM, then KILL after 15 s, failing
/// after 20 s), starts `etcd --config-file` again detached with its output appended to the
/// member's log, and writes the new PID.
fn restart_script_text(run: &Path, etcd: &Path) -> String {
    format!(
        r#"#!/bin/sh
# Restarts one etcd member for `etcdpki rotate-ca --restart-cmd`.
# ETCDPKI_MEMBER names the member; ETCDPKI_CONFIG is its --config-file.
set -u
run='{run}'
m="$ETCDPKI_MEMBER"
cfg="${{ETCDPKI_CONFIG:-}}"
[ -n "$cfg" ] || cfg="$run/$m.yaml"
pidfile="$run/$m.pid"
alive() {{ [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }}
if [ -s "$pidfile" ]; then
  pid=$(cat "$pidfile")
  if alive "$pid"; then
    kill -TERM "$pid"
    i=0
    while alive "$pid"; do
      i=$((i + 1))
      [ "$i" -eq 150 ] && kill -KILL "$pid"
      if [ "$i" -ge 200 ]; then echo "$m (PID $pid) did not exit" >&2; exit 1; fi
      sleep 0.1
    done
  fi
fi
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) restart.sh: starting $m (${{ETCDPKI_STAGE:-}})" >>"$run/$m.log"
cd "$run"
setsid '{etcd}' --config-file "$cfg" </dev/null >>"$run/$m.log" 2>&1 &
echo $! >"$pidfile"
"#,
        run = run.display(),
        etcd = etcd.display()
    )
}

/// A member's YAML configuration, as etcd 3.4's `--config-file` reads it (etcd
/// etcd.conf.yml.sample): client and peer TLS with certificate auth, the trust file being
/// `pki/ca.pem` for both. Heartbeat and election are slower than etcd's defaults (100 ms,
/// 1 s) so that two shared cores under load do not elect for nothing.
fn member_yaml(
    m: &LiveMember,
    run: &Path,
    pki: &Path,
    (server, peer): (&str, &str),
    initial_cluster: &str,
) -> String {
    let file = |base: &str| pki.join(base).display().to_string();
    format!(
        "name: {name}
data-dir: {data}
heartbeat-interval: 200
election-timeout: 2000
listen-client-urls: {client}
advertise-client-urls: {client}
listen-peer-urls: {peer_url}
initial-advertise-peer-urls: {peer_url}
initial-cluster: {initial_cluster}
initial-cluster-state: new
initial-cluster-token: etcdpki-rotate
logger: zap
log-outputs: [stderr]
client-transport-security:
  cert-file: {server_cert}
  key-file: {server_key}
  client-cert-auth: true
  trusted-ca-file: {ca}
peer-transport-security:
  cert-file: {peer_cert}
  key-file: {peer_key}
  client-cert-auth: true
  trusted-ca-file: {ca}
",
        name = m.name,
        data = run.join(format!("{}.etcd", m.name)).display(),
        client = m.client_url,
        peer_url = m.peer_url,
        server_cert = file(&format!("{server}.pem")),
        server_key = file(&format!("{server}-key.pem")),
        peer_cert = file(&format!("{peer}.pem")),
        peer_key = file(&format!("{peer}-key.pem")),
        ca = file("ca.pem"),
    )
}

/// `etcdpki cluster` into `pki/`; returns the client's base name.
fn make_cluster_pki(dir: &Dir, initial_cluster: &str) -> &'static str {
    let out = dir.run(
        &etcdpki(),
        &[
            "cluster",
            "--initial-cluster",
            initial_cluster,
            "--client",
            "root",
            // Members on one host dial each other from 127.0.0.1, and etcd checks a peer's
            // IP SANs against the connection's source address (etcd 3.4
            // pkg/transport/listener_tls.go, `checkCertSAN`).
            "--peer-san",
            "127.0.0.1",
            "--out",
            "pki",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "cluster: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    "root"
}

/// The shape of etcd's hack/tls-setup and most hand-written scripts: a ca-config.json with
/// server, peer and client profiles, one request per certificate, `cfssl gencert | cfssljson
/// -bare` for each, run by `sh` with etcdpki linked as `cfssl` and `cfssljson` first on PATH.
/// Returns the client's base name.
fn make_cfssl_pki(dir: &Dir) -> &'static str {
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("mkdir bin");
    for name in ["cfssl", "cfssljson"] {
        std::os::unix::fs::symlink(etcdpki(), bin.join(name)).expect("link");
    }
    let usages = r#""signing", "key encipherment", "server auth", "client auth""#;
    dir.write(
        "pki/ca-config.json",
        &format!(
            r#"{{"signing": {{"default": {{"expiry": "8760h"}}, "profiles": {{
  "server": {{"expiry": "8760h", "usages": [{usages}]}},
  "peer": {{"expiry": "8760h", "usages": [{usages}]}},
  "client": {{"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]}}}}}}}}"#
        ),
    );
    dir.write(
        "pki/ca-csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd"}]}"#,
    );
    let mut script =
        String::from("set -e\ncd pki\ncfssl gencert -initca ca-csr.json | cfssljson -bare ca\n");
    for n in 1..=3 {
        for (role, hosts) in [
            ("server", format!("127.0.0.{n},localhost")),
            // 127.0.0.1 too: see `make_cluster_pki`.
            ("peer", format!("127.0.0.{n},127.0.0.1")),
        ] {
            dir.write(
                &format!("pki/m{n}-{role}-csr.json"),
                &format!(
                    r#"{{"CN": "m{n}", "key": {{"algo": "ecdsa", "size": 256}}, "names": [{{"O": "etcd", "OU": "{role}"}}]}}"#
                ),
            );
            script.push_str(&format!(
                "cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile={role} -hostname={hosts} m{n}-{role}-csr.json | cfssljson -bare m{n}-{role}\n"
            ));
        }
    }
    dir.write(
        "pki/client-csr.json",
        r#"{"CN": "root", "key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd", "OU": "client"}]}"#,
    );
    script.push_str(
        "cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=client client-csr.json | cfssljson -bare client\n",
    );
    let script_file = dir.write("make-pki.sh", &script);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg(&script_file)
        .current_dir(dir.path())
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .expect("run the cfssl script");
    assert!(
        out.status.success(),
        "the cfssl script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    "client"
}

/// What the writer saw.
#[derive(Debug, Default)]
pub struct WriterReport {
    /// Keys acknowledged, in order (`rot/000001`, …).
    pub acknowledged: Vec<String>,
    /// Failed attempts (each retried): key and etcdctl's output.
    pub failures: Vec<(String, String)>,
    /// Keys never acknowledged within their bound.
    pub unacknowledged: Vec<String>,
}

/// A thread that puts `rot/NNNNNN = vNNNNNN` through all three endpoints, one key after
/// another, each retried until acknowledged (for up to 90 s), with the client files read again
/// for every call. Stopped (and joined) by [`Writer::stop`] or when dropped.
pub type Writer = Background<WriterReport>;

/// A thread that repeats one round of work, recording into its report, until stopped (also
/// when dropped, so a failing test leaves no thread behind).
pub struct Background<R> {
    stop: Arc<AtomicBool>,
    report: Arc<Mutex<R>>,
    thread: Option<JoinHandle<()>>,
}

impl<R: Default + Send + 'static> Background<R> {
    fn spawn(mut round: impl FnMut(&Mutex<R>) + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let report = Arc::new(Mutex::new(R::default()));
        let (flag, shared) = (stop.clone(), report.clone());
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                round(&shared);
            }
        });
        Self {
            stop,
            report,
            thread: Some(thread),
        }
    }

    /// Stops after the round in flight and returns the report.
    pub fn stop(mut self) -> R {
        self.halt();
        std::mem::take(&mut *self.report.lock().expect("report"))
    }
}

impl<R> Background<R> {
    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<R> Drop for Background<R> {
    fn drop(&mut self) {
        self.halt();
    }
}

/// How long one key may take to be acknowledged.
const KEY_WAIT: Duration = Duration::from_secs(90);

impl Writer {
    /// Starts writing.
    pub fn start(client: &ClientFiles) -> Self {
        let client = client.clone();
        let mut n = 0u32;
        Self::spawn(move |shared| {
            n += 1;
            let key = format!("rot/{n:06}");
            let value = format!("v{n:06}");
            let deadline = Instant::now() + KEY_WAIT;
            loop {
                let (ok, out) = client.etcdctl(&["put", &key, &value]);
                let mut r = shared.lock().expect("the writer's report");
                if ok && out.trim_end().ends_with("OK") {
                    r.acknowledged.push(key.clone());
                    break;
                }
                r.failures.push((key.clone(), out));
                if Instant::now() > deadline {
                    r.unacknowledged.push(key.clone());
                    break;
                }
                drop(r);
                std::thread::sleep(Duration::from_millis(200));
            }
            std::thread::sleep(Duration::from_millis(100));
        })
    }

    /// Keys acknowledged so far.
    pub fn acknowledged(&self) -> usize {
        self.report.lock().expect("report").acknowledged.len()
    }

    /// Waits (bounded, 60 s) until `more` keys beyond `from` are acknowledged: the cluster
    /// takes writes now. Returns the count.
    pub fn wait_for(&self, from: usize, more: usize, when: &str) -> usize {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let now = self.acknowledged();
            if now >= from + more {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "{when}: only {} writes acknowledged in 60 s",
                now - from
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// What the quorum watcher saw.
#[derive(Debug, Default)]
pub struct WatchReport {
    /// Samples taken.
    pub samples: usize,
    /// Samples with fewer than 2 of 3 members healthy: etcdctl's output.
    pub lost: Vec<String>,
}

/// A thread that runs `etcdctl endpoint health` over all three endpoints every 200 ms (after the previous one) and
/// records every sample where fewer than 2 members are healthy. A sample whose failure is the
/// client's own (its certificate and key read in the middle of their replacement) is taken
/// again, since it says nothing about the cluster.
pub type QuorumWatcher = Background<WatchReport>;

impl QuorumWatcher {
    /// Starts watching.
    pub fn start(client: &ClientFiles) -> Self {
        let client = client.clone();
        Self::spawn(move |shared| {
            let mut out = String::new();
            let mut healthy = 0;
            for _ in 0..5 {
                let (_, text) = client.etcdctl(&["endpoint", "health"]);
                healthy = text.matches(" is healthy").count();
                out = text;
                let local = out.contains("private key does not match")
                    || out.contains("no such file")
                    || out.contains("failed to find any PEM data");
                if !local {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let mut r = shared.lock().expect("the watcher's report");
            r.samples += 1;
            if healthy < 2 {
                r.lost.push(out);
            }
            drop(r);
            std::thread::sleep(Duration::from_millis(200));
        })
    }
}

/// Reads every `rot/` key back and checks that each acknowledged key holds its value.
pub fn assert_read_back(cluster: &LiveCluster, report: &WriterReport) {
    let (ok, out) = cluster
        .client
        .etcdctl(&["get", "rot/", "--prefix", "--command-timeout=30s"]);
    assert!(ok, "get rot/ --prefix: {out}");
    let lines: Vec<&str> = out.lines().collect();
    let stored: std::collections::BTreeMap<&str, &str> = lines
        .chunks(2)
        .filter_map(|pair| match pair {
            [k, v] => Some((*k, *v)),
            _ => None,
        })
        .collect();
    for key in &report.acknowledged {
        let want = format!("v{}", key.trim_start_matches("rot/"));
        assert_eq!(
            stored.get(key.as_str()).copied(),
            Some(want.as_str()),
            "{key} was acknowledged but does not read back"
        );
    }
}

/// The writer and the watcher must have seen every write acknowledged and quorum kept.
pub fn assert_writes_and_quorum(
    cluster: &LiveCluster,
    writes: &WriterReport,
    watch: &WatchReport,
    min_keys: usize,
) {
    assert!(
        writes.unacknowledged.is_empty(),
        "writes never acknowledged: {:?}\nlast failures: {:#?}\n{}",
        writes.unacknowledged,
        &writes.failures[writes.failures.len().saturating_sub(5)..],
        cluster.logs()
    );
    assert!(
        writes.acknowledged.len() >= min_keys,
        "only {} writes acknowledged; failures: {:#?}",
        writes.acknowledged.len(),
        &writes.failures[writes.failures.len().saturating_sub(5)..]
    );
    assert!(
        watch.samples >= 2 && watch.lost.is_empty(),
        "quorum lost in {} of {} samples: {:#?}\n{}",
        watch.lost.len(),
        watch.samples,
        watch.lost,
        cluster.logs()
    );
    assert_read_back(cluster, writes);
}

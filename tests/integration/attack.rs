//! Issue #13's attacks, tried as a second, unprivileged user would: the test (root) creates the
//! user, lets it prepare links, files and directories, runs etcdpki as root, and checks that the
//! victim's files are unchanged, that no private key became readable by the attacker, that
//! every pair still matches, and that each run ends in bounded time and memory. The user is
//! removed afterwards. Not root: the tests fail loudly (they cannot be tried otherwise).
//! docs/security.md lists which guarantee each test pins.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::util::{Dir, etcdpki};

const CONFIG: &str = r#"{"signing": {"profiles": {
  "peer": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"]}}}}"#;

/// A second user, made for one test and removed when dropped (also the unprivileged
/// monitoring user of tests/integration/expiry.rs).
pub(crate) struct Attacker {
    name: String,
    uid: u32,
    gid: u32,
}

impl Attacker {
    pub(crate) fn new() -> Self {
        assert_eq!(
            rustix::process::geteuid().as_raw(),
            0,
            "the attack suite runs as root: it creates a second user to attack with"
        );
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "etcdpki-atk{}-{}",
            std::process::id() % 100_000,
            N.fetch_add(1, Ordering::SeqCst)
        );
        let useradd = crate::util::require("useradd", "passwd");
        // useradd fails while another holds /etc/passwd's lock (the tests run in parallel).
        let mut tries = 0;
        loop {
            let out = Command::new(&useradd)
                .args(["--no-create-home", "--user-group", "--shell", "/bin/sh"])
                .arg(&name)
                .output()
                .expect("useradd");
            if out.status.success() {
                break;
            }
            tries += 1;
            assert!(
                tries < 50,
                "useradd {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let id = |flag: &str| -> u32 {
            let out = Command::new("id")
                .arg(flag)
                .arg(&name)
                .output()
                .expect("id");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("numeric id")
        };
        let (uid, gid) = (id("-u"), id("-g"));
        Self { name, uid, gid }
    }

    /// `sh -c script` as the attacker, in `dir`.
    pub(crate) fn sh(&self, dir: &Path, script: &str) -> Output {
        let out = Command::new(crate::util::require("setpriv", "util-linux"))
            .arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .args(["--clear-groups", "--", "sh", "-c", script])
            .current_dir(dir)
            .output()
            .expect("setpriv");
        assert!(
            out.status.success(),
            "as {}: {script}: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// True if the attacker can read `path`.
    fn can_read(&self, path: &Path) -> bool {
        Command::new("setpriv")
            .arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .args(["--clear-groups", "--", "cat"])
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn own(&self, path: &Path) {
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{}:{}", self.uid, self.gid))
            .arg(path)
            .status()
            .expect("chown");
        assert!(status.success());
    }
}

impl Drop for Attacker {
    fn drop(&mut self) {
        for _ in 0..50 {
            let ok = Command::new("userdel")
                .arg(&self.name)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A test directory others may enter (tempdirs are 0700), with a CA in `ca/` (root's, 0700).
fn world() -> Dir {
    let dir = Dir::new();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::create_dir(dir.join("ca")).expect("mkdir");
    dir.write("config.json", CONFIG);
    dir.write("ca.json", r#"{"CN": "etcd-ca"}"#);
    dir.gencert(crate::util::Tool::Etcdpki, &["-initca", "ca.json"], "ca/ca");
    std::fs::set_permissions(dir.join("ca"), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    dir
}

/// A 1h leaf `base.pem`/`base-key.pem`/`base.csr` issued by `ca/ca`.
fn leaf(dir: &Dir, base: &str) {
    dir.issue("ca/ca", "config.json", "peer", "infra0", "127.0.0.1", base);
}

/// `etcdpki ARGS` as root in `dir`, killed if it runs longer than 60 s (the test then fails).
fn run(dir: &Dir, args: &[&str], stdin: &[u8]) -> Output {
    run_in(dir.path(), args, stdin)
}

fn run_in(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let start = Instant::now();
    let mut child = Command::new(etcdpki())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let _ = input.write_all(stdin);
    drop(input);
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    });
    let out = child.wait_with_output().expect("wait");
    drop(watchdog);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "etcdpki {args:?} ran for a minute"
    );
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn renew_args<'a>(paths: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "renew",
        "--ca",
        "ca/ca.pem",
        "--ca-key",
        "ca/ca-key.pem",
        "--before",
        "100%",
    ];
    args.extend_from_slice(paths);
    args
}

/// openssl's view of a key file's and a certificate's public keys must agree.
fn assert_pair(dir: &Dir, base: &str) {
    let from_key = dir.openssl(&["pkey", "-in", &format!("{base}-key.pem"), "-pubout"]);
    let from_cert = dir.openssl(&["x509", "-in", &format!("{base}.pem"), "-noout", "-pubkey"]);
    assert_eq!(text(&from_key), text(&from_cert), "{base}: the pair");
}

/// The gencert output of a new CA, for `json`.
fn gencert_output(dir: &Dir) -> Vec<u8> {
    dir.ok(&["gencert", "-initca", "ca.json"], b"")
}

#[test]
fn issue_13_renew_never_writes_a_csr_through_a_link_into_roots_file() {
    // https://github.com/etcdpki/etcdpki/issues/13: NAME.csr replaced by a link to a root-only
    // file in a directory the service user owns.
    let dir = world();
    let atk = Attacker::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    leaf(&dir, "pki/server");
    let victim = dir.write("victim", "root's only\n");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    atk.own(&dir.join("pki"));
    atk.sh(
        dir.path(),
        "rm pki/server.csr && ln -s ../victim pki/server.csr",
    );

    let out = run(&dir, &renew_args(&["pki"]), b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pki/server.csr: is a symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(dir.read("victim"), b"root's only\n");
    assert_eq!(
        std::fs::metadata(&victim).expect("stat").mode() & 0o7777,
        0o600
    );
    assert_pair(&dir, "pki/server");
}

#[test]
fn issue_13_json_in_a_shared_directory_refuses_planted_links_and_files() {
    let dir = world();
    let atk = Attacker::new();
    let shared = dir.join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    std::fs::create_dir(dir.join("loot")).expect("mkdir");
    atk.own(&dir.join("loot"));
    let input = gencert_output(&dir);

    // A link where the key goes, to a place the attacker reads.
    atk.sh(dir.path(), "ln -s ../loot/key.pem shared/server-key.pem");
    let out = run(&dir, &["json", "-bare", "shared/server"], &input);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("shared/server-key.pem: is a symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !dir.join("loot/key.pem").exists(),
        "nothing written through"
    );
    assert!(
        !shared.join("server.pem").exists(),
        "nothing of the set written"
    );

    // An empty file of the attacker's where the key goes: root would have given it away.
    atk.sh(
        dir.path(),
        "rm shared/server-key.pem && : > shared/server-key.pem",
    );
    let out = run(&dir, &["json", "-bare", "shared/server"], &input);
    assert_ne!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("belongs to uid {}", atk.uid)) && stderr.contains("planted"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(shared.join("server-key.pem")).expect("read"),
        b""
    );
    assert!(!shared.join("server.pem").exists());

    // Root's own files there are replaced, and the new key is not the attacker's to read.
    atk.sh(dir.path(), "rm shared/server-key.pem");
    let out = run(&dir, &["json", "-bare", "shared/server"], &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!atk.can_read(&shared.join("server-key.pem")));
    assert_eq!(
        std::fs::metadata(shared.join("server-key.pem"))
            .expect("stat")
            .mode()
            & 0o7777,
        0o600
    );
}

#[test]
fn issue_13_cluster_refuses_a_directory_or_ca_someone_else_prepared() {
    let dir = world();
    let atk = Attacker::new();
    // Another user's ./pki, with a CA of theirs under the plan's subject.
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    std::fs::copy(dir.join("ca/ca.pem"), dir.join("pki/ca.pem")).expect("copy");
    std::fs::copy(dir.join("ca/ca-key.pem"), dir.join("pki/ca-key.pem")).expect("copy");
    atk.own(&dir.join("pki"));
    let args = [
        "cluster",
        "--out",
        "pki",
        "--initial-cluster",
        "infra0=https://127.0.0.1:2380",
    ];
    let before: Vec<_> = std::fs::read_dir(dir.join("pki")).expect("ls").collect();
    let out = run(&dir, &args, b"");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains(&format!(
            "pki: the output directory belongs to uid {}",
            atk.uid
        )),
        "{}",
        text(&out.stderr)
    );
    let after: Vec<_> = std::fs::read_dir(dir.join("pki")).expect("ls").collect();
    assert_eq!(before.len(), after.len(), "nothing written");

    // Root's directory, but the attacker's CA in it.
    let status = Command::new("chown")
        .args(["root:root"])
        .arg(dir.join("pki"))
        .status()
        .expect("chown");
    assert!(status.success());
    std::fs::set_permissions(dir.join("pki"), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    let out = run(&dir, &args, b"");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("pki/ca.pem: the CA certificate belongs to uid"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("pki/infra0-key.pem").exists());
}

#[test]
fn issue_13_a_key_link_in_another_directory_never_breaks_roots_pair() {
    let dir = world();
    let atk = Attacker::new();
    std::fs::create_dir(dir.join("rootpki")).expect("mkdir");
    leaf(&dir, "rootpki/a");
    let key_before = dir.read("rootpki/a-key.pem");
    std::fs::create_dir(dir.join("evil")).expect("mkdir");
    atk.own(&dir.join("evil"));
    atk.sh(
        dir.path(),
        "cp rootpki/a.pem evil/a.pem && ln -s ../rootpki/a-key.pem evil/a-key.pem",
    );
    let out = run(&dir, &renew_args(&["evil"]), b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("evil/a-key.pem: is a symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        dir.read("rootpki/a-key.pem"),
        key_before,
        "root's key untouched"
    );
    assert_pair(&dir, "rootpki/a");
    assert!(!atk.can_read(&dir.join("rootpki/a-key.pem")));
}

#[test]
fn issue_13_locks_are_no_files_to_plant_and_cover_nested_directories() {
    let dir = world();
    let atk = Attacker::new();
    std::fs::create_dir_all(dir.join("pki/sub")).expect("mkdir");
    leaf(&dir, "pki/a");
    leaf(&dir, "pki/sub/b");
    atk.own(&dir.join("pki"));
    // The old lock file's name as a FIFO and as a link out of the tree.
    atk.sh(
        dir.path(),
        "mkfifo pki/.etcdpki-renew.lock && ln -s ../../planted pki/sub/.etcdpki-renew.lock",
    );
    let out = run(&dir, &renew_args(&["pki"]), b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !dir.join("planted").exists(),
        "nothing made through the link"
    );
    assert_pair(&dir, "pki/a");
    assert_pair(&dir, "pki/sub/b");

    // renew pki (holding every directory until its hook ends) and renew pki/sub meet.
    let mut first = Command::new(etcdpki())
        .args(renew_args(&["--exec", "touch started; sleep 3", "pki"]))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("started").exists() {
        assert!(
            Instant::now() < deadline,
            "the first run never reached its hook"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = run(
        &dir,
        &renew_args(&["--lock-timeout", "300ms", "pki/sub"]),
        b"",
    );
    assert!(first.wait().expect("wait").success());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pki/sub: another etcdpki run is writing in this directory"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn issue_13_a_replaced_key_keeps_its_group_mode_and_acl_but_never_world_access() {
    let dir = world();
    let atk = Attacker::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    leaf(&dir, "pki/server");
    leaf(&dir, "pki/wide");
    // root:etcd 0640, plus an ACL entry, as an operator sets a key up for etcd.
    let key = dir.join("pki/server-key.pem");
    let status = Command::new("chown")
        .arg(format!("root:{}", atk.gid))
        .arg(&key)
        .status()
        .expect("chown");
    assert!(status.success());
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let setfacl = crate::util::require("setfacl", "acl");
    let status = Command::new(setfacl)
        .args(["-m", "u:nobody:r"])
        .arg(&key)
        .status()
        .expect("setfacl");
    assert!(status.success());
    std::fs::set_permissions(
        dir.join("pki/wide-key.pem"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");

    let out = run(&dir, &renew_args(&["pki"]), b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let meta = std::fs::metadata(&key).expect("stat");
    assert_eq!(
        (meta.uid(), meta.gid()),
        (0, atk.gid),
        "owner and group kept"
    );
    assert_eq!(meta.mode() & 0o7777, 0o640);
    let acl = Command::new(crate::util::require("getfacl", "acl"))
        .arg(&key)
        .output()
        .expect("getfacl");
    assert!(
        text(&acl.stdout).contains("user:nobody:r--"),
        "{}",
        text(&acl.stdout)
    );
    assert!(atk.can_read(&key), "etcd's group still reads its key");
    let wide = std::fs::metadata(dir.join("pki/wide-key.pem")).expect("stat");
    assert_eq!(wide.mode() & 0o7777, 0o640, "no longer world-readable");
    assert!(
        text(&out.stderr).contains("wide-key.pem: the key was mode 0644; the new key is 0640"),
        "{}",
        text(&out.stderr)
    );
    assert!(!atk.can_read(&dir.join("pki/wide-key.pem")));
    assert_pair(&dir, "pki/server");
    assert_pair(&dir, "pki/wide");
}

#[test]
fn issue_13_work_is_bounded_and_expiry_reads_no_key() {
    let dir = world();
    let atk = Attacker::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    leaf(&dir, "pki/server");
    // A 1 GiB sparse file among the certificates, and a link to /usr.
    let big = std::fs::File::create(dir.join("pki/big.pem")).expect("create");
    big.set_len(1 << 30).expect("sparse");
    std::os::unix::fs::symlink("/usr", dir.join("pki/usr")).expect("link");
    std::fs::set_permissions(dir.join("pki"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    // 256 MiB of address space: reading the sparse file whole would fail.
    let capped = |args: &[&str]| {
        let mut full = vec!["--as=268435456", "--"];
        let bin = etcdpki();
        full.push(bin.to_str().expect("utf-8 path"));
        full.extend_from_slice(args);
        let start = Instant::now();
        let out = Command::new(crate::util::require("prlimit", "util-linux"))
            .args(&full)
            .current_dir(dir.path())
            .output()
            .expect("prlimit");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{args:?} took too long"
        );
        out
    };
    let out = capped(&["expiry", "pki"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("/usr"), "{}", text(&out.stdout));
    let out = capped(&renew_args(&["--dry-run", "pki"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Named, the big file is reported, not skipped.
    let out = capped(&["expiry", "pki/big.pem"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("pki/big.pem: 1073741824 bytes is more than"),
        "{}",
        text(&out.stderr)
    );
    // A monitoring user who may not read the 0600 key still gets the report.
    let out = atk.sh(dir.path(), &format!("{} expiry pki", etcdpki().display()));
    assert!(
        text(&out.stdout).contains("infra0"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn issue_13_renew_leaves_long_dead_certificates_alone_and_refuses_a_lifetime_inside_the_backdate() {
    let dir = world();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write(
        "dead.json",
        r#"{"signing": {"profiles": {"dead": {"expiry": "1s", "usages": ["signing", "client auth"]}}}}"#,
    );
    // Its backdate is 5 minutes: it expired minutes before it was written, far outside a third
    // of its one-second lifetime.
    dir.issue("ca/ca", "dead.json", "dead", "ghost", "", "pki/ghost");
    let before = dir.read("pki/ghost.pem");
    let out = run(&dir, &renew_args(&["pki"]), b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("expired   pki/ghost.pem: ghost expired"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(dir.read("pki/ghost.pem"), before, "left alone");
    let out = run(&dir, &renew_args(&["--renew-expired", "pki"]), b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_ne!(dir.read("pki/ghost.pem"), before, "renewed when asked");
    assert_pair(&dir, "pki/ghost");

    let out = run(&dir, &renew_args(&["--expiry", "3m", "pki"]), b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--expiry 3m0s: not longer than the 5m0s backdate"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn issue_13_no_core_dump_and_no_raw_control_characters_in_reports() {
    let dir = world();
    let atk = Attacker::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    leaf(&dir, "pki/server");
    // A file name that would clear the screen if printed raw.
    std::fs::copy(
        dir.join("pki/server.pem"),
        dir.join("pki/evil\x1b[2J\r.pem"),
    )
    .expect("copy");
    atk.own(&dir.join("pki"));
    let out = atk.sh(dir.path(), &format!("{} expiry pki", etcdpki().display()));
    let report = text(&out.stdout);
    assert!(report.contains("evil\\x1b[2J\\x0d.pem"), "{report}");
    assert!(
        !report.contains('\x1b') && !report.contains('\r'),
        "{report:?}"
    );

    // A run waiting for a lock: its limits and its /proc entry, seen from outside.
    let mut holder = Command::new("flock")
        .args(["pki", "sleep", "5"])
        .current_dir(dir.path())
        .spawn()
        .expect("flock");
    std::thread::sleep(Duration::from_millis(300));
    let mut renew = Command::new(etcdpki())
        .args(renew_args(&["--lock-timeout", "3s", "pki"]))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(500));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", renew.id())).expect("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core line");
    assert_eq!(
        core.split_whitespace().collect::<Vec<_>>()[4..6],
        ["0", "0"],
        "{core}"
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", renew.id())).expect("status");
    assert!(status.contains("State:"), "{status}");
    let _ = renew.wait();
    let _ = holder.kill();
    let _ = holder.wait();
    // Non-dumpable: the kernel hands the /proc entry of a process run by the attacker to root.
    let mut slow = Command::new("setpriv")
        .arg(format!("--reuid={}", atk.uid))
        .arg(format!("--regid={}", atk.gid))
        .args(["--clear-groups", "--"])
        .arg(etcdpki())
        .args(["json", "-bare", "x"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(300));
    let owner = std::fs::metadata(format!("/proc/{}/environ", slow.id()))
        .expect("proc entry")
        .uid();
    drop(slow.stdin.take());
    let _ = slow.wait();
    assert_eq!(
        owner, 0,
        "a dumpable process's /proc entry would be the attacker's"
    );
}

#[test]
fn issue_13_two_certificates_sharing_one_key_file_are_not_broken() {
    let dir = world();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    leaf(&dir, "pki/x");
    // X.pem and X.crt both pair with X-key.pem.
    std::fs::copy(dir.join("pki/x.pem"), dir.join("pki/x.crt")).expect("copy");
    let key = dir.read("pki/x-key.pem");
    let out = run(&dir, &renew_args(&["pki"]), b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pki/x-key.pem is also the key file of pki/x"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(dir.read("pki/x-key.pem"), key, "the shared key is kept");
    assert_pair(&dir, "pki/x");
}

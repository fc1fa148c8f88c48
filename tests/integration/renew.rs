//! `renew`: short-lived leaves renewed for a year, idempotent reruns, `--dry-run`, the hook, the
//! lock, failures that leave the rest done, and crash safety under SIGKILL.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Dir, Dump, Tool, etcdpki, ext, openssl_verify};

const CONFIG: &str = r#"{"signing": {"profiles": {
  "peer": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "1h", "usages": ["signing", "client auth"]}}}}"#;

/// pki/: a CA; infra0 (peer, ECDSA), client (ECDSA) and rsa (RSA-2048 client) leaves for 1h;
/// other/: a leaf of another CA. Returns the directory.
fn pki() -> Dir {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    std::fs::create_dir(dir.join("other")).expect("mkdir");
    dir.write("config.json", CONFIG);
    dir.write("ca.json", r#"{"CN": "etcd-ca", "names": [{"O": "etcd"}]}"#);
    dir.write("other-ca.json", r#"{"CN": "other-ca"}"#);
    dir.write(
        "infra0.json",
        r#"{"CN": "infra0", "hosts": ["infra0.example.com", "127.0.0.1", "::1"], "names": [{"O": "etcd", "OU": "peer"}]}"#,
    );
    dir.write("client.json", r#"{"CN": "root"}"#);
    dir.write(
        "rsa.json",
        r#"{"CN": "rsa-client", "key": {"algo": "rsa", "size": 2048}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "pki/ca");
    dir.gencert(Tool::Etcdpki, &["-initca", "other-ca.json"], "other/ca");
    let sign = |ca: &str, profile: &str, csr: &str, base: &str| {
        dir.gencert(
            Tool::Etcdpki,
            &[
                &format!("-ca={ca}/ca.pem"),
                &format!("-ca-key={ca}/ca-key.pem"),
                "-config=config.json",
                &format!("-profile={profile}"),
                csr,
            ],
            base,
        );
    };
    sign("pki", "peer", "infra0.json", "pki/infra0");
    sign("pki", "client", "client.json", "pki/client");
    sign("pki", "client", "rsa.json", "pki/rsa");
    sign("other", "client", "client.json", "other/stranger");
    dir
}

/// Every file under the directory (lock files aside), by relative path.
fn snapshot(dir: &Dir) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("ls") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.ends_with(".etcdpki-renew.lock") {
                let rel = path.strip_prefix(dir.path()).expect("inside");
                files.insert(
                    rel.display().to_string(),
                    std::fs::read(&path).expect("read"),
                );
            }
        }
    }
    files
}

fn renew(dir: &Dir, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["renew", "--ca", "pki/ca.pem", "--ca-key", "pki/ca-key.pem"];
    args.extend_from_slice(extra);
    dir.run(&etcdpki(), &args, b"")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// The public key of a key file and of a certificate, as openssl prints them, must agree.
fn assert_key_matches(dir: &Dir, base: &str) {
    let from_key = dir.openssl(&["pkey", "-in", &format!("{base}-key.pem"), "-pubout"]);
    let from_cert = dir.openssl(&["x509", "-in", &format!("{base}.pem"), "-noout", "-pubkey"]);
    assert_eq!(
        text(&from_key),
        text(&from_cert),
        "{base}: key and certificate"
    );
}

#[test]
fn short_lived_leaves_are_renewed_for_a_year_and_a_second_run_is_a_no_op() {
    let dir = pki();
    let before = snapshot(&dir);
    let hook =
        "echo \"$ETCDPKI_RENEWED_COUNT|$ETCDPKI_RENEWED_CERTS|$ETCDPKI_RENEWED_KEYS\" >> hook.log";
    let out = renew(
        &dir,
        &[
            "--before", "720h", "--expiry", "8760h", "--exec", hook, "pki", "other",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.ends_with("renewed 3, not due 0, failed 0\n"),
        "{report}"
    );

    for (base, purpose) in [
        ("pki/infra0", "sslserver"),
        ("pki/client", "sslclient"),
        ("pki/rsa", "sslclient"),
    ] {
        let old = Dump::from_pem(&before[&format!("{base}.pem")]);
        let new = dir.cert(&format!("{base}.pem"));
        assert_ne!(new.serial, old.serial, "{base}: a new serial");
        assert_eq!(
            new.subject_der, old.subject_der,
            "{base}: subject kept byte for byte"
        );
        assert_eq!(new.sans(), old.sans(), "{base}: SANs kept");
        for oid in [ext::KU, ext::EKU, ext::BC] {
            assert_eq!(new.extension(oid), old.extension(oid), "{base}: {oid} kept");
        }
        assert_eq!(new.lifetime(), 8760 * 3600, "{base}: --expiry 8760h");
        assert_ne!(new.key_bits, old.key_bits, "{base}: a new key");
        assert_eq!(
            (&new.spki_oid, &new.spki_params),
            (&old.spki_oid, &old.spki_params),
            "{base}: the same kind of key"
        );
        assert_eq!(new.key_bits.len(), old.key_bits.len(), "{base}: same size");
        assert_key_matches(&dir, base);
        let key_mode = std::fs::metadata(dir.join(&format!("{base}-key.pem")))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(key_mode & 0o777, 0o600, "{base}: key mode");
        // The request file beside it now carries the new key.
        let csr_key = dir.openssl(&["req", "-in", &format!("{base}.csr"), "-noout", "-pubkey"]);
        let cert_key = dir.openssl(&["x509", "-in", &format!("{base}.pem"), "-noout", "-pubkey"]);
        assert_eq!(text(&csr_key), text(&cert_key), "{base}.csr");
        openssl_verify(&dir, "pki/ca.pem", &format!("{base}.pem"), purpose);
    }
    let after = snapshot(&dir);
    for untouched in [
        "other/stranger.pem",
        "other/stranger-key.pem",
        "pki/ca.pem",
        "pki/ca-key.pem",
    ] {
        assert_eq!(after[untouched], before[untouched], "{untouched} untouched");
    }
    assert_eq!(
        text(&dir.read("hook.log")),
        "3|pki/client.pem pki/infra0.pem pki/rsa.pem|pki/client-key.pem pki/infra0-key.pem pki/rsa-key.pem\n",
        "the hook ran once with the renewed files"
    );

    let again = renew(
        &dir,
        &[
            "--before", "720h", "--expiry", "8760h", "--exec", hook, "pki", "other",
        ],
    );
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).ends_with("renewed 0, not due 3, failed 0\n"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        snapshot(&dir),
        after,
        "a second run changes no file and runs no hook"
    );
}

#[test]
fn the_default_window_is_a_third_and_dry_run_changes_nothing() {
    let dir = pki();
    let before = snapshot(&dir);
    // 1h leaves with about 60 minutes left are outside a third of their lifetime (20m).
    let out = renew(&dir, &["--exec", "touch hook-ran", "pki"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("renewed 0, not due 3, failed 0\n"));
    assert_eq!(
        snapshot(&dir),
        before,
        "nothing due, nothing changed, no hook"
    );
    assert!(
        !dir.join("pki/.etcdpki-renew.lock").exists(),
        "the lock is the directory itself: no lock file"
    );

    let out = renew(
        &dir,
        &[
            "--dry-run",
            "--before",
            "95%",
            "--exec",
            "touch hook-ran",
            "pki",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert_eq!(report.matches("would renew pki/").count(), 3, "{report}");
    assert!(
        report.ends_with("would renew 3, not due 0, failed 0\n"),
        "{report}"
    );
    assert_eq!(snapshot(&dir), before, "--dry-run changes nothing");
    assert!(
        !dir.join("pki/.etcdpki-renew.lock").exists(),
        "no lock file"
    );
}

#[test]
fn reuse_key_swaps_only_the_certificate() {
    let dir = pki();
    let before = snapshot(&dir);
    let out = renew(&dir, &["--before", "720h", "--reuse-key", "pki/infra0.pem"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("same key"),
        "{}",
        text(&out.stdout)
    );
    let after = snapshot(&dir);
    assert_ne!(after["pki/infra0.pem"], before["pki/infra0.pem"]);
    for kept in ["pki/infra0-key.pem", "pki/infra0.csr", "pki/client.pem"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    let (old, new) = (
        Dump::from_pem(&before["pki/infra0.pem"]),
        dir.cert("pki/infra0.pem"),
    );
    assert_eq!(new.key_bits, old.key_bits);
    assert_eq!(
        new.lifetime(),
        old.lifetime(),
        "the old lifetime without --expiry"
    );
    assert_key_matches(&dir, "pki/infra0");
}

#[test]
fn a_failed_renewal_leaves_the_others_done_and_exits_1() {
    let dir = pki();
    // client-key.pem now holds another certificate's key: renew must not touch that pair.
    std::fs::copy(dir.join("pki/rsa-key.pem"), dir.join("pki/client-key.pem")).expect("cp");
    let before = snapshot(&dir);
    let out = renew(
        &dir,
        &["--before", "720h", "--exec", "touch hook-ran", "pki"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pki/client-key.pem is not the key of this certificate"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).ends_with("renewed 2, not due 0, failed 1\n"),
        "{}",
        text(&out.stdout)
    );
    let after = snapshot(&dir);
    assert_eq!(after["pki/client.pem"], before["pki/client.pem"]);
    assert_ne!(after["pki/infra0.pem"], before["pki/infra0.pem"]);
    assert!(
        dir.join("hook-ran").exists(),
        "the hook runs for what was renewed"
    );
}

#[test]
fn a_ca_within_the_window_is_a_warning_and_never_renewed() {
    let dir = pki();
    let before = snapshot(&dir);
    // cfssl's CAs live five years; a 100000h window (11 years) covers it.
    let out = renew(&dir, &["--before", "100000h", "--dry-run", "pki"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: pki/ca.pem: the CA \"etcd-ca\" expires in 4y")
            && stderr.contains("renew never renews CAs"),
        "{stderr}"
    );
    assert!(
        !text(&out.stdout).contains("pki/ca.pem"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = pki();
    for (args, message) in [
        (
            vec!["--before", "1y", "pki"],
            "invalid value '1y' for '--before <WINDOW>'",
        ),
        (
            vec!["--before", "150%", "pki"],
            "whole percentage from 0% to 100%",
        ),
        (
            vec!["--expiry", "0s", "pki"],
            "invalid value '0s' for '--expiry <DURATION>': must be positive",
        ),
        (vec!["nope"], "nope: no such file or directory"),
    ] {
        let out = renew(&dir, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = dir.run(&etcdpki(), &["renew", "--ca", "pki/ca.pem", "pki"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--ca-key is required"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_second_run_waits_for_the_lock_and_gives_up() {
    let dir = pki();
    let mut first = Command::new(etcdpki())
        .args(["renew", "--ca", "pki/ca.pem", "--ca-key", "pki/ca-key.pem"])
        .args([
            "--before",
            "720h",
            "--exec",
            "touch started; sleep 3",
            "pki",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("first run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dir.join("started").exists() {
        assert!(
            Instant::now() < deadline,
            "the first run never reached its hook"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = renew(&dir, &["--lock-timeout", "200ms", "pki"]);
    let status = first.wait().expect("wait");
    assert!(status.success());
    assert_eq!(second.status.code(), Some(1), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("another etcdpki run is writing in this directory"),
        "{}",
        text(&second.stderr)
    );
}

/// SIGKILL at many instants during a run that renews 12 pairs: every file on disk stays
/// complete (old or new), and after a rerun every key matches its certificate.
#[test]
fn sigkill_at_any_point_leaves_complete_files_and_a_rerun_repairs_the_pairs() {
    let dir = pki();
    for i in 0..9 {
        for f in ["pem", "csr", "key.pem"] {
            let (from, to) = if f == "key.pem" {
                ("pki/infra0-key.pem".to_owned(), format!("pki/m{i}-key.pem"))
            } else {
                (format!("pki/infra0.{f}"), format!("pki/m{i}.{f}"))
            };
            std::fs::copy(dir.join(&from), dir.join(&to)).expect("copy pair");
        }
    }
    // How long an uninterrupted run takes, so that the kills spread over all of it.
    let args = ["--before", "100000h", "--lock-timeout", "10s", "pki"];
    let start = Instant::now();
    assert!(renew(&dir, &args).status.success());
    let full = start.elapsed();

    // Rounds killed inside a swap leave a pending file (and maybe a key that disagrees with its
    // certificate until the rerun). Without a few of them this test would prove nothing, so it
    // goes on until it has seen three, with kill times spread over the whole run.
    let mut mid_swap = 0;
    let mut round: u32 = 0;
    while round < 40 || mid_swap < 3 {
        assert!(round < 400, "no kill landed inside a swap in 400 rounds");
        round += 1;
        let delay = full.mul_f64(f64::from(round * 37 % 100) / 100.0);
        let mut child = Command::new(etcdpki())
            .args(["renew", "--ca", "pki/ca.pem", "--ca-key", "pki/ca-key.pem"])
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let mut pending_seen = false;
        for (name, bytes) in snapshot(&dir) {
            if !name.starts_with("pki/") || name.ends_with(".json") {
                continue;
            }
            let file = name.rsplit('/').next().unwrap_or_default();
            if file.starts_with('.') {
                // Pending files are complete by construction; temporaries may be partial and
                // are never read: the rerun removes both.
                pending_seen |= file.ends_with(".etcdpki-pending");
                continue;
            }
            let blocks = pem::parse_many(&bytes)
                .unwrap_or_else(|e| panic!("round {round}: {name} is not complete PEM: {e}"));
            assert_eq!(blocks.len(), 1, "round {round}: {name}");
            if name.ends_with("-key.pem") {
                etcdpki::PrivateKey::from_pem(&bytes)
                    .unwrap_or_else(|e| panic!("round {round}: {name}: {e}"));
            } else if name.ends_with(".pem") {
                Dump::from_pem(&bytes);
            }
        }
        if pending_seen {
            mid_swap += 1;
        }
    }
    let out = renew(&dir, &["--before", "0%", "pki"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for base in ["pki/infra0", "pki/client", "pki/rsa"]
        .into_iter()
        .map(str::to_owned)
        .chain((0..9).map(|i| format!("pki/m{i}")))
    {
        assert_key_matches(&dir, &base);
    }
    let leftovers: Vec<String> = snapshot(&dir)
        .into_keys()
        .filter(|n| n.rsplit('/').next().is_some_and(|f| f.starts_with('.')))
        .collect();
    assert!(
        leftovers.is_empty(),
        "pending or temporary files left: {leftovers:?}"
    );
}

#[test]
fn a_profile_gives_usages_and_lifetime_and_expiry_overrides_it() {
    let dir = pki();
    dir.write(
        "year.json",
        r#"{"signing": {"profiles": {"year": {"expiry": "8760h", "usages": ["digital signature", "client auth", "server auth"], "crl_url": "http://crl.example/ca.crl"}}}}"#,
    );
    let out = renew(
        &dir,
        &[
            "--before",
            "720h",
            "-config=year.json",
            "-profile=year",
            "pki/client.pem",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let new = dir.cert("pki/client.pem");
    assert_eq!(new.lifetime(), 8760 * 3600, "the profile's expiry");
    assert!(
        new.extension(ext::CRL).is_some(),
        "the profile's CRL distribution point"
    );
    let eku = dir.openssl(&[
        "x509",
        "-in",
        "pki/client.pem",
        "-noout",
        "-ext",
        "extendedKeyUsage",
    ]);
    assert!(
        text(&eku).contains("TLS Web Client Authentication, TLS Web Server Authentication"),
        "{}",
        text(&eku)
    );

    let out = renew(
        &dir,
        &[
            "--before",
            "100000h",
            "--expiry",
            "48h",
            "-config=year.json",
            "-profile=year",
            "pki/client.pem",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        dir.cert("pki/client.pem").lifetime(),
        48 * 3600,
        "--expiry wins"
    );

    let out = renew(&dir, &["-config=year.json", "-profile=yaer", "pki"]);
    assert_eq!(out.status.code(), Some(1), "an unknown profile is an error");
    assert!(
        text(&out.stderr).contains("unknown profile \"yaer\""),
        "{}",
        text(&out.stderr)
    );
}

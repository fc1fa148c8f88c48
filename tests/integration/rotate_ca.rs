//! `rotate-ca` over files (issue 17): every layout through prepare, reissue and finish with
//! lint clean after each step; `--keep-key`; the stage worked out from the files after a
//! stopped run; steps refused at the wrong stage; dry runs that change nothing; a live check
//! that blocks (and `--force`); renew reading the trust bundle `--ca` a rotation makes.
//! The three-member etcd run is in rotate_ca_etcd.rs.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{Dir, Dump, Tool, etcdpki, openssl_verify};

/// `etcdpki rotate-ca STEP --ca CA --ca-key KEY EXTRA... pki` in `dir`: (success, stdout, stderr).
fn rotate(dir: &Dir, step: &str, ca: &str, extra: &[&str]) -> (bool, String, String) {
    let key = ca_key_of(ca);
    let mut args = vec!["rotate-ca", step, "--ca", ca, "--ca-key", &key];
    args.extend_from_slice(extra);
    args.push("pki");
    let out = dir.run(&etcdpki(), &args, b"");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ca_key_of(ca: &str) -> String {
    match ca.strip_suffix(".crt") {
        Some(stem) => format!("{stem}.key"),
        None => format!("{}-key.pem", ca.trim_end_matches(".pem")),
    }
}

fn step_ok(dir: &Dir, step: &str, ca: &str, extra: &[&str]) -> String {
    let (ok, out, err) = rotate(dir, step, ca, extra);
    assert!(ok, "rotate-ca {step}: {out}{err}");
    out
}

/// The stage `status --format json` reports.
fn stage(dir: &Dir, ca: &str) -> String {
    let out = step_ok(dir, "status", ca, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("status json");
    v["stage"].as_str().expect("stage").to_owned()
}

fn lint_clean(dir: &Dir, when: &str) {
    let out = dir.run(&etcdpki(), &["lint", "--deny", "warnings", "pki"], b"");
    assert!(
        out.status.success(),
        "lint after {when}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under pki/ and its bytes.
fn snapshot(dir: &Dir) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.join("pki")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("ls") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir.path())
                    .expect("rel")
                    .display()
                    .to_string();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// The DER certificates of a PEM file.
fn certs_of(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).expect("read");
    pem::parse_many(bytes)
        .expect("pem")
        .into_iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .map(|b| b.contents().to_vec())
        .collect()
}

fn cluster(dir: &Dir, layout: &str) {
    dir.ok(
        &[
            "cluster",
            "--initial-cluster",
            "m1=https://127.0.0.1:2380,m2=https://127.0.0.2:2380",
            "--layout",
            layout,
            "--out",
            "pki",
        ],
        b"",
    );
}

/// Drives a whole rotation on `dir` and checks the end state: no trust file holds the old CA,
/// every leaf verifies under the new `--ca`, the old CA is kept aside.
fn rotate_all(dir: &Dir, ca: &str, leaf: &str, extra_prepare: &[&str]) {
    let old = certs_of(&dir.join(ca)).remove(0);
    assert_eq!(stage(dir, ca), "idle");
    lint_clean(dir, "the cluster");
    step_ok(dir, "prepare", ca, extra_prepare);
    let keep_key = extra_prepare.contains(&"--keep-key");
    assert_eq!(
        stage(dir, ca),
        if keep_key { "reissued" } else { "prepared" }
    );
    let bundle = certs_of(&dir.join(ca));
    assert_eq!((bundle.len(), &bundle[0]), (2, &old), "old first, then new");
    lint_clean(dir, "prepare");
    let leaf_before = dir.read(leaf);
    let (ok, out, err) = rotate(dir, "reissue", ca, &[]);
    assert!(ok, "{out}{err}");
    if keep_key {
        assert!(
            out.contains("nothing to do") && out.contains("finish"),
            "{out}"
        );
        assert_eq!(
            dir.read(leaf),
            leaf_before,
            "--keep-key leaves the leaves alone"
        );
    } else {
        assert_ne!(dir.read(leaf), leaf_before);
    }
    let (ok, out, _) = rotate(dir, "reissue", ca, &[]);
    assert!(
        ok && out.contains("nothing to do"),
        "a rerun is a no-op: {out}"
    );
    assert_eq!(stage(dir, ca), "reissued");
    lint_clean(dir, "reissue");
    step_ok(dir, "finish", ca, &[]);
    assert_eq!(stage(dir, ca), "idle");
    let again = step_ok(dir, "finish", ca, &[]);
    assert!(
        again.contains("nothing to do"),
        "a rerun is a no-op: {again}"
    );
    lint_clean(dir, "finish");
    let new = certs_of(&dir.join(ca));
    assert_eq!(new.len(), 1);
    assert_ne!(new[0], old);
    for (file, bytes) in snapshot(dir) {
        let Ok(blocks) = pem::parse_many(&bytes) else {
            continue;
        };
        let holds_old = blocks.iter().any(|b| b.contents() == old.as_slice());
        assert!(
            !holds_old || file.contains("-previous."),
            "{file}: only the kept-aside copy holds the old CA"
        );
    }
    openssl_verify(dir, ca, leaf, "sslserver");
    let previous = ca
        .replace(".pem", "-previous.pem")
        .replace(".crt", "-previous.crt");
    assert_eq!(certs_of(&dir.join(&previous)), vec![old]);
}

#[test]
fn issue_17_a_cfssl_layout_cluster_rotates_through_every_stage() {
    let dir = Dir::new();
    cluster(&dir, "cfssl");
    rotate_all(&dir, "pki/ca.pem", "pki/m1.pem", &[]);
    // The CA's request follows its key; the new CA is told apart by its name.
    dir.openssl(&["req", "-in", "pki/ca.csr", "-noout", "-verify"]);
    let key_pub = dir.openssl(&["pkey", "-in", "pki/ca-key.pem", "-pubout"]);
    let csr_pub = dir.openssl(&["req", "-in", "pki/ca.csr", "-noout", "-pubkey"]);
    assert_eq!(key_pub, csr_pub, "ca.csr is the new key's request");
    let cn = Dump::from_pem(&dir.read("pki/ca.pem")).subject;
    assert!(cn.contains("etcd-ca 2"), "{cn}");
}

#[test]
fn issue_17_kubeadm_and_etcdadm_layouts_rotate_their_ca_copies_too() {
    for (layout, ca, leaf) in [
        ("kubeadm", "pki/etcd/ca.crt", "pki/m1/etcd/server.crt"),
        ("etcdadm", "pki/ca.crt", "pki/m1/server.crt"),
    ] {
        let dir = Dir::new();
        cluster(&dir, layout);
        if !dir.join(ca).exists() || !dir.join(leaf).exists() {
            panic!(
                "{layout}: expected {ca} and {leaf}: {:?}",
                snapshot(&dir).keys()
            );
        }
        rotate_all(&dir, ca, leaf, &[]);
        // kubeadm keeps a copy of the CA and its key on every member: both follow.
        if layout == "kubeadm" {
            assert_eq!(dir.read("pki/m1/etcd/ca.key"), dir.read("pki/etcd/ca.key"));
            assert_eq!(dir.read("pki/m1/etcd/ca.crt"), dir.read("pki/etcd/ca.crt"));
        }
    }
}

#[test]
fn issue_17_keep_key_changes_only_the_trust_files() {
    let dir = Dir::new();
    cluster(&dir, "cfssl");
    let key = dir.read("pki/ca-key.pem");
    rotate_all(&dir, "pki/ca.pem", "pki/m1.pem", &["--keep-key"]);
    assert_eq!(dir.read("pki/ca-key.pem"), key);
    assert!(!dir.join("pki/ca-previous-key.pem").exists());
}

/// `renew` from cron over pki/ with a window that makes the one-hour client certificate due.
fn renew_client_window(dir: &Dir) -> std::process::Output {
    dir.run(
        &etcdpki(),
        &[
            "renew",
            "--ca",
            "pki/ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "--before",
            "2h",
            "pki",
        ],
        b"",
    )
}

#[test]
fn issue_17_a_plain_cfssl_script_pki_rotates_and_renew_reads_the_bundle_meanwhile() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write(
        "ca-config.json",
        r#"{"signing": {"profiles": {
          "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth"]},
          "client": {"expiry": "1h", "usages": ["signing", "key encipherment", "client auth"]}}}}"#,
    );
    dir.write(
        "ca-csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 384}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "pki/ca");
    dir.issue(
        "pki/ca",
        "ca-config.json",
        "server",
        "m1",
        "127.0.0.1,localhost",
        "pki/server",
    );
    dir.issue(
        "pki/ca",
        "ca-config.json",
        "client",
        "client",
        "",
        "pki/client",
    );
    step_ok(
        &dir,
        "prepare",
        "pki/ca.pem",
        &["--key-algo", "rsa", "--key-size", "2048"],
    );
    // During the rotation ca.pem is a bundle; renew takes the CA on --ca-key's key from it.
    let out = renew_client_window(&dir);
    assert!(
        out.status.success(),
        "renew during a rotation: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("renewed"));
    step_ok(&dir, "reissue", "pki/ca.pem", &[]);
    // Between reissue and finish every leaf is the next CA's: cron's renew renews it with that
    // CA and does not fail for finding none of --ca's.
    let client_before = dir.read("pki/client.pem");
    let out = renew_client_window(&dir);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("renewed") && !said.contains("other CA"),
        "renew between reissue and finish: {said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(dir.read("pki/client.pem"), client_before, "renewed");
    openssl_verify(&dir, "pki/ca-next.pem", "pki/client.pem", "sslclient");
    assert_eq!(stage(&dir, "pki/ca.pem"), "reissued");
    step_ok(&dir, "finish", "pki/ca.pem", &[]);
    let new_key = dir.openssl(&["pkey", "-in", "pki/ca-key.pem", "-text", "-noout"]);
    assert!(
        String::from_utf8_lossy(&new_key).contains("2048 bit"),
        "--key-algo rsa"
    );
    openssl_verify(&dir, "pki/ca.pem", "pki/client.pem", "sslclient");
    openssl_verify(&dir, "pki/ca.pem", "pki/server.pem", "sslserver");
}

#[test]
fn issue_17_a_stopped_prepare_is_resumed_from_the_files_and_dry_runs_change_nothing() {
    let dir = Dir::new();
    cluster(&dir, "cfssl");
    // A second trust file elsewhere that the first run does not reach (its path is not given):
    // the next run over everything sees a prepare that did not get everywhere.
    std::fs::create_dir(dir.join("pki/clients")).expect("mkdir");
    std::fs::copy(dir.join("pki/ca.pem"), dir.join("pki/clients/trust.pem")).expect("copy");
    let before = snapshot(&dir);
    let (ok, out, _) = rotate(&dir, "prepare", "pki/ca.pem", &["--dry-run"]);
    assert!(ok && out.contains("would create"), "{out}");
    assert_eq!(snapshot(&dir), before, "a dry run changes nothing");
    let out = dir.run(
        &etcdpki(),
        &[
            "rotate-ca",
            "prepare",
            "--ca",
            "pki/ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "pki/ca.pem",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stage(&dir, "pki/ca.pem"), "preparing");
    let next = dir.read("pki/ca-next.pem");
    let out = step_ok(&dir, "prepare", "pki/ca.pem", &[]);
    assert!(
        !out.contains("create"),
        "the next CA is not made twice: {out}"
    );
    assert_eq!(dir.read("pki/ca-next.pem"), next);
    assert_eq!(certs_of(&dir.join("pki/clients/trust.pem")).len(), 2);
    assert_eq!(stage(&dir, "pki/ca.pem"), "prepared");
    let before = snapshot(&dir);
    let (ok, out, _) = rotate(&dir, "reissue", "pki/ca.pem", &["--dry-run"]);
    assert!(ok && out.contains("would reissue pki/m1.pem"), "{out}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn issue_17_steps_out_of_order_are_refused_naming_the_step_to_run() {
    let dir = Dir::new();
    cluster(&dir, "cfssl");
    let before = snapshot(&dir);
    for (step, says) in [
        ("reissue", "rotate-ca prepare"),
        ("finish", "rotate-ca prepare"),
    ] {
        let (ok, _, err) = rotate(&dir, step, "pki/ca.pem", &[]);
        assert!(
            !ok && err.contains(says) && err.contains("stage idle"),
            "{step}: {err}"
        );
    }
    step_ok(&dir, "prepare", "pki/ca.pem", &[]);
    let (ok, _, err) = rotate(&dir, "finish", "pki/ca.pem", &[]);
    assert!(!ok && err.contains("rotate-ca reissue"), "{err}");
    assert_ne!(snapshot(&dir), before);
}

#[test]
fn issue_17_a_member_that_cannot_be_asked_blocks_reissue_unless_forced() {
    let dir = Dir::new();
    cluster(&dir, "cfssl");
    step_ok(&dir, "prepare", "pki/ca.pem", &[]);
    let before = snapshot(&dir);
    // Nothing listens there: the member cannot confirm it trusts the new CA.
    let port = crate::etcd::free_port("127.0.0.1");
    let endpoint = format!("https://127.0.0.1:{port}");
    let (ok, _, err) = rotate(&dir, "reissue", "pki/ca.pem", &["--endpoints", &endpoint]);
    assert!(!ok, "blocked");
    assert!(
        err.contains("reissue is blocked") && err.contains(&endpoint) && err.contains("--force"),
        "{err}"
    );
    assert_eq!(snapshot(&dir), before, "nothing changed");
    let (ok, out, err) = rotate(
        &dir,
        "reissue",
        "pki/ca.pem",
        &["--endpoints", &endpoint, "--force"],
    );
    assert!(ok && out.contains("warning: --force"), "{out}{err}");
}

/// Every file under pki/ parses as what its name says, and every certificate sits beside its
/// own key: what `lint` checks, plus the stage.
fn assert_consistent(dir: &Dir, ca: &str, want: &str, when: &str) {
    lint_clean(dir, when);
    assert_eq!(stage(dir, ca), want, "{when}");
}

/// A copy of `template`'s pki/ in a new directory.
fn copy_of(template: &Dir) -> Dir {
    let dir = Dir::new();
    let status = std::process::Command::new("cp")
        .args(["-a"])
        .arg(template.join("pki"))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success());
    dir
}

#[test]
fn issue_17_a_step_killed_between_any_two_file_operations_resumes() {
    let template = Dir::new();
    cluster(&template, "cfssl");
    let steps = [
        ("prepare", "prepared"),
        ("reissue", "reissued"),
        ("finish", "idle"),
    ];
    for (i, (step, after)) in steps.iter().enumerate() {
        let mut crashes = 0;
        for n in 1.. {
            let dir = copy_of(&template);
            for (earlier, _) in &steps[..i] {
                step_ok(&dir, earlier, "pki/ca.pem", &[]);
            }
            let out = std::process::Command::new(etcdpki())
                .args([
                    "rotate-ca",
                    step,
                    "--ca",
                    "pki/ca.pem",
                    "--ca-key",
                    "pki/ca-key.pem",
                    "pki",
                ])
                .current_dir(dir.path())
                .env("ETCDPKI_CRASH_AT", n.to_string())
                .output()
                .expect("run");
            if out.status.success() {
                break;
            }
            assert_eq!(
                std::os::unix::process::ExitStatusExt::signal(&out.status),
                Some(9),
                "{step} at crash point {n}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            crashes += 1;
            step_ok(&dir, step, "pki/ca.pem", &[]);
            assert_consistent(&dir, "pki/ca.pem", after, &format!("{step} killed at {n}"));
            assert!(n < 500, "{step}: no end to the crash points");
        }
        assert!(
            crashes > 3,
            "{step}: only {crashes} crash points were tried"
        );
    }
}

#[test]
fn issue_17_prepare_takes_the_new_cas_request_from_a_csr_file() {
    let dir = Dir::new();
    cluster(&dir, "cfssl");
    dir.write(
        "next-ca-csr.json",
        r#"{"CN": "etcd-ca-2027", "names": [{"O": "etcd", "OU": "ca"}], "key": {"algo": "ecdsa", "size": 384}, "ca": {"expiry": "17520h"}}"#,
    );
    step_ok(
        &dir,
        "prepare",
        "pki/ca.pem",
        &["--csr", "next-ca-csr.json"],
    );
    let next = Dump::from_pem(&dir.read("pki/ca-next.pem"));
    assert!(
        next.subject.contains("CN=etcd-ca-2027") && next.subject.contains("OU=ca"),
        "{}",
        next.subject
    );
    assert_eq!(next.lifetime(), 17520 * 3600, "the request's ca.expiry");
    let key = dir.openssl(&["pkey", "-in", "pki/ca-next-key.pem", "-text", "-noout"]);
    assert!(
        String::from_utf8_lossy(&key).contains("384 bit"),
        "the request's key"
    );
    let (ok, _, err) = rotate(
        &dir,
        "prepare",
        "pki/ca.pem",
        &["--csr", "x.json", "--keep-key"],
    );
    assert!(
        !ok && err.contains("--keep-key"),
        "a request and --keep-key conflict: {err}"
    );
}

//! Crashes between every two file operations (issue #13, point 5): `json`, `renew` and
//! `cluster` run with `ETCDPKI_CRASH_AT=N` (a debug build's crash point: SIGKILL just before its
//! N-th change to the file system, src/pki/crash.rs) for N = 1, 2, … until a run completes.
//! After each kill every file on disk is complete, every certificate sits beside its own key
//! unless a commit record says what to finish, and the next run (here a `renew` that renews
//! nothing) repairs it first, says so, and leaves every pair matched and no scratch file.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{Dir, Dump, Tool, etcdpki};

const CONFIG: &str = r#"{"signing": {"profiles": {
  "peer": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"]}}}}"#;

/// Every (certificate, key) pair under `dir`, by cfssljson's and kubeadm's names.
fn pairs(dir: &Path) -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("ls").flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let key = if let Some(stem) = name.strip_suffix(".crt") {
                d.join(format!("{stem}.key"))
            } else if let Some(stem) = name.strip_suffix(".pem") {
                if stem.ends_with("-key") {
                    continue;
                }
                d.join(format!("{stem}-key.pem"))
            } else {
                continue;
            };
            if key.exists() {
                out.push((path, key));
            }
        }
    }
    out
}

/// True if the key file holds the certificate's key.
fn matched(cert: &Path, key: &Path) -> bool {
    let (Ok(cert), Ok(key)) = (std::fs::read(cert), std::fs::read(key)) else {
        return false;
    };
    let Ok(key) = etcdpki::PrivateKey::from_pem(&key) else {
        return false;
    };
    Dump::from_pem(&cert).key_bits == key.public_key().key_bits()
}

/// Names etcdpki writes on the way (temporary, pending, commit record).
fn scratch(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("ls").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else if name.starts_with('.') {
                out.push(entry.path().display().to_string());
            }
        }
    }
    out
}

fn has_record(dir: &Path) -> bool {
    scratch(dir).iter().any(|n| n.ends_with(".etcdpki-commit"))
}

/// Runs `args` in `dir` with stdin, killed at crash point `n`; true if it was killed.
fn killed_at(dir: &Dir, args: &[&str], stdin: &[u8], n: u32) -> bool {
    use std::io::Write;
    let mut child = Command::new(etcdpki())
        .args(args)
        .env("ETCDPKI_CRASH_AT", n.to_string())
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().expect("wait");
    if out.status.signal() == Some(9) {
        return true;
    }
    assert!(
        out.status.success(),
        "{args:?} at {n}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    false
}

/// Kills `args` at every crash point in turn, checking the invariants after each and
/// repairing with `repair` (a run of its own); with `fresh`, `tree` is removed before each
/// try. Returns how many kills there were.
fn crash_everywhere(
    dir: &Dir,
    tree: &str,
    (args, stdin, fresh): (&[&str], &[u8], bool),
    repair: &[&str],
) -> u32 {
    let root = dir.join(tree);
    let mut n = 1;
    loop {
        if fresh && root.exists() {
            std::fs::remove_dir_all(&root).expect("rm -r");
        }
        if !killed_at(dir, args, stdin, n) {
            break;
        }
        assert!(n < 400, "{args:?} never completed");
        // Complete files only; a pair that disagrees only while a record will finish it.
        for (cert, key) in pairs(&root) {
            assert!(
                matched(&cert, &key) || has_record(&root),
                "{args:?} killed at {n}: {} beside another key, and nothing to repair it",
                cert.display()
            );
        }
        let committed = has_record(&root);
        let out = dir.run(&etcdpki(), repair, b"");
        assert!(
            out.status.success(),
            "repair after {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if committed {
            let said = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(
                said.contains("completed") || said.contains("dropped"),
                "repair after {n} did not say what it did: {said}"
            );
        }
        for (cert, key) in pairs(&root) {
            assert!(
                matched(&cert, &key),
                "after {n} and the repair: {}",
                cert.display()
            );
        }
        assert_eq!(
            scratch(&root),
            Vec::<String>::new(),
            "after {n} and the repair"
        );
        n += 1;
    }
    n - 1
}

fn ca_and_config() -> Dir {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write("config.json", CONFIG);
    dir.write("ca.json", r#"{"CN": "etcd-ca"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "pki/ca");
    dir
}

const REPAIR: [&str; 8] = [
    "renew",
    "--ca",
    "pki/ca.pem",
    "--ca-key",
    "pki/ca-key.pem",
    "--before",
    "0%",
    "pki",
];

#[test]
fn json_killed_between_any_two_file_operations_leaves_pairs_or_a_record_the_next_run_finishes() {
    let dir = ca_and_config();
    dir.issue(
        "pki/ca",
        "config.json",
        "peer",
        "infra0",
        "127.0.0.1",
        "pki/server",
    );
    dir.write("leaf.json", r#"{"CN": "infra0", "hosts": ["127.0.0.1"]}"#);
    let input = dir.ok(
        &[
            "gencert",
            "-ca=pki/ca.pem",
            "-ca-key=pki/ca-key.pem",
            "-config=config.json",
            "-profile=peer",
            "leaf.json",
        ],
        b"",
    );
    let json = ["json", "-bare", "pki/server"];
    let kills = crash_everywhere(&dir, "pki", (&json, &input, false), &REPAIR);
    assert!(kills >= 10, "only {kills} crash points");
}

#[test]
fn renew_killed_between_any_two_file_operations_leaves_pairs_or_a_record_the_next_run_finishes() {
    let dir = ca_and_config();
    for base in ["pki/a", "pki/b"] {
        dir.issue("pki/ca", "config.json", "peer", "infra0", "127.0.0.1", base);
    }
    let mut args = REPAIR.to_vec();
    args[6] = "100%";
    let kills = crash_everywhere(&dir, "pki", (&args, b"", false), &REPAIR);
    assert!(kills >= 20, "only {kills} crash points");
}

#[test]
fn cluster_killed_between_any_two_file_operations_leaves_pairs_or_a_record_the_next_run_finishes() {
    let dir = Dir::new();
    let args = [
        "cluster",
        "--out",
        "pki",
        "--initial-cluster",
        "infra0=https://127.0.0.1:2380",
    ];
    // The next run is the same cluster command: it finishes or drops the set first.
    let kills = crash_everywhere(&dir, "pki", (&args, b"", true), &args);
    assert!(kills >= 10, "only {kills} crash points");
}

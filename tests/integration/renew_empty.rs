//! `renew` over paths holding nothing its CA issued (issue 18, point 4): a mistyped cron path
//! or the wrong `--ca` exits 1 naming the paths; `--allow-empty` makes an empty run a success.

use crate::util::{Dir, Tool, etcdpki};

/// `pki/ca` with no leaf, and `other/` holding a leaf of another CA.
fn setup() -> Dir {
    let dir = Dir::new();
    for sub in ["pki", "other", "empty"] {
        std::fs::create_dir(dir.join(sub)).expect("mkdir");
    }
    dir.write("ca.json", r#"{"CN": "etcd-ca"}"#);
    dir.write("other-ca.json", r#"{"CN": "other-ca"}"#);
    dir.write("leaf.json", r#"{"CN": "stranger"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "pki/ca");
    dir.gencert(Tool::Etcdpki, &["-initca", "other-ca.json"], "other/ca");
    dir.gencert(
        Tool::Etcdpki,
        &["-ca=other/ca.pem", "-ca-key=other/ca-key.pem", "leaf.json"],
        "other/stranger",
    );
    dir
}

fn renew(dir: &Dir, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["renew", "--ca", "pki/ca.pem", "--ca-key", "pki/ca-key.pem"];
    args.extend_from_slice(extra);
    dir.run(&etcdpki(), &args, b"")
}

#[test]
fn renew_over_paths_without_the_cas_certificates_exits_1_naming_them() {
    let dir = setup();
    for extra in [
        &["other", "empty"][..],
        &["--dry-run", "other", "empty"][..],
    ] {
        let out = renew(&dir, extra);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {stderr}");
        assert!(
            stderr.contains(
                "error: no certificate under \"other\", \"empty\" was issued by the CA in \"pki/ca.pem\""
            ) && stderr.contains("--allow-empty"),
            "{extra:?}: {stderr}"
        );
    }
}

#[test]
fn renew_allow_empty_accepts_a_run_with_nothing_to_renew() {
    let dir = setup();
    let out = renew(&dir, &["--allow-empty", "other", "empty"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        // Another CA's leaf is listed, never renewed (issue 17).
        "other CA  other/stranger.pem  (issuer: CN=other-ca)\nrenewed 0, not due 0, failed 0\n"
    );
}

#[test]
fn renew_over_the_cas_own_directory_with_a_leaf_is_not_empty() {
    let dir = setup();
    dir.write("mine.json", r#"{"CN": "mine"}"#);
    dir.gencert(
        Tool::Etcdpki,
        &["-ca=pki/ca.pem", "-ca-key=pki/ca-key.pem", "mine.json"],
        "pki/mine",
    );
    let out = renew(&dir, &["pki", "other"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("not due 1, failed 0\n"));
}

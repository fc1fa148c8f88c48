//! Issue 17, point 5: the commands other than `rotate-ca` know about CA rotation. `cluster`
//! refuses leaves that would outlive the kept CA (or ends them with it under `--clamp-to-ca`)
//! and reports a `--ca-expiry` the kept CA does not have; `renew` lists the leaves another CA
//! issued and points to `rotate-ca`, and says when a rotation is in progress; `expiry` and
//! `lint` name `rotate-ca` for an expiring CA.

use std::process::Output;

use crate::util::{Dir, Dump, etcdpki};

fn run(dir: &Dir, args: &[&str]) -> Output {
    dir.run(&etcdpki(), args, b"")
}

/// `etcdpki renew --ca CA.pem --ca-key CA-key.pem EXTRA... pki` in `dir`.
fn renew(dir: &Dir, ca: &str, extra: &[&str]) -> Output {
    let (cert, key) = (format!("{ca}.pem"), format!("{ca}-key.pem"));
    let mut args = vec!["renew", "--ca", &cert, "--ca-key", &key];
    args.extend_from_slice(extra);
    args.push("pki");
    run(dir, &args)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A one-member cfssl-layout PKI in `pki/` whose CA has 29 days left (696h), its leaves 600h.
fn pki_with_a_ca_of_29_days(dir: &Dir) {
    let out = run(
        dir,
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380",
            "--ca-expiry",
            "696h",
            "--expiry",
            "600h",
        ],
    );
    assert!(out.status.success(), "{:?}", text(&out));
}

// https://github.com/etcdpki/etcdpki/issues/17 (point 5)
#[test]
fn issue_17_cluster_refuses_leaves_that_outlive_the_kept_ca() {
    let dir = Dir::new();
    pki_with_a_ca_of_29_days(&dir);
    let before = dir.read("pki/ca.pem");
    let out = run(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380",
            "--client",
            "root",
            "--expiry",
            "8760h",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let ca = dir.cert("pki/ca.pem");
    let ca_end = time::OffsetDateTime::from_unix_timestamp(ca.not_after)
        .expect("time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    // The leaf, its notAfter, the CA's notAfter, and the ways out.
    assert!(
        stderr.contains(
            "1 new certificate would outlive the CA that signs them (pki/ca.pem, notAfter "
        ) && stderr.contains(&ca_end)
            && stderr.contains("  client root (pki/root.pem): notAfter ")
            && stderr.contains("--clamp-to-ca")
            && stderr.contains("etcdpki rotate-ca prepare")
            && stderr.contains("--keep-key"),
        "{stderr}"
    );
    // Nothing was written: no partial output.
    assert!(!dir.join("pki/root.pem").exists());
    assert_eq!(dir.read("pki/ca.pem"), before);
}

#[test]
fn issue_17_clamp_to_ca_ends_new_leaves_with_the_ca_and_says_so() {
    let dir = Dir::new();
    pki_with_a_ca_of_29_days(&dir);
    let out = run(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380",
            "--client",
            "root",
            "--expiry",
            "8760h",
            "--clamp-to-ca",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let ca = dir.cert("pki/ca.pem");
    let leaf = dir.cert("pki/root.pem");
    assert_eq!(leaf.not_after, ca.not_after, "the leaf ends with its CA");
    leaf.verify_signed_by(&ca);
    assert!(
        stderr.contains("warning: client root (pki/root.pem): ends with its CA at ")
            && stderr.contains("(--clamp-to-ca)"),
        "{stderr}"
    );
    // The kept leaves were not touched, and were not outliving it anyway.
    assert!(stdout.contains("kept     infra0 server"), "{stdout}");
}

#[test]
fn issue_17_a_ca_expiry_the_kept_ca_does_not_have_is_reported() {
    let dir = Dir::new();
    pki_with_a_ca_of_29_days(&dir);
    let out = run(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380",
            "--expiry",
            "600h",
            "--ca-expiry",
            "87600h",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("warning: pki/ca.pem: the kept CA's lifetime is 696h (notAfter ")
            && stderr.contains("not --ca-expiry 87600h")
            && stderr.contains("rotate-ca prepare --keep-key --ca-expiry 87600h"),
        "{stderr}"
    );
    assert_eq!(Dump::lifetime(&dir.cert("pki/ca.pem")), 696 * 3600);
    // The same lifetime: no warning.
    let out = run(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380",
            "--expiry",
            "600h",
            "--ca-expiry",
            "696h",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{stdout}{stderr}"
    );
}

/// `pki/` by `cluster` (one member, client `root`) and `new.pem`, a CA with the same subject
/// on another key, as a CA replaced under its name leaves it.
fn pki_and_a_same_named_ca(dir: &Dir) {
    let out = run(
        dir,
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380",
            "--client",
            "root",
        ],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    dir.write(
        "same-name.json",
        r#"{"CN": "etcd-ca", "names": [{"O": "etcd", "OU": "ca"}]}"#,
    );
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &["-initca", "same-name.json"],
        "new",
    );
    assert_eq!(
        dir.cert("new.pem").subject_der,
        dir.cert("pki/ca.pem").subject_der
    );
}

#[test]
fn issue_17_renew_lists_the_leaves_of_another_ca_and_points_to_rotate_ca() {
    let dir = Dir::new();
    pki_and_a_same_named_ca(&dir);
    // The new CA under the old one's name: every leaf is still from the old key.
    let out = renew(&dir, "new", &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    for leaf in ["pki/infra0.pem", "pki/infra0-peer.pem", "pki/root.pem"] {
        assert!(
            stdout.contains(&format!(
                "other CA  {leaf}  (issuer: O=etcd, OU=ca, CN=etcd-ca)\n"
            )),
            "{leaf}: {stdout}"
        );
    }
    assert!(
        stderr.contains("note: 3 certificate(s) under these paths were issued by another CA")
            && stderr
                .contains("3 of them name --ca's subject as issuer but another key signed them")
            && stderr.contains("etcdpki rotate-ca status --ca new.pem --ca-key new-key.pem pki")
            && stderr.contains("etcdpki rotate-ca reissue"),
        "{stderr}"
    );
    // A CA of another name: listed, and the way to move them here named.
    dir.write("other.json", r#"{"CN": "other-ca"}"#);
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &["-initca", "other.json"],
        "other",
    );
    let out = renew(&dir, "other", &["--allow-empty"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("other CA  pki/root.pem  (issuer: O=etcd, OU=ca, CN=etcd-ca)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("move them to this CA with `etcdpki rotate-ca`")
            && !stderr.contains("name --ca's subject"),
        "{stderr}"
    );
    // Its own leaves: nothing about other CAs.
    let out = renew(&dir, "pki/ca", &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        !stdout.contains("other CA") && !stderr.contains("note:"),
        "{stdout}{stderr}"
    );
}

#[test]
fn issue_17_renew_over_a_rotation_in_progress_says_so() {
    let dir = Dir::new();
    pki_and_a_same_named_ca(&dir);
    // What `rotate-ca prepare` leaves beside the CA (docs/rotation.md), and a leaf the next CA
    // already issued.
    dir.write(
        "next.json",
        r#"{"CN": "etcd-ca-next", "names": [{"O": "etcd", "OU": "ca"}]}"#,
    );
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &["-initca", "next.json"],
        "pki/ca-next",
    );
    dir.write(
        "config.json",
        r#"{"signing": {"default": {"expiry": "8760h", "usages": ["signing", "client auth"]}}}"#,
    );
    dir.write("client.json", r#"{"CN": "reissued"}"#);
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &[
            "-ca=pki/ca-next.pem",
            "-ca-key=pki/ca-next-key.pem",
            "-config=config.json",
            "client.json",
        ],
        "pki/reissued",
    );
    let out = renew(&dir, "pki/ca", &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("note: pki/ca-next.pem lies beside --ca: a CA rotation is in progress")
            && stderr.contains("rotate-ca status"),
        "{stderr}"
    );
    // The next CA's leaf is renew's too while the rotation is under way: renewed with the next
    // CA when due, never "another CA's".
    assert!(
        stdout.contains("not due   pki/reissued.pem")
            && !stdout.contains("other CA  pki/reissued.pem"),
        "{stdout}"
    );
    assert!(stdout.contains("not due   pki/root.pem"), "{stdout}");
}

#[test]
fn issue_17_expiry_names_rotate_ca_for_an_expiring_ca_and_renew_for_a_leaf() {
    let dir = Dir::new();
    pki_with_a_ca_of_29_days(&dir);
    let out = run(&dir, &["expiry", "--fail-within", "30d", "pki"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let line = |file: &str| {
        stderr
            .lines()
            .find(|l| l.starts_with(&format!("{file}: ")))
            .unwrap_or_else(|| panic!("no line for {file}: {stderr}"))
            .to_owned()
    };
    let ca = line("pki/ca.pem");
    assert!(
        ca.contains("etcdpki rotate-ca prepare --keep-key") && !ca.contains("etcdpki renew"),
        "{ca}"
    );
    assert!(
        line("pki/infra0.pem").ends_with("renew it (etcdpki renew)"),
        "{stderr}"
    );
    // Without a window, the CA inside 30 days still gets its way out.
    let out = run(&dir, &["expiry", "pki"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.starts_with("note: pki/ca.pem: the CA etcd-ca expires in ")
            && stderr.contains("etcdpki rotate-ca"),
        "{stderr}"
    );
}

#[test]
fn issue_17_renew_names_rotate_ca_for_a_ca_within_its_window() {
    let dir = Dir::new();
    pki_with_a_ca_of_29_days(&dir);
    let out = renew(&dir, "pki/ca", &["--before", "30d", "--dry-run"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("renew never renews CAs: rotate it with etcdpki rotate-ca")
            && stderr.contains("rotate-ca prepare --keep-key"),
        "{stderr}"
    );
}

#[test]
fn issue_17_lint_names_rotate_ca_for_an_expiring_ca() {
    let dir = Dir::new();
    pki_with_a_ca_of_29_days(&dir);
    let out = run(&dir, &["lint", "--format", "json", "pki"]);
    let (stdout, stderr) = text(&out);
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    let findings = report["findings"].as_array().expect("findings");
    let soon: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "expires-soon")
        .collect();
    let ca = soon
        .iter()
        .find(|f| f["files"].to_string().contains("ca.pem"))
        .unwrap_or_else(|| panic!("no expires-soon for the CA: {stdout}"));
    let message = ca["message"].as_str().expect("message");
    assert!(
        message.contains("etcdpki rotate-ca prepare --keep-key")
            && !message.contains("etcdpki renew"),
        "{message}"
    );
    let leaf = soon
        .iter()
        .find(|f| f["files"].to_string().contains("infra0.pem"))
        .unwrap_or_else(|| panic!("no expires-soon for infra0: {stdout}"));
    assert!(
        leaf["message"]
            .as_str()
            .expect("message")
            .contains("etcdpki renew")
    );
}

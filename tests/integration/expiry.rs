//! `expiry`: the table, the JSON, and `--fail-within` for monitoring.

use crate::util::{Dir, Tool, etcdpki};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "1h", "usages": ["signing", "client auth"]}, "profiles": {
  "year": {"expiry": "8760h", "usages": ["signing", "client auth"]},
  "old": {"expiry": "1h", "usages": ["signing", "client auth"], "not_before": "2020-01-01T00:00:00Z", "not_after": "2021-01-01T00:00:00Z"}}}}"#;

fn pki() -> Dir {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write("pki/ca-config.json", CONFIG);
    dir.write(
        "pki/ca.json",
        r#"{"CN": "etcd-ca", "ca": {"expiry": "87600h"}}"#,
    );
    dir.write("pki/short.json", r#"{"CN": "short-lived"}"#);
    dir.write("pki/year.json", r#"{"CN": "a-year"}"#);
    dir.write("pki/old.json", r#"{"CN": "long-gone"}"#);
    let sign = |profile: &str, csr: &str, base: &str| {
        dir.gencert(
            Tool::Etcdpki,
            &[
                "-ca=pki/ca.pem",
                "-ca-key=pki/ca-key.pem",
                "-config=pki/ca-config.json",
                &format!("-profile={profile}"),
                csr,
            ],
            base,
        );
    };
    dir.gencert(Tool::Etcdpki, &["-initca", "pki/ca.json"], "pki/ca");
    sign("default", "pki/short.json", "pki/short");
    sign("year", "pki/year.json", "pki/year");
    sign("old", "pki/old.json", "pki/old");
    let bundle = [dir.read("pki/year.pem"), dir.read("pki/ca.pem")].concat();
    std::fs::write(dir.join("pki/bundle.pem"), bundle).expect("bundle");
    dir
}

#[test]
fn expiry_lists_leaves_then_cas_soonest_first() {
    let dir = pki();
    let text = String::from_utf8(dir.ok(&["expiry", "pki"], b"")).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("CERTIFICATE ") && lines[0].ends_with("FILE"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("long-gone") && lines[1].contains("expired"),
        "{text}"
    );
    assert!(lines[2].starts_with("short-lived"), "{text}");
    let minutes = lines[2]
        .split_whitespace()
        .find(|t| t.ends_with('m') && t[..t.len() - 1].parse::<u32>().is_ok());
    assert!(
        minutes.is_some_and(|m| (50..=60).contains(&m[..m.len() - 1].parse::<u32>().unwrap_or(0))),
        "1h minus the 5m backdate: {text}"
    );
    assert!(
        lines[3].starts_with("a-year") && lines[3].contains("364d"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("pki/bundle.pem") && l.starts_with("a-year")),
        "{text}"
    );
    let cas = text.split("\n\n").nth(1).expect("CA table");
    assert!(cas.starts_with("CERTIFICATE AUTHORITY"), "{cas}");
    assert!(
        cas.contains("etcd-ca") && cas.contains("9y") && cas.contains("pki/bundle.pem#2"),
        "{cas}"
    );
}

#[test]
fn expiry_json_is_for_machines() {
    let dir = pki();
    let json: serde_json::Value =
        serde_json::from_slice(&dir.ok(&["expiry", "--format=json", "pki"], b"")).expect("json");
    let leaves = json["certificates"].as_array().expect("certificates");
    assert_eq!(leaves.len(), 4);
    assert_eq!(leaves[0]["certificate"], "long-gone");
    assert_eq!(leaves[0]["expires"], "2021-01-01T00:00:00Z");
    assert!(leaves[0]["residual_seconds"].as_i64().expect("seconds") < 0);
    assert_eq!(leaves[0]["certificate_authority"], "etcd-ca");
    assert_eq!(
        json["certificate_authorities"]
            .as_array()
            .expect("cas")
            .len(),
        2
    );
}

#[test]
fn fail_within_exits_1_only_when_something_is_due() {
    let dir = pki();
    std::fs::remove_file(dir.join("pki/old.pem")).expect("rm");
    let run = |window: &str| dir.run(&etcdpki(), &["expiry", "--fail-within", window, "pki"], b"");
    let out = run("720h");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pki/short.pem: short-lived expires at") && err.contains("within 720h"),
        "{err}"
    );
    assert!(!err.contains("a-year"), "{err}");
    assert_eq!(run("30m").status.code(), Some(0));
    assert_eq!(run("400d").status.code(), Some(1));
    assert_eq!(run("soon").status.code(), Some(2));
}

#[test]
fn unreadable_paths_and_empty_directories_cannot_be_judged() {
    let dir = Dir::new();
    let out = dir.run(&etcdpki(), &["expiry", "missing"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing: no such file or directory"));
    std::fs::create_dir(dir.join("empty")).expect("mkdir");
    dir.write("empty/notes.txt", "no certificates here");
    let out = dir.run(&etcdpki(), &["expiry", "empty"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no certificate found in 1 file(s)"));
}

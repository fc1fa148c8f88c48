//! `expiry`: the table, the JSON, `--fail-within`, `--at`, the role column, the Prometheus
//! exposition (read back by Python's prometheus_client, a real parser), the Markdown summary,
//! and a run as an unprivileged user who may read the certificates but not the keys.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use crate::util::{Dir, Tool, etcdpki, require};

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
    assert!(lines[0].contains(" ROLE "), "{text}");
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

/// A cfssl-layout PKI from `etcdpki cluster`: `ca.pem`, `infra0.pem`, `infra0-peer.pem`,
/// `infra1.pem`, `infra1-peer.pem`, `etcdctl.pem`, keys 0600 in a 0700 directory.
fn cluster() -> Dir {
    let dir = Dir::new();
    dir.ok(
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380,infra1=https://127.0.0.2:2380",
            "--client",
            "etcdctl",
        ],
        b"",
    );
    dir
}

fn json_rows(dir: &Dir, args: &[&str]) -> Vec<serde_json::Value> {
    let json: serde_json::Value = serde_json::from_slice(&dir.ok(args, b"")).expect("json");
    ["certificates", "certificate_authorities"]
        .iter()
        .flat_map(|k| json[k].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn expiry_names_each_certificates_role_and_file_as_lint_judges_them() {
    let dir = cluster();
    let rows = json_rows(&dir, &["expiry", "--format", "json", "pki"]);
    let role_of = |file: &str| {
        rows.iter()
            .find(|r| r["file"] == file)
            .map(|r| r["role"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("{file} missing: {rows:?}"))
    };
    assert_eq!(role_of("pki/ca.pem"), "ca");
    // A member's server and peer rows share a CN; the role tells them apart.
    assert_eq!(role_of("pki/infra0.pem"), "server");
    assert_eq!(role_of("pki/infra0-peer.pem"), "peer");
    assert_eq!(role_of("pki/infra1-peer.pem"), "peer");
    assert_eq!(role_of("pki/etcdctl.pem"), "client");
    // etcd's own examples: one certificate per member for both ports, named after it; and a
    // leaf whose EKU and name tell nothing.
    std::fs::copy(dir.join("pki/infra0.pem"), dir.join("infra9.pem")).expect("copy");
    std::fs::copy(dir.join("pki/infra0.pem"), dir.join("blob.pem")).expect("copy");
    std::fs::copy(
        dir.join("pki/infra0-peer.pem"),
        dir.join("infra9-peer-2.pem"),
    )
    .expect("copy");
    let rows = json_rows(&dir, &["expiry", "--format=json", "blob.pem", "infra9.pem"]);
    assert_eq!(rows[0]["role"], "leaf", "{rows:?}");
    let text = String::from_utf8(dir.ok(&["expiry", "pki"], b"")).expect("utf8");
    let server = text
        .lines()
        .find(|l| l.ends_with("pki/infra0.pem"))
        .expect("server row");
    assert!(server.split_whitespace().nth(1) == Some("server"), "{text}");
}

#[test]
fn expiry_at_judges_as_of_that_instant() {
    let dir = pki();
    let run = |args: &[&str]| dir.run(&etcdpki(), args, b"");
    // In 2020 the long-gone certificate was still valid; its row says how long it had left.
    let json: serde_json::Value = serde_json::from_slice(&dir.ok(
        &[
            "expiry",
            "--format=json",
            "--at",
            "2020-06-01T00:00:00Z",
            "pki/old.pem",
        ],
        b"",
    ))
    .expect("json");
    assert_eq!(json["at"], "2020-06-01T00:00:00Z");
    let row = &json["certificates"][0];
    assert_eq!(row["certificate"], "long-gone");
    assert_eq!(
        row["residual_seconds"].as_i64(),
        Some(214 * 86_400),
        "2020-06-01 to 2021-01-01: {json}"
    );
    assert_eq!(
        run(&[
            "expiry",
            "--at",
            "2020-06-01T00:00:00Z",
            "--fail-within",
            "30d",
            "pki/old.pem"
        ])
        .status
        .code(),
        Some(0)
    );
    // In 2100 everything has expired, the CA included.
    let out = run(&[
        "expiry",
        "--at",
        "2100-01-01T00:00:00+02:00",
        "--fail-within",
        "1h",
        "pki",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pki/ca.pem: etcd-ca expired at"), "{err}");
    // Not RFC 3339: a usage error that shows the form.
    let out = run(&["expiry", "--at", "2027-06-01", "pki"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--at") && err.contains("2027-06-01T00:00:00Z"),
        "{err}"
    );
}

/// The families `text` holds, as Python's prometheus_client text parser reads them
/// (`prometheus_client.parser.text_string_to_metric_families`): name, type, help and the
/// samples with their labels. The parser refuses what the exposition format does not allow.
fn parse_exposition(text: &str) -> Vec<serde_json::Value> {
    const SCRIPT: &str = r#"
import json, sys
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.exit("prometheus_client is missing: pip3 install prometheus_client (tests/run.sh installs it)")
families = []
for f in text_string_to_metric_families(sys.stdin.read()):
    families.append({"name": f.name, "type": f.type, "help": f.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value,
                     "timestamp": s.timestamp} for s in f.samples]})
print(json.dumps(families))
"#;
    let mut child = Command::new(require("python3", "python3"))
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3");
    assert!(
        out.status.success(),
        "prometheus_client refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .expect("json")
        .as_array()
        .cloned()
        .expect("families")
}

/// `promtool check metrics` (Debian's prometheus package): Prometheus' own Go parser, the one
/// node_exporter's textfile collector uses, and its linter of the naming conventions (snake
/// case, unit suffixes, HELP text). It must accept the exposition and report nothing.
fn promtool_check(text: &str) {
    let mut child = Command::new(require("promtool", "prometheus"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn expiry_prometheus_exposition_is_read_back_by_prometheus_client() {
    let dir = pki();
    // A CN with a double quote, a backslash and a line feed, in a file whose name has a quote
    // and a backslash: the label values must come back exactly.
    let hostile_cn = "evil \"quoted\" back\\slash\nsecond line";
    dir.write(
        "pki/hostile.json",
        &serde_json::json!({ "CN": hostile_cn }).to_string(),
    );
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=pki/ca.pem",
            "-ca-key=pki/ca-key.pem",
            "-config=pki/ca-config.json",
            "-profile=year",
            "pki/hostile.json",
        ],
        "pki/we\"ird\\name",
    );
    // A CRL of the CA beside the certificates: its nextUpdate is a family of its own.
    dir.ok(
        &[
            "revoke",
            "--ca",
            "pki/ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "--crl",
            "pki/ca.crl",
            "pki/short.pem",
        ],
        b"",
    );
    let text =
        String::from_utf8(dir.ok(&["expiry", "--format", "prometheus", "pki"], b"")).expect("utf8");
    assert!(text.ends_with('\n'), "{text}");
    promtool_check(&text);
    let families = parse_exposition(&text);
    let names: Vec<&str> = families
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "etcdpki_certificate_not_after_seconds",
            "etcdpki_certificate_not_before_seconds",
            "etcdpki_crl_next_update_seconds"
        ]
    );
    let crl = &families[2]["samples"][0];
    assert_eq!(crl["labels"]["path"], "pki/ca.crl", "{text}");
    // Named as the CA's own rows name it, so a query can join them.
    assert_eq!(crl["labels"]["issuer"], "etcd-ca", "{text}");
    for family in &families {
        assert_eq!(family["type"], "gauge", "{family}");
        assert!(
            family["help"]
                .as_str()
                .is_some_and(|h| h.contains("Unix epoch")),
            "{family}"
        );
    }
    // One sample per certificate (5 leaves and 2 CA rows), no timestamps (node_exporter's
    // textfile collector refuses them), the labels Prometheus' conventions name in snake case.
    let json: serde_json::Value =
        serde_json::from_slice(&dir.ok(&["expiry", "--format", "json", "pki"], b"")).expect("json");
    let rows: Vec<&serde_json::Value> = ["certificates", "certificate_authorities"]
        .iter()
        .flat_map(|k| json[k].as_array().expect("rows"))
        .collect();
    let samples = families[0]["samples"].as_array().expect("samples");
    assert_eq!(samples.len(), rows.len(), "{text}");
    for sample in samples {
        assert!(sample["timestamp"].is_null(), "{sample}");
        let labels = sample["labels"].as_object().expect("labels");
        let mut keys: Vec<&str> = labels.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["issuer", "path", "role", "subject"]);
        let row = rows
            .iter()
            .find(|r| r["file"] == labels["path"])
            .unwrap_or_else(|| panic!("no row for {sample}"));
        assert_eq!(labels["subject"], row["certificate"]);
        assert_eq!(labels["role"], row["role"]);
        assert_eq!(labels["issuer"], row["certificate_authority"]);
        let expires = time::OffsetDateTime::parse(
            row["expires"].as_str().expect("expires"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("rfc 3339");
        assert_eq!(
            sample["value"].as_f64(),
            Some(expires.unix_timestamp() as f64)
        );
    }
    let hostile = samples
        .iter()
        .find(|s| s["labels"]["subject"] == hostile_cn)
        .unwrap_or_else(|| panic!("the hostile CN did not come back whole: {text}"));
    assert_eq!(hostile["labels"]["path"], "pki/we\"ird\\name.pem");
    assert_eq!(hostile["labels"]["role"], "client");
}

#[test]
fn expiry_markdown_is_one_table_for_job_summaries() {
    let dir = pki();
    let md = String::from_utf8(dir.ok(
        &[
            "expiry",
            "--format",
            "markdown",
            "--at",
            "2026-01-01T00:00:00Z",
            "pki",
        ],
        b"",
    ))
    .expect("utf8");
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "## etcdpki expiry", "{md}");
    assert!(
        lines[2].starts_with("Judged at 2026-01-01T00:00:00Z: 4 certificate(s), 2 CA(s)"),
        "{md}"
    );
    assert_eq!(
        lines[4],
        "| certificate | role | expires | residual time | issuer | file |"
    );
    let rows: Vec<&str> = lines[6..].to_vec();
    assert_eq!(rows.len(), 6, "{md}");
    assert!(
        rows[0]
            .starts_with("| long-gone | client | Jan 01, 2021 00:00 UTC | **expired** | etcd-ca |"),
        "{md}"
    );
    assert!(rows.iter().all(|r| r.matches(" | ").count() == 5), "{md}");
    assert!(rows.iter().any(|r| r.contains("| ca |")), "{md}");
}

#[test]
fn expiry_runs_as_a_user_who_may_read_the_certificates_but_no_key() {
    let dir = cluster();
    let monitor = crate::attack::Attacker::new();
    for d in [dir.path().to_path_buf(), dir.join("pki")] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    // A key under a name no tool gives a key, which expiry must open to know.
    std::fs::copy(dir.join("pki/infra0-key.pem"), dir.join("pki/backup.pem")).expect("copy");
    std::fs::set_permissions(
        dir.join("pki/backup.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    let bin = etcdpki();
    let out = monitor.sh(
        dir.path(),
        &format!("{} expiry --format prometheus pki", bin.display()),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let samples = &parse_exposition(&text)[0]["samples"];
    assert_eq!(samples.as_array().map(Vec::len), Some(6), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: pki/backup.pem: cannot") && err.contains("permission denied"),
        "{err}"
    );
    assert!(!err.contains("-key.pem"), "no key file is read: {err}");
    // Named, an unreadable file is an error, not a warning.
    let out = monitor.sh(
        dir.path(),
        &format!(
            "{} expiry pki/ca.pem pki/backup.pem; echo exit=$?",
            bin.display()
        ),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("exit=2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

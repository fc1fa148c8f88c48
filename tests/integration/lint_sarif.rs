//! `lint --format sarif` as code scanning reads it (issue #15, point 8): the log's structure as
//! SARIF 2.1.0 specifies it (absolute `helpUri`s from `--docs-url`, rule indexes, levels,
//! relative artifact URIs, fingerprints), and regions: a finding about a JSON file names the
//! line of the JSON path it concerns, a finding about an etcd configuration its setting's line.

use std::collections::HashSet;

use serde_json::Value;

use crate::lint::lint;
use crate::util::Dir;

const DOCS: &str = include_str!("../../docs/lints.md");
const BASE: &str = "https://example.org/etcdpki/blob/v0.1.0/docs/lints.md";

/// cfssl JSON with a problem on a known line each, a file that is not JSON, and an env file
/// with a variable no etcd has.
fn fixture() -> Dir {
    let dir = Dir::new();
    dir.write(
        "ca-config.json",
        r#"{
  "signing": {
    "default": {"expiry": "8760h"},
    "profiles": {
      "peer": {
        "usages": ["signing", "key encipherment", "server auth", "client auth"],
        "expiry": "1y"
      }
    }
  }
}
"#,
    );
    dir.write(
        "member-csr.json",
        "{\n  \"CN\": \"m1\",\n  \"hosts\": [\n    \"10.0.1.10\",\n    \"10.0.1.10:2379\"\n  ]\n}\n",
    );
    dir.write("broken.json", "{\n  \"CN\": \"x\",\n  \"hosts\": [,]\n}\n");
    dir.write("m1.env", "ETCD_NAME=m1\n\nETCD_NO_SUCH_SETTING=1\n");
    dir
}

fn sarif(dir: &Dir, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "sarif", "--etcd-config", "m1.env"];
    args.extend_from_slice(extra);
    args.push(".");
    let out = lint(dir, &args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("a string: {v}"))
}

/// Checks what SARIF 2.1.0 requires of the parts lint writes (§3.13 sarifLog, §3.14 run,
/// §3.19 toolComponent, §3.49 reportingDescriptor, §3.27 result, §3.28-3.30 locations,
/// §3.30.5 region lines start at 1).
fn check_structure(log: &Value, base: Option<&str>) {
    assert_eq!(log["version"], "2.1.0");
    assert!(text(&log["$schema"]).starts_with("https://"));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "etcdpki lint");
    assert!(!text(&driver["version"]).is_empty());
    let rules = driver["rules"].as_array().expect("rules");
    let mut ids = HashSet::new();
    for rule in rules {
        let id = text(&rule["id"]);
        assert!(ids.insert(id), "rule {id} twice");
        assert!(!text(&rule["shortDescription"]["text"]).is_empty());
        assert!(
            DOCS.contains(&format!("\n## {id}\n")),
            "docs/lints.md has no ## {id}"
        );
        let level = text(&rule["defaultConfiguration"]["level"]);
        assert!(["error", "warning", "note"].contains(&level), "{level}");
        match base {
            Some(base) => assert_eq!(text(&rule["helpUri"]), format!("{base}#{id}")),
            None => assert!(rule.get("helpUri").is_none(), "{rule}"),
        }
    }
    let results = runs[0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for result in results {
        let id = text(&result["ruleId"]);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex of {id}");
        assert!(["error", "warning", "note"].contains(&text(&result["level"])));
        assert!(!text(&result["message"]["text"]).is_empty());
        let print = text(&result["partialFingerprints"]["etcdpkiFinding/v1"]);
        assert!(print.len() == 32 && print.bytes().all(|b| b.is_ascii_hexdigit()));
        for location in result["locations"].as_array().expect("locations") {
            let physical = &location["physicalLocation"];
            let uri = text(&physical["artifactLocation"]["uri"]);
            assert!(
                !uri.is_empty() && !uri.contains('#') && !uri.starts_with('/'),
                "{uri}"
            );
            if let Some(region) = physical.get("region") {
                assert!(region["startLine"].as_u64().expect("startLine") >= 1);
            }
        }
    }
}

/// The line of the one result of `rule` on `file` whose message starts with `start`.
fn line_of(log: &Value, rule: &str, file: &str, start: &str) -> u64 {
    let hits: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| {
            r["ruleId"] == rule
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == file
                && text(&r["message"]["text"]).starts_with(start)
        })
        .collect();
    assert_eq!(hits.len(), 1, "{rule} on {file}: {log:#}");
    let region = &hits[0]["locations"][0]["physicalLocation"]["region"];
    region["startLine"].as_u64().expect("a region")
}

#[test]
fn issue_15_sarif_is_valid_with_absolute_help_uris_and_regions_for_json_and_configs() {
    let dir = fixture();
    let log = sarif(&dir, &["--docs-url", BASE]);
    check_structure(&log, Some(BASE));
    let expiry = "signing.profiles.peer.expiry";
    assert_eq!(
        line_of(&log, "config-invalid", "./ca-config.json", expiry),
        7
    );
    assert_eq!(
        line_of(&log, "request-invalid", "./member-csr.json", "hosts[1]"),
        5
    );
    assert_eq!(
        line_of(&log, "unreadable", "./broken.json", "not valid JSON"),
        3
    );
    assert_eq!(
        line_of(&log, "etcd-config-ignored", "m1.env", "ETCD_NO_SUCH"),
        3
    );
    // Without --docs-url (and no repository in Cargo.toml) there is no absolute URI to give.
    check_structure(&sarif(&dir, &[]), None);
}

#[test]
fn issue_15_docs_url_must_be_absolute() {
    let dir = fixture();
    for bad in ["docs/lints.md", "https://x/lints.md#rule"] {
        let out = lint(&dir, &["--format", "sarif", "--docs-url", bad, "."]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "{bad:?} is not an absolute http://, https:// or file:// URL"
            )),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

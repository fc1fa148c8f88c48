//! lint over arbitrary file contents: never panics or hangs; every finding names a known rule
//! and files that were given; the JSON and SARIF reports are valid JSON with one entry per
//! finding; the same files give the same report twice.
#![no_main]

use etcdpki::lint::certificate_rules::TimeRules;
use etcdpki::lint::{Context, Inventory, LintOptions, rule};
use libfuzzer_sys::fuzz_target;

/// The input is split at `\x00\x00` into up to five files with names that give them roles.
const NAMES: [&str; 5] = [
    "ca.pem",
    "infra0.pem",
    "infra0-key.pem",
    "ca-config.json",
    "infra0-csr.json",
];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let mut files = Vec::new();
    for (part, name) in data.split(|b| *b == 0).filter(|p| !p.is_empty()).zip(NAMES) {
        let path = dir.path().join(name);
        if std::fs::write(&path, part).is_err() {
            return;
        }
        files.push(path);
    }
    let ctx = Context::from_flags(Some("infra0=https://127.0.0.1:2380"), Some("example.com"))
        .expect("a valid flag value");
    let options = LintOptions {
        time: TimeRules {
            at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
            warn_within: time::Duration::days(30),
        },
        workers: 2,
        overrides: Vec::new(),
    };
    let report = etcdpki::lint::lint(&Inventory::read(&files, 2), &ctx, &options);
    let given: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    for f in &report.findings {
        assert!(rule::find(f.rule).is_some(), "unknown rule {}", f.rule);
        for file in &f.files {
            let plain = file.split('#').next().unwrap_or(file);
            assert!(given.iter().any(|g| g == plain), "{file} was not given");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON report");
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(report.findings.len())
    );
    let sarif: serde_json::Value = serde_json::from_str(&report.to_sarif(None)).expect("SARIF");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(report.findings.len())
    );
    let again = etcdpki::lint::lint(&Inventory::read(&files, 1), &ctx, &options);
    assert_eq!(again.findings, report.findings, "lint is deterministic");
});

//! Findings and the ways `lint` prints them: text for people, JSON for machines, SARIF 2.1.0
//! for GitHub code scanning, Markdown for job summaries, and GitHub Actions workflow commands
//! (`::error file=…::`).
//!
//! File names and certificate names come from whoever made the files: every renderer but JSON
//! shows their control characters escaped ([`escape_controls`]: ESC as `\x1b`, CR and LF as
//! `\x0d` and `\x0a`), so that a name cannot move the cursor, rewrite a line or forge a
//! finding. JSON keeps the values exact; its own string escaping (`\u001b`) already keeps them
//! off the terminal.

use serde::Serialize;
use serde_json::json;

use super::rule::{self, Level, Rule};
use crate::diag::escape_controls;

/// One problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// Its level (after overrides).
    pub severity: Level,
    /// The files concerned, as the user named them (`FILE#N` for a bundle's N-th certificate).
    pub files: Vec<String>,
    /// The 1-based line of the first file the finding is about (an etcd configuration's
    /// setting), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What is wrong, what it breaks and how to fix it.
    pub message: String,
}

impl Finding {
    /// A finding of `rule` at its default level.
    pub fn new(rule: Rule, files: Vec<String>, message: String) -> Self {
        Self {
            rule: rule.id,
            severity: rule.level,
            files,
            line: None,
            message,
        }
    }

    /// The same finding, about line `line` of its first file.
    pub(crate) fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    /// The files, the first with `:LINE` when the finding has a line, control characters
    /// escaped.
    pub(crate) fn places(&self) -> String {
        let mut files: Vec<String> = self
            .files
            .iter()
            .map(|f| escape_controls(f).into_owned())
            .collect();
        if let (Some(first), Some(line)) = (files.first_mut(), self.line) {
            first.push_str(&format!(":{line}"));
        }
        files.join(", ")
    }

    /// The message, control characters escaped.
    fn shown_message(&self) -> std::borrow::Cow<'_, str> {
        escape_controls(&self.message)
    }

    /// The same finding at another level.
    pub fn at(mut self, level: Level) -> Self {
        self.severity = level;
        self
    }
}

impl Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Files read.
    pub files: usize,
    /// Certificates found.
    pub certificates: usize,
    /// Private keys found.
    pub keys: usize,
    /// PEM CSRs found.
    pub csrs: usize,
    /// cfssl request files (csr.json) found.
    pub requests: usize,
    /// cfssl ca-config.json files found.
    pub configs: usize,
}

/// Every finding, sorted, with what was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LintReport {
    /// Findings, errors first, then by file and rule.
    pub findings: Vec<Finding>,
    /// What was read.
    pub counts: Counts,
}

impl LintReport {
    /// How many findings have `level`.
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.severity == level).count()
    }

    /// Sorts: errors first, then by first file, then by rule.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.files.cmp(&b.files))
                .then_with(|| a.line.cmp(&b.line))
                .then_with(|| a.rule.cmp(b.rule))
                .then_with(|| a.message.cmp(&b.message))
        });
        self.findings.dedup();
    }

    fn summary_line(&self) -> String {
        let c = &self.counts;
        format!(
            "{} error(s), {} warning(s), {} info in {} file(s): {} certificate(s), {} key(s), {} CSR(s), {} request(s), {} config(s)\n",
            self.count(Level::Error),
            self.count(Level::Warning),
            self.count(Level::Info),
            c.files,
            c.certificates,
            c.keys,
            c.csrs,
            c.requests,
            c.configs
        )
    }

    /// `LEVEL[RULE] FILES: MESSAGE` lines, then a summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!(
                "{}[{}] {}: {}\n",
                f.severity,
                f.rule,
                f.places(),
                f.shown_message()
            ));
        }
        out.push_str(&self.summary_line());
        out
    }

    /// `{"findings": [...], "summary": {...}}`.
    pub fn to_json(&self) -> String {
        let value = json!({
            "findings": self.findings,
            "summary": {
                "errors": self.count(Level::Error),
                "warnings": self.count(Level::Warning),
                "infos": self.count(Level::Info),
                "files": self.counts.files,
                "certificates": self.counts.certificates,
                "keys": self.counts.keys,
                "csrs": self.counts.csrs,
                "requests": self.counts.requests,
                "configs": self.counts.configs,
            }
        });
        pretty(&value)
    }

    /// A SARIF 2.1.0 log with one run, every rule described, one result per finding. Each rule
    /// has a `helpUri` to its section under `docs` (an absolute URI, as SARIF requires), and
    /// none without it.
    pub fn to_sarif(&self, docs: Option<&DocsUrl>) -> String {
        let rules: Vec<_> = rule::ALL
            .iter()
            .map(|r| {
                let mut rule = json!({
                    "id": r.id,
                    "shortDescription": {"text": r.summary},
                    "help": {"text": format!("See {DOCS}#{} in etcdpki.", r.id)},
                    "defaultConfiguration": {"level": sarif_level(r.level)},
                });
                if let Some(docs) = docs {
                    rule["helpUri"] = json!(docs.section(r.id));
                }
                rule
            })
            .collect();
        let results: Vec<_> = self
            .findings
            .iter()
            .map(|f| {
                let locations: Vec<_> = f
                    .files
                    .iter()
                    .enumerate()
                    .map(|(at, file)| {
                        let mut location = json!({"artifactLocation": {"uri": sarif_uri(file)}});
                        if let (0, Some(line)) = (at, f.line) {
                            location["region"] = json!({"startLine": line});
                        }
                        json!({"physicalLocation": location})
                    })
                    .collect();
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": rule::ALL.iter().position(|r| r.id == f.rule),
                    "level": sarif_level(f.severity),
                    "message": {"text": f.shown_message()},
                    "locations": locations,
                    "partialFingerprints": {"etcdpkiFinding/v1": fingerprint(f)},
                })
            })
            .collect();
        pretty(&json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "etcdpki lint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "results": results,
            }],
        }))
    }

    /// A Markdown report for a CI job summary (`$GITHUB_STEP_SUMMARY`): a heading with the
    /// counts, then a table of the findings with each rule linked to its section.
    pub fn to_markdown(&self, docs: Option<&DocsUrl>) -> String {
        let link = |id: &str| docs.map_or_else(|| format!("{DOCS}#{id}"), |d| d.section(id));
        let mut out = format!("## etcdpki lint\n\n{}\n", self.summary_line().trim_end());
        if self.findings.is_empty() {
            out.push_str("\nNo findings.\n");
            return out;
        }
        out.push_str("\n| level | rule | file | message |\n|---|---|---|---|\n");
        for f in &self.findings {
            out.push_str(&format!(
                "| {} | [`{}`]({}) | `{}` | {} |\n",
                f.severity,
                f.rule,
                link(f.rule),
                md_cell(&f.places()).replace('`', "'"),
                md_cell(&f.shown_message())
            ));
        }
        out
    }

    /// GitHub Actions workflow commands, one per finding, then the summary as a notice.
    pub fn to_github(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let command = match f.severity {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Info => "notice",
            };
            let file = f
                .files
                .first()
                .map(|p| {
                    let p = escape_controls(p);
                    format!("file={},", gh_property(p.split('#').next().unwrap_or(&p)))
                })
                .unwrap_or_default();
            let line = f.line.map(|n| format!("line={n},")).unwrap_or_default();
            out.push_str(&format!(
                "::{command} {file}{line}title={}::{}\n",
                gh_property(f.rule),
                gh_data(&format!("{}: {}", f.places(), f.shown_message()))
            ));
        }
        out.push_str(&format!(
            "::notice title=etcdpki lint::{}\n",
            gh_data(self.summary_line().trim_end())
        ));
        out
    }
}

/// Where each rule's documentation is in a checkout of etcdpki: one section per rule id.
const DOCS: &str = "docs/lints.md";

/// The absolute URL of docs/lints.md that each rule's section is an anchor of (`BASE#RULE`),
/// for SARIF's `helpUri` and the Markdown report's links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocsUrl(String);

/// Why a `--docs-url` value is not a [`DocsUrl`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "{value:?} is not an absolute http://, https:// or file:// URL without a #fragment; give the URL of docs/lints.md, e.g. https://github.com/OWNER/etcdpki/blob/v{}/docs/lints.md",
    env!("CARGO_PKG_VERSION")
)]
pub struct DocsUrlError {
    /// The value given.
    pub value: String,
}

impl DocsUrl {
    /// An absolute `http://`, `https://` or `file://` URL with something after the scheme, no
    /// whitespace and no fragment (SARIF 2.1.0 §3.49.12: `helpUri` is an absolute URI; the rule
    /// id is the fragment).
    pub fn parse(text: &str) -> Result<Self, DocsUrlError> {
        let rest = ["https://", "http://", "file://"]
            .iter()
            .find_map(|scheme| text.strip_prefix(scheme));
        let fine = rest.is_some_and(|r| {
            !r.is_empty()
                && !r.contains('#')
                && !r.chars().any(|c| c.is_whitespace() || c.is_control())
        });
        match fine {
            true => Ok(DocsUrl(text.to_owned())),
            false => Err(DocsUrlError {
                value: text.to_owned(),
            }),
        }
    }

    /// docs/lints.md at this release's tag (`v` + the crate version) of the repository
    /// Cargo.toml's `repository` names, in GitHub's `/blob/` form; `None` when it names none.
    pub fn of_this_build() -> Option<Self> {
        let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
        let url = format!(
            "{repository}/blob/v{}/docs/lints.md",
            env!("CARGO_PKG_VERSION")
        );
        (!repository.is_empty()).then(|| DocsUrl::parse(&url).ok())?
    }

    /// The URL of rule `id`'s section.
    fn section(&self, id: &str) -> String {
        format!("{}#{id}", self.0)
    }
}

/// A fingerprint of a finding that stays the same from run to run while the finding does
/// (SARIF 2.1.0 §3.27.17): SHA-256 over its rule, files, line and message, 32 hex digits.
fn fingerprint(f: &Finding) -> String {
    let text = format!(
        "{}\n{}\n{}\n{}",
        f.rule,
        f.files.join("\n"),
        f.line.unwrap_or_default(),
        f.message
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Text for one Markdown table cell: pipes escaped, line breaks as spaces.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

/// A relative path as a SARIF URI: the file part of `FILE#N`, with `%`, spaces and control
/// characters percent-encoded (RFC 3986 §2.1: a URI holds none of them raw).
fn sarif_uri(file: &str) -> String {
    let path = file.split('#').next().unwrap_or(file);
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's message (GitHub's toolkit `escapeData`).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property (`escapeProperty`).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> LintReport {
        let mut r = LintReport {
            findings: vec![
                Finding::new(rule::EXPIRES_SOON, vec!["b.pem".into()], "soon".into()),
                Finding::new(
                    rule::PEER_EKU,
                    vec!["a, b.pem".into()],
                    "no\nclient auth".into(),
                ),
            ],
            counts: Counts::default(),
        };
        r.sort();
        r
    }

    #[test]
    fn errors_come_first_and_github_commands_are_escaped() {
        let r = report();
        assert_eq!(r.findings[0].rule, "peer-eku");
        let gh = r.to_github();
        assert!(
            gh.starts_with(
                "::error file=a%2C b.pem,title=peer-eku::a, b.pem: no\\x0aclient auth\n"
            ),
            "{gh}"
        );
        assert!(
            gh.contains("::warning file=b.pem,title=expires-soon::"),
            "{gh}"
        );
    }

    #[test]
    fn sarif_has_help_uris_regions_and_stable_fingerprints() {
        let mut r = report();
        r.findings[0] = r.findings[0].clone().at_line(Some(12));
        let docs = DocsUrl::parse("https://example.org/etcdpki/docs/lints.md").expect("a URL");
        let sarif: serde_json::Value =
            serde_json::from_str(&r.to_sarif(Some(&docs))).expect("valid JSON");
        let run = &sarif["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["helpUri"],
            format!(
                "https://example.org/etcdpki/docs/lints.md#{}",
                rule::ALL[0].id
            )
        );
        // Without a base there is no absolute URI to give: no helpUri at all.
        let bare: serde_json::Value = serde_json::from_str(&r.to_sarif(None)).expect("JSON");
        assert!(
            bare["runs"][0]["tool"]["driver"]["rules"][0]
                .get("helpUri")
                .is_none()
        );
        let first = &run["results"][0];
        assert_eq!(
            first["locations"][0]["physicalLocation"]["region"]["startLine"],
            12
        );
        assert!(
            run["results"][1]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
        let print = |r: &LintReport| -> Vec<String> {
            let v: serde_json::Value = serde_json::from_str(&r.to_sarif(None)).expect("JSON");
            v["runs"][0]["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|x| {
                    x["partialFingerprints"]["etcdpkiFinding/v1"]
                        .as_str()
                        .expect("print")
                        .to_owned()
                })
                .collect()
        };
        let (a, b) = (print(&r), print(&r.clone()));
        assert_eq!(a, b, "the same findings print the same");
        assert_ne!(a[0], a[1]);
        assert_eq!(a[0].len(), 32);
    }

    #[test]
    fn docs_urls_are_absolute_without_a_fragment() {
        for good in [
            "https://github.com/o/etcdpki/blob/v1.0.0/docs/lints.md",
            "http://docs.internal/lints.md",
            "file:///usr/share/doc/etcdpki/lints.md",
        ] {
            assert!(DocsUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "docs/lints.md",
            "/usr/share/doc/lints.md",
            "https://",
            "https://x/lints.md#peer-eku",
            "https://x/a b.md",
            "ftp://x/lints.md",
        ] {
            let e = DocsUrl::parse(bad).expect_err(bad);
            assert!(
                e.to_string()
                    .starts_with(&format!("{bad:?} is not an absolute")),
                "{e}"
            );
        }
        // Cargo.toml names no repository yet: no default base.
        assert_eq!(
            DocsUrl::of_this_build().is_some(),
            !env!("CARGO_PKG_REPOSITORY").is_empty()
        );
    }

    #[test]
    fn markdown_is_a_table_with_links_and_escaped_cells() {
        let md = report().to_markdown(None);
        assert!(
            md.starts_with("## etcdpki lint\n\n1 error(s), 1 warning(s)"),
            "{md}"
        );
        assert!(
            md.contains(
                "| error | [`peer-eku`](docs/lints.md#peer-eku) | `a, b.pem` | no\\x0aclient auth |"
            ),
            "{md}"
        );
        let docs = DocsUrl::parse("file:///usr/share/doc/etcdpki/lints.md").expect("a URL");
        let linked = report().to_markdown(Some(&docs));
        assert!(
            linked.contains("[`peer-eku`](file:///usr/share/doc/etcdpki/lints.md#peer-eku)"),
            "{linked}"
        );
        let empty = LintReport::default().to_markdown(None);
        assert!(empty.ends_with("No findings.\n"), "{empty}");
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn sarif_names_every_rule_and_maps_levels() {
        let sarif: serde_json::Value =
            serde_json::from_str(&report().to_sarif(None)).expect("valid JSON");
        assert_eq!(sarif["version"], "2.1.0");
        let run = &sarif["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(rule::ALL.len())
        );
        assert_eq!(run["results"][0]["level"], "error");
        assert_eq!(run["results"][1]["level"], "warning");
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "a,%20b.pem"
        );
    }
}

//! The renderings of an [`ExpiryReport`]: tables for people, JSON, a Prometheus text exposition
//! for node_exporter's textfile collector, and Markdown for CI job summaries.
//!
//! Takes a report; returns text. Names and paths come from certificates and directories, so
//! they are anyone's text: each rendering escapes them as its format requires (control
//! characters written out in tables, the exposition format's three escapes in label values,
//! Markdown's punctuation in cells).

use std::fmt::Write as _;

use super::{ExpiryReport, ExpiryRow};
use crate::config::duration::residual;
use crate::diag::escape_controls;

/// The metric families of the exposition, as (name, HELP). Names follow Prometheus' naming
/// conventions (prometheus.io/docs/practices/naming): an application prefix, the unit in
/// base units as a plural suffix (`_seconds`), a gauge of a timestamp in Unix seconds as
/// node_exporter's `node_boot_time_seconds` is.
const NOT_AFTER: (&str, &str) = (
    "etcdpki_certificate_not_after_seconds",
    "When the certificate expires (its notAfter), in seconds since the Unix epoch.",
);
const NOT_BEFORE: (&str, &str) = (
    "etcdpki_certificate_not_before_seconds",
    "When the certificate became valid (its notBefore), in seconds since the Unix epoch.",
);
const CRL_NEXT_UPDATE: (&str, &str) = (
    "etcdpki_crl_next_update_seconds",
    "When the CRL must be re-signed by (its nextUpdate), in seconds since the Unix epoch.",
);

impl ExpiryReport {
    /// The two tables (and the CRLs' when there are any).
    pub fn to_text(&self) -> String {
        let leaf_rows: Vec<[String; 6]> = self
            .certificates
            .iter()
            .map(|r| {
                [
                    escape_controls(&r.certificate).into_owned(),
                    r.role.label(),
                    expires(r),
                    residual(r.residual_seconds),
                    escape_controls(&r.certificate_authority).into_owned(),
                    escape_controls(&r.file).into_owned(),
                ]
            })
            .collect();
        let ca_rows = short_rows(&self.certificate_authorities);
        let mut out = table(
            [
                "CERTIFICATE",
                "ROLE",
                "EXPIRES",
                "RESIDUAL TIME",
                "CERTIFICATE AUTHORITY",
                "FILE",
            ],
            &leaf_rows,
        );
        out.push('\n');
        out.push_str(&table(
            ["CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "FILE"],
            &ca_rows,
        ));
        if !self.crls.is_empty() {
            let crl_rows = short_rows(&self.crls);
            out.push('\n');
            out.push_str(&table(
                ["CRL", "NEXT UPDATE", "RESIDUAL TIME", "FILE"],
                &crl_rows,
            ));
        }
        out
    }

    /// JSON, one object with `at`, `certificates`, `certificate_authorities` (and `crls`).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the report always serialises");
        text.push('\n');
        text
    }

    /// The Prometheus text exposition format (prometheus.io/docs/instrumenting/exposition_formats),
    /// as node_exporter's textfile collector reads it: a gauge of each certificate's notAfter
    /// and notBefore in Unix seconds, labelled `path`, `subject`, `role` and `issuer`, and one
    /// of each CRL's nextUpdate labelled `path` and `issuer`. No sample has a timestamp: the
    /// textfile collector refuses them.
    pub fn to_prometheus(&self) -> String {
        let certificates: Vec<&ExpiryRow> = self
            .certificates
            .iter()
            .chain(&self.certificate_authorities)
            .collect();
        let mut out = String::new();
        let cert_labels = |r: &ExpiryRow| {
            labels(&[
                ("path", &r.file),
                ("subject", &r.certificate),
                ("role", &r.role.label()),
                ("issuer", &r.certificate_authority),
            ])
        };
        if !certificates.is_empty() {
            family(&mut out, NOT_AFTER, &certificates, |r| {
                (cert_labels(r), r.expires.unix_timestamp())
            });
            family(&mut out, NOT_BEFORE, &certificates, |r| {
                (cert_labels(r), r.valid_from.unix_timestamp())
            });
        }
        if !self.crls.is_empty() {
            let crls: Vec<&ExpiryRow> = self.crls.iter().collect();
            family(&mut out, CRL_NEXT_UPDATE, &crls, |r| {
                (
                    labels(&[("path", &r.file), ("issuer", &r.certificate_authority)]),
                    r.expires.unix_timestamp(),
                )
            });
        }
        out
    }

    /// Markdown for a CI job summary (`$GITHUB_STEP_SUMMARY`): a heading, the judging time,
    /// and one table of every certificate, CA and CRL, soonest first.
    pub fn to_markdown(&self) -> String {
        let at = self
            .at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut rows: Vec<&ExpiryRow> = self
            .certificates
            .iter()
            .chain(&self.certificate_authorities)
            .chain(&self.crls)
            .collect();
        rows.sort_by(|a, b| a.expires.cmp(&b.expires).then_with(|| a.file.cmp(&b.file)));
        let expired = rows.iter().filter(|r| r.residual_seconds <= 0).count();
        let mut out = format!(
            "## etcdpki expiry\n\nJudged at {at}: {} certificate(s), {} CA(s), {} CRL(s); {expired} expired.\n\n",
            self.certificates.len(),
            self.certificate_authorities.len(),
            self.crls.len(),
        );
        out.push_str("| certificate | role | expires | residual time | issuer | file |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for r in rows {
            let residual = match residual(r.residual_seconds) {
                left if r.residual_seconds <= 0 => format!("**{left}**"),
                left => left,
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {residual} | {} | {} |",
                markdown_cell(&r.certificate),
                r.role.label(),
                expires(r),
                markdown_cell(&r.certificate_authority),
                markdown_cell(&r.file),
            );
        }
        out
    }
}

/// One metric family: HELP, TYPE, then a sample per row.
fn family(
    out: &mut String,
    (name, help): (&str, &str),
    rows: &[&ExpiryRow],
    sample: impl Fn(&ExpiryRow) -> (String, i64),
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for r in rows {
        let (labels, value) = sample(r);
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// `a="x",b="y"`, each value escaped as the exposition format requires: backslash, double
/// quote and line feed as `\\`, `\"` and `\n`. The format has no other escape, so any other
/// control character (a carriage return, an escape that would move a terminal's cursor when
/// someone reads the file) becomes U+FFFD.
fn labels(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => out.push('\u{fffd}'),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out
}

/// Text for one Markdown table cell: control characters written out (and backslashes
/// doubled) as in the tables, then every ASCII punctuation character that Markdown or HTML
/// could read as syntax backslash-escaped (CommonMark 0.31 §2.4), pipes included, so a name
/// cannot end the cell, open a link or inject a tag.
fn markdown_cell(text: &str) -> String {
    let mut out = String::new();
    for c in escape_controls(text).chars() {
        if "`*_{}[]<>()#!|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `Dec 30, 2026 23:36 UTC`, as kubeadm prints it.
/// The rows of the CA and CRL tables: name, end, residual time, file.
fn short_rows(rows: &[ExpiryRow]) -> Vec<[String; 4]> {
    rows.iter()
        .map(|r| {
            [
                escape_controls(&r.certificate).into_owned(),
                expires(r),
                residual(r.residual_seconds),
                escape_controls(&r.file).into_owned(),
            ]
        })
        .collect()
}

fn expires(r: &ExpiryRow) -> String {
    r.expires
        .format(time::macros::format_description!(
            "[month repr:short] [day], [year] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}   "));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline_only() {
        assert_eq!(
            labels(&[("subject", "a\\b\"c\nd"), ("path", "x\u{1b}[2Jy\rz")]),
            "subject=\"a\\\\b\\\"c\\nd\",path=\"x\u{fffd}[2Jy\u{fffd}z\""
        );
    }

    #[test]
    fn markdown_cells_cannot_end_the_cell_or_inject_markup() {
        assert_eq!(
            markdown_cell("a|b <script> [x](y) `c`\nd"),
            "a\\|b \\<script\\> \\[x\\]\\(y\\) \\`c\\`\\x0ad"
        );
    }
}

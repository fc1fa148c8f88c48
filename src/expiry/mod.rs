//! `expiry`: when each certificate expires, for people (a table like `kubeadm certs
//! check-expiration`) and for monitoring (JSON, and a failing exit under `--fail-within`).
//!
//! Takes [`FoundCertificate`]s (and, with [`ExpiryReport::with_crls`], CRLs) and the time to
//! judge from; returns an [`ExpiryReport`] with leaves, CAs and CRLs apart, soonest first. A
//! CRL's row is its nextUpdate: after it, openssl and Go's verifiers refuse the CRL (etcd does
//! not look), so it must be re-signed before (`etcdpki renew` does).

use crate::diag::escape_controls;
use serde::Serialize;
use time::OffsetDateTime;

use crate::config::GoDuration;
use crate::config::duration::residual;
use crate::pki::scan::FoundCertificate;
use crate::x509::crl::Crl;

/// One certificate's expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiryRow {
    /// The subject's CN (or whole subject).
    pub certificate: String,
    /// The file, with `#N` for the N-th (from 1) certificate of a bundle after the first.
    pub file: String,
    /// notAfter, RFC 3339 UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// Seconds from the judging time to notAfter; negative once expired.
    pub residual_seconds: i64,
    /// The issuer's CN (or whole issuer); for a self-signed CA, itself.
    pub certificate_authority: String,
}

/// All rows, leaves and CAs apart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    /// Leaf certificates, soonest first.
    pub certificates: Vec<ExpiryRow>,
    /// CA certificates, soonest first.
    pub certificate_authorities: Vec<ExpiryRow>,
    /// CRLs by nextUpdate, soonest first (`certificate` names the issuer's CRL, `expires` is
    /// its nextUpdate); absent from the JSON when none was found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crls: Vec<ExpiryRow>,
}

impl ExpiryReport {
    /// The report for `found`, judged at `now`.
    pub fn new(found: &[FoundCertificate], now: OffsetDateTime) -> Self {
        let mut report = Self::default();
        for c in found {
            let file = if c.index == 0 {
                c.file.display().to_string()
            } else {
                format!("{}#{}", c.file.display(), c.index + 1)
            };
            let row = ExpiryRow {
                certificate: c.name.clone(),
                file,
                expires: c.not_after,
                residual_seconds: (c.not_after - now).whole_seconds(),
                certificate_authority: c.issuer_name.clone(),
            };
            if c.is_ca {
                report.certificate_authorities.push(row);
            } else {
                report.certificates.push(row);
            }
        }
        for rows in [
            &mut report.certificates,
            &mut report.certificate_authorities,
        ] {
            rows.sort_by(|a, b| a.expires.cmp(&b.expires).then_with(|| a.file.cmp(&b.file)));
        }
        report
    }

    /// The report with the CRLs `crls` (file, CRL) added, judged at `now`; a CRL without a
    /// nextUpdate never runs out and has no row.
    pub fn with_crls(mut self, crls: &[(std::path::PathBuf, Crl)], now: OffsetDateTime) -> Self {
        for (file, crl) in crls {
            let Some(next) = crl.next_update else {
                continue;
            };
            let issuer = crate::x509::name_text(&crl.issuer_der);
            self.crls.push(ExpiryRow {
                certificate: format!("CRL of {issuer} ({} revoked)", crl.entries.len()),
                file: file.display().to_string(),
                expires: next,
                residual_seconds: (next - now).whole_seconds(),
                certificate_authority: issuer,
            });
        }
        self.crls
            .sort_by(|a, b| a.expires.cmp(&b.expires).then_with(|| a.file.cmp(&b.file)));
        self
    }

    /// Rows (leaves, CAs and CRLs) whose residual time is below `window`, expired ones included.
    pub fn expiring_within(&self, window: GoDuration) -> Vec<&ExpiryRow> {
        let limit = window.as_nanos() / 1_000_000_000;
        self.certificates
            .iter()
            .chain(&self.certificate_authorities)
            .chain(&self.crls)
            .filter(|r| r.residual_seconds < limit)
            .collect()
    }

    /// The two tables.
    pub fn to_text(&self) -> String {
        let leaf_rows: Vec<[String; 5]> = self
            .certificates
            .iter()
            .map(|r| {
                // Names and paths come from certificates and directories: anyone's text.
                [
                    escape_controls(&r.certificate).into_owned(),
                    expires(r),
                    residual(r.residual_seconds),
                    escape_controls(&r.certificate_authority).into_owned(),
                    escape_controls(&r.file).into_owned(),
                ]
            })
            .collect();
        let ca_rows: Vec<[String; 4]> = self
            .certificate_authorities
            .iter()
            .map(|r| {
                [
                    escape_controls(&r.certificate).into_owned(),
                    expires(r),
                    residual(r.residual_seconds),
                    escape_controls(&r.file).into_owned(),
                ]
            })
            .collect();
        let mut out = table(
            [
                "CERTIFICATE",
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
            let crl_rows: Vec<[String; 4]> = self
                .crls
                .iter()
                .map(|r| {
                    [
                        r.certificate.clone(),
                        expires(r),
                        residual(r.residual_seconds),
                        r.file.clone(),
                    ]
                })
                .collect();
            out.push('\n');
            out.push_str(&table(
                ["CRL", "NEXT UPDATE", "RESIDUAL TIME", "FILE"],
                &crl_rows,
            ));
        }
        out
    }

    /// JSON, one object with `certificates` and `certificate_authorities`.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the report always serialises");
        text.push('\n');
        text
    }
}

/// `Dec 30, 2026 23:36 UTC`, as kubeadm prints it.
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

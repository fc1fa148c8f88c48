//! `expiry`: when each certificate expires, for people (a table like `kubeadm certs
//! check-expiration`) and for monitoring (JSON, a Prometheus text exposition for
//! node_exporter's textfile collector, Markdown for CI job summaries, and a failing exit under
//! `--fail-within`).
//!
//! Takes [`FoundCertificate`]s (and, with [`ExpiryReport::with_crls`], CRLs) and the time to
//! judge at; returns an [`ExpiryReport`] with leaves, CAs and CRLs apart, soonest first, each
//! certificate with its [`Role`] as lint judges it without a configuration (`pki::role`). A
//! CRL's row is its nextUpdate: after it, openssl and Go's verifiers refuse the CRL (etcd does
//! not look), so it must be re-signed before (`etcdpki renew` does). The renderings are in
//! [`render`].

pub mod render;

use std::collections::HashSet;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

use crate::config::GoDuration;
use crate::pki::role::{
    Roles, Seen, members_from_peer_names, members_with_peer_files, roles_without_configuration,
};
use crate::pki::scan::FoundCertificate;
use crate::x509::crl::Crl;

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A CA: CA:TRUE, or the issuer of another certificate found.
    Ca,
    /// A leaf, with the roles its EKU and file name give (none when they cannot tell).
    Leaf(Roles),
    /// A CRL (by its nextUpdate).
    Crl,
}

impl Role {
    /// `ca`, `server`, `peer`, `client`, several joined by `+` (`server+peer`), `leaf` for a
    /// leaf whose role cannot be told, `crl`.
    pub fn label(self) -> String {
        match self {
            Role::Ca => "ca".into(),
            Role::Leaf(roles) => roles.label().unwrap_or_else(|| "leaf".into()),
            Role::Crl => "crl".into(),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

/// One certificate's (or CRL's) expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiryRow {
    /// The subject's CN (or whole subject).
    pub certificate: String,
    /// The file, with `#N` for the N-th (from 1) certificate of a bundle after the first.
    pub file: String,
    /// What it is for.
    pub role: Role,
    /// notBefore, RFC 3339 UTC (a CRL's thisUpdate).
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    /// notAfter, RFC 3339 UTC (a CRL's nextUpdate).
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// Seconds from the judging time to notAfter; negative once expired.
    pub residual_seconds: i64,
    /// The issuer's CN (or whole issuer); for a self-signed CA, itself.
    pub certificate_authority: String,
}

/// All rows, leaves and CAs apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    /// The time the report is judged at (now, or `--at`).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
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
    /// The report for `found`, judged at `at`.
    pub fn new(found: &[FoundCertificate], at: OffsetDateTime) -> Self {
        let mut report = Self {
            at,
            certificates: Vec::new(),
            certificate_authorities: Vec::new(),
            crls: Vec::new(),
        };
        for (c, role) in found.iter().zip(roles(found)) {
            let file = if c.index == 0 {
                c.file.display().to_string()
            } else {
                format!("{}#{}", c.file.display(), c.index + 1)
            };
            let row = ExpiryRow {
                certificate: c.name.clone(),
                file,
                role,
                valid_from: c.not_before,
                expires: c.not_after,
                residual_seconds: (c.not_after - at).whole_seconds(),
                certificate_authority: c.issuer_name.clone(),
            };
            if role == Role::Ca {
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

    /// The report with the CRLs `crls` (file, CRL) added; a CRL without a nextUpdate never
    /// runs out and has no row.
    pub fn with_crls(mut self, crls: &[(std::path::PathBuf, Crl)]) -> Self {
        for (file, crl) in crls {
            let Some(next) = crl.next_update else {
                continue;
            };
            let issuer = crate::pki::scan::short_name_of(&crl.issuer_der);
            self.crls.push(ExpiryRow {
                certificate: format!("CRL of {issuer} ({} revoked)", crl.entries.len()),
                file: file.display().to_string(),
                role: Role::Crl,
                valid_from: crl.this_update,
                expires: next,
                residual_seconds: (next - self.at).whole_seconds(),
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
}

/// The role of each of `found`, in order: a CA when CA:TRUE or when it issued another one
/// found (a CA without BasicConstraints still signs), else what its EKU and file name say
/// as lint judges them without a configuration. Members are the `NAME`s of `NAME-peer.pem`
/// files, so `NAME.pem` beside one is that member's server certificate.
fn roles(found: &[FoundCertificate]) -> Vec<Role> {
    let firsts = || {
        found
            .iter()
            .filter(|c| c.index == 0)
            .map(|c| c.file.as_path())
    };
    let members = members_from_peer_names(firsts());
    let own_peer = members_with_peer_files(members.iter().map(String::as_str), firsts());
    let issuers: HashSet<&[u8]> = found
        .iter()
        .filter(|c| c.issuer_der != c.subject_der)
        .map(|c| c.issuer_der.as_slice())
        .collect();
    found
        .iter()
        .map(|c| {
            if c.is_ca || issuers.contains(c.subject_der.as_slice()) {
                return Role::Ca;
            }
            let seen = Seen {
                file: &c.file,
                index: c.index,
                is_ca: false,
                eku: c.eku,
            };
            let (roles, _) =
                roles_without_configuration(seen, members.iter().map(String::as_str), &own_peer);
            Role::Leaf(roles)
        })
        .collect()
}

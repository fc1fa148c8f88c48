//! renew's CRL step: the CRLs of the CA stay fresh, and, with `--revoke-replaced`, the
//! certificates this run replaced are revoked.
//!
//! Takes the run's [`RenewReport`] (its `Renewed` events name the replaced serials), the CA's
//! CRL files (those among the run's files that the CA signed, and `crl.pem` beside the CA) and
//! the window; returns events. A CRL is re-signed when what is left of it (nextUpdate - now)
//! falls within the window applied to its validity (nextUpdate - thisUpdate), as a certificate
//! is renewed; all of the CA's CRLs are then re-signed together from its revocation list
//! ([`crate::pki::revocation`]), with the longest validity among them, so they never disagree.
//! The caller holds the lock of the CA's directory, where the list lives.

use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

use super::RenewPolicy;
use super::run::{RenewEvent, RenewReport, RunMode};
use crate::pki::revocation::{CrlFile, RevocationList, Revoked, publish};
use crate::x509::crl::{Crl, CrlEncoding, CrlEntry, Reason, looks_like_crl, parse_crl};

/// A new CRL's validity when the CA has none yet: `revoke`'s default `--next-update`.
pub const DEFAULT_CRL_VALIDITY: Duration = Duration::days(30);

/// The CA's CRL files: those of `files` that its key signed, and `crl.pem` beside `ca_file`.
pub fn crls_of(policy: &RenewPolicy<'_>, ca_file: &Path, files: &[PathBuf]) -> Vec<(PathBuf, Crl)> {
    let beside = ca_file.with_file_name("crl.pem");
    let mut out: Vec<(PathBuf, Crl)> = Vec::new();
    let key = policy.issuer.key().public_key();
    for file in files.iter().chain(std::iter::once(&beside)) {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        if !looks_like_crl(&bytes) {
            continue;
        }
        let Ok(crl) = parse_crl(&bytes) else { continue };
        let same = |p: &Path| std::fs::canonicalize(p).ok() == std::fs::canonicalize(file).ok();
        if key
            .verify(&crl.signature_oid, &crl.tbs, &crl.signature)
            .is_ok()
            && !out.iter().any(|(p, _)| same(p))
        {
            out.push((file.clone(), crl));
        }
    }
    out
}

/// Re-signs the CA's CRLs when one is due, or when `revoke_replaced` and this run replaced
/// certificates (then `crl.pem` beside the CA is written if the CA has no CRL yet).
pub fn refresh_crls(
    policy: &RenewPolicy<'_>,
    ca_file: &Path,
    crls: &[(PathBuf, Crl)],
    report: &mut RenewReport,
    revoke_replaced: bool,
    mode: RunMode,
    now: OffsetDateTime,
) {
    let mut due = false;
    for (file, crl) in crls {
        let Some(next) = crl.next_update else {
            continue;
        };
        let lifetime = next - crl.this_update;
        let remaining = next - now;
        let window = policy.window.for_lifetime(lifetime);
        let is_due = policy.window.is_due(lifetime, remaining);
        due |= is_due;
        report.events.push(match (is_due, mode) {
            (true, RunMode::DryRun) => RenewEvent::CrlWouldRefresh {
                file: file.clone(),
                remaining,
                window,
            },
            (false, _) => RenewEvent::CrlNotDue {
                file: file.clone(),
                remaining,
                window,
            },
            (true, RunMode::Write) => continue,
        });
    }
    let replaced: Vec<Revoked> = if revoke_replaced {
        report
            .events
            .iter()
            .filter_map(|e| match e {
                RenewEvent::Renewed {
                    cert_file,
                    name,
                    replaced_serial,
                    ..
                } => Some(Revoked {
                    entry: CrlEntry {
                        serial: replaced_serial.clone(),
                        revoked_at: now,
                        reason: Reason::Superseded,
                    },
                    subject: Some(name.clone()),
                    file: Some(cert_file.display().to_string()),
                }),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    if mode == RunMode::DryRun || (!due && replaced.is_empty()) {
        return;
    }
    let files: Vec<CrlFile> = if crls.is_empty() {
        vec![CrlFile {
            path: ca_file.with_file_name("crl.pem"),
            der: false,
        }]
    } else {
        crls.iter()
            .map(|(path, crl)| CrlFile {
                path: path.clone(),
                der: crl.encoding == CrlEncoding::Der,
            })
            .collect()
    };
    let validity = crls
        .iter()
        .filter_map(|(_, c)| c.next_update.map(|n| n - c.this_update))
        .max()
        .filter(|v| v.is_positive())
        .unwrap_or(DEFAULT_CRL_VALIDITY);
    let published = RevocationList::load(policy.issuer, ca_file).and_then(|mut list| {
        let revoked: Vec<Revoked> = replaced
            .into_iter()
            .filter(|r| list.add(r.clone()))
            .collect();
        publish(policy.issuer, &mut list, &files, now, validity).map(|p| (p, revoked))
    });
    match published {
        Ok((p, revoked)) => report.events.push(RenewEvent::CrlPublished {
            files: files.into_iter().map(|f| f.path).collect(),
            number: p.number,
            next_update: p.next_update,
            entries: p.entries,
            revoked,
        }),
        Err(e) => report.events.push(RenewEvent::Failed(e.to_string())),
    }
}

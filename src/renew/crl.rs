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
pub use crate::pki::revocation::ca_crls;
use crate::pki::revocation::{CrlFile, RevocationList, Revoked, publish};
use crate::x509::crl::{Crl, CrlEncoding, CrlEntry, Reason};

/// A new CRL's validity when the CA has none yet: `revoke`'s default `--next-update`.
pub const DEFAULT_CRL_VALIDITY: Duration = Duration::days(30);

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
    let due = judge(policy, crls, report, mode, now);
    let replaced = if revoke_replaced {
        replaced(report, now)
    } else {
        Vec::new()
    };
    if mode == RunMode::DryRun || (!due && replaced.is_empty()) {
        return;
    }
    let event = republish(policy, ca_file, crls, replaced, now);
    report.events.push(event);
}

/// An event per CRL (not due; in a dry run, would re-sign); true when one is due.
fn judge(
    policy: &RenewPolicy<'_>,
    crls: &[(PathBuf, Crl)],
    report: &mut RenewReport,
    mode: RunMode,
    now: OffsetDateTime,
) -> bool {
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
        let file = file.clone();
        match (is_due, mode) {
            (false, _) => report.events.push(RenewEvent::CrlNotDue {
                file,
                remaining,
                window,
            }),
            (true, RunMode::DryRun) => report.events.push(RenewEvent::CrlWouldRefresh {
                file,
                remaining,
                window,
            }),
            (true, RunMode::Write) => {}
        }
    }
    due
}

/// The certificates this run replaced, as revocations (superseded, RFC 5280 §5.3.1).
fn replaced(report: &RenewReport, now: OffsetDateTime) -> Vec<Revoked> {
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
}

/// Adds `replaced` to the CA's list and re-signs every CRL of the CA (or writes `crl.pem`
/// beside it), for the longest validity among them.
fn republish(
    policy: &RenewPolicy<'_>,
    ca_file: &Path,
    crls: &[(PathBuf, Crl)],
    replaced: Vec<Revoked>,
    now: OffsetDateTime,
) -> RenewEvent {
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
        Ok((p, revoked)) => RenewEvent::CrlPublished {
            files: files.into_iter().map(|f| f.path).collect(),
            number: p.number,
            next_update: p.next_update,
            entries: p.entries,
            revoked,
        },
        Err(e) => RenewEvent::Failed(e.to_string()),
    }
}

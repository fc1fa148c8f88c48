//! `expiry`: when each certificate under the given paths expires.

use etcdpki::config::GoDuration;
use etcdpki::config::duration::residual;
use etcdpki::expiry::ExpiryReport;
use std::path::PathBuf;

use etcdpki::diag::escape_controls;
use etcdpki::pki::FsError;
use etcdpki::pki::fs::read_path_following;
use etcdpki::pki::scan::{FoundCertificate, certificates_in, collect_files, is_key_name};
use etcdpki::x509::crl::{Crl, looks_like_crl, parse_crl};
use time::OffsetDateTime;

use super::args::{ExpiryArgs, ExpiryFormat};
use super::log::eprint_line;
use super::{Failure, write_stdout};

/// What to do about an expiring CA: renew never renews one; etcd reads trust files only at
/// start, so a CA is rotated in stages (docs/rotation.md).
const CA_HINT: &str = "rotate it: etcdpki rotate-ca prepare --keep-key re-signs it on its own key (its leaves stay valid), or etcdpki rotate-ca prepare, reissue, finish moves to a new key (docs/rotation.md)";

/// Runs `expiry`.
pub fn run(args: ExpiryArgs) -> Result<(), Failure> {
    let window = args.fail_within.as_ref().map(|w| w.duration);
    let (found, crls) = read(&args.paths)?;
    let at = args.at.unwrap_or_else(OffsetDateTime::now_utc);
    let report = ExpiryReport::new(&found, at).with_crls(&crls);
    let text = match args.format {
        ExpiryFormat::Text => report.to_text(),
        ExpiryFormat::Json => report.to_json(),
        ExpiryFormat::Prometheus => report.to_prometheus(),
        ExpiryFormat::Markdown => report.to_markdown(),
    };
    write_stdout(text.as_bytes())?;
    let Some(window) = window else {
        // Without a window, a CA inside lint's default one (30 days) still gets its way out.
        for row in report.expiring_within(GoDuration::from_hours(30 * 24)) {
            if report.certificate_authorities.contains(row) {
                eprint_line(&format!(
                    "note: {}: the CA {} expires in {}; {}",
                    escape_controls(&row.file),
                    escape_controls(&row.certificate),
                    residual(row.residual_seconds),
                    CA_HINT
                ));
            }
        }
        return Ok(());
    };
    let due = report.expiring_within(window);
    if due.is_empty() {
        return Ok(());
    }
    let within = args
        .fail_within
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    for row in &due {
        let at = row
            .expires
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        // Names and paths come from certificates and directories: anyone's text.
        let (file, name) = (
            escape_controls(&row.file),
            escape_controls(&row.certificate),
        );
        let how = if report.certificate_authorities.contains(row) {
            CA_HINT
        } else if report.crls.contains(row) {
            "re-sign it (etcdpki renew, or etcdpki revoke with no certificate)"
        } else {
            "renew it (etcdpki renew)"
        };
        eprint_line(&if row.residual_seconds <= 0 {
            format!("{file}: {name} expired at {at}; {how}")
        } else {
            format!(
                "{file}: {name} expires at {at} (in {}, within {within}); {how}",
                residual(row.residual_seconds)
            )
        });
    }
    let what = if due.iter().any(|r| report.crls.contains(r)) {
        "certificate(s) or CRL(s)"
    } else {
        "certificate(s)"
    };
    let expired = if due.iter().any(|r| r.residual_seconds <= 0) {
        " or have expired"
    } else {
        ""
    };
    Err(Failure::Run(format!(
        "{} {what} expire within {within}{expired}",
        due.len()
    )))
}

/// The certificates and CRLs under `paths`. Key files are never read (a monitoring user need
/// not be able to, and expiry has no use for them). In a walked directory, a file over the
/// size cap is no certificate file and is passed over, and one this user may not read (a key
/// under a name no tool uses, say) is passed over with a warning; a file named is read or is
/// an error.
fn read(paths: &[PathBuf]) -> Result<Found, Failure> {
    let mut files: Vec<PathBuf> = collect_files(paths)
        .map_err(|e| Failure::Usage(e.to_string()))?
        .into_iter()
        .filter(|f| !is_key_name(f) || paths.contains(f))
        .collect();
    // A file named twice (or named and walked) is one certificate, not two series.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    let mut found = Vec::new();
    let mut crls = Vec::new();
    for file in &files {
        match read_path_following(file) {
            Ok(Some(bytes)) if looks_like_crl(&bytes) => {
                if let Ok(crl) = parse_crl(&bytes) {
                    crls.push((file.clone(), crl));
                }
            }
            Ok(Some(bytes)) => found.extend(certificates_in(file, &bytes)),
            Ok(None) => {}
            Err(FsError::TooLarge { .. }) if !paths.contains(file) => {}
            Err(e) if !paths.contains(file) && permission_denied(&e) => {
                eprint_line(&format!(
                    "warning: {}; passed over",
                    escape_controls(&e.to_string())
                ));
            }
            Err(e) => return Err(Failure::Usage(e.to_string())),
        }
    }
    if found.is_empty() && crls.is_empty() {
        return Err(Failure::Usage(format!(
            "no certificate found in {} file(s) under the given paths",
            files.len()
        )));
    }
    Ok((found, crls))
}

fn permission_denied(e: &FsError) -> bool {
    matches!(e, FsError::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied)
}

/// What `expiry` read: certificates, and CRLs with their files.
type Found = (Vec<FoundCertificate>, Vec<(PathBuf, Crl)>);

//! `expiry`: when each certificate under the given paths expires.

use etcdpki::config::duration::residual;
use etcdpki::expiry::ExpiryReport;
use std::path::PathBuf;

use etcdpki::pki::FsError;
use etcdpki::pki::fs::read_path_following;
use etcdpki::pki::scan::{certificates_in, collect_files, is_key_name};
use etcdpki::x509::crl::{looks_like_crl, parse_crl};
use time::OffsetDateTime;

use super::args::{ExpiryArgs, ExpiryFormat};
use super::log::eprint_line;
use super::{Failure, write_stdout};

/// Runs `expiry`.
pub fn run(args: ExpiryArgs) -> Result<(), Failure> {
    let window = args.fail_within.as_ref().map(|w| w.duration);
    // Key files are never read (a monitoring user need not be able to, and expiry has no use
    // for them); a walked file over the size cap is no certificate file and is passed over,
    // one named is an error.
    let files: Vec<PathBuf> = collect_files(&args.paths)
        .map_err(|e| Failure::Usage(e.to_string()))?
        .into_iter()
        .filter(|f| !is_key_name(f) || args.paths.contains(f))
        .collect();
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
            Err(FsError::TooLarge { .. }) if !args.paths.contains(file) => {}
            Err(e) => return Err(Failure::Usage(e.to_string())),
        }
    }
    if found.is_empty() && crls.is_empty() {
        return Err(Failure::Usage(format!(
            "no certificate found in {} file(s) under the given paths",
            files.len()
        )));
    }
    let now = OffsetDateTime::now_utc();
    let report = ExpiryReport::new(&found, now).with_crls(&crls, now);
    let text = match args.format {
        ExpiryFormat::Text => report.to_text(),
        ExpiryFormat::Json => report.to_json(),
    };
    write_stdout(text.as_bytes())?;
    let Some(window) = window else {
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
        eprint_line(&format!(
            "{}: {} expires at {at} ({}), within {within}",
            row.file,
            row.certificate,
            residual(row.residual_seconds),
        ));
    }
    let what = if due.iter().any(|r| report.crls.contains(r)) {
        "certificate(s) or CRL(s)"
    } else {
        "certificate(s)"
    };
    Err(Failure::Run(format!(
        "{} {what} expire within {within}",
        due.len()
    )))
}

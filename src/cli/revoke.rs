//! `revoke`: the flags become a [`RevokeRequest`]; the library records the revocations and
//! writes the CRL ([`etcdpki::revoke::revoke`]) under the CA directory's lock; this file prints
//! one line per certificate and per CRL written.

use std::path::{Path, PathBuf};

use etcdpki::pki::{CrlFile, DirLock, Revoked};
use etcdpki::revoke::{RevokeRequest, Target, revoke};
use etcdpki::x509::crl::Reason;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::{ReasonArg, RevokeArgs};
use super::inputs::load_issuer_from_bundle;
use super::log::Log;
use super::{Failure, write_stdout};

/// Runs `revoke`.
pub fn run(args: RevokeArgs) -> Result<(), Failure> {
    let usage = "etcdpki revoke -ca=ca.pem -ca-key=ca-key.pem [--reason R] CERT_OR_SERIAL...";
    let (Some(ca_file), Some(ca_key_file)) = (args.ca.as_deref(), args.ca_key.as_deref()) else {
        let missing = if args.ca.is_none() { "-ca" } else { "-ca-key" };
        return Err(Failure::Usage(format!(
            "{missing} is required: the CA signs the CRL and keeps the revocation list\n  help: {usage}"
        )));
    };
    let validity = args.next_update;
    let lock_wait = args.lock_timeout;
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let log = Log::from_flag(1)?;
    let issuer = load_issuer_from_bundle(&log, ca_file, ca_key_file)?;
    let ca_path = Path::new(ca_file.strip_prefix("file:").unwrap_or(ca_file));
    let crl_files = crl_files(ca_path, args.crl, args.crl_der);
    let ca_dir = ca_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let _lock = DirLock::acquire_paths(
        &[ca_dir],
        std::time::Duration::from_nanos(lock_wait.as_nanos().unsigned_abs()),
    )?;
    let outcome = revoke(
        &issuer,
        &RevokeRequest {
            ca_file: ca_path,
            targets: &targets,
            reason: reason(args.reason),
            crl_files: &crl_files,
            validity: time::Duration::nanoseconds(validity.as_nanos()),
            // Whole seconds: what the CRL can say, and what the list then records.
            now: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        },
    )?;
    for w in &outcome.warnings {
        log.warn(w);
    }
    let mut out = String::new();
    for r in &outcome.revoked {
        out.push_str(&format!("revoked {}\n", describe(r)));
    }
    for r in &outcome.already {
        out.push_str(&format!(
            "already revoked {} (kept: revoked at {})\n",
            describe(r),
            stamp(r.entry.revoked_at)
        ));
    }
    let p = &outcome.publication;
    for r in &p.adopted {
        out.push_str(&format!(
            "kept {} from an existing CRL (it was missing from {})\n",
            describe(r),
            outcome.list.display()
        ));
    }
    for f in &p.written {
        out.push_str(&format!("wrote {}\n", f.display()));
    }
    out.push_str(&format!(
        "CRL number {}: {} revoked, next update {}\n",
        p.number,
        p.entries,
        stamp(p.next_update)
    ));
    write_stdout(out.as_bytes())
}

/// The CRL files: `--crl` (PEM) and `--crl-der`; neither means `crl.pem` beside the CA.
fn crl_files(ca: &Path, pem: Option<PathBuf>, der: Option<PathBuf>) -> Vec<CrlFile> {
    let pem = match (&pem, &der) {
        (None, None) => Some(ca.with_file_name("crl.pem")),
        _ => pem,
    };
    pem.map(|path| CrlFile { path, der: false })
        .into_iter()
        .chain(der.map(|path| CrlFile { path, der: true }))
        .collect()
}

fn reason(arg: ReasonArg) -> Reason {
    match arg {
        ReasonArg::Unspecified => Reason::Unspecified,
        ReasonArg::KeyCompromise => Reason::KeyCompromise,
        ReasonArg::CaCompromise => Reason::CaCompromise,
        ReasonArg::AffiliationChanged => Reason::AffiliationChanged,
        ReasonArg::Superseded => Reason::Superseded,
        ReasonArg::CessationOfOperation => Reason::CessationOfOperation,
        ReasonArg::PrivilegeWithdrawn => Reason::PrivilegeWithdrawn,
    }
}

/// `3039 (CN=client-1, client-1.pem): keyCompromise`.
fn describe(r: &Revoked) -> String {
    let about: Vec<&str> = [r.subject.as_deref(), r.file.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let about = if about.is_empty() {
        String::new()
    } else {
        format!(" ({})", about.join(", "))
    };
    format!("{}{about}: {}", r.entry.serial, r.entry.reason.rfc_name())
}

fn stamp(t: OffsetDateTime) -> String {
    // RFC 3339 has no year after 9999; such a time is shown in Unix seconds, never as
    // `time`'s own Display.
    t.format(&Rfc3339)
        .unwrap_or_else(|_| format!("{} (Unix time)", t.unix_timestamp()))
}

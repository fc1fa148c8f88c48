//! `renew`: the flags become a [`RenewPolicy`], the library renews
//! ([`etcdpki::renew::renew_files`]) and runs the `--exec` hook; this file renders the events:
//! one line per certificate on stdout, failures and warnings on stderr.

use std::path::Path;

use etcdpki::Profile;
use etcdpki::config::GoDuration;
use etcdpki::config::duration::{format_window, residual};
use etcdpki::diag::{escape_controls, quote};
use etcdpki::pki::DirLock;
use etcdpki::pki::fs::Trees;
use etcdpki::pki::scan::collect_files;
use etcdpki::renew::{
    OtherCa, RenewEvent, RenewPolicy, RenewReport, RunMode, ca_crls, lock_and_recover,
    next_ca_files, refresh_crls, renew_files, run_hook,
};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::args::RenewArgs;
use super::inputs::{load_issuer_from_bundle, load_policy, select_profile};
use super::log::{Log, eprint_line, recovery_note};
use super::{Failure, write_stdout};

/// Runs `renew`.
pub fn run(args: RenewArgs) -> Result<(), Failure> {
    let (ca_file, ca_key_file) = ca_flags(&args)?;
    let window = args.before.unwrap_or_default();
    let expiry = args.expiry;
    let lock_wait = args.lock_timeout;
    let log = Log::from_flag(1)?;
    let profile = leaf_profile(&log, &args)?;
    check_lifetime(profile.as_ref(), expiry)?;
    let files = collect_files(&args.paths).map_err(|e| Failure::Usage(e.to_string()))?;
    let issuer = load_issuer_from_bundle(&log, ca_file, ca_key_file)?;
    let mode = if args.dry_run {
        RunMode::DryRun
    } else {
        RunMode::Write
    };

    let trees = Trees::open(&args.paths)?;

    // Held until the end of the run, hook included, so two runs never interleave; what a
    // killed run left is finished or dropped before anything is read.
    let (_lock, recovered) = match mode {
        RunMode::DryRun => (None, Vec::new()),
        RunMode::Write => {
            let wait = std::time::Duration::from_nanos(lock_wait.as_nanos().unsigned_abs());
            let (lock, events) = lock_and_recover(&trees, &files, wait)?;
            (Some(lock), events)
        }
    };

    let policy = RenewPolicy {
        issuer: &issuer,
        window,
        expiry,
        profile: profile.as_ref(),
        reuse_key: args.reuse_key,
        renew_expired: args.renew_expired,
    };
    // Whole seconds: what a CRL can say, and what the revocation list then records.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let ca_path = Path::new(ca_file.strip_prefix("file:").unwrap_or(ca_file));
    let mut report = renew_files(ca_path, &trees, &files, &policy, mode, now);
    // During a CA rotation the next CA's leaves are renewed with it, so cron keeps renewing
    // (and alerting only on real failures) between `rotate-ca reissue` and `finish`.
    let key_path = Path::new(ca_key_file.strip_prefix("file:").unwrap_or(ca_key_file));
    if let Some((next_cert, next_key)) = next_ca_files(ca_path, key_path) {
        let next_issuer = load_issuer_from_bundle(
            &log,
            &next_cert.display().to_string(),
            &next_key.display().to_string(),
        )?;
        let next_policy = RenewPolicy {
            issuer: &next_issuer,
            ..policy
        };
        report.merge_next(renew_files(
            &next_cert,
            &trees,
            &files,
            &next_policy,
            mode,
            now,
        ));
    }
    report.events.splice(0..0, recovered);
    let crls = ca_crls(&issuer, ca_path, &files);
    // The revocation list lives beside the CA: its directory is locked too (a directory
    // already held is not locked twice).
    let _ca_lock = match mode {
        RunMode::Write if args.revoke_replaced || !crls.is_empty() => {
            Some(lock_ca_directory(ca_path, lock_wait)?)
        }
        _ => None,
    };
    refresh_crls(
        &policy,
        ca_path,
        &crls,
        &mut report,
        args.revoke_replaced,
        mode,
        now,
    );
    let mut failures = report.failures();
    write_stdout(render(&report, mode).as_bytes())?;
    if let Some(note) = other_ca_note(&report, ca_file, ca_key_file, &args.paths) {
        eprint_line(&note);
    }
    if failures == 0 && report.issued_found() == 0 && !args.allow_empty {
        return Err(nothing_issued(ca_file, &args.paths));
    }
    if let Some(cmd) = &args.exec
        && !report.renewed().is_empty()
        && mode == RunMode::Write
        && let Err(e) = run_hook(cmd, &report)
    {
        eprint_line(&format!("error: {e}"));
        failures += 1;
    }
    if failures > 0 {
        let done = match mode {
            RunMode::DryRun => "nothing was written (dry run)",
            RunMode::Write => "the certificates listed as renewed were renewed",
        };
        return Err(Failure::Run(format!("{failures} failure(s); {done}")));
    }
    Ok(())
}

/// What to do about the leaves another CA issued: those named like `--ca` but signed by
/// another key are a CA rotation left half done (or a CA replaced under its name), which
/// `rotate-ca` finishes; the others belong to another CA, renewed with that CA or moved here
/// by a rotation.
fn other_ca_note(
    report: &RenewReport,
    ca_file: &str,
    ca_key_file: &str,
    paths: &[std::path::PathBuf],
) -> Option<String> {
    let others = report.other_ca();
    if others.is_empty() {
        return None;
    }
    let count = |kind: OtherCa| others.iter().filter(|(_, k)| *k == kind).count();
    let paths: Vec<String> = paths
        .iter()
        .map(|p| escape_controls(&p.display().to_string()).into_owned())
        .collect();
    let status = format!(
        "etcdpki rotate-ca status --ca {} --ca-key {} {}",
        escape_controls(ca_file),
        escape_controls(ca_key_file),
        paths.join(" ")
    );
    let mut lines = vec![format!(
        "note: {} certificate(s) under these paths were issued by another CA and are not renewed by this run",
        others.len()
    )];
    let same = count(OtherCa::SameNameOtherKey);
    if same > 0 {
        lines.push(format!(
            "  {same} of them name --ca's subject as issuer but another key signed them: a CA was replaced under the same name and they are left from the other one; `{status}` shows where the rotation stands, and `etcdpki rotate-ca reissue` re-issues them"
        ));
    }
    let next = count(OtherCa::NextCa);
    if next > 0 {
        lines.push(format!(
            "  {next} of them are from the next CA of the rotation in progress: renew them with its files as --ca and --ca-key, or finish the rotation (etcdpki rotate-ca finish)"
        ));
    }
    if count(OtherCa::Unrelated) > 0 {
        lines.push(
            "  renew the others with their own CA's --ca and --ca-key, or move them to this CA with `etcdpki rotate-ca` (docs/rotation.md)".into(),
        );
    }
    Some(lines.join("\n"))
}

/// `--ca` and `--ca-key`, both required.
fn ca_flags(args: &RenewArgs) -> Result<(&str, &str), Failure> {
    let usage = "etcdpki renew --ca ca.pem --ca-key ca-key.pem PATH...";
    match (args.ca.as_deref(), args.ca_key.as_deref()) {
        (Some(ca), Some(key)) => Ok((ca, key)),
        (ca, _) => {
            let missing = if ca.is_none() { "--ca" } else { "--ca-key" };
            Err(Failure::Usage(format!(
                "{missing} is required: renew signs with the CA that issued the certificates\n  help: {usage}"
            )))
        }
    }
}

/// notBefore is moved back by the backdate (5m by default, cfssl signer.go), and the
/// lifetime counts from it: a lifetime no longer than that is over when it is written.
fn check_lifetime(profile: Option<&Profile>, expiry: Option<GoDuration>) -> Result<(), Failure> {
    let backdate = profile.map_or_else(|| Profile::cfssl_default().backdate(), Profile::backdate);
    let lifetime = expiry.or_else(|| profile.map(Profile::expiry));
    match lifetime {
        Some(lifetime) if lifetime.to_time() <= backdate.to_time() => Err(Failure::Usage(format!(
            "--expiry {lifetime}: not longer than the {backdate} backdate: the certificate would have expired when it is written; give a longer lifetime"
        ))),
        _ => Ok(()),
    }
}

/// The CA's directory, locked: its revocation list lives there (a directory already held is
/// not locked twice).
fn lock_ca_directory(ca_path: &Path, wait: GoDuration) -> Result<DirLock, Failure> {
    let dir = ca_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let wait = std::time::Duration::from_nanos(wait.as_nanos().unsigned_abs());
    Ok(DirLock::acquire_paths(&[dir], wait)?)
}

/// A run that found no certificate of the CA: in cron, a mistyped path or the wrong `--ca`
/// would otherwise report `renewed 0` and exit 0 for ever (issue 18).
fn nothing_issued(ca_file: &str, paths: &[std::path::PathBuf]) -> Failure {
    let names: Vec<String> = paths
        .iter()
        .map(|p| format!("\"{}\"", escape_controls(&p.display().to_string())))
        .collect();
    Failure::Run(format!(
        "no certificate under {} was issued by the CA in \"{}\"; check the paths and --ca\n  help: --allow-empty accepts a run with nothing to renew",
        names.join(", "),
        escape_controls(ca_file)
    ))
}

/// The `-config`/`-profile` profile successors are issued under, if given: a leaf profile.
fn leaf_profile(log: &Log, args: &RenewArgs) -> Result<Option<Profile>, Failure> {
    let (Some(config), Some(name)) = (&args.config, &args.profile) else {
        return Ok(None);
    };
    let policy = load_policy(log, Some(config))?;
    let profile = select_profile(log, &policy, Some(name), None)?;
    if profile.ca().is_some() {
        return Err(Failure::Usage(format!(
            "{config}: signing.{} issues CAs; renew renews leaves only",
            profile.path()
        )));
    }
    Ok(Some(profile))
}

/// The report's lines for stdout; failures and warnings go to stderr as they are met.
fn render(report: &RenewReport, mode: RunMode) -> String {
    let mut out = String::new();
    for event in &report.events {
        match line_of(event) {
            Ok(line) => {
                out.push_str(&line);
                out.push('\n');
            }
            Err(message) => eprint_line(&message),
        }
    }
    let verb = match mode {
        RunMode::DryRun => "would renew",
        RunMode::Write => "renewed",
    };
    out.push_str(&format!(
        "{verb} {}, not due {}, failed {}\n",
        report.renewed().len(),
        report.not_due(),
        report.failures()
    ));
    out
}

/// An event's line for stdout, or its message for stderr.
// Long: one arm per `RenewEvent` variant: every line renew prints is worded here, together.
fn line_of(event: &RenewEvent) -> Result<String, String> {
    let days = |d: Duration| residual(d.whole_seconds());
    // "expires in expired" is no sentence: time left reads as a tense of its own once past.
    let expires = |d: Duration| match d.whole_seconds() {
        s if s <= 0 => "has expired".to_owned(),
        s => format!("expires in {}", residual(s)),
    };
    let next_update = |d: Duration| match d.whole_seconds() {
        s if s <= 0 => "its next update has passed".to_owned(),
        s => format!("next update in {}", residual(s)),
    };
    // A window is shown as it is meant (`400d`), not rounded as time left is (`1y`).
    let exact = |d: Duration| {
        format_window(GoDuration::from_nanos(
            i64::try_from(d.whole_nanoseconds()).unwrap_or(i64::MAX),
        ))
    };
    // Names and paths come from certificates and directories: anyone's text.
    let esc = |s: &str| escape_controls(s).into_owned();
    Ok(match event {
        RenewEvent::Recovered(done) => recovery_note(done),
        RenewEvent::NotDue {
            cert_file,
            name,
            remaining,
            window,
        } => format!(
            "not due   {}: {} {} (window {})",
            esc(&cert_file.display().to_string()),
            esc(name),
            expires(*remaining),
            exact(*window)
        ),
        RenewEvent::WouldRenew {
            cert_file,
            name,
            remaining,
            window,
        } => format!(
            "would renew {}: {} {} (window {})",
            esc(&cert_file.display().to_string()),
            esc(name),
            expires(*remaining),
            exact(*window)
        ),
        RenewEvent::Renewed {
            cert_file,
            name,
            remaining,
            not_after,
            serial,
            new_key_file,
            ..
        } => format!(
            "renewed   {}: {} {}; now valid until {}, serial {serial}, {}",
            esc(&cert_file.display().to_string()),
            esc(name),
            if remaining.is_positive() {
                format!("was expiring in {}", days(*remaining))
            } else {
                "had expired".to_owned()
            },
            not_after.format(&Rfc3339).unwrap_or_default(),
            if new_key_file.is_some() {
                "new key"
            } else {
                "same key"
            }
        ),
        RenewEvent::CaExpiring {
            file,
            name,
            remaining,
            not_after,
        } => {
            return Err(format!(
                "warning: {}: the CA {} {} ({}); renew never renews CAs: rotate it with etcdpki rotate-ca (rotate-ca prepare --keep-key re-signs it on its own key; docs/rotation.md)",
                esc(&file.display().to_string()),
                quote(name),
                expires(*remaining),
                not_after.format(&Rfc3339).unwrap_or_default()
            ));
        }
        RenewEvent::OtherCa {
            cert_file, issuer, ..
        } => format!(
            "other CA  {}  (issuer: {})",
            esc(&cert_file.display().to_string()),
            esc(issuer)
        ),
        RenewEvent::RotationInProgress { next_file } => {
            return Err(format!(
                "note: {} lies beside --ca: a CA rotation is in progress (etcdpki rotate-ca status shows its stage); the leaves of each CA are renewed with that CA, and `etcdpki rotate-ca reissue` moves every leaf to the next CA",
                esc(&next_file.display().to_string())
            ));
        }
        RenewEvent::ExposedKeyDirectory(dir) => {
            return Err(super::log::exposed_key_warning(dir));
        }
        RenewEvent::CrlNotDue {
            file,
            remaining,
            window,
        } => format!(
            "not due   {}: CRL, {} (window {})",
            esc(&file.display().to_string()),
            next_update(*remaining),
            exact(*window)
        ),
        RenewEvent::CrlWouldRefresh {
            file,
            remaining,
            window,
        } => format!(
            "would re-sign {}: CRL, {} (window {})",
            esc(&file.display().to_string()),
            next_update(*remaining),
            exact(*window)
        ),
        RenewEvent::CrlPublished {
            files,
            number,
            next_update,
            entries,
            revoked,
        } => {
            let mut lines: Vec<String> = revoked
                .iter()
                .map(|r| {
                    format!(
                        "revoked   {}: serial {} (superseded)",
                        esc(r.file.as_deref().unwrap_or("?")),
                        r.entry.serial
                    )
                })
                .collect();
            let names: Vec<String> = files
                .iter()
                .map(|f| esc(&f.display().to_string()))
                .collect();
            lines.push(format!(
                "re-signed {}: CRL number {number}, {entries} revoked, next update {}",
                names.join(", "),
                next_update.format(&Rfc3339).unwrap_or_default()
            ));
            lines.join("\n")
        }
        RenewEvent::LongExpired {
            cert_file,
            name,
            expired_for,
            window,
        } => format!(
            "expired   {}: {} expired {} ago, longer ago than its window ({}); left alone (--renew-expired renews it)",
            esc(&cert_file.display().to_string()),
            esc(name),
            days(*expired_for),
            exact(*window)
        ),
        RenewEvent::Warning(message) => return Err(format!("warning: {message}")),
        RenewEvent::Failed(message) => {
            return Err(format!("error: {message}"));
        }
    })
}

//! `renew`: replaces the leaves under the given paths that a CA issued and that are due, then
//! runs the `--exec` hook once. Reports one line per certificate on stdout; failures and CA
//! warnings go to stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

use etcdpki::config::duration::residual;
use etcdpki::pki::Recovery;
use etcdpki::pki::scan::{FoundCertificate, certificates_in, collect_files, describe};
use etcdpki::pki::{Leaf, RenewLock};
use etcdpki::renew::{RenewPolicy, RenewWindow, recover_interrupted};
use etcdpki::sign::{SerialNumber, SignError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::RenewArgs;
use super::inputs::{load_issuer, load_policy, positive_duration, select_profile};
use super::log::{Log, eprint_line, warn_exposed_keys};
use super::{Failure, write_stdout};

/// Runs `renew`.
pub fn run(args: RenewArgs) -> Result<(), Failure> {
    let usage = "etcdpki renew --ca ca.pem --ca-key ca-key.pem PATH...";
    let (Some(ca_file), Some(ca_key_file)) = (args.ca.as_deref(), args.ca_key.as_deref()) else {
        let missing = if args.ca.is_none() {
            "--ca"
        } else {
            "--ca-key"
        };
        return Err(Failure::Usage(format!(
            "{missing} is required: renew signs with the CA that issued the certificates\n  help: {usage}"
        )));
    };
    let window = match &args.before {
        Some(text) => {
            RenewWindow::parse(text).map_err(|e| Failure::Usage(format!("--before {e}")))?
        }
        None => RenewWindow::default(),
    };
    let expiry = args
        .expiry
        .as_deref()
        .map(|text| positive_duration("--expiry", text))
        .transpose()?;
    let lock_wait = positive_duration("--lock-timeout", &args.lock_timeout)?;
    let log = Log::from_flag(1)?;
    let profile = match (&args.config, &args.profile) {
        (Some(config), Some(name)) => {
            let policy = load_policy(&log, Some(config))?;
            let profile = select_profile(&policy, Some(name), None)?;
            if profile.ca.is_some() {
                return Err(Failure::Usage(format!(
                    "{config}: signing.{} issues CAs; renew renews leaves only",
                    profile.path()
                )));
            }
            Some(profile)
        }
        _ => None,
    };
    let files = collect_files(&args.paths).map_err(|e| Failure::Usage(e.to_string()))?;
    let issuer = load_issuer(&log, ca_file, ca_key_file)?;

    // Held until the end of the run, hook included, so two runs never interleave.
    let _lock = if args.dry_run {
        None
    } else {
        Some(RenewLock::acquire(
            &lock_dirs(&args.paths),
            std::time::Duration::from_nanos(lock_wait.as_nanos().unsigned_abs()),
        )?)
    };

    let policy = RenewPolicy {
        issuer: &issuer,
        window,
        expiry,
        profile: profile.as_ref(),
        reuse_key: args.reuse_key,
    };
    let now = OffsetDateTime::now_utc();
    let mut run = Run::default();
    if let Some(ca) = describe(Path::new(ca_file), 0, issuer.certificate_der()) {
        warn_about_ca(&ca, window, now);
    }
    for file in &files {
        let Some(bytes) = run.read(file) else {
            continue;
        };
        // Only a file that holds a certificate can have a renewal to finish; its key and
        // request files are the swap's other members, never its commit record.
        if certificates_in(file, &bytes).is_empty() {
            continue;
        }
        let bytes = if args.dry_run {
            bytes
        } else {
            match recover_interrupted(file) {
                Ok(Recovery::RolledForward) => {
                    run.line(format!(
                        "completed {}: an interrupted renewal was finished",
                        file.display()
                    ));
                    let Some(bytes) = run.read(file) else {
                        continue;
                    };
                    bytes
                }
                Ok(Recovery::RolledBack | Recovery::Clean) => bytes,
                Err(e) => {
                    run.fail(&e.to_string());
                    continue;
                }
            }
        };
        let Some(first) = certificates_in(file, &bytes).into_iter().next() else {
            continue;
        };
        if first.is_ca {
            if first.der != issuer.certificate_der() {
                warn_about_ca(&first, window, now);
            }
            continue;
        }
        if first.issuer_der != issuer.subject_der() {
            continue;
        }
        match Leaf::read(file, &bytes) {
            Ok(leaf) if leaf.is_signed_by(issuer.key().public_key()) => {
                run.consider(&policy, &leaf, now, args.dry_run);
            }
            // Same issuer name, another key: not this CA's certificate.
            Ok(_) => {}
            Err(reason) => run.fail(&format!("{}: {reason}", file.display())),
        }
    }
    run.summary(args.dry_run)?;
    if let Some(cmd) = &args.exec
        && !run.renewed.is_empty()
        && !args.dry_run
    {
        run.hook(cmd);
    }
    if run.failures > 0 {
        return Err(Failure::Run(format!(
            "{} failure(s); the certificates listed as renewed were renewed",
            run.failures
        )));
    }
    Ok(())
}

/// What a run did, for the report and the hook.
#[derive(Default)]
struct Run {
    /// Renewed certificate files and, for each, the key file if it got a new key.
    renewed: Vec<(PathBuf, Option<PathBuf>)>,
    not_due: usize,
    failures: usize,
    report: String,
}

impl Run {
    fn line(&mut self, line: String) {
        self.report.push_str(&line);
        self.report.push('\n');
    }

    fn read(&mut self, file: &Path) -> Option<Vec<u8>> {
        match std::fs::read(file) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.fail(&format!("{}: cannot read: {e}", file.display()));
                None
            }
        }
    }

    fn fail(&mut self, message: &str) {
        eprint_line(&format!("error: {message}"));
        self.failures += 1;
    }

    fn consider(&mut self, policy: &RenewPolicy<'_>, leaf: &Leaf, now: OffsetDateTime, dry: bool) {
        let file = leaf.cert_file.display();
        let remaining = residual((leaf.not_after - now).whole_seconds());
        let (due, window) = policy.due(leaf, now);
        let window = residual(window.whole_seconds());
        if !due {
            self.not_due += 1;
            self.line(format!(
                "not due   {file}: {} expires in {remaining} (window {window})",
                leaf.name
            ));
            return;
        }
        if dry {
            self.renewed.push((leaf.cert_file.clone(), None));
            self.line(format!(
                "would renew {file}: {} expires in {remaining} (window {window})",
                leaf.name
            ));
            return;
        }
        let result = SerialNumber::random()
            .map_err(|_| SignError::Random.to_string())
            .and_then(|s| policy.successor(leaf, now, s).map_err(|e| e.to_string()))
            .and_then(|next| {
                warn_exposed_keys(&next.files);
                next.install().map(|()| next).map_err(|e| e.to_string())
            });
        match result {
            Ok(next) => {
                let until = next
                    .certificate
                    .validity()
                    .not_after
                    .format(&Rfc3339)
                    .unwrap_or_default();
                let key = if next.new_key_file.is_some() {
                    "new key"
                } else {
                    "same key"
                };
                self.line(format!(
                    "renewed   {file}: {} was expiring in {remaining}; now valid until {until}, serial {}, {key}",
                    leaf.name,
                    next.certificate.serial()
                ));
                self.renewed
                    .push((leaf.cert_file.clone(), next.new_key_file.clone()));
            }
            Err(e) => self.fail(&e),
        }
    }

    fn summary(&mut self, dry: bool) -> Result<(), Failure> {
        let verb = if dry { "would renew" } else { "renewed" };
        let line = format!(
            "{verb} {}, not due {}, failed {}",
            self.renewed.len(),
            self.not_due,
            self.failures
        );
        self.line(line);
        write_stdout(self.report.as_bytes())
    }

    /// `sh -c CMD` with the renewed files in its environment; a failure counts as one.
    fn hook(&mut self, cmd: &str) {
        let join = |paths: Vec<&Path>| {
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let certs = join(self.renewed.iter().map(|(c, _)| c.as_path()).collect());
        let keys = join(
            self.renewed
                .iter()
                .filter_map(|(_, k)| k.as_deref())
                .collect(),
        );
        let status = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .env("ETCDPKI_RENEWED_CERTS", certs)
            .env("ETCDPKI_RENEWED_KEYS", keys)
            .env("ETCDPKI_RENEWED_COUNT", self.renewed.len().to_string())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => self.fail(&format!("--exec {cmd:?} failed: {s}")),
            Err(e) => self.fail(&format!("--exec {cmd:?} could not start: {e}")),
        }
    }
}

/// A CA that expires within the window cannot be renewed here: it needs a new trust bundle on
/// every member and a rolling restart (docs/rotation.md).
fn warn_about_ca(ca: &FoundCertificate, window: RenewWindow, now: OffsetDateTime) {
    if window.is_due(ca.not_after - ca.not_before, ca.not_after - now) {
        eprint_line(&format!(
            "warning: {}: the CA {:?} expires in {} ({}); renew never renews CAs: see docs/rotation.md for a CA rollover",
            ca.file.display(),
            ca.name,
            residual((ca.not_after - now).whole_seconds()),
            ca.not_after.format(&Rfc3339).unwrap_or_default()
        ));
    }
}

/// The directory each path's files are written in: the path itself, or a file's directory.
fn lock_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            }
        })
        .collect()
}

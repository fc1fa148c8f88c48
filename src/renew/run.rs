//! One `renew` run over a set of files: which certificates are this CA's leaves, which are due,
//! and what became of each.
//!
//! Takes the files found under the user's paths, a [`RenewPolicy`] and the time; returns a
//! [`RenewReport`] of [`RenewEvent`]s in file order. The decisions live here: key files are
//! never read to look for certificates (a dry run reads no key at all); every directory that
//! holds a candidate is locked and its interrupted writes are finished or dropped first
//! ([`lock_and_recover`]); a file is considered only if it holds a certificate; a CA
//! is never renewed but reported when it expires within the window; a leaf is this CA's only
//! if its issuer name matches and the CA's key verifies it. Nothing is printed: the caller
//! renders the events.

use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

use super::RenewPolicy;
use crate::pki::fs::Trees;
use crate::pki::scan::{FoundCertificate, certificates_in, describe, is_key_name};
use crate::pki::{DirHandle, DirLock, FsError, Leaf, LockError, Recovery, recover_dir};
use crate::x509::Serial;

/// Whether a run writes anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Renew what is due.
    Write,
    /// Say what would be renewed; read, lock and write nothing else.
    DryRun,
}

/// What happened to one file (or, for a warning, one directory or CA).
#[derive(Clone, Debug)]
pub enum RenewEvent {
    /// A set of files a killed run left half written was finished, or dropped as stale,
    /// before anything else.
    Recovered(Recovery),
    /// Not due yet.
    NotDue {
        /// The certificate file.
        cert_file: PathBuf,
        /// The certificate's short subject name.
        name: String,
        /// Time left before it expires.
        remaining: Duration,
        /// The window that applies to it.
        window: Duration,
    },
    /// Due, in a dry run.
    WouldRenew {
        /// The certificate file.
        cert_file: PathBuf,
        /// The certificate's short subject name.
        name: String,
        /// Time left before it expires.
        remaining: Duration,
        /// The window that applies to it.
        window: Duration,
    },
    /// Renewed.
    Renewed {
        /// The certificate file.
        cert_file: PathBuf,
        /// The certificate's short subject name.
        name: String,
        /// Time the old certificate had left.
        remaining: Duration,
        /// The new certificate's end.
        not_after: OffsetDateTime,
        /// The new certificate's serial, as cfssl prints it.
        serial: String,
        /// The key file that got a new key; `None` when the key was kept.
        new_key_file: Option<PathBuf>,
        /// The serial of the certificate it replaced (for `--revoke-replaced`).
        replaced_serial: Serial,
    },
    /// A CRL of the CA that is not due for re-signing.
    CrlNotDue {
        /// The CRL file.
        file: PathBuf,
        /// Time left before its nextUpdate.
        remaining: Duration,
        /// The window that applies to it.
        window: Duration,
    },
    /// A CRL of the CA that would be re-signed (dry run).
    CrlWouldRefresh {
        /// The CRL file.
        file: PathBuf,
        /// Time left before its nextUpdate.
        remaining: Duration,
        /// The window that applies to it.
        window: Duration,
    },
    /// The CA's CRLs, re-signed from its revocation list.
    CrlPublished {
        /// The CRL files written.
        files: Vec<PathBuf>,
        /// The new CRL number.
        number: u64,
        /// Its nextUpdate.
        next_update: OffsetDateTime,
        /// How many entries it has.
        entries: usize,
        /// The certificates revoked by this run (`--revoke-replaced`).
        revoked: Vec<crate::pki::Revoked>,
    },
    /// A CA that expires within the window: renew never renews CAs.
    CaExpiring {
        /// The file that holds it.
        file: PathBuf,
        /// Its short subject name.
        name: String,
        /// Time left.
        remaining: Duration,
        /// Its end.
        not_after: OffsetDateTime,
    },
    /// A leaf under the paths that another CA issued: renew leaves it alone.
    OtherCa {
        /// The certificate file.
        cert_file: PathBuf,
        /// Its issuer, the whole name (`CN=etcd-ca,O=etcd`).
        issuer: String,
        /// Which other CA.
        kind: OtherCa,
    },
    /// The next CA of a rotation lies beside the CA (`ca-next.pem`, docs/rotation.md).
    RotationInProgress {
        /// The next CA's certificate file.
        next_file: PathBuf,
    },
    /// A directory where others can read or replace the keys written into it.
    ExposedKeyDirectory(PathBuf),
    /// Expired more than its window ago: left alone (`--renew-expired` renews it).
    LongExpired {
        /// The certificate file.
        cert_file: PathBuf,
        /// The certificate's short subject name.
        name: String,
        /// How long ago it expired.
        expired_for: Duration,
        /// The window that applies to it.
        window: Duration,
    },
    /// Something the user should know about a file written (mode bits dropped from a key).
    Warning(String),
    /// One file could not be read or renewed (the others still are).
    Failed(String),
}

/// How a leaf's issuer relates to the CA renew signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherCa {
    /// The CA's own name, another key: the CA was replaced under the same name and the leaf
    /// is from the old (or the new) one.
    SameNameOtherKey,
    /// The next CA of a rotation in progress (`ca-next.pem` beside the CA).
    NextCa,
    /// Any other CA.
    Unrelated,
}

/// Everything one run did, in order.
#[derive(Clone, Debug, Default)]
pub struct RenewReport {
    /// The events, in file order.
    pub events: Vec<RenewEvent>,
}

impl RenewReport {
    /// Renewed certificate files (or, in a dry run, those that would be) and, for each, the key
    /// file that got a new key.
    pub fn renewed(&self) -> Vec<(&Path, Option<&Path>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RenewEvent::Renewed {
                    cert_file,
                    new_key_file,
                    ..
                } => Some((cert_file.as_path(), new_key_file.as_deref())),
                RenewEvent::WouldRenew { cert_file, .. } => Some((cert_file.as_path(), None)),
                _ => None,
            })
            .collect()
    }

    /// How many leaves were not due.
    pub fn not_due(&self) -> usize {
        self.count(|e| matches!(e, RenewEvent::NotDue { .. }))
    }

    /// How many certificates the CA issued were found, due or not (CRLs and the CA itself
    /// do not count): zero means the paths or the CA are not the ones meant.
    pub fn issued_found(&self) -> usize {
        self.count(|e| {
            matches!(
                e,
                RenewEvent::NotDue { .. }
                    | RenewEvent::WouldRenew { .. }
                    | RenewEvent::Renewed { .. }
                    | RenewEvent::LongExpired { .. }
            )
        })
    }

    /// The leaves another CA issued, with how that CA relates to this one.
    pub fn other_ca(&self) -> Vec<(&Path, OtherCa)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RenewEvent::OtherCa {
                    cert_file, kind, ..
                } => Some((cert_file.as_path(), *kind)),
                _ => None,
            })
            .collect()
    }

    /// How many files failed.
    pub fn failures(&self) -> usize {
        self.count(|e| matches!(e, RenewEvent::Failed(_)))
    }

    fn count(&self, f: impl Fn(&RenewEvent) -> bool) -> usize {
        self.events.iter().filter(|e| f(e)).count()
    }

    fn fail(&mut self, message: String) {
        self.events.push(RenewEvent::Failed(message));
    }

    /// Adds what a run with the next CA of a rotation in progress did (`next`, over the same
    /// files): its leaves are then this run's too, not "another CA's". Leaves of other CAs
    /// that `next` lists are already listed here.
    pub fn merge_next(&mut self, next: RenewReport) {
        let handled: Vec<PathBuf> = next
            .events
            .iter()
            .filter_map(|e| match e {
                RenewEvent::NotDue { cert_file, .. }
                | RenewEvent::WouldRenew { cert_file, .. }
                | RenewEvent::Renewed { cert_file, .. }
                | RenewEvent::LongExpired { cert_file, .. } => Some(cert_file.clone()),
                _ => None,
            })
            .collect();
        self.events.retain(
            |e| !matches!(e, RenewEvent::OtherCa { cert_file, .. } if handled.contains(cert_file)),
        );
        self.events.extend(next.events.into_iter().filter(|e| {
            !matches!(
                e,
                RenewEvent::OtherCa { .. } | RenewEvent::RotationInProgress { .. }
            )
        }));
    }
}

/// Renews, under `policy`, the due leaves among `files` that its CA (read from `ca_file`)
/// issued, at `now`.
pub fn renew_files(
    ca_file: &Path,
    trees: &Trees,
    files: &[PathBuf],
    policy: &RenewPolicy<'_>,
    mode: RunMode,
    now: OffsetDateTime,
) -> RenewReport {
    let mut report = RenewReport::default();
    let issuer = policy.issuer;
    if let Some(ca) = describe(ca_file, 0, issuer.certificate_der()) {
        warn_about_ca(&mut report, policy, &ca, now, None);
    }
    let next = next_ca(ca_file);
    if let Some((next_file, _)) = &next {
        report.events.push(RenewEvent::RotationInProgress {
            next_file: next_file.clone(),
        });
    }
    for file in files.iter().filter(|f| !is_key_name(f)) {
        let Some(bytes) = read(&mut report, trees, file) else {
            continue;
        };
        let Some(first) = certificates_in(file, &bytes).into_iter().next() else {
            continue;
        };
        if first.is_ca {
            if first.der != issuer.certificate_der() {
                warn_about_ca(&mut report, policy, &first, now, Some(file));
            }
            continue;
        }
        let other = |kind| RenewEvent::OtherCa {
            cert_file: file.clone(),
            issuer: crate::x509::name_text(&first.issuer_der),
            kind,
        };
        if first.issuer_der != issuer.subject_der() {
            let from_next = next
                .as_ref()
                .is_some_and(|(_, subject)| *subject == first.issuer_der);
            report.events.push(other(if from_next {
                OtherCa::NextCa
            } else {
                OtherCa::Unrelated
            }));
            continue;
        }
        match Leaf::read(file, &bytes) {
            Ok(leaf) if leaf.is_signed_by(issuer.key().public_key()) => {
                consider(&mut report, policy, trees, &leaf, now, mode);
            }
            // Same issuer name, another key: not this CA's certificate.
            Ok(_) => report.events.push(other(OtherCa::SameNameOtherKey)),
            Err(reason) => report.fail(format!("{}: {reason}", file.display())),
        }
    }
    report
}

/// The certificate and key files of the next CA of a rotation in progress beside `ca_file`
/// and its key `ca_key` (docs/rotation.md), when it is on a key of its own: a next CA on the
/// same key (`rotate-ca prepare --keep-key`) verifies the same leaves, which the current CA
/// already renews.
pub fn next_ca_files(ca_file: &Path, ca_key: &Path) -> Option<(PathBuf, PathBuf)> {
    let cert = crate::pki::rotation_files::next_ca_file(ca_file);
    let key = crate::pki::rotation_files::next_ca_key_file(ca_file, ca_key);
    (cert.is_file() && key.is_file()).then_some((cert, key))
}

/// The next CA beside `ca_file` (docs/rotation.md), its file and subject, if there is one
/// that reads as a certificate.
fn next_ca(ca_file: &Path) -> Option<(PathBuf, Vec<u8>)> {
    let next_file = crate::pki::rotation_files::next_ca_file(ca_file);
    let bytes = crate::pki::fs::read_path_following(&next_file).ok()??;
    let found = certificates_in(&next_file, &bytes).into_iter().next()?;
    Some((next_file, found.subject_der))
}

/// The directories holding the candidates among `files` (the files that are not keys), each
/// reached from its tree without following links, locked (waiting up to `wait`), with the
/// sets a killed run left there finished or dropped. The lock is held until it is dropped.
pub fn lock_and_recover(
    trees: &Trees,
    files: &[PathBuf],
    wait: std::time::Duration,
) -> Result<(DirLock, Vec<RenewEvent>), LockError> {
    let mut dirs: Vec<DirHandle> = Vec::new();
    let mut seen: Vec<&Path> = Vec::new();
    for file in files.iter().filter(|f| !is_key_name(f)) {
        let parent = file.parent().unwrap_or(Path::new(""));
        if !seen.contains(&parent) {
            seen.push(parent);
            dirs.push(trees.locate(file)?.0);
        }
    }
    let lock = DirLock::acquire(dirs, wait)?;
    let mut events = Vec::new();
    for dir in lock.dirs() {
        match recover_dir(dir) {
            Ok(done) => events.extend(done.into_iter().map(RenewEvent::Recovered)),
            Err(e) => events.push(RenewEvent::Failed(e.to_string())),
        }
    }
    Ok((lock, events))
}

/// A certificate file's bytes: through a link if it is one (a certificate is public; nothing
/// is written through the link), capped, never blocking. A file over the cap that a walk found
/// is no certificate file (etcd's WAL, say) and is passed over.
fn read(report: &mut RenewReport, trees: &Trees, file: &Path) -> Option<Vec<u8>> {
    match trees
        .locate(file)
        .and_then(|(dir, name)| dir.read_following(&name))
    {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) | Err(FsError::TooLarge { .. }) => None,
        Err(e) => {
            report.fail(e.to_string());
            None
        }
    }
}

/// A CA that expires within the window cannot be renewed here: it needs a new trust bundle on
/// every member and a rolling restart (docs/rotation.md).
fn warn_about_ca(
    report: &mut RenewReport,
    policy: &RenewPolicy<'_>,
    ca: &FoundCertificate,
    now: OffsetDateTime,
    file: Option<&Path>,
) {
    let remaining = ca.not_after - now;
    if policy
        .window
        .is_due(ca.not_after - ca.not_before, remaining)
    {
        report.events.push(RenewEvent::CaExpiring {
            file: file.map_or_else(|| ca.file.clone(), Path::to_path_buf),
            name: ca.name.clone(),
            remaining,
            not_after: ca.not_after,
        });
    }
}

fn consider(
    report: &mut RenewReport,
    policy: &RenewPolicy<'_>,
    trees: &Trees,
    leaf: &Leaf,
    now: OffsetDateTime,
    mode: RunMode,
) {
    let remaining = leaf.not_after - now;
    let (due, window) = policy.due(leaf, now);
    let cert_file = leaf.cert_file.clone();
    let name = leaf.name.clone();
    if !due {
        report.events.push(RenewEvent::NotDue {
            cert_file,
            name,
            remaining,
            window,
        });
        return;
    }
    if policy.long_expired(leaf, now) {
        report.events.push(RenewEvent::LongExpired {
            cert_file,
            name,
            expired_for: -remaining,
            window,
        });
        return;
    }
    if mode == RunMode::DryRun {
        report.events.push(RenewEvent::WouldRenew {
            cert_file,
            name,
            remaining,
            window,
        });
        return;
    }
    match policy.reissue().replace(trees, leaf, now) {
        Ok(installed) => {
            report.events.extend(
                installed
                    .exposed_key_directories
                    .into_iter()
                    .map(RenewEvent::ExposedKeyDirectory),
            );
            report
                .events
                .extend(installed.warnings.into_iter().map(RenewEvent::Warning));
            let next = installed.successor;
            report.events.push(RenewEvent::Renewed {
                cert_file,
                name,
                remaining,
                not_after: next.certificate.validity().not_after,
                serial: next.certificate.serial().to_string(),
                new_key_file: next.new_key_file,
                replaced_serial: leaf.serial(),
            });
        }
        Err(e) => report.fail(e.to_string()),
    }
}

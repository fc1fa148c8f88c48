//! Renewal of leaf certificates that are close to expiry, for `etcdpki renew` run from cron.
//!
//! Takes [`Leaf`]s found on disk, the CA that issued them and a [`RenewPolicy`]; returns, for
//! each leaf that is due, a [`Successor`]: the new certificate (same subject, SANs and usages;
//! the old lifetime or the one asked for) and the files that install it, a new key by default.
//! [`Successor::install`] replaces the files so that no reader sees a partial one and a crash
//! leaves the old or the new pair ([`crate::pki::commit`](mod@crate::pki::commit)). The key is read through the
//! directory handle of the certificate, never through a link. CAs are never renewed here.

pub mod crl;
mod hook;
mod run;
mod window;

use std::ffi::OsString;
use std::path::PathBuf;

use time::{Duration, OffsetDateTime};

pub use crate::pki::{DirLock, Leaf, LockError};
pub use crl::{ca_crls, refresh_crls};
pub use hook::{HookError, run_hook};
pub use run::{RenewEvent, RenewReport, RunMode, lock_and_recover, renew_files};
pub use window::{RenewWindow, RenewWindowError};

use crate::config::{GoDuration, Profile};
use crate::key::{KeyError, PrivateKey};
use crate::pki::{DirHandle, OutputError, PlannedFile, Root, Written, commit};
use crate::sign::{Authority, Certificate, Issuer, SerialNumber, SignError, Subject, build_csr};

/// How successors are made.
#[derive(Clone, Copy, Debug)]
pub struct RenewPolicy<'a> {
    /// The CA that issued the leaves and signs their successors.
    pub issuer: &'a Issuer,
    /// When a leaf is due.
    pub window: RenewWindow,
    /// A new lifetime instead of the old one (`--expiry`).
    pub expiry: Option<GoDuration>,
    /// A ca-config.json profile for usages, lifetime and extensions instead of the old ones.
    pub profile: Option<&'a Profile>,
    /// Keep the old key instead of making a new one.
    pub reuse_key: bool,
    /// Renew also a leaf that expired more than its window ago.
    pub renew_expired: bool,
}

/// Why one leaf could not be renewed (the others still are).
#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    /// The certificate cannot be renewed as it is.
    #[error("{file}: {reason}")]
    Leaf {
        /// The certificate file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// Key generation or signing failed.
    #[error("{file}: {source}")]
    Sign {
        /// The certificate file.
        file: String,
        /// The cause.
        #[source]
        source: SignError,
    },
    /// Writing failed; the old files are still in place.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// The new certificate of a leaf and the files that install it.
#[derive(Debug)]
pub struct Successor {
    /// The new certificate.
    pub certificate: Certificate,
    /// The key file that gets a new key; `None` when the key is reused.
    pub new_key_file: Option<PathBuf>,
    /// The files to write, the certificate last.
    pub files: Vec<PlannedFile>,
}

impl Successor {
    /// Replaces the files (beneath `root`) as one set: the certificate alone with
    /// `--reuse-key`, else key, request and certificate.
    pub fn install(&self, root: &Root) -> Result<Written, OutputError> {
        let set = self
            .files
            .last()
            .and_then(|f| f.path.file_name())
            .map_or_else(|| "renew".into(), |n| n.to_string_lossy().into_owned());
        commit(root, &set, &self.files)
    }
}

impl RenewPolicy<'_> {
    /// True when `leaf` expired more than its own window before `now`: a credential long dead,
    /// which renew leaves alone unless [`RenewPolicy::renew_expired`] says otherwise.
    pub fn long_expired(&self, leaf: &Leaf, now: OffsetDateTime) -> bool {
        !self.renew_expired && now - leaf.not_after > self.window.for_lifetime(leaf.lifetime())
    }

    /// The window for `leaf` and whether it is due at `now`.
    pub fn due(&self, leaf: &Leaf, now: OffsetDateTime) -> (bool, Duration) {
        let window = self.window.for_lifetime(leaf.lifetime());
        (leaf.not_after - now < window, window)
    }

    /// The successor of `leaf`, issued at `now` with `serial`, for a new key of the same kind
    /// unless the key is reused.
    pub(crate) fn successor(
        &self,
        leaf: &Leaf,
        dir: &DirHandle,
        now: OffsetDateTime,
        serial: SerialNumber,
    ) -> Result<Successor, RenewError> {
        let file = leaf.cert_file.display().to_string();
        let refuse = |reason: String| RenewError::Leaf {
            file: file.clone(),
            reason,
        };
        let sign_err = |source: SignError| RenewError::Sign {
            file: file.clone(),
            source,
        };
        // The key file must hold this certificate's key, so that renew never replaces a key
        // that belongs to something else. Only --reuse-key can do without one (a bundle).
        let key_file = sibling(dir, leaf, crate::pki::scan::key_files_for);
        if let Some((path, name)) = &key_file {
            self.check_key_file(leaf, dir, path, name)
                .map_err(&refuse)?;
        }
        let new_key = match (self.reuse_key, &key_file) {
            (true, _) => None,
            (false, Some((path, _))) => {
                let spec = leaf.key_spec().map_err(|e| refuse(e.to_string()))?;
                let key = PrivateKey::generate(spec).map_err(|e: KeyError| sign_err(e.into()))?;
                Some((path.clone(), key))
            }
            (false, None) => {
                return Err(refuse(
                    "no key file beside it (looked for NAME-key.pem and NAME.key); give --reuse-key to renew the certificate alone".into(),
                ));
            }
        };
        let profile = match self.profile {
            Some(p) => Profile {
                expiry: self.expiry.unwrap_or(p.expiry),
                ..p.clone()
            },
            None => leaf.own_profile(self.expiry),
        };
        let certificate = crate::sign::issue(
            Authority::Ca(self.issuer),
            &profile,
            Subject {
                name: &leaf.subject,
                hosts: &leaf.hosts,
                public_key: new_key
                    .as_ref()
                    .map_or(&leaf.public_key, |(_, k)| k.public_key()),
                csr_extensions: &[],
                hosts_overridden: false,
            },
            now,
            serial,
        )
        .map_err(sign_err)?;
        let files = successor_files(leaf, dir, &certificate, new_key.as_ref()).map_err(sign_err)?;
        Ok(Successor {
            certificate,
            new_key_file: new_key.map(|(path, _)| path),
            files,
        })
    }

    /// Refuses a key file that another certificate shares (a new key would break that pair)
    /// or that does not hold this certificate's key.
    fn check_key_file(
        &self,
        leaf: &Leaf,
        dir: &DirHandle,
        path: &std::path::Path,
        name: &std::ffi::OsStr,
    ) -> Result<(), String> {
        // `X.pem` and `X.crt` both pair with `X-key.pem`: a new key for one would leave
        // the other beside a key that is not its own.
        if !self.reuse_key
            && let Some(other) = crate::pki::scan::cert_files_for(path)
                .into_iter()
                .filter(|c| *c != leaf.cert_file)
                .find(|c| {
                    c.file_name()
                        .is_some_and(|n| matches!(dir.lstat(n), Ok(Some(_))))
                })
        {
            return Err(format!(
                "{} is also the key file of {}: a new key would break that pair; nothing was changed (rename one pair, or give --reuse-key)",
                path.display(),
                other.display()
            ));
        }
        let old_key = match dir.read(name) {
            Ok(Some(bytes)) => PrivateKey::from_pem(&zeroize::Zeroizing::new(bytes))
                .map_err(|e| format!("{}: {e}", path.display())),
            Ok(None) => Err(format!("{}: it was removed", path.display())),
            Err(e) => Err(e.to_string()),
        }?;
        if old_key.public_key().key_bits() != leaf.public_key.key_bits() {
            return Err(format!(
                "{} is not the key of this certificate; nothing was changed",
                path.display()
            ));
        }
        Ok(())
    }
}

/// The files that install a successor: the request first, so that the key's and the
/// certificate's renames come back to back, then the new key, then the certificate with the
/// old chain after it.
fn successor_files(
    leaf: &Leaf,
    dir: &DirHandle,
    certificate: &Certificate,
    new_key: Option<&(PathBuf, PrivateKey)>,
) -> Result<Vec<PlannedFile>, SignError> {
    let mut files = Vec::new();
    if let Some((key_file, key)) = new_key {
        if let Some((csr_file, _)) = sibling(dir, leaf, crate::pki::scan::csr_files_for) {
            let csr = build_csr(&leaf.subject, &leaf.hosts, None, key)?;
            files.push(PlannedFile::public(&csr_file, csr.to_pem().into_bytes()));
        }
        let pem = zeroize::Zeroizing::new(key.to_pem().map_err(SignError::from)?);
        files.push(PlannedFile::key(key_file, pem.as_bytes().to_vec()));
    }
    let mut cert_pem = certificate.to_pem();
    for block in &leaf.chain {
        cert_pem.push_str(&pem::encode(block));
    }
    files.push(PlannedFile::public(&leaf.cert_file, cert_pem.into_bytes()));
    Ok(files)
}

/// The first of `candidates(leaf's file)` that exists in `dir` (as any kind of entry: a link
/// is found, and then refused when read or written), with its name in `dir`.
fn sibling(
    dir: &DirHandle,
    leaf: &Leaf,
    candidates: fn(&std::path::Path) -> Vec<PathBuf>,
) -> Option<(PathBuf, OsString)> {
    candidates(&leaf.cert_file).into_iter().find_map(|path| {
        let name = path.file_name()?.to_os_string();
        matches!(dir.lstat(&name), Ok(Some(_))).then_some((path, name))
    })
}

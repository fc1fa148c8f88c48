//! Renewal of leaf certificates that are close to expiry, for `etcdpki renew` run from cron.
//!
//! Takes [`Leaf`]s found on disk, the CA that issued them and a [`RenewPolicy`]; returns, for
//! each leaf that is due, a [`Successor`]: the new certificate (same subject, SANs and usages;
//! the old lifetime or the one asked for) and the files that install it, a new key by default.
//! [`Successor::install`] replaces the files so that no reader sees a partial one and a crash
//! leaves the old or the new pair ([`crate::pki::swap_files`]). CAs are never renewed here.

mod hook;
mod run;
mod window;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

pub use crate::pki::{LOCK_FILE_NAME, Leaf, LockError, RenewLock};
pub use hook::{HookError, run_hook};
pub use run::{RenewEvent, RenewReport, RunMode, renew_files};
pub use window::{RenewWindow, RenewWindowError};

use crate::config::{GoDuration, Profile};
use crate::key::{KeyError, PrivateKey};
use crate::pki::{
    KEY_MODE, OutputError, PUBLIC_MODE, PlannedFile, Recovery, recover, swap_files, write_files,
};
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
    /// Replaces the files: the certificate alone with `--reuse-key`, else key, request and
    /// certificate as one swap.
    pub fn install(&self) -> Result<(), OutputError> {
        if self.new_key_file.is_some() {
            swap_files(&self.files)
        } else {
            write_files(&self.files)
        }
    }
}

impl RenewPolicy<'_> {
    /// The window for `leaf` and whether it is due at `now`.
    pub fn due(&self, leaf: &Leaf, now: OffsetDateTime) -> (bool, Duration) {
        let window = self.window.for_lifetime(leaf.lifetime());
        (leaf.not_after - now < window, window)
    }

    /// The successor of `leaf`, issued at `now` with `serial`, for a new key of the same kind
    /// unless the key is reused.
    pub fn successor(
        &self,
        leaf: &Leaf,
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
        let key_file = leaf.key_file();
        if let Some(path) = &key_file {
            let old_key = std::fs::read(path)
                .map_err(|e| refuse(format!("{}: cannot read: {e}", path.display())))
                .and_then(|bytes| {
                    PrivateKey::from_pem(&bytes)
                        .map_err(|e| refuse(format!("{}: {e}", path.display())))
                })?;
            if old_key.public_key().key_bits() != leaf.public_key.key_bits() {
                return Err(refuse(format!(
                    "{} is not the key of this certificate; nothing was changed",
                    path.display()
                )));
            }
        }
        let new_key = match (self.reuse_key, &key_file) {
            (true, _) => None,
            (false, Some(path)) => {
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

        // The request first, so that the key's and the certificate's renames come back to back.
        let mut files = Vec::new();
        if let Some((key_file, key)) = &new_key {
            if let Some(csr_file) = leaf.csr_file() {
                let csr = build_csr(&leaf.subject, &leaf.hosts, None, key).map_err(sign_err)?;
                files.push(PlannedFile {
                    mode: mode_of(&csr_file, PUBLIC_MODE),
                    path: csr_file,
                    contents: csr.to_pem().into_bytes(),
                });
            }
            files.push(PlannedFile {
                path: key_file.clone(),
                contents: key.to_pem().map_err(|e| sign_err(e.into()))?.into_bytes(),
                mode: KEY_MODE,
            });
        }
        let mut cert_pem = certificate.to_pem();
        for block in &leaf.chain {
            cert_pem.push_str(&pem::encode(block));
        }
        files.push(PlannedFile {
            path: leaf.cert_file.clone(),
            contents: cert_pem.into_bytes(),
            mode: mode_of(&leaf.cert_file, PUBLIC_MODE),
        });
        Ok(Successor {
            certificate,
            new_key_file: new_key.map(|(path, _)| path),
            files,
        })
    }
}

/// Finishes or drops a renewal of `cert_file` that a killed run left half done, and removes
/// its temporary files. Call it before reading the certificate, with the lock held.
pub fn recover_interrupted(cert_file: &Path) -> Result<Recovery, OutputError> {
    let mut targets: Vec<PathBuf> = crate::pki::scan::key_files_for(cert_file)
        .into_iter()
        .chain(crate::pki::scan::csr_files_for(cert_file))
        .collect();
    targets.push(cert_file.to_path_buf());
    recover(&targets)
}

/// The file's permission bits, or `default` for a new file.
fn mode_of(path: &Path, default: u32) -> u32 {
    std::fs::metadata(path).map_or(default, |m| m.permissions().mode() & 0o7777)
}

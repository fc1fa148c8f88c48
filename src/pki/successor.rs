//! The successor of a leaf on disk: the same subject, SANs, usages and lifetime, signed by a
//! given CA, on a new key of the same kind (or the old key), and the files that install it.
//!
//! Takes a [`Leaf`], the directory handle it was found through and a [`Reissue`] (which CA,
//! which lifetime or profile, whether the key stays); returns a [`Successor`] whose
//! [`Successor::install`] replaces the request, key and certificate as one committed set
//! ([`commit`](mod@crate::pki::commit)). `renew` uses it for leaves that are due, `rotate-ca`
//! for every leaf of the CA being replaced. The old key file is read through the directory
//! handle, never through a link, and must hold the certificate's key: a successor never
//! replaces a key that belongs to something else.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::fs::Trees;
use super::{DirHandle, Leaf, OutputError, PlannedFile, Root, Written, commit};
use crate::config::{GoDuration, Profile};
use crate::key::{KeyError, PrivateKey};
use crate::sign::{Authority, Certificate, Issuer, SerialNumber, SignError, Subject, build_csr};

/// How a successor is made.
#[derive(Clone, Copy, Debug)]
pub struct Reissue<'a> {
    /// The CA that signs the successor.
    pub issuer: &'a Issuer,
    /// A new lifetime instead of the old one (`--expiry`).
    pub expiry: Option<GoDuration>,
    /// A ca-config.json profile for usages, lifetime and extensions instead of the old ones.
    pub profile: Option<&'a Profile>,
    /// Keep the old key instead of making a new one.
    pub reuse_key: bool,
}

/// Why one leaf could not be re-issued (the others still are).
#[derive(Debug, thiserror::Error)]
pub enum ReissueError {
    /// The certificate cannot be re-issued as it is.
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

/// A successor installed: the certificate, the key file that got a new key, and what the
/// user should know about the files written.
#[derive(Debug)]
pub struct Installed {
    /// The successor that was written.
    pub successor: Successor,
    /// Warnings about the files written (mode bits dropped from a key).
    pub warnings: Vec<String>,
    /// Directories where others could read or replace the keys written into them.
    pub exposed_key_directories: Vec<PathBuf>,
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

impl Successor {
    /// The same successor for `copy`, another file holding the same certificate (kubeadm's
    /// `apiserver-etcd-client.crt` on every member): the same certificate and key, written to
    /// the copy's own key and request files, with the copy's own chain after it. The copies
    /// of one credential stay one credential.
    pub fn for_copy(&self, copy: &Leaf, dir: &DirHandle) -> Result<Successor, ReissueError> {
        let refuse = |reason: String| ReissueError::Leaf {
            file: copy.cert_file.display().to_string(),
            reason,
        };
        // A combined certificate+key file (its key block kept apart from the chain) would lose
        // or misplace its key as a copy: refused, never written without its key.
        if copy.embedded_key.is_some() || self.files.last().is_some_and(PlannedFile::is_key) {
            return Err(refuse(
                "a combined certificate+key file is not re-issued as a copy of another certificate; split it into NAME.pem and NAME-key.pem".into(),
            ));
        }
        let mut files = Vec::new();
        let mut new_key_file = None;
        if let Some(key) = self.files.iter().find(|f| f.is_key()) {
            let (key_file, _) =
                sibling(dir, copy, super::scan::key_files_for).ok_or_else(|| {
                    refuse("no key file beside it (looked for NAME-key.pem and NAME.key)".into())
                })?;
            if let Some(csr) = self
                .files
                .iter()
                .find(|f| f.path.extension().is_some_and(|e| e == "csr"))
                && let Some((csr_file, _)) = sibling(dir, copy, super::scan::csr_files_for)
            {
                files.push(PlannedFile::of(&csr_file, csr.contents.clone()));
            }
            files.push(PlannedFile::of(&key_file, key.contents.clone()));
            new_key_file = Some(key_file);
        }
        let mut cert_pem = self.certificate.to_pem();
        for block in &copy.chain {
            cert_pem.push_str(&pem::encode(block));
        }
        files.push(PlannedFile::public(&copy.cert_file, cert_pem.into_bytes()));
        Ok(Successor {
            certificate: self.certificate.clone(),
            new_key_file,
            files,
        })
    }
}

impl Reissue<'_> {
    /// Makes the successor of `leaf` at `now` with a fresh serial and installs it beside the
    /// old files, the certificate's own directory being the set's root (its commit record and
    /// pending files go beside the pair).
    pub fn replace(
        &self,
        trees: &Trees,
        leaf: &Leaf,
        now: OffsetDateTime,
    ) -> Result<Installed, ReissueError> {
        let (root, dir) = locate(trees, leaf)?;
        let serial = SerialNumber::random().map_err(|_| ReissueError::Sign {
            file: leaf.cert_file.display().to_string(),
            source: SignError::Random,
        })?;
        install(&root, self.successor(leaf, &dir, now, serial)?)
    }

    /// Installs `successor` (made for another file of the same certificate) over `copy`.
    pub fn replace_copy(
        &self,
        trees: &Trees,
        successor: &Successor,
        copy: &Leaf,
    ) -> Result<Installed, ReissueError> {
        let (root, dir) = locate(trees, copy)?;
        install(&root, successor.for_copy(copy, &dir)?)
    }

    /// The successor of `leaf`, issued at `now` with `serial`, for a new key of the same kind
    /// unless the key is reused.
    pub fn successor(
        &self,
        leaf: &Leaf,
        dir: &DirHandle,
        now: OffsetDateTime,
        serial: SerialNumber,
    ) -> Result<Successor, ReissueError> {
        let file = leaf.cert_file.display().to_string();
        let refuse = |reason: String| ReissueError::Leaf {
            file: file.clone(),
            reason,
        };
        let sign_err = |source: SignError| ReissueError::Sign {
            file: file.clone(),
            source,
        };
        // The key file must hold this certificate's key, so that a successor never replaces a
        // key that belongs to something else. Only --reuse-key can do without one (a bundle).
        // A combined file's own key block counts as one, and must match too.
        let key_file = sibling(dir, leaf, super::scan::key_files_for);
        if let Some((path, name)) = &key_file {
            self.check_key_file(leaf, dir, path, name)
                .map_err(&refuse)?;
        }
        check_embedded_key(leaf).map_err(&refuse)?;
        let has_key = key_file.is_some() || leaf.embedded_key.is_some();
        let new_key = match (self.reuse_key, has_key) {
            (true, _) => None,
            (false, true) => {
                let spec = leaf.key_spec().map_err(|e| refuse(e.to_string()))?;
                Some(PrivateKey::generate(spec).map_err(|e: KeyError| sign_err(e.into()))?)
            }
            (false, false) => {
                return Err(refuse(
                    "no key file beside it (looked for NAME-key.pem and NAME.key) and no key in it; give --reuse-key to re-issue the certificate alone".into(),
                ));
            }
        };
        let key_path = key_file.map(|(path, _)| path);
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
                    .map_or(&leaf.public_key, PrivateKey::public_key),
                csr_extensions: &[],
                kept_extensions: leaf.kept_san.as_slice(),
                hosts_overridden: false,
            },
            now,
            serial,
        )
        .map_err(sign_err)?;
        let files = successor_files(
            leaf,
            dir,
            &certificate,
            key_path.as_deref(),
            new_key.as_ref(),
        )
        .map_err(sign_err)?;
        // The file that got the new key: the key file, else the combined file itself.
        let new_key_file = new_key
            .is_some()
            .then(|| key_path.unwrap_or_else(|| leaf.cert_file.clone()));
        Ok(Successor {
            certificate,
            new_key_file,
            files,
        })
    }

    /// Refuses a key file that another certificate shares (a new key would break that pair)
    /// or that does not hold this certificate's key.
    fn check_key_file(
        &self,
        leaf: &Leaf,
        dir: &DirHandle,
        path: &Path,
        name: &OsStr,
    ) -> Result<(), String> {
        // `X.pem` and `X.crt` both pair with `X-key.pem`: a new key for one would leave
        // the other beside a key that is not its own.
        if !self.reuse_key
            && let Some(other) = super::scan::cert_files_for(path)
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

/// The root (the certificate's own directory) and directory handle of `leaf`.
fn locate(trees: &Trees, leaf: &Leaf) -> Result<(Root, DirHandle), ReissueError> {
    trees
        .locate(&leaf.cert_file)
        .and_then(|(dir, _)| Ok((Root::from_handle(dir.open_beneath(Path::new(""))?), dir)))
        .map_err(|e| ReissueError::Leaf {
            file: leaf.cert_file.display().to_string(),
            reason: e.to_string(),
        })
}

fn install(root: &Root, successor: Successor) -> Result<Installed, ReissueError> {
    let exposed_key_directories = super::exposed_key_directories(&successor.files);
    let written = successor.install(root)?;
    Ok(Installed {
        successor,
        warnings: written.warnings,
        exposed_key_directories,
    })
}

/// Refuses a combined file whose key block is not the certificate's key.
fn check_embedded_key(leaf: &Leaf) -> Result<(), String> {
    let Some(embedded) = &leaf.embedded_key else {
        return Ok(());
    };
    let key = PrivateKey::from_pem(embedded.pem.as_bytes())
        .map_err(|e| format!("its private key block: {e}"))?;
    if key.public_key().key_bits() != leaf.public_key.key_bits() {
        return Err(
            "its private key block is not the key of its certificate; nothing was changed".into(),
        );
    }
    Ok(())
}

/// The files that install a successor: the request first, so that the key's and the
/// certificate's renames come back to back, then the new key, then the certificate with the
/// old chain after it. A combined file gets the new key (or keeps its own with --reuse-key)
/// where its key block was, and is written as a key: certificate and key change in one rename.
fn successor_files(
    leaf: &Leaf,
    dir: &DirHandle,
    certificate: &Certificate,
    key_file: Option<&Path>,
    new_key: Option<&PrivateKey>,
) -> Result<Vec<PlannedFile>, SignError> {
    let mut files = Vec::new();
    let new_pem = new_key
        .map(|key| key.to_pem().map(zeroize::Zeroizing::new))
        .transpose()
        .map_err(SignError::from)?;
    if let Some(key) = new_key
        && let Some((csr_file, _)) = sibling(dir, leaf, super::scan::csr_files_for)
    {
        let csr = build_csr(&leaf.subject, &leaf.hosts, None, key)?;
        files.push(PlannedFile::public(&csr_file, csr.to_pem().into_bytes()));
    }
    if let (Some(path), Some(pem)) = (key_file, &new_pem) {
        files.push(PlannedFile::key(path, pem.as_bytes().to_vec()));
    }
    let embedded = leaf.embedded_key.as_ref().map(|k| {
        let pem = new_pem.as_ref().map_or(k.pem.as_str(), |p| p.as_str());
        (k.position, pem)
    });
    let key_at = |at: usize| embedded.filter(|(position, _)| *position == at);
    let mut cert_pem = zeroize::Zeroizing::new(certificate.to_pem());
    for (at, block) in leaf.chain.iter().enumerate() {
        if let Some((_, key)) = key_at(at) {
            cert_pem.push_str(key);
        }
        cert_pem.push_str(&pem::encode(block));
    }
    if let Some((_, key)) = key_at(leaf.chain.len()) {
        cert_pem.push_str(key);
    }
    let contents = cert_pem.as_bytes().to_vec();
    files.push(match embedded {
        Some(_) => PlannedFile::key(&leaf.cert_file, contents),
        None => PlannedFile::public(&leaf.cert_file, contents),
    });
    Ok(files)
}

/// The first of `candidates(leaf's file)` that exists in `dir` (as any kind of entry: a link
/// is found, and then refused when read or written), with its name in `dir`.
fn sibling(
    dir: &DirHandle,
    leaf: &Leaf,
    candidates: fn(&Path) -> Vec<PathBuf>,
) -> Option<(PathBuf, OsString)> {
    candidates(&leaf.cert_file).into_iter().find_map(|path| {
        let name = path.file_name()?.to_os_string();
        matches!(dir.lstat(&name), Ok(Some(_))).then_some((path, name))
    })
}

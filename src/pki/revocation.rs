//! The revocation list beside a CA, and the CRLs made from it.
//!
//! Takes a CA ([`Issuer`] and its certificate's path), revocations to add and the CRL files to
//! write; returns the updated [`RevocationList`] and a [`Publication`]. The list is the record:
//! `<CA file stem>-revoked.json` beside the CA certificate (`ca.pem` → `ca-revoked.json`),
//! in the format docs/rotation.md ("The revocation list") describes. Every CRL of the CA is
//! made from it, so a CRL can be rewritten at any time (renew, a refresh) without losing an
//! entry. The rules that keep entries:
//! - a list that cannot be read, or that belongs to another CA, stops the run before anything
//!   is written;
//! - an existing CRL file that is not this CA's (or not a CRL) is never overwritten; the
//!   entries of one that is are merged into the list first (a CRL made by `cfssl gencrl`
//!   or by an older list keeps its entries);
//! - the list and the CRLs are written as one set (temporary files, fsync, renames; the list
//!   first), so a crash leaves the old set or a list that is at least as long as any CRL;
//! - the CRL number is one more than the largest the list or any existing CRL file has seen
//!   (RFC 5280 §5.2.3: monotonically increasing).
//!
//! Callers hold the CA directory's lock ([`super::lock`]) around load, change and publish.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::OutputError;
use super::commit::{PlannedFile, write_files};
use crate::sign::{Issuer, SignError, sign_crl};
use crate::x509::Serial;
use crate::x509::crl::{Crl, CrlEntry, Reason, parse_crl};

/// One revocation and what is known about the certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// Serial, time and reason, as the CRL carries them.
    pub entry: CrlEntry,
    /// The certificate's subject, when it was revoked by file.
    pub subject: Option<String>,
    /// The file it was revoked from.
    pub file: Option<String>,
}

/// The revocation list of one CA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationList {
    /// Where it lives.
    pub path: PathBuf,
    /// The last CRL number used (0: none yet).
    pub crl_number: u64,
    /// The revocations, oldest first.
    pub entries: Vec<Revoked>,
    issuer: String,
    authority_key_id: Option<String>,
}

/// The file's JSON (documented in docs/rotation.md).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authority_key_id: Option<String>,
    crl_number: u64,
    revoked: Vec<RawRevoked>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRevoked {
    serial: String,
    #[serde(with = "time::serde::rfc3339")]
    revoked_at: OffsetDateTime,
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
}

/// A CRL file to write, and its encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlFile {
    /// Where.
    pub path: PathBuf,
    /// PEM (`X509 CRL`, etcd 3.4 and 3.5) or DER (every release; the only form 3.6 reads).
    pub der: bool,
}

/// What [`publish`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The new CRL's number.
    pub number: u64,
    /// Its thisUpdate.
    pub this_update: OffsetDateTime,
    /// Its nextUpdate.
    pub next_update: OffsetDateTime,
    /// Entries taken from existing CRL files that the list lacked.
    pub adopted: Vec<Revoked>,
    /// How many entries the CRL has.
    pub entries: usize,
    /// The files written, list first.
    pub written: Vec<PathBuf>,
}

/// Why the list or a CRL could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The list exists but cannot be read.
    #[error("{path}: cannot read the revocation list: {source}")]
    Read {
        /// The list.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The list is not valid.
    #[error(
        "{path}: {reason}\n  help: the format is described in docs/rotation.md (\"The revocation list\"); nothing was written"
    )]
    Invalid {
        /// The list.
        path: String,
        /// What is wrong (with line and column).
        reason: String,
    },
    /// The list belongs to another CA.
    #[error(
        "{path}: the revocation list is for {found}, not for this CA ({want}); nothing was written"
    )]
    OtherCa {
        /// The list.
        path: String,
        /// Its issuer or key identifier.
        found: String,
        /// The CA's.
        want: String,
    },
    /// An existing file at a CRL path is not a CRL of this CA.
    #[error("{path}: {reason}; not replacing it (remove it, or choose another CRL file)")]
    ForeignCrl {
        /// The file.
        path: String,
        /// What it holds.
        reason: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// Writing failed; nothing was replaced unless the error says so.
    #[error(transparent)]
    Write(#[from] OutputError),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl RevocationList {
    /// The list's path for the CA certificate at `ca_file`.
    pub(crate) fn path_for(ca_file: &Path) -> PathBuf {
        let stem = ca_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ca".into());
        ca_file.with_file_name(format!("{stem}-revoked.json"))
    }

    /// The list of `ca` (whose certificate is at `ca_file`), empty when there is none yet.
    pub(crate) fn load(ca: &Issuer, ca_file: &Path) -> Result<Self, RevocationError> {
        let path = Self::path_for(ca_file);
        let shown = path.display().to_string();
        let issuer = crate::x509::name_text(ca.subject_der());
        let authority_key_id = ca.key_id().map(hex);
        let bytes = match super::fs::read_path_io(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    path,
                    crl_number: 0,
                    entries: Vec::new(),
                    issuer,
                    authority_key_id,
                });
            }
            Err(source) => {
                return Err(RevocationError::Read {
                    path: shown,
                    source,
                });
            }
        };
        let invalid = |reason: String| RevocationError::Invalid {
            path: shown.clone(),
            reason,
        };
        let raw: RawList = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        let other = |found: String, want: String| RevocationError::OtherCa {
            path: shown.clone(),
            found,
            want,
        };
        // The key identifier decides when both have one (a renewed CA keeps its key and
        // name); else the name.
        match (&raw.authority_key_id, &authority_key_id) {
            (Some(found), Some(want)) if found != want => {
                return Err(other(
                    format!("key identifier {found}"),
                    format!("key identifier {want}"),
                ));
            }
            (Some(_), Some(_)) => {}
            _ if raw.issuer != issuer => return Err(other(raw.issuer.clone(), issuer)),
            _ => {}
        }
        let mut entries = Vec::with_capacity(raw.revoked.len());
        for (i, r) in raw.revoked.into_iter().enumerate() {
            let at = |what: String| invalid(format!("revoked[{i}]: {what}"));
            let serial = Serial::parse_hex(&r.serial).map_err(|e| at(e.to_string()))?;
            let reason = Reason::from_name(&r.reason)
                .ok_or_else(|| at(format!("unknown reason {:?}", r.reason)))?;
            entries.push(Revoked {
                entry: CrlEntry {
                    serial,
                    revoked_at: r.revoked_at,
                    reason,
                },
                subject: r.subject,
                file: r.file,
            });
        }
        Ok(Self {
            path,
            crl_number: raw.crl_number,
            entries,
            issuer,
            authority_key_id,
        })
    }

    /// The entry for `serial` (compared as etcd compares: by magnitude).
    pub fn find(&self, serial: &Serial) -> Option<&Revoked> {
        self.entries
            .iter()
            .find(|r| r.entry.serial.magnitude() == serial.magnitude())
    }

    /// Adds `revoked` unless its serial is listed already; returns whether it was added.
    pub fn add(&mut self, revoked: Revoked) -> bool {
        if self.find(&revoked.entry.serial).is_some() {
            return false;
        }
        self.entries.push(revoked);
        true
    }

    /// The list as its file holds it.
    pub fn to_json(&self) -> String {
        let raw = RawList {
            issuer: self.issuer.clone(),
            authority_key_id: self.authority_key_id.clone(),
            crl_number: self.crl_number,
            revoked: self
                .entries
                .iter()
                .map(|r| RawRevoked {
                    serial: r.entry.serial.to_string(),
                    revoked_at: r.entry.revoked_at,
                    reason: r.entry.reason.rfc_name().to_owned(),
                    subject: r.subject.clone(),
                    file: r.file.clone(),
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("the list serialises");
        text.push('\n');
        text
    }
}

/// Reads the CRL at `path`, if any, and checks it is `ca`'s.
fn existing_crl(ca: &Issuer, path: &Path) -> Result<Option<Crl>, RevocationError> {
    let foreign = |reason: String| RevocationError::ForeignCrl {
        path: path.display().to_string(),
        reason,
    };
    let bytes = match super::fs::read_path_io(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(foreign(format!("cannot read it: {e}"))),
    };
    let crl = parse_crl(&bytes).map_err(|e| foreign(format!("not a CRL ({e})")))?;
    let signed = ca
        .key()
        .public_key()
        .verify(&crl.signature_oid, &crl.tbs, &crl.signature)
        .is_ok();
    if !signed {
        return Err(foreign(format!(
            "a CRL of {} that this CA's key did not sign",
            crate::x509::name_text(&crl.issuer_der)
        )));
    }
    Ok(Some(crl))
}

/// Signs a CRL of every entry of `list`, valid from `now` for `validity`, and writes the list
/// and `files` as one set. Entries of existing CRL files that the list lacks are added first.
pub fn publish(
    ca: &Issuer,
    list: &mut RevocationList,
    files: &[CrlFile],
    now: OffsetDateTime,
    validity: Duration,
) -> Result<Publication, RevocationError> {
    let mut adopted = Vec::new();
    let mut number = list.crl_number;
    for f in files {
        if let Some(crl) = existing_crl(ca, &f.path)? {
            number = number.max(crl.number.unwrap_or(0));
            for entry in crl.entries {
                let r = Revoked {
                    entry,
                    subject: None,
                    file: Some(format!("adopted from {}", f.path.display())),
                };
                if list.add(r.clone()) {
                    adopted.push(r);
                }
            }
        }
    }
    list.crl_number = number + 1;
    let this_update = now;
    let next_update = now
        .checked_add(validity)
        .ok_or_else(|| SignError::ValidityOutOfRange(validity.to_string()))?;
    let entries: Vec<CrlEntry> = list.entries.iter().map(|r| r.entry.clone()).collect();
    let der = sign_crl(ca, &entries, list.crl_number, this_update, next_update)?;
    let mut planned = vec![PlannedFile::public(&list.path, list.to_json().into_bytes())];
    for f in files {
        let contents = if f.der {
            der.clone()
        } else {
            Crl::pem_of(&der).into_bytes()
        };
        planned.push(PlannedFile::public(&f.path, contents));
    }
    write_files(&planned, super::commit::DEFAULT_LOCK_WAIT)?;
    Ok(Publication {
        number: list.crl_number,
        this_update,
        next_update,
        adopted,
        entries: entries.len(),
        written: planned.into_iter().map(|p| p.path).collect(),
    })
}

/// The CRL files of `ca` (whose certificate is at `ca_file`): those of `files` that its key
/// signed, and `crl.pem` beside the CA, each once; read through [`super::fs`] (no link below
/// the named directories, capped). Files that cannot be read or are not CRLs are passed over.
pub fn ca_crls(ca: &Issuer, ca_file: &Path, files: &[PathBuf]) -> Vec<(PathBuf, Crl)> {
    let beside = ca_file.with_file_name("crl.pem");
    let key = ca.key().public_key();
    let mut out: Vec<(PathBuf, Crl)> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for file in files.iter().chain(std::iter::once(&beside)) {
        let id = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let Ok(Some(bytes)) = super::fs::read_path_following(file) else {
            continue;
        };
        if !crate::x509::crl::looks_like_crl(&bytes) {
            continue;
        }
        if let Ok(crl) = parse_crl(&bytes)
            && key
                .verify(&crl.signature_oid, &crl.tbs, &crl.signature)
                .is_ok()
        {
            out.push((file.clone(), crl));
        }
    }
    out
}

//! The CRL rules: the CRL files etcd is told to read (`--client-crl-file`, `--peer-crl-file`)
//! and the CRLs found among the files, judged as etcd uses them.
//!
//! Takes the [`Inventory`] (certificates and CRLs read), the CRL settings of the etcd
//! configurations ([`CrlSetting`]), each certificate's roles and the judging time; returns
//! findings. What etcd does with a CRL (client/pkg/transport listener.go `checkCRL`, etcd
//! 3.4-3.6): it reads the file again on every handshake, refuses every connection when it cannot
//! (a missing file included), and compares the presented certificates' serials with the
//! entries, nothing else: not the CRL's signature, issuer or nextUpdate. 3.4 and 3.5 read PEM
//! when the file starts with `-----BEGIN X509 CRL`, else DER (Go's `x509.ParseCRL`); 3.6 reads
//! DER only (`x509.ParseRevocationList`, etcd commit 16d1ef949).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::context::{CrlSetting, Roles};
use super::inventory::{CertEntry, CrlFound, Inventory};
use super::report::Finding;
use super::rule::{self, Level};
use crate::etcd::Release;
use crate::key::PublicKey;
use crate::pki::FsError;
use crate::x509::Serial;
use crate::x509::crl::{Crl, CrlEncoding, parse_crl};

/// Every CRL finding.
pub fn check(
    inv: &Inventory,
    settings: &[CrlSetting],
    roles: &[Roles],
    release: Option<Release>,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let serials: Vec<Option<Serial>> = inv.certs.iter().map(serial_of).collect();
    let mut findings = Vec::new();
    let mut configured: Vec<PathBuf> = Vec::new();
    for s in settings {
        let Some(crl) = configured_crl(s, release, &mut findings) else {
            continue;
        };
        configured.push(s.path.clone());
        let trusted: Vec<&CertEntry> = inv
            .certs
            .iter()
            .filter(|c| s.trusted_ca.as_ref().is_some_and(|t| same_file(&c.file, t)))
            .collect();
        if !trusted.is_empty() && !trusted.iter().any(|ca| signed_by(&crl, ca)) {
            findings.push(
                Finding::new(
                    rule::CRL_FOREIGN,
                    vec![s.source.clone(), s.path.display().to_string()],
                    format!(
                        "{} (--{}) is signed by {}, not by the CA in {} that it is meant for; etcd does not check, so it revokes whatever certificate shares one of its serials",
                        s.path.display(),
                        s.flag,
                        crate::x509::name_text(&crl.issuer_der),
                        s.trusted_ca.as_ref().map_or(String::new(), |t| t.display().to_string())
                    ),
                )
                .at_line(s.line),
            );
        }
        findings.extend(expired(&s.path.display().to_string(), &crl, now));
        // Whom etcd checks against this CRL: clients (and, through the gRPC gateway, the
        // members' own server certificates) for --client-crl-file, peers for --peer-crl-file.
        for ((cert, r), serial) in inv.certs.iter().zip(roles).zip(&serials) {
            let in_use = if s.peer { r.peer } else { r.client || r.server };
            let Some(serial) = serial.as_ref().filter(|_| in_use && !cert.is_ca()) else {
                continue;
            };
            if let Some(entry) = crl.revokes(serial) {
                findings.push(Finding::new(
                    rule::CRL_REVOKES_IN_USE,
                    vec![cert.label.clone(), s.path.display().to_string()],
                    format!(
                        "{} (serial {serial}, {}) is in use as a {} certificate, and {} (--{} of {}) revokes serial {} ({}): etcd refuses it",
                        cert.label,
                        cert.subject(),
                        if s.peer { "peer" } else { "client" },
                        s.path.display(),
                        s.flag,
                        s.source,
                        entry.serial,
                        entry.reason.rfc_name()
                    ),
                ));
            }
        }
    }
    for found in &inv.crls {
        if configured.iter().any(|p| same_file(&found.file, p)) {
            continue;
        }
        findings.extend(unconfigured(inv, found, &serials, now));
    }
    findings.extend(serial_collisions(inv, &serials));
    findings
}

/// Why a configured file cannot be read: the OS's reason, or what the safe reader refused.
fn fs_reason(e: &FsError) -> String {
    match e {
        FsError::Io { source, .. } => crate::pki::scan::io_reason(source),
        other => other.to_string(),
    }
}

/// Reads a configured CRL file as etcd would, with findings for what etcd cannot read.
fn configured_crl(
    s: &CrlSetting,
    release: Option<Release>,
    findings: &mut Vec<Finding>,
) -> Option<Crl> {
    let shown = s.path.display().to_string();
    let finding = |rule, message: String| {
        Finding::new(rule, vec![s.source.clone(), shown.clone()], message).at_line(s.line)
    };
    // Capped, and never blocking on a FIFO (crate::pki::fs).
    let bytes = match crate::pki::fs::read_path_following(&s.path).and_then(|b| {
        b.ok_or_else(|| FsError::Io {
            path: s.path.clone(),
            action: "read",
            source: std::io::ErrorKind::NotFound.into(),
        })
    }) {
        Ok(b) => b,
        Err(FsError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            findings.push(finding(
                rule::CRL_MISSING,
                format!("--{} names {shown}, which does not exist: etcd refuses every {} connection (\"no such file or directory\")", s.flag, if s.peer { "peer" } else { "client" }),
            ));
            return None;
        }
        Err(e) => {
            findings.push(finding(
                rule::CRL_UNREADABLE,
                format!(
                    "--{} names {shown}, which cannot be read ({}): etcd refuses every connection",
                    s.flag,
                    fs_reason(&e)
                ),
            ));
            return None;
        }
    };
    let crl = match parse_crl(&bytes) {
        Ok(c) => c,
        Err(e) => {
            findings.push(finding(
                rule::CRL_UNREADABLE,
                format!(
                    "--{} names {shown}, which is not a CRL ({e}): etcd refuses every connection",
                    s.flag
                ),
            ));
            return None;
        }
    };
    match crl.encoding {
        CrlEncoding::Pem { at_start: false } => findings.push(finding(
            rule::CRL_FORMAT,
            format!("{shown} is PEM with text before its -----BEGIN X509 CRL line: etcd 3.4 and 3.5 then read it as DER and fail, 3.6 reads DER only; every connection is refused"),
        )),
        CrlEncoding::Pem { at_start: true } if release == Some(Release::V3_6) => {
            findings.push(finding(
                rule::CRL_FORMAT,
                format!("{shown} is PEM: etcd 3.6 reads DER only and refuses every connection (3.4 and 3.5 read PEM); write DER with `etcdpki revoke --crl-der` or `openssl crl -outform DER`"),
            ));
        }
        // The release decides, and lint was not told it: what only some releases refuse is
        // `etcd-version-specific`, as for settings (docs/lints.md).
        CrlEncoding::Pem { at_start: true } if release.is_none() => {
            findings.push(finding(
                rule::ETCD_VERSION_SPECIFIC,
                format!("{shown} is PEM: etcd 3.4 and 3.5 read it, etcd 3.6 reads DER only and would refuse every connection; give --etcd-version to judge for the release you run, or write DER (`etcdpki revoke --crl-der`, `openssl crl -outform DER`), which every release reads"),
            ));
        }
        _ => {}
    }
    Some(crl)
}

/// A CRL among the files that no configuration names: its signer, its time, and the
/// certificates here that it revokes.
fn unconfigured(
    inv: &Inventory,
    found: &CrlFound,
    serials: &[Option<Serial>],
    now: OffsetDateTime,
) -> Vec<Finding> {
    let crl = &found.crl;
    let shown = found.file.display().to_string();
    let mut out = Vec::new();
    let named: Vec<&CertEntry> = inv
        .certs
        .iter()
        .filter(|c| c.is_ca() && c.subject_der == crl.issuer_der)
        .collect();
    if !named.iter().any(|ca| signed_by(crl, ca)) {
        out.push(Finding::new(
            rule::CRL_FOREIGN,
            vec![shown.clone()],
            format!(
                "{shown} names {} as its issuer, and no CA here with that name signed it; etcd does not check, so as --client-crl-file or --peer-crl-file it revokes whatever certificate shares one of its serials",
                crate::x509::name_text(&crl.issuer_der)
            ),
        ));
    }
    out.extend(expired(&shown, crl, now));
    for (cert, serial) in inv.certs.iter().zip(serials) {
        let Some(serial) = serial.as_ref().filter(|_| !cert.is_ca()) else {
            continue;
        };
        if cert.issuer_der != crl.issuer_der {
            continue;
        }
        if let Some(entry) = crl.revokes(serial) {
            out.push(
                Finding::new(
                    rule::CRL_REVOKES_IN_USE,
                    vec![cert.label.clone(), shown.clone()],
                    format!(
                        "{} (serial {serial}, {}) is still here, and {shown} revokes it ({}): a member or client that uses it is refused wherever etcd reads this CRL",
                        cert.label,
                        cert.subject(),
                        entry.reason.rfc_name()
                    ),
                )
                .at(Level::Warning),
            );
        }
    }
    out
}

fn expired(shown: &str, crl: &Crl, now: OffsetDateTime) -> Option<Finding> {
    let next = crl.next_update?;
    (next < now).then(|| {
        Finding::new(
            rule::CRL_EXPIRED,
            vec![shown.to_owned()],
            format!(
                "{shown}: nextUpdate {next} has passed; etcd still uses it, but openssl and Go's verifiers refuse it; re-sign it (`etcdpki revoke` with no certificate, or `etcdpki renew`)"
            ),
        )
    })
}

/// Two different certificates with one serial (magnitude): etcd cannot tell them apart.
fn serial_collisions(inv: &Inventory, serials: &[Option<Serial>]) -> Vec<Finding> {
    let mut by_serial: HashMap<&[u8], Vec<&CertEntry>> = HashMap::new();
    for (cert, serial) in inv.certs.iter().zip(serials) {
        if let Some(s) = serial {
            let group = by_serial.entry(s.magnitude()).or_default();
            if !group.iter().any(|c| c.der == cert.der) {
                group.push(cert);
            }
        }
    }
    let mut groups: Vec<(&[u8], Vec<&CertEntry>)> =
        by_serial.into_iter().filter(|(_, g)| g.len() > 1).collect();
    groups.sort_by(|a, b| a.1[0].label.cmp(&b.1[0].label));
    groups
        .into_iter()
        .map(|(magnitude, group)| {
            let labels: Vec<String> = group.iter().map(|c| c.label.clone()).collect();
            Finding::new(
                rule::SERIAL_COLLISION,
                labels.clone(),
                format!(
                    "{} share serial {}: etcd's CRL check matches serials alone, so revoking one cuts off all of them",
                    labels.join(", "),
                    Serial::from_magnitude(magnitude)
                ),
            )
        })
        .collect()
}

fn serial_of(cert: &CertEntry) -> Option<Serial> {
    crate::x509::parse_certificate(&cert.der)
        .ok()
        .map(|c| Serial::from_integer_content(c.raw_serial()))
}

/// True when `ca`'s key made `crl`'s signature.
fn signed_by(crl: &Crl, ca: &CertEntry) -> bool {
    PublicKey::from_spki_der(&ca.spki_der)
        .and_then(|k| k.verify(&crl.signature_oid, &crl.tbs, &crl.signature))
        .is_ok()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

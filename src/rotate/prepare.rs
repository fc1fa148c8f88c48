//! Stage 1, `prepare`: the new CA, and every trust file rewritten as old + new.
//!
//! Takes a [`Run`] and a [`NewCa`] (the kind of key, the subject, the lifetime, or
//! `--keep-key`); returns the actions done. The new CA is written beside the current one
//! (`ca-next.pem`, `ca-next-key.pem`) as one committed set before any trust file changes, so a
//! killed run resumes from the files: a next CA that exists is used, not made again.

use time::OffsetDateTime;

use super::{Action, RotateError, Rotation, Run, Stage, trust_pem};
use crate::config::GoDuration;
use crate::key::{KeySpec, PrivateKey};
use crate::pki::{Leaf, PlannedFile, commit};
use crate::request::{CaRequest, DistinguishedName, Host};
use crate::sign::{Authority, Certificate, SerialNumber, Subject, build_csr, initca_profile};

/// What the new CA is to be. Everything left `None` is taken from the current CA: its key's
/// kind and size, its subject (with a common name that tells the two apart), its SANs, its
/// lifetime and its path length.
#[derive(Clone, Debug, Default)]
pub struct NewCa {
    /// `--keep-key`: a new certificate on the current key, subject kept (`gencert -renewca`).
    pub keep_key: bool,
    /// The kind of key (`--key-algo`/`--key-size`, or the request's `key`).
    pub key: Option<KeySpec>,
    /// The subject (the request's names and CN).
    pub subject: Option<DistinguishedName>,
    /// The SANs (the request's hosts).
    pub hosts: Option<Vec<Host>>,
    /// The lifetime (`--ca-expiry`, or the request's `ca.expiry`).
    pub lifetime: Option<GoDuration>,
}

impl Run {
    /// Makes the new CA if there is none yet and adds it to every trust file that lacks it;
    /// then restarts the members (or lists them).
    pub fn prepare(&self, new_ca: &NewCa, now: OffsetDateTime) -> Result<Vec<Action>, RotateError> {
        self.require_readable()?;
        let mut actions = self.start_actions();
        let stage = self.stage();
        if matches!(stage, Stage::Reissued | Stage::Finishing) {
            actions.push(Action::AlreadyDone(format!(
                "prepare is done; next: rotate-ca {}",
                stage.next_step()
            )));
            return Ok(actions);
        }
        let new_cert = match &self.cas.rotation {
            Rotation::Idle { current } => {
                let (cert, action) = self.create(current, new_ca, now)?;
                actions.push(action);
                cert
            }
            Rotation::Under { new, .. } => new.der.clone(),
        };
        let new_name = self.new_name(&new_cert);
        for trust in &self.survey.trust_files {
            if trust.certs.contains(&new_cert) {
                continue;
            }
            // Appended: the old CA stays first, so a tool that reads only the first
            // certificate of `--ca` still finds the CA its key belongs to.
            let mut certs = trust.certs.clone();
            certs.push(new_cert.clone());
            let change = (Some(new_name.clone()), None);
            self.write_trust(&trust.path, &certs, None, change, &mut actions);
        }
        if stage != Stage::Prepared || self.options.restart_cmd.is_some() {
            self.restart("prepare", &mut actions)?;
        }
        Ok(actions)
    }

    /// Writes `certs` as the trust file `path`, with `key` (a CA key copy beside it) in the
    /// same set, or in a dry run says it would. `change` names the CA added and the one removed.
    pub(super) fn write_trust(
        &self,
        path: &std::path::Path,
        certs: &[Vec<u8>],
        key: Option<PlannedFile>,
        change: (Option<String>, Option<String>),
        actions: &mut Vec<Action>,
    ) {
        let (added, removed) = change;
        let done = Action::TrustUpdated {
            path: path.to_path_buf(),
            added,
            removed,
        };
        if self.options.dry_run {
            actions.push(done);
            return;
        }
        let set = path
            .file_name()
            .map_or_else(|| "trust".into(), |n| n.to_string_lossy().into_owned());
        let files: Vec<PlannedFile> = key
            .into_iter()
            .chain([PlannedFile::public(path, trust_pem(certs))])
            .collect();
        let written = self
            .root_beside(path)
            .and_then(|root| Ok(commit(&root, &set, &files)?));
        match written {
            Ok(w) => {
                actions.extend(w.warnings.into_iter().map(Action::Warning));
                actions.push(done);
            }
            Err(e) => actions.push(Action::Failed(format!("{}: {e}", path.display()))),
        }
    }

    /// The short name of the CA whose DER is `der`.
    fn new_name(&self, der: &[u8]) -> String {
        let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        Leaf::read(&self.cas.paths.next_cert, pem.as_bytes())
            .map_or_else(|_| "the new CA".into(), |l| l.name)
    }

    /// Makes and writes the new CA; returns its DER.
    fn create(
        &self,
        current: &super::CaCert,
        new_ca: &NewCa,
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, Action), RotateError> {
        let paths = &self.cas.paths;
        let fail = |e: &dyn std::fmt::Display| RotateError::NewCa(e.to_string());
        let old = &current.cert;
        let (key, key_pem) = self.new_key(old, new_ca)?;
        let subject = match (&new_ca.subject, new_ca.keep_key) {
            (_, true) => old.subject.clone(),
            (Some(s), false) => s.clone(),
            (None, false) => derived_subject(&old.subject, &old.name, now),
        };
        let hosts = new_ca.hosts.clone().unwrap_or_else(|| old.hosts.clone());
        let lifetime = new_ca.lifetime.unwrap_or_else(|| {
            GoDuration::from_nanos(
                i64::try_from(old.lifetime().whole_nanoseconds()).unwrap_or(i64::MAX),
            )
        });
        let profile = initca_profile(
            Some(&CaRequest {
                path_len: path_len(&current.der),
                expiry: Some(lifetime),
                backdate: None,
            }),
            None,
        );
        let serial = SerialNumber::random().map_err(|_| fail(&"no randomness"))?;
        let cert: Certificate = crate::sign::issue(
            Authority::SelfSigned(&key),
            &profile,
            Subject {
                name: &subject,
                hosts: &hosts,
                public_key: key.public_key(),
                csr_extensions: &[],
                kept_extensions: &[],
                hosts_overridden: false,
            },
            now,
            serial,
        )
        .map_err(|e| fail(&e))?;
        let action = Action::CaCreated {
            cert: paths.next_cert.clone(),
            key: key_pem.as_ref().map(|_| paths.next_key.clone()),
            name: subject
                .common_name()
                .map_or_else(|| "the new CA".into(), str::to_owned),
            not_after: cert.validity().not_after,
        };
        if !self.options.dry_run {
            self.write_next(
                &cert,
                &key,
                key_pem.as_ref().map(|p| p.as_str()),
                &subject,
                &hosts,
            )?;
        }
        Ok((cert.der().to_vec(), action))
    }
}

impl Run {
    /// The new CA's key and, when it is new, its PEM: the current key with `--keep-key`, else
    /// a new one of the kind asked for or of the current CA's kind.
    fn new_key(
        &self,
        old: &Leaf,
        new_ca: &NewCa,
    ) -> Result<(PrivateKey, Option<zeroize::Zeroizing<String>>), RotateError> {
        let fail = |e: &dyn std::fmt::Display| RotateError::NewCa(e.to_string());
        if new_ca.keep_key {
            let pem = self.cas.file_bytes(&self.cas.paths.key)?;
            return Ok((PrivateKey::from_pem(&pem).map_err(|e| fail(&e))?, None));
        }
        let spec = match new_ca.key {
            Some(spec) => spec,
            None => old.key_spec().map_err(|e| fail(&e))?,
        };
        let key = PrivateKey::generate(spec).map_err(|e| fail(&e))?;
        let pem = zeroize::Zeroizing::new(key.to_pem().map_err(|e| fail(&e))?);
        Ok((key, Some(pem)))
    }

    /// Writes the new CA (certificate, key when new, and a request when the current CA has
    /// one) as one set beside the current CA.
    fn write_next(
        &self,
        cert: &Certificate,
        key: &PrivateKey,
        key_pem: Option<&str>,
        subject: &DistinguishedName,
        hosts: &[Host],
    ) -> Result<(), RotateError> {
        let paths = &self.cas.paths;
        let mut files = Vec::new();
        if let Some(pem) = key_pem {
            // A request beside the CA (cfssljson's ca.csr) is kept in step with its key.
            if self.cas.exists(&paths.csr)? {
                let csr = build_csr(subject, hosts, None, key)
                    .map_err(|e| RotateError::NewCa(e.to_string()))?;
                files.push(PlannedFile::public(
                    &paths.next_csr,
                    csr.to_pem().into_bytes(),
                ));
            }
            files.push(PlannedFile::key(&paths.next_key, pem.as_bytes().to_vec()));
        }
        files.push(PlannedFile::public(
            &paths.next_cert,
            cert.to_pem().into_bytes(),
        ));
        commit(&self.ca_root()?, "ca-next", &files)?;
        Ok(())
    }
}

/// The old subject with a common name that tells the new CA apart: the old CN (without the
/// stamp an earlier rotation added) and the time of this one, `etcd-ca 202612070615`.
fn derived_subject(
    old: &DistinguishedName,
    old_name: &str,
    now: OffsetDateTime,
) -> DistinguishedName {
    let cn = old.common_name().unwrap_or(old_name);
    let base = match cn.rsplit_once(' ') {
        Some((base, stamp)) if stamp.len() == 12 && stamp.bytes().all(|b| b.is_ascii_digit()) => {
            base
        }
        _ => cn,
    };
    let stamp = format!(
        "{:04}{:02}{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute()
    );
    old.with_common_name(&format!("{base} {stamp}"))
}

/// The pathLenConstraint of a CA certificate.
fn path_len(der: &[u8]) -> Option<u32> {
    let cert = crate::x509::parse_certificate(der).ok()?;
    cert.basic_constraints()
        .ok()
        .flatten()
        .and_then(|bc| bc.value.path_len_constraint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_subject_replaces_an_earlier_stamp() {
        let now = time::macros::datetime!(2026-12-07 06:15 UTC);
        let name = DistinguishedName::default().with_common_name("etcd-ca");
        let first = derived_subject(&name, "etcd-ca", now);
        assert_eq!(first.common_name(), Some("etcd-ca 202612070615"));
        let later = time::macros::datetime!(2027-12-07 06:15 UTC);
        let second = derived_subject(&first, "x", later);
        assert_eq!(second.common_name(), Some("etcd-ca 202712070615"));
    }
}

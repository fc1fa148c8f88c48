//! Stage 3, `finish`: the old CA out of every trust file, kept aside, and the new CA made the
//! current one.
//!
//! Takes a [`Run`] at stage `reissued` (or `finishing`, to resume); first asks every member
//! which CA issued the certificate it serves (each must serve the new CA's: etcd re-reads its
//! certificate files on every handshake, so a member that does not has files or a
//! configuration that `reissue` did not reach), unless `--force`. Then, in an order a killed
//! run resumes from: the old CA written aside (`ca-previous.pem`, `ca-previous-key.pem`), the
//! trust files rewritten without it, `--ca`/`--ca-key` replaced by the new CA as one set, the
//! next CA's files removed (the certificate last, as its presence marks a rotation under
//! way); then the second rolling restart.

use super::{Action, IssuedBy, Prober, RotateError, Run, Stage, probe_timeout, trust_pem};
use crate::pki::{PlannedFile, commit};

impl Run {
    /// Drops the old CA from the trust files and makes the new CA the current one.
    pub fn finish(&self) -> Result<Vec<Action>, RotateError> {
        self.require_readable()?;
        let mut actions = self.start_actions();
        let stage = self.stage();
        if stage == Stage::Idle && self.cas.previous.is_some() && !self.trusts_previous() {
            actions.push(Action::AlreadyDone(format!(
                "the rotation is finished: the old CA is kept in {}",
                self.cas.paths.previous_cert.display()
            )));
            return Ok(actions);
        }
        if !matches!(stage, Stage::Reissued | Stage::Finishing) {
            let reason = match stage {
                Stage::Prepared => "leaves of the old CA remain; run `rotate-ca reissue` first",
                _ => "no new CA is trusted everywhere yet; run `rotate-ca prepare` first",
            };
            return Err(RotateError::Stage {
                stage,
                reason: reason.into(),
            });
        }
        let super::Rotation::Under { old, new, switched } = &self.cas.rotation else {
            return Err(RotateError::Stage {
                stage,
                reason: "no rotation is under way".into(),
            });
        };
        self.check_serving(&mut actions)?;
        let keep_key = self.cas.rotation.keeps_key();
        let paths = &self.cas.paths;
        if !switched {
            self.keep_aside(old, keep_key, &mut actions)?;
        }
        for trust in &self.survey.trust_files {
            if !trust.holds(old) || trust.path == paths.cert {
                continue;
            }
            let mut certs: Vec<Vec<u8>> = trust
                .certs
                .iter()
                .filter(|c| **c != old.der)
                .cloned()
                .collect();
            if certs.is_empty() {
                certs.push(new.der.clone());
            }
            // A copy of the CA with its key (kubeadm's etcd/ca.crt and ca.key on every
            // member) becomes a copy of the new CA, key included.
            let key = match keep_key {
                true => None,
                false => self.ca_key_copy(&trust.path, old)?,
            };
            let change = (None, Some(old.cert.name.clone()));
            self.write_trust(&trust.path, &certs, key, change, &mut actions);
        }
        if actions.iter().any(|a| matches!(a, Action::Failed(_))) {
            return Ok(actions);
        }
        if !switched {
            self.switch(new, keep_key, &mut actions)?;
        }
        for file in [&paths.next_csr, &paths.next_key, &paths.next_cert] {
            if self.cas.exists(file)? {
                if !self.options.dry_run {
                    let name = file.file_name().unwrap_or_default();
                    self.cas.dir().remove(name)?;
                }
                actions.push(Action::Removed(file.clone()));
            }
        }
        self.restart("finish", &mut actions)?;
        Ok(actions)
    }

    /// Whether a trust file still holds the CA a finished rotation kept aside.
    fn trusts_previous(&self) -> bool {
        self.cas
            .previous
            .as_ref()
            .is_some_and(|previous| self.survey.trust_files.iter().any(|t| t.holds(previous)))
    }

    /// Refuses (unless `--force`) while a member serves a certificate the new CA did not issue
    /// or a leaf of the old CA is left under the paths.
    fn check_serving(&self, actions: &mut Vec<Action>) -> Result<(), RotateError> {
        let issuer = self.cas.signing_issuer()?;
        let prober = Prober::new(&issuer, probe_timeout(self.options.health_timeout));
        let mut blockers = prober.serving_other_than(&self.members, self.cas.rotation.signing())?;
        blockers.extend(
            self.survey
                .leaves
                .iter()
                .filter(|l| l.issued_by == IssuedBy::Old)
                .map(|l| super::Blocker {
                    member: "files".into(),
                    url: l.leaf.cert_file.display().to_string(),
                    reason: "is still a leaf of the old CA: run `rotate-ca reissue`".into(),
                }),
        );
        self.gate("finish", blockers, actions)
    }

    /// The new CA key to write over a copy of the old CA key beside `trust`, if there is one.
    fn ca_key_copy(
        &self,
        trust: &std::path::Path,
        old: &super::CaCert,
    ) -> Result<Option<PlannedFile>, RotateError> {
        for candidate in crate::pki::scan::key_files_for(trust) {
            let Ok((dir, name)) = self.trees.locate(&candidate) else {
                continue;
            };
            let Ok(Some(bytes)) = dir.read(&name) else {
                continue;
            };
            let bytes = zeroize::Zeroizing::new(bytes);
            let holds_old = crate::key::PrivateKey::from_pem(&bytes)
                .is_ok_and(|k| k.public_key().key_bits() == old.cert.public_key.key_bits());
            if holds_old {
                let new_key = self.cas.file_bytes(&self.cas.paths.next_key)?;
                return Ok(Some(PlannedFile::key(&candidate, new_key.to_vec())));
            }
        }
        Ok(None)
    }

    /// Writes the old CA (and its key, when the key changes) aside.
    fn keep_aside(
        &self,
        old: &super::CaCert,
        keep_key: bool,
        actions: &mut Vec<Action>,
    ) -> Result<(), RotateError> {
        let paths = &self.cas.paths;
        let mut files = Vec::new();
        if !keep_key {
            let key = self.cas.file_bytes(&paths.key)?;
            files.push(PlannedFile::key(&paths.previous_key, key.to_vec()));
        }
        files.push(PlannedFile::public(
            &paths.previous_cert,
            trust_pem(std::slice::from_ref(&old.der)),
        ));
        if !self.options.dry_run {
            let written = commit(&self.ca_root()?, "ca-previous", &files)?;
            actions.extend(written.warnings.into_iter().map(Action::Warning));
        }
        actions.push(Action::KeptAside {
            cert: paths.previous_cert.clone(),
            key: (!keep_key).then(|| paths.previous_key.clone()),
        });
        Ok(())
    }

    /// Replaces `--ca` (and `--ca-key`) with the new CA as one set.
    fn switch(
        &self,
        new: &super::CaCert,
        keep_key: bool,
        actions: &mut Vec<Action>,
    ) -> Result<(), RotateError> {
        let paths = &self.cas.paths;
        let mut files = Vec::new();
        if self.cas.exists(&paths.next_csr)? {
            let csr = self.cas.file_bytes(&paths.next_csr)?;
            files.push(PlannedFile::public(&paths.csr, csr.to_vec()));
        }
        if !keep_key {
            let key = self.cas.file_bytes(&paths.next_key)?;
            files.push(PlannedFile::key(&paths.key, key.to_vec()));
        }
        files.push(PlannedFile::public(
            &paths.cert,
            trust_pem(std::slice::from_ref(&new.der)),
        ));
        if !self.options.dry_run {
            let written = commit(&self.ca_root()?, "ca", &files)?;
            actions.extend(written.warnings.into_iter().map(Action::Warning));
        }
        actions.push(Action::Switched {
            cert: paths.cert.clone(),
            key: (!keep_key).then(|| paths.key.clone()),
        });
        Ok(())
    }
}

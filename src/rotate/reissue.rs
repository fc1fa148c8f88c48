//! Stage 2, `reissue`: every leaf of the old CA re-issued by the new one.
//!
//! Takes a [`Run`] at stage `prepared`; first asks every member whether it accepts a client
//! certificate from the new CA on its client and peer ports (a member not restarted since
//! `prepare` does not, and stops the step, unless `--force`); then re-issues each leaf the
//! old CA issued with its subject, SANs, usages and lifetime, on a new key unless
//! `--reuse-key`, replacing the files as `renew` does ([`crate::pki::successor`]). A bundle's
//! copy of the old CA becomes the new CA. Returns the actions done; a leaf that fails is an
//! [`Action::Failed`] and the others are still re-issued.

use time::OffsetDateTime;

use super::{Action, IssuedBy, Prober, RotateError, Run, Stage, probe_timeout};
use crate::pki::successor::Reissue;

impl Run {
    /// Re-issues the old CA's leaves under the new CA, once the members trust it.
    pub fn reissue(&self, now: OffsetDateTime) -> Result<Vec<Action>, RotateError> {
        self.require_readable()?;
        let mut actions = self.start_actions();
        let stage = self.stage();
        match stage {
            Stage::Prepared => {}
            Stage::Reissued | Stage::Finishing => {
                actions.push(Action::AlreadyDone(
                    "every leaf is already the new CA's; next: rotate-ca finish".into(),
                ));
                return Ok(actions);
            }
            Stage::Idle | Stage::Preparing => {
                return Err(RotateError::Stage {
                    stage,
                    reason: "the trust files do not all hold the new CA yet; run `rotate-ca prepare` first".into(),
                });
            }
        }
        let issuer = self.cas.signing_issuer()?;
        let super::Rotation::Under { old, new, .. } = &self.cas.rotation else {
            return Err(RotateError::Stage {
                stage: Stage::Idle,
                reason: "no rotation is under way; run `rotate-ca prepare` first".into(),
            });
        };
        self.check_trust(&issuer, &mut actions)?;
        let reissue = Reissue {
            issuer: &issuer,
            expiry: None,
            profile: None,
            reuse_key: self.options.reuse_key,
        };
        // Copies of one certificate (kubeadm's client certificates on every member) get one
        // successor, so that they stay one credential.
        let mut done_once: Vec<(Vec<u8>, crate::pki::successor::Successor)> = Vec::new();
        let old_leaves = self
            .survey
            .leaves
            .iter()
            .filter(|l| l.issued_by == IssuedBy::Old);
        for state in old_leaves {
            let mut leaf = state.leaf.clone();
            for block in &mut leaf.chain {
                if block.contents() == old.der.as_slice() {
                    *block = pem::Pem::new("CERTIFICATE", new.der.clone());
                }
            }
            let done = |new_key_file| Action::Reissued {
                cert_file: leaf.cert_file.clone(),
                name: leaf.name.clone(),
                new_key_file,
            };
            if self.options.dry_run {
                actions.push(done(None));
                continue;
            }
            let first = done_once.iter().find(|(der, _)| *der == leaf.der);
            let result = match first {
                Some((_, successor)) => reissue.replace_copy(&self.trees, successor, &leaf),
                None => reissue.replace(&self.trees, &leaf, now),
            };
            match result {
                Ok(installed) => {
                    actions.extend(installed.warnings.into_iter().map(Action::Warning));
                    actions.push(done(installed.successor.new_key_file.clone()));
                    if first.is_none() {
                        done_once.push((leaf.der.clone(), installed.successor));
                    }
                }
                Err(e) => actions.push(Action::Failed(e.to_string())),
            }
        }
        Ok(actions)
    }

    /// Refuses (unless `--force`) while a member refuses a client certificate from the new CA.
    fn check_trust(
        &self,
        issuer: &crate::sign::Issuer,
        actions: &mut Vec<Action>,
    ) -> Result<(), RotateError> {
        let prober = Prober::new(issuer, probe_timeout(self.options.health_timeout));
        let blockers = prober.refusing_new_ca(&self.members)?;
        self.gate("reissue", blockers, actions)
    }
}

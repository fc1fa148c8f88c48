//! `rotate-ca`: an etcd cluster's CA replaced with no downtime, in three stages worked out from
//! the files, each idempotent and resumable, each checked against the running members.
//!
//! Takes the current CA's files ([`CaPaths`]), the files under the user's paths, the etcd
//! configurations that name trust files and members (or `--endpoints`), and
//! [`RotateOptions`]; returns, per step, the [`Action`]s done (or, in a dry run, those that
//! would be). The stages follow the order that keeps every member reachable, because etcd
//! loads its trusted CA files only at start but re-reads its certificate and key on every
//! handshake (docs/rotation.md has the facts and their sources):
//!
//! 1. [`Run::prepare`]: a new CA (`ca-next.pem`), and every trust file rewritten as old + new;
//!    then a rolling restart so every member trusts both.
//! 2. [`Run::reissue`]: once every member accepts a client certificate from the new CA, every
//!    leaf of the old CA re-issued by the new one (as `renew` replaces pairs).
//! 3. [`Run::finish`]: once every member serves a leaf of the new CA and no leaf of the old one
//!    is left, the old CA removed from every trust file and kept aside (`ca-previous.pem`),
//!    `--ca` and `--ca-key` made the new CA's; then a second rolling restart.
//!
//! `rotate-ca status` shows [`Run::survey`]: where the rotation stands ([`Stage`]). Every write
//! goes through [`crate::pki`] (directory handles, commit records, locks), so a killed step
//! leaves files the next run finishes or drops before it looks at anything.

mod ca_files;
mod finish;
mod live;
mod members;
mod prepare;
mod reissue;
mod restart;
mod survey;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use ca_files::{CaCert, CaPaths, CaSet, Rotation};
pub use live::{Blocker, PROBE_CN, PortStatus, Prober};
pub use members::{Member, named_trust_files};
pub use prepare::NewCa;
pub use survey::{IssuedBy, LeafState, Stage, Survey, TrustFile};

use crate::etcd::EtcdConfig;
use crate::pki::fs::Trees;
use crate::pki::{DirLock, FsError, LockError, Recovery, Root, recover_dir};

/// Why a step could not run (a file it could not write is an [`Action::Failed`] instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotateError {
    /// A CA file is missing or unusable.
    #[error("{}: {reason}", file.display())]
    Ca {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be reached safely.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A set of files could not be written; the old files are still in place.
    #[error(transparent)]
    Write(#[from] crate::pki::CommitError),
    /// Another run holds a directory.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The step does not apply at this stage.
    #[error("the rotation is at stage {}: {reason}", stage.as_str())]
    Stage {
        /// Where the rotation stands.
        stage: Stage,
        /// What to do instead.
        reason: String,
    },
    /// Files under the paths could not be read, so the stage is not known for sure.
    #[error("cannot tell where the rotation stands:\n  {}", problems.join("\n  "))]
    Unreadable {
        /// One line per file.
        problems: Vec<String>,
    },
    /// Members that stop the step (without `--force`).
    #[error("{}", blocked_message(step, blockers))]
    Blocked {
        /// The step.
        step: &'static str,
        /// The members and why.
        blockers: Vec<Blocker>,
    },
    /// A restart failed: the rotation stays at its stage, `status` shows it.
    #[error(
        "restarting {member}: {reason}; the rotation stays where it is (etcdpki rotate-ca status), fix the member and run the step again"
    )]
    Restart {
        /// The member.
        member: String,
        /// What failed.
        reason: String,
    },
    /// The probe certificate could not be made.
    #[error("cannot make a probe certificate: {0}")]
    Probe(String),
    /// The new CA could not be made.
    #[error("cannot make the new CA: {0}")]
    NewCa(String),
}

impl RotateError {
    pub(crate) fn fs(e: FsError) -> Self {
        Self::Fs(e)
    }
}

fn blocked_message(step: &str, blockers: &[Blocker]) -> String {
    let lines: Vec<String> = blockers.iter().map(|b| format!("  {b}")).collect();
    format!(
        "{step} is blocked by {} member check(s); nothing was changed:\n{}\n  help: restart the members named (or give --restart-cmd to the previous step), then run {step} again; --force skips this check",
        blockers.len(),
        lines.join("\n")
    )
}

/// How a step runs.
#[derive(Clone, Debug)]
pub struct RotateOptions {
    /// Say what would be done; write, lock and restart nothing.
    pub dry_run: bool,
    /// Skip the live checks (each skip is an [`Action::Warning`]).
    pub force: bool,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    /// `--restart-cmd`: restarts one member (its environment: docs/rotation.md).
    pub restart_cmd: Option<String>,
    /// How long a restarted member may take to be healthy; also each probe's timeout.
    pub health_timeout: Duration,
    /// `--reuse-key`: re-issued leaves keep their keys.
    pub reuse_key: bool,
}

/// One thing a step did (or, in a dry run, would do).
#[derive(Clone, Debug)]
pub enum Action {
    /// A set a killed run left half written, finished or dropped first.
    Recovered(Recovery),
    /// The new CA was made.
    CaCreated {
        /// Its certificate file.
        cert: PathBuf,
        /// Its key file; `None` with `--keep-key`.
        key: Option<PathBuf>,
        /// Its short name.
        name: String,
        /// Its notAfter.
        not_after: time::OffsetDateTime,
    },
    /// A trust file rewritten.
    TrustUpdated {
        /// The file.
        path: PathBuf,
        /// The CA added, by short name.
        added: Option<String>,
        /// The CA removed, by short name.
        removed: Option<String>,
    },
    /// A leaf re-issued by the new CA.
    Reissued {
        /// The certificate file.
        cert_file: PathBuf,
        /// Its short name.
        name: String,
        /// The key file that got a new key.
        new_key_file: Option<PathBuf>,
    },
    /// The old CA kept aside.
    KeptAside {
        /// Where its certificate went.
        cert: PathBuf,
        /// Where its key went (`None` with `--keep-key`: the key stays the CA's).
        key: Option<PathBuf>,
    },
    /// `--ca` (and `--ca-key`) now hold the new CA.
    Switched {
        /// `--ca`.
        cert: PathBuf,
        /// `--ca-key`, when the key changed.
        key: Option<PathBuf>,
    },
    /// A file of the rotation removed (the next CA's, once it is the current one).
    Removed(PathBuf),
    /// A member restarted and healthy again.
    Restarted(String),
    /// A member to restart by hand, in this order (no `--restart-cmd`).
    RestartByHand(Member),
    /// The step's work was already done (a rerun, or a run that was stopped at its end):
    /// nothing was changed, and this says what comes next.
    AlreadyDone(String),
    /// Something the operator should know.
    Warning(String),
    /// A file that could not be written (the others still are).
    Failed(String),
}

/// One step's run: everything read, and the lock held until it is dropped.
pub struct Run {
    /// The CA files.
    pub cas: CaSet,
    /// Where the rotation stands.
    pub survey: Survey,
    /// The members, in restart order.
    pub members: Vec<Member>,
    /// How the step runs.
    pub options: RotateOptions,
    /// What a killed run left, finished first.
    pub recovered: Vec<Recovery>,
    trees: Trees,
    _lock: Option<DirLock>,
}

impl Run {
    /// Reads the CA, the members and the files under `paths`; unless in a dry run, locks
    /// every directory it may write (the CA's, each trust file's and leaf's) and finishes or
    /// drops what a killed run left there before it surveys the files.
    pub fn open(
        ca: CaPaths,
        paths: &[PathBuf],
        configs: &[EtcdConfig],
        endpoints: &[String],
        options: RotateOptions,
    ) -> Result<Self, RotateError> {
        let cas = CaSet::read(ca)?;
        let named: Vec<(PathBuf, PathBuf)> = configs.iter().flat_map(named_trust_files).collect();
        let mut members: Vec<Member> = configs.iter().map(Member::from_config).collect();
        members.extend(endpoints.iter().map(|e| Member::from_endpoint(e)));
        let files = crate::pki::scan::collect_files(paths).map_err(|e| RotateError::Ca {
            file: PathBuf::from(&e.path),
            reason: e.reason,
        })?;
        let trees = Trees::open(paths)?;
        let mut recovered = Vec::new();
        let lock = if options.dry_run {
            None
        } else {
            let mut dirs = vec![cas.dir().open_beneath(Path::new(""))?];
            let mut seen: Vec<&Path> = Vec::new();
            for file in files.iter().chain(named.iter().map(|(t, _)| t)) {
                let parent = file.parent().unwrap_or(Path::new(""));
                if !seen.contains(&parent) {
                    seen.push(parent);
                    if let Ok((dir, _)) = trees.locate(file) {
                        dirs.push(dir);
                    }
                }
            }
            let lock = DirLock::acquire(dirs, options.lock_wait)?;
            for dir in lock.dirs() {
                recovered.extend(recover_dir(dir)?);
            }
            Some(lock)
        };
        // After recovery: the CA files may have been among what a killed run left.
        let cas = if recovered.is_empty() {
            cas
        } else {
            CaSet::read(cas.paths.clone())?
        };
        let survey = survey::survey(&cas, &trees, &files, &named);
        Ok(Self {
            cas,
            survey,
            members,
            options,
            recovered,
            trees,
            _lock: lock,
        })
    }

    /// The stage.
    pub fn stage(&self) -> Stage {
        self.survey.stage
    }

    /// The actions that start every step's report: what recovery did.
    fn start_actions(&self) -> Vec<Action> {
        self.recovered
            .iter()
            .cloned()
            .map(Action::Recovered)
            .collect()
    }

    /// Refuses to act on a survey with unreadable files.
    fn require_readable(&self) -> Result<(), RotateError> {
        if self.survey.problems.is_empty() {
            Ok(())
        } else {
            Err(RotateError::Unreadable {
                problems: self.survey.problems.clone(),
            })
        }
    }

    /// Lets a step go on when nothing blocks it, or with `--force` (each blocker then a
    /// warning); else the step is [`RotateError::Blocked`].
    fn gate(
        &self,
        step: &'static str,
        blockers: Vec<Blocker>,
        actions: &mut Vec<Action>,
    ) -> Result<(), RotateError> {
        if blockers.is_empty() {
            return Ok(());
        }
        if !self.options.force {
            return Err(RotateError::Blocked { step, blockers });
        }
        actions.extend(
            blockers
                .iter()
                .map(|b| Action::Warning(format!("--force: going on although {b}"))),
        );
        Ok(())
    }

    /// A root for writing beside `path` (its own directory), reached from its tree.
    fn root_beside(&self, path: &Path) -> Result<Root, RotateError> {
        let (dir, _) = self.trees.locate(path)?;
        Ok(Root::from_handle(dir.open_beneath(Path::new(""))?))
    }

    /// A root for writing beside the CA.
    fn ca_root(&self) -> Result<Root, RotateError> {
        Ok(Root::from_handle(
            self.cas.dir().open_beneath(Path::new(""))?,
        ))
    }

    /// Restarts the members after a trust change with `--restart-cmd`, or lists them in order.
    fn restart(&self, stage: &str, actions: &mut Vec<Action>) -> Result<(), RotateError> {
        if self.options.dry_run {
            return Ok(());
        }
        let Some(cmd) = &self.options.restart_cmd else {
            actions.extend(self.members.iter().cloned().map(Action::RestartByHand));
            return Ok(());
        };
        let issuer = self.cas.signing_issuer()?;
        let prober = Prober::new(&issuer, probe_timeout(self.options.health_timeout));
        restart::rolling_restart(
            cmd,
            &self.members,
            stage,
            &prober,
            self.options.health_timeout,
            |m| actions.push(Action::Restarted(m.name.clone())),
        )
    }
}

/// One probe's timeout: short, so that a dead member does not hold a check for long.
fn probe_timeout(health_timeout: Duration) -> Duration {
    health_timeout.min(Duration::from_secs(5))
}

/// A trust file's new contents: `certs` as PEM, in order.
fn trust_pem(certs: &[Vec<u8>]) -> Vec<u8> {
    certs
        .iter()
        .map(|der| pem::encode(&pem::Pem::new("CERTIFICATE", der.clone())))
        .collect::<String>()
        .into_bytes()
}

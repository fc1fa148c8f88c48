//! The crate's error: every module's typed error under one enum, and the [`ErrorKind`] a caller
//! (the CLI's exit codes, another tool's retry logic) decides on.
//!
//! Takes nothing; each module keeps its own error enum, whose variants carry the facts (the
//! file, the value, the limit). [`Error`] wraps them with `From`, so `?` lifts any of them.

use crate::certinfo::{CertInfoError, tls_fetch::PeerError};
use crate::cluster::{ClusterError, PlanError, SpecError, SubjectNamesError};
use crate::config::{DurationError, ProfileError, WindowError};
use crate::diag::InputError;
use crate::etcd::{DiscoverySrvError, EtcdConfigError, InitialClusterError, MemberUrlError};
use crate::key::KeyError;
use crate::pki::{
    BackupError, CommitError, FsError, LeafError, LockError, OutputError, RevocationError,
    ScanError,
};
use crate::renew::{HookError, RenewError, RenewWindowError};
use crate::revoke::RevokeError;
use crate::sign::SignError;
use crate::sign::crl::{SerialLineError, TimeError};
use crate::x509::ReadError;

/// What kind of failure an [`Error`] is: what a caller decides on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input (a file, a flag's value) is wrong; the message names it and what is accepted.
    Input,
    /// Reading or writing a file failed, or a path cannot be walked.
    Io,
    /// Another run holds a lock for longer than the wait allowed.
    Busy,
    /// Key generation, signing or a TLS exchange failed.
    Crypto,
    /// A hook or other command etcdpki ran failed.
    Command,
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[allow(
    missing_docs,
    reason = "each variant is its module's error, documented there"
)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    EtcdConfig(#[from] EtcdConfigError),
    #[error(transparent)]
    InitialCluster(#[from] InitialClusterError),
    #[error(transparent)]
    MemberUrl(#[from] MemberUrlError),
    #[error(transparent)]
    DiscoverySrv(#[from] DiscoverySrvError),
    #[error(transparent)]
    Write(#[from] OutputError),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Leaf(#[from] LeafError),
    #[error(transparent)]
    CertInfo(#[from] CertInfoError),
    #[error(transparent)]
    Fetch(#[from] PeerError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    SubjectNames(#[from] SubjectNamesError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    RenewWindow(#[from] RenewWindowError),
    #[error(transparent)]
    Renew(#[from] RenewError),
    #[error(transparent)]
    Hook(#[from] HookError),
    #[error(transparent)]
    Rotate(#[from] crate::rotate::RotateError),
    #[error(transparent)]
    SerialList(#[from] SerialLineError),
    #[error(transparent)]
    CrlTime(#[from] TimeError),
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    #[error(transparent)]
    Revoke(#[from] RevokeError),
}

impl Error {
    /// The kind of failure, for exit codes and retries.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Input(_)
            | Error::Duration(_)
            | Error::Window(_)
            | Error::Profile(_)
            | Error::Read(_)
            | Error::EtcdConfig(_)
            | Error::InitialCluster(_)
            | Error::MemberUrl(_)
            | Error::DiscoverySrv(_)
            | Error::Leaf(_)
            | Error::CertInfo(_)
            | Error::Spec(_)
            | Error::SubjectNames(_)
            | Error::Plan(_)
            | Error::RenewWindow(_)
            | Error::SerialList(_)
            | Error::CrlTime(_) => ErrorKind::Input,
            Error::Write(CommitError::Lock(LockError::Busy { .. }))
            | Error::Lock(LockError::Busy { .. })
            | Error::Cluster(ClusterError::Lock(LockError::Busy { .. })) => ErrorKind::Busy,
            Error::Write(_) | Error::Backup(_) | Error::Scan(_) | Error::Fs(_) => ErrorKind::Io,
            Error::Lock(_) => ErrorKind::Io,
            Error::Key(_) | Error::Sign(_) | Error::Fetch(_) => ErrorKind::Crypto,
            Error::Cluster(e) => match e {
                ClusterError::CaUnusable(_)
                | ClusterError::CaCopy { .. }
                | ClusterError::NotOwn { .. } => ErrorKind::Input,
                ClusterError::Key(_) | ClusterError::Sign(_) => ErrorKind::Crypto,
                _ => ErrorKind::Io,
            },
            Error::Renew(e) => match e {
                RenewError::Leaf { .. } => ErrorKind::Input,
                RenewError::Sign { .. } => ErrorKind::Crypto,
                RenewError::Output(_) => ErrorKind::Io,
            },
            Error::Hook(_) => ErrorKind::Command,
            Error::Rotate(e) => rotate_kind(e),
            Error::Revocation(e) | Error::Revoke(RevokeError::Revocation(e)) => revocation_kind(e),
            Error::Revoke(_) => ErrorKind::Input,
        }
    }
}

fn rotate_kind(e: &crate::rotate::RotateError) -> ErrorKind {
    use crate::rotate::RotateError as R;
    match e {
        R::Ca { .. } | R::Stage { .. } | R::Unreadable { .. } => ErrorKind::Input,
        R::Fs(_) | R::Write(_) => ErrorKind::Io,
        R::Lock(_) => ErrorKind::Busy,
        R::Probe(_) | R::NewCa(_) => ErrorKind::Crypto,
        R::Blocked { .. } | R::Restart { .. } => ErrorKind::Command,
    }
}

fn revocation_kind(e: &RevocationError) -> ErrorKind {
    match e {
        RevocationError::Read { .. } | RevocationError::Write(_) => ErrorKind::Io,
        RevocationError::Sign(_) => ErrorKind::Crypto,
        _ => ErrorKind::Input,
    }
}

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

use time::{Duration, OffsetDateTime};

pub use crate::pki::successor::{Reissue, ReissueError as RenewError, Successor};
pub use crate::pki::{DirLock, Leaf, LockError};
pub use crl::{ca_crls, refresh_crls};
pub use hook::{HookError, run_hook};
pub use run::{
    OtherCa, RenewEvent, RenewReport, RunMode, lock_and_recover, next_ca_files, renew_files,
};
pub use window::{RenewWindow, RenewWindowError};

use crate::config::{GoDuration, Profile};
use crate::sign::Issuer;

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

impl RenewPolicy<'_> {
    /// How a due leaf's successor is made: by this CA, with the lifetime, profile and key
    /// choice asked for.
    pub fn reissue(&self) -> Reissue<'_> {
        Reissue {
            issuer: self.issuer,
            expiry: self.expiry,
            profile: self.profile,
            reuse_key: self.reuse_key,
        }
    }

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
}

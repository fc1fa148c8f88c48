//! Flag values parsed at the edge: clap value enums mapped to the library's enums, and value
//! parsers for durations, windows and times.

use etcdpki::cluster::{ClusterState, Layout};
use etcdpki::config::GoDuration;
use etcdpki::config::duration::parse_window;
use etcdpki::key::KeyFamily;
use etcdpki::renew::RenewWindow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `--key-algo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyAlgo {
    /// RSA (2048 bits unless --key-size).
    Rsa,
    /// ECDSA (P-256 unless --key-size).
    Ecdsa,
    /// Ed25519.
    Ed25519,
}

impl From<KeyAlgo> for KeyFamily {
    fn from(algo: KeyAlgo) -> Self {
        match algo {
            KeyAlgo::Rsa => KeyFamily::Rsa,
            KeyAlgo::Ecdsa => KeyFamily::Ecdsa,
            KeyAlgo::Ed25519 => KeyFamily::Ed25519,
        }
    }
}

/// `--layout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// cfssljson's names in one directory.
    Cfssl,
    /// etcdadm's names.
    Etcdadm,
    /// kubeadm's names.
    Kubeadm,
}

impl From<LayoutArg> for Layout {
    fn from(layout: LayoutArg) -> Self {
        match layout {
            LayoutArg::Cfssl => Layout::Cfssl,
            LayoutArg::Etcdadm => Layout::Etcdadm,
            LayoutArg::Kubeadm => Layout::Kubeadm,
        }
    }
}

/// `--initial-cluster-state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StateArg {
    /// Every member starts together.
    New,
    /// The member joins a running cluster.
    Existing,
}

impl From<StateArg> for ClusterState {
    fn from(state: StateArg) -> Self {
        match state {
            StateArg::New => ClusterState::New,
            StateArg::Existing => ClusterState::Existing,
        }
    }
}

/// A duration above zero, for lifetimes and waits, in the one grammar of every duration flag
/// (a Go duration such as `8760h`, or days such as `365d`: [`parse_window`]).
pub(super) fn positive_duration(text: &str) -> Result<GoDuration, String> {
    match parse_window(text) {
        Ok(d) if d.as_nanos() > 0 => Ok(d),
        Ok(_) => Err("must be positive".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// A window: a Go duration (`720h`) or days (`30d`).
pub(super) fn window(text: &str) -> Result<Window, String> {
    parse_window(text)
        .map(|duration| Window {
            duration,
            text: text.to_owned(),
        })
        .map_err(|e| e.to_string())
}

/// A window and the way it was written, to show it back as the user meant it (`30d`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// The window.
    pub duration: GoDuration,
    /// As written.
    pub text: String,
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `--before`: a window or a share of the lifetime.
pub(super) fn renew_window(text: &str) -> Result<RenewWindow, String> {
    RenewWindow::parse(text).map_err(|e| e.to_string())
}

/// A time in RFC 3339 (`2027-06-01T00:00:00Z`).
pub(super) fn rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("{e}; write RFC 3339, e.g. 2027-06-01T00:00:00Z"))
}

/// `lint --docs-url`: the URL of docs/lints.md, absolute.
pub(super) fn docs_url(text: &str) -> Result<etcdpki::lint::DocsUrl, String> {
    etcdpki::lint::DocsUrl::parse(text).map_err(|e| e.to_string())
}

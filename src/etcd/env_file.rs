//! Each member's etcd settings as an environment file that etcd reads as is.
//!
//! Takes a member's [`MemberSettings`] (made by `cluster` from its plan); returns the text of
//! `NAME.env`: `ETCD_*` variables, which etcd takes as its flags (etcd 3.4
//! pkg/flags `SetFlagsFromEnv`: `--peer-cert-file` is `ETCD_PEER_CERT_FILE`). The file loads
//! with systemd's `EnvironmentFile=` and with `set -a; . ./NAME.env; set +a` in a shell (values
//! are quoted only when they need it, and then in double quotes, which systemd and sh read
//! alike; `docker run --env-file` does not unquote). The data directory is left out: etcd's default is
//! `NAME.etcd` in its working directory, and where data lives is the operator's choice.

use std::fmt::Write as _;
use std::path::Path;

/// `--initial-cluster-state`: whether the member starts a new cluster or joins a running one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterState {
    /// Every member of the initial cluster starts together.
    New,
    /// The member was added with `etcdctl member add` and joins a running cluster.
    Existing,
}

impl ClusterState {
    /// etcd's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterState::New => "new",
            ClusterState::Existing => "existing",
        }
    }
}

/// Variables etcd reads only when it bootstraps a data directory (etcd 3.4 op-guide
/// configuration.md: "--initial-cluster … ignored after the first start"); an existing file
/// that differs only in them is kept, so adding a member changes no other member's file.
const BOOTSTRAP_ONLY: &[&str] = &["ETCD_INITIAL_CLUSTER", "ETCD_INITIAL_CLUSTER_STATE"];

/// How a member finds the others when it bootstraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bootstrap<'a> {
    /// `--initial-cluster`: the `name=url,…` list.
    InitialCluster(&'a str),
    /// `--discovery-srv`: the domain whose SRV records list the members.
    DiscoverySrv(&'a str),
}

/// What one member's environment file sets: its name, URLs, bootstrap and TLS files.
#[derive(Clone, Copy, Debug)]
pub struct MemberSettings<'a> {
    /// `--name`.
    pub name: &'a str,
    /// `--listen-peer-urls`.
    pub listen_peer_urls: &'a [String],
    /// `--initial-advertise-peer-urls`.
    pub peer_urls: &'a [String],
    /// `--listen-client-urls`.
    pub listen_client_urls: &'a [String],
    /// `--advertise-client-urls`.
    pub client_urls: &'a [String],
    /// `--initial-cluster` or `--discovery-srv`.
    pub bootstrap: Bootstrap<'a>,
    /// `--initial-cluster-state`.
    pub state: ClusterState,
    /// `--cert-file`.
    pub cert_file: &'a Path,
    /// `--key-file`.
    pub key_file: &'a Path,
    /// `--peer-cert-file`.
    pub peer_cert_file: &'a Path,
    /// `--peer-key-file`.
    pub peer_key_file: &'a Path,
    /// `--trusted-ca-file` and `--peer-trusted-ca-file`.
    pub trusted_ca_file: &'a Path,
}

/// The environment file of one member.
pub fn env_file_text(member: &MemberSettings<'_>) -> String {
    let mut text = format!(
        "# etcd member {name}: TLS and cluster settings made by `etcdpki cluster`.\n\
         # etcd reads ETCD_* variables as its flags (ETCD_CERT_FILE is --cert-file). Load this file\n\
         # with systemd's EnvironmentFile= or `set -a; . ./{name}.env; set +a`. The data directory\n\
         # is not set: etcd's default is {name}.etcd in its working directory.\n",
        name = member.name
    );
    let path = |p: &Path| p.display().to_string();
    let mut vars: Vec<(&str, String)> = vec![
        ("ETCD_NAME", member.name.to_owned()),
        ("ETCD_LISTEN_PEER_URLS", member.listen_peer_urls.join(",")),
        (
            "ETCD_INITIAL_ADVERTISE_PEER_URLS",
            member.peer_urls.join(","),
        ),
        (
            "ETCD_LISTEN_CLIENT_URLS",
            member.listen_client_urls.join(","),
        ),
        ("ETCD_ADVERTISE_CLIENT_URLS", member.client_urls.join(",")),
    ];
    // etcd refuses --initial-cluster together with --discovery-srv (embed/config.go
    // ErrConflictBootstrapFlags): with SRV discovery the members come from DNS.
    match member.bootstrap {
        Bootstrap::DiscoverySrv(domain) => vars.push(("ETCD_DISCOVERY_SRV", domain.to_owned())),
        Bootstrap::InitialCluster(list) => vars.push(("ETCD_INITIAL_CLUSTER", list.to_owned())),
    }
    vars.extend([
        (
            "ETCD_INITIAL_CLUSTER_STATE",
            member.state.as_str().to_owned(),
        ),
        ("ETCD_CERT_FILE", path(member.cert_file)),
        ("ETCD_KEY_FILE", path(member.key_file)),
        ("ETCD_TRUSTED_CA_FILE", path(member.trusted_ca_file)),
        ("ETCD_CLIENT_CERT_AUTH", "true".into()),
        ("ETCD_PEER_CERT_FILE", path(member.peer_cert_file)),
        ("ETCD_PEER_KEY_FILE", path(member.peer_key_file)),
        ("ETCD_PEER_TRUSTED_CA_FILE", path(member.trusted_ca_file)),
        ("ETCD_PEER_CLIENT_CERT_AUTH", "true".into()),
    ]);
    for (key, value) in vars {
        let _ = writeln!(text, "{key}={}", quote(&value));
    }
    text
}

/// True when two environment files set the same things, bootstrap-only variables aside.
pub fn same_settings(old: &str, new: &str) -> bool {
    let settings = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                let key = l.split('=').next().unwrap_or_default();
                !BOOTSTRAP_ONLY.contains(&key)
            })
            .map(str::to_owned)
            .collect()
    };
    settings(old) == settings(new)
}

/// `value` bare when every character is plain, else in double quotes with `\`, `"`, `$` and
/// `` ` `` escaped (the escapes systemd's EnvironmentFile= and sh both undo). Line breaks
/// never get here: the plan refuses paths with them.
pub(crate) fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._:,=@+-%[]".contains(&b));
    if plain {
        return value.to_owned();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

//! Each member's etcd settings as an environment file that etcd reads as is.
//!
//! Takes a [`Plan`], one of its [`MemberPlan`]s and the [`ClusterState`] it starts in;
//! returns the text of `NAME.env`: `ETCD_*` variables, which etcd takes as its flags (etcd 3.4
//! pkg/flags `SetFlagsFromEnv`: `--peer-cert-file` is `ETCD_PEER_CERT_FILE`). The file loads
//! with systemd's `EnvironmentFile=` and with `set -a; . ./NAME.env; set +a` in a shell (values
//! are quoted only when they need it, and then in double quotes, which systemd and sh read
//! alike; `docker run --env-file` does not unquote). The data directory is left out: etcd's default is
//! `NAME.etcd` in its working directory, and where data lives is the operator's choice.

use std::fmt::Write as _;
use std::path::Path;

use super::plan::{MemberPlan, Plan};

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

/// The environment file of `member`.
pub fn env_file_text(plan: &Plan, member: &MemberPlan, state: ClusterState) -> String {
    let mut text = format!(
        "# etcd member {name}: TLS and cluster settings made by `etcdpki cluster`.\n\
         # etcd reads ETCD_* variables as its flags (ETCD_CERT_FILE is --cert-file). Load this file\n\
         # with systemd's EnvironmentFile= or `set -a; . ./{name}.env; set +a`. The data directory\n\
         # is not set: etcd's default is {name}.etcd in its working directory.\n",
        name = member.name
    );
    let path = |p: &Path| p.display().to_string();
    let mut vars: Vec<(&str, String)> = vec![
        ("ETCD_NAME", member.name.clone()),
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
    match &plan.discovery_srv {
        Some(domain) => vars.push(("ETCD_DISCOVERY_SRV", domain.clone())),
        None => vars.push(("ETCD_INITIAL_CLUSTER", plan.initial_cluster.clone())),
    }
    vars.extend([
        ("ETCD_INITIAL_CLUSTER_STATE", state.as_str().to_owned()),
        ("ETCD_CERT_FILE", path(&member.cert_file)),
        ("ETCD_KEY_FILE", path(&member.key_file)),
        ("ETCD_TRUSTED_CA_FILE", path(&member.trusted_ca_file)),
        ("ETCD_CLIENT_CERT_AUTH", "true".into()),
        ("ETCD_PEER_CERT_FILE", path(&member.peer_cert_file)),
        ("ETCD_PEER_KEY_FILE", path(&member.peer_key_file)),
        ("ETCD_PEER_TRUSTED_CA_FILE", path(&member.trusted_ca_file)),
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
fn quote(value: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ClusterSpec, Layout, PlanOptions, SubjectNames, plan};
    use crate::config::GoDuration;
    use crate::lint::etcd_config::{ConfigForm, read_etcd_config};

    fn plan_of(value: &str, cert_dir: &str) -> Plan {
        let spec = ClusterSpec::from_initial_cluster(value).expect("valid");
        plan(
            &spec,
            &PlanOptions {
                out: "pki".into(),
                layout: Layout::Cfssl,
                key: Default::default(),
                expiry: GoDuration::from_hours(8760),
                ca_expiry: GoDuration::from_hours(87600),
                names: SubjectNames::default(),
                client_port: 2379,
                cert_dir: Some(cert_dir.into()),
            },
        )
        .expect("plan")
    }

    #[test]
    fn lint_reads_the_file_as_etcd_would() {
        let p = plan_of(
            "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380",
            "/etc/etcd/pki",
        );
        let text = env_file_text(&p, &p.members[1], ClusterState::New);
        assert!(
            text.contains("\nETCD_CERT_FILE=/etc/etcd/pki/infra1.pem\n"),
            "{text}"
        );
        let cfg = read_etcd_config(Path::new("infra1.env"), &text).expect("etcd config");
        assert_eq!(cfg.form, ConfigForm::EnvFile);
        assert_eq!(cfg.name.as_deref(), Some("infra1"));
        assert!(cfg.client_cert_auth && cfg.peer_client_cert_auth);
        assert_eq!(cfg.advertise_client_urls, ["https://10.0.1.11:2379"]);
        assert_eq!(
            cfg.initial_cluster.as_deref(),
            Some(p.initial_cluster.as_str())
        );
        assert_eq!(
            cfg.peer_trusted_ca_file.as_deref(),
            Some("/etc/etcd/pki/ca.pem")
        );
    }

    #[test]
    fn only_bootstrap_variables_may_differ_in_a_kept_file() {
        let two = plan_of("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380", "/pki");
        let three = plan_of(
            "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,c=https://10.0.0.3:2380",
            "/pki",
        );
        let old = env_file_text(&two, &two.members[0], ClusterState::New);
        let new = env_file_text(&three, &three.members[0], ClusterState::Existing);
        assert_ne!(old, new);
        assert!(same_settings(&old, &new));
        let moved = plan_of("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380", "/srv");
        let new = env_file_text(&moved, &moved.members[0], ClusterState::New);
        assert!(!same_settings(&old, &new));
    }

    #[test]
    fn values_are_quoted_only_when_needed() {
        assert_eq!(quote("/etc/etcd/pki/a.pem"), "/etc/etcd/pki/a.pem");
        assert_eq!(quote("/my pki/$x\"y"), "\"/my pki/\\$x\\\"y\"");
        let p = plan_of("a=https://10.0.0.1:2380", "/my pki");
        let text = env_file_text(&p, &p.members[0], ClusterState::New);
        let cfg = read_etcd_config(Path::new("a.env"), &text).expect("etcd config");
        assert_eq!(cfg.cert_file.as_deref(), Some("/my pki/a.pem"));
    }
}

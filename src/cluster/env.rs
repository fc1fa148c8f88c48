//! Each member's environment file, from the plan: the plan's member and cluster facts become
//! [`MemberSettings`], which `etcd::env_file` writes as etcd reads them.
//!
//! Takes a [`Plan`], one of its [`MemberPlan`]s and the [`ClusterState`] it starts in; returns
//! the text of `NAME.env`.

use super::plan::{MemberPlan, Plan};
use crate::etcd::{Bootstrap, ClusterState, MemberSettings, env_file_text};

/// The environment file of `member` in `plan`.
pub(crate) fn member_env_file(plan: &Plan, member: &MemberPlan, state: ClusterState) -> String {
    let bootstrap = match &plan.discovery_srv {
        Some(domain) => Bootstrap::DiscoverySrv(domain),
        None => Bootstrap::InitialCluster(&plan.initial_cluster),
    };
    env_file_text(&MemberSettings {
        name: &member.name,
        listen_peer_urls: &member.listen_peer_urls,
        peer_urls: &member.peer_urls,
        listen_client_urls: &member.listen_client_urls,
        client_urls: &member.client_urls,
        bootstrap,
        state,
        cert_file: &member.cert_file,
        key_file: &member.key_file,
        peer_cert_file: &member.peer_cert_file,
        peer_key_file: &member.peer_key_file,
        trusted_ca_file: &member.trusted_ca_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ClusterSpec, Layout, PlanOptions, SubjectNames, plan};
    use crate::config::GoDuration;
    use crate::etcd::env_file::quote;
    use crate::etcd::{ConfigForm, read_etcd_config, same_settings};
    use std::path::Path;

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
        let text = member_env_file(&p, &p.members[1], ClusterState::New);
        assert!(
            text.contains("\nETCD_CERT_FILE=/etc/etcd/pki/infra1.pem\n"),
            "{text}"
        );
        let cfg = read_etcd_config(Path::new("infra1.env"), &text, None).expect("etcd config");
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
        let old = member_env_file(&two, &two.members[0], ClusterState::New);
        let new = member_env_file(&three, &three.members[0], ClusterState::Existing);
        assert_ne!(old, new);
        assert!(same_settings(&old, &new));
        let moved = plan_of("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380", "/srv");
        let new = member_env_file(&moved, &moved.members[0], ClusterState::New);
        assert!(!same_settings(&old, &new));
    }

    #[test]
    fn values_are_quoted_only_when_needed() {
        assert_eq!(quote("/etc/etcd/pki/a.pem"), "/etc/etcd/pki/a.pem");
        assert_eq!(quote("/my pki/$x\"y"), "\"/my pki/\\$x\\\"y\"");
        let p = plan_of("a=https://10.0.0.1:2380", "/my pki");
        let text = member_env_file(&p, &p.members[0], ClusterState::New);
        let cfg = read_etcd_config(Path::new("a.env"), &text, None).expect("etcd config");
        assert_eq!(cfg.cert_file.as_deref(), Some("/my pki/a.pem"));
    }
}

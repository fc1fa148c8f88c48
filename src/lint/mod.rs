//! `lint`: pre-flight checks of a whole etcd PKI against what etcd and its clients need.
//!
//! Takes an [`Inventory`] (the files, recognised by content and parsed), a [`Context`] (members,
//! DNS-SRV domain, roles from etcd configurations) and [`LintOptions`]; returns a
//! [`LintReport`] of findings, each naming a [`rule`] and the files concerned. The rules live in
//! [`certificate_rules`] (one certificate in its role), [`pki_rules`] (chains, names, keys) and
//! [`cluster_rules`] (the cluster's settings, cfssl JSON), [`trust_rules`] (each member's
//! trust), [`settings_rules`] and [`access_rules`] (a member's TLS settings, who may connect)
//! and [`crl_rules`]; docs/lints.md explains each.

pub mod access_rules;
pub mod certificate_rules;
pub mod cluster_rules;
pub mod context;
pub mod crl_rules;
pub mod inventory;
pub mod pki_rules;
pub mod report;
pub mod rule;
pub mod settings_rules;
pub mod trust_rules;

pub use context::Context;
pub use inventory::{Inventory, NamedFiles};
pub use report::{DocsUrl, DocsUrlError, Finding, LintReport};
pub use rule::{Level, Rule};

use certificate_rules::TimeRules;

/// How to judge.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// The time to judge validity at, and the warning window.
    pub time: TimeRules,
    /// Threads for parsing and signature checks.
    pub workers: usize,
    /// Per-rule levels (`--rule ID=LEVEL`); `None` turns a rule off.
    pub overrides: Vec<(Rule, Option<Level>)>,
}

/// Runs every rule.
// Long: the order the rule families run in, one call each, with the facts they share (issuers,
// roles) worked out once at the top; the families themselves live in their modules.
pub fn lint(inv: &Inventory, ctx: &Context, options: &LintOptions) -> LintReport {
    let issuers = pki_rules::issuers(inv, options.workers);
    // A certificate that signed another one here is a CA, whatever its name says.
    let mut signs = vec![false; inv.certs.len()];
    for (i, issuer) in issuers.iter().enumerate() {
        if let Ok(j) = issuer {
            signs[*j] |= *j != i;
        }
    }
    let own_peer = context::members_with_peer_files(
        ctx,
        inv.certs
            .iter()
            .filter(|c| c.index == 0)
            .map(|c| c.file.as_path()),
    );
    let roles: Vec<(context::Roles, Option<String>)> = inv
        .certs
        .iter()
        .zip(&signs)
        .map(|(c, signs)| {
            if *signs {
                return (context::Roles::default(), None);
            }
            let (r, m) = ctx.roles_of(c, &own_peer);
            (r, m.map(|m| m.name.clone()))
        })
        .collect();

    let mut findings = Vec::new();
    findings.extend(inv.findings.iter().cloned());
    findings.extend(ctx.findings.iter().cloned());
    for (cert, (r, member)) in inv.certs.iter().zip(&roles) {
        findings.extend(certificate_rules::check(
            cert,
            *r,
            ctx.client_cert_auth,
            options.time,
        ));
        findings.extend(cluster_rules::srv_domain(cert, *r, ctx));
        if let Some(m) = member
            .as_deref()
            .and_then(|n| ctx.members.iter().find(|m| m.name == n))
        {
            findings.extend(cluster_rules::member_sans(cert, *r, m));
        }
    }
    findings.extend(pki_rules::chain_rules(inv, &issuers));
    findings.extend(trust_rules::member_trust(inv, &issuers, &roles, &ctx.tls));
    findings.extend(trust_rules::chain_eku(inv, &issuers, &roles));
    findings.extend(settings_rules::check(inv, &ctx.configs, &ctx.tls));
    let cert_roles: Vec<context::Roles> = roles.iter().map(|(r, _)| *r).collect();
    findings.extend(access_rules::client_allowed_names(
        inv,
        &cert_roles,
        &ctx.configs,
        &ctx.tls,
    ));
    findings.extend(access_rules::peer_client_san(
        inv,
        &ctx.configs,
        &ctx.tls,
        &ctx.members,
    ));
    findings.extend(access_rules::grpc_proxy_cn(inv, &ctx.grpc_proxies));
    findings.extend(pki_rules::duplicate_subjects(inv, &roles));
    findings.extend(pki_rules::key_rules(inv, &ctx.pairs));
    findings.extend(cluster_rules::srv_domain_requests(inv, ctx));
    findings.extend(cluster_rules::json_rules(inv));
    findings.extend(crl_rules::check(
        inv,
        &ctx.crl_settings,
        &cert_roles,
        ctx.release,
        options.time.at,
    ));

    let findings = findings
        .into_iter()
        .filter_map(
            |f| match options.overrides.iter().rev().find(|(r, _)| r.id == f.rule) {
                Some((_, None)) => None,
                Some((_, Some(level))) => Some(f.at(*level)),
                None => Some(f),
            },
        )
        .collect();
    let mut report = LintReport {
        findings,
        counts: report::Counts {
            files: inv.files,
            certificates: inv.certs.len(),
            keys: inv.keys.len(),
            csrs: inv.csrs.len(),
            requests: inv.requests.len(),
            configs: inv.configs.len(),
        },
    };
    report.sort();
    report
}

//! Rules that need the cluster's settings: `srv-domain-missing` (with `--discovery-srv` or a
//! configuration's `discovery-srv`) and `san-missing-member` (with `--initial-cluster` or
//! configurations), plus the cfssl JSON rules `config-invalid` and `request-invalid`.

use super::context::{Context, Member, Roles};
use super::inventory::{CertEntry, Inventory};
use super::report::Finding;
use super::rule::{self, Level};
use crate::diag::{Diagnostic, InputError, Problem, Severity};
use crate::request::Host;
use crate::request::{normalize_dns, sans_cover};

/// `srv-domain-missing` for a certificate: clustering.md (etcd 3.4): "the discovery SRV record
/// (e.g. example.com) must be included in the SSL certificate DNS SAN along with the hostname".
pub(crate) fn srv_domain(cert: &CertEntry, roles: Roles, ctx: &Context) -> Option<Finding> {
    let domain = ctx.discovery_srv.as_deref()?;
    let unnamed_server = !roles.client && !cert.is_ca() && cert.eku.is_some_and(|e| e.server);
    let serves = roles.server || roles.peer || unnamed_server;
    let failure = if roles.peer {
        "peers found by DNS SRV check it and refuse with \"remote error: tls: bad certificate\", ServerName"
    } else {
        "clients that find the cluster by DNS SRV (etcdctl --discovery-srv) check it and fail with ServerName"
    };
    if !serves || has_exact_dns(&cert.hosts, domain) {
        return None;
    }
    Some(Finding::new(
        rule::SRV_DOMAIN_MISSING,
        vec![cert.label.clone()],
        srv_message(
            &cert.hosts,
            domain,
            "the certificate's DNS SANs lack",
            failure,
        ),
    ))
}

/// `srv-domain-missing` for the request files that ask for hosts.
pub(crate) fn srv_domain_requests(inv: &Inventory, ctx: &Context) -> Vec<Finding> {
    let Some(domain) = ctx.discovery_srv.as_deref() else {
        return Vec::new();
    };
    inv.requests
        .iter()
        .filter_map(|r| {
            let req = &r.parsed.as_ref().ok()?.value;
            (!req.hosts.is_empty() && !has_exact_dns(&req.hosts, domain)).then(|| {
                Finding::new(
                    rule::SRV_DOMAIN_MISSING,
                    vec![r.file.display().to_string()],
                    srv_message(
                        &req.hosts,
                        domain,
                        "\"hosts\" lacks",
                        "members found by DNS SRV check it and refuse with \"remote error: tls: bad certificate\", ServerName",
                    ),
                )
            })
        })
        .collect()
}

fn has_exact_dns(hosts: &[Host], domain: &str) -> bool {
    hosts
        .iter()
        .any(|h| matches!(h, Host::Dns(d) if normalize_dns(d) == domain))
}

fn srv_message(hosts: &[Host], domain: &str, what: &str, failure: &str) -> String {
    let wildcard = format!("*.{domain}");
    let note = if hosts
        .iter()
        .any(|h| matches!(h, Host::Dns(d) if normalize_dns(d) == wildcard))
    {
        format!(" ({wildcard:?} does not count)")
    } else {
        String::new()
    };
    format!(
        "{what} the discovery domain {domain:?}{note}: {failure} \"{domain}\". Add \"{domain}\" to the hosts"
    )
}

/// `san-missing-member`: each advertised host of `member` must be in the SANs of its server or
/// peer certificate (IP → IP SAN, name → DNS SAN; Go has no CN fallback).
pub(crate) fn member_sans(cert: &CertEntry, roles: Roles, member: &Member) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut check = |hosts: &[String], role: &str, url_flag: &str| {
        for host in hosts {
            if !sans_cover(&cert.hosts, host) {
                out.push(Finding::new(
                    rule::SAN_MISSING_MEMBER,
                    vec![cert.label.clone()],
                    format!(
                        "member {}'s {role} certificate lacks {host:?}, which its {url_flag} advertise: connections fail with \"{}\". Add {host:?} to the hosts",
                        member.name,
                        go_hostname_error(&cert.hosts, host)
                    ),
                ));
            }
        }
    };
    if roles.peer {
        check(&member.peer_hosts, "peer", "peer URLs");
    }
    if roles.server {
        if member.client_hosts.is_empty() {
            // Without advertise-client-urls, the member's host is its peer URLs' host.
            check(
                &member.peer_hosts,
                "server",
                "peer URLs (no client URLs known)",
            );
        } else {
            check(&member.client_hosts, "server", "client URLs");
        }
    }
    out
}

/// Go's `x509.HostnameError` text for `host` against these SANs: IP hosts are compared with IP
/// SANs only, names with DNS SANs only.
fn go_hostname_error(hosts: &[Host], host: &str) -> String {
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    let valid: Vec<String> = hosts
        .iter()
        .filter_map(|h| match h {
            Host::Ip(ip) if is_ip => Some(ip.to_string()),
            Host::Dns(d) if !is_ip => Some(d.clone()),
            _ => None,
        })
        .collect();
    match (is_ip, valid.is_empty()) {
        (true, true) => format!(
            "x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
        ),
        (false, true) => "x509: certificate is not valid for any names".into(),
        _ => format!(
            "x509: certificate is valid for {}, not {host}",
            valid.join(", ")
        ),
    }
}

/// `config-invalid` and `request-invalid`: what etcdpki's (and cfssl's) readers say about the
/// cfssl JSON files, each problem with its JSON path.
pub(crate) fn json_rules(inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    let diagnostics_of = |parsed: Result<Vec<Diagnostic>, &InputError>| match parsed {
        Ok(warnings) => warnings,
        Err(e) => e.diagnostics.clone(),
    };
    // Unknown usages stop only the profile that signs (cfssl drops them); lint reports each
    // one as the error it is.
    let configs = inv.configs.iter().map(|c| {
        let parsed = c.parsed.as_ref().map(|p| {
            let mut all = p.warnings.clone();
            all.extend(p.value.unknown_usages().cloned());
            all
        });
        (
            rule::CONFIG_INVALID,
            &c.file,
            &c.lines,
            diagnostics_of(parsed),
        )
    });
    let requests = inv.requests.iter().map(|r| {
        let parsed = r.parsed.as_ref().map(|p| p.warnings.clone());
        (
            rule::REQUEST_INVALID,
            &r.file,
            &r.lines,
            diagnostics_of(parsed),
        )
    });
    for (rule, file, lines, diagnostics) in configs.chain(requests) {
        for d in diagnostics {
            // The line of the JSON path the problem is about (its nearest ancestor's when the
            // path is a key that is missing), or the line the JSON reader stopped at.
            let line = match &d.problem {
                Problem::Syntax { line, .. } => Some(*line),
                _ => d.location.path.as_ref().and_then(|p| lines.line_of(p)),
            };
            let level = match d.severity {
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
            };
            let text = d.to_string();
            let message = text
                .strip_prefix("error: ")
                .or_else(|| text.strip_prefix("warning: "))
                .unwrap_or(&text);
            let message = message
                .strip_prefix(&format!("{}: ", file.display()))
                .unwrap_or(message)
                .replace("\n  help: ", "; ");
            let finding = Finding::new(rule, vec![file.display().to_string()], message);
            out.push(finding.at(level).at_line(line));
        }
    }
    out
}

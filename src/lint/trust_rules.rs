//! Rules about trust as each member has it: `untrusted-by-member` (a certificate judged with the
//! CA file of the member that verifies it, and the chain its file sends) and `chain-eku` (Go's
//! EKU check down the chain).
//!
//! Takes the [`Inventory`], each certificate's verified issuer ([`Issuers`]), each
//! certificate's roles and the members' TLS files ([`MemberTls`]); returns findings. A chain is
//! followed through the verified issuers: a certificate is trusted by a CA file when some
//! issuer on its way up has the name and key of a certificate in that file, and every
//! intermediate before it is in the certificate's own file (etcd sends what `cert-file` holds;
//! Go's `x509.Verify` builds the path from those and the trusted roots). What a member verifies
//! with which file follows etcd's `client/pkg/transport/listener.go` (`ServerConfig` sets
//! `ClientCAs` from `trusted-ca-file`; `ClientConfig` sets `RootCAs` from it): its peers check
//! its peer certificate with their `peer-trusted-ca-file`, its gRPC gateway checks `cert-file`
//! with its own `trusted-ca-file`, and clients are checked with `trusted-ca-file`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::context::{MemberTls, NamedFile, Roles};
use super::inventory::{CertEntry, Inventory};
use super::pki_rules::{Issuers, canonical};
use super::report::Finding;
use super::rule;

/// How long a chain may be before lint stops following it (Go allows longer, nobody needs it).
const MAX_DEPTH: usize = 8;

/// How a certificate fares against one CA file.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    /// Some issuer on its way up is in the file, and every intermediate before it is sent.
    Trusted,
    /// Its chain reaches this root (self-signed), which the file does not hold.
    Untrusted(usize),
    /// The chain reaches the file through this intermediate, which its own file does not hold.
    MissingIntermediate(usize),
    /// No verified issuer here: `chain-invalid` reports it.
    Unknown,
}

/// The certificates of each file, by canonical path.
struct Files<'a> {
    inv: &'a Inventory,
    by_path: HashMap<PathBuf, Vec<usize>>,
}

impl<'a> Files<'a> {
    fn new(inv: &'a Inventory) -> Self {
        let mut by_path: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (i, c) in inv.certs.iter().enumerate() {
            by_path.entry(canonical(&c.file)).or_default().push(i);
        }
        Files { inv, by_path }
    }

    fn certs(&self, path: &PathBuf) -> &[usize] {
        self.by_path.get(path).map_or(&[], Vec::as_slice)
    }

    /// Whether `set` holds a certificate with `cert`'s name and key.
    fn holds(&self, set: &[usize], cert: &CertEntry) -> bool {
        set.iter().any(|&k| {
            let other = &self.inv.certs[k];
            other.subject_der == cert.subject_der && other.key_bits == cert.key_bits
        })
    }
}

/// Certificate `leaf` (the first of its file) against the CA file `trust`.
fn verdict(files: &Files<'_>, issuers: &Issuers, leaf: usize, trust: &[usize]) -> Verdict {
    let inv = files.inv;
    let sent = files.certs(&canonical(&inv.certs[leaf].file));
    let (mut current, mut missing) = (leaf, None);
    for _ in 0..MAX_DEPTH {
        let Ok(issuer) = issuers[current] else {
            return Verdict::Unknown;
        };
        let cert = &inv.certs[issuer];
        if files.holds(trust, cert) {
            return missing.map_or(Verdict::Trusted, Verdict::MissingIntermediate);
        }
        if issuer == current {
            return Verdict::Untrusted(issuer);
        }
        if missing.is_none() && !files.holds(sent, cert) {
            missing = Some(issuer);
        }
        current = issuer;
    }
    Verdict::Unknown
}

/// Who checks a certificate with a CA file, for messages.
struct Check<'a> {
    /// The certificate's file, canonical.
    cert: &'a PathBuf,
    /// What it is: `member infra0's peer certificate (peer-cert-file)`.
    what: String,
    /// The CA file and the member whose it is.
    trust: &'a NamedFile,
    owner: &'a MemberTls,
    /// Who refuses it: `infra1's peer port`.
    refuser: String,
}

/// `untrusted-by-member` for every certificate a member sends or accepts.
pub fn member_trust(
    inv: &Inventory,
    issuers: &Issuers,
    roles: &[(Roles, Option<String>)],
    members: &[MemberTls],
) -> Vec<Finding> {
    let files = Files::new(inv);
    let mut checks = Vec::new();
    for owner in members {
        if let Some(trust) = &owner.peer_ca {
            for sender in members {
                let dials = sender.peer_client_identity.as_ref();
                for (cert, setting) in [
                    (sender.peer.as_ref(), "peer-cert-file"),
                    (dials, "peer-client-cert-file"),
                ] {
                    if let Some(cert) = cert {
                        checks.push(Check {
                            cert: &cert.path,
                            what: format!("member {}'s {setting}", sender.member),
                            trust,
                            owner,
                            refuser: format!("member {}'s peer port", owner.member),
                        });
                    }
                }
            }
        }
        if let Some(trust) = &owner.client_ca {
            // The gRPC gateway dials the member's own client port with cert-file (or
            // client-cert-file), checking the server with trusted-ca-file.
            for (cert, setting) in [
                (owner.server.as_ref(), "cert-file"),
                (owner.client_identity.as_ref(), "client-cert-file"),
            ] {
                if let Some(cert) = cert {
                    checks.push(Check {
                        cert: &cert.path,
                        what: format!("member {}'s {setting}", owner.member),
                        trust,
                        owner,
                        refuser: format!("member {}'s own gRPC gateway", owner.member),
                    });
                }
            }
        }
    }
    let mut out = Vec::new();
    for check in &checks {
        if let Some(&leaf) = files.certs(check.cert).first() {
            out.extend(judge(&files, issuers, leaf, check));
        }
    }
    out.extend(client_trust(&files, issuers, roles, members));
    dedup(out)
}

/// Client certificates (by role) against every member's `trusted-ca-file`.
fn client_trust(
    files: &Files<'_>,
    issuers: &Issuers,
    roles: &[(Roles, Option<String>)],
    members: &[MemberTls],
) -> Vec<Finding> {
    let named: HashSet<&PathBuf> = members
        .iter()
        .flat_map(|m| {
            [
                &m.server,
                &m.peer,
                &m.client_identity,
                &m.peer_client_identity,
            ]
        })
        .flatten()
        .map(|f| &f.path)
        .collect();
    let mut out = Vec::new();
    for (i, cert) in files.inv.certs.iter().enumerate() {
        let path = canonical(&cert.file);
        if cert.index != 0 || !roles[i].0.client || named.contains(&path) {
            continue;
        }
        for owner in members {
            let Some(trust) = &owner.client_ca else {
                continue;
            };
            let check = Check {
                cert: &path,
                what: "the client certificate".into(),
                trust,
                owner,
                refuser: format!("member {}'s client port", owner.member),
            };
            out.extend(judge(files, issuers, i, &check));
        }
    }
    out
}

fn judge(files: &Files<'_>, issuers: &Issuers, leaf: usize, check: &Check<'_>) -> Option<Finding> {
    let inv = files.inv;
    let trust = files.certs(&check.trust.path);
    let cert = &inv.certs[leaf];
    let at = match check.trust.line {
        Some(line) => format!("{}:{line}", check.owner.source),
        None => check.owner.source.clone(),
    };
    let file = check.trust.path.display();
    let message = match verdict(files, issuers, leaf, trust) {
        Verdict::Trusted | Verdict::Unknown => return None,
        Verdict::Untrusted(root) => format!(
            "{} chains to \"{}\", which {}'s {} ({file}, {at}) does not hold: {} refuses it with \"x509: certificate signed by unknown authority\". Issue it from a CA in that file, or add its CA there and restart the member (etcd reads trust files only when it starts)",
            check.what,
            inv.certs[root].subject(),
            check.owner.member,
            check.trust.setting,
            check.refuser,
        ),
        Verdict::MissingIntermediate(ca) => format!(
            "{} is issued by the intermediate CA \"{}\", which its file does not hold: etcd sends only what the file holds, so {} cannot build the chain to {}'s {} and says \"x509: certificate signed by unknown authority\". Append the intermediate's certificate to the file",
            check.what,
            inv.certs[ca].subject(),
            check.refuser,
            check.owner.member,
            check.trust.setting,
        ),
    };
    Some(Finding::new(
        rule::UNTRUSTED_BY_MEMBER,
        vec![cert.label.clone(), check.owner.source.clone()],
        message,
    ))
}

fn dedup(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = HashSet::new();
    findings.retain(|f| seen.insert((f.files.clone(), f.message.clone())));
    findings
}

/// `chain-eku`: Go's `x509.Verify` requires every certificate of the chain, the root too, to
/// allow the usage asked for when it has an EKU extension (crypto/x509 verify.go
/// `checkChainForKeyUsage`). A CA whose EKU lacks client auth fails every client and peer
/// certificate it issued: "x509: certificate specifies an incompatible key usage".
pub fn chain_eku(
    inv: &Inventory,
    issuers: &Issuers,
    roles: &[(Roles, Option<String>)],
) -> Vec<Finding> {
    let mut flagged: HashSet<(usize, &'static str)> = HashSet::new();
    let mut out = Vec::new();
    for (i, (role, _)) in roles.iter().enumerate() {
        let mut needs = Vec::new();
        if role.server || role.peer {
            needs.push((
                "server auth",
                (|e| e.server) as fn(&super::inventory::Eku) -> bool,
            ));
        }
        if role.client || role.peer {
            needs.push(("client auth", |e| e.client));
        }
        let mut current = i;
        for _ in 0..MAX_DEPTH {
            let Ok(issuer) = issuers[current] else { break };
            if issuer == current {
                break;
            }
            let ca = &inv.certs[issuer];
            for (usage, pick) in &needs {
                if !ca.allows(*pick) && flagged.insert((issuer, usage)) {
                    out.push(Finding::new(
                        rule::CHAIN_EKU,
                        vec![ca.label.clone(), inv.certs[i].label.clone()],
                        format!(
                            "the CA \"{}\" has an EKU without {usage}, and Go checks the EKU of every certificate up the chain: {} and every other {usage} certificate it issued fail with \"x509: certificate specifies an incompatible key usage\". Reissue the CA without an EKU (cfssl: no usages but cert sign and crl sign), or with {usage} in it",
                            ca.subject(),
                            inv.certs[i].label,
                        ),
                    ));
                }
            }
            current = issuer;
        }
    }
    out
}

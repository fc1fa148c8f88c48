//! What the running members say: do they accept a client certificate from the new CA, which CA
//! issued the certificate they serve, are they healthy.
//!
//! Takes [`Member`]s, the signing CA (with its key, to make a probe certificate) and a timeout;
//! returns the [`Blocker`]s that stop a step, or a member's health. The probe certificate is a
//! fresh ECDSA P-256 client certificate from the new CA that lives an hour and is never written
//! anywhere. etcd reads `--trusted-ca-file` and `--peer-trusted-ca-file` only when it starts
//! (etcd `client/pkg/transport/listener.go` `ServerConfig`, release-3.4 to release-3.6), so a
//! member that refuses the probe has not restarted since the trust files changed; the
//! certificate it serves, by contrast, is read again on every handshake (etcd PR #7829, 3.2).

use std::time::Duration;

use time::OffsetDateTime;

use super::RotateError;
use super::ca_files::CaCert;
use super::members::Member;
use crate::config::{ExtKeyUsage, GoDuration, KeyUsage, KeyUsageBit, Profile};
use crate::etcd::probe::{self, ClientIdentity, ProbeError};
use crate::key::{Curve, KeySpec, PrivateKey};
use crate::pki::Leaf;
use crate::request::DistinguishedName;
use crate::sign::{Authority, Issuer, SerialNumber, Subject};

/// The common name of a probe certificate when the member does not restrict peer names.
pub const PROBE_CN: &str = "etcdpki-rotate-ca-probe";

/// Why a member stops a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// The member.
    pub member: String,
    /// The URL asked.
    pub url: String,
    /// What is wrong, and what to do.
    pub reason: String,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.member, self.url, self.reason)
    }
}

/// Asks members questions with probe certificates from the signing CA.
pub struct Prober<'a> {
    issuer: &'a Issuer,
    timeout: Duration,
}

impl<'a> Prober<'a> {
    /// A prober whose certificates `issuer` signs; every connection waits at most `timeout`.
    pub fn new(issuer: &'a Issuer, timeout: Duration) -> Self {
        Self { issuer, timeout }
    }

    /// Members that refuse a client certificate from the new CA on a client or peer port.
    pub fn refusing_new_ca(&self, members: &[Member]) -> Result<Vec<Blocker>, RotateError> {
        let mut blockers = Vec::new();
        for member in members {
            let id = self.identity(probe_cn(member))?;
            for (url, path) in ports(member) {
                if let Err(e) = probe::get(url, path, Some(&id), self.timeout) {
                    blockers.push(refusal(member, url, &e));
                }
            }
        }
        Ok(blockers)
    }

    /// Members that serve, on a client or peer port, a certificate `new` did not issue.
    pub fn serving_other_than(
        &self,
        members: &[Member],
        new: &CaCert,
    ) -> Result<Vec<Blocker>, RotateError> {
        let mut blockers = Vec::new();
        for member in members {
            let id = self.identity(probe_cn(member))?;
            for (url, path) in ports(member) {
                let chain = match probe::get(url, path, Some(&id), self.timeout) {
                    Ok(reply) => reply.chain,
                    Err(ProbeError::Refused { chain, .. }) if !chain.is_empty() => chain,
                    Err(e) => {
                        blockers.push(refusal(member, url, &e));
                        continue;
                    }
                };
                if !served_by(&chain, new) {
                    blockers.push(Blocker {
                        member: member.name.clone(),
                        url: url.clone(),
                        reason: format!(
                            "serves a certificate that {} did not issue: re-issue its files (rotate-ca reissue) and check that its configuration names them",
                            new.cert.name
                        ),
                    });
                }
            }
        }
        Ok(blockers)
    }

    /// Whether `member` answers `/health` with `"health":"true"` on its first client URL.
    pub fn healthy(&self, member: &Member) -> Result<bool, RotateError> {
        let Some(url) = member.client_urls.first() else {
            return Ok(true);
        };
        let id = self.identity(PROBE_CN)?;
        Ok(
            probe::get(url, "/health", Some(&id), self.timeout).is_ok_and(|reply| {
                reply.status == 200 && reply.body.replace(' ', "").contains("\"health\":\"true\"")
            }),
        )
    }

    /// A client certificate for `cn` from the signing CA, on a new P-256 key.
    fn identity(&self, cn: &str) -> Result<ClientIdentity, RotateError> {
        let key = PrivateKey::generate(KeySpec::Ecdsa(Curve::P256))
            .map_err(|e| RotateError::Probe(e.to_string()))?;
        let profile = Profile {
            name: "rotate-ca-probe".into(),
            key_usage: KeyUsage::NONE.with(KeyUsageBit::DigitalSignature),
            ext_key_usage: vec![ExtKeyUsage::ClientAuth],
            expiry: GoDuration::from_hours(1),
            ..Profile::cfssl_default()
        };
        let name = DistinguishedName::default().with_common_name(cn);
        let serial =
            SerialNumber::random().map_err(|_| RotateError::Probe("no randomness".into()))?;
        let cert = crate::sign::issue(
            Authority::Ca(self.issuer),
            &profile,
            Subject {
                name: &name,
                hosts: &[],
                public_key: key.public_key(),
                csr_extensions: &[],
                kept_extensions: &[],
                hosts_overridden: false,
            },
            OffsetDateTime::now_utc(),
            serial,
        )
        .map_err(|e| RotateError::Probe(e.to_string()))?;
        let key_pem = key
            .to_pem()
            .map_err(|e| RotateError::Probe(e.to_string()))?;
        Ok(ClientIdentity {
            chain: vec![cert.der().to_vec()],
            key_pem: zeroize::Zeroizing::new(key_pem.as_bytes().to_vec()),
        })
    }
}

/// The first client URL (asked for `/health`) and the first peer URL (asked for `/version`)
/// of `member`: one of each is enough to learn what the process trusts and serves.
fn ports(member: &Member) -> impl Iterator<Item = (&String, &'static str)> {
    let client = member.client_urls.iter().take(1).map(|u| (u, "/health"));
    client.chain(member.peer_urls.iter().take(1).map(|u| (u, "/version")))
}

/// The common name a probe to `member` carries: one its `--peer-cert-allowed-cn` accepts.
fn probe_cn(member: &Member) -> &str {
    member
        .peer_allowed_cn
        .first()
        .map_or(PROBE_CN, String::as_str)
}

/// Whether the first certificate of `chain` is one `ca` issued.
fn served_by(chain: &[Vec<u8>], ca: &CaCert) -> bool {
    served_leaf(chain).is_some_and(|leaf| ca.issued(&leaf))
}

fn refusal(member: &Member, url: &str, e: &ProbeError) -> Blocker {
    let reason = match e {
        ProbeError::Refused { reason, .. } => format!(
            "refused a client certificate from the new CA ({reason}): it has not been restarted since its trusted CA files changed (etcd reads them only at start)"
        ),
        other => format!("cannot be asked: {other}"),
    };
    Blocker {
        member: member.name.clone(),
        url: url.to_owned(),
        reason,
    }
}

/// What one port of a member said to a probe from the new CA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortStatus {
    /// The member.
    pub member: String,
    /// The URL asked.
    pub url: String,
    /// `None` when it accepted the probe certificate, else why not.
    pub refused: Option<String>,
    /// Which CA issued the certificate it serves; `None` if it sent none.
    pub serves: Option<super::IssuedBy>,
}

impl Prober<'_> {
    /// Each member's first client and peer URL: does it accept the new CA, whose certificate
    /// does it serve (judged against the rotation's CAs).
    pub fn ports(
        &self,
        members: &[Member],
        rotation: &super::Rotation,
    ) -> Result<Vec<PortStatus>, RotateError> {
        let mut out = Vec::new();
        for member in members {
            let id = self.identity(probe_cn(member))?;
            for (url, path) in ports(member) {
                let (refused, chain) = match probe::get(url, path, Some(&id), self.timeout) {
                    Ok(reply) => (None, reply.chain),
                    Err(ProbeError::Refused { reason, chain, .. }) => (Some(reason), chain),
                    Err(e) => (Some(e.to_string()), Vec::new()),
                };
                out.push(PortStatus {
                    member: member.name.clone(),
                    url: url.clone(),
                    refused,
                    serves: served_leaf(&chain).map(|leaf| judge(rotation, &leaf)),
                });
            }
        }
        Ok(out)
    }
}

fn served_leaf(chain: &[Vec<u8>]) -> Option<Leaf> {
    let der = chain.first()?;
    let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()));
    Leaf::read(std::path::Path::new("served"), pem.as_bytes()).ok()
}

fn judge(rotation: &super::Rotation, leaf: &Leaf) -> super::IssuedBy {
    if rotation.signing().issued(leaf) {
        super::IssuedBy::New
    } else if rotation.old().is_some_and(|old| old.issued(leaf)) {
        super::IssuedBy::Old
    } else {
        super::IssuedBy::Other(String::from("another CA"))
    }
}

//! X.509 v3 extensions, encoded as Go's `x509.buildCertExtensions` and cfssl write them.
//!
//! Each builder takes policy facts and returns an [`Extension`] with Go's criticality: KeyUsage
//! and BasicConstraints critical, SAN critical only under an empty subject, the rest not.

use std::net::IpAddr;

use der::asn1::ObjectIdentifier;

use crate::config::{CertificatePolicy, ExtKeyUsage, KeyUsage, PolicyQualifier};
use crate::request::Host;
use crate::x509::der_writer::{self as w, tag};

/// Extension OIDs (RFC 5280 §4.2, RFC 6960 §4.2.2.2.1).
#[allow(missing_docs, reason = "RFC 5280 extension names")]
pub mod oid {
    use der::asn1::ObjectIdentifier;
    pub(crate) const SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
    pub(crate) const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
    pub(crate) const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
    pub(crate) const BASIC_CONSTRAINTS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.5.29.19");
    pub(crate) const CRL_DISTRIBUTION_POINTS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.5.29.31");
    pub(crate) const CERTIFICATE_POLICIES: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.5.29.32");
    pub(crate) const AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
    pub(crate) const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
    pub(crate) const AUTHORITY_INFO_ACCESS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
    pub(crate) const OCSP_NO_CHECK: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
    pub(crate) const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
    pub(crate) const AD_CA_ISSUERS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
    pub(crate) const QT_CPS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.2.1");
    pub(crate) const QT_UNOTICE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.2.2");
    pub(crate) const EXTENSION_REQUEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
    /// Cloudflare's DelegationUsage for delegated credentials (cfssl helpers.DelegationUsage).
    pub const DELEGATION_USAGE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.44363.44");
}

/// One extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// extnID.
    pub oid: ObjectIdentifier,
    /// critical (DEFAULT FALSE, so only `true` is written).
    pub critical: bool,
    /// The DER inside extnValue.
    pub value: Vec<u8>,
}

impl Extension {
    /// DER `Extension`.
    pub fn to_der(&self) -> Vec<u8> {
        let oid = w::oid(&self.oid);
        let value = w::octet_string(&self.value);
        if self.critical {
            w::sequence(&[&oid, &w::boolean(true), &value])
        } else {
            w::sequence(&[&oid, &value])
        }
    }
}

/// KeyUsage, critical; `None` when no bit is set (Go omits it).
pub(crate) fn key_usage(usage: KeyUsage) -> Option<Extension> {
    if usage.is_empty() {
        return None;
    }
    let (unused, bytes) = usage.bit_string();
    Some(Extension {
        oid: oid::KEY_USAGE,
        critical: true,
        value: w::bit_string(unused, &bytes),
    })
}

/// ExtendedKeyUsage, non-critical, purposes in the given order (duplicates kept, as Go does).
pub fn ext_key_usage(purposes: &[ExtKeyUsage]) -> Option<Extension> {
    if purposes.is_empty() {
        return None;
    }
    let oids: Vec<Vec<u8>> = purposes.iter().map(|p| w::oid(&p.oid())).collect();
    Some(Extension {
        oid: oid::EXT_KEY_USAGE,
        critical: false,
        value: w::sequence_of(&oids),
    })
}

/// BasicConstraints, always critical: `30 00` for a leaf (cA DEFAULT FALSE omitted), CA:TRUE
/// with an optional pathLenConstraint for a CA.
pub fn basic_constraints(ca: Option<Option<u32>>) -> Extension {
    let value = match ca {
        None => w::sequence(&[]),
        Some(None) => w::sequence(&[&w::boolean(true)]),
        Some(Some(n)) => w::sequence(&[&w::boolean(true), &w::small_integer(n)]),
    };
    Extension {
        oid: oid::BASIC_CONSTRAINTS,
        critical: true,
        value,
    }
}

/// SubjectKeyIdentifier.
pub fn subject_key_id(id: &[u8]) -> Extension {
    Extension {
        oid: oid::SUBJECT_KEY_ID,
        critical: false,
        value: w::octet_string(id),
    }
}

/// AuthorityKeyIdentifier with keyIdentifier only.
pub fn authority_key_id(id: &[u8]) -> Extension {
    Extension {
        oid: oid::AUTHORITY_KEY_ID,
        critical: false,
        value: w::sequence(&[&w::implicit(0, id)]),
    }
}

/// AuthorityInfoAccess: the OCSP responder first, then each caIssuers URL.
pub(crate) fn authority_info_access(ocsp: Option<&str>, issuers: &[String]) -> Option<Extension> {
    let mut descriptions = Vec::new();
    let mut add = |method: &ObjectIdentifier, url: &str| {
        descriptions.push(w::sequence(&[
            &w::oid(method),
            &w::implicit(6, url.as_bytes()),
        ]));
    };
    if let Some(url) = ocsp {
        add(&oid::AD_OCSP, url);
    }
    for url in issuers {
        add(&oid::AD_CA_ISSUERS, url);
    }
    (!descriptions.is_empty()).then(|| Extension {
        oid: oid::AUTHORITY_INFO_ACCESS,
        critical: false,
        value: w::sequence_of(&descriptions),
    })
}

/// The IP's SAN bytes: IPv4 and IPv4-mapped IPv6 as 4 bytes (Go `IP.To4`), other IPv6 as 16.
fn ip_bytes(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        },
    }
}

/// GeneralNames for `hosts`, grouped as Go writes them: every DNS name, then emails, then IPs,
/// then URIs, each group in input order.
pub fn general_names(hosts: &[Host]) -> Vec<u8> {
    let mut names = Vec::new();
    names.extend(hosts.iter().filter_map(|h| match h {
        Host::Dns(d) => Some(w::implicit(2, d.as_bytes())),
        _ => None,
    }));
    names.extend(hosts.iter().filter_map(|h| match h {
        Host::Email(e) => Some(w::implicit(1, e.as_bytes())),
        _ => None,
    }));
    names.extend(hosts.iter().filter_map(|h| match h {
        Host::Ip(ip) => Some(w::implicit(7, &ip_bytes(ip))),
        _ => None,
    }));
    names.extend(hosts.iter().filter_map(|h| match h {
        Host::Uri(u) => Some(w::implicit(6, u.as_bytes())),
        _ => None,
    }));
    w::sequence_of(&names)
}

/// SubjectAltName; critical when the subject is empty (RFC 5280 §4.2.1.6).
pub(crate) fn subject_alt_name(hosts: &[Host], subject_is_empty: bool) -> Option<Extension> {
    (!hosts.is_empty()).then(|| Extension {
        oid: oid::SUBJECT_ALT_NAME,
        critical: subject_is_empty,
        value: general_names(hosts),
    })
}

/// CRLDistributionPoints with one full-name URI.
pub(crate) fn crl_distribution_point(url: &str) -> Extension {
    let full_name = w::explicit(0, &w::implicit(6, url.as_bytes()));
    let point = w::sequence(&[&w::explicit(0, &full_name)]);
    Extension {
        oid: oid::CRL_DISTRIBUTION_POINTS,
        critical: false,
        value: w::sequence(&[&point]),
    }
}

/// certificatePolicies as cfssl's `addPolicies` writes them: the CPS as IA5String, a user
/// notice's explicitText as UTF8String.
pub(crate) fn certificate_policies(policies: &[CertificatePolicy]) -> Option<Extension> {
    if policies.is_empty() {
        return None;
    }
    let infos: Vec<Vec<u8>> = policies
        .iter()
        .map(|p| {
            let qualifiers: Vec<Vec<u8>> = p
                .qualifiers
                .iter()
                .map(|q| match q {
                    PolicyQualifier::Cps(uri) => {
                        w::sequence(&[&w::oid(&oid::QT_CPS), &w::string(tag::IA5_STRING, uri)])
                    }
                    PolicyQualifier::UserNotice(text) => {
                        let notice = if text.is_empty() {
                            w::sequence(&[])
                        } else {
                            w::sequence(&[&w::string(tag::UTF8_STRING, text)])
                        };
                        w::sequence(&[&w::oid(&oid::QT_UNOTICE), &notice])
                    }
                })
                .collect();
            if qualifiers.is_empty() {
                w::sequence(&[&w::oid(&p.id)])
            } else {
                w::sequence(&[&w::oid(&p.id), &w::sequence_of(&qualifiers)])
            }
        })
        .collect();
    Some(Extension {
        oid: oid::CERTIFICATE_POLICIES,
        critical: false,
        value: w::sequence_of(&infos),
    })
}

/// id-pkix-ocsp-nocheck (NULL value).
pub fn ocsp_no_check() -> Extension {
    Extension {
        oid: oid::OCSP_NO_CHECK,
        critical: false,
        value: w::null(),
    }
}

/// DelegationUsage, non-critical, NULL value (cfssl helpers.DelegationExtension, 1.6.5).
pub fn delegation_usage() -> Extension {
    Extension {
        oid: oid::DELEGATION_USAGE,
        critical: false,
        value: w::null(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_basic_constraints_is_an_empty_sequence() {
        let bc = basic_constraints(None);
        assert!(bc.critical);
        assert_eq!(bc.value, [0x30, 0x00]);
        assert_eq!(
            basic_constraints(Some(Some(1))).value,
            [0x30, 6, 1, 1, 0xff, 2, 1, 1]
        );
    }

    #[test]
    fn sans_are_grouped_dns_email_ip_uri() {
        let hosts = [
            Host::Ip("::ffff:10.0.0.1".parse().expect("ip")),
            Host::Uri("spiffe://x".into()),
            Host::Email("a@b".into()),
            Host::Dns("d".into()),
        ];
        let der = general_names(&hosts);
        assert_eq!(
            der,
            [
                &[0x30, 26][..],
                &[0x82, 1, b'd'],
                &[0x81, 3, b'a', b'@', b'b'],
                &[0x87, 4, 10, 0, 0, 1],
                &[0x86, 10],
                b"spiffe://x"
            ]
            .concat()
        );
    }
}

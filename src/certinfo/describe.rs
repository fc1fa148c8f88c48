//! `certinfo`: what a certificate or CSR says, as JSON.
//!
//! Takes DER, returns the JSON text. For certificates the schema is cfssl's, field for field
//! (cfssl 1.6.5 certinfo/certinfo.go `Certificate` and `Name`): Go struct order, empty fields left
//! out, key ids as `%02X` colon hex (cfssl ≥ 1.3.0), SANs DNS then IP only, times RFC 3339 UTC,
//! Go's HTML escaping. cfssl's `-csr` output dumps Go internals; ours is a clean schema of our
//! own, documented in docs/cli.md.

use std::net::IpAddr;

use serde::Serialize;
use x509_parser::prelude::*;

/// A name as cfssl's certinfo prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NameInfo {
    #[serde(skip_serializing_if = "String::is_empty")]
    common_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    serial_number: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    country: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    organization: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    organizational_unit: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    locality: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    province: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    street_address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    postal_code: String,
    /// Every attribute value in RDN order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    names: Vec<String>,
}

/// A certificate as cfssl's `certinfo -cert` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    subject: NameInfo,
    issuer: NameInfo,
    #[serde(skip_serializing_if = "String::is_empty")]
    serial_number: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sans: Vec<String>,
    not_before: String,
    not_after: String,
    sigalg: String,
    authority_key_id: String,
    subject_key_id: String,
    pem: String,
}

/// A CSR, in etcdpki's own schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CsrInfo {
    subject: NameInfo,
    sans: Vec<String>,
    public_key_algorithm: String,
    sigalg: String,
    signature_valid: bool,
    extensions: Vec<ExtensionInfo>,
    pem: String,
}

/// One requested extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtensionInfo {
    oid: String,
    critical: bool,
}

/// A DER input that is not what it should be.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CertInfoError(String);

fn name_info(name: &X509Name<'_>) -> NameInfo {
    let mut n = NameInfo::default();
    let mut lists: [Vec<String>; 7] = Default::default();
    for attr in name.iter_attributes() {
        let value = crate::x509::attribute_text(attr).unwrap_or_default();
        n.names.push(value.clone());
        match attr.attr_type().to_id_string().as_str() {
            "2.5.4.3" => n.common_name = value,
            "2.5.4.5" => n.serial_number = value,
            "2.5.4.6" => lists[0].push(value),
            "2.5.4.10" => lists[1].push(value),
            "2.5.4.11" => lists[2].push(value),
            "2.5.4.7" => lists[3].push(value),
            "2.5.4.8" => lists[4].push(value),
            "2.5.4.9" => lists[5].push(value),
            "2.5.4.17" => lists[6].push(value),
            _ => {}
        }
    }
    let [c, o, ou, l, st, street, postal] = lists.map(|v| v.join(","));
    (n.country, n.organization, n.organizational_unit, n.locality) = (c, o, ou, l);
    (n.province, n.street_address, n.postal_code) = (st, street, postal);
    n
}

/// Go's `IP.String()`: IPv4 and IPv4-mapped addresses dotted, IPv6 compressed.
fn ip_string(bytes: &[u8]) -> Option<String> {
    let ip: IpAddr = match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok()?.into(),
        16 => <[u8; 16]>::try_from(bytes).ok()?.into(),
        _ => return None,
    };
    Some(match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        v4 => v4.to_string(),
    })
}

/// cfssl's names (helpers.SignatureString, cfssl 1.6.5).
fn signature_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.113549.1.1.2" => "MD2WithRSA",
        "1.2.840.113549.1.1.4" => "MD5WithRSA",
        "1.2.840.113549.1.1.5" => "SHA1WithRSA",
        "1.2.840.113549.1.1.11" => "SHA256WithRSA",
        "1.2.840.113549.1.1.12" => "SHA384WithRSA",
        "1.2.840.113549.1.1.13" => "SHA512WithRSA",
        "1.2.840.113549.1.1.10" => "SHA256WithRSAPSS",
        "1.2.840.10040.4.3" => "DSAWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "DSAWithSHA256",
        "1.2.840.10045.4.1" => "ECDSAWithSHA1",
        "1.2.840.10045.4.3.2" => "ECDSAWithSHA256",
        "1.2.840.10045.4.3.3" => "ECDSAWithSHA384",
        "1.2.840.10045.4.3.4" => "ECDSAWithSHA512",
        // cfssl helpers.SignatureString names x509.PureEd25519 "Ed25519" (1.6.5).
        "1.3.101.112" => "Ed25519",
        _ => "Unknown Signature",
    }
}

/// `%02X` bytes joined with colons.
fn key_id(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// RFC 3339 in UTC with `Z`, as Go marshals a `time.Time` from a certificate.
fn rfc3339(t: &ASN1Time) -> String {
    t.to_datetime()
        .format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// certinfo for a DER certificate.
pub fn cert_info(der: &[u8]) -> Result<CertInfo, CertInfoError> {
    let cert = crate::x509::parse_certificate(der)
        .map_err(|e| CertInfoError(format!("not a valid certificate: {e}")))?;
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for g in &san.value.general_names {
            match g {
                GeneralName::DNSName(d) => dns.push((*d).to_owned()),
                GeneralName::IPAddress(b) => ips.extend(ip_string(b)),
                _ => {}
            }
        }
    }
    let mut ski = String::new();
    let mut aki = String::new();
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => ski = key_id(k.0),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a
                    .key_identifier
                    .as_ref()
                    .map(|k| key_id(k.0))
                    .unwrap_or_default();
            }
            _ => {}
        }
    }
    dns.extend(ips);
    Ok(CertInfo {
        subject: name_info(cert.subject()),
        issuer: name_info(cert.issuer()),
        serial_number: cert.serial.to_str_radix(10),
        sans: dns,
        not_before: rfc3339(&cert.validity().not_before),
        not_after: rfc3339(&cert.validity().not_after),
        sigalg: signature_name(&cert.signature_algorithm.algorithm.to_id_string()).to_owned(),
        authority_key_id: aki,
        subject_key_id: ski,
        pem: crate::key::pem_encode("CERTIFICATE", der.to_vec()),
    })
}

/// certinfo for a DER CSR.
pub fn csr_info(der: &[u8]) -> Result<CsrInfo, CertInfoError> {
    let csr = crate::x509::parse_certificate_request(der)
        .map_err(|e| CertInfoError(format!("not a valid PKCS#10 request: {e}")))?;
    let info = &csr.certification_request_info;
    let sigalg = csr.signature_algorithm.algorithm.to_id_string();
    let key = crate::key::PublicKey::from_spki_der(info.subject_pki.raw);
    // A request's self-signature is checked as Go's CertificateRequest.CheckSignature checks
    // it (SHA-1 allowed), as `sign` checks it: the two never disagree about one CSR.
    let signature_valid = key.as_ref().is_ok_and(|k| {
        k.verify_request(&sigalg, info.raw, &csr.signature_value.data)
            .is_ok()
    });
    let mut sans = Vec::new();
    let mut extensions = Vec::new();
    for attr in info.attributes() {
        let ParsedCriAttribute::ExtensionRequest(request) = attr.parsed_attribute() else {
            continue;
        };
        for ext in &request.extensions {
            extensions.push(ExtensionInfo {
                oid: ext.oid.to_id_string(),
                critical: ext.critical,
            });
            if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
                for g in &san.general_names {
                    sans.extend(match g {
                        GeneralName::DNSName(d) => Some(format!("DNS:{d}")),
                        GeneralName::RFC822Name(e) => Some(format!("email:{e}")),
                        GeneralName::URI(u) => Some(format!("URI:{u}")),
                        GeneralName::IPAddress(b) => ip_string(b).map(|ip| format!("IP:{ip}")),
                        _ => None,
                    });
                }
            }
        }
    }
    Ok(CsrInfo {
        subject: name_info(&info.subject),
        sans,
        public_key_algorithm: key
            .map(|k| k.algorithm().to_string())
            .unwrap_or_else(|e| e.to_string()),
        sigalg: signature_name(&sigalg).to_owned(),
        signature_valid,
        extensions,
        pem: crate::key::pem_encode("CERTIFICATE REQUEST", der.to_vec()),
    })
}

/// Go's `json.MarshalIndent(v, "", "  ")` plus a newline, with Go's HTML escaping.
pub fn to_json_pretty<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).expect("certinfo structs always serialise");
    let mut out = crate::output::go_escape(&text);
    out.push('\n');
    out
}

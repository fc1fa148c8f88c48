//! The cfssl inputs of a cluster PKI: `ca-config.json` and one csr.json per certificate.
//!
//! Takes the leaf lifetime and key type, or a [`CertRequest`]; returns the JSON text that
//! `cfssl gencert` reads to make the same certificate, so a PKI made by `etcdpki cluster` can
//! be extended or reproduced with plain cfssl. The plan signs with the [`crate::Policy`] read
//! back from this very text ([`policy`]), so what is written is what was used.

use serde_json::{Map, Value, json};

use crate::config::{GoDuration, Policy, parse_ca_config};
use crate::key::KeySpec;
use crate::request::CertRequest;

/// The usages of each profile. `key encipherment` only for RSA: an ECDSA or Ed25519 key cannot
/// encipher, and RFC 8813 §3 and RFC 8410 §5 forbid the bit for them (zlint
/// `e_ecdsa_allowed_ku`); cfssl's and etcd's examples set it because they use RSA.
fn usages(key: KeySpec, eku: &[&str]) -> Vec<&'static str> {
    let mut out = vec!["signing"];
    if matches!(key, KeySpec::Rsa(_)) {
        out.push("key encipherment");
    }
    for e in eku {
        out.push(match *e {
            "server" => "server auth",
            _ => "client auth",
        });
    }
    out
}

/// A Go duration as people write it: `8760h` for whole hours, else Go's `String()`.
pub(crate) fn duration_text(d: GoDuration) -> String {
    const HOUR: i64 = 3_600_000_000_000;
    if d.as_nanos() % HOUR == 0 {
        format!("{}h", d.as_nanos() / HOUR)
    } else {
        d.to_string()
    }
}

/// `ca-config.json`: profiles `server` and `peer` (server auth + client auth: etcd's peer
/// certificate both serves and dials, and with client certificate auth the server certificate
/// dials its own gRPC gateway: etcd 3.4 Documentation/op-guide/security.md `--peer-cert-file`,
/// embed/serve.go, etcd issue #9785) and `client` (client auth).
pub(crate) fn ca_config_text(expiry: GoDuration, key: KeySpec) -> String {
    let expiry = duration_text(expiry);
    let profile = |eku: &[&str]| json!({"expiry": expiry, "usages": usages(key, eku)});
    let config = json!({
        "signing": {
            "default": {"expiry": expiry},
            "profiles": {
                "server": profile(&["server", "client"]),
                "peer": profile(&["server", "client"]),
                "client": profile(&["client"]),
            }
        }
    });
    pretty(&config)
}

/// The policy of `ca_config_text`'s text, read as `-config` reads it.
pub fn policy(expiry: GoDuration, key: KeySpec) -> Policy {
    parse_ca_config("ca-config.json", ca_config_text(expiry, key).as_bytes())
        .expect("the generated ca-config.json is valid: a test parses it")
        .value
}

/// A cfssl csr.json for `request`: CN, hosts, key, names, and `ca.expiry` for a CA.
pub(crate) fn csr_json_text(request: &CertRequest) -> String {
    let mut doc = Map::new();
    doc.insert("CN".into(), json!(request.common_name));
    if !request.hosts.is_empty() {
        let hosts: Vec<String> = request.hosts.iter().map(ToString::to_string).collect();
        doc.insert("hosts".into(), json!(hosts));
    }
    doc.insert(
        "key".into(),
        match request.key {
            KeySpec::Rsa(size) => json!({"algo": "rsa", "size": size.bits()}),
            KeySpec::Ecdsa(curve) => json!({"algo": "ecdsa", "size": curve.bits()}),
            KeySpec::Ed25519 => json!({"algo": "ed25519"}),
        },
    );
    let names: Vec<Value> = request
        .names
        .iter()
        .map(|n| {
            let mut entry = Map::new();
            for (key, value) in [
                ("C", &n.country),
                ("ST", &n.province),
                ("L", &n.locality),
                ("O", &n.organization),
                ("OU", &n.organizational_unit),
            ] {
                if !value.is_empty() {
                    entry.insert(key.into(), json!(value));
                }
            }
            Value::Object(entry)
        })
        .collect();
    if !names.is_empty() {
        doc.insert("names".into(), Value::Array(names));
    }
    if let Some(ca) = &request.ca
        && let Some(expiry) = ca.expiry
    {
        doc.insert("ca".into(), json!({"expiry": duration_text(expiry)}));
    }
    pretty(&Value::Object(doc))
}

/// Four-space indented JSON with a final newline, as profiles/etcd writes it.
fn pretty(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut ser).expect("a JSON value always serializes");
    let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ExtKeyUsage;
    use crate::key::{Curve, RsaSize};
    use crate::request::{CaRequest, Host, SubjectEntry, parse_csr_json};

    #[test]
    fn ca_config_parses_without_warnings_and_has_etcds_profiles() {
        for key in [KeySpec::Rsa(RsaSize::Bits2048), KeySpec::Ed25519] {
            let text = ca_config_text(GoDuration::from_hours(8760), key);
            let checked = parse_ca_config("ca-config.json", text.as_bytes()).expect("valid");
            assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
            let peer = checked.value.select("peer").expect("peer");
            assert_eq!(
                peer.ext_key_usage,
                [ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth]
            );
            assert_eq!(
                checked
                    .value
                    .select("client")
                    .expect("client")
                    .ext_key_usage,
                [ExtKeyUsage::ClientAuth]
            );
            assert_eq!(
                text.contains("key encipherment"),
                matches!(key, KeySpec::Rsa(_))
            );
        }
        assert!(
            ca_config_text(GoDuration::from_minutes(90), KeySpec::default())
                .contains("\"1h30m0s\"")
        );
    }

    #[test]
    fn csr_json_reads_back_as_the_same_request() {
        let request = CertRequest::new(
            "infra0",
            vec![
                SubjectEntry {
                    country: "US".into(),
                    organization: "Example".into(),
                    organizational_unit: "Ops".into(),
                    ..SubjectEntry::default()
                },
                SubjectEntry {
                    organizational_unit: "server".into(),
                    ..SubjectEntry::default()
                },
            ],
            vec![
                Host::Ip("10.0.1.10".parse().expect("ip")),
                Host::Ip("::1".parse().expect("ip")),
                Host::Dns("localhost".into()),
            ],
            KeySpec::Ecdsa(Curve::P384),
        );
        let text = csr_json_text(&request);
        let back = parse_csr_json("infra0-csr.json", text.as_bytes()).expect("valid");
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.value, request);

        let ca = CertRequest::new("etcd-ca", Vec::new(), Vec::new(), KeySpec::Ed25519).with_ca(
            CaRequest {
                expiry: Some(GoDuration::from_hours(87600)),
                ..CaRequest::default()
            },
        );
        let text = csr_json_text(&ca);
        assert!(text.contains("\"expiry\": \"87600h\""), "{text}");
        let back = parse_csr_json("ca-csr.json", text.as_bytes()).expect("valid");
        assert_eq!(back.value, ca);
    }
}

//! `gencsr`: CSRs for existing keys, checked with openssl.

use crate::util::{Dir, Tool, etcdpki};

#[test]
fn gencsr_makes_a_valid_csr_for_the_given_key_and_returns_it_verbatim() {
    let dir = Dir::new();
    dir.openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        "k.pem",
    ]);
    dir.write(
        "m.json",
        r#"{"CN": "infra0", "hosts": ["infra0.example.com"], "names": [{"O": "etcd"}]}"#,
    );
    let out = dir.ok(
        &[
            "gencsr",
            "-key",
            "k.pem",
            "-hostname=10.0.1.10,infra0",
            "m.json",
        ],
        b"",
    );
    let json: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["csr", "key"]);
    assert_eq!(
        json["key"].as_str().expect("key").as_bytes(),
        dir.read("k.pem"),
        "the key, verbatim"
    );
    dir.write("m.csr", json["csr"].as_str().expect("csr"));
    let text =
        String::from_utf8(dir.openssl(&["req", "-in", "m.csr", "-noout", "-verify", "-text"]))
            .expect("utf8");
    assert!(
        text.contains("O = etcd, CN = infra0") || text.contains("O=etcd, CN=infra0"),
        "{text}"
    );
    assert!(
        text.contains("DNS:infra0, IP Address:10.0.1.10"),
        "-hostname replaces hosts: {text}"
    );
    let csr_key = dir.openssl(&["req", "-in", "m.csr", "-noout", "-pubkey"]);
    let key = dir.openssl(&["pkey", "-in", "k.pem", "-pubout"]);
    assert_eq!(csr_key, key);
}

#[test]
fn gencsr_from_a_certificate_repeats_its_subject_sans_and_ca_constraint() {
    let dir = Dir::new();
    dir.write("ca.json", r#"{"CN": "ca", "names": [{"O": "a"}, {"O": "b"}], "hosts": ["10.0.0.1"], "ca": {"pathlen": 1}}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "ca");
    let out = dir.ok(&["gencsr", "-key=ca-key.pem", "-cert=ca.pem"], b"");
    let json: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let renewal = json["csr"].as_str().expect("csr");
    let original = String::from_utf8(dir.read("ca.csr")).expect("utf8");
    let attrs = |pem: &str| {
        let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).expect("pem");
        let (_, csr) = <x509_parser::certification_request::X509CertificationRequest as x509_parser::prelude::FromDer<_>>::from_der(&block.contents).expect("csr");
        let info = &csr.certification_request_info;
        (
            info.subject.as_raw().to_vec(),
            info.attributes()
                .iter()
                .map(|a| a.value.to_vec())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        attrs(renewal),
        attrs(&original),
        "same subject, SANs and BasicConstraints as the CA's own CSR"
    );
    // Another key for the same certificate is refused.
    dir.write("other.json", r#"{"CN": "x"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "other.json"], "other");
    let out = dir.run(
        &etcdpki(),
        &["gencsr", "-key=other-key.pem", "-cert=ca.pem"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the certificate is not for this key"));
}

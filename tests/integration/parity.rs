//! Parity with the real cfssl (Debian golang-cfssl): the same command lines on the same inputs,
//! certificates and CSRs compared field by field after parsing with x509-parser.

use x509_parser::prelude::*;

use crate::util::{Dir, Dump, Tool, ext, openssl_verify};

/// A CA request with two `names` entries, so O and OU become multi-valued RDNs, one of them a
/// UTF8String (`*` is not printable).
const CA_CSR_MULTI: &str = r#"{
  "CN": "etcd-ca",
  "key": {"algo": "rsa", "size": 2048},
  "names": [
    {"C": "CN", "ST": "Shanghai", "L": "Shanghai", "O": "test.com", "OU": "System"},
    {"O": "second-org", "OU": "ops*team"}
  ],
  "hosts": ["10.0.0.1", "ca.example.com"],
  "ca": {"expiry": "87600h"}
}"#;

const CA_CSR_ECDSA: &str = r#"{
  "CN": "etcd-ca-ec",
  "key": {"algo": "ecdsa", "size": 384},
  "names": [{"C": "US", "ST": "CA", "L": "San Francisco", "O": "etcd", "OU": "ca"}],
  "ca": {"pathlen": 0, "pathlenzero": true}
}"#;

const CONFIG: &str = r#"{
  "signing": {
    "default": {"expiry": "168h"},
    "profiles": {
      "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
      "peer": {"expiry": "43800h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
      "client": {"expiry": "8760h", "usages": ["client auth", "signing", "email protection", "s/mime"]},
      "full": {
        "expiry": "1h30m", "backdate": "1h",
        "usages": ["digital signature", "key agreement", "data encipherment", "server auth", "code signing", "ocsp signing", "timestamping"],
        "ocsp_url": "http://ocsp.example.com", "crl_url": "http://crl.example.com/ca.crl",
        "issuer_urls": ["http://ca.example.com/ca.crt", "http://backup.example.com/ca.crt"],
        "ocsp_no_check": true,
        "Policies": [{"ID": "1.3.6.1.4.1.99999.1", "Qualifiers": [
          {"type": "id-qt-cps", "value": "http://cps.example.com"},
          {"type": "id-qt-unotice", "value": "etcd test notice"}]}, {"ID": "2.23.140.1.2.1"}]
      },
      "intermediate": {
        "expiry": "8760h", "usages": ["cert sign", "crl sign"],
        "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}
      }
    }
  }
}"#;

const MEMBER_CSR: &str = r#"{
  "CN": "infra0",
  "hosts": ["infra0.example.com", "10.0.1.10", "127.0.0.1", "::1", "*.infra.example.com", "ops@example.com"],
  "key": {"algo": "ecdsa", "size": 256},
  "names": [{"C": "US", "L": "SF", "O": "etcd", "OU": "peer"}, {"O": "second-org"}]
}"#;

/// The two implementations side by side, each in its own directory with the same inputs.
pub struct Pair {
    pub ours: Dir,
    pub theirs: Dir,
}

impl Pair {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let pair = Self {
            ours: Dir::new(),
            theirs: Dir::new(),
        };
        for (name, text) in files {
            pair.ours.write(name, text);
            pair.theirs.write(name, text);
        }
        pair
    }

    fn gencert(&self, args: &[&str], base: &str) {
        self.ours.gencert(Tool::Etcdpki, args, base);
        self.theirs.gencert(Tool::Cfssl, args, base);
    }

    /// Certificates `base.pem` and CSRs `base.csr` match, field by field.
    fn assert_same(&self, base: &str) {
        let ours = self.ours.cert(&format!("{base}.pem"));
        let theirs = self.theirs.cert(&format!("{base}.pem"));
        assert_same_certificate(&ours, &theirs, base);
        let ours = CsrDump::read(&self.ours, &format!("{base}.csr"));
        let theirs = CsrDump::read(&self.theirs, &format!("{base}.csr"));
        assert_eq!(ours, theirs, "{base}.csr differs");
    }
}

/// Everything but the key-dependent bytes must be equal; those are checked for their rule.
pub fn assert_same_certificate(ours: &Dump, theirs: &Dump, what: &str) {
    assert_eq!(ours.version, theirs.version, "{what}: version");
    assert_eq!(
        ours.subject_der, theirs.subject_der,
        "{what}: subject ({} vs {})",
        ours.subject, theirs.subject
    );
    assert_eq!(ours.issuer_der, theirs.issuer_der, "{what}: issuer");
    assert_eq!(
        ours.signature_oid, theirs.signature_oid,
        "{what}: signature algorithm"
    );
    assert_eq!(
        ours.signature_params, theirs.signature_params,
        "{what}: signature parameters"
    );
    assert_eq!(ours.spki_oid, theirs.spki_oid, "{what}: key algorithm");
    assert_eq!(
        ours.spki_params, theirs.spki_params,
        "{what}: key parameters"
    );
    assert_eq!(ours.lifetime(), theirs.lifetime(), "{what}: lifetime");
    assert!(
        (ours.not_before - theirs.not_before).abs() <= 60,
        "{what}: notBefore"
    );
    assert_eq!(
        ours.not_before % 60,
        0,
        "{what}: notBefore is rounded to the minute"
    );
    assert_eq!(
        ours.extension_oids(),
        theirs.extension_oids(),
        "{what}: extensions and criticality"
    );
    for ((oid, _, a), (_, _, b)) in ours.extensions.iter().zip(&theirs.extensions) {
        if oid != ext::SKI && oid != ext::AKI {
            assert_eq!(a, b, "{what}: extension {oid} value");
        }
    }
    for d in [ours, theirs] {
        assert!(
            !d.serial.is_empty() && d.serial.len() <= 21 && d.serial[0] < 0x80,
            "{what}: serial"
        );
        assert_eq!(
            d.key_id(),
            Some(d.expected_key_id()),
            "{what}: SKI is SHA-1 of the key bits"
        );
    }
}

/// The deterministic parts of a CSR.
#[derive(Debug, PartialEq, Eq)]
struct CsrDump {
    version: u32,
    subject: Vec<u8>,
    key_oid: String,
    key_params: Option<Vec<u8>>,
    signature_oid: String,
    /// Each attribute's type and raw value (the extensionRequest holds the extensions).
    attributes: Vec<(String, Vec<u8>)>,
}

impl CsrDump {
    fn read(dir: &Dir, name: &str) -> Self {
        let bytes = dir.read(name);
        let (_, pem) = x509_parser::pem::parse_x509_pem(&bytes).expect("PEM CSR");
        let (_, csr) = X509CertificationRequest::from_der(&pem.contents).expect("CSR");
        csr.verify_signature()
            .expect("the CSR's signature verifies");
        let info = &csr.certification_request_info;
        Self {
            version: info.version.0,
            subject: info.subject.as_raw().to_vec(),
            key_oid: info.subject_pki.algorithm.algorithm.to_id_string(),
            key_params: info
                .subject_pki
                .algorithm
                .parameters
                .as_ref()
                .map(|p| p.data.to_vec()),
            signature_oid: csr.signature_algorithm.algorithm.to_id_string(),
            attributes: info
                .attributes()
                .iter()
                .map(|a| (a.oid.to_id_string(), a.value.to_vec()))
                .collect(),
        }
    }
}

#[test]
fn tutorial_a_ca_and_server_certificate_match_cfssl() {
    let pair = Pair::new(&[
        ("ca-csr.json", CA_CSR_MULTI),
        (
            "ca-config.json",
            include_str!("../testdata/tutorials/tutorial-a/ca-config.json"),
        ),
        (
            "etcd-csr.json",
            include_str!("../testdata/tutorials/tutorial-a/etcd-csr.json"),
        ),
    ]);
    pair.gencert(&["-initca", "ca-csr.json"], "ca");
    pair.assert_same("ca");
    let ca = pair.ours.cert("ca.pem");
    assert_eq!(ca.sans(), ["IP:10.0.0.1"], "a CA keeps only its IP SANs");
    assert!(
        ca.extension(ext::AKI).is_none(),
        "a self-signed CA has no AKI"
    );

    for (profile, purpose) in [
        ("server", "sslserver"),
        ("peer", "sslserver"),
        ("client", "sslclient"),
    ] {
        pair.gencert(
            &[
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                &format!("-profile={profile}"),
                "etcd-csr.json",
            ],
            profile,
        );
        pair.assert_same(profile);
        let leaf = pair.ours.cert(&format!("{profile}.pem"));
        assert_eq!(leaf.authority_key_id(), ca.key_id(), "AKI = the CA's SKI");
        leaf.verify_signed_by(&ca);
        openssl_verify(&pair.ours, "ca.pem", &format!("{profile}.pem"), purpose);
    }
}

#[test]
fn tutorial_b_hundred_year_ca_and_cluster_certificate_match_cfssl() {
    let pair = Pair::new(&[
        (
            "ca-csr.json",
            include_str!("../testdata/tutorials/tutorial-b/ca-csr.json"),
        ),
        (
            "ca-config.json",
            include_str!("../testdata/tutorials/tutorial-b/ca-config.json"),
        ),
        (
            "etcd-csr.json",
            include_str!("../testdata/tutorials/tutorial-b/etcd-csr.json"),
        ),
    ]);
    pair.gencert(&["-initca", "ca-csr.json"], "ca");
    pair.assert_same("ca");
    pair.gencert(
        &[
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=etcd-cluster",
            "etcd-csr.json",
        ],
        "etcd",
    );
    pair.assert_same("etcd");
    let leaf = pair.ours.cert("etcd.pem");
    assert_eq!(
        leaf.lifetime(),
        876_000 * 3600,
        "876000h, notAfter in the 22nd century"
    );
    openssl_verify(&pair.ours, "ca.pem", "etcd.pem", "sslserver");
}

#[test]
fn ecdsa_members_with_hostname_ipv6_wildcard_and_multi_valued_names_match_cfssl() {
    let pair = Pair::new(&[
        ("ca-csr.json", CA_CSR_ECDSA),
        ("ca-config.json", CONFIG),
        ("member.json", MEMBER_CSR),
    ]);
    pair.gencert(&["-initca", "ca-csr.json"], "ca");
    pair.assert_same("ca");
    pair.gencert(
        &[
            "-ca",
            "ca.pem",
            "--ca-key",
            "ca-key.pem",
            "-config",
            "ca-config.json",
            "-profile",
            "peer",
            "member.json",
        ],
        "peer",
    );
    pair.assert_same("peer");
    let hostname = "-hostname=infra1.example.com,10.0.1.11,fe80::1,::ffff:10.0.1.12,*.etcd.local";
    pair.gencert(
        &[
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=server",
            hostname,
            "member.json",
        ],
        "server",
    );
    pair.assert_same("server");
    let server = pair.ours.cert("server.pem");
    assert_eq!(
        server.sans(),
        [
            "DNS:infra1.example.com",
            "DNS:*.etcd.local",
            "IP:10.0.1.11",
            "IP:fe80::1",
            "IP:10.0.1.12"
        ],
        "-hostname replaces hosts; DNS first, v4-mapped written as IPv4"
    );
    openssl_verify(&pair.ours, "ca.pem", "server.pem", "sslserver");
    openssl_verify(&pair.ours, "ca.pem", "peer.pem", "sslclient");
}

#[test]
fn every_profile_feature_matches_cfssl() {
    let pair = Pair::new(&[
        ("ca-csr.json", CA_CSR_ECDSA),
        ("ca-config.json", CONFIG),
        ("member.json", MEMBER_CSR),
    ]);
    pair.gencert(&["-initca", "ca-csr.json"], "ca");
    for profile in ["client", "full", "intermediate"] {
        pair.gencert(
            &[
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                &format!("-profile={profile}"),
                "member.json",
            ],
            profile,
        );
        pair.assert_same(profile);
    }
    let full = pair.ours.cert("full.pem");
    for oid in [ext::AIA, ext::CRL, ext::POLICIES, ext::OCSP_NOCHECK] {
        assert!(full.extension(oid).is_some(), "full profile has {oid}");
    }
    assert_eq!(full.lifetime(), 90 * 60, "1h30m, the 1h backdate inside it");
    let intermediate = pair.ours.cert("intermediate.pem");
    assert_eq!(
        intermediate.sans(),
        ["IP:10.0.1.10", "IP:127.0.0.1", "IP:::1"]
    );
    openssl_verify(&pair.ours, "ca.pem", "client.pem", "sslclient");
}

#[test]
fn default_profile_without_config_matches_cfssl() {
    let pair = Pair::new(&[("ca-csr.json", CA_CSR_ECDSA), ("member.json", MEMBER_CSR)]);
    pair.gencert(&["-initca", "ca-csr.json"], "ca");
    pair.gencert(&["-ca=ca.pem", "-ca-key=ca-key.pem", "member.json"], "leaf");
    pair.assert_same("leaf");
    assert_eq!(pair.ours.cert("leaf.pem").lifetime(), 8760 * 3600);
}

#[test]
fn etcdpki_signs_with_a_ca_made_by_cfssl() {
    let dir = Dir::new();
    dir.write("ca-csr.json", CA_CSR_MULTI);
    dir.write("ca-config.json", CONFIG);
    dir.write("member.json", MEMBER_CSR);
    dir.gencert(Tool::Cfssl, &["-initca", "ca-csr.json"], "ca");
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=peer",
            "member.json",
        ],
        "peer",
    );
    let ca = dir.cert("ca.pem");
    let peer = dir.cert("peer.pem");
    assert_eq!(
        peer.issuer_der, ca.subject_der,
        "issuer copied byte for byte, O=a+O=b intact"
    );
    assert_eq!(
        peer.signature_oid, "1.2.840.113549.1.1.11",
        "RSA-2048 CA signs with SHA-256"
    );
    peer.verify_signed_by(&ca);
    openssl_verify(&dir, "ca.pem", "peer.pem", "sslserver");
    openssl_verify(&dir, "ca.pem", "peer.pem", "sslclient");
}

#[test]
fn genkey_csr_matches_cfssl() {
    let cfssl = crate::util::require("cfssl", "golang-cfssl");
    let cfssljson = crate::util::require("cfssljson", "golang-cfssl");
    let pair = Pair::new(&[("member.json", MEMBER_CSR), ("ca-csr.json", CA_CSR_ECDSA)]);
    let ours = pair.ours.ok(&["genkey", "member.json"], b"");
    let json: serde_json::Value = serde_json::from_slice(&ours).expect("json");
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["csr", "key"]);
    pair.ours.ok(&["json", "-bare", "member"], &ours);
    let theirs = pair.theirs.run(&cfssl, &["genkey", "member.json"], b"");
    assert!(theirs.status.success());
    let written = pair
        .theirs
        .run(&cfssljson, &["-bare", "member"], &theirs.stdout);
    assert!(written.status.success());
    let ours = CsrDump::read(&pair.ours, "member.csr");
    let theirs = CsrDump::read(&pair.theirs, "member.csr");
    assert_eq!(ours, theirs);
    // Both refuse a ca section without -initca.
    let ours = pair
        .ours
        .run(&crate::util::etcdpki(), &["genkey", "ca-csr.json"], b"");
    let theirs = pair.theirs.run(&cfssl, &["genkey", "ca-csr.json"], b"");
    assert_eq!(ours.status.code(), Some(1));
    assert!(
        theirs.stdout.is_empty()
            && String::from_utf8_lossy(&theirs.stderr)
                .contains("ca section only permitted in initca")
    );
    assert!(String::from_utf8_lossy(&ours.stderr).contains("ca section only permitted in initca"));
}

#[test]
fn renewca_matches_cfssl_and_keeps_old_leaves_valid() {
    let pair = Pair::new(&[
        ("ca-csr.json", CA_CSR_MULTI),
        ("ca-config.json", CONFIG),
        ("member.json", MEMBER_CSR),
    ]);
    pair.ours
        .gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    pair.ours.gencert(
        Tool::Etcdpki,
        &[
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=peer",
            "member.json",
        ],
        "old-leaf",
    );
    for f in ["ca.pem", "ca-key.pem"] {
        std::fs::copy(pair.ours.join(f), pair.theirs.join(f)).expect("same CA");
    }
    let renew = ["-renewca", "-ca=ca.pem", "-ca-key=ca-key.pem"];
    pair.gencert(&renew, "renewed");
    let ours = pair.ours.cert("renewed.pem");
    let theirs = pair.theirs.cert("renewed.pem");
    assert_same_certificate(&ours, &theirs, "renewed CA");
    let old = pair.ours.cert("ca.pem");
    assert_eq!(ours.subject_der, old.subject_der);
    assert_eq!(ours.key_bits, old.key_bits);
    assert_eq!(ours.key_id(), old.key_id());
    assert_eq!(ours.lifetime(), old.lifetime());
    assert_eq!(ours.extension(ext::BC), old.extension(ext::BC));
    assert_eq!(ours.sans(), old.sans());
    assert_ne!(ours.serial, old.serial);
    let json: Vec<u8> = pair.ours.ok(
        &["gencert", "-renewca", "-ca=ca.pem", "-ca-key=ca-key.pem"],
        b"",
    );
    let keys: Vec<String> = serde_json::from_slice::<serde_json::Value>(&json)
        .expect("json")
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["cert"]);
    openssl_verify(&pair.ours, "renewed.pem", "old-leaf.pem", "sslserver");
}

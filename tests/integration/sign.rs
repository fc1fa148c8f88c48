//! `sign`: CSRs made by openssl, signed by etcdpki and by the real cfssl, compared; tampered
//! CSRs refused.

use std::path::Path;

use crate::parity::{Pair, assert_same_certificate};
use crate::util::{Dir, Tool, etcdpki, hex, openssl_verify, pem_block, require};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "peer": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]}}}}"#;

/// An openssl CSR: O before CN, UTF8String values (openssl's default), DNS and IP SANs.
fn openssl_csr(dir: &Dir, key_algo: &[&str], name: &str) {
    let mut args = vec!["req", "-new", "-nodes", "-keyout", "k.pem", "-out", name];
    args.extend_from_slice(key_algo);
    args.extend_from_slice(&[
        "-subj",
        "/O=etcd/OU=peers/CN=infra0",
        "-addext",
        "subjectAltName=DNS:infra0.example.com,IP:10.0.1.10",
    ]);
    dir.openssl(&args);
}

/// Two directories with the profiles, `files`, and one P-256 CA made by etcdpki in both, so
/// that etcdpki and cfssl sign with the same key.
fn pair_with_one_ca(files: &[(&str, &str)]) -> Pair {
    let ca_csr = r#"{"CN": "ca", "key": {"algo": "ecdsa", "size": 256}}"#;
    let pair = Pair::new(
        &[
            &[("ca-config.json", CONFIG), ("ca-csr.json", ca_csr)],
            files,
        ]
        .concat(),
    );
    pair.ours
        .gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    for f in ["ca.pem", "ca-key.pem"] {
        std::fs::copy(pair.ours.join(f), pair.theirs.join(f)).expect("same CA for both");
    }
    pair
}

fn sign_both(pair: &Pair, args: &[&str], base: &str) {
    let cfssl = require("cfssl", "golang-cfssl");
    let ours = pair.ours.ok(&[&["sign"], args].concat(), b"");
    let json: serde_json::Value = serde_json::from_slice(&ours).expect("json");
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["cert", "csr"]);
    std::fs::write(
        pair.ours.join(&format!("{base}.pem")),
        json["cert"].as_str().expect("cert"),
    )
    .expect("write");
    let theirs = pair.theirs.run(&cfssl, &[&["sign"], args].concat(), b"");
    assert!(
        theirs.status.success(),
        "cfssl sign: {}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&theirs.stdout).expect("json");
    std::fs::write(
        pair.theirs.join(&format!("{base}.pem")),
        json["cert"].as_str().expect("cert"),
    )
    .expect("write");
}

#[test]
fn signing_an_openssl_csr_matches_cfssl() {
    let pair = pair_with_one_ca(&[]);
    for (algo, base) in [
        (
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
            "ec",
        ),
        (&["-newkey", "rsa:2048"], "rsa"),
    ] {
        openssl_csr(&pair.ours, algo, &format!("{base}.csr"));
        std::fs::copy(
            pair.ours.join(&format!("{base}.csr")),
            pair.theirs.join(&format!("{base}.csr")),
        )
        .expect("same CSR");
        let csr = format!("{base}.csr");
        sign_both(
            &pair,
            &[
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                "-profile=peer",
                &csr,
            ],
            base,
        );
        let ours = pair.ours.cert(&format!("{base}.pem"));
        let theirs = pair.theirs.cert(&format!("{base}.pem"));
        assert_same_certificate(&ours, &theirs, base);
        assert_eq!(ours.subject, "O=etcd, OU=peers, CN=infra0");
        assert_eq!(ours.sans(), ["DNS:infra0.example.com", "IP:10.0.1.10"]);
        openssl_verify(&pair.ours, "ca.pem", &format!("{base}.pem"), "sslserver");
    }
    // SUBJECT and -hostname replace the CSR's fields, in both tools.
    for dir in [&pair.ours, &pair.theirs] {
        dir.write(
            "subject.json",
            r#"{"CN": "infra1", "names": [{"C": "US", "O": "etcd"}]}"#,
        );
    }
    sign_both(
        &pair,
        &[
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=peer",
            "-hostname=10.0.1.11",
            "ec.csr",
            "subject.json",
        ],
        "override",
    );
    let ours = pair.ours.cert("override.pem");
    assert_same_certificate(&ours, &pair.theirs.cert("override.pem"), "override");
    assert_eq!(ours.subject, "C=US, O=etcd, OU=peers, CN=infra1");
    assert_eq!(ours.sans(), ["IP:10.0.1.11"]);
}

#[test]
fn a_csr_with_a_bad_signature_is_refused() {
    let dir = Dir::new();
    dir.write("ca-csr.json", r#"{"CN": "ca"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    openssl_csr(
        &dir,
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "good.csr",
    );
    // Flip one bit of the subject inside the signed part.
    let pem = String::from_utf8(dir.read("good.csr")).expect("utf8");
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).expect("pem");
    let mut der = block.contents.clone();
    let at = der
        .windows(6)
        .position(|w| w == b"infra0")
        .expect("CN in DER");
    der[at] ^= 0x01;
    std::fs::write(dir.join("bad.csr"), pem_block("CERTIFICATE REQUEST", &der)).expect("write");
    let out = dir.run(
        &etcdpki(),
        &["sign", "-ca=ca.pem", "-ca-key=ca-key.pem", "bad.csr"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csr: the request's signature does not verify"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // -csr takes precedence over the CSR argument, as in cfssl.
    let out = dir.ok(
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-csr=good.csr",
            "bad.csr",
        ],
        b"",
    );
    assert!(out.starts_with(b"{\"cert\":"));
    // The untouched CSR signs, read from standard input.
    let out = dir.ok(
        &["sign", "-ca=ca.pem", "-ca-key=ca-key.pem", "-"],
        pem.as_bytes(),
    );
    assert!(out.starts_with(b"{\"cert\":"));
}

#[test]
fn a_csr_asking_for_a_ca_needs_a_ca_profile() {
    let dir = Dir::new();
    dir.write("ca-csr.json", r#"{"CN": "ca"}"#);
    dir.write(
        "sub.json",
        r#"{"CN": "sub", "ca": {"pathlen": 0, "pathlenzero": true}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    dir.gencert(Tool::Etcdpki, &["-initca", "sub.json"], "sub");
    let out = dir.run(
        &etcdpki(),
        &["sign", "-ca=ca.pem", "-ca-key=ca-key.pem", "sub.csr"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("asks for a CA certificate"));
}

/// openssl writes non-ASCII values as T61String (all below U+0100) or BMPString under
/// `string_mask = default`. cfssl (Go) reads a BMPString and writes the value again as
/// UTF8String; so must etcdpki. A T61String of Latin-1 bytes is refused by both.
#[test]
fn bmp_and_t61_string_subjects_sign_as_cfssl_signs_them() {
    let pair = pair_with_one_ca(&[(
        "req.cnf",
        "[req]\ndistinguished_name = dn\nstring_mask = default\nprompt = no\n[dn]\nCN = x\n",
    )]);
    for (subject, csr) in [
        ("/O=etcd/CN=東京", "bmp.csr"),
        ("/O=Zoë/CN=infra0", "t61.csr"),
    ] {
        pair.ours.openssl(&[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "k.pem",
            "-config",
            "req.cnf",
            "-utf8",
            "-subj",
            subject,
            "-out",
            csr,
        ]);
        std::fs::copy(pair.ours.join(csr), pair.theirs.join(csr)).expect("same CSR");
    }
    let dump = pair.ours.openssl(&["asn1parse", "-in", "bmp.csr"]);
    assert!(
        String::from_utf8_lossy(&dump).contains("BMPSTRING"),
        "openssl wrote no BMPString"
    );
    let args = [
        "-ca=ca.pem",
        "-ca-key=ca-key.pem",
        "-config=ca-config.json",
        "-profile=peer",
    ];
    sign_both(&pair, &[&args[..], &["bmp.csr"]].concat(), "bmp");
    let ours = pair.ours.cert("bmp.pem");
    assert_same_certificate(&ours, &pair.theirs.cert("bmp.pem"), "BMPString subject");
    assert_eq!(ours.subject, "O=etcd, CN=東京");
    let shown = pair.ours.openssl(&[
        "x509",
        "-in",
        "bmp.pem",
        "-noout",
        "-subject",
        "-nameopt",
        "utf8,show_type",
    ]);
    assert!(
        String::from_utf8_lossy(&shown).contains("CN=UTF8STRING:東京"),
        "{}",
        String::from_utf8_lossy(&shown)
    );

    let cfssl = pair.theirs.run(
        &require("cfssl", "golang-cfssl"),
        &[&["sign"], &args[..], &["t61.csr"]].concat(),
        b"",
    );
    let said = [cfssl.stdout, cfssl.stderr].concat();
    assert!(
        String::from_utf8_lossy(&said).contains("asn1: string not valid UTF-8"),
        "cfssl: {}",
        String::from_utf8_lossy(&said)
    );
    let out = pair.ours.run(
        &etcdpki(),
        &[&["sign"], &args[..], &["t61.csr"]].concat(),
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("t61.csr") && message.contains("T61String that is not UTF-8"),
        "{message}"
    );
}

/// Issue 14, point 7 (https://github.com/etcdpki/etcdpki/issues/14): a CSR self-signed with any
/// curve and digest pair Go's `CertificateRequest.CheckSignature` takes (ECDSA on P-256, P-384
/// and P-521 with SHA-1, SHA-256, SHA-384 or SHA-512; RSA PKCS#1 v1.5 with SHA-1 to SHA-512)
/// is signed by etcdpki exactly when the real `cfssl sign` signs it, and certinfo's
/// `signature_valid` agrees. openssl's RSA-PSS request (salt as long as the key allows) is
/// refused by both; a request whose signature was altered is refused by both.
#[test]
fn issue_14_every_csr_signature_go_accepts_is_signed_as_cfssl_signs_it() {
    let dir = Dir::new();
    dir.write("ca-csr.json", r#"{"CN": "ca"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    let cfssl = require("cfssl", "golang-cfssl");
    let sign = |program: &Path, csr: &str| {
        dir.run(
            program,
            &["sign", "-ca=ca.pem", "-ca-key=ca-key.pem", csr],
            b"",
        )
    };
    let signature_valid = |csr: &str| {
        let out = dir.ok(&["certinfo", "-csr", csr], b"");
        let info: serde_json::Value = serde_json::from_slice(&out).expect("certinfo JSON");
        info["signature_valid"].as_bool().expect("signature_valid")
    };
    dir.openssl(&["genrsa", "-out", "rsa-key.pem", "2048"]);
    let mut cases: Vec<(String, Vec<String>, bool)> = Vec::new();
    for curve in ["P-256", "P-384", "P-521"] {
        for digest in ["sha1", "sha256", "sha384", "sha512"] {
            let key = format!("ec_paramgen_curve:{curve}");
            let args = ["-newkey", "ec", "-pkeyopt", &key, "-keyout", "k.pem"];
            cases.push((
                format!("{curve}-{digest}.csr"),
                args.iter()
                    .map(|a| a.to_string())
                    .chain([format!("-{digest}")])
                    .collect(),
                true,
            ));
        }
    }
    for digest in ["sha1", "sha256", "sha384", "sha512"] {
        cases.push((
            format!("rsa-{digest}.csr"),
            vec!["-key".into(), "rsa-key.pem".into(), format!("-{digest}")],
            true,
        ));
    }
    cases.push((
        "rsa-pss.csr".into(),
        [
            "-key",
            "rsa-key.pem",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
        ]
        .map(String::from)
        .to_vec(),
        false,
    ));
    for (csr, key_args, accepted) in &cases {
        let mut args = vec!["req", "-new", "-nodes", "-subj", "/CN=legacy", "-out", csr];
        args.extend(key_args.iter().map(String::as_str));
        dir.openssl(&args);
        let ours = sign(&etcdpki(), csr);
        let theirs = sign(&cfssl, csr);
        assert_eq!(
            (ours.status.success(), theirs.status.success()),
            (*accepted, *accepted),
            "{csr}: etcdpki said {}; cfssl said {}",
            String::from_utf8_lossy(&ours.stderr),
            String::from_utf8_lossy(&theirs.stderr)
        );
        assert_eq!(signature_valid(csr), *accepted, "{csr}");
    }
    // A P-224 key: Go's CheckSignature takes it and cfssl signs it, but Go's TLS (so etcd)
    // cannot use a P-224 certificate; etcdpki refuses it, naming the curve (docs/compat.md).
    dir.openssl(&[
        "req",
        "-new",
        "-nodes",
        "-subj",
        "/CN=legacy",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-224",
        "-keyout",
        "k.pem",
        "-out",
        "P-224.csr",
    ]);
    assert!(sign(&cfssl, "P-224.csr").status.success(), "cfssl signs it");
    let ours = sign(&etcdpki(), "P-224.csr");
    assert_eq!(ours.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&ours.stderr).contains(
            "P-224.csr: unsupported key: EC curve P-224 (secp224r1): etcdpki takes keys on P-256, P-384 and P-521 only"
        ),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    // The P-384 request with SHA-1 (checked by RustCrypto's p384, not aws-lc) with one bit of
    // its subject flipped: both refuse it.
    let (_, block) =
        x509_parser::pem::parse_x509_pem(&dir.read("P-384-sha1.csr")).expect("PEM request");
    let mut der = block.contents.clone();
    let at = der
        .windows(6)
        .position(|w| w == b"legacy")
        .expect("CN in DER");
    der[at] ^= 0x01;
    std::fs::write(
        dir.join("P-384-sha1-bad.csr"),
        pem_block("CERTIFICATE REQUEST", &der),
    )
    .expect("write");
    let ours = sign(&etcdpki(), "P-384-sha1-bad.csr");
    let theirs = sign(&cfssl, "P-384-sha1-bad.csr");
    assert_eq!(ours.status.code(), Some(1));
    assert!(!theirs.status.success(), "cfssl refuses it too");
    assert!(
        String::from_utf8_lossy(&ours.stderr).contains("the request's signature does not verify"),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert!(!signature_valid("P-384-sha1-bad.csr"));
}

/// Issue 16, point 1's rule on the signing side: cfssl 1.6.5 (signer/signer.go
/// `ParseCertificateRequest`) takes a CSR's subject through Go's `pkix.Name`, whose
/// `ToRDNSequence` keeps an empty `OU=""`; the certificate's subject is cfssl's byte for byte.
/// The CSR is written with openssl's `asn1parse -genconf` (`req` skips empty values).
#[test]
fn an_empty_value_in_a_csr_subject_stays_as_cfssl_keeps_it() {
    let pair = pair_with_one_ca(&[]);
    let dir = &pair.ours;
    dir.p256_key("leaf-key.pem");
    let sections = format!(
        "[tbs]
version = INTEGER:0
subject = SEQUENCE:name
spki = SEQUENCE:spki
attributes = IMPLICIT:0,SET:no_attributes
[no_attributes]
[sigalg]
oid = OID:ecdsa-with-SHA256
[name]
o = SET:o
ou = SET:ou
cn = SET:cn
[o]
a = SEQUENCE:o_atv
[o_atv]
t = OID:organizationName
v = UTF8String:etcd
[ou]
a = SEQUENCE:ou_atv
[ou_atv]
t = OID:organizationalUnitName
v = UTF8String:
[cn]
a = SEQUENCE:cn_atv
[cn_atv]
t = OID:commonName
v = UTF8String:infra0
[spki]
algorithm = SEQUENCE:spki_algorithm
key = FORMAT:HEX,BITSTRING:{}
[spki_algorithm]
a = OID:id-ecPublicKey
c = OID:prime256v1
",
        hex(&dir.openssl_p256_point("leaf-key.pem"))
    );
    dir.openssl_signed(&sections, "leaf-key.pem", "empty.der");
    dir.openssl(&[
        "req",
        "-inform",
        "DER",
        "-in",
        "empty.der",
        "-out",
        "empty.csr",
        "-verify",
    ]);
    std::fs::copy(dir.join("empty.csr"), pair.theirs.join("empty.csr")).expect("same CSR");
    sign_both(
        &pair,
        &["-ca=ca.pem", "-ca-key=ca-key.pem", "empty.csr"],
        "empty",
    );
    let ours = pair.ours.cert("empty.pem");
    let theirs = pair.theirs.cert("empty.pem");
    assert_eq!(ours.subject_der, theirs.subject_der);
    assert_eq!(ours.subject, "O=etcd, OU=, CN=infra0");
}

//! `gencert` behaviour: CAs and leaves for every key type, checked by x509-parser and openssl.

use crate::util::{Dir, Dump, Tool, etcdpki, ext, openssl_verify};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "peer": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]}}}}"#;

fn request(cn: &str, algo: &str, size: u32) -> String {
    format!(
        r#"{{"CN": "{cn}", "hosts": ["{cn}.example.com", "127.0.0.1", "::1"], "key": {{"algo": "{algo}", "size": {size}}}, "names": [{{"O": "etcd"}}]}}"#
    )
}

/// Makes a CA and a peer and a client certificate with `algo`/`size` keys throughout.
fn pki(algo: &str, size: u32) -> Dir {
    let dir = Dir::new();
    dir.write("ca-config.json", CONFIG);
    dir.write(
        "ca-csr.json",
        &request("ca", algo, size).replace(r#""names""#, r#""ca": {"pathlen": 1}, "names""#),
    );
    dir.write("member.json", &request("infra0", algo, size));
    dir.write("client.json", &request("root", algo, size));
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    for (profile, csr) in [("peer", "member.json"), ("client", "client.json")] {
        dir.gencert(
            Tool::Etcdpki,
            &[
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                &format!("-profile={profile}"),
                csr,
            ],
            profile,
        );
    }
    dir
}

/// The key file and the certificate hold the same public key, according to openssl.
fn assert_openssl_key_matches(dir: &Dir, base: &str) {
    let key = dir.openssl(&["pkey", "-in", &format!("{base}-key.pem"), "-pubout"]);
    let cert = dir.openssl(&["x509", "-in", &format!("{base}.pem"), "-noout", "-pubkey"]);
    assert_eq!(key, cert, "{base}: key and certificate differ");
}

fn check_pki(dir: &Dir, key_label: &str, signature_oid: &str) {
    let ca = dir.cert("ca.pem");
    assert_eq!(ca.signature_oid, signature_oid);
    for base in ["ca", "peer", "client"] {
        let pem = String::from_utf8(dir.read(&format!("{base}-key.pem"))).expect("utf8");
        assert!(
            pem.starts_with(&format!("-----BEGIN {key_label}-----\n")),
            "{base}: {pem}"
        );
        assert_openssl_key_matches(dir, base);
    }
    for base in ["peer", "client"] {
        let leaf = dir.cert(&format!("{base}.pem"));
        leaf.verify_signed_by(&ca);
        assert_eq!(leaf.issuer_der, ca.subject_der);
    }
    openssl_verify(dir, "ca.pem", "peer.pem", "sslserver");
    openssl_verify(dir, "ca.pem", "peer.pem", "sslclient");
    openssl_verify(dir, "ca.pem", "client.pem", "sslclient");
}

#[test]
fn ecdsa_p256_pki_verifies() {
    check_pki(&pki("ecdsa", 256), "EC PRIVATE KEY", "1.2.840.10045.4.3.2");
}

#[test]
fn ecdsa_p384_pki_verifies() {
    check_pki(&pki("ecdsa", 384), "EC PRIVATE KEY", "1.2.840.10045.4.3.3");
}

#[test]
fn ecdsa_p521_pki_verifies_with_sha512() {
    // x509-parser 0.18 cannot verify P-521 (its src/verify.rs; docs/design.md, "Crates
    // measured"); openssl does it in check_pki's place.
    let dir = pki("ecdsa", 521);
    assert_eq!(dir.cert("ca.pem").signature_oid, "1.2.840.10045.4.3.4");
    for base in ["ca", "peer", "client"] {
        assert_openssl_key_matches(&dir, base);
    }
    openssl_verify(&dir, "ca.pem", "peer.pem", "sslserver");
    openssl_verify(&dir, "ca.pem", "client.pem", "sslclient");
}

#[test]
fn ed25519_pki_verifies_and_its_keys_are_standard_pkcs8() {
    check_pki(&pki("ed25519", 0), "PRIVATE KEY", "1.3.101.112");
}

#[test]
fn rsa_2048_and_3072_pkis_verify_with_the_hash_cfssl_picks() {
    check_pki(
        &pki("rsa", 2048),
        "RSA PRIVATE KEY",
        "1.2.840.113549.1.1.11",
    );
    check_pki(
        &pki("rsa", 3072),
        "RSA PRIVATE KEY",
        "1.2.840.113549.1.1.12",
    );
}

#[test]
fn initca_makes_a_cfssl_shaped_ca() {
    let dir = pki("ecdsa", 256);
    let ca = dir.cert("ca.pem");
    let kinds: Vec<(String, bool)> = ca.extension_oids();
    let expected = [
        (ext::KU, true),
        (ext::BC, true),
        (ext::SKI, false),
        (ext::SAN, false),
    ];
    assert_eq!(
        kinds,
        expected.map(|(o, c)| (o.to_owned(), c)),
        "KU, BC, SKI, SAN (IP only); no EKU, no AKI"
    );
    assert_eq!(
        ca.extension(ext::KU).map(|e| e.2.clone()),
        Some(vec![0x03, 0x02, 0x01, 0x06]),
        "certSign + cRLSign"
    );
    assert_eq!(
        ca.extension(ext::BC).map(|e| e.2.clone()),
        Some(vec![0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x01])
    );
    assert_eq!(ca.lifetime(), 43800 * 3600, "cfssl's default CA lifetime");
    assert_eq!(ca.subject_der, ca.issuer_der);
    let peer = dir.cert("peer.pem");
    assert_eq!(
        peer.extension_oids()
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        [ext::KU, ext::EKU, ext::BC, ext::SKI, ext::AKI, ext::SAN],
        "Go's extension order"
    );
    assert_eq!(
        peer.extension(ext::BC).map(|e| (e.1, e.2.clone())),
        Some((true, vec![0x30, 0x00]))
    );
}

#[test]
fn initca_with_an_existing_key_prints_no_key() {
    let dir = pki("ecdsa", 256);
    let out = dir.ok(
        &["gencert", "-initca", "-ca-key=ca-key.pem", "ca-csr.json"],
        b"",
    );
    let json: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["cert", "csr"]);
    let again = Dump::from_pem(json["cert"].as_str().expect("cert").as_bytes());
    assert_eq!(
        again.key_bits,
        dir.cert("ca.pem").key_bits,
        "same key, new certificate"
    );
}

#[test]
fn the_request_can_come_from_stdin_and_output_is_one_sorted_json_line() {
    let dir = Dir::new();
    let out = dir.ok(
        &["gencert", "-initca", "-"],
        request("ca", "ecdsa", 256).as_bytes(),
    );
    let text = String::from_utf8(out).expect("utf8");
    assert!(
        text.starts_with("{\"cert\":\"-----BEGIN CERTIFICATE-----\\n"),
        "{text}"
    );
    assert_eq!(text.matches('\n').count(), 1, "one line");
    let cert = text.find("\"cert\"").expect("cert");
    let csr = text.find("\"csr\"").expect("csr");
    let key = text.find("\"key\"").expect("key");
    assert!(cert < csr && csr < key, "sorted keys");
}

#[test]
fn ca_keys_in_openssl_formats_sign() {
    let dir = Dir::new();
    dir.write("ca-config.json", CONFIG);
    dir.write("member.json", &request("infra0", "ecdsa", 256));
    // PKCS#8 P-384, openssl's default output.
    dir.openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        "p8.pem",
    ]);
    // SEC1 with a leading EC PARAMETERS block (cfssl #1074).
    dir.openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-out",
        "sec1.pem",
    ]);
    // PKCS#1 RSA.
    dir.openssl(&["genrsa", "-traditional", "-out", "rsa.pem", "2048"]);
    for key in ["p8.pem", "sec1.pem", "rsa.pem"] {
        let ca = format!("ca-{key}");
        dir.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            key,
            "-subj",
            "/O=etcd/OU=a/OU=b/CN=openssl ca",
            "-days",
            "30",
            "-out",
            &ca,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        let base = format!("leaf-{key}").replace(".pem", "");
        dir.gencert(
            Tool::Etcdpki,
            &[
                &format!("-ca={ca}"),
                &format!("-ca-key={key}"),
                "-config=ca-config.json",
                "-profile=peer",
                "member.json",
            ],
            &base,
        );
        let leaf = dir.cert(&format!("{base}.pem"));
        assert_eq!(
            leaf.issuer_der,
            dir.cert(&ca).subject_der,
            "repeated OU copied byte for byte"
        );
        openssl_verify(&dir, &ca, &format!("{base}.pem"), "sslserver");
    }
}

#[test]
fn a_ca_key_that_does_not_match_is_refused() {
    let a = pki("ecdsa", 256);
    let b = pki("ecdsa", 256);
    std::fs::copy(b.join("ca-key.pem"), a.join("other-key.pem")).expect("copy");
    let out = a.run(
        &etcdpki(),
        &[
            "gencert",
            "-loglevel=2",
            "-ca=ca.pem",
            "-ca-key=other-key.pem",
            "member.json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("other-key.pem: the key does not match the certificate in ca.pem"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_ca_file_with_a_chain_is_refused() {
    let dir = pki("ecdsa", 256);
    let chain = [dir.read("ca.pem"), dir.read("peer.pem")].concat();
    std::fs::write(dir.join("chain.pem"), chain).expect("write");
    let out = dir.run(
        &etcdpki(),
        &[
            "gencert",
            "-loglevel=2",
            "-ca=chain.pem",
            "-ca-key=ca-key.pem",
            "member.json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chain.pem: holds 2 PEM blocks"));
}

#[test]
fn keys_never_appear_in_errors() {
    let dir = pki("ecdsa", 256);
    let key = String::from_utf8(dir.read("ca-key.pem")).expect("utf8");
    let body = key.lines().nth(1).expect("base64 line").to_owned();
    // A key given where the certificate belongs, and a certificate where the key belongs.
    for args in [
        ["-ca=ca-key.pem", "-ca-key=ca-key.pem"],
        ["-ca=ca.pem", "-ca-key=ca.pem"],
    ] {
        let out = dir.run(
            &etcdpki(),
            &["gencert", args[0], args[1], "member.json"],
            b"",
        );
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains(&body), "key material in: {err}");
    }
}

#[test]
fn a_ca_certificate_that_is_not_a_ca_signs_with_a_warning() {
    let dir = pki("ecdsa", 256);
    let out = dir.run(
        &etcdpki(),
        &[
            "gencert",
            "-loglevel=2",
            "-ca=peer.pem",
            "-ca-key=peer-key.pem",
            "member.json",
        ],
        b"",
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: peer.pem: the CA certificate is not a CA"),
        "{err}"
    );
    assert!(err.contains("lacks keyCertSign"), "{err}");
}

#[test]
fn the_no_hosts_warning_is_for_server_certificates_only() {
    let dir = pki("ecdsa", 256);
    dir.write(
        "nohosts.json",
        r#"{"CN": "root", "names": [{"O": "etcd"}]}"#,
    );
    let run = |profile: &str| {
        let out = dir.run(
            &etcdpki(),
            &[
                "gencert",
                "-loglevel=2",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                &format!("-profile={profile}"),
                "nohosts.json",
            ],
            b"",
        );
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run("peer").contains("has no hosts"));
    assert!(!run("client").contains("has no hosts"));
}

#[test]
fn initca_ignores_config_profile_and_hostname_with_a_warning() {
    let dir = pki("ecdsa", 256);
    let out = dir.run(
        &etcdpki(),
        &[
            "gencert",
            "-initca",
            "-config=ca-config.json",
            "-profile=peer",
            "-hostname=x",
            "ca-csr.json",
        ],
        b"",
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("-config and -profile are ignored with -initca"),
        "{err}"
    );
    assert!(err.contains("-hostname is ignored with -initca"), "{err}");
}

#[test]
fn ca_and_ca_key_accept_cfssls_env_and_file_prefixes() {
    let dir = pki("ecdsa", 256);
    let key = String::from_utf8(dir.read("ca-key.pem")).expect("utf8");
    let out = std::process::Command::new(etcdpki())
        .args([
            "gencert",
            "-ca=file:ca.pem",
            "-ca-key=env:ETCDPKI_TEST_CA_KEY",
            "member.json",
        ])
        .env("ETCDPKI_TEST_CA_KEY", key)
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dir.run(
        &etcdpki(),
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=env:ETCDPKI_UNSET_VARIABLE",
            "member.json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the environment variable ETCDPKI_UNSET_VARIABLE is not set")
    );
}

#[test]
fn initca_from_an_existing_key_honours_backdate_and_crl_url() {
    let dir = pki("ecdsa", 256);
    dir.write(
        "ca2.json",
        r#"{"CN": "ca2", "crl_url": "http://crl.example.com/ca.crl", "ca": {"backdate": "1h", "expiry": "2h"}}"#,
    );
    let out = dir.ok(
        &["gencert", "-initca", "-ca-key=ca-key.pem", "ca2.json"],
        b"",
    );
    let json: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let ca = Dump::from_pem(json["cert"].as_str().expect("cert").as_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!(
        (now - 3600 - ca.not_before).abs() <= 60,
        "notBefore = now - 1h"
    );
    assert_eq!(ca.lifetime(), 2 * 3600);
    assert!(ca.extension(ext::CRL).is_some());
}

#[test]
fn genkey_initca_is_gencert_initca() {
    let dir = Dir::new();
    let out = dir.ok(
        &["genkey", "-initca", "-"],
        br#"{"CN": "ca", "ca": {"expiry": "1h"}}"#,
    );
    let json: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["cert", "csr", "key"]);
    let ca = Dump::from_pem(json["cert"].as_str().expect("cert").as_bytes());
    assert_eq!(ca.lifetime(), 3600);
    assert_eq!(
        ca.extension(ext::BC).map(|e| e.2.clone()),
        Some(vec![0x30, 0x03, 0x01, 0x01, 0xff])
    );
}

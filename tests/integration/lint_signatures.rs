//! lint's signature, key and CA-constraint rules on certificates made by openssl (weak keys,
//! MD5 and SHA-1, non-CA issuers) and on a CA that signed hundreds (the table verifier).

use std::os::unix::fs::PermissionsExt;

use super::lint::{CONFIG, assert_fires, findings, fired, good_pki, issue, lint_json, tampered};
use crate::util::{Dir, Tool};

#[test]
fn weak_keys_signatures_and_ca_constraints_made_by_openssl() {
    let dir = good_pki();
    let sign = |key_args: &[&str], req_extra: &[&str], name: &str, digest: &str, ext: &str| {
        let (key, subject) = (format!("pki/{name}-key.pem"), format!("/CN={name}"));
        let mut args = vec![
            "req", "-new", "-subj", &subject, "-keyout", &key, "-nodes", "-out", "req.csr",
        ];
        args.extend_from_slice(key_args);
        args.extend_from_slice(req_extra);
        dir.openssl(&args);
        dir.write("ext.cnf", ext);
        dir.openssl(&[
            "x509",
            "-req",
            "-in",
            "req.csr",
            "-CA",
            "pki/ca.pem",
            "-CAkey",
            "pki/ca-key.pem",
            "-CAcreateserial",
            "-days",
            "30",
            digest,
            "-extfile",
            "ext.cnf",
            "-out",
            &format!("pki/{name}.pem"),
        ]);
        std::fs::set_permissions(dir.join(&key), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    };
    let leaf = "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n";
    sign(
        &["-newkey", "rsa:1024"],
        &[],
        "small-client",
        "-sha256",
        leaf,
    );
    sign(
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
        "sha1-client",
        "-sha1",
        leaf,
    );
    sign(
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[],
        "minting-client",
        "-sha256",
        "basicConstraints=critical,CA:TRUE\nextendedKeyUsage=clientAuth\n",
    );
    // A CA whose KeyUsage lacks keyCertSign, and a leaf it signed.
    dir.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=no-sign-ca",
        "-keyout",
        "nosign-ca-key.pem",
        "-out",
        "nosign-ca.pem",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,digitalSignature",
    ]);
    // An EC key on a curve Go's TLS does not take.
    sign(
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        &[],
        "k1-client",
        "-sha256",
        leaf,
    );
    // Leaves that signed another certificate although they are no CA: a P-256 one, and the
    // RSA-1024 one, whose signature cannot be checked (weak-key reports it, not chain-invalid).
    let openssl = |words: &str| dir.openssl(&words.split_whitespace().collect::<Vec<_>>());
    openssl(
        "req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=grandchild \
         -keyout grandchild-key.pem -out grandchild.csr",
    );
    dir.write("leaf.cnf", leaf);
    for (issuer, out) in [
        ("sha1-client", "grandchild"),
        ("small-client", "small-grandchild"),
    ] {
        openssl(&format!(
            "x509 -req -in grandchild.csr -CA pki/{issuer}.pem -CAkey pki/{issuer}-key.pem \
             -CAcreateserial -days 30 -sha256 -extfile leaf.cnf -out pki/{out}.pem"
        ));
    }
    // MD5, under an RSA CA made by openssl (MD5 is defined for RSA only).
    std::fs::create_dir(dir.join("rsa")).expect("mkdir");
    openssl(
        "req -x509 -newkey rsa:2048 -nodes -subj /CN=rsa-ca -keyout rsa/ca-key.pem \
         -out rsa/ca.pem -days 30 -addext basicConstraints=critical,CA:TRUE \
         -addext keyUsage=critical,keyCertSign",
    );
    openssl(
        "req -new -newkey rsa:2048 -nodes -subj /CN=md5-client \
         -keyout rsa/md5-client-key.pem -out md5.csr",
    );
    openssl(
        "x509 -req -in md5.csr -CA rsa/ca.pem -CAkey rsa/ca-key.pem -CAcreateserial -days 30 \
         -md5 -extfile leaf.cnf -out rsa/md5-client.pem",
    );
    let found = findings(&dir, &["rsa/ca.pem", "rsa/md5-client.pem"]);
    assert_fires(&found, "weak-signature", "rsa/md5-client.pem", "error");
    assert_eq!(fired(&found, "weak-signature", "rsa/ca.pem"), None);

    let found = findings(&dir, &["pki", "nosign-ca.pem"]);
    assert_fires(&found, "weak-key", "pki/k1-client.pem", "error");
    assert_fires(
        &found,
        "ca-constraints",
        "pki/sha1-client.pem pki/grandchild.pem",
        "error",
    );
    assert_eq!(
        fired(&found, "chain-invalid", "pki/small-grandchild.pem"),
        None
    );
    assert_fires(&found, "weak-key", "pki/small-client.pem", "error");
    assert_fires(&found, "weak-key", "pki/small-client-key.pem", "error");
    assert_fires(&found, "weak-signature", "pki/sha1-client.pem", "error");
    assert_fires(&found, "ca-constraints", "pki/minting-client.pem", "error");
    assert_fires(&found, "ca-constraints", "nosign-ca.pem", "error");
    for quiet in ["pki/client.pem", "pki/ca.pem"] {
        for rule in ["weak-key", "weak-signature", "ca-constraints"] {
            assert_eq!(fired(&found, rule, quiet), None, "{rule} on {quiet}");
        }
    }
}

#[test]
fn a_ca_that_signed_hundreds_is_checked_with_tables_and_bad_signatures_still_fail() {
    // Past 400 signatures under one P-256 key, lint checks them with precomputed tables
    // (src/key/table_verifier.rs). Copies of one leaf make the count; two tampered ones, a
    // flipped serial (the signed bytes) and a flipped signature, must still be caught.
    let dir = Dir::new();
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write("config.json", CONFIG);
    dir.write("ca.json", r#"{"CN": "etcd-ca", "names": [{"O": "etcd"}]}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "pki/ca");
    issue(&dir, "client", "root", "", "leaf");
    let leaf = dir.read("leaf.pem");
    for i in 0..420 {
        std::fs::write(dir.join(&format!("pki/copy-{i}.pem")), &leaf).expect("copy");
    }
    // Byte 20 is inside the serial number: SEQUENCE, tbs SEQUENCE (4 bytes each), version
    // (5), INTEGER header (2), then 20 or 21 bytes of serial.
    dir.write("pki/bad-serial.pem", &tampered(&leaf, |_| 20));
    dir.write("pki/bad-signature.pem", &tampered(&leaf, |len| len - 1));
    let (code, found) = lint_json(&dir, &["pki"]);
    let invalid: Vec<&str> = found
        .iter()
        .filter(|f| f.rule == "chain-invalid")
        .filter_map(|f| f.files.first().map(String::as_str))
        .collect();
    assert_eq!(code, 1, "{found:#?}");
    assert_eq!(
        invalid,
        ["pki/bad-serial.pem", "pki/bad-signature.pem"],
        "{found:#?}"
    );
}

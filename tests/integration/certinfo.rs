//! `certinfo`: cfssl's JSON key by key, the CSR schema, and the `cfssl-certinfo` link.

use std::os::unix::fs::symlink;

use serde_json::Value;

use crate::util::{Dir, Tool, etcdpki, require};

/// cfssl 1.2.0 prints key ids without zero padding (`2E:E:44`); 1.6.5, like etcdpki, pads.
fn unpad_key_ids(v: &mut Value) {
    for key in ["authority_key_id", "subject_key_id"] {
        if let Some(Value::String(s)) = v.get_mut(key) {
            *s = s
                .split(':')
                .map(|b| b.trim_start_matches('0').to_owned())
                .map(|b| if b.is_empty() { "0".to_owned() } else { b })
                .collect::<Vec<_>>()
                .join(":");
        }
    }
}

#[test]
fn certinfo_cert_matches_cfssl_key_by_key() {
    let cfssl = require("cfssl", "golang-cfssl");
    let dir = Dir::new();
    dir.write("ca-csr.json", r#"{"CN": "etcd-ca", "key": {"algo": "rsa", "size": 2048}, "names": [{"C": "US", "ST": "CA", "L": "SF", "O": "etcd", "OU": "a*b"}, {"O": "two", "OU": "ops"}], "hosts": ["10.0.0.1"]}"#);
    dir.write("member.json", r#"{"CN": "infra0", "serialnumber": "42", "hosts": ["infra0.example.com", "10.0.1.10", "::1", "::ffff:10.0.1.12", "ops@example.com"], "names": [{"O": "etcd & co"}]}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    dir.gencert(
        Tool::Etcdpki,
        &["-ca=ca.pem", "-ca-key=ca-key.pem", "member.json"],
        "member",
    );
    for cert in ["ca.pem", "member.pem"] {
        let ours: Value =
            serde_json::from_slice(&dir.ok(&["certinfo", "-cert", cert], b"")).expect("json");
        let out = dir.run(&cfssl, &["certinfo", "-cert", cert], b"");
        assert!(out.status.success());
        let mut theirs: Value = serde_json::from_slice(&out.stdout).expect("json");
        let mut ours_unpadded = ours.clone();
        unpad_key_ids(&mut ours_unpadded);
        unpad_key_ids(&mut theirs);
        let ours_keys: Vec<&String> = ours_unpadded.as_object().expect("object").keys().collect();
        let theirs_keys: Vec<&String> = theirs.as_object().expect("object").keys().collect();
        assert_eq!(ours_keys, theirs_keys, "{cert}: fields and their order");
        for key in ours_keys {
            assert_eq!(ours_unpadded[key], theirs[key], "{cert}: {key}");
        }
        let id = ours["subject_key_id"].as_str().expect("ski");
        assert!(id.split(':').all(|b| b.len() == 2), "{id}: %02X");
    }
    // `-cert -` reads standard input.
    assert_eq!(
        dir.ok(&["certinfo", "-cert", "-"], &dir.read("member.pem")),
        dir.ok(&["certinfo", "-cert", "member.pem"], b"")
    );
    // Go's escaping of & and the byte-for-byte text.
    let text = String::from_utf8(dir.ok(&["certinfo", "-cert", "member.pem"], b"")).expect("utf8");
    assert!(text.contains("etcd \\u0026 co"), "{text}");
}

#[test]
fn certinfo_csr_has_its_own_schema() {
    let dir = Dir::new();
    let out = dir.ok(
        &["genkey", "-"],
        br#"{"CN": "infra0", "hosts": ["infra0", "10.0.1.10"]}"#,
    );
    dir.ok(&["json", "-bare", "m"], &out);
    let info: Value =
        serde_json::from_slice(&dir.ok(&["certinfo", "-csr", "m.csr"], b"")).expect("json");
    assert_eq!(info["subject"]["common_name"], "infra0");
    assert_eq!(
        info["sans"],
        serde_json::json!(["DNS:infra0", "IP:10.0.1.10"])
    );
    assert_eq!(info["public_key_algorithm"], "ECDSA P-256");
    assert_eq!(info["signature_valid"], true);
    assert_eq!(info["extensions"][0]["oid"], "2.5.29.17");
}

#[test]
fn cfssl_certinfo_link_behaves_as_certinfo() {
    let dir = Dir::new();
    dir.write("ca-csr.json", r#"{"CN": "ca"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    let link = dir.join("cfssl-certinfo");
    symlink(etcdpki(), &link).expect("link");
    let out = dir.run(&link, &["-cert", "ca.pem"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, dir.ok(&["certinfo", "-cert", "ca.pem"], b""));
    let out = dir.run(&link, &[], b"");
    assert_eq!(
        out.status.code(),
        Some(1),
        "no target fails with 1 under a cfssl name (cfssl-certinfo exits 0; issue 14)"
    );
}

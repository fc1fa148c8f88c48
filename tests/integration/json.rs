//! `json` (cfssljson): files, modes, aliases, all-or-nothing.

use std::os::unix::fs::PermissionsExt;

use crate::util::{Dir, etcdpki};

fn mode(dir: &Dir, name: &str) -> u32 {
    std::fs::metadata(dir.join(name))
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn gencert_output(dir: &Dir) -> Vec<u8> {
    dir.ok(
        &["gencert", "-initca", "-"],
        br#"{"CN": "ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
}

#[test]
fn bare_writes_pem_key_and_csr_with_fixed_modes() {
    let dir = Dir::new();
    let input = gencert_output(&dir);
    // An old, world-readable key must not stay world-readable (cfssljson keeps the old mode).
    dir.write("etcd-key.pem", "old");
    std::fs::set_permissions(
        dir.join("etcd-key.pem"),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("chmod");
    dir.ok(&["json", "-bare", "etcd"], &input);
    assert_eq!(mode(&dir, "etcd.pem"), 0o644);
    assert_eq!(mode(&dir, "etcd-key.pem"), 0o600);
    assert_eq!(mode(&dir, "etcd.csr"), 0o644);
    let json: serde_json::Value = serde_json::from_slice(&input).expect("json");
    assert_eq!(
        dir.read("etcd.pem"),
        json["cert"].as_str().expect("cert").as_bytes()
    );
    assert_eq!(
        dir.read("etcd-key.pem"),
        json["key"].as_str().expect("key").as_bytes()
    );
    assert_eq!(
        dir.read("etcd.csr"),
        json["csr"].as_str().expect("csr").as_bytes()
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn basename_defaults_to_cert_and_f_reads_a_file() {
    let dir = Dir::new();
    let input = gencert_output(&dir);
    std::fs::write(dir.join("out.json"), &input).expect("write");
    dir.ok(&["json", "-bare", "-f", "out.json"], b"");
    assert!(dir.join("cert.pem").exists() && dir.join("cert-key.pem").exists());
}

#[test]
fn the_api_envelope_and_aliases_are_understood() {
    let dir = Dir::new();
    let input: serde_json::Value = serde_json::from_slice(&gencert_output(&dir)).expect("json");
    let envelope = serde_json::json!({"success": true, "result": {"certificate": input["cert"], "certificate_request": input["csr"]}, "errors": []});
    dir.ok(&["json", "api"], envelope.to_string().as_bytes());
    assert!(dir.join("api.pem").exists() && dir.join("api.csr").exists());
    assert!(!dir.join("api-key.pem").exists());
}

#[test]
fn stdout_prints_instead_of_writing() {
    let dir = Dir::new();
    let input = gencert_output(&dir);
    let out = String::from_utf8(dir.ok(&["json", "-bare", "-stdout", "x"], &input)).expect("utf8");
    assert_eq!(out.matches("-----BEGIN ").count(), 3);
    assert!(
        out.contains("-----END CERTIFICATE-----\n\n"),
        "a blank line between blocks, as cfssljson"
    );
    assert!(
        std::fs::read_dir(dir.path()).expect("ls").next().is_none(),
        "no files"
    );
}

#[test]
fn bad_input_changes_no_file() {
    let dir = Dir::new();
    let good = gencert_output(&dir);
    dir.ok(&["json", "-bare", "etcd"], &good);
    let before: Vec<Vec<u8>> = ["etcd.pem", "etcd-key.pem", "etcd.csr"]
        .iter()
        .map(|n| dir.read(n))
        .collect();
    let truncated = &good[..good.len() / 2];
    let bad_key = String::from_utf8_lossy(&good)
        .replace("EC PRIVATE KEY", "X")
        .replace("-----BEGIN X-----", "garbage");
    for input in [
        &b""[..],
        b"{}",
        truncated,
        b"[1]",
        br#"{"cert": 1}"#,
        bad_key.as_bytes(),
    ] {
        let out = dir.run(&etcdpki(), &["json", "-bare", "etcd"], input);
        assert_eq!(
            out.status.code(),
            Some(1),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        assert!(!out.stderr.is_empty());
        let after: Vec<Vec<u8>> = ["etcd.pem", "etcd-key.pem", "etcd.csr"]
            .iter()
            .map(|n| dir.read(n))
            .collect();
        assert_eq!(before, after, "files changed by bad input");
    }
}

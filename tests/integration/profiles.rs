//! The bundled etcd presets parse, and `make-pki.sh` (the README's first command) makes a PKI
//! that openssl accepts.

use etcdpki::config::{ExtKeyUsage, parse_ca_config};
use etcdpki::request::parse_csr_json;

use crate::util::{Dir, etcdpki, openssl_verify, require};

fn profiles_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/etcd")
}

#[test]
fn every_preset_parses_without_warnings() {
    let dir = profiles_dir();
    let config = parse_ca_config(
        "ca-config.json",
        &std::fs::read(dir.join("ca-config.json")).expect("read"),
    )
    .expect("valid config");
    assert!(config.warnings.is_empty());
    for (profile, ekus) in [
        (
            "server",
            &[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth][..],
        ),
        ("peer", &[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth]),
        ("client", &[ExtKeyUsage::ClientAuth]),
    ] {
        assert_eq!(
            config.value.select(profile).expect(profile).ext_key_usage(),
            ekus,
            "{profile}"
        );
    }
    let mut subjects = Vec::new();
    for name in [
        "ca-csr.json",
        "server-csr.json",
        "peer-csr.json",
        "client-csr.json",
    ] {
        let req = parse_csr_json(name, &std::fs::read(dir.join(name)).expect("read")).expect(name);
        assert!(req.warnings.is_empty(), "{name}: {:?}", req.warnings);
        subjects.push(req.value.subject().to_der());
    }
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 4, "every preset has its own subject DN");
}

#[test]
fn make_pki_script_builds_a_verifiable_pki() {
    let sh = require("sh", "dash");
    let dir = Dir::new();
    let out = dir.run(
        &sh,
        &[
            &profiles_dir().join("make-pki.sh").to_string_lossy(),
            &etcdpki().to_string_lossy(),
            "pki",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pki = Dir { tmp: dir.tmp };
    openssl_verify(&pki, "pki/ca.pem", "pki/server.pem", "sslserver");
    openssl_verify(&pki, "pki/ca.pem", "pki/peer.pem", "sslserver");
    openssl_verify(&pki, "pki/ca.pem", "pki/peer.pem", "sslclient");
    openssl_verify(&pki, "pki/ca.pem", "pki/client.pem", "sslclient");
}

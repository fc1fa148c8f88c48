//! `print-defaults` and `version`: cfssl's texts verbatim, compared with the real cfssl.

use crate::util::{Dir, require};

#[test]
fn print_defaults_config_and_csr_match_cfssl_byte_for_byte() {
    let cfssl = require("cfssl", "golang-cfssl");
    let dir = Dir::new();
    for kind in ["config", "csr"] {
        let ours = dir.ok(&["print-defaults", kind], b"");
        let theirs = dir.run(&cfssl, &["print-defaults", kind], b"");
        assert!(theirs.status.success());
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs.stdout),
            "{kind}"
        );
    }
}

#[test]
fn etcd_presets_print_and_start_a_working_pki() {
    let dir = Dir::new();
    std::fs::write(
        dir.join("ca-config.json"),
        dir.ok(&["print-defaults", "etcd-config"], b""),
    )
    .expect("write");
    std::fs::write(
        dir.join("ca-csr.json"),
        dir.ok(&["print-defaults", "etcd-ca-csr"], b""),
    )
    .expect("write");
    std::fs::write(
        dir.join("peer.json"),
        dir.ok(&["print-defaults", "etcd-peer-csr"], b""),
    )
    .expect("write");
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &["-initca", "ca-csr.json"],
        "ca",
    );
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &[
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=peer",
            "peer.json",
        ],
        "peer",
    );
    crate::util::openssl_verify(&dir, "ca.pem", "peer.pem", "sslserver");
    let list = String::from_utf8(dir.ok(&["print-defaults", "list"], b"")).expect("utf8");
    assert!(
        list.starts_with(
            "Default configurations are available for:\n\tconfig\n\tcsr\n\tetcd-config\n"
        ),
        "{list}"
    );
}

#[test]
fn version_prints_cfssls_form() {
    let dir = Dir::new();
    for args in [&["version"][..], &["-version"]] {
        let out = String::from_utf8(dir.ok(args, b"")).expect("utf8");
        assert!(
            out.starts_with(&format!(
                "Version: {}\nRuntime: ",
                env!("CARGO_PKG_VERSION")
            )),
            "{out}"
        );
    }
}

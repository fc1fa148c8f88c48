//! Drop-in: the binary invoked as `cfssl` and `cfssljson` runs the tutorials' scripts unchanged.

use std::os::unix::fs::symlink;

use crate::util::{Dir, etcdpki, openssl_verify, require};

#[test]
fn tutorial_scripts_run_unchanged_through_links_named_cfssl_and_cfssljson() {
    let sh = require("sh", "dash");
    for tutorial in ["tutorial-a", "tutorial-b"] {
        let dir = Dir::new();
        let bin = dir.join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        symlink(etcdpki(), bin.join("cfssl")).expect("link cfssl");
        symlink(etcdpki(), bin.join("cfssljson")).expect("link cfssljson");
        let src = format!(
            "{}/tests/testdata/tutorials/{tutorial}",
            env!("CARGO_MANIFEST_DIR")
        );
        for entry in std::fs::read_dir(&src).expect("tutorial") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.join(&entry.file_name().to_string_lossy()))
                .expect("copy");
        }
        if !dir.join("ca-csr.json").exists() {
            dir.write("ca-csr.json", r#"{"CN": "etcd-ca", "key": {"algo": "rsa", "size": 2048}, "names": [{"C": "CN", "O": "etcd"}]}"#);
        }
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = std::process::Command::new(&sh)
            .arg("commands.sh")
            .current_dir(dir.path())
            .env("PATH", path)
            .output()
            .expect("run the tutorial");
        assert!(
            out.status.success(),
            "{tutorial}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for f in [
            "ca.pem",
            "ca-key.pem",
            "ca.csr",
            "etcd.pem",
            "etcd-key.pem",
            "etcd.csr",
        ] {
            assert!(dir.join(f).exists(), "{tutorial}: {f} missing");
        }
        openssl_verify(&dir, "ca.pem", "etcd.pem", "sslserver");
        openssl_verify(&dir, "ca.pem", "etcd.pem", "sslclient");
    }
}

#[test]
fn cfssljson_personality_takes_cfssljson_arguments() {
    let dir = Dir::new();
    let link = dir.join("cfssljson");
    symlink(etcdpki(), &link).expect("link");
    let input = dir.ok(&["gencert", "-initca", "-"], br#"{"CN": "ca"}"#);
    let out = dir.run(&link, &["-bare", "ca"], &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("ca.pem").exists());
    let out = dir.run(&link, &["-h"], b"");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: cfssljson"));
}

#[test]
fn every_command_has_help_with_examples_and_exit_codes() {
    let dir = Dir::new();
    let commands = [
        "certinfo",
        "gencert",
        "gencsr",
        "genkey",
        "json",
        "print-defaults",
        "selfsign",
        "sign",
        "version",
    ];
    let top = String::from_utf8(dir.ok(&["-h"], b"")).expect("utf8");
    for command in commands {
        assert!(
            top.contains(&format!("  {command} ")),
            "{command} missing from the top-level help:\n{top}"
        );
        for flag in ["-h", "-help", "--help"] {
            let text = String::from_utf8(dir.ok(&[command, flag], b"")).expect("utf8");
            assert!(
                text.contains("EXAMPLES:"),
                "{command} {flag}: no examples\n{text}"
            );
            assert!(
                text.contains("EXIT CODES:"),
                "{command} {flag}: no exit codes\n{text}"
            );
        }
    }
}

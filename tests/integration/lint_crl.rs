//! lint's CRL rules: configured CRL files that etcd cannot use (missing, unreadable, a form the
//! release does not read), CRLs their CA did not sign, out of date, or revoking certificates in
//! use, and serials that collide.

use crate::lint::{Finding, lint_json};
use crate::revoke::{pki, revoke};
use crate::util::{Dir, Tool, require};

fn fired<'a>(found: &'a [Finding], rule: &str, file: &str) -> Option<&'a Finding> {
    found
        .iter()
        .find(|f| f.rule == rule && f.files.join(" ").contains(file))
}

fn assert_fires(found: &[Finding], rule: &str, file: &str, level: &str) {
    let f = fired(found, rule, file).unwrap_or_else(|| panic!("no {rule} on {file}: {found:#?}"));
    assert_eq!(f.severity, level, "{f:?}");
}

fn assert_silent(found: &[Finding], rule: &str) {
    let hits: Vec<&Finding> = found.iter().filter(|f| f.rule == rule).collect();
    assert!(hits.is_empty(), "{rule}: {hits:#?}");
}

/// `cfssl gencrl` (the real one) of `serials` by CA `ca`, TIME `time`, as DER in `out`.
fn cfssl_crl(dir: &Dir, ca: &str, serials: &str, time: &str, out: &str) {
    dir.write("serials.txt", serials);
    // Debian's cfssl 1.2.0 reads TIME from a file of that name.
    dir.write(time, time);
    let run = dir.run(
        &require("cfssl", "golang-cfssl"),
        &[
            "gencrl",
            "serials.txt",
            &format!("{ca}.pem"),
            &format!("{ca}-key.pem"),
            time,
        ],
        b"",
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        String::from_utf8_lossy(&run.stdout).trim(),
    )
    .expect("base64");
    std::fs::write(dir.join(out), der).expect("write");
    std::fs::remove_file(dir.join("serials.txt")).expect("rm");
    std::fs::remove_file(dir.join(time)).expect("rm");
}

#[test]
fn crls_among_the_files_are_judged_by_signer_time_and_what_they_revoke() {
    let dir = pki();
    let out = revoke(&dir, &["--reason", "key-compromise", "client1.pem"]);
    assert!(out.status.success());
    let found = lint_json(&dir, &["."]).1;
    assert_fires(&found, "crl-revokes-in-use", "client1.pem", "warning");
    assert!(fired(&found, "crl-revokes-in-use", "client2.pem").is_none());
    assert_silent(&found, "crl-foreign");
    assert_silent(&found, "crl-expired");
    assert_silent(&found, "serial-collision");

    // Out of date (cfssl makes it with a negative TIME), and one signed by another key under
    // the CA's name.
    cfssl_crl(&dir, "ca", "1\n", "-60", "old.crl");
    let other = Dir::new();
    other.write(
        "ca-csr.json",
        &String::from_utf8_lossy(&dir.read("ca-csr.json")),
    );
    other.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    cfssl_crl(&other, "ca", "1\n", "3600", "foreign.crl");
    std::fs::copy(other.join("foreign.crl"), dir.join("foreign.crl")).expect("copy");
    // Two certificates with one serial, made by openssl.
    for name in ["twin1", "twin2"] {
        dir.openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}-key.pem"),
            "-subj",
            &format!("/CN={name}"),
            "-out",
            &format!("{name}.csr"),
        ]);
        dir.openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-set_serial",
            "12345",
            "-days",
            "30",
            "-out",
            &format!("{name}.pem"),
        ]);
    }
    let found = lint_json(&dir, &["."]).1;
    assert_fires(&found, "crl-expired", "old.crl", "warning");
    assert!(fired(&found, "crl-expired", "crl.pem").is_none());
    assert_fires(&found, "crl-foreign", "foreign.crl", "error");
    assert!(fired(&found, "crl-foreign", "old.crl").is_none());
    let twins = fired(&found, "serial-collision", "twin1.pem").expect("serial-collision");
    assert!(
        twins.files.join(" ").contains("twin2.pem") && twins.message.contains("3039"),
        "{twins:?}"
    );
}

#[test]
fn configured_crl_files_are_read_as_each_etcd_release_reads_them() {
    let dir = pki();
    assert!(revoke(&dir, &["client1.pem"]).status.success());
    let config = |name: &str, lines: &str| {
        std::fs::create_dir_all(dir.join("conf")).expect("conf");
        dir.write(
            &format!("conf/{name}.env"),
            &format!(
                "ETCD_NAME={name}\nETCD_TRUSTED_CA_FILE=ca.pem\nETCD_CLIENT_CERT_AUTH=true\n{lines}"
            ),
        );
        format!("--etcd-config=conf/{name}.env")
    };
    let missing = config("m1", "ETCD_CLIENT_CRL_FILE=missing-crl.pem\n");
    let found = lint_json(&dir, &[&missing, "."]).1;
    assert_fires(&found, "crl-missing", "conf/m1.env", "error");
    let f = fired(&found, "crl-missing", "m1.env").expect("crl-missing");
    assert!(
        f.message.contains("missing-crl.pem") && f.message.contains("refuses every"),
        "{f:?}"
    );

    // A PEM CRL: fine for 3.4, not for 3.6; client1 is revoked while in use as a client.
    let pem = config("m2", "ETCD_CLIENT_CRL_FILE=crl.pem\n");
    let found = lint_json(&dir, &[&pem, "--etcd-version", "3.4", "."]).1;
    assert_silent(&found, "crl-format");
    assert_silent(&found, "crl-foreign");
    assert_fires(&found, "crl-revokes-in-use", "client1.pem", "error");
    let found = lint_json(&dir, &[&pem, "--etcd-version", "3.6", "."]).1;
    assert_fires(&found, "crl-format", "crl.pem", "error");
    // Without --etcd-version the release decides, so it is etcd-version-specific (a warning).
    let found = lint_json(&dir, &[&pem, "."]).1;
    assert_silent(&found, "crl-format");
    assert_fires(&found, "etcd-version-specific", "crl.pem", "warning");
    let f = fired(&found, "etcd-version-specific", "crl.pem").expect("names the releases");
    assert!(
        f.message.contains("3.4 and 3.5 read it") && f.message.contains("--etcd-version"),
        "{f:?}"
    );
    // DER is read by every release.
    assert!(revoke(&dir, &["--crl-der", "crl.der"]).status.success());
    let der = config("m3", "ETCD_CLIENT_CRL_FILE=crl.der\n");
    assert_silent(
        &lint_json(&dir, &[&der, "--etcd-version", "3.6", "."]).1,
        "crl-format",
    );

    // Text before the PEM block: no release reads it.
    let text = format!(
        "# etcd CRL\n{}",
        String::from_utf8_lossy(&dir.read("crl.pem"))
    );
    dir.write("commented-crl.pem", &text);
    let commented = config("m4", "ETCD_CLIENT_CRL_FILE=commented-crl.pem\n");
    let found = lint_json(&dir, &[&commented, "--etcd-version", "3.4", "."]).1;
    assert_fires(&found, "crl-format", "commented-crl.pem", "error");

    // Not a CRL at all, and a CRL another CA signed.
    let not_crl = config("m5", "ETCD_CLIENT_CRL_FILE=client2.pem\n");
    assert_fires(
        &lint_json(&dir, &[&not_crl, "."]).1,
        "crl-unreadable",
        "client2.pem",
        "error",
    );
    let other = Dir::new();
    other.write(
        "ca-csr.json",
        r#"{"CN": "other-ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    other.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    cfssl_crl(&other, "ca", "7\n", "3600", "other.crl");
    std::fs::create_dir_all(dir.join("elsewhere")).expect("dir");
    std::fs::copy(other.join("other.crl"), dir.join("elsewhere/other.crl")).expect("copy");
    let foreign = config(
        "m6",
        "ETCD_PEER_TRUSTED_CA_FILE=ca.pem\nETCD_PEER_CLIENT_CERT_AUTH=true\nETCD_PEER_CRL_FILE=elsewhere/other.crl\n",
    );
    let found = lint_json(&dir, &[&foreign, "."]).1;
    let f = fired(&found, "crl-foreign", "other.crl").expect("crl-foreign");
    assert_eq!(f.severity, "error");
    assert!(
        f.message.contains("peer-crl-file") && f.message.contains("other-ca"),
        "{f:?}"
    );
}

//! `revoke`: a record beside the CA that never loses an entry, and a numbered RFC 5280 CRL that
//! openssl accepts, made from it on every run.

use std::process::Output;

use x509_parser::prelude::{FromDer, ParsedExtension};
use x509_parser::revocation_list::CertificateRevocationList;

use crate::util::{Dir, Dump, Tool, etcdpki, require};

/// A CA and two client certificates it issued.
pub fn pki() -> Dir {
    let dir = Dir::new();
    dir.write(
        "ca-csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.write(
        "client-csr.json",
        r#"{"CN": "client", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.write(
        "ca-config.json",
        r#"{"signing": {"default": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"}}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    for base in ["client1", "client2"] {
        let cn = format!("-cn={base}");
        dir.gencert(
            Tool::Etcdpki,
            &[
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                &cn,
                "client-csr.json",
            ],
            base,
        );
    }
    dir
}

/// `etcdpki revoke -ca=ca.pem -ca-key=ca-key.pem ARGS`.
pub fn revoke(dir: &Dir, args: &[&str]) -> Output {
    dir.run(
        &etcdpki(),
        &[&["revoke", "-ca=ca.pem", "-ca-key=ca-key.pem"], args].concat(),
        b"",
    )
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A CRL entry: the serial's content octets and the reason code.
type Entry = (Vec<u8>, Option<u8>);

/// (CRL number, entries, nextUpdate - thisUpdate), read with x509-parser from PEM or DER.
pub fn read_crl(bytes: &[u8]) -> (u64, Vec<Entry>, i64) {
    let der = match x509_parser::pem::parse_x509_pem(bytes) {
        Ok((_, pem)) => {
            assert_eq!(pem.label, "X509 CRL");
            pem.contents
        }
        Err(_) => bytes.to_vec(),
    };
    let (rest, crl) = CertificateRevocationList::from_der(&der).expect("a CRL");
    assert!(rest.is_empty());
    let number = crl
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::CRLNumber(n) => u64::try_from(n).ok(),
            _ => None,
        })
        .expect("a CRL number");
    let entries = crl
        .iter_revoked_certificates()
        .map(|r| (r.raw_serial().to_vec(), r.reason_code().map(|(_, c)| c.0)))
        .collect();
    let tbs = &crl.tbs_cert_list;
    let validity = tbs.next_update.expect("nextUpdate").timestamp() - tbs.this_update.timestamp();
    (number, entries, validity)
}

/// `openssl verify -crl_check` of `cert` against the CA and the CRL: (accepted, output).
fn openssl_with_crl(dir: &Dir, crl: &str, cert: &str) -> (bool, String) {
    let out = dir.run(
        &require("openssl", "openssl"),
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "ca.pem",
            "-CRLfile",
            crl,
            cert,
        ],
        b"",
    );
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn revocations_are_recorded_and_every_run_writes_a_numbered_crl() {
    let dir = pki();
    let c1 = Dump::from_pem(&dir.read("client1.pem"));
    let c2 = Dump::from_pem(&dir.read("client2.pem"));
    let out = ok(&revoke(
        &dir,
        &["--reason", "key-compromise", "client1.pem"],
    ));
    assert!(
        out.contains("revoked ") && out.contains("client1.pem") && out.contains("keyCompromise"),
        "{out}"
    );
    let (n, entries, validity) = read_crl(&dir.read("crl.pem"));
    assert_eq!((n, validity), (1, 720 * 3600));
    assert_eq!(entries, [(c1.serial.clone(), Some(1))]);
    let (rejected, said) = openssl_with_crl(&dir, "crl.pem", "client1.pem");
    assert!(!rejected && said.contains("certificate revoked"), "{said}");
    assert!(openssl_with_crl(&dir, "crl.pem", "client2.pem").0);
    // The CRL verifies under the CA (signature, issuer, AKI).
    let check = dir.run(
        &require("openssl", "openssl"),
        &["crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout"],
        b"",
    );
    assert!(String::from_utf8_lossy(&check.stderr).contains("verify OK"));

    // By hex serial, as etcd prints it; the first entry keeps its time and reason.
    let list_before: serde_json::Value =
        serde_json::from_slice(&dir.read("ca-revoked.json")).expect("JSON");
    let hex: String = c2.serial.iter().map(|b| format!("{b:02x}")).collect();
    let out = ok(&revoke(
        &dir,
        &["--reason", "cessationOfOperation", &hex, "client1.pem"],
    ));
    assert!(out.contains("already revoked"), "{out}");
    let (n, entries, _) = read_crl(&dir.read("crl.pem"));
    assert_eq!(n, 2);
    assert_eq!(
        entries,
        [(c1.serial.clone(), Some(1)), (c2.serial.clone(), Some(5))]
    );
    let list: serde_json::Value =
        serde_json::from_slice(&dir.read("ca-revoked.json")).expect("JSON");
    assert_eq!(list["revoked"][0], list_before["revoked"][0]);
    assert_eq!(list["crl_number"], 2);
    assert_eq!(list["revoked"][1]["reason"], "cessationOfOperation");

    // Nothing to revoke: a refresh, with a new number and nextUpdate; DER alone when asked.
    ok(&revoke(
        &dir,
        &["--next-update", "48h", "--crl-der", "crl.der"],
    ));
    let (n, entries_der, validity) = read_crl(&dir.read("crl.der"));
    assert_eq!((n, validity, entries_der.len()), (3, 48 * 3600, 2));
    assert_eq!(
        read_crl(&dir.read("crl.pem")).0,
        2,
        "crl.pem was not asked for"
    );
    ok(&revoke(&dir, &["--crl", "crl.pem", "--crl-der", "crl.der"]));
    assert_eq!(read_crl(&dir.read("crl.pem")).0, 4);
    assert_eq!(read_crl(&dir.read("crl.der")).0, 4);
}

#[test]
fn no_entry_is_ever_lost() {
    let dir = pki();
    // A CRL that cfssl gencrl made for this CA: its entry is adopted into the list.
    dir.write("old.txt", "4242\n");
    let gencrl = dir.run(
        &require("cfssl", "golang-cfssl"),
        &["gencrl", "old.txt", "ca.pem", "ca-key.pem"],
        b"",
    );
    assert!(gencrl.status.success());
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        String::from_utf8_lossy(&gencrl.stdout).trim(),
    )
    .expect("base64");
    std::fs::write(dir.join("crl.der"), der).expect("write");
    let out = ok(&revoke(&dir, &["--crl-der", "crl.der", "client1.pem"]));
    assert!(out.contains("kept 1092"), "4242 is 0x1092: {out}");
    assert_eq!(read_crl(&dir.read("crl.der")).1.len(), 2);

    // Runs at once, each with its own serial: the lock serialises them, all are kept.
    let handles: Vec<_> = (1..=8)
        .map(|i| {
            std::process::Command::new(etcdpki())
                .args([
                    "revoke",
                    "-ca=ca.pem",
                    "-ca-key=ca-key.pem",
                    "--crl-der",
                    "crl.der",
                    &format!("{i}{i}"),
                ])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut h in handles {
        assert!(h.wait().expect("wait").success());
    }
    let (n, entries, _) = read_crl(&dir.read("crl.der"));
    assert_eq!(entries.len(), 10, "{entries:?}");
    assert_eq!(n, 9, "one number per run (1 + 8), none reused");

    // What cannot be read, or is another CA's, is never overwritten.
    let list = dir.read("ca-revoked.json");
    let crl = dir.read("crl.der");
    dir.write("ca-revoked.json", "{\"issuer\": ");
    let out = revoke(&dir, &["--crl-der", "crl.der", "client2.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ca-revoked.json"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.read("crl.der"), crl);
    std::fs::write(dir.join("ca-revoked.json"), &list).expect("restore");
    std::fs::copy(dir.join("client1.pem"), dir.join("not-a-crl.pem")).expect("copy");
    let out = revoke(&dir, &["--crl", "not-a-crl.pem", "client2.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not replacing it"));
    assert_eq!(dir.read("not-a-crl.pem"), dir.read("client1.pem"));
    assert_eq!(
        dir.read("ca-revoked.json"),
        list,
        "nothing written on failure"
    );

    // Another CA's certificate, or its list, is refused.
    dir.write(
        "other-csr.json",
        r#"{"CN": "other-ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "other-csr.json"], "other");
    let out = dir.run(
        &etcdpki(),
        &[
            "revoke",
            "-ca=other.pem",
            "-ca-key=other-key.pem",
            "client2.pem",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not by this CA"));
    std::fs::copy(dir.join("ca-revoked.json"), dir.join("other-revoked.json")).expect("copy");
    let out = dir.run(
        &etcdpki(),
        &["revoke", "-ca=other.pem", "-ca-key=other-key.pem", "1"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("revocation list is for"));
}

#[test]
fn usage_and_target_errors_have_their_exit_codes() {
    let dir = pki();
    let out = dir.run(&etcdpki(), &["revoke", "-ca=ca.pem", "client1.pem"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = revoke(&dir, &["--reason", "certificate-hold", "client1.pem"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "certificateHold cannot be undone here"
    );
    let out = revoke(&dir, &["no-such-file"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file, and"));
    assert!(!dir.join("ca-revoked.json").exists() && !dir.join("crl.pem").exists());
}

#[test]
fn renew_keeps_crls_fresh_and_revokes_what_it_replaced() {
    let dir = pki();
    ok(&revoke(
        &dir,
        &[
            "--crl",
            "crl.pem",
            "--crl-der",
            "crl.der",
            "--next-update",
            "1h",
        ],
    ));
    let renew = |args: &[&str]| {
        let out = dir.run(
            &etcdpki(),
            &[
                &["renew", "--ca", "ca.pem", "--ca-key", "ca-key.pem"],
                args,
                &["."],
            ]
            .concat(),
            b"",
        );
        ok(&out)
    };
    // Default window: a third of the CRL's hour is 20 minutes; an hour is left.
    let out = renew(&["--dry-run"]);
    assert!(out.contains("not due   ./crl.pem: CRL"), "{out}");
    // Within a 2h window: re-signed, for its own validity again, both files as one.
    let out = renew(&["--before", "2h"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("re-signed "))
        .unwrap_or_default();
    assert!(
        line.contains("./crl.pem")
            && line.contains("./crl.der")
            && line.contains("CRL number 2, 0 revoked"),
        "{out}"
    );
    let (n, entries, validity) = read_crl(&dir.read("crl.der"));
    assert_eq!((n, entries.len(), validity), (2, 0, 3600));
    assert_eq!(read_crl(&dir.read("crl.pem")).0, 2);
    assert!(renew(&["--before", "2h", "--dry-run"]).contains("would re-sign ./crl.pem"));

    // Everything due, and what renew replaces is revoked (superseded) in both CRLs.
    let old1 = Dump::from_pem(&dir.read("client1.pem")).serial;
    let old2 = Dump::from_pem(&dir.read("client2.pem")).serial;
    let out = renew(&["--before", "100%", "--revoke-replaced"]);
    assert!(
        out.contains("revoked   ./client1.pem") && out.contains("(superseded)"),
        "{out}"
    );
    let (n, entries, _) = read_crl(&dir.read("crl.pem"));
    assert_eq!(n, 3);
    assert!(
        entries.contains(&(old1, Some(4))) && entries.contains(&(old2, Some(4))),
        "{entries:?}"
    );
    let new1 = Dump::from_pem(&dir.read("client1.pem")).serial;
    assert!(
        !entries.iter().any(|(s, _)| *s == new1),
        "the new certificate is not revoked"
    );
    assert_eq!(read_crl(&dir.read("crl.der")).1, entries);
    assert!(openssl_with_crl(&dir, "crl.pem", "client1.pem").0);

    // expiry lists the CRLs by nextUpdate, and --fail-within counts them.
    let out = dir.run(&etcdpki(), &["expiry", "--format", "json", "."], b"");
    let report: serde_json::Value = serde_json::from_slice(&ok_bytes(&out)).expect("JSON");
    let crls = report["crls"].as_array().expect("crls");
    assert_eq!(crls.len(), 2, "{crls:?}");
    assert!(crls[0]["residual_seconds"].as_i64().expect("seconds") <= 3600);
    let out = dir.run(&etcdpki(), &["expiry", "--fail-within", "2h", "."], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("crl.pem: CRL of") && err.contains("CRL(s)"),
        "{err}"
    );
    let text =
        String::from_utf8_lossy(&dir.run(&etcdpki(), &["expiry", "."], b"").stdout).into_owned();
    assert!(
        text.contains("NEXT UPDATE") && text.contains("./crl.der"),
        "{text}"
    );
}

fn ok_bytes(out: &Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.clone()
}

#[test]
fn a_ca_without_crl_sign_gets_a_warning() {
    let dir = Dir::new();
    dir.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=no-crl-sign",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    let out = revoke(&dir, &["3039"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without cRLSign"), "{err}");
    assert_eq!(read_crl(&dir.read("crl.pem")).1.len(), 1);
    // A CA with cRLSign (cfssl's -initca CA has it) gets none.
    let dir = pki();
    let out = revoke(&dir, &["3039"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cRLSign"));
}

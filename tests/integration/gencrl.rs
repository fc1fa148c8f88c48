//! `gencrl` against the real cfssl: the same arguments, output and exit codes, and CRLs equal
//! field by field (times aside) to the ones cfssl makes from the same CA and serial list; etcd's
//! `tests/fixtures/gencerts.sh` CRL step run unchanged through a link named `cfssl`.

use std::os::unix::fs::symlink;

use base64::Engine as _;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use crate::util::{Dir, Tool, etcdpki, hex, require};

/// The DER of a `gencrl` run's stdout (one line of base64).
fn decode(stdout: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(stdout).expect("ASCII output");
    assert!(
        text.ends_with('\n') && text.trim_end().lines().count() == 1,
        "one line: {text:?}"
    );
    base64::engine::general_purpose::STANDARD
        .decode(text.trim_end())
        .expect("base64")
}

/// `der` with every UTCTime and GeneralizedTime value replaced by `T`s: what two CRLs of the
/// same input made seconds apart must share byte for byte.
fn without_times(der: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = der;
    while !rest.is_empty() {
        let tag = rest[0];
        let (len, header) = match rest[1] {
            n if n < 0x80 => (usize::from(n), 2),
            n => {
                let k = usize::from(n & 0x7f);
                let len = rest[2..2 + k]
                    .iter()
                    .fold(0usize, |a, b| a << 8 | usize::from(*b));
                (len, 2 + k)
            }
        };
        let (head, body) = (&rest[..header], &rest[header..header + len]);
        out.extend_from_slice(head);
        match tag {
            0x17 | 0x18 => out.extend(std::iter::repeat_n(b'T', len)),
            t if t & 0x20 != 0 => out.extend(without_times(body)),
            _ => out.extend_from_slice(body),
        }
        rest = &rest[header + len..];
    }
    out
}

/// The TBSCertList DER (an ECDSA signature's length varies, and with it the outer lengths).
fn tbs_of(der: &[u8]) -> Vec<u8> {
    let (_, crl) = CertificateRevocationList::from_der(der).expect("a DER CRL");
    crl.tbs_cert_list.as_ref().to_vec()
}

/// Every field of a CRL, read with x509-parser.
#[derive(Debug, PartialEq, Eq)]
struct CrlDump {
    version: Option<u32>,
    signature_oid: String,
    signature_params: Option<Vec<u8>>,
    outer_oid: String,
    issuer: Vec<u8>,
    validity: Option<i64>,
    entries: Vec<(Vec<u8>, usize)>,
    extensions: Vec<(String, bool, Vec<u8>)>,
}

fn dump(der: &[u8]) -> (CrlDump, i64) {
    let (rest, crl) = CertificateRevocationList::from_der(der).expect("a DER CRL");
    assert!(rest.is_empty());
    let tbs = &crl.tbs_cert_list;
    let this = tbs.this_update.timestamp();
    (
        CrlDump {
            version: tbs.version.map(|v| v.0),
            signature_oid: tbs.signature.algorithm.to_id_string(),
            signature_params: tbs.signature.parameters.as_ref().map(|p| p.data.to_vec()),
            outer_oid: crl.signature_algorithm.algorithm.to_id_string(),
            issuer: tbs.issuer.as_raw().to_vec(),
            validity: tbs.next_update.map(|n| n.timestamp() - this),
            entries: tbs
                .revoked_certificates
                .iter()
                .map(|r| (r.raw_serial().to_vec(), r.extensions().len()))
                .collect(),
            extensions: tbs
                .extensions()
                .iter()
                .map(|e| (e.oid.to_id_string(), e.critical, e.value.to_vec()))
                .collect(),
        },
        this,
    )
}

/// Runs `gencrl ARGS` with cfssl and with etcdpki and compares the CRLs.
fn compare(dir: &Dir, args: &[&str]) -> (CrlDump, Vec<u8>) {
    let cfssl = dir.run(
        &require("cfssl", "golang-cfssl"),
        &[&["gencrl"], args].concat(),
        b"",
    );
    assert!(
        cfssl.status.success(),
        "cfssl: {}",
        String::from_utf8_lossy(&cfssl.stderr)
    );
    let ours = dir.run(&etcdpki(), &[&["gencrl"], args].concat(), b"");
    assert!(
        ours.status.success(),
        "etcdpki: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let (theirs_der, ours_der) = (decode(&cfssl.stdout), decode(&ours.stdout));
    let ((theirs, t1), (mine, t2)) = (dump(&theirs_der), dump(&ours_der));
    assert_eq!(mine, theirs, "{args:?}");
    assert!((t2 - t1).abs() <= 5, "thisUpdate {t1} vs {t2}");
    assert_eq!(
        without_times(&tbs_of(&ours_der)),
        without_times(&tbs_of(&theirs_der)),
        "{args:?}"
    );
    (mine, ours_der)
}

/// A CA made by openssl with a subject Go re-encodes: UTF8String values and an emailAddress,
/// which `CreateCRL` drops from the CRL's issuer. RSA-3072, which cfssl signs CRLs for with
/// SHA-256 (certificates with SHA-384).
fn openssl_rsa_ca(dir: &Dir) {
    dir.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:3072",
        "-nodes",
        "-keyout",
        "rsa-ca-key.pem",
        "-out",
        "rsa-ca.pem",
        "-days",
        "30",
        "-subj",
        "/O=etcd/CN=etcd rsa ca/emailAddress=ops@example.com",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
}

#[test]
fn crls_equal_cfssls_field_by_field() {
    let dir = Dir::new();
    dir.write(
        "ca-csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd", "OU": "a*b"}, {"OU": "ops"}]}"#,
    );
    dir.gencert(Tool::Cfssl, &["-initca", "ca-csr.json"], "ca");
    openssl_rsa_ca(&dir);
    dir.write(
        "serials.txt",
        "12345\n\n99\r\n730750818665451459101842416358141509827966271487\n-5\n0\n",
    );
    dir.write("empty.txt", "");
    // Debian's cfssl 1.2.0 reads TIME as a file name ('-' or a path); 1.6.5 as a number. A
    // file named like the number holding it serves both.
    dir.write("3600", "3600\n");
    for (ca, key) in [("ca.pem", "ca-key.pem"), ("rsa-ca.pem", "rsa-ca-key.pem")] {
        let (crl, _) = compare(&dir, &["serials.txt", ca, key]);
        assert_eq!(crl.validity, Some(7 * 24 * 3600), "one week by default");
        assert_eq!(crl.entries.len(), 5);
        assert_eq!(crl.version, Some(1), "v2");
        let (crl, der) = compare(&dir, &["empty.txt", ca, key, "3600"]);
        assert_eq!(crl.validity, Some(3600));
        assert!(crl.entries.is_empty());
        // Go marshals the empty list as an empty SEQUENCE; the DER keeps it.
        assert!(der.windows(2).any(|w| w == [0x30, 0x00]), "{der:02x?}");
    }
    let (rsa, _) = compare(&dir, &["serials.txt", "rsa-ca.pem", "rsa-ca-key.pem"]);
    assert_eq!(
        rsa.signature_oid, "1.2.840.113549.1.1.11",
        "SHA-256 for any RSA key"
    );
    let subject = crate::util::Dump::from_pem(&dir.read("rsa-ca.pem")).subject_der;
    assert_ne!(
        rsa.issuer, subject,
        "Go re-encodes the issuer from the parsed subject"
    );
    // openssl accepts the signature, the CA and the issuer name.
    let der_name = "ours.crl";
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "serials.txt", "ca.pem", "ca-key.pem"],
        b"",
    );
    std::fs::write(dir.join(der_name), decode(&out.stdout)).expect("write");
    let text = dir.run(
        &require("openssl", "openssl"),
        &[
            "crl", "-inform", "DER", "-in", der_name, "-CAfile", "ca.pem", "-noout",
        ],
        b"",
    );
    assert!(
        String::from_utf8_lossy(&text.stderr).contains("verify OK"),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
}

#[test]
fn arguments_and_exit_codes_are_cfssls() {
    let dir = Dir::new();
    dir.write(
        "ca-csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "ca");
    dir.write("serials.txt", "1\n");
    let cfssl = require("cfssl", "golang-cfssl");
    // (arguments, exit code of both)
    let cases: &[(&[&str], i32)] = &[
        (&["serials.txt", "ca.pem", "ca-key.pem"], 0),
        (
            &["-loglevel", "0", "serials.txt", "ca.pem", "ca-key.pem"],
            0,
        ),
        (&["serials.txt", "ca.pem"], 1),
        (&[], 1),
        (&["missing.txt", "ca.pem", "ca-key.pem"], 1),
        (&["serials.txt", "ca.pem", "missing.pem"], 1),
        (&["serials.txt", "ca-key.pem", "ca-key.pem"], 1),
        (&["-bogus", "serials.txt", "ca.pem", "ca-key.pem"], 2),
    ];
    for (args, code) in cases {
        for program in [&cfssl, &etcdpki()] {
            let out = dir.run(program, &[&["gencrl"], *args].concat(), b"");
            assert_eq!(
                out.status.code(),
                Some(*code),
                "{} gencrl {args:?}: {}",
                program.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            if *code != 0 {
                assert!(out.stdout.is_empty(), "no output on failure");
            }
        }
    }
    // Standard input for the list; TIME as 1.6.5 reads it (a number, Go's base prefixes).
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "-", "ca.pem", "ca-key.pem", "0x10"],
        b"7\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (crl, _) = dump(&decode(&out.stdout));
    assert_eq!((crl.validity, crl.entries.len()), (Some(16), 1));
    // Where cfssl goes on silently, etcdpki stops or warns (docs/compat.md, gencrl).
    dir.gencert(Tool::Etcdpki, &["-initca", "ca-csr.json"], "other");
    let cfssl_mismatch = dir.run(
        &cfssl,
        &["gencrl", "serials.txt", "ca.pem", "other-key.pem"],
        b"",
    );
    assert!(
        cfssl_mismatch.status.success(),
        "cfssl signs with a key that is not the CA's"
    );
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "serials.txt", "ca.pem", "other-key.pem"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match"));
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "serials.txt", "ca.pem", "ca-key.pem", "60", "x"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "an argument after TIME");
    dir.write("negative.txt", "-5\n");
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "negative.txt", "ca.pem", "ca-key.pem", "-60"],
        b"",
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nextUpdate is in the past") && err.contains("certificate with serial 5"),
        "{err}"
    );
    // What cfssl misreads is refused with the line: cfssl would revoke serial 0 here.
    dir.write("hex.txt", "1\n0x10\n");
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "hex.txt", "ca.pem", "ca-key.pem"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hex.txt:2: \"0x10\"") && err.contains("serial 0"),
        "{err}"
    );
}

#[test]
fn etcd_gencerts_crl_step_runs_unchanged() {
    // The lines of etcd's tests/fixtures/gencerts.sh that make the revoked certificate and its
    // CRL, with our inputs of the same shape, run by bash with cfssl and cfssljson linked to
    // etcdpki.
    let dir = Dir::new();
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("bin");
    symlink(etcdpki(), bin.join("cfssl")).expect("link");
    symlink(etcdpki(), bin.join("cfssljson")).expect("link");
    dir.write(
        "ca-csr.json",
        r#"{"key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd", "OU": "etcd Security", "L": "San Francisco", "ST": "California", "C": "USA"}], "CN": "ca", "ca": {"expiry": "87600h"}}"#,
    );
    dir.write(
        "server-ca-csr.json",
        r#"{"key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd", "OU": "etcd Security", "L": "San Francisco", "ST": "California", "C": "USA"}], "CN": "example.com", "hosts": ["127.0.0.1", "localhost"]}"#,
    );
    dir.write(
        "gencert.json",
        r#"{"signing": {"default": {"usages": ["signing", "key encipherment", "server auth", "client auth"], "expiry": "87600h"}}}"#,
    );
    dir.write(
        "gencerts.sh",
        r#"set -euo pipefail
cfssl gencert --initca=true ./ca-csr.json | cfssljson --bare ./ca
mv ca.pem ca.crt
cfssl gencert --ca ./ca.crt \
  --ca-key ./ca-key.pem \
  --config ./gencert.json \
  ./server-ca-csr.json 2>revoked.stderr | cfssljson --bare ./server-revoked
mv server-revoked.pem server-revoked.crt
mv server-revoked-key.pem server-revoked.key.insecure
grep serial revoked.stderr | awk ' { print $9 } ' >revoke.txt
cfssl gencrl revoke.txt ca.crt ca-key.pem | base64 --decode >revoke.crl
"#,
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(require("bash", "bash"))
        .arg("gencerts.sh")
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let serial = String::from_utf8(dir.read("revoke.txt")).expect("text");
    assert_eq!(serial.lines().count(), 1, "{serial:?}");
    // openssl: the CRL verifies under the CA and revokes exactly that certificate.
    dir.openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        "revoke.crl",
        "-out",
        "revoke.pem",
    ]);
    let verify = |cert: &str| {
        dir.run(
            &require("openssl", "openssl"),
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.crt",
                "-CRLfile",
                "revoke.pem",
                cert,
            ],
            b"",
        )
    };
    let revoked = verify("server-revoked.crt");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&revoked.stdout),
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert!(
        !revoked.status.success() && said.contains("certificate revoked"),
        "{said}"
    );
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=ca.crt",
            "-ca-key=ca-key.pem",
            "-config=gencert.json",
            "server-ca-csr.json",
        ],
        "other",
    );
    let fine = verify("other.pem");
    assert!(
        fine.status.success(),
        "{}",
        String::from_utf8_lossy(&fine.stdout)
    );
    let (crl, _) = dump(&dir.read("revoke.crl"));
    let cert = crate::util::Dump::from_pem(&dir.read("server-revoked.crt"));
    assert_eq!(crl.entries, [(cert.serial, 0)]);
}

/// A P-256 CA whose subject holds empty values, `C=""`, `OU=""` beside `OU=ops` and an empty
/// CN, written by openssl's `asn1parse -genconf` (`req -subj` skips empty values and a `req`
/// configuration refuses them; [`Dir::openssl_signed`]). Files `empty-ca.pem` and
/// `empty-ca-key.pem`.
fn openssl_ca_with_empty_values(dir: &Dir) {
    dir.p256_key("empty-ca-key.pem");
    let point = dir.openssl_p256_point("empty-ca-key.pem");
    std::fs::write(dir.join("point.bin"), &point).expect("write");
    dir.openssl(&["dgst", "-sha1", "-binary", "-out", "ski.bin", "point.bin"]);
    let sections = format!(
        "[tbs]
version = EXPLICIT:0,INTEGER:2
serial = INTEGER:0x5eed
sigalg = SEQUENCE:sigalg
issuer = SEQUENCE:name
validity = SEQUENCE:validity
subject = SEQUENCE:name
spki = SEQUENCE:spki
ext = EXPLICIT:3,SEQUENCE:exts
[sigalg]
oid = OID:ecdsa-with-SHA256
[name]
c = SET:c
o = SET:o
ou = SET:ou
ou2 = SET:ou2
cn = SET:cn
[c]
a = SEQUENCE:c_atv
[c_atv]
t = OID:countryName
v = PRINTABLESTRING:
[o]
a = SEQUENCE:o_atv
[o_atv]
t = OID:organizationName
v = UTF8String:Acme
[ou]
a = SEQUENCE:ou_atv
[ou_atv]
t = OID:organizationalUnitName
v = UTF8String:
[ou2]
a = SEQUENCE:ou2_atv
[ou2_atv]
t = OID:organizationalUnitName
v = UTF8String:ops
[cn]
a = SEQUENCE:cn_atv
[cn_atv]
t = OID:commonName
v = UTF8String:
[validity]
not_before = UTCTIME:250101000000Z
not_after = GENERALIZEDTIME:20500101000000Z
[spki]
algorithm = SEQUENCE:spki_algorithm
key = FORMAT:HEX,BITSTRING:{point}
[spki_algorithm]
a = OID:id-ecPublicKey
c = OID:prime256v1
[exts]
bc = SEQUENCE:bc_ext
ku = SEQUENCE:ku_ext
ski = SEQUENCE:ski_ext
[bc_ext]
id = OID:basicConstraints
critical = BOOLEAN:TRUE
v = OCTWRAP,SEQUENCE:bc
[bc]
ca = BOOLEAN:TRUE
[ku_ext]
id = OID:keyUsage
critical = BOOLEAN:TRUE
v = OCTWRAP,FORMAT:BITLIST,BITSTRING:5,6
[ski_ext]
id = OID:subjectKeyIdentifier
v = OCTWRAP,FORMAT:HEX,OCTETSTRING:{ski}
",
        point = hex(&point),
        ski = hex(&dir.read("ski.bin")),
    );
    dir.openssl_signed(&sections, "empty-ca-key.pem", "ca.der");
    dir.openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        "ca.der",
        "-out",
        "empty-ca.pem",
    ]);
    dir.openssl(&["verify", "-CAfile", "empty-ca.pem", "empty-ca.pem"]);
}

/// Issue 16, point 1 (https://github.com/etcdpki/etcdpki/issues/16): cfssl's `gencrl` writes
/// the CA's parsed subject back with Go's `pkix.Name.ToRDNSequence`, which keeps `C=""` and
/// `OU=""` (as empty PrintableStrings, the OU merged with `OU=ops` into one RDN) and leaves the
/// empty CN out. The CRL's issuer is cfssl's byte for byte.
#[test]
fn issue_16_empty_values_in_the_ca_subject_stay_in_the_crl_issuer_as_cfssl_writes_them() {
    let dir = Dir::new();
    openssl_ca_with_empty_values(&dir);
    dir.write("serials.txt", "4660\n");
    let (crl, _) = compare(&dir, &["serials.txt", "empty-ca.pem", "empty-ca-key.pem"]);
    let (_, name) = x509_parser::x509::X509Name::from_der(&crl.issuer).expect("a Name");
    let rdns: Vec<Vec<(String, String)>> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    (
                        a.attr_type().to_id_string(),
                        a.as_str().expect("a string").to_owned(),
                    )
                })
                .collect()
        })
        .collect();
    let pair = |oid: &str, value: &str| (oid.to_owned(), value.to_owned());
    assert_eq!(
        rdns,
        [
            vec![pair("2.5.4.6", "")],
            vec![pair("2.5.4.10", "Acme")],
            vec![pair("2.5.4.11", ""), pair("2.5.4.11", "ops")],
        ]
    );
}

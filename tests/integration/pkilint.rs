//! pkilint (PyPI `pkilint`, its RFC 5280 linter `lint_pkix_cert`) as an independent judge of
//! every kind of certificate etcdpki issues: gencert per bundled profile and key type, the
//! cfssl default profile, CAs (`-initca`, `-renewca`, an intermediate), `sign`, `selfsign`,
//! `cluster` in each layout and a renewed leaf (issue 14 point 10). Any finding of severity
//! ERROR or FATAL fails the test unless [`ALLOWED`] lists it with its reason.

use std::path::{Path, PathBuf};

use crate::util::{Dir, Tool, require};

/// Findings accepted, each with why: (pkilint code, text its message contains, the file name
/// it may appear in (empty: any), reason).
const ALLOWED: &[(&str, &str, &str, &str)] = &[
    (
        "pkix.invalid_domain_name_syntax",
        "\"localhost\"",
        "",
        "etcd's own member name and every etcd guide put `localhost` in the SANs; pkilint wants \
         a domain name of two labels or more, but RFC 5280 §4.2.1.6 only requires the preferred \
         name syntax, which one label meets, and Go, openssl and etcd all match it",
    ),
    (
        "pkix.key_usage_value_prohibited_for_ec",
        "keyEncipherment",
        "default-profile",
        "only in certificates made with a profile that asks for `key encipherment` with an EC \
         key: cfssl's built-in default profile (gencert without -config) and users' profiles; \
         cfssl writes it and so does etcdpki, for byte-compatible certificates (RFC 5480 §3; \
         the bundled profiles/etcd no longer ask for it, and etcdpki lint reports it)",
    ),
    (
        "pkix.key_usage_value_prohibited_for_ec",
        "keyEncipherment",
        "selfsigned",
        "`selfsign` without -config uses cfssl's default profile, which asks for key \
         encipherment; kept for the same reason as above",
    ),
    (
        "pkix.authority_key_identifier_extension_absent",
        "",
        "selfsigned",
        "`selfsign` makes a self-signed leaf: issuer = subject, so Go (and cfssl) write no \
         AuthorityKeyIdentifier, which RFC 5280 §4.2.1.1 allows for self-signed certificates",
    ),
];

/// One finding of severity ERROR or FATAL.
#[derive(Debug)]
struct Finding {
    code: String,
    message: String,
    path: String,
}

/// pkilint's own `lint_pkix_cert lint -s ERROR -f JSON FILE`, run for every file in one Python
/// process (an interpreter per certificate would take a second and a half each).
const LINT_MANY: &str = "
import contextlib, io, json, sys
from pkilint.bin.lint_pkix_cert import main
for f in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(['lint', '-s', 'ERROR', '-f', 'JSON', f])
    print(json.dumps({'file': f, 'report': json.loads(out.getvalue())}))
";

/// The ERROR and FATAL findings of each file.
fn lint_many(files: &[PathBuf]) -> Vec<(PathBuf, Vec<Finding>)> {
    require(
        "lint_pkix_cert",
        "pkilint (pip install pkilint; tests/run.sh does)",
    );
    let out = std::process::Command::new(require("python3", "python3"))
        .args(["-c", LINT_MANY])
        .args(files)
        .output()
        .expect("run pkilint");
    assert!(
        out.status.success(),
        "pkilint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let results: Vec<(PathBuf, Vec<Finding>)> = text
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let file = PathBuf::from(v["file"].as_str().unwrap_or_default());
            (file, findings(&v["report"]))
        })
        .collect();
    assert_eq!(results.len(), files.len(), "one report per file: {text}");
    results
}

fn findings(report: &serde_json::Value) -> Vec<Finding> {
    let mut found = Vec::new();
    for result in report["results"].as_array().into_iter().flatten() {
        for d in result["finding_descriptions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let severity = d["severity"].as_str().unwrap_or_default();
            if severity == "ERROR" || severity == "FATAL" {
                found.push(Finding {
                    code: d["code"].as_str().unwrap_or_default().to_owned(),
                    message: d["message"].as_str().unwrap_or_default().to_owned(),
                    path: result["node_path"].as_str().unwrap_or_default().to_owned(),
                });
            }
        }
    }
    found
}

fn allowed(file: &Path, f: &Finding) -> bool {
    let name = file.to_string_lossy();
    ALLOWED.iter().any(|(code, about, only_in, _)| {
        f.code == *code && f.message.contains(about) && name.contains(only_in)
    })
}

/// Lints every certificate file under `root` and fails with the whole list of what is not
/// allowed. Returns how many certificates were linted.
fn lint_all(root: &Path) -> usize {
    let mut files = Vec::new();
    collect_certificates(root, &mut files);
    let mut bad = Vec::new();
    for (file, found) in lint_many(&files) {
        for f in found {
            if !allowed(&file, &f) {
                bad.push(format!(
                    "{}: {} ({}) at {}",
                    file.display(),
                    f.code,
                    f.message,
                    f.path
                ));
            }
        }
    }
    assert!(bad.is_empty(), "pkilint errors:\n{}", bad.join("\n"));
    files.len()
}

fn collect_certificates(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_certificates(&path, out);
        } else if std::fs::read_to_string(&path)
            .is_ok_and(|t| t.starts_with("-----BEGIN CERTIFICATE-----"))
        {
            out.push(path);
        }
    }
}

#[test]
fn the_allow_list_is_needed_and_pkilint_finds_real_errors() {
    // A test that cannot fail is a defect: pkilint must report an unlisted error on a
    // certificate known to be wrong (openssl, an empty DNS name).
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
        "bad-key.pem",
        "-out",
        "bad.pem",
        "-subj",
        "/CN=bad",
        "-days",
        "1",
        "-addext",
        "subjectAltName=DNS:a..b",
    ]);
    let findings = lint_many(&[dir.join("bad.pem")]).remove(0).1;
    assert!(
        findings.iter().any(|f| !allowed(&dir.join("bad.pem"), f)),
        "pkilint should flag DNS:a..b: {findings:?}"
    );
}

#[test]
fn every_kind_of_certificate_etcdpki_issues_passes_pkilint() {
    let dir = Dir::new();
    let config = format!(
        "{}/profiles/etcd/ca-config.json",
        env!("CARGO_MANIFEST_DIR")
    );
    make_cas(&dir);
    leaves_per_profile_and_key(&dir, &config);
    rsa_leaf_and_default_profile(&dir, &config);
    intermediate_and_renewed_ca(&dir);
    signed_and_selfsigned(&dir, &config);
    clusters_and_a_renewed_leaf(&dir);
    let linted = lint_all(dir.path());
    assert!(linted >= 40, "only {linted} certificates were linted");
}

/// An ECDSA, an Ed25519 and an RSA CA (`-initca`).
fn make_cas(dir: &Dir) {
    for kind in ["ecdsa-ca", "ed25519-ca"] {
        std::fs::create_dir(dir.join(kind)).expect("mkdir");
    }
    dir.write(
        "ecdsa-ca.json",
        r#"{"CN": "etcd-ca", "names": [{"O": "etcd"}], "ca": {"expiry": "87600h"}}"#,
    );
    dir.write(
        "ed25519-ca.json",
        r#"{"CN": "etcd-ca-ed", "key": {"algo": "ed25519"}}"#,
    );
    dir.write(
        "rsa-ca.json",
        r#"{"CN": "etcd-ca-rsa", "key": {"algo": "rsa", "size": 2048}, "ca": {"pathlen": 1}}"#,
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "ecdsa-ca.json"], "ecdsa-ca/ca");
    dir.gencert(
        Tool::Etcdpki,
        &["-initca", "ed25519-ca.json"],
        "ed25519-ca/ca",
    );
    dir.gencert(Tool::Etcdpki, &["-initca", "rsa-ca.json"], "rsa-ca");
}

/// gencert with each bundled profile, each key type, under the ECDSA and the Ed25519 CA.
fn leaves_per_profile_and_key(dir: &Dir, config: &str) {
    let keys = [
        ("p256", r#"{"algo": "ecdsa", "size": 256}"#),
        ("p384", r#"{"algo": "ecdsa", "size": 384}"#),
        ("p521", r#"{"algo": "ecdsa", "size": 521}"#),
        ("ed25519", r#"{"algo": "ed25519"}"#),
    ];
    for profile in ["server", "peer", "client"] {
        for (name, key) in keys {
            let request = format!("{profile}-{name}.json");
            dir.write(
                &request,
                &format!(
                    r#"{{"CN": "infra0", "hosts": ["infra0.example.com", "localhost", "127.0.0.1", "::1"], "names": [{{"O": "etcd"}}], "key": {key}}}"#
                ),
            );
            for ca in ["ecdsa-ca", "ed25519-ca"] {
                dir.gencert(
                    Tool::Etcdpki,
                    &[
                        &format!("-ca={ca}/ca.pem"),
                        &format!("-ca-key={ca}/ca-key.pem"),
                        &format!("-config={config}"),
                        &format!("-profile={profile}"),
                        &request,
                    ],
                    &format!("{ca}/{profile}-{name}"),
                );
            }
        }
    }
}

/// One RSA leaf (RSA keys are slow) under the RSA CA, and cfssl's default profile.
fn rsa_leaf_and_default_profile(dir: &Dir, config: &str) {
    dir.write(
        "rsa.json",
        r#"{"CN": "rsa", "hosts": ["rsa.example.com"], "key": {"algo": "rsa", "size": 2048}}"#,
    );
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=rsa-ca.pem",
            "-ca-key=rsa-ca-key.pem",
            &format!("-config={config}"),
            "-profile=server",
            "rsa.json",
        ],
        "rsa-server",
    );
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=ecdsa-ca/ca.pem",
            "-ca-key=ecdsa-ca/ca-key.pem",
            "server-p256.json",
        ],
        "default-profile",
    );
}

/// An intermediate CA from a profile with ca_constraint, and the RSA root renewed.
fn intermediate_and_renewed_ca(dir: &Dir) {
    dir.write(
        "intermediate-config.json",
        r#"{"signing": {"profiles": {"intermediate": {"expiry": "43800h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}}}}}"#,
    );
    dir.write(
        "intermediate.json",
        r#"{"CN": "etcd-intermediate", "names": [{"O": "etcd"}]}"#,
    );
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=rsa-ca.pem",
            "-ca-key=rsa-ca-key.pem",
            "-config=intermediate-config.json",
            "-profile=intermediate",
            "intermediate.json",
        ],
        "intermediate",
    );
    let renewed = dir.ok(
        &[
            "gencert",
            "-renewca",
            "-ca=rsa-ca.pem",
            "-ca-key=rsa-ca-key.pem",
        ],
        b"",
    );
    std::fs::create_dir(dir.join("renewed-ca")).expect("mkdir");
    let out = dir.run(
        &crate::util::etcdpki(),
        &["json", "-bare", "renewed-ca/ca"],
        &renewed,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sign` of an openssl CSR, and `selfsign`.
fn signed_and_selfsigned(dir: &Dir, config: &str) {
    dir.openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "signed-key.pem",
        "-out",
        "signed.csr",
        "-subj",
        "/O=etcd/CN=infra1",
    ]);
    let signed = dir.ok(
        &[
            "sign",
            "-ca=ecdsa-ca/ca.pem",
            "-ca-key=ecdsa-ca/ca-key.pem",
            &format!("-config={config}"),
            "-profile=peer",
            "-hostname=infra1.example.com,10.0.1.11",
            "signed.csr",
        ],
        b"",
    );
    let out = dir.run(
        &crate::util::etcdpki(),
        &["json", "-bare", "signed"],
        &signed,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let selfsigned = dir.ok(&["selfsign", "infra2.example.com", "server-p256.json"], b"");
    let out = dir.run(
        &crate::util::etcdpki(),
        &["json", "-bare", "selfsigned"],
        &selfsigned,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `cluster` in each layout, and a leaf renewed by `renew`.
fn clusters_and_a_renewed_leaf(dir: &Dir) {
    for layout in ["cfssl", "etcdadm", "kubeadm"] {
        dir.ok(
            &[
                "cluster",
                "--initial-cluster",
                "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380",
                "--client",
                "root",
                "--layout",
                layout,
                "--out",
                &format!("cluster-{layout}"),
            ],
            b"",
        );
    }
    std::fs::create_dir(dir.join("renew")).expect("mkdir");
    dir.write("short.json", r#"{"signing": {"profiles": {"peer": {"expiry": "1h", "usages": ["signing", "server auth", "client auth"]}}}}"#);
    dir.gencert(
        Tool::Etcdpki,
        &[
            "-ca=ecdsa-ca/ca.pem",
            "-ca-key=ecdsa-ca/ca-key.pem",
            "-config=short.json",
            "-profile=peer",
            "server-p256.json",
        ],
        "renew/infra0",
    );
    dir.ok(
        &[
            "renew",
            "--ca",
            "ecdsa-ca/ca.pem",
            "--ca-key",
            "ecdsa-ca/ca-key.pem",
            "--before",
            "2h",
            "--expiry",
            "8760h",
            "renew",
        ],
        b"",
    );
}

//! Real scripts, unchanged: each test reproduces, command line for command line and input shape
//! for input shape, a cfssl script people run (issue 14), and runs it twice: with the real cfssl
//! behind the names `cfssl` and `cfssljson`, and with etcdpki behind them (links in a bin
//! directory first on PATH, and as `$GOPATH/bin` for scripts that look there). Exit status, the
//! files left behind, their modes and every certificate's properties must be the same, apart
//! from the documented deviations each test lists with its reason (docs/compat.md).
//!
//! The scripts are written here from the sources named on each test; none of their files is
//! copied into the repository.

mod cfssl_testdata;
mod coreos;
mod etcd;
mod kubernetes;
mod tutorials;

use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use x509_parser::prelude::*;

use crate::util::{Dir, Dump, etcdpki, require};

/// Which program answers to `cfssl` and `cfssljson`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behind {
    /// Debian's golang-cfssl: /usr/bin/cfssl and /usr/bin/cfssljson.
    Cfssl,
    /// etcdpki through links with those names.
    Etcdpki,
}

/// A script and the files it expects beside it.
pub struct Script<'a> {
    /// The interpreter: "bash", "sh" or "make".
    pub shell: &'a str,
    /// The script's file name, run as `./NAME` (for make, `Makefile`).
    pub file: &'a str,
    /// The script's text; for make, the Makefile.
    pub text: &'a str,
    /// Arguments after the script (make targets).
    pub args: &'a [&'a str],
    /// Input files written before the run, relative to the working directory.
    pub inputs: &'a [(&'a str, &'a str)],
}

/// What one run left behind.
pub struct Outcome {
    /// The script's exit status.
    pub status: i32,
    /// Every file under the working directory, by relative path.
    pub files: BTreeMap<String, Facts>,
    /// The script's standard error, for failure messages.
    pub stderr: String,
    /// The working directory (kept until the outcome is dropped).
    pub dir: Dir,
}

/// The facts compared for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Facts {
    /// A certificate: its permission bits and properties.
    Certificate { mode: u32, cert: CertFacts },
    /// A private key: its permission bits and what kind of key it is.
    Key { mode: u32, kind: String },
    /// A certificate request: its permission bits, subject and SANs.
    Request {
        mode: u32,
        subject: String,
        sans: Vec<String>,
    },
    /// Anything else: permission bits and contents.
    Other { mode: u32, contents: Vec<u8> },
}

/// A certificate's properties, as x509-parser reads them (never etcdpki's own code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    /// (OID, critical) in certificate order.
    pub extensions: Vec<(String, bool)>,
    pub key_usage: Option<Vec<u8>>,
    pub ext_key_usage: Option<Vec<u8>>,
    pub basic_constraints: Option<Vec<u8>>,
    pub lifetime: i64,
    pub signature: String,
    pub key: String,
    /// The SubjectKeyIdentifier is the SHA-1 of the key bits (cfssl's method).
    pub ski_is_key_hash: bool,
}

impl CertFacts {
    fn of(dump: &Dump) -> Self {
        let value = |oid: &str| dump.extension(oid).map(|e| e.2.clone());
        Self {
            subject: dump.subject.clone(),
            issuer: issuer_name(&dump.der),
            sans: dump.sans(),
            extensions: dump.extension_oids(),
            key_usage: value(crate::util::ext::KU),
            ext_key_usage: value(crate::util::ext::EKU),
            basic_constraints: value(crate::util::ext::BC),
            lifetime: dump.lifetime(),
            signature: dump.signature_oid.clone(),
            key: format!("{} {:?}", dump.spki_oid, dump.spki_params),
            ski_is_key_hash: dump.key_id() == Some(dump.expected_key_id()),
        }
    }
}

fn issuer_name(der: &[u8]) -> String {
    let (_, c) = X509Certificate::from_der(der).expect("DER");
    c.issuer().to_string()
}

/// The scripts make many RSA keys; one script at a time keeps them from starving the rest of
/// the suite (two shared cores) of CPU.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `script` in a fresh directory with `behind` answering to cfssl and cfssljson.
pub fn run(script: &Script<'_>, behind: Behind) -> Outcome {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = Dir::new();
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    let (cfssl, cfssljson) = match behind {
        Behind::Cfssl => (
            require("cfssl", "golang-cfssl"),
            require("cfssljson", "golang-cfssl"),
        ),
        Behind::Etcdpki => (etcdpki(), etcdpki()),
    };
    symlink(&cfssl, bin.join("cfssl")).expect("link cfssl");
    symlink(&cfssljson, bin.join("cfssljson")).expect("link cfssljson");
    let work = dir.join("work");
    std::fs::create_dir(&work).expect("work dir");
    for (name, text) in script.inputs {
        let path = work.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("input dir");
        std::fs::write(&path, text).expect("input");
    }
    let outcome = run_in(script, &work, dir.path(), &bin);
    Outcome {
        status: outcome.0,
        files: collect(&work, script.file),
        stderr: outcome.1,
        dir,
    }
}

/// Runs `script` once more in the directory `earlier` left behind (a second `make`).
pub fn rerun(script: &Script<'_>, earlier: Outcome) -> Outcome {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let work = earlier.dir.join("work");
    let bin = earlier.dir.join("bin");
    let (status, stderr) = run_in(script, &work, earlier.dir.path(), &bin);
    Outcome {
        status,
        files: collect(&work, script.file),
        stderr,
        dir: earlier.dir,
    }
}

fn run_in(script: &Script<'_>, work: &Path, gopath: &Path, bin: &Path) -> (i32, String) {
    let shell = require(script.shell, script.shell);
    let file = script.file;
    let path = work.join(file);
    std::fs::write(&path, script.text).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut cmd = Command::new(shell);
    if script.shell != "make" {
        cmd.arg(format!("./{file}"));
    }
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = cmd
        .args(script.args)
        .current_dir(work)
        .env("PATH", path_var)
        .env("GOPATH", gopath)
        .output()
        .expect("run the script");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `root` (the script itself excluded), with its facts.
fn collect(root: &Path, script: &str) -> BTreeMap<String, Facts> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path: PathBuf = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            if name == script {
                continue;
            }
            let mut facts = facts(&path);
            // `.kept` files are copies a test adds to a script to look at values that differ
            // run to run (a serial): only their presence and mode are compared.
            if let (true, Facts::Other { contents, .. }) = (name.ends_with(".kept"), &mut facts) {
                contents.clear();
            }
            out.insert(name, facts);
        }
    }
    out
}

fn facts(path: &Path) -> Facts {
    let mode = std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777;
    let contents = std::fs::read(path).expect("read");
    let text = String::from_utf8_lossy(&contents);
    if text.contains("-----BEGIN CERTIFICATE-----") {
        return Facts::Certificate {
            mode,
            cert: CertFacts::of(&Dump::from_pem(&contents)),
        };
    }
    if text.contains("-----BEGIN CERTIFICATE REQUEST-----") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(&contents).expect("PEM CSR");
        let (_, csr) = X509CertificationRequest::from_der(&pem.contents).expect("CSR");
        let sans = csr
            .requested_extensions()
            .into_iter()
            .flatten()
            .filter_map(|e| match e {
                ParsedExtension::SubjectAlternativeName(s) => {
                    Some(s.general_names.iter().map(san_text).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        return Facts::Request {
            mode,
            subject: csr.certification_request_info.subject.to_string(),
            sans,
        };
    }
    if path.extension().is_some_and(|e| e == "crl") {
        return Facts::Other {
            mode,
            contents: crl_facts(&contents).into_bytes(),
        };
    }
    if text.contains("PRIVATE KEY-----") {
        return Facts::Key {
            mode,
            kind: key_kind(path),
        };
    }
    Facts::Other { mode, contents }
}

/// A DER CRL's issuer, entry count and extension OIDs (its times and serials differ run to run).
fn crl_facts(der: &[u8]) -> String {
    let (_, crl) =
        x509_parser::revocation_list::CertificateRevocationList::from_der(der).expect("a DER CRL");
    let extensions: Vec<String> = crl
        .extensions()
        .iter()
        .map(|e| e.oid.to_id_string())
        .collect();
    format!(
        "CRL v{:?} issuer={} entries={} signature={} extensions={extensions:?}",
        crl.version(),
        crl.issuer(),
        crl.iter_revoked_certificates().count(),
        crl.signature_algorithm.algorithm.to_id_string()
    )
}

/// A SAN entry as [`Dump::sans`] writes it.
fn san_text(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::RFC822Name(e) => format!("email:{e}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        GeneralName::IPAddress(b) => match <[u8; 4]>::try_from(*b) {
            Ok(v4) => format!("IP:{}", std::net::Ipv4Addr::from(v4)),
            Err(_) => match <[u8; 16]>::try_from(*b) {
                Ok(v6) => format!("IP:{}", std::net::Ipv6Addr::from(v6)),
                Err(_) => format!("IP:invalid {b:?}"),
            },
        },
        other => format!("{other:?}"),
    }
}

/// The key's PEM label, algorithm and size, as openssl reads it (cfssl writes PKCS#1 and SEC1).
fn key_kind(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("key");
    let label = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_matches('-')
        .to_owned();
    let out = Command::new(require("openssl", "openssl"))
        .args(["pkey", "-noout", "-text", "-in"])
        .arg(path)
        .output()
        .expect("openssl pkey");
    let described = String::from_utf8_lossy(&out.stdout);
    let size = described.lines().next().unwrap_or("openssl cannot read it");
    let curve = described
        .lines()
        .find(|l| l.contains("NIST CURVE"))
        .unwrap_or_default()
        .trim();
    format!("{label}: {size} {curve}")
}

/// Compares two outcomes: `adjust` turns what cfssl left into what etcdpki is documented to
/// leave (a no-op when there is no deviation).
pub fn assert_same(
    name: &str,
    cfssl: &Outcome,
    ours: &Outcome,
    adjust: &dyn Fn(&mut BTreeMap<String, Facts>),
) {
    assert_eq!(
        cfssl.status, ours.status,
        "{name}: exit status\n--- cfssl stderr:\n{}\n--- etcdpki stderr:\n{}",
        cfssl.stderr, ours.stderr
    );
    let mut expected = cfssl.files.clone();
    adjust(&mut expected);
    let names = |m: &BTreeMap<String, Facts>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&expected),
        names(&ours.files),
        "{name}: files (cfssl's, adjusted, vs ours)\n--- etcdpki stderr:\n{}",
        ours.stderr
    );
    for (file, want) in &expected {
        assert_eq!(
            want, &ours.files[file],
            "{name}: {file} (cfssl's, adjusted, vs ours)"
        );
    }
}

/// Runs `script` with both and compares; returns both outcomes for further checks.
pub fn both(
    name: &str,
    script: &Script<'_>,
    adjust: &dyn Fn(&mut BTreeMap<String, Facts>),
) -> (Outcome, Outcome) {
    let cfssl = run(script, Behind::Cfssl);
    let ours = run(script, Behind::Etcdpki);
    assert_eq!(cfssl.status, 0, "{name} with cfssl: {}", cfssl.stderr);
    assert_same(name, &cfssl, &ours, adjust);
    (cfssl, ours)
}

/// The certificate facts of `file`, for adjustments.
pub fn cert_mut<'a>(files: &'a mut BTreeMap<String, Facts>, file: &str) -> &'a mut CertFacts {
    match files.get_mut(file) {
        Some(Facts::Certificate { cert, .. }) => cert,
        other => panic!("{file} is not a certificate: {other:?}"),
    }
}

/// No deviation.
pub fn same(_: &mut BTreeMap<String, Facts>) {}

/// The comparison can fail: `cfssl version` differs (1.2.0 against 1.6.5), and so does the
/// file a script writes from it.
#[test]
#[should_panic(expected = "version.txt (cfssl's, adjusted, vs ours)")]
fn a_difference_in_any_file_fails_the_comparison() {
    let script = Script {
        shell: "sh",
        file: "script.sh",
        text: "cfssl version | head -1 > version.txt\n",
        args: &[],
        inputs: &[],
    };
    both("version", &script, &same);
}

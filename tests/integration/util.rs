//! Test helpers: run the real binary in a temp dir, require real tools, and dump certificates
//! with x509-parser (never with etcdpki's own encoder).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use x509_parser::prelude::*;

/// The binary under test.
pub fn etcdpki() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_etcdpki"))
}

/// Fails loudly when a tool the test needs is missing (CI installs them with apt-get).
pub fn require(tool: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(tool))
                .find(|f| f.is_file())
        })
        .unwrap_or_default();
    found.unwrap_or_else(|| {
        panic!(
            "{tool} is required by this test: apt-get install -y {package} (tests/run.sh does this)"
        )
    })
}

/// A PEM block around `der`, encoded here with the base64 crate (not etcdpki's code), in lines
/// of 64 as Go and openssl write them.
pub fn pem_block(label: &str, der: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
    .into_bytes()
}

/// A certificate as PEM ([`pem_block`]).
pub fn pem_of(der: &[u8]) -> String {
    String::from_utf8(pem_block("CERTIFICATE", der)).expect("PEM is ASCII")
}

/// A temporary working directory.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, contents).expect("write input");
        p
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Runs `program args…` here with `stdin`, returning its output.
    pub fn run(&self, program: &Path, args: &[&str], stdin: &[u8]) -> Output {
        use std::io::Write;
        let mut child = Command::new(program)
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin).expect("feed stdin");
        drop(input);
        child.wait_with_output().expect("wait")
    }

    /// Runs etcdpki and expects success.
    pub fn ok(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let out = self.run(&etcdpki(), args, stdin);
        assert!(
            out.status.success(),
            "etcdpki {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `<tool> gencert ARGS | <json tool> -bare BASE`, with etcdpki or the real cfssl.
    pub fn gencert(&self, tool: Tool, args: &[&str], base: &str) {
        let (gencert, json): (PathBuf, PathBuf) = match tool {
            Tool::Etcdpki => (etcdpki(), etcdpki()),
            Tool::Cfssl => (
                require("cfssl", "golang-cfssl"),
                require("cfssljson", "golang-cfssl"),
            ),
        };
        let mut full = vec!["gencert"];
        full.extend_from_slice(args);
        let out = self.run(&gencert, &full, b"");
        assert!(
            out.status.success(),
            "{tool:?} gencert {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json_args: Vec<&str> = match tool {
            Tool::Etcdpki => vec!["json", "-bare", base],
            Tool::Cfssl => vec!["-bare", base],
        };
        let out = self.run(&json, &json_args, &out.stdout);
        assert!(
            out.status.success(),
            "{tool:?} json: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `etcdpki gencert -ca=CA.pem -ca-key=CA-key.pem -config=CONFIG -profile=PROFILE
    /// [-hostname=HOSTS]` for `{"CN": cn, "names": [{"O": "etcd"}]}` (an ECDSA P-256 key) into
    /// `base.pem`/`base-key.pem`; the request is written beside the temp dir's top, out of the
    /// way of the paths tests lint.
    pub fn issue(&self, ca: &str, config: &str, profile: &str, cn: &str, hosts: &str, base: &str) {
        let request = format!("{base}.request.json").replace('/', "_");
        self.write(
            &request,
            &format!(r#"{{"CN": "{cn}", "names": [{{"O": "etcd"}}]}}"#),
        );
        let mut args = vec![
            format!("-ca={ca}.pem"),
            format!("-ca-key={ca}-key.pem"),
            format!("-config={config}"),
            format!("-profile={profile}"),
        ];
        if !hosts.is_empty() {
            args.push(format!("-hostname={hosts}"));
        }
        args.push(request);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.gencert(Tool::Etcdpki, &args, base);
    }

    /// Parses the first PEM certificate of a file into a [`Dump`].
    pub fn cert(&self, name: &str) -> Dump {
        Dump::from_pem(&self.read(name))
    }
}

/// Which implementation makes a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Etcdpki,
    Cfssl,
}

impl Dir {
    /// A new P-256 key at `path` (SEC1 PEM), made by openssl.
    pub fn p256_key(&self, path: &str) {
        self.openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            path,
        ]);
    }

    /// Runs `openssl ARGS` here, fails the test if openssl does, and returns its stdout.
    pub fn openssl(&self, args: &[&str]) -> Vec<u8> {
        let out = self.run(&require("openssl", "openssl"), args, b"");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

/// Lowercase hex, for openssl's `FORMAT:HEX` values.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Dir {
    /// `SEQUENCE { tbs, sigalg, BIT STRING signature }` (a certificate's or a CSR's shape) made
    /// with openssl alone, for encodings its `req` and `x509` commands refuse to write (empty
    /// attribute values): `asn1parse -genconf` writes the `[tbs]` section of `sections` (which
    /// also defines `[sigalg]`), `dgst -sha256 -sign KEY` signs that DER, and a second
    /// `-genconf` wraps both. Writes the DER to `out`.
    pub fn openssl_signed(&self, sections: &str, key: &str, out: &str) {
        self.write("tbs.cnf", &format!("asn1 = SEQUENCE:tbs\n{sections}"));
        self.openssl(&[
            "asn1parse",
            "-genconf",
            "tbs.cnf",
            "-out",
            "tbs.der",
            "-noout",
        ]);
        self.openssl(&[
            "dgst", "-sha256", "-sign", key, "-out", "sig.der", "tbs.der",
        ]);
        self.write(
            "signed.cnf",
            &format!(
                "asn1 = SEQUENCE:signed\n[signed]\ntbs = SEQUENCE:tbs\nalgorithm = SEQUENCE:sigalg\nsignature = FORMAT:HEX,BITSTRING:{}\n{sections}",
                hex(&self.read("sig.der"))
            ),
        );
        self.openssl(&["asn1parse", "-genconf", "signed.cnf", "-out", out, "-noout"]);
    }

    /// The uncompressed point of the P-256 key in `key` (the subjectPublicKey bits), from
    /// `openssl ec -pubout`.
    pub fn openssl_p256_point(&self, key: &str) -> Vec<u8> {
        self.openssl(&[
            "ec", "-in", key, "-pubout", "-outform", "DER", "-out", "pub.der",
        ]);
        let spki = self.read("pub.der");
        spki[spki.len() - 65..].to_vec()
    }
}

/// `openssl verify -purpose P -CAfile CA CERT` must say OK.
pub fn openssl_verify(dir: &Dir, ca: &str, cert: &str, purpose: &str) {
    let openssl = require("openssl", "openssl");
    let out = dir.run(
        &openssl,
        &[
            "verify",
            "-x509_strict",
            "-purpose",
            purpose,
            "-CAfile",
            ca,
            cert,
        ],
        b"",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains(": OK"),
        "openssl verify -purpose {purpose} {cert}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The facts of a certificate that cfssl parity is judged on, read with x509-parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dump {
    pub der: Vec<u8>,
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub subject: String,
    pub version: u32,
    pub serial: Vec<u8>,
    pub signature_oid: String,
    pub signature_params: Option<Vec<u8>>,
    pub spki_oid: String,
    pub spki_params: Option<Vec<u8>>,
    pub key_bits: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    /// (oid, critical, value DER) in certificate order.
    pub extensions: Vec<(String, bool, Vec<u8>)>,
}

impl Dump {
    pub fn from_pem(pem_bytes: &[u8]) -> Self {
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem_bytes).expect("PEM certificate");
        Self::from_der(&pem.contents)
    }

    pub fn from_der(der: &[u8]) -> Self {
        let (rest, c) = X509Certificate::from_der(der).expect("DER certificate");
        assert!(rest.is_empty(), "trailing bytes");
        let params = |p: &Option<der_parser::asn1_rs::Any>| p.as_ref().map(|a| a.data.to_vec());
        Self {
            der: der.to_vec(),
            subject_der: c.subject().as_raw().to_vec(),
            issuer_der: c.issuer().as_raw().to_vec(),
            subject: c.subject().to_string(),
            version: c.version().0,
            serial: c.raw_serial().to_vec(),
            signature_oid: c.signature_algorithm.algorithm.to_id_string(),
            signature_params: params(&c.signature_algorithm.parameters),
            spki_oid: c.public_key().algorithm.algorithm.to_id_string(),
            spki_params: params(&c.public_key().algorithm.parameters),
            key_bits: c.public_key().subject_public_key.data.to_vec(),
            not_before: c.validity().not_before.timestamp(),
            not_after: c.validity().not_after.timestamp(),
            extensions: c
                .extensions()
                .iter()
                .map(|e| (e.oid.to_id_string(), e.critical, e.value.to_vec()))
                .collect(),
        }
    }

    pub fn extension(&self, oid: &str) -> Option<&(String, bool, Vec<u8>)> {
        self.extensions.iter().find(|e| e.0 == oid)
    }

    pub fn extension_oids(&self) -> Vec<(String, bool)> {
        self.extensions.iter().map(|e| (e.0.clone(), e.1)).collect()
    }

    pub fn lifetime(&self) -> i64 {
        self.not_after - self.not_before
    }

    /// SAN entries as openssl-like strings.
    pub fn sans(&self) -> Vec<String> {
        let (_, c) = X509Certificate::from_der(&self.der).expect("DER");
        let Ok(Some(san)) = c.subject_alternative_name() else {
            return Vec::new();
        };
        san.value
            .general_names
            .iter()
            .map(|g| match g {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::RFC822Name(e) => format!("email:{e}"),
                GeneralName::URI(u) => format!("URI:{u}"),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => format!("IP:{}", std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])),
                    16 => format!(
                        "IP:{}",
                        std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*b).expect("16 bytes"))
                    ),
                    _ => format!("IP:invalid {b:?}"),
                },
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// The SHA-1 of the key bits: what SubjectKeyIdentifier must hold (RFC 5280 §4.2.1.2 (1)).
    pub fn expected_key_id(&self) -> Vec<u8> {
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.key_bits)
            .as_ref()
            .to_vec()
    }

    pub fn key_id(&self) -> Option<Vec<u8>> {
        let (_, c) = X509Certificate::from_der(&self.der).expect("DER");
        c.extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
                _ => None,
            })
    }

    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        let (_, c) = X509Certificate::from_der(&self.der).expect("DER");
        c.extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => None,
            })
    }

    /// Verifies this certificate's signature with `issuer`'s key (x509-parser + aws-lc).
    pub fn verify_signed_by(&self, issuer: &Dump) {
        let (_, c) = X509Certificate::from_der(&self.der).expect("DER");
        let (_, i) = X509Certificate::from_der(&issuer.der).expect("DER");
        c.verify_signature(Some(i.public_key()))
            .unwrap_or_else(|e| panic!("signature of {} does not verify: {e}", self.subject));
    }
}

/// Extension OIDs.
pub mod ext {
    pub const KU: &str = "2.5.29.15";
    pub const EKU: &str = "2.5.29.37";
    pub const BC: &str = "2.5.29.19";
    pub const SKI: &str = "2.5.29.14";
    pub const AKI: &str = "2.5.29.35";
    pub const SAN: &str = "2.5.29.17";
    pub const AIA: &str = "1.3.6.1.5.5.7.1.1";
    pub const CRL: &str = "2.5.29.31";
    pub const POLICIES: &str = "2.5.29.32";
    pub const OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";
}

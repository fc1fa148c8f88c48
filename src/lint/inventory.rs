//! What `lint` reads: every file under the paths, recognised by content, parsed on all cores.
//!
//! Takes a list of files (from [`crate::pki::scan::collect_files`]) and returns an [`Inventory`]:
//! PEM certificates (bundles too), private keys, CSRs, cfssl request files (csr.json) and cfssl
//! ca-config.json files, each with the facts the rules need, plus findings for files that look
//! like PEM but hold nothing usable. Anything else (READMEs, binaries) is skipped quietly.
//! A file over [`MAX_FILE_BYTES`] is never read: one the user or an etcd configuration named is
//! an `unreadable` error naming it and the limit; one a directory walk found is listed in
//! [`Inventory::skipped`] for a note (a PKI directory may hold etcd's WAL or a backup archive).

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use x509_parser::prelude::ParsedExtension;
use x509_parser::public_key::PublicKey as ParsedKey;

use super::report::Finding;
use super::rule;
use crate::config::{Policy, parse_ca_config};
use crate::diag::{Checked, InputError, JsonLines};
use crate::key::{PrivateKey, rsa_public_parts};
use crate::request::{CertRequest, DistinguishedName, Host, parse_csr_json};

use crate::pki::MAX_FILE_BYTES;

/// The files the user named: the paths on the command line that are files and those an etcd
/// configuration names, canonical. Over the size cap, these are errors, not notes.
#[derive(Clone, Debug, Default)]
pub struct NamedFiles(HashSet<PathBuf>);

impl NamedFiles {
    /// `paths` (those that exist) as named.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Self {
        Self(
            paths
                .into_iter()
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect(),
        )
    }

    /// True if `file` is one of them (looked up by its canonical path).
    fn contains(&self, file: &Path) -> bool {
        std::fs::canonicalize(file).is_ok_and(|c| self.0.contains(&c))
    }
}

/// Whether every file counts as named, or only those in a [`NamedFiles`].
#[derive(Clone, Copy, Debug)]
enum Naming<'a> {
    All,
    Only(&'a NamedFiles),
}

/// A certificate's key, as far as lint cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with this many modulus bits.
    Rsa(usize),
    /// ECDSA on a named curve: `P-256`, `P-384`, `P-521`, or the curve's OID.
    Ec(String),
    /// Ed25519.
    Ed25519,
    /// Anything else, by algorithm OID.
    Other(String),
}

/// A certificate found in a file.
#[derive(Clone, Debug)]
pub struct CertEntry {
    /// The file.
    pub file: PathBuf,
    /// `FILE`, or `FILE#N` for the N-th (from 1) certificate of a bundle after the first.
    pub label: String,
    /// Its position in the file.
    pub index: usize,
    /// DER.
    pub der: Vec<u8>,
    /// Subject DER.
    pub subject_der: Vec<u8>,
    /// Issuer DER.
    pub issuer_der: Vec<u8>,
    /// SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// The subjectPublicKey bits.
    pub key_bits: Vec<u8>,
    /// The key's kind.
    pub key_kind: KeyKind,
    /// The signature algorithm OID, dotted.
    pub signature_oid: String,
    /// The signed part (TBSCertificate DER) and the signature, for chain checks.
    pub tbs: Vec<u8>,
    /// The signature bits.
    pub signature: Vec<u8>,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// BasicConstraints cA; `None` without the extension.
    pub basic_ca: Option<bool>,
    /// KeyUsage keyCertSign; `None` without the extension.
    pub key_cert_sign: Option<bool>,
    /// ExtendedKeyUsage; `None` without the extension (Go then allows any use).
    pub eku: Option<Eku>,
    /// The SANs.
    pub hosts: Vec<Host>,
    /// The subject's (first) CN, as Go's `Subject.CommonName` reads it.
    pub common_name: Option<String>,
    /// True if the SAN extension is present (even empty).
    pub has_san_extension: bool,
}

pub use crate::pki::role::Eku;

impl CertEntry {
    /// A CA by its own word: BasicConstraints cA.
    pub fn is_ca(&self) -> bool {
        self.basic_ca == Some(true)
    }

    /// The subject, printed (only for messages: formatting 10,000 names costs more than
    /// checking them).
    pub fn subject(&self) -> String {
        crate::x509::name_text(&self.subject_der)
    }

    /// The issuer, printed.
    pub fn issuer(&self) -> String {
        crate::x509::name_text(&self.issuer_der)
    }

    /// Issuer and subject are the same name.
    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// Go's test for a usage: no EKU extension, or anyExtendedKeyUsage, allows everything.
    pub(crate) fn allows(&self, pick: fn(&Eku) -> bool) -> bool {
        self.eku.is_none_or(|e| e.any || pick(&e))
    }
}

/// A private key file.
#[derive(Clone, Debug)]
pub struct KeyEntry {
    /// The file.
    pub file: PathBuf,
    /// The public key bits, or why the key cannot be used.
    pub public: Result<Vec<u8>, String>,
    /// RSA modulus bits, for the weak-key rule.
    pub rsa_bits: Option<u32>,
    /// The file's permission bits.
    pub mode: u32,
    /// The permission bits of its directory.
    pub dir_mode: u32,
}

/// A PEM certificate request.
#[derive(Clone, Debug)]
pub struct CsrEntry {
    /// The file.
    pub file: PathBuf,
    /// Its subject DER, when it parses.
    pub subject_der: Option<Vec<u8>>,
}

/// A cfssl request file.
#[derive(Clone, Debug)]
pub struct RequestEntry {
    /// The file.
    pub file: PathBuf,
    /// The request and its warnings, or every problem.
    pub parsed: Result<Checked<CertRequest>, InputError>,
    /// The line of each JSON path, for findings.
    pub lines: JsonLines,
}

/// A cfssl ca-config.json.
#[derive(Clone, Debug)]
pub struct ConfigEntry {
    /// The file.
    pub file: PathBuf,
    /// The policy and its warnings, or every problem.
    pub parsed: Result<Checked<Policy>, InputError>,
    /// The line of each JSON path, for findings.
    pub lines: JsonLines,
}

/// A CRL found among the files.
#[derive(Clone, Debug)]
pub struct CrlFound {
    /// The file.
    pub file: PathBuf,
    /// The CRL.
    pub crl: crate::x509::crl::Crl,
}

/// Everything read.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Certificates, in file order.
    pub certs: Vec<CertEntry>,
    /// Private keys.
    pub keys: Vec<KeyEntry>,
    /// PEM CSRs.
    pub csrs: Vec<CsrEntry>,
    /// cfssl request files.
    pub requests: Vec<RequestEntry>,
    /// cfssl ca-config.json files.
    pub configs: Vec<ConfigEntry>,
    /// CRLs (PEM `X509 CRL` or DER).
    pub crls: Vec<CrlFound>,
    /// Files that could not be used.
    pub findings: Vec<Finding>,
    /// How many files were looked at.
    pub files: usize,
    /// Files a walk found over [`MAX_FILE_BYTES`], left unread, with their sizes: the CLI
    /// notes them on standard error.
    pub skipped: Vec<(PathBuf, u64)>,
    /// The permission bits of the file being read.
    mode: u32,
    /// Directories' permission bits, looked up once each.
    dir_modes: HashMap<PathBuf, u32>,
}

impl Inventory {
    /// Reads `files`, spread over `workers` threads; the result is in file order. Every file
    /// counts as named: one over the size cap is an error.
    pub fn read(files: &[PathBuf], workers: usize) -> Self {
        Self::read_as(files, Naming::All, workers)
    }

    /// [`Self::read`] of files a walk found: those not in `named` are passed over with a note
    /// when they are over the size cap.
    pub fn read_found(files: &[PathBuf], named: &NamedFiles, workers: usize) -> Self {
        Self::read_as(files, Naming::Only(named), workers)
    }

    fn read_as(files: &[PathBuf], naming: Naming<'_>, workers: usize) -> Self {
        let parts = crate::parallel::map_batches(files, workers, 64, |batch| {
            let mut inv = Inventory::default();
            for f in batch {
                inv.add_file(f, naming);
            }
            inv
        });
        let mut all = Inventory::default();
        for part in parts {
            all.certs.extend(part.certs);
            all.keys.extend(part.keys);
            all.csrs.extend(part.csrs);
            all.requests.extend(part.requests);
            all.configs.extend(part.configs);
            all.crls.extend(part.crls);
            all.findings.extend(part.findings);
            all.skipped.extend(part.skipped);
            all.files += part.files;
        }
        all
    }

    fn dir_mode(&mut self, file: &Path) -> u32 {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        *self.dir_modes.entry(dir).or_insert_with_key(|d| {
            std::fs::metadata(d).map_or(0, |m| m.permissions().mode() & 0o7777)
        })
    }

    fn unreadable(&mut self, file: &Path, message: String) {
        self.findings.push(Finding::new(
            rule::UNREADABLE,
            vec![file.display().to_string()],
            message,
        ));
    }

    /// A file over the size cap: an error when it was named, else a note.
    fn too_large(&mut self, file: &Path, size: u64, naming: Naming<'_>) {
        let named = match naming {
            Naming::All => true,
            Naming::Only(named) => named.contains(file),
        };
        if !named {
            // A large log, etcd's WAL or an archive in the tree is normal: a note, not a finding.
            self.skipped.push((file.to_path_buf(), size));
            return;
        }
        self.findings.push(Finding::new(
            rule::UNREADABLE,
            vec![file.display().to_string()],
            format!(
                "{size} bytes is more than the {MAX_FILE_BYTES} bytes (8 MiB) lint reads from a file; it was named, so it is reported, not skipped: a certificate, key or configuration is never this large"
            ),
        ));
    }

    fn add_file(&mut self, file: &Path, naming: Naming<'_>) {
        self.files += 1;
        // Non-blocking: a FIFO named on the command line is refused below, not waited on.
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
            .open(file)
            .and_then(|f| {
                let meta = f.metadata()?;
                Ok((f, meta))
            });
        let (mut handle, meta) = match opened {
            Ok((_, m)) if m.len() > MAX_FILE_BYTES => {
                return self.too_large(file, m.len(), naming);
            }
            Ok((_, m)) if !m.is_file() => {
                return self.unreadable(file, "not a regular file".into());
            }
            Ok(x) => x,
            Err(e) => {
                return self.unreadable(
                    file,
                    format!("cannot read: {}", crate::pki::scan::io_reason(&e)),
                );
            }
        };
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        // A file that grew since the size was taken is read no further than the cap.
        let mut capped = std::io::Read::take(&mut handle, MAX_FILE_BYTES);
        if let Err(e) = std::io::Read::read_to_end(&mut capped, &mut bytes) {
            return self.unreadable(
                file,
                format!("cannot read: {}", crate::pki::scan::io_reason(&e)),
            );
        }
        self.mode = meta.permissions().mode() & 0o7777;
        let name = file.display().to_string();
        if contains(&bytes, b"-----BEGIN ") {
            self.add_pem(file, &bytes);
        } else if bytes.first() == Some(&0x30) {
            // DER: only a CRL is read here (etcd 3.6 reads CRLs only as DER).
            if let Ok(crl) = crate::x509::crl::parse_crl(&bytes) {
                self.crls.push(CrlFound {
                    file: file.to_path_buf(),
                    crl,
                });
            }
        } else if bytes.trim_ascii_start().starts_with(b"{") {
            let value = match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(v) => v,
                Err(e) => {
                    if file.extension().is_some_and(|x| x == "json") {
                        let finding = Finding::new(
                            rule::UNREADABLE,
                            vec![file.display().to_string()],
                            format!("not valid JSON: {e}"),
                        );
                        self.findings.push(finding.at_line(Some(e.line())));
                    }
                    return;
                }
            };
            let lines = || JsonLines::scan(&String::from_utf8_lossy(&bytes));
            match json_kind(&value) {
                Some(JsonKind::Config) => self.configs.push(ConfigEntry {
                    file: file.to_path_buf(),
                    parsed: parse_ca_config(&name, &bytes),
                    lines: lines(),
                }),
                Some(JsonKind::Request) => self.requests.push(RequestEntry {
                    file: file.to_path_buf(),
                    parsed: parse_csr_json(&name, &bytes),
                    lines: lines(),
                }),
                None => {}
            }
        }
    }

    fn add_pem(&mut self, file: &Path, bytes: &[u8]) {
        let blocks = match pem::parse_many(bytes) {
            Ok(b) if !b.is_empty() => b,
            Ok(_) => return self.unreadable(file, "a PEM header without a complete block".into()),
            Err(e) => return self.unreadable(file, format!("broken PEM: {e}")),
        };
        let mut cert_index = 0;
        for block in &blocks {
            match block.tag() {
                "CERTIFICATE" => {
                    let label = if cert_index == 0 {
                        file.display().to_string()
                    } else {
                        format!("{}#{}", file.display(), cert_index + 1)
                    };
                    match cert_entry(file, cert_index, label.clone(), block.contents()) {
                        Ok(c) => self.certs.push(c),
                        Err(e) => self.unreadable(Path::new(&label), e),
                    }
                    cert_index += 1;
                }
                "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                    let dir_mode = self.dir_mode(file);
                    self.keys.push(key_entry(file, block, self.mode, dir_mode));
                }
                "X509 CRL" => match crate::x509::crl::parse_crl(bytes) {
                    Ok(crl) => self.crls.push(CrlFound {
                        file: file.to_path_buf(),
                        crl,
                    }),
                    Err(e) => {
                        self.unreadable(file, format!("an X509 CRL that does not parse: {e}"))
                    }
                },
                "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                    let subject_der = crate::x509::parse_certificate_request(block.contents())
                        .ok()
                        .map(|csr| csr.certification_request_info.subject.as_raw().to_vec());
                    if subject_der.is_none() {
                        self.unreadable(file, "a CERTIFICATE REQUEST that does not parse".into());
                    }
                    self.csrs.push(CsrEntry {
                        file: file.to_path_buf(),
                        subject_der,
                    });
                }
                _ => {}
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

enum JsonKind {
    Config,
    Request,
}

/// cfssl's two JSON inputs, told apart by their top-level keys (matched case-insensitively,
/// as Go's encoding/json does): `signing` makes a ca-config.json; `CN`, `hosts`, `names`,
/// `key` or `ca` a request.
fn json_kind(value: &serde_json::Value) -> Option<JsonKind> {
    let keys: Vec<String> = value
        .as_object()?
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    if keys.iter().any(|k| k == "signing") {
        Some(JsonKind::Config)
    } else if keys
        .iter()
        .any(|k| ["cn", "hosts", "names", "key", "ca"].contains(&k.as_str()))
    {
        Some(JsonKind::Request)
    } else {
        None
    }
}

fn key_entry(file: &Path, block: &pem::Pem, mode: u32, dir_mode: u32) -> KeyEntry {
    // PKCS#8 encryption, or OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` header.
    let encrypted = block.tag() == "ENCRYPTED PRIVATE KEY"
        || block
            .headers()
            .get("Proc-Type")
            .is_some_and(|v| v.contains("ENCRYPTED"));
    let (public, rsa_bits) = if encrypted {
        (
            Err("the key is encrypted; etcd needs an unencrypted key (tls: failed to parse private key)".into()),
            None,
        )
    } else {
        match PrivateKey::from_der(block.contents()) {
            Ok(k) => {
                let bits = match k.algorithm() {
                    crate::key::KeyAlgorithm::Rsa { bits } => Some(bits),
                    _ => None,
                };
                (Ok(k.public_key().key_bits().to_vec()), bits)
            }
            // aws-lc refuses RSA keys under 2048 bits; weak-key reports those, and
            // key-mismatch still compares them.
            Err(e) => match rsa_public_parts(block.contents()) {
                Some((public, bits)) => (Ok(public), Some(bits)),
                None => (Err(format!("the key cannot be read: {e}")), None),
            },
        }
    };
    KeyEntry {
        file: file.to_path_buf(),
        public,
        rsa_bits,
        mode,
        dir_mode,
    }
}

fn cert_entry(file: &Path, index: usize, label: String, der: &[u8]) -> Result<CertEntry, String> {
    let cert = crate::x509::parse_certificate(der)
        .map_err(|e| format!("a CERTIFICATE that does not parse: {e}"))?;
    let spki = cert.public_key();
    let key_kind = match spki.parsed() {
        Ok(ParsedKey::RSA(rsa)) => KeyKind::Rsa(rsa.key_size()),
        Ok(ParsedKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            KeyKind::Ec(
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => "P-256",
                    "1.3.132.0.34" => "P-384",
                    "1.3.132.0.35" => "P-521",
                    other => other,
                }
                .to_owned(),
            )
        }
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => KeyKind::Ed25519,
        _ => KeyKind::Other(spki.algorithm.algorithm.to_id_string()),
    };
    let mut entry = CertEntry {
        file: file.to_path_buf(),
        label,
        index,
        der: der.to_vec(),
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        spki_der: spki.raw.to_vec(),
        key_bits: spki.subject_public_key.data.to_vec(),
        key_kind,
        signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
        tbs: cert.tbs_certificate.as_ref().to_vec(),
        signature: cert.signature_value.data.to_vec(),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        basic_ca: None,
        key_cert_sign: None,
        eku: None,
        hosts: Host::from_certificate(&cert),
        common_name: cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_owned),
        has_san_extension: false,
    };
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => entry.basic_ca = Some(bc.ca),
            ParsedExtension::KeyUsage(ku) => entry.key_cert_sign = Some(ku.key_cert_sign()),
            ParsedExtension::ExtendedKeyUsage(e) => {
                entry.eku = Some(Eku {
                    server: e.server_auth,
                    client: e.client_auth,
                    any: e.any,
                });
            }
            ParsedExtension::SubjectAlternativeName(_) => entry.has_san_extension = true,
            _ => {}
        }
    }
    Ok(entry)
}

/// The DER subject of a cfssl request, as etcdpki (and cfssl) would write it.
pub(crate) fn request_subject_der(request: &CertRequest) -> Vec<u8> {
    DistinguishedName::from_fields(&request.subject_fields()).to_der()
}

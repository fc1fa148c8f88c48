//! Finding certificates on disk, for `expiry`, `renew` and `lint`, and the files that go with
//! them (keys and requests, by each tool's naming).
//!
//! Takes the paths a user gives: files, or directories walked recursively in name order through
//! [`DirHandle`]s. Only real directories are entered: a link to a directory, inside the tree or
//! out of it, is not followed (a walk of `/etc/etcd/pki` never wanders into `/usr`), and each
//! (device, inode) is entered once, so a directory bind-mounted into itself ends too. Links to
//! files are listed: certificates are public and may be read through one, but nothing is ever
//! written through one, nor a key read ([`super::fs`]). Returns every
//! PEM `CERTIFICATE` block found, bundles included, with the facts the reports need. Files that
//! hold no certificate are skipped; files that cannot be read are reported.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use rustix::fs::FileType;
use x509_parser::prelude::{FromDer, ParsedExtension};

use super::commit::is_scratch_name;
use super::fs::{DirHandle, FsError};
use super::role::Eku;

/// A certificate found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundCertificate {
    /// The file, as reached from the path the user gave.
    pub file: PathBuf,
    /// Its position among the file's certificates (0 for the first).
    pub index: usize,
    /// The subject's common name, or the whole subject when it has none.
    pub name: String,
    /// The issuer's common name, or the whole issuer.
    pub issuer_name: String,
    /// Subject DER.
    pub subject_der: Vec<u8>,
    /// Issuer DER.
    pub issuer_der: Vec<u8>,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// BasicConstraints CA:TRUE.
    pub is_ca: bool,
    /// ExtendedKeyUsage; `None` without the extension (Go then allows any use).
    pub eku: Option<Eku>,
    /// The certificate's DER.
    pub der: Vec<u8>,
}

/// A path that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ScanError {
    /// The path.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Every regular file (or link to one) under `paths`, in a stable order, without etcdpki's
/// own scratch files.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScanError> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| ScanError {
            path: path.display().to_string(),
            reason: io_reason(&e),
        })?;
        if meta.is_dir() {
            let dir = DirHandle::open(path).map_err(scan_error)?;
            walk(dir, &mut seen, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn scan_error(e: FsError) -> ScanError {
    match e {
        FsError::Io { path, source, .. } => ScanError {
            path: path.display().to_string(),
            reason: io_reason(&source),
        },
        other => ScanError {
            path: String::new(),
            reason: other.to_string(),
        },
    }
}

/// An I/O error as a message ends: `permission denied`, not `Permission denied (os error 13)`.
pub fn io_reason(e: &std::io::Error) -> String {
    crate::diag::io_reason(e)
}

fn walk(
    dir: DirHandle,
    seen: &mut HashSet<(u64, u64)>,
    files: &mut Vec<PathBuf>,
) -> Result<(), ScanError> {
    if !seen.insert(dir.identity()) {
        return Ok(());
    }
    for entry in dir.entries().map_err(scan_error)? {
        // etcdpki's own temporary, pending and record files are never complete certificates.
        if is_scratch_name(&entry.name.to_string_lossy()) {
            continue;
        }
        match entry.kind {
            FileType::Directory => {
                let sub = dir
                    .open_beneath(Path::new(&entry.name))
                    .map_err(scan_error)?;
                walk(sub, seen, files)?;
            }
            FileType::RegularFile => files.push(dir.display(&entry.name)),
            FileType::Symlink if dir.links_to_file(&entry.name) => {
                files.push(dir.display(&entry.name));
            }
            // Links to directories, dangling links and special files hold no certificates.
            _ => {}
        }
    }
    Ok(())
}

/// The certificates in one file's bytes (PEM; anything else yields none).
pub fn certificates_in(file: &Path, bytes: &[u8]) -> Vec<FoundCertificate> {
    let Ok(blocks) = pem::parse_many(bytes) else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .enumerate()
        .filter_map(|(index, b)| describe(file, index, b.contents()))
        .collect()
}

/// How reports name a certificate: its (last) CN, or its whole subject when it has none.
pub(crate) fn short_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .last()
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| name.to_string())
}

/// `short_name` of a DER Name (a CRL's issuer, say), so a CRL names its CA as the CA's own
/// rows do; the whole name printed when it does not parse as one.
pub fn short_name_of(der: &[u8]) -> String {
    x509_parser::x509::X509Name::from_der(der)
        .map_or_else(|_| crate::x509::name_text(der), |(_, n)| short_name(&n))
}

/// The facts about one DER certificate, the `index`-th of `file`; `None` if it does not parse.
pub fn describe(file: &Path, index: usize, der: &[u8]) -> Option<FoundCertificate> {
    let cert = crate::x509::parse_certificate(der).ok()?;
    let mut is_ca = false;
    let mut eku = None;
    for e in cert.extensions() {
        match e.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => is_ca |= bc.ca,
            ParsedExtension::ExtendedKeyUsage(e) => {
                eku = Some(Eku {
                    server: e.server_auth,
                    client: e.client_auth,
                    any: e.any,
                });
            }
            _ => {}
        }
    }
    Some(FoundCertificate {
        file: file.to_path_buf(),
        index,
        name: short_name(cert.subject()),
        issuer_name: short_name(cert.issuer()),
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        is_ca,
        eku,
        der: der.to_vec(),
    })
}

/// How certificate and key files are paired, as (certificate suffix, key suffix): cfssljson's
/// `NAME.pem` + `NAME-key.pem`, etcdadm's and kubeadm's `NAME.crt` + `NAME.key`, and the mixed
/// forms tutorials use. The order is the search order in both directions.
const PAIRS: [(&str, &str); 6] = [
    (".pem", "-key.pem"),
    (".crt", "-key.pem"),
    (".cert", "-key.pem"),
    (".crt", ".key"),
    (".pem", ".key"),
    (".cert", ".key"),
];

/// True for a file named as a private key is (`NAME-key.pem`, `NAME.key`, cfssljson's
/// `NAME-key.enc`): reports that look for certificates never read one.
pub fn is_key_name(path: &Path) -> bool {
    let name = file_name(path);
    ["-key.pem", ".key", "-key.enc"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Where the key of certificate file `cert` may be, in search order.
pub(crate) fn key_files_for(cert: &Path) -> Vec<PathBuf> {
    partners(cert, |(c, k)| (c, k))
}

/// Where the certificate of key file `key` may be, in search order.
pub(crate) fn cert_files_for(key: &Path) -> Vec<PathBuf> {
    partners(key, |(c, k)| (k, c))
}

/// Where the request of certificate file `cert` may be: `NAME.csr`, as cfssljson writes it.
pub(crate) fn csr_files_for(cert: &Path) -> Vec<PathBuf> {
    let name = file_name(cert);
    [".pem", ".crt", ".cert"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .map(|stem| cert.with_file_name(format!("{stem}.csr")))
        .into_iter()
        .collect()
}

/// The siblings of `file` under [`PAIRS`], `orient` giving (this side's suffix, other side's).
fn partners(
    file: &Path,
    orient: fn((&'static str, &'static str)) -> (&'static str, &'static str),
) -> Vec<PathBuf> {
    let name = file_name(file);
    let mut out: Vec<PathBuf> = Vec::new();
    for (mine, theirs) in PAIRS.map(orient) {
        if let Some(stem) = name.strip_suffix(mine) {
            let partner = file.with_file_name(format!("{stem}{theirs}"));
            if !out.contains(&partner) {
                out.push(partner);
            }
        }
    }
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_and_keys_pair_by_each_tools_names() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            key_files_for(&p("d/peer.pem")),
            [p("d/peer-key.pem"), p("d/peer.key")]
        );
        assert_eq!(
            key_files_for(&p("server.crt")),
            [p("server-key.pem"), p("server.key")]
        );
        assert_eq!(
            cert_files_for(&p("peer-key.pem")),
            [p("peer.pem"), p("peer.crt"), p("peer.cert")]
        );
        assert_eq!(
            cert_files_for(&p("server.key")),
            [p("server.crt"), p("server.pem"), p("server.cert")]
        );
        assert_eq!(csr_files_for(&p("peer.pem")), [p("peer.csr")]);
        assert!(key_files_for(&p("notes.txt")).is_empty());
    }

    #[test]
    fn walks_enter_no_directory_link_and_order_is_stable() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/b.pem"), "x").expect("write");
        std::fs::write(dir.path().join("a.pem"), "x").expect("write");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).expect("link");
        // A link to a directory out of the tree is not followed; a link to a file is listed.
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("far.pem"), "x").expect("write");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).expect("link");
        std::os::unix::fs::symlink(outside.path().join("far.pem"), dir.path().join("c.pem"))
            .expect("link");
        std::fs::write(dir.path().join(".a.pem.etcdpki-pending"), "x").expect("write");
        let files = collect_files(&[dir.path().to_path_buf()]).expect("walk");
        let names: Vec<String> = files
            .iter()
            .map(|f| {
                f.strip_prefix(dir.path())
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a.pem", "c.pem", "sub/b.pem"]);
        let missing = collect_files(&[dir.path().join("nope")]).expect_err("missing");
        assert!(
            missing
                .to_string()
                .ends_with("nope: no such file or directory")
        );
    }
}

//! Rules across certificates and keys: `chain-invalid`, `ca-constraints` (of issuers),
//! `outlives-issuer`, `duplicate-subject`, `key-mismatch`, `weak-key` (of key files) and
//! `key-file-permissions`.
//!
//! Takes the [`Inventory`] and each certificate's roles; returns findings. Signatures are checked
//! with aws-lc on all cores (the slow part of a large PKI); a P-256 CA that signed hundreds of
//! the certificates gets a [`TableVerifier`], and what that refuses aws-lc checks again, so a
//! verdict against a signature is always aws-lc's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::context::Roles;
use super::inventory::{CertEntry, Inventory, KeyKind};
use super::report::Finding;
use super::rule;
use crate::key::{KeyError, PublicKey, TableVerifier, Verifier};
use crate::pki::scan::cert_files_for;

/// For each certificate, the index of the certificate whose key signed it (itself for a
/// self-signed one), or why there is none.
pub type Issuers = Vec<Result<usize, ChainProblem>>;

/// Candidate issuers' keys by (certificate index, signature OID): `None` when the key itself
/// cannot be used, an error when the algorithm cannot be checked.
type Verifiers<'a> = HashMap<(usize, &'a str), Option<Result<Verifier, KeyError>>>;

/// ecdsa-with-SHA256 (RFC 5758 §3.2), what cfssl and etcdpki sign with under a P-256 CA.
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

/// How many signatures a CA key must have here before it gets a [`TableVerifier`]: a table takes
/// ~7 ms to build and saves ~35 µs per check (docs/design.md).
const TABLE_MIN_SIGNATURES: usize = 400;

/// Certificates checked together against one table: the inversions are shared by a batch.
const BATCH: usize = 32;

/// Why a certificate has no verified issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// No certificate in the files has its issuer's name.
    NoIssuer,
    /// Certificates with its issuer's name exist, but none of their keys verifies it.
    BadSignature(usize),
    /// The signature algorithm cannot be checked (SHA-1, MD5: `weak-signature` reports it).
    Unverifiable,
}

/// Finds and verifies each certificate's issuer, spread over `workers` threads.
pub(crate) fn issuers(inv: &Inventory, workers: usize) -> Issuers {
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, c) in inv.certs.iter().enumerate() {
        by_subject.entry(&c.subject_der).or_default().push(i);
    }
    // Each candidate issuer's key, parsed once per signature algorithm it is asked to check.
    let mut keys: Verifiers<'_> = HashMap::new();
    for c in &inv.certs {
        for &i in by_subject
            .get(c.issuer_der.as_slice())
            .into_iter()
            .flatten()
        {
            keys.entry((i, c.signature_oid.as_str()))
                .or_insert_with(|| {
                    PublicKey::from_spki_der(&inv.certs[i].spki_der)
                        .ok()
                        .map(|k| k.verifier(&c.signature_oid))
                });
        }
    }
    let tables = tables(inv, &by_subject);
    let indices: Vec<usize> = (0..inv.certs.len()).collect();
    crate::parallel::map_batches(&indices, workers, BATCH, |batch| {
        let by_tables = verify_by_tables(inv, batch, &by_subject, &tables);
        batch
            .iter()
            .zip(by_tables)
            .map(|(&i, found)| found.map_or_else(|| verify_one(inv, i, &by_subject, &keys), Ok))
            .collect::<Vec<_>>()
    })
    .concat()
}

/// For each certificate of `batch`, its issuer if a table verified its signature. `None` means
/// no table applies or the table refused it: aws-lc decides then.
fn verify_by_tables(
    inv: &Inventory,
    batch: &[usize],
    by_subject: &HashMap<&[u8], Vec<usize>>,
    tables: &HashMap<usize, TableVerifier>,
) -> Vec<Option<usize>> {
    let mut found = vec![None; batch.len()];
    // Positions in the batch, by the issuer whose table checks them.
    let mut by_issuer: HashMap<usize, Vec<usize>> = HashMap::new();
    for (at, &i) in batch.iter().enumerate() {
        if let Some(c) = table_issuer(inv, i, by_subject).filter(|c| tables.contains_key(c)) {
            by_issuer.entry(c).or_default().push(at);
        }
    }
    for (c, positions) in by_issuer {
        let items: Vec<(&[u8], &[u8])> = positions
            .iter()
            .map(|&at| {
                let cert = &inv.certs[batch[at]];
                (cert.tbs.as_slice(), cert.signature.as_slice())
            })
            .collect();
        let verdicts = tables[&c].verify_all(&items);
        for (at, valid) in positions.into_iter().zip(verdicts) {
            found[at] = valid.then_some(c);
        }
    }
    found
}

/// The one candidate issuer of certificate `i` if a table could check it: a P-256 key other than
/// its own, under ecdsa-with-SHA256.
fn table_issuer(
    inv: &Inventory,
    i: usize,
    by_subject: &HashMap<&[u8], Vec<usize>>,
) -> Option<usize> {
    let cert = &inv.certs[i];
    match by_subject.get(cert.issuer_der.as_slice())?.as_slice() {
        [c] if *c != i
            && cert.signature_oid == ECDSA_WITH_SHA256
            && matches!(&inv.certs[*c].key_kind, KeyKind::Ec(curve) if curve == "P-256") =>
        {
            Some(*c)
        }
        _ => None,
    }
}

/// A [`TableVerifier`] for each CA key with enough signatures to check here.
fn tables(
    inv: &Inventory,
    by_subject: &HashMap<&[u8], Vec<usize>>,
) -> HashMap<usize, TableVerifier> {
    let mut signed: HashMap<usize, usize> = HashMap::new();
    for i in 0..inv.certs.len() {
        if let Some(c) = table_issuer(inv, i, by_subject) {
            *signed.entry(c).or_default() += 1;
        }
    }
    signed
        .into_iter()
        .filter(|&(_, n)| n >= TABLE_MIN_SIGNATURES)
        .filter_map(|(c, _)| Some((c, TableVerifier::new(&inv.certs[c].key_bits)?)))
        .collect()
}

fn verify_one(
    inv: &Inventory,
    i: usize,
    by_subject: &HashMap<&[u8], Vec<usize>>,
    keys: &Verifiers<'_>,
) -> Result<usize, ChainProblem> {
    let cert = &inv.certs[i];
    let candidates = by_subject
        .get(cert.issuer_der.as_slice())
        .cloned()
        .unwrap_or_default();
    if candidates.is_empty() {
        return Err(ChainProblem::NoIssuer);
    }
    // Prefer itself for a self-issued certificate, then any same-named CA.
    let mut ordered = candidates.clone();
    ordered.sort_by_key(|&c| c != i);
    let mut unusable_key = false;
    for c in ordered {
        match keys.get(&(c, cert.signature_oid.as_str())) {
            Some(Some(Ok(verifier))) => {
                if verifier.verify(&cert.tbs, &cert.signature).is_ok() {
                    return Ok(c);
                }
            }
            Some(Some(Err(_))) => return Err(ChainProblem::Unverifiable),
            _ => unusable_key = true,
        }
    }
    if unusable_key {
        // An issuer key aws-lc cannot use (RSA under 2048 bits): weak-key reports it.
        return Err(ChainProblem::Unverifiable);
    }
    let other = candidates.iter().copied().find(|&c| c != i).unwrap_or(i);
    Err(ChainProblem::BadSignature(other))
}

/// `chain-invalid`, `ca-constraints` of issuers, `outlives-issuer`.
pub(crate) fn chain_rules(inv: &Inventory, issuers: &Issuers) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut flagged_ca = vec![false; inv.certs.len()];
    for (i, cert) in inv.certs.iter().enumerate() {
        match &issuers[i] {
            Ok(j) if *j == i => {}
            Ok(j) => {
                let ca = &inv.certs[*j];
                if !flagged_ca[*j] && (!ca.is_ca() || ca.key_cert_sign == Some(false)) {
                    flagged_ca[*j] = true;
                    let what = if ca.is_ca() {
                        "its KeyUsage lacks keyCertSign"
                    } else {
                        "it has no BasicConstraints CA:TRUE"
                    };
                    out.push(Finding::new(
                        rule::CA_CONSTRAINTS,
                        vec![ca.label.clone(), cert.label.clone()],
                        format!(
                            "{} signs certificates but {what}; Go rejects what it signs (x509: invalid signature: parent certificate cannot sign this kind of certificate) and OpenSSL says \"invalid CA certificate\". Reissue the CA with the ca_constraint is_ca profile or -initca",
                            ca.subject()
                        ),
                    ));
                }
                if cert.not_after > ca.not_after {
                    out.push(Finding::new(
                        rule::OUTLIVES_ISSUER,
                        vec![cert.label.clone(), ca.label.clone()],
                        format!(
                            "expires {} but its CA {} expires {}: from then on the certificate is useless. Re-sign the CA on its own key (etcdpki rotate-ca prepare --keep-key; its leaves stay valid) or issue shorter leaves",
                            date(cert.not_after), ca.subject(), date(ca.not_after)
                        ),
                    ));
                }
            }
            Err(ChainProblem::NoIssuer) if cert.is_self_issued() => {}
            Err(ChainProblem::NoIssuer) => out.push(Finding::new(
                rule::CHAIN_INVALID,
                vec![cert.label.clone()],
                format!(
                    "issued by {}, which is not among the files: etcd would say \"x509: certificate signed by unknown authority\". Add the CA certificate to the paths, or reissue with the right CA",
                    issuer_name(cert)
                ),
            )),
            Err(ChainProblem::BadSignature(j)) if *j == i => out.push(Finding::new(
                rule::CHAIN_INVALID,
                vec![cert.label.clone()],
                "its subject equals its issuer but its own key does not verify its signature, and no CA of that name does".into(),
            )),
            Err(ChainProblem::BadSignature(j)) => out.push(Finding::new(
                rule::CHAIN_INVALID,
                vec![cert.label.clone(), inv.certs[*j].label.clone()],
                format!(
                    "its signature does not verify with the key of {} {}: it was signed by another CA with the same name (a regenerated CA?). Go says \"x509: certificate signed by unknown authority (possibly because of 'crypto/rsa: verification error' …)\", OpenSSL \"certificate signature failure\". Reissue it with the current CA",
                    issuer_name(cert),
                    inv.certs[*j].label
                ),
            )),
            Err(ChainProblem::Unverifiable) => {}
        }
    }
    for (i, cert) in inv.certs.iter().enumerate() {
        if cert.is_ca() && cert.key_cert_sign == Some(false) && !flagged_ca[i] {
            out.push(Finding::new(
                rule::CA_CONSTRAINTS,
                vec![cert.label.clone()],
                "a CA (CA:TRUE) whose KeyUsage lacks keyCertSign: nothing it signs will verify. Reissue it with -initca".into(),
            ));
        }
    }
    out
}

fn issuer_name(cert: &CertEntry) -> String {
    format!("\"{}\"", cert.issuer())
}

pub(super) fn date(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `duplicate-subject` over certificates (by distinct key) and request files.
// Long: one pass over the groups of one subject, judging each kind of clash the group can hold
// (a rollover between CAs, a leaf beside a CA, two leaves, request files) in turn.
pub(crate) fn duplicate_subjects(
    inv: &Inventory,
    roles: &[(Roles, Option<String>)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut groups: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, c) in inv.certs.iter().enumerate() {
        groups.entry(&c.subject_der).or_default().push(i);
    }
    let mut groups: Vec<(&[u8], Vec<usize>)> = groups.into_iter().collect();
    groups.sort_by_key(|(_, v)| v[0]);
    for (_, members) in groups {
        // One identity per key: the same certificate in a bundle and alone, or a renewal with
        // the same key, is not a duplicate.
        let mut distinct: Vec<usize> = Vec::new();
        for &i in &members {
            if !distinct
                .iter()
                .any(|&d| inv.certs[d].key_bits == inv.certs[i].key_bits)
            {
                distinct.push(i);
            }
        }
        if distinct.len() < 2 {
            continue;
        }
        let certs: Vec<&CertEntry> = distinct.iter().map(|&i| &inv.certs[i]).collect();
        let files: Vec<String> = certs.iter().map(|c| c.label.clone()).collect();
        let subject = certs[0].subject();
        let cas = certs.iter().filter(|c| c.is_ca()).count();
        if cas == certs.len() {
            out.push(rollover(inv, &distinct, &members));
            continue;
        }
        let message = if cas >= 2 {
            format!(
                "{cas} CAs and a leaf named \"{subject}\": the leaf looks self-issued, and a client that trusts one CA picks it by name and fails on what the other signed. Give the leaf its own CN"
            )
        } else if cas == 1 {
            format!(
                "a leaf has the CA's name \"{subject}\": its issuer equals its subject, so cfssl and etcdpki give it no Authority Key Identifier, and OpenSSL and curl see a self-signed certificate (\"self-signed certificate\", NSS: \"Peer's certificate has an invalid signature\"). Give every certificate its own CN/O/OU"
            )
        } else if let [a, b] = distinct.as_slice() {
            let (ra, rb) = (&roles[*a], &roles[*b]);
            // Without member names (a kubeadm etcd/ directory), a server and a peer
            // certificate with the same SANs are taken as one member's.
            let one_member_pair = ra.1 == rb.1
                && ((ra.0.server && rb.0.peer) || (ra.0.peer && rb.0.server))
                && same_hosts(certs[0], certs[1]);
            if one_member_pair {
                out.push(
                    Finding::new(
                        rule::DUPLICATE_SUBJECT,
                        files,
                        format!("one member's server and peer certificates share the name \"{subject}\" and their SANs: works, but logs and --peer-cert-allowed-cn cannot tell them apart. Give the peer certificate its own CN"),
                    )
                    .at(super::rule::Level::Warning),
                );
                continue;
            }
            format!(
                "two certificates with different keys share the name \"{subject}\": clients and CN-based auth cannot tell them apart, and OpenSSL/NSS clients may pick the wrong one. Give each certificate its own CN (e.g. the member name)"
            )
        } else {
            format!(
                "{} certificates with different keys share the name \"{subject}\": give each its own CN (e.g. the member name)",
                distinct.len()
            )
        };
        out.push(Finding::new(rule::DUPLICATE_SUBJECT, files, message));
    }
    // A leaf named like its own issuer, whose CA is not among the files.
    for c in &inv.certs {
        if !c.is_ca()
            && c.is_self_issued()
            && !inv
                .certs
                .iter()
                .any(|o| o.is_ca() && o.subject_der == c.subject_der)
        {
            out.push(Finding::new(
                rule::DUPLICATE_SUBJECT,
                vec![c.label.clone()],
                format!("the leaf's subject \"{}\" equals its issuer's name: OpenSSL and curl see a self-signed certificate. Give the leaf its own CN", c.subject()),
            ));
        }
    }
    let mut requests: HashMap<Vec<u8>, Vec<String>> = HashMap::new();
    for r in &inv.requests {
        if let Ok(checked) = &r.parsed {
            requests
                .entry(super::inventory::request_subject_der(&checked.value))
                .or_default()
                .push(r.file.display().to_string());
        }
    }
    let mut requests: Vec<Vec<String>> = requests.into_values().filter(|f| f.len() > 1).collect();
    requests.sort();
    for files in requests {
        out.push(Finding::new(
            rule::DUPLICATE_SUBJECT,
            files,
            "these request files make certificates with one subject DN: every certificate needs its own (set CN to the member or client name)".into(),
        ));
    }
    out
}

/// `ca-rollover`: CAs with one name and different keys, the state between steps 1 and 4 of a
/// CA rotation (docs/rotation.md). Go tries every CA of a name (crypto/x509 `CertPool`
/// `findPotentialParents`), and OpenSSL picks by the Authority Key Identifier that cfssl and
/// etcdpki write, so a trust bundle with both is sound: an informational note. Without a file
/// that holds both keys, a client that trusts one fails on what the other signed: a warning.
fn rollover(inv: &Inventory, distinct: &[usize], members: &[usize]) -> Finding {
    let keys: Vec<&[u8]> = distinct
        .iter()
        .map(|&i| inv.certs[i].key_bits.as_slice())
        .collect();
    let mut in_file: HashMap<&Path, Vec<&[u8]>> = HashMap::new();
    for &i in members {
        in_file
            .entry(inv.certs[i].file.as_path())
            .or_default()
            .push(&inv.certs[i].key_bits);
    }
    let bundle = in_file
        .iter()
        .filter(|(_, held)| keys.iter().all(|k| held.contains(k)))
        .map(|(file, _)| *file)
        .min();
    let ids: Vec<String> = distinct
        .iter()
        .map(|&i| {
            format!(
                "{} (key {})",
                inv.certs[i].label,
                key_id(&inv.certs[i].key_bits)
            )
        })
        .collect();
    let subject = inv.certs[distinct[0]].subject();
    let files = distinct
        .iter()
        .map(|&i| inv.certs[i].label.clone())
        .collect();
    match bundle {
        Some(bundle) => Finding::new(
            rule::CA_ROLLOVER,
            files,
            format!(
                "a CA rollover in progress: {} trusts both CAs named \"{subject}\": {}. Go and OpenSSL pick the right one by key. Finish the rotation (docs/rotation.md): reissue the leaves from the new CA, then drop the old one from the bundle",
                bundle.display(),
                ids.join(" and ")
            ),
        ),
        None => Finding::new(
            rule::CA_ROLLOVER,
            files,
            format!(
                "{} CAs named \"{subject}\" with different keys, and no file trusts both: {}. For a rollover, put both into the trust bundle and restart the members before issuing from the new one (docs/rotation.md); a client that trusts only one fails on what the other signed (Go: \"certificate signed by unknown authority (possibly because of crypto/rsa: verification error …)\", OpenSSL: \"certificate signature failure\")",
                distinct.len(),
                ids.join(" and ")
            ),
        )
        .at(super::rule::Level::Warning),
    }
}

/// A key's identifier as cfssl and etcdpki write it in the Subject Key Identifier and
/// `openssl x509 -text` shows it: SHA-1 over the subjectPublicKey bits (RFC 5280 §4.2.1.2).
fn key_id(key_bits: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, key_bits);
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

fn same_hosts(a: &CertEntry, b: &CertEntry) -> bool {
    let mut x: Vec<String> = a.hosts.iter().map(ToString::to_string).collect();
    let mut y: Vec<String> = b.hosts.iter().map(ToString::to_string).collect();
    x.sort();
    y.sort();
    x == y
}

/// `key-mismatch`, `weak-key` of key files and `key-file-permissions`; `pairs` adds the
/// (certificate, key) pairs an etcd configuration names.
pub(crate) fn key_rules(inv: &Inventory, pairs: &[(PathBuf, PathBuf)]) -> Vec<Finding> {
    let mut out = Vec::new();
    // Siblings are matched by the paths as found (one walk gives consistent paths); only the
    // pairs of an etcd configuration need canonical paths, and the syscalls they cost.
    let first_cert: HashMap<&Path, &CertEntry> = inv
        .certs
        .iter()
        .filter(|c| c.index == 0)
        .map(|c| (c.file.as_path(), c))
        .collect();
    let canonical_cert: HashMap<PathBuf, &CertEntry> = if pairs.is_empty() {
        HashMap::new()
    } else {
        first_cert.iter().map(|(p, c)| (canonical(p), *c)).collect()
    };
    for key in &inv.keys {
        let label = key.file.display().to_string();
        // The certificate beside it, and any an etcd configuration pairs it with.
        let mut certs: Vec<&CertEntry> = cert_files_for(&key.file)
            .iter()
            .find_map(|c| first_cert.get(c.as_path()).copied())
            .into_iter()
            .collect();
        if !pairs.is_empty() {
            let canon = canonical(&key.file);
            for (c, _) in pairs.iter().filter(|(_, k)| *k == canon) {
                if let Some(cert) = canonical_cert.get(c)
                    && !certs.iter().any(|x| std::ptr::eq(*x, *cert))
                {
                    certs.push(cert);
                }
            }
        }
        match &key.public {
            Err(reason) => out.push(Finding::new(
                rule::KEY_MISMATCH,
                vec![label.clone()],
                reason.clone(),
            )),
            Ok(bits) => {
                for cert in certs.iter().filter(|c| c.key_bits != *bits) {
                    out.push(Finding::new(
                        rule::KEY_MISMATCH,
                        vec![cert.label.clone(), label.clone()],
                        "the key does not belong to the certificate: etcd stops with \"tls: private key does not match public key\". Reissue the certificate for this key, or put the right key beside it".into(),
                    ));
                }
            }
        }
        if let Some(bits) = key.rsa_bits.filter(|b| *b < 2048) {
            out.push(Finding::new(
                rule::WEAK_KEY,
                vec![label.clone()],
                format!("an RSA key of {bits} bits: use at least 2048 (\"key\": {{\"algo\": \"rsa\", \"size\": 2048}}) or ECDSA P-256"),
            ));
        }
        if crate::pki::others_have_access(key.mode) {
            out.push(Finding::new(
                rule::KEY_FILE_PERMISSIONS,
                vec![label.clone()],
                format!("mode {:04o}: group or others have access to the private key; chmod 600 it (etcdpki json writes keys 0600)", key.mode & 0o7777),
            ));
        }
        if crate::pki::others_can_replace(key.dir_mode) {
            out.push(Finding::new(
                rule::KEY_FILE_PERMISSIONS,
                vec![label],
                format!("its directory is world-writable (mode {:04o}): anyone can replace the key; chmod o-w the directory", key.dir_mode & 0o7777),
            ));
        }
    }
    out
}

pub(super) fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

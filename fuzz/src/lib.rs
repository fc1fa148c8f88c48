//! Properties shared by the fuzz targets: names and SANs read from a certificate or CSR, written
//! again by etcdpki, read back as what was written; and the fixed CA key that seed certificates
//! in `seeds/certificate` were made with, so that they reach [`etcdpki::sign::Issuer`]'s
//! accepted path.

use std::net::IpAddr;
use std::sync::OnceLock;

use etcdpki::PrivateKey;
use etcdpki::request::{DistinguishedName, Host, NameFields};
use etcdpki::sign::extension::general_names;
use x509_parser::prelude::{FromDer, SubjectAlternativeName, X509Name};

/// The CA key of `keys/issuer-key.pem.insecure` (made by `make-seeds.sh`).
pub const ISSUER_KEY_PEM: &[u8] = include_bytes!("../keys/issuer-key.pem.insecure");

/// A fresh copy of the fixed CA key ([`PrivateKey`] is not `Clone`, and an `Issuer` owns its key).
pub fn issuer_key() -> PrivateKey {
    PrivateKey::from_pem(ISSUER_KEY_PEM).expect("fuzz/keys/issuer-key.pem.insecure loads")
}

/// `label` PEM around `der`, as Go's `pem.EncodeToMemory` writes it.
pub fn pem_wrap(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Known findings that a run may look past while their fix is pending: `ETCDPKI_FUZZ_SKIP` is a
/// comma-separated list of their names (README.md, "Findings"). Unset in CI.
pub fn skipping(finding: &str) -> bool {
    static SKIP: OnceLock<Vec<String>> = OnceLock::new();
    SKIP.get_or_init(|| {
        std::env::var("ETCDPKI_FUZZ_SKIP")
            .unwrap_or_default()
            .split(',')
            .map(str::to_owned)
            .collect()
    })
    .iter()
    .any(|s| s == finding)
}

/// Finding 1 (README.md, fixed by `src/x509/read.rs`): x509-parser reads a Name up to its first RDN
/// that does not parse and drops the rest without an error; `as_raw()` then ends there, under the
/// outer SEQUENCE header's longer length. Go and openssl refuse such a certificate or CSR.
pub const PARTIAL_NAME: &str = "partial-name";

/// True when x509-parser read all of `name`: its raw bytes are one whole DER Name that reads
/// back with the same number of RDNs.
pub fn is_whole(name: &X509Name<'_>) -> bool {
    X509Name::from_der(name.as_raw())
        .is_ok_and(|(rest, again)| rest.is_empty() && again.iter().count() == name.iter().count())
}

/// A reader that accepted a certificate or CSR saw all of `name` (finding 1 otherwise).
pub fn assert_whole(name: &X509Name<'_>, reader: &str) {
    if !skipping(PARTIAL_NAME) {
        assert!(
            is_whole(name),
            "{reader} accepted a name x509-parser read only in part (README.md, finding 1)"
        );
    }
}

/// A name read from a certificate or CSR: kept byte for byte when etcdpki copies it
/// ([`DistinguishedName::from_certificate_name`]), and its fields re-encoded by
/// [`DistinguishedName::from_fields`] read back the same ([`check_fields_round_trip`]).
pub fn check_name(name: &X509Name<'_>) {
    if let Ok(dn) = DistinguishedName::from_certificate_name(name) {
        assert_eq!(dn.to_der(), name.as_raw(), "a copied name keeps its bytes");
        assert_eq!(dn.rdns().len(), name.iter().count());
        for (ours, theirs) in dn.rdns().iter().zip(name.iter()) {
            assert_eq!(ours.len(), theirs.iter().count());
        }
    }
    if let Ok(fields) = NameFields::from_x509(name) {
        check_fields_round_trip(&fields);
    }
}

/// `fields` written by etcdpki read back as the same fields, up to what [`normalized`] leaves
/// aside, and writing what was read back gives the same bytes. Returns the DER.
pub fn check_fields_round_trip(fields: &NameFields) -> Vec<u8> {
    let der = DistinguishedName::from_fields(fields).to_der();
    let (rest, parsed) = X509Name::from_der(&der).expect("etcdpki's Name DER parses");
    assert!(rest.is_empty(), "trailing bytes after etcdpki's Name");
    let back = NameFields::from_x509(&parsed).expect("etcdpki writes only string values");
    assert_eq!(normalized(&back), normalized(fields));
    assert_eq!(
        DistinguishedName::from_fields(&back).to_der(),
        der,
        "a re-read name encodes to the same bytes"
    );
    der
}

/// `fields` in a comparable order: the values of one type sorted (the encoding sorts them inside
/// their RDN) and empty values left aside (kept by [`DistinguishedName::from_fields`] as Go's
/// `ToRDNSequence` keeps them, and exact bytes are checked by the re-encoding).
pub fn normalized(fields: &NameFields) -> NameFields {
    let list = |values: &[String]| {
        let mut kept: Vec<String> = values.iter().filter(|v| !v.is_empty()).cloned().collect();
        kept.sort();
        kept
    };
    NameFields {
        country: list(&fields.country),
        province: list(&fields.province),
        locality: list(&fields.locality),
        street_address: list(&fields.street_address),
        postal_code: list(&fields.postal_code),
        organization: list(&fields.organization),
        organizational_unit: list(&fields.organizational_unit),
        common_name: fields.common_name.clone(),
        serial_number: fields.serial_number.clone(),
        extra: fields.extra.clone(),
    }
}

/// SANs written by etcdpki read back as the same hosts, in Go's order (DNS, email, IP, URI)
/// and with IPv4-mapped IPv6 addresses as IPv4.
pub fn check_hosts_round_trip(hosts: &[Host]) {
    let der = general_names(hosts);
    let (rest, san) = SubjectAlternativeName::from_der(&der).expect("etcdpki's SAN DER parses");
    assert!(
        rest.is_empty(),
        "trailing bytes after etcdpki's GeneralNames"
    );
    let back: Vec<Host> = san
        .general_names
        .iter()
        .filter_map(Host::from_general_name)
        .collect();
    assert_eq!(back, expected_hosts(hosts));
}

/// `hosts` as etcdpki writes them: grouped DNS, email, IP, URI (each group in input order),
/// IPv4-mapped IPv6 addresses as IPv4 (Go's `ip.To4()`).
pub fn expected_hosts(hosts: &[Host]) -> Vec<Host> {
    let rank = |h: &Host| match h {
        Host::Dns(_) => 0,
        Host::Email(_) => 1,
        Host::Ip(_) => 2,
        Host::Uri(_) => 3,
    };
    let mut out: Vec<Host> = hosts
        .iter()
        .map(|h| match h {
            Host::Ip(IpAddr::V6(v6)) => v6
                .to_ipv4_mapped()
                .map_or_else(|| h.clone(), |v4| Host::Ip(v4.into())),
            _ => h.clone(),
        })
        .collect();
    out.sort_by_key(rank);
    out
}

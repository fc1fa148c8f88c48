//! Certificates, DER and PEM, through every reader etcdpki has (certinfo, `expiry`'s scan, the
//! CA of `-ca`, `-renewca`'s subject and SANs): never panic; what certinfo accepts prints PEM
//! that reads back the same; names and SANs written again read back the same; a certificate
//! accepted as the CA (with the key of fuzz/keys) issues a leaf that chains to it.
#![no_main]

use std::path::Path;

use etcdpki::Profile;
use etcdpki::certinfo::{cert_info, to_json_pretty};
use etcdpki::request::{DistinguishedName, Host, NameFields};
use etcdpki::pki::scan::certificates_in;
use etcdpki::sign::{Authority, Issuer, SerialNumber, SignError, Subject, issue};
use etcdpki_fuzz::{
    assert_whole, check_hosts_round_trip, check_name, expected_hosts, is_whole, issuer_key,
};
use libfuzzer_sys::fuzz_target;
use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate, X509Error};

fuzz_target!(|data: &[u8]| {
    check_der(data);
    check_pem(data);
});

/// `data` as one DER certificate.
fn check_der(data: &[u8]) {
    let parsed = X509Certificate::from_der(data);
    match (cert_info(data), &parsed) {
        (Ok(info), Ok((rest, cert))) => {
            assert!(rest.is_empty(), "certinfo accepted trailing bytes");
            assert_whole(cert.subject(), "certinfo");
            assert_whole(cert.issuer(), "certinfo");
            let json: serde_json::Value =
                serde_json::from_str(&to_json_pretty(&info)).expect("certinfo prints JSON");
            let printed = json["pem"].as_str().expect("certinfo prints the PEM");
            let block = pem::parse(printed).expect("certinfo's PEM parses");
            assert_eq!(block.tag(), "CERTIFICATE");
            assert_eq!(block.contents(), data, "certinfo's PEM holds the input");
            let again = cert_info(block.contents()).expect("certinfo's own PEM reads back");
            assert_eq!(again, info);
        }
        (Ok(_), Err(_)) => panic!("certinfo accepted what x509-parser rejects"),
        // Refused on purpose: trailing bytes, or a name x509-parser read only in part.
        (Err(e), Ok((rest, cert))) => assert!(
            !rest.is_empty() || !is_whole(cert.subject()) || !is_whole(cert.issuer()),
            "certinfo refused a certificate: {e}"
        ),
        (Err(_), Err(_)) => {}
    }
    let Ok((rest, cert)) = parsed else { return };
    check_name(cert.subject());
    check_name(cert.issuer());
    let hosts = Host::from_certificate(&cert);
    check_hosts_round_trip(&hosts);

    let key = issuer_key();
    let matches = cert.public_key().subject_public_key.data.as_ref() == key.public_key().key_bits();
    match Issuer::from_der("fuzz.pem", data.to_vec(), "fuzz-key.pem", key) {
        Ok(issuer) => {
            assert!(
                rest.is_empty() && matches,
                "Issuer accepted a wrong key or trailing bytes"
            );
            assert_whole(cert.subject(), "Issuer::from_der");
            // With finding 1 skipped, a partial subject would make an unreadable leaf.
            if is_whole(cert.subject()) {
                check_issuer(&issuer, &cert, &hosts);
            }
        }
        Err(SignError::KeyMismatch { .. }) => assert!(rest.is_empty() && !matches),
        Err(SignError::CaCertificate { .. }) => {
            assert!(!rest.is_empty() || !is_whole(cert.subject()) || !is_whole(cert.issuer()))
        }
        Err(e) => panic!("unexpected error from Issuer::from_der: {e}"),
    }
}

/// An accepted CA says what its certificate says, and a leaf it issues (under cfssl's default
/// profile, with the CA's SANs) names it as issuer, carries its key id and verifies with its key
/// (checked by x509-parser, not by etcdpki).
fn check_issuer(issuer: &Issuer, cert: &X509Certificate<'_>, hosts: &[Host]) {
    assert_eq!(issuer.subject_der(), cert.subject().as_raw());
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0),
            _ => None,
        });
    assert_eq!(issuer.key_id(), ski);

    let name = DistinguishedName::from_fields(&NameFields {
        common_name: "fuzz leaf".into(),
        ..NameFields::default()
    });
    let subject = Subject {
        name: &name,
        hosts,
        public_key: issuer.key().public_key(),
        csr_extensions: &[],
        kept_extensions: &[],
        hosts_overridden: false,
    };
    // 2026-11-22T00:00:00Z: time is injected, never read from the clock.
    let now = time::OffsetDateTime::from_unix_timestamp(1_795_305_600).expect("a valid time");
    let leaf = issue(
        Authority::Ca(issuer),
        &Profile::cfssl_default(),
        subject,
        now,
        SerialNumber::from_bytes([0x5a; 20]),
    )
    .expect("any CA can issue under the default profile");
    let (rest, parsed) = X509Certificate::from_der(leaf.der()).expect("an issued leaf parses");
    assert!(rest.is_empty());
    assert_eq!(parsed.issuer().as_raw(), issuer.subject_der());
    assert_eq!(Host::from_certificate(&parsed), expected_hosts(hosts));
    let aki = parsed
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        });
    let self_named = issuer.subject_der() == name.to_der();
    assert_eq!(aki, issuer.key_id().filter(|_| !self_named));
    match parsed.verify_signature(Some(cert.public_key())) {
        Ok(()) | Err(X509Error::SignatureUnsupportedAlgorithm) => {}
        Err(e) => panic!("the leaf does not verify with the CA's key: {e}"),
    }
}

/// `data` as a PEM file: `expiry`'s scan finds every CERTIFICATE block that parses in full, and
/// `-ca` takes exactly one.
fn check_pem(data: &[u8]) {
    let found = certificates_in(Path::new("fuzz.pem"), data);
    let blocks = pem::parse_many(data).unwrap_or_default();
    let certs: Vec<&pem::Pem> = blocks.iter().filter(|b| b.tag() == "CERTIFICATE").collect();
    // The scan refuses, as every reader does, names x509-parser reads only in part (finding 1)
    // and bytes after the certificate (Go: "x509: trailing data").
    let readable = certs
        .iter()
        .filter(|b| {
            X509Certificate::from_der(b.contents()).is_ok_and(|(rest, c)| {
                rest.is_empty() && is_whole(c.subject()) && is_whole(c.issuer())
            })
        })
        .count();
    assert_eq!(found.len(), readable, "the scan skipped a certificate");
    let mut previous = None;
    for f in &found {
        assert!(previous < Some(f.index), "indexes in file order");
        previous = Some(f.index);
        assert_eq!(f.der, certs[f.index].contents());
        let (_, cert) = X509Certificate::from_der(&f.der).expect("found certificates parse");
        assert_eq!(f.subject_der, cert.subject().as_raw());
        assert_eq!(f.issuer_der, cert.issuer().as_raw());
    }
    for block in certs.iter().take(4) {
        check_der(block.contents());
    }
    if let Ok((issuer, _warnings)) =
        Issuer::from_pem("fuzz.pem", data, "fuzz-key.pem", issuer_key())
    {
        assert_eq!(blocks.len(), 1, "-ca takes one PEM block");
        assert_eq!(blocks[0].tag(), "CERTIFICATE");
        assert_eq!(issuer.certificate_der(), blocks[0].contents());
    }
}

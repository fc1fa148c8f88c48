//! PKCS#10 CSRs, PEM and DER, through `sign`'s reader (which checks the self-signature) and
//! certinfo `-csr`: never panic; an accepted CSR verifies with x509-parser too and reads the same
//! under either PEM label; and the subject, SANs and CA request of any CSR that parses (signed or
//! not), built into a new CSR by etcdpki, read back as they were written.
#![no_main]

use std::sync::OnceLock;

use etcdpki::PrivateKey;
use etcdpki::certinfo::{csr_info, to_json_pretty};
use etcdpki::request::{CaRequest, DistinguishedName, Host, NameFields};
use etcdpki::sign::{CsrInput, build_csr, parse_csr};
use etcdpki_fuzz::{
    assert_whole, check_fields_round_trip, check_name, expected_hosts, issuer_key, normalized,
    pem_wrap,
};
use libfuzzer_sys::fuzz_target;
use x509_parser::prelude::{
    FromDer, ParsedCriAttribute, ParsedExtension, X509CertificationRequest, X509Error,
};

const LABELS: [&str; 2] = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/// The key rebuilt CSRs are signed with (any key does; loading it once keeps runs fast).
fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(issuer_key)
}

fuzz_target!(|data: &[u8]| {
    check_accepted(data);
    check_der(data);
    check_accepted(pem_wrap(LABELS[0], data).as_bytes());
    if let Ok(blocks) = pem::parse_many(data) {
        for block in blocks.iter().filter(|b| LABELS.contains(&b.tag())).take(2) {
            check_der(block.contents());
        }
    }
});

/// `pem_bytes` as `sign` reads them.
fn check_accepted(pem_bytes: &[u8]) {
    let Ok(input) = parse_csr("fuzz.csr", pem_bytes) else {
        return;
    };
    let blocks = pem::parse_many(pem_bytes).expect("accepted PEM parses");
    let der = blocks
        .iter()
        .find(|b| LABELS.contains(&b.tag()))
        .expect("an accepted file has a CSR block")
        .contents();
    let (_, csr) = X509CertificationRequest::from_der(der).expect("an accepted CSR parses");
    assert_whole(&csr.certification_request_info.subject, "parse_csr");
    match csr.verify_signature() {
        Ok(()) | Err(X509Error::SignatureUnsupportedAlgorithm) => {}
        Err(e) => panic!("parse_csr accepted a signature x509-parser refuses: {e}"),
    }
    for label in LABELS {
        let again = parse_csr("again.csr", pem_wrap(label, der).as_bytes())
            .expect("an accepted CSR is accepted again");
        assert_same(&again, &input);
    }
    let json: serde_json::Value = serde_json::from_str(&to_json_pretty(
        &csr_info(der).expect("certinfo reads an accepted CSR"),
    ))
    .expect("certinfo prints JSON");
    assert_eq!(json["signature_valid"], true);
    assert_eq!(
        json["sans"].as_array().map(Vec::len),
        Some(input.hosts.len())
    );
    assert_eq!(
        json["extensions"].as_array().map(Vec::len),
        Some(input.extensions.len())
    );
    assert_eq!(
        json["public_key_algorithm"],
        input.public_key.algorithm().to_string()
    );
    rebuild(&input.subject, &input.hosts, input.requests_ca);
}

fn assert_same(a: &CsrInput, b: &CsrInput) {
    assert_eq!(a.subject, b.subject);
    assert_eq!(a.hosts, b.hosts);
    assert_eq!(a.public_key, b.public_key);
    assert_eq!(a.extensions, b.extensions);
    assert_eq!(a.requests_ca, b.requests_ca);
}

/// `der` as one CSR, its signature not checked: certinfo reads it or says why, and its
/// subject and SANs survive being written again by etcdpki.
fn check_der(der: &[u8]) {
    if let Ok(info) = csr_info(der) {
        serde_json::from_str::<serde_json::Value>(&to_json_pretty(&info))
            .expect("certinfo prints JSON");
    }
    let Ok((_, csr)) = X509CertificationRequest::from_der(der) else {
        return;
    };
    let info = &csr.certification_request_info;
    check_name(&info.subject);
    let Ok(fields) = NameFields::from_x509(&info.subject) else {
        return;
    };
    let mut hosts = Vec::new();
    let mut requests_ca = false;
    for attr in info.attributes() {
        let ParsedCriAttribute::ExtensionRequest(request) = attr.parsed_attribute() else {
            continue;
        };
        for ext in &request.extensions {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    hosts.extend(san.general_names.iter().filter_map(Host::from_general_name));
                }
                ParsedExtension::BasicConstraints(bc) => requests_ca = bc.ca,
                _ => {}
            }
        }
    }
    rebuild(&fields, &hosts, requests_ca);
}

/// A CSR that etcdpki builds from `fields`, `hosts` and a CA request is accepted by `sign`'s
/// reader and says what it was built from.
fn rebuild(fields: &NameFields, hosts: &[Host], requests_ca: bool) {
    let subject_der = check_fields_round_trip(fields);
    let name = DistinguishedName::from_fields(fields);
    let ca = requests_ca.then(CaRequest::default);
    let csr = build_csr(&name, hosts, ca.as_ref(), key()).expect("etcdpki builds the CSR");
    let back = parse_csr("rebuilt.csr", csr.to_pem().as_bytes())
        .expect("sign accepts the CSR etcdpki built");
    assert_eq!(normalized(&back.subject), normalized(fields));
    assert_eq!(
        DistinguishedName::from_fields(&back.subject).to_der(),
        subject_der
    );
    assert_eq!(back.hosts, expected_hosts(hosts));
    assert_eq!(back.requests_ca, requests_ca);
    assert_eq!(&back.public_key, key().public_key());
    assert_eq!(back.extensions, csr.extensions());
}

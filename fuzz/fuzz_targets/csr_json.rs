//! csr.json: never panics; a request that parses encodes a subject that parses back as DER.
#![no_main]

use etcdpki::request::parse_csr_json;
use libfuzzer_sys::fuzz_target;
use x509_parser::prelude::{FromDer, X509Name};

fuzz_target!(|data: &[u8]| {
    if let Ok(checked) = parse_csr_json("fuzz.json", data) {
        let subject = checked.value.subject();
        let der = subject.to_der();
        let (rest, name) = X509Name::from_der(&der).expect("our subject DER parses");
        assert!(rest.is_empty());
        assert_eq!(name.iter().count(), subject.rdns().len());
    }
});

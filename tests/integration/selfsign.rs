//! `selfsign`: compared with the real cfssl, apart from the SANs etcdpki adds on purpose.

use crate::util::{Dir, Dump, ext, openssl_verify, require};

#[test]
fn selfsign_matches_cfssl_except_the_sans_it_adds() {
    let cfssl = require("cfssl", "golang-cfssl");
    let dir = Dir::new();
    dir.write("s.json", r#"{"CN": "self", "hosts": ["self.example.com", "127.0.0.1"], "key": {"algo": "ecdsa", "size": 256}}"#);
    let ours = dir.ok(&["selfsign", "ignored.example", "s.json"], b"");
    let theirs = dir.run(&cfssl, &["selfsign", "ignored.example", "s.json"], b"");
    assert!(theirs.status.success());
    let cert = |out: &[u8]| {
        let json: serde_json::Value = serde_json::from_slice(out).expect("json");
        let keys: Vec<String> = json.as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["cert", "csr", "key"]);
        Dump::from_pem(json["cert"].as_str().expect("cert").as_bytes())
    };
    let (ours, theirs) = (cert(&ours), cert(&theirs.stdout));
    let without_san = |d: &Dump| {
        d.extensions
            .iter()
            .filter(|e| e.0 != ext::SAN && e.0 != ext::SKI)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(without_san(&ours), without_san(&theirs));
    assert!(
        theirs.extension(ext::SAN).is_none(),
        "cfssl's selfsign writes no SANs"
    );
    assert_eq!(
        ours.sans(),
        [
            "DNS:self.example.com",
            "DNS:ignored.example",
            "IP:127.0.0.1"
        ]
    );
    assert_eq!(ours.subject_der, theirs.subject_der);
    assert_eq!(ours.issuer_der, ours.subject_der);
    assert_eq!(
        ours.lifetime(),
        theirs.lifetime(),
        "2190h + the 5 minutes before now"
    );
    assert_eq!(ours.lifetime(), 2190 * 3600 + 300);
    assert!(
        ours.serial.len() <= 8 && theirs.serial.len() <= 8,
        "63-bit serials"
    );
    assert_eq!(ours.key_id(), Some(ours.expected_key_id()));
    std::fs::write(dir.join("self.pem"), crate::util::pem_of(&ours.der)).expect("write");
    openssl_verify(&dir, "self.pem", "self.pem", "sslserver");
}

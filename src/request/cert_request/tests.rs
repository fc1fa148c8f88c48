//! Unit tests of reading csr.json: fields, hosts, keys, CA sections and their errors.

use super::*;

fn parse(text: &str) -> Result<Checked<CertRequest>, InputError> {
    parse_csr_json("csr.json", text.as_bytes())
}

fn errors(text: &str) -> Vec<String> {
    parse(text)
        .expect_err("invalid")
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn reads_the_tutorial_request() {
    let req = parse(include_str!(
        "../../../tests/testdata/tutorials/tutorial-a/etcd-csr.json"
    ));
    let req = req.expect("valid").value;
    assert_eq!(req.common_name, "etcd");
    assert_eq!(req.hosts.len(), 4);
    assert_eq!(req.key, KeySpec::Rsa(RsaSize::Bits2048));
    assert_eq!(req.names[0].organizational_unit, "System");
}

#[test]
fn key_object_merges_into_the_ecdsa_256_default() {
    let key = |k: &str| parse(&format!(r#"{{"CN": "x", "key": {k}}}"#)).map(|c| c.value.key);
    assert_eq!(key("null").expect("null"), KeySpec::Ecdsa(Curve::P256));
    assert_eq!(key("{}").expect("{}"), KeySpec::Ecdsa(Curve::P256));
    assert_eq!(
        key(r#"{"size": 384}"#).expect("size"),
        KeySpec::Ecdsa(Curve::P384)
    );
    assert_eq!(key(r#"{"ALGO": "ed25519"}"#).expect("ed"), KeySpec::Ed25519);
    assert!(key(r#"{"algo": "rsa"}"#).is_err());
    assert!(key(r#"{"algo": "rsa", "size": 1024}"#).is_err());
    assert!(
        key(r#"{"algo": "RSA", "size": 2048}"#).is_err(),
        "case-sensitive"
    );
    assert!(key(r#"{"algo": "ecdsa", "size": 224}"#).is_err());
}

#[test]
fn errors_name_the_path_and_the_accepted_values() {
    assert_eq!(
        errors(r#"{"key": {"algo": "dh", "size": 2048}}"#),
        [
            "error: csr.json: key.algo: unknown key algorithm \"dh\"; expected one of \"rsa\", \"ecdsa\", \"ed25519\""
        ]
    );
    let e = errors(r#"{"hosts": ["ok.example", "etcd-0:2380"], "ca": {"expiry": "10y"}}"#);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("error: csr.json: hosts[1]: \"etcd-0:2380\": a host with a port"));
    assert!(e[1].contains("ca.expiry: \"10y\": time: unknown unit \"y\""));
    assert!(e[1].contains("write \"87600h\" for 10y"));
}

#[test]
fn ignored_and_unsupported_fields_are_reported() {
    let c = parse(r#"{"CN": "x", "names": [{"C": "USA", "SerialNumber": "1"}]}"#)
        .expect("warnings only");
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].contains("names[0].C: \"USA\": countryName should be a two-letter"),
        "{w:?}"
    );
    assert!(
        w[1].contains("names[0].SerialNumber") && w[1].contains("top level"),
        "{w:?}"
    );
}

/// Issue 14 point 4: cfssl 1.6.2's `delegation_enabled` and `extensions` are read as
/// cfssl's JSON writes them (`Id` arcs, `Critical`, base64 `Value`, keys in any case).
#[test]
fn delegation_and_raw_extensions_are_read_as_cfssl_writes_them() {
    let req = parse(
        r#"{"CN": "x", "delegation_enabled": true, "extensions": [
            {"Id": [1, 3, 6, 1, 4, 1, 99999, 1], "Critical": true, "Value": "BQA="},
            {"id": [1, 3, 6, 1, 4, 1, 99999, 2], "value": "DANhYmM="}]}"#,
    )
    .expect("valid")
    .value;
    assert!(req.delegation_enabled());
    let got: Vec<(String, bool, Vec<u8>)> = req
        .extensions()
        .iter()
        .map(|e| (e.oid.to_string(), e.critical, e.value.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("1.3.6.1.4.1.99999.1".to_owned(), true, vec![0x05, 0x00]),
            (
                "1.3.6.1.4.1.99999.2".to_owned(),
                false,
                b"\x0c\x03abc".to_vec()
            ),
        ]
    );
    let e = errors(
        r#"{"CN": "x", "extensions": [{"Id": [1], "Value": ""}, {"Id": [2, 5, 29, 17], "Value": ""}, {"Id": [1, 2, 3], "Value": "%%"}]}"#,
    );
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e[0].contains("extensions[0].Id: [1]: not an object identifier"),
        "{e:?}"
    );
    // An arc that is no unsigned number is refused, shown as written (never dropped, which
    // made [1, 2, -3, 4] the OID 1.2.4).
    let negative = errors(r#"{"CN": "x", "extensions": [{"Id": [1, 2, -3, 4], "Value": "AA=="}]}"#);
    assert!(
        negative[0].contains("extensions[0].Id: [1,2,-3,4]: not an object identifier"),
        "{negative:?}"
    );
    assert!(
        e[1].contains("the extension 2.5.29.17 in extensions is not supported"),
        "{e:?}"
    );
    assert!(
        e[2].contains("extensions[2].Value: \"%%\": not base64"),
        "{e:?}"
    );
}

#[test]
fn ca_block_pathlen_follows_cfssl() {
    let ca = |c: &str| {
        parse(&format!(r#"{{"CN": "ca", "ca": {c}}}"#))
            .expect("ok")
            .value
            .ca
    };
    assert_eq!(ca("{}").and_then(|c| c.path_len), None);
    assert_eq!(
        ca(r#"{"pathlen": 0, "pathlenzero": true}"#).and_then(|c| c.path_len),
        Some(0)
    );
    assert_eq!(
        ca(r#"{"pathlen": 2, "pathlenzero": true}"#).and_then(|c| c.path_len),
        Some(2)
    );
    assert_eq!(
        ca(r#"{"expiry": "876000h"}"#).and_then(|c| c.expiry),
        Some(GoDuration::from_hours(876000))
    );
}

#[test]
fn misplaced_expiry_gets_a_pointed_warning() {
    let c = parse(r#"{"CN": "x", "expiry": "1h"}"#).expect("a warning only");
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].to_string().contains("\"ca\": {\"expiry\""));
}

#[test]
fn several_names_entries_make_multi_valued_rdns() {
    let req = parse(
        r#"{"CN": "s", "names": [{"C": "US", "O": "etcd"}, {"O": "second-org", "E": "a@b.c"}]}"#,
    )
    .expect("valid")
    .value;
    let subject = req.subject();
    let rdns = subject.rdns();
    assert_eq!(rdns.len(), 4, "C, O+O, CN, emailAddress");
    assert_eq!(rdns[1].len(), 2);
    assert_eq!(rdns[3][0].oid, oid::EMAIL_ADDRESS);
}

#[test]
fn ca_subject_rule() {
    let req = |t: &str| parse(t).expect("valid").value;
    assert!(req(r#"{"CN": "ca"}"#).has_ca_subject());
    assert!(req(r#"{"names": [{"O": "etcd"}]}"#).has_ca_subject());
    assert!(!req(r#"{"names": [{"O": "etcd"}, {"E": "a@b"}]}"#).has_ca_subject());
    assert!(!req("{}").has_ca_subject());
}

#[test]
fn hostname_flag_items_are_validated() {
    assert_eq!(
        parse_hostname_flag("a,127.0.0.1").expect("ok").value.len(),
        2
    );
    let e = parse_hostname_flag("a, b,,").expect_err("bad").to_string();
    assert!(
        e.contains("-hostname: [1]: \" b\": leading or trailing white space"),
        "{e}"
    );
    assert!(e.contains("-hostname: [2]: \"\": empty host"), "{e}");
}

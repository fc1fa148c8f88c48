//! Unit tests of reading ca-config.json: every field, cfssl's leniencies and our refusals.

use super::*;
use crate::config::usage::{ExtKeyUsage, KeyUsageBit};

fn parse(text: &str) -> Result<Checked<Policy>, InputError> {
    parse_ca_config("ca-config.json", text.as_bytes())
}

fn messages(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(c) => c.warnings.iter().map(ToString::to_string).collect(),
        Err(e) => e.diagnostics.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn reads_profiles_with_case_insensitive_keys() {
    let p = parse(
        r#"{"SIGNING": {"Default": {"EXPIRY": "168h"},
            "profiles": {"peer": {"Usages": ["signing", "server auth", "client auth"], "expiry": "87600h"}}}}"#,
    )
    .expect("valid")
    .value;
    let peer = p.select("peer").expect("peer");
    assert_eq!(peer.expiry, GoDuration::from_hours(87600));
    assert!(peer.key_usage.contains(KeyUsageBit::DigitalSignature));
    assert_eq!(
        peer.ext_key_usage,
        [ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth]
    );
    assert_eq!(p.default.expiry, GoDuration::from_hours(168));
}

#[test]
fn named_profiles_inherit_only_expiry_and_urls_from_default() {
    let p = parse(
        r#"{"signing": {"default": {"expiry": "10h", "crl_url": "http://crl", "ocsp_url": "http://ocsp",
             "issuer_urls": ["http://ca"], "backdate": "1h", "usages": ["signing"]},
            "profiles": {"x": {"usages": ["client auth"], "expiry": "0s"}}}}"#,
    )
    .expect("valid")
    .value;
    let x = p.select("x").expect("x");
    assert_eq!(x.expiry, GoDuration::from_hours(10));
    assert_eq!(x.crl_url.as_deref(), Some("http://crl"));
    assert_eq!(x.ocsp_url.as_deref(), Some("http://ocsp"));
    assert_eq!(x.issuer_urls, ["http://ca"]);
    assert_eq!(x.backdate, DEFAULT_BACKDATE, "backdate is not inherited");
    assert!(x.key_usage.is_empty(), "usages are not inherited");
}

/// Issue 14 point 3: cfssl drops an unknown usage; here it stops the profile that has it
/// and only that one, and is a warning while another profile signs.
#[test]
fn unknown_usage_stops_only_its_own_profile_with_its_path_and_the_accepted_names() {
    let policy = parse(
        r#"{"signing": {"profiles": {
            "peer": {"usages": ["signing", "key encipherment", "sever auth"], "expiry": "1h"},
            "client": {"usages": ["client auth"], "expiry": "1h"}}}}"#,
    )
    .expect("an unknown usage beside known ones does not fail the file")
    .value;
    let e = policy.select("peer").expect_err("peer has it").to_string();
    assert!(
        e.starts_with(
            "error: ca-config.json: signing.profiles.peer.usages[2]: unknown usage \"sever auth\"; expected one of \"signing\", "
        ),
        "{e}"
    );
    assert!(e.ends_with("help: did you mean \"server auth\"?"), "{e}");
    let client = policy.select("client").expect("client is fine");
    let elsewhere: Vec<String> = policy
        .unknown_usages_elsewhere(Some(&client.name))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(elsewhere.len(), 1, "{elsewhere:?}");
    assert!(
        elsewhere[0].starts_with(
            "warning: ca-config.json: signing.profiles.peer.usages[2]: unknown usage \"sever auth\""
        ),
        "{elsewhere:?}"
    );
    assert!(policy.unknown_usages_elsewhere(Some("peer")).is_empty());
    assert_eq!(policy.unknown_usages_elsewhere(None).len(), 1, "-initca");
    assert_eq!(policy.unknown_usages().count(), 1, "lint sees it");
}

/// Issue 14 point 7: an auth key that a profile uses must be hex, as cfssl's auth.New
/// requires; one no profile uses is not checked, as in cfssl.
#[test]
fn a_used_auth_key_that_is_not_hex_is_an_error() {
    let config = |key: &str| {
        format!(
            r#"{{"auth_keys": {{"k": {{"type": "standard", "key": "{key}"}}, "unused": {{"type": "standard", "key": "zz"}}}},
               "signing": {{"default": {{"expiry": "1h", "usages": ["signing"], "auth_key": "k"}}}}}}"#
        )
    };
    assert!(parse(&config("0123456789abcdef")).is_ok());
    let m = messages(&config("not-hex"));
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].starts_with(
            "error: ca-config.json: signing.default.auth_key: \"k\": auth_keys.k.key is unusable: not hex: invalid character 'n' (cfssl: failed to create new standard auth provider)"
        ),
        "{m:?}"
    );
    assert!(messages(&config("abc"))[0].contains("an odd number of digits"));
    assert!(messages(&config("vault:x"))[0].contains("unknown key prefix: vault"));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let m = messages(
        r#"{"signing": {"default": {"expiry": "1y"}, "profiles": {
            "a": {"usages": ["bogus"], "expiry": "1h"},
            "b": {"usages": ["signing"]},
            "c": {"usages": [], "expiry": "1h", "name_whitelist": "("}}}}"#,
    );
    assert_eq!(m.len(), 5, "{m:#?}");
    assert!(m[0].contains("signing.default.expiry: \"1y\": time: unknown unit \"y\""));
    assert!(m[0].contains("write \"8760h\" for 1y"));
    assert!(m[1].contains("signing.profiles.a.usages[0]: unknown usage \"bogus\""));
    assert!(m[2].contains("signing.profiles.b: missing \"expiry\""));
    assert!(m[3].contains("signing.profiles.c.usages: missing \"usages\""));
    assert!(m[4].contains("signing.profiles.c.name_whitelist: \"(\": not a regular expression"));
}

#[test]
fn missing_signing_and_bad_json_are_errors() {
    assert_eq!(
        messages("{}"),
        [
            "error: ca-config.json: $: missing \"signing\"\n  help: a ca-config.json needs {\"signing\": {\"default\": …, \"profiles\": {…}}}"
        ]
    );
    assert!(messages("{\"signing\": {},}")[0].contains("invalid JSON at line 1 column 16"));
}

#[test]
fn unknown_keys_warn_but_do_not_fail() {
    let c = parse(r#"{"signing": {"default": {"expiry": "1h", "expires": "2h", "usages": ["signing"]}}, "csr_whitelist": {}}"#)
        .expect("warnings only");
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].contains("$[\"csr_whitelist\"]") || w[0].contains("csr_whitelist"),
        "{w:?}"
    );
    assert!(w[1].contains("signing.default.expires") && w[1].contains("did you mean \"expiry\""));
}

#[test]
fn profile_selection_never_falls_back_silently() {
    let p = parse(r#"{"signing": {"default": {"expiry": "168h"}, "profiles": {"server": {"usages": ["server auth"], "expiry": "1h"}, "peer": {"usages": ["server auth"], "expiry": "1h"}}}}"#)
        .expect("valid")
        .value;
    let e = p.select("client").expect_err("unknown").to_string();
    assert_eq!(
        e,
        "ca-config.json: signing.profiles: unknown profile \"client\"; expected one of \"peer\", \"server\"\n  help: cfssl would silently sign with signing.default instead"
    );
    let e = p.select("").expect_err("usage-less default").to_string();
    assert!(
        e.contains("signing.default: the profile has no usages"),
        "{e}"
    );
    assert!(
        e.contains("choose a profile with -profile: \"peer\", \"server\""),
        "{e}"
    );
    let e = Policy::builtin()
        .select("peer")
        .expect_err("no config")
        .to_string();
    assert!(e.starts_with("-profile \"peer\" needs -config"), "{e}");
    assert!(Policy::builtin().select("").is_ok());
}

#[test]
fn remote_profiles_parse_and_refuse_to_sign() {
    let p = parse(
        r#"{"signing": {"default": {"expiry": "1h", "usages": ["signing"]},
        "profiles": {"r": {"remote": "ca1"}}}, "remotes": {"ca1": "127.0.0.1:8888"}}"#,
    )
    .expect("valid")
    .value;
    let e = p.select("r").expect_err("remote").to_string();
    assert!(e.contains("remote signing is not supported"), "{e}");
    let m = messages(r#"{"signing": {"profiles": {"r": {"remote": "nope"}}}}"#);
    assert!(
        m[0].contains("unknown remote (defined in remotes) \"nope\""),
        "{m:?}"
    );
}

#[test]
fn what_cfssl_accepts_by_accident_is_refused_or_flagged() {
    let m = messages(
        r#"{"signing": {"default": {"expiry": "-1h", "usages": ["signing"], "backdate": "0s",
            "lint_error_level": 3, "ct_log_servers": ["https://ct.example"], "ClientProvidesSerialNumbers": true}}}"#,
    );
    assert_eq!(m.len(), 5, "{m:#?}");
    assert!(
        m[0].starts_with(
            "error: ca-config.json: signing.default.expiry: \"-1h0m0s\": a negative expiry"
        ),
        "{}",
        m[0]
    );
    assert!(m[1].starts_with("warning: ca-config.json: signing.default.backdate: \"0s\": a zero backdate means the default 5m"), "{}", m[1]);
    assert!(m[2].starts_with("warning: ca-config.json: signing.default.lint_error_level: zlint pre-issuance linting is not supported"), "{}", m[2]);
    assert!(
        m[3].contains("ClientProvidesSerialNumbers is not supported"),
        "{}",
        m[3]
    );
    assert!(
        m[4].contains("ct_log_servers) is not supported"),
        "{}",
        m[4]
    );
}

#[test]
fn ca_constraint_pathlen_rules_follow_cfssl() {
    let p = |cc: &str| {
        let text = format!(
            r#"{{"signing": {{"profiles": {{"i": {{"usages": ["cert sign"], "expiry": "1h", "ca_constraint": {cc}}}}}}}}}"#
        );
        parse(&text).expect("valid").value.profiles["i"].ca
    };
    assert_eq!(
        p(r#"{"is_ca": true}"#),
        Some(CaConstraint { max_path_len: None })
    );
    assert_eq!(
        p(r#"{"is_ca": true, "max_path_len_zero": true}"#),
        Some(CaConstraint {
            max_path_len: Some(0)
        })
    );
    assert_eq!(
        p(r#"{"is_ca": true, "max_path_len": 2}"#),
        Some(CaConstraint {
            max_path_len: Some(2)
        })
    );
    assert_eq!(p(r#"{"is_ca": false, "max_path_len": 2}"#), None);
}

#[test]
fn policies_and_times_parse() {
    let p = parse(r#"{"signing": {"default": {"expiry": "1h", "usages": ["signing"],
        "not_before": "2030-01-01T00:00:00Z", "not_after": "2031-01-01T00:00:00Z",
        "policies": [{"ID": "1.2.3.4", "qualifiers": [{"type": "id-qt-cps", "value": "http://cps"}, {"type": "id-qt-unotice", "value": "hi"}]}]}}}"#)
    .expect("valid")
    .value;
    assert_eq!(p.default.policies.len(), 1);
    assert_eq!(p.default.policies[0].qualifiers.len(), 2);
    assert_eq!(p.default.not_before.map(|t| t.year()), Some(2030));
    let m = messages(
        r#"{"signing": {"default": {"expiry": "1h", "not_before": "2031-01-01T00:00:00Z", "not_after": "2030-01-01T00:00:00Z",
        "Policies": [{"ID": "x.y", "Qualifiers": [{"type": "bad"}]}]}}}"#,
    );
    assert_eq!(m.len(), 3, "{m:#?}");
}

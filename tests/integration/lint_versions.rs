//! `--etcd-version` narrows the rules that are not about reading the configuration (issue #15,
//! point 5): each narrowing is shown by two releases that give different findings for one
//! configuration, and, without `--etcd-version`, by the finding naming the releases it
//! applies to. What each release does is cited from etcd's source where the rule is written
//! (src/lint/settings_rules.rs, src/lint/context.rs, src/lint/crl_rules.rs); the CRL format
//! per release is shown in lint_crl.rs
//! (`configured_crl_files_are_read_as_each_etcd_release_reads_them`).

use crate::lint::{Finding, lint_json};
use crate::lint_settings::{env, lint, only, pki};

fn all_releases(dir: &crate::util::Dir) -> Vec<Finding> {
    let args = ["--etcd-config", "m1.env", "--etcd-config", "m2.env", "."];
    lint_json(dir, &args).1
}

/// etcd 3.4.0-3.4.21 read cipher suite names from a table of their own; 3.4.22, 3.5 and 3.6 take
/// every Go name (the TLS 1.3 suites, Go's `…_CHACHA20_POLY1305_SHA256`).
#[test]
fn issue_15_cipher_names_of_go_only_are_a_finding_for_3_4_not_3_5() {
    let dir = pki();
    let suites = "ETCD_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,\
                  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n";
    env(&dir, "m1", "127.0.0.1", suites);
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.4");
    let named = only(&found, "etcd-version-specific");
    assert_eq!(named.len(), 1, "{found:#?}");
    assert!(
        named[0]
            .message
            .contains("etcd 3.4 before 3.4.22 does not know")
            && named[0].message.contains("unexpected TLS cipher suite")
            && named[0].severity == "warning",
        "{named:#?}"
    );
    assert!(lint(&dir, "3.5").is_empty(), "{:#?}", lint(&dir, "3.5"));
    assert_eq!(only(&all_releases(&dir), "etcd-version-specific").len(), 1);
}

/// A list without a suite for the ECDSA key: etcd 3.5.0-3.5.7 cap every connection at TLS 1.2,
/// so every client and peer fails (an error); 3.6 negotiates TLS 1.3, so only TLS 1.2 clients
/// fail (a warning), unless tls-max-version caps it at TLS 1.2.
#[test]
fn issue_15_a_list_without_the_keys_suite_is_an_error_for_3_5_and_a_warning_for_3_6() {
    let dir = pki();
    let rsa_only = "ETCD_CIPHER_SUITES=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n";
    env(&dir, "m1", "127.0.0.1", rsa_only);
    env(&dir, "m2", "127.0.0.2", "");
    let levels = |version: &str| -> Vec<(String, String)> {
        only(&lint(&dir, version), "cipher-suites")
            .iter()
            .map(|f| (f.severity.clone(), f.message.clone()))
            .collect()
    };
    let v35 = levels("3.5");
    assert!(
        v35.len() == 2
            && v35.iter().all(|(level, message)| level == "error"
                && message.contains("etcd 3.5.0-3.5.7 cap every connection at TLS 1.2")),
        "{v35:#?}"
    );
    let v36 = levels("3.6");
    assert!(
        v36.len() == 2
            && v36.iter().all(|(level, message)| level == "warning"
                && message
                    .contains("every TLS 1.2 client fails (etcd 3.6 lets Go negotiate TLS 1.3")),
        "{v36:#?}"
    );
    // Without --etcd-version: an error that names the releases where everything fails.
    let all = all_releases(&dir);
    let all = only(&all, "cipher-suites");
    assert!(
        all.iter()
            .all(|f| f.severity == "error" && f.message.contains("on etcd 3.5.0-3.5.7")),
        "{all:#?}"
    );
    // Capped at TLS 1.2 by the member itself: an error for 3.6 too.
    let capped = format!("{rsa_only}ETCD_TLS_MAX_VERSION=TLS1.2\n");
    env(&dir, "m1", "127.0.0.1", &capped);
    let v36 = levels("3.6");
    assert!(
        v36.iter().all(|(level, message)| level == "error"
            && message.contains("with tls-max-version TLS1.2, every client and peer fails")),
        "{v36:#?}"
    );
}

/// `--tls-min-version` exists from 3.4.25 and 3.5.8 (etcdmain/config.go): for 3.4 it is a
/// finding naming the releases that stop at it, for 3.6 nothing.
#[test]
fn issue_15_tls_min_version_is_a_finding_for_3_4_not_3_6() {
    let dir = pki();
    env(&dir, "m1", "127.0.0.1", "ETCD_TLS_MIN_VERSION=TLS1.2\n");
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.4");
    let named = only(&found, "etcd-version-specific");
    assert!(
        named.len() == 1 && named[0].message.contains("3.4 before 3.4.25"),
        "{found:#?}"
    );
    assert!(lint(&dir, "3.6").is_empty());
}

/// An outbound client identity (3.5's `client-cert-file`) lets the server certificate serve
/// only; etcd 3.4 has no such setting and dials its own client port with `cert-file`, which
/// then needs client auth.
#[test]
fn issue_15_an_outbound_identity_relieves_the_server_certificate_in_3_5_not_3_4() {
    let dir = pki();
    dir.issue(
        "ca",
        "ca-config.json",
        "server-only",
        "m1",
        "127.0.0.1,localhost",
        "m1-server",
    );
    dir.issue(
        "ca",
        "ca-config.json",
        "client",
        "m1-gateway",
        "",
        "m1-gateway",
    );
    let identity =
        "ETCD_CLIENT_CERT_FILE=m1-gateway.pem\nETCD_CLIENT_KEY_FILE=m1-gateway-key.pem\n";
    env(&dir, "m1", "127.0.0.1", identity);
    env(&dir, "m2", "127.0.0.2", "");
    let found = lint(&dir, "3.4");
    let eku = only(&found, "server-eku");
    assert!(
        eku.len() == 1 && eku[0].files[0] == "./m1-server.pem",
        "{found:#?}"
    );
    assert!(lint(&dir, "3.5").is_empty(), "{:#?}", lint(&dir, "3.5"));
}

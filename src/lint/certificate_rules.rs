//! Rules about one certificate in its role: validity in time (`expired`, `not-yet-valid`,
//! `expires-soon`), `weak-key`, `weak-signature`, `ca-constraints` (a leaf with CA:TRUE),
//! `san-empty` and the EKU a role needs (`peer-eku`, `server-eku`, `client-eku`).

use time::{Duration, OffsetDateTime};

use super::context::Roles;
use super::inventory::{CertEntry, Eku, KeyKind};
use super::pki_rules::date;
use super::report::Finding;
use super::rule::{self, Level};

/// When to judge, and how close to expiry is worth a warning.
#[derive(Clone, Copy, Debug)]
pub struct TimeRules {
    /// The instant validity is judged at (`--at`, else now).
    pub at: OffsetDateTime,
    /// `--warn-within`.
    pub warn_within: Duration,
}

/// Signature algorithms Go refuses (SHA-1 since Go 1.18 for certificates; MD5 always).
/// Named as Go's `x509.SignatureAlgorithm.String()` prints them in its error.
const WEAK_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.4", "MD5-RSA"),
    ("1.2.840.113549.1.1.5", "SHA1-RSA"),
    ("1.3.14.3.2.29", "SHA1-RSA"),
    ("1.2.840.10045.4.1", "ECDSA-SHA1"),
    ("1.2.840.10040.4.3", "DSA-SHA1"),
];

/// How to replace `cert` before (or after) it expires: `renew` for a leaf; for a CA, which
/// etcd reads only at start and every leaf chains to, `rotate-ca` (docs/rotation.md), on the
/// same key unless the key itself is weak.
fn renewal_hint(cert: &CertEntry) -> &'static str {
    if !cert.is_ca() {
        return "Renew it (etcdpki renew)";
    }
    let weak = match &cert.key_kind {
        KeyKind::Rsa(bits) => *bits < 2048,
        KeyKind::Ec(curve) => !["P-256", "P-384", "P-521"].contains(&curve.as_str()),
        KeyKind::Ed25519 => false,
        KeyKind::Other(_) => true,
    };
    if weak {
        "Rotate the CA onto a new key: etcdpki rotate-ca prepare, reissue, finish (docs/rotation.md)"
    } else {
        "Rotate the CA: etcdpki rotate-ca prepare --keep-key re-signs it on its own key so its leaves stay valid, or rotate-ca prepare, reissue, finish moves to a new key (docs/rotation.md)"
    }
}

/// The findings about `cert` playing `roles`.
// Long: one short block per certificate rule, in docs/lints.md's order, all sharing `push`;
// split, each rule would need the certificate, its roles and the time passed again.
pub fn check(
    cert: &CertEntry,
    roles: Roles,
    client_cert_auth: Option<bool>,
    time: TimeRules,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |rule: rule::Rule, message: String| {
        out.push(Finding::new(rule, vec![cert.label.clone()], message));
    };
    if time.at > cert.not_after {
        push(
            rule::EXPIRED,
            format!(
                "expired {}: etcd says \"x509: certificate has expired or is not yet valid\". {}",
                date(cert.not_after),
                renewal_hint(cert)
            ),
        );
    } else if time.at < cert.not_before {
        push(
            rule::NOT_YET_VALID,
            format!(
                "valid only from {}: etcd says \"x509: certificate has expired or is not yet valid\" until then (a clock ahead on the machine that made it?)",
                date(cert.not_before)
            ),
        );
    } else if cert.not_after - time.at < time.warn_within {
        push(
            rule::EXPIRES_SOON,
            format!(
                "expires {}, within the warning window ({}). {}",
                date(cert.not_after),
                crate::config::duration::residual(time.warn_within.whole_seconds()),
                renewal_hint(cert)
            ),
        );
    }
    match &cert.key_kind {
        KeyKind::Rsa(bits) if *bits < 2048 => push(
            rule::WEAK_KEY,
            format!("an RSA key of {bits} bits: use at least 2048 bits or ECDSA P-256"),
        ),
        KeyKind::Ec(curve) if !["P-256", "P-384", "P-521"].contains(&curve.as_str()) => push(
            rule::WEAK_KEY,
            format!("an EC key on curve {curve}: Go's TLS accepts only P-256, P-384 and P-521"),
        ),
        KeyKind::Other(oid) => push(
            rule::WEAK_KEY,
            format!(
                "a key of algorithm {oid}, which Go's TLS does not support: use ECDSA P-256 or RSA"
            ),
        ),
        _ => {}
    }
    if let Some((_, name)) = WEAK_SIGNATURES
        .iter()
        .find(|(o, _)| *o == cert.signature_oid)
    {
        let self_signed_root = cert.is_ca() && cert.is_self_issued();
        let finding = Finding::new(
            rule::WEAK_SIGNATURE,
            vec![cert.label.clone()],
            if self_signed_root {
                format!(
                    "signed with {name}; a root's own signature is not checked by Go, but reissue it with SHA-256"
                )
            } else {
                format!(
                    "signed with {name}: Go refuses it (\"x509: cannot verify signature: insecure algorithm {name}\"). Reissue it"
                )
            },
        );
        out.push(if self_signed_root {
            finding.at(Level::Warning)
        } else {
            finding
        });
    }
    if (roles.server || roles.peer || roles.client) && cert.is_ca() {
        out.push(Finding::new(
            rule::CA_CONSTRAINTS,
            vec![cert.label.clone()],
            "a leaf certificate with CA:TRUE: whoever holds its key can issue certificates etcd trusts. Issue it with a profile without ca_constraint".into(),
        ));
    }
    if (roles.server || roles.peer) && cert.hosts.is_empty() {
        let what = if cert.has_san_extension {
            "an empty SAN extension"
        } else {
            "no SAN"
        };
        out.push(Finding::new(
            rule::SAN_EMPTY,
            vec![cert.label.clone()],
            format!("a {} certificate with {what}: Go ignores the CN and fails with \"x509: certificate relies on legacy Common Name field, use SANs instead\". Put the member's IPs and names in \"hosts\"", role_name(roles)),
        ));
    }
    let server = cert.allows(|e: &Eku| e.server);
    let client = cert.allows(|e: &Eku| e.client);
    let eku_error = "etcd says \"tls: failed to verify client certificate: x509: certificate specifies an incompatible key usage\"";
    if roles.peer && !(server && (client || roles.serves_only)) {
        out.push(Finding::new(
            rule::PEER_EKU,
            vec![cert.label.clone()],
            format!("a peer certificate without {}: peers use it both to serve and to dial, and {eku_error}. Sign it with a profile whose usages have \"server auth\" and \"client auth\"", missing(server, client || roles.serves_only)),
        ));
    }
    if roles.server && !server {
        out.push(Finding::new(
            rule::SERVER_EKU,
            vec![cert.label.clone()],
            "a server certificate without server auth: clients refuse it (\"x509: certificate specifies an incompatible key usage\"). Add \"server auth\" to the profile's usages".into(),
        ));
    } else if roles.server && !client && !roles.peer && !roles.serves_only {
        let f = Finding::new(
            rule::SERVER_EKU,
            vec![cert.label.clone()],
            format!(
                "a server certificate without client auth: with --client-cert-auth, etcd's gRPC gateway dials itself with it and {eku_error} (etcd #9785). Add \"client auth\" to the profile's usages"
            ),
        );
        out.push(if client_cert_auth == Some(true) {
            f
        } else {
            f.at(Level::Warning)
        });
    }
    if roles.client && !client {
        out.push(Finding::new(
            rule::CLIENT_EKU,
            vec![cert.label.clone()],
            format!("a client certificate without client auth: {eku_error}. Sign it with a profile whose usages have \"client auth\""),
        ));
    }
    out
}

fn role_name(roles: Roles) -> &'static str {
    match (roles.server, roles.peer) {
        (true, true) => "server and peer",
        (_, true) => "peer",
        _ => "server",
    }
}

fn missing(server: bool, client: bool) -> &'static str {
    match (server, client) {
        (false, false) => "server auth and client auth",
        (false, true) => "server auth",
        _ => "client auth",
    }
}

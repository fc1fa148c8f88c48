//! Reads a ca-config.json document into a [`Policy`], gathering every problem.

use std::collections::BTreeMap;

use der::asn1::ObjectIdentifier;
use regex::Regex;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::duration::{self, GoDuration};
use super::policy::{
    CaConstraint, CertificatePolicy, CsrWhitelist, DEFAULT_BACKDATE, Policy, PolicyQualifier,
    Profile,
};
use super::usage::{Usage, parse_usage, usage_names};
use crate::diag::gojson::{Node, Object, Reader};
use crate::diag::{Checked, Diagnostic, InputError, JsonPath, Location, Problem, quote};

const TOP_KEYS: &[&str] = &["signing", "auth_keys", "remotes", "ocsp"];
const SIGNING_KEYS: &[&str] = &["default", "profiles"];
const PROFILE_KEYS: &[&str] = &[
    "usages",
    "issuer_urls",
    "ocsp_url",
    "crl_url",
    "ca_constraint",
    "ocsp_no_check",
    "expiry",
    "backdate",
    "auth_key",
    "copy_extensions",
    "prev_auth_key",
    "remote",
    "auth_remote",
    "not_before",
    "not_after",
    "name_whitelist",
    "allowed_extensions",
    "cert_store",
    "lint_error_level",
    "ignored_lints",
    "ignored_lint_sources",
    "Policies",
    "CSRWhitelist",
    "ClientProvidesSerialNumbers",
    "ct_log_servers",
];

/// Parses a ca-config.json. `file` is the name used in messages.
pub fn parse_ca_config(file: &str, bytes: &[u8]) -> Result<Checked<Policy>, InputError> {
    Reader::read_document(file, bytes, read_policy)
}

/// A profile as written, before inheritance from `default`.
struct Written {
    profile: Profile,
    /// The expiry was `0s` (cfssl: take default's).
    zero_expiry: bool,
    /// `issuer_urls` was absent or null (cfssl: take default's).
    issuer_urls_absent: bool,
    remote: Option<String>,
}

fn read_policy(r: &mut Reader, root: &Node<'_>) -> Option<Policy> {
    let top = r.object(root, TOP_KEYS)?;
    let auth_keys = top
        .field("auth_keys")
        .and_then(|n| read_auth_keys(r, &n))
        .unwrap_or_default();
    let remotes = top
        .field("remotes")
        .and_then(|n| read_remotes(r, &n))
        .unwrap_or_default();
    let names = Names { auth_keys, remotes };
    let Some(signing) = top.field("signing") else {
        r.error(
            &JsonPath::root(),
            Problem::Missing {
                what: "\"signing\"",
                help: Some(
                    "a ca-config.json needs {\"signing\": {\"default\": …, \"profiles\": {…}}}"
                        .into(),
                ),
            },
        );
        return None;
    };
    let signing = r.object(&signing, SIGNING_KEYS)?;

    let written_default = signing
        .field("default")
        .map(|n| read_profile(r, &n, "default", &names, true));
    let mut profiles = BTreeMap::new();
    let mut remote_profiles = BTreeMap::new();
    if let Some(node) = signing.field("profiles")
        && let Some(map) = r.map(&node)
    {
        for (name, node) in map.entries() {
            if let Some(Some(w)) =
                (!node.value.is_null()).then(|| read_profile(r, &node, name, &names, false))
            {
                if let Some(remote) = w.remote.clone() {
                    remote_profiles.insert(name.to_owned(), remote);
                } else {
                    profiles.insert(name.to_owned(), w);
                }
            }
        }
    }

    let (default, default_is_implicit) = match written_default {
        None => (Profile::cfssl_default(), true),
        Some(Some(w)) => (w.profile, false),
        Some(None) => return None,
    };
    // cfssl config.go (LoadConfig): named profiles inherit only these four fields (#581).
    let profiles = profiles
        .into_iter()
        .map(|(name, w)| {
            let mut p = w.profile;
            if w.zero_expiry {
                p.expiry = default.expiry;
            }
            if p.crl_url.is_none() {
                p.crl_url.clone_from(&default.crl_url);
            }
            if p.ocsp_url.is_none() {
                p.ocsp_url.clone_from(&default.ocsp_url);
            }
            if w.issuer_urls_absent {
                p.issuer_urls.clone_from(&default.issuer_urls);
            }
            (name, p)
        })
        .collect();
    Some(Policy {
        default,
        default_is_implicit,
        profiles,
        remote_profiles,
        file: Some(r.file().to_owned()),
    })
}

/// The names a profile may refer to.
struct Names {
    auth_keys: AuthKeys,
    remotes: Vec<String>,
}

fn read_auth_keys(r: &mut Reader, node: &Node<'_>) -> Option<AuthKeys> {
    let map = r.map(node)?;
    let mut names = AuthKeys::default();
    for (name, node) in map.entries() {
        let Some(key) = r.object(&node, &["type", "key"]) else {
            continue;
        };
        let value = key
            .field("key")
            .and_then(|n| r.string(&n))
            .unwrap_or_default();
        if let Err(reason) = check_auth_key(&value) {
            names.unusable.insert(name.to_owned(), reason);
        }
        match key.field("type").and_then(|n| r.string(&n)) {
            Some(t) if t == "standard" => {}
            other => r.error(
                &key.path().key("type"),
                Problem::UnknownValue {
                    what: "authentication type",
                    value: other.unwrap_or_default(),
                    expected: vec!["standard".into()],
                },
            ),
        }
        names.defined.push(name.to_owned());
    }
    Some(names)
}

/// The `auth_keys` of a ca-config.json: the names defined, and why some cannot be used.
#[derive(Default)]
struct AuthKeys {
    defined: Vec<String>,
    /// Name → why its key is unusable, reported where a profile refers to it (cfssl checks a
    /// key only when a profile uses it: config.go populate).
    unusable: BTreeMap<String, String>,
}

/// cfssl auth.New: `env:NAME` and `file:PATH` give the key's text, any other `x:` prefix is an
/// error, and the key is hex (Go `hex.DecodeString`).
fn check_auth_key(value: &str) -> Result<(), String> {
    let text = match value.split_once(':') {
        Some(("env", name)) => std::env::var(name).unwrap_or_default(),
        Some(("file", path)) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {path}: {e}"))?
            .trim()
            .to_owned(),
        Some((prefix, _)) => return Err(format!("unknown key prefix: {prefix}")),
        None => value.to_owned(),
    };
    if let Some(c) = text.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("not hex: invalid character {c:?}"));
    }
    if text.len() % 2 == 1 {
        return Err("not hex: an odd number of digits".into());
    }
    Ok(())
}

fn read_remotes(r: &mut Reader, node: &Node<'_>) -> Option<Vec<String>> {
    let map = r.map(node)?;
    let mut names = Vec::new();
    for (name, node) in map.entries() {
        r.string(&node);
        names.push(name.to_owned());
    }
    Some(names)
}

fn read_profile(
    r: &mut Reader,
    node: &Node<'_>,
    name: &str,
    names: &Names,
    is_default: bool,
) -> Option<Written> {
    let obj = r.object(node, PROFILE_KEYS)?;
    let errors_before = error_count(r);
    let mut p = Profile {
        name: name.to_owned(),
        ..Profile::cfssl_default()
    };
    p.key_usage = super::usage::KeyUsage::NONE;
    p.ext_key_usage.clear();

    let remote = read_remote_fields(r, &obj, names);
    // A named local profile must say what its certificates are for (cfssl validProfile).
    let needs_usages = !is_default && remote.is_none();
    read_usages(r, &obj, &mut p, needs_usages);
    let zero_expiry = read_expiry(r, &obj, &mut p, remote.is_none());
    read_backdate(r, &obj, &mut p);
    p.ca = obj
        .field("ca_constraint")
        .and_then(|n| read_ca_constraint(r, &n));
    read_fixed_times(r, &obj, &mut p);
    p.ocsp_url = non_empty(obj.field("ocsp_url").and_then(|n| r.string(&n)));
    p.crl_url = non_empty(obj.field("crl_url").and_then(|n| r.string(&n)));
    let issuer_urls = obj.field("issuer_urls");
    let issuer_urls_absent = issuer_urls.is_none();
    p.issuer_urls = issuer_urls
        .and_then(|n| r.strings(&n))
        .map(|v| v.into_iter().map(|(s, _)| s).collect())
        .unwrap_or_default();
    p.ocsp_no_check = obj
        .field("ocsp_no_check")
        .and_then(|n| r.bool(&n))
        .unwrap_or(false);
    p.copy_extensions = obj
        .field("copy_extensions")
        .and_then(|n| r.bool(&n))
        .unwrap_or(false);
    p.name_whitelist = read_name_whitelist(r, &obj);
    p.policies = obj
        .field("Policies")
        .and_then(|n| read_policies(r, &n))
        .unwrap_or_default();
    p.csr_whitelist = obj
        .field("CSRWhitelist")
        .and_then(|n| read_csr_whitelist(r, &n));
    read_ignored_fields(r, &obj);

    (error_count(r) == errors_before).then_some(Written {
        profile: p,
        zero_expiry,
        issuer_urls_absent,
        remote,
    })
}

/// `usages` into KeyUsage bits and EKU purposes; unknown names are kept on the profile (they
/// stop only signing with it), unless none is known and the profile `needs_usages`.
fn read_usages(r: &mut Reader, obj: &Object<'_>, p: &mut Profile, needs_usages: bool) {
    match obj.field("usages").and_then(|n| r.strings(&n)) {
        Some(usages) => {
            for (u, path) in &usages {
                match parse_usage(u) {
                    Some(Usage::Key(bit)) => p.key_usage = p.key_usage.with(bit),
                    Some(Usage::Extended(e)) => p.ext_key_usage.push(e),
                    None => p.unknown_usages.push(Diagnostic::error(
                        Location::at(r.file(), path.clone()),
                        Problem::UnknownValue {
                            what: "usage",
                            value: u.clone(),
                            expected: usage_names(),
                        },
                    )),
                }
            }
            // cfssl config.go validProfile: a named local profile with no known usage makes
            // the whole configuration invalid; unknown ones beside known ones are dropped.
            let all_unknown = p.unknown_usages.len() == usages.len();
            if !usages.is_empty() && all_unknown && needs_usages {
                r.diagnostics.append(&mut p.unknown_usages);
            }
            if usages.is_empty() && needs_usages {
                r.error(&obj.path().key("usages"), no_usages());
            }
        }
        None if needs_usages && obj.field("usages").is_none() => {
            r.error(obj.path(), no_usages());
        }
        None => {}
    }
}

/// `expiry`, for local profiles; returns true for an explicit zero (cfssl then uses the
/// default's, config.go populate).
fn read_expiry(r: &mut Reader, obj: &Object<'_>, p: &mut Profile, local: bool) -> bool {
    // cfssl skips expiry parsing for remote profiles (config.go populate).
    let mut zero_expiry = false;
    match obj.field("expiry") {
        Some(n) => {
            if let Some(d) = read_duration(r, &n) {
                if d == GoDuration::ZERO {
                    zero_expiry = true;
                } else if d.is_negative() {
                    r.error(
                        &n.path,
                        Problem::Invalid {
                            value: quote(&d.to_string()),
                            reason: "a negative expiry makes notAfter earlier than notBefore".into(),
                            help: Some("cfssl accepts it and issues an unusable certificate; use a positive duration such as \"8760h\"".into()),
                        },
                    );
                } else {
                    p.expiry = d;
                }
            }
        }
        None if local => r.error(
            obj.path(),
            Problem::Missing {
                what: "\"expiry\" (cfssl: empty expiry string)",
                help: Some(
                    "every local profile needs an expiry, e.g. \"expiry\": \"8760h\"".into(),
                ),
            },
        ),
        None => {}
    }

    zero_expiry
}

/// `backdate`: not negative; zero means cfssl's default.
fn read_backdate(r: &mut Reader, obj: &Object<'_>, p: &mut Profile) {
    if let Some(n) = obj.field("backdate")
        && let Some(d) = read_duration(r, &n)
    {
        if d.is_negative() {
            r.error(
                &n.path,
                Problem::Invalid {
                    value: quote(&d.to_string()),
                    reason: "a backdate cannot be negative".into(),
                    help: None,
                },
            );
        } else if d == GoDuration::ZERO {
            r.warn(
                &n.path,
                Problem::Invalid {
                    value: quote("0s"),
                    reason: "a zero backdate means the default 5m, as in cfssl".into(),
                    help: None,
                },
            );
            p.backdate = DEFAULT_BACKDATE;
        } else {
            p.backdate = d;
        }
    }
}

/// `not_before` and `not_after`, in order.
fn read_fixed_times(r: &mut Reader, obj: &Object<'_>, p: &mut Profile) {
    p.not_before = obj.field("not_before").and_then(|n| read_time(r, &n));
    p.not_after = obj.field("not_after").and_then(|n| read_time(r, &n));
    if let (Some(nb), Some(na)) = (p.not_before, p.not_after)
        && na < nb
    {
        r.error(
            &obj.path().key("not_after"),
            Problem::Invalid {
                value: quote(&na.format(&Rfc3339).unwrap_or_default()),
                reason: "not_after is before not_before".into(),
                help: Some("cfssl panics on this; swap the two times".into()),
            },
        );
    }
}

/// `name_whitelist`, a Go RE2 regular expression; empty means none.
fn read_name_whitelist(r: &mut Reader, obj: &Object<'_>) -> Option<Regex> {
    if let Some(n) = obj.field("name_whitelist")
        && let Some(s) = r.string(&n).filter(|s| !s.is_empty())
    {
        match Regex::new(&s) {
            Ok(re) => return Some(re),
            Err(e) => r.error(
                &n.path,
                Problem::Invalid {
                    value: quote(&s),
                    reason: format!(
                        "not a regular expression: {}",
                        e.to_string().lines().last().unwrap_or_default().trim()
                    ),
                    help: Some("name_whitelist is a Go RE2 regular expression".into()),
                },
            ),
        }
    }
    None
}

fn no_usages() -> Problem {
    Problem::Missing {
        what: "\"usages\"",
        help: Some(
            "list at least one usage, e.g. [\"signing\", \"key encipherment\", \"server auth\", \"client auth\"]"
                .into(),
        ),
    }
}

fn error_count(r: &Reader) -> usize {
    r.diagnostics
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .count()
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// `remote`, `auth_remote`, `auth_key`, `prev_auth_key`: checked against the names defined at
/// the top level, as cfssl does; returns the remote's name when the profile signs remotely.
fn read_remote_fields(r: &mut Reader, obj: &Object<'_>, names: &Names) -> Option<String> {
    let check = |r: &mut Reader, node: Option<Node<'_>>, list: &[String], what: &'static str| {
        let node = node?;
        let value = r.string(&node).filter(|s| !s.is_empty())?;
        if !list.contains(&value) {
            r.error(
                &node.path,
                Problem::UnknownValue {
                    what,
                    value: value.clone(),
                    expected: list.to_vec(),
                },
            );
        }
        Some(value)
    };
    let check_key = |r: &mut Reader, node: Option<Node<'_>>| {
        let path = node.as_ref().map(|n| n.path.clone());
        let name = check(
            r,
            node,
            &names.auth_keys.defined,
            "auth key (defined in auth_keys)",
        );
        if let (Some(name), Some(path)) = (name, path)
            && let Some(reason) = names.auth_keys.unusable.get(&name)
        {
            r.error(
                &path,
                Problem::Invalid {
                    value: quote(&name),
                    reason: format!(
                        "auth_keys.{name}.key is unusable: {reason} (cfssl: failed to create new standard auth provider)"
                    ),
                    help: Some("an auth key is hex, e.g. \"0123456789ABCDEF0123456789ABCDEF\"".into()),
                },
            );
        }
    };
    check_key(r, obj.field("auth_key"));
    check_key(r, obj.field("prev_auth_key"));
    let mut remote = check(
        r,
        obj.field("remote"),
        &names.remotes,
        "remote (defined in remotes)",
    );
    if let Some(n) = obj.field("auth_remote")
        && let Some(ar) = r.object(&n, &["remote", "auth_key"])
    {
        let ar_remote = check(
            r,
            ar.field("remote"),
            &names.remotes,
            "remote (defined in remotes)",
        );
        check_key(r, ar.field("auth_key"));
        remote = remote.or(ar_remote);
    }
    remote
}

/// Fields cfssl knows that only matter to its server or its zlint integration: type-checked,
/// and a warning where a value asks for something etcdpki will not do.
fn read_ignored_fields(r: &mut Reader, obj: &Object<'_>) {
    if let Some(n) = obj.field("allowed_extensions")
        && let Some(oids) = r.strings(&n)
    {
        for (s, path) in oids {
            read_oid(r, &s, &path);
        }
    }
    if let Some(n) = obj.field("cert_store") {
        r.string(&n);
    }
    for key in ["ignored_lints", "ignored_lint_sources"] {
        if let Some(n) = obj.field(key) {
            r.strings(&n);
        }
    }
    if let Some(n) = obj.field("lint_error_level")
        && let Some(level) = r.int(&n)
    {
        if !(0..=7).contains(&level) {
            r.error(
                &n.path,
                Problem::Invalid {
                    value: level.to_string(),
                    reason: "lint_error_level must be between 0 and 7".into(),
                    help: None,
                },
            );
        } else if level > 0 {
            r.warn(
                &n.path,
                Problem::Unsupported {
                    what: "zlint pre-issuance linting".into(),
                    help: "the setting is ignored; run `etcdpki lint` on the results instead"
                        .into(),
                },
            );
        }
    }
    if let Some(n) = obj.field("ClientProvidesSerialNumbers")
        && r.bool(&n) == Some(true)
    {
        r.error(
            &n.path,
            Problem::Unsupported {
                what: "ClientProvidesSerialNumbers".into(),
                help: "it is for cfssl's API server; gencert and sign make random serials".into(),
            },
        );
    }
    if let Some(n) = obj.field("ct_log_servers")
        && r.strings(&n).is_some_and(|v| !v.is_empty())
    {
        r.error(
            &n.path,
            Problem::Unsupported {
                what: "certificate transparency submission (ct_log_servers)".into(),
                help: "etcd certificates are private; remove ct_log_servers".into(),
            },
        );
    }
}

/// A Go duration string; a bad one is an error with Go's message and a suggestion.
pub(crate) fn read_duration(r: &mut Reader, node: &Node<'_>) -> Option<GoDuration> {
    let s = r.string(node)?;
    match GoDuration::parse(&s) {
        Ok(d) => Some(d),
        Err(e) => {
            r.error(
                &node.path,
                Problem::Invalid {
                    value: quote(&s),
                    reason: e.to_string(),
                    help: duration::suggest(&s).or_else(|| {
                        Some("a Go duration, e.g. \"8760h\" (365 days) or \"1h30m\"".into())
                    }),
                },
            );
            None
        }
    }
}

fn read_time(r: &mut Reader, node: &Node<'_>) -> Option<OffsetDateTime> {
    let s = r.string(node)?;
    match OffsetDateTime::parse(&s, &Rfc3339) {
        Ok(t) => Some(t),
        Err(e) => {
            r.error(
                &node.path,
                Problem::Invalid {
                    value: quote(&s),
                    reason: format!("not an RFC 3339 time: {e}"),
                    help: Some("e.g. \"2027-01-01T00:00:00Z\"".into()),
                },
            );
            None
        }
    }
}

fn read_ca_constraint(r: &mut Reader, node: &Node<'_>) -> Option<CaConstraint> {
    let obj = r.object(node, &["is_ca", "max_path_len", "max_path_len_zero"])?;
    let is_ca = obj.field("is_ca").and_then(|n| r.bool(&n)).unwrap_or(false);
    let max_path_len = read_path_len(r, &obj, "max_path_len", "max_path_len_zero");
    is_ca.then_some(CaConstraint { max_path_len })
}

/// cfssl's pathlen rule, for `ca_constraint` and a request's `ca` block alike: N > 0 is N;
/// 0 is "no limit" unless the `…zero` flag says it really means 0.
pub(crate) fn read_path_len(
    r: &mut Reader,
    obj: &Object<'_>,
    len_key: &str,
    zero_key: &str,
) -> Option<u32> {
    let len_node = obj.field(len_key);
    let len = len_node.as_ref().and_then(|n| r.int(n)).unwrap_or(0);
    let zero = obj
        .field(zero_key)
        .and_then(|n| r.bool(&n))
        .unwrap_or(false);
    match u32::try_from(len) {
        Ok(0) if !zero => None,
        Ok(n) => Some(n),
        Err(_) => {
            if let Some(n) = len_node {
                r.error(
                    &n.path,
                    Problem::Invalid {
                        value: len.to_string(),
                        reason: format!("{len_key} must be 0 or more"),
                        help: None,
                    },
                );
            }
            None
        }
    }
}

fn read_oid(r: &mut Reader, s: &str, path: &JsonPath) -> Option<ObjectIdentifier> {
    match ObjectIdentifier::new(s) {
        Ok(oid) => Some(oid),
        Err(_) => {
            r.error(
                path,
                Problem::Invalid {
                    value: quote(s),
                    reason: "not an object identifier".into(),
                    help: Some("write it dotted, e.g. \"1.3.6.1.4.1.311.21.7\"".into()),
                },
            );
            None
        }
    }
}

fn read_policies(r: &mut Reader, node: &Node<'_>) -> Option<Vec<CertificatePolicy>> {
    let items = r.array(node)?;
    let mut out = Vec::new();
    for item in items {
        let Some(obj) = r.object(&item, &["ID", "Qualifiers"]) else {
            continue;
        };
        let Some(id_node) = obj.field("ID") else {
            r.error(
                obj.path(),
                Problem::Missing {
                    what: "\"ID\"",
                    help: None,
                },
            );
            continue;
        };
        let id = r
            .string(&id_node)
            .and_then(|s| read_oid(r, &s, &id_node.path));
        let mut qualifiers = Vec::new();
        if let Some(q) = obj.field("Qualifiers").and_then(|n| r.array(&n)) {
            for qn in q {
                let Some(qo) = r.object(&qn, &["type", "value"]) else {
                    continue;
                };
                let kind = qo
                    .field("type")
                    .and_then(|n| r.string(&n))
                    .unwrap_or_default();
                let value = qo
                    .field("value")
                    .and_then(|n| r.string(&n))
                    .unwrap_or_default();
                match kind.as_str() {
                    "id-qt-cps" => qualifiers.push(PolicyQualifier::Cps(value)),
                    "id-qt-unotice" => qualifiers.push(PolicyQualifier::UserNotice(value)),
                    _ => r.error(
                        &qo.path().key("type"),
                        Problem::UnknownValue {
                            what: "policy qualifier type",
                            value: kind,
                            expected: vec!["id-qt-cps".into(), "id-qt-unotice".into()],
                        },
                    ),
                }
            }
        }
        if let Some(id) = id {
            out.push(CertificatePolicy { id, qualifiers });
        }
    }
    Some(out)
}

fn read_csr_whitelist(r: &mut Reader, node: &Node<'_>) -> Option<CsrWhitelist> {
    const KEYS: &[&str] = &[
        "Subject",
        "PublicKeyAlgorithm",
        "PublicKey",
        "SignatureAlgorithm",
        "DNSNames",
        "IPAddresses",
        "EmailAddresses",
        "URIs",
    ];
    let obj = r.object(node, KEYS)?;
    let mut flag = |key: &str| obj.field(key).and_then(|n| r.bool(&n)).unwrap_or(false);
    Some(CsrWhitelist {
        subject: flag("Subject"),
        public_key_algorithm: flag("PublicKeyAlgorithm"),
        public_key: flag("PublicKey"),
        signature_algorithm: flag("SignatureAlgorithm"),
        dns_names: flag("DNSNames"),
        ip_addresses: flag("IPAddresses"),
        email_addresses: flag("EmailAddresses"),
        uris: flag("URIs"),
    })
}

#[cfg(test)]
mod tests;

//! What the signing commands read: the policy, the request, keys and the CA, from the files
//! and flags cfssl takes, with warnings logged and errors as [`Failure`]s.

use etcdpki::PrivateKey;
use etcdpki::config::{Policy, Profile, parse_ca_config};
use etcdpki::diag::{Diagnostic, Location, Problem};
use etcdpki::request::{CertRequest, Host, about_hosts, parse_csr_json, parse_hostname_flag};
use etcdpki::sign::Issuer;

use super::log::Log;
use super::{Failure, Holds, read_input, read_pki_input};

/// The `-config` policy, or cfssl's built-in default without one; warnings are logged.
pub fn load_policy(log: &Log, config: Option<&str>) -> Result<Policy, Failure> {
    match config {
        Some(file) => {
            let checked = parse_ca_config(file, &read_input(file, "the config")?)?;
            log.diagnostics(&checked.warnings);
            Ok(checked.value)
        }
        None => Ok(Policy::builtin()),
    }
}

/// The csr.json named `file` (`-` for standard input); warnings are logged, except those
/// about `hosts` when a non-empty `-hostname` replaces them (cfssl: an empty `-hostname` is
/// none).
pub fn load_request(log: &Log, file: &str, hostname: Option<&str>) -> Result<CertRequest, Failure> {
    let checked = parse_csr_json(file, &read_input(file, "the request")?)?;
    let replaced = hostname.is_some_and(|h| !h.is_empty());
    let shown: Vec<_> = checked
        .warnings
        .into_iter()
        .filter(|d| !(replaced && about_hosts(d)))
        .collect();
    log.diagnostics(&shown);
    Ok(checked.value)
}

/// `-hostname a,b,c`: the hosts that replace the request's; warnings are logged.
pub fn load_hostname_flag(log: &Log, value: &str) -> Result<Vec<Host>, Failure> {
    let checked = parse_hostname_flag(value)?;
    log.diagnostics(&checked.warnings);
    Ok(checked.value)
}

/// A `ca` section outside `-initca` is refused, as in cfssl ("ca section only permitted in initca").
pub fn reject_ca_section(csrjson: &str, request: &CertRequest) -> Result<(), Failure> {
    if request.ca().is_none() {
        return Ok(());
    }
    Err(Failure::Run(
        Diagnostic::error(
            Location::at(csrjson, etcdpki::diag::JsonPath::root().key("ca")),
            Problem::Invalid {
                value: "\"ca\"".into(),
                reason: "the ca section is only permitted with -initca (cfssl: ca section only permitted in initca)".into(),
                help: Some("remove it, or add -initca to make a CA".into()),
            },
        )
        .to_string(),
    ))
}

/// `-ca` and `-ca-key`, both required to sign (cfssl logs their absence and exits 0).
pub fn require_ca<'a>(
    ca: Option<&'a str>,
    ca_key: Option<&'a str>,
    usage: &str,
) -> Result<(&'a str, &'a str), Failure> {
    match (ca, ca_key) {
        (Some(ca), Some(key)) => Ok((ca, key)),
        _ => {
            let missing = if ca.is_none() { "-ca" } else { "-ca-key" };
            Err(Failure::Usage(format!(
                "{missing} is required to sign (cfssl logs this and exits 0 with no output)\n  help: {usage}"
            )))
        }
    }
}

/// The profile `-profile` names, with `-crl` applied.
pub fn select_profile(
    log: &Log,
    policy: &Policy,
    name: Option<&str>,
    crl: Option<&str>,
) -> Result<Profile, Failure> {
    let profile = policy.select(name.unwrap_or(""))?.clone();
    log.diagnostics(&policy.unknown_usages_elsewhere(Some(profile.name())));
    Ok(match crl.filter(|u| !u.is_empty()) {
        Some(url) => profile.with_crl_url(url),
        None => profile,
    })
}

/// The CA from `-ca` and `-ca-key`; warnings about the certificate are logged.
pub fn load_issuer(log: &Log, ca_file: &str, ca_key_file: &str) -> Result<Issuer, Failure> {
    let ca_key = read_key(ca_key_file)?;
    let pem = read_ca_input(ca_file, "the CA certificate", Holds::Public)?;
    let (issuer, warnings) = Issuer::from_pem(ca_file, &pem, ca_key_file, ca_key)?;
    for w in warnings {
        log.warn(&format!("{ca_file}: {w}"));
    }
    Ok(issuer)
}

/// [`load_issuer`] for etcdpki's own commands (`renew`, `revoke`), whose `--ca` may be a trust
/// bundle during a CA rotation: the CA is the certificate on `--ca-key`'s key.
pub fn load_issuer_from_bundle(
    log: &Log,
    ca_file: &str,
    ca_key_file: &str,
) -> Result<Issuer, Failure> {
    let ca_key = read_key(ca_key_file)?;
    let pem = read_ca_input(ca_file, "the CA certificate", Holds::Public)?;
    let (issuer, warnings) = Issuer::from_bundle_pem(ca_file, &pem, ca_key_file, ca_key)?;
    for w in warnings {
        log.warn(&format!("{ca_file}: {w}"));
    }
    Ok(issuer)
}

/// A PEM private key file (or `env:`/`file:` value, as for `-ca-key`).
pub fn read_key(file: &str) -> Result<PrivateKey, Failure> {
    PrivateKey::from_pem(&zeroize::Zeroizing::new(read_ca_input(
        file,
        "the CA key",
        Holds::Key,
    )?))
    .map_err(|e| Failure::Run(format!("{file}: {e}")))
}

/// `-ca` and `-ca-key` values as cfssl ≥ 1.3.0 reads them (helpers.ReadBytes): `env:VAR` is the
/// variable's value, `file:PATH` a path, anything else a path. cfssl rejects other `x:`
/// prefixes as "unknown prefix"; here they are just paths. `-` is not standard input, as in cfssl.
fn read_ca_input(value: &str, what: &str, holds: Holds) -> Result<Vec<u8>, Failure> {
    if let Some(var) = value.strip_prefix("env:") {
        return std::env::var(var).map(String::into_bytes).map_err(|_| {
            Failure::Run(format!(
                "{value}: cannot read {what}: the environment variable {var} is not set"
            ))
        });
    }
    let path = value.strip_prefix("file:").unwrap_or(value);
    if path == "-" {
        return Err(Failure::Usage(format!(
            "{what} cannot come from standard input (as in cfssl); give a file"
        )));
    }
    read_pki_input(path, what, holds)
}

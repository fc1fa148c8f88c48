//! `gencert`: a CA with `-initca`, or a leaf signed by `-ca`/`-ca-key` under a profile.

use etcdpki::config::{Policy, Profile, parse_ca_config};
use etcdpki::diag::{Diagnostic, Location, Problem};
use etcdpki::output::{Bundle, to_json_line};
use etcdpki::request::{CertRequest, parse_csr_json, parse_hostname_flag};
use etcdpki::sign::{
    Authority, Issuer, SerialNumber, SignError, Subject, build_csr, initca_profile, issue,
};
use etcdpki::{KeySpec, PrivateKey};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::args::GencertArgs;
use super::log::Log;
use super::{Failure, read_input, write_stdout};

/// Runs `gencert`.
pub fn run(args: GencertArgs) -> Result<(), Failure> {
    let log = Log::new(args.signing.loglevel);
    check_loglevel(args.signing.loglevel)?;
    if let Some(remote) = &args.signing.remote {
        return Err(Failure::Usage(format!(
            "-remote {remote}: remote signing is not supported\n  help: sign locally with -ca and -ca-key"
        )));
    }
    // cfssl loads -config before anything else, even for -initca, which then ignores it.
    let policy = load_policy(&log, args.signing.config.as_deref())?;
    if args.renewca {
        return renewca(&args, &log);
    }
    let csrjson = args.csrjson.clone().unwrap_or_default();
    let mut request = load_request(&log, &csrjson)?;
    if let Some(cn) = &args.cn {
        request.common_name.clone_from(cn);
    }
    if args.initca {
        if args.signing.config.is_some() || args.signing.profile.is_some() {
            log.warn("-config and -profile are ignored with -initca, as in cfssl; set the CA's lifetime with \"ca\": {\"expiry\": …} in the request");
        }
        if args.signing.hostname.is_some() {
            log.warn(
                "-hostname is ignored with -initca, as in cfssl; put the CA's hosts in the request",
            );
        }
        initca(&log, &request, &csrjson, args.signing.ca_key.as_deref())
    } else {
        leaf(&args, &log, &policy, &csrjson, request)
    }
}

/// `-renewca`: the CA re-signed with its own key from now, keeping its subject byte for byte,
/// its SANs, its path length and its lifetime (cfssl initca.RenewFromSigner). Existing leaves
/// still chain to it: same name, same key, same key identifier.
fn renewca(args: &GencertArgs, log: &Log) -> Result<(), Failure> {
    log.info("re-generate a CA certificate from CA cert and key");
    let (ca_file, ca_key_file) = require_ca(
        args.signing.ca.as_deref(),
        args.signing.ca_key.as_deref(),
        "etcdpki gencert -renewca -ca=ca.pem -ca-key=ca-key.pem",
    )?;
    let issuer = load_issuer(log, ca_file, ca_key_file)?;
    let bad = |reason: &str| Failure::Run(format!("{ca_file}: {reason}"));
    let (_, cert) = x509_parser::prelude::X509Certificate::from_der(issuer.certificate_der())
        .map_err(|_| bad("not a valid certificate"))?;
    let path_len = match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => bc.value.path_len_constraint,
        _ => {
            return Err(bad(
                "not a CA certificate (no BasicConstraints CA:TRUE); -renewca renews CAs only",
            ));
        }
    };
    let name = etcdpki::request::DistinguishedName::from_certificate_name(cert.subject())
        .map_err(|e| bad(&e))?;
    let hosts = etcdpki::request::Host::from_certificate(&cert);
    let lifetime = cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp();
    let ca = etcdpki::request::CaRequest {
        path_len,
        expiry: Some(etcdpki::config::GoDuration::from_nanos(
            lifetime.saturating_mul(1_000_000_000),
        )),
        backdate: None,
    };
    let profile = initca_profile(Some(&ca), None);
    let key = issuer.key();
    let cert = issue_logged(
        log,
        Authority::SelfSigned(key),
        &profile,
        Subject {
            name: &name,
            hosts: &hosts,
            public_key: key.public_key(),
            csr_extensions: &[],
            hosts_overridden: false,
        },
        OffsetDateTime::now_utc(),
        serial()?,
    )?;
    write_stdout(
        to_json_line(&Bundle {
            cert: Some(cert.to_pem()),
            csr: None,
            key: None,
        })
        .as_bytes(),
    )
}

/// A `ca` section outside `-initca` is refused, as in cfssl ("ca section only permitted in initca").
pub fn reject_ca_section(csrjson: &str, request: &CertRequest) -> Result<(), Failure> {
    if request.ca.is_none() {
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
    policy: &Policy,
    name: Option<&str>,
    crl: Option<&str>,
) -> Result<Profile, Failure> {
    let mut profile = policy.select(name.unwrap_or(""))?.clone();
    if let Some(url) = crl.filter(|u| !u.is_empty()) {
        profile.crl_url = Some(url.to_owned());
    }
    Ok(profile)
}

/// The CA from `-ca` and `-ca-key`; warnings about the certificate are logged.
pub fn load_issuer(log: &Log, ca_file: &str, ca_key_file: &str) -> Result<Issuer, Failure> {
    let ca_key = read_key(ca_key_file)?;
    let pem = read_ca_input(ca_file, "the CA certificate")?;
    let (issuer, warnings) = Issuer::from_pem(ca_file, &pem, ca_key_file, ca_key)?;
    for w in warnings {
        log.warn(&format!("{ca_file}: {w}"));
    }
    Ok(issuer)
}

/// cfssl's `-loglevel` runs from 0 (debug) to 5 (fatal).
pub fn check_loglevel(level: u8) -> Result<(), Failure> {
    if level > 5 {
        return Err(Failure::Usage(format!(
            "-loglevel {level}: expected 0 (debug) to 5 (fatal)"
        )));
    }
    Ok(())
}

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

/// The csr.json named `file` (`-` for standard input); warnings are logged.
pub fn load_request(log: &Log, file: &str) -> Result<CertRequest, Failure> {
    let checked = parse_csr_json(file, &read_input(file, "the request")?)?;
    log.diagnostics(&checked.warnings);
    Ok(checked.value)
}

/// `-initca`: a self-signed CA from `request`, with a new key or the one in `ca_key`.
pub fn initca(
    log: &Log,
    request: &CertRequest,
    csrjson: &str,
    ca_key: Option<&str>,
) -> Result<(), Failure> {
    log.info("generating a new CA key and certificate from CSR");
    if !request.has_ca_subject() {
        return Err(Failure::Run(
            Diagnostic::error(
                Location::file(csrjson),
                Problem::Missing {
                    what: "subject information for a CA (cfssl: missing subject information)",
                    help: Some(
                        "set \"CN\", or \"names\" entries that each have one of C, ST, L, O, OU"
                            .into(),
                    ),
                },
            )
            .to_string(),
        ));
    }
    let (key, key_pem) = match ca_key {
        Some(file) => (read_key(file)?, None),
        None => {
            let key = generate(log, request.key)?;
            let pem = key.to_pem()?;
            (key, Some(pem))
        }
    };
    let profile = initca_profile(request.ca.as_ref(), request.crl_url.as_deref());
    issue_and_print(
        log,
        Authority::SelfSigned(&key),
        &profile,
        request,
        &key,
        key_pem,
        false,
    )
}

fn leaf(
    args: &GencertArgs,
    log: &Log,
    policy: &Policy,
    csrjson: &str,
    mut request: CertRequest,
) -> Result<(), Failure> {
    log.info("generate received request");
    reject_ca_section(csrjson, &request)?;
    let (ca_file, ca_key_file) = require_ca(
        args.signing.ca.as_deref(),
        args.signing.ca_key.as_deref(),
        "etcdpki gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=NAME CSRJSON, or -initca for a CA",
    )?;
    let profile = select_profile(
        policy,
        args.signing.profile.as_deref(),
        args.signing.crl.as_deref(),
    )?;
    let hosts_overridden = args
        .signing
        .hostname
        .as_deref()
        .is_some_and(|h| !h.is_empty());
    if let Some(h) = args.signing.hostname.as_deref().filter(|h| !h.is_empty()) {
        request.hosts = parse_hostname_flag(h)?;
    }
    let serves = profile
        .ext_key_usage
        .contains(&etcdpki::config::ExtKeyUsage::ServerAuth);
    if request.hosts.is_empty() && serves {
        log.warn("the certificate has no hosts, so it has no Subject Alternative Names; TLS servers and etcd peers need their names and IPs there (Go ignores the CN)");
    }
    let issuer = load_issuer(log, ca_file, ca_key_file)?;
    let key = generate(log, request.key)?;
    let key_pem = key.to_pem()?;
    issue_and_print(
        log,
        Authority::Ca(&issuer),
        &profile,
        &request,
        &key,
        Some(key_pem),
        hosts_overridden,
    )
}

/// Builds the CSR for `request` with `key`, issues the certificate and prints cfssl's JSON line
/// (the key only when it was generated here).
fn issue_and_print(
    log: &Log,
    authority: Authority<'_>,
    profile: &Profile,
    request: &CertRequest,
    key: &PrivateKey,
    key_pem: Option<String>,
    hosts_overridden: bool,
) -> Result<(), Failure> {
    let subject = request.subject();
    let csr = build_csr(&subject, &request.hosts, request.ca.as_ref(), key)?;
    log.info("encoded CSR");
    let cert = issue_logged(
        log,
        authority,
        profile,
        Subject {
            name: &subject,
            hosts: &request.hosts,
            public_key: key.public_key(),
            csr_extensions: csr.extensions(),
            hosts_overridden,
        },
        OffsetDateTime::now_utc(),
        serial()?,
    )?;
    let json = to_json_line(&Bundle {
        cert: Some(cert.to_pem()),
        csr: Some(csr.to_pem()),
        key: key_pem,
    });
    write_stdout(json.as_bytes())
}

/// gencert makes one key and exits, so RSA searches may race on every core.
pub fn generate(log: &Log, spec: KeySpec) -> Result<PrivateKey, Failure> {
    log.info(&format!("generating key: {spec}"));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Ok(PrivateKey::generate_racing(spec, cores.min(4))?)
}

pub fn read_key(file: &str) -> Result<PrivateKey, Failure> {
    PrivateKey::from_pem(&read_ca_input(file, "the CA key")?)
        .map_err(|e| Failure::Run(format!("{file}: {e}")))
}

/// `-ca` and `-ca-key` values as cfssl ≥ 1.3.0 reads them (helpers.ReadBytes): `env:VAR` is the
/// variable's value, `file:PATH` a path, anything else a path. cfssl rejects other `x:`
/// prefixes as "unknown prefix"; here they are just paths. `-` is not standard input, as in cfssl.
fn read_ca_input(value: &str, what: &str) -> Result<Vec<u8>, Failure> {
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
    read_input(path, what)
}

/// Issues the certificate and logs its serial, as cfssl does.
pub fn issue_logged(
    log: &Log,
    authority: Authority<'_>,
    profile: &Profile,
    subject: Subject<'_>,
    now: OffsetDateTime,
    serial: SerialNumber,
) -> Result<etcdpki::sign::Certificate, Failure> {
    let cert = issue(authority, profile, subject, now, serial)?;
    log.info(&format!(
        "signed certificate with serial number {}",
        cert.serial()
    ));
    Ok(cert)
}

fn serial() -> Result<SerialNumber, Failure> {
    SerialNumber::random().map_err(|_| Failure::from(SignError::Random))
}

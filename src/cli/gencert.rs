//! `gencert`: a CA with `-initca`, or a leaf signed by `-ca`/`-ca-key` under a profile.

use etcdpki::PrivateKey;
use etcdpki::config::{Policy, Profile};
use etcdpki::diag::{Diagnostic, Location, Problem};
use etcdpki::output::{Bundle, to_json_line};
use etcdpki::request::CertRequest;
use etcdpki::sign::{Authority, Subject, initca_profile, issue_request};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::args::GencertArgs;
use super::inputs::{
    load_hostname_flag, load_issuer, load_policy, load_request, read_key, reject_ca_section,
    require_ca, select_profile,
};
use super::issuing::{generate, issue_logged, log_signed, serial};
use super::log::Log;
use super::{Failure, write_stdout};

/// Runs `gencert`.
pub fn run(args: GencertArgs) -> Result<(), Failure> {
    let log = Log::from_flag(args.signing.loglevel)?;
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
    // -hostname does not apply to -initca (cfssl), so the request's own hosts count there.
    let hostname = args.signing.hostname.as_deref().filter(|_| !args.initca);
    let mut request = load_request(&log, &csrjson, hostname)?;
    if let Some(cn) = &args.cn {
        request.set_common_name(cn);
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
        log.diagnostics(&policy.unknown_usages_elsewhere(None));
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
    // cfssl reads the empty file name and fails (initca.RenewFromPEM: "open : no such file or
    // directory", exit 1); say which flag is missing instead.
    let (Some(ca_file), Some(ca_key_file)) =
        (args.signing.ca.as_deref(), args.signing.ca_key.as_deref())
    else {
        let missing = if args.signing.ca.is_none() {
            "-ca"
        } else {
            "-ca-key"
        };
        return Err(Failure::Usage(format!(
            "{missing} is required with -renewca: it renews that CA with that key (cfssl fails too, with \"open : no such file or directory\")\n  help: etcdpki gencert -renewca -ca=ca.pem -ca-key=ca-key.pem"
        )));
    };
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
        .map_err(|e| bad(&e.to_string()))?;
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
            kept_extensions: &[],
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

/// `-initca`: a self-signed CA from `request`, with a new key or the one in `ca_key`.
pub fn initca(
    log: &Log,
    request: &CertRequest,
    csrjson: &str,
    ca_key: Option<&str>,
) -> Result<(), Failure> {
    // cfssl gencert: the CA from an existing key skips csr.Generator, so it has neither
    // "generate received request" nor "received CSR" (initca.NewFromSigner).
    if ca_key.is_some() {
        log.info("re-generate a CA certificate from CSR and CA key");
    } else {
        log.info("generating a new CA key and certificate from CSR");
        log.info("generate received request");
    }
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
            let key = generate(log, request.key())?;
            let pem = key.to_pem()?;
            (key, Some(pem))
        }
    };
    let profile = initca_profile(request.ca(), request.crl_url());
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
        log,
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
        request.set_hosts(load_hostname_flag(log, h)?);
    }
    let serves = profile
        .ext_key_usage()
        .contains(&etcdpki::config::ExtKeyUsage::ServerAuth);
    if request.hosts().is_empty() && serves {
        log.warn("the certificate has no hosts, so it has no Subject Alternative Names; TLS servers and etcd peers need their names and IPs there (Go ignores the CN)");
    }
    let issuer = load_issuer(log, ca_file, ca_key_file)?;
    let key = generate(log, request.key())?;
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
    let (csr, cert) = issue_request(
        authority,
        profile,
        request,
        key,
        hosts_overridden,
        OffsetDateTime::now_utc(),
        serial()?,
    )?;
    log.info("encoded CSR");
    log_signed(log, &cert);
    let json = to_json_line(&Bundle {
        cert: Some(cert.to_pem()),
        csr: Some(csr.to_pem()),
        key: key_pem,
    });
    write_stdout(json.as_bytes())
}

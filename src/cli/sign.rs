//! `sign`: a CSR made elsewhere, signed by `-ca`/`-ca-key` under a profile.

use etcdpki::output::{Bundle, to_json_line};
use etcdpki::request::{DistinguishedName, parse_subject_json};
use etcdpki::sign::{Authority, SignError, Subject, parse_csr};
use time::OffsetDateTime;

use super::args::SignArgs;
use super::inputs::{load_issuer, load_policy, require_ca, select_profile};
use super::issuing::{issue_logged, serial};
use super::log::Log;
use super::{Failure, read_input, write_stdout};

/// Runs `sign`.
pub fn run(args: SignArgs) -> Result<(), Failure> {
    let log = Log::from_flag(args.signing.loglevel)?;
    if let Some(remote) = &args.signing.remote {
        return Err(Failure::Usage(format!(
            "-remote {remote}: remote signing is not supported\n  help: sign locally with -ca and -ca-key"
        )));
    }
    let policy = load_policy(&log, args.signing.config.as_deref())?;
    // cfssl: the -csr flag takes precedence over the CSR argument.
    let Some(csr_file) = args.csr_flag.as_deref().or(args.csr.as_deref()) else {
        return Err(Failure::Usage(
            "a CSR is required: etcdpki sign -ca=ca.pem -ca-key=ca-key.pem CSR".into(),
        ));
    };
    let csr_pem = read_input(csr_file, "the CSR")?;
    let input = parse_csr(csr_file, &csr_pem)?;
    let fields = match &args.subject {
        Some(file) => {
            let checked = parse_subject_json(file, &read_input(file, "the subject")?)?;
            log.diagnostics(&checked.warnings);
            checked.value.apply(&input.subject)
        }
        None => input.subject.clone(),
    };
    let (ca_file, ca_key_file) = require_ca(
        args.signing.ca.as_deref(),
        args.signing.ca_key.as_deref(),
        "etcdpki sign -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=NAME CSR",
    )?;
    let profile = select_profile(
        &log,
        &policy,
        args.signing.profile.as_deref(),
        args.signing.crl.as_deref(),
    )?;
    if input.requests_ca && profile.ca().is_none() {
        return Err(SignError::CaNotAllowed(profile.path()).into());
    }
    let hostname = args.signing.hostname.as_deref().filter(|h| !h.is_empty());
    let hosts = match hostname {
        Some(h) => super::inputs::load_hostname_flag(&log, h)?,
        None => input.hosts.clone(),
    };
    let issuer = load_issuer(&log, ca_file, ca_key_file)?;
    let name = DistinguishedName::from_fields(&fields);
    let serial = serial()?;
    let cert = issue_logged(
        &log,
        Authority::Ca(&issuer),
        &profile,
        Subject {
            name: &name,
            hosts: &hosts,
            public_key: &input.public_key,
            csr_extensions: &input.extensions,
            kept_extensions: &[],
            hosts_overridden: hostname.is_some(),
        },
        OffsetDateTime::now_utc(),
        serial,
    )?;
    let json = to_json_line(&Bundle {
        cert: Some(cert.to_pem()),
        csr: Some(String::from_utf8_lossy(&csr_pem).into_owned()),
        key: None,
    });
    write_stdout(json.as_bytes())
}

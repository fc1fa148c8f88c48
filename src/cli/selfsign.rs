//! `selfsign`: a key and a self-signed certificate, with cfssl's defaults.

use etcdpki::config::{GoDuration, Profile};
use etcdpki::output::{Bundle, to_json_line};
use etcdpki::request::parse_host;
use etcdpki::sign::{Authority, SerialNumber, SignError, issue_request, selfsign_profile};
use time::OffsetDateTime;

use super::args::SelfsignArgs;
use super::inputs::{load_policy, load_request, reject_ca_section};
use super::issuing::generate;
use super::log::Log;
use super::{Failure, write_stdout};

/// Runs `selfsign`.
pub fn run(args: SelfsignArgs) -> Result<(), Failure> {
    let log = Log::from_flag(args.loglevel)?;
    let policy = load_policy(&log, args.config.as_deref())?;
    let mut request = load_request(&log, &args.csrjson, None)?;
    reject_ca_section(&args.csrjson, &request)?;
    // cfssl #1404: the HOSTNAME argument is ignored there; here it joins the SANs.
    let host = parse_host(&args.hostname)
        .map_err(|e| Failure::Usage(format!("HOSTNAME {:?}: {}", args.hostname, e.reason)))?;
    request.add_host(host);
    // Without -config cfssl uses its default profile with a 2190h expiry (cli/selfsign);
    // with one, -profile must name a profile.
    let base = match &args.profile {
        Some(name) if args.config.is_some() => {
            super::inputs::select_profile(&log, &policy, Some(name), None)?
        }
        _ => Profile::cfssl_default()
            .with_expiry(GoDuration::from_hours(2190))
            .expect("2190h is positive"),
    };
    let now = OffsetDateTime::now_utc();
    let profile = selfsign_profile(&base, now);
    log.info("generate received request");
    let key = generate(&log, request.key())?;
    let serial = SerialNumber::random_63().map_err(|_| Failure::from(SignError::Random))?;
    // The request has no `ca` section (refused above), so the CSR carries no CA constraint.
    let (csr, cert) = issue_request(
        Authority::SelfSigned(&key),
        &profile,
        &request,
        &key,
        false,
        now,
        serial,
    )?;
    super::issuing::warn_dropped_key_usages(&log, &cert);
    log.warn("self-signed certificates are for tests only: nothing vouches for them; use a CA (gencert -initca) for anything else");
    let json = to_json_line(&Bundle {
        cert: Some(cert.to_pem()),
        csr: Some(csr.to_pem()),
        key: Some(key.to_pem()?),
    });
    write_stdout(json.as_bytes())
}

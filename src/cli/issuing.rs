//! Making keys and certificates for the commands: the key search, the serial, and cfssl's
//! "signed certificate with serial number" log line.

use etcdpki::config::Profile;
use etcdpki::sign::{Authority, Certificate, SerialNumber, SignError, Subject, issue};
use etcdpki::{KeySpec, PrivateKey};
use time::OffsetDateTime;

use super::Failure;
use super::log::Log;

/// gencert makes one key and exits, so RSA searches may race on every core.
pub fn generate(log: &Log, spec: KeySpec) -> Result<PrivateKey, Failure> {
    // cfssl csr.ParseRequest logs "received CSR" before it generates the key.
    log.info("received CSR");
    log.info(&format!("generating key: {spec}"));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Ok(PrivateKey::generate_racing(spec, cores.min(4))?)
}

/// Issues the certificate and logs its serial, as cfssl does.
pub fn issue_logged(
    log: &Log,
    authority: Authority<'_>,
    profile: &Profile,
    subject: Subject<'_>,
    now: OffsetDateTime,
    serial: SerialNumber,
) -> Result<Certificate, Failure> {
    let cert = issue(authority, profile, subject, now, serial)?;
    log_signed(log, &cert);
    Ok(cert)
}

/// cfssl's line for a signed certificate.
pub fn log_signed(log: &Log, cert: &Certificate) {
    log.info(&format!(
        "signed certificate with serial number {}",
        cert.serial()
    ));
    warn_dropped_key_usages(log, cert);
}

/// The profile's key usages an Ed25519 key cannot have, left out of `cert` (RFC 8410 §5).
pub fn warn_dropped_key_usages(log: &Log, cert: &Certificate) {
    let dropped = cert.dropped_key_usages();
    if dropped.is_empty() {
        return;
    }
    let names: Vec<String> = dropped
        .iter()
        .map(|b| format!("{:?}", b.cfssl_name()))
        .collect();
    log.warn(&format!(
        "the certificate's key is Ed25519, so {} from the profile is left out of its key usage (RFC 8410 §5 allows only signing, content commitment, cert sign and crl sign; cfssl writes it anyway)",
        names.join(", ")
    ));
}

/// A fresh random serial.
pub fn serial() -> Result<SerialNumber, Failure> {
    SerialNumber::random().map_err(|_| Failure::from(SignError::Random))
}

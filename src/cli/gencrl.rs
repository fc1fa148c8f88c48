//! `gencrl INPUTFILE CERT KEY [TIME]`: cfssl's CRL command, with its arguments, output (the
//! DER CRL in base64 on one line) and exit codes (1 for every failure, missing arguments
//! included, as cfssl's `cli.Start` returns them).

use base64::Engine as _;
use etcdpki::PrivateKey;
use etcdpki::sign::{Issuer, gencrl, parse_gencrl_time, parse_serial_list};
use time::OffsetDateTime;

use super::args::GencrlArgs;
use super::log::Log;
use super::{Failure, Holds, read_pki_input, write_stdout};

/// Runs `gencrl`.
pub fn run(args: GencrlArgs) -> Result<(), Failure> {
    let log = Log::from_flag(args.loglevel)?;
    let (Some(list_file), Some(cert_file), Some(key_file)) = (
        args.serials.as_deref(),
        args.cert.as_deref(),
        args.key.as_deref(),
    ) else {
        // cfssl: cli.PopFirstArgument's error, and exit 1.
        return Err(Failure::Run(
            "not enough arguments are supplied --- please refer to the usage\n  help: etcdpki gencrl INPUTFILE CERT KEY [TIME]".into(),
        ));
    };
    let list = read_pki_input(list_file, "the serial list", Holds::Public)?;
    let cert_pem = read_pki_input(cert_file, "the CA certificate", Holds::Public)?;
    let key_pem = zeroize::Zeroizing::new(read_pki_input(key_file, "the CA key", Holds::Key)?);
    let validity = parse_gencrl_time(args.time.as_deref().unwrap_or("0"))?;
    let serials = parse_serial_list(list_file, &list)?;
    let key =
        PrivateKey::from_pem(&key_pem).map_err(|e| Failure::Run(format!("{key_file}: {e}")))?;
    let (ca, warnings) = Issuer::from_pem(cert_file, &cert_pem, key_file, key)?;
    for w in warnings {
        log.warn(&format!("{cert_file}: {w}"));
    }
    if validity.is_negative() {
        log.warn(&format!(
            "TIME {}: the CRL's nextUpdate is in the past (cfssl makes it too; etcd does not check, other readers refuse it)",
            validity.whole_seconds()
        ));
    }
    for s in serials.iter().filter(|s| s.is_negative()) {
        log.warn(&format!(
            "{list_file}: serial {} is negative (RFC 5280 §4.1.2.2); etcd compares magnitudes and will refuse the certificate with serial {}",
            s.to_decimal(),
            s.to_decimal().trim_start_matches('-')
        ));
    }
    let der = gencrl(&ca, &serials, OffsetDateTime::now_utc(), validity)?;
    let mut line = base64::engine::general_purpose::STANDARD.encode(der);
    line.push('\n');
    write_stdout(line.as_bytes())
}

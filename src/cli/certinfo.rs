//! `certinfo` (and `cfssl-certinfo`): a certificate, a CSR or a server's certificate as JSON.

use std::time::Duration;

use etcdpki::certinfo::{cert_info, csr_info, to_json_pretty};
use etcdpki::certinfo::{fetch_certificates, split_host_port};

use super::args::CertinfoArgs;
use super::{Failure, read_input, write_stdout};

/// cfssl dials with a 5 s timeout (certinfo.ParseCertificateDomain).
const DIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `certinfo`.
pub fn run(args: CertinfoArgs) -> Result<(), Failure> {
    if let Some(file) = &args.cert {
        let der = first_block(
            file,
            &read_input(file, "the certificate")?,
            &["CERTIFICATE"],
        )?;
        let info = cert_info(&der).map_err(|e| Failure::Run(format!("{file}: {e}")))?;
        return write_stdout(to_json_pretty(&info).as_bytes());
    }
    if let Some(file) = &args.csr {
        let der = first_block(
            file,
            &read_input(file, "the CSR")?,
            &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"],
        )?;
        let info = csr_info(&der).map_err(|e| Failure::Run(format!("{file}: {e}")))?;
        return write_stdout(to_json_pretty(&info).as_bytes());
    }
    if let Some(domain) = &args.domain {
        let (host, port) = split_host_port(domain).map_err(|e| Failure::Usage(e.to_string()))?;
        let chain = fetch_certificates(&host, port, DIAL_TIMEOUT)?;
        let info = cert_info(&chain[0]).map_err(|e| Failure::Run(format!("{domain}: {e}")))?;
        return write_stdout(to_json_pretty(&info).as_bytes());
    }
    if args.serial.is_some() || args.aki.is_some() || args.db_config.is_some() {
        return Err(Failure::Usage(
            "certificate database lookups (-serial, -aki, -db-config) are not supported; use -cert FILE".into(),
        ));
    }
    Err(Failure::Usage(
        "specify what to show: -cert FILE, -csr FILE or -domain HOST[:PORT] (cfssl: Must specify certinfo target)".into(),
    ))
}

/// The DER of the first PEM block with one of `labels`.
fn first_block(file: &str, bytes: &[u8], labels: &[&str]) -> Result<Vec<u8>, Failure> {
    let blocks =
        pem::parse_many(bytes).map_err(|e| Failure::Run(format!("{file}: invalid PEM: {e}")))?;
    blocks
        .into_iter()
        .find(|b| labels.contains(&b.tag()))
        .map(pem::Pem::into_contents)
        .ok_or_else(|| Failure::Run(format!("{file}: no PEM {} block found", labels[0])))
}

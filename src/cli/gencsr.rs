//! `gencsr`: a CSR for an existing key, from a request or from the certificate it renews.

use etcdpki::output::{Bundle, to_json_line};
use etcdpki::request::{CaRequest, DistinguishedName, Host, NameFields};
use etcdpki::sign::build_csr;

use super::args::GencsrArgs;
use super::inputs::{load_hostname_flag, load_request, read_key};
use super::log::Log;
use super::{Failure, read_input, write_stdout};

/// Runs `gencsr`.
pub fn run(args: GencsrArgs) -> Result<(), Failure> {
    let log = Log::from_flag(args.loglevel)?;
    let Some(key_file) = &args.key else {
        return Err(Failure::Usage(
            "-key is required: etcdpki gencsr -key KEY CSRJSON (or -cert CERT)".into(),
        ));
    };
    let key_pem = read_input(key_file, "the key")?;
    let key = read_key(key_file)?;
    let (fields, mut hosts, ca) = match (&args.cert, &args.csrjson) {
        (Some(cert), None) => from_certificate(cert, &key)?,
        (None, Some(file)) => {
            let request = load_request(&log, file, args.hostname.as_deref())?;
            (
                request.subject_fields(),
                request.hosts().to_vec(),
                request.ca().cloned(),
            )
        }
        (Some(_), Some(_)) => return Err(Failure::Usage("give CSRJSON or -cert, not both".into())),
        (None, None) => return Err(Failure::Usage("a CSRJSON or -cert is required".into())),
    };
    if let Some(h) = args.hostname.as_deref().filter(|h| !h.is_empty()) {
        hosts = load_hostname_flag(&log, h)?;
    }
    let csr = build_csr(
        &DistinguishedName::from_fields(&fields),
        &hosts,
        ca.as_ref(),
        &key,
    )?;
    log.info("encoded CSR");
    let json = to_json_line(&Bundle {
        cert: None,
        csr: Some(csr.to_pem()),
        key: Some(String::from_utf8_lossy(&key_pem).into_owned()),
    });
    write_stdout(json.as_bytes())
}

/// What cfssl's `csr.ExtractCertificateRequest` takes from a certificate: the subject, the
/// SANs and, for a CA, its path length. The key must be the certificate's.
fn from_certificate(
    file: &str,
    key: &etcdpki::PrivateKey,
) -> Result<(NameFields, Vec<Host>, Option<CaRequest>), Failure> {
    let bad = |reason: String| Failure::Run(format!("{file}: {reason}"));
    let blocks = pem::parse_many(read_input(file, "the certificate")?)
        .map_err(|e| bad(format!("invalid PEM: {e}")))?;
    let block = blocks
        .iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .ok_or_else(|| bad("no PEM CERTIFICATE block found".into()))?;
    let cert = etcdpki::x509::parse_certificate(block.contents())
        .map_err(|e| bad(format!("not a valid certificate: {e}")))?;
    if cert.public_key().subject_public_key.data.as_ref() != key.public_key().key_bits() {
        return Err(bad(
            "the certificate is not for this key; a renewal CSR must use the certificate's key"
                .into(),
        ));
    }
    // cfssl rebuilds a request from the subject and names it with `appendIf`: empty values go.
    let fields = NameFields::from_x509(cert.subject())
        .map_err(|e| bad(e.to_string()))?
        .without_empty_values();
    let hosts = Host::from_certificate(&cert);
    let ca = match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => Some(CaRequest {
            path_len: bc.value.path_len_constraint,
            ..CaRequest::default()
        }),
        _ => None,
    };
    Ok((fields, hosts, ca))
}

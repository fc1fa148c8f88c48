//! `genkey`: a key and a CSR for an external CA; `-initca` is `gencert -initca`.

use etcdpki::output::{Bundle, to_json_line};
use etcdpki::sign::{RequestExtras, build_csr_with};

use super::args::GenkeyArgs;
use super::gencert::initca;
use super::inputs::{load_policy, load_request, reject_ca_section};
use super::issuing::generate;
use super::log::Log;
use super::{Failure, write_stdout};

/// Runs `genkey`.
pub fn run(args: GenkeyArgs) -> Result<(), Failure> {
    let log = Log::from_flag(args.loglevel)?;
    // cfssl loads and checks -config although genkey never signs with it.
    load_policy(&log, args.config.as_deref())?;
    let request = load_request(&log, &args.csrjson, None)?;
    if args.initca {
        return initca(&log, &request, &args.csrjson, None);
    }
    reject_ca_section(&args.csrjson, &request)?;
    log.info("generate received request");
    let key = generate(&log, request.key())?;
    let csr = build_csr_with(
        &request.subject(),
        request.hosts(),
        None,
        &RequestExtras::of(&request),
        &key,
    )?;
    log.info("encoded CSR");
    let json = to_json_line(&Bundle {
        cert: None,
        csr: Some(csr.to_pem()),
        key: Some(key.to_pem()?),
    });
    write_stdout(json.as_bytes())
}

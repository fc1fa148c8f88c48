//! `json` (cfssljson): cfssl JSON on stdin or `-f` → `BASE.pem`, `BASE-key.pem`, `BASE.csr`.

use base64::Engine as _;
use etcdpki::output::parse_cfssljson;
use etcdpki::pki::{PlannedFile, replaced_ca_keys, write_files};
use std::path::PathBuf;

use super::args::JsonArgs;
use super::log::warn_exposed_keys;
use super::{Failure, read_input, write_stdout};

/// Runs `json`.
pub fn run(args: JsonArgs) -> Result<(), Failure> {
    if args.version {
        return super::version();
    }
    let input = read_input(&args.file, "the input")?;
    let set = parse_cfssljson(&args.file, &input, args.bare)?;
    if args.stdout {
        let mut text = Vec::new();
        for f in &set.files {
            if f.binary {
                text.extend(
                    base64::engine::general_purpose::STANDARD
                        .encode(&f.contents)
                        .into_bytes(),
                );
            } else {
                text.extend_from_slice(&f.contents);
            }
            text.push(b'\n');
        }
        return write_stdout(&text);
    }
    let planned: Vec<PlannedFile> = set
        .files
        .into_iter()
        .map(|f| {
            let path = PathBuf::from(format!("{}{}", args.basename, f.suffix));
            if f.secret {
                PlannedFile::key(&path, f.contents)
            } else {
                PlannedFile::public(&path, f.contents)
            }
        })
        .collect();
    if !args.overwrite_ca_key
        && let Some(key) = replaced_ca_keys(&planned).first()
    {
        return Err(Failure::Run(format!(
            "{}: refusing to replace the key of the CA {}.pem with a new one: every certificate the old CA signed would stop verifying. Nothing was written.\n  help: to renew the CA with its key use `etcdpki gencert -renewca`; to really start a new CA, pass -overwrite-ca-key (cfssljson overwrites silently)",
            key.display(),
            args.basename
        )));
    }
    warn_exposed_keys(&planned);
    write_files(&planned)?;
    Ok(())
}

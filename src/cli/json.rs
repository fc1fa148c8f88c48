//! `json` (cfssljson): cfssl JSON on stdin or `-f` → `BASE.pem`, `BASE-key.pem`, `BASE.csr`.

use base64::Engine as _;
use etcdpki::output::parse_cfssljson;
use etcdpki::pki::{PlannedFile, backup_of, replaced_ca_keys, write_files};
use std::path::PathBuf;

use super::args::JsonArgs;
use super::log::{eprint_line, recovery_note, warn_exposed_keys};
use super::{Failure, Personality, read_input, write_stdout};

/// Runs `json`; as `cfssljson`, an existing CA's key is replaced as cfssljson replaces it,
/// after a backup of the old pair.
pub fn run(args: JsonArgs, personality: Personality) -> Result<(), Failure> {
    if args.version {
        return super::version(personality);
    }
    if !args.ignored.is_empty() {
        // cmd/cfssljson uses flag.Arg(0) only; `cfssljson -bare ca -` is in many guides.
        eprint_line(&format!(
            "warning: only the first argument names the files; ignoring {} (as cfssljson does)",
            args.ignored
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    // The input holds the private key: wiped when the run is done with it.
    let input = zeroize::Zeroizing::new(read_input(&args.file, "the input")?);
    let set = parse_cfssljson(&args.file, &input, args.bare)?;
    if args.stdout {
        let mut text = Vec::new();
        for f in &set.files {
            if f.binary {
                text.extend(
                    base64::engine::general_purpose::STANDARD
                        .encode(f.contents.bytes())
                        .into_bytes(),
                );
            } else {
                text.extend_from_slice(f.contents.bytes());
            }
            text.push(b'\n');
        }
        return write_stdout(&text);
    }
    // The certificate last: the other files of its pair are in place before it is.
    let mut files = set.files;
    files.sort_by_key(|f| f.suffix == ".pem");
    let planned: Vec<PlannedFile> = files
        .into_iter()
        .map(|f| {
            let path = PathBuf::from(format!("{}{}", args.basename, f.suffix));
            PlannedFile::of(&path, f.contents)
        })
        .collect();
    let wait = std::time::Duration::from_nanos(args.lock_timeout.as_nanos().unsigned_abs());
    let replaced = replaced_ca_keys(&planned);
    if personality == Personality::Cfssljson && !replaced.is_empty() {
        return write(&with_backups(&replaced, planned)?, wait);
    }
    if !args.overwrite_ca_key
        && let Some(key) = replaced.first()
    {
        return Err(Failure::Run(format!(
            "{}: refusing to replace the key of the CA {}.pem with a new one: every certificate the old CA signed would stop verifying; nothing was written\n  help: to renew the CA with its key use `etcdpki gencert -renewca`; to really start a new CA, pass -overwrite-ca-key (cfssljson overwrites silently)",
            key.display(),
            args.basename
        )));
    }
    write(&planned, wait)
}

/// cfssljson replaces a CA's key; under its name the old pairs are kept first: the backups
/// (with a warning naming them), then `planned`, so the backups are in place before any rename
/// replaces what they keep.
fn with_backups(
    replaced_keys: &[PathBuf],
    planned: Vec<PlannedFile>,
) -> Result<Vec<PlannedFile>, Failure> {
    let mut files = Vec::new();
    for key in replaced_keys {
        let backups = backup_of(key, time::OffsetDateTime::now_utc())?;
        let names: Vec<String> = backups
            .iter()
            .map(|b| b.path.display().to_string())
            .collect();
        eprint_line(&format!(
            "warning: {}: the CA's key is replaced by a new one, as cfssljson does; the old CA is kept as {}",
            key.display(),
            names.join(" and ")
        ));
        files.extend(backups);
    }
    files.extend(planned);
    Ok(files)
}

/// Writes the set (after finishing or dropping what a killed run left, waiting at most `wait`
/// for another run writing there), saying what recovery did and what the user should know.
fn write(files: &[PlannedFile], wait: std::time::Duration) -> Result<(), Failure> {
    warn_exposed_keys(files);
    let written = write_files(files, wait)?;
    for done in &written.recovered {
        eprint_line(&recovery_note(done));
    }
    for warning in &written.warnings {
        eprint_line(&format!("warning: {warning}"));
    }
    Ok(())
}

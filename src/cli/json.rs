//! `json` (cfssljson): cfssl JSON on stdin or `-f` → `BASE.pem`, `BASE-key.pem`, `BASE.csr`.

use base64::Engine as _;
use etcdpki::output::{PlannedFile, parse_cfssljson, write_files};

use super::args::JsonArgs;
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
        .map(|f| PlannedFile {
            path: format!("{}{}", args.basename, f.suffix).into(),
            contents: f.contents,
            mode: f.mode,
        })
        .collect();
    write_files(&planned)?;
    Ok(())
}

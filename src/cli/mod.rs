//! The command-line shell: argv → the library → stdout, stderr and an exit code.
//!
//! The only place that knows about argv, standard streams and exit codes (docs/style.md, "The
//! command line is a shell"). The binary's name picks its personality: `cfssljson` is
//! `etcdpki json`, `cfssl` is etcdpki with cfssl's command names, anything else is etcdpki.

mod args;
mod certinfo;
mod cluster;
mod expiry;
mod gencert;
mod gencrl;
mod gencsr;
mod genkey;
mod goflag;
mod inputs;
mod issuing;
mod json;
mod lint;
mod log;
mod print_defaults;
mod renew;
mod selfsign;
mod sign;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use etcdpki::ErrorKind;

use args::{Cli, Command, JsonArgs};

/// Why a command failed, and with which exit code.
#[derive(Debug)]
pub enum Failure {
    /// The command ran and failed: exit 1.
    Run(String),
    /// The command line is wrong: exit 2.
    Usage(String),
    /// Help or version was asked for: printed on stdout, exit 0.
    Help(String),
}

/// Library errors, by kind, are the command's failure: exit 1 under every kind (docs/cli.md,
/// "Exit codes"). The match is written out so that a new kind must be given its code here.
impl<E: Into<etcdpki::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error: etcdpki::Error = e.into();
        match error.kind() {
            ErrorKind::Input
            | ErrorKind::Io
            | ErrorKind::Busy
            | ErrorKind::Crypto
            | ErrorKind::Command => Failure::Run(error.to_string()),
            _ => Failure::Run(error.to_string()),
        }
    }
}

/// Runs the program and returns its exit code.
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let program = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "etcdpki".into());
    let rest = argv.get(1..).unwrap_or_default();
    let result = if program == "cfssljson" {
        run_json_personality(rest)
    } else if program == "cfssl-certinfo" {
        run_subcommand_as(&program, "certinfo", rest)
    } else {
        run_subcommand(&program, rest)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Run(message)) => {
            report(&message);
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            report(&message);
            ExitCode::from(2)
        }
        Err(Failure::Help(text)) => match write_stdout(text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        },
    }
}

/// Prints an error: our messages already start with `error:` where they come from diagnostics.
fn report(message: &str) {
    if message.starts_with("error: ") {
        log::eprint_line(message);
    } else {
        log::eprint_line(&format!("error: {message}"));
    }
}

fn run_subcommand(program: &str, args: &[OsString]) -> Result<(), Failure> {
    let mut cli = Cli::command()
        .name(program.to_owned())
        .bin_name(program.to_owned());
    let Some(sub_name) = args.first().and_then(|a| a.to_str()) else {
        cli.print_help().ok();
        return Err(Failure::Usage("a command is required".into()));
    };
    // Go style `cfssl -version` is the version command.
    if sub_name == "-version" || sub_name == "--version" {
        return version();
    }
    let normalized = match cli.find_subcommand(sub_name) {
        Some(sub) => {
            let flags = goflag::normalize(sub, &args[1..]).map_err(|e| {
                Failure::Usage(format!("{}\n  help: run '{program} {sub_name} -help'", e.0))
            })?;
            std::iter::once(OsString::from(program))
                .chain(std::iter::once(OsString::from(sub_name)))
                .chain(flags)
                .collect::<Vec<_>>()
        }
        None => std::iter::once(OsString::from(program))
            .chain(args.iter().cloned())
            .collect(),
    };
    let matches = cli
        .try_get_matches_from_mut(normalized)
        .map_err(clap_failure)?;
    let parsed = Cli::from_arg_matches(&matches).map_err(clap_failure)?;
    match parsed.command {
        Command::Certinfo(a) => certinfo::run(a),
        Command::Cluster(a) => cluster::run(a),
        Command::Expiry(a) => expiry::run(a),
        Command::Gencert(a) => gencert::run(a),
        Command::Gencrl(a) => gencrl::run(a),
        Command::Gencsr(a) => gencsr::run(a),
        Command::Genkey(a) => genkey::run(a),
        Command::Json(a) => json::run(a),
        Command::Lint(a) => lint::run(a),
        Command::PrintDefaults(a) => print_defaults::run(&a.kind),
        Command::Renew(a) => renew::run(a),
        Command::Selfsign(a) => selfsign::run(a),
        Command::Sign(a) => sign::run(a),
        Command::Version => version(),
    }
}

/// `version`, in cfssl's form.
pub fn version() -> Result<(), Failure> {
    write_stdout(
        format!(
            "Version: {}\nRuntime: etcdpki (Rust)\n",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    )
}

/// `cfssljson [flags] [BASENAME]`: the `json` subcommand under its own name.
fn run_json_personality(args: &[OsString]) -> Result<(), Failure> {
    let matches = personality_matches("cfssljson", "json", args)?;
    json::run(JsonArgs::from_arg_matches(&matches).map_err(clap_failure)?)
}

/// `cfssl-certinfo [flags]`: the `certinfo` subcommand under its own name.
fn run_subcommand_as(program: &str, sub: &str, args: &[OsString]) -> Result<(), Failure> {
    let matches = personality_matches(program, sub, args)?;
    certinfo::run(args::CertinfoArgs::from_arg_matches(&matches).map_err(clap_failure)?)
}

/// Parses `args` for subcommand `sub` presented as the program `program`.
fn personality_matches(
    program: &str,
    sub: &str,
    args: &[OsString],
) -> Result<clap::ArgMatches, Failure> {
    let cli = Cli::command();
    let command = cli
        .find_subcommand(sub)
        .expect("personalities name defined subcommands")
        .clone()
        .name(program.to_owned())
        .bin_name(program.to_owned());
    let flags = goflag::normalize(&command, args)
        .map_err(|e| Failure::Usage(format!("{}\n  help: run '{program} -help'", e.0)))?;
    let normalized = std::iter::once(OsString::from(program)).chain(flags);
    command
        .try_get_matches_from(normalized)
        .map_err(clap_failure)
}

/// clap's own help and version output succeed; its errors are usage errors.
fn clap_failure(e: clap::Error) -> Failure {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Failure::Help(e.render().to_string()),
        _ => Failure::Usage(
            e.render()
                .to_string()
                .trim_end()
                .trim_start_matches("error: ")
                .to_owned(),
        ),
    }
}

/// Reads a named input file, or standard input for `-`.
pub fn read_input(path: &str, what: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Run(format!("<stdin>: cannot read {what}: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ if Path::new(path).is_dir() => "is a directory".to_owned(),
            _ => e.to_string(),
        };
        Failure::Run(format!("{path}: cannot read {what}: {reason}"))
    })
}

/// Writes to standard output; a closed pipe ends the program quietly, as it would for cat.
#[allow(
    clippy::print_stdout,
    reason = "the CLI's one place that writes to stdout"
)]
pub fn write_stdout(text: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Run(format!("<stdout>: {e}"))),
    }
}

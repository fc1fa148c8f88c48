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
mod install;
mod issuing;
mod json;
mod lint;
mod log;
mod print_defaults;
mod renew;
mod revoke;
mod rotate_ca;
mod selfsign;
mod sign;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use etcdpki::ErrorKind;
use etcdpki::diag::io_reason;

use args::{Cli, Command, JsonArgs};

/// Why a command failed; [`Personality::exit_code`] turns it into an exit code.
#[derive(Debug)]
pub enum Failure {
    /// The command ran and failed: exit 1.
    Run(String),
    /// The command line is wrong: exit 2 as etcdpki, 1 under cfssl's names.
    Usage(String),
    /// Go `flag` syntax refused (an undefined flag, a missing value): exit 2 under every name,
    /// as Go's `flag.ExitOnError` exits.
    Flag(String),
    /// Help or version was asked for: printed on stdout, exit 0.
    Help(String),
}

/// The name the binary runs under, which picks its commands and its exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Personality {
    /// `etcdpki` (or any other name): the documented 0/1/2 contract (docs/cli.md).
    Etcdpki,
    /// `cfssl`.
    Cfssl,
    /// `cfssljson`: the `json` command.
    Cfssljson,
    /// `cfssl-certinfo`: the `certinfo` command.
    CfsslCertinfo,
}

impl Personality {
    /// The personality of the program name `argv[0]` ends with.
    pub fn of(program: &str) -> Self {
        match program {
            "cfssl" => Self::Cfssl,
            "cfssljson" => Self::Cfssljson,
            "cfssl-certinfo" => Self::CfsslCertinfo,
            _ => Self::Etcdpki,
        }
    }

    /// Invoked under one of cfssl's names.
    pub fn is_cfssl(self) -> bool {
        self != Self::Etcdpki
    }

    /// The exit code of `failure`. cfssl's commands exit 1 on every error they return
    /// (cmd/cfssl, cmd/cfssljson: `os.Exit(1)`), and scripts and cfssl's own tests check for
    /// it; only Go's flag parser exits 2. etcdpki keeps 2 for every usage error.
    fn exit_code(self, failure: &Failure) -> u8 {
        match failure {
            Failure::Help(_) => 0,
            Failure::Run(_) => 1,
            Failure::Usage(_) if self.is_cfssl() => 1,
            Failure::Usage(_) | Failure::Flag(_) => 2,
        }
    }
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

/// A crash must not write the keys in memory to a core file, nor may another process of the
/// same user read them through ptrace or /proc/PID/mem: RLIMIT_CORE 0 (setrlimit(2)) and
/// PR_SET_DUMPABLE 0 (prctl(2)), first thing. Both only lower privileges, so a failure (a
/// sandbox that forbids prctl) is not worth stopping for.
fn no_core_dumps() {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let none = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    let _ = setrlimit(Resource::Core, none);
    let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
}

/// Runs the program and returns its exit code.
pub fn main() -> ExitCode {
    no_core_dumps();
    let argv: Vec<OsString> = std::env::args_os().collect();
    let program = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "etcdpki".into());
    let rest = argv.get(1..).unwrap_or_default();
    let personality = Personality::of(&program);
    let result = match personality {
        Personality::Cfssljson => run_json_personality(rest),
        Personality::CfsslCertinfo => run_subcommand_as(&program, "certinfo", rest),
        Personality::Etcdpki | Personality::Cfssl => run_subcommand(&program, personality, rest),
    };
    let Err(failure) = result else {
        return ExitCode::SUCCESS;
    };
    let code = personality.exit_code(&failure);
    match failure {
        Failure::Help(text) => match write_stdout(text.as_bytes()) {
            Ok(()) => ExitCode::from(code),
            Err(_) => ExitCode::from(1),
        },
        Failure::Run(message) | Failure::Usage(message) | Failure::Flag(message) => {
            report(&message);
            ExitCode::from(code)
        }
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

fn run_subcommand(
    program: &str,
    personality: Personality,
    args: &[OsString],
) -> Result<(), Failure> {
    let mut cli = Cli::command()
        .name(program.to_owned())
        .bin_name(program.to_owned());
    let Some(sub_name) = args.first().and_then(|a| a.to_str()) else {
        cli.print_help().ok();
        return Err(Failure::Usage("a command is required".into()));
    };
    // Go style `cfssl -version` is the version command.
    if sub_name == "-version" || sub_name == "--version" {
        return version(personality);
    }
    let normalized = match cli.find_subcommand(sub_name) {
        Some(sub) => {
            // `rotate-ca STEP` names its step first; every other command takes flags first.
            let normalize = if sub_name == "rotate-ca" {
                goflag::normalize_after_verb
            } else {
                goflag::normalize
            };
            let flags = normalize(sub, &args[1..]).map_err(|e| {
                Failure::Flag(format!("{}\n  help: run '{program} {sub_name} -help'", e.0))
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
        Command::Completion(a) => install::completion(a),
        Command::Expiry(a) => expiry::run(a),
        Command::Gencert(a) => gencert::run(a),
        Command::Gencrl(a) => gencrl::run(a),
        Command::Gencsr(a) => gencsr::run(a),
        Command::Genkey(a) => genkey::run(a),
        Command::Json(a) => json::run(a, personality),
        Command::Lint(a) => lint::run(a),
        Command::Man(a) => install::man(a),
        Command::PrintDefaults(a) => print_defaults::run(&a.kind),
        Command::Renew(a) => renew::run(a),
        Command::Revoke(a) => revoke::run(a),
        Command::RotateCa(a) => rotate_ca::run(a),
        Command::Selfsign(a) => selfsign::run(a),
        Command::Sign(a) => sign::run(a),
        Command::Version => version(personality),
    }
}

/// The cfssl release whose behaviour etcdpki follows where releases differ (docs/compat.md).
const CFSSL_VERSION: &str = "1.6.5";

/// `version`, in cfssl's two-line shape (cli/version: `Version: …` then `Runtime: …`). Under
/// cfssl's names it claims the cfssl release whose behaviour it follows, so scripts that check
/// for cfssl ≥ 1.3.4 pass, and names itself on the `Runtime:` line.
pub fn version(personality: Personality) -> Result<(), Failure> {
    let own = env!("CARGO_PKG_VERSION");
    let text = if personality.is_cfssl() {
        format!("Version: {CFSSL_VERSION}\nRuntime: etcdpki {own}\n")
    } else {
        format!("Version: {own}\nRuntime: etcdpki (Rust)\n")
    };
    write_stdout(text.as_bytes())
}

/// `cfssljson [flags] [BASENAME]`: the `json` subcommand under its own name.
fn run_json_personality(args: &[OsString]) -> Result<(), Failure> {
    let matches = personality_matches("cfssljson", "json", args)?;
    json::run(
        JsonArgs::from_arg_matches(&matches).map_err(clap_failure)?,
        Personality::Cfssljson,
    )
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
        .map_err(|e| Failure::Flag(format!("{}\n  help: run '{program} -help'", e.0)))?;
    let normalized = std::iter::once(OsString::from(program)).chain(flags);
    command
        .try_get_matches_from(normalized)
        .map_err(clap_failure)
}

/// clap's own help and version output succeed; a flag value it refuses is a flag error, as
/// in Go's parser; its other errors are usage errors.
fn clap_failure(e: clap::Error) -> Failure {
    use clap::error::ErrorKind;
    let text = || {
        e.render()
            .to_string()
            .trim_end()
            .trim_start_matches("error: ")
            .to_owned()
    };
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Failure::Help(e.render().to_string()),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Failure::Flag(text()),
        _ => Failure::Usage(text()),
    }
}

/// Reads a named input file, or standard input for `-`, at most
/// [`etcdpki::pki::MAX_FILE_BYTES`] (8 MiB: far more than any certificate, request, key or
/// JSON file etcdpki reads; docs/security.md). A larger input is an error naming it, never
/// read whole. Named files are opened as cfssl opens them (a FIFO such as `<(…)` works).
pub fn read_input(path: &str, what: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        return read_capped(std::io::stdin().lock(), "<stdin>", what);
    }
    let file = std::fs::File::open(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => io_reason(&e),
        };
        Failure::Run(format!("{path}: cannot read {what}: {reason}"))
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Failure::Run(format!(
            "{path}: cannot read {what}: is a directory"
        )));
    }
    read_capped(file, path, what)
}

/// All of `reader` if it holds at most the cap.
fn read_capped(reader: impl Read, shown: &str, what: &str) -> Result<Vec<u8>, Failure> {
    let cap = etcdpki::pki::MAX_FILE_BYTES;
    let mut buf = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Failure::Run(format!("{shown}: cannot read {what}: {}", io_reason(&e))))?;
    if buf.len() as u64 > cap {
        return Err(Failure::Run(format!(
            "{shown}: cannot read {what}: larger than the {} MiB etcdpki reads (docs/security.md)",
            cap >> 20
        )));
    }
    Ok(buf)
}

/// What a file named on the command line holds, which decides how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// A private key: never read through a link (docs/security.md, guarantee 1).
    Key,
    /// A certificate, a list or a request: public, so a link to a regular file is followed.
    Public,
}

/// The bytes of `path` (`-` for standard input) through the safe file-system module: a regular
/// file only (never blocking on a FIFO), at most 8 MiB, and a key never through a link. Errors
/// name the file and `what` it should hold.
pub fn read_pki_input(path: &str, what: &str, holds: Holds) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        return read_input(path, what);
    }
    let shown = Path::new(path);
    let read = match holds {
        Holds::Key => etcdpki::pki::fs::read_path(shown),
        Holds::Public => etcdpki::pki::fs::read_path_following(shown),
    };
    match read {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(Failure::Run(format!(
            "{path}: cannot read {what}: no such file"
        ))),
        Err(etcdpki::pki::FsError::Io { source, .. }) => Err(Failure::Run(format!(
            "{path}: cannot read {what}: {}",
            etcdpki::pki::scan::io_reason(&source)
        ))),
        Err(e) => Err(Failure::Run(format!("{e} (reading {what})"))),
    }
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
        Err(e) => Err(Failure::Run(format!("<stdout>: {}", io_reason(&e)))),
    }
}

//! `completion` and `man`: what distributions package beside the binary, generated from the
//! same clap definition that parses the command line, so they never drift from it.
//!
//! Takes a shell or a command name; returns the script or the roff page on stdout.

use clap::CommandFactory;

use super::args::{Cli, CompletionArgs, ManArgs};
use super::{Failure, write_stdout};

/// The name completions and pages are written for: the installed binary's name. The cfssl
/// links take cfssl's own command lines, which cfssl never shipped completions for.
const BIN: &str = "etcdpki";

/// Runs `completion SHELL`.
pub fn completion(args: CompletionArgs) -> Result<(), Failure> {
    let mut cli = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli, BIN, &mut script);
    write_stdout(&script)
}

/// Runs `man [COMMAND]`: etcdpki(1), or etcdpki-COMMAND(1) for one command.
pub fn man(args: ManArgs) -> Result<(), Failure> {
    let cli = Cli::command().name(BIN).bin_name(BIN);
    let page = match args.command.as_deref() {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<String> = cli
                    .get_subcommands()
                    .map(|c| format!("{:?}", c.get_name()))
                    .collect();
                return Err(Failure::Usage(format!(
                    "unknown command {name:?}; expected one of {}",
                    names.join(", ")
                )));
            };
            let title = format!("{BIN}-{name}");
            sub.clone()
                .name(title)
                .bin_name(format!("{BIN} {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| Failure::Run(format!("<stdout>: cannot render the manual page: {e}")))?;
    write_stdout(&roff)
}

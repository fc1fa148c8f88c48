//! The arguments of the commands that install etcdpki itself: `completion` and `man`.

use clap::Args;

/// `completion SHELL`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

pub(super) const COMPLETION_HELP: &str = "EXAMPLES:
  source <(etcdpki completion bash)
  etcdpki completion bash > /usr/share/bash-completion/completions/etcdpki
  etcdpki completion zsh > /usr/local/share/zsh/site-functions/_etcdpki
  etcdpki completion fish > ~/.config/fish/completions/etcdpki.fish

EXIT CODES:
  0  success
  2  usage error (an unknown shell)";

/// `man [COMMAND]`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command whose page to print (etcdpki-COMMAND(1)); without it, etcdpki(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

pub(super) const MAN_HELP: &str = "EXAMPLES:
  etcdpki man > /usr/local/share/man/man1/etcdpki.1
  etcdpki man gencert | man -l -

EXIT CODES:
  0  success
  2  usage error (an unknown command)";

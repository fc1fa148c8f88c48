//! The command-line grammar (clap derive). Flags are written Go style in practice (`-ca=ca.pem`);
//! `goflag` rewrites them before clap sees them. [`cfssl`] holds the commands cfssl has, [`etcd`]
//! etcdpki's own, [`values`] the flag values parsed at the edge into the library's types.

use clap::{Parser, Subcommand};

mod cfssl;
mod etcd;
mod install;
mod rotate;
mod values;

pub use cfssl::*;
pub use etcd::*;
pub use install::*;
pub use rotate::*;

use cfssl::{
    CERTINFO_HELP, GENCRL_HELP, GENCSR_HELP, GENKEY_HELP, PRINT_DEFAULTS_HELP, SELFSIGN_HELP,
    SIGN_HELP,
};
use etcd::{CLUSTER_HELP, EXPIRY_HELP, LINT_HELP, RENEW_HELP, REVOKE_HELP};
use install::{COMPLETION_HELP, MAN_HELP};
use rotate::ROTATE_CA_HELP;

/// etcdpki: cfssl-compatible certificates for etcd clusters.
#[derive(Debug, Parser)]
#[command(
    name = "etcdpki",
    version,
    after_help = "Flags may be written Go style, as cfssl does: -ca=ca.pem, -ca ca.pem, --ca=ca.pem.\nInvoked as `cfssl` or `cfssljson` (a link or a copy), etcdpki behaves as that tool.\n\nEXIT CODES:\n  0  success\n  1  the command failed (each command's --help says when; docs/cli.md has the table)\n  2  usage error (unknown command or flag, missing argument)"
)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// When each certificate under PATH expires (a table, or JSON for monitoring).
    #[command(after_help = EXPIRY_HELP)]
    Expiry(ExpiryArgs),
    /// Generate a key and a certificate: a CA with -initca, else one signed by -ca/-ca-key.
    Gencert(GencertArgs),
    /// Make a CRL of the serials in a file, signed by a CA, as cfssl gencrl does (base64 DER).
    #[command(after_help = GENCRL_HELP)]
    Gencrl(GencrlArgs),
    /// Show what a certificate, a CSR or a TLS server's certificate says, as JSON.
    #[command(after_help = CERTINFO_HELP)]
    Certinfo(CertinfoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETION_HELP)]
    Completion(CompletionArgs),
    /// Make a whole etcd PKI (CA, member and client certificates, etcd settings) in one step.
    #[command(after_help = CLUSTER_HELP)]
    Cluster(ClusterArgs),
    /// Make a CSR for an existing key, from a request or from the certificate it renews.
    #[command(after_help = GENCSR_HELP)]
    Gencsr(GencsrArgs),
    /// Generate a key and a CSR for an external CA (with -initca: a CA, as gencert -initca).
    #[command(after_help = GENKEY_HELP)]
    Genkey(GenkeyArgs),
    /// Check a whole etcd PKI (certificates, keys, cfssl JSON, etcd configs) before etcd does.
    #[command(after_help = LINT_HELP)]
    Lint(LintArgs),
    /// Split cfssl JSON into files, as cfssljson does (`etcdpki json -bare NAME`).
    Json(JsonArgs),
    /// Print the manual page (roff), of etcdpki or of one command.
    #[command(after_help = MAN_HELP)]
    Man(ManArgs),
    /// Print a built-in configuration: cfssl's `config` and `csr`, or an etcd preset.
    #[command(name = "print-defaults", after_help = PRINT_DEFAULTS_HELP)]
    PrintDefaults(PrintDefaultsArgs),
    /// Renew the leaf certificates under PATH that a CA issued and that expire soon (for cron).
    #[command(after_help = RENEW_HELP)]
    Renew(RenewArgs),
    /// Revoke certificates (files or hex serials) and re-sign the CRL etcd reads.
    #[command(after_help = REVOKE_HELP)]
    Revoke(RevokeArgs),
    /// Replace the CA of a running etcd cluster with no downtime: status, prepare, reissue, finish.
    #[command(name = "rotate-ca", after_help = ROTATE_CA_HELP)]
    RotateCa(RotateCaArgs),
    /// Generate a key and a self-signed certificate (for tests only, as in cfssl).
    #[command(after_help = SELFSIGN_HELP)]
    Selfsign(SelfsignArgs),
    /// Sign a CSR (PEM) with -ca/-ca-key under a profile.
    #[command(after_help = SIGN_HELP)]
    Sign(SignArgs),
    /// Print the version.
    #[command(
        after_help = "EXAMPLES:\n  etcdpki version\n  cfssl -version      (through a link named cfssl)\n\nEXIT CODES:\n  0  success"
    )]
    Version,
}

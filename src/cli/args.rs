//! The command-line grammar (clap derive). Flags are written Go style in practice (`-ca=ca.pem`);
//! `goflag` rewrites them before clap sees them.

use clap::{Args, Parser, Subcommand};
use etcdpki::cluster::{ClusterState, Layout};
use etcdpki::config::GoDuration;
use etcdpki::config::duration::parse_window;
use etcdpki::key::KeyFamily;
use etcdpki::renew::RenewWindow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// etcdpki: cfssl-compatible certificates for etcd clusters.
#[derive(Debug, Parser)]
#[command(
    name = "etcdpki",
    version,
    after_help = "Flags may be written Go style, as cfssl does: -ca=ca.pem, -ca ca.pem, --ca=ca.pem.\nInvoked as `cfssl` or `cfssljson` (a link or a copy), etcdpki behaves as that tool."
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
    /// Print a built-in configuration: cfssl's `config` and `csr`, or an etcd preset.
    #[command(name = "print-defaults", after_help = PRINT_DEFAULTS_HELP)]
    PrintDefaults(PrintDefaultsArgs),
    /// Renew the leaf certificates under PATH that a CA issued and that expire soon (for cron).
    #[command(after_help = RENEW_HELP)]
    Renew(RenewArgs),
    /// Revoke certificates (files or hex serials) and re-sign the CRL etcd reads.
    #[command(after_help = REVOKE_HELP)]
    Revoke(RevokeArgs),
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

/// `gencrl`: cfssl's positional arguments (`cfssl gencrl INPUTFILE CERT KEY [TIME]`).
#[derive(Debug, Args)]
pub struct GencrlArgs {
    /// Log level (accepted for cfssl compatibility).
    #[arg(long, value_name = "LEVEL", default_value_t = 1)]
    pub loglevel: u8,
    /// A text file with one decimal serial number per line, or - for standard input.
    #[arg(value_name = "INPUTFILE")]
    pub serials: Option<String>,
    /// The CA certificate that signs the CRL (PEM), or - for standard input.
    #[arg(value_name = "CERT")]
    pub cert: Option<String>,
    /// The CA's private key (PEM), or - for standard input.
    #[arg(value_name = "KEY")]
    pub key: Option<String>,
    /// The CRL's validity in seconds from now (a 32-bit integer; 0 or none: one week).
    #[arg(value_name = "TIME", allow_hyphen_values = true)]
    pub time: Option<String>,
}

const GENCRL_HELP: &str = "EXAMPLES:
  etcdpki gencrl revoke.txt ca.pem ca-key.pem | base64 --decode > revoke.crl
  etcdpki gencrl revoke.txt ca.pem ca-key.pem 86400 | base64 --decode > revoke.crl

The CRL is what cfssl 1.6.5 makes (Go's Certificate.CreateCRL): every serial revoked now, no
reasons, no CRL number. For a CRL that keeps a record, reasons and numbers, use revoke.

OUTPUT:
  the DER CRL in base64 on one line of standard output (decode it for etcd's --client-crl-file).

EXIT CODES:
  0  success
  1  the command failed (missing argument, bad serial line or TIME, bad certificate or key, I/O)
  2  usage error (unknown flag, an argument after TIME)";

/// `revoke`: which CA, what to revoke and why, and where the CRL goes.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The CA certificate (PEM); its revocation list lives beside it (NAME-revoked.json).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<String>,
    /// The CA's private key.
    #[arg(long = "ca-key", value_name = "FILE")]
    pub ca_key: Option<String>,
    /// Why (RFC 5280 reason; unspecified writes no reason code).
    #[arg(long, value_enum, default_value = "unspecified")]
    pub reason: ReasonArg,
    /// The PEM CRL to write (etcd 3.4 and 3.5). Default: crl.pem beside the CA, unless
    /// --crl-der alone is given.
    #[arg(long, value_name = "FILE")]
    pub crl: Option<std::path::PathBuf>,
    /// A DER CRL to write (every etcd release; the only form etcd 3.6 reads).
    #[arg(long = "crl-der", value_name = "FILE")]
    pub crl_der: Option<std::path::PathBuf>,
    /// How long the CRL is valid: its nextUpdate from now (Go duration).
    #[arg(
        long = "next-update",
        value_name = "DURATION",
        default_value = "720h",
        value_parser = positive_duration
    )]
    pub next_update: GoDuration,
    /// How long to wait for another revoke or renew run on the CA's directory (Go duration).
    #[arg(
        long = "lock-timeout",
        value_name = "DURATION",
        default_value = "60s",
        value_parser = positive_duration
    )]
    pub lock_timeout: GoDuration,
    /// Certificate files (issued by the CA) or hex serial numbers (3039, 30:39, 0x3039).
    #[arg(value_name = "CERT_OR_SERIAL")]
    pub targets: Vec<String>,
}

/// `revoke --reason`: RFC 5280 §5.3.1 reasons, in kebab case or RFC 5280's own spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReasonArg {
    /// No reason code.
    Unspecified,
    /// The key leaked, or may have.
    #[value(alias = "keyCompromise")]
    KeyCompromise,
    /// The CA's key leaked.
    #[value(alias = "cACompromise")]
    CaCompromise,
    /// The subject's name or role changed.
    #[value(alias = "affiliationChanged")]
    AffiliationChanged,
    /// Replaced by a new certificate.
    Superseded,
    /// No longer needed (a member removed, a client retired).
    #[value(alias = "cessationOfOperation")]
    CessationOfOperation,
    /// A privilege was withdrawn.
    #[value(alias = "privilegeWithdrawn")]
    PrivilegeWithdrawn,
}

const REVOKE_HELP: &str = "EXAMPLES:
  etcdpki revoke -ca=ca.pem -ca-key=ca-key.pem --reason key-compromise client-1.pem
  etcdpki revoke -ca=ca.pem -ca-key=ca-key.pem --crl-der crl.der 3039 4a:5f
  etcdpki revoke -ca=ca.pem -ca-key=ca-key.pem        (refresh the CRL: new number, new nextUpdate)

Each revocation is recorded in NAME-revoked.json beside the CA (docs/rotation.md), and the CRL is
made from that list every time, so no entry is ever lost. Point etcd's --client-crl-file and
--peer-crl-file at the CRL; etcd reads it on every new connection, no restart needed.

OUTPUT:
  one line per certificate (revoked, or already revoked) and one per CRL written.

EXIT CODES:
  0  success
  1  the command failed (not a certificate of this CA, not a serial, an unreadable list or CRL, I/O)
  2  usage error (missing -ca/-ca-key, bad flag)";

/// `selfsign`: cfssl's flags.
#[derive(Debug, Args)]
pub struct SelfsignArgs {
    /// A ca-config.json whose -profile to use (else cfssl's default with 2190h).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// The profile of -config; it must exist.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Log level: 0 debug, 1 info, 2 warning, 3 error, 4 critical, 5 fatal.
    #[arg(long, value_name = "LEVEL", default_value_t = 1)]
    pub loglevel: u8,
    /// A host name for the certificate (cfssl ignores it; here it is added to the SANs).
    #[arg(value_name = "HOSTNAME")]
    pub hostname: String,
    /// The request JSON (cfssl csr.json), or - for standard input.
    #[arg(value_name = "CSRJSON")]
    pub csrjson: String,
}

const SELFSIGN_HELP: &str = "EXAMPLES:
  etcdpki selfsign localhost csr.json | etcdpki json -bare test

Self-signed certificates are for tests only: nothing can vouch for them.
The certificate carries the request's hosts and HOSTNAME as SANs (cfssl's carries none).

EXIT CODES:
  0  success
  1  the command failed (bad input file, I/O error)
  2  usage error";

/// `sign`: cfssl's flags.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The CA, the policy and the overrides.
    #[command(flatten)]
    pub signing: SigningFlags,
    /// The CSR file; takes precedence over the CSR argument.
    #[arg(long = "csr", value_name = "FILE")]
    pub csr_flag: Option<String>,
    /// The CSR (PEM), or - for standard input.
    #[arg(value_name = "CSR")]
    pub csr: Option<String>,
    /// A JSON subject {"CN", "names", "SerialNumber"} whose fields replace the CSR's.
    #[arg(value_name = "SUBJECT")]
    pub subject: Option<String>,
}

const SIGN_HELP: &str = "EXAMPLES:
  etcdpki sign -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=peer member.csr | etcdpki json -bare member
  openssl req -new -key k.pem -subj /CN=infra0 | etcdpki sign -ca=ca.pem -ca-key=ca-key.pem -hostname=10.0.1.10 -

A CSR whose signature does not verify is refused. The subject is re-encoded as cfssl does
(Go's attribute order); SUBJECT replaces it field by field.

OUTPUT:
  {\"cert\":…,\"csr\":…} on standard output.

EXIT CODES:
  0  success
  1  the command failed (bad CSR or config, signing error, I/O error)
  2  usage error (unknown flag, missing -ca/-ca-key or CSR)";

/// `certinfo`: cfssl's flags.
#[derive(Debug, Args)]
pub struct CertinfoArgs {
    /// A PEM certificate file, or - for standard input.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<String>,
    /// A PEM CSR file, or - for standard input.
    #[arg(long, value_name = "FILE")]
    pub csr: Option<String>,
    /// A TLS server, HOST or HOST:PORT (default port 443); its certificate is not verified.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub domain: Option<String>,
    /// cfssl's certificate database lookup: not supported.
    #[arg(long, value_name = "SERIAL", hide = true)]
    pub serial: Option<String>,
    /// cfssl's certificate database lookup: not supported.
    #[arg(long, value_name = "AKI", hide = true)]
    pub aki: Option<String>,
    /// cfssl's certificate database: not supported.
    #[arg(long = "db-config", value_name = "FILE", hide = true)]
    pub db_config: Option<String>,
    /// Log level (accepted for cfssl compatibility).
    #[arg(long, value_name = "LEVEL", default_value_t = 1)]
    pub loglevel: u8,
}

const CERTINFO_HELP: &str = "EXAMPLES:
  etcdpki certinfo -cert etcd.pem
  etcdpki certinfo -domain 127.0.0.1:2379        (what a running etcd serves)
  etcdpki certinfo -csr etcd.csr

OUTPUT:
  -cert and -domain: cfssl's JSON (subject, issuer, serial_number, sans, not_before, not_after,
  sigalg, authority_key_id, subject_key_id, pem). -csr: {subject, sans, public_key_algorithm,
  sigalg, signature_valid, extensions, pem}; see docs/cli.md.

EXIT CODES:
  0  success
  1  the file, the certificate or the connection failed
  2  usage error (no target, or a database lookup)";

/// `cluster`: the members, the clients, the certificates' form, and where to write.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The members, as etcd's --initial-cluster (default: etcd's single member "default").
    #[arg(
        long = "initial-cluster",
        value_name = "MEMBERS",
        conflicts_with = "spec"
    )]
    pub initial_cluster: Option<String>,
    /// A cluster spec file (JSON) for members with several IPs and names (docs/cluster.md).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<String>,
    /// The output directory.
    #[arg(long, value_name = "DIR", default_value = "pki")]
    pub out: std::path::PathBuf,
    /// A client certificate, CN = NAME = the etcd user name (repeatable).
    #[arg(long = "client", value_name = "NAME")]
    pub clients: Vec<String>,
    /// The DNS-SRV discovery domain (etcd's --discovery-srv); added to every member certificate.
    #[arg(long = "discovery-srv", value_name = "DOMAIN")]
    pub discovery_srv: Option<String>,
    /// More SANs for every server certificate (repeatable, or comma-separated).
    #[arg(long = "server-san", value_name = "HOST")]
    pub server_sans: Vec<String>,
    /// More SANs for every peer certificate (repeatable, or comma-separated).
    #[arg(long = "peer-san", value_name = "HOST")]
    pub peer_sans: Vec<String>,
    /// The client port of the members' client URLs (spec files may give URLs instead).
    #[arg(long = "client-port", value_name = "PORT", default_value_t = 2379)]
    pub client_port: u16,
    /// Key algorithm of every certificate.
    #[arg(
        long = "key-algo",
        value_name = "ALGO",
        value_enum,
        default_value = "ecdsa"
    )]
    pub key_algo: KeyAlgo,
    /// Key size: rsa 2048 (default), 3072, 4096, 8192; ecdsa 256 (default), 384, 521.
    #[arg(long = "key-size", value_name = "BITS")]
    pub key_size: Option<u32>,
    /// Lifetime of the member and client certificates (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "8760h", value_parser = positive_duration)]
    pub expiry: GoDuration,
    /// Lifetime of a new CA (Go duration).
    #[arg(
        long = "ca-expiry",
        value_name = "DURATION",
        default_value = "87600h",
        value_parser = positive_duration
    )]
    pub ca_expiry: GoDuration,
    /// Subject fields for every certificate: C=..,ST=..,L=..,O=..,OU=.. (default O=etcd).
    #[arg(long, value_name = "NAMES")]
    pub names: Option<String>,
    /// File layout: cfssl (cfssljson names), etcdadm or kubeadm (a directory per member).
    #[arg(long, value_name = "LAYOUT", value_enum, default_value = "cfssl")]
    pub layout: LayoutArg,
    /// Where etcd will find each member's files, for the env files (default: their absolute path).
    #[arg(long = "cert-dir", value_name = "DIR")]
    pub cert_dir: Option<std::path::PathBuf>,
    /// ETCD_INITIAL_CLUSTER_STATE in the env files (default: decided per member).
    #[arg(long = "initial-cluster-state", value_name = "STATE", value_enum)]
    pub initial_cluster_state: Option<StateArg>,
    /// Replace a CA that cannot be used or differs from the plan (every certificate is then reissued).
    #[arg(long)]
    pub force: bool,
}

const CLUSTER_HELP: &str = "EXAMPLES:
  etcdpki cluster      (etcd's default member on this host, in ./pki)
  etcdpki cluster --initial-cluster 'infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380' --client root
  etcdpki cluster --spec cluster.json --layout kubeadm --out pki
  etcdpki cluster --initial-cluster '…,infra3=https://10.0.1.13:2380' --client root      (adds infra3's files only)

FILES (cfssl layout):
  ca.pem ca-key.pem ca.csr; per member NAME.pem (server: server + client auth), NAME-peer.pem
  (peer: server + client auth) with -key.pem and .csr; per --client NAME.pem (client auth);
  NAME.env (etcd's ETCD_* settings for member NAME); ca-config.json, ca-csr.json, *-csr.json
  (the same PKI with plain cfssl). Keys are 0600. See docs/cluster.md for the other layouts.

Runs are idempotent: an existing CA is reused and never replaced without --force; certificates
that still fit are kept; files that would not change are not written.

EXIT CODES:
  0  success
  1  the command failed (bad spec file, unusable existing CA, signing or I/O error)
  2  usage error (bad flag value, bad --initial-cluster, colliding names)";

/// `expiry`: what to read and how to report.
#[derive(Debug, Args)]
pub struct ExpiryArgs {
    /// Output: a table (text) or JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExpiryFormat,
    /// Exit 1 when any certificate expires within this window (Go duration like 720h, or 30d).
    #[arg(long = "fail-within", value_name = "DURATION", value_parser = window)]
    pub fail_within: Option<Window>,
    /// Certificate files or directories (searched recursively; bundles are read whole).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

/// `expiry --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExpiryFormat {
    /// Two tables: certificates, then CAs.
    Text,
    /// One JSON object.
    Json,
}

const EXPIRY_HELP: &str = "EXAMPLES:
  etcdpki expiry /etc/etcd/pki
  etcdpki expiry --format json --fail-within 30d /etc/etcd/pki     (for monitoring)

EXIT CODES:
  0  success (and, with --fail-within, nothing expires within the window)
  1  with --fail-within: at least one certificate expires within the window (or has expired)
  2  could not run: bad flag, unreadable path, no certificate found";

/// `lint`: what to read, what to know about the cluster, how to judge and report.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The DNS-SRV discovery domain (etcd's --discovery-srv).
    #[arg(long = "discovery-srv", value_name = "DOMAIN")]
    pub discovery_srv: Option<String>,
    /// The members, as etcd's --initial-cluster: 'infra0=https://10.0.1.10:2380,...'.
    #[arg(long = "initial-cluster", value_name = "MEMBERS")]
    pub initial_cluster: Option<String>,
    /// An etcd configuration: YAML (--config-file), an ETCD_* env file, or a systemd unit.
    #[arg(long = "etcd-config", value_name = "FILE")]
    pub etcd_config: Vec<std::path::PathBuf>,
    /// Read the absolute paths in --etcd-config files under this directory (a checkout of what
    /// is about to be deployed: /etc/etcd/pki/ca.pem is DIR/etc/etcd/pki/ca.pem).
    #[arg(long, value_name = "DIR")]
    pub root: Option<std::path::PathBuf>,
    /// The etcd release to judge for: 3.4, 3.5 or 3.6 (default: all three, and a finding names
    /// the releases it applies to).
    #[arg(long = "etcd-version", value_enum, value_name = "VERSION")]
    pub etcd_version: Option<EtcdVersion>,
    /// Judge validity at this time (RFC 3339, e.g. 2027-06-01T00:00:00Z) instead of now.
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub at: Option<OffsetDateTime>,
    /// Warn about certificates that expire within this window (Go duration or days).
    #[arg(long = "warn-within", value_name = "DURATION", default_value = "30d", value_parser = window)]
    pub warn_within: Window,
    /// Change a rule's level: ID=error|warning|info|off (repeatable).
    #[arg(long = "rule", value_name = "ID=LEVEL")]
    pub rules: Vec<String>,
    /// Fail (exit 1) on warnings too.
    #[arg(long, value_enum, value_name = "warnings")]
    pub deny: Option<DenyLevel>,
    /// List the rules and exit.
    #[arg(long = "list-rules")]
    pub list_rules: bool,
    /// Output: text, json, sarif (GitHub code scanning) or github (workflow annotations).
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
    /// Files or directories (searched recursively).
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
}

/// `lint --deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DenyLevel {
    /// Warnings fail the run too.
    Warnings,
}

/// `lint --etcd-version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EtcdVersion {
    /// etcd 3.4 (Debian bookworm's 3.4.23 among them).
    #[value(name = "3.4")]
    V3_4,
    /// etcd 3.5.
    #[value(name = "3.5")]
    V3_5,
    /// etcd 3.6.
    #[value(name = "3.6")]
    V3_6,
}

/// `lint --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// One line per finding and a summary.
    Text,
    /// `{"findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::`).
    Github,
}

const LINT_HELP: &str = "EXAMPLES:
  etcdpki lint pki/
  etcdpki lint --initial-cluster 'infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380' pki/
  etcdpki lint --etcd-config /etc/etcd/etcd.conf /etc/etcd/pki
  etcdpki lint --discovery-srv example.com --format sarif pki/ > lint.sarif
  etcdpki lint --rule key-file-permissions=off --deny warnings pki/
  etcdpki lint --list-rules

Files are recognised by content: PEM certificates (bundles too), private keys, CSRs, cfssl
csr.json and ca-config.json. Certificates pair with keys as NAME.pem/NAME-key.pem and
NAME.crt/NAME.key. Roles come from etcd configs, else from file names (peer, server, client,
etcdctl, a member name), else from the certificate's EKU. See docs/lints.md.

EXIT CODES:
  0  no error-level finding
  1  at least one error-level finding (or a warning, with --deny warnings)
  2  could not run: bad flag, unreadable path or etcd config";

/// `renew`: which CA, which certificates, when, and what to do after.
#[derive(Debug, Args)]
pub struct RenewArgs {
    /// The CA certificate that issued the leaves (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<String>,
    /// The CA's private key.
    #[arg(long = "ca-key", value_name = "FILE")]
    pub ca_key: Option<String>,
    /// Renew when less than this remains: a Go duration (720h), days (30d) or a share of the
    /// lifetime (33%). Default: a third of the lifetime.
    #[arg(long, value_name = "WINDOW", value_parser = renew_window)]
    pub before: Option<RenewWindow>,
    /// The new certificates' lifetime (Go duration); default: the old lifetime, or the profile's.
    #[arg(long, value_name = "DURATION", value_parser = positive_duration)]
    pub expiry: Option<GoDuration>,
    /// A ca-config.json whose -profile gives usages, lifetime and extensions.
    #[arg(long, value_name = "FILE", requires = "profile")]
    pub config: Option<String>,
    /// The profile of -config.
    #[arg(long, value_name = "NAME", requires = "config")]
    pub profile: Option<String>,
    /// Keep each certificate's key; only the certificate file is replaced.
    #[arg(long = "reuse-key")]
    pub reuse_key: bool,
    /// A shell command run once after a run that renewed something (sh -c).
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Report what would be renewed; change nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// How long to wait for another renew run to finish (Go duration).
    #[arg(
        long = "lock-timeout",
        value_name = "DURATION",
        default_value = "60s",
        value_parser = positive_duration
    )]
    pub lock_timeout: GoDuration,
    /// Certificate files or directories (searched recursively).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

const RENEW_HELP: &str = "EXAMPLES:
  etcdpki renew --ca ca.pem --ca-key ca-key.pem /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --before 720h --expiry 8760h /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --dry-run /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --exec 'systemctl reload my-proxy' /etc/etcd/pki

Each leaf under PATH issued by the CA whose remaining validity is within the window gets a new
certificate with the same subject, SANs, key usages and lifetime, and a new key of the same
kind (--reuse-key keeps the key). Files are replaced atomically; a run killed at any point is
completed or undone by the next. CAs are never renewed: one that expires within the window is
a warning. etcd reads renewed leaf files on its next TLS handshake; see docs/rotation.md.

ENVIRONMENT OF --exec:
  ETCDPKI_RENEWED_CERTS  the renewed certificate files, separated by spaces
  ETCDPKI_RENEWED_KEYS   the key files that got a new key, separated by spaces
  ETCDPKI_RENEWED_COUNT  how many certificates were renewed

EXIT CODES:
  0  success: everything due was renewed (or nothing was due)
  1  a renewal or the --exec command failed (the other renewals are still done and reported),
     or the CA or the lock could not be used
  2  usage error: bad flag, unreadable path";

/// `gencsr`: cfssl's flags.
#[derive(Debug, Args)]
pub struct GencsrArgs {
    /// The private key the CSR is for (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// A certificate whose subject, SANs and CA constraint the CSR repeats (to renew it).
    #[arg(long, value_name = "FILE")]
    pub cert: Option<String>,
    /// Comma-separated hosts that replace the request's "hosts".
    #[arg(long, value_name = "HOSTS")]
    pub hostname: Option<String>,
    /// Log level: 0 debug, 1 info, 2 warning, 3 error, 4 critical, 5 fatal.
    #[arg(long, value_name = "LEVEL", default_value_t = 1)]
    pub loglevel: u8,
    /// The request JSON (cfssl csr.json), or - for standard input; not with -cert.
    #[arg(value_name = "CSRJSON")]
    pub csrjson: Option<String>,
}

const GENCSR_HELP: &str = "EXAMPLES:
  etcdpki gencsr -key member-key.pem member-csr.json | etcdpki json -bare member
  etcdpki gencsr -key member-key.pem -cert member.pem | etcdpki json -bare renewal

OUTPUT:
  {\"csr\":…,\"key\":…}; the key is the input key, verbatim.

EXIT CODES:
  0  success
  1  the command failed (bad key, certificate or request; the key does not match the certificate)
  2  usage error (no -key, or neither CSRJSON nor -cert)";

/// `genkey`: cfssl's flags.
#[derive(Debug, Args)]
pub struct GenkeyArgs {
    /// Make a self-signed CA, exactly as `gencert -initca`.
    #[arg(long)]
    pub initca: bool,
    /// A ca-config.json; checked, then unused (as in cfssl).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Log level: 0 debug, 1 info, 2 warning, 3 error, 4 critical, 5 fatal.
    #[arg(long, value_name = "LEVEL", default_value_t = 1)]
    pub loglevel: u8,
    /// The request JSON (cfssl csr.json), or - for standard input.
    #[arg(value_name = "CSRJSON")]
    pub csrjson: String,
}

const GENKEY_HELP: &str = "EXAMPLES:
  etcdpki genkey member-csr.json | etcdpki json -bare member      (member.csr + member-key.pem)
  etcdpki genkey -initca ca-csr.json | etcdpki json -bare ca

OUTPUT:
  {\"csr\":…,\"key\":…}; with -initca {\"cert\":…,\"csr\":…,\"key\":…}.

EXIT CODES:
  0  success
  1  the command failed (bad input file, I/O error)
  2  usage error";

/// `print-defaults`: which configuration.
#[derive(Debug, Args)]
pub struct PrintDefaultsArgs {
    /// `list`, `config`, `csr`, `etcd-config`, `etcd-ca-csr`, `etcd-server-csr`, `etcd-peer-csr`, `etcd-client-csr`.
    #[arg(value_name = "TYPE")]
    pub kind: String,
}

const PRINT_DEFAULTS_HELP: &str = "EXAMPLES:
  etcdpki print-defaults etcd-config > ca-config.json
  etcdpki print-defaults etcd-ca-csr > ca-csr.json
  etcdpki print-defaults list

EXIT CODES:
  0  success
  2  usage error (no TYPE, or an unknown one)";

/// `gencert`: cfssl's flags and meaning.
#[derive(Debug, Args)]
#[command(after_help = GENCERT_HELP)]
pub struct GencertArgs {
    /// Make a self-signed CA from CSRJSON.
    #[arg(long)]
    pub initca: bool,
    /// Re-sign the CA of -ca/-ca-key from now, with the same key, subject, SANs, pathlen and lifetime.
    #[arg(long)]
    pub renewca: bool,
    /// The CA, the policy and the overrides.
    #[command(flatten)]
    pub signing: SigningFlags,
    /// Replaces the request's "CN".
    #[arg(long, value_name = "NAME")]
    pub cn: Option<String>,
    /// The request JSON (cfssl csr.json), or - for standard input (not with -renewca).
    #[arg(value_name = "CSRJSON", required_unless_present = "renewca")]
    pub csrjson: Option<String>,
}

/// The flags `gencert` and `sign` share: cfssl's signer flags.
#[derive(Debug, Args)]
pub struct SigningFlags {
    /// The CA certificate (PEM, exactly one certificate).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<String>,
    /// The CA key (PEM: PKCS#8, PKCS#1 or SEC1). With gencert -initca: make the CA from this key.
    #[arg(long = "ca-key", value_name = "FILE")]
    pub ca_key: Option<String>,
    /// The signing configuration (cfssl ca-config.json).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// The profile of -config to sign with; it must exist.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Comma-separated hosts that replace the request's hosts (or the CSR's SANs).
    #[arg(long, value_name = "HOSTS")]
    pub hostname: Option<String>,
    /// Overrides the CRL distribution point URL of the certificate.
    #[arg(long, value_name = "URL")]
    pub crl: Option<String>,
    /// Log level: 0 debug, 1 info, 2 warning, 3 error, 4 critical, 5 fatal.
    #[arg(long, value_name = "LEVEL", default_value_t = 1)]
    pub loglevel: u8,
    /// cfssl's remote signer: not supported (an error if given).
    #[arg(long, value_name = "HOST", hide = true)]
    pub remote: Option<String>,
    /// cfssl's multi-root label (remote signing only; ignored).
    #[arg(long, value_name = "LABEL", hide = true)]
    pub label: Option<String>,
}

const GENCERT_HELP: &str = "EXAMPLES:
  etcdpki gencert -initca ca-csr.json | etcdpki json -bare ca
  etcdpki gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=peer member-csr.json | etcdpki json -bare infra0-peer
  etcdpki gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=server -hostname=10.0.1.10,infra0.example.com member-csr.json
  etcdpki gencert -renewca -ca=ca.pem -ca-key=ca-key.pem | etcdpki json -bare ca      (a CA that expires soon)

FLAGS:
  Written Go style, as cfssl does: -ca=ca.pem, -ca ca.pem, --ca=ca.pem; a bool flag as -initca or -initca=false.
  Flags come before CSRJSON.

OUTPUT:
  One line of JSON on standard output: {\"cert\":…,\"csr\":…,\"key\":…}. Logs go to standard error.

EXIT CODES:
  0  success
  1  the command failed (bad input file, signing error, I/O error)
  2  usage error (unknown flag, missing argument or flag)";

/// `json`: cfssljson's flags and meaning.
#[derive(Debug, Args)]
#[command(after_help = JSON_HELP)]
pub struct JsonArgs {
    /// The input is gencert/sign output, not a cfssl API response.
    #[arg(long)]
    pub bare: bool,
    /// The input file, or - for standard input.
    #[arg(long = "f", value_name = "FILE", default_value = "-")]
    pub file: String,
    /// Print the files' contents instead of writing them.
    #[arg(long)]
    pub stdout: bool,
    /// Replace an existing CA's key with a new one (refused otherwise; cfssljson replaces it).
    #[arg(long = "overwrite-ca-key")]
    pub overwrite_ca_key: bool,
    /// Print the version and exit.
    #[arg(long)]
    pub version: bool,
    /// Base name of the files: BASENAME.pem, BASENAME-key.pem, BASENAME.csr.
    #[arg(value_name = "BASENAME", default_value = "cert")]
    pub basename: String,
    /// Arguments after BASENAME: cfssljson ignores them (`cfssljson -bare ca -` in many
    /// guides), and so does this, with a warning.
    #[arg(value_name = "IGNORED", hide = true, num_args = 0..)]
    pub ignored: Vec<String>,
}

const JSON_HELP: &str = "EXAMPLES:
  etcdpki gencert -initca ca-csr.json | etcdpki json -bare ca
  cfssl gencert … | cfssljson -bare etcd      (through links named cfssl and cfssljson)

FILES:
  new files BASENAME.pem 0644, BASENAME-key.pem 0600, BASENAME.csr 0644; a replaced file keeps
  its owner, group and mode (a key never group-writable or readable by others); each written
  to a temporary file, synced, committed and renamed into place; never through a link.

EXIT CODES:
  0  success
  1  bad or empty input (nothing is written), or a write failed
  2  usage error";

/// `--key-algo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyAlgo {
    /// RSA (2048 bits unless --key-size).
    Rsa,
    /// ECDSA (P-256 unless --key-size).
    Ecdsa,
    /// Ed25519.
    Ed25519,
}

impl From<KeyAlgo> for KeyFamily {
    fn from(algo: KeyAlgo) -> Self {
        match algo {
            KeyAlgo::Rsa => KeyFamily::Rsa,
            KeyAlgo::Ecdsa => KeyFamily::Ecdsa,
            KeyAlgo::Ed25519 => KeyFamily::Ed25519,
        }
    }
}

/// `--layout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// cfssljson's names in one directory.
    Cfssl,
    /// etcdadm's names.
    Etcdadm,
    /// kubeadm's names.
    Kubeadm,
}

impl From<LayoutArg> for Layout {
    fn from(layout: LayoutArg) -> Self {
        match layout {
            LayoutArg::Cfssl => Layout::Cfssl,
            LayoutArg::Etcdadm => Layout::Etcdadm,
            LayoutArg::Kubeadm => Layout::Kubeadm,
        }
    }
}

/// `--initial-cluster-state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StateArg {
    /// Every member starts together.
    New,
    /// The member joins a running cluster.
    Existing,
}

impl From<StateArg> for ClusterState {
    fn from(state: StateArg) -> Self {
        match state {
            StateArg::New => ClusterState::New,
            StateArg::Existing => ClusterState::Existing,
        }
    }
}

/// A Go duration above zero, for lifetimes and waits.
fn positive_duration(text: &str) -> Result<GoDuration, String> {
    match GoDuration::parse(text) {
        Ok(d) if d.as_nanos() > 0 => Ok(d),
        Ok(_) => Err("must be positive".into()),
        Err(e) => {
            let help = etcdpki::config::duration::suggest(text)
                .unwrap_or_else(|| "write a Go duration such as \"8760h\"".into());
            Err(format!("{e}\n  help: {help}"))
        }
    }
}

/// A window: a Go duration (`720h`) or days (`30d`).
fn window(text: &str) -> Result<Window, String> {
    parse_window(text)
        .map(|duration| Window {
            duration,
            text: text.to_owned(),
        })
        .map_err(|e| e.to_string())
}

/// A window and the way it was written, to show it back as the user meant it (`30d`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// The window.
    pub duration: GoDuration,
    /// As written.
    pub text: String,
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `--before`: a window or a share of the lifetime.
fn renew_window(text: &str) -> Result<RenewWindow, String> {
    RenewWindow::parse(text).map_err(|e| e.to_string())
}

/// A time in RFC 3339 (`2027-06-01T00:00:00Z`).
fn rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("{e}; write RFC 3339, e.g. 2027-06-01T00:00:00Z"))
}

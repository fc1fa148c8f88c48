//! The arguments of etcdpki's own commands: cluster, lint, expiry, renew and revoke.

use clap::Args;
use etcdpki::config::GoDuration;
use etcdpki::lint::DocsUrl;
use etcdpki::renew::RenewWindow;
use time::OffsetDateTime;

use super::values::*;

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
    /// How long the CRL is valid: its nextUpdate from now (Go duration such as 8760h, or days such as 365d).
    #[arg(
        long = "next-update",
        value_name = "DURATION",
        default_value = "720h",
        value_parser = positive_duration
    )]
    pub next_update: GoDuration,
    /// How long to wait for another revoke or renew run on the CA's directory (Go duration such as 8760h, or days such as 365d).
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

pub(super) const REVOKE_HELP: &str = "EXAMPLES:
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
    /// Lifetime of the member and client certificates (Go duration such as 8760h, or days such as 365d).
    #[arg(long, value_name = "DURATION", default_value = "8760h", value_parser = positive_duration)]
    pub expiry: GoDuration,
    /// Lifetime of a new CA (Go duration such as 8760h, or days such as 365d).
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
    /// How long to wait for another etcdpki run writing in the output directory (Go duration such as 90s, or days such as 1d).
    #[arg(
        long = "lock-timeout",
        value_name = "DURATION",
        default_value = "60s",
        value_parser = positive_duration
    )]
    pub lock_timeout: GoDuration,
    /// New certificates that would outlive the kept CA end with it instead of being refused.
    #[arg(long = "clamp-to-ca")]
    pub clamp_to_ca: bool,
    /// Print what a run would create, keep and re-issue, and why; write, make and lock nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

pub(super) const CLUSTER_HELP: &str = "EXAMPLES:
  etcdpki cluster      (etcd's default member on this host, in ./pki)
  etcdpki cluster --initial-cluster 'infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380' --client root
  etcdpki cluster --spec cluster.json --layout kubeadm --out pki
  etcdpki cluster --initial-cluster '…,infra3=https://10.0.1.13:2380' --client root      (adds infra3's files only)
  etcdpki cluster --spec cluster.json --dry-run      (what would be created, kept, re-issued, and why)

FILES (cfssl layout):
  ca.pem ca-key.pem ca.csr; per member NAME.pem (server: server + client auth), NAME-peer.pem
  (peer: server + client auth) with -key.pem and .csr; per --client NAME.pem (client auth);
  NAME.env (etcd's ETCD_* settings for member NAME); ca-config.json, ca-csr.json, *-csr.json
  (the same PKI with plain cfssl). Keys are 0600. See docs/cluster.md for the other layouts.

Runs are idempotent: an existing CA is reused and never replaced without --force; certificates
that still fit are kept; files that would not change are not written. A new certificate that
would outlive the kept CA is refused (--clamp-to-ca ends it with the CA); a CA near its end is
replaced with `etcdpki rotate-ca` (docs/rotation.md). --dry-run shows what a run would do, file
by file, and changes nothing (no file, no directory, no lock).

EXIT CODES:
  0  success
  1  the command failed (bad spec file, unusable existing CA, signing or I/O error)
  2  usage error (bad flag value, bad --initial-cluster, colliding names)";

/// `expiry`: what to read and how to report.
#[derive(Debug, Args)]
pub struct ExpiryArgs {
    /// Output: tables (text), JSON, a Prometheus text exposition for node_exporter's textfile
    /// collector, or Markdown for a CI job summary.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExpiryFormat,
    /// Exit 1 when any certificate expires within this window (Go duration like 720h, or 30d).
    #[arg(long = "fail-within", value_name = "DURATION", value_parser = window)]
    pub fail_within: Option<Window>,
    /// Judge expiry at this time (RFC 3339, e.g. 2027-06-01T00:00:00Z) instead of now.
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub at: Option<OffsetDateTime>,
    /// Certificate files or directories (searched recursively; bundles are read whole; key
    /// files are never read).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

/// `expiry --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExpiryFormat {
    /// Tables: certificates (with their role), then CAs, then CRLs.
    Text,
    /// One JSON object.
    Json,
    /// Prometheus text exposition: etcdpki_certificate_not_after_seconds and friends.
    Prometheus,
    /// One Markdown table, for $GITHUB_STEP_SUMMARY.
    Markdown,
}

pub(super) const EXPIRY_HELP: &str = "EXAMPLES:
  etcdpki expiry /etc/etcd/pki
  etcdpki expiry --format json --fail-within 30d /etc/etcd/pki     (for monitoring)
  etcdpki expiry --at 2027-06-01T00:00:00Z --fail-within 30d /etc/etcd/pki   (as of a date)
  etcdpki expiry --format prometheus /etc/etcd/pki > /var/lib/node_exporter/etcdpki.prom.tmp \\
    && mv /var/lib/node_exporter/etcdpki.prom.tmp /var/lib/node_exporter/etcdpki.prom

Reads certificates and CRLs only, never a key file, so any user who may read the certificates
may run it (a file in a walked directory that this user may not read is passed over with a
warning; a named one is an error). ROLE is ca, server, peer, client (or several, joined by +)
as lint judges it without an etcd configuration, or leaf when neither the EKU nor the file name
tells.

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
    /// Output: text, json, sarif (GitHub code scanning), github (workflow annotations) or
    /// markdown (a job summary).
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
    /// The URL of etcdpki's docs/lints.md for sarif's helpUri and markdown's links
    /// (BASE#RULE); an absolute http://, https:// or file:// URL.
    #[arg(long = "docs-url", value_name = "BASE", value_parser = docs_url)]
    pub docs_url: Option<DocsUrl>,
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
    /// A Markdown table for a CI job summary (`>> "$GITHUB_STEP_SUMMARY"`).
    Markdown,
}

pub(super) const LINT_HELP: &str = "EXAMPLES:
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
    /// The new certificates' lifetime (Go duration such as 8760h, or days such as 365d); default: the old lifetime, or the profile's.
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
    /// Renew also certificates that expired more than their window ago (left alone by
    /// default: a long-dead credential should not come back to life unasked).
    #[arg(long = "renew-expired")]
    pub renew_expired: bool,
    /// A shell command run once after a run that renewed something (sh -c).
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Report what would be renewed; change nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Succeed when the paths hold no certificate the CA issued (without it, that is exit 1:
    /// a mistyped path in a cron job must alert).
    #[arg(long = "allow-empty")]
    pub allow_empty: bool,
    /// Revoke each certificate a renewal replaces (reason superseded) in the CA's revocation
    /// list and CRLs (crl.pem beside the CA when it has none yet).
    #[arg(long = "revoke-replaced")]
    pub revoke_replaced: bool,
    /// How long to wait for another renew run to finish (Go duration such as 8760h, or days such as 365d).
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

pub(super) const RENEW_HELP: &str = "EXAMPLES:
  etcdpki renew --ca ca.pem --ca-key ca-key.pem /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --before 720h --expiry 8760h /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --dry-run /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --exec 'systemctl reload my-proxy' /etc/etcd/pki
  etcdpki renew --ca ca.pem --ca-key ca-key.pem --revoke-replaced /etc/etcd/pki

Each leaf under PATH issued by the CA whose remaining validity is within the window gets a new
certificate with the same subject, SANs, key usages and lifetime, and a new key of the same
kind (--reuse-key keeps the key). Files are replaced atomically; a run killed at any point is
completed or undone by the next. CAs are never renewed: one that expires within the window is
a warning. etcd reads renewed leaf files on its next TLS handshake; see docs/rotation.md.

The CA's CRLs (CRL files under PATH that it signed, and crl.pem beside it) are re-signed from its
revocation list when their nextUpdate falls within the window, so they never lapse;
--revoke-replaced also revokes every certificate this run replaced (reason superseded).

ENVIRONMENT OF --exec:
  ETCDPKI_RENEWED_CERTS  the renewed certificate files, separated by spaces
  ETCDPKI_RENEWED_KEYS   the key files that got a new key, separated by spaces
  ETCDPKI_RENEWED_COUNT  how many certificates were renewed

EXIT CODES:
  0  success: everything due was renewed (or nothing was due)
  1  a renewal or the --exec command failed (the other renewals are still done and reported),
     the CA or the lock could not be used, or no certificate under PATH was issued by the CA
     (--allow-empty makes that a success)
  2  usage error: bad flag, unreadable path";

//! The arguments of `rotate-ca`.

use clap::Args;
use etcdpki::config::GoDuration;

use super::values::*;

/// `rotate-ca`: the step, the current CA, the members and their configurations, and the new CA.
#[derive(Debug, Args)]
pub struct RotateCaArgs {
    /// The step: status, prepare, reissue or finish.
    #[arg(value_enum, value_name = "STEP")]
    pub step: RotateStep,
    /// The current CA certificate (as renew takes it; during a rotation it may hold old + new).
    #[arg(long, value_name = "FILE")]
    pub ca: std::path::PathBuf,
    /// The current CA's private key.
    #[arg(long = "ca-key", value_name = "FILE")]
    pub ca_key: std::path::PathBuf,
    /// An etcd configuration naming the members' files, trust files and URLs: YAML
    /// (--config-file), an ETCD_* env file, or a systemd unit (repeatable, one per member, in
    /// restart order).
    #[arg(long = "etcd-config", value_name = "FILE")]
    pub etcd_config: Vec<std::path::PathBuf>,
    /// Client URLs of members no --etcd-config names (comma-separated or repeated).
    #[arg(long, value_name = "URL", value_delimiter = ',')]
    pub endpoints: Vec<String>,
    /// prepare: the new CA's request (cfssl csr.json: CN, names, hosts, key, ca.expiry).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["keep_key", "key_algo"])]
    pub csr: Option<std::path::PathBuf>,
    /// prepare: the new CA's key algorithm (default: the current CA's).
    #[arg(
        long = "key-algo",
        value_name = "ALGO",
        value_enum,
        conflicts_with = "keep_key"
    )]
    pub key_algo: Option<KeyAlgo>,
    /// prepare: key size (rsa 2048, 3072, 4096, 8192; ecdsa 256, 384, 521).
    #[arg(long = "key-size", value_name = "BITS", requires = "key_algo")]
    pub key_size: Option<u32>,
    /// prepare: the new CA's lifetime (default: the current CA's; Go duration or days).
    #[arg(long = "ca-expiry", value_name = "DURATION", value_parser = positive_duration)]
    pub ca_expiry: Option<GoDuration>,
    /// prepare: re-issue the CA certificate on its own key (as gencert -renewca): leaves stay
    /// valid and only the trust files change.
    #[arg(long = "keep-key")]
    pub keep_key: bool,
    /// reissue: keep each leaf's key (only the certificate is replaced).
    #[arg(long = "reuse-key")]
    pub reuse_key: bool,
    /// Restart one member (run with sh -c, once per member, in order, after prepare and
    /// finish); etcdpki waits for the member's /health before the next.
    #[arg(long = "restart-cmd", value_name = "CMD")]
    pub restart_cmd: Option<String>,
    /// How long a restarted member may take to be healthy.
    #[arg(long = "health-timeout", value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub health_timeout: GoDuration,
    /// Go on although a live check fails (each skipped check is a warning).
    #[arg(long)]
    pub force: bool,
    /// Say what the step would do; write, lock and restart nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// How long to wait for another etcdpki run writing in the same directories.
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub lock_timeout: GoDuration,
    /// Output: text or JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: RotateFormat,
    /// The PKI: certificate files or directories (searched recursively), trust files included.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

/// `rotate-ca STEP`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RotateStep {
    /// Where the rotation stands: per file and, when members are known, per member.
    Status,
    /// A new CA, and every trust file rewritten as old + new; then a rolling restart.
    Prepare,
    /// Every leaf of the old CA re-issued by the new one, once every member trusts it.
    Reissue,
    /// The old CA out of every trust file and kept aside; then a rolling restart.
    Finish,
}

/// `rotate-ca --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RotateFormat {
    /// Lines for people.
    Text,
    /// One JSON object.
    Json,
}

pub(super) const ROTATE_CA_HELP: &str = "EXAMPLES:
  etcdpki rotate-ca status  --ca pki/ca.pem --ca-key pki/ca-key.pem --etcd-config m1.yaml --etcd-config m2.yaml pki
  etcdpki rotate-ca prepare --ca pki/ca.pem --ca-key pki/ca-key.pem --etcd-config m1.yaml --etcd-config m2.yaml \\
          --restart-cmd 'ssh \"$ETCDPKI_MEMBER\" systemctl restart etcd' pki
  etcdpki rotate-ca reissue --ca pki/ca.pem --ca-key pki/ca-key.pem --etcd-config m1.yaml --etcd-config m2.yaml pki
  etcdpki rotate-ca finish  --ca pki/ca.pem --ca-key pki/ca-key.pem --etcd-config m1.yaml --etcd-config m2.yaml \\
          --restart-cmd 'ssh \"$ETCDPKI_MEMBER\" systemctl restart etcd' pki
  etcdpki rotate-ca prepare --keep-key --ca pki/ca.pem --ca-key pki/ca-key.pem pki   (same key, new dates)

The stage is worked out from the files each time: ca-next.pem (the new CA) beside --ca, which
CAs each trust file holds, which CA issued each leaf. Each step is idempotent; a killed run is
resumed by running it again. etcd reads its trusted CA files only at start, so prepare and
finish end with a rolling restart (--restart-cmd), and reissue and finish first ask every
member, over TLS, whether it is ready (--force skips that). docs/rotation.md explains each stage.

ENVIRONMENT OF --restart-cmd:
  ETCDPKI_MEMBER       the member's name (--name, or the endpoint)
  ETCDPKI_CLIENT_URLS  its client URLs, comma-separated
  ETCDPKI_PEER_URLS    its peer URLs, comma-separated (empty when unknown)
  ETCDPKI_CONFIG       its --etcd-config file (empty when unknown)
  ETCDPKI_STAGE        prepare or finish

EXIT CODES:
  0  the step is done (status: printed)
  1  a live check blocked the step, a restart or a file failed, or the step does not apply at
     this stage (the message says which step does)
  2  usage error: bad flag, unreadable path";

//! The arguments of the commands cfssl and cfssljson have, with cfssl's flag names.

use clap::Args;

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

pub(super) const GENCRL_HELP: &str = "EXAMPLES:
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

pub(super) const SELFSIGN_HELP: &str = "EXAMPLES:
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

pub(super) const SIGN_HELP: &str = "EXAMPLES:
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

pub(super) const CERTINFO_HELP: &str = "EXAMPLES:
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

pub(super) const GENCSR_HELP: &str = "EXAMPLES:
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

pub(super) const GENKEY_HELP: &str = "EXAMPLES:
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

pub(super) const PRINT_DEFAULTS_HELP: &str = "EXAMPLES:
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

pub(super) const GENCERT_HELP: &str = "EXAMPLES:
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
    /// How long to wait for another etcdpki run writing in the directory (Go duration such as 90s, or days such as 1d).
    #[arg(
        long = "lock-timeout",
        value_name = "DURATION",
        default_value = "60s",
        value_parser = super::values::positive_duration
    )]
    pub lock_timeout: etcdpki::config::GoDuration,
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

pub(super) const JSON_HELP: &str = "EXAMPLES:
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

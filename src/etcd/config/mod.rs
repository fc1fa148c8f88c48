//! One etcd member's configuration, read as etcd 3.4, 3.5 or 3.6 reads it.
//!
//! Takes a file's path and text (and the release to read it as, or none for all three) and
//! returns an [`EtcdConfig`]: the member's name, its TLS settings (file paths exactly as
//! written, client-cert-auth switches, outbound client identities, CRL files, allowed CNs and
//! hostnames, cipher suites, TLS versions), its URL lists, the line of each setting, and the
//! [`Problem`]s etcd would have with the file. Three forms are read, told apart by content: a
//! systemd unit whose `ExecStart=` runs etcd (`command_line`), an env file of `ETCD_*` lines
//! (also `command_line`), and etcd's YAML file (`--config-file`, `yaml_file`). Nothing is
//! resolved: paths stay relative, `$VAR`, `${VAR}` and `%H` stay as written, and files named by
//! `EnvironmentFile=` are not opened. Reading never panics and takes time linear in the text.
//!
//! A file that is not a configuration at all (broken quoting, YAML that does not parse, no etcd
//! setting) is an [`EtcdConfigError`]. Everything else etcd would refuse, ignore or read
//! differently per release is a [`Problem`] with its line: a flag the release lacks, a YAML key
//! in the wrong place, a quoted YAML bool.
//!
//! What a setting means follows etcd's source per release: `embed/config.go` (`configYAML`,
//! `securityConfig`), `pkg/flags/flag.go` (`--foo-bar` is `ETCD_FOO_BAR`, an empty variable is
//! unset, a variable shadowed by a flag is fatal, an unknown `ETCD_*` variable is logged), Go's
//! `flag` (a later flag wins, `-x` equals `--x`, a bool flag takes no separate value, an unknown
//! flag stops etcd) and `strconv.ParseBool`. Which release has which setting is in
//! [`crate::etcd::release`].

mod command_line;
pub mod yaml;
mod yaml_file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::etcd::release::{self, Release};

/// What lint learns about one etcd member from one of its configuration files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EtcdConfig {
    /// The file read.
    pub source: PathBuf,
    /// Which of the three forms it was.
    pub form: ConfigForm,
    /// The release it was read as; `None` for every release.
    pub release: Option<Release>,
    /// What the configuration runs: an etcd member, or `etcd grpc-proxy start`.
    pub process: Process,
    /// `etcd grpc-proxy start --cert`: the client certificate the proxy dials etcd with.
    pub grpc_proxy_cert: Option<String>,
    /// `etcd grpc-proxy start --key`.
    pub grpc_proxy_key: Option<String>,
    /// `etcd grpc-proxy start --cacert`: the CAs it checks etcd's server certificates with.
    pub grpc_proxy_cacert: Option<String>,
    /// `--name`.
    pub name: Option<String>,
    /// `--cert-file`, as written (etcd resolves paths against its working directory).
    pub cert_file: Option<String>,
    /// `--key-file`, as written.
    pub key_file: Option<String>,
    /// `--trusted-ca-file`, as written.
    pub trusted_ca_file: Option<String>,
    /// `--client-cert-auth`.
    pub client_cert_auth: bool,
    /// `--auto-tls`.
    pub auto_tls: bool,
    /// `--client-cert-file` (3.5+): the identity etcd's own gateway dials its client port with.
    pub client_cert_file: Option<String>,
    /// `--client-key-file` (3.5+).
    pub client_key_file: Option<String>,
    /// `--client-crl-file`.
    pub client_crl_file: Option<String>,
    /// `--client-cert-allowed-hostname` (one value in 3.4, a list from 3.5.15).
    pub client_cert_allowed_hostname: Vec<String>,
    /// `client-transport-security.allowed-cn` (YAML only, 3.5.14+).
    pub client_cert_allowed_cn: Vec<String>,
    /// `--peer-cert-file`, as written.
    pub peer_cert_file: Option<String>,
    /// `--peer-key-file`, as written.
    pub peer_key_file: Option<String>,
    /// `--peer-trusted-ca-file`, as written.
    pub peer_trusted_ca_file: Option<String>,
    /// `--peer-client-cert-auth`.
    pub peer_client_cert_auth: bool,
    /// `--peer-auto-tls`.
    pub peer_auto_tls: bool,
    /// `--peer-client-cert-file` (3.5+): the identity a member dials its peers with.
    pub peer_client_cert_file: Option<String>,
    /// `--peer-client-key-file` (3.5+).
    pub peer_client_key_file: Option<String>,
    /// `--peer-crl-file`.
    pub peer_crl_file: Option<String>,
    /// `--peer-cert-allowed-cn` (one value in 3.4, a list from 3.5.15).
    pub peer_cert_allowed_cn: Vec<String>,
    /// `--peer-cert-allowed-hostname` (one value in 3.4, a list from 3.5.15).
    pub peer_cert_allowed_hostname: Vec<String>,
    /// `--experimental-peer-skip-client-san-verification` (3.4, 3.5) or
    /// `--peer-skip-client-san-verification` (3.6).
    pub peer_skip_client_san_verification: bool,
    /// `--cipher-suites`, as written (Go's names, e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`).
    pub cipher_suites: Vec<String>,
    /// `--tls-min-version` (3.4.25+, 3.5.8+): `TLS1.2` or `TLS1.3`.
    pub tls_min_version: Option<String>,
    /// `--tls-max-version` (3.4.25+, 3.5.8+).
    pub tls_max_version: Option<String>,
    /// `--initial-advertise-peer-urls`, in the order written.
    pub initial_advertise_peer_urls: Vec<String>,
    /// `--advertise-client-urls`, in the order written.
    pub advertise_client_urls: Vec<String>,
    /// `--listen-client-urls`, in the order written.
    pub listen_client_urls: Vec<String>,
    /// `--listen-peer-urls`, in the order written.
    pub listen_peer_urls: Vec<String>,
    /// `--listen-metrics-urls`, in the order written.
    pub listen_metrics_urls: Vec<String>,
    /// `--initial-cluster`, the raw value, e.g. `infra0=https://10.0.1.10:2380,infra1=…`.
    pub initial_cluster: Option<String>,
    /// `--discovery-srv`, the DNS domain of the SRV records.
    pub discovery_srv: Option<String>,
    /// The line each setting (by flag name) was last set on.
    pub lines: BTreeMap<String, usize>,
    /// What etcd would refuse, ignore or read differently, in file order.
    pub problems: Vec<Problem>,
}

impl EtcdConfig {
    /// The line setting `flag` was set on, if the file says.
    pub(crate) fn line_of(&self, flag: &str) -> Option<usize> {
        self.lines.get(flag).copied()
    }

    fn problem(&mut self, line: usize, kind: ProblemKind, message: String) {
        self.problems.push(Problem {
            line: Some(line),
            kind,
            message,
        });
    }

    /// Whether anything etcd reads was found (a file of other settings is not a configuration).
    fn has_settings(&self) -> bool {
        !self.lines.is_empty() || !self.problems.is_empty()
    }
}

/// What an etcd configuration starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Process {
    /// An etcd member (`etcd --name …`).
    #[default]
    Member,
    /// `etcd grpc-proxy start …` (a systemd unit only: the proxy has no configuration file).
    GrpcProxy,
}

/// The form of an etcd configuration file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConfigForm {
    /// etcd's YAML file, given with `--config-file`.
    #[default]
    Yaml,
    /// `ETCD_*=value` lines, as in `/etc/etcd/etcd.conf` or `/etc/default/etcd`.
    EnvFile,
    /// A systemd unit whose `ExecStart=` runs etcd.
    SystemdUnit,
}

/// Something in a configuration that etcd refuses, ignores, or reads only in some releases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line; `None` for the whole file.
    pub line: Option<usize>,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What etcd does and what to write instead, lowercase.
    pub message: String,
}

/// What etcd does with a setting it has a problem with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// etcd refuses to start (every release read, or the one chosen).
    Refused,
    /// etcd ignores it where it is, and reads it elsewhere: a misplaced YAML key, a setting
    /// of another release.
    Ignored,
    /// No release of etcd has such a setting: a typo, or a setting of a later release.
    Unknown,
    /// Set again later; etcd reads the later one only.
    Overridden,
    /// Some releases refuse or ignore it, others read it; the message names them.
    SomeReleases,
}

/// Why a file could not be read as an etcd configuration; renders as `FILE:LINE: reason`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}{}: {reason}", line_suffix(.line))]
pub struct EtcdConfigError {
    /// The file, as its path displays.
    pub file: String,
    /// The 1-based line (the first line of a `\`-continued one); `None` for the whole file.
    pub line: Option<usize>,
    /// What is wrong, lowercase, quoting the offending text.
    pub reason: String,
}

fn line_suffix(line: &Option<usize>) -> String {
    line.map(|n| format!(":{n}")).unwrap_or_default()
}

/// A problem at a line that makes the file unreadable, before the file name is attached.
type Fail = (usize, String);

/// Returns a [`Fail`] at `$line`, the reason formatted as by `format!`.
macro_rules! fail {
    ($line:expr, $($reason:tt)+) => {
        return Err(($line, format!($($reason)+)))
    };
}
use fail;

/// Reads any of the three forms, detected by content, as `release` reads it (`None`: every
/// release from 3.4 to 3.6, naming the releases a problem applies to).
///
/// A systemd unit has a `[Service]` section or an `ExecStart=` line: the etcd command line in
/// `ExecStart=` is read (`\`-continued lines, quotes, `--flag=value` and `--flag value`), as are
/// `Environment=ETCD_X=…` assignments; `EnvironmentFile=` is not opened. An env file has
/// `ETCD_*=value` lines (`export`, quotes and comments allowed). Anything else is read as etcd's
/// YAML file. A later occurrence of a setting wins, as in etcd.
///
/// ```
/// # use etcdpki::etcd::{read_etcd_config, ConfigForm};
/// let text = "ETCD_NAME=infra0\nETCD_CLIENT_CERT_AUTH=1\n";
/// let config = read_etcd_config("/etc/etcd/etcd.conf".as_ref(), text, None)?;
/// assert_eq!(config.form, ConfigForm::EnvFile);
/// assert_eq!((config.name.as_deref(), config.client_cert_auth), (Some("infra0"), true));
/// # Ok::<(), etcdpki::etcd::EtcdConfigError>(())
/// ```
pub fn read_etcd_config(
    path: &Path,
    text: &str,
    release: Option<Release>,
) -> Result<EtcdConfig, EtcdConfigError> {
    let fail = |line, reason| EtcdConfigError {
        file: path.display().to_string(),
        line,
        reason,
    };
    // go-yaml and systemd both skip a UTF-8 byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let form = detect(text);
    let mut config = EtcdConfig {
        source: path.to_path_buf(),
        form,
        release,
        ..EtcdConfig::default()
    };
    match form {
        ConfigForm::Yaml => yaml_file::read_yaml(text, &mut config),
        ConfigForm::EnvFile => command_line::read_env_file(text, &mut config),
        ConfigForm::SystemdUnit => command_line::read_unit(text, &mut config),
    }
    .map_err(|(line, reason)| fail(Some(line), reason))?;
    if !config.has_settings() {
        let reason = "no etcd setting found (name, URL lists, initial-cluster, discovery-srv, TLS)";
        return Err(fail(None, reason.into()));
    }
    Ok(config)
}

fn detect(text: &str) -> ConfigForm {
    let lines = || {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with(['#', ';']))
    };
    let key = |l: &str| l.split_once('=').map(|(k, _)| k.trim_end().to_owned());
    if lines().any(|l| l == "[Service]" || key(l).is_some_and(|k| k == "ExecStart")) {
        ConfigForm::SystemdUnit
    } else if lines().any(|l| {
        key(command_line::strip_export(l)).is_some_and(|k| command_line::env_name(&k).is_some())
    }) {
        ConfigForm::EnvFile
    } else {
        ConfigForm::Yaml
    }
}

/// Where lint keeps each setting it reads, by flag name.
enum Slot<'a> {
    /// A string.
    Text(&'a mut Option<String>),
    /// A bool.
    Bool(&'a mut bool),
    /// URLs: one comma-separated string in flags and YAML alike (`types.NewURLs`).
    Urls(&'a mut Vec<String>),
    /// A list: comma-separated in a flag (`flags.NewStringsValue`), a YAML sequence in the file.
    List(&'a mut Vec<String>),
}

/// The flag name `client-transport-security.allowed-cn` is kept under: etcd has no such flag.
const CLIENT_ALLOWED_CN: &str = "client-cert-allowed-cn";

fn slot<'a>(config: &'a mut EtcdConfig, name: &str) -> Option<Slot<'a>> {
    use Slot::{Bool, List, Text, Urls};
    Some(match name {
        "name" => Text(&mut config.name),
        "cert-file" => Text(&mut config.cert_file),
        "key-file" => Text(&mut config.key_file),
        "trusted-ca-file" => Text(&mut config.trusted_ca_file),
        "client-cert-auth" => Bool(&mut config.client_cert_auth),
        "auto-tls" => Bool(&mut config.auto_tls),
        "client-cert-file" => Text(&mut config.client_cert_file),
        "client-key-file" => Text(&mut config.client_key_file),
        "client-crl-file" => Text(&mut config.client_crl_file),
        "client-cert-allowed-hostname" => List(&mut config.client_cert_allowed_hostname),
        CLIENT_ALLOWED_CN => List(&mut config.client_cert_allowed_cn),
        "peer-cert-file" => Text(&mut config.peer_cert_file),
        "peer-key-file" => Text(&mut config.peer_key_file),
        "peer-trusted-ca-file" => Text(&mut config.peer_trusted_ca_file),
        "peer-client-cert-auth" => Bool(&mut config.peer_client_cert_auth),
        "peer-auto-tls" => Bool(&mut config.peer_auto_tls),
        "peer-client-cert-file" => Text(&mut config.peer_client_cert_file),
        "peer-client-key-file" => Text(&mut config.peer_client_key_file),
        "peer-crl-file" => Text(&mut config.peer_crl_file),
        "peer-cert-allowed-cn" => List(&mut config.peer_cert_allowed_cn),
        "peer-cert-allowed-hostname" => List(&mut config.peer_cert_allowed_hostname),
        "peer-skip-client-san-verification" | "experimental-peer-skip-client-san-verification" => {
            Bool(&mut config.peer_skip_client_san_verification)
        }
        "cipher-suites" => List(&mut config.cipher_suites),
        "tls-min-version" => Text(&mut config.tls_min_version),
        "tls-max-version" => Text(&mut config.tls_max_version),
        "initial-advertise-peer-urls" => Urls(&mut config.initial_advertise_peer_urls),
        "advertise-client-urls" => Urls(&mut config.advertise_client_urls),
        "listen-client-urls" => Urls(&mut config.listen_client_urls),
        "listen-peer-urls" => Urls(&mut config.listen_peer_urls),
        "listen-metrics-urls" => Urls(&mut config.listen_metrics_urls),
        "initial-cluster" => Text(&mut config.initial_cluster),
        "discovery-srv" => Text(&mut config.discovery_srv),
        _ => return None,
    })
}

/// Whether setting `name` is a list.
fn slot_is_list(name: &str) -> bool {
    matches!(slot(&mut EtcdConfig::default(), name), Some(Slot::List(_)))
}

/// Whether lint keeps setting `name`.
fn kept(name: &str) -> bool {
    slot(&mut EtcdConfig::default(), name).is_some()
}

/// Go's `strconv.ParseBool` set, which etcd uses for bool flags and their `ETCD_*` variables.
const GO_BOOLS: &str = "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False";

/// Splits at commas and trims, dropping empty items, as `types.NewURLs` and
/// `flags.NewStringsValue` do.
fn comma_list(value: &str) -> Vec<String> {
    let items = value.split(',').map(str::trim).filter(|u| !u.is_empty());
    items.map(str::to_owned).collect()
}

/// Sets the flag (or `ETCD_*` variable) `name` as etcd would, at line `no`. `None` or empty
/// restores etcd's default (unset, false, no URLs), as an empty `ETCD_*` variable does in
/// pkg/flags. A bool etcd cannot parse stops it.
fn apply(config: &mut EtcdConfig, name: &str, value: Option<&str>, no: usize) -> Result<(), Fail> {
    let value = value.filter(|v| !v.is_empty());
    // etcd 3.4 etcdmain/config.go reads the allowed CN and hostnames with fs.StringVar, one
    // value; 3.5.15 made them comma-separated lists (flags.NewStringsValue).
    let one_value = (name.ends_with("-allowed-cn") || name.ends_with("-allowed-hostname"))
        && config.release == Some(Release::V3_4);
    let allowed = name.ends_with("-allowed-cn") || name.ends_with("-allowed-hostname");
    if let Some(v) = value.filter(|v| v.contains(',') && !one_value && slot_is_list(name))
        && allowed
        && config.release != Some(Release::V3_6)
    {
        let message = format!(
            "etcd 3.4 and 3.5 before 3.5.15 take --{name} as one value, so {} is one name that no certificate has; lists came with 3.5.15",
            clip(v)
        );
        config.problem(no, ProblemKind::SomeReleases, message);
    }
    match slot(config, name) {
        Some(Slot::Text(t)) => *t = value.map(str::to_owned),
        Some(Slot::List(u)) if one_value => *u = value.map(str::to_owned).into_iter().collect(),
        Some(Slot::Urls(u) | Slot::List(u)) => *u = value.map(comma_list).unwrap_or_default(),
        Some(Slot::Bool(b)) => {
            match value.map(|v| (v, GO_BOOLS.split(", ").position(|g| g == v))) {
                None => *b = false,
                Some((_, Some(at))) => *b = at < 6,
                Some((v, None)) => fail!(no, "{name} is {}; expected one of {GO_BOOLS}", clip(v)),
            }
        }
        // etcd etcdmain/config.go (3.4-3.6): with a config file, flags and variables are ignored.
        None if name == "config-file" && value.is_some() => {
            fail!(
                no,
                "config-file makes etcd ignore the settings here; lint that file"
            )
        }
        None => return Ok(()),
    }
    config.lines.insert(name.to_owned(), no);
    Ok(())
}

/// The text quoted for a message, cut at 40 characters so a huge line stays a short message.
fn clip(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    let more = if short.len() < s.len() { "…" } else { "" };
    format!("{short:?}{more}")
}

/// What a release without a setting does with it.
#[derive(Clone, Copy, Debug)]
enum Without<'a> {
    /// Ignores it (a YAML key, an `ETCD_*` variable); the text names what is ignored.
    Ignores(&'a str),
    /// Stops at the unknown flag (Go's `flag` package).
    Stops(&'a str),
}

/// `singular` or `plural`, agreeing with a list of releases such as `3.4 and 3.5`.
fn agree<'a>(releases: &str, singular: &'a str, plural: &'a str) -> &'a str {
    if releases.contains(" and ") || releases.contains(", ") {
        plural
    } else {
        singular
    }
}

/// The problem, if any, of a setting that only some releases have: `what` says what it is
/// ("flag --x", "key x inside peer-transport-security").
fn release_problem(
    config: &EtcdConfig,
    availability: release::Availability,
    what: &str,
    without: Without<'_>,
) -> Option<(ProblemKind, String)> {
    if availability.always(config.release) {
        return None;
    }
    let ignorers = availability.ignorers(config.release);
    let readers = availability.readers();
    let whole = config.release.is_some_and(|r| !availability.in_release(r));
    let (kind, does) = match without {
        Without::Stops(flag) => (
            ProblemKind::Refused,
            format!(
                "{}: \"flag provided but not defined: -{flag}\"",
                agree(&ignorers, "stops", "stop")
            ),
        ),
        Without::Ignores(it) => (
            ProblemKind::Ignored,
            format!("{} {it}", agree(&ignorers, "ignores", "ignore")),
        ),
    };
    let kind = if whole {
        kind
    } else {
        ProblemKind::SomeReleases
    };
    let has = agree(&ignorers, "has", "have");
    let read = agree(&readers, "reads", "read");
    Some((
        kind,
        format!("etcd {ignorers} {has} no {what} and {does}; only etcd {readers} {read} it"),
    ))
}

#[cfg(test)]
mod tests;

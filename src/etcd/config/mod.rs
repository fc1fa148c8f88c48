//! Reading one etcd member's configuration, for the `lint` checks that need cluster context
//! (advertise URLs against SANs, client-cert auth against server EKUs, the SRV domain).
//!
//! Takes a file's path and text and returns an [`EtcdConfig`]: the member's name, its TLS file
//! paths exactly as written, its client-cert-auth switches and its URL lists. Three forms are
//! read, told apart by content: a systemd unit whose `ExecStart=` runs etcd, an env file of
//! `ETCD_*` lines, and etcd's YAML file (`--config-file`). The ~100 other etcd settings are
//! ignored. Nothing is resolved: paths stay relative, `$VAR`, `${VAR}` and `%H` stay as written,
//! and files named by `EnvironmentFile=` are not opened. What etcd refuses fails here too,
//! where it is cheap to tell, with its line: a quoted YAML bool, a bool flag given a separate
//! value, a flag that shadows an `ETCD_*` variable. So does `--config-file`, which makes etcd
//! ignore the rest. YAML lists for URL keys, which etcd 3.4 refuses, are accepted. Reading never
//! panics and takes time linear in the text.
//!
//! What a setting means follows etcd 3.4: `embed/config.go` (`configYAML`, `securityConfig`;
//! URL lists are comma-separated strings), `pkg/flags/flag.go` (`--foo-bar` is `ETCD_FOO_BAR`, an
//! empty variable is unset, a variable shadowed by a flag is fatal), Go's `flag` (a later flag
//! wins, `-x` equals `--x`, a bool flag takes no separate value) and `strconv.ParseBool`.
//! Observed with Debian's etcd 3.4.23: YAML `yes` is true, while `"true"` and `1` are refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What lint learns about one etcd member from one of its configuration files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EtcdConfig {
    /// The file read.
    pub source: PathBuf,
    /// Which of the three forms it was.
    pub form: ConfigForm,
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
    /// `--peer-cert-file`, as written.
    pub peer_cert_file: Option<String>,
    /// `--peer-key-file`, as written.
    pub peer_key_file: Option<String>,
    /// `--peer-trusted-ca-file`, as written.
    pub peer_trusted_ca_file: Option<String>,
    /// `--peer-client-cert-auth`.
    pub peer_client_cert_auth: bool,
    /// `--initial-advertise-peer-urls`, in the order written.
    pub initial_advertise_peer_urls: Vec<String>,
    /// `--advertise-client-urls`, in the order written.
    pub advertise_client_urls: Vec<String>,
    /// `--listen-client-urls`, in the order written.
    pub listen_client_urls: Vec<String>,
    /// `--listen-peer-urls`, in the order written.
    pub listen_peer_urls: Vec<String>,
    /// `--initial-cluster`, the raw value, e.g. `infra0=https://10.0.1.10:2380,infra1=…`.
    pub initial_cluster: Option<String>,
    /// `--discovery-srv`, the DNS domain of the SRV records.
    pub discovery_srv: Option<String>,
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

/// A problem at a line, before the file name is attached.
type Fail = (usize, String);

/// Reads any of the three forms, detected by content.
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
/// let config = read_etcd_config("/etc/etcd/etcd.conf".as_ref(), text)?;
/// assert_eq!(config.form, ConfigForm::EnvFile);
/// assert_eq!((config.name.as_deref(), config.client_cert_auth), (Some("infra0"), true));
/// # Ok::<(), etcdpki::etcd::EtcdConfigError>(())
/// ```
pub fn read_etcd_config(path: &Path, text: &str) -> Result<EtcdConfig, EtcdConfigError> {
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
        ..EtcdConfig::default()
    };
    let empty = config.clone();
    match form {
        ConfigForm::Yaml => read_yaml(text, &mut config),
        ConfigForm::EnvFile => read_env_file(text, &mut config),
        ConfigForm::SystemdUnit => read_unit(text, &mut config),
    }
    .map_err(|(line, reason)| fail(Some(line), reason))?;
    if config == empty {
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
    } else if lines().any(|l| key(strip_export(l)).is_some_and(|k| env_name(&k).is_some())) {
        ConfigForm::EnvFile
    } else {
        ConfigForm::Yaml
    }
}

/// Where lint keeps each setting it reads, by flag name.
enum Slot<'a> {
    Text(&'a mut Option<String>),
    Bool(&'a mut bool),
    Urls(&'a mut Vec<String>),
}

fn slot<'a>(config: &'a mut EtcdConfig, name: &str) -> Option<Slot<'a>> {
    use Slot::{Bool, Text, Urls};
    Some(match name {
        "name" => Text(&mut config.name),
        "cert-file" => Text(&mut config.cert_file),
        "key-file" => Text(&mut config.key_file),
        "trusted-ca-file" => Text(&mut config.trusted_ca_file),
        "client-cert-auth" => Bool(&mut config.client_cert_auth),
        "peer-cert-file" => Text(&mut config.peer_cert_file),
        "peer-key-file" => Text(&mut config.peer_key_file),
        "peer-trusted-ca-file" => Text(&mut config.peer_trusted_ca_file),
        "peer-client-cert-auth" => Bool(&mut config.peer_client_cert_auth),
        "initial-advertise-peer-urls" => Urls(&mut config.initial_advertise_peer_urls),
        "advertise-client-urls" => Urls(&mut config.advertise_client_urls),
        "listen-client-urls" => Urls(&mut config.listen_client_urls),
        "listen-peer-urls" => Urls(&mut config.listen_peer_urls),
        "initial-cluster" => Text(&mut config.initial_cluster),
        "discovery-srv" => Text(&mut config.discovery_srv),
        _ => return None,
    })
}

/// Returns a [`Fail`] at `$line`, the reason formatted as by `format!`.
macro_rules! fail {
    ($line:expr, $($reason:tt)+) => {
        return Err(($line, format!($($reason)+)))
    };
}

/// Go's `strconv.ParseBool` set, which etcd uses for bool flags and their `ETCD_*` variables.
const GO_BOOLS: &str = "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False";

/// Sets the setting `name` as etcd would. `None` or empty restores etcd's default (unset,
/// false, no URLs), as an empty `ETCD_*` variable does in pkg/flags. URL lists are split at
/// commas and trimmed, as etcd's `types.NewURLs` does.
fn apply(config: &mut EtcdConfig, name: &str, value: Option<&str>, no: usize) -> Result<(), Fail> {
    let value = value.filter(|v| !v.is_empty());
    match slot(config, name) {
        Some(Slot::Text(t)) => *t = value.map(str::to_owned),
        Some(Slot::Urls(u)) => {
            let urls = value.into_iter().flat_map(|v| v.split(',')).map(str::trim);
            *u = urls.filter(|u| !u.is_empty()).map(str::to_owned).collect();
        }
        Some(Slot::Bool(b)) => {
            match value.map(|v| (v, GO_BOOLS.split(", ").position(|g| g == v))) {
                None => *b = false,
                Some((_, Some(at))) => *b = at < 6,
                Some((v, None)) => fail!(no, "{name} is {}; expected one of {GO_BOOLS}", clip(v)),
            }
        }
        // etcd 3.4 etcdmain/config.go: with a config file, flags and variables are ignored.
        None if name == "config-file" && value.is_some() => {
            fail!(
                no,
                "config-file makes etcd ignore the settings here; lint that file"
            )
        }
        None => {}
    }
    Ok(())
}

/// `ETCD_PEER_CERT_FILE` → `peer-cert-file` (pkg/flags `SetFlagsFromEnv`); `None` otherwise.
fn env_name(var: &str) -> Option<String> {
    let flag = |r: &str| {
        r.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    let rest = var
        .strip_prefix("ETCD_")
        .filter(|r| !r.is_empty() && flag(r))?;
    Some(rest.to_ascii_lowercase().replace('_', "-"))
}

fn strip_export(line: &str) -> &str {
    let rest = line
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']));
    rest.map_or(line, str::trim_start)
}

/// The text quoted for a message, cut at 40 characters so a huge line stays a short message.
fn clip(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    let more = if short.len() < s.len() { "…" } else { "" };
    format!("{short:?}{more}")
}

/// Lines with `\`-continuations joined by `joiner`, each with the number of its first line.
/// Comment lines inside a continuation are dropped, as systemd.syntax(7) specifies.
fn logical_lines(text: &str, joiner: &str) -> Vec<(usize, String)> {
    let (mut out, mut pending) = (Vec::new(), None::<(usize, String)>);
    for (index, line) in text.lines().enumerate() {
        if pending.is_some() && line.trim_start().starts_with(['#', ';']) {
            continue;
        }
        let line = line.trim_end();
        let (start, mut joined) = match pending.take() {
            Some((start, joined)) => (start, joined + joiner),
            None => (index + 1, String::new()),
        };
        match line.strip_suffix('\\') {
            Some(body) => pending = Some((start, joined + body)),
            None => out.push((start, {
                joined.push_str(line);
                joined
            })),
        }
    }
    out.extend(pending);
    out
}

/// Splits a command line into words as systemd does for `ExecStart=` and `Environment=`:
/// whitespace separates, quotes group (anywhere in a word), `\` takes the next character as it
/// is. With `comments`, an unquoted `#` starting a word ends the line (shell, for env files).
fn split_words(s: &str, comments: bool) -> Result<Vec<String>, String> {
    let (mut words, mut word, mut in_word, mut quote) = (Vec::new(), String::new(), false, None);
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '#') if comments && !in_word => break,
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if std::mem::take(&mut in_word) {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            (None, c) => word.push(c),
        }
        in_word = true;
    }
    if quote.is_some() {
        return Err(format!("unterminated quote in {}", clip(s)));
    }
    words.extend(in_word.then_some(word));
    Ok(words)
}

fn read_env_file(text: &str, config: &mut EtcdConfig) -> Result<(), Fail> {
    for (no, line) in logical_lines(text, "") {
        let line = strip_export(line.trim());
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let Some((var, value)) = line.split_once('=') else {
            fail!(no, "expected NAME=value, found {}", clip(line))
        };
        // Other variables (GOMAXPROCS, DAEMON_ARGS) are not etcd settings.
        if let Some(name) = env_name(var.trim_end()) {
            let value = split_words(value, true).map_err(|r| (no, r))?.join(" ");
            apply(config, &name, Some(&value), no)?;
        }
    }
    Ok(())
}

fn read_unit(text: &str, config: &mut EtcdConfig) -> Result<(), Fail> {
    let (mut in_service, mut exec, mut env) = (true, None, Vec::new());
    for (no, line) in logical_lines(text, " ") {
        let line = line.trim();
        if line.starts_with('[') {
            in_service = line == "[Service]";
        }
        let Some((key, value)) = line
            .split_once('=')
            .filter(|_| in_service && !line.starts_with(['#', ';']))
        else {
            continue;
        };
        let value = value.trim();
        match key.trim_end() {
            // systemd.service(5): an empty ExecStart= resets the list (drop-in overrides).
            "ExecStart" => exec = Some((no, value.to_owned())).filter(|_| !value.is_empty()),
            // systemd.exec(5): an empty Environment= resets the assignments before it.
            "Environment" if value.is_empty() => env.clear(),
            "Environment" => {
                for word in split_words(value, false).map_err(|r| (no, r))? {
                    if let Some((var, val)) = word.split_once('=')
                        && let Some(name) = env_name(var)
                    {
                        env.push((no, name, val.to_owned()));
                    }
                }
            }
            _ => {} // EnvironmentFile= names a file this reader does not open
        }
    }
    let mut set_by_env = HashMap::new();
    for (no, name, value) in &env {
        apply(config, name, Some(value), *no)?;
        set_by_env.insert(name.as_str(), !value.is_empty());
    }
    let Some((no, command)) = exec else {
        return Ok(());
    };
    for (name, value) in etcd_flags(&command).map_err(|r| (no, r))? {
        // pkg/flags `verifyEnv`: a variable shadowed by a flag stops etcd (observed, 3.4.23).
        if set_by_env.get(name.as_str()) == Some(&true) {
            fail!(
                no,
                "--{name} is also set by Environment=; etcd refuses to start"
            )
        }
        apply(config, &name, Some(&value), no)?;
    }
    Ok(())
}

/// etcd's bool flags (`etcd --help` of 3.4, and a few of 3.5), which never take the next word
/// as their value; other flags do, unless it starts with `-`.
const BOOL_FLAGS: &str = "client-cert-auth peer-client-cert-auth auto-tls peer-auto-tls \
    enable-v2 enable-pprof strict-reconfig-check pre-vote initial-election-tick-advance \
    force-new-cluster debug experimental-initial-corrupt-check \
    experimental-enable-lease-checkpoint experimental-peer-skip-client-san-verification \
    enable-grpc-gateway enable-log-rotation socket-reuse-port socket-reuse-address version help h";

/// The `(name, value)` flags etcd gets from an `ExecStart=` command line, in order (Go `flag`:
/// `-x` equals `--x`, a later flag wins, a bool flag's value needs `=`).
fn etcd_flags(command: &str) -> Result<Vec<(String, String)>, String> {
    let mut words = split_words(command, false)?;
    if let Some(first) = words.first_mut() {
        // systemd.service(5) prefixes such as `-` (ignore failure) and `+` (full privileges).
        *first = first
            .trim_start_matches(['-', '@', '+', '!', ':'])
            .to_owned();
    }
    let find = |words: &[String]| {
        let before = |i: usize| i.checked_sub(1).map(|p| words[p].as_str());
        words.iter().enumerate().position(|(i, w)| {
            w.rsplit('/').next() == Some("etcd")
                && (i == 0 || w.contains('/') || before(i) == Some("exec"))
        })
    };
    let (words, start) = match find(&words) {
        Some(i) => (words, i),
        // `/bin/sh -c "… /usr/bin/etcd …"`: the command is one quoted word.
        None => words
            .iter()
            .filter_map(|w| split_words(w, true).ok().filter(|inner| inner.len() > 1))
            .find_map(|inner| Some((find(&inner)?, inner)).map(|(i, inner)| (inner, i)))
            .ok_or_else(|| format!("ExecStart does not run etcd: {}", clip(command)))?,
    };
    let (mut flags, mut rest) = (Vec::new(), words[start + 1..].iter().peekable());
    while let Some(word) = rest.next().filter(|w| *w != "--") {
        // systemd expands `$VAR` and `${VAR}` at start, possibly into more flags.
        if word.starts_with('$') {
            continue;
        }
        let flag = word.strip_prefix("--").or_else(|| word.strip_prefix('-'));
        let Some(flag) = flag.filter(|f| !f.is_empty() && !f.starts_with(['-', '='])) else {
            let why = "etcd refuses it (a bool flag's value is written --flag=value)";
            return Err(format!("{} is not a flag: {why}", clip(word)));
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, value.to_owned()),
            None if BOOL_FLAGS.split_whitespace().any(|b| b == flag) => (flag, "true".into()),
            None => match rest.next_if(|next| !next.starts_with('-')) {
                Some(next) => (flag, next.clone()),
                None if slot(&mut EtcdConfig::default(), flag).is_some() => {
                    return Err(format!("--{flag} needs a value"));
                }
                None => (flag, "true".into()), // an etcd bool flag missing from BOOL_FLAGS
            },
        };
        flags.push((name.to_owned(), value));
    }
    Ok(flags)
}

/// A YAML scalar as written: `Null` for nothing, `~` and `null`.
enum Scalar {
    Null,
    Plain(String),
    Quoted(String),
}

/// Reads one scalar value; a `#` comment after it is dropped.
fn scalar(v: &str) -> Result<Scalar, String> {
    let v = v.trim();
    let Some(quote) = v.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        let text = comment_start(v).map_or(v, |i| &v[..i]).trim_end();
        if text.starts_with(['[', '{', '|', '>', '*', '&', '!', '%', '@', '`']) {
            return Err(format!(
                "unsupported YAML syntax {}; write a plain or quoted value",
                clip(text)
            ));
        }
        let null = matches!(text, "" | "~" | "null" | "Null" | "NULL");
        return Ok(if null {
            Scalar::Null
        } else {
            Scalar::Plain(text.to_owned())
        });
    };
    let (mut out, mut chars) = (String::new(), v[1..].char_indices().peekable());
    let after = loop {
        match (quote, chars.next()) {
            (_, None) => return Err(format!("unterminated quote in {}", clip(v))),
            // YAML writes a quote inside single quotes as ''.
            ('\'', Some((_, '\''))) if chars.next_if(|&(_, c)| c == '\'').is_some() => {
                out.push('\'')
            }
            (_, Some((i, c))) if c == quote => break &v[1 + i + 1..],
            ('"', Some((_, '\\'))) => match chars.next().map(|(_, c)| c) {
                Some(c @ ('"' | '\\' | '/' | ' ')) => out.push(c),
                Some('t') => out.push('\t'),
                _ => return Err(format!("unsupported escape in {}", clip(v))),
            },
            (_, Some((_, c))) => out.push(c),
        }
    };
    match after.trim_start() {
        "" => Ok(Scalar::Quoted(out)),
        rest if rest.starts_with('#') => Ok(Scalar::Quoted(out)),
        rest => Err(format!("unexpected {} after the closing quote", clip(rest))),
    }
}

/// The byte offset of a `#` comment: one at the start or after whitespace (YAML 1.2 §6.6).
fn comment_start(v: &str) -> Option<usize> {
    let mut hashes = v.match_indices('#').map(|(i, _)| i);
    hashes.find(|&i| i == 0 || v[..i].ends_with([' ', '\t']))
}

/// Splits `key: value` at the first `:` followed by whitespace or the line's end.
fn split_key(line: &str) -> Option<(String, &str)> {
    let mut colons = line.match_indices(':').map(|(i, _)| i);
    let at =
        colons.find(|&i| line[i + 1..].is_empty() || line[i + 1..].starts_with([' ', '\t']))?;
    let raw = line[..at].trim_end();
    let key = match scalar(raw) {
        Ok(Scalar::Plain(key) | Scalar::Quoted(key)) => key,
        _ => raw.to_owned(),
    };
    // `key: # comment` has no value; it may open a block.
    let value = Some(line[at + 1..].trim()).filter(|v| !v.starts_with('#'));
    Some((key, value.unwrap_or_default())).filter(|(key, _)| !key.is_empty())
}

/// The keys of `client-transport-security:` and `peer-transport-security:` lint reads.
const TLS_KEYS: &str = "cert-file key-file trusted-ca-file client-cert-auth auto-tls";

/// What the flag names of a transport-security map's keys start with (etcd `securityConfig`).
fn tls_prefix(map: &str) -> Option<String> {
    match map {
        "client-transport-security" => Some(String::new()),
        "peer-transport-security" => Some("peer-".into()),
        _ => None,
    }
}

/// The YAML subset etcd configuration files use: top-level `key: value`, the two indented
/// transport-security maps, `- item` lists, `#` comments, plain and quoted scalars. Unknown keys
/// and anything nested under them are skipped; what lint reads must stay inside the subset.
fn read_yaml(text: &str, config: &mut EtcdConfig) -> Result<(), Fail> {
    // Keys whose value is an indented block: (indent, key, indent of their children once seen).
    let (mut open, mut top_indent) = (Vec::<(usize, String, Option<usize>)>::new(), None);
    // Deeper lines after a value continue it: (the value's indent, whether lint reads it).
    let (mut continued, mut started) = (None, false);
    for (index, line) in text.lines().enumerate() {
        let (no, content) = (index + 1, line.trim_start_matches(' '));
        let indent = line.len() - content.len();
        if content.trim_start().starts_with('#') || content.trim().is_empty() {
            continue;
        }
        match continued.take() {
            Some((above, true)) if indent > above => {
                fail!(no, "a value over several lines is not supported here")
            }
            Some((above, false)) if indent > above => {
                continued = Some((above, false));
                continue;
            }
            _ => {}
        }
        if content.starts_with('\t') {
            fail!(no, "tab in indentation; YAML indents with spaces only")
        }
        let content = content.trim_end();
        if indent == 0 && matches!(content, "---" | "...") {
            // sigs.k8s.io/yaml, which etcd uses, reads the first document only.
            if started {
                break;
            }
            continue;
        }
        started = true;
        let item = (content == "-" || content.starts_with("- ")).then(|| &content[1..]);
        while open
            .last()
            .is_some_and(|(i, ..)| *i > indent || (*i == indent && item.is_none()))
        {
            open.pop();
        }
        let children = open.last_mut().map_or(&mut top_indent, |(.., c)| c);
        if *children.get_or_insert(indent) != indent {
            fail!(no, "indentation does not match the lines above")
        }
        let parent = open.last().map(|(_, key, _)| key.as_str());
        if let Some(value) = item {
            let Some(parent) = parent else {
                fail!(
                    no,
                    "a list item where `key: value` was expected: {}",
                    clip(content)
                )
            };
            let urls = match slot(config, parent) {
                Some(Slot::Urls(urls)) if open.len() == 1 => urls,
                _ => {
                    continued = Some((indent, false));
                    continue;
                }
            };
            continued = Some((indent, true));
            if let Scalar::Plain(url) | Scalar::Quoted(url) = scalar(value).map_err(|r| (no, r))? {
                urls.push(url);
            }
            continue;
        }
        let Some((key, value)) = split_key(content) else {
            fail!(no, "expected `key: value`, found {}", clip(content))
        };
        let name = match (open.len(), parent.and_then(tls_prefix)) {
            (0, _) => Some(key.clone()),
            (1, Some(prefix)) if TLS_KEYS.split(' ').any(|k| k == key) => Some(prefix + &key),
            _ => None,
        };
        let name = name.filter(|name| slot(config, name).is_some());
        let tls_prefix = tls_prefix(&key).filter(|_| open.is_empty());
        if value.is_empty() {
            // A later map replaces an earlier one whole, as the JSON decoding in etcd does.
            let reset = tls_prefix
                .iter()
                .flat_map(|p| TLS_KEYS.split(' ').map(move |k| p.clone() + k));
            for tls_name in reset {
                apply(config, &tls_name, None, no)?;
            }
            if let Some(name) = &name {
                apply(config, name, None, no)?;
            }
            open.push((indent, key, None));
            continue;
        }
        continued = Some((indent, tls_prefix.is_some() || name.is_some()));
        if tls_prefix.is_some() {
            if value.starts_with('{') {
                fail!(
                    no,
                    "a flow map `{{…}}` for {key} is not supported; write its keys below it"
                )
            }
            if !matches!(scalar(value), Ok(Scalar::Null)) {
                fail!(
                    no,
                    "{key} must be an indented map of TLS settings, found {}",
                    clip(value)
                )
            }
        } else if let Some(name) = &name {
            yaml_value(config, name, value, no)?;
        }
    }
    Ok(())
}

/// YAML 1.1 booleans, which go-yaml v2 (under etcd 3.4's sigs.k8s.io/yaml) decodes as bools.
const YAML_TRUE: &str = "y Y yes Yes YES on On ON true True TRUE";
const YAML_FALSE: &str = "n N no No NO off Off OFF false False FALSE";

/// Sets one setting from a YAML value. etcd decodes YAML into Go types, so a bool must be a
/// plain YAML 1.1 boolean (observed with 3.4.23: `yes` is true, `"true"` and `1` are refused)
/// and a URL list one comma-separated string (a YAML list is accepted here all the same).
fn yaml_value(config: &mut EtcdConfig, name: &str, value: &str, no: usize) -> Result<(), Fail> {
    let is_bool = matches!(slot(config, name), Some(Slot::Bool(_)));
    if value.starts_with('[') && matches!(slot(config, name), Some(Slot::Urls(_))) {
        fail!(
            no,
            "write {name} as one comma-separated string, not a flow list `[…]`"
        )
    }
    let value = match scalar(value).map_err(|r| (no, r))? {
        Scalar::Null => None,
        Scalar::Plain(v) if is_bool && YAML_TRUE.split(' ').any(|t| t == v) => Some("true".into()),
        Scalar::Plain(v) if is_bool && YAML_FALSE.split(' ').any(|f| f == v) => {
            Some("false".into())
        }
        Scalar::Plain(v) | Scalar::Quoted(v) if is_bool => {
            fail!(
                no,
                "{name} must be an unquoted true or false, found {}",
                clip(&v)
            )
        }
        Scalar::Plain(v) | Scalar::Quoted(v) => Some(v),
    };
    apply(config, name, value.as_deref(), no)
}

#[cfg(test)]
mod tests;

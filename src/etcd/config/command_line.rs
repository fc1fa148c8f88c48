//! etcd's command line and environment: a systemd unit's `ExecStart=` and `Environment=`, and
//! env files of `ETCD_*` lines.
//!
//! Takes the text and an [`EtcdConfig`] to fill; sets each flag as etcd would (Go `flag`: a later
//! flag wins, `-x` equals `--x`, a bool flag's value needs `=`; pkg/flags: `ETCD_PEER_CERT_FILE`
//! is `--peer-cert-file`) and records a [`Problem`](super::Problem) for a flag the release lacks
//! (etcd stops: `flag provided but not defined`) and for an `ETCD_*` variable it lacks (etcd
//! logs `unrecognized environment variable` and goes on). What makes the text unreadable
//! (broken quoting, a flag without its value) is a [`Fail`].

use std::collections::HashMap;

use super::{
    EtcdConfig, Fail, ProblemKind, Process, Without, apply, clip, fail, kept, release_problem,
};
use crate::etcd::release;

/// `ETCD_*` variables etcd reads itself rather than as a flag: etcdmain/etcd.go
/// `checkSupportArch` (3.4-3.6) reads `ETCD_UNSUPPORTED_ARCH`.
const NOT_FLAGS: &[&str] = &["unsupported-arch"];

/// `ETCD_PEER_CERT_FILE` → `peer-cert-file` (pkg/flags `SetFlagsFromEnv`); `None` otherwise.
pub(super) fn env_name(var: &str) -> Option<String> {
    let flag = |r: &str| {
        r.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    let rest = var
        .strip_prefix("ETCD_")
        .filter(|r| !r.is_empty() && flag(r))?;
    Some(rest.to_ascii_lowercase().replace('_', "-"))
}

pub(super) fn strip_export(line: &str) -> &str {
    let rest = line
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']));
    rest.map_or(line, str::trim_start)
}

/// Sets the variable `ETCD_…` for flag `name`, or records why etcd does not read it.
fn apply_env(config: &mut EtcdConfig, name: &str, value: &str, no: usize) -> Result<(), Fail> {
    let availability = release::flag(name);
    let var = format!("ETCD_{}", name.to_ascii_uppercase().replace('-', "_"));
    if !availability.anywhere() {
        if !NOT_FLAGS.contains(&name) {
            let message = format!(
                "{var} names no etcd flag: etcd logs \"unrecognized environment variable {var}\" and ignores it"
            );
            config.problem(no, ProblemKind::Unknown, message);
        }
        return Ok(());
    }
    let what = format!("--{name}");
    if let Some((kind, message)) =
        release_problem(config, availability, &what, Without::Ignores(&var))
    {
        config.problem(no, kind, message);
        if kind == ProblemKind::Ignored {
            return Ok(());
        }
    }
    apply(config, name, Some(value), no)
}

/// Sets flag `--name`, or records that etcd stops at it.
fn apply_flag(config: &mut EtcdConfig, name: &str, value: &str, no: usize) -> Result<(), Fail> {
    let availability = release::flag(name);
    if !availability.anywhere() {
        let message = format!(
            "etcd has no flag --{name} and stops: \"flag provided but not defined: -{name}\""
        );
        config.problem(no, ProblemKind::Refused, message);
        return Ok(());
    }
    let what = format!("flag --{name}");
    if let Some((kind, message)) =
        release_problem(config, availability, &what, Without::Stops(name))
    {
        config.problem(no, kind, message);
        if kind == ProblemKind::Refused {
            return Ok(());
        }
    }
    apply(config, name, Some(value), no)
}

/// Lines with `\`-continuations joined by `joiner`, each with the number of its first line.
/// Comment lines inside a continuation are dropped, as systemd.syntax(7) specifies.
pub(super) fn logical_lines(text: &str, joiner: &str) -> Vec<(usize, String)> {
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

pub(super) fn read_env_file(text: &str, config: &mut EtcdConfig) -> Result<(), Fail> {
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
            apply_env(config, &name, &value, no)?;
        }
    }
    Ok(())
}

pub(super) fn read_unit(text: &str, config: &mut EtcdConfig) -> Result<(), Fail> {
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
    let command = match exec {
        Some((no, command)) => Some((no, etcd_flags(&command).map_err(|r| (no, r))?)),
        None => None,
    };
    if let Some((no, (Process::GrpcProxy, flags))) = &command {
        // The proxy's own flags only: its command sets nothing from ETCD_* variables.
        read_grpc_proxy(config, flags, *no);
        return Ok(());
    }
    let mut set_by_env = HashMap::new();
    for (no, name, value) in &env {
        apply_env(config, name, value, *no)?;
        set_by_env.insert(name.as_str(), !value.is_empty());
    }
    let Some((no, (_, flags))) = command else {
        return Ok(());
    };
    for (name, value) in flags {
        // pkg/flags `verifyEnv`: a variable shadowed by a flag stops etcd (observed, 3.4.23).
        if set_by_env.get(name.as_str()) == Some(&true) {
            fail!(
                no,
                "--{name} is also set by Environment=; etcd refuses to start"
            )
        }
        apply_flag(config, &name, &value, no)?;
    }
    Ok(())
}

/// `etcd grpc-proxy start`'s flags lint keeps: the client identity it dials etcd with and the
/// CA file it checks etcd with (etcdmain/grpc_proxy.go of 3.4, server/etcdmain/grpc_proxy.go of
/// 3.5/3.6). Its other flags are the proxy's own; pflag reads `--cert x` and `--cert=x` alike.
fn read_grpc_proxy(config: &mut EtcdConfig, flags: &[(String, String)], no: usize) {
    config.process = Process::GrpcProxy;
    config.lines.insert("grpc-proxy".into(), no);
    for (name, value) in flags {
        let slot = match name.as_str() {
            "cert" => &mut config.grpc_proxy_cert,
            "key" => &mut config.grpc_proxy_key,
            "cacert" => &mut config.grpc_proxy_cacert,
            _ => continue,
        };
        *slot = Some(value.clone()).filter(|v| !v.is_empty());
        config.lines.insert(name.clone(), no);
    }
}

/// The bool flags of `etcd grpc-proxy start` (every `BoolVar` of its 3.4-3.6 command).
const GRPC_PROXY_BOOL_FLAGS: &str = "insecure-discovery permit-without-stream enable-pprof \
    insecure-skip-tls-verify auto-tls experimental-serializable-ordering \
    experimental-enable-grpc-logging debug help h";

/// etcd's bool flags (every `fs.BoolVar` of 3.4-3.6, and Go's `-h`/`-help`), which never take
/// the next word as their value; other flags do, unless it starts with `-`.
const BOOL_FLAGS: &str = "auto-tls client-cert-auth debug discovery-insecure-skip-tls-verify \
    discovery-insecure-transport enable-distributed-tracing enable-grpc-gateway \
    enable-log-rotation enable-pprof enable-v2 experimental-compact-hash-check-enabled \
    experimental-enable-distributed-tracing experimental-enable-lease-checkpoint \
    experimental-enable-lease-checkpoint-persist experimental-initial-corrupt-check \
    experimental-memory-mlock experimental-peer-skip-client-san-verification \
    experimental-stop-grpc-service-on-defrag experimental-txn-mode-write-with-shared-buffer \
    force-new-cluster initial-election-tick-advance memory-mlock next-cluster-version-compatible \
    peer-auto-tls peer-client-cert-auth peer-skip-client-san-verification pre-vote \
    socket-reuse-address socket-reuse-port strict-reconfig-check unsafe-no-fsync version help h";

/// What an `ExecStart=` command line runs, and the `(name, value)` flags it gets, in order (Go
/// `flag`: `-x` equals `--x`, a later flag wins, a bool flag's value needs `=`).
fn etcd_flags(command: &str) -> Result<(Process, Vec<(String, String)>), String> {
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
    let proxy = words.get(start + 1..start + 3) == Some(&["grpc-proxy".into(), "start".into()]);
    let (process, first, bools) = match proxy {
        true => (Process::GrpcProxy, start + 3, GRPC_PROXY_BOOL_FLAGS),
        false => (Process::Member, start + 1, BOOL_FLAGS),
    };
    let (mut flags, mut rest) = (Vec::new(), words[first..].iter().peekable());
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
            None if bools.split_whitespace().any(|b| b == flag) => (flag, "true".into()),
            None => match rest.next_if(|next| !next.starts_with('-')) {
                Some(next) => (flag, next.clone()),
                None if kept(flag) || (proxy && ["cert", "key", "cacert"].contains(&flag)) => {
                    return Err(format!("--{flag} needs a value"));
                }
                None => (flag, "true".into()), // an etcd bool flag missing from BOOL_FLAGS
            },
        };
        flags.push((name.to_owned(), value));
    }
    Ok((process, flags))
}

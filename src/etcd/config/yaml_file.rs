//! etcd's YAML file (`--config-file`), read key by key as each release reads it.
//!
//! Takes the text and an [`EtcdConfig`] to fill. The tree comes from [`super::yaml`]; each
//! top-level key is looked up in the release's table ([`release::yaml_key`]) and each key of
//! `client-transport-security:` and `peer-transport-security:` in the map's table
//! ([`release::tls_map_key`]), exactly as `sigs.k8s.io/yaml` fills etcd's `configYAML` and
//! `securityConfig` structs (embed/config.go of each release). A key no release reads where it
//! is, but that etcd reads elsewhere (a top-level `cert-file`, `peer-cert-file` inside
//! `peer-transport-security`), is a [`ProblemKind::Ignored`] naming where it belongs; a value of
//! the wrong type (a quoted bool, a list where etcd wants one string) is
//! [`ProblemKind::Refused`], as etcd's JSON decoding refuses it ("cannot unmarshal …").

use super::yaml::{self, Node, Resolved, Value};
use super::{
    CLIENT_ALLOWED_CN, EtcdConfig, Fail, ProblemKind, Slot, Without, clip, comma_list,
    release_problem, slot,
};
use crate::etcd::release::{self, Release};

/// The two transport-security maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Map {
    Client,
    Peer,
}

impl Map {
    fn key(self) -> &'static str {
        match self {
            Map::Client => "client-transport-security",
            Map::Peer => "peer-transport-security",
        }
    }

    fn of(key: &str) -> Option<Map> {
        [Map::Client, Map::Peer]
            .into_iter()
            .find(|m| m.key() == key)
    }

    /// The flag a key of this map sets (embed/config.go `copySecurityDetails`).
    fn flag(self, key: &str) -> Option<&'static str> {
        let (client, peer) = match key {
            "cert-file" => ("cert-file", "peer-cert-file"),
            "key-file" => ("key-file", "peer-key-file"),
            "client-cert-file" => ("client-cert-file", "peer-client-cert-file"),
            "client-key-file" => ("client-key-file", "peer-client-key-file"),
            "trusted-ca-file" => ("trusted-ca-file", "peer-trusted-ca-file"),
            "client-cert-auth" => ("client-cert-auth", "peer-client-cert-auth"),
            "auto-tls" => ("auto-tls", "peer-auto-tls"),
            "allowed-cn" => (CLIENT_ALLOWED_CN, "peer-cert-allowed-cn"),
            "allowed-hostname" => ("client-cert-allowed-hostname", "peer-cert-allowed-hostname"),
            "skip-client-san-verification" => ("", "peer-skip-client-san-verification"),
            _ => return None,
        };
        Some(match self {
            Map::Client => client,
            Map::Peer => peer,
        })
        .filter(|f| !f.is_empty())
    }
}

/// Where etcd's YAML file takes the setting of flag `name`.
fn home(flag: &str) -> Option<(Map, &'static str)> {
    const KEYS: [&str; 10] = [
        "cert-file",
        "key-file",
        "client-cert-file",
        "client-key-file",
        "trusted-ca-file",
        "client-cert-auth",
        "auto-tls",
        "allowed-cn",
        "allowed-hostname",
        "skip-client-san-verification",
    ];
    [Map::Client, Map::Peer]
        .into_iter()
        .flat_map(|m| KEYS.iter().map(move |k| (m, *k)))
        .find(|(m, k)| m.flag(k) == Some(flag))
}

/// The CRL flags, which no release reads from the YAML file.
const CRL_FLAGS: [&str; 2] = ["client-crl-file", "peer-crl-file"];

/// Reads the first document; a syntax error is a [`Fail`] (etcd stops with
/// "error converting YAML to JSON").
pub(super) fn read_yaml(text: &str, config: &mut EtcdConfig) -> Result<(), Fail> {
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => return Ok(()),
        Err(e) => {
            let reason = format!(
                "not YAML etcd can read ({}): etcd stops with \"error converting YAML to JSON\"",
                e.reason
            );
            return Err((e.line, reason));
        }
    };
    let Some(entries) = root.entries() else {
        let reason = "etcd's YAML file is a mapping of settings (`name: infra0`), not a single value or a list";
        return Err((root.line, reason.into()));
    };
    for (at, (key, key_node, value)) in entries.iter().enumerate() {
        if let Some(later) = overridden(&entries[at + 1..], key) {
            let message = format!("{key} is set again on line {later}; etcd reads only that one");
            config.problem(key_node.line, ProblemKind::Overridden, message);
            continue;
        }
        match Map::of(key) {
            Some(map) => read_map(config, map, value),
            None => read_top(config, key, key_node.line, value),
        }
    }
    Ok(())
}

/// The line of a later entry with `key`: go-yaml v2 keeps the last of duplicate keys.
fn overridden(later: &[(String, &Node, &Node)], key: &str) -> Option<usize> {
    later
        .iter()
        .find(|(k, ..)| k == key)
        .map(|(_, k, _)| k.line)
}

fn read_top(config: &mut EtcdConfig, key: &str, line: usize, value: &Node) {
    let availability = release::yaml_key(key);
    if availability.anywhere() {
        let what = format!("top-level key {key}");
        if let Some((kind, message)) =
            release_problem(config, availability, &what, Without::Ignores("it"))
        {
            config.problem(line, kind, message);
            if kind == ProblemKind::Ignored {
                return;
            }
        }
        set(config, key, key, value, line);
        return;
    }
    let (kind, message) = match home(key) {
        Some((map, inner)) => (
            ProblemKind::Ignored,
            format!(
                "etcd ignores a top-level {key}: write it as {inner} under {}:",
                map.key()
            ),
        ),
        None if CRL_FLAGS.contains(&key) => (ProblemKind::Ignored, crl_message(key)),
        None if release::flag(key).anywhere() => (
            ProblemKind::Ignored,
            format!(
                "etcd reads --{key} from the command line only, and ignores the command line when it reads a config file; no release has a YAML key {key}"
            ),
        ),
        None => (
            ProblemKind::Unknown,
            format!("etcd 3.4-3.6 have no setting {key} and ignore it (a typo?)"),
        ),
    };
    config.problem(line, kind, message);
}

fn crl_message(key: &str) -> String {
    format!(
        "etcd 3.4-3.6 read no CRL from the YAML file: {key} is a flag only (--{key}), and etcd ignores flags when it reads a config file. Pass the flags and ETCD_* variables instead of --config-file to use a CRL"
    )
}

fn read_map(config: &mut EtcdConfig, map: Map, node: &Node) {
    let entries = match (&node.value, node.entries()) {
        (_, Some(entries)) => entries,
        (Value::Scalar { .. }, None) if node.resolve() == Some(Resolved::Null) => return,
        _ => {
            let message = format!(
                "{} must be a mapping of TLS settings (cert-file: …); etcd refuses {}",
                map.key(),
                describe(node)
            );
            config.problem(node.line, ProblemKind::Refused, message);
            return;
        }
    };
    for (at, (key, key_node, value)) in entries.iter().enumerate() {
        let line = key_node.line;
        if let Some(later) = overridden(&entries[at + 1..], key) {
            let message = format!(
                "{key} is set again inside {} on line {later}; etcd reads only that one",
                map.key()
            );
            config.problem(line, ProblemKind::Overridden, message);
            continue;
        }
        let availability = release::tls_map_key(key);
        let Some(flag) = map.flag(key).filter(|_| availability.anywhere()) else {
            let (kind, message) = misplaced_in_map(map, key);
            config.problem(line, kind, message);
            continue;
        };
        let what = format!("key {key} inside {}", map.key());
        if let Some((kind, message)) =
            release_problem(config, availability, &what, Without::Ignores("it"))
        {
            config.problem(line, kind, message);
            if kind == ProblemKind::Ignored {
                continue;
            }
        }
        if key == "allowed-cn" || key == "allowed-hostname" {
            allowed_form(config, map, key, value, line);
        }
        set(config, &format!("{}.{key}", map.key()), flag, value, line);
    }
}

/// Why a key inside a transport-security map is ignored, and where it belongs.
fn misplaced_in_map(map: Map, key: &str) -> (ProblemKind, String) {
    let inside = map.key();
    let message = match home(key) {
        Some((m, inner)) if m == map => {
            format!("etcd ignores {key} inside {inside}: write it as {inner}")
        }
        Some((m, inner)) => format!(
            "etcd ignores {key} inside {inside}: it sets --{key}, which is {inner} under {}:",
            m.key()
        ),
        None if CRL_FLAGS.contains(&key) || key == "crl-file" => crl_message(if map == Map::Peer {
            "peer-crl-file"
        } else {
            "client-crl-file"
        }),
        None if release::yaml_key(key).anywhere() => {
            format!("etcd ignores {key} inside {inside}: it is a top-level key")
        }
        None => {
            let message = format!(
                "etcd ignores {key} inside {inside}; it reads cert-file, key-file, client-cert-file, client-key-file, trusted-ca-file, client-cert-auth, auto-tls, allowed-cn, allowed-hostname and skip-client-san-verification there"
            );
            return (ProblemKind::Unknown, message);
        }
    };
    (ProblemKind::Ignored, message)
}

/// 3.5.14 reads `allowed-cn`/`allowed-hostname` as one string; 3.5.15 made them lists, and
/// each refuses the other form (embed/config.go `securityConfig` of v3.5.14 and v3.5.15).
fn allowed_form(config: &mut EtcdConfig, map: Map, key: &str, value: &Node, line: usize) {
    if value.resolve() == Some(Resolved::Null) {
        return;
    }
    let is_list = matches!(value.value, Value::List(_));
    let (refusers, form) = if is_list {
        ("3.5.14", "a list; write one string there")
    } else {
        ("3.5.15+ and 3.6", "one string; write a list (- name)")
    };
    let whole = match config.release {
        Some(Release::V3_6) => !is_list,
        Some(Release::V3_5) | None => false,
        Some(Release::V3_4) => return,
    };
    if is_list && config.release == Some(Release::V3_6) {
        return;
    }
    let kind = if whole {
        ProblemKind::Refused
    } else {
        ProblemKind::SomeReleases
    };
    let message = format!(
        "etcd {refusers} {} {key} inside {} as {form}",
        super::agree(refusers, "refuses", "refuse"),
        map.key()
    );
    config.problem(line, kind, message);
}

/// What a node is, for a message.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a mapping".into(),
        Value::Scalar { text, .. } => clip(text),
    }
}

/// Sets `flag` from the YAML node of `key` (on `line`), as Go's JSON decoding into the field's
/// type would.
fn set(config: &mut EtcdConfig, key: &str, flag: &str, node: &Node, line: usize) {
    let refuse = |config: &mut EtcdConfig, want: &str| {
        let message = format!("{key} must be {want}; etcd refuses {}", describe(node));
        config.problem(line, ProblemKind::Refused, message);
    };
    let Some(slot) = slot(config, flag) else {
        return;
    };
    match slot {
        Slot::Text(t) => match node.as_string() {
            Ok(v) => *t = v.filter(|v| !v.is_empty()),
            Err(_) => return refuse(config, "one string"),
        },
        Slot::Urls(u) => match node.as_string() {
            Ok(v) => *u = v.as_deref().map(comma_list).unwrap_or_default(),
            Err(_) => return refuse(config, "one comma-separated string of URLs"),
        },
        Slot::Bool(b) => match node.resolve() {
            Some(Resolved::Bool(v)) => *b = v,
            Some(Resolved::Null) => {}
            _ => return refuse(config, "an unquoted true or false"),
        },
        Slot::List(l) => match &node.value {
            Value::List(items) => {
                let texts = items.iter().map(Node::as_string);
                match texts.collect::<Result<Vec<_>, _>>() {
                    Ok(texts) => *l = texts.into_iter().flatten().collect(),
                    Err(_) => return refuse(config, "a list of strings"),
                }
            }
            _ if node.resolve() == Some(Resolved::Null) => {}
            // 3.5.14's allowed-cn and allowed-hostname are one string (allowed_form reports).
            _ if flag.ends_with("allowed-cn") || flag.ends_with("allowed-hostname") => {
                *l = node.as_string().ok().flatten().into_iter().collect();
            }
            _ => return refuse(config, "a list (- item)"),
        },
    }
    config.lines.insert(flag.to_owned(), line);
}

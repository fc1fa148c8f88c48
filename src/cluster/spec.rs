//! The cluster to make a PKI for: its members, their URLs and extra names, the clients.
//!
//! Takes etcd's own `--initial-cluster` value ([`ClusterSpec::from_initial_cluster`]) or a
//! cluster spec file ([`parse_spec_json`], documented in docs/cluster.md), and returns a
//! [`ClusterSpec`] whose member and client names are safe file names and unique, whose URLs
//! are `https://HOST:PORT` with an IP or DNS host, and whose extra hosts are valid SANs. The
//! file is read with the repo's Go-style JSON reader ([`crate::diag::gojson`]), so every problem is
//! reported with the file and its JSON path, all of them at once; unlike cfssl's files, an
//! unknown key is an error, with the closest known key as a suggestion.

use crate::diag::gojson::{Node, Object, Reader};
use crate::diag::{Checked, InputError, JsonPath, Problem, quote};
use crate::etcd::{
    InitialClusterError, MemberUrl, MemberUrlError, parse_discovery_srv, parse_initial_cluster,
    parse_member_url,
};
use crate::request::{Host, parse_host};

/// The members and clients a PKI is made for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterSpec {
    /// The members, in order; at least one, names unique.
    pub members: Vec<MemberSpec>,
    /// Client certificate names (CN = the etcd user name), unique.
    pub clients: Vec<String>,
    /// etcd's `--discovery-srv` domain, lower case without a trailing dot.
    pub discovery_srv: Option<String>,
    /// Extra SANs for every member's server certificate.
    pub server_hosts: Vec<Host>,
    /// Extra SANs for every member's peer certificate.
    pub peer_hosts: Vec<Host>,
}

/// One member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSpec {
    /// etcd's `--name`.
    pub name: String,
    /// Its peer URLs (`--initial-advertise-peer-urls`), at least one.
    pub peer_urls: Vec<MemberUrl>,
    /// Its client URLs (`--advertise-client-urls`); empty means one per peer URL host on the
    /// client port.
    pub client_urls: Vec<MemberUrl>,
    /// Extra SANs for both of its certificates (more IPs, more names).
    pub hosts: Vec<Host>,
    /// Extra SANs for its server certificate only.
    pub server_hosts: Vec<Host>,
    /// Extra SANs for its peer certificate only.
    pub peer_hosts: Vec<Host>,
}

impl MemberSpec {
    /// A member known only by its peer URLs.
    pub fn new(name: &str, peer_urls: Vec<MemberUrl>) -> Self {
        Self {
            name: name.to_owned(),
            peer_urls,
            client_urls: Vec::new(),
            hosts: Vec::new(),
            server_hosts: Vec::new(),
            peer_hosts: Vec::new(),
        }
    }
}

/// A member or client name that cannot name files.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "names are 1 to 64 letters, digits, '.', '_' and '-', not starting with '.' or '-' (they name files)"
)]
pub struct NameError;

/// Why `--initial-cluster` cannot make a cluster spec.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// Not etcd's `name=url,…` form.
    #[error(transparent)]
    InitialCluster(#[from] InitialClusterError),
    /// A member name that cannot name files.
    #[error("member name {name:?}: {source}")]
    Name {
        /// The name.
        name: String,
        /// Why.
        #[source]
        source: NameError,
    },
    /// A peer URL etcdpki cannot issue for.
    #[error("{name}={url}: {source}")]
    Url {
        /// The member.
        name: String,
        /// The URL as written.
        url: String,
        /// Why.
        #[source]
        source: MemberUrlError,
    },
    /// Two members with one peer URL.
    #[error("{name} and {other} have the same peer URL {url}")]
    SharedPeerUrl {
        /// The later member.
        name: String,
        /// The earlier one.
        other: String,
        /// The URL.
        url: String,
    },
}

/// Checks a member or client name: it names files (`NAME.pem`, `NAME/server.crt`), so it is
/// letters, digits, `.`, `_` and `-`, not starting with `.` or `-`, at most 64 characters.
pub fn check_name(name: &str) -> Result<(), NameError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if valid { Ok(()) } else { Err(NameError) }
}

impl ClusterSpec {
    /// etcd's default single member on this host: `default` with peer URL
    /// `https://localhost:2380` (etcd's default is `http://localhost:2380`, etcd 3.4
    /// embed/config.go `DefaultInitialAdvertisePeerURLs`) and 127.0.0.1, the address
    /// `localhost` peers connect from, as an extra SAN.
    pub fn default_member() -> Self {
        let localhost = Host::Dns("localhost".into());
        let mut member = MemberSpec::new("default", vec![MemberUrl::https(&localhost, 2380)]);
        member.hosts.push(Host::Ip([127, 0, 0, 1].into()));
        Self {
            members: vec![member],
            ..Self::default()
        }
    }

    /// The members of etcd's `--initial-cluster` value (`infra0=https://10.0.1.10:2380,…`); a
    /// member listed several times has several peer URLs, as in etcd.
    pub fn from_initial_cluster(value: &str) -> Result<Self, SpecError> {
        let mut spec = Self::default();
        for (name, url) in parse_initial_cluster(value)? {
            check_name(&name).map_err(|source| SpecError::Name {
                name: name.clone(),
                source,
            })?;
            let url = parse_member_url(&url).map_err(|source| SpecError::Url {
                name: name.clone(),
                url: url.clone(),
                source,
            })?;
            if let Some(other) = spec
                .members
                .iter()
                .find(|m| m.name != name && m.peer_urls.iter().any(|u| u.text == url.text))
            {
                return Err(SpecError::SharedPeerUrl {
                    name,
                    other: other.name.clone(),
                    url: url.text,
                });
            }
            match spec.members.iter_mut().find(|m| m.name == name) {
                Some(m) if !m.peer_urls.contains(&url) => m.peer_urls.push(url),
                Some(_) => {}
                None => spec.members.push(MemberSpec::new(&name, vec![url])),
            }
        }
        Ok(spec)
    }
}

/// Keys of the spec file's top level.
const TOP_KEYS: &[&str] = &[
    "members",
    "clients",
    "discovery_srv",
    "server_hosts",
    "peer_hosts",
];

/// Keys of a member.
const MEMBER_KEYS: &[&str] = &[
    "name",
    "peer_urls",
    "client_urls",
    "hosts",
    "server_hosts",
    "peer_hosts",
];

/// Reads a cluster spec file (docs/cluster.md, "The spec file"). `file` is the name used in
/// messages. Everything wrong is an error with its JSON path, unknown keys included: the spec is
/// etcdpki's own format, and a misspelled key (`"host"`, `"client"`) would otherwise leave out
/// a SAN or a client certificate without a word. (cfssl's own files keep cfssl's leniency:
/// unknown keys there are warnings.)
pub fn parse_spec_json(file: &str, bytes: &[u8]) -> Result<Checked<ClusterSpec>, InputError> {
    Reader::read_document(file, bytes, read_spec)
}

fn read_spec(r: &mut Reader, root: &Node<'_>) -> Option<ClusterSpec> {
    let obj = r.strict_object(root, TOP_KEYS)?;
    let mut spec = ClusterSpec {
        server_hosts: hosts(r, &obj, "server_hosts"),
        peer_hosts: hosts(r, &obj, "peer_hosts"),
        ..ClusterSpec::default()
    };
    match obj.field("members") {
        Some(node) => {
            let items = r.array(&node).unwrap_or_default();
            if items.is_empty() && node.value.is_array() {
                r.error(&node.path, no_members());
            }
            for item in items {
                if let Some(m) = read_member(r, &item, &spec.members) {
                    spec.members.push(m);
                }
            }
        }
        None => r.error(&JsonPath::root(), no_members()),
    }
    if let Some(node) = obj.field("clients") {
        for (name, path) in r.strings(&node).unwrap_or_default() {
            let problem = if let Err(reason) = check_name(&name) {
                Some(reason.to_string())
            } else if spec.clients.contains(&name) {
                Some("listed twice".into())
            } else if spec.members.iter().any(|m| m.name == name) {
                Some("a member has this name; their certificate files would collide".into())
            } else {
                None
            };
            match problem {
                Some(reason) => r.error(&path, invalid(&name, reason, None)),
                None => spec.clients.push(name),
            }
        }
    }
    if let Some(node) = obj.field("discovery_srv")
        && let Some(domain) = r.string(&node)
    {
        match parse_discovery_srv(&domain) {
            Ok(d) => spec.discovery_srv = Some(d),
            Err(reason) => r.error(&node.path, invalid(&domain, reason, None)),
        }
    }
    Some(spec)
}

fn no_members() -> Problem {
    Problem::Missing {
        what: "members",
        help: Some(
            "list the members: \"members\": [{\"name\": \"infra0\", \"peer_urls\": [\"https://10.0.1.10:2380\"]}]"
                .into(),
        ),
    }
}

fn invalid(value: &str, reason: impl ToString, help: Option<String>) -> Problem {
    Problem::Invalid {
        value: quote(value),
        reason: reason.to_string(),
        help,
    }
}

fn read_member(r: &mut Reader, node: &Node<'_>, earlier: &[MemberSpec]) -> Option<MemberSpec> {
    let obj = r.strict_object(node, MEMBER_KEYS)?;
    let name = match obj.field("name") {
        Some(n) => {
            let name = r.string(&n)?;
            if let Err(reason) = check_name(&name) {
                r.error(&n.path, invalid(&name, reason, None));
                return None;
            }
            if let Some(i) = earlier.iter().position(|m| m.name == name) {
                r.error(
                    &n.path,
                    invalid(&name, format!("members[{i}] has the same name"), None),
                );
                return None;
            }
            name
        }
        None => {
            r.error(
                obj.path(),
                Problem::Missing {
                    what: "name",
                    help: Some("etcd's --name of the member, e.g. \"infra0\"".into()),
                },
            );
            return None;
        }
    };
    let peer_urls = urls(r, &obj, "peer_urls");
    if peer_urls.is_empty() && obj.field("peer_urls").is_none() {
        r.error(
            obj.path(),
            Problem::Missing {
                what: "peer_urls",
                help: Some(
                    "the member's --initial-advertise-peer-urls, e.g. [\"https://10.0.1.10:2380\"]"
                        .into(),
                ),
            },
        );
    }
    for url in &peer_urls {
        if let Some(m) = earlier
            .iter()
            .find(|m| m.peer_urls.iter().any(|u| u.text == url.text))
        {
            r.error(
                obj.path(),
                invalid(
                    &url.text,
                    format!("member {} has the same peer URL", m.name),
                    None,
                ),
            );
        }
    }
    Some(MemberSpec {
        name,
        peer_urls,
        client_urls: urls(r, &obj, "client_urls"),
        hosts: hosts(r, &obj, "hosts"),
        server_hosts: hosts(r, &obj, "server_hosts"),
        peer_hosts: hosts(r, &obj, "peer_hosts"),
    })
}

/// An array of member URLs at `key`; each bad one is an error at its index.
fn urls(r: &mut Reader, obj: &Object<'_>, key: &str) -> Vec<MemberUrl> {
    let Some(node) = obj.field(key) else {
        return Vec::new();
    };
    let items = r.strings(&node).unwrap_or_default();
    if items.is_empty() && key == "peer_urls" && node.value.is_array() {
        r.error(
            &node.path,
            invalid("[]", "a member needs at least one peer URL", None),
        );
    }
    let mut out: Vec<MemberUrl> = Vec::new();
    for (text, path) in items {
        match parse_member_url(&text) {
            Ok(u) if out.contains(&u) => r.error(&path, invalid(&text, "listed twice", None)),
            Ok(u) => out.push(u),
            Err(reason) => r.error(&path, invalid(&text, reason, None)),
        }
    }
    out
}

/// An array of SAN hosts at `key`, each checked as a csr.json `hosts` entry.
fn hosts(r: &mut Reader, obj: &Object<'_>, key: &str) -> Vec<Host> {
    let Some(node) = obj.field(key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (text, path) in r.strings(&node).unwrap_or_default() {
        match parse_host(&text) {
            Ok(h) => out.push(h),
            Err(e) => r.error(&path, invalid(&text, e.reason, e.help)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse_spec_json("cluster.json", text.as_bytes())
            .expect_err("invalid")
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn member_urls_are_https_host_port() {
        let u = parse_member_url("https://10.0.1.10:2380").expect("valid");
        assert_eq!((u.host.to_string(), u.port), ("10.0.1.10".into(), 2380));
        let u = parse_member_url("https://[fd00::10]:2380").expect("valid");
        assert_eq!(u.host, Host::Ip("fd00::10".parse().expect("ip")));
        let u = parse_member_url("https://infra0.example.com:2380").expect("valid");
        assert_eq!(u.host, Host::Dns("infra0.example.com".into()));
        for bad in [
            "http://10.0.1.10:2380",
            "10.0.1.10:2380",
            "https://10.0.1.10",
            "https://10.0.1.10:0",
            "https://10.0.1.10:2380/x",
            "https://fd00::10:2380",
            "https://[infra0]:2380",
            "https://:2380",
        ] {
            assert!(parse_member_url(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(
            MemberUrl::https(&Host::Ip("::1".parse().expect("ip")), 2379).text,
            "https://[::1]:2379"
        );
    }

    #[test]
    fn initial_cluster_groups_urls_by_member() {
        let spec = ClusterSpec::from_initial_cluster(
            "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,a=https://[fd00::1]:2380",
        )
        .expect("valid");
        assert_eq!(spec.members.len(), 2);
        assert_eq!(spec.members[0].peer_urls.len(), 2);
        let e = ClusterSpec::from_initial_cluster("a/b=https://10.0.0.1:2380").expect_err("name");
        assert!(
            e.to_string().starts_with("member name \"a/b\": names are"),
            "{e}"
        );
        let e = ClusterSpec::from_initial_cluster("a=http://10.0.0.1:2380").expect_err("http");
        assert!(
            e.to_string()
                .starts_with("a=http://10.0.0.1:2380: an http URL"),
            "{e}"
        );
        let e =
            ClusterSpec::from_initial_cluster("a=https://10.0.0.1:2380,b=https://10.0.0.1:2380")
                .expect_err("shared URL");
        assert!(matches!(e, SpecError::SharedPeerUrl { .. }), "{e}");
    }

    #[test]
    fn spec_file_reads_members_with_several_urls_and_names() {
        let spec = parse_spec_json(
            "cluster.json",
            br#"{"members": [{"name": "infra0",
                 "peer_urls": ["https://10.0.1.10:2380", "https://[fd00::10]:2380"],
                 "client_urls": ["https://infra0.example.com:2379"],
                 "hosts": ["infra0.example.com", "192.168.1.10"],
                 "server_hosts": ["etcd.example.com"]}],
               "clients": ["root"], "discovery_srv": "Example.COM.",
               "peer_hosts": ["10.0.0.1"]}"#,
        )
        .expect("valid");
        assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
        let spec = spec.value;
        assert_eq!(spec.members[0].peer_urls.len(), 2);
        assert_eq!(spec.members[0].client_urls[0].port, 2379);
        assert_eq!(spec.members[0].hosts.len(), 2);
        assert_eq!(spec.discovery_srv.as_deref(), Some("example.com"));
        assert_eq!(spec.clients, ["root"]);
    }

    #[test]
    fn spec_file_errors_are_all_reported_with_their_paths() {
        let e = errors(
            r#"{"members": [
                 {"name": "a", "peer_urls": ["http://10.0.0.1:2380"], "hosts": ["x:80"]},
                 {"name": "a", "peer_urls": ["https://10.0.0.2:2380"]},
                 {"peer_urls": ["https://10.0.0.3:2380"]}],
               "clients": ["a", "ok", "ok", "../x"], "discovery_srv": "*.example.com"}"#,
        );
        let expected_starts = [
            "error: cluster.json: members[0].peer_urls[0]: \"http://10.0.0.1:2380\": an http URL",
            "error: cluster.json: members[0].hosts[0]: \"x:80\": a host with a port",
            "error: cluster.json: members[1].name: \"a\": members[0] has the same name",
            "error: cluster.json: members[2]: missing name",
            "error: cluster.json: clients[0]: \"a\": a member has this name",
            "error: cluster.json: clients[2]: \"ok\": listed twice",
            "error: cluster.json: clients[3]: \"../x\": names are",
            "error: cluster.json: discovery_srv: \"*.example.com\": not a DNS domain",
        ];
        assert_eq!(e.len(), expected_starts.len(), "{e:#?}");
        for (line, start) in e.iter().zip(expected_starts) {
            assert!(
                line.starts_with(start),
                "{line}\n  should start with\n{start}"
            );
        }
        assert!(errors("{}")[0].starts_with("error: cluster.json: $: missing members"));
        assert!(errors(r#"{"members": []}"#)[0].contains("members: missing members"));
    }

    #[test]
    fn misspelled_keys_are_errors_naming_the_closest_key_at_every_depth() {
        let e = errors(
            r#"{"members": [
                 {"name": "a", "peer_urls": ["https://10.0.0.1:2380"], "host": ["a.example.com"]},
                 {"names": "b", "name": "b", "peer_url": ["https://10.0.0.2:2380"],
                  "peer_urls": ["https://10.0.0.2:2380"], "server_host": ["lb.example.com"]}],
               "client": ["root"], "peer_host": ["10.0.0.9"], "Discovery_Srv": "example.com"}"#,
        );
        let member = "expected one of \"name\", \"peer_urls\", \"client_urls\", \"hosts\", \"server_hosts\", \"peer_hosts\"";
        let top = "expected one of \"members\", \"clients\", \"discovery_srv\", \"server_hosts\", \"peer_hosts\"";
        let expected = [
            format!(
                "error: cluster.json: client: unknown key \"client\"; {top}\n  help: did you mean \"clients\"?"
            ),
            format!(
                "error: cluster.json: peer_host: unknown key \"peer_host\"; {top}\n  help: did you mean \"peer_hosts\"?"
            ),
            format!(
                "error: cluster.json: members[0].host: unknown key \"host\"; {member}\n  help: did you mean \"hosts\"?"
            ),
            format!(
                "error: cluster.json: members[1].names: unknown key \"names\"; {member}\n  help: did you mean \"name\"?"
            ),
            format!(
                "error: cluster.json: members[1].peer_url: unknown key \"peer_url\"; {member}\n  help: did you mean \"peer_urls\"?"
            ),
            format!(
                "error: cluster.json: members[1].server_host: unknown key \"server_host\"; {member}\n  help: did you mean \"server_hosts\"?"
            ),
        ];
        let mut sorted = e.clone();
        sorted.sort();
        let mut want = expected.to_vec();
        want.sort();
        assert_eq!(sorted, want, "{e:#?}");
        let e = errors(
            r#"{"members": [{"name": "a", "peer_urls": ["https://10.0.0.1:2380"], "zzz": 1}]}"#,
        );
        assert_eq!(
            e,
            [format!(
                "error: cluster.json: members[0].zzz: unknown key \"zzz\"; {member}"
            )],
            "no suggestion when nothing is close"
        );
    }
}

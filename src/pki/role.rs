//! Domain: which role a certificate plays for etcd (a member's server or peer certificate, a
//! client's, or a CA's), judged without an etcd configuration, for `lint` and `expiry` alike.
//!
//! Takes a certificate's file name, its place in the file, whether it is a CA and its
//! ExtendedKeyUsage; returns its [`Roles`] and the member its name names. Roles come from the
//! EKU when it allows one role only, and the file name breaks the tie (docs/lints.md, "Roles").
//! `lint` puts what an etcd configuration says first (its `Context`).

use std::collections::HashSet;
use std::path::Path;

/// The purposes in an ExtendedKeyUsage extension that matter to etcd.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Eku {
    /// id-kp-serverAuth.
    pub server: bool,
    /// id-kp-clientAuth.
    pub client: bool,
    /// anyExtendedKeyUsage.
    pub any: bool,
}

/// The roles a certificate plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    /// Serves etcd's client port (`--cert-file`).
    pub server: bool,
    /// Serves and dials the peer port (`--peer-cert-file`).
    pub peer: bool,
    /// Authenticates a client (etcdctl, the API server, a health check).
    pub client: bool,
    /// Serves only: the member dials that port with another certificate (3.5's
    /// `client-cert-file` for its gateway, `peer-client-cert-file` for its peers), so this one
    /// needs server auth only (embed/config.go, PR 12705).
    pub serves_only: bool,
}

impl Roles {
    /// True if it plays any role.
    pub fn any(self) -> bool {
        self.server || self.peer || self.client
    }

    /// The roles of both.
    pub fn union(self, other: Roles) -> Roles {
        Roles {
            server: self.server || other.server,
            peer: self.peer || other.peer,
            client: self.client || other.client,
            serves_only: self.serves_only || other.serves_only,
        }
    }

    /// `server`, `peer`, `client`, or several joined by `+` (`server+peer`); `None` for none.
    pub fn label(self) -> Option<String> {
        let names: Vec<&str> = [
            (self.server, "server"),
            (self.peer, "peer"),
            (self.client, "client"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        (!names.is_empty()).then(|| names.join("+"))
    }
}

/// What the roles are judged from: one certificate as found in a file.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    /// The file.
    pub file: &'a Path,
    /// Its position among the file's certificates (0 for the first).
    pub index: usize,
    /// BasicConstraints CA:TRUE.
    pub is_ca: bool,
    /// Its ExtendedKeyUsage; `None` without the extension (Go then allows any use).
    pub eku: Option<Eku>,
}

/// The roles of `seen` and the member its name names (for a server or peer only), judged
/// without a configuration: from its EKU when that allows one role only (server auth: a
/// server; client auth: a client); else, to break the tie, from its name. `own_peer` holds the
/// members that have a peer certificate of their own (`NAME-peer.pem`), whose `NAME.pem` is
/// then their server certificate only.
///
/// The fixed names of the layouts etcd's tools write (`server`, `peer`, `client`,
/// `healthcheck-client`, `apiserver-etcd-client`, `etcdctl-etcd-client`, and a known
/// member's `NAME-peer`/`NAME-server`) are configuration in all but name: kubeadm's and
/// etcdadm's etcd commands pass exactly those files (docs/lints.md, "Roles"). Such a name
/// keeps its role when the EKU says otherwise, so a misissued certificate is reported. Any
/// other name (`kube-apiserver`, `prometheus-server`) never overrides the EKU.
pub fn roles_without_configuration<'a>(
    seen: Seen<'_>,
    members: impl Iterator<Item = &'a str>,
    own_peer: &HashSet<String>,
) -> (Roles, Option<String>) {
    if seen.index > 0 {
        // A bundle's later certificates are its chain, not what the file name says.
        return (Roles::default(), None);
    }
    let named = name_roles(seen.file, members, own_peer);
    if seen.is_ca && (!named.roles.any() || has_ca_token(seen.file)) {
        // A CA, unless its name says it is a leaf (then ca-constraints reports CA:TRUE).
        return (Roles::default(), None);
    }
    let roles = match eku_role(seen.eku) {
        Some(single) if !named.conventional => single,
        _ => named.roles,
    };
    let member = named.member.filter(|_| roles.server || roles.peer);
    (roles, member)
}

/// The one role an EKU allows: server auth only is a server, client auth only a client; none
/// when it allows both (or any, or has no EKU: Go then allows every use).
fn eku_role(eku: Option<Eku>) -> Option<Roles> {
    let eku = eku.filter(|e| !e.any)?;
    match (eku.server, eku.client) {
        (true, false) => Some(Roles {
            server: true,
            ..Roles::default()
        }),
        (false, true) => Some(Roles {
            client: true,
            ..Roles::default()
        }),
        _ => None,
    }
}

/// The members that have a peer certificate file of their own (`NAME-peer.pem`, as
/// `etcdpki cluster` and cfssl tutorials name it).
pub fn members_with_peer_files<'a, 'm>(
    members: impl Iterator<Item = &'m str> + Clone,
    files: impl Iterator<Item = &'a Path>,
) -> HashSet<String> {
    let none = HashSet::new();
    files
        .filter_map(|f| {
            let named = name_roles(f, members.clone(), &none);
            (named.roles.peer && !named.roles.server)
                .then_some(named.member)
                .flatten()
        })
        .collect()
}

/// The member names a cfssl layout's file names show without a member list: `NAME` of each
/// `NAME-peer.pem` (`.crt`, `.cert`), as `etcdpki cluster` and cfssl tutorials name a member's
/// peer certificate beside its `NAME.pem` server certificate.
pub fn members_from_peer_names<'a>(files: impl Iterator<Item = &'a Path>) -> Vec<String> {
    let mut members: Vec<String> = files
        .filter_map(|f| {
            let stem = stem(f);
            let member = stem.strip_suffix("-peer")?;
            (!member.is_empty()).then(|| member.to_owned())
        })
        .collect();
    members.sort();
    members.dedup();
    members
}

/// What a file name says.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Named {
    /// The roles it names.
    roles: Roles,
    /// The member it names.
    member: Option<String>,
    /// Whether it is one of the fixed names of a tool's layout (see
    /// [`roles_without_configuration`]).
    conventional: bool,
}

/// The fixed file names (without extension) of kubeadm's, etcdadm's and etcd's own examples'
/// etcd certificates (kubeadm phases/certs/certlist.go, etcdadm constants.go).
const CONVENTIONAL: &[&str] = &[
    "server",
    "peer",
    "client",
    "etcdctl",
    "healthcheck-client",
    "apiserver-etcd-client",
    "etcdctl-etcd-client",
];

/// The file name without `.pem`, `.crt` or `.cert`, in lower case.
fn stem(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".pem", ".crt", ".cert"]
        .iter()
        .find_map(|e| name.strip_suffix(e))
        .unwrap_or(&name)
        .to_owned()
}

/// Roles and member from a file name: `client`, `etcdctl`, `apiserver`, `healthcheck` or
/// `prometheus` in it make a client (etcd's clients: etcdctl, kube-apiserver, health checks,
/// metrics scrapers); else `peer` a peer and `server` a server; a file named after a member
/// (`infra0.pem`, as etcd's tutorials name the one certificate a member uses for both) is that
/// member's server and peer certificate, or its server certificate only when the member has a
/// peer certificate of its own (`own_peer`); `infra0-peer.pem` is infra0's peer.
fn name_roles<'a>(
    file: &Path,
    members: impl Iterator<Item = &'a str>,
    own_peer: &HashSet<String>,
) -> Named {
    let stem = stem(file);
    let mut roles = Roles::default();
    let client_words = [
        "client",
        "etcdctl",
        "apiserver",
        "healthcheck",
        "prometheus",
    ];
    if client_words.iter().any(|w| stem.contains(w)) {
        roles.client = true;
    } else {
        roles.peer = stem.contains("peer");
        roles.server = stem.contains("server");
    }
    let member = members
        .filter(|m| {
            let m = m.to_ascii_lowercase();
            stem == m
                || [b'-', b'_', b'.'].iter().any(|sep| {
                    stem.strip_prefix(&m)
                        .is_some_and(|rest| rest.as_bytes().first() == Some(sep))
                })
        })
        .max_by_key(|m| m.len())
        .map(str::to_owned);
    let own = member.as_deref().map(str::to_ascii_lowercase);
    let rest = own
        .as_deref()
        .and_then(|m| stem.strip_prefix(m))
        .map(|r| r.trim_start_matches(['-', '_', '.']));
    if rest == Some("") {
        roles.server = true;
        roles.peer = !member.as_ref().is_some_and(|m| own_peer.contains(m));
    }
    let conventional = CONVENTIONAL.contains(&stem.as_str())
        || rest.is_some_and(|r| ["", "server", "peer", "client"].contains(&r));
    Named {
        roles,
        member,
        conventional,
    }
}

/// True for names like `ca.pem`, `etcd-ca.crt`, `client-ca.pem`: a `ca` word in the name.
fn has_ca_token(file: &Path) -> bool {
    file.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.split(['-', '_', '.']).any(|t| t == "ca"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: Roles = Roles {
        server: true,
        peer: false,
        client: false,
        serves_only: false,
    };
    const PEER: Roles = Roles {
        server: false,
        peer: true,
        client: false,
        serves_only: false,
    };
    const CLIENT: Roles = Roles {
        server: false,
        peer: false,
        client: true,
        serves_only: false,
    };

    #[test]
    fn file_names_give_roles_and_members() {
        let members = ["infra0", "infra1"];
        let own_peer = HashSet::from(["infra1".to_owned()]);
        let named = |f: &str| name_roles(Path::new(f), members.iter().copied(), &own_peer);
        let both = Roles {
            peer: true,
            ..SERVER
        };
        assert_eq!(
            named("pki/infra0.pem"),
            Named {
                roles: both,
                member: Some("infra0".into()),
                conventional: true
            }
        );
        // infra1 has infra1-peer.pem: infra1.pem is its server certificate only.
        assert_eq!(named("pki/infra1.pem").roles, SERVER);
        assert_eq!(
            named("infra1-peer.pem"),
            Named {
                roles: PEER,
                member: Some("infra1".into()),
                conventional: true
            }
        );
        for client in [
            "apiserver-etcd-client.crt",
            "healthcheck-client.crt",
            "etcdctl-etcd-client.crt",
            "etcdctl.pem",
        ] {
            assert_eq!(
                (named(client).roles, named(client).conventional),
                (CLIENT, true),
                "{client}"
            );
        }
        // etcdpki cluster --client names: clients by their words, never conventional.
        for client in ["kube-apiserver.pem", "prometheus-server.pem"] {
            assert_eq!(
                (named(client).roles, named(client).conventional),
                (CLIENT, false),
                "{client}"
            );
        }
        assert!(named("server.crt").roles.server && named("server.crt").conventional);
        assert!(!named("lonely-server.pem").conventional);
        assert_eq!(named("ca.pem").roles, Roles::default());
    }

    #[test]
    fn a_cfssl_layout_gives_members_servers_peers_clients_and_cas() {
        let files = [
            "pki/ca.pem",
            "pki/infra0.pem",
            "pki/infra0-peer.pem",
            "pki/etcdctl.pem",
        ];
        let members = members_from_peer_names(files.iter().map(Path::new));
        assert_eq!(members, ["infra0"]);
        let own_peer = members_with_peer_files(
            members.iter().map(String::as_str),
            files.iter().map(Path::new),
        );
        let both = Some(Eku {
            server: true,
            client: true,
            any: false,
        });
        let roles = |file: &str, is_ca: bool, index: usize| {
            let seen = Seen {
                file: Path::new(file),
                index,
                is_ca,
                eku: if is_ca { None } else { both },
            };
            roles_without_configuration(seen, members.iter().map(String::as_str), &own_peer)
                .0
                .label()
        };
        assert_eq!(roles("pki/ca.pem", true, 0), None);
        assert_eq!(roles("pki/infra0.pem", false, 0).as_deref(), Some("server"));
        assert_eq!(
            roles("pki/infra0-peer.pem", false, 0).as_deref(),
            Some("peer")
        );
        assert_eq!(
            roles("pki/etcdctl.pem", false, 0).as_deref(),
            Some("client")
        );
        // A bundle's second certificate is its chain.
        assert_eq!(roles("pki/infra0.pem", false, 1), None);
        // Without a peer file of its own, a member's NAME.pem serves both ports.
        let alone = roles_without_configuration(
            Seen {
                file: Path::new("infra1.pem"),
                index: 0,
                is_ca: false,
                eku: both,
            },
            ["infra1"].into_iter(),
            &HashSet::new(),
        );
        assert_eq!(alone.0.label().as_deref(), Some("server+peer"));
        assert_eq!(alone.1.as_deref(), Some("infra1"));
    }
}

//! etcd's minor releases (3.4, 3.5, 3.6) and what each patch release of them reads.
//!
//! Takes a setting's name (a flag, a YAML key, a key of a transport-security map) and returns
//! an [`Availability`]: from which patch of each minor release etcd reads it. The data is in
//! `super::keys`; this module answers questions about it and words the answers for findings
//! ("read by etcd 3.5.14+ and 3.6; etcd 3.4 ignores it").

use std::fmt;

use super::keys::{FLAGS, TLS_MAP_KEYS, YAML_KEYS};

/// A minor release of etcd that `lint` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    /// etcd 3.4 (Debian bookworm ships 3.4.23).
    V3_4,
    /// etcd 3.5.
    V3_5,
    /// etcd 3.6.
    V3_6,
}

impl Release {
    /// Every release, oldest first.
    pub const ALL: [Release; 3] = [Release::V3_4, Release::V3_5, Release::V3_6];

    /// `3.4`, `3.5` or `3.6`.
    pub fn as_str(self) -> &'static str {
        match self {
            Release::V3_4 => "3.4",
            Release::V3_5 => "3.5",
            Release::V3_6 => "3.6",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Reads `3.4`, `3.5` or `3.6` (a patch release such as `3.5.15` names its minor release).
    pub fn parse(text: &str) -> Option<Release> {
        let minor = text.strip_prefix('v').unwrap_or(text);
        let minor = minor.splitn(3, '.').take(2).collect::<Vec<_>>().join(".");
        Release::ALL.into_iter().find(|r| r.as_str() == minor)
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per minor release (3.4, 3.5, 3.6): the first patch release that reads a setting, or `None`.
pub(crate) type Since = [Option<u8>; 3];

/// Not read by any patch release of that minor release.
pub(crate) const NO: Option<u8> = None;

/// Read from the minor release's first release on.
pub(crate) const ALL: Option<u8> = Some(0);

/// Which releases read a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Availability(Since);

impl Availability {
    /// Read by no release.
    pub(crate) const NONE: Availability = Availability([NO, NO, NO]);

    /// Whether some patch release of `release` reads it.
    pub(crate) fn in_release(self, release: Release) -> bool {
        self.0[release.index()].is_some()
    }

    /// Whether every patch release of `release` reads it.
    pub(crate) fn in_whole(self, release: Release) -> bool {
        self.0[release.index()] == ALL
    }

    /// Whether some release reads it.
    pub(crate) fn anywhere(self) -> bool {
        self.0.iter().any(Option::is_some)
    }

    /// Whether every release of every minor release (or of `only`) reads it.
    pub fn always(self, only: Option<Release>) -> bool {
        match only {
            Some(r) => self.in_whole(r),
            None => Release::ALL.into_iter().all(|r| self.in_whole(r)),
        }
    }

    /// The releases that read it: `3.5.14+ and 3.6`.
    pub fn readers(self) -> String {
        words(
            Release::ALL
                .into_iter()
                .filter_map(|r| match self.0[r.index()] {
                    Some(0) => Some(r.to_string()),
                    Some(p) => Some(format!("{r}.{p}+")),
                    None => None,
                }),
        )
    }

    /// The releases that do not read it: `3.4 and 3.5 before 3.5.14`.
    pub(crate) fn ignorers(self, only: Option<Release>) -> String {
        let releases = Release::ALL
            .into_iter()
            .filter(|r| only.is_none_or(|o| o == *r));
        words(releases.filter_map(|r| match self.0[r.index()] {
            Some(0) => None,
            Some(p) => Some(format!("{r} before {r}.{p}")),
            None => Some(r.to_string()),
        }))
    }
}

/// `a`, `a and b`, `a, b and c`.
fn words(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn find(table: &[(&str, Since)], name: &str) -> Availability {
    table
        .binary_search_by(|(key, _)| (*key).cmp(name))
        .map_or(Availability::NONE, |i| Availability(table[i].1))
}

/// The releases that have the flag `--name` (and so the variable `ETCD_NAME`).
pub fn flag(name: &str) -> Availability {
    find(FLAGS, name)
}

/// The releases whose YAML file reads the top-level key `name`.
pub(crate) fn yaml_key(name: &str) -> Availability {
    find(YAML_KEYS, name)
}

/// The releases whose YAML file reads `name` inside a transport-security map.
pub(crate) fn tls_map_key(name: &str) -> Availability {
    find(TLS_MAP_KEYS, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique_for_binary_search() {
        for table in [FLAGS, YAML_KEYS, TLS_MAP_KEYS] {
            for pair in table.windows(2) {
                assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
            }
        }
    }

    #[test]
    fn releases_read_what_their_source_declares() {
        // etcd 3.4.25 added --tls-min-version (etcdmain/config.go), 3.5.8 too.
        let tls_min = flag("tls-min-version");
        assert_eq!(tls_min.readers(), "3.4.25+, 3.5.8+ and 3.6");
        assert_eq!(
            tls_min.ignorers(None),
            "3.4 before 3.4.25 and 3.5 before 3.5.8"
        );
        assert!(!tls_min.always(Some(Release::V3_4)) && tls_min.always(Some(Release::V3_6)));
        // 3.5.0 added the outbound client identities (PR 12705).
        assert_eq!(flag("client-cert-file").ignorers(None), "3.4");
        // The CRL is a flag in every release and never a YAML key.
        assert!(flag("peer-crl-file").always(None));
        assert!(!yaml_key("peer-crl-file").anywhere() && !tls_map_key("crl-file").anywhere());
        // A top-level cert-file is read by no release: it belongs in a transport map.
        assert!(!yaml_key("cert-file").anywhere() && tls_map_key("cert-file").always(None));
        assert_eq!(tls_map_key("allowed-cn").readers(), "3.5.14+ and 3.6");
        assert!(flag("feature-gates").in_release(Release::V3_6));
        assert!(!flag("enable-v2").in_release(Release::V3_6));
        assert!(
            flag("cluster-active-size").always(None),
            "an ignored flag is accepted"
        );
    }

    #[test]
    fn versions_parse_to_their_minor_release() {
        assert_eq!(Release::parse("3.5.15"), Some(Release::V3_5));
        assert_eq!(Release::parse("v3.6"), Some(Release::V3_6));
        assert_eq!(Release::parse("3.4"), Some(Release::V3_4));
        assert_eq!(Release::parse("3.7"), None);
        assert_eq!(Release::parse("3"), None);
    }
}

//! etcd's `--initial-cluster` value and the hosts of member URLs.
//!
//! Takes the flag's text (`name=url,name=url,…`) or one URL; returns the (name, URL) pairs in
//! order, or the host of a URL. Shared by `cluster` (which makes a PKI for the members) and
//! `lint` (which checks the members' certificates name them).

/// Why an `--initial-cluster` value is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InitialClusterError {
    /// An entry that is not `NAME=URL`.
    #[error("{part:?} is not NAME=URL (expected e.g. infra0=https://10.0.1.10:2380)")]
    NotNameUrl {
        /// The entry as written.
        part: String,
    },
    /// No entry at all.
    #[error("no member (expected e.g. infra0=https://10.0.1.10:2380)")]
    Empty,
}

/// `name=url,name=url,…` as etcd reads `--initial-cluster` (a member may appear with several
/// URLs). Names and URLs must be non-empty.
pub fn parse_initial_cluster(value: &str) -> Result<Vec<(String, String)>, InitialClusterError> {
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, url)) = part.split_once('=') else {
            return Err(InitialClusterError::NotNameUrl {
                part: part.to_owned(),
            });
        };
        if name.is_empty() || url_host(url).is_none() {
            return Err(InitialClusterError::NotNameUrl {
                part: part.to_owned(),
            });
        }
        out.push((name.to_owned(), url.to_owned()));
    }
    if out.is_empty() {
        return Err(InitialClusterError::Empty);
    }
    Ok(out)
}

/// The host of `https://host:port/path`, without brackets for IPv6; `None` if it has none.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_cluster_and_urls_read_as_etcd_writes_them() {
        let members =
            parse_initial_cluster("infra0=https://10.0.1.10:2380, infra1=https://[::1]:2380")
                .expect("valid");
        assert_eq!(members[1], ("infra1".into(), "https://[::1]:2380".into()));
        assert_eq!(url_host("https://[::1]:2380").as_deref(), Some("::1"));
        assert_eq!(
            url_host("https://node.example:2380/x").as_deref(),
            Some("node.example")
        );
        assert!(parse_initial_cluster("infra0").is_err());
        assert!(parse_initial_cluster("infra0=").is_err());
        assert!(parse_initial_cluster("").is_err());
    }
}

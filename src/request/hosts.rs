//! `hosts` entries → Subject Alternative Names, classified as cfssl 1.6.5 does
//! (csr/csr.go `GenerateDER`, signer/local/local.go `OverrideHosts`), with the accidents refused.
//!
//! Takes one string, returns a [`Host`]. Order of tests, first match wins: IP address, email
//! address, URI, DNS name. cfssl turns `etcd-0:2380` into a URI SAN and `[::1]` into a DNS name
//! that no client will ever match; both are errors here (docs/compat.md).

use std::fmt;
use std::net::IpAddr;

/// One SAN.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A dNSName, verbatim (wildcards included).
    Dns(String),
    /// An iPAddress; IPv4-mapped IPv6 addresses are encoded as IPv4, as Go does.
    Ip(IpAddr),
    /// An rfc822Name: the bare address (`Ops <ops@x>` → `ops@x`).
    Email(String),
    /// A uniformResourceIdentifier.
    Uri(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Dns(s) | Host::Email(s) | Host::Uri(s) => f.write_str(s),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl Host {
    /// The host a SAN entry names, as Go's x509 parser keeps them: DNS, email, URI and IP
    /// (4 or 16 bytes); other kinds of names are not hosts.
    pub fn from_general_name(name: &x509_parser::extensions::GeneralName<'_>) -> Option<Self> {
        use x509_parser::extensions::GeneralName;
        match name {
            GeneralName::DNSName(d) => Some(Host::Dns((*d).to_owned())),
            GeneralName::RFC822Name(e) => Some(Host::Email((*e).to_owned())),
            GeneralName::URI(u) => Some(Host::Uri((*u).to_owned())),
            GeneralName::IPAddress(b) => match b.len() {
                4 => <[u8; 4]>::try_from(*b).ok().map(|a| Host::Ip(a.into())),
                16 => <[u8; 16]>::try_from(*b).ok().map(|a| Host::Ip(a.into())),
                _ => None,
            },
            _ => None,
        }
    }

    /// The hosts of a certificate's SubjectAltName, in order.
    pub fn from_certificate(cert: &x509_parser::certificate::X509Certificate<'_>) -> Vec<Self> {
        match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(Self::from_general_name)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The lone `*` of some scripts' requests (Kubernetes' etcd client request): Go's
/// `url.ParseRequestURI` takes it for the `OPTIONS *` request target, so cfssl 1.6.5 makes it a
/// URI SAN. [`parse_host`] refuses it; requests and `-hostname` keep it with a warning.
pub const LONE_WILDCARD: &str = "*";

/// Why a host is refused, with a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    /// What is wrong.
    pub reason: String,
    /// What to write instead.
    pub help: Option<String>,
}

fn refuse(reason: impl Into<String>, help: impl Into<Option<String>>) -> HostError {
    HostError {
        reason: reason.into(),
        help: help.into(),
    }
}

/// Classifies one `hosts` entry.
pub fn parse_host(s: &str) -> Result<Host, HostError> {
    if s.is_empty() {
        return Err(refuse(
            "empty host",
            "remove it (cfssl would write an empty DNS name)".to_owned(),
        ));
    }
    if s.trim() != s {
        return Err(refuse(
            "leading or trailing white space",
            format!(
                "write {:?} (cfssl keeps the spaces, and no client matches them)",
                s.trim()
            ),
        ));
    }
    // A NUL or other control character in a SAN is the classic trick that makes "a.com\0.evil"
    // read as "a.com" to C clients; nothing legitimate has one.
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(refuse(
            format!("a control character (U+{:04X}) in a host", c as u32),
            "remove it".to_owned(),
        ));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Host::Ip(ip));
    }
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.split(']').next())
        && inner.parse::<IpAddr>().is_ok()
    {
        return Err(refuse(
            "an IP address in brackets is not an IP SAN",
            format!("write {inner:?} without brackets or port"),
        ));
    }
    if s.contains('@') {
        return parse_email(s).map(Host::Email);
    }
    if let Some((host, port)) = s.rsplit_once(':')
        && !host.is_empty()
        && !host.contains(['/', ':'])
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(refuse(
            "a host with a port is not a host name",
            format!("write {host:?}; cfssl would make {s:?} a URI SAN that no TLS client matches"),
        ));
    }
    if s == "*" {
        return Err(refuse(
            "a lone \"*\" matches nothing",
            "write a wildcard under a domain, e.g. \"*.etcd.example.com\"".to_owned(),
        ));
    }
    if is_uri(s) {
        return Ok(Host::Uri(s.to_owned()));
    }
    if !s.is_ascii() {
        return Err(refuse(
            "not ASCII; a DNS name in a certificate is an IA5String",
            "write internationalised names in punycode (xn--…)".to_owned(),
        ));
    }
    Ok(Host::Dns(s.to_owned()))
}

/// An email address as Go's `mail.ParseAddress` accepts it in the two forms people write:
/// `local@domain` and `Name <local@domain>`.
fn parse_email(s: &str) -> Result<String, HostError> {
    let addr = match (s.rfind('<'), s.strip_suffix('>')) {
        (Some(open), Some(rest)) => &rest[open + 1..],
        _ => s,
    };
    let valid = addr.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && !addr.contains(char::is_whitespace)
            && addr.is_ascii()
    });
    if valid {
        Ok(addr.to_owned())
    } else {
        Err(refuse(
            "not a valid email address",
            "write it as name@example.com".to_owned(),
        ))
    }
}

/// `scheme:rest` with an RFC 3986 scheme, or an absolute path: what Go's
/// `url.ParseRequestURI` accepts and cfssl ≥ 1.3.3 turns into a URI SAN.
fn is_uri(s: &str) -> bool {
    if s.starts_with('/') {
        return true;
    }
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// A DNS name compared as DNS does: lower case, no trailing dot.
pub fn normalize_dns(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// True if `host` (an IP or a DNS name) is covered by the SANs, with Go's rules: an IP matches
/// an IP SAN only; a name matches a DNS SAN exactly or by a leftmost-label wildcard.
pub fn sans_cover(hosts: &[Host], host: &str) -> bool {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return hosts.iter().any(|h| matches!(h, Host::Ip(i) if *i == ip));
    }
    let host = normalize_dns(host);
    hosts.iter().any(|h| match h {
        Host::Dns(pattern) => {
            let pattern = normalize_dns(pattern);
            match pattern.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                None => pattern == host,
            }
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Host {
        parse_host(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn classifies_like_cfssl() {
        assert_eq!(
            host("127.0.0.1"),
            Host::Ip("127.0.0.1".parse().expect("ip"))
        );
        assert_eq!(host("::1"), Host::Ip("::1".parse().expect("ip")));
        assert_eq!(
            host("etcd.example.com"),
            Host::Dns("etcd.example.com".into())
        );
        assert_eq!(host("*.example.com"), Host::Dns("*.example.com".into()));
        assert_eq!(host("UPPER.case"), Host::Dns("UPPER.case".into()));
        assert_eq!(
            host("ops@example.com"),
            Host::Email("ops@example.com".into())
        );
        assert_eq!(
            host("Ops <ops@example.com>"),
            Host::Email("ops@example.com".into())
        );
        assert_eq!(
            host("spiffe://example.com/etcd/0"),
            Host::Uri("spiffe://example.com/etcd/0".into())
        );
        assert_eq!(host("urn:uuid:1234"), Host::Uri("urn:uuid:1234".into()));
        // Go rejects leading zeros in IPv4 (010.1.1.1), so cfssl makes it a DNS name; so do we.
        assert_eq!(host("010.1.1.1"), Host::Dns("010.1.1.1".into()));
        assert_eq!(host("10.0.0.0/24"), Host::Dns("10.0.0.0/24".into()));
    }

    #[test]
    fn refuses_what_cfssl_mangles() {
        for bad in [
            "",
            " a",
            "a ",
            "etcd-0:2380",
            "127.0.0.1:2379",
            "[::1]",
            "[::1]:2379",
            "*",
            "a@",
            "bücher.de",
            "a.com\0.evil.com",
            "tab\there",
        ] {
            assert!(parse_host(bad).is_err(), "{bad:?} should be refused");
        }
        let e = parse_host("etcd-0.etcd:2380").expect_err("host:port");
        assert_eq!(e.reason, "a host with a port is not a host name");
        assert!(
            e.help
                .is_some_and(|h| h.starts_with("write \"etcd-0.etcd\""))
        );
    }

    #[test]
    fn sans_match_like_go() {
        let hosts = [
            Host::Dns("*.example.com".into()),
            Host::Dns("Node.Local".into()),
            Host::Ip("10.0.1.10".parse().expect("ip")),
        ];
        assert!(sans_cover(&hosts, "a.example.com"));
        assert!(!sans_cover(&hosts, "example.com"), "*.D does not cover D");
        assert!(!sans_cover(&hosts, "a.b.example.com"));
        assert!(sans_cover(&hosts, "node.local."));
        assert!(sans_cover(&hosts, "10.0.1.10"));
        assert!(!sans_cover(&hosts, "10.0.1.11"));
    }
}

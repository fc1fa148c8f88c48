//! etcd member URLs: `https://HOST:PORT` as etcd takes them in `--initial-cluster`,
//! `--initial-advertise-peer-urls` and `--advertise-client-urls`, and the `--discovery-srv`
//! domain.
//!
//! Takes the text of one URL or domain; returns a [`MemberUrl`] (an https URL with an IP or DNS
//! host and a port) or the domain in DNS's canonical form, or a typed reason.

use std::net::IpAddr;

use super::url_host;
use crate::request::{Host, parse_host};

/// A member URL: `https://HOST:PORT`, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberUrl {
    /// The URL as written.
    pub text: String,
    /// Its host, without brackets for IPv6.
    pub host: Host,
    /// Its port.
    pub port: u16,
}

impl MemberUrl {
    /// `https://HOST:PORT` for `host` (bracketed when it is an IPv6 address).
    pub fn https(host: &Host, port: u16) -> Self {
        let authority = match host {
            Host::Ip(IpAddr::V6(v6)) => format!("[{v6}]"),
            other => other.to_string(),
        };
        Self {
            text: format!("https://{authority}:{port}"),
            host: host.clone(),
            port,
        }
    }
}

/// Why a member URL is refused; every message ends with the accepted form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemberUrlError {
    /// `http://`: no TLS.
    #[error("an http URL does not use TLS; {URL_FORM}")]
    Http,
    /// Another scheme, or none.
    #[error("not an https URL; {URL_FORM}")]
    NotHttps,
    /// A path, query or user part.
    #[error("etcd takes no path, query or user in member URLs; {URL_FORM}")]
    ExtraParts,
    /// No host.
    #[error("no host; {URL_FORM}")]
    NoHost,
    /// No port, or port 0.
    #[error("no port (1 to 65535); {URL_FORM}")]
    NoPort,
    /// A host that is neither.
    #[error("{host:?} is not an IP address or a DNS name")]
    BadHost {
        /// The host as written.
        host: String,
    },
    /// Brackets around something other than an IPv6 address, or an IPv6 address without them.
    #[error("IPv6 addresses, and only they, go in brackets; {URL_FORM}")]
    Brackets,
}

/// Accepted member URL form, for messages.
const URL_FORM: &str = "write https://HOST:PORT, e.g. https://10.0.1.10:2380";

/// Reads one member URL. etcd takes `scheme://host:port` without a path (etcd 3.4
/// `types.NewURLs`: "URL must not contain a path"); the scheme must be https because the
/// certificates are for TLS.
pub fn parse_member_url(text: &str) -> Result<MemberUrl, MemberUrlError> {
    let Some(rest) = text.strip_prefix("https://") else {
        return Err(if text.starts_with("http://") {
            MemberUrlError::Http
        } else {
            MemberUrlError::NotHttps
        });
    };
    if rest.contains(['/', '?', '#', '@']) {
        return Err(MemberUrlError::ExtraParts);
    }
    let host_text = url_host(text).ok_or(MemberUrlError::NoHost)?;
    let after_host = match rest.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map(|(_, after)| after).unwrap_or(""),
        None => rest.get(host_text.len()..).unwrap_or(""),
    };
    let port = after_host
        .strip_prefix(':')
        .and_then(|p| p.parse::<u16>().ok())
        .filter(|p| *p > 0)
        .ok_or(MemberUrlError::NoPort)?;
    let host = match parse_host(&host_text) {
        Ok(h @ (Host::Ip(_) | Host::Dns(_))) => h,
        _ => return Err(MemberUrlError::BadHost { host: host_text }),
    };
    if rest.starts_with('[') != matches!(host, Host::Ip(IpAddr::V6(_))) {
        return Err(MemberUrlError::Brackets);
    }
    Ok(MemberUrl {
        text: text.to_owned(),
        host,
        port,
    })
}

/// A `--discovery-srv` value that is not a DNS domain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a DNS domain; write the domain of the SRV records, e.g. example.com")]
pub struct DiscoverySrvError;

/// A `--discovery-srv` domain: a DNS name, compared as DNS does (lower case, no final dot).
pub fn parse_discovery_srv(domain: &str) -> Result<String, DiscoverySrvError> {
    let normalized = domain.trim_end_matches('.').to_ascii_lowercase();
    match parse_host(&normalized) {
        Ok(Host::Dns(d)) if !d.starts_with("*.") => Ok(d),
        _ => Err(DiscoverySrvError),
    }
}

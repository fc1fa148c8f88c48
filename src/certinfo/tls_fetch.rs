//! The certificates a TLS server presents, for `certinfo -domain`.
//!
//! Takes `host[:port]`, returns the DER chain the server sent. Like cfssl (certinfo.go:
//! `InsecureSkipVerify`), nothing is verified: the point is to look at what is served, also
//! when it is wrong. The handshake still checks the server's signature over the transcript, so
//! what comes back is what that server holds the key for.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use crate::etcd::probe::AcceptAny;

/// Why no certificate could be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// `host[:port]` does not parse.
    #[error("{0:?}: expected HOST or HOST:PORT")]
    Address(String),
    /// Name resolution or connection failed.
    #[error("{address}: {source}")]
    Connect {
        /// What was dialled.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TLS handshake failed before the server sent its certificate.
    #[error("{address}: TLS handshake failed: {reason}")]
    Handshake {
        /// What was dialled.
        address: String,
        /// rustls's description.
        reason: String,
    },
}

/// Splits `host[:port]` (`[v6]:port` too); the port defaults to 443, as in cfssl.
pub fn split_host_port(target: &str) -> Result<(String, u16), PeerError> {
    let bad = || PeerError::Address(target.to_owned());
    if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if after.is_empty() => 443,
            None => return Err(bad()),
        };
        return Ok((host.to_owned(), port));
    }
    match target.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            Ok((host.to_owned(), port.parse().map_err(|_| bad())?))
        }
        _ if target.is_empty() => Err(bad()),
        _ => Ok((target.to_owned(), 443)),
    }
}

/// Connects to `host:port`, completes a TLS handshake without verifying the server, and returns
/// the certificates it presented (leaf first).
pub fn fetch_certificates(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, PeerError> {
    let address = format!("{host}:{port}");
    let connect_err = |source| PeerError::Connect {
        address: address.clone(),
        source,
    };
    let mut socket = crate::etcd::probe::dial(host, port, timeout).map_err(connect_err)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PeerError::Handshake {
            address: address.clone(),
            reason: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    let name =
        ServerName::try_from(host.to_owned()).map_err(|_| PeerError::Address(address.clone()))?;
    let mut tls =
        ClientConnection::new(Arc::new(config), name).map_err(|e| PeerError::Handshake {
            address: address.clone(),
            reason: e.to_string(),
        })?;
    let result = drive_handshake(&mut tls, &mut socket);
    // A server that demands a client certificate (etcd with --client-cert-auth) may abort the
    // handshake after sending its own; what it sent is still what we came for.
    match tls.peer_certificates() {
        Some(chain) if !chain.is_empty() => Ok(chain.iter().map(|c| c.as_ref().to_vec()).collect()),
        _ => Err(PeerError::Handshake {
            address,
            reason: result
                .err()
                .unwrap_or_else(|| "the server sent no certificate".into()),
        }),
    }
}

fn drive_handshake(tls: &mut ClientConnection, socket: &mut TcpStream) -> Result<(), String> {
    while tls.is_handshaking() {
        tls.complete_io(socket).map_err(|e| e.to_string())?;
    }
    // Flush what is left (the client Finished) so a TLS 1.3 server sees a complete handshake.
    let _ = tls.complete_io(socket);
    let _ = socket.flush();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_split_like_go() {
        assert_eq!(
            split_host_port("127.0.0.1:2379").expect("ok"),
            ("127.0.0.1".into(), 2379)
        );
        assert_eq!(
            split_host_port("example.com").expect("ok"),
            ("example.com".into(), 443)
        );
        assert_eq!(
            split_host_port("[::1]:2379").expect("ok"),
            ("::1".into(), 2379)
        );
        assert_eq!(split_host_port("::1").expect("ok"), ("::1".into(), 443));
        assert!(split_host_port("host:port").is_err());
        assert!(split_host_port("").is_err());
    }
}

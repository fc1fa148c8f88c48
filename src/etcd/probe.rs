//! An HTTPS request to an etcd member, to learn what it accepts and what it serves.
//!
//! Takes a member URL (`https://127.0.0.1:2379`), a path (`/health` on the client port,
//! `/version` on the peer port: etcd 3.4–3.6 serve both, `etcdserver/api/etcdhttp` and
//! `etcdserver/api/rafthttp` peer handler), an optional client identity and a timeout; returns a
//! [`Reply`]: the HTTP status, the body, and the certificate chain the member presented. The
//! member's certificate is not verified here (the caller judges it: which CA issued it); the
//! handshake still checks the member's signature over the transcript, so the chain is one the
//! member holds the key for. A member that refuses the client certificate (etcd with
//! `--client-cert-auth` and a CA it does not trust) ends the connection with a TLS alert, which
//! comes back as [`ProbeError::Refused`] with rustls's description of the alert.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

/// The largest reply read: `/health` and `/version` answer in well under a kilobyte.
const MAX_REPLY: u64 = 64 * 1024;

/// A client certificate (leaf first) and its key, as PEM.
#[derive(Clone)]
pub struct ClientIdentity {
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The key, PEM (PKCS#8, SEC1 or PKCS#1).
    pub key_pem: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// What a member answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The body (lossy UTF-8).
    pub body: String,
    /// The certificates the member presented, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
}

/// Why a member gave no HTTP answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The URL is not `https://HOST:PORT[/...]`.
    #[error("{0}: expected https://HOST:PORT")]
    Url(String),
    /// No TCP connection.
    #[error("{url}: cannot connect: {source}")]
    Connect {
        /// The member URL.
        url: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The member (or this side) ended the TLS session: a refused client certificate, a
    /// protocol mismatch.
    #[error("{url}: the TLS session failed: {reason}")]
    Refused {
        /// The member URL.
        url: String,
        /// rustls's description (e.g. `received fatal alert: BadCertificate`).
        reason: String,
        /// What the member presented before it ended the session.
        chain: Vec<Vec<u8>>,
    },
    /// The answer is not HTTP.
    #[error("{url}: not an HTTP answer: {reason}")]
    Http {
        /// The member URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

/// `GET path` on the member at `url`, presenting `identity` if the member asks for one.
pub fn get(
    url: &str,
    path: &str,
    identity: Option<&ClientIdentity>,
    timeout: Duration,
) -> Result<Reply, ProbeError> {
    let (host, port) = host_port(url).ok_or_else(|| ProbeError::Url(url.to_owned()))?;
    let connect_err = |source| ProbeError::Connect {
        url: url.to_owned(),
        source,
    };
    let mut socket = dial(&host, port, timeout).map_err(connect_err)?;
    let refused = |reason: String, tls: Option<&ClientConnection>| ProbeError::Refused {
        url: url.to_owned(),
        reason,
        chain: tls.map(presented).unwrap_or_default(),
    };
    let config = client_config(identity).map_err(|e| refused(e, None))?;
    let name = ServerName::try_from(host.clone()).map_err(|_| ProbeError::Url(url.to_owned()))?;
    let mut tls =
        ClientConnection::new(Arc::new(config), name).map_err(|e| refused(e.to_string(), None))?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
    let mut stream = rustls::Stream::new(&mut tls, &mut socket);
    let mut raw = Vec::new();
    let exchange = stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.flush())
        .and_then(|()| stream.take(MAX_REPLY).read_to_end(&mut raw));
    // A peer that closes without close_notify after a complete answer is still an answer.
    if let Err(e) = exchange
        && raw.is_empty()
    {
        return Err(refused(e.to_string(), Some(&tls)));
    }
    let (status, body) = parse_reply(&raw).map_err(|reason| ProbeError::Http {
        url: url.to_owned(),
        reason,
    })?;
    Ok(Reply {
        status,
        body,
        chain: presented(&tls),
    })
}

/// A TCP connection to `host:port` whose connect, reads and writes each wait at most
/// `timeout`.
pub(crate) fn dial(host: &str, port: u16, timeout: Duration) -> std::io::Result<TcpStream> {
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address found"))?;
    let socket = TcpStream::connect_timeout(&addr, timeout)?;
    socket.set_read_timeout(Some(timeout))?;
    socket.set_write_timeout(Some(timeout))?;
    Ok(socket)
}

/// `HOST` and `PORT` of `https://HOST:PORT[/…]` (`[v6]` too).
pub fn host_port(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split('/').next()?;
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (host, after.strip_prefix(':')?)
        }
        None => authority.rsplit_once(':')?,
    };
    Some((host.to_owned(), port.parse().ok()?))
}

fn presented(tls: &ClientConnection) -> Vec<Vec<u8>> {
    tls.peer_certificates()
        .map(|chain| chain.iter().map(|c| c.as_ref().to_vec()).collect())
        .unwrap_or_default()
}

fn client_config(identity: Option<&ClientIdentity>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)));
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(id) => {
            let chain = id
                .chain
                .iter()
                .map(|der| CertificateDer::from(der.clone()))
                .collect();
            let key = PrivateKeyDer::from_pem_slice(&id.key_pem)
                .map_err(|e| format!("the client key: {e}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| e.to_string())
        }
    }
}

/// The status code and body of an HTTP/1.1 answer (chunked bodies are joined).
fn parse_reply(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no end of the header")?;
    let status = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("HTTP/1."))
        .and_then(|line| line.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line in {:?}", head.lines().next().unwrap_or("")))?;
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().replace(' ', "") == "transfer-encoding:chunked");
    let body = if chunked {
        unchunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// Accepts any server certificate, but still checks handshake signatures with the provider's
/// algorithms: what is served is judged by the caller.
#[derive(Debug)]
pub(crate) struct AcceptAny(pub(crate) Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_and_port() {
        assert_eq!(
            host_port("https://127.0.0.1:2379"),
            Some(("127.0.0.1".into(), 2379))
        );
        assert_eq!(
            host_port("https://[::1]:2380/x"),
            Some(("::1".into(), 2380))
        );
        assert_eq!(host_port("http://127.0.0.1:2379"), None);
        assert_eq!(host_port("https://host"), None);
    }

    #[test]
    fn replies_parse_plain_and_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"health\":\"true\"}";
        assert_eq!(
            parse_reply(plain).expect("plain"),
            (200, "{\"health\":\"true\"}".into())
        );
        let chunked = b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        assert_eq!(
            parse_reply(chunked).expect("chunked"),
            (503, "hello".into())
        );
        assert!(parse_reply(b"garbage").is_err());
    }
}

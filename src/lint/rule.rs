//! The rules `lint` knows: a stable kebab-case id, a default level and a one-line summary each.
//! docs/lints.md has a section per rule with the failure it prevents and the fix.

use std::fmt;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Worth knowing.
    Info,
    /// Latent or fragile: will break later, or breaks some clients.
    Warning,
    /// Breaks etcd or its clients now.
    Error,
}

impl Level {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, used in output, in `--rule ID=LEVEL` and as the docs anchor.
    pub id: &'static str,
    /// The level of its findings unless a finding says otherwise or the user overrides it.
    pub level: Level,
    /// What it checks, in one line.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $level:ident, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $name: Rule = Rule { id: $id, level: Level::$level, summary: $summary };
        )*
        /// Every rule, in the order docs/lints.md lists them.
        pub const ALL: &[Rule] = &[$($name),*];
    };
}

rules! {
    DUPLICATE_SUBJECT = "duplicate-subject", Error,
        "two different certificates (or request files) with one subject DN, or a leaf with a CA's DN";
    CA_ROLLOVER = "ca-rollover", Info,
        "CAs with one name and different keys: a rollover, in one trust bundle (info) or not yet (warning)";
    SRV_DOMAIN_MISSING = "srv-domain-missing", Error,
        "a server or peer certificate without the DNS-SRV discovery domain as a DNS SAN";
    PEER_EKU = "peer-eku", Error,
        "a peer certificate without both server auth and client auth";
    SERVER_EKU = "server-eku", Error,
        "a server certificate without server auth (or client auth, with client certificate auth on)";
    CLIENT_EKU = "client-eku", Error,
        "a client certificate without client auth";
    SAN_MISSING_MEMBER = "san-missing-member", Error,
        "a member's advertised host or IP missing from its certificate's SANs";
    UNTRUSTED_BY_MEMBER = "untrusted-by-member", Error,
        "a certificate a member sends or checks that does not chain to that member's (or its peers') trusted CA file, or lacks its intermediate";
    CHAIN_EKU = "chain-eku", Error,
        "a CA whose EKU lacks a usage of a certificate it issued (Go checks EKUs up the chain)";
    CHAIN_INVALID = "chain-invalid", Error,
        "a certificate whose issuer is not among the files, or whose signature does not verify";
    KEY_MISMATCH = "key-mismatch", Error,
        "a key file that does not belong to its certificate, or cannot be read";
    EXPIRED = "expired", Error,
        "a certificate past its notAfter";
    NOT_YET_VALID = "not-yet-valid", Error,
        "a certificate before its notBefore";
    EXPIRES_SOON = "expires-soon", Warning,
        "a certificate that expires within the warning window (--warn-within, 30 days)";
    WEAK_KEY = "weak-key", Error,
        "an RSA key below 2048 bits, or an EC curve other than P-256, P-384 and P-521";
    WEAK_SIGNATURE = "weak-signature", Error,
        "a certificate signed with SHA-1 or MD5";
    CA_CONSTRAINTS = "ca-constraints", Error,
        "a CA without CA:TRUE or keyCertSign, or a leaf with CA:TRUE";
    SAN_EMPTY = "san-empty", Error,
        "a server or peer certificate with no SAN (Go ignores the CN)";
    OUTLIVES_ISSUER = "outlives-issuer", Warning,
        "a certificate that expires after the CA that issued it";
    KEY_FILE_PERMISSIONS = "key-file-permissions", Warning,
        "a private key that group or others can read, or in a directory others can write";
    CONFIG_INVALID = "config-invalid", Error,
        "a cfssl ca-config.json with an unknown usage, a bad expiry or another error";
    REQUEST_INVALID = "request-invalid", Error,
        "a cfssl csr.json with a host:port host, a weak key size or another error";
    ETCD_CONFIG_INVALID = "etcd-config-invalid", Error,
        "an etcd configuration etcd refuses (a flag it lacks, a value of the wrong type), that names a missing file or holds a bad initial-cluster";
    ETCD_CONFIG_IGNORED = "etcd-config-ignored", Error,
        "an etcd setting etcd ignores where it is written (a misplaced YAML key, an unknown key or variable, a key set twice)";
    ETCD_VERSION_SPECIFIC = "etcd-version-specific", Warning,
        "an etcd setting that some releases of etcd 3.4-3.6 refuse, ignore or read differently";
    CRL_MISSING = "crl-missing", Error,
        "a --client-crl-file or --peer-crl-file that does not exist: etcd refuses every connection";
    CRL_UNREADABLE = "crl-unreadable", Error,
        "a configured CRL file that cannot be read or is not a CRL: etcd refuses every connection";
    CRL_FORMAT = "crl-format", Error,
        "a configured CRL in a form the etcd release does not read (PEM for 3.6, text before the PEM)";
    CRL_FOREIGN = "crl-foreign", Error,
        "a CRL not signed by the CA it is meant for (etcd does not check, and revokes by serial alone)";
    CRL_EXPIRED = "crl-expired", Warning,
        "a CRL past its nextUpdate";
    CRL_REVOKES_IN_USE = "crl-revokes-in-use", Error,
        "a certificate in use by a member or client that a CRL revokes";
    SERIAL_COLLISION = "serial-collision", Warning,
        "two different certificates with one serial number (etcd's CRL check matches serials alone)";
    HTTP_URL_WITH_TLS = "http-url-with-tls", Error,
        "an http:// client or peer URL next to cert files: etcd serves it without TLS or client certificate auth";
    LOOPBACK_SAN = "loopback-san", Warning,
        "a member listening on loopback whose server certificate has neither 127.0.0.1 nor localhost";
    METRICS_HTTPS = "metrics-https", Warning,
        "an https:// listen-metrics-urls with client certificate auth: scrapers need a client certificate";
    PEER_ALLOWED_NAMES = "peer-allowed-names", Error,
        "a peer certificate whose CN or SANs --peer-cert-allowed-cn / --peer-cert-allowed-hostname do not admit";
    CLIENT_ALLOWED_NAMES = "client-allowed-names", Error,
        "a client certificate whose CN or SANs a member's --client-cert-allowed-hostname (or allowed-cn) does not admit";
    PEER_CLIENT_SAN = "peer-client-san", Error,
        "a peer-client-cert-file whose SANs lack the address its member dials from, while a peer checks them";
    GRPC_PROXY_CN = "grpc-proxy-cn", Error,
        "an etcd grpc-proxy --cert with a Common Name: the proxy refuses to start";
    CIPHER_SUITES = "cipher-suites", Error,
        "a cipher-suites list with an unknown name, no suite for the certificate's key type, or no HTTP/2 AES-128-GCM suite";
    TLS_VERSION = "tls-version", Error,
        "a tls-min-version / tls-max-version etcd refuses, or cipher suites with TLS 1.3 only";
    UNREADABLE = "unreadable", Error,
        "a PEM or JSON file that holds nothing usable";
}

/// The rule with id `id`.
pub fn find(id: &str) -> Option<Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

//! Signature algorithms, chosen from the signing key as cfssl does (cfssl 1.6.5
//! signer/signer.go `DefaultSigAlgo` for certificates, helpers/helpers.go `SignerAlgo` for CSRs).

use der::asn1::ObjectIdentifier;

use super::{Curve, KeyAlgorithm};
use crate::x509::der_writer as w;

/// A signature algorithm etcdpki signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs, reason = "the variants are the algorithms' names")]
pub enum SignatureAlgorithm {
    RsaSha256,
    RsaSha384,
    RsaSha512,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    Ed25519,
}

impl SignatureAlgorithm {
    /// Go's choice for a key (x509.go `signingParamsForKey`, with cfssl's
    /// `helpers.SignerAlgo`): RSA hash by modulus size (2048 → SHA-256, 3072 → SHA-384,
    /// 4096 and up → SHA-512), ECDSA hash by curve, Ed25519 pure.
    pub(crate) fn for_key(key: KeyAlgorithm) -> Self {
        match key {
            KeyAlgorithm::Rsa { bits } if bits >= 4096 => SignatureAlgorithm::RsaSha512,
            KeyAlgorithm::Rsa { bits } if bits >= 3072 => SignatureAlgorithm::RsaSha384,
            KeyAlgorithm::Rsa { .. } => SignatureAlgorithm::RsaSha256,
            KeyAlgorithm::Ecdsa(Curve::P256) => SignatureAlgorithm::EcdsaSha256,
            KeyAlgorithm::Ecdsa(Curve::P384) => SignatureAlgorithm::EcdsaSha384,
            KeyAlgorithm::Ecdsa(Curve::P521) => SignatureAlgorithm::EcdsaSha512,
            KeyAlgorithm::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }

    /// Go's choice when no algorithm is asked for (x509.go `signingParamsForKey` with
    /// `SignatureAlgorithm` 0), as `Certificate.CreateCRL` and so cfssl's `gencrl` sign: like
    /// [`Self::for_key`], except that every RSA key signs with SHA-256.
    pub(crate) fn go_default_for_key(key: KeyAlgorithm) -> Self {
        match key {
            KeyAlgorithm::Rsa { .. } => SignatureAlgorithm::RsaSha256,
            other => Self::for_key(other),
        }
    }

    /// The name Go's `x509.SignatureAlgorithm.String` gives it (`ECDSA-SHA256`), which
    /// openssl, cfssl and etcd's logs show too, for messages.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::RsaSha256 => "SHA256-RSA",
            SignatureAlgorithm::RsaSha384 => "SHA384-RSA",
            SignatureAlgorithm::RsaSha512 => "SHA512-RSA",
            SignatureAlgorithm::EcdsaSha256 => "ECDSA-SHA256",
            SignatureAlgorithm::EcdsaSha384 => "ECDSA-SHA384",
            SignatureAlgorithm::EcdsaSha512 => "ECDSA-SHA512",
            SignatureAlgorithm::Ed25519 => "Ed25519",
        }
    }

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(match self {
            SignatureAlgorithm::RsaSha256 => "1.2.840.113549.1.1.11",
            SignatureAlgorithm::RsaSha384 => "1.2.840.113549.1.1.12",
            SignatureAlgorithm::RsaSha512 => "1.2.840.113549.1.1.13",
            SignatureAlgorithm::EcdsaSha256 => "1.2.840.10045.4.3.2",
            SignatureAlgorithm::EcdsaSha384 => "1.2.840.10045.4.3.3",
            SignatureAlgorithm::EcdsaSha512 => "1.2.840.10045.4.3.4",
            SignatureAlgorithm::Ed25519 => "1.3.101.112",
        })
    }

    /// The DER AlgorithmIdentifier: RSA with NULL parameters (RFC 4055 §5), ECDSA and Ed25519
    /// with none (RFC 5758 §3.2, RFC 8410 §3).
    pub(crate) fn algorithm_identifier(self) -> Vec<u8> {
        let oid = w::oid(&self.oid());
        match self {
            SignatureAlgorithm::RsaSha256
            | SignatureAlgorithm::RsaSha384
            | SignatureAlgorithm::RsaSha512 => w::sequence(&[&oid, &w::null()]),
            _ => w::sequence(&[&oid]),
        }
    }
}

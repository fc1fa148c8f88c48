//! Stage 3: keys. A [`KeySpec`] from a request becomes a [`PrivateKey`]; CA keys are read from
//! PEM in any of the forms cfssl and openssl write.
//!
//! Takes a validated [`KeySpec`] (or PEM bytes) and returns a [`PrivateKey`] that can sign and
//! that serialises as cfssl does (cfssl 1.6.5 csr/csr.go `ParseRequest`): `RSA PRIVATE KEY`
//! (PKCS#1), `EC PRIVATE KEY` (SEC1 with the curve and public key), and Ed25519 as standard
//! PKCS#8 `PRIVATE KEY` (cfssl's own `Ed25519 PRIVATE KEY` label is rejected by openssl;
//! docs/compat.md). Generation and
//! signing use aws-lc-rs (docs/design.md: measured fastest, constant time, full key matrix).

mod p384_sha1;
mod private_key;
mod public_key;
mod secret;
mod signature;
mod table_verifier;

pub(crate) use private_key::pem_encode;
pub use private_key::{PrivateKey, rsa_public_parts};
pub use public_key::{PublicKey, Verifier};
pub use secret::SecretBytes;
pub use signature::SignatureAlgorithm;
pub use table_verifier::TableVerifier;

use std::fmt;

/// An elliptic curve cfssl can generate (`ecdsa` sizes 256, 384, 521).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
}

impl Curve {
    /// The size cfssl's `key.size` uses for the curve.
    pub fn bits(self) -> u32 {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    /// The curve's namedCurve OID (RFC 5480 §2.1.1.1).
    pub fn oid(self) -> der::asn1::ObjectIdentifier {
        der::asn1::ObjectIdentifier::new_unwrap(match self {
            Curve::P256 => "1.2.840.10045.3.1.7",
            Curve::P384 => "1.3.132.0.34",
            Curve::P521 => "1.3.132.0.35",
        })
    }
}

/// RSA modulus sizes etcdpki generates: the sizes aws-lc-rs offers. cfssl accepts any size from
/// 2048 to 8192; odd sizes are refused with a message (docs/compat.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaSize {
    /// 2048 bits.
    Bits2048,
    /// 3072 bits.
    Bits3072,
    /// 4096 bits.
    Bits4096,
    /// 8192 bits.
    Bits8192,
}

impl RsaSize {
    /// The size for `bits`, if it is one of the four.
    pub(crate) fn from_bits(bits: i64) -> Option<Self> {
        Some(match bits {
            2048 => RsaSize::Bits2048,
            3072 => RsaSize::Bits3072,
            4096 => RsaSize::Bits4096,
            8192 => RsaSize::Bits8192,
            _ => return None,
        })
    }

    /// The modulus length in bits.
    pub fn bits(self) -> u32 {
        match self {
            RsaSize::Bits2048 => 2048,
            RsaSize::Bits3072 => 3072,
            RsaSize::Bits4096 => 4096,
            RsaSize::Bits8192 => 8192,
        }
    }
}

/// What key to generate: a validated csr.json `key` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySpec {
    /// RSA of the given size.
    Rsa(RsaSize),
    /// ECDSA on the given curve.
    Ecdsa(Curve),
    /// Ed25519.
    Ed25519,
}

impl Default for KeySpec {
    /// cfssl's default key: ECDSA P-256 (csr.NewKeyRequest).
    fn default() -> Self {
        KeySpec::Ecdsa(Curve::P256)
    }
}

impl fmt::Display for KeySpec {
    /// cfssl's log form: `rsa-2048`, `ecdsa-256`, `ed25519-256`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySpec::Rsa(s) => write!(f, "rsa-{}", s.bits()),
            KeySpec::Ecdsa(c) => write!(f, "ecdsa-{}", c.bits()),
            KeySpec::Ed25519 => f.write_str("ed25519-256"),
        }
    }
}

/// A key family, as `--key-algo` and csr.json's `key.algo` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    /// RSA.
    Rsa,
    /// ECDSA.
    Ecdsa,
    /// Ed25519.
    Ed25519,
}

/// A key size the family does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeySizeError {
    /// RSA keys are made in four sizes.
    #[error("rsa keys have 2048, 3072, 4096 or 8192 bits")]
    Rsa,
    /// ECDSA keys are on one of three curves.
    #[error("ecdsa keys have 256 (P-256), 384 or 521 bits")]
    Ecdsa,
    /// Ed25519 keys have one size.
    #[error("ed25519 keys have a fixed size; leave the size out")]
    Ed25519,
}

impl KeySpec {
    /// The key of `family` and `bits`, with csr.json's defaults when `bits` is `None` (rsa
    /// 2048, ecdsa 256; cfssl csr.NewKeyRequest and csr.KeyRequest.Generate).
    pub fn from_family(family: KeyFamily, bits: Option<u32>) -> Result<Self, KeySizeError> {
        match (family, bits) {
            (KeyFamily::Rsa, bits) => RsaSize::from_bits(i64::from(bits.unwrap_or(2048)))
                .map(KeySpec::Rsa)
                .ok_or(KeySizeError::Rsa),
            (KeyFamily::Ecdsa, None | Some(256)) => Ok(KeySpec::Ecdsa(Curve::P256)),
            (KeyFamily::Ecdsa, Some(384)) => Ok(KeySpec::Ecdsa(Curve::P384)),
            (KeyFamily::Ecdsa, Some(521)) => Ok(KeySpec::Ecdsa(Curve::P521)),
            (KeyFamily::Ecdsa, Some(_)) => Err(KeySizeError::Ecdsa),
            (KeyFamily::Ed25519, None | Some(256)) => Ok(KeySpec::Ed25519),
            (KeyFamily::Ed25519, Some(_)) => Err(KeySizeError::Ed25519),
        }
    }
}

/// The algorithm of an existing key (a CA key may have any RSA size aws-lc accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus length in bits.
        bits: u32,
    },
    /// ECDSA on a curve.
    Ecdsa(Curve),
    /// Ed25519.
    Ed25519,
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyAlgorithm::Ecdsa(c) => write!(f, "ECDSA P-{}", c.bits()),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// Why a key could not be made, read or used. Messages never contain key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The crypto library failed to generate a key.
    #[error("could not generate a {0} key")]
    Generate(KeySpec),
    /// No usable PEM block.
    #[error("{0}")]
    Pem(String),
    /// An encrypted key (cfssl decrypts legacy PEM only with $CFSSL_CA_PK_PASSWORD).
    #[error("the private key is encrypted, which etcdpki does not support")]
    Encrypted,
    /// A PEM block that is not a private key.
    #[error("expected a private key, found a PEM block labelled {0:?}")]
    NotAPrivateKey(String),
    /// A key etcdpki cannot sign with, or check signatures of.
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// The DER is not a key in any supported encoding, or aws-lc rejected it.
    #[error("not a valid private key ({0}); expected PKCS#8, PKCS#1 RSA or SEC1 EC")]
    Invalid(String),
    /// Serialising or signing failed inside the crypto library.
    #[error("the crypto library failed to {0}")]
    Crypto(&'static str),
    /// A signature that does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// A public key that cannot be parsed.
    #[error("invalid public key: {0}")]
    PublicKey(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_families_take_csr_json_defaults_and_sizes() {
        assert_eq!(
            KeySpec::from_family(KeyFamily::Rsa, None),
            Ok(KeySpec::Rsa(RsaSize::Bits2048))
        );
        assert_eq!(
            KeySpec::from_family(KeyFamily::Ecdsa, Some(384)),
            Ok(KeySpec::Ecdsa(Curve::P384))
        );
        assert_eq!(
            KeySpec::from_family(KeyFamily::Ed25519, None),
            Ok(KeySpec::Ed25519)
        );
        assert_eq!(
            KeySpec::from_family(KeyFamily::Rsa, Some(1024)),
            Err(KeySizeError::Rsa)
        );
        assert_eq!(
            KeySpec::from_family(KeyFamily::Ecdsa, Some(2048)),
            Err(KeySizeError::Ecdsa)
        );
    }
}

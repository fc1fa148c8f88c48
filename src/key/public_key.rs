//! Public keys as SubjectPublicKeyInfo, with the key identifier cfssl computes.

use std::fmt;

use der::Decode;
use pkcs8::spki::SubjectPublicKeyInfoRef;

use super::{Curve, KeyAlgorithm, KeyError};

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ED25519: &str = "1.3.101.112";
/// sha1WithRSAEncryption (RFC 3279 §2.2.1).
const RSA_SHA1: &str = "1.2.840.113549.1.1.5";
/// ecdsa-with-SHA1 (RFC 3279 §2.2.3).
const ECDSA_SHA1: &str = "1.2.840.10045.4.1";

/// A public key: its DER SubjectPublicKeyInfo and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
    algorithm: KeyAlgorithm,
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo. RSA, ECDSA on P-256/384/521 and Ed25519 are known.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| KeyError::PublicKey(e.to_string()))?;
        let oid = info.algorithm.oid.to_string();
        let algorithm = match oid.as_str() {
            RSA_ENCRYPTION => KeyAlgorithm::Rsa {
                bits: rsa_modulus_bits(info.subject_public_key.raw_bytes())?,
            },
            EC_PUBLIC_KEY => {
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
                    .map(|c| c.to_string());
                KeyAlgorithm::Ecdsa(match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => Curve::P256,
                    Some("1.3.132.0.34") => Curve::P384,
                    Some("1.3.132.0.35") => Curve::P521,
                    // Go's crypto/tls (auth.go `signatureSchemesForPublicKey`), and so etcd,
                    // uses a certificate key on these three curves only.
                    other => {
                        return Err(KeyError::Unsupported(format!(
                            "EC curve {}: etcdpki takes keys on P-256, P-384 and P-521 only, the curves Go's TLS (and so etcd) can use",
                            super::private_key::curve_name(other)
                        )));
                    }
                })
            }
            ED25519 => KeyAlgorithm::Ed25519,
            other => {
                return Err(KeyError::Unsupported(format!(
                    "public key algorithm {other}"
                )));
            }
        };
        Ok(Self {
            spki: der.to_vec(),
            algorithm,
        })
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The key's algorithm and size.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The subjectPublicKey BIT STRING's bytes.
    pub fn key_bits(&self) -> &[u8] {
        SubjectPublicKeyInfoRef::from_der(&self.spki)
            .map(|i| i.subject_public_key.raw_bytes())
            .expect("the SPKI was parsed when the PublicKey was made")
    }

    /// The key identifier cfssl writes as SubjectKeyIdentifier: SHA-1 over the subjectPublicKey
    /// bits (RFC 5280 §4.2.1.2 method 1; cfssl signer.ComputeSKI).
    pub fn key_id(&self) -> Vec<u8> {
        aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            self.key_bits(),
        )
        .as_ref()
        .to_vec()
    }
}

impl PublicKey {
    /// Checks `signature` over `message` made with the algorithm `signature_oid` (dotted).
    /// RSA PKCS#1 v1.5 with SHA-256/384/512, ECDSA with SHA-256/384/512 on any of the three
    /// curves, and Ed25519 are accepted; SHA-1 and RSA-PSS are refused.
    pub fn verify(
        &self,
        signature_oid: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyError> {
        self.verifier(signature_oid)?.verify(message, signature)
    }

    /// Checks a certificate request's self-signature as Go's `CertificateRequest.CheckSignature`
    /// does (crypto/x509 `checkSignature` with SHA-1 allowed): RSA and ECDSA with SHA-1 are
    /// accepted besides everything [`Self::verify`] accepts, on every curve (Go's
    /// `ecdsa.VerifyASN1` takes any digest on any curve). The certificate is still signed with
    /// the CA's algorithm; SHA-1 only proves the requester holds the key.
    pub(crate) fn verify_request(
        &self,
        signature_oid: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyError> {
        use aws_lc_rs::signature as s;
        let sha1: &'static dyn s::VerificationAlgorithm = match (signature_oid, self.algorithm) {
            (RSA_SHA1, KeyAlgorithm::Rsa { bits }) if bits >= 2048 => {
                &s::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
            }
            (ECDSA_SHA1, KeyAlgorithm::Ecdsa(Curve::P256)) => &s::ECDSA_P256_SHA1_ASN1,
            (ECDSA_SHA1, KeyAlgorithm::Ecdsa(Curve::P521)) => &s::ECDSA_P521_SHA1_ASN1,
            // aws-lc has no P-384 verifier for SHA-1 (its ECDSA checks take the algorithm's
            // own digest only): RustCrypto's p384 checks it over the SHA-1 digest.
            (ECDSA_SHA1, KeyAlgorithm::Ecdsa(Curve::P384)) => {
                return super::p384_sha1::verify(self.key_bits(), message, signature);
            }
            _ => return self.verify(signature_oid, message, signature),
        };
        s::ParsedPublicKey::new(sha1, self.key_bits())
            .map_err(|e| KeyError::PublicKey(e.to_string()))?
            .verify_sig(message, signature)
            .map_err(|_| KeyError::BadSignature)
    }

    /// This key parsed once for many checks of `signature_oid` signatures (`lint` checks
    /// thousands of certificates against one CA; parsing the key each time doubles the cost).
    pub fn verifier(&self, signature_oid: &str) -> Result<Verifier, KeyError> {
        use aws_lc_rs::signature as s;
        let hash = match signature_oid {
            "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => 256,
            "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => 384,
            "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => 512,
            "1.3.101.112" => 0,
            other => {
                return Err(KeyError::Unsupported(format!(
                    "signature algorithm {other} (SHA-1 and RSA-PSS are not accepted)"
                )));
            }
        };
        let rsa = signature_oid.starts_with("1.2.840.113549");
        // aws-lc's RSA verification takes 2048 to 8192 bits; a smaller key would fail every
        // check as if the signature were wrong. Say what it is instead (lint's weak-key, sign's
        // CSR check).
        if let KeyAlgorithm::Rsa { bits } = self.algorithm
            && bits < 2048
        {
            return Err(KeyError::Unsupported(format!(
                "an RSA key of {bits} bits (at least 2048 are checked)"
            )));
        }
        let algorithm: &'static dyn s::VerificationAlgorithm = match (self.algorithm, hash) {
            (KeyAlgorithm::Rsa { .. }, 256) if rsa => &s::RSA_PKCS1_2048_8192_SHA256,
            (KeyAlgorithm::Rsa { .. }, 384) if rsa => &s::RSA_PKCS1_2048_8192_SHA384,
            (KeyAlgorithm::Rsa { .. }, 512) if rsa => &s::RSA_PKCS1_2048_8192_SHA512,
            (KeyAlgorithm::Ecdsa(Curve::P256), 256) if !rsa => &s::ECDSA_P256_SHA256_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P256), 384) if !rsa => &s::ECDSA_P256_SHA384_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P256), 512) if !rsa => &s::ECDSA_P256_SHA512_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P384), 256) if !rsa => &s::ECDSA_P384_SHA256_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P384), 384) if !rsa => &s::ECDSA_P384_SHA384_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P384), 512) if !rsa => &s::ECDSA_P384_SHA512_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P521), 256) if !rsa => &s::ECDSA_P521_SHA256_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P521), 384) if !rsa => &s::ECDSA_P521_SHA384_ASN1,
            (KeyAlgorithm::Ecdsa(Curve::P521), 512) if !rsa => &s::ECDSA_P521_SHA512_ASN1,
            (KeyAlgorithm::Ed25519, 0) => &s::ED25519,
            (key, _) => {
                return Err(KeyError::Unsupported(format!(
                    "signature algorithm {signature_oid} with a {key} key"
                )));
            }
        };
        let key = s::ParsedPublicKey::new(algorithm, self.key_bits())
            .map_err(|e| KeyError::PublicKey(e.to_string()))?;
        Ok(Verifier { key })
    }
}

/// A public key ready to check signatures of one algorithm; see [`PublicKey::verifier`].
pub struct Verifier {
    key: aws_lc_rs::signature::ParsedPublicKey,
}

impl Verifier {
    /// Checks `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        self.key
            .verify_sig(message, signature)
            .map_err(|_| KeyError::BadSignature)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier")
    }
}

/// The bit length of an RSAPublicKey's modulus (RFC 8017 A.1.1).
fn rsa_modulus_bits(rsa_public_key: &[u8]) -> Result<u32, KeyError> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        _exponent: der::asn1::UintRef<'a>,
    }
    let key = RsaPublicKey::from_der(rsa_public_key)
        .map_err(|e| KeyError::PublicKey(format!("RSA public key: {e}")))?;
    let n = key.modulus.as_bytes();
    let first = n.first().copied().unwrap_or(0);
    Ok((n.len() as u32) * 8 - first.leading_zeros())
}

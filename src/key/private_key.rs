//! Private keys: generation, cfssl's PEM forms, reading any common encoding, and signing.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{self, KeySize};
use aws_lc_rs::signature::{
    self as sig, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
    ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair,
    KeyPair as _,
};
use der::Decode;
use pkcs8::PrivateKeyInfoRef;

use super::{Curve, KeyAlgorithm, KeyError, KeySpec, PublicKey, RsaSize, SignatureAlgorithm};

/// A private key that can sign. `Debug` shows only the algorithm.
pub struct PrivateKey {
    inner: Inner,
    public: PublicKey,
}

enum Inner {
    Rsa(rsa::KeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({})", self.public.algorithm())
    }
}

fn ecdsa_signing(curve: Curve) -> &'static EcdsaSigningAlgorithm {
    match curve {
        Curve::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
        Curve::P384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
        Curve::P521 => &ECDSA_P521_SHA512_ASN1_SIGNING,
    }
}

impl PrivateKey {
    /// Generates a new key.
    pub fn generate(spec: KeySpec) -> Result<Self, KeyError> {
        let failed = || KeyError::Generate(spec);
        let inner = match spec {
            KeySpec::Rsa(size) => {
                let size = match size {
                    RsaSize::Bits2048 => KeySize::Rsa2048,
                    RsaSize::Bits3072 => KeySize::Rsa3072,
                    RsaSize::Bits4096 => KeySize::Rsa4096,
                    RsaSize::Bits8192 => KeySize::Rsa8192,
                };
                Inner::Rsa(rsa::KeyPair::generate(size).map_err(|_| failed())?)
            }
            KeySpec::Ecdsa(curve) => {
                Inner::Ecdsa(EcdsaKeyPair::generate(ecdsa_signing(curve)).map_err(|_| failed())?)
            }
            KeySpec::Ed25519 => Inner::Ed25519(Ed25519KeyPair::generate().map_err(|_| failed())?),
        };
        Self::new(inner)
    }

    /// Generates a key, racing up to `workers` independent RSA searches on separate cores and
    /// keeping the first to finish; other algorithms take microseconds and use one thread.
    ///
    /// RSA key generation is a random search whose time varies widely (p25 87 ms, p75 137 ms at
    /// 2048 bits; docs/design.md, "Crates measured"), so the first of two searches cuts the
    /// median. aws-lc draws a fresh random candidate for every attempt (BoringSSL
    /// `generate_prime`), so the winner is distributed like any single search's key. aws-lc
    /// cannot be interrupted: the losing searches run on in detached threads until they finish,
    /// which suits a short-lived
    /// process making one key, not a loop making many (use [`Self::generate`] there).
    pub fn generate_racing(spec: KeySpec, workers: usize) -> Result<Self, KeyError> {
        if !matches!(spec, KeySpec::Rsa(_)) || workers < 2 {
            return Self::generate(spec);
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let sender = sender.clone();
            std::thread::spawn(move || {
                // The receiver is gone once a winner was taken; nothing to do then.
                let _ = sender.send(Self::generate(spec));
            });
        }
        drop(sender);
        receiver.recv().map_err(|_| KeyError::Generate(spec))?
    }

    fn new(inner: Inner) -> Result<Self, KeyError> {
        let spki = match &inner {
            Inner::Rsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::Ecdsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::Ed25519(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
        }
        .map_err(|_| KeyError::Crypto("encode a public key"))?;
        let public = PublicKey::from_spki_der(&spki)?;
        Ok(Self { inner, public })
    }

    /// Reads a key from PEM as cfssl does for `-ca-key`: the label is not trusted (any
    /// `… PRIVATE KEY` label works), `EC PARAMETERS` blocks that openssl writes first are
    /// skipped, and the DER may be PKCS#8, PKCS#1 or SEC1.
    pub fn from_pem(text: &[u8]) -> Result<Self, KeyError> {
        let blocks =
            pem::parse_many(text).map_err(|e| KeyError::Pem(format!("invalid PEM: {e}")))?;
        let block = blocks
            .iter()
            .find(|b| b.tag() != "EC PARAMETERS")
            .ok_or_else(|| KeyError::Pem("no PEM private key block found".into()))?;
        let encrypted = block
            .headers()
            .get("Proc-Type")
            .is_some_and(|v| v.contains("ENCRYPTED"));
        if encrypted || block.tag() == "ENCRYPTED PRIVATE KEY" {
            return Err(KeyError::Encrypted);
        }
        if !block.tag().ends_with("PRIVATE KEY") {
            return Err(KeyError::NotAPrivateKey(block.tag().to_owned()));
        }
        Self::from_der(block.contents())
    }

    /// Reads a DER key: PKCS#8 (RSA, EC, Ed25519), PKCS#1 RSA, or SEC1 EC.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let rejected = |e: aws_lc_rs::error::KeyRejected| KeyError::Invalid(e.to_string());
        if let Ok(info) = PrivateKeyInfoRef::from_der(der) {
            let inner = match info.algorithm.oid.to_string().as_str() {
                "1.2.840.113549.1.1.1" => {
                    Inner::Rsa(rsa::KeyPair::from_pkcs8(der).map_err(rejected)?)
                }
                "1.2.840.10045.2.1" => {
                    let curve = Self::curve_of(der)?;
                    Inner::Ecdsa(
                        EcdsaKeyPair::from_pkcs8(ecdsa_signing(curve), der).map_err(rejected)?,
                    )
                }
                "1.3.101.112" => Inner::Ed25519(
                    Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?,
                ),
                other => return Err(KeyError::Unsupported(format!("key algorithm {other}"))),
            };
            return Self::new(inner);
        }
        if let Ok(k) = rsa::KeyPair::from_der(der) {
            return Self::new(Inner::Rsa(k));
        }
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            if let Ok(k) = EcdsaKeyPair::from_private_key_der(ecdsa_signing(curve), der) {
                return Self::new(Inner::Ecdsa(k));
            }
        }
        // A SEC1 key on another curve (openssl's P-224): name the curve.
        if let Ok(sec1) = Sec1Key::from_der(der)
            && let Some(curve) = sec1.parameters
        {
            return Err(unsupported_curve(Some(&curve.to_string())));
        }
        // Say why RSA failed if it looks like RSA (e.g. a 1024-bit key), else give up.
        match rsa::KeyPair::from_der(der) {
            Err(e) if der.len() > 100 && looks_like_pkcs1(der) => Err(rejected(e)),
            _ => Err(KeyError::Invalid("unrecognised encoding".into())),
        }
    }

    /// The curve named in an EC PKCS#8's algorithm parameters.
    fn curve_of(pkcs8: &[u8]) -> Result<Curve, KeyError> {
        let info =
            PrivateKeyInfoRef::from_der(pkcs8).map_err(|e| KeyError::Invalid(e.to_string()))?;
        let curve = info
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
            .map(|o| o.to_string());
        match curve.as_deref() {
            Some("1.2.840.10045.3.1.7") => Ok(Curve::P256),
            Some("1.3.132.0.34") => Ok(Curve::P384),
            Some("1.3.132.0.35") => Ok(Curve::P521),
            other => Err(unsupported_curve(other)),
        }
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key's algorithm and size.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.public.algorithm()
    }

    /// The algorithm this key signs with.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::for_key(self.algorithm())
    }

    /// Signs `message` with [`Self::signature_algorithm`].
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sign_as(self.signature_algorithm(), message)
    }

    /// Signs `message` with `algorithm`, which must suit the key (an RSA key may pick its
    /// hash: cfssl's `gencrl` signs with SHA-256 whatever the modulus size).
    pub(crate) fn sign_as(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        use SignatureAlgorithm::{RsaSha256, RsaSha384, RsaSha512};
        // aws-lc binds an ECDSA key pair to one hash; RSA takes the padding per signature.
        let suits = match &self.inner {
            Inner::Rsa(_) => matches!(algorithm, RsaSha256 | RsaSha384 | RsaSha512),
            _ => algorithm == self.signature_algorithm(),
        };
        if !suits {
            return Err(KeyError::Unsupported(format!(
                "signing with {} by a {} key",
                algorithm.name(),
                self.algorithm()
            )));
        }
        let failed = |_| KeyError::Crypto("sign");
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(k) => {
                let padding = match algorithm {
                    SignatureAlgorithm::RsaSha512 => &sig::RSA_PKCS1_SHA512,
                    SignatureAlgorithm::RsaSha384 => &sig::RSA_PKCS1_SHA384,
                    _ => &sig::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0; k.public_modulus_len()];
                k.sign(padding, &rng, message, &mut out).map_err(failed)?;
                Ok(out)
            }
            Inner::Ecdsa(k) => Ok(k.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
            Inner::Ed25519(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }

    /// The key as cfssl writes it: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1 with
    /// namedCurve and public key), or `PRIVATE KEY` (PKCS#8 v1) for Ed25519.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        let failed = |_| KeyError::Crypto("encode a private key");
        let (label, der) = match &self.inner {
            Inner::Rsa(k) => {
                let pkcs8 = k.as_der().map_err(failed)?;
                let info = PrivateKeyInfoRef::from_der(pkcs8.as_ref())
                    .map_err(|_| KeyError::Crypto("encode a private key"))?;
                ("RSA PRIVATE KEY", info.private_key.as_bytes().to_vec())
            }
            Inner::Ecdsa(k) => (
                "EC PRIVATE KEY",
                k.private_key().as_der().map_err(failed)?.as_ref().to_vec(),
            ),
            Inner::Ed25519(k) => (
                "PRIVATE KEY",
                k.to_pkcs8v1().map_err(failed)?.as_ref().to_vec(),
            ),
        };
        Ok(pem_encode(label, der))
    }
}

/// PEM as Go's `pem.EncodeToMemory` writes it: 64-column base64, `\n` line ends.
pub(crate) fn pem_encode(label: &str, der: Vec<u8>) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// A PKCS#1 RSAPrivateKey starts `SEQUENCE { INTEGER 0, INTEGER n, …`.
/// The public half of an RSA private key in PKCS#1 or PKCS#8 DER, read structurally (aws-lc
/// refuses keys under 2048 bits, which `lint` must still compare and call weak): the
/// RSAPublicKey DER (what a certificate's subjectPublicKey holds, RFC 8017 A.1.1) and the
/// modulus length in bits. `None` for anything that is not an RSA private key.
pub fn rsa_public_parts(der: &[u8]) -> Option<(Vec<u8>, u32)> {
    use der::asn1::UintRef;
    #[derive(der::Sequence)]
    #[allow(dead_code, reason = "fields read only to walk the structure")]
    struct RsaPrivateKey<'a> {
        version: UintRef<'a>,
        modulus: UintRef<'a>,
        public_exponent: UintRef<'a>,
        private_exponent: UintRef<'a>,
        prime1: UintRef<'a>,
        prime2: UintRef<'a>,
        exponent1: UintRef<'a>,
        exponent2: UintRef<'a>,
        coefficient: UintRef<'a>,
    }
    let pkcs1 = match PrivateKeyInfoRef::from_der(der) {
        Ok(info) if info.algorithm.oid.to_string() == "1.2.840.113549.1.1.1" => {
            info.private_key.as_bytes()
        }
        Ok(_) => return None,
        Err(_) => der,
    };
    let key = RsaPrivateKey::from_der(pkcs1).ok()?;
    let n = key.modulus.as_bytes();
    let bits = (n.len() as u32) * 8 - n.first().copied().unwrap_or(0).leading_zeros();
    let public = crate::x509::der_writer::sequence(&[
        &crate::x509::der_writer::unsigned_integer(n),
        &crate::x509::der_writer::unsigned_integer(key.public_exponent.as_bytes()),
    ]);
    Some((public, bits))
}

/// SEC1 `ECPrivateKey` (RFC 5915 §3), read only to name a curve etcdpki cannot sign with.
#[derive(der::Sequence)]
struct Sec1Key<'a> {
    _version: u8,
    _private_key: &'a der::asn1::OctetStringRef,
    #[asn1(context_specific = "0", optional = "true")]
    parameters: Option<der::asn1::ObjectIdentifier>,
    #[asn1(context_specific = "1", optional = "true")]
    _public_key: Option<der::asn1::BitStringRef<'a>>,
}

/// An EC key on a curve other than P-256, P-384 and P-521, named as openssl names it (cfssl
/// signs with a P-224 CA key, using ECDSA with SHA-1; RFC 5480 §2.1.1.1 names the curves).
fn unsupported_curve(oid: Option<&str>) -> KeyError {
    KeyError::Unsupported(format!(
        "EC curve {}: etcdpki signs with P-256, P-384 and P-521 only",
        curve_name(oid)
    ))
}

/// A curve's name as openssl gives it, for the curves etcdpki does not take; the OID otherwise.
pub(super) fn curve_name(oid: Option<&str>) -> String {
    match oid {
        Some("1.3.132.0.33") => "P-224 (secp224r1)".to_owned(),
        Some("1.2.840.10045.3.1.1") => "P-192 (prime192v1)".to_owned(),
        Some("1.3.132.0.10") => "secp256k1".to_owned(),
        Some(other) => other.to_owned(),
        None => "(none named)".to_owned(),
    }
}

fn looks_like_pkcs1(der: &[u8]) -> bool {
    der.windows(3).take(6).any(|w| w == [0x02, 0x01, 0x00])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(spec: KeySpec, label: &str) {
        let key = PrivateKey::generate(spec).expect("generate");
        let pem = key.to_pem().expect("pem");
        assert!(
            pem.starts_with(&format!("-----BEGIN {label}-----\n")),
            "{pem}"
        );
        assert!(pem.ends_with(&format!("-----END {label}-----\n")));
        let back = PrivateKey::from_pem(pem.as_bytes()).expect("read back");
        assert_eq!(back.public_key(), key.public_key());
        let sig = key.sign(b"tbs").expect("sign");
        let oid = key.signature_algorithm().oid().to_string();
        key.public_key()
            .verify(&oid, b"tbs", &sig)
            .expect("verifies");
        assert_eq!(
            key.public_key().verify(&oid, b"tbS", &sig),
            Err(KeyError::BadSignature)
        );
    }

    #[test]
    fn ecdsa_and_ed25519_keys_round_trip_in_cfssl_pem_forms() {
        roundtrip(KeySpec::Ecdsa(Curve::P256), "EC PRIVATE KEY");
        roundtrip(KeySpec::Ecdsa(Curve::P384), "EC PRIVATE KEY");
        roundtrip(KeySpec::Ecdsa(Curve::P521), "EC PRIVATE KEY");
        roundtrip(KeySpec::Ed25519, "PRIVATE KEY");
    }

    #[test]
    fn rsa_keys_are_pkcs1_and_pick_their_hash_by_size() {
        let key = PrivateKey::generate(KeySpec::Rsa(RsaSize::Bits2048)).expect("generate");
        assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
        assert_eq!(key.signature_algorithm(), SignatureAlgorithm::RsaSha256);
        let pem = key.to_pem().expect("pem");
        assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let back = PrivateKey::from_pem(pem.as_bytes()).expect("read back");
        assert_eq!(back.public_key(), key.public_key());
    }

    #[test]
    fn racing_generation_returns_a_working_key() {
        let key = PrivateKey::generate_racing(KeySpec::Rsa(RsaSize::Bits2048), 2).expect("race");
        assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
        let ec = PrivateKey::generate_racing(KeySpec::Ecdsa(Curve::P256), 2).expect("ec");
        assert_eq!(ec.algorithm(), KeyAlgorithm::Ecdsa(Curve::P256));
    }

    #[test]
    fn labels_are_not_trusted_and_ec_parameters_are_skipped() {
        let key = PrivateKey::generate(KeySpec::Ecdsa(Curve::P384)).expect("generate");
        let pem = key
            .to_pem()
            .expect("pem")
            .replace("EC PRIVATE KEY", "WEIRD PRIVATE KEY");
        let params = "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n";
        let back = PrivateKey::from_pem(format!("{params}{pem}").as_bytes()).expect("read");
        assert_eq!(back.public_key(), key.public_key());
    }

    #[test]
    fn non_keys_give_messages_without_key_material() {
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            PrivateKey::from_pem(cert.as_bytes())
                .expect_err("cert")
                .to_string(),
            "expected a private key, found a PEM block labelled \"CERTIFICATE\""
        );
        assert!(PrivateKey::from_pem(b"garbage").is_err());
        let enc = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            PrivateKey::from_pem(enc.as_bytes()).expect_err("enc"),
            KeyError::Encrypted
        );
        let junk = "-----BEGIN PRIVATE KEY-----\nAAECAwQF\n-----END PRIVATE KEY-----\n";
        let e = PrivateKey::from_pem(junk.as_bytes())
            .expect_err("junk")
            .to_string();
        assert!(!e.contains("AAECAwQF"), "{e}");
    }
}

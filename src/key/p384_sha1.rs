//! ECDSA on P-384 with SHA-1: the one curve and digest pair that Go's
//! `CertificateRequest.CheckSignature` accepts and aws-lc-rs 1.x cannot check (its ECDSA
//! verifiers insist on the algorithm's own digest, and it has none for P-384 with SHA-1).
//!
//! Takes the key's SEC1 point, the signed bytes and a DER `ECDSA-Sig-Value`; returns whether
//! the signature verifies, using RustCrypto's `p384`/`ecdsa` over a SHA-1 digest
//! (docs/design.md, "Crates measured"). Go (crypto/ecdsa `VerifyASN1`, `hashToInt`) turns a
//! digest shorter than the order into the integer it spells; `ecdsa` 0.16 refuses a prehash
//! shorter than half the field (24 bytes, and SHA-1 has 20), so the digest is given with
//! leading zero bytes up to the field's 48: the same integer (SEC 1 v2 §4.1.4 step 2: `e` is the
//! digest itself when it has fewer bits than the order). Everything here is public data.

use p384::ecdsa::signature::hazmat::PrehashVerifier;
use p384::ecdsa::{DerSignature, VerifyingKey};

use super::KeyError;

/// P-384's field size in bytes.
const FIELD_BYTES: usize = 48;

/// Checks `signature` (DER) over `message` with the P-384 key `sec1_point` and SHA-1.
pub(super) fn verify(sec1_point: &[u8], message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
    let key = VerifyingKey::from_sec1_bytes(sec1_point)
        .map_err(|_| KeyError::PublicKey("not a point on P-384".into()))?;
    // `DerSignature` parses strictly (minimal INTEGERs, no trailing bytes) and `r`, `s` must
    // lie in [1, n-1], as Go's cryptobyte parser and `verifyAsm`/`verifyGeneric` require.
    let signature = DerSignature::try_from(signature).map_err(|_| KeyError::BadSignature)?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, message);
    let mut prehash = [0u8; FIELD_BYTES];
    let start = FIELD_BYTES - digest.as_ref().len();
    prehash[start..].copy_from_slice(digest.as_ref());
    key.verify_prehash(&prehash, &signature)
        .map_err(|_| KeyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p384::ecdsa::SigningKey;
    use p384::ecdsa::signature::hazmat::PrehashSigner;

    fn signed(message: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut seed = [0u8; FIELD_BYTES];
        aws_lc_rs::rand::fill(&mut seed).expect("random");
        seed[0] &= 0x7f;
        let key = SigningKey::from_slice(&seed).expect("a scalar below n");
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, message);
        let mut prehash = [0u8; FIELD_BYTES];
        prehash[FIELD_BYTES - 20..].copy_from_slice(digest.as_ref());
        let signature: DerSignature = key.sign_prehash(&prehash).expect("sign");
        let point = key.verifying_key().to_encoded_point(false);
        (point.as_bytes().to_vec(), signature.as_bytes().to_vec())
    }

    #[test]
    fn a_sha1_signature_verifies_and_tampering_is_refused() {
        let (point, signature) = signed(b"tbs");
        assert_eq!(verify(&point, b"tbs", &signature), Ok(()));
        assert_eq!(
            verify(&point, b"tbz", &signature),
            Err(KeyError::BadSignature)
        );
        let mut trailing = signature.clone();
        trailing.push(0);
        assert_eq!(
            verify(&point, b"tbs", &trailing),
            Err(KeyError::BadSignature)
        );
        let (other, _) = signed(b"tbs");
        assert_eq!(
            verify(&other, b"tbs", &signature),
            Err(KeyError::BadSignature)
        );
        assert!(matches!(
            verify(&[4; 97], b"tbs", &signature),
            Err(KeyError::PublicKey(_))
        ));
    }
}

//! ECDSA P-256 with SHA-256, checked against one public key many times over: the work a large
//! PKI gives `lint`, where one CA signed thousands of certificates.
//!
//! Takes the key's SEC1 point, then batches of (message, DER signature) pairs; returns for each
//! pair whether the signature verifies. aws-lc checks one signature in about 114 µs on this
//! machine, most of it the variable-base half `u2·Q` of `u1·G + u2·Q`. With a fixed-base table
//! for Q as well as for G (32 windows of 8 bits: 8,192 points each, built in ~7 ms) a check is
//! at most 64 point additions in the p256 crate's arithmetic and one inversion for `x(R)`; the
//! inversions of `s` are shared by a whole batch (Montgomery's trick). About 80 µs in all
//! (docs/design.md); the caller builds a table only for a key with enough signatures to pay for
//! it.
//!
//! The equation is the standard one (SEC 1 v2 §4.1.4; FIPS 186-5 §6.4.2): `r` and `s` in
//! `[1, n-1]`, `e` the SHA-256 digest reduced mod `n`, `w = s⁻¹`, `R = (e·w)·G + (r·w)·Q`,
//! valid when R is not the point at infinity and `x(R) mod n = r`. Everything here is public
//! data, so nothing needs to run in constant time.

use std::sync::OnceLock;

use der::Decode;
use der::asn1::UintRef;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::FromEncodedPoint;
use p256::elliptic_curve::{Field, PrimeField};
use p256::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar, U256};

/// Windows of 8 bits over a 256-bit scalar.
const WINDOWS: usize = 32;
/// Multiples per window: 0..=255.
const MULTIPLES: usize = 256;

/// `b·256ʷ·P` for every window `w` and byte `b`: a scalar multiple of P is then one addition
/// per nonzero byte of the scalar, and no doubling. The points stay projective: p256 0.13
/// normalises only one point per inversion, and 8,192 inversions would cost 100 ms.
struct Table(Vec<ProjectivePoint>);

impl Table {
    fn new(point: ProjectivePoint) -> Self {
        let mut multiples = Vec::with_capacity(WINDOWS * MULTIPLES);
        let mut base = point;
        for _ in 0..WINDOWS {
            let mut multiple = ProjectivePoint::IDENTITY;
            for _ in 0..MULTIPLES {
                multiples.push(multiple);
                multiple += base;
            }
            // 256·base: the next window's unit.
            base = multiple;
        }
        Table(multiples)
    }

    /// Adds `k·P` to `sum`.
    fn add_multiple(&self, k: &Scalar, sum: &mut ProjectivePoint) {
        // Big-endian bytes: the last is window 0.
        for (window, byte) in k.to_bytes().iter().rev().enumerate() {
            if *byte != 0
                && let Some(point) = self.0.get(window * MULTIPLES + usize::from(*byte))
            {
                *sum += point;
            }
        }
    }
}

/// The generator's table, built once per process on first use.
fn generator_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::new(ProjectivePoint::GENERATOR))
}

/// Checks ECDSA P-256/SHA-256 signatures under one public key, in batches.
pub struct TableVerifier {
    key: Table,
}

impl TableVerifier {
    /// The verifier for a P-256 public key given as a SEC1 point (the subjectPublicKey bits);
    /// `None` when the bytes are not a point on the curve.
    pub fn new(sec1_point: &[u8]) -> Option<Self> {
        let encoded = EncodedPoint::from_bytes(sec1_point).ok()?;
        let point = Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&encoded))?;
        // Make the generator's table now, not inside the first batch on some worker thread.
        generator_table();
        Some(Self {
            key: Table::new(point.into()),
        })
    }

    /// For each `(message, signature)`, whether `signature` (DER `ECDSA-Sig-Value`) is a valid
    /// signature of `message` under the key.
    pub fn verify_all(&self, items: &[(&[u8], &[u8])]) -> Vec<bool> {
        // (r, s, e) of each well-formed signature; the others are false already.
        let parsed: Vec<Option<(Scalar, Scalar, Scalar)>> = items
            .iter()
            .map(|(message, signature)| {
                let (r, s) = signature_scalars(signature)?;
                Some((r, s, digest_scalar(message)))
            })
            .collect();
        let mut w: Vec<Scalar> = parsed.iter().flatten().map(|(_, s, _)| *s).collect();
        if !invert_all(&mut w) {
            return vec![false; items.len()];
        }
        let generator = generator_table();
        let mut verdicts = parsed.iter().flatten().zip(&w).map(|((r, _, e), w)| {
            let mut sum = ProjectivePoint::IDENTITY;
            generator.add_multiple(&(*e * w), &mut sum);
            self.key.add_multiple(&(*r * w), &mut sum);
            let point = sum.to_affine();
            !bool::from(point.is_identity())
                && <Scalar as Reduce<U256>>::reduce_bytes(&point.x()) == *r
        });
        parsed
            .iter()
            .map(|p| p.is_some() && verdicts.next().unwrap_or(false))
            .collect()
    }
}

/// `r` and `s` of a DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 5480
/// §2.2.3), each in `[1, n-1]`; `None` for anything else, trailing bytes included.
fn signature_scalars(der: &[u8]) -> Option<(Scalar, Scalar)> {
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    let value = EcdsaSigValue::from_der(der).ok()?;
    Some((
        nonzero_scalar(value.r.as_bytes())?,
        nonzero_scalar(value.s.as_bytes())?,
    ))
}

/// A big-endian integer in `[1, n-1]` as a scalar.
fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
    let mut repr = FieldBytes::default();
    let start = repr.len().checked_sub(bytes.len())?;
    repr.get_mut(start..)?.copy_from_slice(bytes);
    let scalar = Option::<Scalar>::from(Scalar::from_repr(repr))?;
    (!bool::from(scalar.is_zero())).then_some(scalar)
}

/// The SHA-256 digest of `message` as an integer mod n (a 256-bit digest needs no truncation
/// for a 256-bit order).
fn digest_scalar(message: &[u8]) -> Scalar {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message);
    let mut bytes = FieldBytes::default();
    bytes.copy_from_slice(digest.as_ref());
    <Scalar as Reduce<U256>>::reduce_bytes(&bytes)
}

/// Replaces every element by its inverse with one inversion in all (Montgomery's trick);
/// false if an element is zero (the parser lets none through).
fn invert_all(values: &mut [Scalar]) -> bool {
    let mut prefixes = Vec::with_capacity(values.len());
    let mut product = Scalar::ONE;
    for v in values.iter() {
        prefixes.push(product);
        product *= v;
    }
    let Some(mut inverse) = Option::<Scalar>::from(product.invert()) else {
        return false;
    };
    for (v, prefix) in values.iter_mut().zip(prefixes).rev() {
        let original = *v;
        *v = inverse * prefix;
        inverse *= original;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
        UnparsedPublicKey,
    };

    fn key() -> EcdsaKeyPair {
        EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("key")
    }

    fn sign(key: &EcdsaKeyPair, message: &[u8]) -> Vec<u8> {
        key.sign(&SystemRandom::new(), message)
            .expect("sign")
            .as_ref()
            .to_vec()
    }

    fn aws_lc_accepts(key: &EcdsaKeyPair, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key.public_key().as_ref())
            .verify(message, signature)
            .is_ok()
    }

    #[test]
    fn the_table_gives_the_same_multiples_as_the_group_law() {
        let table = generator_table();
        for k in [
            Scalar::ONE,
            Scalar::from(255u64),
            Scalar::from(256u64),
            -Scalar::ONE,
        ]
        .into_iter()
        .chain((0..20).map(|_| {
            let mut bytes = FieldBytes::default();
            aws_lc_rs::rand::fill(&mut bytes).expect("random");
            <Scalar as Reduce<U256>>::reduce_bytes(&bytes)
        })) {
            let mut sum = ProjectivePoint::IDENTITY;
            table.add_multiple(&k, &mut sum);
            assert_eq!(sum, ProjectivePoint::GENERATOR * k);
        }
    }

    #[test]
    fn verdicts_agree_with_aws_lc_on_valid_and_tampered_signatures() {
        let signer = key();
        let other = key();
        let verifier = TableVerifier::new(signer.public_key().as_ref()).expect("point");
        let messages: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 100 + usize::from(i)]).collect();
        let mut items: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let good = sign(&signer, m);
            items.push((m.clone(), good.clone()));
            let mut flipped_message = m.clone();
            flipped_message[i % m.len()] ^= 1;
            items.push((flipped_message, good.clone()));
            let mut flipped_signature = good.clone();
            let at = 4 + i % (good.len() - 4);
            flipped_signature[at] ^= 0x10;
            items.push((m.clone(), flipped_signature));
            items.push((m.clone(), sign(&other, m)));
            let mut trailing = good;
            trailing.push(0);
            items.push((m.clone(), trailing));
        }
        let pairs: Vec<(&[u8], &[u8])> = items
            .iter()
            .map(|(m, s)| (m.as_slice(), s.as_slice()))
            .collect();
        let ours = verifier.verify_all(&pairs);
        let theirs: Vec<bool> = items
            .iter()
            .map(|(m, s)| aws_lc_accepts(&signer, m, s))
            .collect();
        assert_eq!(ours, theirs);
        assert_eq!(ours.iter().filter(|v| **v).count(), messages.len());
    }

    #[test]
    fn out_of_range_and_malformed_signatures_are_refused() {
        let signer = key();
        let verifier = TableVerifier::new(signer.public_key().as_ref()).expect("point");
        let message = b"tbs";
        let good = sign(&signer, message);
        let order_bytes: [u8; 32] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2,
            0xFC, 0x63, 0x25, 0x51,
        ];
        let sig = |r: &[u8], s: &[u8]| {
            let int = |v: &[u8]| {
                let mut out = vec![0x02];
                let pad = v.first().is_some_and(|b| b & 0x80 != 0);
                out.push(u8::try_from(v.len() + usize::from(pad)).expect("short"));
                if pad {
                    out.push(0);
                }
                out.extend_from_slice(v);
                out
            };
            let body = [int(r), int(s)].concat();
            [vec![0x30, u8::try_from(body.len()).expect("short")], body].concat()
        };
        let refused: Vec<Vec<u8>> = vec![
            Vec::new(),
            vec![0x30, 0x00],
            sig(&[0], &[1]),
            sig(&[1], &[0]),
            sig(&order_bytes, &[1]),
            sig(&[1], &order_bytes),
            sig(&[1; 33], &[1]),
            good[..good.len() - 1].to_vec(),
        ];
        let mut pairs: Vec<(&[u8], &[u8])> = refused
            .iter()
            .map(|s| (&message[..], s.as_slice()))
            .collect();
        pairs.push((&message[..], good.as_slice()));
        let mut expected = vec![false; refused.len()];
        expected.push(true);
        assert_eq!(verifier.verify_all(&pairs), expected);
        assert!(verifier.verify_all(&[]).is_empty());
        assert!(TableVerifier::new(&[4; 65]).is_none());
    }
}

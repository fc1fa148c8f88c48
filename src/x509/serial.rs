//! Certificate serial numbers as CRLs and etcd see them: signed INTEGERs of any length.
//!
//! Takes decimal text (cfssl's `gencrl` list), hex text (openssl's and etcd's notation) or the
//! content octets of a DER INTEGER; returns a [`Serial`] that encodes minimally as Go's
//! `encoding/asn1` does (two's complement, RFC 5280 §4.1.2.2) and compares as etcd compares
//! serials: by magnitude alone (`big.Int.Bytes()` in etcd's `checkCRL`, client/pkg/transport
//! listener.go), so that -5 and 5 are one serial to etcd.

use std::fmt;

/// A serial number: a sign and a big-endian magnitude without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial {
    negative: bool,
    magnitude: Vec<u8>,
}

/// Why text is not a serial number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SerialError {
    /// Not hex digits (with optional `0x` and `:` separators).
    #[error(
        "{0:?} is not a hex serial number (hex digits, optionally with 0x and colons, as openssl and etcd print serials)"
    )]
    NotHex(String),
    /// Not a decimal integer.
    #[error("{0:?} is not a decimal serial number")]
    NotDecimal(String),
}

impl Serial {
    /// The positive (or zero) serial with big-endian `magnitude`.
    pub(crate) fn from_magnitude(magnitude: &[u8]) -> Self {
        Self::new(false, magnitude)
    }

    fn new(negative: bool, magnitude: &[u8]) -> Self {
        let skip = magnitude.iter().take_while(|b| **b == 0).count();
        let magnitude = magnitude[skip..].to_vec();
        Self {
            negative: negative && !magnitude.is_empty(),
            magnitude,
        }
    }

    /// The value of a DER INTEGER's content octets (two's complement).
    pub(crate) fn from_integer_content(content: &[u8]) -> Self {
        match content.first() {
            Some(first) if first & 0x80 != 0 => {
                // Negative: the magnitude is the two's complement of the content.
                let mut magnitude: Vec<u8> = content.iter().map(|b| !b).collect();
                for b in magnitude.iter_mut().rev() {
                    let (sum, carry) = b.overflowing_add(1);
                    *b = sum;
                    if !carry {
                        break;
                    }
                }
                Self::new(true, &magnitude)
            }
            _ => Self::new(false, content),
        }
    }

    /// Hex as openssl (`serial=3039`, `30:39`) and etcd (`certificate serial 3039 revoked`)
    /// print serials; `0x` and colons are allowed.
    pub(crate) fn parse_hex(text: &str) -> Result<Self, SerialError> {
        let bad = || SerialError::NotHex(text.to_owned());
        let body = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        let digits: Vec<u8> = body
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        if digits.is_empty() || body.starts_with(':') || body.ends_with(':') || body.contains("::")
        {
            return Err(bad());
        }
        let mut magnitude = Vec::with_capacity(digits.len() / 2 + 1);
        if digits.len() % 2 == 1 {
            magnitude.push(digits[0]);
        }
        for pair in digits[digits.len() % 2..].chunks_exact(2) {
            magnitude.push(pair[0] << 4 | pair[1]);
        }
        Ok(Self::from_magnitude(&magnitude))
    }

    /// An optional sign and decimal digits, nothing else.
    pub(crate) fn parse_decimal(text: &str) -> Result<Self, SerialError> {
        let bad = || SerialError::NotDecimal(text.to_owned());
        let (negative, digits) = match text.as_bytes() {
            [b'-', rest @ ..] => (true, rest),
            [b'+', rest @ ..] => (false, rest),
            rest => (false, rest),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let mut magnitude: Vec<u8> = Vec::new();
        for d in digits {
            let mut carry = u32::from(d - b'0');
            for b in magnitude.iter_mut().rev() {
                let cur = u32::from(*b) * 10 + carry;
                *b = (cur & 0xff) as u8;
                carry = cur >> 8;
            }
            while carry > 0 {
                magnitude.insert(0, (carry & 0xff) as u8);
                carry >>= 8;
            }
        }
        Ok(Self::new(negative, &magnitude))
    }

    /// True below zero (RFC 5280 §4.1.2.2 requires positive serials; Go wrote such
    /// certificates before 1.23 and cfssl's `gencrl` writes such entries).
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The magnitude, big-endian, no leading zeros (empty for zero): Go's `big.Int.Bytes()`,
    /// which is all etcd compares.
    pub(crate) fn magnitude(&self) -> &[u8] {
        &self.magnitude
    }

    /// The DER INTEGER content octets, minimal, as Go's `encoding/asn1` writes a `*big.Int`.
    pub(crate) fn integer_content(&self) -> Vec<u8> {
        if !self.negative {
            let mut out = Vec::with_capacity(self.magnitude.len() + 1);
            if self.magnitude.first().is_none_or(|b| b & 0x80 != 0) {
                out.push(0);
            }
            out.extend_from_slice(&self.magnitude);
            return out;
        }
        // Two's complement of the magnitude: invert (magnitude - 1), as Go does.
        let mut minus_one = self.magnitude.clone();
        for b in minus_one.iter_mut().rev() {
            let (diff, borrow) = b.overflowing_sub(1);
            *b = diff;
            if !borrow {
                break;
            }
        }
        let skip = minus_one.iter().take_while(|b| **b == 0).count();
        let mut out: Vec<u8> = minus_one[skip..].iter().map(|b| !b).collect();
        if out.first().is_none_or(|b| b & 0x80 == 0) {
            out.insert(0, 0xff);
        }
        out
    }

    /// The DER INTEGER.
    pub fn to_der(&self) -> Vec<u8> {
        super::der_writer::tlv(super::der_writer::tag::INTEGER, &self.integer_content())
    }

    /// Decimal, as cfssl logs serials and reads them in `gencrl`.
    pub fn to_decimal(&self) -> String {
        let mut digits = Vec::new();
        let mut n = self.magnitude.clone();
        while n.iter().any(|b| *b != 0) {
            let mut remainder = 0u32;
            for b in &mut n {
                let cur = (remainder << 8) | u32::from(*b);
                *b = (cur / 10) as u8;
                remainder = cur % 10;
            }
            digits.push(char::from(b'0' + remainder as u8));
        }
        if digits.is_empty() {
            digits.push('0');
        }
        if self.negative {
            digits.push('-');
        }
        digits.iter().rev().collect()
    }
}

/// Lowercase hex of the magnitude, `-` first when negative: etcd's `%x` in
/// "transport: certificate serial %x revoked" (zero prints as `0`).
impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        if self.magnitude.is_empty() {
            return f.write_str("0");
        }
        for b in &self.magnitude {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_encode_as_go_encodes_big_ints() {
        let enc = |t: &str| Serial::parse_decimal(t).expect(t).integer_content();
        assert_eq!(enc("0"), [0x00]);
        assert_eq!(enc("12345"), [0x30, 0x39]);
        assert_eq!(enc("128"), [0x00, 0x80]);
        assert_eq!(enc("-5"), [0xfb]);
        assert_eq!(enc("-128"), [0x80]);
        assert_eq!(enc("-129"), [0xff, 0x7f]);
        assert_eq!(enc("-256"), [0xff, 0x00]);
        assert_eq!(enc("+7"), [0x07]);
        assert_eq!(enc("-0"), [0x00]);
    }

    #[test]
    fn content_octets_read_back_to_the_same_serial() {
        for text in [
            "0",
            "1",
            "127",
            "128",
            "255",
            "256",
            "-1",
            "-5",
            "-128",
            "-129",
            "-256",
            "730750818665451459101842416358141509827966271487",
            "-65536",
        ] {
            let s = Serial::parse_decimal(text).expect(text);
            assert_eq!(
                Serial::from_integer_content(&s.integer_content()),
                s,
                "{text}"
            );
            assert_eq!(s.to_decimal(), text.trim_start_matches('+'), "{text}");
        }
    }

    #[test]
    fn hex_is_read_as_openssl_and_etcd_print_it() {
        let want = Serial::from_magnitude(&[0x30, 0x39]);
        for text in ["3039", "0x3039", "30:39", "03039", "0X3039"] {
            assert_eq!(Serial::parse_hex(text), Ok(want.clone()), "{text}");
        }
        assert_eq!(want.to_string(), "3039");
        assert_eq!(Serial::parse_hex("f").expect("f").to_string(), "0f");
        for bad in ["", "0x", "g1", "30::39", ":30", "30 39", "-3039"] {
            assert!(Serial::parse_hex(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimal_refuses_anything_but_digits() {
        for bad in ["", "-", "+", " 7", "7 ", "0x10", "1_000", "12a", "--5"] {
            assert!(Serial::parse_decimal(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn etcd_compares_magnitudes() {
        let minus = Serial::parse_decimal("-5").expect("-5");
        let plus = Serial::parse_decimal("5").expect("5");
        assert_ne!(minus, plus);
        assert_eq!(minus.magnitude(), plus.magnitude());
        assert_eq!(minus.to_string(), "-05");
    }
}

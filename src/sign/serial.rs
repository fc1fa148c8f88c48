//! Certificate serial numbers as cfssl makes them: 20 random bytes with the top bit cleared,
//! so the INTEGER is positive and at most 159 bits (RFC 5280 §4.1.2.2 allows 20 octets).

use std::fmt;

/// A positive serial number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SerialNumber([u8; 20]);

impl SerialNumber {
    /// A fresh random serial from the system CSPRNG.
    pub fn random() -> Result<Self, aws_lc_rs::error::Unspecified> {
        let mut bytes = [0u8; 20];
        aws_lc_rs::rand::fill(&mut bytes)?;
        Ok(Self::from_bytes(bytes))
    }

    /// A random serial below 2^63, as cfssl's `selfsign` makes them (`rand.Int(MaxInt64)`).
    pub fn random_63() -> Result<Self, aws_lc_rs::error::Unspecified> {
        let mut bytes = [0u8; 20];
        aws_lc_rs::rand::fill(&mut bytes[12..])?;
        bytes[12] &= 0x7f;
        Ok(Self(bytes))
    }

    /// A serial from fixed bytes (tests inject these); the top bit is cleared.
    pub fn from_bytes(mut bytes: [u8; 20]) -> Self {
        bytes[0] &= 0x7f;
        Self(bytes)
    }

    /// The big-endian magnitude.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

/// Decimal, as cfssl logs it ("signed certificate with serial number …").
impl fmt::Display for SerialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = Vec::new();
        let mut n = self.0.to_vec();
        while n.iter().any(|b| *b != 0) {
            let mut remainder = 0u32;
            for b in &mut n {
                let cur = (remainder << 8) | u32::from(*b);
                *b = (cur / 10) as u8;
                remainder = cur % 10;
            }
            digits.push(b'0' + remainder as u8);
        }
        if digits.is_empty() {
            digits.push(b'0');
        }
        digits.reverse();
        f.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_positive_and_print_in_decimal() {
        let s = SerialNumber::from_bytes([0xff; 20]);
        assert_eq!(s.as_bytes()[0], 0x7f);
        assert_eq!(
            s.to_string(),
            "730750818665451459101842416358141509827966271487"
        );
        let mut one = [0u8; 20];
        one[19] = 1;
        assert_eq!(SerialNumber::from_bytes(one).to_string(), "1");
        let r = SerialNumber::random().expect("rng");
        assert!(r.as_bytes()[0] < 0x80);
    }
}

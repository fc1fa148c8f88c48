//! A small DER writer (X.690) for the structures etcdpki emits byte for byte like Go.
//!
//! Takes already-encoded parts and primitive values, returns DER bytes. Constructed values are
//! assembled from parts so that the caller controls field order; `SET OF` is sorted by encoding,
//! as DER (X.690 §11.6) and Go's `encoding/asn1` require, which is how cfssl orders the values of
//! a multi-valued RDN (verified against cfssl: `OU=a*b+OU=ops`, UTF8String before Printable).

use der::asn1::ObjectIdentifier;
use time::OffsetDateTime;

/// Universal tags used here.
#[allow(missing_docs, reason = "X.690 tag names")]
pub mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const PRINTABLE_STRING: u8 = 0x13;
    pub(crate) const IA5_STRING: u8 = 0x16;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
}

/// A TLV with `tag` and `content`.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A constructed value of `tag` whose content is `parts` concatenated.
pub(crate) fn constructed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

/// `SEQUENCE { parts… }`.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    constructed(tag::SEQUENCE, parts)
}

/// `SEQUENCE OF` the already-encoded `items`, in the given order.
pub(crate) fn sequence_of(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &items.concat())
}

/// `SET OF` the already-encoded `items`, sorted by their encodings (DER).
pub(crate) fn set_of(mut items: Vec<Vec<u8>>) -> Vec<u8> {
    items.sort();
    tlv(tag::SET, &items.concat())
}

/// `[n] EXPLICIT` (constructed context tag) around `inner`.
pub(crate) fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, inner)
}

/// `[n] IMPLICIT` primitive context tag with `content` (e.g. GeneralName dNSName `[2]`).
pub(crate) fn implicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

/// An OBJECT IDENTIFIER.
pub fn oid(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(tag::OID, oid.as_bytes())
}

/// A BOOLEAN.
pub fn boolean(value: bool) -> Vec<u8> {
    tlv(tag::BOOLEAN, &[if value { 0xff } else { 0x00 }])
}

/// NULL.
pub fn null() -> Vec<u8> {
    tlv(tag::NULL, &[])
}

/// A non-negative INTEGER from big-endian magnitude bytes, minimally encoded.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|b| **b == 0).count();
    let digits = &magnitude[skip..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    tlv(tag::INTEGER, &content)
}

/// A small non-negative INTEGER.
pub(crate) fn small_integer(value: u32) -> Vec<u8> {
    unsigned_integer(&value.to_be_bytes())
}

/// An OCTET STRING.
pub(crate) fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, content)
}

/// A BIT STRING with `unused` padding bits in its last byte.
pub(crate) fn bit_string(unused: u8, bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(unused);
    content.extend_from_slice(bytes);
    tlv(tag::BIT_STRING, &content)
}

/// A string with the given string `tag`.
pub fn string(tag: u8, value: &str) -> Vec<u8> {
    tlv(tag, value.as_bytes())
}

/// A certificate `Time` (RFC 5280 §4.1.2.5): UTCTime for 1950–2049, GeneralizedTime otherwise,
/// always in UTC with whole seconds, as Go writes it.
pub fn time(t: OffsetDateTime) -> Vec<u8> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = t.year();
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if (1950..2050).contains(&year) {
        string(tag::UTC_TIME, &format!("{:02}{rest}", year % 100))
    } else {
        string(tag::GENERALIZED_TIME, &format!("{year:04}{rest}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn lengths_use_the_short_and_long_forms() {
        assert_eq!(tlv(0x04, &[1, 2]), [0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = tlv(0x04, &[0; 300]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(unsigned_integer(&[0, 0, 0x7f]), [0x02, 1, 0x7f]);
        assert_eq!(unsigned_integer(&[0x80]), [0x02, 2, 0, 0x80]);
        assert_eq!(unsigned_integer(&[0, 0]), [0x02, 1, 0]);
        assert_eq!(small_integer(1), [0x02, 1, 1]);
    }

    #[test]
    fn sets_are_sorted_by_encoding() {
        let a = string(tag::PRINTABLE_STRING, "ops");
        let b = string(tag::UTF8_STRING, "a*b");
        assert_eq!(
            set_of(vec![a.clone(), b.clone()]),
            [vec![0x31, 10], b, a].concat()
        );
    }

    #[test]
    fn times_switch_to_generalized_time_in_2050() {
        assert_eq!(
            time(datetime!(2026-11-22 02:54:00 UTC)),
            string(tag::UTC_TIME, "261122025400Z")
        );
        assert_eq!(
            time(datetime!(2126-01-02 03:04:05 UTC)),
            string(tag::GENERALIZED_TIME, "21260102030405Z")
        );
        assert_eq!(time(datetime!(1950-01-01 00:00:00 UTC))[0], tag::UTC_TIME);
        assert_eq!(
            time(datetime!(1949-12-31 23:59:59 UTC))[0],
            tag::GENERALIZED_TIME
        );
    }
}

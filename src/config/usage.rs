//! cfssl's usage names (`"server auth"`, `"key encipherment"`, …) and what they set in a
//! certificate: KeyUsage bits (RFC 5280 §4.2.1.3) or ExtendedKeyUsage purposes (§4.2.1.12).
//!
//! Takes the case-sensitive strings of cfssl's `config.KeyUsage`/`config.ExtKeyUsage` maps
//! (cfssl 1.6.5 config/config.go) and returns [`Usage`] values. Unlike cfssl, an unknown name
//! is an error, never silently dropped.

use der::asn1::ObjectIdentifier;

/// One KeyUsage bit, numbered as in RFC 5280's `KeyUsage ::= BIT STRING`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs, reason = "the variants are RFC 5280's names")]
pub enum KeyUsageBit {
    DigitalSignature = 0,
    ContentCommitment = 1,
    KeyEncipherment = 2,
    DataEncipherment = 3,
    KeyAgreement = 4,
    KeyCertSign = 5,
    CrlSign = 6,
    EncipherOnly = 7,
    DecipherOnly = 8,
}

/// A set of KeyUsage bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyUsage(u16);

impl KeyUsage {
    /// The empty set.
    pub(crate) const NONE: Self = Self(0);

    /// This set with `bit` added.
    pub const fn with(self, bit: KeyUsageBit) -> Self {
        Self(self.0 | 1 << bit as u16)
    }

    /// True if `bit` is in the set.
    pub const fn contains(self, bit: KeyUsageBit) -> bool {
        self.0 & (1 << bit as u16) != 0
    }

    /// The set whose bit `i` is RFC 5280's bit `i` (as x509-parser's `KeyUsage::flags` holds
    /// it); bits beyond decipherOnly are dropped.
    pub(crate) const fn from_rfc5280_bits(bits: u16) -> Self {
        Self(bits & 0x1ff)
    }

    /// This set without `bit`.
    pub const fn without(self, bit: KeyUsageBit) -> Self {
        Self(self.0 & !(1 << bit as u16))
    }

    /// True if no bit is set; such a certificate gets no KeyUsage extension.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The DER BIT STRING contents as Go writes them: bit 0 is the high bit of the first byte,
    /// trailing zero bytes dropped, the unused-bits count covering the zero bits after the last
    /// set bit (`03 02 05 A0` for digitalSignature + keyEncipherment).
    pub(crate) fn bit_string(self) -> (u8, Vec<u8>) {
        let bytes = [
            (self.0 as u8).reverse_bits(),
            ((self.0 >> 8) as u8).reverse_bits(),
        ];
        let len = if bytes[1] != 0 { 2 } else { 1 };
        let last = bytes[len - 1];
        let unused = if last == 0 {
            0
        } else {
            last.trailing_zeros() as u8
        };
        (unused, bytes[..len].to_vec())
    }
}

/// An extended key usage purpose cfssl knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs, reason = "the variants are the purposes' usual names")]
pub enum ExtKeyUsage {
    Any,
    ServerAuth,
    ClientAuth,
    CodeSigning,
    EmailProtection,
    IpsecEndSystem,
    IpsecTunnel,
    IpsecUser,
    TimeStamping,
    OcspSigning,
    MicrosoftServerGatedCrypto,
    NetscapeServerGatedCrypto,
}

impl ExtKeyUsage {
    /// Every purpose cfssl knows.
    pub const ALL: [Self; 12] = [
        Self::Any,
        Self::ServerAuth,
        Self::ClientAuth,
        Self::CodeSigning,
        Self::EmailProtection,
        Self::IpsecEndSystem,
        Self::IpsecTunnel,
        Self::IpsecUser,
        Self::TimeStamping,
        Self::OcspSigning,
        Self::MicrosoftServerGatedCrypto,
        Self::NetscapeServerGatedCrypto,
    ];

    /// The purpose with object identifier `oid`, if cfssl knows it.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.oid() == *oid)
    }

    /// The purpose's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        const KP: &str = "1.3.6.1.5.5.7.3";
        let dotted = match self {
            ExtKeyUsage::Any => "2.5.29.37.0".to_owned(),
            ExtKeyUsage::ServerAuth => format!("{KP}.1"),
            ExtKeyUsage::ClientAuth => format!("{KP}.2"),
            ExtKeyUsage::CodeSigning => format!("{KP}.3"),
            ExtKeyUsage::EmailProtection => format!("{KP}.4"),
            ExtKeyUsage::IpsecEndSystem => format!("{KP}.5"),
            ExtKeyUsage::IpsecTunnel => format!("{KP}.6"),
            ExtKeyUsage::IpsecUser => format!("{KP}.7"),
            ExtKeyUsage::TimeStamping => format!("{KP}.8"),
            ExtKeyUsage::OcspSigning => format!("{KP}.9"),
            ExtKeyUsage::MicrosoftServerGatedCrypto => "1.3.6.1.4.1.311.10.3.3".to_owned(),
            ExtKeyUsage::NetscapeServerGatedCrypto => "2.16.840.1.113730.4.1".to_owned(),
        };
        ObjectIdentifier::new(&dotted).expect("the EKU table holds valid OIDs")
    }
}

/// What one usage string means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A KeyUsage bit.
    Key(KeyUsageBit),
    /// An ExtendedKeyUsage purpose.
    Extended(ExtKeyUsage),
}

/// cfssl 1.6.5's table (config/config.go `KeyUsage` and `ExtKeyUsage`, listed in
/// doc/cmd/cfssl.txt): key usages in bit order, then extended key usages in cfssl's order.
pub(crate) const USAGE_NAMES: &[(&str, Usage)] = {
    use ExtKeyUsage as E;
    use KeyUsageBit as K;
    use Usage::{Extended as X, Key as B};
    &[
        ("signing", B(K::DigitalSignature)),
        ("digital signature", B(K::DigitalSignature)),
        ("content commitment", B(K::ContentCommitment)),
        ("key encipherment", B(K::KeyEncipherment)),
        ("data encipherment", B(K::DataEncipherment)),
        ("key agreement", B(K::KeyAgreement)),
        ("cert sign", B(K::KeyCertSign)),
        ("crl sign", B(K::CrlSign)),
        ("encipher only", B(K::EncipherOnly)),
        ("decipher only", B(K::DecipherOnly)),
        ("any", X(E::Any)),
        ("server auth", X(E::ServerAuth)),
        ("client auth", X(E::ClientAuth)),
        ("code signing", X(E::CodeSigning)),
        ("email protection", X(E::EmailProtection)),
        ("s/mime", X(E::EmailProtection)),
        ("ipsec end system", X(E::IpsecEndSystem)),
        ("ipsec tunnel", X(E::IpsecTunnel)),
        ("ipsec user", X(E::IpsecUser)),
        ("timestamping", X(E::TimeStamping)),
        ("ocsp signing", X(E::OcspSigning)),
        ("microsoft sgc", X(E::MicrosoftServerGatedCrypto)),
        ("netscape sgc", X(E::NetscapeServerGatedCrypto)),
    ]
};

impl KeyUsageBit {
    /// cfssl's name for the bit (the first in `USAGE_NAMES`; `signing` for digitalSignature).
    pub fn cfssl_name(self) -> &'static str {
        USAGE_NAMES
            .iter()
            .find(|(_, u)| *u == Usage::Key(self))
            .map_or("?", |(n, _)| n)
    }
}

/// The usage a cfssl name stands for; names are case-sensitive, as in cfssl.
pub(crate) fn parse_usage(name: &str) -> Option<Usage> {
    USAGE_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, u)| *u)
}

/// Every accepted usage name, for error messages.
pub(crate) fn usage_names() -> Vec<String> {
    USAGE_NAMES.iter().map(|(n, _)| (*n).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_bit_strings_match_go() {
        let ds_ke = KeyUsage::NONE
            .with(KeyUsageBit::DigitalSignature)
            .with(KeyUsageBit::KeyEncipherment);
        assert_eq!(ds_ke.bit_string(), (5, vec![0xA0]));
        let ca = KeyUsage::NONE
            .with(KeyUsageBit::KeyCertSign)
            .with(KeyUsageBit::CrlSign);
        assert_eq!(ca.bit_string(), (1, vec![0x06]));
        let decipher = KeyUsage::NONE.with(KeyUsageBit::DecipherOnly);
        assert_eq!(decipher.bit_string(), (7, vec![0x00, 0x80]));
    }

    #[test]
    fn names_are_case_sensitive_and_complete() {
        assert_eq!(
            parse_usage("server auth"),
            Some(Usage::Extended(ExtKeyUsage::ServerAuth))
        );
        assert_eq!(parse_usage("Server Auth"), None);
        assert_eq!(
            parse_usage("content committment"),
            None,
            "1.6.5 dropped the misspelling"
        );
        assert_eq!(USAGE_NAMES.len(), 23);
        assert_eq!(
            ExtKeyUsage::ServerAuth.oid().to_string(),
            "1.3.6.1.5.5.7.3.1"
        );
    }
}

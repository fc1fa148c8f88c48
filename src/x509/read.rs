//! Reading certificates and CSRs with x509-parser, refusing what it reads only in part.
//!
//! Takes DER; returns the parsed certificate or CSR, or why it is refused. x509-parser 0.18
//! reads a Name up to its first RDN that does not parse and keeps the rest silently, so that
//! `as_raw()` ends early (fuzz/README.md, finding 1): a CA with such a subject would have its
//! truncated name copied into every leaf as the issuer. Go and openssl refuse those names; so
//! does everything here. Bytes after the DER structure are refused too, as Go's
//! `x509.ParseCertificate` refuses them ("x509: trailing data"): etcd would not load the file.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::x509::AttributeTypeAndValue;

/// Why a certificate, a CSR or one of their name attributes was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Not DER of the structure, in x509-parser's words.
    #[error("{reason}")]
    Der {
        /// x509-parser's reason.
        reason: String,
    },
    /// Bytes after the structure (Go: "x509: trailing data").
    #[error("trailing bytes after the {structure}")]
    TrailingData {
        /// `certificate` or `request`.
        structure: &'static str,
    },
    /// A name x509-parser read only in part.
    #[error("its {which} name is malformed (an RDN runs past its set)")]
    PartialName {
        /// `subject` or `issuer`.
        which: &'static str,
    },
    /// A T61String attribute whose bytes are not UTF-8.
    #[error("attribute {oid}: a T61String that is not UTF-8")]
    T61NotUtf8 {
        /// The attribute type, dotted.
        oid: String,
    },
    /// A BMPString attribute of odd length.
    #[error("attribute {oid}: a BMPString of odd length")]
    BmpOddLength {
        /// The attribute type, dotted.
        oid: String,
    },
    /// An attribute value that is not a string type.
    #[error(
        "attribute {oid}: a value of ASN.1 type {tag}, not a string \
         (PrintableString, UTF8String, IA5String, NumericString, T61String, BMPString)"
    )]
    NotAString {
        /// The attribute type, dotted.
        oid: String,
        /// The ASN.1 tag found.
        tag: String,
    },
    /// An attribute type that is not a valid OID.
    #[error("bad attribute type {oid}")]
    BadAttributeType {
        /// The attribute type as x509-parser rendered it.
        oid: String,
    },
}

/// A certificate whose subject and issuer were read in full, with nothing after it.
pub fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, ReadError> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| ReadError::Der {
        reason: e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(ReadError::TrailingData {
            structure: "certificate",
        });
    }
    for (which, name) in [("subject", cert.subject()), ("issuer", cert.issuer())] {
        if !is_whole(name) {
            return Err(ReadError::PartialName { which });
        }
    }
    Ok(cert)
}

/// A CSR whose subject was read in full, with nothing after it.
pub fn parse_certificate_request(der: &[u8]) -> Result<X509CertificationRequest<'_>, ReadError> {
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|e| ReadError::Der {
        reason: e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(ReadError::TrailingData {
            structure: "request",
        });
    }
    if !is_whole(&csr.certification_request_info.subject) {
        return Err(ReadError::PartialName { which: "subject" });
    }
    Ok(csr)
}

/// True when x509-parser read all of `name`: its raw bytes are one whole DER Name that reads
/// back with the same number of RDNs.
pub fn is_whole(name: &X509Name<'_>) -> bool {
    X509Name::from_der(name.as_raw())
        .is_ok_and(|(rest, again)| rest.is_empty() && again.iter().count() == name.iter().count())
}

/// The text of a name attribute, read as Go's `parseASN1String` reads it (crypto/x509, the
/// parser cfssl and etcd use): PrintableString, UTF8String, IA5String and NumericString as they
/// are; T61String's bytes as UTF-8 (Go keeps the raw bytes, and cfssl then fails on non-UTF-8
/// ones with "asn1: string not valid UTF-8"); BMPString as UTF-16 with a final NUL dropped and
/// unpaired surrogates replaced (Go's `utf16.Decode`). openssl writes T61String and BMPString for
/// non-ASCII values under `string_mask = default`.
pub fn attribute_text(attr: &AttributeTypeAndValue<'_>) -> Result<String, ReadError> {
    let value = attr.attr_value();
    let oid = attr.attr_type().to_id_string();
    match value.tag() {
        Tag::T61String => {
            String::from_utf8(value.data.to_vec()).map_err(|_| ReadError::T61NotUtf8 { oid })
        }
        Tag::BmpString => {
            let mut bytes = value.data;
            if bytes.len() % 2 != 0 {
                return Err(ReadError::BmpOddLength { oid });
            }
            if let [rest @ .., 0, 0] = bytes {
                bytes = rest;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            Ok(char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect())
        }
        _ => attr
            .as_str()
            .map(str::to_owned)
            .map_err(|_| ReadError::NotAString {
                oid,
                // asn1-rs names the universal tags (`Integer`, `Sequence`) in Display.
                tag: value.tag().to_string(),
            }),
    }
}

/// A DER name as text (`CN=infra0, OU=server, O=etcd`), for messages.
pub fn name_text(der: &[u8]) -> String {
    X509Name::from_der(der).map_or_else(|_| "(an unreadable name)".into(), |(_, n)| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER Name of one RDN per `(tag, value)`, every attribute a commonName.
    fn name_der(values: &[(u8, &[u8])]) -> Vec<u8> {
        let tlv = |tag: u8, body: &[u8]| {
            let mut out = vec![tag, u8::try_from(body.len()).expect("short")];
            out.extend_from_slice(body);
            out
        };
        let rdns: Vec<u8> = values
            .iter()
            .flat_map(|(tag, value)| {
                let pair = [tlv(0x06, &[0x55, 0x04, 0x03]), tlv(*tag, value)].concat();
                tlv(0x31, &tlv(0x30, &pair))
            })
            .collect();
        tlv(0x30, &rdns)
    }

    fn texts(values: &[(u8, &[u8])]) -> Vec<Result<String, String>> {
        let der = name_der(values);
        let (_, name) = X509Name::from_der(&der).expect("a name");
        name.iter_attributes()
            .map(|a| attribute_text(a).map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn strings_read_as_go_reads_them() {
        const PRINTABLE: u8 = 0x13;
        const UTF8: u8 = 0x0c;
        const T61: u8 = 0x14;
        const BMP: u8 = 0x1e;
        let got = texts(&[
            (PRINTABLE, b"etcd"),
            (UTF8, "Zoë".as_bytes()),
            (T61, b"infra0"),
            // 東京, then the same with the NUL terminator Go drops.
            (BMP, &[0x67, 0x71, 0x4e, 0xac]),
            (BMP, &[0x67, 0x71, 0x4e, 0xac, 0x00, 0x00]),
            // An unpaired high surrogate becomes U+FFFD, as with Go's utf16.Decode.
            (BMP, &[0xd8, 0x00, 0x00, 0x41]),
        ]);
        let want = ["etcd", "Zoë", "infra0", "東京", "東京", "\u{fffd}A"];
        assert_eq!(got, want.map(|w| Ok(w.to_owned())));
    }

    #[test]
    fn values_go_cannot_read_are_refused_by_name() {
        let got = texts(&[
            (0x14, &[0x5a, 0x6f, 0xeb]),
            (0x1e, &[0x00]),
            (0x02, &[0x01]),
        ]);
        let messages: Vec<String> = got.into_iter().map(|r| r.expect_err("refused")).collect();
        assert!(
            messages[0].contains("T61String that is not UTF-8"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("BMPString of odd length"),
            "{messages:?}"
        );
        assert!(messages[2].contains("not a string"), "{messages:?}");
        assert!(
            messages
                .iter()
                .all(|m| m.starts_with("attribute 2.5.4.3: ")),
            "{messages:?}"
        );
    }
}

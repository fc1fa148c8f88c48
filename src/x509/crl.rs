//! Certificate revocation lists (RFC 5280 §5): the DER that Go's `crypto/x509` writes, and a
//! reader that keeps what etcd, lint and renew need.
//!
//! Writing takes a [`TbsCrl`] (issuer name DER, times, [`CrlEntry`]s, the AuthorityKeyIdentifier
//! and an optional CRL number, plus the signature AlgorithmIdentifier DER) and returns the
//! TBSCertList DER; `certificate_list` wraps it with a signature made by the stage that holds
//! the key (`crate::sign`). Two shapes exist, as in Go:
//! - [`CrlShape::GoCreateCrl`], `Certificate.CreateCRL`, which cfssl's `gencrl` calls
//!   (cfssl crl/crl.go): version v2, `revokedCertificates` present even when empty (Go marshals
//!   an empty non-nil slice), no entry extensions, AKI only, no CRL number.
//! - [`CrlShape::Rfc5280`], `x509.CreateRevocationList`: `revokedCertificates` absent when empty
//!   (RFC 5280 §5.1.2.6), a reasonCode entry extension for every reason but unspecified
//!   (§5.3.1), AKI then CRL number (§5.2.1, §5.2.3).
//!
//! Reading takes a file's bytes, PEM (`X509 CRL`) or DER, and returns a [`Crl`] with its
//! encoding, issuer, times, entries, number and the signed part for signature checks.

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, ParsedExtension};
use x509_parser::revocation_list::CertificateRevocationList;

use super::Serial;
use super::der_writer as w;

/// RFC 5280 §5.3.1 CRLReason values that a CRL of an etcd PKI can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No reason given: no reasonCode extension (§5.3.1: "SHOULD be absent").
    Unspecified,
    /// The certificate's key leaked, or may have.
    KeyCompromise,
    /// The CA's key leaked.
    CaCompromise,
    /// The subject's name or other facts changed.
    AffiliationChanged,
    /// Replaced by a new certificate (renewal).
    Superseded,
    /// No longer needed (a member removed, a client retired).
    CessationOfOperation,
    /// A privilege in the certificate was withdrawn.
    PrivilegeWithdrawn,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 7] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::PrivilegeWithdrawn,
    ];

    /// The CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            Reason::Unspecified => 0,
            Reason::KeyCompromise => 1,
            Reason::CaCompromise => 2,
            Reason::AffiliationChanged => 3,
            Reason::Superseded => 4,
            Reason::CessationOfOperation => 5,
            Reason::PrivilegeWithdrawn => 9,
        }
    }

    /// The reason with `code`; `None` for certificateHold (6), removeFromCRL (8), aACompromise
    /// (10) and unknown codes.
    pub(crate) fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// RFC 5280's name (`keyCompromise`), as openssl prints it too.
    pub fn rfc_name(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "keyCompromise",
            Reason::CaCompromise => "cACompromise",
            Reason::AffiliationChanged => "affiliationChanged",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    /// The reason named `name`: RFC 5280's name or its kebab-case form, any case.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        let squashed: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        Self::ALL
            .into_iter()
            .find(|r| r.rfc_name().to_lowercase() == squashed)
    }
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlEntry {
    /// Its serial number.
    pub serial: Serial,
    /// When it was revoked.
    pub revoked_at: OffsetDateTime,
    /// Why.
    pub reason: Reason,
}

/// Which of Go's two CRL writers to follow (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrlShape {
    /// `Certificate.CreateCRL`, as cfssl's `gencrl` writes.
    GoCreateCrl,
    /// `x509.CreateRevocationList`, RFC 5280 conformant.
    Rfc5280,
}

/// The signed part of a CRL.
#[derive(Clone, Debug)]
pub struct TbsCrl<'a> {
    /// Which writer to follow.
    pub shape: CrlShape,
    /// The signature AlgorithmIdentifier DER.
    pub algorithm: &'a [u8],
    /// The issuer Name DER.
    pub issuer: &'a [u8],
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: OffsetDateTime,
    /// The revoked certificates, in order.
    pub entries: &'a [CrlEntry],
    /// The issuer's SubjectKeyIdentifier, written as the AuthorityKeyIdentifier.
    pub authority_key_id: Option<&'a [u8]>,
    /// The CRL number (RFC 5280 shape only).
    pub number: Option<u64>,
}

/// Extension OIDs used in CRLs.
mod oid {
    use der::asn1::ObjectIdentifier;
    pub(crate) const AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
    pub(crate) const CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
    pub(crate) const REASON_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
}

/// `Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }`, non-critical.
fn extension(id: &der::asn1::ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    w::sequence(&[&w::oid(id), &w::octet_string(value)])
}

impl TbsCrl<'_> {
    /// The TBSCertList DER.
    pub fn to_der(&self) -> Vec<u8> {
        let rfc = self.shape == CrlShape::Rfc5280;
        let entries: Vec<Vec<u8>> = self
            .entries
            .iter()
            .map(|e| {
                let serial = e.serial.to_der();
                let time = w::time(e.revoked_at);
                if rfc && e.reason != Reason::Unspecified {
                    // ENUMERATED (tag 10) with the code, as Go marshals asn1.Enumerated.
                    let code = w::tlv(0x0a, &[e.reason.code()]);
                    let ext = extension(&oid::REASON_CODE, &code);
                    w::sequence(&[&serial, &time, &w::sequence(&[&ext])])
                } else {
                    w::sequence(&[&serial, &time])
                }
            })
            .collect();
        let mut extensions = Vec::new();
        if let Some(id) = self.authority_key_id.filter(|id| !id.is_empty()) {
            // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
            extensions.push(extension(
                &oid::AUTHORITY_KEY_ID,
                &w::sequence(&[&w::implicit(0, id)]),
            ));
        }
        if rfc && let Some(n) = self.number {
            extensions.push(extension(
                &oid::CRL_NUMBER,
                &w::unsigned_integer(&n.to_be_bytes()),
            ));
        }
        let mut parts: Vec<Vec<u8>> = vec![
            w::small_integer(1),
            self.algorithm.to_vec(),
            self.issuer.to_vec(),
            w::time(self.this_update),
            w::time(self.next_update),
        ];
        if !rfc || !entries.is_empty() {
            parts.push(w::sequence_of(&entries));
        }
        if !extensions.is_empty() {
            parts.push(w::explicit(0, &w::sequence_of(&extensions)));
        }
        w::sequence_of(&parts)
    }
}

/// `CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }`.
pub(crate) fn certificate_list(tbs: &[u8], algorithm: &[u8], signature: &[u8]) -> Vec<u8> {
    w::sequence(&[tbs, algorithm, &w::bit_string(0, signature)])
}

/// How a CRL file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrlEncoding {
    /// PEM `X509 CRL`; `at_start` says the file begins with its `-----BEGIN X509 CRL` line,
    /// which is the only PEM etcd 3.4 and 3.5 read (Go's `x509.ParseCRL` looks for that prefix
    /// and reads anything else as DER).
    Pem {
        /// The file starts with the BEGIN line.
        at_start: bool,
    },
    /// DER, the only form etcd 3.6 reads (`x509.ParseRevocationList`).
    Der,
}

/// A CRL read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crl {
    /// How the file holds it.
    pub encoding: CrlEncoding,
    /// The whole CertificateList DER.
    pub der: Vec<u8>,
    /// The TBSCertList DER (what the signature covers).
    pub tbs: Vec<u8>,
    /// The issuer Name DER.
    pub issuer_der: Vec<u8>,
    /// The AuthorityKeyIdentifier's keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// The CRL number, when present and below 2^64.
    pub number: Option<u64>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: Option<OffsetDateTime>,
    /// The entries.
    pub entries: Vec<CrlEntry>,
    /// The signature algorithm OID, dotted.
    pub signature_oid: String,
    /// The signature.
    pub signature: Vec<u8>,
}

/// Why bytes are not a CRL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// PEM whose first block is not `X509 CRL`, or broken PEM.
    #[error("PEM without an X509 CRL block{0}")]
    Pem(String),
    /// The DER does not parse as a CRL.
    #[error("not a DER CRL: {0}")]
    Der(String),
    /// Bytes follow the CRL.
    #[error("trailing bytes after the CRL (Go: x509: trailing data after CRL)")]
    Trailing,
    /// A time cannot be represented.
    #[error("a time outside what etcdpki can represent")]
    Time,
}

/// True when `bytes` hold a PEM `X509 CRL` block or start like a DER CRL (cheap, for scans).
pub fn looks_like_crl(bytes: &[u8]) -> bool {
    if bytes.windows(19).any(|w| w == b"-----BEGIN X509 CRL") {
        return true;
    }
    // A DER CertificateList starts SEQUENCE, SEQUENCE(tbs), INTEGER 1 (v2) or AlgorithmIdentifier.
    bytes.first() == Some(&0x30) && parse_crl(bytes).is_ok()
}

/// Reads a CRL file's bytes: PEM (the first `X509 CRL` block) or DER.
pub fn parse_crl(bytes: &[u8]) -> Result<Crl, CrlError> {
    let text_start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let (der, encoding) = if is_pem {
        let blocks = pem::parse_many(bytes).map_err(|e| CrlError::Pem(format!(": {e}")))?;
        let block = blocks
            .into_iter()
            .find(|b| b.tag() == "X509 CRL")
            .ok_or_else(|| CrlError::Pem(String::new()))?;
        let at_start = bytes.starts_with(b"-----BEGIN X509 CRL");
        let _ = text_start;
        (block.into_contents(), CrlEncoding::Pem { at_start })
    } else {
        (bytes.to_vec(), CrlEncoding::Der)
    };
    let (rest, crl) =
        CertificateRevocationList::from_der(&der).map_err(|e| CrlError::Der(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CrlError::Trailing);
    }
    read_fields(&crl, encoding)
}

fn read_fields(
    crl: &CertificateRevocationList<'_>,
    encoding: CrlEncoding,
) -> Result<Crl, CrlError> {
    let tbs = &crl.tbs_cert_list;
    let time = |t: x509_parser::time::ASN1Time| {
        OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|_| CrlError::Time)
    };
    let mut authority_key_id = None;
    let mut number = None;
    for ext in tbs.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            ParsedExtension::CRLNumber(n) => number = u64::try_from(n).ok(),
            _ => {}
        }
    }
    let entries = tbs
        .revoked_certificates
        .iter()
        .map(|r| {
            Ok(CrlEntry {
                serial: Serial::from_integer_content(r.raw_serial()),
                revoked_at: time(r.revocation_date)?,
                reason: r
                    .reason_code()
                    .and_then(|(_, code)| Reason::from_code(code.0))
                    .unwrap_or(Reason::Unspecified),
            })
        })
        .collect::<Result<Vec<_>, CrlError>>()?;
    Ok(Crl {
        encoding,
        der: crl.as_raw().to_vec(),
        tbs: tbs.as_ref().to_vec(),
        issuer_der: tbs.issuer.as_raw().to_vec(),
        authority_key_id,
        number,
        this_update: time(tbs.this_update)?,
        next_update: tbs.next_update.map(time).transpose()?,
        entries,
        signature_oid: crl.signature_algorithm.algorithm.to_id_string(),
        signature: crl.signature_value.data.to_vec(),
    })
}

impl Crl {
    /// The entry that revokes a certificate with serial `serial`, compared as etcd compares
    /// (magnitudes only).
    pub fn revokes(&self, serial: &Serial) -> Option<&CrlEntry> {
        self.entries
            .iter()
            .find(|e| e.serial.magnitude() == serial.magnitude())
    }

    /// The CRL as PEM, `X509 CRL`, 64 columns, `\n` line ends (what `openssl crl` writes).
    pub fn pem_of(der: &[u8]) -> String {
        pem::encode_config(
            &pem::Pem::new("X509 CRL", der.to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample(shape: CrlShape, entries: &[CrlEntry]) -> Vec<u8> {
        let algorithm = w::sequence(&[&w::oid(&der::asn1::ObjectIdentifier::new_unwrap(
            "1.2.840.10045.4.3.2",
        ))]);
        let cn = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
        let atv = w::sequence(&[&w::oid(&cn), &w::string(w::tag::PRINTABLE_STRING, "ca")]);
        let issuer = w::sequence(&[&w::set_of(vec![atv])]);
        let tbs = TbsCrl {
            shape,
            algorithm: &algorithm,
            issuer: &issuer,
            this_update: datetime!(2026-12-07 03:00:00 UTC),
            next_update: datetime!(2027-01-06 03:00:00 UTC),
            entries,
            authority_key_id: Some(&[1, 2, 3]),
            number: Some(7),
        };
        certificate_list(&tbs.to_der(), &algorithm, &[0x30, 0x00])
    }

    #[test]
    fn rfc5280_crls_read_back_with_number_reasons_and_times() {
        let entries = [
            CrlEntry {
                serial: Serial::from_magnitude(&[0x30, 0x39]),
                revoked_at: datetime!(2026-12-01 00:00:00 UTC),
                reason: Reason::KeyCompromise,
            },
            CrlEntry {
                serial: Serial::parse_decimal("-5").expect("-5"),
                revoked_at: datetime!(2026-12-02 00:00:00 UTC),
                reason: Reason::Unspecified,
            },
        ];
        let der = sample(CrlShape::Rfc5280, &entries);
        let crl = parse_crl(&der).expect("a CRL");
        assert_eq!(crl.encoding, CrlEncoding::Der);
        assert_eq!(crl.entries, entries);
        assert_eq!(crl.number, Some(7));
        assert_eq!(crl.authority_key_id.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(crl.next_update, Some(datetime!(2027-01-06 03:00:00 UTC)));
        assert!(
            crl.revokes(&Serial::from_magnitude(&[5])).is_some(),
            "etcd: -5 is 5"
        );
        let pem = Crl::pem_of(&der);
        let read = parse_crl(pem.as_bytes()).expect("PEM");
        assert_eq!(read.encoding, CrlEncoding::Pem { at_start: true });
        let late = parse_crl(format!("# etcd CRL\n{pem}").as_bytes()).expect("PEM");
        assert_eq!(late.encoding, CrlEncoding::Pem { at_start: false });
        assert!(looks_like_crl(&der) && looks_like_crl(pem.as_bytes()));
        assert!(!looks_like_crl(b"-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn empty_lists_follow_the_shape() {
        // Go's CreateCRL keeps an empty SEQUENCE; RFC 5280 §5.1.2.6 wants it absent.
        let go = parse_crl(&sample(CrlShape::GoCreateCrl, &[])).expect("go");
        let rfc = parse_crl(&sample(CrlShape::Rfc5280, &[])).expect("rfc");
        assert!(go.tbs.windows(2).any(|w| w == [0x30, 0x00]));
        assert!(!rfc.tbs.windows(2).any(|w| w == [0x30, 0x00]));
        assert_eq!(go.number, None, "cfssl's CRLs have no number");
        assert!(go.entries.is_empty() && rfc.entries.is_empty());
    }

    #[test]
    fn reasons_have_rfc_and_kebab_names() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_name(r.rfc_name()), Some(r));
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
        assert_eq!(
            Reason::from_name("key-compromise"),
            Some(Reason::KeyCompromise)
        );
        assert_eq!(
            Reason::from_name("ca-compromise"),
            Some(Reason::CaCompromise)
        );
        assert_eq!(Reason::from_name("certificateHold"), None);
        assert!(matches!(parse_crl(b"not a crl"), Err(CrlError::Der(_))));
        assert!(matches!(
            parse_crl(b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"),
            Err(CrlError::Pem(_))
        ));
    }
}

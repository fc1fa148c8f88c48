//! Subject distinguished names, encoded as Go's `pkix.Name.ToRDNSequence` does (Go
//! crypto/x509/pkix; cfssl 1.6.5 csr/csr.go `CertificateRequest.Name` fills the `pkix.Name`).
//!
//! Takes a request's CN, `names[]` entries and serial number; returns a [`DistinguishedName`]
//! whose DER matches cfssl's byte for byte: RDNs in the order C, ST, L, street, postalCode, O,
//! OU, CN, serialNumber, then extra attributes; empty values of the list fields kept (a parsed
//! `C=""` stays, as in Go), an empty CN or serialNumber left out; several values of one type
//! (from several `names[]` entries) in one multi-valued RDN (`O=a+O=b`, cfssl #599), sorted by
//! encoding; PrintableString where every character allows it, else UTF8String.

use der::asn1::ObjectIdentifier;

use crate::x509::ReadError;
use crate::x509::der_writer::{self as w, tag};

/// One attribute of a name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// The attribute type.
    pub oid: ObjectIdentifier,
    /// Its value.
    pub value: String,
}

/// Attribute type OIDs used in subjects (X.520, PKCS#9).
#[allow(missing_docs, reason = "X.520 attribute names")]
pub mod oid {
    use der::asn1::ObjectIdentifier;
    pub(crate) const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
    pub(crate) const PROVINCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
    pub(crate) const LOCALITY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
    pub(crate) const STREET: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.9");
    pub(crate) const POSTAL_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.17");
    pub(crate) const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
    pub(crate) const ORGANIZATIONAL_UNIT: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.5.4.11");
    pub(crate) const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    pub(crate) const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
    pub(crate) const EMAIL_ADDRESS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
}

/// A subject or issuer name: a sequence of RDNs, each a set of attributes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DistinguishedName {
    rdns: Vec<Vec<Attribute>>,
    /// The DER as found in an existing certificate, kept byte for byte so that a renewed CA
    /// still chains with the certificates it issued before (their issuer field holds it).
    raw: Option<Vec<u8>>,
}

/// The fields of a name, as Go's `pkix.Name` holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameFields {
    /// C values.
    pub country: Vec<String>,
    /// ST values.
    pub province: Vec<String>,
    /// L values.
    pub locality: Vec<String>,
    /// street values.
    pub street_address: Vec<String>,
    /// postalCode values.
    pub postal_code: Vec<String>,
    /// O values.
    pub organization: Vec<String>,
    /// OU values.
    pub organizational_unit: Vec<String>,
    /// CN.
    pub common_name: String,
    /// serialNumber.
    pub serial_number: String,
    /// Other attributes, one RDN each, in order.
    pub extra: Vec<Attribute>,
}

impl NameFields {
    /// These fields without empty list values, as cfssl 1.6.5 builds a name from a request
    /// (csr/csr.go `CertificateRequest.Name`, `appendIf`).
    pub fn without_empty_values(&self) -> Self {
        let kept = |values: &[String]| -> Vec<String> {
            values.iter().filter(|v| !v.is_empty()).cloned().collect()
        };
        Self {
            country: kept(&self.country),
            province: kept(&self.province),
            locality: kept(&self.locality),
            street_address: kept(&self.street_address),
            postal_code: kept(&self.postal_code),
            organization: kept(&self.organization),
            organizational_unit: kept(&self.organizational_unit),
            ..self.clone()
        }
    }

    /// The fields Go's `pkix.Name.FillFromRDNSequence` takes from a parsed name: standard
    /// attributes into their fields in order (the last CN and serialNumber win), every other
    /// attribute kept as an extra one. Fails on a value that is not a string.
    pub fn from_x509(name: &x509_parser::x509::X509Name<'_>) -> Result<Self, ReadError> {
        let mut f = Self::default();
        for attr in name.iter_attributes() {
            let value = crate::x509::attribute_text(attr)?;
            let dotted = attr.attr_type().to_id_string();
            let oid = ObjectIdentifier::new(&dotted).map_err(|_| ReadError::BadAttributeType {
                oid: dotted.clone(),
            })?;
            match oid {
                o if o == oid::COMMON_NAME => f.common_name = value,
                o if o == oid::SERIAL_NUMBER => f.serial_number = value,
                o if o == oid::COUNTRY => f.country.push(value),
                o if o == oid::LOCALITY => f.locality.push(value),
                o if o == oid::PROVINCE => f.province.push(value),
                o if o == oid::STREET => f.street_address.push(value),
                o if o == oid::ORGANIZATION => f.organization.push(value),
                o if o == oid::ORGANIZATIONAL_UNIT => f.organizational_unit.push(value),
                o if o == oid::POSTAL_CODE => f.postal_code.push(value),
                o => f.extra.push(Attribute { oid: o, value }),
            }
        }
        Ok(f)
    }
}

impl DistinguishedName {
    /// The name Go builds from `fields` (`ToRDNSequence`): every value of the list fields, empty
    /// ones too, the CN and serialNumber when not empty, then the extra attributes; a standard
    /// type that also appears among the extra attributes is left to the extra one. cfssl drops
    /// empty values earlier, where it reads a request (`appendIf`, see
    /// [`NameFields::without_empty_values`]); a name parsed from a certificate or CSR keeps them.
    pub fn from_fields(fields: &NameFields) -> Self {
        let mut rdns = Vec::new();
        let in_extra = |o: &ObjectIdentifier| fields.extra.iter().any(|a| a.oid == *o);
        let mut push = |o: ObjectIdentifier, values: &[String]| {
            if !values.is_empty() && !in_extra(&o) {
                rdns.push(
                    values
                        .iter()
                        .map(|v| Attribute {
                            oid: o,
                            value: v.clone(),
                        })
                        .collect(),
                );
            }
        };
        // Go's `appendRDNs` writes every value of a list field, empty ones included (a parsed
        // `C=""` stays `C=""`); only an empty CN or serialNumber is left out.
        push(oid::COUNTRY, &fields.country);
        push(oid::PROVINCE, &fields.province);
        push(oid::LOCALITY, &fields.locality);
        push(oid::STREET, &fields.street_address);
        push(oid::POSTAL_CODE, &fields.postal_code);
        push(oid::ORGANIZATION, &fields.organization);
        push(oid::ORGANIZATIONAL_UNIT, &fields.organizational_unit);
        for (o, value) in [
            (oid::COMMON_NAME, &fields.common_name),
            (oid::SERIAL_NUMBER, &fields.serial_number),
        ] {
            if !value.is_empty() {
                push(o, std::slice::from_ref(value));
            }
        }
        for a in &fields.extra {
            rdns.push(vec![a.clone()]);
        }
        Self { rdns, raw: None }
    }

    /// The same name with its common name set to `cn` (the last CN attribute replaced, or one
    /// appended as an RDN of its own), written afresh: a new CA told apart from the old one.
    pub fn with_common_name(&self, cn: &str) -> Self {
        let mut rdns = self.rdns.clone();
        let last_cn = rdns
            .iter_mut()
            .flat_map(|rdn| rdn.iter_mut())
            .filter(|a| a.oid == oid::COMMON_NAME)
            .last();
        match last_cn {
            Some(attr) => attr.value = cn.to_owned(),
            None => rdns.push(vec![Attribute {
                oid: oid::COMMON_NAME,
                value: cn.to_owned(),
            }]),
        }
        Self { rdns, raw: None }
    }

    /// The last common name, if the name has one.
    pub fn common_name(&self) -> Option<&str> {
        self.rdns
            .iter()
            .flatten()
            .rfind(|a| a.oid == oid::COMMON_NAME)
            .map(|a| a.value.as_str())
    }

    /// A name taken byte for byte from a certificate; its attributes are read for inspection,
    /// and [`Self::to_der`] returns the original bytes.
    pub fn from_certificate_name(
        name: &x509_parser::x509::X509Name<'_>,
    ) -> Result<Self, ReadError> {
        let mut rdns = Vec::new();
        for rdn in name.iter() {
            let mut set = Vec::new();
            for attr in rdn.iter() {
                let dotted = attr.attr_type().to_id_string();
                set.push(Attribute {
                    oid: ObjectIdentifier::new(&dotted).map_err(|_| {
                        ReadError::BadAttributeType {
                            oid: dotted.clone(),
                        }
                    })?,
                    value: crate::x509::attribute_text(attr).unwrap_or_default(),
                });
            }
            rdns.push(set);
        }
        Ok(Self {
            rdns,
            raw: Some(name.as_raw().to_vec()),
        })
    }

    /// True for the empty name (then the SAN extension must be critical, RFC 5280 §4.2.1.6).
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// The RDNs in order.
    pub fn rdns(&self) -> &[Vec<Attribute>] {
        &self.rdns
    }

    /// DER `Name`.
    pub fn to_der(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let rdns: Vec<Vec<u8>> = self
            .rdns
            .iter()
            .map(|rdn| {
                w::set_of(
                    rdn.iter()
                        .map(|a| w::sequence(&[&w::oid(&a.oid), &encode_value(&a.value)]))
                        .collect(),
                )
            })
            .collect();
        w::sequence_of(&rdns)
    }
}

/// Go's string choice (`encoding/asn1` marshal): PrintableString when every byte is in
/// `A-Za-z0-9 '()+,-./:=?`, else UTF8String. `*`, `&` and `@` therefore force UTF8String.
fn encode_value(value: &str) -> Vec<u8> {
    let printable = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
    let t = if printable {
        tag::PRINTABLE_STRING
    } else {
        tag::UTF8_STRING
    };
    w::string(t, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn repeated_types_become_one_sorted_multi_valued_rdn() {
        let name = DistinguishedName::from_fields(&NameFields {
            country: vec!["US".into()],
            organization: vec!["etcd".into(), "second-org".into()],
            organizational_unit: vec!["ops".into(), "a*b".into()],
            common_name: "etcd-ca".into(),
            ..NameFields::default()
        });
        assert_eq!(name.rdns().len(), 4);
        let der = hex(&name.to_der());
        // OU set: UTF8String "a*b" (0c) sorts before PrintableString "ops" (13), as cfssl wrote it.
        assert!(
            der.contains("3118300a060355040b0c03612a62300a060355040b13036f7073"),
            "{der}"
        );
    }

    #[test]
    fn empty_list_values_are_kept_as_go_keeps_them_and_extra_names_win() {
        let fields = NameFields {
            country: vec![String::new()],
            organizational_unit: vec![String::new(), "ops".into()],
            common_name: "x".into(),
            extra: vec![Attribute {
                oid: oid::COMMON_NAME,
                value: "y".into(),
            }],
            ..NameFields::default()
        };
        let name = DistinguishedName::from_fields(&fields);
        let rdns: Vec<Vec<&str>> = name
            .rdns()
            .iter()
            .map(|rdn| rdn.iter().map(|a| a.value.as_str()).collect())
            .collect();
        assert_eq!(rdns, [vec![""], vec!["", "ops"], vec!["y"]]);
        // C="" as Go writes it: PrintableString of length 0.
        assert!(hex(&name.to_der()).starts_with("302e3109300706035504061300"));
        let request = DistinguishedName::from_fields(&fields.without_empty_values());
        assert_eq!(request.rdns().len(), 2);
        let empty_cn = NameFields {
            organization: vec!["o".into()],
            ..NameFields::default()
        };
        assert_eq!(DistinguishedName::from_fields(&empty_cn).rdns().len(), 1);
        assert!(DistinguishedName::from_fields(&NameFields::default()).is_empty());
        assert_eq!(DistinguishedName::default().to_der(), [0x30, 0x00]);
    }
}

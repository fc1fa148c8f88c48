//! The certificate request: reading csr.json and the `-hostname`/`-cn` overrides.

use der::asn1::ObjectIdentifier;

use super::hosts::{Host, LONE_WILDCARD, parse_host};
use super::names::{Attribute, DistinguishedName, NameFields, oid};
use crate::config::GoDuration;
use crate::config::read::{read_duration, read_path_len};
use crate::diag::gojson::{Node, Object, Reader};
use crate::diag::{Checked, Diagnostic, InputError, JsonPath, Location, Problem, quote};
use crate::key::{Curve, KeySpec, RsaSize};

/// One `names[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectEntry {
    /// `C`.
    pub country: String,
    /// `ST`.
    pub province: String,
    /// `L`.
    pub locality: String,
    /// `O`.
    pub organization: String,
    /// `OU`.
    pub organizational_unit: String,
    /// `E` (emailAddress, cfssl ≥ 1.6.0).
    pub email: String,
    /// `OID`: extra attributes, in OID order (Go iterates its map randomly).
    pub extra: Vec<Attribute>,
}

/// The `ca` block of an `-initca` request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaRequest {
    /// pathLenConstraint; `None` is unlimited (`pathlen` 0 without `pathlenzero`).
    pub path_len: Option<u32>,
    /// The CA's lifetime (`ca.expiry`); `None` means cfssl's 43800h.
    pub expiry: Option<GoDuration>,
    /// `ca.backdate`.
    pub backdate: Option<GoDuration>,
}

impl CaRequest {
    /// cfssl's CA lifetime when `ca.expiry` is absent: 43800h, five 365-day years
    /// (initca.go `CAPolicy`).
    pub(crate) const DEFAULT_EXPIRY: GoDuration = GoDuration::from_hours(43800);
}

/// A validated csr.json: hosts classified and valid as SANs, a key cfssl can make. Made by
/// [`parse_csr_json`] or [`CertRequest::new`]; read through its accessors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertRequest {
    /// `CN`.
    pub(crate) common_name: String,
    /// `names`.
    pub(crate) names: Vec<SubjectEntry>,
    /// `hosts`, classified, in order.
    pub(crate) hosts: Vec<Host>,
    /// `key`, merged into the ecdsa-256 default.
    pub(crate) key: KeySpec,
    /// `ca`, for `-initca`.
    pub(crate) ca: Option<CaRequest>,
    /// `serialnumber`: the subject's serialNumber attribute.
    pub(crate) serial_number: String,
    /// `crl_url`: a CRL distribution point for an `-initca` CA.
    pub(crate) crl_url: Option<String>,
    /// `delegation_enabled` (cfssl ≥ 1.6.2): the CSR and the certificate carry the
    /// DelegationUsage extension.
    pub(crate) delegation_enabled: bool,
    /// `extensions` (cfssl ≥ 1.6.2): raw extensions added to the CSR after cfssl's own.
    pub(crate) extensions: Vec<RequestExtension>,
}

/// One `extensions[]` entry of a csr.json: Go's `pkix.Extension` as JSON,
/// `{"Id": [1, 2, 3], "Critical": false, "Value": "<base64 DER>"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestExtension {
    /// `Id`.
    pub oid: ObjectIdentifier,
    /// `Critical`.
    pub critical: bool,
    /// `Value`, decoded: the DER inside extnValue.
    pub value: Vec<u8>,
}

impl CertRequest {
    /// A request for `common_name` with `names`, `hosts` and a key of `key`, and no CA section.
    pub fn new(
        common_name: &str,
        names: Vec<SubjectEntry>,
        hosts: Vec<Host>,
        key: KeySpec,
    ) -> Self {
        Self {
            common_name: common_name.to_owned(),
            names,
            hosts,
            key,
            ca: None,
            serial_number: String::new(),
            crl_url: None,
            delegation_enabled: false,
            extensions: Vec::new(),
        }
    }

    /// The same request with a CA section, for `-initca`.
    pub fn with_ca(mut self, ca: CaRequest) -> Self {
        self.ca = Some(ca);
        self
    }

    /// `CN`.
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// `names`.
    pub fn names(&self) -> &[SubjectEntry] {
        &self.names
    }

    /// `hosts`, classified, in order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// `key`, merged into the ecdsa-256 default.
    pub fn key(&self) -> KeySpec {
        self.key
    }

    /// `ca`, for `-initca`.
    pub fn ca(&self) -> Option<&CaRequest> {
        self.ca.as_ref()
    }

    /// `serialnumber`: the subject's serialNumber attribute.
    pub fn serial_number(&self) -> &str {
        &self.serial_number
    }

    /// `crl_url`: a CRL distribution point for an `-initca` CA.
    pub fn crl_url(&self) -> Option<&str> {
        self.crl_url.as_deref()
    }

    /// `delegation_enabled`.
    pub fn delegation_enabled(&self) -> bool {
        self.delegation_enabled
    }

    /// `extensions`, in order.
    pub fn extensions(&self) -> &[RequestExtension] {
        &self.extensions
    }

    /// `-cn`: replaces `CN`, as cfssl's flag does.
    pub fn set_common_name(&mut self, common_name: &str) {
        common_name.clone_into(&mut self.common_name);
    }

    /// `-hostname`: replaces the hosts, as cfssl's `signer.OverrideHosts` does.
    pub fn set_hosts(&mut self, hosts: Vec<Host>) {
        self.hosts = hosts;
    }

    /// Adds a host unless it is there already (`selfsign`'s HOSTNAME).
    pub fn add_host(&mut self, host: Host) {
        if !self.hosts.contains(&host) {
            self.hosts.push(host);
        }
    }
}

const TOP_KEYS: &[&str] = &[
    "CN",
    "names",
    "hosts",
    "key",
    "ca",
    "serialnumber",
    "crl_url",
    "delegation_enabled",
    "extensions",
];
const NAME_KEYS: &[&str] = &["C", "ST", "L", "O", "OU", "E", "SerialNumber", "OID"];

/// Parses a csr.json. `file` is the name used in messages.
pub fn parse_csr_json(file: &str, bytes: &[u8]) -> Result<Checked<CertRequest>, InputError> {
    Reader::read_document(file, bytes, read_request)
}

fn read_request(r: &mut Reader, root: &Node<'_>) -> Option<CertRequest> {
    let obj = r.object(root, TOP_KEYS)?;
    explain_misplaced_keys(r);
    let mut req = CertRequest::new(
        &str_field(r, &obj, "CN"),
        Vec::new(),
        Vec::new(),
        KeySpec::default(),
    );
    req.serial_number = str_field(r, &obj, "serialnumber");
    let url = str_field(r, &obj, "crl_url");
    req.crl_url = (!url.is_empty()).then_some(url);
    if let Some(n) = obj.field("names") {
        for item in r.array(&n).unwrap_or_default() {
            if let Some(entry) = read_name(r, &item) {
                req.names.push(entry);
            }
        }
    }
    if let Some(n) = obj.field("hosts") {
        for (s, path) in r.strings(&n).unwrap_or_default() {
            if let Some(kept) = odd_host(r, &s, &path) {
                req.hosts.extend(kept);
                continue;
            }
            match parse_host(&s) {
                Ok(h) => req.hosts.push(h),
                Err(e) => r.error(
                    &path,
                    Problem::Invalid {
                        value: quote(&s),
                        reason: e.reason,
                        help: e.help,
                    },
                ),
            }
        }
    }
    req.key = read_key(r, obj.field("key")).unwrap_or_default();
    req.ca = obj.field("ca").and_then(|n| read_ca(r, &n));
    req.delegation_enabled = obj
        .field("delegation_enabled")
        .and_then(|n| r.bool(&n))
        .unwrap_or(false);
    if let Some(n) = obj.field("extensions") {
        for item in r.array(&n).unwrap_or_default() {
            req.extensions.extend(read_extension(r, &item));
        }
    }
    Some(req)
}

/// One `extensions[]` entry. Extensions etcdpki writes itself from other fields (the SAN from
/// `hosts`, BasicConstraints from `ca`) are refused: Go would let them replace its own.
fn read_extension(r: &mut Reader, node: &Node<'_>) -> Option<RequestExtension> {
    let obj = r.object(node, &["Id", "Critical", "Value"])?;
    let id_path = obj.path().key("Id");
    let id = obj.field("Id");
    let items = id.as_ref().and_then(|n| r.array(n)).unwrap_or_default();
    let arcs: Vec<u64> = items.iter().filter_map(|n| n.value.as_u64()).collect();
    let dotted = arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    // An arc that is no unsigned 64-bit number (negative, fractional, too large) is an error
    // too; the message shows the array as written, not what was left of it.
    let parsed = (arcs.len() == items.len())
        .then(|| ObjectIdentifier::new(&dotted).ok())
        .flatten();
    let Some(oid) = parsed else {
        r.error(
            &id_path,
            Problem::Invalid {
                value: id
                    .map(|n| serde_json::to_string(n.value).unwrap_or_default())
                    .unwrap_or_else(|| "(missing)".into()),
                reason: "not an object identifier".into(),
                help: Some(
                    "write the OID as an array of numbers, e.g. [1, 3, 6, 1, 4, 1, 99999, 1]"
                        .into(),
                ),
            },
        );
        return None;
    };
    if ["2.5.29.17", "2.5.29.19"].contains(&dotted.as_str()) {
        r.error(
            &id_path,
            Problem::Unsupported {
                what: format!("the extension {dotted} in extensions"),
                help: "etcdpki writes the SAN from \"hosts\" and BasicConstraints from \"ca\"; use those".into(),
            },
        );
        return None;
    }
    let critical = obj
        .field("Critical")
        .and_then(|n| r.bool(&n))
        .unwrap_or(false);
    let text = obj
        .field("Value")
        .and_then(|n| r.string(&n))
        .unwrap_or_default();
    use base64::Engine as _;
    match base64::engine::general_purpose::STANDARD.decode(&text) {
        Ok(value) => Some(RequestExtension {
            oid,
            critical,
            value,
        }),
        Err(e) => {
            r.error(
                &obj.path().key("Value"),
                Problem::Invalid {
                    value: quote(&text),
                    reason: format!("not base64 ({e}); Go's JSON writes []byte as base64"),
                    help: None,
                },
            );
            None
        }
    }
}

/// The odd hosts scripts write, handled as cfssl handles them but with a warning: `""` (the
/// Kubernetes and CoreOS client requests) is dropped, since cfssl would write an empty dNSName,
/// which RFC 5280 §4.2.1.6 forbids and etcd ignores; a lone `"*"` is kept as the URI SAN cfssl
/// 1.6.5 writes (Go's `url.ParseRequestURI` accepts `*`; csr.go GenerateDER). `None` for every
/// other host. The warnings sit under `hosts`, so [`about_hosts`] finds them when `-hostname`
/// replaces the hosts.
fn odd_host(r: &mut Reader, host: &str, path: &JsonPath) -> Option<Option<Host>> {
    match host {
        "" => {
            r.warn(
                path,
                Problem::Invalid {
                    value: quote(host),
                    reason: "an empty host is dropped (cfssl writes an empty DNS name, which RFC 5280 forbids)".into(),
                    help: Some("remove it; a client certificate needs no hosts".into()),
                },
            );
            Some(None)
        }
        LONE_WILDCARD => {
            r.warn(path, lone_wildcard_problem());
            Some(Some(Host::Uri(LONE_WILDCARD.to_owned())))
        }
        _ => None,
    }
}

/// The warning for a lone `*` host.
fn lone_wildcard_problem() -> Problem {
    Problem::Invalid {
        value: quote(LONE_WILDCARD),
        reason: "a lone \"*\" matches no name; it is written as cfssl 1.6.5 writes it, a URI SAN"
            .into(),
        help: Some(
            "write a wildcard under a domain, e.g. \"*.etcd.example.com\", or remove it".into(),
        ),
    }
}

/// True for the warnings about `hosts` entries, which do not apply when `-hostname` replaces
/// the request's hosts.
pub fn about_hosts(d: &Diagnostic) -> bool {
    d.location
        .path
        .as_ref()
        .is_some_and(|p| p.is_within(&JsonPath::root().key("hosts")))
}

/// Keys people put in csr.json that belong elsewhere get a pointed hint (cfssl #793, #1020).
fn explain_misplaced_keys(r: &mut Reader) {
    for d in &mut r.diagnostics {
        if let Problem::UnknownKey { key, .. } = &d.problem {
            let lower = key.to_ascii_lowercase();
            if ["expiry", "expire", "expires", "profile", "usages"].contains(&lower.as_str()) {
                d.problem = Problem::Invalid {
                    value: quote(key),
                    reason: "not a request field; cfssl ignores it".into(),
                    help: Some(
                        "a certificate's lifetime and usages come from its profile in ca-config.json; a CA's lifetime from \"ca\": {\"expiry\": \"87600h\"}"
                            .into(),
                    ),
                };
            }
        }
    }
}

fn str_field(r: &mut Reader, obj: &Object<'_>, key: &str) -> String {
    obj.field(key)
        .and_then(|n| r.string(&n))
        .unwrap_or_default()
}

fn read_name(r: &mut Reader, node: &Node<'_>) -> Option<SubjectEntry> {
    let obj = r.object(node, NAME_KEYS)?;
    let country = str_field(r, &obj, "C");
    let two_letters = country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic());
    if !country.is_empty() && !two_letters {
        r.warn(
            &obj.path().key("C"),
            Problem::Invalid {
                value: quote(&country),
                reason: "countryName should be a two-letter ISO 3166 code (X.520); some TLS stacks reject others".into(),
                help: None,
            },
        );
    }
    if let Some(n) = obj.field("SerialNumber") {
        r.warn(
            &n.path,
            Problem::Invalid {
                value: quote("SerialNumber"),
                reason: "ignored inside names, as in cfssl".into(),
                help: Some("put \"serialnumber\" at the top level of the request".into()),
            },
        );
    }
    let mut extra = Vec::new();
    if let Some(n) = obj.field("OID")
        && let Some(map) = r.map(&n)
    {
        for (k, v) in map.entries() {
            let value = r.string(&v);
            match (ObjectIdentifier::new(k), value) {
                (Ok(o), Some(value)) => extra.push(Attribute { oid: o, value }),
                (Err(_), _) => r.error(
                    &v.path,
                    Problem::Invalid {
                        value: quote(k),
                        reason: "not an object identifier".into(),
                        help: Some(
                            "write the attribute type dotted, e.g. \"1.3.6.1.4.1.311.60.2.1.3\""
                                .into(),
                        ),
                    },
                ),
                _ => {}
            }
        }
    }
    extra.sort_by(|a, b| a.oid.as_bytes().cmp(b.oid.as_bytes()));
    Some(SubjectEntry {
        country,
        province: str_field(r, &obj, "ST"),
        locality: str_field(r, &obj, "L"),
        organization: str_field(r, &obj, "O"),
        organizational_unit: str_field(r, &obj, "OU"),
        email: str_field(r, &obj, "E"),
        extra,
    })
}

/// cfssl merges the JSON into `{"algo": "ecdsa", "size": 256}` (csr.NewKeyRequest).
fn read_key(r: &mut Reader, node: Option<Node<'_>>) -> Option<KeySpec> {
    let Some(node) = node else {
        return Some(KeySpec::default());
    };
    let obj = r.object(&node, &["algo", "size"])?;
    let algo_node = obj.field("algo");
    let algo = algo_node
        .as_ref()
        .map(|n| r.string(n))
        .unwrap_or_else(|| Some("ecdsa".into()))?;
    let size_node = obj.field("size");
    let size = size_node.as_ref().map(|n| r.int(n)).unwrap_or(Some(256))?;
    let size_path = obj.path().key("size");
    let bad_size = |r: &mut Reader, reason: &str, help: &str| {
        r.error(
            &size_path,
            Problem::Invalid {
                value: size.to_string(),
                reason: reason.into(),
                help: Some(help.into()),
            },
        );
        None
    };
    match algo.as_str() {
        "rsa" if size_node.is_none() => {
            r.error(
                obj.path(),
                Problem::Missing {
                    what: "\"size\" for an rsa key",
                    help: Some("add \"size\": 2048 (cfssl keeps the ecdsa default 256 and fails with \"RSA key is too weak\")".into()),
                },
            );
            None
        }
        "rsa" if size < 2048 => bad_size(
            r,
            "RSA keys must have at least 2048 bits (cfssl: RSA key is too weak)",
            "use 2048, 3072 or 4096",
        ),
        "rsa" if size > 8192 => bad_size(
            r,
            "RSA keys may have at most 8192 bits (cfssl: RSA key size too large)",
            "use 2048, 3072 or 4096",
        ),
        "rsa" => match RsaSize::from_bits(size) {
            Some(s) => Some(KeySpec::Rsa(s)),
            None => bad_size(
                r,
                "etcdpki generates RSA keys of 2048, 3072, 4096 or 8192 bits",
                "use one of those sizes (cfssl accepts any size in between)",
            ),
        },
        "ecdsa" => match size {
            256 => Some(KeySpec::Ecdsa(Curve::P256)),
            384 => Some(KeySpec::Ecdsa(Curve::P384)),
            521 => Some(KeySpec::Ecdsa(Curve::P521)),
            _ => bad_size(
                r,
                "invalid curve; ecdsa sizes are 256, 384 and 521",
                "use 256 (P-256), 384 or 521",
            ),
        },
        "ed25519" => Some(KeySpec::Ed25519),
        _ => {
            r.error(
                &obj.path().key("algo"),
                Problem::UnknownValue {
                    what: "key algorithm",
                    value: algo,
                    expected: vec!["rsa".into(), "ecdsa".into(), "ed25519".into()],
                },
            );
            None
        }
    }
}

fn read_ca(r: &mut Reader, node: &Node<'_>) -> Option<CaRequest> {
    let obj = r.object(node, &["pathlen", "pathlenzero", "expiry", "backdate"])?;
    let path_len = read_path_len(r, &obj, "pathlen", "pathlenzero");
    let mut duration_field = |key: &str| -> Option<GoDuration> {
        let n = obj.field(key)?;
        // cfssl treats an empty string as absent.
        if n.value.as_str() == Some("") {
            return None;
        }
        let d = read_duration(r, &n)?;
        if d.is_negative() || (key == "expiry" && d == GoDuration::ZERO) {
            r.error(
                &n.path,
                Problem::Invalid {
                    value: quote(&d.to_string()),
                    reason: format!("ca.{key} must be positive"),
                    help: None,
                },
            );
            return None;
        }
        Some(d)
    };
    let expiry = duration_field("expiry");
    let backdate = duration_field("backdate");
    Some(CaRequest {
        path_len,
        expiry,
        backdate,
    })
}

/// Splits cfssl's `-hostname a,b,c`, which replaces the request's `hosts`. cfssl splits without
/// trimming and keeps empty items; here each item must be a valid host.
pub fn parse_hostname_flag(value: &str) -> Result<Checked<Vec<Host>>, InputError> {
    let mut hosts = Vec::new();
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();
    for (i, item) in value.split(',').enumerate() {
        if item == LONE_WILDCARD {
            warnings.push(Diagnostic::warning(
                Location::at("-hostname", JsonPath::root().index(i)),
                lone_wildcard_problem(),
            ));
            hosts.push(Host::Uri(LONE_WILDCARD.to_owned()));
            continue;
        }
        match parse_host(item) {
            Ok(h) => hosts.push(h),
            Err(e) => diagnostics.push(Diagnostic::error(
                Location::at("-hostname", JsonPath::root().index(i)),
                Problem::Invalid {
                    value: quote(item),
                    reason: e.reason,
                    help: e.help,
                },
            )),
        }
    }
    if diagnostics.is_empty() {
        Ok(Checked {
            value: hosts,
            warnings,
        })
    } else {
        Err(InputError { diagnostics })
    }
}

/// cfssl's `sign` SUBJECT argument: `{"CN": …, "names": […], "SerialNumber": …}`; each field
/// set here replaces the CSR's (signer.PopulateSubjectFromCSR).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectOverride {
    /// `CN`.
    pub common_name: String,
    /// `names`.
    pub names: Vec<SubjectEntry>,
    /// `SerialNumber`.
    pub serial_number: String,
}

/// Parses a SUBJECT JSON for `sign`.
pub fn parse_subject_json(
    file: &str,
    bytes: &[u8],
) -> Result<Checked<SubjectOverride>, InputError> {
    Reader::read_document(file, bytes, |r, root| {
        let obj = r.object(root, &["CN", "names", "SerialNumber"])?;
        let mut names = Vec::new();
        if let Some(n) = obj.field("names") {
            for item in r.array(&n).unwrap_or_default() {
                names.extend(read_name(r, &item));
            }
        }
        Some(SubjectOverride {
            common_name: str_field(r, &obj, "CN"),
            names,
            serial_number: str_field(r, &obj, "SerialNumber"),
        })
    })
}

impl SubjectOverride {
    /// The CSR's subject with this override applied field by field, as cfssl does: a field the
    /// override leaves empty keeps the CSR's values.
    pub fn apply(&self, csr: &NameFields) -> NameFields {
        let mut own = CertRequest::new(
            &self.common_name,
            self.names.clone(),
            Vec::new(),
            KeySpec::default(),
        );
        own.serial_number.clone_from(&self.serial_number);
        let own = own.subject_fields();
        let pick = |mine: &Vec<String>, theirs: &Vec<String>| {
            if mine.is_empty() {
                theirs.clone()
            } else {
                mine.clone()
            }
        };
        NameFields {
            country: pick(&own.country, &csr.country),
            province: pick(&own.province, &csr.province),
            locality: pick(&own.locality, &csr.locality),
            street_address: csr.street_address.clone(),
            postal_code: csr.postal_code.clone(),
            organization: pick(&own.organization, &csr.organization),
            organizational_unit: pick(&own.organizational_unit, &csr.organizational_unit),
            common_name: if own.common_name.is_empty() {
                csr.common_name.clone()
            } else {
                own.common_name
            },
            serial_number: if own.serial_number.is_empty() {
                csr.serial_number.clone()
            } else {
                own.serial_number
            },
            extra: if own.extra.is_empty() {
                csr.extra.clone()
            } else {
                own.extra
            },
        }
    }
}

impl CertRequest {
    /// The subject as cfssl's `CertificateRequest.Name()` builds it: values of one type from
    /// every `names[]` entry in order, then each entry's OID attributes and email.
    pub fn subject(&self) -> DistinguishedName {
        DistinguishedName::from_fields(&self.subject_fields())
    }

    /// The subject's fields, before encoding.
    pub fn subject_fields(&self) -> NameFields {
        let mut f = NameFields {
            common_name: self.common_name.clone(),
            serial_number: self.serial_number.clone(),
            ..NameFields::default()
        };
        for n in &self.names {
            let add = |v: &Vec<String>, s: &String| {
                let mut v = v.clone();
                if !s.is_empty() {
                    v.push(s.clone());
                }
                v
            };
            f.country = add(&f.country, &n.country);
            f.province = add(&f.province, &n.province);
            f.locality = add(&f.locality, &n.locality);
            f.organization = add(&f.organization, &n.organization);
            f.organizational_unit = add(&f.organizational_unit, &n.organizational_unit);
            f.extra.extend(n.extra.iter().cloned());
            if !n.email.is_empty() {
                f.extra.push(Attribute {
                    oid: oid::EMAIL_ADDRESS,
                    value: n.email.clone(),
                });
            }
        }
        f
    }

    /// cfssl's CA validator (csr.go `IsNameEmpty`): a CA needs a CN, or `names` whose every
    /// entry sets at least one of C, ST, L, O, OU.
    pub fn has_ca_subject(&self) -> bool {
        if !self.common_name.is_empty() {
            return true;
        }
        !self.names.is_empty()
            && self.names.iter().all(|n| {
                [
                    &n.country,
                    &n.province,
                    &n.locality,
                    &n.organization,
                    &n.organizational_unit,
                ]
                .iter()
                .any(|v| !v.trim().is_empty())
            })
    }
}

#[cfg(test)]
mod tests;

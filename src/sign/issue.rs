//! Issuing a certificate: a profile applied to a subject, signed by an issuer.

use time::OffsetDateTime;

use super::extension::{self, Extension};
use super::{Issuer, SerialNumber, SignError, Validity};
use crate::config::{KeyUsage, KeyUsageBit, Profile};
use crate::key::{KeyAlgorithm, PrivateKey, PublicKey};
use crate::request::{DistinguishedName, Host};
use crate::x509::der_writer as w;

/// What the certificate says about its subject, before the profile filters it.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The subject name.
    pub name: &'a DistinguishedName,
    /// The SANs.
    pub hosts: &'a [Host],
    /// The subject's key.
    pub public_key: &'a PublicKey,
    /// The CSR's extensions, copied under `copy_extensions` (except BasicConstraints).
    pub csr_extensions: &'a [Extension],
    /// Extensions of a certificate being re-issued that go into the new one as they are,
    /// whatever the profile says (a SubjectAltName with names etcdpki does not issue itself);
    /// each replaces the standard extension with its OID.
    pub kept_extensions: &'a [Extension],
    /// The hosts come from `-hostname`, which cfssl applies after the CSRWhitelist.
    pub hosts_overridden: bool,
}

/// Who signs: a CA, or the subject's own key (a self-signed CA).
#[derive(Clone, Copy, Debug)]
pub enum Authority<'a> {
    /// A CA certificate and its key.
    Ca(&'a Issuer),
    /// The subject's own key; issuer = subject, no AuthorityKeyIdentifier.
    SelfSigned(&'a PrivateKey),
}

/// A signed certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    serial: SerialNumber,
    validity: Validity,
    dropped_key_usages: Vec<KeyUsageBit>,
}

impl Certificate {
    /// DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM, `CERTIFICATE`.
    pub fn to_pem(&self) -> String {
        crate::key::pem_encode("CERTIFICATE", self.der.clone())
    }

    /// Its serial number.
    pub fn serial(&self) -> SerialNumber {
        self.serial
    }

    /// Its validity.
    pub fn validity(&self) -> Validity {
        self.validity
    }

    /// Key usages the profile asked for that the key cannot have and that were left out
    /// (`usable_key_usage`); the caller warns about them.
    pub fn dropped_key_usages(&self) -> &[KeyUsageBit] {
        &self.dropped_key_usages
    }
}

/// The profile's key usage without the bits RFC 8410 §5 forbids for an Ed25519 key
/// (keyEncipherment, dataEncipherment, keyAgreement, encipherOnly, decipherOnly), and the bits
/// left out. cfssl writes them whatever the key; pkilint and RFC-minded verifiers refuse them.
/// For EC keys RFC 5480 §3 forbids keyEncipherment too, but cfssl's default profile asks for
/// it and Go accepts it, so it is kept there for byte-compatible certificates (docs/compat.md).
pub fn usable_key_usage(usage: KeyUsage, key: KeyAlgorithm) -> (KeyUsage, Vec<KeyUsageBit>) {
    if key != KeyAlgorithm::Ed25519 {
        return (usage, Vec::new());
    }
    let forbidden = [
        KeyUsageBit::KeyEncipherment,
        KeyUsageBit::DataEncipherment,
        KeyUsageBit::KeyAgreement,
        KeyUsageBit::EncipherOnly,
        KeyUsageBit::DecipherOnly,
    ];
    let dropped: Vec<KeyUsageBit> = forbidden
        .into_iter()
        .filter(|b| usage.contains(*b))
        .collect();
    let kept = dropped.iter().fold(usage, |u, b| u.without(*b));
    (kept, dropped)
}

impl Certificate {}

/// Issues a certificate for `subject` under `profile`, signed by `authority`, valid from
/// `now` as the profile says. The steps follow cfssl's local signer: CSRWhitelist, CA SAN
/// filtering, name whitelist, validity, then Go's extension list.
pub fn issue(
    authority: Authority<'_>,
    profile: &Profile,
    subject: Subject<'_>,
    now: OffsetDateTime,
    serial: SerialNumber,
) -> Result<Certificate, SignError> {
    let empty = DistinguishedName::default();
    let (name, hosts) = allowed_names(profile, &subject, &empty)?;
    check_whitelist(profile, name, &hosts)?;
    let validity = Validity::for_profile(profile, now)?;

    let subject_der = name.to_der();
    let (issuer_der, signer, issuer_key_id) = match authority {
        Authority::Ca(ca) => (ca.subject_der().to_vec(), ca.key(), ca.key_id()),
        Authority::SelfSigned(key) => (subject_der.clone(), key, None),
    };
    // Go x509.CreateCertificate: AKI = the parent's SKI, unless issuer and subject are the
    // same name (then the certificate counts as self-signed and gets none).
    let authority_key_id = issuer_key_id.filter(|_| issuer_der != subject_der);
    let (key_usage, dropped_key_usages) =
        usable_key_usage(profile.key_usage, subject.public_key.algorithm());
    let extensions = extensions(profile, key_usage, &subject, name, &hosts, authority_key_id);

    let algorithm = signer.signature_algorithm().algorithm_identifier();
    let tbs = w::sequence(&[
        &w::explicit(0, &w::small_integer(2)),
        &w::unsigned_integer(serial.as_bytes()),
        &algorithm,
        &issuer_der,
        &w::sequence(&[&w::time(validity.not_before), &w::time(validity.not_after)]),
        &subject_der,
        subject.public_key.spki_der(),
        &w::explicit(3, &w::sequence_of(&extensions)),
    ]);
    let signature = signer.sign(&tbs)?;
    let der = w::sequence(&[&tbs, &algorithm, &w::bit_string(0, &signature)]);
    Ok(Certificate {
        der,
        serial,
        validity,
        dropped_key_usages,
    })
}

/// The subject name and SANs the profile lets through: cfssl's CSRWhitelist (unless the hosts
/// came from `-hostname`), then a CA's SANs cut down to IPs (cfssl signer/local, cfssl #1276).
fn allowed_names<'a>(
    profile: &Profile,
    subject: &Subject<'a>,
    empty: &'a DistinguishedName,
) -> Result<(&'a DistinguishedName, Vec<Host>), SignError> {
    let mut name = subject.name;
    let mut hosts: Vec<Host> = subject.hosts.to_vec();
    if let Some(wl) = &profile.csr_whitelist {
        if !wl.public_key {
            return Err(SignError::PublicKeyNotWhitelisted(profile.path()));
        }
        if !wl.subject {
            name = empty;
        }
        if !subject.hosts_overridden {
            hosts.retain(|h| match h {
                Host::Dns(_) => wl.dns_names,
                Host::Ip(_) => wl.ip_addresses,
                Host::Email(_) => wl.email_addresses,
                Host::Uri(_) => wl.uris,
            });
        }
    }
    if profile.ca.is_some() {
        hosts.retain(|h| matches!(h, Host::Ip(_)));
    }
    Ok((name, hosts))
}

/// The extensions in Go's order (crypto/x509 `buildCertExtensions`), each standard one left
/// out when an extra extension (policies, OCSP no-check, copied CSR extensions) has its OID.
fn extensions(
    profile: &Profile,
    key_usage: KeyUsage,
    subject: &Subject<'_>,
    name: &DistinguishedName,
    hosts: &[Host],
    authority_key_id: Option<&[u8]>,
) -> Vec<Vec<u8>> {
    // cfssl 1.6.5 signer.ParseCertificateRequest: the CSR's DelegationUsage always, its other
    // extensions (BasicConstraints aside) under copy_extensions, in the CSR's order; none when
    // a CSRWhitelist rebuilds the template (local.Sign). FillTemplate then appends the policies
    // and OCSP-no-check.
    let mut extra: Vec<Extension> = subject.kept_extensions.to_vec();
    if profile.csr_whitelist.is_none() {
        extra.extend(
            subject
                .csr_extensions
                .iter()
                .filter(|e| e.oid != extension::oid::BASIC_CONSTRAINTS)
                .filter(|e| e.oid == extension::oid::DELEGATION_USAGE || profile.copy_extensions)
                .cloned(),
        );
    }
    extra.extend(extension::certificate_policies(&profile.policies));
    if profile.ocsp_no_check {
        extra.push(extension::ocsp_no_check());
    }
    let standard = [
        extension::key_usage(key_usage),
        extension::ext_key_usage(&profile.ext_key_usage),
        Some(extension::basic_constraints(
            profile.ca.map(|c| c.max_path_len),
        )),
        Some(extension::subject_key_id(&subject.public_key.key_id())),
        authority_key_id.map(extension::authority_key_id),
        extension::authority_info_access(profile.ocsp_url.as_deref(), &profile.issuer_urls),
        extension::subject_alt_name(hosts, name.is_empty()),
        profile
            .crl_url
            .as_deref()
            .map(extension::crl_distribution_point),
    ];
    // Go skips a standard extension when ExtraExtensions carries the same OID.
    let mut extensions: Vec<Vec<u8>> = standard
        .into_iter()
        .flatten()
        .filter(|e| !extra.iter().any(|x| x.oid == e.oid))
        .map(|e| e.to_der())
        .collect();
    extensions.extend(extra.iter().map(Extension::to_der));
    extensions
}

/// A request signed as `gencert` signs it: the CSR for `request` made with `key` (its SANs and,
/// for `-initca`, its CA constraint), then the certificate issued from it under `profile` (the
/// CSR's extensions go along for `copy_extensions`). `hosts_overridden` says the hosts came from
/// `-hostname`. Returns both, as cfssl prints both.
pub fn issue_request(
    authority: Authority<'_>,
    profile: &Profile,
    request: &crate::CertRequest,
    key: &PrivateKey,
    hosts_overridden: bool,
    now: OffsetDateTime,
    serial: SerialNumber,
) -> Result<(super::Csr, Certificate), SignError> {
    let name = request.subject();
    let csr = super::build_csr_with(
        &name,
        &request.hosts,
        request.ca.as_ref(),
        &super::RequestExtras::of(request),
        key,
    )?;
    let cert = issue(
        authority,
        profile,
        Subject {
            name: &name,
            hosts: &request.hosts,
            public_key: key.public_key(),
            csr_extensions: csr.extensions(),
            kept_extensions: &[],
            hosts_overridden,
        },
        now,
        serial,
    )?;
    Ok((csr, cert))
}

/// cfssl's `name_whitelist`: the CN and every DNS, email and URI SAN must match (unanchored).
fn check_whitelist(
    profile: &Profile,
    name: &DistinguishedName,
    hosts: &[Host],
) -> Result<(), SignError> {
    let Some(re) = &profile.name_whitelist else {
        return Ok(());
    };
    let cn = name
        .rdns()
        .iter()
        .flatten()
        .filter(|a| a.oid == crate::request::names::oid::COMMON_NAME)
        .map(|a| a.value.clone());
    let sans = hosts.iter().filter_map(|h| match h {
        Host::Dns(s) | Host::Email(s) | Host::Uri(s) => Some(s.clone()),
        Host::Ip(_) => None,
    });
    for candidate in cn.chain(sans) {
        if !re.is_match(&candidate) {
            return Err(SignError::NotWhitelisted {
                name: candidate,
                profile: profile.path(),
                pattern: re.as_str().to_owned(),
            });
        }
    }
    Ok(())
}

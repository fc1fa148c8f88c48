//! The signing policy of a ca-config.json: validated profiles and how one is chosen.
//!
//! Built by [`super::parse_ca_config`] (or [`Policy::builtin`] when no `-config` is given).
//! Every [`Profile`] here is local, has a positive expiry, and holds usages as enums; remote
//! profiles are kept apart so that selecting one is an explicit error.

use std::collections::BTreeMap;

use der::asn1::ObjectIdentifier;
use regex::Regex;
use time::OffsetDateTime;

use super::duration::GoDuration;
use super::usage::{ExtKeyUsage, KeyUsage, KeyUsageBit};
use crate::diag::Diagnostic;

/// BasicConstraints for certificates issued under an `is_ca` profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaConstraint {
    /// `pathLenConstraint`; `None` means unlimited (cfssl: `max_path_len` 0 without
    /// `max_path_len_zero`).
    pub max_path_len: Option<u32>,
}

/// A certificatePolicies entry (RFC 5280 §4.2.1.4), from cfssl's `Policies`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificatePolicy {
    /// The policy OID.
    pub id: ObjectIdentifier,
    /// Its qualifiers, in order.
    pub qualifiers: Vec<PolicyQualifier>,
}

/// A policy qualifier; cfssl knows exactly these two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyQualifier {
    /// `id-qt-cps`: a CPS URI.
    Cps(String),
    /// `id-qt-unotice`: a user notice's explicit text.
    UserNotice(String),
}

/// Which fields of a CSR a profile lets through (cfssl's `CSRWhitelist`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs, reason = "the fields are cfssl's CSRWhitelist flags")]
pub struct CsrWhitelist {
    pub subject: bool,
    pub public_key_algorithm: bool,
    pub public_key: bool,
    pub signature_algorithm: bool,
    pub dns_names: bool,
    pub ip_addresses: bool,
    pub email_addresses: bool,
    pub uris: bool,
}

/// A local signing profile, validated: usages as enums, a positive lifetime. Made by
/// `parse_ca_config` or from [`Profile::cfssl_default`]; read through its accessors.
#[derive(Clone, Debug)]
pub struct Profile {
    /// `default` or the profile's name.
    pub(crate) name: String,
    /// KeyUsage bits from `usages`.
    pub(crate) key_usage: KeyUsage,
    /// ExtendedKeyUsage purposes from `usages`, in order, duplicates kept (as Go writes them).
    pub(crate) ext_key_usage: Vec<ExtKeyUsage>,
    /// The lifetime, counted from notBefore (so the backdate is inside it). Positive.
    pub(crate) expiry: GoDuration,
    /// How far notBefore is moved back from now, rounded to the minute.
    pub(crate) backdate: GoDuration,
    /// `Some` for `ca_constraint.is_ca` profiles.
    pub(crate) ca: Option<CaConstraint>,
    /// Fixed notBefore (`not_before`), which disables the backdate.
    pub(crate) not_before: Option<OffsetDateTime>,
    /// Fixed notAfter (`not_after`).
    pub(crate) not_after: Option<OffsetDateTime>,
    /// AIA OCSP responder.
    pub(crate) ocsp_url: Option<String>,
    /// AIA caIssuers URLs.
    pub(crate) issuer_urls: Vec<String>,
    /// CRL distribution point.
    pub(crate) crl_url: Option<String>,
    /// Adds id-pkix-ocsp-nocheck.
    pub(crate) ocsp_no_check: bool,
    /// Every name in the certificate must match (unanchored), cfssl's `name_whitelist`.
    pub(crate) name_whitelist: Option<Regex>,
    /// certificatePolicies.
    pub(crate) policies: Vec<CertificatePolicy>,
    /// Copy the CSR's extensions (except BasicConstraints) into the certificate.
    pub(crate) copy_extensions: bool,
    /// Fields of the CSR that may be used.
    pub(crate) csr_whitelist: Option<CsrWhitelist>,
    /// Usages cfssl does not know, each an error at its JSON path. cfssl drops them silently;
    /// here they stop signing with this profile ([`Policy::select`]) and are warnings while
    /// another profile signs ([`Policy::unknown_usages_elsewhere`]).
    pub(crate) unknown_usages: Vec<Diagnostic>,
}

impl Profile {
    /// `default` or the profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// KeyUsage bits from `usages`.
    pub fn key_usage(&self) -> KeyUsage {
        self.key_usage
    }

    /// ExtendedKeyUsage purposes from `usages`, in order.
    pub fn ext_key_usage(&self) -> &[ExtKeyUsage] {
        &self.ext_key_usage
    }

    /// The lifetime, counted from notBefore. Positive.
    pub fn expiry(&self) -> GoDuration {
        self.expiry
    }

    /// How far notBefore is moved back from now.
    pub fn backdate(&self) -> GoDuration {
        self.backdate
    }

    /// `Some` for profiles that issue CAs.
    pub fn ca(&self) -> Option<&CaConstraint> {
        self.ca.as_ref()
    }

    /// The CRL distribution point.
    pub fn crl_url(&self) -> Option<&str> {
        self.crl_url.as_deref()
    }

    /// The same profile with another lifetime; `None` unless `expiry` is positive.
    pub fn with_expiry(mut self, expiry: GoDuration) -> Option<Self> {
        (expiry.as_nanos() > 0).then(|| {
            self.expiry = expiry;
            self
        })
    }

    /// The same profile with a CRL distribution point (`-crl-url`, `-crl`).
    pub fn with_crl_url(mut self, url: &str) -> Self {
        self.crl_url = Some(url.to_owned());
        self
    }
}

impl Policy {
    /// `signing.default`, or cfssl's implicit default.
    pub fn default_profile(&self) -> &Profile {
        &self.default
    }

    /// The local profiles of `signing.profiles`, by name.
    pub fn profiles(&self) -> impl Iterator<Item = (&str, &Profile)> {
        self.profiles.iter().map(|(n, p)| (n.as_str(), p))
    }

    /// True when the default is cfssl's implicit one rather than written in the file.
    pub fn default_is_implicit(&self) -> bool {
        self.default_is_implicit
    }

    /// The file it came from; `None` for the built-in policy.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }
}

impl Profile {
    /// cfssl's implicit default when a config has no `signing.default`, or there is no config
    /// (cfssl config.DefaultConfig): signing, key encipherment, server auth, client auth, 8760h.
    pub fn cfssl_default() -> Self {
        Self {
            name: "default".into(),
            key_usage: KeyUsage::NONE
                .with(KeyUsageBit::DigitalSignature)
                .with(KeyUsageBit::KeyEncipherment),
            ext_key_usage: vec![ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth],
            expiry: GoDuration::from_hours(8760),
            backdate: DEFAULT_BACKDATE,
            ca: None,
            not_before: None,
            not_after: None,
            ocsp_url: None,
            issuer_urls: Vec::new(),
            crl_url: None,
            ocsp_no_check: false,
            name_whitelist: None,
            policies: Vec::new(),
            copy_extensions: false,
            csr_whitelist: None,
            unknown_usages: Vec::new(),
        }
    }

    /// Where the profile is in ca-config.json below `signing`: `default` or `profiles.NAME`.
    pub fn path(&self) -> String {
        if self.name == "default" {
            "default".into()
        } else {
            format!("profiles.{}", self.name)
        }
    }

    /// True when the profile sets neither KeyUsage nor ExtendedKeyUsage.
    pub fn has_no_usages(&self) -> bool {
        self.key_usage.is_empty() && self.ext_key_usage.is_empty()
    }
}

/// cfssl's backdate when none is set (signer.go: `-5 * time.Minute`); it lets clocks that are
/// a little behind accept a certificate issued just now.
pub(crate) const DEFAULT_BACKDATE: GoDuration = GoDuration::from_minutes(5);

/// A whole ca-config.json.
#[derive(Clone, Debug)]
pub struct Policy {
    /// `signing.default`, or cfssl's implicit default.
    pub(crate) default: Profile,
    /// True when the default is cfssl's implicit one rather than written in the file.
    pub(crate) default_is_implicit: bool,
    /// `signing.profiles`, local ones only.
    pub(crate) profiles: BTreeMap<String, Profile>,
    /// `signing.profiles` that sign through a remote cfssl, by name → remote name.
    pub(crate) remote_profiles: BTreeMap<String, String>,
    /// The file it came from; `None` for the built-in policy.
    pub(crate) file: Option<String>,
}

/// Why a profile cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// `-profile` names no profile (cfssl silently falls back to `default`).
    #[error("{}", unknown_profile_message(.name, .file.as_deref(), .known))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The config file, if any.
        file: Option<String>,
        /// The profiles that exist.
        known: Vec<String>,
    },
    /// The profile signs remotely.
    #[error(
        "{file}: signing.profiles.{name}: remote signing is not supported (the profile names remote {remote:?})\n  help: etcdpki signs locally with -ca and -ca-key; remove \"remote\" from the profile or use another one"
    )]
    Remote {
        /// The profile.
        name: String,
        /// Its remote.
        remote: String,
        /// The config file.
        file: String,
    },
    /// The chosen profile lists usages cfssl does not know (cfssl drops them silently).
    #[error("{}", render(.0))]
    UnknownUsages(Vec<Diagnostic>),
    /// The chosen profile has no usages, so a certificate from it could be used for nothing
    /// (cfssl error 5100 "Invalid policy: no key usage available").
    #[error("{file}: signing.{path}: the profile has no usages, so it cannot sign\n  help: {hint}")]
    NoUsages {
        /// The config file.
        file: String,
        /// `default` or `profiles.NAME`.
        path: String,
        /// What to do.
        hint: String,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn unknown_profile_message(name: &str, file: Option<&str>, known: &[String]) -> String {
    let list = if known.is_empty() {
        "it defines no profiles".to_owned()
    } else {
        format!(
            "expected one of {}",
            known
                .iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match file {
        Some(file) => format!(
            "{file}: signing.profiles: unknown profile {name:?}; {list}\n  help: cfssl would silently sign with signing.default instead"
        ),
        None => format!(
            "-profile {name:?} needs -config: without a config only the built-in default profile exists\n  help: pass -config ca-config.json, or drop -profile"
        ),
    }
}

impl Policy {
    /// The policy cfssl uses without `-config`: just the implicit default.
    pub fn builtin() -> Self {
        Self {
            default: Profile::cfssl_default(),
            default_is_implicit: true,
            profiles: BTreeMap::new(),
            remote_profiles: BTreeMap::new(),
            file: None,
        }
    }

    /// The profile `-profile NAME` selects. An empty name selects `default`, as does
    /// `default` itself unless a profile has that name. Anything else must exist.
    pub fn select(&self, name: &str) -> Result<&Profile, ProfileError> {
        let file = self.file.clone().unwrap_or_else(|| "-config".into());
        let (profile, path) = if let Some(p) = self.profiles.get(name) {
            (p, format!("profiles.{name}"))
        } else if let Some(remote) = self.remote_profiles.get(name) {
            return Err(ProfileError::Remote {
                name: name.to_owned(),
                remote: remote.clone(),
                file,
            });
        } else if name.is_empty() || name == "default" {
            (&self.default, "default".to_owned())
        } else {
            return Err(ProfileError::Unknown {
                name: name.to_owned(),
                file: self.file.clone(),
                known: self
                    .profiles
                    .keys()
                    .chain(self.remote_profiles.keys())
                    .cloned()
                    .collect(),
            });
        };
        if !profile.unknown_usages.is_empty() {
            return Err(ProfileError::UnknownUsages(profile.unknown_usages.clone()));
        }
        if profile.has_no_usages() {
            let names: Vec<String> = self.profiles.keys().map(|k| format!("{k:?}")).collect();
            let hint = if names.is_empty() {
                "add \"usages\" to it, e.g. [\"signing\", \"key encipherment\", \"server auth\", \"client auth\"]".to_owned()
            } else {
                format!("choose a profile with -profile: {}", names.join(", "))
            };
            return Err(ProfileError::NoUsages { file, path, hint });
        }
        Ok(profile)
    }

    /// Every unknown usage of every profile, as errors (for `lint`).
    pub(crate) fn unknown_usages(&self) -> impl Iterator<Item = &Diagnostic> {
        std::iter::once(&self.default)
            .chain(self.profiles.values())
            .flat_map(|p| p.unknown_usages.iter())
    }

    /// The unknown usages of the profiles other than `selected` (a profile's name, or
    /// `default`), as warnings: cfssl ignores them, and they do not touch this certificate.
    /// `None` when no profile signs (`-initca`).
    pub fn unknown_usages_elsewhere(&self, selected: Option<&str>) -> Vec<Diagnostic> {
        std::iter::once(&self.default)
            .chain(self.profiles.values())
            .filter(|p| Some(p.name.as_str()) != selected)
            .flat_map(|p| p.unknown_usages.iter())
            .map(|d| Diagnostic::warning(d.location.clone(), d.problem.clone()))
            .collect()
    }
}

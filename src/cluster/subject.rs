//! The subject fields every certificate of the cluster shares (`--names`), and the per-role
//! organizational unit that keeps each certificate's name its own.
//!
//! Takes `--names C=…,ST=…,L=…,O=…,OU=…`; returns [`SubjectNames`], which turn into a cfssl
//! `names` list for one certificate with [`SubjectNames::entries`]. Every certificate gets an
//! OU naming its role (`ca`, `server`, `peer`, `client`), after the user's OU if there is one:
//! a member's server and peer certificates share their CN (the member name, as in kubeadm and
//! etcdadm), and without the role their names would collide (lint `duplicate-subject`).

use crate::request::SubjectEntry;

/// The shared subject fields; empty strings are absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectNames {
    /// `C`.
    pub country: String,
    /// `ST`.
    pub province: String,
    /// `L`.
    pub locality: String,
    /// `O`.
    pub organization: String,
    /// `OU`, placed before the role's OU.
    pub organizational_unit: String,
}

impl Default for SubjectNames {
    /// `O=etcd`, as the presets in profiles/etcd.
    fn default() -> Self {
        Self {
            country: String::new(),
            province: String::new(),
            locality: String::new(),
            organization: "etcd".into(),
            organizational_unit: String::new(),
        }
    }
}

/// The keys `--names` takes, as cfssl's csr.json `names` entries spell them.
pub(crate) const NAME_KEYS: &[&str] = &["C", "ST", "L", "O", "OU"];

/// Why a `--names` value is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectNamesError {
    /// An item without `=`.
    #[error("{item:?} is not KEY=VALUE; write e.g. C=US,O=Example,OU=Platform")]
    NotKeyValue {
        /// The item as written.
        item: String,
    },
    /// A key that is not one of `NAME_KEYS`.
    #[error("unknown name {key:?}; expected one of C, ST, L, O, OU")]
    UnknownKey {
        /// The key as written.
        key: String,
    },
    /// A key given twice.
    #[error("{key} is given twice")]
    Twice {
        /// The key.
        key: &'static str,
    },
    /// No item at all.
    #[error("no names; write e.g. C=US,O=Example,OU=Platform")]
    Nothing,
    /// A key with an empty value.
    #[error("{key} has an empty value")]
    Empty {
        /// The key.
        key: &'static str,
    },
}

impl SubjectNames {
    /// Reads `C=US,ST=California,L=San Francisco,O=Example,OU=Platform`: each key at most once,
    /// keys as in csr.json (any case), values non-empty and without commas. Keys not given
    /// are absent (no default `O=etcd` then).
    pub fn parse(text: &str) -> Result<Self, SubjectNamesError> {
        let mut names = Self {
            organization: String::new(),
            ..Self::default()
        };
        let mut seen: Vec<&str> = Vec::new();
        for item in text.split(',').filter(|i| !i.trim().is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(SubjectNamesError::NotKeyValue {
                    item: item.to_owned(),
                });
            };
            let key = key.trim();
            let value = value.trim();
            let Some(known) = NAME_KEYS.iter().find(|k| k.eq_ignore_ascii_case(key)) else {
                return Err(SubjectNamesError::UnknownKey {
                    key: key.to_owned(),
                });
            };
            if seen.contains(known) {
                return Err(SubjectNamesError::Twice { key: known });
            }
            if value.is_empty() {
                return Err(SubjectNamesError::Empty { key: known });
            }
            seen.push(known);
            let slot = match *known {
                "C" => &mut names.country,
                "ST" => &mut names.province,
                "L" => &mut names.locality,
                "O" => &mut names.organization,
                _ => &mut names.organizational_unit,
            };
            value.clone_into(slot);
        }
        if seen.is_empty() {
            return Err(SubjectNamesError::Nothing);
        }
        Ok(names)
    }

    /// The csr.json `names` of a certificate in `role_unit` (its role's OU), with
    /// `organization` replacing O when given (kubeadm's `system:masters` clients).
    pub fn entries(&self, role_unit: &str, organization: Option<&str>) -> Vec<SubjectEntry> {
        let first = SubjectEntry {
            country: self.country.clone(),
            province: self.province.clone(),
            locality: self.locality.clone(),
            organization: organization.map_or_else(|| self.organization.clone(), str::to_owned),
            organizational_unit: self.organizational_unit.clone(),
            ..SubjectEntry::default()
        };
        if first.organizational_unit.is_empty() {
            return vec![SubjectEntry {
                organizational_unit: role_unit.to_owned(),
                ..first
            }];
        }
        // A second names entry adds a second OU value: cfssl joins the values of one type
        // from every entry into one RDN (csr.go `Name()`), OU=Platform+OU=server.
        vec![
            first,
            SubjectEntry {
                organizational_unit: role_unit.to_owned(),
                ..SubjectEntry::default()
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flag_reads_cfssl_keys_once_each() {
        let n = SubjectNames::parse("C=US, st=California,L=San Francisco,O=Example,OU=Ops")
            .expect("valid");
        assert_eq!(n.province, "California");
        assert_eq!(n.locality, "San Francisco");
        assert_eq!(n.organizational_unit, "Ops");
        assert_eq!(SubjectNames::parse("C=US").expect("valid").organization, "");
        for (bad, start) in [
            ("X=1", "unknown name \"X\"; expected one of C, ST, L, O, OU"),
            ("O=a,O=b", "O is given twice"),
            ("O=", "O has an empty value"),
            ("Example", "\"Example\" is not KEY=VALUE"),
            ("", "no names"),
        ] {
            let e = SubjectNames::parse(bad).expect_err(bad);
            assert!(e.to_string().starts_with(start), "{bad}: {e}");
        }
    }

    #[test]
    fn the_role_is_an_ou_of_its_own_after_the_users() {
        let plain = SubjectNames::default().entries("peer", None);
        assert_eq!(plain.len(), 1);
        assert_eq!(
            (
                plain[0].organization.as_str(),
                plain[0].organizational_unit.as_str()
            ),
            ("etcd", "peer")
        );
        let ops = SubjectNames::parse("O=Example,OU=Ops")
            .expect("valid")
            .entries("server", Some("system:masters"));
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].organization, "system:masters");
        assert_eq!(
            (
                ops[0].organizational_unit.as_str(),
                ops[1].organizational_unit.as_str()
            ),
            ("Ops", "server")
        );
    }
}

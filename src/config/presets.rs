//! Built-in configurations: cfssl's own `print-defaults` texts and the etcd presets of
//! `profiles/etcd/`, embedded so the binary can print them (`etcdpki print-defaults etcd-config`).
//!
//! Takes nothing; returns [`Preset`]s by name. Every preset is parsed by a test.

/// A named configuration text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name `print-defaults` takes.
    pub name: &'static str,
    /// What it is, for the list.
    pub description: &'static str,
    /// The JSON text, ending in a newline.
    pub text: &'static str,
    /// Whether it is a ca-config.json (else a csr.json).
    pub is_config: bool,
}

/// cfssl's `print-defaults config`, verbatim (cfssl 1.6.5 cli/printdefault/defaults.go).
const CFSSL_CONFIG: &str = r#"{
    "signing": {
        "default": {
            "expiry": "168h"
        },
        "profiles": {
            "www": {
                "expiry": "8760h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "server auth"
                ]
            },
            "client": {
                "expiry": "8760h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "client auth"
                ]
            }
        }
    }
}
"#;

/// cfssl's `print-defaults csr`, verbatim (cfssl 1.6.5 cli/printdefault/defaults.go).
const CFSSL_CSR: &str = r#"{
    "CN": "example.net",
    "hosts": [
        "example.net",
        "www.example.net"
    ],
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "US",
            "ST": "CA",
            "L": "San Francisco"
        }
    ]
}
"#;

const PRESETS: &[Preset] = &[
    Preset {
        name: "config",
        description: "cfssl's default ca-config.json",
        text: CFSSL_CONFIG,
        is_config: true,
    },
    Preset {
        name: "csr",
        description: "cfssl's default csr.json",
        text: CFSSL_CSR,
        is_config: false,
    },
    Preset {
        name: "etcd-config",
        description: "ca-config.json with etcd's server, peer and client profiles",
        text: include_str!("../../profiles/etcd/ca-config.json"),
        is_config: true,
    },
    Preset {
        name: "etcd-ca-csr",
        description: "an etcd CA request (ECDSA P-256, 10 years)",
        text: include_str!("../../profiles/etcd/ca-csr.json"),
        is_config: false,
    },
    Preset {
        name: "etcd-server-csr",
        description: "a member's server (client-facing) certificate request",
        text: include_str!("../../profiles/etcd/server-csr.json"),
        is_config: false,
    },
    Preset {
        name: "etcd-peer-csr",
        description: "a member's peer certificate request",
        text: include_str!("../../profiles/etcd/peer-csr.json"),
        is_config: false,
    },
    Preset {
        name: "etcd-client-csr",
        description: "a client certificate request (CN = the etcd user)",
        text: include_str!("../../profiles/etcd/client-csr.json"),
        is_config: false,
    },
];

/// Every preset, cfssl's first.
pub fn presets() -> &'static [Preset] {
    PRESETS
}

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_ca_config;
    use crate::request::parse_csr_json;

    #[test]
    fn every_preset_parses_without_warnings() {
        for p in presets() {
            let warnings = if p.is_config {
                parse_ca_config(p.name, p.text.as_bytes()).map(|c| c.warnings)
            } else {
                parse_csr_json(p.name, p.text.as_bytes()).map(|c| c.warnings)
            };
            let warnings = warnings.unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert!(warnings.is_empty(), "{}: {warnings:?}", p.name);
            assert!(p.text.ends_with('\n'));
        }
    }
}

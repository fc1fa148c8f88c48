//! Integration tests: the real binary in temp dirs, against the real cfssl, openssl and etcd.

mod architecture;
mod certinfo;
mod cfssl_names;
mod cluster;
mod defaults;
mod dropin;
mod etcd;
mod expiry;
mod gencert;
mod gencrl;
mod gencsr;
mod hostile;
mod json;
mod lint;
mod lint_cluster;
mod lint_etcd;
mod lint_etcd_config;
mod lint_trust;
mod parity;
mod profiles;
mod renew;
mod revoke;
mod selfsign;
mod sign;
mod transcripts;
mod util;

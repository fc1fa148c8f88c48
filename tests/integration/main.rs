//! Integration tests: the real binary in temp dirs, against the real cfssl, openssl and etcd.

mod parity;
mod util;

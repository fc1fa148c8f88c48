//! Private keys from PEM: never panic; a key that loads writes back as PEM that loads to the
//! same public key.
#![no_main]

use etcdpki::PrivateKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PrivateKey::from_pem(data) {
        let pem = key.to_pem().expect("a loaded key serialises");
        let again = PrivateKey::from_pem(pem.as_bytes()).expect("our PEM loads");
        assert_eq!(again.public_key(), key.public_key());
    }
});

//! Private keys from DER (PKCS#8, PKCS#1, SEC1): never panic; a key that loads loads the same
//! from PEM under any label, writes back as PEM that loads to the same key (and writes the same
//! PEM again), and its signatures verify with its public key and only over what it signed.
#![no_main]

use etcdpki::key::KeyError;
use etcdpki::{PrivateKey, PublicKey};
use etcdpki_fuzz::pem_wrap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = PrivateKey::from_der(data) else {
        return;
    };
    let public = key.public_key();
    let labelled = PrivateKey::from_pem(pem_wrap("ANY PRIVATE KEY", data).as_bytes())
        .expect("the same DER in PEM loads");
    assert_eq!(labelled.public_key(), public);
    assert_eq!(
        PublicKey::from_spki_der(public.spki_der()).as_ref(),
        Ok(public),
        "the public key re-reads"
    );

    let pem = key.to_pem().expect("a loaded key serialises");
    let again = PrivateKey::from_pem(pem.as_bytes()).expect("etcdpki's PEM loads");
    assert_eq!(again.public_key(), public);
    assert_eq!(again.to_pem().as_ref(), Ok(&pem), "the PEM form is stable");

    let oid = key.signature_algorithm().oid().to_string();
    assert_eq!(again.signature_algorithm(), key.signature_algorithm());
    for signer in [&key, &again] {
        let signature = signer.sign(data).expect("a loaded key signs");
        assert_eq!(public.verify(&oid, data, &signature), Ok(()));
        let mut other = data.to_vec();
        other.push(0);
        assert_eq!(
            public.verify(&oid, &other, &signature),
            Err(KeyError::BadSignature)
        );
    }
});

//! Lint's table verifier (`etcdpki::key::TableVerifier`) against aws-lc on arbitrary signatures
//! under the fixed P-256 key of fuzz/keys: both must give the same verdict, valid or not, for
//! any bytes, and a real signature must pass both.
//!
//! Input: one mode byte, then a message and a signature split at a length taken from the mode.
//! Odd modes take a real signature of the message by the key and XOR the rest of the input
//! into it, so tampered but nearly valid signatures are reached, not only garbage DER.
#![no_main]

use std::sync::OnceLock;

use etcdpki::key::{TableVerifier, Verifier};
use etcdpki_fuzz::issuer_key;
use libfuzzer_sys::fuzz_target;

const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

struct Fixture {
    key: etcdpki::PrivateKey,
    aws_lc: Verifier,
    tables: TableVerifier,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = issuer_key();
        let aws_lc = key
            .public_key()
            .verifier(ECDSA_WITH_SHA256)
            .expect("the fuzz CA key is P-256");
        let tables = TableVerifier::new(key.public_key().key_bits()).expect("a P-256 point");
        Fixture {
            key,
            aws_lc,
            tables,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let split = usize::from(mode >> 1).min(rest.len());
    let (message, tail) = rest.split_at(split);
    let signature = if mode & 1 == 1 {
        let mut real = f.key.sign(message).expect("sign");
        for (byte, flip) in real.iter_mut().zip(tail) {
            *byte ^= flip;
        }
        real
    } else {
        tail.to_vec()
    };
    let expected = f.aws_lc.verify(message, &signature).is_ok();
    let verdicts = f.tables.verify_all(&[(message, &signature), (message, &signature)]);
    assert_eq!(verdicts, [expected, expected], "signature {signature:02x?}");
    if mode & 1 == 1 && tail.iter().all(|b| *b == 0) {
        assert!(expected, "a real signature must verify");
    }
});

//! cfssljson input: never panics; accepted input always names at least one file with content.
#![no_main]

use etcdpki::output::parse_cfssljson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for bare in [true, false] {
        if let Ok(set) = parse_cfssljson("fuzz", data, bare) {
            assert!(!set.files.is_empty());
            assert!(set.files.iter().all(|f| !f.contents.is_empty() || f.binary));
        }
    }
});

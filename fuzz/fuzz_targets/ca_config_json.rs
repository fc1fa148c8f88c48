//! ca-config.json: never panics; a config that parses yields only usable profiles.
#![no_main]

use etcdpki::config::parse_ca_config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_ca_config("fuzz.json", data) {
        Ok(checked) => {
            let policy = checked.value;
            for (name, p) in policy.profiles() {
                assert!(
                    p.expiry().as_nanos() > 0,
                    "{name}: non-positive expiry accepted"
                );
                assert!(!p.has_no_usages(), "{name}: a named profile without usages");
                assert!(policy.select(name).is_ok());
            }
            assert!(policy.default_profile().expiry().as_nanos() > 0);
            let _ = policy.select("");
        }
        Err(e) => assert!(!e.diagnostics.is_empty(), "an error without a diagnostic"),
    }
});

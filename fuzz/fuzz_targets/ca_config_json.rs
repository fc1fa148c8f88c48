//! ca-config.json: never panics; a config that parses yields profiles that sign, or that refuse
//! to sign only by naming their unknown usages.
#![no_main]

use etcdpki::config::parse_ca_config;
use etcdpki::config::ProfileError;
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
                // A profile with an unknown usage beside known ones parses, but signing with
                // it is refused, naming the usage (docs/compat.md); nothing else is refused.
                match policy.select(name) {
                    Ok(_) => {}
                    Err(ProfileError::UnknownUsages(problems)) => assert!(!problems.is_empty()),
                    Err(e) => panic!("{name}: a parsed profile cannot be selected: {e}"),
                }
            }
            assert!(policy.default_profile().expiry().as_nanos() > 0);
            let _ = policy.select("");
        }
        Err(e) => assert!(!e.diagnostics.is_empty(), "an error without a diagnostic"),
    }
});

//! Go durations: never panic; formatting a parsed duration and parsing it again is the identity.
#![no_main]

use etcdpki::config::GoDuration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(d) = GoDuration::parse(text)
    {
        assert_eq!(GoDuration::parse(&d.to_string()), Ok(d), "{text:?}");
    }
    if data.len() == 8 {
        let n = i64::from_le_bytes(data.try_into().expect("8 bytes"));
        let d = GoDuration::from_nanos(n);
        assert_eq!(GoDuration::parse(&d.to_string()), Ok(d));
    }
});

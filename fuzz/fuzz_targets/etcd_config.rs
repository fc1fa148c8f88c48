//! The etcd configuration readers (YAML, env file, systemd unit): never panic or hang; a
//! configuration that reads is read the same way again, and what it names feeds lint's
//! context without a panic.
#![no_main]

use std::path::Path;

use etcdpki::lint::Context;
use etcdpki::etcd::{Release, read_etcd_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/nonexistent/etcd.conf");
    let release = match data.first().map(|b| b % 4) {
        Some(1) => Some(Release::V3_4),
        Some(2) => Some(Release::V3_5),
        Some(3) => Some(Release::V3_6),
        _ => None,
    };
    match read_etcd_config(path, text, release) {
        Ok(cfg) => {
            assert_eq!(
                read_etcd_config(path, text, release),
                Ok(cfg.clone()),
                "reading is deterministic"
            );
            let mut ctx = Context::default();
            ctx.add_etcd_config(&cfg);
            for m in &ctx.members {
                assert!(!m.name.is_empty() || cfg.name.as_deref() == Some(""));
            }
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.starts_with("/nonexistent/etcd.conf"), "{shown}");
            assert!(shown.len() < 4096, "messages stay short");
        }
    }
});

//! One duration grammar (issue 18, point 5): every lifetime or window flag takes Go durations
//! and days, windows are shown as meant (`400d`, not `1y`), and a lifetime inside the 5-minute
//! backdate is refused.

use crate::util::{Dir, etcdpki};

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn cluster_takes_days_and_renew_shows_the_window_as_written() {
    let dir = Dir::new();
    dir.ok(&["cluster", "--expiry", "2d", "--ca-expiry", "30d"], b"");
    let leaf = dir.cert("pki/default.pem");
    assert_eq!(leaf.lifetime(), 2 * 86_400, "2d is 48 hours");
    let out = dir.ok(
        &[
            "renew",
            "--ca",
            "pki/ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "--before",
            "400d",
            "--dry-run",
            "pki",
        ],
        b"",
    );
    let out = text(&out);
    assert!(
        out.contains("(window 400d)") && !out.contains("1y"),
        "{out}"
    );
}

#[test]
fn a_lifetime_inside_the_backdate_is_refused() {
    let dir = Dir::new();
    for flag in ["--expiry", "--ca-expiry"] {
        let out = dir.run(&etcdpki(), &["cluster", flag, "5m"], b"");
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&format!("{flag} 5m0s: not longer than the 5m0s backdate")),
            "{flag}: {}",
            text(&out.stderr)
        );
        assert!(!dir.join("pki").exists(), "{flag}: nothing written");
    }
}

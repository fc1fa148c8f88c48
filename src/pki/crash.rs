//! Crash points for the tests: in a debug build, `ETCDPKI_CRASH_AT=N` kills the process with
//! SIGKILL just before its N-th file-system change (counted from 1), so a test can stop a run
//! between any two file operations. Release builds compile to nothing (docs/security.md).

/// Counts one file-system change (`what`, for the record) and dies here if it is the one
/// asked for.
#[cfg(debug_assertions)]
pub fn step(what: &'static str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static DONE: AtomicU64 = AtomicU64::new(0);
    let Some(at) = std::env::var("ETCDPKI_CRASH_AT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    let n = DONE.fetch_add(1, Ordering::SeqCst) + 1;
    if n == at {
        let _ = what;
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    }
}

/// Release builds have no crash points.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn step(_what: &'static str) {}

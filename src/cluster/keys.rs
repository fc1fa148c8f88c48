//! Making the cluster's new keys in parallel, with progress.
//!
//! Takes the [`KeySpec`] of every key needed and a worker count; returns the keys in the same
//! order. RSA key generation is a random prime search that takes 0.1 s (2048 bits) to seconds
//! (4096) per key (docs/design.md), and keys are independent, so one search runs per core.
//! The caller learns of each finished key through a callback, which the command line turns
//! into a progress line; this module prints nothing.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::key::{KeyError, KeySpec, PrivateKey};

/// Generates one key per spec on up to `workers` threads. `progress(done, total)` is called
/// once with 0 before the first key and then after each key, from the worker threads.
pub(crate) fn generate_keys(
    specs: &[KeySpec],
    workers: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<PrivateKey>, KeyError> {
    let total = specs.len();
    if total == 0 {
        return Ok(Vec::new());
    }
    progress(0, total);
    let done = AtomicUsize::new(0);
    // One key per batch: a 4096-bit search can take seconds, so the cores share out single keys.
    crate::parallel::map_batches(specs, workers, 1, |batch| {
        let key = PrivateKey::generate(batch[0]);
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        key
    })
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, KeyAlgorithm};
    use std::sync::Mutex;

    #[test]
    fn keys_come_back_in_order_with_progress() {
        let specs = [
            KeySpec::Ecdsa(Curve::P256),
            KeySpec::Ed25519,
            KeySpec::Ecdsa(Curve::P384),
            KeySpec::Ecdsa(Curve::P521),
        ];
        let seen = Mutex::new(Vec::new());
        let keys = generate_keys(&specs, 3, &|done, total| {
            seen.lock().expect("lock").push((done, total));
        })
        .expect("keys");
        let algorithms: Vec<KeyAlgorithm> = keys.iter().map(PrivateKey::algorithm).collect();
        assert_eq!(
            algorithms,
            [
                KeyAlgorithm::Ecdsa(Curve::P256),
                KeyAlgorithm::Ed25519,
                KeyAlgorithm::Ecdsa(Curve::P384),
                KeyAlgorithm::Ecdsa(Curve::P521)
            ]
        );
        let mut seen = seen.into_inner().expect("lock");
        seen.sort_unstable();
        assert_eq!(seen, [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]);
        assert!(generate_keys(&[], 2, &|_, _| {}).expect("none").is_empty());
    }
}

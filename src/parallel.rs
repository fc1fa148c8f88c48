//! Work spread over the cores: a slice cut into small batches that threads take from a shared
//! counter, so that a core slowed by another process (or by one slow item) simply takes fewer
//! batches, instead of holding the whole run up as a fixed half of the work would.
//!
//! Takes the items, a thread count, a batch size and a function of one batch; returns the
//! function's results in the order of the batches, as a sequential map would.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to consecutive batches of at most `batch` items on up to `workers` threads; the
/// results in batch order. A panic in `f` is raised again in the caller.
pub(crate) fn map_batches<T, R, F>(items: &[T], workers: usize, batch: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    let batch = batch.max(1);
    let batches = items.len().div_ceil(batch);
    let workers = workers.clamp(1, batches.max(1));
    if workers == 1 {
        return items.chunks(batch).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        if b >= batches {
                            break mine;
                        }
                        let start = b * batch;
                        mine.push((b, f(&items[start..items.len().min(start + batch)])));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(b, _)| *b);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;

    #[test]
    fn results_come_back_in_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1000).collect();
        for (workers, batch) in [(1, 7), (2, 1), (3, 64), (8, 1000), (4, 5000)] {
            let sums = map_batches(&items, workers, batch, |part| part.to_vec());
            assert_eq!(sums.concat(), items, "workers {workers}, batch {batch}");
            assert_eq!(sums.len(), items.len().div_ceil(batch));
        }
        assert!(map_batches(&[] as &[u32], 4, 8, <[u32]>::len).is_empty());
    }

    #[test]
    fn every_thread_takes_batches() {
        let threads = Mutex::new(HashSet::new());
        map_batches(&[0u8; 64], 2, 1, |_| {
            threads
                .lock()
                .expect("lock")
                .insert(std::thread::current().id());
            // Long enough that one thread cannot take every batch before the other starts.
            std::thread::sleep(std::time::Duration::from_millis(2));
        });
        assert_eq!(threads.into_inner().expect("lock").len(), 2);
    }

    #[test]
    #[should_panic(expected = "batch 3")]
    fn a_panic_reaches_the_caller() {
        map_batches(&[0, 1, 2, 3, 4], 2, 1, |part| {
            assert!(part != [3], "batch 3");
        });
    }
}

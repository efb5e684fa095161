//! Work on a long list while it is still being read: a parser reads items one at a time on its own thread and
//! another thread works on the last full batch (natively; each batch's work may itself use every core), so that
//! reading and checking overlap. How a ballot box's ballots and its credential registry are decoded (the JSON
//! parse is sequential; the decoding of points is not).

/// Reads items with `next` (on this thread) until it gives `None`, in batches of `batch`; `work` runs on each
/// batch while the next one is read, and `take` gets each batch's result, in order, on this thread. At most two
/// batches are held. The first error of `next` stops the reading and is returned (a batch already being worked
/// on is waited for and its result dropped). In WebAssembly (one thread) each batch is worked on when full.
pub(crate) fn read_in_batches<T, R, E>(
    batch: usize,
    next: impl FnMut() -> Result<Option<T>, E>,
    work: impl Fn(Vec<T>) -> R + Sync,
    mut take: impl FnMut(R),
) -> Result<(), E>
where
    T: Send,
    R: Send,
{
    #[cfg(not(target_arch = "wasm32"))]
    {
        // A panic while working on a batch (a bug) is raised again here, as if the work had run on this thread.
        fn joined<R>(handle: std::thread::ScopedJoinHandle<'_, R>) -> R {
            handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        }
        std::thread::scope(|s| {
            let work = &work;
            let mut pending: Option<std::thread::ScopedJoinHandle<'_, R>> = None;
            each_batch(batch, next, |full| {
                if let Some(h) = pending.take() {
                    take(joined(h));
                }
                pending = Some(s.spawn(move || work(full)));
            })?;
            if let Some(h) = pending.take() {
                take(joined(h));
            }
            Ok(())
        })
    }
    #[cfg(target_arch = "wasm32")]
    each_batch(batch, next, |full| take(work(full)))
}

/// Reads items with `next` until it gives `None` and gives them to `full` in order, `batch` at a time (the last
/// batch may be shorter; no batch is empty).
fn each_batch<T, E>(
    batch: usize,
    mut next: impl FnMut() -> Result<Option<T>, E>,
    mut full: impl FnMut(Vec<T>),
) -> Result<(), E> {
    let batch = batch.max(1);
    let mut items = Vec::with_capacity(batch);
    loop {
        let item = next()?;
        let end = item.is_none();
        items.extend(item);
        if items.len() == batch || (end && !items.is_empty()) {
            full(std::mem::replace(&mut items, Vec::with_capacity(if end { 0 } else { batch })));
        }
        if end {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every item is worked on once, in order, whatever the length (empty, a batch's multiple, or not); the first
    /// error of the reader is returned.
    #[test]
    fn batches_keep_order_and_errors_stop_the_reading() {
        for len in [0usize, 1, 3, 4, 5, 17] {
            let mut source = 0..len;
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            read_in_batches::<_, _, ()>(
                4,
                || Ok(source.next()),
                |b: Vec<usize>| b.iter().map(|i| i * 10).collect::<Vec<_>>(),
                |r| {
                    sizes.push(r.len());
                    seen.extend(r)
                },
            )
            .unwrap();
            assert_eq!(seen, (0..len).map(|i| i * 10).collect::<Vec<_>>());
            assert!(sizes.iter().all(|&s| (1..=4).contains(&s)), "{sizes:?}");
        }
        let mut n = 0;
        let mut taken = 0;
        let r = read_in_batches(
            2,
            || {
                n += 1;
                if n == 6 {
                    Err("bad item 6")
                } else {
                    Ok(Some(n))
                }
            },
            |b: Vec<i32>| b.len(),
            |k| taken += k,
        );
        assert_eq!(r, Err("bad item 6"));
        assert!(taken <= 4, "{taken}");
    }
}

//! Data parallelism: rayon on native targets, a plain loop on `wasm32` (where the crate has no threads).
//!
//! Every parallel step of the shuffle goes through these two functions, so results never depend on the number of
//! threads: each closure sees a fixed index or a fixed range, and the results come back in order.

use core::ops::Range;

/// Items per parallel task: large enough that scheduling costs nothing, small enough that two cores stay busy to
/// the end and that a task's scratch vectors fit in cache.
pub(crate) const CHUNK: usize = 1024;

/// `f(0..len)` split into ranges of `chunk` indices, results in order.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn map_chunks<R: Send>(len: usize, chunk: usize, f: impl Fn(Range<usize>) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    let chunk = chunk.max(1);
    (0..len.div_ceil(chunk)).into_par_iter().map(|k| f(k * chunk..((k + 1) * chunk).min(len))).collect()
}

/// `f(0..len)` split into ranges of `chunk` indices, results in order.
#[cfg(target_arch = "wasm32")]
pub(crate) fn map_chunks<R: Send>(len: usize, chunk: usize, f: impl Fn(Range<usize>) -> R + Sync + Send) -> Vec<R> {
    let chunk = chunk.max(1);
    (0..len.div_ceil(chunk)).map(|k| f(k * chunk..((k + 1) * chunk).min(len))).collect()
}

/// `[f(0)?, …, f(len − 1)?]`, stopping at the error of lowest index.
pub(crate) fn try_map_indices<R: Send, E: Send>(
    len: usize,
    f: impl Fn(usize) -> Result<R, E> + Sync + Send,
) -> Result<Vec<R>, E> {
    let parts = map_chunks(len, CHUNK, |range| range.map(&f).collect::<Result<Vec<R>, E>>());
    let mut out = Vec::with_capacity(len);
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

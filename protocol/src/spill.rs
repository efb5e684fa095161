//! Sorting more than memory holds: fixed-size items are sorted in runs of at most a budget's worth, each run written
//! to a scratch store, and the runs merged as they are read back ([`SpillSort`]). How L7's repeated ids and R2's
//! credentials are sorted for a box of any size in bounded memory. Under the budget nothing is written: the items
//! are sorted in memory.
//!
//! Memory: the budget's items while a run fills (and [`WRITE`] items' bytes while it is written), then, while
//! merging `k` runs, `k` read buffers that share the budget (each at least [`MIN_READ`] items) and a heap of `k`
//! items. The store holds `SIZE` bytes an item.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::shuffle::stream::{ByteSink, ByteSource};

/// Where a box's decoded ballots, their records, its registry's keys and the sorts' runs are kept: memory (the
/// browser, tests) or a scratch file the caller opens (natively: owner-only, removed when dropped). This crate
/// opens no file.
pub trait BallotStore: ByteSource + ByteSink + Send {}
impl<T: ByteSource + ByteSink + Send> BallotStore for T {}

/// A new scratch store (natively a file removed when dropped; in the browser, memory).
pub type NewScratch = fn() -> std::io::Result<Box<dyn BallotStore>>;

/// An item of fixed size, ordered as it is to be sorted.
pub trait Fixed: Ord + Copy + Send + Sync {
    /// Its size in bytes.
    const SIZE: usize;
    /// Appends its bytes.
    fn put(&self, out: &mut Vec<u8>);
    /// It, from `SIZE` bytes.
    fn get(bytes: &[u8]) -> Self;
}

/// A sort key's first 8 bytes and a position (L7's ids, R2's credentials).
impl Fixed for (u64, u32) {
    const SIZE: usize = 12;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_be_bytes());
        out.extend_from_slice(&self.1.to_be_bytes());
    }
    fn get(b: &[u8]) -> Self {
        let mut k = [0u8; 8];
        k.copy_from_slice(&b[..8]);
        let mut p = [0u8; 4];
        p.copy_from_slice(&b[8..12]);
        (u64::from_be_bytes(k), u32::from_be_bytes(p))
    }
}

/// A 32-byte key's first 8 bytes, as a number that sorts as they do: the first half of a (prefix, position) item
/// (L7's ballot ids, R2's credentials).
pub fn prefix(key: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[..8]);
    u64::from_be_bytes(b)
}

/// The fewest items a run's read buffer holds while merging.
const MIN_READ: usize = 1024;
/// Items a run is written in at a time.
const WRITE: usize = 1 << 16;

/// Items sorted in bounded memory: [`push`](Self::push) them, then [`sorted`](Self::sorted) gives them in order.
pub struct SpillSort<T: Fixed> {
    /// The run filling.
    run: Vec<T>,
    /// Items a run holds: the budget.
    budget: usize,
    /// The runs written: each one's first item's place and its length, in items.
    runs: Vec<(u64, usize)>,
    store: Option<Box<dyn BallotStore>>,
    scratch: NewScratch,
    /// Items written.
    written: u64,
}

impl<T: Fixed> std::fmt::Debug for SpillSort<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpillSort({} runs written, {} items filling)", self.runs.len(), self.run.len())
    }
}

impl<T: Fixed> SpillSort<T> {
    /// Nothing yet; runs of at most `budget` items (at least one), written to a store `scratch` makes when the
    /// first run is full.
    pub fn new(budget: usize, scratch: NewScratch) -> Self {
        SpillSort { run: Vec::new(), budget: budget.max(1), runs: Vec::new(), store: None, scratch, written: 0 }
    }

    /// Adds an item; a full run is sorted and written.
    pub fn push(&mut self, item: T) -> std::io::Result<()> {
        self.run.push(item);
        if self.run.len() >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the run filling and writes it to the store.
    fn spill(&mut self) -> std::io::Result<()> {
        sort(&mut self.run);
        let store = match &mut self.store {
            Some(store) => store,
            None => self.store.insert((self.scratch)()?),
        };
        // Written a piece at a time: the run's bytes are not held beside it.
        let mut at = self.written * T::SIZE as u64;
        let mut bytes = Vec::with_capacity(WRITE.min(self.run.len()) * T::SIZE);
        for piece in self.run.chunks(WRITE) {
            bytes.clear();
            for item in piece {
                item.put(&mut bytes);
            }
            store.write_at(at, &bytes)?;
            at += bytes.len() as u64;
        }
        self.runs.push((self.written, self.run.len()));
        self.written += self.run.len() as u64;
        self.run = Vec::new();
        Ok(())
    }

    /// Every item pushed, in order: sorted in memory if they fit the budget, else the runs merged as read back.
    pub fn sorted(mut self) -> std::io::Result<Sorted<T>> {
        if self.runs.is_empty() {
            sort(&mut self.run);
            return Ok(Sorted { held: std::mem::take(&mut self.run).into_iter(), merge: None });
        }
        if !self.run.is_empty() {
            self.spill()?;
        }
        let store = self.store.take().ok_or_else(|| std::io::Error::other("the sort's runs have no store"))?;
        let read = (self.budget / self.runs.len()).max(MIN_READ);
        let mut runs: Vec<Run<T>> =
            self.runs.iter().map(|&(at, len)| Run { at, left: len, buffer: Vec::new().into_iter() }).collect();
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (r, run) in runs.iter_mut().enumerate() {
            if let Some(item) = run.next(store.as_ref(), read)? {
                heap.push(Reverse((item, r)));
            }
        }
        Ok(Sorted { held: Vec::new().into_iter(), merge: Some(Merge { store, runs, heap, read }) })
    }
}

/// Sorts a run: on all cores natively.
fn sort<T: Fixed>(items: &mut [T]) {
    #[cfg(not(target_arch = "wasm32"))]
    rayon::slice::ParallelSliceMut::par_sort_unstable(items);
    #[cfg(target_arch = "wasm32")]
    items.sort_unstable();
}

/// A run written, read back a buffer at a time.
struct Run<T> {
    /// The place of its next unread item.
    at: u64,
    /// Its items not yet read into the buffer.
    left: usize,
    buffer: std::vec::IntoIter<T>,
}

impl<T: Fixed> Run<T> {
    /// Its next item, reading `read` more when the buffer is empty.
    fn next(&mut self, store: &dyn BallotStore, read: usize) -> std::io::Result<Option<T>> {
        if let Some(item) = self.buffer.next() {
            return Ok(Some(item));
        }
        if self.left == 0 {
            return Ok(None);
        }
        let take = self.left.min(read);
        let mut bytes = vec![0u8; take * T::SIZE];
        store.read_at(self.at * T::SIZE as u64, &mut bytes)?;
        self.at += take as u64;
        self.left -= take;
        self.buffer = bytes.chunks_exact(T::SIZE).map(T::get).collect::<Vec<T>>().into_iter();
        Ok(self.buffer.next())
    }
}

/// The runs being merged: the least unread item of each run in a heap.
struct Merge<T: Fixed> {
    store: Box<dyn BallotStore>,
    runs: Vec<Run<T>>,
    heap: BinaryHeap<Reverse<(T, usize)>>,
    read: usize,
}

/// The sorted items ([`SpillSort::sorted`]), an error if a run cannot be read back.
pub struct Sorted<T: Fixed> {
    held: std::vec::IntoIter<T>,
    merge: Option<Merge<T>>,
}

impl<T: Fixed> std::fmt::Debug for Sorted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sorted({} held, merging: {})", self.held.len(), self.merge.is_some())
    }
}

impl<T: Fixed> Iterator for Sorted<T> {
    type Item = std::io::Result<T>;
    fn next(&mut self) -> Option<Self::Item> {
        let Some(m) = &mut self.merge else { return self.held.next().map(Ok) };
        let Reverse((item, r)) = m.heap.pop()?;
        match m.runs.get_mut(r).map(|run| run.next(m.store.as_ref(), m.read)) {
            Some(Ok(Some(next))) => m.heap.push(Reverse((next, r))),
            Some(Ok(None)) | None => {}
            Some(Err(e)) => {
                m.heap.clear();
                return Some(Err(e));
            }
        }
        Some(Ok(item))
    }
}

/// Calls `f` on each group of consecutive items with one key (`key(a) == key(b)`), in order: the runs of equal
/// prefixes of a sorted sequence. Stops at the first error, of the items or of `f`.
pub fn each_group<T, K: PartialEq, E: From<std::io::Error>>(
    items: impl Iterator<Item = std::io::Result<T>>,
    key: impl Fn(&T) -> K,
    mut f: impl FnMut(&[T]) -> Result<(), E>,
) -> Result<(), E> {
    let mut group: Vec<T> = Vec::new();
    for item in items {
        let item = item?;
        if group.last().is_some_and(|last| key(last) != key(&item)) {
            f(&group)?;
            group.clear();
        }
        group.push(item);
    }
    if !group.is_empty() {
        f(&group)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::shuffle::stream::MemorySink;
    use rand::{Rng, SeedableRng};

    fn memory() -> std::io::Result<Box<dyn BallotStore>> {
        Ok(Box::new(MemorySink::new()))
    }

    /// Any budget, from one item (a run an item) to more than all (no run written), sorts as `sort` does, repeats
    /// kept; the groups of one key are the runs of equal prefixes.
    #[test]
    fn spilled_runs_merge_to_the_sorted_items() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for n in [0usize, 1, 2, 7, 1000, 5000] {
            let items: Vec<(u64, u32)> = (0..n).map(|i| (rng.gen_range(0..50u64), i as u32 % 13)).collect();
            let mut want = items.clone();
            want.sort_unstable();
            for budget in [1, 3, 100, 4096, 10_000] {
                let mut s = SpillSort::new(budget, memory);
                for &item in &items {
                    s.push(item).unwrap();
                }
                let got: Vec<(u64, u32)> = s.sorted().unwrap().map(Result::unwrap).collect();
                assert_eq!(got, want, "n {n}, budget {budget}");
                let mut groups = Vec::new();
                let sorted = want.iter().copied().map(Ok);
                each_group(
                    sorted,
                    |x| x.0,
                    |g| -> std::io::Result<()> {
                        groups.push(g.to_vec());
                        Ok(())
                    },
                )
                .unwrap();
                let expected: Vec<Vec<(u64, u32)>> = want.chunk_by(|a, b| a.0 == b.0).map(<[_]>::to_vec).collect();
                assert_eq!(groups, expected);
            }
        }
    }

    /// Runs longer than a write's piece (`WRITE` items) are written in pieces and read back whole.
    #[test]
    fn long_runs_are_written_in_pieces() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        let items: Vec<(u64, u32)> = (0..250_000u32).map(|i| (rng.gen::<u64>() % 100_000, i)).collect();
        let mut want = items.clone();
        want.sort_unstable();
        let mut s = SpillSort::new(WRITE + 34_000, memory);
        for &item in &items {
            s.push(item).unwrap();
        }
        assert_eq!(s.runs.len(), 2);
        let got: Vec<(u64, u32)> = s.sorted().unwrap().map(Result::unwrap).collect();
        assert_eq!(got, want);
    }

    /// A store that fails: the error comes out of the sort, not a panic or a short list.
    #[test]
    fn a_store_that_cannot_be_made_is_an_error() {
        fn none() -> std::io::Result<Box<dyn BallotStore>> {
            Err(std::io::Error::other("no scratch space"))
        }
        let mut s = SpillSort::new(2, none);
        s.push((1u64, 1u32)).unwrap();
        assert!(s.push((0, 0)).is_err());
    }
}

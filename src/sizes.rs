//! Table sizes learned from one shard and used to size the tables of the others.
//!
//! Every hash table ascent keeps for a shard (a relation's whole-row index, each of its column indices) starts empty
//! and doubles its way up, re-inserting its rows at each step: at 100k shops that was a quarter of the rules' CPU. The shards of one run are alike (a hundred shops' worth of rows each), so the sizes one shard's tables reach,
//! per row of its input, are a good first size for the next shard's. `learn` records them while the first shard is
//! evaluated; `using` makes each table of the later shards take that size, scaled to the shard's own rows, at its
//! first insert (a shard of one giant linked-store component and thousands of small ones are not alike).
//!
//! Sizes come from the first shard only, never from whichever shards a thread happened to run before: a table's size
//! decides the order its rows are visited in, and so the order rows are derived in, which must not depend on thread
//! timing.
//!
//! A table is known by an id made of its relation's name and the columns it indexes (`id`), the same in every shard.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::Arc;

/// The largest size each table reached, by table id, in a shard of `weight` input rows.
#[derive(Clone, Default, Debug)]
pub struct Sizes {
    learned: Arc<FxHashMap<u64, usize>>,
    weight: usize,
}

enum Mode {
    Off,
    Learn(FxHashMap<u64, usize>),
    /// The sizes learned, and the weight of the shard being evaluated.
    Use(Sizes, usize),
}

thread_local! {
    static MODE: RefCell<Mode> = const { RefCell::new(Mode::Off) };
}

/// Puts back the mode it replaced, also when the evaluation panics.
struct Restore(Option<Mode>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            MODE.with(|mode| *mode.borrow_mut() = m);
        }
    }
}

fn set(m: Mode) -> Restore {
    Restore(Some(MODE.with(|mode| mode.replace(m))))
}

/// Runs `f` (the evaluation of a shard of `weight` input rows), recording the size of every table dropped meanwhile
/// on this thread.
pub fn learn<R>(weight: usize, f: impl FnOnce() -> R) -> (R, Sizes) {
    let restore = set(Mode::Learn(FxHashMap::default()));
    let r = f();
    let learned = MODE.with(|mode| match mode.replace(Mode::Off) {
        Mode::Learn(map) => map,
        _ => unreachable!("the mode is learning until `learn` ends"),
    });
    drop(restore);
    let learned = Arc::new(learned);
    (r, Sizes { learned, weight })
}

/// Runs `f` (the evaluation of a shard of `weight` input rows) with tables on this thread sized at their first insert
/// from `sizes`, in proportion to the weights: a first shard of one giant linked-store component must not size
/// the tables of thousands of small shards after it (at 1M shops in one random link graph, every later shard zeroed
/// gigabytes of table it never used, and the run took minutes instead of seconds).
pub fn using<R>(sizes: &Sizes, weight: usize, f: impl FnOnce() -> R) -> R {
    let _restore = set(Mode::Use(sizes.clone(), weight));
    f()
}

/// The size to give table `id` at its first insert: 0 (grow as needed) unless `using` knows one.
#[inline(never)]
pub fn hint(id: u64) -> usize {
    MODE.with(|mode| match &*mode.borrow() {
        Mode::Use(Sizes { learned, weight: first }, weight) if *first > 0 => {
            let learned = learned.get(&id).copied().unwrap_or(0);
            (learned as u128 * *weight as u128 / *first as u128) as usize
        }
        _ => 0,
    })
}

/// Table `id` ends with `len` rows (recorded while learning).
#[inline]
pub fn seen(id: u64, len: usize) {
    if len == 0 {
        return;
    }
    MODE.with(|mode| {
        if let Mode::Learn(map) = &mut *mode.borrow_mut() {
            let n = map.entry(id).or_default();
            *n = (*n).max(len);
        }
    })
}

/// A table's id: FNV-1a of its relation's name and the text of the columns it indexes.
pub const fn id(relation: &str, columns: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let (a, b) = (relation.as_bytes(), columns.as_bytes());
    let mut i = 0;
    while i < a.len() + 1 + b.len() {
        let byte = if i < a.len() {
            a[i]
        } else if i == a.len() {
            b'/'
        } else {
            b[i - a.len() - 1]
        };
        h ^= byte as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_learned_on_one_thread_are_used_and_then_forgotten() {
        let a = id("order", "[1]");
        assert_ne!(a, id("order", "[0]"));
        assert_ne!(a, id("orde", "r[1]"));
        let ((), sizes) = learn(100, || {
            seen(a, 10);
            seen(a, 40);
            seen(a, 0);
            assert_eq!(hint(a), 0, "learning sizes nothing");
        });
        assert_eq!(hint(a), 0, "outside `using`, nothing is sized");
        let h = using(&sizes, 100, || (hint(a), hint(id("other", ""))));
        assert_eq!(h, (40, 0));
        assert_eq!(hint(a), 0);
        let on_another_thread = std::thread::scope(|s| s.spawn(|| using(&sizes, 100, || hint(a))).join().unwrap());
        assert_eq!(on_another_thread, 40);
    }

    /// A shard's tables are sized in proportion to its rows: a giant first shard does not size small ones giant.
    #[test]
    fn sizes_scale_with_the_shard() {
        let a = id("order", "[1]");
        let ((), sizes) = learn(1_000_000, || seen(a, 4_000_000));
        assert_eq!(using(&sizes, 100, || hint(a)), 400);
        assert_eq!(using(&sizes, 2_000_000, || hint(a)), 8_000_000);
        let ((), empty) = learn(0, || seen(a, 7));
        assert_eq!(using(&empty, 100, || hint(a)), 0, "nothing to scale from");
    }
}

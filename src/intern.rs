//! String interning. Ids are `u32`s whose order is the byte order of their strings (the table is renumbered
//! once loading is done), so rules may compare ids where a policy breaks ties by id.

use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sym(pub u32);

/// Every string once, in one byte arena; the table holds ids only and hashes through the arena. At a million shops
/// there are ~45M ids: a map of boxed strings (two allocations and ~90 bytes per id) would be several GB by itself.
///
/// The table is our own (open addressing, linear probing) rather than a library map, so that a batch of lookups
/// (`intern_all`) can fetch the memory each will touch before any of them needs it: in a table of 45M ids every
/// lookup misses the cache two or three times, and one at a time they waited for each miss in turn.
#[derive(Default)]
pub struct Interner {
    bytes: Vec<u8>,
    /// `ends[i]` is where string `i` ends in `bytes` (it starts where `i - 1` ends).
    ends: Vec<u64>,
    /// A power of two of slots, at most `MAX_LOAD` full: 0 is empty, otherwise the string's hash's high 32 bits and
    /// its id + 1. A string's home slot is its hash's low bits. None while the strings are in byte order (there are
    /// none yet, or `sort` has just numbered them): lookups then search the arena, and interning builds the table.
    slots: Vec<u64>,
}

/// Fullest the table gets (numerator, denominator): linear probing stays short below ~3/4.
const MAX_LOAD: (usize, usize) = (7, 10);
/// Lookups whose memory is fetched together in `intern_all`.
const BATCH: usize = 16;

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Interner({} strings)", self.len())
    }
}

type Hasher = BuildHasherDefault<rustc_hash::FxHasher>;

/// FxHash of a value: the interner's strings, the rows of a sink relation.
pub(crate) fn fx_hash<T: std::hash::Hash + ?Sized>(v: &T) -> u64 {
    Hasher::default().hash_one(v)
}

fn text<'a>(bytes: &'a [u8], ends: &[u64], id: u32) -> &'a [u8] {
    let end = ends[id as usize] as usize;
    let start = if id == 0 { 0 } else { ends[id as usize - 1] as usize };
    &bytes[start..end]
}

/// Slots enough for `strings` strings without growing.
fn slots_for(strings: usize) -> usize {
    (strings * MAX_LOAD.1 / MAX_LOAD.0 + 1).next_power_of_two().max(16)
}

/// Asks the processor to start loading the cache line at `p`; a hint only.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Interner {
    /// Room for about `strings` strings of `bytes` bytes in all, without growing.
    pub fn with_capacity(strings: usize, bytes: usize) -> Interner {
        Interner {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
            slots: vec![0; slots_for(strings)],
        }
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        let s = s.as_bytes();
        self.intern_hashed(s, fx_hash(s))
    }

    /// Interns every string of `strings` in turn, pushing their ids to `ids`: `intern` on each, but a batch at a
    /// time, with the slots, ends and bytes that each lookup will compare fetched ahead, stage by stage.
    pub fn intern_all<'s>(&mut self, strings: impl Iterator<Item = &'s str>, ids: &mut Vec<Sym>) {
        let mut batch: [(&[u8], u64); BATCH] = [(&[], 0); BATCH];
        let mut strings = strings.peekable();
        while strings.peek().is_some() {
            let mut n = 0;
            for s in strings.by_ref().take(BATCH) {
                batch[n] = (s.as_bytes(), fx_hash(s.as_bytes()));
                n += 1;
            }
            self.reserve(n);
            let mask = self.slots.len() - 1;
            for &(_, h) in &batch[..n] {
                prefetch(&self.slots[h as usize & mask]);
            }
            // a string already here most often sits in its home slot: fetch where its text ends, then the text
            let home = |h: u64| {
                let slot = self.slots[h as usize & mask];
                (slot != 0 && slot >> 32 == h >> 32).then(|| (slot as u32 - 1) as usize)
            };
            for &(_, h) in &batch[..n] {
                if let Some(id) = home(h) {
                    prefetch(&self.ends[id.saturating_sub(1)]);
                }
            }
            for &(_, h) in &batch[..n] {
                if let Some(id) = home(h) {
                    let start = if id == 0 { 0 } else { self.ends[id - 1] as usize };
                    prefetch(self.bytes.as_ptr().wrapping_add(start));
                }
            }
            for &(s, h) in &batch[..n] {
                ids.push(self.intern_hashed(s, h));
            }
        }
    }

    /// Grows the table, if need be, so that `more` strings more fit.
    fn reserve(&mut self, more: usize) {
        if (self.ends.len() + more) * MAX_LOAD.1 <= self.slots.len() * MAX_LOAD.0 {
            return;
        }
        let mut slots = vec![0u64; slots_for(self.ends.len() + more).max(self.slots.len() * 2)];
        let mask = slots.len() - 1;
        for id in 0..self.ends.len() as u32 {
            let h = fx_hash(text(&self.bytes, &self.ends, id));
            let mut i = h as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (h >> 32) << 32 | (id as u64 + 1);
        }
        self.slots = slots;
    }

    fn intern_hashed(&mut self, s: &[u8], hash: u64) -> Sym {
        self.reserve(1);
        match self.probe(s, hash) {
            Ok(id) => id,
            Err(empty) => {
                let id = u32::try_from(self.ends.len())
                    .ok()
                    .filter(|&id| id < u32::MAX)
                    .expect("fewer than 2^32 - 1 distinct strings");
                self.bytes.extend_from_slice(s);
                self.ends.push(self.bytes.len() as u64);
                self.slots[empty] = (hash >> 32) << 32 | (id as u64 + 1);
                Sym(id)
            }
        }
    }

    /// The id of `s` (whose hash is `hash`), or the empty slot where it would go. The table has slots.
    fn probe(&self, s: &[u8], hash: u64) -> Result<Sym, usize> {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return Err(i);
            }
            let id = slot as u32 - 1;
            if slot >> 32 == hash >> 32 && text(&self.bytes, &self.ends, id) == s {
                return Ok(Sym(id));
            }
            i = (i + 1) & mask;
        }
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        let s = s.as_bytes();
        match self.slots.is_empty() {
            // the strings are in byte order
            true => {
                let (mut lo, mut hi) = (0u32, self.len() as u32);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    match text(&self.bytes, &self.ends, mid).cmp(s) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return Some(Sym(mid)),
                    }
                }
                None
            }
            false => self.probe(s, fx_hash(s)).ok(),
        }
    }

    pub fn resolve(&self, id: Sym) -> &str {
        // SAFETY: only whole `&str`s are ever appended to `bytes`, and ids index their exact ranges.
        unsafe { std::str::from_utf8_unchecked(text(&self.bytes, &self.ends, id.0)) }
    }

    /// The strings in id order.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len() as u32).map(|i| self.resolve(Sym(i)))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Renumbers the strings in byte order; returns `old id → new id`. The hash table is dropped: it would have to be
    /// renumbered too, a cache miss per string (~1.4 s for a million shops' 45M ids), and lookups after loading are
    /// few (a constant of a program, a subject to explain) and find their string by binary search.
    pub fn sort(&mut self) -> Vec<Sym> {
        let cmp = |a: &u32, b: &u32| text(&self.bytes, &self.ends, *a).cmp(text(&self.bytes, &self.ends, *b));
        // Ids are numbered in order of first appearance, and fact files usually list their ids in order: the ids are
        // a few long sorted runs, which a stable (run-detecting) sort merges instead of sorting from scratch. Two
        // halves on two threads, then merged (a million shops have ~45M ids).
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        let mid = order.len() / 2;
        let (left, right) = order.split_at_mut(mid);
        std::thread::scope(|s| {
            s.spawn(|| left.sort_by(cmp));
            right.sort_by(cmp);
        });
        // merged in byte order into the new arena, in two halves on two threads: the first `k` strings of the order
        // are the first `a` of the left half and the first `k - a` of the right (merge-path split). The head is
        // merged from the front of the arena forwards, the tail from its back backwards, so that they meet where the
        // head's bytes end without either knowing where that is; each string gets its new id on the way.
        let (left, right) = order.split_at(mid);
        let (n, k) = (order.len(), order.len() / 2);
        let a = merge_split(left, right, k, cmp);
        let remap: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
        // each side's strings are fetched ahead, their ends 16 places ahead and their text 8: they lie wherever they
        // were first seen
        let ahead = |side: &[u32], at: usize, forwards: bool| {
            let (far, near) = match forwards {
                true => (Some(at + 16), Some(at + 8)),
                false => (at.checked_sub(16), at.checked_sub(8)),
            };
            if let Some(&id) = far.and_then(|at| side.get(at)) {
                prefetch(&self.ends[(id as usize).saturating_sub(1)]);
            }
            if let Some(&id) = near.and_then(|at| side.get(at)) {
                let start = if id == 0 { 0 } else { self.ends[id as usize - 1] as usize };
                prefetch(self.bytes.as_ptr().wrapping_add(start));
            }
        };
        let total = self.bytes.len();
        let mut bytes: Vec<u8> = Vec::with_capacity(total);
        let mut ends: Vec<u64> = Vec::with_capacity(n);
        let arena = Arena(bytes.as_mut_ptr());
        let (head_ends, tail_ends) = ends.spare_capacity_mut()[..n].split_at_mut(k);
        let (head_end, tail_start) = std::thread::scope(|s| {
            let tail = s.spawn(|| {
                let (l, r) = (&left[a..], &right[k - a..]);
                let (mut i, mut j, mut at) = (l.len(), r.len(), total);
                for p in (0..tail_ends.len()).rev() {
                    let old = if j == 0 || (i > 0 && cmp(&l[i - 1], &r[j - 1]).is_gt()) {
                        i -= 1;
                        ahead(l, i, false);
                        l[i]
                    } else {
                        j -= 1;
                        ahead(r, j, false);
                        r[j]
                    };
                    remap[old as usize].store((k + p) as u32, Relaxed);
                    let t = text(&self.bytes, &self.ends, old);
                    tail_ends[p].write(at as u64);
                    at -= t.len();
                    // SAFETY: `at..at + t.len()` lies in the arena's capacity (the strings merged sum to `total`
                    // bytes) and beyond every byte the head writes (the head's strings are the others)
                    unsafe { std::ptr::copy_nonoverlapping(t.as_ptr(), arena.at(at), t.len()) };
                }
                at
            });
            let (l, r) = (&left[..a], &right[..k - a]);
            let (mut i, mut j, mut at) = (0, 0, 0);
            for (p, end) in head_ends.iter_mut().enumerate() {
                let old = if j == r.len() || (i < l.len() && cmp(&r[j], &l[i]).is_ge()) {
                    ahead(l, i, true);
                    i += 1;
                    l[i - 1]
                } else {
                    ahead(r, j, true);
                    j += 1;
                    r[j - 1]
                };
                remap[old as usize].store(p as u32, Relaxed);
                let t = text(&self.bytes, &self.ends, old);
                // SAFETY: as the tail's, from the other end
                unsafe { std::ptr::copy_nonoverlapping(t.as_ptr(), arena.at(at), t.len()) };
                at += t.len();
                end.write(at as u64);
            }
            (at, tail.join().expect("the merging thread"))
        });
        assert_eq!(head_end, tail_start, "the two halves of the arena meet");
        // SAFETY: every byte of `0..total` and every end of `0..n` was written just now
        unsafe {
            bytes.set_len(total);
            ends.set_len(n);
        }
        self.bytes = bytes;
        self.ends = ends;
        self.slots = Vec::new();
        remap.into_iter().map(|n| Sym(n.into_inner())).collect()
    }
}

/// The new arena while the two halves of `Interner::sort` write into it from either end.
#[derive(Clone, Copy)]
struct Arena(*mut u8);

// SAFETY: the two threads write disjoint ranges (see `Interner::sort`)
unsafe impl Sync for Arena {}
unsafe impl Send for Arena {}

impl Arena {
    /// # Safety
    /// `at` is within the arena's capacity.
    unsafe fn at(self, at: usize) -> *mut u8 {
        unsafe { self.0.add(at) }
    }
}

/// How many of the `k` least elements of two sorted, disjoint sequences are in `left` (the rest are in `right`).
fn merge_split<T>(left: &[T], right: &[T], k: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> usize {
    // the least `a` with: taking `a` from the left and `k - a` from the right leaves no left element that belongs
    // after a right one that was not taken
    let (mut lo, mut hi) = (k.saturating_sub(right.len()), k.min(left.len()));
    while lo < hi {
        let a = (lo + hi) / 2;
        // left[a] belongs among the first k if it is less than right[k - a - 1]
        if cmp(&left[a], &right[k - a - 1]).is_lt() {
            lo = a + 1;
        } else {
            hi = a;
        }
    }
    lo
}

/// The index of `x` in `list`, pushed at the end if absent: numbers for a handful of distinct values (subject kinds,
/// reference targets) by a linear search, cheaper than hashing for so few.
pub fn index_of<T: PartialEq>(list: &mut Vec<T>, x: T) -> usize {
    match list.iter().position(|y| *y == x) {
        Some(i) => i,
        None => {
            list.push(x);
            list.len() - 1
        }
    }
}

/// A name that lives as long as the program (a tier named by a parameter table): each distinct name is leaked
/// once, so the memory is bounded by the names a run's parameters hold.
pub fn static_name(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().expect("names");
    match names.iter().find(|n| **n == name) {
        Some(n) => n,
        None => {
            let n: &'static str = Box::leak(name.into());
            names.push(n);
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_split_counts_the_left_elements_among_the_least() {
        // every split of every interleaving of two small sorted sequences
        for mask in 0u32..1 << 10 {
            let (mut left, mut right) = (Vec::new(), Vec::new());
            for v in 0..10 {
                if mask & (1 << v) != 0 {
                    left.push(v);
                } else {
                    right.push(v);
                }
            }
            for k in 0..=10 {
                let want = left.iter().filter(|&&v| v < k).count();
                assert_eq!(
                    merge_split(&left, &right, k as usize, |a: &i32, b: &i32| a.cmp(b)),
                    want,
                    "{left:?} {right:?} {k}"
                );
            }
        }
    }

    #[test]
    fn few_strings_sort_too() {
        for n in 0..6u32 {
            let mut i = Interner::default();
            let ids: Vec<Sym> = (0..n).map(|x| i.intern(&"ba".repeat(((x * 3) % n) as usize))).collect();
            let remap = i.sort();
            let sorted: Vec<&str> = i.strings().collect();
            assert!(sorted.windows(2).all(|p| p[0] < p[1]), "{n}: {sorted:?}");
            for (x, id) in ids.iter().enumerate() {
                assert_eq!(i.resolve(remap[id.0 as usize]), "ba".repeat(((x as u32 * 3) % n) as usize));
            }
        }
    }

    #[test]
    fn sorted_ids_follow_byte_order() {
        let mut i = Interner::default();
        let b = i.intern("S2");
        let a = i.intern("S10");
        let c = i.intern("A");
        let remap = i.sort();
        let (a, b, c) = (remap[a.0 as usize], remap[b.0 as usize], remap[c.0 as usize]);
        assert!(c < a && a < b);
        assert_eq!(i.resolve(a), "S10");
        assert_eq!(i.get("S2"), Some(b));
        assert_eq!((i.get("B"), i.get(""), i.get("S3")), (None, None, None));
        // interning again after sorting builds the table back: old ids stay, a new string gets the next
        assert_eq!(i.intern("S10"), a);
        let d = i.intern("B");
        assert_eq!((d, i.get("B"), i.get("A")), (Sym(3), Some(Sym(3)), Some(c)));
    }

    #[test]
    fn every_string_once_through_growth_and_renumbering() {
        let mut i = Interner::with_capacity(4, 8);
        let words: Vec<String> = (0..20_000).map(|n| format!("P{:05}-{}", (n * 7919) % 20_000, n % 3)).collect();
        let ids: Vec<Sym> = words.iter().map(|w| i.intern(w)).collect();
        let distinct: std::collections::BTreeSet<&String> = words.iter().collect();
        assert_eq!(i.len(), distinct.len());
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(i.resolve(*id), w);
            assert_eq!(i.intern(w), *id);
        }
        assert_eq!(i.get(""), None);
        let remap = i.sort();
        let sorted: Vec<&str> = i.strings().collect();
        assert!(sorted.windows(2).all(|p| p[0] < p[1]));
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(i.get(w), Some(remap[id.0 as usize]));
        }
    }

    #[test]
    fn a_batch_interns_as_one_string_at_a_time_does() {
        // repeats inside one batch and across batches, growth from empty, strings already there
        let words: Vec<String> = (0..5_000).map(|n| format!("O{}", (n * 37) % 1_300)).collect();
        let (mut one, mut all) = (Interner::default(), Interner::default());
        for w in ["O5", "O17", ""] {
            one.intern(w);
            all.intern(w);
        }
        let singly: Vec<Sym> = words.iter().map(|w| one.intern(w)).collect();
        let mut batched = Vec::new();
        all.intern_all(words.iter().map(String::as_str), &mut batched);
        assert_eq!(batched, singly);
        assert_eq!(all.len(), one.len());
        assert!(all.strings().eq(one.strings()));
        assert_eq!(all.get("O17"), Some(Sym(1)));
        assert_eq!(all.get("O1300"), None);
    }
}

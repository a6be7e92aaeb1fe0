//! String interning. Ids are `u32`s whose order is the byte order of their strings (the table is renumbered
//! once loading is done), so rules may compare ids where a policy breaks ties by id.

use hashbrown::hash_table::{Entry, HashTable};
use std::hash::{BuildHasher, BuildHasherDefault};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sym(pub u32);

/// Every string once, in one byte arena; the table holds ids only and hashes through the arena. At a million shops
/// there are ~40M ids: a map of boxed strings (two allocations and ~90 bytes per id) would be several GB by itself.
#[derive(Default)]
pub struct Interner {
    bytes: Vec<u8>,
    /// `ends[i]` is where string `i` ends in `bytes` (it starts where `i - 1` ends).
    ends: Vec<u64>,
    table: HashTable<u32>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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

impl Interner {
    /// Room for about `strings` strings of `bytes` bytes in all, without growing.
    pub fn with_capacity(strings: usize, bytes: usize) -> Interner {
        Interner {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
            table: HashTable::with_capacity(strings),
        }
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        let (bytes, ends) = (&mut self.bytes, &mut self.ends);
        let s = s.as_bytes();
        let entry = self
            .table
            .entry(fx_hash(s), |&id| text(bytes, ends, id) == s, |&id| fx_hash(text(bytes, ends, id)));
        match entry {
            Entry::Occupied(e) => Sym(*e.get()),
            Entry::Vacant(e) => {
                let id = u32::try_from(ends.len()).expect("fewer than 2^32 distinct strings");
                bytes.extend_from_slice(s);
                ends.push(bytes.len() as u64);
                e.insert(id);
                Sym(id)
            }
        }
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        let s = s.as_bytes();
        self.table
            .find(fx_hash(s), |&id| text(&self.bytes, &self.ends, id) == s)
            .map(|&id| Sym(id))
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

    /// Renumbers the table in byte order of the strings; returns `old id → new id`.
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
        // merged in byte order: each string gets its new id and is copied to its new place in the arena
        let mut remap = vec![Sym(0); order.len()];
        let mut bytes = Vec::with_capacity(self.bytes.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        let (mut i, mut j) = (0, mid);
        while i < mid || j < order.len() {
            let old = if j == order.len() || (i < mid && cmp(&order[j], &order[i]).is_ge()) {
                i += 1;
                order[i - 1]
            } else {
                j += 1;
                order[j - 1]
            };
            remap[old as usize] = Sym(ends.len() as u32);
            bytes.extend_from_slice(text(&self.bytes, &self.ends, old));
            ends.push(bytes.len() as u64);
        }
        // the table's entries keep their places (a string's hash does not change), only their ids are renumbered
        for id in self.table.iter_mut() {
            *id = remap[*id as usize].0;
        }
        self.bytes = bytes;
        self.ends = ends;
        remap
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
}

//! A data-structure provider for the relations rules read: ascent's own (`ascent::rel`) but for the values under a
//! key. Ascent keeps them in a `Vec` made with room for four, a heap allocation (and later a free) for every distinct
//! key of every index — and most keys of a shard's indices (an order id, a product id) have one row. Here one value is
//! held in the map itself and a `Vec` made only at the second. Otherwise it is ascent's: the same map types, hasher and
//! merges, so that a table of a given size iterates, and rows are derived, in ascent's order.
//!
//! Declared for a whole program with `#![ds(crate::index)]` inside `ascent_run!`; `#[ds(crate::sink)]` still
//! declares a relation no rule reads.
//!
//! Each table (a relation's whole-row index, each column index) carries an id made of its relation's name and columns,
//! and takes its first size from what the same table reached in a run's first shard (`crate::sizes`).

use crate::sizes;
use ascent::internal::{RelFullIndexRead, RelFullIndexWrite, RelIndexMerge, RelIndexRead, RelIndexReadAll, RelIndexWrite};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};

/// The values under one key, in insertion order.
#[derive(Clone)]
pub enum Vals<V> {
    One(V),
    Many(Vec<V>),
}

impl<V> Vals<V> {
    #[inline]
    fn as_slice(&self) -> &[V] {
        match self {
            Vals::One(v) => std::slice::from_ref(v),
            Vals::Many(vs) => vs,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Vals::One(_) => 1,
            Vals::Many(vs) => vs.len(),
        }
    }

    #[inline]
    fn push(&mut self, v: V) {
        match self {
            Vals::Many(vs) => vs.push(v),
            Vals::One(_) => {
                let Vals::One(first) = std::mem::replace(self, Vals::Many(Vec::with_capacity(4))) else {
                    unreachable!()
                };
                let Vals::Many(vs) = self else { unreachable!() };
                vs.push(first);
                vs.push(v);
            }
        }
    }

    /// Appends `other`'s values after these.
    fn append(&mut self, other: Vals<V>) {
        match other {
            Vals::One(v) => self.push(v),
            Vals::Many(vs) => {
                for v in vs {
                    self.push(v);
                }
            }
        }
    }
}

type Fx = BuildHasherDefault<rustc_hash::FxHasher>;

/// An index of a relation: key → the values of the rows with that key. `ID`: the table's id (`sizes::id`).
pub struct Index<K, V, const ID: u64 = 0>(HashMap<K, Vals<V>, Fx>);

impl<K, V, const ID: u64> Default for Index<K, V, ID> {
    #[inline]
    fn default() -> Self {
        Index(HashMap::default())
    }
}

impl<K, V, const ID: u64> Drop for Index<K, V, ID> {
    fn drop(&mut self) {
        sizes::seen(ID, self.0.len());
    }
}

impl<K: Eq + Hash, V, const ID: u64> RelIndexWrite for Index<K, V, ID> {
    type Key = K;
    type Value = V;
    #[inline]
    fn index_insert(&mut self, key: K, value: V) {
        if self.0.capacity() == 0 {
            // the first insert: the size this table reached in the first shard, if known
            self.0.reserve(sizes::hint(ID));
        }
        match self.0.entry(key) {
            Entry::Occupied(mut e) => e.get_mut().push(value),
            Entry::Vacant(e) => {
                e.insert(Vals::One(value));
            }
        }
    }
}

impl<K: Eq + Hash, V, const ID: u64> RelIndexMerge for Index<K, V, ID> {
    /// As ascent merges its indices (`RelIndexType1`), so that rows keep ascent's order: into the larger map, and
    /// under a key the longer list first.
    fn move_index_contents(from: &mut Self, to: &mut Self) {
        if from.0.len() > to.0.len() {
            std::mem::swap(from, to);
        }
        for (k, mut v) in from.0.drain() {
            match to.0.entry(k) {
                Entry::Occupied(e) => {
                    let existing = e.into_mut();
                    if v.len() > existing.len() {
                        std::mem::swap(&mut v, existing);
                    }
                    existing.append(v);
                }
                Entry::Vacant(e) => {
                    e.insert(v);
                }
            }
        }
    }
}

impl<'a, K: Eq + Hash + 'a, V: Clone + 'a, const ID: u64> RelIndexRead<'a> for Index<K, V, ID> {
    type Key = K;
    type Value = &'a V;
    type IteratorType = std::slice::Iter<'a, V>;

    #[inline]
    fn index_get(&'a self, key: &K) -> Option<Self::IteratorType> {
        self.0.get(key).map(|v| v.as_slice().iter())
    }

    #[inline(always)]
    fn len_estimate(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn is_empty(&'a self) -> bool {
        self.0.is_empty()
    }
}

type AllIter<'a, K, V> = std::iter::Map<
    std::collections::hash_map::Iter<'a, K, Vals<V>>,
    for<'aa, 'bb> fn((&'aa K, &'bb Vals<V>)) -> (&'aa K, std::slice::Iter<'bb, V>),
>;

impl<'a, K: Eq + Hash + 'a, V: Clone + 'a, const ID: u64> RelIndexReadAll<'a> for Index<K, V, ID> {
    type Key = &'a K;
    type Value = &'a V;
    type ValueIteratorType = std::slice::Iter<'a, V>;
    type AllIteratorType = AllIter<'a, K, V>;

    fn iter_all(&'a self) -> Self::AllIteratorType {
        self.0.iter().map(|(k, v)| (k, v.as_slice().iter()))
    }
}

/// Ascent reaches an index through `ToRelIndex`; an index that is its own whole state (these, a sink's) hands out
/// itself. `self_index!(Type)` implements that for `Type<K, V>`, `self_index!(Type, ID)` for `Type<K, V, ID>`.
macro_rules! self_index {
    ($t: ident $(, $id: ident)?) => {
        impl<K, V $(, const $id: u64)?> ascent::internal::Freezable for $t<K, V $(, $id)?> {}

        impl<K, V, R $(, const $id: u64)?> ascent::internal::ToRelIndex<R> for $t<K, V $(, $id)?> {
            type RelIndex<'a>
                = &'a Self
            where
                Self: 'a,
                R: 'a;
            #[inline(always)]
            fn to_rel_index<'a>(&'a self, _rel: &'a R) -> Self::RelIndex<'a> {
                self
            }
            type RelIndexWrite<'a>
                = &'a mut Self
            where
                Self: 'a,
                R: 'a;
            #[inline(always)]
            fn to_rel_index_write<'a>(&'a mut self, _rel: &'a mut R) -> Self::RelIndexWrite<'a> {
                self
            }
        }
    };
}
pub(crate) use self_index;

self_index!(Index, ID);
self_index!(FullIndex, ID);

/// A relation's whole-row index (ascent's `RelFullIndexType`: the same map, hasher and merge), sized like `Index`.
pub struct FullIndex<K, V, const ID: u64 = 0>(hashbrown::HashMap<K, V, Fx>);

impl<K, V, const ID: u64> Default for FullIndex<K, V, ID> {
    #[inline]
    fn default() -> Self {
        FullIndex(hashbrown::HashMap::default())
    }
}

impl<K, V, const ID: u64> Drop for FullIndex<K, V, ID> {
    fn drop(&mut self) {
        sizes::seen(ID, self.0.len());
    }
}

impl<K: Eq + Hash, V, const ID: u64> FullIndex<K, V, ID> {
    #[inline]
    fn presize(&mut self) {
        if self.0.capacity() == 0 {
            self.0.reserve(sizes::hint(ID));
        }
    }
}

impl<K: Eq + Hash, V, const ID: u64> RelIndexWrite for FullIndex<K, V, ID> {
    type Key = K;
    type Value = V;
    #[inline]
    fn index_insert(&mut self, key: K, value: V) {
        self.presize();
        self.0.insert(key, value);
    }
}

impl<K: Clone + Eq + Hash, V, const ID: u64> RelFullIndexWrite for FullIndex<K, V, ID> {
    type Key = K;
    type Value = V;
    #[inline]
    fn insert_if_not_present(&mut self, key: &K, v: V) -> bool {
        self.presize();
        match self.0.raw_entry_mut().from_key(key) {
            hashbrown::hash_map::RawEntryMut::Occupied(_) => false,
            hashbrown::hash_map::RawEntryMut::Vacant(vacant) => {
                vacant.insert(key.clone(), v);
                true
            }
        }
    }
}

impl<K: Eq + Hash, V, const ID: u64> RelFullIndexRead<'_> for FullIndex<K, V, ID> {
    type Key = K;
    #[inline]
    fn contains_key(&self, key: &K) -> bool {
        self.0.contains_key(key)
    }
}

impl<K: Eq + Hash, V, const ID: u64> RelIndexMerge for FullIndex<K, V, ID> {
    fn move_index_contents(from: &mut Self, to: &mut Self) {
        if from.0.len() > to.0.len() {
            std::mem::swap(from, to);
        }
        to.0.reserve(from.0.len());
        for (k, v) in from.0.drain() {
            to.0.insert(k, v);
        }
    }
}

impl<'a, K: Eq + Hash + 'a, V: Clone + 'a, const ID: u64> RelIndexRead<'a> for FullIndex<K, V, ID> {
    type Key = K;
    type Value = &'a V;
    type IteratorType = std::iter::Once<&'a V>;

    #[inline]
    fn index_get(&'a self, key: &K) -> Option<Self::IteratorType> {
        self.0.get(key).map(std::iter::once)
    }

    #[inline(always)]
    fn len_estimate(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn is_empty(&'a self) -> bool {
        self.0.is_empty()
    }
}

type FullIter<'a, K, V> =
    std::iter::Map<hashbrown::hash_map::Iter<'a, K, V>, for<'aa, 'bb> fn((&'aa K, &'bb V)) -> (&'aa K, std::iter::Once<&'bb V>)>;

impl<'a, K: Eq + Hash + 'a, V: Clone + 'a, const ID: u64> RelIndexReadAll<'a> for FullIndex<K, V, ID> {
    type Key = &'a K;
    type Value = &'a V;
    type ValueIteratorType = std::iter::Once<&'a V>;
    type AllIteratorType = FullIter<'a, K, V>;

    fn iter_all(&'a self) -> Self::AllIteratorType {
        self.0.iter().map(|(k, v)| (k, std::iter::once(v)))
    }
}

// The macros ascent expands for a relation of a program declared `#![ds(crate::index)]`: ascent's `rel` provider's,
// but for `rel_ind` (`rel_codegen` and `rel_ind_common` are the sink's, which are ascent's).
macro_rules! rel {
    ($name: ident, $field_types: ty, $indices: expr, ser, ()) => {
        ::std::vec::Vec<$field_types>
    };
}
macro_rules! rel_full_ind {
    ($name: ident, $field_types: ty, $indices: expr, ser, (), $key: ty, $val: ty) => {
        $crate::index::FullIndex<$key, $val, { $crate::sizes::id(stringify!($name), "") }>
    };
}
macro_rules! rel_ind {
    ($name: ident, $field_types: ty, $indices: expr, ser, (), $ind: expr, $key: ty, $val: ty) => {
        $crate::index::Index<$key, $val, { $crate::sizes::id(stringify!($name), stringify!($ind)) }>
    };
}
#[allow(unused_imports)]
pub(crate) use {
    crate::sink::{rel_codegen, rel_ind_common},
    rel, rel_full_ind, rel_ind,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn values(i: &Index<u8, u32>, k: u8) -> Vec<u32> {
        i.index_get(&k).map(|it| it.copied().collect()).unwrap_or_default()
    }

    #[test]
    fn values_keep_insertion_order_and_merge_as_ascent_merges() {
        let mut a: Index<u8, u32> = Index::default();
        for (k, v) in [(1, 10), (2, 20), (1, 11), (1, 12), (1, 13), (1, 14)] {
            a.index_insert(k, v);
        }
        assert_eq!(values(&a, 1), [10, 11, 12, 13, 14]);
        assert_eq!(values(&a, 2), [20]);
        assert_eq!(values(&a, 3), Vec::<u32>::new());

        // the same merges with ascent's own index type give the same lists
        let mut theirs_a: ascent::internal::RelIndexType1<u8, u32> = Default::default();
        let mut theirs_b: ascent::internal::RelIndexType1<u8, u32> = Default::default();
        let mut b: Index<u8, u32> = Index::default();
        for (k, v) in [(1, 10), (2, 20), (1, 11)] {
            theirs_a.index_insert(k, v);
        }
        let mut a: Index<u8, u32> = Index::default();
        for (k, v) in [(1, 10), (2, 20), (1, 11)] {
            a.index_insert(k, v);
        }
        for (k, v) in [(2, 21), (2, 22), (1, 12), (3, 30)] {
            b.index_insert(k, v);
            theirs_b.index_insert(k, v);
        }
        Index::move_index_contents(&mut b, &mut a);
        RelIndexMerge::move_index_contents(&mut theirs_b, &mut theirs_a);
        for k in 1..=3 {
            let theirs: Vec<u32> = theirs_a.get(&k).cloned().unwrap_or_default();
            assert_eq!(values(&a, k), theirs, "key {k}");
        }
        assert_eq!(values(&a, 2), [21, 22, 20], "the longer list first, as ascent does");
        assert_eq!(a.iter_all().map(|(_, vs)| vs.len()).sum::<usize>(), 7);
    }
}

//! A data-structure provider for ascent relations that no rule reads: a program's checks, citations, notes, nests,
//! flags and tiers. Declared with `#[ds(crate::sink)] relation cite(...);`.
//!
//! Ascent keeps every relation as a row vector plus a hash index of whole rows in three versions (new, delta,
//! total) that each stratum checks, fills and merges — four hashings of every row and a second copy of it, so that
//! a later rule can look rows up. A relation only ever written needs none of that: its rows are kept once, in the
//! order they were first derived, and a repeated row is dropped on arrival (one hash, one probe), so the relation
//! holds exactly the rows, in exactly the order, that ascent's own structure would hold.
//!
//! `#[ds(crate::sink::evidence)]` declares a sink that holds evidence only (citations, notes, nested subjects): its
//! rows are derived by the same rules as always, and kept unless the caller said it will not read them
//! (`keep_evidence(false)` around a batch run's evaluation, which writes verdicts only).
//!
//! A rule that reads a sink relation does not compile (`rel_ind!` below): a sink has no index to join on, and its
//! whole-row index (used by ascent only to drop repeated rows) always answers "not present".

use crate::intern::fx_hash;
use hashbrown::HashTable;
use std::hash::Hash;

thread_local! {
    static KEEP_EVIDENCE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// While the returned guard lives, evidence sinks on this thread keep their rows (`yes`) or drop them (the rules
/// run unchanged). Evidence is kept unless a caller says otherwise.
pub fn keep_evidence(yes: bool) -> EvidenceGuard {
    EvidenceGuard(KEEP_EVIDENCE.with(|k| k.replace(yes)))
}

/// Restores the evidence setting it replaced.
pub struct EvidenceGuard(bool);

impl Drop for EvidenceGuard {
    fn drop(&mut self) {
        KEEP_EVIDENCE.with(|k| k.set(self.0));
    }
}

/// The rows of a sink relation, each once, in derivation order. `EVIDENCE`: rows are kept only while evidence is.
/// `ID`: the relation's id for `crate::sizes`, which sizes the rows and their table at the first row.
#[derive(Clone)]
pub struct Rows<T, const EVIDENCE: bool = false, const ID: u64 = 0> {
    rows: Vec<T>,
    seen: HashTable<u32>,
}

impl<T, const EVIDENCE: bool, const ID: u64> Default for Rows<T, EVIDENCE, ID> {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            seen: HashTable::new(),
        }
    }
}

impl<T, const EVIDENCE: bool, const ID: u64> Drop for Rows<T, EVIDENCE, ID> {
    fn drop(&mut self) {
        crate::sizes::seen(ID, self.rows.len());
    }
}

impl<T: Hash + Eq, const EVIDENCE: bool, const ID: u64> Rows<T, EVIDENCE, ID> {
    /// Adds a row unless an equal one is there already.
    pub fn push(&mut self, row: T) {
        if EVIDENCE && !KEEP_EVIDENCE.with(|k| k.get()) {
            return;
        }
        if self.rows.capacity() == 0 {
            let n = crate::sizes::hint(ID);
            self.rows.reserve(n);
            self.seen.reserve(n, |_| unreachable!("an empty table moves no rows"));
        }
        let hash = fx_hash(&row);
        let rows = &self.rows;
        if self.seen.find(hash, |&i| rows[i as usize] == row).is_none() {
            let i = u32::try_from(self.rows.len()).expect("a sink relation holds fewer than 2^32 rows");
            self.seen.insert_unique(hash, i, |&i| fx_hash(&self.rows[i as usize]));
            self.rows.push(row);
        }
    }
}

impl<T, const EVIDENCE: bool, const ID: u64> std::ops::Deref for Rows<T, EVIDENCE, ID> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.rows
    }
}

impl<'a, T, const EVIDENCE: bool, const ID: u64> IntoIterator for &'a Rows<T, EVIDENCE, ID> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

/// Ascent's whole-row index of a sink relation: never holds anything; `Rows::push` drops repeats instead.
pub struct NoIndex<K, V>(std::marker::PhantomData<(K, V)>);

impl<K, V> Default for NoIndex<K, V> {
    fn default() -> Self {
        NoIndex(std::marker::PhantomData)
    }
}

impl<K: Clone, V> ascent::internal::RelFullIndexWrite for NoIndex<K, V> {
    type Key = K;
    type Value = V;
    #[inline(always)]
    fn insert_if_not_present(&mut self, _key: &K, _v: V) -> bool {
        true
    }
}

impl<K, V> ascent::internal::RelFullIndexRead<'_> for NoIndex<K, V> {
    type Key = K;
    #[inline(always)]
    fn contains_key(&self, _key: &K) -> bool {
        false
    }
}

impl<K, V> ascent::internal::RelIndexWrite for NoIndex<K, V> {
    type Key = K;
    type Value = V;
    #[inline(always)]
    fn index_insert(&mut self, _key: K, _value: V) {}
}

impl<K, V> ascent::internal::RelIndexMerge for NoIndex<K, V> {
    #[inline(always)]
    fn move_index_contents(_from: &mut Self, _to: &mut Self) {}
    #[inline(always)]
    fn merge_delta_to_total_new_to_delta(_new: &mut Self, _delta: &mut Self, _total: &mut Self) {}
}

crate::index::self_index!(NoIndex);

// The macros ascent expands for a relation declared `#[ds(crate::sink)]`.
macro_rules! rel_codegen {
    ($($tt: tt)*) => {};
}
macro_rules! rel {
    ($name: ident, $field_types: ty, $indices: expr, ser, ()) => {
        $crate::sink::Rows<$field_types, false, { $crate::sizes::id(stringify!($name), "rows") }>
    };
}
macro_rules! rel_ind_common {
    ($name: ident, $field_types: ty, $indices: expr, ser, ()) => {
        ()
    };
}
macro_rules! rel_full_ind {
    ($name: ident, $field_types: ty, $indices: expr, ser, (), $key: ty, $val: ty) => {
        $crate::sink::NoIndex<$key, $val>
    };
}
#[allow(unused_macros)] // expanded only for a rule that reads a sink, to refuse it
macro_rules! rel_ind {
    ($name: ident, $($tt: tt)*) => {
        compile_error!(concat!(
            "a rule reads the sink relation ",
            stringify!($name),
            "; declare it without #[ds(crate::sink)]"
        ))
    };
}
#[allow(unused_imports)]
pub(crate) use {rel, rel_codegen, rel_full_ind, rel_ind, rel_ind_common};

/// The provider for evidence-only sinks: `Rows` that keep their rows only while evidence is kept.
pub mod evidence {
    macro_rules! rel {
        ($name: ident, $field_types: ty, $indices: expr, ser, ()) => {
            $crate::sink::Rows<$field_types, true, { $crate::sizes::id(stringify!($name), "rows") }>
        };
    }
    #[allow(unused_imports)]
    pub(crate) use {
        super::{rel_codegen, rel_full_ind, rel_ind, rel_ind_common},
        rel,
    };
}

#[cfg(test)]
mod tests {
    use super::Rows;

    #[test]
    fn rows_keep_the_first_of_equal_rows_in_derivation_order() {
        let mut r: Rows<(i32, &str)> = Rows::default();
        for x in [3, 1, 3, 2, 1, 4] {
            r.push((x, "a"));
        }
        assert_eq!(&*r, &[(3, "a"), (1, "a"), (2, "a"), (4, "a")]);
        assert_eq!(r.iter().count(), 4);
    }

    #[test]
    fn evidence_rows_are_dropped_only_while_a_caller_says_so() {
        let mut kept: Rows<u8, true> = Rows::default();
        let mut plain: Rows<u8> = Rows::default();
        {
            let _batch = super::keep_evidence(false);
            kept.push(1);
            plain.push(1);
            {
                let _explain = super::keep_evidence(true);
                kept.push(2);
            }
            kept.push(3);
        }
        kept.push(4);
        assert_eq!(&*kept, &[2, 4]);
        assert_eq!(&*plain, &[1], "a sink that is not evidence keeps its rows");
    }
}

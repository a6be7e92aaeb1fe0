//! The records of one relation as fixed-width binary rows: a null mask, then each field in the width its type needs
//! (an id or a date in 4 bytes, a time or a decimal in 8, a bool in 1). A `Val` is 24 bytes and a boxed row of them
//! costs an allocation: at a million shops (60M records) that alone would be ~10 GB; these rows are ~30 bytes.

use crate::intern::Sym;
use crate::num::Dec;
use crate::schema::{Relation, Ty};
use crate::time::{Date, Month, Time};
use crate::value::Val;

/// The most fields a relation may declare (the width of [`Vals`]).
pub const MAX_FIELDS: usize = 16;

/// A decoded row: the field values in schema order (absent optional fields are `Val::Null`).
#[derive(Clone, Copy)]
pub struct Vals {
    vals: [Val; MAX_FIELDS],
    len: u8,
}

impl std::ops::Deref for Vals {
    type Target = [Val];
    fn deref(&self) -> &[Val] {
        &self.vals[..self.len as usize]
    }
}

impl std::fmt::Debug for Vals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Where and how one field is stored in a row.
#[derive(Clone, Copy, Debug)]
struct Slot {
    ty: Ty,
    at: usize,
}

fn width(ty: Ty) -> usize {
    match ty {
        Ty::Bool => 1,
        Ty::Str | Ty::Enum(_) | Ty::Date | Ty::Month => 4,
        Ty::Int | Ty::Dec | Ty::Time => 8,
    }
}

#[derive(Debug)]
pub struct Table {
    slots: Box<[Slot]>,
    stride: usize,
    bytes: Vec<u8>,
    /// Source line of each row.
    lines: Vec<u32>,
}

impl Table {
    pub fn new(schema: &Relation) -> Table {
        assert!(
            schema.fields.len() <= MAX_FIELDS,
            "relation `{}` has more than {MAX_FIELDS} fields",
            schema.name
        );
        let mask = schema.fields.len().div_ceil(8);
        let mut at = mask;
        let slots = schema
            .fields
            .iter()
            .map(|f| {
                let slot = Slot { ty: f.ty, at };
                at += width(f.ty);
                slot
            })
            .collect();
        Table {
            slots,
            stride: at,
            bytes: Vec::new(),
            lines: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn line(&self, row: usize) -> u32 {
        self.lines[row]
    }

    /// The stored bytes of a row: equal bytes, equal records.
    pub fn raw(&self, row: usize) -> &[u8] {
        &self.bytes[row * self.stride..(row + 1) * self.stride]
    }

    /// The stored bytes of some fields of a row and their null bits, fed to `f` field by field: two rows agree on
    /// those fields exactly when they feed the same bytes.
    pub fn key_bytes<'a>(&'a self, row: usize, fields: &'a [usize]) -> impl Iterator<Item = (bool, &'a [u8])> + 'a {
        let raw = self.raw(row);
        fields.iter().map(move |&f| {
            let Slot { ty, at } = self.slots[f];
            (raw[f / 8] & (1 << (f % 8)) != 0, &raw[at..at + width(ty)])
        })
    }

    /// Appends a row; `vals` follow the schema (types checked by the loader).
    pub fn push(&mut self, vals: &[Val], line: u32) {
        let start = self.bytes.len();
        self.bytes.resize(start + self.stride, 0);
        let row = &mut self.bytes[start..];
        for (i, (slot, v)) in self.slots.iter().zip(vals).enumerate() {
            let at = slot.at;
            match *v {
                Val::Null => row[i / 8] |= 1 << (i % 8),
                Val::Bool(b) => row[at] = b as u8,
                Val::Str(s) => row[at..at + 4].copy_from_slice(&s.0.to_le_bytes()),
                Val::Date(d) => row[at..at + 4].copy_from_slice(&d.0.to_le_bytes()),
                Val::Month(m) => row[at..at + 4].copy_from_slice(&m.0.to_le_bytes()),
                Val::Int(x) => row[at..at + 8].copy_from_slice(&x.to_le_bytes()),
                Val::Dec(d) => row[at..at + 8].copy_from_slice(&d.0.to_le_bytes()),
                Val::Time(t) => row[at..at + 8].copy_from_slice(&t.0.to_le_bytes()),
                other => panic!("a record field cannot hold {other:?}"),
            }
        }
        self.lines.push(line);
    }

    /// One field of a row.
    pub fn get(&self, row: usize, field: usize) -> Val {
        let raw = self.raw(row);
        if raw[field / 8] & (1 << (field % 8)) != 0 {
            return Val::Null;
        }
        let Slot { ty, at } = self.slots[field];
        let u32_at = || u32::from_le_bytes(raw[at..at + 4].try_into().expect("4 bytes"));
        let i64_at = || i64::from_le_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
        match ty {
            Ty::Bool => Val::Bool(raw[at] != 0),
            Ty::Str | Ty::Enum(_) => Val::Str(Sym(u32_at())),
            Ty::Date => Val::Date(Date(u32_at() as i32)),
            Ty::Month => Val::Month(Month(u32_at() as i32)),
            Ty::Int => Val::Int(i64_at()),
            Ty::Dec => Val::Dec(Dec(i64_at())),
            Ty::Time => Val::Time(Time(i64_at())),
        }
    }

    /// A whole row, decoded.
    pub fn vals(&self, row: usize) -> Vals {
        let mut out = Vals {
            vals: [Val::Null; MAX_FIELDS],
            len: self.slots.len() as u8,
        };
        for (i, v) in out.vals[..self.slots.len()].iter_mut().enumerate() {
            *v = self.get(row, i);
        }
        out
    }

    /// Rewrites every id in the rows from `first` on through `map` (old id → new id).
    pub fn remap(&mut self, first: usize, map: &[Sym]) {
        let ids = self.id_slots();
        if !ids.is_empty() {
            remap_rows(&mut self.bytes[first * self.stride..], self.stride, &ids, map);
        }
    }

    /// `remap` of every row, the rows split among `threads` threads.
    pub fn remap_all(&mut self, map: &[Sym], threads: usize) {
        let ids = self.id_slots();
        if ids.is_empty() || self.is_empty() {
            return;
        }
        let stride = self.stride;
        let per_thread = self.len().div_ceil(threads.max(1)) * stride;
        std::thread::scope(|scope| {
            for part in self.bytes.chunks_mut(per_thread) {
                let ids = &ids;
                scope.spawn(move || remap_rows(part, stride, ids, map));
            }
        });
    }

    /// The id columns (strings and enum words): their null bits and places in a row.
    fn id_slots(&self) -> Vec<(usize, usize)> {
        (self.slots.iter().enumerate())
            .filter(|(_, s)| matches!(s.ty, Ty::Str | Ty::Enum(_)))
            .map(|(i, s)| (i, s.at))
            .collect()
    }

    /// Appends the rows of `other` (same schema), their lines shifted by `line_offset`, their ids mapped through `map`.
    /// Room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.bytes.reserve(rows * self.stride);
        self.lines.reserve(rows);
    }

    pub fn append(&mut self, other: &Table, line_offset: u32, map: &[Sym]) {
        let first = self.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.lines.extend(other.lines.iter().map(|l| l + line_offset));
        self.remap(first, map);
    }

    /// Keeps the rows whose flag is set, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        let stride = self.stride;
        let mut to = 0;
        for (from, &k) in keep.iter().enumerate() {
            if k {
                if to != from {
                    self.bytes.copy_within(from * stride..(from + 1) * stride, to * stride);
                    self.lines[to] = self.lines[from];
                }
                to += 1;
            }
        }
        self.bytes.truncate(to * stride);
        self.lines.truncate(to);
        self.bytes.shrink_to_fit();
        self.lines.shrink_to_fit();
    }
}

/// The values of a key (a few fields of a row), hashable and ordered without an allocation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyVals {
    vals: [Val; KEY_FIELDS],
    len: u8,
}

/// The most fields a key or a `disjoint` group may name.
pub const KEY_FIELDS: usize = 4;

impl FromIterator<Val> for KeyVals {
    fn from_iter<I: IntoIterator<Item = Val>>(iter: I) -> KeyVals {
        let mut k = KeyVals {
            vals: [Val::Null; KEY_FIELDS],
            len: 0,
        };
        for v in iter {
            assert!((k.len as usize) < KEY_FIELDS, "a key names more than {KEY_FIELDS} fields");
            k.vals[k.len as usize] = v;
            k.len += 1;
        }
        k
    }
}

impl std::ops::Deref for KeyVals {
    type Target = [Val];
    fn deref(&self) -> &[Val] {
        &self.vals[..self.len as usize]
    }
}

/// Maps the ids of whole rows (`stride` bytes each) through `map`.
fn remap_rows(rows: &mut [u8], stride: usize, ids: &[(usize, usize)], map: &[Sym]) {
    for row in rows.chunks_exact_mut(stride) {
        for &(field, at) in ids {
            if row[field / 8] & (1 << (field % 8)) == 0 {
                let old = u32::from_le_bytes(row[at..at + 4].try_into().expect("4 bytes"));
                row[at..at + 4].copy_from_slice(&map[old as usize].0.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{field, relation, Field};

    const FIELDS: &[Field] = &[
        field("id", Ty::Str),
        field("ok", Ty::Bool),
        field("day", Ty::Date),
        field("at", Ty::Time).optional(),
        field("n", Ty::Int),
        field("x", Ty::Dec).optional(),
        field("m", Ty::Month),
        field("k", Ty::Enum(&["a", "b"])),
        field("y", Ty::Dec),
    ];
    const REL: Relation = relation("r", FIELDS);

    fn row(id: u32, at: Option<i64>, x: Option<i64>) -> Vec<Val> {
        vec![
            Val::Str(Sym(id)),
            Val::Bool(id.is_multiple_of(2)),
            Val::Date(Date(-3 - id as i32)),
            at.map_or(Val::Null, |t| Val::Time(Time(t))),
            Val::Int(i64::MIN + id as i64),
            x.map_or(Val::Null, |d| Val::Dec(Dec(d))),
            Val::Month(Month(24_000 + id as i32)),
            Val::Str(Sym(7)),
            Val::Dec(Dec(-1)),
        ]
    }

    #[test]
    fn rows_decode_to_what_was_stored_nulls_included() {
        let mut t = Table::new(&REL);
        let rows = [
            row(0, None, Some(5)),
            row(1, Some(-9), None),
            row(2, Some(i64::MAX), Some(i64::MIN)),
        ];
        for (i, r) in rows.iter().enumerate() {
            t.push(r, 10 + i as u32);
        }
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(&t.vals(i)[..], &r[..]);
            assert_eq!(t.line(i), 10 + i as u32);
        }
        // a null and a zero differ in their stored bytes, equal records do not
        let mut u = Table::new(&REL);
        u.push(&row(0, Some(0), Some(5)), 1);
        u.push(&row(0, None, Some(5)), 2);
        assert_ne!(u.raw(0), u.raw(1));
        assert_eq!(u.raw(1), t.raw(0));
    }

    #[test]
    fn remap_all_on_several_threads_maps_every_row_once() {
        let map: Vec<Sym> = (0..16).map(|i| Sym(100 + i)).collect();
        for rows in [0usize, 1, 2, 5] {
            let mut t = Table::new(&REL);
            for r in 0..rows as u32 {
                t.push(&row(r % 8, None, None), 1 + r);
            }
            let mut serial = Table::new(&REL);
            serial.append(&t, 0, &map);
            t.remap_all(&map, 3);
            assert_eq!(t.len(), rows);
            for r in 0..rows {
                assert_eq!(t.vals(r)[..], serial.vals(r)[..], "{rows} rows, row {r}");
            }
        }
    }

    #[test]
    fn append_remaps_ids_and_shifts_lines_retain_keeps_order() {
        let mut local = Table::new(&REL);
        local.push(&row(0, None, None), 1);
        local.push(&row(1, None, None), 2);
        let map: Vec<Sym> = (0..8).map(|i| Sym(100 + i)).collect();
        let mut all = Table::new(&REL);
        all.push(&row(3, None, None), 1);
        all.append(&local, 40, &map);
        assert_eq!(all.vals(1)[0], Val::Str(Sym(100)));
        assert_eq!(all.vals(2)[7], Val::Str(Sym(107)), "enum values are ids too");
        assert_eq!(all.vals(0)[0], Val::Str(Sym(3)), "rows before `first` keep their ids");
        assert_eq!((all.line(1), all.line(2)), (41, 42));
        all.retain(&[true, false, true]);
        assert_eq!(all.len(), 2);
        assert_eq!((all.vals(1)[0], all.line(1)), (Val::Str(Sym(101)), 42));
    }
}

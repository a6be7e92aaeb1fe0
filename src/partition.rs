//! Splitting a fact set into independent parts without copying it: each record is routed to one part, to every part
//! (shared lookup data) or to none (another machine's `--shard`), and a part is read through a [`View`] that yields its
//! rows in line order. Programs build their rule inputs from a view on the thread that evaluates the part, so only the
//! parts in flight exist as tuples.

use crate::facts::{FactSet, Rec};
use crate::store::{Table, Vals};

/// A record being routed: its fields are read one at a time (`get`), not decoded whole.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    table: &'a Table,
    row: usize,
}

impl Record<'_> {
    pub fn get(&self, field: usize) -> crate::value::Val {
        self.table.get(self.row, field)
    }
}

/// Where a record goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Part(usize),
    Every,
    Nowhere,
}

enum Grouping {
    Every,
    /// Row numbers grouped by part (in row order within a part): part `k` holds `rows[starts[k]..starts[k + 1]]`.
    Split {
        starts: Vec<u32>,
        rows: Vec<u32>,
    },
}

/// The rows of every relation, grouped into `parts` parts.
pub struct Partition {
    parts: usize,
    rels: Vec<Grouping>,
}

impl Partition {
    /// Routes every record with `route(relation name, values)`; a relation routed `Every` by its first record is
    /// shared whole (every record of it must route `Every`).
    pub fn new(facts: &FactSet, parts: usize, route: impl Fn(&str, Record) -> Route + Sync) -> Partition {
        let rels = facts
            .rels
            .iter()
            .map(|rel| {
                let name = rel.schema.name;
                let table = &rel.rows;
                // part numbers, with two sentinels: 4 bytes a record while routing
                const EVERY: u32 = u32::MAX;
                const NOWHERE: u32 = u32::MAX - 1;
                let mut routes: Vec<u32> = vec![0; table.len()];
                let fill = |from: usize, out: &mut [u32]| {
                    for (r, o) in (from..).zip(out) {
                        *o = match route(name, Record { table, row: r }) {
                            Route::Part(k) => {
                                assert!(k < parts, "`{name}` routed to part {k} of {parts}");
                                k as u32
                            }
                            Route::Every => EVERY,
                            Route::Nowhere => NOWHERE,
                        };
                    }
                };
                // a large relation's records are routed on every core, a slice each
                let per = table.len().div_ceil(crate::facts::cores()).max(1 << 16);
                if routes.len() <= per {
                    fill(0, &mut routes);
                } else {
                    std::thread::scope(|scope| {
                        for (i, out) in routes.chunks_mut(per).enumerate() {
                            let fill = &fill;
                            scope.spawn(move || fill(i * per, out));
                        }
                    });
                }
                if routes.first() == Some(&EVERY) {
                    assert!(routes.iter().all(|&r| r == EVERY), "`{name}` is shared only in part");
                    return Grouping::Every;
                }
                // counting sort by part: stable, so each part keeps line order
                let mut starts = vec![0u32; parts + 1];
                for &r in &routes {
                    match r {
                        NOWHERE => {}
                        EVERY => panic!("`{name}` is shared only in part"),
                        k => starts[k as usize + 1] += 1,
                    }
                }
                for k in 0..parts {
                    starts[k + 1] += starts[k];
                }
                let mut next = starts.clone();
                let mut rows = vec![0u32; starts[parts] as usize];
                for (row, &k) in routes.iter().enumerate() {
                    if k < NOWHERE {
                        rows[next[k as usize] as usize] = row as u32;
                        next[k as usize] += 1;
                    }
                }
                Grouping::Split { starts, rows }
            })
            .collect();
        Partition { parts, rels }
    }

    pub fn parts(&self) -> usize {
        self.parts
    }

    /// Part `k` of the facts.
    pub fn view<'a>(&'a self, facts: &'a FactSet, k: usize) -> View<'a> {
        View {
            facts,
            part: Some((self, k)),
        }
    }
}

/// The facts as a program's rules see them: every row, or the rows of one part.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub facts: &'a FactSet,
    part: Option<(&'a Partition, usize)>,
}

impl<'a> View<'a> {
    pub fn whole(facts: &'a FactSet) -> View<'a> {
        View { facts, part: None }
    }

    /// The rows of a relation in this view, in line order, each made into a `T` by `make` from its record reference
    /// and its fields read one at a time: a shard's input tuples, without decoding whole rows (a decoded row is 16
    /// values, copied on its way through `rows`' iterator).
    pub fn collect<T>(&self, name: &str, make: impl Fn(Rec, Record) -> T) -> Vec<T> {
        let i = self.facts.rel_index(name);
        let table = &self.facts.rels[i].rows;
        let one = |r: u32| make(Rec(i as u32, r), Record { table, row: r as usize });
        match self.picked(i) {
            Some(rows) => rows.iter().map(|&r| one(r)).collect(),
            None => (0..table.len() as u32).map(one).collect(),
        }
    }

    /// The least id in field `field` of a relation's rows in this view (none: no rows, or no id in that field).
    pub fn least(&self, name: &str, field: usize) -> Option<crate::intern::Sym> {
        let i = self.facts.rel_index(name);
        let table = &self.facts.rels[i].rows;
        let id = |r: u32| match table.get(r as usize, field) {
            crate::value::Val::Str(s) => Some(s),
            _ => None,
        };
        match self.picked(i) {
            Some(rows) => rows.iter().filter_map(|&r| id(r)).min(),
            None => (0..table.len() as u32).filter_map(id).min(),
        }
    }

    /// The rows of a relation in this view, in line order, with their record references.
    pub fn rows(&self, name: &str) -> Box<dyn Iterator<Item = (Rec, Vals)> + 'a> {
        let i = self.facts.rel_index(name);
        let table = &self.facts.rels[i].rows;
        let rec = move |r: u32| (Rec(i as u32, r), table.vals(r as usize));
        match self.picked(i) {
            Some(rows) => Box::new(rows.iter().map(move |&r| rec(r))),
            None => Box::new((0..table.len() as u32).map(rec)),
        }
    }

    /// The rows of every relation in this view.
    pub fn row_count(&self) -> usize {
        (0..self.facts.rels.len())
            .map(|i| match self.picked(i) {
                Some(rows) => rows.len(),
                None => self.facts.rels[i].rows.len(),
            })
            .sum()
    }

    /// The row numbers of relation `i` in this view, or `None` where the view holds all its rows.
    fn picked(&self, i: usize) -> Option<&'a [u32]> {
        let (partition, k) = self.part?;
        match &partition.rels[i] {
            Grouping::Every => None,
            Grouping::Split { starts, rows } => Some(&rows[starts[k] as usize..starts[k + 1] as usize]),
        }
    }
}

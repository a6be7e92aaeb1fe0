//! String interning. Ids are `u32`s whose order is the byte order of their strings (the table is renumbered
//! once loading is done), so rules may compare ids where a policy breaks ties by id.

use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sym(pub u32);

#[derive(Default, Debug)]
pub struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    strs: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = Sym(self.strs.len() as u32);
        self.strs.push(s.into());
        self.map.insert(s.into(), id);
        id
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    pub fn resolve(&self, id: Sym) -> &str {
        &self.strs[id.0 as usize]
    }

    /// The strings in id order.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.strs.iter().map(|s| &**s)
    }

    pub fn len(&self) -> usize {
        self.strs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strs.is_empty()
    }

    /// Renumbers the table in byte order of the strings; returns `old id → new id`.
    pub fn sort(&mut self) -> Vec<Sym> {
        let mut order: Vec<u32> = (0..self.strs.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.strs[a as usize].cmp(&self.strs[b as usize]));
        let mut remap = vec![Sym(0); order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = Sym(new as u32);
        }
        let mut strs: Vec<Box<str>> = Vec::with_capacity(self.strs.len());
        for &old in &order {
            strs.push(std::mem::take(&mut self.strs[old as usize]));
        }
        self.strs = strs;
        for v in self.map.values_mut() {
            *v = remap[v.0 as usize];
        }
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
}

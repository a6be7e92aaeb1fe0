//! What a program is to the engine: metadata (relations, parameters, clauses, message texts) and one function
//! that runs its ascent rules and hands back their output rows in the engine's generic shape.

use crate::error::InputError;
use crate::facts::{FactSet, Rec};
use crate::intern::Sym;
use crate::num::Dec;
use crate::params::{ParamSpec, Params};
use crate::schema::Relation;
use crate::time::Time;
use crate::value::Val;
use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Pass,
    Fail,
    Missing,
    /// Neither pass nor fail: a tier step, a flag or a reward that holds information only; on a verdict
    /// clause, the clause does not apply to the subject (neither failed nor missing).
    Info,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Missing => "missing",
            Outcome::Info => "info",
        }
    }
    pub fn of(pass: bool) -> Outcome {
        if pass {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Decides admission: appears in `failed`/`missing`.
    Verdict,
    Tier,
    Flag,
    Reward,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Verdict => "verdict",
            Role::Tier => "tier",
            Role::Flag => "flag",
            Role::Reward => "reward",
        }
    }
}

/// A clause, as the rules name it: an index into the program's `CLAUSES`, so rule tuples stay small and hash fast.
/// Programs declare their clauses with [`clauses!`](crate::clauses), which numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClauseId(pub u16);

/// Declares a program's clauses: one constant `ClauseId` per clause, numbered in order, and `CLAUSES`, their
/// metadata in the same order.
#[macro_export]
macro_rules! clauses {
    ($($name:ident : $meta:expr),* $(,)?) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[repr(u16)]
        enum ClauseIndex { $($name),* }
        $(const $name: $crate::program::ClauseId = $crate::program::ClauseId(ClauseIndex::$name as u16);)*
        const CLAUSES: &[$crate::program::ClauseMeta] = &[$($meta),*];
    };
}

/// One clause of the catalogue, with its texts in both languages.
#[derive(Clone, Copy, Debug)]
pub struct ClauseMeta {
    /// Without the program prefix: `merchant.experience-score`.
    pub id: &'static str,
    pub subject: &'static str,
    pub role: Role,
    /// The parameter whose value is the required value, if any.
    pub param: Option<&'static str>,
    /// How observed compares to required when it passes: "≥", "≤", "=", or "" when there is no comparison.
    pub op: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    /// A flag reported whatever the verdict (most flags are reported on admitted subjects only).
    pub always: bool,
}

/// A clause of the catalogue (`always` false; see [`ClauseMeta::reported_always`]).
pub const fn clause(
    id: &'static str,
    subject: &'static str,
    role: Role,
    param: Option<&'static str>,
    op: &'static str,
    en: &'static str,
    zh: &'static str,
) -> ClauseMeta {
    ClauseMeta {
        id,
        subject,
        role,
        param,
        op,
        en,
        zh,
        always: false,
    }
}

impl ClauseMeta {
    /// A flag reported whatever the subject's verdict.
    pub const fn reported_always(mut self) -> ClauseMeta {
        self.always = true;
        self
    }
}

/// A text template for derived explanation nodes; `{0}`, `{1}`… are replaced by the row's arguments.
#[derive(Clone, Copy, Debug)]
pub struct Message {
    pub key: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

pub struct Input<'a> {
    pub facts: &'a FactSet,
    pub params: &'a Params,
    pub as_of: Time,
    /// The subjects whose full explanations are wanted: rules that only produce evidence trees run for them alone.
    pub explain: &'a [SubjectId],
    /// Subjects per shard for programs that shard their facts (0 = the program's default).
    pub shard_size: usize,
    /// `run --shard K/N`: evaluate part k (0-based) of n only.
    pub part: Option<(usize, usize)>,
    /// Whether the caller reads the rows that explain verdicts (cites, details, nests). A batch run writes verdicts
    /// only, so a program may leave those rows out of the derivation it hands back; its rules derive them all the same.
    pub evidence: bool,
    /// Batch runs: a program that shards its facts hands each shard's derivation here, from the thread that derived
    /// it, instead of appending them all into one (so a shard is rendered and dropped before the run ends).
    pub sink: Option<ShardSink<'a>>,
    /// Called with (shards done, shards) as shards finish (progress on a terminal).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

pub type ShardSink<'a> = &'a dyn Sink;

/// Where a batch run's derivations go (`Input::sink`).
pub trait Sink: Sync {
    /// Before any shard starts: each shard's floor, the least (kind, id) among the subjects it can derive (none: it
    /// derives no subject). What comes below every unfinished shard's floor can be written while they run.
    fn plan(&self, floors: &[Option<(&'static str, Sym)>]);
    /// A shard's derivation, numbered as in the plan (none: the whole derivation of a program that does not shard).
    fn shard(&self, shard: Option<usize>, der: Derivation);
    /// True once the sink can take no more (its output failed): shards not yet started are not evaluated, so that a
    /// full disk is reported when it happens rather than after the rest of the run.
    fn stopped(&self) -> bool {
        false
    }
}

pub struct Program {
    pub id: &'static str,
    pub title_en: &'static str,
    pub title_zh: &'static str,
    /// Subject kinds with where their subjects come from (for `rules` and for `explain` of a non-subject).
    pub subject_kinds: &'static [(&'static str, &'static str)],
    pub relations: &'static [Relation],
    pub params: &'static [ParamSpec],
    pub clauses: &'static [ClauseMeta],
    pub messages: &'static [Message],
    /// Checks across parameters that their types cannot express (a table's order, a bound): (parameter, what is wrong).
    pub validate: fn(&Params) -> Vec<(&'static str, String)>,
    /// Checks of facts against parameters (a record naming a package the `packages` table lacks).
    pub validate_facts: fn(&FactSet, &Params) -> Vec<InputError>,
    pub evaluate: fn(&Input) -> Derivation,
    /// The program evaluates only the part `Input::part` names (whole independent groups of subjects); otherwise
    /// the engine evaluates everything and keeps the part's subjects, spread by a hash of kind and id.
    pub partitions_itself: bool,
}

/// For programs whose facts need no check against their parameters.
pub fn no_fact_validation(_: &FactSet, _: &Params) -> Vec<InputError> {
    Vec::new()
}

/// For programs whose parameter types say it all.
pub fn no_validation(_: &Params) -> Vec<(&'static str, String)> {
    Vec::new()
}

impl Program {
    pub fn meta(&self, id: ClauseId) -> &ClauseMeta {
        &self.clauses[id.0 as usize]
    }
    /// `program/clause`, as verdicts cite it.
    pub fn full_id(&self, id: ClauseId) -> String {
        format!("{}/{}", self.id, self.meta(id).id)
    }
    pub fn message(&self, key: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.key == key)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubjectId {
    pub kind: String,
    pub id: String,
}

impl SubjectId {
    /// `KIND:ID`, split at the first colon.
    pub fn parse(s: &str) -> Option<SubjectId> {
        let (k, i) = s.split_once(':')?;
        (!k.is_empty() && !i.is_empty()).then(|| SubjectId {
            kind: k.into(),
            id: i.into(),
        })
    }
}

impl std::fmt::Display for SubjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// Subject index into `Derivation::subjects`.
pub type Subj = u32;

#[derive(Clone, Debug)]
pub struct Check {
    pub subj: Subj,
    pub clause: ClauseId,
    pub outcome: Outcome,
    pub observed: Val,
    pub required: Val,
}

/// A derived explanation node under a clause: `path` places it in the clause's subtree (children sort by path).
#[derive(Clone, Debug)]
pub struct Detail {
    pub subj: Subj,
    pub clause: ClauseId,
    pub path: Vec<u32>,
    pub msg: &'static str,
    pub args: Vec<Val>,
    pub evidence: Vec<Rec>,
}

impl Detail {
    /// A note a rule attached to a clause outcome (why evidence is missing, what was counted): first under the
    /// clause, its arguments without the empty ones.
    pub fn note(subj: Subj, clause: ClauseId, msg: &'static str, args: &[Val]) -> Detail {
        let args = args.iter().copied().filter(|a| *a != Val::Null).collect();
        Detail {
            subj,
            clause,
            path: vec![0],
            msg,
            args,
            evidence: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Reward {
    pub subj: Subj,
    pub clause: ClauseId,
    pub kind: &'static str,
    pub amount: Dec,
    pub unit: &'static str,
    pub extra: Vec<(&'static str, Val)>,
    pub evidence: Vec<Rec>,
}

/// Everything a program derived, in the engine's shape. Every row comes from a relation of the program's rules.
#[derive(Default, Debug)]
pub struct Derivation {
    pub subjects: Vec<SubjectId>,
    pub checks: Vec<Check>,
    /// Records behind a clause outcome.
    pub cites: Vec<(Subj, ClauseId, Rec)>,
    pub details: Vec<Detail>,
    pub tiers: Vec<(Subj, &'static str)>,
    pub flags: Vec<(Subj, ClauseId)>,
    pub rewards: Vec<Reward>,
    /// Extra output fields a program declares (`points`).
    pub fields: Vec<(Subj, &'static str, Val)>,
    /// A clause that carries another subject's verdict shows that subject's tree under it:
    /// (subject, clause, nested subject).
    pub nests: Vec<(Subj, ClauseId, Subj)>,
}

/// Builds the subject list: programs add subjects under their own keys, then look indices up by key.
pub struct Subjects<K> {
    index: FxHashMap<(&'static str, K), Subj>,
    list: Vec<SubjectId>,
}

impl<K: std::hash::Hash + Eq + Copy> Default for Subjects<K> {
    fn default() -> Self {
        Subjects::with_capacity(0)
    }
}

impl<K: std::hash::Hash + Eq + Copy> Subjects<K> {
    /// Room for `n` subjects (a shard knows how many it has: its index then never grows and rehashes).
    pub fn with_capacity(n: usize) -> Self {
        Subjects {
            index: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            list: Vec::with_capacity(n),
        }
    }

    pub fn add(&mut self, kind: &'static str, key: K, id: impl FnOnce() -> String) -> Subj {
        let next = self.list.len() as Subj;
        let list = &mut self.list;
        *self.index.entry((kind, key)).or_insert_with(|| {
            list.push(SubjectId {
                kind: kind.into(),
                id: id(),
            });
            next
        })
    }
    pub fn get(&self, kind: &'static str, key: K) -> Subj {
        *self
            .index
            .get(&(kind, key))
            .unwrap_or_else(|| panic!("a rule cites a {kind} that is not a subject"))
    }
    pub fn into_list(self) -> Vec<SubjectId> {
        self.list
    }
}

impl Derivation {
    /// Appends another derivation over disjoint subjects (a shard's), renumbering its subjects after ours.
    pub fn append(&mut self, other: Derivation) {
        if self.subjects.is_empty() {
            // the first shard (or the only one) is taken as it is, without renumbering or copying its rows
            *self = other;
            return;
        }
        let off = self.subjects.len() as Subj;
        self.subjects.extend(other.subjects);
        self.checks.extend(other.checks.into_iter().map(|mut c| {
            c.subj += off;
            c
        }));
        self.cites.extend(other.cites.into_iter().map(|(s, c, r)| (s + off, c, r)));
        self.details.extend(other.details.into_iter().map(|mut d| {
            d.subj += off;
            d
        }));
        self.tiers.extend(other.tiers.into_iter().map(|(s, t)| (s + off, t)));
        self.flags.extend(other.flags.into_iter().map(|(s, f)| (s + off, f)));
        self.rewards.extend(other.rewards.into_iter().map(|mut r| {
            r.subj += off;
            r
        }));
        self.fields.extend(other.fields.into_iter().map(|(s, n, v)| (s + off, n, v)));
        self.nests.extend(other.nests.into_iter().map(|(s, c, i)| (s + off, c, i + off)));
    }
}

/// Runs a program's rules over independent shards of its facts on both cores, and puts the results together in
/// shard order (so the output does not depend on which thread finished first) — or, in a batch run with a sink,
/// hands each shard's derivation to the sink and returns an empty one. The first shard runs alone, and the sizes its
/// tables reach size the tables of the rest (`crate::sizes`). Shards are taken in order; with `floors` (one per
/// shard, see `Sink::plan`), a batch run's output is written while later shards still run.
pub fn evaluate_shards<T: Send>(
    input: &Input,
    shards: Vec<T>,
    floors: Option<Vec<Option<(&'static str, Sym)>>>,
    weight: fn(&T) -> usize,
    run: fn(&Input, T) -> Derivation,
) -> Derivation {
    let n = shards.len();
    if let (Some(sink), Some(floors)) = (input.sink, floors) {
        assert_eq!(floors.len(), n, "a floor per shard");
        sink.plan(&floors);
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let finished = |i: usize, der: Derivation, results: &std::sync::Mutex<Vec<Option<Derivation>>>| {
        match input.sink {
            Some(sink) => sink.shard(Some(i), der),
            None => results.lock().expect("results")[i] = Some(der),
        }
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(progress) = input.progress {
            progress(d, n);
        }
    };
    let results = std::sync::Mutex::new((0..n).map(|_| None).collect::<Vec<Option<Derivation>>>());
    let queue = std::sync::Mutex::new(shards.into_iter().enumerate().rev().collect::<Vec<_>>());
    let next = || match input.sink.is_some_and(|s| s.stopped()) {
        true => None,
        false => queue.lock().expect("queue").pop(),
    };
    let sizes = match next() {
        Some((i, shard)) => {
            let (der, sizes) = crate::sizes::learn(weight(&shard), || run(input, shard));
            finished(i, der, &results);
            sizes
        }
        None => Default::default(),
    };
    let work = || {
        while let Some((i, shard)) = next() {
            let der = crate::sizes::using(&sizes, weight(&shard), || run(input, shard));
            finished(i, der, &results);
        }
    };
    let threads = crate::facts::cores().min(n.saturating_sub(1));
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(work);
            }
        });
    }
    let mut all = Derivation::default();
    for der in results.into_inner().expect("results").into_iter().flatten() {
        all.append(der);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A sink that takes `limit` shards and then says it can take no more.
    struct StopsAfter {
        taken: AtomicUsize,
        limit: usize,
    }

    impl Sink for StopsAfter {
        fn plan(&self, _: &[Option<(&'static str, Sym)>]) {}
        fn shard(&self, _: Option<usize>, _: Derivation) {
            self.taken.fetch_add(1, Ordering::Relaxed);
        }
        fn stopped(&self) -> bool {
            self.taken.load(Ordering::Relaxed) >= self.limit
        }
    }

    static EVALUATED: AtomicUsize = AtomicUsize::new(0);

    fn count(_: &Input, _: usize) -> Derivation {
        EVALUATED.fetch_add(1, Ordering::Relaxed);
        Derivation::default()
    }

    /// Once the output has failed, the shards not yet started are skipped (a full disk is reported when it fills).
    #[test]
    fn no_shard_starts_once_the_sink_has_stopped() {
        let program = crate::registry::find("douyin-nianhuo-2023").unwrap();
        let facts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("facts/douyin-nianhuo-2023");
        let opts = crate::engine::Options {
            facts,
            params: None,
            as_of: None,
            allow_unknown: false,
        };
        let loaded = crate::engine::load(program, &opts).unwrap();
        for (limit, evaluated) in [(1, 1), (usize::MAX, 40)] {
            let sink = StopsAfter {
                taken: AtomicUsize::new(0),
                limit,
            };
            let input = Input {
                facts: &loaded.facts,
                params: &loaded.params,
                as_of: loaded.as_of().unwrap(),
                explain: &[],
                shard_size: 0,
                part: None,
                evidence: false,
                sink: Some(&sink),
                progress: None,
            };
            EVALUATED.store(0, Ordering::Relaxed);
            evaluate_shards(&input, (0..40).collect(), None, |_| 1, count);
            // the first shard runs alone (it sizes the tables of the rest); the stop is seen before any other starts
            assert_eq!(EVALUATED.load(Ordering::Relaxed), evaluated, "limit {limit}");
            assert_eq!(sink.taken.load(Ordering::Relaxed), evaluated);
        }
    }
}

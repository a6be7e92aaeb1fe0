//! From a program's derived rows to verdict records, with the common semantics: failed = every failing verdict
//! clause, missing = every verdict clause without evidence; rejected > undetermined > admitted; tier, flags and
//! rewards only for admitted subjects (unless a flag says otherwise).

use crate::facts::Rec;
use crate::intern::Interner;
use crate::program::{Check, ClauseId, Derivation, Detail, Outcome, Program, Reward, Role, Subj, SubjectId};
use crate::value::dec_json;
use serde_json::{Map, Value as Json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Admitted,
    Rejected,
    Undetermined,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Admitted => "admitted",
            Status::Rejected => "rejected",
            Status::Undetermined => "undetermined",
        }
    }
}

/// One subject's verdict, ready to write.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub subj: Subj,
    pub status: Status,
    pub tier: Option<&'static str>,
    /// Clauses, in catalogue order; rendered as `program/clause` (`Program::full_id`).
    pub failed: Vec<ClauseId>,
    pub missing: Vec<ClauseId>,
    pub flags: Vec<ClauseId>,
    pub rewards: Vec<Json>,
    pub fields: Vec<(&'static str, Json)>,
}

/// A program's derivation with its rows grouped by subject and the verdicts computed.
pub struct Evaluation {
    pub program: &'static Program,
    pub der: Derivation,
    /// Subjects sorted by kind, then id (byte order); in derivation order from `unordered`.
    pub order: Vec<Subj>,
    /// Per subject: indices into `der.checks`, `der.cites`, `der.details`, `der.nests`, `der.rewards`.
    pub checks: Groups,
    pub cites: Groups,
    pub details: Groups,
    pub nests: Groups,
    pub rewards: Groups,
    pub verdicts: Vec<Verdict>,
}

/// Row indices grouped by subject, each group in row order: one flat list and where each subject's part starts,
/// rather than a vector per subject (a batch shard has thousands of subjects and five kinds of rows).
pub struct Groups {
    start: Vec<u32>,
    rows: Vec<u32>,
}

impl Groups {
    fn new(n: usize, subjects: impl Iterator<Item = Subj> + Clone) -> Groups {
        let mut start = vec![0u32; n + 1];
        for s in subjects.clone() {
            start[s as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut rows = vec![0u32; start[n] as usize];
        for (i, s) in subjects.enumerate() {
            let at = &mut next[s as usize];
            rows[*at as usize] = i as u32;
            *at += 1;
        }
        Groups { start, rows }
    }

    /// The row indices of subject `s`.
    pub fn of(&self, s: Subj) -> impl Iterator<Item = usize> + '_ {
        let (a, b) = (self.start[s as usize] as usize, self.start[s as usize + 1] as usize);
        self.rows[a..b].iter().map(|&i| i as usize)
    }
}

impl Evaluation {
    /// Groups rows, checks that the rules gave each subject exactly one outcome per verdict clause of its kind,
    /// and computes the verdicts. A broken invariant is our bug, reported as an internal error.
    pub fn new(program: &'static Program, der: Derivation, syms: &Interner) -> Result<Evaluation, String> {
        let mut eval = Evaluation::unordered(program, der, syms)?;
        let subjects = &eval.der.subjects;
        eval.order.sort_by(|&a, &b| {
            let (x, y): (&SubjectId, &SubjectId) = (&subjects[a as usize], &subjects[b as usize]);
            x.kind
                .as_bytes()
                .cmp(y.kind.as_bytes())
                .then_with(|| x.id.as_bytes().cmp(y.id.as_bytes()))
        });
        Ok(eval)
    }

    /// `new` with `order` in derivation order, not sorted: for a batch run's shard, whose records the spool sorts
    /// with every other shard's anyway (`find` needs the sorted order).
    pub fn unordered(program: &'static Program, mut der: Derivation, syms: &Interner) -> Result<Evaluation, String> {
        let n = der.subjects.len();
        // rewards in a stable order whatever the input order: by clause, kind, whom they go to (the extra fields), amount
        der.rewards.sort_by_cached_key(|r| {
            (
                r.subj,
                r.clause,
                r.kind,
                r.extra.iter().map(|(k, v)| format!("{k}={}", v.text(syms))).collect::<Vec<_>>(),
                r.amount,
            )
        });
        // Kinds as small numbers, found once per subject and clause: this runs for every subject of a batch run, and
        // comparing kind strings for every clause of every subject was most of it.
        let mut kinds: Vec<&str> = Vec::new();
        let subject_kind: Vec<u32> = (der.subjects.iter())
            .map(|subject| crate::intern::index_of(&mut kinds, subject.kind.as_str()) as u32)
            .collect();
        let clause_kind: Vec<Option<u32>> = (program.clauses.iter())
            .map(|meta| kinds.iter().position(|k| *k == meta.subject).map(|k| k as u32))
            .collect();
        for c in &der.checks {
            if clause_kind[c.clause.0 as usize] != Some(subject_kind[c.subj as usize]) {
                let (meta, kind) = (program.meta(c.clause), &der.subjects[c.subj as usize].kind);
                return Err(format!("clause `{}` decided for a {kind}", meta.id));
            }
        }
        // the verdict clauses of each kind
        let verdict_clauses: Vec<Vec<ClauseId>> = (0..kinds.len())
            .map(|k| {
                (program.clauses.iter().enumerate())
                    .filter(|(i, meta)| clause_kind[*i] == Some(k as u32) && meta.role == Role::Verdict)
                    .map(|(i, _)| ClauseId(i as u16))
                    .collect()
            })
            .collect();
        let checks = Groups::new(n, der.checks.iter().map(|c| c.subj));
        let mut verdicts = Vec::with_capacity(n);
        for (s, subject) in der.subjects.iter().enumerate() {
            let mut failed = Vec::new();
            let mut missing = Vec::new();
            for &id in &verdict_clauses[subject_kind[s] as usize] {
                // exactly one outcome per verdict clause (no allocation: this runs for every subject and clause)
                let (mut n, mut outcome) = (0, Outcome::Pass);
                for c in checks.of(s as Subj).map(|i| &der.checks[i]).filter(|c| c.clause == id) {
                    n += 1;
                    outcome = c.outcome;
                }
                if n != 1 {
                    return Err(format!(
                        "{n} rows for clause `{}` of {}:{} (expected exactly one)",
                        program.meta(id).id,
                        subject.kind,
                        subject.id
                    ));
                }
                match outcome {
                    Outcome::Fail => failed.push(id),
                    Outcome::Missing => missing.push(id),
                    // info on a verdict clause: the clause does not apply to this subject (an apparel-only
                    // clause on a general session), so it is neither failed nor missing
                    Outcome::Pass | Outcome::Info => {}
                }
            }
            let status = if !failed.is_empty() {
                Status::Rejected
            } else if !missing.is_empty() {
                Status::Undetermined
            } else {
                Status::Admitted
            };
            let (flags, rewards, fields) = (Vec::new(), Vec::new(), Vec::new());
            verdicts.push(Verdict {
                subj: s as Subj,
                status,
                tier: None,
                failed,
                missing,
                flags,
                rewards,
                fields,
            });
        }
        for &(s, tier) in &der.tiers {
            let v = &mut verdicts[s as usize];
            if v.status == Status::Admitted {
                if v.tier.is_some() {
                    return Err(format!("two tiers for {}", der.subjects[s as usize]));
                }
                v.tier = Some(tier);
            }
        }
        // flags in catalogue order, each once
        let mut flags: Vec<(Subj, ClauseId)> = der.flags.clone();
        flags.sort_unstable();
        flags.dedup();
        for (s, flag) in flags {
            let v = &mut verdicts[s as usize];
            if program.meta(flag).always || v.status == Status::Admitted {
                v.flags.push(flag);
            }
        }
        for r in &der.rewards {
            let v = &mut verdicts[r.subj as usize];
            if v.status == Status::Admitted {
                let mut m = Map::new();
                m.insert("kind".into(), Json::String(r.kind.into()));
                m.insert("amount".into(), dec_json(r.amount));
                m.insert("unit".into(), Json::String(r.unit.into()));
                for (k, val) in &r.extra {
                    m.insert((*k).into(), val.json(syms));
                }
                v.rewards.push(Json::Object(m));
            }
        }
        for (s, name, val) in &der.fields {
            verdicts[*s as usize].fields.push((name, val.json(syms)));
        }
        let order: Vec<Subj> = (0..n as Subj).collect();
        let cites = Groups::new(n, der.cites.iter().map(|c| c.0));
        let details = Groups::new(n, der.details.iter().map(|d| d.subj));
        let nests = Groups::new(n, der.nests.iter().map(|x| x.0));
        let rewards = Groups::new(n, der.rewards.iter().map(|r| r.subj));
        Ok(Evaluation {
            program,
            der,
            order,
            checks,
            cites,
            details,
            nests,
            rewards,
            verdicts,
        })
    }

    pub fn subject(&self, s: Subj) -> &SubjectId {
        &self.der.subjects[s as usize]
    }

    /// The subject with this kind and id (binary search over the sorted order).
    pub fn find(&self, id: &SubjectId) -> Option<Subj> {
        let key = (id.kind.as_bytes(), id.id.as_bytes());
        self.order
            .binary_search_by(|&s| {
                let x = &self.der.subjects[s as usize];
                (x.kind.as_bytes(), x.id.as_bytes()).cmp(&key)
            })
            .ok()
            .map(|i| self.order[i])
    }

    pub fn check_rows(&self, s: Subj) -> impl Iterator<Item = &Check> {
        self.checks.of(s).map(|i| &self.der.checks[i])
    }

    /// Records cited for a clause of a subject.
    pub fn cited(&self, s: Subj, clause: ClauseId) -> impl Iterator<Item = Rec> + '_ {
        self.cites
            .of(s)
            .map(|i| &self.der.cites[i])
            .filter(move |c| c.1 == clause)
            .map(|c| c.2)
    }

    pub fn detail_rows(&self, s: Subj, clause: ClauseId) -> Vec<&Detail> {
        self.details
            .of(s)
            .map(|i| &self.der.details[i])
            .filter(|d| d.clause == clause)
            .collect()
    }

    pub fn nested(&self, s: Subj, clause: ClauseId) -> Vec<Subj> {
        self.nests
            .of(s)
            .map(|i| self.der.nests[i])
            .filter(|x| x.1 == clause)
            .map(|x| x.2)
            .collect()
    }

    pub fn reward_rows(&self, s: Subj, clause: ClauseId) -> Vec<&Reward> {
        self.rewards
            .of(s)
            .map(|i| &self.der.rewards[i])
            .filter(|r| r.clause == clause)
            .collect()
    }
}

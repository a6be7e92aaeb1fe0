//! From a program's derived rows to verdict records, with the common semantics: failed = every failing verdict
//! clause, missing = every verdict clause without evidence; rejected > undetermined > admitted; tier, flags and
//! rewards only for admitted subjects (unless a flag says otherwise).

use crate::intern::Interner;
use crate::program::{Check, Derivation, Outcome, Program, Role, Subj, SubjectId};
use crate::value::{dec_json, Val};
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
    pub failed: Vec<String>,
    pub missing: Vec<String>,
    pub flags: Vec<String>,
    pub rewards: Vec<Json>,
    pub fields: Vec<(&'static str, Json)>,
}

/// A program's derivation with its rows grouped by subject and the verdicts computed.
pub struct Evaluation {
    pub program: &'static Program,
    pub der: Derivation,
    /// Subjects sorted by kind, then id (byte order).
    pub order: Vec<Subj>,
    pub checks: Vec<Vec<usize>>,
    pub verdicts: Vec<Verdict>,
}

impl Evaluation {
    /// Groups rows, checks that the rules gave each subject exactly one outcome per verdict clause of its kind,
    /// and computes the verdicts. A broken invariant is our bug, reported as an internal error.
    pub fn new(program: &'static Program, der: Derivation, syms: &Interner) -> Result<Evaluation, String> {
        let n = der.subjects.len();
        let mut checks = vec![Vec::new(); n];
        for (i, c) in der.checks.iter().enumerate() {
            let meta = program
                .clause(c.clause)
                .ok_or_else(|| format!("rules cite an unknown clause `{}`", c.clause))?;
            if meta.subject != der.subjects[c.subj as usize].kind {
                return Err(format!(
                    "clause `{}` decided for a {}",
                    c.clause, der.subjects[c.subj as usize].kind
                ));
            }
            checks[c.subj as usize].push(i);
        }
        let prefix = |c: &str| format!("{}/{}", program.id, c);
        let mut verdicts = Vec::with_capacity(n);
        for (s, subject) in der.subjects.iter().enumerate() {
            let mut failed = Vec::new();
            let mut missing = Vec::new();
            for meta in program
                .clauses
                .iter()
                .filter(|m| m.subject == subject.kind && m.role == Role::Verdict)
            {
                let rows: Vec<&Check> = checks[s].iter().map(|&i| &der.checks[i]).filter(|c| c.clause == meta.id).collect();
                if rows.len() != 1 {
                    return Err(format!(
                        "{} rows for clause `{}` of {}:{} (expected exactly one)",
                        rows.len(),
                        meta.id,
                        subject.kind,
                        subject.id
                    ));
                }
                match rows[0].outcome {
                    Outcome::Fail => failed.push(prefix(meta.id)),
                    Outcome::Missing => missing.push(prefix(meta.id)),
                    Outcome::Pass => {}
                    Outcome::Info => return Err(format!("verdict clause `{}` has an info outcome", meta.id)),
                }
            }
            let status = if !failed.is_empty() {
                Status::Rejected
            } else if !missing.is_empty() {
                Status::Undetermined
            } else {
                Status::Admitted
            };
            verdicts.push(Verdict {
                subj: s as Subj,
                status,
                tier: None,
                failed,
                missing,
                flags: Vec::new(),
                rewards: Vec::new(),
                fields: Vec::new(),
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
        for &(s, flag) in &der.flags {
            let meta = program
                .clause(flag)
                .ok_or_else(|| format!("rules raise an unknown flag `{flag}`"))?;
            let v = &mut verdicts[s as usize];
            if meta.always || v.status == Status::Admitted {
                v.flags.push(prefix(flag));
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
        for v in &mut verdicts {
            let order = |id: &String| program.clauses.iter().position(|c| prefix(c.id) == *id);
            v.flags.sort_by_key(order);
            v.flags.dedup();
            v.rewards.sort_by_key(|j| j.to_string());
        }
        let mut order: Vec<Subj> = (0..n as Subj).collect();
        order.sort_by(|&a, &b| {
            let (x, y): (&SubjectId, &SubjectId) = (&der.subjects[a as usize], &der.subjects[b as usize]);
            x.kind
                .as_bytes()
                .cmp(y.kind.as_bytes())
                .then_with(|| x.id.as_bytes().cmp(y.id.as_bytes()))
        });
        Ok(Evaluation {
            program,
            der,
            order,
            checks,
            verdicts,
        })
    }

    pub fn subject(&self, s: Subj) -> &SubjectId {
        &self.der.subjects[s as usize]
    }

    pub fn find(&self, id: &SubjectId) -> Option<Subj> {
        self.der.subjects.iter().position(|s| s == id).map(|i| i as Subj)
    }

    pub fn check_rows(&self, s: Subj) -> impl Iterator<Item = &Check> {
        self.checks[s as usize].iter().map(|&i| &self.der.checks[i])
    }
}

/// Used by explanations to show a value with its comparison.
pub fn val_is_null(v: &Val) -> bool {
    *v == Val::Null
}

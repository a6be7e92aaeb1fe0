//! Scenario tests as data: every file under `tests/cases/<program>/` holds small fact sets with the verdicts and
//! clause outcomes they must give. One test runs them all and reports every mismatch at once.

mod common;
use common::*;

use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use zhunru::engine::{self, Options};
use zhunru::program::{Outcome, Role, SubjectId};
use zhunru::registry;
use zhunru::verdict::Evaluation;

fn case_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/cases") {
        let dir = dir.expect("entry").path();
        for f in std::fs::read_dir(&dir).expect("program dir") {
            let f = f.expect("entry").path();
            if f.extension().is_some_and(|e| e == "json") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).expect("case file")).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes common facts plus the case's own (appended, relation by relation) as `.jsonl` files, and params.json.
fn write_fact_set(dir: &Path, file: &Json, case: &Json) {
    let mut rels: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for src in [&file["common"], &case["facts"]] {
        if let Some(o) = src.as_object() {
            for (rel, rows) in o {
                rels.entry(rel.clone())
                    .or_default()
                    .extend(rows.as_array().expect("rows").iter().cloned());
            }
        }
    }
    for (rel, rows) in rels {
        let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(dir.join(format!("{rel}.jsonl")), text).expect("write facts");
    }
    let mut params = Map::new();
    params.insert("as_of".into(), case.get("as_of").unwrap_or(&file["as_of"]).clone());
    // the file's parameters, then the case's
    for src in [&file["params"], &case["params"]] {
        if let Some(p) = src.as_object() {
            params.extend(p.clone());
        }
    }
    std::fs::write(dir.join("params.json"), Json::Object(params).to_string()).expect("write params");
}

fn check_subject(eval: &Evaluation, syms: &zhunru::intern::Interner, id: &SubjectId, want: &Json, errs: &mut Vec<String>) {
    let program = eval.program.id;
    let full = |c: &str| format!("{program}/{c}");
    let Some(s) = eval.find(id) else {
        if !want.is_null() {
            errs.push(format!("{id}: not a subject, expected one"));
        }
        return;
    };
    if want.is_null() {
        errs.push(format!("{id}: is a subject, expected none"));
        return;
    }
    let v = &eval.verdicts[s as usize];
    let ids = |l: &[zhunru::program::ClauseId]| l.iter().map(|&c| eval.program.full_id(c)).collect::<Vec<_>>();
    if let Some(verdict) = want["verdict"].as_str() {
        if verdict != v.status.name() {
            errs.push(format!(
                "{id}: verdict {} (failed {:?}, missing {:?}), expected {verdict}",
                v.status.name(),
                ids(&v.failed),
                ids(&v.missing)
            ));
        }
    }
    for (key, got) in [("failed", &v.failed), ("missing", &v.missing), ("flags", &v.flags)] {
        if let Some(list) = want[key].as_array() {
            let expected: Vec<String> = list.iter().map(|c| full(c.as_str().expect("clause id"))).collect();
            let got = ids(got);
            if expected != got {
                errs.push(format!("{id}: {key} {got:?}, expected {expected:?}"));
            }
        }
    }
    if let Some(tier) = want.get("tier") {
        let got = v.tier.map(|t| Json::String(t.into())).unwrap_or(Json::Null);
        if &got != tier {
            errs.push(format!("{id}: tier {got}, expected {tier}"));
        }
    }
    if let Some(rewards) = want.get("rewards") {
        if !same_json(&Json::Array(v.rewards.clone()), rewards) {
            errs.push(format!("{id}: rewards {:?}, expected {rewards}", v.rewards));
        }
    }
    if let Some(m) = want["clauses"].as_object() {
        for (clause, outcome) in m {
            let got: Vec<&str> = eval
                .check_rows(s)
                .filter(|c| eval.program.meta(c.clause).id == clause)
                .map(|c| c.outcome.name())
                .collect();
            if got != [outcome.as_str().expect("outcome")] {
                errs.push(format!("{id}: {clause} outcome {got:?}, expected {outcome}"));
            }
        }
    }
    if let Some(m) = want["reward_clauses"].as_object() {
        for (clause, amounts) in m {
            // granted rewards only: a subject that is not admitted gets none, whatever its rules derived
            let granted = v.status == zhunru::verdict::Status::Admitted;
            let got: Vec<Json> = eval
                .der
                .rewards
                .iter()
                .filter(|r| granted && r.subj == s && eval.program.meta(r.clause).id == clause)
                .map(|r| r.amount.to_string().parse().unwrap())
                .collect();
            if !same_json(&Json::Array(got.clone()), amounts) {
                errs.push(format!("{id}: {clause} amounts {got:?}, expected {amounts}"));
            }
        }
    }
    if let Some(m) = want["observed"].as_object() {
        for (clause, value) in m {
            let got: Vec<Json> = eval
                .check_rows(s)
                .filter(|c| eval.program.meta(c.clause).id == clause)
                .map(|c| c.observed.json(syms))
                .collect();
            if got.len() != 1 || !same_json(&got[0], value) {
                errs.push(format!("{id}: {clause} observed {got:?}, expected {value}"));
            }
        }
    }
}

#[test]
fn scenarios_give_the_expected_verdicts() {
    let mut errs = Vec::new();
    let mut count = 0;
    for path in case_files() {
        let file = read(&path);
        let program = registry::find(file["program"].as_str().expect("program")).expect("known program");
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for (i, case) in file["cases"].as_array().expect("cases").iter().enumerate() {
            count += 1;
            let name = format!(
                "{}#{} {}",
                path.file_name().unwrap().to_string_lossy(),
                i + 1,
                case["name"].as_str().unwrap_or("")
            );
            let dir = scratch(&format!("{stem}-{i}"));
            write_fact_set(&dir, &file, case);
            let opts = Options {
                facts: dir.clone(),
                ..Options::default()
            };
            let result = engine::load(program, &opts).and_then(|l| l.evaluate(program, &[]).map(|e| (l, e)));
            match result {
                Err(f) => errs.push(format!("{name}: {f}")),
                Ok((loaded, eval)) => {
                    let mut case_errs = Vec::new();
                    for (id, want) in case["expect"].as_object().expect("expect") {
                        let id = SubjectId::parse(id).expect("KIND:ID");
                        check_subject(&eval, &loaded.facts.syms, &id, want, &mut case_errs);
                    }
                    errs.extend(case_errs.into_iter().map(|e| format!("{name}: {e}")));
                }
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    assert!(count > 0, "no scenario ran");
    assert!(
        errs.is_empty(),
        "{} mismatches in {count} scenarios:\n{}",
        errs.len(),
        errs.join("\n")
    );
}

/// Verdict clauses the catalogue lets only pass or lack evidence.
const ONLY_PASS_OR_MISSING: &[&str] = &["1688-anchor-levels/level.points", "1688-anchor-levels/level.basic-requirements"];

/// Every clause of every program appears in some scenario's expectations; every verdict clause has a scenario
/// where it passes and one where it fails.
#[test]
fn every_clause_is_covered_by_scenarios() {
    let mut seen: BTreeSet<(String, String, &'static str)> = BTreeSet::new();
    for path in case_files() {
        let file = read(&path);
        let program = file["program"].as_str().expect("program").to_string();
        for case in file["cases"].as_array().expect("cases") {
            for want in case["expect"].as_object().expect("expect").values() {
                let mut note = |clause: &str, o: &'static str| {
                    seen.insert((program.clone(), clause.to_string(), o));
                };
                for (clause, o) in want["clauses"].as_object().into_iter().flatten() {
                    note(clause, "any");
                    match o.as_str() {
                        Some("pass") => note(clause, Outcome::Pass.name()),
                        Some("fail") => note(clause, Outcome::Fail.name()),
                        Some("missing") => note(clause, Outcome::Missing.name()),
                        _ => {}
                    }
                }
                for key in ["failed", "missing", "flags"] {
                    for c in want[key].as_array().into_iter().flatten() {
                        note(c.as_str().expect("clause"), "any");
                        if key == "failed" {
                            note(c.as_str().expect("clause"), "fail");
                        }
                        if key == "missing" {
                            note(c.as_str().expect("clause"), "missing");
                        }
                    }
                }
                for clause in want["reward_clauses"].as_object().into_iter().flatten().map(|(c, _)| c) {
                    note(clause, "any");
                }
            }
        }
    }
    let mut gaps = Vec::new();
    for p in registry::PROGRAMS {
        for c in p.clauses {
            if !seen.contains(&(p.id.to_string(), c.id.to_string(), "any")) {
                gaps.push(format!("{}/{} appears in no scenario", p.id, c.id));
            }
            if c.role == Role::Verdict {
                // the 1688 shop clauses decide a level or points and never fail: they pass or lack evidence
                let only_missing = ONLY_PASS_OR_MISSING.contains(&format!("{}/{}", p.id, c.id).as_str());
                for o in ["pass", if only_missing { "missing" } else { "fail" }] {
                    if !seen.contains(&(p.id.to_string(), c.id.to_string(), o)) {
                        gaps.push(format!("{}/{} has no scenario where it {o}s", p.id, c.id));
                    }
                }
            }
        }
    }
    assert!(gaps.is_empty(), "{}", gaps.join("\n"));
}

//! Helpers shared by the test binaries (each uses some of them).
#![allow(dead_code)]

use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use zhunru::engine::{self, Options};
use zhunru::explain::{Explainer, Lang, Node};
use zhunru::num::Dec;
use zhunru::program::{Program, SubjectId};

/// A fresh, empty directory under the system temp dir, unique to this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zhunru-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Equal JSON, numbers compared by exact value (`4.0` = `4`, `50` = `50.0`).
pub fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => Dec::parse(&x.to_string()).ok() == Dec::parse(&y.to_string()).ok(),
        (Json::Object(x), Json::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w))),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w)),
        _ => a == b,
    }
}

/// Walks a subject's own nodes (not the trees of subjects nested under it).
fn walk<'a>(nodes: &'a [Node], out: &mut Vec<&'a Node>) {
    for n in nodes {
        out.push(n);
        if n.subject.is_none() {
            walk(&n.children, out);
        }
    }
}

/// The record on a line of a fact file: a JSONL line, or an element of a `.json` array written one per line.
fn record_on(line: &str) -> Json {
    let t = line.trim().trim_end_matches(',');
    let t = t.strip_prefix('[').unwrap_or(t);
    let t = t.strip_suffix(']').unwrap_or(t);
    serde_json::from_str(t).unwrap_or(Json::Null)
}

/// Explanation soundness over a whole fact set: every record an explanation cites is at the cited file:line, every
/// failed or missing clause of a verdict has its ✗ / ? node and vice versa, and asking for evidence never changes a
/// verdict. Returns the number of citations checked and the problems found.
pub fn explanation_problems(program: &'static Program, dir: &Path) -> (usize, Vec<String>) {
    let loaded = engine::load(
        program,
        &Options {
            facts: dir.to_path_buf(),
            ..Options::default()
        },
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let plain = loaded.evaluate(program, &[]).unwrap();
    let everyone: Vec<SubjectId> = plain.der.subjects.clone();
    let eval = loaded.evaluate(program, &everyone).unwrap();
    let as_of = loaded.as_of().unwrap();
    let explainer = Explainer {
        eval: &eval,
        facts: &loaded.facts,
        params: &loaded.params,
        as_of,
        lang: Lang::En,
    };
    let mut files: HashMap<String, Vec<String>> = HashMap::new();
    let mut problems = Vec::new();
    let mut cited = 0;
    for s in 0..eval.der.subjects.len() as u32 {
        let id = eval.subject(s).clone();
        let v = &eval.verdicts[s as usize];
        let p = plain.find(&id).expect("same subjects with and without evidence");
        let pv = &plain.verdicts[p as usize];
        if (pv.status, &pv.failed, &pv.missing, &pv.flags, pv.tier) != (v.status, &v.failed, &v.missing, &v.flags, v.tier) {
            problems.push(format!("{id}: asking for evidence changed the verdict"));
        }
        let tree = explainer.tree(s);
        let mut nodes = Vec::new();
        walk(&tree.children, &mut nodes);
        let mut failed: Vec<String> = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        for n in &nodes {
            if n.role == "verdict" {
                let c = n.clause.clone().unwrap();
                match n.outcome {
                    "fail" => failed.push(c),
                    "missing" => missing.push(c),
                    _ => {}
                }
            }
            for e in &n.evidence {
                cited += 1;
                let lines = files.entry(e.file.clone()).or_insert_with(|| {
                    std::fs::read_to_string(dir.join(&e.file))
                        .unwrap()
                        .lines()
                        .map(str::to_string)
                        .collect()
                });
                let line = lines.get(e.line as usize - 1).map(String::as_str).unwrap_or("");
                if !same_json(&record_on(line), &e.record) {
                    problems.push(format!(
                        "{id}: cites {}:{} as {} but the line holds {line}",
                        e.file, e.line, e.record
                    ));
                }
            }
        }
        let ids = |l: &[zhunru::program::ClauseId]| l.iter().map(|&c| program.full_id(c)).collect::<Vec<_>>();
        let (v_failed, v_missing) = (ids(&v.failed), ids(&v.missing));
        if failed != v_failed || missing != v_missing {
            problems.push(format!(
                "{id}: ✗ {failed:?} ? {missing:?} in the tree, verdict says {v_failed:?} / {v_missing:?}"
            ));
        }
    }
    (cited, problems)
}

/// The JSON lines `zhunru run PROGRAM --facts DIR` writes, computed in this process (any input error fails the test).
pub fn run_jsonl(program: &str, dir: &Path) -> String {
    let program = zhunru::registry::find(program).unwrap();
    let opts = Options {
        facts: dir.to_path_buf(),
        ..Options::default()
    };
    let loaded = engine::load(program, &opts).unwrap_or_else(|f| panic!("{f}"));
    let eval = loaded.evaluate(program, &[]).unwrap();
    let mut buf = Vec::new();
    zhunru::output::write(&eval, zhunru::output::Format::Jsonl, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

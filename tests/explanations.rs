//! Explanation soundness over every program's whole sample: every record an explanation cites is at the cited
//! file:line, every failed or missing clause of a verdict has its ✗ / ? node and vice versa, and asking for
//! evidence never changes a verdict.

mod common;
use common::same_json;

use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;
use zhunru::engine::{self, Options};
use zhunru::explain::{Explainer, Lang, Node};
use zhunru::program::SubjectId;
use zhunru::registry;

/// Walks a subject's own nodes (not the trees of subjects nested under it).
fn walk<'a>(nodes: &'a [Node], out: &mut Vec<&'a Node>) {
    for n in nodes {
        out.push(n);
        if n.subject.is_none() {
            walk(&n.children, out);
        }
    }
}

#[test]
fn every_explanation_of_every_sample_is_sound() {
    for program in registry::PROGRAMS {
        check_sample(program);
    }
}

fn check_sample(program: &'static zhunru::program::Program) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("facts").join(program.id);
    let loaded = engine::load(
        program,
        &Options {
            facts: dir.clone(),
            ..Options::default()
        },
    )
    .unwrap();
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
                let record: Json = serde_json::from_str(line).unwrap_or(Json::Null);
                if !same_json(&record, &e.record) {
                    problems.push(format!(
                        "{id}: cites {}:{} as {} but the line holds {line}",
                        e.file, e.line, e.record
                    ));
                }
            }
        }
        if failed != v.failed || missing != v.missing {
            problems.push(format!(
                "{id}: ✗ {failed:?} ? {missing:?} in the tree, verdict says {:?} / {:?}",
                v.failed, v.missing
            ));
        }
    }
    assert!(cited > 500, "{}: only {cited} citations checked", program.id);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

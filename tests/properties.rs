//! Property tests over generated fact sets (`zhunru::generate`) of douyin-nianhuo-2023 and jd-beijixing-2023-12:
//! monotonicity of the verdicts in penalties and scores, invariance under an order-preserving renaming of ids, shuffled
//! lines and `.json` arrays, evaluation of a linked-store component alone, and explanation soundness.
//! Case counts are modest so that CI stays fast; `PROPTEST_CASES=200 cargo test --release --test properties` runs more.

mod common;
use common::{explanation_problems, run_jsonl, scratch};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use zhunru::registry;

const DOUYIN: &str = "douyin-nianhuo-2023";
const JD: &str = "jd-beijixing-2023-12";

/// A fact set as its files: name → lines (params.json kept whole as one "line").
type Files = BTreeMap<String, Vec<String>>;

fn fresh_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    scratch(&format!("prop-{}", N.fetch_add(1, Ordering::Relaxed)))
}

fn generate(program: &str, shops: u64, seed: u64) -> Files {
    let dir = fresh_dir();
    zhunru::generate::for_program(program).unwrap()(&dir, shops, seed).unwrap();
    let mut files = Files::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).unwrap();
        let lines = if name == "params.json" {
            vec![text]
        } else {
            text.lines().map(str::to_string).collect()
        };
        files.insert(name, lines);
    }
    let _ = std::fs::remove_dir_all(dir);
    files
}

fn write(files: &Files) -> PathBuf {
    let dir = fresh_dir();
    for (name, lines) in files {
        let text = if name.ends_with(".jsonl") {
            lines.iter().map(|l| format!("{l}\n")).collect::<String>()
        } else if name == "params.json" {
            lines[0].clone()
        } else {
            // a `.json` array, one element per line
            format!("[\n{}\n]\n", lines.join(",\n"))
        };
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

/// The verdict lines of a run, as `zhunru run` writes them.
fn run_dir(program: &str, dir: &Path) -> Vec<String> {
    run_jsonl(program, dir).lines().map(str::to_string).collect()
}

fn run(program: &str, files: &Files) -> Vec<String> {
    let dir = write(files);
    let out = run_dir(program, &dir);
    let _ = std::fs::remove_dir_all(dir);
    out
}

fn by_subject(lines: &[String]) -> BTreeMap<(String, String), Json> {
    lines
        .iter()
        .map(|l| {
            let j: Json = serde_json::from_str(l).unwrap();
            let key = (
                j["subject"]["kind"].as_str().unwrap().to_string(),
                j["subject"]["id"].as_str().unwrap().to_string(),
            );
            (key, j)
        })
        .collect()
}

fn strings(v: &Json) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Adding evidence against subjects: no admission appears and no failed clause disappears.
fn never_better(before: &[String], after: &[String]) -> Result<(), TestCaseError> {
    let (b, a) = (by_subject(before), by_subject(after));
    for (k, vb) in &b {
        let va = a.get(k).ok_or_else(|| TestCaseError::fail(format!("{k:?} disappeared")))?;
        prop_assert!(strings(&vb["failed"]).is_subset(&strings(&va["failed"])), "{k:?}: {vb} became {va}");
        prop_assert!(
            va["verdict"] != "admitted" || vb["verdict"] == "admitted",
            "{k:?}: {vb} became {va}"
        );
    }
    Ok(())
}

fn field(line: &str, key: &str) -> String {
    let j: Json = serde_json::from_str(line).unwrap();
    j[key].as_str().unwrap().to_string()
}

fn ids_of(files: &Files, file: &str, key: &str) -> Vec<String> {
    let set: BTreeSet<String> = files.get(file).into_iter().flatten().map(|l| field(l, key)).collect();
    set.into_iter().collect()
}

/// Rewrites a number field of the lines whose `key` is `id`.
fn raise(files: &mut Files, file: &str, key: &str, id: &str, number: &str, by_cents: i64) {
    for line in files.get_mut(file).unwrap() {
        let mut j: Json = serde_json::from_str(line).unwrap();
        if j[key] == id {
            let cents = (j[number].to_string().parse::<f64>().unwrap() * 100.0).round() as i64 + by_cents;
            j[number] = serde_json::from_str(&format!("{}.{:02}", cents / 100, cents % 100)).unwrap();
            *line = j.to_string();
        }
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(6))]

    /// A banned-kind penalty on a shop or on a linked shop never turns a rejection into an admission; the shop and
    /// every shop linked to it directly fail merchant.penalty-history.
    #[test]
    fn douyin_a_banned_penalty_never_admits(seed: u64, shops in 20u64..60, pick: Index, kind: Index, linked: bool) {
        let mut files = generate(DOUYIN, shops, seed);
        let before = run(DOUYIN, &files);
        let pool = if linked { ids_of(&files, "shop_link.jsonl", "shop_id") } else { ids_of(&files, "merchant.jsonl", "shop_id") };
        prop_assume!(!pool.is_empty());
        let shop = pool[pick.index(pool.len())].clone();
        let kind = ["counterfeit", "confusing_info", "improper_gain"][kind.index(3)];
        files.entry("penalty.jsonl".into()).or_default().push(format!(
            r#"{{"penalty_id":"PROP-1","shop_id":"{shop}","kind":"{kind}","date":"2022-11-11"}}"#
        ));
        let after = run(DOUYIN, &files);
        never_better(&before, &after)?;
        let verdicts = by_subject(&after);
        let mut hit: BTreeSet<String> = BTreeSet::from([shop.clone()]);
        for l in files.get("shop_link.jsonl").into_iter().flatten() {
            let (a, b) = (field(l, "shop_id"), field(l, "linked_shop_id"));
            if a == shop { hit.insert(b); } else if b == shop { hit.insert(a); }
        }
        for s in hit {
            if let Some(v) = verdicts.get(&("shop".to_string(), s.clone())) {
                prop_assert!(strings(&v["failed"]).contains("douyin-nianhuo-2023/merchant.penalty-history"), "{s}: {v}");
            }
        }
    }

    /// Raising a shop's experience scores never turns an admission into a rejection, nor adds a failed clause.
    #[test]
    fn douyin_a_higher_experience_score_never_rejects(seed: u64, shops in 20u64..60, pick: Index, cents in 1i64..100) {
        let mut files = generate(DOUYIN, shops, seed);
        let before = run(DOUYIN, &files);
        let pool = ids_of(&files, "experience_score.jsonl", "shop_id");
        let shop = pool[pick.index(pool.len())].clone();
        raise(&mut files, "experience_score.jsonl", "shop_id", &shop, "score", cents);
        let after = run(DOUYIN, &files);
        never_better(&after, &before)?;
    }

    /// Misconduct of a shop never turns a rejected shop-day into an admitted one, and cancels all its shop-days.
    #[test]
    fn jd_misconduct_never_admits(seed: u64, shops in 10u64..40, pick: Index) {
        let mut files = generate(JD, shops, seed);
        let before = run(JD, &files);
        let pool = ids_of(&files, "anchor.jsonl", "shop_id");
        let shop = pool[pick.index(pool.len())].clone();
        files.entry("misconduct.jsonl".into()).or_default().push(format!(
            r#"{{"shop_id":"{shop}","kind":"cheating","time":"2023-12-02T10:00:00"}}"#
        ));
        let after = run(JD, &files);
        never_better(&before, &after)?;
        for ((kind, id), v) in by_subject(&after) {
            if kind == "shop-day" && id.starts_with(&format!("{shop}@")) {
                prop_assert!(strings(&v["failed"]).contains("jd-beijixing-2023-12/misconduct"), "{id}: {v}");
            }
        }
    }

    /// Raising the quality scores of a shop's sessions never turns an admitted shop-day into a rejected one.
    #[test]
    fn jd_higher_quality_never_rejects(seed: u64, shops in 10u64..40, pick: Index, cents in 1i64..4000) {
        let mut files = generate(JD, shops, seed);
        let before = run(JD, &files);
        let pool = ids_of(&files, "live_session.jsonl", "shop_id");
        let shop = pool[pick.index(pool.len())].clone();
        raise(&mut files, "live_session.jsonl", "shop_id", &shop, "quality_score", cents);
        let after = run(JD, &files);
        never_better(&after, &before)?;
    }

    /// Renaming every id with one order-preserving map gives the same verdicts, renamed.
    #[test]
    fn renaming_ids_in_order_changes_nothing_else(seed: u64, shops in 10u64..40, jd: bool) {
        let program = if jd { JD } else { DOUYIN };
        let files = generate(program, shops, seed);
        let before = run(program, &files);
        let mut ids = BTreeSet::new();
        for lines in files.values() {
            for l in lines {
                if let Json::Object(m) = serde_json::from_str::<Json>(l).unwrap() {
                    ids.extend(m.iter().filter(|(k, _)| k.ends_with("_id")).filter_map(|(_, v)| v.as_str().map(str::to_string)));
                }
            }
        }
        // ranks spaced out and written in another alphabet: nothing of the old id survives but its order
        let map: HashMap<String, String> = ids.into_iter().enumerate().map(|(i, id)| (id, format!("id:{:08}", i * 7 + 3))).collect();
        let rename = |s: &str| -> String {
            match s.split_once('@') {
                Some((shop, day)) => format!("{}@{day}", map[shop]),
                None => map[s].clone(),
            }
        };
        let mut renamed = Files::new();
        for (name, lines) in &files {
            let out = lines.iter().map(|l| {
                let mut j: Json = serde_json::from_str(l).unwrap();
                if let Json::Object(m) = &mut j {
                    for (k, v) in m.iter_mut() {
                        if k.ends_with("_id") && v.is_string() { *v = Json::String(map[v.as_str().unwrap()].clone()); }
                    }
                }
                if name == "params.json" { l.clone() } else { j.to_string() }
            }).collect();
            renamed.insert(name.clone(), out);
        }
        let after = run(program, &renamed);
        let expected: Vec<String> = before.iter().map(|l| {
            let mut j: Json = serde_json::from_str(l).unwrap();
            let id = rename(j["subject"]["id"].as_str().unwrap());
            j["subject"]["id"] = Json::String(id);
            for r in j["rewards"].as_array_mut().unwrap() {
                if let Some(a) = r.get("anchor_id").and_then(|a| a.as_str()).map(&rename) { r["anchor_id"] = Json::String(a); }
            }
            j.to_string()
        }).collect();
        prop_assert_eq!(by_subject(&after), by_subject(&expected));
    }

    /// Shuffling the lines of every file and writing some files as `.json` arrays gives byte-identical verdicts, and
    /// every explanation still cites its records at the right file and line.
    #[test]
    fn shuffled_lines_and_json_arrays_change_nothing(seed: u64, shops in 10u64..30, shuffle: u64, as_json: u32, jd: bool) {
        let program = if jd { JD } else { DOUYIN };
        let files = generate(program, shops, seed);
        let before = run(program, &files);
        let mut rng = zhunru::generate::Rng::new(shuffle);
        let mut changed = Files::new();
        for (i, (name, lines)) in files.iter().enumerate() {
            let mut lines = lines.clone();
            for k in (1..lines.len()).rev() {
                lines.swap(k, rng.below(k as u64 + 1) as usize);
            }
            let name = match name.strip_suffix(".jsonl") {
                Some(stem) if as_json & (1 << (i % 32)) != 0 => format!("{stem}.json"),
                _ => name.clone(),
            };
            changed.insert(name, lines);
        }
        let dir = write(&changed);
        prop_assert!(run_dir(program, &dir) == before, "shuffled or .json facts gave other verdicts");
        let (cited, problems) = explanation_problems(registry::find(program).unwrap(), &dir);
        let _ = std::fs::remove_dir_all(dir);
        prop_assert!(cited > 0);
        prop_assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// A linked-store component evaluated alone (its shops, their products and orders, the categories) gives its
    /// subjects the verdicts they have in the whole run.
    #[test]
    fn douyin_a_component_alone_gives_the_verdicts_of_the_whole(seed: u64, shops in 30u64..80, pick: Index) {
        let files = generate(DOUYIN, shops, seed);
        let whole = by_subject(&run(DOUYIN, &files));
        // components by union-find over the links
        let mut parent: HashMap<String, String> = HashMap::new();
        fn find(p: &mut HashMap<String, String>, x: &str) -> String {
            let up = p.get(x).cloned().unwrap_or_else(|| x.to_string());
            if up == x { return up; }
            let root = find(p, &up);
            p.insert(x.to_string(), root.clone());
            root
        }
        for l in files.get("shop_link.jsonl").into_iter().flatten() {
            let (a, b) = (find(&mut parent, &field(l, "shop_id")), find(&mut parent, &field(l, "linked_shop_id")));
            if a != b { parent.insert(a, b); }
        }
        let shops: Vec<String> = whole.keys().filter(|k| k.0 == "shop").map(|k| k.1.clone()).collect();
        let root = find(&mut parent, &shops[pick.index(shops.len())]);
        let component: BTreeSet<String> = shops.iter().filter(|s| find(&mut parent, s) == root).cloned().collect();
        let products: BTreeSet<String> = files["product.jsonl"].iter()
            .filter(|l| component.contains(&field(l, "shop_id")))
            .map(|l| field(l, "product_id")).collect();
        let mut alone = Files::new();
        for (name, lines) in &files {
            if name.starts_with("creator") { continue; }
            let kept = lines.iter().filter(|l| {
                if name == "params.json" || name.starts_with("category") { return true; }
                let j: Json = serde_json::from_str(l).unwrap();
                match (j.get("shop_id").and_then(Json::as_str), j.get("product_id").and_then(Json::as_str)) {
                    (Some(s), _) => component.contains(s) || j.get("linked_shop_id").and_then(Json::as_str).is_some_and(|t| component.contains(t)),
                    (None, Some(p)) => products.contains(p),
                    _ => panic!("{name}: a record of neither a shop nor a product"),
                }
            }).cloned().collect();
            alone.insert(name.clone(), kept);
        }
        let part = by_subject(&run(DOUYIN, &alone));
        prop_assert!(part.keys().any(|k| k.0 == "shop"));
        for (k, v) in &part {
            prop_assert_eq!(Some(v), whole.get(k), "{:?} alone differs from the whole", k);
        }
        for s in &component {
            prop_assert!(part.contains_key(&("shop".to_string(), s.clone())), "{} lost", s);
        }
    }
}

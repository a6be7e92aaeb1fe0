//! The synthetic fact-set generator: its output passes the strict loader, is the same for a seed, differs across
//! seeds, and admits roughly as many shops as real campaigns do.

mod common;
use common::*;

use std::path::PathBuf;
use zhunru::engine::{self, Options};
use zhunru::registry;
use zhunru::verdict::Status;

fn read_all(dir: &PathBuf) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn generated_douyin_facts_load_cleanly_and_are_deterministic() {
    let (a, b, c) = (scratch("a"), scratch("b"), scratch("c"));
    zhunru::generate::douyin(&a, 500, 42).unwrap();
    zhunru::generate::douyin(&b, 500, 42).unwrap();
    zhunru::generate::douyin(&c, 500, 43).unwrap();
    assert!(read_all(&a) == read_all(&b), "same seed, same bytes");
    assert!(read_all(&a) != read_all(&c), "another seed, other facts");

    let (program, loaded) = load_douyin(&a);
    let eval = loaded.evaluate(program, &[]).unwrap();
    let shops: Vec<_> = eval
        .der
        .subjects
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == "shop")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(shops.len(), 500);
    let admitted = shops.iter().filter(|&&i| eval.verdicts[i].status == Status::Admitted).count();
    let share = admitted as f64 / shops.len() as f64;
    assert!((0.55..=0.85).contains(&share), "admitted share {share}");
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// douyin-nianhuo-2023 shards its facts by linked-store component: any shard size gives the same verdicts.
#[test]
fn sharded_evaluation_gives_the_verdicts_of_the_whole() {
    let dir = scratch("shards");
    zhunru::generate::douyin(&dir, 600, 9).unwrap();
    let (program, loaded) = load_douyin(&dir);
    let part = |shard_size: usize, part: Option<(usize, usize)>| -> Vec<String> {
        let eval = loaded.evaluate_with(program, &[], shard_size, part).unwrap();
        eval.order
            .iter()
            .map(|&s| zhunru::output::record(&eval, &eval.verdicts[s as usize]).to_string())
            .collect()
    };
    let records = |shard_size: usize| part(shard_size, None);
    let whole = records(1_000_000);
    assert!(whole.len() > 20_000);
    // the streamed writer writes the records the JSON tree gives
    let eval = loaded.evaluate(program, &[]).unwrap();
    let mut buf = Vec::new();
    zhunru::output::write(&eval, zhunru::output::Format::Jsonl, &mut buf).unwrap();
    assert!(
        String::from_utf8(buf).unwrap() == whole.join("\n") + "\n",
        "write_record differs from record()"
    );
    for size in [7, 50, 333] {
        assert!(records(size) == whole, "shards of {size} shops give other verdicts");
    }
    // `run --shard K/N`: each part evaluates only its own components; the parts merged in sort order are the whole
    for n in [2, 5] {
        let mut merged: Vec<String> = (0..n).flat_map(|k| part(0, Some((k, n)))).collect();
        assert!((0..n).all(|k| !part(0, Some((k, n))).is_empty()), "an empty part of {n}");
        merged.sort_by_cached_key(|line| {
            let j: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                j["subject"]["kind"].as_str().unwrap().to_string(),
                j["subject"]["id"].as_str().unwrap().to_string(),
            )
        });
        assert!(merged == whole, "{n} parts merged differ from the whole run");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Resource limits: a chain of 10 000 linked shops is one component; the banned penalty at its far end rejects the
/// shop at the other end. (Labelling components by propagation in Datalog cost size × diameter: 85 s for 30 000.)
#[test]
fn a_chain_of_ten_thousand_linked_shops_is_one_component() {
    let n = 10_000;
    let dir = scratch("chain");
    let mut merchants = String::new();
    let mut links = String::new();
    for i in 0..n {
        merchants.push_str(&format!("{{\"shop_id\":\"S{i:05}\",\"kind\":\"store\",\"novice\":false}}\n"));
        if i + 1 < n {
            links.push_str(&format!(
                "{{\"shop_id\":\"S{i:05}\",\"linked_shop_id\":\"S{:05}\",\"basis\":\"same payment account\"}}\n",
                i + 1
            ));
        }
    }
    std::fs::write(dir.join("merchant.jsonl"), merchants).unwrap();
    std::fs::write(dir.join("shop_link.jsonl"), links).unwrap();
    let penalty = format!(
        "{{\"penalty_id\":\"P1\",\"shop_id\":\"S{:05}\",\"kind\":\"counterfeit\",\"date\":\"2022-06-03\"}}\n",
        n - 1
    );
    std::fs::write(dir.join("penalty.jsonl"), penalty).unwrap();
    std::fs::write(dir.join("params.json"), r#"{"as_of": "2023-01-05T12:00:00"}"#).unwrap();
    let (program, loaded) = load_douyin(&dir);
    let eval = loaded.evaluate(program, &[]).unwrap();
    assert_eq!(eval.order.len(), n);
    let failed = |v: &zhunru::verdict::Verdict| v.failed.iter().map(|&c| program.full_id(c)).collect::<Vec<_>>();
    let penalty_history = "douyin-nianhuo-2023/merchant.penalty-history".to_string();
    assert!(eval.verdicts.iter().all(|v| failed(v).contains(&penalty_history)));
    let _ = std::fs::remove_dir_all(dir);
}

/// An output that fails half-way fails the batch run with the output's own error, streamed or not.
#[test]
fn a_batch_run_whose_output_fails_reports_the_output_error() {
    /// Takes `left` bytes, then fails every write.
    struct Fills {
        left: usize,
        written: usize,
    }
    impl std::io::Write for Fills {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if b.len() > self.left {
                return Err(std::io::Error::other("no space left"));
            }
            self.left -= b.len();
            self.written += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let dir = scratch("fills");
    zhunru::generate::douyin(&dir, 600, 3).unwrap();
    let (program, loaded) = load_douyin(&dir);
    let whole = {
        let mut w = Fills {
            left: usize::MAX,
            written: 0,
        };
        let counts = loaded.evaluate_streamed(program, None, None, true, &mut w).unwrap().unwrap();
        assert!(counts.total() > 10_000);
        w.written
    };
    for stream in [true, false] {
        let mut w = Fills {
            left: whole / 3,
            written: 0,
        };
        let err = loaded.evaluate_streamed(program, None, None, stream, &mut w).unwrap().unwrap_err();
        assert_eq!(err.to_string(), "no space left", "stream {stream}");
        assert!(w.written <= whole / 3);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The douyin program and a fact set of it, loaded (any input error fails the test).
fn load_douyin(dir: &std::path::Path) -> (&'static zhunru::program::Program, zhunru::engine::Loaded) {
    let program = registry::find("douyin-nianhuo-2023").unwrap();
    let opts = Options {
        facts: dir.to_path_buf(),
        ..Options::default()
    };
    (program, engine::load(program, &opts).unwrap_or_else(|f| panic!("{f}")))
}

#[test]
fn generated_jd_facts_load_cleanly_and_are_deterministic() {
    let (a, b) = (scratch("jd-a"), scratch("jd-b"));
    zhunru::generate::jd(&a, 400, 5).unwrap();
    zhunru::generate::jd(&b, 400, 5).unwrap();
    assert!(read_all(&a) == read_all(&b), "same seed, same bytes");
    let program = registry::find("jd-beijixing-2023-12").unwrap();
    let opts = Options {
        facts: a.clone(),
        ..Options::default()
    };
    let loaded = engine::load(program, &opts).unwrap_or_else(|f| panic!("{f}"));
    let eval = loaded.evaluate(program, &[]).unwrap();
    let days: Vec<usize> = (0..eval.verdicts.len())
        .filter(|&i| eval.der.subjects[i].kind == "shop-day")
        .collect();
    let admitted = days.iter().filter(|&&i| eval.verdicts[i].status == Status::Admitted).count();
    let pk = days.iter().filter(|&&i| eval.verdicts[i].tier.is_some_and(|t| t == "pk")).count();
    assert!(days.len() > 2000, "{} shop-days", days.len());
    assert!(admitted * 10 > days.len() && pk > 50, "{admitted} admitted, {pk} in PK");
    for d in [a, b] {
        let _ = std::fs::remove_dir_all(d);
    }
}

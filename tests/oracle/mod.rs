//! Independent oracles for differential testing: the catalogue's clauses written again as plain Rust loops over
//! `serde_json` values, sharing nothing with the engine (no loader, no fixed-point type, no Datalog), so that a bug
//! in either shows up as a disagreement.
#![allow(dead_code)]

pub mod douyin;

use std::collections::BTreeMap;

/// What a verdict line says, in a form both sides can be reduced to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Verdict {
    pub verdict: &'static str,
    pub tier: Option<String>,
    pub failed: Vec<String>,
    pub missing: Vec<String>,
    pub flags: Vec<String>,
    /// (kind, amount in millionths)
    pub rewards: Vec<(String, i128)>,
}

pub type Verdicts = BTreeMap<(String, String), Verdict>;

/// A decimal number's text as millionths; the generators write plain decimals with at most six places.
pub fn micros(text: &str) -> i128 {
    let (neg, t) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    assert!(frac.len() <= 6 && !int.is_empty(), "oracle reads plain decimals, not {text}");
    let frac = format!("{frac:0<6}");
    let v = int.parse::<i128>().unwrap() * 1_000_000 + frac.parse::<i128>().unwrap();
    if neg {
        -v
    } else {
        v
    }
}

/// zhunru's JSONL output reduced to verdicts.
pub fn parse_output(jsonl: &str) -> Verdicts {
    let strings = |v: &serde_json::Value| -> Vec<String> {
        let mut s: Vec<String> = v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
        s.sort();
        s
    };
    jsonl
        .lines()
        .map(|line| {
            let j: serde_json::Value = serde_json::from_str(line).unwrap();
            let key = (
                j["subject"]["kind"].as_str().unwrap().to_string(),
                j["subject"]["id"].as_str().unwrap().to_string(),
            );
            let verdict = match j["verdict"].as_str().unwrap() {
                "admitted" => "admitted",
                "rejected" => "rejected",
                "undetermined" => "undetermined",
                other => panic!("verdict {other}"),
            };
            let mut rewards: Vec<(String, i128)> = j["rewards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["kind"].as_str().unwrap().to_string(), micros(&r["amount"].to_string())))
                .collect();
            rewards.sort();
            let v = Verdict {
                verdict,
                tier: j["tier"].as_str().map(str::to_string),
                failed: strings(&j["failed"]),
                missing: strings(&j["missing"]),
                flags: strings(&j["flags"]),
                rewards,
            };
            (key, v)
        })
        .collect()
}

/// The subjects on which two verdict sets differ, each with both sides (None = absent), at most `limit` of them.
pub fn disagreements(ours: &Verdicts, oracle: &Verdicts, limit: usize) -> (usize, Vec<String>) {
    let mut keys: Vec<&(String, String)> = ours.keys().chain(oracle.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut n = 0;
    let mut shown = Vec::new();
    for k in keys {
        let (a, b) = (ours.get(k), oracle.get(k));
        if a != b {
            n += 1;
            if shown.len() < limit {
                shown.push(format!("{} {}:\n  zhunru: {a:?}\n  oracle: {b:?}", k.0, k.1));
            }
        }
    }
    (n, shown)
}

//! The parse floor of the scale benchmark (bench/run.sh): read every relation file of a douyin-nianhuo-2023 fact set
//! and deserialize each line into a typed record — dates and times parsed, numbers as f64 — on every core, and do
//! nothing else. No interning, no validation, no rules: the least any tool must spend to read the same facts.
//!
//!     cargo run --release --example parse_floor -- DIR

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = <Cow<str>>::deserialize(d)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(serde::de::Error::custom)
}
fn time<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    let s = <Cow<str>>::deserialize(d)?;
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S").map_err(serde::de::Error::custom)
}
fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    time(d).map(Some)
}

macro_rules! records {
    ($($name:ident $file:literal { $($field:ident : $ty:ty $(= $with:literal)?),* $(,)? })*) => {
        $(
            #[allow(dead_code)]
            #[derive(Deserialize)]
            struct $name<'a> {
                #[serde(skip)]
                _life: std::marker::PhantomData<&'a ()>,
                $( $(#[serde(deserialize_with = $with, default)])? $field: $ty, )*
            }
        )*
        /// Parses every line of a chunk of `file` into its record type; returns the records parsed.
        fn parse(file: &str, text: &str) -> usize {
            let mut n = 0;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let ok = match file {
                    $($file => serde_json::from_str::<$name>(line).is_ok(),)*
                    _ => false,
                };
                assert!(ok, "{file}: cannot parse {line}");
                n += 1;
            }
            n
        }
    };
}

records! {
    Merchant "merchant.jsonl" { shop_id: &'a str, kind: &'a str, novice: bool }
    ExperienceScore "experience_score.jsonl" { shop_id: &'a str, score: f64, date: Option<NaiveDate> = "opt_date" }
    ShopLink "shop_link.jsonl" { shop_id: &'a str, linked_shop_id: &'a str, basis: &'a str }
    Penalty "penalty.jsonl" { penalty_id: &'a str, shop_id: &'a str, kind: &'a str, date: Option<NaiveDate> = "opt_date" }
    Suspension "suspension.jsonl" { shop_id: &'a str, start: Option<NaiveDateTime> = "opt_time", end: Option<NaiveDateTime> = "opt_time", reason: &'a str }
    Restriction "marketing_restriction.jsonl" { shop_id: &'a str, start: Option<NaiveDateTime> = "opt_time", end: Option<NaiveDateTime> = "opt_time", reason: &'a str }
    Category "category.jsonl" { category_id: &'a str, name: &'a str, kind: &'a str, cross_store_discount: bool }
    Threshold "category_threshold.jsonl" { category_id: &'a str, return_rate: f64, bad_review_rate: f64, complaint_rate: f64 }
    Product "product.jsonl" { product_id: &'a str, shop_id: &'a str, sku_key: &'a str, category_id: &'a str }
    Metric "product_metric.jsonl" { product_id: &'a str, date: Option<NaiveDate> = "opt_date", return_rate: f64, bad_review_rate: f64, complaint_rate: f64 }
    PagePrice "page_price.jsonl" { product_id: &'a str, price: f64, from: Option<NaiveDateTime> = "opt_time", to: Option<NaiveDateTime> = "opt_time" }
    Registration "registration.jsonl" { product_id: &'a str, price: f64, time: Option<NaiveDateTime> = "opt_time" }
    Recommended "recommended_price.jsonl" { product_id: &'a str, price: f64 }
    Misconduct "price_misconduct.jsonl" { product_id: &'a str, kind: &'a str, time: Option<NaiveDateTime> = "opt_time" }
    Order "order.jsonl" { order_id: &'a str, product_id: &'a str, time: Option<NaiveDateTime> = "opt_time", price: f64 }
    Signup "discount_signup.jsonl" { shop_id: &'a str, time: Option<NaiveDateTime> = "opt_time" }
    Withdrawal "discount_withdrawal.jsonl" { product_id: &'a str, time: Option<NaiveDateTime> = "opt_time" }
    Creator "creator.jsonl" { creator_id: &'a str, reputation: f64 }
    Deduction "creator_deduction.jsonl" { creator_id: &'a str, kind: &'a str, points: f64, date: Option<NaiveDate> = "opt_date" }
    Violation "creator_violation.jsonl" { creator_id: &'a str, kind: &'a str, date: Option<NaiveDate> = "opt_date" }
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    date(d).map(Some)
}

/// A file's name, its bytes, a chunk's range of them, and its mapping (whose pages can be let go once parsed).
type Chunk<'a> = (&'a str, &'a [u8], std::ops::Range<usize>, Option<&'a zhunru::mapped::Map>);

/// Bytes parsed at a time: chunks of whole lines, as the loader cuts them.
const CHUNK: usize = 4 << 20;

/// Every `.jsonl` file mapped into memory as the loader maps it (`zhunru::mapped`; read whole where mapping is
/// refused) and cut into chunks of whole lines; every core checks a chunk's UTF-8 and parses its lines, and the
/// chunk's pages are let go. No copy of the text and no fresh memory beyond the records' own: the floor is what
/// parsing costs, not what a whole-file read costs on top of it.
fn main() {
    let dir = std::env::args().nth(1).expect("usage: parse_floor DIR");
    let started = std::time::Instant::now();
    let mut files: Vec<(String, zhunru::mapped::Map)> = Vec::new();
    let mut read: Vec<(String, Vec<u8>)> = Vec::new();
    for e in std::fs::read_dir(&dir).expect("fact-set directory") {
        let path = e.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".jsonl") {
            let file = std::fs::File::open(&path).expect("a fact file");
            let len = file.metadata().expect("metadata").len();
            match zhunru::mapped::Map::open(&file, len) {
                Some(map) => files.push((name, map)),
                None => read.push((name, std::fs::read(&path).expect("readable"))),
            }
        }
    }
    let mut chunks: Vec<Chunk> = Vec::new();
    let all = (files.iter().map(|(n, m)| (n, m.bytes(), Some(m)))).chain(read.iter().map(|(n, b)| (n, &b[..], None)));
    for (name, bytes, map) in all {
        let mut start = 0;
        while start < bytes.len() {
            let end = zhunru::mapped::chunk_end(bytes, start, CHUNK);
            chunks.push((name, bytes, start..end, map));
            start = end;
        }
    }
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some((name, bytes, range, map)) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let text = std::str::from_utf8(&bytes[range.clone()]).expect("UTF-8 file");
                    total.fetch_add(parse(name, text), Ordering::Relaxed);
                    if let Some(map) = map {
                        map.release(range.clone());
                    }
                }
            });
        }
    });
    println!("{} records in {:.2}s", total.into_inner(), started.elapsed().as_secs_f64());
}

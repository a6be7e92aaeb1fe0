//! Synthetic fact sets for benchmarks and property tests: realistic in shape, deterministic for a seed, written
//! straight to JSONL (no intermediate structures), so a million shops take minutes, not hours.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// SplitMix64: small, fast, and the same stream on every platform for a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability p/1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

struct Out {
    files: Vec<(&'static str, BufWriter<File>)>,
}

impl Out {
    fn new(dir: &Path, names: &[&'static str]) -> std::io::Result<Out> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for n in names {
            files.push((*n, BufWriter::with_capacity(1 << 20, File::create(dir.join(format!("{n}.jsonl")))?)));
        }
        Ok(Out { files })
    }
    fn w(&mut self, name: &str) -> &mut BufWriter<File> {
        &mut self.files.iter_mut().find(|f| f.0 == name).expect("declared file").1
    }
    fn finish(self) -> std::io::Result<()> {
        for (_, mut f) in self.files {
            f.flush()?;
        }
        Ok(())
    }
}

/// Money with two decimals from fen.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A `douyin-nianhuo-2023` fact set of `shops` shops: ≈10 products each, ≈shops/2 creators, linked-store components
/// mostly of 1–3 shops with some chains of 5–20, ≈0.2·shops penalties of mixed kinds, 1–3 score readings per shop,
/// 1–3 page prices per product, ≈3 orders per product, 200 categories with thresholds. As of 2023-01-05T12:00:00.
pub fn douyin(dir: &Path, shops: u64, seed: u64) -> std::io::Result<()> {
    let mut r = Rng::new(seed);
    let names = [
        "merchant",
        "experience_score",
        "shop_link",
        "penalty",
        "suspension",
        "marketing_restriction",
        "category",
        "category_threshold",
        "product",
        "product_metric",
        "page_price",
        "registration",
        "recommended_price",
        "price_misconduct",
        "order",
        "discount_signup",
        "discount_withdrawal",
        "creator",
        "creator_deduction",
        "creator_violation",
    ];
    let mut o = Out::new(dir, &names)?;
    std::fs::write(dir.join("params.json"), "{\"as_of\": \"2023-01-05T12:00:00\"}\n")?;
    let kinds = ["normal", "normal", "normal", "normal", "global", "virtual", "second_hand"];
    for c in 0..200u64 {
        let kind = kinds[(c % kinds.len() as u64) as usize];
        writeln!(
            o.w("category"),
            r#"{{"category_id":"C{c:03}","name":"category {c}","kind":"{kind}","cross_store_discount":{}}}"#,
            c % 3 != 0
        )?;
        if c % 50 != 49 {
            writeln!(
                o.w("category_threshold"),
                r#"{{"category_id":"C{c:03}","return_rate":0.05,"bad_review_rate":0.03,"complaint_rate":0.02}}"#
            )?;
        }
    }
    let shop = |i: u64| format!("S{i:08}");
    let mut i = 0;
    while i < shops {
        // linked-store components: mostly 1–3 shops, 1 in 200 a chain of 5–20
        let size = if r.chance(5) { 5 + r.below(16) } else { 1 + r.below(3) }.min(shops - i);
        for k in 1..size {
            let (a, b) = (shop(i + k - 1), shop(i + k));
            writeln!(
                o.w("shop_link"),
                r#"{{"shop_id":"{a}","linked_shop_id":"{b}","basis":"same legal representative"}}"#
            )?;
        }
        i += size;
    }
    let banned = ["counterfeit", "confusing_info", "improper_gain"];
    let mut penalty = 0u64;
    let mut order = 0u64;
    for i in 0..shops {
        let s = shop(i);
        if !r.chance(20) {
            let kind = if r.chance(50) { "global" } else { "store" };
            writeln!(o.w("merchant"), r#"{{"shop_id":"{s}","kind":"{kind}","novice":{}}}"#, r.chance(40))?;
        }
        for k in 0..1 + r.below(3) {
            let score = 440 + r.below(60);
            writeln!(
                o.w("experience_score"),
                r#"{{"shop_id":"{s}","score":{}.{:02},"date":"2023-01-0{}"}}"#,
                score / 100,
                score % 100,
                1 + k
            )?;
        }
        if r.chance(200) {
            penalty += 1;
            let kind = if r.chance(150) {
                banned[r.below(3) as usize]
            } else {
                "late_shipment"
            };
            writeln!(
                o.w("penalty"),
                r#"{{"penalty_id":"P{penalty}","shop_id":"{s}","kind":"{kind}","date":"2022-0{}-15"}}"#,
                1 + r.below(9)
            )?;
        }
        if r.chance(5) {
            writeln!(
                o.w("suspension"),
                r#"{{"shop_id":"{s}","start":"2022-12-0{}T00:00:00","reason":"review"}}"#,
                1 + r.below(9)
            )?;
        }
        if r.chance(5) {
            // ending exactly at the as-of time (over), or starting exactly at it (in force)
            let (start, end) = if r.chance(500) {
                ("2022-12-20T00:00:00", "2023-01-05T12:00:00")
            } else {
                ("2023-01-05T12:00:00", "2023-01-20T00:00:00")
            };
            writeln!(
                o.w("suspension"),
                r#"{{"shop_id":"{s}","start":"{start}","end":"{end}","reason":"review"}}"#
            )?;
        }
        if r.chance(5) {
            writeln!(
                o.w("marketing_restriction"),
                r#"{{"shop_id":"{s}","start":"2022-12-01T00:00:00","end":"2023-02-01T00:00:00","reason":"price"}}"#
            )?;
        }
        if r.chance(300) {
            writeln!(o.w("discount_signup"), r#"{{"shop_id":"{s}","time":"2022-12-17T10:00:00"}}"#)?;
        }
        for k in 0..8 + r.below(5) {
            let p = format!("P{i:08}-{k:02}");
            let cat = r.below(200);
            writeln!(
                o.w("product"),
                r#"{{"product_id":"{p}","shop_id":"{s}","sku_key":"k{}","category_id":"C{cat:03}"}}"#,
                k % 5
            )?;
            let (a, b, c) = (r.below(60), r.below(35), r.below(22));
            // a few products have no reading yet, a few a reading after as-of that must not count
            let date = match r.below(100) {
                0 => None,
                1 => Some("2023-01-06"),
                _ => Some("2023-01-04"),
            };
            if let Some(date) = date {
                writeln!(
                    o.w("product_metric"),
                    r#"{{"product_id":"{p}","date":"{date}","return_rate":0.{a:03},"bad_review_rate":0.{b:03},"complaint_rate":0.{c:03}}}"#
                )?;
            }
            let price = 1000 + r.below(30000);
            for (n, from) in ["2022-12-01T00:00:00", "2022-12-20T00:00:00", "2023-01-10T00:00:00"]
                .iter()
                .enumerate()
                .take(1 + r.below(3) as usize)
            {
                let pp = price + (n as u64 % 2) * r.below(500);
                // some intervals end: at the start of the check window (not in it), inside it, at an order time
                let to = match r.below(8) {
                    0 => r#","to":"2022-12-16T00:00:00""#,
                    1 => r#","to":"2022-12-20T00:00:00""#,
                    2 => r#","to":"2022-12-29T21:00:00""#,
                    _ => "",
                };
                let to = if to.is_empty() || to[7..26].as_bytes() > from.as_bytes() {
                    to
                } else {
                    ""
                };
                writeln!(
                    o.w("page_price"),
                    r#"{{"product_id":"{p}","price":{},"from":"{from}"{to}}}"#,
                    yuan(pp.saturating_sub(r.below(300)))
                )?;
            }
            if r.chance(900) {
                writeln!(
                    o.w("registration"),
                    r#"{{"product_id":"{p}","price":{},"time":"2022-12-{}T10:00:00"}}"#,
                    yuan(price - r.below(200)),
                    16 + r.below(12)
                )?;
                // an adjustment (调价): at the window's first second, later in the window, or after as-of
                if r.chance(50) {
                    let time = ["2022-12-16T16:00:00", "2022-12-30T09:00:00", "2023-01-06T09:00:00"][r.below(3) as usize];
                    writeln!(
                        o.w("registration"),
                        r#"{{"product_id":"{p}","price":{},"time":"{time}"}}"#,
                        yuan(price - r.below(400))
                    )?;
                }
            }
            if r.chance(400) {
                writeln!(
                    o.w("recommended_price"),
                    r#"{{"product_id":"{p}","price":{}}}"#,
                    yuan(price - r.below(400))
                )?;
            }
            if r.chance(3) {
                writeln!(
                    o.w("price_misconduct"),
                    r#"{{"product_id":"{p}","kind":"fictitious_original_price","time":"2022-12-26T10:00:00"}}"#
                )?;
            }
            if r.chance(5) {
                writeln!(o.w("discount_withdrawal"), r#"{{"product_id":"{p}","time":"2022-12-21T10:00:00"}}"#)?;
            }
            for _ in 0..1 + r.below(5) {
                order += 1;
                let day = 20 + r.below(12);
                let time = if r.chance(10) {
                    ["2022-12-28T20:00:00", "2022-12-29T21:00:00", "2023-01-05T12:00:01"][r.below(3) as usize].to_string()
                } else if day > 31 {
                    format!("2023-01-0{}T10:00:00", day - 31)
                } else {
                    format!("2022-12-{day}T2{}:00:00", r.below(4))
                };
                writeln!(
                    o.w("order"),
                    r#"{{"order_id":"O{order:010}","product_id":"{p}","time":"{time}","price":{}}}"#,
                    yuan(price)
                )?;
            }
        }
    }
    for c in 0..shops / 2 {
        let id = format!("K{c:08}");
        if !r.chance(10) {
            writeln!(o.w("creator"), r#"{{"creator_id":"{id}","reputation":4.{}}}"#, 3 + r.below(7))?;
        }
        if r.chance(100) {
            let kind = if r.chance(500) { "false_advertising" } else { "offsite_diversion" };
            writeln!(
                o.w("creator_deduction"),
                r#"{{"creator_id":"{id}","kind":"{kind}","points":{},"date":"2022-12-{:02}"}}"#,
                1 + r.below(6),
                1 + r.below(28)
            )?;
        }
        if r.chance(30) {
            // half points summing to the limit or past it; the lookback's first day (2022-11-07) and the day before
            for date in ["2022-11-06", "2022-11-07", "2023-01-05"].iter().take(1 + r.below(3) as usize) {
                writeln!(
                    o.w("creator_deduction"),
                    r#"{{"creator_id":"{id}","kind":"false_advertising","points":2.5,"date":"{date}"}}"#
                )?;
            }
        }
        if r.chance(20) {
            writeln!(
                o.w("creator_violation"),
                r#"{{"creator_id":"{id}","kind":"prohibited_share","date":"2022-12-{:02}"}}"#,
                1 + r.below(28)
            )?;
        }
    }
    o.finish()
}

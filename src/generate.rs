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
                let to = if to.is_empty() || &to.as_bytes()[7..26] > from.as_bytes() {
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

/// Writes a fact set of a number of shops for a seed into a directory.
pub type Generator = fn(&Path, u64, u64) -> std::io::Result<()>;

/// The generator of a program, if it has one.
pub fn for_program(id: &str) -> Option<Generator> {
    match id {
        "douyin-nianhuo-2023" => Some(douyin),
        "jd-beijixing-2023-12" => Some(jd),
        _ => None,
    }
}

/// A `jd-beijixing-2023-12` fact set of `shops` shops, as of 2023-12-08T21:00:00: most shops on the 北极星 list
/// (some added at or after the cut-off), 1–3 anchors each (some virtual), sessions over 2023-11-29 … 2023-12-09 — some
/// overlapping, crossing midnight, previews, 24 hours long, still running at as-of or starting after it — with benefit
/// SKUs (a SKU of several kinds counts once), orders, a little misconduct, and anchor status readings.
pub fn jd(dir: &Path, shops: u64, seed: u64) -> std::io::Result<()> {
    let mut r = Rng::new(seed);
    let names = [
        "beijixing_member",
        "anchor",
        "live_session",
        "session_benefit",
        "session_orders",
        "misconduct",
        "anchor_status",
    ];
    let mut o = Out::new(dir, &names)?;
    std::fs::write(dir.join("params.json"), "{\"as_of\": \"2023-12-08T21:00:00\"}\n")?;
    let kinds = ["coupon", "gift", "price"];
    for i in 0..shops {
        let shop = format!("J{i:07}");
        if !r.chance(80) {
            let confirmed = match r.below(20) {
                0 => "2023-11-28T18:00:00".to_string(),
                1 => "2023-11-29T09:00:00".to_string(),
                _ => format!("2023-11-{:02}T1{}:00:00", 1 + r.below(27), r.below(10)),
            };
            writeln!(o.w("beijixing_member"), r#"{{"shop_id":"{shop}","confirmed_at":"{confirmed}"}}"#)?;
        }
        let anchors: Vec<String> = (0..1 + r.below(3)).map(|k| format!("{shop}-A{k}")).collect();
        for a in &anchors {
            writeln!(
                o.w("anchor"),
                r#"{{"anchor_id":"{a}","shop_id":"{shop}","virtual":{},"level":{}}}"#,
                r.chance(100),
                1 + r.below(5)
            )?;
            // at most one reading in each half of the days: never two at one time
            for k in 0..r.below(3) {
                writeln!(
                    o.w("anchor_status"),
                    r#"{{"anchor_id":"{a}","time":"2023-12-0{}T{:02}:00:00","quality_score":{},"live":{}}}"#,
                    1 + k * 5 + r.below(4),
                    r.below(24),
                    40 + r.below(30),
                    r.chance(600)
                )?;
            }
        }
        if r.chance(10) {
            writeln!(
                o.w("misconduct"),
                r#"{{"shop_id":"{shop}","kind":"fake_orders","time":"2023-12-0{}T15:00:00"}}"#,
                1 + r.below(9)
            )?;
        }
        let mut session = 0;
        for day in 0..11u64 {
            // 2023-11-29 … 2023-12-09
            let date = if day < 2 {
                format!("2023-11-{}", 29 + day)
            } else {
                format!("2023-12-{:02}", day - 1)
            };
            for _ in 0..r.below(3) {
                session += 1;
                let id = format!("{shop}-{session:03}");
                let anchor = &anchors[r.below(anchors.len() as u64) as usize];
                let start_min = r.below(24 * 60 / 30) * 30;
                let len_min = match r.below(40) {
                    0 => 24 * 60,
                    1 => 24 * 60 - 1,
                    _ => 30 + r.below(16) * 30,
                };
                let start = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                    .expect("generated date")
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    + chrono::Duration::minutes(start_min as i64);
                let end = start + chrono::Duration::minutes(len_min as i64);
                writeln!(
                    o.w("live_session"),
                    r#"{{"session_id":"{id}","shop_id":"{shop}","anchor_id":"{anchor}","start":"{}","end":"{}","preview":{},"quality_score":{}}}"#,
                    start.format("%Y-%m-%dT%H:%M:%S"),
                    end.format("%Y-%m-%dT%H:%M:%S"),
                    r.chance(100),
                    45 + r.below(50)
                )?;
                for k in 0..1 + r.below(7) {
                    let sku = format!("{shop}-SKU{}", r.below(8));
                    writeln!(
                        o.w("session_benefit"),
                        r#"{{"session_id":"{id}","sku_id":"{sku}","kind":"{}"}}"#,
                        kinds[(k % 3) as usize]
                    )?;
                }
                if !r.chance(100) {
                    writeln!(o.w("session_orders"), r#"{{"session_id":"{id}","orders":{}}}"#, r.below(400))?;
                }
            }
        }
    }
    o.finish()
}

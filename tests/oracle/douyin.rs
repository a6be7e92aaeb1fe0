//! `douyin-nianhuo-2023` as the catalogue states it (§1), with the default parameters, one subject at a time.
//! Times are compared as their canonical `YYYY-MM-DDTHH:MM:SS` text, dates as `YYYY-MM-DD` text.

use super::{micros, Verdict, Verdicts};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

const P: &str = "douyin-nianhuo-2023/";
const REGISTRATION: (&str, &str) = ("2022-12-16T16:00:00", "2023-01-07T23:59:59");
const ACTIVITY: (&str, &str) = ("2022-12-28T20:00:00", "2023-01-07T23:59:59");
const PRICE_CHECK: (&str, &str) = ("2022-12-16T00:00:00", "2022-12-27T23:59:59");
const PROTECTION_END: &str = "2023-01-22T23:59:59";
const MIN_SCORE: i128 = 4_500_000;
const BANNED: [&str; 3] = ["counterfeit", "confusing_info", "improper_gain"];
const MIN_REPUTATION: i128 = 4_500_000;
const LOOKBACK_DAYS: i64 = 60;
const MAX_FALSE_AD_POINTS: i128 = 5_000_000;
const EXCLUDED_KINDS: [&str; 3] = ["global", "virtual", "second_hand"];

fn rows(dir: &Path, rel: &str) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(dir.join(format!("{rel}.jsonl"))) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    // identical lines are one fact
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| seen.insert(v.to_string()))
        .collect()
}

fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap_or_else(|| panic!("{f} of {v}"))
}
fn opt<'a>(v: &'a Value, f: &str) -> Option<&'a str> {
    v.get(f).and_then(|x| x.as_str())
}
fn num(v: &Value, f: &str) -> i128 {
    micros(&v[f].to_string())
}

#[derive(Clone, Copy, PartialEq)]
enum O {
    Pass,
    Fail,
    Missing,
}

struct Judged {
    clauses: Vec<(&'static str, O)>,
}
impl Judged {
    fn new() -> Self {
        Judged { clauses: Vec::new() }
    }
    fn add(&mut self, c: &'static str, o: O) {
        self.clauses.push((c, o));
    }
    fn status(&self) -> &'static str {
        if self.clauses.iter().any(|c| c.1 == O::Fail) {
            "rejected"
        } else if self.clauses.iter().any(|c| c.1 == O::Missing) {
            "undetermined"
        } else {
            "admitted"
        }
    }
    fn verdict(&self) -> Verdict {
        let list = |o: O| {
            let mut v: Vec<String> = self.clauses.iter().filter(|c| c.1 == o).map(|c| format!("{P}{}", c.0)).collect();
            v.sort();
            v
        };
        Verdict {
            verdict: self.status(),
            tier: None,
            failed: list(O::Fail),
            missing: list(O::Missing),
            flags: Vec::new(),
            rewards: Vec::new(),
        }
    }
}

fn carried(status: &str) -> O {
    match status {
        "admitted" => O::Pass,
        "rejected" => O::Fail,
        _ => O::Missing,
    }
}

fn check(c: bool) -> O {
    if c {
        O::Pass
    } else {
        O::Fail
    }
}

/// Every subject's verdict for the fact set in `dir` (JSONL files as `zhunru generate` writes them).
pub fn evaluate(dir: &Path) -> Verdicts {
    let params: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("params.json")).unwrap()).unwrap();
    let as_of = {
        let a = s(&params, "as_of");
        if a.len() == 10 {
            format!("{a}T23:59:59")
        } else {
            a.to_string()
        }
    };
    let as_of = as_of.as_str();
    let today = &as_of[..10];
    let window_start = (chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap() - chrono::Duration::days(LOOKBACK_DAYS - 1))
        .format("%Y-%m-%d")
        .to_string();
    let in_lookback = |d: &str| window_start.as_str() <= d && d <= today;
    let in_force = |r: &Value, t: &str| s(r, "start") <= t && opt(r, "end").is_none_or(|e| t < e);

    let merchant: HashMap<String, Value> = rows(dir, "merchant").into_iter().map(|r| (s(&r, "shop_id").into(), r)).collect();
    let category: HashMap<String, Value> = rows(dir, "category")
        .into_iter()
        .map(|r| (s(&r, "category_id").into(), r))
        .collect();
    let threshold: HashMap<String, Value> = rows(dir, "category_threshold")
        .into_iter()
        .map(|r| (s(&r, "category_id").into(), r))
        .collect();
    let product: BTreeMap<String, Value> = rows(dir, "product").into_iter().map(|r| (s(&r, "product_id").into(), r)).collect();
    let recommended: HashMap<String, i128> = rows(dir, "recommended_price")
        .iter()
        .map(|r| (s(r, "product_id").to_string(), num(r, "price")))
        .collect();
    let by = |rel: &str, key: &str| -> HashMap<String, Vec<Value>> {
        let mut m: HashMap<String, Vec<Value>> = HashMap::new();
        for r in rows(dir, rel) {
            m.entry(s(&r, key).to_string()).or_default().push(r);
        }
        m
    };
    let scores = by("experience_score", "shop_id");
    let penalties = by("penalty", "shop_id");
    let suspensions = by("suspension", "shop_id");
    let restrictions = by("marketing_restriction", "shop_id");
    let metrics = by("product_metric", "product_id");
    let page_prices = by("page_price", "product_id");
    let registrations = by("registration", "product_id");
    let misconduct = by("price_misconduct", "product_id");
    let orders = by("order", "product_id");
    let signups = by("discount_signup", "shop_id");
    let withdrawals = by("discount_withdrawal", "product_id");
    let deductions = by("creator_deduction", "creator_id");
    let violations = by("creator_violation", "creator_id");
    let none = Vec::new();
    let get = |m: &HashMap<String, Vec<Value>>, k: &str| -> Vec<Value> { m.get(k).unwrap_or(&none).clone() };

    // linked stores: the connected component of each shop, by breadth-first search
    let mut adjacent: HashMap<String, BTreeSet<String>> = HashMap::new();
    for l in rows(dir, "shop_link") {
        let (a, b) = (s(&l, "shop_id").to_string(), s(&l, "linked_shop_id").to_string());
        if a != b {
            adjacent.entry(a.clone()).or_default().insert(b.clone());
            adjacent.entry(b).or_default().insert(a);
        }
    }
    let group = |shop: &str| -> Vec<String> {
        let mut seen: BTreeSet<String> = BTreeSet::from([shop.to_string()]);
        let mut queue = vec![shop.to_string()];
        while let Some(x) = queue.pop() {
            for y in adjacent.get(&x).into_iter().flatten() {
                if seen.insert(y.clone()) {
                    queue.push(y.clone());
                }
            }
        }
        seen.into_iter().collect()
    };

    // subjects
    let latest_registration = |p: &str| -> Option<Value> {
        get(&registrations, p)
            .into_iter()
            .filter(|r| s(r, "time") <= as_of)
            .max_by(|a, b| s(a, "time").cmp(s(b, "time")))
    };
    let mut same_sku: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for (id, q) in &product {
        same_sku.entry((s(q, "shop_id"), s(q, "sku_key"))).or_default().push(id);
    }
    let product_subjects: Vec<&String> = product.keys().filter(|p| latest_registration(p).is_some()).collect();
    let mut shops: BTreeSet<String> = merchant.keys().cloned().collect();
    for (shop, readings) in &scores {
        if readings.iter().any(|r| s(r, "date") <= today) {
            shops.insert(shop.clone());
        }
    }
    for p in &product_subjects {
        shops.insert(s(&product[*p], "shop_id").to_string());
    }

    let mut out = Verdicts::new();
    let mut shop_status: HashMap<String, &'static str> = HashMap::new();
    for shop in &shops {
        let mut j = Judged::new();
        j.add(
            "merchant.not-novice",
            match merchant.get(shop) {
                None => O::Missing,
                Some(m) => check(m["novice"] == Value::Bool(false)),
            },
        );
        let latest = get(&scores, shop)
            .into_iter()
            .filter(|r| s(r, "date") <= today)
            .max_by(|a, b| s(a, "date").cmp(s(b, "date")));
        j.add(
            "merchant.experience-score",
            match latest {
                None => O::Missing,
                Some(r) => check(num(&r, "score") >= MIN_SCORE),
            },
        );
        let g = group(shop);
        let banned = g
            .iter()
            .flat_map(|x| get(&penalties, x))
            .any(|p| BANNED.contains(&s(&p, "kind")) && s(&p, "date") <= today);
        j.add("merchant.penalty-history", check(!banned));
        let suspended = g.iter().flat_map(|x| get(&suspensions, x)).any(|r| in_force(&r, as_of));
        j.add("merchant.not-suspended", check(!suspended));
        let restricted = g.iter().flat_map(|x| get(&restrictions, x)).any(|r| in_force(&r, as_of));
        j.add("merchant.not-restricted", check(!restricted));
        shop_status.insert(shop.clone(), j.status());
        out.insert(("shop".into(), shop.clone()), j.verdict());
    }

    let mut product_status: HashMap<String, &'static str> = HashMap::new();
    for p in product_subjects {
        let rec = &product[p];
        let shop = s(rec, "shop_id");
        let cat = s(rec, "category_id");
        let reg = latest_registration(p).unwrap();
        let declared = num(&reg, "price");
        let mut j = Judged::new();
        j.add("product.merchant-admitted", carried(shop_status[shop]));
        j.add(
            "product.registered",
            check(REGISTRATION.0 <= s(&reg, "time") && s(&reg, "time") <= REGISTRATION.1),
        );
        let metric = get(&metrics, p)
            .into_iter()
            .filter(|r| s(r, "date") <= today)
            .max_by(|a, b| s(a, "date").cmp(s(b, "date")));
        for (clause, field) in [
            ("product.return-rate", "return_rate"),
            ("product.bad-review-rate", "bad_review_rate"),
            ("product.complaint-rate", "complaint_rate"),
        ] {
            j.add(
                clause,
                match (&metric, threshold.get(cat)) {
                    (Some(m), Some(t)) => check(num(m, field) <= num(t, field)),
                    _ => O::Missing,
                },
            );
        }
        j.add(
            "product.price-conduct",
            check(!get(&misconduct, p).iter().any(|m| s(m, "time") <= as_of)),
        );
        let withdrawn_before = get(&withdrawals, p).iter().any(|w| s(w, "time") < s(&reg, "time"));
        j.add("product.discount-withdrawn", check(!withdrawn_before));
        let mut v = j.verdict();
        if v.verdict == "admitted" {
            let sku = s(rec, "sku_key");
            let check_price = same_sku[&(shop, sku)]
                .iter()
                .flat_map(|id| get(&page_prices, id))
                .filter(|pp| s(pp, "from") <= PRICE_CHECK.1 && opt(pp, "to").is_none_or(|to| to > PRICE_CHECK.0))
                .map(|pp| num(&pp, "price"))
                .min();
            let tier = match check_price {
                None => {
                    v.flags.push(format!("{P}product.check-price-unavailable"));
                    "basic"
                }
                Some(c) if declared <= c => match recommended.get(p) {
                    Some(&r) if declared <= r => "traffic-boost",
                    _ => "resource-support",
                },
                Some(_) => "basic",
            };
            v.tier = Some(tier.to_string());
            if !get(&orders, p).iter().any(|o| s(o, "time") <= as_of && s(o, "time") < ACTIVITY.0) {
                v.flags.push(format!("{P}product.pre-activity-orders"));
            }
            let signed = get(&signups, shop).iter().any(|x| s(x, "time") <= as_of);
            let supports = category[cat]["cross_store_discount"] == Value::Bool(true);
            let withdrawn = get(&withdrawals, p).iter().any(|w| s(w, "time") <= as_of);
            if signed && supports && !withdrawn {
                v.flags.push(format!("{P}discount.applies"));
            }
            v.flags.sort();
        }
        product_status.insert(p.clone(), v.verdict);
        out.insert(("product".into(), p.clone()), v);

        for o in get(&orders, p).iter().filter(|o| s(o, "time") <= as_of) {
            let t = s(o, "time");
            let paid = num(o, "price");
            let mut j = Judged::new();
            j.add("price-protection.product-admitted", carried(product_status[p]));
            let cat_kind = s(&category[cat], "kind");
            let merchant_kind = merchant.get(shop).map(|m| s(m, "kind"));
            j.add(
                "price-protection.enabled",
                if EXCLUDED_KINDS.contains(&cat_kind) || merchant_kind.is_some_and(|k| EXCLUDED_KINDS.contains(&k)) {
                    O::Fail
                } else if merchant_kind.is_none() {
                    O::Missing
                } else {
                    O::Pass
                },
            );
            j.add("price-protection.paid-in-activity", check(ACTIVITY.0 <= t && t <= ACTIVITY.1));
            let mut v = j.verdict();
            if v.verdict == "admitted" {
                let lowest = get(&page_prices, p)
                    .iter()
                    .filter(|pp| s(pp, "from") <= PROTECTION_END && opt(pp, "to").is_none_or(|to| to > t))
                    .map(|pp| num(pp, "price"))
                    .min();
                if let Some(q) = lowest.filter(|&q| q < paid) {
                    v.rewards.push(("price-difference".into(), paid - q));
                }
            }
            out.insert(("order".into(), s(o, "order_id").to_string()), v);
        }
    }

    let mut creators: BTreeSet<String> = rows(dir, "creator").iter().map(|r| s(r, "creator_id").to_string()).collect();
    for m in [&deductions, &violations] {
        for (c, rs) in m {
            if rs.iter().any(|r| s(r, "date") <= today) {
                creators.insert(c.clone());
            }
        }
    }
    let reputation: HashMap<String, i128> = rows(dir, "creator")
        .iter()
        .map(|r| (s(r, "creator_id").to_string(), num(r, "reputation")))
        .collect();
    for c in creators {
        let mut j = Judged::new();
        j.add(
            "creator.reputation",
            match reputation.get(&c) {
                None => O::Missing,
                Some(&r) => check(r >= MIN_REPUTATION),
            },
        );
        let recent: Vec<Value> = get(&deductions, &c).into_iter().filter(|d| in_lookback(s(d, "date"))).collect();
        j.add(
            "creator.offsite-diversion",
            check(!recent.iter().any(|d| s(d, "kind") == "offsite_diversion")),
        );
        let points: i128 = recent
            .iter()
            .filter(|d| s(d, "kind") == "false_advertising")
            .map(|d| num(d, "points"))
            .sum();
        j.add("creator.false-advertising", check(points <= MAX_FALSE_AD_POINTS));
        let shared = get(&violations, &c)
            .iter()
            .any(|v| s(v, "kind") == "prohibited_share" && in_lookback(s(v, "date")));
        j.add("creator.prohibited-share", check(!shared));
        out.insert(("creator".into(), c), j.verdict());
    }
    out
}

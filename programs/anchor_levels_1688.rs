//! 1688 商+直播 店铺主播等级 — the live-anchor level of a 1688 shop: daily points, deductions, the basic requirements
//! with automatic drops, the honor quota, and the king ladder with its applications, monthly reset and elimination.
//! Policy: policies/1688-anchor-levels.md; catalogue section 5. Each group of rules carries its clause id.
//!
//! A shop's level on a day depends on its points, which depend on the level it held (king-only metrics, the king
//! reset), and on every other shop's points that day (the honor quota, the king elimination). The rules therefore run
//! in three strata: the facts of every shop-day that need no ledger (7-day minutes, stars, metric points, streaks and
//! the other charges); the ledger, one run per day in date order, each given the state at the end of the day before;
//! and the king applications, judged on the levels the ledger held.

use crate::facts::{FactSet, Rec};
use crate::intern::Sym;
use crate::num::Dec;
use crate::params::{PTy, ParamSpec, Params};
use crate::program::{clause, Check, ClauseId, Derivation, Detail, Input, Message, Outcome, Program, Role, Subjects};
use crate::schema::{field, reference, relation, Range, Reference, Relation, Ty};
use crate::time::{Date, Month, Time};
use crate::value::Val;
use ascent::aggregators::{count, max, min, sum};
use ascent::ascent_run;
use std::collections::{BTreeMap, HashMap, HashSet};

pub static PROGRAM: Program = Program {
    id: "1688-anchor-levels",
    title_en: "1688 shop live-anchor levels (points, deductions, quotas, king reviews)",
    title_zh: "1688 商+直播 店铺主播等级",
    subject_kinds: &[
        ("king-application", "`king_application` records; id application_id"),
        ("shop", "`shop` records; tier = the level at as-of, extra field `points`"),
    ],
    relations: RELATIONS,
    params: PARAMS,
    clauses: CLAUSES,
    messages: MESSAGES,
    validate,
    validate_facts,
    evaluate,
    partitions_itself: false,
};

const SHOP: &str = "shop";
const APPLICATION: &str = "king-application";

use Role::{Flag, Tier, Verdict};

crate::clauses! {
    // 一 ② 积分任务: 按照每一天直播情况进行积分累计,一天累计最高积分是200分
    POINTS_DAILY: clause("points.daily", SHOP, Tier, Some("points_rules, daily_points_cap"), "",
        "daily points of each live day by the category's rules (king-only metrics for kings), at most 200 a day",
        "按照每一天直播情况进行积分累计,一天累计最高积分是200分(王者另考核买家数、新增粉丝量、平均停留时长)"),
    // 四 直播等级扣分规则
    VIOLATION: clause("deduct.violation", SHOP, Tier, Some("violation_points"), "",
        "150 points per violation", "风控违规:直播违规一次扣分150分"),
    WEEKLY_ABSENCE: clause("deduct.weekly-absence", SHOP, Tier, Some("weekly_absence_count, weekly_absence_points"), "",
        "100 points for a natural week with 4 planned days without live", "自然周有4次旷播行为:扣100分"),
    NO_LIVE_3: clause("deduct.no-live-3", SHOP, Tier, Some("no_live_streaks"), "",
        "150 points on the 4th day after 3 days without live", "连续3天没有开播,第4天扣除150分"),
    NO_LIVE_7: clause("deduct.no-live-7", SHOP, Tier, Some("no_live_streaks"), "",
        "600 points on the 8th day after 7 days without live", "连续7天没有开播,第8天扣除600分"),
    NO_LIVE_15: clause("deduct.no-live-15", SHOP, Tier, Some("no_live_streaks"), "",
        "1000 points on the 16th day after 15 days without live", "连续15天没有开播,第16天扣除1000分"),
    NO_LIVE_30: clause("deduct.no-live-30", SHOP, Tier, Some("no_live_streaks"), "",
        "2000 points on the 31st day after 30 days without live", "连续30天没有开播,第31天扣除2000分"),
    SERVICE_STARS: clause("deduct.service-stars", SHOP, Tier, Some("service_stars_floor, service_stars_points"), "",
        "150 points once a month for service stars below 3.5", "综合服务能力星级低于3.5星,一次扣分150分,一个月扣分一次"),
    DURATION_SHORTFALL: clause("deduct.duration-shortfall", SHOP, Tier, Some("duration_shortfall_points"), "",
        "300 points for a natural week below the held level's 7-day effective minutes", "未满足对应主播层级的7天有效开播时长,扣300分"),
    // 一 店铺直播等级决定因素; 二 升级路径
    LEVEL_POINTS: clause("level.points", SHOP, Verdict, Some("level_requirements"), "",
        "the points at as-of, from the level state and the ledger of every day since", "积分任务:积分累计"),
    LEVEL_BASIC: clause("level.basic-requirements", SHOP, Verdict, Some("level_requirements"), "",
        "7-day effective minutes and service stars of each level, dropping to the highest level met",
        "店铺主播基础要求(7天有效开播时长、店铺综合体验星级),不同时满足自动降级"),
    HONOR_QUOTA: clause("level.honor-quota", SHOP, Tier, Some("honor_quota"), "",
        "honor only for the top 30% by points of the shops meeting honor's minima", "荣耀主播有名额限定,仅限满足积分的前30%商家"),
    KING_MONTHLY: clause("level.king-monthly", SHOP, Tier, Some("king_elimination"), "",
        "king from the 1st after an approved application; points reset each 1st; the last 10% return to honor at month end",
        "审核通过下一个月自动进入王者;每月1号积分清零;每月最后一天末尾10%回流,积分回滚到荣耀最高峰值"),
    HONOR_TIE: clause("level.honor-tie-broken-by-id", SHOP, Flag, Some("honor_quota"), "",
        "shops with equal points straddle the honor cut: the shop id decided", "同积分跨越荣耀名额线:按店铺ID决定"),
    // 二 第二阶段 王者主播申请
    KING_WINDOW: clause("king.window", APPLICATION, Verdict, None, "in",
        "submitted from the 1st to 00:00 of the 30th of the month", "申请时间:每月1号至30号零点"),
    KING_IS_HONOR: clause("king.is-honor", APPLICATION, Verdict, None, "=",
        "the shop is an honor anchor when it applies", "已经晋级到荣耀主播"),
    KING_CONTACT: clause("king.contact", APPLICATION, Verdict, Some("king_contact_failures"), "<",
        "the staff reached the shop before 3 failed attempts", "小二通过钉钉、电话、旺旺联系三次都联系不上,审核不通过"),
    KING_PENALTIES: clause("king.penalties", APPLICATION, Verdict, Some("king_max_penalties_30d"), "≤",
        "at most 2 live penalties in the last 30 days", "最近30天直播处罚超过3次及以上,审核不通过"),
    KING_PRODUCTS: clause("king.products", APPLICATION, Verdict, Some("king_min_products"), "≥",
        "at least 10 products in the shop", "全店商品量不足10款,审核不通过"),
    KING_LIGHTHOUSE: clause("king.lighthouse", APPLICATION, Verdict, Some("min_lighthouse_score"), "≥",
        "the 新灯塔 score reaches the minimum", "新灯塔得分"),
}

const MESSAGES: &[Message] = &[
    Message {
        key: "no-state",
        en: "no level state known at as-of",
        zh: "截至评估时点无等级状态",
    },
    Message {
        key: "no-stars",
        en: "no service-stars reading at or before as-of",
        zh: "评估时点前无综合服务星级记录",
    },
    Message {
        key: "start",
        en: "{0}: level {1}, {2} points, honor peak {3} (level state)",
        zh: "{0}:等级 {1},积分 {2},荣耀峰值 {3}(等级状态)",
    },
    Message {
        key: "ledger-day",
        en: "{0}: +{1} − {2} → {3} points, ends the day {4}",
        zh: "{0}:+{1} − {2} → {3} 分,日终 {4}",
    },
    Message {
        key: "king-reset",
        en: "{0}: king points restart at 0",
        zh: "{0}:王者积分清零",
    },
    Message {
        key: "left-king",
        en: "{0}: misses king's minima, leaves king with the honor peak {1}",
        zh: "{0}:未满足王者基础要求,退出王者,积分回滚至荣耀峰值 {1}",
    },
    Message {
        key: "eliminated",
        en: "{0}: eliminated at month end, back to honor with the honor peak {1}",
        zh: "{0}:月末淘汰,回流荣耀,积分回滚至荣耀峰值 {1}",
    },
    Message {
        key: "promoted",
        en: "{0}: king by the approved application {1}",
        zh: "{0}:王者申请 {1} 审核通过,晋级王者",
    },
    Message {
        key: "daily",
        en: "{0}: {1} points — premium items {3}, normal items {4}, GMV {5}, buyers {6}, views {7}, new followers {8}, dwell {9}",
        zh: "{0}:{1} 分 — 优质商品 {3},普通商品 {4},成交额 {5},买家数 {6},观看UV {7},新增粉丝 {8},停留时长 {9}",
    },
    Message {
        key: "daily-capped",
        en: "{0}: {1} points, capped at {2} — premium items {3}, normal items {4}, GMV {5}, buyers {6}, views {7}, new followers {8}, dwell {9}",
        zh: "{0}:{1} 分,封顶 {2} — 优质商品 {3},普通商品 {4},成交额 {5},买家数 {6},观看UV {7},新增粉丝 {8},停留时长 {9}",
    },
    Message {
        key: "charge",
        en: "{0}: −{1}",
        zh: "{0}:−{1}",
    },
    Message {
        key: "streak",
        en: "no live {0} … {1} ({2} complete days): −{3} on {4}",
        zh: "{0} 至 {1} 连续 {2} 天未开播:{4} 扣 {3} 分",
    },
    Message {
        key: "absences",
        en: "week of {0}: absence #{1} on {2}: −{3}",
        zh: "{0} 所在自然周第 {1} 次旷播({2}):扣 {3} 分",
    },
    Message {
        key: "shortfall",
        en: "week ending {0}: {1} effective minutes < {2} of {3}: −{4}",
        zh: "截至 {0} 的自然周有效开播 {1} 分钟 < {3} 要求的 {2}:扣 {4} 分",
    },
    Message {
        key: "level-met",
        en: "{0}: points {1} (≥ {2}), 7-day minutes {3} (≥ {4}), stars {5} (≥ {6}): met",
        zh: "{0}:积分 {1}(≥ {2}),7天有效开播 {3}(≥ {4}),星级 {5}(≥ {6}):满足",
    },
    Message {
        key: "level-not-met",
        en: "{0}: points {1} (≥ {2}), 7-day minutes {3} (≥ {4}), stars {5} (≥ {6}): not met",
        zh: "{0}:积分 {1}(≥ {2}),7天有效开播 {3}(≥ {4}),星级 {5}(≥ {6}):不满足",
    },
    Message {
        key: "level-no-place",
        en: "{0}: points {1} (≥ {2}), 7-day minutes {3} (≥ {4}), stars {5} (≥ {6}): met, but no honor place (level.honor-quota)",
        zh: "{0}:积分 {1}(≥ {2}),7天有效开播 {3}(≥ {4}),星级 {5}(≥ {6}):满足,但无荣耀名额(level.honor-quota)",
    },
    Message {
        key: "level-floor",
        en: "{0}: points {1} (≥ {2}), 7-day minutes {3} (≥ {4}), stars {5} (≥ {6}): not met, but novice is the floor",
        zh: "{0}:积分 {1}(≥ {2}),7天有效开播 {3}(≥ {4}),星级 {5}(≥ {6}):不满足,新手为最低等级",
    },
    Message {
        key: "quota",
        en: "{0} shops meet honor's minima on {1}: ⌈{2} × {0}⌉ = {3} honor places; this shop ranks #{4} with {5} points",
        zh: "{1} 满足荣耀要求的店铺 {0} 家:名额 ⌈{2} × {0}⌉ = {3};本店以 {5} 分排第 {4}",
    },
    Message {
        key: "quota-rank",
        en: "#{0} {1}: {2} points",
        zh: "第 {0} 名 {1}:{2} 分",
    },
    Message {
        key: "quota-none",
        en: "not among the shops meeting honor's minima on {0}",
        zh: "{0} 未满足荣耀基础要求,不参与名额排名",
    },
    Message {
        key: "king-rank",
        en: "{0}: {1} kings ranked, the last {2} return to honor; this shop #{3} with {4} points",
        zh: "{0}:{1} 位王者排名,末尾 {2} 位回流荣耀;本店以 {4} 分排第 {3}",
    },
    Message {
        key: "window",
        en: "submitted {0}; window {1} … {2}",
        zh: "提交于 {0};申请时间 {1} 至 {2}",
    },
    Message {
        key: "held",
        en: "level held on {0}: {1}",
        zh: "{0} 持有等级:{1}",
    },
    Message {
        key: "attempt",
        en: "{0}: {1}",
        zh: "{0}:{1}",
    },
];

const LEVELS: &[&str] = &["novice", "regular", "expert", "honor", "king"];
const METRICS: &[&str] = &[
    "premium_items",
    "normal_items",
    "gmv",
    "buyers",
    "views_uv",
    "new_followers",
    "avg_dwell_seconds",
];
/// buyers, new_followers and avg_dwell_seconds count only on the days a shop is king (晋级到王者后还需额外新增考核).
const KING_ONLY: [bool; 7] = [false, false, false, true, false, true, true];

const SHOP_REF: Reference = reference("shop_id", "shop", "shop_id");

const RELATIONS: &[Relation] = &[
    relation("shop", &[field("shop_id", Ty::Str), field("category_id", Ty::Str)])
        .key(&["shop_id"])
        .doc("1688 shops with their first-level category (一级类目)"),
    relation(
        "level_state",
        &[
            field("shop_id", Ty::Str),
            field("level", Ty::Enum(LEVELS)),
            field("points", Ty::Int).non_neg(),
            field("honor_peak_points", Ty::Int).non_neg(),
            field("since", Ty::Date),
        ],
    )
    .key(&["shop_id"])
    .refs(&[SHOP_REF])
    .doc("the level, points and honor peak at the start of day `since`"),
    relation(
        "live_day",
        &[
            field("shop_id", Ty::Str),
            field("date", Ty::Date),
            field("effective_minutes", Ty::Int).non_neg(),
        ],
    )
    .key(&["shop_id", "date"])
    .refs(&[SHOP_REF])
    .doc("有效开播 minutes of a day (viewers present, anchor presenting)"),
    relation("schedule", &[field("shop_id", Ty::Str), field("date", Ty::Date)])
        .refs(&[SHOP_REF])
        .doc("a planned live day; planned and no live = 旷播"),
    relation(
        "daily_metric",
        &[
            field("shop_id", Ty::Str),
            field("date", Ty::Date),
            field("premium_items", Ty::Int).non_neg(),
            field("normal_items", Ty::Int).non_neg(),
            field("gmv", Ty::Dec).money(),
            field("buyers", Ty::Int).non_neg(),
            field("views_uv", Ty::Int).non_neg(),
            field("new_followers", Ty::Int).non_neg(),
            field("avg_dwell_seconds", Ty::Int).non_neg(),
        ],
    )
    .key(&["shop_id", "date"])
    .refs(&[SHOP_REF])
    .doc("the point-task metrics of a day"),
    relation(
        "service_stars",
        &[
            field("shop_id", Ty::Str),
            field("date", Ty::Date),
            field("stars", Ty::Dec).non_neg(),
        ],
    )
    .key(&["shop_id", "date"])
    .refs(&[SHOP_REF])
    .doc("综合服务能力星级, a reading"),
    relation(
        "violation",
        &[field("shop_id", Ty::Str), field("date", Ty::Date), field("kind", Ty::Str)],
    )
    .refs(&[SHOP_REF])
    .doc("风控违规 or 直播处罚, one violation each"),
    relation(
        "king_application",
        &[
            field("application_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("month", Ty::Month),
            field("submitted_at", Ty::Time),
        ],
    )
    .key(&["application_id"])
    .refs(&[SHOP_REF])
    .doc("a 王者主播申请 for `month`; submitted_at lies in that month; dated submitted_at"),
    relation(
        "contact_attempt",
        &[field("shop_id", Ty::Str), field("time", Ty::Time), field("reached", Ty::Bool)],
    )
    .refs(&[SHOP_REF])
    .doc("the staff's attempts to reach a shop (钉钉, phone, 旺旺)"),
    relation("product_count", &[field("shop_id", Ty::Str), field("count", Ty::Int).non_neg()])
        .key(&["shop_id"])
        .refs(&[SHOP_REF])
        .doc("全店商品量"),
    relation("lighthouse_score", &[field("shop_id", Ty::Str), field("score", Ty::Dec).non_neg()])
        .key(&["shop_id"])
        .refs(&[SHOP_REF])
        .doc("新灯塔得分"),
];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "level_requirements",
        ty: PTy::Table(&[
            ("level", PTy::Choice(LEVELS)),
            ("min_points", PTy::Int(Range::NonNeg)),
            ("min_effective_minutes_7d", PTy::Int(Range::NonNeg)),
            ("min_service_stars", PTy::Dec(Range::NonNeg)),
        ]),
        default: None,
        doc: "主播基础要求 + 积分 per level (table image lost: required); the king row's min_points is unused",
    },
    ParamSpec {
        name: "points_rules",
        ty: PTy::Table(&[
            ("category_id", PTy::Str),
            ("metric", PTy::Choice(METRICS)),
            ("threshold", PTy::Dec(Range::NonNeg)),
            ("points", PTy::Int(Range::NonNeg)),
        ]),
        default: None,
        doc: "主播任务明细 by 一级类目 (table image lost: required); several rows of one metric are steps",
    },
    ParamSpec {
        name: "daily_points_cap",
        ty: PTy::Int(Range::NonNeg),
        default: Some("200"),
        doc: "一天累计最高积分是200分",
    },
    ParamSpec {
        name: "honor_quota",
        ty: PTy::Dec(Range::Unit),
        default: Some("0.30"),
        doc: "荣耀主播仅限满足积分的前30%商家",
    },
    ParamSpec {
        name: "king_elimination",
        ty: PTy::Dec(Range::Unit),
        default: Some("0.10"),
        doc: "王者主播积分排名末尾10%回流",
    },
    ParamSpec {
        name: "king_min_products",
        ty: PTy::Int(Range::NonNeg),
        default: Some("10"),
        doc: "全店商品量不足10款,审核不通过",
    },
    ParamSpec {
        name: "king_max_penalties_30d",
        ty: PTy::Int(Range::NonNeg),
        default: Some("2"),
        doc: "最近30天直播处罚超过3次及以上 (3 or more rejects)",
    },
    ParamSpec {
        name: "king_contact_failures",
        ty: PTy::Int(Range::NonNeg),
        default: Some("3"),
        doc: "联系三次都联系不上,审核不通过",
    },
    ParamSpec {
        name: "min_lighthouse_score",
        ty: PTy::Dec(Range::NonNeg),
        default: None,
        doc: "新灯塔得分 (the text gives no value: required)",
    },
    ParamSpec {
        name: "violation_points",
        ty: PTy::Int(Range::NonNeg),
        default: Some("150"),
        doc: "直播违规一次扣分150分",
    },
    ParamSpec {
        name: "weekly_absence_count",
        ty: PTy::Int(Range::NonNeg),
        default: Some("4"),
        doc: "自然周有4次旷播行为 (≥ 1)",
    },
    ParamSpec {
        name: "weekly_absence_points",
        ty: PTy::Int(Range::NonNeg),
        default: Some("100"),
        doc: "扣100分",
    },
    ParamSpec {
        name: "no_live_streaks",
        ty: PTy::Table(&[("days", PTy::Int(Range::NonNeg)), ("points", PTy::Int(Range::NonNeg))]),
        default: Some(r#"[{"days":3,"points":150},{"days":7,"points":600},{"days":15,"points":1000},{"days":30,"points":2000}]"#),
        doc: "连续N天没有开播,第N+1天扣分 (days one of 3, 7, 15, 30: each is a clause)",
    },
    ParamSpec {
        name: "service_stars_floor",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("3.5"),
        doc: "综合服务能力星级低于3.5星(大市场门槛)",
    },
    ParamSpec {
        name: "service_stars_points",
        ty: PTy::Int(Range::NonNeg),
        default: Some("150"),
        doc: "一次扣分150分,一个月扣分一次",
    },
    ParamSpec {
        name: "duration_shortfall_points",
        ty: PTy::Int(Range::NonNeg),
        default: Some("300"),
        doc: "未满足对应主播层级的7天有效开播时长,扣300分",
    },
];

const STREAK_CLAUSES: [(i64, ClauseId); 4] = [(3, NO_LIVE_3), (7, NO_LIVE_7), (15, NO_LIVE_15), (30, NO_LIVE_30)];

fn validate(p: &Params) -> Vec<(&'static str, String)> {
    let mut errs = Vec::new();
    let rows = p.table("level_requirements");
    let mut by_level: Vec<Option<(i64, i64, Dec)>> = vec![None; LEVELS.len()];
    for (i, r) in rows.iter().enumerate() {
        let l = LEVELS.iter().position(|x| *x == r["level"].text()).expect("choice");
        if by_level[l].is_some() {
            errs.push(("level_requirements", format!("row {}: level `{}` given twice", i + 1, LEVELS[l])));
        }
        by_level[l] = Some((
            r["min_points"].int(),
            r["min_effective_minutes_7d"].int(),
            r["min_service_stars"].dec(),
        ));
    }
    for (l, v) in by_level.iter().enumerate() {
        if v.is_none() {
            errs.push((
                "level_requirements",
                format!("no row for level `{}`: each of the five levels needs one", LEVELS[l]),
            ));
        }
    }
    if by_level.iter().all(Option::is_some) {
        let v: Vec<(i64, i64, Dec)> = by_level.iter().map(|x| x.expect("checked")).collect();
        for l in 1..v.len() {
            // the king row's min_points is unused, so only its minutes and stars must not fall
            if (l < 4 && v[l].0 < v[l - 1].0) || v[l].1 < v[l - 1].1 || v[l].2 < v[l - 1].2 {
                errs.push((
                    "level_requirements",
                    format!(
                        "level `{}` asks less than `{}`: minima must not fall up the ladder",
                        LEVELS[l],
                        LEVELS[l - 1]
                    ),
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    for (i, r) in p.table("points_rules").iter().enumerate() {
        let key = (
            r["category_id"].text().to_string(),
            r["metric"].text().to_string(),
            r["threshold"].dec(),
        );
        if !seen.insert(key.clone()) {
            errs.push((
                "points_rules",
                format!("row {}: ({}, {}, {}) given twice", i + 1, key.0, key.1, key.2),
            ));
        }
    }
    let mut days = HashSet::new();
    for (i, r) in p.table("no_live_streaks").iter().enumerate() {
        let d = r["days"].int();
        if !STREAK_CLAUSES.iter().any(|c| c.0 == d) {
            errs.push((
                "no_live_streaks",
                format!("row {}: {d} days is no clause (expected 3, 7, 15 or 30)", i + 1),
            ));
        } else if !days.insert(d) {
            errs.push(("no_live_streaks", format!("row {}: {d} days given twice", i + 1)));
        }
    }
    if p.int("weekly_absence_count") < 1 {
        errs.push(("weekly_absence_count", "expected an integer ≥ 1".into()));
    }
    errs
}

/// The longest ledger: one run of the day rules per day from the earliest `since` to as-of.
const MAX_LEDGER_DAYS: i32 = 3_660;

/// `king_application.submitted_at` must lie in its `month`; a ledger runs at most `MAX_LEDGER_DAYS` days.
fn validate_facts(facts: &FactSet, p: &Params) -> Vec<crate::error::InputError> {
    let mut errs: Vec<crate::error::InputError> = Vec::new();
    if let Some((as_of, _)) = &p.as_of {
        for (r, v) in facts.rows("level_state") {
            let days = as_of.date().0 - v[4].date().0;
            if days > MAX_LEDGER_DAYS {
                let (file, line) = facts.origin(r);
                errs.push(crate::error::InputError::new(
                    file,
                    Some(line),
                    Some("since"),
                    format!(
                        "expected a date at most {MAX_LEDGER_DAYS} days before as-of {} (the ledger runs day by day), got {}",
                        as_of.date(),
                        v[4].date()
                    ),
                ));
            }
        }
    }
    errs.extend(
        facts
            .rows("king_application")
            .filter(|(_, v)| v[3].time().date().month() != v[2].month())
            .map(|(r, v)| {
                let (file, line) = facts.origin(r);
                crate::error::InputError::new(
                    file,
                    Some(line),
                    Some("submitted_at"),
                    format!("expected a time in the application's month {}, got {}", v[2].month(), v[3].time()),
                )
            }),
    );
    errs
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Level {
    Novice,
    Regular,
    Expert,
    Honor,
    King,
}

const ALL_LEVELS: [Level; 5] = [Level::Novice, Level::Regular, Level::Expert, Level::Honor, Level::King];

impl Level {
    fn name(self) -> &'static str {
        LEVELS[self as usize]
    }
    fn of(name: &str) -> Level {
        ALL_LEVELS[LEVELS.iter().position(|l| *l == name).expect("schema restricts levels")]
    }
}

/// The ranking of a quota or an elimination: points desc, then shop id asc.
fn points_ranking<'a>(inp: impl Iterator<Item = (&'a i64, &'a Sym)>) -> impl Iterator<Item = (Sym, u32)> {
    let mut v: Vec<(i64, Sym)> = inp.map(|(p, s)| (*p, *s)).collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    v.into_iter().enumerate().map(|(i, (_, s))| (s, i as u32 + 1))
}

/// ⌈fraction × n⌉ and ⌊fraction × n⌋, exactly.
fn ceil_share(fraction: Dec, n: usize) -> usize {
    let scaled = fraction.0 as i128 * n as i128;
    ((scaled + crate::num::SCALE as i128 - 1) / crate::num::SCALE as i128) as usize
}
fn floor_share(fraction: Dec, n: usize) -> usize {
    (fraction.0 as i128 * n as i128 / crate::num::SCALE as i128) as usize
}

fn monday(d: Date) -> Date {
    d.add_days(1 - d.weekday() as i32)
}

/// The parameters, read once.
struct Cfg {
    /// Per level: min points, min 7-day effective minutes, min service stars.
    req: [(i64, i64, Dec); 5],
    cap: i64,
    honor_quota: Dec,
    king_elimination: Dec,
    king_min_products: i64,
    king_max_penalties: usize,
    king_contact_failures: usize,
    min_lighthouse: Dec,
    violation_points: i64,
    absence_count: usize,
    absence_points: i64,
    streaks: Vec<(i64, i64, ClauseId)>,
    stars_floor: Dec,
    stars_points: i64,
    shortfall_points: i64,
}

impl Cfg {
    fn read(p: &Params) -> Cfg {
        let mut req = [(0, 0, Dec::ZERO); 5];
        for r in p.table("level_requirements") {
            req[Level::of(r["level"].text()) as usize] = (
                r["min_points"].int(),
                r["min_effective_minutes_7d"].int(),
                r["min_service_stars"].dec(),
            );
        }
        let streaks = p
            .table("no_live_streaks")
            .iter()
            .map(|r| {
                let days = r["days"].int();
                let clause = STREAK_CLAUSES.iter().find(|c| c.0 == days).expect("validated").1;
                (days, r["points"].int(), clause)
            })
            .collect();
        Cfg {
            req,
            cap: p.int("daily_points_cap"),
            honor_quota: p.dec("honor_quota"),
            king_elimination: p.dec("king_elimination"),
            king_min_products: p.int("king_min_products"),
            king_max_penalties: p.int("king_max_penalties_30d") as usize,
            king_contact_failures: p.int("king_contact_failures") as usize,
            min_lighthouse: p.dec("min_lighthouse_score"),
            violation_points: p.int("violation_points"),
            absence_count: p.int("weekly_absence_count") as usize,
            absence_points: p.int("weekly_absence_points"),
            streaks,
            stars_floor: p.dec("service_stars_floor"),
            stars_points: p.int("service_stars_points"),
            shortfall_points: p.int("duration_shortfall_points"),
        }
    }
}

/// The input records, converted once; event records dated after as-of are left out here.
struct Inputs {
    shops: Vec<(Sym, Sym, Rec)>,
    states: Vec<(Sym, Level, i64, i64, Date, Rec)>,
    live: Vec<(Sym, Date, i64, Rec)>,
    schedule: Vec<(Sym, Date, Rec)>,
    metrics: Vec<(Sym, Date, u8, Dec, Rec)>,
    readings: Vec<(Sym, Date, Dec, Rec)>,
    violations: Vec<(Sym, Date, Rec)>,
    apps: Vec<(Sym, Sym, Month, Time, Rec)>,
    attempts: Vec<(Sym, Time, bool, Rec)>,
    products: Vec<(Sym, i64, Rec)>,
    lighthouse: Vec<(Sym, Dec, Rec)>,
}

impl Inputs {
    fn read(facts: &FactSet, as_of: Time) -> Inputs {
        let known = |d: Date| d.start() <= as_of;
        let mut metrics = Vec::new();
        for (r, v) in facts.rows("daily_metric").filter(|(_, v)| known(v[1].date())) {
            for (k, val) in v[2..9].iter().enumerate() {
                let value = match val {
                    Val::Int(i) => Dec::from_int(*i).expect("count fits"),
                    other => other.dec(),
                };
                metrics.push((v[0].sym(), v[1].date(), k as u8, value, r));
            }
        }
        Inputs {
            shops: facts.rows("shop").map(|(r, v)| (v[0].sym(), v[1].sym(), r)).collect(),
            states: facts
                .rows("level_state")
                .map(|(r, v)| {
                    (
                        v[0].sym(),
                        Level::of(facts.syms.resolve(v[1].sym())),
                        v[2].int(),
                        v[3].int(),
                        v[4].date(),
                        r,
                    )
                })
                .collect(),
            live: facts
                .rows("live_day")
                .filter(|(_, v)| known(v[1].date()))
                .map(|(r, v)| (v[0].sym(), v[1].date(), v[2].int(), r))
                .collect(),
            schedule: facts.rows("schedule").map(|(r, v)| (v[0].sym(), v[1].date(), r)).collect(),
            metrics,
            readings: facts
                .rows("service_stars")
                .filter(|(_, v)| known(v[1].date()))
                .map(|(r, v)| (v[0].sym(), v[1].date(), v[2].dec(), r))
                .collect(),
            violations: facts
                .rows("violation")
                .filter(|(_, v)| known(v[1].date()))
                .map(|(r, v)| (v[0].sym(), v[1].date(), r))
                .collect(),
            apps: facts
                .rows("king_application")
                .filter(|(_, v)| v[3].time() <= as_of)
                .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].month(), v[3].time(), r))
                .collect(),
            attempts: facts
                .rows("contact_attempt")
                .filter(|(_, v)| v[1].time() <= as_of)
                .map(|(r, v)| (v[0].sym(), v[1].time(), v[2].bool(), r))
                .collect(),
            products: facts.rows("product_count").map(|(r, v)| (v[0].sym(), v[1].int(), r)).collect(),
            lighthouse: facts.rows("lighthouse_score").map(|(r, v)| (v[0].sym(), v[1].dec(), r)).collect(),
        }
    }
}

/// What stratum 1 knows of one shop-day, for the ledger.
#[derive(Default, Clone)]
struct DayIn {
    minutes7: i64,
    meets: Vec<Level>,
    /// Capped daily points: held below king, held king.
    daily: Option<(i64, i64)>,
    charges: Vec<(ClauseId, Option<Rec>, i64)>,
}

/// Stratum 1: every fact of a shop-day that needs no ledger.
struct DayFacts {
    days: BTreeMap<Date, HashMap<Sym, DayIn>>,
    /// Shops with a service-stars reading at or before as-of: the honor-quota population.
    stars_known: HashSet<Sym>,
    // for explanations
    minutes_in: Vec<(Sym, Date, Rec)>,
    stars_on: HashMap<(Sym, Date), (Dec, Rec)>,
    steps: Vec<(Sym, Date, u8, Dec, Dec, i64, Rec)>,
    raw_daily: HashMap<(Sym, Date), (i64, i64)>,
    charge_cites: HashMap<(Sym, Date, ClauseId), Vec<Rec>>,
    streaks: Vec<(Sym, Date, i64, Date, Date, i64, ClauseId)>,
    absences: Vec<(Sym, Date, usize)>,
}

fn day_facts(input: &Input, cfg: &Cfg, inp: &Inputs) -> DayFacts {
    let as_of = input.as_of;
    let as_of_date = as_of.date();
    let facts = input.facts;
    let rules: Vec<(Sym, u8, Dec, i64)> = input
        .params
        .table("points_rules")
        .iter()
        .filter_map(|r| {
            let metric = METRICS.iter().position(|m| *m == r["metric"].text()).expect("choice") as u8;
            Some((facts.sym(r["category_id"].text())?, metric, r["threshold"].dec(), r["points"].int()))
        })
        .collect();
    let level_min: Vec<(Level, i64, Dec)> = ALL_LEVELS
        .iter()
        .map(|&l| (l, cfg.req[l as usize].1, cfg.req[l as usize].2))
        .collect();
    let streak_rows = cfg.streaks.clone();
    let (violation_points, absence_count, absence_points) = (cfg.violation_points, cfg.absence_count, cfg.absence_points);
    let (stars_floor, stars_points) = (cfg.stars_floor, cfg.stars_points);

    let res = ascent_run! {
        #![ds(crate::index)]
        relation shop(Sym, Sym) = inp.shops.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>();   // shop, category
        relation since(Sym, Date) = inp.states.iter().map(|s| (s.0, s.4)).collect::<Vec<_>>();
        relation live_day(Sym, Date, i64, Rec) = inp.live.clone();                             // shop, date, effective minutes
        relation schedule(Sym, Date, Rec) = inp.schedule.clone();
        relation metric(Sym, Date, u8, Dec, Rec) = inp.metrics.clone();                        // shop, date, metric, value
        relation reading(Sym, Date, Dec, Rec) = inp.readings.clone();                          // service stars
        relation violation(Sym, Date, Rec) = inp.violations.clone();
        relation rule(Sym, u8, Dec, i64) = rules;                                              // category, metric, threshold, points
        relation level_min(Level, i64, Dec) = level_min;                                       // level, 7-day minutes, stars
        relation streak_row(i64, i64, ClauseId) = streak_rows;                                 // days, points, clause

        // The ledger's days D = since .. the as-of date. A day is complete when as-of ≥ its 23:59:59; live when it
        // has effective minutes.
        relation day(Sym, Date);
        relation live(Sym, Date);
        day(s, *d) <-- since(s, d), if *d <= as_of_date;
        day(s, next) <-- day(s, d), if *d < as_of_date, let next = d.add_days(1);
        live(s, *d) <-- live_day(s, d, m, _), if *m > 0;

        // 7-day minutes: Σ effective minutes of d − 6 .. d (records before `since` count).
        relation minutes_in(Sym, Date, Date, i64, Rec);
        relation minutes7(Sym, Date, i64);
        minutes_in(s, *d, *x, *m, *r) <-- day(s, d), live_day(s, x, m, r), if x <= d && *x >= d.add_days(-6);
        minutes7(s, *d, total) <-- day(s, d), agg total = sum(m) in minutes_in(s, d, _, m, _);

        // Stars on d: the latest reading dated ≤ d; before the first reading, unknown (meets every minimum).
        relation reading_upto(Sym, Date, Date);
        relation stars_on(Sym, Date, Dec, Rec);
        relation has_stars(Sym, Date);
        reading_upto(s, *d, *x) <-- day(s, d), reading(s, x, _, _), if x <= d;
        stars_on(s, *d, *v, *r) <-- day(s, d), agg x = max(y) in reading_upto(s, d, y), reading(s, x, v, r);
        has_stars(s, *d) <-- stars_on(s, d, _, _);
        #[ds(crate::sink)] relation stars_known(Sym);
        stars_known(s) <-- reading(s, _, _, _);

        // ---- level.basic-requirements — 7天有效开播时长 and 店铺综合体验星级 of each level met on d (points aside).
        #[ds(crate::sink)] relation meets(Sym, Date, Level);
        meets(s, *d, *l) <-- minutes7(s, d, m), level_min(l, min_m, min_st), if m >= min_m, stars_on(s, d, v, _), if v >= min_st;
        meets(s, *d, *l) <-- minutes7(s, d, m), level_min(l, min_m, _), if m >= min_m, !has_stars(s, d);

        // ---- points.daily — on a live day, each metric scores the points of its category's rule with the highest
        //      threshold ≤ the value; king-only metrics count for kings; the day's total is capped (by the ledger).
        relation scored(Sym, Date, u8, Dec, Rec);
        relation hit(Sym, Date, u8, Dec);
        relation step(Sym, Date, u8, Dec, Dec, i64, Rec);                                  // shop, day, metric, value, threshold, points
        relation base_step(Sym, Date, u8, i64);
        #[ds(crate::sink)] relation day_points(Sym, Date, i64, i64);                                          // without king-only metrics, with them
        scored(s, *d, *k, *v, *r) <-- metric(s, d, k, v, r), live(s, d), day(s, d);
        hit(s, *d, *k, *th) <-- scored(s, d, k, v, _), shop(s, cat), rule(cat, k, th, _), if th <= v;
        step(s, *d, *k, *v, top, *p, *r) <-- scored(s, d, k, v, r), agg top = max(t) in hit(s, d, k, t), shop(s, cat), rule(cat, k, top, p);
        base_step(s, *d, *k, *p) <-- step(s, d, k, _, _, p, _), if !KING_ONLY[*k as usize];
        day_points(s, *d, base, all) <-- live(s, d), day(s, d), agg base = sum(p) in base_step(s, d, _, p), agg all = sum(p) in step(s, d, _, _, _, p, _);

        #[ds(crate::sink)] relation charge(Sym, Date, ClauseId, Option<Rec>, i64);                            // shop, dated, clause, record, points
        #[ds(crate::sink)] relation charge_cite(Sym, Date, ClauseId, Rec);

        // ---- deduct.violation — 风控违规:直播违规一次扣分150分, dated on its date.
        charge(s, *d, VIOLATION, Some(*r), violation_points), charge_cite(s, *d, VIOLATION, *r) <-- violation(s, d, r), day(s, d);

        // ---- deduct.weekly-absence — 自然周有4次旷播行为:扣100分: an absence is a complete planned day without live;
        //      charged on the day of the week's 4th absence.
        relation absent(Sym, Date, Rec);
        relation absent_upto(Sym, Date, Date);
        relation absence_no(Sym, Date, usize);
        absent(s, *d, *r) <-- day(s, d), if d.end() <= as_of, schedule(s, d, r), !live(s, d);
        absent_upto(s, *d, *x) <-- absent(s, d, _), absent(s, x, _), if x <= d && monday(*x) == monday(*d);
        absence_no(s, *d, n) <-- absent(s, d, _), agg n = count() in absent_upto(s, d, _);
        charge(s, *d, WEEKLY_ABSENCE, None, absence_points) <-- absence_no(s, d, n), if *n == absence_count;
        charge_cite(s, *d, WEEKLY_ABSENCE, *r) <-- absence_no(s, d, n), if *n == absence_count, absent_upto(s, d, x), absent(s, x, r);

        // ---- deduct.no-live-3/7/15/30 — 连续N天没有开播,第N+1天扣除: a run of consecutive complete days without
        //      live in D; when it reaches N days, charged on the next day (if in D), once per run.
        relation no_live(Sym, Date);
        relation run(Sym, Date, i64, Date);                                                // shop, day, days so far, first day
        #[ds(crate::sink)] relation streak(Sym, Date, i64, Date, Date, i64, ClauseId);                        // shop, charged on, days, first, last, points, clause
        no_live(s, *d) <-- day(s, d), if d.end() <= as_of, !live(s, d);
        run(s, *d, 1, *d) <-- no_live(s, d), let before = d.add_days(-1), !no_live(s, before);
        run(s, next, n + 1, *first) <-- run(s, d, n, first), let next = d.add_days(1), no_live(s, next);
        streak(s, next, *n, *first, *d, *pts, *c), charge(s, next, *c, None, *pts) <--
            run(s, d, n, first), streak_row(n, pts, c), let next = d.add_days(1), day(s, next);

        // ---- deduct.service-stars — 星级低于3.5星,一次扣分150分,一个月扣分一次: dated on the month's first low reading.
        relation low(Sym, Date, Rec);
        relation low_month(Sym, Month, Date);
        low(s, *d, *r) <-- reading(s, d, v, r), day(s, d), if *v < stars_floor;
        low_month(s, d.month(), *d) <-- low(s, d, _);
        charge(s, first, SERVICE_STARS, None, stars_points), charge_cite(s, first, SERVICE_STARS, *r) <--
            low_month(s, m, _), agg first = min(x) in low_month(s, m, x), low(s, first, r);
    };

    let mut days: BTreeMap<Date, HashMap<Sym, DayIn>> = BTreeMap::new();
    for &(s, d, m) in &res.minutes7 {
        days.entry(d).or_default().entry(s).or_default().minutes7 = m;
    }
    for &(s, d, l) in &res.meets {
        days.entry(d).or_default().entry(s).or_default().meets.push(l);
    }
    let cap = cfg.cap;
    for &(s, d, base, all) in &res.day_points {
        days.entry(d).or_default().entry(s).or_default().daily = Some((base.min(cap), all.min(cap)));
    }
    for &(s, d, c, r, a) in &res.charge {
        days.entry(d).or_default().entry(s).or_default().charges.push((c, r, a));
    }
    for shops in days.values_mut() {
        for day in shops.values_mut() {
            day.meets.sort();
            day.charges.sort();
        }
    }
    let mut charge_cites: HashMap<(Sym, Date, ClauseId), Vec<Rec>> = HashMap::new();
    for &(s, d, c, r) in &res.charge_cite {
        charge_cites.entry((s, d, c)).or_default().push(r);
    }
    DayFacts {
        days,
        stars_known: res.stars_known.iter().map(|s| s.0).collect(),
        minutes_in: res.minutes_in.iter().map(|m| (m.0, m.1, m.4)).collect(),
        stars_on: res.stars_on.iter().map(|s| ((s.0, s.1), (s.2, s.3))).collect(),
        steps: res.step.clone(),
        raw_daily: res.day_points.iter().map(|d| ((d.0, d.1), (d.2, d.3))).collect(),
        charge_cites,
        streaks: res.streak.to_vec(),
        absences: res.absence_no.clone(),
    }
}

/// A shop's state at the start of a day: the level held, points, honor peak.
type State = (Sym, Level, i64, i64);

/// What one day of the ledger derived, kept for the next day, the verdicts and the explanations.
#[derive(Default)]
struct DayOut {
    state: Vec<State>,
    earned: HashMap<Sym, i64>,
    charges: Vec<(Sym, ClauseId, Option<Rec>, i64)>,
    held: Vec<(Sym, Level)>,
    reset: HashSet<Sym>,
    left_king: HashSet<Sym>,
    eliminated: HashSet<Sym>,
    king_ranks: Vec<(Sym, u32)>,
    king_count: usize,
    quota_pool: Vec<(Sym, i64, u32)>,
    tie: HashSet<Sym>,
}

/// Stratum 2, one day: promotions and resets at the start, points and charges, the level at the end.
#[allow(clippy::too_many_arguments)]
fn ledger_day(
    cfg: &Cfg,
    d: Date,
    complete: bool,
    state: &[State],
    fresh: &[(Sym,)],
    promoted: &[(Sym,)],
    day: &HashMap<Sym, DayIn>,
    population: &HashSet<Sym>,
) -> DayOut {
    let is_first = d.add_days(-1).month() != d.month();
    let month_end = complete && d.add_days(1).month() != d.month();
    let sunday = complete && d.weekday() == 7;
    let shops: HashSet<Sym> = state.iter().map(|s| s.0).collect();
    let get = |s: &Sym| day.get(s).cloned().unwrap_or_default();
    let daily: Vec<(Sym, i64, i64)> = shops.iter().filter_map(|s| get(s).daily.map(|(b, k)| (*s, b, k))).collect();
    let charges: Vec<(Sym, ClauseId, Option<Rec>, i64)> = shops
        .iter()
        .flat_map(|s| get(s).charges.into_iter().map(move |(c, r, a)| (*s, c, r, a)))
        .collect();
    let minutes7: Vec<(Sym, i64)> = shops.iter().map(|s| (*s, get(s).minutes7)).collect();
    let meets: Vec<(Sym, Level)> = shops.iter().flat_map(|s| get(s).meets.into_iter().map(move |l| (*s, l))).collect();
    let population: Vec<(Sym,)> = shops.iter().filter(|s| population.contains(s)).map(|s| (*s,)).collect();
    let req: Vec<(Level, i64, i64)> = ALL_LEVELS
        .iter()
        .map(|&l| (l, cfg.req[l as usize].0, cfg.req[l as usize].1))
        .collect();
    let (honor_quota, king_elimination, shortfall_points) = (cfg.honor_quota, cfg.king_elimination, cfg.shortfall_points);

    let res = ascent_run! {
        #![ds(crate::index)]
        relation state(Sym, Level, i64, i64) = state.to_vec();                                 // shop, level held yesterday at its end, points, honor peak
        relation fresh(Sym) = fresh.to_vec();                                                  // today is the shop's `since`
        relation promoted(Sym) = promoted.to_vec();                                            // an application approved for today (a 1st)
        relation daily(Sym, i64, i64) = daily;                                                 // capped points: below king, as king
        relation charge(Sym, ClauseId, Option<Rec>, i64) = charges;                            // stratum 1's charges dated today
        relation minutes7(Sym, i64) = minutes7;
        relation meets(Sym, Level) = meets;                                                    // minutes and stars minima met today
        relation population(Sym) = population;                                                 // shops that may compete for honor
        relation req(Level, i64, i64) = req;                                                   // level, min points, min 7-day minutes

        // ---- level.king-monthly (start of the day) — 审核通过下一个月就会自动进入到王者主播; 每月1号积分清零.
        relation held(Sym, Level);
        relation reset(Sym);
        relation start(Sym, i64);
        held(s, *l) <-- state(s, l, _, _), !promoted(s);
        held(s, Level::King) <-- state(s, _, _, _), promoted(s);
        reset(s) <-- promoted(s);
        reset(s) <-- held(s, l), if *l == Level::King && is_first, !fresh(s);
        start(s, 0) <-- reset(s);
        start(s, *p) <-- state(s, _, p, _), !reset(s);

        // ---- points.daily — the capped points of the day, with the king-only metrics when the shop holds king.
        relation has_daily(Sym);
        relation earned(Sym, i64);
        has_daily(s) <-- daily(s, _, _);
        earned(s, if *l == Level::King { *king } else { *base }) <-- held(s, l), daily(s, base, king);
        earned(s, 0) <-- held(s, _), !has_daily(s);

        // ---- deduct.duration-shortfall — on a complete Sunday: the natural week's minutes (= the 7-day minutes on
        //      Sunday) below the minimum of the level held that Sunday.
        relation day_charge(Sym, ClauseId, Option<Rec>, i64);
        day_charge(s, *c, *r, *a) <-- charge(s, c, r, a);
        day_charge(s, DURATION_SHORTFALL, None, shortfall_points) <-- if sunday, held(s, l), minutes7(s, m), req(l, _, min_m), if m < min_m;
        relation charged(Sym, i64);
        relation end_points(Sym, i64);
        charged(s, total) <-- held(s, _), agg total = sum(a) in day_charge(s, _, _, a);
        end_points(s, st + e - c) <-- start(s, st), earned(s, e), charged(s, c);

        // ---- level.king-monthly (end of the day) — a king missing king's minutes or stars leaves king with its
        //      honor peak; at the end of a month's last day the last ⌊10% × K⌋ kings by points go back to honor.
        relation stays_king(Sym, i64);
        relation leaves_king(Sym);
        relation king_count(usize);
        relation king_rank(Sym, u32);
        relation eliminated(Sym);
        stays_king(s, *p) <-- held(s, l), if *l == Level::King, meets(s, l), end_points(s, p);
        leaves_king(s) <-- held(s, l), if *l == Level::King, !meets(s, l);
        king_count(n) <-- if month_end, agg n = count() in stays_king(_, _);
        king_rank(s, pos) <-- if month_end, agg (s, pos) = points_ranking(p, x) in stays_king(x, p);
        eliminated(s) <-- king_rank(s, pos), king_count(k), if *pos as usize > k - floor_share(king_elimination, *k);
        relation level_end(Sym, Level);
        relation points_end(Sym, i64);
        level_end(s, Level::King), points_end(s, *p) <-- stays_king(s, p), !eliminated(s);
        level_end(s, Level::Honor), points_end(s, *peak) <-- eliminated(s), state(s, _, _, peak);

        // ---- level.points · level.basic-requirements · level.honor-quota — a shop below king ends the day at the
        //      highest level whose points, minutes and stars minima it meets (several up or down at once); honor also
        //      needs a place among the first ⌈30% × N⌉ of the N shops meeting honor's minima, by points then id.
        relation below_king(Sym, i64);
        relation qualifies(Sym, Level);
        relation quota_pool(Sym, i64);
        relation pool_size(usize);
        relation quota_rank(Sym, u32);
        relation honor(Sym);
        relation lower(Sym, Level);
        below_king(s, *p) <-- held(s, l), if *l != Level::King, end_points(s, p);
        below_king(s, *peak) <-- leaves_king(s), state(s, _, _, peak);
        qualifies(s, *l) <-- below_king(s, p), req(l, min_p, _), if *l != Level::King && p >= min_p, meets(s, l);
        quota_pool(s, *p) <-- below_king(s, p), qualifies(s, l), if *l == Level::Honor, population(s);
        pool_size(n) <-- agg n = count() in quota_pool(_, _);
        quota_rank(s, pos) <-- agg (s, pos) = points_ranking(p, x) in quota_pool(x, p);
        honor(s) <-- quota_rank(s, pos), pool_size(n), if (*pos as usize) <= ceil_share(honor_quota, *n);
        lower(s, Level::Novice) <-- below_king(s, _);
        lower(s, *l) <-- qualifies(s, l), if *l < Level::Honor;
        level_end(s, Level::Honor), points_end(s, *p) <-- honor(s), below_king(s, p);
        level_end(s, l), points_end(s, *p) <-- below_king(s, p), !honor(s), agg l = max(x) in lower(s, x);

        // honor_peak_points: the highest points at the end of a day at honor.
        #[ds(crate::sink)] relation peak_end(Sym, i64);
        peak_end(s, (*peak).max(*p)) <-- state(s, _, _, peak), level_end(s, l), if *l == Level::Honor, points_end(s, p);
        peak_end(s, *peak) <-- state(s, _, _, peak), level_end(s, l), if *l != Level::Honor;

        // flag level.honor-tie-broken-by-id: equal points at the last honor place and the first place after it.
        relation cut(i64, i64);
        #[ds(crate::sink)] relation tie(Sym);
        cut(*a, *b) <-- pool_size(n), let k = ceil_share(honor_quota, *n), quota_rank(x, i), if *i as usize == k, quota_pool(x, a),
            quota_rank(y, j), if *j as usize == k + 1, quota_pool(y, b);
        tie(s) <-- cut(a, b), if a == b, quota_pool(s, p), if p == a;
    };

    let points: HashMap<Sym, i64> = res.points_end.iter().map(|&(s, p)| (s, p)).collect();
    let peaks: HashMap<Sym, i64> = res.peak_end.iter().map(|&(s, p)| (s, p)).collect();
    let mut next: Vec<State> = res.level_end.iter().map(|&(s, l)| (s, l, points[&s], peaks[&s])).collect();
    next.sort();
    let pool: HashMap<Sym, i64> = res.quota_pool.iter().map(|&(s, p)| (s, p)).collect();
    let mut quota_pool: Vec<(Sym, i64, u32)> = res.quota_rank.iter().map(|&(s, pos)| (s, pool[&s], pos)).collect();
    quota_pool.sort_by_key(|q| q.2);
    DayOut {
        state: next,
        earned: res.earned.iter().map(|&(s, e)| (s, e)).collect(),
        charges: res.day_charge.clone(),
        held: res.held.clone(),
        reset: res.reset.iter().map(|r| r.0).collect(),
        left_king: res.leaves_king.iter().map(|r| r.0).collect(),
        eliminated: res.eliminated.iter().map(|r| r.0).collect(),
        king_ranks: res.king_rank.clone(),
        king_count: res.king_count.first().map_or(0, |k| k.0),
        quota_pool,
        tie: res.tie.iter().map(|t| t.0).collect(),
    }
}

/// Stratum 3: the king applications, judged on the levels the ledger held.
#[derive(Default)]
struct KingOut {
    checks: Vec<(Sym, ClauseId, Outcome, Val, Val)>,
    cites: Vec<(Sym, ClauseId, Rec)>,
    notes: Vec<(Sym, ClauseId, &'static str, [Val; 4])>,
    approved: Vec<(Sym, Sym, Month)>,
}

/// 00:00 of the 30th of M, or of M's last day when M is shorter (每月1号至30号零点).
fn window_end(m: Month) -> Time {
    let last = m.last_day();
    let thirtieth = m.first_day().add_days(29);
    (if thirtieth <= last { thirtieth } else { last }).start()
}

fn king_rules(cfg: &Cfg, inp: &Inputs, apps: Vec<(Sym, Sym, Month, Time, Rec)>, history: &[(Sym, Date, Level)]) -> KingOut {
    let (max_penalties, contact_failures, min_products, min_lighthouse) = (
        cfg.king_max_penalties,
        cfg.king_contact_failures,
        cfg.king_min_products,
        cfg.min_lighthouse,
    );
    let res = ascent_run! {
        #![ds(crate::index)]
        relation app(Sym, Sym, Month, Time, Rec) = apps;                                       // application, shop, month, submitted at
        relation held_on(Sym, Date, Level) = history.to_vec();                                 // stratum 2: the level held each day
        relation since(Sym, Date) = inp.states.iter().map(|s| (s.0, s.4)).collect::<Vec<_>>();
        relation attempt(Sym, Time, bool, Rec) = inp.attempts.clone();                         // shop, time, reached
        relation violation(Sym, Date, Rec) = inp.violations.clone();
        relation products(Sym, i64, Rec) = inp.products.clone();
        relation lighthouse(Sym, Dec, Rec) = inp.lighthouse.clone();
        relation check(Sym, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation cite(Sym, ClauseId, Rec);
        #[ds(crate::sink)] relation note(Sym, ClauseId, &'static str, [Val; 4]);

        // ---- king.window — 申请时间:每月1号至30号零点.
        check(a, KING_WINDOW, Outcome::of(*t >= from && *t < to), Val::Time(*t), Val::Span(from, Time(to.0 - 1))), cite(a, KING_WINDOW, *r) <--
            app(a, _, m, t, r), let from = m.first_day().start(), let to = window_end(*m);

        // ---- king.is-honor — 已经晋级到荣耀主播: the level held on the date of the submission.
        relation known_since(Sym);
        known_since(s) <-- since(s, _);
        check(a, KING_IS_HONOR, Outcome::of(*l == Level::Honor), Val::Word(l.name()), Val::Word("honor")),
            note(a, KING_IS_HONOR, "held", [Val::Date(d), Val::Word(l.name()), Val::Null, Val::Null]) <--
            app(a, s, _, t, _), let d = t.date(), held_on(s, d, l);
        check(a, KING_IS_HONOR, Outcome::Missing, Val::Null, Val::Word("honor")) <-- app(a, s, _, _, _), !known_since(s);
        check(a, KING_IS_HONOR, Outcome::Missing, Val::Null, Val::Word("honor")) <-- app(a, s, _, t, _), since(s, first), if t.date() < *first;

        // ---- king.contact — 小二联系三次都联系不上,审核不通过: from the submission to the month's end, in time order,
        //      3 failed attempts before any that reached the shop fail; a reached attempt settles it.
        relation in_window(Sym, Time, bool, Rec);
        relation reached(Sym, Time);
        relation has_reached(Sym);
        relation first_reached(Sym, Time);
        relation failed_before(Sym, Time);
        relation failures(Sym, usize);
        in_window(a, *x, *ok, *r), cite(a, KING_CONTACT, *r),
            note(a, KING_CONTACT, "attempt", [Val::Time(*x), Val::Word(if *ok { "reached" } else { "not reached" }), Val::Null, Val::Null]) <--
            app(a, s, m, t, _), attempt(s, x, ok, r), if x >= t && *x < m.plus(1).first_day().start();
        reached(a, *x) <-- in_window(a, x, ok, _), if *ok;
        has_reached(a) <-- reached(a, _);
        first_reached(a, first) <-- has_reached(a), agg first = min(x) in reached(a, x);
        failed_before(a, *x) <-- in_window(a, x, ok, _), if !*ok, first_reached(a, f), if x < f;
        failed_before(a, *x) <-- in_window(a, x, ok, _), if !*ok, !has_reached(a);
        failures(a, n) <-- app(a, _, _, _, _), agg n = count() in failed_before(a, _);
        check(a, KING_CONTACT, Outcome::of(*n < contact_failures), Val::Int(*n as i64), Val::Int(contact_failures as i64)) <-- failures(a, n);

        // ---- king.penalties — 最近30天直播处罚超过3次及以上,审核不通过: violations dated within the 30 days ending
        //      with the submission date.
        relation recent(Sym, Rec);
        relation penalties(Sym, usize);
        recent(a, *r), cite(a, KING_PENALTIES, *r) <-- app(a, s, _, t, _), violation(s, d, r), if *d <= t.date() && *d >= t.date().add_days(-29);
        penalties(a, n) <-- app(a, _, _, _, _), agg n = count() in recent(a, _);
        check(a, KING_PENALTIES, Outcome::of(*n <= max_penalties), Val::Int(*n as i64), Val::Int(max_penalties as i64)) <-- penalties(a, n);

        // ---- king.products — 全店商品量不足10款,审核不通过.
        relation has_products(Sym);
        has_products(s) <-- products(s, _, _);
        check(a, KING_PRODUCTS, Outcome::of(*c >= min_products), Val::Int(*c), Val::Int(min_products)), cite(a, KING_PRODUCTS, *r) <--
            app(a, s, _, _, _), products(s, c, r);
        check(a, KING_PRODUCTS, Outcome::Missing, Val::Null, Val::Int(min_products)) <-- app(a, s, _, _, _), !has_products(s);

        // ---- king.lighthouse — 新灯塔得分.
        relation has_lighthouse(Sym);
        has_lighthouse(s) <-- lighthouse(s, _, _);
        check(a, KING_LIGHTHOUSE, Outcome::of(*v >= min_lighthouse), Val::Dec(*v), Val::Dec(min_lighthouse)), cite(a, KING_LIGHTHOUSE, *r) <--
            app(a, s, _, _, _), lighthouse(s, v, r);
        check(a, KING_LIGHTHOUSE, Outcome::Missing, Val::Null, Val::Dec(min_lighthouse)) <-- app(a, s, _, _, _), !has_lighthouse(s);

        // Approved (admitted): every clause passes.
        relation not_passed(Sym);
        #[ds(crate::sink)] relation approved(Sym, Sym, Month);
        not_passed(a) <-- check(a, _, o, _, _), if *o != Outcome::Pass;
        approved(a, *s, *m) <-- app(a, s, m, _, _), !not_passed(a);
    };
    KingOut {
        checks: res.check.clone(),
        cites: res.cite.to_vec(),
        notes: res.note.to_vec(),
        approved: res.approved.to_vec(),
    }
}

/// One day of an explained shop's ledger.
struct LedgerDay {
    date: Date,
    held: Level,
    start_reset: bool,
    promoted_by: Option<Sym>,
    earned: i64,
    charges: Vec<(ClauseId, Option<Rec>, i64)>,
    level: Level,
    points: i64,
    left_king: bool,
    eliminated: bool,
    king_ranks: Vec<(Sym, u32)>,
    king_count: usize,
}

fn evaluate(input: &Input) -> Derivation {
    let facts = input.facts;
    let as_of_date = input.as_of.date();
    let cfg = Cfg::read(input.params);
    let inp = Inputs::read(facts, input.as_of);
    let day = day_facts(input, &cfg, &inp);
    let explained: HashSet<Sym> = input
        .explain
        .iter()
        .filter(|w| w.kind == SHOP)
        .filter_map(|w| facts.sym(&w.id))
        .collect();

    // ---- Stratum 2: the ledger, day by day from the earliest `since` to the as-of date.
    let starting: BTreeMap<Date, Vec<State>> = inp.states.iter().filter(|s| s.4 <= as_of_date).fold(BTreeMap::new(), |mut m, s| {
        m.entry(s.4).or_insert_with(Vec::new).push((s.0, s.1, s.2, s.3));
        m
    });
    let mut state: Vec<State> = Vec::new();
    let mut history: Vec<(Sym, Date, Level)> = Vec::new();
    let mut earned_total: HashMap<Sym, i64> = HashMap::new();
    let mut charged_total: HashMap<(Sym, ClauseId), i64> = HashMap::new();
    let mut ledgers: HashMap<Sym, Vec<LedgerDay>> = HashMap::new();
    let mut last = DayOut::default();
    let empty = HashMap::new();
    if let Some(&first) = starting.keys().next() {
        for n in first.0..=as_of_date.0 {
            let d = Date(n);
            let fresh: Vec<(Sym,)> = starting.get(&d).map(|v| v.iter().map(|s| (s.0,)).collect()).unwrap_or_default();
            state.extend(starting.get(&d).cloned().unwrap_or_default());
            // on a 1st, the applications of the month before that stratum 3 approves make their shops king
            let mut promoted: Vec<(Sym,)> = Vec::new();
            let mut promoted_by: HashMap<Sym, Sym> = HashMap::new();
            if d.add_days(-1).month() != d.month() {
                let prev = d.month().plus(-1);
                let apps: Vec<_> = inp.apps.iter().filter(|a| a.2 == prev).copied().collect();
                if !apps.is_empty() {
                    let active: HashSet<Sym> = state.iter().map(|s| s.0).collect();
                    for (a, s, _) in king_rules(&cfg, &inp, apps, &history).approved {
                        if active.contains(&s) {
                            promoted.push((s,));
                            promoted_by.entry(s).or_insert(a);
                        }
                    }
                    promoted.sort();
                    promoted.dedup();
                }
            }
            let complete = d.end() <= input.as_of;
            let out = ledger_day(
                &cfg,
                d,
                complete,
                &state,
                &fresh,
                &promoted,
                day.days.get(&d).unwrap_or(&empty),
                &day.stars_known,
            );
            let held: HashMap<Sym, Level> = out.held.iter().copied().collect();
            history.extend(out.held.iter().map(|&(s, l)| (s, d, l)));
            for (&s, &e) in &out.earned {
                *earned_total.entry(s).or_default() += e;
            }
            for &(s, c, _, a) in &out.charges {
                *charged_total.entry((s, c)).or_default() += a;
            }
            for &(s, l, p, _) in out.state.iter().filter(|st| explained.contains(&st.0)) {
                let mut charges: Vec<(ClauseId, Option<Rec>, i64)> =
                    out.charges.iter().filter(|c| c.0 == s).map(|c| (c.1, c.2, c.3)).collect();
                charges.sort();
                ledgers.entry(s).or_default().push(LedgerDay {
                    date: d,
                    held: held[&s],
                    start_reset: out.reset.contains(&s),
                    promoted_by: promoted_by.get(&s).copied(),
                    earned: out.earned.get(&s).copied().unwrap_or(0),
                    charges,
                    level: l,
                    points: p,
                    left_king: out.left_king.contains(&s),
                    eliminated: out.eliminated.contains(&s),
                    king_ranks: if out.eliminated.contains(&s) || out.king_ranks.iter().any(|k| k.0 == s) {
                        let mut r = out.king_ranks.clone();
                        r.sort_by_key(|k| k.1);
                        r
                    } else {
                        Vec::new()
                    },
                    king_count: out.king_count,
                });
            }
            state = out.state.clone();
            last = out;
        }
    }
    history.sort();

    // ---- Stratum 3: every king application, on the whole ledger.
    let king = king_rules(&cfg, &inp, inp.apps.clone(), &history);

    // ---- From the strata's rows to the engine's.
    let syms = &facts.syms;
    let mut subjects = Subjects::<(bool, Sym)>::default();
    for &(s, _, _) in &inp.shops {
        subjects.add(SHOP, (true, s), || syms.resolve(s).to_string());
    }
    for a in &inp.apps {
        subjects.add(APPLICATION, (false, a.0), || syms.resolve(a.0).to_string());
    }
    let shop = |s: Sym| subjects.get(SHOP, (true, s));
    let app = |a: Sym| subjects.get(APPLICATION, (false, a));
    let mut der = Derivation::default();
    let mut push = |subj, clause, outcome, observed, required| {
        der.checks.push(Check {
            subj,
            clause,
            outcome,
            observed,
            required,
        })
    };
    let end: HashMap<Sym, (Level, i64)> = last.state.iter().map(|s| (s.0, (s.1, s.2))).collect();
    let quota: HashMap<Sym, (i64, u32)> = last.quota_pool.iter().map(|q| (q.0, (q.1, q.2))).collect();
    let quota_places = ceil_share(cfg.honor_quota, last.quota_pool.len());
    let mut tiers = Vec::new();
    let mut fields = Vec::new();
    let mut notes: Vec<(u32, ClauseId, &'static str, [Val; 4])> = Vec::new();
    for &(s, _, _) in &inp.shops {
        let subj = shop(s);
        match end.get(&s) {
            Some(&(level, points)) => {
                push(subj, LEVEL_POINTS, Outcome::Pass, Val::Int(points), Val::Null);
                fields.push((subj, "points", Val::Int(points)));
                tiers.push((subj, level.name()));
                push(
                    subj,
                    POINTS_DAILY,
                    Outcome::Info,
                    Val::Int(earned_total.get(&s).copied().unwrap_or(0)),
                    Val::Null,
                );
                for c in [
                    VIOLATION,
                    WEEKLY_ABSENCE,
                    NO_LIVE_3,
                    NO_LIVE_7,
                    NO_LIVE_15,
                    NO_LIVE_30,
                    SERVICE_STARS,
                    DURATION_SHORTFALL,
                ] {
                    push(
                        subj,
                        c,
                        Outcome::Info,
                        Val::Int(charged_total.get(&(s, c)).copied().unwrap_or(0)),
                        Val::Null,
                    );
                }
                match quota.get(&s) {
                    Some(&(_, pos)) => push(
                        subj,
                        HONOR_QUOTA,
                        Outcome::Info,
                        Val::Int(pos as i64),
                        Val::Int(quota_places as i64),
                    ),
                    None => push(subj, HONOR_QUOTA, Outcome::Info, Val::Word("not in the pool"), Val::Null),
                }
                push(
                    subj,
                    KING_MONTHLY,
                    Outcome::Info,
                    Val::Word(if level == Level::King { "king" } else { "not king" }),
                    Val::Null,
                );
                if last.tie.contains(&s) {
                    der.flags.push((subj, HONOR_TIE));
                }
                if day.stars_known.contains(&s) {
                    push(subj, LEVEL_BASIC, Outcome::Pass, Val::Word(level.name()), Val::Null);
                }
            }
            None => {
                push(subj, LEVEL_POINTS, Outcome::Missing, Val::Null, Val::Null);
                notes.push((subj, LEVEL_POINTS, "no-state", [Val::Null; 4]));
                fields.push((subj, "points", Val::Null));
                if day.stars_known.contains(&s) {
                    push(subj, LEVEL_BASIC, Outcome::Pass, Val::Null, Val::Null);
                }
            }
        }
        if !day.stars_known.contains(&s) {
            push(subj, LEVEL_BASIC, Outcome::Missing, Val::Null, Val::Null);
            notes.push((subj, LEVEL_BASIC, "no-stars", [Val::Null; 4]));
        }
    }
    for &(a, c, o, ob, rq) in &king.checks {
        push(app(a), c, o, ob, rq);
    }
    der.cites.extend(king.cites.iter().map(|&(a, c, r)| (app(a), c, r)));
    notes.extend(king.notes.iter().map(|&(a, c, m, args)| (app(a), c, m, args)));
    notes.sort();
    der.details.extend(notes.iter().map(|&(s, c, m, a)| Detail::note(s, c, m, &a)));
    der.tiers = tiers;
    der.fields = fields;

    // Derived nodes of the explained shops.
    let mut wanted: Vec<Sym> = explained.into_iter().filter(|s| end.contains_key(s)).collect();
    wanted.sort();
    for s in wanted {
        let subj = shop(s);
        let ledger = &ledgers[&s];
        let mut detail = |clause, path: Vec<u32>, msg, args: Vec<Val>, evidence: Vec<Rec>| {
            der.details.push(Detail {
                subj,
                clause,
                path,
                msg,
                args,
                evidence,
            })
        };
        let state = inp.states.iter().find(|st| st.0 == s).expect("a ledger has a state");
        detail(
            LEVEL_POINTS,
            vec![1],
            "start",
            vec![Val::Date(state.4), Val::Word(state.1.name()), Val::Int(state.2), Val::Int(state.3)],
            vec![state.5],
        );
        let metric_recs = |d: Date| -> Vec<Rec> {
            let mut v: Vec<Rec> = day.steps.iter().filter(|x| x.0 == s && x.1 == d).map(|x| x.6).collect();
            v.dedup();
            v
        };
        let charge_recs = |d: Date, c: ClauseId| -> Vec<Rec> { day.charge_cites.get(&(s, d, c)).cloned().unwrap_or_default() };
        let mut previous = state.1;
        let mut i = 2u32;
        let mut daily_i = 1u32;
        let mut king_i = 1u32;
        for ld in ledger {
            let d = ld.date;
            if let Some(a) = ld.promoted_by {
                detail(KING_MONTHLY, vec![king_i], "promoted", vec![Val::Date(d), Val::Str(a)], vec![]);
                king_i += 1;
            }
            if ld.start_reset {
                detail(LEVEL_POINTS, vec![i], "king-reset", vec![Val::Date(d)], vec![]);
                detail(KING_MONTHLY, vec![king_i], "king-reset", vec![Val::Date(d)], vec![]);
                i += 1;
                king_i += 1;
            }
            let charged: i64 = ld.charges.iter().map(|c| c.2).sum();
            if ld.earned != 0 || charged != 0 || ld.level != previous || ld.left_king || ld.eliminated {
                let mut evidence = metric_recs(d);
                for c in &ld.charges {
                    evidence.extend(charge_recs(d, c.0));
                }
                let args = vec![
                    Val::Date(d),
                    Val::Int(ld.earned),
                    Val::Int(charged),
                    Val::Int(ld.points),
                    Val::Word(ld.level.name()),
                ];
                detail(LEVEL_POINTS, vec![i], "ledger-day", args, evidence);
                i += 1;
            }
            if ld.left_king {
                detail(
                    KING_MONTHLY,
                    vec![king_i],
                    "left-king",
                    vec![Val::Date(d), Val::Int(ld.points)],
                    vec![],
                );
                king_i += 1;
            }
            if !ld.king_ranks.is_empty() {
                let pos = ld.king_ranks.iter().find(|k| k.0 == s).map_or(0, |k| k.1);
                let out = floor_share(cfg.king_elimination, ld.king_count);
                let args = vec![
                    Val::Date(d),
                    Val::Int(ld.king_count as i64),
                    Val::Int(out as i64),
                    Val::Int(pos as i64),
                    Val::Int(ld.points),
                ];
                detail(KING_MONTHLY, vec![king_i], "king-rank", args, vec![]);
                if ld.eliminated {
                    detail(
                        KING_MONTHLY,
                        vec![king_i, 0],
                        "eliminated",
                        vec![Val::Date(d), Val::Int(ld.points)],
                        vec![],
                    );
                }
                king_i += 1;
            }
            previous = ld.level;
            // points.daily: the day's metrics and the points of the steps they reached, on the metric record
            if let Some(&(base, all)) = day.raw_daily.get(&(s, d)) {
                let king = ld.held == Level::King;
                let raw = if king { all } else { base };
                if raw > 0 {
                    let mut args = vec![Val::Date(d), Val::Int(raw), Val::Int(cfg.cap)];
                    for (k, &king_only) in KING_ONLY.iter().enumerate() {
                        let step = day.steps.iter().find(|x| x.0 == s && x.1 == d && x.2 as usize == k);
                        args.push(match step {
                            _ if king_only && !king => Val::Word("—"),
                            Some(x) => Val::Int(x.5),
                            None => Val::Int(0),
                        });
                    }
                    let msg = if raw > cfg.cap { "daily-capped" } else { "daily" };
                    detail(POINTS_DAILY, vec![daily_i], msg, args, metric_recs(d));
                    daily_i += 1;
                }
            }
            // the deductions, each under its clause with its records
            for (k, &(c, _, amount)) in ld.charges.iter().enumerate() {
                let path = vec![d.0 as u32, k as u32];
                if let Some(st) = day.streaks.iter().find(|x| x.0 == s && x.1 == d && x.6 == c) {
                    let args = vec![Val::Date(st.3), Val::Date(st.4), Val::Int(st.2), Val::Int(amount), Val::Date(d)];
                    detail(c, path, "streak", args, vec![]);
                } else if c == WEEKLY_ABSENCE {
                    let n = day.absences.iter().find(|x| x.0 == s && x.1 == d).map_or(0, |x| x.2);
                    let args = vec![Val::Date(monday(d)), Val::Int(n as i64), Val::Date(d), Val::Int(amount)];
                    detail(c, path, "absences", args, charge_recs(d, c));
                } else if c == DURATION_SHORTFALL {
                    let minutes = day.days.get(&d).and_then(|m| m.get(&s)).map_or(0, |m| m.minutes7);
                    let need = cfg.req[ld.held as usize].1;
                    let args = vec![
                        Val::Date(d),
                        Val::Int(minutes),
                        Val::Int(need),
                        Val::Word(ld.held.name()),
                        Val::Int(amount),
                    ];
                    let evidence = day.minutes_in.iter().filter(|m| m.0 == s && m.1 == d).map(|m| m.2).collect();
                    detail(c, path, "shortfall", args, evidence);
                } else {
                    detail(c, path, "charge", vec![Val::Date(d), Val::Int(amount)], charge_recs(d, c));
                }
            }
        }
        // level.basic-requirements at as-of: each level from the one held down to the one reached
        let (level, points) = end[&s];
        // from honor (king for a king) down: the minima of each level above the one reached, and of that one
        let top = if ledger.last().is_some_and(|l| l.held == Level::King) || level == Level::King {
            Level::King
        } else {
            Level::Honor
        };
        let minutes = day.days.get(&as_of_date).and_then(|m| m.get(&s)).map_or(0, |m| m.minutes7);
        let stars = day.stars_on.get(&(s, as_of_date)).copied();
        let mut evidence: Vec<Rec> = day
            .minutes_in
            .iter()
            .filter(|m| m.0 == s && m.1 == as_of_date)
            .map(|m| m.2)
            .collect();
        evidence.extend(stars.map(|x| x.1));
        for (k, l) in ALL_LEVELS.iter().rev().filter(|l| **l <= top).enumerate() {
            let (min_p, min_m, min_s) = cfg.req[*l as usize];
            let met = (l == &Level::King || points >= min_p) && minutes >= min_m && stars.is_none_or(|x| x.0 >= min_s);
            let msg = match (met, *l) {
                (true, Level::Honor) if level < Level::Honor => "level-no-place",
                (true, _) => "level-met",
                (false, Level::Novice) => "level-floor",
                (false, _) => "level-not-met",
            };
            let args = vec![
                Val::Word(l.name()),
                Val::Int(points),
                if *l == Level::King { Val::Word("—") } else { Val::Int(min_p) },
                Val::Int(minutes),
                Val::Int(min_m),
                stars.map_or(Val::Word("unknown"), |x| Val::Dec(x.0)),
                Val::Dec(min_s),
            ];
            detail(
                LEVEL_BASIC,
                vec![1 + k as u32],
                msg,
                args,
                if k == 0 { evidence.clone() } else { vec![] },
            );
            if *l <= level {
                break;
            }
        }
        // level.honor-quota at as-of: the ranking and where the shop fell
        match quota.get(&s) {
            Some(&(p, pos)) => {
                let args = vec![
                    Val::Int(last.quota_pool.len() as i64),
                    Val::Date(as_of_date),
                    Val::Dec(cfg.honor_quota),
                    Val::Int(quota_places as i64),
                    Val::Int(pos as i64),
                    Val::Int(p),
                ];
                detail(HONOR_QUOTA, vec![1], "quota", args, vec![]);
                for &(x, xp, xpos) in &last.quota_pool {
                    detail(
                        HONOR_QUOTA,
                        vec![1, xpos],
                        "quota-rank",
                        vec![Val::Int(xpos as i64), Val::Str(x), Val::Int(xp)],
                        vec![],
                    );
                }
            }
            None => detail(HONOR_QUOTA, vec![1], "quota-none", vec![Val::Date(as_of_date)], vec![]),
        }
    }
    der.subjects = subjects.into_list();
    der
}

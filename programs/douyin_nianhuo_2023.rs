//! 抖音 2023 好物年货节 — admission of shops (商家), products (活动商品), creators (创作者) and price protection of
//! orders (价格保护). Policy: policies/douyin-nianhuo-2023.md §2.2; catalogue section 1.
//! Each group of rules below carries the clause id it decides; the same rules emit the rows that explain it.

use crate::facts::Rec;
use crate::intern::Sym;
use crate::num::Dec;
use crate::params::{PTy, ParamSpec};
use crate::partition::{Partition, Route, View};
use crate::program::{clause, Check, ClauseId, Derivation, Detail, Input, Message, Outcome, Program, Reward, Role, Subj, Subjects};
use crate::schema::{field, reference, relation, Range, Reference, Relation, Ty};
use crate::time::{Date, Time};
use crate::value::Val;
use ascent::aggregators::{count, max, min};
use ascent::{ascent_run, Dual};
use std::collections::{BTreeMap, HashMap, HashSet};

pub static PROGRAM: Program = Program {
    id: "douyin-nianhuo-2023",
    title_en: "Douyin 2023 New-Year Goods Festival — admission",
    title_zh: "抖音 2023 好物年货节 — 准入",
    subject_kinds: &[
        ("shop", "`merchant`, `experience_score`, and the shops of registered products"),
        ("product", "products with a `registration` at or before as-of"),
        ("creator", "`creator`, `creator_deduction`, `creator_violation`"),
        ("order", "`order`s of product subjects"),
    ],
    relations: RELATIONS,
    params: PARAMS,
    clauses: CLAUSES,
    messages: MESSAGES,
    validate: crate::program::no_validation,
    validate_facts: crate::program::no_fact_validation,
    evaluate,
    partitions_itself: true,
};

const SHOP: &str = "shop";
const PRODUCT: &str = "product";
const CREATOR: &str = "creator";
const ORDER: &str = "order";

const ADMITTED: &str = "admitted";
const REJECTED: &str = "rejected";
const UNDETERMINED: &str = "undetermined";

const TIER_BASIC: &str = "basic";
const TIER_RESOURCE_SUPPORT: &str = "resource-support";
const TIER_TRAFFIC_BOOST: &str = "traffic-boost";

/// The three clauses about 店铺及其关联店铺: one linked group serves them all.
const GROUP_CLAUSES: [ClauseId; 3] = [PENALTY_HISTORY, NOT_SUSPENDED, NOT_RESTRICTED];
/// The three 近30天 rates, each against its category threshold.
const RATE_CLAUSES: [ClauseId; 3] = [RETURN_RATE, BAD_REVIEW_RATE, COMPLAINT_RATE];

use Role::{Flag, Reward as RewardRole, Tier, Verdict};

crate::clauses! {
    // 2.2.1 商家准入要求
    NOT_NOVICE: clause("merchant.not-novice",
        SHOP,
        Verdict,
        None,
        "=",
        "in the novice period (新手期, merchant.novice)",
        "是否处于新手期(须为否)",
    ),
    EXPERIENCE_SCORE: clause("merchant.experience-score",
        SHOP,
        Verdict,
        Some("min_experience_score"),
        "≥",
        "latest merchant experience score at as-of",
        "商家体验分(截至评估时点的最新一次)",
    ),
    PENALTY_HISTORY: clause("merchant.penalty-history",
        SHOP,
        Verdict,
        Some("banned_penalty_kinds"),
        "=",
        "penalties of a banned kind (counterfeit, confusing info, improper gain), ever, on the shop or a linked shop",
        "店铺及其关联店铺因出售假冒商品、发布混淆信息、不当获利等被处罚的历史记录数",
    ),
    NOT_SUSPENDED: clause("merchant.not-suspended",
        SHOP,
        Verdict,
        None,
        "=",
        "suspensions (停业) in force at as-of on the shop or a linked shop",
        "店铺及其关联店铺在评估时点因处罚处于停业期的记录数",
    ),
    NOT_RESTRICTED: clause("merchant.not-restricted",
        SHOP,
        Verdict,
        None,
        "=",
        "marketing restrictions in force at as-of on the shop or a linked shop",
        "店铺及其关联店铺在评估时点处于限制参与营销活动状态的记录数",
    ),
    // 2.2.2 商品准入要求
    MERCHANT_ADMITTED: clause("product.merchant-admitted",
        PRODUCT,
        Verdict,
        None,
        "=",
        "verdict of the product's shop",
        "商品所属店铺的准入结论",
    ),
    REGISTERED: clause("product.registered",
        PRODUCT,
        Verdict,
        Some("registration_start..registration_end"),
        "∈",
        "time of the latest registration (报名, adjustments included) at or before as-of",
        "最新一次报名(含调价)的时间",
    ),
    RETURN_RATE: clause("product.return-rate",
        PRODUCT,
        Verdict,
        None,
        "≤",
        "近30天 return rate (品退率) against the category threshold",
        "近30天商品品退率 ≤ 所属类目门槛",
    ),
    BAD_REVIEW_RATE: clause("product.bad-review-rate",
        PRODUCT,
        Verdict,
        None,
        "≤",
        "近30天 bad-review rate (订单差评率) against the category threshold",
        "近30天商品订单差评率 ≤ 所属类目门槛",
    ),
    COMPLAINT_RATE: clause("product.complaint-rate",
        PRODUCT,
        Verdict,
        None,
        "≤",
        "近30天 complaint rate (投诉率) against the category threshold",
        "近30天商品投诉率 ≤ 所属类目门槛",
    ),
    PRICE_CONDUCT: clause("product.price-conduct",
        PRODUCT,
        Verdict,
        None,
        "=",
        "price misconduct records (虚构原价, 先涨后降, ...)",
        "价格违规记录数(虚构原价、先涨后降等)",
    ),
    DISCOUNT_WITHDRAWN: clause("product.discount-withdrawn",
        PRODUCT,
        Verdict,
        None,
        "=",
        "withdrawals from 跨店每满减 strictly before the latest registration",
        "在最新一次报名之前取消跨店每满减报名的记录数",
    ),
    CHECK_PRICE: clause("product.check-price",
        PRODUCT,
        Tier,
        Some("price_check_start..price_check_end"),
        "≤",
        "declared price against the activity check price (活动校验价): resource-support when not above it",
        "报名价 ≤ 活动校验价 → 资源支持",
    ),
    RECOMMENDED_PRICE: clause("product.recommended-price",
        PRODUCT,
        Tier,
        None,
        "≤",
        "declared price against the recommended price (推荐报名价): traffic-boost when not above it",
        "报名价 ≤ 推荐报名价 → 流量加持",
    ),
    CHECK_PRICE_UNAVAILABLE: clause("product.check-price-unavailable",
        PRODUCT,
        Flag,
        None,
        "",
        "no page price meets the check window: tier basic, decided at review",
        "活动校验价不可用(校验期内无页面标价):以审核结果为准",
    ),
    PRE_ACTIVITY_ORDERS: clause("product.pre-activity-orders",
        PRODUCT,
        Flag,
        Some("activity_start"),
        "",
        "no order before the activity starts: resource support at risk",
        "活动开始前无订单:可能无法享受平台资源支持",
    ),
    DISCOUNT_APPLIES: clause("discount.applies",
        PRODUCT,
        Flag,
        None,
        "",
        "跨店每满减 applies: the shop signed up, the category supports it, the product was not withdrawn",
        "适用跨店每满减:店铺已报名、类目支持、商品未取消报名",
    ),
    // 2.2.3 创作者准入要求
    REPUTATION: clause("creator.reputation",
        CREATOR,
        Verdict,
        Some("min_creator_reputation"),
        "≥",
        "creator reputation score (口碑分)",
        "创作者口碑分",
    ),
    OFFSITE_DIVERSION: clause("creator.offsite-diversion",
        CREATOR,
        Verdict,
        Some("creator_lookback_days"),
        "=",
        "off-site diversion deductions in the lookback window",
        "近60天站外引流违规扣分次数",
    ),
    FALSE_ADVERTISING: clause("creator.false-advertising",
        CREATOR,
        Verdict,
        Some("max_false_advertising_points"),
        "≤",
        "false-advertising points deducted in the lookback window",
        "近60天虚假宣传扣分合计",
    ),
    PROHIBITED_SHARE: clause("creator.prohibited-share",
        CREATOR,
        Verdict,
        Some("creator_lookback_days"),
        "=",
        "shares of prohibited goods in the lookback window",
        "近60天分享违禁商品的违规次数",
    ),
    // 2.2.4 服务要求 — 价格保护
    PRODUCT_ADMITTED: clause("price-protection.product-admitted",
        ORDER,
        Verdict,
        None,
        "=",
        "verdict of the order's product",
        "订单商品的准入结论",
    ),
    PROTECTION_ENABLED: clause("price-protection.enabled",
        ORDER,
        Verdict,
        Some("price_protection_excluded_kinds"),
        "∉",
        "merchant kind and category kind outside the excluded kinds (全球购, 虚拟, 二手)",
        "商家类型与类目类型不属于价保除外类型(全球购、虚拟、二手等)",
    ),
    PAID_IN_ACTIVITY: clause("price-protection.paid-in-activity",
        ORDER,
        Verdict,
        Some("activity_start..activity_end"),
        "∈",
        "payment time inside the activity",
        "支付时间在活动期内",
    ),
    CLAIM: clause("price-protection.claim",
        ORDER,
        RewardRole,
        Some("price_protection_end"),
        "",
        "price difference: paid price minus the lowest page price in force after payment, up to the end of protection",
        "价保补差:支付价减去支付后至价保结束期间生效的最低页面标价",
    ),
}

const MESSAGES: &[Message] = &[
    Message {
        key: "no-merchant",
        en: "no `merchant` record for {0}",
        zh: "{0} 没有 `merchant` 记录",
    },
    Message {
        key: "no-score",
        en: "no `experience_score` reading for {0} dated at or before as-of",
        zh: "{0} 没有评估时点及之前的 `experience_score` 读数",
    },
    Message {
        key: "no-creator",
        en: "no `creator` record for {0}",
        zh: "{0} 没有 `creator` 记录",
    },
    Message {
        key: "no-metric",
        en: "no `product_metric` reading for {0} dated at or before as-of",
        zh: "{0} 没有评估时点及之前的 `product_metric` 读数",
    },
    Message {
        key: "no-threshold",
        en: "no `category_threshold` for category {0}",
        zh: "类目 {0} 没有 `category_threshold`",
    },
    Message {
        key: "shop-not-admitted",
        en: "the shop {0} is {1}",
        zh: "店铺 {0} 的结论为 {1}",
    },
    Message {
        key: "group-self",
        en: "the shop {0} itself",
        zh: "店铺 {0} 本身",
    },
    Message {
        key: "group-linked",
        en: "linked shop {0}, at link distance {1}",
        zh: "关联店铺 {0}(关联距离 {1})",
    },
    Message {
        key: "link-hop",
        en: "{0} —[{1}]→ {2}",
        zh: "{0} —[{1}]→ {2}",
    },
    Message {
        key: "lookback",
        en: "lookback window {0} … {1} ({2} days, creator_lookback_days)",
        zh: "回溯窗口 {0} … {1}(共 {2} 天,creator_lookback_days)",
    },
    Message {
        key: "check-price",
        en: "check price {0}: the lowest page price in force at some moment of {1} over the products of shop {2} with sku_key {3}",
        zh: "活动校验价 {0}:店铺 {2} 内 sku_key 为 {3} 的商品在 {1} 内已生效或将生效的最低页面标价",
    },
    Message {
        key: "check-price-candidates",
        en: "{0} page price record(s) meet the check window",
        zh: "校验期内共有 {0} 条页面标价记录",
    },
    Message {
        key: "no-check-price",
        en: "no page price of shop {0}, sku_key {1} meets {2}",
        zh: "店铺 {0} sku_key {1} 在 {2} 内没有页面标价",
    },
    Message {
        key: "no-recommended",
        en: "no recommended price: the tier stays resource-support",
        zh: "无推荐报名价:保持资源支持档",
    },
    Message {
        key: "product-kinds",
        en: "merchant kind {0}, category {1} of kind {2}",
        zh: "商家类型 {0},类目 {1}(类型 {2})",
    },
    Message {
        key: "claim",
        en: "paid {0} at {1}; lowest page price in force after payment until {2}: {3}",
        zh: "{1} 以 {0} 支付;支付后至 {2} 生效的最低页面标价:{3}",
    },
    Message {
        key: "no-lower-price",
        en: "no page price below the paid price {0} after payment",
        zh: "支付后没有低于支付价 {0} 的页面标价",
    },
];

const RELATIONS: &[Relation] = &[
    relation(
        "merchant",
        &[
            field("shop_id", Ty::Str),
            field("kind", Ty::Enum(&["store", "global"])),
            field("novice", Ty::Bool),
        ],
    )
    .key(&["shop_id"])
    .doc("merchants: 小店 (store) and 全球购 (global); novice = in 新手期"),
    relation(
        "experience_score",
        &[
            field("shop_id", Ty::Str),
            field("score", Ty::Dec).non_neg(),
            field("date", Ty::Date),
        ],
    )
    .key(&["shop_id", "date"])
    .doc("商家体验分 readings; the latest on or before as-of counts"),
    relation(
        "shop_link",
        &[field("shop_id", Ty::Str), field("linked_shop_id", Ty::Str), field("basis", Ty::Str)],
    )
    .doc("undirected links between shops (same legal representative, ...)"),
    relation(
        "penalty",
        &[
            field("penalty_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("kind", Ty::Str),
            field("date", Ty::Date),
        ],
    )
    .key(&["penalty_id"])
    .doc("penalties (处罚) of a shop"),
    relation(
        "suspension",
        &[
            field("shop_id", Ty::Str),
            field("start", Ty::Time),
            field("end", Ty::Time).optional(),
            field("reason", Ty::Str),
        ],
    )
    .interval("start", "end")
    .doc("因处罚停业 intervals [start, end); open-ended without end"),
    relation(
        "marketing_restriction",
        &[
            field("shop_id", Ty::Str),
            field("start", Ty::Time),
            field("end", Ty::Time).optional(),
            field("reason", Ty::Str),
        ],
    )
    .interval("start", "end")
    .doc("限制参与营销活动 intervals [start, end)"),
    relation(
        "category",
        &[
            field("category_id", Ty::Str),
            field("name", Ty::Str),
            field("kind", Ty::Enum(&["normal", "global", "virtual", "second_hand"])),
            field("cross_store_discount", Ty::Bool),
        ],
    )
    .key(&["category_id"])
    .doc("product categories; cross_store_discount = supports 跨店每满减"),
    relation(
        "category_threshold",
        &[
            field("category_id", Ty::Str),
            field("return_rate", Ty::Dec).unit(),
            field("bad_review_rate", Ty::Dec).unit(),
            field("complaint_rate", Ty::Dec).unit(),
        ],
    )
    .key(&["category_id"])
    .refs(&[reference("category_id", "category", "category_id")])
    .doc("category maxima of the 近30天 rates"),
    relation(
        "product",
        &[
            field("product_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("sku_key", Ty::Str),
            field("category_id", Ty::Str),
        ],
    )
    .key(&["product_id"])
    .refs(&[reference("category_id", "category", "category_id")])
    .doc("products; sku_key groups 同SKU products of one shop"),
    relation(
        "product_metric",
        &[
            field("product_id", Ty::Str),
            field("date", Ty::Date),
            field("return_rate", Ty::Dec).unit(),
            field("bad_review_rate", Ty::Dec).unit(),
            field("complaint_rate", Ty::Dec).unit(),
        ],
    )
    .key(&["product_id", "date"])
    .refs(&[PRODUCT_REF])
    .doc("近30天 rates as of `date`; the latest on or before as-of counts"),
    relation(
        "page_price",
        &[
            field("product_id", Ty::Str),
            PRICE_FIELD,
            field("from", Ty::Time),
            field("to", Ty::Time).optional(),
        ],
    )
    .refs(&[PRODUCT_REF])
    .interval("from", "to")
    .doc("listed page prices and when they are in force [from, to)"),
    relation(
        "registration",
        &[field("product_id", Ty::Str), PRICE_FIELD, field("time", Ty::Time)],
    )
    .key(&["product_id", "time"])
    .refs(&[PRODUCT_REF])
    .doc("报名价; a later record is an adjustment (调价)"),
    relation("recommended_price", &[field("product_id", Ty::Str), PRICE_FIELD])
        .key(&["product_id"])
        .refs(&[PRODUCT_REF])
        .doc("推荐报名价"),
    relation(
        "price_misconduct",
        &[field("product_id", Ty::Str), field("kind", Ty::Str), field("time", Ty::Time)],
    )
    .refs(&[PRODUCT_REF])
    .doc("虚构原价, 先涨后降, ..."),
    relation(
        "order",
        &[
            field("order_id", Ty::Str),
            field("product_id", Ty::Str),
            field("time", Ty::Time),
            PRICE_FIELD,
        ],
    )
    .key(&["order_id"])
    .refs(&[PRODUCT_REF])
    .doc("paid orders (unit price)"),
    relation("discount_signup", &[field("shop_id", Ty::Str), field("time", Ty::Time)]).doc("跨店每满减 报名 of a shop"),
    relation("discount_withdrawal", &[field("product_id", Ty::Str), field("time", Ty::Time)])
        .refs(&[PRODUCT_REF])
        .doc("取消报名 of one product from 跨店每满减"),
    relation("creator", &[field("creator_id", Ty::Str), field("reputation", Ty::Dec).non_neg()])
        .key(&["creator_id"])
        .doc("creators with their 口碑分"),
    relation(
        "creator_deduction",
        &[
            field("creator_id", Ty::Str),
            field("kind", Ty::Str),
            field("points", Ty::Dec).non_neg(),
            field("date", Ty::Date),
        ],
    )
    .doc("违规扣分 of a creator: offsite_diversion, false_advertising, ..."),
    relation(
        "creator_violation",
        &[field("creator_id", Ty::Str), field("kind", Ty::Str), field("date", Ty::Date)],
    )
    .doc("violations of a creator: prohibited_share, ..."),
];

const PRODUCT_REF: Reference = reference("product_id", "product", "product_id");
const PRICE_FIELD: crate::schema::Field = field("price", Ty::Dec).money();

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "registration_start",
        ty: PTy::Time,
        default: Some("\"2022-12-16T16:00:00\""),
        doc: "报名时间 start",
    },
    ParamSpec {
        name: "registration_end",
        ty: PTy::Time,
        default: Some("\"2023-01-07T23:59:59\""),
        doc: "报名时间 end",
    },
    ParamSpec {
        name: "activity_start",
        ty: PTy::Time,
        default: Some("\"2022-12-28T20:00:00\""),
        doc: "活动时间 start",
    },
    ParamSpec {
        name: "activity_end",
        ty: PTy::Time,
        default: Some("\"2023-01-07T23:59:59\""),
        doc: "活动时间 end",
    },
    ParamSpec {
        name: "price_check_start",
        ty: PTy::Time,
        default: Some("\"2022-12-16T00:00:00\""),
        doc: "活动校验价 window start",
    },
    ParamSpec {
        name: "price_check_end",
        ty: PTy::Time,
        default: Some("\"2022-12-27T23:59:59\""),
        doc: "活动校验价 window end",
    },
    ParamSpec {
        name: "price_protection_start",
        ty: PTy::Time,
        default: Some("\"2022-12-28T20:00:00\""),
        doc: "价格保护 start",
    },
    ParamSpec {
        name: "price_protection_end",
        ty: PTy::Time,
        default: Some("\"2023-01-22T23:59:59\""),
        doc: "价格保护 end",
    },
    ParamSpec {
        name: "min_experience_score",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("4.5"),
        doc: "商家体验分 floor (≥)",
    },
    ParamSpec {
        name: "banned_penalty_kinds",
        ty: PTy::StrList,
        default: Some(r#"["counterfeit","confusing_info","improper_gain"]"#),
        doc: "penalty kinds that bar a shop and its linked shops (假冒商品, 混淆信息, 不当获利)",
    },
    ParamSpec {
        name: "link_closure",
        ty: PTy::Choice(&["transitive", "direct"]),
        default: Some("\"transitive\""),
        doc: "linked shops: reachable through links (transitive) or directly linked only (direct)",
    },
    ParamSpec {
        name: "min_creator_reputation",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("4.5"),
        doc: "创作者口碑分 floor (≥)",
    },
    ParamSpec {
        name: "creator_lookback_days",
        ty: PTy::Int(Range::NonNeg),
        default: Some("60"),
        doc: "近60天: days ending with the as-of date",
    },
    ParamSpec {
        name: "max_false_advertising_points",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("5"),
        doc: "虚假宣传扣分 ceiling within the lookback (≤)",
    },
    ParamSpec {
        name: "price_protection_excluded_kinds",
        ty: PTy::StrList,
        default: Some(r#"["global","virtual","second_hand"]"#),
        doc: "category kinds without 价格保护 (a global merchant is excluded too)",
    },
];

/// A half-open interval [from, to) is in force at t; open-ended without `to`.
fn in_force(from: Time, to: Option<Time>, t: Time) -> bool {
    from <= t && to.is_none_or(|e| t < e)
}

/// Exact sum of decimals; one row even for an empty group (a sum of nothing is 0).
fn dec_sum<'a>(inp: impl Iterator<Item = (&'a Dec,)>) -> impl Iterator<Item = Dec> {
    std::iter::once(inp.map(|t| *t.0).sum::<Dec>())
}

/// A clause that carries another subject's verdict: admitted passes, rejected fails, undetermined lacks evidence.
fn carried(verdict: &str) -> Outcome {
    match verdict {
        ADMITTED => Outcome::Pass,
        REJECTED => Outcome::Fail,
        _ => Outcome::Missing,
    }
}

const NO_ARGS: [Val; 4] = [Val::Null; 4];

/// Arguments of a note: the first, the rest empty.
fn arg(v: Val) -> [Val; 4] {
    [v, Val::Null, Val::Null, Val::Null]
}

fn evaluate_shard(input: &Input, inp: Inputs) -> Derivation {
    let facts = input.facts;
    let p = input.params;
    let as_of = input.as_of;
    let as_of_date = as_of.date();
    let sym = |s: &str| facts.sym(s);

    // Parameters, named as in the catalogue.
    let registration_start = p.time("registration_start");
    let registration_end = p.time("registration_end");
    let activity_start = p.time("activity_start");
    let activity_end = p.time("activity_end");
    let price_check_start = p.time("price_check_start");
    let price_check_end = p.time("price_check_end");
    let price_protection_end = p.time("price_protection_end");
    let min_experience_score = p.dec("min_experience_score");
    let banned_penalty_kinds: HashSet<Sym> = p.list("banned_penalty_kinds").iter().filter_map(|k| sym(k)).collect();
    let transitive = p.str("link_closure") == "transitive";
    let min_creator_reputation = p.dec("min_creator_reputation");
    let creator_lookback_days = p.int("creator_lookback_days");
    let max_false_advertising_points = p.dec("max_false_advertising_points");
    let excluded_kinds: HashSet<Sym> = p.list("price_protection_excluded_kinds").iter().filter_map(|k| sym(k)).collect();
    // Lookbacks: as_of_date − (N − 1) ≤ date ≤ as_of_date.
    let lookback_start = as_of_date.add_days(1 - creator_lookback_days as i32);
    let in_lookback = |d: Date| lookback_start <= d && d <= as_of_date;
    let offsite_diversion = sym("offsite_diversion");
    let false_advertising = sym("false_advertising");
    let prohibited_share = sym("prohibited_share");
    let check_window = Val::Span(price_check_start, price_check_end);

    // citations, notes, nests and chains are derived all the same; a caller that reads none of them has them dropped
    let _evidence = crate::sink::keep_evidence(input.evidence || !input.explain.is_empty());
    let res = ascent_run! {
        #![ds(crate::index)]
        relation merchant(Sym, Sym, bool, Rec) = inp.merchant_in;                  // shop_id, kind, novice
        relation experience_score(Sym, Dec, Date, Rec) = inp.experience_score_in;  // shop_id, score, date
        relation shop_link(Sym, Sym, Sym, Rec) = inp.shop_link_in;                 // shop_id, linked_shop_id, basis
        relation component_in(Sym, u32) = inp.component_in;                        // a linked shop, its component's least id
        relation penalty(Sym, Sym, Date, Rec) = inp.penalty_in;                    // shop_id, kind, date
        relation suspension(Sym, Time, Option<Time>, Rec) = inp.suspension_in;     // shop_id, start, end
        relation marketing_restriction(Sym, Time, Option<Time>, Rec) = inp.restriction_in;
        relation category(Sym, Sym, bool, Rec) = inp.category_in;                  // category_id, kind, cross_store_discount
        relation category_threshold(Sym, Dec, Dec, Dec, Rec) = inp.threshold_in;   // category_id, maxima of the three rates
        relation product(Sym, Sym, Sym, Sym, Rec) = inp.product_in;                // product_id, shop_id, sku_key, category_id
        relation product_metric(Sym, Date, Dec, Dec, Dec, Rec) = inp.metric_in;    // product_id, date, the three rates
        relation page_price(Sym, Dec, Time, Option<Time>, Rec) = inp.page_price_in; // product_id, price, from, to
        relation registration(Sym, Dec, Time, Rec) = inp.registration_in;          // product_id, price, time
        relation recommended_price(Sym, Dec, Rec) = inp.recommended_in;            // product_id, price
        relation price_misconduct(Sym, Time, Rec) = inp.misconduct_in;             // product_id, time
        relation order(Sym, Sym, Time, Dec, Rec) = inp.order_in;                   // order_id, product_id, time, price
        relation discount_signup(Sym, Time, Rec) = inp.signup_in;                  // shop_id, time
        relation discount_withdrawal(Sym, Time, Rec) = inp.withdrawal_in;          // product_id, time
        relation creator(Sym, Dec, Rec) = inp.creator_in;                          // creator_id, reputation
        relation creator_deduction(Sym, Sym, Dec, Date, Rec) = inp.creator_deduction_in; // creator_id, kind, points, date
        relation creator_violation(Sym, Sym, Date, Rec) = inp.creator_violation_in;      // creator_id, kind, date
        relation wanted_shop(Sym) = inp.wanted_shop_in;
        relation wanted_product(Sym) = inp.wanted_product_in;
        relation wanted_creator(Sym) = inp.wanted_creator_in;

        // What the rules decide, per subject kind: (subject, clause, outcome, observed, required). A relation that
        // no rule reads is a sink (src/sink.rs): kept once, in derivation order, without ascent's indices.
        relation shop(Sym);
        relation product_subject(Sym);
        relation creator_subject(Sym);
        relation order_subject(Sym);
        relation shop_check(Sym, ClauseId, Outcome, Val, Val);
        relation product_check(Sym, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation creator_check(Sym, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation order_check(Sym, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation tier_check(Sym, ClauseId, Outcome, Val, Val);            // the subject kind is the clause's
        #[ds(crate::sink)] relation tier(Sym, &'static str);                                     // product, tier
        #[ds(crate::sink)] relation flag(Sym, ClauseId);
        relation claim(Sym, Dec, Dec);                                         // order, amount, lowest later price
        // Why each outcome is what it is: records, notes (message key and arguments), nested subjects.
        #[ds(crate::sink::evidence)] relation cite(Sym, ClauseId, Rec);
        #[ds(crate::sink::evidence)] relation note(Sym, ClauseId, &'static str, [Val; 4]);                 // message key, arguments
        #[ds(crate::sink::evidence)] relation nest(Sym, ClauseId, &'static str, Sym);                      // the nested subject's kind and id

        // ---- Subjects. A record dated after as-of creates none.
        //      shop ← merchant, experience_score, the shops of product subjects; product ← products with a
        //      registration; creator ← creator, creator_deduction, creator_violation; order ← orders of product subjects,
        //      each with its product's shop and category (what 价格保护 asks of it).
        relation registration_known(Sym, Dec, Time, Rec);
        relation protected_order(Sym, Sym, Sym, Sym, Time, Dec, Rec);         // order, product, shop, category, time, paid
        registration_known(p, price, t, r) <-- registration(p, price, t, r), if *t <= as_of;
        product_subject(p) <-- registration_known(p, _, _, _);
        shop(s) <-- merchant(s, _, _, _);
        shop(s) <-- experience_score(s, _, d, _), if *d <= as_of_date;
        shop(s) <-- product_subject(p), product(p, s, _, _, _);
        creator_subject(c) <-- creator(c, _, _);
        creator_subject(c) <-- creator_deduction(c, _, _, d, _), if *d <= as_of_date;
        creator_subject(c) <-- creator_violation(c, _, d, _), if *d <= as_of_date;
        protected_order(o, p, s, cat, t, paid, r) <--
            order(o, p, t, paid, r), if *t <= as_of, product_subject(p), product(p, s, _, cat, _);
        order_subject(o) <-- protected_order(o, _, _, _, _, _, _);

        // ==== 2.2.1 商家准入要求 (shop) ====

        // ---- merchant.not-novice — 非新手期商家. No merchant record → missing.
        relation has_merchant(Sym);
        has_merchant(s) <-- merchant(s, _, _, _);
        shop_check(s, NOT_NOVICE, Outcome::of(!*novice), Val::Bool(*novice), Val::Bool(false)),
        cite(s, NOT_NOVICE, r) <--
            shop(s), merchant(s, _, novice, r);
        shop_check(s, NOT_NOVICE, Outcome::Missing, Val::Null, Val::Bool(false)),
        note(s, NOT_NOVICE, "no-merchant", arg(Val::Str(*s))) <--
            shop(s), !has_merchant(s);

        // ---- merchant.experience-score — 商家体验分 ≥ min_experience_score; the latest reading at or before
        //      as-of counts. No reading → missing.
        relation score_known(Sym, Dec, Date, Rec);
        relation latest_score_date(Sym, Date);
        relation has_score(Sym);
        score_known(s, v, d, r) <-- experience_score(s, v, d, r), if *d <= as_of_date;
        has_score(s) <-- score_known(s, _, _, _);
        latest_score_date(s, latest) <-- shop(s), agg latest = max(d) in score_known(s, _, d, _);
        shop_check(s, EXPERIENCE_SCORE, Outcome::of(*v >= min_experience_score), Val::Dec(*v), Val::Dec(min_experience_score)),
        cite(s, EXPERIENCE_SCORE, r) <--
            latest_score_date(s, d), score_known(s, v, d, r);
        shop_check(s, EXPERIENCE_SCORE, Outcome::Missing, Val::Null, Val::Dec(min_experience_score)),
        note(s, EXPERIENCE_SCORE, "no-score", arg(Val::Str(*s))) <--
            shop(s), !has_score(s);

        // ---- 店铺及其关联店铺: links are undirected, self-links ignored. What counts against a shop's linked group:
        //      merchant.penalty-history — a penalty of a banned kind, ever (dated at or before as-of);
        //      merchant.not-suspended — a suspension in force at as-of;
        //      merchant.not-restricted — a marketing restriction in force at as-of.
        relation link(Sym, Sym, Rec);
        relation offence(Sym, ClauseId, Rec);
        link(a, b, r), link(b, a, r) <-- shop_link(a, b, _, r), if a != b;
        offence(t, PENALTY_HISTORY, r) <-- penalty(t, kind, d, r), if *d <= as_of_date && banned_penalty_kinds.contains(kind);
        offence(t, NOT_SUSPENDED, r) <-- suspension(t, from, to, r), if in_force(*from, *to, as_of);
        offence(t, NOT_RESTRICTED, r) <-- marketing_restriction(t, from, to, r), if in_force(*from, *to, as_of);

        // The linked group: with link_closure "transitive", the shop's connected component (labelled by its
        // smallest shop id); with "direct", the shop and the shops linked to it directly. Offences are counted
        // per component, so a large component costs its size, not its size squared. The component labels come
        // from union-find over the same links (`component_in`): propagating labels in Datalog costs size ×
        // diameter, and a chain of 30 000 linked shops took 85 s that way.
        relation node(Sym);
        relation linked(Sym);
        relation in_component(Sym, u32);
        relation component_offence(u32, ClauseId, Rec);
        relation direct_offence(Sym, ClauseId, Rec);
        relation group_clause(ClauseId);
        relation group_count(Sym, ClauseId, usize);
        group_clause(c) <-- for c in GROUP_CLAUSES;
        node(s) <-- shop(s);
        node(s) <-- link(s, _, _);
        linked(s) <-- component_in(s, _);
        in_component(s, *c) <-- component_in(s, c);
        in_component(s, s.0) <-- node(s), !linked(s);
        component_offence(c, clause, r) <-- offence(t, clause, r), in_component(t, c);
        group_count(s, clause, n) <-- if transitive, shop(s), in_component(s, c), group_clause(clause),
            agg n = count() in component_offence(c, clause, _);
        direct_offence(s, clause, r) <-- if !transitive, shop(s), offence(s, clause, r);
        direct_offence(s, clause, r) <-- if !transitive, shop(s), link(s, t, _), offence(t, clause, r);
        group_count(s, clause, n) <-- if !transitive, shop(s), group_clause(clause),
            agg n = count() in direct_offence(s, clause, _);
        shop_check(s, clause, Outcome::of(*n == 0), Val::Int(*n as i64), Val::Int(0)) <-- group_count(s, clause, n);

        // Evidence of the group clauses, for the explained shop: every offending record in its group, and for
        // each offending linked shop the shortest link chain to it (ties: the lexicographically smallest
        // sequence of shop ids, built hop by hop from the smallest next shop on some shortest path).
        lattice distance(Sym, Sym, Dual<u32>);
        relation reached(Sym, Sym, u32);
        relation group_evidence(Sym, ClauseId, Sym, Rec);
        relation offender(Sym, Sym);
        relation on_path(Sym, Sym, Sym);
        relation hop_candidate(Sym, Sym, Sym, Sym);
        relation next_hop(Sym, Sym, Sym, Sym);
        relation on_chain(Sym, Sym, Sym);
        #[ds(crate::sink::evidence)] relation chain_link(Sym, Sym, Sym, Sym, Rec);
        distance(s, s, Dual(0)) <-- wanted_shop(s), shop(s);
        distance(s, b, Dual(d + 1)) <-- distance(s, a, ?Dual(d)), link(a, b, _), if transitive || *d == 0;
        reached(s, t, d) <-- distance(s, t, ?Dual(d));
        group_evidence(s, clause, t, r) <-- reached(s, t, _), offence(t, clause, r);
        offender(s, t) <-- group_evidence(s, _, t, _), if s != t;
        on_path(s, t, t) <-- offender(s, t);
        on_path(s, t, y) <-- on_path(s, t, z), link(y, z, _), reached(s, y, dy), reached(s, z, dz), if *dy + 1 == *dz;
        hop_candidate(s, t, y, z) <-- on_path(s, t, y), link(y, z, _), on_path(s, t, z),
            reached(s, y, dy), reached(s, z, dz), if *dy + 1 == *dz;
        next_hop(s, t, y, z) <-- on_path(s, t, y), agg z = min(z2) in hop_candidate(s, t, y, z2);
        on_chain(s, t, s) <-- offender(s, t);
        on_chain(s, t, z) <-- on_chain(s, t, y), next_hop(s, t, y, z);
        chain_link(s, t, y, z, r) <-- on_chain(s, t, y), next_hop(s, t, y, z), link(y, z, r);

        // A shop's verdict, which its products carry.
        relation shop_fails(Sym);
        relation shop_lacks(Sym);
        relation shop_verdict(Sym, &'static str);
        shop_fails(s) <-- shop_check(s, _, o, _, _), if *o == Outcome::Fail;
        shop_lacks(s) <-- shop_check(s, _, o, _, _), if *o == Outcome::Missing;
        shop_verdict(s, REJECTED) <-- shop(s), shop_fails(s);
        shop_verdict(s, UNDETERMINED) <-- shop(s), !shop_fails(s), shop_lacks(s);
        shop_verdict(s, ADMITTED) <-- shop(s), !shop_fails(s), !shop_lacks(s);

        // ==== 2.2.2 商品准入要求 (product) ====

        // ---- product.merchant-admitted — the product's shop is admitted; a rejected shop fails it, an
        //      undetermined shop leaves it missing. The shop's tree is nested under the clause.
        product_check(p, MERCHANT_ADMITTED, carried(v), Val::Word(v), Val::Word(ADMITTED)),
        nest(p, MERCHANT_ADMITTED, SHOP, s) <--
            product_subject(p), product(p, s, _, _, _), shop_verdict(s, v);

        // ---- product.registered — the latest registration at or before as-of (an adjustment, 调价, replaces
        //      the earlier ones) was made inside [registration_start, registration_end].
        relation latest_registration_time(Sym, Time);
        relation declared(Sym, Dec, Time, Rec);                               // the registration judged: price, time
        latest_registration_time(p, latest) <-- product_subject(p), agg latest = max(t) in registration_known(p, _, t, _);
        declared(p, price, t, r) <-- latest_registration_time(p, t), registration_known(p, price, t, r);
        product_check(p, REGISTERED, Outcome::of(registration_start <= *t && *t <= registration_end), Val::Time(*t),
            Val::Span(registration_start, registration_end)),
        cite(p, REGISTERED, r) <--
            declared(p, _, t, r);

        // ---- product.return-rate, product.bad-review-rate, product.complaint-rate — 近30天 rates of the latest
        //      metric reading at or before as-of, each ≤ its category threshold. Missing metric or threshold → missing.
        relation rate_clause(ClauseId);
        relation metric_known(Sym, Date, Dec, Dec, Dec, Rec);
        relation latest_metric_date(Sym, Date);
        relation rate_observed(Sym, ClauseId, Dec, Rec);
        relation rate_max(Sym, ClauseId, Dec, Rec);
        relation has_rate(Sym, ClauseId);
        relation has_rate_max(Sym, ClauseId);
        rate_clause(c) <-- for c in RATE_CLAUSES;
        metric_known(p, d, a, b, c, r) <-- product_metric(p, d, a, b, c, r), if *d <= as_of_date;
        latest_metric_date(p, latest) <-- product_subject(p), agg latest = max(d) in metric_known(p, d, _, _, _, _);
        rate_observed(p, RETURN_RATE, a, r), rate_observed(p, BAD_REVIEW_RATE, b, r), rate_observed(p, COMPLAINT_RATE, c, r) <--
            latest_metric_date(p, d), metric_known(p, d, a, b, c, r);
        rate_max(p, RETURN_RATE, a, r), rate_max(p, BAD_REVIEW_RATE, b, r), rate_max(p, COMPLAINT_RATE, c, r) <--
            product_subject(p), product(p, _, _, cat, _), category_threshold(cat, a, b, c, r);
        has_rate(p, c) <-- rate_observed(p, c, _, _);
        has_rate_max(p, c) <-- rate_max(p, c, _, _);
        product_check(p, c, Outcome::of(v <= m), Val::Dec(*v), Val::Dec(*m)), cite(p, c, rv), cite(p, c, rm) <--
            rate_observed(p, c, v, rv), rate_max(p, c, m, rm);
        product_check(p, c, Outcome::Missing, Val::Null, Val::Dec(*m)), cite(p, c, rm),
        note(p, c, "no-metric", arg(Val::Str(*p))) <--
            rate_max(p, c, m, rm), !has_rate(p, c);
        product_check(p, c, Outcome::Missing, Val::Dec(*v), Val::Null), cite(p, c, rv),
        note(p, c, "no-threshold", arg(Val::Str(*cat))) <--
            rate_observed(p, c, v, rv), !has_rate_max(p, c), product(p, _, _, cat, _);
        product_check(p, c, Outcome::Missing, Val::Null, Val::Null),
        note(p, c, "no-metric", arg(Val::Str(*p))), note(p, c, "no-threshold", arg(Val::Str(*cat))) <--
            product_subject(p), rate_clause(c), !has_rate(p, c), !has_rate_max(p, c), product(p, _, _, cat, _);

        // ---- product.price-conduct — no price misconduct (虚构原价, 先涨后降, ...) recorded at or before as-of;
        //      otherwise the product is removed from the activity (剔除活动).
        relation misconduct_known(Sym, Rec);
        misconduct_known(p, r) <-- price_misconduct(p, t, r), if *t <= as_of;
        product_check(p, PRICE_CONDUCT, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            product_subject(p), agg n = count() in misconduct_known(p, _);
        cite(p, PRICE_CONDUCT, r) <-- misconduct_known(p, r), product_subject(p);

        // ---- product.discount-withdrawn — a product withdrawn from 跨店每满减 cannot register afterwards: the
        //      registration judged (the latest) strictly later than a withdrawal fails; the same second passes.
        relation withdrawal_known(Sym, Time, Rec);
        relation withdrawn_before_registration(Sym, Rec);
        withdrawal_known(p, t, r) <-- discount_withdrawal(p, t, r), if *t <= as_of;
        withdrawn_before_registration(p, w) <-- declared(p, _, rt, _), withdrawal_known(p, wt, w), if wt < rt;
        product_check(p, DISCOUNT_WITHDRAWN, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            product_subject(p), agg n = count() in withdrawn_before_registration(p, _);
        cite(p, DISCOUNT_WITHDRAWN, w), cite(p, DISCOUNT_WITHDRAWN, r) <--
            withdrawn_before_registration(p, w), declared(p, _, _, r);

        // ---- tier product.check-price — 活动校验价 = the lowest page price whose interval [from, to) meets the
        //      window [price_check_start, price_check_end] (已生效或将生效), over the products of the same shop with
        //      the same sku_key. Declared price ≤ check price → resource-support; above → basic; no page price in
        //      the window → basic with flag product.check-price-unavailable.
        relation in_check_window(Sym, Dec, Rec);
        relation check_candidate(Sym, Dec, Rec);
        relation check_price(Sym, Dec);
        relation has_check_price(Sym);
        relation resource_support(Sym);
        in_check_window(q, price, r) <-- page_price(q, price, from, to, r),
            if *from <= price_check_end && to.is_none_or(|e| e > price_check_start);
        check_candidate(p, price, r) <-- product_subject(p), product(p, s, k, _, _), product(q, s, k, _, _), in_check_window(q, price, r);
        check_price(p, lowest) <-- product_subject(p), agg lowest = min(price) in check_candidate(p, price, _);
        has_check_price(p) <-- check_candidate(p, _, _);
        tier_check(p, CHECK_PRICE, Outcome::of(dp <= cp), Val::Dec(*dp), Val::Dec(*cp)), cite(p, CHECK_PRICE, dr) <--
            check_price(p, cp), declared(p, dp, _, dr);
        tier_check(p, CHECK_PRICE, Outcome::Missing, Val::Dec(*dp), Val::Null), cite(p, CHECK_PRICE, dr),
        flag(p, CHECK_PRICE_UNAVAILABLE),
        note(p, CHECK_PRICE, "no-check-price", [Val::Str(*s), Val::Str(*k), check_window, Val::Null]) <--
            declared(p, dp, _, dr), !has_check_price(p), product(p, s, k, _, _);
        resource_support(p) <-- check_price(p, cp), declared(p, dp, _, _), if dp <= cp;

        // ---- tier product.recommended-price — resource-support and declared price ≤ 推荐报名价 → traffic-boost.
        //      No recommended price → stays resource-support (no flag, nothing missing).
        relation has_recommended(Sym);
        relation traffic_boost(Sym);
        has_recommended(p) <-- recommended_price(p, _, _);
        tier_check(p, RECOMMENDED_PRICE, Outcome::of(dp <= rp), Val::Dec(*dp), Val::Dec(*rp)),
        cite(p, RECOMMENDED_PRICE, rr) <--
            resource_support(p), declared(p, dp, _, _), recommended_price(p, rp, rr);
        tier_check(p, RECOMMENDED_PRICE, Outcome::Info, Val::Dec(*dp), Val::Null),
        note(p, RECOMMENDED_PRICE, "no-recommended", NO_ARGS) <--
            resource_support(p), declared(p, dp, _, _), !has_recommended(p);
        traffic_boost(p) <-- resource_support(p), declared(p, dp, _, _), recommended_price(p, rp, _), if dp <= rp;
        tier(p, TIER_TRAFFIC_BOOST) <-- traffic_boost(p);
        tier(p, TIER_RESOURCE_SUPPORT) <-- resource_support(p), !traffic_boost(p);
        tier(p, TIER_BASIC) <-- product_subject(p), !resource_support(p);

        // ---- flag product.pre-activity-orders — no order strictly before activity_start (活动开始前无订单:
        //      resources at risk; the verdict is unchanged).
        relation ordered_before_activity(Sym);
        ordered_before_activity(p) <-- order(_, p, t, _, _), if *t < activity_start && *t <= as_of;
        flag(p, PRE_ACTIVITY_ORDERS) <-- product_subject(p), !ordered_before_activity(p);

        // ---- flag discount.applies — the shop signed up for 跨店每满减 at or before as-of, the category supports
        //      it, and the product was not withdrawn at or before as-of.
        relation signed_up(Sym, Rec);
        relation withdrawn(Sym);
        signed_up(s, r) <-- discount_signup(s, t, r), if *t <= as_of;
        withdrawn(p) <-- withdrawal_known(p, _, _);
        flag(p, DISCOUNT_APPLIES), cite(p, DISCOUNT_APPLIES, sr), cite(p, DISCOUNT_APPLIES, cr) <--
            product_subject(p), product(p, s, _, cat, _), signed_up(s, sr), category(cat, _, supports, cr), if *supports,
            !withdrawn(p);

        // A product's verdict, which its orders carry.
        relation product_fails(Sym);
        relation product_lacks(Sym);
        relation product_verdict(Sym, &'static str);
        product_fails(p) <-- product_check(p, _, o, _, _), if *o == Outcome::Fail;
        product_lacks(p) <-- product_check(p, _, o, _, _), if *o == Outcome::Missing;
        product_verdict(p, REJECTED) <-- product_subject(p), product_fails(p);
        product_verdict(p, UNDETERMINED) <-- product_subject(p), !product_fails(p), product_lacks(p);
        product_verdict(p, ADMITTED) <-- product_subject(p), !product_fails(p), !product_lacks(p);

        // ==== 2.2.3 创作者准入要求 (creator) ====

        // ---- creator.reputation — 口碑分 ≥ min_creator_reputation. No creator record → missing.
        relation has_creator(Sym);
        has_creator(c) <-- creator(c, _, _);
        creator_check(c, REPUTATION, Outcome::of(*rep >= min_creator_reputation), Val::Dec(*rep), Val::Dec(min_creator_reputation)),
        cite(c, REPUTATION, r) <--
            creator_subject(c), creator(c, rep, r);
        creator_check(c, REPUTATION, Outcome::Missing, Val::Null, Val::Dec(min_creator_reputation)),
        note(c, REPUTATION, "no-creator", arg(Val::Str(*c))) <--
            creator_subject(c), !has_creator(c);

        // ---- creator.offsite-diversion — no offsite_diversion deduction within the last creator_lookback_days days.
        relation offsite(Sym, Rec);
        offsite(c, r) <-- creator_deduction(c, kind, _, d, r), if Some(*kind) == offsite_diversion && in_lookback(*d);
        creator_check(c, OFFSITE_DIVERSION, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            creator_subject(c), agg n = count() in offsite(c, _);
        cite(c, OFFSITE_DIVERSION, r) <-- offsite(c, r);

        // ---- creator.false-advertising — false_advertising points within the lookback sum to
        //      ≤ max_false_advertising_points.
        relation false_ad(Sym, Dec, Rec);
        false_ad(c, pts, r) <-- creator_deduction(c, kind, pts, d, r), if Some(*kind) == false_advertising && in_lookback(*d);
        creator_check(c, FALSE_ADVERTISING, Outcome::of(total <= max_false_advertising_points), Val::Dec(total),
            Val::Dec(max_false_advertising_points)) <--
            creator_subject(c), agg total = dec_sum(pts) in false_ad(c, pts, _);
        cite(c, FALSE_ADVERTISING, r) <-- false_ad(c, _, r);

        // ---- creator.prohibited-share — no prohibited_share violation within the same lookback (the text gives
        //      no window; ours is creator_lookback_days).
        relation prohibited(Sym, Rec);
        prohibited(c, r) <-- creator_violation(c, kind, d, r), if Some(*kind) == prohibited_share && in_lookback(*d);
        creator_check(c, PROHIBITED_SHARE, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            creator_subject(c), agg n = count() in prohibited(c, _);
        cite(c, PROHIBITED_SHARE, r) <-- prohibited(c, r);

        // ==== 2.2.4 价格保护 (order) ====

        // ---- price-protection.product-admitted — the order's product is admitted (undetermined → missing).
        order_check(o, PRODUCT_ADMITTED, carried(v), Val::Word(v), Val::Word(ADMITTED)),
        nest(o, PRODUCT_ADMITTED, PRODUCT, p) <--
            protected_order(o, p, _, _, _, _, _), product_verdict(p, v);

        // ---- price-protection.enabled — neither the merchant kind nor the category kind is excluded (全球购,
        //      虚拟, 二手). No merchant record and a category kind not excluded → missing.
        relation exclusion(Sym, Sym, Rec);                                     // order, excluded kind, the record saying so
        relation excluded(Sym);
        exclusion(o, kind, r) <-- protected_order(o, _, _, cat, _, _, _), category(cat, kind, _, r), if excluded_kinds.contains(kind);
        exclusion(o, kind, r) <-- protected_order(o, _, s, _, _, _, _), merchant(s, kind, _, r), if excluded_kinds.contains(kind);
        excluded(o) <-- exclusion(o, _, _);
        order_check(o, PROTECTION_ENABLED, Outcome::Fail, Val::Str(kind), Val::Null) <--
            excluded(o), agg kind = min(k) in exclusion(o, k, _);
        cite(o, PROTECTION_ENABLED, r) <-- exclusion(o, _, r);
        order_check(o, PROTECTION_ENABLED, Outcome::Pass, Val::Str(*ck), Val::Null),
        cite(o, PROTECTION_ENABLED, cr), cite(o, PROTECTION_ENABLED, mr),
        note(o, PROTECTION_ENABLED, "product-kinds", [Val::Str(*mk), Val::Str(*cat), Val::Str(*ck), Val::Null]) <--
            protected_order(o, _, s, cat, _, _, _), !excluded(o), category(cat, ck, _, cr), merchant(s, mk, _, mr);
        order_check(o, PROTECTION_ENABLED, Outcome::Missing, Val::Str(*ck), Val::Null), cite(o, PROTECTION_ENABLED, cr),
        note(o, PROTECTION_ENABLED, "no-merchant", arg(Val::Str(*s))) <--
            protected_order(o, _, s, cat, _, _, _), !excluded(o), category(cat, ck, _, cr), !has_merchant(s);

        // ---- price-protection.paid-in-activity — paid inside [activity_start, activity_end].
        order_check(o, PAID_IN_ACTIVITY, Outcome::of(activity_start <= *t && *t <= activity_end), Val::Time(*t),
            Val::Span(activity_start, activity_end)),
        cite(o, PAID_IN_ACTIVITY, r) <--
            protected_order(o, _, _, _, t, _, r);

        // ---- reward price-protection.claim — q = the lowest page price of the product itself among records in
        //      force at some moment of (order time, price_protection_end]; paid price p > q → p − q.
        relation later_price(Sym, Dec, Rec);
        relation lowest_later_price(Sym, Dec);
        later_price(o, q, r) <-- protected_order(o, p, _, _, t, _, _), page_price(p, q, from, to, r),
            if *t < price_protection_end && *from <= price_protection_end && to.is_none_or(|e| e > *t);
        lowest_later_price(o, lowest) <-- order_subject(o), agg lowest = min(q) in later_price(o, q, _);
        claim(o, *paid - *q, q),
        note(o, CLAIM, "claim", [Val::Dec(*paid), Val::Time(*t), Val::Time(price_protection_end), Val::Dec(*q)]) <--
            lowest_later_price(o, q), protected_order(o, _, _, _, t, paid, _), if q < paid;
        cite(o, CLAIM, r) <-- claim(o, _, q), later_price(o, q, r);
        cite(o, CLAIM, r) <-- claim(o, _, _), protected_order(o, _, _, _, _, _, r);
    };

    // ---- From the rules' relations to the engine's rows.
    let syms = &facts.syms;
    let kind_of = |c: ClauseId| CLAUSES[c.0 as usize].subject;
    let subject_lists = [
        (SHOP, &res.shop),
        (PRODUCT, &res.product_subject),
        (CREATOR, &res.creator_subject),
        (ORDER, &res.order_subject),
    ];
    let mut subjects = Subjects::<Sym>::with_capacity(subject_lists.iter().map(|(_, l)| l.len()).sum());
    for (kind, list) in subject_lists {
        for &(s,) in list {
            subjects.add(kind, s, || syms.resolve(s).to_string());
        }
    }
    let mut der = Derivation::default();
    for rows in [
        &res.shop_check[..],
        &res.product_check,
        &res.creator_check,
        &res.order_check,
        &res.tier_check,
    ] {
        for &(s, clause, outcome, observed, required) in rows {
            der.checks.push(Check {
                subj: subjects.get(kind_of(clause), s),
                clause,
                outcome,
                observed,
                required,
            });
        }
    }
    der.tiers.extend(res.tier.iter().map(|&(p, t)| (subjects.get(PRODUCT, p), t)));
    der.flags.extend(res.flag.iter().map(|&(s, f)| (subjects.get(kind_of(f), s), f)));
    // empty when the caller reads no evidence (the evidence sinks dropped their rows)
    der.cites
        .extend(res.cite.iter().map(|&(s, clause, r)| (subjects.get(kind_of(clause), s), clause, r)));
    der.nests.extend(
        res.nest
            .iter()
            .map(|&(s, clause, inner_kind, inner)| (subjects.get(kind_of(clause), s), clause, subjects.get(inner_kind, inner))),
    );
    der.details.extend(
        res.note
            .iter()
            .map(|&(s, clause, msg, args)| Detail::note(subjects.get(kind_of(clause), s), clause, msg, &args)),
    );
    for &(o, amount, _) in &res.claim {
        let subj = subjects.get(ORDER, o);
        // the claim's records are the `cite` rows of the claim rules; the explainer shows them on the reward node
        der.rewards.push(Reward {
            subj,
            clause: CLAIM,
            kind: "price-difference",
            amount,
            unit: "CNY",
            extra: vec![],
            evidence: vec![],
        });
    }

    // Derived nodes of the explained subjects, from the evidence relations (which only hold rows for them).
    if !input.explain.is_empty() {
        let shops: HashSet<Sym> = res.shop.iter().map(|t| t.0).collect();
        for &(w,) in res.wanted_shop.iter().filter(|w| shops.contains(&w.0)) {
            group_details(
                &mut der,
                subjects.get(SHOP, w),
                w,
                &res.reached,
                &res.group_evidence,
                &res.chain_link,
                facts,
            );
        }
        let mut candidates: HashMap<Sym, Vec<(Dec, Rec)>> = HashMap::new();
        for &(p, price, r) in &res.check_candidate {
            candidates.entry(p).or_default().push((price, r));
        }
        let product_of: HashMap<Sym, (Sym, Sym)> = res.product.iter().map(|r| (r.0, (r.1, r.2))).collect();
        for &(w, cp) in &res.check_price {
            if !res.wanted_product.contains(&(w,)) {
                continue;
            }
            let subj = subjects.get(PRODUCT, w);
            let (shop, sku) = product_of[&w];
            let all: Vec<Rec> = candidates[&w].iter().map(|c| c.1).collect();
            let lowest: Vec<Rec> = candidates[&w].iter().filter(|c| c.0 == cp).map(|c| c.1).collect();
            let args = vec![Val::Dec(cp), check_window, Val::Str(shop), Val::Str(sku)];
            der.details.push(Detail {
                subj,
                clause: CHECK_PRICE,
                path: vec![1],
                msg: "check-price",
                args,
                evidence: lowest,
            });
            let n = Val::Int(all.len() as i64);
            der.details.push(Detail {
                subj,
                clause: CHECK_PRICE,
                path: vec![2],
                msg: "check-price-candidates",
                args: vec![n],
                evidence: all,
            });
        }
        let creators: HashSet<Sym> = res.creator_subject.iter().map(|t| t.0).collect();
        for &(w,) in res.wanted_creator.iter().filter(|w| creators.contains(&w.0)) {
            let subj = subjects.get(CREATOR, w);
            for clause in [OFFSITE_DIVERSION, FALSE_ADVERTISING, PROHIBITED_SHARE] {
                let args = vec![Val::Date(lookback_start), Val::Date(as_of_date), Val::Int(creator_lookback_days)];
                der.details.push(Detail {
                    subj,
                    clause,
                    path: vec![1],
                    msg: "lookback",
                    args,
                    evidence: vec![],
                });
            }
        }
    }
    der.subjects = subjects.into_list();
    der
}

/// The linked group of an explained shop, as derived nodes: each offending shop (by link distance, then id) with
/// its records, and under it the hops of its chain.
fn group_details(
    der: &mut Derivation,
    subj: Subj,
    w: Sym,
    reached: &[(Sym, Sym, u32)],
    group_evidence: &[(Sym, ClauseId, Sym, Rec)],
    chain_link: &[(Sym, Sym, Sym, Sym, Rec)],
    facts: &crate::facts::FactSet,
) {
    let dist: BTreeMap<Sym, u32> = reached.iter().filter(|r| r.0 == w).map(|r| (r.1, r.2)).collect();
    for clause in GROUP_CLAUSES {
        let mut offenders: BTreeMap<(u32, Sym), Vec<Rec>> = BTreeMap::new();
        for &(_, _, t, r) in group_evidence.iter().filter(|e| e.0 == w && e.1 == clause) {
            offenders.entry((dist[&t], t)).or_default().push(r);
        }
        for (i, ((d, t), recs)) in offenders.into_iter().enumerate() {
            let i = i as u32 + 1;
            let (msg, args) = if t == w {
                ("group-self", vec![Val::Str(t)])
            } else {
                ("group-linked", vec![Val::Str(t), Val::Int(d as i64)])
            };
            der.details.push(Detail {
                subj,
                clause,
                path: vec![i],
                msg,
                args,
                evidence: recs,
            });
            let mut hops: Vec<(u32, Sym, Sym, Rec)> = chain_link
                .iter()
                .filter(|c| c.0 == w && c.1 == t)
                .map(|c| (dist[&c.2], c.2, c.3, c.4))
                .collect();
            hops.sort();
            for (k, (_, y, z, r)) in hops.into_iter().enumerate() {
                let basis = facts.vals(r)[2];
                let args = vec![Val::Str(y), basis, Val::Str(z)];
                der.details.push(Detail {
                    subj,
                    clause,
                    path: vec![i, k as u32],
                    msg: "link-hop",
                    args,
                    evidence: vec![r],
                });
            }
        }
    }
}

/// The input relations of a view of the facts (one shard), one tuple per record with its record reference, and the
/// explained subjects.
fn read_inputs(facts: View, wanted: &Wanted, roots: &[u32]) -> Inputs {
    // Input relations, one tuple per record, each carrying its record reference.
    let merchant_in: Vec<_> = facts.collect("merchant", |r, v| (v.get(0).sym(), v.get(1).sym(), v.get(2).bool(), r));
    let experience_score_in: Vec<_> = facts.collect("experience_score", |r, v| (v.get(0).sym(), v.get(1).dec(), v.get(2).date(), r));
    let shop_link_in: Vec<_> = facts.collect("shop_link", |r, v| (v.get(0).sym(), v.get(1).sym(), v.get(2).sym(), r));
    let penalty_in: Vec<_> = facts.collect("penalty", |r, v| (v.get(1).sym(), v.get(2).sym(), v.get(3).date(), r));
    let suspension_in: Vec<_> = facts.collect("suspension", |r, v| (v.get(0).sym(), v.get(1).time(), v.get(2).opt_time(), r));
    let restriction_in: Vec<_> = facts.collect("marketing_restriction", |r, v| {
        (v.get(0).sym(), v.get(1).time(), v.get(2).opt_time(), r)
    });
    let category_in: Vec<_> = facts.collect("category", |r, v| (v.get(0).sym(), v.get(2).sym(), v.get(3).bool(), r));
    let threshold_in: Vec<_> = facts.collect("category_threshold", |r, v| {
        (v.get(0).sym(), v.get(1).dec(), v.get(2).dec(), v.get(3).dec(), r)
    });
    let product_in: Vec<_> = facts.collect("product", |r, v| {
        (v.get(0).sym(), v.get(1).sym(), v.get(2).sym(), v.get(3).sym(), r)
    });
    let metric_in: Vec<_> = facts.collect("product_metric", |r, v| {
        (v.get(0).sym(), v.get(1).date(), v.get(2).dec(), v.get(3).dec(), v.get(4).dec(), r)
    });
    let page_price_in: Vec<_> = facts.collect("page_price", |r, v| {
        (v.get(0).sym(), v.get(1).dec(), v.get(2).time(), v.get(3).opt_time(), r)
    });
    let registration_in: Vec<_> = facts.collect("registration", |r, v| (v.get(0).sym(), v.get(1).dec(), v.get(2).time(), r));
    let recommended_in: Vec<_> = facts.collect("recommended_price", |r, v| (v.get(0).sym(), v.get(1).dec(), r));
    let misconduct_in: Vec<_> = facts.collect("price_misconduct", |r, v| (v.get(0).sym(), v.get(2).time(), r));
    let order_in: Vec<_> = facts.collect("order", |r, v| (v.get(0).sym(), v.get(1).sym(), v.get(2).time(), v.get(3).dec(), r));
    let signup_in: Vec<_> = facts.collect("discount_signup", |r, v| (v.get(0).sym(), v.get(1).time(), r));
    let withdrawal_in: Vec<_> = facts.collect("discount_withdrawal", |r, v| (v.get(0).sym(), v.get(1).time(), r));
    let creator_in: Vec<_> = facts.collect("creator", |r, v| (v.get(0).sym(), v.get(1).dec(), r));
    let creator_deduction_in: Vec<_> = facts.collect("creator_deduction", |r, v| {
        (v.get(0).sym(), v.get(1).sym(), v.get(2).dec(), v.get(3).date(), r)
    });
    let creator_violation_in: Vec<_> = facts.collect("creator_violation", |r, v| (v.get(0).sym(), v.get(1).sym(), v.get(2).date(), r));

    // every shop of a link (self-links aside) with its linked-store component: the least shop id in it
    let mut ends: Vec<Sym> = shop_link_in.iter().filter(|l| l.0 != l.1).flat_map(|l| [l.0, l.1]).collect();
    ends.sort_unstable();
    ends.dedup();
    let component_in = ends.into_iter().map(|s| (s, roots[s.0 as usize])).collect();

    Inputs {
        merchant_in,
        experience_score_in,
        shop_link_in,
        component_in,
        penalty_in,
        suspension_in,
        restriction_in,
        category_in,
        threshold_in,
        product_in,
        metric_in,
        page_price_in,
        registration_in,
        recommended_in,
        misconduct_in,
        order_in,
        signup_in,
        withdrawal_in,
        creator_in,
        creator_deduction_in,
        creator_violation_in,
        wanted_shop_in: wanted.0.clone(),
        wanted_product_in: wanted.1.clone(),
        wanted_creator_in: wanted.2.clone(),
    }
}

/// The explained subjects and the subjects their trees nest (an order's product, a product's shop): rules that only
/// build evidence trees run for these alone.
type Wanted = (Vec<(Sym,)>, Vec<(Sym,)>, Vec<(Sym,)>);

fn wanted(input: &Input) -> Wanted {
    let facts = input.facts;
    let sym = |s: &str| facts.sym(s);
    let mut wanted_shop_in: Vec<(Sym,)> = vec![];
    let mut wanted_product_in: Vec<(Sym,)> = vec![];
    let mut wanted_creator_in: Vec<(Sym,)> = vec![];
    if !input.explain.is_empty() {
        let product_of_order: HashMap<Sym, Sym> = facts.rows("order").map(|(_, v)| (v[0].sym(), v[1].sym())).collect();
        let shop_of_product: HashMap<Sym, Sym> = facts.rows("product").map(|(_, v)| (v[0].sym(), v[1].sym())).collect();
        for (kind, id) in input.explain.iter().filter_map(|s| sym(&s.id).map(|id| (s.kind.as_str(), id))) {
            let product = match kind {
                ORDER => product_of_order.get(&id).copied(),
                PRODUCT => Some(id),
                _ => None,
            };
            let shop = match kind {
                SHOP => Some(id),
                _ => product.and_then(|p| shop_of_product.get(&p).copied()),
            };
            wanted_product_in.extend(product.map(|x| (x,)));
            wanted_shop_in.extend(shop.map(|x| (x,)));
            if kind == CREATOR {
                wanted_creator_in.push((id,));
            }
        }
        for v in [&mut wanted_shop_in, &mut wanted_product_in, &mut wanted_creator_in] {
            v.sort_unstable();
            v.dedup();
        }
    }
    (wanted_shop_in, wanted_product_in, wanted_creator_in)
}

/// The program's input relations as tuples (see `read_inputs`).
#[derive(Default)]
struct Inputs {
    merchant_in: Vec<(Sym, Sym, bool, Rec)>,
    experience_score_in: Vec<(Sym, Dec, Date, Rec)>,
    shop_link_in: Vec<(Sym, Sym, Sym, Rec)>,
    /// Every shop of a link with the least id of its linked-store component (from the union-find in `evaluate`).
    component_in: Vec<(Sym, u32)>,
    penalty_in: Vec<(Sym, Sym, Date, Rec)>,
    suspension_in: Vec<(Sym, Time, Option<Time>, Rec)>,
    restriction_in: Vec<(Sym, Time, Option<Time>, Rec)>,
    category_in: Vec<(Sym, Sym, bool, Rec)>,
    threshold_in: Vec<(Sym, Dec, Dec, Dec, Rec)>,
    product_in: Vec<(Sym, Sym, Sym, Sym, Rec)>,
    metric_in: Vec<(Sym, Date, Dec, Dec, Dec, Rec)>,
    page_price_in: Vec<(Sym, Dec, Time, Option<Time>, Rec)>,
    registration_in: Vec<(Sym, Dec, Time, Rec)>,
    recommended_in: Vec<(Sym, Dec, Rec)>,
    misconduct_in: Vec<(Sym, Time, Rec)>,
    order_in: Vec<(Sym, Sym, Time, Dec, Rec)>,
    signup_in: Vec<(Sym, Time, Rec)>,
    withdrawal_in: Vec<(Sym, Time, Rec)>,
    creator_in: Vec<(Sym, Dec, Rec)>,
    creator_deduction_in: Vec<(Sym, Sym, Dec, Date, Rec)>,
    creator_violation_in: Vec<(Sym, Sym, Date, Rec)>,
    wanted_shop_in: Vec<(Sym,)>,
    wanted_product_in: Vec<(Sym,)>,
    wanted_creator_in: Vec<(Sym,)>,
}

/// Shops per shard: small shards keep ascent's tables small and cache-friendly (measured on 100k generated shops,
/// CPU seconds in the rules: 15.3 with 100-shop shards, 20.6 with 200, 27.5 with 1000, 42.4 with 5000).
const SHARD_SHOPS: usize = 100;

/// Creators per creator shard, per shop of a shop shard: a creator has a handful of rows and few rules.
const CREATORS_PER_SHOP: usize = 20;

/// Union-find over the links (self-links ignored): `parent` such that `find` gives each shop its component's
/// least id.
fn link_components(links: &[(Sym, Sym, Sym, Rec)], syms: usize) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..syms as u32).collect();
    for &(a, b, _, _) in links {
        let (ra, rb) = (find(&mut parent, a.0), find(&mut parent, b.0));
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
    parent
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// Splits the facts into independent shards and evaluates them on every core. Every rule of this program relates a
/// shop only to its linked-store component, that component's products and orders, and the shared categories;
/// creators relate to nothing else. So each shard holds whole components, or creators, and the verdicts of the
/// shards together are the verdicts of the whole. `run --shard K/N` keeps part k of n: whole components by a hash of
/// their least shop id (the same on every run over the same facts), creators by a hash of theirs. Small fact sets
/// stay one shard.
///
/// Shards run in order: the first shop shard (whose table sizes size the rest, `crate::sizes`), the creators, then
/// the other shop shards. Creators come first in the output (kinds in byte order: creator, order, product, shop), so
/// with them done early, each shop shard's orders can be written as soon as the shards before it have finished
/// (`Sink::plan`).
fn evaluate(input: &Input) -> Derivation {
    let t = std::time::Instant::now();
    let facts = input.facts;
    let syms = facts.syms.len();
    let wanted = wanted(input);
    let links: Vec<(Sym, Sym, Sym, Rec)> = facts
        .rows("shop_link")
        .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].sym(), r))
        .collect();
    // every id's component root (the least shop id of its component; itself when unlinked)
    let mut roots = link_components(&links, syms);
    for x in 0..syms as u32 {
        roots[x as usize] = find(&mut roots, x);
    }
    drop(links);
    let per = if input.shard_size == 0 { SHARD_SHOPS } else { input.shard_size };
    let shops = facts.rows_len("merchant").max(facts.rows_len("product") / 10);
    let k = shops.div_ceil(per).max(1);
    // creators in id order, a run of neighbours to each creator shard (none for a fact set of one shard)
    let mut creators: Vec<u32> = ["creator", "creator_deduction", "creator_violation"]
        .into_iter()
        .flat_map(|rel| facts.rows(rel).map(|(_, v)| v[0].sym().0))
        .collect();
    creators.sort_unstable();
    creators.dedup();
    let kc = if k == 1 {
        0
    } else {
        creators.len().div_ceil(per * CREATORS_PER_SHOP)
    };
    // shop shard i is part 0 (i = 0) or part kc + i; creator shard j is part 1 + j
    let shop_part = |i: usize| if i == 0 { 0 } else { kc + i };
    let mix = |x: u32| (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) as usize;
    let in_part = |x: u32| input.part.is_none_or(|(part, n)| mix(x) % n == part);
    // Shards take components in id order, a run of neighbouring roots each: fact files usually list a shop's records
    // together and shops in id order, so a shard's rows then lie together in every table rather than scattered over
    // it (measured on 1M generated shops, with routing on both cores: rules and verdicts 69.3 → 67.8 s). Any order of
    // the files gives the same verdicts, only more slowly.
    let mut component_roots: Vec<u32> = (facts.rows("merchant").map(|(_, v)| v[0]))
        .chain(facts.rows("product").map(|(_, v)| v[1]))
        .map(|s| roots[s.sym().0 as usize])
        .collect();
    component_roots.sort_unstable();
    component_roots.dedup();
    let shard_of_root = |root: u32| {
        let rank = component_roots.partition_point(|&r| r < root);
        (rank * k / component_roots.len().max(1)).min(k - 1)
    };
    let of_root = |root: u32| match in_part(root) {
        true => Route::Part(shop_part(shard_of_root(root))),
        false => Route::Nowhere,
    };
    // the route of each component's root, found once rather than by a search per record (a shop of no component,
    // with no merchant record or product, is still searched)
    const UNSET: u32 = u32::MAX;
    const NOWHERE: u32 = u32::MAX - 1;
    let mut root_route = vec![UNSET; syms];
    for &root in &component_roots {
        root_route[root as usize] = match of_root(root) {
            Route::Part(k) => k as u32,
            _ => NOWHERE,
        };
    }
    let of_shop = |s: Val| {
        let root = roots[s.sym().0 as usize];
        match root_route[root as usize] {
            UNSET => of_root(root),
            NOWHERE => Route::Nowhere,
            k => Route::Part(k as usize),
        }
    };
    let of_creator = |c: Val| match (in_part(c.sym().0), kc) {
        (false, _) => Route::Nowhere,
        (true, 0) => Route::Part(0),
        (true, _) => {
            let rank = creators.partition_point(|&x| x < c.sym().0);
            Route::Part(1 + rank * kc / creators.len())
        }
    };
    // each product's shard, u32::MAX for none (products are checked to name a known shop, orders a known product)
    let mut product_shard = vec![u32::MAX; syms];
    for (_, v) in facts.rows("product") {
        if let Route::Part(k) = of_shop(v[1]) {
            product_shard[v[0].sym().0 as usize] = k as u32;
        }
    }
    let of_product = |p: Val| match product_shard[p.sym().0 as usize] {
        u32::MAX => Route::Nowhere,
        k => Route::Part(k as usize),
    };
    let partition = Partition::new(facts, k + kc, |rel, v| match rel {
        "merchant" | "experience_score" | "shop_link" | "suspension" | "marketing_restriction" | "discount_signup" => of_shop(v.get(0)),
        "penalty" | "product" => of_shop(v.get(1)),
        "order" => of_product(v.get(1)),
        "product_metric" | "page_price" | "registration" | "recommended_price" | "price_misconduct" | "discount_withdrawal" => {
            of_product(v.get(0))
        }
        "creator" | "creator_deduction" | "creator_violation" => of_creator(v.get(0)),
        "category" | "category_threshold" => Route::Every,
        other => unreachable!("relation `{other}` has no route"),
    });
    drop(product_shard);
    crate::engine::timing("rules: shards routed", t);
    let shards: Vec<Shard> = (0..k + kc)
        .map(|i| Shard {
            view: partition.view(facts, i),
            wanted: &wanted,
            roots: &roots,
        })
        .collect();
    // for a batch run's writer only
    let floors = input.sink.map(|_| {
        std::thread::scope(|scope| {
            let half = shards.len().div_ceil(2).max(1);
            let parts: Vec<_> = (shards.chunks(half))
                .map(|c| scope.spawn(move || c.iter().map(|s| floor(s.view)).collect::<Vec<_>>()))
                .collect();
            parts.into_iter().flat_map(|p| p.join().expect("floors")).collect()
        })
    });
    crate::program::evaluate_shards(
        input,
        shards,
        floors,
        |shard| shard.view.row_count(),
        |input, shard| evaluate_shard(input, read_inputs(shard.view, shard.wanted, shard.roots)),
    )
}

/// The least (kind, id) of a subject the shard can derive (see the subject rules: shops come from merchants, scores
/// and the products' shops, products from registrations, creators from their three relations, orders from orders).
fn floor(view: View) -> Option<(&'static str, Sym)> {
    let least = |kind: &'static str, from: &[(&str, usize)]| {
        from.iter()
            .filter_map(|&(rel, field)| view.least(rel, field))
            .min()
            .map(|id| (kind, id))
    };
    [
        least(CREATOR, &[("creator", 0), ("creator_deduction", 0), ("creator_violation", 0)]),
        least(ORDER, &[("order", 0)]),
        least(PRODUCT, &[("registration", 0)]),
        least(SHOP, &[("merchant", 0), ("experience_score", 0), ("product", 1)]),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// One shard to evaluate: its view of the facts and what every shard shares.
struct Shard<'a> {
    view: View<'a>,
    wanted: &'a Wanted,
    roots: &'a [u32],
}

//! 抖音 2023 好物年货节 — admission of shops (商家) and creators (创作者).
//! Policy: policies/douyin-nianhuo-2023.md §2.2.1 商家准入要求, §2.2.3 创作者准入要求; catalogue section 1.
//! Each group of rules below carries the clause id it decides; the same rules emit the rows that explain it.

use crate::facts::Rec;
use crate::intern::Sym;
use crate::num::Dec;
use crate::params::{PTy, ParamSpec};
use crate::program::{ClauseMeta, Derivation, Detail, Input, Message, Outcome, Program, Role, Subjects};
use crate::schema::{field, Range, Reference, Relation, Ty};
use crate::time::{Date, Time};
use crate::value::Val;
use ascent::aggregators::{count, max, min};
use ascent::{ascent_run, Dual};
use std::collections::{BTreeMap, HashSet};

pub static PROGRAM: Program = Program {
    id: "douyin-nianhuo-2023",
    title_en: "Douyin 2023 New-Year Goods Festival — admission",
    title_zh: "抖音 2023 好物年货节 — 准入",
    subject_kinds: &[
        ("shop", "`merchant`, `experience_score`, and the shops of registered products"),
        ("creator", "`creator`, `creator_deduction`, `creator_violation`"),
    ],
    relations: RELATIONS,
    params: PARAMS,
    clauses: CLAUSES,
    messages: MESSAGES,
    evaluate,
};

const SHOP: &str = "shop";
const CREATOR: &str = "creator";

const NOT_NOVICE: &str = "merchant.not-novice";
const EXPERIENCE_SCORE: &str = "merchant.experience-score";
const PENALTY_HISTORY: &str = "merchant.penalty-history";
const NOT_SUSPENDED: &str = "merchant.not-suspended";
const NOT_RESTRICTED: &str = "merchant.not-restricted";
const REPUTATION: &str = "creator.reputation";
const OFFSITE_DIVERSION: &str = "creator.offsite-diversion";
const FALSE_ADVERTISING: &str = "creator.false-advertising";
const PROHIBITED_SHARE: &str = "creator.prohibited-share";

/// The three clauses about 店铺及其关联店铺: one linked group serves them all.
const GROUP_CLAUSES: [&str; 3] = [PENALTY_HISTORY, NOT_SUSPENDED, NOT_RESTRICTED];

const CLAUSES: &[ClauseMeta] = &[
    ClauseMeta {
        id: NOT_NOVICE,
        subject: SHOP,
        role: Role::Verdict,
        param: None,
        op: "=",
        en: "in the novice period (新手期, merchant.novice)",
        zh: "是否处于新手期(须为否)",
        always: false,
    },
    ClauseMeta {
        id: EXPERIENCE_SCORE,
        subject: SHOP,
        role: Role::Verdict,
        param: Some("min_experience_score"),
        op: "≥",
        en: "latest merchant experience score at as-of",
        zh: "商家体验分(截至评估时点的最新一次)",
        always: false,
    },
    ClauseMeta {
        id: PENALTY_HISTORY,
        subject: SHOP,
        role: Role::Verdict,
        param: Some("banned_penalty_kinds"),
        op: "=",
        en: "penalties of a banned kind (counterfeit, confusing info, improper gain), ever, on the shop or a linked shop",
        zh: "店铺及其关联店铺因出售假冒商品、发布混淆信息、不当获利等被处罚的历史记录数",
        always: false,
    },
    ClauseMeta {
        id: NOT_SUSPENDED,
        subject: SHOP,
        role: Role::Verdict,
        param: None,
        op: "=",
        en: "suspensions (停业) in force at as-of on the shop or a linked shop",
        zh: "店铺及其关联店铺在评估时点因处罚处于停业期的记录数",
        always: false,
    },
    ClauseMeta {
        id: NOT_RESTRICTED,
        subject: SHOP,
        role: Role::Verdict,
        param: None,
        op: "=",
        en: "marketing restrictions in force at as-of on the shop or a linked shop",
        zh: "店铺及其关联店铺在评估时点处于限制参与营销活动状态的记录数",
        always: false,
    },
    ClauseMeta {
        id: REPUTATION,
        subject: CREATOR,
        role: Role::Verdict,
        param: Some("min_creator_reputation"),
        op: "≥",
        en: "creator reputation score (口碑分)",
        zh: "创作者口碑分",
        always: false,
    },
    ClauseMeta {
        id: OFFSITE_DIVERSION,
        subject: CREATOR,
        role: Role::Verdict,
        param: Some("creator_lookback_days"),
        op: "=",
        en: "off-site diversion deductions in the lookback window",
        zh: "近60天站外引流违规扣分次数",
        always: false,
    },
    ClauseMeta {
        id: FALSE_ADVERTISING,
        subject: CREATOR,
        role: Role::Verdict,
        param: Some("max_false_advertising_points"),
        op: "≤",
        en: "false-advertising points deducted in the lookback window",
        zh: "近60天虚假宣传扣分合计",
        always: false,
    },
    ClauseMeta {
        id: PROHIBITED_SHARE,
        subject: CREATOR,
        role: Role::Verdict,
        param: Some("creator_lookback_days"),
        op: "=",
        en: "shares of prohibited goods in the lookback window",
        zh: "近60天分享违禁商品的违规次数",
        always: false,
    },
];

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
        key: "link-closure",
        en: "linked shops: {0} (link_closure = {1})",
        zh: "关联店铺范围:{0}(link_closure = {1})",
    },
    Message {
        key: "lookback",
        en: "lookback window {0} … {1} ({2} days, creator_lookback_days)",
        zh: "回溯窗口 {0} … {1}(共 {2} 天,creator_lookback_days)",
    },
];

const RELATIONS: &[Relation] = &[
    Relation {
        name: "merchant",
        fields: &[
            field("shop_id", Ty::Str),
            field("kind", Ty::Enum(&["store", "global"])),
            field("novice", Ty::Bool),
        ],
        key: &["shop_id"],
        refs: &[],
        interval: None,
        doc: "merchants: 小店 (store) and 全球购 (global); novice = in 新手期",
    },
    Relation {
        name: "experience_score",
        fields: &[
            field("shop_id", Ty::Str),
            field("score", Ty::Dec).non_neg(),
            field("date", Ty::Date),
        ],
        key: &["shop_id", "date"],
        refs: &[],
        interval: None,
        doc: "商家体验分 readings; the latest on or before as-of counts",
    },
    Relation {
        name: "shop_link",
        fields: &[field("shop_id", Ty::Str), field("linked_shop_id", Ty::Str), field("basis", Ty::Str)],
        key: &[],
        refs: &[],
        interval: None,
        doc: "undirected links between shops (same legal representative, ...)",
    },
    Relation {
        name: "penalty",
        fields: &[
            field("penalty_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("kind", Ty::Str),
            field("date", Ty::Date),
        ],
        key: &["penalty_id"],
        refs: &[],
        interval: None,
        doc: "penalties (处罚) of a shop",
    },
    Relation {
        name: "suspension",
        fields: &[
            field("shop_id", Ty::Str),
            field("start", Ty::Time),
            field("end", Ty::Time).optional(),
            field("reason", Ty::Str),
        ],
        key: &[],
        refs: &[],
        interval: Some(("start", "end")),
        doc: "因处罚停业 intervals [start, end); open-ended without end",
    },
    Relation {
        name: "marketing_restriction",
        fields: &[
            field("shop_id", Ty::Str),
            field("start", Ty::Time),
            field("end", Ty::Time).optional(),
            field("reason", Ty::Str),
        ],
        key: &[],
        refs: &[],
        interval: Some(("start", "end")),
        doc: "限制参与营销活动 intervals [start, end)",
    },
    Relation {
        name: "category",
        fields: &[
            field("category_id", Ty::Str),
            field("name", Ty::Str),
            field("kind", Ty::Enum(&["normal", "global", "virtual", "second_hand"])),
            field("cross_store_discount", Ty::Bool),
        ],
        key: &["category_id"],
        refs: &[],
        interval: None,
        doc: "product categories; cross_store_discount = supports 跨店每满减",
    },
    Relation {
        name: "category_threshold",
        fields: &[
            field("category_id", Ty::Str),
            field("return_rate", Ty::Dec).unit(),
            field("bad_review_rate", Ty::Dec).unit(),
            field("complaint_rate", Ty::Dec).unit(),
        ],
        key: &["category_id"],
        refs: &[Reference {
            field: "category_id",
            target: "category",
            target_field: "category_id",
        }],
        interval: None,
        doc: "category maxima of the 近30天 rates",
    },
    Relation {
        name: "product",
        fields: &[
            field("product_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("sku_key", Ty::Str),
            field("category_id", Ty::Str),
        ],
        key: &["product_id"],
        refs: &[Reference {
            field: "category_id",
            target: "category",
            target_field: "category_id",
        }],
        interval: None,
        doc: "products; sku_key groups 同SKU products of one shop",
    },
    Relation {
        name: "product_metric",
        fields: &[
            field("product_id", Ty::Str),
            field("date", Ty::Date),
            field("return_rate", Ty::Dec).unit(),
            field("bad_review_rate", Ty::Dec).unit(),
            field("complaint_rate", Ty::Dec).unit(),
        ],
        key: &["product_id", "date"],
        refs: &[PRODUCT_REF],
        interval: None,
        doc: "近30天 rates as of `date`; the latest on or before as-of counts",
    },
    Relation {
        name: "page_price",
        fields: &[
            field("product_id", Ty::Str),
            PRICE_FIELD,
            field("from", Ty::Time),
            field("to", Ty::Time).optional(),
        ],
        key: &[],
        refs: &[PRODUCT_REF],
        interval: Some(("from", "to")),
        doc: "listed page prices and when they are in force [from, to)",
    },
    Relation {
        name: "registration",
        fields: &[field("product_id", Ty::Str), PRICE_FIELD, field("time", Ty::Time)],
        key: &["product_id", "time"],
        refs: &[PRODUCT_REF],
        interval: None,
        doc: "报名价; a later record is an adjustment (调价)",
    },
    Relation {
        name: "recommended_price",
        fields: &[field("product_id", Ty::Str), PRICE_FIELD],
        key: &["product_id"],
        refs: &[PRODUCT_REF],
        interval: None,
        doc: "推荐报名价",
    },
    Relation {
        name: "price_misconduct",
        fields: &[field("product_id", Ty::Str), field("kind", Ty::Str), field("time", Ty::Time)],
        key: &[],
        refs: &[PRODUCT_REF],
        interval: None,
        doc: "虚构原价, 先涨后降, ...",
    },
    Relation {
        name: "order",
        fields: &[
            field("order_id", Ty::Str),
            field("product_id", Ty::Str),
            field("time", Ty::Time),
            PRICE_FIELD,
        ],
        key: &["order_id"],
        refs: &[PRODUCT_REF],
        interval: None,
        doc: "paid orders (unit price)",
    },
    Relation {
        name: "discount_signup",
        fields: &[field("shop_id", Ty::Str), field("time", Ty::Time)],
        key: &[],
        refs: &[],
        interval: None,
        doc: "跨店每满减 报名 of a shop",
    },
    Relation {
        name: "discount_withdrawal",
        fields: &[field("product_id", Ty::Str), field("time", Ty::Time)],
        key: &[],
        refs: &[PRODUCT_REF],
        interval: None,
        doc: "取消报名 of one product from 跨店每满减",
    },
    Relation {
        name: "creator",
        fields: &[field("creator_id", Ty::Str), field("reputation", Ty::Dec).non_neg()],
        key: &["creator_id"],
        refs: &[],
        interval: None,
        doc: "creators with their 口碑分",
    },
    Relation {
        name: "creator_deduction",
        fields: &[
            field("creator_id", Ty::Str),
            field("kind", Ty::Str),
            field("points", Ty::Dec).non_neg(),
            field("date", Ty::Date),
        ],
        key: &[],
        refs: &[],
        interval: None,
        doc: "违规扣分 of a creator: offsite_diversion, false_advertising, ...",
    },
    Relation {
        name: "creator_violation",
        fields: &[field("creator_id", Ty::Str), field("kind", Ty::Str), field("date", Ty::Date)],
        key: &[],
        refs: &[],
        interval: None,
        doc: "violations of a creator: prohibited_share, ...",
    },
];

const PRODUCT_REF: Reference = Reference {
    field: "product_id",
    target: "product",
    target_field: "product_id",
};
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

fn evaluate(input: &Input) -> Derivation {
    let facts = input.facts;
    let p = input.params;
    let as_of = input.as_of;
    let as_of_date = as_of.date();
    let sym = |s: &str| facts.sym(s);

    // Parameters, named as in the catalogue.
    let min_experience_score = p.dec("min_experience_score");
    let banned_penalty_kinds: HashSet<Sym> = p.list("banned_penalty_kinds").iter().filter_map(|k| sym(k)).collect();
    let transitive = p.str("link_closure") == "transitive";
    let min_creator_reputation = p.dec("min_creator_reputation");
    let creator_lookback_days = p.int("creator_lookback_days");
    let max_false_advertising_points = p.dec("max_false_advertising_points");
    // Lookbacks: as_of_date − (N − 1) ≤ date ≤ as_of_date.
    let lookback_start = as_of_date.add_days(1 - creator_lookback_days as i32);
    let in_lookback = |d: Date| lookback_start <= d && d <= as_of_date;
    let offsite_diversion = sym("offsite_diversion");
    let false_advertising = sym("false_advertising");
    let prohibited_share = sym("prohibited_share");

    // Input relations, one tuple per record, each carrying its record reference.
    let merchant_in: Vec<_> = facts
        .rows("merchant")
        .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].bool(), r))
        .collect();
    let experience_score_in: Vec<_> = facts
        .rows("experience_score")
        .map(|(r, v)| (v[0].sym(), v[1].dec(), v[2].date(), r))
        .collect();
    let shop_link_in: Vec<_> = facts
        .rows("shop_link")
        .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].sym(), r))
        .collect();
    let penalty_in: Vec<_> = facts
        .rows("penalty")
        .map(|(r, v)| (v[1].sym(), v[2].sym(), v[3].date(), r))
        .collect();
    let suspension_in: Vec<_> = facts
        .rows("suspension")
        .map(|(r, v)| (v[0].sym(), v[1].time(), v[2].opt_time(), r))
        .collect();
    let restriction_in: Vec<_> = facts
        .rows("marketing_restriction")
        .map(|(r, v)| (v[0].sym(), v[1].time(), v[2].opt_time(), r))
        .collect();
    let product_in: Vec<_> = facts.rows("product").map(|(r, v)| (v[0].sym(), v[1].sym(), r)).collect();
    let registration_in: Vec<_> = facts.rows("registration").map(|(r, v)| (v[0].sym(), v[2].time(), r)).collect();
    let creator_in: Vec<_> = facts.rows("creator").map(|(r, v)| (v[0].sym(), v[1].dec(), r)).collect();
    let creator_deduction_in: Vec<_> = facts
        .rows("creator_deduction")
        .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].dec(), v[3].date(), r))
        .collect();
    let creator_violation_in: Vec<_> = facts
        .rows("creator_violation")
        .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].date(), r))
        .collect();
    let wanted = |kind: &str| -> Vec<(Sym,)> {
        input
            .explain
            .filter(|s| s.kind == kind)
            .and_then(|s| sym(&s.id))
            .map(|s| vec![(s,)])
            .unwrap_or_default()
    };
    let wanted_shop_in = wanted(SHOP);
    let wanted_creator_in = wanted(CREATOR);

    let res = ascent_run! {
        relation merchant(Sym, Sym, bool, Rec) = merchant_in;                  // shop_id, kind, novice
        relation experience_score(Sym, Dec, Date, Rec) = experience_score_in;  // shop_id, score, date
        relation shop_link(Sym, Sym, Sym, Rec) = shop_link_in;                 // shop_id, linked_shop_id, basis
        relation penalty(Sym, Sym, Date, Rec) = penalty_in;                    // shop_id, kind, date
        relation suspension(Sym, Time, Option<Time>, Rec) = suspension_in;     // shop_id, start, end
        relation marketing_restriction(Sym, Time, Option<Time>, Rec) = restriction_in;
        relation product(Sym, Sym, Rec) = product_in;                          // product_id, shop_id
        relation registration(Sym, Time, Rec) = registration_in;               // product_id, time
        relation creator(Sym, Dec, Rec) = creator_in;                          // creator_id, reputation
        relation creator_deduction(Sym, Sym, Dec, Date, Rec) = creator_deduction_in; // creator_id, kind, points, date
        relation creator_violation(Sym, Sym, Date, Rec) = creator_violation_in;      // creator_id, kind, date
        // The subject being explained: rules that only build its evidence tree run for it alone.
        relation wanted_shop(Sym) = wanted_shop_in;
        relation wanted_creator(Sym) = wanted_creator_in;

        relation shop(Sym);
        relation creator_subject(Sym);
        relation product_subject(Sym);
        relation check(&'static str, Sym, &'static str, Outcome, Val, Val);   // kind, subject, clause, outcome, observed, required
        relation cite(&'static str, Sym, &'static str, Rec);                 // records behind an outcome
        relation missing_why(&'static str, Sym, &'static str, &'static str); // the evidence a missing outcome lacks

        // ---- Subjects: shop ← merchant, experience_score, the shops of product subjects;
        //      product ← products with a registration; creator ← creator, creator_deduction, creator_violation.
        //      A record dated after as-of creates no subject.
        product_subject(p) <-- registration(p, t, _), if *t <= as_of;
        shop(s) <-- merchant(s, _, _, _);
        shop(s) <-- experience_score(s, _, d, _), if *d <= as_of_date;
        shop(s) <-- product_subject(p), product(p, s, _);
        creator_subject(c) <-- creator(c, _, _);
        creator_subject(c) <-- creator_deduction(c, _, _, d, _), if *d <= as_of_date;
        creator_subject(c) <-- creator_violation(c, _, d, _), if *d <= as_of_date;

        // ---- merchant.not-novice — 非新手期商家. No merchant record → missing.
        relation has_merchant(Sym);
        has_merchant(s) <-- merchant(s, _, _, _);
        check(SHOP, s, NOT_NOVICE, Outcome::of(!*novice), Val::Bool(*novice), Val::Bool(false)),
        cite(SHOP, s, NOT_NOVICE, r) <--
            shop(s), merchant(s, _, novice, r);
        check(SHOP, s, NOT_NOVICE, Outcome::Missing, Val::Null, Val::Bool(false)),
        missing_why(SHOP, s, NOT_NOVICE, "no-merchant") <--
            shop(s), !has_merchant(s);

        // ---- merchant.experience-score — 商家体验分 ≥ min_experience_score; the latest reading at or before
        //      as-of counts. No reading → missing.
        relation score_known(Sym, Dec, Date, Rec);
        relation latest_score_date(Sym, Date);
        relation has_score(Sym);
        score_known(s, v, d, r) <-- experience_score(s, v, d, r), if *d <= as_of_date;
        has_score(s) <-- score_known(s, _, _, _);
        latest_score_date(s, latest) <-- shop(s), agg latest = max(d) in score_known(s, _, d, _);
        check(SHOP, s, EXPERIENCE_SCORE, Outcome::of(*v >= min_experience_score), Val::Dec(*v), Val::Dec(min_experience_score)),
        cite(SHOP, s, EXPERIENCE_SCORE, r) <--
            latest_score_date(s, d), score_known(s, v, d, r);
        check(SHOP, s, EXPERIENCE_SCORE, Outcome::Missing, Val::Null, Val::Dec(min_experience_score)),
        missing_why(SHOP, s, EXPERIENCE_SCORE, "no-score") <--
            shop(s), !has_score(s);

        // ---- 店铺及其关联店铺: links are undirected, self-links ignored. What counts against a shop's linked group:
        //      merchant.penalty-history — a penalty of a banned kind, ever (dated at or before as-of);
        //      merchant.not-suspended — a suspension in force at as-of;
        //      merchant.not-restricted — a marketing restriction in force at as-of.
        relation link(Sym, Sym, Rec);
        relation offence(Sym, &'static str, Rec);
        link(a, b, r), link(b, a, r) <-- shop_link(a, b, _, r), if a != b;
        offence(t, PENALTY_HISTORY, r) <-- penalty(t, kind, d, r), if *d <= as_of_date && banned_penalty_kinds.contains(kind);
        offence(t, NOT_SUSPENDED, r) <-- suspension(t, from, to, r), if in_force(*from, *to, as_of);
        offence(t, NOT_RESTRICTED, r) <-- marketing_restriction(t, from, to, r), if in_force(*from, *to, as_of);

        // The linked group: with link_closure "transitive", the shop's connected component (labelled by its
        // smallest shop id); with "direct", the shop and the shops linked to it directly. Offences are counted
        // per component, so a large component costs its size, not its size squared.
        relation node(Sym);
        lattice component(Sym, Dual<u32>);
        relation in_component(Sym, u32);
        relation component_offence(u32, &'static str, Rec);
        relation direct_offence(Sym, &'static str, Rec);
        relation group_clause(&'static str);
        relation group_count(Sym, &'static str, usize);
        group_clause(c) <-- for c in GROUP_CLAUSES;
        node(s) <-- shop(s);
        node(s) <-- link(s, _, _);
        component(s, Dual(s.0)) <-- node(s);
        component(b, c) <-- component(a, c), link(a, b, _), if transitive;
        in_component(s, c) <-- component(s, ?Dual(c));
        component_offence(c, clause, r) <-- offence(t, clause, r), in_component(t, c);
        group_count(s, clause, n) <-- if transitive, shop(s), in_component(s, c), group_clause(clause),
            agg n = count() in component_offence(c, clause, _);
        direct_offence(s, clause, r) <-- if !transitive, shop(s), offence(s, clause, r);
        direct_offence(s, clause, r) <-- if !transitive, shop(s), link(s, t, _), offence(t, clause, r);
        group_count(s, clause, n) <-- if !transitive, shop(s), group_clause(clause),
            agg n = count() in direct_offence(s, clause, _);
        check(SHOP, s, clause, Outcome::of(*n == 0), Val::Int(*n as i64), Val::Int(0)) <-- group_count(s, clause, n);

        // Evidence of the group clauses, for the explained shop: every offending record in its group, and for
        // each offending linked shop the shortest link chain to it (ties: the lexicographically smallest
        // sequence of shop ids, built hop by hop from the smallest next shop on some shortest path).
        lattice distance(Sym, Sym, Dual<u32>);
        relation reached(Sym, Sym, u32);
        relation group_evidence(Sym, &'static str, Sym, Rec);
        relation offender(Sym, Sym);
        relation on_path(Sym, Sym, Sym);
        relation hop_candidate(Sym, Sym, Sym, Sym);
        relation next_hop(Sym, Sym, Sym, Sym);
        relation on_chain(Sym, Sym, Sym);
        relation chain_link(Sym, Sym, Sym, Sym, Rec);
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

        // ---- creator.reputation — 口碑分 ≥ min_creator_reputation. No creator record → missing.
        relation has_creator(Sym);
        has_creator(c) <-- creator(c, _, _);
        check(CREATOR, c, REPUTATION, Outcome::of(*rep >= min_creator_reputation), Val::Dec(*rep), Val::Dec(min_creator_reputation)),
        cite(CREATOR, c, REPUTATION, r) <--
            creator_subject(c), creator(c, rep, r);
        check(CREATOR, c, REPUTATION, Outcome::Missing, Val::Null, Val::Dec(min_creator_reputation)),
        missing_why(CREATOR, c, REPUTATION, "no-creator") <--
            creator_subject(c), !has_creator(c);

        // ---- creator.offsite-diversion — no offsite_diversion deduction within the last creator_lookback_days days.
        relation offsite(Sym, Rec);
        offsite(c, r) <-- creator_deduction(c, kind, _, d, r), if Some(*kind) == offsite_diversion && in_lookback(*d);
        check(CREATOR, c, OFFSITE_DIVERSION, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            creator_subject(c), agg n = count() in offsite(c, _);
        cite(CREATOR, c, OFFSITE_DIVERSION, r) <-- offsite(c, r);

        // ---- creator.false-advertising — false_advertising points within the lookback sum to
        //      ≤ max_false_advertising_points.
        relation false_ad(Sym, Dec, Rec);
        false_ad(c, pts, r) <-- creator_deduction(c, kind, pts, d, r), if Some(*kind) == false_advertising && in_lookback(*d);
        check(CREATOR, c, FALSE_ADVERTISING, Outcome::of(total <= max_false_advertising_points), Val::Dec(total), Val::Dec(max_false_advertising_points)) <--
            creator_subject(c), agg total = dec_sum(pts) in false_ad(c, pts, _);
        cite(CREATOR, c, FALSE_ADVERTISING, r) <-- false_ad(c, _, r);

        // ---- creator.prohibited-share — no prohibited_share violation within the same lookback (the text gives
        //      no window; ours is creator_lookback_days).
        relation prohibited(Sym, Rec);
        prohibited(c, r) <-- creator_violation(c, kind, d, r), if Some(*kind) == prohibited_share && in_lookback(*d);
        check(CREATOR, c, PROHIBITED_SHARE, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            creator_subject(c), agg n = count() in prohibited(c, _);
        cite(CREATOR, c, PROHIBITED_SHARE, r) <-- prohibited(c, r);
    };

    // ---- From the rules' relations to the engine's rows.
    let syms = &facts.syms;
    let mut subjects = Subjects::<Sym>::default();
    let mut sorted_shops: Vec<Sym> = res.shop.iter().map(|t| t.0).collect();
    sorted_shops.sort_unstable();
    for s in sorted_shops {
        subjects.add(SHOP, s, || syms.resolve(s).to_string());
    }
    let mut sorted_creators: Vec<Sym> = res.creator_subject.iter().map(|t| t.0).collect();
    sorted_creators.sort_unstable();
    for c in sorted_creators {
        subjects.add(CREATOR, c, || syms.resolve(c).to_string());
    }
    let mut der = Derivation::default();
    for (kind, s, clause, outcome, observed, required) in &res.check {
        der.checks.push(crate::program::Check {
            subj: subjects.get(kind, *s),
            clause,
            outcome: *outcome,
            observed: *observed,
            required: *required,
        });
    }
    for (kind, s, clause, r) in &res.cite {
        der.cites.push((subjects.get(kind, *s), clause, *r));
    }
    for (kind, s, clause, msg) in &res.missing_why {
        der.details.push(Detail {
            subj: subjects.get(kind, *s),
            clause,
            path: vec![0],
            msg,
            args: vec![Val::Str(*s)],
            evidence: vec![],
        });
    }

    // Derived nodes of the explained subject: the linked group and the chains.
    for &(w,) in res.wanted_shop.iter().filter(|w| res.shop.contains(&(w.0,))) {
        let subj = subjects.get(SHOP, w);
        let dist: BTreeMap<Sym, u32> = res.reached.iter().filter(|r| r.0 == w).map(|r| (r.1, r.2)).collect();
        for clause in GROUP_CLAUSES {
            // offending shops in (distance, id) order, each with its records
            let mut offenders: BTreeMap<(u32, Sym), Vec<Rec>> = BTreeMap::new();
            for (_, _, t, r) in res.group_evidence.iter().filter(|e| e.0 == w && e.1 == clause) {
                offenders.entry((dist[t], *t)).or_default().push(*r);
            }
            for (i, ((d, t), recs)) in offenders.into_iter().enumerate() {
                let (msg, args) = if t == w {
                    ("group-self", vec![Val::Str(t)])
                } else {
                    ("group-linked", vec![Val::Str(t), Val::Int(d as i64)])
                };
                der.details.push(Detail {
                    subj,
                    clause,
                    path: vec![i as u32],
                    msg,
                    args,
                    evidence: recs,
                });
                let mut hops: Vec<(u32, Sym, Sym, Rec)> = res
                    .chain_link
                    .iter()
                    .filter(|c| c.0 == w && c.1 == t)
                    .map(|c| (dist[&c.2], c.2, c.3, c.4))
                    .collect();
                hops.sort();
                for (k, (_, y, z, r)) in hops.into_iter().enumerate() {
                    let basis = facts.vals(r)[2];
                    der.details.push(Detail {
                        subj,
                        clause,
                        path: vec![i as u32, k as u32],
                        msg: "link-hop",
                        args: vec![Val::Str(y), basis, Val::Str(z)],
                        evidence: vec![r],
                    });
                }
            }
        }
    }
    for &(w,) in res.wanted_creator.iter().filter(|w| res.creator_subject.contains(&(w.0,))) {
        let subj = subjects.get(CREATOR, w);
        for clause in [OFFSITE_DIVERSION, FALSE_ADVERTISING, PROHIBITED_SHARE] {
            der.details.push(Detail {
                subj,
                clause,
                path: vec![0],
                msg: "lookback",
                args: vec![Val::Date(lookback_start), Val::Date(as_of_date), Val::Int(creator_lookback_days)],
                evidence: vec![],
            });
        }
    }
    der.subjects = subjects.into_list();
    der
}

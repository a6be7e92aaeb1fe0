//! 京东北极星 KA 商家流量券激励 2023-12 — daily live-stream coupons for 北极星 shops, with a daily PK ranking, and
//! the coupon-use checks of anchors. Policy: policies/jd-beijixing-2023-12.md; catalogue section 2.
//! Each group of rules below carries the clause id it decides; the same derived facts explain it.

use crate::facts::Rec;
use crate::intern::Sym;
use crate::num::Dec;
use crate::params::{PTy, ParamSpec};
use crate::program::{clause, Check, ClauseId, Derivation, Detail, Input, Message, Outcome, Program, Reward, Role, Subjects};
use crate::schema::{field, reference, relation, Range, Reference, Relation, Ty};
use crate::time::{Date, Time};
use crate::value::Val;
use ascent::aggregators::{count, max, min, sum};
use ascent::ascent_run;
use std::collections::{BTreeMap, HashMap, HashSet};

pub static PROGRAM: Program = Program {
    id: "jd-beijixing-2023-12",
    title_en: "JD Polaris (北极星) KA merchants — daily live-stream traffic coupons, Dec 2023",
    title_zh: "京东北极星 KA 商家流量券激励 2023-12",
    subject_kinds: &[
        (
            "shop-day",
            "(shop_id, CST start date) of every `live_session` started at or before as-of; id SHOP@YYYY-MM-DD",
        ),
        ("anchor", "`anchor`"),
    ],
    relations: RELATIONS,
    params: PARAMS,
    clauses: CLAUSES,
    messages: MESSAGES,
    validate: crate::program::no_validation,
    validate_facts: crate::program::no_fact_validation,
    evaluate,
    partitions_itself: false,
};

const SHOP_DAY: &str = "shop-day";
const ANCHOR: &str = "anchor";

const TIER_DAILY: &str = "daily";
const TIER_PK: &str = "pk";

// Why a session of the shop does or does not count for a day.
const COUNTED: &str = "counted";
const VIRTUAL: &str = "virtual anchor";
const TOO_LONG: &str = "recorded ≥ max_session_hours";
const OTHER_DAY: &str = "started on another day";

use Role::{Flag, Reward as RewardRole, Tier, Verdict};

crate::clauses! {
    // 一、政策参与门槛
    MEMBER_LISTED: clause("member.listed", SHOP_DAY, Verdict, Some("list_cutoff"), "<",
        "confirmed on the 北极星 list before the cut-off (the list is complete: no record fails)",
        "北极星商家名单确认时间早于截止时间(以名单为准:无记录即不通过)"),
    // 二、活动时间
    PERIOD: clause("period", SHOP_DAY, Verdict, Some("period_start..period_end"), "∈",
        "the day lies in the activity period", "日期在活动时间内"),
    // 激励一 每日开播任务
    DAILY_DURATION: clause("daily.duration", SHOP_DAY, Verdict, Some("daily_min_hours"), "≥",
        "live time of the day: union of the valid sessions started that day", "店铺日开播时长(当日开播的有效直播间时长并集)"),
    DAILY_BENEFIT_SKUS: clause("daily.benefit-skus", SHOP_DAY, Verdict, Some("min_avg_benefit_skus"), "≥",
        "average number of distinct live-exclusive benefit SKUs per valid session", "场均直播专享权益单品数(同一单品只计1个)"),
    DAILY_QUALITY: clause("daily.quality", SHOP_DAY, Verdict, Some("min_avg_quality"), "≥",
        "mean quality score of valid non-preview sessions (quality_scope)", "直播质量分平均分(去除预告)"),
    MISCONDUCT: clause("misconduct", SHOP_DAY, Verdict, None, "=",
        "misconduct records of the shop at or before as-of (作弊, 恶意套取, 虚假交易, ...)", "店铺以不正当手段参与活动的记录数"),
    // 激励二 每日开播PK
    PK_THRESHOLD: clause("pk.threshold", SHOP_DAY, Tier, Some("pk_min_hours"), "≥",
        "PK threshold: live time of the day (the other daily checks as for the daily reward)", "PK门槛:日开播时长(其余每日任务同激励一)"),
    PK_RANK: clause("pk.rank", SHOP_DAY, Tier, Some("pk_top_n"), "≤",
        "PK rank of the day among admitted shop-days over the threshold (duration desc, orders desc, shop_id asc)",
        "当日PK排名(时长降序、单量降序、店铺ID升序)"),
    PK_TIE: clause("pk.tie-broken-by-id", SHOP_DAY, Flag, None, "",
        "equal duration and orders across the top-N cut-off: shop_id decided the rank", "时长与单量均相同且跨越名次线:按店铺ID决定名次"),
    DAILY_COUPONS: clause("reward.daily-coupons", SHOP_DAY, RewardRole, Some("daily_coupons"), "",
        "daily live reward (每日开播激励)", "每日开播激励流量券"),
    PK_COUPONS: clause("reward.pk-coupons", SHOP_DAY, RewardRole, Some("pk_coupons"), "",
        "daily PK reward (每日开播PK激励)", "每日开播PK激励流量券"),
    // 四、流量券自主投放基础要求
    USE_LEVEL: clause("use.anchor-level", ANCHOR, Verdict, Some("use_min_anchor_level"), "≥", "anchor level", "主播等级"),
    USE_QUALITY: clause("use.quality", ANCHOR, Verdict, Some("use_min_quality"), "≥", "quality score of the latest status", "最新状态的质量分"),
    USE_LIVE: clause("use.live", ANCHOR, Verdict, None, "=", "live in the latest status (直播中)", "最新状态为直播中"),
}

const MESSAGES: &[Message] = &[
    Message {
        key: "not-listed",
        en: "{0} is not on the 北极星 list (as known at as-of)",
        zh: "{0} 不在北极星商家名单中(截至评估时点)",
    },
    Message {
        key: "no-valid-session",
        en: "no valid session started on {0}",
        zh: "{0} 没有有效直播间",
    },
    Message {
        key: "no-quality-session",
        en: "no valid non-preview session in scope",
        zh: "范围内没有有效的非预告直播间",
    },
    Message {
        key: "no-status",
        en: "no `anchor_status` of {0} at or before as-of",
        zh: "{0} 在评估时点及之前没有 `anchor_status`",
    },
    Message {
        key: "session-counted",
        en: "session {0} (anchor {1}) {2} … {3}: counted",
        zh: "直播间 {0}(主播 {1}){2} … {3}:计入",
    },
    Message {
        key: "session-virtual",
        en: "session {0} (anchor {1}) {2} … {3}: left out, virtual anchor",
        zh: "直播间 {0}(主播 {1}){2} … {3}:不计入,虚拟主播",
    },
    Message {
        key: "session-too-long",
        en: "session {0} (anchor {1}) {2} … {3}: left out, recorded ≥ max_session_hours",
        zh: "直播间 {0}(主播 {1}){2} … {3}:不计入,单场 ≥ max_session_hours 统计失效",
    },
    Message {
        key: "session-other-day",
        en: "session {0} (anchor {1}) {2} … {3}: counted on the day it started",
        zh: "直播间 {0}(主播 {1}){2} … {3}:计入开播当天",
    },
    Message {
        key: "session-upto-as-of",
        en: "session {0} still running at as-of: counted up to {1}",
        zh: "直播间 {0} 在评估时点仍在直播:计至 {1}",
    },
    Message {
        key: "session-skus",
        en: "session {0}: {1} distinct benefit SKU(s)",
        zh: "直播间 {0}:{1} 个直播专享权益单品",
    },
    Message {
        key: "session-quality",
        en: "session {0}: quality {1}",
        zh: "直播间 {0}:质量分 {1}",
    },
    Message {
        key: "previews-excluded",
        en: "{0} preview session(s) left out of the average",
        zh: "{0} 场预告不计入平均分",
    },
    Message {
        key: "average",
        en: "{0} over {1} session(s)",
        zh: "共 {1} 场,合计 {0}",
    },
    Message {
        key: "quality-scope",
        en: "scope: {0} (quality_scope)",
        zh: "范围:{0}(quality_scope)",
    },
    Message {
        key: "ranked",
        en: "rank {0}: {1}@{2} — live {3}, {4} orders",
        zh: "第 {0} 名:{1}@{2} — 开播 {3},{4} 单",
    },
    Message {
        key: "pool-size",
        en: "{0} shop-days in the day's PK pool; the top {1} get the PK reward",
        zh: "当日PK共 {0} 家,前 {1} 名获奖",
    },
    Message {
        key: "not-in-pool",
        en: "not in the PK pool: not admitted or under the PK threshold",
        zh: "未进入PK:未准入或未达PK门槛",
    },
    Message {
        key: "owner",
        en: "owner anchor {0}: {1} of valid live time that day, the most of the shop's non-virtual anchors",
        zh: "归属主播 {0}:当日有效开播 {1},为店铺非虚拟主播中最多",
    },
    Message {
        key: "coupon-dates",
        en: "issued {0} (T+{1}), valid through {2}",
        zh: "{0} 发放(T+{1}),有效至 {2}",
    },
];

const SESSION_REF: Reference = reference("session_id", "live_session", "session_id");
const ANCHOR_REF: Reference = reference("anchor_id", "anchor", "anchor_id");

const RELATIONS: &[Relation] = &[
    relation("beijixing_member", &[field("shop_id", Ty::Str), field("confirmed_at", Ty::Time)])
        .key(&["shop_id"])
        .doc("the 北极星 merchant list with the time each shop was confirmed on it"),
    relation(
        "anchor",
        &[
            field("anchor_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("virtual", Ty::Bool),
            field("level", Ty::Int).non_neg(),
        ],
    )
    .key(&["anchor_id"])
    .doc("anchors (主播); virtual = 虚拟主播"),
    relation(
        "live_session",
        &[
            field("session_id", Ty::Str),
            field("shop_id", Ty::Str),
            field("anchor_id", Ty::Str),
            field("start", Ty::Time),
            field("end", Ty::Time),
            field("preview", Ty::Bool),
            field("quality_score", Ty::Dec).non_neg(),
        ],
    )
    .key(&["session_id"])
    .refs(&[ANCHOR_REF])
    .interval("start", "end")
    .doc("live sessions (直播间) with their recorded interval [start, end)"),
    relation(
        "session_benefit",
        &[
            field("session_id", Ty::Str),
            field("sku_id", Ty::Str),
            field("kind", Ty::Enum(&["coupon", "gift", "price"])),
        ],
    )
    .refs(&[SESSION_REF])
    .doc("live-exclusive benefits of a session: 直播专享券 (coupon), 赠 (gift), 价 (price)"),
    relation(
        "session_orders",
        &[field("session_id", Ty::Str), field("orders", Ty::Int).non_neg()],
    )
    .key(&["session_id"])
    .refs(&[SESSION_REF])
    .doc("orders (单量) of a session"),
    relation(
        "misconduct",
        &[field("shop_id", Ty::Str), field("kind", Ty::Str), field("time", Ty::Time)],
    )
    .doc("作弊, 恶意套取, 虚假交易, ..."),
    relation(
        "anchor_status",
        &[
            field("anchor_id", Ty::Str),
            field("time", Ty::Time),
            field("quality_score", Ty::Dec).non_neg(),
            field("live", Ty::Bool),
        ],
    )
    .key(&["anchor_id", "time"])
    .refs(&[ANCHOR_REF])
    .doc("anchor status readings for coupon use"),
];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "list_cutoff",
        ty: PTy::Time,
        default: Some("\"2023-11-28T18:00:00\""),
        doc: "名单以11月28日18点前确认的为准",
    },
    ParamSpec {
        name: "period_start",
        ty: PTy::Date,
        default: Some("\"2023-12-01\""),
        doc: "活动时间 first day",
    },
    ParamSpec {
        name: "period_end",
        ty: PTy::Date,
        default: Some("\"2024-01-15\""),
        doc: "活动时间 last day",
    },
    ParamSpec {
        name: "daily_min_hours",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("2"),
        doc: "店铺日开播时长 ≥ (hours)",
    },
    ParamSpec {
        name: "pk_min_hours",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("6"),
        doc: "PK门槛 日开播时长 ≥ (hours)",
    },
    ParamSpec {
        name: "min_avg_benefit_skus",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("3"),
        doc: "场均直播专享权益单品 ≥",
    },
    ParamSpec {
        name: "min_avg_quality",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("60"),
        doc: "直播质量分平均分 ≥",
    },
    ParamSpec {
        name: "daily_coupons",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("1000"),
        doc: "每日开播激励 流量券",
    },
    ParamSpec {
        name: "pk_coupons",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("4000"),
        doc: "每日PK激励 流量券",
    },
    ParamSpec {
        name: "pk_top_n",
        ty: PTy::Int(Range::NonNeg),
        default: Some("15"),
        doc: "每日排名TOP15",
    },
    ParamSpec {
        name: "issue_delay_days",
        ty: PTy::Int(Range::NonNeg),
        default: Some("4"),
        doc: "流量券T+4发放",
    },
    ParamSpec {
        name: "validity_days",
        ty: PTy::Int(Range::NonNeg),
        default: Some("7"),
        doc: "7天有效",
    },
    ParamSpec {
        name: "max_session_hours",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("24"),
        doc: "a session recorded ≥ this long is invalid",
    },
    ParamSpec {
        name: "use_min_anchor_level",
        ty: PTy::Int(Range::NonNeg),
        default: Some("3"),
        doc: "主播等级 ≥ LV3",
    },
    ParamSpec {
        name: "use_min_quality",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("50"),
        doc: "质量分 ≥ 50",
    },
    ParamSpec {
        name: "quality_scope",
        ty: PTy::Choice(&["day", "period"]),
        default: Some("\"day\""),
        doc: "quality average over the day's sessions (day) or over the period so far (period)",
    },
];

/// Hours as whole seconds, rounded up: for a whole number of seconds t, t ≥ hours·3600 ⟺ t ≥ this.
fn hours_to_secs(h: Dec) -> i64 {
    let micro = h.0 as i128 * 3600;
    ((micro + crate::num::SCALE as i128 - 1) / crate::num::SCALE as i128) as i64
}

/// Σ ≥ min × n, exactly (an average compared without dividing).
fn average_at_least(total: Dec, n: usize, min: Dec) -> bool {
    total.0 as i128 >= min.0 as i128 * n as i128
}

/// The day's PK ranking: duration desc, orders desc, shop_id asc; emits (shop, rank), ranks 1, 2, 3, ...
fn pk_ranking<'a>(inp: impl Iterator<Item = (&'a i64, &'a i64, &'a Sym)>) -> impl Iterator<Item = (Sym, u32)> {
    let mut pool: Vec<(i64, i64, Sym)> = inp.map(|(t, n, s)| (*t, *n, *s)).collect();
    pool.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    pool.into_iter().enumerate().map(|(i, (_, _, s))| (s, i as u32 + 1))
}

/// A session touching an explained shop-day: (start, session, why it counts or not).
type SessionReason = (Time, Sym, &'static str);

/// The group key of "all sessions of the shop-day", beside per-anchor groups (anchor ids are below it).
const ALL: Sym = Sym(u32::MAX);

fn evaluate(input: &Input) -> Derivation {
    let facts = input.facts;
    let p = input.params;
    let as_of = input.as_of;

    // Parameters, named as in the catalogue.
    let list_cutoff = p.time("list_cutoff");
    let period_start = p.date("period_start");
    let period_end = p.date("period_end");
    let daily_min_secs = hours_to_secs(p.dec("daily_min_hours"));
    let pk_min_secs = hours_to_secs(p.dec("pk_min_hours"));
    let max_session_secs = hours_to_secs(p.dec("max_session_hours"));
    let min_avg_benefit_skus = p.dec("min_avg_benefit_skus");
    let min_avg_quality = p.dec("min_avg_quality");
    let daily_coupons = p.dec("daily_coupons");
    let pk_coupons = p.dec("pk_coupons");
    let pk_top_n = p.int("pk_top_n") as u32;
    let issue_delay_days = p.int("issue_delay_days") as i32;
    let validity_days = p.int("validity_days") as i32;
    let use_min_anchor_level = p.int("use_min_anchor_level");
    let use_min_quality = p.dec("use_min_quality");
    let period_scope = p.str("quality_scope") == "period";
    let period = Val::Span(period_start.start(), period_end.end());

    let member_in: Vec<_> = facts.rows("beijixing_member").map(|(r, v)| (v[0].sym(), v[1].time(), r)).collect();
    let anchor_in: Vec<_> = facts
        .rows("anchor")
        .map(|(r, v)| (v[0].sym(), v[2].bool(), v[3].int(), r))
        .collect();
    let session_in: Vec<_> = facts
        .rows("live_session")
        .map(|(r, v)| {
            (
                v[0].sym(),
                v[1].sym(),
                v[2].sym(),
                v[3].time(),
                v[4].time(),
                v[5].bool(),
                v[6].dec(),
                r,
            )
        })
        .collect();
    let benefit_in: Vec<_> = facts.rows("session_benefit").map(|(r, v)| (v[0].sym(), v[1].sym(), r)).collect();
    let orders_in: Vec<_> = facts.rows("session_orders").map(|(r, v)| (v[0].sym(), v[1].int(), r)).collect();
    let misconduct_in: Vec<_> = facts.rows("misconduct").map(|(r, v)| (v[0].sym(), v[2].time(), r)).collect();
    let status_in: Vec<_> = facts
        .rows("anchor_status")
        .map(|(r, v)| (v[0].sym(), v[1].time(), v[2].dec(), v[3].bool(), r))
        .collect();

    // Subjects being explained: evidence-only rules run for them alone.
    let mut wanted_day_in: Vec<(Sym, Date)> = Vec::new();
    for w in input.explain {
        if w.kind == SHOP_DAY {
            let parsed = w.id.rsplit_once('@').and_then(|(s, d)| Some((facts.sym(s)?, Date::parse(d).ok()?)));
            wanted_day_in.extend(parsed);
        }
    }

    let res = ascent_run! {
        #![ds(crate::index)]
        relation member(Sym, Time, Rec) = member_in;                            // shop_id, confirmed_at
        relation anchor(Sym, bool, i64, Rec) = anchor_in;                       // anchor_id, virtual, level
        relation live_session(Sym, Sym, Sym, Time, Time, bool, Dec, Rec) = session_in; // session, shop, anchor, start, end, preview, quality
        relation session_benefit(Sym, Sym, Rec) = benefit_in;                   // session, sku
        relation session_orders(Sym, i64, Rec) = orders_in;                     // session, orders
        relation misconduct(Sym, Time, Rec) = misconduct_in;                    // shop, time
        relation anchor_status(Sym, Time, Dec, bool, Rec) = status_in;          // anchor, time, quality, live
        relation wanted_day(Sym, Date) = wanted_day_in;

        relation shop_day(Sym, Date);
        relation anchor_subject(Sym);
        relation day_check(Sym, Date, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation tier_check(Sym, Date, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation anchor_check(Sym, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation tier(Sym, Date, &'static str);
        #[ds(crate::sink)] relation flag(Sym, Date, ClauseId);
        #[ds(crate::sink)] relation coupon(Sym, Date, ClauseId, Dec, Sym);                           // shop, day, reward clause, amount, owner anchor
        #[ds(crate::sink)] relation day_cite(Sym, Date, ClauseId, Rec);
        #[ds(crate::sink)] relation day_note(Sym, Date, ClauseId, &'static str, [Val; 5]);
        #[ds(crate::sink)] relation anchor_cite(Sym, ClauseId, Rec);
        #[ds(crate::sink)] relation anchor_note(Sym, ClauseId, &'static str, [Val; 5]);

        // ---- Session rules. A session started after as-of is not known; one still running at as-of counts up
        //      to as-of. It counts, whole, on the CST day it started (跨夜开播计入开始日期). Excluded: sessions of
        //      virtual anchors (不含虚拟主播数据), and sessions whose recorded interval is ≥ max_session_hours
        //      (≥24h 统计失效), whatever the as-of.
        relation session(Sym, Sym, Sym, Date, Time, Time, Rec);                  // session, shop, anchor, day, start, counted end
        relation excluded(Sym, &'static str);
        relation is_excluded(Sym);
        relation valid(Sym, Sym, Sym, Date, Time, Time, Rec);
        relation has_valid(Sym, Date);
        session(x, shop, a, start.date(), start, (*end).min(as_of), r) <-- live_session(x, shop, a, start, end, _, _, r), if *start <= as_of;
        excluded(x, VIRTUAL) <-- session(x, _, a, _, _, _, _), anchor(a, true, _, _);
        excluded(x, TOO_LONG) <-- session(x, _, _, _, _, _, _), live_session(x, _, _, start, end, _, _, _), if end.0 - start.0 >= max_session_secs;
        is_excluded(x) <-- excluded(x, _);
        valid(x, shop, a, day, s, e, r) <-- session(x, shop, a, day, s, e, r), !is_excluded(x);
        has_valid(shop, day) <-- valid(_, shop, _, day, _, _, _);

        // Subjects: every (shop, start day) of a known session, valid or not; every anchor.
        shop_day(shop, day) <-- session(_, shop, _, day, _, _, _);
        anchor_subject(a) <-- anchor(a, _, _, _);

        // Live time of a group of sessions = the length of the union of their intervals (overlaps count once):
        // the group of all valid sessions of a shop-day (ALL), and each anchor's valid sessions (for the owner).
        // The union is cut at the distinct start and end points; a segment counts when an interval covers it.
        relation interval(Sym, Date, Sym, Time, Time);
        relation point(Sym, Date, Sym, Time);
        relation later_point(Sym, Date, Sym, Time, Time);
        relation segment(Sym, Date, Sym, Time, Time);
        relation covered(Sym, Date, Sym, Time, i64);
        relation group(Sym, Date, Sym);
        relation live_time(Sym, Date, Sym, i64);
        interval(shop, day, ALL, s, e), interval(shop, day, a, s, e) <-- valid(_, shop, a, day, s, e, _);
        point(shop, day, g, s), point(shop, day, g, e) <-- interval(shop, day, g, s, e);
        later_point(shop, day, g, p, q) <-- point(shop, day, g, p), point(shop, day, g, q), if q > p;
        segment(shop, day, g, p, q) <-- point(shop, day, g, p), agg q = min(t) in later_point(shop, day, g, p, t);
        covered(shop, day, g, p, q.0 - p.0) <-- segment(shop, day, g, p, q), interval(shop, day, g, s, e), if s <= p && e >= q;
        group(shop, day, g) <-- interval(shop, day, g, _, _);
        live_time(shop, day, g, total) <-- group(shop, day, g), agg total = sum(len) in covered(shop, day, g, _, len);

        // ---- member.listed — 北极星名单以11月28日18点前确认的为准: confirmed strictly before list_cutoff. No record
        //      (or one confirmed after as-of) fails: the list is complete.
        relation listed(Sym, Time, Rec);
        relation is_listed(Sym);
        listed(shop, t, r) <-- member(shop, t, r), if *t <= as_of;
        is_listed(shop) <-- listed(shop, _, _);
        day_check(shop, day, MEMBER_LISTED, Outcome::of(*t < list_cutoff), Val::Time(*t), Val::Time(list_cutoff)),
        day_cite(shop, day, MEMBER_LISTED, r) <--
            shop_day(shop, day), listed(shop, t, r);
        day_check(shop, day, MEMBER_LISTED, Outcome::Fail, Val::Null, Val::Time(list_cutoff)),
        day_note(shop, day, MEMBER_LISTED, "not-listed", [Val::Str(*shop), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            shop_day(shop, day), !is_listed(shop);

        // ---- period — 活动时间 2023.12.1–2024.1.15: period_start ≤ day ≤ period_end.
        day_check(shop, day, PERIOD, Outcome::of(period_start <= *day && *day <= period_end), Val::Date(*day), period) <--
            shop_day(shop, day);

        // ---- daily.duration — 店铺日开播时长 ≥ daily_min_hours: the live time of the day's valid sessions.
        relation duration(Sym, Date, i64);
        duration(shop, day, t) <-- live_time(shop, day, g, t), if *g == ALL;
        duration(shop, day, 0) <-- shop_day(shop, day), !has_valid(shop, day);
        day_check(shop, day, DAILY_DURATION, Outcome::of(*t >= daily_min_secs), Val::Dur(*t), Val::Dur(daily_min_secs)) <--
            duration(shop, day, t);

        // ---- daily.benefit-skus — 场均直播专享权益单品 ≥ min_avg_benefit_skus: over the day's valid sessions
        //      (previews included), the mean number of distinct benefit SKUs per session; a SKU with a coupon, a
        //      gift and a price counts once. No valid session → missing.
        relation session_sku(Sym, Sym);
        relation session_skus(Sym, Sym, Date, i64);                              // session, shop, day, distinct SKUs
        relation sku_total(Sym, Date, i64, usize);                               // shop, day, Σ SKUs, sessions
        session_sku(x, k) <-- session_benefit(x, k, _);
        session_skus(x, shop, day, n as i64) <-- valid(x, shop, _, day, _, _, _), agg n = count() in session_sku(x, _);
        sku_total(shop, day, total, n) <-- has_valid(shop, day), agg total = sum(k) in session_skus(_, shop, day, k),
            agg n = count() in session_skus(_, shop, day, _);
        day_check(shop, day, DAILY_BENEFIT_SKUS, Outcome::of(average_at_least(Dec::from_int(*total).unwrap_or_default(), *n, min_avg_benefit_skus)),
            Val::Dec(Dec::from_int(*total).unwrap_or_default().div_int(*n as i64)), Val::Dec(min_avg_benefit_skus)) <--
            sku_total(shop, day, total, n);
        day_check(shop, day, DAILY_BENEFIT_SKUS, Outcome::Missing, Val::Null, Val::Dec(min_avg_benefit_skus)),
        day_note(shop, day, DAILY_BENEFIT_SKUS, "no-valid-session", [Val::Date(*day), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            shop_day(shop, day), !has_valid(shop, day);

        // ---- daily.quality — 直播质量分【去除预告】≥ min_avg_quality (平均分): the plain mean over valid
        //      non-preview sessions of the day (quality_scope "day") or of the period so far ("period"). Previews
        //      are left out here only. None → missing.
        relation scored(Sym, Sym, Date, Dec, Rec);                               // session, shop, day, quality
        relation quality_pool(Sym, Date, Sym, Dec);                              // shop-day, session, quality
        relation quality_total(Sym, Date, Dec, usize);
        relation has_quality(Sym, Date);
        scored(x, shop, day, q, r) <-- valid(x, shop, _, day, _, _, r), live_session(x, _, _, _, _, false, q, _);
        quality_pool(shop, day, x, q) <-- if !period_scope, shop_day(shop, day), scored(x, shop, day, q, _);
        quality_pool(shop, day, x, q) <-- if period_scope, shop_day(shop, day), scored(x, shop, d, q, _), if period_start <= *d && d <= day;
        has_quality(shop, day) <-- quality_pool(shop, day, _, _);
        quality_total(shop, day, total, n) <-- has_quality(shop, day), agg total = sum(q) in quality_pool(shop, day, _, q),
            agg n = count() in quality_pool(shop, day, _, _);
        day_check(shop, day, DAILY_QUALITY, Outcome::of(average_at_least(*total, *n, min_avg_quality)),
            Val::Dec(total.div_int(*n as i64)), Val::Dec(min_avg_quality)) <--
            quality_total(shop, day, total, n);
        day_check(shop, day, DAILY_QUALITY, Outcome::Missing, Val::Null, Val::Dec(min_avg_quality)),
        day_note(shop, day, DAILY_QUALITY, "no-quality-session", [Val::Null; 5]) <--
            shop_day(shop, day), !has_quality(shop, day);

        // ---- misconduct — 以不正当手段参与: any misconduct of the shop at or before as-of cancels all its
        //      shop-days, before and after it.
        relation misconduct_known(Sym, Rec);
        misconduct_known(shop, r) <-- misconduct(shop, t, r), if *t <= as_of;
        day_check(shop, day, MISCONDUCT, Outcome::of(n == 0), Val::Int(n as i64), Val::Int(0)) <--
            shop_day(shop, day), agg n = count() in misconduct_known(shop, _);
        day_cite(shop, day, MISCONDUCT, r) <-- wanted_day(shop, day), misconduct_known(shop, r);

        // A shop-day's verdict.
        relation day_fails(Sym, Date);
        relation day_lacks(Sym, Date);
        relation admitted(Sym, Date);
        day_fails(shop, day) <-- day_check(shop, day, _, o, _, _), if *o == Outcome::Fail;
        day_lacks(shop, day) <-- day_check(shop, day, _, o, _, _), if *o == Outcome::Missing;
        admitted(shop, day) <-- shop_day(shop, day), !day_fails(shop, day), !day_lacks(shop, day);

        // ---- tier pk.threshold — the daily checks with pk_min_hours for daily_min_hours; an admitted shop-day
        //      has passed the others already.
        relation over_threshold(Sym, Date);
        tier_check(shop, day, PK_THRESHOLD, Outcome::of(*t >= pk_min_secs), Val::Dur(*t), Val::Dur(pk_min_secs)) <--
            admitted(shop, day), duration(shop, day, t);
        over_threshold(shop, day) <-- admitted(shop, day), duration(shop, day, t), if *t >= pk_min_secs;

        // ---- tier pk.rank — 基于日开播时长排名PK, 时长一致按单量: the day's pool ranked by duration desc,
        //      orders desc, then shop_id asc (ours); rank ≤ pk_top_n → tier pk, else daily.
        relation day_orders(Sym, Date, i64);
        relation valid_orders(Sym, Date, Sym, i64);
        relation pool(Date, Sym, i64, i64);                                      // day, shop, duration, orders
        relation pool_day(Date);
        relation rank(Date, Sym, u32);
        relation top(Sym, Date);
        valid_orders(shop, day, x, n) <-- valid(x, shop, _, day, _, _, _), session_orders(x, n, _);
        day_orders(shop, day, total) <-- shop_day(shop, day), agg total = sum(n) in valid_orders(shop, day, _, n);
        pool(day, shop, t, n) <-- over_threshold(shop, day), duration(shop, day, t), day_orders(shop, day, n);
        pool_day(day) <-- pool(day, _, _, _);
        rank(day, shop, r) <-- pool_day(day), agg (shop, r) = pk_ranking(t, n, s) in pool(day, s, t, n);
        top(shop, day) <-- rank(day, shop, r), if *r <= pk_top_n;
        tier_check(shop, day, PK_RANK, Outcome::of(*r <= pk_top_n), Val::Int(*r as i64), Val::Int(pk_top_n as i64)) <--
            rank(day, shop, r);
        tier(shop, day, TIER_PK) <-- top(shop, day);
        tier(shop, day, TIER_DAILY) <-- admitted(shop, day), !top(shop, day);

        // ---- flag pk.tie-broken-by-id — a group of equal duration and orders with members on both sides of
        //      the cut-off: shop_id decided who got the PK reward.
        relation tie_inside(Date, i64, i64);
        relation tie_outside(Date, i64, i64);
        tie_inside(day, t, n) <-- rank(day, shop, r), pool(day, shop, t, n), if *r <= pk_top_n;
        tie_outside(day, t, n) <-- rank(day, shop, r), pool(day, shop, t, n), if *r > pk_top_n;
        flag(shop, day, PK_TIE) <-- pool(day, shop, t, n), tie_inside(day, t, n), tie_outside(day, t, n);

        // ---- Rewards — 每日开播激励 daily_coupons, and for tier pk 每日PK激励 pk_coupons, owned by one anchor
        //      (奖励以主播ID为唯一归属): the non-virtual anchor with the most valid live time that day (the union of
        //      its valid sessions, previews included), ties to the smaller anchor_id.
        relation anchor_time(Sym, Date, i64, Sym);                               // shop, day, live time, anchor
        relation best_time(Sym, Date, i64);
        relation owner(Sym, Date, Sym);
        anchor_time(shop, day, t, a) <-- live_time(shop, day, a, t), if *a != ALL;
        best_time(shop, day, m) <-- has_valid(shop, day), agg m = max(t) in anchor_time(shop, day, t, _);
        owner(shop, day, a) <-- best_time(shop, day, m), agg a = min(x) in anchor_time(shop, day, m, x);
        coupon(shop, day, DAILY_COUPONS, daily_coupons, a) <-- admitted(shop, day), owner(shop, day, a);
        coupon(shop, day, PK_COUPONS, pk_coupons, a) <-- top(shop, day), owner(shop, day, a);

        // ---- Evidence for explained shop-days: every session of the shop touching the day, with why it
        //      counts or not; the day's sessions' benefits, orders and scores.
        #[ds(crate::sink)] relation day_session(Sym, Date, Sym, &'static str);                      // shop-day, session, reason
        day_session(shop, day, x, COUNTED) <-- wanted_day(shop, day), valid(x, shop, _, day, _, _, _);
        day_session(shop, day, x, reason) <-- wanted_day(shop, day), session(x, shop, _, day, _, _, _), excluded(x, reason);
        day_session(shop, day, x, OTHER_DAY) <-- wanted_day(shop, day), session(x, shop, _, d, _, e, _), if d < day && e.date() >= *day;
        #[ds(crate::sink)] relation wanted_pool_day(Date);
        wanted_pool_day(day) <-- wanted_day(_, day);
        day_cite(shop, day, PK_RANK, r) <-- wanted_day(shop, day), rank(day, shop, _), valid(x, shop, _, day, _, _, _), session_orders(x, _, r);

        // ---- Anchors: may this anchor use coupons now (自主投放基础要求).
        // use.anchor-level — 主播等级 ≥ use_min_anchor_level.
        anchor_check(a, USE_LEVEL, Outcome::of(*level >= use_min_anchor_level), Val::Int(*level), Val::Int(use_min_anchor_level)),
        anchor_cite(a, USE_LEVEL, r) <--
            anchor(a, _, level, r);
        // use.quality, use.live — the latest status at or before as-of: quality ≥ use_min_quality, and live
        //      (直播中状态). No status → both missing.
        relation status_known(Sym, Time, Dec, bool, Rec);
        relation latest_status_time(Sym, Time);
        relation latest_status(Sym, Dec, bool, Rec);
        relation has_status(Sym);
        status_known(a, t, q, live, r) <-- anchor_status(a, t, q, live, r), if *t <= as_of;
        has_status(a) <-- status_known(a, _, _, _, _);
        latest_status_time(a, latest) <-- anchor_subject(a), agg latest = max(t) in status_known(a, t, _, _, _);
        latest_status(a, q, live, r) <-- latest_status_time(a, t), status_known(a, t, q, live, r);
        anchor_check(a, USE_QUALITY, Outcome::of(*q >= use_min_quality), Val::Dec(*q), Val::Dec(use_min_quality)),
        anchor_check(a, USE_LIVE, Outcome::of(*live), Val::Bool(*live), Val::Bool(true)),
        anchor_cite(a, USE_QUALITY, r), anchor_cite(a, USE_LIVE, r) <--
            latest_status(a, q, live, r);
        anchor_check(a, USE_QUALITY, Outcome::Missing, Val::Null, Val::Dec(use_min_quality)),
        anchor_check(a, USE_LIVE, Outcome::Missing, Val::Null, Val::Bool(true)),
        anchor_note(a, USE_QUALITY, "no-status", [Val::Str(*a), Val::Null, Val::Null, Val::Null, Val::Null]),
        anchor_note(a, USE_LIVE, "no-status", [Val::Str(*a), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            anchor_subject(a), !has_status(a);
    };

    // ---- From the rules' relations to the engine's rows.
    let syms = &facts.syms;
    let day_id = |shop: Sym, day: Date| format!("{}@{}", syms.resolve(shop), day);
    let mut days = Subjects::<(Sym, Date)>::default();
    for &(shop, day) in &res.shop_day {
        days.add(SHOP_DAY, (shop, day), || day_id(shop, day));
    }
    for &(a,) in &res.anchor_subject {
        days.add(ANCHOR, (a, Date(0)), || syms.resolve(a).to_string());
    }
    let sd = |shop: Sym, day: Date| days.get(SHOP_DAY, (shop, day));
    let an = |a: Sym| days.get(ANCHOR, (a, Date(0)));
    let mut der = Derivation::default();
    for &(shop, day, clause, outcome, observed, required) in res.day_check.iter().chain(&res.tier_check) {
        der.checks.push(Check {
            subj: sd(shop, day),
            clause,
            outcome,
            observed,
            required,
        });
    }
    for &(a, clause, outcome, observed, required) in &res.anchor_check {
        der.checks.push(Check {
            subj: an(a),
            clause,
            outcome,
            observed,
            required,
        });
    }
    der.tiers.extend(res.tier.iter().map(|&(shop, day, t)| (sd(shop, day), t)));
    der.flags.extend(res.flag.iter().map(|&(shop, day, f)| (sd(shop, day), f)));
    der.cites
        .extend(res.day_cite.iter().map(|&(shop, day, c, r)| (sd(shop, day), c, r)));
    der.cites.extend(res.anchor_cite.iter().map(|&(a, c, r)| (an(a), c, r)));
    der.details.extend(
        res.day_note
            .iter()
            .map(|&(shop, day, c, m, args)| Detail::note(sd(shop, day), c, m, &args)),
    );
    der.details
        .extend(res.anchor_note.iter().map(|&(a, c, m, args)| Detail::note(an(a), c, m, &args)));
    let anchor_rec: HashMap<Sym, Rec> = res.anchor.iter().map(|a| (a.0, a.3)).collect();
    for &(shop, day, clause, amount, owner) in &res.coupon {
        let kind = if clause == PK_COUPONS { "pk-coupons" } else { "daily-coupons" };
        let issue = day.add_days(issue_delay_days);
        let extra = vec![
            ("anchor_id", Val::Str(owner)),
            ("issue_date", Val::Date(issue)),
            ("expire_date", Val::Date(issue.add_days(validity_days - 1))),
        ];
        der.rewards.push(Reward {
            subj: sd(shop, day),
            clause,
            kind,
            amount,
            unit: "coupons",
            extra,
            evidence: vec![anchor_rec[&owner]],
        });
    }

    // Derived nodes of the explained shop-days.
    if !res.wanted_day.is_empty() {
        let sessions: HashMap<Sym, (Sym, Time, Time, Rec)> = res.session.iter().map(|s| (s.0, (s.2, s.4, s.5, s.6))).collect();
        let recorded_end: HashMap<Sym, Time> = res.live_session.iter().map(|s| (s.0, s.4)).collect();
        let mut skus: HashMap<Sym, i64> = HashMap::new();
        for &(x, _, _, n) in &res.session_skus {
            skus.insert(x, n);
        }
        let benefit_recs: HashMap<Sym, Vec<Rec>> = res.session_benefit.iter().fold(HashMap::new(), |mut m, b| {
            m.entry(b.0).or_insert_with(Vec::new).push(b.2);
            m
        });
        let scored: HashMap<Sym, (Dec, Rec)> = res.scored.iter().map(|s| (s.0, (s.3, s.4))).collect();
        let ranks: HashMap<Date, BTreeMap<u32, Sym>> = res.rank.iter().fold(HashMap::new(), |mut m, &(d, s, r)| {
            m.entry(d).or_insert_with(BTreeMap::new).insert(r, s);
            m
        });
        let pool: HashMap<(Date, Sym), (i64, i64)> = res.pool.iter().map(|&(d, s, t, n)| ((d, s), (t, n))).collect();
        let valid_by_day: HashMap<(Sym, Date), Vec<Sym>> = res.valid.iter().fold(HashMap::new(), |mut m, v| {
            m.entry((v.1, v.3)).or_insert_with(Vec::new).push(v.0);
            m
        });
        let wanted: HashSet<(Sym, Date)> = res.wanted_day.iter().copied().collect();
        let mut by_day: BTreeMap<(Sym, Date), Vec<SessionReason>> = BTreeMap::new();
        for &(shop, day, x, reason) in &res.day_session {
            by_day.entry((shop, day)).or_default().push((sessions[&x].1, x, reason));
        }
        for (&(shop, day), list) in by_day.iter_mut().filter(|(k, _)| wanted.contains(k)) {
            let subj = sd(shop, day);
            list.sort();
            for (i, &(start, x, reason)) in list.iter().enumerate() {
                let (a, _, counted_end, r) = sessions[&x];
                let args = vec![Val::Str(x), Val::Str(a), Val::Time(start), Val::Time(recorded_end[&x])];
                let msg = match reason {
                    COUNTED => "session-counted",
                    VIRTUAL => "session-virtual",
                    TOO_LONG => "session-too-long",
                    _ => "session-other-day",
                };
                der.details.push(Detail {
                    subj,
                    clause: DAILY_DURATION,
                    path: vec![1 + i as u32],
                    msg,
                    args,
                    evidence: vec![r],
                });
                if reason == COUNTED && counted_end < recorded_end[&x] {
                    let args = vec![Val::Str(x), Val::Time(counted_end)];
                    der.details.push(Detail {
                        subj,
                        clause: DAILY_DURATION,
                        path: vec![1 + i as u32, 0],
                        msg: "session-upto-as-of",
                        args,
                        evidence: vec![],
                    });
                }
            }
            let counted: Vec<Sym> = valid_by_day.get(&(shop, day)).cloned().unwrap_or_default();
            let mut counted_sorted: Vec<(Time, Sym)> = counted.iter().map(|x| (sessions[x].1, *x)).collect();
            counted_sorted.sort();
            let mut previews = 0;
            for (i, &(_, x)) in counted_sorted.iter().enumerate() {
                let evidence = benefit_recs.get(&x).cloned().unwrap_or_default();
                let args = vec![Val::Str(x), Val::Int(skus.get(&x).copied().unwrap_or(0))];
                der.details.push(Detail {
                    subj,
                    clause: DAILY_BENEFIT_SKUS,
                    path: vec![1 + i as u32],
                    msg: "session-skus",
                    args,
                    evidence,
                });
                match scored.get(&x) {
                    Some(&(q, r)) if !period_scope => {
                        let args = vec![Val::Str(x), Val::Dec(q)];
                        der.details.push(Detail {
                            subj,
                            clause: DAILY_QUALITY,
                            path: vec![1 + i as u32],
                            msg: "session-quality",
                            args,
                            evidence: vec![r],
                        });
                    }
                    Some(_) => {}
                    None => previews += 1,
                }
            }
            if period_scope {
                let mut in_scope: Vec<(Sym, Dec, Rec)> = res
                    .quality_pool
                    .iter()
                    .filter(|q| q.0 == shop && q.1 == day)
                    .map(|q| (q.2, q.3, scored[&q.2].1))
                    .collect();
                in_scope.sort();
                for (i, (x, q, r)) in in_scope.into_iter().enumerate() {
                    der.details.push(Detail {
                        subj,
                        clause: DAILY_QUALITY,
                        path: vec![1 + i as u32],
                        msg: "session-quality",
                        args: vec![Val::Str(x), Val::Dec(q)],
                        evidence: vec![r],
                    });
                }
            }
            let scope = Val::Word(if period_scope { "period" } else { "day" });
            der.details.push(Detail {
                subj,
                clause: DAILY_QUALITY,
                path: vec![0],
                msg: "quality-scope",
                args: vec![scope],
                evidence: vec![],
            });
            if previews > 0 && !period_scope {
                der.details.push(Detail {
                    subj,
                    clause: DAILY_QUALITY,
                    path: vec![0],
                    msg: "previews-excluded",
                    args: vec![Val::Int(previews)],
                    evidence: vec![],
                });
            }
            // the ranking around this shop-day: its neighbours, the last place that gets the reward and the first that does not
            match (ranks.get(&day), res.rank.iter().find(|r| r.0 == day && r.1 == shop)) {
                (Some(order), Some(&(_, _, mine))) => {
                    let n = pk_top_n;
                    let shown: std::collections::BTreeSet<u32> = [mine.saturating_sub(1), mine, mine + 1, n, n + 1]
                        .into_iter()
                        .filter(|r| order.contains_key(r))
                        .collect();
                    let args = vec![Val::Int(order.len() as i64), Val::Int(n as i64)];
                    der.details.push(Detail {
                        subj,
                        clause: PK_RANK,
                        path: vec![1],
                        msg: "pool-size",
                        args,
                        evidence: vec![],
                    });
                    for (i, r) in shown.into_iter().enumerate() {
                        let s = order[&r];
                        let (t, orders) = pool[&(day, s)];
                        let args = vec![Val::Int(r as i64), Val::Str(s), Val::Date(day), Val::Dur(t), Val::Int(orders)];
                        let evidence = valid_by_day
                            .get(&(s, day))
                            .map(|xs| xs.iter().map(|x| sessions[x].3).collect())
                            .unwrap_or_default();
                        der.details.push(Detail {
                            subj,
                            clause: PK_RANK,
                            path: vec![2 + i as u32],
                            msg: "ranked",
                            args,
                            evidence,
                        });
                    }
                }
                _ => der.details.push(Detail {
                    subj,
                    clause: PK_THRESHOLD,
                    path: vec![1],
                    msg: "not-in-pool",
                    args: vec![],
                    evidence: vec![],
                }),
            }
            if let Some(&(_, _, owner)) = res.owner.iter().find(|o| o.0 == shop && o.1 == day) {
                let time = res
                    .anchor_time
                    .iter()
                    .find(|t| t.0 == shop && t.1 == day && t.3 == owner)
                    .map(|t| t.2)
                    .unwrap_or(0);
                for clause in [DAILY_COUPONS, PK_COUPONS] {
                    let args = vec![Val::Str(owner), Val::Dur(time)];
                    der.details.push(Detail {
                        subj,
                        clause,
                        path: vec![1],
                        msg: "owner",
                        args,
                        evidence: vec![],
                    });
                    let issue = day.add_days(issue_delay_days);
                    let args = vec![
                        Val::Date(issue),
                        Val::Int(issue_delay_days as i64),
                        Val::Date(issue.add_days(validity_days - 1)),
                    ];
                    der.details.push(Detail {
                        subj,
                        clause,
                        path: vec![2],
                        msg: "coupon-dates",
                        args,
                        evidence: vec![],
                    });
                }
            }
        }
    }
    der.subjects = days.into_list();
    der
}

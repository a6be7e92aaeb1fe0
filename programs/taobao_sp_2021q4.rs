//! 淘宝直播服务商激励 2021-10..12 — the monthly traffic-coupon rewards of Taobao Live service providers: GMV growth of
//! commission-mode merchants and level jumps of newly streaming merchants, with their redemption dates.
//! Policy: policies/taobao-sp-2021q4.md; catalogue section 3. Each group of rules carries its clause id.

use crate::facts::Rec;
use crate::intern::Sym;
use crate::num::Dec;
use crate::params::{PTy, PVal, ParamSpec, Params};
use crate::program::{clause, Check, ClauseId, Derivation, Detail, Input, Message, Outcome, Program, Reward, Role, Subjects};
use crate::schema::{field, reference, relation, Range, Relation, Ty};
use crate::time::{Date, Month};
use crate::value::Val;
use ascent::aggregators::{count, max, min};
use ascent::ascent_run;
use std::collections::HashMap;

pub static PROGRAM: Program = Program {
    id: "taobao-sp-2021q4",
    title_en: "Taobao Live service-provider incentive, Oct–Dec 2021",
    title_zh: "淘宝直播服务商激励 2021年10月-12月",
    subject_kinds: &[("sp-month", "every `service_provider` × every month of `months`; id SP@YYYY-MM")],
    relations: RELATIONS,
    params: PARAMS,
    clauses: CLAUSES,
    messages: MESSAGES,
    validate,
    validate_facts: crate::program::no_fact_validation,
    evaluate,
    partitions_itself: false,
};

const SP_MONTH: &str = "sp-month";

use Role::{Flag, Reward as RewardRole, Verdict};

crate::clauses! {
    // 1、激励范围
    CERTIFIED: clause("scope.certified", SP_MONTH, Verdict, None, "=", "certified Taobao Live service provider (认证服务商)", "淘宝直播认证商家直播服务商"),
    ACTIVE_MERCHANTS: clause("scope.active-merchants", SP_MONTH, Verdict, Some("min_active_merchants"), "≥",
        "signed merchants in cooperation at month end with active live streams that month", "服务商后台在线合作活跃开播商家数"),
    // 2、激励类型 维度一
    GMV_GROWTH: clause("reward.gmv-growth", SP_MONTH, RewardRole, Some("coefficient_percent"), "",
        "GMV growth reward: month-over-month 直播域 GMV increment of commission-mode merchants × coefficient%",
        "维度一:在线分佣商家直播域GMV环比增量 × 系数%"),
    GMV_UNKNOWN: clause("reward.gmv-unknown", SP_MONTH, Flag, None, "",
        "a commission-mode merchant's GMV is unknown for the month or the one before: it gets nothing", "有分佣商家GMV未知:不计激励"),
    // 维度二
    LEVEL_JUMP: clause("reward.level-jump", SP_MONTH, RewardRole, Some("v4_reward, v3_reward"), "",
        "level-jump reward: signed merchants reaching V3/V4 for the first time this month after none/V0–V2, once a year",
        "维度二:新开播商家层级跃迁(近3个月未开播或V0-V2,当月首次晋级V3/V4,全年限1次)"),
    LEVEL_UNKNOWN: clause("reward.level-unknown", SP_MONTH, Flag, None, "",
        "a merchant's level history is incomplete and nothing known rules the jump out: it is not counted", "商家层级记录不全:不计入跃迁"),
    // 3、流量券兑换规则
    REDEMPTION: clause("redemption", SP_MONTH, RewardRole, Some("announce_day, redeem_day, validity_days, email_lead_workdays"), "",
        "redemption dates of the month's rewards: announced, redeem by, expiry, e-mail at least N working days before",
        "兑换:每月10日前公布、下月10日前兑换、30天有效、至少提前3个工作日邮件提报"),
    REASSIGNED: clause("redemption.reassigned", SP_MONTH, Flag, None, "",
        "a rewarded merchant ended the cooperation before redemption: the provider arranges the redemption", "商家在兑换期间取消合作:流量交由服务商另行兑换安排"),
}

const MESSAGES: &[Message] = &[
    Message {
        key: "scope-merchant",
        en: "merchant {0} ({1}): {2}",
        zh: "商家 {0}({1}):{2}",
    },
    Message {
        key: "gmv",
        en: "merchant {0}: GMV {1} in {2}, {3} in {4}: increment {5}",
        zh: "商家 {0}:{2} GMV {1},{4} GMV {3},增量 {5}",
    },
    Message {
        key: "gmv-zero-level",
        en: "merchant {0}: no GMV record for {1} and level none: GMV 0",
        zh: "商家 {0}:{1} 无GMV记录且层级为none:GMV 记 0",
    },
    Message {
        key: "gmv-missing",
        en: "merchant {0}: GMV of {1} unknown",
        zh: "商家 {0}:{1} 的GMV未知",
    },
    Message {
        key: "net-pool",
        en: "net pool: max(0, Σ increments {0}) × {1}% = {2}",
        zh: "净额池:max(0, 增量合计 {0}) × {1}% = {2}",
    },
    Message {
        key: "jump-merchant",
        en: "merchant {0}",
        zh: "商家 {0}",
    },
    Message {
        key: "walk",
        en: "working days back from {0}, the day itself not counted",
        zh: "自 {0} 起向前数工作日(当天不计)",
    },
    Message {
        key: "level-history",
        en: "merchant {0}: level {1} in {2}",
        zh: "商家 {0}:{2} 层级 {1}",
    },
    Message {
        key: "level-missing",
        en: "merchant {0}: no level record for {1}",
        zh: "商家 {0}:{1} 无层级记录",
    },
    Message {
        key: "jump-counted-earlier",
        en: "merchant {0}: already counted earlier in {1}",
        zh: "商家 {0}:{1} 年已计入过",
    },
    Message {
        key: "jump-other-provider",
        en: "merchant {0} counts for {1}, whose cooperation started first",
        zh: "商家 {0} 计入合作开始更早的服务商 {1}",
    },
    Message {
        key: "dates",
        en: "announced by {0}, redeem by {1}, expires {2}, e-mail by {3}",
        zh: "{0} 前公布,{1} 前兑换,{2} 过期,{3} 前邮件提报",
    },
    Message {
        key: "workday",
        en: "{0}: working day {1} before {2}",
        zh: "{0}:{2} 前第 {1} 个工作日",
    },
    Message {
        key: "non-workday",
        en: "{0}: not a working day",
        zh: "{0}:非工作日",
    },
    Message {
        key: "reassigned",
        en: "merchant {0} ended the cooperation on {1}",
        zh: "商家 {0} 于 {1} 结束合作",
    },
];

const RELATIONS: &[Relation] = &[
    relation("service_provider", &[field("sp_id", Ty::Str), field("certified", Ty::Bool)])
        .key(&["sp_id"])
        .doc("Taobao Live service providers"),
    relation(
        "sp_merchant",
        &[
            field("sp_id", Ty::Str),
            field("merchant_id", Ty::Str),
            field("mode", Ty::Str),
            field("signed", Ty::Bool),
            field("start", Ty::Date),
            field("end", Ty::Date).optional(),
        ],
    )
    .refs(&[reference("sp_id", "service_provider", "sp_id")])
    .interval("start", "end")
    .disjoint(&["sp_id", "merchant_id"])
    .doc("cooperation of a provider with a merchant over [start, end); mode commission = 在线分佣"),
    relation(
        "merchant_live",
        &[field("merchant_id", Ty::Str), field("month", Ty::Month), field("active", Ty::Bool)],
    )
    .key(&["merchant_id", "month"])
    .doc("the merchant streamed actively that month (活跃开播)"),
    relation(
        "live_gmv",
        &[
            field("merchant_id", Ty::Str),
            field("month", Ty::Month),
            field("gmv", Ty::Dec).non_neg(),
        ],
    )
    .key(&["merchant_id", "month"])
    .doc("直播域 GMV of a month"),
    relation(
        "merchant_level",
        &[
            field("merchant_id", Ty::Str),
            field("month", Ty::Month),
            field("level", Ty::Enum(&["none", "V0", "V1", "V2", "V3", "V4"])),
        ],
    )
    .key(&["merchant_id", "month"])
    .doc("live level at month end; none = never streamed"),
    relation("prior_level_jump_reward", &[field("merchant_id", Ty::Str), field("year", Ty::Int)])
        .doc("a level-jump reward counted in that year before the data starts"),
    relation("calendar_day", &[field("date", Ty::Date), field("workday", Ty::Bool)])
        .key(&["date"])
        .doc("working-day overrides: public holidays (false) and 调休 makeup days (true)"),
];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "months",
        ty: PTy::MonthList,
        default: Some(r#"["2021-10","2021-11","2021-12"]"#),
        doc: "the campaign months",
    },
    ParamSpec {
        name: "min_active_merchants",
        ty: PTy::Int(Range::NonNeg),
        default: Some("3"),
        doc: "活跃开播商家至少3家",
    },
    ParamSpec {
        name: "coefficient_percent",
        ty: PTy::Dec(Range::NonNeg),
        default: None,
        doc: "系数% (the policy gives no value: required)",
    },
    ParamSpec {
        name: "v4_reward",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("10000"),
        doc: "新增层级V4 1w/家",
    },
    ParamSpec {
        name: "v3_reward",
        ty: PTy::Dec(Range::NonNeg),
        default: Some("3000"),
        doc: "新增层级V3 3000/家",
    },
    ParamSpec {
        name: "lookback_months",
        ty: PTy::Int(Range::NonNeg),
        default: Some("3"),
        doc: "近3个月 (≥ 1)",
    },
    ParamSpec {
        name: "announce_day",
        ty: PTy::Int(Range::NonNeg),
        default: Some("10"),
        doc: "每月10日前公布 (day of M + 1)",
    },
    ParamSpec {
        name: "redeem_day",
        ty: PTy::Int(Range::NonNeg),
        default: Some("10"),
        doc: "下个月10日前兑换 (day of M + 2)",
    },
    ParamSpec {
        name: "validity_days",
        ty: PTy::Int(Range::NonNeg),
        default: Some("30"),
        doc: "30天有效期",
    },
    ParamSpec {
        name: "email_lead_workdays",
        ty: PTy::Int(Range::NonNeg),
        default: Some("3"),
        doc: "至少提前3个工作日邮件提报",
    },
    ParamSpec {
        name: "negative_growth",
        ty: PTy::Choice(&["zero", "net"]),
        default: Some("\"zero\""),
        doc: "a merchant whose GMV fell contributes 0 (zero), or signed increments pool per provider-month (net)",
    },
];

fn validate(p: &Params) -> Vec<(&'static str, String)> {
    let mut errs = Vec::new();
    if p.int("lookback_months") < 1 {
        errs.push(("lookback_months", "expected an integer ≥ 1".to_string()));
    }
    for name in ["announce_day", "redeem_day"] {
        if !(1..=28).contains(&p.int(name)) {
            errs.push((name, "expected a day of the month in 1..=28 (a day every month has)".to_string()));
        }
    }
    errs
}

/// Day `day` of month `m`.
fn day_of(m: Month, day: i64) -> Date {
    m.first_day().add_days(day as i32 - 1)
}

/// The redemption dates of month M's rewards: (issue, redeem_by, expire).
fn dates(m: Month, announce_day: i64, redeem_day: i64, validity_days: i64) -> (Date, Date, Date) {
    let redeem_by = day_of(m.plus(2), redeem_day);
    (
        day_of(m.plus(1), announce_day),
        redeem_by,
        redeem_by.add_days(validity_days as i32 - 1),
    )
}

fn dec_sum<'a>(inp: impl Iterator<Item = (&'a Dec,)>) -> impl Iterator<Item = Dec> {
    std::iter::once(inp.map(|t| *t.0).sum::<Dec>())
}

/// Levels as ranks: none −1, V0 0 … V4 4.
fn level_rank(level: &str) -> i8 {
    match level {
        "none" => -1,
        l => l[1..].parse().expect("schema restricts levels"),
    }
}

fn level_name(rank: i8) -> &'static str {
    ["none", "V0", "V1", "V2", "V3", "V4"][(rank + 1) as usize]
}

fn evaluate(input: &Input) -> Derivation {
    let facts = input.facts;
    let p = input.params;
    let as_of = input.as_of;
    let as_of_date = as_of.date();

    let months: Vec<(Month,)> = match p.get("months") {
        PVal::Months(m) => m.iter().map(|m| (*m,)).collect(),
        other => panic!("months is a month list, got {other:?}"),
    };
    let min_active_merchants = p.int("min_active_merchants") as usize;
    let coefficient_percent = p.dec("coefficient_percent");
    let v4_reward = p.dec("v4_reward");
    let v3_reward = p.dec("v3_reward");
    let lookback_months = p.int("lookback_months") as i32;
    let (announce_day, redeem_day, validity_days) = (p.int("announce_day"), p.int("redeem_day"), p.int("validity_days"));
    let email_lead_workdays = p.int("email_lead_workdays") as u32;
    let net = p.str("negative_growth") == "net";
    let commission = facts.sym("commission");
    let known = |m: Month| m.end() <= as_of; // a month-valued record is dated at the last second of its month

    let provider_in: Vec<_> = facts.rows("service_provider").map(|(r, v)| (v[0].sym(), v[1].bool(), r)).collect();
    let coop_in: Vec<_> = facts
        .rows("sp_merchant")
        .map(|(r, v)| {
            (
                v[0].sym(),
                v[1].sym(),
                Some(v[2].sym()) == commission,
                v[3].bool(),
                v[4].date(),
                v[5].opt_date(),
                r,
            )
        })
        .collect();
    let live_in: Vec<_> = facts
        .rows("merchant_live")
        .map(|(r, v)| (v[0].sym(), v[1].month(), v[2].bool(), r))
        .collect();
    let gmv_in: Vec<_> = facts
        .rows("live_gmv")
        .map(|(r, v)| (v[0].sym(), v[1].month(), v[2].dec(), r))
        .collect();
    let level_in: Vec<_> = facts
        .rows("merchant_level")
        .map(|(r, v)| (v[0].sym(), v[1].month(), level_rank(facts.syms.resolve(v[2].sym())), r))
        .collect();
    let prior_in: Vec<_> = facts
        .rows("prior_level_jump_reward")
        .map(|(r, v)| (v[0].sym(), v[1].int() as i32, r))
        .collect();
    let calendar_in: Vec<_> = facts.rows("calendar_day").map(|(r, v)| (v[0].date(), v[1].bool(), r)).collect();
    // every day from the first campaign month back a quarter, to the last redemption date
    let calendar_days: Vec<(Date,)> = match (months.iter().map(|m| m.0).min(), months.iter().map(|m| m.0).max()) {
        (Some(first), Some(last)) => {
            let (from, to) = (first.plus(-3).first_day(), dates(last, announce_day, redeem_day, validity_days).1);
            (from.0..=to.0).map(|d| (Date(d),)).collect()
        }
        _ => Vec::new(),
    };

    let res = ascent_run! {
        #![ds(crate::index)]
        relation service_provider(Sym, bool, Rec) = provider_in;                       // sp, certified
        relation sp_merchant(Sym, Sym, bool, bool, Date, Option<Date>, Rec) = coop_in; // sp, merchant, commission mode, signed, start, end
        relation merchant_live(Sym, Month, bool, Rec) = live_in;                      // merchant, month, active
        relation live_gmv(Sym, Month, Dec, Rec) = gmv_in;                             // merchant, month, gmv
        relation merchant_level(Sym, Month, i8, Rec) = level_in;                      // merchant, month, level rank
        relation prior_reward(Sym, i32, Rec) = prior_in;                              // merchant, year
        relation calendar_day(Date, bool, Rec) = calendar_in;                         // date, workday
        relation campaign_month(Month) = months;
        relation calendar(Date) = calendar_days;                                      // the days the working-day walk may visit

        relation sp_month(Sym, Month);
        relation check(Sym, Month, ClauseId, Outcome, Val, Val);                      // the scope (verdict) clauses
        #[ds(crate::sink)] relation info(Sym, Month, ClauseId, Outcome, Val, Val);                       // reward clauses: totals, dates
        #[ds(crate::sink)] relation cite(Sym, Month, ClauseId, Rec);
        #[ds(crate::sink)] relation note(Sym, Month, ClauseId, &'static str, [Val; 6]);
        #[ds(crate::sink)] relation flag(Sym, Month, ClauseId);
        relation reward(Sym, Month, ClauseId, Sym, Dec);                              // sp, month, clause, merchant, amount

        // ---- Subjects: every provider × every campaign month.
        sp_month(sp, m) <-- service_provider(sp, _, _), campaign_month(m);

        // Derived facts. In cooperation in M: a cooperation record in force on the last day of M. Month-valued
        // records (activity, GMV, level) are known once their month has ended at as-of.
        relation coop(Sym, Month, Sym, bool, bool, Date, Option<Date>, Rec);         // sp, M, merchant, commission, signed, start, end
        relation active(Sym, Month, bool, Rec);
        relation has_active(Sym, Month);
        relation gmv(Sym, Month, Dec, Rec);
        relation has_gmv(Sym, Month);
        relation level(Sym, Month, i8, Rec);
        relation has_level(Sym, Month);
        coop(sp, m, x, c, s, start, end, r) <-- sp_month(sp, m), sp_merchant(sp, x, c, s, start, end, r),
            let last = m.last_day(), if *start <= last && end.is_none_or(|e| last < e);
        active(x, m, a, r) <-- merchant_live(x, m, a, r), if known(*m);
        has_active(x, m) <-- active(x, m, _, _);
        gmv(x, m, g, r) <-- live_gmv(x, m, g, r), if known(*m);
        has_gmv(x, m) <-- gmv(x, m, _, _);
        level(x, m, l, r) <-- merchant_level(x, m, l, r), if known(*m);
        has_level(x, m) <-- level(x, m, _, _);

        // ---- scope.certified — 淘宝直播认证商家直播服务商.
        check(sp, m, CERTIFIED, Outcome::of(*c), Val::Bool(*c), Val::Bool(true)), cite(sp, m, CERTIFIED, r) <--
            sp_month(sp, m), service_provider(sp, c, r);

        // ---- scope.active-merchants — 在线合作活跃开播商家至少3家: merchants of any mode, signed and in
        //      cooperation in M; ≥ min active passes; active + unknown < min fails; otherwise missing.
        relation scope_merchant(Sym, Month, Sym);
        relation scope_active(Sym, Month, Sym);
        relation scope_unknown(Sym, Month, Sym);
        relation scope_count(Sym, Month, usize, usize);
        scope_merchant(sp, m, x) <-- coop(sp, m, x, _, true, _, _, _);
        scope_active(sp, m, x) <-- scope_merchant(sp, m, x), active(x, m, true, _);
        scope_unknown(sp, m, x) <-- scope_merchant(sp, m, x), !has_active(x, m);
        scope_count(sp, m, n, u) <-- sp_month(sp, m), agg n = count() in scope_active(sp, m, _), agg u = count() in scope_unknown(sp, m, _);
        check(sp, m, ACTIVE_MERCHANTS, outcome, Val::Int(*n as i64), Val::Int(min_active_merchants as i64)) <--
            scope_count(sp, m, n, u),
            let outcome = if *n >= min_active_merchants { Outcome::Pass } else if n + u < min_active_merchants { Outcome::Fail } else { Outcome::Missing };
        cite(sp, m, ACTIVE_MERCHANTS, r) <-- scope_merchant(sp, m, x), active(x, m, true, r);

        relation sp_fails(Sym, Month);
        relation sp_lacks(Sym, Month);
        relation admitted(Sym, Month);
        sp_fails(sp, m) <-- check(sp, m, _, o, _, _), if *o == Outcome::Fail;
        sp_lacks(sp, m) <-- check(sp, m, _, o, _, _), if *o == Outcome::Missing;
        admitted(sp, m) <-- sp_month(sp, m), !sp_fails(sp, m), !sp_lacks(sp, m);

        // ---- reward.gmv-growth — 当月激励 = 在线分佣商家直播域GMV增量 × 系数%. GMV(N) is the record of N, or 0
        //      when the merchant's level in N is none (never streamed); otherwise unknown. A merchant with an
        //      unknown GMV gets nothing and the provider-month is flagged reward.gmv-unknown.
        relation gmv_of(Sym, Month, Dec);
        relation growth_merchant(Sym, Month, Sym, Month);                            // sp, M, merchant, M − 1
        relation increment(Sym, Month, Sym, Dec);
        relation has_increment(Sym, Month, Sym);
        relation positive(Sym, Month, Sym, Dec);
        gmv_of(x, m, g) <-- gmv(x, m, g, _);
        gmv_of(x, m, Dec::ZERO) <-- level(x, m, -1, _), !has_gmv(x, m);
        growth_merchant(sp, m, x, m.plus(-1)) <-- coop(sp, m, x, true, _, _, _, _);
        increment(sp, m, x, *now - *before) <-- growth_merchant(sp, m, x, prev), gmv_of(x, m, now), gmv_of(x, prev, before);
        has_increment(sp, m, x) <-- increment(sp, m, x, _);
        positive(sp, m, x, i) <-- increment(sp, m, x, i), if *i > Dec::ZERO;
        flag(sp, m, GMV_UNKNOWN) <-- growth_merchant(sp, m, x, _), !has_increment(sp, m, x);
        // "zero": each merchant with a positive increment gets increment × c%, rounded half up to the fen.
        reward(sp, m, GMV_GROWTH, x, i.percent_round_half_up_2(coefficient_percent)) <-- if !net, positive(sp, m, x, i);
        // "net": pool = max(0, Σ increments) × c%, shared by positive increments pro rata (rounded down), the
        // remainder to the largest increment (ties: smaller merchant id).
        relation net_sum(Sym, Month, Dec);
        relation positive_sum(Sym, Month, Dec);
        relation pool(Sym, Month, Dec);
        relation share(Sym, Month, Sym, Dec);
        relation share_sum(Sym, Month, Dec);
        relation largest(Sym, Month, Dec);
        relation remainder_to(Sym, Month, Sym);
        net_sum(sp, m, total) <-- if net, sp_month(sp, m), agg total = dec_sum(i) in increment(sp, m, _, i);
        positive_sum(sp, m, total) <-- net_sum(sp, m, _), agg total = dec_sum(i) in positive(sp, m, _, i);
        pool(sp, m, total.max(&Dec::ZERO).percent_round_half_up_2(coefficient_percent)) <-- net_sum(sp, m, total);
        share(sp, m, x, pl.share_floor_2(*i, *ps)) <-- pool(sp, m, pl), positive_sum(sp, m, ps), positive(sp, m, x, i);
        share_sum(sp, m, total) <-- pool(sp, m, _), agg total = dec_sum(s) in share(sp, m, _, s);
        largest(sp, m, top) <-- pool(sp, m, _), positive_sum(sp, m, ps), if *ps > Dec::ZERO, agg top = max(i) in positive(sp, m, _, i);
        remainder_to(sp, m, x) <-- largest(sp, m, top), agg x = min(y) in positive(sp, m, y, top);
        reward(sp, m, GMV_GROWTH, x, *s + *pl - *ss) <-- share(sp, m, x, s), remainder_to(sp, m, x), pool(sp, m, pl), share_sum(sp, m, ss);
        reward(sp, m, GMV_GROWTH, x, s) <-- share(sp, m, x, s), !remainder_to(sp, m, x);

        // ---- reward.level-jump — 新增层级V4 1w/家, V3 3000/家: a merchant of any mode, signed and in
        //      cooperation in M, at V3/V4 in M, at none/V0–V2 in each of the lookback_months months before, not
        //      counted earlier in the year (an earlier jump in an admitted sp-month, or prior_level_jump_reward).
        //      A jump in a month when the provider is out of scope uses nothing up.
        relation candidate(Sym, Month, Sym);
        relation lookback(Month, Month);
        relation jump_fails(Sym, Month);
        relation jump_unknown(Sym, Month);
        relation jump_passes(Sym, Month, i8);
        relation jumped(Sym, Month, Sym, i8);
        relation jumped_any(Sym, Month);
        relation earlier(Sym, Month);
        relation eligible(Sym, Month, Sym, i8, Date);
        relation first_start(Sym, Month, Date);
        relation winner(Sym, Month, Sym);
        candidate(sp, m, x) <-- coop(sp, m, x, _, true, _, _, _);
        lookback(m, m.plus(-k)) <-- campaign_month(m), for k in 1..=lookback_months;
        jump_fails(x, m) <-- candidate(_, m, x), level(x, m, l, _), if *l < 3;
        jump_fails(x, m) <-- candidate(_, m, x), lookback(m, n), level(x, n, l, _), if *l >= 3;
        jump_unknown(x, m) <-- candidate(_, m, x), !jump_fails(x, m), !has_level(x, m);
        jump_unknown(x, m) <-- candidate(_, m, x), !jump_fails(x, m), lookback(m, n), !has_level(x, n);
        jump_passes(x, m, *l) <-- candidate(_, m, x), level(x, m, l, _), !jump_fails(x, m), !jump_unknown(x, m);
        jumped(sp, m, x, l) <-- jump_passes(x, m, l), candidate(sp, m, x), admitted(sp, m);
        jumped_any(x, m) <-- jumped(_, m, x, _);
        earlier(x, m) <-- jumped_any(x, m), jumped_any(x, m2), if m2 < m && m2.year() == m.year();
        earlier(x, m) <-- candidate(_, m, x), prior_reward(x, y, _), if *y == m.year();
        eligible(sp, m, x, l, start) <-- jumped(sp, m, x, l), !earlier(x, m), coop(sp, m, x, _, _, start, _, _);
        first_start(x, m, first) <-- jumped_any(x, m), agg first = min(s) in eligible(_, m, x, _, s);
        // several admitted providers: the merchant counts for the one whose cooperation started first (ties: smaller sp_id)
        winner(x, m, sp) <-- first_start(x, m, s), agg sp = min(p) in eligible(p, m, x, _, s);
        reward(sp, m, LEVEL_JUMP, x, if *l == 4 { v4_reward } else { v3_reward }) <-- winner(x, m, sp), eligible(sp, m, x, l, _);
        flag(sp, m, LEVEL_UNKNOWN) <-- jump_unknown(x, m), candidate(sp, m, x), admitted(sp, m), !earlier(x, m);

        // Provider-month totals (当月激励流量券), the observed value of each reward clause.
        relation reward_total(Sym, Month, ClauseId, Dec);
        relation reward_clause(ClauseId);
        reward_clause(c) <-- for c in [GMV_GROWTH, LEVEL_JUMP];
        reward_total(sp, m, c, total) <-- admitted(sp, m), reward_clause(c), agg total = dec_sum(a) in granted(sp, m, c, _, a);
        relation granted(Sym, Month, ClauseId, Sym, Dec);
        granted(sp, m, c, x, a) <-- reward(sp, m, c, x, a), if *a > Dec::ZERO;
        info(sp, m, c, Outcome::Info, Val::Dec(*total), Val::Null) <-- reward_total(sp, m, c, total);

        // ---- redemption — 每月10日前公布; 下个月10日前兑换; 30天有效; 至少提前3个工作日邮件提报. email_by =
        //      email_lead_workdays working days before redeem_by, the day itself not counted: step back day by day,
        //      counting working days (a calendar_day record decides, else Monday–Friday).
        relation redeem_by(Month, Date);
        relation has_override(Date);
        relation workday(Date);
        #[ds(crate::sink)] relation rest_day(Date, Rec);
        relation step(Month, Date, u32);                                             // M, day, working days in [day, redeem_by)
        #[ds(crate::sink)] relation email_by(Month, Date);
        redeem_by(m, dates(*m, announce_day, redeem_day, validity_days).1) <-- campaign_month(m);
        has_override(d) <-- calendar_day(d, _, _);
        workday(d) <-- calendar(d), calendar_day(d, true, _);
        workday(d) <-- calendar(d), !has_override(d), if d.weekday() <= 5;
        rest_day(d, r) <-- calendar(d), calendar_day(d, false, r);
        step(m, d, 0) <-- redeem_by(m, d);
        step(m, prev, k + 1) <-- step(m, d, k), if *k < email_lead_workdays, let prev = d.add_days(-1), workday(prev);
        step(m, prev, *k) <-- step(m, d, k), if *k < email_lead_workdays, let prev = d.add_days(-1), !workday(prev);
        email_by(m, d) <-- step(m, d, k), if *k == email_lead_workdays, workday(d);
        email_by(m, d) <-- redeem_by(m, d), if email_lead_workdays == 0;
        info(sp, m, REDEMPTION, Outcome::Info, Val::Date(*r), Val::Null) <-- admitted(sp, m), redeem_by(m, r);

        // ---- flag redemption.reassigned — 若商家在兑换期间取消合作: a rewarded merchant whose cooperation (the
        //      record in force at the end of M) ends on or before redeem_by and on or before the as-of date.
        flag(sp, m, REASSIGNED), note(sp, m, REASSIGNED, "reassigned", [Val::Str(*x), Val::Date(*e), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            granted(sp, m, _, x, _), coop(sp, m, x, _, _, _, end, _), if let Some(e) = end, redeem_by(m, r), if e <= r && *e <= as_of_date;
    };

    // ---- From the rules' relations to the engine's rows.
    let syms = &facts.syms;
    let mut subjects = Subjects::<(Sym, Month)>::default();
    for &(sp, m) in &res.sp_month {
        subjects.add(SP_MONTH, (sp, m), || format!("{}@{}", syms.resolve(sp), m));
    }
    let subj = |sp: Sym, m: Month| subjects.get(SP_MONTH, (sp, m));
    let mut der = Derivation::default();
    for &(sp, m, clause, outcome, observed, required) in res.check.iter().chain(&res.info) {
        der.checks.push(Check {
            subj: subj(sp, m),
            clause,
            outcome,
            observed,
            required,
        });
    }
    der.cites.extend(res.cite.iter().map(|&(sp, m, c, r)| (subj(sp, m), c, r)));
    der.flags.extend(res.flag.iter().map(|&(sp, m, f)| (subj(sp, m), f)));
    der.details.extend(
        res.note
            .iter()
            .map(|&(sp, m, clause, msg, args)| Detail::note(subj(sp, m), clause, msg, &args)),
    );
    let email: HashMap<Month, Date> = res.email_by.iter().copied().collect();
    let gmv_rec: HashMap<(Sym, Month), Rec> = res.gmv.iter().map(|g| ((g.0, g.1), g.3)).collect();
    let level_rec: HashMap<(Sym, Month), (i8, Rec)> = res.level.iter().map(|l| ((l.0, l.1), (l.2, l.3))).collect();
    let coop_rec: HashMap<(Sym, Month, Sym), Rec> = res.coop.iter().map(|c| ((c.0, c.1, c.2), c.7)).collect();
    let lookbacks: HashMap<Month, Vec<Month>> = res.lookback.iter().fold(HashMap::new(), |mut acc, &(m, n)| {
        acc.entry(m).or_insert_with(Vec::new).push(n);
        acc
    });
    for &(sp, m, clause, x, amount) in &res.granted {
        let (issue, redeem_by, expire) = dates(m, announce_day, redeem_day, validity_days);
        let email_by = email.get(&m).copied().map(Val::Date).unwrap_or(Val::Null);
        let kind = if clause == LEVEL_JUMP { "level-jump" } else { "gmv-growth" };
        let extra = vec![
            ("merchant_id", Val::Str(x)),
            ("issue_date", Val::Date(issue)),
            ("expire_date", Val::Date(expire)),
            ("redeem_by", Val::Date(redeem_by)),
            ("email_by", email_by),
        ];
        // the records the amount rests on: the cooperation, and the GMV of both months or the level history
        let mut evidence: Vec<Rec> = coop_rec.get(&(sp, m, x)).copied().into_iter().collect();
        if clause == GMV_GROWTH {
            evidence.extend([m, m.plus(-1)].iter().filter_map(|n| gmv_rec.get(&(x, *n)).copied()));
        } else {
            let months = std::iter::once(m).chain(lookbacks.get(&m).cloned().unwrap_or_default());
            evidence.extend(months.filter_map(|n| level_rec.get(&(x, n)).map(|l| l.1)));
        }
        der.rewards.push(Reward {
            subj: subj(sp, m),
            clause,
            kind,
            amount,
            unit: "CNY",
            extra,
            evidence,
        });
    }

    // Derived nodes of the explained provider-months.
    let wanted: Vec<(Sym, Month)> = input
        .explain
        .iter()
        .filter(|w| w.kind == SP_MONTH)
        .filter_map(|w| {
            w.id.rsplit_once('@')
                .and_then(|(sp, m)| Some((facts.sym(sp)?, Month::parse(m).ok()?)))
        })
        .filter(|k| res.sp_month.contains(k))
        .collect();
    for (sp, m) in wanted {
        let s = subj(sp, m);
        let mut push = |clause, path: Vec<u32>, msg, args: Vec<Val>, evidence: Vec<Rec>| {
            der.details.push(Detail {
                subj: s,
                clause,
                path,
                msg,
                args,
                evidence,
            });
        };
        // the merchants behind the scope count
        let mut scope: Vec<Sym> = res.scope_merchant.iter().filter(|r| r.0 == sp && r.1 == m).map(|r| r.2).collect();
        scope.sort();
        for (i, x) in scope.iter().enumerate() {
            let state = match res.active.iter().find(|a| a.0 == *x && a.1 == m) {
                Some(&(_, _, true, r)) => (Val::Word("active"), Some(r)),
                Some(&(_, _, false, r)) => (Val::Word("not active"), Some(r)),
                None => (Val::Word("activity unknown"), None),
            };
            let evidence = coop_rec.get(&(sp, m, *x)).copied().into_iter().chain(state.1).collect();
            push(
                ACTIVE_MERCHANTS,
                vec![1 + i as u32],
                "scope-merchant",
                vec![Val::Str(*x), Val::Word("signed, in cooperation"), state.0],
                evidence,
            );
        }
        // GMV of each commission-mode merchant, month over month
        let mut growth: Vec<Sym> = res.growth_merchant.iter().filter(|g| g.0 == sp && g.1 == m).map(|g| g.2).collect();
        growth.sort();
        let gmv_val = |x: Sym, n: Month| res.gmv_of.iter().find(|g| g.0 == x && g.1 == n).map(|g| g.2);
        for (i, x) in growth.iter().enumerate() {
            let path = vec![1 + i as u32];
            match (gmv_val(*x, m), gmv_val(*x, m.plus(-1))) {
                (Some(now), Some(before)) => {
                    let evidence = [m, m.plus(-1)].iter().filter_map(|n| gmv_rec.get(&(*x, *n)).copied()).collect();
                    let args = vec![
                        Val::Str(*x),
                        Val::Dec(now),
                        Val::Month(m),
                        Val::Dec(before),
                        Val::Month(m.plus(-1)),
                        Val::Dec(now - before),
                    ];
                    push(GMV_GROWTH, path, "gmv", args, evidence);
                }
                (now, before) => {
                    for (k, (v, n)) in [(now, m), (before, m.plus(-1))].into_iter().enumerate() {
                        if v.is_none() {
                            push(
                                GMV_UNKNOWN,
                                vec![1 + i as u32, k as u32],
                                "gmv-missing",
                                vec![Val::Str(*x), Val::Month(n)],
                                vec![],
                            );
                        }
                    }
                }
            }
            for n in [m, m.plus(-1)] {
                if !res.gmv.iter().any(|g| g.0 == *x && g.1 == n) && gmv_val(*x, n).is_some() {
                    let ev = level_rec.get(&(*x, n)).map(|l| vec![l.1]).unwrap_or_default();
                    push(
                        GMV_GROWTH,
                        vec![1 + i as u32, 9],
                        "gmv-zero-level",
                        vec![Val::Str(*x), Val::Month(n)],
                        ev,
                    );
                }
            }
        }
        if let Some(&(_, _, total)) = res.net_sum.iter().find(|n| n.0 == sp && n.1 == m) {
            let pool = res.pool.iter().find(|p| p.0 == sp && p.1 == m).map(|p| p.2).unwrap_or_default();
            push(
                GMV_GROWTH,
                vec![0],
                "net-pool",
                vec![Val::Dec(total), Val::Dec(coefficient_percent), Val::Dec(pool)],
                vec![],
            );
        }
        // the level history of every signed merchant in cooperation, and why a jump was not counted here
        let mut candidates: Vec<Sym> = res.candidate.iter().filter(|c| c.0 == sp && c.1 == m).map(|c| c.2).collect();
        candidates.sort();
        let history: Vec<Month> = std::iter::once(m).chain(lookbacks.get(&m).cloned().unwrap_or_default()).collect();
        // merchants whose history looks like a jump: at V3/V4 this month (or unknown) after a month below V3
        // in the lookback, or whose test could not be decided; steady V3/V4 merchants are left out
        let lookback = lookbacks.get(&m).cloned().unwrap_or_default();
        candidates.retain(|x| {
            let now_high = level_rec.get(&(*x, m)).is_none_or(|l| l.0 >= 3);
            let was_low = lookback.iter().any(|n| level_rec.get(&(*x, *n)).is_none_or(|l| l.0 < 3));
            now_high && was_low
        });
        for (i, x) in candidates.iter().enumerate() {
            let i = i as u32 + 1;
            push(LEVEL_JUMP, vec![i], "jump-merchant", vec![Val::Str(*x)], vec![]);
            for (k, n) in history.iter().enumerate() {
                let path = vec![i, k as u32];
                match level_rec.get(&(*x, *n)) {
                    Some(&(l, r)) => push(
                        LEVEL_JUMP,
                        path,
                        "level-history",
                        vec![Val::Str(*x), Val::Word(level_name(l)), Val::Month(*n)],
                        vec![r],
                    ),
                    None => push(LEVEL_JUMP, path, "level-missing", vec![Val::Str(*x), Val::Month(*n)], vec![]),
                }
            }
            if res.earlier.contains(&(*x, m)) {
                let prior: Vec<Rec> = res
                    .prior_reward
                    .iter()
                    .filter(|p| p.0 == *x && p.1 == m.year())
                    .map(|p| p.2)
                    .collect();
                push(
                    LEVEL_JUMP,
                    vec![i, 90],
                    "jump-counted-earlier",
                    vec![Val::Str(*x), Val::Int(m.year() as i64)],
                    prior,
                );
            }
            if let Some(&(_, _, w)) = res.winner.iter().find(|w| w.0 == *x && w.1 == m && w.2 != sp) {
                if res.eligible.iter().any(|e| e.0 == sp && e.1 == m && e.2 == *x) {
                    push(
                        LEVEL_JUMP,
                        vec![i, 91],
                        "jump-other-provider",
                        vec![Val::Str(*x), Val::Str(w)],
                        vec![],
                    );
                }
            }
        }
        // redemption dates, and the working-day walk back from redeem_by
        let (issue, redeem_by, expire) = dates(m, announce_day, redeem_day, validity_days);
        let email_by = email.get(&m).copied().map(Val::Date).unwrap_or(Val::Null);
        push(
            REDEMPTION,
            vec![1],
            "dates",
            vec![Val::Date(issue), Val::Date(redeem_by), Val::Date(expire), email_by],
            vec![],
        );
        let mut walk: Vec<(Date, u32)> = res
            .step
            .iter()
            .filter(|st| st.0 == m && st.1 < redeem_by)
            .map(|st| (st.1, st.2))
            .collect();
        walk.sort_by_key(|w| std::cmp::Reverse(w.0));
        push(REDEMPTION, vec![2], "walk", vec![Val::Date(redeem_by)], vec![]);
        for (k, (d, n)) in walk.into_iter().enumerate() {
            let path = vec![2, k as u32];
            match res.rest_day.iter().find(|r| r.0 == d) {
                Some(&(_, r)) => push(REDEMPTION, path, "non-workday", vec![Val::Date(d)], vec![r]),
                None if !res.workday.contains(&(d,)) => push(REDEMPTION, path, "non-workday", vec![Val::Date(d)], vec![]),
                None => {
                    let ev = res.calendar_day.iter().filter(|c| c.0 == d).map(|c| c.2).collect();
                    push(
                        REDEMPTION,
                        path,
                        "workday",
                        vec![Val::Date(d), Val::Int(n as i64), Val::Date(redeem_by)],
                        ev,
                    )
                }
            }
        }
    }
    der.subjects = subjects.into_list();
    der
}

//! 淘宝12月-1月达播激励政策(综合头部) — Taobao Live influencer-anchor incentive, December 2023: the 冲刺激励权益包
//! (packages chosen by GMV and spend targets, matched spend), the 大场冲刺流量券 (traffic coupons per session, with
//! seats under scarcity, apparel, fur and luxury sessions) and the penalties of a missed target.
//! Policy: policies/taobao-daren-2023-12.md; catalogue section 4. Each group of rules carries its clause id.
//!
//! A session's admission feeds on earlier admissions (达成目标后才可提报下一场; a missed ≥ 500万 session bans next
//! month), so the rules run in strata the policy's own time orders: the anchors first, then the sessions one
//! session date at a time (each run sees the sessions admitted on earlier dates as `held`), then the anchor-months.

use crate::facts::Rec;
use crate::intern::{static_name, Sym};
use crate::num::Dec;
use crate::params::{PTy, ParamSpec, Params};
use crate::program::{clause, Check, ClauseId, Derivation, Detail, Input, Message, Outcome, Program, Reward, Role, Subjects};
use crate::schema::{field, reference, relation, Relation, Ty};
use crate::time::{Date, Month, Time};
use crate::value::Val;
use ascent::aggregators::{count, max, min};
use ascent::ascent_run;
use std::collections::{BTreeSet, HashMap, HashSet};

pub static PROGRAM: Program = Program {
    id: "taobao-daren-2023-12",
    title_en: "Taobao Live influencer-anchor incentive, December 2023 (top tier)",
    title_zh: "淘宝12月-1月达播激励政策(综合头部)",
    subject_kinds: &[
        ("anchor", "`anchor` and `signup` records; id anchor_id"),
        (
            "anchor-month",
            "(anchor_id, month of `date`) of every `session_application`; id ANCHOR@YYYY-MM",
        ),
        ("session", "`session_application` records; id application_id"),
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

const ANCHOR: &str = "anchor";
const SESSION: &str = "session";
const ANCHOR_MONTH: &str = "anchor-month";

use Role::{Flag, Reward as RewardRole, Verdict};

crate::clauses! {
    // 本次活动主要面向淘宝直播达人主播(需签约绑定MCN机构,主播账号正常,具有开播权、浮现权且由主播本人完成实名认证,本人出镜的)
    MCN: clause("anchor.mcn", ANCHOR, Verdict, None, "", "signed with and bound to an MCN agency", "需签约绑定MCN机构"),
    ACCOUNT: clause("anchor.account", ANCHOR, Verdict, None, "=", "the anchor account is in normal standing", "主播账号正常"),
    PERMISSIONS: clause("anchor.permissions", ANCHOR, Verdict, None, "", "has the live-streaming and the 浮现 permission", "具有开播权、浮现权"),
    REAL_NAME: clause("anchor.real-name", ANCHOR, Verdict, None, "=", "real-name verified by the anchor in person", "由主播本人完成实名认证"),
    IN_PERSON: clause("anchor.in-person", ANCHOR, Verdict, None, "=", "appears on camera in person", "本人出镜"),
    // A、冲刺激励权益包方案
    SPEND_GROWTH: clause("package.spend-growth", ANCHOR, Verdict, Some("min_spend_yoy"), "≥",
        "阿里妈妈 spend in the campaign month grew by at least 12% year on year", "阿里妈妈营销投入投放金额同比需达到12%增幅"),
    COMBINATION: clause("package.combination", ANCHOR, Verdict, Some("package_allowance"), "",
        "the package is the one the GMV and spend target tiers allow, or a lower one (向下组合)",
        "成交总额目标+阿里妈妈营销投入目标可以和冲刺营销激励包档位向下组合"),
    TARGETS_MET: clause("package.targets-met", ANCHOR, Verdict, None, "",
        "the campaign month's GMV and spend reached the signed-up targets", "权益发放需同时满足成交总额目标和妈妈营销投入投放目标"),
    SPEND_APPLICATIONS: clause("package.spend-applications", ANCHOR, Verdict, Some("max_spend_applications"), "≤",
        "platform spend applied for per session: at most 8 a month, each budget between 1万 and 100万",
        "淘内营销投入投放分8次申请每月,单场最低1万最高100万申请预算"),
    MATCH: clause("package.match", ANCHOR, RewardRole, Some("match_cap, match_unit"), "",
        "the platform matches the spend above target, per 万, up to 250万", "每多投放XX万,平台采买投放对应金额淘内营销,单账号投放上限为250万元"),
    // B、大场冲刺流量券激励方案
    ANCHOR_ELIGIBLE: clause("session.anchor-eligible", SESSION, Verdict, None, "",
        "the anchor meets the five anchor requirements", "主播满足达人主播要求"),
    PERIOD: clause("session.period", SESSION, Verdict, Some("period_start, period_end"), "in",
        "the session date lies in the cooperation period", "合作周期 2023年12月01日-12月31日"),
    NOT_BANNED: clause("session.not-banned", SESSION, Verdict, Some("ban_min_target"), "=",
        "no ≥ 500万 session missed its target the month before", "500W以上门槛场次一次没有达标次月禁止参加活动"),
    LIMIT: clause("session.limit", SESSION, Verdict, Some("max_session_applications"), "≤",
        "among the anchor's first 4 applications of the month", "一个账号最多申请4次"),
    SEQUENCE: clause("session.sequence", SESSION, Verdict, None, "",
        "the previous admitted session met its target and this one was submitted after it", "第一场达成目标后才可提报下一场"),
    LEAD_TIME: clause("session.lead-time", SESSION, Verdict, Some("apparel_lead_workdays"), "≤",
        "an apparel session is applied for at least 3 working days ahead", "服饰场次至少提前3个工作日提交申请"),
    APPAREL_COMMISSION: clause("session.apparel-commission", SESSION, Verdict, Some("apparel_flash_exempt"), "≤",
        "apparel items pay at least 15% commission, except at most 2 flash-sale items priced at most 99",
        "服饰专项每场可以有2个秒杀品佣金不强制外,本场所有服饰商品佣金不低于15%(秒杀品单价不高于99元)"),
    FUR_SHARE: clause("session.fur-share", SESSION, Verdict, Some("fur_min_share"), "≥",
        "fur items fill at least 80% of a fur session's slots, each at 15% commission or more",
        "皮草专场全场皮草商品坑位占比不低于80%,佣金不低于15%"),
    LUXURY: clause("session.luxury", SESSION, Verdict, Some("luxury_min_target"), "≥",
        "a luxury session pays at least 5% commission on every item and targets at least 300万",
        "二奢或者奢侈品门槛佣金不低于5%,按照300W场次起报名"),
    APPAREL_TIER: clause("session.apparel-tier", SESSION, Verdict, Some("seats"), "≥",
        "the apparel challenge threshold set by November's average apparel session GMV",
        "专场挑战门槛查看11月月均服饰成交:小于两档中间值按同比增长目标,大于中间值按上一档"),
    SEAT: clause("session.seat", SESSION, Verdict, Some("seats"), "≤",
        "a seat of the target's tier this month: green channel for package A, then target, then growth",
        "同一档位报名人数超出席位时按GMV目标席位PK(报名政策A享有排期绿通),目标相同参考增速"),
    COUPONS: clause("session.coupons", SESSION, RewardRole, Some("session_coupon_tiers, apparel_bonus_tiers, coupon_validity_days"), "",
        "traffic coupons for a session that reached its target; apparel category coupon and extra traffic",
        "流量券按场次发放;服饰专场品类券与额外扶持流量(仅限定向邀约场次);有效期7天"),
    MONTH_CANCELLED_FLAG: clause("penalty.month-cancelled", SESSION, Flag, None, "",
        "a session of the month missed its target: this month's rewards are cancelled", "本月有场次未达标:本月所有场次名额取消"),
    // 注意 / 处罚
    MONTH_CANCELLED: clause("penalty.month-cancelled", ANCHOR_MONTH, Verdict, None, "",
        "every admitted session of the month reached its target", "以上活动场次只要有一次没有达标,本月所有场次名额取消"),
    NEXT_MONTH_BAN: clause("penalty.next-month-ban", ANCHOR_MONTH, Verdict, Some("ban_min_target"), "",
        "no ≥ 500万 session of the month before missed its target", "500W以上门槛场次一次没有达标次月禁止参加活动"),
    NEXT_MONTH_BAN_FLAG: clause("penalty.next-month-ban", ANCHOR_MONTH, Flag, Some("ban_min_target"), "",
        "a ≥ 500万 session of this month missed its target: next month is banned", "本月500W以上门槛场次未达标:次月禁止参加活动").reported_always(),
}

const ANCHOR_CLAUSES: [ClauseId; 5] = [MCN, ACCOUNT, PERMISSIONS, REAL_NAME, IN_PERSON];
const PACKAGE_CLAUSES: [ClauseId; 4] = [SPEND_GROWTH, COMBINATION, TARGETS_MET, SPEND_APPLICATIONS];

const MESSAGES: &[Message] = &[
    Message {
        key: "no-anchor",
        en: "no anchor record",
        zh: "无主播记录",
    },
    Message {
        key: "no-signup",
        en: "no signup: the anchor takes part in the session scheme only",
        zh: "未报名权益包:仅参加流量券场次",
    },
    Message {
        key: "permissions",
        en: "live permission {0}, float permission {1}",
        zh: "开播权 {0},浮现权 {1}",
    },
    Message {
        key: "spend-growth",
        en: "spend {0} in {1}, {2} in {3}: required ≥ (1 + {4}) × {2}",
        zh: "{1} 投入 {0},{3} 投入 {2}:要求 ≥ (1 + {4}) × {2}",
    },
    Message {
        key: "spend-absent",
        en: "no spend record for {0}",
        zh: "{0} 无投入记录",
    },
    Message {
        key: "tiers",
        en: "GMV target {0} → tier {1}; spend target {2} → tier {3}; best package allowed {4}",
        zh: "成交目标 {0} → {1} 档;投入目标 {2} → {3} 档;最高可选 {4} 档",
    },
    Message {
        key: "below-tiers",
        en: "GMV target {0} → tier {1}; spend target {2} → tier {3}: a target below the lowest tier",
        zh: "成交目标 {0} → {1} 档;投入目标 {2} → {3} 档:目标低于最低档",
    },
    Message {
        key: "target",
        en: "{0} of {1}: {2}, target {3}",
        zh: "{1} {0}:{2},目标 {3}",
    },
    Message {
        key: "spend-month",
        en: "{0}: {1} spend applications",
        zh: "{0}:{1} 次投放申请",
    },
    Message {
        key: "budget",
        en: "spend application on {0}: budget {1} outside [{2}, {3}]",
        zh: "{0} 的投放申请:预算 {1} 不在 [{2}, {3}] 内",
    },
    Message {
        key: "match",
        en: "spend {0} − target {1} = {2}, in whole units of {3}, capped at {4}",
        zh: "投入 {0} − 目标 {1} = {2},按 {3} 取整,上限 {4}",
    },
    Message {
        key: "anchor-clause",
        en: "{1}: {2}",
        zh: "{1}:{2}",
    },
    Message {
        key: "missed",
        en: "session {0} on {1}: result {2} < target {3}",
        zh: "场次 {0}({1}):成交 {2} < 目标 {3}",
    },
    Message {
        key: "no-result",
        en: "session {0} on {1}: target {2}, no result yet",
        zh: "场次 {0}({1}):目标 {2},尚无成交结果",
    },
    Message {
        key: "limit-order",
        en: "#{0} {1} submitted {2}",
        zh: "第 {0} 个 {1},提交于 {2}",
    },
    Message {
        key: "limit-order-this",
        en: "#{0} {1} submitted {2} ← this application",
        zh: "第 {0} 个 {1},提交于 {2} ← 本场",
    },
    Message {
        key: "previous",
        en: "previous admitted session {0} on {1}: target {2}, result {3}",
        zh: "上一场已通过场次 {0}({1}):目标 {2},成交 {3}",
    },
    Message {
        key: "submitted-after",
        en: "submitted on {0}; the previous session was on {1}",
        zh: "提交日期 {0};上一场日期 {1}",
    },
    Message {
        key: "no-previous",
        en: "no earlier admitted session",
        zh: "此前无已通过场次",
    },
    Message {
        key: "lead-workday",
        en: "{0}: working day {1} before {2}",
        zh: "{0}:{2} 前第 {1} 个工作日",
    },
    Message {
        key: "lead-rest",
        en: "{0}: not a working day",
        zh: "{0}:非工作日",
    },
    Message {
        key: "item-exempt",
        en: "item {0}: commission {1} < {2}, flash sale at {3}: may be exempt",
        zh: "商品 {0}:佣金 {1} < {2},秒杀价 {3}:可豁免",
    },
    Message {
        key: "item-not-exempt",
        en: "item {0}: commission {1} < {2} and not a flash sale at ≤ {3} (flash sale {4}, price {5})",
        zh: "商品 {0}:佣金 {1} < {2},且非单价 ≤ {3} 的秒杀品(秒杀 {4},价格 {5})",
    },
    Message {
        key: "exempt-count",
        en: "{0} items need an exemption; at most {1} may have one",
        zh: "{0} 个商品需豁免;最多 {1} 个",
    },
    Message {
        key: "fur-count",
        en: "{0} fur items of {1}",
        zh: "皮草商品 {0} 个,共 {1} 个",
    },
    Message {
        key: "item-commission",
        en: "item {0} ({1}): commission {2} < {3}",
        zh: "商品 {0}({1}):佣金 {2} < {3}",
    },
    Message {
        key: "no-items",
        en: "no items listed",
        zh: "未提报商品",
    },
    Message {
        key: "avg-below",
        en: "November average apparel session GMV {0} is below the lowest tier {1}: no threshold",
        zh: "11月月均服饰成交 {0} 低于最低档 {1}:无门槛",
    },
    Message {
        key: "avg-top",
        en: "November average apparel session GMV {0} reaches the top tier {1}",
        zh: "11月月均服饰成交 {0} 达到最高档 {1}",
    },
    Message {
        key: "avg-upper",
        en: "November average {0} lies between tiers {1} and {2}, above the midpoint {3}: the upper tier",
        zh: "11月月均 {0} 在 {1} 与 {2} 两档之间,大于中间值 {3}:按上一档",
    },
    Message {
        key: "avg-lower",
        en: "November average {0} lies between tiers {1} and {2}, not above the midpoint {3}: last year's average {4} grown by {5}",
        zh: "11月月均 {0} 在 {1} 与 {2} 两档之间,不大于中间值 {3}:按同比增长目标(去年同期月均 {4},增长 {5})",
    },
    Message {
        key: "no-last-year",
        en: "November average {0} lies between tiers {1} and {2}, not above the midpoint {3}: last year's average is unknown",
        zh: "11月月均 {0} 在 {1} 与 {2} 两档之间,不大于中间值 {3}:去年同期月均未知",
    },
    Message {
        key: "no-history",
        en: "no November apparel record for the anchor",
        zh: "主播无11月服饰成交记录",
    },
    Message {
        key: "unit",
        en: "tier {0} of {1}: {2} seats, {3} applications in the pool",
        zh: "{1} 的 {0} 档:{2} 个席位,{3} 个报名进入排名",
    },
    Message {
        key: "rank",
        en: "#{0} {1} (anchor {2}): key {3}, growth {4}, submitted {5}",
        zh: "第 {0} 名 {1}(主播 {2}):排序值 {3},增速 {4},提交于 {5}",
    },
    Message {
        key: "rank-green",
        en: "#{0} {1} (anchor {2}, green channel): key {3}, growth {4}, submitted {5}",
        zh: "第 {0} 名 {1}(主播 {2},绿通):排序值 {3},增速 {4},提交于 {5}",
    },
    Message {
        key: "rank-this",
        en: "#{0} {1} (anchor {2}): key {3}, growth {4}, submitted {5} ← this application",
        zh: "第 {0} 名 {1}(主播 {2}):排序值 {3},增速 {4},提交于 {5} ← 本场",
    },
    Message {
        key: "rank-this-green",
        en: "#{0} {1} (anchor {2}, green channel): key {3}, growth {4}, submitted {5} ← this application",
        zh: "第 {0} 名 {1}(主播 {2},绿通):排序值 {3},增速 {4},提交于 {5} ← 本场",
    },
    Message {
        key: "below-seats",
        en: "target {0} is below the lowest seat tier {1}",
        zh: "目标 {0} 低于最低席位档 {1}",
    },
    Message {
        key: "not-in-pool",
        en: "not ranked: another session clause does not pass",
        zh: "未参加排名:其他场次条款未通过",
    },
    Message {
        key: "coupon",
        en: "result {0} ≥ target {1}; tier of the target {2}",
        zh: "成交 {0} ≥ 目标 {1};目标所在档 {2}",
    },
    Message {
        key: "bonus",
        en: "best November apparel session {0} reaches the {1} record tier",
        zh: "11月服饰专场单场最高 {0} 达到 {1} 档",
    },
];

const KINDS: &[&str] = &["general", "apparel", "fur", "luxury"];

const RELATIONS: &[Relation] = &[
    relation(
        "anchor",
        &[
            field("anchor_id", Ty::Str),
            field("mcn_id", Ty::Str).optional(),
            field("account_normal", Ty::Bool),
            field("live_permission", Ty::Bool),
            field("float_permission", Ty::Bool),
            field("real_name_verified", Ty::Bool),
            field("in_person", Ty::Bool),
        ],
    )
    .key(&["anchor_id"])
    .doc("Taobao Live influencer anchors (达人主播)"),
    relation(
        "signup",
        &[
            field("anchor_id", Ty::Str),
            field("gmv_target", Ty::Dec).money(),
            field("spend_target", Ty::Dec).money(),
            field("package", Ty::Str),
        ],
    )
    .key(&["anchor_id"])
    .doc("signup for a 冲刺激励权益包: GMV and spend targets of the campaign month and the chosen package"),
    relation(
        "spend",
        &[
            field("anchor_id", Ty::Str),
            field("month", Ty::Month),
            field("amount", Ty::Dec).money(),
        ],
    )
    .key(&["anchor_id", "month"])
    .doc("阿里妈妈营销投入 of a month"),
    relation(
        "gmv",
        &[
            field("anchor_id", Ty::Str),
            field("month", Ty::Month),
            field("amount", Ty::Dec).money(),
        ],
    )
    .key(&["anchor_id", "month"])
    .doc("成交总额 of a month, presale deposits and balances included"),
    relation(
        "spend_application",
        &[
            field("anchor_id", Ty::Str),
            field("date", Ty::Date),
            field("budget", Ty::Dec).money(),
        ],
    )
    .doc("淘内营销投入 (platform spend) applied for one session"),
    relation(
        "session_application",
        &[
            field("application_id", Ty::Str),
            field("anchor_id", Ty::Str),
            field("date", Ty::Date),
            field("kind", Ty::Enum(KINDS)),
            field("gmv_target", Ty::Dec).money(),
            field("submitted_at", Ty::Time),
            field("invited", Ty::Bool),
        ],
    )
    .key(&["application_id"])
    .doc("a traffic-coupon session applied for: session date, kind, GMV target; dated submitted_at"),
    relation(
        "session_item",
        &[
            field("application_id", Ty::Str),
            field("item_id", Ty::Str),
            field("category", Ty::Str),
            field("commission_rate", Ty::Dec).unit(),
            field("price", Ty::Dec).money(),
            field("flash_sale", Ty::Bool),
        ],
    )
    .key(&["application_id", "item_id"])
    .refs(&[reference("application_id", "session_application", "application_id")])
    .doc("an item (坑位) of a session; category apparel, fur, luxury or another"),
    relation("session_result", &[field("application_id", Ty::Str), field("gmv", Ty::Dec).money()])
        .key(&["application_id"])
        .refs(&[reference("application_id", "session_application", "application_id")])
        .doc("a session's GMV; dated at the end of its session date"),
    relation(
        "apparel_history",
        &[
            field("anchor_id", Ty::Str),
            field("best_session_gmv", Ty::Dec).money(),
            field("monthly_avg_gmv", Ty::Dec).money(),
            field("last_year_avg_gmv", Ty::Dec).money().optional(),
        ],
    )
    .key(&["anchor_id"])
    .refs(&[reference("anchor_id", "anchor", "anchor_id").or(&[("signup", "anchor_id"), ("session_application", "anchor_id")])])
    .doc("November apparel figures: best single session, average per session, last year's December average"),
    relation("calendar_day", &[field("date", Ty::Date), field("workday", Ty::Bool)])
        .key(&["date"])
        .doc("working-day overrides: public holidays (false) and 调休 makeup days (true)"),
];

const TIER_COLS: &[(&str, PTy)] = &[("tier", PTy::Str), ("min_gmv", PTy::Dec(crate::schema::Range::NonNeg))];
const SPEND_TIER_COLS: &[(&str, PTy)] = &[("tier", PTy::Str), ("min_spend", PTy::Dec(crate::schema::Range::NonNeg))];

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "period_start",
        ty: PTy::Date,
        default: Some("\"2023-12-01\""),
        doc: "合作周期 2023年12月01日00:00:00; its month is M0, the campaign month",
    },
    ParamSpec {
        name: "period_end",
        ty: PTy::Date,
        default: Some("\"2023-12-31\""),
        doc: "合作周期 至 2023年12月31日23:59:59",
    },
    ParamSpec {
        name: "gmv_tiers",
        ty: PTy::Table(TIER_COLS),
        default: Some(
            r#"[{"tier":"G1","min_gmv":50000000},{"tier":"G2","min_gmv":100000000},{"tier":"G3","min_gmv":300000000},{"tier":"G4","min_gmv":500000000}]"#,
        ),
        doc: "成交总额目标档位 (table image lost; 3亿 is a tier in the text's example)",
    },
    ParamSpec {
        name: "spend_tiers",
        ty: PTy::Table(SPEND_TIER_COLS),
        default: Some(
            r#"[{"tier":"S1","min_spend":500000},{"tier":"S2","min_spend":1000000},{"tier":"S3","min_spend":3000000},{"tier":"S4","min_spend":5000000}]"#,
        ),
        doc: "阿里妈妈营销投入目标档位 (table image lost; 300万 is a tier in the text's example)",
    },
    ParamSpec {
        name: "packages",
        ty: PTy::Table(&[("package", PTy::Str), ("rank", PTy::Int(crate::schema::Range::NonNeg))]),
        default: Some(r#"[{"package":"A","rank":1},{"package":"B","rank":2},{"package":"C","rank":3},{"package":"D","rank":4}]"#),
        doc: "冲刺营销激励包 档位; rank 1 is the best",
    },
    ParamSpec {
        name: "package_allowance",
        ty: PTy::Table(&[("gmv_tier", PTy::Str), ("spend_tier", PTy::Str), ("best_package", PTy::Str)]),
        default: Some(concat!(
            r#"[{"gmv_tier":"G1","spend_tier":"S1","best_package":"D"},{"gmv_tier":"G1","spend_tier":"S2","best_package":"D"},"#,
            r#"{"gmv_tier":"G1","spend_tier":"S3","best_package":"D"},{"gmv_tier":"G1","spend_tier":"S4","best_package":"D"},"#,
            r#"{"gmv_tier":"G2","spend_tier":"S1","best_package":"D"},{"gmv_tier":"G2","spend_tier":"S2","best_package":"D"},"#,
            r#"{"gmv_tier":"G2","spend_tier":"S3","best_package":"D"},{"gmv_tier":"G2","spend_tier":"S4","best_package":"D"},"#,
            r#"{"gmv_tier":"G3","spend_tier":"S1","best_package":"D"},{"gmv_tier":"G3","spend_tier":"S2","best_package":"D"},"#,
            r#"{"gmv_tier":"G3","spend_tier":"S3","best_package":"C"},{"gmv_tier":"G3","spend_tier":"S4","best_package":"B"},"#,
            r#"{"gmv_tier":"G4","spend_tier":"S1","best_package":"D"},{"gmv_tier":"G4","spend_tier":"S2","best_package":"D"},"#,
            r#"{"gmv_tier":"G4","spend_tier":"S3","best_package":"B"},{"gmv_tier":"G4","spend_tier":"S4","best_package":"A"}]"#
        )),
        doc: "the best package each (GMV tier, spend tier) pair allows (3亿 + 300万 → C at best)",
    },
    ParamSpec {
        name: "session_coupon_tiers",
        ty: PTy::Table(&[
            ("min_gmv", PTy::Dec(crate::schema::Range::NonNeg)),
            ("pv", PTy::Dec(crate::schema::Range::NonNeg)),
        ]),
        default: Some(concat!(
            r#"[{"min_gmv":1000000,"pv":10000},{"min_gmv":2000000,"pv":20000},{"min_gmv":3000000,"pv":30000},"#,
            r#"{"min_gmv":5000000,"pv":50000},{"min_gmv":10000000,"pv":100000},{"min_gmv":30000000,"pv":300000},"#,
            r#"{"min_gmv":50000000,"pv":500000}]"#
        )),
        doc: "流量券 per session by GMV target (单场成交5000万 → 50万PV)",
    },
    ParamSpec {
        name: "apparel_bonus_tiers",
        ty: PTy::Table(&[
            ("min_record_gmv", PTy::Dec(crate::schema::Range::NonNeg)),
            ("category_coupon", PTy::Dec(crate::schema::Range::NonNeg)),
            ("extra_pv", PTy::Dec(crate::schema::Range::NonNeg)),
        ]),
        default: Some(
            r#"[{"min_record_gmv":10000000,"category_coupon":200000,"extra_pv":100000},{"min_record_gmv":30000000,"category_coupon":800000,"extra_pv":300000}]"#,
        ),
        doc: "服饰专场: 11月单场成交记录 → 品类券 and 额外扶持流量 (3000万记录 → 80万 + 30万PV)",
    },
    ParamSpec {
        name: "seats",
        ty: PTy::Table(&[
            ("min_gmv_target", PTy::Dec(crate::schema::Range::NonNeg)),
            ("seats", PTy::Int(crate::schema::Range::NonNeg)),
        ]),
        default: Some(concat!(
            r#"[{"min_gmv_target":1000000,"seats":100},{"min_gmv_target":2000000,"seats":100},{"min_gmv_target":3000000,"seats":100},"#,
            r#"{"min_gmv_target":5000000,"seats":100},{"min_gmv_target":10000000,"seats":100},{"min_gmv_target":30000000,"seats":100},"#,
            r#"{"min_gmv_target":50000000,"seats":100}]"#
        )),
        doc: "席位 per GMV-target tier per month (the table image is lost: 100 each)",
    },
    ParamSpec {
        name: "min_spend_yoy",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("0.12"),
        doc: "阿里妈妈营销投入投放金额同比需达到12%增幅",
    },
    ParamSpec {
        name: "match_cap",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("2500000"),
        doc: "单账号投放上限为250万元",
    },
    ParamSpec {
        name: "match_unit",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("10000"),
        doc: "每多投放XX万 (per 万; > 0)",
    },
    ParamSpec {
        name: "max_spend_applications",
        ty: PTy::Int(crate::schema::Range::NonNeg),
        default: Some("8"),
        doc: "淘内营销投入投放分8次申请每月",
    },
    ParamSpec {
        name: "session_budget_min",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("10000"),
        doc: "单场最低1万",
    },
    ParamSpec {
        name: "session_budget_max",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("1000000"),
        doc: "单场最高100万申请预算",
    },
    ParamSpec {
        name: "max_session_applications",
        ty: PTy::Int(crate::schema::Range::NonNeg),
        default: Some("4"),
        doc: "一个账号最多申请4次 (per month)",
    },
    ParamSpec {
        name: "apparel_min_commission",
        ty: PTy::Dec(crate::schema::Range::Unit),
        default: Some("0.15"),
        doc: "本场所有服饰商品佣金不低于15%",
    },
    ParamSpec {
        name: "apparel_flash_exempt",
        ty: PTy::Int(crate::schema::Range::NonNeg),
        default: Some("2"),
        doc: "每场商品可以有2个秒杀品佣金不强制",
    },
    ParamSpec {
        name: "flash_max_price",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("99"),
        doc: "秒杀品单价不高于99元",
    },
    ParamSpec {
        name: "apparel_yoy_growth",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("0"),
        doc: "同比增长目标的增长率 (the text names no rate)",
    },
    ParamSpec {
        name: "fur_min_share",
        ty: PTy::Dec(crate::schema::Range::Unit),
        default: Some("0.80"),
        doc: "皮草商品坑位占比不低于80%",
    },
    ParamSpec {
        name: "fur_min_commission",
        ty: PTy::Dec(crate::schema::Range::Unit),
        default: Some("0.15"),
        doc: "皮草专场佣金不低于15%",
    },
    ParamSpec {
        name: "luxury_min_commission",
        ty: PTy::Dec(crate::schema::Range::Unit),
        default: Some("0.05"),
        doc: "二奢或者奢侈品门槛佣金不低于5%",
    },
    ParamSpec {
        name: "luxury_min_target",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("3000000"),
        doc: "二奢政策同步按照300W场次起报名",
    },
    ParamSpec {
        name: "ban_min_target",
        ty: PTy::Dec(crate::schema::Range::NonNeg),
        default: Some("5000000"),
        doc: "500W以上门槛场次 (500万 included)",
    },
    ParamSpec {
        name: "apparel_lead_workdays",
        ty: PTy::Int(crate::schema::Range::NonNeg),
        default: Some("3"),
        doc: "服饰场次至少提前3个工作日提交申请",
    },
    ParamSpec {
        name: "coupon_validity_days",
        ty: PTy::Int(crate::schema::Range::NonNeg),
        default: Some("7"),
        doc: "流量券有效期7天 (≥ 1)",
    },
];

/// A tier table as (name, minimum) rows, in the given order.
fn tier_rows(p: &Params, name: &str, min_col: &str) -> Vec<(String, Dec)> {
    p.table(name)
        .iter()
        .map(|r| (r["tier"].text().to_string(), r[min_col].dec()))
        .collect()
}

/// Minima must rise strictly, row after row (a value's tier is the row with the highest minimum ≤ the value).
fn ascending(name: &'static str, minima: &[Dec], errs: &mut Vec<(&'static str, String)>) {
    if minima.is_empty() {
        errs.push((name, "expected at least one row".into()));
    }
    for (i, w) in minima.windows(2).enumerate() {
        if w[1] <= w[0] {
            errs.push((
                name,
                format!(
                    "row {}: minimum {} is not above row {}'s {} (minima must rise strictly)",
                    i + 2,
                    w[1],
                    i + 1,
                    w[0]
                ),
            ));
        }
    }
}

fn unique(name: &'static str, what: &str, names: &[String], errs: &mut Vec<(&'static str, String)>) {
    let mut seen = HashSet::new();
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            errs.push((name, format!("row {}: empty {what} name", i + 1)));
        } else if !seen.insert(n) {
            errs.push((name, format!("row {}: {what} `{n}` named twice", i + 1)));
        }
    }
}

fn validate(p: &Params) -> Vec<(&'static str, String)> {
    let mut errs = Vec::new();
    let gmv = tier_rows(p, "gmv_tiers", "min_gmv");
    let spend = tier_rows(p, "spend_tiers", "min_spend");
    for (name, rows) in [("gmv_tiers", &gmv), ("spend_tiers", &spend)] {
        unique(name, "tier", &rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), &mut errs);
        ascending(name, &rows.iter().map(|r| r.1).collect::<Vec<_>>(), &mut errs);
    }
    let packages: Vec<(String, i64)> = p
        .table("packages")
        .iter()
        .map(|r| (r["package"].text().to_string(), r["rank"].int()))
        .collect();
    if packages.is_empty() {
        errs.push(("packages", "expected at least one row".into()));
    }
    unique(
        "packages",
        "package",
        &packages.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        &mut errs,
    );
    let mut ranks = HashSet::new();
    for (i, (pk, rank)) in packages.iter().enumerate() {
        if *rank < 1 {
            errs.push((
                "packages",
                format!("row {}: package `{pk}` has rank {rank} (ranks are positive integers)", i + 1),
            ));
        } else if !ranks.insert(rank) {
            errs.push(("packages", format!("row {}: rank {rank} given twice (ranks are distinct)", i + 1)));
        }
    }
    let mut pairs = HashSet::new();
    for (i, r) in p.table("package_allowance").iter().enumerate() {
        let (g, s, b) = (
            r["gmv_tier"].text().to_string(),
            r["spend_tier"].text().to_string(),
            r["best_package"].text(),
        );
        if !gmv.iter().any(|t| t.0 == g) {
            errs.push(("package_allowance", format!("row {}: `{g}` is not a tier of gmv_tiers", i + 1)));
        }
        if !spend.iter().any(|t| t.0 == s) {
            errs.push(("package_allowance", format!("row {}: `{s}` is not a tier of spend_tiers", i + 1)));
        }
        if !packages.iter().any(|pk| pk.0 == b) {
            errs.push(("package_allowance", format!("row {}: `{b}` is not a package of packages", i + 1)));
        }
        if !pairs.insert((g.clone(), s.clone())) {
            errs.push(("package_allowance", format!("row {}: the pair ({g}, {s}) has a row already", i + 1)));
        }
    }
    for g in &gmv {
        for s in &spend {
            if !pairs.contains(&(g.0.clone(), s.0.clone())) {
                errs.push((
                    "package_allowance",
                    format!("no row for the pair ({}, {}): every pair needs one", g.0, s.0),
                ));
            }
        }
    }
    for (name, col) in [
        ("session_coupon_tiers", "min_gmv"),
        ("apparel_bonus_tiers", "min_record_gmv"),
        ("seats", "min_gmv_target"),
    ] {
        let minima: Vec<Dec> = p.table(name).iter().map(|r| r[col].dec()).collect();
        ascending(name, &minima, &mut errs);
    }
    if p.dec("match_unit") <= Dec::ZERO {
        errs.push(("match_unit", "expected an amount > 0".into()));
    }
    if p.int("apparel_lead_workdays") > 366 {
        errs.push((
            "apparel_lead_workdays",
            "expected at most 366 working days (a walk back over a year of days is the limit)".into(),
        ));
    }
    if p.int("coupon_validity_days") < 1 {
        errs.push(("coupon_validity_days", "expected a number of days ≥ 1".into()));
    }
    if p.date("period_end") < p.date("period_start") {
        errs.push(("period_end", "expected a date on or after period_start".into()));
    }
    errs
}

/// `signup.package` must name a package of the `packages` table.
fn validate_facts(facts: &crate::facts::FactSet, p: &Params) -> Vec<crate::error::InputError> {
    let packages: Vec<String> = p.table("packages").iter().map(|r| r["package"].text().to_string()).collect();
    facts
        .rows("signup")
        .filter(|(_, v)| !packages.iter().any(|pk| pk == facts.syms.resolve(v[3].sym())))
        .map(|(r, v)| {
            let (file, line) = facts.origin(r);
            crate::error::InputError::new(
                file,
                Some(line),
                Some("package"),
                format!(
                    "`{}` is not a package of the `packages` parameter (expected one of {})",
                    facts.syms.resolve(v[3].sym()),
                    packages.join(", ")
                ),
            )
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    General,
    Apparel,
    Fur,
    Luxury,
}

impl Kind {
    fn name(self) -> &'static str {
        KINDS[self as usize]
    }
}

/// Planned growth = signup.gmv_target ÷ gmv(last year) − 1, kept as the fraction (target − last) / last so that
/// rankings compare it exactly; `den` 0 = unknown (no signup, no last-year record, or last year 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Growth {
    num: i64,
    den: i64,
}

impl Growth {
    const UNKNOWN: Growth = Growth { num: 0, den: 0 };
    fn known(self) -> bool {
        self.den != 0
    }
    /// Higher growth first; every known growth before the unknown ones.
    fn rank_cmp(self, other: Growth) -> std::cmp::Ordering {
        match (self.known(), other.known()) {
            (true, true) => (other.num as i128 * self.den as i128).cmp(&(self.num as i128 * other.den as i128)),
            (a, b) => b.cmp(&a),
        }
    }
    fn val(self) -> Val {
        if self.known() {
            // shown rounded to six places; the ranking compares the exact fraction
            Val::Dec(Dec(((self.num as i128 * crate::num::SCALE as i128) / self.den as i128) as i64))
        } else {
            Val::Word("unknown")
        }
    }
}

/// The seat ranking of one unit: green channel first, then key desc, growth desc (unknown last), submitted_at,
/// application id.
fn seat_ranking<'a>(inp: impl Iterator<Item = (&'a bool, &'a Dec, &'a Growth, &'a Time, &'a Sym)>) -> impl Iterator<Item = (Sym, u32)> {
    let mut pool: Vec<(bool, Dec, Growth, Time, Sym)> = inp.map(|(g, k, gr, t, s)| (*g, *k, *gr, *t, *s)).collect();
    pool.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.rank_cmp(b.2))
            .then(a.3.cmp(&b.3))
            .then(a.4.cmp(&b.4))
    });
    pool.into_iter().enumerate().map(|(i, e)| (e.4, i as u32 + 1))
}

/// An `anchor` record: id, MCN, account normal, live permission, float permission, real name, in person.
type AnchorRow = (Sym, Option<Sym>, bool, bool, bool, bool, bool, Rec);
/// A `session_application`: id, anchor, session date, kind, GMV target, submitted at, invited.
type AppRow = (Sym, Sym, Date, Kind, Dec, Time, bool, Rec);
/// A derived explanation node: subject, clause, path, message, arguments, records.
type DetailRow = (Key, ClauseId, Vec<u32>, &'static str, Vec<Val>, Vec<Rec>);

/// Everything the strata read, converted once.
struct Inputs {
    anchors: Vec<AnchorRow>,
    signups: Vec<(Sym, Dec, Dec, &'static str, Rec)>,
    spend: Vec<(Sym, Month, Dec, Rec)>,
    gmv: Vec<(Sym, Month, Dec, Rec)>,
    spend_apps: Vec<(Sym, Date, Dec, Rec)>,
    apps: Vec<AppRow>,
    items: Vec<(Sym, Sym, Sym, Dec, Dec, bool, Rec)>,
    results: Vec<(Sym, Dec, Rec)>,
    history: Vec<(Sym, Dec, Dec, Option<Dec>, Rec)>,
    calendar: Vec<(Date, bool, Rec)>,
}

/// One stratum's rows for the engine, keyed by the program's own subject keys.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Key {
    Anchor(Sym),
    Session(Sym),
    Month(Sym, Month),
}

#[derive(Default)]
struct Rows {
    subjects: Vec<Key>,
    tiers: Vec<(Key, &'static str)>,
    /// Rewards with `subj` unset, and the key of each.
    rewards: Vec<Reward>,
    reward_keys: Vec<Key>,
    checks: Vec<(Key, ClauseId, Outcome, Val, Val)>,
    cites: Vec<(Key, ClauseId, Rec)>,
    notes: Vec<(Key, ClauseId, &'static str, [Val; 6])>,
    details: Vec<DetailRow>,
    flags: Vec<(Key, ClauseId)>,
    nests: Vec<(Key, ClauseId, Key)>,
}

fn evaluate(input: &Input) -> Derivation {
    let facts = input.facts;
    let p = input.params;
    let as_of = input.as_of;
    let m0 = p.date("period_start").month();
    let known_month = |m: Month| m.end() <= as_of; // a month-valued record is dated at the last second of its month

    let sym = |v: &Val| v.sym();
    let inputs = Inputs {
        anchors: facts
            .rows("anchor")
            .map(|(r, v)| {
                (
                    sym(&v[0]),
                    (v[1] != Val::Null).then(|| v[1].sym()),
                    v[2].bool(),
                    v[3].bool(),
                    v[4].bool(),
                    v[5].bool(),
                    v[6].bool(),
                    r,
                )
            })
            .collect(),
        signups: facts
            .rows("signup")
            .map(|(r, v)| (v[0].sym(), v[1].dec(), v[2].dec(), static_name(facts.syms.resolve(v[3].sym())), r))
            .collect(),
        spend: facts
            .rows("spend")
            .filter(|(_, v)| known_month(v[1].month()))
            .map(|(r, v)| (v[0].sym(), v[1].month(), v[2].dec(), r))
            .collect(),
        gmv: facts
            .rows("gmv")
            .filter(|(_, v)| known_month(v[1].month()))
            .map(|(r, v)| (v[0].sym(), v[1].month(), v[2].dec(), r))
            .collect(),
        spend_apps: facts
            .rows("spend_application")
            .filter(|(_, v)| v[1].date().start() <= as_of)
            .map(|(r, v)| (v[0].sym(), v[1].date(), v[2].dec(), r))
            .collect(),
        apps: facts
            .rows("session_application")
            .filter(|(_, v)| v[5].time() <= as_of)
            .map(|(r, v)| {
                let kind = match facts.syms.resolve(v[3].sym()) {
                    "apparel" => Kind::Apparel,
                    "fur" => Kind::Fur,
                    "luxury" => Kind::Luxury,
                    _ => Kind::General,
                };
                (v[0].sym(), v[1].sym(), v[2].date(), kind, v[4].dec(), v[5].time(), v[6].bool(), r)
            })
            .collect(),
        items: facts
            .rows("session_item")
            .map(|(r, v)| (v[0].sym(), v[1].sym(), v[2].sym(), v[3].dec(), v[4].dec(), v[5].bool(), r))
            .collect(),
        results: Vec::new(),
        history: facts
            .rows("apparel_history")
            .map(|(r, v)| (v[0].sym(), v[1].dec(), v[2].dec(), (v[3] != Val::Null).then(|| v[3].dec()), r))
            .collect(),
        calendar: facts.rows("calendar_day").map(|(r, v)| (v[0].date(), v[1].bool(), r)).collect(),
    };
    // a result is dated at the end of its session's date
    let session_date: HashMap<Sym, Date> = inputs.apps.iter().map(|a| (a.0, a.2)).collect();
    let inputs = Inputs {
        results: facts
            .rows("session_result")
            .filter(|(_, v)| session_date.get(&v[0].sym()).is_some_and(|d| d.end() <= as_of))
            .map(|(r, v)| (v[0].sym(), v[1].dec(), r))
            .collect(),
        ..inputs
    };

    let mut rows = Rows::default();
    let anchor_clauses = anchor_rules(input, &inputs, m0, &mut rows);
    let held = session_rules(input, &inputs, &anchor_clauses, m0, &mut rows);
    month_rules(input, &inputs, &held, &mut rows);
    into_derivation(input, rows)
}

/// Stratum 1: the anchors, their five requirements and their package.
/// Returns the outcomes of the five anchor requirements (with the anchor record, if any) for the sessions.
fn anchor_rules(input: &Input, inp: &Inputs, m0: Month, rows: &mut Rows) -> Vec<(Sym, ClauseId, Outcome, Option<Rec>)> {
    let p = input.params;
    let empty = input.facts.sym("");
    let last_year = m0.plus(-12);
    let min_spend_yoy = p.dec("min_spend_yoy");
    let factor = Dec::from_int(1).expect("one") + min_spend_yoy;
    let match_cap = p.dec("match_cap");
    let match_unit = p.dec("match_unit");
    let max_spend_applications = p.int("max_spend_applications") as usize;
    let (budget_min, budget_max) = (p.dec("session_budget_min"), p.dec("session_budget_max"));
    let gmv_tiers: Vec<(&'static str, Dec)> = tier_rows(p, "gmv_tiers", "min_gmv")
        .iter()
        .map(|t| (static_name(&t.0), t.1))
        .collect();
    let spend_tiers: Vec<(&'static str, Dec)> = tier_rows(p, "spend_tiers", "min_spend")
        .iter()
        .map(|t| (static_name(&t.0), t.1))
        .collect();
    let packages: Vec<(&'static str, i64)> = p
        .table("packages")
        .iter()
        .map(|r| (static_name(r["package"].text()), r["rank"].int()))
        .collect();
    let allowance: Vec<(&'static str, &'static str, &'static str)> = p
        .table("package_allowance")
        .iter()
        .map(|r| {
            (
                static_name(r["gmv_tier"].text()),
                static_name(r["spend_tier"].text()),
                static_name(r["best_package"].text()),
            )
        })
        .collect();

    let res = ascent_run! {
        #![ds(crate::index)]
        relation anchor(Sym, Option<Sym>, bool, bool, bool, bool, bool, Rec) = inp.anchors.clone(); // id, mcn, account, live, float, real name, in person
        relation signup(Sym, Dec, Dec, &'static str, Rec) = inp.signups.clone();                   // anchor, gmv target, spend target, package
        relation spend(Sym, Month, Dec, Rec) = inp.spend.clone();
        relation gmv(Sym, Month, Dec, Rec) = inp.gmv.clone();
        relation spend_application(Sym, Date, Dec, Rec) = inp.spend_apps.clone();
        relation gmv_tier(&'static str, Dec) = gmv_tiers;
        relation spend_tier(&'static str, Dec) = spend_tiers;
        relation package(&'static str, i64) = packages;
        relation allowance(&'static str, &'static str, &'static str) = allowance;

        relation subject(Sym);
        #[ds(crate::sink)] relation check(Sym, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation cite(Sym, ClauseId, Rec);
        #[ds(crate::sink)] relation note(Sym, ClauseId, &'static str, [Val; 6]);
        #[ds(crate::sink)] relation tier(Sym, &'static str);
        #[ds(crate::sink)] relation reward(Sym, Dec, Rec);

        // ---- Subjects: anchors with an `anchor` or a `signup` record.
        subject(a) <-- anchor(a, _, _, _, _, _, _, _);
        subject(a) <-- signup(a, _, _, _, _);
        relation has_anchor(Sym);
        has_anchor(a) <-- anchor(a, _, _, _, _, _, _, _);

        // ---- anchor.mcn · anchor.account · anchor.permissions · anchor.real-name · anchor.in-person
        //      需签约绑定MCN机构,主播账号正常,具有开播权、浮现权且由主播本人完成实名认证,本人出镜
        check(a, MCN, Outcome::of(bound), mcn.map(Val::Str).unwrap_or(Val::Word("none")), Val::Word("an MCN")), cite(a, MCN, r) <--
            anchor(a, mcn, _, _, _, _, _, r), let bound = mcn.is_some() && *mcn != empty;
        check(a, ACCOUNT, Outcome::of(*ok), Val::Bool(*ok), Val::Bool(true)), cite(a, ACCOUNT, r) <-- anchor(a, _, ok, _, _, _, _, r);
        check(a, PERMISSIONS, Outcome::of(*live && *float), Val::Bool(*live && *float), Val::Bool(true)), cite(a, PERMISSIONS, r),
            note(a, PERMISSIONS, "permissions", [Val::Bool(*live), Val::Bool(*float), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            anchor(a, _, _, live, float, _, _, r);
        check(a, REAL_NAME, Outcome::of(*ok), Val::Bool(*ok), Val::Bool(true)), cite(a, REAL_NAME, r) <-- anchor(a, _, _, _, _, ok, _, r);
        check(a, IN_PERSON, Outcome::of(*ok), Val::Bool(*ok), Val::Bool(true)), cite(a, IN_PERSON, r) <-- anchor(a, _, _, _, _, _, ok, r);
        check(a, c, Outcome::Missing, Val::Null, Val::Null), note(a, c, "no-anchor", [Val::Null; 6]) <--
            subject(a), !has_anchor(a), for c in ANCHOR_CLAUSES;

        // Package clauses apply only to an anchor with a signup; without one it takes part in the session scheme only.
        relation has_signup(Sym);
        has_signup(a) <-- signup(a, _, _, _, _);
        check(a, c, Outcome::Info, Val::Word("no signup"), Val::Null), note(a, c, "no-signup", [Val::Null; 6]) <--
            subject(a), !has_signup(a), for c in PACKAGE_CLAUSES;

        // spend(M0), spend(last year), gmv(M0), gmv(last year): the records of those months, when known at as-of.
        relation spend_m0(Sym, Dec, Rec);
        relation spend_ly(Sym, Dec, Rec);
        relation gmv_m0(Sym, Dec, Rec);
        relation has_spend_m0(Sym);
        relation has_spend_ly(Sym);
        relation has_gmv_m0(Sym);
        spend_m0(a, s, r) <-- spend(a, m, s, r), if *m == m0;
        spend_ly(a, s, r) <-- spend(a, m, s, r), if *m == last_year;
        gmv_m0(a, g, r) <-- gmv(a, m, g, r), if *m == m0;
        has_spend_m0(a) <-- spend_m0(a, _, _);
        has_spend_ly(a) <-- spend_ly(a, _, _);
        has_gmv_m0(a) <-- gmv_m0(a, _, _);

        // ---- package.spend-growth — 阿里妈妈营销投入投放金额同比需达到12%增幅: spend(M0) ≥ (1 + min_spend_yoy) × spend(M0 − 12).
        check(a, SPEND_GROWTH, Outcome::of(s0.at_least_times(factor, *s1)), Val::Dec(*s0), Val::Dec(factor.mul_ceil(*s1))),
            cite(a, SPEND_GROWTH, r0), cite(a, SPEND_GROWTH, r1),
            note(a, SPEND_GROWTH, "spend-growth", [Val::Dec(*s0), Val::Month(m0), Val::Dec(*s1), Val::Month(last_year), Val::Dec(min_spend_yoy), Val::Null]) <--
            signup(a, _, _, _, _), spend_m0(a, s0, r0), spend_ly(a, s1, r1);
        check(a, SPEND_GROWTH, Outcome::Missing, Val::Null, Val::Null), note(a, SPEND_GROWTH, "spend-absent", [Val::Month(m0), Val::Null, Val::Null, Val::Null, Val::Null, Val::Null]) <--
            signup(a, _, _, _, _), !has_spend_m0(a);
        check(a, SPEND_GROWTH, Outcome::Missing, Val::Null, Val::Null), note(a, SPEND_GROWTH, "spend-absent", [Val::Month(last_year), Val::Null, Val::Null, Val::Null, Val::Null, Val::Null]) <--
            signup(a, _, _, _, _), has_spend_m0(a), !has_spend_ly(a);
        cite(a, SPEND_GROWTH, r) <-- signup(a, _, _, _, _), spend_m0(a, _, r), !has_spend_ly(a);

        // ---- package.combination — 向下组合: with the tiers of the two targets (目标档位), the chosen package ranks at
        //      or below the best package their pair allows (3亿 + 300万 → C档及以下). Below the lowest tier: fails.
        relation gmv_tier_at(Sym, Dec);
        relation spend_tier_at(Sym, Dec);
        relation gmv_tier_of(Sym, &'static str);
        relation spend_tier_of(Sym, &'static str);
        relation best(Sym, &'static str, &'static str, &'static str);
        relation has_best(Sym);
        gmv_tier_at(a, m) <-- signup(a, g, _, _, _), gmv_tier(_, m), if m <= g;
        spend_tier_at(a, m) <-- signup(a, _, s, _, _), spend_tier(_, m), if m <= s;
        gmv_tier_of(a, t) <-- signup(a, _, _, _, _), agg top = max(m) in gmv_tier_at(a, m), gmv_tier(t, top);
        spend_tier_of(a, t) <-- signup(a, _, _, _, _), agg top = max(m) in spend_tier_at(a, m), spend_tier(t, top);
        best(a, gt, st, b) <-- gmv_tier_of(a, gt), spend_tier_of(a, st), allowance(gt, st, b);
        has_best(a) <-- best(a, _, _, _);
        check(a, COMBINATION, Outcome::of(chosen_rank >= best_rank), Val::Word(chosen), Val::Word(b)), cite(a, COMBINATION, r),
            note(a, COMBINATION, "tiers", [Val::Dec(*g), Val::Word(gt), Val::Dec(*s), Val::Word(st), Val::Word(b), Val::Null]) <--
            signup(a, g, s, chosen, r), best(a, gt, st, b), package(chosen, chosen_rank), package(b, best_rank);
        check(a, COMBINATION, Outcome::Fail, Val::Word(chosen), Val::Word("a GMV and a spend tier")), cite(a, COMBINATION, r),
            note(a, COMBINATION, "below-tiers", [Val::Dec(*g), Val::Word(gt), Val::Dec(*s), Val::Word(st), Val::Null, Val::Null]) <--
            signup(a, g, s, chosen, r), !has_best(a), tier_or_none(a, gt, st);
        relation tier_or_none(Sym, &'static str, &'static str);
        relation has_gmv_tier(Sym);
        relation has_spend_tier(Sym);
        has_gmv_tier(a) <-- gmv_tier_of(a, _);
        has_spend_tier(a) <-- spend_tier_of(a, _);
        tier_or_none(a, gt, st) <-- gmv_tier_of(a, gt), spend_tier_of(a, st);
        tier_or_none(a, gt, "none") <-- gmv_tier_of(a, gt), !has_spend_tier(a);
        tier_or_none(a, "none", st) <-- spend_tier_of(a, st), !has_gmv_tier(a);
        tier_or_none(a, "none", "none") <-- signup(a, _, _, _, _), !has_gmv_tier(a), !has_spend_tier(a);

        // ---- package.targets-met — 权益发放的条件: gmv(M0) ≥ gmv_target and spend(M0) ≥ spend_target. A shortfall
        //      fails; otherwise an absent record is missing.
        relation short(Sym);
        short(a) <-- signup(a, gt, _, _, _), gmv_m0(a, g, _), if g < gt;
        short(a) <-- signup(a, _, st, _, _), spend_m0(a, s, _), if s < st;
        check(a, TARGETS_MET, Outcome::Fail, Val::Null, Val::Null) <-- short(a);
        check(a, TARGETS_MET, Outcome::Missing, Val::Null, Val::Null) <-- signup(a, _, _, _, _), !short(a), !has_gmv_m0(a);
        check(a, TARGETS_MET, Outcome::Missing, Val::Null, Val::Null) <-- signup(a, _, _, _, _), !short(a), has_gmv_m0(a), !has_spend_m0(a);
        check(a, TARGETS_MET, Outcome::Pass, Val::Null, Val::Null) <-- signup(a, _, _, _, _), !short(a), has_gmv_m0(a), has_spend_m0(a);
        note(a, TARGETS_MET, "target", [Val::Word("GMV"), Val::Month(m0), Val::Dec(*g), Val::Dec(*gt), Val::Null, Val::Null]), cite(a, TARGETS_MET, r) <--
            signup(a, gt, _, _, _), gmv_m0(a, g, r);
        note(a, TARGETS_MET, "target", [Val::Word("spend"), Val::Month(m0), Val::Dec(*s), Val::Dec(*st), Val::Null, Val::Null]), cite(a, TARGETS_MET, r) <--
            signup(a, _, st, _, _), spend_m0(a, s, r);
        note(a, TARGETS_MET, "target", [Val::Word("GMV"), Val::Month(m0), Val::Word("no record"), Val::Dec(*gt), Val::Null, Val::Null]) <--
            signup(a, gt, _, _, _), !has_gmv_m0(a);
        note(a, TARGETS_MET, "target", [Val::Word("spend"), Val::Month(m0), Val::Word("no record"), Val::Dec(*st), Val::Null, Val::Null]) <--
            signup(a, _, st, _, _), !has_spend_m0(a);
        cite(a, TARGETS_MET, r) <-- signup(a, _, _, _, r);

        // ---- package.spend-applications — 淘内营销投入投放分8次申请每月,单场最低1万最高100万申请预算.
        relation spend_app_month(Sym, Month, Date, Dec, Rec);
        relation month_count(Sym, Month, usize);
        relation over(Sym, Month);
        relation bad_budget(Sym, Rec);
        relation most(Sym, usize);
        relation spend_app_fails(Sym);
        spend_app_month(a, d.month(), d, b, r) <-- signup(a, _, _, _, _), spend_application(a, d, b, r);
        month_count(a, m, n) <-- spend_app_month(a, m, _, _, _), agg n = count() in spend_app_month(a, m, _, _, _);
        over(a, m) <-- month_count(a, m, n), if *n > max_spend_applications;
        bad_budget(a, r), note(a, SPEND_APPLICATIONS, "budget", [Val::Date(*d), Val::Dec(*b), Val::Dec(budget_min), Val::Dec(budget_max), Val::Null, Val::Null]) <--
            spend_app_month(a, _, d, b, r), if *b < budget_min || *b > budget_max;
        most(a, n) <-- signup(a, _, _, _, _), agg n = max(k) in month_count(a, _, k);
        relation has_spend_app(Sym);
        has_spend_app(a) <-- spend_app_month(a, _, _, _, _);
        most(a, 0) <-- signup(a, _, _, _, _), !has_spend_app(a);
        spend_app_fails(a) <-- over(a, _);
        spend_app_fails(a) <-- bad_budget(a, _);
        check(a, SPEND_APPLICATIONS, Outcome::Fail, Val::Int(*n as i64), Val::Int(max_spend_applications as i64)) <--
            most(a, n), spend_app_fails(a);
        check(a, SPEND_APPLICATIONS, Outcome::Pass, Val::Int(*n as i64), Val::Int(max_spend_applications as i64)) <--
            most(a, n), !spend_app_fails(a);
        cite(a, SPEND_APPLICATIONS, r) <-- spend_app_month(a, _, _, _, r);
        note(a, SPEND_APPLICATIONS, "spend-month", [Val::Month(*m), Val::Int(*n as i64), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            month_count(a, m, n);

        // ---- package.match — 每多投放XX万,平台采买投放对应金额淘内营销,单账号投放上限为250万元.
        reward(a, amount, r), note(a, MATCH, "match", [Val::Dec(*s), Val::Dec(*st), Val::Dec(*s - *st), Val::Dec(match_unit), Val::Dec(match_cap), Val::Null]) <--
            signup(a, _, st, _, _), spend_m0(a, s, r), let amount = match_cap.min((*s - *st).floor_to(match_unit)), if amount > Dec::ZERO;

        // tier: the chosen package of an admitted anchor
        tier(a, pk) <-- signup(a, _, _, pk, _);
    };

    let key = Key::Anchor;
    rows.subjects.extend(res.subject.iter().map(|&(a,)| key(a)));
    rows.checks
        .extend(res.check.iter().map(|&(a, c, o, ob, rq)| (key(a), c, o, ob, rq)));
    rows.cites.extend(res.cite.iter().map(|&(a, c, r)| (key(a), c, r)));
    rows.notes.extend(res.note.iter().map(|&(a, c, m, args)| (key(a), c, m, args)));
    rows.tiers.extend(res.tier.iter().map(|&(a, t)| (key(a), t)));
    for &(a, amount, r) in &res.reward {
        rows.rewards.push(Reward {
            subj: 0,
            clause: MATCH,
            kind: "package-match",
            amount,
            unit: "CNY",
            extra: Vec::new(),
            evidence: vec![r],
        });
        rows.reward_keys.push(key(a));
    }
    let anchor_rec: HashMap<Sym, Rec> = res.anchor.iter().map(|a| (a.0, a.7)).collect();
    res.check
        .iter()
        .filter(|c| ANCHOR_CLAUSES.contains(&c.1))
        .map(|&(a, c, o, _, _)| (a, c, o, anchor_rec.get(&a).copied()))
        .collect()
}

fn count_dec(n: usize) -> Dec {
    Dec::from_int(n as i64).expect("a count fits")
}

/// Stratum 2: the sessions, one session date at a time in date order. Returns the admitted sessions (`held`).
fn session_rules(
    input: &Input,
    inp: &Inputs,
    anchor_clauses: &[(Sym, ClauseId, Outcome, Option<Rec>)],
    m0: Month,
    rows: &mut Rows,
) -> Vec<Sym> {
    let p = input.params;
    let facts = input.facts;
    let (period_start, period_end) = (p.date("period_start"), p.date("period_end"));
    let ban_min_target = p.dec("ban_min_target");
    let max_session_applications = p.int("max_session_applications") as usize;
    let lead_workdays = p.int("apparel_lead_workdays") as u32;
    let apparel_min_commission = p.dec("apparel_min_commission");
    let apparel_flash_exempt = p.int("apparel_flash_exempt") as usize;
    let flash_max_price = p.dec("flash_max_price");
    let apparel_yoy_growth = p.dec("apparel_yoy_growth");
    let growth_factor = Dec::from_int(1).expect("one") + apparel_yoy_growth;
    let fur_min_share = p.dec("fur_min_share");
    let fur_min_commission = p.dec("fur_min_commission");
    let luxury_min_commission = p.dec("luxury_min_commission");
    let luxury_min_target = p.dec("luxury_min_target");
    let seat_rows: Vec<(Dec, i64)> = p
        .table("seats")
        .iter()
        .map(|r| (r["min_gmv_target"].dec(), r["seats"].int()))
        .collect();
    let (apparel, fur) = (facts.sym("apparel"), facts.sym("fur"));
    let last_year = m0.plus(-12);

    // 报名政策A: the best-ranked package has the green channel
    let packages: Vec<(String, i64)> = p
        .table("packages")
        .iter()
        .map(|r| (r["package"].text().to_string(), r["rank"].int()))
        .collect();
    let best_rank = packages.iter().map(|pk| pk.1).min().unwrap_or(1);
    let signups: Vec<(Sym, Dec, bool, Rec)> = inp
        .signups
        .iter()
        .map(|&(a, g, _, pk, r)| (a, g, packages.iter().any(|x| x.0 == pk && x.1 == best_rank), r))
        .collect();
    let gmv_ly: Vec<(Sym, Dec, Rec)> = inp.gmv.iter().filter(|g| g.1 == last_year).map(|g| (g.0, g.2, g.3)).collect();
    let anchor_outcomes: Vec<(Sym, ClauseId, Outcome)> = anchor_clauses.iter().map(|&(a, c, o, _)| (a, c, o)).collect();
    let anchor_subjects: Vec<(Sym,)> = anchor_clauses.iter().map(|c| (c.0,)).collect::<BTreeSet<_>>().into_iter().collect();
    let anchor_recs: Vec<(Sym, Rec)> = anchor_clauses
        .iter()
        .filter_map(|c| c.3.map(|r| (c.0, r)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // the days a working-day walk may visit: from well before the first session (or calendar record) to the last
    let dates: BTreeSet<Date> = inp.apps.iter().map(|a| a.2).collect();
    // the days a working-day walk may visit: the stretch before each apparel session date (a walk of N working days
    // stays within 3N + 60 calendar days even across the Spring Festival); only those, so that sessions years apart
    // do not make every run carry every day between them
    let reach = 3 * lead_workdays as i32 + 60;
    let calendar: Vec<(Date,)> = inp
        .apps
        .iter()
        .filter(|a| a.3 == Kind::Apparel)
        .flat_map(|a| (a.2 .0 - reach..=a.2 .0).map(|d| (Date(d),)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let explained: HashSet<Sym> = input
        .explain
        .iter()
        .filter(|w| w.kind == SESSION)
        .filter_map(|w| facts.sym(&w.id))
        .collect();

    let mut held: Vec<(Sym,)> = Vec::new();
    for &today in &dates {
        let month = today.month();
        let prev_month = month.plus(-1);
        let res = ascent_run! {
            #![ds(crate::index)]
            relation application(Sym, Sym, Date, Kind, Dec, Time, bool, Rec) = inp.apps.clone(); // id, anchor, date, kind, target, submitted, invited
            relation item(Sym, Sym, Sym, Dec, Dec, bool, Rec) = inp.items.clone();               // application, item, category, commission, price, flash sale
            relation result(Sym, Dec, Rec) = inp.results.clone();                                // application, GMV
            relation history(Sym, Dec, Dec, Option<Dec>, Rec) = inp.history.clone();            // anchor, best session, Nov average, last year's average
            relation anchor_clause(Sym, ClauseId, Outcome) = anchor_outcomes.clone();            // stratum 1: the five anchor requirements
            relation anchor_subject(Sym) = anchor_subjects.clone();
            relation anchor_rec(Sym, Rec) = anchor_recs.clone();
            relation signup(Sym, Dec, bool, Rec) = signups.clone();                              // anchor, GMV target, green channel
            relation gmv_ly(Sym, Dec, Rec) = gmv_ly.clone();                                     // anchor, GMV of last year's M0
            relation seat_row(Dec, i64) = seat_rows.clone();                                     // min GMV target, seats
            relation calendar_day(Date, bool, Rec) = inp.calendar.clone();
            relation calendar(Date) = calendar.clone();
            relation held(Sym) = held.clone();                                                   // sessions admitted on earlier dates

            relation month_app(Sym, Sym, Date, Kind, Dec, Time, Rec);
            relation focus(Sym);
            relation base(Sym, ClauseId, Outcome, Val, Val);      // every session clause but sequence and seat, for the month's sessions
            relation check(Sym, ClauseId, Outcome, Val, Val);     // the verdict clauses of today's sessions
            #[ds(crate::sink)] relation cite(Sym, ClauseId, Rec);
            #[ds(crate::sink)] relation note(Sym, ClauseId, &'static str, [Val; 6]);
            relation has_result(Sym);
            relation has_history(Sym);

            // The month's sessions compete for its seats; today's are decided.
            month_app(s, a, *d, *k, *t, *sub, *r) <-- application(s, a, d, k, t, sub, _, r), if d.month() == month;
            focus(s) <-- month_app(s, _, d, _, _, _, _), if *d == today;
            has_result(s) <-- result(s, _, _);
            has_history(a) <-- history(a, _, _, _, _);
            check(s, c, o, ob, rq) <-- focus(s), base(s, c, o, ob, rq);

            // ---- session.anchor-eligible — the anchor's five requirements: one fails → fails; else one missing → missing.
            relation anchor_fails(Sym);
            relation anchor_lacks(Sym);
            anchor_fails(a) <-- anchor_clause(a, _, o), if *o == Outcome::Fail;
            anchor_lacks(a) <-- anchor_clause(a, _, o), if *o == Outcome::Missing;
            base(s, ANCHOR_ELIGIBLE, Outcome::Fail, Val::Str(*a), Val::Null) <-- month_app(s, a, _, _, _, _, _), anchor_fails(a);
            base(s, ANCHOR_ELIGIBLE, Outcome::Missing, Val::Str(*a), Val::Null) <-- month_app(s, a, _, _, _, _, _), !anchor_fails(a), anchor_lacks(a);
            base(s, ANCHOR_ELIGIBLE, Outcome::Missing, Val::Str(*a), Val::Null), note(s, ANCHOR_ELIGIBLE, "no-anchor", [Val::Null; 6]) <--
                month_app(s, a, _, _, _, _, _), !anchor_subject(a);
            base(s, ANCHOR_ELIGIBLE, Outcome::Pass, Val::Str(*a), Val::Null) <--
                month_app(s, a, _, _, _, _, _), anchor_subject(a), !anchor_fails(a), !anchor_lacks(a);
            note(s, ANCHOR_ELIGIBLE, "anchor-clause", [Val::Int(c.0 as i64), Val::Word(CLAUSES[c.0 as usize].id), Val::Word(o.name()), Val::Null, Val::Null, Val::Null]) <--
                month_app(s, a, _, _, _, _, _), anchor_clause(a, c, o);
            cite(s, ANCHOR_ELIGIBLE, r) <-- month_app(s, a, _, _, _, _, _), anchor_rec(a, r);

            // ---- session.period — 合作周期: period_start ≤ d ≤ period_end.
            base(s, PERIOD, Outcome::of(period_start <= *d && *d <= period_end), Val::Date(*d), Val::Span(period_start.start(), period_end.end())),
                cite(s, PERIOD, r) <-- month_app(s, _, d, _, _, _, r);

            // ---- session.not-banned — 500W以上门槛场次一次没有达标次月禁止参加活动: an admitted session of M − 1 with a
            //      target ≥ ban_min_target and a result below it bans M; such a session without a result leaves it open.
            relation ban_session(Sym, Sym, Date, Dec, Rec);
            relation missed(Sym, Sym);
            relation pending(Sym, Sym);
            relation banned(Sym);
            relation ban_open(Sym);
            relation misses(Sym, usize);
            ban_session(a, h, *d, *t, *r) <-- held(h), application(h, a, d, _, t, _, _, r), if d.month() == prev_month && *t >= ban_min_target;
            missed(a, h), note(s, NOT_BANNED, "missed", [Val::Str(*h), Val::Date(*d), Val::Dec(*g), Val::Dec(*t), Val::Null, Val::Null]),
                cite(s, NOT_BANNED, r), cite(s, NOT_BANNED, gr) <--
                month_app(s, a, _, _, _, _, _), ban_session(a, h, d, t, r), result(h, g, gr), if g < t;
            pending(a, h), note(s, NOT_BANNED, "no-result", [Val::Str(*h), Val::Date(*d), Val::Dec(*t), Val::Null, Val::Null, Val::Null]),
                cite(s, NOT_BANNED, r) <--
                month_app(s, a, _, _, _, _, _), ban_session(a, h, d, t, r), !has_result(h);
            banned(a) <-- missed(a, _);
            ban_open(a) <-- pending(a, _);
            misses(a, n) <-- banned(a), agg n = count() in missed(a, _);
            base(s, NOT_BANNED, Outcome::Fail, Val::Int(*n as i64), Val::Int(0)) <-- month_app(s, a, _, _, _, _, _), misses(a, n);
            base(s, NOT_BANNED, Outcome::Missing, Val::Int(0), Val::Int(0)) <-- month_app(s, a, _, _, _, _, _), !banned(a), ban_open(a);
            base(s, NOT_BANNED, Outcome::Pass, Val::Int(0), Val::Int(0)) <-- month_app(s, a, _, _, _, _, _), !banned(a), !ban_open(a);

            // ---- session.limit — 一个账号最多申请4次: the anchor's applications of M by submitted_at, then id; every
            //      application counts, refused ones too.
            relation earlier_in_month(Sym, Sym);
            relation limit_pos(Sym, Sym, usize);                                                   // application, anchor, position
            earlier_in_month(s, s2) <-- month_app(s, a, _, _, _, sub, _), month_app(s2, a, _, _, _, sub2, _), if (*sub2, *s2) < (*sub, *s);
            limit_pos(s, a, n + 1) <-- month_app(s, a, _, _, _, _, _), agg n = count() in earlier_in_month(s, _);
            base(s, LIMIT, Outcome::of(*n <= max_session_applications), Val::Int(*n as i64), Val::Int(max_session_applications as i64)),
                cite(s, LIMIT, r) <-- limit_pos(s, _, n), month_app(s, _, _, _, _, _, r);

            // ---- session.sequence — 第一场达成目标后才可提报下一场: the latest admitted session of the anchor dated
            //      before d must have met its target, and s must be submitted after its date. Today's sessions only:
            //      the earlier ones are decided.
            relation held_before(Sym, (Date, Time, Sym));
            relation previous(Sym, Sym);
            relation has_previous(Sym);
            relation seq_fails(Sym);
            relation seq_open(Sym);
            held_before(s, (*hd, *hsub, *h)) <-- focus(s), month_app(s, a, d, _, _, _, _), held(h), application(h, a, hd, _, _, hsub, _, _), if hd < d;
            previous(s, latest.2) <-- focus(s), agg latest = max(k) in held_before(s, k);
            has_previous(s) <-- previous(s, _);
            seq_fails(s), note(s, SEQUENCE, "previous", [Val::Str(*h), Val::Date(*hd), Val::Dec(*t), Val::Dec(*g), Val::Null, Val::Null]) <--
                previous(s, h), application(h, _, hd, _, t, _, _, _), result(h, g, _), if g < t;
            note(s, SEQUENCE, "previous", [Val::Str(*h), Val::Date(*hd), Val::Dec(*t), Val::Dec(*g), Val::Null, Val::Null]) <--
                previous(s, h), application(h, _, hd, _, t, _, _, _), result(h, g, _), if g >= t;
            seq_open(s), note(s, SEQUENCE, "previous", [Val::Str(*h), Val::Date(*hd), Val::Dec(*t), Val::Word("none yet"), Val::Null, Val::Null]) <--
                previous(s, h), application(h, _, hd, _, t, _, _, _), !has_result(h);
            seq_fails(s) <-- previous(s, h), month_app(s, _, _, _, _, sub, _), application(h, _, hd, _, _, _, _, _), if sub.date() <= *hd;
            note(s, SEQUENCE, "submitted-after", [Val::Date(sub.date()), Val::Date(*hd), Val::Null, Val::Null, Val::Null, Val::Null]) <--
                previous(s, h), month_app(s, _, _, _, _, sub, _), application(h, _, hd, _, _, _, _, _);
            cite(s, SEQUENCE, r) <-- previous(s, h), application(h, _, _, _, _, _, _, r);
            cite(s, SEQUENCE, r) <-- previous(s, h), result(h, _, r);
            check(s, SEQUENCE, Outcome::Pass, Val::Word("none"), Val::Null), note(s, SEQUENCE, "no-previous", [Val::Null; 6]) <-- focus(s), !has_previous(s);
            check(s, SEQUENCE, Outcome::Fail, Val::Str(*h), Val::Null) <-- previous(s, h), seq_fails(s);
            check(s, SEQUENCE, Outcome::Missing, Val::Str(*h), Val::Null) <-- previous(s, h), !seq_fails(s), seq_open(s);
            check(s, SEQUENCE, Outcome::Pass, Val::Str(*h), Val::Null) <-- previous(s, h), !seq_fails(s), !seq_open(s);

            // ---- session.lead-time (apparel) — 服饰场次至少提前3个工作日提交申请: submitted on or before the day reached
            //      by stepping back apparel_lead_workdays working days from d, d itself not counted.
            relation has_override(Date);
            relation workday(Date);
            relation lead_step(Sym, Date, u32);                                                    // application, day, working days in [day, d)
            relation deadline(Sym, Date);
            relation has_deadline(Sym);
            has_override(d) <-- calendar_day(d, _, _);
            workday(d) <-- calendar(d), calendar_day(d, w, _), if *w;
            workday(d) <-- calendar(d), !has_override(d), if d.weekday() <= 5;
            lead_step(s, *d, 0) <-- month_app(s, _, d, k, _, _, _), if *k == Kind::Apparel;
            lead_step(s, prev, k + 1) <-- lead_step(s, day, k), if *k < lead_workdays, let prev = day.add_days(-1), workday(prev);
            lead_step(s, prev, *k) <-- lead_step(s, day, k), if *k < lead_workdays, let prev = day.add_days(-1), calendar(prev), !workday(prev);
            deadline(s, *day) <-- lead_step(s, day, k), if *k == lead_workdays && lead_workdays > 0, workday(day);
            deadline(s, *d) <-- month_app(s, _, d, k, _, _, _), if *k == Kind::Apparel && lead_workdays == 0;
            has_deadline(s) <-- deadline(s, _);
            base(s, LEAD_TIME, Outcome::of(sub.date() <= *dl), Val::Date(sub.date()), Val::Date(*dl)), cite(s, LEAD_TIME, r) <--
                deadline(s, dl), month_app(s, _, _, _, _, sub, r);
            base(s, LEAD_TIME, Outcome::Missing, Val::Date(sub.date()), Val::Null) <--
                month_app(s, _, _, k, _, sub, _), if *k == Kind::Apparel, !has_deadline(s);
            base(s, LEAD_TIME, Outcome::Info, Val::Word(k.name()), Val::Null) <-- month_app(s, _, _, k, _, _, _), if *k != Kind::Apparel;
            cite(s, LEAD_TIME, r) <-- lead_step(s, day, _), calendar_day(day, _, r);

            // ---- session.apparel-commission (apparel) — 本场所有服饰商品佣金不低于15%, except at most 2 秒杀品 (flash sale,
            //      单价不高于99元). Items of category apparel only: fur is not apparel.
            relation low_item(Sym, Sym, Dec, Dec, bool, Rec);
            relation not_exempt(Sym);
            relation low_count(Sym, usize);
            low_item(s, *i, *c, *pr, *fl, *r) <-- month_app(s, _, _, k, _, _, _), if *k == Kind::Apparel,
                item(s, i, cat, c, pr, fl, r), if Some(*cat) == apparel && *c < apparel_min_commission;
            not_exempt(s), note(s, APPAREL_COMMISSION, "item-not-exempt",
                [Val::Str(*i), Val::Dec(*c), Val::Dec(apparel_min_commission), Val::Dec(flash_max_price), Val::Bool(*fl), Val::Dec(*pr)]) <--
                low_item(s, i, c, pr, fl, _), if !(*fl && *pr <= flash_max_price);
            note(s, APPAREL_COMMISSION, "item-exempt", [Val::Str(*i), Val::Dec(*c), Val::Dec(apparel_min_commission), Val::Dec(*pr), Val::Null, Val::Null]) <--
                low_item(s, i, c, pr, fl, _), if *fl && *pr <= flash_max_price;
            cite(s, APPAREL_COMMISSION, r) <-- low_item(s, _, _, _, _, r);
            low_count(s, n) <-- month_app(s, _, _, k, _, _, _), if *k == Kind::Apparel, agg n = count() in low_item(s, _, _, _, _, _);
            note(s, APPAREL_COMMISSION, "exempt-count", [Val::Int(*n as i64), Val::Int(apparel_flash_exempt as i64), Val::Null, Val::Null, Val::Null, Val::Null]) <--
                low_count(s, n), if *n > 0;
            base(s, APPAREL_COMMISSION, Outcome::Fail, Val::Int(*n as i64), Val::Int(apparel_flash_exempt as i64)) <-- low_count(s, n), not_exempt(s);
            base(s, APPAREL_COMMISSION, Outcome::of(*n <= apparel_flash_exempt), Val::Int(*n as i64), Val::Int(apparel_flash_exempt as i64)) <--
                low_count(s, n), !not_exempt(s);
            base(s, APPAREL_COMMISSION, Outcome::Info, Val::Word(k.name()), Val::Null) <-- month_app(s, _, _, k, _, _, _), if *k != Kind::Apparel;

            // ---- session.fur-share (fur) — 皮草专场全场皮草商品坑位占比不低于80%,佣金不低于15%. No items → fails.
            relation item_count(Sym, usize);
            relation fur_item(Sym, Sym, Dec, Rec);
            relation fur_count(Sym, usize);
            relation low_fur(Sym);
            item_count(s, n) <-- month_app(s, _, _, k, _, _, _), if *k == Kind::Fur, agg n = count() in item(s, _, _, _, _, _, _);
            fur_item(s, *i, *c, *r) <-- month_app(s, _, _, k, _, _, _), if *k == Kind::Fur, item(s, i, cat, c, _, _, r), if Some(*cat) == fur;
            fur_count(s, n) <-- item_count(s, _), agg n = count() in fur_item(s, _, _, _);
            low_fur(s), cite(s, FUR_SHARE, r),
                note(s, FUR_SHARE, "item-commission", [Val::Str(*i), Val::Word("fur"), Val::Dec(*c), Val::Dec(fur_min_commission), Val::Null, Val::Null]) <--
                fur_item(s, i, c, r), if *c < fur_min_commission;
            note(s, FUR_SHARE, "fur-count", [Val::Int(*f as i64), Val::Int(*n as i64), Val::Null, Val::Null, Val::Null, Val::Null]) <--
                item_count(s, n), fur_count(s, f), if *n > 0;
            base(s, FUR_SHARE, Outcome::Fail, Val::Null, Val::Dec(fur_min_share)), note(s, FUR_SHARE, "no-items", [Val::Null; 6]) <--
                item_count(s, n), if *n == 0;
            base(s, FUR_SHARE, Outcome::of(count_dec(*f).at_least_times(fur_min_share, count_dec(*n))), Val::Dec(count_dec(*f).div_int(*n as i64)),
                Val::Dec(fur_min_share)) <--
                item_count(s, n), fur_count(s, f), if *n > 0, !low_fur(s);
            base(s, FUR_SHARE, Outcome::Fail, Val::Dec(count_dec(*f).div_int(*n as i64)), Val::Dec(fur_min_share)) <--
                item_count(s, n), fur_count(s, f), if *n > 0, low_fur(s);
            base(s, FUR_SHARE, Outcome::Info, Val::Word(k.name()), Val::Null) <-- month_app(s, _, _, k, _, _, _), if *k != Kind::Fur;

            // ---- session.luxury (luxury) — 二奢或者奢侈品门槛佣金不低于5%; 二奢政策同步按照300W场次起报名.
            relation low_luxury(Sym);
            low_luxury(s), cite(s, LUXURY, r),
                note(s, LUXURY, "item-commission", [Val::Str(*i), Val::Str(*cat), Val::Dec(*c), Val::Dec(luxury_min_commission), Val::Null, Val::Null]) <--
                month_app(s, _, _, k, _, _, _), if *k == Kind::Luxury, item(s, i, cat, c, _, _, r), if *c < luxury_min_commission;
            base(s, LUXURY, Outcome::of(*t >= luxury_min_target), Val::Dec(*t), Val::Dec(luxury_min_target)) <--
                month_app(s, _, _, k, t, _, _), if *k == Kind::Luxury, !low_luxury(s);
            base(s, LUXURY, Outcome::Fail, Val::Dec(*t), Val::Dec(luxury_min_target)) <--
                month_app(s, _, _, k, t, _, _), if *k == Kind::Luxury, low_luxury(s);
            base(s, LUXURY, Outcome::Info, Val::Word(k.name()), Val::Null) <-- month_app(s, _, _, k, _, _, _), if *k != Kind::Luxury;

            // ---- session.apparel-tier (apparel) — 所有专场挑战门槛查看11月月均服饰成交: between two seat tiers, above their
            //      midpoint → the upper tier (按照上一挡); otherwise → last year's average grown (同比增长目标).
            relation apparel_app(Sym, Dec, Dec, Option<Dec>, Rec);                                 // application, target, Nov average, last year, record
            relation tier_le(Sym, Dec);
            relation tier_gt(Sym, Dec);
            relation lower(Sym, Dec);
            relation upper(Sym, Dec);
            relation has_lower(Sym);
            relation has_upper(Sym);
            relation lowest_seat(Dec);
            lowest_seat(m) <-- agg m = min(x) in seat_row(x, _);
            apparel_app(s, *t, *avg, *ly, *r), cite(s, APPAREL_TIER, r) <--
                month_app(s, a, _, k, t, _, _), if *k == Kind::Apparel, history(a, _, avg, ly, r);
            base(s, APPAREL_TIER, Outcome::Missing, Val::Dec(*t), Val::Null), note(s, APPAREL_TIER, "no-history", [Val::Null; 6]) <--
                month_app(s, a, _, k, t, _, _), if *k == Kind::Apparel, !has_history(a);
            tier_le(s, *m) <-- apparel_app(s, _, avg, _, _), seat_row(m, _), if m <= avg;
            tier_gt(s, *m) <-- apparel_app(s, _, avg, _, _), seat_row(m, _), if m > avg;
            lower(s, m) <-- apparel_app(s, _, _, _, _), agg m = max(x) in tier_le(s, x);
            upper(s, m) <-- apparel_app(s, _, _, _, _), agg m = min(x) in tier_gt(s, x);
            has_lower(s) <-- lower(s, _);
            has_upper(s) <-- upper(s, _);
            base(s, APPAREL_TIER, Outcome::Pass, Val::Dec(*t), Val::Null),
                note(s, APPAREL_TIER, "avg-below", [Val::Dec(*avg), Val::Dec(*t1), Val::Null, Val::Null, Val::Null, Val::Null]) <--
                apparel_app(s, t, avg, _, _), !has_lower(s), lowest_seat(t1);
            base(s, APPAREL_TIER, Outcome::of(t >= tn), Val::Dec(*t), Val::Dec(*tn)),
                note(s, APPAREL_TIER, "avg-top", [Val::Dec(*avg), Val::Dec(*tn), Val::Null, Val::Null, Val::Null, Val::Null]) <--
                apparel_app(s, t, avg, _, _), lower(s, tn), !has_upper(s);
            base(s, APPAREL_TIER, Outcome::of(t >= tk1), Val::Dec(*t), Val::Dec(*tk1)),
                note(s, APPAREL_TIER, "avg-upper", [Val::Dec(*avg), Val::Dec(*tk), Val::Dec(*tk1), Val::Dec(mid), Val::Null, Val::Null]) <--
                apparel_app(s, t, avg, _, _), lower(s, tk), upper(s, tk1), if avg.0 * 2 > tk.0 + tk1.0, let mid = Dec((tk.0 + tk1.0) / 2);
            base(s, APPAREL_TIER, Outcome::of(t.at_least_times(growth_factor, *last)), Val::Dec(*t), Val::Dec(growth_factor.mul_ceil(*last))),
                note(s, APPAREL_TIER, "avg-lower", [Val::Dec(*avg), Val::Dec(*tk), Val::Dec(*tk1), Val::Dec(mid), Val::Dec(*last), Val::Dec(apparel_yoy_growth)]) <--
                apparel_app(s, t, avg, ly, _), lower(s, tk), upper(s, tk1), if avg.0 * 2 <= tk.0 + tk1.0, if let Some(last) = ly,
                let mid = Dec((tk.0 + tk1.0) / 2);
            base(s, APPAREL_TIER, Outcome::Missing, Val::Dec(*t), Val::Null),
                note(s, APPAREL_TIER, "no-last-year", [Val::Dec(*avg), Val::Dec(*tk), Val::Dec(*tk1), Val::Dec(mid), Val::Null, Val::Null]) <--
                apparel_app(s, t, avg, ly, _), lower(s, tk), upper(s, tk1), if avg.0 * 2 <= tk.0 + tk1.0, if ly.is_none(),
                let mid = Dec((tk.0 + tk1.0) / 2);
            base(s, APPAREL_TIER, Outcome::Info, Val::Word(k.name()), Val::Null) <-- month_app(s, _, _, k, _, _, _), if *k != Kind::Apparel;

            // ---- session.seat — 同一档位报名人数超出席位时,按照GMV目标进行席位PK(报名政策A享有排期绿通权限)...若月销售额
            //      目标相同参考增速; 服饰按照11月服饰成交降序. The unit: the seats row of the target, in month M. The pool:
            //      the unit's sessions passing every other session clause (sequence aside).
            relation seat_at(Sym, Dec);
            relation unit(Sym, Dec);
            relation has_unit(Sym);
            relation not_pool(Sym);
            relation green(Sym);
            relation growth_of(Sym, Growth);
            relation has_growth(Sym);
            relation pool_key(Sym, Dec);
            relation pool_green(Sym, bool);
            relation pool_growth(Sym, Growth);
            relation entry(Dec, Sym, bool, Dec, Growth, Time);                                     // unit, application, green, key, growth, submitted
            relation rank(Dec, Sym, u32);
            seat_at(s, *m) <-- month_app(s, _, _, _, t, _, _), seat_row(m, _), if m <= t;
            unit(s, u) <-- month_app(s, _, _, _, _, _, _), agg u = max(m) in seat_at(s, m);
            has_unit(s) <-- unit(s, _);
            not_pool(s) <-- base(s, _, o, _, _), if *o == Outcome::Fail || *o == Outcome::Missing;
            green(a) <-- signup(a, _, g, _), if *g;
            growth_of(a, Growth { num: (*gt - *g).0, den: g.0 }) <-- signup(a, gt, _, _), gmv_ly(a, g, _), if *g > Dec::ZERO;
            has_growth(a) <-- growth_of(a, _);
            pool_key(s, *t) <-- unit(s, _), !not_pool(s), month_app(s, _, _, k, t, _, _), if *k != Kind::Apparel;
            pool_key(s, *avg) <-- unit(s, _), !not_pool(s), month_app(s, a, _, k, _, _, _), if *k == Kind::Apparel, history(a, _, avg, _, _);
            pool_green(s, true) <-- pool_key(s, _), month_app(s, a, _, _, _, _, _), green(a);
            pool_green(s, false) <-- pool_key(s, _), month_app(s, a, _, _, _, _, _), !green(a);
            pool_growth(s, *gr) <-- pool_key(s, _), month_app(s, a, _, _, _, _, _), growth_of(a, gr);
            pool_growth(s, Growth::UNKNOWN) <-- pool_key(s, _), month_app(s, a, _, _, _, _, _), !has_growth(a);
            entry(*u, s, *g, *key, *gr, *sub) <-- unit(s, u), pool_key(s, key), pool_green(s, g), pool_growth(s, gr), month_app(s, _, _, _, _, sub, _);
            rank(*u, x, pos) <-- seat_row(u, _), agg (x, pos) = seat_ranking(g, key, gr, sub, s) in entry(u, s, g, key, gr, sub);
            check(s, SEAT, Outcome::of(*pos as i64 <= *n), Val::Int(*pos as i64), Val::Int(*n)) <-- focus(s), rank(u, s, pos), seat_row(u, n);
            check(s, SEAT, Outcome::Fail, Val::Dec(*t), Val::Dec(*low)),
                note(s, SEAT, "below-seats", [Val::Dec(*t), Val::Dec(*low), Val::Null, Val::Null, Val::Null, Val::Null]) <--
                focus(s), month_app(s, _, _, _, t, _, _), !has_unit(s), lowest_seat(low);
            check(s, SEAT, Outcome::Info, Val::Word("not ranked"), Val::Null), note(s, SEAT, "not-in-pool", [Val::Null; 6]) <--
                focus(s), has_unit(s), not_pool(s);
            cite(s, SEAT, r) <-- focus(s), month_app(s, _, _, _, _, _, r);

            // Today's admitted sessions: every verdict clause passes (or does not apply).
            relation bad(Sym);
            #[ds(crate::sink)] relation admitted(Sym);
            bad(s) <-- check(s, _, o, _, _), if *o == Outcome::Fail || *o == Outcome::Missing;
            admitted(s) <-- focus(s), !bad(s);
        };

        let focus: HashSet<Sym> = res.focus.iter().map(|f| f.0).collect();
        let key = Key::Session;
        rows.subjects.extend(focus.iter().map(|&s| key(s)));
        rows.checks
            .extend(res.check.iter().map(|&(s, c, o, ob, rq)| (key(s), c, o, ob, rq)));
        rows.cites
            .extend(res.cite.iter().filter(|c| focus.contains(&c.0)).map(|&(s, c, r)| (key(s), c, r)));
        rows.notes.extend(
            res.note
                .iter()
                .filter(|n| focus.contains(&n.0))
                .map(|&(s, c, m, args)| (key(s), c, m, args)),
        );
        // Derived nodes of the explained sessions: the month's order of applications, the seat ranking, the walk
        // back over working days.
        let app: HashMap<Sym, (Sym, Date, Kind, Dec, Time, Rec)> = res
            .month_app
            .iter()
            .map(|&(s, a, d, k, t, sub, r)| (s, (a, d, k, t, sub, r)))
            .collect();
        let mut wanted: Vec<Sym> = focus.iter().copied().filter(|s| explained.contains(s)).collect();
        wanted.sort();
        for s in wanted {
            let subj = key(s);
            let (a, d, _, _, _, _) = app[&s];
            let mut order: Vec<(usize, Sym)> = res.limit_pos.iter().filter(|l| l.1 == a).map(|l| (l.2, l.0)).collect();
            order.sort();
            for (pos, x) in order {
                let msg = if x == s { "limit-order-this" } else { "limit-order" };
                let args = vec![Val::Int(pos as i64), Val::Str(x), Val::Time(app[&x].4)];
                rows.details.push((subj, LIMIT, vec![pos as u32], msg, args, vec![app[&x].5]));
            }
            if let Some(&(_, u)) = res.unit.iter().find(|u| u.0 == s) {
                let seats = res.seat_row.iter().find(|r| r.0 == u).map_or(0, |r| r.1);
                let mut ranked: Vec<(u32, Sym)> = res.rank.iter().filter(|r| r.0 == u).map(|r| (r.2, r.1)).collect();
                ranked.sort();
                let args = vec![Val::Dec(u), Val::Month(month), Val::Int(seats), Val::Int(ranked.len() as i64)];
                rows.details.push((subj, SEAT, vec![1], "unit", args, Vec::new()));
                for (pos, x) in ranked {
                    let Some(&(_, _, green, key_val, growth, sub)) = res.entry.iter().find(|e| e.0 == u && e.1 == x) else {
                        continue;
                    };
                    let (xa, _, xk, _, _, xr) = app[&x];
                    let mut evidence = vec![xr];
                    if xk == Kind::Apparel {
                        evidence.extend(res.history.iter().filter(|h| h.0 == xa).map(|h| h.4));
                    }
                    evidence.extend(res.signup.iter().filter(|g| g.0 == xa).map(|g| g.3));
                    evidence.extend(res.gmv_ly.iter().filter(|g| g.0 == xa).map(|g| g.2));
                    let msg = match (x == s, green) {
                        (true, true) => "rank-this-green",
                        (true, false) => "rank-this",
                        (false, true) => "rank-green",
                        (false, false) => "rank",
                    };
                    let args = vec![
                        Val::Int(pos as i64),
                        Val::Str(x),
                        Val::Str(xa),
                        Val::Dec(key_val),
                        growth.val(),
                        Val::Time(sub),
                    ];
                    rows.details.push((subj, SEAT, vec![1, pos], msg, args, evidence));
                }
            }
            let mut walk: Vec<(Date, u32)> = res.lead_step.iter().filter(|l| l.0 == s && l.1 < d).map(|l| (l.1, l.2)).collect();
            walk.sort_by_key(|w| std::cmp::Reverse(w.0));
            for (i, (day, k)) in walk.into_iter().enumerate() {
                let evidence: Vec<Rec> = res.calendar_day.iter().filter(|c| c.0 == day).map(|c| c.2).collect();
                let (msg, args) = if res.workday.contains(&(day,)) {
                    ("lead-workday", vec![Val::Date(day), Val::Int(k as i64), Val::Date(d)])
                } else {
                    ("lead-rest", vec![Val::Date(day)])
                };
                rows.details.push((subj, LEAD_TIME, vec![1 + i as u32], msg, args, evidence));
            }
        }
        held.extend(res.admitted.iter().copied());
    }
    held.into_iter().map(|h| h.0).collect()
}

/// Stratum 3: the anchor-months (penalties), and what they decide for the month's sessions: the cancelled-month
/// flag and the coupons.
fn month_rules(input: &Input, inp: &Inputs, held: &[Sym], rows: &mut Rows) {
    let p = input.params;
    let ban_min_target = p.dec("ban_min_target");
    let validity_days = p.int("coupon_validity_days") as i32;
    let coupon_tiers: Vec<(Dec, Dec)> = p
        .table("session_coupon_tiers")
        .iter()
        .map(|r| (r["min_gmv"].dec(), r["pv"].dec()))
        .collect();
    let bonus_tiers: Vec<(Dec, Dec, Dec)> = p
        .table("apparel_bonus_tiers")
        .iter()
        .map(|r| (r["min_record_gmv"].dec(), r["category_coupon"].dec(), r["extra_pv"].dec()))
        .collect();
    let held: Vec<(Sym,)> = held.iter().map(|&s| (s,)).collect();

    let res = ascent_run! {
        #![ds(crate::index)]
        relation application(Sym, Sym, Date, Kind, Dec, Time, bool, Rec) = inp.apps.clone();
        relation result(Sym, Dec, Rec) = inp.results.clone();
        relation history(Sym, Dec, Dec, Option<Dec>, Rec) = inp.history.clone();
        relation held(Sym) = held;                                                               // stratum 2: the admitted sessions
        relation coupon_tier(Dec, Dec) = coupon_tiers;                                           // min GMV target, PV
        relation bonus_tier(Dec, Dec, Dec) = bonus_tiers;                                        // min record, category coupon, extra PV

        relation anchor_month(Sym, Month);
        #[ds(crate::sink)] relation check(Sym, Month, ClauseId, Outcome, Val, Val);
        #[ds(crate::sink)] relation cite(Sym, Month, ClauseId, Rec);
        #[ds(crate::sink)] relation note(Sym, Month, ClauseId, &'static str, [Val; 6]);
        #[ds(crate::sink)] relation nest(Sym, Month, ClauseId, Sym);
        #[ds(crate::sink)] relation flag(Sym, Month, ClauseId);
        #[ds(crate::sink)] relation session_flag(Sym, ClauseId);
        #[ds(crate::sink)] relation session_cite(Sym, ClauseId, Rec);
        #[ds(crate::sink)] relation session_note(Sym, ClauseId, &'static str, [Val; 6]);
        #[ds(crate::sink)] relation reward(Sym, &'static str, Dec, &'static str, Date, Rec);                         // session, kind, amount, unit, issue date, record behind it

        // ---- Subjects: (anchor, month of the session date) of every application. Only admitted sessions count.
        anchor_month(a, d.month()) <-- application(_, a, d, _, _, _, _, _);
        relation admitted_in(Sym, Month, Sym, Date, Dec, Rec);                                   // anchor, month, session, date, target, application
        relation has_result(Sym);
        relation missed(Sym, Month, Sym, Date, Dec, Dec, Rec, Rec);                              // ... target, result, application, result record
        relation open(Sym, Month, Sym, Date, Dec, Rec);
        relation cancelled(Sym, Month);
        relation undecided(Sym, Month);
        admitted_in(a, d.month(), s, *d, *t, *r) <-- held(s), application(s, a, d, _, t, _, _, r);
        has_result(s) <-- result(s, _, _);
        missed(a, m, s, *d, *t, *g, *r, *gr) <-- admitted_in(a, m, s, d, t, r), result(s, g, gr), if g < t;
        open(a, m, s, *d, *t, *r) <-- admitted_in(a, m, s, d, t, r), !has_result(s);
        cancelled(a, m) <-- missed(a, m, _, _, _, _, _, _);
        undecided(a, m) <-- open(a, m, _, _, _, _);

        // ---- penalty.month-cancelled — 以上活动场次只要有一次没有达标,本月所有场次名额取消.
        relation miss_count(Sym, Month, usize);
        miss_count(a, m, n) <-- cancelled(a, m), agg n = count() in missed(a, m, _, _, _, _, _, _);
        check(a, m, MONTH_CANCELLED, Outcome::Fail, Val::Int(*n as i64), Val::Int(0)) <-- anchor_month(a, m), miss_count(a, m, n);
        check(a, m, MONTH_CANCELLED, Outcome::Missing, Val::Int(0), Val::Int(0)) <-- anchor_month(a, m), !cancelled(a, m), undecided(a, m);
        check(a, m, MONTH_CANCELLED, Outcome::Pass, Val::Int(0), Val::Int(0)) <-- anchor_month(a, m), !cancelled(a, m), !undecided(a, m);
        note(a, m, MONTH_CANCELLED, "missed", [Val::Str(*s), Val::Date(*d), Val::Dec(*g), Val::Dec(*t), Val::Null, Val::Null]),
            cite(a, m, MONTH_CANCELLED, r), cite(a, m, MONTH_CANCELLED, gr), nest(a, m, MONTH_CANCELLED, s) <--
            missed(a, m, s, d, t, g, r, gr);
        note(a, m, MONTH_CANCELLED, "no-result", [Val::Str(*s), Val::Date(*d), Val::Dec(*t), Val::Null, Val::Null, Val::Null]),
            cite(a, m, MONTH_CANCELLED, r) <-- open(a, m, s, d, t, r);

        // ---- penalty.next-month-ban — 500W以上门槛场次一次没有达标次月禁止参加活动 (500万 included): a miss in M − 1
        //      fails M; the month of the miss carries the flag, whatever its verdict.
        relation big_miss(Sym, Month, Sym, Date, Dec, Dec, Rec, Rec);
        relation big_open(Sym, Month, Sym, Date, Dec, Rec);
        relation has_big_miss(Sym, Month);
        relation has_big_open(Sym, Month);
        relation big_count(Sym, Month, usize);
        relation prior(Sym, Month, Month);
        big_miss(a, m, s, *d, *t, *g, *r, *gr) <-- missed(a, m, s, d, t, g, r, gr), if *t >= ban_min_target;
        big_open(a, m, s, *d, *t, *r) <-- open(a, m, s, d, t, r), if *t >= ban_min_target;
        has_big_miss(a, m) <-- big_miss(a, m, _, _, _, _, _, _);
        has_big_open(a, m) <-- big_open(a, m, _, _, _, _);
        big_count(a, m, n) <-- has_big_miss(a, m), agg n = count() in big_miss(a, m, _, _, _, _, _, _);
        prior(a, m, m.plus(-1)) <-- anchor_month(a, m);
        check(a, m, NEXT_MONTH_BAN, Outcome::Fail, Val::Int(*n as i64), Val::Int(0)) <-- prior(a, m, pm), big_count(a, pm, n);
        check(a, m, NEXT_MONTH_BAN, Outcome::Missing, Val::Int(0), Val::Int(0)) <-- prior(a, m, pm), !has_big_miss(a, pm), has_big_open(a, pm);
        check(a, m, NEXT_MONTH_BAN, Outcome::Pass, Val::Int(0), Val::Int(0)) <-- prior(a, m, pm), !has_big_miss(a, pm), !has_big_open(a, pm);
        note(a, m, NEXT_MONTH_BAN, "missed", [Val::Str(*s), Val::Date(*d), Val::Dec(*g), Val::Dec(*t), Val::Null, Val::Null]),
            cite(a, m, NEXT_MONTH_BAN, r), cite(a, m, NEXT_MONTH_BAN, gr), nest(a, m, NEXT_MONTH_BAN, s) <--
            prior(a, m, pm), big_miss(a, pm, s, d, t, g, r, gr);
        note(a, m, NEXT_MONTH_BAN, "no-result", [Val::Str(*s), Val::Date(*d), Val::Dec(*t), Val::Null, Val::Null, Val::Null]),
            cite(a, m, NEXT_MONTH_BAN, r) <-- prior(a, m, pm), big_open(a, pm, s, d, t, r);
        flag(a, m, NEXT_MONTH_BAN_FLAG), cite(a, m, NEXT_MONTH_BAN_FLAG, r), cite(a, m, NEXT_MONTH_BAN_FLAG, gr),
            note(a, m, NEXT_MONTH_BAN_FLAG, "missed", [Val::Str(*s), Val::Date(*d), Val::Dec(*g), Val::Dec(*t), Val::Null, Val::Null]) <--
            big_miss(a, m, s, d, t, g, r, gr);

        // ---- flag penalty.month-cancelled — on the admitted sessions of a cancelled month: they keep their verdict,
        //      without rewards.
        session_flag(s, MONTH_CANCELLED_FLAG) <-- admitted_in(a, m, s, _, _, _), cancelled(a, m);
        session_cite(s, MONTH_CANCELLED_FLAG, r), session_cite(s, MONTH_CANCELLED_FLAG, gr),
            session_note(s, MONTH_CANCELLED_FLAG, "missed", [Val::Str(*x), Val::Date(*d), Val::Dec(*g), Val::Dec(*t), Val::Null, Val::Null]) <--
            admitted_in(a, m, s, _, _, _), missed(a, m, x, d, t, g, r, gr);

        // ---- session.coupons — 流量券按场次发放 for an admitted session whose result reached its target, in a month
        //      not cancelled: the PV of the target's tier; for apparel, the category coupon and (定向邀约 only) the
        //      extra traffic of the anchor's best November session.
        relation month_ok(Sym, Month);
        relation reached(Sym, Sym, Date, Kind, Dec, Dec, bool, Rec);                            // session, anchor, date, kind, target, result, invited, result record
        relation coupon_at(Sym, Dec);
        relation bonus_at(Sym, Dec);
        month_ok(a, m) <-- anchor_month(a, m), !cancelled(a, m), !undecided(a, m);
        reached(s, a, *d, *k, *t, *g, *inv, *gr) <-- admitted_in(a, m, s, _, _, _), month_ok(a, m), application(s, a, d, k, t, _, inv, _),
            result(s, g, gr), if g >= t;
        coupon_at(s, *m) <-- reached(s, _, _, _, t, _, _, _), coupon_tier(m, _), if m <= t;
        reward(s, "traffic-coupons", *pv, "PV", *d, *gr),
            session_note(s, COUPONS, "coupon", [Val::Dec(*g), Val::Dec(*t), Val::Dec(top), Val::Null, Val::Null, Val::Null]) <--
            reached(s, _, d, _, t, g, _, gr), agg top = max(m) in coupon_at(s, m), coupon_tier(top, pv), if *pv > Dec::ZERO;
        bonus_at(s, *m) <-- reached(s, a, _, k, _, _, _, _), if *k == Kind::Apparel, history(a, best, _, _, _), bonus_tier(m, _, _), if m <= best;
        relation bonus(Sym, Dec);
        bonus(s, top) <-- reached(s, _, _, _, _, _, _, _), agg top = max(m) in bonus_at(s, m);
        reward(s, "category-coupon", *cat, "CNY", *d, *hr),
            session_note(s, COUPONS, "bonus", [Val::Dec(*best), Val::Dec(*top), Val::Null, Val::Null, Val::Null, Val::Null]) <--
            bonus(s, top), bonus_tier(top, cat, _), if *cat > Dec::ZERO, reached(s, a, d, _, _, _, _, _), history(a, best, _, _, hr);
        reward(s, "extra-traffic", *extra, "PV", *d, *hr) <--
            bonus(s, top), bonus_tier(top, _, extra), if *extra > Dec::ZERO, reached(s, a, d, _, _, _, inv, _), if *inv, history(a, _, _, _, hr);
    };

    let key = |a: Sym, m: Month| Key::Month(a, m);
    rows.subjects.extend(res.anchor_month.iter().map(|&(a, m)| key(a, m)));
    rows.checks
        .extend(res.check.iter().map(|&(a, m, c, o, ob, rq)| (key(a, m), c, o, ob, rq)));
    rows.cites.extend(res.cite.iter().map(|&(a, m, c, r)| (key(a, m), c, r)));
    rows.notes
        .extend(res.note.iter().map(|&(a, m, c, msg, args)| (key(a, m), c, msg, args)));
    rows.nests
        .extend(res.nest.iter().map(|&(a, m, c, s)| (key(a, m), c, Key::Session(s))));
    rows.flags.extend(res.flag.iter().map(|&(a, m, f)| (key(a, m), f)));
    rows.flags.extend(res.session_flag.iter().map(|&(s, f)| (Key::Session(s), f)));
    rows.cites.extend(res.session_cite.iter().map(|&(s, c, r)| (Key::Session(s), c, r)));
    rows.notes
        .extend(res.session_note.iter().map(|&(s, c, msg, args)| (Key::Session(s), c, msg, args)));
    let app_rec: HashMap<Sym, Rec> = inp.apps.iter().map(|a| (a.0, a.7)).collect();
    for &(s, kind, amount, unit, issue, r) in &res.reward {
        rows.rewards.push(Reward {
            subj: 0,
            clause: COUPONS,
            kind,
            amount,
            unit,
            extra: vec![
                ("issue_date", Val::Date(issue)),
                ("expire_date", Val::Date(issue.add_days(validity_days - 1))),
            ],
            evidence: vec![app_rec[&s], r],
        });
        rows.reward_keys.push(Key::Session(s));
    }
}

/// The strata's rows in the engine's shape.
fn into_derivation(input: &Input, rows: Rows) -> Derivation {
    let syms = &input.facts.syms;
    let kind = |k: &Key| match k {
        Key::Anchor(_) => ANCHOR,
        Key::Session(_) => SESSION,
        Key::Month(..) => ANCHOR_MONTH,
    };
    let mut subjects = Subjects::<Key>::default();
    for k in &rows.subjects {
        subjects.add(kind(k), *k, || match k {
            Key::Anchor(a) | Key::Session(a) => syms.resolve(*a).to_string(),
            Key::Month(a, m) => format!("{}@{m}", syms.resolve(*a)),
        });
    }
    let subj = |k: Key| subjects.get(kind(&k), k);
    let mut der = Derivation::default();
    der.checks
        .extend(rows.checks.iter().map(|&(k, clause, outcome, observed, required)| Check {
            subj: subj(k),
            clause,
            outcome,
            observed,
            required,
        }));
    der.cites.extend(rows.cites.iter().map(|&(k, c, r)| (subj(k), c, r)));
    // notes in a fixed order (the rules derive them in an order that depends on the input's)
    let mut notes: Vec<(u32, ClauseId, &'static str, [Val; 6])> = rows.notes.iter().map(|&(k, c, m, a)| (subj(k), c, m, a)).collect();
    notes.sort();
    notes.dedup();
    der.details.extend(notes.iter().map(|&(s, c, m, a)| Detail::note(s, c, m, &a)));
    der.details
        .extend(rows.details.into_iter().map(|(k, clause, path, msg, args, evidence)| Detail {
            subj: subj(k),
            clause,
            path,
            msg,
            args,
            evidence,
        }));
    der.tiers.extend(rows.tiers.iter().map(|&(k, t)| (subj(k), t)));
    der.flags.extend(rows.flags.iter().map(|&(k, f)| (subj(k), f)));
    der.nests.extend(rows.nests.iter().map(|&(k, c, inner)| (subj(k), c, subj(inner))));
    for (mut r, k) in rows.rewards.into_iter().zip(rows.reward_keys) {
        r.subj = subj(k);
        der.rewards.push(r);
    }
    der.subjects = subjects.into_list();
    der
}

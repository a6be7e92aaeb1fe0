-- douyin-nianhuo-2023 admission (catalogue §1, default parameters) as DuckDB SQL over the JSONL fact files, for
-- bench/run.py: the same verdicts as zhunru, subject by subject. Three-valued like zhunru: a clause is TRUE (pass),
-- FALSE (fail) or NULL (missing evidence); a subject is rejected when a clause is FALSE, else undetermined when one
-- is NULL, else admitted. `{dir}` is the fact directory, `{as_of}` the as-of time, `{out}` the verdict file written.

SET preserve_insertion_order = false;

CREATE TEMP TABLE p AS SELECT
    TIMESTAMP '{as_of}' AS as_of,
    CAST(TIMESTAMP '{as_of}' AS DATE) AS today,
    CAST(TIMESTAMP '{as_of}' AS DATE) - INTERVAL 59 DAY AS lookback_start,
    TIMESTAMP '2022-12-16 16:00:00' AS registration_start,
    TIMESTAMP '2023-01-07 23:59:59' AS registration_end,
    TIMESTAMP '2022-12-28 20:00:00' AS activity_start,
    TIMESTAMP '2023-01-07 23:59:59' AS activity_end,
    TIMESTAMP '2022-12-16 00:00:00' AS price_check_start,
    TIMESTAMP '2022-12-27 23:59:59' AS price_check_end,
    TIMESTAMP '2023-01-22 23:59:59' AS price_protection_end,
    4.5::DECIMAL(18, 6) AS min_experience_score,
    ['counterfeit', 'confusing_info', 'improper_gain'] AS banned_penalty_kinds,
    4.5::DECIMAL(18, 6) AS min_creator_reputation,
    5::DECIMAL(18, 6) AS max_false_advertising_points,
    ['global', 'virtual', 'second_hand'] AS price_protection_excluded_kinds;

-- Input relations (set semantics: identical lines are one fact)
CREATE MACRO rel(f, cols) AS TABLE SELECT DISTINCT * FROM read_json(f, format = 'newline_delimited', columns = cols);
CREATE TEMP TABLE merchant AS FROM rel('{dir}/merchant.jsonl', {shop_id: 'VARCHAR', kind: 'VARCHAR', novice: 'BOOLEAN'});
CREATE TEMP TABLE experience_score AS FROM rel('{dir}/experience_score.jsonl', {shop_id: 'VARCHAR', score: 'DECIMAL(18,6)', date: 'DATE'});
CREATE TEMP TABLE shop_link AS FROM rel('{dir}/shop_link.jsonl', {shop_id: 'VARCHAR', linked_shop_id: 'VARCHAR', basis: 'VARCHAR'});
CREATE TEMP TABLE penalty AS FROM rel('{dir}/penalty.jsonl', {penalty_id: 'VARCHAR', shop_id: 'VARCHAR', kind: 'VARCHAR', date: 'DATE'});
CREATE TEMP TABLE suspension AS FROM rel('{dir}/suspension.jsonl', {shop_id: 'VARCHAR', start: 'TIMESTAMP', "end": 'TIMESTAMP', reason: 'VARCHAR'});
CREATE TEMP TABLE marketing_restriction AS FROM rel('{dir}/marketing_restriction.jsonl', {shop_id: 'VARCHAR', start: 'TIMESTAMP', "end": 'TIMESTAMP', reason: 'VARCHAR'});
CREATE TEMP TABLE category AS FROM rel('{dir}/category.jsonl', {category_id: 'VARCHAR', name: 'VARCHAR', kind: 'VARCHAR', cross_store_discount: 'BOOLEAN'});
CREATE TEMP TABLE category_threshold AS FROM rel('{dir}/category_threshold.jsonl', {category_id: 'VARCHAR', return_rate: 'DECIMAL(18,6)', bad_review_rate: 'DECIMAL(18,6)', complaint_rate: 'DECIMAL(18,6)'});
CREATE TEMP TABLE product AS FROM rel('{dir}/product.jsonl', {product_id: 'VARCHAR', shop_id: 'VARCHAR', sku_key: 'VARCHAR', category_id: 'VARCHAR'});
CREATE TEMP TABLE product_metric AS FROM rel('{dir}/product_metric.jsonl', {product_id: 'VARCHAR', date: 'DATE', return_rate: 'DECIMAL(18,6)', bad_review_rate: 'DECIMAL(18,6)', complaint_rate: 'DECIMAL(18,6)'});
CREATE TEMP TABLE page_price AS FROM rel('{dir}/page_price.jsonl', {product_id: 'VARCHAR', price: 'DECIMAL(18,6)', "from": 'TIMESTAMP', "to": 'TIMESTAMP'});
CREATE TEMP TABLE registration AS FROM rel('{dir}/registration.jsonl', {product_id: 'VARCHAR', price: 'DECIMAL(18,6)', time: 'TIMESTAMP'});
CREATE TEMP TABLE recommended_price AS FROM rel('{dir}/recommended_price.jsonl', {product_id: 'VARCHAR', price: 'DECIMAL(18,6)'});
CREATE TEMP TABLE price_misconduct AS FROM rel('{dir}/price_misconduct.jsonl', {product_id: 'VARCHAR', kind: 'VARCHAR', time: 'TIMESTAMP'});
CREATE TEMP TABLE "order" AS FROM rel('{dir}/order.jsonl', {order_id: 'VARCHAR', product_id: 'VARCHAR', time: 'TIMESTAMP', price: 'DECIMAL(18,6)'});
CREATE TEMP TABLE discount_signup AS FROM rel('{dir}/discount_signup.jsonl', {shop_id: 'VARCHAR', time: 'TIMESTAMP'});
CREATE TEMP TABLE discount_withdrawal AS FROM rel('{dir}/discount_withdrawal.jsonl', {product_id: 'VARCHAR', time: 'TIMESTAMP'});
CREATE TEMP TABLE creator AS FROM rel('{dir}/creator.jsonl', {creator_id: 'VARCHAR', reputation: 'DECIMAL(18,6)'});
CREATE TEMP TABLE creator_deduction AS FROM rel('{dir}/creator_deduction.jsonl', {creator_id: 'VARCHAR', kind: 'VARCHAR', points: 'DECIMAL(18,6)', date: 'DATE'});
CREATE TEMP TABLE creator_violation AS FROM rel('{dir}/creator_violation.jsonl', {creator_id: 'VARCHAR', kind: 'VARCHAR', date: 'DATE'});

-- The outcome lists of a subject from its clauses (name, TRUE/FALSE/NULL)
CREATE MACRO failed_of(cs) AS list_sort(list_transform(list_filter(cs, lambda c: c.v = false), lambda c: 'douyin-nianhuo-2023/' || c.c));
CREATE MACRO missing_of(cs) AS list_sort(list_transform(list_filter(cs, lambda c: c.v IS NULL), lambda c: 'douyin-nianhuo-2023/' || c.c));
CREATE MACRO verdict_of(cs) AS CASE
    WHEN len(failed_of(cs)) > 0 THEN 'rejected'
    WHEN len(missing_of(cs)) > 0 THEN 'undetermined'
    ELSE 'admitted' END;
CREATE MACRO carried(verdict) AS CASE verdict WHEN 'admitted' THEN true WHEN 'rejected' THEN false END;

-- Subjects and latest readings
CREATE TEMP TABLE latest_registration AS
    SELECT product_id, arg_max(price, time) AS price, max(time) AS time
    FROM registration, p WHERE time <= as_of GROUP BY product_id;
CREATE TEMP TABLE latest_score AS
    SELECT shop_id, arg_max(score, date) AS score FROM experience_score, p WHERE date <= today GROUP BY shop_id;
CREATE TEMP TABLE shops AS
    SELECT shop_id FROM merchant
    UNION SELECT shop_id FROM experience_score, p WHERE date <= today
    UNION SELECT shop_id FROM product JOIN latest_registration USING (product_id);

-- 店铺及其关联店铺: connected components of the undirected links (label = least shop id reached)
CREATE TEMP TABLE edge AS
    SELECT shop_id AS a, linked_shop_id AS b FROM shop_link WHERE shop_id <> linked_shop_id
    UNION SELECT linked_shop_id, shop_id FROM shop_link WHERE shop_id <> linked_shop_id;
CREATE TEMP TABLE component AS
    WITH RECURSIVE reach(a, b) AS (
        SELECT a, a FROM edge
        UNION SELECT reach.a, edge.b FROM reach JOIN edge ON reach.b = edge.a)
    SELECT a AS shop_id, min(b) AS label FROM reach GROUP BY a;
CREATE MACRO label_of(s) AS coalesce((SELECT label FROM component WHERE shop_id = s), s);
CREATE TEMP TABLE offending_component AS
    SELECT DISTINCT coalesce(c.label, x.shop_id) AS label, x.what FROM (
        SELECT shop_id, 'penalty' AS what FROM penalty, p WHERE list_contains(banned_penalty_kinds, kind) AND date <= today
        UNION ALL SELECT shop_id, 'suspension' FROM suspension, p WHERE start <= as_of AND ("end" IS NULL OR as_of < "end")
        UNION ALL SELECT shop_id, 'restriction' FROM marketing_restriction, p WHERE start <= as_of AND ("end" IS NULL OR as_of < "end")
    ) x LEFT JOIN component c USING (shop_id);

CREATE TEMP TABLE shop_verdict AS
WITH judged AS (
    SELECT s.shop_id, [
        {c: 'merchant.not-novice', v: NOT m.novice},
        {c: 'merchant.experience-score', v: ls.score >= (SELECT min_experience_score FROM p)},
        {c: 'merchant.penalty-history', v: NOT EXISTS (SELECT 1 FROM offending_component o WHERE o.label = coalesce(c.label, s.shop_id) AND o.what = 'penalty')},
        {c: 'merchant.not-suspended', v: NOT EXISTS (SELECT 1 FROM offending_component o WHERE o.label = coalesce(c.label, s.shop_id) AND o.what = 'suspension')},
        {c: 'merchant.not-restricted', v: NOT EXISTS (SELECT 1 FROM offending_component o WHERE o.label = coalesce(c.label, s.shop_id) AND o.what = 'restriction')}
    ] AS cs
    FROM shops s LEFT JOIN merchant m USING (shop_id) LEFT JOIN latest_score ls USING (shop_id) LEFT JOIN component c USING (shop_id))
SELECT shop_id, verdict_of(cs) AS verdict, failed_of(cs) AS failed, missing_of(cs) AS missing FROM judged;

-- Products (subjects: products with a registration at or before as-of)
CREATE TEMP TABLE latest_metric AS
    SELECT product_id, arg_max(return_rate, date) AS return_rate, arg_max(bad_review_rate, date) AS bad_review_rate,
        arg_max(complaint_rate, date) AS complaint_rate
    FROM product_metric, p WHERE date <= today GROUP BY product_id;
CREATE TEMP TABLE check_price AS
    SELECT q.shop_id, q.sku_key, min(pp.price) AS price
    FROM product q JOIN page_price pp USING (product_id), p
    WHERE pp."from" <= price_check_end AND (pp."to" IS NULL OR pp."to" > price_check_start)
    GROUP BY q.shop_id, q.sku_key;
CREATE TEMP TABLE product_verdict AS
WITH judged AS (
    SELECT r.product_id, q.shop_id, q.sku_key, q.category_id, r.price AS declared, [
        {c: 'product.merchant-admitted', v: carried(sv.verdict)},
        {c: 'product.registered', v: r.time BETWEEN (SELECT registration_start FROM p) AND (SELECT registration_end FROM p)},
        {c: 'product.return-rate', v: lm.return_rate <= t.return_rate},
        {c: 'product.bad-review-rate', v: lm.bad_review_rate <= t.bad_review_rate},
        {c: 'product.complaint-rate', v: lm.complaint_rate <= t.complaint_rate},
        {c: 'product.price-conduct', v: NOT EXISTS (SELECT 1 FROM price_misconduct pm, p WHERE pm.product_id = r.product_id AND pm.time <= as_of)},
        {c: 'product.discount-withdrawn', v: NOT EXISTS (SELECT 1 FROM discount_withdrawal w WHERE w.product_id = r.product_id AND w.time < r.time)}
    ] AS cs
    FROM latest_registration r JOIN product q USING (product_id) JOIN shop_verdict sv USING (shop_id)
    LEFT JOIN latest_metric lm USING (product_id) LEFT JOIN category_threshold t USING (category_id))
SELECT j.product_id, j.shop_id, j.category_id, verdict_of(cs) AS verdict, failed_of(cs) AS failed, missing_of(cs) AS missing,
    CASE WHEN verdict_of(cs) <> 'admitted' THEN NULL
        WHEN cp.price IS NULL OR j.declared > cp.price THEN 'basic'
        WHEN j.declared <= rp.price THEN 'traffic-boost'
        ELSE 'resource-support' END AS tier,
    CASE WHEN verdict_of(cs) <> 'admitted' THEN []::VARCHAR[] ELSE list_sort(list_filter([
        CASE WHEN cp.price IS NULL THEN 'douyin-nianhuo-2023/product.check-price-unavailable' END,
        CASE WHEN NOT EXISTS (SELECT 1 FROM "order" o, p WHERE o.product_id = j.product_id AND o.time <= as_of AND o.time < activity_start)
            THEN 'douyin-nianhuo-2023/product.pre-activity-orders' END,
        CASE WHEN EXISTS (SELECT 1 FROM discount_signup d, p WHERE d.shop_id = j.shop_id AND d.time <= as_of)
            AND cat.cross_store_discount
            AND NOT EXISTS (SELECT 1 FROM discount_withdrawal w, p WHERE w.product_id = j.product_id AND w.time <= as_of)
            THEN 'douyin-nianhuo-2023/discount.applies' END], lambda f: f IS NOT NULL)) END AS flags
FROM judged j JOIN category cat USING (category_id)
LEFT JOIN check_price cp ON cp.shop_id = j.shop_id AND cp.sku_key = j.sku_key
LEFT JOIN recommended_price rp ON rp.product_id = j.product_id;

-- Orders (价格保护) of product subjects, paid at or before as-of
CREATE TEMP TABLE order_verdict AS
WITH judged AS (
    SELECT o.order_id, o.product_id, o.time, o.price, [
        {c: 'price-protection.product-admitted', v: carried(pv.verdict)},
        {c: 'price-protection.enabled', v: CASE
            WHEN list_contains((SELECT price_protection_excluded_kinds FROM p), cat.kind)
                OR list_contains((SELECT price_protection_excluded_kinds FROM p), m.kind) THEN false
            WHEN m.shop_id IS NULL THEN NULL
            ELSE true END},
        {c: 'price-protection.paid-in-activity', v: o.time BETWEEN (SELECT activity_start FROM p) AND (SELECT activity_end FROM p)}
    ] AS cs
    FROM "order" o JOIN product_verdict pv USING (product_id) JOIN category cat USING (category_id)
    LEFT JOIN merchant m ON m.shop_id = pv.shop_id, p
    WHERE o.time <= as_of),
lowest AS (
    SELECT j.order_id, min(pp.price) AS price FROM judged j JOIN page_price pp USING (product_id), p
    WHERE pp."from" <= price_protection_end AND (pp."to" IS NULL OR pp."to" > j.time)
    GROUP BY j.order_id)
SELECT j.order_id, verdict_of(cs) AS verdict, failed_of(cs) AS failed, missing_of(cs) AS missing,
    CASE WHEN verdict_of(cs) = 'admitted' AND l.price < j.price
        THEN [{kind: 'price-difference', amount: j.price - l.price}] ELSE [] END AS rewards
FROM judged j LEFT JOIN lowest l USING (order_id);

-- Creators
CREATE TEMP TABLE creator_verdict AS
WITH subjects AS (
    SELECT creator_id FROM creator
    UNION SELECT creator_id FROM creator_deduction, p WHERE date <= today
    UNION SELECT creator_id FROM creator_violation, p WHERE date <= today),
judged AS (
    SELECT s.creator_id, [
        {c: 'creator.reputation', v: c.reputation >= (SELECT min_creator_reputation FROM p)},
        {c: 'creator.offsite-diversion', v: NOT EXISTS (SELECT 1 FROM creator_deduction d, p WHERE d.creator_id = s.creator_id
            AND d.kind = 'offsite_diversion' AND d.date BETWEEN lookback_start AND today)},
        {c: 'creator.false-advertising', v: coalesce((SELECT sum(points) FROM creator_deduction d, p WHERE d.creator_id = s.creator_id
            AND d.kind = 'false_advertising' AND d.date BETWEEN lookback_start AND today), 0) <= (SELECT max_false_advertising_points FROM p)},
        {c: 'creator.prohibited-share', v: NOT EXISTS (SELECT 1 FROM creator_violation x, p WHERE x.creator_id = s.creator_id
            AND x.kind = 'prohibited_share' AND x.date BETWEEN lookback_start AND today)}
    ] AS cs
    FROM subjects s LEFT JOIN creator c USING (creator_id))
SELECT creator_id, verdict_of(cs) AS verdict, failed_of(cs) AS failed, missing_of(cs) AS missing FROM judged;

-- Every verdict, in zhunru's order (kind, id)
COPY (
    SELECT * FROM (
        SELECT 'creator' AS kind, creator_id AS id, verdict, NULL::VARCHAR AS tier, failed, missing, []::VARCHAR[] AS flags,
            []::STRUCT(kind VARCHAR, amount DECIMAL(18, 6))[] AS rewards FROM creator_verdict
        UNION ALL SELECT 'order', order_id, verdict, NULL, failed, missing, [], rewards FROM order_verdict
        UNION ALL SELECT 'product', product_id, verdict, tier, failed, missing, flags, [] FROM product_verdict
        UNION ALL SELECT 'shop', shop_id, verdict, NULL, failed, missing, [], [] FROM shop_verdict)
    ORDER BY kind, id
) TO '{out}' (FORMAT JSON);

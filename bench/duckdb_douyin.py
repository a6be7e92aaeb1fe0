#!/usr/bin/env python3
"""douyin-nianhuo-2023 by DuckDB (bench/douyin.sql) over a generated fact set, and its verdicts compared with zhunru's
subject by subject. Used by bench/run.py; alone:

    python3 bench/duckdb_douyin.py FACTS_DIR SQL_VERDICTS_OUT [ZHUNRU_VERDICTS]

prints the wall time of the SQL run and, given zhunru's verdict file, the number of subjects on which they disagree.
Needs the duckdb Python package (`pip install duckdb`, which bench/run.py does on first use).
"""
import json, os, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))

COMPARE = """
CREATE TEMP TABLE z AS SELECT subject.kind AS kind, subject.id AS id, verdict, tier, list_sort(failed) AS failed,
    list_sort(missing) AS missing, list_sort(flags) AS flags,
    list_transform(rewards, lambda r: {kind: r.kind, amount: r.amount}) AS rewards
FROM read_json('{zhunru}', format = 'newline_delimited', columns = {program: 'VARCHAR',
    subject: 'STRUCT(kind VARCHAR, id VARCHAR)', verdict: 'VARCHAR', tier: 'VARCHAR', failed: 'VARCHAR[]',
    missing: 'VARCHAR[]', flags: 'VARCHAR[]', rewards: 'STRUCT(kind VARCHAR, amount DECIMAL(18,6), unit VARCHAR)[]'});
CREATE TEMP TABLE s AS SELECT kind, id, verdict, tier, failed, missing, flags,
    list_transform(rewards, lambda r: {kind: r.kind, amount: r.amount}) AS rewards
FROM read_json('{sql}', format = 'newline_delimited', columns = {kind: 'VARCHAR', id: 'VARCHAR', verdict: 'VARCHAR',
    tier: 'VARCHAR', failed: 'VARCHAR[]', missing: 'VARCHAR[]', flags: 'VARCHAR[]',
    rewards: 'STRUCT(kind VARCHAR, amount DECIMAL(18,6))[]'});
"""
DIFFER = """
SELECT coalesce(z.kind, s.kind), coalesce(z.id, s.id), to_json(z), to_json(s)
FROM z FULL JOIN s ON z.kind = s.kind AND z.id = s.id
WHERE z.id IS NULL OR s.id IS NULL OR z.verdict IS DISTINCT FROM s.verdict OR z.tier IS DISTINCT FROM s.tier
    OR z.failed <> s.failed OR z.missing <> s.missing OR z.flags <> s.flags OR z.rewards <> s.rewards
ORDER BY 1, 2
"""


def run_sql(facts, out):
    """Runs the SQL; returns its wall time in seconds."""
    import duckdb
    as_of = json.load(open(os.path.join(facts, 'params.json')))['as_of']
    if len(as_of) == 10:
        as_of += 'T23:59:59'
    sql = open(os.path.join(HERE, 'douyin.sql')).read()
    sql = sql.replace('{dir}', facts).replace('{as_of}', as_of.replace('T', ' ')).replace('{out}', out)
    start = time.monotonic()
    con = duckdb.connect()
    con.execute(sql)
    con.close()
    return time.monotonic() - start


def disagreements(zhunru, sql, show=5):
    """The number of subjects on which the two verdict files differ, and the first few of them."""
    import duckdb
    con = duckdb.connect()
    con.execute(COMPARE.replace('{zhunru}', zhunru).replace('{sql}', sql))
    rows = con.execute(DIFFER).fetchall()
    total = con.execute('SELECT (SELECT count(*) FROM z), (SELECT count(*) FROM s)').fetchone()
    con.close()
    return len(rows), rows[:show], total


if __name__ == '__main__':
    facts, out = sys.argv[1], sys.argv[2]
    print(f'duckdb: {run_sql(facts, out):.2f} s')
    if len(sys.argv) > 3:
        n, first, (nz, ns) = disagreements(sys.argv[3], out)
        print(f'{nz} zhunru subjects, {ns} SQL subjects, {n} disagreements')
        for row in first:
            print(*row, sep='\n  ')
        sys.exit(1 if n else 0)

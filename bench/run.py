#!/usr/bin/env python3
"""The scale benchmark of douyin-nianhuo-2023 (issue 8): for each size, generate a synthetic fact set, time the parse
floor (examples/parse_floor.rs: read and deserialize every line into typed records, nothing else) and the end-to-end
`zhunru run` (load + rules + verdicts + JSONL written to a file) and the same rules as DuckDB SQL over the same files
(bench/douyin.sql, run by bench/duckdb_douyin.py), check that DuckDB and zhunru agree subject by subject, and print one
table. The duckdb Python package is installed with pip on first use.

    python3 bench/run.py                 # 10k and 100k shops
    python3 bench/run.py 10000 1000000   # any sizes
    BENCH_DIR=/big/disk python3 bench/run.py
    BENCH_REPEAT=3 python3 bench/run.py  # each timed command 3 times, the fastest run kept

On a shared VM one run's wall time can wander by a quarter; with BENCH_REPEAT the floor, zhunru and DuckDB are each
run that many times (alternating, so a slow spell hits all three) and each keeps its fastest run.

Fact sets are generated once per size and seed under $BENCH_DIR (default /tmp/zhunru-bench) and reused. Peak RSS is the
child's maximum resident set (getrusage). Release builds only; nothing here runs in CI.
"""
import importlib.util, os, re, resource, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, 'target', 'release', 'zhunru')
FLOOR = os.path.join(ROOT, 'target', 'release', 'examples', 'parse_floor')
PROGRAM = 'douyin-nianhuo-2023'
SEED = 7


# Measures one command in a fresh Python process, so that getrusage's peak RSS of children is that command's alone.
WRAPPER = """import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
w = time.monotonic() - t
sys.stderr.buffer.write(r.stderr)
sys.stdout.write(f"{r.returncode} {w} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}\\n")
sys.stdout.buffer.write(r.stdout[-4000:])
"""


def run(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS in MB, stderr, the tail of stdout)."""
    p = subprocess.run([sys.executable, '-c', WRAPPER] + cmd, capture_output=True, text=True, env=env)
    first, _, stdout = p.stdout.partition('\n')
    code, wall, rss = first.split()
    if code != '0':
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{p.stderr[-4000:]}")
    return float(wall), float(rss), p.stderr, stdout


def fastest(runs):
    """The run with the least wall time of several (wall time first in each)."""
    return min(runs, key=lambda r: r[0])


def main():
    repeat = max(1, int(os.environ.get('BENCH_REPEAT', '1')))
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    base = os.environ.get('BENCH_DIR', '/tmp/zhunru-bench')
    os.makedirs(base, exist_ok=True)
    if importlib.util.find_spec('duckdb') is None:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', 'duckdb'], check=True)
    sys.path.insert(0, os.path.join(ROOT, 'bench'))
    import duckdb_douyin
    subprocess.run(['cargo', 'build', '--release', '--quiet'], cwd=ROOT, check=True)
    subprocess.run(['cargo', 'build', '--release', '--quiet', '--example', 'parse_floor'], cwd=ROOT, check=True)
    rows = []
    for n in sorted(sizes):
        facts = os.path.join(base, f'douyin-{n}-seed{SEED}')
        if not os.path.exists(os.path.join(facts, 'params.json')):
            gen, _, _, _ = run([BIN, 'generate', PROGRAM, '--shops', str(n), '--seed', str(SEED), '--out', facts])
        else:
            gen = float('nan')
        size_mb = sum(os.path.getsize(os.path.join(facts, f)) for f in os.listdir(facts)) / 1e6
        out = os.path.join(base, f'verdicts-{n}.jsonl')
        sql_out = os.path.join(base, f'duckdb-{n}.jsonl')
        env = dict(os.environ, ZHUNRU_TIMINGS='1')
        floors, zhunrus, sqls = [], [], []
        for _ in range(repeat):
            floors.append(run([FLOOR, facts]))
            zhunrus.append(run([BIN, 'run', PROGRAM, '--facts', facts, '--out', out], env=env))
            _, sql_rss, _, said = run([sys.executable, os.path.join(ROOT, 'bench', 'duckdb_douyin.py'), facts, sql_out])
            sqls.append((float(re.search(r'duckdb: ([0-9.]+) s', said).group(1)), sql_rss))
        floor, floor_rss, _, _ = fastest(floors)
        wall, rss, err, _ = fastest(zhunrus)
        sql, sql_rss = fastest(sqls)
        phase = {m.group(1): float(m.group(2)) for m in re.finditer(r'timing: (load|rules and verdicts) ([0-9.]+)s', err)}
        # the lines are written while the rules run: what is left is writing the rest, and start-up
        write = wall - sum(phase.values())
        differ, first, (subjects, _) = duckdb_douyin.disagreements(out, sql_out)
        for row in first:
            print('disagreement:', *row, sep='\n  ', file=sys.stderr)
        rows.append((n, size_mb, gen, floor, wall, rss, phase.get('load', 0), phase.get('rules and verdicts', 0),
                     write, sql, sql_rss, subjects, differ))
    head = ('shops', 'input MB', 'generate s', 'floor s', 'zhunru s', 'peak RSS MB', 'load s', 'rules+verdicts s',
            'write after rules s', 'duckdb s', 'duckdb RSS MB', 'zhunru/floor', 'zhunru/duckdb', 'ms per 1k shops', 'subjects',
            'disagreements')
    print(' | '.join(head))
    print(' | '.join('---' for _ in head))
    for n, mb, gen, floor, wall, rss, load, rules, write, sql, sql_rss, subjects, differ in rows:
        print(f'{n} | {mb:.0f} | {gen:.1f} | {floor:.2f} | {wall:.2f} | {rss:.0f} | {load:.2f} | {rules:.2f} | '
              f'{write:.2f} | {sql:.2f} | {sql_rss:.0f} | {wall / floor:.1f} | {wall / sql:.2f} | '
              f'{wall / n * 1e6:.0f} | {subjects} | {differ}')
    if any(r[-1] for r in rows):
        sys.exit('zhunru and DuckDB disagree')


if __name__ == '__main__':
    main()

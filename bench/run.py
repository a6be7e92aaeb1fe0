#!/usr/bin/env python3
"""The scale benchmark of douyin-nianhuo-2023 (issue 8): for each size, generate a synthetic fact set, time the parse
floor (examples/parse_floor.rs: read and deserialize every line into typed records, nothing else) and the end-to-end
`zhunru run` (load + rules + verdicts + JSONL written to a file), and print one table.

    python3 bench/run.py                 # 10k and 100k shops
    python3 bench/run.py 10000 1000000   # any sizes
    BENCH_DIR=/big/disk python3 bench/run.py

Fact sets are generated once per size and seed under $BENCH_DIR (default /tmp/zhunru-bench) and reused. Peak RSS is the
child's maximum resident set (getrusage). Release builds only; nothing here runs in CI.
"""
import os, re, resource, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, 'target', 'release', 'zhunru')
FLOOR = os.path.join(ROOT, 'target', 'release', 'examples', 'parse_floor')
PROGRAM = 'douyin-nianhuo-2023'
SEED = 7


def run(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS in MB of this child, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.monotonic() - start
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss is the largest child so far: run the sizes in increasing order so that each one is its own peak
    return wall, max(peak, before) / 1024, p.stderr


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    base = os.environ.get('BENCH_DIR', '/tmp/zhunru-bench')
    os.makedirs(base, exist_ok=True)
    subprocess.run(['cargo', 'build', '--release', '--quiet'], cwd=ROOT, check=True)
    subprocess.run(['cargo', 'build', '--release', '--quiet', '--example', 'parse_floor'], cwd=ROOT, check=True)
    rows = []
    for n in sorted(sizes):
        facts = os.path.join(base, f'douyin-{n}-seed{SEED}')
        if not os.path.exists(os.path.join(facts, 'params.json')):
            gen, _, _ = run([BIN, 'generate', PROGRAM, '--shops', str(n), '--seed', str(SEED), '--out', facts])
        else:
            gen = float('nan')
        size_mb = sum(os.path.getsize(os.path.join(facts, f)) for f in os.listdir(facts)) / 1e6
        floor, floor_rss, _ = run([FLOOR, facts])
        out = os.path.join(base, f'verdicts-{n}.jsonl')
        env = dict(os.environ, ZHUNRU_TIMINGS='1')
        wall, rss, err = run([BIN, 'run', PROGRAM, '--facts', facts, '--out', out], env=env)
        phase = {m.group(1): float(m.group(2)) for m in re.finditer(r'timing: (load|rules|verdicts) ([0-9.]+)s', err)}
        write = wall - sum(phase.values())
        rows.append((n, size_mb, gen, floor, wall, rss, phase.get('load', 0), phase.get('rules', 0), phase.get('verdicts', 0), write))
    head = ('shops', 'input MB', 'generate s', 'floor s', 'zhunru s', 'peak RSS MB', 'load s', 'rules s', 'verdicts s',
            'write s', 'zhunru/floor', 'ms per 1k shops')
    print(' | '.join(head))
    print(' | '.join('---' for _ in head))
    for n, mb, gen, floor, wall, rss, load, rules, verdicts, write in rows:
        print(f'{n} | {mb:.0f} | {gen:.1f} | {floor:.2f} | {wall:.2f} | {rss:.0f} | {load:.2f} | {rules:.2f} | '
              f'{verdicts:.2f} | {write:.2f} | {wall / floor:.1f} | {wall / n * 1e6:.0f}')


if __name__ == '__main__':
    main()

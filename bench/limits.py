#!/usr/bin/env python3
"""Resource limits of linked-store closure (issue 9): douyin-nianhuo-2023 over pathological link graphs of N shops
(N-line `merchant` and `shop_link` files), with one banned penalty at the far end of the graph:

- chain: S0 – S1 – … – S(N-1), one component of diameter N-1;
- star: S0 linked to every other shop, one component of diameter 2;
- random: N random links among N shops (a giant component of ~80% of the shops, many small ones).

For each graph: wall time and peak RSS of `zhunru run` (every shop judged) and of `zhunru explain` of the shop
farthest from the penalty (the shortest link chain is built for it).

    python3 bench/limits.py              # N = 1 000 000
    python3 bench/limits.py 100000
"""
import os, random, resource, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, 'target', 'release', 'zhunru')
PROGRAM = 'douyin-nianhuo-2023'


def measure(cmd):
    """Runs cmd in a fresh process and returns (wall s, peak RSS MB) of that process alone."""
    wrapper = ('import resource,subprocess,sys,time;t=time.monotonic();'
               'r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);'
               'w=time.monotonic()-t;'
               'sys.stderr.write(r.stderr.decode()[-2000:]) if r.returncode else None;'
               'print(r.returncode,w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)')
    out = subprocess.run([sys.executable, '-c', wrapper] + cmd, capture_output=True, text=True, check=True)
    code, wall, rss = out.stdout.split()
    if code != '0':
        sys.exit(f"{' '.join(cmd)} exited {code}: {out.stderr}")
    return float(wall), float(rss)


def write_graph(dir, n, kind):
    os.makedirs(dir, exist_ok=True)
    rng = random.Random(1)
    with open(os.path.join(dir, 'merchant.jsonl'), 'w') as f:
        for i in range(n):
            f.write(f'{{"shop_id":"S{i:07}","kind":"store","novice":false}}\n')
    with open(os.path.join(dir, 'shop_link.jsonl'), 'w') as f:
        for i in range(1, n):
            a, b = {'chain': (i - 1, i), 'star': (0, i), 'random': (rng.randrange(n), rng.randrange(n))}[kind]
            f.write(f'{{"shop_id":"S{a:07}","linked_shop_id":"S{b:07}","basis":"same legal representative"}}\n')
    far = n - 1
    with open(os.path.join(dir, 'penalty.jsonl'), 'w') as f:
        f.write(f'{{"penalty_id":"P1","shop_id":"S{far:07}","kind":"counterfeit","date":"2022-06-03"}}\n')
    with open(os.path.join(dir, 'params.json'), 'w') as f:
        f.write('{"as_of": "2023-01-05T12:00:00"}\n')
    # explain the other end of the chain; in the star and the random graph, a shop linked to the penalised one
    if kind == 'chain':
        return 'S0000000'
    with open(os.path.join(dir, 'shop_link.jsonl')) as f:
        for line in f:
            if f'"S{far:07}"' in line:
                a, b = line.split('"shop_id":"')[1][:8], line.split('"linked_shop_id":"')[1][:8]
                return a if b == f'S{far:07}' else b
    return 'S0000000'


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    base = os.environ.get('BENCH_DIR', '/tmp/zhunru-bench')
    subprocess.run(['cargo', 'build', '--release', '--quiet'], cwd=ROOT, check=True)
    print(f'{n} shops | run s | run peak RSS MB | explain s | explain peak RSS MB | explained')
    print('--- | --- | --- | --- | --- | ---')
    for kind in ['chain', 'star', 'random']:
        dir = os.path.join(base, f'links-{kind}-{n}')
        who = write_graph(dir, n, kind)
        run = measure([BIN, 'run', PROGRAM, '--facts', dir, '--quiet', '--out', os.path.join(base, f'links-{kind}.jsonl')])
        exp = measure([BIN, 'explain', PROGRAM, '--facts', dir, '--subject', f'shop:{who}'])
        print(f'{kind} | {run[0]:.1f} | {run[1]:.0f} | {exp[0]:.1f} | {exp[1]:.0f} | {who}')


if __name__ == '__main__':
    main()

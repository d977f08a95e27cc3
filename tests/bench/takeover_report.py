# SPDX-License-Identifier: MIT
"""Takeover times of the cluster benchmarks from takeover_runs' files.

    takeover_report.py BENCH_DIR WALL_S LABEL:PROFILE:METHOD ...

For each LABEL (BENCH_DIR/LABEL/runs, LABEL.check, LABEL.stale): per run,
partition -> NODE_FENCED committed -> the new owner's first write, with
the checker's estimates (guest times mapped with the nearest clock
sample), the causes of slow runs (failover_causes.py), percentiles and
the design's bounds for METHOD: "wait" (rule 5: the commit waits W after
the last grant) or "pr" (rule 13: the commit follows the preempt, the
member is lost after pr_fence_after = election_max). Prints one JSON
object: {"labels": {LABEL: {...}}, "runs", "stale_writes", "wall_s"}.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failover_causes import node_events, run_causes  # noqa: E402

PROFILES = {'default': dict(hb=100, emax=800, L=1500, F=1000),
            'fast': dict(hb=50, emax=300, L=500, F=300)}
RHO = 1000e-6
TAKE = re.compile(r'takeover epoch=\d+ from=(\d+) gen=\d+ commit_est_ns=(\d+) first_write_est_ns=(\d+)')


def pct(a, q):
    a = sorted(a)
    return round(a[min(len(a) - 1, int(q * len(a)))], 1) if a else None


def bounds(t, method):
    W = (t['L'] + t['F']) * (1 + RHO) / (1 - RHO)
    if method == 'pr':
        # lost after election_max of silence, one round to preempt and
        # commit; a cut-off leader is lost about when its successor wins
        return dict(W=None, min=t['emax'], max_follower=t['emax'] + 3 * t['hb'],
                    max_leader=2 * t['emax'] + 4 * t['hb'])
    return dict(W=round(W, 1), min=round(W - t['hb'], 1), max_follower=round(W + 2 * t['hb'], 1),
                max_leader=round(t['emax'] + W + 3 * t['hb'], 1))


def one(b, label, profile, method):
    d = os.path.join(b, label)
    try:
        runs = [l.split() for l in open(os.path.join(d, 'runs'))]
        chk = open(os.path.join(b, label + '.check')).read()
        stale = int(open(os.path.join(b, label + '.stale')).read().strip() or 999)
    except OSError:
        return None
    tk = [(int(m.group(1)), int(m.group(2)), int(m.group(3))) for m in TAKE.finditer(chk)]
    bd = bounds(PROFILES[profile], method)
    ev = node_events(os.path.join(d, 'vm'))
    take, fence, rows = [], [], []
    for r in runs:
        run, v, l, tp = int(r[0]), int(r[1]), int(r[2]), int(r[3])
        # the run's takeover: the first one away from the victim whose
        # first write lands after this partition. qfcheck names the fence
        # of the region's last writer on disk; when the victim had lapsed
        # and rejoined earlier without writing the region again, that fence
        # committed before this partition: the takeover did not wait for
        # this run's fence, and the run has no fence time of its own.
        c = [x for x in tk if x[0] == v and x[2] > tp and x[2] - tp < 60e9]
        if not c:
            continue
        _, cm, fw = min(c, key=lambda x: x[2])
        take.append((fw - tp) / 1e6)
        row = {'run': run, 'victim': v, 'leader': l, 'victim_was_leader': v == l,
               'fence_committed_ms': round((cm - tp) / 1e6, 1) if cm > tp else None,
               'takeover_ms': round((fw - tp) / 1e6, 1)}
        if cm > tp:
            fence.append((cm - tp) / 1e6)
        bound = bd['max_leader'] if v == l else bd['max_follower']
        row['causes'], row['slow'] = run_causes(ev, row, tp, max(cm, tp), fw, bound)
        if cm <= tp:
            row['causes'] = [x for x in row['causes'] if not x.startswith('write-late')]
            row['causes'].append('region-fence-earlier (its last writer was fenced %.0f ms before this partition)' % ((tp - cm) / 1e6))
        if row['slow']:
            print('%s run %d slow (%.0f ms): %s' % (label, run, row['takeover_ms'], '; '.join(row['causes'])),
                  file=sys.stderr)
        rows.append(row)

    def count(name):
        try:
            with open(os.path.join(d, name)) as f:
                return len(f.readlines()) if name == 'failed' else int(f.read().strip() or 0)
        except OSError:
            return 0
    fol = [x['takeover_ms'] for x in rows if not x['victim_was_leader']]
    led = [x['takeover_ms'] for x in rows if x['victim_was_leader']]
    return {'profile': profile, 'method': method, 'runs': len(take), 'stale_writes': stale,
            'takeover_ms': {'p50': pct(take, 0.5), 'p99': pct(take, 0.99), 'max': pct(take, 1.0)},
            'takeover_ms_victim_follower': {'runs': len(fol), 'p50': pct(fol, 0.5), 'p99': pct(fol, 0.99)},
            'takeover_ms_victim_leader': {'runs': len(led), 'p50': pct(led, 0.5), 'p99': pct(led, 0.99)},
            'fence_ms': {'p50': pct(fence, 0.5), 'p99': pct(fence, 0.99)},
            'bound_ms': bd, 'detail': rows,
            'slow_runs': [{'run': x['run'], 'takeover_ms': x['takeover_ms'], 'causes': x['causes']}
                          for x in rows if x['slow']],
            'failed_runs': count('failed'), 'healthy_lapses': count('lapsed')}


def main():
    b, wall = sys.argv[1], int(sys.argv[2])
    res = {'labels': {}, 'runs': 0, 'stale_writes': 0, 'wall_s': wall,
           'unit': 'ms, host real time from partition',
           'method': 'partition = host time of the nft rule; commit and first write = guest times '
                     'mapped with the nearest clock sample'}
    for spec in sys.argv[3:]:
        label, profile, method = spec.split(':')
        r = one(b, label, profile, method)
        if r is None:
            continue
        res['labels'][label] = r
        res['runs'] += r['runs']
        res['stale_writes'] += r['stale_writes']
    json.dump(res, sys.stdout, indent=1)


if __name__ == '__main__':
    main()

#!/bin/bash
# SPDX-License-Identifier: MIT
# Failover benchmark on the real 3-VM cluster (tests/cluster/lib.sh):
# partition -> NODE_FENCED committed -> the new owner's first write to the
# contested region, per run, for the default and the fast timing profile.
#
#   tests/bench/failover.bench.sh [RUNS_DEFAULT [RUNS_FAST]]   (20 20)
#
# RUNS 0 skips a profile and keeps its results of an earlier invocation.
# FAILOVER_BUDGET_S (default 420) bounds each profile: no run starts after
# it (a starved emulated cluster that keeps lapsing must not hang the
# bench); runs that did not happen are visible in the JSON.
#
# Each run isolates the node that owns the contested region, waits for the
# takeover, heals and rejoins it. The checker then reads the disk and the
# logs of all runs (stale_writes must be 0) and gives, per takeover, the
# commit time and the first write, both mapped to host time with the
# nearest clock sample (estimates; the checker's verdicts use the
# conservative intervals). Writes build/bench/failover.json and the
# timeline of one run, build/bench/failover-timeline.svg.
#
# Theoretical bounds (design.md §2, rule 5): the commit waits W = (L+F)(1+ρ)/
# (1−ρ) after the last grant to the isolated node, and that grant is at
# most one heartbeat old at the partition: takeover >= W - heartbeat.
# Upper bound, the isolated node being the leader: election_max + heartbeat
# (a new leader) + W after that election + heartbeat + margin (the commit
# round) = election_max + W + 2 heartbeats + margin; for a follower it is
# W + heartbeat + margin.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/cluster/lib.sh
. "$top/tests/cluster/lib.sh"
runs_d=${1:-20} runs_f=${2:-20}
out=$BUILD/bench/failover.json
mkdir -p "$BUILD/bench"
CL_REBOOT_NODE=0	# every node log-only: no reboots in the bench
start=$SECONDS

# one_profile PROFILE RUNS: a fresh cluster, RUNS failovers; writes
# $BUILD/bench/failover-PROFILE.tsv "run victim leader part_ns commit_ns first_ns"
one_profile() {
	local p=$1 n=$2 r v l t dirp=$BUILD/bench/failover-$1
	CL_PROFILE=$p
	rm -rf "$dirp/vm" "$dirp/runs" "$dirp/failed" "$dirp/lapsed"
	local budget=$((SECONDS + ${FAILOVER_BUDGET_S:-420}))
	cl_up "$dirp" || { echo "failover: $p: cluster did not come up" >&2; return 1; }
	for r in $(seq 1 "$n"); do
		if [ $SECONDS -ge $budget ]; then
			echo "failover: $p: time budget spent after $((r - 1)) runs" >&2
			echo "$r budget" >> "$CL_DIR/failed"
			break
		fi
		if ! poll 60 healthy && ! cl_recover && ! cl_recover; then
			echo "failover: $p run $r: not healthy: $WHY" >&2
			echo "$r unhealthy" >> "$CL_DIR/failed"; break
		fi
		v=$(cl_owner); l=$(cl_leader)
		t=$(now_ns)
		echo "$t partition isolate $v" >> "$CL_DIR/nemesis.log"
		isolate "$v"
		if ! wait_takeover "$v" 40; then
			echo "failover: $p run $r: no takeover from node $v" >&2
			echo "$r $v no-takeover" >> "$CL_DIR/failed"
			heal; cl_recover; continue
		fi
		printf '%s %s run %d: isolated node %s (leader %s), node %s took over\n' \
			"$(date +%T)" "$p" "$r" "$v" "$l" "$(cl_owner)"
		echo "$r $v $l $t" >> "$CL_DIR/runs"
		sleep 1
		cl_recover || cl_recover || { echo "failover: $p run $r: recovery: $WHY" >&2; echo "$r recovery" >> "$CL_DIR/failed"; break; }
		# a healthy node that lapsed meanwhile (a starved VM) is recorded
		grep -q "reason lapsed" "$CL_DIR"/vm/qfnode*.out 2>/dev/null &&
			echo "$(grep -c "reason lapsed; leader" "$CL_DIR"/vm/qfnode*.out | awk -F: '{s+=$2} END {print s}')" > "$CL_DIR/lapsed"
	done
	heal
	cl_check
	cp "$CL_DIR/check.out" "$BUILD/bench/failover-$p.check"
	echo "$CL_STALE" > "$BUILD/bench/failover-$p.stale"
	status_json "$(cl_leader)" > "$BUILD/bench/failover-$p.status"
	cl_cleanup
	CL_PIDS=()
}

ok=1
[ "$runs_d" -gt 0 ] && { one_profile default "$runs_d" || ok=0; }
[ "$runs_f" -gt 0 ] && { one_profile fast "$runs_f" || ok=0; }

# join runs (partition times) with the checker's takeovers
python3 - "$BUILD/bench" "$out" "$ok" "$((SECONDS - start))" "$here" <<'PY' || ok=0
import json, os, re, sys
b, out, ok, wall = sys.argv[1], sys.argv[2], sys.argv[3] == '1', int(sys.argv[4])
sys.path.insert(0, sys.argv[5])
from failover_causes import node_events, run_causes
prof = {'default': dict(hb=100, emax=800, L=1500, F=1000), 'fast': dict(hb=50, emax=300, L=500, F=300)}
res = {'runs': 0, 'stale_writes': 0, 'complete': ok, 'wall_s': wall, 'takeover_ms': {}, 'fence_ms': {},
       'bound_ms': {}, 'unit': 'ms, host real time from partition',
       'method': 'partition = host time of the nft rule; commit and first write = guest times mapped with the nearest clock sample'}
rho = 1000e-6
for p, t in prof.items():
    d = os.path.join(b, 'failover-' + p)
    try:
        runs = [l.split() for l in open(os.path.join(d, 'runs'))]
        chk = open(os.path.join(b, 'failover-%s.check' % p)).read()
        stale = int(open(os.path.join(b, 'failover-%s.stale' % p)).read().strip() or 999)
    except OSError:
        continue
    tk = []
    for m in re.finditer(r'takeover epoch=\d+ from=(\d+) gen=\d+ commit_est_ns=(\d+) first_write_est_ns=(\d+)', chk):
        tk.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    take, fence, rows = [], [], []
    W = (t['L'] + t['F']) * (1 + rho) / (1 - rho)
    ev = node_events(os.path.join(d, 'vm'))
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
        bound = t['emax'] + W + 3 * t['hb'] if v == l else W + 2 * t['hb']
        row['causes'], row['slow'] = run_causes(ev, row, tp, max(cm, tp), fw, bound)
        if cm <= tp:
            row['causes'] = [x for x in row['causes'] if not x.startswith('write-late')]
            row['causes'].append('region-fence-earlier (its last writer was fenced %.0f ms before this partition)' % ((tp - cm) / 1e6))
        if row['slow']:
            print('failover: %s run %d slow (%.0f ms): %s' % (p, run, row['takeover_ms'], '; '.join(row['causes'])))
        rows.append(row)
    def pct(a, q):
        a = sorted(a)
        return round(a[min(len(a) - 1, int(q * len(a)))], 1) if a else None
    res['runs'] += len(take)
    res['stale_writes'] += stale
    res['takeover_ms'][p] = {'runs': len(take), 'p50': pct(take, 0.5), 'p99': pct(take, 0.99), 'max': pct(take, 1.0)}
    res['fence_ms'][p] = {'p50': pct(fence, 0.5), 'p99': pct(fence, 0.99)}
    res['bound_ms'][p] = {'W': round(W, 1), 'min': round(W - t['hb'], 1),
                          'max_follower': round(W + 2 * t['hb'], 1),
                          'max_leader': round(t['emax'] + W + 3 * t['hb'], 1)}
    res.setdefault('detail', {})[p] = rows
    res.setdefault('slow_runs', {})[p] = [{'run': x['run'], 'takeover_ms': x['takeover_ms'], 'causes': x['causes']}
                                          for x in rows if x['slow']]
    try:
        res.setdefault('failed_runs', {})[p] = len(open(os.path.join(d, 'failed')).readlines())
    except OSError:
        res.setdefault('failed_runs', {})[p] = 0
    try:
        res.setdefault('healthy_lapses', {})[p] = int(open(os.path.join(d, 'lapsed')).read().strip() or 0)
    except OSError:
        res.setdefault('healthy_lapses', {})[p] = 0
json.dump(res, open(out, 'w'), indent=1)
print(json.dumps({k: res[k] for k in ('runs', 'stale_writes', 'takeover_ms', 'bound_ms')}))
PY
# the timeline of the first default run
part=$(awk '$2 == "partition" { print $1; exit }' "$BUILD/bench/failover-default/nemesis.log" 2>/dev/null)
if [ -n "$part" ] && python3 "$top/tests/cluster/plot.py" "$BUILD/bench/failover-default" \
	"$BUILD/bench/failover-timeline.svg" "$part" > /dev/null; then
	echo "timeline: $BUILD/bench/failover-timeline.svg"
else
	echo "failover: no timeline plot" >&2; ok=0
fi
echo "failover: $out"
[ "$ok" = 1 ]

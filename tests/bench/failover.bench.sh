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

# shellcheck source=tests/bench/takeover_runs.sh
. "$here/takeover_runs.sh"
ok=1
if [ "$runs_d" -gt 0 ]; then
	CL_PROFILE=default takeover_runs failover-default "$runs_d" "${FAILOVER_BUDGET_S:-420}" || ok=0
fi
if [ "$runs_f" -gt 0 ]; then
	CL_PROFILE=fast takeover_runs failover-fast "$runs_f" "${FAILOVER_BUDGET_S:-420}" || ok=0
fi

# per profile: partition times joined with the checker's takeovers
python3 "$here/takeover_report.py" "$BUILD/bench" "$((SECONDS - start))" \
	failover-default:default:wait failover-fast:fast:wait > "$BUILD/bench/failover-report.json" || ok=0
python3 - "$BUILD/bench/failover-report.json" "$out" "$ok" <<'PY' || ok=0
import json, sys
r = json.load(open(sys.argv[1]))
res = {'runs': r['runs'], 'stale_writes': r['stale_writes'], 'complete': sys.argv[3] == '1',
       'wall_s': r['wall_s'], 'unit': r['unit'], 'method': r['method']}
for label, x in r['labels'].items():
    p = x['profile']
    res.setdefault('takeover_ms', {})[p] = dict(runs=x['runs'], **x['takeover_ms'])
    for k in ('fence_ms', 'bound_ms', 'detail', 'slow_runs', 'failed_runs', 'healthy_lapses',
              'takeover_ms_victim_follower', 'takeover_ms_victim_leader'):
        res.setdefault(k, {})[p] = x[k]
json.dump(res, open(sys.argv[2], 'w'), indent=1)
print(json.dumps({k: res.get(k) for k in ('runs', 'stale_writes', 'takeover_ms', 'bound_ms')}))
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

#!/bin/bash
# SPDX-License-Identifier: MIT
# The storage fence against the lease fence, side by side (issue 12,
# design.md rule 13): the 3-VM cluster on the LUN of a storage VM (LIO
# over iSCSI, tests/cluster/lib.sh CL_STORAGE), default timing, the same
# VMs' definitions and the same run of this script, twice:
#
#   pr     pr_device on every node: the leader preempts the lost node's
#          key and NODE_FENCED commits on the read-back, without W
#   lease  the same LUN and path, no pr_device: NODE_FENCED waits W
#
#   tests/bench/pr.bench.sh [RUNS_PR [RUNS_LEASE]]    (20 20; 0 keeps the
#                                                      mode's earlier data)
#
# Each run isolates the owner of the contested region (takeover_runs.sh);
# partition -> NODE_FENCED committed -> the new owner's first write, dated
# where it lands (the storage VM's QEMU trace of its backing file). The
# checker must find no stale write in either mode. Writes
# build/bench/pr.json: per mode the percentiles (victim follower and
# leader apart), and the ratios lease/pr of p50 and p99.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/cluster/lib.sh
. "$top/tests/cluster/lib.sh"
# shellcheck source=tests/bench/takeover_runs.sh
. "$here/takeover_runs.sh"
runs_p=${1:-20} runs_l=${2:-20}
out=$BUILD/bench/pr.json
mkdir -p "$BUILD/bench"
CL_REBOOT_NODE=0	# every node log-only: no reboots in the bench
start=$SECONDS
ok=1
budget=${PR_BENCH_BUDGET_S:-900}
if [ "$runs_p" -gt 0 ]; then
	CL_STORAGE='pr' takeover_runs pr-pr "$runs_p" "$budget" || ok=0
fi
if [ "$runs_l" -gt 0 ]; then
	CL_STORAGE=iscsi takeover_runs pr-lease "$runs_l" "$budget" || ok=0
fi
python3 "$here/takeover_report.py" "$BUILD/bench" "$((SECONDS - start))" \
	pr-pr:default:pr pr-lease:default:wait > "$BUILD/bench/pr-report.json" || ok=0
python3 - "$BUILD/bench/pr-report.json" "$out" "$ok" <<'PY' || ok=0
import json, sys
r = json.load(open(sys.argv[1]))
L = r['labels']
res = {'runs': r['runs'], 'stale_writes': r['stale_writes'], 'complete': sys.argv[3] == '1',
       'wall_s': r['wall_s'], 'unit': r['unit'], 'method': r['method'],
       'modes': {'pr': L.get('pr-pr'), 'lease': L.get('pr-lease')}}
p, l = L.get('pr-pr'), L.get('pr-lease')
if p and l and p['runs'] and l['runs']:
    res['ratio_lease_over_pr'] = {q: round(l['takeover_ms'][q] / p['takeover_ms'][q], 2)
                                  for q in ('p50', 'p99')}
    res['target'] = {'pr_p99_le_1200_ms': p['takeover_ms']['p99'] <= 1200,
                     'at_least_2x_sooner_p50': res['ratio_lease_over_pr']['p50'] >= 2,
                     'at_least_2x_sooner_p99': res['ratio_lease_over_pr']['p99'] >= 2}
json.dump(res, open(sys.argv[2], 'w'), indent=1)
print(json.dumps({'runs': res['runs'], 'stale_writes': res['stale_writes'],
                  'pr': p and p['takeover_ms'], 'lease': l and l['takeover_ms'],
                  'ratio': res.get('ratio_lease_over_pr'), 'target': res.get('target')}))
PY
echo "pr: $out"
[ "$ok" = 1 ] && [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stale_writes"])' "$out")" = 0 ]

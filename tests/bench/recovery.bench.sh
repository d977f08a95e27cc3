#!/bin/bash
# SPDX-License-Identifier: MIT
# Recovery benchmark (design.md §2.11) on the real 3-VM cluster
# (tests/cluster/lib.sh): heal -> every node serving IO again, without an
# operator, by rejoin policy.
#
#   tests/bench/recovery.bench.sh [RUNS]   (10 per kind)
#
# Two clusters, one after the other, in the same invocation:
#   when-idle     every node io-only with rejoin = when-idle
#                 (CL_REBOOT_NODE=0); writers stopped while cut off
#   after-reboot  node 3 runs io,reboot with rejoin = after-reboot (nodes 1
#                 and 2 when-idle, as in tests/cluster)
# Kinds of run:
#   single  one node isolated RECOVERY_HOLD_S (default 10) s, then healed:
#           heal -> its lease armed again with a new generation (after-
#           reboot: node 3, reset by its fence action while cut off)
#   whole   every link cut until every lease lapsed, then healed:
#           heal -> every lease armed again
# "Serving IO" is the kernel lease armed (the fence device admits IO from
# then on), observed by polling each guest from the host every 0.2 s: each
# sample is an upper bound of the moment, by at most one poll and one
# agent round trip. A rebooted guest needs the harness's go file before
# it starts quorumd; it is given as soon as the guest answers. At the end
# the checker judges every write of the run by its landing on the image
# (stale_writes must be 0). Writes build/bench/recovery.json.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/cluster/lib.sh
. "$top/tests/cluster/lib.sh"
runs=${1:-10}
hold=${RECOVERY_HOLD_S:-10}
out=$BUILD/bench/recovery.json
mkdir -p "$BUILD/bench"
start=$SECONDS

log() { printf '%s %s\n' "$(date +%T)" "$*"; }
gens() { local i; for i in $(seq 1 "$CL_N"); do printf '%s ' "$(kfield "$i" generation)"; done; }

# all_back GENS...: every node armed with a generation above the given
# one; a rebooted guest gets its go file on the way
all_back() {
	local i g
	for i in $(seq 1 "$CL_N"); do
		g=$(echo "$GENS" | cut -d' ' -f"$i")
		[ "$i" = "$CL_REBOOT_NODE" ] && on "$i" "touch /run/qf/go" > /dev/null 2>&1
		is_armed "$i" || return 1
		[ "$(kfield "$i" generation)" -gt "$g" ] || return 1
	done
}
one_back() {	# NODE GEN
	[ "$1" = "$CL_REBOOT_NODE" ] && on "$1" "touch /run/qf/go" > /dev/null 2>&1
	is_armed "$1" && [ "$(kfield "$1" generation)" -gt "$2" ]
}
writers_on() {
	local i
	for i in $(seq 1 "$CL_N"); do writer_alive "$i" || start_writer "$i"; done
}
all_lapsed() {
	local i
	for i in $(seq 1 "$CL_N"); do
		is_fenced "$i" && continue
		# the reboot node: fenced, or already resetting
		[ "$i" = "$CL_REBOOT_NODE" ] && [ "$(agent_vmboot "$i")" != "$VB" ] && continue
		return 1
	done
}

# single RESULTS POLICY: one isolation; appends "ms" to RESULTS
run_single() {
	local v g t0 vb
	if [ "$2" = after-reboot ]; then v=$CL_REBOOT_NODE; else v=$(pick_follower "$(cl_leader)" "$(cl_owner)"); fi
	g=$(kfield "$v" generation); vb=$(agent_vmboot "$v")
	mark "partition isolate $v"; isolate "$v"
	poll 30 eval "is_fenced $v || [ \"\$(agent_vmboot $v)\" != $vb ]" || { heal; WHY="node $v never lapsed"; return 1; }
	[ "$v" = "$CL_REBOOT_NODE" ] || stop_writer "$v"
	sleep "$hold"
	t0=$(now_ns); heal
	poll 240 one_back "$v" "$g" || { WHY="node $v not back (generation $(kfield "$v" generation), was $g)"; return 1; }
	echo "$(( ($(now_ns) - t0) / 1000000 )) $v" >> "$1"
	writers_on
}

run_whole() {
	local t0 i
	GENS=$(gens); VB=
	[ "$CL_REBOOT_NODE" = 0 ] || VB=$(agent_vmboot "$CL_REBOOT_NODE")
	for i in $(seq 1 "$CL_N"); do [ "$i" = "$CL_REBOOT_NODE" ] || stop_writer "$i"; done
	mark "partition all"
	for i in $(seq 1 "$CL_N"); do isolate "$i"; done
	poll 40 all_lapsed || { heal; writers_on; WHY="not every lease lapsed"; return 1; }
	t0=$(now_ns); heal
	poll 300 all_back || { WHY="not every node back: $(gens) (were $GENS)"; return 1; }
	echo "$(( ($(now_ns) - t0) / 1000000 ))" >> "$1"
	writers_on
}

# cluster POLICY REBOOT_NODE: a fresh cluster, RUNS of each kind
cluster() {
	local p=$1 d=$BUILD/bench/recovery-$1 r kind
	CL_REBOOT_NODE=$2
	# every run rejoins automatically: the guard (3 an hour) would leave
	# the 4th run's node fenced; the guard is tested in tests/cluster
	CL_FLAP_MAX=200
	rm -rf "$d" && mkdir -p "$d"
	cl_up "$d" || { echo "recovery: $p: cluster did not come up" >&2; return 1; }
	: > "$d/single"; : > "$d/whole"; : > "$d/failed"
	for kind in single whole; do
		for r in $(seq 1 "$runs"); do
			if ! poll 60 healthy && ! cl_recover; then
				echo "$kind $r unhealthy: $WHY" >> "$d/failed"; writers_on; continue
			fi
			WHY=
			if "run_$kind" "$d/$kind" "$p"; then
				log "$p $kind run $r: $(tail -n 1 "$d/$kind" | cut -d" " -f1) ms"
			else
				log "$p $kind run $r failed: $WHY"
				echo "$kind $r $WHY" >> "$d/failed"
				cl_recover; writers_on
			fi
		done
	done
	heal
	cl_check
	[ "$CL_DIR" = "$d" ] || cp "$CL_DIR/check.out" "$d/check.out"
	echo "${CL_STALE:-999}" > "$d/stale"
	cl_cleanup
	CL_PIDS=()
}

ok=1
cluster when-idle 0 || ok=0
cluster after-reboot 3 || ok=0

python3 - "$BUILD/bench" "$out" "$runs" "$((SECONDS - start))" "$hold" <<'PY' || ok=0
import json, os, sys
b, out, runs, wall, hold = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def pct(a, q):
    a = sorted(a)
    return a[min(len(a) - 1, int(q * len(a)))] if a else None
res = {'unit': 'ms, host time from the heal to the lease armed again (an upper bound: 0.2 s polls)',
       'runs_per_kind': runs, 'hold_s': hold, 'wall_s': wall, 'stale_writes': 0, 'policies': {}}
for p in ('when-idle', 'after-reboot'):
    d = os.path.join(b, 'recovery-' + p)
    entry = {}
    for kind in ('single', 'whole'):
        try:
            ms = [int(l.split()[0]) for l in open(os.path.join(d, kind)) if l.strip()]
        except OSError:
            ms = []
        entry[kind] = {'runs': len(ms), 'p50': pct(ms, 0.5), 'p99': pct(ms, 0.99), 'max': pct(ms, 1.0), 'ms': ms}
    try:
        entry['failed'] = [l.strip() for l in open(os.path.join(d, 'failed')) if l.strip()]
        stale = int(open(os.path.join(d, 'stale')).read().strip() or 999)
    except OSError:
        entry['failed'], stale = ['cluster did not run'], 999
    entry['stale_writes'] = stale
    res['stale_writes'] += stale
    res['policies'][p] = entry
res['policies']['when-idle']['nodes'] = 'all three io-only, rejoin = when-idle'
res['policies']['after-reboot']['nodes'] = 'single: node 3 (io,reboot, after-reboot); whole: node 3 after-reboot, nodes 1 and 2 when-idle'
json.dump(res, open(out, 'w'), indent=1)
print(json.dumps({p: {k: {x: v[k][x] for x in ('runs', 'p50', 'p99')} for k in ('single', 'whole')}
                  for p, v in res['policies'].items()}), 'stale_writes=%d' % res['stale_writes'])
ok = res['stale_writes'] == 0 and all(v[k]['runs'] > 0 for v in res['policies'].values() for k in ('single', 'whole'))
sys.exit(0 if ok else 1)
PY
echo "recovery: $out"
[ "$ok" = 1 ]

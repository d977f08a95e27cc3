#!/bin/bash
# SPDX-License-Identifier: MIT
# Starvation benchmark on the real 3-VM cluster (tests/cluster/lib.sh), at
# the default timing: stress-ng CPU, memory and IO load inside one node
# while nothing else goes wrong, and how many fences that costs. Two
# modes, one cluster boot each:
#   rt       quorumd as quorumd.conf(5) recommends: mlockall, SCHED_RR 10
#   nort     neither (CL_RT=no)
#   rt-napi  rt, and the cluster interface's packet receive in threads
#            (threaded NAPI) at SCHED_FIFO 20, above any load's priority
#            (docs/runbook.md, "Real-time tasks on a node")
#
#   tests/bench/starve.bench.sh [ROUNDS [SECONDS]]        (4 20)
#
# Each round loads one node (the leader and a follower in turn) for
# SECONDS with one of two loads (1 vCPU, 384 MiB):
#   mix     stress-ng --cpu 4 --vm 2 --vm-bytes 48M --io 2: eight CFS
#           stressors against one daemon
#   rthog   stress-ng --cpu 1 --sched rr --sched-prio 5: a runaway
#           real-time task below quorumd's priority (10); RT throttling
#           (the kernel's default 950 ms per second) leaves CFS tasks,
#           ksoftirqd among them, 50 ms a second
# then counts every node's kernel fences (the lease's `fences` counter)
# and the leader changes. Any fence here is a false fence: the network is
# whole and every node is up. A fenced node is brought back (cl_recover)
# before the next round. A round counts only if the load was seen running
# and quorumd ran with the mode's policy. -> build/bench/starve.json
#
# What TCG can show: the guest's scheduler is real, so SCHED_RR against
# CFS stressors is measured as it would be on hardware; the vCPU itself is
# a host thread that the host may deschedule (both modes alike), and the
# initramfs has no swap and no file-backed pages to evict, so mlockall
# changes nothing measurable here (on a real node, the memory load would
# evict the daemon's text pages; quorumd.conf(5) keeps mlockall on).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/cluster/lib.sh
. "$top/tests/cluster/lib.sh"
rounds=${1:-4} secs=${2:-20}
out=$BUILD/bench/starve.json
mkdir -p "$BUILD/bench"
CL_REBOOT_NODE=0	# no reboots in the bench: a fence stays a fence
CL_STRESS=1
CL_PROFILE=default
start=$SECONDS
command -v stress-ng > /dev/null || { echo "starve: no stress-ng (make deps)" >&2; exit 1; }

# fences_of "1:0 2:1 3:0" N -> 1
fences_of() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2://p"; }

# term of the leader's status
term_now() { status_json "$(cl_leader)" | sed -n 's/.*"term":\([0-9]*\).*/\1/p'; }

LOAD_mix="--cpu 4 --vm 2 --vm-bytes 48M --io 2"
LOAD_rthog="--cpu 1 --sched rr --sched-prio 5"

# policy_of N: quorumd's scheduling policy on node N (0 other, 2 RR)
policy_of() { on "$1" 'awk "{ print \$41 }" /proc/$(pidof quorumd)/stat' 2>/dev/null; }

# round MODE LOAD R: one loaded round, one JSON line; 1 if it did not count
round() {
	local mode=$1 load=$2 r=$3 l v before after t0 t1 i f n pol want=2 args
	[ "$mode" = nort ] && want=0
	l=$(cl_leader) || { cl_recover >> "$CL_DIR.log" 2>&1; l=$(cl_leader) || return 1; }
	if [ $((r % 2)) = 1 ]; then v=$l; else v=$(pick_follower "$l" 0); fi
	pol=$(policy_of "$v")
	[ "$pol" = "$want" ] || { echo "starve: $mode: quorumd on node $v runs policy '$pol', not $want" >&2; return 1; }
	eval "args=\$LOAD_$load"
	before=$(lapses) t0=$(term_now)
	mark "stress $v $load"
	on "$v" "stress-ng $args --timeout ${secs}s < /dev/null > /dev/null 2>&1 &" > /dev/null
	sleep 3
	n=$(on "$v" 'pidof stress-ng | wc -w' 2>/dev/null)
	sleep $((secs))
	after=$(lapses) t1=$(term_now)
	[ "${n:-0}" -ge 2 ] || { echo "starve: $mode $load: stress-ng was not running on node $v" >&2; return 1; }
	local victim=0 others=0
	for i in $(seq 1 "$CL_N"); do
		f=$(( $(fences_of "$after" "$i") - $(fences_of "$before" "$i") ))
		if [ "$i" = "$v" ]; then victim=$((victim + f)); else others=$((others + f)); fi
	done
	printf '{"mode":"%s","load":"%s","round":%d,"node":%d,"was_leader":%s,"fences_loaded":%d,"fences_other":%d,"term_before":%s,"term_after":%s}\n' \
		"$mode" "$load" "$r" "$v" "$([ "$v" = "$l" ] && echo true || echo false)" \
		"$victim" "$others" "${t0:-0}" "${t1:-0}" >> "$BUILD/bench/starve.rounds"
	cl_log "$mode $load round $r: node $v loaded; fences loaded $victim, other $others; term ${t0:-?} -> ${t1:-?}"
	[ $((victim + others)) -eq 0 ] || cl_recover >> "$CL_DIR.log" 2>&1
}

# napi_rt: every node receives its packets in NAPI threads at SCHED_FIFO 20
napi_rt() {
	local i n
	for i in $(seq 1 "$CL_N"); do
		n=$(on "$i" 'echo 1 > /sys/class/net/eth0/threaded && for p in $(ps -o pid,comm | awk "/napi\\//{print \$1}"); do chrt -f -p 20 $p && echo $p; done | wc -l' 2>/dev/null)
		[ "${n:-0}" -ge 1 ] || { echo "starve: node $i: no NAPI thread made real-time" >&2; return 1; }
	done
}

# one_mode MODE: boot, run the rounds of both loads
one_mode() {
	local mode=$1 dir=$BUILD/bench/starve-$1 load r
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$mode" = nort ]; then CL_RT=no; else CL_RT=yes; fi
	cl_up "$dir" > "$dir.log" 2>&1 ||
		{ echo "starve: $mode: the cluster never came up, see $dir.log" >&2; cl_cleanup; return 1; }
	[ "$mode" != rt-napi ] || napi_rt || { cl_cleanup; return 1; }
	for load in mix rthog; do
		for r in $(seq 1 "$rounds"); do
			round "$mode" "$load" "$r" || { cl_cleanup; return 1; }
		done
	done
	cl_cleanup
}

: > "$BUILD/bench/starve.rounds"
ok=1
one_mode rt || ok=0
one_mode nort || ok=0
one_mode rt-napi || ok=0
python3 - "$BUILD/bench/starve.rounds" "$out" "$rounds" "$secs" "$((SECONDS - start))" "$ok" <<'PY' || ok=0
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
res = {'unit': 'fences per round', 'rounds_asked_per_load': int(sys.argv[3]),
       'load_s': int(sys.argv[4]),
       'loads': {'mix': 'stress-ng --cpu 4 --vm 2 --vm-bytes 48M --io 2',
                 'rthog': 'stress-ng --cpu 1 --sched rr --sched-prio 5'},
       'vm': '1 vCPU, 384 MiB, TCG', 'timing': 'default profile',
       'wall_s': int(sys.argv[5]), 'complete': sys.argv[6] == '1', 'modes': {}, 'rounds': rows}
for m in ('rt', 'nort', 'rt-napi'):
    for load in ('mix', 'rthog'):
        rs = [r for r in rows if r['mode'] == m and r['load'] == load]
        res['modes'].setdefault(m, {})[load] = {
            'rounds': len(rs),
            'rounds_with_false_fence': sum(1 for r in rs if r['fences_loaded'] + r['fences_other']),
            'fences_loaded_node': sum(r['fences_loaded'] for r in rs),
            'fences_other_nodes': sum(r['fences_other'] for r in rs),
            'leader_changes': sum(1 for r in rs if r['term_after'] != r['term_before']),
        }
json.dump(res, open(sys.argv[2], 'w'), indent=1)
print(json.dumps(res['modes']))
PY
echo "starve: $out"
[ "$ok" = 1 ]

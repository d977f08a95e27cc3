#!/bin/bash
# SPDX-License-Identifier: MIT
# Randomized nemesis on the 3-VM cluster (make soak-cluster SEED=.. DURATION=..).
#
#   tests/cluster/soak.sh [SEED [DURATION_S]]      (defaults: random, 600)
#
# Repeats, until DURATION is over: pick a fault from the seed's sequence
# (isolate a node, one-way cut, non-transitive cut, SIGSTOP or kill -9 of a
# daemon, QEMU crash of a node), hold it for a random 2-10 s, heal, recover
# (restart, rejoin), and run the checker over everything so far. The same
# seed gives the same sequence of faults (not the same timings: the VMs
# run in real time). Every node is log-only (no reboot action: see
# FINDINGS.md, 1) and QEMU pause is left out (design.md §2's unsafe case).
# Ends with `N passed, N failed` (one case per fault) and stale_writes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
CL_TIMING=${CL_TIMING:-tcg}
# shellcheck source=tests/cluster/lib.sh
. "$here/lib.sh"
seed=${1:-$RANDOM} dur=${2:-600}
CL_REBOOT_NODE=0
dir=${CL_DIR:-$BUILD/cluster/soak}
passed=0 failed=0
RANDOM=$seed
echo "soak: seed $seed, duration ${dur}s, logs under $dir"
rm -rf "$dir/vm"
cl_up "$dir" || { echo "FAIL soak-formation: $WHY"; echo "0 passed, 1 failed"; exit 1; }
end=$((SECONDS + dur)) k=0
while [ $SECONDS -lt $end ]; do
	k=$((k + 1))
	a=$((RANDOM % CL_N + 1)) b=$((RANDOM % CL_N + 1))
	[ "$a" = "$b" ] && b=$((a % CL_N + 1))
	hold=$((RANDOM % 9 + 2))
	case $((RANDOM % 6)) in
	0) what="isolate $a"; isolate "$a" ;;
	1) what="oneway $a->$b"; cut_oneway "$a" "$b" ;;
	2) what="cut $a<->$b"; cut_link "$a" "$b" ;;
	3) what="sigstop quorumd@$a"; on "$a" 'kill -STOP $(cat /run/qf/quorumd.pid)' > /dev/null ;;
	4) what="kill -9 quorumd@$a"; on "$a" 'kill -9 $(cat /run/qf/quorumd.pid)' > /dev/null ;;
	5) what="crash vm $a"; cl_vm_kill "$a" ;;
	esac
	mark "soak $k $what"
	cl_log "soak $k: $what for ${hold}s"
	sleep "$hold"
	name="soak-$k-${what// /_}"
	if ! cl_recover; then
		echo "FAIL $name: recovery: $WHY"; failed=$((failed + 1))
		cl_recover || break
		continue
	fi
	if cl_check; then
		echo "ok $name"; passed=$((passed + 1))
	else
		echo "FAIL $name: stale_writes=$CL_STALE unproven=$CL_UNPROVEN: $(grep -E '^(STALE|EARLY|UNPROVEN)' "$dir/check.out" | head -n 2 | tr '\n' ';')"
		failed=$((failed + 1))
	fi
done
echo "stale_writes=${CL_STALE:-unknown} after $k faults (seed $seed)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

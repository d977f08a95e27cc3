#!/bin/bash
# Quick simulation smoke test for `make check`: a few hundred seeds at 3 and
# 5 nodes (both profiles) must report violations=0, and every mutation of
# the core must be caught. Bounded to about two minutes. Prints "ok NAME" /
# "FAIL NAME: why" per case and a final "N passed, N failed".
cd "$(dirname "$0")/../.."
sim=build/bin/qfence-sim
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

if ! make --no-print-directory -C daemon sim >/dev/null 2>&1 || [ ! -x $sim ]; then
	bad sim-build "make -C daemon sim failed"
	echo "$pass passed, $fail failed"
	exit 1
fi

run() {	# name, args...
	local name=$1 out last
	shift
	out=$(timeout 60 $sim "$@" 2>&1)
	last=$(echo "$out" | tail -n 1)
	case "$last" in
	"seeds="*" violations=0") ok "$name ($last)" ;;
	"seeds="*) bad "$name" "$last; $(echo "$out" | grep -m1 '^VIOLATION')" ;;
	*) bad "$name" "no summary line (exit $?)" ;;
	esac
}

run sim-3-nodes --seeds 300 --nodes 3
run sim-5-nodes --seeds 300 --nodes 5
run sim-5-nodes-fast --seeds 200 --nodes 5 --profile fast
run sim-5-nodes-extreme --seeds 200 --nodes 5 --clocks extreme --seed-start 100000
run sim-leader-crash --seeds 200 --nodes 5 --scenario leader-crash
# design.md §2.10: the committed timing change, both directions
run sim-timing-change --seeds 150 --nodes 3 --scenario timing-change
run sim-timing-change-fast --seeds 100 --nodes 5 --scenario timing-change --profile fast
# design.md §2.11: every lease lapses, then the cluster comes back by the
# nodes' rejoin policies; a flapping link trips the guard.
run sim-total-partition-3 --seeds 100 --nodes 3 --scenario total-partition
run sim-total-partition-5 --seeds 60 --nodes 5 --scenario total-partition
run sim-flapping --seeds 40 --nodes 3 --scenario flapping
# Rule 10 and the lease clock (kmod/clock.h): clocks slewed beyond ρ, fast
# and slow, on the leader and on a cut-off follower.
run sim-slow-clocks-3 --seeds 300 --nodes 3 --scenario bad-clock --slow-clocks
run sim-slow-clocks-5 --seeds 300 --nodes 5 --scenario bad-clock --slow-clocks

# Controls: the checks must be able to fail. An election timeout of
# 1250-1296 ms (accepted by the liveness rule, the drift stretch included) splits votes after a
# leader crash often enough that some healthy follower lapses.
out=$(timeout 60 $sim --seeds 300 --nodes 5 --scenario leader-crash --election-ms 1250-1296 --all | tail -n 1)
case "$out" in
*" violations=0"|"") bad sim-control-lapse "no lapse detected: $out" ;;
*) ok "sim-control-lapse ($out)" ;;
esac

# A kernel that measured its lease on the slewed clock (the module before
# kmod/clock.h) must be caught: the lease armed when the clock turned slow
# outlives its bound, and IO lands after NODE_FENCED committed.
out=$(timeout 60 $sim --seeds 300 --nodes 3 --scenario bad-clock --slow-clocks --kernel-boottime |
	tail -n 1)
case "$out" in
*" violations=0"|"") bad sim-control-kernel-boottime "no stale IO detected: $out" ;;
*) ok "sim-control-kernel-boottime ($out)" ;;
esac

# A daemon that sends a batch's messages before its fsync (a vote before
# the vote is durable) must be caught once power fails mid-fsync.
out=$(timeout 90 $sim --seeds 2000 --nodes 3 --scenario reboot --send-before-fsync |
	grep -cE '^VIOLATION.*(election safety|log matching|leader completeness|state machine safety)')
[ "$out" -gt 0 ] 2>/dev/null && ok "sim-control-persist-before-send ($out seeds broke Raft safety)" ||
	bad sim-control-persist-before-send "no Raft safety violation caught"

# The simulator must refuse bad input and change nothing.
if $sim --seeds 0 --nodes 3 >/dev/null 2>&1; then
	bad sim-bad-input "--seeds 0 accepted"
elif $sim --nodes 3 --mutate no-such-thing >/dev/null 2>&1; then
	bad sim-bad-input "unknown mutation accepted"
else
	ok sim-bad-input
fi

# Same seed, same history: the run is reproducible from its seed.
a=$($sim --seeds 3 --seed-start 7 --nodes 5 | tail -n 1)
b=$($sim --seeds 3 --seed-start 7 --nodes 5 | tail -n 1)
[ "$a" = "$b" ] && ok "sim-reproducible ($a)" || bad sim-reproducible "$a != $b"

# Every mutation caught (fewer seeds than the full campaign: the first
# catch ends each run early).
while read -r line; do
	case "$line" in
	"ok "*) ok "mutation-${line#ok }" ;;
	"FAIL "*) l=${line#FAIL }; bad "mutation-${l%%:*}" "${l#*: }" ;;
	esac
done < <(timeout 100 tests/sim/mutations.sh 2000 5)

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

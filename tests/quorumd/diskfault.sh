#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Faults of the disk under quorumd's data directory (issue 13), on the
# host cluster of tests/quorumd/cluster.sh (three daemons on loopback,
# --no-kernel: the daemon emulates the lease). Each daemon runs under
# tests/quorumd/diskshim.c, which fails or stalls the calls on files of its
# data_dir when the test says so, and logs every datagram the daemon sends
# after a refused write or sync. Cases:
#   fsync EIO on a follower, ENOSPC on the leader: the daemon stops at the
#     first refused write, says so, sends nothing after it (no vote or ack
#     it could not make durable: design.md rule 4), the cluster fences it;
#     started again once the disk is back, it opens what is on disk and
#     stays fenced until rejoin (rule 7)
#   EIO on read at start: the start is refused with the reason, nothing sent
#   a sync stalled longer than L: the node's lease runs out while it waits,
#     the cluster fences it, and the node says that its disk stalled
# Prints `ok NAME` / `FAIL NAME: why` and, last, `N passed, N failed`.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
QD=$BUILD/bin/quorumd
PROBE=$BUILD/bin/quorumd-probe
PASS=0
FAIL=0
T=$(mktemp -d /tmp/quorumd-disk.XXXXXX)
PORT=$((20000 + ($$ + 7919) % 20000))
declare -A PID

ok() { echo "ok $1"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $1: $2"; FAIL=$((FAIL + 1)); }
check() { local name=$1; shift; if "$@"; then ok "disk-$name"; else fail "disk-$name" "$*"; fi; }

cleanup() {
	for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$FAIL" -ne 0 ]; then
		for n in 1 2 3; do
			echo "---- log of node $n (last 12 lines)"
			tail -n 12 "$T/log$n" 2>/dev/null
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

if [ ! -x "$QD" ] || [ ! -x "$PROBE" ]; then
	make -C "$TOP/daemon/quorumd" BUILD="$BUILD" all >/dev/null 2>&1
fi
SHIM=$T/diskshim.so
if [ ! -x "$QD" ] || [ ! -x "$PROBE" ] ||
	! cc -shared -fPIC -O2 -o "$SHIM" "$TOP/tests/quorumd/diskshim.c" -ldl; then
	echo "FAIL disk-build: quorumd, quorumd-probe or the shim missing"
	echo "0 passed, 1 failed"
	exit 1
fi

head -c 32 /dev/urandom > "$T/key"
chmod 600 "$T/key"
for n in 1 2 3; do
	mkdir -p "$T/d$n"
	cat > "$T/n$n.conf" <<CONF
[cluster]
name = disktest
key_file = $T/key
profile = default
peer = 1 127.0.0.1:$((PORT + 1))
peer = 2 127.0.0.1:$((PORT + 2))
peer = 3 127.0.0.1:$((PORT + 3))
[node]
id = $n
lease_name = disktest$n
actions = io
data_dir = $T/d$n
control_socket = $T/s$n.sock
mlockall = no
sched_rr_priority = 0
CONF
done

start() {	# node $1, under the shim, its fault switched by $T/fault$1
	LD_PRELOAD=$SHIM QF_FAULT_DIR=$T/d$1 QF_FAULT_CTL=$T/fault$1 \
		QF_FAULT_LOG=$T/fault$1.log \
		"$QD" -f --no-kernel -c "$T/n$1.conf" >> "$T/log$1" 2>&1 &
	PID[$1]=$!
}
fault() { echo "$2" > "$T/fault$1"; }	# node, what (empty: none)
st() { "$PROBE" "$T/s$1.sock" status 2>/dev/null; }
field() { st "$1" | sed -n "s/^$2=//p"; }
# poll until "$@" succeeds (a hang guard of 30 s, not a timing assertion)
wait_for() {
	for _ in $(seq 600); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
leader_of() { field "$1" leader; }
armed() { [ "$(field "$1" kernel)" = 1 ]; }
fenced_kernel() { [ "$(field "$1" kernel)" = 2 ]; }
fence_committed() { st "$1" | grep -q "^fence node=$2 "; }
exited() { ! kill -0 "${PID[$1]}" 2>/dev/null; }
all_armed() { armed 1 && armed 2 && armed 3; }
agreed_leader() {
	local l; l=$(leader_of 1)
	[ -n "$l" ] && [ "$l" != 0 ] && [ "$(leader_of 2)" = "$l" ] &&
		[ "$(leader_of 3)" = "$l" ]
}
other() { local i; for i in 1 2 3; do [ "$i" = "$1" ] || [ "$i" = "$2" ] || { echo "$i"; return; }; done; }
injected() { grep -q "^inject $2" "$T/fault$1.log" 2>/dev/null; }
nothing_sent_after() { ! grep -q "^sent-after-fault" "$T/fault$1.log" 2>/dev/null; }
logged() { grep -q "$2" "$T/log$1"; }
rejoined() { armed "$1" && ! fenced_kernel "$1"; }
# ask again until it took: a node just started may not know the leader yet
rejoin_took() {
	rejoined "$1" && return 0
	"$PROBE" "$T/s$1.sock" rejoin > /dev/null 2>&1
	sleep 0.2
	rejoined "$1"
}

for n in 1 2 3; do fault "$n" ""; start "$n"; done
check formed wait_for agreed_leader
check armed wait_for all_armed

# refused_write NODE WHAT NAME: the fault on NODE, then a new term that
# NODE must make durable (a leadership transfer to a third node).
refused_write() {
	local v=$1 what=$2 name=$3 l to
	l=$(leader_of "$(other "$v" 0)")
	to=$(other "$v" "$l")
	[ "$v" = "$l" ] && to=$(other "$v" 0)
	fault "$v" "$what"
	"$PROBE" "$T/s$l.sock" transfer "$to" > /dev/null
	check "$name-injected" wait_for injected "$v" "$what"
	check "$name-daemon-stops" wait_for exited "$v"
	check "$name-says-why" logged "$v" "store: write failed"
	check "$name-nothing-sent-after" nothing_sent_after "$v"
	l=$(other "$v" 0)
	check "$name-fenced-by-cluster" wait_for fence_committed "$l" "$v"
	fault "$v" ""
	start "$v"
	check "$name-restart-opens-disk" wait_for armed_or_fenced "$v"
	check "$name-stays-fenced" fenced_kernel "$v"
	check "$name-rejoin" wait_for rejoin_took "$v"
}
armed_or_fenced() { [ -n "$(field "$1" kernel)" ]; }

L=$(leader_of 1)
F=$(other "$L" 0)
refused_write "$F" fsync-eio fsync-eio-follower
check leader-back wait_for agreed_leader
L=$(leader_of 1)
refused_write "$L" write-enospc enospc-leader
check all-armed-again wait_for all_armed

# EIO on read at start
X=$(other "$(leader_of 1)" 0)
kill -9 "${PID[$X]}"
wait "${PID[$X]}" 2>/dev/null
: > "$T/fault$X.log"
fault "$X" read-eio
start "$X"
check read-eio-start-refused wait_for exited "$X"
check read-eio-injected injected "$X" read-eio
check read-eio-says-why logged "$X" "store $T/d$X"
check read-eio-nothing-sent nothing_sent_after "$X"
fault "$X" ""
start "$X"
check read-eio-restart wait_for armed_or_fenced "$X"
check read-eio-rejoin wait_for rejoin_took "$X"

# a sync that stalls longer than L on a follower
check stall-all-armed wait_for all_armed
L=$(leader_of 1)
S=$(other "$L" 0)
to=$(other "$L" "$S")
fault "$S" "stall 5000"
"$PROBE" "$T/s$L.sock" transfer "$to" > /dev/null
check stall-injected wait_for injected "$S" stall
check stall-fenced-by-cluster wait_for fence_committed "$to" "$S"
fault "$S" ""
check stall-lease-ran-out wait_for fenced_kernel "$S"
check stall-says-why wait_for logged "$S" "store: the disk under $T/d$S held a write"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

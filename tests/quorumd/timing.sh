#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The committed timing change (design.md §2.10) with real quorumd processes:
# three daemons with --no-kernel (TEST ONLY: the lease is emulated as the
# module keeps it, max lease included) on loopback. `quorumctl timing set`
# is refused on a follower (naming the leader), accepted on the leader;
# every member applies the new timing to its lease (LEASE_UPDATE) and the
# change is done; then back to the default profile. Throughout, no healthy
# lease lapses and no NODE_FENCED commits.
#
# Prints `ok NAME` / `FAIL NAME: why` and, last, `N passed, N failed`.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
QD=$BUILD/bin/quorumd
QC=$BUILD/bin/quorumctl
PROBE=$BUILD/bin/quorumd-probe
PASS=0
FAIL=0
T=$(mktemp -d /tmp/quorumd-timing.XXXXXX)
PORT=$((20000 + ($$ + 7919) % 20000))
declare -A PID

ok() { echo "ok $1"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $1: $2"; FAIL=$((FAIL + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name" "$*"; fi; }
cleanup() {
	for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$FAIL" -ne 0 ]; then
		for n in 1 2 3; do
			echo "---- log of node $n (last 20 lines)"
			tail -n 20 "$T/log$n" 2>/dev/null
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

[ -x "$QD" ] && [ -x "$PROBE" ] ||
	make -C "$TOP/daemon/quorumd" BUILD="$BUILD" all >/dev/null 2>&1
[ -x "$QC" ] || make -C "$TOP/tools" BUILD="$BUILD" >/dev/null 2>&1
if [ ! -x "$QD" ] || [ ! -x "$PROBE" ] || [ ! -x "$QC" ]; then
	echo "FAIL build: quorumd, quorumd-probe or quorumctl missing"
	echo "0 passed, 1 failed"
	exit 1
fi

head -c 32 /dev/urandom > "$T/key"
chmod 600 "$T/key"
for n in 1 2 3; do
	mkdir -p "$T/d$n"
	cat > "$T/n$n.conf" <<CONF
[cluster]
name = timingtest
key_file = $T/key
profile = default
peer = 1 127.0.0.1:$((PORT + 1))
peer = 2 127.0.0.1:$((PORT + 2))
peer = 3 127.0.0.1:$((PORT + 3))
[node]
id = $n
lease_name = timingtest$n
actions = io
data_dir = $T/d$n
control_socket = $T/s$n.sock
mlockall = no
sched_rr_priority = 0
CONF
done

start() {
	"$QD" -f --no-kernel -c "$T/n$1.conf" >> "$T/log$1" 2>&1 &
	PID[$1]=$!
}
st() { "$PROBE" "$T/s$1.sock" status 2>/dev/null; }
field() { st "$1" | sed -n "s/^$2=//p"; }
# a hang guard, not a timing assertion: 1200 tries of 50 ms
wait_for() {
	for _ in $(seq 1200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
leader_of() { field "$1" leader; }
has_leader() { local l; l=$(leader_of "$1"); [ -n "$l" ] && [ "$l" != 0 ]; }
armed() { [ "$(field "$1" kernel)" = 1 ]; }
tjson() { "$QC" --socket "$T/s$1.sock" timing status --json 2>/dev/null; }
# node $1: the cluster's timing is $2, no change in progress, it runs it
runs() {
	local j
	j=$(tjson "$1") || return 1
	echo "$j" | grep -q "\"cluster\":\"$2\",\"next\":\"00000000\",\"self\":\"$2\""
}
all_run() { runs 1 "$1" && runs 2 "$1" && runs 3 "$1"; }
no_lapse() { ! grep -q "is FENCED" "$T/log1" "$T/log2" "$T/log3"; }
no_fence() { ! grep -q "NODE_FENCED committed" "$T/log1" "$T/log2" "$T/log3"; }
digest() { tjson "$1" | sed -n 's/.*"cluster":"\([0-9a-f]*\)".*/\1/p'; }

for n in 1 2 3; do start $n; done
check formation_leader_elected wait_for has_leader 1
L=$(leader_of 1)
if [ -z "$L" ] || [ "$L" = 0 ]; then
	echo "$PASS passed, $FAIL failed"
	exit 1
fi
F=$(( L % 3 + 1 ))
for n in 1 2 3; do check "formation_armed_node$n" wait_for armed $n; done
D0=$(digest "$L")
check timing_status_shows_recorded bash -c "[ -n '$D0' ] && [ '$D0' != 00000000 ]"

# ---- refusals: a follower names the leader; a bad value, an unsafe timing
"$QC" --socket "$T/s$F.sock" timing set fast > "$T/f.out" 2>&1; rc=$?
sed 's/^/   follower: /' "$T/f.out"
check timing_set_follower_refused bash -c "[ $rc = 1 ] && grep -q 'node $L' '$T/f.out'"
"$QC" --socket "$T/s$L.sock" timing set L=abc > /dev/null 2>&1; rc=$?
check timing_set_bad_value_usage bash -c "[ $rc = 2 ]"
"$QC" --socket "$T/s$L.sock" timing set L=100 > "$T/u.out" 2>&1; rc=$?
sed 's/^/   unsafe: /' "$T/u.out"
D=$(digest "$L")
check timing_set_unsafe_refused bash -c "[ $rc != 0 ] && grep -q 'new timing refused: liveness' '$T/u.out' && [ '$D' = '$D0' ]"

# ---- default -> fast
"$QC" --socket "$T/s$L.sock" timing set fast > "$T/set.out" 2>&1; rc=$?
sed 's/^/   set fast: /' "$T/set.out"
check timing_set_fast_proposed bash -c "[ $rc = 0 ]"
D1=$(sed -n 's/^timing \([0-9a-f]*\) proposed.*/\1/p' "$T/set.out")
check timing_fast_done_everywhere wait_for all_run "$D1"
for n in 1 2 3; do
	# both L admitted until done, then the new one alone
	check "timing_fast_applied_to_lease_node$n" \
		grep -q "timing: applied $D1 (L 500 ms.*kernel max lease 1501 ms" "$T/log$n"
	check "timing_fast_max_lease_shrunk_node$n" wait_for \
		grep -q "timing: kernel lease max_lease_ms 501" "$T/log$n"
	check "timing_fast_lease_within_L_node$n" bash -c \
		"[ \"\$($PROBE $T/s$n.sock status | sed -n 's/^lease_remaining_ms=//p')\" -le 501 ]"
done
check timing_fast_no_lapse no_lapse
check timing_fast_no_fence no_fence

# ---- fast -> default
"$QC" --socket "$T/s$L.sock" timing set default > "$T/set2.out" 2>&1; rc=$?
sed 's/^/   set default: /' "$T/set2.out"
check timing_set_default_proposed bash -c "[ $rc = 0 ]"
check timing_default_done_everywhere wait_for all_run "$D0"
for n in 1 2 3; do
	check "timing_default_applied_node$n" \
		grep -q "timing: applied $D0 (L 1500 ms.*kernel max lease 1501 ms" "$T/log$n"
	check "timing_default_armed_node$n" armed $n
done
# a few more rounds on the new timing: every renew accepted, none lapses
renewals() { field "$1" renewals; }
more_renewals() { [ "$(renewals "$1")" -gt "$2" ]; }
r=$(renewals "$L")
wait_for more_renewals "$L" $((r + 20)) > /dev/null
check timing_default_renews_accepted bash -c "! grep -q 'kernel: LEASE_RENEW' '$T/log1' '$T/log2' '$T/log3'"
check timing_default_no_lapse no_lapse
check timing_default_no_fence no_fence

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

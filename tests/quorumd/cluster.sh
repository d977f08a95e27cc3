#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Host cluster test of quorumd WITHOUT the kernel module (--no-kernel, a
# TEST-ONLY mode in which the daemon emulates the lease: deadline, expiry
# and the rule-7 latch, and only logs). Three daemons on loopback:
#
#     node 1  127.0.0.1:P+1  ---\
#     node 2  127.0.0.1:P+2  ----+--  UDP, every datagram MACed with a
#     node 3  127.0.0.1:P+3  ---/      generated cluster key
#
# Each daemon has its own data directory and control socket; the test talks
# to them with build/bin/quorumd-probe (ctl_proto.h) and waits by polling,
# never by fixed sleeps. Cases:
#   formation, leases armed on every node
#   follower killed: NODE_FENCED committed, and only after W (rule 5, as the
#     leader measured it), survivors keep their leases
#   the killed node restarted: it stays fenced (rule 7) until `rejoin`
#   rejoin forwarded by a follower: a larger generation, lease armed again
#   admin fence --wait: the answer comes once the record committed
#   leader killed: a new leader, the old one fenced after W, no healthy
#     follower's lease lapses (liveness rule)
#   forged datagrams and a bad control request: dropped/refused, counted
#   SIGTERM: clean leave (lease disarmed, exit status 0)
#   `quorumctl leave` on a follower of a fresh cluster: the same leave
#     (lease disarmed, leader told, NODE_FENCED reason lapsed after W),
#     answered before the daemon exits; `quorumctl rejoin` brings it back
#   on_fenced gets Pacemaker's alert environment; a hook that hangs is
#     killed after hook_timeout_ms
#   fence_qfence: status, off only once committed (and after W), off on a
#     follower forwarded to the leader and answered once committed there,
#     no daemon, an unknown node and a minority member fail, on rejoins;
#   quorumctl fence --wait and rejoin --wait on a follower: 0 only with the
#     record committed on that follower; in the minority: nonzero;
#     `quorumctl metrics` of leader and follower pass promtool
#
# Prints `ok NAME` / `FAIL NAME: why` and, last, `N passed, N failed`.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
QD=$BUILD/bin/quorumd
PROBE=$BUILD/bin/quorumd-probe
PASS=0
FAIL=0
T=$(mktemp -d /tmp/quorumd-cluster.XXXXXX)
PORT=$((20000 + $$ % 20000))
declare -A PID

ok() { echo "ok $1"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $1: $2"; FAIL=$((FAIL + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name" "$*"; fi; }

cleanup() {
	for n in "${!PID[@]}"; do
		kill -9 "${PID[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$FAIL" -ne 0 ]; then
		for n in 1 2 3; do
			echo "---- log of node $n (last 15 lines)"
			tail -n 15 "$T/log$n" 2>/dev/null
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

if [ ! -x "$QD" ] || [ ! -x "$PROBE" ]; then
	make -C "$TOP/daemon/quorumd" BUILD="$BUILD" all >/dev/null 2>&1
fi
if [ ! -x "$QD" ] || [ ! -x "$PROBE" ]; then
	echo "FAIL build: $QD or $PROBE missing"
	echo "0 passed, 1 failed"
	exit 1
fi

head -c 32 /dev/urandom > "$T/key"
chmod 600 "$T/key"
for n in 1 2 3; do
	mkdir -p "$T/d$n"
	cat > "$T/n$n.conf" <<CONF
[cluster]
name = hosttest
key_file = $T/key
profile = default
peer = 1 127.0.0.1:$((PORT + 1))
peer = 2 127.0.0.1:$((PORT + 2))
peer = 3 127.0.0.1:$((PORT + 3))
[node]
id = $n
lease_name = hosttest$n
actions = io
data_dir = $T/d$n
control_socket = $T/s$n.sock
mlockall = no
sched_rr_priority = 0
on_fenced = $T/hook.sh
hook_timeout_ms = 1000
CONF
done
cat > "$T/hook.sh" <<'HOOK'
#!/bin/sh
echo "$1 $2 $QFENCE_NODE $QFENCE_GENERATION" >> "$(dirname "$0")/hook.out"
echo "$CRM_alert_kind $CRM_alert_nodeid $CRM_alert_task $QFENCE_CLUSTER $QFENCE_REASON $QFENCE_EVENT epoch=${CRM_alert_timestamp_epoch:+set}" >> "$(dirname "$0")/hook.env"
# the first fence (silent) hangs: hook_timeout_ms must kill it
[ "$QFENCE_REASON" = silent ] && exec sleep 30
exit 0
HOOK
chmod 755 "$T/hook.sh"

start() {	# start node $1 (appending to its log)
	"$QD" -f --no-kernel -c "$T/n$1.conf" >> "$T/log$1" 2>&1 &
	PID[$1]=$!
}
st() { "$PROBE" "$T/s$1.sock" status 2>/dev/null; }
field() { st "$1" | sed -n "s/^$2=//p"; }
# poll until "$@" succeeds; 600 tries of 50 ms (a hang guard, not a timing
# assertion: every case passes or fails on what it observes)
wait_for() {
	for _ in $(seq 600); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
leader_of() { field "$1" leader; }
has_leader() { local l; l=$(leader_of "$1"); [ -n "$l" ] && [ "$l" != 0 ]; }
armed() { [ "$(field "$1" kernel)" = 1 ]; }
fenced_kernel() { [ "$(field "$1" kernel)" = 2 ]; }
fence_committed() {	# on node $1: a fence record for node $2
	st "$1" | grep -q "^fence node=$2 "
}
member_gen() { st "$1" | sed -n "s/^member id=$2 .* gen=\([0-9]*\) .*/\1/p"; }
renewals() { field "$1" renewals; }
more_renewals() { [ "$(renewals "$1")" -gt "$2" ]; }
# rule 5 as measured by the deciding leader, from its log line
rule5_ok() {	# $1 leader log, $2 fenced node
	local line g e w
	line=$(grep "NODE_FENCED committed: node $2 .*since_last_grant_us" \
		"$T/log$1" | tail -n 1)
	[ -n "$line" ] || return 1
	g=$(echo "$line" | sed 's/.*since_last_grant_us=\(-\?[0-9]*\).*/\1/')
	e=$(echo "$line" | sed 's/.*since_election_us=\([0-9]*\).*/\1/')
	w=$(echo "$line" | sed 's/.*wait_us=\([0-9]*\).*/\1/')
	echo "   leader $1 measured: since_last_grant=${g}us since_election=${e}us W=${w}us"
	[ "$w" -gt 0 ] && [ "$e" -ge "$w" ] && { [ "$g" -lt 0 ] || [ "$g" -ge "$w" ]; }
}

# ---- formation
check config_valid "$QD" --check-config -c "$T/n1.conf" > /dev/null
for n in 1 2 3; do start $n; done
check formation_leader_elected wait_for has_leader 1
L=$(leader_of 1)
if [ -z "$L" ] || [ "$L" = 0 ]; then	# nothing below can run
	echo "$PASS passed, $FAIL failed"
	exit 1
fi
check formation_all_agree wait_for bash -c "[ \"\$($PROBE $T/s2.sock status | sed -n 's/^leader=//p')\" = $L ] && [ \"\$($PROBE $T/s3.sock status | sed -n 's/^leader=//p')\" = $L ]"
for n in 1 2 3; do
	check "formation_lease_armed_node$n" wait_for armed $n
done
check boot_ids_differ bash -c "[ \$(for n in 1 2 3; do $PROBE $T/s\$n.sock status | grep ^boot_id; done | sort -u | wc -l) = 3 ]"

# ---- quorumctl speaks the same control protocol
QC=$BUILD/bin/quorumctl
[ -x "$QC" ] || make -C "$TOP/tools" BUILD="$BUILD" >/dev/null 2>&1
check quorumctl_status_interop bash -c "$QC --socket $T/s$L.sock status | grep -q '(leader)'"
check quorumctl_json_interop bash -c "$QC --socket $T/s$L.sock --json status | grep -q '\"leader\":$L,'"

# ---- SIGHUP: a broken file is refused and changes nothing; a good one reloads
R=$(( L % 3 + 1 ))
cp "$T/n$R.conf" "$T/n$R.good"
echo "bogus_key = 1" >> "$T/n$R.conf"
kill -HUP "${PID[$R]}"
check sighup_broken_file_refused wait_for grep -q "reload refused.*n$R.conf:[0-9]*" "$T/log$R"
cp "$T/n$R.good" "$T/n$R.conf"
kill -HUP "${PID[$R]}"
check sighup_reloads_hooks wait_for grep -q "reloaded hooks" "$T/log$R"
check sighup_node_still_serving armed "$R"

# ---- a follower dies
F=$(( L % 3 + 1 ))			# a follower
S=$(( F % 3 + 1 )); [ "$S" = "$L" ] && S=$(( S % 3 + 1 ))	# the other
kill -9 "${PID[$F]}"; wait "${PID[$F]}" 2>/dev/null; unset "PID[$F]"
check follower_fence_committed_on_leader wait_for fence_committed "$L" "$F"
check follower_fence_committed_on_survivor wait_for fence_committed "$S" "$F"
check follower_fence_after_W_rule5 rule5_ok "$L" "$F"
r=$(renewals "$S")
check survivor_keeps_renewing wait_for more_renewals "$S" "$r"
check survivors_still_armed bash -c "[ \"\$($PROBE $T/s$L.sock status | sed -n 's/^kernel=//p')\" = 1 ] && [ \"\$($PROBE $T/s$S.sock status | sed -n 's/^kernel=//p')\" = 1 ]"
check on_fenced_hook_ran wait_for grep -q "^$F 1 $F 1\$" "$T/hook.out"
check on_fenced_hook_pacemaker_env wait_for grep -q "^fencing $F off hosttest silent on_fenced epoch=set\$" "$T/hook.env"
check on_fenced_hook_killed_after_timeout wait_for grep -q "hook on_fenced pid [0-9]* killed by signal 9 (hook_timeout_ms)" "$T/log$L"

# ---- it comes back: fenced, and it stays so (rule 7)
start "$F"
check restarted_node_is_fenced wait_for fenced_kernel "$F"
r=$(renewals "$L")
wait_for more_renewals "$L" $((r + 10)) >/dev/null
check restarted_node_stays_fenced fenced_kernel "$F"
check restarted_node_never_renewed bash -c "[ \"\$($PROBE $T/s$F.sock status | sed -n 's/^renewals=//p')\" = 0 ]"

# ---- rejoin, asked on the fenced node itself (forwarded if a follower)
# (a follower answers NOT_FENCED until it has learnt the commit itself)
check rejoin_accepted wait_for "$PROBE" "$T/s$F.sock" rejoin
check rejoin_new_generation wait_for bash -c "[ \"\$($PROBE $T/s$L.sock status | sed -n 's/^member id=$F .* gen=\([0-9]*\) .*/\1/p')\" = 2 ]"
check rejoined_lease_armed wait_for armed "$F"

# ---- admin fence --wait of the rejoined node
out=$("$PROBE" "$T/s$L.sock" fence "$F" --wait)
rc=$?
check admin_fence_wait_returns_committed bash -c "[ $rc = 0 ] && echo '$out' | grep -q 'flags=2 gen=2'"
check admin_fence_after_W_rule5 rule5_ok "$L" "$F"
check admin_fenced_node_latched wait_for fenced_kernel "$F"
# design.md §6 invariant, observed: the fenced node's lease had lapsed before
# the leader committed its NODE_FENCED record (same host clock, log stamps)
lapse_before_commit() {
	local lapse commit
	lapse=$(grep "generation 2 is FENCED (expired" "$T/log$F" | head -n 1 |
		cut -d' ' -f1 | tr -d .)
	commit=$(grep "NODE_FENCED committed: node $F generation 2 " \
		"$T/log$L" | head -n 1 | cut -d' ' -f1 | tr -d .)
	echo "   node $F lease lapsed at $lapse ms, fence committed at $commit ms"
	[ -n "$lapse" ] && [ -n "$commit" ] && [ "$lapse" -lt "$commit" ]
}
check admin_fence_lease_lapsed_before_commit lapse_before_commit
# on a follower that already sees the record committed: answered from its
# own committed state, nothing forwarded
out=$("$PROBE" "$T/s$S.sock" fence "$F" --wait)
check admin_fence_on_follower_already_committed bash -c "echo '$out' | grep -q '^status=0 .*flags=2 gen=2'"
wait_for "$PROBE" "$T/s$F.sock" rejoin > /dev/null
check second_rejoin_generation_3 wait_for bash -c "[ \"\$($PROBE $T/s$L.sock status | sed -n 's/^member id=$F .* gen=\([0-9]*\) .*/\1/p')\" = 3 ]"
check second_rejoin_armed wait_for armed "$F"

# ---- hitless restart: kill -9 and start again at once, lease adopted
fc=$(grep -c "is FENCED" "$T/log$F")
kill -9 "${PID[$F]}"; wait "${PID[$F]}" 2>/dev/null
start "$F"
check hitless_restart_adopts_armed wait_for grep -q "adopting it (state armed, generation 3)" "$T/log$F"
check hitless_restart_renews wait_for bash -c "[ \"\$($PROBE $T/s$F.sock status | sed -n 's/^renewals=//p')\" -gt 5 ]"
check hitless_restart_never_fenced bash -c "[ \$(grep -c 'is FENCED' $T/log$F) = $fc ] && [ \"\$($PROBE $T/s$F.sock status | sed -n 's/^kernel=//p')\" = 1 ]"

# ---- SIGUSR2: exit for a restart without leaving (no disarm, no record)
n0=$(wc -l < "$T/log$F")
kill -USR2 "${PID[$F]}"; wait "${PID[$F]}" 2>/dev/null; rc=$?
check sigusr2_exit_status_0 test "$rc" = 0
check sigusr2_no_leave bash -c "! tail -n +$((n0 + 1)) $T/log$F | grep -q 'clean leave\|disarmed'"
start "$F"
check sigusr2_restart_adopts_armed wait_for bash -c "tail -n +$((n0 + 1)) $T/log$F | grep -q 'adopting it (state armed, generation 3)'"
check sigusr2_restart_never_fenced bash -c "[ \$(grep -c 'is FENCED' $T/log$F) = $fc ]"

# ---- bad input
b=$(st "$S" | sed -n 's/^drop\([0-9]*\)=.*/\1/p' | wc -l)
for _ in 1 2 3; do
	head -c 200 /dev/urandom > "/dev/udp/127.0.0.1/$((PORT + S))"
done
printf 'QFW1garbage' > "/dev/udp/127.0.0.1/$((PORT + S))"
check forged_datagrams_counted wait_for bash -c "[ \$($PROBE $T/s$S.sock status | grep -c '^drop') -gt $b ]"
check forged_datagrams_harmless armed "$S"
out=$("$PROBE" "$T/s$S.sock" raw 5146434c020001001800000000000000000000000000000000)
check control_bad_version_refused bash -c "echo '$out' | grep -q 'status=1'"
out=$("$PROBE" "$T/s$S.sock" raw 5146434c0100630018000000000000000000000000000000)
check control_unknown_code_refused bash -c "echo '$out' | grep -q 'status=2'"
check control_still_serves has_leader "$S"
check control_socket_mode_0600 test "$(stat -c %a "$T/s$S.sock")" = 600
if command -v setpriv > /dev/null; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chmod 711 "$T"
	nobody "$PROBE" "$T/s$S.sock" status > /dev/null 2>&1
	check control_refuses_non_root_by_mode test $? != 0
	# with the mode opened by hand, the peer credentials still refuse
	chmod 666 "$T/s$S.sock"
	nobody "$PROBE" "$T/s$S.sock" status > /dev/null 2>&1
	rc=$?
	chmod 600 "$T/s$S.sock"; chmod 700 "$T"
	check control_refuses_non_root_by_credentials bash -c "[ $rc != 0 ] && grep -q 'control: refused a client (uid 65534' $T/log$S"
else
	fail control_refuses_non_root "setpriv (util-linux) not found"
fi

# ---- leadership transfer through the control socket
out=$("$PROBE" "$T/s$L.sock" transfer "$S")
check transfer_accepted test "$(echo "$out" | sed 's/^status=\([0-9]*\).*/\1/')" = 0
is_leader() { [ "$(leader_of "$1")" = "$1" ] && [ "$(field "$1" state)" = 3 ]; }
check transfer_new_leader wait_for is_leader "$S"
X=$L; L=$S; S=$X
check transfer_leases_stay_armed bash -c "[ \"\$($PROBE $T/s$L.sock status | sed -n 's/^kernel=//p')\" = 1 ] && [ \"\$($PROBE $T/s$S.sock status | sed -n 's/^kernel=//p')\" = 1 ]"

# ---- the leader dies
for n in 1 2 3; do grep -c "is FENCED" "$T/log$n" > "$T/fencedcount$n"; done
OLD=$L
kill -9 "${PID[$OLD]}"; wait "${PID[$OLD]}" 2>/dev/null; unset "PID[$OLD]"
new_leader() { local l; l=$(leader_of "$S"); [ -n "$l" ] && [ "$l" != 0 ] && [ "$l" != "$OLD" ]; }
check leader_crash_new_leader wait_for new_leader
L=$(leader_of "$S")
check leader_crash_old_leader_fenced wait_for fence_committed "$L" "$OLD"
check leader_crash_fence_after_W_rule5 rule5_ok "$L" "$OLD"
for n in 1 2 3; do
	[ "$n" = "$OLD" ] && continue
	check "leader_crash_no_lapse_node$n" bash -c "[ \$(grep -c 'is FENCED' $T/log$n) = \$(cat $T/fencedcount$n) ] && [ \"\$($PROBE $T/s$n.sock status | sed -n 's/^kernel=//p')\" = 1 ]"
done

# ---- clean leave
V=$S; [ "$V" = "$L" ] && V=$F
kill -TERM "${PID[$V]}"
wait "${PID[$V]}" 2>/dev/null; rc=$?
unset "PID[$V]"
check sigterm_exit_status_0 test "$rc" = 0
check sigterm_lease_disarmed grep -q "disarmed (clean leave)" "$T/log$V"
# the leave was told: the leader recorded it (reason lapsed; it commits
# after W, rule 5), and the leaving daemon saw that before it exited
check sigterm_cluster_told grep -q "clean leave: the leader recorded it" "$T/log$V"

# ---- whole-cluster restart on the durable state, one log tail torn
TERM0=$(field "$L" term)
H0=$(grep -c "^$F 1 $F 1\$" "$T/hook.out")
declare -A FRESH0	# fresh "NODE_FENCED committed" lines of (F, 1) so far
for n in 1 2 3; do FRESH0[$n]=$(grep -c "NODE_FENCED committed: node $F generation 1 " "$T/log$n"); done
for n in "${!PID[@]}"; do kill -9 "${PID[$n]}"; wait "${PID[$n]}" 2>/dev/null; unset "PID[$n]"; done
printf 'torn-record' >> "$T/d$S/log"
for n in 1 2 3; do start $n; done
check restart_all_leader wait_for has_leader "$S"
check restart_all_term_advanced bash -c "[ \"\$($PROBE $T/s$S.sock status | sed -n 's/^term=//p')\" -gt $TERM0 ]"
check restart_all_generation_durable wait_for bash -c "[ \"\$($PROBE $T/s$S.sock status | sed -n 's/^member id=$F .* gen=\([0-9]*\) .*/\1/p')\" = 3 ]"
check restart_torn_tail_detected grep -q "CORRUPT OR TORN LOG TAIL" "$T/log$S"
# the replayed NODE_FENCED records do not run their hooks again
for n in 1 2 3; do
	check "restart_hooks_not_rerun_node$n" wait_for grep -q "on_fenced for node $F generation 1 (index [0-9]*) ran before this start" "$T/log$n"
done
# the replayed records' lines say so: a reader never takes one for a new fence
for n in 1 2 3; do
	check "restart_fence_line_marked_replayed_node$n" wait_for grep -q "NODE_FENCED committed (replayed): node $F generation 1 " "$T/log$n"
	check "restart_no_fresh_line_for_old_fence_node$n" test "$(grep -c "NODE_FENCED committed: node $F generation 1 " "$T/log$n")" = "${FRESH0[$n]}"
done
check restart_hooks_ran_once test "$(grep -c "^$F 1 $F 1\$" "$T/hook.out")" = "$H0"
check restart_fenced_node_stays_fenced wait_for fenced_kernel "$OLD"
L=$(leader_of "$S")
if [ "$L" = "$OLD" ]; then	# a fenced node may lead; hand it over
	"$PROBE" "$T/s$L.sock" transfer "$S" > /dev/null
	wait_for is_leader "$S"; L=$S
fi
# The leave commits once a majority is back (this cluster had lost its
# third node, so the last one alone could not commit it, and lapsed).
check sigterm_fenced_as_lapsed wait_for grep -q "NODE_FENCED committed: node $V generation .* reason lapsed" "$T/log$L"
# the node that left cleanly, and any that lapsed, come back by a rejoin
for n in "$S" "$V"; do
	fenced_kernel "$n" && wait_for "$PROBE" "$T/s$n.sock" rejoin > /dev/null
done
check restart_left_node_rejoins wait_for armed "$V"
check restart_survivors_armed wait_for armed "$S"

# ---- removing the fenced node from the configuration
# (a leader that inherited NODE_FENCED entries commits its own only W
# after its election: until then proposals answer AGAIN, status 5)
remove_ok() { "$PROBE" "$T/s$L.sock" remove "$1" > "$T/remove.out"; }
check member_remove_accepted wait_for remove_ok "$OLD"
not_in_config() {	# member $2 gone from the list, or IN_CONFIG clear
	local out f
	out=$(st "$1") || return 1
	echo "$out" | grep -q "^leader=" || return 1
	f=$(echo "$out" | sed -n "s/^member id=$2 role=[0-9]* flags=\([0-9]*\) .*/\1/p")
	[ -z "$f" ] || [ $((f & 1)) = 0 ]
}
check member_remove_committed wait_for not_in_config "$L" "$OLD"
out=$("$PROBE" "$T/s$L.sock" remove 99)
check member_remove_unknown_refused test "$(echo "$out" | sed 's/^status=\([0-9]*\).*/\1/')" = 8

# ---- the steady state allocates nothing (design.md §4): a fresh cluster
# under an LD_PRELOAD malloc counter, from 2 s after each start until its
# clean exit: formation done, leases renewed, a follower killed and fenced
for n in "${!PID[@]}"; do kill -9 "${PID[$n]}"; wait "${PID[$n]}" 2>/dev/null; unset "PID[$n]"; done
SHIM=$T/allocshim.so
if cc -shared -fPIC -O2 -o "$SHIM" "$TOP/tests/quorumd/allocshim.c" -ldl; then
	T0=$T; T=$T/alloc; mkdir -p "$T"
	for n in 1 2 3; do
		mkdir -p "$T/d$n"
		sed -e "s|$T0/|$T/|g" -e "s|:$((PORT + n))\$|:$((PORT + 10 + n))|" \
			-e "s|127.0.0.1:$((PORT + 1))|127.0.0.1:$((PORT + 11))|" \
			-e "s|127.0.0.1:$((PORT + 2))|127.0.0.1:$((PORT + 12))|" \
			-e "s|127.0.0.1:$((PORT + 3))|127.0.0.1:$((PORT + 13))|" \
			-e "s|key_file = .*|key_file = $T0/key|" \
			-e "/^on_fenced/d" "$T0/n$n.conf" > "$T/n$n.conf"
		QD_ALLOC_FROM_S=2 LD_PRELOAD=$SHIM "$QD" -f --no-kernel \
			-c "$T/n$n.conf" >> "$T/log$n" 2>&1 &
		PID[$n]=$!
	done
	wait_for has_leader 1 && wait_for armed 1 && wait_for armed 2 && wait_for armed 3
	L=$(leader_of 1); F=$(( L % 3 + 1 )); S=$(( F % 3 + 1 )); [ "$S" = "$L" ] && S=$(( S % 3 + 1 ))
	# well into the counted window: 3 s of leader renewals (100 ms each)
	wait_for more_renewals "$L" 60
	kill -9 "${PID[$F]}"; wait "${PID[$F]}" 2>/dev/null; unset "PID[$F]"
	wait_for fence_committed "$L" "$F"
	for n in "$S" "$L"; do
		kill -TERM "${PID[$n]}"; wait "${PID[$n]}" 2>/dev/null; unset "PID[$n]"
		check "steady_state_allocates_nothing_node$n" grep -q "^allocshim: 0 allocations" "$T/log$n"
		grep "^allocshim" "$T/log$n" | sed 's/^/   /'
	done
	T=$T0
else
	fail steady_state_allocates_nothing "cannot build the malloc counter"
fi

# ---- quorumctl leave: the SIGTERM leave, asked on the control socket, in
# a fresh cluster of three (so that the leave's record commits at once
# after W, and the rejoin finds it committed)
T0=$T; T=$T/leave; mkdir -p "$T"
for n in 1 2 3; do
	mkdir -p "$T/d$n"
	sed -e "s|$T0/|$T/|g" \
		-e "s|127.0.0.1:$((PORT + 1))|127.0.0.1:$((PORT + 21))|" \
		-e "s|127.0.0.1:$((PORT + 2))|127.0.0.1:$((PORT + 22))|" \
		-e "s|127.0.0.1:$((PORT + 3))|127.0.0.1:$((PORT + 23))|" \
		-e "s|key_file = .*|key_file = $T0/key|" \
		-e "/^on_fenced/d" "$T0/n$n.conf" > "$T/n$n.conf"
	start $n
done
wait_for has_leader 1 && L=$(leader_of 1)
for n in 1 2 3; do wait_for armed $n; done
V=$(( L % 3 + 1 )); S=$(( V % 3 + 1 )); [ "$S" = "$L" ] && S=$(( S % 3 + 1 ))
G=$(member_gen "$L" "$V")
"$QC" --socket "$T/s$V.sock" leave > "$T/leave.out" 2>&1; rc=$?
# the daemon exits by itself (a zombie until reaped); never wait forever
exited() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
if wait_for exited "${PID[$V]}"; then
	wait "${PID[$V]}" 2>/dev/null; qrc=$?
else
	qrc="still running"; kill -9 "${PID[$V]}"; wait "${PID[$V]}" 2>/dev/null
fi
unset "PID[$V]"
sed 's/^/   /' "$T/leave.out"
check quorumctl_leave_exit_status_0 test "$rc" = 0
check quorumctl_leave_answer_before_exit grep -q "^node $V generation $G left: lease disarmed, leader told" "$T/leave.out"
check quorumctl_leave_daemon_exit_status_0 test "$qrc" = 0
check quorumctl_leave_lease_disarmed grep -q "disarmed (clean leave)" "$T/log$V"
check quorumctl_leave_cluster_told grep -q "clean leave: the leader recorded it" "$T/log$V"
check quorumctl_leave_fenced_as_lapsed wait_for grep -q "NODE_FENCED committed: node $V generation $G .*reason lapsed" "$T/log$L"
check quorumctl_leave_fence_after_W_rule5 rule5_ok "$L" "$V"
check quorumctl_leave_survivors_armed bash -c "[ \"\$($PROBE $T/s$L.sock status | sed -n 's/^kernel=//p')\" = 1 ] && [ \"\$($PROBE $T/s$S.sock status | sed -n 's/^kernel=//p')\" = 1 ]"
start "$V"
check quorumctl_leave_restart_stays_fenced wait_for fenced_kernel "$V"
qc_rejoin() { "$QC" --socket "$T/s$V.sock" rejoin > /dev/null 2>&1; }
check quorumctl_leave_rejoin_accepted wait_for qc_rejoin
check quorumctl_leave_rejoin_new_generation wait_for bash -c "[ \"\$($PROBE $T/s$L.sock status | sed -n 's/^member id=$V .* gen=\([0-9]*\) .*/\1/p')\" -gt $G ]"
check quorumctl_leave_rejoined_armed wait_for armed "$V"

# ---- fence_qfence and quorumctl metrics against the real daemons (same
# cluster: L leads, V and S follow)
AG=$TOP/tools/fence_qfence
agent_sock() {	# SOCKET ACTION PLUG: key=value on stdin, as Pacemaker
	printf 'action=%s\nport=%s\nquorumctl_path=%s\nsocket=%s\npower_timeout=15\n' \
		"$2" "$3" "$QC" "$1" | "$AG" > "$T/agent.out" 2>&1
}
agent() { agent_sock "$T/s$1.sock" "$2" "$3"; }	# NODE ACTION PLUG
metrics_ok() {
	"$QC" --socket "$T/s$1.sock" metrics > "$T/m$1.prom" &&
		promtool check metrics < "$T/m$1.prom" > /dev/null 2>&1
}
check metrics_leader_promtool metrics_ok "$L"
check metrics_follower_promtool metrics_ok "$S"
check metrics_follower_names_leader grep -qx "qfence_leader $L" "$T/m$S.prom"
check metrics_follower_own_lease grep -q "^qfence_lease_remaining_seconds [0-9]" "$T/m$S.prom"
G=$(member_gen "$L" "$V")
agent "$L" status "$V"; rc=$?
check agent_status_on bash -c "[ $rc = 0 ] && grep -q 'Status: ON' $T/agent.out"
# fence_qfence off on a follower: quorumd forwards it to the leader, naming
# the generation (design.md rule 11); success only once the follower itself
# has NODE_FENCED(V, G) committed, and the leader waited W (rule 5)
agent "$S" off "$V"; rc=$?
check agent_off_on_follower bash -c "[ $rc = 0 ] && grep -q 'NODE_FENCED committed: node $V generation $G ' $T/log$S"
check agent_off_on_follower_forwarded grep -q "fence of node $V gen $G forwarded by $S: proposed" "$T/log$L"
check agent_off_on_follower_after_W_rule5 rule5_ok "$L" "$V"
# rejoin --wait on the follower: 0 only with the new generation committed
# there (read at once, no polling)
"$QC" --socket "$T/s$S.sock" rejoin "$V" --wait --timeout 30 > /dev/null 2>&1; rc=$?
g=$(member_gen "$S" "$V")
check rejoin_wait_on_follower bash -c "[ $rc = 0 ] && [ '$g' -gt $G ]"
check rejoin_wait_armed wait_for armed "$V"
G=$(member_gen "$L" "$V")
# quorumctl fence --wait on a follower: returns with the record committed
# on that follower (read at once)
"$QC" --socket "$T/s$S.sock" fence "$V" --wait --timeout 30 > "$T/fw.out" 2>&1; rc=$?
st "$S" > "$T/fw.st"
check fence_wait_on_follower bash -c "[ $rc = 0 ] && grep -q '^member id=$V .* gen=$G fenced_gen=$G ' $T/fw.st"
check fence_wait_on_follower_after_W_rule5 rule5_ok "$L" "$V"
"$QC" --socket "$T/s$S.sock" rejoin "$V" --wait --timeout 30 > /dev/null 2>&1
wait_for armed "$V"
G=$(member_gen "$L" "$V")
agent_sock "$T/none.sock" off "$V"; rc=$?
check agent_no_daemon_fails bash -c "[ $rc = 1 ] && grep -q 'Connection lost' $T/agent.out"
agent "$L" off 9; rc=$?
check agent_unknown_node_fails bash -c "[ $rc = 1 ] && ! grep -q 'NODE_FENCED committed: node 9 ' $T/log$L"
agent "$L" off "$V"; rc=$?
sed 's/^/   agent: /' "$T/agent.out"
# success only once committed: the leader logged the commit before answering
check agent_off_after_commit bash -c "[ $rc = 0 ] && grep -q 'NODE_FENCED committed: node $V generation $G ' $T/log$L"
check agent_off_after_W_rule5 rule5_ok "$L" "$V"
agent_says_off() { agent "$S" status "$V"; [ $? = 2 ]; }
check agent_status_off_on_follower wait_for agent_says_off
agent "$S" on "$V"; rc=$?
check agent_on_rejoins bash -c "[ $rc = 0 ] && [ \"\$($PROBE $T/s$L.sock status | sed -n 's/^member id=$V .* gen=\([0-9]*\) .*/\1/p')\" -gt $G ]"
check agent_on_armed wait_for armed "$V"
# fences by reason, from the committed state: the same totals on every node,
# promtool clean, and a restarted node (log replayed) counts each record once
totals() { "$QC" --socket "$T/s$1.sock" metrics 2>/dev/null | grep '^qfence_fences_total' > "$T/tot$1"; }
same_totals() { totals "$1" && totals "$2" && [ -s "$T/tot$1" ] && cmp -s "$T/tot$1" "$T/tot$2"; }
check fences_total_same_on_leader_and_follower wait_for same_totals "$L" "$S"
check fences_total_admin_counted grep -q "^qfence_fences_total{reason=\"admin\"} [1-9]" "$T/tot$L"
check fences_total_promtool metrics_ok "$S"
cp "$T/tot$L" "$T/tot.before"
kill -9 "${PID[$S]}"; wait "${PID[$S]}" 2>/dev/null
start "$S"
wait_for has_leader "$S" > /dev/null
check fences_total_after_restart_counted_once wait_for bash -c "'$QC' --socket '$T/s$S.sock' metrics 2>/dev/null | grep '^qfence_fences_total' | cmp -s - '$T/tot.before'"
wait_for armed "$S" > /dev/null
# a member in the minority (the other two stopped): fence --wait and the
# agent's off fail, nonzero, never a guess; nothing commits
kill -STOP "${PID[$L]}" "${PID[$V]}"
G=$(member_gen "$S" "$V")
"$QC" --socket "$T/s$S.sock" fence "$V" --wait --timeout 3 > "$T/fm.out" 2>&1; rc=$?
sed 's/^/   minority: /' "$T/fm.out"
st "$S" > "$T/fm.st"
check fence_wait_minority_fails bash -c "[ $rc != 0 ] && ! grep -q '^member id=$V .* fenced_gen=$G ' $T/fm.st"
printf 'action=off\nport=%s\nquorumctl_path=%s\nsocket=%s\npower_timeout=3\n' \
	"$V" "$QC" "$T/s$S.sock" | "$AG" > "$T/agent.out" 2>&1; rc=$?
st "$S" > "$T/fm.st"
check agent_off_minority_fails bash -c "[ $rc = 1 ] && ! grep -q '^member id=$V .* fenced_gen=$G ' $T/fm.st"
kill -CONT "${PID[$L]}" "${PID[$V]}"
for n in "${!PID[@]}"; do kill -9 "${PID[$n]}"; wait "${PID[$n]}" 2>/dev/null; unset "PID[$n]"; done
T=$T0

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

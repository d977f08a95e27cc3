#!/bin/bash
# SPDX-License-Identifier: MIT
# make check-pr, the cluster part: quorumd's storage fence (design.md rule
# 13, §2.9) end to end. Three cluster VMs (tests/cluster/lib.sh) whose
# shared disk is the LUN of a storage VM running the LIO target
# (CL_STORAGE=pr: each VM's QEMU is an iSCSI initiator of its own; quorumd
# has pr_device = /dev/sda, require_pr = yes). Every write is dated where
# it lands: the storage VM's QEMU traces the writes to its backing file on
# the host clock, and qfcheck judges them against the NODE_FENCED commit.
#
#   pr-cluster-keys        every node's key (cluster|node|generation) is
#                          registered and a Write Exclusive - All Registrants
#                          reservation is held, the leases armed
#   pr-cut                 an isolated node: PREEMPT AND ABORT, NODE_FENCED
#                          committed with method=pr (no W), its key gone,
#                          the takeover; the checker over the LUN
#   pr-no-reregister       the healed victim does not register its old key
#                          again before its rejoin (rule 7, storage side)
#   pr-rejoin-new-key      the rejoin registers the new generation's key,
#                          the node writes again; an old preempt of the old
#                          key, replayed, removes nothing
#   pr-cluster-queued      the storage throttled so that writes queue below
#                          LIO at the cut (last): known unsafe on LIO, a
#                          write already in its backend can land after the
#                          commit; reported, counted as skipped
#   pr-isolate-leader      a leader cut off from its majority preempts no
#                          one; the majority fences it by reservation
#   pr-frozen-vm           QEMU stop of the owner, held past W, cont with
#                          its writer running: none of its writes lands
#                          after the commit; its lease latches FENCED at
#                          its first IO (reason storage)
# and, on a second cluster over the same LUN path without pr_device
# (CL_STORAGE=iscsi, the lease fence only):
#   pr-frozen-lease-only   the same freeze: the checker sees the frozen
#                          node's stale writes (expected: proves the
#                          difference, and that the checker can see them)
#
# Output: "ok NAME" / "FAIL NAME: why" / "known-unsafe NAME: what", then
# "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
CL_TIMING=${CL_TIMING:-tcg}
CL_STORAGE='pr'
# shellcheck source=tests/cluster/lib.sh
. "$here/../cluster/lib.sh"
. "$here/../lib/console.sh"
base=${PR_CLUSTER_DIR:-$BUILD/pr/cluster}
passed=0 failed=0 skipped=0
ok() { echo "ok $1${2:+ ($2)}"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	kill "$watchdog" 2>/dev/null
	exit $((failed > 0))
}
( trap 'kill $sp 2>/dev/null; exit 0' TERM
  sleep "${CL_WALL:-900}" & sp=$!; wait $sp
  echo "cluster.sh: wall-clock limit reached" >&2; kill -TERM $$ ) >/dev/null 2>&1 &
watchdog=$!

others() { local i; for i in $(seq 1 "$CL_N"); do [ "$i" = "$1" ] || printf '%s ' "$i"; done; }
# keys_on I: the registered keys as NODE:GEN words (cluster part checked)
keys_on() {
	on "$1" "sg_persist --in -k /dev/sda" 2>/dev/null |
		sed -n 's/^ *0x\([0-9a-f]\{4\}\)\([0-9a-f]\{4\}\)\([0-9a-f]\{8\}\)$/\1 \2 \3/p' |
		while read -r c n g; do
			[ "$c" = "$CKEY" ] || { echo "foreign:$c"; continue; }
			echo "$((16#$n)):$((16#$g))"
		done | sort | tr '\n' ' '
}
has_key() { case " $(keys_on "$1") " in *" $2:$3 "*) true ;; *) false ;; esac; }
no_key() { ! has_key "$@"; }
# qlog I: node I's quorumd lines over all its boots (serial log)
qlog() { cat "$CL_DIR/vm/qfnode$1.out"* 2>/dev/null | tr -d '\r'; }
# committed_pr X G: a survivor logged NODE_FENCED(X, G) with method=pr
committed_pr() {
	local s
	for s in $(others "$1"); do
		qlog "$s" | grep -q "NODE_FENCED committed: node $1 generation $2 .*method=pr" && return 0
	done
	return 1
}
prep() {
	# a healthy cluster first: an earlier case may have failed half-way
	{ poll 60 healthy || cl_recover; } || { WHY="not healthy: $WHY"; return 1; }
	ensure_leader_not "$CL_REBOOT_NODE" || { WHY="cannot move leadership off node $CL_REBOOT_NODE"; return 1; }
	L=$(cl_leader) O=$(cl_owner)
	V=$(pick_follower "$L" "$O")
	g=$(kfield "$V" generation)
}
# check NAME: the checker over the LUN's backing file (host-dated)
check() {
	if cl_check; then
		return 0
	fi
	fail "$1" "checker: stale_writes=$CL_STALE unproven=$CL_UNPROVEN overwritten=$CL_OVERWRITTEN: $(grep -E '^(STALE|EARLY|UNPROVEN)' "$CL_DIR/check.out" | head -n 2 | tr '\n' ';')"
	return 1
}

# ---- the checker with one storage trace: it must still see a late write --
# qfcheck --craft's two node traces merged into one, read as the storage
# VM's (-t 0:); PR=pr marks every fence as committed by reservation, which
# must not hide a write that landed after the commit.
storage_selftest() {
	local k=$1 pr=$2 want=$3 d=$base/selftest/$1$2 rc
	mkdir -p "$d"
	"$CL_BIN/qfcheck" --craft "$d" "$k" || { fail "pr-checker-$k$pr" "cannot craft"; return; }
	cat "$d/trace1" "$d/trace2" > "$d/storage"
	[ -z "$pr" ] || sed -i 's/$/ pr/' "$d/fences"
	"$CL_BIN/qfcheck" -t "0:$d/storage" "$d/image" "$d/clocks" "$d/fences" \
		"$d/klog" "$d/firsts" > "$d/out" 2>&1
	rc=$?
	checker_verdict "pr-checker-$k$pr" "$want" "$rc" "$d/out"
}
# a fresh directory per cluster: the checker and cl_owner read every log
# under it, an earlier run's included
rm -rf "$base"; mkdir -p "$base"
cl_build "$base/build.log" || { fail pr-cluster-build "see $base/build.log"; finish; }
storage_selftest clean '' clean
storage_selftest late '' 'STALE late own node=1 gen=1 seq=39 landed'
storage_selftest late pr 'STALE late own node=1 gen=1 seq=39 landed'
storage_selftest untraced '' 'UNPROVEN own node=1 gen=1 seq=10: no traced landing'

# ---- the PR cluster ------------------------------------------------------
if ! cl_up "$base/pr"; then
	fail pr-cluster-formation "$(tail -n 1 "$base/pr/build.log" 2>/dev/null) (see $base/pr/vm/)"
	finish
fi
trap 'cl_cleanup' EXIT
CKEY=$(qlog 1 | sed -n 's/.*storage fence: [0-9]* pr_device(s), cluster key \([0-9a-f]\{4\}\).*/\1/p' | head -n 1)

case_keys() {
	local i k r want=
	for i in $(seq 1 "$CL_N"); do want="$want$i:$(kfield "$i" generation) "; done
	poll 20 eval '[ "$(keys_on 1)" = "$want" ]' ||
		{ fail pr-cluster-keys "keys $(keys_on 1), want $want (cluster key '$CKEY')"; return; }
	r=$(on 1 "sg_persist --in -r /dev/sda" 2>/dev/null)
	echo "$r" | grep -q "Write Exclusive, all registrants" ||
		{ fail pr-cluster-keys "reservation: $(echo "$r" | tr '\n' ' ')"; return; }
	all_armed || { fail pr-cluster-keys "leases: $(lapses)"; return; }
	k=$(keys_on 1)
	ok pr-cluster-keys "keys $k, WEAR held"
}

case_cut() {
	prep || { fail pr-cut "$WHY"; return; }
	echo "# leader $L, owner $O: isolating node $V (generation $g)"
	mark "partition isolate $V"; isolate "$V"
	# shellcheck disable=SC2046
	poll 40 committed_by_survivor "$V" "$g" $(others "$V") ||
		{ fail pr-cut "NODE_FENCED($V, $g) not committed"; return; }
	committed_pr "$V" "$g" ||
		{ fail pr-cut "NODE_FENCED($V, $g) committed without the storage fence: $(qlog "$L" | grep -E "storage fence|NODE_FENCED committed: node $V" | tail -n 2 | tr '\n' ';')"; return; }
	no_key "$L" "$V" "$g" || { fail pr-cut "node $V's key still registered: $(keys_on "$L")"; return; }
	if [ "$O" = "$V" ]; then
		wait_takeover "$V" 30 || { fail pr-cut "the contested region did not move off node $V"; return; }
	fi
	poll 30 is_fenced "$V" || { fail pr-cut "node $V's lease is $(kstate "$V")"; return; }
	ok pr-cut "$(qlog "$L" | grep -o "NODE_FENCED committed: node $V generation $g .*since_last_grant_us=[0-9]*" | sed 's/.*since_last_grant_us=/since last grant /') us, method=pr"
}

case_no_reregister() {
	heal
	# the healed node hears the cluster again and reads the LUN every
	# second: it must not bring its removed key back by itself
	sleep 5
	no_key "$L" "$V" "$g" || { fail pr-no-reregister "node $V registered generation $g again: $(keys_on "$L")"; return; }
	is_fenced "$V" || { fail pr-no-reregister "node $V's lease is $(kstate "$V") before any rejoin"; return; }
	ok pr-no-reregister
}

case_rejoin() {
	local g2 mine
	cl_recover || { fail pr-rejoin-new-key "recovery: $WHY"; return; }
	g2=$(kfield "$V" generation)
	[ "$g2" -gt "$g" ] || { fail pr-rejoin-new-key "generation $g2 after the rejoin"; return; }
	poll 10 has_key "$L" "$V" "$g2" || { fail pr-rejoin-new-key "no key of generation $g2: $(keys_on "$L")"; return; }
	no_key "$L" "$V" "$g" || { fail pr-rejoin-new-key "the old key is back: $(keys_on "$L")"; return; }
	# an old leader's preempt of the old key, replayed: refused, and the
	# new incarnation keeps its key and its lease
	L=$(cl_leader)
	mine=$(printf '0x%s%04x%08x' "$CKEY" "$L" "$(kfield "$L" generation)")
	on "$L" "sg_persist --out --preempt-abort --param-rk=$mine --param-sark=$(printf '0x%s%04x%08x' "$CKEY" "$V" "$g") --prout-type=7 /dev/sda" > /dev/null 2>&1
	sleep 2
	has_key "$L" "$V" "$g2" || { fail pr-rejoin-new-key "the replayed preempt removed the new key: $(keys_on "$L")"; return; }
	is_armed "$V" || { fail pr-rejoin-new-key "node $V is $(kstate "$V") after the replay"; return; }
	on "$V" "dio w /dev/mapper/qf 16000" | grep -q '^ok' || { fail pr-rejoin-new-key "node $V cannot write"; return; }
	check pr-rejoin-new-key && ok pr-rejoin-new-key "generation $g -> $g2, keys $(keys_on "$L")"
}

# Writes queued in the storage at the fence: the storage VM's disk is
# throttled to QUEUE_IOPS writes/s, so that every node's writes wait below
# LIO (in the target VM and its QEMU) when node V is cut off. design.md
# §2.9 assumes that PREEMPT AND ABORT completes only once V's queued writes
# are aborted or landed. LIO does not hold it for a write it has already
# passed to its backend: one was seen landing 18 ms after the commit
# (2026-12-07). Known unsafe on this target, reported like the cluster
# suite's vm-pause: what happened, counted as skipped, never as passed;
# last in this cluster, because a stale write it leaves stays on the disk.
QUEUE_IOPS=15
case_queued() {
	local n other
	prep || { fail pr-cluster-queued "$WHY"; return; }
	cl_mon 9 "block_set_io_throttle lun 0 0 0 0 0 $QUEUE_IOPS" > /dev/null
	sleep 2
	echo "# storage throttled to $QUEUE_IOPS writes/s; isolating node $V (generation $g)"
	mark "partition isolate $V"; isolate "$V"
	# shellcheck disable=SC2046
	poll 60 committed_by_survivor "$V" "$g" $(others "$V") ||
		{ cl_mon 9 "block_set_io_throttle lun 0 0 0 0 0 0" > /dev/null; fail pr-cluster-queued "NODE_FENCED($V, $g) not committed"; return; }
	sleep 3
	cl_mon 9 "block_set_io_throttle lun 0 0 0 0 0 0" > /dev/null
	n=$(qlog "$V" | grep -c "reservation conflict")
	cl_recover || { fail pr-cluster-queued "recovery: $WHY"; return; }
	cl_check
	# anything but the victim's own landings at or after the commit
	# (stale, or unproven inside the commit window) is a failure
	other=$(grep -E '^(STALE|EARLY|UNPROVEN)' "$CL_DIR/check.out" |
		grep -vE "^(STALE late|UNPROVEN) (own|contested) node=$V gen=$g ")
	if [ -n "$other" ] || [ "$CL_OVERWRITTEN" != 0 ] || [ -z "$CL_STALE" ]; then
		fail pr-cluster-queued "checker: $(echo "$other" | head -n 2 | tr '\n' ';') overwritten=$CL_OVERWRITTEN"
		return
	fi
	if [ "$CL_STALE" = 0 ] && [ "${CL_UNPROVEN:-0}" = 0 ]; then
		echo "known-unsafe pr-cluster-queued: no write of node $V landed after the commit this time ($(committed_pr "$V" "$g" && echo "by reservation" || echo "after W"), $n conflict line(s)), but LIO does not hold PREEMPT AND ABORT for writes already in its backend (design.md §2.9)"
	else
		echo "known-unsafe pr-cluster-queued: writes of node $V queued below LIO landed after NODE_FENCED committed $(committed_pr "$V" "$g" && echo "by reservation" || echo "after W") (stale $CL_STALE) or inside its window (unproven $CL_UNPROVEN) (design.md §2.9: LIO does not hold PREEMPT AND ABORT for writes already in its backend)"
		grep -E '^(STALE|UNPROVEN)' "$CL_DIR/check.out" | head -n 3 | sed 's/^/#   /'
	fi
	skipped=$((skipped + 1))
}

case_isolate_leader() {
	local n s
	prep || { fail pr-isolate-leader "$WHY"; return; }
	V=$L; g=$(kfield "$V" generation)
	n=$(qlog "$V" | grep -c "PREEMPT AND ABORT")
	echo "# isolating the leader $V (generation $g)"
	mark "partition isolate $V"; isolate "$V"
	# shellcheck disable=SC2046
	poll 40 committed_by_survivor "$V" "$g" $(others "$V") ||
		{ fail pr-isolate-leader "NODE_FENCED($V, $g) not committed"; return; }
	committed_pr "$V" "$g" || { fail pr-isolate-leader "not fenced by reservation"; return; }
	[ "$O" = "$V" ] && { wait_takeover "$V" 30 || { fail pr-isolate-leader "no takeover"; return; }; }
	sleep 3
	[ "$(qlog "$V" | grep -c "PREEMPT AND ABORT")" = "$n" ] ||
		{ fail pr-isolate-leader "the cut-off leader preempted: $(qlog "$V" | grep "PREEMPT AND ABORT" | tail -n 1)"; return; }
	for s in $(others "$V"); do
		has_key "$s" "$s" "$(kfield "$s" generation)" || { fail pr-isolate-leader "survivor $s lost its key: $(keys_on "$s")"; return; }
	done
	cl_recover || { fail pr-isolate-leader "recovery: $WHY"; return; }
	check pr-isolate-leader && ok pr-isolate-leader "new leader $(cl_leader)"
}

# frozen V G: QEMU stop of node V (the owner when it can be), held past
# W, while the survivors fence it; then cont with its writer running.
# Sets FROZEN_WHY on a broken run.
HOLD=8	# seconds stopped: longer than W of the tcg timing (4.5 s)
frozen() {
	local t
	prep || { FROZEN_WHY=$WHY; return 1; }
	[ "$O" != 0 ] && [ "$O" != "$L" ] && [ "$O" != "$CL_REBOOT_NODE" ] && V=$O
	g=$(kfield "$V" generation)
	is_armed "$V" || { FROZEN_WHY="node $V is $(kstate "$V") before the freeze"; return 1; }
	writer_alive "$V" || { FROZEN_WHY="node $V's writer is not running"; return 1; }
	# cut off too, so that after cont it cannot hear of its fence: its
	# own clock says its lease still runs, as in any pause that outlasts
	# a network hiccup; the writes it then issues decide the case
	echo "# node $V (owner $O, leader $L, generation $g): isolated, QEMU stop for $HOLD s"
	mark "partition isolate $V"; isolate "$V"
	mark "pause-vm $V"; cl_mon "$V" stop > /dev/null
	t=$SECONDS
	# shellcheck disable=SC2046
	poll 40 committed_by_survivor "$V" "$g" $(others "$V") ||
		{ cl_mon "$V" cont > /dev/null; FROZEN_WHY="NODE_FENCED($V, $g) not committed"; return 1; }
	[ "$O" = "$V" ] && { wait_takeover "$V" 30 || { cl_mon "$V" cont > /dev/null; FROZEN_WHY="no takeover"; return 1; }; }
	sleep $((HOLD - (SECONDS - t) > 0 ? HOLD - (SECONDS - t) : 0))
	mark "resume-vm $V"; cl_mon "$V" cont > /dev/null
	poll 30 is_fenced "$V" || { heal; FROZEN_WHY="node $V never fenced after cont"; return 1; }
	sleep 2
	heal
}

case_frozen() {
	local r
	frozen || { fail pr-frozen-vm "$FROZEN_WHY"; return; }
	committed_pr "$V" "$g" || { fail pr-frozen-vm "NODE_FENCED($V, $g) not by reservation"; return; }
	r=$(on "$V" "qlease get qf$V" | sed -n 's/^fence_reason=//p')
	[ "$r" = 3 ] || { fail pr-frozen-vm "node $V's lease fenced with reason $r, not 3 (storage): its own clock ran out first"; return; }
	cl_recover || { fail pr-frozen-vm "recovery: $WHY"; return; }
	check pr-frozen-vm && ok pr-frozen-vm "node $V: no write landed after the commit; lease latched by the storage"
}

case_keys
case_cut
case_no_reregister
case_rejoin
case_isolate_leader
case_frozen
case_queued
for i in $(seq 1 "$CL_N"); do
	console_case "pr-cluster-qfnode$i-console" --stalls "$CL_DIR/vm/qfnode$i.console"*
done
cl_cleanup

# ---- the same freeze, lease fence only -----------------------------------
CL_STORAGE=iscsi
if ! cl_up "$base/lease"; then
	fail pr-frozen-lease-only "cluster: $(tail -n 1 "$base/lease/build.log" 2>/dev/null) (see $base/lease/vm/)"
	finish
fi
trap 'cl_cleanup' EXIT
if ! frozen; then
	fail pr-frozen-lease-only "$FROZEN_WHY"
else
	cl_recover || echo "# recovery: $WHY"
	cl_check
	if [ "${CL_STALE:-0}" -ge 1 ] && grep -qE "^STALE .*(node=$V gen=$g |\(node $V gen $g\))" "$CL_DIR/check.out"; then
		ok pr-frozen-lease-only "expected: $CL_STALE stale write(s) of the frozen node $V (late $CL_LATE): $(grep -m 1 '^STALE' "$CL_DIR/check.out" | cut -c1-100)"
	else
		fail pr-frozen-lease-only "no stale write of the frozen node was seen (late=$CL_LATE stale=$CL_STALE): the checker would be blind; $(grep -E '^(STALE|UNPROVEN)' "$CL_DIR/check.out" | head -n 2 | tr '\n' ';')"
	fi
fi
cl_cleanup
finish
